/** The small request/response model the mock's service modules are written against. */
import type { IncomingHttpHeaders } from 'node:http';
import type { SiteData } from '../types.js';
import type { MockWorld } from '../world.js';

export type ServiceName = 'keystone' | 'nova' | 'cinder' | 'neutron' | 'pure';

export interface MockRequest {
  method: string;
  /** Path below the service prefix and version, e.g. `/servers/detail`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface MockResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Who is calling (from a Keystone token or an array session). */
export interface AuthInfo {
  userId: string;
  userName: string;
  roles: string[];
  projectId: string;
  isAdmin: boolean;
}

/** [major, minor] */
export type Version = [number, number];

export interface RouteContext {
  world: MockWorld;
  siteName: string;
  site: SiteData;
  req: MockRequest;
  params: Record<string, string>;
  auth?: AuthInfo;
  /** Negotiated microversion (Nova/Cinder), else [0, 0]. */
  mv: Version;
  /** Simulated now, ms. */
  now: number;
  /** Absolute URL of this service's versioned root, e.g. http://127.0.0.1:4001/compute/v2.1 */
  base: string;
  /** http://127.0.0.1:PORT */
  origin: string;
}

export type RouteHandler = (ctx: RouteContext) => MockResponse;

export interface Route {
  method: string;
  /** `/servers/:id/action`; `:name` captures one segment. */
  pattern: string;
  /** Name used for fault injection (MOCK_APIS); a function when the body decides (actions). */
  api: string | ((req: MockRequest) => string);
  handler: RouteHandler;
  /** No token needed (version documents, token issue, array login). */
  public?: boolean;
  /** Minimum microversion for this route; below it the route does not exist (404). */
  minVersion?: Version;
  /** Admin-only policy name: non-admin callers get the 403 policy body. */
  adminPolicy?: string;
}

/** An API error; each service renders it in its own body shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { type?: string; context?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

export const badRequest = (m: string, type?: string): ApiError => new ApiError(400, m, { type });
export const notFound = (m: string, type?: string): ApiError => new ApiError(404, m, { type });
export const conflict = (m: string, type?: string): ApiError => new ApiError(409, m, { type });
export const forbidden = (m: string, type?: string): ApiError => new ApiError(403, m, { type });

/** JSON object body or a 400. */
export function bodyObject(req: MockRequest, key?: string): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badRequest('The request body is missing or is not a JSON object.');
  if (key === undefined) return b as Record<string, unknown>;
  const inner = (b as Record<string, unknown>)[key];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw badRequest(`Missing required element '${key}' in request body.`);
  }
  return inner as Record<string, unknown>;
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): MockResponse {
  return { status, body, headers };
}

export const noContent = (): MockResponse => ({ status: 204 });
