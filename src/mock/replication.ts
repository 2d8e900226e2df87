/**
 * The replication clock, shared by the Pure-like and Ceph-like arrays. Nothing ticks: snapshots of a
 * schedule are the instants anchor + k·interval, and a transfer started at t completes at
 * t + transferSeconds if the link between the sites stayed up (see LinkOutage). Everything here is a
 * pure function of timestamps, so reads never write the world.
 */
import { linkUpDuring, outageAt } from './faults.js';
import type { LinkOutage } from './types.js';

export interface TransferState {
  /** When the transfer started (null = not started: the link was down). */
  started: number | null;
  /** When it completed (null = not yet / never). */
  completed: number | null;
  progress: number;
}

/**
 * A transfer requested at `created`: it starts when the link is up (at once, or when the outage that
 * covers `created` ends) and completes transferMs later unless the link goes down meanwhile.
 */
export function transferState(created: number, now: number, transferMs: number, outages: LinkOutage[]): TransferState {
  let start = created;
  const o = outageAt(outages, created);
  if (o) {
    if (o.to === undefined || o.to > now) return { started: null, completed: null, progress: 0 };
    start = o.to;
  }
  const end = start + transferMs;
  if (end <= now && linkUpDuring(outages, start, end)) return { started: start, completed: end, progress: 1 };
  // Not done: progress up to now, or frozen where an outage cut it.
  const cut = outages.find((x) => x.from > start && x.from < Math.min(end, now));
  const until = cut ? cut.from : Math.min(now, end);
  const progress = transferMs <= 0 ? (cut ? 0 : 1) : Math.max(0, Math.min(0.999, (until - start) / transferMs));
  return { started: start, completed: null, progress: Math.round(progress * 1000) / 1000 };
}

export interface ScheduledSnapshot {
  k: number;
  at: number;
}

/** The last `keep` scheduled instants at or before now (k ≥ 1). */
export function scheduledSnapshots(anchor: number, intervalMs: number, now: number, keep: number): ScheduledSnapshot[] {
  if (intervalMs <= 0 || now < anchor + intervalMs) return [];
  const kmax = Math.floor((now - anchor) / intervalMs);
  const out: ScheduledSnapshot[] = [];
  for (let k = Math.max(1, kmax - keep + 1); k <= kmax; k++) out.push({ k, at: anchor + k * intervalMs });
  return out;
}

/**
 * The newest scheduled snapshot whose transfer completed by now. Scheduled snapshots taken while the
 * link is down are skipped (they are not replicated), so this walks back over outages.
 */
export function lastReplicatedScheduled(
  anchor: number,
  intervalMs: number,
  now: number,
  transferMs: number,
  outages: LinkOutage[],
): ScheduledSnapshot | undefined {
  if (intervalMs <= 0) return undefined;
  let k = Math.floor((now - anchor) / intervalMs);
  for (let steps = 0; k >= 1 && steps < 200_000; steps++, k--) {
    const at = anchor + k * intervalMs;
    const o = outageAt(outages, at);
    if (o) {
      // jump to the last instant before this outage began
      const before = Math.floor((o.from - anchor) / intervalMs);
      k = Math.min(k, before + 1);
      continue;
    }
    const t = transferState(at, now, transferMs, outages);
    if (t.completed !== null && t.started === at) return { k, at };
  }
  return undefined;
}

/** Scheduled snapshots taken while the link is down are not replicated at all. */
export function scheduledReplicates(at: number, outages: LinkOutage[]): boolean {
  return outageAt(outages, at) === undefined;
}
