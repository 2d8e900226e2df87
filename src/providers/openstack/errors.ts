/**
 * OpenStack API faults → typed DrctlErrors carrying the API's own message.
 *
 * Shapes (api-notes/openstack.md §0):
 * - Nova/Cinder: `{"<fault>": {"code": N, "message": "..."}}` (badRequest, itemNotFound, forbidden, ...)
 * - Neutron: `{"NeutronError": {"type": "...", "message": "...", "detail": ""}}`
 * - Keystone and keystonemiddleware: `{"error": {"code": N, "title": "...", "message": "..."}}`
 * - anything else (HTML from a proxy, empty): the status line and a short text excerpt.
 */
import { DrctlError, type DrctlErrorOptions } from '../../errors.js';
import type { HttpResponse } from '../http.js';
import { isObj, optStr } from './parse.js';

/** drctl's codes for OpenStack API faults (E20xx providers range). */
export const OS_CODES = {
  apiError: 'DRCTL_E2030',
  notFound: 'DRCTL_E2031',
  conflict: 'DRCTL_E2032',
  forbidden: 'DRCTL_E2033',
  badRequest: 'DRCTL_E2034',
  serverError: 'DRCTL_E2035',
  rateLimited: 'DRCTL_E2036',
  unexpected: 'DRCTL_E2037',
  authFailed: 'DRCTL_E2020',
  noEndpoint: 'DRCTL_E2022',
  microversion: 'DRCTL_E2023',
  tokenRejected: 'DRCTL_E2024',
} as const;

export interface ApiFault {
  /** fault name (itemNotFound, NeutronError type, Keystone title) */
  fault?: string;
  message: string;
  requestId?: string;
}

/** Extract the API's own fault name and message from an error response. */
export function parseFault(res: HttpResponse): ApiFault {
  const requestId = res.headers['x-openstack-request-id'] ?? res.headers['x-compute-request-id'];
  const body = res.json;
  if (isObj(body)) {
    if (isObj(body.NeutronError)) {
      const n = body.NeutronError;
      const msg = optStr(n.message) ?? optStr(n.detail) ?? '';
      return { fault: optStr(n.type) ?? 'NeutronError', message: msg, requestId };
    }
    if (isObj(body.error)) {
      const e = body.error;
      return { fault: optStr(e.title), message: optStr(e.message) ?? optStr(e.title) ?? '', requestId };
    }
    // Nova/Cinder: a single top-level key naming the fault
    for (const [k, v] of Object.entries(body)) {
      if (isObj(v) && (typeof v.message === 'string' || typeof v.code === 'number')) {
        return { fault: k, message: optStr(v.message) ?? '', requestId };
      }
    }
    // Neutron via older webob: {"message": "...", "type": ...}; some proxies: {"message": "..."}
    if (typeof body.message === 'string') return { fault: optStr(body.type), message: body.message, requestId };
  }
  const text = (res.text ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
  return { message: text, requestId };
}

export interface FaultContext {
  site: string;
  /** nova, cinder, neutron, keystone */
  service: string;
  method: string;
  /** path relative to the service endpoint (no secrets: query strings carry only filters) */
  path: string;
  /** Extra hint for known situations (overrides the generic one). */
  hint?: string;
}

/** Admin-only Cinder rules volume import/export needs: manage/unmanage, and the service list that finds the manage host. */
const POLICY_MANAGE_RE = /volume_extension:(volume_manage|volume_unmanage|list_manageable|services:index)/;

/** The DrctlError for a non-success response. */
export function apiError(res: HttpResponse, ctx: FaultContext, redact: (s: string) => string = (s) => s): DrctlError {
  const f = parseFault(res);
  const status = res.status;
  const apiMessage = redact(f.message);
  const what = `${ctx.site} ${ctx.service} ${ctx.method} ${shortPath(ctx.path)}`;
  const faultName = f.fault ? ` ${f.fault}` : '';
  const message = `${what} → ${status}${faultName}${apiMessage ? `: ${apiMessage}` : ''}`;
  let code: string = OS_CODES.apiError;
  let hint: string | undefined;
  if (status === 400) {
    code = OS_CODES.badRequest;
    hint = 'The API rejected the request; its message above says which field.';
  } else if (status === 401) {
    code = OS_CODES.tokenRejected;
    hint = 'The token was rejected even after re-authenticating; check the cloud credentials and that the service trusts this Keystone.';
  } else if (status === 403) {
    code = OS_CODES.forbidden;
    if (POLICY_MANAGE_RE.test(f.message) || /manageable_volumes|os-volume-manage|os-unmanage/.test(ctx.path) || (ctx.service === 'cinder' && /\/os-services/.test(ctx.path))) {
      const m = POLICY_MANAGE_RE.exec(f.message);
      const rule = m ? `volume_extension:${m[1]}` : /os-services/.test(ctx.path) ? 'volume_extension:services:index' : 'volume_extension:volume_manage';
      const why = rule.endsWith('services:index') ? ' (drctl lists the cinder-volume services to find the host that manages the imported volumes)' : '';
      hint =
        `Cinder's ${rule} policy defaults to rule:admin_api${why}. Set \`adminCloud:\` for ${ctx.site} in the spec ` +
        `(a clouds.yaml entry whose user has the admin role), or grant the policy to drctl's role in Cinder's policy.yaml ` +
        `(e.g. "${rule}": "rule:admin_api or role:dr-operator").`;
    } else {
      hint = 'The cloud user lacks a role or policy for this call (or is over quota); the API message says which.';
    }
  } else if (status === 404) {
    code = OS_CODES.notFound;
  } else if (status === 406) {
    code = OS_CODES.microversion;
    hint = 'The service does not support the microversion drctl sends (Nova 2.79, Cinder 3.60); upgrade the service or check the endpoint.';
  } else if (status === 409) {
    code = OS_CODES.conflict;
    hint = 'The resource is in a state that does not allow this (e.g. not ACTIVE/available, locked, or in use); wait or fix its state and re-run.';
  } else if (status === 413 || status === 429) {
    code = OS_CODES.rateLimited;
    hint = 'The API is rate-limiting or the project is over a limit; retry later or raise the limit.';
  } else if (status >= 500) {
    code = OS_CODES.serverError;
    hint = `The ${ctx.service} service failed (after retries); check its logs${f.requestId ? ` for request ${f.requestId}` : ''}.`;
  }
  if (ctx.hint) hint = ctx.hint;
  const opts: DrctlErrorOptions = {
    hint,
    details: { site: ctx.site, service: ctx.service, status, apiMessage, fault: f.fault, method: ctx.method, path: shortPath(ctx.path), requestId: f.requestId },
  };
  return new DrctlError(code, redact(message), opts);
}

function shortPath(p: string): string {
  try {
    if (/^https?:\/\//.test(p)) {
      const u = new URL(p);
      return u.pathname + u.search;
    }
  } catch {
    /* not a URL */
  }
  return p;
}

/** True when the error is an API 404 (callers that look things up by id treat it as "gone"). */
export function isNotFound(err: unknown): boolean {
  return DrctlError.is(err) && err.code === OS_CODES.notFound;
}
