/**
 * Tolerant readers for OpenStack JSON. Real deployments vary (Nova's flavor is `{id, links}` below
 * 2.47 and embedded from 2.47; Cinder's `bootable` is the string "true"; a boot-from-volume server has
 * `image: ""`; manage returns the legacy view with the strings "null"/"false"), so model parsers read
 * fields through these helpers and only fail on what drctl truly needs (ids), with DRCTL_E2037.
 */
import { DrctlError } from '../../errors.js';

export type Json = Record<string, unknown>;

export function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function obj(x: unknown): Json {
  return isObj(x) ? x : {};
}

export function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** A string, or undefined for null/""/"null"/non-strings (numbers are stringified). */
export function optStr(x: unknown): string | undefined {
  if (typeof x === 'string') return x === '' || x === 'null' || x === 'None' ? undefined : x;
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  return undefined;
}

export function str(x: unknown, fallback = ''): string {
  return optStr(x) ?? fallback;
}

export function optNum(x: unknown): number | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  return undefined;
}

export function num(x: unknown, fallback = 0): number {
  return optNum(x) ?? fallback;
}

/** true/false from booleans and the strings Cinder and Nova use ("true", "True", "False", "1"). */
export function bool(x: unknown, fallback = false): boolean {
  if (typeof x === 'boolean') return x;
  if (typeof x === 'string') {
    const v = x.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off', '', 'null', 'none'].includes(v)) return false;
  }
  if (typeof x === 'number') return x !== 0;
  return fallback;
}

/** A string→string map (metadata, extra specs); non-string values are stringified. */
export function strMap(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(x))) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Raised by model parsers when a field drctl cannot work without is missing. */
export function unexpected(what: string, detail: string, body?: unknown): DrctlError {
  let snippet = '';
  try {
    snippet = body === undefined ? '' : JSON.stringify(body).slice(0, 200);
  } catch {
    snippet = '';
  }
  return new DrctlError('DRCTL_E2037', `unexpected ${what} response: ${detail}`, {
    hint: 'The API answered with a shape drctl does not understand; check the endpoint in the catalog points at the right service and version.',
    details: { what, snippet },
  });
}

export function reqStr(o: Json, key: string, what: string): string {
  const v = optStr(o[key]);
  if (v === undefined) throw unexpected(what, `missing "${key}"`, o);
  return v;
}

/** The wrapped member of a response body (`{"server": {...}}`), or an error naming it. */
export function member(body: unknown, key: string, what: string): Json {
  const o = obj(body)[key];
  if (!isObj(o)) throw unexpected(what, `no "${key}" object in the body`, body);
  return o;
}

export function list(body: unknown, key: string, what: string): unknown[] {
  const v = obj(body)[key];
  if (!Array.isArray(v)) throw unexpected(what, `no "${key}" array in the body`, body);
  return v;
}

/** href of the rel=next link in `<key>_links` (Nova, Cinder, Neutron), if any. */
export function nextLink(body: unknown, linksKey: string): string | undefined {
  for (const l of arr(obj(body)[linksKey])) {
    const o = obj(l);
    if (o.rel === 'next' && typeof o.href === 'string' && o.href) return o.href;
  }
  return undefined;
}
