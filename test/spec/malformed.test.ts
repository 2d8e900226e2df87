/**
 * The malformed-spec corpus: every file under test/fixtures/spec/malformed/ declares the exact
 * diagnostics it must produce in header comments (`# expect: DRCTL_E1012 14:7`, optionally followed
 * by `warning`). The loader must report exactly those codes at exactly those places.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSpec } from '../../src/spec/load.js';
import { SPEC_CODE_DOCS, SpecCode } from '../../src/spec/codes.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/spec/malformed');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (DRCTL_E\d{4}) (\d+:\d+)( warning)?\s*$/gm)]
    .map((m) => `${m[1]} ${m[2]}${m[3] ?? ''}`)
    .sort();
}

t.ok(files.length >= 40, `corpus has at least 40 malformed specs (has ${files.length})`);

const seen = new Set<string>();
for (const f of files) {
  t.test(f, async (t) => {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const expected = expectations(text);
    t.ok(expected.length > 0, 'declares at least one expectation');
    const r = parseSpec(text, f);
    const got = r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}${d.severity === 'warning' ? ' warning' : ''}`).sort();
    t.same(got, expected, 'exact codes and line:col');
    t.equal(r.ok, false, 'the spec is rejected');
    for (const d of r.diagnostics) {
      seen.add(d.code);
      t.equal(d.file, f);
      t.notMatch(d.message, /must NOT have|must match pattern|must be equal to constant|must match exactly one schema|instancePath/, 'no raw ajv text');
      t.notMatch(d.message, /\n/, 'one line per diagnostic');
      t.ok(d.message.length > 10, 'message says something');
    }
  });
}

t.test('every code emitted by the corpus is documented, and the corpus covers the rules', async (t) => {
  const documented = new Set(SPEC_CODE_DOCS.map((d) => d.code));
  for (const c of seen) t.ok(documented.has(c as SpecCode), `${c} is in the code table`);
  // Codes a file on disk cannot produce here (size, unreadable) are covered in load.test.ts.
  const notInCorpus = new Set<string>([SpecCode.tooLarge, SpecCode.unreadable, SpecCode.invalidSpec]);
  for (const c of Object.values(SpecCode)) {
    if (!notInCorpus.has(c)) t.ok(seen.has(c), `some malformed spec exercises ${c}`);
  }
  t.equal(documented.size, Object.values(SpecCode).length, 'every code has a table row');
});

t.test('secrets written literally are never echoed', async (t) => {
  const cases: [string, string][] = [
    ['literal-api-token.yaml', 'T0PSECRET-5f2c9a1e-literal-token'],
    ['literal-keyring.yaml', 'AQBwhelmSECRETkeyringValue=='],
    ['many-problems.yaml', 'hunter2-hunter2'],
  ];
  for (const [f, secret] of cases) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    t.ok(text.includes(secret), `${f} holds the literal`);
    const r = parseSpec(text, f);
    t.ok(r.diagnostics.some((d) => d.code === SpecCode.literalSecret), `${f}: literal secret reported`);
    t.notOk(JSON.stringify(r.diagnostics).includes(secret), `${f}: literal never in any diagnostic`);
    t.notOk(JSON.stringify(r.diagnostics).includes(secret.slice(0, 8)), `${f}: not even a prefix`);
  }
});
