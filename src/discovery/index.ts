/**
 * Discovery: lists both sites and both arrays concurrently, in bulk (requests grow with pages, not
 * with VMs), then hands the listings to the pure assembly. An unreachable site or array is recorded
 * in the inventory, never thrown.
 */
import { DrctlError } from '../errors.js';
import type { Connections, SiteConnection } from '../providers/connect.js';
import type { Server } from '../providers/openstack/nova.js';
import type { Volume } from '../providers/openstack/cinder.js';
import { specIsTrue } from '../providers/openstack/cinder.js';
import type { StorageGroupRef } from '../providers/storage/driver.js';
import type { DRSpec, GroupSpec } from '../spec/types.js';
import { assembleInventory, consistencyGroupName, decodeGroupRecord, type RawServer, type RawSite, type RawStorage } from './assemble.js';
import type { ArrayGroupStatus, Inventory, ProblemInfo, VolumeInfo } from './types.js';

export { assembleInventory, consistencyGroupName, encodeGroupRecord, decodeGroupRecord } from './assemble.js';

export function problemOf(err: unknown): ProblemInfo {
  if (DrctlError.is(err)) return { code: err.code, message: err.message };
  return { code: 'DRCTL_E2000', message: (err as Error)?.message ?? String(err) };
}

export function toVolumeInfo(v: Volume): VolumeInfo {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    size: v.size,
    volumeType: v.volumeType ?? '',
    bootable: v.bootable,
    ...(v.groupId ? { groupId: v.groupId } : {}),
    ...(v.replicationStatus ? { replicationStatus: v.replicationStatus } : {}),
    attachedTo: v.attachments.map((a) => a.serverId).filter((x): x is string => Boolean(x)),
    metadata: v.metadata,
  };
}

export function toRawServer(s: Server): RawServer {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    flavorName: s.flavor.name ?? s.flavor.id ?? '',
    networks: Object.keys(s.addresses),
    securityGroups: [...new Set(s.securityGroups)],
    ...(s.keyName ? { keyName: s.keyName } : {}),
    metadata: s.metadata,
    ...(s.created ? { createdAt: s.created } : {}),
    volumeIds: s.volumesAttached.map((v) => v.id),
  };
}

/** Lists one site's OpenStack facts. Never throws: a failure makes the site unreachable with the reason. */
export async function discoverSite(name: string, c: SiteConnection): Promise<RawSite> {
  const empty: RawSite = { name, reachable: false, flavors: [], networks: [], securityGroups: [], volumeTypes: [], servers: [], volumes: [], groups: [] };
  try {
    // Authenticate first: an unreachable Keystone fails once instead of five times in parallel.
    await c.os.session.token();
    const [servers, volumes, flavors, networks, sgs, types, groups] = await Promise.all([
      c.os.nova.listServers({ detail: true }),
      c.os.cinder.listVolumes({ detail: true }),
      c.os.nova.listFlavors(),
      c.os.neutron.listNetworks(),
      c.os.neutron.listSecurityGroups(),
      c.os.cinder.listVolumeTypes(),
      c.os.cinder.listGroups({ listVolume: true }),
    ]);
    return {
      name,
      reachable: true,
      ...(c.os.session.lastResponseDate ? { observedAt: new Date(c.os.session.lastResponseDate).toISOString() } : {}),
      flavors: flavors.map((f) => ({ id: f.id, name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk })),
      networks: networks.map((n) => ({ id: n.id, name: n.name })),
      securityGroups: [...new Set(sgs.map((g) => g.name))],
      volumeTypes: types.map((t) => ({
        id: t.id,
        name: t.name,
        replicationEnabled: specIsTrue(t.extraSpecs.replication_enabled),
        ...(t.extraSpecs.replication_type !== undefined ? { replicationType: t.extraSpecs.replication_type } : {}),
        ...(t.extraSpecs.volume_backend_name !== undefined ? { backend: t.extraSpecs.volume_backend_name } : {}),
      })),
      servers: servers.map(toRawServer),
      volumes: volumes.map(toVolumeInfo),
      groups: groups.map((g) => {
        const record = decodeGroupRecord(g.description);
        return { id: g.id, name: g.name, status: g.status ?? 'unknown', volumeIds: g.volumes ?? [], ...(record ? { record } : {}) };
      }),
    };
  } catch (err) {
    return { ...empty, error: problemOf(err) };
  }
}

/** The replication object of a group as one site's array knows it. */
export function storageRef(spec: DRSpec, gname: string, g: GroupSpec, site: string, peerArray: string | undefined, volumes: string[]): StorageGroupRef {
  const st = spec.sites[site].storage;
  const object = st.driver === 'ceph' ? st.pool : g.replication.type === 'sync' ? (g.replication.pod ?? gname) : (g.replication.arrayGroup ?? gname);
  return {
    group: gname,
    type: g.replication.type,
    object,
    volumes,
    ...(peerArray ? { peer: peerArray } : {}),
    ...(g.replication.rpoMinutes !== undefined ? { rpoMinutes: g.replication.rpoMinutes } : {}),
    ...(g.replication.intervalSeconds !== undefined ? { intervalSeconds: g.replication.intervalSeconds } : {}),
    ...(st.driver === 'ceph' && g.replication.mirrorMode ? { mirrorMode: g.replication.mirrorMode } : {}),
  };
}

/** Array-side name of a Cinder volume (Pure: volume-<id>-cinder; Ceph RBD: volume-<id>). */
export function arrayVolumeName(driver: 'pure' | 'ceph', volumeId: string): string {
  return driver === 'pure' ? `volume-${volumeId}-cinder` : `volume-${volumeId}`;
}

/** Each array's own name (its peer's `peer` in refs); undefined for an array that does not answer. */
async function arrayNamesOf(names: string[], conns: Connections): Promise<Record<string, string | undefined>> {
  const arrayNames: Record<string, string | undefined> = {};
  await Promise.all(
    names.map(async (s) => {
      arrayNames[s] = await conns.sites[s].storage.arrayName().catch(() => undefined);
    }),
  );
  return arrayNames;
}

async function discoverStorage(spec: DRSpec, conns: Connections, raw: Record<string, RawSite>, arrayNames: Record<string, string | undefined>): Promise<RawStorage> {
  const names = Object.keys(spec.sites);
  // One pass over each site's volumes (not one per group), then one bulk status per array for all groups.
  const tagged: Record<string, Map<string, string[]>> = {};
  const production: Record<string, Map<string, string[]>> = {};
  const push = (m: Map<string, string[]>, g: string, n: string) => {
    const l = m.get(g);
    if (l) l.push(n);
    else m.set(g, [n]);
  };
  for (const site of names) {
    const kind = conns.sites[site].storage.kind;
    tagged[site] = new Map();
    production[site] = new Map();
    for (const v of raw[site]?.volumes ?? []) {
      const g = v.metadata['drctl.group'];
      if (g === undefined) continue;
      push(tagged[site], g, arrayVolumeName(kind, v.id));
      if ((v.metadata['drctl.role'] ?? 'production') === 'production') push(production[site], g, arrayVolumeName(kind, v.id));
    }
  }
  // Ceph mirrors images by name: a group's images are the same on both clusters, whichever site's
  // Cinder knows them (the standby has no record before the first failover). Cinder's manage renames
  // an image to volume-<new id>, leaving the old site's record on a name that exists nowhere any more.
  const ceph = names.every((s) => conns.sites[s].storage.kind === 'ceph');
  const imagesOf = (site: string, group: string): string[] =>
    ceph
      ? [...new Set([...(tagged[site]!.get(group) ?? []), ...names.filter((s) => s !== site).flatMap((s) => production[s]!.get(group) ?? [])])].sort()
      : (tagged[site]!.get(group) ?? []);
  const out: RawStorage = {};
  await Promise.all(
    names.map(async (site) => {
      const peer = names.find((n) => n !== site)!;
      const driver = conns.sites[site].storage;
      const refs = Object.entries(spec.groups).map(([gname, g]) => storageRef(spec, gname, g, site, arrayNames[peer], imagesOf(site, gname)));
      let perGroup: Record<string, ArrayGroupStatus>;
      try {
        perGroup = await driver.statusMany(refs);
      } catch (err) {
        const failed: ArrayGroupStatus = { reachable: false, error: problemOf(err), exists: false, role: 'unknown', volumes: [], drillVolumes: [] };
        perGroup = Object.fromEntries(refs.map((r) => [r.group, { ...failed }]));
      }
      out[site] = perGroup;
    }),
  );
  if (ceph) {
    // A name mirrored on neither cluster is a stale record of a renamed image, not a missing image.
    for (const gname of Object.keys(spec.groups)) {
      const views = names.map((s) => out[s]?.[gname]);
      if (views.some((v) => !v?.reachable)) continue;
      const seen = new Set(views.flatMap((v) => v!.volumes));
      const live = [...new Set(names.flatMap((s) => production[s]!.get(gname) ?? []))].filter((n) => seen.has(n));
      for (const v of views) v!.exists = live.length > 0 && live.every((n) => v!.volumes.includes(n));
    }
  }
  return out;
}

export interface DiscoverOptions {
  now: () => Date;
}

export async function discoverInventory(spec: DRSpec, digest: string, conns: Connections, opts: DiscoverOptions): Promise<Inventory> {
  const names = Object.keys(spec.sites);
  // The arrays' names need no OpenStack listing: asked while the sites are listed.
  const [sites, arrayNames] = await Promise.all([Promise.all(names.map((n) => discoverSite(n, conns.sites[n]))), arrayNamesOf(names, conns)]);
  const raw = Object.fromEntries(sites.map((s) => [s.name, s]));
  const storage = await discoverStorage(spec, conns, raw, arrayNames);
  const inv = assembleInventory(spec, digest, raw, storage, opts.now());
  inv.requests = conns.requestCounts();
  return inv;
}

