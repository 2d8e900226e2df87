import t from 'tap';
import { DrctlError } from '../../src/errors.js';
import { describeSecret, resolveSecret } from '../../src/providers/secrets.js';

const SECRET = 'T0p-Secret-Token-0123456789abcdef';
const files: Record<string, string> = { '/ok': `${SECRET}\n`, '/empty': '  \n' };
const src = {
  env: { FA_TOKEN: SECRET, EMPTY: '' },
  readFile: async (p: string) => {
    if (p in files) return files[p];
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  },
};

t.test('resolves env and file references', async (t) => {
  t.equal(await resolveSecret({ env: 'FA_TOKEN' }, 'site-a array token', src), SECRET);
  t.equal(await resolveSecret({ file: '/ok' }, 'site-a array token', src), SECRET, 'trailing newline trimmed');
  t.equal(describeSecret({ env: 'X' }), 'environment variable X');
  t.equal(describeSecret({ file: '/k' }), 'file /k');
});

t.test('failures name the source, never a value', async (t) => {
  const cases: Array<[Parameters<typeof resolveSecret>[0], string, RegExp]> = [
    [{ env: 'MISSING' }, 'DRCTL_E2050', /MISSING is not set/],
    [{ env: 'EMPTY' }, 'DRCTL_E2050', /EMPTY is not set/],
    [{ file: '/nope' }, 'DRCTL_E2051', /cannot read secret file \/nope \(ENOENT\)/],
    [{ file: '/empty' }, 'DRCTL_E2052', /is empty/],
  ];
  for (const [ref, code, msg] of cases) {
    const err = await resolveSecret(ref, 'site-a array token', src).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(DrctlError.is(err), `${code} is a DrctlError`);
    const e = err as DrctlError;
    t.equal(e.code, code);
    t.match(e.message, msg);
    t.notMatch(`${e.message} ${e.hint ?? ''}`, SECRET);
  }
});
