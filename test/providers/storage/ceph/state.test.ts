/**
 * Role, split-brain, health and lag read from what the real lab clusters printed at each step of a
 * planned failover, a forced promote, the return of the stale site (split-brain) and the resync.
 */
import t from 'tap';
import { parseImageInfo, parseImageStatus, parsePoolStatus } from '../../../../src/providers/storage/ceph/parse.js';
import { aggregateGroup, evaluateImage, lagFromDescription, roleFromStatus } from '../../../../src/providers/storage/ceph/state.js';
import { sample } from './fake-runner.js';

const st = (f: string) => parseImageStatus(sample(f), 0);
const at = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);

t.test('role proven by the status, per step of the lab demo', async (t) => {
  const table: Array<[string, ReturnType<typeof roleFromStatus>]> = [
    ['snapshot-01-before-site-a.json', 'primary'],
    ['snapshot-01-before-site-b.json', 'non-primary'],
    ['snapshot-02-demoted-site-a.json', 'non-primary'], // demoted: "remote image is not primary"
    ['snapshot-02-demoted-site-b.json', 'non-primary'], // "remote image demoted"
    ['snapshot-03-after-promote-site-a.json', 'non-primary'],
    ['snapshot-03-after-promote-site-b.json', 'primary'],
    ['snapshot-04-siteb-down-site-a.json', 'non-primary'],
    ['snapshot-05-forced-site-a.json', 'primary'], // "orphan (force promoting)"
    ['snapshot-05b-forced-settled-site-a.json', 'primary'],
    ['snapshot-06-split-brain-site-b.json', 'primary'],
    ['snapshot-07-demoted-stale-site-b.json', 'non-primary'], // up+error split-brain
    ['snapshot-08-resynced-site-a.json', 'primary'],
    ['snapshot-08-resynced-site-b.json', 'non-primary'],
    ['journal-01-before-site-a.json', 'primary'],
    ['journal-01-before-site-b.json', 'non-primary'],
    ['journal-02-demoted-site-a.json', 'non-primary'],
    ['journal-02-demoted-site-b.json', 'non-primary'],
    ['journal-03-after-promote-site-b.json', 'primary'],
    ['journal-05-forced-site-a.json', 'unknown'], // up+stopping_replay "stopping replay": ask rbd info
    ['journal-05b-forced-settled-site-a.json', 'unknown'], // up+stopped "stopped": ask rbd info
    ['journal-06-split-brain-site-b.json', 'primary'],
    ['journal-07-demoted-stale-site-b.json', 'non-primary'],
  ];
  for (const [f, role] of table) t.equal(roleFromStatus(st(f)), role, f);
  t.equal(roleFromStatus(undefined), 'unknown');
  const down = parsePoolStatus(sample('snapshot-01-pool-before-site-b.json'), 0).images.find((i) => i.name === 'jtest');
  t.equal(roleFromStatus(down), 'unknown', 'down+unknown "status not found" proves nothing');
});

t.test('split-brain: both primary when the stale site returns, up+error after its demote', async (t) => {
  const now = at('2026-11-22 00:19:10');
  const both = evaluateImage('test', st('snapshot-06-split-brain-site-b.json'), undefined, { exists: true, now, peerSite: 'site-a' });
  t.equal(both.role, 'primary');
  t.equal(both.splitBrain, true, 'local primary and the up peer says "local image is primary"');
  const demoted = evaluateImage('test', st('snapshot-07-demoted-stale-site-b.json'), undefined, { exists: true, now });
  t.equal(demoted.role, 'non-primary');
  t.equal(demoted.splitBrain, true);
  t.equal(demoted.state, 'up+error');
  const jdemoted = evaluateImage('jtest', st('journal-07-demoted-stale-site-b.json'), undefined, { exists: true, now });
  t.equal(jdemoted.splitBrain, true, '"split-brain detected" (journal mode)');
  const good = evaluateImage('test', st('snapshot-05b-forced-settled-site-a.json'), undefined, { exists: true, now });
  t.equal(good.splitBrain, false, 'a peer that is down+ is not evidence of anything');

  const g = aggregateGroup([both], { pool: 'one' });
  t.equal(g.role, 'split-brain');
  t.match(g.health, /split-brain: peer also primary/);
  const g2 = aggregateGroup([demoted], { pool: 'one' });
  t.equal(g2.role, 'split-brain');
  t.match(g2.health, /up\+error "split-brain"/);
  t.equal(g2.lagSeconds, undefined, 'no lag for a side in split-brain');
});

t.test('snapshot-mode lag: local vs remote snapshot timestamps', async (t) => {
  // site-b replaying; local_snapshot_timestamp 1795306617 (00:16:57Z), status at 00:17:31
  const now = at('2026-11-22 00:17:31');
  const b = evaluateImage('test', st('snapshot-01-before-site-b.json'), undefined, { exists: true, now });
  t.equal(b.role, 'non-primary');
  t.equal(b.mode, 'snapshot');
  t.same(b.lag, { mode: 'snapshot', replayState: 'idle', lastSyncedAt: 1795306617000, lagSeconds: 34, snapshotsBehindSeconds: 0 });
  // the primary reads the same from its peer's status
  const a = evaluateImage('test', st('snapshot-01-before-site-a.json'), undefined, { exists: true, now, peerSite: 'site-b' });
  t.equal(a.role, 'primary');
  t.equal(a.lag?.lagSeconds, 34);
  t.equal(a.peerState, 'up+replaying');

  const ga = aggregateGroup([a], { pool: 'one', rpoMinutes: 15 });
  t.same(ga, { reachable: true, object: 'one', exists: true, role: 'source', volumes: ['test'], lagSeconds: 34, lastReplicatedAt: new Date(1795306617000).toISOString(), health: 'up+stopped' });
  const gb = aggregateGroup([b], { pool: 'one', rpoMinutes: 15 });
  t.equal(gb.role, 'target');
  t.equal(gb.lagSeconds, 34);
  t.equal(gb.health, 'up+replaying');

  // 20 minutes later with no new mirror snapshot: the RPO budget is exceeded
  const late = aggregateGroup([evaluateImage('test', st('snapshot-01-before-site-b.json'), undefined, { exists: true, now: now + 20 * 60_000 })], {
    pool: 'one',
    rpoMinutes: 15,
  });
  t.equal(late.lagSeconds, 34 + 1200);
  t.match(late.health, /lag 1234s exceeds rpo 15m/);

  // right after a promote the new non-primary has no local snapshot yet: lag unknown, said so
  const fresh = evaluateImage('test', st('snapshot-03-after-promote-site-a.json'), undefined, { exists: true, now });
  t.equal(fresh.lag?.lagSeconds, undefined);
  t.equal(fresh.lag?.note, 'no mirror snapshot synced yet');
  const gf = aggregateGroup([fresh], { pool: 'one' });
  t.equal(gf.lagSeconds, undefined);
  t.match(gf.health, /no mirror snapshot synced yet/);
});

t.test('journal-mode lag: entries_behind_primary', async (t) => {
  const now = at('2026-11-22 00:19:51');
  const b = evaluateImage('jtest', st('journal-01-before-site-b.json'), undefined, { exists: true, now });
  t.equal(b.mode, 'journal');
  t.same(b.lag, { mode: 'journal', entriesBehind: 0, lastSyncedAt: at('2026-11-22 00:19:41'), lagSeconds: 10 });
  const a = evaluateImage('jtest', st('journal-01-before-site-a.json'), undefined, { exists: true, now });
  t.equal(a.lag?.lagSeconds, 10, 'primary side reads the peer status last_update');
  const behind = evaluateImage('jtest', st('journal-08-resynced-site-b.json'), undefined, { exists: true, now });
  t.equal(behind.lag?.entriesBehind, 3);
  t.equal(behind.lag?.lagSeconds, undefined, 'behind with no replay rate: unknown, not zero');
  t.match(behind.lag?.note, /3 journal entries behind/);
  const est = lagFromDescription(
    { text: 'replaying', splitBrain: false, journal: { entriesBehindPrimary: 50, entriesPerSecond: 10 } },
    at('2026-11-22 00:19:41'),
    now,
  );
  t.equal(est.lagSeconds, 15, '10 s since the status + 50 entries at 10/s');
});

t.test('role from rbd info wins over the status, and is used when the status cannot tell', async (t) => {
  const infoPrimary = parseImageInfo('{"name":"jtest","id":"1","size":1,"features":[],"mirroring":{"mode":"journal","state":"enabled","global_id":"g","primary":true}}', 0);
  const v = evaluateImage('jtest', st('journal-05-forced-site-a.json'), infoPrimary, { exists: true, now: 0 });
  t.equal(v.role, 'primary');
  t.equal(v.roleSource, 'info');
  t.equal(v.mode, 'journal');
  const v2 = evaluateImage('jtest', st('journal-05-forced-site-a.json'), undefined, { exists: true, now: 0 });
  t.equal(v2.role, 'unknown');
  t.equal(aggregateGroup([v2], { pool: 'one' }).role, 'unknown');
});

t.test('group aggregation: mixed roles, missing and unmirrored images, daemon notes', async (t) => {
  const now = at('2026-11-22 00:22:30');
  const pool = parsePoolStatus(sample('journal-06-pool-split-brain-site-b.json'), 0);
  const by = new Map(pool.images.map((i) => [i.name, i]));
  const j = evaluateImage('jtest', by.get('jtest'), undefined, { exists: true, now });
  const s = evaluateImage('test', by.get('test'), undefined, { exists: true, now });
  t.equal(j.splitBrain, true);
  t.equal(s.role, 'non-primary');
  const g = aggregateGroup([j, s], { pool: 'one', daemonNote: 'rbd-mirror daemon health ERROR (not reporting status)' });
  t.equal(g.role, 'split-brain');
  t.match(g.health, /mixed roles \(primary: jtest; non-primary: test\)/);
  t.match(g.health, /rbd-mirror daemon health ERROR/);

  const final = parsePoolStatus(sample('snapshot-08-pool-final-site-a.json'), 0);
  const f = new Map(final.images.map((i) => [i.name, i]));
  const views = [
    evaluateImage('jtest', f.get('jtest'), undefined, { exists: true, now }),
    evaluateImage('test', f.get('test'), undefined, { exists: true, now }),
    evaluateImage('gone', undefined, undefined, { exists: false, now }),
    evaluateImage('plain', undefined, undefined, { exists: true, now }),
  ];
  const g2 = aggregateGroup(views, { pool: 'one' });
  t.equal(g2.role, 'source');
  t.equal(g2.exists, false, 'not every image is mirrored here');
  t.same(g2.volumes, ['jtest', 'test']);
  t.match(g2.health, /missing: gone/);
  t.match(g2.health, /mirroring not enabled: plain/);
  t.ok(g2.lagSeconds !== undefined, 'both replicating images have a lag');
  t.equal(g2.lagSeconds, Math.max(views[0]!.lag!.lagSeconds!, views[1]!.lag!.lagSeconds!), 'group lag = worst image');

  t.equal(aggregateGroup([], { pool: 'one' }).role, 'none');
  t.match(aggregateGroup([evaluateImage('x', undefined, undefined, { exists: true, now })], { pool: 'one', poolMode: 'disabled' }).health, /pool one mirroring disabled/);
});
