/**
 * The mock's HTTP server: one listener per site on 127.0.0.1 (ephemeral port unless given), serving
 * that site's Keystone (/identity), Nova (/compute/v2.1), Cinder (/volume/v3/{project}), Neutron
 * (/network/v2.0) and array (/array/api/..., also /api/...). An `unreachable` fault closes the site's
 * listener (connection refused) until cleared; the server notices faults written by other processes.
 *
 * Per request: reload the world if the file changed → latency fault → route → token (401) →
 * microversion (406) → policy / injected error faults → handler → write the world if it changed →
 * respond with a Date header on the simulated clock.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DrctlError } from '../errors.js';
import { cinderRoutes, cinderVersionDoc, CINDER_VERSIONS } from './cinder.js';
import { MockCode } from './codes.js';
import { isUnreachable, latencyMs, policyDenied, takeError } from './faults.js';
import { Router } from './http/router.js';
import { ApiError, type AuthInfo, type MockRequest, type MockResponse, type Route, type RouteContext, type ServiceName, type Version } from './http/types.js';
import { authenticate, keystoneError, keystoneRoutes, UNAUTHENTICATED } from './keystone.js';
import { neutronError, neutronRoutes } from './neutron.js';
import { faultBody, novaRoutes, novaVersionRoutes, NOVA_VERSIONS } from './nova.js';
import { checkSession, pureError, pureRoutes } from './pure.js';
import { PREFIX, siteUrls } from './urls.js';
import { MockWorld } from './world.js';
import type { CloudConfig } from '../providers/openstack/clouds.js';

/** The clients' own cloud config: the mock hands out exactly what a clouds.yaml entry would give. */
export type MockCloudConfig = CloudConfig;

export interface MockSiteAccess {
  cloud: MockCloudConfig;
  adminCloud: MockCloudConfig;
  storage: { driver: 'pure'; endpoint: string; apiToken: string } | { driver: 'ceph'; cluster: string; pool: string };
}

export interface MockServerHandle {
  sites: Record<string, MockSiteAccess>;
  /** Requests per site per service (keystone, nova, cinder, neutron, pure). */
  requestCounts(): Record<string, Record<string, number>>;
  close(): Promise<void>;
  /** The world the server serves (shared with in-process users such as the rbd runner). */
  world: MockWorld;
  /** Port of each site's listener. */
  ports: Record<string, number>;
  /** Re-reads the world file and opens/closes listeners for unreachable faults now. */
  sync(): Promise<void>;
  resetCounts(): void;
  /** Per site, per API name: requests, collection pages served, items listed, time spent (benchmarks). */
  stats(): MockStats;
}

/** What one API of one site cost the mock (see MockStats). */
export interface MockApiStats {
  requests: number;
  /** 200 GET responses carrying a collection (a top-level array: `servers`, `items`, ...). */
  pages: number;
  /** Items in those collection pages. */
  items: number;
  /** Largest `limit` a client asked for (0: none). */
  maxLimit: number;
  /** Time in the handler (routing, auth, the API's own work), ms; excludes injected latency. */
  handlerMs: number;
}

/**
 * Request statistics for benchmarks: per site and API name (`nova.servers.list`, `pure.pods.list`;
 * `<service>.-` for version documents and unknown paths, `-` outside any service). `commitMs`/`refreshMs`: time writing/reloading the
 * world file; `latencyMs`: injected latency slept. Written as JSON to `statsFile` (or the file named by
 * DRCTL_MOCK_STATS) when the server closes, so a benchmark can read what a CLI child process cost.
 */
export interface MockStats {
  sites: Record<string, Record<string, MockApiStats>>;
  handlerMs: number;
  /** World writes (change-log appends + snapshot rewrites) and their total duration (synchronous). */
  worldWrites: number;
  worldWriteMs: number;
  /** Of the writes: appended log lines, whole-snapshot rewrites (compactions, and commits of changes made outside the tracking view). */
  worldAppends: number;
  worldSnapshots: number;
  worldUntracked: number;
  /** Summed over requests: time a request spent writing its change (synchronous append). */
  commitMs: number;
  refreshMs: number;
  latencyMs: number;
  /** Wall time from start to close, ms. */
  uptimeMs: number;
  /** CPU time (user + system) of the whole process from start to close, ms: the mock's own when it runs alone (`drctl mock serve`). */
  processCpuMs: number;
}

export interface MockServerOptions {
  worldPath: string;
  host?: string;
  /** First port (site i listens on basePort + i); default ephemeral ports. */
  basePort?: number;
  /** Injected for tests: real clock (ms) and the sleep used for latency faults. */
  realNow?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How often to look for fault changes made by other processes (ms); 0 disables. */
  watchMs?: number;
  /** Write MockStats here on close (default: the DRCTL_MOCK_STATS environment variable, if set). */
  statsFile?: string;
}

interface ServiceDef {
  name: ServiceName;
  router: Router;
  mv?: { kind: 'compute' | 'volume'; min: Version; max: Version };
  auth: 'keystone' | 'pure';
  error(e: ApiError, origin: string): MockResponse;
}

const SERVICES: Record<ServiceName, ServiceDef> = {
  keystone: {
    name: 'keystone',
    router: new Router(keystoneRoutes),
    auth: 'keystone',
    error: (e, origin) => keystoneError(e.status, e.message, origin, e.extra.type === 'identity' ? { identity: {} } : {}),
  },
  nova: {
    name: 'nova',
    router: new Router([...novaRoutes, ...novaVersionRoutes()]),
    mv: { kind: 'compute', ...NOVA_VERSIONS },
    auth: 'keystone',
    error: (e) => faultBody(e.status, e.message),
  },
  cinder: { name: 'cinder', router: new Router(cinderRoutes), mv: { kind: 'volume', ...CINDER_VERSIONS }, auth: 'keystone', error: (e) => faultBody(e.status, e.message) },
  neutron: { name: 'neutron', router: new Router(neutronRoutes), auth: 'keystone', error: (e) => neutronError(e.status, e.message, e.extra.type) },
  pure: { name: 'pure', router: new Router(pureRoutes), auth: 'pure', error: (e) => pureError(e.status, e.message, e.extra.context) },
};

/** Policy rule names used in 403 bodies for policy-denied faults. */
const POLICY_RULES: Record<string, string> = {
  'cinder.volume_manage': 'volume_extension:volume_manage',
  'cinder.volume_unmanage': 'volume_extension:volume_unmanage',
  'cinder.manageable_volumes.list': 'volume_extension:list_manageable',
  'cinder.groups.create': 'group:create',
  'cinder.groups.update': 'group:update',
  'cinder.group_snapshots.create': 'group:create_group_snapshot',
  'nova.servers.create': 'os_compute_api:servers:create',
  'nova.servers.delete': 'os_compute_api:servers:delete',
  'nova.servers.stop': 'os_compute_api:servers:stop',
  'nova.servers.start': 'os_compute_api:servers:start',
};

function policyRule(api: string): string {
  return POLICY_RULES[api] ?? api.replace(/^(\w+)\./, (_, s: string) => (s === 'nova' ? 'os_compute_api:' : s === 'cinder' ? 'volume:' : `${s}:`)).replace(/\./g, ':');
}

function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1];
const fmt = (v: Version): string => `${v[0]}.${v[1]}`;

/** Negotiates the microversion from the request headers, or throws 400/406. */
function negotiate(def: NonNullable<ServiceDef['mv']>, headers: IncomingMessage['headers']): Version {
  let raw: string | undefined;
  const h = headers['openstack-api-version'];
  if (typeof h === 'string') {
    for (const part of h.split(',')) {
      const [kind, ver] = part.trim().split(/\s+/);
      if (kind === def.kind || (def.kind === 'volume' && kind === 'block-storage')) raw = ver;
    }
  }
  if (raw === undefined && def.kind === 'compute' && typeof headers['x-openstack-nova-api-version'] === 'string') {
    raw = headers['x-openstack-nova-api-version'];
  }
  if (raw === undefined) return def.min;
  if (raw === 'latest') return def.max;
  const v = parseVersion(raw);
  if (!v) throw new ApiError(400, `API Version String ${raw} is of invalid format. Must be of format MajorNum.MinorNum.`);
  if (cmp(v, def.min) < 0 || cmp(v, def.max) > 0) {
    throw new ApiError(406, `Version ${raw} is not supported by the API. Minimum is ${fmt(def.min)} and maximum is ${fmt(def.max)}.`);
  }
  return v;
}

function mvHeaders(def: ServiceDef, v: Version): Record<string, string> {
  if (!def.mv) return {};
  if (def.mv.kind === 'compute') {
    return { 'OpenStack-API-Version': `compute ${fmt(v)}`, 'X-OpenStack-Nova-API-Version': fmt(v), Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version' };
  }
  return { 'OpenStack-API-Version': `volume ${fmt(v)}`, Vary: 'OpenStack-API-Version' };
}

/** Splits a request path into service, versioned remainder and the service's versioned base URL. */
interface Located {
  service: ServiceName;
  rest: string;
  base: string;
  /** Answered without routing (version documents). */
  root?: MockResponse;
  /** Cinder URL names another project than the token's. */
  mismatch?: boolean;
  /** A service root outside any API version: no microversion headers. */
  unversioned?: boolean;
}

function locate(path: string, origin: string, projectId: string): Located | undefined {
  const under = (p: string) => path === p || path.startsWith(`${p}/`);
  const tail = (p: string) => path.slice(p.length) || '/';
  if (under(PREFIX.keystone)) return { service: 'keystone', rest: tail(PREFIX.keystone), base: `${origin}${PREFIX.keystone}` };
  if (under(PREFIX.nova)) {
    const rest = tail(PREFIX.nova);
    if (rest === '/') {
      return {
        service: 'nova',
        rest,
        base: `${origin}${PREFIX.nova}`,
        unversioned: true,
        root: {
          status: 200,
          body: {
            versions: [
              { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${origin}${PREFIX.nova}/v2/` }] },
              novaVersionSummary(`${origin}${PREFIX.nova}/v2.1/`),
            ],
          },
        },
      };
    }
    if (rest === '/v2.1' || rest.startsWith('/v2.1/')) return { service: 'nova', rest: rest.slice(5) || '/', base: `${origin}${PREFIX.nova}/v2.1` };
    return { service: 'nova', rest: `/__unknown${rest}`, base: `${origin}${PREFIX.nova}` };
  }
  if (under(PREFIX.cinder)) {
    const rest = tail(PREFIX.cinder);
    if (rest === '/' || rest === '/v3' || rest === '/v3/') {
      return { service: 'cinder', rest, base: `${origin}${PREFIX.cinder}`, root: { status: rest === '/' ? 300 : 200, body: { versions: [cinderVersionDoc({ origin })] } } };
    }
    if (rest.startsWith('/v3/')) {
      const segs = rest.slice(4).split('/');
      if (segs[0] && /^[0-9a-f]{32}$/.test(segs[0])) {
        const pid = segs[0];
        return { service: 'cinder', rest: `/${segs.slice(1).join('/')}`, base: `${origin}${PREFIX.cinder}/v3/${pid}`, mismatch: pid !== projectId };
      }
      return { service: 'cinder', rest: rest.slice(3), base: `${origin}${PREFIX.cinder}/v3` };
    }
    return { service: 'cinder', rest: `/__unknown${rest}`, base: `${origin}${PREFIX.cinder}` };
  }
  if (under(PREFIX.neutron)) {
    const rest = tail(PREFIX.neutron);
    if (rest === '/' ) {
      return { service: 'neutron', rest, base: `${origin}${PREFIX.neutron}`, root: { status: 200, body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin}${PREFIX.neutron}/v2.0/`, rel: 'self' }] }] } } };
    }
    if (rest === '/v2.0' || rest.startsWith('/v2.0/')) return { service: 'neutron', rest: rest.slice(5).replace(/\.json$/, '') || '/', base: `${origin}${PREFIX.neutron}/v2.0` };
    return { service: 'neutron', rest: `/__unknown${rest}`, base: `${origin}${PREFIX.neutron}` };
  }
  if (under(PREFIX.pure)) return { service: 'pure', rest: tail(PREFIX.pure), base: `${origin}${PREFIX.pure}` };
  if (under('/api')) return { service: 'pure', rest: path, base: origin };
  return undefined;
}

function novaVersionSummary(self: string): Record<string, unknown> {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: fmt(NOVA_VERSIONS.max),
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: self }],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface SiteListener {
  name: string;
  port: number;
  server?: http.Server;
}

export async function startMockServer(opts: MockServerOptions): Promise<MockServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const world = await MockWorld.open(opts.worldPath, { realNow: opts.realNow });
  // Mutating requests append their change to the world's log instead of rewriting the whole file.
  world.useChangeLog();
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const counts: Record<string, Record<string, number>> = {};
  const listeners = new Map<string, SiteListener>();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const stats: MockStats = { sites: {}, handlerMs: 0, worldWrites: 0, worldWriteMs: 0, worldAppends: 0, worldSnapshots: 0, worldUntracked: 0, commitMs: 0, refreshMs: 0, latencyMs: 0, uptimeMs: 0, processCpuMs: 0 };
  const snapshot = (): MockStats => ({
    ...stats,
    worldWrites: world.writes,
    worldWriteMs: world.writeMs,
    worldAppends: world.appends,
    worldSnapshots: world.snapshots,
    worldUntracked: world.untracked,
    uptimeMs: performance.now() - started,
    processCpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0)),
  });
  const statsFile = opts.statsFile ?? process.env.DRCTL_MOCK_STATS;
  /** API name of the request route() is answering (route is synchronous). */
  let routedApi = '-';
  const record = (siteName: string, req: IncomingMessage, out: MockResponse, ms: number): void => {
    const site = (stats.sites[siteName] ??= {});
    const a = (site[routedApi] ??= { requests: 0, pages: 0, items: 0, maxLimit: 0, handlerMs: 0 });
    a.requests++;
    a.handlerMs += ms;
    stats.handlerMs += ms;
    if (req.method !== 'GET' || out.status !== 200 || typeof out.body !== 'object' || out.body === null) return;
    const list = Object.entries(out.body).find(([k, v]) => Array.isArray(v) && !k.endsWith('_links'));
    if (!list) return;
    a.pages++;
    a.items += (list[1] as unknown[]).length;
    const limit = Number(new URL(req.url ?? '/', 'http://mock').searchParams.get('limit'));
    if (Number.isFinite(limit) && limit > a.maxLimit) a.maxLimit = limit;
  };

  const handler = (siteName: string) => async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const t0 = performance.now();
      await world.refresh();
      stats.refreshMs += performance.now() - t0;
      if (isUnreachable(world, siteName)) {
        req.socket.destroy();
        void sync();
        return;
      }
      const raw = await readBody(req);
      const lat = latencyMs(world, siteName);
      if (lat > 0) await sleep(lat);
      stats.latencyMs += lat;
      const t1 = performance.now();
      routedApi = '-';
      // Reads run on the plain data (the tracking view is for changes; it costs ~5× per read).
      const out = req.method === 'GET' || req.method === 'HEAD' ? world.readOnly(() => route(siteName, req, raw)) : route(siteName, req, raw);
      const t2 = performance.now();
      record(siteName, req, out, t2 - t1);
      // A request that changed the world answers once the change is in the file system (a crash
      // never loses what a client was told was done): one appended log line, written right here.
      if (world.isDirty) world.commitSync();
      stats.commitMs += performance.now() - t2;
      send(res, out);
    } catch (err) {
      send(res, { status: 500, body: { error: { code: 500, title: 'Internal Server Error', message: `drctl mock: ${(err as Error).message}` } } });
    }
  };

  const send = (res: ServerResponse, out: MockResponse & { service?: ServiceName }): void => {
    const headers: Record<string, string> = { Date: new Date(world.now()).toUTCString(), ...out.headers };
    let payload = '';
    if (headers['Content-Type']) {
      if (out.body !== undefined) payload = JSON.stringify(out.body);
    } else if (out.body !== undefined && out.status !== 204) {
      payload = JSON.stringify(out.body);
      // Nova's error bodies say charset; everything else plain application/json (as recorded).
      headers['Content-Type'] = out.service === 'nova' && out.status >= 400 && !('error' in (out.body as object)) ? 'application/json; charset=UTF-8' : 'application/json';
    } else if (out.status !== 204) {
      // Cinder's bodiless 200/202 answers are text/html (webob default); others JSON.
      headers['Content-Type'] = out.service === 'cinder' ? 'text/html; charset=UTF-8' : 'application/json';
    } else if (out.service === 'nova') headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(out.status, headers);
    res.end(payload);
  };

  const route = (siteName: string, req: IncomingMessage, raw: string): MockResponse & { service?: ServiceName } => {
    const site = world.data.sites[siteName]!;
    const url = new URL(req.url ?? '/', 'http://mock');
    const origin = `http://${req.headers.host ?? `${host}:${listeners.get(siteName)!.port}`}`;
    const loc = locate(url.pathname.replace(/\/+$/, '') || '/', origin, site.keystone.project.id);
    if (!loc) return { status: 404, body: { error: { code: 404, title: 'Not Found', message: `No mock service at ${url.pathname}` } } };
    const def = SERVICES[loc.service];
    routedApi = `${def.name}.-`;
    const tagged = (r: MockResponse): MockResponse & { service: ServiceName } => ({ ...r, service: def.name });
    (counts[siteName] ??= {})[def.name] = (counts[siteName]![def.name] ?? 0) + 1;
    const reqId = `req-${randomUUID()}`;
    const extra: Record<string, string> = def.name === 'pure' ? { 'X-Request-ID': reqId } : { 'x-openstack-request-id': reqId };
    if (def.name === 'nova') extra['x-compute-request-id'] = reqId;
    if (def.name === 'keystone') extra.Vary = 'X-Auth-Token';
    let mv: Version = [0, 0];
    const withHeaders = (r: MockResponse): MockResponse => tagged({ ...r, headers: { ...(loc.unversioned ? {} : mvHeaders(def, mv)), ...extra, ...r.headers } });
    try {
      if (def.mv) mv = negotiate(def.mv, req.headers);
      if (loc.root) return withHeaders(loc.root);
      let body: unknown;
      if (raw.trim()) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ApiError(400, 'Malformed request body');
        }
      }
      const mreq: MockRequest = { method: req.method ?? 'GET', path: loc.rest, query: url.searchParams, headers: req.headers, body };
      const m = def.router.match(mreq.method === 'HEAD' && !def.router.match('HEAD', mreq.path) ? 'GET' : mreq.method, mreq.path);
      if (!m) {
        if (def.router.pathExists(mreq.path)) throw new ApiError(405, 'The method is not allowed for the requested URL.');
        throw new ApiError(404, 'The resource could not be found.');
      }
      const route: Route = m.route;
      let auth: AuthInfo | undefined;
      if (!route.public) {
        if (def.auth === 'keystone') {
          const tok = req.headers['x-auth-token'];
          auth = authenticate(world, siteName, typeof tok === 'string' ? tok : undefined);
          // keystonemiddleware answers before the service: Keystone's body, no microversion headers.
          if (!auth) return tagged({ ...keystoneError(401, UNAUTHENTICATED, origin), headers: { ...keystoneError(401, UNAUTHENTICATED, origin).headers, ...extra } });
          if (loc.mismatch) throw new ApiError(400, 'Malformed request url');
        } else {
          const tok = req.headers['x-auth-token'] ?? (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
          if (!checkSession(world, siteName, typeof tok === 'string' ? tok : undefined)) {
            return withHeaders(pureError(401, 'Authentication failed: the session is invalid or has expired. Log in again.'));
          }
          auth = { userId: 'pureuser', userName: 'pureuser', roles: ['array_admin'], projectId: '', isAdmin: true };
        }
      }
      if (route.minVersion && cmp(mv, route.minVersion) < 0) throw new ApiError(404, 'The resource could not be found.');
      const api = typeof route.api === 'function' ? route.api(mreq) : route.api;
      routedApi = api;
      if (route.adminPolicy && !auth?.isAdmin) throw new ApiError(403, `Policy doesn't allow ${route.adminPolicy} to be performed.`);
      if (policyDenied(world, siteName, api)) {
        const rule = route.adminPolicy ?? policyRule(api);
        if (def.name === 'neutron') throw new ApiError(403, `(rule:${rule}) is disallowed by policy`, { type: 'PolicyNotAuthorized' });
        if (def.name === 'pure') throw new ApiError(403, 'Permission denied.');
        throw new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
      }
      const injected = takeError(world, siteName, api);
      if (injected !== undefined) throw new ApiError(injected, `Injected fault (drctl mock): ${api} failed with ${injected}.`);
      const ctx: RouteContext = {
        world,
        siteName,
        site,
        req: mreq,
        params: m.params,
        auth,
        mv,
        now: world.now(),
        base: loc.base,
        origin,
      };
      return withHeaders(route.handler(ctx));
    } catch (err) {
      if (err instanceof ApiError) return withHeaders({ ...def.error(err, origin), headers: { ...def.error(err, origin).headers, ...err.extra.headers } });
      if (DrctlError.is(err)) return withHeaders(def.error(new ApiError(400, err.message), origin));
      return withHeaders(def.error(new ApiError(500, `drctl mock internal error: ${(err as Error).message}`), origin));
    }
  };

  const open = async (l: SiteListener): Promise<void> => {
    const server = http.createServer(handler(l.name));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    l.port = (server.address() as AddressInfo).port;
    l.server = server;
  };

  const shut = async (l: SiteListener): Promise<void> => {
    const s = l.server;
    if (!s) return;
    l.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };

  let syncing: Promise<void> | undefined;
  const sync = async (): Promise<void> => {
    if (syncing) return syncing;
    syncing = (async () => {
      await world.refresh();
      for (const l of listeners.values()) {
        const down = isUnreachable(world, l.name);
        if (down && l.server) await shut(l);
        else if (!down && !l.server) {
          try {
            await open(l);
          } catch {
            /* port taken meanwhile: try again on the next sync */
          }
        }
      }
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };

  try {
    let i = 0;
    for (const name of world.siteNames()) {
      const l: SiteListener = { name, port: opts.basePort !== undefined ? opts.basePort + i : 0 };
      i++;
      listeners.set(name, l);
      await open(l);
      if (isUnreachable(world, name)) await shut(l);
    }
  } catch (err) {
    for (const l of listeners.values()) await shut(l);
    throw new DrctlError(MockCode.serveFailed, `the mock server could not listen on ${host}: ${(err as Error).message}`, {
      cause: err,
      hint: 'Choose another --port, or stop whatever holds it.',
    });
  }

  const watchMs = opts.watchMs ?? 250;
  const timer = watchMs > 0 ? setInterval(() => void sync().catch(() => undefined), watchMs) : undefined;
  timer?.unref();

  const sites: Record<string, MockSiteAccess> = {};
  for (const l of listeners.values()) sites[l.name] = siteAccess(world, l.name, `http://${host}:${l.port}`);

  return {
    sites,
    world,
    ports: Object.fromEntries([...listeners.values()].map((l) => [l.name, l.port])),
    requestCounts: () => JSON.parse(JSON.stringify(counts)) as Record<string, Record<string, number>>,
    resetCounts: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    stats: () => JSON.parse(JSON.stringify(snapshot())) as MockStats,
    sync,
    close: async () => {
      if (timer) clearInterval(timer);
      for (const l of listeners.values()) await shut(l);
      await world.commit();
      // Fold the change log into the snapshot: the file is whole again for readers of the plain JSON.
      if (world.hasLog) world.compact();
      if (statsFile) writeFileSync(statsFile, `${JSON.stringify(snapshot())}\n`);
    },
  };
}

/** How clients reach a site of the mock (clouds for the member and the admin, the array). */
export function siteAccess(world: MockWorld, name: string, origin: string): MockSiteAccess {
  const site = world.site(name);
  const u = siteUrls(origin);
  const ks = site.keystone;
  const cloud = (cloudName: string, user: { name: string; password: string }): MockCloudConfig => ({
    name: cloudName,
    authType: 'password',
    auth: {
      authUrl: u.identity,
      username: user.name,
      password: user.password,
      userDomainName: ks.domain.name,
      projectName: ks.project.name,
      projectDomainName: ks.domain.name,
    },
    regionName: site.region,
    interface: 'public',
    verify: false,
  });
  const st = site.storage;
  return {
    cloud: cloud(name, ks.users.member),
    adminCloud: cloud(`${name}-admin`, ks.users.admin),
    storage: st.driver === 'pure' ? { driver: 'pure', endpoint: u.array, apiToken: st.pure.apiToken } : { driver: 'ceph', cluster: st.ceph.cluster, pool: st.pool },
  };
}
