/**
 * The store applies a batch's changes in place (no copy of the state per write). What must still
 * hold: a change that throws — even one that broke the contract and changed the draft first — leaves
 * no trace, the others of its batch are written; a failed write leaves memory as the disk says; the
 * journal hands out snapshots that later transitions do not change.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Journal } from '../../src/state/journal.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import type { StateData } from '../../src/state/types.js';
import { durable, errno, fakeWorld, recordingFs } from './fakes.js';

function setup(t: Test, fault?: Parameters<typeof recordingFs>[1]) {
  const dir = t.testdir({});
  const file = path.join(dir, 'state.json');
  const rec = recordingFs(undefined, fault);
  const w = fakeWorld({ fs: rec.fs });
  return { file, store: new StateStore({ path: file, env: w.env }) };
}

const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as StateData & { marks?: string[] };
const mark = (m: string) => (d: StateData) => {
  const x = d as StateData & { marks?: string[] };
  (x.marks ??= []).push(m);
};

t.test('a throwing change in a batch leaves no trace, even after changing the draft', async (t) => {
  const { file, store } = setup(t);
  await store.update(mark('first'));
  const results = await Promise.allSettled([
    store.update(mark('a')),
    store.update((d) => {
      mark('broken')(d); // breaks the contract: changes, then refuses
      throw new Error('refused');
    }),
    store.update(mark('c')),
  ]);
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.same(onDisk(file).marks, ['first', 'a', 'c'], 'only the accepted changes are written');
  await store.update(mark('d'));
  t.same(onDisk(file).marks, ['first', 'a', 'c', 'd'], 'and memory went on from there');
  t.same((await store.load() as StateData & { marks?: string[] }).marks, ['first', 'a', 'c', 'd']);
});

t.test('a failed write: memory is what the disk says, the next write works', async (t) => {
  let fail = false;
  const { file, store } = setup(t, (op, p) => (fail && op === 'sync' && p.includes('.tmp') ? errno('EIO') : undefined));
  await store.update(mark('ok'));
  const serial = onDisk(file).serial;
  fail = true;
  await t.rejects(store.update(mark('lost')), /EIO|state file/);
  fail = false;
  await store.update(mark('next'));
  const d = onDisk(file);
  t.same(d.marks, ['ok', 'next'], 'the failed change is not carried into the next write');
  t.equal(d.serial, serial + 1, 'serial counts written versions only');
});

t.test('journal snapshots do not change with later transitions', async (t) => {
  const { store } = setup(t);
  const lock = await acquireLock(store, { operation: 'test' });
  const j = new Journal(store, lock);
  const step = (id: string) => ({ id, name: 'server.create' as const, phase: 'instances' as const, dependsOn: [], description: id, params: { member: id } });
  const op = await j.open({ type: 'failover', group: 'g', steps: [step('s1'), step('s2')] });
  const a = await j.stepIntent(op.id, 's1');
  const b = await j.stepDone(op.id, 's1', { created: { server: 'x' } });
  t.equal(a.steps[0]!.status, 'intent', 'the earlier snapshot still says intent');
  t.same(a.stepsCompleted, [], 'and nothing completed');
  t.equal(b.steps[0]!.status, 'done');
  t.same(b.stepsCompleted, ['s1']);
  t.equal(op.steps[0]!.status, 'pending', 'the snapshot from open is unchanged');
  await lock.release();
});

t.test('operations serialized once and reused: snapshot + log are always the state, a compaction is JSON.stringify of it', async (t) => {
  const { file, store } = setup(t);
  const lock = await acquireLock(store, { operation: 'test' });
  const j = new Journal(store, lock);
  const step = (id: string) => ({ id, name: 'server.create' as const, phase: 'instances' as const, dependsOn: [], description: id, params: { member: id } });
  const a = await j.open({ type: 'failover', group: 'a', steps: [step('s1'), step('s2')] });
  const b = await j.open({ type: 'failover', group: 'b', steps: [step('s1')] });
  const exact = async (label: string) => {
    const text = readFileSync(file, 'utf8');
    t.equal(text, `${JSON.stringify(JSON.parse(text))}\n`, `${label}: the snapshot is canonical JSON`);
    return (await durable(file))!;
  };
  await Promise.all([j.stepIntent(a.id, 's1'), j.stepIntent(b.id, 's1')]);
  await j.stepDone(a.id, 's1', { created: { server: 'x' } });
  let d = await exact('after transitions');
  t.equal(d.operations[0]!.steps[0]!.status, 'done', 'a changed');
  t.equal(d.operations[1]!.steps[0]!.status, 'intent', 'b kept');
  // A change that does not say which operation it touches (here: one of them) is written too.
  await store.update((x) => {
    x.operations[1]!.warnings.push('changed behind the journal');
  });
  d = await exact('after an undeclared change');
  t.notOk(existsSync(`${file}.wal`), 'an undeclared change compacts: no log left');
  t.same(d.operations[1]!.warnings, ['changed behind the journal'], 'undeclared change persisted');
  await j.stepDone(b.id, 's1');
  d = await exact('after more transitions');
  t.ok(existsSync(`${file}.wal`), 'transitions after it are appended to the log again');
  t.same(d.operations[1]!.warnings, ['changed behind the journal'], 'and kept by later writes');
  t.equal(d.operations[1]!.steps[0]!.status, 'done');
  t.ok(d.lock, 'the lock (top-level) is kept');
  const before = JSON.parse(JSON.stringify(d)) as StateData;
  await lock.release();
  const after = await exact('after release');
  t.notOk(after.lock, 'lock released');
  t.notOk(existsSync(`${file}.wal`), 'the release compacts: the snapshot alone is the state');
  delete before.lock;
  t.same({ ...after, serial: 0 }, { ...before, serial: 0 }, 'the compacted snapshot holds everything the log had');
  t.equal(after.serial, before.serial + 1);
});

t.test('every journal change keeps the file byte-equal to JSON.stringify of the state', async (t) => {
  const { file, store } = setup(t);
  const lock = await acquireLock(store, { operation: 'test' });
  const j = new Journal(store, lock);
  const step = (id: string) => ({ id, name: 'server.create' as const, phase: 'instances' as const, dependsOn: [], description: id, params: { member: id } });
  const canonical = (label: string) => {
    const text = readFileSync(file, 'utf8');
    t.equal(text, `${JSON.stringify(JSON.parse(text))}\n`, label);
  };
  // Every 4th change is followed by a compaction of everything so far (what a release or a long
  // log does): the snapshot it writes must be the state too.
  let n = 0;
  const a = await j.open({ type: 'failover', group: 'a', steps: [step('s1'), step('s2'), step('s3')] });
  const b = await j.open({ type: 'drill', group: 'b', steps: [step('s1')] });
  const moves: Array<[string, () => Promise<unknown>]> = [
    ['intent', () => j.stepIntent(a.id, 's1')],
    ['transition', () => j.transition(a.id, { done: [{ id: 's1', result: { created: { server: 'x' }, warnings: ['w'] } }], intents: ['s2', 's3'] })],
    ['done', () => j.stepDone(a.id, 's2')],
    ['failed', () => j.stepFailed(a.id, 's3', new Error('broke'))],
    ['other op', () => j.stepIntent(b.id, 's1')],
    ['status', () => j.setStatus(a.id, 'rolling_back', { errorMessage: 'broke' })],
    ['compensation intent', () => j.compensationIntent(a.id, 's2')],
    ['compensation done', () => j.compensationDone(a.id, 's2')],
    ['compensation failed', () => j.compensationFailed(a.id, 's1', new Error('undo broke'))],
    ['event', () => j.addEvent(a.id, 'note')],
    ['warning', () => j.addWarning(a.id, 'careful')],
    ['data loss', () => j.setDataLossWindow(a.id, 42)],
    ['close', () => j.close(a.id, 'failed', 'rolled back')],
  ];
  for (const [label, move] of moves) {
    const rec = (await move()) as { id: string };
    canonical(label);
    const onFile = (await durable(file))!.operations.find((o) => o.id === rec.id);
    t.same(onFile, JSON.parse(JSON.stringify(rec)), `${label}: snapshot + log hold the operation as it is in memory`);
    if (++n % 4 === 0) {
      const whole = await durable(file);
      await store.update(() => undefined, { compact: true });
      const snap = JSON.parse(readFileSync(file, 'utf8')) as StateData;
      t.same({ ...snap, serial: 0 }, { ...whole, serial: 0 }, `${label}: a compaction writes the same state`);
      t.notOk(existsSync(`${file}.wal`), `${label}: and removes the log`);
    }
  }
  const d = (await durable(file))!;
  const op = d.operations.find((o) => o.id === a.id)!;
  t.same(op.steps.map((s) => [s.status, s.compensation?.status ?? null]), [['done', 'failed'], ['rolled_back', 'done'], ['failed', null]], 'every step as changed');
  t.equal(op.dataLossWindowSeconds, 42);
  t.equal(d.operations.find((o) => o.id === b.id)!.steps[0]!.status, 'intent');
  await lock.release();
});
