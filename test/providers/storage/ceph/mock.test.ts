/**
 * The CephDriver against the mock's Ceph-like clusters (src/mock/ceph.ts), through the mock's own
 * CommandRunner (`createRbdCommandRunner`, the site picked from `--cluster`): what mock mode runs.
 */
import t from 'tap';
import { createRbdCommandRunner, runRbd } from '../../../../src/mock/ceph.js';
import { addFault, clearFaults } from '../../../../src/mock/faults.js';
import { CephDriver } from '../../../../src/providers/storage/ceph/driver.js';
import { RbdCli } from '../../../../src/providers/storage/ceph/rbd.js';
import type { CommandRunner } from '../../../../src/providers/storage/ceph/runner.js';
import type { StorageGroupRef } from '../../../../src/providers/storage/driver.js';
import { fakeClock, newWorld, specWith } from '../../../mock/helpers.js';
import { commandOf } from './fake-runner.js';

const POOL = 'volumes';

async function setup() {
  const clock = fakeClock();
  const { world } = await newWorld(specWith({ ceph: true }), { realNow: clock.now });
  const calls: Record<string, string[]> = { 'site-a': [], 'site-b': [] };
  const mockRunner = createRbdCommandRunner(world);
  const runner = (site: string): CommandRunner => ({
    run: async (cmd, args) => {
      calls[site]!.push(commandOf(args));
      return mockRunner.run(cmd, args);
    },
  });
  const driver = (site: string, extra: Partial<ConstructorParameters<typeof CephDriver>[0]> = {}) =>
    new CephDriver({
      site,
      rbd: new RbdCli({ site, connection: { cluster: site }, runner: runner(site), timeZone: 'host' }),
      pool: POOL,
      now: () => world.now(),
      sleep: async (ms) => clock.tick(ms),
      pollIntervalMs: 1000,
      promoteTimeoutMs: 10_000,
      ...extra,
    });
  const images = (JSON.parse(runRbd(world, 'site-a', ['ls', POOL, '--format', 'json']).stdout) as string[]).sort();
  // no intervalSeconds: the mock has no snapshot schedules (todo below); its own clock replicates every 300 s
  const ref = (site: string, peer: string): StorageGroupRef => ({ group: 'app', type: 'async', object: POOL, volumes: images, peer, rpoMinutes: 15 });
  return { world, clock, calls, a: driver('site-a'), b: driver('site-b'), driver, images, refA: ref('site-a', 'site-b'), refB: ref('site-b', 'site-a') };
}

t.test('status through the mock: bulk, roles, lag', async (t) => {
  const { a, b, refA, refB, calls, images } = await setup();
  t.equal(images.length, 4, 'the spec\'s 3 members: 4 volumes');
  const sa = await a.status(refA);
  const sb = await b.status(refB);
  t.match(sa, { reachable: true, exists: true, role: 'source', volumes: images });
  t.match(sb, { reachable: true, exists: true, role: 'target', health: 'up+replaying' });
  t.type(sb.lagSeconds, 'number');
  t.ok(sb.lagSeconds! <= 300 + 60, `lag ${sb.lagSeconds}s within one interval + transfer`);
  t.same(calls['site-a'], ['mirror pool status volumes --verbose --format json', 'ls volumes --format json'], 'two commands for the whole group');
  t.equal(await a.arrayName(), 'site-a');
});

t.test('planned failover and failback through the mock', async (t) => {
  const { a, b, refA, refB, calls } = await setup();
  await a.demote(refA);
  const copies = await b.promote(refB, { force: false });
  t.equal(copies.length, 4);
  t.notOk(calls['site-b']!.some((c) => c.includes('--force')));
  await b.reverseReplication(refB);
  t.equal((await b.status(refB)).role, 'source');
  t.equal((await a.status(refA)).role, 'target');
  await b.demote(refB);
  await a.promote(refA, { force: false });
  await a.reverseReplication(refA);
  t.equal((await a.status(refA)).role, 'source');
});

t.test('unplanned failover, split-brain, fencing and resync through the mock', async (t) => {
  const { world, a, b, refA, refB, driver } = await setup();
  addFault(world, { site: 'site-a', kind: 'unreachable' });
  const down = await a.status(refA);
  t.match(down, { reachable: false, error: { code: 'DRCTL_E2301' } });
  await t.rejects(driver('site-b', { promoteTimeoutMs: 3000 }).promote(refB, { force: false }), { code: 'DRCTL_E2324', exitCode: 3 });
  await b.promote(refB, { force: true });
  t.equal((await b.status(refB)).role, 'source');
  clearFaults(world);
  const sa = await a.status(refA);
  t.equal(sa.role, 'split-brain', 'site-a returns primary while site-b is primary');
  await t.rejects(a.resync(refA, { discardSite: 'site-a' }), { code: 'DRCTL_E2326' }, 'not before fencing');
  await a.demote(refA);
  const fenced = await a.status(refA);
  t.equal(fenced.role, 'split-brain');
  t.match(fenced.health, /up\+error "split-brain"/);
  t.same(await a.resync(refA, { discardSite: 'site-a' }), refA.volumes);
  t.equal((await a.status(refA)).role, 'target');
  await b.reverseReplication(refB);
});

t.test('transferProgress through the mock (mirror snapshot + the replay clock)', async (t) => {
  const { world, clock, a, refA, images } = await setup();
  // snapshotAndReplicate needs `rbd snap ls` for the snapshot's timestamp (see the todo below): take
  // the snapshots directly and compute the point the way the driver does.
  const point = Math.floor(world.now() / 1000);
  for (const img of images) t.equal(runRbd(world, 'site-a', ['mirror', 'image', 'snapshot', `${POOL}/${img}`]).code, 0);
  t.equal(await a.transferProgress(refA, `final@${point}`), 0, 'not transferred yet');
  clock.tick(world.settings.transferSeconds * 1000 + 1000);
  t.equal(await a.transferProgress(refA, `final@${point}`), 1, 'transferred after transferSeconds');
});

t.test('snapshotAndReplicate + transferProgress through the mock', async (t) => {
  const { clock, world, a, b, refA, refB } = await setup();
  const snap = await a.snapshotAndReplicate(refA, 'final');
  t.match(snap, { name: /^final@\d+$/, created: Number });
  t.equal(await a.transferProgress(refA, snap!.name), 0);
  clock.tick(world.settings.transferSeconds * 1000 + 1000);
  t.equal(await a.transferProgress(refA, snap!.name), 1, 'seen from the primary');
  t.equal(await b.transferProgress(refB, snap!.name), 1, 'seen from the standby');
});

t.test('protect with a snapshot schedule through the mock', async (t) => {
  const { a, refA, calls } = await setup();
  await a.protect({ ...refA, intervalSeconds: 300 });
  t.ok(calls['site-a']!.some((c) => c === 'mirror snapshot schedule ls --pool volumes --recursive --format json'));
  const again = calls['site-a']!.length;
  await a.protect({ ...refA, intervalSeconds: 300 });
  t.notOk(calls['site-a']!.slice(again).some((c) => c.startsWith('mirror snapshot schedule add')), 'idempotent');
});

t.test('drill copy and cleanup through the mock', async (t) => {
  const { b, refB, images } = await setup();
  const copies = await b.cloneForDrill(refB, 'd1');
  t.same(copies.map((c) => c.name), images.map((i) => `${i}-drill-d1`));
  t.same((await b.status(refB)).drillVolumes, images.map((i) => `${i}-drill-d1`).sort());
  t.same(await b.cloneForDrill(refB, 'd1'), copies, 'idempotent');
  t.same((await b.removeDrillClones(refB, 'd1')).sort(), images.map((i) => `${i}-drill-d1`).sort());
  t.same((await b.status(refB)).drillVolumes, []);
});
