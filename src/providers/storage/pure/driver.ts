/**
 * PureDriver: StorageDriver for one FlashArray (one site), REST 2.x through PureClient.
 *
 * Async (`type: 'async'`, object = protection group `pg`):
 *   - source: local `pg` with a target and its replication schedule enabled;
 *   - target: the replicated group `<source-array>:<pg>` exists here;
 *   - promote: copy the latest completely replicated snapshot's volume snapshots
 *     (`<src>:<pg>.<suffix>.<vol>`) onto volumes named `<vol>` with overwrite=true (Cinder's
 *     `_async_failover_host`); demote: disable the local pg's replication schedule;
 *     reverseReplication: protect() on this array toward the peer.
 * Sync (`type: 'sync'`, object = pod):
 *   - ActiveDR pod (one array, linked by a pod-replica-link): role from the pod's promotion_status;
 *     promote/demote via requested_promotion_state, polled with the injected sleep/now.
 *   - ActiveCluster pod (stretched, array_count > 1): writable on both arrays; promote/demote are
 *     no-ops after checking this array is online in the pod (Cinder `_sync_failover_host`).
 * Every method finds what an earlier call made (by name) before creating anything.
 */
import type { ArrayGroupStatus, ArrayRole } from '../../../discovery/types.js';
import { DrctlError } from '../../../errors.js';
import type { SnapshotRef, StorageDriver, StorageGroupRef, VolumeCopy } from '../driver.js';
import { PureClient, quoteFilter } from './client.js';
import { PureCode, isPureCode, isUnreachable, pureError } from './errors.js';
import {
  baseVolumeName,
  isStretched,
  type PureGroupMember,
  type PurePgSnapshotTransfer,
  type PurePod,
  type PurePodReplicaLink,
  type PureProtectionGroup,
  type PureVolume,
  type PureVolumeSnapshot,
} from './models.js';

/** Purity object names are 1-63 characters. */
export const MAX_NAME_LENGTH = 63;

export interface PureDriverOptions {
  site: string;
  client: PureClient;
  /**
   * The peer array's client. Used to allow a protection-group target on the peer (protect), to
   * check that an ActiveDR peer pod is demoted before a non-forced promote, and to detect split brain.
   * Never used to change the peer's roles.
   */
  peerClient?: PureClient;
  /** Injected sleep for polling (tests pass a fake; default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Injected clock for bounded waits (ms epoch). Lag uses the array's Date header instead. */
  now?: () => number;
  /** Bound on waiting for a pod promotion/demotion (default 10 min). */
  promotionTimeoutMs?: number;
  /** Poll interval while waiting (default 2 s). */
  pollIntervalMs?: number;
  /** Bound on waiting for a new target group to appear/allow on the peer (default 180 s, as Cinder). */
  propagationTimeoutMs?: number;
}

/** `<source-array>:<pg>`: the name a replicated protection group has on its target. */
export function replicatedGroupName(sourceArray: string, pg: string): string {
  return `${sourceArray}:${pg}`;
}

/** `<vol>-drill-<tag>`: an array drill clone of `vol` (pod prefix stripped). */
export function drillCloneName(volume: string, tag: string): string {
  return `${baseVolumeName(volume)}-drill-${tag}`;
}

/**
 * A valid pg snapshot suffix from an operation id: letters, digits and '-', starting and ending
 * alphanumeric, at most 63 characters. Deterministic, so a retried step finds its own snapshot.
 */
export function snapshotSuffix(opId: string): string {
  let s = opId.replace(/[^A-Za-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[A-Za-z]/.test(s)) s = `drctl-${s}`;
  s = s.slice(0, MAX_NAME_LENGTH).replace(/-+$/, '');
  return s || 'drctl';
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function iso(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

function isComplete(t: PurePgSnapshotTransfer): boolean {
  return !t.destroyed && t.completed !== null && (t.progress === null || t.progress >= 1);
}

/** Volume copies a promote has in flight at once. */
export const COPY_CONCURRENCY = 8;

/** map with at most `limit` calls in flight; every call settles before it fails (first error thrown). */
async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.err;
  return out;
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Newest first by completion (or start while running). */
function newestTransferFirst(a: PurePgSnapshotTransfer, b: PurePgSnapshotTransfer): number {
  return (b.completed ?? b.started ?? 0) - (a.completed ?? a.started ?? 0);
}

/** Names of live drill clones `<base>-drill-<tag>` whose base is in `bases` (all of them when empty). */
function drillNames(vols: PureVolume[], bases: Set<string>): string[] {
  return vols
    .filter((v) => bases.size === 0 || bases.has(v.name.slice(0, v.name.lastIndexOf('-drill-'))))
    .map((v) => v.name)
    .sort();
}

/** The array facts status() reads: per object (one group) or from bulk listings (statusMany). */
interface StatusReader {
  localGroup(pg: string): Promise<PureProtectionGroup | undefined>;
  inboundGroup(ref: StorageGroupRef): Promise<PureProtectionGroup | undefined>;
  targets(pg: string): Promise<PureGroupMember[]>;
  pgVolumes(pg: string): Promise<PureGroupMember[]>;
  transfersOf(group: string): Promise<{ items: PurePgSnapshotTransfer[]; date?: number }>;
  volumeSnapshotsOf(snap: string): Promise<Array<PureVolumeSnapshot & { base: string }>>;
  drillVolumesFor(bases: Set<string>): Promise<string[]>;
  pod(name: string): Promise<PurePod | undefined>;
  podLink(pod: string): Promise<PurePodReplicaLink | undefined>;
  /** Link lag (ms) from /pod-replica-links/lag when the link itself has none. */
  podLag(pod: string): Promise<number | null>;
  podVolumes(pod: string): Promise<PureVolume[]>;
  /** The peer array's pod (split-brain check); only asked when a peer client exists. */
  peerPod(name: string): Promise<PurePod | undefined>;
}

/** An array volume Cinder's Pure driver renamed when the volume was unmanaged. */
const UNMANAGED_COPY = /^volume-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-cinder-unmanaged$/;

export class PureDriver implements StorageDriver {
  readonly kind = 'pure' as const;
  readonly site: string;
  private readonly client: PureClient;
  private readonly peer?: PureClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly promotionTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly propagationTimeoutMs: number;

  constructor(opts: PureDriverOptions) {
    this.site = opts.site;
    this.client = opts.client;
    this.peer = opts.peerClient;
    this.sleep = opts.sleep ?? defaultSleep;
    this.now = opts.now ?? Date.now;
    this.promotionTimeoutMs = opts.promotionTimeoutMs ?? 600_000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2_000;
    this.propagationTimeoutMs = opts.propagationTimeoutMs ?? 180_000;
  }

  private details(ref: StorageGroupRef, extra: Record<string, unknown> = {}) {
    return { site: this.site, endpoint: this.client.endpoint, group: ref.group, object: ref.object, ...extra };
  }

  // ============================================================================ status

  arrayName(): Promise<string> {
    return this.client.arrayName();
  }

  async status(ref: StorageGroupRef): Promise<ArrayGroupStatus> {
    return this.statusWith(this.perObjectReader(), ref);
  }

  /**
   * Status of many groups from a few bulk listings, each fetched once and only if some group needs
   * it: protection groups, their targets and volumes, snapshot transfers, replicated volume
   * snapshots (`name='<peer>:*'`), pods, replica links (and their lag), pod volumes (`name='*::*'`),
   * drill clones (`name='*-drill-*'`), and the peer's pods for the split-brain check. Requests grow
   * with result pages, not with groups; the answers are those status() gives for each group.
   */
  async statusMany(refs: StorageGroupRef[]): Promise<Record<string, ArrayGroupStatus>> {
    const reader = this.bulkReader();
    const out: Record<string, ArrayGroupStatus> = {};
    await Promise.all(refs.map(async (ref) => (out[ref.group] = await this.statusWith(reader, ref))));
    return out;
  }

  private async statusWith(reader: StatusReader, ref: StorageGroupRef): Promise<ArrayGroupStatus> {
    try {
      return ref.type === 'sync' ? await this.podStatus(reader, ref) : await this.pgStatus(reader, ref);
    } catch (err) {
      if (!DrctlError.is(err)) throw err;
      return {
        reachable: !isUnreachable(err),
        error: { code: err.code, message: err.message },
        object: ref.object,
        exists: false,
        role: 'unknown',
        volumes: [],
        drillVolumes: [],
      };
    }
  }

  /** Today's per-object questions (one group at a time; also used by the operations below). */
  private perObjectReader(): StatusReader {
    return {
      localGroup: (pg) => this.localGroup(pg),
      inboundGroup: (ref) => this.inboundGroup(ref),
      targets: (pg) => this.client.getProtectionGroupTargets(pg),
      pgVolumes: (pg) => this.client.getProtectionGroupVolumes(pg),
      transfersOf: (group) => this.transfersOf(group),
      volumeSnapshotsOf: (snap) => this.volumeSnapshotsOf(snap),
      drillVolumesFor: (bases) => this.drillVolumesFor(bases),
      pod: (name) => this.getPod(name),
      podLink: (pod) => this.podLink(pod),
      podLag: async (pod) =>
        (await this.client.getPodReplicaLinksLag({ localPodNames: [pod] })).find((l) => !l.local_pod.name || l.local_pod.name === pod)?.lag ?? null,
      podVolumes: (pod) => this.podVolumes(pod),
      peerPod: (name) => this.getPod(name, this.peer),
    };
  }

  /** The same questions answered from whole listings, each fetched at most once (lazily). */
  private bulkReader(): StatusReader {
    const c = this.client;
    const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
      let p: Promise<T> | undefined;
      return () => (p ??= load());
    };
    const pgs = once(async () => new Map((await c.getProtectionGroups()).filter((g) => !g.destroyed).map((g) => [g.name, g] as const)));
    const byGroup = (items: PureGroupMember[]) => {
      const m = new Map<string, PureGroupMember[]>();
      for (const i of items) if (i.group.name) pushTo(m, i.group.name, i);
      return m;
    };
    const targets = once(async () => byGroup(await c.getProtectionGroupTargets()));
    const members = once(async () => byGroup(await c.getProtectionGroupVolumes()));
    const transfers = once(async () => {
      const r = await c.getProtectionGroupSnapshotTransfers({ destroyed: false });
      const m = new Map<string, PurePgSnapshotTransfer[]>();
      for (const t of r.items) {
        const dot = t.name.indexOf('.');
        if (dot > 0 && !t.destroyed) pushTo(m, t.name.slice(0, dot), t);
      }
      for (const l of m.values()) l.sort(newestTransferFirst);
      return { m, date: r.date };
    });
    // Replicated volume snapshots `<src>:<pg>.<suffix>.<vol>`, by pg snapshot `<src>:<pg>.<suffix>`.
    const replicatedSnaps = new Map<string, () => Promise<Map<string, Array<PureVolumeSnapshot & { base: string }>>>>();
    const snapsFrom = (source: string) => {
      let load = replicatedSnaps.get(source);
      if (!load) {
        load = once(async () => {
          const m = new Map<string, Array<PureVolumeSnapshot & { base: string }>>();
          for (const s of await c.getVolumeSnapshots({ filter: `name=${quoteFilter(`${source}:*`)}` })) {
            const first = s.name.indexOf('.');
            const second = first < 0 ? -1 : s.name.indexOf('.', first + 1);
            if (second < 0 || s.destroyed) continue;
            const snap = s.name.slice(0, second);
            pushTo(m, snap, { ...s, base: s.name.slice(second + 1) });
          }
          return m;
        });
        replicatedSnaps.set(source, load);
      }
      return load;
    };
    const drills = once(async () => (await c.getVolumes({ filter: `name=${quoteFilter('*-drill-*')}` })).filter((v) => !v.destroyed && v.name.includes('-drill-')));
    const pods = once(async () => new Map((await c.getPods()).filter((p) => !p.destroyed).map((p) => [p.name, p] as const)));
    const links = once(async () => c.getPodReplicaLinks());
    const lags = once(async () => c.getPodReplicaLinksLag());
    const podVols = once(async () => {
      const m = new Map<string, PureVolume[]>();
      for (const v of await c.getVolumes({ filter: `name=${quoteFilter('*::*')}` })) {
        if (v.destroyed) continue;
        const pod = v.pod.name ?? v.name.slice(0, v.name.indexOf('::'));
        pushTo(m, pod, v);
      }
      return m;
    });
    const peerPods = once(async () => new Map((await this.peer!.getPods()).filter((p) => !p.destroyed).map((p) => [p.name, p] as const)));
    return {
      localGroup: async (pg) => (await pgs()).get(pg),
      inboundGroup: async (ref) => {
        const all = await pgs();
        if (ref.peer) return all.get(replicatedGroupName(ref.peer, ref.object));
        const me = await c.arrayName();
        return [...all.values()].find((g) => g.name.endsWith(`:${ref.object}`) && !g.name.startsWith(`${me}:`));
      },
      targets: async (pg) => (await targets()).get(pg) ?? [],
      pgVolumes: async (pg) => (await members()).get(pg) ?? [],
      transfersOf: async (group) => {
        const t = await transfers();
        return { items: t.m.get(group) ?? [], date: t.date };
      },
      volumeSnapshotsOf: async (snap) => {
        const colon = snap.indexOf(':');
        // Only replicated snapshots are asked about (role target); anything else one at a time.
        if (colon <= 0) return this.volumeSnapshotsOf(snap);
        return (await snapsFrom(snap.slice(0, colon))()).get(snap) ?? [];
      },
      drillVolumesFor: async (bases) => drillNames(await drills(), bases),
      pod: async (name) => (await pods()).get(name),
      podLink: async (pod) => (await links()).find((l) => l.local_pod.name === pod),
      podLag: async (pod) => (await lags()).find((l) => l.local_pod.name === pod)?.lag ?? null,
      podVolumes: async (pod) => (await podVols()).get(pod) ?? [],
      peerPod: async (name) => (await peerPods()).get(name),
    };
  }

  private async localGroup(pg: string): Promise<PureProtectionGroup | undefined> {
    const groups = await this.client.getProtectionGroups({ names: [pg] });
    return groups.find((g) => g.name === pg && !g.destroyed);
  }

  /** The replicated group `<peer>:<pg>` on this array (found by suffix when the peer name is unknown). */
  private async inboundGroup(ref: StorageGroupRef): Promise<PureProtectionGroup | undefined> {
    if (ref.peer) {
      const name = replicatedGroupName(ref.peer, ref.object);
      return (await this.client.getProtectionGroups({ names: [name] })).find((g) => g.name === name && !g.destroyed);
    }
    const me = await this.client.arrayName();
    const all = await this.client.getProtectionGroups({ filter: `name=${quoteFilter(`*:${ref.object}`)}` });
    return all.find((g) => g.name.endsWith(`:${ref.object}`) && !g.name.startsWith(`${me}:`) && !g.destroyed);
  }

  /** Transfers of snapshots of `group` (`group.<suffix>`), newest first by completion/start. */
  private async transfersOf(group: string): Promise<{ items: PurePgSnapshotTransfer[]; date?: number }> {
    const r = await this.client.getProtectionGroupSnapshotTransfers({ sourceNames: [group], destroyed: false });
    const items = r.items.filter((t) => t.name.startsWith(`${group}.`) && !t.destroyed).sort(newestTransferFirst);
    return { items, date: r.date };
  }

  private async drillVolumesFor(bases: Set<string>): Promise<string[]> {
    const vols = await this.client.getVolumes({ filter: `name=${quoteFilter('*-drill-*')}` });
    return drillNames(vols.filter((v) => !v.destroyed && v.name.includes('-drill-')), bases);
  }

  private async pgStatus(reader: StatusReader, ref: StorageGroupRef): Promise<ArrayGroupStatus> {
    const pg = ref.object;
    const [local, inbound] = await Promise.all([reader.localGroup(pg), reader.inboundGroup(ref)]);
    let role: ArrayRole = 'none';
    let health: string | undefined;
    let volumes: string[] = [];
    let transfersGroup: string | undefined;

    if (local) {
      const targets = await reader.targets(pg);
      const enabled = local.replication_schedule.enabled;
      const hasTarget = targets.length > 0 || (local.target_count ?? 0) > 0;
      volumes = (await reader.pgVolumes(pg)).map((m) => m.member.name ?? '').filter(Boolean);
      if (hasTarget && enabled) {
        role = 'source';
        transfersGroup = pg;
        const notAllowed = targets.filter((t) => t.allowed === false).map((t) => t.member.name);
        health = notAllowed.length ? `target not allowed on ${notAllowed.join(', ')}` : 'replicating';
      } else {
        health = hasTarget ? 'replication disabled' : 'no replication target';
      }
    }
    if (role !== 'source' && inbound) {
      role = 'target';
      transfersGroup = inbound.name;
      health = 'receiving';
    }

    const out: ArrayGroupStatus = {
      reachable: true,
      object: role === 'target' && inbound ? inbound.name : pg,
      exists: !!local || !!inbound,
      role,
      volumes,
      drillVolumes: [],
      ...(health ? { health } : {}),
    };

    if (transfersGroup) {
      const { items, date } = await reader.transfersOf(transfersGroup);
      const done = items.filter(isComplete).sort((a, b) => (b.completed ?? 0) - (a.completed ?? 0))[0];
      const running = items.filter((t) => !isComplete(t)).sort((a, b) => (b.started ?? 0) - (a.started ?? 0))[0];
      if (done) {
        out.lastReplicatedAt = iso(done.completed);
        out.lastReplicatedSnapshot = done.name;
        const arrayNow = date ?? this.client.lastResponseDate ?? this.now();
        out.lagSeconds = Math.max(0, Math.floor((arrayNow - (done.completed ?? arrayNow)) / 1000));
      }
      if (running) out.transferProgress = running.progress ?? 0;
      if (role === 'target' && done) {
        const snaps = await reader.volumeSnapshotsOf(done.name);
        out.volumes = snaps.map((s) => s.base).sort();
      }
    }
    const bases = new Set([...ref.volumes.map(baseVolumeName), ...out.volumes.map(baseVolumeName)]);
    out.drillVolumes = await reader.drillVolumesFor(bases);
    return out;
  }

  private async getPod(name: string, client = this.client): Promise<PurePod | undefined> {
    return (await client.getPods({ names: [name] })).find((p) => p.name === name && !p.destroyed);
  }

  private async podLink(pod: string): Promise<PurePodReplicaLink | undefined> {
    return (await this.client.getPodReplicaLinks({ localPodNames: [pod] })).find((l) => !l.local_pod.name || l.local_pod.name === pod);
  }

  /**
   * ActiveCluster (stretched: both arrays serve, no promotion) or ActiveDR (promotion per side).
   * A pod with a replica link is treated as ActiveDR even when it lists two arrays: the link is what
   * carries promotion semantics (and the mock reports linked pods with both arrays).
   */
  private podMode(pod: PurePod, link: PurePodReplicaLink | undefined): 'activecluster' | 'activedr' {
    return isStretched(pod) && !link ? 'activecluster' : 'activedr';
  }

  private async podVolumes(pod: string): Promise<PureVolume[]> {
    const vols = await this.client.getVolumes({ filter: `pod.name=${quoteFilter(pod)}` });
    return vols.filter((v) => !v.destroyed && (v.pod.name === pod || v.name.startsWith(`${pod}::`)));
  }

  private async podStatus(reader: StatusReader, ref: StorageGroupRef): Promise<ArrayGroupStatus> {
    const pod = await reader.pod(ref.object);
    if (!pod) {
      return { reachable: true, object: ref.object, exists: false, role: 'none', volumes: [], drillVolumes: await reader.drillVolumesFor(new Set(ref.volumes.map(baseVolumeName))) };
    }
    const vols = (await reader.podVolumes(pod.name)).map((v) => v.name).sort();
    const bases = new Set([...ref.volumes.map(baseVolumeName), ...vols.map(baseVolumeName)]);
    const out: ArrayGroupStatus = { reachable: true, object: pod.name, exists: true, role: 'unknown', volumes: vols, drillVolumes: [] };

    const link = await reader.podLink(pod.name);
    if (this.podMode(pod, link) === 'activecluster') {
      // ActiveCluster: both arrays serve the pod synchronously (RPO 0).
      out.role = 'source';
      out.activeActive = true;
      out.health = `stretched: ${pod.arrays.map((a) => `${a.name} ${a.status ?? 'unknown'}`).join(', ')}`;
      if (pod.arrays.every((a) => a.status === 'online')) out.lagSeconds = 0;
    } else {
      let lagMs = link?.lag ?? null;
      if (link && lagMs === null) lagMs = await reader.podLag(pod.name);
      if (lagMs !== null) out.lagSeconds = lagMs / 1000;
      if (link?.recovery_point) out.lastReplicatedAt = iso(link.recovery_point);
      out.health = link?.status ?? undefined;
      const ps = pod.promotion_status;
      out.role = ps === 'promoted' ? 'source' : ps === 'demoted' ? 'target' : 'unknown';
      if (ps === 'promoting') out.health = 'promoting';
      if (ps === 'promoted' && this.peer) {
        const peerPodName = link?.remote_pod.name ?? ref.object;
        try {
          const peerPod = await reader.peerPod(peerPodName);
          if (peerPod && peerPod.promotion_status === 'promoted') {
            out.role = 'split-brain';
            out.health = `split-brain: pod ${peerPodName} is also promoted on the peer`;
          }
        } catch (err) {
          // An unreachable peer is not evidence of split brain; discovery reports the peer itself.
          if (!DrctlError.is(err)) throw err;
        }
      }
    }
    out.drillVolumes = await reader.drillVolumesFor(bases);
    return out;
  }

  // ============================================================================ protect

  async protect(ref: StorageGroupRef): Promise<void> {
    if (ref.type === 'sync') return this.protectPod(ref);
    const c = this.client;
    const pg = ref.object;
    if (!ref.peer) {
      throw pureError(PureCode.refIncomplete, `${this.site}: cannot protect ${pg}: the peer array's name is unknown`, this.details(ref));
    }
    let group = (await c.getProtectionGroups({ names: [pg] })).find((g) => g.name === pg);
    if (group?.destroyed) {
      group = await c.patchProtectionGroup(pg, { destroyed: false });
    } else if (!group) {
      group = await this.tolerateExists(() => c.createProtectionGroup(pg), async () => (await c.getProtectionGroups({ names: [pg] }))[0]);
    }

    const wanted = [...new Set(ref.volumes)];
    if (wanted.length) {
      const members = new Set((await c.getProtectionGroupVolumes(pg)).map((m) => m.member.name));
      const missing = wanted.filter((v) => !members.has(v));
      if (missing.length) await this.tolerateExists(() => c.addProtectionGroupVolumes(pg, missing), async () => []);
    }

    if (ref.intervalSeconds && group?.replication_schedule.frequency !== ref.intervalSeconds * 1000) {
      group = await c.patchProtectionGroup(pg, { replication_schedule: { frequency: ref.intervalSeconds * 1000 } });
    }

    let target = (await c.getProtectionGroupTargets(pg)).find((t) => t.member.name === ref.peer);
    if (!target) {
      await this.tolerateExists(() => c.addProtectionGroupTargets(pg, [ref.peer!]), async () => []);
      target = (await c.getProtectionGroupTargets(pg)).find((t) => t.member.name === ref.peer);
    }
    if (target && target.allowed === false && this.peer) await this.allowOnPeer(ref);

    if (!group?.replication_schedule.enabled) {
      await c.patchProtectionGroup(pg, { replication_schedule: { enabled: true } });
    }
  }

  /** Cinder `_setup_replicated_pgroups`: wait for `<me>:<pg>` on the peer, allow it there, wait for the source to see it. */
  private async allowOnPeer(ref: StorageGroupRef): Promise<void> {
    const peer = this.peer!;
    const me = await this.client.arrayName();
    const onPeer = replicatedGroupName(me, ref.object);
    await this.waitFor(
      async () => (await peer.getProtectionGroups({ names: [onPeer] })).some((g) => g.name === onPeer),
      this.propagationTimeoutMs,
      () => pureError(PureCode.targetNotAllowed, `${this.site}: ${onPeer} did not appear on the peer array within ${this.propagationTimeoutMs / 1000}s`, this.details(ref)),
    );
    await this.tolerateExists(() => peer.allowProtectionGroupTarget(onPeer, true), async () => []);
    await this.waitFor(
      async () => (await this.client.getProtectionGroupTargets(ref.object)).some((t) => t.member.name === ref.peer && t.allowed !== false),
      this.propagationTimeoutMs,
      () => pureError(PureCode.targetNotAllowed, `${this.site}: ${ref.peer} still does not allow replication of ${ref.object}`, this.details(ref)),
    );
  }

  private async protectPod(ref: StorageGroupRef): Promise<void> {
    const c = this.client;
    const name = ref.object;
    let pod = await this.getPod(name);
    if (!pod) pod = await this.tolerateExists(() => c.createPod(name), async () => (await c.getPods({ names: [name] }))[0]);
    const present = new Set((await this.podVolumes(name)).map((v) => baseVolumeName(v.name)));
    for (const v of ref.volumes) {
      const base = baseVolumeName(v);
      if (!present.has(base)) await c.patchVolumes([base], { pod: { name } });
    }
    const link = await this.podLink(name);
    if (link || (pod && isStretched(pod)) || !ref.peer) return;
    if (this.peer && !(await this.getPod(name, this.peer))) {
      await this.tolerateExists(() => this.peer!.createPod(name), async () => undefined);
    }
    await this.tolerateExists(() => c.createPodReplicaLink(name, ref.peer!, name), async () => undefined);
  }

  // ============================================================================ final sync

  async snapshotAndReplicate(ref: StorageGroupRef, suffix: string): Promise<SnapshotRef | null> {
    if (ref.type === 'sync') return null;
    const pg = ref.object;
    const sfx = snapshotSuffix(suffix);
    const name = `${pg}.${sfx}`;
    const find = async () =>
      (await this.client.getProtectionGroupSnapshots({ names: [name] })).find((s) => s.name === name && !s.destroyed);
    const existing = await find();
    if (existing) return { name, created: existing.created ?? undefined };
    const made = await this.tolerateExists(
      () => this.client.createProtectionGroupSnapshot(pg, { suffix: sfx, replicateNow: true }),
      async () => find(),
    );
    if (!made) throw pureError(PureCode.rejected, `${this.site}: snapshot ${name} reported as existing but cannot be found`, this.details(ref));
    return { name: made.name || name, created: made.created ?? undefined };
  }

  async transferProgress(ref: StorageGroupRef, snapshot: string): Promise<number> {
    if (ref.type === 'sync') return 1;
    const candidates = [snapshot];
    if (ref.peer && !snapshot.includes(':')) candidates.push(replicatedGroupName(ref.peer, snapshot));
    for (const name of candidates) {
      const { items } = await this.client.getProtectionGroupSnapshotTransfers({ names: [name] });
      const t = items.find((x) => x.name === name);
      if (t) return isComplete(t) ? 1 : Math.min(1, Math.max(0, t.progress ?? 0));
    }
    throw pureError(PureCode.transferNotFound, `${this.site}: no transfer record for snapshot ${snapshot}`, this.details(ref, { snapshot }));
  }

  // ============================================================================ promote / demote

  async promote(ref: StorageGroupRef, opts: { force: boolean; snapshot?: string }): Promise<VolumeCopy[]> {
    return ref.type === 'sync' ? this.promotePod(ref, opts.force) : this.promoteFromSnapshot(ref, opts.snapshot);
  }

  /** The newest completely replicated snapshot of the inbound group (or the named one). */
  private async replicatedSnapshot(ref: StorageGroupRef, named?: string): Promise<string> {
    const inbound = await this.inboundGroup(ref);
    if (!inbound) {
      throw pureError(
        PureCode.objectMissing,
        `${this.site}: no replicated protection group ${ref.peer ? replicatedGroupName(ref.peer, ref.object) : `*:${ref.object}`} on this array`,
        this.details(ref),
        { hint: 'Protect the group first; the peer must replicate to this array.' },
      );
    }
    const { items } = await this.transfersOf(inbound.name);
    if (named) {
      const sfx = named.includes('.') ? named.slice(named.indexOf('.') + 1) : named;
      const want = `${inbound.name}.${sfx}`;
      const t = items.find((x) => x.name === want);
      if (!t || !isComplete(t)) {
        throw pureError(
          PureCode.snapshotNotReady,
          `${this.site}: snapshot ${want} ${t ? `is not completely replicated (progress ${t.progress ?? 0})` : 'does not exist on this array'}`,
          this.details(ref, { snapshot: want }),
        );
      }
      return want;
    }
    const done = items.filter(isComplete).sort((a, b) => (b.completed ?? 0) - (a.completed ?? 0))[0];
    if (!done) {
      throw pureError(PureCode.noReplicatedSnapshot, `${this.site}: no completely replicated snapshot of ${inbound.name} on this array`, this.details(ref), {
        hint: 'Wait for the first replication to complete (drctl status shows the transfer).',
      });
    }
    return done.name;
  }

  /** Volume snapshots `<snap>.<vol>` of a pg snapshot, with `base` = `<vol>`. */
  private async volumeSnapshotsOf(snap: string): Promise<Array<PureVolumeSnapshot & { base: string }>> {
    const list = await this.client.getVolumeSnapshots({ filter: `name=${quoteFilter(`${snap}.*`)}` });
    return list
      .filter((s) => s.name.startsWith(`${snap}.`) && !s.destroyed)
      .map((s) => ({ ...s, base: s.name.slice(snap.length + 1) }));
  }

  /** Pick the volume snapshots for the wanted volumes; a missing one is an error, never a silent skip. */
  private async pickVolumeSnapshots(ref: StorageGroupRef, snap: string) {
    const snaps = await this.volumeSnapshotsOf(snap);
    const byBase = new Map(snaps.map((s) => [s.base, s]));
    const wanted = ref.volumes.length ? [...new Set(ref.volumes.map(baseVolumeName))] : [...byBase.keys()].sort();
    const missing = wanted.filter((w) => !byBase.has(w));
    if (missing.length || wanted.length === 0) {
      throw pureError(
        PureCode.snapshotIncomplete,
        `${this.site}: snapshot ${snap} has no volume snapshot for ${missing.length ? missing.join(', ') : 'any volume'}`,
        this.details(ref, { snapshot: snap, missing }),
      );
    }
    return wanted.map((w) => byBase.get(w)!);
  }

  private async promoteFromSnapshot(ref: StorageGroupRef, named?: string): Promise<VolumeCopy[]> {
    const snap = await this.replicatedSnapshot(ref, named);
    const picks = await this.pickVolumeSnapshots(ref, snap);
    // The copies are independent: a few at a time (one round trip for a group of 10 members, not 12),
    // each finishing before the step reports; results in the snapshot's order.
    return mapLimited(picks, COPY_CONCURRENCY, async (s) => {
      // overwrite=true: re-running after a crash re-copies the same snapshot (as Cinder's failover does).
      const v = await this.client.copyVolume(s.base, s.name, { overwrite: true });
      return { name: s.base, source: s.base, ...(v.provisioned ?? s.provisioned ? { size: (v.provisioned ?? s.provisioned)! } : {}) };
    });
  }

  private async promotePod(ref: StorageGroupRef, force: boolean): Promise<VolumeCopy[]> {
    const pod = await this.getPod(ref.object);
    if (!pod) throw pureError(PureCode.objectMissing, `${this.site}: pod ${ref.object} does not exist on this array`, this.details(ref));
    const link = await this.podLink(pod.name);
    if (this.podMode(pod, link) === 'activecluster') {
      const me = await this.client.arrayName();
      const mine = pod.arrays.find((a) => a.name === me);
      if (!mine || mine.status !== 'online') {
        throw pureError(PureCode.podOffline, `${this.site}: stretched pod ${pod.name} is ${mine?.status ?? 'not present'} on ${me}`, this.details(ref));
      }
      return this.podCopies(pod.name);
    }
    if (pod.promotion_status !== 'promoted') {
      if (!force) await this.assertPeerDemoted(ref, pod, link);
      if (pod.requested_promotion_state !== 'promoted') await this.client.setPodPromotion(pod.name, 'promoted');
      await this.waitPromotion(ref, pod.name, 'promoted');
    }
    return this.podCopies(pod.name);
  }

  private async podCopies(pod: string): Promise<VolumeCopy[]> {
    return (await this.podVolumes(pod))
      .map((v) => ({ name: v.name, source: v.name, ...(v.provisioned !== null ? { size: v.provisioned } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A non-forced promote needs the peer cleanly demoted: peer pod demoted, or the link quiesced/idle. */
  private async assertPeerDemoted(ref: StorageGroupRef, pod: PurePod, link: PurePodReplicaLink | undefined): Promise<void> {
    if (this.peer) {
      try {
        const peerPod = await this.getPod(link?.remote_pod.name ?? pod.name, this.peer);
        if (peerPod?.promotion_status === 'demoted') return;
        if (peerPod?.promotion_status === 'promoted') {
          throw pureError(PureCode.peerNotDemoted, `${this.site}: refusing to promote pod ${pod.name}: the peer's pod ${peerPod.name} is still promoted`, this.details(ref), {
            hint: 'Demote the peer first (planned failover) or run an unplanned failover, which forces promotion.',
          });
        }
      } catch (err) {
        if (isPureCode(err, PureCode.peerNotDemoted) || !DrctlError.is(err)) throw err;
      }
    }
    if (!link || link.status === 'quiesced' || link.status === 'idle') return;
    throw pureError(
      PureCode.peerNotDemoted,
      `${this.site}: refusing to promote pod ${pod.name}: its replica link is ${link.status ?? 'in an unknown state'}, so the peer was not cleanly demoted`,
      this.details(ref, { linkStatus: link.status }),
      { hint: 'Demote the peer with quiesce first (planned failover), or run an unplanned failover, which forces promotion.' },
    );
  }

  private async waitPromotion(ref: StorageGroupRef, pod: string, want: 'promoted' | 'demoted'): Promise<void> {
    await this.waitFor(
      async () => (await this.getPod(pod))?.promotion_status === want,
      this.promotionTimeoutMs,
      () =>
        pureError(PureCode.promotionTimeout, `${this.site}: pod ${pod} not ${want} after ${Math.round(this.promotionTimeoutMs / 1000)}s`, this.details(ref), {
          hint: 'Check the pod and its replica link on the array; re-run apply to keep waiting.',
        }),
    );
  }

  async demote(ref: StorageGroupRef, opts: { force?: boolean } = {}): Promise<void> {
    if (ref.type === 'sync') {
      const pod = await this.getPod(ref.object);
      // A stretched (ActiveCluster) pod cannot be demoted; nothing to do for a missing pod.
      if (!pod || pod.promotion_status === 'demoted') return;
      if (this.podMode(pod, await this.podLink(pod.name)) === 'activecluster') return;
      if (pod.requested_promotion_state !== 'demoted') {
        await this.client.setPodPromotion(pod.name, 'demoted', opts.force ? { skipQuiesce: true } : { quiesce: true });
      }
      await this.waitPromotion(ref, pod.name, 'demoted');
      return;
    }
    const pg = await this.localGroup(ref.object);
    if (pg?.replication_schedule.enabled) {
      await this.client.patchProtectionGroup(ref.object, { replication_schedule: { enabled: false } });
    }
  }

  // ============================================================================ drills

  private async clonesWithTag(tag: string): Promise<PureVolume[]> {
    const suffix = `-drill-${tag}`;
    const vols = await this.client.getVolumes({ filter: `name=${quoteFilter(`*${suffix}`)}` });
    return vols.filter((v) => v.name.endsWith(suffix));
  }

  async cloneForDrill(ref: StorageGroupRef, tag: string): Promise<VolumeCopy[]> {
    let sources: Array<{ base: string; from: string; size?: number }>;
    if (ref.type === 'sync') {
      const pod = await this.getPod(ref.object);
      if (!pod) throw pureError(PureCode.objectMissing, `${this.site}: pod ${ref.object} does not exist on this array`, this.details(ref));
      const vols = await this.podVolumes(pod.name);
      const wanted = ref.volumes.length ? new Set(ref.volumes.map(baseVolumeName)) : undefined;
      sources = vols
        .filter((v) => !wanted || wanted.has(baseVolumeName(v.name)))
        .map((v) => ({ base: baseVolumeName(v.name), from: v.name, ...(v.provisioned !== null ? { size: v.provisioned } : {}) }));
    } else {
      const snap = await this.replicatedSnapshot(ref);
      sources = (await this.pickVolumeSnapshots(ref, snap)).map((s) => ({ base: s.base, from: s.name, ...(s.provisioned !== null ? { size: s.provisioned } : {}) }));
    }
    for (const s of sources) {
      const name = drillCloneName(s.base, tag);
      if (name.length > MAX_NAME_LENGTH) {
        throw pureError(PureCode.nameTooLong, `${this.site}: drill clone name ${name} is ${name.length} characters; Purity allows ${MAX_NAME_LENGTH}`, this.details(ref, { tag }), {
          hint: `Use a drill tag of at most ${MAX_NAME_LENGTH - s.base.length - '-drill-'.length} characters.`,
        });
      }
    }
    const existing = new Map((await this.clonesWithTag(tag)).map((v) => [v.name, v]));
    const out: VolumeCopy[] = [];
    for (const s of sources) {
      const name = drillCloneName(s.base, tag);
      const ex = existing.get(name);
      if (!ex || ex.destroyed) {
        // A destroyed leftover of the same name would block the copy: eradicate it first.
        if (ex?.destroyed) await this.client.eradicateVolumes([name]);
        await this.tolerateExists(() => this.client.copyVolume(name, s.from), async () => undefined);
      }
      out.push({ name, source: s.base, ...(s.size !== undefined ? { size: s.size } : {}) });
    }
    return out;
  }

  async removeDrillClones(ref: StorageGroupRef, tag: string): Promise<string[]> {
    const clones = await this.clonesWithTag(tag);
    const live = clones.filter((v) => !v.destroyed).map((v) => v.name).sort();
    if (live.length) await this.client.patchVolumes(live, { destroyed: true });
    const all = clones.map((v) => v.name);
    if (all.length) {
      try {
        await this.client.eradicateVolumes(all);
      } catch (err) {
        // SafeMode arrays refuse manual eradication; destroyed volumes are gone for users and
        // eradicate themselves after the array's delay.
        if (!(isPureCode(err, PureCode.rejected) || isPureCode(err, PureCode.forbidden) || isPureCode(err, PureCode.notFound))) throw err;
      }
    }
    const remaining = (await this.clonesWithTag(tag)).filter((v) => !v.destroyed).map((v) => v.name);
    if (remaining.length) {
      throw pureError(PureCode.drillCloneRemains, `${this.site}: drill clones still present after removal: ${remaining.join(', ')}`, this.details(ref, { tag, remaining }));
    }
    return live;
  }

  // ============================================================================ unmanaged copies

  /**
   * Destroys the group's old production volumes that Cinder unmanaged on this array: Cinder's Pure
   * driver renames an unmanaged volume `volume-<id>-cinder-unmanaged`, and drctl unmanages the old
   * source's volumes when it retires them after a move. Only members of the group's protection group
   * with exactly that name shape are touched; they are destroyed, not eradicated (the array eradicates
   * them after its eradication delay, 24 h by default; until then they can be recovered).
   */
  async removeUnmanaged(ref: StorageGroupRef): Promise<string[]> {
    if (ref.type !== 'async') return [];
    const members = await this.client.getProtectionGroupVolumes(ref.object);
    const names = members.map((m) => m.member.name ?? '').filter((n) => UNMANAGED_COPY.test(n));
    if (!names.length) return [];
    const live = (await this.client.getVolumes({ names })).filter((v) => !v.destroyed).map((v) => v.name).sort();
    if (live.length) await this.client.patchVolumes(live, { destroyed: true });
    return live;
  }

  // ============================================================================ reverse

  async reverseReplication(ref: StorageGroupRef): Promise<void> {
    if (ref.type === 'async') return this.protect(ref);
    const pod = await this.getPod(ref.object);
    if (!pod) throw pureError(PureCode.objectMissing, `${this.site}: pod ${ref.object} does not exist on this array`, this.details(ref));
    const link = await this.podLink(pod.name);
    if (this.podMode(pod, link) === 'activecluster') return;
    if (link) {
      // ActiveDR reverses the link's direction by itself once this pod is promoted and the peer demoted.
      if (link.paused || link.status === 'paused') {
        await this.client.patchPodReplicaLink(pod.name, link.remote_pod.name ?? pod.name, { paused: false });
      }
      return;
    }
    if (!ref.peer) throw pureError(PureCode.refIncomplete, `${this.site}: cannot link pod ${pod.name}: the peer array's name is unknown`, this.details(ref));
    await this.tolerateExists(() => this.client.createPodReplicaLink(pod.name, ref.peer!, pod.name), async () => undefined);
  }

  // ============================================================================ helpers

  /** Run a create; an "already exists" answer (a lost race or a retried request) resolves via `fallback`. */
  private async tolerateExists<T, F>(create: () => Promise<T>, fallback: () => Promise<F>): Promise<T | F> {
    try {
      return await create();
    } catch (err) {
      if (isPureCode(err, PureCode.alreadyExists)) return fallback();
      throw err;
    }
  }

  /** Poll `check` with the injected sleep until true or `timeoutMs` elapsed on the injected clock. */
  private async waitFor(check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (this.now() >= deadline) throw onTimeout();
      await this.sleep(Math.min(this.pollIntervalMs, Math.max(1, deadline - this.now())));
    }
  }
}
