/**
 * Fake specs and inventories for planner tests: no HTTP, no mock world. fakeInventory(spec, tweaks)
 * builds a healthy, protected steady state (production on each group's activeSite unless told
 * otherwise, replication flowing out of it, last sync 42 s ago) and applies the tweaks.
 */
import { TAG, type ArrayGroupStatus, type GroupInventory, type Inventory, type ServerInfo, type SiteInventory, type VolumeInfo } from '../../src/discovery/types.js';
import type { DRSpec, GroupSpec } from '../../src/spec/types.js';
import { EMPTY_JOURNAL, type JournalView } from '../../src/plan/types.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');

export function ago(seconds: number, now = NOW): string {
  return new Date(now.getTime() - seconds * 1000).toISOString();
}

const webGroup = (): GroupSpec => ({
  description: 'Production web tier',
  primarySite: 'site-a',
  secondarySite: 'site-b',
  activeSite: 'site-a',
  drill: false,
  replication: { type: 'async', volumeType: 'replicated-ssd', arrayGroup: 'pg-prod-web-app', intervalSeconds: 300, rpoMinutes: 15 },
  failover: { mode: 'planned', reverseReplication: true },
  members: [
    { server: 'db-server-1', tier: 1 },
    { server: 'web-server-1', tier: 2 },
    { server: 'web-server-2', tier: 2 },
  ],
  mappings: {
    networks: { 'net-primary-web': 'net-secondary-web', 'net-primary-db': 'net-secondary-db' },
    flavors: { 'm1.large': 'm2.large' },
  },
  drillNetworks: { 'net-primary-web': 'net-drill-web', 'net-primary-db': 'net-drill-db' },
});

const payGroup = (): GroupSpec => ({
  primarySite: 'site-a',
  secondarySite: 'site-b',
  activeSite: 'site-a',
  drill: false,
  replication: { type: 'sync', volumeType: 'replicated-sync', pod: 'pod-prod-pay' },
  failover: { mode: 'planned', reverseReplication: true },
  members: [
    { server: 'pay-1', tier: 1 },
    { server: 'pay-2', tier: 1 },
  ],
  mappings: { networks: { 'net-primary-web': 'net-secondary-web' }, flavors: {} },
  drillNetworks: { 'net-primary-web': 'net-drill-web' },
});

/** The DESIGN.md example (prod-web-app, async) plus a sync group (prod-pay). */
export function baseSpec(mut?: (s: DRSpec) => void): DRSpec {
  const s: DRSpec = {
    apiVersion: 'drctl/v1',
    kind: 'DRSpec',
    metadata: { name: 'prod' },
    sites: {
      'site-a': { cloud: 'site-a', storage: { driver: 'pure', endpoint: 'https://fa-a.example.com', apiToken: { env: 'FA_A_TOKEN' } } },
      'site-b': { cloud: 'site-b', storage: { driver: 'pure', endpoint: 'https://fa-b.example.com', apiToken: { env: 'FA_B_TOKEN' } } },
    },
    groups: { 'prod-web-app': webGroup(), 'prod-pay': payGroup() },
  };
  mut?.(s);
  return s;
}

/** Only the web group (for compact snapshots). */
export function webSpec(mut?: (g: GroupSpec, s: DRSpec) => void): DRSpec {
  return baseSpec((s) => {
    delete s.groups['prod-pay'];
    mut?.(s.groups['prod-web-app']!, s);
  });
}

function siteInventory(name: string): SiteInventory {
  const a = name === 'site-a';
  return {
    name,
    reachable: true,
    observedAt: NOW.toISOString(),
    flavors: [
      { id: 'f1', name: 'm1.large', vcpus: 4, ram: 8192, disk: 0 },
      ...(a ? [] : [{ id: 'f2', name: 'm2.large', vcpus: 4, ram: 8192, disk: 0 }]),
    ],
    networks: a
      ? [
          { id: 'na-web', name: 'net-primary-web' },
          { id: 'na-db', name: 'net-primary-db' },
        ]
      : [
          { id: 'nb-web', name: 'net-secondary-web' },
          { id: 'nb-db', name: 'net-secondary-db' },
          { id: 'nb-dweb', name: 'net-drill-web' },
          { id: 'nb-ddb', name: 'net-drill-db' },
        ],
    securityGroups: ['default', 'web'],
    volumeTypes: [
      { id: 'vt-1', name: 'replicated-ssd', replicationEnabled: true, replicationType: '<in> async', backend: `pure@${name}` },
      { id: 'vt-2', name: 'replicated-sync', replicationEnabled: true, replicationType: '<in> sync', backend: `pure@${name}` },
      { id: 'vt-3', name: 'standard', replicationEnabled: false, backend: `lvm@${name}` },
    ],
  };
}

export interface GroupTweak {
  /** Where production runs (record, instances, replication source). Default: the spec's primarySite. */
  runsOn?: string;
  /** Never protected: no records, no consistency groups, no array object, untagged servers. */
  unprotected?: boolean;
  /** Seconds since the last replicated snapshot (async). Default 42. */
  lastSyncAgo?: number;
  /** A drill is up on this site. */
  drillOn?: string;
  /** The record says this site must be fenced (after an unplanned failover). */
  fenceRequired?: string;
  /** Record versions per site (default 3 on both). */
  versions?: Record<string, number>;
}

export interface Tweaks {
  /** Sites whose OpenStack APIs do not answer. */
  down?: string[];
  /** Sites whose arrays do not answer. */
  arrayDown?: string[];
  groups?: Record<string, GroupTweak>;
  /** Last word: edit the inventory directly. */
  mutate?: (inv: Inventory) => void;
  now?: Date;
}

function volume(site: string, member: string, kind: 'boot' | 'data', group: string, tagged: boolean, type: string): VolumeInfo {
  const id = `vol-${site}-${member}-${kind}`;
  return {
    id,
    name: `${member}-${kind}`,
    status: 'in-use',
    size: kind === 'boot' ? 20 : 100,
    volumeType: type,
    bootable: kind === 'boot',
    attachedTo: [`srv-${site}-${member}`],
    metadata: tagged ? { [TAG.group]: group, [TAG.member]: member, [TAG.role]: 'production' } : {},
  };
}

export function server(site: string, group: string, member: string, tier: number, g: GroupSpec, opts: { tagged: boolean; status?: string; role?: 'production' | 'drill'; op?: string }): ServerInfo {
  const home = site === g.primarySite;
  const isDb = member.startsWith('db');
  const primaryNet = isDb ? 'net-primary-db' : 'net-primary-web';
  const net = home ? primaryNet : (g.mappings.networks[primaryNet] ?? primaryNet);
  const flavor = home ? 'm1.large' : (g.mappings.flavors['m1.large'] ?? 'm1.large');
  const vols = [volume(site, member, 'boot', group, opts.tagged, g.replication.volumeType), ...(isDb ? [volume(site, member, 'data', group, opts.tagged, g.replication.volumeType)] : [])];
  return {
    id: `srv-${site}-${member}`,
    name: member,
    status: opts.status ?? 'ACTIVE',
    flavorName: flavor,
    networks: [net],
    securityGroups: isDb ? ['default'] : ['default', 'web'],
    keyName: 'ops-key',
    volumes: vols,
    metadata: opts.tagged
      ? { [TAG.group]: group, [TAG.member]: member, [TAG.role]: opts.role ?? 'production', [TAG.tier]: String(tier), ...(opts.op ? { [TAG.op]: opts.op } : {}) }
      : {},
    createdAt: '2025-05-01T00:00:00Z',
  };
}

function arrayStatus(p: Partial<ArrayGroupStatus>): ArrayGroupStatus {
  return { reachable: true, exists: true, role: 'none', volumes: [], drillVolumes: [], ...p };
}

function groupInventory(spec: DRSpec, name: string, t: GroupTweak, now: Date): GroupInventory {
  const g = spec.groups[name]!;
  const sites = [g.primarySite, g.secondarySite];
  const runsOn = t.runsOn ?? g.primarySite;
  const other = sites.find((s) => s !== runsOn)!;
  const prot = !t.unprotected;
  const members = g.members.map((m) => ({
    server: m.server,
    tier: m.tier,
    instances: Object.fromEntries(
      sites.map((s) => [s, s === runsOn ? server(s, name, m.server, m.tier, g, { tagged: prot }) : null]),
    ) as Record<string, ServerInfo | null>,
  }));
  const vols = (s: string) => members.flatMap((m) => m.instances[s]?.volumes ?? []);
  const obj = g.replication.type === 'sync' ? g.replication.pod! : g.replication.arrayGroup!;
  const lastSyncAt = g.replication.type === 'async' ? ago(t.lastSyncAgo ?? 42, now) : undefined;
  const record = (s: string) => ({
    version: t.versions?.[s] ?? 3,
    activeSite: runsOn,
    failoverCount: runsOn === g.primarySite ? 0 : 1,
    ...(t.fenceRequired ? { fenceRequired: t.fenceRequired } : {}),
  });
  const pure = (id: string) => `volume-${id}-cinder`;
  const perSite: Record<string, ArrayGroupStatus> = {};
  for (const s of sites) {
    perSite[s] = prot
      ? arrayStatus({
          object: s === runsOn ? obj : `fa-${runsOn.slice(-1)}:${obj}`,
          role: s === runsOn ? 'source' : 'target',
          volumes: s === runsOn ? vols(s).map((v) => pure(v.id)) : [],
          ...(s !== runsOn && lastSyncAt ? { lastReplicatedAt: lastSyncAt, lastReplicatedSnapshot: `fa-a:${obj}.42` } : {}),
        })
      : arrayStatus({ exists: false, role: 'none' });
  }
  const gi: GroupInventory = {
    name,
    members,
    strayInstances: Object.fromEntries(sites.map((s) => [s, []])),
    drillInstances: Object.fromEntries(sites.map((s) => [s, []])),
    drillVolumes: Object.fromEntries(sites.map((s) => [s, []])),
    volumes: Object.fromEntries(sites.map((s) => [s, vols(s)])),
    consistencyGroups: Object.fromEntries(
      sites.map((s) => [
        s,
        prot ? { id: `cg-${s}-${name}`, name: `drctl-${name}`, status: 'available', volumeIds: s === runsOn ? vols(s).map((v) => v.id) : [], record: record(s) } : null,
      ]),
    ),
    storage: {
      driver: 'pure',
      type: g.replication.type,
      perSite,
      ...(prot ? { direction: { from: runsOn, to: other } } : {}),
      ...(prot && lastSyncAt ? { lastSyncAt, lagSeconds: t.lastSyncAgo ?? 42 } : {}),
      ...(prot && g.replication.type === 'sync' ? { lagSeconds: 0 } : {}),
      splitBrain: false,
    },
  };
  if (t.drillOn) {
    const d = t.drillOn;
    gi.drillInstances[d] = g.members.map((m) => {
      const sv = server(d, name, m.server, m.tier, g, { tagged: true, role: 'drill', op: 'op-drill-1' });
      return { ...sv, id: `drill-srv-${m.server}`, name: `drill-${name}-${m.server}` };
    });
    gi.drillVolumes[d] = g.members.map((m) => ({
      id: `drill-vol-${m.server}`,
      name: `drill-${name}-${m.server}-0`,
      status: 'in-use',
      size: 20,
      volumeType: g.replication.volumeType,
      bootable: true,
      attachedTo: [`drill-srv-${m.server}`],
      metadata: { [TAG.group]: name, [TAG.member]: m.server, [TAG.role]: 'drill', [TAG.op]: 'op-drill-1' },
    }));
    perSite[d]!.drillVolumes = g.members.map((m) => `volume-vol-${m.server}-cinder-drill-op-drill-1`);
  }
  return gi;
}

export function fakeInventory(spec: DRSpec, tweaks: Tweaks = {}): Inventory {
  const now = tweaks.now ?? NOW;
  const sites: Record<string, SiteInventory> = {};
  for (const s of Object.keys(spec.sites)) sites[s] = siteInventory(s);
  const inv: Inventory = { spec: { name: spec.metadata.name, digest: 'sha256-spec-digest' }, discoveredAt: now.toISOString(), sites, groups: {} };
  for (const name of Object.keys(spec.groups)) inv.groups[name] = groupInventory(spec, name, tweaks.groups?.[name] ?? {}, now);
  for (const s of tweaks.down ?? []) {
    sites[s] = { ...sites[s]!, reachable: false, error: { code: 'DRCTL_E2001', message: 'connection refused' }, flavors: [], networks: [], securityGroups: [], volumeTypes: [] };
    for (const gi of Object.values(inv.groups)) {
      for (const m of gi.members) m.instances[s] = undefined;
      gi.consistencyGroups[s] = undefined;
      delete gi.strayInstances[s];
      delete gi.drillInstances[s];
      delete gi.drillVolumes[s];
      delete gi.volumes[s];
    }
  }
  for (const s of [...new Set([...(tweaks.arrayDown ?? []), ...(tweaks.down ?? [])])]) {
    for (const gi of Object.values(inv.groups)) {
      gi.storage.perSite[s] = { reachable: false, error: { code: 'DRCTL_E2100', message: 'array unreachable' }, exists: false, role: 'unknown', volumes: [], drillVolumes: [] };
      // The receiving side keeps its last replicated point; direction is unknown without the source.
      if (gi.storage.direction?.from === s) delete gi.storage.direction;
    }
  }
  tweaks.mutate?.(inv);
  return inv;
}

/** A journal whose captured member metadata matches baseSpec() running on site-a (no capture update planned). */
export function journal(j: Partial<JournalView> = {}): JournalView {
  const spec = baseSpec();
  const captured = Object.assign({}, ...Object.keys(spec.groups).map((g) => capturedFor(spec, g)));
  return { ...EMPTY_JOURNAL, lineage: 'lin-1', serial: 7, captured, ...j };
}

/** Captured member metadata as protect would have recorded it (for unplanned failovers). */
export function capturedFor(spec: DRSpec, group: string, site = 'site-a'): JournalView['captured'] {
  const g = spec.groups[group]!;
  const out: Record<string, NonNullable<JournalView['captured']>[string][string]> = {};
  for (const m of g.members) {
    const s = server(site, group, m.server, m.tier, g, { tagged: true });
    out[m.server] = {
      server: s.name,
      tier: m.tier,
      site,
      serverId: s.id,
      flavorName: s.flavorName,
      networks: s.networks,
      securityGroups: s.securityGroups,
      ...(s.keyName ? { keyName: s.keyName } : {}),
      volumes: s.volumes.map((v) => ({ id: v.id, name: v.name, size: v.size, volumeType: v.volumeType, bootable: v.bootable })),
    };
  }
  return { [group]: out };
}
