import t from 'tap';
import { memoryIo } from '../../src/cli/io.js';
import { runPlan, type PlanDeps } from '../../src/cli/commands/plan.js';
import { showPlan } from '../../src/cli/commands/show.js';
import { buildPlan } from '../../src/plan/build.js';
import { readPlanFile, serializePlan } from '../../src/plan/planfile.js';
import type { DRSpec } from '../../src/spec/types.js';
import { NOW, fakeInventory, journal, webSpec } from './fixtures.js';

function deps(spec: DRSpec, tweaks: Parameters<typeof fakeInventory>[1] = {}, files: Record<string, string> = {}): PlanDeps {
  return {
    loadSpec: async (file) => ({ ok: true, loaded: { spec, file, digest: 'a'.repeat(64) }, diagnostics: [] }),
    discover: async () => fakeInventory(spec, tweaks),
    journal: async () => journal(),
    writeFile: async (f, text) => void (files[f] = text),
    now: () => NOW,
  };
}

const cases: Array<[string, DRSpec, Parameters<typeof fakeInventory>[1], Record<string, unknown>, number]> = [
  ['no changes → 0', webSpec(), {}, {}, 0],
  ['no changes with --detailed-exitcode → 0', webSpec(), {}, { 'detailed-exitcode': true }, 0],
  ['changes → 0 without --detailed-exitcode', webSpec((g) => (g.activeSite = 'site-b')), {}, {}, 0],
  ['changes with --detailed-exitcode → 2', webSpec((g) => (g.activeSite = 'site-b')), {}, { 'detailed-exitcode': true }, 2],
  ['a blocker → 3', webSpec((g) => (g.activeSite = 'site-b')), { down: ['site-a'] }, { 'detailed-exitcode': true }, 3],
];
for (const [name, spec, tw, args, code] of cases) {
  t.test(`plan exit codes: ${name}`, async (t) => {
    const io = memoryIo();
    t.equal(await runPlan({ spec: 'x.yaml', ...args }, io, deps(spec, tw)), code);
    t.match(io.stdout.join(''), /drctl plan · spec prod/);
  });
}

t.test('plan --out saves a bound plan that show renders in all three views', async (t) => {
  const files: Record<string, string> = {};
  const io = memoryIo();
  const spec = webSpec((g) => (g.activeSite = 'site-b'));
  t.equal(await runPlan({ spec: 'examples/prod.yaml', out: 'plans/failover.json', json: true }, io, deps(spec, {}, files)), 0);
  const saved = readPlanFile(files['plans/failover.json']!);
  t.equal(saved.bindings?.specDigest, 'a'.repeat(64));
  t.same(JSON.parse(io.stdout.join('')), JSON.parse(files['plans/failover.json']!), '--json prints what --out saved');
  t.match(io.stderr.join('\n'), /Saved the plan to plans\/failover\.json \(valid until 2025-06-01T13:00:00\.000Z\)/);
  for (const [flags, re] of [
    [{}, /^drctl plan · spec prod \(examples\/prod\.yaml\)/],
    [{ json: true }, /^\{\n {2}"format_version": 1/],
    [{ markdown: true }, /^### drctl plan: `prod`/],
  ] as const) {
    const out = memoryIo();
    t.equal(await showPlan({ planfile: 'plans/failover.json', ...flags }, out, { readFile: async (p) => files[p]!, now: () => NOW }), 0);
    t.match(out.stdout.join(''), re);
  }
});

t.test('show warns about an expired plan and rejects a bad file', async (t) => {
  const spec = webSpec((g) => (g.activeSite = 'site-b'));
  const text = serializePlan(buildPlan(spec, fakeInventory(spec), journal(), { now: NOW }));
  const io = memoryIo();
  await showPlan({ planfile: 'p.json' }, io, { readFile: async () => text, now: () => new Date(NOW.getTime() + 2 * 3600_000) });
  t.match(io.stderr.join('\n'), /p\.json expired at 2025-06-01T13:00:00\.000Z: apply will refuse it/);
  await t.rejects(showPlan({ planfile: 'p.json' }, memoryIo(), { readFile: async () => '{"format_version":1}' }), { code: 'DRCTL_E3101' });
  await t.rejects(showPlan({ planfile: 'missing.json' }, memoryIo(), { readFile: async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' })) }), {
    code: 'DRCTL_E3101',
    message: /cannot read missing\.json: ENOENT/,
  });
  await t.rejects(showPlan({ planfile: 'p.json', json: true, markdown: true }, memoryIo(), { readFile: async () => text }), { code: 'DRCTL_E3104' });
});

t.test('--target warns like Terraform; --discard-site must name a site', async (t) => {
  const io = memoryIo();
  await runPlan({ spec: 'x.yaml', target: ['prod-web-app'] }, io, deps(webSpec()));
  t.match(io.stderr.join('\n'), /Warning: Resource targeting is in effect/);
  await t.rejects(runPlan({ spec: 'x.yaml', 'discard-site': 'site-z' }, memoryIo(), deps(webSpec())), { code: 'DRCTL_E3020' });
});

t.test('a spec with errors: diagnostics, exit 1, no discovery', async (t) => {
  const io = memoryIo();
  let discovered = false;
  const d = deps(webSpec());
  d.loadSpec = async () => ({ ok: false, diagnostics: [{ severity: 'error', code: 'DRCTL_E1010', message: 'missing key', file: 'x.yaml', line: 3, col: 1 }] });
  d.discover = async () => ((discovered = true), fakeInventory(webSpec()));
  t.equal(await runPlan({ spec: 'x.yaml' }, io, d), 1);
  t.notOk(discovered);
  t.match(io.stderr.join('\n'), /DRCTL_E1010/);
});
