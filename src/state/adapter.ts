/**
 * A lowdb Adapter for the state file that is durable, unlike lowdb's own JSONFile (steno renames but
 * never fsyncs). The state is a snapshot (`<file>`) plus a write-ahead log (`<file>.wal`): the format,
 * and why each step is safe, are described at the top of wal.ts.
 *
 * - read(): snapshot + the log's complete records (re-read when a compaction raced the read).
 * - append(line): one journal write: the record appended to the log in one write(2), fdatasync.
 * - write(data) = compaction: temp file in the same directory → fsync it → keep the current snapshot
 *   as `<file>.backup` (hard link, copy as fallback) → rename the temp over the file → fsync the
 *   directory → remove the log. A crash at any point leaves a complete snapshot (old or new) and a log
 *   whose records continue it, never a torn snapshot.
 */
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { DrctlError } from '../errors.js';
import { StateCode } from './codes.js';
import { errCode, nodeStateFs, type AppendHandleLike, type FileStat, type StateFs } from './fs.js';
import { STATE_FORMAT_VERSION, type StateData } from './types.js';
import { replayWal, walHeaderLine, walPathOf, WalProblem } from './wal.js';

/** Crash-test points inside a write (store.ts wires them to DRCTL_TEST_KILL_AT_TRANSITION). */
export interface WriteHooks {
  /** Compaction: the new snapshot is complete and fsynced in its temp file, not yet renamed. */
  tempSynced?: () => void;
  /** Compaction: the new snapshot is renamed in place (directory fsynced); the old log not yet removed. */
  renamed?: () => void;
  /** Append: the record is in the log (page cache), not yet fdatasync'ed. */
  appended?: () => void;
  /** Append: write only the first half of the record, then call this (a torn write). */
  torn?: () => void;
}

/** A read of snapshot + log. */
export interface FullRead {
  data: StateData | null;
  /** What was seen of the log; null when it changed while being read (read again before appending). */
  wal: WalState | null;
  snapshotBytes: number;
}

/** What this adapter knows of the log on disk. */
export interface WalState {
  exists: boolean;
  ino: number;
  /** Its size in bytes as we last read or wrote it. */
  size: number;
  /** No torn tail: appending after it is safe. */
  clean: boolean;
}

export function backupPathOf(file: string): string {
  return `${file}.backup`;
}

/** Parses and checks a state file's text; throws a DrctlError naming the file and its backup. */
export function parseState(text: string, file: string): StateData {
  const backup = backupPathOf(file);
  const hint =
    `The previous version is kept at ${backup}: inspect it (drctl --state ${backup} state show) and, ` +
    `if it is good, restore it (cp ${backup} ${file}; move ${walPathOf(file)} away if it exists: its changes are lost with it). ` +
    `Never delete the state file or its .wal while an operation is in flight.`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DrctlError(StateCode.corrupt, `State file ${file} is corrupt: not valid JSON (${(err as Error).message}).`, {
      hint,
      cause: err,
      details: { file, backup },
    });
  }
  const o = raw as Partial<StateData> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new DrctlError(StateCode.corrupt, `State file ${file} is corrupt: not a JSON object.`, { hint, details: { file, backup } });
  }
  if (typeof o.format_version === 'number' && o.format_version !== STATE_FORMAT_VERSION) {
    const newer = o.format_version > STATE_FORMAT_VERSION;
    throw new DrctlError(
      newer ? StateCode.unknownVersion : StateCode.corrupt,
      `State file ${file} has format_version ${o.format_version}; this drctl reads format_version ${STATE_FORMAT_VERSION}.`,
      {
        hint: newer ? `It was written by a newer drctl: upgrade drctl. (Backup of the previous version: ${backup}.)` : hint,
        details: { file, backup, formatVersion: o.format_version },
      },
    );
  }
  const missing: string[] = [];
  if (o.format_version !== STATE_FORMAT_VERSION) missing.push('format_version');
  if (typeof o.lineage !== 'string' || o.lineage === '') missing.push('lineage');
  if (typeof o.serial !== 'number' || !Number.isInteger(o.serial) || o.serial < 0) missing.push('serial');
  if (!Array.isArray(o.operations)) missing.push('operations');
  if (o.lock !== undefined && (typeof o.lock !== 'object' || o.lock === null || typeof o.lock.id !== 'string')) missing.push('lock');
  if (missing.length > 0) {
    throw new DrctlError(StateCode.corrupt, `State file ${file} is corrupt: missing or invalid ${missing.join(', ')}.`, {
      hint,
      details: { file, backup },
    });
  }
  return o as StateData;
}

export function serializeState(data: StateData): string {
  return `${JSON.stringify(data)}\n`;
}

export function ioError(what: string, file: string, err: unknown): DrctlError {
  if (DrctlError.is(err)) return err;
  const code = errCode(err);
  return new DrctlError(StateCode.io, `Could not ${what} ${file}: ${code ?? ''}${code ? ' ' : ''}${(err as Error)?.message ?? String(err)}`.trim(), {
    hint: code === 'ENOSPC' ? 'The disk is full: free space and re-run; the previous state is intact.' : 'Check the path and its permissions; the previous state is intact.',
    cause: err,
    details: { file },
  });
}

/** Durable lowdb adapter. read() returns null when the file does not exist. */
export class AtomicJsonFile implements Adapter<StateData> {
  readonly file: string;
  readonly backup: string;
  readonly dir: string;
  /** The write-ahead log: `<file>.wal`. */
  readonly wal: string;
  private seq = 0;
  private walState: WalState | null = null;
  private walHandle: AppendHandleLike | null = null;
  /**
   * JSON as last written, by object: of operations and of their steps, reused for what the store says
   * did not change (a transition of a 1,000-step operation re-encodes one step, not 1,000).
   */
  private opJson = new WeakMap<object, string>();
  private stepJson = new WeakMap<object, string>();

  constructor(
    file: string,
    private readonly fs: StateFs,
    private readonly pid: number,
  ) {
    this.file = file;
    this.backup = backupPathOf(file);
    this.dir = path.dirname(file);
    this.wal = walPathOf(file);
  }

  /** lowdb's read: readFull(), adopted as what this adapter knows of the files. */
  async read(): Promise<StateData | null> {
    const r = await this.readFull();
    this.adopt(r);
    return r.data;
  }

  /** Makes a readFull() result what this adapter knows of the log (call under the write mutex). */
  adopt(r: FullRead): void {
    this.walState = r.wal;
    this.lastSnapshotBytes = r.snapshotBytes;
  }

  /**
   * The state: snapshot + log (data null when there is no snapshot), and what was seen of the log.
   * No side effect on this adapter. Lock-free: a compaction racing this read shows as a gap in the
   * serials, and the read starts again.
   */
  async readFull(): Promise<FullRead> {
    let gap = '';
    for (let attempt = 0; attempt < 8; attempt++) {
      let text: string | null;
      let walText: string | null;
      let walStat: FileStat | null;
      try {
        text = await this.fs.readFile(this.file);
        if (text === null) return { data: null, wal: null, snapshotBytes: 0 };
        // stat before read: if the log grows in between, the size we keep is smaller than the file's
        // and the store reads again before its next write.
        walStat = await this.fs.stat(this.wal);
        walText = walStat === null ? null : await this.fs.readFile(this.wal);
      } catch (err) {
        throw ioError('read the state file', this.file, err);
      }
      const data = parseState(text, this.file);
      if (walText === null) return { data, wal: { exists: false, ino: 0, size: 0, clean: true }, snapshotBytes: text.length };
      try {
        const r = replayWal(data, walText);
        const size = Buffer.byteLength(walText);
        const wal = walStat !== null && walStat.size === size ? { exists: true, ino: walStat.ino, size, clean: !r.torn } : null;
        return { data, wal, snapshotBytes: text.length };
      } catch (err) {
        if (!(err instanceof WalProblem)) throw err;
        if (err.kind === 'gap') {
          gap = err.message;
          continue;
        }
        throw this.walCorrupt(err.message);
      }
    }
    throw this.walCorrupt(`${gap} (a log that does not continue the snapshot: was ${this.file} replaced by an older copy?)`);
  }

  private walCorrupt(why: string): DrctlError {
    return new DrctlError(StateCode.corrupt, `The state log ${this.wal} cannot be applied to ${this.file}: ${why}.`, {
      hint:
        `${this.wal} holds the journal's latest changes since ${this.file} was written. If ${this.file} was replaced on purpose ` +
        `(a restored backup), move ${this.wal} away — its changes are lost with it; otherwise restore the state file that goes with it.`,
      details: { file: this.file, wal: this.wal },
    });
  }

  /** True when the log on disk (its stat now) is exactly what this adapter last read or wrote. */
  walMatches(st: FileStat | null): boolean {
    const w = this.walState;
    if (w === null) return false;
    if (st === null) return !w.exists;
    return w.exists && st.ino === w.ino && st.size === w.size;
  }

  /** True when the next write may be an append: the log is known, with no torn tail. */
  canAppend(): boolean {
    return this.walState !== null && this.walState.clean;
  }

  /** Bytes in the log (0 when there is none). */
  walBytes(): number {
    return this.walState?.exists ? this.walState.size : 0;
  }

  /** The state on disk is unknown (a write failed): the store reads it again before the next write. */
  invalidateWal(): void {
    this.walState = null;
    const h = this.walHandle;
    this.walHandle = null;
    void h?.close().catch(() => undefined);
  }

  /**
   * One journal write: appends the record line (creating the log, with its header, when there is
   * none) and fdatasyncs it. The caller checked canAppend().
   */
  async append(line: string, lineage: string, hooks: WriteHooks = {}): Promise<void> {
    const w = this.walState;
    if (w === null || !w.clean) throw new Error('AtomicJsonFile.append: the log is not known to be clean');
    const create = !w.exists;
    const text = create ? walHeaderLine(lineage) + line : line;
    try {
      if (this.walHandle === null || create) {
        await this.walHandle?.close().catch(() => undefined);
        this.walHandle = null;
        this.walHandle = await this.fs.openAppend(this.wal);
      }
      const h = this.walHandle;
      if (hooks.torn) {
        await h.append(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        hooks.torn();
      }
      await h.append(text);
      hooks.appended?.();
      await h.datasync();
      if (create) {
        // A new directory entry: durable only once the directory is.
        await this.fs.fsyncDir(this.dir);
        const st = await this.fs.stat(this.wal);
        if (st === null) throw Object.assign(new Error(`${this.wal} vanished`), { code: 'ENOENT' });
        this.walState = { exists: true, ino: st.ino, size: Buffer.byteLength(text), clean: true };
      } else {
        w.size += Buffer.byteLength(text);
      }
    } catch (err) {
      this.invalidateWal();
      throw ioError('append to the state log', this.wal, err);
    }
  }

  /**
   * The store changed these operations (their records, and of their steps only `steps`), or anything
   * ('all'): serialize them afresh on the next write.
   */
  forget(ops: 'all' | ReadonlyArray<{ op: object; steps: readonly object[] }>): void {
    if (ops === 'all') {
      this.opJson = new WeakMap();
      this.stepJson = new WeakMap();
      return;
    }
    for (const o of ops) {
      this.opJson.delete(o.op);
      for (const st of o.steps) this.stepJson.delete(st);
    }
  }

  /** JSON.stringify(value) of an object whose `key` array's items are encoded through `cache`. */
  private static encode(value: object, key: string, cache: WeakMap<object, string>): string {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (k === key && Array.isArray(v)) {
        const items = v.map((x: unknown) => {
          if (typeof x !== 'object' || x === null) return JSON.stringify(x) ?? 'null';
          let json = cache.get(x);
          if (json === undefined) {
            json = JSON.stringify(x) ?? 'null';
            cache.set(x, json);
          }
          return json;
        });
        parts.push(`${JSON.stringify(k)}:[${items.join(',')}]`);
        continue;
      }
      const json = JSON.stringify(v);
      if (json !== undefined) parts.push(`${JSON.stringify(k)}:${json}`);
    }
    return `{${parts.join(',')}}`;
  }

  /**
   * serializeState(data), byte for byte, re-serializing only the operations that changed: with a long
   * history (or 20 operations in flight) a journal transition no longer re-encodes every operation.
   */
  private serialize(data: StateData): string {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      if (k === 'operations' && Array.isArray(v)) {
        const ops = v.map((op: object) => {
          let json = this.opJson.get(op);
          if (json === undefined) {
            json = AtomicJsonFile.encode(op, 'steps', this.stepJson);
            this.opJson.set(op, json);
          }
          return json;
        });
        parts.push(`"operations":[${ops.join(',')}]`);
        continue;
      }
      const json = JSON.stringify(v);
      if (json !== undefined) parts.push(`${JSON.stringify(k)}:${json}`);
    }
    return `{${parts.join(',')}}\n`;
  }

  /** Remembers a step's JSON as just encoded (by the log), for the next compaction. */
  rememberStep(step: object, json: string): void {
    this.stepJson.set(step, json);
  }

  /** lowdb's write: a compaction. */
  write(data: StateData): Promise<void> {
    return this.compact(data);
  }

  /** Writes the whole state as the new snapshot (atomically, durably), then removes the log. */
  async compact(data: StateData, hooks: WriteHooks = {}): Promise<void> {
    const text = this.serialize(data);
    const base = path.basename(this.file);
    const tmp = path.join(this.dir, `.${base}.tmp-${this.pid}-${++this.seq}`);
    const fs = this.fs;
    try {
      await fs.mkdirp(this.dir);
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeAll(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      await fs.unlink(tmp).catch(() => undefined);
      throw ioError('write the state file', this.file, err);
    }
    hooks.tempSynced?.();
    try {
      await this.keepBackup();
      await fs.rename(tmp, this.file);
      await fs.fsyncDir(this.dir);
    } catch (err) {
      await fs.unlink(tmp).catch(() => undefined);
      // The rename may or may not have happened: the store reads the state again.
      this.invalidateWal();
      throw ioError('write the state file', this.file, err);
    }
    this.lastSnapshotBytes = Buffer.byteLength(text);
    hooks.renamed?.();
    // The snapshot holds every record of the log now: remove it. (If this removal is lost in a crash,
    // the old records reappear and are skipped by serial.)
    const h = this.walHandle;
    this.walHandle = null;
    try {
      await h?.close();
      if (this.walState === null || this.walState.exists) await fs.unlink(this.wal);
    } catch (err) {
      this.invalidateWal();
      throw ioError('remove the state log', this.wal, err);
    }
    this.walState = { exists: false, ino: 0, size: 0, clean: true };
  }

  /** Size of the snapshot as last written by this adapter (0 before the first compaction). */
  lastSnapshotBytes = 0;

  /** The current file becomes the backup (atomically: link/copy to a temp name, rename over). */
  private async keepBackup(): Promise<void> {
    const fs = this.fs;
    if ((await fs.stat(this.file)) === null) return;
    const tmp = `${this.backup}.tmp-${this.pid}`;
    await fs.unlink(tmp);
    try {
      await fs.link(this.file, tmp);
    } catch (err) {
      const code = errCode(err);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      await fs.copyFile(this.file, tmp);
    }
    await fs.rename(tmp, this.backup);
  }
}

/** Reads a state file (snapshot + log) without a store: `drctl plan`'s journal view. null when absent. */
export async function readStateFile(file: string, fs: StateFs = nodeStateFs()): Promise<StateData | null> {
  return (await new AtomicJsonFile(file, fs, process.pid).readFull()).data;
}
