/**
 * Bounded polling for asynchronous OpenStack state changes (server BUILD → ACTIVE, os-stop →
 * SHUTOFF, volume creating/managing → available, group creating → available). Real Zed timings
 * (labs REPORT): boot 1–7 s, volume ~1.6 s; callers pass their own budget. Clock and sleep are
 * injected so tests never wait.
 */
import { DrctlError } from '../../errors.js';

export interface WaitOptions {
  /** Give up after this long (default 300 s). */
  timeoutMs?: number;
  /** First poll interval (default 1 s), growing ×1.5 up to `maxIntervalMs` (default 10 s). */
  intervalMs?: number;
  maxIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface WaitTarget<T> {
  /** e.g. "site-b nova server db-server-1 (uuid)" */
  what: string;
  /** Current state; undefined = the resource is gone. */
  read: () => Promise<T | undefined>;
  status: (x: T) => string;
  /** Statuses that end the wait successfully. */
  want: string[];
  /** Statuses that end the wait with an error (e.g. ERROR, error_managing). */
  fail?: string[];
  /** Succeed when the resource disappears (deletes). */
  goneIsSuccess?: boolean;
  /** Extra text for the failure message (e.g. the server's fault message). */
  describe?: (x: T) => string | undefined;
}

/** Polls until a wanted status; DRCTL_E2040 on timeout, DRCTL_E2041 on a failure status or disappearance. */
export async function waitFor<T>(target: WaitTarget<T>, opts: WaitOptions = {}): Promise<T | undefined> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const maxInterval = opts.maxIntervalMs ?? 10_000;
  let interval = opts.intervalMs ?? 1_000;
  const start = now();
  let last: string | undefined;
  for (;;) {
    const x = await target.read();
    if (x === undefined) {
      if (target.goneIsSuccess) return undefined;
      throw new DrctlError('DRCTL_E2041', `${target.what} disappeared while waiting for ${target.want.join('/')}`, {
        hint: 'Something else deleted it; re-run to let drctl rediscover the state.',
        details: { what: target.what, want: target.want },
      });
    }
    last = target.status(x);
    if (target.want.includes(last)) return x;
    if (target.fail?.includes(last)) {
      const more = target.describe?.(x);
      throw new DrctlError('DRCTL_E2041', `${target.what} went to ${last} while waiting for ${target.want.join('/')}${more ? `: ${more}` : ''}`, {
        hint: 'Check the resource on the site (e.g. `openstack server show` / `openstack volume show`) and the service logs; fix or delete it, then re-run.',
        details: { what: target.what, status: last, want: target.want },
      });
    }
    const elapsed = now() - start;
    if (elapsed >= timeoutMs) {
      throw new DrctlError('DRCTL_E2040', `timed out after ${Math.round(elapsed / 1000)}s waiting for ${target.what} to be ${target.want.join('/')} (still ${last})`, {
        hint: 'The site is slow or stuck; re-running resumes the wait. Raise the timeout if the site is known to be slow.',
        details: { what: target.what, status: last, want: target.want, elapsedMs: elapsed },
      });
    }
    await sleep(Math.min(interval, Math.max(0, timeoutMs - elapsed)));
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}
