import t from 'tap';
import { defaultPointOfNoReturn, remainingPath, validateDag } from '../../src/apply/executor.js';
import { formatElapsed } from '../../src/apply/events.js';
import type { PlanStep } from '../../src/plan/types.js';
import { errno, memoryFs, recordingFs } from '../state/fakes.js';
import { harness, step, type Behaviour } from './harness.js';

/** A small failover DAG: preflight → stop×2 → sync → promote → import×2 → create×2 (tiered) → verify. */
function failoverDag(): PlanStep[] {
  return [
    step('pre', 'preflight', 'preparation'),
    step('stop-web', 'server.stop', 'preparation', ['pre'], { tier: 2 }),
    step('stop-db', 'server.stop', 'preparation', ['stop-web'], { tier: 1 }),
    step('sync', 'storage.final-sync', 'storage', ['stop-db']),
    step('promote', 'storage.promote', 'storage', ['sync']),
    step('import-db', 'volume.import', 'storage', ['promote']),
    step('import-web', 'volume.import', 'storage', ['promote']),
    step('create-db', 'server.create', 'instances', ['import-db'], { tier: 1 }),
    step('create-web', 'server.create', 'instances', ['import-web', 'create-db'], { tier: 2 }),
    step('verify', 'verify', 'finalization', ['create-db', 'create-web']),
  ];
}

/** Deterministic pseudo-random DAG (edges only point backwards). */
function randomDag(n: number, seed: number): { steps: PlanStep[]; ms: Record<string, number> } {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const steps: PlanStep[] = [];
  const ms: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const deps = new Set<string>();
    for (let j = 0; j < i; j++) if (rnd() < 3 / (i + 1)) deps.add(`s${j}`);
    steps.push(step(`s${i}`, 'server.create', (['preparation', 'storage', 'instances', 'finalization'] as const)[Math.floor((i / n) * 4)], [...deps]));
    ms[`s${i}`] = 1 + Math.floor(rnd() * 20) * 1000;
  }
  return { steps, ms };
}

const behaviours = (ms: Record<string, number>): Record<string, Behaviour> => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, { ms: v }]));

t.test('DAG validation: duplicate ids, unknown dependencies and cycles are refused before anything runs', async (t) => {
  t.throws(() => validateDag([step('a', 'verify', 'finalization'), step('a', 'verify', 'finalization')]), { code: 'DRCTL_E4020', message: /appears twice/ });
  t.throws(() => validateDag([step('a', 'verify', 'finalization', ['ghost'])]), { code: 'DRCTL_E4020', message: /depends on ghost/ });
  t.throws(() => validateDag([step('a', 'verify', 'finalization', ['b']), step('b', 'verify', 'finalization', ['a']), step('c', 'verify', 'finalization')]), { code: 'DRCTL_E4020', message: /cycle: a, b/ });
  const h = await harness();
  const op = await h.open([step('a', 'verify', 'finalization', ['b']), step('b', 'verify', 'finalization', ['a'])]);
  await t.rejects(h.run(op), { code: 'DRCTL_E4020' });
  t.equal(h.calls.length, 0);
  t.same((await h.store.load())!.operations[0]!.steps.map((s) => s.status), ['pending', 'pending']);
});

t.test('ordering respects every edge; each step starts the moment its dependencies are done', async (t) => {
  for (const seed of [1, 7, 42, 1234]) {
    const { steps, ms } = randomDag(40, seed);
    const h = await harness(behaviours(ms));
    const op = await h.open(steps);
    const res = await h.run(op, { parallelism: 1000 });
    t.equal(res.status, 'completed', `seed ${seed}: completed`);
    const call = new Map(h.calls.map((c) => [c.id, c]));
    let violations = 0;
    let late = 0;
    for (const s of steps) {
      const c = call.get(s.id)!;
      const ready = Math.max(op.startedAt ? 0 : 0, ...s.dependsOn.map((d) => call.get(d)!.end!));
      if (s.dependsOn.some((d) => call.get(d)!.end! > c.start)) violations++;
      if (s.dependsOn.length > 0 && c.start !== ready) late++;
    }
    t.equal(violations, 0, `seed ${seed}: no step started before a dependency ended`);
    t.equal(late, 0, `seed ${seed}: with enough parallelism, every step started exactly when its last dependency ended`);
    // Journal: intent of a step written after the done of each dependency.
    const rec = res.operation;
    const js = new Map(rec.steps.map((s) => [s.id, s]));
    t.ok(steps.every((s) => s.dependsOn.every((d) => js.get(d)!.endedAt! <= js.get(s.id)!.startedAt!)), `seed ${seed}: journal order respects edges`);
    // Makespan equals the critical path when parallelism is not binding.
    const cp = Math.max(...remainingPath(validateDag(steps), (s) => ms[s.id]!).values());
    t.equal(Math.max(...h.calls.map((c) => c.end!)) - Math.min(...h.calls.map((c) => c.start)), cp, `seed ${seed}: makespan = critical path`);
  }
});

t.test('no tier barriers: a step waits only for its own edges, not for unrelated slow steps', async (t) => {
  const h = await harness({ slow: { ms: 60_000 }, a: { ms: 1000 }, b: { ms: 1000 } });
  const op = await h.open([step('slow', 'server.create', 'instances', [], { tier: 1 }), step('a', 'server.create', 'instances', [], { tier: 1 }), step('b', 'server.create', 'instances', ['a'], { tier: 2 })]);
  await h.run(op);
  const b = h.calls.find((c) => c.id === 'b')!;
  const slow = h.calls.find((c) => c.id === 'slow')!;
  t.ok(b.start < slow.end!, 'b started while slow was still running');
  t.equal(b.start - h.calls.find((c) => c.id === 'a')!.end!, 0);
});

t.test('parallelism bound is honoured (max concurrent measured) and reached', async (t) => {
  for (const [parallelism, want] of [[1, 1], [4, 4], [undefined, 10], [50, 30]] as const) {
    const steps = Array.from({ length: 30 }, (_, i) => step(`s${i}`, 'server.create', 'instances'));
    const h = await harness(Object.fromEntries(steps.map((s, i) => [s.id, { ms: 1000 + (i % 3) * 500 }])));
    const op = await h.open(steps);
    const res = await h.run(op, parallelism === undefined ? {} : { parallelism });
    t.equal(res.status, 'completed');
    t.equal(h.concurrency.max, want, `parallelism ${parallelism ?? 'default'}: max ${want} at once`);
  }
});

t.test('critical-path priority: with a binding parallelism the long chain goes first', async (t) => {
  // Plan order lists six short independent steps before a 3-step chain; parallelism 2.
  const steps = [
    ...Array.from({ length: 6 }, (_, i) => step(`short${i}`, 'server.create', 'instances')),
    step('c1', 'volume.import', 'storage'),
    step('c2', 'server.create', 'instances', ['c1']),
    step('c3', 'verify', 'finalization', ['c2']),
  ];
  const ms = Object.fromEntries(steps.map((s) => [s.id, 10_000]));
  const h = await harness(behaviours(ms));
  const op = await h.open(steps);
  await h.run(op, { parallelism: 2, estimateMs: (s) => ms[s.id]! });
  const makespan = Math.max(...h.calls.map((c) => c.end!)) - Math.min(...h.calls.map((c) => c.start));
  const bound = Math.max(30_000, (9 * 10_000) / 2); // max(critical path, work / parallelism)
  t.equal(h.calls[0]!.id, 'c1', 'the chain head starts first');
  t.equal(makespan, 50_000, 'list scheduling by remaining path: 50 s (plan order would take 60 s)');
  t.ok(makespan / bound <= 1.2, `makespan/bound = ${(makespan / bound).toFixed(2)} ≤ 1.2`);
});

t.test('results of done steps are available to later steps', async (t) => {
  const h = await harness({ a: { result: { created: { volume: 'vol-1' }, outputs: { snapshot: 'fa-a:pg.42' } } } });
  const op = await h.open([step('a', 'storage.clone-for-drill', 'storage'), step('b', 'volume.import', 'storage', ['a'])]);
  await h.run(op);
  t.same(h.calls.find((c) => c.id === 'b')!.sawResults.a, { created: { volume: 'vol-1' }, outputs: { snapshot: 'fa-a:pg.42' } });
});

t.test('resume: done steps are skipped (results still available), intent steps re-run, pending run', async (t) => {
  const h = await harness();
  const steps = failoverDag();
  const op = await h.open(steps);
  // What a SIGKILL in the middle of import-db leaves behind:
  for (const id of ['pre', 'stop-web', 'stop-db', 'sync', 'promote', 'import-web']) {
    await h.journal.stepIntent(op.id, id);
    await h.journal.stepDone(op.id, id, { created: { [id]: `${id}-made-by-attempt-1` } });
  }
  const crashed = await h.journal.stepIntent(op.id, 'import-db');
  const res = await h.run(crashed);
  t.equal(res.status, 'completed');
  t.same(h.calls.map((c) => c.id).sort(), ['create-db', 'create-web', 'import-db', 'verify'], 'only unfinished steps ran');
  t.equal(h.calls.find((c) => c.id === 'import-db')!.attempt, 2, 'the half-done step re-ran as attempt 2');
  t.same(h.calls.find((c) => c.id === 'create-web')!.sawResults['import-web'], { created: { 'import-web': 'import-web-made-by-attempt-1' } });
  t.equal(res.operation.progress, 100);
  t.match(h.events.find((e) => e.type === 'op-status')!.message, /resumed after an interruption/);
});

t.test('the journal is written BEFORE each side effect: a failed intent write means the step never runs', async (t) => {
  let fail = false;
  // A journal write is an append to the state log, or a whole new snapshot (temp file): fail both.
  const rec = recordingFs(memoryFs(), (op, p) => (fail && ((op === 'writeAll' && p.includes('.tmp')) || op === 'append') ? errno('ENOSPC', 'no space left on device') : undefined));
  const h = await harness({}, { fs: rec.fs });
  const op = await h.open([step('a', 'server.stop', 'preparation'), step('b', 'server.stop', 'preparation', ['a'])]);
  const res = h.run(op, {
    registry: {
      'server.stop': async (s, ctx) => {
        h.calls.push({ id: s.id, attempt: ctx.attempt, start: 0, sawResults: {} });
        fail = true; // the disk fills up while a runs: the write "a done + b intent" fails
      },
    },
  });
  await t.rejects(res, { code: 'DRCTL_E4008' });
  t.same(h.calls.map((c) => c.id), ['a'], 'b was never called');
  const s = (await h.store.load())!.operations[0]!;
  t.same(s.steps.map((x) => x.status), ['intent', 'pending'], 'a may be half-done (re-run on resume); b never started');
  t.equal(s.status, 'running', 'left resumable');
  fail = false;
  const again = await h.run(s);
  t.equal(again.status, 'completed');
  t.same(again.operation.steps.map((x) => x.attempt), [2, 1]);
});

t.test('a step finishing and its dependents starting are one journal write', async (t) => {
  const rec = recordingFs(memoryFs());
  const h = await harness({}, { fs: rec.fs });
  const op = await h.open([step('a', 'preflight', 'preparation'), step('b', 'server.stop', 'preparation', ['a']), step('c', 'server.stop', 'preparation', ['a']), step('d', 'verify', 'finalization', ['b', 'c'])]);
  rec.log.length = 0;
  const res = await h.run(op);
  t.equal(res.status, 'completed');
  // A durable write: an fdatasync'ed append to the state log, or a snapshot's rename + directory fsync.
  const writes = rec.log.filter((l) => l.startsWith('fsyncDir') || l.startsWith('datasync')).length;
  // status running · intent a · done a + intent b,c · done b (+ c, same tick) + intent d · done d · close
  t.ok(writes <= 6, `${writes} durable writes for 4 steps (≤ 6)`);
  const st = (await h.store.load())!.operations[0]!.steps;
  t.equal(st.find((x) => x.id === 'a')!.endedAt, st.find((x) => x.id === 'b')!.startedAt);
});

t.test('a lost done-write leaves the step as intent; the resume re-runs it and completes', async (t) => {
  let failDone = true;
  const h = await harness();
  const op = await h.open([step('a', 'volume.import', 'storage'), step('b', 'server.create', 'instances', ['a'])]);
  const orig = h.journal.transition.bind(h.journal);
  h.journal.transition = async (id, tr) => {
    if (failDone && (tr.done ?? []).length > 0) throw Object.assign(new Error('write failed'), { code: 'DRCTL_E4008' });
    return orig(id, tr);
  };
  await t.rejects(h.run(op), { code: 'DRCTL_E4008' });
  const mid = (await h.store.load())!.operations[0]!;
  t.same(mid.steps.map((x) => x.status), ['intent', 'pending']);
  failDone = false;
  const res = await h.run(mid);
  t.equal(res.status, 'completed');
  t.same(h.calls.map((c) => [c.id, c.attempt]), [['a', 1], ['a', 2], ['b', 1]]);
});

t.test('failure before the point of no return: rollback in reverse completion order, then failed', async (t) => {
  const h = await harness({ 'import-web': { fail: 'cinder manage: 403 volume_extension:volume_manage' } }, { compensate: ['server.stop', 'volume.import', 'storage.final-sync'] });
  const steps = [
    step('pre', 'preflight', 'preparation'),
    step('stop-web', 'server.stop', 'preparation', ['pre']),
    step('stop-db', 'server.stop', 'preparation', ['stop-web']),
    step('sync', 'storage.final-sync', 'storage', ['stop-db']),
    step('import-web', 'volume.import', 'storage', ['sync']),
    step('promote', 'storage.promote', 'storage', ['import-web']),
    step('create', 'server.create', 'instances', ['promote']),
  ];
  const op = await h.open(steps);
  const statuses: string[] = [];
  const res = await h.run(op, {
    listener: (e) => {
      h.events.push(e);
      if (e.type === 'op-status') statuses.push(e.status!);
    },
  });
  t.equal(res.status, 'failed');
  t.equal(res.rolledBack, true);
  t.equal(res.error!.code, 'DRCTL_E4022');
  t.match(res.error!.message, /import-web \(volume.import\) failed: cinder manage: 403/);
  t.same(h.compCalls, ['import-web', 'sync', 'stop-db', 'stop-web'], 'reverse completion order, the failed step first; steps without a compensation skipped');
  t.notOk(h.calls.some((c) => c.id === 'promote' || c.id === 'create'), 'nothing after the failure started');
  t.same(statuses, ['running', 'rolling_back', 'failed']);
  const rec = res.operation;
  t.equal(rec.status, 'failed');
  t.equal(rec.rolledBack, true);
  t.match(rec.errorMessage, /Rolled back\.$/);
  t.same(rec.steps.map((s) => s.status), ['done', 'rolled_back', 'rolled_back', 'rolled_back', 'rolled_back', 'pending', 'pending']);
  t.same(rec.stepsFailed, ['import-web']);
  await t.rejects(h.run(rec), { code: 'DRCTL_E4025' }, 'a rolled-back operation cannot be resumed');
});

t.test('rollback waits for steps running in parallel and compensates them too; no new step starts', async (t) => {
  const h = await harness({ a: { ms: 1000, fail: 'boom' }, b: { ms: 5000 } }, { compensate: ['server.stop'] });
  const op = await h.open([step('a', 'server.stop', 'preparation'), step('b', 'server.stop', 'preparation'), step('c', 'server.stop', 'preparation', ['b'])]);
  const res = await h.run(op);
  t.equal(res.error!.code, 'DRCTL_E4022');
  t.same(h.calls.map((c) => c.id).sort(), ['a', 'b'], 'c never started');
  t.same(h.compCalls, ['b', 'a'], 'b finished after a failed, so it is undone first');
});

t.test('failure after the point of no return: stop, keep everything, resume command; resume finishes it', async (t) => {
  const h = await harness({ 'create-web': { fail: 'network net-secondary-web not found', failAttempts: [1] } }, { compensate: ['server.stop', 'volume.import'] });
  const op = await h.open(failoverDag());
  const res = await h.run(op, { resumeCommand: 'drctl apply examples/prod.yaml --target g' });
  t.equal(res.status, 'failed');
  t.equal(res.rolledBack, false);
  t.equal(res.error!.code, 'DRCTL_E4023');
  t.match(res.error!.hint, 'drctl apply examples/prod.yaml --target g');
  t.same(h.compCalls, [], 'nothing rolled back');
  t.equal(res.operation.resumeCommand, 'drctl apply examples/prod.yaml --target g');
  t.match(res.operation.errorMessage, /create-web .*network net-secondary-web not found.*point of no return/);
  t.same(res.operation.stepsFailed, ['create-web']);
  t.ok(res.operation.progress >= 60 && res.operation.progress < 90, `progress ${res.operation.progress} in the instances phase`);
  const again = await h.run(res.operation);
  t.equal(again.status, 'completed');
  t.equal(h.calls.filter((c) => c.id === 'create-web').length, 2);
  t.equal(h.calls.filter((c) => c.id === 'promote').length, 1, 'done steps not repeated');
  t.same(again.operation.stepsFailed, []);
});

t.test('a failing point-of-no-return step itself counts as past it (promotion may have happened)', async (t) => {
  const h = await harness({ promote: { fail: 'array timeout' } }, { compensate: ['server.stop'] });
  const op = await h.open(failoverDag());
  const res = await h.run(op);
  t.equal(res.error!.code, 'DRCTL_E4023');
  t.same(h.compCalls, []);
  t.ok(defaultPointOfNoReturn(step('x', 'storage.force-promote', 'storage')));
  t.notOk(defaultPointOfNoReturn(step('x', 'storage.final-sync', 'storage')));
});

t.test('a compensation that fails: the rest still run; the operation says what to undo by hand', async (t) => {
  const h = await harness({ c: { fail: 'x' } }, { compensate: ['server.stop'], compFail: ['b'] });
  const op = await h.open([step('a', 'server.stop', 'preparation'), step('b', 'server.stop', 'preparation', ['a']), step('c', 'server.stop', 'preparation', ['b'])]);
  const res = await h.run(op);
  t.equal(res.error!.code, 'DRCTL_E4024');
  t.same(h.compCalls, ['c', 'b', 'a']);
  t.match(res.operation.errorMessage, /Rollback incomplete — undo by hand: b: could not undo b/);
  t.same(res.operation.steps.map((s) => [s.status, s.compensation?.status]), [['rolled_back', 'done'], ['done', 'failed'], ['rolled_back', 'done']]);
});

t.test('a crash during rollback: the next run finishes the rollback only', async (t) => {
  const h = await harness({}, { compensate: ['server.stop'] });
  const op = await h.open([step('a', 'server.stop', 'preparation'), step('b', 'server.stop', 'preparation', ['a']), step('c', 'server.stop', 'preparation', ['b'])]);
  await h.journal.stepIntent(op.id, 'a');
  await h.journal.stepDone(op.id, 'a');
  await h.journal.stepIntent(op.id, 'b');
  await h.journal.stepFailed(op.id, 'b', new Error('nova 500'));
  await h.journal.setStatus(op.id, 'rolling_back', { errorMessage: 'step b failed' });
  await h.journal.compensationIntent(op.id, 'b');
  const crashed = await h.journal.compensationDone(op.id, 'b');
  const res = await h.run(crashed);
  t.same(h.compCalls, ['a'], 'b was already undone');
  t.same(h.calls, [], 'nothing runs forward');
  t.equal(res.error!.code, 'DRCTL_E4022');
  t.equal(res.operation.status, 'failed');
});

t.test('events: step-start/done/failed and op-status with progress, phase and elapsed time', async (t) => {
  const h = await harness({ pre: { ms: 2000 }, stop: { ms: 3000 }, create: { ms: 5000 } });
  const op = await h.open([step('pre', 'preflight', 'preparation'), step('stop', 'server.stop', 'preparation', ['pre'], { target: 'web-1', site: 'site-a' }), step('create', 'server.create', 'instances', ['stop'])]);
  await h.run(op);
  const summary = h.events.map((e) => `${e.type}:${e.step ?? e.status}:${e.progress}:${e.phase}:${e.elapsedMs}`);
  t.same(summary, [
    'op-status:running:0:preparation:0',
    'step-start:pre:0:preparation:0',
    'step-done:pre:10:preparation:2000',
    'step-start:stop:10:preparation:0',
    // storage has no steps: it counts as complete once preparation is (20 + 40).
    'step-done:stop:60:instances:3000',
    'step-start:create:60:instances:0',
    'step-done:create:99:finalization:5000',
    'op-status:completed:100:finalization:10000',
  ]);
  const stop = h.events.find((e) => e.step === 'stop')!;
  t.equal(stop.target, 'web-1');
  t.equal(stop.site, 'site-a');
  t.equal(stop.stepName, 'server.stop');
  t.equal(stop.group, 'g');
  const progress = h.events.map((e) => e.progress);
  t.same(progress, [...progress].sort((a, b) => a - b), 'progress never goes back while running forward');
});

t.test('still-running ticks come from the injected timer and stop when the step ends', async (t) => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const h = await harness({ wait: { gate } });
  const op = await h.open([step('wait', 'server.wait-active', 'instances', [], { target: 'db-1' })]);
  const running = h.run(op);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.equal(h.world.timer.live(), 1, 'one ticker for the running step');
  for (let i = 0; i < 3; i++) {
    h.vt.advance(10_000);
    h.world.timer.fireAll();
  }
  open();
  await running;
  const ticks = h.events.filter((e) => e.type === 'still-running');
  t.same(ticks.map((e) => [e.step, e.elapsedMs]), [['wait', 10_000], ['wait', 20_000], ['wait', 30_000]]);
  t.same(ticks.map((e) => `still running… [${formatElapsed(e.elapsedMs)} elapsed]`), ['still running… [10s elapsed]', 'still running… [20s elapsed]', 'still running… [30s elapsed]']);
  t.equal(h.world.timer.live(), 0, 'ticker cleared');
  t.equal(formatElapsed(150_000), '2m30s');
});

t.test('a missing implementation is refused before anything is journaled', async (t) => {
  const h = await harness();
  const op = await h.open([step('a', 'preflight', 'preparation'), step('b', 'storage.resync', 'storage', ['a'])]);
  const res = h.run(op, { registry: { preflight: h.registry.preflight } });
  await t.rejects(res, { code: 'DRCTL_E4021', message: /storage.resync/ });
  t.same((await h.store.load())!.operations[0]!.steps.map((s) => s.status), ['pending', 'pending']);
});

t.test('step errors are scrubbed of secrets in events and the journal', async (t) => {
  const h = await harness({ a: { fail: 'login refused for api_token=S3CR3T-T0KEN' } });
  const op = await h.open([step('a', 'storage.protect', 'storage')]);
  const res = await h.run(op);
  const text = JSON.stringify({ events: h.events, op: res.operation, err: res.error!.message });
  t.notMatch(text, 'S3CR3T-T0KEN');
  t.match(h.events.find((e) => e.type === 'step-failed')!.error!.message, /api_token=<redacted>/);
});

t.test('an interrupt (abort signal) stops launching new steps; the operation stays resumable', async (t) => {
  const ac = new AbortController();
  const h = await harness({ a: { ms: 1000 }, b: { ms: 1000 } });
  const op = await h.open([step('a', 'server.stop', 'preparation'), step('b', 'server.stop', 'preparation', ['a'])]);
  const impl = h.registry['server.stop']!;
  const res = await h.run(op, {
    signal: ac.signal,
    registry: {
      'server.stop': async (s, ctx) => {
        const r = await impl(s, ctx);
        ac.abort(); // Ctrl-C while a runs
        return r;
      },
    },
  });
  t.equal(res.error!.code, 'DRCTL_E4026');
  t.same(h.calls.map((c) => c.id), ['a']);
  t.equal(res.operation.status, 'failed');
  t.same(res.operation.steps.map((x) => x.status), ['done', 'pending'], 'a finished and was recorded');
  t.notOk(res.operation.rolledBack);
  const again = await h.run(res.operation);
  t.equal(again.status, 'completed');
});

t.test('a completed operation is a no-op', async (t) => {
  const h = await harness();
  const op = await h.open([step('a', 'verify', 'finalization')]);
  const done = await h.run(op);
  const again = await h.run(done.operation);
  t.equal(again.status, 'completed');
  t.equal(h.calls.length, 1);
});
