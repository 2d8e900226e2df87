/**
 * Persistence of the mock world: while a server runs, a commit appends the changed records to the
 * world's change log (one line) instead of rewriting the whole file; loading replays the log; the log
 * is folded into the snapshot when it grows and when the server closes. Every commit is in the file
 * system when it returns (a SIGKILLed process loses nothing it acknowledged).
 */
import t from 'tap';
import { appendFileSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { addFault } from '../../src/mock/faults.js';
import { MockWorld } from '../../src/mock/world.js';
import { newWorld } from './helpers.js';

const json = (w: MockWorld) => JSON.parse(JSON.stringify(w.data)) as unknown;
const logLines = (w: MockWorld) => (existsSync(w.logPath) ? readFileSync(w.logPath, 'utf8').split('\n').filter(Boolean) : []);

/** A spread of changes: a new record, a field of a record, a nested field, a deletion, arrays, top-level keys. */
function mutate(world: MockWorld, i: number): void {
  const a = world.site('site-a');
  const servers = Object.values(a.nova.servers);
  const s = servers[i % servers.length]!;
  s.metadata[`k${i}`] = `v${i}`;
  s.updatedAt = 1000 + i;
  const vols = Object.values(a.cinder.volumes);
  vols[i % vols.length]!.attachments.push({ id: `att-${i}`, serverId: s.id, device: '/dev/vdz', attachedAt: i });
  a.neutron.ports[`port-${i}`] = { ...Object.values(a.neutron.ports)[0]!, id: `port-${i}`, deviceId: s.id };
  if (i % 3 === 2) delete a.neutron.ports[`port-${i - 1}`];
  const arr = world.site('site-b').storage;
  if (arr.driver === 'pure') arr.pure.seq += 1;
  world.advance(7);
  world.data.seq += 1;
  world.touch();
}

t.test('log mode: each commit appends one line; reopening gives the same world; the snapshot is not rewritten', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  const snap = statSync(file);
  const snapshotsBefore = world.snapshots;
  for (let i = 0; i < 12; i++) {
    mutate(world, i);
    t.ok(world.isDirty, `change ${i} is pending`);
    await world.commit();
    t.notOk(world.isDirty);
    t.equal(logLines(world).length, i + 1, `commit ${i} appended one line`);
    const reopened = await MockWorld.open(file);
    t.same(json(reopened), json(world), `change ${i} is in the file system when the commit returns`);
  }
  t.equal(statSync(file).ino, snap.ino, 'the snapshot was not rewritten');
  t.equal(world.appends, 12);
  t.equal(world.snapshots, snapshotsBefore, 'no snapshot rewrite');
  const line = JSON.parse(logLines(world)[0]!) as { s: Array<[string[], unknown]>; d: string[][] };
  t.ok(line.s.every(([p]) => p.length <= 6), 'units are records or top-level keys, not the whole site');
  t.ok(line.s.some(([p]) => p[0] === 'clockOffsetMs'));
  t.ok(line.s.some(([p]) => p[3] === 'servers' && p.length === 5), 'a changed server is logged as its record');
  t.equal(await world.refresh(), false, 'our own appends are not mistaken for another process');
  world.compact();
  t.notOk(existsSync(world.logPath), 'compact folds the log into the snapshot');
  t.same(JSON.parse(readFileSync(file, 'utf8')), json(world), 'the snapshot alone is the world');
});

t.test('no log: a commit rewrites the snapshot (one-shot CLI commands, init)', async (t) => {
  const { world, file } = await newWorld();
  world.advance(5);
  await world.commit();
  t.notOk(existsSync(world.logPath));
  t.equal((JSON.parse(readFileSync(file, 'utf8')) as { clockOffsetMs: number }).clockOffsetMs, world.data.clockOffsetMs);
  const before = statSync(file).mtimeMs;
  await world.commit();
  t.equal(statSync(file).mtimeMs, before, 'nothing to write without a change');
});

t.test('the log is compacted when it outgrows the snapshot', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  const size = statSync(file).size;
  const a = world.site('site-a');
  const s = Object.values(a.nova.servers)[0]!;
  let i = 0;
  const before = world.snapshots;
  while (world.snapshots === before && i < 10_000) {
    s.metadata.big = 'x'.repeat(8192 + (i++ % 7));
    await world.commit();
  }
  t.equal(world.snapshots, before + 1, `compacted after ${i} commits (snapshot ${size} bytes)`);
  t.notOk(existsSync(world.logPath), 'log removed');
  const reopened = await MockWorld.open(file);
  t.same(json(reopened), json(world));
});

t.test('crash cases: a torn last line is ignored; a log left behind a newer snapshot replays harmlessly', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  for (let i = 0; i < 5; i++) {
    mutate(world, i);
    await world.commit();
  }
  const want = json(world);
  appendFileSync(world.logPath, '{"s":[[["seq"],12345]],"d":[');
  t.same(json(await MockWorld.open(file)), want, 'torn tail ignored');

  // Died between renaming the new snapshot and removing the log: the old log replays over it.
  const saved = `${world.logPath}.saved`;
  copyFileSync(world.logPath, saved);
  world.compact();
  copyFileSync(saved, world.logPath);
  t.same(json(await MockWorld.open(file)), want, 'replaying entries already in the snapshot changes nothing');
});

t.test('another process appends to a running server\'s log; the server sees it', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  mutate(world, 0);
  await world.commit();
  const other = await MockWorld.open(file); // a log is there: this one appends too
  addFault(other, { site: 'site-b', kind: 'latency', ms: 10 });
  await other.commit();
  t.equal(logLines(world).length, 2, 'the other process appended');
  t.equal(statSync(file).ino, statSync(file).ino);
  t.equal(world.data.faults.length, 0);
  t.equal(await world.refresh(), true, 'reloads after another writer');
  t.same(world.data.faults.map((f) => f.kind), ['latency']);
  t.equal(world.data.sites['site-a']!.nova.servers[Object.keys(world.data.sites['site-a']!.nova.servers)[0]!]!.metadata.k0, 'v0', 'its own earlier change survived');
  t.equal(await world.refresh(), false, 'no reload when unchanged');
});

t.test('touch() without a change through `data`: the snapshot is rewritten (nothing is lost)', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  // A change through a plain object held from outside the tracking view (here: the parsed file).
  const raw = (world as unknown as { raw: { clockOffsetMs: number } }).raw;
  raw.clockOffsetMs += 99;
  world.touch();
  await world.commit();
  t.equal(world.untracked, 1);
  t.equal((JSON.parse(readFileSync(file, 'utf8')) as { clockOffsetMs: number }).clockOffsetMs, world.data.clockOffsetMs);
});

t.test('tracking views stored back into the data: moved as the same object, copied when nested in a new one', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  const a = world.site('site-a');
  const [id, s] = Object.entries(a.nova.servers)[0]!;
  a.nova.servers[`${id}-copy`] = { ...s, id: `${id}-copy` }; // nested metadata is s.metadata's view
  await world.commit();
  a.nova.servers[`${id}-copy`]!.metadata.copied = 'yes';
  await world.commit();
  const reopened = await MockWorld.open(file);
  t.equal(reopened.data.sites['site-a']!.nova.servers[`${id}-copy`]!.metadata.copied, 'yes', 'a change through the copy is logged');
  t.notOk('copied' in a.nova.servers[id]!.metadata, 'the copy does not share its metadata with the original (as after a JSON round trip)');
  t.same(json(reopened), json(world));
  writeFileSync(`${file}.check`, JSON.stringify(world.data));
  t.ok(statSync(`${file}.check`).size > 0, 'JSON.stringify of the view works');

  // A record moved between collections is the same object: a change through the old view lands in the new place.
  const rec = a.nova.servers[`${id}-copy`]!;
  a.nova.servers[`${id}-moved`] = rec;
  delete a.nova.servers[`${id}-copy`];
  rec.name = 'moved';
  t.equal(a.nova.servers[`${id}-moved`]!.name, 'moved');
  await world.commit();
  t.same(json(await MockWorld.open(file)), json(world));
});

t.test('readOnly: reads on the plain data; a change made there anyway is written whole', async (t) => {
  const { world, file } = await newWorld();
  world.useChangeLog();
  const viaView = world.index('site-a').serversSorted[0]!;
  const plain = world.readOnly(() => world.index('site-a').serversSorted[0]!);
  t.not(plain, viaView, 'a separate index of plain records');
  t.equal(plain.id, viaView.id);
  world.readOnly(() => {
    world.data.seq += 100; // untracked
    world.touch();
  });
  await world.commit();
  t.equal(world.untracked, 1, 'the commit could not place it: snapshot');
  t.equal((JSON.parse(readFileSync(file, 'utf8')) as { seq: number }).seq, world.data.seq, 'and it is on disk');
  t.equal(world.index('site-a').serversSorted[0]!.id, viaView.id, 'outside readOnly the tracking index again');
});
