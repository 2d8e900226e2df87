/**
 * Failures during a planned failover, injected with mock faults, through the real clients:
 * - after the point of no return (server.create rejected once): stop, keep everything, journal shows
 *   the failed step, the printed resume command (a plain apply) finishes the job creating nothing twice;
 * - before it (final sync rejected): roll back — the stopped source VMs run again, the op is failed;
 * - Cinder policy 403 on volume manage (seeds' troubleshooting issue 4): clear message with the policy
 *   fix, journal shows volume.import failed, clearing the fault and applying again resumes.
 */
import t from 'tap';
import { TAG } from '../../src/discovery/types.js';
import { checkWorld, lab, taggedCounts } from './lifecycle-harness.js';

const MEMBERS = ['db-server-1', 'app-server-1', 'app-server-2', 'web-server-1', 'web-server-2'];

t.test('a failure after the point of no return stops, keeps everything, and the next apply resumes', async (t) => {
  const l = await lab(t);
  await l.apply(); // converge (metadata capture)
  await l.edit({ activeSite: 'site-b' });
  await l.fault({ site: 'site-b', kind: 'error', api: 'nova.servers.create', status: 409, count: 1 });
  let r = await l.apply();
  t.equal(r.exitCode, 1, 'apply exits 1');
  const o = r.outcomes.find((x) => x.type === 'failover')!;
  t.equal(o.status, 'failed');
  t.notOk(o.rolledBack, 'nothing rolled back after promote');
  t.match(o.message, /DRCTL_E4023|point of no return|promoted/);
  t.match(o.resumeCommand, /^drctl apply --mock .*prod-web-app\.yaml$/, 'prints the resume command');
  t.match(r.stderr, /Resume with: drctl apply --mock/);
  const op = await l.lastOp('failover');
  t.equal(op.status, 'failed');
  t.equal(op.rolledBack, undefined);
  const failed = op.steps.filter((s) => s.status === 'failed');
  t.equal(failed.length, 1, 'exactly one failed step in the journal');
  t.equal(failed[0]!.name, 'server.create');
  t.match(failed[0]!.error?.message, /409/);
  t.equal(op.steps.find((s) => s.name === 'storage.promote')?.status, 'done');
  {
    const w = checkWorld(await l.discover(), (await l.loaded()).spec);
    t.same(w.splitBrain, [], 'invariant 1 holds while stopped half-way');
  }
  const before = op.steps.filter((s) => s.status === 'done').map((s) => s.id);

  r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /resume/i, 'the plan says it resumes the unfinished operation');
  const again = await l.state();
  const same = again.operations.find((x) => x.id === op.id)!;
  t.equal(same.status, 'completed', 'the same operation completed');
  t.equal(again.operations.filter((x) => x.type === 'failover').length, 1, 'no second failover was opened');
  for (const id of before) t.equal(same.steps.find((s) => s.id === id)?.attempt, 1, `${id} was not run again`);
  t.equal(same.steps.find((s) => s.status === 'done' && s.name === 'server.create' && s.attempt === 2) !== undefined, true, 'the failed create ran a second time');
  const counts = await taggedCounts(await l.conns());
  t.same(counts['site-b']!.servers, Object.fromEntries(MEMBERS.map((m) => [m, 1])), 'one server per member: nothing created twice');
  t.same(counts['site-a']!.servers, {}, 'source instances retired');
});

t.test('a failure before promote rolls back: the stopped source VMs run again', async (t) => {
  const l = await lab(t);
  await l.apply();
  await l.edit({ activeSite: 'site-b' });
  await l.fault({ site: 'site-a', kind: 'error', api: 'pure.protection_group_snapshots.create', status: 400, count: 5 });
  const r = await l.apply();
  t.equal(r.exitCode, 1);
  const o = r.outcomes.find((x) => x.type === 'failover')!;
  t.equal(o.status, 'failed');
  t.equal(o.rolledBack, true, 'rolled back');
  t.notOk(o.resumeCommand, 'a rolled-back operation has nothing to resume');
  t.match(r.stderr, /rolled back/);
  const op = await l.lastOp('failover');
  t.equal(op.status, 'failed');
  t.equal(op.rolledBack, true);
  t.equal(op.steps.find((s) => s.name === 'storage.final-sync')?.status, 'failed', 'journal shows the failed final sync');
  t.equal(op.steps.find((s) => s.name === 'storage.promote')?.status, 'pending', 'promote never started');
  const stops = op.steps.filter((s) => s.name === 'server.stop');
  t.ok(stops.length === MEMBERS.length && stops.every((s) => s.status === 'rolled_back'), 'every stop compensated');
  const w = checkWorld(await l.discover(), (await l.loaded()).spec);
  for (const m of MEMBERS) t.same(w.activeOn[m], ['site-a'], `${m} ACTIVE again on site-a`);
  const counts = await taggedCounts(await l.conns());
  t.same(counts['site-b']!.servers, {}, 'nothing was created on site-b');
  await l.clear('site-a');
  const next = await l.apply();
  t.equal(next.exitCode, 0, 'a new plan starts a fresh failover once the cause is gone');
  t.ok(next.outcomes.some((x) => x.type === 'failover' && x.status === 'completed' && x.opId !== op.id));
});

t.test('policy 403 on volume manage: clear message with the fix, journal shows the step, the way out works', async (t) => {
  const l = await lab(t);
  await l.apply();
  await l.edit({ activeSite: 'site-b' });
  await l.fault({ site: 'site-b', kind: 'policy-denied', api: 'cinder.volume_manage' });
  let r = await l.apply();
  t.equal(r.exitCode, 1);
  const o = r.outcomes.find((x) => x.type === 'failover')!;
  t.match(o.message, /volume_extension:volume_manage/, 'names the policy');
  t.match(o.message, /adminCloud|policy\.yaml/, 'says how to fix it');
  const op = await l.lastOp('failover');
  const imports = op.steps.filter((s) => s.name === 'volume.import');
  t.ok(imports.some((s) => s.status === 'failed' && /403/.test(s.error?.message ?? '') && s.error?.code === 'DRCTL_E2033'), 'journal: volume.import failed with the typed 403');
  t.equal(op.status, 'failed');
  const w = checkWorld(await l.discover(), (await l.loaded()).spec);
  t.same(w.splitBrain, [], 'invariant 1');
  await l.clear('site-b');
  r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  t.equal((await l.state()).operations.find((x) => x.id === op.id)?.status, 'completed', 'resumed and completed');
  const after = checkWorld(await l.discover(), (await l.loaded()).spec);
  for (const m of MEMBERS) t.same(after.activeOn[m], ['site-b'], `${m} runs on site-b`);
  const c = await l.conns();
  const vols = await c.sites['site-b']!.os.cinder.listVolumes({ detail: true });
  t.equal(vols.filter((v) => v.metadata[TAG.group] === 'prod-web-app').length, 6, 'each volume imported once');
});
