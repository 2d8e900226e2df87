/** Discovery end to end: real clients and the Pure driver against the mock's HTTP servers. */
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { discoverInventory } from '../../src/discovery/index.js';
import { initWorld, MockWorld, addFault } from '../../src/mock/index.js';
import { connect } from '../../src/providers/connect.js';
import { loadSpec } from '../../src/spec/load.js';
import { repoRoot } from '../helpers/cli.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-disc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const res = await loadSpec(path.join(repoRoot, 'examples/prod-web-app.yaml'));
  if (!res.ok) throw new Error('example spec invalid');
  const worldPath = path.join(dir, 'world.json');
  await initWorld(worldPath, res.loaded.spec);
  return { loaded: res.loaded, worldPath };
}

const opts = (worldPath: string) => ({
  mock: { worldPath },
  env: {},
  cwd: '/nonexistent',
  home: '/nonexistent',
  readFile: async () => {
    throw new Error('no files in mock mode');
  },
  logger: { warn: () => undefined },
});

t.test('discovers both sites and arrays of a fresh mock world', async (t) => {
  const { loaded, worldPath } = await setup(t);
  const conns = await connect(loaded.spec, opts(worldPath));
  t.teardown(() => conns.close());
  const inv = await discoverInventory(loaded.spec, loaded.digest, conns, { now: () => new Date() });
  t.equal(inv.sites['site-a'].reachable, true);
  t.equal(inv.sites['site-b'].reachable, true);
  t.ok(inv.sites['site-a'].observedAt, 'array/API clock recorded');
  const g = inv.groups['prod-web-app'];
  t.equal(g.members.length, loaded.spec.groups['prod-web-app'].members.length);
  for (const m of g.members) {
    t.equal(m.instances['site-a']?.status, 'ACTIVE', `${m.server} runs on site-a`);
    t.equal(m.instances['site-b'], null, `${m.server} absent on site-b`);
    t.ok(m.instances['site-a']!.volumes.length >= 1, `${m.server} volumes joined`);
  }
  t.ok(g.consistencyGroups['site-a'], 'consistency group on site-a');
  t.equal(g.storage.perSite['site-a'].role, 'source');
  t.equal(g.storage.perSite['site-b'].role, 'target');
  t.same(g.storage.direction, { from: 'site-a', to: 'site-b' });
  t.ok(g.storage.lastSyncAt, 'last replicated point known');
  t.ok(g.storage.lagSeconds !== undefined && g.storage.lagSeconds < 600, `lag ${g.storage.lagSeconds}s`);
  const vt = inv.sites['site-b'].volumeTypes.find((v) => v.name === loaded.spec.groups['prod-web-app'].replication.volumeType);
  t.equal(vt?.replicationEnabled, true, 'replicated type visible to a member on the target');
  t.ok(inv.requests?.['site-a']?.nova, 'requests counted per site and service');
});

t.test('an unreachable site is reported, not thrown', async (t) => {
  const { loaded, worldPath } = await setup(t);
  const w = await MockWorld.open(worldPath);
  addFault(w, { site: 'site-a', kind: 'unreachable' });
  await w.commit();
  const conns = await connect(loaded.spec, opts(worldPath));
  t.teardown(() => conns.close());
  const started = Date.now();
  const inv = await discoverInventory(loaded.spec, loaded.digest, conns, { now: () => new Date() });
  t.equal(inv.sites['site-a'].reachable, false);
  t.match(inv.sites['site-a'].error?.message, /site-a/);
  t.equal(inv.sites['site-b'].reachable, true);
  t.equal(inv.groups['prod-web-app'].members[0].instances['site-a'], undefined);
  t.equal(inv.groups['prod-web-app'].storage.perSite['site-a'].reachable, false);
  t.ok(Date.now() - started < 10_000, 'mock mode gives up on a dead site quickly');
});
