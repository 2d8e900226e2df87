import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  backoffDelay,
  createHttpClient,
  createRequestCounter,
  debugDump,
  parseRetryAfter,
  type FetchInit,
  type FetchLike,
  type FetchResponseLike,
  type HttpClientOptions,
} from '../../src/providers/http.js';
import { SecretRegistry } from '../../src/providers/redact.js';
import { DrctlError } from '../../src/errors.js';

/** A virtual clock: sleep advances it instantly and records the waits. */
function fakeClock(start = Date.parse('2024-05-01T12:00:00Z')) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

type Step =
  | { status: number; headers?: Record<string, string>; body?: unknown; costMs?: number }
  | { error: string; code?: string; costMs?: number }
  | { hang: true };

function res(status: number, headers: Record<string, string> = {}, body?: unknown): FetchResponseLike {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers: { forEach: (cb) => Object.entries(headers).forEach(([k, v]) => cb(v, k)) },
    text: async () => text,
  };
}

/** A scripted fetch: each call consumes one step; records what was sent. */
function scriptedFetch(steps: Step[], clock: ReturnType<typeof fakeClock>) {
  const calls: { url: string; init: FetchInit }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
    if ('hang' in step) {
      return new Promise((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })));
      });
    }
    if (step.costMs) clock.advance(step.costMs);
    if ('error' in step) {
      throw Object.assign(new Error(`request to ${url} failed, reason: ${step.error}`), { code: step.code, name: 'FetchError' });
    }
    return res(step.status, step.headers, step.body);
  };
  return { fetch, calls };
}

function client(steps: Step[], extra: Partial<HttpClientOptions> = {}) {
  const clock = fakeClock();
  const { fetch, calls } = scriptedFetch(steps, clock);
  const warnings: string[] = [];
  const debug: string[] = [];
  const c = createHttpClient({
    site: 'site-a',
    fetch,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5, // jitter factor exactly 1
    setTimer: () => () => {},
    logger: { warn: (m) => warnings.push(m), debug: (m) => debug.push(m) },
    ...extra,
  });
  return { c, clock, calls, warnings, debug };
}

const REFUSED: Step = { error: 'connect ECONNREFUSED 127.0.0.1:5000', code: 'ECONNREFUSED' };
const RESET: Step = { error: 'socket hang up', code: 'ECONNRESET' };

t.test('retry counts and final outcome per failure kind', async (t) => {
  const cases: { name: string; method: 'GET' | 'POST' | 'PUT' | 'DELETE'; idempotent?: boolean; steps: Step[]; calls: number; status?: number; code?: string }[] = [
    { name: 'GET 200 first time', method: 'GET', steps: [{ status: 200, body: { ok: 1 } }], calls: 1, status: 200 },
    { name: 'GET 503 then 200', method: 'GET', steps: [{ status: 503 }, { status: 200 }], calls: 2, status: 200 },
    { name: 'GET 500 x4 → last 500 returned', method: 'GET', steps: [{ status: 500 }], calls: 4, status: 500 },
    { name: 'GET 429 then 200', method: 'GET', steps: [{ status: 429 }, { status: 200 }], calls: 2, status: 200 },
    { name: 'GET refused x4 → E2001', method: 'GET', steps: [REFUSED], calls: 4, code: 'DRCTL_E2001' },
    { name: 'GET reset then 200', method: 'GET', steps: [RESET, { status: 200 }], calls: 2, status: 200 },
    { name: 'GET ETIMEDOUT then 200', method: 'GET', steps: [{ error: 'connect ETIMEDOUT 10.0.0.1:443', code: 'ETIMEDOUT' }, { status: 200 }], calls: 2, status: 200 },
    { name: 'GET 400 never retried', method: 'GET', steps: [{ status: 400 }, { status: 200 }], calls: 1, status: 400 },
    { name: 'GET 401 never retried', method: 'GET', steps: [{ status: 401 }, { status: 200 }], calls: 1, status: 401 },
    { name: 'GET 403 never retried', method: 'GET', steps: [{ status: 403 }, { status: 200 }], calls: 1, status: 403 },
    { name: 'GET 404 never retried', method: 'GET', steps: [{ status: 404 }, { status: 200 }], calls: 1, status: 404 },
    { name: 'GET 409 never retried', method: 'GET', steps: [{ status: 409 }, { status: 200 }], calls: 1, status: 409 },
    { name: 'PUT 502 then 200', method: 'PUT', steps: [{ status: 502 }, { status: 200 }], calls: 2, status: 200 },
    { name: 'DELETE reset then 204', method: 'DELETE', steps: [RESET, { status: 204 }], calls: 2, status: 204 },
    { name: 'POST refused then 202 (nothing was sent)', method: 'POST', steps: [REFUSED, { status: 202 }], calls: 2, status: 202 },
    { name: 'POST reset → not retried', method: 'POST', steps: [RESET, { status: 202 }], calls: 1, code: 'DRCTL_E2001' },
    { name: 'POST 500 → not retried, returned', method: 'POST', steps: [{ status: 500 }, { status: 202 }], calls: 1, status: 500 },
    { name: 'POST 503 → not retried, returned', method: 'POST', steps: [{ status: 503 }, { status: 202 }], calls: 1, status: 503 },
    { name: 'POST idempotent 500 then 201', method: 'POST', idempotent: true, steps: [{ status: 500 }, { status: 201 }], calls: 2, status: 201 },
    { name: 'POST idempotent reset then 201', method: 'POST', idempotent: true, steps: [RESET, { status: 201 }], calls: 2, status: 201 },
    { name: 'TLS error never retried', method: 'GET', steps: [{ error: 'self-signed certificate', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }], calls: 1, code: 'DRCTL_E2003' },
    { name: 'DNS failure never retried', method: 'GET', steps: [{ error: 'getaddrinfo ENOTFOUND nova.example', code: 'ENOTFOUND' }], calls: 1, code: 'DRCTL_E2001' },
  ];
  for (const k of cases) {
    const { c, calls } = client(k.steps);
    const p = c.request({ method: k.method, url: 'http://127.0.0.1:8774/v2.1/servers', service: 'nova', idempotent: k.idempotent, json: k.method === 'POST' ? {} : undefined });
    if (k.code) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(DrctlError.is(err), `${k.name}: DrctlError`);
      t.equal((err as DrctlError).code, k.code, `${k.name}: code`);
    } else {
      const r = await p;
      t.equal(r.status, k.status, `${k.name}: status`);
    }
    t.equal(calls.length, k.calls, `${k.name}: attempts`);
  }
});

t.test('unreachable error message: site, service, reason, attempts and elapsed time, with a hint', async (t) => {
  const { c, clock } = client([{ ...REFUSED, costMs: 50 }]);
  const err = (await c.request({ method: 'GET', url: 'http://127.0.0.1:5000/v3', service: 'keystone' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2001');
  // 4 attempts × 50 ms + waits 1000 + 2000 + 4000 = 7.2 s
  t.equal(err.message, 'site-a keystone unreachable: connect ECONNREFUSED 127.0.0.1:5000 (after 4 attempts over 7.2s)');
  t.match(err.hint, /127\.0\.0\.1:5000/);
  t.same(clock.sleeps, [1000, 2000, 4000]);
  t.match(err.details, { site: 'site-a', service: 'keystone', attempts: 4 });
});

t.test('the service name is taken from the label when the request does not give one', async (t) => {
  const { c } = client([REFUSED], { maxAttempts: 1 });
  const err = (await c.request({ method: 'GET', url: 'http://127.0.0.1:9/', label: 'site-a cinder GET /volumes/detail' }).catch((e: unknown) => e)) as DrctlError;
  t.match(err.message, /^site-a cinder unreachable: connect ECONNREFUSED/);
  t.match(err.message, /after 1 attempt over/);
});

t.test('an invalid URL is a clear error, not a TypeError', async (t) => {
  const { c, calls } = client([{ status: 200 }]);
  for (const url of ['keystone:5000/v3', '', 'ftp://x/', 'http://']) {
    const err = (await c.request({ method: 'GET', url, service: 'keystone' }).catch((e: unknown) => e)) as DrctlError;
    t.equal(err.code, 'DRCTL_E2005', JSON.stringify(url));
    t.match(err.message, /^site-a keystone: invalid URL/);
  }
  t.equal(calls.length, 0);
});

t.test('backoff: exponential, capped, jitter within bounds', async (t) => {
  const opts = { baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0.2 };
  t.equal(backoffDelay(1, opts, () => 0.5), 1000);
  t.equal(backoffDelay(2, opts, () => 0.5), 2000);
  t.equal(backoffDelay(3, opts, () => 0.5), 4000);
  t.equal(backoffDelay(5, opts, () => 0.5), 10_000, 'capped at maxDelayMs');
  for (let retry = 1; retry <= 6; retry++) {
    const raw = Math.min(10_000, 1000 * 2 ** (retry - 1));
    for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999]) {
      const d = backoffDelay(retry, opts, () => r);
      t.ok(d >= raw * 0.8 && d <= Math.min(10_000, raw * 1.2), `retry ${retry} random ${r}: ${d} within [${raw * 0.8}, ${raw * 1.2}]`);
    }
  }
  // Jitter actually varies the waits the client makes.
  const lows = client([{ status: 503 }], { random: () => 0 });
  await lows.c.request({ method: 'GET', url: 'http://x/' });
  t.same(lows.clock.sleeps, [800, 1600, 3200]);
  const highs = client([{ status: 503 }], { random: () => 0.999999 });
  await highs.c.request({ method: 'GET', url: 'http://x/' });
  t.same(highs.clock.sleeps, [1200, 2400, 4800]);
});

t.test('Retry-After is honoured: seconds and HTTP date', async (t) => {
  const secs = client([{ status: 429, headers: { 'retry-after': '7' } }, { status: 200 }]);
  t.equal((await secs.c.request({ method: 'GET', url: 'http://x/' })).status, 200);
  t.same(secs.clock.sleeps, [7000]);

  const clock0 = fakeClock();
  const date = new Date(clock0.now() + 12_000).toUTCString();
  const dated = client([{ status: 503, headers: { 'retry-after': date } }, { status: 200 }]);
  t.equal((await dated.c.request({ method: 'GET', url: 'http://x/' })).status, 200);
  t.same(dated.clock.sleeps, [12_000]);

  t.equal(parseRetryAfter('3', 0), 3000);
  t.equal(parseRetryAfter('0.5', 0), 500);
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')), 60_000);
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 08:00:00 GMT')), 0, 'a date in the past means now');
  t.equal(parseRetryAfter('soon', 0), undefined);
  t.equal(parseRetryAfter(undefined, 0), undefined);

  // A Retry-After beyond the cap (or the budget) is not waited for: the 429 is returned at once.
  const tooLong = client([{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
  const r = await tooLong.c.request({ method: 'GET', url: 'http://x/' });
  t.equal(r.status, 429);
  t.same(tooLong.clock.sleeps, []);
});

t.test('total-time bound stops retries before maxAttempts', async (t) => {
  // Each attempt costs 4 s; budget 10 s: attempt 1 (4 s) + wait 1 s + attempt 2 (4 s) = 9 s; the next
  // wait of 2 s would end at 11 s > 10 s, so we stop after 2 attempts although 6 are allowed.
  const { c, calls, clock } = client([{ ...REFUSED, costMs: 4000 }], { maxAttempts: 6, maxTotalMs: 10_000 });
  const err = (await c.request({ method: 'GET', url: 'http://127.0.0.1:5000/' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(calls.length, 2);
  t.same(clock.sleeps, [1000]);
  t.match(err.message, /after 2 attempts over 9\.0s/);
});

t.test('per-attempt timeout aborts a hanging request, is retried, and reported as E2002', async (t) => {
  const armed: number[] = [];
  const { c, calls } = client([{ hang: true }], {
    timeoutMs: 5000,
    maxAttempts: 2,
    setTimer: (fn, ms) => {
      armed.push(ms);
      queueMicrotask(fn); // fire "after" ms without waiting
      return () => {};
    },
  });
  const err = (await c.request({ method: 'GET', url: 'http://127.0.0.1:8776/v3/volumes', service: 'cinder' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2002');
  t.equal(calls.length, 2);
  t.same(armed, [5000, 5000]);
  t.match(err.message, /site-a cinder did not answer GET \/v3\/volumes: timed out after 5\.0s \(after 2 attempts/);
  t.ok(calls.every((c) => c.init.signal.aborted), 'the fetch was aborted');
});

t.test('the per-attempt timeout is clipped to what is left of the total budget', async (t) => {
  const armed: number[] = [];
  const { c } = client([{ ...REFUSED, costMs: 2000 }], {
    timeoutMs: 30_000,
    maxTotalMs: 20_000,
    setTimer: (_fn, ms) => {
      armed.push(ms);
      return () => {};
    },
  });
  await c.request({ method: 'GET', url: 'http://x/' }).catch(() => undefined);
  // 2 s per attempt, waits 1 s, 2 s, 4 s: elapsed 0, 3, 7, 13 s when attempts start
  t.same(armed, [20_000, 17_000, 13_000, 7_000]);
});

t.test('a POST that is not idempotent gets a fresh connection, an idempotent one the pooled agent', async (t) => {
  const { c, calls } = client([{ status: 200 }]);
  await c.request({ method: 'GET', url: 'http://x/a' });
  await c.request({ method: 'GET', url: 'http://x/b' });
  await c.request({ method: 'POST', url: 'http://x/c', json: {} });
  await c.request({ method: 'POST', url: 'http://x/d', json: {}, idempotent: true });
  const [a, b, post, idem] = calls.map((x) => x.init.agent as { keepAlive?: boolean });
  t.equal(a, b, 'GETs share one agent');
  t.equal(a, idem, 'idempotent POST uses the pooled agent');
  t.not(a, post);
  t.equal((a as { keepAlive: boolean }).keepAlive, true);
  t.equal((post as { keepAlive: boolean }).keepAlive, false);
});

t.test('request counter hook counts every attempt per site and service', async (t) => {
  const counter = createRequestCounter();
  const { c } = client([{ status: 503 }, { status: 200 }], { onRequest: counter.hook });
  await c.request({ method: 'GET', url: 'http://x/', service: 'nova' });
  await c.request({ method: 'GET', url: 'http://x/', service: 'cinder', site: 'site-b' });
  t.same(counter.counts(), { 'site-a': { nova: 2 }, 'site-b': { cinder: 1 } });
  t.equal(counter.total(), 3);
  counter.reset();
  t.same(counter.counts(), {});
});

t.test('JSON in and out, headers lower-cased, non-JSON body tolerated', async (t) => {
  const { c, calls } = client([{ status: 201, headers: { 'X-Subject-Token': 'gAAAAABtokenvalue1234567890abcdefgh', 'Content-Type': 'application/json' }, body: { token: { expires_at: 'x' } } }, { status: 200, body: 'not json' }]);
  const r = await c.request({ method: 'POST', url: 'http://x/v3/auth/tokens', json: { a: 1 }, idempotent: true });
  t.equal(r.headers['x-subject-token'], 'gAAAAABtokenvalue1234567890abcdefgh');
  t.same(r.json, { token: { expires_at: 'x' } });
  t.equal(calls[0]!.init.body, '{"a":1}');
  t.equal(calls[0]!.init.headers['Content-Type'], 'application/json');
  t.equal(calls[0]!.init.headers.Accept, 'application/json');
  const r2 = await c.request({ method: 'GET', url: 'http://x/' });
  t.equal(r2.json, undefined);
  t.equal(r2.text, 'not json');
});

t.test('secrets never appear in errors, logs or debug dumps', async (t) => {
  const token = 'gAAAAABsecret-keystone-token-0123456789abcdef';
  const arrayToken = '7b3c1a2e-1111-2222-3333-444455556666';
  const password = 'hunter2-very-secret';
  const appSecret = 'appcred-secret-XYZ';
  const secrets = new SecretRegistry();
  // The server echoes everything back in its error text, and the transport error quotes the URL.
  const steps: Step[] = [
    { status: 500, body: { computeFault: { code: 500, message: `bad token ${token} / ${arrayToken}` } } },
    { error: `connect ECONNREFUSED 127.0.0.1:5000 while sending ${token} ${password}`, code: 'ECONNREFUSED' },
  ];
  const { c, debug, warnings } = client(steps, { secrets, maxAttempts: 4 });
  const err = (await c
    .request({
      method: 'POST',
      url: `http://127.0.0.1:5000/v3/auth/tokens?api_token=${arrayToken}`,
      headers: { 'X-Auth-Token': token, 'api-token': arrayToken },
      json: { auth: { identity: { password: { user: { password } }, application_credential: { id: 'x', secret: appSecret } } } },
      idempotent: true,
      service: 'keystone',
    })
    .catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2001');
  const everything = [
    err.message,
    err.hint ?? '',
    JSON.stringify(err.details),
    String((err.cause as Error).message),
    String((err.cause as Error).stack),
    ...debug,
    ...warnings,
    debugDump(
      { method: 'POST', url: `http://x/?api_token=${arrayToken}`, headers: { 'X-Auth-Token': token }, json: { password, secret: appSecret } },
      { status: 201, headers: { 'x-subject-token': token }, json: { echoed: token }, text: '' },
      secrets,
    ),
  ].join('\n');
  t.ok(debug.length > 0, 'something was logged');
  for (const s of [token, arrayToken, password, appSecret]) t.notOk(everything.includes(s), `${s.slice(0, 8)}… never printed`);
  t.match(everything, /<redacted>/);
});

t.test('insecure TLS logs one warning; an unreadable CA bundle is a clear error', async (t) => {
  const { c, warnings } = client([{ status: 200 }], { tls: { insecure: true } });
  await c.request({ method: 'GET', url: 'https://fa-a.example.com/api/api_version' });
  await c.request({ method: 'GET', url: 'https://fa-a.example.com/api/api_version' });
  t.equal(warnings.length, 1);
  t.match(warnings[0], /site-a: TLS certificate verification is disabled \(insecure: true\) for fa-a\.example\.com/);

  const withCa = client([{ status: 200 }], { tls: { caFile: '/etc/ca.pem' }, readFileSync: () => 'PEM' });
  await withCa.c.request({ method: 'GET', url: 'https://h/' });
  const calls = withCa.calls;
  const agent = calls[0]!.init.agent as { options: { ca?: string; rejectUnauthorized?: boolean } };
  t.equal(agent.options.ca, 'PEM');
  t.equal(agent.options.rejectUnauthorized, true);

  t.throws(
    () => createHttpClient({ site: 'site-b', tls: { caFile: '/nope/ca.pem' }, readFileSync: () => { throw new Error('ENOENT: no such file'); } }),
    { code: 'DRCTL_E2004', message: /site-b: cannot read CA bundle \/nope\/ca\.pem/ },
  );
});

// ---- against a real local server (node-fetch, real sockets; no sleeping: retries are zero-delay) ----

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('real sockets: Connection: close server (Keystone under uwsgi) works across many requests', async (t) => {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify({ n, path: req.url }));
  });
  const base = await listen(server);
  t.teardown(() => server.close());
  const c = createHttpClient({ site: 'site-a', baseDelayMs: 0 });
  for (let i = 0; i < 20; i++) {
    const r = await c.request({ method: i % 2 ? 'POST' : 'GET', url: `${base}/v3/x${i}`, json: i % 2 ? {} : undefined });
    t.equal(r.status, 200);
  }
  t.equal(n, 20, 'each request reached the server exactly once');
});

t.test('real sockets: a refused port is E2001 naming the address, a 503-then-200 server is retried', async (t) => {
  const server = createServer(() => undefined);
  const base = await listen(server);
  await new Promise((r) => server.close(r));
  const sleeps: number[] = [];
  const c = createHttpClient({ site: 'site-b', sleep: async (ms) => void sleeps.push(ms) });
  const err = (await c.request({ method: 'GET', url: `${base}/v2.1/servers`, service: 'nova' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2001');
  t.match(err.message, new RegExp(`^site-b nova unreachable: connect ECONNREFUSED ${base.replace('http://', '').replace(/\./g, '\\.')} \\(after 4 attempts over`));
  t.equal(sleeps.length, 3);

  let hits = 0;
  const flaky = createServer((_req, res) => {
    hits++;
    res.writeHead(hits < 3 ? 503 : 200, { 'Retry-After': '0' });
    res.end('{}');
  });
  const base2 = await listen(flaky);
  t.teardown(() => flaky.close());
  const r = await c.request({ method: 'GET', url: `${base2}/` });
  t.equal(r.status, 200);
  t.equal(hits, 3);
});

t.test('real sockets: a server that resets the connection mid-request', async (t) => {
  let hits = 0;
  const server = createServer((req) => {
    hits++;
    req.socket.destroy();
  });
  const base = await listen(server);
  t.teardown(() => server.close());
  const c = createHttpClient({ site: 'site-a', sleep: async () => undefined });
  const err = (await c.request({ method: 'GET', url: `${base}/`, service: 'cinder' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2001');
  t.match(err.message, /site-a cinder unreachable: socket hang up \(after 4 attempts/);
  t.equal(hits, 4);
  hits = 0;
  const err2 = (await c.request({ method: 'POST', url: `${base}/servers`, json: {}, service: 'nova' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err2.code, 'DRCTL_E2001');
  t.equal(hits, 1, 'a POST that reached the server is not repeated');
});

t.test('real TLS: self-signed server rejected (E2003, not retried), accepted with its CA bundle or insecure', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const https = await import('node:https');
  const dir = mkdtempSync(path.join(tmpdir(), 'drctl-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.comment('openssl not available: skipped');
    return;
  }
  let hits = 0;
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/api_version`;

  const strict = createHttpClient({ site: 'site-a', sleep: async () => undefined });
  const err = (await strict.request({ method: 'GET', url, service: 'pure' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2003');
  t.match(err.message, /^site-a pure TLS failure talking to 127\.0\.0\.1:\d+: self[- ]signed certificate/);
  t.match(err.hint, /cacert/);
  t.equal(hits, 0);

  const withCa = createHttpClient({ site: 'site-a', tls: { caFile: cert } });
  t.same((await withCa.request({ method: 'GET', url })).json, { ok: true });

  const warnings: string[] = [];
  const insecure = createHttpClient({ site: 'site-a', tls: { insecure: true }, logger: { warn: (m) => warnings.push(m) } });
  t.equal((await insecure.request({ method: 'GET', url })).status, 200);
  t.equal(warnings.length, 1);
  t.equal(hits, 2);
});
