/**
 * Defensive secrets scrubber (invariant 6). Everything a step hands back (results, errors, params,
 * warnings) passes through it before the journal persists it. Step code should never put secrets
 * there in the first place; this is the second line of defence.
 */

export const REDACTED = '<redacted>';

/** Object keys whose values are never persisted. */
export const SECRET_KEY = /token|password|passwd|secret|credential|authorization|cookie|key$/i;

/** Keys that match SECRET_KEY but name harmless things drctl itself writes. */
const SAFE_KEYS = new Set(['tokenExpiresAt', 'idempotencyKey']);

const STRING_PATTERNS: Array<[RegExp, string]> = [
  // "X-Auth-Token: abc", "api_token=abc", "password: abc", "secret=abc", "Authorization: Bearer abc"
  [/((?:x-auth-token|x-subject-token|api[-_]?token|auth[-_]?token|token|password|passwd|secret|authorization)["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+)?[^\s"',;&})\]]+/gi, `$1${REDACTED}`],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Keystone Fernet tokens
  [/\bgAAAAA[A-Za-z0-9_-]{20,}={0,2}/g, REDACTED],
  // URLs with credentials: scheme://user:pass@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
  // Ceph keyring secrets: "key = AQ...=="
  [/\bAQ[A-Za-z0-9+/]{30,}={0,2}/g, REDACTED],
];

/** Redacts secret-looking substrings of a free-text string (error messages, warnings). */
export function scrubString(s: string): string {
  let out = s;
  for (const [re, rep] of STRING_PATTERNS) out = out.replace(re, rep);
  return out;
}

/** Deep copy with secret-keyed values replaced by "<redacted>" and secret-looking strings scrubbed. */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, new WeakSet()) as T;
}

function scrub(v: unknown, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return scrubString(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '[circular]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => scrub(x, seen));
  if (v instanceof Date) return v.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    out[k] = SECRET_KEY.test(k) && !SAFE_KEYS.has(k) ? REDACTED : scrub(x, seen);
  }
  return out;
}

/** True when scrubbing would change something (used by tests and the secrets scan). */
export function containsSecrets(v: unknown): boolean {
  return JSON.stringify(scrubSecrets(v)) !== JSON.stringify(v);
}
