/**
 * Keystone v3 of one site: password and application-credential auth, project-scoped tokens with
 * expiry (on the simulated clock), and a catalog whose endpoints point back at this site's listener.
 * Tokens are signed, not stored: validating one never writes the world, and they survive restarts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, bodyObject, type AuthInfo, type MockResponse, type Route, type RouteContext } from './http/types.js';
import { isoMicrosZ } from './http/time.js';
import { siteUrls } from './urls.js';
import type { KeystoneUser, SiteData } from './types.js';
import type { MockWorld } from './world.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const UNAUTHENTICATED = 'The request you have made requires authentication.';

/** Keystone's error body (also what keystonemiddleware sends for a bad token at any service). */
export function keystoneError(status: number, message: string, origin: string, extra: Record<string, unknown> = {}): MockResponse {
  const headers: Record<string, string> = {};
  if (status === 401) headers['WWW-Authenticate'] = `Keystone uri="${origin}/identity/v3"`;
  return { status, headers, body: { error: { code: status, title: TITLES[status] ?? 'Error', message, ...extra } } };
}

interface TokenPayload {
  /** site */
  s: string;
  /** user id */
  u: string;
  /** project id ('' = unscoped) */
  p: string;
  /** methods */
  m: string[];
  /** issued, expires (sim ms) */
  i: number;
  e: number;
  /** audit id */
  a: string;
  /** application credential id */
  c?: string;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}

export function issueToken(world: MockWorld, p: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  return `gAAAAA${body}.${sign(world.data.secret, body)}`;
}

export function readToken(world: MockWorld, token: string | undefined): TokenPayload | undefined {
  if (!token || !token.startsWith('gAAAAA')) return undefined;
  const [body, sig] = token.slice(6).split('.');
  if (!body || !sig) return undefined;
  const want = Buffer.from(sign(world.data.secret, body));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return undefined;
  }
}

function userById(site: SiteData, id: string): KeystoneUser | undefined {
  const { member, admin } = site.keystone.users;
  return member.id === id ? member : admin.id === id ? admin : undefined;
}

/** Validates an X-Auth-Token for a call to this site: the auth info, or undefined (→ 401). */
export function authenticate(world: MockWorld, siteName: string, token: string | undefined): AuthInfo | undefined {
  const p = readToken(world, token);
  if (!p || p.s !== siteName || p.e <= world.now() || !p.p) return undefined;
  const site = world.data.sites[siteName];
  if (!site) return undefined;
  const user = userById(site, p.u);
  if (!user || p.p !== site.keystone.project.id) return undefined;
  return { userId: user.id, userName: user.name, roles: user.roles, projectId: p.p, isAdmin: user.roles.includes('admin') };
}

function endpointId(serviceId: string, iface: string): string {
  return createHash('sha1').update(`${serviceId}:${iface}`).digest('hex').slice(0, 32);
}

/** The service catalog of a site, as Keystone returns it in a token. */
export function catalog(site: SiteData, origin: string): unknown[] {
  const u = siteUrls(origin);
  const ids = site.keystone.serviceIds;
  const services: { type: string; name: string; url: string }[] = [
    { type: 'identity', name: 'keystone', url: u.identity },
    { type: 'compute', name: 'nova', url: u.compute },
    { type: 'volumev3', name: 'cinderv3', url: u.volume(site.keystone.project.id) },
    { type: 'block-storage', name: 'cinder', url: u.volume(site.keystone.project.id) },
    { type: 'network', name: 'neutron', url: u.network },
  ];
  return services.map((s) => {
    const sid = ids[s.type] ?? createHash('sha1').update(`${site.name}:${s.type}`).digest('hex').slice(0, 32);
    return {
      endpoints: ['public', 'internal', 'admin'].map((iface) => ({
        id: endpointId(sid, iface),
        interface: iface,
        region_id: site.region,
        url: s.url,
        region: site.region,
      })),
      id: sid,
      type: s.type,
      name: s.name,
    };
  });
}

function tokenBody(ctx: RouteContext, p: TokenPayload, withCatalog: boolean): Record<string, unknown> {
  const site = ctx.site;
  const ks = site.keystone;
  const user = userById(site, p.u)!;
  const domain = { id: ks.domain.id, name: ks.domain.name };
  const token: Record<string, unknown> = {
    methods: p.m,
    user: { domain, id: user.id, name: user.name, password_expires_at: null },
    audit_ids: [p.a],
    expires_at: isoMicrosZ(p.e),
    issued_at: isoMicrosZ(p.i),
  };
  if (p.p) {
    token.project = { domain, id: ks.project.id, name: ks.project.name };
    token.is_domain = false;
    token.roles = user.roles.map((r) => ({ id: ks.roles[r] ?? r, name: r }));
    if (withCatalog) token.catalog = catalog(site, ctx.origin);
  }
  if (p.c) {
    const ac = ks.appCredentials.find((a) => a.id === p.c);
    token.application_credential = { id: p.c, name: ac?.name ?? '', restricted: true };
  }
  return { token };
}

function unauthorized(message = UNAUTHENTICATED): ApiError {
  return new ApiError(401, message);
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function obj(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function domainMatches(site: SiteData, d: Record<string, unknown> | undefined): boolean {
  if (!d) return false;
  return str(d.id) === site.keystone.domain.id || str(d.name) === site.keystone.domain.name;
}

function issue(ctx: RouteContext): MockResponse {
  const auth = bodyObject(ctx.req, 'auth');
  const identity = obj(auth.identity);
  const methods = identity?.methods;
  if (!identity || !Array.isArray(methods) || methods.length === 0) {
    throw new ApiError(400, "Invalid input for field 'identity': 'methods' is a required property");
  }
  const site = ctx.site;
  const ks = site.keystone;
  let user: KeystoneUser | undefined;
  let appCred: string | undefined;
  if (methods.includes('application_credential')) {
    const ac = obj(identity.application_credential);
    if (auth.scope !== undefined) {
      throw new ApiError(401, 'Error authenticating with application credential: Application credentials cannot request a scope.', { type: 'identity' });
    }
    const found = ks.appCredentials.find((a) => a.id === str(ac?.id) || (ac?.name !== undefined && a.name === str(ac.name)));
    if (!found) throw new ApiError(404, `Could not find Application Credential: ${str(ac?.id) ?? str(ac?.name) ?? ''}.`);
    if (found.secret !== str(ac?.secret)) throw unauthorized();
    user = userById(site, found.userId);
    appCred = found.id;
  } else if (methods.includes('password')) {
    const pu = obj(obj(identity.password)?.user);
    if (!pu) throw new ApiError(400, "Invalid input for field 'identity/password/user': None is not of type 'object'");
    const id = str(pu.id);
    const name = str(pu.name);
    user = [ks.users.member, ks.users.admin].find((u) => (id ? u.id === id : u.name === name && domainMatches(site, obj(pu.domain))));
    if (!user || user.password !== str(pu.password)) throw unauthorized();
  } else {
    throw unauthorized(`The request you have made requires authentication.`);
  }
  if (!user) throw unauthorized();
  let projectId = '';
  const scope = obj(auth.scope);
  if (appCred) projectId = ks.project.id;
  else if (scope) {
    const pr = obj(scope.project);
    if (!pr) throw unauthorized();
    const ok = str(pr.id) ? str(pr.id) === ks.project.id : str(pr.name) === ks.project.name && domainMatches(site, obj(pr.domain));
    if (!ok) throw unauthorized();
    projectId = ks.project.id;
  }
  const now = ctx.now;
  const payload: TokenPayload = {
    s: ctx.siteName,
    u: user.id,
    p: projectId,
    m: appCred ? ['application_credential'] : ['password'],
    i: now,
    e: now + ctx.world.settings.tokenTtlSeconds * 1000,
    a: randomBytes(16).toString('base64url').slice(0, 22),
    ...(appCred ? { c: appCred } : {}),
  };
  const token = issueToken(ctx.world, payload);
  const nocatalog = ctx.req.query.has('nocatalog');
  return { status: 201, headers: { 'X-Subject-Token': token }, body: tokenBody(ctx, payload, !nocatalog) };
}

function validate(ctx: RouteContext): MockResponse {
  const subject = ctx.req.headers['x-subject-token'];
  const p = readToken(ctx.world, typeof subject === 'string' ? subject : undefined);
  if (!p || p.s !== ctx.siteName || p.e <= ctx.now) {
    throw new ApiError(404, `Could not find token: ${typeof subject === 'string' ? subject.slice(0, 12) : ''}.`);
  }
  return { status: 200, headers: { 'X-Subject-Token': subject as string }, body: tokenBody(ctx, p, true) };
}

function versionDoc(ctx: RouteContext): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${ctx.origin}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export const keystoneRoutes: Route[] = [
  { method: 'GET', pattern: '/', api: 'keystone.catalog', public: true, handler: (ctx) => ({ status: 300, body: { versions: { values: [versionDoc(ctx)] } } }) },
  { method: 'GET', pattern: '/v3', api: 'keystone.catalog', public: true, handler: (ctx) => ({ status: 200, body: { version: versionDoc(ctx) } }) },
  { method: 'POST', pattern: '/v3/auth/tokens', api: 'keystone.tokens', public: true, handler: issue },
  { method: 'GET', pattern: '/v3/auth/tokens', api: 'keystone.tokens.validate', handler: validate },
  { method: 'HEAD', pattern: '/v3/auth/tokens', api: 'keystone.tokens.validate', handler: (ctx) => ({ ...validate(ctx), body: undefined }) },
  {
    method: 'GET',
    pattern: '/v3/auth/catalog',
    api: 'keystone.catalog',
    handler: (ctx) => ({ status: 200, body: { catalog: catalog(ctx.site, ctx.origin), links: { self: `${ctx.origin}/identity/v3/auth/catalog` } } }),
  },
  {
    method: 'GET',
    pattern: '/v3/auth/projects',
    api: 'keystone.projects',
    handler: (ctx) => {
      const ks = ctx.site.keystone;
      return {
        status: 200,
        body: {
          projects: [
            {
              id: ks.project.id,
              name: ks.project.name,
              domain_id: ks.domain.id,
              description: '',
              enabled: true,
              parent_id: ks.domain.id,
              is_domain: false,
              tags: [],
              options: {},
              links: { self: `${ctx.origin}/identity/v3/projects/${ks.project.id}` },
            },
          ],
          links: { self: `${ctx.origin}/identity/v3/auth/projects`, previous: null, next: null },
        },
      };
    },
  },
];
