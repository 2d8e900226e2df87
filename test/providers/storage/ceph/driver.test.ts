/**
 * CephDriver semantics against a runner that replays recorded rbd outputs (lab samples and
 * recorded stderr), with an injected clock: nothing sleeps.
 */
import t from 'tap';
import { CephDriver, decodeSyncPoint, DRILL_META, drillImageName } from '../../../../src/providers/storage/ceph/driver.js';
import { RbdCli } from '../../../../src/providers/storage/ceph/rbd.js';
import type { StorageGroupRef } from '../../../../src/providers/storage/driver.js';
import { fakeClock, ReplayRunner, STDERR, sample } from './fake-runner.js';

const SNAP_DESC = (local: number, remote = local, state = 'idle') =>
  `replaying, {"bytes_per_second":0.0,"bytes_per_snapshot":0.0,"last_snapshot_bytes":0,"last_snapshot_sync_seconds":0,"local_snapshot_timestamp":${local},"remote_snapshot_timestamp":${remote},"replay_state":"${state}"}`;
const JOURNAL_DESC = (behind: number) =>
  `replaying, {"bytes_per_second":0.0,"entries_behind_primary":${behind},"entries_per_second":0.0,"non_primary_position":{"entry_tid":3,"object_number":3,"tag_tid":1},"primary_position":{"entry_tid":${3 + behind},"object_number":3,"tag_tid":1}}`;

interface Img {
  name: string;
  state: string;
  description: string;
  peer?: string;
  peerDescription?: string;
  peerSite?: string;
}

/** A `mirror pool status --verbose --format json` document in the shape the lab printed. */
function poolStatus(images: Img[], daemonHealth = 'OK'): string {
  return JSON.stringify({
    summary: { health: 'OK', daemon_health: daemonHealth, image_health: 'OK', states: {} },
    daemons: [{ service_id: '4136', instance_id: '4264', client_id: 'a', hostname: 'vm', ceph_version: '16.2.15', leader: true, health: daemonHealth }],
    images: images.map((i) => ({
      name: i.name,
      global_id: `00000000-0000-0000-0000-${i.name.padStart(12, '0').slice(-12)}`,
      state: i.state,
      description: i.description,
      last_update: '2026-11-22 00:19:40',
      peer_sites: [
        {
          site_name: i.peerSite ?? 'site-b',
          mirror_uuids: '2f88ff0d-0c8a-4f4d-99a3-cb6e8d372b66',
          state: i.peer ?? 'up+replaying',
          description: i.peerDescription ?? SNAP_DESC(1795306751),
          last_update: '2026-11-22 00:19:41',
        },
      ],
    })),
  });
}

function info(name: string, opts: { primary?: boolean; mode?: 'journal' | 'snapshot' | null; id?: string; size?: number } = {}): string {
  const mode = opts.mode === undefined ? 'snapshot' : opts.mode;
  return JSON.stringify({
    name,
    id: opts.id ?? `id-${name}`,
    size: opts.size ?? 67108864,
    features: ['layering', 'exclusive-lock'],
    create_timestamp: 'Sun Nov 22 01:40:24 2026',
    mirroring: mode ? { mode, state: 'enabled', global_id: 'g', primary: opts.primary ?? true } : null,
  });
}

function snapLs(mirror: Array<{ id: number; complete?: boolean; ts?: string; state?: string }>): string {
  return JSON.stringify(
    mirror.map((m) => ({
      id: m.id,
      name: `.mirror.${m.state ?? 'non_primary'}.g.${m.id}`,
      size: 67108864,
      protected: 'false',
      timestamp: m.ts ?? 'Sun Nov 22 01:40:30 2026',
      namespace: { type: 'mirror', state: m.state === 'primary' ? 'primary' : 'non-primary', mirror_peer_uuids: [], complete: m.complete ?? true, primary_snap_id: m.id },
    })),
  );
}

function setup(opts: { site?: string; firstPollIntervalMs?: number } = {}) {
  const runner = new ReplayRunner();
  const clock = fakeClock(Date.UTC(2026, 10, 22, 0, 20, 0));
  const site = opts.site ?? 'site-a';
  const rbd = new RbdCli({ site, connection: { cluster: site }, runner, timeZone: 0 });
  const driver = new CephDriver({
    site,
    rbd,
    pool: 'one',
    now: clock.now,
    sleep: clock.sleep,
    pollIntervalMs: 2000,
    ...(opts.firstPollIntervalMs !== undefined ? { firstPollIntervalMs: opts.firstPollIntervalMs } : {}),
    promoteTimeoutMs: 60_000,
    settleTimeoutMs: 120_000,
    resyncTimeoutMs: 300_000,
    reverseTimeoutMs: 60_000,
    drillIdleTimeoutMs: 30_000,
  });
  return { runner, clock, driver };
}

const ref = (volumes: string[], extra: Partial<StorageGroupRef> = {}): StorageGroupRef => ({
  group: 'g1',
  type: 'async',
  object: 'one',
  volumes,
  peer: 'site-b',
  rpoMinutes: 15,
  ...extra,
});

// ==================================================================================== status

t.test('bulk status: one pool status + one ls per pool, whatever the number of groups and images', async (t) => {
  const { runner, driver } = setup();
  runner
    .on('mirror pool status one', sample('snapshot-08-pool-final-site-a.json'))
    .on('ls one', '["jtest","test","test-drill-t1","unrelated-drill-t1"]')
    .on('mirror pool status two', sample('journal-01-pool-before-site-b.json'))
    .on('ls two', '["jtest","test"]');
  const out = await driver.statusMany([
    ref(['test'], { group: 'g1' }),
    ref(['jtest'], { group: 'g2' }),
    ref(['test', 'jtest'], { group: 'g3' }),
    ref(['jtest', 'test'], { group: 'g4', object: 'two', peer: 'site-a' }),
  ]);
  t.same(runner.commands().sort(), [
    'ls one --format json',
    'ls two --format json',
    'mirror pool status one --verbose --format json',
    'mirror pool status two --verbose --format json',
  ]);
  t.equal(out.g1!.role, 'source');
  t.same(out.g1!.volumes, ['test']);
  t.same(out.g1!.drillVolumes, ['test-drill-t1'], 'drill copies of this group only');
  t.equal(out.g1!.lagSeconds, Date.UTC(2026, 10, 22, 0, 20, 0) / 1000 - 1795306751, 'now - local_snapshot_timestamp of the peer');
  t.equal(out.g1!.lastReplicatedAt, new Date(1795306751000).toISOString());
  t.equal(out.g2!.role, 'source');
  t.equal(out.g3!.role, 'source');
  t.equal(out.g3!.exists, true);
  t.equal(out.g4!.role, 'target');
  t.equal(out.g4!.health, 'up+replaying');
  t.equal(out.g4!.object, 'two');
});

t.test('status() calls made together are batched into one pool status + ls', async (t) => {
  const { runner, driver } = setup();
  runner.on('mirror pool status one', sample('snapshot-08-pool-final-site-a.json')).on('ls one', '["jtest","test"]');
  const [s1, s2, s3] = await Promise.all([
    driver.status(ref(['test'], { group: 'g1' })),
    driver.status(ref(['jtest'], { group: 'g2' })),
    driver.status(ref(['missing'], { group: 'g3' })),
  ]);
  t.equal(runner.calls.length, 2);
  t.equal(s1.role, 'source');
  t.same(s2.volumes, ['jtest']);
  t.equal(s3.role, 'none');
  t.match(s3.health, /missing: missing/);
  await driver.status(ref(['test']));
  t.equal(runner.calls.length, 4, 'a later call makes its own batch');
});

t.test('status asks rbd info only for the images the status cannot prove', async (t) => {
  const { runner, driver } = setup();
  runner
    .on('mirror pool status one', sample('journal-05-pool-forced-site-a.json')) // jtest: up+stopped "stopped"
    .on('ls one', '["jtest","test"]')
    .on('info one/jtest', info('jtest', { mode: 'journal', primary: true }));
  const out = await driver.status(ref(['jtest', 'test']));
  t.equal(runner.count('info'), 1);
  t.equal(runner.calls.find((c) => c.cmd.startsWith('info'))!.cmd, 'info one/jtest --format json');
  t.equal(out.role, 'source');
  t.match(out.health, /up\+stopped "stopped": jtest/);
});

t.test('status: split-brain when the stale site returns', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner.on('mirror pool status one', sample('journal-06-pool-split-brain-site-b.json')).on('ls one', '["jtest","test"]');
  const out = await driver.status(ref(['jtest'], { peer: 'site-a' }));
  t.equal(out.role, 'split-brain');
  t.match(out.health, /split-brain: peer also primary/);
  t.match(out.health, /rbd-mirror daemon health ERROR \(not reporting status\)/);
  runner.on('mirror pool status one', JSON.stringify({ ...JSON.parse(sample('journal-06-pool-split-brain-site-b.json')), images: [JSON.parse(sample('journal-07-demoted-stale-site-b.json'))] }));
  const after = await driver.status(ref(['jtest'], { peer: 'site-a' }));
  t.equal(after.role, 'split-brain', 'after fencing: up+error "split-brain detected" until resync');
});

t.test('status never throws for an unreachable cluster; reports it', async (t) => {
  const { runner, driver } = setup();
  runner.on('mirror pool status one', { fail: 110, stderr: STDERR.unreachable }).on('ls one', { fail: 110, stderr: STDERR.unreachable });
  const out = await driver.statusMany([ref(['a'], { group: 'g1' }), ref(['b'], { group: 'g2' })]);
  for (const g of ['g1', 'g2']) {
    t.equal(out[g]!.reachable, false);
    t.equal(out[g]!.role, 'unknown');
    t.equal(out[g]!.error?.code, 'DRCTL_E2301');
    t.match(out[g]!.error?.message, /^site-a: rbd (mirror pool status|ls) one failed: .*Connection timed out/);
  }
  const { runner: r2, driver: d2 } = setup();
  r2.on('mirror pool status one', { fail: 2, stderr: STDERR.noKeyring }).on('ls one', { fail: 2, stderr: STDERR.noKeyring });
  const auth = await d2.status(ref(['a']));
  t.equal(auth.reachable, true, 'an auth failure is an answer, not an outage');
  t.equal(auth.error?.code, 'DRCTL_E2304');
});

t.test('status of a pool without mirroring: role none', async (t) => {
  const { runner, driver } = setup();
  runner.on('mirror pool status one', { fail: 22, stderr: STDERR.poolNotMirrored }).on('ls one', '["vol"]');
  const out = await driver.status(ref(['vol']));
  t.equal(out.role, 'none');
  t.equal(out.exists, false);
  t.match(out.health, /mirroring not enabled: vol/);
});

// ==================================================================================== protect

t.test('protect enables mirroring on the images that lack it, in the group mode, and sets schedules', async (t) => {
  const { runner, driver } = setup();
  runner
    .on('mirror pool info one', sample('pool-info-site-a.json'))
    .on('info one/v1', info('v1', { mode: null }))
    .on('info one/v2', info('v2', { mode: 'snapshot' }))
    .on('mirror image enable', 'Mirroring enabled\n')
    .on('mirror snapshot schedule ls --pool one --recursive', '[{"pool":"one","namespace":"","image":"v2","items":[{"interval":"5m","start_time":""}]}]')
    .on('mirror snapshot schedule add', '');
  await driver.protect(ref(['v1', 'v2'], { intervalSeconds: 300 }));
  t.same(runner.commands().filter((c) => !c.startsWith('info') && !c.includes('pool info')), [
    'mirror image enable one/v1 snapshot',
    'mirror snapshot schedule ls --pool one --recursive --format json',
    'mirror snapshot schedule add --pool one --image v1 5m',
  ]);

  const j = setup();
  j.runner.on('mirror pool info one', sample('pool-info-site-a.json')).on('info one/v1', info('v1', { mode: null })).on('mirror image enable', 'Mirroring enabled\n');
  await j.driver.protect(ref(['v1'], { type: 'sync' }));
  t.ok(j.runner.commands().includes('mirror image enable one/v1 journal'), 'sync → journal mode by default');
  t.equal(j.runner.count('mirror snapshot schedule'), 0, 'no schedules in journal mode');

  const m = setup();
  m.runner.on('mirror pool info one', sample('pool-info-site-a.json')).on('info one/v1', info('v1', { mode: 'journal' }));
  await t.rejects(m.driver.protect(ref(['v1'], { mirrorMode: 'snapshot' })), { code: 'DRCTL_E2322', message: /already mirrored in journal mode; the group wants snapshot/ });

  const p = setup();
  p.runner.on('mirror pool info one', '{"mode":"disabled"}');
  await t.rejects(p.driver.protect(ref(['v1'])), { code: 'DRCTL_E2320', message: /mirroring is not enabled on pool one/ });
  const q = setup();
  q.runner.on('mirror pool info one', sample('pool-info-site-a.json'));
  await t.rejects(q.driver.protect(ref(['v1'], { peer: 'site-z' })), { code: 'DRCTL_E2320', message: /no mirroring peer named site-z \(peers: site-b\)/ });
  // A restricted client (Cinder's `profile rbd`) on the peer reads its site name as the cluster fsid:
  // with a single peer, that peer is the one (the stack lab's client.cinder).
  const f = setup();
  f.runner.on('mirror pool info one', sample('pool-info-site-a.json')).on('info one/v1', info('v1', { mode: 'journal' }));
  await f.driver.protect(ref(['v1'], { type: 'sync', peer: '38deed30-a9f6-4a03-8d9b-d2d937ff300d' }));
  t.pass('fsid-shaped peer name accepted with one peer');
  const r = setup();
  r.runner.on('mirror pool info one', sample('pool-info-site-a.json')).on('info one/v9', { fail: 2, stderr: STDERR.noImage });
  await t.rejects(r.driver.protect(ref(['v9'])), { code: 'DRCTL_E2321', message: /image one\/v9 of group g1 does not exist/ });
  await t.rejects(r.driver.protect(ref([])), { code: 'DRCTL_E2333' });
});

// ==================================================================================== final sync

t.test('snapshotAndReplicate: one mirror snapshot per image, sync point = the oldest', async (t) => {
  const { runner, driver } = setup();
  runner
    .on('info one/v1', info('v1'))
    .on('info one/v2', info('v2'))
    .on('mirror image snapshot one/v1', 'Snapshot ID: 21\n')
    .on('mirror image snapshot one/v2', 'Snapshot ID: 7\n')
    .on('snap ls --all one/v1', snapLs([{ id: 21, state: 'primary', ts: 'Sun Nov 22 00:25:03 2026' }]))
    .on('snap ls --all one/v2', snapLs([{ id: 7, state: 'primary', ts: 'Sun Nov 22 00:25:02 2026' }]));
  const snap = await driver.snapshotAndReplicate(ref(['v1', 'v2']), 'op-1/final');
  const point = Date.UTC(2026, 10, 22, 0, 25, 2) / 1000;
  t.same(snap, { name: `op-1-final@${point}`, created: point * 1000 });
  t.equal(decodeSyncPoint(snap!.name), point);
  t.equal(runner.count('mirror image snapshot'), 2);

  const j = setup();
  j.runner.on('info one/v1', info('v1', { mode: 'journal' }));
  t.equal(await j.driver.snapshotAndReplicate(ref(['v1']), 'op'), null, 'journal mode: nothing to do');
  t.equal(j.runner.count('mirror image snapshot'), 0);

  const n = setup();
  n.runner.on('info one/v1', info('v1', { primary: false }));
  await t.rejects(n.driver.snapshotAndReplicate(ref(['v1']), 'op'), { code: 'DRCTL_E2323', message: /not primary on this site/ });
});

t.test('transferProgress reads the replaying side, from either cluster', async (t) => {
  const { runner, driver } = setup();
  runner.on(
    'mirror pool status one',
    poolStatus([
      { name: 'v1', state: 'up+stopped', description: 'local image is primary', peerDescription: SNAP_DESC(1795306751) },
      { name: 'v2', state: 'up+stopped', description: 'local image is primary', peerDescription: SNAP_DESC(1795306700, 1795306751, 'syncing') },
    ]),
  );
  t.equal(await driver.transferProgress(ref(['v1', 'v2']), 'op@1795306751'), 0.5);
  t.equal(await driver.transferProgress(ref(['v1']), 'op@1795306751'), 1);
  t.equal(await driver.transferProgress(ref(['v1']), 'op@1795306752'), 0);
  // the standby cluster answers from its local replay status
  const b = setup({ site: 'site-b' });
  b.runner.on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(1795306751), peer: 'up+stopped', peerDescription: 'local image is primary', peerSite: 'site-a' }]));
  t.equal(await b.driver.transferProgress(ref(['v1'], { peer: 'site-a' }), 'op@1795306751'), 1);
  // journal mode: caught up when entries_behind_primary is 0
  const j = setup();
  j.runner.on(
    'mirror pool status one',
    poolStatus([
      { name: 'j1', state: 'up+stopped', description: 'local image is primary', peerDescription: JOURNAL_DESC(0) },
      { name: 'j2', state: 'up+stopped', description: 'local image is primary', peerDescription: JOURNAL_DESC(4) },
      { name: 'j3', state: 'up+stopped', description: 'local image is primary', peer: 'down+stopped', peerDescription: JOURNAL_DESC(0) },
    ]),
  );
  t.equal(await j.driver.transferProgress(ref(['j1']), 'journal'), 1);
  t.equal(await j.driver.transferProgress(ref(['j1', 'j2', 'j3']), 'journal'), 1 / 3, 'behind, and a peer that is down, are not done');
  await t.rejects(driver.transferProgress(ref(['v1']), 'pg.snap-1'), { code: 'DRCTL_E2332' });
});

// ==================================================================================== promote / demote

t.test('planned promote: plain promote retried while rbd says the demotion is not replayed yet; never --force', async (t) => {
  const { runner, driver, clock } = setup({ site: 'site-b' });
  runner
    .on('info one/v1', info('v1', { primary: false, size: 1 << 30 }))
    .on('mirror image promote', { fail: 16, stderr: STDERR.promoteBusy }, { fail: 16, stderr: STDERR.promoteBusy }, 'Image promoted to primary\n')
    .on(
      'mirror pool status one',
      poolStatus([{ name: 'v1', state: 'up+unknown', description: 'remote image demoted', peer: 'up+unknown', peerDescription: 'remote image is not primary', peerSite: 'site-a' }]),
      poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary', peerSite: 'site-a' }]),
    );
  const out = await driver.promote(ref(['v1'], { peer: 'site-a' }), { force: false });
  t.same(out, [{ name: 'v1', source: 'v1', size: 1 << 30 }]);
  t.equal(runner.count('mirror image promote'), 3);
  t.notOk(runner.commands().some((c) => c.includes('--force')), 'no --force');
  t.equal(runner.count('mirror pool status'), 2, 'waited for up+stopped');
  t.equal(clock.slept, 3 * 2000);
});

t.test('with a first poll interval, the EBUSY retries and the settle wait back off from it (×1.5 up to the interval)', async (t) => {
  const { runner, driver, clock } = setup({ site: 'site-b', firstPollIntervalMs: 250 });
  const sleeps: number[] = [];
  const sleep = clock.sleep;
  clock.sleep = async (ms: number) => {
    sleeps.push(ms);
    await sleep(ms);
  };
  (driver as unknown as { sleep: (ms: number) => Promise<void> }).sleep = clock.sleep;
  const busy = { fail: 16, stderr: STDERR.promoteBusy };
  runner
    .on('info one/v1', info('v1', { primary: false }))
    .on('mirror image promote', busy, busy, busy, 'Image promoted to primary\n')
    .on(
      'mirror pool status one',
      poolStatus([{ name: 'v1', state: 'up+stopping_replay', description: 'stopping', peerSite: 'site-a' }]),
      poolStatus([{ name: 'v1', state: 'up+stopping_replay', description: 'stopping', peerSite: 'site-a' }]),
      poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary', peerSite: 'site-a' }]),
    );
  await driver.promote(ref(['v1'], { peer: 'site-a' }), { force: false });
  t.same(sleeps, [250, 375, 563, 250, 375], 'promote retries 250/375/563 ms, then a fresh pace for the settle wait');
  t.equal(clock.slept, 1813);
});

t.test('planned promote gives up with a blocking error, still without --force', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner.on('info one/v1', info('v1', { primary: false })).on('mirror image promote', { fail: 16, stderr: STDERR.promoteBusy });
  const err = await driver.promote(ref(['v1']), { force: false }).catch((e: unknown) => e);
  t.match(err, { code: 'DRCTL_E2324', exitCode: 3, message: /refusing to force-promote one\/v1: the peer is still primary or its demotion has not been replayed here after 60s/ });
  t.equal(runner.count('mirror image promote'), 31, 'retried every 2 s for 60 s');
  t.notOk(runner.commands().some((c) => c.includes('--force')));
});

t.test('forced promote waits for rbd-mirror to leave stopping_replay', async (t) => {
  const { runner, driver, clock } = setup();
  runner
    .on('info one/v1', info('v1', { primary: false }))
    .on('info one/v2', info('v2', { primary: true }))
    .on('mirror image promote --force one/v1', 'Image promoted to primary\n')
    .on(
      'mirror pool status one',
      poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(1), peer: 'down+stopped' }, { name: 'v2', state: 'up+stopped', description: 'local image is primary' }]),
      poolStatus([{ name: 'v1', state: 'up+stopping_replay', description: 'orphan (force promoting)', peer: 'down+stopped' }]),
      poolStatus([{ name: 'v1', state: 'up+stopped', description: 'orphan (force promoting)', peer: 'down+stopped' }]),
    );
  const out = await driver.promote(ref(['v1', 'v2']), { force: true });
  t.same(out.map((v) => v.name), ['v1', 'v2']);
  t.same(runner.commands().filter((c) => c.startsWith('mirror image promote')), ['mirror image promote --force one/v1'], 'only the non-primary image');
  t.equal(runner.count('mirror pool status'), 3);
  t.equal(clock.slept, 4000);

  const stuck = setup();
  stuck.runner
    .on('info one/v1', info('v1', { primary: false }))
    .on('mirror image promote --force one/v1', '')
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+stopping_replay', description: 'orphan (force promoting)', peer: 'down+stopped' }]));
  await t.rejects(stuck.driver.promote(ref(['v1']), { force: true }), {
    code: 'DRCTL_E2325',
    message: /force-promoted images of g1 did not settle to up\+stopped within 120s \(v1: up\+stopping_replay\)/,
    hint: /rados_osd_op_timeout/,
  });

  const down = setup();
  down.runner
    .on('info one/v1', info('v1', { primary: false }))
    .on('mirror image promote --force one/v1', '')
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'down+replaying', description: 'replaying', peer: 'down+stopped' }]));
  await down.driver.promote(ref(['v1']), { force: true });
  t.pass('a down+ local status means no local daemon holds the image');
});

t.test('promote is idempotent: already primary → no command; a racing promote is tolerated', async (t) => {
  const { runner, driver } = setup();
  runner.on('info one/v1', info('v1', { primary: true }));
  await driver.promote(ref(['v1']), { force: false });
  t.same(runner.commands(), ['info one/v1 --format json']);
  const r = setup();
  r.runner
    .on('info one/v1', info('v1', { primary: false }))
    .on('mirror image promote', { fail: 22, stderr: STDERR.alreadyPrimary })
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary' }]));
  await r.driver.promote(ref(['v1']), { force: false });
  t.equal(r.runner.count('mirror image promote'), 1);
});

t.test('demote only the primary images; "not primary" races are fine', async (t) => {
  const { runner, driver } = setup();
  runner
    .on('info one/v1', info('v1', { primary: true }))
    .on('info one/v2', info('v2', { primary: false }))
    .on('info one/v3', info('v3', { primary: true }))
    .on('mirror image demote one/v1', 'Image demoted to non-primary\n')
    .on('mirror image demote one/v3', { fail: 22, stderr: STDERR.notPrimary });
  await driver.demote(ref(['v1', 'v2', 'v3']));
  t.same(runner.commands().filter((c) => c.startsWith('mirror image demote')), ['mirror image demote one/v1', 'mirror image demote one/v3']);
  const e = setup();
  e.runner.on('info one/v1', info('v1')).on('mirror image demote one/v1', { fail: 110, stderr: STDERR.unreachable });
  await t.rejects(e.driver.demote(ref(['v1'])), { code: 'DRCTL_E2301' });
});

// ==================================================================================== resync

t.test('resync only when this site is named as the side to discard, and never of a primary', async (t) => {
  const { runner, driver } = setup({ site: 'site-a' });
  const err = await driver.resync(ref(['v1']), { discardSite: 'site-b' }).catch((e: unknown) => e);
  t.match(err, { code: 'DRCTL_E2326', exitCode: 3, message: /side to discard was named "site-b", not this site/ });
  t.same(runner.commands(), [], 'no rbd command at all');

  runner.on('info one/v1', info('v1', { primary: true }));
  await t.rejects(driver.resync(ref(['v1']), { discardSite: 'site-a' }), { code: 'DRCTL_E2326', message: /it is primary on this site \(fence it first: demote\)/ });
  t.equal(runner.count('mirror image resync'), 0);
});

t.test('resync waits for the re-created image to replay', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('info one/v1', info('v1', { primary: false, id: 'old' }), info('v1', { primary: false, id: 'old' }), { fail: 2, stderr: STDERR.noImage }, info('v1', { primary: false, id: 'new' }))
    .on('mirror image resync one/v1', 'Flagged image for resync from primary\n')
    .on(
      'mirror pool status one',
      poolStatus([{ name: 'v1', state: 'up+error', description: 'split-brain', peerSite: 'site-a', peer: 'up+stopped', peerDescription: 'local image is primary' }]),
      poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(5), peerSite: 'site-a', peer: 'up+stopped', peerDescription: 'local image is primary' }]),
      poolStatus([{ name: 'v1', state: 'down+unknown', description: 'status not found', peerSite: 'site-a', peer: 'up+stopped', peerDescription: 'local image is primary' }]),
      poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(5), peerSite: 'site-a', peer: 'up+stopped', peerDescription: 'local image is primary' }]),
    );
  t.same(await driver.resync(ref(['v1'], { peer: 'site-a' }), { discardSite: 'site-b' }), ['v1']);
  t.equal(runner.count('mirror image resync'), 1);
  t.ok(runner.count('mirror pool status') >= 3, 'stale up+replaying of the old image does not count');
});

t.test('resync: ETIMEDOUT is checked, not trusted (REPORT problem 3)', async (t) => {
  // the flag was not set: retried once
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('info one/v1', info('v1', { primary: false, id: 'old' }), info('v1', { primary: false, id: 'old' }), info('v1', { primary: false, id: 'new' }))
    .on('mirror image resync one/v1', { fail: 110, stderr: STDERR.resyncTimedOut }, 'Flagged image for resync from primary\n')
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(5) }]));
  await driver.resync(ref(['v1']), { discardSite: 'site-b' });
  t.equal(runner.count('mirror image resync'), 2);
  // the flag was set anyway (image already re-created): no second request
  const s = setup({ site: 'site-b' });
  s.runner
    .on('info one/v1', info('v1', { primary: false, id: 'old' }), info('v1', { primary: false, id: 'new' }))
    .on('mirror image resync one/v1', { fail: 110, stderr: STDERR.resyncTimedOut })
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+replaying', description: SNAP_DESC(5) }]));
  await s.driver.resync(ref(['v1']), { discardSite: 'site-b' });
  t.equal(s.runner.count('mirror image resync'), 1);
  // never replays: bounded
  const n = setup({ site: 'site-b' });
  n.runner
    .on('info one/v1', info('v1', { primary: false, id: 'old' }))
    .on('mirror image resync one/v1', '')
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+error', description: 'split-brain' }]));
  await t.rejects(n.driver.resync(ref(['v1']), { discardSite: 'site-b' }), { code: 'DRCTL_E2327', message: /within 300s \(v1: up\+error\)/ });
});

// ==================================================================================== drills

t.test('drill copy of the non-primary image pinned to its latest complete mirror snapshot', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('ls one', '["v1"]')
    .on('info one/v1', info('v1', { primary: false, size: 1234 }))
    .on('snap ls --all one/v1', snapLs([{ id: 3 }, { id: 4 }]))
    .on('cp', '')
    .on('image-meta set', '');
  const out = await driver.cloneForDrill(ref(['v1']), 'op7');
  t.same(out, [{ name: 'v1-drill-op7', source: 'v1', size: 1234 }]);
  t.equal(drillImageName('v1', 'op7'), 'v1-drill-op7');
  t.same(runner.commands().filter((c) => c.startsWith('cp') || c.startsWith('image-meta')), [
    'cp one/v1 one/v1-drill-op7 --image-feature layering,exclusive-lock,object-map,fast-diff --no-progress',
    `image-meta set one/v1-drill-op7 ${DRILL_META.tag} op7`,
    `image-meta set one/v1-drill-op7 ${DRILL_META.group} g1`,
    `image-meta set one/v1-drill-op7 ${DRILL_META.source} v1`,
    `image-meta set one/v1-drill-op7 ${DRILL_META.sourceSnapshot} mirror snapshot 4 (primary snap 4) of Sun Nov 22 01:40:30 2026`,
    `image-meta set one/v1-drill-op7 ${DRILL_META.complete} true`,
  ]);
});

t.test('drill copy waits for an in-flight sync and retries when the snapshot moved during the copy', async (t) => {
  const { runner, driver, clock } = setup({ site: 'site-b' });
  runner
    .on('ls one', '[]')
    .on('info one/v1', info('v1', { primary: false }))
    .on(
      'snap ls --all one/v1',
      snapLs([{ id: 4 }, { id: 5, complete: false }]), // syncing: wait
      snapLs([{ id: 5 }]), // idle, pin 5
      snapLs([{ id: 6 }]), // moved during the copy
      snapLs([{ id: 6 }]), // pin 6
      snapLs([{ id: 6 }]), // unchanged
    )
    .on('cp', '')
    .on('rm one/v1-drill-t', 'Removing image: 100% complete...done.\n')
    .on('image-meta set', '');
  await driver.cloneForDrill(ref(['v1']), 't');
  t.equal(runner.count('cp'), 2);
  t.equal(runner.count('rm'), 1, 'the inconsistent copy was removed');
  t.equal(clock.slept, 0, 'the first check inside the wait already saw it idle');

  const moving = setup({ site: 'site-b' });
  let n = 10;
  moving.runner
    .on('ls one', '[]')
    .on('info one/v1', info('v1', { primary: false }))
    .on('snap ls --all one/v1', () => snapLs([{ id: n++ }]))
    .on('cp', '')
    .on('rm', '');
  await t.rejects(moving.driver.cloneForDrill(ref(['v1']), 't'), { code: 'DRCTL_E2329', message: /changed during 3 drill copies/ });
  t.equal(moving.runner.count('rm'), 3, 'no inconsistent copy left behind');
});

t.test('drill copy: idempotent, refuses the primary, replaces a half-made copy', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('ls one', '["v1","v1-drill-t"]')
    .on('info one/v1', info('v1', { primary: false }))
    .on('image-meta list one/v1-drill-t', JSON.stringify({ [DRILL_META.tag]: 't', [DRILL_META.complete]: 'true' }));
  t.same(await driver.cloneForDrill(ref(['v1']), 't'), [{ name: 'v1-drill-t', source: 'v1', size: 67108864 }]);
  t.equal(runner.count('cp'), 0, 'found, not copied twice');

  const half = setup({ site: 'site-b' });
  half.runner
    .on('ls one', '["v1","v1-drill-t"]')
    .on('info one/v1', info('v1', { primary: false }))
    .on('image-meta list one/v1-drill-t', '')
    .on('rm one/v1-drill-t', '')
    .on('snap ls --all one/v1', snapLs([{ id: 4 }]))
    .on('cp', '')
    .on('image-meta set', '');
  await half.driver.cloneForDrill(ref(['v1']), 't');
  t.same(half.runner.commands().filter((c) => c.startsWith('rm') || c.startsWith('cp ')).map((c) => c.split(' ')[0]), ['rm', 'cp']);

  const prim = setup();
  prim.runner.on('ls one', '["v1"]').on('info one/v1', info('v1', { primary: true }));
  await t.rejects(prim.driver.cloneForDrill(ref(['v1']), 't'), { code: 'DRCTL_E2331', message: /primary here \(drills run on the standby site\)/ });
  await t.rejects(prim.driver.cloneForDrill(ref(['v1']), 'bad tag;rm'), { code: 'DRCTL_E2333' });

  const journal = setup({ site: 'site-b' });
  journal.runner
    .on('ls one', '[]')
    .on('info one/j1', info('j1', { primary: false, mode: 'journal' }))
    .on('mirror image status one/j1', sample('journal-01-before-site-b.json'))
    .on('cp', '')
    .on('image-meta set', '');
  await journal.driver.cloneForDrill(ref(['j1']), 't');
  t.ok(journal.runner.commands().some((c) => c.includes(`${DRILL_META.sourceSnapshot} journal position 1/3/3`)), 'journal mode pins the replay position');
});

t.test('removeDrillClones removes exactly the copies carrying the tag', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('ls one', '["v1","v1-drill-t1","v1-drill-t2","users-drill-t1","v2-drill-t1","other-drill-t1"]', '["v1","v1-drill-t2","users-drill-t1","other-drill-t1"]')
    .on('image-meta list one/v1-drill-t1', JSON.stringify({ [DRILL_META.tag]: 't1', [DRILL_META.group]: 'g1' }))
    .on('image-meta list one/other-drill-t1', JSON.stringify({ [DRILL_META.tag]: 't1', [DRILL_META.group]: 'g2' }))
    .on('image-meta list one/users-drill-t1', '{"owner":"someone"}')
    .on('image-meta list one/v2-drill-t1', '')
    .on('rm', '');
  t.same(await driver.removeDrillClones(ref(['v1', 'v2']), 't1'), ['v1-drill-t1', 'v2-drill-t1'], 'a half-made copy of a group image counts; a stranger and another group\'s copy with the same tag do not');
  t.same(runner.commands().filter((c) => c.startsWith('rm')), ['rm one/v1-drill-t1 --no-progress', 'rm one/v2-drill-t1 --no-progress']);

  const busy = setup({ site: 'site-b' });
  busy.runner.on('ls one', '["v1-drill-t1"]').on('image-meta list', JSON.stringify({ [DRILL_META.tag]: 't1' })).on('rm', { fail: 16, stderr: STDERR.watchers });
  await t.rejects(busy.driver.removeDrillClones(ref(['v1']), 't1'), { code: 'DRCTL_E2330', message: /still in use \(watchers\)/ });

  const stays = setup({ site: 'site-b' });
  stays.runner.on('ls one', '["v1-drill-t1"]').on('image-meta list', JSON.stringify({ [DRILL_META.tag]: 't1' })).on('rm', '');
  await t.rejects(stays.driver.removeDrillClones(ref(['v1']), 't1'), { code: 'DRCTL_E2330', message: /still present after removal: v1-drill-t1/ });
});

// ==================================================================================== reverse

t.test('reverseReplication verifies the peer replays (two-way rbd-mirror)', async (t) => {
  const { runner, driver } = setup({ site: 'site-b' });
  runner
    .on('mirror pool info one', sample('pool-info-site-b.json'))
    .on(
      'mirror pool status one',
      poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary', peerSite: 'site-a', peer: 'up+unknown', peerDescription: 'remote image is not primary' }]),
      poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary', peerSite: 'site-a', peer: 'up+replaying', peerDescription: SNAP_DESC(9) }]),
    );
  await driver.reverseReplication(ref(['v1'], { peer: 'site-a' }));
  t.equal(runner.count('mirror pool status'), 2);
  t.equal(runner.count('mirror image'), 0, 'nothing changed');

  const sb = setup({ site: 'site-b' });
  sb.runner
    .on('mirror pool info one', sample('pool-info-site-b.json'))
    .on('mirror pool status one', poolStatus([{ name: 'v1', state: 'up+stopped', description: 'local image is primary', peerSite: 'site-a', peer: 'up+error', peerDescription: 'split-brain' }]));
  await t.rejects(sb.driver.reverseReplication(ref(['v1'], { peer: 'site-a' })), {
    code: 'DRCTL_E2328',
    message: /v1: here primary, peer up\+error/,
    hint: /split-brain on the peer needs fencing and an explicit resync/,
  });
});

t.test('arrayName is the cluster mirroring site name', async (t) => {
  const { runner, driver } = setup();
  runner.on('mirror pool info one', sample('pool-info-site-a.json'));
  t.equal(await driver.arrayName(), 'site-a');
  t.equal(await driver.arrayName(), 'site-a');
  t.equal(runner.count('mirror pool info'), 1, 'cached');
});
