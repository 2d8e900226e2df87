/**
 * Nova/Cinder/Neutron clients end to end over real HTTP against a small stateful fake cloud
 * (fake-cloud.ts + the handler below): paging, request budgets, the OpenStack side of a failover,
 * and fault mapping.
 */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestCounter } from '../../../src/providers/http.js';
import { createOpenStackClients } from '../../../src/providers/openstack/index.js';
import type { DrctlError } from '../../../src/errors.js';
import { startFakeCloud, type FakeReq, type FakeRes } from './fake-cloud.js';

type Srv = { id: string; name: string; status: string; metadata: Record<string, string>; flavor: string; volumes: string[]; networks: string[] };
type Vol = { id: string; name: string; status: string; size: number; bootable: boolean; metadata: Record<string, string>; group_id: string | null; volume_type: string; attachedTo?: string };

/** A tiny stateful Nova/Cinder/Neutron. `maxLimit` mimics Nova/Cinder's max_limit (1000). */
function world(opts: { servers?: number; maxLimit?: number; adminOnlyManage?: boolean } = {}) {
  const maxLimit = opts.maxLimit ?? 1000;
  const servers: Srv[] = Array.from({ length: opts.servers ?? 0 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `vm-${i}`,
    status: 'ACTIVE',
    metadata: (i % 100 === 0 ? { 'drctl.group': 'g1' } : {}) as Record<string, string>,
    flavor: 'm1.small',
    volumes: [],
    networks: ['private'],
  }));
  const volumes: Vol[] = [];
  const groups: { id: string; name: string; status: string; volumes: string[]; volume_types: string[] }[] = [];
  const nets = [
    { id: 'net-1', name: 'private' },
    { id: 'net-2', name: 'net-secondary-web' },
  ];
  let seq = 0;
  const id = (p: string) => `${p}-${++seq}`;
  const page = <T extends { id: string }>(all: T[], q: URLSearchParams, key: string, base: string) => {
    const limit = Math.min(Number(q.get('limit') ?? maxLimit), maxLimit);
    const marker = q.get('marker');
    const start = marker ? all.findIndex((x) => x.id === marker) + 1 : 0;
    if (marker && start === 0) return { status: 400, body: { badRequest: { code: 400, message: `marker [${marker}] not found` } } };
    const items = all.slice(start, start + limit);
    const body: Record<string, unknown> = { [key]: items };
    if (items.length === limit) {
      const next = new URLSearchParams(q);
      next.set('limit', String(limit));
      next.set('marker', items[items.length - 1]!.id);
      body[`${key}_links`] = [{ rel: 'next', href: `${base}?${next.toString()}` }];
    }
    return { status: 200, body };
  };
  const serverView = (s: Srv) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    metadata: s.metadata,
    flavor: { original_name: s.flavor, vcpus: 1, ram: 2048, disk: 10, ephemeral: 0, swap: 0, extra_specs: {} },
    image: '',
    addresses: Object.fromEntries(s.networks.map((n) => [n, [{ addr: '10.0.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' }]])),
    'os-extended-volumes:volumes_attached': s.volumes.map((v) => ({ id: v, delete_on_termination: false })),
    security_groups: [{ name: 'default' }],
  });
  const volView = (v: Vol) => ({ ...v, bootable: String(v.bootable), attachments: v.attachedTo ? [{ server_id: v.attachedTo, id: v.id, volume_id: v.id }] : [] });
  const fault = (status: number, name: string, message: string): FakeRes => ({ status, body: { [name]: { code: status, message } } });

  const handler = (r: FakeReq): FakeRes | undefined => {
    const admin = false;
    if (r.service === 'nova') {
      if (r.method === 'GET' && r.path === '/servers/detail') {
        let all = servers;
        const name = r.query.get('name');
        if (name) all = all.filter((s) => new RegExp(name).test(s.name));
        const res = page(all.map(serverView), r.query, 'servers', `http://nova.example.invalid/compute/v2.1/servers/detail`);
        return res;
      }
      let m = /^\/servers\/([^/]+)$/.exec(r.path);
      if (m) {
        const s = servers.find((x) => x.id === m![1]);
        if (!s) return fault(404, 'itemNotFound', `Instance ${m[1]} could not be found.`);
        if (r.method === 'GET') return { status: 200, body: { server: serverView(s) } };
        if (r.method === 'DELETE') {
          servers.splice(servers.indexOf(s), 1);
          for (const v of volumes) if (v.attachedTo === s.id) Object.assign(v, { attachedTo: undefined, status: 'available' });
          return { status: 204 };
        }
      }
      if (r.method === 'POST' && r.path === '/servers') {
        const b = (r.body as { server: { name: string; flavorRef: string; networks: { uuid: string }[]; metadata?: Record<string, string>; block_device_mapping_v2: { uuid: string; boot_index: number }[] } }).server;
        const boot = b.block_device_mapping_v2.find((d) => d.boot_index === 0);
        const v = volumes.find((x) => x.id === boot?.uuid);
        if (!v) return fault(400, 'badRequest', `Volume ${boot?.uuid} could not be found.`);
        if (!v.bootable) return fault(400, 'badRequest', `Block Device ${v.id} is not bootable.`);
        const net = nets.find((n) => n.id === b.networks[0]?.uuid);
        if (!net) return fault(400, 'badRequest', `Network ${b.networks[0]?.uuid} could not be found.`);
        const s: Srv = { id: id('srv'), name: b.name, status: 'ACTIVE', metadata: b.metadata ?? {}, flavor: b.flavorRef, volumes: b.block_device_mapping_v2.map((d) => d.uuid), networks: [net.name] };
        servers.push(s);
        for (const d of b.block_device_mapping_v2) Object.assign(volumes.find((x) => x.id === d.uuid)!, { attachedTo: s.id, status: 'in-use' });
        return { status: 202, body: { server: { id: s.id, adminPass: 'root-Pass-1', security_groups: [{ name: 'default' }] } }, headers: { Location: `/servers/${s.id}` } };
      }
      m = /^\/servers\/([^/]+)\/action$/.exec(r.path);
      if (m && r.method === 'POST') {
        const s = servers.find((x) => x.id === m![1]);
        if (!s) return fault(404, 'itemNotFound', `Instance ${m[1]} could not be found.`);
        const b = r.body as Record<string, unknown>;
        if ('os-stop' in b) {
          if (s.status !== 'ACTIVE' && s.status !== 'ERROR') return fault(409, 'conflictingRequest', `Cannot 'stop' instance ${s.id} while it is in vm_state stopped`);
          s.status = 'SHUTOFF';
        } else if ('os-start' in b) {
          if (s.status !== 'SHUTOFF') return fault(409, 'conflictingRequest', `Cannot 'start' instance ${s.id} while it is in vm_state active`);
          s.status = 'ACTIVE';
        }
        return { status: 202 };
      }
      m = /^\/servers\/([^/]+)\/metadata(?:\/([^/]+))?$/.exec(r.path);
      if (m) {
        const s = servers.find((x) => x.id === m![1])!;
        const key = m[2] ? decodeURIComponent(m[2]) : undefined;
        if (key && r.method === 'PUT') {
          Object.assign(s.metadata, (r.body as { meta: Record<string, string> }).meta);
          return { status: 200, body: r.body };
        }
        if (key && r.method === 'DELETE') {
          if (!(key in s.metadata)) return fault(404, 'itemNotFound', 'Metadata item was not found');
          delete s.metadata[key];
          return { status: 204 };
        }
        if (r.method === 'PUT') s.metadata = { ...(r.body as { metadata: Record<string, string> }).metadata };
        if (r.method === 'POST') Object.assign(s.metadata, (r.body as { metadata: Record<string, string> }).metadata);
        return { status: 200, body: { metadata: s.metadata } };
      }
      if (r.path === '/flavors/detail') return { status: 200, body: { flavors: [{ id: 'f2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 10, swap: 0 }] } };
    }
    if (r.service === 'cinder') {
      if (r.method === 'GET' && r.path === '/volumes/detail') {
        let all = volumes;
        const md = r.query.get('metadata');
        if (md) {
          // cinderclient-style dict literal
          const pairs = [...md.matchAll(/'((?:[^'\\]|\\.)*)':\s*'((?:[^'\\]|\\.)*)'/g)].map((x) => [x[1]!.replace(/\\(.)/g, '$1'), x[2]!.replace(/\\(.)/g, '$1')] as const);
          all = all.filter((v) => pairs.every(([k, val]) => v.metadata[k] === val));
        }
        const g = r.query.get('group_id');
        if (g) all = all.filter((v) => v.group_id === g);
        return page(all.map(volView), r.query, 'volumes', 'http://cinder.example.invalid/volume/v3/p/volumes/detail');
      }
      let m = /^\/volumes\/([^/]+)$/.exec(r.path);
      if (m && r.method === 'GET') {
        const v = volumes.find((x) => x.id === m![1]);
        return v ? { status: 200, body: { volume: volView(v) } } : fault(404, 'itemNotFound', `Volume ${m[1]} could not be found.`);
      }
      if (r.method === 'POST' && r.path === '/manageable_volumes') {
        if (opts.adminOnlyManage && !admin) return fault(403, 'forbidden', "Policy doesn't allow volume_extension:volume_manage to be performed.");
        const b = (r.body as { volume: { host?: string; ref: Record<string, string>; name: string; metadata?: Record<string, string>; volume_type?: string; bootable?: boolean } }).volume;
        if (b.host !== 'site-a@pure#pure') return fault(400, 'badRequest', `Service ${b.host} could not be found.`);
        const v: Vol = { id: id('vol'), name: b.name, status: 'available', size: 10, bootable: b.bootable ?? false, metadata: b.metadata ?? {}, group_id: null, volume_type: b.volume_type ?? '__DEFAULT__' };
        volumes.push(v);
        return { status: 202, body: { volume: { ...volView(v), status: 'creating', bootable: 'false', volume_type: 'null', snapshot_id: 'null' } } };
      }
      m = /^\/volumes\/([^/]+)\/action$/.exec(r.path);
      if (m && r.method === 'POST') {
        const v = volumes.find((x) => x.id === m![1]);
        if (!v) return fault(404, 'itemNotFound', `Volume ${m[1]} could not be found.`);
        const b = r.body as Record<string, { bootable?: boolean }>;
        if ('os-set_bootable' in b) v.bootable = b['os-set_bootable']!.bootable === true;
        if ('os-unmanage' in b) {
          if (v.status !== 'available') return fault(400, 'badRequest', `Invalid volume: Volume status must be available, but current status is: ${v.status}.`);
          volumes.splice(volumes.indexOf(v), 1);
        }
        return { status: 202 };
      }
      m = /^\/volumes\/([^/]+)\/metadata$/.exec(r.path);
      if (m) {
        const v = volumes.find((x) => x.id === m![1])!;
        if (r.method === 'POST') Object.assign(v.metadata, (r.body as { metadata: Record<string, string> }).metadata);
        return { status: 200, body: { metadata: v.metadata } };
      }
      if (r.method === 'POST' && r.path === '/groups') {
        const b = (r.body as { group: { name: string; volume_types: string[] } }).group;
        const g = { id: id('grp'), name: b.name, status: 'available', volumes: [], volume_types: b.volume_types };
        groups.push(g);
        return { status: 202, body: { group: { id: g.id, name: g.name } } };
      }
      m = /^\/groups\/([^/]+)$/.exec(r.path);
      if (m) {
        const g = groups.find((x) => x.id === m![1]);
        if (!g) return fault(404, 'itemNotFound', `Group ${m[1]} could not be found.`);
        if (r.method === 'GET') return { status: 200, body: { group: { ...g, volumes: r.query.get('list_volume') === 'True' ? g.volumes : undefined } } };
        if (r.method === 'PUT') {
          const b = (r.body as { group: { add_volumes?: string; remove_volumes?: string } }).group;
          for (const vid of (b.add_volumes ?? '').split(',').filter(Boolean)) {
            const v = volumes.find((x) => x.id === vid);
            if (!v) return fault(400, 'badRequest', `Invalid volume: Cannot add volume ${vid} to group ${g.id} because volume cannot be found.`);
            v.group_id = g.id;
            g.volumes.push(vid);
          }
          for (const vid of (b.remove_volumes ?? '').split(',').filter(Boolean)) {
            g.volumes = g.volumes.filter((x) => x !== vid);
            const v = volumes.find((x) => x.id === vid);
            if (v) v.group_id = null;
          }
          return { status: 202 };
        }
      }
      if (r.method === 'GET' && r.path === '/os-services') {
        return { status: 200, body: { services: [{ binary: 'cinder-volume', host: 'site-a@pure', zone: 'nova', status: 'enabled', state: 'up', replication_status: 'enabled', active_backend_id: null, frozen: false }] } };
      }
    }
    if (r.service === 'neutron') {
      if (r.method === 'GET' && r.path === '/networks') {
        const names = r.query.getAll('name');
        return { status: 200, body: { networks: nets.filter((n) => !names.length || names.includes(n.name)).map((n) => ({ ...n, status: 'ACTIVE', subnets: [], shared: true })) } };
      }
      if (r.method === 'GET' && r.path === '/ports') {
        const ids = r.query.getAll('device_id');
        const ports = servers
          .filter((s) => ids.includes(s.id))
          .map((s, i) => ({ id: `port-${i}`, network_id: 'net-1', device_id: s.id, device_owner: 'compute:nova', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.5' }], security_groups: ['sg-1'], status: 'ACTIVE' }));
        return { status: 200, body: { ports } };
      }
      if (r.method === 'GET' && r.path === '/networks/none') return { status: 404, body: { NeutronError: { type: 'NetworkNotFound', message: 'Network none could not be found.', detail: '' } } };
    }
    return undefined;
  };
  return { handler, servers, volumes, groups };
}

type TT = { teardown(fn: () => unknown): void };
async function setup(t: TT, w: ReturnType<typeof world>) {
  const fake = await startFakeCloud({ handler: (r) => w.handler(r) });
  t.teardown(() => fake.close());
  const counter = createRequestCounter();
  const c = createOpenStackClients({ site: 'site-a', cloud: fake.cloud(), onRequest: counter.hook, httpOptions: { sleep: async () => undefined } });
  return { fake, counter, ...c };
}

t.test('listing 1,000 / 2,500 servers costs O(pages) requests, not O(servers)', async (t) => {
  const cases: [number, number][] = [
    // servers, expected nova page requests (a full page always carries a next link)
    [10, 1],
    [999, 1],
    [1000, 2],
    [2500, 3],
  ];
  for (const [n, pages] of cases) {
    const w = world({ servers: n });
    const { nova, counter } = await setup(t, w);
    const servers = await nova.listServers();
    t.equal(servers.length, n, `${n} servers listed`);
    t.equal(new Set(servers.map((s) => s.id)).size, n, 'no duplicates across pages');
    // 1 token + 1 version document + pages
    t.same(counter.counts(), { 'site-a': { keystone: 1, nova: 1 + pages } }, `${n} servers: ${pages} page request(s)`);
  }
});

t.test('the page size is capped by the server (max_limit) and paging still completes', async (t) => {
  const w = world({ servers: 1000, maxLimit: 250 });
  const { nova, fake } = await setup(t, w);
  const servers = await nova.listServers({ paging: { limit: 1000 } });
  t.equal(servers.length, 1000);
  t.equal(fake.requests.filter((r) => r.path === '/servers/detail').length, 5, '4 full pages + 1 empty');
});

t.test('filters: Nova name, Cinder metadata and group_id, Neutron name and device_id', async (t) => {
  const w = world({ servers: 300 });
  const { nova, cinder, neutron, fake } = await setup(t, w);
  const s = await nova.listServers({ filters: { name: '^vm-29\\d$' } });
  t.same(s.map((x) => x.name), ['vm-290', 'vm-291', 'vm-292', 'vm-293', 'vm-294', 'vm-295', 'vm-296', 'vm-297', 'vm-298', 'vm-299']);
  t.equal(fake.requests.filter((r) => r.path === '/servers/detail').at(-1)!.query.get('name'), '^vm-29\\d$');

  w.volumes.push(
    { id: 'v1', name: 'a', status: 'available', size: 1, bootable: false, metadata: { 'drctl.group': 'g1', 'drctl.member': "o'brien" }, group_id: 'grp-x', volume_type: 't' },
    { id: 'v2', name: 'b', status: 'available', size: 1, bootable: true, metadata: { 'drctl.group': 'g2' }, group_id: null, volume_type: 't' },
  );
  t.same((await cinder.listVolumes({ filters: { metadata: { 'drctl.group': 'g1', 'drctl.member': "o'brien" } } })).map((v) => v.id), ['v1'], 'quotes escaped in the metadata filter');
  t.same((await cinder.listVolumes({ filters: { group_id: 'grp-x' } })).map((v) => v.id), ['v1']);
  const v2 = (await cinder.listVolumes({ filters: { metadata: { 'drctl.group': 'g2' } } }))[0]!;
  t.equal(v2.bootable, true, 'bootable "true" parsed');

  t.same((await neutron.listNetworks({ name: 'net-secondary-web' })).map((n) => n.id), ['net-2']);
  const ports = await neutron.listPorts({ deviceId: [w.servers[0]!.id, w.servers[1]!.id] });
  t.same(ports.map((p) => p.deviceId), [w.servers[0]!.id, w.servers[1]!.id], 'one request for the ports of many servers');
  t.equal(fake.requests.filter((r) => r.path === '/ports').length, 1);
});

t.test('the OpenStack side of a failover: manage, bootable, group, boot from volume, stop, tag, delete, unmanage', async (t) => {
  const w = world();
  const { nova, cinder, neutron, fake } = await setup(t, w);
  const [svc] = await cinder.listServices({ binary: 'cinder-volume' });
  const host = `${svc!.host}#pure`;
  const managed = await cinder.manageVolume({ host, ref: { 'source-name': 'volume-abc-cinder' }, name: 'db-server-1-boot', metadata: { 'drctl.group': 'prod', 'drctl.source-volume': 'abc' } });
  t.equal(managed.status, 'creating');
  t.equal(managed.volumeType, undefined, 'legacy "null" string');
  // Nova refuses a non-bootable boot volume (real Zed behaviour, labs REPORT): mark it bootable first.
  const err = (await nova.createServer({ name: 'db-server-1', flavorRef: 'f2', bootVolumeId: managed.id, networks: [{ uuid: 'net-1' }] }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2034');
  t.match(err.message, /site-a nova POST \/servers → 400 badRequest: Block Device vol-\d+ is not bootable\./);
  await cinder.setBootable(managed.id, true);
  t.equal((await cinder.getVolume(managed.id))!.bootable, true);

  const group = await cinder.createGroup({ name: 'drctl-prod', groupType: 'gt', volumeTypes: ['t'] });
  await cinder.addVolumesToGroup(group.id, [managed.id]);
  t.same((await cinder.getGroup(group.id))!.volumes, [managed.id]);

  const [net] = await neutron.listNetworks({ name: 'private' });
  const created = await nova.createServer({ name: 'db-server-1', flavorRef: 'f2', bootVolumeId: managed.id, networks: [{ uuid: net!.id }], securityGroups: ['default'], metadata: { 'drctl.group': 'prod', 'drctl.role': 'production' } });
  const boot = fake.requests.find((r) => r.method === 'POST' && r.path === '/servers')!;
  t.match(boot.body, { server: { block_device_mapping_v2: [{ boot_index: 0, uuid: managed.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }], networks: [{ uuid: 'net-1' }] } });
  t.notOk('imageRef' in (boot.body as { server: object }).server);
  const srv = await nova.getServer(created.id);
  t.match(srv, { status: 'ACTIVE', flavor: { name: 'f2' }, metadata: { 'drctl.group': 'prod' } });
  t.equal(srv!.imageId, undefined, 'boot from volume: image ""');
  t.same(srv!.volumesAttached, [{ id: managed.id, deleteOnTermination: false }]);

  await nova.stopServer(created.id);
  t.equal((await nova.getServer(created.id))!.status, 'SHUTOFF');
  const again = (await nova.stopServer(created.id).catch((e: unknown) => e)) as DrctlError;
  t.equal(again.code, 'DRCTL_E2032', 'stopping a stopped server is a 409 conflict');
  t.match(again.hint, /state/);
  await nova.startServer(created.id);
  await nova.stopServer(created.id);

  t.same(await nova.updateMetadata(created.id, { 'drctl.op': 'op-1' }), { 'drctl.group': 'prod', 'drctl.role': 'production', 'drctl.op': 'op-1' });
  await nova.setMetadataItem(created.id, 'drctl.tier', '1');
  t.equal(await nova.deleteMetadataItem(created.id, 'drctl.op'), true);
  t.equal(await nova.deleteMetadataItem(created.id, 'drctl.op'), false, 'already gone');
  t.same(await nova.getMetadata(created.id), { 'drctl.group': 'prod', 'drctl.role': 'production', 'drctl.tier': '1' });
  t.same(await nova.setMetadata(created.id, { only: 'this' }), { only: 'this' });

  t.equal(await nova.deleteServer(created.id), true);
  t.equal(await nova.deleteServer(created.id), false, 'deleting again is not an error');
  t.equal(await nova.getServer(created.id), undefined);

  await cinder.removeVolumesFromGroup(group.id, [managed.id]);
  t.equal(await cinder.unmanageVolume(managed.id), true);
  t.equal(await cinder.getVolume(managed.id), undefined);
  t.equal(await cinder.unmanageVolume(managed.id), false);
});

t.test('manage denied by policy: 403 with the adminCloud hint', async (t) => {
  const { cinder } = await setup(t, world({ adminOnlyManage: true }));
  const err = (await cinder.manageVolume({ host: 'site-a@pure#pure', ref: { 'source-name': 'x' } }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2033');
  t.match(err.hint, /adminCloud/);
  await t.rejects(cinder.manageVolume({ ref: { 'source-name': 'x' } }), TypeError, 'exactly one of host and cluster');
});

t.test('neutron and cinder faults carry the API message', async (t) => {
  const { neutron, cinder } = await setup(t, world());
  t.equal(await neutron.getNetwork('none'), undefined, '404 → undefined for lookups');
  const err = (await cinder.addVolumesToGroup('missing', ['v']).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2031');
  t.equal(err.message, 'site-a cinder PUT /groups/missing → 404 itemNotFound: Group missing could not be found.');
});

t.test('transient 503s on GET are retried transparently; a 500 on POST is reported, not repeated', async (t) => {
  let flaky = 2;
  let posts = 0;
  const fake = await startFakeCloud({
    handler: (r) => {
      if (r.path === '/flavors/detail') {
        if (flaky-- > 0) return { status: 503, body: { serviceUnavailable: { code: 503, message: 'try later' } }, headers: { 'Retry-After': '1' } };
        return { status: 200, body: { flavors: [] } };
      }
      if (r.path === '/servers' && r.method === 'POST') {
        posts++;
        return { status: 500, body: { computeFault: { code: 500, message: 'Unexpected API Error.' } } };
      }
      return undefined;
    },
  });
  t.teardown(() => fake.close());
  const sleeps: number[] = [];
  const { nova } = createOpenStackClients({ site: 'site-a', cloud: fake.cloud(), httpOptions: { sleep: async (ms) => void sleeps.push(ms) } });
  t.same(await nova.listFlavors(), []);
  t.same(sleeps, [1000, 1000], 'Retry-After: 1 honoured twice');
  const err = (await nova.createServer({ name: 'x', flavorRef: 'f', bootVolumeId: 'v', networks: 'none' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2035');
  t.equal(posts, 1);
  t.match(err.message, /site-a nova POST \/servers → 500 computeFault: Unexpected API Error\./);
});

t.test('os-stop / os-start are retried on a 502 (a repeat of one that happened gets 409, which steps accept)', async (t) => {
  const seen: Record<string, number> = {};
  const fake = await startFakeCloud({
    handler: (r) => {
      if (r.method === 'POST' && /^\/servers\/[^/]+\/action$/.test(r.path)) {
        const action = Object.keys((r.body ?? {}) as Record<string, unknown>)[0] ?? '?';
        seen[action] = (seen[action] ?? 0) + 1;
        if (seen[action] === 1) return { status: 502, body: { message: 'Bad Gateway' } };
        return { status: 202, body: null };
      }
      return undefined;
    },
  });
  t.teardown(() => fake.close());
  const { nova } = createOpenStackClients({ site: 'site-a', cloud: fake.cloud(), httpOptions: { sleep: async () => undefined } });
  await nova.stopServer('srv-1');
  await nova.startServer('srv-1');
  t.same(seen, { 'os-stop': 2, 'os-start': 2 }, 'each action sent again after the 502, then accepted');
});

t.test('a volume transfer auth key is a secret: registered when created or accepted, redacted from errors and bodies', async (t) => {
  const KEY = '0123abcd4567ef89';
  const fake = await startFakeCloud({
    handler: (r) => {
      if (r.method === 'POST' && r.path === '/volume-transfers') return { status: 202, body: { transfer: { id: 'tr-1', auth_key: KEY, volume_id: 'v-1', name: 'x' } } };
      if (r.method === 'POST' && r.path === '/volume-transfers/tr-1/accept') return { status: 400, body: { badRequest: { code: 400, message: `Invalid auth key ${KEY} for transfer tr-1` } } };
      if (r.method === 'POST' && r.path === '/volume-transfers/tr-2/accept') return { status: 400, body: { badRequest: { code: 400, message: 'Invalid auth key fedcba9876543210' } } };
      return undefined;
    },
  });
  t.teardown(() => fake.close());
  const { cinder, session } = createOpenStackClients({ site: 'site-a', cloud: fake.cloud(), httpOptions: { sleep: async () => undefined } });
  const tr = await cinder.createTransfer('v-1', 'x');
  t.equal(tr.authKey, KEY);
  const err = (await cinder.acceptTransfer('tr-1', tr.authKey).catch((e: unknown) => e)) as DrctlError;
  t.match(err.message, /Invalid auth key <redacted> for transfer tr-1/);
  t.notMatch(JSON.stringify({ m: err.message, h: err.hint, d: err.details }), KEY, 'the key appears nowhere in the error');
  // A key drctl only accepted (made elsewhere) is registered too.
  const err2 = (await cinder.acceptTransfer('tr-2', 'fedcba9876543210').catch((e: unknown) => e)) as DrctlError;
  t.notMatch(err2.message, /fedcba9876543210/);
  t.equal(session.secrets.redact(`{"auth_key": "${KEY}"}`).includes(KEY), false);
});

t.test('a site whose APIs are down: E2001 naming the site and service', async (t) => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const { nova } = createOpenStackClients({
    site: 'site-b',
    cloud: { name: 'site-b', authType: 'password', auth: { authUrl: `http://127.0.0.1:${port}/v3`, username: 'u', password: 'p', projectName: 'p' }, interface: 'public', verify: true },
    httpOptions: { sleep: async () => undefined },
  });
  const err = (await nova.listServers().catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2001');
  t.match(err.message, new RegExp(`^site-b keystone unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(after 4 attempts over`));
});
