/** drctl validate through the built CLI (run `npm run build` first; `npm test` does). */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const bad = 'test/fixtures/spec/malformed';
const LINE = /^(\S+):(\d+):(\d+): (error|warning) (DRCTL_E1\d{3}): (.+)$/;
const STACK = /\bat .*\.(js|ts):\d+|node:internal/;

t.test('valid examples: exit 0, one "valid" line each on stdout, nothing on stderr', async (t) => {
  const files = ['examples/prod-web-app.yaml', 'examples/prod-web-app-failover.yaml', 'examples/metro-sync.yaml', 'examples/ceph-mirrored.yaml'];
  const r = await runCli(['validate', ...files]);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  const lines = r.stdout.trim().split('\n');
  t.same(lines, [
    'examples/prod-web-app.yaml: valid (1 group, 5 members)',
    'examples/prod-web-app-failover.yaml: valid (1 group, 5 members)',
    'examples/metro-sync.yaml: valid (2 groups, 5 members)',
    'examples/ceph-mirrored.yaml: valid (1 group, 2 members)',
  ]);
});

t.test('a malformed spec: FILE:LINE:COL: error CODE: message on stderr, exit 1, no stack trace', async (t) => {
  const file = `${bad}/many-problems.yaml`;
  const r = await runCli(['validate', file]);
  t.equal(r.code, 1);
  t.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n');
  const diags = lines.filter((l) => LINE.test(l));
  t.equal(diags.length, 7, 'every problem, not only the first');
  for (const l of diags) t.equal(LINE.exec(l)![1], file, 'names the file');
  t.ok(lines.includes(`${file}:30:17: error DRCTL_E1025: groups.web.activeSite 'site-x' is not one of the group's sites (site-a, site-b)`));
  t.match(lines[lines.length - 1], /^7 problems in 1 file/);
  t.notMatch(r.stderr, STACK);
});

t.test('--debug adds no stack trace to user errors', async (t) => {
  const r = await runCli(['validate', '--debug', `${bad}/kind-wrong.yaml`]);
  t.equal(r.code, 1);
  t.notMatch(r.stderr, STACK);
  t.match(r.stderr, /kind-wrong\.yaml:4:7: error DRCTL_E1021: kind must be 'DRSpec', not 'Spec'/);
});

t.test('mixed good and bad files: every file reported, exit 1', async (t) => {
  const r = await runCli(['validate', 'examples/prod-web-app.yaml', `${bad}/empty-file.yaml`, 'no/such/spec.yaml']);
  t.equal(r.code, 1);
  t.match(r.stdout, /examples\/prod-web-app\.yaml: valid/);
  t.match(r.stderr, /empty-file\.yaml:1:1: error DRCTL_E1003: /);
  t.match(r.stderr, /no\/such\/spec\.yaml:1:1: error DRCTL_E1006: no such file/);
  t.match(r.stderr, /2 problems in 2 files/);
});

t.test('--json: { files: [{ file, valid, diagnostics }] } on stdout', async (t) => {
  const r = await runCli(['validate', '--json', 'examples/metro-sync.yaml', `${bad}/sync-with-interval-and-rpo.yaml`]);
  t.equal(r.code, 1);
  t.equal(r.stderr, '', 'JSON mode keeps stderr quiet');
  const out = JSON.parse(r.stdout) as { files: { file: string; valid: boolean; diagnostics: Record<string, unknown>[] }[] };
  t.same(
    out.files.map((f) => [f.file, f.valid, f.diagnostics.length]),
    [
      ['examples/metro-sync.yaml', true, 0],
      [`${bad}/sync-with-interval-and-rpo.yaml`, false, 2],
    ],
  );
  t.same(out.files[1]!.diagnostics[0], {
    severity: 'error',
    code: 'DRCTL_E1071',
    message: 'groups.web.replication.intervalSeconds does not apply to sync replication (RPO is 0); remove it or use type: async',
    file: `${bad}/sync-with-interval-and-rpo.yaml`,
    line: 30,
    col: 7,
  });
});

t.test('--json on valid files exits 0', async (t) => {
  const r = await runCli(['validate', '--json', 'examples/prod-web-app.yaml']);
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout), { files: [{ file: 'examples/prod-web-app.yaml', valid: true, diagnostics: [] }] });
});

t.test('a literal secret is never echoed, in text or JSON', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'drctl-validate-'));
  const secret = 'pureTok-7d1e0b4c-9a7f-4e55-bf1e-1c2d3e4f5a6b';
  const file = path.join(dir, 'leak.yaml');
  writeFileSync(
    file,
    `apiVersion: drctl/v1
kind: DRSpec
metadata: { name: leak }
sites:
  site-a: { cloud: site-a, storage: { driver: pure, endpoint: https://fa-a.example.com, apiToken: ${secret} } }
  site-b: { cloud: site-b, storage: { driver: pure, endpoint: https://fa-b.example.com, apiToken: { env: ${secret} } } }
groups:
  g:
    primarySite: site-a
    secondarySite: site-b
    activeSite: site-a
    replication: { type: sync, volumeType: replicated-sync, pod: pod-g }
    members: [{ server: s1, tier: 1 }]
`,
  );
  for (const args of [['validate', file], ['validate', '--json', file], ['validate', '--debug', file]]) {
    const r = await runCli(args);
    t.equal(r.code, 1);
    t.match(r.stdout + r.stderr, /DRCTL_E1040/);
    t.match(r.stdout + r.stderr, /DRCTL_E1041/);
    t.notOk((r.stdout + r.stderr).includes(secret), `${args.join(' ')}: secret not echoed`);
    t.notOk((r.stdout + r.stderr).includes('7d1e0b4c'), 'not even a piece of it');
  }
});

t.test('usage errors: no file given', async (t) => {
  const r = await runCli(['validate']);
  t.equal(r.code, 1);
  t.match(r.stderr, /Not enough non-option arguments/);
  t.notMatch(r.stderr, STACK);
});
