import t from 'tap';
import { PureClient } from '../../../../src/providers/storage/pure/client.js';
import { PureDriver, drillCloneName, snapshotSuffix } from '../../../../src/providers/storage/pure/driver.js';
import { PureCode } from '../../../../src/providers/storage/pure/errors.js';
import type { StorageGroupRef } from '../../../../src/providers/storage/driver.js';
import { DrctlError, ExitCode } from '../../../../src/errors.js';
import { fakePair, type FakeArray } from './fake-array.js';

const VOLS = ['volume-11111111-1111-1111-1111-111111111111-cinder', 'volume-22222222-2222-2222-2222-222222222222-cinder'];

function setup(opts: { volumes?: boolean } = {}) {
  const { a, b, clock } = fakePair();
  if (opts.volumes !== false) for (const v of VOLS) a.addVolume(v, 10 * 2 ** 30);
  const ca = new PureClient({ endpoint: 'https://fa-a.test', apiToken: a.token, http: a.httpClient(), site: 'site-a' });
  const cb = new PureClient({ endpoint: 'https://fa-b.test', apiToken: b.token, http: b.httpClient(), site: 'site-b' });
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.now += ms;
  };
  const now = () => clock.now;
  const dA = new PureDriver({ site: 'site-a', client: ca, peerClient: cb, sleep, now, pollIntervalMs: 1000, promotionTimeoutMs: 60_000 });
  const dB = new PureDriver({ site: 'site-b', client: cb, peerClient: ca, sleep, now, pollIntervalMs: 1000, promotionTimeoutMs: 60_000 });
  const refA: StorageGroupRef = { group: 'web', type: 'async', object: 'pg-web', volumes: VOLS, peer: 'fa-b', intervalSeconds: 300, rpoMinutes: 15 };
  const refB: StorageGroupRef = { ...refA, peer: 'fa-a' };
  return { a, b, clock, ca, cb, dA, dB, refA, refB, sleeps };
}

const mutations = (fa: FakeArray) => fa.requests.filter((r) => r.method !== 'GET').length;

async function rejects(p: Promise<unknown>): Promise<DrctlError> {
  try {
    await p;
  } catch (err) {
    if (DrctlError.is(err)) return err;
    throw err;
  }
  throw new Error('expected a DrctlError');
}

t.test('naming helpers', async (t) => {
  t.equal(snapshotSuffix('op-2024-05-01T10:00:00Z_ab12'), 'op-2024-05-01T10-00-00Z-ab12');
  t.equal(snapshotSuffix('01HX-op'), 'drctl-01HX-op', 'must start with a letter');
  t.ok(snapshotSuffix('x'.repeat(100)).length <= 63);
  t.equal(drillCloneName('pod1::v1', 'abc'), 'v1-drill-abc');
});

t.test('protect (async): group, volumes, schedule, target allowed on the peer, enabled — idempotent', async (t) => {
  const { a, b, dA, dB, refA, refB } = setup();
  await dA.protect(refA);
  const pg = a.pgroups.find((g) => g.name === 'pg-web')!;
  t.equal(pg.replication_schedule.enabled, true);
  t.equal(pg.replication_schedule.frequency, 300_000);
  t.same(a.pgVolumes.map((v) => v.member), VOLS);
  t.same(a.pgTargets, [{ group: 'pg-web', member: 'fa-b', allowed: true }]);
  t.ok(b.requests.some((r) => r.method === 'PATCH' && r.path === '/protection-groups/targets'), 'allowed on the target array');

  const before = mutations(a) + mutations(b);
  await dA.protect(refA);
  t.equal(mutations(a) + mutations(b), before, 'second protect changes nothing');

  const sa = await dA.status(refA);
  t.match(sa, { reachable: true, exists: true, role: 'source', object: 'pg-web', health: 'replicating', volumes: VOLS });
  const sb = await dB.status(refB);
  t.match(sb, { reachable: true, exists: true, role: 'target', object: 'fa-a:pg-web' });
  t.equal(sb.lastReplicatedAt, undefined, 'nothing replicated yet');

  const err = await rejects(dA.protect({ ...refA, peer: undefined }));
  t.equal(err.code, PureCode.refIncomplete);
});

t.test('snapshotAndReplicate is idempotent; transfer progress and lag from the Date header', async (t) => {
  const { a, clock, dA, dB, refA, refB } = setup();
  await dA.protect(refA);
  const t0 = clock.now;
  const snap = await dA.snapshotAndReplicate(refA, 'op:0001');
  t.same(snap, { name: 'pg-web.op-0001', created: t0 });
  const posts = () => a.requests.filter((r) => r.method === 'POST' && r.path === '/protection-group-snapshots');
  t.equal(posts().length, 1);
  t.equal(posts()[0]!.query.get('replicate_now'), 'true');
  t.same(await dA.snapshotAndReplicate(refA, 'op:0001'), snap, 'retry finds the same snapshot');
  t.equal(posts().length, 1, 'no second snapshot');

  t.equal(await dA.transferProgress(refA, snap!.name), 0);
  clock.now += 15_000;
  t.equal(await dA.transferProgress(refA, snap!.name), 0.5);
  t.equal(await dB.transferProgress(refB, snap!.name), 0.5, 'target resolves fa-a:<snap>');
  const mid = await dB.status(refB);
  t.equal(mid.transferProgress, 0.5);
  clock.now += 15_000;
  t.equal(await dA.transferProgress(refA, snap!.name), 1);

  clock.now += 100_000;
  const sb = await dB.status(refB);
  t.equal(sb.lastReplicatedSnapshot, 'fa-a:pg-web.op-0001');
  t.equal(sb.lastReplicatedAt, new Date(t0 + 30_000).toISOString());
  t.equal(sb.lagSeconds, 100);
  t.equal(sb.transferProgress, undefined, 'no transfer in flight');
  t.same(sb.volumes, [...VOLS].sort(), 'target volumes from the replicated snapshot');
  const sa = await dA.status(refA);
  t.equal(sa.lastReplicatedSnapshot, 'pg-web.op-0001');
  t.equal(sa.lagSeconds, 100);

  t.equal((await rejects(dA.transferProgress(refA, 'pg-web.nope'))).code, PureCode.transferNotFound);
  t.equal(await dA.snapshotAndReplicate({ ...refA, type: 'sync' }, 'x'), null, 'sync: nothing to do');
});

t.test('promote (async): copies the latest replicated snapshot onto <vol> with overwrite, as Cinder does', async (t) => {
  const { b, clock, dA, dB, refA, refB } = setup();
  await dA.protect(refA);
  t.equal((await rejects(dB.promote(refB, { force: false }))).code, PureCode.noReplicatedSnapshot);
  await dA.snapshotAndReplicate(refA, 'op1');
  t.equal((await rejects(dB.promote(refB, { force: false, snapshot: 'pg-web.op1' }))).code, PureCode.snapshotNotReady);
  clock.now += 30_000;
  await dA.snapshotAndReplicate(refA, 'op2'); // newer, still in flight
  clock.now += 10_000;

  const copies = await dB.promote(refB, { force: false });
  t.same(copies.map((c) => c.name), VOLS);
  t.same(copies.map((c) => c.source), VOLS);
  t.equal(copies[0]!.size, 10 * 2 ** 30);
  const vol = b.volumes.find((v) => v.name === VOLS[0])!;
  t.equal(vol.copied_from, `fa-a:pg-web.op1.${VOLS[0]}`, 'latest COMPLETE snapshot, not the one in flight');
  const posts = b.requests.filter((r) => r.method === 'POST' && r.path === '/volumes');
  t.ok(posts.every((p) => p.query.get('overwrite') === 'true'));

  const again = await dB.promote(refB, { force: false });
  t.same(again, copies, 're-run converges on the same volumes');
  t.equal(b.volumes.filter((v) => VOLS.includes(v.name)).length, 2, 'nothing created twice');

  clock.now += 30_000;
  await dB.promote(refB, { force: false, snapshot: 'pg-web.op2' });
  t.equal(b.volumes.find((v) => v.name === VOLS[0])!.copied_from, `fa-a:pg-web.op2.${VOLS[0]}`, 'named snapshot');

  const err = await rejects(dB.promote({ ...refB, volumes: [...VOLS, 'volume-missing-cinder'] }, { force: false }));
  t.equal(err.code, PureCode.snapshotIncomplete);
  t.match(err.message, /volume-missing-cinder/);
  t.equal((await rejects(dA.promote(refA, { force: false }))).code, PureCode.objectMissing, 'no fa-b:pg-web on fa-a');
});

t.test('demote (async) disables the old source schedule; reverseReplication protects back to the peer', async (t) => {
  const { a, b, clock, dA, dB, refA, refB } = setup();
  await dA.protect(refA);
  await dA.snapshotAndReplicate(refA, 'final');
  clock.now += 30_000;
  await dA.demote(refA);
  t.equal(a.pgroups[0]!.replication_schedule.enabled, false);
  const before = mutations(a);
  await dA.demote(refA);
  t.equal(mutations(a), before, 'demote is idempotent');
  t.match(await dA.status(refA), { role: 'none', exists: true, health: 'replication disabled' });

  await dB.promote(refB, { force: false });
  await dB.reverseReplication(refB);
  const pgB = b.pgroups.find((g) => g.name === 'pg-web')!;
  t.equal(pgB.replication_schedule.enabled, true);
  t.same(b.pgVolumes.filter((v) => v.group === 'pg-web').map((v) => v.member), VOLS);
  t.same(b.pgTargets, [{ group: 'pg-web', member: 'fa-a', allowed: true }]);
  t.ok(a.pgroups.some((g) => g.name === 'fa-b:pg-web'));
  t.match(await dB.status(refB), { role: 'source', object: 'pg-web' });
  t.match(await dA.status(refA), { role: 'target', object: 'fa-b:pg-web' });
});

t.test('drill clones: exactly the tagged copies, idempotent, listed in status, removed exactly', async (t) => {
  const { b, clock, dA, dB, refA, refB } = setup();
  await dA.protect(refA);
  await dA.snapshotAndReplicate(refA, 's1');
  clock.now += 30_000;
  b.addVolume('unrelated-drill-t1x');
  const clones = await dB.cloneForDrill(refB, 'd1');
  t.same(clones.map((c) => c.name), VOLS.map((v) => `${v}-drill-d1`));
  const posts = () => b.requests.filter((r) => r.method === 'POST' && r.path === '/volumes').length;
  const n = posts();
  t.same(await dB.cloneForDrill(refB, 'd1'), clones, 'second call returns the same clones');
  t.equal(posts(), n, '...and copies nothing');
  await dB.cloneForDrill(refB, 'd2');
  t.same((await dB.status(refB)).drillVolumes, [...VOLS.map((v) => `${v}-drill-d1`), ...VOLS.map((v) => `${v}-drill-d2`)].sort());

  const removed = await dB.removeDrillClones(refB, 'd1');
  t.same(removed, VOLS.map((v) => `${v}-drill-d1`).sort());
  t.notOk(b.volumes.some((v) => v.name.endsWith('-drill-d1')), 'destroyed and eradicated');
  t.ok(b.volumes.some((v) => v.name.endsWith('-drill-d2')), 'other drill untouched');
  t.ok(b.volumes.some((v) => v.name === 'unrelated-drill-t1x'));
  t.same(await dB.removeDrillClones(refB, 'd1'), [], 'nothing left to remove');

  const err = await rejects(dB.cloneForDrill(refB, 'a-very-long-tag'));
  t.equal(err.code, PureCode.nameTooLong);
  t.match(err.hint, /at most 6 characters/);
});

t.test('status never throws for an unreachable array', async (t) => {
  const { refA } = setup();
  const client = new PureClient({
    endpoint: 'https://fa-down.test',
    apiToken: 'tok-secret-9999',
    http: { request: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')) },
    site: 'site-a',
  });
  const d = new PureDriver({ site: 'site-a', client });
  const s = await d.status(refA);
  t.match(s, { reachable: false, role: 'unknown', exists: false, volumes: [], drillVolumes: [] });
  t.equal(s.error?.code, PureCode.unreachable);
  t.match(s.error?.message, /ECONNREFUSED/);
  t.notMatch(s.error?.message, /tok-secret-9999/);
});

function podSetup(stretched = false) {
  const env = setup({ volumes: false });
  const { a, b } = env;
  if (stretched) {
    const arrays = [
      { name: 'fa-a', id: 'fa-a-array', status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null },
      { name: 'fa-b', id: 'fa-b-array', status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null },
    ];
    a.addPod('pod-web', 'promoted', { arrays, array_count: 2 });
    b.addPod('pod-web', 'promoted', { arrays, array_count: 2 });
  } else {
    a.addPod('pod-web', 'promoted', { link_target_count: 1 });
    b.addPod('pod-web', 'demoted', { link_source_count: 1 });
    a.links.push({ localPod: 'pod-web', remote: 'fa-b', remotePod: 'pod-web', paused: false, lagMs: 1500 });
    b.links.push({ localPod: 'pod-web', remote: 'fa-a', remotePod: 'pod-web', paused: false, lagMs: 1500 });
  }
  for (const fa of [a, b]) for (const v of ['v1', 'v2']) fa.addVolume(`pod-web::${v}`);
  const ref: StorageGroupRef = { group: 'db', type: 'sync', object: 'pod-web', volumes: ['pod-web::v1', 'pod-web::v2'], peer: 'fa-b' };
  return { ...env, refA: ref, refB: { ...ref, peer: 'fa-a' } };
}

t.test('ActiveDR pod: roles, link lag, planned demote (quiesce) then promote, polled with injected sleep', async (t) => {
  const { a, b, dA, dB, refA, refB, sleeps } = podSetup();
  const sa = await dA.status(refA);
  t.match(sa, { role: 'source', exists: true, lagSeconds: 1.5, health: 'replicating', volumes: ['pod-web::v1', 'pod-web::v2'] });
  t.match(await dB.status(refB), { role: 'target', lagSeconds: 1.5 });

  const refused = await rejects(dB.promote(refB, { force: false }));
  t.equal(refused.code, PureCode.peerNotDemoted);
  t.equal(refused.exitCode, ExitCode.blocked);

  await dA.demote(refA);
  t.same(a.pods[0]!.last_patch_query, { names: 'pod-web', quiesce: 'true' });
  t.equal(a.pods[0]!.promotion_status, 'demoted');
  t.same(sleeps, [1000, 1000, 1000, 1000, 1000], 'polled on the injected clock (promotion takes 5 s)');
  const copies = await dB.promote(refB, { force: false });
  t.same(copies.map((c) => c.name), ['pod-web::v1', 'pod-web::v2']);
  t.equal(b.pods[0]!.promotion_status, 'promoted');
  const patches = b.requests.filter((r) => r.method === 'PATCH' && r.path === '/pods').length;
  await dB.promote(refB, { force: false });
  await dA.demote(refA);
  t.equal(b.requests.filter((r) => r.method === 'PATCH' && r.path === '/pods').length, patches, 'idempotent');
  t.match(await dB.status(refB), { role: 'source' });
  t.match(await dA.status(refA), { role: 'target' });
  await dB.reverseReplication(refB);
  t.equal(b.requests.filter((r) => r.method !== 'GET' && r.path === '/pod-replica-links').length, 0, 'link reverses by itself');
});

t.test('ActiveDR pod: forced promote with the peer still promoted → split brain seen from both sides', async (t) => {
  const { a, dA, dB, refA, refB } = podSetup();
  await dB.promote(refB, { force: true });
  t.equal((await dA.status(refA)).role, 'split-brain');
  t.equal((await dB.status(refB)).role, 'split-brain');
  await dA.demote(refA, { force: true });
  t.same(a.pods[0]!.last_patch_query, { names: 'pod-web', skip_quiesce: 'true' });
  t.equal((await dB.status(refB)).role, 'source');
});

t.test('pod promotion wait is bounded', async (t) => {
  const { a, dA, refA, sleeps } = podSetup();
  a.promotionMs = 10 * 60_000;
  const err = await rejects(dA.demote(refA));
  t.equal(err.code, PureCode.promotionTimeout);
  t.equal(sleeps.reduce((x, y) => x + y, 0), 60_000, 'waited exactly the bound');
});

t.test('stretched ActiveCluster pod: both sides serve; promote/demote are no-ops', async (t) => {
  const { a, b, dA, dB, refA, refB } = podSetup(true);
  const s = await dA.status(refA);
  t.match(s, { role: 'source', lagSeconds: 0, health: 'stretched: fa-a online, fa-b online' });
  t.same((await dB.promote(refB, { force: false })).map((c) => c.name), ['pod-web::v1', 'pod-web::v2']);
  await dA.demote(refA);
  t.equal(a.requests.filter((r) => r.method === 'PATCH').length + b.requests.filter((r) => r.method === 'PATCH').length, 0);
  b.pods[0]!.arrays[1].status = 'offline';
  t.equal((await rejects(dB.promote(refB, { force: false }))).code, PureCode.podOffline);
  const clones = await dB.cloneForDrill(refB, 'd1');
  t.same(clones.map((c) => c.name), ['v1-drill-d1', 'v2-drill-d1']);
  t.equal(b.volumes.find((v) => v.name === 'v1-drill-d1')!.copied_from, 'pod-web::v1');
});

t.test('protect (sync): pod created, volumes moved in, replica link to the peer; idempotent', async (t) => {
  const { a, b, dA } = setup({ volumes: false });
  a.addVolume('v1');
  const ref: StorageGroupRef = { group: 'db', type: 'sync', object: 'pod-db', volumes: ['v1'], peer: 'fa-b' };
  await dA.protect(ref);
  t.ok(a.pods.some((p) => p.name === 'pod-db'));
  t.ok(b.pods.some((p) => p.name === 'pod-db'), 'remote pod created for the link');
  t.ok(a.volumes.some((v) => v.name === 'pod-db::v1'));
  t.equal(a.links.length, 1);
  const n = mutations(a) + mutations(b);
  await dA.protect({ ...ref, volumes: ['pod-db::v1'] });
  t.equal(mutations(a) + mutations(b), n);
});

t.test('a pod listing both arrays but carrying a replica link follows ActiveDR semantics', async (t) => {
  const { a, b, dA, dB, refA, refB } = podSetup();
  const arrays = [
    { name: 'fa-a', id: 'fa-a-array', status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null },
    { name: 'fa-b', id: 'fa-b-array', status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null },
  ];
  for (const fa of [a, b]) Object.assign(fa.pods[0]!, { arrays, array_count: 2 });
  t.match(await dA.status(refA), { role: 'source', health: 'replicating' });
  t.match(await dB.status(refB), { role: 'target' });
  await dA.demote(refA);
  await dB.promote(refB, { force: false });
  t.equal(a.pods[0]!.promotion_status, 'demoted');
  t.equal(b.pods[0]!.promotion_status, 'promoted');
});
