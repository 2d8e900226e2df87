import { statSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { bootServer, deleteServer, serverState, startServer, stopServer } from '../../src/mock/nova.js';
import { createGroupRec, createVolume, manageVolume, updateGroupVolumes, volumeStatus } from '../../src/mock/cinder.js';
import { manageableObjects, manageBacking, pureVolumeName, unmanageBacking } from '../../src/mock/backing.js';
import { addFault } from '../../src/mock/faults.js';
import { initWorld } from '../../src/mock/init.js';
import { arrayOf, createArrayVolume, volumeByName } from '../../src/mock/pure.js';
import { MockWorld } from '../../src/mock/world.js';
import { TAG } from '../../src/discovery/types.js';
import { fakeClock, newWorld, specWith, tempWorldPath } from './helpers.js';

t.test('init builds a world consistent with the spec', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith({ members: 3 }), { realNow: clock.now });
  const a = world.site('site-a');
  const b = world.site('site-b');
  const servers = Object.values(a.nova.servers);
  t.equal(servers.length, 3, 'every member runs on the primary site');
  t.equal(Object.keys(b.nova.servers).length, 0, 'nothing runs on the secondary');
  t.ok(servers.every((s) => serverState(world, s).status === 'ACTIVE'), 'all ACTIVE');
  const db = servers.find((s) => s.name === 'db-server-1')!;
  t.same(db.metadata, { [TAG.group]: 'app', [TAG.member]: 'db-server-1', [TAG.role]: 'production', [TAG.tier]: '1' });
  t.equal(db.volumes.length, 2, 'tier 1: boot + data volume');
  const web = servers.find((s) => s.name === 'web-server-1')!;
  t.equal(web.volumes.length, 1, 'tier 2: boot volume only');
  const boot = a.cinder.volumes[db.volumes[0]!.volumeId]!;
  t.equal(boot.bootable, true);
  t.equal(a.cinder.types[boot.typeId]!.name, 'replicated-ssd');
  t.equal(a.cinder.types[boot.typeId]!.extraSpecs.replication_enabled, '<is> True');
  t.equal(volumeStatus(world, boot), 'in-use');
  t.same(boot.metadata[TAG.group], 'app', 'volumes are tagged too');
  t.equal(Object.keys(world.site('site-a').neutron.ports).length, 3, 'one port per server');
  const netNames = (s: typeof a) => Object.values(s.neutron.networks).map((n) => n.name).sort();
  t.same(netNames(a), ['net-primary-db', 'net-primary-web']);
  t.same(netNames(b), ['net-drill-db', 'net-drill-web', 'net-secondary-db', 'net-secondary-web']);
  t.equal(a.neutron.ports[db.portIds[0]!]!.networkId, world.index('site-a').networkByName.get('net-primary-db')!.id, 'db server on the db network');
  t.ok(world.index('site-a').flavorByName.has('m1.large'));
  t.ok(world.index('site-b').flavorByName.has('m2.large'));
  t.ok(world.index('site-b').typeByName.has('replicated-ssd'), 'the replicated type exists on both sites');
  const cg = Object.values(a.cinder.groups)[0]!;
  t.equal(cg.name, 'drctl-app');
  t.equal(world.index('site-a').volumesByGroup.get(cg.id)!.length, 4, 'the consistency group holds every member volume');
  const pg = arrayOf(a)!.protectionGroups['pg-app']!;
  t.same(pg.targets, [{ name: 'fa-b', allowed: true }]);
  t.equal(pg.volumeIds.length, 4);
  t.ok(pg.replication.enabled);
  t.equal(arrayOf(a)!.volumes[boot.backing!.arrayVolumeId!]!.name, pureVolumeName(boot.id), 'array volume named volume-<id>-cinder');
});

t.test('init refuses to overwrite a world without force', async (t) => {
  const file = tempWorldPath();
  await initWorld(file, specWith());
  await t.rejects(initWorld(file, specWith()), { code: 'DRCTL_E5002' });
  await t.resolves(initWorld(file, specWith(), { force: true }));
});

t.test('open: missing and corrupt files are clear errors', async (t) => {
  const file = tempWorldPath();
  await t.rejects(MockWorld.open(file), { code: 'DRCTL_E5001' });
  writeFileSync(file, '{"hello": 1}');
  await t.rejects(MockWorld.open(file), { code: 'DRCTL_E5003' });
  writeFileSync(file, 'not json');
  await t.rejects(MockWorld.open(file), { code: 'DRCTL_E5003' });
});

t.test('persistence: writes only on mutation; another process writing is seen', async (t) => {
  const { world, file } = await newWorld();
  const before = statSync(file);
  world.index('site-a');
  await world.commit();
  t.equal(statSync(file).mtimeMs, before.mtimeMs, 'no write without a change');
  t.equal(statSync(file).ino, before.ino);
  const other = await MockWorld.open(file);
  addFault(other, { site: 'site-b', kind: 'latency', ms: 10 });
  await other.commit();
  t.equal(world.data.faults.length, 0);
  t.equal(await world.refresh(), true, 'reloads after another writer');
  t.equal(world.data.faults.length, 1);
  t.equal(await world.refresh(), false, 'no reload when unchanged');
  const again = await MockWorld.open(file);
  t.same(again.data.faults.map((f) => f.kind), ['latency'], 'the world survives a restart');
});

t.test('clock: simulated now is real now plus the offset; advance grows it', async (t) => {
  const clock = fakeClock();
  const { world, file } = await newWorld(specWith(), { realNow: clock.now });
  t.equal(world.now(), clock.now());
  world.advance(300_000);
  await world.commit();
  t.equal(world.now(), clock.now() + 300_000);
  const reopened = await MockWorld.open(file, { realNow: clock.now });
  t.equal(reopened.now(), clock.now() + 300_000, 'the offset is persisted');
});

function bootOne(world: MockWorld) {
  const site = world.site('site-a');
  const type = world.index('site-a').typeByName.get('replicated-ssd')!;
  const vol = createVolume(world, site, { name: 'v', size: 1, type, bootable: true, ready: true });
  const s = bootServer(world, site, {
    name: 'x',
    flavor: world.index('site-a').flavorByName.get('m1.small')!,
    networks: [world.index('site-a').networkByName.get('net-primary-web')!],
    securityGroups: ['default'],
    keyName: null,
    metadata: {},
    volumes: [{ volumeId: vol.id, deleteOnTermination: false, bootIndex: 0 }],
  });
  return { s, vol, site };
}

t.test('servers: BUILD until bootSeconds, then ACTIVE; stop/start state machine', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith(), { realNow: clock.now });
  const { s, vol, site } = bootOne(world);
  t.match(serverState(world, s), { status: 'BUILD', vmState: 'building' });
  t.equal(volumeStatus(world, vol), 'in-use', 'the boot volume is attached');
  t.throws(() => stopServer(world, s), { status: 409, message: `Cannot 'stop' instance ${s.id} while it is in vm_state building` });
  clock.tick(999);
  t.equal(serverState(world, s).status, 'BUILD');
  clock.tick(1);
  t.match(serverState(world, s), { status: 'ACTIVE', taskState: null, powerState: 1 });
  t.throws(() => startServer(world, s), { status: 409, message: /while it is in vm_state active/ });
  stopServer(world, s);
  t.match(serverState(world, s), { status: 'ACTIVE', taskState: 'powering-off' }, 'stopping takes stopSeconds');
  t.throws(() => stopServer(world, s), { status: 409, message: /task_state powering-off/ });
  clock.tick(500);
  t.match(serverState(world, s), { status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
  t.throws(() => stopServer(world, s), { status: 409, message: /vm_state stopped/ });
  startServer(world, s);
  t.match(serverState(world, s), { status: 'SHUTOFF', taskState: 'powering-on' });
  clock.tick(500);
  t.equal(serverState(world, s).status, 'ACTIVE');
  deleteServer(world, site, s);
  t.notOk(site.nova.servers[s.id]);
  t.equal(volumeStatus(world, vol), 'available', 'delete detaches the volume');
  t.equal(world.index('site-a').portsByDevice.get(s.id), undefined, 'and deletes its port');
});

t.test('groups: add/remove volumes with Cinder validation', async (t) => {
  const { world } = await newWorld();
  const site = world.site('site-a');
  const ix = () => world.index('site-a');
  const rep = ix().typeByName.get('replicated-ssd')!;
  const other = ix().typeByName.get('__DEFAULT__')!;
  const gt = Object.values(site.cinder.groupTypes)[0]!;
  const g = createGroupRec(world, site, { name: 'g', description: null, groupTypeId: gt.id, volumeTypeIds: [rep.id] });
  const ok = createVolume(world, site, { name: 'ok', size: 1, type: rep, ready: true });
  const wrongType = createVolume(world, site, { name: 'wt', size: 1, type: other, ready: true });
  const creating = createVolume(world, site, { name: 'c', size: 1, type: rep });
  creating.readyAt = world.now() + 60_000;
  const inOther = Object.values(site.cinder.volumes).find((v) => v.groupId)!;
  const cases: [string, { add?: string[]; remove?: string[] }, RegExp | null][] = [
    ['missing volume', { add: ['nope'] }, /Cannot add volume nope to group .* because volume cannot be found\./],
    ['volume type not in the group', { add: [wrongType.id] }, /because volume type .* is not supported by the group\./],
    ['volume in another group', { add: [inOther.id] }, /because it is already in group /],
    ['volume in an invalid state', { add: [creating.id] }, /invalid state: creating\. Valid states are: \('available', 'in-use'\)\./],
    ['remove a volume not in the group', { remove: [ok.id] }, /Cannot remove volume .* because it is not in the group\./],
    ['add a good volume', { add: [ok.id] }, null],
    ['add it again (no-op, as Cinder)', { add: [ok.id] }, null],
    ['remove it', { remove: [ok.id] }, null],
  ];
  for (const [name, change, err] of cases) {
    const run = () => updateGroupVolumes(world, site, g, { add: change.add ?? [], remove: change.remove ?? [] });
    if (err) t.throws(run, { status: 400, message: err }, name);
    else t.doesNotThrow(run, name);
  }
  t.equal(ok.groupId, null);
  g.status = 'updating';
  t.throws(() => updateGroupVolumes(world, site, g, { add: [ok.id], remove: [] }), { message: /Group status must be available, but current status is: updating/ });
});

t.test('manage / unmanage on a Pure site: rename to the Cinder name, manageable list', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith(), { realNow: clock.now });
  const site = world.site('site-b');
  const a = arrayOf(site)!;
  const type = world.index('site-b').typeByName.get('replicated-ssd')!;
  const copy = createArrayVolume(world, a, 'volume-1111-cinder', 10 * 1024 ** 3);
  t.same(manageableObjects(world, site).map((m) => [m.reference, m.sizeGiB, m.cinderId, m.safe, m.reason]), [[{ name: 'volume-1111-cinder' }, 10, null, true, '']], 'listed as the Pure driver does: {name}, reason ""');
  const wrongKey = manageVolume(world, site, { ref: { 'source-name': 'volume-1111-cinder' }, name: 'x', type, bootable: false, metadata: {} });
  t.equal(volumeStatus(world, wrongKey), 'error_managing', "the Pure driver needs {name}: source-name fails after the 202");
  const v = manageVolume(world, site, { ref: { name: 'volume-1111-cinder' }, name: 'imported', type, bootable: true, metadata: {} });
  t.equal(volumeStatus(world, v), 'available');
  t.equal(v.size, 10);
  t.equal(a.volumes[copy.id]!.name, `volume-${v.id}-cinder`, 'renamed as the Pure driver does');
  t.match(manageableObjects(world, site), [{ name: `volume-${v.id}-cinder`, cinderId: v.id, reason: /already managed/ }]);
  const bad = manageVolume(world, site, { ref: { name: 'no-such' }, name: 'x', type, bootable: false, metadata: {} });
  t.equal(volumeStatus(world, bad), 'error_managing', 'a bad ref fails after the 202, as the real driver');
  unmanageBacking(world, site, v);
  t.equal(a.volumes[copy.id]!.name, `volume-${v.id}-cinder-unmanaged`);
});

t.test('pod volumes and Cinder manage: the stock Pure driver refuses them; a pod-aware one renames in the pod on both arrays', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith({ sync: true }), { realNow: clock.now });
  const a = world.site('site-a');
  const b = world.site('site-b');
  const fa = arrayOf(a)!;
  const fb = arrayOf(b)!;
  const type = world.index('site-b').typeByName.get('replicated-sync')!;
  t.equal(type.extraSpecs.replication_type, '<in> sync');
  const podVol = Object.values(fb.volumes).find((v) => v.pod === 'pod-app')!;
  t.ok(podVol, 'the pod is mirrored on site-b');
  t.match(podVol.name, /^pod-app::volume-.*-cinder$/);
  const listed = manageableObjects(world, b).find((m) => m.name === podVol.name)!;
  t.same([listed.reference, listed.safe, listed.reason], [{ name: podVol.name }, false, 'Volume is in a Pod'], 'stock driver: listed, not safe, "Volume is in a Pod"');
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['a sync-replication type', { name: podVol.name }, type.name, /Unable to managed volume with type requiring sync replication enabled/],
    ['a pod volume (with a type that is not sync-replicated)', { name: podVol.name }, '__DEFAULT__', /Unable to manage volume in a Pod/],
  ];
  for (const [what, ref, typeName, err] of cases) {
    const ty = world.index('site-b').typeByName.get(typeName)!;
    t.match(manageBacking(world, b, createVolume(world, b, { name: 'x', size: 0, type: ty, backing: false }), ref), { error: err }, `stock driver refuses ${what}`);
    t.equal(volumeStatus(world, manageVolume(world, b, { ref, name: 'x', type: ty, bootable: true, metadata: {} })), 'error_managing', `${what}: the volume goes to error after the 202`);
  }
  t.equal(podVol.name, listed.name, 'nothing renamed');

  world.data.settings.managePodVolumes = true;
  const mirror = volumeByName(fa, podVol.name)!;
  t.ok(mirror, 'the same name on site-a');
  const before = podVol.name;
  t.equal(manageableObjects(world, b).find((m) => m.name === before)!.safe, true, 'pod-aware: safe to manage');
  const v = manageVolume(world, b, { ref: { name: before }, name: 'imported', type, bootable: true, metadata: {} });
  t.equal(volumeStatus(world, v), 'available');
  t.equal(podVol.name, `pod-app::volume-${v.id}-cinder`, 'renamed to the Cinder name, in its pod');
  t.equal(mirror.name, podVol.name, 'and on the peer array (one namespace per pod)');
  // site-a's Cinder record still names the old volume: its unmanage leaves the renamed volume alone
  const old = Object.values(a.cinder.volumes).find((x) => x.backing?.arrayVolumeId === mirror.id)!;
  t.ok(old, "site-a's Cinder record of the volume");
  unmanageBacking(world, a, old);
  t.equal(mirror.name, podVol.name, 'unmanage of a name that no longer exists renames nothing (the driver ignores "does not exist")');
  unmanageBacking(world, b, v);
  t.equal(podVol.name, `pod-app::volume-${v.id}-cinder-unmanaged`, 'unmanage of the current name: -unmanaged');
  t.equal(mirror.name, podVol.name, 'on both arrays');
});

t.test('a managed volume: shown creating while Cinder manages it, then available for group add (the stored status stays managing)', async (t) => {
  const clock = fakeClock();
  const { world } = await newWorld(specWith(), { realNow: clock.now });
  const site = world.site('site-b');
  const a = arrayOf(site)!;
  const type = world.index('site-b').typeByName.get('replicated-ssd')!;
  createArrayVolume(world, a, 'volume-2222-cinder', 1024 ** 3);
  const v = manageVolume(world, site, { ref: { name: 'volume-2222-cinder' }, name: 'imported', type, bootable: true, metadata: {} });
  v.readyAt = world.now() + 1000;
  const gt = Object.values(site.cinder.groupTypes)[0]!;
  const g = createGroupRec(world, site, { name: 'g', description: null, groupTypeId: gt.id, volumeTypeIds: [type.id] });
  t.equal(v.status, 'managing');
  t.equal(volumeStatus(world, v), 'creating', 'Cinder shows a volume being managed as creating');
  t.throws(() => updateGroupVolumes(world, site, g, { add: [v.id], remove: [] }), { message: /invalid state: creating/ });
  clock.tick(1000);
  t.equal(v.status, 'managing', 'still stored as managing (settled lazily)');
  t.equal(volumeStatus(world, v), 'available');
  t.doesNotThrow(() => updateGroupVolumes(world, site, g, { add: [v.id], remove: [] }), 'group add checks the shown status, not the stored one');
  t.equal(v.groupId, g.id);
});

t.test('indexes stay consistent after mutations', async (t) => {
  const { world } = await newWorld();
  const before = world.index('site-a').serversSorted.length;
  const { s } = bootOne(world);
  t.equal(world.index('site-a').serversSorted.length, before + 1);
  t.equal(world.index('site-a').serversSorted[0]!.id, s.id, 'newest first');
  t.same(world.index('site-a').portsByDevice.get(s.id)!.length, 1);
});
