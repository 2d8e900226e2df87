/**
 * A lowdb Adapter for the state file that is durable, unlike lowdb's own JSONFile (steno renames but
 * never fsyncs). A write is: temp file in the same directory → fsync it → keep the current file as
 * `<file>.backup` (hard link, copy as fallback) → rename the temp over the file → fsync the directory.
 * A crash at any point leaves either the old or the new file complete, never a torn one.
 */
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { DrctlError } from '../errors.js';
import { StateCode } from './codes.js';
import { errCode, type StateFs } from './fs.js';
import { STATE_FORMAT_VERSION, type StateData } from './types.js';

export function backupPathOf(file: string): string {
  return `${file}.backup`;
}

/** Parses and checks a state file's text; throws a DrctlError naming the file and its backup. */
export function parseState(text: string, file: string): StateData {
  const backup = backupPathOf(file);
  const hint =
    `The previous version is kept at ${backup}: inspect it (drctl --state ${backup} state show) and, ` +
    `if it is good, restore it (cp ${backup} ${file}). Never delete the state file while an operation is in flight.`;
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
  private seq = 0;
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
  }

  async read(): Promise<StateData | null> {
    let text: string | null;
    try {
      text = await this.fs.readFile(this.file);
    } catch (err) {
      throw ioError('read the state file', this.file, err);
    }
    return text === null ? null : parseState(text, this.file);
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

  async write(data: StateData): Promise<void> {
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
    try {
      await this.keepBackup();
      await fs.rename(tmp, this.file);
      await fs.fsyncDir(this.dir);
    } catch (err) {
      await fs.unlink(tmp).catch(() => undefined);
      throw ioError('write the state file', this.file, err);
    }
  }

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
