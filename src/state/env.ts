/**
 * Everything the state store and the executor take from the outside world: files, clock, ids,
 * identity, process liveness, sleeping and timers. defaultStateEnv() wires the real ones; tests
 * inject fakes (no sleeping tests).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { nodeStateFs, type StateFs } from './fs.js';

/** An interval timer (lease renewal, "still running" ticks). Tests fire it by hand. */
export interface IntervalTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface StateEnv {
  fs: StateFs;
  /** Milliseconds since the epoch. */
  now: () => number;
  newId: () => string;
  hostname: () => string;
  user: () => string;
  pid: number;
  /** True when a process with this pid exists on this host. */
  isPidAlive: (pid: number) => boolean;
  sleep: (ms: number) => Promise<void>;
  timer: IntervalTimer;
  /** drctl version recorded in locks. */
  version: string;
}

export function isPidAliveOs(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}

export function defaultStateEnv(overrides: Partial<StateEnv> = {}): StateEnv {
  return {
    fs: nodeStateFs(),
    now: () => Date.now(),
    newId: () => randomUUID(),
    hostname: () => os.hostname(),
    user: osUser,
    pid: process.pid,
    isPidAlive: isPidAliveOs,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    timer: {
      setInterval: (fn, ms) => {
        const h = setInterval(fn, ms);
        // A renewal/tick timer must never keep the process alive on its own.
        h.unref?.();
        return h;
      },
      clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
    },
    version: '0.0.0',
    ...overrides,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
