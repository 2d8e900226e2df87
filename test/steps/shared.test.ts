/** Per-run shared listings: shared only when fresh enough, failures never cached, tasks settle first. */
import t from 'tap';
import { allSettled, FreshList, RunCache } from '../../src/steps/shared.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

t.test('FreshList: callers share a listing sent after their mark; one sent before it is not reused', async (t) => {
  const loads: Array<ReturnType<typeof deferred<number>>> = [];
  const list = new FreshList(() => {
    const d = deferred<number>();
    loads.push(d);
    return d.promise;
  }, () => new Promise((r) => setImmediate(r)));
  const tick = () => new Promise((r) => setImmediate(r));
  // A burst (a tier's steps starting together): one listing, sent after all of them marked.
  const a = list.get(list.mark());
  const b = list.get(list.mark());
  await tick();
  t.equal(loads.length, 1, 'two callers, one request');
  // A caller whose previous action finished after that request was sent must not join it.
  const c = list.get(list.mark());
  await tick();
  t.equal(loads.length, 2, 'a mark after the send starts a new request');
  loads[0]!.resolve(1);
  loads[1]!.resolve(2);
  t.same([(await a).value, (await b).value, (await c).value], [1, 1, 2]);
  t.equal((await a).seq, (await b).seq);
  // The next poll asks for something newer than what it saw: the finished second listing qualifies.
  const d = await list.get((await a).seq);
  t.same(d, { seq: 2, value: 2 }, 'a poll reuses a listing sent after the one it saw last');
  t.equal(loads.length, 2);
  const e = list.get(d.seq);
  await tick();
  t.equal(loads.length, 3, 'nothing newer: a new request');
  loads[2]!.resolve(3);
  t.equal((await e).value, 3);
});

t.test('FreshList: a failed listing fails its waiters and is not reused', async (t) => {
  let n = 0;
  const list = new FreshList(async () => {
    n++;
    if (n === 1) throw new Error('boom');
    return n;
  });
  const m = list.mark();
  await t.rejects(list.get(m), /boom/);
  t.same(await list.get(m), { seq: 2, value: 2 }, 'the next call asks again');
});

t.test('RunCache: looked up once; refresh looks again; failures are not kept', async (t) => {
  const calls = new Map<string, number>();
  const cache = new RunCache(async (k: string) => {
    const n = (calls.get(k) ?? 0) + 1;
    calls.set(k, n);
    if (k === 'bad' && n === 1) throw new Error('down');
    return `${k}${n}`;
  });
  t.equal(await cache.get('a'), 'a1');
  t.equal(await cache.get('a'), 'a1', 'cached');
  t.equal(await cache.refresh('a'), 'a2', 'refresh reloads');
  await t.rejects(cache.get('bad'), /down/);
  t.equal(await cache.get('bad'), 'bad2', 'a failure is not cached');
});

t.test('allSettled: every task finishes before the first error is thrown', async (t) => {
  const finished: string[] = [];
  const slow = new Promise<string>((r) => setTimeout(() => (finished.push('slow'), r('slow')), 20));
  const fail = Promise.reject(new Error('first'));
  await t.rejects(allSettled([fail, slow]), /first/);
  t.same(finished, ['slow'], 'the slow task had finished when the error surfaced');
  t.same(await allSettled([Promise.resolve(1), Promise.resolve(2)]), [1, 2], 'results in order');
});

t.test('progressPacer: half the estimated time left, between the poll interval and the cap', async (t) => {
  const { progressPacer } = await import('../../src/steps/deps.js');
  let now = 1_000;
  const deps = { now: () => now, poll: { intervalMs: 100, serverTimeoutMs: 0, volumeTimeoutMs: 0, transferTimeoutMs: 0, baselineWaitMs: 0 } };
  const p = progressPacer(deps, 3_000);
  t.equal(p.next(), 100, 'before any poll: the interval');
  p.seen(0);
  t.equal(p.next(), 100, 'not started: the interval');
  now += 1_000;
  p.seen(0.5);
  t.equal(p.next(), 500, '1 s for half: ~1 s left, wait 0.5 s');
  now += 1_000;
  p.seen(0.01);
  t.equal(p.next(), 3_000, 'slow transfer: capped');
  p.seen(0.999);
  t.equal(p.next(), 100, 'almost done: the interval');
  p.seen(1);
  t.equal(p.next(), 100);
});
