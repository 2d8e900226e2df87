/**
 * The drctl lock (invariant 4: one writer). Kept in the state file: Terraform's fields (id, who,
 * operation, version, created) plus a lease, because cancelled CI jobs strand locks.
 *
 * - acquire fails fast (exit 3) naming the holder and the way out;
 * - a lock whose holder process is dead on THIS host is taken over with a warning (a killed apply
 *   resumes with a plain `drctl apply`);
 * - any other lock holds until its lease expires (the holder renews it) or `force-unlock LOCK_ID`.
 */
import { DrctlError, ExitCode } from '../errors.js';
import { StateCode } from './codes.js';
import { iso } from './env.js';
import type { StateStore } from './store.js';
import type { StateLock } from './types.js';

export const DEFAULT_LEASE_MS = 5 * 60_000;
export const DEFAULT_RENEW_MS = 60_000;

export interface AcquireOptions {
  /** What the holder does, e.g. "apply failover prod-web-app". */
  operation: string;
  leaseMs?: number;
  /** Told about takeovers (dead holder, expired lease). */
  warn?: (message: string) => void;
}

export function describeLock(l: StateLock): string {
  return `${l.who} (pid ${l.pid}) for "${l.operation}" since ${l.created} (lock id ${l.id}, lease until ${l.leaseExpires})`;
}

/** Why a lock may be taken over, or null when it holds. */
export function staleReason(l: StateLock, now: number, host: string, isPidAlive: (pid: number) => boolean): string | null {
  if (l.host === host && !isPidAlive(l.pid)) return `its process ${l.pid} is gone on this host`;
  const exp = Date.parse(l.leaseExpires);
  if (!Number.isFinite(exp) || exp <= now) return `its lease expired at ${l.leaseExpires}`;
  return null;
}

export class LockHandle {
  private renewTimer: unknown;
  private released = false;
  /** Set when a renewal found the lock gone; later journal writes fail with the same error. */
  lostError: DrctlError | undefined;

  constructor(
    readonly store: StateStore,
    public lock: StateLock,
    readonly leaseMs: number,
  ) {}

  get id(): string {
    return this.lock.id;
  }

  /** Pushes the lease forward; throws DRCTL_E4006 when the lock is no longer ours. */
  async renew(): Promise<void> {
    const { env } = this.store;
    this.lock = await this.store.update(
      (d) => {
        const l = d.lock!;
        l.leaseExpires = iso(env.now() + this.leaseMs);
        return { ...l };
      },
      { lockId: this.id, noOperations: true },
    );
  }

  /** Renews every renewMs through the injected timer until stop()/release(). */
  startRenewal(renewMs = DEFAULT_RENEW_MS, onError?: (err: unknown) => void): void {
    if (this.renewTimer !== undefined || this.released) return;
    this.renewTimer = this.store.env.timer.setInterval(() => {
      this.renew().catch((err) => {
        if (DrctlError.is(err) && err.code === StateCode.lockLost) {
          this.lostError = err;
          this.stopRenewal();
        }
        onError?.(err);
      });
    }, renewMs);
  }

  stopRenewal(): void {
    if (this.renewTimer !== undefined) {
      this.store.env.timer.clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
  }

  /** Removes the lock if it is still ours (idempotent). */
  async release(): Promise<void> {
    this.stopRenewal();
    if (this.released) return;
    this.released = true;
    // The end of a run: the whole state goes to a new snapshot and the log is dropped, so a state
    // at rest is one complete file.
    await this.store.update(
      (d) => {
        if (d.lock?.id === this.id) delete d.lock;
      },
      { compact: true },
    );
  }
}

/** Takes the lock or fails fast (DRCTL_E4001, exit 3) naming the holder. */
export async function acquireLock(store: StateStore, opts: AcquireOptions): Promise<LockHandle> {
  const { env } = store;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const host = env.hostname();
  const warnings: string[] = [];
  const lock = await store.update((d) => {
    const now = env.now();
    if (d.lock) {
      const why = staleReason(d.lock, now, host, env.isPidAlive);
      if (why === null) {
        const l = d.lock;
        throw new DrctlError(StateCode.locked, `The state ${store.path} is locked by ${describeLock(l)}.`, {
          exitCode: ExitCode.blocked,
          hint:
            `Wait for it to finish (the lease is renewed while it runs). If you are sure its holder is gone ` +
            `(e.g. a cancelled CI job), release it with: drctl state force-unlock ${l.id}`,
          details: { lock: l },
        });
      }
      warnings.push(`Taking over the lock held by ${describeLock(d.lock)}: ${why}. Any operation it left unfinished is in the journal and will be resumed.`);
    }
    const l: StateLock = {
      id: env.newId(),
      who: `${env.user()}@${host}`,
      host,
      pid: env.pid,
      operation: opts.operation,
      version: env.version,
      created: iso(now),
      leaseExpires: iso(now + leaseMs),
    };
    d.lock = l;
    return l;
  });
  for (const w of warnings) opts.warn?.(w);
  return new LockHandle(store, lock, leaseMs);
}

/** `drctl state force-unlock LOCK_ID`: the id must match the lock held. Returns the removed lock. */
export async function forceUnlock(store: StateStore, lockId: string): Promise<StateLock> {
  const existing = await store.load();
  if (existing === null || !existing.lock) {
    throw new DrctlError(StateCode.notLocked, `The state ${store.path} is not locked; nothing to unlock.`, {
      hint: 'See drctl state show.',
    });
  }
  return store.update((d) => {
    const l = d.lock;
    if (!l) {
      throw new DrctlError(StateCode.notLocked, `The state ${store.path} is not locked; nothing to unlock.`, { hint: 'See drctl state show.' });
    }
    if (l.id !== lockId) {
      throw new DrctlError(StateCode.unlockIdMismatch, `Lock id ${lockId} does not match the lock held: ${describeLock(l)}.`, {
        hint: `To release that lock, run: drctl state force-unlock ${l.id}`,
        details: { lock: l },
      });
    }
    delete d.lock;
    return l;
  });
}
