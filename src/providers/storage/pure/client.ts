/**
 * PureClient: FlashArray REST 2.x over the shared HttpClient (retries/TLS/timeouts live there).
 *
 * - `GET /api/api_version` (no auth) → newest 2.x version both sides support, >= 2.2 (pods promotion).
 * - `POST /api/<v>/login` with header `api-token` → session header `x-auth-token`; a 401 on any
 *   call logs in again and retries that call once (as py-pure-client's `_call_api` does).
 * - Collections page with `continuation_token` (body, or header `x-next-token`); a sorted query
 *   gets no token, so it pages with `offset` (py-pure-client `ItemIterator._refresh_data`).
 * - `errors[]` (and a gateway's top-level `message` on 403/429) become DrctlErrors DRCTL_E22xx
 *   carrying the array's message and context; 207 partial success returns items plus `errors`.
 * Tokens never reach a message: they are only ever sent as headers, and messages are scrubbed.
 */
import type { HttpClient, HttpMethod, HttpResponse } from '../../http.js';
import { DrctlError } from '../../../errors.js';
import {
  PureCode,
  classify,
  hintFor,
  pureError,
  scrub,
  isPureCode,
  type PureApiErrorItem,
} from './errors.js';
import {
  parseApiVersions,
  parseArray,
  parseCollection,
  parseGroupMember,
  parsePgSnapshot,
  parsePgSnapshotTransfer,
  parsePod,
  parsePodReplicaLink,
  parseProtectionGroup,
  parseVolume,
  parseVolumeSnapshot,
  type PureArrayInfo,
  type PureCollection,
  type PureGroupMember,
  type PurePgSnapshot,
  type PurePgSnapshotTransfer,
  type PurePod,
  type PurePodReplicaLink,
  type PureProtectionGroup,
  type PureRetention,
  type PureVolume,
  type PureVolumeSnapshot,
} from './models.js';

/** Lowest version drctl can work with: pods' requested_promotion_state and pod-replica-links need 2.2. */
export const MIN_API_VERSION = '2.2';
/** Newest version drctl was written against (PureStorage-OpenConnect/swagger FA2.56). */
export const MAX_API_VERSION = '2.56';

export interface PureClientOptions {
  /** https://array.example.com (a trailing slash or `/api` suffix is tolerated). */
  endpoint: string;
  /** The API token. Sent only as the `api-token` header of login; never logged. */
  apiToken: string;
  http: HttpClient;
  /** Site name, for messages and request labels. */
  site?: string;
  /** Per-request timeout (ms) passed to the HttpClient. */
  timeoutMs?: number;
  /** Page size for collection GETs (default 500). */
  pageSize?: number;
  /** Upper bound on pages followed for one listing (default 1000). */
  maxPages?: number;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface CallResult<T> {
  status: number;
  body: T;
  /** 207 partial success: per-item errors. */
  errors: PureApiErrorItem[];
  /** ms epoch of the response Date header, when present. */
  date?: number;
  /** Response headers (lower-case keys as the HttpClient gives them). */
  headers: Record<string, string>;
}

export interface ListOptions {
  names?: string[];
  filter?: string;
  sort?: string;
  destroyed?: boolean;
  /** Any extra query parameters. */
  extra?: Query;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10));
  const pb = b.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Newest 2.x version offered by the array within [MIN, MAX]; undefined when none. */
export function pickApiVersion(offered: string[], min = MIN_API_VERSION, max = MAX_API_VERSION): string | undefined {
  return offered
    .filter((v) => /^2\.\d+$/.test(v))
    .filter((v) => compareVersions(v, min) >= 0 && compareVersions(v, max) <= 0)
    .sort(compareVersions)
    .pop();
}

function headerOf(res: HttpResponse, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    const val = Array.isArray(v) ? v.join(',') : String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(val)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Quote a value for a Pure `filter` expression: name='x' (single quotes escaped). */
export function quoteFilter(v: string): string {
  return `'${v.replace(/'/g, "\\'")}'`;
}

export class PureClient {
  readonly endpoint: string;
  readonly site: string;
  private readonly http: HttpClient;
  private readonly apiToken: string;
  private readonly timeoutMs?: number;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private version?: string;
  private sessionToken?: string;
  private loginInFlight?: Promise<void>;
  private arrayInfo?: PureArrayInfo;
  /** ms epoch of the newest response Date header seen (the array's clock; the mock's simulated one). */
  lastResponseDate?: number;

  constructor(opts: PureClientOptions) {
    this.endpoint = opts.endpoint.replace(/\/+$/, '').replace(/\/api$/, '');
    this.apiToken = opts.apiToken;
    this.http = opts.http;
    this.site = opts.site ?? this.endpoint;
    this.timeoutMs = opts.timeoutMs;
    this.pageSize = opts.pageSize ?? 500;
    this.maxPages = opts.maxPages ?? 1000;
  }

  // ---------------------------------------------------------------------------- session

  /** Negotiated REST version (discovers it on first use). */
  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    const res = await this.send('GET', `${this.endpoint}/api/api_version`, undefined, {}, 'GET /api/api_version');
    if (res.status !== 200) {
      throw pureError(
        PureCode.apiVersion,
        `${this.site}: GET /api/api_version answered HTTP ${res.status}; is ${this.endpoint} a FlashArray?`,
        this.details({ method: 'GET', path: '/api/api_version', status: res.status }),
        { hint: hintFor(PureCode.apiVersion) },
      );
    }
    const offered = parseApiVersions(res.json).version;
    const v = pickApiVersion(offered);
    if (!v) {
      const newest2 = offered.filter((x) => x.startsWith('2.')).sort(compareVersions).pop();
      throw pureError(
        PureCode.apiVersion,
        `${this.site}: the array offers REST ${newest2 ? `up to ${newest2}` : 'no 2.x version'}; drctl needs ${MIN_API_VERSION} or newer`,
        this.details({ method: 'GET', path: '/api/api_version', status: res.status, offered }),
        { hint: hintFor(PureCode.apiVersion) },
      );
    }
    this.version = v;
    return v;
  }

  /** Log in (again). Concurrent callers share one login. */
  async login(): Promise<void> {
    if (!this.loginInFlight) {
      this.loginInFlight = this.doLogin().finally(() => {
        this.loginInFlight = undefined;
      });
    }
    return this.loginInFlight;
  }

  private async doLogin(): Promise<void> {
    const v = await this.apiVersion();
    this.sessionToken = undefined;
    const res = await this.send('POST', `${this.endpoint}/api/${v}/login`, undefined, { 'api-token': this.apiToken }, `POST /api/${v}/login`);
    if (res.status !== 200) {
      const items = this.errorItems(res);
      const msg = items.map((e) => e.message).filter(Boolean).join('; ') || `HTTP ${res.status}`;
      throw pureError(
        PureCode.auth,
        this.clean(`${this.site}: login to ${this.endpoint} failed (HTTP ${res.status}): ${msg}`),
        this.details({ method: 'POST', path: '/login', status: res.status, errors: this.cleanItems(items) }),
        { hint: hintFor(PureCode.auth) },
      );
    }
    const token = headerOf(res, 'x-auth-token');
    if (!token) {
      throw pureError(
        PureCode.auth,
        `${this.site}: login to ${this.endpoint} returned no x-auth-token header`,
        this.details({ method: 'POST', path: '/login', status: res.status }),
        { hint: hintFor(PureCode.auth) },
      );
    }
    this.sessionToken = token;
  }

  /** POST /logout; best effort. */
  async logout(): Promise<void> {
    if (!this.sessionToken || !this.version) return;
    try {
      await this.send('POST', `${this.endpoint}/api/${this.version}/logout`, undefined, { 'x-auth-token': this.sessionToken }, 'POST /logout');
    } finally {
      this.sessionToken = undefined;
    }
  }

  // ---------------------------------------------------------------------------- transport

  private details(d: Record<string, unknown>) {
    return { site: this.site, endpoint: this.endpoint, ...d };
  }

  private clean(s: string): string {
    return scrub(s, [this.apiToken, this.sessionToken]);
  }

  private cleanItems(items: PureApiErrorItem[]): PureApiErrorItem[] {
    return items.map((e) => ({
      context: e.context == null ? e.context : this.clean(e.context),
      message: e.message == null ? e.message : this.clean(e.message),
      ...(e.location_context != null ? { location_context: this.clean(e.location_context) } : {}),
    }));
  }

  private errorItems(res: HttpResponse): PureApiErrorItem[] {
    const body = res.json as Record<string, unknown> | undefined;
    if (body && Array.isArray(body.errors)) {
      return body.errors.map((e: unknown) => {
        const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
        return {
          context: typeof o.context === 'string' ? o.context : null,
          message: typeof o.message === 'string' ? o.message : null,
          location_context: typeof o.location_context === 'string' ? o.location_context : null,
        };
      });
    }
    // Gateway 403/429 bodies: {"message": "..."}
    if (body && typeof body.message === 'string') return [{ context: null, message: body.message }];
    if (!body && res.text && res.text.length < 300) return [{ context: null, message: res.text.trim() }];
    return [];
  }

  private async send(method: HttpMethod, url: string, json: unknown, headers: Record<string, string>, label: string): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.http.request({
        method,
        url,
        headers,
        json,
        timeoutMs: this.timeoutMs,
        label: `${this.site} pure ${label}`,
        site: this.site,
        service: 'pure',
        // Logging in again is harmless, so the HTTP layer may retry it like a GET.
        ...(label.endsWith('/login') ? { idempotent: true } : {}),
      });
    } catch (err) {
      if (DrctlError.is(err)) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw pureError(
        PureCode.unreachable,
        this.clean(`${this.site}: array ${this.endpoint} unreachable (${label}): ${reason}`),
        this.details({ method, path: label }),
        { hint: hintFor(PureCode.unreachable), cause: err },
      );
    }
    const date = headerOf(res, 'date');
    if (date) {
      const ms = Date.parse(date);
      if (Number.isFinite(ms)) this.lastResponseDate = ms;
    }
    return res;
  }

  /**
   * One authenticated call. `path` starts with "/" and excludes `/api/<v>`.
   * Resolves for 200/201/207; throws a typed DrctlError for everything else.
   */
  async call<T = unknown>(method: HttpMethod, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<CallResult<T>> {
    const v = await this.apiVersion();
    if (!this.sessionToken) await this.login();
    const url = `${this.endpoint}/api/${v}${path}${encodeQuery(opts.query)}`;
    const label = `${method} ${path}`;
    let res = await this.send(method, url, opts.body, { 'x-auth-token': this.sessionToken ?? '' }, label);
    if (res.status === 401) {
      await this.login();
      res = await this.send(method, url, opts.body, { 'x-auth-token': this.sessionToken ?? '' }, label);
      if (res.status === 401) {
        const items = this.errorItems(res);
        throw pureError(
          PureCode.auth,
          this.clean(`${this.site}: ${label} still unauthorized after a fresh login: ${items.map((e) => e.message).join('; ') || 'HTTP 401'}`),
          this.details({ method, path, status: 401, errors: this.cleanItems(items) }),
          { hint: hintFor(PureCode.auth) },
        );
      }
    }
    const date = headerOf(res, 'date');
    const dateMs = date ? Date.parse(date) : NaN;
    if (res.status === 200 || res.status === 201 || res.status === 207) {
      if (res.json === undefined && res.text.trim() !== '') {
        throw pureError(PureCode.badResponse, `${this.site}: ${label} returned a body that is not JSON`, this.details({ method, path, status: res.status }));
      }
      const errors = res.status === 207 ? this.cleanItems(this.errorItems(res)) : [];
      return { status: res.status, body: res.json as T, errors, date: Number.isFinite(dateMs) ? dateMs : undefined, headers: res.headers };
    }
    throw this.toError(method, path, res);
  }

  private toError(method: string, path: string, res: HttpResponse): DrctlError {
    const items = this.cleanItems(this.errorItems(res));
    const messages = items.map((e) => e.message ?? '').filter(Boolean);
    const code = classify(res.status, messages);
    const ctx = items.map((e) => e.context).filter((c): c is string => !!c);
    const text = messages.length ? messages.join('; ') : `HTTP ${res.status}`;
    const requestId = headerOf(res, 'x-request-id');
    return pureError(
      code,
      this.clean(`${this.site}: ${method} ${path} failed (HTTP ${res.status}): ${text}${ctx.length ? ` [${[...new Set(ctx)].join(', ')}]` : ''}`),
      this.details({ method, path, status: res.status, errors: items, ...(requestId ? { requestId } : {}) }),
      { hint: hintFor(code) },
    );
  }

  /**
   * GET a whole collection, following continuation tokens (or offsets for sorted queries).
   * Returns items of all pages and the Date of the last response.
   */
  async list<T>(path: string, item: (x: unknown) => T, query: Query = {}): Promise<{ items: T[]; date?: number; errors: PureApiErrorItem[] }> {
    const items: T[] = [];
    const errors: PureApiErrorItem[] = [];
    const sorted = query.sort !== undefined;
    const baseOffset = typeof query.offset === 'number' ? query.offset : 0;
    let q: Query = { limit: this.pageSize, ...query };
    let date: number | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const r = await this.call<unknown>('GET', path, { query: q });
      date = r.date ?? date;
      errors.push(...r.errors);
      const coll: PureCollection<T> = parseCollection(r.body, item);
      items.push(...coll.items);
      // The spec also sends the token in header x-next-token.
      const token = coll.continuation_token ?? r.headers['x-next-token'] ?? undefined;
      if (coll.items.length === 0) break;
      if (token && coll.more_items_remaining !== false) {
        q = { ...query, limit: q.limit, continuation_token: token };
        delete q.offset;
        continue;
      }
      const total = coll.total_item_count;
      const more = coll.more_items_remaining === true || (total !== null && baseOffset + items.length < total);
      if (sorted && more) {
        q = { ...query, limit: q.limit, offset: baseOffset + items.length };
        continue;
      }
      break;
    }
    return { items, date, errors };
  }

  private listQuery(o: ListOptions = {}): Query {
    return {
      ...(o.names && o.names.length ? { names: o.names } : {}),
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.sort ? { sort: o.sort } : {}),
      ...(o.destroyed !== undefined ? { destroyed: o.destroyed } : {}),
      ...(o.extra ?? {}),
    };
  }

  /** Like `list`, but a "does not exist" answer for explicit names yields []. */
  private async listTolerant<T>(path: string, item: (x: unknown) => T, query: Query) {
    try {
      return await this.list(path, item, query);
    } catch (err) {
      if (isPureCode(err, PureCode.notFound)) return { items: [] as T[], date: this.lastResponseDate, errors: [] };
      throw err;
    }
  }

  // ---------------------------------------------------------------------------- arrays

  async getArrays(): Promise<PureArrayInfo[]> {
    return (await this.list('/arrays', parseArray)).items;
  }

  /** This array's identity (cached). */
  async arrayName(): Promise<string> {
    if (!this.arrayInfo) {
      const arrays = await this.getArrays();
      if (!arrays[0]?.name) throw pureError(PureCode.badResponse, `${this.site}: GET /arrays returned no array`, this.details({ method: 'GET', path: '/arrays' }));
      this.arrayInfo = arrays[0];
    }
    return this.arrayInfo.name;
  }

  // ---------------------------------------------------------------------------- volumes

  async getVolumes(o: ListOptions = {}): Promise<PureVolume[]> {
    return (await this.listTolerant('/volumes', parseVolume, this.listQuery(o))).items;
  }

  /** POST /volumes?names=<name>[&overwrite=true] {"source":{"name":<snapshot or volume>}} */
  async copyVolume(name: string, sourceName: string, opts: { overwrite?: boolean } = {}): Promise<PureVolume> {
    const r = await this.call('POST', '/volumes', {
      query: { names: [name], ...(opts.overwrite ? { overwrite: true } : {}) },
      body: { source: { name: sourceName } },
    });
    const items = parseCollection(r.body, parseVolume).items;
    return items[0] ?? { ...parseVolume({ name }), name };
  }

  /** PATCH /volumes?names=… body (e.g. {"destroyed":true} or {"pod":{"name":p}}). */
  async patchVolumes(names: string[], body: Record<string, unknown>): Promise<PureVolume[]> {
    const r = await this.call('PATCH', '/volumes', { query: { names }, body });
    return parseCollection(r.body, parseVolume).items;
  }

  /** DELETE /volumes?names=… (eradicates volumes already destroyed). */
  async eradicateVolumes(names: string[]): Promise<void> {
    await this.call('DELETE', '/volumes', { query: { names } });
  }

  async getVolumeSnapshots(o: ListOptions & { sourceNames?: string[] } = {}): Promise<PureVolumeSnapshot[]> {
    const q = this.listQuery(o);
    if (o.sourceNames?.length) q.source_names = o.sourceNames;
    return (await this.listTolerant('/volume-snapshots', parseVolumeSnapshot, q)).items;
  }

  // ---------------------------------------------------------------------------- protection groups

  async getProtectionGroups(o: ListOptions = {}): Promise<PureProtectionGroup[]> {
    return (await this.listTolerant('/protection-groups', parseProtectionGroup, this.listQuery(o))).items;
  }

  async createProtectionGroup(name: string): Promise<PureProtectionGroup> {
    const r = await this.call('POST', '/protection-groups', { query: { names: [name] } });
    return parseCollection(r.body, parseProtectionGroup).items[0] ?? parseProtectionGroup({ name });
  }

  /** PATCH bodies: {target_retention}, {replication_schedule:{frequency|enabled}}, {destroyed}. */
  async patchProtectionGroup(
    name: string,
    body: {
      target_retention?: Partial<PureRetention>;
      replication_schedule?: { enabled?: boolean; frequency?: number };
      destroyed?: boolean;
    },
  ): Promise<PureProtectionGroup> {
    const r = await this.call('PATCH', '/protection-groups', { query: { names: [name] }, body });
    return parseCollection(r.body, parseProtectionGroup).items[0] ?? parseProtectionGroup({ name });
  }

  /** Members of one group, or of every group when `groupName` is omitted (bulk status). */
  async getProtectionGroupVolumes(groupName?: string): Promise<PureGroupMember[]> {
    return (await this.listTolerant('/protection-groups/volumes', parseGroupMember, groupName ? { group_names: [groupName] } : {})).items;
  }

  async addProtectionGroupVolumes(groupName: string, volumes: string[]): Promise<PureGroupMember[]> {
    const r = await this.call('POST', '/protection-groups/volumes', { query: { group_names: [groupName], member_names: volumes } });
    return parseCollection(r.body, parseGroupMember).items;
  }

  /** Targets of one group, or of every group when `groupName` is omitted (bulk status). */
  async getProtectionGroupTargets(groupName?: string): Promise<PureGroupMember[]> {
    return (await this.listTolerant('/protection-groups/targets', parseGroupMember, groupName ? { group_names: [groupName] } : {})).items;
  }

  async addProtectionGroupTargets(groupName: string, arrays: string[]): Promise<PureGroupMember[]> {
    const r = await this.call('POST', '/protection-groups/targets', { query: { group_names: [groupName], member_names: arrays } });
    return parseCollection(r.body, parseGroupMember).items;
  }

  /** Must run on the TARGET array for group `<source>:<pg>`. */
  async allowProtectionGroupTarget(groupNameOnTarget: string, allowed = true): Promise<PureGroupMember[]> {
    const r = await this.call('PATCH', '/protection-groups/targets', { query: { group_names: [groupNameOnTarget] }, body: { allowed } });
    return parseCollection(r.body, parseGroupMember).items;
  }

  // ---------------------------------------------------------------------------- pg snapshots

  /** POST /protection-group-snapshots?source_names=pg[&replicate_now=true] {"suffix":…} */
  async createProtectionGroupSnapshot(
    pg: string,
    opts: { suffix?: string; replicateNow?: boolean; applyRetention?: boolean } = {},
  ): Promise<PurePgSnapshot> {
    const r = await this.call('POST', '/protection-group-snapshots', {
      query: {
        source_names: [pg],
        ...(opts.replicateNow ? { replicate_now: true } : {}),
        ...(opts.applyRetention ? { apply_retention: true } : {}),
      },
      body: opts.suffix ? { suffix: opts.suffix } : {},
    });
    const items = parseCollection(r.body, parsePgSnapshot).items;
    return items[0] ?? parsePgSnapshot({ name: opts.suffix ? `${pg}.${opts.suffix}` : pg, suffix: opts.suffix });
  }

  async getProtectionGroupSnapshots(o: ListOptions & { sourceNames?: string[] } = {}): Promise<PurePgSnapshot[]> {
    const q = this.listQuery(o);
    if (o.sourceNames?.length) q.source_names = o.sourceNames;
    return (await this.listTolerant('/protection-group-snapshots', parsePgSnapshot, q)).items;
  }

  async getProtectionGroupSnapshotTransfers(
    o: ListOptions & { sourceNames?: string[] } = {},
  ): Promise<{ items: PurePgSnapshotTransfer[]; date?: number }> {
    const q = this.listQuery(o);
    if (o.sourceNames?.length) q.source_names = o.sourceNames;
    const r = await this.listTolerant('/protection-group-snapshots/transfer', parsePgSnapshotTransfer, q);
    return { items: r.items, date: r.date };
  }

  // ---------------------------------------------------------------------------- pods

  async getPods(o: ListOptions = {}): Promise<PurePod[]> {
    return (await this.listTolerant('/pods', parsePod, this.listQuery(o))).items;
  }

  async createPod(name: string): Promise<PurePod> {
    const r = await this.call('POST', '/pods', { query: { names: [name] }, body: {} });
    return parseCollection(r.body, parsePod).items[0] ?? parsePod({ name });
  }

  /**
   * PATCH /pods?names=p {"requested_promotion_state": …} (ActiveDR, 2.2+).
   * Demote options: quiesce (replicate everything first) | skip_quiesce; promote: promote_from, abort_quiesce.
   */
  async setPodPromotion(
    name: string,
    state: 'promoted' | 'demoted',
    opts: { quiesce?: boolean; skipQuiesce?: boolean; promoteFrom?: string; abortQuiesce?: boolean } = {},
  ): Promise<PurePod> {
    const query: Query = { names: [name] };
    if (opts.quiesce) query.quiesce = true;
    if (opts.skipQuiesce) query.skip_quiesce = true;
    if (opts.promoteFrom) query.promote_from = opts.promoteFrom;
    if (opts.abortQuiesce) query.abort_quiesce = true;
    const r = await this.call('PATCH', '/pods', { query, body: { requested_promotion_state: state } });
    return parseCollection(r.body, parsePod).items[0] ?? parsePod({ name });
  }

  async getPodReplicaLinks(o: { localPodNames?: string[]; remotePodNames?: string[] } = {}): Promise<PurePodReplicaLink[]> {
    const q: Query = {};
    if (o.localPodNames?.length) q.local_pod_names = o.localPodNames;
    if (o.remotePodNames?.length) q.remote_pod_names = o.remotePodNames;
    return (await this.listTolerant('/pod-replica-links', parsePodReplicaLink, q)).items;
  }

  async getPodReplicaLinksLag(o: { localPodNames?: string[] } = {}): Promise<PurePodReplicaLink[]> {
    const q: Query = {};
    if (o.localPodNames?.length) q.local_pod_names = o.localPodNames;
    return (await this.listTolerant('/pod-replica-links/lag', parsePodReplicaLink, q)).items;
  }

  async createPodReplicaLink(localPod: string, remoteArray: string, remotePod: string): Promise<PurePodReplicaLink> {
    const r = await this.call('POST', '/pod-replica-links', {
      query: { local_pod_names: [localPod], remote_names: [remoteArray], remote_pod_names: [remotePod] },
    });
    return parseCollection(r.body, parsePodReplicaLink).items[0] ?? parsePodReplicaLink({});
  }

  async patchPodReplicaLink(localPod: string, remotePod: string, body: { paused: boolean }): Promise<void> {
    await this.call('PATCH', '/pod-replica-links', { query: { local_pod_names: [localPod], remote_pod_names: [remotePod] }, body });
  }
}
