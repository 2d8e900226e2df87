/** Every fault kind, observed through the APIs (and faults written by another process). */
import t from 'tap';
import http from 'node:http';
import fetch from 'node-fetch';
import { addFault, clearFaults, MOCK_APIS } from '../../src/mock/faults.js';
import { MockWorld } from '../../src/mock/world.js';
import { serve, NOVA, CINDER, pureCaller } from './helpers.js';

/** Adds a fault the way `drctl mock fault add` does: another MockWorld on the same file. */
async function fromOtherProcess(file: string, f: Parameters<typeof addFault>[1], realNow?: () => number): Promise<void> {
  const w = await MockWorld.open(file, { realNow });
  addFault(w, f);
  await w.commit();
}

t.test('unreachable: that site refuses connections, the other answers; clear reopens the same port', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const portB = s.handle.ports['site-b'];
  const tokB = await s.token('site-b');
  await fromOtherProcess(s.file, { site: 'site-b', kind: 'unreachable' });
  await s.handle.sync();
  // a new connection (no pooled keep-alive socket): refused
  const agent = new http.Agent({ keepAlive: false });
  const err = (await fetch(s.url('site-b', '/identity/v3'), { agent }).catch((e: Error & { code?: string }) => e)) as Error & { code?: string };
  t.equal(err.code, 'ECONNREFUSED', 'site-b: connection refused');
  t.equal((await s.call('site-a', 'GET', '/compute/v2.1/servers', { headers: NOVA })).status, 200, 'site-a still answers');
  const w = await MockWorld.open(s.file);
  clearFaults(w, 'site-b');
  await w.commit();
  await s.handle.sync();
  t.equal(s.handle.ports['site-b'], portB);
  t.equal((await s.call('site-b', 'GET', '/network/v2.0/networks', { token: tokB })).status, 200, 'back on the same port; its tokens still valid');
});

t.test('latency: every call of that site waits --ms', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  await fromOtherProcess(s.file, { site: 'site-a', kind: 'latency', ms: 250 });
  await s.call('site-a', 'GET', '/compute/v2.1/servers', { headers: NOVA });
  await s.call('site-b', 'GET', '/network/v2.0/networks', { token: await s.token('site-b') });
  t.ok(s.sleeps.length >= 1 && s.sleeps.every((ms) => ms === 250), `site-a calls slept 250ms: ${s.sleeps}`);
  const n = s.sleeps.length;
  await s.call('site-b', 'GET', '/network/v2.0/networks', { token: await s.token('site-b') });
  t.equal(s.sleeps.length, n, 'site-b does not wait');
});

t.test('error --api NAME --status CODE --count N: fails N times in the service\'s own shape, then succeeds', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const pid = s.handle.world.site('site-a').keystone.project.id;
  const table: [string, string, string, Record<string, string>, number, (b: any) => boolean][] = [
    ['nova.servers.list', 'GET', '/compute/v2.1/servers/detail', NOVA, 503, (b) => b.serviceUnavailable?.code === 503],
    ['cinder.volumes.list', 'GET', `/volume/v3/${pid}/volumes/detail`, CINDER, 500, (b) => b.computeFault?.code === 500],
    ['neutron.networks.list', 'GET', '/network/v2.0/networks', {}, 500, (b) => typeof b.NeutronError?.message === 'string'],
    ['keystone.catalog', 'GET', '/identity/v3/auth/catalog', {}, 503, (b) => b.error?.code === 503],
  ];
  for (const [api, method, path, headers, status, shape] of table) {
    await fromOtherProcess(s.file, { site: 'site-a', kind: 'error', api, status, count: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await s.call('site-a', method, path, { headers });
      t.equal(r.status, status, `${api} fails (${i + 1}/2)`);
      t.ok(shape(r.body), `${api} error body shape: ${JSON.stringify(r.body)}`);
    }
    t.equal((await s.call('site-a', method, path, { headers })).status, 200, `${api} then succeeds`);
  }
  t.equal(s.handle.world.data.faults.length, 0, 'used-up faults are removed');
  // the array: pure errors[]
  await fromOtherProcess(s.file, { site: 'site-b', kind: 'error', api: 'pure.volumes.create', status: 500 });
  const b = await pureCaller(s, 'site-b');
  t.match(await b('POST', '/volumes?names=x', { provisioned: 1024 }), { status: 500, body: { errors: [{ message: /Injected fault/ }] } });
  t.match(await b('POST', '/volumes?names=x', { provisioned: 1024 }), { status: 500 }, 'without --count: until cleared');
});

t.test('policy-denied --api cinder.volume_manage: the admin also gets the seeds\' 403', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const site = s.handle.world.site('site-a');
  const pid = site.keystone.project.id;
  const body = { volume: { host: site.cinder.host, ref: { 'source-name': 'nothing' }, name: 'x' } };
  t.equal((await s.call('site-a', 'POST', `/volume/v3/${pid}/manageable_volumes`, { admin: true, headers: CINDER, body })).status, 202, 'admin may manage');
  await fromOtherProcess(s.file, { site: 'site-a', kind: 'policy-denied', api: 'cinder.volume_manage' });
  const denied = await s.call('site-a', 'POST', `/volume/v3/${pid}/manageable_volumes`, { admin: true, headers: CINDER, body });
  t.equal(denied.status, 403);
  t.same(denied.body, { forbidden: { code: 403, message: "Policy doesn't allow volume_extension:volume_manage to be performed." } });
});

t.test('missing-flavor / missing-network: gone from listings, shows 404, boots 400', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const w = s.handle.world;
  const flavor = w.index('site-b').flavorByName.get('m2.large')!;
  const net = w.index('site-b').networkByName.get('net-secondary-web')!;
  await fromOtherProcess(s.file, { site: 'site-b', kind: 'missing-flavor', name: 'm2.large' });
  await fromOtherProcess(s.file, { site: 'site-b', kind: 'missing-network', name: 'net-secondary-web' });
  const tok = await s.token('site-b');
  const flavors = (await s.call('site-b', 'GET', '/compute/v2.1/flavors/detail', { token: tok, headers: NOVA })).body.flavors.map((f: { name: string }) => f.name);
  t.notOk(flavors.includes('m2.large'));
  t.ok(flavors.includes('m1.small'));
  t.equal((await s.call('site-b', 'GET', `/compute/v2.1/flavors/${flavor.id}`, { token: tok, headers: NOVA })).status, 404);
  const nets = (await s.call('site-b', 'GET', '/network/v2.0/networks', { token: tok })).body.networks.map((n: { name: string }) => n.name);
  t.notOk(nets.includes('net-secondary-web'));
  t.equal((await s.call('site-b', 'GET', `/network/v2.0/networks?name=net-secondary-web`, { token: tok })).body.networks.length, 0);
  t.equal((await s.call('site-b', 'GET', `/network/v2.0/networks/${net.id}`, { token: tok })).status, 404);
  const boot = await s.call('site-b', 'POST', '/compute/v2.1/servers', {
    token: tok,
    headers: NOVA,
    body: { server: { name: 'x', flavorRef: flavor.id, networks: [{ uuid: net.id }], block_device_mapping_v2: [{ boot_index: 0, uuid: 'v', source_type: 'volume', destination_type: 'volume' }] } },
  });
  t.match(boot, { status: 400, body: { badRequest: { message: `Flavor ${flavor.id} could not be found.` } } });
  clearFaults(w);
  await w.commit();
  t.equal((await s.call('site-b', 'GET', `/compute/v2.1/flavors/${flavor.id}`, { token: tok, headers: NOVA })).status, 200, 'back after clear');
});

t.test('replication-down: the array reports growing lag', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const b = await pureCaller(s, 'site-b');
  const lag = async () => {
    const r = await b('GET', `/protection-group-snapshots/transfer?names=fa-a:pg-app&filter=progress='1.0'&sort=started-`);
    return Date.parse(r.headers.date!) - r.body.items[0].started;
  };
  await fromOtherProcess(s.file, { site: 'site-a', kind: 'replication-down' }, s.clock.now);
  const l0 = await lag();
  s.clock.tick(600_000);
  const l1 = await lag();
  t.ok(l1 - l0 >= 600_000, `lag grew by the elapsed time (${l0} → ${l1})`);
});

t.test('fault input is validated', async (t) => {
  const s = await serve();
  t.teardown(() => s.handle.close());
  const w = s.handle.world;
  t.throws(() => addFault(w, { site: 'nowhere', kind: 'unreachable' }), { code: 'DRCTL_E5004' });
  t.throws(() => addFault(w, { site: 'site-a', kind: 'error', api: 'nova.nope', status: 500 }), { code: 'DRCTL_E5005', message: /unknown API name/ });
  t.throws(() => addFault(w, { site: 'site-a', kind: 'error', api: 'nova.servers.create', status: 200 }), { code: 'DRCTL_E5005' });
  t.throws(() => addFault(w, { site: 'site-a', kind: 'latency' }), { code: 'DRCTL_E5005' });
  t.throws(() => addFault(w, { site: 'site-a', kind: 'missing-flavor' }), { code: 'DRCTL_E5005' });
  t.ok(Object.keys(MOCK_APIS).includes('cinder.volume_manage'));
});
