/**
 * A small local OpenStack stand-in on node:http for client tests (independent of src/mock): real
 * Keystone v3 token issue (password + application credential, X-Subject-Token, catalog), token checks
 * on every service call, version documents, and a per-test handler for the service routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudConfig } from '../../../src/providers/openstack/clouds.js';

export type FakeService = 'keystone' | 'nova' | 'cinder' | 'neutron';

export interface FakeReq {
  service: FakeService;
  method: string;
  /** path below the versioned service root: `/servers/detail` (Cinder: below /v3/{project}) */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  url: string;
}

export interface FakeRes {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeCloudOptions {
  handler?: (req: FakeReq, ctx: FakeCloud) => FakeRes | undefined | Promise<FakeRes | undefined>;
  region?: string;
  tokenTtlMs?: number;
  /** Clock for token expiry in the fake (ms epoch). */
  now?: () => number;
  novaRange?: [string, string];
  cinderRange?: [string, string];
  /** Leave these service types out of the catalog. */
  omit?: string[];
  /** Catalog type used for Cinder (default volumev3). */
  cinderType?: string;
}

export interface FakeCloud {
  url: string;
  projectId: string;
  requests: FakeReq[];
  tokens: Set<string>;
  issued: number;
  password: string;
  appCredSecret: string;
  cloud(over?: Partial<CloudConfig>): CloudConfig;
  appCredCloud(): CloudConfig;
  revokeAll(): void;
  count(service?: FakeService): number;
  close(): Promise<void>;
}

const PROJECT = 'a6944d763bf64ee6a275f1263fae0352';

export async function startFakeCloud(opts: FakeCloudOptions = {}): Promise<FakeCloud> {
  const region = opts.region ?? 'RegionOne';
  const now = opts.now ?? Date.now;
  let n = 0;
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctx: FakeCloud = {
    url: origin,
    projectId: PROJECT,
    requests: [],
    tokens: new Set(),
    issued: 0,
    password: 'pw-Secret-123',
    appCredSecret: 'ac-Secret-456',
    cloud: (over = {}) => ({
      name: 'site-a',
      authType: 'password',
      auth: { authUrl: `${origin}/identity/v3`, username: 'demo', password: ctx.password, userDomainName: 'Default', projectName: 'demo', projectDomainName: 'Default' },
      regionName: region,
      interface: 'public',
      verify: true,
      ...over,
    }),
    appCredCloud: () => ({
      name: 'site-a-appcred',
      authType: 'v3applicationcredential',
      auth: { authUrl: `${origin}/identity`, applicationCredentialId: 'ac1', applicationCredentialSecret: ctx.appCredSecret },
      regionName: region,
      interface: 'public',
      verify: true,
    }),
    revokeAll: () => ctx.tokens.clear(),
    count: (service) => ctx.requests.filter((r) => !service || r.service === service).length,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };

  const catalog = () =>
    [
      { type: 'identity', name: 'keystone', url: `${origin}/identity` },
      { type: 'compute', name: 'nova', url: `${origin}/compute/v2.1` },
      { type: opts.cinderType ?? 'volumev3', name: 'cinderv3', url: `${origin}/volume/v3/${PROJECT}` },
      { type: 'network', name: 'neutron', url: `${origin}/network` },
    ]
      .filter((s) => !(opts.omit ?? []).includes(s.type))
      .map((s, i) => ({
        id: `svc${i}`,
        type: s.type,
        name: s.name,
        endpoints: [
          { id: `e${i}a`, interface: 'public', region_id: region, region, url: s.url },
          { id: `e${i}b`, interface: 'internal', region_id: region, region, url: s.url.replace('127.0.0.1', 'internal.invalid') },
          { id: `e${i}c`, interface: 'public', region_id: 'OtherRegion', region: 'OtherRegion', url: s.url.replace('127.0.0.1', 'other-region.invalid') },
        ],
      }));

  function send(res: ServerResponse, r: FakeRes) {
    const body = r.body === undefined ? '' : JSON.stringify(r.body);
    res.writeHead(r.status, { 'Content-Type': 'application/json', ...(r.headers ?? {}) });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const u = new URL(req.url ?? '/', origin);
    const p = u.pathname;
    let service: FakeService;
    let path: string;
    if (p.startsWith('/identity')) {
      service = 'keystone';
      path = p.replace(/^\/identity(\/v3)?/, '') || '/';
    } else if (p.startsWith('/compute')) {
      service = 'nova';
      path = p.replace(/^\/compute(\/v2\.1)?/, '') || '/';
    } else if (p.startsWith('/volume')) {
      service = 'cinder';
      path = p.replace(/^\/volume(\/v3(\/[0-9a-f]+)?)?/, '') || '/';
    } else if (p.startsWith('/network')) {
      service = 'neutron';
      path = p.replace(/^\/network(\/v2\.0)?/, '') || '/';
    } else {
      return send(res, { status: 404, body: { error: 'no such service' } });
    }
    const fr: FakeReq = { service, method: req.method ?? 'GET', path, query: u.searchParams, headers: req.headers, body, url: u.toString() };
    ctx.requests.push(fr);

    // Keystone token issue
    if (service === 'keystone' && fr.method === 'POST' && path === '/auth/tokens') {
      const a = (body as { auth?: { identity?: Record<string, unknown>; scope?: unknown } })?.auth;
      const methods = (a?.identity?.methods as string[]) ?? [];
      let ok = false;
      let appCred = false;
      if (methods[0] === 'password') {
        const user = (a?.identity?.password as { user?: { password?: string } })?.user;
        ok = user?.password === ctx.password && a?.scope !== undefined;
      } else if (methods[0] === 'application_credential') {
        appCred = true;
        if (a?.scope) return send(res, { status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'Application credentials cannot request a scope.' } } });
        const cred = a?.identity?.application_credential as { id?: string; secret?: string };
        if (cred?.id !== 'ac1') return send(res, { status: 404, body: { error: { code: 404, title: 'Not Found', message: `Could not find Application Credential: ${cred?.id}.` } } });
        ok = cred?.secret === ctx.appCredSecret;
      }
      if (!ok) return send(res, { status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } } });
      const token = `gAAAAAB-fake-token-${++n}-${'x'.repeat(40)}`;
      ctx.tokens.add(token);
      ctx.issued++;
      const issued = now();
      return send(res, {
        status: 201,
        headers: { 'X-Subject-Token': token, Connection: 'close' },
        body: {
          token: {
            methods: [appCred ? 'application_credential' : 'password'],
            expires_at: new Date(issued + (opts.tokenTtlMs ?? 3_600_000)).toISOString(),
            issued_at: new Date(issued).toISOString(),
            project: { id: PROJECT, name: 'demo', domain: { id: 'default', name: 'Default' } },
            user: { id: 'u1', name: 'demo', domain: { id: 'default', name: 'Default' } },
            roles: [{ id: 'r1', name: 'member' }],
            catalog: catalog(),
            ...(appCred ? { application_credential: { id: 'ac1', name: 'drctl', restricted: true } } : {}),
          },
        },
      });
    }
    // Version documents (no token needed)
    if (fr.method === 'GET' && (p === '/compute/' || p === '/compute')) {
      const [min, max] = opts.novaRange ?? ['2.1', '2.93'];
      return send(res, { status: 200, body: { versions: [{ id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '' }, { id: 'v2.1', status: 'CURRENT', version: max, min_version: min }] } });
    }
    if (fr.method === 'GET' && (p === '/volume/' || p === '/volume')) {
      const [min, max] = opts.cinderRange ?? ['3.0', '3.70'];
      return send(res, { status: 300, body: { versions: [{ id: 'v3.0', status: 'CURRENT', version: max, min_version: min }] } });
    }
    const tok = req.headers['x-auth-token'];
    if (typeof tok !== 'string' || !ctx.tokens.has(tok)) {
      return send(res, { status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }, headers: { 'WWW-Authenticate': `Keystone uri="${origin}/identity"` } });
    }
    const out = await opts.handler?.(fr, ctx);
    if (out) return send(res, out);
    send(res, { status: 404, body: service === 'neutron' ? { NeutronError: { type: 'HTTPNotFound', message: `The resource could not be found.`, detail: '' } } : { itemNotFound: { code: 404, message: `no fake route for ${fr.method} ${path}` } } });
  }

  return ctx;
}
