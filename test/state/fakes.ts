/** Test doubles for the state layer: a fake clock + timer, a recording / fault-injecting fs. */
import { defaultStateEnv, type IntervalTimer, type StateEnv } from '../../src/state/env.js';
import { nodeStateFs, type StateFs } from '../../src/state/fs.js';
import { readStateFile } from '../../src/state/adapter.js';
import type { StateData } from '../../src/state/types.js';

/** The state as durable on disk: snapshot + log (what a new drctl process would read). */
export async function durable(file: string, fs?: StateFs): Promise<StateData | null> {
  return readStateFile(file, fs);
}

export const T0 = Date.parse('2025-06-01T09:00:00.000Z');

export interface FakeTimer extends IntervalTimer {
  /** Number of live intervals. */
  live(): number;
  /** Fires every live interval once (in creation order). */
  fireAll(): void;
}

export interface FakeWorld {
  env: StateEnv;
  timer: FakeTimer;
  /** pids considered alive (the env's own pid is alive). */
  alive: Set<number>;
  advance(ms: number): void;
  now(): number;
}

export function fakeTimer(): FakeTimer {
  const intervals = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval(fn) {
      const h = next++;
      intervals.set(h, fn);
      return h;
    },
    clearInterval(h) {
      intervals.delete(h as number);
    },
    live: () => intervals.size,
    fireAll() {
      for (const fn of [...intervals.values()]) fn();
    },
  };
}

export function fakeWorld(over: Partial<StateEnv> = {}, start = T0): FakeWorld {
  let t = start;
  let n = 0;
  const alive = new Set<number>([over.pid ?? 4242]);
  const timer = fakeTimer();
  const env = defaultStateEnv({
    now: () => t,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    hostname: () => 'host-a',
    user: () => 'alice',
    pid: 4242,
    isPidAlive: (pid) => alive.has(pid),
    sleep: async (ms) => {
      t += ms;
    },
    timer,
    version: '0.1.0',
    ...over,
  });
  return { env, timer, alive, advance: (ms) => void (t += ms), now: () => t };
}

export type FsOp = 'readFile' | 'stat' | 'mkdirp' | 'open' | 'writeAll' | 'sync' | 'close' | 'rename' | 'link' | 'copyFile' | 'unlink' | 'fsyncDir' | 'openAppend' | 'append' | 'datasync';

/**
 * Wraps an fs, records every call as "op path[ -> path2]" and lets a test fail one: `fault(op, path)`
 * returns an error to throw instead of doing it (the call is recorded with a "!" prefix).
 */
export function recordingFs(inner: StateFs = nodeStateFs(), fault?: (op: FsOp, path: string, to?: string) => Error | undefined) {
  const log: string[] = [];
  const base = (p: string) => p.split('/').pop()!.replace(/-\d+-\d+$/, '-N').replace(/tmp-\d+$/, 'tmp-N');
  const rec = async <T>(op: FsOp, p: string, f: () => Promise<T>, to?: string): Promise<T> => {
    const e = fault?.(op, p, to);
    const line = `${op} ${base(p)}${to ? ` -> ${base(to)}` : ''}`;
    if (e) {
      log.push(`!${line}`);
      throw e;
    }
    log.push(line);
    return f();
  };
  const fs: StateFs = {
    readFile: (p) => rec('readFile', p, () => inner.readFile(p)),
    stat: (p) => rec('stat', p, () => inner.stat(p)),
    mkdirp: (p) => rec('mkdirp', p, () => inner.mkdirp(p)),
    open: (p, flags) =>
      rec('open', p, async () => {
        const h = await inner.open(p, flags);
        return {
          writeAll: (d: string) => rec('writeAll', p, () => h.writeAll(d)),
          sync: () => rec('sync', p, () => h.sync()),
          close: () => rec('close', p, () => h.close()),
        };
      }),
    rename: (a, b) => rec('rename', a, () => inner.rename(a, b), b),
    link: (a, b) => rec('link', a, () => inner.link(a, b), b),
    copyFile: (a, b) => rec('copyFile', a, () => inner.copyFile(a, b), b),
    unlink: (p) => rec('unlink', p, () => inner.unlink(p)),
    fsyncDir: (p) => rec('fsyncDir', p, () => inner.fsyncDir(p)),
    openAppend: (p) =>
      rec('openAppend', p, async () => {
        const h = await inner.openAppend(p);
        return {
          append: (d: string) => rec('append', p, () => h.append(d)),
          datasync: () => rec('datasync', p, () => h.datasync()),
          close: () => rec('close', p, () => h.close()),
        };
      }),
  };
  return { fs, log };
}

export function errno(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

/** An in-memory StateFs (pure promises, no real I/O): deterministic for virtual-time executor tests. */
export function memoryFs(): StateFs & { files: Map<string, string> } {
  const files = new Map<string, string>();
  const meta = new Map<string, { ino: number; mtimeMs: number }>();
  let ino = 1;
  const touch = (p: string) => meta.set(p, { ino: ino++, mtimeMs: ino });
  const enoent = (p: string) => errno('ENOENT', `ENOENT: ${p}`);
  return {
    files,
    async readFile(p) {
      return files.get(p) ?? null;
    },
    async stat(p) {
      const m = meta.get(p);
      const f = files.get(p);
      return m && f !== undefined ? { ino: m.ino, size: f.length, mtimeMs: m.mtimeMs } : null;
    },
    async mkdirp() {},
    async open(p, flags) {
      if (flags === 'wx' && files.has(p)) throw errno('EEXIST');
      files.set(p, '');
      touch(p);
      return {
        writeAll: async (d) => void files.set(p, d),
        sync: async () => undefined,
        close: async () => undefined,
      };
    },
    async rename(a, b) {
      const f = files.get(a);
      if (f === undefined) throw enoent(a);
      files.set(b, f);
      meta.set(b, meta.get(a)!);
      files.delete(a);
      meta.delete(a);
    },
    async link(a, b) {
      const f = files.get(a);
      if (f === undefined) throw enoent(a);
      files.set(b, f);
      meta.set(b, meta.get(a)!);
    },
    async copyFile(a, b) {
      const f = files.get(a);
      if (f === undefined) throw enoent(a);
      files.set(b, f);
      touch(b);
    },
    async unlink(p) {
      files.delete(p);
      meta.delete(p);
    },
    async fsyncDir() {},
    async openAppend(p) {
      if (!files.has(p)) {
        files.set(p, '');
        touch(p);
      }
      return {
        // Appends to whatever file the path names now (memory has no inodes to hold on to).
        append: async (d) => void files.set(p, (files.get(p) ?? '') + d),
        datasync: async () => undefined,
        close: async () => undefined,
      };
    },
  };
}

/**
 * Virtual time for executor tests: sleep(ms) parks until run() advances the clock to it. run() lets
 * all promise work settle (one macrotask turn; the memory fs does no I/O), then jumps to the next
 * wake-up; everything due at the same instant wakes together (true parallelism).
 */
export function virtualTime(start = 0) {
  let t = start;
  let seq = 0;
  const q: Array<{ at: number; seq: number; resolve: () => void }> = [];
  const turn = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => t,
    advance: (ms: number) => void (t += ms),
    sleep(ms: number): Promise<void> {
      return new Promise((resolve) => q.push({ at: t + ms, seq: seq++, resolve }));
    },
    async run<T>(p: Promise<T>): Promise<T> {
      let done = false;
      p.then(
        () => (done = true),
        () => (done = true),
      );
      let idle = 0;
      for (;;) {
        await turn();
        await turn();
        if (done) return p;
        if (q.length === 0) {
          // Held open by something outside virtual time (a test's gate); give up only if it never moves.
          if (++idle > 10_000) throw new Error('virtualTime: nothing scheduled but the promise is still pending');
          continue;
        }
        idle = 0;
        q.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const at = q[0]!.at;
        t = Math.max(t, at);
        while (q.length > 0 && q[0]!.at === at) q.shift()!.resolve();
      }
    },
  };
}
