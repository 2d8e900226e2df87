/**
 * Group commit of the mock world: concurrent mutating requests share queued writes instead of one
 * full rewrite each, and every commit resolves only once a write containing its change is on disk.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { newWorld } from './helpers.js';

const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { clockOffsetMs: number };

t.test('concurrent commits: few writes, each change on disk when its commit resolves', async (t) => {
  const { world, file } = await newWorld();
  const db = (world as unknown as { db: { write: () => Promise<void> } }).db;
  const write = db.write.bind(db);
  let writes = 0;
  db.write = async () => {
    writes++;
    await new Promise((r) => setTimeout(r, 20));
    return write();
  };
  const commits: Promise<void>[] = [];
  for (let i = 1; i <= 25; i++) {
    world.advance(1); // a mutation (clock offset + 1 ms), then its commit
    const want = world.data.clockOffsetMs;
    commits.push(world.commit().then(() => void t.ok(onDisk(file).clockOffsetMs >= want, `change ${i} on disk when its commit resolved`)));
  }
  await Promise.all(commits);
  t.ok(writes <= 2, `25 concurrent commits took ${writes} write(s)`);
  t.equal(onDisk(file).clockOffsetMs, world.data.clockOffsetMs, 'the last change is on disk');

  // A change made while a write runs gets a write of its own, after that one.
  writes = 0;
  world.advance(1);
  const first = world.commit();
  await new Promise((r) => setTimeout(r, 5)); // the first write is running now
  world.advance(1);
  const want = world.data.clockOffsetMs;
  await world.commit();
  t.equal(onDisk(file).clockOffsetMs, want, 'the change made during a write is on disk');
  await first;
  t.equal(writes, 2, 'two writes: the running one and the one after it');
  t.equal(await world.refresh(), false, 'our own writes are not mistaken for another process changing the file');
});
