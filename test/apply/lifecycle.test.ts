/**
 * The whole life cycle of examples/prod-web-app.yaml against the mock, through the real clients:
 * drill → drill-cleanup → planned failover → failback → unplanned failover (site-a unreachable) →
 * fault cleared → fence (+ reprotect with --discard-site) → failback. After every apply the world is
 * rediscovered and checked: invariant 1 (no member ACTIVE on both sites), invariant 2 (planned:
 * promote only after the final snapshot arrived; unplanned: data-loss window recorded), nothing
 * created twice, drill resources gone after cleanup.
 */
import t, { type Test } from 'tap';
import type { OperationRecord } from '../../src/state/types.js';
import { checkWorld, GROUP, lab, taggedCounts, type Lab } from './lifecycle-harness.js';

const MEMBERS = ['db-server-1', 'app-server-1', 'app-server-2', 'web-server-1', 'web-server-2'];
const VOLS: Record<string, number> = { 'db-server-1': 2, 'app-server-1': 1, 'app-server-2': 1, 'web-server-1': 1, 'web-server-2': 1 };

type T = Test;

async function expectRunningOn(t: T, l: Lab, site: string, what: string) {
  const inv = await l.discover();
  const w = checkWorld(inv, (await l.loaded()).spec);
  t.same(w.splitBrain, [], `${what}: invariant 1 — no member ACTIVE on both sites`);
  for (const m of MEMBERS) t.same(w.activeOn[m], [site], `${what}: ${m} ACTIVE on ${site} only`);
  const c = await l.conns();
  const counts = await taggedCounts(c);
  t.same(counts[site]!.servers, Object.fromEntries(MEMBERS.map((m) => [m, 1])), `${what}: one production server per member on ${site}`);
  t.same(counts[site]!.volumes, VOLS, `${what}: each member's volumes exactly once on ${site}`);
  const other = site === 'site-a' ? 'site-b' : 'site-a';
  t.same(counts[other]!.servers, {}, `${what}: no production servers left on ${other}`);
  t.same(counts[other]!.volumes, {}, `${what}: no production volumes left in Cinder on ${other}`);
  return w;
}

function stepOf(op: OperationRecord, name: string) {
  const s = op.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} in ${op.id}`);
  return s;
}

/** Invariant 2 for a planned move: promote started after the final snapshot's transfer completed. */
function plannedOrder(t: T, op: OperationRecord) {
  const wait = stepOf(op, 'storage.wait-transfer');
  const sync = stepOf(op, 'storage.final-sync');
  const promote = stepOf(op, 'storage.promote');
  t.equal(sync.status, 'done');
  t.ok(Date.parse(promote.startedAt!) >= Date.parse(wait.endedAt!), `promote (${promote.startedAt}) after the transfer finished (${wait.endedAt})`);
  t.ok((promote.seq ?? 0) > (wait.seq ?? 0), 'promote completed after wait-transfer in journal order');
  t.equal(promote.result?.outputs?.snapshot, sync.result?.outputs?.snapshot, 'promote used the final snapshot');
  const stops = op.steps.filter((s) => s.name === 'server.wait-stopped');
  for (const s of stops) t.ok(Date.parse(sync.startedAt!) >= Date.parse(s.endedAt!), `final sync after ${s.id}`);
}

t.test('full life cycle on prod-web-app in mock mode', async (t) => {
  const l = await lab(t);
  const timings: Record<string, number> = {};
  const run = async (label: string, extra = {}) => {
    const start = Date.now();
    const r = await l.apply(extra);
    timings[label] = Date.now() - start;
    return r;
  };

  // 0. the fresh world matches the spec (the planner may first capture member metadata: an update)
  let r = await run('first apply');
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(r.outcomes.every((o) => o.status === 'completed' && o.type === 'update'), 'nothing but a metadata update on a fresh world');
  r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.outcomes.length, 0, 'then converged: no changes');
  t.match(r.stdout, /no changes/i);

  // 1. drill
  await l.edit({ drill: true });
  r = await run('drill');
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(r.outcomes.some((o) => o.type === 'drill' && o.status === 'completed'), 'drill completed');
  let w = await expectRunningOn(t, l, 'site-a', 'drill up');
  t.equal(w.drill.servers, MEMBERS.length, 'one drill copy per member');
  t.equal(w.drill.volumes, 6, 'drill volumes imported');

  // 2. drill-cleanup
  await l.edit({ drill: false });
  r = await run('drill-cleanup');
  t.equal(r.exitCode, 0, r.stderr);
  w = await expectRunningOn(t, l, 'site-a', 'after cleanup');
  t.same(w.drill, { servers: 0, volumes: 0, arrayClones: 0 }, 'every drill resource is gone');

  // 3. planned failover
  await l.edit({ activeSite: 'site-b' });
  r = await run('failover');
  t.equal(r.exitCode, 0, r.stderr);
  await expectRunningOn(t, l, 'site-b', 'after planned failover');
  const fo = await l.lastOp('failover');
  t.equal(fo.status, 'completed');
  plannedOrder(t, fo);
  t.equal(fo.dataLossWindowSeconds, undefined, 'a planned failover records no data loss');
  r = await l.apply();
  t.equal(r.exitCode, 0);
  t.equal(r.outcomes.length, 0, 'converged after the failover: nothing more to do');

  // 4. failback
  await l.edit({ activeSite: 'site-a' });
  r = await run('failback');
  t.equal(r.exitCode, 0, r.stderr);
  await expectRunningOn(t, l, 'site-a', 'after failback');
  plannedOrder(t, await l.lastOp('failback'));

  // 5. unplanned failover with site-a unreachable
  await l.fault({ site: 'site-a', kind: 'unreachable' });
  await l.edit({ activeSite: 'site-b' });
  r = await l.apply();
  t.equal(r.exitCode, 3, 'planned mode refuses with the primary down (gate)');
  t.match(r.stdout + r.stderr, /--allow-data-loss/);
  await l.edit({ mode: 'unplanned' });
  r = await run('unplanned failover');
  t.equal(r.exitCode, 0, r.stderr);
  const uf = await l.lastOp('failover');
  t.equal(uf.mode, 'unplanned');
  t.equal(uf.status, 'completed');
  t.type(uf.dataLossWindowSeconds, 'number', 'invariant 2: the data-loss window is in the journal');
  t.ok(uf.steps.every((s) => s.name !== 'server.stop' && s.name !== 'storage.final-sync'), 'unplanned: no stop, no final sync');
  t.equal(stepOf(uf, 'storage.force-promote').status, 'done');
  const o = r.outcomes.find((x) => x.type === 'failover')!;
  t.equal(o.dataLossWindowSeconds, uf.dataLossWindowSeconds, 'the summary reports the data-loss window');
  const c = await l.conns();
  const b = await taggedCounts(c);
  t.same(b['site-b']!.servers, Object.fromEntries(MEMBERS.map((m) => [m, 1])), 'members run on site-b');

  // 6. site-a returns: fence first (stale instances stopped and retired), then reprotect once confirmed
  await l.clear('site-a');
  {
    const inv = await l.discover();
    t.ok(checkWorld(inv, (await l.loaded()).spec).splitBrain.length > 0, 'site-a came back with its stale instances still ACTIVE');
  }
  r = await run('fence');
  t.equal(r.exitCode, 3, 'the resync needs --discard-site (gate), the fence itself ran');
  t.ok(r.outcomes.some((x) => x.type === 'fence' && x.status === 'completed'), 'fence completed');
  t.ok(r.outcomes.some((x) => x.status === 'refused' && /--discard-site site-a/.test(x.hint ?? '')), 'says how to confirm the resync');
  await expectRunningOn(t, l, 'site-b', 'after fence');
  r = await run('reprotect', { discardSite: 'site-a' });
  t.equal(r.exitCode, 0, r.stderr);
  t.ok(r.outcomes.some((x) => x.type === 'reprotect' && x.status === 'completed'));

  // 7. failback home
  await l.edit({ activeSite: 'site-a', mode: 'planned' });
  r = await run('final failback');
  t.equal(r.exitCode, 0, r.stderr);
  await expectRunningOn(t, l, 'site-a', 'after the final failback');
  plannedOrder(t, await l.lastOp('failback'));
  r = await l.apply();
  t.equal(r.outcomes.length, 0, 'converged at the end');
  const d = await l.state();
  t.notOk(d.lock, 'the lock is released');
  t.ok(d.operations.every((x) => x.status === 'completed'), 'every operation completed');
  t.comment(`mock-mode wall-clock per apply (ms): ${JSON.stringify(timings)}`);
  for (const x of d.operations) t.comment(`${x.type}${x.mode ? `/${x.mode}` : ''}: ${((Date.parse(x.completedAt!) - Date.parse(x.startedAt)) / 1000).toFixed(1)}s, ${x.steps.length} steps${x.dataLossWindowSeconds !== undefined ? `, data-loss window ${x.dataLossWindowSeconds}s` : ''}`);
  void GROUP;
});
