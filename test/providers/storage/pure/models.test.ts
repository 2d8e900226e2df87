import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import {
  parseApiVersions,
  parseArray,
  parseCollection,
  parsePod,
  parsePodReplicaLink,
  parseVolume,
  parsePgSnapshotTransfer,
  parseProtectionGroup,
  parseGroupMember,
  isStretched,
  baseVolumeName,
} from '../../../../src/providers/storage/pure/models.js';
import { pickApiVersion } from '../../../../src/providers/storage/pure/client.js';

const DIR = '/work/shared/fixtures/pure';
const load = (f: string): unknown => JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8'));

t.test('every fixture parses through a model', async (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  t.same(files, [
    'arrays.json', 'connections.json', 'pod_replica_links_lag.json', 'pod_replica_links_performance.json', 'pods.json',
    'pods_performance_replication.json', 'versions.json', 'volume_groups.json', 'volumes.json',
  ]);
  const parsers: Record<string, (x: unknown) => unknown> = {
    'arrays.json': parseArray,
    'pods.json': parsePod,
    'pod_replica_links_lag.json': parsePodReplicaLink,
    'pod_replica_links_performance.json': parsePodReplicaLink,
    'volumes.json': parseVolume,
    // shapes drctl does not model: read as references/collections only
    'connections.json': (x) => x,
    'pods_performance_replication.json': (x) => x,
    'volume_groups.json': (x) => x,
  };
  for (const f of files) {
    if (f === 'versions.json') continue;
    const c = parseCollection(load(f), parsers[f]!);
    t.ok(c.items.length > 0, `${f}: items`);
    t.equal(c.continuation_token, null, `${f}: continuation_token null`);
  }
});

t.test('versions.json → newest supported 2.x', async (t) => {
  const v = parseApiVersions(load('versions.json'));
  t.equal(v.version.length, 35);
  t.equal(v.version.at(-1), '2.15');
  t.equal(pickApiVersion(v.version), '2.15');
  t.equal(pickApiVersion(['1.19', '2.0', '2.1']), undefined, '2.2 is the floor');
  t.equal(pickApiVersion(['2.2', '2.10', '2.9']), '2.10', 'numeric, not lexical');
  t.equal(pickApiVersion(['2.2', '2.56', '2.99']), '2.56', 'capped at the newest version drctl knows');
});

t.test('arrays.json', async (t) => {
  const [a] = parseCollection(load('arrays.json'), parseArray).items;
  t.equal(a!.name, 'z-x70-a');
  t.equal(a!.id, '6c1b16ce-1c03-4d1c-b974-33405cf8d565');
  t.equal(a!.version, '6.3.3');
  t.equal(a!.os, 'Purity//FA');
});

t.test('pods.json: stretched ActiveCluster, ActiveDR source and demoted pods', async (t) => {
  const c = parseCollection(load('pods.json'), parsePod);
  const byName = Object.fromEntries(c.items.map((p) => [p.name, p]));
  t.equal(c.items.length, 6);
  t.equal(c.total?.length, 1, 'total aggregate parsed');

  const prod = byName['z-ProdPod']!;
  t.equal(prod.array_count, 2);
  t.same(prod.arrays.map((a) => [a.name, a.status, a.mediator_status]), [
    ['z-m70-a', 'online', 'online'],
    ['z-x70-a', 'online', 'online'],
  ]);
  t.equal(isStretched(prod), true);
  t.same(prod.failover_preferences.map((r) => r.name), ['z-x70-a']);

  const src = byName['jsADRpod-prod']!;
  t.equal(isStretched(src), false);
  t.equal(src.promotion_status, 'promoted');
  t.equal(src.link_target_count, 1);

  const demoted = byName['eg-ADR-main01']!;
  t.equal(demoted.promotion_status, 'demoted');
  t.equal(demoted.requested_promotion_state, 'demoted');
  t.equal(demoted.link_source_count, 1);
  t.equal(demoted.arrays[0]!.frozen_at, 1661275854189);
  t.equal(c.total![0]!.promotion_status, null, 'null fields stay null');
});

t.test('pod_replica_links_lag.json: lag {avg,max} ms, recovery_point, status', async (t) => {
  const links = parseCollection(load('pod_replica_links_lag.json'), parsePodReplicaLink).items;
  t.equal(links.length, 2);
  const l = links[0]!;
  t.equal(l.lag, 1500);
  t.equal(l.lag_avg, 1500);
  t.equal(l.lag_max, 1500);
  t.equal(l.recovery_point, 1676116892819);
  t.equal(l.status, 'replicating');
  t.equal(l.direction, 'outbound');
  t.equal(l.local_pod.name, 'z-eg-ostack');
  t.equal(l.remote_pod.name, 'z-eg-ostack-adr');
  t.same(l.remotes.map((r) => r.name), ['z-x20-b']);
  t.equal(parsePodReplicaLink({ lag: 2500 }).lag, 2500, 'plain-number lag of GET /pod-replica-links');
});

t.test('pod_replica_links_performance.json', async (t) => {
  const links = parseCollection(load('pod_replica_links_performance.json'), parsePodReplicaLink).items;
  t.equal(links[1]!.local_pod.name, 'adrpod');
  t.equal(links[1]!.remote_pod.name, 'adrpod-dr');
  t.equal(links[1]!.lag, null, 'no lag in performance samples');
});

t.test('volumes.json: pod volumes, promotion_status, source', async (t) => {
  const vols = parseCollection(load('volumes.json'), parseVolume).items;
  t.equal(vols.length, 81);
  const pe = vols.find((v) => v.name === 'pure-protocol-endpoint')!;
  t.equal(pe.subtype, 'protocol_endpoint');
  t.equal(pe.created, 1607506209153);
  t.equal(pe.destroyed, false);
  const inPod = vols.filter((v) => v.name.includes('::'));
  t.ok(inPod.length > 0, 'pod::vol names present');
  for (const v of inPod) t.equal(v.pod.name, v.name.split('::')[0], `${v.name} pod ref matches its prefix`);
  t.equal(baseVolumeName(inPod[0]!.name), inPod[0]!.name.split('::')[1]);
  t.ok(vols.every((v) => typeof v.promotion_status === 'string'));
});

t.test('tolerant parsing: empty collections and partial items', async (t) => {
  const empty = parseCollection({ continuation_token: null, more_items_remaining: false, total_item_count: 0 }, parseVolume);
  t.same(empty.items, []);
  t.equal(empty.total_item_count, 0);
  t.same(parseCollection(undefined, parseVolume).items, []);
  const tr = parsePgSnapshotTransfer({ name: 'fa-a:pg.s1', started: 1000, completed: null, progress: 0.25 });
  t.equal(tr.progress, 0.25);
  t.equal(tr.completed, null);
  t.equal(tr.destroyed, false);
  const pg = parseProtectionGroup({ name: 'pg', replication_schedule: { enabled: true, frequency: 300000 } });
  t.equal(pg.replication_schedule.frequency, 300000);
  t.equal(pg.target_retention, null);
  const tgt = parseGroupMember({ group: { name: 'pg' }, member: { name: 'fa-b', resource_type: 'arrays' }, allowed: true });
  t.equal(tgt.allowed, true);
  t.equal(tgt.member.resource_type, 'arrays');
  const err = parseCollection({ items: [{ name: 'v1' }], errors: [{ context: 'v2', message: 'Volume does not exist.' }] }, parseVolume);
  t.equal(err.errors?.[0]?.context, 'v2');
});
