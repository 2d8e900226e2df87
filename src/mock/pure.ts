/**
 * A Pure-FlashArray-like array per site, speaking REST 2.x: api_version, login (api-token →
 * x-auth-token), arrays, volumes (copy from a snapshot with `source`), volume snapshots, protection
 * groups with targets and a replication schedule, protection-group snapshots and their transfer,
 * pods with promotion state, pod replica links with lag; continuation-token pagination and errors[].
 *
 * Replication (async): a protection group on array A with target B and an enabled schedule takes a
 * snapshot `pg.<k>` every frequency ms after its anchor; each is replicated to B as `<A>:pg.<k>`
 * (volume snapshots `<A>:pg.<k>.<vol>`) transferSeconds later, unless the link is down (fault
 * replication-down or a site unreachable). `replicate_now` snapshots transfer the same way. All of it
 * is derived from timestamps when read. Sync: a pod linked to the peer's pod of the same name mirrors
 * at once (lag 0) while the link is up.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { replicationBlocked, isUnreachable } from './faults.js';
import { tokenPage } from './http/paginate.js';
import { ApiError, bodyObject, ok, type MockResponse, type Route, type RouteContext } from './http/types.js';
import { lastReplicatedScheduled, scheduledReplicates, scheduledSnapshots, transferState } from './replication.js';
import type { PgSnapshotRec, PodRec, ProtectionGroupRec, PureArrayData, PureVolumeRec, SiteData } from './types.js';
import type { MockWorld } from './world.js';

export const PURE_API_VERSIONS = ['1.19', '2.0', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8', '2.9', '2.10', '2.11', '2.12', '2.13', '2.14', '2.15', '2.16', '2.17', '2.21'];
/** Scheduled snapshots kept per protection group (source and target retention). */
export const PG_RETENTION = 6;
const GiB = 1024 ** 3;

export function pureError(status: number, message: string, context?: string): MockResponse {
  return { status, body: { errors: [{ context: context ?? null, message, location_context: null }] } };
}

const perr = (status: number, message: string, context?: string) => new ApiError(status, message, { context });

// ------------------------------------------------------------------ sessions

export function issueSession(world: MockWorld, site: string): string {
  const body = Buffer.from(JSON.stringify({ s: site, i: world.now() })).toString('base64url');
  const sig = createHmac('sha256', world.data.secret).update(`pure:${body}`).digest('base64url').slice(0, 24);
  return `${body}.${sig}`;
}

export function checkSession(world: MockWorld, site: string, token: string | undefined): boolean {
  if (!token) return false;
  const [body, sig] = token.split('.');
  if (!body || !sig) return false;
  const want = Buffer.from(createHmac('sha256', world.data.secret).update(`pure:${body}`).digest('base64url').slice(0, 24));
  if (want.length !== Buffer.byteLength(sig) || !timingSafeEqual(want, Buffer.from(sig))) return false;
  try {
    return (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string }).s === site;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ model

export function arrayOf(site: SiteData): PureArrayData | undefined {
  return site.storage.driver === 'pure' ? site.storage.pure : undefined;
}

function serial(world: MockWorld, a: PureArrayData): string {
  a.seq += 1;
  return `${a.id.replace(/-/g, '').slice(0, 16).toUpperCase()}${a.seq.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** The peer array (the other site's, when it is a Pure array). */
export function peerArray(world: MockWorld, siteName: string): { site: SiteData; array: PureArrayData } | undefined {
  const other = world.data.siteOrder.find((s) => s !== siteName);
  if (!other) return undefined;
  const site = world.data.sites[other]!;
  const array = arrayOf(site);
  return array ? { site, array } : undefined;
}

export function createArrayVolume(
  world: MockWorld,
  a: PureArrayData,
  name: string,
  provisioned: number,
  source: { id: string | null; name: string | null } = { id: null, name: null },
): PureVolumeRec {
  const pod = name.includes('::') ? name.split('::')[0]! : null;
  const v: PureVolumeRec = { id: world.uuid(), name, serial: serial(world, a), provisioned, created: world.now(), source, destroyed: false, pod };
  a.volumes[v.id] = v;
  world.touch();
  return v;
}

export function volumeByName(a: PureArrayData, name: string): PureVolumeRec | undefined {
  for (const v of Object.values(a.volumes)) if (v.name === name) return v;
  return undefined;
}

export function removeArrayVolume(world: MockWorld, a: PureArrayData, id: string): void {
  delete a.volumes[id];
  for (const pg of Object.values(a.protectionGroups)) pg.volumeIds = pg.volumeIds.filter((x) => x !== id);
  world.touch();
}

export function renameArrayVolume(world: MockWorld, a: PureArrayData, v: PureVolumeRec, name: string): void {
  v.name = name;
  v.pod = name.includes('::') ? name.split('::')[0]! : null;
  world.touch();
}

export function createProtectionGroup(world: MockWorld, a: PureArrayData, name: string): ProtectionGroupRec {
  if (a.protectionGroups[name]) throw perr(400, 'Protection group already exists.', name);
  const pg: ProtectionGroupRec = {
    id: world.uuid(),
    name,
    volumeIds: [],
    targets: [],
    replication: { enabled: false, frequencyMs: 14_400_000, anchor: world.now() },
    created: world.now(),
    destroyed: false,
  };
  a.protectionGroups[name] = pg;
  world.touch();
  return pg;
}

export function setSchedule(world: MockWorld, pg: ProtectionGroupRec, s: { enabled?: boolean; frequencyMs?: number }): void {
  const was = pg.replication.enabled;
  if (s.frequencyMs !== undefined) pg.replication.frequencyMs = s.frequencyMs;
  if (s.enabled !== undefined) pg.replication.enabled = s.enabled;
  if (pg.replication.enabled && (!was || s.frequencyMs !== undefined)) pg.replication.anchor = world.now();
  world.touch();
}

export function createPod(world: MockWorld, a: PureArrayData, name: string, promotion: 'promoted' | 'demoted' = 'promoted'): PodRec {
  if (a.pods[name]) throw perr(400, 'Pod already exists.', name);
  const pod: PodRec = { id: world.uuid(), name, promotion, changedAt: world.now(), linked: false, destroyed: false, created: world.now() };
  a.pods[name] = pod;
  world.touch();
  return pod;
}

/** Stretches a pod to the peer: the peer gets the pod (demoted) and mirrors of its volumes. */
export function linkPod(world: MockWorld, siteName: string, a: PureArrayData, pod: PodRec, opts: { empty?: boolean } = {}): void {
  const peer = peerArray(world, siteName);
  if (!peer) throw perr(400, 'The remote array is not connected.');
  let remote = peer.array.pods[pod.name];
  if (!remote) remote = createPod(world, peer.array, pod.name, 'demoted');
  pod.linked = true;
  remote.linked = true;
  if (!opts.empty) for (const v of Object.values(a.volumes)) if (v.pod === pod.name) mirrorPodVolume(world, peer.array, v);
  world.touch();
}

/** A volume created in a linked pod appears on the peer's pod at once (synchronous replication). */
export function mirrorPodVolume(world: MockWorld, peer: PureArrayData, v: PureVolumeRec): void {
  if (volumeByName(peer, v.name)) return;
  createArrayVolume(world, peer, v.name, v.provisioned, { id: null, name: null });
}

/** Every scheduled + on-demand snapshot of a local protection group, oldest first. */
export interface PgSnapView {
  name: string;
  suffix: string;
  pg: ProtectionGroupRec;
  created: number;
  replicate: boolean;
  volumes: { id: string; name: string; provisioned: number }[];
  id: string;
  /** Taken by the replication schedule (not on demand). */
  scheduled: boolean;
}

function currentVolumes(a: PureArrayData, pg: ProtectionGroupRec): { id: string; name: string; provisioned: number }[] {
  return pg.volumeIds
    .map((id) => a.volumes[id])
    .filter((v): v is PureVolumeRec => Boolean(v))
    .map((v) => ({ id: v.id, name: v.name, provisioned: v.provisioned }));
}

export function pgSnapshots(world: MockWorld, a: PureArrayData, pg: ProtectionGroupRec, now = world.now()): PgSnapView[] {
  const out: PgSnapView[] = [];
  const vols = () => currentVolumes(a, pg);
  const canReplicate = pg.replication.enabled && pg.targets.some((t) => t.allowed);
  if (canReplicate) {
    for (const s of scheduledSnapshots(pg.replication.anchor, pg.replication.frequencyMs, now, PG_RETENTION)) {
      out.push({ name: `${pg.name}.${s.k}`, suffix: String(s.k), pg, created: s.at, replicate: true, volumes: vols(), id: `${pg.id.slice(0, 24)}${s.k.toString(16).padStart(12, '0')}`, scheduled: true });
    }
  }
  for (const s of Object.values(a.pgSnapshots)) {
    if (s.pg === pg.name && !s.destroyed) out.push({ name: `${pg.name}.${s.suffix}`, suffix: s.suffix, pg, created: s.created, replicate: s.replicate, volumes: s.volumes, id: s.id, scheduled: false });
  }
  return out.sort((x, y) => x.created - y.created);
}

export function takePgSnapshot(world: MockWorld, a: PureArrayData, pg: ProtectionGroupRec, suffix: string | undefined, replicate: boolean): PgSnapshotRec {
  a.seq += 1;
  const sfx = suffix ?? String(1_000_000 + a.seq);
  const full = `${pg.name}.${sfx}`;
  if (a.pgSnapshots[full]) throw perr(400, 'Snapshot already exists.', full);
  const rec: PgSnapshotRec = {
    id: world.uuid(),
    pg: pg.name,
    suffix: sfx,
    created: world.now(),
    replicate: replicate && pg.targets.some((t) => t.allowed),
    volumes: pg.volumeIds.map((id) => a.volumes[id]).filter((v): v is PureVolumeRec => Boolean(v)).map((v) => ({ id: v.id, name: v.name, provisioned: v.provisioned })),
    destroyed: false,
  };
  a.pgSnapshots[full] = rec;
  world.touch();
  return rec;
}

/** The transfer of a local snapshot to the peer. */
export function snapTransfer(world: MockWorld, s: PgSnapView, now = world.now()) {
  if (!s.replicate) return { started: null, completed: null, progress: 0 };
  return transferState(s.created, now, world.settings.transferSeconds * 1000, world.data.linkOutages);
}

/** A snapshot seen on the target array: `<src-array>:<pg>.<suffix>`. */
export interface RemoteSnapView extends PgSnapView {
  source: PureArrayData;
  started: number;
  completed: number | null;
  progress: number;
}

/** Snapshots replicated (or replicating) to `target` from the peer's protection groups. */
export function remoteSnapshots(world: MockWorld, targetSite: string, wantPg: (name: string) => boolean = () => true): RemoteSnapView[] {
  const target = arrayOf(world.site(targetSite));
  const peer = peerArray(world, targetSite);
  if (!target || !peer) return [];
  const now = world.now();
  const out: RemoteSnapView[] = [];
  for (const pg of Object.values(peer.array.protectionGroups)) {
    if (pg.destroyed || !pg.targets.some((t) => t.name === target.name && t.allowed)) continue;
    if (!wantPg(`${peer.array.name}:${pg.name}`)) continue;
    const views = pgSnapshots(world, peer.array, pg, now).filter((s) => s.replicate);
    // A scheduled snapshot taken during an outage is never replicated; keep the newest completed
    // one even when it is older than the retention window.
    const last = lastReplicatedScheduled(pg.replication.anchor, pg.replication.frequencyMs, now, world.settings.transferSeconds * 1000, world.data.linkOutages);
    if (pg.replication.enabled && last && !views.some((v) => v.suffix === String(last.k))) {
      views.unshift({ name: `${pg.name}.${last.k}`, suffix: String(last.k), pg, created: last.at, replicate: true, volumes: views[0]?.volumes ?? currentVolumes(peer.array, pg), id: `${pg.id.slice(0, 24)}${last.k.toString(16).padStart(12, '0')}`, scheduled: true });
    }
    for (const s of views) {
      if (s.scheduled && !scheduledReplicates(s.created, world.data.linkOutages)) continue;
      const t = snapTransfer(world, s, now);
      if (t.started === null) continue;
      out.push({ ...s, source: peer.array, started: t.started, completed: t.completed, progress: t.progress });
    }
  }
  return out;
}

/** Pod replica link seen from this array. */
function podLink(world: MockWorld, siteName: string, pod: PodRec) {
  const peer = peerArray(world, siteName);
  const remote = peer?.array.pods[pod.name];
  if (!peer || !remote || !pod.linked) return undefined;
  const now = world.now();
  const outage = world.data.linkOutages.find((o) => o.to === undefined);
  const down = replicationBlocked(world) && outage !== undefined;
  const bothPromoted = pod.promotion === 'promoted' && remote.promotion === 'promoted';
  const status = down ? 'unhealthy' : pod.paused || remote.paused ? 'paused' : bothPromoted ? 'paused' : pod.promotion === 'demoted' && remote.promotion === 'demoted' ? 'idle' : 'replicating';
  const since = down ? outage!.from : bothPromoted ? Math.max(pod.changedAt, remote.changedAt) : now;
  return {
    peer,
    remote,
    direction: pod.promotion === 'promoted' ? 'outbound' : 'inbound',
    status,
    lag: down || bothPromoted ? now - since : 0,
    recoveryPoint: since,
    peerOnline: !isUnreachable(world, peer.site.name) && !down,
  };
}

// ------------------------------------------------------------------ views

const SPACE = { data_reduction: 1, shared: null, snapshots: 0, system: null, thin_provisioning: 1, total_physical: 0, total_provisioned: 0, total_reduction: 1, unique: 0, virtual: 0, replication: 0 };
const NONE = { id: null, name: null };

function podRef(a: PureArrayData, name: string | null) {
  if (!name) return NONE;
  return { id: a.pods[name]?.id ?? null, name };
}

function volumeView(a: PureArrayData, v: PureVolumeRec): Record<string, unknown> {
  const pod = v.pod ? a.pods[v.pod] : undefined;
  return {
    id: v.id,
    name: v.name,
    connection_count: 0,
    created: v.created,
    destroyed: v.destroyed,
    host_encryption_key_status: 'none',
    pod: podRef(a, v.pod),
    priority: 0,
    priority_adjustment: { priority_adjustment_operator: '+', priority_adjustment_value: 0 },
    promotion_status: pod ? pod.promotion : 'promoted',
    provisioned: v.provisioned,
    qos: { bandwidth_limit: null, iops_limit: null },
    requested_promotion_state: pod ? pod.promotion : 'promoted',
    serial: v.serial,
    source: v.source,
    space: { ...SPACE, total_provisioned: v.provisioned, virtual: 0 },
    subtype: 'regular',
    time_remaining: v.destroyed ? 86_400_000 : null,
    volume_group: NONE,
  };
}

function pgView(world: MockWorld, siteName: string, a: PureArrayData, pg: ProtectionGroupRec): Record<string, unknown> {
  return {
    id: pg.id,
    name: pg.name,
    destroyed: pg.destroyed,
    source: { id: a.id, name: a.name },
    is_local: true,
    pod: NONE,
    host_count: 0,
    host_group_count: 0,
    volume_count: pg.volumeIds.length,
    target_count: pg.targets.length,
    replication_schedule: { enabled: pg.replication.enabled, frequency: pg.replication.frequencyMs, at: null, blackout: { start: null, end: null } },
    snapshot_schedule: { enabled: false, frequency: 3_600_000, at: null },
    source_retention: { all_for_sec: 86_400, per_day: 4, days: 7 },
    target_retention: { all_for_sec: 86_400, per_day: 4, days: 7 },
    retention_lock: 'unlocked',
    space: SPACE,
    time_remaining: null,
  };
}

function remotePgView(src: PureArrayData, pg: ProtectionGroupRec): Record<string, unknown> {
  return {
    id: pg.id,
    name: `${src.name}:${pg.name}`,
    destroyed: pg.destroyed,
    source: { id: src.id, name: src.name },
    is_local: false,
    pod: NONE,
    host_count: 0,
    host_group_count: 0,
    volume_count: pg.volumeIds.length,
    target_count: pg.targets.length,
    replication_schedule: { enabled: pg.replication.enabled, frequency: pg.replication.frequencyMs, at: null, blackout: { start: null, end: null } },
    snapshot_schedule: { enabled: false, frequency: 3_600_000, at: null },
    source_retention: { all_for_sec: 86_400, per_day: 4, days: 7 },
    target_retention: { all_for_sec: 86_400, per_day: 4, days: 7 },
    retention_lock: 'unlocked',
    space: SPACE,
    time_remaining: null,
  };
}

function snapView(a: PureArrayData, s: PgSnapView): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    suffix: s.suffix,
    source: { id: s.pg.id, name: s.pg.name },
    created: s.created,
    destroyed: false,
    pod: NONE,
    time_remaining: null,
    space: SPACE,
    eradication_config: { manual_eradication: 'all-enabled' },
    _array: a.name,
  };
}

function remoteSnapView(s: RemoteSnapView): Record<string, unknown> {
  return {
    id: s.id,
    name: `${s.source.name}:${s.name}`,
    suffix: s.suffix,
    source: { id: s.pg.id, name: `${s.source.name}:${s.pg.name}` },
    created: s.created,
    destroyed: false,
    pod: NONE,
    time_remaining: null,
    space: SPACE,
    eradication_config: { manual_eradication: 'all-enabled' },
  };
}

function transferView(name: string, id: string, t: { started: number | null; completed: number | null; progress: number }, bytes: number): Record<string, unknown> {
  return {
    id,
    name,
    destroyed: false,
    started: t.started,
    completed: t.completed,
    progress: t.started === null ? null : t.progress,
    data_transferred: Math.round(bytes * (t.progress ?? 0)),
    physical_bytes_written: Math.round(bytes * (t.progress ?? 0) * 0.3),
  };
}

// ------------------------------------------------------------------ query helpers (names, filter, sort)

/**
 * Which protection groups a snapshot query can concern (names / source_names / a `name='prefix*'`
 * filter), so a query about one group does not build views of every group's snapshots. Conservative:
 * true whenever the query cannot rule the group out.
 */
export function pgSelector(q: URLSearchParams): (pgName: string) => boolean {
  const groupOf = (n: string) => n.split('.')[0]!;
  const sets: Set<string>[] = [];
  const names = q.get('names');
  if (names) sets.push(new Set(names.split(',').map((n) => groupOf(n.trim()))));
  const sources = q.get('source_names');
  if (sources) sets.push(new Set(sources.split(',').map((n) => n.trim())));
  const m = /^\s*name\s*=\s*['"]([^'"*]*)\*?[^'"]*['"]\s*$/.exec(q.get('filter') ?? '');
  const prefix = m?.[1];
  return (pg) => sets.every((s) => s.has(pg)) && (prefix === undefined || `${pg}.`.startsWith(prefix) || prefix.startsWith(`${pg}.`));
}

/** Raw-record pre-filter for the common volume queries (names, name=/pod.name= filters). */
function volumeProbe(q: URLSearchParams): (v: PureVolumeRec) => boolean {
  const f = q.get('filter');
  if (!f) return () => true;
  const fields = [...f.matchAll(/([\w.]+)\s*!?=/g)].map((x) => x[1]);
  if (!fields.every((x) => x === 'name' || x === 'pod.name' || x === 'destroyed')) return () => true;
  const test = parseFilter(f);
  return (v) => test({ name: v.name, pod: { name: v.pod }, destroyed: v.destroyed });
}

function list(q: URLSearchParams, key: string): string[] | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function get(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

/**
 * A `*` wildcard pattern as a linear matcher (a regex `^.*::.*$` backtracks quadratically on every
 * name that does not match, and listings test every volume).
 */
export function globMatcher(pattern: string): (s: string) => boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return (s) => s === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter(Boolean);
  const min = first.length + last.length;
  return (s) => {
    if (s.length < min || !s.startsWith(first) || !s.endsWith(last)) return false;
    let at = first.length;
    const end = s.length - last.length;
    for (const m of middle) {
      const i = s.indexOf(m, at);
      if (i < 0 || i + m.length > end) return false;
      at = i + m.length;
    }
    return true;
  };
}

/** Subset of the filter language: `a.b='x*'` clauses joined by `and`, with = and !=. */
export function parseFilter(expr: string): (item: Record<string, unknown>) => boolean {
  const clauses = expr.split(/\s+and\s+/i).map((c) => {
    const m = /^\s*([\w.]+)\s*(!=|=)\s*(?:'([^']*)'|"([^"]*)"|(\S+))\s*$/.exec(c);
    if (!m) throw perr(400, `Invalid filter: ${expr}`, 'filter');
    const value = m[3] ?? m[4] ?? m[5] ?? '';
    return { field: m[1]!, neg: m[2] === '!=', value, re: { test: globMatcher(value) } };
  });
  return (item) =>
    clauses.every((c) => {
      const v = get(item, c.field);
      let hit: boolean;
      if (typeof v === 'number' && !Number.isNaN(Number(c.value))) hit = v === Number(c.value);
      else hit = v !== undefined && v !== null && c.re.test(String(v));
      return c.neg ? !hit : hit;
    });
}

function sortItems(items: Record<string, unknown>[], sort: string | null): Record<string, unknown>[] {
  if (!sort) return items;
  const keys = sort.split(',').map((k) => ({ desc: k.endsWith('-'), field: k.replace(/-$/, '') }));
  return [...items].sort((x, y) => {
    for (const k of keys) {
      const a = get(x, k.field) as number | string | null;
      const b = get(y, k.field) as number | string | null;
      if (a === b) continue;
      const c = a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
      return k.desc ? -c : c;
    }
    return 0;
  });
}

/**
 * Result sets being paged through with continuation tokens, as an array keeps a query's cursor: the
 * first page computes (and filters, sorts) the whole list once; the following pages of the same
 * query slice it instead of rebuilding every item per page (pages × items). A cursor is valid while
 * the world is unchanged (same index object) for CURSOR_TTL_MS of simulated time.
 */
const CURSOR_TTL_MS = 30_000;
const MAX_CURSORS = 32;
const cursors = new Map<string, { index: object; at: number; items: Record<string, unknown>[] }>();

function cursorKey(ctx: RouteContext): string {
  const q = new URLSearchParams(ctx.req.query);
  q.delete('continuation_token');
  q.delete('offset');
  return `${ctx.siteName} ${ctx.req.path}?${q.toString()}`;
}

/** Wraps a GET collection handler: a continuation page of a known cursor is served from it. */
function paged(handler: (ctx: RouteContext) => MockResponse): (ctx: RouteContext) => MockResponse {
  return (ctx) => {
    if (!ctx.req.query.get('continuation_token')) return handler(ctx);
    const key = cursorKey(ctx);
    const c = cursors.get(key);
    if (!c || c.index !== ctx.world.index(ctx.siteName) || ctx.now - c.at > CURSOR_TTL_MS) {
      cursors.delete(key);
      return handler(ctx);
    }
    const out = pageOf(ctx, c.items);
    if (!(out.body as { continuation_token: string | null }).continuation_token) cursors.delete(key);
    return out;
  };
}

/** The REST 2.x collection envelope with names/ids/filter/sort/destroyed/limit/continuation_token. */
function collection(ctx: RouteContext, items: Record<string, unknown>[], opts: { names?: string; ids?: string } = {}): MockResponse {
  const q = ctx.req.query;
  let out = items;
  const names = list(q, opts.names ?? 'names');
  if (names) {
    const have = new Set(out.map((i) => String(i.name)));
    const missing = names.filter((n) => !have.has(n));
    if (missing.length && (opts.names ?? 'names') === 'names') throw perr(400, `${missing.length === 1 ? 'Item does' : 'Items do'} not exist.`, missing[0]);
    const wanted = new Set(names);
    out = out.filter((i) => wanted.has(String(i.name)));
  }
  const ids = list(q, 'ids');
  if (ids) out = out.filter((i) => ids.includes(String(i.id)));
  const destroyed = q.get('destroyed');
  if (destroyed !== null) out = out.filter((i) => i.destroyed === undefined || String(i.destroyed) === destroyed);
  const filter = q.get('filter');
  if (filter) out = out.filter(parseFilter(filter));
  out = sortItems(out, q.get('sort'));
  const res = pageOf(ctx, out);
  if ((res.body as { continuation_token: string | null }).continuation_token) {
    if (cursors.size >= MAX_CURSORS) cursors.delete(cursors.keys().next().value!);
    cursors.set(cursorKey(ctx), { index: ctx.world.index(ctx.siteName), at: ctx.now, items: out });
  }
  return res;
}

function pageOf(ctx: RouteContext, out: Record<string, unknown>[]): MockResponse {
  const q = ctx.req.query;
  const total = out.length;
  const page = tokenPage(out, q);
  const body: Record<string, unknown> = {
    continuation_token: page.token,
    more_items_remaining: page.more,
    total_item_count: q.get('total_item_count') === 'true' ? total : null,
    items: page.items.map((i) => {
      const { _array, ...rest } = i;
      void _array;
      return rest;
    }),
  };
  const headers: Record<string, string> = {};
  if (page.token) headers['x-next-token'] = page.token;
  return { status: 200, body, headers };
}

function needArray(ctx: RouteContext): PureArrayData {
  const a = arrayOf(ctx.site);
  if (!a) throw perr(404, 'This site has no FlashArray (its storage driver is ceph).');
  return a;
}

function requireNames(ctx: RouteContext, key = 'names'): string[] {
  const n = list(ctx.req.query, key);
  if (!n || n.length === 0) throw perr(400, `Missing required parameter: ${key}.`, key);
  return n;
}

// ------------------------------------------------------------------ handlers

function allVolumeSnapshots(ctx: RouteContext, a: PureArrayData, wantPg: (name: string) => boolean = () => true): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const pg of Object.values(a.protectionGroups)) {
    if (pg.destroyed || !wantPg(pg.name)) continue;
    for (const s of pgSnapshots(ctx.world, a, pg, ctx.now)) {
      for (const v of s.volumes) {
        out.push({
          id: `${s.id.slice(0, 24)}${v.id.slice(-12)}`,
          name: `${s.name}.${v.name}`,
          created: s.created,
          destroyed: false,
          pod: NONE,
          provisioned: v.provisioned,
          serial: v.id.replace(/-/g, '').slice(0, 24).toUpperCase(),
          source: { id: v.id, name: v.name },
          suffix: s.suffix,
          time_remaining: null,
          volume_group: NONE,
          space: SPACE,
        });
      }
    }
  }
  // Replicated to this array: only complete transfers can be copied from.
  for (const s of remoteSnapshots(ctx.world, ctx.siteName, wantPg)) {
    if (s.completed === null) continue;
    for (const v of s.volumes) {
      out.push({
        id: `${s.id.slice(0, 24)}${v.id.slice(-12)}`,
        name: `${s.source.name}:${s.name}.${v.name}`,
        created: s.created,
        destroyed: false,
        pod: NONE,
        provisioned: v.provisioned,
        serial: v.id.replace(/-/g, '').slice(0, 24).toUpperCase(),
        source: { id: null, name: `${s.source.name}:${v.name}` },
        suffix: s.suffix,
        time_remaining: null,
        volume_group: NONE,
        space: SPACE,
      });
    }
  }
  return out;
}

function createVolumes(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const names = requireNames(ctx);
  const body = bodyObject(ctx.req);
  const overwrite = ctx.req.query.get('overwrite') === 'true';
  const src = body.source as { name?: string; id?: string } | undefined;
  const created: Record<string, unknown>[] = [];
  for (const name of names) {
    const existing = volumeByName(a, name);
    if (existing && !overwrite) throw perr(400, 'Volume already exists.', name);
    let provisioned = Number(body.provisioned ?? 0);
    let source = { id: null as string | null, name: null as string | null };
    if (src?.name) {
      // Only the named snapshot's protection group (`[<array>:]<pg>.<suffix>.<vol>`), not every one per volume.
      const pgOf = src.name.includes('.') ? src.name.slice(0, src.name.indexOf('.')) : undefined;
      const snaps = pgOf === undefined ? [] : allVolumeSnapshots(ctx, a, (n) => n === pgOf);
      const snap = snaps.find((s) => s.name === src.name);
      const vol = snap ? undefined : volumeByName(a, src.name);
      if (!snap && !vol) throw perr(400, 'Source does not exist.', src.name);
      provisioned = Number(snap ? snap.provisioned : vol!.provisioned);
      source = snap ? { id: null, name: String((snap.source as { name: string }).name) } : { id: vol!.id, name: vol!.name };
    } else if (!(provisioned > 0)) throw perr(400, 'Either provisioned or source must be specified.', name);
    let v: PureVolumeRec;
    if (existing) {
      existing.provisioned = provisioned;
      existing.source = source;
      ctx.world.touch();
      v = existing;
    } else v = createArrayVolume(ctx.world, a, name, provisioned, source);
    if (v.pod && a.pods[v.pod]?.linked) {
      const peer = peerArray(ctx.world, ctx.siteName);
      if (peer) mirrorPodVolume(ctx.world, peer.array, v);
    }
    created.push(volumeView(a, v));
  }
  return ok({ items: created });
}

function updateVolumes(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const body = bodyObject(ctx.req);
  const out: Record<string, unknown>[] = [];
  for (const name of requireNames(ctx)) {
    const v = volumeByName(a, name);
    if (!v) throw perr(400, 'Volume does not exist.', name);
    if (typeof body.name === 'string') {
      if (volumeByName(a, body.name)) throw perr(400, 'Volume already exists.', body.name);
      renameArrayVolume(ctx.world, a, v, body.name);
    }
    if (typeof body.destroyed === 'boolean') v.destroyed = body.destroyed;
    if (typeof body.provisioned === 'number') v.provisioned = body.provisioned;
    const pod = (body.pod as { name?: string } | undefined)?.name;
    if (pod !== undefined) {
      const base = v.name.split('::').pop()!;
      renameArrayVolume(ctx.world, a, v, pod ? `${pod}::${base}` : base);
      if (pod && a.pods[pod]?.linked) {
        const peer = peerArray(ctx.world, ctx.siteName);
        if (peer) mirrorPodVolume(ctx.world, peer.array, v);
      }
    }
    ctx.world.touch();
    out.push(volumeView(a, v));
  }
  return ok({ items: out });
}

function deleteVolumes(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  for (const name of requireNames(ctx)) {
    const v = volumeByName(a, name);
    if (!v) throw perr(400, 'Volume does not exist.', name);
    if (!v.destroyed) throw perr(400, 'Volume must be destroyed before it can be eradicated.', name);
    removeArrayVolume(ctx.world, a, v.id);
  }
  return ok({});
}

function pgListItems(ctx: RouteContext, a: PureArrayData): Record<string, unknown>[] {
  const local = Object.values(a.protectionGroups).map((pg) => pgView(ctx.world, ctx.siteName, a, pg));
  const peer = peerArray(ctx.world, ctx.siteName);
  const remote = peer
    ? Object.values(peer.array.protectionGroups)
        .filter((pg) => pg.targets.some((t) => t.name === a.name))
        .map((pg) => remotePgView(peer.array, pg))
    : [];
  return [...local, ...remote];
}

function localPg(a: PureArrayData, name: string): ProtectionGroupRec {
  const pg = a.protectionGroups[name];
  if (!pg) throw perr(400, 'Protection group does not exist.', name);
  return pg;
}

function updatePgs(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const body = bodyObject(ctx.req);
  const out: Record<string, unknown>[] = [];
  for (const name of requireNames(ctx)) {
    const pg = localPg(a, name);
    const rs = body.replication_schedule as { enabled?: boolean; frequency?: number } | undefined;
    if (rs) setSchedule(ctx.world, pg, { enabled: rs.enabled, frequencyMs: rs.frequency });
    if (typeof body.destroyed === 'boolean') pg.destroyed = body.destroyed;
    if (typeof body.name === 'string') {
      delete a.protectionGroups[pg.name];
      pg.name = body.name;
      a.protectionGroups[pg.name] = pg;
    }
    ctx.world.touch();
    out.push(pgView(ctx.world, ctx.siteName, a, pg));
  }
  return ok({ items: out });
}

function pgVolumes(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const groups = list(ctx.req.query, 'group_names') ?? Object.keys(a.protectionGroups);
  const members = list(ctx.req.query, 'member_names');
  const m = ctx.req.method;
  if (m === 'GET') {
    const items: Record<string, unknown>[] = [];
    for (const g of groups) {
      const pg = a.protectionGroups[g];
      if (!pg) continue;
      for (const id of pg.volumeIds) {
        const v = a.volumes[id];
        if (v && (!members || members.includes(v.name))) items.push({ group: { id: pg.id, name: pg.name }, member: { id: v.id, name: v.name } });
      }
    }
    return collection(ctx, items, { names: '_' });
  }
  if (!members?.length) throw perr(400, 'Missing required parameter: member_names.', 'member_names');
  const items: Record<string, unknown>[] = [];
  for (const g of groups) {
    const pg = localPg(a, g);
    for (const n of members) {
      const v = volumeByName(a, n);
      if (!v) throw perr(400, 'Volume does not exist.', n);
      if (m === 'POST') {
        if (pg.volumeIds.includes(v.id)) throw perr(400, 'Protection group already includes this volume.', n);
        pg.volumeIds.push(v.id);
      } else {
        if (!pg.volumeIds.includes(v.id)) throw perr(400, 'Volume is not a member of the protection group.', n);
        pg.volumeIds = pg.volumeIds.filter((x) => x !== v.id);
      }
      items.push({ group: { id: pg.id, name: pg.name }, member: { id: v.id, name: v.name } });
    }
  }
  ctx.world.touch();
  return ok({ items });
}

function pgTargets(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const q = ctx.req.query;
  const groups = list(q, 'group_names');
  const members = list(q, 'member_names');
  const peer = peerArray(ctx.world, ctx.siteName);
  const linkUp = !replicationBlocked(ctx.world);
  const view = (pg: ProtectionGroupRec, pgName: string, t: { name: string; allowed: boolean }) => ({
    group: { id: pg.id, name: pgName },
    member: { id: t.name === peer?.array.name ? peer.array.id : t.name === a.name ? a.id : null, name: t.name, resource_type: 'remote-arrays' },
    allowed: t.allowed,
    status: linkUp ? 'replicating' : 'disconnected',
  });
  // (group on this array, or `<peer>:<pg>` seen from the target)
  const resolve = (name: string): { pg: ProtectionGroupRec; display: string } | undefined => {
    if (a.protectionGroups[name]) return { pg: a.protectionGroups[name]!, display: name };
    if (peer && name.startsWith(`${peer.array.name}:`)) {
      const pg = peer.array.protectionGroups[name.slice(peer.array.name.length + 1)];
      if (pg) return { pg, display: name };
    }
    return undefined;
  };
  if (ctx.req.method === 'GET') {
    const items: Record<string, unknown>[] = [];
    const names = groups ?? [...Object.keys(a.protectionGroups), ...(peer ? Object.keys(peer.array.protectionGroups).filter((n) => peer.array.protectionGroups[n]!.targets.some((t) => t.name === a.name)).map((n) => `${peer.array.name}:${n}`) : [])];
    for (const n of names) {
      const r = resolve(n);
      if (!r) continue;
      for (const t of r.pg.targets) if (!members || members.includes(t.name)) items.push(view(r.pg, r.display, t));
    }
    return collection(ctx, items, { names: '_' });
  }
  if (!groups?.length || !members?.length) throw perr(400, 'Missing required parameter: group_names and member_names.', 'group_names');
  const items: Record<string, unknown>[] = [];
  for (const g of groups) {
    const r = resolve(g);
    if (!r) throw perr(400, 'Protection group does not exist.', g);
    for (const m of members) {
      if (ctx.req.method === 'POST') {
        if (!peer || m !== peer.array.name) throw perr(400, 'The remote array is not connected.', m);
        if (r.pg.targets.some((t) => t.name === m)) throw perr(400, 'Protection group already includes this target.', m);
        r.pg.targets.push({ name: m, allowed: true });
      } else if (ctx.req.method === 'PATCH') {
        const t = r.pg.targets.find((x) => x.name === m);
        if (!t) throw perr(400, 'Target does not exist.', m);
        const body = bodyObject(ctx.req);
        if (typeof body.allowed === 'boolean') t.allowed = body.allowed;
      } else {
        r.pg.targets = r.pg.targets.filter((x) => x.name !== m);
      }
      const t = r.pg.targets.find((x) => x.name === m);
      if (t) items.push(view(r.pg, r.display, t));
    }
  }
  ctx.world.touch();
  return ok({ items });
}

function pgSnapshotItems(ctx: RouteContext, a: PureArrayData, transfer: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const wantPg = pgSelector(ctx.req.query);
  for (const pg of Object.values(a.protectionGroups)) {
    if (!wantPg(pg.name)) continue;
    for (const s of pgSnapshots(ctx.world, a, pg, ctx.now)) {
      const bytes = s.volumes.reduce((n, v) => n + v.provisioned, 0) * 0.05;
      out.push(transfer ? { ...transferView(s.name, s.id, snapTransfer(ctx.world, s, ctx.now), bytes), _pg: pg.name } : { ...snapView(a, s), _pg: pg.name });
    }
  }
  for (const s of remoteSnapshots(ctx.world, ctx.siteName, wantPg)) {
    const bytes = s.volumes.reduce((n, v) => n + v.provisioned, 0) * 0.05;
    const pgName = `${s.source.name}:${s.pg.name}`;
    out.push(transfer ? { ...transferView(`${s.source.name}:${s.name}`, s.id, s, bytes), _pg: pgName } : { ...remoteSnapView(s), _pg: pgName });
  }
  return out;
}

/** `names` may name snapshots or (as Cinder's driver does) their protection group; source_names = groups. */
function listPgSnapshots(ctx: RouteContext, transfer: boolean): MockResponse {
  const a = needArray(ctx);
  const q = ctx.req.query;
  let items = pgSnapshotItems(ctx, a, transfer);
  const names = list(q, 'names');
  if (names) items = items.filter((i) => names.includes(String(i.name)) || names.includes(String(i._pg)));
  const sources = list(q, 'source_names');
  if (sources) items = items.filter((i) => sources.includes(String(i._pg)));
  const clean = items.map(({ _pg, ...rest }) => {
    void _pg;
    return rest;
  });
  return collection(ctx, clean, { names: '_' });
}

function createPgSnapshots(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const q = ctx.req.query;
  const sources = requireNames(ctx, 'source_names');
  const body = (ctx.req.body ?? {}) as { suffix?: string };
  const replicate = q.get('replicate_now') === 'true' || q.get('replicate') === 'true';
  const items: Record<string, unknown>[] = [];
  for (const name of sources) {
    const pg = localPg(a, name);
    const rec = takePgSnapshot(ctx.world, a, pg, body.suffix, replicate);
    const view = pgSnapshots(ctx.world, a, pg).find((s) => s.id === rec.id)!;
    items.push(snapView(a, view));
  }
  return ok({ items: items.map(({ _array, ...r }) => (void _array, r)) });
}

function podItems(ctx: RouteContext, a: PureArrayData): Record<string, unknown>[] {
  return Object.values(a.pods).map((pod) => {
    const link = podLink(ctx.world, ctx.siteName, pod);
    const arrays = [{ name: a.name, id: a.id, status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null }];
    if (link) {
      arrays.push({
        name: link.peer.array.name,
        id: link.peer.array.id,
        status: link.peerOnline ? 'online' : 'offline',
        mediator_status: link.peerOnline ? 'online' : 'unreachable',
        pre_elected: false,
        frozen_at: null,
        progress: null,
      });
    }
    return {
      id: pod.id,
      name: pod.name,
      source: NONE,
      destroyed: pod.destroyed,
      requested_promotion_state: pod.promotion,
      promotion_status: pod.promotion,
      mediator: 'purestorage',
      failover_preferences: [],
      arrays,
      mediator_version: null,
      time_remaining: null,
      array_count: arrays.length,
      eradication_config: { manual_eradication: 'all-enabled' },
      link_source_count: link && pod.promotion === 'demoted' ? 1 : 0,
      link_target_count: link && pod.promotion === 'promoted' ? 1 : 0,
      footprint: 0,
      space: SPACE,
    };
  });
}

function updatePods(ctx: RouteContext): MockResponse {
  const a = needArray(ctx);
  const body = bodyObject(ctx.req);
  for (const name of requireNames(ctx)) {
    const pod = a.pods[name];
    if (!pod) throw perr(400, 'Pod does not exist.', name);
    const want = body.requested_promotion_state;
    if (want !== undefined) {
      if (want !== 'promoted' && want !== 'demoted') throw perr(400, 'Invalid value for requested_promotion_state.', 'requested_promotion_state');
      if (pod.promotion !== want) {
        pod.promotion = want;
        pod.changedAt = ctx.now;
      }
    }
    if (typeof body.destroyed === 'boolean') pod.destroyed = body.destroyed;
  }
  ctx.world.touch();
  return ok({ items: podItems(ctx, a).filter((p) => requireNames(ctx).includes(String(p.name))) });
}

function replicaLinks(ctx: RouteContext, lagShape: boolean): MockResponse {
  const a = needArray(ctx);
  const items: Record<string, unknown>[] = [];
  const local = list(ctx.req.query, 'local_pod_names');
  const remoteNames = list(ctx.req.query, 'remote_pod_names');
  for (const pod of Object.values(a.pods)) {
    if (local && !local.includes(pod.name)) continue;
    if (remoteNames && !remoteNames.includes(pod.name)) continue;
    const l = podLink(ctx.world, ctx.siteName, pod);
    if (!l) continue;
    const base = {
      id: `${pod.id.slice(0, 24)}${l.remote.id.slice(-12)}`,
      direction: l.direction,
      local_pod: { id: pod.id, name: pod.name },
      remote_pod: { id: l.remote.id, name: l.remote.name },
      remotes: [{ id: l.peer.array.id, name: l.peer.array.name }],
      recovery_point: l.recoveryPoint,
      status: l.status,
    };
    items.push(lagShape ? { ...base, lag: { avg: l.lag, max: l.lag }, time: ctx.now } : { ...base, lag: l.lag, paused: Boolean(pod.paused || l.remote.paused) });
  }
  return collection(ctx, items, { names: '_' });
}

// ------------------------------------------------------------------ routes

const routes: Route[] = [
  { method: 'GET', pattern: '/api/api_version', api: 'pure.login', public: true, handler: () => ok({ version: PURE_API_VERSIONS }) },
  {
    method: 'POST',
    pattern: '/api/:v/login',
    api: 'pure.login',
    public: true,
    handler: (ctx) => {
      const a = needArray(ctx);
      const tok = ctx.req.headers['api-token'];
      if (typeof tok !== 'string' || tok !== a.apiToken) throw perr(401, 'Invalid API token.', 'api-token');
      return { status: 200, headers: { 'x-auth-token': issueSession(ctx.world, ctx.siteName) }, body: { items: [{ username: a.username }] } };
    },
  },
  { method: 'POST', pattern: '/api/:v/logout', api: 'pure.login', handler: () => ok({}) },
  {
    method: 'GET',
    pattern: '/api/:v/arrays',
    api: 'pure.arrays.list',
    handler: (ctx) => {
      const a = needArray(ctx);
      return collection(ctx, [
        {
          id: a.id,
          name: a.name,
          os: 'Purity//FA',
          version: '6.3.3',
          capacity: 29_511_185_858_560,
          parity: 1,
          banner: '',
          console_lock_enabled: false,
          encryption: { data_at_rest: { algorithm: 'AES-256-CTR', enabled: true }, module_version: 'FA-1.3' },
          eradication_config: { manual_eradication: 'all-enabled', eradication_delay: 86_400_000 },
          idle_timeout: 3_600_000,
          ntp_servers: [],
          scsi_timeout: 60_000,
          space: SPACE,
        },
      ]);
    },
  },
  {
    method: 'GET',
    pattern: '/api/:v/volumes',
    api: 'pure.volumes.list',
    handler: (ctx) => {
      const a = needArray(ctx);
      const q = ctx.req.query;
      // fast paths for the driver's usual questions: names=..., filter=pod.name='p'
      const byPod = /^\s*pod\.name\s*=\s*'([^'*]+)'\s*$/.exec(q.get('filter') ?? '')?.[1];
      const names = q.get('names');
      const ix = ctx.world.index(ctx.siteName);
      const candidates = byPod
        ? (ix.arrayVolumesByPod.get(byPod) ?? [])
        : names
          ? names.split(',').map((n) => ix.arrayVolumeByName.get(n.trim())).filter((v): v is PureVolumeRec => Boolean(v))
          : Object.values(a.volumes);
      const probe = volumeProbe(q);
      return collection(ctx, candidates.filter(probe).map((v) => volumeView(a, v)));
    },
  },
  { method: 'POST', pattern: '/api/:v/volumes', api: 'pure.volumes.create', handler: createVolumes },
  { method: 'PATCH', pattern: '/api/:v/volumes', api: 'pure.volumes.update', handler: updateVolumes },
  { method: 'DELETE', pattern: '/api/:v/volumes', api: 'pure.volumes.delete', handler: deleteVolumes },
  {
    method: 'GET',
    pattern: '/api/:v/volume-snapshots',
    api: 'pure.volume_snapshots.list',
    handler: (ctx) => {
      // volume snapshot names are <pg>.<suffix>.<vol>: the same selector applies
      const wantPg = pgSelector(new URLSearchParams({ ...(ctx.req.query.get('filter') ? { filter: ctx.req.query.get('filter')! } : {}) }));
      return collection(ctx, allVolumeSnapshots(ctx, needArray(ctx), wantPg));
    },
  },
  { method: 'GET', pattern: '/api/:v/protection-groups', api: 'pure.protection_groups.list', handler: (ctx) => collection(ctx, pgListItems(ctx, needArray(ctx))) },
  {
    method: 'POST',
    pattern: '/api/:v/protection-groups',
    api: 'pure.protection_groups.create',
    handler: (ctx) => {
      const a = needArray(ctx);
      const items = requireNames(ctx).map((n) => pgView(ctx.world, ctx.siteName, a, createProtectionGroup(ctx.world, a, n)));
      return ok({ items });
    },
  },
  { method: 'PATCH', pattern: '/api/:v/protection-groups', api: 'pure.protection_groups.update', handler: updatePgs },
  {
    method: 'DELETE',
    pattern: '/api/:v/protection-groups',
    api: 'pure.protection_groups.delete',
    handler: (ctx) => {
      const a = needArray(ctx);
      for (const n of requireNames(ctx)) {
        const pg = localPg(a, n);
        if (!pg.destroyed) throw perr(400, 'Protection group must be destroyed before it can be eradicated.', n);
        delete a.protectionGroups[n];
        for (const [k, s] of Object.entries(a.pgSnapshots)) if (s.pg === n) delete a.pgSnapshots[k];
      }
      ctx.world.touch();
      return ok({});
    },
  },
  ...(['GET', 'POST', 'DELETE'] as const).map((method) => ({ method, pattern: '/api/:v/protection-groups/volumes', api: 'pure.protection_groups.volumes', handler: pgVolumes })),
  ...(['GET', 'POST', 'PATCH', 'DELETE'] as const).map((method) => ({ method, pattern: '/api/:v/protection-groups/targets', api: 'pure.protection_groups.targets', handler: pgTargets })),
  { method: 'GET', pattern: '/api/:v/protection-group-snapshots', api: 'pure.protection_group_snapshots.list', handler: (ctx) => listPgSnapshots(ctx, false) },
  { method: 'POST', pattern: '/api/:v/protection-group-snapshots', api: 'pure.protection_group_snapshots.create', handler: createPgSnapshots },
  { method: 'GET', pattern: '/api/:v/protection-group-snapshots/transfer', api: 'pure.protection_group_snapshots.transfer', handler: (ctx) => listPgSnapshots(ctx, true) },
  { method: 'GET', pattern: '/api/:v/pods', api: 'pure.pods.list', handler: (ctx) => collection(ctx, podItems(ctx, needArray(ctx))) },
  {
    method: 'POST',
    pattern: '/api/:v/pods',
    api: 'pure.pods.create',
    handler: (ctx) => {
      const a = needArray(ctx);
      for (const n of requireNames(ctx)) createPod(ctx.world, a, n);
      return ok({ items: podItems(ctx, a).filter((p) => requireNames(ctx).includes(String(p.name))) });
    },
  },
  { method: 'PATCH', pattern: '/api/:v/pods', api: 'pure.pods.update', handler: updatePods },
  {
    method: 'POST',
    pattern: '/api/:v/pods/arrays',
    api: 'pure.pods.update',
    handler: (ctx) => {
      const a = needArray(ctx);
      for (const n of requireNames(ctx, 'group_names')) {
        const pod = a.pods[n];
        if (!pod) throw perr(400, 'Pod does not exist.', n);
        linkPod(ctx.world, ctx.siteName, a, pod);
      }
      return ok({ items: podItems(ctx, a) });
    },
  },
  { method: 'GET', pattern: '/api/:v/pod-replica-links', api: 'pure.pod_replica_links.list', handler: (ctx) => replicaLinks(ctx, false) },
  { method: 'GET', pattern: '/api/:v/pod-replica-links/lag', api: 'pure.pod_replica_links.list', handler: (ctx) => replicaLinks(ctx, true) },
  {
    method: 'POST',
    pattern: '/api/:v/pod-replica-links',
    api: 'pure.pod_replica_links.update',
    handler: (ctx) => {
      const a = needArray(ctx);
      const peer = peerArray(ctx.world, ctx.siteName);
      const remotes = requireNames(ctx, 'remote_names');
      if (!peer || !remotes.includes(peer.array.name)) throw perr(400, 'The remote array is not connected.', remotes[0]);
      for (const n of requireNames(ctx, 'local_pod_names')) {
        const pod = a.pods[n];
        if (!pod) throw perr(400, 'Pod does not exist.', n);
        const remotePod = (list(ctx.req.query, 'remote_pod_names') ?? [n])[0]!;
        if (remotePod !== n) throw perr(400, 'The drctl mock links pods of the same name only.', remotePod);
        if (pod.linked && peer.array.pods[n]?.linked) throw perr(400, 'Pod replica link already exists.', n);
        linkPod(ctx.world, ctx.siteName, a, pod);
      }
      return replicaLinks(ctx, false);
    },
  },
  {
    method: 'PATCH',
    pattern: '/api/:v/pod-replica-links',
    api: 'pure.pod_replica_links.update',
    handler: (ctx) => {
      const a = needArray(ctx);
      const body = bodyObject(ctx.req);
      for (const n of requireNames(ctx, 'local_pod_names')) {
        const pod = a.pods[n];
        if (!pod?.linked) throw perr(400, 'Pod replica link does not exist.', n);
        if (typeof body.paused === 'boolean') pod.paused = body.paused;
      }
      ctx.world.touch();
      return replicaLinks(ctx, false);
    },
  },
];

/** Every GET serves continuation pages from the query's cursor (see paged). */
export const pureRoutes: Route[] = routes.map((r) => (r.method === 'GET' ? { ...r, handler: paged(r.handler) } : r));

/** Size in GiB (rounded up) of an array volume, as Cinder reports it. */
export function gib(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / GiB));
}
export const GIB = GiB;
