/**
 * The one HTTP layer every provider uses (node-fetch + p-retry).
 *
 * Contract (stable): `HttpClient.request` resolves for every HTTP status — callers map 4xx/5xx to
 * typed errors — and rejects only on transport failure (after retries) with a DrctlError
 * (DRCTL_E2001 unreachable, DRCTL_E2002 timed out, DRCTL_E2003 TLS). Secrets never appear in
 * errors or log lines (see redact.ts).
 *
 * Retry policy:
 * - retried: connection errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, socket hang up, ...),
 *   per-attempt timeouts, 5xx and 429; never any other 4xx.
 * - 429/503 `Retry-After` (seconds or HTTP date) is honoured instead of the backoff, capped by
 *   `maxRetryAfterMs`; if it would overrun the total budget we stop and return the response.
 * - backoff: `baseDelayMs * 2^(n-1)`, capped at `maxDelayMs`, times a jitter factor uniformly drawn in
 *   [1 - jitter, 1 + jitter] (never above `maxDelayMs`).
 * - bounded twice: at most `maxAttempts` attempts AND at most `maxTotalMs` from the first attempt
 *   (a retry whose wait would end past the budget is not made; each attempt's timeout is also
 *   clipped to what is left of the budget).
 *
 * Idempotency (what we chose, and why): GET/HEAD/PUT/DELETE are idempotent by HTTP semantics and are
 * retried on every retryable failure. A POST (create server, manage volume, actions) may have been
 * executed by the server even when we saw a reset, a timeout or a 5xx, and repeating it could create
 * a second server or manage a volume twice — so a POST is retried only when the connection was never
 * established (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EAI_AGAIN: no byte reached the server), unless
 * the caller marks it `idempotent: true` (Keystone POST /auth/tokens, POST list/search calls). To make
 * "connection refused" mean "nothing sent" also for pooled connections, non-idempotent POSTs never use
 * a pooled keep-alive socket: a stale pooled socket closed by the server (Keystone under uwsgi
 * http-socket closes after each response) would otherwise surface as ECONNRESET on a request that was
 * never delivered, and we could not tell it from a reset after delivery. Steps are idempotent at a
 * higher level (they find what an earlier attempt made, by name/tag), so a failed POST is recovered by
 * re-running the step, never by a blind HTTP retry.
 */
import fetch from 'node-fetch';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { DrctlError } from '../errors.js';
import { SecretRegistry, isSensitiveHeader, redactBody, redactError, redactHeaders } from './redact.js';
import pRetry from 'p-retry';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** JSON body (serialised, Content-Type set). */
  json?: unknown;
  /** Per-request timeout override (ms), per attempt. */
  timeoutMs?: number;
  /** Label for logs/errors and request counting, e.g. "site-a nova GET /servers/detail". */
  label?: string;
  /** Site name for errors and request counting (defaults to the client's `site`). */
  site?: string;
  /** Service name for errors and request counting, e.g. "nova", "keystone", "pure". */
  service?: string;
  /**
   * The caller asserts that repeating this request is harmless (e.g. Keystone POST /auth/tokens), so a
   * POST is retried like a GET. GET/HEAD/PUT/DELETE are idempotent already.
   */
  idempotent?: boolean;
  /** Override the client's attempt bound for this request (1 = no retry). */
  maxAttempts?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined when empty / not JSON. */
  json: unknown;
  text: string;
}

export interface HttpClient {
  /** Resolves for every HTTP status (callers map 4xx/5xx to typed errors); rejects on transport failure. */
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** What one request attempt looks like to the counter hook. */
export interface RequestEvent {
  site: string;
  service: string;
  method: HttpMethod;
  url: string;
  label?: string;
  /** 1 for the first attempt */
  attempt: number;
}

export interface HttpLogger {
  debug?(msg: string): void;
  warn(msg: string): void;
}

/** The subset of node-fetch's Response we use (so tests can inject a fake). */
export interface FetchResponseLike {
  status: number;
  headers: { forEach(cb: (value: string, key: string) => void): void };
  text(): Promise<string>;
}
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  agent?: unknown;
}
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

export interface TlsOptions {
  /** PEM CA bundle contents (already read). */
  ca?: string | Buffer;
  /** Path of a PEM CA bundle (read synchronously when the client is created). */
  caFile?: string;
  /** Skip certificate verification (a warning is logged once). Arrays often have self-signed certs. */
  insecure?: boolean;
}

export interface HttpClientOptions {
  /** Site name used in errors and counters when a request does not say. */
  site?: string;
  tls?: TlsOptions;
  /** Attempts per request including the first (default 4). */
  maxAttempts?: number;
  /** Bound on the whole request including retries and waits (default 60 s). */
  maxTotalMs?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** First backoff delay (default 1000 ms), doubled per retry. */
  baseDelayMs?: number;
  /** Cap of one backoff delay (default 10 s). */
  maxDelayMs?: number;
  /** Jitter fraction: delays are multiplied by a factor in [1-jitter, 1+jitter] (default 0.2). */
  jitter?: number;
  /** Cap on an honoured Retry-After (default 60 s). */
  maxRetryAfterMs?: number;
  logger?: HttpLogger;
  /** Called once per attempt actually sent (request budgets, benchmarks). */
  onRequest?: (e: RequestEvent) => void;
  /** Secret values to redact; the client adds every token/password it sees. */
  secrets?: SecretRegistry;
  /** Injected for tests. */
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Arms the per-attempt timeout; returns a disarm function. Injected for tests. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** Reads a CA bundle file (injected for tests). */
  readFileSync?: (path: string) => Buffer | string;
}

/** Transport-level failure of one attempt, classified. */
class TransportFailure extends Error {
  constructor(
    readonly kind: 'connect' | 'reset' | 'timeout' | 'tls' | 'dns' | 'other',
    readonly reason: string,
    readonly original: unknown,
  ) {
    super(reason);
    this.name = 'TransportFailure';
  }
}

/** A retryable HTTP status; carries the response so we can return it when retries end. */
class RetryableStatus extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
    this.name = 'RetryableStatus';
  }
}

/** Connection never established: nothing was sent, safe to retry any method. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_NOT_YET_VALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function classify(err: unknown, timedOut: boolean, timeoutMs: number): TransportFailure {
  if (timedOut) return new TransportFailure('timeout', `timed out after ${fmtSeconds(timeoutMs)}`, err);
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  const msg = String(e?.message ?? err);
  // node-fetch: "request to http://h/p failed, reason: connect ECONNREFUSED 127.0.0.1:5000"
  const reason = msg.includes('reason: ') ? msg.slice(msg.indexOf('reason: ') + 8) : msg;
  if (code && CONNECT_CODES.has(code)) return new TransportFailure('connect', reason, err);
  if (code === 'ENOTFOUND') return new TransportFailure('dns', reason, err);
  if (code && TLS_CODES.has(code)) return new TransportFailure('tls', reason, err);
  if ((code && RESET_CODES.has(code)) || /socket hang up|ECONNRESET|premature close/i.test(msg)) {
    return new TransportFailure('reset', reason, err);
  }
  if (/certificate|self.signed|SSL/i.test(msg)) return new TransportFailure('tls', reason, err);
  return new TransportFailure('other', reason, err);
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Parse Retry-After: delta-seconds or an HTTP date (relative to `now`). Returns ms or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Backoff before retry number `retry` (1-based), without Retry-After. Exported for tests/docs. */
export function backoffDelay(retry: number, opts: { baseDelayMs: number; maxDelayMs: number; jitter: number }, random: () => number): number {
  const raw = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (retry - 1));
  const factor = 1 - opts.jitter + 2 * opts.jitter * random();
  return Math.min(opts.maxDelayMs, Math.round(raw * factor));
}

function defaultSetTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function serviceFromLabel(label: string | undefined, site: string | undefined): string | undefined {
  if (!label) return undefined;
  const words = label.split(/\s+/);
  if (site && words[0] === site) return words[1];
  return undefined;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxTotalMs = options.maxTotalMs ?? 60_000;
  const defaultTimeoutMs = options.timeoutMs ?? 30_000;
  const backoff = {
    baseDelayMs: options.baseDelayMs ?? 1_000,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    jitter: Math.min(1, Math.max(0, options.jitter ?? 0.2)),
  };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const doFetch: FetchLike = options.fetch ?? (fetch as unknown as FetchLike);
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? defaultSetTimer;
  const secrets = options.secrets ?? new SecretRegistry();
  const logger = options.logger;

  // TLS and keep-alive: one agent pair per client (one client per site and system).
  let ca: string | Buffer | undefined = options.tls?.ca;
  if (!ca && options.tls?.caFile) {
    const read = options.tls.caFile;
    try {
      ca = (options.readFileSync ?? readFileSync)(read);
    } catch (err) {
      throw new DrctlError('DRCTL_E2004', `${options.site ?? 'site'}: cannot read CA bundle ${read}: ${(err as Error).message}`, {
        hint: 'Point cacert (clouds.yaml) or the storage CA option at a readable PEM file.',
        cause: redactError(err),
      });
    }
  }
  const insecure = options.tls?.insecure === true;
  let warnedInsecure = false;
  // Keep-alive pool per host:port. A real site serves Nova, Cinder, Neutron and Keystone on endpoints of
  // their own (each its own pool); the mock serves all of a site's services on one port, so the pool
  // is sized for a site's total: 20 groups × parallelism 10 send bursts of ~200 GETs at once, and 16
  // sockets queued them (at 50 ms per call, 16 sockets carry 320 requests/s). openstacksdk and
  // gophercloud put no limit on connections per host.
  const agentOpts = { keepAlive: true, maxSockets: 64, timeout: 4_000 };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent({ ...agentOpts, ca, rejectUnauthorized: !insecure });
  // Non-idempotent POSTs get a fresh connection every time (see the header comment).
  const httpOneShot = new http.Agent({ keepAlive: false });
  const httpsOneShot = new https.Agent({ keepAlive: false, ca, rejectUnauthorized: !insecure });

  function pickAgent(url: string, pooled: boolean): unknown {
    const isHttps = url.startsWith('https:');
    if (isHttps && insecure && !warnedInsecure) {
      warnedInsecure = true;
      logger?.warn(
        `${options.site ?? new URL(url).host}: TLS certificate verification is disabled (insecure: true) for ${new URL(url).host}; use a CA bundle instead in production`,
      );
    }
    if (isHttps) return pooled ? httpsAgent : httpsOneShot;
    return pooled ? httpAgent : httpOneShot;
  }

  return {
    async request(req) {
      const site = req.site ?? options.site ?? 'site';
      const service = req.service ?? serviceFromLabel(req.label, site) ?? safeHost(req.url);
      const who = `${site} ${service}`;
      if (!/^https?:\/\/[^/]/.test(req.url) || !URL.canParse(req.url)) {
        throw new DrctlError('DRCTL_E2005', secrets.redact(`${who}: invalid URL ${JSON.stringify(req.url)}`), {
          hint: 'Check auth_url in clouds.yaml (e.g. https://keystone.example.com:5000/v3), the catalog endpoints, or the storage endpoint in the spec.',
          details: { site, service },
        });
      }
      const method = req.method;
      const idempotent = req.idempotent === true || (method !== 'POST' && method !== 'PATCH');
      const attemptsAllowed = Math.max(1, req.maxAttempts ?? maxAttempts);
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;

      const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
      for (const [k, v] of Object.entries(headers)) if (isSensitiveHeader(k)) secrets.add(v);
      let body: string | undefined;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['Content-Type'] = 'application/json';
        secrets.addFromBody(req.json);
      }
      const agent = pickAgent(req.url, idempotent);
      const path = safePath(req.url);
      const started = now();
      let attempts = 0;
      let lastFailure: TransportFailure | undefined;

      const attempt = async (n: number): Promise<HttpResponse> => {
        attempts = n;
        options.onRequest?.({ site, service, method, url: req.url, label: req.label, attempt: n });
        const controller = new AbortController();
        let timedOut = false;
        const remaining = maxTotalMs - (now() - started);
        const thisTimeout = Math.max(1, Math.min(timeoutMs, remaining));
        const disarm = setTimer(() => {
          timedOut = true;
          controller.abort();
        }, thisTimeout);
        const t0 = now();
        try {
          const res = await doFetch(req.url, { method, headers, body, signal: controller.signal, agent });
          const text = await res.text();
          const h: Record<string, string> = {};
          res.headers.forEach((v, k) => (h[k.toLowerCase()] = v));
          for (const [k, v] of Object.entries(h)) if (isSensitiveHeader(k)) secrets.add(v);
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          logger?.debug?.(secrets.redact(`${who} ${method} ${path} → ${res.status} (${now() - t0}ms, attempt ${n})`));
          const response: HttpResponse = { status: res.status, headers: h, json, text };
          if (res.status >= 500 || res.status === 429) throw new RetryableStatus(response);
          return response;
        } catch (err) {
          if (err instanceof RetryableStatus) throw err;
          const f = classify(err, timedOut, thisTimeout);
          lastFailure = f;
          logger?.debug?.(secrets.redact(`${who} ${method} ${path} failed: ${f.reason} (attempt ${n})`));
          throw f;
        } finally {
          disarm();
        }
      };

      const shouldRetry = async ({ error, attemptNumber }: { error: Error; attemptNumber: number }): Promise<boolean> => {
        let waitMs: number;
        if (error instanceof RetryableStatus) {
          // 5xx after a POST may mean the server acted: only retry when the caller says it is safe.
          // 429 means the request was refused by the rate limiter, but we stay conservative for POSTs too.
          if (!idempotent) return false;
          const ra = parseRetryAfter(error.response.headers['retry-after'], now());
          if (ra !== undefined && (error.response.status === 429 || error.response.status === 503)) {
            if (ra > maxRetryAfterMs) return false;
            waitMs = ra;
          } else {
            waitMs = backoffDelay(attemptNumber, backoff, random);
          }
        } else if (error instanceof TransportFailure) {
          if (error.kind === 'tls' || error.kind === 'dns' || error.kind === 'other') return false;
          if (!idempotent && error.kind !== 'connect') return false;
          waitMs = backoffDelay(attemptNumber, backoff, random);
        } else {
          return false;
        }
        // Total-time bound: don't start a wait that ends past the budget.
        if (now() - started + waitMs >= maxTotalMs) return false;
        logger?.debug?.(secrets.redact(`${who} ${method} ${path}: retrying in ${waitMs}ms (${error.message})`));
        if (waitMs > 0) await sleep(waitMs);
        return true;
      };

      try {
        // p-retry drives the attempt loop; waits and the time budget use our injected clock, so its
        // own timers are disabled (minTimeout 0, no maxRetryTime).
        return await pRetry(attempt, {
          retries: attemptsAllowed - 1,
          minTimeout: 0,
          maxTimeout: 0,
          randomize: false,
          shouldRetry,
        });
      } catch (err) {
        if (err instanceof RetryableStatus) return err.response;
        const f = err instanceof TransportFailure ? err : (lastFailure ?? classify(err, false, timeoutMs));
        throw transportError(f, { who, site, service, method, path, attempts, elapsedMs: now() - started, secrets, url: req.url, insecure });
      }
    },
  };
}

function transportError(
  f: TransportFailure,
  ctx: { who: string; site: string; service: string; method: string; path: string; attempts: number; elapsedMs: number; secrets: SecretRegistry; url: string; insecure: boolean },
): DrctlError {
  const tries = `(after ${ctx.attempts} attempt${ctx.attempts === 1 ? '' : 's'} over ${fmtSeconds(ctx.elapsedMs)})`;
  const details = { site: ctx.site, service: ctx.service, method: ctx.method, path: ctx.secrets.redact(ctx.path), attempts: ctx.attempts, elapsedMs: ctx.elapsedMs, reason: f.kind };
  const cause = redactError(f.original, ctx.secrets.list());
  const host = safeHost(ctx.url);
  switch (f.kind) {
    case 'timeout':
      return new DrctlError('DRCTL_E2002', ctx.secrets.redact(`${ctx.who} did not answer ${ctx.method} ${ctx.path}: ${f.reason} ${tries}`), {
        hint: `The service at ${host} accepted the connection but did not answer in time; check its health/load, or raise the timeout.`,
        details,
        cause,
      });
    case 'tls':
      return new DrctlError('DRCTL_E2003', ctx.secrets.redact(`${ctx.who} TLS failure talking to ${host}: ${f.reason}`), {
        hint: 'Set `cacert: /path/to/ca.pem` for this cloud in clouds.yaml (or the storage CA option); `insecure: true` / `verify: false` disables verification (not for production).',
        details,
        cause,
      });
    default:
      return new DrctlError('DRCTL_E2001', ctx.secrets.redact(`${ctx.who} unreachable: ${f.reason} ${tries}`), {
        hint:
          f.kind === 'dns'
            ? `The host name ${host} does not resolve; check auth_url / the catalog endpoints and DNS.`
            : `Check that ${host} is up and reachable from here (VPN, firewall, endpoint URL in the catalog/clouds.yaml).`,
        details,
        cause,
      });
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown-host';
  }
}

function safePath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** Counts attempts per site and service; plug `hook` into `onRequest`. */
export function createRequestCounter(): { hook: (e: RequestEvent) => void; counts(): Record<string, Record<string, number>>; total(): number; reset(): void } {
  let counts: Record<string, Record<string, number>> = {};
  return {
    hook(e) {
      const s = (counts[e.site] ??= {});
      s[e.service] = (s[e.service] ?? 0) + 1;
    },
    counts: () => JSON.parse(JSON.stringify(counts)) as Record<string, Record<string, number>>,
    total: () => Object.values(counts).reduce((a, s) => a + Object.values(s).reduce((b, n) => b + n, 0), 0),
    reset() {
      counts = {};
    },
  };
}

/** A redacted, printable dump of a request/response pair (for --debug). */
export function debugDump(req: HttpRequest, res: HttpResponse | undefined, secrets: SecretRegistry): string {
  const known = secrets.list();
  const lines = [`${req.method} ${secrets.redact(req.url)}`];
  for (const [k, v] of Object.entries(redactHeaders(req.headers, known))) lines.push(`> ${k}: ${v}`);
  if (req.json !== undefined) lines.push(`> ${JSON.stringify(redactBody(req.json, known))}`);
  if (res) {
    lines.push(`< ${res.status}`);
    for (const [k, v] of Object.entries(redactHeaders(res.headers, known))) lines.push(`< ${k}: ${v}`);
    if (res.json !== undefined) lines.push(`< ${JSON.stringify(redactBody(res.json, known))}`);
    else if (res.text) lines.push(`< ${secrets.redact(res.text.slice(0, 2000))}`);
  }
  return lines.join('\n');
}
