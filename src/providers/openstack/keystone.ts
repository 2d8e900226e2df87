/**
 * Keystone v3: auth request bodies, token and catalog models (api-notes/openstack.md §1).
 * The session (session.ts) does the HTTP; this file is pure.
 */
import { DrctlError } from '../../errors.js';
import type { CloudConfig } from './clouds.js';
import { arr, isObj, list, member, obj, optStr, reqStr, str, type Json } from './parse.js';

export interface CatalogEndpoint {
  id: string;
  interface: string;
  /** region_id, or the deprecated `region` when region_id is absent */
  region?: string;
  url: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface NamedRef {
  id: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

export interface Token {
  methods: string[];
  /** ms epoch */
  expiresAt: number;
  issuedAt?: number;
  project?: NamedRef;
  user: NamedRef;
  roles: { id: string; name: string }[];
  catalog: CatalogService[];
  applicationCredential?: { id: string; name?: string; restricted?: boolean };
}

/** POST /v3/auth/tokens body for a cloud (password: project-scoped; application credential: no scope). */
export function buildAuthRequest(cloud: CloudConfig): Json {
  const a = cloud.auth;
  if (cloud.authType === 'v3applicationcredential') {
    const cred: Json = { secret: a.applicationCredentialSecret };
    if (a.applicationCredentialId) cred.id = a.applicationCredentialId;
    else {
      cred.name = a.applicationCredentialName;
      cred.user = userRef(cloud);
    }
    // Never a scope: Keystone answers 401 "Application credentials cannot request a scope."
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  }
  const user = { ...userRef(cloud), password: a.password };
  const project: Json = a.projectId
    ? { id: a.projectId }
    : { name: a.projectName, domain: a.projectDomainId ? { id: a.projectDomainId } : { name: a.projectDomainName ?? 'Default' } };
  return { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } };
}

function userRef(cloud: CloudConfig): Json {
  const a = cloud.auth;
  if (a.userId) return { id: a.userId };
  return { name: a.username, domain: a.userDomainId ? { id: a.userDomainId } : { name: a.userDomainName ?? 'Default' } };
}

function namedRef(x: unknown): NamedRef | undefined {
  if (!isObj(x)) return undefined;
  const id = optStr(x.id);
  if (!id) return undefined;
  const d = isObj(x.domain) ? { id: optStr(x.domain.id), name: optStr(x.domain.name) } : undefined;
  return { id, name: optStr(x.name), ...(d ? { domain: d } : {}) };
}

export function parseCatalog(x: unknown): CatalogService[] {
  return arr(x).filter(isObj).map((s) => ({
    id: str(s.id),
    type: str(s.type),
    name: optStr(s.name),
    endpoints: arr(s.endpoints)
      .filter(isObj)
      .map((e) => ({ id: str(e.id), interface: str(e.interface).replace(/URL$/, ''), region: optStr(e.region_id) ?? optStr(e.region), url: str(e.url) }))
      .filter((e) => e.url !== ''),
  }));
}

/** The `token` of a POST /v3/auth/tokens (or GET /v3/auth/tokens) response body. */
export function parseToken(body: unknown): Token {
  const t = member(body, 'token', 'keystone token');
  const expires = Date.parse(reqStr(t, 'expires_at', 'keystone token'));
  if (Number.isNaN(expires)) throw new DrctlError('DRCTL_E2037', `unexpected keystone token response: bad expires_at ${String(t.expires_at)}`);
  const issued = Date.parse(str(t.issued_at));
  const user = namedRef(t.user) ?? { id: '' };
  const ac = isObj(t.application_credential)
    ? { id: str(t.application_credential.id), name: optStr(t.application_credential.name), restricted: t.application_credential.restricted === true }
    : undefined;
  return {
    methods: arr(t.methods).map((m) => String(m)),
    expiresAt: expires,
    ...(Number.isNaN(issued) ? {} : { issuedAt: issued }),
    project: namedRef(t.project),
    user,
    roles: arr(t.roles)
      .filter(isObj)
      .map((r) => ({ id: str(r.id), name: str(r.name) })),
    catalog: parseCatalog(t.catalog),
    ...(ac ? { applicationCredential: ac } : {}),
  };
}

/** GET /v3/auth/catalog → `catalog` list. */
export function parseCatalogResponse(body: unknown): CatalogService[] {
  return parseCatalog(list(body, 'catalog', 'keystone catalog'));
}

/** Official service types and their aliases (service-types-authority), in lookup order. */
export const SERVICE_TYPE_ALIASES: Record<string, string[]> = {
  'block-storage': ['block-storage', 'volumev3', 'volumev2', 'volume', 'block-store'],
  compute: ['compute'],
  network: ['network'],
  identity: ['identity'],
};

export interface EndpointQuery {
  /** official type: compute, block-storage, network, identity */
  type: string;
  interface: 'public' | 'internal' | 'admin';
  region?: string;
}

/**
 * Choose an endpoint like keystoneauth: service types in alias order, then interface, then region.
 * Returns the URL or undefined.
 */
export function findEndpoint(catalog: CatalogService[], q: EndpointQuery): { url: string; serviceType: string; region?: string } | undefined {
  const types = SERVICE_TYPE_ALIASES[q.type] ?? [q.type];
  for (const type of types) {
    for (const svc of catalog.filter((s) => s.type === type)) {
      const e = svc.endpoints.find((ep) => ep.interface === q.interface && (!q.region || ep.region === q.region));
      if (e) return { url: e.url, serviceType: type, region: e.region };
    }
  }
  return undefined;
}

/** Human summary of a catalog for "not found" errors: `compute(RegionOne public,internal), ...`. */
export function describeCatalog(catalog: CatalogService[]): string {
  if (catalog.length === 0) return 'an empty catalog';
  return catalog
    .map((s) => {
      const regions = [...new Set(s.endpoints.map((e) => e.region ?? '-'))].join('/');
      const ifaces = [...new Set(s.endpoints.map((e) => e.interface))].join(',');
      return `${s.type}(${regions} ${ifaces})`;
    })
    .join(', ');
}

/** Keystone's application-credential object from the fixtures' request shape (for tests/tools). */
export function parseAuthRequest(body: unknown): { methods: string[]; scoped: boolean } {
  const a = obj(obj(body).auth);
  return { methods: arr(obj(a.identity).methods).map(String), scoped: isObj(a.scope) };
}
