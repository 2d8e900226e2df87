/** Pagination as the real services do it: Nova/Cinder/Neutron marker + limit, Pure continuation tokens. */
import { badRequest, type ApiError } from './types.js';

export const MAX_LIMIT = 1000;

export interface MarkerPage<T> {
  items: T[];
  /** Marker for the next page, when the page was full (Nova/Cinder) or more remain (Neutron). */
  nextMarker?: string;
}

/** Parses `limit`; a non-integer or negative value is a 400 like the real APIs. */
export function parseLimit(q: URLSearchParams, max = MAX_LIMIT): number | undefined {
  const raw = q.get('limit');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`limit param must be an integer`);
  return Math.min(n, max);
}

/**
 * Nova and Cinder: a page is at most min(limit, max_limit) items after the marker; a "next" link is
 * given whenever the page is full (even when nothing follows, as the real services do).
 */
export function markerPage<T>(
  items: T[],
  idOf: (t: T) => string,
  q: URLSearchParams,
  markerNotFound: (marker: string) => ApiError,
  max = MAX_LIMIT,
): MarkerPage<T> {
  const limit = parseLimit(q, max) ?? max;
  let start = 0;
  const marker = q.get('marker');
  if (marker) {
    const i = items.findIndex((t) => idOf(t) === marker);
    if (i < 0) throw markerNotFound(marker);
    start = i + 1;
  }
  const page = items.slice(start, start + limit);
  const full = limit > 0 && page.length === limit;
  return { items: page, nextMarker: full ? idOf(page[page.length - 1]!) : undefined };
}

/** `href` for the next page: the request's own URL with marker replaced. */
export function nextHref(baseUrl: string, path: string, q: URLSearchParams, marker: string): string {
  const p = new URLSearchParams(q);
  p.set('marker', marker);
  return `${baseUrl}${path}?${p.toString()}`;
}

/**
 * Pure: `limit` with an opaque continuation token (and `offset`). Returns the page and the token for
 * the next page (null when done).
 */
export function tokenPage<T>(items: T[], q: URLSearchParams): { items: T[]; token: string | null; more: boolean } {
  let start = 0;
  const tok = q.get('continuation_token');
  if (tok) {
    const n = Number(Buffer.from(tok, 'base64url').toString('utf8').replace(/^off:/, ''));
    if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid continuation_token.');
    start = n;
  } else if (q.get('offset')) {
    const n = Number(q.get('offset'));
    if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid offset.');
    start = n;
  }
  const rawLimit = q.get('limit');
  const limit = rawLimit === null ? Infinity : Number(rawLimit);
  if (rawLimit !== null && (!Number.isInteger(limit) || limit < 1)) throw badRequest('Invalid limit.');
  const page = items.slice(start, start + limit);
  const more = start + page.length < items.length;
  // The spec: `sort` suppresses continuation_token (clients then page with offset).
  const token = more && !q.get('sort') ? Buffer.from(`off:${start + page.length}`).toString('base64url') : null;
  return { items: page, token, more };
}
