/**
 * Ceph groups: images are mirrored by name, so each cluster's status is asked for the group's images
 * known to EITHER site's Cinder (the standby has no record before the first failover), and a name
 * mirrored on neither cluster (a stale record: Cinder's manage renamed the image) does not make the
 * group "not protected". Mock OpenStack, a recording fake Ceph driver.
 */
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArrayGroupStatus } from '../../src/discovery/types.js';
import { discoverInventory, storageRef } from '../../src/discovery/index.js';
import { initWorld } from '../../src/mock/index.js';
import { connect } from '../../src/providers/connect.js';
import type { StorageDriver, StorageGroupRef } from '../../src/providers/storage/driver.js';
import { loadSpec } from '../../src/spec/load.js';
import { repoRoot } from '../helpers/cli.js';

/** present[site] = image names mirrored on that cluster (undefined: every asked name). */
function fakeCeph(site: string, seen: Record<string, StorageGroupRef[]>, present: Record<string, Set<string> | undefined>): StorageDriver {
  return {
    kind: 'ceph',
    arrayName: async () => site,
    statusMany: async (refs: StorageGroupRef[]) => {
      seen[site] = refs;
      const out: Record<string, ArrayGroupStatus> = {};
      for (const r of refs) {
        const vols = r.volumes.filter((v) => present[site]?.has(v) ?? true);
        out[r.group] = { reachable: true, object: r.object, exists: vols.length > 0 && vols.length === r.volumes.length, role: site === 'site-a' ? 'source' : 'target', volumes: vols, drillVolumes: [] };
      }
      return out;
    },
  } as unknown as StorageDriver;
}

async function run(t: Test, present: (names: string[]) => Record<string, Set<string> | undefined>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-ceph-names-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const res = await loadSpec(path.join(repoRoot, 'examples/ceph-mirrored.yaml'));
  if (!res.ok) throw new Error('example spec invalid');
  const worldPath = path.join(dir, 'world.json');
  await initWorld(worldPath, res.loaded.spec);
  const seen: Record<string, StorageGroupRef[]> = {};
  let pres: Record<string, Set<string> | undefined> = {};
  const conns = await connect(res.loaded.spec, {
    mock: { worldPath },
    env: {},
    cwd: '/nonexistent',
    home: '/nonexistent',
    readFile: async () => {
      throw new Error('no files');
    },
    logger: { warn: () => undefined },
    cephDriver: (site) => ({
      ...fakeCeph(site, seen, new Proxy({}, { get: (_o, k: string) => pres[k] })),
    }),
  });
  t.teardown(() => conns.close());
  // Tag site-a's volumes of the group's members as drctl would (production), none on site-b.
  const vols = (await conns.sites['site-a']!.os.cinder.listVolumes({ detail: true })).filter((v) => v.attachments.length > 0);
  for (const v of vols) await conns.sites['site-a']!.os.cinder.updateVolumeMetadata(v.id, { 'drctl.group': 'ceph-app', 'drctl.role': 'production' });
  const names = vols.map((v) => `volume-${v.id}`).sort();
  pres = present(names);
  const inv = await discoverInventory(res.loaded.spec, res.loaded.digest, conns, { now: () => new Date() });
  return { inv, seen, names };
}

t.test('the standby cluster is asked for the images the active site knows', async (t) => {
  const { inv, seen, names } = await run(t, () => ({}));
  t.ok(names.length >= 1, `${names.length} tagged volume(s) on site-a`);
  t.same(seen['site-a']!.find((r) => r.group === 'ceph-app')!.volumes, names);
  t.same(seen['site-b']!.find((r) => r.group === 'ceph-app')!.volumes, names, 'site-b has no Cinder record, same images');
  t.equal(inv.groups['ceph-app']!.storage.perSite['site-b']!.exists, true, 'protected towards site-b');
});

t.test('a name mirrored on neither cluster (renamed by manage) is stale, not missing', async (t) => {
  const { inv, names } = await run(t, (n) => ({ 'site-a': new Set(n.slice(1)), 'site-b': new Set(n.slice(1)) }));
  const g = inv.groups['ceph-app']!.storage.perSite;
  if (names.length > 1) {
    t.equal(g['site-a']!.exists, true, 'site-a: the live images are all there');
    t.equal(g['site-b']!.exists, true, 'site-b: the live images are all there');
  } else {
    t.equal(g['site-a']!.exists, false, 'no live image at all: not protected');
  }
});

t.test('an image missing on one cluster only is still missing there', async (t) => {
  const { inv, names } = await run(t, (n) => ({ 'site-a': undefined, 'site-b': new Set(n.slice(1)) }));
  const g = inv.groups['ceph-app']!.storage.perSite;
  t.equal(g['site-a']!.exists, true);
  t.equal(g['site-b']!.exists, false, `site-b lacks ${names[0]}`);
});

t.test("storageRef carries the spec's mirrorMode to the Ceph driver (journal groups are not re-enabled as snapshot)", async (t) => {
  const res = await loadSpec(path.join(repoRoot, 'examples/ceph-mirrored.yaml'));
  if (!res.ok) throw new Error('example spec invalid');
  const { spec } = res.loaded;
  const g = spec.groups['ceph-app']!;
  t.equal(g.replication.mirrorMode, 'journal');
  t.equal(storageRef(spec, 'ceph-app', g, 'site-a', 'site-b', ['volume-x']).mirrorMode, 'journal');
  const snap = { ...g, replication: { ...g.replication, mirrorMode: undefined } };
  t.equal(storageRef(spec, 'ceph-app', snap, 'site-a', 'site-b', []).mirrorMode, undefined, 'unset: the driver decides by type');
});
