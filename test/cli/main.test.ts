import t from 'tap';
import { runCli } from '../helpers/cli.js';

t.test('--help lists the whole command tree and the exit codes', async (t) => {
  const r = await runCli(['--help']);
  t.equal(r.code, 0);
  for (const c of ['validate', 'plan', 'apply', 'status', 'show', 'ops', 'report', 'state', 'mock']) {
    t.match(r.stdout, new RegExp(`drctl ${c}\\b`), `lists ${c}`);
  }
  t.match(r.stdout, /3\s+blocked\s+by\s+a\s+safety\s+gate/);
});

t.test('an unknown command is a usage error: exit 1, no stack trace', async (t) => {
  const r = await runCli(['frobnicate']);
  t.equal(r.code, 1);
  t.match(r.stderr, /Unknown argument: frobnicate/);
  t.notMatch(r.stderr, /at .*\.js:\d+/);
});
