import t from 'tap';
import { createHttpClient, type HttpClient, type HttpResponse } from '../../../../src/providers/http.js';
import { PureClient } from '../../../../src/providers/storage/pure/client.js';
import { PureCode, isUnreachable } from '../../../../src/providers/storage/pure/errors.js';
import { DrctlError } from '../../../../src/errors.js';
import { FakeArray } from './fake-array.js';

const clock = { now: Date.parse('2024-05-01T10:00:00Z') };

async function served(t: { teardown: (fn: () => unknown) => void }, setup: (fa: FakeArray) => void = () => {}) {
  const fa = new FakeArray('fa-a', clock);
  setup(fa);
  const srv = await fa.listen();
  t.teardown(srv.close);
  const http = createHttpClient({ maxAttempts: 1, site: 'site-a' });
  const client = new PureClient({ endpoint: `${srv.url}/`, apiToken: fa.token, http, site: 'site-a' });
  return { fa, client, url: srv.url, http };
}

async function rejects(p: Promise<unknown>): Promise<DrctlError> {
  try {
    await p;
  } catch (err) {
    if (DrctlError.is(err)) return err;
    throw err;
  }
  throw new Error('expected a DrctlError');
}

t.test('version discovery, login with api-token, then x-auth-token', async (t) => {
  const { fa, client } = await served(t);
  t.equal(await client.apiVersion(), '2.15');
  const arrays = await client.getArrays();
  t.equal(arrays[0]!.name, 'fa-a');
  t.equal(await client.arrayName(), 'fa-a');
  t.equal(fa.logins, 1, 'one login for several calls');
  t.equal(client.lastResponseDate, clock.now, 'Date header of the array is remembered');
});

t.test('no common version >= 2.2 is a clear error', async (t) => {
  const { client } = await served(t, (fa) => (fa.versions = ['1.17', '1.19', '2.0', '2.1']));
  const err = await rejects(client.getArrays());
  t.equal(err.code, PureCode.apiVersion);
  t.match(err.message, /offers REST up to 2\.1; drctl needs 2\.2 or newer/);
});

t.test('rejected login: typed error without the token', async (t) => {
  const { fa, url, http } = await served(t);
  const bad = new PureClient({ endpoint: url, apiToken: 'wrong-token-secret-value', http, site: 'site-a' });
  const err = await rejects(bad.getArrays());
  t.equal(err.code, PureCode.auth);
  t.match(err.message, /login to .* failed \(HTTP 400\): Invalid credentials/);
  t.notMatch(JSON.stringify({ m: err.message, d: err.details }), /wrong-token-secret-value/);
  t.notMatch(err.message, new RegExp(fa.token));
});

t.test('401 → log in again once and retry; a second 401 is an auth error', async (t) => {
  const { fa, client } = await served(t);
  await client.getArrays();
  fa.sessions.clear(); // session expired on the array
  const arrays = await client.getArrays();
  t.equal(arrays.length, 1);
  t.equal(fa.logins, 2);
  fa.fail('GET', '/arrays', 401, { errors: [{ message: 'Authentication required.' }] }, 2);
  const err = await rejects(client.getArrays());
  t.equal(err.code, PureCode.auth);
  t.match(err.message, /still unauthorized after a fresh login/);
  t.equal(fa.logins, 3, 'exactly one re-login per call');
});

t.test('continuation_token paging follows every page with the same filter', async (t) => {
  const { fa, client } = await served(t, (fa) => {
    fa.pageLimit = 2;
    for (let i = 0; i < 5; i++) fa.addVolume(`vol-${i}`);
    fa.addVolume('other');
  });
  const vols = await client.getVolumes({ filter: "name='vol-*'" });
  t.same(vols.map((v) => v.name), ['vol-0', 'vol-1', 'vol-2', 'vol-3', 'vol-4']);
  const gets = fa.requests.filter((r) => r.path === '/volumes');
  t.equal(gets.length, 3);
  t.equal(gets[0]!.query.get('continuation_token'), null);
  t.ok(gets[1]!.query.get('continuation_token'));
  t.equal(gets[2]!.query.get('filter'), "name='vol-*'", 'filter kept on later pages');
});

t.test('sorted queries page with offset (the array sends no token with sort)', async (t) => {
  const { fa, client } = await served(t, (fa) => {
    fa.pageLimit = 2;
    for (let i = 0; i < 5; i++) fa.transfers.push({ name: `pg.s${i}`, started: clock.now - 100_000 + i, durationMs: 1, destroyed: false });
  });
  const r = await client.getProtectionGroupSnapshotTransfers({ sort: 'started-' });
  t.same(r.items.map((x) => x.name), ['pg.s4', 'pg.s3', 'pg.s2', 'pg.s1', 'pg.s0']);
  const offsets = fa.requests.filter((x) => x.path === '/protection-group-snapshots/transfer').map((x) => x.query.get('offset'));
  t.same(offsets, [null, '2', '4']);
  t.equal(r.date, clock.now);
});

t.test('errors[] and gateway messages map to typed errors carrying message and context', async (t) => {
  const cases: Array<[number, unknown, string, RegExp]> = [
    [400, { errors: [{ context: 'pg-x', message: 'Protection group does not exist.' }] }, PureCode.notFound, /does not exist\. \[pg-x\]/],
    [400, { errors: [{ context: 'pg-x', message: 'Protection group already exists.' }] }, PureCode.alreadyExists, /already exists/],
    [400, { errors: [{ context: 'pg-x', message: 'Protection group already includes fa-b.' }] }, PureCode.alreadyExists, /already includes/],
    [400, { errors: [{ context: 'v', message: 'Invalid value for frequency.' }] }, PureCode.rejected, /Invalid value/],
    [403, { message: 'Forbidden by policy' }, PureCode.forbidden, /HTTP 403\): Forbidden by policy/],
    [404, { message: 'Not found' }, PureCode.notFound, /HTTP 404/],
    [429, { message: 'Rate limit exceeded' }, PureCode.rateLimited, /Rate limit exceeded/],
    [500, { errors: [{ message: 'Internal error' }] }, PureCode.server, /HTTP 500\): Internal error/],
  ];
  const { fa, client } = await served(t);
  for (const [status, body, code, re] of cases) {
    fa.fail('PATCH', '/protection-groups', status, body);
    const err = await rejects(client.patchProtectionGroup('pg-x', { replication_schedule: { enabled: true } }));
    t.equal(err.code, code, `${status} ${JSON.stringify(body)}`);
    t.match(err.message, re);
    t.match(err.message, /^site-a: PATCH \/protection-groups failed/);
    t.equal((err.details as Record<string, unknown>).status, status);
    t.notMatch(err.message, new RegExp(fa.token));
  }
  t.equal(isUnreachable(await rejects((fa.fail('GET', '/pods', 503, { message: 'busy' }), client.getPods()))), true, '5xx counts as unreachable for status()');
});

t.test('207 partial success returns the items and the per-item errors', async (t) => {
  const { fa, client } = await served(t);
  fa.fail('PATCH', '/volumes', 207, {
    items: [{ name: 'v1', destroyed: true }],
    errors: [{ context: 'v2', message: 'Volume does not exist.' }],
  });
  const r = await client.call('PATCH', '/volumes', { query: { names: ['v1', 'v2'] }, body: { destroyed: true } });
  t.equal(r.status, 207);
  t.same(r.errors, [{ context: 'v2', message: 'Volume does not exist.' }]);
  t.equal((r.body as { items: unknown[] }).items.length, 1);
});

t.test('names that do not exist read as an empty list', async (t) => {
  const { client } = await served(t);
  t.same(await client.getProtectionGroups({ names: ['nope'] }), []);
  t.same(await client.getPods({ names: ['nope'] }), []);
});

t.test('unreachable array: typed transport error, no token', async (t) => {
  const fa = new FakeArray('fa-x', clock);
  const srv = await fa.listen();
  await srv.close();
  const client = new PureClient({ endpoint: srv.url, apiToken: fa.token, http: createHttpClient({ maxAttempts: 1 }), site: 'site-x' });
  const err = await rejects(client.getArrays());
  t.equal(isUnreachable(err), true, err.code);
  t.notMatch(err.message, new RegExp(fa.token));
});

t.test('scripted transport: x-next-token header, non-JSON body, transport rejection', async (t) => {
  const script: Array<Partial<HttpResponse>> = [];
  const seen: string[] = [];
  const http: HttpClient = {
    async request(req) {
      seen.push(`${req.method} ${req.url}`);
      if (req.url.endsWith('/api/api_version')) return { status: 200, headers: {}, json: { version: ['2.2'] }, text: '' };
      if (req.url.endsWith('/login')) return { status: 200, headers: { 'x-auth-token': 'sess' }, json: {}, text: '{}' };
      const next = script.shift();
      if (!next) throw new Error('ECONNRESET');
      return { status: 200, headers: {}, json: undefined, text: '', ...next } as HttpResponse;
    },
  };
  const client = new PureClient({ endpoint: 'https://fa.example', apiToken: 'tok-secret-1234', http, site: 's' });
  script.push({ json: { items: [{ name: 'a' }], continuation_token: null }, headers: { 'x-next-token': 'T2' } });
  script.push({ json: { items: [{ name: 'b' }], continuation_token: null } });
  const pods = await client.getPods();
  t.same(pods.map((p) => p.name), ['a', 'b']);
  t.match(seen.at(-1)!, /continuation_token=T2/);
  script.push({ text: '<html>proxy</html>' });
  t.equal((await rejects(client.getPods())).code, PureCode.badResponse);
  const err = await rejects(client.getPods());
  t.equal(err.code, PureCode.unreachable);
  t.match(err.message, /unreachable \(GET \/pods\): ECONNRESET/);
});
