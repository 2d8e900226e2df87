/**
 * The operation journal (invariant 3: write-ahead). Each call is ONE atomic state write, made before
 * the side effect it announces (intent) or right after it (done/failed). A crash anywhere leaves a
 * journal that says exactly which steps are done, which may be half-done (intent) and which never ran.
 */
import { DrctlError } from '../errors.js';
import { PHASE_RANGE, type Phase, type PlanStep } from '../plan/types.js';
import { StateCode } from './codes.js';
import { iso } from './env.js';
import type { LockHandle } from './lock.js';
import { scrubSecrets, scrubString } from './scrub.js';
import type { StateStore } from './store.js';
import type {
  JournalStep,
  OperationRecord,
  OperationStatus,
  OperationType,
  StateData,
  StepError,
  StepResult,
} from './types.js';

export const PHASES: readonly Phase[] = ['preparation', 'storage', 'instances', 'finalization'];
const MAX_EVENTS = 200;

/**
 * Progress 0-100 from the phases: each phase contributes its range's width times the fraction of its
 * steps that are done. A phase with no steps counts as complete once every phase before it is.
 * A completed operation is 100.
 */
export function computeProgress(steps: Pick<JournalStep, 'phase' | 'status'>[], status?: OperationStatus): number {
  if (status === 'completed') return 100;
  let total = 0;
  let earlierComplete = true;
  for (const ph of PHASES) {
    const [lo, hi] = PHASE_RANGE[ph];
    const inPhase = steps.filter((s) => s.phase === ph);
    let frac: number;
    if (inPhase.length === 0) frac = earlierComplete ? 1 : 0;
    else frac = inPhase.filter((s) => s.status === 'done').length / inPhase.length;
    total += (hi - lo) * frac;
    earlierComplete = earlierComplete && frac === 1;
  }
  // Never claim 100 before the operation is closed as completed.
  return Math.min(99, Math.floor(total + 1e-9));
}

/** The phase being worked on: the first one with steps not yet done. */
export function currentPhase(steps: Pick<JournalStep, 'phase' | 'status'>[]): Phase {
  for (const ph of PHASES) {
    if (steps.some((s) => s.phase === ph && s.status !== 'done')) return ph;
  }
  return 'finalization';
}

/** The ops JSON shape of DESIGN.md. */
export interface OperationSummary {
  id: string;
  type: OperationType;
  group: string;
  mode?: 'planned' | 'unplanned';
  status: OperationStatus;
  progress: number;
  phase: Phase;
  sourceSite: string | null;
  targetSite: string | null;
  startedAt: string;
  completedAt: string | null;
  stepsCompleted: string[];
  stepsFailed: string[];
  errorMessage: string | null;
  dataLossWindowSeconds?: number;
  who: string;
  resumeCommand?: string;
}

export function toOperationSummary(op: OperationRecord): OperationSummary {
  const s: OperationSummary = {
    id: op.id,
    type: op.type,
    group: op.group,
    status: op.status,
    progress: op.progress,
    phase: op.phase,
    sourceSite: op.sourceSite ?? null,
    targetSite: op.targetSite ?? null,
    startedAt: op.startedAt,
    completedAt: op.completedAt,
    stepsCompleted: [...op.stepsCompleted],
    stepsFailed: [...op.stepsFailed],
    errorMessage: op.errorMessage,
    who: op.who,
  };
  if (op.mode) s.mode = op.mode;
  if (op.dataLossWindowSeconds !== undefined) s.dataLossWindowSeconds = op.dataLossWindowSeconds;
  if (op.resumeCommand) s.resumeCommand = op.resumeCommand;
  return s;
}

/** Unfinished = it must be resumed before anything new starts on its group. */
export function isResumable(op: OperationRecord): boolean {
  if (op.status === 'pending' || op.status === 'running' || op.status === 'rolling_back') return true;
  return op.status === 'failed' && !op.rolledBack;
}

export function unfinishedOperations(data: StateData | null, group?: string): OperationRecord[] {
  return (data?.operations ?? []).filter((o) => isResumable(o) && (group === undefined || o.group === group));
}

/** Finds an operation by id or unique id prefix. */
export function findOperation(data: StateData | null, idOrPrefix: string, file = 'the state file'): OperationRecord {
  const ops = data?.operations ?? [];
  const exact = ops.find((o) => o.id === idOrPrefix);
  if (exact) return exact;
  const matches = idOrPrefix.length >= 4 ? ops.filter((o) => o.id.startsWith(idOrPrefix)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new DrctlError(StateCode.opAmbiguous, `Operation id prefix ${idOrPrefix} matches ${matches.length} operations: ${matches.map((o) => o.id).join(', ')}.`, {
      hint: 'Give more characters of the id.',
    });
  }
  throw new DrctlError(StateCode.opNotFound, `No operation ${idOrPrefix} in ${file}.`, { hint: 'List them with: drctl ops list' });
}

export function toStepError(err: unknown): StepError {
  const e = err as { message?: unknown; code?: unknown; hint?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const out: StepError = { message: scrubString(message) };
  if (typeof e?.code === 'string') out.code = e.code;
  // The way out (a DrctlError's hint) is kept: drctl ops show and the report print it.
  if (typeof e?.hint === 'string' && e.hint) out.hint = scrubString(e.hint);
  return out;
}

export interface OpenOperationInput {
  type: OperationType;
  group: string;
  mode?: 'planned' | 'unplanned';
  sourceSite?: string;
  targetSite?: string;
  planDigest?: string;
  /** The DR spec (metadata.name, sha256 of the file) the operation was planned from. */
  spec?: { name: string; digest: string };
  /** The step DAG it will run (from the plan action). */
  steps: PlanStep[];
  /** Defaults to 'running'. */
  status?: 'pending' | 'running';
  /** Operation id; defaults to env.newId() prefixed with "op-". */
  id?: string;
}

/** Writes operation records through the store, each transition one atomic write checked against the lock. */
export class Journal {
  constructor(
    readonly store: StateStore,
    /** The caller's lock: every write verifies it still holds it. */
    readonly lock: Pick<LockHandle, 'id' | 'lostError'>,
  ) {}

  private now(): string {
    return iso(this.store.env.now());
  }

  /**
   * One atomic write changing one operation; returns a copy of the operation after the change.
   * `steps`: the ids of the only steps fn changes (the store re-encodes just those of its steps).
   */
  private async change(opId: string, fn: (op: OperationRecord, now: string) => void, steps: readonly string[] = []): Promise<OperationRecord> {
    if (this.lock.lostError) throw this.lock.lostError;
    return this.store.update(
      (d) => {
        const op = d.operations.find((o) => o.id === opId);
        if (!op) throw new DrctlError(StateCode.opNotFound, `No operation ${opId} in ${this.store.path}.`);
        fn(op, this.now());
        op.progress = computeProgress(op.steps, op.status);
        op.phase = currentPhase(op.steps);
        return snapshotOf(op);
      },
      { lockId: this.lock.id, operation: opId, steps },
    );
  }

  private stepOf(op: OperationRecord, stepId: string): JournalStep {
    const s = op.steps.find((x) => x.id === stepId);
    if (!s) throw new DrctlError(StateCode.stepNotFound, `Operation ${op.id} has no step ${stepId}.`);
    return s;
  }

  async open(input: OpenOperationInput): Promise<OperationRecord> {
    const env = this.store.env;
    const id = input.id ?? `op-${env.newId()}`;
    const who = `${env.user()}@${env.hostname()}`;
    return this.store.update(
      (d) => {
        const now = this.now();
        const steps: JournalStep[] = input.steps.map((s) => {
          const j: JournalStep = {
            id: s.id,
            name: s.name,
            phase: s.phase,
            dependsOn: [...s.dependsOn],
            status: 'pending',
            attempt: 0,
          };
          if (s.site !== undefined) j.site = s.site;
          if (s.target !== undefined) j.target = s.target;
          if (s.tier !== undefined) j.tier = s.tier;
          if (s.params !== undefined) j.params = scrubSecrets(s.params);
          if (s.description !== undefined) j.description = scrubString(s.description);
          return j;
        });
        const op: OperationRecord = {
          id,
          type: input.type,
          group: input.group,
          status: input.status ?? 'running',
          progress: 0,
          phase: 'preparation',
          startedAt: now,
          completedAt: null,
          stepsCompleted: [],
          stepsFailed: [],
          errorMessage: null,
          who,
          steps,
          events: [{ at: now, message: `opened by ${who}` }],
          warnings: [],
        };
        if (input.mode) op.mode = input.mode;
        if (input.sourceSite) op.sourceSite = input.sourceSite;
        if (input.targetSite) op.targetSite = input.targetSite;
        if (input.planDigest) op.planDigest = input.planDigest;
        if (input.spec) op.spec = { name: input.spec.name, digest: input.spec.digest };
        op.progress = computeProgress(op.steps, op.status);
        op.phase = currentPhase(op.steps);
        d.operations.push(op);
        return snapshotOf(op);
      },
      { lockId: this.lock.id, operation: id },
    );
  }

  /** INTENT: persisted before the step's side effect starts. */
  stepIntent(opId: string, stepId: string): Promise<OperationRecord> {
    return this.change(opId, (op, now) => this.applyIntent(op, stepId, now), [stepId]);
  }

  stepDone(opId: string, stepId: string, result?: StepResult): Promise<OperationRecord> {
    return this.change(opId, (op, now) => this.applyDone(op, stepId, result, now), [stepId]);
  }

  /**
   * One write for a step finishing and the steps it unblocks starting: DONE of each `done` entry and
   * INTENT of each of `intents`. Atomic, so a crash leaves either none or all of it.
   */
  transition(opId: string, t: { done?: Array<{ id: string; result?: StepResult }>; intents?: string[] }): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      for (const id of [...(t.done ?? []).map((d) => d.id), ...(t.intents ?? [])]) this.stepOf(op, id); // refuse before changing anything
      for (const d of t.done ?? []) this.applyDone(op, d.id, d.result, now);
      for (const id of t.intents ?? []) this.applyIntent(op, id, now);
    }, [...(t.done ?? []).map((d) => d.id), ...(t.intents ?? [])]);
  }

  private applyIntent(op: OperationRecord, stepId: string, now: string): void {
    const s = this.stepOf(op, stepId);
    s.status = 'intent';
    s.attempt += 1;
    s.startedAt = now;
    delete s.endedAt;
    delete s.error;
    op.stepsFailed = op.stepsFailed.filter((x) => x !== stepId);
  }

  private applyDone(op: OperationRecord, stepId: string, result: StepResult | undefined, now: string): void {
    const s = this.stepOf(op, stepId);
    s.status = 'done';
    s.endedAt = now;
    s.seq = Math.max(0, ...op.steps.map((x) => x.seq ?? 0)) + 1;
    delete s.error;
    if (result !== undefined) {
      const clean = scrubSecrets(result);
      s.result = clean;
      for (const w of clean.warnings ?? []) op.warnings.push(`${stepId}: ${w}`);
      if (typeof clean.dataLossWindowSeconds === 'number') op.dataLossWindowSeconds = clean.dataLossWindowSeconds;
    }
    if (!op.stepsCompleted.includes(stepId)) op.stepsCompleted.push(stepId);
    op.stepsFailed = op.stepsFailed.filter((x) => x !== stepId);
  }

  stepFailed(opId: string, stepId: string, err: unknown): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      const s = this.stepOf(op, stepId);
      s.status = 'failed';
      s.endedAt = now;
      s.seq = Math.max(0, ...op.steps.map((x) => x.seq ?? 0)) + 1;
      s.error = toStepError(err);
      if (!op.stepsFailed.includes(stepId)) op.stepsFailed.push(stepId);
    }, [stepId]);
  }

  /** Compensation INTENT: persisted before the undo's side effect. */
  compensationIntent(opId: string, stepId: string): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      this.stepOf(op, stepId).compensation = { status: 'intent', startedAt: now };
    }, [stepId]);
  }

  compensationDone(opId: string, stepId: string): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      const s = this.stepOf(op, stepId);
      s.compensation = { status: 'done', startedAt: s.compensation?.startedAt ?? now, endedAt: now };
      s.status = 'rolled_back';
      op.stepsCompleted = op.stepsCompleted.filter((x) => x !== stepId);
    }, [stepId]);
  }

  compensationFailed(opId: string, stepId: string, err: unknown): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      const s = this.stepOf(op, stepId);
      s.compensation = { status: 'failed', startedAt: s.compensation?.startedAt ?? now, endedAt: now, error: toStepError(err) };
    }, [stepId]);
  }

  setStatus(
    opId: string,
    status: OperationStatus,
    extra: { errorMessage?: string | null; resumeCommand?: string; rolledBack?: boolean; event?: string } = {},
  ): Promise<OperationRecord> {
    return this.change(opId, (op, now) => {
      const before = op.status;
      op.status = status;
      if (extra.errorMessage !== undefined) op.errorMessage = extra.errorMessage === null ? null : scrubString(extra.errorMessage);
      if (extra.resumeCommand !== undefined) op.resumeCommand = extra.resumeCommand;
      if (extra.rolledBack !== undefined) op.rolledBack = extra.rolledBack;
      if (status === 'completed' || status === 'failed') op.completedAt = now;
      else op.completedAt = null;
      if (status === 'completed') {
        op.errorMessage = null;
        delete op.resumeCommand;
      }
      pushEvent(op, now, extra.event ?? `${before} → ${status}`);
    });
  }

  /** Closes the operation: completed (progress 100) or failed with a message. */
  close(opId: string, status: 'completed' | 'failed', errorMessage?: string): Promise<OperationRecord> {
    return this.setStatus(opId, status, errorMessage === undefined ? {} : { errorMessage });
  }

  addWarning(opId: string, warning: string): Promise<OperationRecord> {
    return this.change(opId, (op) => {
      op.warnings.push(scrubString(warning));
    });
  }

  addEvent(opId: string, message: string): Promise<OperationRecord> {
    return this.change(opId, (op, now) => pushEvent(op, now, message));
  }

  setDataLossWindow(opId: string, seconds: number): Promise<OperationRecord> {
    return this.change(opId, (op) => {
      op.dataLossWindowSeconds = seconds;
    });
  }
}

/**
 * A copy of an operation for the caller, isolated from later changes: the record, its arrays and
 * each step object are copied; nested values (params, results, errors, compensations) are shared —
 * the journal never changes those in place, it replaces them. (A full deep copy of an operation of
 * 1,000 steps per transition cost more than the write itself.)
 */
function snapshotOf(op: OperationRecord): OperationRecord {
  return {
    ...op,
    steps: op.steps.map((s) => ({ ...s })),
    stepsCompleted: [...op.stepsCompleted],
    stepsFailed: [...op.stepsFailed],
    warnings: [...op.warnings],
    ...(op.events ? { events: [...op.events] } : {}),
  };
}

function pushEvent(op: OperationRecord, at: string, message: string): void {
  const events = (op.events ??= []);
  events.push({ at, message: scrubString(message) });
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
}
