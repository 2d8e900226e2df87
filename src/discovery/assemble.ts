/**
 * Pure assembly of the inventory from bulk listings of both sites and both arrays.
 * Fetching lives in src/discovery/index.ts; this file only matches and derives, so every rule about
 * "which server is which member" is tested without HTTP.
 */
import type { DRSpec, GroupSpec } from '../spec/types.js';
import {
  TAG,
  type ArrayGroupStatus,
  type ConsistencyGroupInfo,
  type GroupInventory,
  type GroupRecord,
  type Inventory,
  type MemberInventory,
  type ServerInfo,
  type SiteInventory,
  type StorageInventory,
  type VolumeInfo,
} from './types.js';

/** A server as listed, before its attached volumes are joined in. */
export type RawServer = Omit<ServerInfo, 'volumes'> & { volumeIds: string[] };

export interface RawSite extends SiteInventory {
  servers: RawServer[];
  volumes: VolumeInfo[];
  /** Cinder generic groups drctl may own (named by consistencyGroupName). */
  groups: ConsistencyGroupInfo[];
}

/** Storage status per site, per DR group. A missing site entry means the array could not be asked. */
export type RawStorage = Record<string, Record<string, ArrayGroupStatus>>;

/** The Cinder generic group drctl keeps for a DR group on each site. */
export function consistencyGroupName(group: string): string {
  return `drctl-${group}`;
}

const RECORD_PREFIX = 'drctl:';

/** The drctl record is kept in the Cinder group's description (groups have no metadata). */
export function encodeGroupRecord(r: GroupRecord): string {
  return RECORD_PREFIX + JSON.stringify(r);
}

export function decodeGroupRecord(description: string | null | undefined): GroupRecord | undefined {
  if (!description || !description.startsWith(RECORD_PREFIX)) return undefined;
  try {
    const v = JSON.parse(description.slice(RECORD_PREFIX.length)) as Partial<GroupRecord>;
    if (typeof v.version !== 'number' || typeof v.activeSite !== 'string') return undefined;
    return {
      version: v.version,
      activeSite: v.activeSite,
      failoverCount: typeof v.failoverCount === 'number' ? v.failoverCount : 0,
      ...(typeof v.fenceRequired === 'string' ? { fenceRequired: v.fenceRequired } : {}),
      ...(typeof v.lastOperation === 'string' ? { lastOperation: v.lastOperation } : {}),
    };
  } catch {
    return undefined;
  }
}

function unreachableArray(site: string): ArrayGroupStatus {
  return {
    reachable: false,
    error: { code: 'DRCTL_E2100', message: `array of ${site} was not discovered (site unreachable)` },
    exists: false,
    role: 'unknown',
    volumes: [],
    drillVolumes: [],
  };
}

/** Direction, split brain, last sync and lag from the two arrays' views of one group. */
export function deriveStorage(
  driver: 'pure' | 'ceph',
  g: GroupSpec,
  perSite: Record<string, ArrayGroupStatus>,
  observedAt: Record<string, string | undefined>,
  now: Date,
): StorageInventory {
  const sites = [g.primarySite, g.secondarySite];
  const sources = sites.filter((s) => perSite[s]?.role === 'source');
  const activeActive = sources.length > 1 && sources.every((s) => perSite[s]?.activeActive === true);
  const splitBrain = sites.some((s) => perSite[s]?.role === 'split-brain') || (sources.length > 1 && !activeActive);
  let direction: StorageInventory['direction'];
  if (!splitBrain && sources.length === 1) {
    const from = sources[0];
    const to = sites.find((s) => s !== from)!;
    direction = { from, to };
  }
  // The replicated point lives on the receiving side; when the source is known, read its peer.
  const receiver = direction?.to ?? sites.find((s) => perSite[s]?.role === 'target');
  const r = receiver ? perSite[receiver] : undefined;
  let lastSyncAt = r?.lastReplicatedAt;
  let lagSeconds = r?.lagSeconds;
  if (lagSeconds === undefined && lastSyncAt) {
    const ref = receiver ? observedAt[receiver] : undefined;
    const at = ref ? Date.parse(ref) : now.getTime();
    lagSeconds = Math.max(0, Math.round((at - Date.parse(lastSyncAt)) / 1000));
  }
  if (g.replication.type === 'sync' && lagSeconds === undefined && direction) {
    lagSeconds = perSite[direction.from]?.lagSeconds;
  }
  if (lastSyncAt === undefined) lastSyncAt = undefined;
  return {
    driver,
    type: g.replication.type,
    perSite,
    ...(direction ? { direction } : {}),
    ...(lagSeconds !== undefined ? { lagSeconds } : {}),
    ...(lastSyncAt !== undefined ? { lastSyncAt } : {}),
    splitBrain,
  };
}

function tagged(s: { metadata: Record<string, string> }, group: string): boolean {
  return s.metadata[TAG.group] === group;
}

function roleOf(s: { metadata: Record<string, string> }): string {
  return s.metadata[TAG.role] ?? 'production';
}

export function assembleInventory(
  spec: DRSpec,
  digest: string,
  raw: Record<string, RawSite>,
  storage: RawStorage,
  now: Date,
): Inventory {
  const sites: Record<string, SiteInventory> = {};
  const serversBySite: Record<string, ServerInfo[]> = {};
  const volumesBySite: Record<string, Map<string, VolumeInfo>> = {};
  for (const [name, r] of Object.entries(raw)) {
    const { servers, volumes, groups: _groups, ...site } = r;
    sites[name] = site;
    const vols = new Map(volumes.map((v) => [v.id, v] as const));
    volumesBySite[name] = vols;
    serversBySite[name] = servers.map(({ volumeIds, ...s }) => ({
      ...s,
      volumes: volumeIds.map((id) => vols.get(id)).filter((v): v is VolumeInfo => v !== undefined),
    }));
  }

  // Index servers once per site: by (group, member) for tagged production, by name and id for the rest.
  const index = Object.fromEntries(
    Object.entries(serversBySite).map(([site, servers]) => {
      const byMember = new Map<string, ServerInfo>();
      const byName = new Map<string, ServerInfo[]>();
      const byId = new Map<string, ServerInfo>();
      const byGroup = new Map<string, ServerInfo[]>();
      for (const s of servers) {
        byId.set(s.id, s);
        const list = byName.get(s.name) ?? [];
        list.push(s);
        byName.set(s.name, list);
        const g = s.metadata[TAG.group];
        if (g) {
          const gl = byGroup.get(g) ?? [];
          gl.push(s);
          byGroup.set(g, gl);
          const m = s.metadata[TAG.member];
          if (m && roleOf(s) === 'production') byMember.set(`${g}\u0000${m}`, s);
        }
      }
      return [site, { byMember, byName, byId, byGroup }];
    }),
  );
  const volumesByGroup = Object.fromEntries(
    Object.entries(volumesBySite).map(([site, vols]) => {
      const m = new Map<string, VolumeInfo[]>();
      for (const v of vols.values()) {
        const g = v.metadata[TAG.group];
        if (!g) continue;
        const l = m.get(g) ?? [];
        l.push(v);
        m.set(g, l);
      }
      return [site, m];
    }),
  );

  // Cinder groups by name, once per site (not a scan of every group for each group).
  const cinderGroups: Record<string, Map<string, ConsistencyGroupInfo>> = {};
  for (const [name, r] of Object.entries(raw)) {
    const m = new Map<string, ConsistencyGroupInfo>();
    // The first of equal names wins, as find() did.
    for (const x of r.groups) if (!m.has(x.name)) m.set(x.name, x);
    cinderGroups[name] = m;
  }

  const groups: Record<string, GroupInventory> = {};
  for (const [gname, g] of Object.entries(spec.groups)) {
    const siteNames = [g.primarySite, g.secondarySite];
    const reachable = (s: string) => raw[s]?.reachable === true;
    const members: MemberInventory[] = g.members.map((m) => {
      const instances: MemberInventory['instances'] = {};
      for (const s of siteNames) {
        if (!reachable(s)) {
          instances[s] = undefined;
          continue;
        }
        const ix = index[s];
        let found = ix.byMember.get(`${gname}\u0000${m.server}`) ?? null;
        if (!found && s === g.primarySite) {
          // Before protect, the home site's server is known only by its name or UUID.
          const cand = ix.byId.get(m.server) ?? ix.byName.get(m.server)?.find((x) => roleOf(x) !== 'drill');
          found = cand && (!tagged(cand, gname) || roleOf(cand) === 'production') ? cand : null;
        }
        instances[s] = found;
      }
      return { server: m.server, tier: m.tier, instances };
    });
    const specMembers = new Set(g.members.map((m) => m.server));
    const strayInstances: Record<string, ServerInfo[]> = {};
    const drillInstances: Record<string, ServerInfo[]> = {};
    const drillVolumes: Record<string, VolumeInfo[]> = {};
    const volumes: Record<string, VolumeInfo[]> = {};
    const consistencyGroups: GroupInventory['consistencyGroups'] = {};
    for (const s of siteNames) {
      if (!reachable(s)) {
        consistencyGroups[s] = undefined;
        continue;
      }
      const inGroup = index[s].byGroup.get(gname) ?? [];
      strayInstances[s] = inGroup.filter((x) => roleOf(x) === 'production' && !specMembers.has(x.metadata[TAG.member] ?? ''));
      drillInstances[s] = inGroup.filter((x) => roleOf(x) === 'drill');
      const taggedVols = volumesByGroup[s].get(gname) ?? [];
      drillVolumes[s] = taggedVols.filter((v) => roleOf(v) === 'drill');
      const vols = new Map<string, VolumeInfo>();
      for (const m of members) for (const v of m.instances[s]?.volumes ?? []) vols.set(v.id, v);
      for (const v of taggedVols) if (roleOf(v) === 'production') vols.set(v.id, v);
      volumes[s] = [...vols.values()];
      const cg = cinderGroups[s]!.get(consistencyGroupName(gname));
      consistencyGroups[s] = cg ?? null;
    }
    const driver = spec.sites[g.primarySite].storage.driver;
    const perSite: Record<string, ArrayGroupStatus> = {};
    for (const s of siteNames) perSite[s] = storage[s]?.[gname] ?? unreachableArray(s);
    const observed = Object.fromEntries(siteNames.map((s) => [s, raw[s]?.observedAt]));
    groups[gname] = {
      name: gname,
      members,
      strayInstances,
      drillInstances,
      drillVolumes,
      volumes,
      consistencyGroups,
      storage: deriveStorage(driver, g, perSite, observed, now),
    };
  }
  return { spec: { name: spec.metadata.name, digest }, discoveredAt: now.toISOString(), sites, groups };
}
