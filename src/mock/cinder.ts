/**
 * Cinder v3 (microversions up to Zed's 3.70) of one site, under /v3/{project_id}: volumes (filters,
 * metadata, create from snapshot, delete), volume types with extra specs (non-admins see only the
 * user-visible keys), group types, generic groups (add/remove volumes with Cinder's validation),
 * group snapshots, snapshots, manage/unmanage (admin-only policy) and the manageable list.
 */
import { backingName, createBacking, deleteBacking, manageableObjects, manageBacking, unmanageBacking, type BackingOptions } from './backing.js';
import { faultBody } from './nova.js';
import { markerPage, nextHref } from './http/paginate.js';
import { isoMicros } from './http/time.js';
import { ApiError, badRequest, bodyObject, notFound, ok, type MockResponse, type Route, type RouteContext, type Version } from './http/types.js';
import type { GroupRec, SiteData, SnapshotRec, VolumeRec, VolumeTypeRec } from './types.js';
import type { MockWorld } from './world.js';

export const CINDER_VERSIONS = { min: [3, 0] as Version, max: [3, 70] as Version };
export const cinderError = faultBody;

/** Extra specs a project member may see (cinder/api/views/types.py USER_VISIBLE_EXTRA_SPECS). */
export const USER_VISIBLE_EXTRA_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'];

const atLeast = (mv: Version, major: number, minor: number): boolean => mv[0] > major || (mv[0] === major && mv[1] >= minor);
const VALID_ADD = ['available', 'in-use'];
const VALID_REMOVE = ['available', 'in-use', 'error', 'error_deleting'];
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];

// ------------------------------------------------------------------ model

/**
 * Status with the lazy transitions creating → available and managing → available (Cinder shows a
 * volume being managed as `creating`). Every check (delete, group add, boot) uses this.
 */
export function volumeStatus(world: MockWorld, v: VolumeRec, now = world.now()): string {
  if ((v.status === 'creating' || v.status === 'managing') && v.readyAt !== undefined && now >= v.readyAt) return 'available';
  if (v.status === 'managing') return 'creating';
  return v.status;
}

/** Settles a lazily-derived status into the record before a mutation. */
function settle(world: MockWorld, v: VolumeRec): void {
  if ((v.status === 'creating' || v.status === 'managing') && volumeStatus(world, v) === 'available') {
    v.status = 'available';
    delete v.readyAt;
  }
}

export function attachVolume(world: MockWorld, _site: SiteData, v: VolumeRec, serverId: string, device: string): string {
  settle(world, v);
  const id = world.uuid();
  v.attachments.push({ id, serverId, device, attachedAt: world.now() });
  v.status = 'in-use';
  v.updatedAt = world.now();
  world.touch();
  return id;
}

export function detachVolume(world: MockWorld, _site: SiteData, v: VolumeRec, serverId: string): void {
  v.attachments = v.attachments.filter((a) => a.serverId !== serverId);
  if (v.attachments.length === 0 && v.status === 'in-use') v.status = 'available';
  v.updatedAt = world.now();
  world.touch();
}

export function deleteVolume(world: MockWorld, site: SiteData, v: VolumeRec): void {
  deleteBacking(world, site, v);
  delete site.cinder.volumes[v.id];
  world.touch();
}

export interface NewVolume {
  name: string | null;
  size: number;
  type: VolumeTypeRec;
  description?: string | null;
  metadata?: Record<string, string>;
  bootable?: boolean;
  groupId?: string | null;
  snapshotId?: string | null;
  /** available at once (init) instead of creating → available. */
  ready?: boolean;
  backing?: BackingOptions | false;
}

export function createVolume(world: MockWorld, site: SiteData, n: NewVolume): VolumeRec {
  const now = world.now();
  const v: VolumeRec = {
    id: world.uuid(),
    name: n.name,
    description: n.description ?? null,
    size: n.size,
    typeId: n.type.id,
    status: n.ready ? 'available' : 'creating',
    ...(n.ready ? {} : { readyAt: now }),
    bootable: n.bootable ?? false,
    metadata: { ...(n.metadata ?? {}) },
    groupId: n.groupId ?? null,
    snapshotId: n.snapshotId ?? null,
    sourceVolid: null,
    attachments: [],
    replicationStatus: replicationStatusFor(n.type),
    userId: site.keystone.users.member.id,
    availabilityZone: 'nova',
    multiattach: false,
    createdAt: now,
    updatedAt: null,
  };
  site.cinder.volumes[v.id] = v;
  if (n.backing !== false) createBacking(world, site, v, n.backing ?? mirrorFor(n.type));
  world.touch();
  return v;
}

function replicationStatusFor(t: VolumeTypeRec): string {
  return t.extraSpecs.replication_enabled === '<is> True' ? 'enabled' : 'disabled';
}

/** Ceph: replicated types get a mirrored image (journal mode, as the RBD driver enables). */
function mirrorFor(t: VolumeTypeRec): BackingOptions {
  return t.extraSpecs.replication_enabled === '<is> True' ? { mirror: { mode: 'journal', intervalMs: 60_000 } } : {};
}

export interface GroupChange {
  add: string[];
  remove: string[];
}

/** Cinder's group update with its validation (cinder/group/api.py), as a model operation. */
export function updateGroupVolumes(world: MockWorld, site: SiteData, g: GroupRec, change: GroupChange): void {
  if (g.status !== 'available') throw badRequest(`Invalid Group: Group status must be available, but current status is: ${g.status}.`);
  const members = world.index(site.name).volumesByGroup.get(g.id) ?? [];
  const memberIds = new Set(members.map((v) => v.id));
  for (const id of change.remove) {
    if (!memberIds.has(id)) throw badRequest(`Invalid volume: Cannot remove volume ${id} from group ${g.id} because it is not in the group.`);
    const v = site.cinder.volumes[id]!;
    const st = volumeStatus(world, v);
    if (!VALID_REMOVE.includes(st)) {
      throw badRequest(`Invalid volume: Cannot remove volume ${id} from group ${g.id} because volume is in an invalid state: ${st}. Valid states are: ${pyTuple(VALID_REMOVE)}.`);
    }
  }
  const toAdd = change.add.filter((id) => !memberIds.has(id));
  for (const id of toAdd) {
    const v = site.cinder.volumes[id];
    if (!v) throw badRequest(`Invalid volume: Cannot add volume ${id} to group ${g.id} because volume cannot be found.`);
    if (v.groupId) throw badRequest(`Invalid volume: Cannot add volume ${id} to group ${g.id} because it is already in group ${v.groupId}.`);
    if (!g.volumeTypeIds.includes(v.typeId)) {
      throw badRequest(`Invalid volume: Cannot add volume ${id} to group ${g.id} because volume type ${v.typeId} is not supported by the group.`);
    }
    const st = volumeStatus(world, v);
    if (!VALID_ADD.includes(st)) {
      throw badRequest(`Invalid volume: Cannot add volume ${id} to group ${g.id} because volume is in an invalid state: ${st}. Valid states are: ${pyTuple(VALID_ADD)}.`);
    }
  }
  for (const id of change.remove) site.cinder.volumes[id]!.groupId = null;
  for (const id of toAdd) site.cinder.volumes[id]!.groupId = g.id;
  world.touch();
}

function pyTuple(xs: string[]): string {
  return `(${xs.map((x) => `'${x}'`).join(', ')})`;
}

/** Manage an existing backend object into Cinder (the API part always succeeds with 202). */
export function manageVolume(
  world: MockWorld,
  site: SiteData,
  req: { ref: Record<string, unknown>; name: string | null; description?: string | null; type: VolumeTypeRec; bootable: boolean; metadata: Record<string, string> },
): VolumeRec {
  const v = createVolume(world, site, { name: req.name, description: req.description, size: 0, type: req.type, bootable: req.bootable, metadata: req.metadata, backing: false });
  const r = manageBacking(world, site, v, req.ref);
  if ('error' in r) {
    v.status = 'error_managing';
    delete v.readyAt;
    v.size = 0;
  } else {
    v.size = r.size;
    v.status = 'managing';
    v.readyAt = world.now();
  }
  world.touch();
  return v;
}

function viewStatus(world: MockWorld, v: VolumeRec, now: number): string {
  const s = volumeStatus(world, v, now);
  return s === 'error_managing' ? 'error' : s;
}

/** The status checks see (error_managing is shown as error but kept apart for delete rules). */
export const effectiveStatus = (world: MockWorld, v: VolumeRec): string => volumeStatus(world, v);

// ------------------------------------------------------------------ views

function links(ctx: RouteContext, collection: string, id: string) {
  return [
    { href: `${ctx.base}/${collection}/${id}`, rel: 'self' },
    { href: `${ctx.base.replace(/\/v3\//, '/')}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

/**
 * The volume view. `legacy`: the v2 view manage returns. `extended`: the attributes Cinder's API
 * extensions add to GET responses only (tenant, host, migration status); create/manage answers lack them.
 */
export function volumeView(ctx: RouteContext, v: VolumeRec, legacy = false, extended = true): Record<string, unknown> {
  const mv = ctx.mv;
  const t = ctx.site.cinder.types[v.typeId];
  const out: Record<string, unknown> = {
    id: v.id,
    status: viewStatus(ctx.world, v, ctx.now),
    size: v.size,
    availability_zone: v.availabilityZone,
    created_at: isoMicros(v.createdAt),
    updated_at: updatedAt(ctx, v),
    attachments: v.attachments.map((a) => ({
      server_id: a.serverId,
      attachment_id: a.id,
      attached_at: isoMicros(a.attachedAt),
      host_name: null,
      volume_id: v.id,
      device: a.device,
      id: v.id,
    })),
    name: v.name,
    description: v.description,
    volume_type: t?.name ?? null,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    metadata: { ...v.metadata },
    links: links(ctx, 'volumes', v.id),
    user_id: v.userId,
    bootable: String(v.bootable),
    encrypted: false,
    replication_status: v.replicationStatus,
    consistencygroup_id: null,
    multiattach: v.multiattach,
  };
  if (extended) out['os-vol-tenant-attr:tenant_id'] = ctx.site.keystone.project.id;
  if (ctx.auth?.isAdmin) out.migration_status = null;
  if (extended && ctx.auth?.isAdmin) {
    out['os-vol-host-attr:host'] = ctx.site.cinder.host;
    out['os-vol-mig-status-attr:migstat'] = null;
    out['os-vol-mig-status-attr:name_id'] = null;
  }
  if (legacy) return out;
  if (atLeast(mv, 3, 13)) out.group_id = v.groupId;
  if (atLeast(mv, 3, 21) && ctx.auth?.isAdmin) out.provider_id = backingName(ctx.site, v) ?? null;
  if (atLeast(mv, 3, 48)) {
    out.shared_targets = false;
    out.service_uuid = ctx.site.cinder.host.length ? serviceUuid(ctx.site) : null;
  }
  if (atLeast(mv, 3, 61) && ctx.auth?.isAdmin) out.cluster_name = null;
  if (atLeast(mv, 3, 63)) out.volume_type_id = v.typeId;
  if (atLeast(mv, 3, 65)) out.consumes_quota = true;
  return out;
}

/** null until the volume first left `creating` (as Cinder: created volumes have updated_at null). */
function updatedAt(ctx: RouteContext, v: VolumeRec): string | null {
  if (v.updatedAt !== null) return isoMicros(v.updatedAt);
  const s = viewStatus(ctx.world, v, ctx.now);
  if (s === 'creating') return null;
  return isoMicros(v.readyAt ?? v.createdAt);
}

function serviceUuid(site: SiteData): string {
  const h = Buffer.from(`${site.name}:cinder-volume`).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function visibleSpecs(ctx: RouteContext, specs: Record<string, string>): Record<string, string> {
  if (ctx.auth?.isAdmin) return { ...specs };
  return Object.fromEntries(Object.entries(specs).filter(([k]) => USER_VISIBLE_EXTRA_SPECS.includes(k)));
}

function typeView(ctx: RouteContext, t: VolumeTypeRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    is_public: t.isPublic,
    description: t.description,
    extra_specs: visibleSpecs(ctx, t.extraSpecs),
    'os-volume-type-access:is_public': t.isPublic,
  };
  if (ctx.auth?.isAdmin) out.qos_specs_id = null;
  return out;
}

function groupView(ctx: RouteContext, g: GroupRec): Record<string, unknown> {
  const mv = ctx.mv;
  const out: Record<string, unknown> = {
    id: g.id,
    status: g.status,
    availability_zone: g.availabilityZone,
    created_at: isoMicros(g.createdAt),
    name: g.name,
    description: g.description,
    group_type: g.groupTypeId,
    volume_types: [...g.volumeTypeIds],
  };
  if (atLeast(mv, 3, 14)) {
    out.group_snapshot_id = g.groupSnapshotId;
    out.source_group_id = g.sourceGroupId;
  }
  if (atLeast(mv, 3, 25) && /^(true|1|yes)$/i.test(ctx.req.query.get('list_volume') ?? '')) {
    out.volumes = (ctx.world.index(ctx.siteName).volumesByGroup.get(g.id) ?? []).map((v) => v.id);
  }
  if (atLeast(mv, 3, 38)) out.replication_status = g.replicationStatus;
  if (atLeast(mv, 3, 58) && ctx.auth?.isAdmin) out.project_id = ctx.site.keystone.project.id;
  return out;
}

function snapshotView(ctx: RouteContext, s: SnapshotRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id,
    created_at: isoMicros(s.createdAt),
    updated_at: isoMicros(s.createdAt),
    name: s.name,
    description: s.description,
    volume_id: s.volumeId,
    status: s.status,
    size: s.size,
    metadata: { ...s.metadata },
    'os-extended-snapshot-attributes:progress': '100%',
    'os-extended-snapshot-attributes:project_id': ctx.site.keystone.project.id,
  };
  if (atLeast(ctx.mv, 3, 14)) out.group_snapshot_id = s.groupSnapshotId;
  if (atLeast(ctx.mv, 3, 41)) out.user_id = ctx.site.keystone.users.member.id;
  if (atLeast(ctx.mv, 3, 65)) out.consumes_quota = true;
  return out;
}

// ------------------------------------------------------------------ lookups

function findVolume(ctx: RouteContext, id = ctx.params.id!): VolumeRec {
  const v = ctx.site.cinder.volumes[id];
  if (!v) throw notFound(`Volume ${id} could not be found.`);
  return v;
}

function findType(ctx: RouteContext, ref: string): VolumeTypeRec | undefined {
  return ctx.site.cinder.types[ref] ?? ctx.world.names(ctx.siteName).typeByName.get(ref);
}

function defaultType(site: SiteData): VolumeTypeRec {
  return Object.values(site.cinder.types).find((t) => t.name === '__DEFAULT__') ?? Object.values(site.cinder.types)[0]!;
}

function findGroup(ctx: RouteContext): GroupRec {
  const g = ctx.site.cinder.groups[ctx.params.id!];
  if (!g) throw notFound(`Group ${ctx.params.id} could not be found.`);
  return g;
}

function parseMetadataFilter(raw: string): Record<string, string> {
  for (const text of [raw, raw.replace(/'/g, '"')]) {
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
    } catch {
      /* next */
    }
  }
  throw badRequest(`Invalid input received: Invalid metadata filter: ${raw}`);
}

const VOLUME_FILTERS = new Set(['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at', 'name~', 'status~', 'id']);
const PAGING = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count', 'all_tenants', 'project_id', 'is_public']);

function listVolumes(ctx: RouteContext, detail: boolean): MockResponse {
  const q = ctx.req.query;
  if (atLeast(ctx.mv, 3, 31) && !ctx.auth?.isAdmin) {
    const bad = [...new Set(q.keys())].filter((k) => !VOLUME_FILTERS.has(k) && !PAGING.has(k));
    if (bad.length) throw badRequest(`Invalid input received: Invalid filters ${bad.join(',')} are found in query options.`);
  }
  let items = ctx.world.index(ctx.siteName).volumesSorted;
  const name = q.get('name');
  if (name !== null) items = items.filter((v) => v.name === name);
  const like = q.get('name~');
  if (like !== null && atLeast(ctx.mv, 3, 34)) items = items.filter((v) => (v.name ?? '').includes(like));
  const status = q.get('status');
  if (status !== null) items = items.filter((v) => viewStatus(ctx.world, v, ctx.now) === status);
  const bootable = q.get('bootable');
  if (bootable !== null) items = items.filter((v) => String(v.bootable) === bootable.toLowerCase());
  const size = q.get('size');
  if (size !== null) items = items.filter((v) => String(v.size) === size);
  const groupId = q.get('group_id');
  if (groupId !== null && atLeast(ctx.mv, 3, 10)) {
    items = ctx.world.index(ctx.siteName).volumesByGroup.get(groupId) ?? [];
  }
  const meta = q.get('metadata');
  if (meta !== null) {
    const want = parseMetadataFilter(meta);
    items = items.filter((v) => Object.entries(want).every(([k, x]) => v.metadata[k] === x));
  }
  const page = markerPage(items, (v) => v.id, q, (m) => notFound(`Marker ${m} could not be found.`));
  const volumes = page.items.map((v) => (detail ? volumeView(ctx, v) : { id: v.id, name: v.name, links: links(ctx, 'volumes', v.id) }));
  const body: Record<string, unknown> = { volumes };
  if (page.nextMarker) body.volumes_links = [{ href: nextHref(ctx.base, detail ? '/volumes/detail' : '/volumes', q, page.nextMarker), rel: 'next' }];
  if (atLeast(ctx.mv, 3, 45) && q.get('with_count') === 'true') body.count = items.length;
  return ok(body);
}

function createVolumeHandler(ctx: RouteContext): MockResponse {
  const b = bodyObject(ctx.req, 'volume');
  const { world, site } = ctx;
  let type = defaultType(site);
  if (b.volume_type !== undefined && b.volume_type !== null) {
    const t = findType(ctx, String(b.volume_type));
    if (!t) throw notFound(`Volume type with name ${String(b.volume_type)} could not be found.`);
    type = t;
  }
  let size = b.size === undefined || b.size === null ? undefined : Number(b.size);
  let bootable = false;
  let snapshotId: string | null = null;
  let sourceName: string | undefined;
  if (typeof b.snapshot_id === 'string') {
    const snap = site.cinder.snapshots[b.snapshot_id];
    if (!snap) throw notFound(`Snapshot ${b.snapshot_id} could not be found.`);
    size ??= snap.size;
    if (size < snap.size) {
      throw badRequest(`Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${snap.size}GB. They must be >= original snapshot size.`);
    }
    snapshotId = snap.id;
    const srcVol = site.cinder.volumes[snap.volumeId];
    bootable = srcVol?.bootable ?? false;
    sourceName = srcVol ? backingName(site, srcVol) : undefined;
  }
  if (size === undefined || !Number.isInteger(size) || size < 1) {
    throw badRequest(`Invalid input for field/attribute size. Value: ${String(b.size)}. ${String(b.size)} is not of type 'integer'`);
  }
  let groupId: string | null = null;
  if (typeof b.group_id === 'string' && atLeast(ctx.mv, 3, 13)) {
    const g = site.cinder.groups[b.group_id];
    if (!g) throw notFound(`Group ${b.group_id} could not be found.`);
    if (!g.volumeTypeIds.includes(type.id)) throw badRequest(`Invalid input received: Invalid volume_type provided: ${type.id} (not supported by group ${g.id}).`);
    groupId = g.id;
  }
  const metadata: Record<string, string> = {};
  if (b.metadata && typeof b.metadata === 'object') for (const [k, v] of Object.entries(b.metadata)) metadata[k] = String(v);
  const v = createVolume(world, site, {
    name: typeof b.name === 'string' ? b.name : null,
    description: typeof b.description === 'string' ? b.description : null,
    size,
    type,
    metadata,
    bootable,
    groupId,
    snapshotId,
    backing: sourceName ? { ...mirrorFor(type), sourceName } : undefined,
  });
  return ok({ volume: volumeView(ctx, v, false, false) }, 202);
}

function deleteVolumeHandler(ctx: RouteContext): MockResponse {
  const v = findVolume(ctx);
  const st = effectiveStatus(ctx.world, v);
  const hasSnaps = Object.values(ctx.site.cinder.snapshots).some((s) => s.volumeId === v.id);
  if (!DELETABLE.includes(st) || v.attachments.length || v.groupId || hasSnaps) {
    throw badRequest(
      'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
    );
  }
  deleteVolume(ctx.world, ctx.site, v);
  return { status: 202 };
}

function volumeActionName(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? Object.keys(body)[0] : undefined;
}

function volumeAction(ctx: RouteContext): MockResponse {
  const v = findVolume(ctx);
  const body = ctx.req.body as Record<string, unknown>;
  const action = volumeActionName(body);
  switch (action) {
    case 'os-set_bootable': {
      const raw = (body[action] as { bootable?: unknown } | null)?.bootable;
      const val = typeof raw === 'boolean' ? raw : typeof raw === 'string' && /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : undefined;
      if (val === undefined) throw badRequest(`Invalid value for 'bootable': '${String(raw)}'.`);
      v.bootable = val;
      v.updatedAt = ctx.now;
      ctx.world.touch();
      return { status: 200, headers: { 'Content-Type': 'application/json' } };
    }
    case 'os-unmanage': {
      if (!ctx.auth?.isAdmin) throw policy('volume_extension:volume_unmanage');
      const st = effectiveStatus(ctx.world, v);
      if (!DELETABLE.includes(st) || v.attachments.length || v.groupId) {
        throw badRequest(
          'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
        );
      }
      unmanageBacking(ctx.world, ctx.site, v);
      delete ctx.site.cinder.volumes[v.id];
      ctx.world.touch();
      return { status: 202 };
    }
    case 'os-reset_status': {
      if (!ctx.auth?.isAdmin) throw policy('volume_extension:volume_admin_actions:reset_status');
      const st = (body[action] as { status?: string }).status;
      if (st) v.status = st;
      delete v.readyAt;
      ctx.world.touch();
      return { status: 202 };
    }
    default:
      throw badRequest(`There is no such action: ${action ?? ''}`);
  }
}

export function policy(rule: string): ApiError {
  return new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
}

function stringMap(x: unknown): Record<string, string> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw badRequest('Malformed request body');
  return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function manageHandler(ctx: RouteContext): MockResponse {
  const b = bodyObject(ctx.req, 'volume');
  const host = typeof b.host === 'string' ? b.host : undefined;
  const cluster = typeof b.cluster === 'string' ? b.cluster : undefined;
  if (!b.ref || typeof b.ref !== 'object') throw badRequest("Missing required element 'ref' in request body.");
  if ((host === undefined) === (cluster === undefined)) throw badRequest('Invalid input received: One and only one of host and cluster must be set.');
  const backendHost = ctx.site.cinder.host.split('#')[0]!;
  if (host !== undefined && host.split('#')[0] !== backendHost) throw badRequest(`Invalid input received: Service ${host} could not be found.`);
  let type = defaultType(ctx.site);
  if (b.volume_type) {
    const t = findType(ctx, String(b.volume_type));
    if (!t) throw notFound('Volume type not found.');
    type = t;
  }
  const v = manageVolume(ctx.world, ctx.site, {
    ref: b.ref as Record<string, unknown>,
    name: typeof b.name === 'string' ? b.name : null,
    description: typeof b.description === 'string' ? b.description : null,
    type,
    bootable: b.bootable === true || b.bootable === 'true',
    metadata: b.metadata ? stringMap(b.metadata) : {},
  });
  // The 202 shows the request as accepted: creating, size 0, replication_status null (as recorded).
  const view = volumeView(ctx, v, true, false);
  Object.assign(view, { status: 'creating', size: 0, replication_status: null, updated_at: null });
  return ok({ volume: view }, 202);
}

function manageableList(ctx: RouteContext, detail: boolean): MockResponse {
  const q = ctx.req.query;
  if (!q.get('host') && !q.get('cluster')) throw badRequest('Invalid input received: One and only one of host and cluster must be set.');
  const host = q.get('host');
  if (host && host.split('#')[0] !== ctx.site.cinder.host.split('#')[0]) throw notFound(`Service ${host} could not be found.`);
  const all = manageableObjects(ctx.world, ctx.site);
  const offset = Number(q.get('offset') ?? 0);
  const page = markerPage(all.slice(offset), (m) => m.name, q, (m) => notFound(`Marker ${m} could not be found.`));
  return ok({
    'manageable-volumes': page.items.map((m) =>
      detail
        ? { reference: m.reference, size: m.sizeGiB, safe_to_manage: m.safe, reason_not_safe: m.reason, cinder_id: m.cinderId, extra_info: null }
        : { reference: m.reference, size: m.sizeGiB, safe_to_manage: m.safe },
    ),
  });
}

function groupActionName(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? Object.keys(body)[0] : undefined;
}

function groupAction(ctx: RouteContext): MockResponse {
  const g = findGroup(ctx);
  const body = ctx.req.body as Record<string, Record<string, unknown> | null>;
  const action = groupActionName(body);
  const members = ctx.world.index(ctx.siteName).volumesByGroup.get(g.id) ?? [];
  switch (action) {
    case 'delete': {
      const delVols = Boolean(body.delete?.['delete-volumes']);
      if (!['available', 'error', 'error_deleting'].includes(g.status)) {
        throw badRequest(`Invalid Group: Group status must be available or error and must not have dependent group snapshots, but current status is: ${g.status}`);
      }
      if (members.length && !delVols) {
        throw badRequest(`Invalid Group: Group ${g.id} still contains volumes. The delete-volumes flag is required to delete it.`);
      }
      if (Object.values(ctx.site.cinder.groupSnapshots).some((s) => s.groupId === g.id)) {
        throw badRequest(`Invalid Group: Group ${g.id} has dependent group snapshots.`);
      }
      for (const v of members) {
        if (v.attachments.length) throw badRequest(`Invalid volume: Volume ${v.id} in group ${g.id} is attached. Need to detach first.`);
      }
      for (const v of members) deleteVolume(ctx.world, ctx.site, v);
      delete ctx.site.cinder.groups[g.id];
      ctx.world.touch();
      return { status: 202 };
    }
    case 'enable_replication':
    case 'disable_replication':
      g.replicationStatus = action === 'enable_replication' ? 'enabled' : 'disabled';
      ctx.world.touch();
      return { status: 202 };
    case 'reset_status': {
      if (!ctx.auth?.isAdmin) throw policy('group:reset_status');
      const st = body.reset_status?.status;
      if (typeof st === 'string') g.status = st;
      ctx.world.touch();
      return { status: 202 };
    }
    default:
      throw badRequest(`There is no such action: ${action ?? ''}`);
  }
}

function idList(x: unknown): string[] {
  if (x === undefined || x === null || x === '') return [];
  if (typeof x !== 'string') throw badRequest('Invalid input received: add_volumes and remove_volumes must be comma-separated strings of volume ids.');
  return x.split(',').map((s) => s.trim()).filter(Boolean);
}

function updateGroup(ctx: RouteContext): MockResponse {
  const g = findGroup(ctx);
  const b = bodyObject(ctx.req, 'group');
  const add = idList(b.add_volumes);
  const remove = idList(b.remove_volumes);
  if (b.name === undefined && b.description === undefined && add.length === 0 && remove.length === 0) {
    throw badRequest('Invalid input received: Name, description, add_volumes, and remove_volumes can not be all empty in the request body.');
  }
  if (add.length || remove.length) updateGroupVolumes(ctx.world, ctx.site, g, { add, remove });
  if (typeof b.name === 'string') g.name = b.name;
  if (typeof b.description === 'string') g.description = b.description;
  ctx.world.touch();
  return { status: 202 };
}

function createGroup(ctx: RouteContext): MockResponse {
  const b = bodyObject(ctx.req, 'group');
  const gtRef = b.group_type;
  if (typeof gtRef !== 'string') throw badRequest(`Invalid input for field/attribute group_type. Value: None. None is not of type 'string'`);
  const gt = ctx.site.cinder.groupTypes[gtRef] ?? Object.values(ctx.site.cinder.groupTypes).find((x) => x.name === gtRef);
  if (!gt) throw notFound(`Group type ${gtRef} could not be found.`);
  if (!Array.isArray(b.volume_types) || b.volume_types.length === 0) {
    throw badRequest(`Invalid input for field/attribute volume_types. Value: ${JSON.stringify(b.volume_types ?? null)}.`);
  }
  const typeIds = (b.volume_types as unknown[]).map((r) => {
    const t = findType(ctx, String(r));
    if (!t) throw notFound(`Volume type with name ${String(r)} could not be found.`);
    return t.id;
  });
  const g = createGroupRec(ctx.world, ctx.site, {
    name: typeof b.name === 'string' ? b.name : null,
    description: typeof b.description === 'string' ? b.description : null,
    groupTypeId: gt.id,
    volumeTypeIds: typeIds,
  });
  return ok({ group: { id: g.id, name: g.name } }, 202);
}

export function createGroupRec(world: MockWorld, site: SiteData, r: { name: string | null; description: string | null; groupTypeId: string; volumeTypeIds: string[] }): GroupRec {
  const g: GroupRec = {
    id: world.uuid(),
    name: r.name,
    description: r.description,
    groupTypeId: r.groupTypeId,
    volumeTypeIds: r.volumeTypeIds,
    status: 'available',
    availabilityZone: 'nova',
    createdAt: world.now(),
    groupSnapshotId: null,
    sourceGroupId: null,
    replicationStatus: 'disabled',
  };
  site.cinder.groups[g.id] = g;
  world.touch();
  return g;
}

function createGroupSnapshot(ctx: RouteContext): MockResponse {
  const b = bodyObject(ctx.req, 'group_snapshot');
  const g = typeof b.group_id === 'string' ? ctx.site.cinder.groups[b.group_id] : undefined;
  if (!g) throw notFound(`Group ${String(b.group_id)} could not be found.`);
  if (g.status !== 'available') throw badRequest(`Invalid Group: Group status must be available, but current status is: ${g.status}.`);
  const members = ctx.world.index(ctx.siteName).volumesByGroup.get(g.id) ?? [];
  const gs = {
    id: ctx.world.uuid(),
    groupId: g.id,
    name: typeof b.name === 'string' ? b.name : null,
    description: typeof b.description === 'string' ? b.description : null,
    status: 'available',
    groupTypeId: g.groupTypeId,
    createdAt: ctx.now,
  };
  ctx.site.cinder.groupSnapshots[gs.id] = gs;
  for (const v of members) {
    const s: SnapshotRec = {
      id: ctx.world.uuid(),
      name: gs.name,
      description: gs.description,
      volumeId: v.id,
      size: v.size,
      status: 'available',
      groupSnapshotId: gs.id,
      metadata: {},
      createdAt: ctx.now,
    };
    ctx.site.cinder.snapshots[s.id] = s;
  }
  ctx.world.touch();
  return ok({ group_snapshot: { id: gs.id, name: gs.name, group_type_id: gs.groupTypeId } }, 202);
}

function groupSnapshotView(ctx: RouteContext, id: string): Record<string, unknown> {
  const gs = ctx.site.cinder.groupSnapshots[id]!;
  const out: Record<string, unknown> = {
    id: gs.id,
    group_id: gs.groupId,
    status: gs.status,
    created_at: isoMicros(gs.createdAt),
    name: gs.name,
    description: gs.description,
    group_type_id: gs.groupTypeId,
  };
  if (atLeast(ctx.mv, 3, 58) && ctx.auth?.isAdmin) out.project_id = ctx.site.keystone.project.id;
  return out;
}

function metaRoutes(): Route[] {
  const api = 'cinder.volumes.metadata';
  return [
    // Cinder really answers this JSON as text/html (recorded).
    { method: 'GET', pattern: '/volumes/:id/metadata', api, handler: (ctx) => ok({ metadata: { ...findVolume(ctx).metadata } }, 200, { 'Content-Type': 'text/html; charset=UTF-8' }) },
    {
      method: 'POST',
      pattern: '/volumes/:id/metadata',
      api,
      handler: (ctx) => {
        const v = findVolume(ctx);
        Object.assign(v.metadata, stringMap(bodyObject(ctx.req).metadata));
        v.updatedAt = ctx.now;
        ctx.world.touch();
        return ok({ metadata: { ...v.metadata } });
      },
    },
    {
      method: 'PUT',
      pattern: '/volumes/:id/metadata',
      api,
      handler: (ctx) => {
        const v = findVolume(ctx);
        v.metadata = stringMap(bodyObject(ctx.req).metadata);
        v.updatedAt = ctx.now;
        ctx.world.touch();
        return ok({ metadata: { ...v.metadata } });
      },
    },
    {
      method: 'GET',
      pattern: '/volumes/:id/metadata/:key',
      api,
      handler: (ctx) => {
        const v = findVolume(ctx);
        const k = ctx.params.key!;
        if (!(k in v.metadata)) throw notFound(`Volume ${v.id} has no metadata with key ${k}.`);
        return ok({ meta: { [k]: v.metadata[k] } });
      },
    },
    {
      method: 'PUT',
      pattern: '/volumes/:id/metadata/:key',
      api,
      handler: (ctx) => {
        const v = findVolume(ctx);
        const k = ctx.params.key!;
        const meta = stringMap(bodyObject(ctx.req).meta);
        if (!(k in meta) || Object.keys(meta).length !== 1) throw badRequest('Request body and URI mismatch');
        v.metadata[k] = meta[k]!;
        v.updatedAt = ctx.now;
        ctx.world.touch();
        return ok({ meta });
      },
    },
    {
      method: 'DELETE',
      pattern: '/volumes/:id/metadata/:key',
      api,
      handler: (ctx) => {
        const v = findVolume(ctx);
        const k = ctx.params.key!;
        if (!(k in v.metadata)) throw notFound(`Volume ${v.id} has no metadata with key ${k}.`);
        delete v.metadata[k];
        v.updatedAt = ctx.now;
        ctx.world.touch();
        return { status: 200 };
      },
    },
  ];
}

const GROUPS: Version = [3, 13];

export const cinderRoutes: Route[] = [
  { method: 'GET', pattern: '/volumes', api: 'cinder.volumes.list', handler: (ctx) => listVolumes(ctx, false) },
  { method: 'GET', pattern: '/volumes/detail', api: 'cinder.volumes.list', handler: (ctx) => listVolumes(ctx, true) },
  { method: 'POST', pattern: '/volumes', api: 'cinder.volumes.create', handler: createVolumeHandler },
  { method: 'GET', pattern: '/volumes/:id', api: 'cinder.volumes.show', handler: (ctx) => ok({ volume: volumeView(ctx, findVolume(ctx)) }) },
  { method: 'DELETE', pattern: '/volumes/:id', api: 'cinder.volumes.delete', handler: deleteVolumeHandler },
  {
    method: 'POST',
    pattern: '/volumes/:id/action',
    api: (req) => ({ 'os-unmanage': 'cinder.volume_unmanage', 'os-set_bootable': 'cinder.volumes.set_bootable' })[volumeActionName(req.body) ?? ''] ?? 'cinder.volumes.set_bootable',
    handler: volumeAction,
  },
  ...metaRoutes(),
  { method: 'POST', pattern: '/manageable_volumes', api: 'cinder.volume_manage', minVersion: [3, 8], adminPolicy: 'volume_extension:volume_manage', handler: manageHandler },
  { method: 'POST', pattern: '/os-volume-manage', api: 'cinder.volume_manage', adminPolicy: 'volume_extension:volume_manage', handler: manageHandler },
  { method: 'GET', pattern: '/manageable_volumes', api: 'cinder.manageable_volumes.list', minVersion: [3, 8], adminPolicy: 'volume_extension:list_manageable', handler: (ctx) => manageableList(ctx, false) },
  { method: 'GET', pattern: '/manageable_volumes/detail', api: 'cinder.manageable_volumes.list', minVersion: [3, 8], adminPolicy: 'volume_extension:list_manageable', handler: (ctx) => manageableList(ctx, true) },
  { method: 'GET', pattern: '/snapshots', api: 'cinder.snapshots.list', handler: (ctx) => listSnapshots(ctx, false) },
  { method: 'GET', pattern: '/snapshots/detail', api: 'cinder.snapshots.list', handler: (ctx) => listSnapshots(ctx, true) },
  {
    method: 'GET',
    pattern: '/scheduler-stats/get_pools',
    api: 'cinder.services.list',
    adminPolicy: 'scheduler_extension:scheduler_stats:get_pools',
    handler: (ctx) => {
      const detail = /^(true|1)$/i.test(ctx.req.query.get('detail') ?? '');
      const name = ctx.site.cinder.host;
      return ok({
        pools: [
          detail
            ? {
                name,
                capabilities: {
                  pool_name: ctx.site.cinder.backendName,
                  volume_backend_name: ctx.site.cinder.backendName,
                  replication_enabled: true,
                  consistent_group_snapshot_enabled: true,
                  total_capacity_gb: 'infinite',
                  free_capacity_gb: 'infinite',
                  storage_protocol: 'iSCSI',
                },
              }
            : { name },
        ],
      });
    },
  },
  {
    method: 'GET',
    pattern: '/snapshots/:id',
    api: 'cinder.snapshots.show',
    handler: (ctx) => {
      const s = ctx.site.cinder.snapshots[ctx.params.id!];
      if (!s) throw notFound(`Snapshot ${ctx.params.id} could not be found.`);
      return ok({ snapshot: snapshotView(ctx, s) });
    },
  },
  { method: 'GET', pattern: '/types', api: 'cinder.types.list', handler: (ctx) => ok({ volume_types: Object.values(ctx.site.cinder.types).filter((t) => t.isPublic || ctx.auth?.isAdmin).map((t) => typeView(ctx, t)) }) },
  { method: 'GET', pattern: '/types/default', api: 'cinder.types.show', handler: (ctx) => ok({ volume_type: typeView(ctx, defaultType(ctx.site)) }) },
  {
    method: 'GET',
    pattern: '/types/:id',
    api: 'cinder.types.show',
    handler: (ctx) => {
      const t = ctx.site.cinder.types[ctx.params.id!];
      if (!t) throw notFound(`Volume type ${ctx.params.id} could not be found.`);
      return ok({ volume_type: typeView(ctx, t) });
    },
  },
  {
    method: 'GET',
    pattern: '/types/:id/extra_specs',
    api: 'cinder.types.extra_specs',
    handler: (ctx) => {
      const t = ctx.site.cinder.types[ctx.params.id!];
      if (!t) throw notFound(`Volume type ${ctx.params.id} could not be found.`);
      return ok({ extra_specs: visibleSpecs(ctx, t.extraSpecs) });
    },
  },
  {
    method: 'GET',
    pattern: '/group_types',
    api: 'cinder.group_types.list',
    minVersion: [3, 11],
    handler: (ctx) => ok({ group_types: Object.values(ctx.site.cinder.groupTypes).map((g) => groupTypeView(ctx, g.id)) }),
  },
  {
    method: 'GET',
    pattern: '/group_types/:id',
    api: 'cinder.group_types.show',
    minVersion: [3, 11],
    handler: (ctx) => {
      const id = ctx.params.id === 'default' ? Object.keys(ctx.site.cinder.groupTypes)[0] : ctx.params.id!;
      if (!id || !ctx.site.cinder.groupTypes[id]) throw notFound(`Group type ${ctx.params.id} could not be found.`);
      return ok({ group_type: groupTypeView(ctx, id) });
    },
  },
  { method: 'GET', pattern: '/groups', api: 'cinder.groups.list', minVersion: GROUPS, handler: (ctx) => listGroups(ctx, false) },
  { method: 'GET', pattern: '/groups/detail', api: 'cinder.groups.list', minVersion: GROUPS, handler: (ctx) => listGroups(ctx, true) },
  { method: 'POST', pattern: '/groups', api: 'cinder.groups.create', minVersion: GROUPS, handler: createGroup },
  { method: 'GET', pattern: '/groups/:id', api: 'cinder.groups.show', minVersion: GROUPS, handler: (ctx) => ok({ group: groupView(ctx, findGroup(ctx)) }) },
  { method: 'PUT', pattern: '/groups/:id', api: 'cinder.groups.update', minVersion: GROUPS, handler: updateGroup },
  {
    method: 'POST',
    pattern: '/groups/:id/action',
    api: (req) => (groupActionName(req.body) === 'delete' ? 'cinder.groups.delete' : 'cinder.groups.update'),
    minVersion: GROUPS,
    handler: groupAction,
  },
  {
    method: 'GET',
    pattern: '/group_snapshots',
    api: 'cinder.group_snapshots.list',
    minVersion: [3, 14],
    handler: (ctx) => ok({ group_snapshots: Object.keys(ctx.site.cinder.groupSnapshots).map((id) => ({ id, name: ctx.site.cinder.groupSnapshots[id]!.name })) }),
  },
  {
    method: 'GET',
    pattern: '/group_snapshots/detail',
    api: 'cinder.group_snapshots.list',
    minVersion: [3, 14],
    handler: (ctx) => ok({ group_snapshots: Object.keys(ctx.site.cinder.groupSnapshots).map((id) => groupSnapshotView(ctx, id)) }),
  },
  { method: 'POST', pattern: '/group_snapshots', api: 'cinder.group_snapshots.create', minVersion: [3, 14], handler: createGroupSnapshot },
  {
    method: 'GET',
    pattern: '/group_snapshots/:id',
    api: 'cinder.group_snapshots.show',
    minVersion: [3, 14],
    handler: (ctx) => {
      if (!ctx.site.cinder.groupSnapshots[ctx.params.id!]) throw notFound(`GroupSnapshot ${ctx.params.id} could not be found.`);
      return ok({ group_snapshot: groupSnapshotView(ctx, ctx.params.id!) });
    },
  },
  {
    method: 'DELETE',
    pattern: '/group_snapshots/:id',
    api: 'cinder.group_snapshots.delete',
    minVersion: [3, 14],
    handler: (ctx) => {
      const id = ctx.params.id!;
      if (!ctx.site.cinder.groupSnapshots[id]) throw notFound(`GroupSnapshot ${id} could not be found.`);
      for (const s of ctx.world.index(ctx.siteName).snapshotsByGroupSnapshot.get(id) ?? []) delete ctx.site.cinder.snapshots[s.id];
      delete ctx.site.cinder.groupSnapshots[id];
      ctx.world.touch();
      return { status: 202 };
    },
  },
  {
    method: 'GET',
    pattern: '/os-services',
    api: 'cinder.services.list',
    adminPolicy: 'volume_extension:services:index',
    handler: (ctx) => {
      const svc = (binary: string, host: string) => {
        const s: Record<string, unknown> = {
          binary,
          host,
          zone: 'nova',
          status: 'enabled',
          state: 'up',
          updated_at: isoMicros(ctx.now),
          disabled_reason: null,
        };
        if (binary === 'cinder-volume') Object.assign(s, { replication_status: 'enabled', active_backend_id: null, frozen: false });
        if (ctx.mv[1] >= 7) s.cluster = null;
        if (ctx.mv[1] >= 49) s.backend_state = 'up';
        return s;
      };
      const all = [svc('cinder-scheduler', ctx.site.cinder.host.split('@')[0]!), svc('cinder-volume', ctx.site.cinder.host.split('#')[0]!)];
      const binary = ctx.req.query.get('binary');
      return ok({ services: binary ? all.filter((s) => s.binary === binary) : all });
    },
  },
];

const SNAPSHOT_FILTERS = new Set(['name', 'status', 'volume_id', 'metadata', 'availability_zone']);

function listSnapshots(ctx: RouteContext, detail: boolean): MockResponse {
  const q = ctx.req.query;
  if (atLeast(ctx.mv, 3, 31) && !ctx.auth?.isAdmin) {
    const bad = [...new Set(q.keys())].filter((k) => !SNAPSHOT_FILTERS.has(k) && !PAGING.has(k));
    if (bad.length) throw badRequest(`Invalid input received: Invalid filters ${bad.join(',')} are found in query options.`);
  }
  let items = Object.values(ctx.site.cinder.snapshots).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  for (const key of ['name', 'status', 'volume_id'] as const) {
    const want = q.get(key);
    if (want === null) continue;
    items = items.filter((s) => (key === 'volume_id' ? s.volumeId : key === 'name' ? s.name : s.status) === want);
  }
  const page = markerPage(items, (s) => s.id, q, (m) => notFound(`Marker ${m} could not be found.`));
  const body: Record<string, unknown> = {
    snapshots: page.items.map((s) => (detail ? snapshotView(ctx, s) : { id: s.id, name: s.name, volume_id: s.volumeId, status: s.status, size: s.size })),
  };
  if (page.nextMarker) body.snapshots_links = [{ href: nextHref(ctx.base, detail ? '/snapshots/detail' : '/snapshots', q, page.nextMarker), rel: 'next' }];
  return ok(body);
}

function groupTypeView(ctx: RouteContext, id: string): Record<string, unknown> {
  const g = ctx.site.cinder.groupTypes[id]!;
  const out: Record<string, unknown> = { id: g.id, name: g.name, description: g.description, is_public: g.isPublic };
  if (ctx.auth?.isAdmin) out.group_specs = { ...g.groupSpecs };
  return out;
}

function listGroups(ctx: RouteContext, detail: boolean): MockResponse {
  const items = Object.values(ctx.site.cinder.groups).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const page = markerPage(items, (g) => g.id, ctx.req.query, (m) => notFound(`Marker ${m} could not be found.`));
  const body: Record<string, unknown> = { groups: page.items.map((g) => (detail ? groupView(ctx, g) : { id: g.id, name: g.name })) };
  if (page.nextMarker) body.group_links = [{ href: nextHref(ctx.base, detail ? '/groups/detail' : '/groups', ctx.req.query, page.nextMarker), rel: 'next' }];
  return ok(body);
}

export function cinderVersionDoc(ctx: { origin: string }): Record<string, unknown> {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: `${CINDER_VERSIONS.max[0]}.${CINDER_VERSIONS.max[1]}`,
    min_version: '3.0',
    updated: '2023-08-31T00:00:00Z',
    links: [
      { href: 'https://docs.openstack.org/', type: 'text/html', rel: 'describedby' },
      { href: `${ctx.origin}/volume/v3/`, rel: 'self' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

