/**
 * Typed models of the FlashArray REST 2.x payloads drctl reads, with tolerant parsers.
 * Field names follow the wire (snake_case) so they can be compared against the spec and fixtures
 * one to one. Parsers never throw on missing/null fields: the array omits fields across versions
 * and an empty collection may omit `items` entirely.
 */

/** `{name, id}` reference as the array returns it (both may be null). */
export interface PureRef {
  name: string | null;
  id: string | null;
}

export interface PureCollection<T> {
  items: T[];
  continuation_token: string | null;
  more_items_remaining?: boolean;
  total_item_count: number | null;
  total?: T[];
  /** Present on 207 partial success. */
  errors?: Array<{ context?: string | null; message?: string | null; location_context?: string | null }>;
}

export interface PureApiVersions {
  version: string[];
}

export interface PureArrayInfo {
  id: string | null;
  name: string;
  version: string | null;
  os: string | null;
  capacity: number | null;
}

export interface PureVolume {
  id: string | null;
  name: string;
  created: number | null;
  destroyed: boolean;
  provisioned: number | null;
  serial: string | null;
  source: PureRef;
  pod: PureRef;
  subtype: string | null;
  promotion_status: string | null;
  requested_promotion_state: string | null;
  time_remaining: number | null;
}

export interface PureVolumeSnapshot {
  id: string | null;
  name: string;
  created: number | null;
  destroyed: boolean;
  source: PureRef;
  suffix: string | null;
  provisioned: number | null;
  pod: PureRef;
}

export interface PureRetention {
  all_for_sec: number | null;
  per_day: number | null;
  days: number | null;
}

export interface PureReplicationSchedule {
  enabled: boolean;
  /** ms */
  frequency: number | null;
  at: number | null;
  blackout: unknown;
}

export interface PureProtectionGroup {
  id: string | null;
  name: string;
  source: PureRef;
  is_local: boolean | null;
  pod: PureRef;
  target_count: number | null;
  volume_count: number | null;
  host_count: number | null;
  host_group_count: number | null;
  destroyed: boolean;
  time_remaining: number | null;
  replication_schedule: PureReplicationSchedule;
  snapshot_schedule: { enabled: boolean; frequency: number | null } | null;
  source_retention: PureRetention | null;
  target_retention: PureRetention | null;
}

/** Item of /protection-groups/targets and /protection-groups/volumes. */
export interface PureGroupMember {
  group: PureRef;
  member: PureRef & { resource_type?: string | null };
  /** targets only */
  allowed?: boolean | null;
  /** targets only: e.g. "replicating", "disallowed", "unknown" */
  status?: string | null;
}

export interface PurePgSnapshot {
  id: string | null;
  name: string;
  suffix: string | null;
  source: PureRef;
  created: number | null;
  destroyed: boolean;
  pod: PureRef;
  time_remaining: number | null;
}

export interface PurePgSnapshotTransfer {
  id: string | null;
  name: string;
  destroyed: boolean;
  /** ms epoch */
  started: number | null;
  /** ms epoch; null while in progress */
  completed: number | null;
  /** 0..1; null when unknown */
  progress: number | null;
  data_transferred: number | null;
  physical_bytes_written: number | null;
}

export interface PurePodArray {
  id: string | null;
  name: string;
  status: string | null;
  mediator_status: string | null;
  pre_elected: boolean | null;
  frozen_at: number | null;
  progress: number | null;
}

export interface PurePod {
  id: string | null;
  name: string;
  destroyed: boolean;
  arrays: PurePodArray[];
  array_count: number | null;
  promotion_status: string | null;
  requested_promotion_state: string | null;
  link_source_count: number | null;
  link_target_count: number | null;
  failover_preferences: PureRef[];
  mediator: string | null;
  source: PureRef;
  time_remaining: number | null;
}

export interface PurePodReplicaLink {
  id: string | null;
  direction: string | null;
  /** ms. GET /pod-replica-links returns a number; GET /pod-replica-links/lag returns {avg,max}. */
  lag: number | null;
  lag_avg: number | null;
  lag_max: number | null;
  recovery_point: number | null;
  status: string | null;
  paused: boolean | null;
  local_pod: PureRef;
  remote_pod: PureRef;
  remotes: PureRef[];
  time: number | null;
}

// ---------------------------------------------------------------------------------------------
// tolerant readers

type Obj = Record<string, unknown>;

function obj(x: unknown): Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : {};
}
function str(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}
function num(x: unknown): number | null {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  return null;
}
function bool(x: unknown): boolean | null {
  return typeof x === 'boolean' ? x : null;
}
function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
export function parseRef(x: unknown): PureRef {
  const o = obj(x);
  return { name: str(o.name), id: str(o.id) };
}
function retention(x: unknown): PureRetention | null {
  if (typeof x !== 'object' || x === null) return null;
  const o = obj(x);
  return { all_for_sec: num(o.all_for_sec), per_day: num(o.per_day), days: num(o.days) };
}

export function parseCollection<T>(body: unknown, item: (x: unknown) => T): PureCollection<T> {
  const o = obj(body);
  const out: PureCollection<T> = {
    items: arr(o.items).map(item),
    continuation_token: str(o.continuation_token),
    total_item_count: num(o.total_item_count),
  };
  const more = bool(o.more_items_remaining);
  if (more !== null) out.more_items_remaining = more;
  if (Array.isArray(o.total)) out.total = o.total.map(item);
  if (Array.isArray(o.errors)) out.errors = o.errors.map((e) => {
    const eo = obj(e);
    return { context: str(eo.context), message: str(eo.message), location_context: str(eo.location_context) };
  });
  return out;
}

export function parseApiVersions(body: unknown): PureApiVersions {
  return { version: arr(obj(body).version).filter((v): v is string => typeof v === 'string') };
}

export function parseArray(x: unknown): PureArrayInfo {
  const o = obj(x);
  return { id: str(o.id), name: str(o.name) ?? '', version: str(o.version), os: str(o.os), capacity: num(o.capacity) };
}

export function parseVolume(x: unknown): PureVolume {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    created: num(o.created),
    destroyed: bool(o.destroyed) ?? false,
    provisioned: num(o.provisioned),
    serial: str(o.serial),
    source: parseRef(o.source),
    pod: parseRef(o.pod),
    subtype: str(o.subtype),
    promotion_status: str(o.promotion_status),
    requested_promotion_state: str(o.requested_promotion_state),
    time_remaining: num(o.time_remaining),
  };
}

export function parseVolumeSnapshot(x: unknown): PureVolumeSnapshot {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    created: num(o.created),
    destroyed: bool(o.destroyed) ?? false,
    source: parseRef(o.source),
    suffix: str(o.suffix),
    provisioned: num(o.provisioned),
    pod: parseRef(o.pod),
  };
}

export function parseProtectionGroup(x: unknown): PureProtectionGroup {
  const o = obj(x);
  const rs = obj(o.replication_schedule);
  const ss = o.snapshot_schedule;
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    source: parseRef(o.source),
    is_local: bool(o.is_local),
    pod: parseRef(o.pod),
    target_count: num(o.target_count),
    volume_count: num(o.volume_count),
    host_count: num(o.host_count),
    host_group_count: num(o.host_group_count),
    destroyed: bool(o.destroyed) ?? false,
    time_remaining: num(o.time_remaining),
    replication_schedule: {
      enabled: bool(rs.enabled) ?? false,
      frequency: num(rs.frequency),
      at: num(rs.at),
      blackout: rs.blackout ?? null,
    },
    snapshot_schedule:
      typeof ss === 'object' && ss !== null ? { enabled: bool(obj(ss).enabled) ?? false, frequency: num(obj(ss).frequency) } : null,
    source_retention: retention(o.source_retention),
    target_retention: retention(o.target_retention),
  };
}

export function parseGroupMember(x: unknown): PureGroupMember {
  const o = obj(x);
  const m = obj(o.member);
  const out: PureGroupMember = {
    group: parseRef(o.group),
    member: { name: str(m.name), id: str(m.id), resource_type: str(m.resource_type) },
  };
  if ('allowed' in o) out.allowed = bool(o.allowed);
  if ('status' in o) out.status = str(o.status);
  return out;
}

export function parsePgSnapshot(x: unknown): PurePgSnapshot {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    suffix: str(o.suffix),
    source: parseRef(o.source),
    created: num(o.created),
    destroyed: bool(o.destroyed) ?? false,
    pod: parseRef(o.pod),
    time_remaining: num(o.time_remaining),
  };
}

export function parsePgSnapshotTransfer(x: unknown): PurePgSnapshotTransfer {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    destroyed: bool(o.destroyed) ?? false,
    started: num(o.started),
    completed: num(o.completed),
    progress: num(o.progress),
    data_transferred: num(o.data_transferred),
    physical_bytes_written: num(o.physical_bytes_written),
  };
}

export function parsePodArray(x: unknown): PurePodArray {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    status: str(o.status),
    mediator_status: str(o.mediator_status),
    pre_elected: bool(o.pre_elected),
    frozen_at: num(o.frozen_at),
    progress: num(o.progress),
  };
}

export function parsePod(x: unknown): PurePod {
  const o = obj(x);
  return {
    id: str(o.id),
    name: str(o.name) ?? '',
    destroyed: bool(o.destroyed) ?? false,
    arrays: arr(o.arrays).map(parsePodArray),
    array_count: num(o.array_count),
    promotion_status: str(o.promotion_status),
    requested_promotion_state: str(o.requested_promotion_state),
    link_source_count: num(o.link_source_count),
    link_target_count: num(o.link_target_count),
    failover_preferences: arr(o.failover_preferences).map(parseRef),
    mediator: str(o.mediator),
    source: parseRef(o.source),
    time_remaining: num(o.time_remaining),
  };
}

export function parsePodReplicaLink(x: unknown): PurePodReplicaLink {
  const o = obj(x);
  const lagObj = typeof o.lag === 'object' && o.lag !== null ? obj(o.lag) : undefined;
  const lagAvg = lagObj ? num(lagObj.avg) : null;
  const lagMax = lagObj ? num(lagObj.max) : null;
  return {
    id: str(o.id),
    direction: str(o.direction),
    lag: lagObj ? (lagMax ?? lagAvg) : num(o.lag),
    lag_avg: lagAvg,
    lag_max: lagMax,
    recovery_point: num(o.recovery_point),
    status: str(o.status),
    paused: bool(o.paused),
    local_pod: parseRef(o.local_pod),
    remote_pod: parseRef(o.remote_pod),
    remotes: arr(o.remotes).map(parseRef),
    time: num(o.time),
  };
}

/** A pod counts as stretched (ActiveCluster) when more than one array serves it. */
export function isStretched(pod: PurePod): boolean {
  return (pod.array_count ?? pod.arrays.length) > 1 || pod.arrays.length > 1;
}

/** Strip the `pod::` prefix of a pod volume name. */
export function baseVolumeName(name: string): string {
  const i = name.lastIndexOf('::');
  return i >= 0 ? name.slice(i + 2) : name;
}
