/**
 * The life cycle of examples/ceph-mirrored.yaml (two Ceph clusters, RBD journal mirroring) against the
 * mock, through the real clients and the rbd CLI the mock speaks: planned failover → failback →
 * failover, converged after each. Cinder's manage renames an image to volume-<new id> (as the real RBD
 * driver does) and the rename reaches the peer; the data path is followed by the mirror global_id, the
 * one identity that survives: every member's images keep their global ids across all three moves, the
 * running site's copy is primary, the other's is replaying non-primary.
 */
import t, { type Test } from 'tap';
import { parseDocument } from 'yaml';
import { readFile, writeFile } from 'node:fs/promises';
import { journalViewForApply } from '../../src/apply/run.js';
import { buildPlan } from '../../src/plan/build.js';
import { TAG } from '../../src/discovery/types.js';
import { MockWorld } from '../../src/mock/index.js';
import { lab, type Lab } from './lifecycle-harness.js';

const GROUP = 'ceph-app';
const MEMBERS = ['ceph-db-1', 'ceph-app-1'];
const SETTINGS = { bootSeconds: 0.2, stopSeconds: 0.1, startSeconds: 0.1, transferSeconds: 0.3 };

async function set(l: Lab, key: 'activeSite', value: string) {
  const doc = parseDocument(await readFile(l.specPath, 'utf8'));
  doc.setIn(['groups', GROUP, key], value);
  await writeFile(l.specPath, doc.toString());
}

async function planClean(t: Test, l: Lab, what: string) {
  const loaded = await l.loaded();
  const inv = await l.discover();
  const plan = buildPlan(loaded.spec, inv, journalViewForApply(await l.state()), { now: new Date(), specDigest: loaded.digest, specFile: l.specPath });
  t.same(plan.blockers, [], `${what}: no blockers`);
  t.same(plan.actions.map((a) => `${a.group}:${a.action}`), [], `${what}: the plan has nothing to do (${plan.actions.map((a) => a.summary).join('; ')})`);
}

interface Path {
  /** member → the global ids of the images its running server boots from / uses */
  globals: Record<string, string[]>;
}

/**
 * Members ACTIVE on `site` only, each volume attached and backed by a primary image named as Cinder
 * names it there (volume-<id>), whose mirror (same global id) on the peer is non-primary and has the
 * same name. Returns the global ids per member.
 */
async function dataPath(t: Test, l: Lab, site: string, what: string): Promise<Path> {
  const other = site === 'site-a' ? 'site-b' : 'site-a';
  const c = await l.conns();
  const w = await MockWorld.open(l.worldPath);
  const pool = (s: string) => {
    const st = w.site(s).storage;
    if (st.driver !== 'ceph') throw new Error('not ceph');
    return st.ceph.pools[st.pool]!.images;
  };
  const out: Path = { globals: {} };
  const servers = (await c.sites[site]!.os.nova.listServers({ detail: true })).filter((x) => x.metadata[TAG.group] === GROUP && (x.metadata[TAG.role] ?? 'production') === 'production');
  const others = (await c.sites[other]!.os.nova.listServers({ detail: true })).filter((x) => x.metadata[TAG.group] === GROUP);
  for (const m of MEMBERS) {
    const s = servers.filter((x) => x.metadata[TAG.member] === m);
    t.equal(s.length, 1, `${what}: one ${m} on ${site}`);
    t.equal(s[0]?.status, 'ACTIVE', `${what}: ${m} ACTIVE on ${site}`);
    t.notOk(others.some((x) => x.metadata[TAG.member] === m && x.status === 'ACTIVE'), `${what}: ${m} not ACTIVE on ${other}`);
    const ids = s[0]?.volumesAttached.map((v) => v.id) ?? [];
    t.ok(ids.length >= 1, `${what}: ${m} has volumes attached`);
    out.globals[m] = [];
    for (const id of ids) {
      const v = await c.sites[site]!.os.cinder.getVolume(id);
      t.equal(v?.status, 'in-use', `${what}: ${m}'s ${v?.name} in-use`);
      const img = pool(site)[`volume-${id}`];
      t.ok(img, `${what}: ${site} has image volume-${id} (Cinder's name for ${v?.name})`);
      t.equal(img?.mirroring?.primary, true, `${what}: volume-${id} is primary on ${site}`);
      const mirror = Object.values(pool(other)).find((x) => x.mirroring?.globalId === img?.mirroring?.globalId);
      t.ok(mirror, `${what}: ${other} has the mirror of volume-${id} (same global id)`);
      t.equal(mirror?.name, `volume-${id}`, `${what}: the rename reached ${other}`);
      t.equal(mirror?.mirroring?.primary, false, `${what}: ${other}'s copy is non-primary`);
      if (img?.mirroring) out.globals[m]!.push(img.mirroring.globalId);
    }
    out.globals[m]!.sort();
  }
  return out;
}

t.test('ceph-mirrored: failover → failback → failover in mock mode, the data path followed by global id', async (t) => {
  const l = await lab(t, SETTINGS, 'examples/ceph-mirrored.yaml');
  let r = await l.apply();
  t.equal(r.exitCode, 0, r.stderr);
  r = await l.apply();
  t.equal(r.outcomes.length, 0, 'the fresh world converges');
  const start = await dataPath(t, l, 'site-a', 'start');

  const moves: Array<[string, 'failover' | 'failback']> = [
    ['site-b', 'failover'],
    ['site-a', 'failback'],
    ['site-b', 'failover'],
  ];
  for (const [to, type] of moves) {
    await set(l, 'activeSite', to);
    r = await l.apply();
    t.equal(r.exitCode, 0, `${type} to ${to}: ${r.stdout}\n${r.stderr}`);
    t.ok(r.outcomes.some((o) => o.type === type && o.status === 'completed'), `${type} to ${to} completed`);
    const p = await dataPath(t, l, to, `after the ${type} to ${to}`);
    t.same(p.globals, start.globals, `after the ${type} to ${to}: every member runs on the same mirrored images (global ids)`);
    r = await l.apply();
    t.equal(r.outcomes.length, 0, `converged after the ${type} to ${to}: ${JSON.stringify(r.outcomes.map((o) => o.message ?? o.type))}`);
    await planClean(t, l, `after the ${type} to ${to}`);
  }
  const d = await l.state();
  t.ok(d.operations.every((x) => x.status === 'completed'), 'every operation completed');
});
