/**
 * Every published OpenStack sample in shared/fixtures/openstack goes through drctl's code:
 * responses are served to the real clients (through a fake HttpClient) and parsed by the models;
 * request samples are compared with what the clients send. A new fixture without a check fails.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/providers/http.js';
import { OpenStackSession } from '../../../src/providers/openstack/session.js';
import { NovaClient, buildBootFromVolume, parseServer } from '../../../src/providers/openstack/nova.js';
import { CinderClient, parseVolume, specIsTrue } from '../../../src/providers/openstack/cinder.js';
import { NeutronClient } from '../../../src/providers/openstack/neutron.js';
import { buildAuthRequest, findEndpoint, parseCatalogResponse, parseToken } from '../../../src/providers/openstack/keystone.js';
import type { CloudConfig } from '../../../src/providers/openstack/clouds.js';

const ROOT = '/work/shared/fixtures/openstack';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const rel = (p: string) => path.relative(ROOT, p);
const load = (r: string): unknown => JSON.parse(readFileSync(path.join(ROOT, r), 'utf8'));

const CLOUD: CloudConfig = {
  name: 'fx',
  authType: 'password',
  auth: { authUrl: 'http://keystone.test/v3', username: 'demo', password: 'pw-fixture', userDomainName: 'Default', projectName: 'demo', projectDomainName: 'Default' },
  regionName: 'RegionOne',
  interface: 'public',
  verify: true,
};

/**
 * An HttpClient answering Keystone (token + catalog pointing at *.test hosts), version documents,
 * and then `reply` for everything else; records every request.
 */
function fixtureClients(reply: (req: HttpRequest) => { status?: number; json?: unknown; headers?: Record<string, string> } | undefined) {
  const sent: HttpRequest[] = [];
  const http: HttpClient = {
    async request(req) {
      sent.push(req);
      const r = (status: number, json: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, json, headers, text: JSON.stringify(json ?? '') });
      if (req.url === 'http://keystone.test/v3/auth/tokens') {
        const token = load('keystone/auth/responses/project-scoped-password.json') as { token: Record<string, unknown> };
        const ep = (type: string, url: string) => ({ type, id: type, endpoints: [{ id: `${type}-p`, interface: 'public', region_id: 'RegionOne', url }] });
        return r(201, { token: { ...token.token, expires_at: '2999-01-01T00:00:00Z', catalog: [ep('compute', 'http://nova.test/v2.1'), ep('volumev3', 'http://cinder.test/v3/p1'), ep('network', 'http://neutron.test')] } }, { 'x-subject-token': 'tok-fixture' });
      }
      if (req.url === 'http://nova.test/') return r(200, load('nova/versions/versions-get-resp.json'));
      if (req.url === 'http://cinder.test/') return r(300, load('cinder/v3/versions/versions-response.json'));
      const out = reply(req);
      if (!out) return r(404, { itemNotFound: { code: 404, message: `no fixture for ${req.method} ${req.url}` } });
      return r(out.status ?? 200, out.json, out.headers);
    },
  };
  const session = new OpenStackSession({ site: 'site-a', cloud: CLOUD, http });
  return { session, nova: new NovaClient(session), cinder: new CinderClient(session), neutron: new NeutronClient(session), sent, last: () => sent[sent.length - 1]! };
}

/** Serve fixture `file` for any service call. */
const serving = (file: string, status = 200) => fixtureClients(() => ({ status, json: load(file) }));

type Check = (t: Tap) => Promise<void>;
type Tap = { equal: (a: unknown, b: unknown, m?: string) => void; same: (a: unknown, b: unknown, m?: string) => void; match: (a: unknown, b: unknown, m?: string) => void; ok: (a: unknown, m?: string) => void; notOk: (a: unknown, m?: string) => void };

const checks: Record<string, Check> = {
  // ---------------- Keystone
  'keystone/auth/requests/project-name-password.json': async (t) => {
    t.same(
      buildAuthRequest({ ...CLOUD, auth: { authUrl: 'u', userId: 'ee4dfb6e5540447cb3741905149d9b6e', password: 'devstacker', projectName: 'admin', projectDomainId: 'default' } }),
      load('keystone/auth/requests/project-name-password.json'),
    );
  },
  'keystone/auth/requests/project-id-password.json': async (t) => {
    t.same(buildAuthRequest({ ...CLOUD, auth: { authUrl: 'u', userId: 'ee4dfb6e5540447cb3741905149d9b6e', password: 'devstacker', projectId: 'a6944d763bf64ee6a275f1263fae0352' } }), load('keystone/auth/requests/project-id-password.json'));
  },
  'keystone/auth/responses/project-scoped-password.json': async (t) => {
    const tok = parseToken(load('keystone/auth/responses/project-scoped-password.json'));
    t.same(tok.project, { id: 'a6944d763bf64ee6a275f1263fae0352', name: 'admin', domain: { id: 'default', name: 'Default' } });
    t.equal(tok.roles[0]!.name, 'admin');
    t.equal(findEndpoint(tok.catalog, { type: 'identity', interface: 'admin', region: 'RegionOne' })?.url, 'http://example.com/identity');
  },
  'keystone/admin/auth-password-project-scoped-response.json': async (t) => {
    const tok = parseToken(load('keystone/admin/auth-password-project-scoped-response.json'));
    t.equal(findEndpoint(tok.catalog, { type: 'compute', interface: 'public', region: 'RegionOne' })?.url, 'http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352');
    t.equal(findEndpoint(tok.catalog, { type: 'network', interface: 'public', region: 'RegionOne' })?.url, 'http://23.253.248.171:9696/');
    t.match(findEndpoint(tok.catalog, { type: 'block-storage', interface: 'public', region: 'RegionOne' }), { serviceType: 'volumev2' });
  },
  'keystone/admin/auth-application-credential-id-request.json': async (t) => {
    t.same(
      buildAuthRequest({ ...CLOUD, authType: 'v3applicationcredential', auth: { authUrl: 'u', applicationCredentialId: '423f19a4ac1e4f48bbb4180756e6eb6c', applicationCredentialSecret: 'rEaqvJka48mpv' } }),
      load('keystone/admin/auth-application-credential-id-request.json'),
    );
  },
  'keystone/admin/auth-application-credential-response.json': async (t) => {
    const tok = parseToken(load('keystone/admin/auth-application-credential-response.json'));
    t.equal(tok.applicationCredential?.name, 'monitoring');
    t.equal(tok.project?.name, 'demo');
    t.equal(tok.expiresAt, Date.parse('2018-01-15T22:14:05.000000Z'));
  },
  'keystone/admin/get-service-catalog-response.json': async (t) => {
    const cat = parseCatalogResponse(load('keystone/admin/get-service-catalog-response.json'));
    t.equal(cat[0]!.type, 'identity');
    t.same(cat[0]!.endpoints.map((e) => [e.interface, e.region]), [['public', 'RegionOne'], ['internal', 'RegionOne'], ['admin', 'RegionOne']]);
  },
  'keystone/admin/auth-password-user-name-unscoped-response-HTTP.txt': async (t) => {
    // The raw 201: status line + headers. Serve exactly these headers to the session.
    const raw = readFileSync(path.join(ROOT, 'keystone/admin/auth-password-user-name-unscoped-response-HTTP.txt'), 'utf8');
    const [statusLine, ...lines] = raw.split(/\r?\n/).filter((l) => l.trim());
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    t.match(statusLine, /^HTTP\/1\.1 201 Created/);
    const token = load('keystone/auth/responses/project-scoped-password.json') as { token: object };
    const http: HttpClient = { request: async () => ({ status: 201, headers, json: { token: { ...token.token, expires_at: '2999-01-01T00:00:00Z' } }, text: '' }) };
    const s = new OpenStackSession({ site: 'site-a', cloud: CLOUD, http });
    await s.token();
    t.ok(s.secrets.has('ffe47524401e4d61adc7310f7e5b6191'), 'the X-Subject-Token value was taken as the token (and registered as a secret)');
  },

  // ---------------- Nova
  'nova/servers/servers-details-resp.json': async (t) => {
    const c = fixtureClients((req) => (req.url.includes('marker=') ? { json: { servers: [] } } : { json: load('nova/servers/servers-details-resp.json') }));
    const servers = await c.nova.listServers();
    t.equal(servers.length, 1);
    t.match(servers[0], { id: 'f5dc173b-6804-445a-a6d8-c705dad5b5eb', name: 'new-server-test', status: 'ACTIVE', flavor: { id: '1' }, securityGroups: ['default'], metadata: { 'My Server Name': 'Apache1' } });
    t.same(servers[0]!.volumesAttached.map((v) => v.id), ['volume_id1', 'volume_id2']);
    t.same(servers[0]!.addresses.private![0], { addr: '192.168.1.30', version: 4, type: 'fixed', mac: '00:0c:29:0d:11:74' });
    // servers_links rel=next was followed (and rebased onto our endpoint)
    t.match(c.last().url, /^http:\/\/nova\.test\/v2\.1\/6f70656e737461636b20342065766572\/servers\/detail\?limit=1&marker=f5dc173b/);
  },
  'nova/servers/servers-list-resp.json': async (t) => {
    const c = fixtureClients((req) => (req.url.includes('marker=') ? { json: { servers: [] } } : { json: load('nova/servers/servers-list-resp.json') }));
    const servers = await c.nova.listServers({ detail: false });
    t.same(servers.map((s) => [s.id, s.name]), [['22c91117-08de-4894-9aa9-6ef382400985', 'new-server-test']]);
    t.match(c.sent.find((r) => r.url.includes('/servers?'))?.url, /\/servers\?limit=1000$/);
  },
  'nova/servers/server-get-resp.json': async (t) => {
    const s = await serving('nova/servers/server-get-resp.json').nova.getServer('0e44cc9c-e052-415d-afbf-469b0d384170');
    t.match(s, { id: '0e44cc9c-e052-415d-afbf-469b0d384170', flavor: { id: '1' }, imageId: '70a599e0-31e7-49b7-b260-868f441e862b', availabilityZone: 'us-west' });
    t.equal(s!.keyName, undefined);
  },
  'nova/servers/v2.100/server-get-resp.json': async (t) => {
    const s = await serving('nova/servers/v2.100/server-get-resp.json').nova.getServer('0e44cc9c-e052-415d-afbf-469b0d384170');
    t.same(s!.flavor, { name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, extraSpecs: {} });
    t.same(s!.volumesAttached, [{ id: 'volume_id1', deleteOnTermination: false }, { id: 'volume_id2', deleteOnTermination: false }]);
    t.equal(s!.locked, false);
  },
  'nova/servers/server-create-req.json': async (t) => {
    // drctl boots from volumes (no imageRef); the fields it shares with the sample have the same shape.
    const sample = (load('nova/servers/server-create-req.json') as { server: Record<string, unknown> }).server;
    const c = serving('nova/servers/server-create-resp.json', 202);
    await c.nova.createServer({ name: String(sample.name), flavorRef: String(sample.flavorRef), bootVolumeId: 'vol-1', networks: 'none', securityGroups: ['default'], metadata: sample.metadata as Record<string, string>, availabilityZone: String(sample.availability_zone) });
    const body = (c.last().json as { server: Record<string, unknown> }).server;
    for (const k of ['name', 'flavorRef', 'metadata', 'security_groups', 'availability_zone']) t.same(body[k], sample[k], `server.${k}`);
    t.notOk('imageRef' in body);
  },
  'nova/servers/v2.42/server-create-req.json': async (t) => {
    const sample = (load('nova/servers/v2.42/server-create-req.json') as { server: { name: string; flavorRef: string; networks: { uuid: string }[]; block_device_mapping_v2: Record<string, unknown>[] } }).server;
    const ours = buildBootFromVolume({ name: sample.name, flavorRef: sample.flavorRef, bootVolumeId: String(sample.block_device_mapping_v2[0]!.uuid), networks: [{ uuid: sample.networks[0]!.uuid }] }) as { server: typeof sample };
    t.same(ours.server.networks, [{ uuid: '3cb9bc59-5699-4588-a4b1-b87f96708bc6' }]);
    const bdm = ours.server.block_device_mapping_v2[0]!;
    for (const k of ['uuid', 'destination_type', 'boot_index']) t.same(bdm[k], sample.block_device_mapping_v2[0]![k], `bdm.${k}`);
    t.equal(bdm.source_type, 'volume', 'an existing volume, not an image');
    t.equal(bdm.delete_on_termination, false);
  },
  'nova/servers/server-create-resp.json': async (t) => {
    const c = serving('nova/servers/server-create-resp.json', 202);
    const created = await c.nova.createServer({ name: 'x', flavorRef: '1', bootVolumeId: 'v', networks: [{ uuid: 'n' }] });
    t.same(created, { id: 'f5dc173b-6804-445a-a6d8-c705dad5b5eb', securityGroups: ['default'] });
    t.notOk(JSON.stringify(created).includes('6NpUwoz2QDRN'), 'adminPass is not kept');
  },
  'nova/servers/server-action-stop.json': async (t) => {
    const c = fixtureClients(() => ({ status: 202 }));
    await c.nova.stopServer('s1');
    t.same(c.last().json, load('nova/servers/server-action-stop.json'));
    t.match(c.last().url, /\/servers\/s1\/action$/);
  },
  'nova/servers/server-action-start.json': async (t) => {
    const c = fixtureClients(() => ({ status: 202 }));
    await c.nova.startServer('s1');
    t.same(c.last().json, load('nova/servers/server-action-start.json'));
  },
  'nova/server-metadata/server-metadata-all-req.json': async (t) => {
    const c = serving('nova/server-metadata/server-metadata-all-resp.json');
    await c.nova.setMetadata('s1', { foo: 'Foo Value' });
    t.same(c.last().json, load('nova/server-metadata/server-metadata-all-req.json'));
    t.equal(c.last().method, 'PUT');
    await c.nova.updateMetadata('s1', { foo: 'Foo Value' });
    t.equal(c.last().method, 'POST');
    t.same(c.last().json, load('nova/server-metadata/server-metadata-all-req.json'));
  },
  'nova/server-metadata/server-metadata-all-resp.json': async (t) => {
    t.same(await serving('nova/server-metadata/server-metadata-all-resp.json').nova.getMetadata('s1'), { foo: 'Foo Value' });
  },
  'nova/server-metadata/server-metadata-req.json': async (t) => {
    const c = serving('nova/server-metadata/server-metadata-resp.json');
    await c.nova.setMetadataItem('s1', 'foo', 'Bar Value');
    t.same(c.last().json, load('nova/server-metadata/server-metadata-req.json'));
    t.match(c.last().url, /\/servers\/s1\/metadata\/foo$/);
  },
  'nova/server-metadata/server-metadata-resp.json': async (t) => {
    const body = load('nova/server-metadata/server-metadata-resp.json') as { meta: Record<string, string> };
    t.same(body.meta, { foo: 'Foo Value' });
    const c = serving('nova/server-metadata/server-metadata-resp.json');
    await c.nova.setMetadataItem('s1', 'foo', 'Foo Value');
    t.equal(c.last().method, 'PUT');
  },
  'nova/flavors/flavors-detail-resp.json': async (t) => {
    const flavors = await serving('nova/flavors/flavors-detail-resp.json').nova.listFlavors();
    t.equal(flavors.length, 6);
    t.same(flavors[0], { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, isPublic: true, disabled: false });
    t.equal(flavors.find((f) => f.name === 'm1.medium')?.vcpus, 2);
  },
  'nova/os-volume_attachments/list-volume-attachments-resp.json': async (t) => {
    const a = await serving('nova/os-volume_attachments/list-volume-attachments-resp.json').nova.listVolumeAttachments('4b293d31-ebd5-4a7f-be03-874b90021e54');
    t.same(a.map((x) => [x.volumeId, x.device, x.serverId]), [
      ['227cc671-f30b-4488-96fd-7d0bf13648d8', '/dev/sdc', '4b293d31-ebd5-4a7f-be03-874b90021e54'],
      ['a07f71dc-8151-4e7d-a0cc-cd24a3f11113', '/dev/sdb', '4b293d31-ebd5-4a7f-be03-874b90021e54'],
    ]);
  },
  'nova/os-security-groups/server-security-groups-list-resp.json': async (t) => {
    t.same(await serving('nova/os-security-groups/server-security-groups-list-resp.json').nova.listServerSecurityGroups('s1'), [{ id: '4e469db4-3b60-43c7-8dfa-2c60e2f27075', name: 'default' }]);
  },
  'nova/os-attach-interfaces/attach-interfaces-list-resp.json': async (t) => {
    const i = await serving('nova/os-attach-interfaces/attach-interfaces-list-resp.json').nova.listInterfaces('s1');
    t.same(i, [{ portId: 'ce531f90-199f-48c0-816c-13e38010b442', netId: '3cb9bc59-5699-4588-a4b1-b87f96708bc6', macAddr: 'fa:16:3e:4c:2c:30', portState: 'ACTIVE', fixedIps: [{ ipAddress: '192.168.1.3', subnetId: 'f8a6e8f8-c2ec-497c-9f23-da9616de54ef' }] }]);
  },
  'nova/os-keypairs/keypairs-list-resp.json': async (t) => {
    const k = await serving('nova/os-keypairs/keypairs-list-resp.json').nova.listKeypairs();
    t.same(k, [{ name: 'keypair-50ca852e-273f-4cdc-8949-45feba200837', fingerprint: '7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd' }]);
  },
  'nova/versions/versions-get-resp.json': async (t) => {
    // Served as the compute root by fixtureClients: the version check passes (2.79 within 2.1–2.104).
    const c = fixtureClients(() => ({ json: { flavors: [] } }));
    await c.nova.listFlavors();
    t.ok(c.sent.some((r) => r.url === 'http://nova.test/'), 'version document fetched');
    t.equal(c.last().headers?.['OpenStack-API-Version'], 'compute 2.79');
  },

  // ---------------- Cinder
  'cinder/v3/volumes/v3.65/volumes-list-detailed-response.json': async (t) => {
    const c = serving('cinder/v3/volumes/v3.65/volumes-list-detailed-response.json');
    const v = await c.cinder.listVolumes({ filters: { metadata: { 'drctl.group': 'g1' }, group_id: 'grp' } });
    t.match(v[0], { id: 'cb49b381-9012-40cb-b8ee-80c19a4801b5', status: 'creating', size: 10, bootable: false, volumeType: '__DEFAULT__', volumeTypeId: '5fed9d7c-401d-46e2-8e80-f30c70cb7e1d' });
    t.equal(v[0]!.groupId, undefined);
    const u = new URL(c.last().url);
    t.equal(u.pathname, '/v3/p1/volumes/detail');
    t.equal(u.searchParams.get('metadata'), "{'drctl.group': 'g1'}");
    t.equal(u.searchParams.get('group_id'), 'grp');
    t.equal(u.searchParams.get('limit'), '1000');
    t.equal(c.last().headers?.['OpenStack-API-Version'], 'volume 3.60');
  },
  'cinder/v2/volumes-list-detailed-response.json': async (t) => {
    const c = fixtureClients((req) => (req.url.includes('marker=') ? { json: { volumes: [] } } : { json: load('cinder/v2/volumes-list-detailed-response.json') }));
    const v = await c.cinder.listVolumes();
    t.equal(v.length, 2);
    t.match(v[0], { status: 'in-use', bootable: false, volumeType: 'lvmdriver-1', replicationStatus: 'disabled', host: 'difleming@lvmdriver-1#lvmdriver-1' });
    t.same(v[0]!.attachments[0], { id: '6edbc2f4-1507-44f8-ac0d-eed1d2608d38', attachmentId: '3b4db356-253d-4fab-bfa0-e3626c0b8405', serverId: 'f4fda93b-06e0-4743-8117-bc8bcecd651b', device: '/dev/vdb' });
    t.equal(v[1]!.bootable, true, 'bootable "true" string');
  },
  'cinder/v3/volumes/v3.13/volume-show-response.json': async (t) => {
    const v = await serving('cinder/v3/volumes/v3.13/volume-show-response.json').cinder.getVolume('f7223234-1afc-4d19-bfa3-d19deb6235ef');
    t.match(v, { id: 'f7223234-1afc-4d19-bfa3-d19deb6235ef', size: 10, bootable: false, multiattach: false, encrypted: false });
    t.equal(v!.name, '', 'name null → ""');
  },
  'cinder/v3/volumes/volume-create-request.json': async (t) => {
    const sample = (load('cinder/v3/volumes/volume-create-request.json') as { volume: Record<string, unknown> }).volume;
    const c = serving('cinder/v3/volumes/v3.65/volume-create-response.json', 202);
    await c.cinder.createVolume({ name: 'n', size: Number(sample.size), metadata: sample.metadata as Record<string, string> });
    const body = (c.last().json as { volume: Record<string, unknown> }).volume;
    t.same(body, { size: 10, name: 'n', metadata: {} }, 'nulls of the sample are simply left out');
  },
  'cinder/v3/volumes/v3.65/volume-create-response.json': async (t) => {
    const v = await serving('cinder/v3/volumes/v3.65/volume-create-response.json', 202).cinder.createVolume({ name: 'x', size: 10 });
    t.match(v, { id: '2b955850-f177-45f7-9f49-ecb2c256d161', status: 'creating', volumeType: '__DEFAULT__' });
  },
  'cinder/v3/volume_type/volume-types-list-response.json': async (t) => {
    const types = await serving('cinder/v3/volume_type/volume-types-list-response.json').cinder.listVolumeTypes();
    t.same(types.map((x) => [x.name, x.extraSpecs]), [['vol-type-002', { capabilities: 'gpu' }], ['vol-type-001', { capabilities: 'gpu' }], ['__DEFAULT__', {}]]);
    t.notOk(types.some((x) => specIsTrue(x.extraSpecs.replication_enabled)));
  },
  'cinder/v3/volume_type/volume-type-show-response.json': async (t) => {
    t.match(await serving('cinder/v3/volume_type/volume-type-show-response.json').cinder.getVolumeType('6685584b-1eac-4da6-b5c3-555430cf68ff'), { name: 'vol-type-001', isPublic: true, extraSpecs: { capabilities: 'gpu' } });
  },
  'cinder/v3/volume_type/volume-type-all-extra-specs-show-response.json': async (t) => {
    t.same(await serving('cinder/v3/volume_type/volume-type-all-extra-specs-show-response.json').cinder.getExtraSpecs('t1'), { capabilities: 'gpu' });
  },
  'cinder/v3/group-types-list-response.json': async (t) => {
    const g = await serving('cinder/v3/group-types-list-response.json').cinder.listGroupTypes();
    t.same(g.map((x) => [x.name, specIsTrue(x.groupSpecs.consistent_group_snapshot_enabled)]), [['group_type1', false], ['group_type2', false]]);
  },
  'cinder/v3/group-type-show-response.json': async (t) => {
    t.match(await serving('cinder/v3/group-type-show-response.json').cinder.getGroupType('6685584b-1eac-4da6-b5c3-555430cf68ff'), { name: 'grp-type-001', groupSpecs: { consistent_group_snapshot_enabled: '<is> False' } });
  },
  'cinder/v3/group-type-create-request.json': async (t) => {
    const c = serving('cinder/v3/group-type-show-response.json');
    await c.cinder.createGroupType({ name: 'grp-type-001', description: 'group type 0001', isPublic: true, groupSpecs: { consistent_group_snapshot_enabled: '<is> False' } });
    t.same(c.last().json, load('cinder/v3/group-type-create-request.json'));
  },
  'cinder/v3/group-create-request.json': async (t) => {
    const c = serving('cinder/v3/group-create-response.json', 202);
    await c.cinder.createGroup({ name: 'first_group', description: 'first group', groupType: '29514915-5208-46ab-9ece-1cc4688ad0c1', volumeTypes: ['4e9e6d23-eed0-426d-b90a-28f87a94b6fe', 'c4daaf47-c530-4901-b28e-f5f0a359c4e6'], availabilityZone: 'az0' });
    t.same(c.last().json, load('cinder/v3/group-create-request.json'));
  },
  'cinder/v3/group-create-response.json': async (t) => {
    t.same(await serving('cinder/v3/group-create-response.json', 202).cinder.createGroup({ name: 'g', groupType: 'gt', volumeTypes: [] }), { id: '6f519a48-3183-46cf-a32f-41815f816666', name: 'first_group', volumeTypes: [] });
  },
  'cinder/v3/group-show-response.json': async (t) => {
    const c = serving('cinder/v3/group-show-response.json');
    const g = await c.cinder.getGroup('6f519a48-3183-46cf-a32f-41815f813986');
    t.match(g, { status: 'available', groupType: '29514915-5208-46ab-9ece-1cc4688ad0c1', volumeTypes: ['c4daaf47-c530-4901-b28e-f5f0a359c4e6'], volumes: ['a2cdf1ad-5497-4e57-bd7d-f573768f3d03'] });
    t.match(c.last().url, /\/groups\/6f519a48-3183-46cf-a32f-41815f813986\?list_volume=True$/);
  },
  'cinder/v3/group-update-request.json': async (t) => {
    const c = fixtureClients(() => ({ status: 202 }));
    await c.cinder.updateGroup('g1', { name: 'my_group', description: 'My group', addVolumes: ['volume-uuid-1', 'volume-uuid-2'], removeVolumes: ['volume-uuid-8', 'volume-uuid-9'] });
    t.same(c.last().json, load('cinder/v3/group-update-request.json'));
    t.equal(c.last().method, 'PUT');
  },
  'cinder/v3/group-delete-request.json': async (t) => {
    const c = fixtureClients(() => ({ status: 202 }));
    t.equal(await c.cinder.deleteGroup('g1'), true);
    t.same(c.last().json, load('cinder/v3/group-delete-request.json'));
    t.match(c.last().url, /\/groups\/g1\/action$/);
  },
  'cinder/v3/group-create-from-src-request.json': async (t) => {
    const c = serving('cinder/v3/group-create-response.json', 202);
    await c.cinder.createGroupFromSource({ name: 'first_group', description: 'first group', groupSnapshotId: '6f519a48-3183-46cf-a32f-41815f813986' });
    const sample = load('cinder/v3/group-create-from-src-request.json') as { 'create-from-src': Record<string, unknown> };
    delete sample['create-from-src'].source_group_id; // null in the sample: we leave it out
    t.same(c.last().json, sample);
  },
  'cinder/v3/group-snapshots-create-request.json': async (t) => {
    const c = serving('cinder/v3/group-snapshots-create-response.json', 202);
    await c.cinder.createGroupSnapshot({ groupId: '6f519a48-3183-46cf-a32f-41815f814546', name: 'first_group_snapshot', description: 'first group snapshot' });
    t.same(c.last().json, load('cinder/v3/group-snapshots-create-request.json'));
  },
  'cinder/v3/group-snapshots-create-response.json': async (t) => {
    t.same(await serving('cinder/v3/group-snapshots-create-response.json', 202).cinder.createGroupSnapshot({ groupId: 'g', name: 'n' }), { id: '6f519a48-3183-46cf-a32f-41815f816666', name: 'first_group_snapshot', groupTypeId: '58737af7-786b-48b7-ab7c-2447e74b0ef4' });
  },
  'cinder/v3/group-snapshots-show-response.json': async (t) => {
    t.match(await serving('cinder/v3/group-snapshots-show-response.json').cinder.getGroupSnapshot('6f519a48-3183-46cf-a32f-41815f813986'), { status: 'available', groupId: '6f519a48-3183-46cf-a32f-41815f814444' });
  },
  'cinder/v3/group-replication-failover.json': async (t) => {
    // Group failover is the array driver's business in drctl, not a Cinder call we make; the body parses.
    const b = load('cinder/v3/group-replication-failover.json') as { failover_replication: { allow_attached_volume: boolean; secondary_backend_id: string } };
    t.same(b.failover_replication, { allow_attached_volume: true, secondary_backend_id: 'vendor-id-1' });
  },
  'cinder/v3/volume_manage_extensions/volume-manage-request.json': async (t) => {
    const sample = (load('cinder/v3/volume_manage_extensions/volume-manage-request.json') as { volume: Record<string, unknown> }).volume;
    const c = serving('cinder/v3/volume_manage_extensions/volume-manage-response.json', 202);
    await c.cinder.manageVolume({ host: String(sample.host), ref: { 'source-name': 'existingLV' }, name: 'New Volume', availabilityZone: 'az2', description: 'Volume imported from existingLV', bootable: true, metadata: { key1: 'value1', key2: 'value2' } });
    const body = (c.last().json as { volume: Record<string, unknown> }).volume;
    for (const k of ['host', 'name', 'availability_zone', 'description', 'bootable', 'metadata']) t.same(body[k], sample[k], `volume.${k}`);
    t.same(body.ref, { 'source-name': 'existingLV' });
    t.match(c.last().url, /\/v3\/p1\/manageable_volumes$/);
  },
  'cinder/v3/volume_manage_extensions/volume-manage-response.json': async (t) => {
    const v = await serving('cinder/v3/volume_manage_extensions/volume-manage-response.json', 202).cinder.manageVolume({ host: 'h@b#p', ref: { 'source-id': '1234' } });
    t.match(v, { id: '23cf872b-c781-4cd4-847d-5f2ec8cbd91c', status: 'creating', bootable: false, encrypted: false, metadata: { key1: 'value1' } });
    t.equal(v.volumeType, undefined, 'legacy "null" string → undefined');
    t.equal(v.snapshotId, undefined);
  },
  'cinder/v3/volume-manage-list-detail-response.json': async (t) => {
    const m = await serving('cinder/v3/volume-manage-list-detail-response.json').cinder.listManageableVolumes({ host: 'devstack@lvm#pool' });
    t.same(m, [
      { reference: { 'source-name': 'volume-9ba5bb53-4a18-4b38-be06-992999da338d' }, size: 1, safeToManage: false, reasonNotSafe: 'already managed', cinderId: '9ba5bb53-4a18-4b38-be06-992999da338d' },
      { reference: { 'source-name': 'lvol0' }, size: 1, safeToManage: true },
    ]);
  },
  'cinder/v3/volume-unmanage-request.json': async (t) => {
    const c = fixtureClients(() => ({ status: 202 }));
    t.equal(await c.cinder.unmanageVolume('v1'), true);
    t.same(c.last().json, load('cinder/v3/volume-unmanage-request.json'));
  },
  'cinder/v3/services-list-response.json': async (t) => {
    const c = serving('cinder/v3/services-list-response.json');
    const s = await c.cinder.listServices({ binary: 'cinder-volume' });
    const vol = s.find((x) => x.binary === 'cinder-volume');
    t.match(vol, { host: 'devstack@lvmdriver-1', state: 'up', status: 'enabled', replicationStatus: 'disabled', frozen: false });
    t.equal(vol!.activeBackendId, undefined);
    t.match(c.last().url, /\/os-services\?binary=cinder-volume$/);
  },
  'cinder/v3/services-failover-host-request.json': async (t) => {
    const b = load('cinder/v3/services-failover-host-request.json') as { host: string; backend_id: null };
    t.same(b, { host: 'devstack@lvmdriver-1', backend_id: null });
  },
  'cinder/v3/attachment-show-response.json': async (t) => {
    t.match(await serving('cinder/v3/attachment-show-response.json').cinder.getAttachment('3b8b6631-1cf7-4fd7-9afb-c01e541a073c'), { status: 'attaching', volumeId: '462dcc2d-130d-4654-8db1-da0df2da6a0d', attachMode: 'ro' });
  },
  'cinder/v3/versions/versions-response.json': async (t) => {
    const c = fixtureClients(() => ({ json: { volume_types: [] } }));
    await c.cinder.listVolumeTypes();
    t.ok(c.sent.some((r) => r.url === 'http://cinder.test/'), 'version document fetched (3.60 within 3.0–3.71)');
  },

  // ---------------- Neutron
  'neutron/networks/networks-list-response.json': async (t) => {
    const c = serving('neutron/networks/networks-list-response.json');
    const n = await c.neutron.listNetworks({ name: ['net1', 'net2'] });
    t.same(n.map((x) => [x.id, x.name, x.status, x.shared, x.external]), [
      ['d32019d3-bc6e-4319-9c1d-6722fc136a22', 'net1', 'ACTIVE', false, false],
      ['db193ab3-96e3-4cb3-8fc5-05f4296d0324', 'net2', 'ACTIVE', false, false],
    ]);
    t.equal(c.last().url, 'http://neutron.test/v2.0/networks?name=net1&name=net2');
  },
  'neutron/ports/ports-list-response.json': async (t) => {
    const c = serving('neutron/ports/ports-list-response.json');
    const p = await c.neutron.listPorts({ deviceId: '9ae135f4-b6e0-4dad-9e91-3c223e385824' });
    t.equal(p.length, 2);
    t.match(p[0], { id: 'd80b1a3b-4fc1-49f3-952e-1e2ab7081d8b', networkId: '70c1db1f-b701-45bd-96e0-a313ee3430b3', deviceOwner: 'network:router_gateway', fixedIps: [{ ipAddress: '172.24.4.2' }] });
    t.equal(c.last().url, 'http://neutron.test/v2.0/ports?device_id=9ae135f4-b6e0-4dad-9e91-3c223e385824');
  },
  'neutron/security-groups/security-groups-list-response.json': async (t) => {
    t.same(await serving('neutron/security-groups/security-groups-list-response.json').neutron.listSecurityGroups(), [
      { id: '85cc3048-abc3-43cc-89b3-377341426ac5', name: 'default', description: 'default', projectId: 'e4f50856753b4dc6afee5fa6b9b6c550', ruleCount: 4 },
    ]);
  },
};

t.test('every fixture file has a check, and every check has a file', async (t) => {
  const files = walk(ROOT).map(rel).filter((f) => f !== 'MANIFEST.md').sort();
  t.equal(files.length, Object.keys(checks).length, `${files.length} fixture files, one check each`);
  t.same(files.filter((f) => !(f in checks)), [], 'no fixture without a check');
  t.same(Object.keys(checks).filter((k) => !files.includes(k)), [], 'no check without a fixture');
});

for (const [file, check] of Object.entries(checks)) {
  t.test(file, async (t) => check(t as unknown as Tap));
}

t.test('parsers tolerate the documented variations', async (t) => {
  t.equal(parseServer({ id: 's', image: '' }).imageId, undefined, 'image "" (boot from volume)');
  t.same(parseServer({ id: 's', flavor: { original_name: 'm1.large', vcpus: 4, ram: 8192, disk: 0, swap: '' } }).flavor, { name: 'm1.large', vcpus: 4, ram: 8192, disk: 0, swap: 0 });
  t.same(parseServer({ id: 's', flavor: { id: '42', links: [] } }).flavor, { id: '42' });
  t.equal(parseVolume({ id: 'v', bootable: true }).bootable, true);
  t.equal(parseVolume({ id: 'v', bootable: 'True' }).bootable, true);
  t.equal(parseVolume({ id: 'v', bootable: 'false' }).bootable, false);
  t.equal(parseVolume({ id: 'v', group_id: null }).groupId, undefined);
  t.ok(specIsTrue('<is> True'));
  t.ok(specIsTrue('True'));
  t.notOk(specIsTrue('<is> False'));
  t.throws(() => parseServer({ name: 'no id' }), { code: 'DRCTL_E2037' });
});
