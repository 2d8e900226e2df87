/**
 * Neutron v2.0 of one site: networks (with one subnet each), ports with IPAM from a counter, and
 * security groups. Nova creates and deletes ports through createPort/deletePort below.
 */
import { hiddenNames } from './faults.js';
import { ApiError, ok, type MockResponse, type Route, type RouteContext } from './http/types.js';
import { isoNeutron } from './http/time.js';
import { parseLimit } from './http/paginate.js';
import type { NetworkRec, PortRec, SecurityGroupRec, SiteData, SubnetRec } from './types.js';
import type { MockWorld } from './world.js';

export function neutronError(status: number, message: string, type?: string): MockResponse {
  const t =
    type ??
    ({ 400: 'BadRequest', 401: 'NotAuthorized', 403: 'PolicyNotAuthorized', 404: 'NotFound', 409: 'Conflict', 503: 'ServiceUnavailable' } as Record<number, string>)[status] ??
    'NeutronError';
  return { status, body: { NeutronError: { type: t, message, detail: '' } } };
}

// ------------------------------------------------------------------ model

/** `10.<n>.0.0/16`-style address for host number h of a subnet. */
function hostAddress(cidr: string, h: number): string {
  const [base] = cidr.split('/');
  const p = base!.split('.').map(Number);
  const n = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) + h;
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mac(seq: number): string {
  const hex = seq.toString(16).padStart(6, '0').slice(-6);
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export function addNetwork(world: MockWorld, site: SiteData, name: string, cidr: string, shared = false): NetworkRec {
  const now = world.now();
  const net: NetworkRec = { id: world.uuid(), name, shared, mtu: 1500, subnetIds: [], createdAt: now, description: '' };
  const sub: SubnetRec = {
    id: world.uuid(),
    name: `${name}-subnet`,
    networkId: net.id,
    cidr,
    gatewayIp: hostAddress(cidr, 1),
    nextHost: 10,
    createdAt: now,
  };
  net.subnetIds.push(sub.id);
  site.neutron.networks[net.id] = net;
  site.neutron.subnets[sub.id] = sub;
  world.touch();
  return net;
}

export function addSecurityGroup(world: MockWorld, site: SiteData, name: string, description = ''): SecurityGroupRec {
  const sg: SecurityGroupRec = { id: world.uuid(), name, description, createdAt: world.now() };
  site.neutron.securityGroups[sg.id] = sg;
  world.touch();
  return sg;
}

/** Creates a port with the next address of the network's first subnet. */
export function createPort(world: MockWorld, site: SiteData, net: NetworkRec, deviceId: string, sgIds: string[]): PortRec {
  const sub = site.neutron.subnets[net.subnetIds[0]!];
  const fixedIps = sub ? [{ subnetId: sub.id, ipAddress: hostAddress(sub.cidr, sub.nextHost++) }] : [];
  site.neutron.macSeq += 1;
  const port: PortRec = {
    id: world.uuid(),
    name: '',
    networkId: net.id,
    deviceId,
    deviceOwner: deviceId ? 'compute:nova' : '',
    macAddress: mac(site.neutron.macSeq),
    fixedIps,
    securityGroupIds: sgIds,
    createdAt: world.now(),
  };
  site.neutron.ports[port.id] = port;
  world.touch();
  return port;
}

export function deletePort(world: MockWorld, site: SiteData, portId: string): void {
  delete site.neutron.ports[portId];
  world.touch();
}

/** Networks visible at this site (missing-network faults hide them). */
export function visibleNetworks(world: MockWorld, siteName: string, site: SiteData): NetworkRec[] {
  const hidden = hiddenNames(world, siteName, 'missing-network');
  return Object.values(site.neutron.networks).filter((n) => !hidden.has(n.name));
}

export function findNetwork(world: MockWorld, siteName: string, site: SiteData, id: string): NetworkRec | undefined {
  const n = site.neutron.networks[id];
  if (!n || hiddenNames(world, siteName, 'missing-network').has(n.name)) return undefined;
  return n;
}

// ------------------------------------------------------------------ views

function common(ctx: RouteContext, createdAt: number): Record<string, unknown> {
  return {
    tenant_id: ctx.site.keystone.project.id,
    project_id: ctx.site.keystone.project.id,
    created_at: isoNeutron(createdAt),
    updated_at: isoNeutron(createdAt),
    revision_number: 1,
    tags: [],
  };
}

function networkView(ctx: RouteContext, n: NetworkRec): Record<string, unknown> {
  return {
    id: n.id,
    name: n.name,
    ...common(ctx, n.createdAt),
    admin_state_up: true,
    mtu: n.mtu,
    status: 'ACTIVE',
    subnets: n.subnetIds,
    shared: n.shared,
    availability_zone_hints: [],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': false,
    description: n.description,
    port_security_enabled: true,
  };
}

function subnetView(ctx: RouteContext, s: SubnetRec): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    ...common(ctx, s.createdAt),
    network_id: s.networkId,
    ip_version: 4,
    subnetpool_id: null,
    enable_dhcp: false,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    gateway_ip: s.gatewayIp,
    cidr: s.cidr,
    allocation_pools: [{ start: hostAddress(s.cidr, 2), end: hostAddress(s.cidr, 65534) }],
    host_routes: [],
    dns_nameservers: [],
    description: '',
    service_types: [],
  };
}

function portView(ctx: RouteContext, p: PortRec): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    ...common(ctx, p.createdAt),
    mac_address: p.macAddress,
    admin_state_up: true,
    status: p.deviceId ? 'ACTIVE' : 'DOWN',
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: p.securityGroupIds,
    description: '',
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
  };
}

function securityGroupView(ctx: RouteContext, g: SecurityGroupRec): Record<string, unknown> {
  const projectId = ctx.site.keystone.project.id;
  const rule = (direction: string, ethertype: string, n: number) => ({
    id: `${g.id.slice(0, 30)}${n.toString(16).padStart(6, '0')}`,
    tenant_id: projectId,
    security_group_id: g.id,
    ethertype,
    direction,
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_address_group_id: null,
    normalized_cidr: null,
    // the default group lets its own members in
    remote_group_id: direction === 'ingress' ? g.id : null,
    standard_attr_id: n,
    description: null,
    tags: [],
    created_at: isoNeutron(g.createdAt),
    updated_at: isoNeutron(g.createdAt),
    revision_number: 0,
    project_id: projectId,
  });
  return {
    id: g.id,
    name: g.name,
    ...common(ctx, g.createdAt),
    description: g.description,
    stateful: true,
    shared: false,
    security_group_rules:
      g.name === 'default'
        ? [rule('ingress', 'IPv4', 1), rule('egress', 'IPv4', 2), rule('ingress', 'IPv6', 3), rule('egress', 'IPv6', 4)]
        : [rule('egress', 'IPv4', 1), rule('egress', 'IPv6', 2)],
  };
}

// ------------------------------------------------------------------ list helper

/**
 * Neutron list semantics: equality filters on any attribute (repeatable = OR), `fields`, and native
 * pagination sorted by id with `<collection>_links` next/previous.
 */
function list(ctx: RouteContext, collection: string, items: Record<string, unknown>[], idKey = 'id'): MockResponse {
  const q = ctx.req.query;
  const reserved = new Set(['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir']);
  let out = items;
  for (const key of new Set(q.keys())) {
    if (reserved.has(key)) continue;
    const wanted = q.getAll(key);
    out = out.filter((it) => {
      const v = it[key];
      if (v === undefined) return true; // unknown attribute filters are ignored
      if (Array.isArray(v)) return wanted.some((w) => v.includes(w));
      return wanted.some((w) => String(v) === w);
    });
  }
  out = [...out].sort((a, b) => (String(a[idKey]) < String(b[idKey]) ? -1 : 1));
  const links: { rel: string; href: string }[] = [];
  const limit = parseLimit(q);
  const marker = q.get('marker');
  if (marker) {
    const i = out.findIndex((it) => it[idKey] === marker);
    if (i < 0) throw new ApiError(404, `Marker ${marker} could not be found.`);
    out = out.slice(i + 1);
  }
  if (limit !== undefined && limit > 0) {
    const more = out.length > limit;
    out = out.slice(0, limit);
    const href = (m: string, reverse: boolean) => {
      const p = new URLSearchParams(q);
      p.set('marker', m);
      if (reverse) p.set('page_reverse', 'True');
      else p.delete('page_reverse');
      return `${ctx.base}/${collection.replace(/_/g, '-')}?${p.toString()}`;
    };
    if (more && out.length) links.push({ rel: 'next', href: href(String(out[out.length - 1]![idKey]), false) });
    if (marker && out.length) links.push({ rel: 'previous', href: href(String(out[0]![idKey]), true) });
  }
  const fields = q.getAll('fields');
  if (fields.length) {
    out = out.map((it) => Object.fromEntries(fields.filter((f) => f in it).map((f) => [f, it[f]])));
  }
  const body: Record<string, unknown> = { [collection]: out };
  if (links.length) body[`${collection}_links`] = links;
  return ok(body);
}

export const neutronRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/',
    api: 'neutron.networks.list',
    public: true,
    handler: (ctx) => ok({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${ctx.base}/`, rel: 'self' }] }] }),
  },
  {
    method: 'GET',
    pattern: '/networks',
    api: 'neutron.networks.list',
    handler: (ctx) => list(ctx, 'networks', visibleNetworks(ctx.world, ctx.siteName, ctx.site).map((n) => networkView(ctx, n))),
  },
  {
    method: 'GET',
    pattern: '/networks/:id',
    api: 'neutron.networks.show',
    handler: (ctx) => {
      const n = findNetwork(ctx.world, ctx.siteName, ctx.site, ctx.params.id!);
      if (!n) throw new ApiError(404, `Network ${ctx.params.id} could not be found.`, { type: 'NetworkNotFound' });
      return ok({ network: networkView(ctx, n) });
    },
  },
  {
    method: 'GET',
    pattern: '/subnets',
    api: 'neutron.subnets.list',
    handler: (ctx) => {
      const visible = new Set(visibleNetworks(ctx.world, ctx.siteName, ctx.site).map((n) => n.id));
      return list(ctx, 'subnets', Object.values(ctx.site.neutron.subnets).filter((s) => visible.has(s.networkId)).map((s) => subnetView(ctx, s)));
    },
  },
  {
    method: 'GET',
    pattern: '/ports',
    api: 'neutron.ports.list',
    handler: (ctx) => {
      // device_id is the common filter: use the index instead of scanning every port.
      const ids = ctx.req.query.getAll('device_id');
      const ports = ids.length === 1 ? ctx.world.index(ctx.siteName).portsByDevice.get(ids[0]!) ?? [] : Object.values(ctx.site.neutron.ports);
      return list(ctx, 'ports', ports.map((p) => portView(ctx, p)));
    },
  },
  {
    method: 'GET',
    pattern: '/ports/:id',
    api: 'neutron.ports.show',
    handler: (ctx) => {
      const p = ctx.site.neutron.ports[ctx.params.id!];
      if (!p) throw new ApiError(404, `Port ${ctx.params.id} could not be found.`, { type: 'PortNotFound' });
      return ok({ port: portView(ctx, p) });
    },
  },
  {
    method: 'GET',
    pattern: '/security-groups',
    api: 'neutron.security_groups.list',
    handler: (ctx) => list(ctx, 'security_groups', Object.values(ctx.site.neutron.securityGroups).map((g) => securityGroupView(ctx, g))),
  },
];
