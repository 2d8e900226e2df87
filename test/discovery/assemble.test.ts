import t from 'tap';
import {
  assembleInventory,
  consistencyGroupName,
  decodeGroupRecord,
  deriveStorage,
  encodeGroupRecord,
  type RawServer,
  type RawSite,
} from '../../src/discovery/assemble.js';
import { TAG, type ArrayGroupStatus, type VolumeInfo } from '../../src/discovery/types.js';
import type { DRSpec } from '../../src/spec/types.js';

const spec: DRSpec = {
  apiVersion: 'drctl/v1',
  kind: 'DRSpec',
  metadata: { name: 'prod' },
  sites: {
    'site-a': { cloud: 'site-a', storage: { driver: 'pure', endpoint: 'https://fa-a', apiToken: { env: 'A' } } },
    'site-b': { cloud: 'site-b', storage: { driver: 'pure', endpoint: 'https://fa-b', apiToken: { env: 'B' } } },
  },
  groups: {
    app: {
      primarySite: 'site-a',
      secondarySite: 'site-b',
      activeSite: 'site-a',
      drill: false,
      replication: { type: 'async', volumeType: 'rep', arrayGroup: 'pg-app', intervalSeconds: 300, rpoMinutes: 15 },
      failover: { mode: 'planned', reverseReplication: true },
      members: [
        { server: 'db-1', tier: 1 },
        { server: 'web-1', tier: 2 },
      ],
      mappings: { networks: { 'net-a': 'net-b' }, flavors: {} },
    },
  },
};

const vol = (id: string, metadata: Record<string, string> = {}): VolumeInfo => ({
  id,
  name: id,
  status: 'in-use',
  size: 10,
  volumeType: 'rep',
  bootable: true,
  attachedTo: [],
  metadata,
});
const srv = (id: string, name: string, metadata: Record<string, string> = {}, volumeIds: string[] = []): RawServer => ({
  id,
  name,
  status: 'ACTIVE',
  flavorName: 'm1.large',
  networks: ['net-a'],
  securityGroups: ['default'],
  metadata,
  volumeIds,
});
const site = (name: string, over: Partial<RawSite> = {}): RawSite => ({
  name,
  reachable: true,
  observedAt: '2026-11-22T10:00:00.000Z',
  flavors: [],
  networks: [],
  securityGroups: [],
  volumeTypes: [],
  servers: [],
  volumes: [],
  groups: [],
  ...over,
});
const arr = (over: Partial<ArrayGroupStatus>): ArrayGroupStatus => ({
  reachable: true,
  exists: true,
  role: 'none',
  volumes: [],
  drillVolumes: [],
  ...over,
});
const now = new Date('2026-11-22T10:00:30.000Z');
const prodTags = (member: string) => ({ [TAG.group]: 'app', [TAG.member]: member, [TAG.role]: 'production' });

t.test('before protect: home servers are matched by name or UUID, the standby has none', async (t) => {
  const inv = assembleInventory(
    spec,
    'd1',
    {
      'site-a': site('site-a', {
        servers: [srv('u-db', 'db-1', {}, ['v1']), srv('u-web', 'other-name'), srv('u-x', 'web-1', {}, [])],
        volumes: [vol('v1')],
      }),
      'site-b': site('site-b'),
    },
    {},
    now,
  );
  const [db, web] = inv.groups.app.members;
  t.equal(db.instances['site-a']?.id, 'u-db');
  t.same(db.instances['site-a']?.volumes.map((v) => v.id), ['v1'], 'attached volumes joined in');
  t.equal(web.instances['site-a']?.id, 'u-x');
  t.equal(db.instances['site-b'], null, 'nothing on the standby');
  t.same(inv.groups.app.volumes['site-a'].map((v) => v.id), ['v1']);
  t.equal(inv.groups.app.consistencyGroups['site-a'], null);
  t.equal(inv.groups.app.storage.perSite['site-a'].reachable, false, 'no storage facts → reported, not thrown');
});

t.test('tagged instances win over names; drills and strays are separated', async (t) => {
  const inv = assembleInventory(
    spec,
    'd1',
    {
      'site-a': site('site-a', {
        servers: [
          srv('a-db', 'db-1', prodTags('db-1')),
          srv('a-old', 'old-app', prodTags('old-app')),
          srv('a-web', 'web-1', prodTags('web-1')),
        ],
      }),
      'site-b': site('site-b', {
        servers: [
          srv('b-db', 'db-1', prodTags('db-1')),
          srv('b-drill', 'drill-app-db-1', { [TAG.group]: 'app', [TAG.member]: 'db-1', [TAG.role]: 'drill' }),
          srv('b-untagged', 'web-1'),
        ],
        volumes: [vol('dv', { [TAG.group]: 'app', [TAG.role]: 'drill' }), vol('pv', prodTags('db-1'))],
        groups: [{ id: 'g1', name: consistencyGroupName('app'), status: 'available', volumeIds: ['pv'] }],
      }),
    },
    {},
    now,
  );
  const g = inv.groups.app;
  t.equal(g.members[0].instances['site-b']?.id, 'b-db');
  t.equal(g.members[1].instances['site-b'], null, 'an untagged server on the standby is not a member');
  t.same(g.strayInstances['site-a'].map((s) => s.id), ['a-old']);
  t.same(g.drillInstances['site-b'].map((s) => s.id), ['b-drill']);
  t.same(g.drillVolumes['site-b'].map((v) => v.id), ['dv']);
  t.same(g.volumes['site-b'].map((v) => v.id), ['pv']);
  t.equal(g.consistencyGroups['site-b']?.id, 'g1');
});

t.test('an unreachable site is a fact: instances undefined, arrays unknown', async (t) => {
  const inv = assembleInventory(
    spec,
    'd1',
    {
      'site-a': site('site-a', { reachable: false, error: { code: 'DRCTL_E2001', message: 'refused' } }),
      'site-b': site('site-b'),
    },
    { 'site-b': { app: arr({ role: 'target', lastReplicatedAt: '2026-11-22T09:58:00.000Z' }) } },
    now,
  );
  t.equal(inv.sites['site-a'].reachable, false);
  t.equal(inv.groups.app.members[0].instances['site-a'], undefined);
  t.equal(inv.groups.app.consistencyGroups['site-a'], undefined);
  t.equal(inv.groups.app.storage.perSite['site-a'].role, 'unknown');
  t.equal(inv.groups.app.storage.lastSyncAt, '2026-11-22T09:58:00.000Z');
  t.equal(inv.groups.app.storage.lagSeconds, 120, 'lag measured on the array clock (observedAt), not drctl’s');
});

t.test('deriveStorage: direction, split brain, lag', async (t) => {
  const g = spec.groups.app;
  const cases: Array<[string, Record<string, ArrayGroupStatus>, { dir?: string; split: boolean; lag?: number }]> = [
    ['a→b', { 'site-a': arr({ role: 'source' }), 'site-b': arr({ role: 'target', lagSeconds: 42 }) }, { dir: 'site-a→site-b', split: false, lag: 42 }],
    ['b→a', { 'site-a': arr({ role: 'target' }), 'site-b': arr({ role: 'source' }) }, { dir: 'site-b→site-a', split: false }],
    ['both source', { 'site-a': arr({ role: 'source' }), 'site-b': arr({ role: 'source' }) }, { split: true }],
    ['reported', { 'site-a': arr({ role: 'split-brain' }), 'site-b': arr({ role: 'target' }) }, { split: true }],
  ];
  for (const [name, perSite, want] of cases) {
    const s = deriveStorage('pure', g, perSite, {}, now);
    t.equal(s.direction ? `${s.direction.from}→${s.direction.to}` : undefined, want.dir, `${name}: direction`);
    t.equal(s.splitBrain, want.split, `${name}: split brain`);
    t.equal(s.lagSeconds, want.lag, `${name}: lag`);
  }
});

t.test('group records round-trip through the Cinder group description', async (t) => {
  const r = { version: 3, activeSite: 'site-b', failoverCount: 2, fenceRequired: 'site-a' };
  t.same(decodeGroupRecord(encodeGroupRecord(r)), r);
  t.equal(decodeGroupRecord('hand-made group'), undefined);
  t.equal(decodeGroupRecord('drctl:{broken'), undefined);
  t.equal(decodeGroupRecord('drctl:{"version":"x"}'), undefined);
  t.equal(decodeGroupRecord(undefined), undefined);
});

t.test('a stretched ActiveCluster pod is source on both arrays by design: not split brain', async (t) => {
  const g = { ...spec.groups.app, replication: { type: 'sync' as const, volumeType: 'rep', pod: 'pod-app' } };
  const s = deriveStorage('pure', g, { 'site-a': arr({ role: 'source', activeActive: true, lagSeconds: 0 }), 'site-b': arr({ role: 'source', activeActive: true, lagSeconds: 0 }) }, {}, now);
  t.equal(s.splitBrain, false);
  t.equal(s.direction, undefined, 'no single direction: both arrays serve the pod');
  const half = deriveStorage('pure', g, { 'site-a': arr({ role: 'source', activeActive: true }), 'site-b': arr({ role: 'source' }) }, {}, now);
  t.equal(half.splitBrain, true, 'only when both sides say so');
});
