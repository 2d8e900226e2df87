/**
 * Nova (compute v2.1, microversion 2.79): typed models and one client method per verb
 * (api-notes/openstack.md §3). Parsers accept both flavor shapes (`{id, links}` below 2.47, embedded
 * `{original_name, vcpus, ...}` from 2.47), `image: ""` for boot-from-volume servers, and `swap: ""`.
 */
import type { OpenStackSession } from './session.js';
import { waitFor, type WaitOptions } from './wait.js';
import { arr, bool, isObj, list, member, num, obj, optNum, optStr, reqStr, str, strMap, type Json } from './parse.js';

export interface ServerAddress {
  addr: string;
  version: number;
  type?: string;
  mac?: string;
}

export interface ServerFlavor {
  /** present below 2.47 */
  id?: string;
  /** `original_name` from 2.47 */
  name?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  ephemeral?: number;
  swap?: number;
  extraSpecs?: Record<string, string>;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  tenantId?: string;
  userId?: string;
  /** network name → addresses */
  addresses: Record<string, ServerAddress[]>;
  flavor: ServerFlavor;
  /** image id, undefined when booted from a volume (`image: ""`) */
  imageId?: string;
  keyName?: string;
  metadata: Record<string, string>;
  securityGroups: string[];
  volumesAttached: { id: string; deleteOnTermination?: boolean }[];
  availabilityZone?: string;
  host?: string;
  powerState?: number;
  taskState?: string;
  vmState?: string;
  locked?: boolean;
  created?: string;
  updated?: string;
  tags?: string[];
  /** present when status is ERROR */
  fault?: { code?: number; message: string };
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  isPublic: boolean;
  disabled: boolean;
  description?: string;
  extraSpecs?: Record<string, string>;
}

export interface VolumeAttachment {
  id?: string;
  volumeId: string;
  serverId: string;
  device?: string;
  tag?: string;
  deleteOnTermination?: boolean;
}

export interface InterfaceAttachment {
  portId: string;
  netId: string;
  macAddr?: string;
  portState?: string;
  fixedIps: { ipAddress: string; subnetId: string }[];
}

export interface Keypair {
  name: string;
  fingerprint?: string;
  type?: string;
}

export interface CreatedServer {
  id: string;
  securityGroups: string[];
  /** adminPass is deliberately not kept (a secret drctl never needs). */
}

export function parseServer(x: unknown): Server {
  const s = obj(x);
  const id = reqStr(s, 'id', 'nova server');
  const addresses: Record<string, ServerAddress[]> = {};
  for (const [net, addrs] of Object.entries(obj(s.addresses))) {
    addresses[net] = arr(addrs)
      .filter(isObj)
      .map((a) => ({ addr: str(a.addr), version: num(a.version, 4), type: optStr(a['OS-EXT-IPS:type']), mac: optStr(a['OS-EXT-IPS-MAC:mac_addr']) }));
  }
  const f = obj(s.flavor);
  const flavor: ServerFlavor = {
    id: optStr(f.id),
    name: optStr(f.original_name) ?? optStr(f.name),
    vcpus: optNum(f.vcpus),
    ram: optNum(f.ram),
    disk: optNum(f.disk),
    ephemeral: optNum(f.ephemeral),
    swap: optNum(f.swap) ?? (f.swap === '' ? 0 : undefined),
    ...(isObj(f.extra_specs) ? { extraSpecs: strMap(f.extra_specs) } : {}),
  };
  for (const k of Object.keys(flavor) as (keyof ServerFlavor)[]) if (flavor[k] === undefined) delete flavor[k];
  const image = s.image;
  const imageId = isObj(image) ? optStr(image.id) : optStr(image);
  return prune({
    id,
    name: str(s.name),
    status: str(s.status, 'UNKNOWN'),
    tenantId: optStr(s.tenant_id),
    userId: optStr(s.user_id),
    addresses,
    flavor,
    imageId,
    keyName: optStr(s.key_name),
    metadata: strMap(s.metadata),
    securityGroups: arr(s.security_groups)
      .filter(isObj)
      .map((g) => str(g.name))
      .filter((n) => n !== ''),
    volumesAttached: arr(s['os-extended-volumes:volumes_attached'])
      .filter(isObj)
      .map((v) => prune({ id: str(v.id), deleteOnTermination: typeof v.delete_on_termination === 'boolean' ? v.delete_on_termination : undefined })),
    availabilityZone: optStr(s['OS-EXT-AZ:availability_zone']),
    host: optStr(s['OS-EXT-SRV-ATTR:host']),
    powerState: optNum(s['OS-EXT-STS:power_state']),
    taskState: optStr(s['OS-EXT-STS:task_state']),
    vmState: optStr(s['OS-EXT-STS:vm_state']),
    locked: typeof s.locked === 'boolean' ? s.locked : undefined,
    created: optStr(s.created),
    updated: optStr(s.updated),
    tags: Array.isArray(s.tags) ? s.tags.map(String) : undefined,
    fault: isObj(s.fault) ? prune({ code: optNum(s.fault.code), message: str(s.fault.message) }) : undefined,
  });
}

export function parseFlavor(x: unknown): Flavor {
  const f = obj(x);
  return prune({
    id: reqStr(f, 'id', 'nova flavor'),
    name: str(f.name),
    vcpus: num(f.vcpus),
    ram: num(f.ram),
    disk: num(f.disk),
    ephemeral: num(f['OS-FLV-EXT-DATA:ephemeral'] ?? f.ephemeral),
    swap: num(f.swap), // "" (no swap) before 2.75, 0 from 2.75
    isPublic: bool(f['os-flavor-access:is_public'], true),
    disabled: bool(f['OS-FLV-DISABLED:disabled'], false),
    description: optStr(f.description),
    extraSpecs: isObj(f.extra_specs) ? strMap(f.extra_specs) : undefined,
  });
}

export function parseVolumeAttachment(x: unknown): VolumeAttachment {
  const a = obj(x);
  return prune({
    id: optStr(a.id),
    volumeId: reqStr(a, 'volumeId', 'nova volume attachment'),
    serverId: str(a.serverId),
    device: optStr(a.device),
    tag: optStr(a.tag),
    deleteOnTermination: typeof a.delete_on_termination === 'boolean' ? a.delete_on_termination : undefined,
  });
}

export function parseInterfaceAttachment(x: unknown): InterfaceAttachment {
  const a = obj(x);
  return prune({
    portId: reqStr(a, 'port_id', 'nova interface'),
    netId: str(a.net_id),
    macAddr: optStr(a.mac_addr),
    portState: optStr(a.port_state),
    fixedIps: arr(a.fixed_ips)
      .filter(isObj)
      .map((ip) => ({ ipAddress: str(ip.ip_address), subnetId: str(ip.subnet_id) })),
  });
}

export function parseKeypair(x: unknown): Keypair {
  const k = obj(obj(x).keypair ?? x);
  return prune({ name: reqStr(k, 'name', 'nova keypair'), fingerprint: optStr(k.fingerprint), type: optStr(k.type) });
}

export function parseCreatedServer(body: unknown): CreatedServer {
  const s = member(body, 'server', 'nova create server');
  return {
    id: reqStr(s, 'id', 'nova create server'),
    securityGroups: arr(s.security_groups)
      .filter(isObj)
      .map((g) => str(g.name)),
  };
}

function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Filters for GET /servers/detail that Nova honours for non-admins (others are silently ignored). */
export interface ServerFilters {
  /** regex match on name */
  name?: string;
  status?: string;
  flavor?: string;
  image?: string;
  ip?: string;
  'changes-since'?: string;
  /** comma-separated tags (2.26) */
  tags?: string;
  /** admin only */
  all_tenants?: boolean;
  /** admin only */
  project_id?: string;
  host?: string;
}

export interface Paging {
  /** page size (default 1000 = Nova's max_limit) */
  limit?: number;
  marker?: string;
}

export interface BootFromVolumeRequest {
  name: string;
  flavorRef: string;
  /** the boot volume (an existing Cinder volume, `bootable` must be true) */
  bootVolumeId: string;
  /** further existing volumes attached at boot, in order */
  dataVolumeIds?: string[];
  networks: { uuid?: string; port?: string; fixedIp?: string }[] | 'none' | 'auto';
  securityGroups?: string[];
  keyName?: string;
  metadata?: Record<string, string>;
  availabilityZone?: string;
  /** volumes survive server deletion unless true (drctl never deletes replicated data with a server) */
  deleteOnTermination?: boolean;
}

/** The POST /servers body for a boot-from-volume server (no imageRef). */
export function buildBootFromVolume(req: BootFromVolumeRequest): Json {
  const bdm: Json[] = [
    { boot_index: 0, uuid: req.bootVolumeId, source_type: 'volume', destination_type: 'volume', delete_on_termination: req.deleteOnTermination ?? false },
    ...(req.dataVolumeIds ?? []).map((id) => ({ boot_index: -1, uuid: id, source_type: 'volume', destination_type: 'volume', delete_on_termination: req.deleteOnTermination ?? false })),
  ];
  const server: Json = {
    name: req.name,
    flavorRef: req.flavorRef,
    block_device_mapping_v2: bdm,
    networks: Array.isArray(req.networks)
      ? req.networks.map((n) => prune({ uuid: n.uuid, port: n.port, fixed_ip: n.fixedIp }))
      : req.networks,
  };
  if (req.securityGroups?.length) server.security_groups = req.securityGroups.map((name) => ({ name }));
  if (req.keyName) server.key_name = req.keyName;
  if (req.metadata && Object.keys(req.metadata).length) server.metadata = req.metadata;
  if (req.availabilityZone) server.availability_zone = req.availabilityZone;
  return { server };
}

export class NovaClient {
  constructor(readonly session: OpenStackSession) {}

  /** GET /servers/detail (or /servers) with filters, following servers_links to the end. */
  async listServers(opts: { detail?: boolean; filters?: ServerFilters; paging?: Paging } = {}): Promise<Server[]> {
    const path = opts.detail === false ? '/servers' : '/servers/detail';
    const query = { ...(opts.filters ?? {}), limit: opts.paging?.limit ?? 1000, marker: opts.paging?.marker };
    const items = await this.session.paginate('compute', path, 'servers', query as Record<string, string | number | boolean | undefined>);
    // The non-detail list has only id/name/links: status etc. come back as defaults.
    return items.map(parseServer);
  }

  /** GET /servers/{id}; undefined when it does not exist (404). */
  async getServer(id: string): Promise<Server | undefined> {
    const res = await this.session.request('compute', { method: 'GET', path: `/servers/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseServer(member(res.json, 'server', 'nova show server'));
  }

  /** POST /servers (202) booting from an existing volume. Not retried on ambiguous failures (see http.ts). */
  async createServer(req: BootFromVolumeRequest): Promise<CreatedServer> {
    const res = await this.session.request('compute', { method: 'POST', path: '/servers', json: buildBootFromVolume(req) });
    return parseCreatedServer(res.json);
  }

  /**
   * POST /servers/{id}/action {"os-stop": null} (202; 409 unless ACTIVE/ERROR). Retried like a GET on
   * 5xx/connection errors: a repeat of a stop that did happen gets 409, which the steps accept.
   */
  async stopServer(id: string): Promise<void> {
    await this.session.request('compute', { method: 'POST', path: `/servers/${enc(id)}/action`, json: { 'os-stop': null }, idempotent: true });
  }

  /** POST /servers/{id}/action {"os-start": null} (202; 409 unless SHUTOFF). Retried like os-stop (a repeat gets 409). */
  async startServer(id: string): Promise<void> {
    await this.session.request('compute', { method: 'POST', path: `/servers/${enc(id)}/action`, json: { 'os-start': null }, idempotent: true });
  }

  /** DELETE /servers/{id} (204). Returns false when it was already gone (404). */
  async deleteServer(id: string): Promise<boolean> {
    const res = await this.session.request('compute', { method: 'DELETE', path: `/servers/${enc(id)}`, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /servers/{id}/metadata */
  async getMetadata(id: string): Promise<Record<string, string>> {
    const res = await this.session.request('compute', { method: 'GET', path: `/servers/${enc(id)}/metadata` });
    return strMap(obj(res.json).metadata);
  }

  /** PUT /servers/{id}/metadata: replace all metadata. */
  async setMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    const res = await this.session.request('compute', { method: 'PUT', path: `/servers/${enc(id)}/metadata`, json: { metadata } });
    return strMap(obj(res.json).metadata);
  }

  /** POST /servers/{id}/metadata: merge these keys (others kept). Safe to repeat. */
  async updateMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    const res = await this.session.request('compute', { method: 'POST', path: `/servers/${enc(id)}/metadata`, json: { metadata }, idempotent: true });
    return strMap(obj(res.json).metadata);
  }

  /** PUT /servers/{id}/metadata/{key} */
  async setMetadataItem(id: string, key: string, value: string): Promise<void> {
    await this.session.request('compute', { method: 'PUT', path: `/servers/${enc(id)}/metadata/${enc(key)}`, json: { meta: { [key]: value } } });
  }

  /** DELETE /servers/{id}/metadata/{key}; false when the key was not there. */
  async deleteMetadataItem(id: string, key: string): Promise<boolean> {
    const res = await this.session.request('compute', { method: 'DELETE', path: `/servers/${enc(id)}/metadata/${enc(key)}`, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /flavors/detail (all pages). */
  async listFlavors(opts: { isPublic?: boolean | 'None' } = {}): Promise<Flavor[]> {
    const items = await this.session.paginate('compute', '/flavors/detail', 'flavors', { limit: 1000, is_public: opts.isPublic === undefined ? undefined : String(opts.isPublic) });
    return items.map(parseFlavor);
  }

  /** GET /servers/{id}/os-volume_attachments */
  async listVolumeAttachments(serverId: string): Promise<VolumeAttachment[]> {
    const res = await this.session.request('compute', { method: 'GET', path: `/servers/${enc(serverId)}/os-volume_attachments` });
    return list(res.json, 'volumeAttachments', 'nova volume attachments').map(parseVolumeAttachment);
  }

  /** POST /servers/{id}/os-volume_attachments (attach an existing volume). */
  async attachVolume(serverId: string, volumeId: string, opts: { device?: string; deleteOnTermination?: boolean } = {}): Promise<VolumeAttachment> {
    const res = await this.session.request('compute', {
      method: 'POST',
      path: `/servers/${enc(serverId)}/os-volume_attachments`,
      json: { volumeAttachment: prune({ volumeId, device: opts.device, delete_on_termination: opts.deleteOnTermination }) },
    });
    return parseVolumeAttachment(member(res.json, 'volumeAttachment', 'nova attach volume'));
  }

  /** DELETE /servers/{id}/os-volume_attachments/{volumeId}; false when not attached. */
  async detachVolume(serverId: string, volumeId: string): Promise<boolean> {
    const res = await this.session.request('compute', { method: 'DELETE', path: `/servers/${enc(serverId)}/os-volume_attachments/${enc(volumeId)}`, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /servers/{id}/os-interface (ports of a server, via Nova). */
  async listInterfaces(serverId: string): Promise<InterfaceAttachment[]> {
    const res = await this.session.request('compute', { method: 'GET', path: `/servers/${enc(serverId)}/os-interface` });
    return list(res.json, 'interfaceAttachments', 'nova interfaces').map(parseInterfaceAttachment);
  }

  /** GET /servers/{id}/os-security-groups (names of the server's groups). */
  async listServerSecurityGroups(serverId: string): Promise<{ id?: string; name: string }[]> {
    const res = await this.session.request('compute', { method: 'GET', path: `/servers/${enc(serverId)}/os-security-groups` });
    return list(res.json, 'security_groups', 'nova server security groups')
      .filter(isObj)
      .map((g) => prune({ id: optStr(g.id), name: str(g.name) }));
  }

  /** Poll until the server has one of `want` (default ACTIVE); ERROR fails with Nova's fault message. */
  async waitForServer(id: string, want: string[] = ['ACTIVE'], opts: WaitOptions & { gone?: boolean } = {}): Promise<Server | undefined> {
    return waitFor<Server>(
      {
        what: `${this.session.site} nova server ${id}`,
        read: () => this.getServer(id),
        status: (s) => s.status,
        want,
        fail: want.includes('ERROR') ? [] : ['ERROR'],
        goneIsSuccess: opts.gone === true,
        describe: (s) => s.fault?.message,
      },
      opts,
    );
  }

  /** Poll until the server is gone (after deleteServer). */
  async waitForServerGone(id: string, opts: WaitOptions = {}): Promise<void> {
    await this.waitForServer(id, ['__gone__'], { ...opts, gone: true });
  }

  /** GET /os-keypairs */
  async listKeypairs(): Promise<Keypair[]> {
    const res = await this.session.request('compute', { method: 'GET', path: '/os-keypairs' });
    return list(res.json, 'keypairs', 'nova keypairs').map(parseKeypair);
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
