/**
 * Nova (compute v2.1, microversions up to Zed's 2.93) of one site: servers booted from Cinder
 * volumes, flavors, keypairs, metadata, stop/start/delete. Server status is derived from the power
 * intent and the simulated clock: BUILD for bootSeconds after create, then ACTIVE; os-stop keeps
 * ACTIVE (task_state powering-off) for stopSeconds, then SHUTOFF; os-start the reverse.
 */
import { createHash } from 'node:crypto';
import { attachVolume, deleteVolume, detachVolume, volumeStatus } from './cinder.js';
import { hiddenNames } from './faults.js';
import { markerPage, nextHref } from './http/paginate.js';
import { isoMicros, isoSeconds } from './http/time.js';
import { ApiError, badRequest, bodyObject, conflict, noContent, notFound, ok, type MockResponse, type Route, type RouteContext, type Version } from './http/types.js';
import { createPort, deletePort, findNetwork } from './neutron.js';
import type { FlavorRec, NetworkRec, ServerRec, SiteData } from './types.js';
import type { MockWorld } from './world.js';

export const NOVA_VERSIONS = { min: [2, 1] as Version, max: [2, 93] as Version };

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova and Cinder fault body: {"<fault>": {"code": N, "message": "..."}}. */
export function faultBody(status: number, message: string): MockResponse {
  return { status, body: { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } } };
}

const atLeast = (mv: Version, major: number, minor: number): boolean => mv[0] > major || (mv[0] === major && mv[1] >= minor);

// ------------------------------------------------------------------ state

export interface ServerState {
  status: string;
  vmState: string;
  taskState: string | null;
  powerState: number;
  /** When the current state was reached (for `updated`). */
  since: number;
  launchedAt: number | null;
}

export function serverState(world: MockWorld, s: ServerRec, now = world.now()): ServerState {
  const st = world.settings;
  if (s.error) return { status: 'ERROR', vmState: 'error', taskState: null, powerState: 0, since: s.error.at, launchedAt: null };
  const bootDone = s.createdAt + st.bootSeconds * 1000;
  if (now < bootDone) {
    const taskState = now < s.createdAt + (bootDone - s.createdAt) / 2 ? 'scheduling' : 'spawning';
    return { status: 'BUILD', vmState: 'building', taskState, powerState: 0, since: s.createdAt, launchedAt: null };
  }
  const p = s.power;
  if (p.kind === 'boot') return { status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1, since: bootDone, launchedAt: bootDone };
  const dur = (p.kind === 'stop' ? st.stopSeconds : st.startSeconds) * 1000;
  const done = p.at + dur;
  if (p.kind === 'stop') {
    if (now < done) return { status: 'ACTIVE', vmState: 'active', taskState: 'powering-off', powerState: 1, since: p.at, launchedAt: bootDone };
    return { status: 'SHUTOFF', vmState: 'stopped', taskState: null, powerState: 4, since: done, launchedAt: bootDone };
  }
  if (now < done) return { status: 'SHUTOFF', vmState: 'stopped', taskState: 'powering-on', powerState: 4, since: p.at, launchedAt: bootDone };
  return { status: 'ACTIVE', vmState: 'active', taskState: null, powerState: 1, since: done, launchedAt: done };
}

// ------------------------------------------------------------------ model operations

export interface BootRequest {
  name: string;
  flavor: FlavorRec;
  networks: NetworkRec[];
  securityGroups: string[];
  keyName: string | null;
  metadata: Record<string, string>;
  /** boot volume first */
  volumes: { volumeId: string; deleteOnTermination: boolean; bootIndex: number | null }[];
}

/** Creates a server (BUILD, ACTIVE after bootSeconds): ports on its networks, volumes attached. */
export function bootServer(world: MockWorld, site: SiteData, r: BootRequest): ServerRec {
  const now = world.now();
  const id = world.uuid();
  const sgIds = r.securityGroups
    .map((name) => world.names(site.name).securityGroupByName.get(name)?.id)
    .filter((x): x is string => Boolean(x));
  const ports = r.networks.map((n) => createPort(world, site, n, id, sgIds));
  const f = r.flavor;
  const server: ServerRec = {
    id,
    name: r.name,
    userId: site.keystone.users.member.id,
    flavor: { id: f.id, original_name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, extra_specs: { ...f.extraSpecs } },
    keyName: r.keyName,
    metadata: { ...r.metadata },
    securityGroups: [...new Set(r.securityGroups)],
    portIds: ports.map((p) => p.id),
    ownedPortIds: ports.map((p) => p.id),
    volumes: [],
    createdAt: now,
    updatedAt: now,
    power: { want: 'on', at: now, kind: 'boot' },
    hostId: createHash('sha224').update(`${site.keystone.project.id}mock-compute-${site.name}`).digest('hex'),
    availabilityZone: 'nova',
    description: null,
    tags: [],
  };
  site.nova.servers[id] = server;
  r.volumes.forEach((v, i) => {
    const vol = site.cinder.volumes[v.volumeId]!;
    const device = `/dev/vd${String.fromCharCode(97 + i)}`;
    const attachmentId = attachVolume(world, site, vol, id, device);
    server.volumes.push({ volumeId: v.volumeId, deleteOnTermination: v.deleteOnTermination, device, attachmentId, bootIndex: v.bootIndex });
  });
  world.touch();
  return server;
}

export function stopServer(world: MockWorld, s: ServerRec): void {
  const st = serverState(world, s);
  if (!(['active', 'error'].includes(st.vmState) && st.taskState === null)) throw conflictState('stop', s.id, st, ['active', 'error']);
  const now = world.now();
  s.power = { want: 'off', at: now, kind: 'stop' };
  s.updatedAt = now;
  world.touch();
}

export function startServer(world: MockWorld, s: ServerRec): void {
  const st = serverState(world, s);
  if (!(st.vmState === 'stopped' && st.taskState === null)) throw conflictState('start', s.id, st, ['stopped']);
  const now = world.now();
  s.power = { want: 'on', at: now, kind: 'start' };
  s.updatedAt = now;
  world.touch();
}

/** Nova's check_instance_state: vm_state is checked before task_state. */
function conflictState(action: string, id: string, st: ServerState, vmStates: string[]): ApiError {
  const [attr, state] = !vmStates.includes(st.vmState) ? ['vm_state', st.vmState] : ['task_state', st.taskState];
  return conflict(`Cannot '${action}' instance ${id} while it is in ${attr} ${state}`);
}

export function deleteServer(world: MockWorld, site: SiteData, s: ServerRec): void {
  for (const v of s.volumes) {
    const vol = site.cinder.volumes[v.volumeId];
    if (!vol) continue;
    detachVolume(world, site, vol, s.id);
    if (v.deleteOnTermination) deleteVolume(world, site, vol);
  }
  for (const pid of s.portIds) {
    if (s.ownedPortIds.includes(pid)) deletePort(world, site, pid);
    else {
      const p = site.neutron.ports[pid];
      if (p) {
        p.deviceId = '';
        p.deviceOwner = '';
      }
    }
  }
  delete site.nova.servers[s.id];
  world.touch();
}

// ------------------------------------------------------------------ views

function flavorVisible(ctx: RouteContext): (f: FlavorRec) => boolean {
  const hidden = hiddenNames(ctx.world, ctx.siteName, 'missing-flavor');
  return (f) => !hidden.has(f.name);
}

function findServer(ctx: RouteContext): ServerRec {
  const s = ctx.site.nova.servers[ctx.params.id!];
  if (!s) throw notFound(`Instance ${ctx.params.id} could not be found.`);
  return s;
}

function links(ctx: RouteContext, collection: string, id: string): { rel: string; href: string }[] {
  return [
    { rel: 'self', href: `${ctx.base}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.origin}/compute/${collection}/${id}` },
  ];
}

function addresses(ctx: RouteContext, s: ServerRec): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const pid of s.portIds) {
    const p = ctx.site.neutron.ports[pid];
    if (!p) continue;
    const net = ctx.site.neutron.networks[p.networkId];
    const name = net?.name ?? p.networkId;
    const list = (out[name] ??= []);
    for (const ip of p.fixedIps) list.push({ version: 4, addr: ip.ipAddress, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.macAddress });
  }
  return out;
}

export function serverView(ctx: RouteContext, s: ServerRec, opts: { show: boolean }): Record<string, unknown> {
  const mv = ctx.mv;
  const st = serverState(ctx.world, s, ctx.now);
  // While building, ports are not bound and volumes not attached yet (as recorded).
  const building = st.status === 'BUILD';
  const v: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: st.status,
    tenant_id: ctx.site.keystone.project.id,
    user_id: s.userId,
    metadata: { ...s.metadata },
    hostId: st.status === 'BUILD' ? '' : s.hostId,
    image: '',
    flavor: atLeast(mv, 2, 47)
      ? { vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, ephemeral: s.flavor.ephemeral, swap: s.flavor.swap, original_name: s.flavor.original_name, extra_specs: { ...s.flavor.extra_specs } }
      : { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${ctx.origin}/compute/flavors/${s.flavor.id}` }] },
    created: isoSeconds(s.createdAt),
    updated: isoSeconds(Math.max(s.updatedAt, st.since)),
    addresses: building ? {} : addresses(ctx, s),
    accessIPv4: '',
    accessIPv6: '',
    links: links(ctx, 'servers', s.id),
    'OS-DCF:diskConfig': 'MANUAL',
  };
  if (['ACTIVE', 'BUILD'].includes(st.status)) v.progress = 0;
  v['OS-EXT-AZ:availability_zone'] = st.status === 'BUILD' ? '' : s.availabilityZone;
  v.config_drive = '';
  v.key_name = s.keyName;
  v['OS-SRV-USG:launched_at'] = st.launchedAt === null ? null : isoMicros(st.launchedAt);
  v['OS-SRV-USG:terminated_at'] = null;
  // Security groups come from the server's ports: none without a port (networks "none") or while building.
  if (!building && s.portIds.length && s.securityGroups.length) v.security_groups = s.securityGroups.map((name) => ({ name }));
  v['OS-EXT-STS:task_state'] = st.taskState;
  v['OS-EXT-STS:vm_state'] = st.vmState;
  v['OS-EXT-STS:power_state'] = st.powerState;
  v['os-extended-volumes:volumes_attached'] = (building ? [] : s.volumes).map((a) =>
    atLeast(mv, 2, 3) ? { id: a.volumeId, delete_on_termination: a.deleteOnTermination } : { id: a.volumeId },
  );
  if (s.error) v.fault = { code: s.error.code, created: isoSeconds(s.error.at), message: s.error.message };
  if (atLeast(mv, 2, 9)) v.locked = false;
  if (atLeast(mv, 2, 19)) v.description = s.description;
  if (atLeast(mv, 2, 26)) v.tags = [...s.tags];
  if (atLeast(mv, 2, 63)) v.trusted_image_certificates = null;
  if (atLeast(mv, 2, 73)) v.locked_reason = null;
  if (opts.show && atLeast(mv, 2, 71)) v.server_groups = [];
  return v;
}

export function flavorView(ctx: RouteContext, f: FlavorRec, detail: boolean): Record<string, unknown> {
  const mv = ctx.mv;
  const v: Record<string, unknown> = { id: f.id, name: f.name };
  if (detail) {
    Object.assign(v, {
      ram: f.ram,
      disk: f.disk,
      swap: atLeast(mv, 2, 75) ? f.swap : f.swap === 0 ? '' : f.swap,
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: f.vcpus,
      'os-flavor-access:is_public': f.isPublic,
      rxtx_factor: 1.0,
    });
  }
  v.links = links(ctx, 'flavors', f.id);
  if (atLeast(mv, 2, 55)) v.description = f.description;
  if (detail && atLeast(mv, 2, 61)) v.extra_specs = { ...f.extraSpecs };
  return v;
}

// ------------------------------------------------------------------ handlers

/** Query parameters GET /servers accepts (2.75+ rejects anything else with 400). */
const SERVER_LIST_PARAMS = new Set([
  'limit', 'marker', 'sort_key', 'sort_dir', 'name', 'status', 'flavor', 'image', 'ip', 'ip6', 'changes-since', 'changes-before',
  'reservation_id', 'tags', 'tags-any', 'not-tags', 'not-tags-any', 'locked', 'all_tenants', 'tenant_id', 'project_id', 'host',
  'deleted', 'availability_zone', 'key_name', 'config_drive', 'created_at', 'description', 'display_name', 'display_description',
  'launched_at', 'terminated_at', 'power_state', 'task_state', 'vm_state', 'progress', 'user_id', 'uuid', 'hostname', 'node',
  'access_ip_v4', 'access_ip_v6', 'kernel_id', 'ramdisk_id', 'launch_index', 'root_device_name', 'updated_at', 'pinned_availability_zone',
]);

function listServers(ctx: RouteContext, detail: boolean): MockResponse {
  const q = ctx.req.query;
  if (atLeast(ctx.mv, 2, 75)) {
    for (const k of q.keys()) {
      if (!SERVER_LIST_PARAMS.has(k)) {
        throw badRequest(`Invalid input for query parameters ${k}. Value: ${q.get(k)}. Additional properties are not allowed ('${k}' was unexpected)`);
      }
    }
  }
  let items = ctx.world.index(ctx.siteName).serversSorted;
  const name = q.get('name');
  if (name) {
    let re: RegExp;
    try {
      re = new RegExp(name);
    } catch {
      re = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    items = items.filter((s) => re.test(s.name));
  }
  const status = q.get('status');
  if (status) items = items.filter((s) => serverState(ctx.world, s, ctx.now).status === status.toUpperCase());
  const flavor = q.get('flavor');
  if (flavor) items = items.filter((s) => s.flavor.id === flavor);
  const since = q.get('changes-since');
  if (since) {
    const t = Date.parse(since);
    if (Number.isNaN(t)) throw badRequest(`Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`);
    items = items.filter((s) => Math.max(s.updatedAt, s.createdAt) >= t);
  }
  const page = markerPage(items, (s) => s.id, q, (m) => badRequest(`marker [${m}] not found`));
  const servers = page.items.map((s) => (detail ? serverView(ctx, s, { show: false }) : { id: s.id, name: s.name, links: links(ctx, 'servers', s.id) }));
  const body: Record<string, unknown> = { servers };
  if (page.nextMarker) body.servers_links = [{ rel: 'next', href: nextHref(ctx.base, detail ? '/servers/detail' : '/servers', q, page.nextMarker) }];
  return ok(body);
}

function stringMap(x: unknown, field: string): Record<string, string> {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x)) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(x)}. ${JSON.stringify(x)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    if (typeof v !== 'string') throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(x)}. ${JSON.stringify(v)} is not of type 'string'`);
    if (k.length < 1 || k.length > 255 || v.length > 255) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(x)}. metadata keys and values must be 1-255 characters`);
    out[k] = v;
  }
  return out;
}

function createServer(ctx: RouteContext): MockResponse {
  const { world, site, siteName } = ctx;
  const b = bodyObject(ctx.req, 'server');
  const name = b.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
    throw badRequest(`Invalid input for field/attribute name. Value: ${JSON.stringify(name ?? null)}. ${JSON.stringify(name ?? null)} is not of type 'string'`);
  }
  // flavor
  const ref = b.flavorRef;
  if (typeof ref !== 'string' && typeof ref !== 'number') throw badRequest(`Invalid input for field/attribute flavorRef. Value: None. None is not of type 'string', 'integer'`);
  const flavorId = String(ref).split('/').pop()!;
  const flavor = site.nova.flavors[flavorId];
  if (!flavor || !flavorVisible(ctx)(flavor)) throw badRequest(`Flavor ${flavorId} could not be found.`);
  // networks (required from 2.37)
  const nets: NetworkRec[] = [];
  const attachPorts: string[] = [];
  const networks = b.networks;
  if (networks === undefined) {
    if (atLeast(ctx.mv, 2, 37)) throw badRequest(`Invalid input for field/attribute server. Value: ${JSON.stringify(b)}. 'networks' is a required property`);
  } else if (networks === 'auto') {
    const shared = Object.values(site.neutron.networks).filter((n) => n.shared);
    if (shared.length !== 1) throw conflict('Multiple possible networks found, use a Network ID to be more specific.');
    nets.push(shared[0]!);
  } else if (networks !== 'none') {
    if (!Array.isArray(networks)) throw badRequest(`Invalid input for field/attribute networks. Value: ${JSON.stringify(networks)}.`);
    for (const n of networks as Record<string, unknown>[]) {
      if (typeof n?.port === 'string') {
        const p = site.neutron.ports[n.port];
        if (!p) throw badRequest(`Port id ${n.port} could not be found.`);
        if (p.deviceId) throw conflict(`Port ${n.port} is still in use.`);
        attachPorts.push(p.id);
      } else if (typeof n?.uuid === 'string') {
        const net = findNetwork(world, siteName, site, n.uuid);
        if (!net) throw badRequest(`Network ${n.uuid} could not be found.`);
        nets.push(net);
      } else throw badRequest(`Invalid input for field/attribute networks. Value: ${JSON.stringify(networks)}.`);
    }
  }
  // security groups
  const sgIn = b.security_groups ?? [{ name: 'default' }];
  if (!Array.isArray(sgIn)) throw badRequest(`Invalid input for field/attribute security_groups.`);
  const sgNames: string[] = [];
  for (const g of sgIn as Record<string, unknown>[]) {
    const n = typeof g?.name === 'string' ? g.name : undefined;
    const found = n && (world.names(siteName).securityGroupByName.get(n) ?? site.neutron.securityGroups[n]);
    if (!found) throw badRequest(`Security group ${n ?? ''} not found.`);
    sgNames.push(found.name);
  }
  // key pair
  const keyName = b.key_name === undefined || b.key_name === null ? null : String(b.key_name);
  if (keyName !== null && !site.nova.keypairs[keyName]) throw badRequest('Invalid key_name provided.');
  const metadata = stringMap(b.metadata, 'metadata');
  // block devices: boot from volume
  const bdms = b.block_device_mapping_v2;
  if (!Array.isArray(bdms) || bdms.length === 0) {
    if (b.imageRef) throw badRequest(`Image ${String(b.imageRef)} could not be found.`);
    throw badRequest('Missing imageRef attribute');
  }
  const volumes: BootRequest['volumes'] = [];
  const seen = new Set<string>();
  for (const raw of bdms as Record<string, unknown>[]) {
    if (raw?.source_type !== 'volume' || raw?.destination_type !== 'volume' || typeof raw?.uuid !== 'string') {
      throw badRequest('Block Device Mapping is Invalid: this mock boots from existing volumes only (source_type and destination_type volume, uuid).');
    }
    const vol = site.cinder.volumes[raw.uuid];
    if (!vol) throw badRequest(`Block Device Mapping is Invalid: failed to get volume ${raw.uuid}.`);
    const bootIndex = raw.boot_index === undefined || raw.boot_index === null ? null : Number(raw.boot_index);
    if (bootIndex === 0 && !vol.bootable) throw badRequest(`Block Device ${vol.id} is not bootable.`);
    const status = volumeStatus(world, vol);
    if (status !== 'available' || seen.has(vol.id)) {
      throw badRequest(`Invalid volume: volume '${vol.id}' status must be 'available'. Currently in '${status}'`);
    }
    seen.add(vol.id);
    volumes.push({ volumeId: vol.id, deleteOnTermination: raw.delete_on_termination === true, bootIndex });
  }
  // Real Nova: a negative (or absent) boot_index means "not a boot disk"; those sort after the boot disk.
  const order = (i: number | null | undefined) => (i === null || i === undefined || i < 0 ? 99 : i);
  volumes.sort((a, b2) => order(a.bootIndex) - order(b2.bootIndex));
  if (volumes[0]?.bootIndex !== 0) throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
  const server = bootServer(world, site, { name, flavor, networks: nets, securityGroups: sgNames, keyName, metadata, volumes });
  for (const pid of attachPorts) {
    const p = site.neutron.ports[pid]!;
    p.deviceId = server.id;
    p.deviceOwner = 'compute:nova';
    server.portIds.push(pid);
  }
  return {
    status: 202,
    headers: { Location: `${ctx.base}/servers/${server.id}` },
    body: {
      server: {
        id: server.id,
        links: links(ctx, 'servers', server.id),
        'OS-DCF:diskConfig': 'MANUAL',
        security_groups: sgNames.map((n) => ({ name: n })),
        adminPass: Buffer.from(server.id).toString('base64').slice(0, 12),
      },
    },
  };
}

function actionName(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  return Object.keys(body)[0];
}

function serverAction(ctx: RouteContext): MockResponse {
  const s = findServer(ctx);
  const action = actionName(ctx.req.body);
  if (action === 'os-stop') stopServer(ctx.world, s);
  else if (action === 'os-start') startServer(ctx.world, s);
  else throw badRequest(`There is no such action: ${action ?? ''}`);
  return { status: 202 };
}

function metaKey(ctx: RouteContext): [ServerRec, string] {
  return [findServer(ctx), ctx.params.key!];
}

export const novaRoutes: Route[] = [
  { method: 'GET', pattern: '/servers', api: 'nova.servers.list', handler: (ctx) => listServers(ctx, false) },
  { method: 'GET', pattern: '/servers/detail', api: 'nova.servers.list', handler: (ctx) => listServers(ctx, true) },
  { method: 'POST', pattern: '/servers', api: 'nova.servers.create', handler: createServer },
  { method: 'GET', pattern: '/servers/:id', api: 'nova.servers.show', handler: (ctx) => ok({ server: serverView(ctx, findServer(ctx), { show: true }) }) },
  {
    method: 'DELETE',
    pattern: '/servers/:id',
    api: 'nova.servers.delete',
    handler: (ctx) => {
      deleteServer(ctx.world, ctx.site, findServer(ctx));
      return noContent();
    },
  },
  {
    method: 'POST',
    pattern: '/servers/:id/action',
    api: (req) => ({ 'os-stop': 'nova.servers.stop', 'os-start': 'nova.servers.start' })[actionName(req.body) ?? ''] ?? 'nova.servers.stop',
    handler: serverAction,
  },
  { method: 'GET', pattern: '/servers/:id/metadata', api: 'nova.servers.metadata', handler: (ctx) => ok({ metadata: { ...findServer(ctx).metadata } }) },
  {
    method: 'POST',
    pattern: '/servers/:id/metadata',
    api: 'nova.servers.metadata',
    handler: (ctx) => {
      const s = findServer(ctx);
      Object.assign(s.metadata, stringMap(bodyObject(ctx.req).metadata, 'metadata'));
      s.updatedAt = ctx.now;
      ctx.world.touch();
      return ok({ metadata: { ...s.metadata } });
    },
  },
  {
    method: 'PUT',
    pattern: '/servers/:id/metadata',
    api: 'nova.servers.metadata',
    handler: (ctx) => {
      const s = findServer(ctx);
      s.metadata = stringMap(bodyObject(ctx.req).metadata, 'metadata');
      s.updatedAt = ctx.now;
      ctx.world.touch();
      return ok({ metadata: { ...s.metadata } });
    },
  },
  {
    method: 'GET',
    pattern: '/servers/:id/metadata/:key',
    api: 'nova.servers.metadata',
    handler: (ctx) => {
      const [s, k] = metaKey(ctx);
      if (!(k in s.metadata)) throw notFound('Metadata item was not found');
      return ok({ meta: { [k]: s.metadata[k] } });
    },
  },
  {
    method: 'PUT',
    pattern: '/servers/:id/metadata/:key',
    api: 'nova.servers.metadata',
    handler: (ctx) => {
      const [s, k] = metaKey(ctx);
      const meta = stringMap(bodyObject(ctx.req).meta, 'meta');
      if (Object.keys(meta).length !== 1 || !(k in meta)) throw badRequest('Request body and URI mismatch');
      s.metadata[k] = meta[k]!;
      s.updatedAt = ctx.now;
      ctx.world.touch();
      return ok({ meta });
    },
  },
  {
    method: 'DELETE',
    pattern: '/servers/:id/metadata/:key',
    api: 'nova.servers.metadata',
    handler: (ctx) => {
      const [s, k] = metaKey(ctx);
      if (!(k in s.metadata)) throw notFound('Metadata item was not found');
      delete s.metadata[k];
      s.updatedAt = ctx.now;
      ctx.world.touch();
      return noContent();
    },
  },
  {
    method: 'GET',
    pattern: '/servers/:id/os-volume_attachments',
    api: 'nova.servers.volume_attachments',
    handler: (ctx) => {
      const s = findServer(ctx);
      return ok({
        volumeAttachments: s.volumes.map((a) => {
          const v: Record<string, unknown> = { device: a.device, id: a.volumeId, serverId: s.id, volumeId: a.volumeId };
          if (atLeast(ctx.mv, 2, 70)) v.tag = null;
          if (atLeast(ctx.mv, 2, 79)) v.delete_on_termination = a.deleteOnTermination;
          if (atLeast(ctx.mv, 2, 89)) {
            delete v.id;
            v.attachment_id = a.attachmentId;
            v.bdm_uuid = a.attachmentId;
          }
          return v;
        }),
      });
    },
  },
  {
    method: 'GET',
    pattern: '/servers/:id/os-security-groups',
    api: 'nova.servers.security_groups',
    handler: (ctx) => {
      const s = findServer(ctx);
      const ix = ctx.world.names(ctx.siteName);
      return ok({
        security_groups: s.securityGroups.map((name) => {
          const g = ix.securityGroupByName.get(name);
          return { id: g?.id ?? name, name, description: g?.description ?? '', tenant_id: ctx.site.keystone.project.id, rules: [] };
        }),
      });
    },
  },
  {
    method: 'GET',
    pattern: '/servers/:id/os-interface',
    api: 'nova.servers.interfaces',
    handler: (ctx) => {
      const s = findServer(ctx);
      return ok({
        interfaceAttachments: s.portIds
          .map((pid) => ctx.site.neutron.ports[pid])
          .filter((p) => p !== undefined)
          .map((p) => ({
            port_state: 'ACTIVE',
            fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
            port_id: p.id,
            net_id: p.networkId,
            mac_addr: p.macAddress,
            ...(atLeast(ctx.mv, 2, 70) ? { tag: null } : {}),
          })),
      });
    },
  },
  {
    method: 'GET',
    pattern: '/flavors',
    api: 'nova.flavors.list',
    handler: (ctx) => listFlavors(ctx, false),
  },
  { method: 'GET', pattern: '/flavors/detail', api: 'nova.flavors.list', handler: (ctx) => listFlavors(ctx, true) },
  {
    method: 'GET',
    pattern: '/flavors/:id',
    api: 'nova.flavors.show',
    handler: (ctx) => {
      const f = ctx.site.nova.flavors[ctx.params.id!];
      if (!f || !flavorVisible(ctx)(f)) throw notFound(`Flavor ${ctx.params.id} could not be found.`);
      return ok({ flavor: flavorView(ctx, f, true) });
    },
  },
  {
    method: 'GET',
    pattern: '/os-keypairs',
    api: 'nova.keypairs.list',
    handler: (ctx) =>
      ok({
        keypairs: Object.values(ctx.site.nova.keypairs).map((k) => ({
          keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...(atLeast(ctx.mv, 2, 2) ? { type: k.type } : {}) },
        })),
      }),
  },
];

function listFlavors(ctx: RouteContext, detail: boolean): MockResponse {
  const q = ctx.req.query;
  let items = Object.values(ctx.site.nova.flavors).filter(flavorVisible(ctx));
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const minRam = Number(q.get('minRam') ?? 0);
  const minDisk = Number(q.get('minDisk') ?? 0);
  items = items.filter((f) => f.ram >= minRam && f.disk >= minDisk);
  const page = markerPage(items, (f) => f.id, q, (m) => badRequest(`marker [${m}] not found`));
  const body: Record<string, unknown> = { flavors: page.items.map((f) => flavorView(ctx, f, detail)) };
  if (page.nextMarker) body.flavors_links = [{ rel: 'next', href: nextHref(ctx.base, detail ? '/flavors/detail' : '/flavors', q, page.nextMarker) }];
  return ok(body);
}

/** Root and version documents (public). */
export function novaVersionRoutes(): Route[] {
  const version = (ctx: RouteContext) => ({
    id: 'v2.1',
    status: 'CURRENT',
    version: `${NOVA_VERSIONS.max[0]}.${NOVA_VERSIONS.max[1]}`,
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${ctx.base}/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  });
  return [
    { method: 'GET', pattern: '/', api: 'nova.flavors.list', public: true, handler: (ctx) => ok({ version: version(ctx) }) },
  ];
}
