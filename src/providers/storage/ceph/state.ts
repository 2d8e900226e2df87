/**
 * Pure interpretation of rbd mirror status: role, split-brain, health and lag per image, and the
 * group view (ArrayGroupStatus) over a group's images. No I/O: the driver feeds parsed outputs and a
 * clock; tests feed the real samples.
 *
 * Role from status (rbd-mirror writes these descriptions; ../shared/labs/ceph/REPORT.md):
 *   primary      "local image is primary" (up+stopped); "orphan (force promoting)" after promote --force
 *   non-primary  up+replaying / up+syncing / "bootstrapping, ..." ; up+unknown "remote image is not
 *                primary" / "remote image demoted" (the daemon only looks at the remote side when the
 *                local image is non-primary); up+error "split-brain" (a demoted stale primary)
 *   unknown      down+* (daemon not reporting: the text is stale), up+starting_replay,
 *                up+stopping_replay "stopping replay", "stopped", other errors — the driver asks
 *                `rbd info` (mirroring.primary) for these images only.
 */
import type { ArrayGroupStatus, ArrayRole } from '../../../discovery/types.js';
import type { ImageInfo, ImageMirrorStatus, ParsedDescription, SiteMirrorStatus } from './parse.js';

export type ImageRole = 'primary' | 'non-primary' | 'unknown';

const PRIMARY_TEXT = /^(local image is primary|orphan)/i;

/** Role an image status proves, or 'unknown' when only `rbd info` can tell. */
export function roleFromStatus(st: ImageMirrorStatus | undefined): ImageRole {
  const l = st?.local;
  if (!l || !l.up) return 'unknown';
  const text = l.parsed.text;
  if (PRIMARY_TEXT.test(l.description)) return 'primary';
  if (l.phase === 'replaying' || l.phase === 'syncing') return 'non-primary';
  if (/^bootstrapping/i.test(text)) return 'non-primary';
  if (l.phase === 'unknown' && /^remote image (is not primary|demoted)/i.test(l.description)) return 'non-primary';
  if (l.phase === 'error' && l.parsed.splitBrain) return 'non-primary';
  return 'unknown';
}

/** A peer whose daemon reports that it holds the primary copy (fresh only when `up`). */
export function peerClaimsPrimary(p: SiteMirrorStatus): boolean {
  return p.up && PRIMARY_TEXT.test(p.description);
}

export interface LagView {
  /** ms epoch of the last point known to be on the non-primary side */
  lastSyncedAt?: number;
  lagSeconds?: number;
  /** journal mode */
  entriesBehind?: number;
  /** snapshot mode: seconds the newest primary snapshot is ahead of the last synced one */
  snapshotsBehindSeconds?: number;
  /** idle | syncing (snapshot mode) */
  replayState?: string;
  mode?: 'journal' | 'snapshot';
  note?: string;
}

/**
 * Lag from the non-primary side's replay description ("replaying, {json}"):
 * - snapshot mode: last synced point = local_snapshot_timestamp (ceph-csi's "last sync time");
 *   lag = now - that (data written since the last mirrored snapshot is not on the peer);
 *   remote_snapshot_timestamp - local = how far the newest primary snapshot is ahead;
 * - journal mode: entries_behind_primary == 0 means caught up as of the status's last_update, so
 *   lag = now - last_update (≤ the 30 s status refresh); entries behind with a replay rate gives an
 *   estimate; entries behind with no rate leaves the lag unknown.
 */
export function lagFromDescription(parsed: ParsedDescription, lastUpdate: number | undefined, now: number): LagView {
  if (parsed.snapshot) {
    const s = parsed.snapshot;
    const out: LagView = { mode: 'snapshot', ...(s.replayState ? { replayState: s.replayState } : {}) };
    if (s.localSnapshotTimestamp !== undefined) {
      out.lastSyncedAt = s.localSnapshotTimestamp * 1000;
      out.lagSeconds = Math.max(0, Math.round((now - out.lastSyncedAt) / 1000));
      if (s.remoteSnapshotTimestamp !== undefined) {
        out.snapshotsBehindSeconds = Math.max(0, s.remoteSnapshotTimestamp - s.localSnapshotTimestamp);
      }
    } else {
      out.note = 'no mirror snapshot synced yet';
    }
    return out;
  }
  if (parsed.journal) {
    const j = parsed.journal;
    const out: LagView = { mode: 'journal' };
    if (j.entriesBehindPrimary !== undefined) out.entriesBehind = j.entriesBehindPrimary;
    if (j.entriesBehindPrimary === 0 && lastUpdate !== undefined) {
      out.lastSyncedAt = lastUpdate;
      out.lagSeconds = Math.max(0, Math.round((now - lastUpdate) / 1000));
    } else if (j.entriesBehindPrimary !== undefined && j.entriesBehindPrimary > 0) {
      out.note = `${j.entriesBehindPrimary} journal entries behind the primary`;
      if (j.entriesPerSecond && j.entriesPerSecond > 0 && lastUpdate !== undefined) {
        out.lagSeconds = Math.max(0, Math.round((now - lastUpdate) / 1000 + j.entriesBehindPrimary / j.entriesPerSecond));
      }
    }
    return out;
  }
  return { note: parsed.text ? `no replay details (${parsed.text})` : 'no replay details' };
}

export interface ImageView {
  name: string;
  /** listed by `rbd ls` */
  exists: boolean;
  /** mirroring enabled (listed by pool status, or rbd info says so) */
  mirrored: boolean;
  role: ImageRole;
  /** how the role was learned */
  roleSource?: 'status' | 'info';
  splitBrain: boolean;
  /** local state as printed ("up+replaying"), or "missing" / "not mirrored" */
  state: string;
  description?: string;
  globalId?: string;
  mode?: 'journal' | 'snapshot';
  lag?: LagView;
  /** the status of the peer site that was used (the replaying side when this one is primary) */
  peerState?: string;
  /** this side is primary and the peer reports split-brain (it needs fencing + resync) */
  peerSplitBrain?: boolean;
}

/**
 * Evaluate one image. `peerSite` selects the peer entry (site_name) when several exist; otherwise
 * the first one is used.
 */
export function evaluateImage(
  name: string,
  st: ImageMirrorStatus | undefined,
  info: ImageInfo | undefined,
  opts: { exists: boolean; now: number; peerSite?: string },
): ImageView {
  if (!opts.exists && !st) {
    return { name, exists: false, mirrored: false, role: 'unknown', splitBrain: false, state: 'missing' };
  }
  const mirrored = !!st || !!info?.mirroring;
  if (!mirrored) {
    return { name, exists: true, mirrored: false, role: 'unknown', splitBrain: false, state: 'not mirrored' };
  }
  let role = roleFromStatus(st);
  let roleSource: ImageView['roleSource'] = role === 'unknown' ? undefined : 'status';
  if (info?.mirroring) {
    // rbd info reads the image header: authoritative whenever we have it.
    role = info.mirroring.primary ? 'primary' : 'non-primary';
    roleSource = 'info';
  }
  const local = st?.local;
  const peer = st?.peers.find((p) => !opts.peerSite || p.siteName === opts.peerSite) ?? st?.peers[0];
  const mode = info?.mirroring?.mode === 'journal' || info?.mirroring?.mode === 'snapshot' ? info.mirroring.mode : undefined;
  const view: ImageView = {
    name,
    exists: true,
    mirrored: true,
    role,
    ...(roleSource ? { roleSource } : {}),
    splitBrain: false,
    state: local?.state ?? 'unknown',
    ...(local ? { description: local.description } : {}),
    ...(st?.globalId || info?.mirroring?.globalId ? { globalId: st?.globalId || info!.mirroring!.globalId } : {}),
    ...(peer ? { peerState: peer.state } : {}),
    ...(mode ? { mode } : {}),
  };
  // Split-brain: a demoted stale primary reports it itself (up+error "split-brain[ detected]"); two
  // primaries show as a local primary whose up-to-date peer also says "local image is primary".
  if (local?.parsed.splitBrain) view.splitBrain = true;
  else if (role === 'primary' && peer && peerClaimsPrimary(peer)) view.splitBrain = true;
  // The peer is the stale side and says so: this side keeps role primary (its data is the one the
  // peer must resync from), the peer's own driver reports the split-brain.
  if (role === 'primary' && peer?.up && peer.parsed.splitBrain) view.peerSplitBrain = true;

  // Lag lives in the non-primary side's replay description: ours, or the peer's as reported to us.
  const replay = role === 'primary' ? peer : role === 'non-primary' ? local : undefined;
  if (replay && replay.phase === 'replaying') {
    view.lag = lagFromDescription(replay.parsed, replay.lastUpdate, opts.now);
    if (!view.mode && view.lag.mode) view.mode = view.lag.mode;
  } else if (replay) {
    view.lag = { note: `${role === 'primary' ? 'peer' : 'local'} replay is ${replay.state}${replay.description ? ` (${replay.description})` : ''}` };
  }
  if (!view.mode) {
    const d = local?.parsed ?? peer?.parsed;
    if (d?.journal) view.mode = 'journal';
    else if (d?.snapshot || st?.snapshots) view.mode = 'snapshot';
  }
  return view;
}

/** Group view over the group's images on this cluster. */
export function aggregateGroup(
  views: ImageView[],
  opts: { pool: string; rpoMinutes?: number; poolMode?: string; daemonNote?: string },
): Omit<ArrayGroupStatus, 'drillVolumes'> {
  const present = views.filter((v) => v.mirrored);
  const missing = views.filter((v) => !v.exists).map((v) => v.name);
  const unmirrored = views.filter((v) => v.exists && !v.mirrored).map((v) => v.name);
  const roles = new Set(present.map((v) => v.role));
  let role: ArrayRole;
  if (present.some((v) => v.splitBrain)) role = 'split-brain';
  else if (present.length === 0) role = 'none';
  else if (roles.size === 1 && roles.has('primary')) role = 'source';
  else if (roles.size === 1 && roles.has('non-primary')) role = 'target';
  else role = 'unknown';

  const healthParts: string[] = [];
  const states = new Map<string, string[]>();
  for (const v of present) {
    const plain = !v.description || /^(replaying|local image is primary$)/.test(v.description);
    const key = v.splitBrain && !v.state.includes('error') ? `${v.state} (split-brain: peer also primary)` : plain ? v.state : `${v.state} "${v.description}"`;
    states.set(key, [...(states.get(key) ?? []), v.name]);
  }
  if (states.size === 1) healthParts.push([...states.keys()][0]!);
  else for (const [k, names] of states) healthParts.push(`${k}: ${names.join(', ')}`);
  if (roles.size > 1) {
    const p = present.filter((v) => v.role === 'primary').map((v) => v.name);
    const n = present.filter((v) => v.role === 'non-primary').map((v) => v.name);
    healthParts.push(`mixed roles (primary: ${p.join(', ') || '-'}; non-primary: ${n.join(', ') || '-'})`);
  }
  const peerSb = present.filter((v) => v.peerSplitBrain).map((v) => v.name);
  if (peerSb.length) healthParts.push(`peer reports split-brain for ${peerSb.join(', ')} (resync the peer's copy)`);
  if (missing.length) healthParts.push(`missing: ${missing.join(', ')}`);
  if (unmirrored.length) healthParts.push(`mirroring not enabled: ${unmirrored.join(', ')}`);
  if (opts.poolMode === 'disabled') healthParts.push(`pool ${opts.pool} mirroring disabled`);
  if (opts.daemonNote) healthParts.push(opts.daemonNote);

  const out: Omit<ArrayGroupStatus, 'drillVolumes'> = {
    reachable: true,
    object: opts.pool,
    exists: views.length > 0 && present.length === views.length,
    role,
    volumes: present.map((v) => v.name).sort(),
  };

  // Lag of the group = its worst image; unknown if any replicating image's lag is unknown.
  const replicating = present.filter((v) => v.role !== 'unknown' && !v.splitBrain);
  if (replicating.length && (role === 'source' || role === 'target')) {
    const lags = replicating.map((v) => v.lag);
    if (lags.every((l) => l?.lagSeconds !== undefined)) {
      out.lagSeconds = Math.max(...lags.map((l) => l!.lagSeconds!));
    }
    if (lags.every((l) => l?.lastSyncedAt !== undefined)) {
      out.lastReplicatedAt = new Date(Math.min(...lags.map((l) => l!.lastSyncedAt!))).toISOString();
    }
    const notes = replicating.filter((v) => v.lag?.note).map((v) => `${v.name}: ${v.lag!.note}`);
    if (notes.length) healthParts.push(notes.join('; '));
    const syncing = replicating.filter((v) => v.lag?.replayState === 'syncing').length;
    if (syncing) healthParts.push(`${syncing} image(s) syncing a mirror snapshot`);
    if (opts.rpoMinutes !== undefined && out.lagSeconds !== undefined && out.lagSeconds > opts.rpoMinutes * 60) {
      healthParts.push(`lag ${out.lagSeconds}s exceeds rpo ${opts.rpoMinutes}m`);
    }
  }
  if (healthParts.length) out.health = healthParts.join('; ');
  return out;
}
