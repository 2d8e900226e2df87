/**
 * What step implementations take from the outside: the spec, the connections to both sites, a clock,
 * a sleep, poll bounds and a log. No fs, clock or fetch imports inside steps (STYLE.md): tests inject
 * all of it.
 */
import { DrctlError } from '../errors.js';
import type { Connections, SiteConnection } from '../providers/connect.js';
import type { DRSpec, GroupSpec } from '../spec/types.js';
import { StepCode } from './codes.js';

export interface PollSettings {
  /** Interval between polls (the longest one when `firstIntervalMs` is set). */
  intervalMs: number;
  /**
   * First interval of a wait; each next one is 1.5× longer, up to `intervalMs`. Most transitions on a
   * real cloud take 1-7 s (boot, stop, manage), so short first polls see them end within a fraction
   * of a second instead of up to a whole interval later. Absent: every interval is `intervalMs`.
   */
  firstIntervalMs?: number;
  /** Servers to ACTIVE / SHUTOFF (boot from volume: ~1-7 s on the labs' real Nova; 16 at once 15-17 s). */
  serverTimeoutMs: number;
  /** Volumes to available / gone (manage, unmanage, delete, groups). */
  volumeTimeoutMs: number;
  /** Final snapshot transfer to the peer array. */
  transferTimeoutMs: number;
  /** How long storage.reverse-replication waits for its first transfer before moving on with a warning. */
  baselineWaitMs: number;
}

/** Mock mode: everything is local and fast. */
export const MOCK_POLL: PollSettings = { intervalMs: 100, serverTimeoutMs: 60_000, volumeTimeoutMs: 60_000, transferTimeoutMs: 120_000, baselineWaitMs: 30_000 };
/** Real clouds: labs/openstack REPORT timings with generous margins. */
export const REAL_POLL: PollSettings = {
  intervalMs: 2_000,
  // 250, 375, 563, 845, 1268, 1902, 2000, ... ms: 5 polls in the first 3.3 s, then every 2 s.
  firstIntervalMs: 250,
  serverTimeoutMs: 15 * 60_000,
  volumeTimeoutMs: 10 * 60_000,
  transferTimeoutMs: 60 * 60_000,
  baselineWaitMs: 60_000,
};

export interface StepLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface StepDeps {
  spec: DRSpec;
  conns: Connections;
  /** ms epoch */
  now: () => number;
  /** Resolves after ms, or rejects with DRCTL_E4120 when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  poll: PollSettings;
  log: StepLog;
}

export function site(deps: StepDeps, name: string | undefined, stepId: string): SiteConnection {
  const c = name ? deps.conns.sites[name] : undefined;
  if (!c) throw new DrctlError(StepCode.badParams, `Step ${stepId} names site ${name ?? '(none)'}, which is not a site of the spec.`, { hint: 'Re-plan with this spec.' });
  return c;
}

export function groupSpec(deps: StepDeps, group: string): GroupSpec {
  const g = deps.spec.groups[group];
  if (!g) throw new DrctlError(StepCode.badParams, `Group ${group} is not in the spec any more.`, { hint: 'Restore the group in the spec to finish its operation (drctl apply resumes it).' });
  return g;
}

export function aborted(signal: AbortSignal | undefined): DrctlError | undefined {
  if (!signal?.aborted) return undefined;
  return new DrctlError(StepCode.aborted, 'Interrupted; the journal keeps what was done.', { hint: 'Resume with drctl apply.' });
}

/** Intervals of one wait: `firstIntervalMs`, then ×1.5 per poll up to `intervalMs` (fixed without a first). */
export function backoff(poll: Pick<PollSettings, 'intervalMs' | 'firstIntervalMs'>): () => number {
  let next = Math.min(poll.firstIntervalMs ?? poll.intervalMs, poll.intervalMs);
  return () => {
    const v = next;
    next = Math.min(poll.intervalMs, Math.round(next * 1.5));
    return v;
  };
}

/**
 * Polls `check` until it returns a value (not undefined), with the injected sleep and clock, bounded
 * by timeoutMs; honours the signal. `check` may throw to fail at once (e.g. a server in ERROR).
 * Intervals: `opts.intervalMs` when given, else the poll settings' backoff (see `backoff`).
 */
export async function waitFor<T>(
  deps: StepDeps,
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; signal?: AbortSignal; hint?: string; intervalMs?: number | (() => number) },
): Promise<T> {
  const deadline = deps.now() + opts.timeoutMs;
  const paced = opts.intervalMs === undefined ? backoff(deps.poll) : undefined;
  for (;;) {
    const a = aborted(opts.signal);
    if (a) throw a;
    const v = await check();
    if (v !== undefined) return v;
    if (deps.now() >= deadline) {
      throw new DrctlError(StepCode.timeout, `Timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${what}.`, {
        hint: opts.hint ?? 'Check it on the site; drctl apply resumes and waits again.',
      });
    }
    const interval = typeof opts.intervalMs === 'function' ? opts.intervalMs() : (opts.intervalMs ?? paced!());
    await deps.sleep(Math.max(1, Math.min(interval, deadline - deps.now())), opts.signal);
  }
}

/** A sleep that rejects with DRCTL_E4120 when the signal aborts (for real use; tests inject their own). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polling paced by progress (array transfers): after a poll that saw `progress` (0..1) `elapsedMs`
 * into the wait, wait half the estimated time left — at least the poll interval, at most `maxMs` —
 * so a 5 s transfer takes ~9 polls instead of 50 and is still seen within an interval of its end.
 */
export function progressPacer(deps: Pick<StepDeps, 'now' | 'poll'>, maxMs = 30_000): { seen(progress: number): void; next(): number } {
  const start = deps.now();
  let next = deps.poll.intervalMs;
  return {
    seen(progress: number) {
      const elapsed = deps.now() - start;
      const left = progress > 0 && progress < 1 ? (elapsed * (1 - progress)) / progress : 0;
      next = Math.max(deps.poll.intervalMs, Math.min(maxMs, left / 2));
    },
    next: () => next,
  };
}
