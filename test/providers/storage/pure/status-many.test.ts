/**
 * PureDriver.statusMany (bulk status for discovery) against the mock's arrays over HTTP: for every
 * group it answers exactly what status() answers, in a number of requests that does not grow with
 * the number of groups.
 */
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { storageRef } from '../../../../src/discovery/index.js';
import type { ArrayGroupStatus } from '../../../../src/discovery/types.js';
import { addFault, initWorld, MockWorld } from '../../../../src/mock/index.js';
import { connect, type Connections } from '../../../../src/providers/connect.js';
import type { StorageGroupRef } from '../../../../src/providers/storage/driver.js';
import type { DRSpec, GroupSpec } from '../../../../src/spec/types.js';

function spec(groups: number): DRSpec {
  const gs: Record<string, GroupSpec> = {};
  for (let i = 0; i < groups; i++) {
    const sync = i % 2 === 1;
    gs[`g${i}`] = {
      primarySite: 'site-a',
      secondarySite: 'site-b',
      activeSite: 'site-a',
      drill: false,
      replication: sync
        ? { type: 'sync', volumeType: 'replicated-sync', pod: `pod-g${i}` }
        : { type: 'async', volumeType: 'replicated-ssd', arrayGroup: `pg-g${i}`, intervalSeconds: 300, rpoMinutes: 15 },
      failover: { mode: 'planned', reverseReplication: true },
      members: [
        { server: `g${i}-db`, tier: 1 },
        { server: `g${i}-web-1`, tier: 2 },
        { server: `g${i}-web-2`, tier: 3 },
      ],
      mappings: { networks: { 'net-primary-web': 'net-secondary-web', 'net-primary-db': 'net-secondary-db' }, flavors: { 'm1.large': 'm2.large' } },
    };
  }
  return {
    apiVersion: 'drctl/v1',
    kind: 'DRSpec',
    metadata: { name: 'bulk' },
    sites: {
      'site-a': { cloud: 'site-a', storage: { driver: 'pure', endpoint: 'https://fa-a.example.com', apiToken: { env: 'X' } } },
      'site-b': { cloud: 'site-b', storage: { driver: 'pure', endpoint: 'https://fa-b.example.com', apiToken: { env: 'X' } } },
    },
    groups: gs,
  };
}

async function setup(t: Test, groups: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-bulk-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const s = spec(groups);
  const worldPath = path.join(dir, 'world.json');
  await initWorld(worldPath, s);
  const open = async () => {
    const conns = await connect(s, {
      mock: { worldPath },
      env: {},
      cwd: '/nonexistent',
      home: '/nonexistent',
      readFile: async () => {
        throw new Error('no files in mock mode');
      },
      logger: { warn: () => undefined },
    });
    t.teardown(() => conns.close());
    return conns;
  };
  return { spec: s, worldPath, open };
}

/** Refs as discovery builds them; the volumes are the group's array volumes on the site, as tagged in Cinder. */
async function refsOf(s: DRSpec, conns: Connections, site: string, extra: StorageGroupRef[] = []): Promise<StorageGroupRef[]> {
  const peer = site === 'site-a' ? 'site-b' : 'site-a';
  const peerName = await conns.sites[peer]!.storage.arrayName();
  const vols = await conns.sites[site]!.os.cinder.listVolumes({ detail: true });
  const refs = Object.entries(s.groups).map(([g, gs]) =>
    storageRef(s, g, gs, site, peerName, vols.filter((v) => v.metadata['drctl.group'] === g).map((v) => `volume-${v.id}-cinder`)),
  );
  return [...refs, ...extra];
}

/**
 * Values read against the clock between two calls: lag (1 s resolution) and a replicating pod
 * link's recovery point (now). Compared by presence; the unreachable message names the request
 * that failed first, compared by code.
 */
function stable(s: ArrayGroupStatus | undefined) {
  if (!s) return s;
  const { lagSeconds, lastReplicatedAt, error, ...rest } = s;
  return { ...rest, hasLag: lagSeconds !== undefined, hasLastReplicated: lastReplicatedAt !== undefined, errorCode: error?.code };
}
const asyncPoint = (s: ArrayGroupStatus | undefined) => s?.lastReplicatedAt;

async function compare(t: Test, s: DRSpec, conns: Connections, label: string, extra: StorageGroupRef[] = []) {
  for (const site of ['site-a', 'site-b']) {
    const driver = conns.sites[site]!.storage;
    const refs = await refsOf(s, conns, site, extra);
    const bulk = await driver.statusMany(refs);
    t.same(Object.keys(bulk).sort(), refs.map((r) => r.group).sort(), `${label}: ${site}: one answer per group`);
    for (const ref of refs) {
      const one = await driver.status(ref);
      t.same(stable(bulk[ref.group]), stable(one), `${label}: ${site} ${ref.group} (${ref.type}) as status() says`);
      if (ref.type === 'async') t.equal(asyncPoint(bulk[ref.group]), asyncPoint(one), `${label}: ${site} ${ref.group}: same last replicated snapshot time`);
    }
  }
}

t.test('statusMany answers what status() answers, group by group, through drills and a split brain', async (t) => {
  const { spec: s, open } = await setup(t, 6);
  const conns = await open();
  const missing: StorageGroupRef[] = [
    { group: 'no-pg', type: 'async', object: 'pg-none', volumes: [], peer: 'fa-a' },
    { group: 'no-pod', type: 'sync', object: 'pod-none', volumes: [] },
  ];
  await compare(t, s, conns, 'fresh world', missing);

  const b = conns.sites['site-b']!.storage;
  const refB = async (g: string) => (await refsOf(s, conns, 'site-b')).find((r) => r.group === g)!;
  const clones = await b.cloneForDrill(await refB('g0'), 'd1');
  t.ok(clones.length > 0, 'async drill clones made');
  await b.cloneForDrill(await refB('g1'), 'd1');
  await compare(t, s, conns, 'drill clones on site-b');

  // site-b's pod promoted while site-a's still is: both report split brain.
  await b.promote(await refB('g3'), { force: true });
  await compare(t, s, conns, 'pod promoted on both arrays');
  const st = await b.statusMany(await refsOf(s, conns, 'site-b'));
  t.equal(st.g3!.role, 'split-brain', 'split brain seen through the bulk peer listing');
});

t.test('statusMany requests do not grow with the number of groups', async (t) => {
  const counts: number[] = [];
  for (const groups of [2, 12]) {
    const { spec: s, open } = await setup(t, groups);
    const conns = await open();
    const driver = conns.sites['site-b']!.storage;
    const refs = await refsOf(s, conns, 'site-b');
    await driver.arrayName();
    const before = conns.requestCounts();
    await driver.statusMany(refs);
    const after = conns.requestCounts();
    const n = (x: Record<string, Record<string, number>>) => Object.values(x).reduce((a, r) => a + (r.pure ?? 0), 0);
    counts.push(n(after) - n(before));
  }
  t.ok(counts[0]! > 0, `requests for 2 groups: ${counts[0]}`);
  t.equal(counts[1], counts[0], `the same ${counts[0]} requests for 12 groups as for 2`);
});

t.test('an unreachable array: every group says so, as status() does', async (t) => {
  const { spec: s, worldPath, open } = await setup(t, 3);
  const w = await MockWorld.open(worldPath);
  addFault(w, { site: 'site-a', kind: 'unreachable' });
  await w.commit();
  const conns = await open();
  const refs: StorageGroupRef[] = Object.entries(s.groups).map(([g, gs]) => storageRef(s, g, gs, 'site-a', 'fa-b', []));
  const bulk = await conns.sites['site-a']!.storage.statusMany(refs);
  for (const ref of refs) {
    t.match(bulk[ref.group], { reachable: false, exists: false, role: 'unknown', volumes: [], drillVolumes: [] }, `${ref.group} unreachable`);
    t.same(stable(bulk[ref.group]), stable(await conns.sites['site-a']!.storage.status(ref)), `${ref.group} as status() says`);
  }
});
