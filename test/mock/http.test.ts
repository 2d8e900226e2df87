/** The mock over HTTP: auth, catalog, 401s, microversions, pagination, error bodies, counts, Date. */
import t from 'tap';
import fetch from 'node-fetch';
import { serve, NOVA, CINDER, specWith, type Served } from './helpers.js';
import { createVolume } from '../../src/mock/cinder.js';

const vol = (s: Served) => `/volume/v3/${s.handle.world.site('site-a').keystone.project.id}`;

t.test('keystone: 201 + X-Subject-Token, a catalog pointing back at the site', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const c = s.handle.sites['site-a']!.cloud;
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: c.auth.username, domain: { name: 'Default' }, password: c.auth.password } } },
      scope: { project: { name: c.auth.projectName, domain: { name: 'Default' } } },
    },
  };
  const res = await s.call('site-a', 'POST', '/identity/v3/auth/tokens', { token: null, body });
  t.equal(res.status, 201);
  t.ok(res.headers['x-subject-token'], 'token in X-Subject-Token');
  t.match(res.body.token, { methods: ['password'], project: { name: 'production-project' }, roles: [{ name: 'member' }, { name: 'reader' }] });
  const cat = res.body.token.catalog as { type: string; endpoints: { interface: string; url: string; region_id: string }[] }[];
  t.same(cat.map((x) => x.type).sort(), ['block-storage', 'compute', 'identity', 'network', 'volumev3']);
  const origin = `http://127.0.0.1:${s.handle.ports['site-a']}`;
  for (const svc of cat) {
    t.same(svc.endpoints.map((e) => e.interface), ['public', 'internal', 'admin']);
    t.ok(svc.endpoints.every((e) => e.url.startsWith(origin) && e.region_id === 'RegionOne'), `${svc.type} points at site-a's listener`);
  }
  // follow the catalog to each service
  const tok = res.headers['x-subject-token']!;
  const url = (type: string) => cat.find((x) => x.type === type)!.endpoints[0]!.url;
  for (const [type, path, headers] of [
    ['compute', '/servers/detail', NOVA],
    ['volumev3', '/volumes/detail', CINDER],
    ['network', '/v2.0/networks', {}],
  ] as const) {
    const r = await fetch(url(type) + path, { headers: { 'X-Auth-Token': tok, ...headers } });
    t.equal(r.status, 200, `${type} answers with the catalog URL`);
  }
  const wrong = await s.call('site-a', 'POST', '/identity/v3/auth/tokens', { token: null, body: { ...body, auth: { ...body.auth, identity: { methods: ['password'], password: { user: { ...body.auth.identity.password.user, password: 'nope' } } } } } });
  t.match(wrong, { status: 401, body: { error: { code: 401, title: 'Unauthorized' } } });
  t.match(wrong.headers['www-authenticate'], /^Keystone uri="http:\/\/127\.0\.0\.1:\d+\/identity\/v3"$/);
  // a site-a token is not valid at site-b
  const cross = await s.call('site-b', 'GET', '/compute/v2.1/servers', { token: tok, headers: NOVA });
  t.equal(cross.status, 401);
});

t.test('application-credential auth; no scope allowed', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const ac = s.handle.world.site('site-a').keystone.appCredentials[0]!;
  const ok = await s.call('site-a', 'POST', '/identity/v3/auth/tokens', { token: null, body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } } });
  t.equal(ok.status, 201);
  t.match(ok.body.token, { methods: ['application_credential'], application_credential: { id: ac.id, name: 'drctl-mock' } });
  const scoped = await s.call('site-a', 'POST', '/identity/v3/auth/tokens', {
    token: null,
    body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } }, scope: { project: { id: 'x' } } } },
  });
  t.match(scoped, { status: 401, body: { error: { identity: {}, message: /cannot request a scope/ } } });
});

t.test('401 without a token, with a bad one, and with an expired one', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const paths: [string, Record<string, string>][] = [
    ['/compute/v2.1/servers/detail', NOVA],
    [`${vol(s)}/volumes/detail`, CINDER],
    ['/network/v2.0/networks', {}],
    ['/identity/v3/auth/catalog', {}],
  ];
  for (const [p, h] of paths) {
    for (const token of [null, 'gAAAAAforged.sig']) {
      const r = await s.call('site-a', 'GET', p, { token, headers: h });
      t.match(r, { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.' } } }, `${p} ${token ? 'bad' : 'no'} token`);
      t.notOk(r.headers['openstack-api-version'], 'keystonemiddleware answers: no microversion header');
    }
  }
  const tok = await s.token('site-a');
  t.equal((await s.call('site-a', 'GET', '/compute/v2.1/servers', { token: tok, headers: NOVA })).status, 200);
  s.clock.tick(3600_000);
  t.equal((await s.call('site-a', 'GET', '/compute/v2.1/servers', { token: tok, headers: NOVA })).status, 401, 'expired on the simulated clock');
});

t.test('microversions: echoed with Vary; out of range is 406; gated routes 404', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const r = await s.call('site-a', 'GET', '/compute/v2.1/servers/detail', { headers: NOVA });
  t.equal(r.headers['openstack-api-version'], 'compute 2.79');
  t.equal(r.headers['x-openstack-nova-api-version'], '2.79');
  t.equal(r.headers.vary, 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  t.match(r.body.servers[0], { flavor: { original_name: String }, image: '' }, 'embedded flavor from 2.47');
  const old = await s.call('site-a', 'GET', '/compute/v2.1/servers/detail');
  t.equal(old.headers['openstack-api-version'], 'compute 2.1', 'no header: the minimum');
  t.match(old.body.servers[0].flavor, { id: String, links: Array });
  const high = await s.call('site-a', 'GET', '/compute/v2.1/servers', { headers: { 'OpenStack-API-Version': 'compute 2.200' } });
  t.match(high, { status: 406, body: { computeFault: { code: 406, message: 'Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.93.' } } });
  const cv = await s.call('site-a', 'GET', `${vol(s)}/volumes/detail`, { headers: CINDER });
  t.equal(cv.headers['openstack-api-version'], 'volume 3.60');
  t.equal(cv.headers.vary, 'OpenStack-API-Version');
  t.equal((await s.call('site-a', 'GET', `${vol(s)}/groups`, { headers: { 'OpenStack-API-Version': 'volume 3.0' } })).status, 404, 'groups need 3.13');
  t.equal((await s.call('site-a', 'GET', `${vol(s)}/groups`, { headers: { 'OpenStack-API-Version': 'volume 3.99' } })).status, 406);
});

t.test('pagination: Nova/Cinder limit+marker with *_links only on full pages; Neutron next/previous', async (t) => {
  const s = await serve(specWith({ members: 5 }));
  t.teardown(() => s.handle.close());
  const seen: string[] = [];
  let next: string | undefined = '/compute/v2.1/servers/detail?limit=2';
  let pages = 0;
  while (next) {
    const r: { body: any } = await s.call('site-a', 'GET', next, { headers: NOVA });
    seen.push(...r.body.servers.map((x: { id: string }) => x.id));
    const link = (r.body.servers_links ?? []).find((l: { rel: string }) => l.rel === 'next');
    next = link?.href;
    if (link) t.match(link.href, /limit=2&marker=[0-9a-f-]{36}$/);
    pages++;
  }
  t.equal(seen.length, 5);
  t.equal(new Set(seen).size, 5, 'no server twice');
  t.equal(pages, 3, 'a non-full page ends the walk');
  const exact = await s.call('site-a', 'GET', '/compute/v2.1/servers/detail?limit=5', { headers: NOVA });
  t.ok(exact.body.servers_links, 'a full page links next even when nothing follows (as real Nova)');
  const last = await s.call('site-a', 'GET', exact.body.servers_links[0].href, { headers: NOVA });
  t.same(last.body, { servers: [] });
  const bad = await s.call('site-a', 'GET', '/compute/v2.1/servers/detail?marker=nope', { headers: NOVA });
  t.match(bad, { status: 400, body: { badRequest: { message: 'marker [nope] not found' } } });
  const unknown = await s.call('site-a', 'GET', '/compute/v2.1/servers/detail?foo=1', { headers: NOVA });
  t.equal(unknown.status, 400, 'unknown query parameter at 2.75+');

  const v1 = await s.call('site-a', 'GET', `${vol(s)}/volumes/detail?limit=4`, { headers: CINDER });
  t.equal(v1.body.volumes.length, 4);
  t.match(v1.body.volumes_links, [{ rel: 'next', href: /limit=4&marker=/ }]);
  const v2 = await s.call('site-a', 'GET', v1.body.volumes_links[0].href, { headers: CINDER });
  t.equal(v2.body.volumes.length, 2);
  t.notOk(v2.body.volumes_links);

  const n1 = await s.call('site-a', 'GET', '/network/v2.0/ports?limit=2');
  t.equal(n1.body.ports.length, 2);
  t.match(n1.body.ports_links, [{ rel: 'next' }]);
  const n2 = await s.call('site-a', 'GET', n1.body.ports_links[0].href);
  t.match(n2.body.ports_links, [{ rel: 'next' }, { rel: 'previous' }]);
});

t.test('error bodies: itemNotFound, badRequest, conflictingRequest, forbidden, NeutronError', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const missing = '0f6a9a2c-2f7b-4a59-9d3a-7a1e6f0c0b11';
  t.match(await s.call('site-a', 'GET', `/compute/v2.1/servers/${missing}`, { headers: NOVA }), {
    status: 404,
    body: { itemNotFound: { code: 404, message: `Instance ${missing} could not be found.` } },
  });
  t.match(await s.call('site-a', 'GET', `${vol(s)}/volumes/${missing}`, { headers: CINDER }), {
    status: 404,
    body: { itemNotFound: { code: 404, message: `Volume ${missing} could not be found.` } },
  });
  t.match(await s.call('site-a', 'GET', `/network/v2.0/networks/${missing}`), {
    status: 404,
    body: { NeutronError: { type: 'NetworkNotFound', message: `Network ${missing} could not be found.`, detail: '' } },
  });
  const srv = Object.values(s.handle.world.site('site-a').nova.servers)[0]!;
  const start = await s.call('site-a', 'POST', `/compute/v2.1/servers/${srv.id}/action`, { headers: NOVA, body: { 'os-start': null } });
  t.match(start, { status: 409, body: { conflictingRequest: { code: 409, message: `Cannot 'start' instance ${srv.id} while it is in vm_state active` } } });
  const manage = await s.call('site-a', 'POST', `${vol(s)}/manageable_volumes`, { headers: CINDER, body: { volume: { host: 'x', ref: { 'source-name': 'y' } } } });
  t.same(manage.body, { forbidden: { code: 403, message: "Policy doesn't allow volume_extension:volume_manage to be performed." } }, 'the member gets the policy 403');
  const blank = createVolume(s.handle.world, s.handle.world.site('site-a'), { name: 'blank', size: 1, type: s.handle.world.index('site-a').typeByName.get('replicated-ssd')!, ready: true });
  await s.handle.world.commit();
  const boot = await s.call('site-a', 'POST', '/compute/v2.1/servers', {
    headers: NOVA,
    body: { server: { name: 'x', flavorRef: '1', networks: 'none', block_device_mapping_v2: [{ boot_index: 0, uuid: blank.id, source_type: 'volume', destination_type: 'volume' }] } },
  });
  t.match(boot, { status: 400, body: { badRequest: { message: `Block Device ${blank.id} is not bootable.` } } });
});

t.test('nova create/stop/start/delete and metadata over HTTP; volumes follow', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const w = s.handle.world;
  const v = createVolume(w, w.site('site-a'), { name: 'b', size: 1, type: w.index('site-a').typeByName.get('replicated-ssd')!, bootable: true, ready: true });
  await w.commit();
  const net = w.index('site-a').networkByName.get('net-primary-web')!;
  const created = await s.call('site-a', 'POST', '/compute/v2.1/servers', {
    headers: NOVA,
    body: { server: { name: 'new', flavorRef: w.index('site-a').flavorByName.get('m1.small')!.id, networks: [{ uuid: net.id }], key_name: 'ops-key', metadata: { a: '1' }, block_device_mapping_v2: [{ boot_index: 0, uuid: v.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }] } },
  });
  t.equal(created.status, 202);
  const id = created.body.server.id;
  t.equal(created.headers.location, `http://127.0.0.1:${s.handle.ports['site-a']}/compute/v2.1/servers/${id}`);
  const show = async () => (await s.call('site-a', 'GET', `/compute/v2.1/servers/${id}`, { headers: NOVA })).body.server;
  t.equal((await show()).status, 'BUILD');
  const cv = async () => (await s.call('site-a', 'GET', `${vol(s)}/volumes/${v.id}`, { headers: CINDER })).body.volume;
  t.match(await cv(), { status: 'in-use', attachments: [{ server_id: id }] });
  s.clock.tick(1000);
  t.match(await show(), { status: 'ACTIVE', key_name: 'ops-key', addresses: { 'net-primary-web': [{ version: 4 }] } });
  t.match((await s.call('site-a', 'GET', `/network/v2.0/ports?device_id=${id}`)).body.ports, [{ device_id: id, network_id: net.id, status: 'ACTIVE' }]);
  t.equal((await s.call('site-a', 'POST', `/compute/v2.1/servers/${id}/action`, { headers: NOVA, body: { 'os-stop': null } })).status, 202);
  s.clock.tick(500);
  t.equal((await show()).status, 'SHUTOFF');
  t.match((await s.call('site-a', 'POST', `/compute/v2.1/servers/${id}/metadata`, { headers: NOVA, body: { metadata: { b: '2' } } })).body, { metadata: { a: '1', b: '2' } });
  t.same((await s.call('site-a', 'PUT', `/compute/v2.1/servers/${id}/metadata/b`, { headers: NOVA, body: { meta: { b: '3' } } })).body, { meta: { b: '3' } });
  t.equal((await s.call('site-a', 'DELETE', `/compute/v2.1/servers/${id}/metadata/a`, { headers: NOVA })).status, 204);
  t.same((await s.call('site-a', 'PUT', `/compute/v2.1/servers/${id}/metadata`, { headers: NOVA, body: { metadata: { only: 'x' } } })).body, { metadata: { only: 'x' } });
  t.match((await s.call('site-a', 'GET', `/compute/v2.1/servers/${id}/os-volume_attachments`, { headers: NOVA })).body, { volumeAttachments: [{ volumeId: v.id, delete_on_termination: false }] });
  t.equal((await s.call('site-a', 'DELETE', `/compute/v2.1/servers/${id}`, { headers: NOVA })).status, 204);
  t.equal((await s.call('site-a', 'GET', `/compute/v2.1/servers/${id}`, { headers: NOVA })).status, 404);
  t.match(await cv(), { status: 'available', attachments: [] });
});

t.test('cinder over HTTP: filters, types as a member sees them, groups, delete rules', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const pid = s.handle.world.site('site-a').keystone.project.id;
  const types = (await s.call('site-a', 'GET', `${vol(s)}/types`, { headers: CINDER })).body.volume_types;
  const rep = types.find((x: { name: string }) => x.name === 'replicated-ssd');
  t.same(rep.extra_specs, { replication_enabled: '<is> True' }, 'member: only user-visible extra specs');
  const adminTypes = (await s.call('site-a', 'GET', `${vol(s)}/types/${rep.id}/extra_specs`, { headers: CINDER, admin: true })).body.extra_specs;
  t.match(adminTypes, { replication_type: '<in> async', volume_backend_name: 'pure' }, 'admin sees all');
  const meta = encodeURIComponent(JSON.stringify({ 'drctl.member': 'db-server-1' }));
  const tagged = (await s.call('site-a', 'GET', `${vol(s)}/volumes/detail?metadata=${meta}`, { headers: CINDER })).body.volumes;
  t.equal(tagged.length, 2, 'metadata filter: the db server boot + data volumes');
  const g = Object.values(s.handle.world.site('site-a').cinder.groups)[0]!;
  t.equal((await s.call('site-a', 'GET', `${vol(s)}/volumes/detail?group_id=${g.id}`, { headers: CINDER })).body.volumes.length, 4);
  t.match((await s.call('site-a', 'GET', `${vol(s)}/volumes/detail?bogus=1`, { headers: CINDER })), { status: 400, body: { badRequest: { message: /Invalid filters bogus/ } } });
  const shown = (await s.call('site-a', 'GET', `${vol(s)}/groups/${g.id}?list_volume=True`, { headers: CINDER })).body.group;
  t.equal(shown.volumes.length, 4);
  const del = await s.call('site-a', 'DELETE', `${vol(s)}/volumes/${shown.volumes[0]}`, { headers: CINDER });
  t.match(del, { status: 400, body: { badRequest: { message: /must not be migrating, attached, belong to a group/ } } });
  const upd = await s.call('site-a', 'PUT', `${vol(s)}/groups/${g.id}`, { headers: CINDER, body: { group: { add_volumes: 'nope' } } });
  t.match(upd, { status: 400, body: { badRequest: { message: `Invalid volume: Cannot add volume nope to group ${g.id} because volume cannot be found.` } } });
  const gdel = await s.call('site-a', 'POST', `${vol(s)}/groups/${g.id}/action`, { headers: CINDER, body: { delete: { 'delete-volumes': false } } });
  t.match(gdel, { status: 400, body: { badRequest: { message: /still contains volumes/ } } });
  t.equal(pid.length, 32);
});

t.test('every response carries a Date on the simulated clock; requests are counted per site and service', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  s.handle.resetCounts();
  const r = await s.call('site-a', 'GET', '/compute/v2.1/servers', { headers: NOVA });
  t.equal(Date.parse(r.headers.date!), Math.floor(s.clock.now() / 1000) * 1000);
  s.handle.world.advance(3600_000);
  await s.handle.world.commit();
  const r2 = await s.call('site-b', 'GET', '/network/v2.0/networks', { token: await s.token('site-b') });
  t.equal(Date.parse(r2.headers.date!), Math.floor((s.clock.now() + 3600_000) / 1000) * 1000, 'mock advance shows in Date');
  const counts = s.handle.requestCounts();
  t.equal(counts['site-a']!.nova, 1);
  t.equal(counts['site-b']!.neutron, 1);
  t.ok(counts['site-b']!.keystone! >= 1, 'token requests count as keystone');
});

t.test('a GET never rewrites the world file', async (t) => {
  const { statSync } = await import('node:fs');
  const s = await serve();
  t.teardown(() => s.handle.close());
  const before = statSync(s.file);
  for (const p of ['/compute/v2.1/servers/detail', `${vol(s)}/volumes/detail`]) await s.call('site-a', 'GET', p, { headers: p.startsWith('/compute') ? NOVA : CINDER });
  const after = statSync(s.file);
  t.equal(after.mtimeMs, before.mtimeMs);
  t.equal(after.ino, before.ino);
});

