import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Phase, PlanStep, StepName } from '../../src/plan/types.js';
import {
  computeProgress,
  currentPhase,
  findOperation,
  isResumable,
  Journal,
  toOperationSummary,
  unfinishedOperations,
} from '../../src/state/journal.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import type { StepStatus } from '../../src/state/types.js';
import { durable, fakeWorld } from './fakes.js';

const step = (id: string, name: StepName, phase: Phase, dependsOn: string[] = [], params?: Record<string, unknown>): PlanStep => ({
  id,
  name,
  phase,
  dependsOn,
  description: `${name} ${id}`,
  ...(params ? { params } : {}),
});

const FAILOVER: PlanStep[] = [
  step('pre', 'preflight', 'preparation'),
  step('stop', 'server.stop', 'preparation', ['pre']),
  step('sync', 'storage.final-sync', 'storage', ['stop']),
  step('promote', 'storage.promote', 'storage', ['sync']),
  step('import', 'volume.import', 'storage', ['promote']),
  step('create', 'server.create', 'instances', ['import']),
  step('verify', 'verify', 'finalization', ['create']),
];

async function setup(t: Test) {
  const dir = t.testdir({});
  const file = path.join(dir, 'state.json');
  const w = fakeWorld();
  const store = new StateStore({ path: file, env: w.env });
  const lock = await acquireLock(store, { operation: 'apply failover g' });
  return { file, w, store, journal: new Journal(store, lock) };
}

t.test('progress math: phases 0-20 / 20-60 / 60-90 / 90-100 by done steps within each phase', async (t) => {
  const ph = (p: Phase, status: StepStatus) => ({ phase: p, status });
  const cases: Array<[string, Array<{ phase: Phase; status: StepStatus }>, number, Phase]> = [
    ['nothing done', FAILOVER.map((s) => ph(s.phase, 'pending')), 0, 'preparation'],
    ['one of two preparation steps', [ph('preparation', 'done'), ph('preparation', 'intent'), ph('storage', 'pending')], 10, 'preparation'],
    ['preparation done', [ph('preparation', 'done'), ph('preparation', 'done'), ph('storage', 'pending'), ph('instances', 'pending'), ph('finalization', 'pending')], 20, 'storage'],
    ['half of storage (the seed\'s ~45%)', [ph('preparation', 'done'), ph('storage', 'done'), ph('storage', 'done'), ph('storage', 'pending'), ph('storage', 'pending'), ph('instances', 'pending')], 40, 'storage'],
    ['2/3 storage → 46', [ph('preparation', 'done'), ph('storage', 'done'), ph('storage', 'done'), ph('storage', 'failed'), ph('instances', 'pending')], 46, 'storage'],
    ['instances done, finalization pending', [ph('preparation', 'done'), ph('storage', 'done'), ph('instances', 'done'), ph('finalization', 'pending')], 90, 'finalization'],
    ['all done but not closed stays below 100', FAILOVER.map((s) => ph(s.phase, 'done')), 99, 'finalization'],
    ['empty phases count once earlier phases are complete', [ph('preparation', 'done'), ph('instances', 'pending')], 60, 'instances'],
    ['empty phases do not count before that', [ph('preparation', 'intent'), ph('instances', 'pending')], 0, 'preparation'],
    ['only finalization steps: starts at 90', [ph('finalization', 'pending')], 90, 'finalization'],
    ['rolled back steps no longer count', [ph('preparation', 'rolled_back'), ph('preparation', 'done')], 10, 'preparation'],
  ];
  for (const [name, steps, want, phase] of cases) {
    t.equal(computeProgress(steps), want, `${name}: progress`);
    t.equal(currentPhase(steps), phase, `${name}: phase`);
  }
  t.equal(computeProgress(FAILOVER.map((s) => ph(s.phase, 'pending')), 'completed'), 100, 'completed is 100');
});

t.test('journal transitions: open → intent → done/failed → close, each one atomic write', async (t) => {
  const { file, w, journal, store } = await setup(t);
  const serial0 = (await store.load())!.serial;
  const op = await journal.open({ type: 'failover', group: 'prod-web-app', mode: 'planned', sourceSite: 'site-a', targetSite: 'site-b', planDigest: 'sha256:abc', steps: FAILOVER });
  t.match(op.id, /^op-/);
  t.equal(op.status, 'running');
  t.equal(op.progress, 0);
  t.equal(op.who, 'alice@host-a');
  t.same(op.steps.map((s) => [s.id, s.status, s.attempt]), FAILOVER.map((s) => [s.id, 'pending', 0]));
  const disk = async () => (await durable(file))! as any;
  t.equal((await disk()).serial, serial0 + 1);

  w.advance(1000);
  await journal.stepIntent(op.id, 'pre');
  let s = await disk();
  t.equal(s.serial, serial0 + 2, 'intent is its own write');
  t.equal(s.operations[0].steps[0].status, 'intent', 'intent is on disk before the side effect');
  t.equal(s.operations[0].steps[0].attempt, 1);
  t.equal(s.operations[0].steps[0].startedAt, new Date(w.now()).toISOString());

  w.advance(2500);
  let rec = await journal.stepDone(op.id, 'pre', { found: { servers: ['srv-1'] }, warnings: ['lag 40s'] });
  t.equal(rec.steps[0]!.status, 'done');
  t.equal(rec.steps[0]!.endedAt, new Date(w.now()).toISOString());
  t.same(rec.steps[0]!.result, { found: { servers: ['srv-1'] }, warnings: ['lag 40s'] });
  t.same(rec.stepsCompleted, ['pre']);
  t.same(rec.warnings, ['pre: lag 40s']);
  t.equal(rec.progress, 10);

  await journal.stepIntent(op.id, 'stop');
  rec = await journal.stepFailed(op.id, 'stop', Object.assign(new Error('nova said 409 conflict'), { code: 'DRCTL_E2409' }));
  t.equal(rec.steps[1]!.status, 'failed');
  t.same(rec.steps[1]!.error, { message: 'nova said 409 conflict', code: 'DRCTL_E2409' });
  t.same(rec.stepsFailed, ['stop']);
  // A resume re-runs it: attempt 2, failure cleared.
  rec = await journal.stepIntent(op.id, 'stop');
  t.equal(rec.steps[1]!.attempt, 2);
  t.equal(rec.steps[1]!.error, undefined);
  t.same(rec.stepsFailed, []);
  rec = await journal.stepDone(op.id, 'stop', { created: {} });
  t.equal(rec.progress, 20);
  t.equal(rec.phase, 'storage');

  rec = await journal.close(op.id, 'completed');
  t.equal(rec.status, 'completed');
  t.equal(rec.progress, 100);
  t.equal(rec.completedAt, new Date(w.now()).toISOString());
  t.same((await disk()).operations[0].status, 'completed');
  t.match(rec.events!.map((e) => e.message), ['opened by alice@host-a', 'running → completed']);
});

t.test('failed operations, data-loss window, rollback records, summaries', async (t) => {
  const { journal } = await setup(t);
  const op = await journal.open({ type: 'failover', group: 'g', mode: 'unplanned', sourceSite: 'a', targetSite: 'b', steps: FAILOVER });
  await journal.stepIntent(op.id, 'pre');
  let rec = await journal.stepDone(op.id, 'pre', { dataLossWindowSeconds: 312 });
  t.equal(rec.dataLossWindowSeconds, 312);
  await journal.compensationIntent(op.id, 'pre');
  t.equal((await journal.compensationFailed(op.id, 'pre', new Error('nova down'))).steps[0]!.compensation!.status, 'failed');
  await journal.compensationIntent(op.id, 'pre');
  rec = await journal.compensationDone(op.id, 'pre');
  t.equal(rec.steps[0]!.status, 'rolled_back');
  t.same(rec.stepsCompleted, []);
  rec = await journal.setStatus(op.id, 'failed', { errorMessage: 'step stop failed', rolledBack: true });
  t.notOk(isResumable(rec), 'a rolled-back operation is not resumable');
  const sum = toOperationSummary(rec);
  t.same(Object.keys(sum).slice(0, 12), ['id', 'type', 'group', 'status', 'progress', 'phase', 'sourceSite', 'targetSite', 'startedAt', 'completedAt', 'stepsCompleted', 'stepsFailed']);
  t.equal(sum.errorMessage, 'step stop failed');
  t.equal(sum.dataLossWindowSeconds, 312);
  t.equal(sum.mode, 'unplanned');
  t.notOk('steps' in sum, 'the summary has no step bodies');
});

t.test('finding operations: exact id, unique prefix, ambiguity, not found; unfinished ones', async (t) => {
  const { journal, store } = await setup(t);
  const a = await journal.open({ id: 'op-aaaa-1111', type: 'drill', group: 'g1', steps: [] });
  await journal.open({ id: 'op-aaaa-2222', type: 'drill', group: 'g2', steps: [] });
  const c = await journal.open({ id: 'op-bbbb-3333', type: 'failover', group: 'g1', steps: [] });
  await journal.close(c.id, 'failed', 'stopped after the point of no return');
  const data = await store.load();
  t.equal(findOperation(data, 'op-aaaa-1111').id, a.id);
  t.equal(findOperation(data, 'op-bbbb').id, c.id);
  t.throws(() => findOperation(data, 'op-aaaa'), { code: 'DRCTL_E4010' });
  t.throws(() => findOperation(data, 'op-zzzz'), { code: 'DRCTL_E4009' });
  t.throws(() => findOperation(null, 'op-zzzz'), { code: 'DRCTL_E4009' });
  t.same(unfinishedOperations(data, 'g1').map((o) => o.id), ['op-aaaa-1111', 'op-bbbb-3333'], 'running and failed-not-rolled-back ones are unfinished');
  t.same(unfinishedOperations(data).length, 3);
  await t.rejects(journal.stepIntent(a.id, 'nope'), { code: 'DRCTL_E4011' });
  await t.rejects(journal.stepIntent('op-none', 'nope'), { code: 'DRCTL_E4009' });
});

t.test('secrets never reach the journal: params, results, errors, messages are scrubbed', async (t) => {
  const { file, journal } = await setup(t);
  const op = await journal.open({
    type: 'protect',
    group: 'g',
    steps: [step('s', 'storage.protect', 'storage', [], { arrayGroup: 'pg-1', apiToken: 'T0K3N-abc', nested: { password: 'hunter2' } })],
  });
  await journal.stepIntent(op.id, 's');
  await journal.stepFailed(op.id, 's', new Error('login failed: api_token=T0K3N-abc rejected; X-Auth-Token: gAAAAABmZ0123456789abcdefghijklmnop'));
  await journal.stepIntent(op.id, 's');
  await journal.stepDone(op.id, 's', { created: { volume: 'v-1' }, outputs: { secret: 's3cr3t', keyringKey: 'AQBx', fine: 'ok' } });
  await journal.addWarning(op.id, 'retrying with password=hunter2');
  await journal.setStatus(op.id, 'failed', { errorMessage: 'Authorization: Bearer abcdefghijklmnop' });
  // Snapshot and log both (the log holds the changes since the snapshot).
  const text = readFileSync(file, 'utf8') + (existsSync(`${file}.wal`) ? readFileSync(`${file}.wal`, 'utf8') : '');
  t.ok(existsSync(`${file}.wal`), 'the transitions went to the log');
  for (const secret of ['T0K3N-abc', 'hunter2', 'gAAAAABmZ0123456789', 's3cr3t', 'AQBx', 'abcdefghijklmnop']) {
    t.notMatch(text, secret, `${secret} not in the state file`);
  }
  t.match(text, '"arrayGroup":"pg-1"', 'harmless values stay');
  t.match(text, '"fine":"ok"');
  t.match(text, '<redacted>');
});
