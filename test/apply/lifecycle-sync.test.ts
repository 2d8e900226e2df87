/**
 * The life cycle of examples/metro-sync.yaml (two Pure pods, synchronous replication) against the mock,
 * through the real clients: planned failover of metro-orders → converged (status and plan clean) →
 * failback → converged; a drill of metro-payments → cleanup. After every apply the world is rediscovered:
 * members ACTIVE on the expected site only (invariant 1), each booted from its imported volumes.
 */
import t, { type Test } from 'tap';
import { parseDocument } from 'yaml';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { readJournalView, runPlan, type PlanArgs } from '../../src/cli/commands/plan.js';
import { journalViewForApply } from '../../src/apply/run.js';
import { buildPlan } from '../../src/plan/build.js';
import { memoryIo } from '../../src/cli/io.js';
import { loadSpec } from '../../src/spec/load.js';
import { TAG } from '../../src/discovery/types.js';
import { lab, type Lab } from './lifecycle-harness.js';

const ORDERS = 'metro-orders';
const PAYMENTS = 'metro-payments';
const MEMBERS: Record<string, string[]> = {
  [ORDERS]: ['orders-db-1', 'orders-api-1', 'orders-api-2'],
  [PAYMENTS]: ['payments-db-1', 'payments-gw-1'],
};

async function set(l: Lab, group: string, key: 'activeSite' | 'drill', value: string | boolean) {
  const doc = parseDocument(await readFile(l.specPath, 'utf8'));
  doc.setIn(['groups', group, key], value);
  await writeFile(l.specPath, doc.toString());
}

const CLI_PLAN_TODO =
  "BUG (src/cli/commands/plan.ts runPlan's journal: readJournalView = journalViewFromState): drctl plan lacks the captured member metadata apply reads (journalViewForApply in src/apply/run.ts), so after every failover/failback it shows an 'update the captured metadata … (captured on <old site>)' that apply never runs";

/**
 * The plan against the rediscovered world, with the journal as apply reads it: no actions, no
 * blockers. And `drctl plan --detailed-exitcode --json` (the CLI's runPlan and its journal reader).
 */
async function planClean(t: Test, l: Lab, what: string) {
  const loaded = await l.loaded();
  const inv = await l.discover();
  const plan = buildPlan(loaded.spec, inv, journalViewForApply(await l.state()), { now: new Date(), specDigest: loaded.digest, specFile: l.specPath });
  t.same(plan.blockers, [], `${what}: no blockers`);
  t.same(plan.actions.map((a) => `${a.group}:${a.action}`), [], `${what}: the plan has nothing to do (${plan.actions.map((a) => a.summary).join('; ')})`);
  await t.test(`${what}: drctl plan --detailed-exitcode exits 0`, { todo: CLI_PLAN_TODO }, async (t) => {
    const io = memoryIo();
    const code = await runPlan({ spec: l.specPath, state: l.statePath, mock: true, json: true, 'detailed-exitcode': true } as PlanArgs, io, {
      loadSpec,
      discover: async () => inv,
      journal: readJournalView,
      writeFile: async () => undefined,
      now: () => new Date(),
    });
    const out = JSON.parse(io.stdout.join('\n')) as { actions: Array<{ summary?: string; action: string }> };
    t.equal(code, 0, out.actions.map((a) => a.summary ?? a.action).join('; '));
  });
  return inv;
}

/** Every member of the group ACTIVE on `site` only, booted from volumes Cinder there knows (attached, in-use). */
async function runningOn(t: Test, l: Lab, group: string, site: string, what: string) {
  const c = await l.conns();
  const other = site === 'site-a' ? 'site-b' : 'site-a';
  const list = async (s: string) => (await c.sites[s]!.os.nova.listServers({ detail: true })).filter((x) => x.metadata[TAG.group] === group && (x.metadata[TAG.role] ?? 'production') === 'production');
  const here = await list(site);
  const there = await list(other);
  for (const m of MEMBERS[group]!) {
    const s = here.filter((x) => x.metadata[TAG.member] === m);
    t.equal(s.length, 1, `${what}: one production ${m} on ${site}`);
    t.equal(s[0]?.status, 'ACTIVE', `${what}: ${m} ACTIVE on ${site}`);
    t.notOk(there.some((x) => x.metadata[TAG.member] === m && x.status === 'ACTIVE'), `${what}: ${m} not ACTIVE on ${other} (invariant 1)`);
    const attached = s[0]?.volumesAttached.map((v) => v.id) ?? [];
    t.ok(attached.length >= 1, `${what}: ${m} has its volumes attached`);
    for (const id of attached) {
      const v = await c.sites[site]!.os.cinder.getVolume(id);
      t.equal(v?.status, 'in-use', `${what}: ${m}'s volume ${v?.name ?? id} is in-use on ${site}`);
    }
  }
}

const SETTINGS = { bootSeconds: 0.2, stopSeconds: 0.1, startSeconds: 0.1, transferSeconds: 0.3 };

/** examples/metro-sync.yaml with drill networks for metro-payments (the example has none: a drill is blocked). */
async function metroSpec(dir: string): Promise<string> {
  const doc = parseDocument(await readFile(path.join(repoRoot, 'examples/metro-sync.yaml'), 'utf8'));
  doc.setIn(['groups', PAYMENTS, 'drillNetworks'], doc.createNode({ 'net-secondary-payments': 'net-drill-payments', 'net-secondary-db': 'net-drill-db' }));
  const file = path.join(dir, 'metro-sync.yaml');
  await writeFile(file, doc.toString());
  return file;
}

t.test('metro-sync: failover, failback, drill and cleanup of pod groups in mock mode', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-metro-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // A Cinder whose Pure driver manages pod volumes: the stock driver does not (see the next test).
  const l = await lab(t, { ...SETTINGS, managePodVolumes: true }, await metroSpec(dir));
  let r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.outcomes.length, 0, 'the fresh world converges');
  await runningOn(t, l, ORDERS, 'site-a', 'start');
  await runningOn(t, l, PAYMENTS, 'site-b', 'start');

  // 1. planned failover of metro-orders to site-b
  await set(l, ORDERS, 'activeSite', 'site-b');
  r = await l.apply();
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.ok(r.outcomes.some((o) => o.group === ORDERS && o.type === 'failover' && o.status === 'completed'), 'failover completed');
  await runningOn(t, l, ORDERS, 'site-b', 'after failover');
  await runningOn(t, l, PAYMENTS, 'site-b', 'payments untouched');
  const fo = await l.lastOp('failover');
  t.notOk(fo.steps.some((s) => s.name === 'storage.final-sync' && s.result?.outputs?.snapshot), 'sync: no snapshot to take');
  r = await l.apply();
  t.equal(r.outcomes.length, 0, `converged after the failover: ${JSON.stringify(r.outcomes)}`);
  await planClean(t, l, 'after failover');

  // 2. failback home
  await set(l, ORDERS, 'activeSite', 'site-a');
  r = await l.apply();
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.ok(r.outcomes.some((o) => o.group === ORDERS && o.type === 'failback' && o.status === 'completed'), 'failback completed');
  await runningOn(t, l, ORDERS, 'site-a', 'after failback');
  r = await l.apply();
  t.equal(r.outcomes.length, 0, `converged after the failback: ${JSON.stringify(r.outcomes)}`);
  await planClean(t, l, 'after failback');

  // 3. drill of metro-payments (home site-b: the drill runs on site-a), then cleanup
  await set(l, PAYMENTS, 'drill', true);
  r = await l.apply();
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.ok(r.outcomes.some((o) => o.group === PAYMENTS && o.type === 'drill' && o.status === 'completed'), 'drill completed');
  let inv = await l.discover();
  const g = inv.groups[PAYMENTS]!;
  t.equal(g.drillInstances['site-a']?.length, MEMBERS[PAYMENTS]!.length, 'one drill copy per member on site-a');
  t.ok((g.drillVolumes['site-a']?.length ?? 0) >= MEMBERS[PAYMENTS]!.length, 'drill volumes imported on site-a');
  const clone = (await l.lastOp('drill')).steps.find((x) => x.name === 'storage.clone-for-drill');
  t.equal((clone?.result?.outputs?.clones as unknown[] | undefined)?.length, 3, 'the 3 pod volumes were cloned on site-a (Cinder manage renamed the clones to its own names since)');
  await runningOn(t, l, PAYMENTS, 'site-b', 'production untouched by the drill');
  r = await l.apply();
  t.equal(r.outcomes.length, 0, `converged with the drill up: ${JSON.stringify(r.outcomes)}`);
  await set(l, PAYMENTS, 'drill', false);
  r = await l.apply();
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.ok(r.outcomes.some((o) => o.group === PAYMENTS && o.type === 'drill-cleanup' && o.status === 'completed'), 'cleanup completed');
  inv = await planClean(t, l, 'after cleanup');
  const p = inv.groups[PAYMENTS]!;
  t.same(
    { servers: Object.values(p.drillInstances).flat().length, volumes: Object.values(p.drillVolumes).flat().length, clones: Object.values(p.storage.perSite).flatMap((x) => x.drillVolumes).length },
    { servers: 0, volumes: 0, clones: 0 },
    'every drill resource is gone',
  );
  await runningOn(t, l, PAYMENTS, 'site-b', 'after cleanup');
  const d = await l.state();
  t.ok(d.operations.every((x) => x.status === 'completed'), 'every operation completed');
  t.notOk(d.lock, 'the lock is released');
});

t.test("metro-sync with the stock Cinder Pure driver: the import stops with the driver's reason, nothing imported", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-metro-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const l = await lab(t, SETTINGS, await metroSpec(dir));
  let r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  await set(l, ORDERS, 'activeSite', 'site-b');
  r = await l.apply();
  t.equal(r.exitCode, 1, 'the failover stops');
  const o = r.outcomes.find((x) => x.group === ORDERS)!;
  t.match(o, { type: 'failover', status: 'failed' });
  const op = await l.lastOp('failover');
  const imports = op.steps.filter((s) => s.name === 'volume.import');
  t.equal(imports.length, 3, 'one import per member');
  for (const s of imports) {
    t.equal(s.status, 'failed', `${s.id} failed`);
    t.equal(s.error?.code, 'DRCTL_E4122', `${s.id}: the storage side cannot do it (E4122)`);
    t.match(s.error?.message, /^Cinder on site-b will not manage array volume pod-metro-orders::volume-.*-cinder \(copy of .*\): Volume is in a Pod\. Fix: Cinder's Pure driver does not manage volumes in a pod/, `${s.id}: names the pod volume and the driver's reason`);
  }
  const c = await l.conns();
  const onB = (await c.sites['site-b']!.admin.cinder.listVolumes({ detail: true, filters: { all_tenants: true } })).filter((v) => v.metadata[TAG.group] === ORDERS);
  t.same(onB, [], 'nothing was managed on site-b');
});
