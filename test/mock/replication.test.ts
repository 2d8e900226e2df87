/**
 * The replication clock as the array APIs show it: async protection groups (scheduled and on-demand
 * snapshots, transfer progress, lag, replication-down), sync pods (promotion, replica links), copies
 * on the target becoming manageable, and Ceph RBD mirroring through the rbd emulator.
 */
import t from 'tap';
import { addFault, clearFaults } from '../../src/mock/faults.js';
import { runRbd } from '../../src/mock/ceph.js';
import { manageableObjects } from '../../src/mock/backing.js';
import { manageVolume, volumeStatus } from '../../src/mock/cinder.js';
import { fakeClock, newWorld, pureCaller, serve, specWith, CINDER } from './helpers.js';

const items = (r: { body: any }) => r.body.items as any[];

t.test('async: scheduled snapshots replicate after transferSeconds; lag grows with time', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const a = await pureCaller(s, 'site-a');
  const b = await pureCaller(s, 'site-b');
  const pgs = items(await b('GET', '/protection-groups'));
  t.match(pgs, [{ name: 'fa-a:pg-app', is_local: false, source: { name: 'fa-a' } }], 'the target sees <src>:<pg>');
  const done = items(await b('GET', `/protection-group-snapshots/transfer?names=fa-a:pg-app&filter=progress='1.0'&sort=started-`));
  t.equal(done.length, 1, 'init leaves one completed replicated snapshot (replication current)');
  t.match(done[0], { name: 'fa-a:pg-app.1', progress: 1 });
  const vsnaps = items(await b('GET', `/volume-snapshots?filter=name='fa-a:pg-app.1.*'`));
  t.equal(vsnaps.length, 4, 'one volume snapshot per member volume');
  t.match(vsnaps[0].name, /^fa-a:pg-app\.1\.volume-[0-9a-f-]+-cinder$/);

  // pg-app.1 was taken 3s before init's now; pg-app.2 comes 300s after it: 1s into its transfer here
  s.clock.tick(300_000 - 3_000 + 1_000);
  let tr = items(await a('GET', '/protection-group-snapshots/transfer?source_names=pg-app'));
  t.match(tr.map((x) => x.name), ['pg-app.1', 'pg-app.2']);
  t.equal(tr[1].completed, null, 'the new one is transferring');
  t.equal(tr[1].progress, 0.5, 'half of transferSeconds elapsed');
  s.clock.tick(1_000);
  tr = items(await a('GET', '/protection-group-snapshots/transfer?source_names=pg-app'));
  t.equal(tr[1].progress, 1);
  t.equal(typeof tr[1].completed, 'number');

  // replicate_now: an on-demand snapshot transfers the same way
  const made = await a('POST', '/protection-group-snapshots?source_names=pg-app&replicate_now=true', { suffix: 'final-sync' });
  t.equal(made.status, 200);
  t.match(items(made), [{ name: 'pg-app.final-sync', suffix: 'final-sync' }]);
  const onB = () => b('GET', '/protection-group-snapshots/transfer?names=fa-a:pg-app.final-sync');
  t.match(items(await onB()), [{ progress: 0, completed: null }]);
  s.clock.tick(2_000);
  t.match(items(await onB()), [{ progress: 1 }]);
});

t.test('async: replication-down stops transfers; lag grows until cleared', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const b = await pureCaller(s, 'site-b');
  const lastDone = async () => items(await b('GET', `/protection-group-snapshots/transfer?names=fa-a:pg-app&filter=progress='1.0'&sort=started-`))[0];
  const before = await lastDone();
  addFault(s.handle.world, { site: 'site-a', kind: 'replication-down' });
  await s.handle.world.commit();
  s.clock.tick(3 * 300_000);
  const during = await lastDone();
  t.equal(during.name, before.name, 'nothing new replicated while down');
  const date = Date.parse((await b('GET', '/arrays')).headers.date);
  t.ok(date - during.started >= 3 * 300_000, 'lag (array Date - last replicated) grew past 3 intervals');
  clearFaults(s.handle.world);
  await s.handle.world.commit();
  s.clock.tick(300_000);
  const after = await lastDone();
  t.not(after.name, before.name, 'transfers resume after the fault is cleared');
});

t.test('async failover data path: copy on the target, then manage it into Cinder', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const b = await pureCaller(s, 'site-b');
  const snap = items(await b('GET', `/volume-snapshots?filter=name='fa-a:pg-app.1.*'`))[0];
  const volName = snap.name.split('.').slice(2).join('.');
  const copy = await b('POST', `/volumes?names=${volName}&overwrite=true`, { source: { name: snap.name } });
  t.equal(copy.status, 200);
  t.match(items(copy), [{ name: volName, source: { name: `fa-a:${volName}` } }]);
  const again = await b('POST', `/volumes?names=${volName}`, { source: { name: snap.name } });
  t.match(again, { status: 400, body: { errors: [{ context: volName, message: 'Volume already exists.' }] } }, 'without overwrite: errors[]');
  const site = s.handle.world.site('site-b');
  const pid = site.keystone.project.id;
  const host = encodeURIComponent(site.cinder.host);
  const list = await s.call('site-b', 'GET', `/volume/v3/${pid}/manageable_volumes?host=${host}`, { admin: true, headers: CINDER });
  t.match(list.body['manageable-volumes'], [{ reference: { name: volName }, safe_to_manage: true }], 'the copy is manageable on B (the Pure driver lists {name})');
  const managed = await s.call('site-b', 'POST', `/volume/v3/${pid}/manageable_volumes`, {
    admin: true,
    headers: CINDER,
    body: { volume: { host: site.cinder.host, ref: { name: volName }, name: 'db-boot', volume_type: 'replicated-ssd', bootable: true } },
  });
  t.equal(managed.status, 202);
  t.match(managed.body.volume, { status: 'creating', size: 0 });
  const shown = await s.call('site-b', 'GET', `/volume/v3/${pid}/volumes/${managed.body.volume.id}`, { headers: CINDER });
  t.match(shown.body.volume, { status: 'available', size: 10, bootable: 'true', volume_type: 'replicated-ssd' });
  t.match(items(await b('GET', `/volumes?names=volume-${managed.body.volume.id}-cinder`)), [{ name: `volume-${managed.body.volume.id}-cinder` }], 'renamed on the array');
});

t.test('sync: a linked pod mirrors at once; promotion state and replica links', async (t) => {
  const s = await serve(specWith({ sync: true }));
  t.teardown(() => s.handle.close());
  const a = await pureCaller(s, 'site-a');
  const b = await pureCaller(s, 'site-b');
  t.match(items(await a('GET', '/pods?names=pod-app')), [{ promotion_status: 'promoted', array_count: 2, link_target_count: 1 }]);
  t.match(items(await b('GET', '/pods?names=pod-app')), [{ promotion_status: 'demoted', link_source_count: 1 }]);
  const volsA = items(await a('GET', `/volumes?filter=pod.name='pod-app'`)).map((v) => v.name).sort();
  const volsB = items(await b('GET', `/volumes?filter=pod.name='pod-app'`)).map((v) => v.name).sort();
  t.equal(volsA.length, 4);
  t.same(volsB, volsA, 'every pod volume is on both arrays');
  t.match(items(await a('GET', '/pod-replica-links?local_pod_names=pod-app')), [{ direction: 'outbound', lag: 0, status: 'replicating' }]);
  t.match(items(await b('GET', '/pod-replica-links/lag')), [{ direction: 'inbound', lag: { avg: 0, max: 0 } }]);
  // planned: demote A then promote B; the link turns around
  t.equal((await a('PATCH', '/pods?names=pod-app&quiesce=true', { requested_promotion_state: 'demoted' })).status, 200);
  t.match(items(await b('GET', '/pod-replica-links')), [{ status: 'idle' }], 'both demoted: idle');
  await b('PATCH', '/pods?names=pod-app', { requested_promotion_state: 'promoted' });
  t.match(items(await b('GET', '/pod-replica-links')), [{ direction: 'outbound', status: 'replicating', lag: 0 }]);
  // both promoted: paused, lag grows
  await a('PATCH', '/pods?names=pod-app', { requested_promotion_state: 'promoted' });
  s.clock.tick(60_000);
  t.match(items(await a('GET', '/pod-replica-links')), [{ status: 'paused', lag: 60_000 }]);
  // replication-down: unhealthy, lag from the outage, recovery point frozen
  await a('PATCH', '/pods?names=pod-app', { requested_promotion_state: 'demoted' });
  addFault(s.handle.world, { site: 'site-b', kind: 'replication-down' });
  await s.handle.world.commit();
  const down = s.clock.now();
  s.clock.tick(30_000);
  t.match(items(await b('GET', '/pod-replica-links')), [{ status: 'unhealthy', lag: 30_000, recovery_point: down }]);
  t.match(items(await b('GET', '/pods'))[0].arrays[1], { name: 'fa-a', status: 'offline' });
});

t.test('pure: continuation-token pagination, filters and errors[]', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const a = await pureCaller(s, 'site-a');
  const p1 = await a('GET', '/volumes?limit=3');
  t.equal(items(p1).length, 3);
  t.equal(p1.body.more_items_remaining, true);
  t.ok(p1.body.continuation_token);
  t.equal(p1.headers['x-next-token'], p1.body.continuation_token);
  const p2 = await a('GET', `/volumes?limit=3&continuation_token=${p1.body.continuation_token}`);
  t.equal(items(p2).length, 1);
  t.equal(p2.body.continuation_token, null);
  t.equal(p2.body.more_items_remaining, false);
  t.equal(new Set([...items(p1), ...items(p2)].map((v) => v.name)).size, 4);
  t.match(await a('GET', '/volumes?names=nope'), { status: 400, body: { errors: [{ context: 'nope', message: /does not exist/ }] } });
  t.match(await a('GET', '/protection-groups?names=nope'), { status: 400 });
  const noauth = await fetch(`${s.handle.sites['site-a']!.storage.driver === 'pure' ? (s.handle.sites['site-a']!.storage as { endpoint: string }).endpoint : ''}/api/2.21/volumes`);
  t.equal(noauth.status, 401);
  t.match(await noauth.json(), { errors: [{ message: /session/ }] });
  const badLogin = await fetch(`${(s.handle.sites['site-a']!.storage as { endpoint: string }).endpoint}/api/2.21/login`, { method: 'POST', headers: { 'api-token': 'wrong' } });
  t.equal(badLogin.status, 401);
});

t.test('ceph: rbd mirror status shapes, planned failover, force-promote and split-brain, resync', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith({ ceph: true }), { realNow: clock.now });
  const rbd = (site: string, ...args: string[]) => runRbd(world, site, [...args, '--format', 'json']);
  const names = JSON.parse(rbd('site-a', 'ls', 'volumes').stdout) as string[];
  t.equal(names.length, 4);
  const img = `volumes/${names[0]}`;
  const status = (site: string) => JSON.parse(rbd(site, 'mirror', 'image', 'status', img).stdout);
  t.match(status('site-a'), { state: 'up+stopped', description: 'local image is primary', peer_sites: [{ site_name: 'site-b', state: 'up+replaying' }] });
  t.match(status('site-b'), { state: 'up+replaying', description: /^replaying, \{/ });
  t.ok(typeof status('site-a').peer_sites[0].mirror_uuids === 'string', 'peer key mirror_uuids (Pacific)');
  const desc = JSON.parse(status('site-b').description.replace(/^replaying, /, ''));
  t.match(desc, { local_snapshot_timestamp: Number, remote_snapshot_timestamp: Number, replay_state: String }, 'snapshot-mode replay description');
  t.match(JSON.parse(rbd('site-a', 'info', img).stdout), { mirroring: { mode: 'snapshot', state: 'enabled', primary: true } });
  t.match(JSON.parse(rbd('site-b', 'mirror', 'pool', 'info', 'volumes').stdout), { mode: 'image', site_name: 'site-b', peers: [{ site_name: 'site-a', direction: 'rx-tx' }] });

  // promote B without demoting A: EBUSY
  const busy = runRbd(world, 'site-b', ['mirror', 'image', 'promote', img]);
  t.equal(busy.code, 16);
  t.match(busy.stderr, /Device or resource busy/);
  // planned: demote A, promote B
  t.same(runRbd(world, 'site-a', ['mirror', 'image', 'demote', img]), { code: 0, stdout: 'Image demoted to non-primary\n', stderr: '' });
  t.match(status('site-a'), { state: 'up+unknown' });
  t.match(status('site-b'), { state: 'up+unknown' });
  t.equal(runRbd(world, 'site-b', ['mirror', 'image', 'promote', img]).stdout, 'Image promoted to primary\n');
  t.match(status('site-b'), { state: 'up+stopped' });
  t.match(status('site-a'), { state: 'up+replaying' });
  // unplanned: B goes down, A force-promoted, B comes back both primary, demoted → split-brain
  addFault(world, { site: 'site-b', kind: 'unreachable' });
  const down = runRbd(world, 'site-b', ['mirror', 'image', 'status', img]);
  t.equal(down.code, 110);
  t.match(down.stderr, /couldn't connect to the cluster/);
  t.match(status('site-a').peer_sites[0], { state: 'down+stopped' });
  t.equal(runRbd(world, 'site-a', ['mirror', 'image', 'promote', img]).code, 16, 'still needs --force');
  t.equal(runRbd(world, 'site-a', ['mirror', 'image', 'promote', '--force', img]).code, 0);
  clearFaults(world);
  t.match(status('site-a'), { state: 'up+stopped' });
  t.match(status('site-b'), { state: 'up+stopped' }, 'both primary');
  const pool = JSON.parse(rbd('site-b', 'mirror', 'pool', 'status', 'volumes', '--verbose').stdout);
  t.match(pool, { summary: { health: String }, daemons: [{ health: 'OK' }], images: Array });
  runRbd(world, 'site-b', ['mirror', 'image', 'demote', img]);
  t.match(status('site-b'), { state: 'up+error', description: 'split-brain' });
  t.match(JSON.parse(rbd('site-b', 'mirror', 'pool', 'status', 'volumes').stdout), { summary: { image_health: 'ERROR' } });
  const before = JSON.parse(rbd('site-b', 'info', img).stdout).id;
  t.equal(runRbd(world, 'site-b', ['mirror', 'image', 'resync', img]).stdout, 'Flagged image for resync from primary\n');
  t.not(JSON.parse(rbd('site-b', 'info', img).stdout).id, before, 'resync re-creates the image (new id)');
  t.match(status('site-b'), { state: 'up+replaying' });
  t.equal(runRbd(world, 'site-a', ['mirror', 'image', 'resync', img]).code, 22, 'cannot resync a primary');
  t.equal(runRbd(world, 'site-a', ['mirror', 'image', 'status', 'volumes/nope']).code, 2);
  t.match(runRbd(world, 'site-a', ['mirror', 'image', 'snapshot', img]).stdout, /^Snapshot ID: \d+\n$/);
});

t.test('ceph: replication-down freezes the non-primary; journal mode counts entries behind', async (t) => {
  const clock = fakeClock();
  const spec = specWith({ ceph: true, sync: false });
  spec.groups.app!.replication.mirrorMode = 'journal';
  const { world } = await newWorld(spec, { realNow: clock.now });
  const img = `volumes/${(JSON.parse(runRbd(world, 'site-a', ['ls', 'volumes', '--format', 'json']).stdout) as string[])[0]}`;
  const behind = () => JSON.parse(JSON.parse(runRbd(world, 'site-b', ['mirror', 'image', 'status', img, '--format', 'json']).stdout).description.replace(/^replaying, /, '')).entries_behind_primary;
  t.equal(behind(), 0);
  addFault(world, { site: 'site-a', kind: 'replication-down' });
  clock.tick(42_000);
  t.equal(behind(), 42);
  clearFaults(world);
  t.equal(behind(), 0);
});

t.test('ceph: the rest of the rbd surface the Ceph driver uses (ls -l, snap ls, image-meta, schedules, cp, rm)', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith({ ceph: true }), { realNow: clock.now });
  const j = (site: string, ...args: string[]) => {
    const r = runRbd(world, site, [...args, '--format', 'json']);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout ? JSON.parse(r.stdout) : undefined;
  };
  const long = j('site-b', 'ls', '-l', 'volumes') as { image: string; id: string; size: number; format: number }[];
  t.equal(long.length, 4);
  t.match(long[0], { image: /^volume-/, id: String, size: Number, format: 2 });
  t.same([...new Set(long.map((x) => x.size / 1024 ** 3))].sort((x, y) => x - y), [10, 50], 'boot (10G) and data (50G) images');
  const img = `volumes/${long[0]!.image}`;
  const snapsA = j('site-a', 'snap', 'ls', '--all', img) as any[];
  t.ok(snapsA.length >= 1);
  t.match(snapsA.at(-1), { name: /^\.mirror\.primary\./, protected: 'false', timestamp: /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, namespace: { type: 'mirror', state: 'primary' } });
  const snapsB = j('site-b', 'snap', 'ls', '--all', img) as any[];
  t.match(snapsB.at(-1), { name: /^\.mirror\.non_primary\./, namespace: { type: 'mirror', state: 'non-primary', complete: true } });
  t.equal(runRbd(world, 'site-a', ['image-meta', 'list', img, '--format', 'json']).stdout, '', 'no metadata prints nothing');
  t.equal(runRbd(world, 'site-a', ['image-meta', 'set', img, 'drctl.group', 'app']).code, 0);
  t.same(j('site-a', 'image-meta', 'list', img), { 'drctl.group': 'app' });
  t.equal(runRbd(world, 'site-a', ['mirror', 'snapshot', 'schedule', 'add', '--pool', 'volumes', '--image', long[0]!.image, '5m']).code, 0);
  t.same(j('site-a', 'mirror', 'snapshot', 'schedule', 'ls', '--pool', 'volumes', '--image', long[0]!.image), [{ interval: '5m', start_time: '' }]);
  t.match(j('site-a', 'mirror', 'snapshot', 'schedule', 'ls', '--pool', 'volumes', '--recursive'), [{ pool: 'volumes', image: long[0]!.image, items: [{ interval: '5m' }] }]);
  t.equal(runRbd(world, 'site-b', ['cp', img, `${img}-drill-d1`, '--image-feature', 'layering,exclusive-lock', '--no-progress']).code, 0, 'copy from the non-primary image');
  t.match(j('site-b', 'info', `${img}-drill-d1`), { features: ['layering', 'exclusive-lock'] });
  t.notOk(j('site-b', 'info', `${img}-drill-d1`).mirroring, 'a drill copy is not mirrored');
  t.equal(runRbd(world, 'site-b', ['cp', img, `${img}-drill-d1`]).code, 17, 'copy onto an existing image: EEXIST');
  t.equal(runRbd(world, 'site-b', ['rm', `${img}-drill-d1`, '--no-progress']).code, 0);
  t.equal(runRbd(world, 'site-b', ['info', `${img}-drill-d1`]).code, 2);
});

t.test('ceph: the CommandRunner adapter routes by --cluster and persists mutations', async (t) => {
  const clock = fakeClock();
  const { world, file } = await newWorld(specWith({ ceph: true }), { realNow: clock.now });
  const { createRbdCommandRunner } = await import('../../src/mock/ceph.js');
  const { MockWorld } = await import('../../src/mock/world.js');
  const runner = createRbdCommandRunner(world);
  const ls = await runner.run('rbd', ['--cluster', 'site-b', '--id', 'cinder', '--client-mount-timeout=15', 'ls', 'volumes', '--format', 'json']);
  t.equal(JSON.parse(ls.stdout).length, 4);
  const img = `volumes/${JSON.parse(ls.stdout)[0]}`;
  t.equal((await runner.run('rbd', ['--cluster', 'site-a', 'mirror', 'image', 'demote', img])).code, 0);
  const other = await MockWorld.open(file, { realNow: clock.now });
  const status = JSON.parse(runRbd(other, 'site-a', ['mirror', 'image', 'status', img, '--format', 'json']).stdout);
  t.equal(status.state, 'up+unknown', 'the demote reached the world file');
  t.match(await runner.run('rbd', ['--cluster', 'nowhere', 'ls']), { code: 1, stderr: /no ceph cluster for --cluster nowhere/ });
});

t.test("ceph: Cinder's manage renames the image (volume-<new id>); the rename reaches the peer — journal at once, snapshot with the next mirror snapshot", async (t) => {
  const cases: Array<[string, boolean]> = [
    ['journal', true],
    ['snapshot', false],
  ];
  for (const [mode, sync] of cases) {
    const clock = fakeClock();
    const { world } = await newWorld(specWith({ ceph: true, sync }), { realNow: clock.now });
    const rbd = (site: string, ...args: string[]) => runRbd(world, site, [...args, '--format', 'json']);
    const info = (site: string, name: string) => JSON.parse(rbd(site, 'info', `volumes/${name}`).stdout || 'null');
    const a = world.site('site-a');
    const old = (JSON.parse(rbd('site-a', 'ls', 'volumes').stdout) as string[])[0]!;
    const gid = info('site-a', old).mirroring.global_id as string;
    t.equal(info('site-a', old).mirroring.mode, mode, `${mode}: mirrored in ${mode} mode`);
    // planned move to B: demote A, promote B, manage on B (renames B's primary)
    runRbd(world, 'site-a', ['mirror', 'image', 'demote', `volumes/${old}`]);
    t.equal(runRbd(world, 'site-b', ['mirror', 'image', 'promote', `volumes/${old}`]).code, 0);
    const b = world.site('site-b');
    const type = [...world.index('site-b').typeByName.values()].find((x) => x.extraSpecs.replication_enabled === '<is> True')!;
    const listed = manageableObjects(world, b).find((m) => m.name === old)!;
    t.same([listed.reference, listed.safe], [{ 'source-name': old }, true], `${mode}: the RBD driver lists {'source-name'}, safe once promoted`);
    const v = manageVolume(world, b, { ref: listed.reference, name: 'imported', type, bootable: true, metadata: {} });
    t.equal(volumeStatus(world, v), 'available');
    const renamed = `volume-${v.id}`;
    t.equal(info('site-b', renamed).mirroring.global_id, gid, `${mode}: B's image renamed to ${renamed}, same global id`);
    t.equal(rbd('site-b', 'info', `volumes/${old}`).code, 2, `${mode}: the old name is gone on B`);
    if (mode === 'journal') {
      t.equal(info('site-a', renamed)?.mirroring.global_id, gid, 'journal: the rename is replayed on A at once');
    } else {
      t.equal(info('site-a', old)?.mirroring.global_id, gid, 'snapshot: A keeps the old name until a mirror snapshot arrives');
      t.match(runRbd(world, 'site-b', ['mirror', 'image', 'snapshot', `volumes/${renamed}`]).stdout, /^Snapshot ID: \d+/);
      t.equal(info('site-a', old)?.mirroring.global_id, gid, 'snapshot: not before the snapshot has transferred');
      clock.tick(world.settings.transferSeconds * 1000);
      t.equal(info('site-a', renamed)?.mirroring.global_id, gid, 'snapshot: renamed on A once the snapshot arrived');
      t.equal(rbd('site-a', 'info', `volumes/${old}`).code, 2);
    }
    // A's Cinder record still names the old image (the stack lab's quirk 2): it points nowhere now
    const stale = Object.values(a.cinder.volumes).find((x) => x.backing?.image === old);
    t.ok(stale, `${mode}: A's Cinder record keeps the old name`);
    t.notOk(manageableObjects(world, a).some((m) => m.name === old), `${mode}: no image of that name on A any more`);
  }
});
