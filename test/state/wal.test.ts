/**
 * The state's write-ahead log (src/state/wal.ts): a journal transition is one appended, fdatasync'ed
 * record naming only what changed; a read is snapshot + the log's complete records; a torn last line
 * is ignored (and never extended); compaction folds the log into a new snapshot; readers racing a
 * compaction read again; a log that does not belong to the snapshot is reported, never guessed at.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { PlanStep } from '../../src/plan/types.js';
import { readStateFile } from '../../src/state/adapter.js';
import { nodeStateFs, type StateFs } from '../../src/state/fs.js';
import { Journal } from '../../src/state/journal.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import type { StateData } from '../../src/state/types.js';
import { replayWal, WAL_MAGIC } from '../../src/state/wal.js';
import { durable, errno, fakeWorld, recordingFs } from './fakes.js';

const step = (id: string, deps: string[] = []): PlanStep => ({
  id,
  name: 'server.create',
  phase: 'instances',
  dependsOn: deps,
  description: `create ${id}`,
  params: { member: id, flavor: 'm2.large', networks: ['net-b'], volumes: [{ sourceVolumeId: `vol-${id}`, size: 20 }] },
});
const steps = (n: number) => Array.from({ length: n }, (_, i) => step(`s${i}`));

async function setup(t: Test, opts: { fault?: Parameters<typeof recordingFs>[1]; walMaxBytes?: number } = {}) {
  const dir = t.testdir({});
  const file = path.join(dir, '.drctl', 'state.json');
  const rec = recordingFs(undefined, opts.fault);
  const w = fakeWorld({ fs: rec.fs });
  const store = new StateStore({ path: file, env: w.env, ...(opts.walMaxBytes ? { walMaxBytes: opts.walMaxBytes } : {}) });
  const lock = await acquireLock(store, { operation: 'test' });
  const journal = new Journal(store, lock);
  return { dir, file, wal: `${file}.wal`, rec, w, store, lock, journal };
}

const lines = (wal: string) => readFileSync(wal, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
/** The operation as on disk (snapshot + log) and as the journal handed it back (memory), comparable. */
const onDisk = async (file: string, id: string) => (await durable(file))!.operations.find((o) => o.id === id);
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

t.test('a journal transition is one append + fdatasync to the log: no temp file, no rename, no backup', async (t) => {
  const { rec, journal, file, wal } = await setup(t);
  t.notOk(existsSync(wal), 'taking the lock (the first write) compacts: no log yet');
  const op = await journal.open({ type: 'failover', group: 'g', steps: steps(3) });
  await journal.stepIntent(op.id, 's0');
  rec.log.length = 0;
  await journal.transition(op.id, { done: [{ id: 's0', result: { created: { server: 'x' } } }], intents: ['s1'] });
  const io = rec.log.filter((l) => !l.startsWith('stat') && !l.includes('state.json.lock'));
  t.same(io, ['append state.json.wal', 'datasync state.json.wal'], 'one write(2), one fdatasync(2)');
  t.ok(rec.log.findIndex((l) => l.startsWith('open state.json.lock')) < rec.log.indexOf('append state.json.wal'), 'under the write mutex');
  t.ok(rec.log.lastIndexOf('unlink state.json.lock') > rec.log.indexOf('datasync state.json.wal'), 'mutex released after the fdatasync');
  t.same(rec.log.filter((l) => l.startsWith('stat')), ['stat state.json', 'stat state.json.wal'], 'two stats: has another process changed snapshot or log?');
  // The first append created the log: its directory entry was made durable once.
  const snap = JSON.parse(readFileSync(file, 'utf8')) as StateData;
  t.equal(snap.operations.length, 0, 'the snapshot is untouched by appends');
  const d = (await durable(file))!;
  t.same(d.operations[0]!.steps.map((s) => s.status), ['done', 'intent', 'pending'], 'snapshot + log = the state');
  t.equal(d.serial, snap.serial + 3);
});

t.test('log format: header, then one record per write with its serial, naming only what changed', async (t) => {
  const { journal, wal, file, lock, w } = await setup(t);
  const big = await journal.open({ type: 'failover', group: 'g', steps: steps(400) });
  await journal.stepIntent(big.id, 's0');
  await journal.transition(big.id, { done: [{ id: 's0' }], intents: ['s1', 's2'] });
  await journal.addWarning(big.id, 'careful');
  w.advance(60_000);
  await lock.renew();
  const [header, ...records] = lines(wal);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as StateData;
  t.same(header, { wal: WAL_MAGIC, version: 1, lineage: snap.lineage });
  t.same(records.map((r) => r.serial), [snap.serial + 1, snap.serial + 2, snap.serial + 3, snap.serial + 4, snap.serial + 5], 'serials continue the snapshot');
  t.ok(Array.isArray(records[0]!.add), 'open: the new operation, whole');
  const tr = records[2] as { ops: Array<{ id: string; set?: Record<string, unknown>; push?: Record<string, unknown>; steps: Array<{ id: string }> }> };
  t.same(tr.ops[0]!.steps.map((s) => s.id), ['s0', 's1', 's2'], 'a transition carries only its steps');
  t.same(tr.ops[0]!.push, { stepsCompleted: ['s0'] }, 'arrays that grew: only the new items');
  const size = JSON.stringify(records[2]).length;
  t.ok(size < 2500, `the record of a transition of a 400-step operation is small (${size} bytes)`);
  t.same((records[3] as { ops: Array<{ push: unknown }> }).ops[0]!.push, { warnings: ['careful'] });
  t.same(Object.keys(records[4]!).sort(), ['serial', 'top'], 'a lease renewal: only the lock');
  t.ok(existsSync(wal), 'renewal did not compact');
  await lock.release();
  t.notOk(existsSync(wal), 'the release compacts: the log is gone');
  const end = JSON.parse(readFileSync(file, 'utf8')) as StateData;
  t.equal(end.operations[0]!.warnings[0], 'careful');
  t.notOk(end.lock);
});

t.test('a torn last line is ignored; the next write compacts instead of extending it', async (t) => {
  const cases: Array<[string, (wal: string, rec: string) => void]> = [
    ['half a record, no newline', (wal, r) => appendFileSync(wal, r.slice(0, Math.floor(r.length / 2)))],
    ['a few bytes', (wal) => appendFileSync(wal, '{"ser')],
    ['zeros up to a newline (power loss)', (wal) => appendFileSync(wal, '\0\0\0\0\n')],
  ];
  for (const [name, tear] of cases) {
    const { journal, wal, file, w } = await setup(t);
    const op = await journal.open({ type: 'drill', group: 'g', steps: steps(2) });
    await journal.stepIntent(op.id, 's0');
    const good = (await durable(file))!;
    const next = JSON.stringify({ serial: good.serial + 1, ops: [{ id: op.id, set: { status: 'failed' } }] });
    tear(wal, next);
    const read = (await durable(file))!;
    t.same(read, good, `${name}: the state is the last complete record`);
    t.same(replayWal(JSON.parse(readFileSync(file, 'utf8')) as StateData, readFileSync(wal, 'utf8')).torn, true, `${name}: reported as torn`);
    // A new process (store) resumes: its first write must not append after the torn bytes.
    const other = new StateStore({ path: file, env: fakeWorld({ fs: w.env.fs }).env });
    const lock2 = await acquireLock(other, { operation: 'resume', leaseMs: 1 }).catch(() => undefined);
    t.notOk(lock2, `${name}: (lock still held by the first store)`);
    await other.update((d) => void d.operations[0]!.warnings.push('after the tear'));
    t.notOk(existsSync(wal), `${name}: that write compacted: the torn log is gone`);
    const after = (await durable(file))!;
    t.same(after.operations[0]!.warnings, ['after the tear'], `${name}: and the state goes on from the last complete record`);
    t.equal(after.operations[0]!.steps[0]!.status, 'intent');
  }
});

t.test('a broken line before the last one, a log of another lineage or version: DRCTL_E4002 naming the log', async (t) => {
  const cases: Array<[string, (wal: string) => void, RegExp]> = [
    ['broken middle line', (wal) => {
      const l = readFileSync(wal, 'utf8').split('\n');
      l[1] = '{"serial": nope';
      writeFileSync(wal, l.join('\n'));
    }, /line 2 is not a valid record/],
    ['other lineage', (wal) => {
      const l = readFileSync(wal, 'utf8').split('\n');
      l[0] = JSON.stringify({ wal: WAL_MAGIC, version: 1, lineage: 'someone-else' });
      writeFileSync(wal, l.join('\n'));
    }, /belongs to state lineage someone-else/],
    ['newer log version', (wal) => {
      const l = readFileSync(wal, 'utf8').split('\n');
      l[0] = JSON.stringify({ wal: WAL_MAGIC, version: 9, lineage: 'x' });
      writeFileSync(wal, l.join('\n'));
    }, /log version 9/],
  ];
  for (const [name, spoil, msg] of cases) {
    const { journal, wal, file } = await setup(t);
    const op = await journal.open({ type: 'drill', group: 'g', steps: steps(2) });
    await journal.stepIntent(op.id, 's0');
    await journal.stepIntent(op.id, 's1');
    spoil(wal);
    const err = await readStateFile(file).catch((e: unknown) => e as { code: string; message: string; hint: string });
    t.equal((err as { code: string }).code, 'DRCTL_E4002', `${name}: corrupt`);
    t.match((err as { message: string }).message, msg, `${name}: says why`);
    t.match((err as { message: string }).message, wal, `${name}: names the log`);
  }
});

t.test('a snapshot older than its log (a restored backup) is reported with the way out, never half-applied', async (t) => {
  const { journal, wal, file, store } = await setup(t);
  const op = await journal.open({ type: 'drill', group: 'g', steps: steps(2) });
  await store.update(() => undefined, { compact: true });
  await journal.stepIntent(op.id, 's0');
  await journal.stepIntent(op.id, 's1');
  writeFileSync(file, readFileSync(`${file}.backup`));
  const err = (await readStateFile(file).catch((e: unknown) => e)) as { code: string; message: string; hint: string };
  t.equal(err.code, 'DRCTL_E4002');
  t.match(err.message, /does not continue the snapshot/);
  t.match(err.hint, `move ${wal} away`);
});

t.test('records the snapshot already holds are skipped (crash between a compaction\'s rename and the log\'s removal)', async (t) => {
  const { journal, wal, file, store } = await setup(t);
  const op = await journal.open({ type: 'drill', group: 'g', steps: steps(3) });
  await journal.stepIntent(op.id, 's0');
  await journal.stepDone(op.id, 's0');
  const oldLog = readFileSync(wal, 'utf8');
  await store.update(() => undefined, { compact: true });
  const compacted = (await durable(file))!;
  writeFileSync(wal, oldLog); // the removal was lost
  t.same(await durable(file), compacted, 'the old records change nothing');
  await journal.stepIntent(op.id, 's1');
  const d = (await durable(file))!;
  t.equal(d.serial, compacted.serial + 1);
  t.same(d.operations[0]!.steps.map((s) => s.status), ['done', 'intent', 'pending']);
});

t.test('a reader racing a compaction (old snapshot, new log) reads again and gets a consistent state', async (t) => {
  const { journal, file, store } = await setup(t);
  const op = await journal.open({ type: 'drill', group: 'g', steps: steps(3) });
  await journal.stepIntent(op.id, 's0');
  const oldSnapshot = readFileSync(file, 'utf8');
  await store.update(() => undefined, { compact: true });
  await journal.stepDone(op.id, 's0');
  await journal.stepIntent(op.id, 's1');
  const truth = (await durable(file))!;
  let stale = true;
  const real = nodeStateFs();
  const racing: StateFs = {
    ...real,
    async readFile(p) {
      if (p === file && stale) {
        stale = false;
        return oldSnapshot; // read just before the compaction's rename
      }
      return real.readFile(p);
    },
  };
  t.same(await readStateFile(file, racing), truth, 'the gap in serials made it read again');
  t.notOk(stale, 'the stale snapshot was really served once');
});

t.test('two stores (processes) writing in turn see each other\'s records', async (t) => {
  const { journal, file, w, store } = await setup(t);
  const op = await journal.open({ type: 'drill', group: 'g', steps: steps(3) });
  const other = new StateStore({ path: file, env: fakeWorld({ fs: w.env.fs, pid: 5151 }).env });
  await journal.stepIntent(op.id, 's0');
  await other.update((d) => void d.operations[0]!.warnings.push('from other'), { operation: op.id });
  await journal.stepIntent(op.id, 's1');
  await other.update((d) => void d.operations[0]!.warnings.push('from other again'), { operation: op.id });
  const d = (await durable(file))!;
  t.same(d.operations[0]!.warnings, ['from other', 'from other again']);
  t.same(d.operations[0]!.steps.map((s) => s.status), ['intent', 'intent', 'pending']);
  const rec = await journal.addEvent(op.id, 'first store again');
  t.same(await onDisk(file, op.id), plain(rec), 'and the first store agrees');
  t.same(rec.warnings, ['from other', 'from other again']);
});

t.test('the log is compacted once it passes its size limit (and twice the snapshot)', async (t) => {
  const { journal, wal, file } = await setup(t, { walMaxBytes: 8 * 1024 });
  const op = await journal.open({ type: 'failover', group: 'g', steps: steps(5) });
  let compactions = 0;
  let size = existsSync(wal) ? readFileSync(wal).length : 0;
  for (let i = 0; i < 60; i++) {
    await journal.addEvent(op.id, `event ${i} ${'x'.repeat(200)}`);
    const now = existsSync(wal) ? readFileSync(wal).length : 0;
    if (now < size) compactions += 1;
    size = now;
    t.ok(size <= Math.max(8 * 1024, 2 * readFileSync(file).length) + 2048, `log bounded (${size} bytes)`);
  }
  t.ok(compactions >= 1, `compacted ${compactions} times`);
  t.equal((await durable(file))!.operations[0]!.events!.length, 61);
});

t.test('a failed append: the change is reported lost, memory is what the disk says, the next write compacts', async (t) => {
  let fail: 'append' | 'datasync' | undefined;
  const { journal, wal, file, store } = await setup(t, { fault: (op) => (op === fail ? errno('EIO') : undefined) });
  const op = await journal.open({ type: 'drill', group: 'g', steps: steps(3) });
  for (const which of ['append', 'datasync'] as const) {
    fail = which;
    const err = await journal.stepIntent(op.id, which === 'append' ? 's0' : 's1').then(() => ({ code: 'none', message: '' }), (e: unknown) => e as { code: string; message: string });
    t.equal(err.code, 'DRCTL_E4008', `${which} failed: I/O error`);
    t.match(err.message, wal, `${which}: names the log`);
    fail = undefined;
    const rec = await journal.addEvent(op.id, `after the failed ${which}`);
    t.same(await onDisk(file, op.id), plain(rec), `${which}: memory went on from what the disk says`);
  }
  const rec = await journal.stepIntent(op.id, 's2');
  t.equal(rec.steps[2]!.status, 'intent', 'writes go on');
  t.same(await onDisk(file, op.id), plain(rec));
});

t.test('random journal traffic with random compactions: snapshot + log always equal the state in memory', async (t) => {
  const { journal, file, store, w } = await setup(t);
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const ops = [
    await journal.open({ type: 'failover', group: 'a', steps: steps(12) }),
    await journal.open({ type: 'drill', group: 'b', steps: steps(6) }),
  ];
  const latest = new Map(ops.map((o) => [o.id, o]));
  const keep = (r: unknown) => {
    for (const x of Array.isArray(r) ? r : [r]) if (x && typeof x === 'object' && 'steps' in x) latest.set((x as { id: string }).id, x as (typeof ops)[number]);
  };
  for (let i = 0; i < 150; i++) {
    w.advance(1000);
    const op = ops[rnd(ops.length)]!;
    const s = `s${rnd(op.id === ops[0]!.id ? 12 : 6)}`;
    const moves = [
      () => journal.stepIntent(op.id, s),
      () => journal.stepDone(op.id, s, { created: { server: `srv-${i}` }, ...(rnd(3) === 0 ? { warnings: [`w${i}`] } : {}) }),
      () => journal.stepFailed(op.id, s, new Error(`boom ${i}`)),
      () => journal.compensationIntent(op.id, s),
      () => journal.compensationDone(op.id, s),
      () => journal.setStatus(op.id, (['running', 'rolling_back', 'failed'] as const)[rnd(3)]!, rnd(2) ? { errorMessage: `e${i}`, resumeCommand: 'drctl apply' } : { errorMessage: null }),
      () => journal.addEvent(op.id, `ev ${i}`),
      () => journal.setDataLossWindow(op.id, i),
      () => store.update(() => undefined, { compact: true }),
      () => Promise.all([journal.stepIntent(ops[0]!.id, 's1'), journal.addWarning(ops[1]!.id, `both ${i}`)]),
    ];
    keep(await moves[rnd(moves.length)]!());
    if (i % 10 === 9 || i === 149) {
      for (const o of ops) t.same(await onDisk(file, o.id), plain(latest.get(o.id)), `after ${i + 1} changes: ${o.group} on disk as in memory`);
    }
  }
});

t.test('reads (load) during writes never disturb the write under way: no record lost or doubled', async (t) => {
  const { journal, file, store } = await setup(t);
  const op = await journal.open({ type: 'failover', group: 'g', steps: steps(20) });
  let last = op;
  for (let i = 0; i < 20; i++) {
    const [rec, seen] = await Promise.all([journal.stepIntent(op.id, `s${i}`), store.load(), store.load()]);
    last = rec;
    t.ok(seen, `read ${i} got a state`);
  }
  const d = (await durable(file))!;
  t.equal(d.operations.length, 1, 'one operation (never added twice)');
  t.same(d.operations[0], plain(last), 'on disk as in memory');
  t.same(d.operations[0]!.steps.map((s) => s.status), Array(20).fill('intent'));
});
