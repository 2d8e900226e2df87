import t from 'tap';
import { createHttpClient, createRequestCounter, type HttpClient, type HttpRequest, type HttpResponse } from '../../../src/providers/http.js';
import {
  OpenStackSession,
  compareMicroversions,
  parseMicroversion,
  parseVersionDocument,
  rebase,
  unversionedRoot,
} from '../../../src/providers/openstack/session.js';
import { buildAuthRequest, findEndpoint, parseToken } from '../../../src/providers/openstack/keystone.js';
import { apiError, parseFault } from '../../../src/providers/openstack/errors.js';
import { SecretRegistry } from '../../../src/providers/redact.js';
import { DrctlError } from '../../../src/errors.js';
import { startFakeCloud, type FakeCloudOptions } from './fake-cloud.js';
import { readFileSync } from 'node:fs';

const FIX = '/work/shared/fixtures/openstack';
const fixture = (p: string) => JSON.parse(readFileSync(`${FIX}/${p}`, 'utf8')) as unknown;

function http(counter?: ReturnType<typeof createRequestCounter>) {
  return createHttpClient({ site: 'site-a', sleep: async () => undefined, onRequest: counter?.hook });
}

type TT = { teardown(fn: () => unknown): void };
async function setup(t: TT, opts: FakeCloudOptions = {}, sessOpts: { now?: () => number; appCred?: boolean; warn?: string[] } = {}) {
  const fake = await startFakeCloud(opts);
  t.teardown(() => fake.close());
  const counter = createRequestCounter();
  const secrets = new SecretRegistry();
  const session = new OpenStackSession({
    site: 'site-a',
    cloud: sessOpts.appCred ? fake.appCredCloud() : fake.cloud(),
    http: createHttpClient({ site: 'site-a', sleep: async () => undefined, onRequest: counter.hook, secrets }),
    now: sessOpts.now,
    secrets,
    logger: { warn: (m) => sessOpts.warn?.push(m) },
  });
  return { fake, session, counter, secrets };
}

t.test('auth request bodies: password project-scoped (names or ids), app credential without scope', async (t) => {
  const base = { name: 'c', interface: 'public' as const, verify: true };
  t.same(
    buildAuthRequest({ ...base, authType: 'password', auth: { authUrl: 'u', username: 'demo', password: 'pw', userDomainName: 'Default', projectName: 'demo', projectDomainId: 'default' } }),
    { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'pw' } } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } },
  );
  // The fixture request shapes are what we send.
  const byId = fixture('keystone/auth/requests/project-name-password.json') as { auth: { identity: { password: { user: { id: string; password: string } } } } };
  t.same(
    buildAuthRequest({ ...base, authType: 'password', auth: { authUrl: 'u', userId: byId.auth.identity.password.user.id, password: 'devstacker', projectName: 'admin', projectDomainId: 'default' } }),
    byId,
  );
  t.same(
    buildAuthRequest({ ...base, authType: 'v3applicationcredential', auth: { authUrl: 'u', applicationCredentialId: '423f19a4ac1e4f48bbb4180756e6eb6c', applicationCredentialSecret: 'rEaqvJka48mpv' } }),
    fixture('keystone/admin/auth-application-credential-id-request.json'),
  );
  const byName = buildAuthRequest({ ...base, authType: 'v3applicationcredential', auth: { authUrl: 'u', applicationCredentialName: 'drctl', applicationCredentialSecret: 's', username: 'demo', userDomainName: 'Default' } });
  t.same(byName, { auth: { identity: { methods: ['application_credential'], application_credential: { secret: 's', name: 'drctl', user: { name: 'demo', domain: { name: 'Default' } } } } } });
  t.notOk('scope' in (byName as { auth: object }).auth);
});

t.test('token and catalog parsing from the Keystone fixtures; endpoint selection with aliases', async (t) => {
  const tok = parseToken(fixture('keystone/admin/auth-password-project-scoped-response.json'));
  t.equal(tok.project?.name, 'admin');
  t.equal(tok.user.name, 'admin');
  t.equal(tok.expiresAt, Date.parse('2015-11-07T02:58:43.578887Z'));
  t.ok(tok.catalog.length >= 5);
  // This catalog has volume and volumev2 but no volumev3: block-storage falls through the aliases.
  const bs = findEndpoint(tok.catalog, { type: 'block-storage', interface: 'public', region: 'RegionOne' });
  t.equal(bs?.serviceType, 'volumev2');
  t.match(bs?.url, /:8776\/v2\//);
  t.match(findEndpoint(tok.catalog, { type: 'compute', interface: 'internal', region: 'RegionOne' }), { serviceType: 'compute' });
  t.equal(findEndpoint(tok.catalog, { type: 'compute', interface: 'public', region: 'Nowhere' }), undefined);
  const ac = parseToken(fixture('keystone/admin/auth-application-credential-response.json'));
  t.same(ac.applicationCredential, { id: '423f19a4ac1e4f48bbb4180756e6eb6c', name: 'monitoring', restricted: true });
  t.same(ac.methods, ['application_credential']);
  const catalogOnlyRegion = parseToken({ token: { expires_at: '2030-01-01T00:00:00Z', catalog: (fixture('keystone/admin/get-service-catalog-response.json') as { catalog: unknown }).catalog } });
  t.equal(findEndpoint(catalogOnlyRegion.catalog, { type: 'identity', interface: 'public', region: 'RegionOne' })?.url, 'http://localhost:5000', 'region (deprecated) used when region_id is absent');
  t.throws(() => parseToken({}), { code: 'DRCTL_E2037' });
});

t.test('password auth, token cached, microversion headers sent, version checked once', async (t) => {
  const { fake, session, counter } = await setup(t, {
    handler: (r) => (r.path === '/flavors/detail' ? { status: 200, body: { flavors: [] } } : r.path === '/types' ? { status: 200, body: { volume_types: [] } } : undefined),
  });
  for (let i = 0; i < 3; i++) {
    await session.request('compute', { method: 'GET', path: '/flavors/detail' });
    await session.request('block-storage', { method: 'GET', path: '/types' });
  }
  t.equal(fake.issued, 1, 'one token for six calls');
  t.equal(session.authCount, 1);
  const nova = fake.requests.filter((r) => r.service === 'nova' && r.path === '/flavors/detail');
  t.equal(nova[0]!.headers['openstack-api-version'], 'compute 2.79');
  t.equal(nova[0]!.headers['x-openstack-nova-api-version'], '2.79');
  const cinder = fake.requests.filter((r) => r.service === 'cinder' && r.path === '/types');
  t.equal(cinder[0]!.headers['openstack-api-version'], 'volume 3.60');
  t.match(cinder[0]!.url, new RegExp(`/volume/v3/${fake.projectId}/types$`));
  // 1 auth + 1 nova version doc + 1 cinder version doc + 6 calls
  t.same(counter.counts(), { 'site-a': { keystone: 1, nova: 4, cinder: 4 } });
});

t.test('application-credential auth sends no scope and works', async (t) => {
  const { fake, session } = await setup(t, { handler: () => ({ status: 200, body: { networks: [] } }) }, { appCred: true });
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  const auth = fake.requests.find((r) => r.path === '/auth/tokens')!;
  t.notOk('scope' in ((auth.body as { auth: object }).auth as object));
  t.match(auth.url, /\/identity\/v3\/auth\/tokens$/, 'auth_url without /v3 gets it appended');
  t.equal((await session.token()).applicationCredential?.id, 'ac1');
});

t.test('token refreshed shortly before expires_at', async (t) => {
  let now = Date.parse('2024-05-01T00:00:00Z');
  const { fake, session } = await setup(t, { tokenTtlMs: 3_600_000, now: () => now, handler: () => ({ status: 200, body: { networks: [] } }) }, { now: () => now });
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  now += 3_600_000 - 121_000; // 2 min 1 s before expiry: still fresh
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  t.equal(fake.issued, 1);
  now += 2_000; // inside the 120 s margin
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  t.equal(fake.issued, 2);
});

t.test('concurrent callers share one authentication', async (t) => {
  const { fake, session } = await setup(t, { handler: () => ({ status: 200, body: { networks: [] } }) });
  await Promise.all(Array.from({ length: 10 }, () => session.request('network', { method: 'GET', path: '/v2.0/networks' })));
  t.equal(fake.issued, 1);
});

t.test('a 401 from a service re-authenticates once and retries; a second 401 is E2024', async (t) => {
  const { fake, session } = await setup(t, { handler: () => ({ status: 200, body: { networks: [] } }) });
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  fake.revokeAll();
  await session.request('network', { method: 'GET', path: '/v2.0/networks' });
  t.equal(fake.issued, 2, 're-authenticated after the revocation');

  const always401 = await setup(t, { handler: () => ({ status: 401, body: { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } } }) });
  const err = (await always401.session.request('network', { method: 'GET', path: '/v2.0/ports' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2024');
  t.equal(always401.fake.issued, 2, 'exactly one re-authentication');
  t.equal(always401.fake.count('neutron'), 2, 'the call was retried once');
  t.match(err.message, /site-a neutron GET \/v2\.0\/ports → 401 Unauthorized: The request you have made requires authentication\./);
});

t.test('authentication failures: wrong password, app credential of another site, typed and secret-free', async (t) => {
  const fake = await startFakeCloud();
  t.teardown(() => fake.close());
  const secrets = new SecretRegistry();
  const wrong = new OpenStackSession({ site: 'site-a', cloud: fake.cloud({ auth: { ...fake.cloud().auth, password: 'wrong-Password-1' } }), http: http(), secrets });
  const e1 = (await wrong.token().catch((e: unknown) => e)) as DrctlError;
  t.equal(e1.code, 'DRCTL_E2020');
  t.equal(e1.message, 'site-a keystone: authentication failed for user demo (project demo) of cloud site-a → 401: The request you have made requires authentication.');
  t.match(e1.hint, /password/);
  t.notMatch(JSON.stringify({ m: e1.message, h: e1.hint, d: e1.details }), /wrong-Password-1/);

  const other = new OpenStackSession({ site: 'site-b', cloud: { ...fake.appCredCloud(), auth: { ...fake.appCredCloud().auth, applicationCredentialId: 'site-a-cred' } }, http: http() });
  const e2 = (await other.token().catch((e: unknown) => e)) as DrctlError;
  t.equal(e2.code, 'DRCTL_E2020');
  t.match(e2.message, /application credential site-a-cred .* → 404: Could not find Application Credential/);
  t.match(e2.hint, /per Keystone/);
});

t.test('catalog: missing service, region and interface respected, volumev2/volume aliases', async (t) => {
  const { session } = await setup(t, { omit: ['network'] });
  const err = (await session.endpoint('network').catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2022');
  t.match(err.message, /site-a: no network endpoint \(interface public, region RegionOne\) in the catalog of cloud site-a; it has identity\(RegionOne\/OtherRegion public,internal\), compute/);
  t.match(await session.endpoint('compute'), /^http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1$/);

  const internal = await startFakeCloud();
  t.teardown(() => internal.close());
  const s2 = new OpenStackSession({ site: 'site-a', cloud: internal.cloud({ interface: 'internal' }), http: http() });
  t.match(await s2.endpoint('compute'), /^http:\/\/internal\.invalid:\d+\/compute/);
  const s3 = new OpenStackSession({ site: 'site-a', cloud: internal.cloud({ regionName: 'OtherRegion' }), http: http() });
  t.match(await s3.endpoint('block-storage'), /^http:\/\/other-region\.invalid:\d+\/volume\/v3\//);

  for (const cinderType of ['block-storage', 'volume', 'volumev2']) {
    const f = await startFakeCloud({ cinderType });
    t.teardown(() => f.close());
    const s = new OpenStackSession({ site: 'site-a', cloud: f.cloud(), http: http() });
    t.match(await s.endpoint('block-storage'), /\/volume\/v3\/[0-9a-f]+$/, `catalog type ${cinderType}`);
  }
});

t.test('microversion negotiation: out of range is a clear error before any call', async (t) => {
  const old = await setup(t, { novaRange: ['2.1', '2.60'], handler: () => ({ status: 200, body: { servers: [] } }) });
  const err = (await old.session.request('compute', { method: 'GET', path: '/servers/detail' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2023');
  t.equal(err.message, 'site-a nova supports microversions 2.1–2.60; drctl needs 2.79');
  t.match(err.hint, /Train/);
  t.equal(old.fake.requests.filter((r) => r.path === '/servers/detail').length, 0, 'no API call was made');

  const oldCinder = await setup(t, { cinderRange: ['3.0', '3.59'] });
  const e2 = (await oldCinder.session.request('block-storage', { method: 'GET', path: '/volumes/detail' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(e2.message, 'site-a cinder supports microversions 3.0–3.59; drctl needs 3.60');

  t.same(parseVersionDocument(fixture('nova/versions/versions-get-resp.json'), 'compute'), { id: 'v2.1', min: '2.1', max: '2.104', status: 'CURRENT' });
  t.same(parseVersionDocument(fixture('cinder/v3/versions/versions-response.json'), 'block-storage'), { id: 'v3.0', min: '3.0', max: '3.71', status: 'CURRENT' });
  t.same(parseVersionDocument({ version: { id: 'v2.1', version: '2.93', min_version: '2.1' } }, 'compute'), { id: 'v2.1', min: '2.1', max: '2.93', status: undefined });
  t.equal(parseVersionDocument({}, 'compute'), undefined);
  t.ok(compareMicroversions(parseMicroversion('2.104')!, parseMicroversion('2.79')!) > 0, '2.104 > 2.79 (numeric, not lexical)');
  t.equal(parseMicroversion('latest'), undefined);
  t.equal(unversionedRoot('http://h:8776/v3/abc'), 'http://h:8776/');
  t.equal(unversionedRoot('https://h/compute/v2.1'), 'https://h/compute/');
  t.equal(unversionedRoot('http://h:8774/v2.1/'), 'http://h:8774/');
});

t.test('a service without a version document: warning, calls proceed, a 406 maps to E2023', async (t) => {
  const warn: string[] = [];
  const fake = await startFakeCloud({
    handler: (r) => (r.path === '/' ? { status: 404, body: {} } : { status: 406, body: { computeFault: { code: 406, message: 'Version 2.79 is not supported by the API. Minimum is 2.1 and maximum is 2.60.' } } }),
  });
  t.teardown(() => fake.close());
  // An HTTP client on which both version-document URLs of compute answer 404.
  const s2 = new OpenStackSession({ site: 'site-a', cloud: fake.cloud(), http: { request: (req: HttpRequest) => (/\/compute\/(v2\.1\/)?$/.test(req.url) ? Promise.resolve({ status: 404, headers: {}, json: undefined, text: '' }) : http().request(req)) } as HttpClient, logger: { warn: (m) => warn.push(m) } });
  const err = (await s2.request('compute', { method: 'GET', path: '/servers/detail' }).catch((e: unknown) => e)) as DrctlError;
  t.match(warn[0], /site-a nova: no version document found/);
  t.equal(err.code, 'DRCTL_E2023');
  t.match(err.message, /→ 406 computeFault: Version 2\.79 is not supported by the API/);
});

t.test('fault parsing: Nova/Cinder, Neutron, Keystone, and anything else', async (t) => {
  const r = (status: number, json: unknown, text = ''): HttpResponse => ({ status, headers: { 'x-openstack-request-id': 'req-1' }, json, text: text || JSON.stringify(json) });
  const cases: [string, HttpResponse, { fault?: string; message: string }][] = [
    ['nova itemNotFound', r(404, { itemNotFound: { code: 404, message: 'Aggregate agg_h1 could not be found.' } }), { fault: 'itemNotFound', message: 'Aggregate agg_h1 could not be found.' }],
    ['cinder badRequest', r(400, { badRequest: { code: 400, message: 'Invalid volume: Cannot add volume x' } }), { fault: 'badRequest', message: 'Invalid volume: Cannot add volume x' }],
    ['neutron', r(404, { NeutronError: { type: 'NetworkNotFound', message: 'Network n could not be found.', detail: '' } }), { fault: 'NetworkNotFound', message: 'Network n could not be found.' }],
    ['keystone', r(403, { error: { code: 403, title: 'Forbidden', message: 'You are not authorized.' } }), { fault: 'Forbidden', message: 'You are not authorized.' }],
    ['html from a proxy', { status: 502, headers: {}, json: undefined, text: '<html><body><h1>502 Bad Gateway</h1></body></html>' }, { fault: undefined, message: '502 Bad Gateway' }],
  ];
  for (const [name, res, want] of cases) t.match(parseFault(res), want, name);

  const table: [number, string][] = [
    [400, 'DRCTL_E2034'],
    [401, 'DRCTL_E2024'],
    [403, 'DRCTL_E2033'],
    [404, 'DRCTL_E2031'],
    [406, 'DRCTL_E2023'],
    [409, 'DRCTL_E2032'],
    [413, 'DRCTL_E2036'],
    [429, 'DRCTL_E2036'],
    [500, 'DRCTL_E2035'],
    [503, 'DRCTL_E2035'],
    [418, 'DRCTL_E2030'],
  ];
  for (const [status, code] of table) {
    const e = apiError(r(status, { computeFault: { code: status, message: 'm' } }), { site: 'site-b', service: 'nova', method: 'GET', path: '/servers/x' });
    t.equal(e.code, code, `${status} → ${code}`);
    t.match(e.details, { site: 'site-b', service: 'nova', status, apiMessage: 'm', requestId: 'req-1' });
  }
});

t.test('403 on volume manage explains the admin policy and adminCloud', async (t) => {
  const { session } = await setup(t, {
    handler: (r) =>
      r.path === '/manageable_volumes' ? { status: 403, body: { forbidden: { code: 403, message: "Policy doesn't allow volume_extension:volume_manage to be performed." } } } : undefined,
  });
  const err = (await session.request('block-storage', { method: 'POST', path: '/manageable_volumes', json: { volume: {} } }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2033');
  t.equal(err.message, "site-a cinder POST /manageable_volumes → 403 forbidden: Policy doesn't allow volume_extension:volume_manage to be performed.");
  t.match(err.hint, /volume_extension:volume_manage policy defaults to rule:admin_api\. Set `adminCloud:` for site-a/);
  t.match(err.details, { site: 'site-a', service: 'cinder', status: 403, apiMessage: "Policy doesn't allow volume_extension:volume_manage to be performed." });
});

t.test('pagination follows *_links rel=next until gone; next links rebased onto our endpoint', async (t) => {
  const all = Array.from({ length: 25 }, (_, i) => ({ id: `id-${String(i).padStart(3, '0')}` }));
  const { fake, session } = await setup(t, {
    handler: (r) => {
      if (r.path !== '/servers/detail') return undefined;
      const limit = Number(r.query.get('limit') ?? 1000);
      const marker = r.query.get('marker');
      const start = marker ? all.findIndex((s) => s.id === marker) + 1 : 0;
      const page = all.slice(start, start + limit);
      const body: Record<string, unknown> = { servers: page };
      // Nova builds next links from its own idea of its URL (here: a host we cannot reach).
      if (page.length === limit) body.servers_links = [{ rel: 'next', href: `http://nova.internal.invalid:8774/compute/v2.1/servers/detail?limit=${limit}&marker=${page[page.length - 1]!.id}` }];
      return { status: 200, body };
    },
  });
  const items = await session.paginate('compute', '/servers/detail', 'servers', { limit: 10 });
  t.equal(items.length, 25);
  t.same(
    (items as { id: string }[]).map((s) => s.id),
    all.map((s) => s.id),
  );
  t.equal(fake.requests.filter((r) => r.path === '/servers/detail').length, 3);
  t.equal(rebase('http://127.0.0.1:1/compute/v2.1', 'http://other:8774/compute/v2.1/servers?marker=x'), 'http://127.0.0.1:1/compute/v2.1/servers?marker=x');
  t.equal(rebase('http://127.0.0.1:1/x', '/x/servers?marker=y'), 'http://127.0.0.1:1/x/servers?marker=y');
});

t.test('pagination that never ends is an error, not a hang', async (t) => {
  const { session } = await setup(t, {
    handler: () => ({ status: 200, body: { volumes: [{ id: 'a' }], volumes_links: [{ rel: 'next', href: 'http://127.0.0.1:1/volume/v3/p/volumes/detail?marker=a' }] } }),
  });
  const err = (await session.paginate('block-storage', '/volumes/detail', 'volumes').catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2037');
  t.match(err.message, /pagination does not end/);
});

t.test('no token or password ever appears in errors or logs of a session', async (t) => {
  const debug: string[] = [];
  const fake = await startFakeCloud({
    handler: (r) => ({ status: 500, body: { computeFault: { code: 500, message: `boom with token ${String(r.headers['x-auth-token'])}` } } }),
  });
  t.teardown(() => fake.close());
  const secrets = new SecretRegistry();
  const session = new OpenStackSession({
    site: 'site-a',
    cloud: fake.cloud(),
    secrets,
    http: createHttpClient({ site: 'site-a', secrets, sleep: async () => undefined, logger: { warn: (m) => debug.push(m), debug: (m) => debug.push(m) } }),
  });
  const err = (await session.request('compute', { method: 'GET', path: '/servers/detail' }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2035');
  const everything = [err.message, err.hint, JSON.stringify(err.details), ...debug].join('\n');
  t.ok(fake.tokens.size > 0);
  for (const tok of fake.tokens) t.notOk(everything.includes(tok), 'token redacted');
  t.notOk(everything.includes(fake.password));
  t.match(err.message, /boom with token <redacted>/);
});
