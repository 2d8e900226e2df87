/**
 * Parsers for what `rbd ... --format json` prints (Ceph Pacific 16.2 as recorded on the lab, plus
 * the published shapes of other releases), and for the text forms found in published docs.
 *
 * Facts they encode (../shared/api-notes/storage.md §B, ../shared/labs/ceph/samples):
 * - image status: `state` is `up+X`/`down+X`; `last_update` is "%Y-%m-%d %H:%M:%S" in the local
 *   time of the host that ran rbd, with no zone, or "" (parsed with an injected zone);
 * - peer sites carry `mirror_uuids` (released code) or `mirror_uuid` (development branch);
 * - the description of a replaying image is "replaying, {json}" (or "replaying,{json}") with journal
 *   fields (entries_behind_primary, positions) or snapshot fields (local/remote_snapshot_timestamp,
 *   replay_state), either of which may be absent;
 * - `rbd snap ls --all` / `rbd info` print timestamps as ctime text ("Sun Nov 22 01:40:25 2026"),
 *   also local time of the rbd host.
 */
import { CephCode, cephError } from './errors.js';

// ------------------------------------------------------------------------------------ time

/**
 * The zone of the host that ran rbd: minutes east of UTC (UTC+2 = 120), or 'host' for this
 * process's own local zone (correct for the local runner; DST handled by the platform).
 */
export type TimeZoneSpec = number | 'host';

function fromLocalParts(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: TimeZoneSpec): number {
  if (tz === 'host') return new Date(y, mo - 1, d, h, mi, s).getTime();
  return Date.UTC(y, mo - 1, d, h, mi, s) - tz * 60_000;
}

/** `last_update` ("2026-11-22 00:19:45", local, no zone) → ms epoch; "" or garbage → undefined. */
export function parseLocalTimestamp(text: string | undefined | null, tz: TimeZoneSpec = 'host'): number | undefined {
  if (!text) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = fromLocalParts(y, mo, d, h, mi, s, tz);
  return Number.isFinite(ms) ? ms : undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** ctime text ("Sun Nov 22 01:40:25 2026", "Mon Jun  9 14:21:20 2025"), local, no zone → ms epoch. */
export function parseCtime(text: string | undefined | null, tz: TimeZoneSpec = 'host'): number | undefined {
  if (!text) return undefined;
  const m = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  const mo = MONTHS.indexOf(m[1]!.toLowerCase()) + 1;
  if (mo === 0) return undefined;
  return fromLocalParts(Number(m[6]), mo, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), tz);
}

// ------------------------------------------------------------------------------------ JSON helpers

type Json = Record<string, unknown>;

function bad(what: string, detail: string): Error {
  return cephError(CephCode.badOutput, `unexpected rbd output for ${what}: ${detail}`);
}

/** Parse stdout as JSON. rbd prints nothing for an empty result in a few commands: `empty` is returned then. */
export function parseJsonOutput<T>(stdout: string, what: string, empty?: T): unknown {
  const text = stdout.trim();
  if (!text) {
    if (empty !== undefined) return empty;
    throw bad(what, 'empty output');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw bad(what, `not JSON (${JSON.stringify(text.slice(0, 80))})`);
  }
}

function obj(v: unknown, what: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(what, 'expected a JSON object');
  return v as Json;
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw bad(what, 'expected a JSON array');
  return v;
}
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const bool = (v: unknown): boolean => v === true || v === 'true';

// ------------------------------------------------------------------------------------ description

export interface JournalPosition {
  entryTid: number;
  objectNumber: number;
  tagTid: number;
}

export interface JournalReplay {
  entriesBehindPrimary?: number;
  entriesPerSecond?: number;
  bytesPerSecond?: number;
  primaryPosition?: JournalPosition;
  nonPrimaryPosition?: JournalPosition;
}

export interface SnapshotReplay {
  /** epoch seconds of the primary snapshot last synced to the non-primary image. */
  localSnapshotTimestamp?: number;
  /** epoch seconds of the newest primary snapshot the non-primary knows of. */
  remoteSnapshotTimestamp?: number;
  /** idle | syncing */
  replayState?: string;
  bytesPerSecond?: number;
  bytesPerSnapshot?: number;
  lastSnapshotBytes?: number;
  lastSnapshotSyncSeconds?: number;
  /** percent while syncing, when reported */
  syncingPercent?: number;
}

export interface ParsedDescription {
  /** The text before the first comma: "replaying", "local image is primary", "split-brain", ... */
  text: string;
  /** The JSON after "replaying, " when present. */
  details?: Json;
  journal?: JournalReplay;
  snapshot?: SnapshotReplay;
  splitBrain: boolean;
  /** "bootstrapping, IMAGE_COPY/COPY_OBJECT 42%" */
  bootstrapPercent?: number;
}

function position(v: unknown): JournalPosition | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Json;
  const entryTid = num(o.entry_tid);
  const objectNumber = num(o.object_number);
  const tagTid = num(o.tag_tid);
  if (entryTid === undefined || objectNumber === undefined || tagTid === undefined) return undefined;
  return { entryTid, objectNumber, tagTid };
}

/** Parse a mirror status description; never throws (a description is free text). */
export function parseDescription(description: string | undefined | null): ParsedDescription {
  const d = (description ?? '').trim();
  const out: ParsedDescription = { text: d, splitBrain: /split-brain/i.test(d) };
  const brace = d.indexOf('{');
  const comma = d.indexOf(',');
  if (comma >= 0) out.text = d.slice(0, comma).trim();
  if (brace > 0 && d.endsWith('}')) {
    try {
      const details = JSON.parse(d.slice(brace)) as unknown;
      if (details && typeof details === 'object' && !Array.isArray(details)) {
        out.details = details as Json;
        const j = details as Json;
        if ('entries_behind_primary' in j || 'primary_position' in j || 'non_primary_position' in j) {
          out.journal = {
            entriesBehindPrimary: num(j.entries_behind_primary),
            entriesPerSecond: num(j.entries_per_second),
            bytesPerSecond: num(j.bytes_per_second),
            primaryPosition: position(j.primary_position),
            nonPrimaryPosition: position(j.non_primary_position),
          };
        }
        if ('local_snapshot_timestamp' in j || 'remote_snapshot_timestamp' in j || 'replay_state' in j || 'bytes_per_snapshot' in j) {
          out.snapshot = {
            localSnapshotTimestamp: num(j.local_snapshot_timestamp),
            remoteSnapshotTimestamp: num(j.remote_snapshot_timestamp),
            replayState: optStr(j.replay_state),
            bytesPerSecond: num(j.bytes_per_second),
            bytesPerSnapshot: num(j.bytes_per_snapshot),
            lastSnapshotBytes: num(j.last_snapshot_bytes),
            lastSnapshotSyncSeconds: num(j.last_snapshot_sync_seconds),
            syncingPercent: num(j.syncing_percent),
          };
        }
      }
    } catch {
      // free text with a brace: keep the text only
    }
  }
  const pct = /bootstrapping.*?(\d+(?:\.\d+)?)%/i.exec(d);
  if (pct) out.bootstrapPercent = Number(pct[1]);
  return out;
}

// ------------------------------------------------------------------------------------ image status

export interface SiteMirrorStatus {
  /** "up+replaying" as printed */
  state: string;
  /** daemon reporting (the part before '+') */
  up: boolean;
  /** the part after '+': replaying, stopped, unknown, error, syncing, starting_replay, stopping_replay */
  phase: string;
  description: string;
  parsed: ParsedDescription;
  lastUpdateRaw: string;
  /** ms epoch, from the local-time text and the injected zone */
  lastUpdate?: number;
}

export interface PeerMirrorStatus extends SiteMirrorStatus {
  siteName: string;
  mirrorUuid: string;
}

export interface MirrorSnapshotInfo {
  id: number;
  name: string;
  demoted: boolean;
  mirrorPeerUuids: string[];
}

export interface DaemonService {
  serviceId: string;
  instanceId: string;
  daemonId: string;
  hostname: string;
}

export interface ImageMirrorStatus {
  name: string;
  globalId: string;
  /** Absent when rbd printed no local status (image not known to any daemon of this site). */
  local?: SiteMirrorStatus;
  daemonService?: DaemonService;
  peers: PeerMirrorStatus[];
  /** Only on a primary image in snapshot mode. */
  snapshots?: MirrorSnapshotInfo[];
}

function siteStatus(o: Json, tz: TimeZoneSpec): SiteMirrorStatus {
  const state = str(o.state);
  const plus = state.indexOf('+');
  const description = str(o.description);
  const lastUpdateRaw = str(o.last_update);
  return {
    state,
    up: plus > 0 ? state.slice(0, plus) === 'up' : false,
    phase: plus > 0 ? state.slice(plus + 1) : state,
    description,
    parsed: parseDescription(description),
    lastUpdateRaw,
    ...(parseLocalTimestamp(lastUpdateRaw, tz) !== undefined ? { lastUpdate: parseLocalTimestamp(lastUpdateRaw, tz)! } : {}),
  };
}

function imageStatusFrom(v: unknown, tz: TimeZoneSpec, what: string): ImageMirrorStatus {
  const o = obj(v, what);
  if (typeof o.name !== 'string') throw bad(what, 'image without a name');
  const out: ImageMirrorStatus = { name: o.name, globalId: str(o.global_id), peers: [] };
  if (typeof o.state === 'string') out.local = siteStatus(o, tz);
  if (o.daemon_service && typeof o.daemon_service === 'object') {
    const s = o.daemon_service as Json;
    out.daemonService = { serviceId: str(s.service_id), instanceId: str(s.instance_id), daemonId: str(s.daemon_id), hostname: str(s.hostname) };
  }
  if (Array.isArray(o.peer_sites)) {
    out.peers = o.peer_sites.map((p) => {
      const po = obj(p, `${what} peer_sites[]`);
      // Released code prints `mirror_uuids` (a single string, despite the plural); ceph-ci's dev branch `mirror_uuid`.
      const mu = po.mirror_uuids ?? po.mirror_uuid;
      return { ...siteStatus(po, tz), siteName: str(po.site_name), mirrorUuid: Array.isArray(mu) ? mu.map(str).join(',') : str(mu) };
    });
  }
  if (Array.isArray(o.snapshots)) {
    out.snapshots = o.snapshots.map((s) => {
      const so = obj(s, `${what} snapshots[]`);
      return {
        id: num(so.id) ?? -1,
        name: str(so.name),
        demoted: bool(so.demoted),
        mirrorPeerUuids: Array.isArray(so.mirror_peer_uuids) ? so.mirror_peer_uuids.map(str) : [],
      };
    });
  }
  return out;
}

/** `rbd mirror image status POOL/IMAGE --format json` */
export function parseImageStatus(stdout: string, tz: TimeZoneSpec = 'host'): ImageMirrorStatus {
  return imageStatusFrom(parseJsonOutput(stdout, 'mirror image status'), tz, 'mirror image status');
}

// ------------------------------------------------------------------------------------ pool status

export type MirrorHealth = 'OK' | 'UNKNOWN' | 'WARNING' | 'ERROR' | string;

export interface PoolStatusSummary {
  health: MirrorHealth;
  daemonHealth: MirrorHealth;
  imageHealth: MirrorHealth;
  states: Record<string, number>;
}

export interface MirrorDaemonInfo {
  serviceId: string;
  instanceId: string;
  clientId: string;
  hostname: string;
  cephVersion: string;
  leader: boolean;
  health: MirrorHealth;
  callouts: string[];
}

export interface PoolMirrorStatus {
  summary: PoolStatusSummary;
  /** Text form only: the "images: N total" line. */
  totalImages?: number;
  daemons: MirrorDaemonInfo[];
  images: ImageMirrorStatus[];
}

/** `rbd mirror pool status POOL [--verbose] --format json` (images/daemons only with --verbose). */
export function parsePoolStatus(stdout: string, tz: TimeZoneSpec = 'host'): PoolMirrorStatus {
  const o = obj(parseJsonOutput(stdout, 'mirror pool status'), 'mirror pool status');
  const s = obj(o.summary, 'mirror pool status summary');
  const states: Record<string, number> = {};
  if (s.states && typeof s.states === 'object') {
    for (const [k, v] of Object.entries(s.states as Json)) states[k] = num(v) ?? 0;
  }
  return {
    summary: { health: str(s.health), daemonHealth: str(s.daemon_health), imageHealth: str(s.image_health), states },
    daemons: (Array.isArray(o.daemons) ? o.daemons : []).map((d) => {
      const x = obj(d, 'mirror pool status daemons[]');
      return {
        serviceId: str(x.service_id),
        instanceId: str(x.instance_id),
        clientId: str(x.client_id),
        hostname: str(x.hostname),
        cephVersion: str(x.ceph_version),
        leader: bool(x.leader),
        health: str(x.health),
        callouts: Array.isArray(x.callouts) ? x.callouts.map(str) : [],
      };
    }),
    images: (Array.isArray(o.images) ? o.images : []).map((i) => imageStatusFrom(i, tz, 'mirror pool status images[]')),
  };
}

// ------------------------------------------------------------------------------------ pool info

export interface MirrorPeerInfo {
  uuid: string;
  /** rx-only | tx-only | rx-tx */
  direction: string;
  siteName: string;
  mirrorUuid: string;
  clientName: string;
  monHost?: string;
}

export interface PoolMirrorInfo {
  /** disabled | image | pool */
  mode: string;
  siteName: string;
  mirrorUuid?: string;
  remoteNamespace?: string;
  peers: MirrorPeerInfo[];
}

/** `rbd mirror pool info POOL --format json` */
export function parsePoolInfo(stdout: string): PoolMirrorInfo {
  const o = obj(parseJsonOutput(stdout, 'mirror pool info'), 'mirror pool info');
  return {
    mode: str(o.mode),
    siteName: str(o.site_name),
    ...(optStr(o.mirror_uuid) ? { mirrorUuid: optStr(o.mirror_uuid)! } : {}),
    ...(optStr(o.remote_namespace) ? { remoteNamespace: optStr(o.remote_namespace)! } : {}),
    peers: (Array.isArray(o.peers) ? o.peers : []).map((p) => {
      const x = obj(p, 'mirror pool info peers[]');
      return {
        uuid: str(x.uuid),
        direction: str(x.direction) || 'rx-tx',
        siteName: str(x.site_name),
        mirrorUuid: str(x.mirror_uuid),
        clientName: str(x.client_name),
        ...(optStr(x.mon_host) ? { monHost: optStr(x.mon_host)! } : {}),
      };
    }),
  };
}

// ------------------------------------------------------------------------------------ rbd info

export interface ImageMirroringInfo {
  /** journal | snapshot */
  mode: string;
  /** enabled | disabling | disabled */
  state: string;
  globalId: string;
  primary: boolean;
}

export interface ImageInfo {
  name: string;
  id: string;
  size: number;
  features: string[];
  snapshotCount?: number;
  createdAt?: number;
  parent?: { pool: string; image: string; snapshot: string };
  /** null/absent when mirroring is not enabled on the image */
  mirroring?: ImageMirroringInfo;
}

/** `rbd info POOL/IMAGE --format json` */
export function parseImageInfo(stdout: string, tz: TimeZoneSpec = 'host'): ImageInfo {
  const o = obj(parseJsonOutput(stdout, 'info'), 'info');
  const m = o.mirroring && typeof o.mirroring === 'object' ? (o.mirroring as Json) : undefined;
  const p = o.parent && typeof o.parent === 'object' ? (o.parent as Json) : undefined;
  const createdAt = parseCtime(optStr(o.create_timestamp), tz);
  return {
    name: str(o.name),
    id: str(o.id),
    size: num(o.size) ?? 0,
    features: Array.isArray(o.features) ? o.features.map(str) : [],
    ...(num(o.snapshot_count) !== undefined ? { snapshotCount: num(o.snapshot_count)! } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(p ? { parent: { pool: str(p.pool), image: str(p.image), snapshot: str(p.snapshot) } } : {}),
    ...(m && optStr(m.state) && m.state !== 'disabled'
      ? { mirroring: { mode: str(m.mode), state: str(m.state), globalId: str(m.global_id), primary: bool(m.primary) } }
      : {}),
  };
}

// ------------------------------------------------------------------------------------ ls / snap ls

export interface ListedImage {
  name: string;
  id?: string;
  size?: number;
  /** set on `ls -l` rows that describe a snapshot of the image */
  snapshot?: string;
  protected?: boolean;
}

/** `rbd ls POOL --format json` (array of names) or `rbd ls -l POOL --format json` (array of rows). */
export function parseList(stdout: string): ListedImage[] {
  const a = arr(parseJsonOutput(stdout, 'ls', []), 'ls');
  return a.map((e) => {
    if (typeof e === 'string') return { name: e };
    const o = obj(e, 'ls[]');
    return {
      name: str(o.image),
      ...(optStr(o.id) ? { id: optStr(o.id)! } : {}),
      ...(num(o.size) !== undefined ? { size: num(o.size)! } : {}),
      ...(optStr(o.snapshot) ? { snapshot: optStr(o.snapshot)! } : {}),
      ...('protected' in o ? { protected: bool(o.protected) } : {}),
    };
  });
}

export interface SnapshotNamespace {
  /** user | mirror | trash | group */
  type: string;
  /** mirror: primary | non-primary | demoted | ... */
  state?: string;
  mirrorPeerUuids?: string[];
  complete?: boolean;
  primaryMirrorUuid?: string;
  primarySnapId?: number;
  lastCopiedObjectNumber?: number;
}

export interface ImageSnapshot {
  id: number;
  name: string;
  size: number;
  protected: boolean;
  timestampRaw?: string;
  /** ms epoch (ctime text, local to the rbd host) */
  timestamp?: number;
  namespace: SnapshotNamespace;
}

/** `rbd snap ls [--all] POOL/IMAGE --format json` */
export function parseSnapList(stdout: string, tz: TimeZoneSpec = 'host'): ImageSnapshot[] {
  const a = arr(parseJsonOutput(stdout, 'snap ls', []), 'snap ls');
  return a.map((e) => {
    const o = obj(e, 'snap ls[]');
    const ns = o.namespace && typeof o.namespace === 'object' ? (o.namespace as Json) : undefined;
    const ts = optStr(o.timestamp);
    const namespace: SnapshotNamespace = { type: ns ? str(ns.type) : 'user' };
    if (ns) {
      if (optStr(ns.state)) namespace.state = str(ns.state);
      if (Array.isArray(ns.mirror_peer_uuids)) namespace.mirrorPeerUuids = ns.mirror_peer_uuids.map(str);
      if ('complete' in ns) namespace.complete = bool(ns.complete);
      if (optStr(ns.primary_mirror_uuid)) namespace.primaryMirrorUuid = str(ns.primary_mirror_uuid);
      if (num(ns.primary_snap_id) !== undefined) namespace.primarySnapId = num(ns.primary_snap_id)!;
      if (num(ns.last_copied_object_number) !== undefined) namespace.lastCopiedObjectNumber = num(ns.last_copied_object_number)!;
    }
    const timestamp = parseCtime(ts, tz);
    return {
      id: num(o.id) ?? -1,
      name: str(o.name),
      size: num(o.size) ?? 0,
      protected: bool(o.protected),
      ...(ts ? { timestampRaw: ts } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      namespace,
    };
  });
}

/** "Snapshot ID: 6" printed by `rbd mirror image snapshot`. */
export function parseMirrorSnapshotId(stdout: string): number | undefined {
  const m = /Snapshot ID:\s*(\d+)/i.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

/** `rbd image-meta list POOL/IMAGE --format json` (prints nothing when there is no metadata). */
export function parseImageMeta(stdout: string): Record<string, string> {
  const o = parseJsonOutput(stdout, 'image-meta list', {});
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('image-meta list', 'expected a JSON object');
  return Object.fromEntries(Object.entries(o as Json).map(([k, v]) => [k, str(v)]));
}

// ------------------------------------------------------------------------------------ schedules

export interface ScheduleItem {
  /** "1d", "4h", "5m" */
  interval: string;
  startTime?: string;
}

export interface ScheduleLevel {
  pool: string;
  /** "" (default namespace) or "-" (not applicable: pool level) */
  namespace: string;
  /** "-" for a pool/namespace-level schedule */
  image: string;
  items: ScheduleItem[];
}

function scheduleItems(v: unknown): ScheduleItem[] {
  return (Array.isArray(v) ? v : []).map((i) => {
    const o = obj(i, 'schedule items[]');
    return { interval: str(o.interval), ...(optStr(o.start_time) ? { startTime: str(o.start_time) } : {}) };
  });
}

/**
 * `rbd mirror snapshot schedule ls --pool P --recursive --format json` (array of levels), or
 * without --recursive (array of items for the one level asked about, reported with `level`).
 */
export function parseScheduleList(stdout: string, level: Omit<ScheduleLevel, 'items'> = { pool: '', namespace: '', image: '' }): ScheduleLevel[] {
  const a = arr(parseJsonOutput(stdout, 'mirror snapshot schedule ls', []), 'mirror snapshot schedule ls');
  if (a.length && a.every((x) => x && typeof x === 'object' && 'interval' in (x as Json))) {
    return [{ ...level, items: scheduleItems(a) }];
  }
  return a.map((e) => {
    const o = obj(e, 'mirror snapshot schedule ls[]');
    return { pool: str(o.pool), namespace: str(o.namespace), image: str(o.image), items: scheduleItems(o.items) };
  });
}

export interface ScheduleStatusEntry {
  /** "14:00:00-05:00" or "2026-11-22 01:45:00" depending on release */
  scheduleTime: string;
  image: string;
}

/** `rbd mirror snapshot schedule status [--pool P] --format json` */
export function parseScheduleStatus(stdout: string): ScheduleStatusEntry[] {
  const a = arr(parseJsonOutput(stdout, 'mirror snapshot schedule status', []), 'mirror snapshot schedule status');
  return a.map((e) => {
    const o = obj(e, 'mirror snapshot schedule status[]');
    return { scheduleTime: str(o.schedule_time), image: str(o.image) };
  });
}

/** Interval text ("5m", "1h", "1d") in seconds; undefined when unreadable. */
export function scheduleIntervalSeconds(text: string): number | undefined {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : 86400);
}

/** The schedule interval rbd accepts for a replication interval: whole minutes, at least 1. */
export function scheduleIntervalFor(seconds: number): string {
  return `${Math.max(1, Math.ceil(seconds / 60))}m`;
}

// ------------------------------------------------------------------------------------ text forms (docs)

/** "key: value" lines of rbd's plain output, keys lower-cased, tabs/odd spacing tolerated. */
function keyValues(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const m = /^\s*([A-Za-z][A-Za-z _-]*?)\s*:\s*(.*?)\s*$/.exec(raw.replace(/\t/g, ' '));
    if (m) out.push([m[1]!.toLowerCase(), m[2]!]);
  }
  return out;
}

/** Plain `rbd mirror image status POOL/IMAGE` (first line "name:", then indented fields). */
export function parseImageStatusText(text: string, tz: TimeZoneSpec = 'host'): ImageMirrorStatus {
  const first = text.split('\n').find((l) => l.trim());
  const name = first ? first.trim().replace(/:$/, '') : '';
  const kv = new Map(keyValues(text.split('\n').slice(1).join('\n')));
  if (!name || !kv.has('state')) throw bad('mirror image status (text)', 'no name/state');
  const o: Json = { state: kv.get('state'), description: kv.get('description') ?? '', last_update: kv.get('last_update') ?? '' };
  const st = siteStatus(o, tz);
  const out: ImageMirrorStatus = { name, globalId: kv.get('global_id') ?? '', local: st, peers: [] };
  const svc = kv.get('service');
  if (svc) {
    const [id, host] = svc.split(/\s+on\s+/);
    out.daemonService = { serviceId: '', instanceId: '', daemonId: (id ?? '').trim(), hostname: (host ?? '').trim() };
  }
  return out;
}

/** Plain `rbd info POOL/IMAGE` ("mirroring state/mode/global id/primary" lines). */
export function parseImageInfoText(text: string, tz: TimeZoneSpec = 'host'): ImageInfo {
  const nameMatch = /rbd image '([^']+)'/.exec(text);
  const kv = new Map(keyValues(text));
  const sizeMatch = /size\s+(\d+(?:\.\d+)?)\s*([KMGTP]i?B|B)\b/.exec(text);
  const units: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50 };
  const size = sizeMatch ? Math.round(Number(sizeMatch[1]) * (units[sizeMatch[2]!] ?? 1)) : 0;
  const mstate = kv.get('mirroring state');
  const info: ImageInfo = {
    name: nameMatch ? nameMatch[1]! : '',
    id: kv.get('id') ?? '',
    size,
    features: (kv.get('features') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ...(kv.has('snapshot_count') ? { snapshotCount: Number(kv.get('snapshot_count')) } : {}),
  };
  const createdAt = parseCtime(kv.get('create_timestamp'), tz);
  if (createdAt !== undefined) info.createdAt = createdAt;
  if (mstate && mstate !== 'disabled') {
    info.mirroring = {
      mode: kv.get('mirroring mode') ?? '',
      state: mstate,
      globalId: kv.get('mirroring global id') ?? '',
      primary: kv.get('mirroring primary') === 'true',
    };
  }
  if (!info.name) throw bad('info (text)', "no \"rbd image '...'\" line");
  return info;
}

/** Plain `rbd mirror pool info POOL`. */
export function parsePoolInfoText(text: string): PoolMirrorInfo {
  const pairs = keyValues(text);
  const get = (k: string) => pairs.find(([key]) => key === k)?.[1];
  const info: PoolMirrorInfo = { mode: (get('mode') ?? '').toLowerCase(), siteName: get('site name') ?? '', peers: [] };
  let cur: MirrorPeerInfo | undefined;
  for (const [k, v] of pairs) {
    if (k === 'uuid') {
      cur = { uuid: v, direction: 'rx-tx', siteName: '', mirrorUuid: '', clientName: '' };
      info.peers.push(cur);
    } else if (cur) {
      if (k === 'name') cur.siteName = v;
      else if (k === 'mirror uuid') cur.mirrorUuid = v;
      else if (k === 'direction') cur.direction = v;
      else if (k === 'client') cur.clientName = v;
      else if (k === 'mon host') cur.monHost = v;
    }
  }
  if (!info.mode) throw bad('mirror pool info (text)', 'no Mode line');
  return info;
}

/** Plain `rbd mirror pool status POOL --verbose`: summary and the DAEMONS block (images as in text image status). */
export function parsePoolStatusText(text: string): PoolMirrorStatus {
  const [head, ...rest] = text.split(/^DAEMONS\s*$/m);
  const kv = new Map(keyValues(head ?? ''));
  const total = /images:\s*(\d+)\s+total/.exec(head ?? '');
  const states: Record<string, number> = {};
  for (const m of (head ?? '').matchAll(/^\s+(\d+)\s+([a-z_]+)\s*$/gm)) states[m[2]!] = Number(m[1]);
  const daemons: MirrorDaemonInfo[] = [];
  const daemonText = (rest.join('\n').split(/^IMAGES\s*$/m)[0] ?? '');
  for (const block of daemonText.split(/^service\s+/m).slice(1)) {
    const id = block.split('\n')[0]!.replace(/:\s*$/, '').trim();
    const d = new Map(keyValues(block.split('\n').slice(1).join('\n')));
    daemons.push({
      serviceId: id,
      instanceId: d.get('instance_id') ?? '',
      clientId: d.get('client_id') ?? '',
      hostname: d.get('hostname') ?? '',
      cephVersion: d.get('version') ?? '',
      leader: d.get('leader') === 'true',
      health: d.get('health') ?? '',
      callouts: d.get('callouts') ? d.get('callouts')!.split(',').map((s) => s.trim()) : [],
    });
  }
  if (!kv.has('health')) throw bad('mirror pool status (text)', 'no health line');
  return {
    summary: { health: kv.get('health')!, daemonHealth: kv.get('daemon health') ?? '', imageHealth: kv.get('image health') ?? '', states },
    ...(total ? { totalImages: Number(total[1]) } : {}),
    daemons,
    images: [],
  };
}
