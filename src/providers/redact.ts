/**
 * Secret redaction for every log line, error message and debug dump drctl produces (DESIGN invariant 6).
 *
 * Two layers, both applied by `redact()`:
 * 1. known secrets: exact values we handled (tokens we sent or received, passwords and application
 *    credential secrets from clouds.yaml, array API tokens) are replaced wherever they appear, even
 *    inside an API's own error message or a URL;
 * 2. patterns: values of sensitive headers (`X-Auth-Token: …`), JSON members (`"password": "…"`),
 *    query parameters (`api_token=…`) and anything that looks like a Keystone Fernet token are
 *    replaced even when we never saw the value before (defence in depth).
 *
 * Redaction is deliberately over-eager: a false positive costs a log line's readability, a false
 * negative leaks a credential into a CI log.
 */

export const REDACTED = '<redacted>';

/** Header names (lower case) whose values are secrets. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'x-auth-token',
  'x-subject-token',
  'x-service-token',
  'api-token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

/** JSON member / query parameter names (lower case, `-` and `_` equivalent) whose string values are secrets. */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'password',
  'secret',
  'application_credential_secret',
  'api_token',
  'apitoken',
  'x_auth_token',
  'x_subject_token',
  'auth_token',
  'token_id',
  'access_token',
  'refresh_token',
  'client_secret',
  'adminpass',
  'admin_pass',
  'keyring',
  // Cinder volume transfers: whoever holds the auth key can take the volume.
  'auth_key',
]);

function normKey(k: string): string {
  return k.toLowerCase().replace(/-/g, '_');
}

export function isSensitiveKey(k: string): boolean {
  return SENSITIVE_KEYS.has(normKey(k));
}

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase());
}

/** Values shorter than this are not treated as known secrets (avoids shredding every "a" in a log). */
const MIN_SECRET_LENGTH = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const HEADER_NAMES_RE = [...SENSITIVE_HEADERS].map(escapeRegExp).join('|');
/** `X-Auth-Token: abc`, `x-auth-token=abc`, `'api-token': 'abc'` (headers printed as text or objects). */
const HEADER_LINE_RE = new RegExp(`(["']?(?:${HEADER_NAMES_RE})["']?\\s*[:=]\\s*["']?)([^"'\\s,;}]+)`, 'gi');
const JSON_KEYS_RE = [...SENSITIVE_KEYS].flatMap((k) => (k.includes('_') ? [k, k.replace(/_/g, '-')] : [k])).map(escapeRegExp).join('|');
/** `"password": "…"` (JSON text, possibly escaped inside another string). */
const JSON_MEMBER_RE = new RegExp(`(\\\\?["'](?:${JSON_KEYS_RE})\\\\?["']\\s*:\\s*\\\\?["'])((?:[^"'\\\\]|\\\\.)*?)(\\\\?["'])`, 'gi');
/** `?api_token=…&` / `password=…` in URLs, form bodies and key=value log lines. */
const QUERY_RE = new RegExp(`([?&;\\s](?:${JSON_KEYS_RE})=)([^&\\s"']+)`, 'gi');
/** YAML / log style `password: …` (key not quoted). */
const BARE_MEMBER_RE = new RegExp(`(^|[\\s{,(])((?:${JSON_KEYS_RE})\\s*:[ \\t]*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,}]+)`, 'gim');
/** Keystone Fernet tokens (and receipts) are urlsafe base64 starting with gAAAAA. */
const FERNET_RE = /gAAAAA[A-Za-z0-9_\-=]{20,}/g;

/**
 * A set of secret values learned at run time. The HTTP client adds every token it sends or receives
 * and every password/secret found in a request body; clouds.yaml loading and the array drivers add
 * theirs. Share one registry per process (or per test).
 */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined | null): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length >= MIN_SECRET_LENGTH) this.values.add(v);
  }

  /** Every secret string value found under a sensitive key in a JSON-like value. */
  addFromBody(body: unknown): void {
    walk(body, (key, value) => {
      if (isSensitiveKey(key) && typeof value === 'string') this.add(value);
    });
  }

  has(value: string): boolean {
    return this.values.has(value);
  }

  list(): string[] {
    return [...this.values];
  }

  redact(text: string): string {
    return redact(text, this.values);
  }
}

function walk(value: unknown, visit: (key: string, value: unknown) => void, depth = 0): void {
  if (depth > 32 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    visit(k, v);
    walk(v, visit, depth + 1);
  }
}

/**
 * Remove secrets from free text: known values first (longest first, so a secret containing another
 * is removed whole), then the patterns above.
 */
export function redact(text: string, knownSecrets: Iterable<string> = []): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  let out = text;
  const known = [...knownSecrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
  known.sort((a, b) => b.length - a.length);
  for (const s of known) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
    // Also catch the URL-encoded and JSON-escaped forms of the value.
    const enc = encodeURIComponent(s);
    if (enc !== s && out.includes(enc)) out = out.split(enc).join(REDACTED);
    const esc = JSON.stringify(s).slice(1, -1);
    if (esc !== s && out.includes(esc)) out = out.split(esc).join(REDACTED);
  }
  out = out.replace(HEADER_LINE_RE, (_m, pre: string, val: string) => (val === REDACTED ? `${pre}${val}` : `${pre}${REDACTED}`));
  out = out.replace(JSON_MEMBER_RE, (_m, pre: string, _val: string, post: string) => `${pre}${REDACTED}${post}`);
  out = out.replace(BARE_MEMBER_RE, (m, lead: string, key: string, val: string) => (val.includes(REDACTED) ? m : `${lead}${key}${REDACTED}`));
  out = out.replace(QUERY_RE, (_m, pre: string) => `${pre}${REDACTED}`);
  out = out.replace(FERNET_RE, REDACTED);
  return out;
}

/** A copy of `headers` with sensitive values replaced (for debug dumps and recordings). */
export function redactHeaders(headers: Record<string, string> | undefined, knownSecrets: Iterable<string> = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const known = [...knownSecrets];
  for (const [k, v] of Object.entries(headers)) {
    out[k] = isSensitiveHeader(k) ? REDACTED : redact(String(v), known);
  }
  return out;
}

/**
 * A deep copy of a JSON body with every string under a sensitive key replaced, and known secrets
 * removed from every other string. Objects under sensitive keys (e.g. Keystone's `token` object) are
 * kept and walked: only string values are secrets.
 */
export function redactBody<T>(body: T, knownSecrets: Iterable<string> = []): T {
  const known = [...knownSecrets];
  const rec = (v: unknown, depth: number): unknown => {
    if (depth > 64) return v;
    if (typeof v === 'string') return redact(v, known);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => rec(x, depth + 1));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      o[k] = isSensitiveKey(k) && typeof x === 'string' ? REDACTED : rec(x, depth + 1);
    }
    return o;
  };
  return rec(body, 0) as T;
}

/**
 * An Error safe to print or chain as a cause: same name/code, redacted message, no secret-bearing
 * properties (node-fetch errors can carry request options).
 */
export function redactError(err: unknown, knownSecrets: Iterable<string> = []): Error {
  const known = [...knownSecrets];
  if (err instanceof Error) {
    const e = new Error(redact(err.message, known));
    e.name = err.name;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') (e as Error & { code?: string }).code = code;
    if (err.stack) e.stack = redact(err.stack, known);
    return e;
  }
  return new Error(redact(String(err), known));
}
