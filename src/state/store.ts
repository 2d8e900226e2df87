/**
 * The state store: lowdb over the durable AtomicJsonFile adapter, plus the cross-process write mutex.
 *
 * Every change is one update(): take `<state>.lock` with an exclusive create (O_EXCL), re-read the
 * state if another process changed it since we last saw it (snapshot or log), check the caller still
 * holds the drctl lock, apply the change in place, serial+1, one durable write, drop the mutex. The
 * mutex is held for milliseconds; the drctl lock (in the file, with a lease) keeps a second apply out.
 *
 * The durable write is an APPEND of one record to the state's log (`<state>.wal`, see wal.ts) when the
 * change says what it touches (a journal transition: one operation and some of its steps; a lease
 * renewal: only the lock), or a COMPACTION (the whole state as a new snapshot, the log removed) for
 * anything else, for the lock's release, when the log passed its size limit, and whenever the log on
 * disk is not one this store knows to be clean.
 */
import path from 'node:path';
import { Low } from 'lowdb';
import { DrctlError } from '../errors.js';
import { AtomicJsonFile, ioError, type WriteHooks } from './adapter.js';
import { StateCode } from './codes.js';
import { errCode, type FileStat } from './fs.js';
import { iso, type StateEnv } from './env.js';
import { STATE_FORMAT_VERSION, type StateData } from './types.js';
import { WalShadow } from './wal.js';

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
  /** The log is compacted once it is larger than this and than twice the snapshot (default 4 MiB). */
  walMaxBytes?: number;
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
  /** fn changes no operation, only top-level fields (the lock): the write can be a small log record. */
  noOperations?: boolean;
  /** Write the whole state as a new snapshot and drop the log (the lock's release at the end of a run). */
  compact?: boolean;
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
 * TEST HOOK for test/apply/crash.test.ts and test/state/crash-wal.test.ts — inert unless
 * DRCTL_TEST_KILL_AT_TRANSITION is set. This process SIGKILLs itself at its K-th durable state write
 * (a journal transition; writes are counted from 1 per process):
 *   "K"   right after write K is durable;
 *   "K-"  right before write K touches the disk (whatever ran since write K-1 is unrecorded);
 *   "K~"  in the middle of write K: an append's record is in the log but not fdatasync'ed; a
 *         compaction's new snapshot is in its temp file, not renamed;
 *   "K%"  write K torn: only the first half of the appended record reaches the log (a compaction:
 *         as "K-");
 *   "K<"  write K is made a compaction, killed before its rename;
 *   "K>"  write K is made a compaction, killed after its rename, before the old log is removed.
 */
const killAt = /^(\d+)([-~%<>]?)$/.exec(process.env.DRCTL_TEST_KILL_AT_TRANSITION ?? '');
let durableWrites = 0;
const die = (): void => void process.kill(process.pid, 'SIGKILL');
/** The kill marker for the write about to be made, if the hook targets it. */
function crashMarker(): string | undefined {
  if (!killAt || Number(killAt[1]) !== durableWrites + 1) return undefined;
  return killAt[2];
}
function crashTestHook(when: 'before' | 'after', compaction = false): void {
  if (!killAt) return;
  if (when === 'after') {
    durableWrites += 1;
    if (Number(killAt[1]) === durableWrites && killAt[2] === '') die();
    return;
  }
  const m = crashMarker();
  if (m === '%' && compaction) {
    // Group commit makes the write count vary with timing: the test must know which kind it tore.
    process.stderr.write('drctl crash hook: write to tear is a compaction, killed before it\n');
    die();
  }
  if (m === '-') die();
}
function crashHooks(compaction: boolean): WriteHooks {
  const m = crashMarker();
  if (m === '~') return compaction ? { tempSynced: die } : { appended: die };
  if (m === '%' && !compaction) return { torn: die };
  if (m === '<') return { tempSynced: die };
  if (m === '>') return { renamed: die };
  return {};
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
  private readonly walMaxBytes: number;
  /** What was last persisted, finely enough to encode a log record of just the change. */
  private readonly shadow = new WalShadow();
  /** A snapshot exists on disk (as of the last refresh/write). */
  private snapshotOnDisk = false;

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
    this.walMaxBytes = opts.walMaxBytes ?? 4 * 1024 * 1024;
  }

  /** Path of the state's write-ahead log (`<state>.wal`). */
  get walPath(): string {
    return this.adapter.wal;
  }

  /** (Re-)reads snapshot + log into db.data; the shadow then describes it. */
  private async readDisk(): Promise<void> {
    const r = await this.adapter.readFull();
    this.adapter.adopt(r);
    const data = r.data;
    this.snapshotOnDisk = data !== null;
    this.db.data = data ?? this.fresh();
    this.shadow.reset(this.db.data);
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
    const r = await this.adapter.readFull();
    if (r.data === null) return null;
    // Adopted as this store's view only when it has none yet and no write is under way: a read made
    // outside the write mutex must never replace the state a write is working on.
    if (!this.loaded && !this.flushing) {
      this.adapter.adopt(r);
      this.snapshotOnDisk = true;
      this.db.data = r.data;
      this.shadow.reset(r.data);
      this.seen = st;
      this.loaded = true;
      return structuredClone(r.data);
    }
    return r.data;
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
            if (p.opts.operation !== undefined) this.shadow.ensure(draft, p.opts.operation);
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
      // Which operations (and which of their steps) changed, when every change says so.
      const declared = accepted.every((a) => a.p.opts.operation !== undefined || a.p.opts.noOperations === true);
      const changed = new Map<string, Set<string>>();
      if (declared) {
        for (const a of accepted) {
          if (a.p.opts.operation === undefined) continue;
          const set = changed.get(a.p.opts.operation) ?? new Set<string>();
          for (const id of a.p.opts.steps ?? []) set.add(id);
          changed.set(a.p.opts.operation, set);
        }
        this.adapter.forget(draft.operations.filter((o) => changed.has(o.id)).map((o) => ({ op: o, steps: o.steps.filter((st) => changed.get(o.id)!.has(st.id)) })));
      } else this.adapter.forget('all');
      const marker = crashMarker();
      const append =
        declared &&
        this.snapshotOnDisk &&
        this.adapter.canAppend() &&
        !accepted.some((a) => a.p.opts.compact) &&
        this.adapter.walBytes() < Math.max(this.walMaxBytes, 2 * this.adapter.lastSnapshotBytes) &&
        marker !== '<' &&
        marker !== '>';
      const serial = draft.serial;
      draft.serial = serial + 1;
      this.db.data = draft;
      try {
        crashTestHook('before', !append);
        if (append) {
          const line = this.shadow.encode(draft, draft.serial, changed, (s, json) => this.adapter.rememberStep(s, json));
          await this.adapter.append(line, draft.lineage, crashHooks(false));
        } else {
          await this.adapter.compact(draft, crashHooks(true));
          this.shadow.reset(draft);
        }
      } catch (err) {
        // What the failed write left on disk is the truth: read it again before the next change.
        draft.serial = serial;
        this.loaded = false;
        await this.readDisk().then(
          () => (this.loaded = true),
          () => undefined,
        );
        for (const a of accepted) reject(a.p, err);
        return;
      }
      crashTestHook('after');
      this.loaded = true;
      if (!append) {
        this.snapshotOnDisk = true;
        this.seen = await this.env.fs.stat(this.path).catch(() => null);
      }
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
      this.snapshotOnDisk = false;
      this.shadow.reset(this.db.data);
      return this.db.data;
    }
    await this.readDisk();
    return this.db.data;
  }

  /** The state as on disk now (re-read only if another process replaced the file). */
  private async refresh(needsExisting: boolean): Promise<StateData> {
    const st = await this.env.fs.stat(this.path).catch((e) => {
      throw ioError('read the state file', this.path, e);
    });
    const ws = st === null ? null : await this.env.fs.stat(this.adapter.wal).catch((e) => {
      throw ioError('read the state log', this.adapter.wal, e);
    });
    if (st === null) {
      if (this.loaded && needsExisting) throw new DrctlError(StateCode.lockLost, `The state file ${this.path} was removed while this drctl held its lock. It stops here without touching anything else.`, { exitCode: 3 });
      this.db.data = this.fresh();
      this.snapshotOnDisk = false;
      this.shadow.reset(this.db.data);
    } else if (!this.loaded || !sameStat(st, this.seen) || !this.adapter.walMatches(ws)) {
      await this.readDisk();
      this.seen = st;
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
