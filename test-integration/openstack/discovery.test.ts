/**
 * Discovery against the real lab, both sites, member (password) and application credential:
 * flavors, networks, security groups, volume types (what a member may see of their extra specs),
 * group types, groups, servers, volumes — through drctl's clients and discovery's discoverSite.
 */
import t from 'tap';
import { discoverSite } from '../../src/discovery/index.js';
import type { SiteConnection } from '../../src/providers/connect.js';
import type { StorageDriver } from '../../src/providers/storage/driver.js';
import { clientsFor, cloud, labClouds } from './clients.js';
import { SITES, labOrSkip } from './lab.js';

const lab = await labOrSkip(t);
if (lab) {
  const clouds = await labClouds(lab);
  /** discoverSite only uses the OpenStack clients; storage is never asked here. */
  const noStorage = {} as StorageDriver;
  const entries = SITES.flatMap((s) => [
    { site: s, entry: s },
    { site: s, entry: `${s}-appcred` },
  ]);

  for (const { site, entry } of entries) {
    // one session per entry, as drctl keeps one per site (one authentication, one version check)
    const c = clientsFor(site, cloud(clouds, entry));
    t.test(`${entry}: the lab's seeded facts through the clients`, async (t) => {
      const [flavors, nets, sgs, types, groupTypes] = await Promise.all([
        c.nova.listFlavors(),
        c.neutron.listNetworks(),
        c.neutron.listSecurityGroups(),
        c.cinder.listVolumeTypes(),
        c.cinder.listGroupTypes(),
      ]);
      const tiny = flavors.find((f) => f.name === 'm1.tiny');
      t.match(tiny, { vcpus: 1, ram: 512, disk: 1 }, 'm1.tiny 1/512/1');
      t.ok(flavors.find((f) => f.name === 'm1.small') && flavors.find((f) => f.name === 'm1.medium'), 'm1.small and m1.medium');
      const priv = nets.find((n) => n.name === 'private');
      t.ok(priv, "shared network 'private'");
      t.same((await c.neutron.listNetworks({ name: 'private' })).map((n) => n.id), [priv!.id], 'name filter returns exactly it');
      t.ok(sgs.some((g) => g.name === 'default'), 'default security group');
      const rep = types.find((x) => x.name === 'replicated');
      t.ok(rep, "volume type 'replicated'");
      // The member sees replication_enabled only; volume_backend_name (set on the type) is admin-only.
      t.same(rep!.extraSpecs, { replication_enabled: '<is> True' }, 'member view of the extra specs');
      t.same(await c.cinder.getExtraSpecs(rep!.id), { replication_enabled: '<is> True' }, 'GET extra_specs agrees');
      t.ok(groupTypes.some((g) => g.name === 'generic'), "group type 'generic'");
      // nothing here needs the network: list calls succeed and parse
      t.ok(Array.isArray(await c.nova.listServers()), 'servers listed');
      t.ok(Array.isArray(await c.cinder.listVolumes()), 'volumes listed');
      t.ok(Array.isArray(await c.cinder.listGroups({ listVolume: true })), 'groups listed');
    });

    t.test(`${entry}: discoverSite is reachable and sees the same facts`, async (t) => {
      const conn: SiteConnection = { name: site, os: c, admin: c, storage: noStorage };
      const raw = await discoverSite(site, conn);
      t.equal(raw.reachable, true, `reachable (${raw.error?.message ?? 'no error'})`);
      t.ok(raw.observedAt && Math.abs(Date.parse(raw.observedAt) - Date.now()) < 5 * 60_000, 'observedAt from the API Date header');
      t.ok(raw.networks.some((n) => n.name === 'private'));
      t.ok(raw.flavors.some((f) => f.name === 'm1.small'));
      t.ok(raw.securityGroups.includes('default'));
      const rep = raw.volumeTypes.find((v) => v.name === 'replicated');
      t.match(rep, { replicationEnabled: true }, 'replicated type is replication-enabled');
      t.equal(rep?.replicationType, undefined, 'replication_type is not visible to a member (unknown, not "none")');
      t.equal(rep?.backend, undefined, 'volume_backend_name is not visible to a member');
      t.equal(c.session.authCount, 1, 'one authentication for both subtests');
    });
  }

  t.test('admin entry sees the backend of the replicated type (member does not)', async (t) => {
    const a = clientsFor('site-a', cloud(clouds, 'site-a-admin'));
    const rep = (await a.cinder.listVolumeTypes()).find((x) => x.name === 'replicated');
    t.same(rep?.extraSpecs, { volume_backend_name: 'fake', replication_enabled: '<is> True' });
    const svcs = await a.cinder.listServices({ binary: 'cinder-volume' });
    t.ok(svcs.some((s) => s.host === 'site-a@fake' && s.state === 'up'), 'cinder-volume site-a@fake up (the manage host)');
  });

  t.test('a site whose Keystone does not answer is unreachable, not an exception', async (t) => {
    const m = cloud(clouds, 'site-a');
    const dead = { ...m, name: 'dead', auth: { ...m.auth, authUrl: 'http://127.0.0.1:9/v3' } };
    const os = clientsFor('site-x', dead);
    const raw = await discoverSite('site-x', { name: 'site-x', os, admin: os, storage: noStorage });
    t.equal(raw.reachable, false);
    t.match(raw.error, { code: 'DRCTL_E2001' }, `unreachable code (${raw.error?.code}: ${raw.error?.message})`);
    t.notMatch(raw.error?.message ?? '', /demo-secret/);
  });
}
