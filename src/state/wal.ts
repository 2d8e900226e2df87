/**
 * The state file's write-ahead log: `<state file>.wal` (default `.drctl/state.json.wal`).
 *
 * ON-DISK FORMAT (format_version 1 state files; log version 1)
 *
 *   .drctl/state.json         the SNAPSHOT: one JSON object (format_version, lineage, serial, lock?,
 *                             operations[]), written whole and atomically (temp file + fsync, the
 *                             previous snapshot kept as state.json.backup, rename, directory fsync).
 *   .drctl/state.json.wal     the LOG: changes made since that snapshot, one JSON document per line
 *                             ("JSON lines", UTF-8, each line ends with "\n"). Absent (or empty) when
 *                             the snapshot is complete — always the case when no drctl is running and
 *                             none was killed.
 *
 * The state is: the snapshot, then every log record whose serial is greater than the snapshot's, in
 * order. Line 1 of the log is a header, every later line one record = one durable state write:
 *
 *   {"wal":"drctl-state-wal","version":1,"lineage":"<the snapshot's lineage>"}
 *   {"serial":42,"ops":[{"id":"op-…","set":{"progress":64,"phase":"instances"},
 *                        "push":{"stepsCompleted":["g/server.create/db-1"]},
 *                        "steps":[{…the whole step as it is now…}, …]}]}
 *   {"serial":43,"add":[{…a whole new operation…}]}
 *   {"serial":44,"top":{"lock":{…}}}                      (lease renewal; "del":["lock"] removes it)
 *
 *   serial   the state's serial after this write: exactly one more than the record before it (or the
 *            snapshot). Records with a serial ≤ the snapshot's are already in it and are skipped.
 *   top/del  top-level fields set (whole value) / removed (only the lock changes this way).
 *   add      operations written whole: appended to `operations` (a new one), or replacing the one
 *            with the same id.
 *   ops      changes to existing operations, by id: `set` fields replaced whole, `del` fields removed,
 *            `push` items appended to an array field (stepsCompleted, warnings, events…), `steps`
 *            whole step records replacing the step with the same id. A record names only what changed:
 *            its size does not grow with the operation's (a transition of a 1,000-step failover writes
 *            the two or three steps it touches, not 1,000).
 *
 * Writes: a journal transition appends its record with ONE write(2) of the whole line to the log,
 * opened O_APPEND, then fdatasync(2) — durable before the caller continues (invariant 3: the intent
 * is on disk before the side effect starts). Transitions made while a write is in flight share the
 * next record (group commit). Everything else — taking the lock (the first write of an apply), any
 * change that does not say which operation it touches, the lock's release at the end of a run, a log
 * grown past max(4 MiB, twice the snapshot), and any log this process does not know to be clean —
 * COMPACTS: the whole state goes to a new snapshot through the
 * atomic path above, then the log is removed. A crash between the rename and the removal leaves records
 * the new snapshot already holds (skipped by serial); a crash before the rename leaves the old snapshot
 * and the log, complete.
 *
 * Reads: snapshot + the log's complete lines. A last line without its "\n" (or that is not JSON) is a
 * write torn by a crash or power loss: ignored — it was never acknowledged, so no side effect followed
 * it. A broken line before the last one, or a log of another lineage, is corruption (DRCTL_E4002). A
 * reader racing a compaction (old snapshot, then the next log) sees a gap in the serials and reads
 * again. A writer appends only to a log it knows whole (read or written by it, same inode and size
 * when it checks under the write mutex, no torn tail); any other log is compacted away first, so a
 * torn tail is never extended.
 *
 * Secrets: records carry only what the journal already scrubbed (src/state/scrub.ts) — the same values
 * as the snapshot; nothing reaches the log that could not reach state.json.
 */
import type { JournalStep, OperationRecord, StateData } from './types.js';

export const WAL_MAGIC = 'drctl-state-wal';
export const WAL_VERSION = 1;

export function walPathOf(file: string): string {
  return `${file}.wal`;
}

export interface WalHeader {
  wal: typeof WAL_MAGIC;
  version: number;
  lineage: string;
}

export interface WalOpChange {
  id: string;
  set?: Record<string, unknown>;
  del?: string[];
  push?: Record<string, unknown[]>;
  steps?: JournalStep[];
}

export interface WalRecord {
  serial: number;
  top?: Record<string, unknown>;
  del?: string[];
  add?: OperationRecord[];
  ops?: WalOpChange[];
}

export function walHeaderLine(lineage: string): string {
  const h: WalHeader = { wal: WAL_MAGIC, version: WAL_VERSION, lineage };
  return `${JSON.stringify(h)}\n`;
}

/** Why a log cannot be read with this snapshot. `gap`: read both again (a compaction ran in between). */
export class WalProblem extends Error {
  constructor(
    readonly kind: 'gap' | 'corrupt' | 'lineage' | 'version',
    message: string,
  ) {
    super(message);
  }
}

export interface ReplayResult {
  /** Records applied (serial greater than the snapshot's). */
  applied: number;
  /** Records in the log (complete lines after the header). */
  records: number;
  /** A last line was incomplete (torn write): ignored. */
  torn: boolean;
  /** Bytes of the log's complete lines (header included). */
  validBytes: number;
}

/**
 * Applies the log's records to `data` (a snapshot just parsed: changed in place). Throws WalProblem.
 * An empty log, or one with only a (possibly torn) header, changes nothing.
 */
export function replayWal(data: StateData, text: string): ReplayResult {
  const res: ReplayResult = { applied: 0, records: 0, torn: false, validBytes: 0 };
  if (text.length === 0) return res;
  const lines = text.split('\n');
  // The piece after the last "\n" is an incomplete line ('' when the log ends cleanly).
  const tail = lines.pop()!;
  if (tail.length > 0) res.torn = true;
  if (lines.length === 0) return res;
  let header: Partial<WalHeader> | undefined;
  try {
    header = JSON.parse(lines[0]!) as Partial<WalHeader>;
  } catch {
    header = undefined;
  }
  if (!header || header.wal !== WAL_MAGIC) {
    if (lines.length === 1) {
      res.torn = true; // the header itself was torn
      return res;
    }
    throw new WalProblem('corrupt', 'its first line is not a drctl state log header');
  }
  if (header.version !== WAL_VERSION) throw new WalProblem('version', `it is log version ${String(header.version)}; this drctl reads version ${WAL_VERSION}`);
  if (header.lineage !== data.lineage) {
    throw new WalProblem('lineage', `it belongs to state lineage ${String(header.lineage)}, the snapshot is lineage ${data.lineage}`);
  }
  let bytes = Buffer.byteLength(lines[0]!) + 1;
  const index = new Map<string, { op: OperationRecord; steps?: Map<string, number> }>();
  const opOf = (id: string) => {
    let e = index.get(id);
    if (!e) {
      const op = data.operations.find((o) => o.id === id);
      if (!op) return undefined;
      e = { op };
      index.set(id, e);
    }
    return e;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    let rec: WalRecord;
    try {
      rec = JSON.parse(line) as WalRecord;
      if (typeof rec !== 'object' || rec === null || typeof rec.serial !== 'number') throw new Error('not a record');
    } catch {
      if (i === lines.length - 1 && tail.length === 0) {
        // A complete-looking last line that is not a record: a torn write that reached its "\n"
        // position with garbage (e.g. zeros after a power loss). Never acknowledged: ignored.
        res.torn = true;
        break;
      }
      throw new WalProblem('corrupt', `line ${i + 1} is not a valid record`);
    }
    res.records += 1;
    bytes += Buffer.byteLength(line) + 1;
    if (rec.serial <= data.serial) continue;
    if (rec.serial !== data.serial + 1) throw new WalProblem('gap', `it continues from serial ${rec.serial - 1}, the snapshot is serial ${data.serial}`);
    applyRecord(data, rec, opOf, index);
    res.applied += 1;
  }
  res.validBytes = bytes;
  return res;
}

function applyRecord(
  data: StateData,
  rec: WalRecord,
  opOf: (id: string) => { op: OperationRecord; steps?: Map<string, number> } | undefined,
  index: Map<string, { op: OperationRecord; steps?: Map<string, number> }>,
): void {
  const d = data as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec.top ?? {})) d[k] = v;
  for (const k of rec.del ?? []) delete d[k];
  for (const op of rec.add ?? []) {
    const at = data.operations.findIndex((o) => o.id === op.id);
    if (at >= 0) data.operations[at] = op;
    else data.operations.push(op);
    index.delete(op.id);
  }
  for (const ch of rec.ops ?? []) {
    const e = opOf(ch.id);
    if (!e) throw new WalProblem('corrupt', `record serial ${rec.serial} changes operation ${ch.id}, which does not exist`);
    const o = e.op as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(ch.set ?? {})) o[k] = v;
    for (const k of ch.del ?? []) delete o[k];
    for (const [k, items] of Object.entries(ch.push ?? {})) {
      const arr = Array.isArray(o[k]) ? (o[k] as unknown[]) : (o[k] = []);
      for (const x of items) arr.push(x);
    }
    if (ch.steps && ch.steps.length > 0) {
      if (!e.steps) e.steps = new Map(e.op.steps.map((s, i) => [s.id, i]));
      for (const s of ch.steps) {
        const at = e.steps.get(s.id);
        if (at === undefined) {
          e.steps.set(s.id, e.op.steps.length);
          e.op.steps.push(s);
        } else e.op.steps[at] = s;
      }
    }
  }
  data.serial = rec.serial;
}

interface OpShadow {
  /** JSON of each non-array field (steps excluded), as last persisted. */
  fields: Map<string, string>;
  /** Shallow copies of each array field (steps excluded), as last persisted. */
  arrays: Map<string, unknown[]>;
  /** Step id → its index in op.steps (checked on use). */
  steps?: Map<string, number>;
}

/**
 * What was last persisted, kept just finely enough to encode the next record with only what changed:
 * the top-level fields' JSON, and per operation its small fields' JSON and shallow copies of its
 * arrays. Operation shadows are made on first use (before the change is applied) and dropped whenever
 * the state is re-read or compacted (the objects they describe may have been replaced).
 */
export class WalShadow {
  private top = new Map<string, string>();
  private ops = new Map<string, OpShadow | null>();

  /** Forget everything; describe `data` (as persisted) at the top level. */
  reset(data: StateData): void {
    this.ops.clear();
    this.top = new Map();
    for (const [k, v] of Object.entries(data)) {
      if (k === 'operations' || k === 'serial' || v === undefined) continue;
      this.top.set(k, JSON.stringify(v));
    }
  }

  /** Call before an operation is changed: remembers it as it is (null = it does not exist yet). */
  ensure(data: StateData, opId: string): void {
    if (this.ops.has(opId)) return;
    const op = data.operations.find((o) => o.id === opId);
    this.ops.set(opId, op ? shadowOf(op) : null);
  }

  /**
   * The record for `serial` describing how `data` differs from what was persisted, for the operations
   * in `changed` (op id → ids of the steps changed); updates the shadow to `data`. Returns the JSON
   * line (with its "\n"). `stepJson` receives each step's JSON as encoded (for reuse by a compaction).
   */
  encode(data: StateData, serial: number, changed: ReadonlyMap<string, ReadonlySet<string>>, stepJson?: (step: object, json: string) => void): string {
    const parts: string[] = [`"serial":${serial}`];
    // Top level: lock (and anything else but operations/serial).
    const set: string[] = [];
    const seen = new Set<string>();
    for (const [k, v] of Object.entries(data)) {
      if (k === 'operations' || k === 'serial' || v === undefined) continue;
      seen.add(k);
      const json = JSON.stringify(v);
      if (this.top.get(k) !== json) {
        set.push(`${JSON.stringify(k)}:${json}`);
        this.top.set(k, json);
      }
    }
    const del = [...this.top.keys()].filter((k) => !seen.has(k));
    for (const k of del) this.top.delete(k);
    if (set.length > 0) parts.push(`"top":{${set.join(',')}}`);
    if (del.length > 0) parts.push(`"del":${JSON.stringify(del)}`);
    const adds: string[] = [];
    const changes: string[] = [];
    for (const [opId, stepIds] of changed) {
      const sh = this.ops.get(opId);
      const op = data.operations.find((o) => o.id === opId);
      if (!op) continue;
      if (!sh) {
        // New operation (or one whose persisted form is unknown here): whole. Replay adds it, or
        // replaces the operation with the same id.
        const steps = op.steps.map((s) => {
          const json = JSON.stringify(s);
          stepJson?.(s, json);
          return json;
        });
        const rest = encodeOpWithout(op, steps);
        adds.push(rest);
        this.ops.set(opId, shadowOf(op));
        continue;
      }
      const c = diffOp(op, sh, stepIds, stepJson);
      if (c) changes.push(`{"id":${JSON.stringify(opId)}${c}}`);
    }
    if (adds.length > 0) parts.push(`"add":[${adds.join(',')}]`);
    if (changes.length > 0) parts.push(`"ops":[${changes.join(',')}]`);
    return `{${parts.join(',')}}\n`;
  }
}

function shadowOf(op: OperationRecord): OpShadow {
  const sh: OpShadow = { fields: new Map(), arrays: new Map() };
  for (const [k, v] of Object.entries(op)) {
    if (k === 'steps' || v === undefined) continue;
    if (Array.isArray(v)) sh.arrays.set(k, v.slice());
    else sh.fields.set(k, JSON.stringify(v));
  }
  return sh;
}

/** JSON of an operation whose steps are already encoded (same key order as JSON.stringify). */
function encodeOpWithout(op: OperationRecord, steps: string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(op)) {
    if (k === 'steps' && Array.isArray(v)) {
      parts.push(`"steps":[${steps.join(',')}]`);
      continue;
    }
    const json = JSON.stringify(v);
    if (json !== undefined) parts.push(`${JSON.stringify(k)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

/** `,"set":…,"del":…,"push":…,"steps":…` for what changed in op since sh (sh updated), or '' when nothing did. */
function diffOp(op: OperationRecord, sh: OpShadow, stepIds: ReadonlySet<string>, stepJson?: (step: object, json: string) => void): string {
  const set: string[] = [];
  const push: string[] = [];
  const present = new Set<string>();
  for (const [k, v] of Object.entries(op)) {
    if (k === 'steps' || v === undefined) continue;
    present.add(k);
    if (Array.isArray(v)) {
      const prev = sh.arrays.get(k);
      if (prev && v.length >= prev.length && prev.every((x, i) => x === v[i])) {
        if (v.length > prev.length) {
          const added = v.slice(prev.length);
          push.push(`${JSON.stringify(k)}:${JSON.stringify(added)}`);
          for (const x of added) prev.push(x);
        }
      } else {
        set.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
        sh.arrays.set(k, v.slice());
        sh.fields.delete(k);
      }
      continue;
    }
    const json = JSON.stringify(v);
    if (sh.fields.get(k) !== json) {
      set.push(`${JSON.stringify(k)}:${json}`);
      sh.fields.set(k, json);
      sh.arrays.delete(k);
    }
  }
  const del: string[] = [];
  for (const k of [...sh.fields.keys(), ...sh.arrays.keys()]) {
    if (!present.has(k)) {
      del.push(k);
      sh.fields.delete(k);
      sh.arrays.delete(k);
    }
  }
  const steps: string[] = [];
  if (stepIds.size > 0) {
    for (const id of stepIds) {
      // By index, checked: O(1) per step, and right even if a step object was replaced.
      let at = sh.steps?.get(id);
      if (at === undefined || op.steps[at]?.id !== id) {
        sh.steps = new Map(op.steps.map((x, i) => [x.id, i]));
        at = sh.steps.get(id);
      }
      if (at === undefined) continue;
      const s = op.steps[at]!;
      const json = JSON.stringify(s);
      stepJson?.(s, json);
      steps.push(json);
    }
  }
  let out = '';
  if (set.length > 0) out += `,"set":{${set.join(',')}}`;
  if (del.length > 0) out += `,"del":${JSON.stringify(del)}`;
  if (push.length > 0) out += `,"push":{${push.join(',')}}`;
  if (steps.length > 0) out += `,"steps":[${steps.join(',')}]`;
  return out;
}
