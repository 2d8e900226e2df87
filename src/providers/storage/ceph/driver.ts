/**
 * CephDriver: StorageDriver for one Ceph cluster (one site) with RBD mirroring, through the rbd CLI.
 *
 * Mapping (StorageGroupRef → Ceph):
 *   object  = the RBD pool (spec site storage `pool`), shared by many groups: drctl never uses the
 *             pool-level `mirror pool promote/demote`, only per-image commands on the group's images;
 *   volumes = the group's image names in that pool (Cinder RBD: `volume-<id>`);
 *   peer    = the peer site's name as `rbd mirror pool info` lists it (site_name).
 *
 * Semantics (../shared/labs/ceph/REPORT.md, ../shared/api-notes/storage.md §B):
 *   status      one `mirror pool status --verbose` + one `ls` per pool, for any number of groups;
 *               `rbd info` only for images whose role the status cannot prove (daemon down, in transition);
 *   protect     `mirror image enable IMG journal|snapshot` (+ a mirror snapshot schedule from intervalSeconds);
 *   final sync  snapshot mode: `mirror image snapshot` per image; journal mode: nothing (null);
 *   promote     planned: plain `promote`, retried while rbd answers EBUSY ("demotion is not propagated
 *               yet") until the peer's demotion has been replayed, never --force; unplanned (force):
 *               `promote --force`; both then wait for the local rbd-mirror to settle (up+stopped);
 *   demote      `mirror image demote` of the images that are primary here (fencing uses it too);
 *   resync      separate and explicit: only when the caller names this site as the side to discard;
 *   drill       a full copy (`rbd cp`) of the non-primary image, pinned to its latest complete mirror
 *               snapshot (Pacific cannot snapshot a non-primary image nor clone a mirror snapshot);
 *   reverse     two-way rbd-mirror replicates back by itself: verify the peer replays.
 * Waits poll with the injected sleep/now, bounded generously (transitions ~60 s, a forced promote
 * settles in up to ~2 min, status lags up to ~35 s on the lab).
 */
import type { ArrayGroupStatus } from '../../../discovery/types.js';
import { DrctlError } from '../../../errors.js';
import type { SnapshotRef, StorageDriver, StorageGroupRef, VolumeCopy } from '../driver.js';
import { CephCode, cephError, isCephCode, isUnreachable, Errno } from './errors.js';
import type { ImageInfo, ImageMirrorStatus, ImageSnapshot, PoolMirrorInfo, PoolMirrorStatus } from './parse.js';
import { parseDescription, scheduleIntervalFor, scheduleIntervalSeconds } from './parse.js';
import type { MirrorMode, RbdCli } from './rbd.js';
import { aggregateGroup, evaluateImage, roleFromStatus, type ImageView } from './state.js';

export interface CephDriverOptions {
  site: string;
  rbd: RbdCli;
  /** The site's mirrored pool (spec `pool`): where arrayName() reads the cluster's mirroring site name. */
  pool?: string;
  /** Injected sleep for polling (tests pass a fake; default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Injected clock (ms epoch): bounded waits and lag. */
  now?: () => number;
  /** Poll interval while waiting (default 2 s; the longest one when `firstPollIntervalMs` is set). */
  pollIntervalMs?: number;
  /**
   * First interval of a wait (promote's EBUSY retries, settling, replay): each next one is 1.5×
   * longer, up to `pollIntervalMs`. A demotion replays and a promote settles in 1-6 s on the stack
   * lab, so short first polls see it without losing up to a whole interval. Default: fixed intervals.
   */
  firstPollIntervalMs?: number;
  /** Planned promote: how long EBUSY (peer not yet cleanly demoted) is retried (default 180 s). */
  promoteTimeoutMs?: number;
  /** After a promote, how long to wait for the local rbd-mirror to settle to up+stopped (default 300 s). */
  settleTimeoutMs?: number;
  /** Resync: how long to wait for the re-created image to replay (default 600 s). */
  resyncTimeoutMs?: number;
  /** reverseReplication: how long to wait for the peer to replay (default 180 s). */
  reverseTimeoutMs?: number;
  /** Drill copy: how long to wait for an in-flight mirror snapshot sync to finish (default 600 s). */
  drillIdleTimeoutMs?: number;
  /** Drill copy attempts when the mirror snapshot changed during the copy (default 3). */
  drillCopyAttempts?: number;
  /** Features of drill copies (default layering,exclusive-lock,object-map,fast-diff; never journaling). */
  drillFeatures?: string[];
  /** Parallel `rbd info` calls when the status cannot tell a role (default 4). */
  infoConcurrency?: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<image>-drill-<tag>`: an RBD drill copy of `image`. */
export function drillImageName(image: string, tag: string): string {
  return `${image}-drill-${tag}`;
}

/** Image-meta keys drctl writes on drill copies. */
export const DRILL_META = {
  tag: 'drctl.drill-tag',
  group: 'drctl.group',
  source: 'drctl.drill-source',
  sourceSnapshot: 'drctl.drill-source-snapshot',
  complete: 'drctl.drill-complete',
} as const;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface StatusBatch {
  refs: StorageGroupRef[];
  waiters: Array<{ resolve: (s: ArrayGroupStatus) => void; reject: (e: unknown) => void }>;
}

/** `<label>@<epoch seconds>`: the final-sync point of a group (oldest of its images' new mirror snapshots). */
export function encodeSyncPoint(label: string, epochSeconds: number): string {
  return `${label}@${epochSeconds}`;
}

export function decodeSyncPoint(name: string): number | undefined {
  const m = /@(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function modeOf(ref: StorageGroupRef): MirrorMode {
  return ref.mirrorMode ?? (ref.type === 'sync' ? 'journal' : 'snapshot');
}

/** Latest complete non-primary mirror snapshot, and whether a newer one is still syncing. */
function mirrorPin(snaps: ImageSnapshot[]): { complete?: ImageSnapshot; syncing: boolean } {
  const mirror = snaps.filter((s) => s.namespace.type === 'mirror').sort((a, b) => a.id - b.id);
  const complete = mirror.filter((s) => s.namespace.complete !== false).at(-1);
  const syncing = mirror.some((s) => s.namespace.complete === false && (!complete || s.id > complete.id));
  return { ...(complete ? { complete } : {}), syncing };
}

export class CephDriver implements StorageDriver {
  readonly kind = 'ceph' as const;
  readonly site: string;
  readonly rbd: RbdCli;
  private readonly pool?: string;
  private siteName?: string;
  private batch?: StatusBatch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly firstPollIntervalMs: number;
  private readonly promoteTimeoutMs: number;
  private readonly settleTimeoutMs: number;
  private readonly resyncTimeoutMs: number;
  private readonly reverseTimeoutMs: number;
  private readonly drillIdleTimeoutMs: number;
  private readonly drillCopyAttempts: number;
  private readonly drillFeatures: string[];
  private readonly infoConcurrency: number;

  constructor(opts: CephDriverOptions) {
    this.site = opts.site;
    this.rbd = opts.rbd;
    if (opts.pool) this.pool = opts.pool;
    this.sleep = opts.sleep ?? defaultSleep;
    this.now = opts.now ?? Date.now;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2_000;
    this.firstPollIntervalMs = Math.min(opts.firstPollIntervalMs ?? this.pollIntervalMs, this.pollIntervalMs);
    this.promoteTimeoutMs = opts.promoteTimeoutMs ?? 180_000;
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 300_000;
    this.resyncTimeoutMs = opts.resyncTimeoutMs ?? 600_000;
    this.reverseTimeoutMs = opts.reverseTimeoutMs ?? 180_000;
    this.drillIdleTimeoutMs = opts.drillIdleTimeoutMs ?? 600_000;
    this.drillCopyAttempts = opts.drillCopyAttempts ?? 3;
    this.drillFeatures = opts.drillFeatures ?? ['layering', 'exclusive-lock', 'object-map', 'fast-diff'];
    this.infoConcurrency = opts.infoConcurrency ?? 4;
  }

  private details(ref: StorageGroupRef, extra: Record<string, unknown> = {}) {
    return { site: this.site, group: ref.group, pool: ref.object, ...extra };
  }

  private requireVolumes(ref: StorageGroupRef, what: string): string[] {
    const vols = [...new Set(ref.volumes)];
    if (!vols.length) {
      throw cephError(CephCode.refIncomplete, `${this.site}: cannot ${what} group ${ref.group}: it has no images`, this.details(ref));
    }
    return vols;
  }

  /**
   * The cluster's mirroring site name (`rbd mirror pool info` site_name, what the peer lists in its
   * peers[].site_name); falls back to the cluster name, then drctl's site name.
   */
  async arrayName(): Promise<string> {
    if (this.siteName) return this.siteName;
    let name = '';
    if (this.pool) name = (await this.rbd.poolInfo(this.pool)).siteName;
    this.siteName = name || this.rbd.connection.cluster || this.site;
    return this.siteName;
  }

  // ============================================================================ status

  /**
   * Status of one group. Calls made in the same tick (discovery's `Promise.all` over groups) are
   * batched into one statusMany: still one pool status + one ls per pool, whatever the group count.
   */
  status(ref: StorageGroupRef): Promise<ArrayGroupStatus> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        const batch: StatusBatch = { refs: [], waiters: [] };
        this.batch = batch;
        queueMicrotask(() => {
          this.batch = undefined;
          this.statusList(batch.refs).then(
            (list) => batch.waiters.forEach((w, i) => w.resolve(list[i]!)),
            (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
          );
        });
      }
      this.batch.refs.push(ref);
      this.batch.waiters.push({ resolve, reject });
    });
  }

  /**
   * Status of many groups, by group name: per distinct pool one `rbd mirror pool status --verbose`
   * (every mirrored image with its local and peer states) and one `rbd ls` (existence, drill copies),
   * then `rbd info` only for images whose role the status cannot prove. Never throws for an
   * unreachable cluster.
   */
  async statusMany(refs: StorageGroupRef[]): Promise<Record<string, ArrayGroupStatus>> {
    const list = await this.statusList(refs);
    return Object.fromEntries(refs.map((r, i) => [r.group, list[i]!]));
  }

  private async statusList(refs: StorageGroupRef[]): Promise<ArrayGroupStatus[]> {
    const out: ArrayGroupStatus[] = new Array(refs.length);
    const byPool = new Map<string, number[]>();
    refs.forEach((r, i) => byPool.set(r.object, [...(byPool.get(r.object) ?? []), i]));
    for (const [pool, idx] of byPool) {
      const poolRefs = idx.map((i) => refs[i]!);
      try {
        const res = await this.poolGroupsStatus(pool, poolRefs);
        idx.forEach((i, k) => (out[i] = res[k]!));
      } catch (err) {
        if (!DrctlError.is(err)) throw err;
        for (const i of idx) {
          out[i] = {
            reachable: !isUnreachable(err) && !isCephCode(err, CephCode.rbdMissing),
            error: { code: err.code, message: err.message },
            object: pool,
            exists: false,
            role: 'unknown',
            volumes: [],
            drillVolumes: [],
          };
        }
      }
    }
    return out;
  }

  private async poolGroupsStatus(pool: string, refs: StorageGroupRef[]): Promise<ArrayGroupStatus[]> {
    const [ps, names] = await Promise.all([this.poolStatusOrDisabled(pool), this.rbd.list(pool)]);
    const existing = new Set(names);
    const byName = new Map((ps?.images ?? []).map((i) => [i.name, i] as const));
    const now = this.now();

    // Images whose role the status cannot prove: ask rbd info (authoritative), a few at a time.
    const ambiguous = [...new Set(refs.flatMap((r) => r.volumes))].filter(
      (v) => existing.has(v) && byName.has(v) && roleFromStatus(byName.get(v)) === 'unknown',
    );
    const infos = new Map<string, ImageInfo>();
    await this.forEachLimited(ambiguous, async (img) => {
      try {
        infos.set(img, await this.rbd.info(pool, img));
      } catch (err) {
        if (!isCephCode(err, CephCode.notFound)) throw err;
      }
    });

    const daemonNote = ps ? this.daemonNote(ps) : undefined;
    const result: ArrayGroupStatus[] = [];
    for (const ref of refs) {
      const views = [...new Set(ref.volumes)].map((v) =>
        evaluateImage(v, byName.get(v), infos.get(v), { exists: existing.has(v), now, ...(ref.peer ? { peerSite: ref.peer } : {}) }),
      );
      const agg = aggregateGroup(views, {
        pool,
        ...(ref.rpoMinutes !== undefined ? { rpoMinutes: ref.rpoMinutes } : {}),
        ...(ps ? {} : { poolMode: 'disabled' }),
        ...(daemonNote ? { daemonNote } : {}),
      });
      const prefixes = ref.volumes.map((v) => `${v}-drill-`);
      result.push({ ...agg, drillVolumes: names.filter((n) => prefixes.some((p) => n.startsWith(p))).sort() });
    }
    return result;
  }

  /** Pool status, or undefined when mirroring is not enabled on the pool (rbd: EINVAL "mirroring not enabled"). */
  private async poolStatusOrDisabled(pool: string): Promise<PoolMirrorStatus | undefined> {
    try {
      return await this.rbd.poolStatus(pool);
    } catch (err) {
      if (isCephCode(err, CephCode.invalid) && /mirroring not enabled/i.test(err.message)) return undefined;
      throw err;
    }
  }

  private daemonNote(ps: PoolMirrorStatus): string | undefined {
    const s = ps.summary;
    if (s.daemonHealth === 'ERROR' || (ps.daemons.length === 0 && s.daemonHealth && s.daemonHealth !== 'OK')) {
      const callouts = [...new Set(ps.daemons.flatMap((d) => d.callouts))];
      return `rbd-mirror daemon health ${s.daemonHealth}${callouts.length ? ` (${callouts.join(', ')})` : ''}`;
    }
    return undefined;
  }

  private async forEachLimited<T>(items: T[], fn: (t: T) => Promise<void>): Promise<void> {
    let next = 0;
    const workers = Array.from({ length: Math.min(this.infoConcurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!);
      }
    });
    await Promise.all(workers);
  }

  // ============================================================================ helpers

  private async infoOrMissing(ref: StorageGroupRef, image: string): Promise<ImageInfo> {
    try {
      return await this.rbd.info(ref.object, image);
    } catch (err) {
      if (isCephCode(err, CephCode.notFound)) {
        throw cephError(CephCode.imageMissing, `${this.site}: image ${ref.object}/${image} of group ${ref.group} does not exist`, this.details(ref, { image }), {
          cause: err,
        });
      }
      throw err;
    }
  }

  private async infos(ref: StorageGroupRef, images: string[]): Promise<Map<string, ImageInfo>> {
    const m = new Map<string, ImageInfo>();
    for (const img of images) m.set(img, await this.infoOrMissing(ref, img));
    return m;
  }

  /** Intervals of one wait: firstPollIntervalMs, ×1.5 per poll, up to pollIntervalMs. */
  private pacer(): () => number {
    let next = this.firstPollIntervalMs;
    return () => {
      const v = next;
      next = Math.min(this.pollIntervalMs, Math.round(next * 1.5));
      return v;
    };
  }

  /** Poll `check` with the injected sleep until it returns true or `timeoutMs` elapsed. */
  private async waitFor(check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    const deadline = this.now() + timeoutMs;
    const next = this.pacer();
    for (;;) {
      if (await check()) return;
      if (this.now() >= deadline) throw onTimeout();
      await this.sleep(Math.min(next(), Math.max(1, deadline - this.now())));
    }
  }

  private async poolPeers(ref: StorageGroupRef): Promise<PoolMirrorInfo> {
    const info = await this.rbd.poolInfo(ref.object);
    if (info.mode === 'disabled' || !info.mode) {
      throw cephError(CephCode.poolNotMirrored, `${this.site}: mirroring is not enabled on pool ${ref.object}`, this.details(ref));
    }
    // A client with `profile rbd` caps (Cinder's) cannot read the mon's rbd/mirror/site_name: rbd then
    // reports the cluster fsid as the site name, which the peer does not list. With one peer, that is it.
    const fsidFallback = ref.peer !== undefined && UUID_RE.test(ref.peer) && info.peers.length === 1;
    if (ref.peer && !fsidFallback && !info.peers.some((p) => p.siteName === ref.peer)) {
      throw cephError(
        CephCode.poolNotMirrored,
        `${this.site}: pool ${ref.object} has no mirroring peer named ${ref.peer} (peers: ${info.peers.map((p) => p.siteName || p.uuid).join(', ') || 'none'})`,
        this.details(ref, { peers: info.peers.map((p) => p.siteName) }),
      );
    }
    if (!info.peers.length) {
      throw cephError(CephCode.poolNotMirrored, `${this.site}: pool ${ref.object} has no mirroring peer`, this.details(ref));
    }
    return info;
  }

  // ============================================================================ protect

  async protect(ref: StorageGroupRef): Promise<void> {
    const images = this.requireVolumes(ref, 'protect');
    await this.poolPeers(ref);
    const mode = modeOf(ref);
    const infos = await this.infos(ref, images);
    for (const img of images) {
      const m = infos.get(img)!.mirroring;
      if (m) {
        if (m.mode !== mode) {
          throw cephError(
            CephCode.modeMismatch,
            `${this.site}: image ${ref.object}/${img} is already mirrored in ${m.mode} mode; the group wants ${mode}`,
            this.details(ref, { image: img, current: m.mode, wanted: mode }),
            { hint: `Set replication.mirrorMode: ${m.mode} in the spec, or disable mirroring on the image first (rbd mirror image disable).` },
          );
        }
        continue;
      }
      // journal mode: rbd enables the journaling feature itself (verified on Pacific 16.2.15).
      await this.rbd.mirrorEnable(ref.object, img, mode);
    }
    if (mode === 'snapshot' && ref.intervalSeconds) await this.ensureSchedules(ref, images);
  }

  /** A mirror snapshot schedule at the group's interval on each image (pool-level ones at least as frequent count). */
  private async ensureSchedules(ref: StorageGroupRef, images: string[]): Promise<void> {
    const wanted = scheduleIntervalFor(ref.intervalSeconds!);
    const wantedSec = scheduleIntervalSeconds(wanted)!;
    const levels = await this.rbd.scheduleList(ref.object);
    const poolLevel = levels.filter((l) => l.image === '-' || l.image === '');
    const poolCovers = poolLevel.some((l) => l.items.some((i) => (scheduleIntervalSeconds(i.interval) ?? Infinity) <= wantedSec));
    if (poolCovers) return;
    for (const img of images) {
      const own = levels.find((l) => l.image === img);
      if (own?.items.some((i) => i.interval === wanted)) continue;
      await this.rbd.scheduleAdd(ref.object, img, wanted);
    }
  }

  // ============================================================================ final sync

  async snapshotAndReplicate(ref: StorageGroupRef, suffix: string): Promise<SnapshotRef | null> {
    const images = this.requireVolumes(ref, 'snapshot');
    const infos = await this.infos(ref, images);
    const snapMode = images.filter((i) => infos.get(i)!.mirroring?.mode === 'snapshot');
    if (!snapMode.length) {
      // Journal mode mirrors every write as it happens: there is no snapshot to take.
      if (images.every((i) => infos.get(i)!.mirroring)) return null;
    }
    for (const img of images) {
      const m = infos.get(img)!.mirroring;
      if (!m) {
        throw cephError(CephCode.notPrimary, `${this.site}: image ${ref.object}/${img} is not mirrored`, this.details(ref, { image: img }), {
          hint: 'Protect the group first.',
        });
      }
      if (!m.primary) {
        throw cephError(CephCode.notPrimary, `${this.site}: cannot take a mirror snapshot of ${ref.object}/${img}: it is not primary on this site`, this.details(ref, { image: img }));
      }
    }
    let oldest: number | undefined;
    for (const img of snapMode) {
      const id = await this.rbd.mirrorSnapshot(ref.object, img);
      const snap = (await this.rbd.snapList(ref.object, img)).find((s) => s.id === id);
      if (snap?.timestamp === undefined) {
        throw cephError(CephCode.badOutput, `${this.site}: mirror snapshot ${id} of ${ref.object}/${img} not listed with a timestamp`, this.details(ref, { image: img, snapId: id }));
      }
      const sec = Math.floor(snap.timestamp / 1000);
      oldest = oldest === undefined ? sec : Math.min(oldest, sec);
    }
    const label = suffix.replace(/[^A-Za-z0-9_.-]/g, '-') || 'drctl';
    return { name: encodeSyncPoint(label, oldest!), created: oldest! * 1000 };
  }

  /**
   * Fraction of the group's images whose non-primary copy holds the sync point: snapshot mode, the
   * replaying side's local_snapshot_timestamp ≥ the point; journal mode (no point), entries_behind_primary
   * == 0. Works from either cluster: the primary sees its peer's replay state in peer_sites.
   */
  async transferProgress(ref: StorageGroupRef, snapshot: string): Promise<number> {
    const images = this.requireVolumes(ref, 'read the transfer of');
    const point = decodeSyncPoint(snapshot);
    if (point === undefined && snapshot && snapshot !== 'journal') {
      throw cephError(CephCode.badSnapshotRef, `${this.site}: ${snapshot} is not a sync point made by the ceph driver (<label>@<epoch seconds>)`, this.details(ref, { snapshot }));
    }
    const ps = await this.rbd.poolStatus(ref.object);
    const byName = new Map(ps.images.map((i) => [i.name, i] as const));
    let done = 0;
    for (const img of images) {
      const st = byName.get(img);
      const replay = this.replaySide(st, ref.peer);
      if (!replay || replay.phase !== 'replaying') continue;
      const d = replay.parsed;
      if (point !== undefined) {
        if (d.snapshot?.localSnapshotTimestamp !== undefined && d.snapshot.localSnapshotTimestamp >= point) done++;
      } else if (d.journal?.entriesBehindPrimary === 0) {
        done++;
      }
    }
    return done / images.length;
  }

  /** The non-primary side's status of an image: local when it replays here, else the (up) peer's. */
  private replaySide(st: ImageMirrorStatus | undefined, peer?: string) {
    if (!st) return undefined;
    if (st.local && roleFromStatus(st) === 'non-primary') return st.local;
    const p = st.peers.find((x) => (!peer || x.siteName === peer) && x.up) ?? st.peers.find((x) => x.up);
    return p;
  }

  // ============================================================================ promote / demote

  async promote(ref: StorageGroupRef, opts: { force: boolean; snapshot?: string }): Promise<VolumeCopy[]> {
    const images = this.requireVolumes(ref, 'promote');
    const infos = await this.infos(ref, images);
    for (const img of images) {
      if (!infos.get(img)!.mirroring) {
        throw cephError(CephCode.notPrimary, `${this.site}: image ${ref.object}/${img} is not mirrored; nothing to promote`, this.details(ref, { image: img }));
      }
    }
    const toPromote = images.filter((i) => !infos.get(i)!.mirroring!.primary);
    if (opts.force) {
      for (const img of toPromote) await this.promoteOne(ref, img, true);
    } else {
      const deadline = this.now() + this.promoteTimeoutMs;
      for (const img of toPromote) await this.promotePlanned(ref, img, deadline);
    }
    if (toPromote.length) await this.waitSettled(ref, toPromote, opts.force);
    return images.map((img) => ({ name: img, source: img, size: infos.get(img)!.size }));
  }

  private async promoteOne(ref: StorageGroupRef, img: string, force: boolean): Promise<void> {
    try {
      await this.rbd.promote(ref.object, img, force);
    } catch (err) {
      // A retried step (or a racing operator) already promoted it.
      if (isCephCode(err, CephCode.invalid) && /already primary/i.test(err.message)) return;
      throw err;
    }
  }

  /**
   * Plain promote. rbd refuses with EBUSY while the peer is still primary or its demotion has not
   * been replayed here ("image is primary within a remote cluster or demotion is not propagated
   * yet"); that is exactly "the peer has not replayed everything yet", so retry until the bound.
   */
  private async promotePlanned(ref: StorageGroupRef, img: string, deadline: number): Promise<void> {
    const next = this.pacer();
    for (;;) {
      try {
        await this.promoteOne(ref, img, false);
        return;
      } catch (err) {
        if (!isCephCode(err, CephCode.busy)) throw err;
        if (this.now() >= deadline) {
          throw cephError(
            CephCode.peerNotDemoted,
            `${this.site}: refusing to force-promote ${ref.object}/${img}: the peer is still primary or its demotion has not been replayed here after ${Math.round(this.promoteTimeoutMs / 1000)}s`,
            this.details(ref, { image: img }),
            { cause: err },
          );
        }
        await this.sleep(Math.min(next(), Math.max(1, deadline - this.now())));
      }
    }
  }

  /**
   * After a promote the local rbd-mirror stops its replayer: `up+stopping_replay`, then `up+stopped`.
   * Until then a journal-mode image is not writable (rbd-mirror holds its exclusive lock). A `down+`
   * state means no local daemon reports, so none holds the image either.
   */
  private async waitSettled(ref: StorageGroupRef, images: string[], forced: boolean): Promise<void> {
    let last = new Map<string, string>();
    await this.waitFor(
      async () => {
        const ps = await this.rbd.poolStatus(ref.object);
        const byName = new Map(ps.images.map((i) => [i.name, i] as const));
        last = new Map(images.map((i) => [i, byName.get(i)?.local?.state ?? 'no status']));
        return images.every((i) => {
          const l = byName.get(i)?.local;
          if (!l) return false;
          if (!l.up) return true;
          return l.phase === 'stopped' && roleFromStatus(byName.get(i)) !== 'non-primary';
        });
      },
      this.settleTimeoutMs,
      () =>
        cephError(
          CephCode.transitionTimeout,
          `${this.site}: ${forced ? 'force-' : ''}promoted images of ${ref.group} did not settle to up+stopped within ${Math.round(this.settleTimeoutMs / 1000)}s (${[...last].map(([i, s]) => `${i}: ${s}`).join(', ')})`,
          this.details(ref, { states: Object.fromEntries(last) }),
          forced
            ? { hint: 'rbd-mirror can stay in stopping_replay while the dead peer times out (start it with --rados_osd_op_timeout/--rados_mon_op_timeout); restart this site\'s rbd-mirror if it persists, then re-run apply.' }
            : {},
        ),
    );
  }

  async demote(ref: StorageGroupRef, _opts: { force?: boolean } = {}): Promise<void> {
    const images = this.requireVolumes(ref, 'demote');
    const infos = await this.infos(ref, images);
    for (const img of images) {
      const m = infos.get(img)!.mirroring;
      if (!m || !m.primary) continue;
      try {
        await this.rbd.demote(ref.object, img);
      } catch (err) {
        if (isCephCode(err, CephCode.invalid) && /not primary/i.test(err.message)) continue;
        throw err;
      }
    }
  }

  /**
   * Discard this site's copy of the group's images and re-sync them from the peer's primary.
   * Never automatic (ceph/ceph-csi#3209): the operator must name this site as the side to discard,
   * and the images must already be demoted here (fenced). Waits until each image was re-created
   * (new image id) and replays. An ETIMEDOUT from rbd is checked, not trusted: the flag is often set
   * anyway (REPORT problem 3), and a repeated resync of a flagged image is harmless.
   */
  async resync(ref: StorageGroupRef, opts: { discardSite: string }): Promise<string[]> {
    const images = this.requireVolumes(ref, 'resync');
    if (opts.discardSite !== this.site) {
      throw cephError(
        CephCode.resyncRefused,
        `${this.site}: refusing to resync group ${ref.group}: the side to discard was named ${JSON.stringify(opts.discardSite)}, not this site`,
        this.details(ref, { discardSite: opts.discardSite }),
      );
    }
    const infos = await this.infos(ref, images);
    for (const img of images) {
      const m = infos.get(img)!.mirroring;
      if (!m) {
        throw cephError(CephCode.resyncRefused, `${this.site}: image ${ref.object}/${img} is not mirrored; nothing to resync`, this.details(ref, { image: img }));
      }
      if (m.primary) {
        throw cephError(
          CephCode.resyncRefused,
          `${this.site}: refusing to resync ${ref.object}/${img}: it is primary on this site (fence it first: demote)`,
          this.details(ref, { image: img }),
        );
      }
    }
    const oldIds = new Map(images.map((i) => [i, infos.get(i)!.id]));
    for (const img of images) {
      try {
        await this.rbd.resync(ref.object, img);
      } catch (err) {
        if (!(DrctlError.is(err) && (err.details?.exitCode === Errno.ETIMEDOUT || isCephCode(err, CephCode.commandTimeout)))) throw err;
        // "failed to request resync: (110) Connection timed out": look before retrying once.
        await this.sleep(this.pollIntervalMs);
        if (!(await this.recreated(ref, img, oldIds.get(img)!))) await this.rbd.resync(ref.object, img);
      }
    }
    let last = new Map<string, string>();
    await this.waitFor(
      async () => {
        const ps = await this.rbd.poolStatus(ref.object);
        const byName = new Map(ps.images.map((i) => [i.name, i] as const));
        last = new Map(images.map((i) => [i, byName.get(i)?.local?.state ?? 'no status']));
        for (const img of images) {
          if (byName.get(img)?.local?.state !== 'up+replaying') return false;
          if (!(await this.recreated(ref, img, oldIds.get(img)!))) return false;
        }
        return true;
      },
      this.resyncTimeoutMs,
      () =>
        cephError(
          CephCode.resyncTimeout,
          `${this.site}: resync of ${ref.group} did not reach up+replaying within ${Math.round(this.resyncTimeoutMs / 1000)}s (${[...last].map(([i, s]) => `${i}: ${s}`).join(', ')})`,
          this.details(ref, { states: Object.fromEntries(last) }),
        ),
    );
    return images;
  }

  /** The image was deleted/re-created by rbd-mirror since `oldId` (or is gone right now). */
  private async recreated(ref: StorageGroupRef, img: string, oldId: string): Promise<boolean> {
    try {
      const info = await this.rbd.info(ref.object, img);
      return info.id !== oldId;
    } catch (err) {
      if (isCephCode(err, CephCode.notFound)) return false;
      throw err;
    }
  }

  // ============================================================================ drills

  async cloneForDrill(ref: StorageGroupRef, tag: string): Promise<VolumeCopy[]> {
    const images = this.requireVolumes(ref, 'clone for a drill');
    this.checkTag(ref, tag);
    const names = new Set(await this.rbd.list(ref.object));
    const infos = await this.infos(ref, images);
    for (const img of images) {
      const m = infos.get(img)!.mirroring;
      if (!m || m.primary) {
        throw cephError(
          CephCode.drillSourceNotReady,
          `${this.site}: cannot make a drill copy of ${ref.object}/${img}: it is ${m ? 'primary here (drills run on the standby site)' : 'not mirrored'}`,
          this.details(ref, { image: img }),
        );
      }
    }
    const out: VolumeCopy[] = [];
    for (const img of images) {
      const dest = drillImageName(img, tag);
      const info = infos.get(img)!;
      if (names.has(dest)) {
        const meta = await this.rbd.imageMeta(ref.object, dest);
        if (meta[DRILL_META.complete] === 'true' && meta[DRILL_META.tag] === tag) {
          out.push({ name: dest, source: img, size: info.size });
          continue;
        }
        // A copy interrupted by a crash (drctl writes the meta only after a verified copy).
        if (meta[DRILL_META.tag] !== undefined && meta[DRILL_META.tag] !== tag) {
          throw cephError(CephCode.exists, `${this.site}: ${ref.object}/${dest} exists and belongs to drill ${meta[DRILL_META.tag]}`, this.details(ref, { image: dest }));
        }
        await this.rbd.remove(ref.object, dest);
      }
      const pinned = await this.copyPinned(ref, img, dest, info.mirroring!.mode);
      await this.rbd.setImageMeta(ref.object, dest, DRILL_META.tag, tag);
      await this.rbd.setImageMeta(ref.object, dest, DRILL_META.group, ref.group);
      await this.rbd.setImageMeta(ref.object, dest, DRILL_META.source, img);
      await this.rbd.setImageMeta(ref.object, dest, DRILL_META.sourceSnapshot, pinned);
      await this.rbd.setImageMeta(ref.object, dest, DRILL_META.complete, 'true');
      out.push({ name: dest, source: img, size: info.size });
    }
    return out;
  }

  /**
   * Copy the non-primary image's content as of its latest complete mirror snapshot. A non-primary
   * image is read-only (snap create: EROFS) and Pacific's clone cannot name a mirror snapshot
   * (ENOENT), so drctl copies the image head while no sync runs and checks that the latest
   * complete mirror snapshot is the same before and after the copy (a sync creates the next one
   * first). Journal mode has no snapshots to pin: the replay positions reported in the image's
   * status are compared instead (refreshed every ~30 s; see the README's drill notes).
   * Returns a description of the pinned point.
   */
  private async copyPinned(ref: StorageGroupRef, img: string, dest: string, mode: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.pinPoint(ref, img, mode);
      await this.rbd.copy(ref.object, img, dest, this.drillFeatures);
      const after = await this.pinPoint(ref, img, mode);
      if (before === after) return before;
      await this.rbd.remove(ref.object, dest);
      if (attempt >= this.drillCopyAttempts) {
        throw cephError(
          CephCode.drillInconsistent,
          `${this.site}: ${ref.object}/${img} changed during ${attempt} drill copies (${before} → ${after})`,
          this.details(ref, { image: img }),
          { hint: 'Replication kept updating the standby image; retry when the mirror snapshot schedule is idle, or lengthen the interval.' },
        );
      }
    }
  }

  private async pinPoint(ref: StorageGroupRef, img: string, mode: string): Promise<string> {
    if (mode === 'snapshot') {
      let pin = mirrorPin(await this.rbd.snapList(ref.object, img));
      if (pin.syncing || !pin.complete) {
        await this.waitFor(
          async () => {
            pin = mirrorPin(await this.rbd.snapList(ref.object, img));
            return !pin.syncing && !!pin.complete;
          },
          this.drillIdleTimeoutMs,
          () =>
            cephError(
              CephCode.drillSourceNotReady,
              `${this.site}: ${ref.object}/${img} has ${pin.complete ? 'a mirror snapshot sync in progress' : 'no complete mirror snapshot'} after ${Math.round(this.drillIdleTimeoutMs / 1000)}s`,
              this.details(ref, { image: img }),
            ),
        );
      }
      const c = pin.complete!;
      return `mirror snapshot ${c.id}${c.namespace.primarySnapId !== undefined ? ` (primary snap ${c.namespace.primarySnapId})` : ''}${c.timestampRaw ? ` of ${c.timestampRaw}` : ''}`;
    }
    const st = await this.rbd.imageStatus(ref.object, img);
    const d = st.local ? parseDescription(st.local.description) : undefined;
    const pos = d?.journal?.nonPrimaryPosition;
    return pos ? `journal position ${pos.tagTid}/${pos.entryTid}/${pos.objectNumber}` : `journal status ${st.local?.state ?? 'unknown'} ${st.local?.lastUpdateRaw ?? ''}`.trim();
  }

  private checkTag(ref: StorageGroupRef, tag: string): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(tag)) {
      throw cephError(CephCode.refIncomplete, `${this.site}: drill tag ${JSON.stringify(tag)} must be letters, digits, '.', '_' or '-'`, this.details(ref, { tag }));
    }
  }

  async removeDrillClones(ref: StorageGroupRef, tag: string): Promise<string[]> {
    this.checkTag(ref, tag);
    const suffix = `-drill-${tag}`;
    const bases = new Set(ref.volumes);
    const candidates = (await this.rbd.list(ref.object)).filter((n) => n.endsWith(suffix));
    const removed: string[] = [];
    for (const name of candidates.sort()) {
      const meta = await this.rbd.imageMeta(ref.object, name);
      // Ours: made by drctl for this drill tag and this group (another group's drill may share the
      // tag), or a copy of one of the group's images interrupted before drctl wrote its metadata.
      const ours =
        (meta[DRILL_META.tag] === tag && (meta[DRILL_META.group] === undefined || meta[DRILL_META.group] === ref.group)) ||
        (meta[DRILL_META.tag] === undefined && bases.has(name.slice(0, -suffix.length)));
      if (!ours) continue;
      try {
        await this.rbd.remove(ref.object, name);
      } catch (err) {
        if (isCephCode(err, CephCode.notFound)) continue;
        if (isCephCode(err, CephCode.busy)) {
          throw cephError(CephCode.drillCloneRemains, `${this.site}: drill copy ${ref.object}/${name} is still in use (watchers)`, this.details(ref, { image: name }), {
            cause: err,
            hint: 'Delete the drill instances/volumes using it first (rbd status shows the watchers).',
          });
        }
        throw err;
      }
      removed.push(name);
    }
    const remaining = (await this.rbd.list(ref.object)).filter((n) => removed.includes(n));
    if (remaining.length) {
      throw cephError(CephCode.drillCloneRemains, `${this.site}: drill copies still present after removal: ${remaining.join(', ')}`, this.details(ref, { tag, remaining }));
    }
    return removed;
  }

  // ============================================================================ reverse

  /**
   * Two-way rbd-mirror replicates from the new primary back to the peer by itself. Verify it: the
   * pool has the peer, and every image is primary here with the peer up+replaying. Snapshot mode
   * also gets this site's mirror snapshot schedule (the scheduler only snapshots primary images).
   */
  async reverseReplication(ref: StorageGroupRef): Promise<void> {
    const images = this.requireVolumes(ref, 'reverse replication of');
    await this.poolPeers(ref);
    if (modeOf(ref) === 'snapshot' && ref.intervalSeconds) await this.ensureSchedules(ref, images);
    let views: ImageView[] = [];
    await this.waitFor(
      async () => {
        const ps = await this.rbd.poolStatus(ref.object);
        const byName = new Map(ps.images.map((i) => [i.name, i] as const));
        const now = this.now();
        views = images.map((i) => evaluateImage(i, byName.get(i), undefined, { exists: byName.has(i), now, ...(ref.peer ? { peerSite: ref.peer } : {}) }));
        return views.every((v) => v.role === 'primary' && !v.splitBrain && v.peerState === 'up+replaying');
      },
      this.reverseTimeoutMs,
      () =>
        cephError(
          CephCode.peerNotReplaying,
          `${this.site}: the peer does not replay ${ref.group} after ${Math.round(this.reverseTimeoutMs / 1000)}s (${views
            .map((v) => `${v.name}: here ${v.role}${v.splitBrain ? ' split-brain' : ''}, peer ${v.peerState ?? 'no status'}`)
            .join('; ')})`,
          this.details(ref),
        ),
    );
  }
}
