/**
 * Neutron v2.0: networks, ports, security groups (api-notes/openstack.md §5). The catalog endpoint has
 * no version; paths carry `/v2.0`. Lists page with limit/marker and `<resource>_links` rel=next.
 */
import type { OpenStackSession } from './session.js';
import { arr, bool, isObj, member, obj, optStr, reqStr, str } from './parse.js';

export interface Network {
  id: string;
  name: string;
  status?: string;
  subnets: string[];
  shared: boolean;
  external: boolean;
  projectId?: string;
  mtu?: number;
  adminStateUp?: boolean;
}

export interface Port {
  id: string;
  name?: string;
  networkId: string;
  deviceId?: string;
  deviceOwner?: string;
  macAddress?: string;
  fixedIps: { subnetId: string; ipAddress: string }[];
  securityGroups: string[];
  status?: string;
  projectId?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description?: string;
  projectId?: string;
  ruleCount: number;
}

function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function parseNetwork(x: unknown): Network {
  const n = obj(x);
  return prune({
    id: reqStr(n, 'id', 'neutron network'),
    name: str(n.name),
    status: optStr(n.status),
    subnets: arr(n.subnets).map(String),
    shared: bool(n.shared),
    external: bool(n['router:external']),
    projectId: optStr(n.project_id) ?? optStr(n.tenant_id),
    mtu: typeof n.mtu === 'number' ? n.mtu : undefined,
    adminStateUp: typeof n.admin_state_up === 'boolean' ? n.admin_state_up : undefined,
  });
}

export function parsePort(x: unknown): Port {
  const p = obj(x);
  return prune({
    id: reqStr(p, 'id', 'neutron port'),
    name: optStr(p.name),
    networkId: str(p.network_id),
    deviceId: optStr(p.device_id),
    deviceOwner: optStr(p.device_owner),
    macAddress: optStr(p.mac_address),
    fixedIps: arr(p.fixed_ips)
      .filter(isObj)
      .map((ip) => ({ subnetId: str(ip.subnet_id), ipAddress: str(ip.ip_address) })),
    securityGroups: arr(p.security_groups).map(String),
    status: optStr(p.status),
    projectId: optStr(p.project_id) ?? optStr(p.tenant_id),
  });
}

export function parseSecurityGroup(x: unknown): SecurityGroup {
  const g = obj(x);
  return prune({
    id: reqStr(g, 'id', 'neutron security group'),
    name: str(g.name),
    description: optStr(g.description),
    projectId: optStr(g.project_id) ?? optStr(g.tenant_id),
    ruleCount: arr(g.security_group_rules).length,
  });
}

export class NeutronClient {
  constructor(readonly session: OpenStackSession) {}

  /** GET /v2.0/networks?name=... (exact name match in Neutron). */
  async listNetworks(filters: { name?: string | string[]; id?: string; shared?: boolean; projectId?: string } = {}): Promise<Network[]> {
    // Neutron accepts a repeated `name` parameter as an OR filter.
    const names = Array.isArray(filters.name) ? filters.name : filters.name ? [filters.name] : [];
    const base = ['/v2.0/networks'];
    const qs = new URLSearchParams();
    for (const n of names) qs.append('name', n);
    if (filters.id) qs.append('id', filters.id);
    if (filters.shared !== undefined) qs.append('shared', String(filters.shared));
    if (filters.projectId) qs.append('project_id', filters.projectId);
    const path = qs.toString() ? `${base[0]}?${qs.toString()}` : base[0]!;
    const items = await this.session.paginate('network', path, 'networks');
    return items.map(parseNetwork);
  }

  async getNetwork(id: string): Promise<Network | undefined> {
    const res = await this.session.request('network', { method: 'GET', path: `/v2.0/networks/${encodeURIComponent(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseNetwork(member(res.json, 'network', 'neutron show network'));
  }

  /** GET /v2.0/ports?device_id=... (a server's ports) or by network. Repeated device_id = OR. */
  async listPorts(filters: { deviceId?: string | string[]; networkId?: string; deviceOwner?: string } = {}): Promise<Port[]> {
    const qs = new URLSearchParams();
    const ids = Array.isArray(filters.deviceId) ? filters.deviceId : filters.deviceId ? [filters.deviceId] : [];
    for (const d of ids) qs.append('device_id', d);
    if (filters.networkId) qs.append('network_id', filters.networkId);
    if (filters.deviceOwner) qs.append('device_owner', filters.deviceOwner);
    const path = qs.toString() ? `/v2.0/ports?${qs.toString()}` : '/v2.0/ports';
    const items = await this.session.paginate('network', path, 'ports');
    return items.map(parsePort);
  }

  /** GET /v2.0/security-groups (optionally by name). */
  async listSecurityGroups(filters: { name?: string; projectId?: string } = {}): Promise<SecurityGroup[]> {
    const items = await this.session.paginate('network', '/v2.0/security-groups', 'security_groups', { name: filters.name, project_id: filters.projectId });
    return items.map(parseSecurityGroup);
  }
}
