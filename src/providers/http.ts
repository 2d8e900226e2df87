/**
 * The one HTTP layer every provider uses (node-fetch + p-retry).
 * Contract (stable; the implementation is being completed in the "Real clients" issue):
 * retries connection errors, timeouts, 5xx and 429 with bounded exponential backoff; never 4xx;
 * per-request timeout; per-site TLS; secrets redacted from every error and log line.
 */
import fetch from 'node-fetch';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** JSON body (serialised, Content-Type set). */
  json?: unknown;
  /** Per-request timeout override (ms). */
  timeoutMs?: number;
  /** Label for logs/errors and request counting, e.g. "site-a nova GET /servers/detail". */
  label?: string;
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

/** Minimal implementation (no retry yet). */
export function createHttpClient(): HttpClient {
  return {
    async request(req) {
      const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
      let body: string | undefined;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['Content-Type'] = 'application/json';
      }
      const res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs ?? 30_000) });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const h: Record<string, string> = {};
      res.headers.forEach((v, k) => (h[k] = v));
      return { status: res.status, headers: h, json, text };
    },
  };
}
