/**
 * Expansion of each action into its ordered steps (DESIGN.md "Steps of a planned failover"), as an
 * explicit DAG. Edges only ever point at steps created earlier, so the graph is acyclic by
 * construction (buildPlan checks it anyway). Tiers become edges: stop highest tier first, boot lowest
 * tier first; members of one tier depend on nothing of each other and run in parallel.
 *
 * Params carry names, mappings and discovered ids — never secrets, never ids of things a previous
 * step will create (steps find those by drctl tags/names at run time).
 */
import { TAG } from '../discovery/types.js';
import type { GroupSpec } from '../spec/types.js';
import type { ActionKind, Phase, PlanStep, StepConfirmation, StepName } from './types.js';

export interface VolumeFacts {
  id: string;
  name: string;
  size: number;
  volumeType: string;
  bootable: boolean;
  /** Array-side name (Pure: volume-<id>-cinder; Ceph RBD: volume-<id>). */
  arrayVolume: string;
}

/** What the planner knows about one member's instance (live from discovery, or captured earlier). */
export interface MemberFacts {
  member: string;
  tier: number;
  /** Server name on the site it runs on (the spec may name it by UUID). */
  serverName: string;
  serverId?: string;
  status?: string;
  flavorName: string;
  networks: string[];
  securityGroups: string[];
  keyName?: string;
  volumes: VolumeFacts[];
  source: 'live' | 'captured';
}

/** Names on the source site → names on the target site. */
export interface ResolvedMapping {
  networks: Record<string, string>;
  flavors: Record<string, string>;
  securityGroups: Record<string, string>;
}

const PHASE_OF: Record<StepName, Phase> = {
  preflight: 'preparation',
  'operation.open': 'preparation',
  'server.capture-metadata': 'preparation',
  'server.stop': 'preparation',
  'server.wait-stopped': 'preparation',
  'server.tag': 'preparation',
  'server.untag': 'preparation',
  'storage.final-sync': 'storage',
  'storage.wait-transfer': 'storage',
  'storage.promote': 'storage',
  'storage.force-promote': 'storage',
  'storage.demote': 'storage',
  'storage.protect': 'storage',
  'storage.clone-for-drill': 'storage',
  'storage.remove-drill-clones': 'storage',
  'storage.resync': 'storage',
  'storage.remove-volumes': 'storage',
  'storage.remove-unmanaged': 'finalization',
  'volume.import': 'storage',
  'volume.unmanage': 'storage',
  'volume.delete': 'storage',
  'cgroup.ensure': 'storage',
  'cgroup.add-volumes': 'storage',
  'cgroup.remove-volumes': 'storage',
  'server.create': 'instances',
  'server.wait-active': 'instances',
  'server.delete': 'instances',
  'server.start': 'instances',
  verify: 'finalization',
  'storage.reverse-replication': 'finalization',
  'record.write': 'finalization',
  'operation.close': 'finalization',
};

export function phaseOf(name: StepName): Phase {
  return PHASE_OF[name];
}

/** Creates steps with stable ids: `<group>/<step name>/<target>`; qualified by action on a clash. */
export class StepList {
  readonly steps: PlanStep[] = [];
  constructor(
    readonly group: string,
    readonly action: ActionKind,
    private readonly taken: Set<string>,
  ) {}

  add(
    name: StepName,
    o: {
      site?: string;
      target?: string;
      tier?: number;
      deps?: readonly string[];
      params?: Record<string, unknown>;
      description: string;
      phase?: Phase;
      confirmation?: StepConfirmation;
    },
  ): string {
    const t = o.target ?? o.site ?? this.action;
    let id = `${this.group}/${name}/${t}`;
    if (this.taken.has(id)) id = `${this.group}/${this.action}/${name}/${t}`;
    for (let n = 2; this.taken.has(id); n++) id = `${this.group}/${this.action}/${name}/${t}#${n}`;
    this.taken.add(id);
    const step: PlanStep = {
      id,
      name,
      phase: o.phase ?? PHASE_OF[name],
      ...(o.site !== undefined ? { site: o.site } : {}),
      ...(o.target !== undefined ? { target: o.target } : {}),
      ...(o.tier !== undefined ? { tier: o.tier } : {}),
      dependsOn: [...new Set(o.deps ?? [])],
      ...(o.params ? { params: o.params } : {}),
      description: o.description,
      ...(o.confirmation ? { confirmation: o.confirmation } : {}),
    };
    this.steps.push(step);
    return id;
  }
}

export interface ExpandContext {
  group: string;
  g: GroupSpec;
  operationId: string;
  /** Replication object name (protection group / pod / pool) on each site. */
  storageObject: (site: string) => string;
  driver: 'pure' | 'ceph';
  /** Version the next record.write writes (current highest + 1). */
  nextVersion: number;
  failoverCount: number;
}

function tiersOf(members: readonly { tier: number }[]): number[] {
  return [...new Set(members.map((m) => m.tier))].sort((a, b) => a - b);
}

function tags(c: ExpandContext, m: { member: string; tier: number }, role: 'production' | 'drill'): Record<string, string> {
  return {
    [TAG.group]: c.group,
    [TAG.member]: m.member,
    [TAG.role]: role,
    [TAG.op]: c.operationId,
    [TAG.tier]: String(m.tier),
  };
}

function storageParams(c: ExpandContext, site: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    storageObject: c.storageObject(site),
    driver: c.driver,
    replication: c.g.replication.type,
    ...extra,
  };
}

function volumeParams(vs: readonly VolumeFacts[]) {
  return vs.map((v) => ({
    sourceVolumeId: v.id,
    name: v.name,
    size: v.size,
    bootable: v.bootable,
    volumeType: v.volumeType,
    arrayVolume: v.arrayVolume,
  }));
}

/**
 * Stop members on a site, highest tier first. Members of a tier stop in parallel; one
 * server.wait-stopped per tier joins them before the next tier (linear edges, not tier × tier).
 * Returns the id of the last join (everything stopped), or `base` when there is nothing to stop.
 */
function stopByTier(
  s: StepList,
  site: string,
  members: readonly MemberFacts[],
  base: string[],
  description: (m: MemberFacts) => string,
  /** Per-member step a member's stop must also wait for (its metadata capture). */
  own?: Map<string, string>,
): string[] {
  let prev: string[] = base;
  for (const tier of tiersOf(members).reverse()) {
    const inTier = members.filter((m) => m.tier === tier);
    const ids = inTier.map((m) =>
      s.add('server.stop', {
        site,
        target: m.member,
        tier,
        deps: [...(own?.has(m.member) ? [own.get(m.member)!] : []), ...prev],
        params: { member: m.member, serverId: m.serverId, serverName: m.serverName },
        description: description(m),
      }),
    );
    prev = [
      s.add('server.wait-stopped', {
        site,
        target: `tier-${tier}`,
        tier,
        deps: ids,
        params: { tier, members: inTier.map((m) => ({ member: m.member, serverId: m.serverId })) },
        description: `wait until ${inTier.length === 1 ? 'the tier-' + tier + ' member is' : `the ${inTier.length} tier-${tier} members are`} SHUTOFF on ${site}`,
      }),
    ];
  }
  return prev;
}

/**
 * Create members on a site, lowest tier first: a tier's creates run in parallel and wait for the
 * previous tier's server.wait-active join. Returns the ids of the per-tier joins.
 */
function createByTier(
  s: StepList,
  site: string,
  members: readonly MemberFacts[],
  importOf: Map<string, string>,
  base: string[],
  spec: (m: MemberFacts) => { target: string; params: Record<string, unknown>; description: string },
  joinPrefix = 'tier',
): string[] {
  const joins: string[] = [];
  let prev: string[] = base;
  for (const tier of tiersOf(members)) {
    const ids: string[] = [];
    const names: Array<{ member: string; name: string }> = [];
    for (const m of members.filter((x) => x.tier === tier)) {
      const d = spec(m);
      names.push({ member: m.member, name: d.target });
      ids.push(
        s.add('server.create', {
          site,
          target: d.target,
          tier,
          deps: [importOf.get(m.member)!, ...prev],
          params: d.params,
          description: d.description,
        }),
      );
    }
    const join = s.add('server.wait-active', {
      site,
      target: `${joinPrefix}-${tier}`,
      tier,
      deps: ids,
      params: { tier, members: names },
      description: `wait until ${names.length === 1 ? 'the tier-' + tier + ' member is' : `the ${names.length} tier-${tier} members are`} ACTIVE on ${site}`,
    });
    joins.push(join);
    prev = [join];
  }
  return joins;
}

/** Security groups and flavors map by identity when absent from the mapping. */
function mapNames(names: readonly string[], map: Record<string, string>): string[] {
  return names.map((n) => map[n] ?? n);
}

export interface MoveOptions {
  kind: 'failover' | 'failback';
  from: string;
  to: string;
  mode: 'planned' | 'unplanned';
  members: readonly MemberFacts[];
  mapping: ResolvedMapping;
  /** Steps of earlier actions of the same group this one waits for. */
  after: string[];
  dataLossWindowSeconds?: number;
  lastSyncAt?: string;
  /** Remove the stopped source instances and unmanage their volumes after verify (planned only). */
  retireSource: boolean;
  /**
   * Planned (both sites answer) but replication is behind beyond the RPO and the operator accepted data
   * loss (--allow-data-loss): no final sync (the broken link would never deliver it); stop on the
   * source, demote it, force-promote the target from the last replicated point.
   */
  fromLastReplicated?: boolean;
}

/** Failover / failback: DESIGN.md steps 1-10 (unplanned: no stop, no final sync, force-promote). */
export function expandMove(c: ExpandContext, s: StepList, o: MoveOptions): void {
  const { from, to, mode, members } = o;
  const planned = mode === 'planned';
  const async = c.g.replication.type === 'async';
  /** Both sites coordinated, but the data comes from the last replicated point (no final sync). */
  const lossy = planned && async && o.fromLastReplicated === true;
  const pre = s.add('preflight', {
    site: to,
    target: o.kind,
    deps: o.after,
    params: {
      action: o.kind,
      mode,
      from,
      to,
      needs: planned ? [from, to] : [to],
      ...(o.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: o.dataLossWindowSeconds } : {}),
      ...(o.lastSyncAt ? { lastSyncAt: o.lastSyncAt } : {}),
    },
    description: planned
      ? `check ${from} and ${to} again (reachability, record versions, replication) before touching anything`
      : `check ${to} again; ${from} is unreachable: unplanned ${o.kind}`,
  });
  const open = s.add('operation.open', {
    target: o.kind,
    deps: [pre],
    params: { operationId: c.operationId, type: o.kind, mode, from, to },
    description: `open operation ${c.operationId} (${o.kind} ${from} → ${to}) in the journal`,
  });

  let promoteDeps: string[] = [open];
  let demote: string | undefined;
  let finalSync: string | undefined;
  if (planned) {
    const captures = new Map<string, string>();
    for (const m of members)
      captures.set(
        m.member,
        s.add('server.capture-metadata', {
        site: from,
        target: m.member,
        tier: m.tier,
        deps: [open],
        params: { member: m.member, serverId: m.serverId, serverName: m.serverName },
        description: `record ${m.serverName}'s flavor, networks, security groups and volumes in the journal`,
        }),
      );
    // The first tier to stop waits only for its own members' captures; later tiers for the previous join.
    const afterStops = members.length ? stopByTier(s, from, members, [], (m) => `stop ${m.serverName} on ${from} (tier ${m.tier})`, captures) : [open];
    if (lossy) {
      // No final sync and no transfer wait: the target is force-promoted from its last replicated
      // snapshot once the source's members are stopped; the source is demoted right after (below).
      promoteDeps = afterStops;
    } else if (async) {
      const sync = s.add('storage.final-sync', {
        site: from,
        deps: afterStops,
        params: storageParams(c, from, { suffix: `drctl-${c.operationId}`, peer: to }),
        description: `final sync: snapshot ${c.storageObject(from)} on ${from} and replicate it to ${to} now`,
      });
      finalSync = sync;
      const wait = s.add('storage.wait-transfer', {
        site: from,
        deps: [sync],
        params: storageParams(c, from, { snapshotFrom: sync, peer: to }),
        description: `wait until the final snapshot has fully arrived on ${to}`,
      });
      promoteDeps = [wait];
      demote = s.add('storage.demote', {
        site: from,
        deps: [wait],
        params: storageParams(c, from, { peer: to }),
        description: `demote ${c.storageObject(from)} on ${from} (stop replicating out of the old source)`,
      });
    } else {
      demote = s.add('storage.demote', {
        site: from,
        deps: afterStops,
        params: storageParams(c, from, { peer: to }),
        description: `demote ${c.storageObject(from)} on ${from}`,
      });
      promoteDeps = [demote];
    }
  }
  const promote = planned && !lossy
    ? s.add('storage.promote', {
        site: to,
        deps: promoteDeps,
        params: storageParams(c, to, {
          force: false,
          peer: from,
          ...(finalSync ? { snapshotFrom: finalSync } : {}),
          volumes: members.flatMap((m) => m.volumes.map((v) => v.arrayVolume)),
        }),
        description: async
          ? `promote ${c.storageObject(to)} on ${to}: new volumes from the final replicated snapshot`
          : `promote ${c.storageObject(to)} on ${to}`,
      })
    : s.add('storage.force-promote', {
        site: to,
        deps: promoteDeps,
        params: storageParams(c, to, {
          force: true,
          peer: from,
          volumes: members.flatMap((m) => m.volumes.map((v) => v.arrayVolume)),
          ...(o.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: o.dataLossWindowSeconds } : {}),
          ...(o.lastSyncAt ? { lastSyncAt: o.lastSyncAt } : {}),
        }),
        description: `force-promote ${c.storageObject(to)} on ${to} from the last replicated point${o.lastSyncAt ? ` (${o.lastSyncAt})` : ''}${lossy ? `: writes on ${from} after it are not carried over` : ''}`,
      });

  if (lossy) {
    demote = s.add('storage.demote', {
      site: from,
      deps: [promote],
      params: storageParams(c, from, { peer: to }),
      description: `demote ${c.storageObject(from)} on ${from} (stop replicating out of the old source; its writes after the last replicated point stay there)`,
    });
  }
  const ensure = s.add('cgroup.ensure', {
    site: to,
    deps: [promote],
    params: { name: `drctl-${c.group}`, volumeType: c.g.replication.volumeType },
    description: `ensure consistency group drctl-${c.group} on ${to}`,
  });
  const importOf = new Map<string, string>();
  for (const m of members) {
    importOf.set(
      m.member,
      s.add('volume.import', {
        site: to,
        target: m.member,
        tier: m.tier,
        deps: [promote],
        params: {
          member: m.member,
          role: 'production',
          volumeType: c.g.replication.volumeType,
          volumes: volumeParams(m.volumes),
          tags: tags(c, m, 'production'),
        },
        description: `import ${m.volumes.length} volume(s) of ${m.member} into Cinder on ${to} (manage)`,
      }),
    );
  }
  const add = s.add('cgroup.add-volumes', {
    site: to,
    deps: [ensure, ...importOf.values()],
    params: { name: `drctl-${c.group}`, members: members.map((m) => m.member) },
    description: `add the imported volumes to drctl-${c.group} on ${to}`,
  });
  const actives = createByTier(s, to, members, importOf, [], (m) => ({
    target: m.member,
    params: {
      member: m.member,
      tier: m.tier,
      name: m.serverName,
      flavor: o.mapping.flavors[m.flavorName] ?? m.flavorName,
      networks: m.networks.map((n) => o.mapping.networks[n] ?? n),
      securityGroups: mapNames(m.securityGroups, o.mapping.securityGroups),
      ...(m.keyName ? { keyName: m.keyName } : {}),
      bootVolume: m.volumes.find((v) => v.bootable)?.id ?? m.volumes[0]?.id,
      volumes: volumeParams(m.volumes),
      tags: tags(c, m, 'production'),
      metadataSource: m.source,
    },
    description: `create ${m.serverName} on ${to} (tier ${m.tier}, ${o.mapping.flavors[m.flavorName] ?? m.flavorName}, ${m.networks.map((n) => o.mapping.networks[n] ?? n).join(', ') || 'no networks'})`,
  }));
  const verify = s.add('verify', {
    site: to,
    target: o.kind,
    deps: [...actives, add],
    params: { members: members.map((m) => m.member), expectStatus: 'ACTIVE', site: to },
    description: `verify all ${members.length} member(s) ACTIVE on ${to} with their volumes attached`,
  });
  const fin: string[] = [verify];
  // The members as they now run on the target, in the journal: an unplanned move away from it later
  // recreates them from this, and the next plan has no metadata update left to do.
  for (const m of members) {
    fin.push(
      s.add('server.capture-metadata', {
        site: to,
        target: m.member,
        tier: m.tier,
        deps: [verify],
        phase: 'finalization',
        params: { member: m.member, serverName: m.serverName },
        description: `record ${m.serverName}'s flavor, networks, security groups and volumes on ${to} in the journal`,
      }),
    );
  }
  if (c.driver === 'pure' && async) {
    // This site's production volumes of its previous stay (renamed -unmanaged by Cinder when drctl
    // retired them) are superseded once the members run verified here: destroyed, so the arrays do
    // not grow with every move.
    fin.push(
      s.add('storage.remove-unmanaged', {
        site: to,
        deps: [verify],
        phase: 'finalization',
        params: storageParams(c, to, {}),
        description: `destroy ${c.group}'s old *-cinder-unmanaged volumes on ${to}'s array (superseded; recoverable until the array's eradication delay)`,
      }),
    );
  }
  if (planned && c.g.failover.reverseReplication) {
    fin.push(
      s.add('storage.reverse-replication', {
        site: to,
        deps: [verify, ...(demote ? [demote] : [])],
        params: storageParams(c, to, { peer: from, ...(lossy ? { waitBaseline: false } : {}) }),
        description: `reverse replication: ${to} → ${from}${lossy ? ' (the first transfer is not waited for: the link was behind)' : ''}`,
      }),
    );
  }
  if (planned && o.retireSource) {
    const deletes = members
      .filter((m) => m.serverId)
      .map((m) =>
        s.add('server.delete', {
          site: from,
          target: m.member,
          tier: m.tier,
          deps: [verify],
          phase: 'finalization',
          params: { member: m.member, serverId: m.serverId, serverName: m.serverName, keepVolumes: true },
          description: `retire the stopped ${m.serverName} on ${from} (its volumes are kept)`,
        }),
      );
    const remove = s.add('cgroup.remove-volumes', {
      site: from,
      deps: deletes.length ? deletes : [verify],
      phase: 'finalization',
      params: { name: `drctl-${c.group}`, volumeIds: members.flatMap((m) => m.volumes.map((v) => v.id)) },
      description: `take the old volumes out of drctl-${c.group} on ${from}`,
    });
    for (const m of members) {
      fin.push(
        s.add('volume.unmanage', {
          site: from,
          target: m.member,
          tier: m.tier,
          deps: [remove],
          phase: 'finalization',
          params: { member: m.member, volumeIds: m.volumes.map((v) => v.id) },
          description: `unmanage ${m.member}'s old volumes on ${from} (data stays on the array)`,
        }),
      );
    }
  }
  const record = {
    version: c.nextVersion,
    activeSite: to,
    status: to === c.g.primarySite ? 'active' : 'failed_over',
    failoverCount: c.failoverCount + 1,
    lastOperation: c.operationId,
    ...(planned ? {} : { fenceRequired: from }),
  };
  const writes = (planned ? [to, from] : [to]).map((site) =>
    s.add('record.write', {
      site,
      deps: fin,
      params: { record },
      description: `write group record v${c.nextVersion} on ${site}: active on ${to}, ${record.status}${planned ? '' : `, ${from} to be fenced`}`,
    }),
  );
  s.add('operation.close', {
    target: o.kind,
    deps: writes,
    params: { operationId: c.operationId, ...(o.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: o.dataLossWindowSeconds } : {}) },
    description: `close operation ${c.operationId}`,
  });
}

export interface DrillOptions {
  site: string;
  /** Site production runs on (untouched). */
  production: string;
  members: readonly MemberFacts[];
  mapping: ResolvedMapping;
  after: string[];
  lastSyncAt?: string;
}

export function drillServerName(group: string, member: string): string {
  return `drill-${group}-${member}`;
}

/** A drill: clone the latest replicated point on the standby site and boot copies on drill networks. */
export function expandDrill(c: ExpandContext, s: StepList, o: DrillOptions): void {
  const pre = s.add('preflight', {
    site: o.site,
    target: 'drill',
    deps: o.after,
    params: { action: 'drill', site: o.site, production: o.production, needs: [o.site], ...(o.lastSyncAt ? { lastSyncAt: o.lastSyncAt } : {}) },
    description: `check ${o.site} again (reachable, drill networks, no drill already up); ${o.production} is not touched`,
  });
  const open = s.add('operation.open', {
    target: 'drill',
    deps: [pre],
    params: { operationId: c.operationId, type: 'drill', to: o.site },
    description: `open operation ${c.operationId} (drill on ${o.site}) in the journal`,
  });
  const clone = s.add('storage.clone-for-drill', {
    site: o.site,
    deps: [open],
    params: storageParams(c, o.site, {
      tag: c.operationId,
      snapshot: 'latest',
      volumes: o.members.flatMap((m) => m.volumes.map((v) => v.arrayVolume)),
      ...(o.lastSyncAt ? { lastSyncAt: o.lastSyncAt } : {}),
    }),
    description: `clone the latest replicated snapshot of ${c.storageObject(o.site)} on ${o.site} into drill volumes (tag ${c.operationId})`,
  });
  const importOf = new Map<string, string>();
  for (const m of o.members) {
    importOf.set(
      m.member,
      s.add('volume.import', {
        site: o.site,
        target: drillServerName(c.group, m.member),
        tier: m.tier,
        deps: [clone],
        params: {
          member: m.member,
          role: 'drill',
          volumeType: c.g.replication.volumeType,
          volumes: volumeParams(m.volumes),
          namePrefix: drillServerName(c.group, m.member),
          tags: tags(c, m, 'drill'),
        },
        description: `import the drill copies of ${m.member}'s ${m.volumes.length} volume(s) on ${o.site}`,
      }),
    );
  }
  const actives = createByTier(
    s,
    o.site,
    o.members,
    importOf,
    [],
    (m) => {
    const name = drillServerName(c.group, m.member);
    const nets = m.networks.map((n) => o.mapping.networks[n] ?? n);
    return {
      target: name,
      params: {
        member: m.member,
        tier: m.tier,
        name,
        flavor: o.mapping.flavors[m.flavorName] ?? m.flavorName,
        networks: nets,
        securityGroups: mapNames(m.securityGroups, o.mapping.securityGroups),
        ...(m.keyName ? { keyName: m.keyName } : {}),
        volumes: volumeParams(m.volumes),
        tags: tags(c, m, 'drill'),
        metadataSource: m.source,
      },
      description: `create drill copy ${name} on ${o.site} (tier ${m.tier}, isolated: ${nets.join(', ') || 'no networks'})`,
    };
    },
    'drill-tier',
  );
  const verify = s.add('verify', {
    site: o.site,
    target: 'drill',
    deps: actives.length ? actives : [clone],
    params: { members: o.members.map((m) => drillServerName(c.group, m.member)), expectStatus: 'ACTIVE', site: o.site },
    description: `verify the ${o.members.length} drill copies are ACTIVE on ${o.site}`,
  });
  s.add('operation.close', {
    target: 'drill',
    deps: [verify],
    params: { operationId: c.operationId },
    description: `close operation ${c.operationId} (the drill stays up until drill: false)`,
  });
}

export interface DrillCleanupOptions {
  site: string;
  servers: readonly { id: string; name: string; op?: string }[];
  volumes: readonly { id: string; name: string; op?: string }[];
  arrayVolumes: readonly string[];
  after: string[];
}

/** Remove exactly what drills made (drill-tagged servers, volumes, array clones), then prove none is left. */
export function expandDrillCleanup(c: ExpandContext, s: StepList, o: DrillCleanupOptions): string {
  const pre = s.add('preflight', {
    site: o.site,
    target: 'drill-cleanup',
    deps: o.after,
    params: { action: 'drill-cleanup', site: o.site, needs: [o.site] },
    description: `check ${o.site} again and list drill-tagged resources`,
  });
  const open = s.add('operation.open', {
    target: 'drill-cleanup',
    deps: [pre],
    params: { operationId: c.operationId, type: 'drill-cleanup', to: o.site },
    description: `open operation ${c.operationId} (drill-cleanup on ${o.site}) in the journal`,
  });
  const deletes = o.servers.map((sv) =>
    s.add('server.delete', {
      site: o.site,
      target: sv.name,
      deps: [open],
      params: { serverId: sv.id, serverName: sv.name, role: 'drill', ...(sv.op ? { drillTag: sv.op } : {}) },
      description: `delete drill server ${sv.name} on ${o.site}`,
    }),
  );
  const vdel = o.volumes.map((v) =>
    s.add('volume.delete', {
      site: o.site,
      target: v.name || v.id,
      deps: deletes.length ? deletes : [open],
      params: { volumeId: v.id, name: v.name, role: 'drill', ...(v.op ? { drillTag: v.op } : {}) },
      description: `delete drill volume ${v.name || v.id} on ${o.site}`,
    }),
  );
  const tagsSeen = [...new Set([...o.servers, ...o.volumes].map((x) => x.op).filter((x): x is string => Boolean(x)))].sort();
  const clones = s.add('storage.remove-drill-clones', {
    site: o.site,
    deps: vdel.length ? vdel : deletes.length ? deletes : [open],
    params: storageParams(c, o.site, { tags: tagsSeen, arrayVolumes: [...o.arrayVolumes] }),
    description: `remove the drill clones left on ${o.site}'s array${o.arrayVolumes.length ? ` (${o.arrayVolumes.length})` : ''}`,
  });
  const verify = s.add('verify', {
    site: o.site,
    target: 'drill-cleanup',
    deps: [clones],
    params: { site: o.site, expectNoDrillResources: true },
    description: `verify nothing drill-tagged remains on ${o.site} (fails otherwise)`,
  });
  return s.add('operation.close', {
    target: 'drill-cleanup',
    deps: [verify],
    params: { operationId: c.operationId, removed: { servers: o.servers.length, volumes: o.volumes.length, arrayVolumes: o.arrayVolumes.length } },
    description: `close operation ${c.operationId} (lists exactly what was removed)`,
  });
}

export interface ProtectOptions {
  kind: 'protect' | 'member-add';
  site: string;
  peer: string;
  /** Members to tag / capture / add. */
  members: readonly MemberFacts[];
  /** Members already tagged (only their missing volumes are added). */
  untagged: ReadonlySet<string>;
  /** Volume ids to add to the site's consistency group. */
  addVolumeIds: readonly string[];
  ensureSites: readonly string[];
  /** Array volumes the replication object must hold afterwards (all members). */
  arrayVolumes: readonly string[];
  storageNeeded: boolean;
  after: string[];
}

export function expandProtect(c: ExpandContext, s: StepList, o: ProtectOptions): string {
  const pre = s.add('preflight', {
    site: o.site,
    target: o.kind,
    deps: o.after,
    params: { action: o.kind, needs: [o.site, o.peer] },
    description: `check ${o.site} and ${o.peer} again (the group record is written on both)`,
  });
  const open = s.add('operation.open', {
    target: o.kind,
    deps: [pre],
    params: { operationId: c.operationId, type: o.kind, from: o.site, to: o.peer },
    description: `open operation ${c.operationId} (${o.kind}) in the journal`,
  });
  const tagged: string[] = [];
  for (const m of o.members) {
    const cap = s.add('server.capture-metadata', {
      site: o.site,
      target: m.member,
      tier: m.tier,
      deps: [open],
      params: { member: m.member, serverId: m.serverId, serverName: m.serverName },
      description: `record ${m.serverName}'s flavor, networks, security groups and volumes in the journal`,
    });
    if (o.untagged.has(m.member)) {
      tagged.push(
        s.add('server.tag', {
          site: o.site,
          target: m.member,
          tier: m.tier,
          deps: [cap],
          params: { member: m.member, serverId: m.serverId, volumeIds: m.volumes.map((v) => v.id), tags: tags(c, m, 'production') },
          description: `tag ${m.serverName} and its ${m.volumes.length} volume(s) as member ${m.member} of ${c.group}`,
        }),
      );
    } else tagged.push(cap);
  }
  const ensures = o.ensureSites.map((site) =>
    s.add('cgroup.ensure', {
      site,
      deps: [open],
      params: { name: `drctl-${c.group}`, volumeType: c.g.replication.volumeType },
      description: `create consistency group drctl-${c.group} on ${site}`,
    }),
  );
  let last: string[] = [...tagged, ...ensures];
  if (o.addVolumeIds.length > 0) {
    last = [
      s.add('cgroup.add-volumes', {
        site: o.site,
        deps: last.length ? last : [open],
        params: { name: `drctl-${c.group}`, volumeIds: [...o.addVolumeIds] },
        description: `add ${o.addVolumeIds.length} volume(s) to drctl-${c.group} on ${o.site}`,
      }),
    ];
  }
  if (o.storageNeeded) {
    last = [
      s.add('storage.protect', {
        site: o.site,
        deps: last.length ? last : [open],
        params: storageParams(c, o.site, {
          peer: o.peer,
          volumes: [...o.arrayVolumes],
          ...(c.g.replication.intervalSeconds ? { intervalSeconds: c.g.replication.intervalSeconds } : {}),
        }),
        description: `ensure ${c.storageObject(o.site)} on ${o.site} holds ${o.arrayVolumes.length} volume(s) and replicates to ${o.peer}`,
      }),
    ];
  }
  const writes = [o.site, o.peer].map((site) =>
    s.add('record.write', {
      site,
      deps: last.length ? last : [open],
      params: { record: { version: c.nextVersion, activeSite: o.site, failoverCount: c.failoverCount, lastOperation: c.operationId, status: 'active' } },
      description: `write group record v${c.nextVersion} on ${site}`,
    }),
  );
  return s.add('operation.close', {
    target: o.kind,
    deps: writes,
    params: { operationId: c.operationId },
    description: `close operation ${c.operationId}`,
  });
}

export interface MemberRemoveOptions {
  site: string;
  peer: string;
  strays: readonly { id: string; name: string; member: string; volumeIds: string[]; arrayVolumes: string[] }[];
  after: string[];
}

export function expandMemberRemove(c: ExpandContext, s: StepList, o: MemberRemoveOptions): string {
  const pre = s.add('preflight', {
    site: o.site,
    target: 'member-remove',
    deps: o.after,
    params: { action: 'member-remove', needs: [o.site, o.peer] },
    description: `check ${o.site} and ${o.peer} again (the group record is written on both)`,
  });
  const open = s.add('operation.open', {
    target: 'member-remove',
    deps: [pre],
    params: { operationId: c.operationId, type: 'member-remove' },
    description: `open operation ${c.operationId} (member-remove) in the journal`,
  });
  const volumeIds = o.strays.flatMap((x) => x.volumeIds);
  const rm = s.add('cgroup.remove-volumes', {
    site: o.site,
    deps: [open],
    params: { name: `drctl-${c.group}`, volumeIds },
    description: `take ${volumeIds.length} volume(s) out of drctl-${c.group} on ${o.site}`,
  });
  const arr = s.add('storage.remove-volumes', {
    site: o.site,
    deps: [rm],
    params: storageParams(c, o.site, { volumes: o.strays.flatMap((x) => x.arrayVolumes) }),
    description: `take them out of ${c.storageObject(o.site)} on ${o.site} (volumes are kept)`,
  });
  const untags = o.strays.map((x) =>
    s.add('server.untag', {
      site: o.site,
      target: x.member,
      deps: [arr],
      phase: 'storage',
      params: { member: x.member, serverId: x.id, volumeIds: x.volumeIds },
      description: `remove drctl tags from ${x.name} (the server itself is not touched)`,
    }),
  );
  const writes = [o.site, o.peer].map((site) =>
    s.add('record.write', {
      site,
      deps: untags,
      params: { record: { version: c.nextVersion, activeSite: o.site, failoverCount: c.failoverCount, lastOperation: c.operationId } },
      description: `write group record v${c.nextVersion} on ${site}`,
    }),
  );
  return s.add('operation.close', { target: 'member-remove', deps: writes, params: { operationId: c.operationId }, description: `close operation ${c.operationId}` });
}

export interface FenceOptions {
  site: string;
  active: string;
  stale: readonly MemberFacts[];
  demote: boolean;
  after: string[];
}

/** Fence the site that came back after an unplanned failover: stop its stale instances, demote its storage, retire them. */
export function expandFence(c: ExpandContext, s: StepList, o: FenceOptions): string {
  const pre = s.add('preflight', {
    site: o.site,
    target: 'fence',
    deps: o.after,
    params: { action: 'fence', site: o.site, active: o.active, needs: [o.site] },
    description: `check ${o.site} again: it came back after an unplanned failover to ${o.active}`,
  });
  const open = s.add('operation.open', {
    target: 'fence',
    deps: [pre],
    params: { operationId: c.operationId, type: 'fence', to: o.site },
    description: `open operation ${c.operationId} (fence ${o.site}) in the journal`,
  });
  const running = o.stale.filter((m) => m.status !== 'SHUTOFF');
  let last = stopByTier(s, o.site, running, [open], (m) => `stop stale ${m.serverName} on ${o.site} (production runs on ${o.active})`);
  if (o.demote) {
    last = [
      s.add('storage.demote', {
        site: o.site,
        deps: last,
        params: storageParams(c, o.site, { peer: o.active, stale: true }),
        description: `demote ${c.storageObject(o.site)} on ${o.site}: it must not be writable production any more`,
      }),
    ];
  }
  const deletes = o.stale
    .filter((m) => m.serverId)
    .map((m) =>
      s.add('server.delete', {
        site: o.site,
        target: m.member,
        tier: m.tier,
        deps: last,
        phase: 'finalization',
        params: { member: m.member, serverId: m.serverId, serverName: m.serverName, keepVolumes: true },
        description: `retire stale ${m.serverName} on ${o.site} (its volumes are kept)`,
      }),
    );
  let tail = deletes.length ? deletes : last;
  const volumeIds = o.stale.flatMap((m) => m.volumes.map((v) => v.id));
  if (volumeIds.length) {
    const rm = s.add('cgroup.remove-volumes', {
      site: o.site,
      deps: tail,
      phase: 'finalization',
      params: { name: `drctl-${c.group}`, volumeIds },
      description: `take the stale volumes out of drctl-${c.group} on ${o.site}`,
    });
    tail = o.stale
      .filter((m) => m.volumes.length)
      .map((m) =>
        s.add('volume.unmanage', {
          site: o.site,
          target: m.member,
          tier: m.tier,
          deps: [rm],
          phase: 'finalization',
          params: { member: m.member, volumeIds: m.volumes.map((v) => v.id) },
          description: `unmanage ${m.member}'s stale volumes on ${o.site} (their data stays on the array until a resync)`,
        }),
      );
  }
  return s.add('operation.close', { target: 'fence', deps: tail, params: { operationId: c.operationId }, description: `close operation ${c.operationId}` });
}

export interface ReprotectOptions {
  active: string;
  standby: string;
  resync?: StepConfirmation;
  demoteStandby: boolean;
  ensureStandby: boolean;
  after: string[];
}

/** Re-establish replication active → standby (after a fence, or when replication is not flowing). */
export function expandReprotect(c: ExpandContext, s: StepList, o: ReprotectOptions): string {
  const pre = s.add('preflight', {
    site: o.active,
    target: 'reprotect',
    deps: o.after,
    params: { action: 'reprotect', needs: [o.active, o.standby] },
    description: `check ${o.active} and ${o.standby} again`,
  });
  const open = s.add('operation.open', {
    target: 'reprotect',
    deps: [pre],
    params: { operationId: c.operationId, type: 'reprotect', from: o.active, to: o.standby },
    description: `open operation ${c.operationId} (reprotect ${o.active} → ${o.standby}) in the journal`,
  });
  let last = [open];
  if (o.demoteStandby) {
    last = [
      s.add('storage.demote', {
        site: o.standby,
        deps: last,
        params: storageParams(c, o.standby, { peer: o.active }),
        description: `demote ${c.storageObject(o.standby)} on ${o.standby}`,
      }),
    ];
  }
  if (o.resync) {
    last = [
      s.add('storage.resync', {
        site: o.standby,
        deps: last,
        params: storageParams(c, o.standby, { peer: o.active, discardSite: o.resync.discardSite }),
        description: `resync ${o.standby} from ${o.active}: DISCARDS ${o.standby}'s writes since the failover${o.resync.confirmed ? ' (confirmed)' : ' (needs confirmation)'}`,
        confirmation: o.resync,
      }),
    ];
  }
  if (o.ensureStandby) {
    last.push(
      s.add('cgroup.ensure', {
        site: o.standby,
        deps: [open],
        params: { name: `drctl-${c.group}`, volumeType: c.g.replication.volumeType },
        description: `ensure consistency group drctl-${c.group} on ${o.standby}`,
      }),
    );
  }
  const rev = s.add('storage.reverse-replication', {
    site: o.active,
    deps: last,
    params: storageParams(c, o.active, { peer: o.standby }),
    description: `replicate ${c.storageObject(o.active)} from ${o.active} to ${o.standby}`,
  });
  const writes = [o.active, o.standby].map((site) =>
    s.add('record.write', {
      site,
      deps: [rev],
      params: { record: { version: c.nextVersion, activeSite: o.active, failoverCount: c.failoverCount, lastOperation: c.operationId, fenceRequired: null } },
      description: `write group record v${c.nextVersion} on ${site} (replicating ${o.active} → ${o.standby})`,
    }),
  );
  return s.add('operation.close', { target: 'reprotect', deps: writes, params: { operationId: c.operationId }, description: `close operation ${c.operationId}` });
}

export interface UpdateOptions {
  from: string;
  to: string;
  record: Record<string, unknown>;
  fromVersion: number;
  toVersion?: number;
  after: string[];
}

/** Copy the authoritative group record to the site whose copy is out of date. */
export function expandUpdate(c: ExpandContext, s: StepList, o: UpdateOptions): string {
  const pre = s.add('preflight', {
    site: o.to,
    target: 'update',
    deps: o.after,
    params: { action: 'update', needs: [o.from, o.to] },
    description: `check both group records again`,
  });
  const open = s.add('operation.open', {
    target: 'update',
    deps: [pre],
    params: { operationId: c.operationId, type: 'update', from: o.from, to: o.to },
    description: `open operation ${c.operationId} (update metadata) in the journal`,
  });
  const w = s.add('record.write', {
    site: o.to,
    deps: [open],
    params: { record: o.record, copyFrom: o.from, expectVersion: o.toVersion ?? null },
    description: `write group record v${o.fromVersion} (from ${o.from}) on ${o.to}${o.toVersion !== undefined ? `, replacing v${o.toVersion}` : ''}`,
  });
  return s.add('operation.close', { target: 'update', deps: [w], params: { operationId: c.operationId }, description: `close operation ${c.operationId}` });
}

export interface CaptureOptions {
  site: string;
  members: readonly MemberFacts[];
  after: string[];
}

/** Re-capture member metadata into the journal (what an unplanned failover recreates members from). */
export function expandCapture(c: ExpandContext, s: StepList, o: CaptureOptions): string {
  const pre = s.add('preflight', {
    site: o.site,
    target: 'update',
    deps: o.after,
    params: { action: 'update', needs: [o.site] },
    description: `check ${o.site} again`,
  });
  const open = s.add('operation.open', {
    target: 'update',
    deps: [pre],
    params: { operationId: c.operationId, type: 'update', to: o.site },
    description: `open operation ${c.operationId} (update captured metadata) in the journal`,
  });
  const caps = o.members.map((m) =>
    s.add('server.capture-metadata', {
      site: o.site,
      target: m.member,
      tier: m.tier,
      deps: [open],
      params: { member: m.member, serverId: m.serverId, serverName: m.serverName },
      description: `record ${m.serverName}'s flavor, networks, security groups and volumes in the journal`,
    }),
  );
  return s.add('operation.close', { target: 'update', deps: caps.length ? caps : [open], params: { operationId: c.operationId }, description: `close operation ${c.operationId}` });
}
