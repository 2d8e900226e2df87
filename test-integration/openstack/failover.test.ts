/**
 * The OpenStack side of a planned failover site-a → site-b, against the real lab, through drctl's
 * clients (the array side is out of scope here: the lab's Cinder has a fake driver, nothing is copied).
 *
 * site-a: production server booted from a replicated volume (+ a data volume), tagged; stopped.
 * site-b: a replicated volume stands in for the array's copy; it is unmanaged and managed back with
 * the admin entry (the member gets the policy 403, mapped to DRCTL_E2033 with the hint), put into
 * the group's generic Cinder group, a server is booted from it with the mapped network and flavor,
 * waits ACTIVE, is tagged, stopped (SHUTOFF) and deleted; the volume leaves the group and is unmanaged.
 * Everything is named drctl-it-* and swept before and after.
 */
import t from 'tap';
import { consistencyGroupName, decodeGroupRecord, discoverSite, encodeGroupRecord } from '../../src/discovery/index.js';
import { TAG } from '../../src/discovery/types.js';
import { DrctlError } from '../../src/errors.js';
import type { OpenStackClients } from '../../src/providers/openstack/index.js';
import type { Server } from '../../src/providers/openstack/nova.js';
import type { Volume } from '../../src/providers/openstack/cinder.js';
import type { StorageDriver } from '../../src/providers/storage/driver.js';
import { clientsFor, cloud, labClouds, projectAdminCloud, sweep } from './clients.js';
import { IT_PREFIX, labOrSkip, waitUntil } from './lab.js';

const lab = await labOrSkip(t, 25 * 60_000);
if (lab) {
  const clouds = await labClouds(lab);
  const PREFIX = `${IT_PREFIX}fo-`; // everything this file creates (and sweeps)
  const GROUP = 'it-fo-web'; // DR group name; its Cinder group is consistencyGroupName(GROUP) = drctl-it-fo-web
  const MEMBER = `${PREFIX}db-1`;
  const OP = 'op-it-failover-1';
  /** The spec's mappings for this group (site-a names → site-b names). */
  const mappings = { networks: { private: 'private' } as Record<string, string>, flavors: { 'm1.small': 'm1.tiny' } as Record<string, string> };

  const a: OpenStackClients = clientsFor('site-a', cloud(clouds, 'site-a'));
  const b: OpenStackClients = clientsFor('site-b', cloud(clouds, 'site-b'));
  const bStockAdmin = clientsFor('site-b', cloud(clouds, 'site-b-admin'));
  let bAdmin: OpenStackClients;

  const serverStatus = (c: OpenStackClients, id: string) => c.nova.getServer(id);
  const waitServer = (c: OpenStackClients, id: string, want: string) =>
    waitUntil(`${c.session.site} server ${id} ${want}`, () => serverStatus(c, id), (s) => s?.status === want, {
      fail: (s) => (s?.status === 'ERROR' ? `server went to ERROR` : undefined),
      timeoutMs: 300_000,
    });
  const waitVolume = (c: OpenStackClients, id: string, ok: (v: Volume | undefined) => boolean, what: string) =>
    waitUntil(`${c.session.site} volume ${id} ${what}`, () => c.cinder.getVolume(id), ok, {
      fail: (v) => (v && /^error/.test(v.status) ? `volume status ${v.status}` : undefined),
      timeoutMs: 240_000,
    });

  t.before(async () => {
    bAdmin = clientsFor('site-b', await projectAdminCloud(clouds, 'site-b'));
    await sweep('site-a', PREFIX, a);
    await sweep('site-b', PREFIX, b, bStockAdmin);
  });
  t.teardown(async () => {
    const left = [...(await sweep('site-b', PREFIX, b, bStockAdmin)), ...(await sweep('site-a', PREFIX, a))];
    if (left.length) console.error(`# teardown removed: ${left.join(', ')}`);
  });

  // shared state between the ordered subtests
  let prodServer: Server;
  let prodBoot: Volume;
  let prodData: Volume;
  let replica: Volume;
  let imported: Volume;
  let groupId: string;
  let drServer: Server;

  t.test('site-a: production member boots from a replicated, bootable volume with a data volume', async (t) => {
    const tags = { [TAG.group]: GROUP, [TAG.member]: MEMBER, [TAG.role]: 'production' };
    prodBoot = await a.cinder.createVolume({ name: `${MEMBER}-boot`, size: 1, volumeType: 'replicated', metadata: tags });
    prodData = await a.cinder.createVolume({ name: `${MEMBER}-data`, size: 1, volumeType: 'replicated', metadata: tags });
    t.equal(prodBoot.status, 'creating');
    for (const v of [prodBoot, prodData]) await waitVolume(a, v.id, (x) => x?.status === 'available', 'available');
    const v = await a.cinder.getVolume(prodBoot.id);
    t.equal(v?.bootable, false, 'a blank volume is not bootable (no Glance in the lab)');
    t.equal(v?.replicationStatus, 'enabled', 'replicated type → replication_status enabled');
    await a.cinder.setBootable(prodBoot.id, true);
    t.equal((await a.cinder.getVolume(prodBoot.id))?.bootable, true, 'os-set_bootable as a member');

    const flavor = (await a.nova.listFlavors()).find((f) => f.name === 'm1.small')!;
    const net = (await a.neutron.listNetworks({ name: 'private' }))[0]!;
    const created = await a.nova.createServer({
      name: MEMBER,
      flavorRef: flavor.id,
      bootVolumeId: prodBoot.id,
      dataVolumeIds: [prodData.id],
      networks: [{ uuid: net.id }],
      metadata: { ...tags, [TAG.tier]: '1' },
    });
    t.ok(created.id, 'POST /servers 202 with an id');
    prodServer = (await waitServer(a, created.id, 'ACTIVE'))!;
    t.equal(prodServer.flavor.name, 'm1.small', 'embedded flavor (2.47+) has the name');
    t.same(Object.keys(prodServer.addresses), ['private']);
    t.match(prodServer.addresses.private?.[0]?.addr, /^10\.10\.0\./, 'an address on site-a private');
    t.equal(prodServer.imageId, undefined, 'boot from volume: no image');
    t.same(prodServer.volumesAttached.map((x) => x.id).sort(), [prodBoot.id, prodData.id].sort());
    t.same((await a.nova.listVolumeAttachments(prodServer.id)).map((x) => x.volumeId).sort(), [prodBoot.id, prodData.id].sort());
    const boot = await waitVolume(a, prodBoot.id, (x) => x?.status === 'in-use', 'in-use');
    t.same(boot!.attachments.map((x) => x.serverId), [prodServer.id], 'cinder sees the attachment');

    // discovery lists by tag, in bulk; pages of 1 are followed to the end
    const tagged = await a.cinder.listVolumes({ filters: { metadata: { [TAG.group]: GROUP } } });
    t.same(tagged.map((x) => x.id).sort(), [prodBoot.id, prodData.id].sort(), 'metadata filter finds the group volumes');
    const paged = await a.cinder.listVolumes({ limit: 1, filters: { metadata: { [TAG.group]: GROUP } } });
    t.same(paged.map((x) => x.id).sort(), [prodBoot.id, prodData.id].sort(), 'volumes_links followed with limit=1');
    const ports = await a.neutron.listPorts({ deviceId: prodServer.id });
    t.equal(ports.length, 1, 'one port');
    t.equal(ports[0]?.networkId, net.id);
  });

  t.test('site-a: stop production (SHUTOFF); a second stop is the real 409 as DRCTL_E2032', async (t) => {
    await a.nova.stopServer(prodServer.id);
    const s = await waitServer(a, prodServer.id, 'SHUTOFF');
    t.equal(s?.status, 'SHUTOFF');
    const err = (await a.nova.stopServer(prodServer.id).catch((e: unknown) => e)) as DrctlError;
    t.ok(DrctlError.is(err));
    t.equal(err.code, 'DRCTL_E2032');
    t.match(err.message, /409 conflictingRequest: Cannot 'stop' instance .* while it is in vm_state stopped/);
  });

  t.test('site-b: the replicated copy (stand-in for the array volume) is created, marked bootable', async (t) => {
    replica = await b.cinder.createVolume({ name: `${MEMBER}-replica`, size: 1, volumeType: 'replicated' });
    await waitVolume(b, replica.id, (x) => x?.status === 'available', 'available');
    await b.cinder.setBootable(replica.id, true);
    t.equal((await b.cinder.getVolume(replica.id))?.bootable, true);
  });

  t.test('site-b: the member may not unmanage, manage or list manageable volumes: typed 403 with the policy hint', async (t) => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ['unmanage', () => b.cinder.unmanageVolume(replica.id), 'volume_extension:volume_unmanage'],
      ['manage', () => b.cinder.manageVolume({ host: 'site-b@fake#fake', ref: { 'source-name': `volume-${replica.id}` }, name: `${MEMBER}-x` }), 'volume_extension:volume_manage'],
      ['list manageable', () => b.cinder.listManageableVolumes({ host: 'site-b@fake#fake' }), 'volume_extension:list_manageable'],
    ];
    for (const [what, call, rule] of cases) {
      const err = (await call().catch((e: unknown) => e)) as DrctlError;
      t.ok(DrctlError.is(err), `${what}: DrctlError`);
      t.equal(err.code, 'DRCTL_E2033', `${what}: forbidden code`);
      t.match(err.message, new RegExp(`403 forbidden: Policy doesn't allow ${rule} to be performed`), `${what}: Cinder's own message`);
      t.match(err.hint ?? '', /adminCloud/, `${what}: hint names adminCloud`);
      t.match(err.hint ?? '', new RegExp(rule.replace(/\./g, '\\.')), `${what}: hint names the policy`);
    }
    t.ok(await b.cinder.getVolume(replica.id), 'the volume is untouched');
  });

  t.test('site-b: admin unmanages the copy, then manages it back into the member project', async (t) => {
    t.equal(await bAdmin.cinder.unmanageVolume(replica.id), true, 'os-unmanage accepted');
    await waitVolume(b, replica.id, (x) => x === undefined, 'gone from the API');
    t.same(await bAdmin.cinder.listManageableVolumes({ host: 'site-b@fake#fake' }), [], 'fake driver lists no manageable volumes (real drivers do)');
    const svc = (await bAdmin.cinder.listServices({ binary: 'cinder-volume' })).find((s) => s.state === 'up')!;
    t.equal(svc.host, 'site-b@fake');
    const m = await bAdmin.cinder.manageVolume({
      host: `${svc.host}#fake`,
      ref: { 'source-name': `volume-${replica.id}` },
      name: MEMBER,
      volumeType: 'replicated',
      bootable: true,
      metadata: { [TAG.group]: GROUP, [TAG.member]: MEMBER, [TAG.role]: 'production', [TAG.op]: OP, [TAG.sourceVolume]: prodBoot.id },
    });
    t.equal(m.status, 'creating', 'manage answers the legacy view, creating');
    imported = (await waitVolume(b, m.id, (x) => x?.status === 'available', 'available (seen by the member)'))!;
    t.equal(imported.bootable, true, 'bootable as requested at manage time');
    t.equal(imported.size, 1);
    t.equal(imported.replicationStatus, 'enabled');
    t.equal(imported.metadata[TAG.sourceVolume], prodBoot.id, 'drctl.source-volume kept');
  });

  t.test('site-b: the imported volume joins the group\'s generic Cinder group (with the drctl record)', async (t) => {
    const rep = (await b.cinder.listVolumeTypes()).find((x) => x.name === 'replicated')!;
    const generic = (await b.cinder.listGroupTypes()).find((g) => g.name === 'generic')!;
    const g = await b.cinder.createGroup({
      name: consistencyGroupName(GROUP),
      description: encodeGroupRecord({ version: 1, activeSite: 'site-b', failoverCount: 1, lastOperation: OP }),
      groupType: generic.id,
      volumeTypes: [rep.id],
    });
    groupId = g.id;
    t.equal(g.name, 'drctl-it-fo-web');
    await waitUntil('group available', () => b.cinder.getGroup(groupId), (x) => x?.status === 'available', { timeoutMs: 180_000 });
    await b.cinder.addVolumesToGroup(groupId, [imported.id]);
    await waitVolume(b, imported.id, (x) => x?.groupId === groupId, 'in the group');
    const shown = await waitUntil('group available again', () => b.cinder.getGroup(groupId), (x) => x?.status === 'available', { timeoutMs: 180_000 });
    t.same(shown?.volumes, [imported.id], 'list_volume shows it');
    t.same(decodeGroupRecord(shown?.description), { version: 1, activeSite: 'site-b', failoverCount: 1, lastOperation: OP }, 'record round-trips');
    t.same((await b.cinder.listVolumes({ filters: { group_id: groupId } })).map((x) => x.id), [imported.id], 'group_id filter (3.10+)');
  });

  t.test('site-b: boot from the imported volume with the mapped network and flavor; ACTIVE', async (t) => {
    // map what the production server had on site-a to site-b ids, by name
    const srcNet = Object.keys(prodServer.addresses)[0]!;
    const dstNet = (await b.neutron.listNetworks({ name: mappings.networks[srcNet]! }))[0];
    t.ok(dstNet, `mapped network ${srcNet} → ${mappings.networks[srcNet]} exists on site-b`);
    const aNet = (await a.neutron.listNetworks({ name: srcNet }))[0]!;
    t.not(dstNet!.id, aNet.id, 'a different network id on site-b');
    const dstFlavor = (await b.nova.listFlavors()).find((f) => f.name === mappings.flavors[prodServer.flavor.name!]);
    t.ok(dstFlavor, `mapped flavor ${prodServer.flavor.name} → ${mappings.flavors[prodServer.flavor.name!]}`);
    // invariant 1: production on site-a is not running when site-b's starts
    t.equal((await a.nova.getServer(prodServer.id))?.status, 'SHUTOFF', 'source member is stopped');
    const created = await b.nova.createServer({
      name: MEMBER,
      flavorRef: dstFlavor!.id,
      bootVolumeId: imported.id,
      networks: [{ uuid: dstNet!.id }],
      securityGroups: prodServer.securityGroups,
      metadata: { [TAG.group]: GROUP, [TAG.member]: MEMBER, [TAG.role]: 'production' },
    });
    drServer = (await waitServer(b, created.id, 'ACTIVE'))!;
    t.equal(drServer.flavor.name, 'm1.tiny', 'mapped flavor');
    t.match(drServer.addresses.private?.[0]?.addr, /^10\.20\.0\./, 'an address on site-b private');
    t.same(drServer.securityGroups, ['default']);
    t.same(drServer.volumesAttached.map((x) => x.id), [imported.id]);
    const ports = await b.neutron.listPorts({ deviceId: drServer.id });
    t.equal(ports.length, 1);
    t.equal(ports[0]?.status, 'ACTIVE', 'port bound (lab mechanism driver)');
    const vol = await waitVolume(b, imported.id, (x) => x?.status === 'in-use', 'in-use');
    t.same(vol!.attachments.map((x) => x.serverId), [drServer.id]);
  });

  t.test('site-b: drctl metadata on the server and the volume; discovery sees member, group and record', async (t) => {
    const md = await b.nova.updateMetadata(drServer.id, { [TAG.op]: OP, [TAG.tier]: '1' });
    t.same(md, { [TAG.group]: GROUP, [TAG.member]: MEMBER, [TAG.role]: 'production', [TAG.op]: OP, [TAG.tier]: '1' }, 'merged');
    await b.nova.setMetadataItem(drServer.id, TAG.sourceVolume, prodBoot.id);
    t.equal((await b.nova.getMetadata(drServer.id))[TAG.sourceVolume], prodBoot.id);
    const vmd = await b.cinder.updateVolumeMetadata(imported.id, { [TAG.tier]: '1' });
    t.equal(vmd[TAG.tier], '1');
    t.equal(vmd[TAG.sourceVolume], prodBoot.id, 'merge kept the manage-time metadata');

    const raw = await discoverSite('site-b', { name: 'site-b', os: b, admin: bAdmin, storage: {} as StorageDriver });
    t.equal(raw.reachable, true);
    const s = raw.servers.find((x) => x.id === drServer.id);
    t.match(s, { name: MEMBER, status: 'ACTIVE', flavorName: 'm1.tiny', networks: ['private'], volumeIds: [imported.id] });
    t.equal(s?.metadata[TAG.group], GROUP);
    const g = raw.groups.find((x) => x.id === groupId);
    t.match(g, { name: 'drctl-it-fo-web', status: 'available', volumeIds: [imported.id], record: { activeSite: 'site-b', version: 1 } });
    const v = raw.volumes.find((x) => x.id === imported.id);
    t.match(v, { groupId, bootable: true, status: 'in-use', attachedTo: [drServer.id] });
  });

  t.test('site-b: stop (SHUTOFF), delete; the volume is detached and available again', async (t) => {
    await b.nova.stopServer(drServer.id);
    t.equal((await waitServer(b, drServer.id, 'SHUTOFF'))?.status, 'SHUTOFF');
    t.equal(await b.nova.deleteServer(drServer.id), true, 'DELETE 204');
    await waitUntil('server gone', () => b.nova.getServer(drServer.id), (x) => x === undefined, { timeoutMs: 300_000 });
    t.equal(await b.nova.deleteServer(drServer.id), false, 'a second delete is a 404 → false');
    const v = await waitVolume(b, imported.id, (x) => x?.status === 'available', 'available');
    t.same(v!.attachments, []);
    t.same(await b.neutron.listPorts({ deviceId: drServer.id }), [], 'port deleted with the server');
  });

  t.test('site-b: the volume leaves the group and is unmanaged; the group is deleted', async (t) => {
    await b.cinder.removeVolumesFromGroup(groupId, [imported.id]);
    await waitVolume(b, imported.id, (x) => !!x && !x.groupId, 'out of the group');
    await waitUntil('group available', () => b.cinder.getGroup(groupId), (x) => x?.status === 'available', { timeoutMs: 180_000 });
    t.equal(await bAdmin.cinder.unmanageVolume(imported.id), true);
    await waitVolume(b, imported.id, (x) => x === undefined, 'gone');
    t.equal(await bAdmin.cinder.unmanageVolume(imported.id), false, 'unmanage of a gone volume → false');
    t.equal(await b.cinder.deleteGroup(groupId), true);
    await waitUntil('group deleted', () => b.cinder.getGroup(groupId), (x) => x === undefined, { timeoutMs: 180_000 });
    t.equal(await b.cinder.getGroup(groupId), undefined);
  });
}
