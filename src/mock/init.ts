/**
 * `drctl mock init SPEC`: a world consistent with a spec. Every member runs ACTIVE on its group's
 * primary site, booted from a volume of the group's replicated type (tier-1 members also get a data
 * volume), tagged with drctl's metadata; networks, flavors and security groups exist on both sites per
 * the mappings (drill networks on the secondary); replication is configured and current (protection
 * group with a target and a completed snapshot, linked pod, or mirrored RBD images); and a Cinder
 * generic group `drctl-<group>` on the primary site holds the members' volumes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { consistencyGroupName, encodeGroupRecord } from '../discovery/assemble.js';
import { TAG } from '../discovery/types.js';
import { DrctlError } from '../errors.js';
import type { DRSpec, GroupSpec, SiteSpec } from '../spec/types.js';
import { clusterOf } from './ceph.js';
import { createGroupRec, createVolume } from './cinder.js';
import { MockCode } from './codes.js';
import { addNetwork, addSecurityGroup } from './neutron.js';
import { bootServer } from './nova.js';
import { createPod, createProtectionGroup, linkPod, setSchedule } from './pure.js';
import { DEFAULT_SETTINGS, WORLD_FORMAT, type FlavorRec, type MockSettings, type SiteData, type VolumeRec, type VolumeTypeRec, type WorldData } from './types.js';
import { MockWorld, newSecret } from './world.js';

const hex = (): string => randomUUID().replace(/-/g, '');
const secret = (n = 18): string => randomBytes(n).toString('base64url');

const FLAVOR_SIZES: Record<string, [number, number, number]> = {
  'm1.tiny': [1, 512, 1],
  'm1.small': [1, 2048, 20],
  'm1.medium': [2, 4096, 40],
  'm1.large': [4, 8192, 80],
  'm1.xlarge': [8, 16384, 160],
  'm2.small': [1, 2048, 20],
  'm2.medium': [2, 4096, 40],
  'm2.large': [4, 8192, 80],
  'm2.xlarge': [8, 16384, 160],
};
const STANDARD_FLAVORS = ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large'];
export const MOCK_KEYPAIR = 'ops-key';
export const MOCK_PROJECT = 'production-project';
export const CONSISTENCY_GROUP_TYPE = 'drctl-consistency-group';

/** `site-a` → `fa-a`; anything else `fa-<site>`. */
export function arrayNameFor(site: string, taken: Set<string>): string {
  const m = /-([a-z0-9]+)$/i.exec(site);
  let name = m ? `fa-${m[1]!.toLowerCase()}` : `fa-${site}`;
  if (taken.has(name)) name = `fa-${site}`;
  taken.add(name);
  return name;
}

function emptySite(name: string, index: number, spec: SiteSpec, arrayName: string): SiteData {
  const roles = { admin: hex(), member: hex(), reader: hex() };
  const storage: SiteData['storage'] =
    spec.storage.driver === 'pure'
      ? {
          driver: 'pure',
          pure: { name: arrayName, id: randomUUID(), apiToken: randomUUID(), username: 'pureuser', volumes: {}, protectionGroups: {}, pgSnapshots: {}, pods: {}, seq: 0 },
        }
      : {
          driver: 'ceph',
          pool: spec.storage.pool,
          ceph: {
            cluster: spec.storage.cluster ?? name,
            fsid: randomUUID(),
            siteName: name,
            mirrorUuid: randomUUID(),
            peerUuid: randomUUID(),
            pools: { [spec.storage.pool]: { mode: 'image', images: {} } },
            seq: 0,
          },
        };
  const backend = spec.storage.driver === 'pure' ? 'pure' : 'rbd';
  const memberId = hex();
  return {
    name,
    region: index === 0 ? 'RegionOne' : index === 1 ? 'RegionTwo' : `Region${index + 1}`,
    keystone: {
      domain: { id: 'default', name: 'Default' },
      project: { id: hex(), name: MOCK_PROJECT },
      roles,
      users: {
        member: { id: memberId, name: 'dr-operator', password: secret(), roles: ['member', 'reader'] },
        admin: { id: hex(), name: 'dr-admin', password: secret(), roles: ['admin', 'member', 'reader'] },
      },
      appCredentials: [{ id: hex(), name: 'drctl-mock', secret: secret(24), userId: memberId }],
      serviceIds: { identity: hex(), compute: hex(), volumev3: hex(), 'block-storage': hex(), network: hex() },
    },
    nova: { servers: {}, flavors: {}, keypairs: {} },
    cinder: { host: `mock-${name}@${backend}#${backend}`, backendName: backend, volumes: {}, snapshots: {}, types: {}, groupTypes: {}, groups: {}, groupSnapshots: {} },
    neutron: { networks: {}, subnets: {}, ports: {}, securityGroups: {}, macSeq: index * 0x100000 },
    storage,
  };
}

/** An empty two-site world for the spec's sites (no groups yet). */
export function emptyWorldData(spec: Pick<DRSpec, 'sites'> & { metadata?: { name: string } }, settings: Partial<MockSettings> = {}): WorldData {
  const taken = new Set<string>();
  const names = Object.keys(spec.sites);
  const sites: Record<string, SiteData> = {};
  names.forEach((n, i) => (sites[n] = emptySite(n, i, spec.sites[n]!, arrayNameFor(n, taken))));
  return {
    format: WORLD_FORMAT,
    createdAt: new Date().toISOString(),
    clockOffsetMs: 0,
    settings: { ...DEFAULT_SETTINGS, ...settings },
    secret: newSecret(),
    ...(spec.metadata ? { spec: { name: spec.metadata.name } } : {}),
    siteOrder: names,
    sites,
    faults: [],
    linkOutages: [],
    seq: 0,
  };
}

// ------------------------------------------------------------------ ensure-by-name helpers

class SiteBuilder {
  private netSeq: number;
  constructor(
    readonly world: MockWorld,
    readonly site: SiteData,
    netBase: number,
  ) {
    this.netSeq = netBase;
  }

  flavor(name: string): FlavorRec {
    const have = this.world.names(this.site.name).flavorByName.get(name);
    if (have) return have;
    const [vcpus, ram, disk] = FLAVOR_SIZES[name] ?? [2, 4096, 40];
    const id = String(Object.keys(this.site.nova.flavors).length + 1);
    const f: FlavorRec = { id, name, vcpus, ram, disk, ephemeral: 0, swap: 0, isPublic: true, extraSpecs: {}, description: null };
    this.site.nova.flavors[id] = f;
    this.world.touch();
    return f;
  }

  network(name: string) {
    const have = this.world.names(this.site.name).networkByName.get(name);
    if (have) return have;
    this.netSeq += 1;
    return addNetwork(this.world, this.site, name, `10.${this.netSeq % 256}.0.0/16`);
  }

  securityGroup(name: string) {
    return this.world.names(this.site.name).securityGroupByName.get(name) ?? addSecurityGroup(this.world, this.site, name, name === 'default' ? 'Default security group' : '');
  }

  volumeType(name: string, specs: Record<string, string>): VolumeTypeRec {
    const have = this.world.names(this.site.name).typeByName.get(name);
    if (have) return have;
    const t: VolumeTypeRec = { id: randomUUID(), name, description: null, isPublic: true, extraSpecs: specs };
    this.site.cinder.types[t.id] = t;
    this.world.touch();
    return t;
  }

  keypair(name: string): void {
    if (this.site.nova.keypairs[name]) return;
    const fp = randomBytes(16).toString('hex').match(/../g)!.join(':');
    this.site.nova.keypairs[name] = { name, fingerprint: fp, publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${randomBytes(24).toString('base64')} ${name}@drctl-mock`, type: 'ssh', createdAt: this.world.now() };
    this.world.touch();
  }
}

function base(world: MockWorld, site: SiteData, i: number): SiteBuilder {
  const b = new SiteBuilder(world, site, i * 100);
  for (const f of STANDARD_FLAVORS) b.flavor(f);
  b.securityGroup('default');
  b.keypair(MOCK_KEYPAIR);
  b.volumeType('__DEFAULT__', { volume_backend_name: site.cinder.backendName });
  const gt = Object.values(site.cinder.groupTypes).find((g) => g.name === CONSISTENCY_GROUP_TYPE);
  if (!gt) {
    const id = randomUUID();
    site.cinder.groupTypes[id] = { id, name: CONSISTENCY_GROUP_TYPE, description: 'Consistent group snapshots (drctl)', isPublic: true, groupSpecs: { consistent_group_snapshot_enabled: '<is> True' } };
    const id2 = randomUUID();
    site.cinder.groupTypes[id2] = { id: id2, name: 'default', description: 'Default group type', isPublic: true, groupSpecs: {} };
  }
  return b;
}

function replicatedSpecs(g: GroupSpec, backend: string): Record<string, string> {
  return {
    replication_enabled: '<is> True',
    replication_type: `<in> ${g.replication.type}`,
    volume_backend_name: backend,
    consistent_group_snapshot_enabled: '<is> True',
  };
}

/** The member's network on its primary site: a mapped network whose last word is in the server name. */
function pickNetwork(server: string, keys: string[], i: number): string | undefined {
  if (!keys.length) return undefined;
  const words = new Set(server.toLowerCase().split(/[^a-z0-9]+/));
  const hit = keys.find((k) => words.has(k.toLowerCase().split(/[^a-z0-9]+/).pop()!));
  return hit ?? keys[i % keys.length];
}

export interface InitOptions {
  settings?: Partial<MockSettings>;
  force?: boolean;
  /** Injected real clock for tests. */
  realNow?: () => number;
  /** Record the spec file/digest in the world. */
  source?: { file?: string; digest?: string };
}

/** Builds (and writes) a world for the spec. */
export async function initWorld(worldPath: string, spec: DRSpec, opts: InitOptions = {}): Promise<MockWorld> {
  if (Object.keys(spec.sites).length !== 2) throw new DrctlError(MockCode.badSpec, 'the mock needs a spec with exactly two sites');
  const data = emptyWorldData(spec, opts.settings);
  if (opts.source) data.spec = { name: spec.metadata.name, ...opts.source };
  const world = await MockWorld.create(worldPath, data, { force: opts.force, realNow: opts.realNow });
  populate(world, spec);
  await world.commit();
  return world;
}

/** Fills a fresh world with everything the spec's groups need. */
export function populate(world: MockWorld, spec: DRSpec): void {
  const builders: Record<string, SiteBuilder> = {};
  world.siteNames().forEach((n, i) => (builders[n] = base(world, world.site(n), i)));
  const now = world.now();
  const st = world.settings;
  for (const [gname, g] of Object.entries(spec.groups)) {
    const home = builders[g.primarySite];
    const dr = builders[g.secondarySite];
    if (!home || !dr) throw new DrctlError(MockCode.badSpec, `group ${gname}: sites ${g.primarySite}/${g.secondarySite} are not both in the spec`);
    const m = g.mappings;
    // networks, flavors, security groups on both sites
    for (const [p, s] of Object.entries(m.networks ?? {})) {
      home.network(p);
      dr.network(s);
    }
    for (const [s, p] of Object.entries(m.reverseNetworks ?? {})) {
      dr.network(s);
      home.network(p);
    }
    for (const d of Object.values(g.drillNetworks ?? {})) dr.network(d);
    for (const [p, s] of Object.entries(m.flavors ?? {})) {
      home.flavor(p);
      dr.flavor(s);
    }
    for (const [p, s] of Object.entries(m.securityGroups ?? {})) {
      home.securityGroup(p);
      dr.securityGroup(s);
    }
    const types = [home, dr].map((b) => b.volumeType(g.replication.volumeType, replicatedSpecs(g, b.site.cinder.backendName)));
    const homeType = types[0]!;
    // replication object on the primary's storage
    const hs = home.site.storage;
    const intervalMs = (g.replication.intervalSeconds ?? 300) * 1000;
    const pod = g.replication.type === 'sync' && hs.driver === 'pure' ? (g.replication.pod ?? `pod-${gname}`) : undefined;
    if (hs.driver === 'pure') {
      if (pod) {
        const existing = hs.pure.pods[pod];
        const p = existing ?? createPod(world, hs.pure, pod, 'promoted');
        linkPod(world, home.site.name, hs.pure, p, { empty: !existing });
      }
    }
    // members: servers booted from volumes, tagged
    const netKeys = Object.keys(m.networks ?? {});
    const flavorKeys = Object.keys(m.flavors ?? {});
    const memberVolumes: VolumeRec[] = [];
    g.members.forEach((mem, i) => {
      const tags = { [TAG.group]: gname, [TAG.member]: mem.server, [TAG.role]: 'production', [TAG.tier]: String(mem.tier) };
      const mirror = clusterOf(home.site) ? { mode: g.replication.mirrorMode ?? (g.replication.type === 'sync' ? 'journal' : 'snapshot'), intervalMs } as const : undefined;
      const boot = createVolume(world, home.site, {
        name: `${mem.server}-boot`,
        size: 10,
        type: homeType,
        bootable: true,
        metadata: tags,
        ready: true,
        backing: { ...(pod ? { pod } : {}), ...(mirror ? { mirror } : {}) },
      });
      const vols = [boot];
      if (mem.tier === 1) {
        vols.push(createVolume(world, home.site, { name: `${mem.server}-data`, size: 50, type: homeType, metadata: tags, ready: true, backing: { ...(pod ? { pod } : {}), ...(mirror ? { mirror } : {}) } }));
      }
      memberVolumes.push(...vols);
      const net = pickNetwork(mem.server, netKeys, i);
      const flavorName = flavorKeys.length ? flavorKeys[i % flavorKeys.length]! : 'm1.small';
      const sgs = ['default', ...Object.keys(m.securityGroups ?? {})];
      const server = bootServer(world, home.site, {
        name: mem.server,
        flavor: home.flavor(flavorName),
        networks: net ? [home.network(net)] : [],
        securityGroups: sgs,
        keyName: MOCK_KEYPAIR,
        metadata: tags,
        volumes: vols.map((v, j) => ({ volumeId: v.id, deleteOnTermination: false, bootIndex: j === 0 ? 0 : null })),
      });
      // Running since before now: ACTIVE at once.
      server.createdAt = now - st.bootSeconds * 1000 - 60_000;
      server.updatedAt = server.createdAt;
      server.power = { want: 'on', at: server.createdAt, kind: 'boot' };
      for (const v of vols) v.createdAt = server.createdAt - 1000;
    });
    // array protection group (async pure)
    if (hs.driver === 'pure' && !pod) {
      const pgName = g.replication.arrayGroup ?? `pg-${gname}`;
      const pg = hs.pure.protectionGroups[pgName] ?? createProtectionGroup(world, hs.pure, pgName);
      for (const v of memberVolumes) if (v.backing?.arrayVolumeId && !pg.volumeIds.includes(v.backing.arrayVolumeId)) pg.volumeIds.push(v.backing.arrayVolumeId);
      const peerArray = dr.site.storage.driver === 'pure' ? dr.site.storage.pure.name : undefined;
      if (peerArray && !pg.targets.some((t) => t.name === peerArray)) pg.targets.push({ name: peerArray, allowed: true });
      setSchedule(world, pg, { enabled: true, frequencyMs: intervalMs });
      // Current: one scheduled snapshot taken and fully replicated a moment ago.
      pg.replication.anchor = now - intervalMs - st.transferSeconds * 1000 - 1000;
    }
    // ceph: anchor snapshot schedules so a snapshot has completed
    const hc = clusterOf(home.site);
    const dc = clusterOf(dr.site);
    if (hc && home.site.storage.driver === 'ceph') {
      for (const v of memberVolumes) {
        const img = v.backing?.image ? hc.pools[home.site.storage.pool]?.images[v.backing.image] : undefined;
        if (!img?.mirroring) continue;
        img.mirroring.intervalMs = intervalMs;
        img.mirroring.anchor = now - intervalMs - st.transferSeconds * 1000 - 1000;
        const peerImg = dc ? Object.values(dc.pools[home.site.storage.pool]?.images ?? {}).find((x) => x.mirroring?.globalId === img.mirroring!.globalId) : undefined;
        if (peerImg?.mirroring) {
          peerImg.mirroring.intervalMs = intervalMs;
          peerImg.mirroring.anchor = img.mirroring.anchor;
        }
      }
    }
    // consistency group on the primary site holding the members' volumes
    const gt = Object.values(home.site.cinder.groupTypes).find((x) => x.name === CONSISTENCY_GROUP_TYPE)!;
    const cg = createGroupRec(world, home.site, {
      name: consistencyGroupName(gname),
      description: encodeGroupRecord({ version: 1, activeSite: g.primarySite, failoverCount: 0 }),
      groupTypeId: gt.id,
      volumeTypeIds: [homeType.id],
    });
    cg.createdAt = now - 120_000;
    for (const v of memberVolumes) v.groupId = cg.id;
    // ... and its (empty) counterpart on the secondary, so a fresh world is fully protected.
    const drType = types[1]!;
    const drGt = Object.values(dr.site.cinder.groupTypes).find((x) => x.name === CONSISTENCY_GROUP_TYPE)!;
    const drCg = createGroupRec(world, dr.site, {
      name: consistencyGroupName(gname),
      description: encodeGroupRecord({ version: 1, activeSite: g.primarySite, failoverCount: 0 }),
      groupTypeId: drGt.id,
      volumeTypeIds: [drType.id],
    });
    drCg.createdAt = cg.createdAt;
  }
  world.touch();
}
