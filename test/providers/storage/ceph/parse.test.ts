/**
 * Every published Ceph fixture (shared/fixtures/ceph) and every JSON the real lab clusters printed
 * (shared/labs/ceph/samples) goes through the parsers, with assertions on the real fields.
 */
import { readdirSync } from 'node:fs';
import t, { type Test } from 'tap';
import {
  parseCtime,
  parseDescription,
  parseImageInfo,
  parseImageInfoText,
  parseImageMeta,
  parseImageStatus,
  parseImageStatusText,
  parseList,
  parseLocalTimestamp,
  parseMirrorSnapshotId,
  parsePoolInfo,
  parsePoolInfoText,
  parsePoolStatus,
  parsePoolStatusText,
  parseScheduleList,
  parseScheduleStatus,
  parseSnapList,
  scheduleIntervalFor,
  scheduleIntervalSeconds,
} from '../../../../src/providers/storage/ceph/parse.js';
import { FIXTURES, SAMPLES, fixture, sample } from './fake-runner.js';

const UTC = 0; // the lab host runs in UTC

t.test('local times without zone', async (t) => {
  t.equal(parseLocalTimestamp('2026-11-22 00:19:45', 0), Date.UTC(2026, 10, 22, 0, 19, 45));
  t.equal(parseLocalTimestamp('2026-11-22 00:19:45', 120), Date.UTC(2026, 10, 21, 22, 19, 45), 'UTC+2 wall clock is 2 h earlier in UTC');
  t.equal(parseLocalTimestamp('2026-11-22 00:19:45', -300), Date.UTC(2026, 10, 22, 5, 19, 45));
  t.equal(parseLocalTimestamp('2026-11-22 00:19:45', 'host'), new Date(2026, 10, 22, 0, 19, 45).getTime(), 'host zone');
  t.equal(parseLocalTimestamp('', 0), undefined, 'empty last_update (status not found)');
  t.equal(parseLocalTimestamp('yesterday', 0), undefined);
  t.equal(parseCtime('Sun Nov 22 01:40:25 2026', 0), Date.UTC(2026, 10, 22, 1, 40, 25));
  t.equal(parseCtime('Mon Jun  9 14:21:20 2025', 0), Date.UTC(2025, 5, 9, 14, 21, 20), 'day padded with a space');
  t.equal(parseCtime('Mon Foo  9 14:21:20 2025', 0), undefined);
});

t.test('descriptions', async (t) => {
  const journal = parseDescription(
    'replaying, {"bytes_per_second":0.0,"entries_behind_primary":3,"entries_per_second":0.0,"non_primary_position":{"entry_tid":321,"object_number":1,"tag_tid":8},"primary_position":{"entry_tid":3,"object_number":3,"tag_tid":9}}',
  );
  t.equal(journal.text, 'replaying');
  t.same(journal.journal, {
    entriesBehindPrimary: 3,
    entriesPerSecond: 0,
    bytesPerSecond: 0,
    primaryPosition: { entryTid: 3, objectNumber: 3, tagTid: 9 },
    nonPrimaryPosition: { entryTid: 321, objectNumber: 1, tagTid: 8 },
  });
  t.equal(journal.snapshot, undefined);

  // ceph-csi's sample: no space after the comma
  const csi = parseDescription(fixture('rbd_mirror_peer_description_snapshot_mode.txt'));
  t.equal(csi.text, 'replaying');
  t.equal(csi.snapshot?.localSnapshotTimestamp, 1662655501);
  t.equal(csi.snapshot?.remoteSnapshotTimestamp, 1662655501);
  t.equal(csi.snapshot?.bytesPerSnapshot, 149504);

  t.same(parseDescription('split-brain detected'), { text: 'split-brain detected', splitBrain: true });
  t.equal(parseDescription('split-brain').splitBrain, true);
  t.equal(parseDescription('local image is primary').splitBrain, false);
  t.equal(parseDescription('bootstrapping, IMAGE_COPY/COPY_OBJECT 42%').bootstrapPercent, 42);
  t.equal(parseDescription('replaying, {not json}').details, undefined, 'broken JSON keeps the text only');
  t.equal(parseDescription(undefined).text, '');
});

// ---------------------------------------------------------------------------------------- fixtures

const fixtureChecks: Record<string, (text: string, t: Test) => void> = {
  'rbd_info_promoted_journal_site_b.txt': (text, t) => {
    const i = parseImageInfoText(text, UTC);
    t.equal(i.name, 'one-0-0-0');
    t.equal(i.id, '3905d476b862');
    t.equal(i.size, 256 * 2 ** 20);
    t.same(i.features, ['layering', 'exclusive-lock', 'journaling']);
    t.same(i.mirroring, { mode: 'journal', state: 'enabled', globalId: 'f0523ef9-a784-420f-8725-c3f81ff5a302', primary: true });
    t.equal(i.createdAt, Date.UTC(2025, 5, 9, 14, 21, 20));
  },
  'rbd_mirror_image_status_nonprimary_journal_site_b.txt': (text, t) => {
    const s = parseImageStatusText(text, UTC);
    t.equal(s.name, 'one-0-0-0');
    t.equal(s.globalId, 'f0523ef9-a784-420f-8725-c3f81ff5a302');
    t.equal(s.local?.state, 'up+replaying');
    t.equal(s.local?.up, true);
    t.equal(s.local?.phase, 'replaying');
    t.equal(s.local?.parsed.journal?.entriesBehindPrimary, 0);
    t.same(s.local?.parsed.journal?.primaryPosition, { entryTid: 3, objectNumber: 3, tagTid: 6 });
    t.equal(s.local?.lastUpdate, Date.UTC(2025, 5, 9, 14, 28, 20));
    t.equal(s.daemonService?.hostname, 'ubuntu2204-kvm-ceph-squid-6-10-cqyoo-0');
  },
  'rbd_mirror_image_status_primary_site_a.txt': (text, t) => {
    const s = parseImageStatusText(text, UTC);
    t.equal(s.local?.state, 'up+stopped', 'tab/space artefacts tolerated');
    t.equal(s.local?.description, 'local image is primary');
    t.equal(s.local?.lastUpdateRaw, '2025-06-17 17:45:11');
  },
  'rbd_mirror_peer_description_snapshot_mode.txt': (text, t) => {
    const d = parseDescription(text.trim());
    t.equal(d.snapshot?.localSnapshotTimestamp, 1662655501);
  },
  'rbd_mirror_pool_info.json': (text, t) => {
    const p = parsePoolInfo(text);
    t.equal(p.mode, 'image');
    t.equal(p.siteName, '39074576-5884-4ef3-8a4d-8a0c5ed33031');
    t.same(p.peers, [{ uuid: '4a6983c0-3c9d-40f5-b2a9-2334a4659827', direction: 'rx-tx', siteName: 'ocs', mirrorUuid: '', clientName: 'client.rbd-mirror-peer' }]);
  },
  'rbd_mirror_pool_info_site_b_rx_tx.txt': (text, t) => {
    const p = parsePoolInfoText(text);
    t.equal(p.mode, 'pool');
    t.equal(p.siteName, '16c707cc-a764-47d4-b308-eefa06ff1205');
    t.same(p.peers, [{ uuid: '164f8358-70a3-4f2d-a727-8729fa186b88', direction: 'rx-tx', siteName: 'site-a', mirrorUuid: '', clientName: 'client.rbd-mirror-peer-a' }]);
  },
  'rbd_mirror_pool_status_summary.json': (text, t) => {
    const p = parsePoolStatus(text, UTC);
    t.same(p.summary, { health: 'WARNING', daemonHealth: 'OK', imageHealth: 'WARNING', states: { starting_replay: 1, replaying: 1 } });
    t.same(p.images, [], 'no images without --verbose');
    t.same(p.daemons, []);
  },
  'rbd_mirror_pool_status_verbose.json': (text, t) => {
    const p = parsePoolStatus(text, UTC);
    t.equal(p.images.length, 1);
    const i = p.images[0]!;
    t.equal(i.name, 'test');
    t.equal(i.local?.state, 'up+stopped');
    t.equal(i.daemonService?.hostname, 'fv-az1195-222');
    t.equal(i.peers[0]?.mirrorUuid, 'a71727e9-63a4-4386-a44b-4cf48dc77fa8', 'peer key mirror_uuids');
    t.equal(i.peers[0]?.state, 'up+replaying');
    t.equal(i.peers[0]?.parsed.snapshot?.remoteSnapshotTimestamp, 1710734899);
    t.equal(i.peers[0]?.parsed.snapshot?.localSnapshotTimestamp, undefined, 'rook fixture has no local_snapshot_timestamp');
    t.equal(i.peers[0]?.parsed.snapshot?.replayState, 'idle');
    t.equal(i.local?.lastUpdate, Date.UTC(2024, 2, 18, 4, 16, 54));
  },
  'rbd_mirror_pool_status_verbose_no_images_site_b.txt': (text, t) => {
    const p = parsePoolStatusText(text);
    t.same(p.summary, { health: 'OK', daemonHealth: 'OK', imageHealth: 'OK', states: {} });
    t.equal(p.totalImages, 0);
    t.same(p.daemons, [
      {
        serviceId: '14595',
        instanceId: '14597',
        clientId: 'ubuntu2204-kvm-ceph-squid-6-10-cqyoo-0',
        hostname: 'ubuntu2204-kvm-ceph-squid-6-10-cqyoo-0',
        cephVersion: '19.2.2',
        leader: true,
        health: 'OK',
        callouts: [],
      },
    ]);
  },
  'rbd_mirror_snapshot_schedule_ls_recursive.json': (text, t) => {
    const l = parseScheduleList(text);
    t.equal(l.length, 2);
    t.same(l[0], { pool: 'replicapool', namespace: '-', image: '-', items: [{ interval: '1d', startTime: '14:00:00-05:00' }] });
    t.equal(l[1]?.image, 'snapeuh');
    t.same(l[1]?.items.map((i) => i.interval), ['1d', '4h', '4h']);
  },
  'rbd_mirror_snapshot_schedule_status.json': (text, t) => {
    t.same(parseScheduleStatus(text), [
      { scheduleTime: '14:00:00-05:00', image: 'foo' },
      { scheduleTime: '08:00:00-05:00', image: 'bar' },
    ]);
  },
};

t.test('every fixture in shared/fixtures/ceph parses', async (t) => {
  const files = readdirSync(FIXTURES).filter((f) => f !== 'MANIFEST.md').sort();
  t.ok(files.length >= 11, `${files.length} fixture files`);
  for (const f of files) {
    const check = fixtureChecks[f];
    t.ok(check, `${f} has a check`);
    if (check) t.test(f, async (t) => check(fixture(f), t));
  }
});

// ---------------------------------------------------------------------------------------- lab samples

interface ImageExpect {
  name: string;
  state: string;
  description: RegExp;
  peer: string;
  peerSite: string;
  snapshots?: number;
  daemon?: boolean;
}

// What the two real clusters printed at each step of demo.sh (REPORT.md "States seen").
const images: Record<string, ImageExpect> = {
  'journal-01-before-site-a.json': { name: 'jtest', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-b' },
  'journal-01-before-site-b.json': { name: 'jtest', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-a' },
  'journal-02-demoted-site-a.json': { name: 'jtest', state: 'up+unknown', description: /^remote image is not primary$/, peer: 'up+unknown', peerSite: 'site-b' },
  'journal-02-demoted-site-b.json': { name: 'jtest', state: 'up+unknown', description: /^remote image is not primary$/, peer: 'up+unknown', peerSite: 'site-a' },
  'journal-03-after-promote-site-a.json': { name: 'jtest', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-b' },
  'journal-03-after-promote-site-b.json': { name: 'jtest', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-a' },
  'journal-04-siteb-down-site-a.json': { name: 'jtest', state: 'up+replaying', description: /^replaying/, peer: 'down+stopped', peerSite: 'site-b' },
  'journal-05-forced-site-a.json': { name: 'jtest', state: 'up+stopping_replay', description: /^stopping replay$/, peer: 'down+stopped', peerSite: 'site-b' },
  'journal-05b-forced-settled-site-a.json': { name: 'jtest', state: 'up+stopped', description: /^stopped$/, peer: 'down+stopped', peerSite: 'site-b' },
  'journal-06-split-brain-site-b.json': { name: 'jtest', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+stopped', peerSite: 'site-a', daemon: false },
  'journal-07-demoted-stale-site-b.json': { name: 'jtest', state: 'up+error', description: /^split-brain detected$/, peer: 'up+stopped', peerSite: 'site-a' },
  'journal-08-resynced-site-a.json': { name: 'jtest', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-b' },
  'journal-08-resynced-site-b.json': { name: 'jtest', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-a' },
  'snapshot-01-before-site-a.json': { name: 'test', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-b', snapshots: 2 },
  'snapshot-01-before-site-b.json': { name: 'test', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-a' },
  'snapshot-02-demoted-site-a.json': { name: 'test', state: 'up+unknown', description: /^remote image is not primary$/, peer: 'up+unknown', peerSite: 'site-b' },
  'snapshot-02-demoted-site-b.json': { name: 'test', state: 'up+unknown', description: /^remote image demoted$/, peer: 'up+unknown', peerSite: 'site-a' },
  'snapshot-03-after-promote-site-a.json': { name: 'test', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-b' },
  'snapshot-03-after-promote-site-b.json': { name: 'test', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-a', snapshots: 1 },
  'snapshot-04-siteb-down-site-a.json': { name: 'test', state: 'up+replaying', description: /^replaying, /, peer: 'down+stopped', peerSite: 'site-b' },
  'snapshot-05-forced-site-a.json': { name: 'test', state: 'up+stopping_replay', description: /^orphan \(force promoting\)$/, peer: 'down+stopped', peerSite: 'site-b', snapshots: 2 },
  'snapshot-05b-forced-settled-site-a.json': { name: 'test', state: 'up+stopped', description: /^orphan \(force promoting\)$/, peer: 'down+stopped', peerSite: 'site-b', snapshots: 2 },
  'snapshot-06-split-brain-site-b.json': { name: 'test', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+stopped', peerSite: 'site-a', snapshots: 2, daemon: false },
  'snapshot-07-demoted-stale-site-b.json': { name: 'test', state: 'up+error', description: /^split-brain$/, peer: 'up+stopped', peerSite: 'site-a' },
  'snapshot-08-resynced-site-a.json': { name: 'test', state: 'up+stopped', description: /^local image is primary$/, peer: 'up+replaying', peerSite: 'site-b', snapshots: 3 },
  'snapshot-08-resynced-site-b.json': { name: 'test', state: 'up+replaying', description: /^replaying, /, peer: 'up+stopped', peerSite: 'site-a' },
};

interface PoolExpect {
  summary: [string, string, string];
  states: Record<string, number>;
  daemons: Array<[string, boolean, string, string[]]>; // client_id, leader, health, callouts
  images: Record<string, string>;
}

const pools: Record<string, PoolExpect> = {
  'journal-01-pool-before-site-b.json': { summary: ['OK', 'OK', 'OK'], states: { replaying: 2 }, daemons: [['b', true, 'OK', []]], images: { jtest: 'up+replaying', test: 'up+replaying' } },
  'journal-03-pool-after-promote-site-a.json': { summary: ['OK', 'OK', 'OK'], states: { replaying: 2 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+replaying', test: 'up+stopped' } },
  'journal-05-pool-forced-site-a.json': { summary: ['WARNING', 'OK', 'WARNING'], states: { unknown: 2 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+stopped', test: 'up+stopped' } },
  'journal-06-pool-split-brain-site-b.json': {
    summary: ['ERROR', 'ERROR', 'OK'],
    states: { replaying: 1, stopped: 1 },
    daemons: [
      ['b', false, 'WARNING', ['not reporting status']],
      ['b', false, 'WARNING', ['not reporting status']],
    ],
    images: { jtest: 'up+stopped', test: 'up+replaying' },
  },
  'journal-08-pool-final-site-a.json': { summary: ['OK', 'OK', 'OK'], states: { replaying: 2 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+stopped', test: 'up+stopped' } },
  'journal-08-pool-final-site-b.json': {
    summary: ['WARNING', 'WARNING', 'OK'],
    states: { replaying: 2 },
    daemons: [
      ['b', false, 'WARNING', ['not reporting status']],
      ['b', true, 'OK', []],
    ],
    images: { jtest: 'up+replaying', test: 'up+replaying' },
  },
  'snapshot-01-pool-before-site-b.json': { summary: ['WARNING', 'OK', 'WARNING'], states: { unknown: 1, replaying: 1 }, daemons: [['b', true, 'OK', []]], images: { jtest: 'down+unknown', test: 'up+replaying' } },
  'snapshot-03-pool-after-promote-site-a.json': { summary: ['WARNING', 'OK', 'WARNING'], states: { unknown: 1, replaying: 1 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+stopped', test: 'up+replaying' } },
  'snapshot-05-pool-forced-site-a.json': { summary: ['WARNING', 'OK', 'WARNING'], states: { unknown: 2 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+stopped', test: 'up+stopped' } },
  'snapshot-06-pool-split-brain-site-b.json': {
    summary: ['ERROR', 'ERROR', 'OK'],
    states: { stopped: 2 },
    daemons: [
      ['b', false, 'WARNING', ['not reporting status']],
      ['b', false, 'WARNING', ['not reporting status']],
    ],
    images: { jtest: 'down+unknown', test: 'up+stopped' },
  },
  'snapshot-08-pool-final-site-a.json': { summary: ['OK', 'OK', 'OK'], states: { replaying: 2 }, daemons: [['a', true, 'OK', []]], images: { jtest: 'up+stopped', test: 'up+stopped' } },
  'snapshot-08-pool-final-site-b.json': { summary: ['OK', 'OK', 'OK'], states: { replaying: 2 }, daemons: [['b', true, 'OK', []]], images: { jtest: 'up+replaying', test: 'up+replaying' } },
};

const poolInfos: Record<string, { site: string; peer: string; peerMirrorUuid: string }> = {
  'pool-info-site-a.json': { site: 'site-a', peer: 'site-b', peerMirrorUuid: '2f88ff0d-0c8a-4f4d-99a3-cb6e8d372b66' },
  'pool-info-site-b.json': { site: 'site-b', peer: 'site-a', peerMirrorUuid: '7263573c-726b-4da2-9cba-8f6d66d1caea' },
};

t.test('every JSON the lab clusters printed parses', async (t) => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort();
  t.equal(files.length, Object.keys(images).length + Object.keys(pools).length + Object.keys(poolInfos).length, `${files.length} sample JSON files, each with expectations`);
  for (const f of files) {
    t.test(f, async (t) => {
      const text = sample(f);
      if (images[f]) {
        const e = images[f]!;
        const s = parseImageStatus(text, UTC);
        t.equal(s.name, e.name);
        t.match(s.globalId, /^[0-9a-f-]{36}$/);
        t.equal(s.local?.state, e.state);
        t.match(s.local?.description, e.description);
        t.equal(s.local?.lastUpdateRaw, JSON.parse(text).last_update);
        t.equal(s.local?.lastUpdate, Date.parse(`${JSON.parse(text).last_update.replace(' ', 'T')}Z`));
        t.equal(s.peers.length, 1);
        t.equal(s.peers[0]!.siteName, e.peerSite);
        t.equal(s.peers[0]!.state, e.peer);
        t.match(s.peers[0]!.mirrorUuid, /^[0-9a-f-]{36}$/, 'mirror_uuids read');
        t.equal(s.snapshots?.length, e.snapshots, 'mirror snapshots only on snapshot-mode primaries');
        t.equal(!!s.daemonService, e.daemon ?? true, 'daemon_service only when the local daemon reports');
        if (s.snapshots) {
          for (const sn of s.snapshots) t.match(sn.name, /^\.mirror\.primary\./);
        }
      } else if (pools[f]) {
        const e = pools[f]!;
        const p = parsePoolStatus(text, UTC);
        t.same([p.summary.health, p.summary.daemonHealth, p.summary.imageHealth], e.summary);
        t.same(p.summary.states, e.states);
        t.same(
          p.daemons.map((d) => [d.clientId, d.leader, d.health, d.callouts]),
          e.daemons,
        );
        t.ok(p.daemons.every((d) => d.cephVersion === '16.2.15'));
        t.same(Object.fromEntries(p.images.map((i) => [i.name, i.local?.state])), e.images);
        t.ok(p.images.every((i) => i.peers.length === 1 && i.peers[0]!.mirrorUuid.length === 36));
      } else if (poolInfos[f]) {
        const e = poolInfos[f]!;
        const p = parsePoolInfo(text);
        t.equal(p.mode, 'image');
        t.equal(p.siteName, e.site);
        t.equal(p.peers.length, 1);
        t.equal(p.peers[0]!.siteName, e.peer);
        t.equal(p.peers[0]!.direction, 'rx-tx');
        t.equal(p.peers[0]!.mirrorUuid, e.peerMirrorUuid);
        t.equal(p.peers[0]!.clientName, 'client.rbd-mirror-peer');
      } else {
        t.fail(`no expectation for ${f}`);
      }
    });
  }
});

t.test('snapshot-mode replay details from the lab', async (t) => {
  const b = parseImageStatus(sample('snapshot-01-before-site-b.json'), UTC);
  t.same(b.local?.parsed.snapshot, {
    localSnapshotTimestamp: 1795306617,
    remoteSnapshotTimestamp: 1795306617,
    replayState: 'idle',
    bytesPerSecond: 0,
    bytesPerSnapshot: 0,
    lastSnapshotBytes: 0,
    lastSnapshotSyncSeconds: 0,
    syncingPercent: undefined,
  });
  const after = parseImageStatus(sample('snapshot-03-after-promote-site-a.json'), UTC);
  t.equal(after.local?.parsed.snapshot?.localSnapshotTimestamp, undefined, 'right after promote: no local snapshot yet');
  t.equal(after.local?.parsed.snapshot?.remoteSnapshotTimestamp, 1795306671);
  const forced = parseImageStatus(sample('snapshot-05-forced-site-a.json'), UTC);
  t.same(
    forced.snapshots?.map((s) => [s.id, s.demoted, s.mirrorPeerUuids]),
    [
      [7, true, ['e22efd92-7444-41c2-951b-97e32867e789']],
      [15, false, ['e22efd92-7444-41c2-951b-97e32867e789']],
    ],
  );
  const resynced = parseImageStatus(sample('journal-08-resynced-site-b.json'), UTC);
  t.equal(resynced.local?.parsed.journal?.entriesBehindPrimary, 3, 'the lab reported 3 entries behind right after a resync');
});

t.test('peer key mirror_uuid (ceph-ci development branch) is read like mirror_uuids', async (t) => {
  const doc = JSON.parse(sample('snapshot-01-before-site-a.json'));
  doc.peer_sites[0].mirror_uuid = doc.peer_sites[0].mirror_uuids;
  delete doc.peer_sites[0].mirror_uuids;
  const s = parseImageStatus(JSON.stringify(doc), UTC);
  t.equal(s.peers[0]!.mirrorUuid, '2f88ff0d-0c8a-4f4d-99a3-cb6e8d372b66');
  t.equal(s.peers[0]!.state, 'up+replaying');
  const none = parseImageStatus('{"name":"x","global_id":"g","state":"down+unknown","description":"status not found","last_update":"","peer_sites":[{"site_name":"b","state":"down+unknown","description":"status not found","last_update":""}]}', UTC);
  t.equal(none.peers[0]!.mirrorUuid, '');
  t.equal(none.local!.up, false);
  t.equal(none.local!.lastUpdate, undefined);
});

t.test('the stderr sample of the ETIMEDOUT resync is what the classifier expects', async (t) => {
  t.match(sample('snapshot-resync-ETIMEDOUT-seen-once.stderr.txt'), /failed to request resync: \(110\) Connection timed out/);
});

t.test('rbd info / ls / snap ls / image-meta / mirror snapshot (recorded on the lab)', async (t) => {
  const info = parseImageInfo(
    '{"name":"test","id":"10381043a61d","size":67108864,"objects":16,"order":22,"object_size":4194304,"snapshot_count":1,"block_name_prefix":"rbd_data.10381043a61d","format":2,"features":["layering","exclusive-lock","object-map","fast-diff","non-primary"],"op_features":[],"flags":[],"create_timestamp":"Sun Nov 22 01:40:30 2026","access_timestamp":"Sun Nov 22 01:40:30 2026","modify_timestamp":"Sun Nov 22 01:40:30 2026","mirroring":{"mode":"snapshot","state":"enabled","global_id":"a7c9a6e4-0a76-4bca-99c7-fb6efb5cf4ac","primary":false}}',
    UTC,
  );
  t.same(info.mirroring, { mode: 'snapshot', state: 'enabled', globalId: 'a7c9a6e4-0a76-4bca-99c7-fb6efb5cf4ac', primary: false });
  t.ok(info.features.includes('non-primary'));
  t.equal(info.size, 67108864);
  t.equal(info.createdAt, Date.UTC(2026, 10, 22, 1, 40, 30));
  const copy = parseImageInfo('{"name":"test-drill-x","id":"1","size":1,"features":["layering"],"mirroring":null}', UTC);
  t.equal(copy.mirroring, undefined, 'mirroring: null on an unmirrored image');
  const disabled = parseImageInfo('{"name":"x","id":"1","size":1,"features":[],"mirroring":{"state":"disabled"}}', UTC);
  t.equal(disabled.mirroring, undefined);

  t.same(parseList('["exp","j1","test"]'), [{ name: 'exp' }, { name: 'j1' }, { name: 'test' }]);
  t.same(parseList('[{"image":"test","id":"10369bee48cc","size":67108864,"format":2}]'), [{ name: 'test', id: '10369bee48cc', size: 67108864 }]);
  t.same(parseList(''), [], 'an empty pool prints nothing');

  const snaps = parseSnapList(
    '[{"id":4,"name":".mirror.non_primary.a7c9a6e4-0a76-4bca-99c7-fb6efb5cf4ac.7f118fed-6595-4730-8bfc-cdaf98370985","size":67108864,"protected":"false","timestamp":"Sun Nov 22 01:40:30 2026","namespace":{"type":"mirror","state":"non-primary","mirror_peer_uuids":[],"complete":true,"primary_mirror_uuid":"a59d0ead-ff16-4350-b3a3-1b87e9812f29","primary_snap_id":4,"last_copied_object_number":16}},{"id":5,"name":"usersnap","size":67108864,"protected":"false","timestamp":"Sun Nov 22 01:41:20 2026"}]',
    UTC,
  );
  t.same(snaps[0], {
    id: 4,
    name: '.mirror.non_primary.a7c9a6e4-0a76-4bca-99c7-fb6efb5cf4ac.7f118fed-6595-4730-8bfc-cdaf98370985',
    size: 67108864,
    protected: false,
    timestampRaw: 'Sun Nov 22 01:40:30 2026',
    timestamp: Date.UTC(2026, 10, 22, 1, 40, 30),
    namespace: { type: 'mirror', state: 'non-primary', mirrorPeerUuids: [], complete: true, primaryMirrorUuid: 'a59d0ead-ff16-4350-b3a3-1b87e9812f29', primarySnapId: 4, lastCopiedObjectNumber: 16 },
  });
  t.same(snaps[1]!.namespace, { type: 'user' }, 'a snapshot without namespace is a user snapshot');

  t.same(parseImageMeta(''), {}, 'image-meta list prints nothing when empty');
  t.same(parseImageMeta('{"drctl.drill-tag":"x"}'), { 'drctl.drill-tag': 'x' });
  t.equal(parseMirrorSnapshotId('Snapshot ID: 6\n'), 6);
  t.equal(parseMirrorSnapshotId('Mirroring enabled\n'), undefined);
  t.same(parseScheduleList('[{"interval":"1m","start_time":""}]', { pool: 'one', namespace: '', image: 'exp' }), [
    { pool: 'one', namespace: '', image: 'exp', items: [{ interval: '1m' }] },
  ]);
  t.same(parseScheduleList('[{"pool":"one","namespace":"","image":"exp","items":[{"interval":"1m","start_time":""}]}]'), [
    { pool: 'one', namespace: '', image: 'exp', items: [{ interval: '1m' }] },
  ]);
  t.same(parseScheduleStatus('[]'), []);
});

t.test('schedule intervals', async (t) => {
  t.equal(scheduleIntervalSeconds('5m'), 300);
  t.equal(scheduleIntervalSeconds('4h'), 14400);
  t.equal(scheduleIntervalSeconds('1d'), 86400);
  t.equal(scheduleIntervalSeconds('soon'), undefined);
  t.equal(scheduleIntervalFor(300), '5m');
  t.equal(scheduleIntervalFor(90), '2m', 'rounded up to whole minutes');
  t.equal(scheduleIntervalFor(10), '1m', 'at least one minute');
});

t.test('bad output is a typed error', async (t) => {
  for (const [fn, text] of [
    [() => parsePoolStatus('not json'), 'not JSON'],
    [() => parsePoolStatus('[]'), 'expected a JSON object'],
    [() => parseImageStatus(''), 'empty output'],
    [() => parseImageStatus('{"state":"up+stopped"}'), 'image without a name'],
    [() => parseSnapList('{}'), 'expected a JSON array'],
    [() => parsePoolInfoText('nothing here'), 'no Mode line'],
    [() => parseImageInfoText('size 1 MiB'), 'no "rbd image'],
  ] as const) {
    t.throws(fn, { code: 'DRCTL_E2311', message: new RegExp(text) });
  }
});
