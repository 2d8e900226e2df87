/**
 * The state store: lowdb over the durable AtomicJsonFile adapter, plus the cross-process write mutex.
 *
 * Every change is one update(): take `<state>.lock` with an exclusive create (O_EXCL), re-read the file
 * if another process replaced it since we last saw it, check the caller still holds the drctl lock,
 * apply the change to a copy, serial+1, atomic write, drop the mutex. The mutex is held for
 * milliseconds; the drctl lock (in the file, with a lease) is what keeps a second apply out.
 */
import path from 'node:path';
import { Low } from 'lowdb';
import { DrctlError } from '../errors.js';
import { AtomicJsonFile, ioError } from './adapter.js';
import { StateCode } from './codes.js';
import { errCode, type FileStat } from './fs.js';
import { iso, type StateEnv } from './env.js';
import { STATE_FORMAT_VERSION, type StateData } from './types.js';

export interface StateStoreOptions {
  /** Path of the state file (default .drctl/state.json, chosen by the CLI). */
  path: string;
  env: StateEnv;
  /** How long update() waits for the write mutex before giving up (default 10 s). */
  mutexTimeoutMs?: number;
  /** A mutex older than this (by its recorded time) is considered abandoned (default 30 s). */
  mutexStaleMs?: number;
  /** Told about abandoned mutexes that were removed. */
  warn?: (message: string) => void;
}

export interface UpdateOptions {
  /** Refuse unless the state's lock has this id (the caller's lock) — detects a lost lock. */
  lockId?: string;
  /**
   * The id of the only operation fn changes (or adds); it changes nothing else in the state. Lets the
   * write re-serialize just that operation. Without it, everything is serialized afresh.
   */
  operation?: string;
  /** With `operation`: the ids of the only steps of it fn changes (the others are re-used as encoded). */
  steps?: readonly string[];
}

interface PendingUpdate {
  fn: (draft: StateData) => unknown;
  opts: UpdateOptions;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface MutexContent {
  pid: number;
  host: string;
  at: number;
}

/**
 * TEST HOOK for test/apply/crash.test.ts — inert unless DRCTL_TEST_KILL_AT_TRANSITION is set.
 * "K": this process SIGKILLs itself right after its K-th durable state write (a journal transition);
 * "K-": right before the K-th write reaches the disk (whatever ran since write K-1 is unrecorded).
 */
const killAt = /^(\d+)(-?)$/.exec(process.env.DRCTL_TEST_KILL_AT_TRANSITION ?? '');
let durableWrites = 0;
function crashTestHook(when: 'before' | 'after'): void {
  if (!killAt) return;
  if (when === 'after') durableWrites += 1;
  const k = when === 'after' ? durableWrites : durableWrites + 1;
  if (k === Number(killAt[1]) && (killAt[2] === '-') === (when === 'before')) process.kill(process.pid, 'SIGKILL');
}

function sameStat(a: FileStat | null, b: FileStat | null): boolean {
  return a !== null && b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export class StateStore {
  readonly path: string;
  readonly backupPath: string;
  readonly mutexPath: string;
  readonly env: StateEnv;
  private readonly adapter: AtomicJsonFile;
  private readonly db: Low<StateData>;
  /** Stat of the file as of our last read or write; null = nothing read yet. */
  private seen: FileStat | null = null;
  private loaded = false;
  private readonly mutexTimeoutMs: number;
  private readonly mutexStaleMs: number;
  private readonly warn: (m: string) => void;

  constructor(opts: StateStoreOptions) {
    this.path = opts.path;
    this.env = opts.env;
    this.adapter = new AtomicJsonFile(opts.path, opts.env.fs, opts.env.pid);
    this.backupPath = this.adapter.backup;
    this.mutexPath = `${opts.path}.lock`;
    this.db = new Low<StateData>(this.adapter, this.fresh());
    this.mutexTimeoutMs = opts.mutexTimeoutMs ?? 10_000;
    this.mutexStaleMs = opts.mutexStaleMs ?? 30_000;
    this.warn = opts.warn ?? (() => undefined);
  }

  private fresh(): StateData {
    return { format_version: STATE_FORMAT_VERSION, lineage: this.env.newId(), serial: 0, operations: [] };
  }

  /** Reads the file (no mutex: renames make every read a complete version). null when there is none. */
  async load(): Promise<StateData | null> {
    const st = await this.env.fs.stat(this.path).catch((e) => {
      throw ioError('read the state file', this.path, e);
    });
    if (st === null) return null;
    await this.db.read();
    this.seen = st;
    this.loaded = true;
    return structuredClone(this.db.data);
  }

  /**
   * Applies fn to the current state and writes it atomically (serial + 1). fn receives the draft and
   * must throw before changing it if it refuses; when it throws nothing of it is written.
   *
   * Group commit: calls made while a write is in flight are applied together in the next write (one
   * fsync pair for many journal transitions, in call order); each caller's promise resolves once the
   * write holding its change is durable. Calls are serialized within the process.
   */
  update<T>(fn: (draft: StateData) => T, opts: UpdateOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, opts, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  private pending: PendingUpdate[] = [];
  private flushing = false;

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        // Let callers in the same tick join this write.
        await Promise.resolve();
        const batch = this.pending.splice(0);
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(batch: PendingUpdate[]): Promise<void> {
    const later: Array<() => void> = [];
    const reject = (p: PendingUpdate, err: unknown) => later.push(() => p.reject(err));
    try {
      await this.acquireMutex();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    try {
      let current: StateData;
      try {
        current = await this.refresh(batch.some((p) => p.opts.lockId !== undefined));
      } catch (err) {
        for (const p of batch) reject(p, err);
        return;
      }
      // Apply in call order, in place: no copy of the whole state per write (at 1,000 steps a copy
      // costs more than the write). A refusal (throw) drops only that change: functions refuse
      // before changing anything, but to be sure the draft is rebuilt from the file (the version
      // `current` came from) with the accepted changes re-applied, as before.
      let accepted: Array<{ p: PendingUpdate; out: unknown }> = [];
      let draft = current;
      let queue = batch;
      for (;;) {
        let restart: PendingUpdate[] | undefined;
        for (let i = 0; i < queue.length; i++) {
          const p = queue[i]!;
          if (p.opts.lockId !== undefined && draft.lock?.id !== p.opts.lockId) {
            reject(p, this.lockLost(p.opts.lockId, draft.lock ? `it is now held by ${draft.lock.who} (lock id ${draft.lock.id})` : 'the lock was released (force-unlock?)'));
            continue;
          }
          try {
            accepted.push({ p, out: p.fn(draft) });
          } catch (err) {
            reject(p, err);
            restart = [...accepted.map((a) => a.p), ...queue.slice(i + 1)];
            break;
          }
        }
        if (!restart) break;
        accepted = [];
        try {
          draft = await this.pristine(current.lineage);
        } catch (err) {
          for (const p of restart) reject(p, err);
          return;
        }
        queue = restart;
      }
      if (accepted.length === 0) return;
      if (accepted.every((a) => a.p.opts.operation !== undefined)) {
        const steps = new Map<string, Set<string>>();
        for (const a of accepted) {
          const set = steps.get(a.p.opts.operation!) ?? new Set<string>();
          for (const id of a.p.opts.steps ?? []) set.add(id);
          steps.set(a.p.opts.operation!, set);
        }
        this.adapter.forget(
          draft.operations.filter((o) => steps.has(o.id)).map((o) => ({ op: o, steps: o.steps.filter((st) => steps.get(o.id)!.has(st.id)) })),
        );
      } else this.adapter.forget('all');
      const serial = draft.serial;
      draft.serial = serial + 1;
      this.db.data = draft;
      try {
        crashTestHook('before');
        await this.db.write();
      } catch (err) {
        // What the failed write left on disk is the truth: read it again before the next change.
        draft.serial = serial;
        this.loaded = false;
        await this.db.read().then(
          () => (this.loaded = true),
          () => undefined,
        );
        for (const a of accepted) reject(a.p, err);
        return;
      }
      crashTestHook('after');
      this.loaded = true;
      this.seen = await this.env.fs.stat(this.path).catch(() => null);
      for (const a of accepted) later.push(() => a.p.resolve(a.out));
    } finally {
      await this.releaseMutex();
      // Callers continue only after the mutex is released.
      for (const f of later) f();
    }
  }

  /** The state as last written (re-read from the file; a fresh one of the same lineage when there is no file yet). */
  private async pristine(lineage: string): Promise<StateData> {
    if ((await this.env.fs.stat(this.path)) === null) {
      this.db.data = { ...this.fresh(), lineage };
      return this.db.data;
    }
    await this.db.read();
    return this.db.data;
  }

  /** The state as on disk now (re-read only if another process replaced the file). */
  private async refresh(needsExisting: boolean): Promise<StateData> {
    const st = await this.env.fs.stat(this.path).catch((e) => {
      throw ioError('read the state file', this.path, e);
    });
    if (st === null) {
      if (this.loaded && needsExisting) throw new DrctlError(StateCode.lockLost, `The state file ${this.path} was removed while this drctl held its lock. It stops here without touching anything else.`, { exitCode: 3 });
      this.db.data = this.fresh();
    } else if (!this.loaded || !sameStat(st, this.seen)) {
      await this.db.read();
      this.loaded = true;
    }
    return this.db.data;
  }

  private lockLost(lockId: string, why: string): DrctlError {
    return new DrctlError(StateCode.lockLost, `This drctl no longer holds the state lock ${lockId}: ${why}. It stops here without touching anything else.`, {
      hint: 'Check `drctl state show` and `drctl ops list`; run `drctl apply` again to resume once no other drctl is running.',
      exitCode: 3,
    });
  }

  private async acquireMutex(): Promise<void> {
    const { fs } = this.env;
    const start = this.env.now();
    let delay = 2;
    let lastHolder = 'unknown';
    for (;;) {
      try {
        const fh = await fs.open(this.mutexPath, 'wx');
        try {
          const content: MutexContent = { pid: this.env.pid, host: this.env.hostname(), at: this.env.now() };
          await fh.writeAll(JSON.stringify(content));
        } catch (err) {
          // We own the file but could not say so: remove it rather than strand an anonymous mutex.
          await fh.close().catch(() => undefined);
          await fs.unlink(this.mutexPath).catch(() => undefined);
          throw ioError('create the write mutex', this.mutexPath, err);
        }
        await fh.close();
        return;
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT') {
          await fs.mkdirp(path.dirname(this.mutexPath)).catch((e) => {
            throw ioError('create the directory of', this.path, e);
          });
          continue;
        }
        if (code !== 'EEXIST') throw ioError('create the write mutex', this.mutexPath, err);
      }
      const text = await fs.readFile(this.mutexPath).catch(() => null);
      if (text === null) continue; // released between our attempts
      let holder: MutexContent | undefined;
      try {
        holder = JSON.parse(text) as MutexContent;
      } catch {
        holder = undefined; // being written right now
      }
      if (holder && typeof holder.pid === 'number') {
        lastHolder = `pid ${holder.pid} on ${holder.host} since ${iso(holder.at)}`;
        const deadHere = holder.host === this.env.hostname() && holder.pid !== this.env.pid && !this.env.isPidAlive(holder.pid);
        const old = this.env.now() - holder.at > this.mutexStaleMs;
        if (deadHere || old) {
          // Re-check it is still the same abandoned mutex before removing it.
          const again = await fs.readFile(this.mutexPath).catch(() => null);
          if (again === text) {
            await fs.unlink(this.mutexPath);
            this.warn(`Removed an abandoned state write mutex ${this.mutexPath} (${lastHolder}${deadHere ? ', process gone' : ''}).`);
          }
          continue;
        }
      }
      if (this.env.now() - start >= this.mutexTimeoutMs) {
        throw new DrctlError(StateCode.mutexBusy, `The state file ${this.path} is being written by another process (${lastHolder}) and stayed busy for ${Math.round(this.mutexTimeoutMs / 1000)} s.`, {
          hint: `If no drctl is running, remove ${this.mutexPath} and retry.`,
        });
      }
      await this.env.sleep(delay);
      delay = Math.min(50, delay * 2);
    }
  }

  private async releaseMutex(): Promise<void> {
    await this.env.fs.unlink(this.mutexPath).catch(() => undefined);
  }
}
