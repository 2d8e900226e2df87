/**
 * The Ceph driver against two REAL Ceph clusters (../shared/labs/ceph): a snapshot-mirrored group
 * (2 images) and a journal-mirrored group (1 image) go through protect, final sync, planned
 * failover a→b, failback b→a, a drill on the standby, an unplanned failover with site-a's daemons
 * stopped, split-brain detection when site-a returns, fencing (demote) and the explicit resync of
 * the discarded side. Data is checked with `rbd export | md5` at every step. Everything is polled
 * with bounds (REPORT.md: ~60 s per transition, ~2 min for a forced promote, status lag ~35 s).
 *
 * One file, steps in order: they share the lab and the unplanned step stops a whole site.
 */
import { writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { ArrayGroupStatus } from '../../src/discovery/types.js';
import type { StorageGroupRef } from '../../src/providers/storage/driver.js';
import { CephDriver } from '../../src/providers/storage/ceph/driver.js';
import {
  checksum,
  driverFor,
  IT_PREFIX,
  labOrSkip,
  labScript,
  poll,
  releaseLock,
  POOL,
  rbd,
  rbdOk,
  removeImages,
  siteUp,
  sweep,
  writeData,
  type Site,
} from './lab.js';

const RUN = Date.now().toString(36);
const OTHER: Record<Site, Site> = { 'site-a': 'site-b', 'site-b': 'site-a' };

interface G {
  key: 'snapshot' | 'journal';
  base: Omit<StorageGroupRef, 'peer'>;
}
const groups: G[] = [
  {
    key: 'snapshot',
    base: { group: 'it-snapshot', type: 'async', object: POOL, volumes: [`${IT_PREFIX}${RUN}-s1`, `${IT_PREFIX}${RUN}-s2`], mirrorMode: 'snapshot', intervalSeconds: 60, rpoMinutes: 15 },
  },
  { key: 'journal', base: { group: 'it-journal', type: 'sync', object: POOL, volumes: [`${IT_PREFIX}${RUN}-j1`], mirrorMode: 'journal', rpoMinutes: 15 } },
];
const allImages = groups.flatMap((g) => g.base.volumes);
const refOn = (g: G, site: Site): StorageGroupRef => ({ ...g.base, peer: OTHER[site] });

const timings: Record<string, number> = {};

/** Like Promise.all, but waits for every group before failing: no group keeps acting on the lab after a step failed. */
async function all<T>(ps: Array<Promise<T>>): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const bad = rs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}
function timed<T>(name: string, p: Promise<T>): Promise<T> {
  const t0 = Date.now();
  return p.then((v) => {
    timings[name] = Date.now() - t0;
    return v;
  });
}

const drivers: Record<Site, CephDriver> = { 'site-a': driverFor('site-a'), 'site-b': driverFor('site-b') };
let siteAStopped = false;
let broken: string | undefined;
const drillTag = `it${RUN}`;

/** Steps run in order; after a failed step the rest are skipped (the lab is in an unknown state). */
function step(name: string, fn: (t: Test) => Promise<void>) {
  t.test(name, async (tt) => {
    if (broken) {
      tt.plan(0, `skipped: an earlier step failed (${broken})`);
      return;
    }
    try {
      await fn(tt);
    } catch (e) {
      broken = name;
      throw e;
    }
    if (!tt.passing()) broken = name;
  });
}

/** Both sides' view of every group. */
async function views(site: Site): Promise<Record<string, ArrayGroupStatus>> {
  return drivers[site].statusMany(groups.map((g) => refOn(g, site)));
}

/** Data on `from` has reached `to` for a group: snapshot mode via a final-sync point, journal via content. */
async function syncGroup(g: G, from: Site, to: Site, label: string): Promise<void> {
  const ref = refOn(g, from);
  const snap = await drivers[from].snapshotAndReplicate(ref, label);
  if (g.key === 'snapshot') {
    if (!snap) throw new Error('snapshot mode returned no sync point');
    await timed(
      `${g.key}: ${label} transfer`,
      poll(`${g.key} transfer of ${snap.name}`, async () => (await drivers[from].transferProgress(ref, snap.name)) === 1, 180_000),
    );
  } else if (snap !== null) {
    throw new Error('journal mode must return null from snapshotAndReplicate');
  }
  // content equality (journal mode's only proof; snapshot mode double-checks)
  await timed(
    `${g.key}: ${label} content equal`,
    poll(`${g.key} content on ${to} equals ${from}`, async () => {
      for (const img of g.base.volumes) if ((await checksum(from, img)) !== (await checksum(to, img))) return false;
      return true;
    }, 180_000, 2000),
  );
}

async function sums(site: Site, g: G): Promise<string[]> {
  const out: string[] = [];
  for (const img of g.base.volumes) out.push(await checksum(site, img));
  return out;
}

const labUp = await labOrSkip(t);
if (labUp) {
  t.setTimeout(45 * 60_000);
  t.teardown(async () => {
    if (siteAStopped || !(await siteUp('site-a'))) await labScript('up.sh', ['site-a']);
    await removeImages([...allImages.map((i) => `${i}-drill-${drillTag}`), ...allImages]);
    const lines = Object.entries(timings).map(([k, v]) => `${k}: ${(v / 1000).toFixed(1)} s`);
    t.comment(`ceph integration timings\n${lines.join('\n')}`);
    if (process.env.DRCTL_CEPH_TIMINGS) writeFileSync(process.env.DRCTL_CEPH_TIMINGS, JSON.stringify(timings, null, 2));
    releaseLock();
  });
}

if (labUp) {
step('sweep, create images on site-a, protect, first replication', async (t) => {
  const swept = await sweep();
  if (swept.length) t.comment(`swept leftovers: ${swept.join(', ')}`);
  for (const img of allImages) {
    await rbdOk('site-a', ['create', `${POOL}/${img}`, '--size', '32M', '--image-feature', 'layering,exclusive-lock,object-map,fast-diff']);
  }
  await all(groups.map((g) => timed(`${g.key}: protect`, drivers['site-a'].protect(refOn(g, 'site-a')))));
  // protect is idempotent
  await drivers['site-a'].protect(refOn(groups[0]!, 'site-a'));
  const info = JSON.parse(await rbdOk('site-a', ['info', `${POOL}/${groups[1]!.base.volumes[0]}`, '--format', 'json']));
  t.same(info.mirroring.mode, 'journal');
  t.ok(info.features.includes('journaling'), 'journal mode enabled the journaling feature');
  const sched = JSON.parse(await rbdOk('site-a', ['mirror', 'snapshot', 'schedule', 'ls', '--pool', POOL, '--image', groups[0]!.base.volumes[0]!, '--format', 'json']));
  t.same(sched.map((s: { interval: string }) => s.interval), ['1m'], 'intervalSeconds 60 → a 1m mirror snapshot schedule');

  const { ms } = await poll(
    'site-a source / site-b target with a known lag for both groups',
    async () => {
      const [a, b] = await all([views('site-a'), views('site-b')]);
      return groups.every((g) => a[g.base.group]!.role === 'source' && b[g.base.group]!.role === 'target' && b[g.base.group]!.lagSeconds !== undefined) && { a, b };
    },
    240_000,
    2000,
  );
  timings['protect → replicating (both groups)'] = ms;
  const [a, b] = await all([views('site-a'), views('site-b')]);
  for (const g of groups) {
    t.equal(a[g.base.group]!.role, 'source', `${g.key}: site-a source`);
    t.equal(b[g.base.group]!.role, 'target', `${g.key}: site-b target`);
    t.same(b[g.base.group]!.volumes, [...g.base.volumes].sort());
    t.ok(b[g.base.group]!.lagSeconds! < 15 * 60, `${g.key}: lag ${b[g.base.group]!.lagSeconds}s within the rpo`);
    t.equal(b[g.base.group]!.health, 'up+replaying');
  }
});

step('status is bulk: one pool status + one ls per pool for all groups', async (t) => {
  const counts = drivers['site-b'].rbd.counts;
  const before = { ...counts };
  const out = await views('site-b');
  t.equal(Object.keys(out).length, 2);
  const delta = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
  t.same(delta, { 'mirror pool status': 1, ls: 1 }, 'no per-image command in a healthy state');
});

let beforeFailover: Record<string, string[]> = {};

step('final sync from site-a (snapshot: mirror snapshot + transfer; journal: replayed)', async (t) => {
  for (const img of allImages) await writeData('site-a', img);
  await all(groups.map((g) => syncGroup(g, 'site-a', 'site-b', 'planned')));
  for (const g of groups) {
    beforeFailover[g.key] = await sums('site-a', g);
    t.same(await sums('site-b', g), beforeFailover[g.key], `${g.key}: site-b has site-a's data`);
  }
});

step('planned failover a→b: demote a, plain promote b, b replicates back', async (t) => {
  await all(
    groups.map(async (g) => {
      await timed(`${g.key}: planned a→b demote`, drivers['site-a'].demote(refOn(g, 'site-a')));
      const copies = await timed(`${g.key}: planned a→b promote`, drivers['site-b'].promote(refOn(g, 'site-b'), { force: false }));
      t.same(copies.map((c) => c.name), g.base.volumes, `${g.key}: promoted images returned`);
      t.ok(copies.every((c) => c.size === 32 * 2 ** 20));
      await timed(`${g.key}: planned a→b reverse verified`, drivers['site-b'].reverseReplication(refOn(g, 'site-b')));
    }),
  );
  for (const g of groups) t.same(await sums('site-b', g), beforeFailover[g.key], `${g.key}: data intact on site-b`);
  const { ms } = await poll('site-b source / site-a target', async () => {
    const [a, b] = await all([views('site-a'), views('site-b')]);
    return groups.every((g) => a[g.base.group]!.role === 'target' && b[g.base.group]!.role === 'source');
  }, 120_000);
  timings['planned a→b: status settled after reverse'] = ms;
  for (const img of allImages) await writeData('site-b', img);
  t.pass('site-b images are writable');
});

step('failback b→a', async (t) => {
  await all(groups.map((g) => syncGroup(g, 'site-b', 'site-a', 'failback')));
  const before: Record<string, string[]> = {};
  for (const g of groups) before[g.key] = await sums('site-b', g);
  await all(
    groups.map(async (g) => {
      await timed(`${g.key}: failback b→a demote`, drivers['site-b'].demote(refOn(g, 'site-b')));
      await timed(`${g.key}: failback b→a promote`, drivers['site-a'].promote(refOn(g, 'site-a'), { force: false }));
      await timed(`${g.key}: failback b→a reverse verified`, drivers['site-a'].reverseReplication(refOn(g, 'site-a')));
    }),
  );
  for (const g of groups) t.same(await sums('site-a', g), before[g.key], `${g.key}: site-b's writes are on site-a`);
  const a = await views('site-a');
  for (const g of groups) t.equal(a[g.base.group]!.role, 'source');
});

step('drill on the standby (site-b): copies pinned to the mirrored point, then exactly removed', async (t) => {
  for (const g of groups) {
    const copies = await timed(`${g.key}: drill clone`, drivers['site-b'].cloneForDrill(refOn(g, 'site-b'), drillTag));
    t.same(copies.map((c) => c.name), g.base.volumes.map((v) => `${v}-drill-${drillTag}`));
    for (const c of copies) {
      t.equal(await checksum('site-b', c.name), await checksum('site-a', c.source), `${g.key}: ${c.name} holds the production data`);
      const info = JSON.parse(await rbdOk('site-b', ['info', `${POOL}/${c.name}`, '--format', 'json']));
      t.equal(info.mirroring ?? null, null, 'drill copies are not mirrored');
    }
    const again = await drivers['site-b'].cloneForDrill(refOn(g, 'site-b'), drillTag);
    t.same(again, copies, 'idempotent');
  }
  const b = await views('site-b');
  for (const g of groups) t.same(b[g.base.group]!.drillVolumes, g.base.volumes.map((v) => `${v}-drill-${drillTag}`).sort());
  for (const g of groups) {
    const removed = await timed(`${g.key}: drill cleanup`, drivers['site-b'].removeDrillClones(refOn(g, 'site-b'), drillTag));
    t.same(removed.sort(), g.base.volumes.map((v) => `${v}-drill-${drillTag}`).sort());
  }
  const left = JSON.parse(await rbdOk('site-b', ['ls', POOL, '--format', 'json'])) as string[];
  t.same(left.filter((n) => n.includes(`-drill-${drillTag}`)), [], 'nothing tagged remains');
  const b2 = await views('site-b');
  for (const g of groups) t.same(b2[g.base.group]!.drillVolumes, []);
});

let beforeOutage: Record<string, string[]> = {};

step('unplanned failover: site-a daemons stopped, plain promote refused, promote --force on site-b', async (t) => {
  for (const img of allImages) await writeData('site-a', img);
  await all(groups.map((g) => syncGroup(g, 'site-a', 'site-b', 'pre-outage')));
  for (const g of groups) beforeOutage[g.key] = await sums('site-a', g);

  const down = await timed('site-a down.sh', labScript('down.sh', ['site-a']));
  siteAStopped = true;
  t.equal(down.code, 0, 'down.sh site-a');

  const a = await timed('site-a status while down', views('site-a'));
  for (const g of groups) {
    t.equal(a[g.base.group]!.reachable, false, `${g.key}: site-a unreachable, reported not thrown`);
    t.equal(a[g.base.group]!.error?.code, 'DRCTL_E2301');
  }

  const impatient = driverFor('site-b', { promoteTimeoutMs: 8_000 });
  const refused = await impatient.promote(refOn(groups[0]!, 'site-b'), { force: false }).catch((e: unknown) => e);
  t.match(refused, { code: 'DRCTL_E2324', exitCode: 3 }, 'a planned promote never forces');
  const info = JSON.parse(await rbdOk('site-b', ['info', `${POOL}/${groups[0]!.base.volumes[0]}`, '--format', 'json']));
  t.equal(info.mirroring.primary, false, 'still non-primary after the refused promote');

  await all(groups.map((g) => timed(`${g.key}: unplanned promote --force (settled)`, drivers['site-b'].promote(refOn(g, 'site-b'), { force: true }))));
  for (const g of groups) t.same(await sums('site-b', g), beforeOutage[g.key], `${g.key}: site-b has the last replicated data`);
  for (const img of allImages) await writeData('site-b', img);
  t.pass('force-promoted images are writable with site-a down');
  const b = await views('site-b');
  for (const g of groups) t.equal(b[g.base.group]!.role, 'source');
});

step('site-a returns: split-brain detected', async (t) => {
  const up = await timed('site-a up.sh (restart)', labScript('up.sh', ['site-a']));
  t.equal(up.code, 0, 'up.sh site-a');
  siteAStopped = false;
  const { ms, value } = await poll(
    'split-brain reported for both groups',
    async () => {
      const [a, b] = await all([views('site-a'), views('site-b')]);
      return groups.every((g) => {
        const ra = a[g.base.group]!.role;
        const rb = b[g.base.group]!.role;
        return ra === 'split-brain' || rb === 'split-brain' || (ra === 'source' && rb === 'source');
      }) && { a, b };
    },
    240_000,
    2000,
  );
  timings['split-brain detected after site-a returned'] = ms;
  for (const g of groups) {
    const a = value.a[g.base.group]!;
    const b = value.b[g.base.group]!;
    t.comment(`${g.key}: site-a ${a.role} (${a.health}); site-b ${b.role} (${b.health})`);
    t.ok(a.role === 'split-brain' || b.role === 'split-brain' || (a.role === 'source' && b.role === 'source'), `${g.key}: both sides primary`);
  }
});

step('fence site-a (demote), then resync only the side the operator named', async (t) => {
  for (const g of groups) {
    await t.rejects(drivers['site-a'].resync(refOn(g, 'site-a'), { discardSite: 'site-b' }), { code: 'DRCTL_E2326' }, 'naming the other side is refused here');
    await t.rejects(drivers['site-a'].resync(refOn(g, 'site-a'), { discardSite: 'site-a' }), { code: 'DRCTL_E2326', message: /primary on this site/ }, 'no resync of a primary');
  }
  await all(groups.map((g) => timed(`${g.key}: fence (demote site-a)`, drivers['site-a'].demote(refOn(g, 'site-a')))));
  const { ms } = await poll(
    'site-a reports up+error split-brain after fencing',
    async () => {
      const a = await views('site-a');
      return groups.every((g) => a[g.base.group]!.role === 'split-brain' && /up\+error/.test(a[g.base.group]!.health ?? ''));
    },
    180_000,
    2000,
  );
  timings['fenced → up+error split-brain'] = ms;
  await all(groups.map((g) => timed(`${g.key}: resync site-a`, drivers['site-a'].resync(refOn(g, 'site-a'), { discardSite: 'site-a' }))));
  await all(groups.map((g) => syncGroup(g, 'site-b', 'site-a', 'after-resync')));
  for (const g of groups) t.same(await sums('site-a', g), await sums('site-b', g), `${g.key}: site-a holds site-b's data again`);
  const { ms: settle } = await poll('site-b source / site-a target, no split-brain', async () => {
    const [a, b] = await all([views('site-a'), views('site-b')]);
    return groups.every((g) => a[g.base.group]!.role === 'target' && b[g.base.group]!.role === 'source');
  }, 180_000, 2000);
  timings['resync → roles settled'] = settle;
  await all(groups.map((g) => drivers['site-b'].reverseReplication(refOn(g, 'site-b'))));
  t.pass('site-b replicates to site-a again');
});

step('no stray rbd processes or images of this run besides the groups', async (t) => {
  const r = await rbd('site-a', ['ls', POOL, '--format', 'json']);
  const names = (JSON.parse(r.stdout || '[]') as string[]).filter((n) => n.includes(RUN));
  t.same(names.sort(), [...allImages].sort());
});
}
