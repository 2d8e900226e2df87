/**
 * Steps are idempotent: running a step again (a resume after a crash re-runs an `intent` step) finds
 * what the first run made — same ids, nothing created twice. Against the mock through the real clients.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { StepContext } from '../../src/apply/executor.js';
import { journalStepToPlanStep } from '../../src/apply/executor.js';
import type { PlanStep, StepName } from '../../src/plan/types.js';
import type { OperationRecord, StepResult } from '../../src/state/types.js';
import { IMPLEMENTED_STEPS, MOCK_POLL, abortableSleep, createStepRegistry, drillTag } from '../../src/steps/index.js';
import { repoRoot } from '../helpers/cli.js';
import { lab, taggedCounts, type Lab } from '../apply/lifecycle-harness.js';

t.test('every step name the planner emits has an implementation', async (t) => {
  const src = await readFile(path.join(repoRoot, 'src/plan/expand.ts'), 'utf8');
  const emitted = [...new Set([...src.matchAll(/\.add\('([a-z.-]+)'/g)].map((m) => m[1]!))].sort();
  t.ok(emitted.length >= 25, `found ${emitted.length} step names in expand.ts`);
  const missing = emitted.filter((n) => !IMPLEMENTED_STEPS.includes(n as StepName));
  t.same(missing, [], 'no planned step without an implementation');
});

t.test('drill tags fit Purity names: ≤ 6 characters, deterministic per operation', async (t) => {
  const a = drillTag('op-20261122T021455Z-b33c66');
  t.equal(a.length, 6);
  t.match(a, /^[0-9a-f]{6}$/);
  t.equal(drillTag('op-20261122T021455Z-b33c66'), a);
  t.not(drillTag('op-20261122T021455Z-b33c67'), a);
  t.ok(`volume-${'0'.repeat(36)}-cinder-drill-${a}`.length <= 63);
});

async function rerun(l: Lab, op: OperationRecord, names: StepName[]) {
  const c = await l.conns();
  const steps = createStepRegistry({
    spec: (await l.loaded()).spec,
    conns: c,
    now: Date.now,
    sleep: abortableSleep,
    poll: { ...MOCK_POLL, intervalMs: 50 },
    log: { info: () => undefined, warn: () => undefined, debug: () => undefined },
  });
  const results = new Map(op.steps.filter((s) => s.result).map((s) => [s.id, s.result!]));
  const ctx = (s: PlanStep): StepContext => ({ opId: op.id, group: op.group, attempt: 2, resultOf: (id) => results.get(id), signal: new AbortController().signal });
  const out: Array<{ step: PlanStep; first: StepResult | undefined; second: StepResult; third: StepResult }> = [];
  for (const js of op.steps.filter((s) => names.includes(s.name))) {
    const step = journalStepToPlanStep(js);
    const second = (await steps.registry[step.name]!(step, ctx(step))) as StepResult;
    const third = (await steps.registry[step.name]!(step, ctx(step))) as StepResult;
    out.push({ step, first: js.result, second, third });
  }
  return out;
}

const ids = (r: StepResult | undefined) => JSON.stringify({ ...(r?.created ?? {}), ...(r?.found ?? {}) });

t.test('drill steps run again find the same clones, volumes and servers', async (t) => {
  const l = await lab(t);
  await l.apply();
  await l.edit({ drill: true });
  t.equal((await l.apply()).exitCode, 0);
  const op = await l.lastOp('drill');
  const c = await l.conns();
  const before = await c.sites['site-b']!.os.nova.listServers({ detail: true });
  const volsBefore = await c.sites['site-b']!.os.cinder.listVolumes({ detail: true });
  const runs = await rerun(l, op, ['storage.clone-for-drill', 'volume.import', 'server.create', 'server.wait-active', 'verify']);
  t.ok(runs.length >= 1 + 5 + 5, `re-ran ${runs.length} steps`);
  for (const r of runs) {
    if (r.step.name === 'volume.import') {
      const a = (r.first?.outputs?.imported as Array<{ volumeId: string }>).map((x) => x.volumeId);
      t.same((r.second.outputs?.imported as Array<{ volumeId: string }>).map((x) => x.volumeId), a, `${r.step.id}: same volumes`);
      t.notOk(r.second.created, `${r.step.id}: nothing created the second time`);
    } else if (r.step.name === 'server.create') {
      t.equal(r.second.outputs?.serverId, r.first?.outputs?.serverId, `${r.step.id}: same server`);
      t.equal(r.third.outputs?.serverId, r.first?.outputs?.serverId);
    } else if (r.step.name === 'storage.clone-for-drill') {
      t.same(r.second.outputs?.clones, r.first?.outputs?.clones, 'same clones');
    } else {
      t.equal(ids(r.second), ids(r.third), `${r.step.id}: stable`);
    }
  }
  const after = await c.sites['site-b']!.os.nova.listServers({ detail: true });
  const volsAfter = await c.sites['site-b']!.os.cinder.listVolumes({ detail: true });
  t.same(after.map((s) => s.id).sort(), before.map((s) => s.id).sort(), 'no server added on site-b');
  t.same(volsAfter.map((v) => v.id).sort(), volsBefore.map((v) => v.id).sort(), 'no volume added on site-b');
});

t.test('failover steps run again after completion change nothing', async (t) => {
  const l = await lab(t);
  await l.apply();
  await l.edit({ activeSite: 'site-b' });
  t.equal((await l.apply()).exitCode, 0);
  const op = await l.lastOp('failover');
  const c = await l.conns();
  const before = await taggedCounts(c);
  const runs = await rerun(l, op, [
    'preflight',
    'cgroup.ensure',
    'volume.import',
    'cgroup.add-volumes',
    'server.create',
    'server.wait-active',
    'verify',
    'storage.reverse-replication',
    'server.delete',
    'cgroup.remove-volumes',
    'volume.unmanage',
    'record.write',
    'storage.demote',
  ]);
  t.ok(runs.length > 20, `re-ran ${runs.length} steps`);
  for (const r of runs) {
    if (r.step.name === 'cgroup.ensure') t.same(r.second.found, { group: (r.first?.created ?? r.first?.found)?.group }, 'same consistency group, found not created');
    if (r.step.name === 'server.create') t.equal(r.second.outputs?.serverId, r.first?.outputs?.serverId, `${r.step.id}: same server`);
    if (r.step.name === 'record.write') t.equal(r.second.outputs?.unchanged, true, `${r.step.id}: record already written`);
    if (r.step.name === 'server.delete') t.equal(r.second.outputs?.alreadyGone, true, `${r.step.id}: already gone`);
    if (r.step.name === 'volume.unmanage') t.same(r.second.outputs?.unmanaged, [], `${r.step.id}: nothing left to unmanage`);
    if (r.step.name === 'cgroup.add-volumes') t.same(r.second.outputs?.added, [], 'no volume added twice');
  }
  t.same(await taggedCounts(c), before, 'tagged servers and volumes unchanged on both sites');
});
