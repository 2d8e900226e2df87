import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DrctlError } from '../../src/errors.js';
import { StateStore } from '../../src/state/store.js';
import { STATE_FORMAT_VERSION } from '../../src/state/types.js';
import { errno, fakeWorld, recordingFs } from './fakes.js';

function setup(t: Test, fault?: Parameters<typeof recordingFs>[1]) {
  const dir = t.testdir({});
  const file = path.join(dir, '.drctl', 'state.json');
  const rec = recordingFs(undefined, fault);
  const w = fakeWorld({ fs: rec.fs });
  const store = new StateStore({ path: file, env: w.env });
  return { dir, file, store, rec, w };
}

t.test('a fresh store creates the file on first update: lineage set once, serial counts writes', async (t) => {
  const { file, store } = setup(t);
  t.equal(await store.load(), null, 'no state file yet');
  t.notOk(existsSync(file), 'load does not create the file');
  await store.update(() => undefined);
  const s1 = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(s1.format_version, STATE_FORMAT_VERSION);
  t.equal(s1.serial, 1);
  t.match(s1.lineage, /^[0-9a-f-]{36}$/);
  t.same(s1.operations, []);
  await store.update(() => undefined);
  await store.update(() => undefined);
  const s3 = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(s3.serial, 3);
  t.equal(s3.lineage, s1.lineage, 'lineage never changes');
  const other = new StateStore({ path: file, env: fakeWorld().env });
  t.equal((await other.load())!.serial, 3, 'another store reads the same');
});

t.test('write order: temp written + fsynced, backup kept, renamed over, directory fsynced', async (t) => {
  const { store, rec } = setup(t);
  await store.update(() => undefined); // first write: no backup to keep
  rec.log.length = 0;
  await store.update(() => undefined);
  const writes = rec.log.filter((l) => !l.startsWith('readFile') && !l.startsWith('stat') && !l.includes('state.json.lock') && !l.startsWith('mkdirp'));
  t.same(writes, [
    'open .state.json.tmp-N',
    'writeAll .state.json.tmp-N',
    'sync .state.json.tmp-N',
    'close .state.json.tmp-N',
    'unlink state.json.backup.tmp-N',
    'link state.json -> state.json.backup.tmp-N',
    'rename state.json.backup.tmp-N -> state.json.backup',
    'rename .state.json.tmp-N -> state.json',
    'fsyncDir .drctl',
  ]);
  // The write mutex brackets the whole read-modify-write.
  const first = rec.log.findIndex((l) => l.startsWith('open state.json.lock'));
  const last = rec.log.lastIndexOf('unlink state.json.lock');
  t.ok(first >= 0 && first < rec.log.indexOf('open .state.json.tmp-N'), 'mutex taken before the write');
  t.ok(last > rec.log.indexOf('fsyncDir .drctl'), 'mutex released after the directory fsync');
});

t.test('the backup holds the previous version', async (t) => {
  const { file, store } = setup(t);
  await store.update((d) => void d.operations.push({ id: 'op-1' } as never));
  await store.update((d) => void d.operations.push({ id: 'op-2' } as never));
  const cur = JSON.parse(readFileSync(file, 'utf8'));
  const bak = JSON.parse(readFileSync(`${file}.backup`, 'utf8'));
  t.equal(cur.serial, 2);
  t.equal(bak.serial, 1);
  t.same(bak.operations.map((o: { id: string }) => o.id), ['op-1']);
});

t.test('a file system without hard links falls back to copying the backup', async (t) => {
  const { file, store } = setup(t, (op) => (op === 'link' ? errno('EPERM') : undefined));
  await store.update(() => undefined);
  await store.update(() => undefined);
  t.equal(JSON.parse(readFileSync(`${file}.backup`, 'utf8')).serial, 1);
});

t.test('a crash between the temp write and the rename leaves the old state readable', async (t) => {
  let crash = false;
  const { dir, file, store } = setup(t, (op, p, to) => (crash && op === 'rename' && to?.endsWith('state.json') ? errno('EIO', 'simulated crash') : undefined));
  await store.update((d) => void d.operations.push({ id: 'op-old' } as never));
  crash = true;
  await t.rejects(store.update((d) => void d.operations.push({ id: 'op-new' } as never)), { code: 'DRCTL_E4008' });
  const fresh = new StateStore({ path: file, env: fakeWorld().env });
  const s = (await fresh.load())!;
  t.equal(s.serial, 1, 'old version intact');
  t.same(s.operations.map((o) => o.id), ['op-old']);
  t.same(readdirSync(path.join(dir, '.drctl')).filter((f) => f.includes('.tmp')), [], 'no temp file left behind');
  crash = false;
  await store.update(() => undefined);
  t.equal((await fresh.load())!.serial, 2, 'the failed write did not bump the in-memory serial');
});

t.test('a full disk while writing the temp file: old state intact, clear error, no partial file', async (t) => {
  let full = false;
  const { dir, file, store } = setup(t, (op, p) => (full && op === 'writeAll' && p.includes('.tmp') ? errno('ENOSPC', 'no space left on device') : undefined));
  await store.update(() => undefined);
  full = true;
  const err = await store.update(() => undefined).catch((e) => e);
  t.ok(DrctlError.is(err));
  t.equal(err.code, 'DRCTL_E4008');
  t.match(err.message, file);
  t.match(err.hint, /disk is full/);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 1);
  t.same(readdirSync(path.join(dir, '.drctl')).filter((f) => f.includes('.tmp')), []);
  t.notOk(existsSync(`${file}.lock`), 'mutex released after a failure');
});

t.test('a failure writing the mutex itself leaves no stranded mutex', async (t) => {
  let fail = false;
  const { file, store } = setup(t, (op, p) => (fail && op === 'writeAll' && p.endsWith('.lock') ? errno('ENOSPC') : undefined));
  await store.update(() => undefined);
  fail = true;
  await t.rejects(store.update(() => undefined), { code: 'DRCTL_E4008' });
  t.notOk(existsSync(`${file}.lock`));
  fail = false;
  await store.update(() => undefined);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 2);
});

t.test('a throwing mutation writes nothing', async (t) => {
  const { file, store } = setup(t);
  await store.update(() => undefined);
  await t.rejects(
    store.update((d) => {
      d.serial = 99;
      throw new Error('nope');
    }),
    /nope/,
  );
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 1);
  await store.update(() => undefined);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 2);
});

t.test('corrupt and unknown state files: a clear error naming the file and its backup', async (t) => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['not JSON', '{"format_version": 1, "lin', 'DRCTL_E4002', /not valid JSON/],
    ['not an object', '[1,2]', 'DRCTL_E4002', /not a JSON object/],
    ['missing lineage', JSON.stringify({ format_version: 1, serial: 1, operations: [] }), 'DRCTL_E4002', /missing or invalid lineage/],
    ['bad operations', JSON.stringify({ format_version: 1, lineage: 'x', serial: 1, operations: {} }), 'DRCTL_E4002', /operations/],
    ['newer version', JSON.stringify({ format_version: 7, lineage: 'x', serial: 1, operations: [] }), 'DRCTL_E4003', /format_version 7/],
    ['empty file', '', 'DRCTL_E4002', /not valid JSON/],
  ];
  for (const [name, text, code, msg] of cases) {
    const { file, store } = setup(t);
    writeFileSync(path.dirname(file) + '.keep', '');
    await store.update(() => undefined);
    writeFileSync(file, text);
    const fresh = new StateStore({ path: file, env: fakeWorld().env });
    for (const attempt of [() => fresh.load(), () => fresh.update(() => undefined)]) {
      const err = await attempt().catch((e) => e);
      t.ok(DrctlError.is(err), `${name}: DrctlError`);
      t.equal(err.code, code, `${name}: code`);
      t.match(err.message, msg, `${name}: message`);
      t.match(err.message, file, `${name}: names the file`);
      t.match(err.hint, `${file}.backup`, `${name}: names the backup`);
    }
    t.equal(readFileSync(file, 'utf8'), text, `${name}: a corrupt file is never overwritten`);
  }
});

t.test('another process replacing the file is noticed: the next update re-reads it', async (t) => {
  const { file, store } = setup(t);
  await store.update(() => undefined);
  const other = new StateStore({ path: file, env: fakeWorld().env });
  await other.update((d) => void d.operations.push({ id: 'from-other' } as never));
  await store.update((d) => void d.operations.push({ id: 'mine' } as never));
  const s = JSON.parse(readFileSync(file, 'utf8'));
  t.same(s.operations.map((o: { id: string }) => o.id), ['from-other', 'mine']);
  t.equal(s.serial, 3);
});

t.test('concurrent updates in one process: none lost, applied in call order, group-committed', async (t) => {
  const { file, store, rec } = setup(t);
  await store.update(() => undefined);
  rec.log.length = 0;
  const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => store.update((d) => {
    d.operations.push({ id: `op-${i}` } as never);
    return d.operations.length;
  })));
  t.same(outs, Array.from({ length: 20 }, (_, i) => i + 1), 'each saw the changes made before it');
  const s = JSON.parse(readFileSync(file, 'utf8'));
  t.same(s.operations.map((o: { id: string }) => o.id), Array.from({ length: 20 }, (_, i) => `op-${i}`));
  t.equal(s.serial, 2, 'the 20 changes made in one tick went into one write');
  t.equal(rec.log.filter((l) => l.startsWith('fsyncDir')).length, 1);
});

t.test('group commit: one refused change in a batch does not affect the others', async (t) => {
  const { file, store } = setup(t);
  await store.update(() => undefined);
  const a = store.update((d) => void d.operations.push({ id: 'a' } as never));
  const bad = store.update((d) => {
    d.operations.push({ id: 'half-done' } as never);
    throw new Error('refused');
  });
  const c = store.update((d) => void d.operations.push({ id: 'c' } as never));
  const r = await Promise.allSettled([a, bad, c]);
  t.same(r.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.same(JSON.parse(readFileSync(file, 'utf8')).operations.map((o: { id: string }) => o.id), ['a', 'c']);
});

t.test('group commit: a failed write rejects every change in it, and later writes still work', async (t) => {
  let fail = false;
  const { file, store } = setup(t, (op, p) => (fail && op === 'writeAll' && p.includes('.tmp') ? errno('EIO') : undefined));
  await store.update(() => undefined);
  fail = true;
  const r = await Promise.allSettled([store.update(() => 1), store.update(() => 2)]);
  t.same(r.map((x) => x.status), ['rejected', 'rejected']);
  fail = false;
  t.equal(await store.update(() => 3), 3);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 2);
});

t.test('write mutex: an abandoned one (dead pid on this host) is removed with a warning', async (t) => {
  const { file, store, w } = setup(t);
  const warnings: string[] = [];
  const s2 = new StateStore({ path: file, env: w.env, warn: (m) => warnings.push(m) });
  await store.update(() => undefined);
  writeFileSync(`${file}.lock`, JSON.stringify({ pid: 999_999, host: 'host-a', at: w.now() }));
  await s2.update(() => undefined);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 2);
  t.match(warnings[0], /abandoned state write mutex.*pid 999999.*process gone/);
});

t.test('write mutex: a live holder makes update wait, then fail with DRCTL_E4007', async (t) => {
  const { file, store, w } = setup(t);
  await store.update(() => undefined);
  w.alive.add(777);
  writeFileSync(`${file}.lock`, JSON.stringify({ pid: 777, host: 'host-a', at: w.now() }));
  const s2 = new StateStore({ path: file, env: w.env, mutexTimeoutMs: 1000, mutexStaleMs: 60_000 });
  const err = await s2.update(() => undefined).catch((e) => e);
  t.equal(err.code, 'DRCTL_E4007');
  t.match(err.message, /pid 777 on host-a/);
  t.match(err.hint, `remove ${file}.lock`);
  // A mutex older than the stale limit is taken away (its holder hung or died elsewhere).
  w.advance(61_000);
  await s2.update(() => undefined);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).serial, 2);
});
