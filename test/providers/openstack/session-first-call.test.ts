/**
 * OpenStackSession: the first call to a service with a new token goes alone, the calls made meanwhile
 * to the same service wait for it (the service validates a new token with Keystone once and caches
 * it; N calls at once are N validations). A scripted HttpClient holds each service call until the
 * test releases it, so the order is observed exactly; nothing sleeps.
 */
import t from 'tap';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/providers/http.js';
import { OpenStackSession } from '../../../src/providers/openstack/session.js';

const CATALOG = [
  { type: 'compute', endpoints: [{ interface: 'public', region_id: 'R', url: 'http://nova/v2.1' }] },
  { type: 'volumev3', endpoints: [{ interface: 'public', region_id: 'R', url: 'http://cinder/v3/p' }] },
  { type: 'network', endpoints: [{ interface: 'public', region_id: 'R', url: 'http://neutron' }] },
];

interface Held {
  req: HttpRequest;
  token: string;
  respond: (status?: number) => void;
  fail: (err: Error) => void;
}

/** Keystone answers at once (tokens tok-1, tok-2, ...); every service call waits in `held` until released. */
function scripted() {
  let tokens = 0;
  const held: Held[] = [];
  const log: string[] = [];
  const http: HttpClient = {
    async request(req: HttpRequest): Promise<HttpResponse> {
      if (req.url.endsWith('/auth/tokens')) {
        tokens++;
        return {
          status: 201,
          headers: { 'x-subject-token': `tok-${tokens}` },
          json: { token: { expires_at: '2099-01-01T00:00:00Z', issued_at: '2026-01-01T00:00:00Z', methods: ['password'], user: { id: 'u' }, project: { id: 'p', name: 'demo' }, catalog: CATALOG } },
          text: '',
        };
      }
      const token = req.headers?.['X-Auth-Token'] ?? '';
      log.push(`${req.service} ${new URL(req.url).pathname} ${token}`);
      return new Promise<HttpResponse>((resolve, reject) => {
        held.push({
          req,
          token,
          respond: (status = 200) => resolve({ status, headers: {}, json: { items: [] }, text: '' }),
          fail: reject,
        });
      });
    },
  };
  const session = new OpenStackSession({
    site: 'site-a',
    cloud: { name: 'c', authType: 'password', auth: { authUrl: 'http://keystone/v3', username: 'demo', password: 'pw', projectName: 'demo' }, interface: 'public', regionName: 'R', verify: true },
    http,
    skipVersionCheck: true,
  });
  /** Lets every pending promise callback run. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  };
  return { session, held, log, settle, tokens: () => tokens };
}

const get = (s: OpenStackSession, type: 'compute' | 'block-storage' | 'network', path: string) => s.request(type, { method: 'GET', path, okStatuses: [401] });

t.test('per service: the first call alone, the others after it, services in parallel', async (t) => {
  const { session, held, log, settle } = scripted();
  const calls = [
    get(session, 'compute', '/servers/detail'),
    get(session, 'compute', '/flavors/detail'),
    get(session, 'block-storage', '/volumes/detail'),
    get(session, 'network', '/v2.0/networks'),
    get(session, 'block-storage', '/types'),
    get(session, 'network', '/v2.0/security-groups'),
    get(session, 'block-storage', '/groups/detail'),
  ];
  await settle();
  t.same([...log].sort(), ['cinder /v3/p/volumes/detail tok-1', 'neutron /v2.0/networks tok-1', 'nova /v2.1/servers/detail tok-1'], 'one call per service in flight');
  const of = (svc: string) => held.find((h) => h.req.service === svc)!;
  of('cinder').respond(); // cinder's first
  await settle();
  t.same(log.slice(3).sort(), ['cinder /v3/p/groups/detail tok-1', 'cinder /v3/p/types tok-1'], 'cinder\'s waiting calls go together once its first answered; nova and neutron still wait');
  of('nova').respond();
  of('neutron').respond();
  await settle();
  t.equal(log.length, 7, 'all sent');
  for (const h of held) h.respond();
  const res = await Promise.all(calls);
  t.same(res.map((r) => r.status), [200, 200, 200, 200, 200, 200, 200]);
  // Later calls with the same token are not held back at all.
  const later = [get(session, 'compute', '/a'), get(session, 'compute', '/b')];
  await settle();
  t.equal(log.length, 9, 'a service that has seen the token takes calls together');
  for (const h of held.slice(7)) h.respond();
  await Promise.all(later);
});

t.test('a failed first call releases the waiting ones (they are sent, and fail or succeed on their own)', async (t) => {
  const { session, held, log, settle } = scripted();
  const first = get(session, 'compute', '/one').catch((e: Error) => e);
  const second = get(session, 'compute', '/two');
  await settle();
  t.equal(log.length, 1);
  held[0]!.fail(new Error('connection reset'));
  t.match(await first, { message: 'connection reset' });
  await settle();
  t.same(log, ['nova /v2.1/one tok-1', 'nova /v2.1/two tok-1']);
  held[1]!.respond();
  t.equal((await second).status, 200);
});

t.test('a new token (re-authentication after a 401) starts a new first call per service', async (t) => {
  const { session, held, log, settle, tokens } = scripted();
  const a = get(session, 'compute', '/a');
  await settle();
  held[0]!.respond();
  await a;
  session.invalidate();
  const b = get(session, 'compute', '/b');
  const c = get(session, 'compute', '/c');
  await settle();
  t.equal(tokens(), 2, 'authenticated again');
  t.same(log.slice(1), ['nova /v2.1/b tok-2'], 'with the new token, one call first again');
  held[1]!.respond();
  await settle();
  t.same(log.slice(1), ['nova /v2.1/b tok-2', 'nova /v2.1/c tok-2']);
  held[2]!.respond();
  await Promise.all([b, c]);
});
