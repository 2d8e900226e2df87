import path from 'node:path';
import t, { type Test } from 'tap';
import { DrctlError } from '../../src/errors.js';
import { Journal } from '../../src/state/journal.js';
import { acquireLock, DEFAULT_LEASE_MS, forceUnlock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import { fakeWorld, type FakeWorld } from './fakes.js';

function setup(t: Test) {
  const dir = t.testdir({});
  const file = path.join(dir, 'state.json');
  const w = fakeWorld();
  return { file, w, store: new StateStore({ path: file, env: w.env }) };
}

/** A second drctl: same file, its own identity. */
function other(file: string, w: FakeWorld, who: { pid: number; host?: string; user?: string }) {
  const w2 = fakeWorld({ pid: who.pid, hostname: () => who.host ?? 'host-a', user: () => who.user ?? 'bob', now: w.env.now, isPidAlive: w.env.isPidAlive });
  return new StateStore({ path: file, env: w2.env });
}

t.test('acquire records Terraform-like lock fields plus a lease', async (t) => {
  const { store, w } = setup(t);
  const h = await acquireLock(store, { operation: 'apply failover prod-web-app' });
  const s = (await store.load())!;
  t.same(s.lock, {
    id: h.id,
    who: 'alice@host-a',
    host: 'host-a',
    pid: 4242,
    operation: 'apply failover prod-web-app',
    version: '0.1.0',
    created: new Date(w.now()).toISOString(),
    leaseExpires: new Date(w.now() + DEFAULT_LEASE_MS).toISOString(),
  });
  await h.release();
  t.equal((await store.load())!.lock, undefined, 'release removes it');
  await h.release();
  t.pass('release is idempotent');
});

t.test('a second acquire fails fast with exit code 3 naming the holder and the way out', async (t) => {
  const { store, file, w } = setup(t);
  const h = await acquireLock(store, { operation: 'apply failover prod-web-app' });
  w.alive.add(5151);
  const second = other(file, w, { pid: 5151 });
  const err = await acquireLock(second, { operation: 'apply drill prod-web-app' }).catch((e) => e);
  t.ok(DrctlError.is(err));
  t.equal(err.code, 'DRCTL_E4001');
  t.equal(err.exitCode, 3);
  t.match(err.message, 'alice@host-a');
  t.match(err.message, '"apply failover prod-web-app"');
  t.match(err.message, `since ${new Date(w.now()).toISOString()}`);
  t.match(err.message, `lock id ${h.id}`);
  t.match(err.hint, `drctl state force-unlock ${h.id}`);
  t.equal((await store.load())!.lock!.id, h.id, 'the holder keeps it');
});

t.test('a lock whose process is dead on this host is taken over with a warning', async (t) => {
  const { store, file, w } = setup(t);
  const first = other(file, w, { pid: 3131, user: 'ci' });
  w.alive.add(3131);
  const h1 = await acquireLock(first, { operation: 'apply failover prod-web-app' });
  w.alive.delete(3131); // SIGKILLed
  const warnings: string[] = [];
  const h2 = await acquireLock(store, { operation: 'apply failover prod-web-app', warn: (m) => warnings.push(m) });
  t.not(h2.id, h1.id);
  t.equal((await store.load())!.lock!.pid, 4242);
  t.equal(warnings.length, 1);
  t.match(warnings[0], /Taking over the lock held by ci@host-a \(pid 3131\).*its process 3131 is gone on this host/);
});

t.test('a lock held on another host holds until its lease expires, even if the pid is unknown here', async (t) => {
  const { store, file, w } = setup(t);
  const remote = other(file, w, { pid: 4242 + 1, host: 'ci-runner-7' });
  await acquireLock(remote, { operation: 'apply', leaseMs: 60_000 });
  await t.rejects(acquireLock(store, { operation: 'apply' }), { code: 'DRCTL_E4001' });
  w.advance(59_999);
  await t.rejects(acquireLock(store, { operation: 'apply' }), { code: 'DRCTL_E4001' }, 'still within the lease');
  w.advance(1);
  const warnings: string[] = [];
  await acquireLock(store, { operation: 'apply', warn: (m) => warnings.push(m) });
  t.match(warnings[0], /its lease expired at/);
});

t.test('lease renewal through the injected timer keeps the lock alive without sleeping', async (t) => {
  const { store, file, w } = setup(t);
  const h = await acquireLock(store, { operation: 'apply', leaseMs: 5 * 60_000 });
  h.startRenewal(60_000);
  t.equal(w.timer.live(), 1);
  const remote = other(file, w, { pid: 9, host: 'elsewhere' });
  for (let minute = 1; minute <= 10; minute++) {
    w.advance(60_000);
    w.timer.fireAll();
    await store.update(() => undefined); // lets the renewal's write land (same queue)
  }
  const l = (await store.load())!.lock!;
  t.equal(l.leaseExpires, new Date(w.now() + 5 * 60_000).toISOString(), 'lease pushed forward');
  await t.rejects(acquireLock(remote, { operation: 'apply' }), { code: 'DRCTL_E4001' }, '10 min later it still holds');
  h.stopRenewal();
  t.equal(w.timer.live(), 0);
  w.advance(5 * 60_000);
  await acquireLock(remote, { operation: 'apply' });
  t.pass('once renewal stops, the lease runs out');
});

t.test('renewal finds the lock gone: the holder learns it lost the lock, journal writes refuse', async (t) => {
  const { store, w } = setup(t);
  const h = await acquireLock(store, { operation: 'apply' });
  const journal = new Journal(store, h);
  const op = await journal.open({ type: 'failover', group: 'g', steps: [{ id: 's1', name: 'preflight', phase: 'preparation', dependsOn: [], description: 'x' }] });
  const errors: unknown[] = [];
  h.startRenewal(60_000, (e) => errors.push(e));
  await forceUnlock(new StateStore({ path: store.path, env: fakeWorld().env }), h.id);
  w.timer.fireAll();
  await store.update(() => undefined);
  await new Promise((r) => setImmediate(r)); // the renewal's rejection handler runs
  t.equal((errors[0] as DrctlError).code, 'DRCTL_E4006');
  t.equal(h.lostError?.code, 'DRCTL_E4006');
  t.equal(w.timer.live(), 0, 'renewal stopped');
  await t.rejects(journal.stepIntent(op.id, 's1'), { code: 'DRCTL_E4006' });
});

t.test('a journal write after force-unlock (no renewal yet) also refuses, naming the new holder', async (t) => {
  const { store, file, w } = setup(t);
  const h = await acquireLock(store, { operation: 'apply' });
  const journal = new Journal(store, h);
  const op = await journal.open({ type: 'drill', group: 'g', steps: [{ id: 's1', name: 'preflight', phase: 'preparation', dependsOn: [], description: 'x' }] });
  const intruder = other(file, w, { pid: 77, host: 'ci-9', user: 'carol' });
  await forceUnlock(intruder, h.id);
  await acquireLock(intruder, { operation: 'apply drill g' });
  const err = await journal.stepIntent(op.id, 's1').catch((e) => e);
  t.equal(err.code, 'DRCTL_E4006');
  t.match(err.message, /now held by carol@ci-9/);
  t.equal((await store.load())!.operations[0]!.steps[0]!.status, 'pending', 'nothing journaled');
});

t.test('force-unlock: the id must match; a wrong id names the real one; unlocked state says so', async (t) => {
  const { store } = setup(t);
  const notLocked = await forceUnlock(store, 'whatever').catch((e) => e);
  t.equal(notLocked.code, 'DRCTL_E4005');
  t.equal(await store.load(), null, 'force-unlock on a missing state creates nothing');
  const h = await acquireLock(store, { operation: 'apply' });
  const wrong = await forceUnlock(store, 'not-the-id').catch((e) => e);
  t.equal(wrong.code, 'DRCTL_E4004');
  t.match(wrong.message, h.id);
  t.match(wrong.hint, `drctl state force-unlock ${h.id}`);
  t.equal((await store.load())!.lock!.id, h.id, 'still locked');
  const removed = await forceUnlock(store, h.id);
  t.equal(removed.id, h.id);
  t.equal((await store.load())!.lock, undefined);
});
