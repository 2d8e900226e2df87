/**
 * One authenticated conversation with one OpenStack site (one clouds.yaml entry).
 *
 * - Keystone v3 POST /auth/tokens (201 + X-Subject-Token): password auth project-scoped, application
 *   credentials unscoped. The token is cached until `refreshMarginMs` before `expires_at`; concurrent
 *   callers share one in-flight authentication.
 * - Every service call carries X-Auth-Token; a 401 from a service invalidates the token,
 *   re-authenticates ONCE and retries the call once; a second 401 is DRCTL_E2024.
 * - Endpoints come from the token's catalog: official service type then aliases (block-storage =
 *   volumev3, volumev2, volume, block-store), the cloud's interface (default public) and region_id.
 * - Microversions: Nova 2.79 and Cinder 3.60 are sent on every call; the service's version document is
 *   fetched once per session and checked (min ≤ wanted ≤ max), otherwise DRCTL_E2023 before any call.
 * - Non-2xx answers become typed DrctlErrors carrying the API's message (errors.ts).
 * - `paginate` follows `<key>_links` rel=next until it disappears (Nova, Cinder, Neutron).
 */
import type { HttpClient, HttpMethod, HttpResponse } from '../http.js';
import { SecretRegistry } from '../redact.js';
import { DrctlError } from '../../errors.js';
import type { CloudConfig } from './clouds.js';
import { apiError, OS_CODES, parseFault } from './errors.js';
import { buildAuthRequest, describeCatalog, findEndpoint, parseToken, type Token } from './keystone.js';
import { arr, isObj, nextLink, obj, optStr } from './parse.js';

export type ServiceType = 'compute' | 'block-storage' | 'network' | 'identity';

/** Short names used in messages, labels and request counters. */
export const SERVICE_NAME: Record<ServiceType, string> = {
  compute: 'nova',
  'block-storage': 'cinder',
  network: 'neutron',
  identity: 'keystone',
};

/** The microversions drctl speaks (BRIEF "Microversions drctl speaks"). */
export const MICROVERSIONS = {
  compute: '2.79',
  'block-storage': '3.60',
} as const;

export interface ApiRequest {
  method: HttpMethod;
  /** Path below the service endpoint (`/servers/detail`), or an absolute URL (a next link). */
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Statuses the caller handles itself (no error thrown), e.g. [404] for lookups. */
  okStatuses?: number[];
  /** POST that is safe to repeat (see http.ts). */
  idempotent?: boolean;
  /** Hint attached to errors of this call (e.g. what the step was doing). */
  hint?: string;
}

export interface SessionOptions {
  site: string;
  cloud: CloudConfig;
  http: HttpClient;
  /** ms epoch clock (token expiry). */
  now?: () => number;
  secrets?: SecretRegistry;
  /** Re-authenticate this long before expires_at (default 120 s, capped at half the token lifetime). */
  refreshMarginMs?: number;
  /** Override the microversions sent (tests, or a deliberately older cloud). */
  microversions?: Partial<Record<'compute' | 'block-storage', string>>;
  /** Skip the version-document check (the header is still sent). */
  skipVersionCheck?: boolean;
  logger?: { debug?(msg: string): void; warn(msg: string): void };
}

/** Microversion "2.79" → [2, 79]; "" or garbage → undefined. */
export function parseMicroversion(v: string | undefined): [number, number] | undefined {
  if (!v) return undefined;
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function compareMicroversions(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

export interface VersionRange {
  id: string;
  min?: string;
  max?: string;
  status?: string;
}

/**
 * The entry for our API major version in a version document: either `{versions:[...]}` (service root)
 * or `{version:{...}}` (versioned root).
 */
export function parseVersionDocument(body: unknown, major: 'compute' | 'block-storage'): VersionRange | undefined {
  const b = obj(body);
  const entries = Array.isArray(b.versions) ? arr(b.versions) : isObj(b.version) ? [b.version] : [];
  const want = major === 'compute' ? /^v2\.1$/ : /^v3(\.0)?$/;
  for (const e of entries.filter(isObj)) {
    const id = optStr(e.id) ?? '';
    if (want.test(id)) return { id, min: optStr(e.min_version), max: optStr(e.version), status: optStr(e.status) };
  }
  return undefined;
}

/** URL of the unversioned root of a versioned endpoint: http://h/compute/v2.1/abc → http://h/compute/ */
export function unversionedRoot(endpoint: string): string {
  const u = new URL(endpoint);
  u.pathname = u.pathname.replace(/\/v\d+(\.\d+)?(\/.*)?$/, '/') || '/';
  u.search = '';
  return u.toString();
}

function joinUrl(base: string, path: string, query?: ApiRequest['query']): string {
  let url = /^https?:\/\//.test(path) ? path : `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.append(k, String(v));
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  return url;
}

/** Relative form of a URL for labels and errors. */
function relPath(base: string, url: string): string {
  if (url.startsWith(base)) return url.slice(base.replace(/\/+$/, '').length) || '/';
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

export class OpenStackSession {
  readonly site: string;
  readonly cloud: CloudConfig;
  private readonly http: HttpClient;
  private readonly now: () => number;
  readonly secrets: SecretRegistry;
  private readonly refreshMarginMs: number;
  private readonly microversions: Record<'compute' | 'block-storage', string>;
  private readonly skipVersionCheck: boolean;
  private readonly logger?: SessionOptions['logger'];
  private tokenValue?: string;
  private tokenInfo?: Token;
  private inflight?: Promise<{ value: string; info: Token }>;
  private readonly versionChecks = new Map<string, Promise<void>>();
  /** Per service: the first call made with the current token, which concurrent calls wait for (see request()). */
  private readonly firstCalls = new Map<ServiceType, Promise<void>>();
  private firstCallsToken?: string;
  /** Number of successful authentications (tests, benchmarks). */
  authCount = 0;
  /** `Date` header of the last service response (the site's clock; discovery measures lag with it). */
  lastResponseDate?: string;

  constructor(opts: SessionOptions) {
    this.site = opts.site;
    this.cloud = opts.cloud;
    this.http = opts.http;
    this.now = opts.now ?? Date.now;
    this.secrets = opts.secrets ?? new SecretRegistry();
    this.secrets.add(opts.cloud.auth.password);
    this.secrets.add(opts.cloud.auth.applicationCredentialSecret);
    this.refreshMarginMs = opts.refreshMarginMs ?? 120_000;
    this.microversions = { ...MICROVERSIONS, ...opts.microversions };
    this.skipVersionCheck = opts.skipVersionCheck === true;
    this.logger = opts.logger;
  }

  /** Keystone v3 base URL from auth_url (`http://h:5000` and `http://h:5000/v3` both work). */
  identityUrl(): string {
    const u = this.cloud.auth.authUrl.replace(/\/+$/, '');
    if (/\/v3$/.test(u)) return u;
    if (/\/v2\.0$/.test(u)) return u.replace(/\/v2\.0$/, '/v3');
    return `${u}/v3`;
  }

  /** The current token's data (authenticating if needed). */
  async token(): Promise<Token> {
    return (await this.ensureToken()).info;
  }

  /** Forget the cached token (next call re-authenticates). */
  invalidate(): void {
    this.tokenValue = undefined;
    this.tokenInfo = undefined;
  }

  private fresh(): boolean {
    if (!this.tokenValue || !this.tokenInfo) return false;
    const lifetime = this.tokenInfo.expiresAt - (this.tokenInfo.issuedAt ?? this.tokenInfo.expiresAt - 2 * this.refreshMarginMs);
    const margin = Math.min(this.refreshMarginMs, Math.max(0, lifetime / 2));
    return this.now() < this.tokenInfo.expiresAt - margin;
  }

  private async ensureToken(): Promise<{ value: string; info: Token }> {
    if (this.fresh()) return { value: this.tokenValue!, info: this.tokenInfo! };
    if (!this.inflight) {
      this.inflight = this.authenticate().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async authenticate(): Promise<{ value: string; info: Token }> {
    const url = `${this.identityUrl()}/auth/tokens`;
    const res = await this.http.request({
      method: 'POST',
      url,
      json: buildAuthRequest(this.cloud),
      site: this.site,
      service: 'keystone',
      label: `${this.site} keystone POST /auth/tokens`,
      // Issuing a token is safe to repeat: a lost answer only leaves an unused token behind.
      idempotent: true,
    });
    if (res.status !== 201 && res.status !== 200) throw this.authError(res);
    const value = res.headers['x-subject-token'];
    if (!value) {
      throw new DrctlError('DRCTL_E2037', `${this.site} keystone POST /auth/tokens → ${res.status} without an X-Subject-Token header`, {
        hint: 'auth_url must point at Keystone v3 (e.g. https://keystone.example.com:5000/v3).',
        details: { site: this.site, service: 'keystone', status: res.status },
      });
    }
    this.secrets.add(value);
    const info = parseToken(res.json);
    this.tokenValue = value;
    this.tokenInfo = info;
    this.authCount++;
    return { value, info };
  }

  private authError(res: HttpResponse): DrctlError {
    const f = parseFault(res);
    const who = this.cloud.authType === 'password'
      ? `user ${this.cloud.auth.username ?? this.cloud.auth.userId} (project ${this.cloud.auth.projectName ?? this.cloud.auth.projectId})`
      : `application credential ${this.cloud.auth.applicationCredentialId ?? this.cloud.auth.applicationCredentialName}`;
    const apiMessage = this.secrets.redact(f.message);
    const details = { site: this.site, service: 'keystone', status: res.status, apiMessage, cloud: this.cloud.name };
    if (res.status === 401 || (res.status === 404 && this.cloud.authType === 'v3applicationcredential')) {
      return new DrctlError(OS_CODES.authFailed, this.secrets.redact(`${this.site} keystone: authentication failed for ${who} of cloud ${this.cloud.name} → ${res.status}${apiMessage ? `: ${apiMessage}` : ''}`), {
        hint:
          this.cloud.authType === 'v3applicationcredential'
            ? 'Check the application credential id/secret in clouds.yaml/secure.yaml; credentials are per Keystone (a site-a credential is unknown to site-b), and may have expired.'
            : 'Check username, password, domains and project in clouds.yaml/secure.yaml (or OS_PASSWORD); the user needs a role on the project.',
        details,
      });
    }
    return apiError(res, { site: this.site, service: 'keystone', method: 'POST', path: '/auth/tokens' }, (s) => this.secrets.redact(s));
  }

  /** Catalog URL of a service for this cloud's interface and region. */
  async endpoint(type: ServiceType): Promise<string> {
    const { info } = await this.ensureToken();
    const found = findEndpoint(info.catalog, { type, interface: this.cloud.interface, region: this.cloud.regionName });
    if (!found) {
      if (type === 'identity') return this.identityUrl();
      throw new DrctlError(
        OS_CODES.noEndpoint,
        `${this.site}: no ${type} endpoint (interface ${this.cloud.interface}${this.cloud.regionName ? `, region ${this.cloud.regionName}` : ''}) in the catalog of cloud ${this.cloud.name}; it has ${describeCatalog(info.catalog)}`,
        {
          hint: 'Check region_name and interface for this cloud in clouds.yaml against `openstack catalog list`.',
          details: { site: this.site, service: SERVICE_NAME[type], cloud: this.cloud.name },
        },
      );
    }
    let url = found.url;
    // A volumev2-typed entry still serves v3 next to it; drctl only speaks v3.
    if (type === 'block-storage') url = url.replace(/\/v[12](?=\/|$)/, '/v3');
    return url;
  }

  /** Check once per service that it supports our microversion. */
  private async checkVersion(type: 'compute' | 'block-storage', base: string): Promise<void> {
    if (this.skipVersionCheck) return;
    let p = this.versionChecks.get(type);
    if (!p) {
      p = this.negotiate(type, base);
      this.versionChecks.set(type, p);
      p.catch(() => this.versionChecks.delete(type));
    }
    return p;
  }

  private async negotiate(type: 'compute' | 'block-storage', base: string): Promise<void> {
    const name = SERVICE_NAME[type];
    const want = this.microversions[type];
    let range: VersionRange | undefined;
    for (const url of [unversionedRoot(base), base.replace(/\/+$/, '') + '/']) {
      const res = await this.http.request({ method: 'GET', url, site: this.site, service: name, label: `${this.site} ${name} GET ${relPath(base, url)}` });
      if ((res.status >= 200 && res.status < 300) || res.status === 300) {
        range = parseVersionDocument(res.json, type);
        if (range) break;
      }
    }
    if (!range) {
      this.logger?.warn(`${this.site} ${name}: no version document found at ${unversionedRoot(base)}; sending microversion ${want} without checking`);
      return;
    }
    const w = parseMicroversion(want)!;
    const min = parseMicroversion(range.min);
    const max = parseMicroversion(range.max);
    if (!min || !max || compareMicroversions(w, min) < 0 || compareMicroversions(w, max) > 0) {
      const supported = min && max ? `${range.min}–${range.max}` : 'no microversions';
      throw new DrctlError(OS_CODES.microversion, `${this.site} ${name} supports microversions ${supported}; drctl needs ${want}`, {
        hint: type === 'compute' ? 'drctl needs Nova from Train (2.79) or newer.' : 'drctl needs Cinder from Ussuri (3.60) or newer.',
        details: { site: this.site, service: name, min: range.min, max: range.max, wanted: want },
      });
    }
  }

  private microversionHeaders(type: ServiceType): Record<string, string> {
    if (type === 'compute') return { 'OpenStack-API-Version': `compute ${this.microversions.compute}`, 'X-OpenStack-Nova-API-Version': this.microversions.compute };
    if (type === 'block-storage') return { 'OpenStack-API-Version': `volume ${this.microversions['block-storage']}` };
    return {};
  }

  /**
   * The first call to a service with a token goes alone; calls to that service made meanwhile wait
   * for it to finish (whatever its outcome), then go together. The service validates a token it has
   * not seen with Keystone (keystonemiddleware) and caches the result: sent together, N calls with a
   * new token are N validations at once (on the labs' Zed under load: 8 at once took 22-35 s each,
   * one takes 2-3 s); sent after the first, they hit the service's cache. Identity calls are not gated.
   */
  private async sendFirstAlone<T>(type: ServiceType, token: string, send: () => Promise<T>): Promise<T> {
    if (type === 'identity') return send();
    if (this.firstCallsToken !== token) {
      this.firstCalls.clear();
      this.firstCallsToken = token;
    }
    const first = this.firstCalls.get(type);
    if (first) {
      await first;
      return send();
    }
    let release!: () => void;
    this.firstCalls.set(type, new Promise<void>((r) => (release = r)));
    try {
      return await send();
    } finally {
      release();
    }
  }

  /**
   * One API call. Resolves with the response for 2xx (and `okStatuses`); throws a typed DrctlError
   * for anything else. Transport failures come from the HTTP layer (DRCTL_E2001/2002/2003).
   */
  async request(type: ServiceType, req: ApiRequest): Promise<HttpResponse> {
    const base = type === 'identity' ? this.identityUrl() : await this.endpoint(type);
    if (type === 'compute' || type === 'block-storage') await this.checkVersion(type, base);
    const url = joinUrl(base, req.path, req.query);
    const name = SERVICE_NAME[type];
    const path = relPath(base, url);
    const send = async (): Promise<HttpResponse> => {
      const { value } = await this.ensureToken();
      return this.sendFirstAlone(type, value, () => this.http.request({
        method: req.method,
        url,
        headers: { ...this.microversionHeaders(type), ...req.headers, 'X-Auth-Token': value },
        json: req.json,
        site: this.site,
        service: name,
        label: `${this.site} ${name} ${req.method} ${path}`,
        idempotent: req.idempotent,
      }));
    };
    let res = await send();
    if (res.status === 401) {
      // Token revoked or expired early: re-authenticate once and try again.
      this.logger?.debug?.(`${this.site} ${name} ${req.method} ${path} → 401; re-authenticating once`);
      this.invalidate();
      res = await send();
    }
    if (res.headers.date) this.lastResponseDate = res.headers.date;
    const ok = (res.status >= 200 && res.status < 300) || (req.okStatuses?.includes(res.status) ?? false);
    if (!ok) throw apiError(res, { site: this.site, service: name, method: req.method, path, hint: req.hint }, (s) => this.secrets.redact(s));
    return res;
  }

  /**
   * GET a collection and follow `<key>_links` rel=next until it is gone. Returns the raw items.
   * `maxPages` guards against a server that keeps sending the same next link.
   */
  async paginate(type: ServiceType, path: string, key: string, query?: ApiRequest['query'], opts: { maxPages?: number; linksKey?: string } = {}): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    const maxPages = opts.maxPages ?? 10_000;
    const linksKey = opts.linksKey ?? `${key}_links`;
    const base = type === 'identity' ? this.identityUrl() : await this.endpoint(type);
    let next: string | undefined = undefined;
    let pages = 0;
    let first = true;
    while (first || next) {
      const res: HttpResponse = first ? await this.request(type, { method: 'GET', path, query }) : await this.request(type, { method: 'GET', path: next! });
      first = false;
      pages++;
      const body = obj(res.json);
      const page = body[key];
      if (!Array.isArray(page)) {
        throw new DrctlError('DRCTL_E2037', `unexpected ${SERVICE_NAME[type]} ${path} response: no "${key}" array`, { details: { site: this.site, service: SERVICE_NAME[type] } });
      }
      items.push(...page);
      const href = nextLink(body, linksKey);
      if (!href || page.length === 0) break;
      next = rebase(base, href);
      if (seen.has(next) || pages >= maxPages) {
        throw new DrctlError('DRCTL_E2037', `${this.site} ${SERVICE_NAME[type]} ${path}: pagination does not end (next link repeats after ${pages} pages)`, {
          details: { site: this.site, service: SERVICE_NAME[type], pages },
        });
      }
      seen.add(next);
    }
    return items;
  }
}

/**
 * Next links are absolute and built from the service's own idea of its public URL, which behind a
 * proxy may not be the catalog URL we reached it by: keep the path and query, use our endpoint's origin.
 */
export function rebase(endpoint: string, href: string): string {
  try {
    const e = new URL(endpoint);
    const h = new URL(href, endpoint);
    if (h.origin === e.origin) return h.toString();
    return `${e.origin}${h.pathname}${h.search}`;
  } catch {
    return href;
  }
}
