/**
 * Cinder v3 (microversion 3.60): typed models and one client method per verb
 * (api-notes/openstack.md §4). Parsers accept `bootable` as a string or boolean, the legacy view of
 * manage (strings "null"/"false"), v2-shaped attachments, and absent admin-only fields.
 */
import type { OpenStackSession } from './session.js';
import { waitFor, type WaitOptions } from './wait.js';
import { arr, bool, isObj, list, member, num, obj, optStr, reqStr, str, strMap, type Json } from './parse.js';

export interface VolumeAttachmentRef {
  id?: string;
  attachmentId?: string;
  serverId?: string;
  hostName?: string;
  device?: string;
  attachedAt?: string;
}

export interface Volume {
  id: string;
  name: string;
  status: string;
  size: number;
  /** type name (`volume_type`) */
  volumeType?: string;
  /** 3.63 */
  volumeTypeId?: string;
  bootable: boolean;
  attachments: VolumeAttachmentRef[];
  metadata: Record<string, string>;
  replicationStatus?: string;
  groupId?: string;
  availabilityZone?: string;
  /** admin only: host@backend#pool */
  host?: string;
  providerId?: string;
  snapshotId?: string;
  sourceVolid?: string;
  multiattach?: boolean;
  encrypted?: boolean;
  tenantId?: string;
  createdAt?: string;
  updatedAt?: string;
  description?: string;
}

export interface VolumeType {
  id: string;
  name: string;
  description?: string;
  isPublic: boolean;
  /** Only what the caller may see: members get RESKEY:availability_zones, multiattach, replication_enabled. */
  extraSpecs: Record<string, string>;
}

export interface GroupType {
  id: string;
  name: string;
  description?: string;
  isPublic: boolean;
  groupSpecs: Record<string, string>;
}

export interface Group {
  id: string;
  name: string;
  status?: string;
  description?: string;
  groupType?: string;
  volumeTypes: string[];
  /** with ?list_volume=True (3.25) */
  volumes?: string[];
  replicationStatus?: string;
  availabilityZone?: string;
  projectId?: string;
  groupSnapshotId?: string;
  sourceGroupId?: string;
  createdAt?: string;
}

export interface GroupSnapshot {
  id: string;
  name?: string;
  status?: string;
  groupId?: string;
  groupTypeId?: string;
  description?: string;
  createdAt?: string;
  projectId?: string;
}

export interface ManageableVolume {
  reference: Record<string, string>;
  size: number;
  safeToManage: boolean;
  reasonNotSafe?: string;
  cinderId?: string;
  extraInfo?: string;
}

export interface CinderService {
  binary: string;
  host: string;
  zone?: string;
  status: string;
  state: string;
  cluster?: string;
  replicationStatus?: string;
  activeBackendId?: string;
  frozen?: boolean;
  updatedAt?: string;
  disabledReason?: string;
}

export interface Attachment {
  id: string;
  status: string;
  instance?: string;
  volumeId: string;
  attachMode?: string;
  attachedAt?: string;
}

function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function parseVolume(x: unknown): Volume {
  const v = obj(x);
  const multi = v.multiattach;
  const enc = v.encrypted;
  return prune({
    id: reqStr(v, 'id', 'cinder volume'),
    name: str(v.name),
    status: str(v.status, 'unknown'),
    size: num(v.size),
    volumeType: optStr(v.volume_type),
    volumeTypeId: optStr(v.volume_type_id),
    bootable: bool(v.bootable),
    attachments: arr(v.attachments)
      .filter(isObj)
      .map((a) =>
        prune({
          id: optStr(a.id),
          attachmentId: optStr(a.attachment_id),
          serverId: optStr(a.server_id),
          hostName: optStr(a.host_name),
          device: optStr(a.device),
          attachedAt: optStr(a.attached_at),
        }),
      ),
    metadata: strMap(v.metadata),
    replicationStatus: optStr(v.replication_status),
    groupId: optStr(v.group_id),
    availabilityZone: optStr(v.availability_zone),
    host: optStr(v['os-vol-host-attr:host']),
    providerId: optStr(v.provider_id),
    snapshotId: optStr(v.snapshot_id),
    sourceVolid: optStr(v.source_volid),
    multiattach: multi === undefined ? undefined : bool(multi),
    encrypted: enc === undefined ? undefined : bool(enc),
    tenantId: optStr(v['os-vol-tenant-attr:tenant_id']),
    createdAt: optStr(v.created_at),
    updatedAt: optStr(v.updated_at),
    description: optStr(v.description),
  });
}

export function parseVolumeType(x: unknown): VolumeType {
  const t = obj(x);
  return prune({
    id: reqStr(t, 'id', 'cinder volume type'),
    name: str(t.name),
    description: optStr(t.description),
    isPublic: bool(t.is_public ?? t['os-volume-type-access:is_public'], true),
    extraSpecs: strMap(t.extra_specs),
  });
}

export function parseGroupType(x: unknown): GroupType {
  const t = obj(x);
  return prune({ id: reqStr(t, 'id', 'cinder group type'), name: str(t.name), description: optStr(t.description), isPublic: bool(t.is_public, true), groupSpecs: strMap(t.group_specs) });
}

export function parseGroup(x: unknown): Group {
  const g = obj(x);
  return prune({
    id: reqStr(g, 'id', 'cinder group'),
    name: str(g.name),
    status: optStr(g.status),
    description: optStr(g.description),
    groupType: optStr(g.group_type),
    volumeTypes: arr(g.volume_types).map((t) => (isObj(t) ? str(t.id) : String(t))),
    volumes: Array.isArray(g.volumes) ? g.volumes.map((v) => (isObj(v) ? str(v.id) : String(v))) : undefined,
    replicationStatus: optStr(g.replication_status),
    availabilityZone: optStr(g.availability_zone),
    projectId: optStr(g.project_id),
    groupSnapshotId: optStr(g.group_snapshot_id),
    sourceGroupId: optStr(g.source_group_id),
    createdAt: optStr(g.created_at),
  });
}

export function parseGroupSnapshot(x: unknown): GroupSnapshot {
  const s = obj(x);
  return prune({
    id: reqStr(s, 'id', 'cinder group snapshot'),
    name: optStr(s.name),
    status: optStr(s.status),
    groupId: optStr(s.group_id),
    groupTypeId: optStr(s.group_type_id),
    description: optStr(s.description),
    createdAt: optStr(s.created_at),
    projectId: optStr(s.project_id),
  });
}

export function parseManageableVolume(x: unknown): ManageableVolume {
  const m = obj(x);
  return prune({
    reference: strMap(m.reference),
    size: num(m.size),
    safeToManage: bool(m.safe_to_manage),
    reasonNotSafe: optStr(m.reason_not_safe),
    cinderId: optStr(m.cinder_id),
    extraInfo: optStr(m.extra_info),
  });
}

export function parseService(x: unknown): CinderService {
  const s = obj(x);
  return prune({
    binary: str(s.binary),
    host: str(s.host),
    zone: optStr(s.zone),
    status: str(s.status),
    state: str(s.state),
    cluster: optStr(s.cluster),
    replicationStatus: optStr(s.replication_status),
    activeBackendId: optStr(s.active_backend_id),
    frozen: typeof s.frozen === 'boolean' ? s.frozen : undefined,
    updatedAt: optStr(s.updated_at),
    disabledReason: optStr(s.disabled_reason),
  });
}

export function parseAttachment(x: unknown): Attachment {
  const a = obj(x);
  return prune({
    id: reqStr(a, 'id', 'cinder attachment'),
    status: str(a.status),
    instance: optStr(a.instance),
    volumeId: str(a.volume_id),
    attachMode: optStr(a.attach_mode),
    attachedAt: optStr(a.attached_at),
  });
}

/** Cinder extra-spec truthiness: "<is> True", "True", "true". */
export function specIsTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  return /^\s*(<is>\s*)?true\s*$/i.test(v);
}

/** volume_backend_name of a host string `host@backend#pool`. */
export function backendOfHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /@([^#]+)/.exec(host);
  return m?.[1];
}

export interface VolumeFilters {
  name?: string;
  status?: string;
  /** matches volumes having all these metadata pairs (sent as a Python-literal dict, like cinderclient) */
  metadata?: Record<string, string>;
  bootable?: boolean;
  availability_zone?: string;
  /** 3.10+ */
  group_id?: string;
  /** admin */
  all_tenants?: boolean;
}

export interface CreateVolumeRequest {
  size?: number;
  name: string;
  description?: string;
  volumeType?: string;
  availabilityZone?: string;
  snapshotId?: string;
  sourceVolid?: string;
  metadata?: Record<string, string>;
  groupId?: string;
}

export interface ManageVolumeRequest {
  /** exactly one of host (host@backend#pool) and cluster (3.16+) */
  host?: string;
  cluster?: string;
  ref: { 'source-name': string } | { 'source-id': string };
  name?: string;
  description?: string;
  volumeType?: string;
  availabilityZone?: string;
  bootable?: boolean;
  metadata?: Record<string, string>;
}

/**
 * Cinder's `metadata` query filter is a dict literal; cinderclient sends `{'k': 'v'}` (Python repr).
 * The API parses it with ast.literal_eval, so JSON-ish quoting works too; we send the cinderclient form.
 */
export function metadataFilter(md: Record<string, string>): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `{${Object.entries(md)
    .map(([k, v]) => `'${esc(k)}': '${esc(v)}'`)
    .join(', ')}}`;
}

export class CinderClient {
  constructor(readonly session: OpenStackSession) {}

  /** GET /volumes/detail (or /volumes) with filters, following volumes_links. */
  async listVolumes(opts: { detail?: boolean; filters?: VolumeFilters; limit?: number; marker?: string } = {}): Promise<Volume[]> {
    const f = opts.filters ?? {};
    const query: Record<string, string | number | boolean | undefined> = {
      name: f.name,
      status: f.status,
      metadata: f.metadata && Object.keys(f.metadata).length ? metadataFilter(f.metadata) : undefined,
      bootable: f.bootable === undefined ? undefined : String(f.bootable),
      availability_zone: f.availability_zone,
      group_id: f.group_id,
      all_tenants: f.all_tenants ? 1 : undefined,
      limit: opts.limit ?? 1000,
      marker: opts.marker,
    };
    const items = await this.session.paginate('block-storage', opts.detail === false ? '/volumes' : '/volumes/detail', 'volumes', query);
    return items.map(parseVolume);
  }

  /** GET /volumes/{id}; undefined on 404. */
  async getVolume(id: string): Promise<Volume | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/volumes/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseVolume(member(res.json, 'volume', 'cinder show volume'));
  }

  /** POST /volumes (202, status "creating"). */
  async createVolume(req: CreateVolumeRequest): Promise<Volume> {
    const volume: Json = prune({
      size: req.size,
      name: req.name,
      description: req.description,
      volume_type: req.volumeType,
      availability_zone: req.availabilityZone,
      snapshot_id: req.snapshotId,
      source_volid: req.sourceVolid,
      metadata: req.metadata,
      group_id: req.groupId,
    });
    const res = await this.session.request('block-storage', { method: 'POST', path: '/volumes', json: { volume } });
    return parseVolume(member(res.json, 'volume', 'cinder create volume'));
  }

  /** DELETE /volumes/{id} (202); false when already gone. */
  async deleteVolume(id: string, opts: { cascade?: boolean } = {}): Promise<boolean> {
    const res = await this.session.request('block-storage', { method: 'DELETE', path: `/volumes/${enc(id)}`, query: { cascade: opts.cascade ? 'true' : undefined }, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /volumes/{id}/metadata */
  async getVolumeMetadata(id: string): Promise<Record<string, string>> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/volumes/${enc(id)}/metadata` });
    return strMap(obj(res.json).metadata);
  }

  /** POST /volumes/{id}/metadata: merge keys (safe to repeat). */
  async updateVolumeMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    const res = await this.session.request('block-storage', { method: 'POST', path: `/volumes/${enc(id)}/metadata`, json: { metadata }, idempotent: true });
    return strMap(obj(res.json).metadata);
  }

  /** PUT /volumes/{id}/metadata: replace all metadata. */
  async setVolumeMetadata(id: string, metadata: Record<string, string>): Promise<Record<string, string>> {
    const res = await this.session.request('block-storage', { method: 'PUT', path: `/volumes/${enc(id)}/metadata`, json: { metadata } });
    return strMap(obj(res.json).metadata);
  }

  /** DELETE /volumes/{id}/metadata/{key}; false when absent. */
  async deleteVolumeMetadataItem(id: string, key: string): Promise<boolean> {
    const res = await this.session.request('block-storage', { method: 'DELETE', path: `/volumes/${enc(id)}/metadata/${enc(key)}`, okStatuses: [404] });
    return res.status !== 404;
  }

  /** POST /volumes/{id}/action {"os-set_bootable": {"bootable": b}} — Nova refuses non-bootable boot volumes. */
  async setBootable(id: string, bootable: boolean): Promise<void> {
    await this.session.request('block-storage', { method: 'POST', path: `/volumes/${enc(id)}/action`, json: { 'os-set_bootable': { bootable } }, idempotent: true });
  }

  /** GET /types (all visible types, with the extra specs the caller may see). */
  async listVolumeTypes(): Promise<VolumeType[]> {
    const res = await this.session.request('block-storage', { method: 'GET', path: '/types' });
    return list(res.json, 'volume_types', 'cinder volume types').map(parseVolumeType);
  }

  /** GET /types/{id} */
  async getVolumeType(id: string): Promise<VolumeType | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/types/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseVolumeType(member(res.json, 'volume_type', 'cinder volume type'));
  }

  /** GET /types/{id}/extra_specs */
  async getExtraSpecs(typeId: string): Promise<Record<string, string>> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/types/${enc(typeId)}/extra_specs` });
    return strMap(obj(res.json).extra_specs);
  }

  /** GET /group_types (3.11) */
  async listGroupTypes(): Promise<GroupType[]> {
    const res = await this.session.request('block-storage', { method: 'GET', path: '/group_types' });
    return list(res.json, 'group_types', 'cinder group types').map(parseGroupType);
  }

  /** GET /group_types/{id} */
  async getGroupType(id: string): Promise<GroupType | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/group_types/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseGroupType(member(res.json, 'group_type', 'cinder group type'));
  }

  /** POST /group_types (admin) */
  async createGroupType(req: { name: string; description?: string; isPublic?: boolean; groupSpecs?: Record<string, string> }): Promise<GroupType> {
    const res = await this.session.request('block-storage', {
      method: 'POST',
      path: '/group_types',
      json: { group_type: prune({ name: req.name, description: req.description, is_public: req.isPublic ?? true, group_specs: req.groupSpecs }) },
    });
    return parseGroupType(member(res.json, 'group_type', 'cinder create group type'));
  }

  /** GET /groups/detail (all pages). */
  async listGroups(opts: { listVolume?: boolean } = {}): Promise<Group[]> {
    const items = await this.session.paginate('block-storage', '/groups/detail', 'groups', { limit: 1000, list_volume: opts.listVolume ? 'True' : undefined });
    return items.map(parseGroup);
  }

  /** GET /groups/{id}?list_volume=True; undefined on 404. */
  async getGroup(id: string, opts: { listVolume?: boolean } = { listVolume: true }): Promise<Group | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/groups/${enc(id)}`, query: { list_volume: opts.listVolume ? 'True' : undefined }, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseGroup(member(res.json, 'group', 'cinder show group'));
  }

  /** POST /groups (202) */
  async createGroup(req: { name: string; description?: string; groupType: string; volumeTypes: string[]; availabilityZone?: string }): Promise<Group> {
    const res = await this.session.request('block-storage', {
      method: 'POST',
      path: '/groups',
      json: { group: prune({ name: req.name, description: req.description, group_type: req.groupType, volume_types: req.volumeTypes, availability_zone: req.availabilityZone }) },
    });
    return parseGroup(member(res.json, 'group', 'cinder create group'));
  }

  /** PUT /groups/{id}: name/description and add/remove volumes (comma-separated ids). */
  async updateGroup(id: string, req: { name?: string; description?: string; addVolumes?: string[]; removeVolumes?: string[] }): Promise<void> {
    const group: Json = prune({
      name: req.name,
      description: req.description,
      add_volumes: req.addVolumes?.length ? req.addVolumes.join(',') : undefined,
      remove_volumes: req.removeVolumes?.length ? req.removeVolumes.join(',') : undefined,
    });
    await this.session.request('block-storage', { method: 'PUT', path: `/groups/${enc(id)}`, json: { group } });
  }

  async addVolumesToGroup(id: string, volumeIds: string[]): Promise<void> {
    return this.updateGroup(id, { addVolumes: volumeIds });
  }

  async removeVolumesFromGroup(id: string, volumeIds: string[]): Promise<void> {
    return this.updateGroup(id, { removeVolumes: volumeIds });
  }

  /** POST /groups/{id}/action {"delete": {"delete-volumes": b}}; false when already gone. */
  async deleteGroup(id: string, opts: { deleteVolumes?: boolean } = {}): Promise<boolean> {
    const res = await this.session.request('block-storage', {
      method: 'POST',
      path: `/groups/${enc(id)}/action`,
      json: { delete: { 'delete-volumes': opts.deleteVolumes ?? false } },
      okStatuses: [404],
    });
    return res.status !== 404;
  }

  /** POST /groups/action {"create-from-src": {...}} (restore a group from a group snapshot or another group). */
  async createGroupFromSource(req: { name: string; description?: string; groupSnapshotId?: string; sourceGroupId?: string }): Promise<Group> {
    const res = await this.session.request('block-storage', {
      method: 'POST',
      path: '/groups/action',
      json: { 'create-from-src': prune({ name: req.name, description: req.description, group_snapshot_id: req.groupSnapshotId, source_group_id: req.sourceGroupId }) },
    });
    return parseGroup(member(res.json, 'group', 'cinder create group from source'));
  }

  /** GET /group_snapshots/detail (optionally of one group). */
  async listGroupSnapshots(opts: { groupId?: string } = {}): Promise<GroupSnapshot[]> {
    const items = await this.session.paginate('block-storage', '/group_snapshots/detail', 'group_snapshots', { limit: 1000, group_id: opts.groupId });
    return items.map(parseGroupSnapshot);
  }

  /** POST /group_snapshots (202) */
  async createGroupSnapshot(req: { groupId: string; name: string; description?: string }): Promise<GroupSnapshot> {
    const res = await this.session.request('block-storage', {
      method: 'POST',
      path: '/group_snapshots',
      json: { group_snapshot: prune({ group_id: req.groupId, name: req.name, description: req.description }) },
    });
    return parseGroupSnapshot(member(res.json, 'group_snapshot', 'cinder create group snapshot'));
  }

  /** GET /group_snapshots/{id}; undefined on 404. */
  async getGroupSnapshot(id: string): Promise<GroupSnapshot | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/group_snapshots/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseGroupSnapshot(member(res.json, 'group_snapshot', 'cinder show group snapshot'));
  }

  /** DELETE /group_snapshots/{id}; false when already gone. */
  async deleteGroupSnapshot(id: string): Promise<boolean> {
    const res = await this.session.request('block-storage', { method: 'DELETE', path: `/group_snapshots/${enc(id)}`, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /manageable_volumes/detail?host=... (admin by default policy). */
  async listManageableVolumes(opts: { host?: string; cluster?: string; limit?: number } = {}): Promise<ManageableVolume[]> {
    const items = await this.session.paginate('block-storage', '/manageable_volumes/detail', 'manageable-volumes', { host: opts.host, cluster: opts.cluster, limit: opts.limit ?? 1000 });
    return items.map(parseManageableVolume);
  }

  /**
   * POST /manageable_volumes (202, legacy view): bring an array volume under Cinder.
   * Not retried after an ambiguous failure: a step re-run finds the managed volume by metadata/name.
   */
  async manageVolume(req: ManageVolumeRequest): Promise<Volume> {
    if (!!req.host === !!req.cluster) throw new TypeError('manageVolume: give exactly one of host and cluster');
    const volume: Json = prune({
      host: req.host,
      cluster: req.cluster,
      ref: req.ref,
      name: req.name,
      description: req.description,
      volume_type: req.volumeType,
      availability_zone: req.availabilityZone,
      bootable: req.bootable,
      metadata: req.metadata,
    });
    const res = await this.session.request('block-storage', { method: 'POST', path: '/manageable_volumes', json: { volume } });
    return parseVolume(member(res.json, 'volume', 'cinder manage volume'));
  }

  /**
   * POST /volume-transfers (3.55+): offer a volume to another project (manage puts it in the caller's
   * = the admin's project). The auth key is a secret: give it only to acceptTransfer.
   */
  async createTransfer(volumeId: string, name: string): Promise<{ id: string; authKey: string }> {
    const res = await this.session.request('block-storage', { method: 'POST', path: '/volume-transfers', json: { transfer: { volume_id: volumeId, name } } });
    const t = member(res.json, 'transfer', 'cinder volume transfer') as Record<string, unknown>;
    const authKey = String(t.auth_key);
    // Registered before anything can log or fail with it (redacted from messages, logs, the journal).
    this.session.secrets.add(authKey);
    return { id: String(t.id), authKey };
  }

  /** POST /volume-transfers/{id}/accept (3.55+), by the receiving project. */
  async acceptTransfer(id: string, authKey: string): Promise<void> {
    this.session.secrets.add(authKey);
    await this.session.request('block-storage', { method: 'POST', path: `/volume-transfers/${enc(id)}/accept`, json: { accept: { auth_key: authKey } } });
  }

  /** POST /volumes/{id}/action {"os-unmanage": {}} (202; volume must be available). False when gone. */
  async unmanageVolume(id: string): Promise<boolean> {
    const res = await this.session.request('block-storage', { method: 'POST', path: `/volumes/${enc(id)}/action`, json: { 'os-unmanage': {} }, okStatuses: [404] });
    return res.status !== 404;
  }

  /** GET /os-services (admin), e.g. binary=cinder-volume to find the manage host and replication state. */
  async listServices(opts: { binary?: string; host?: string } = {}): Promise<CinderService[]> {
    const res = await this.session.request('block-storage', { method: 'GET', path: '/os-services', query: { binary: opts.binary, host: opts.host } });
    return list(res.json, 'services', 'cinder services').map(parseService);
  }

  /** Poll until the volume has one of `want` (default available); error states fail. */
  async waitForVolume(id: string, want: string[] = ['available'], opts: WaitOptions & { gone?: boolean } = {}): Promise<Volume | undefined> {
    return waitFor<Volume>(
      {
        what: `${this.session.site} cinder volume ${id}`,
        read: () => this.getVolume(id),
        status: (v) => v.status,
        want,
        fail: ['error', 'error_managing', 'error_deleting', 'error_restoring', 'error_extending'].filter((s) => !want.includes(s)),
        goneIsSuccess: opts.gone === true,
      },
      opts,
    );
  }

  /** Poll until the group has one of `want` (default available). */
  async waitForGroup(id: string, want: string[] = ['available'], opts: WaitOptions & { gone?: boolean } = {}): Promise<Group | undefined> {
    return waitFor<Group>(
      {
        what: `${this.session.site} cinder group ${id}`,
        read: () => this.getGroup(id, { listVolume: true }),
        status: (g) => g.status ?? 'unknown',
        want,
        fail: ['error', 'error_deleting'].filter((s) => !want.includes(s)),
        goneIsSuccess: opts.gone === true,
      },
      opts,
    );
  }

  /** GET /attachments/{id} (3.27) */
  async getAttachment(id: string): Promise<Attachment | undefined> {
    const res = await this.session.request('block-storage', { method: 'GET', path: `/attachments/${enc(id)}`, okStatuses: [404] });
    if (res.status === 404) return undefined;
    return parseAttachment(member(res.json, 'attachment', 'cinder attachment'));
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
