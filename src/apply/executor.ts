/**
 * The DAG executor: runs one plan action's steps against an operation in the journal.
 *
 * - A step starts the moment all its dependsOn steps are done (no tier barriers beyond the edges);
 *   among ready steps the one with the longest remaining path goes first; at most `parallelism` run.
 * - Journal first, then act (invariant 3): INTENT is persisted before the step implementation is
 *   called, DONE (with the ids it created/found) or FAILED right after.
 * - Resume: steps already `done` are skipped (their results are available to later steps); steps
 *   with `intent` (maybe half-done) or `failed` are re-run — implementations are idempotent.
 * - Failure before the point of no return: the other running steps finish, then compensations run in
 *   reverse completion order (rolling_back → failed, rolledBack). After it: stop, keep everything,
 *   failed with a resume command.
 * - If the journal itself cannot be written (disk, lock lost) nothing more is started and the error
 *   is thrown: the journal on disk still tells the truth and a later apply resumes.
 */
import { DrctlError } from '../errors.js';
import type { PlanStep, StepName } from '../plan/types.js';
import { ApplyCode } from '../state/codes.js';
import type { IntervalTimer } from '../state/env.js';
import { toStepError, type Journal } from '../state/journal.js';
import type { JournalStep, OperationRecord, StepError, StepResult } from '../state/types.js';
import type { ExecutorEvent, ExecutorListener } from './events.js';

export interface StepContext {
  opId: string;
  group: string;
  /** 1 on the first run of this step; more when a resume re-runs it (look for what attempt 1 made). */
  attempt: number;
  /** Result of a step already done in this operation (this run or an earlier one). */
  resultOf(stepId: string): StepResult | undefined;
  /** Aborted when the run is interrupted; long waits should honour it. */
  signal: AbortSignal;
}

export interface CompensationContext extends StepContext {
  /** What the step recorded when it completed (absent when it failed or was cut short). */
  result?: StepResult;
  /** Set when the step itself failed: the undo must cope with a half-done step. */
  error?: StepError;
}

export type StepImpl = (step: PlanStep, ctx: StepContext) => Promise<StepResult | void>;
/** Undoes a step (restart stopped source VMs, remove half-imported volumes). Idempotent. */
export type Compensation = (step: PlanStep, ctx: CompensationContext) => Promise<void>;
export type StepRegistry = Partial<Record<StepName, StepImpl>>;
export type CompensationRegistry = Partial<Record<StepName, Compensation>>;

/** Storage promotion is where a failover stops being undoable. */
export const DEFAULT_POINT_OF_NO_RETURN: ReadonlySet<StepName> = new Set<StepName>(['storage.promote', 'storage.force-promote']);
export const defaultPointOfNoReturn = (s: PlanStep): boolean => DEFAULT_POINT_OF_NO_RETURN.has(s.name);

export interface ExecuteOptions {
  journal: Journal;
  /** The operation to run: just opened, or an unfinished one from the journal (resume). */
  operation: OperationRecord;
  /** The DAG; defaults to the steps recorded in the operation (what a resume uses). */
  steps?: PlanStep[];
  registry: StepRegistry;
  compensations?: CompensationRegistry;
  /** Steps after whose INTENT a failure no longer rolls back. Default: storage.promote / storage.force-promote. */
  pointOfNoReturn?: (step: PlanStep) => boolean;
  /** Max steps running at once (default 10). */
  parallelism?: number;
  listener?: ExecutorListener;
  now: () => number;
  timer: IntervalTimer;
  /** Interval of "still running" events for a step (default 10 s, as Terraform). */
  stillRunningEveryMs?: number;
  /** Told to the user when the operation stops after the point of no return (default "drctl apply"). */
  resumeCommand?: string;
  signal?: AbortSignal;
  /** Relative duration estimate per step, for critical-path priority among ready steps (default 1). */
  estimateMs?: (step: PlanStep) => number;
}

export interface ExecuteResult {
  status: 'completed' | 'failed';
  operation: OperationRecord;
  rolledBack: boolean;
  /** Why it failed (DRCTL_E4022 rolled back, E4023 stopped after the point of no return, ...). */
  error?: DrctlError;
}

export const DEFAULT_PARALLELISM = 10;

export function journalStepToPlanStep(s: JournalStep): PlanStep {
  const p: PlanStep = { id: s.id, name: s.name, phase: s.phase, dependsOn: [...s.dependsOn], description: s.description ?? s.name };
  if (s.site !== undefined) p.site = s.site;
  if (s.target !== undefined) p.target = s.target;
  if (s.tier !== undefined) p.tier = s.tier;
  if (s.params !== undefined) p.params = s.params;
  return p;
}

/** Checks ids are unique, every edge points at a step, and there is no cycle. Returns a topological order. */
export function validateDag(steps: PlanStep[]): PlanStep[] {
  const byId = new Map<string, PlanStep>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new DrctlError(ApplyCode.badDag, `Step id ${s.id} appears twice in the plan.`, { hint: 'This is a bug in the planner; re-run drctl plan.' });
    byId.set(s.id, s);
  }
  const indeg = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const s of steps) {
    indeg.set(s.id, s.dependsOn.length);
    for (const d of s.dependsOn) {
      if (!byId.has(d)) throw new DrctlError(ApplyCode.badDag, `Step ${s.id} depends on ${d}, which is not in the plan.`, { hint: 'This is a bug in the planner; re-run drctl plan.' });
      (children.get(d) ?? children.set(d, []).get(d)!).push(s.id);
    }
  }
  const order: PlanStep[] = [];
  const queue = steps.filter((s) => s.dependsOn.length === 0).map((s) => s.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(byId.get(id)!);
    for (const c of children.get(id) ?? []) {
      const n = indeg.get(c)! - 1;
      indeg.set(c, n);
      if (n === 0) queue.push(c);
    }
  }
  if (order.length !== steps.length) {
    const stuck = steps.filter((s) => !order.includes(s)).map((s) => s.id);
    throw new DrctlError(ApplyCode.badDag, `The plan's steps form a cycle: ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', …' : ''}.`, {
      hint: 'This is a bug in the planner; re-run drctl plan.',
    });
  }
  return order;
}

/** Longest estimated path from each step to the end of the DAG (its own estimate included). */
export function remainingPath(order: PlanStep[], estimate: (s: PlanStep) => number): Map<string, number> {
  const children = new Map<string, string[]>();
  for (const s of order) for (const d of s.dependsOn) (children.get(d) ?? children.set(d, []).get(d)!).push(s.id);
  const rank = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const s = order[i]!;
    let best = 0;
    for (const c of children.get(s.id) ?? []) best = Math.max(best, rank.get(c)!);
    rank.set(s.id, best + Math.max(0, estimate(s)));
  }
  return rank;
}

export async function execute(opts: ExecuteOptions): Promise<ExecuteResult> {
  const { journal, now, timer } = opts;
  const parallelism = Math.max(1, Math.floor(opts.parallelism ?? DEFAULT_PARALLELISM));
  const isPnr = opts.pointOfNoReturn ?? defaultPointOfNoReturn;
  const resumeCommand = opts.resumeCommand ?? 'drctl apply';
  const stillEvery = opts.stillRunningEveryMs ?? 10_000;
  const signal = opts.signal ?? new AbortController().signal;
  const emit = (e: ExecutorEvent) => {
    try {
      opts.listener?.(e);
    } catch {
      // A rendering problem must never change what the executor does.
    }
  };
  let op = opts.operation;
  const opId = op.id;
  const runStart = now();
  const steps = opts.steps ?? op.steps.map(journalStepToPlanStep);
  const order = validateDag(steps);
  const byId = new Map(steps.map((s) => [s.id, s]));

  if (op.status === 'completed') return { status: 'completed', operation: op, rolledBack: false };
  if (op.rolledBack) {
    throw new DrctlError(ApplyCode.notResumable, `Operation ${opId} was rolled back after: ${op.errorMessage ?? 'a failure'}. It cannot be resumed.`, {
      hint: 'Run drctl plan again: it starts a new operation from what is really there now.',
    });
  }

  const journalStatus = new Map<string, JournalStep>(op.steps.map((s) => [s.id, s]));
  for (const s of steps) {
    if (!journalStatus.has(s.id)) {
      throw new DrctlError(ApplyCode.badDag, `Step ${s.id} is not recorded in operation ${opId}.`, { hint: 'Resume it from the journal (drctl apply) instead of a different plan.' });
    }
  }
  const results = new Map<string, StepResult>();
  const done = new Set<string>();
  for (const s of op.steps) {
    if (s.status === 'done') {
      done.add(s.id);
      if (s.result) results.set(s.id, s.result);
    }
  }

  const evBase = () => ({ op: opId, group: op.group, progress: op.progress, phase: op.phase });
  const stepEv = (type: ExecutorEvent['type'], s: PlanStep, start: number, extra: Partial<ExecutorEvent> = {}): ExecutorEvent => {
    const e: ExecutorEvent = { type, ...evBase(), step: s.id, stepName: s.name, elapsedMs: now() - start, ...extra };
    if (s.target !== undefined) e.target = s.target;
    if (s.site !== undefined) e.site = s.site;
    return e;
  };
  const statusEv = (message?: string, error?: StepError) => {
    const e: ExecutorEvent = { type: 'op-status', ...evBase(), status: op.status, elapsedMs: now() - runStart };
    if (message) e.message = message;
    if (error) e.error = error;
    emit(e);
  };
  const ctxFor = (s: PlanStep, attempt: number): StepContext => ({
    opId,
    group: op.group,
    attempt,
    resultOf: (id) => results.get(id),
    signal,
  });

  // Rollback that was interrupted (crash while rolling_back): finish it.
  if (op.status === 'rolling_back') {
    statusEv('resuming the rollback');
    return rollback(op.errorMessage ?? 'an earlier failure');
  }

  // Every step still to run needs an implementation — find out before touching anything.
  const missing = [...new Set(steps.filter((s) => !done.has(s.id) && !opts.registry[s.name]).map((s) => s.name))];
  if (missing.length > 0) {
    throw new DrctlError(ApplyCode.noImpl, `No implementation for step${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; nothing was done.`, {
      hint: 'This drctl cannot run this plan (a newer plan format?); upgrade drctl.',
    });
  }

  const resumed = op.steps.some((s) => s.status !== 'pending');
  if (op.status !== 'running') {
    op = await journal.setStatus(opId, 'running', { errorMessage: null, event: resumed ? 'resumed' : 'started' });
    statusEv(resumed ? 'resumed' : 'started');
  } else if (resumed) {
    op = await journal.addEvent(opId, 'resumed after an interruption');
    statusEv('resumed after an interruption');
  } else {
    statusEv('started');
  }

  const rank = remainingPath(order, opts.estimateMs ?? (() => 1));
  const planIndex = new Map(steps.map((s, i) => [s.id, i]));
  const started = new Set<string>(done);
  /** Steps holding a parallelism slot: intent being written or implementation running. */
  const busy = new Set<string>();
  const starts = new Map<string, number>();
  /** Everything in flight (journal writes, implementations); each entry never rejects. */
  const work = new Set<Promise<void>>();
  let failure: { id: string; error: StepError } | undefined;
  let fatal: unknown;

  const track = (p: Promise<void>) => {
    work.add(p);
    void p.finally(() => work.delete(p));
  };

  /** Ready steps, longest remaining path first, as many as free slots allow (none once stopping). */
  const pickReady = (): PlanStep[] => {
    if (failure || fatal !== undefined || signal.aborted) return [];
    const free = parallelism - busy.size;
    if (free <= 0) return [];
    return steps
      .filter((s) => !started.has(s.id) && s.dependsOn.every((d) => done.has(d)))
      .sort((a, b) => rank.get(b.id)! - rank.get(a.id)! || planIndex.get(a.id)! - planIndex.get(b.id)!)
      .slice(0, free);
  };

  /**
   * One journal write for "this step is done, these start" (journal first, then act): the
   * implementations of `next` are called only once their INTENT is durable.
   */
  const commit = (finished: { s: PlanStep; result: StepResult | undefined } | undefined, next: PlanStep[]) => {
    for (const n of next) {
      started.add(n.id);
      busy.add(n.id);
    }
    const entry = finished ? [{ id: finished.s.id, ...(finished.result !== undefined ? { result: finished.result } : {}) }] : [];
    track(
      journal.transition(opId, { done: entry, intents: next.map((n) => n.id) }).then(
        (rec) => {
          op = rec;
          if (finished) {
            const r = rec.steps.find((x) => x.id === finished.s.id)?.result;
            if (r) results.set(finished.s.id, r);
            emit(stepEv('step-done', finished.s, starts.get(finished.s.id)!, { attempt: rec.steps.find((x) => x.id === finished.s.id)?.attempt }));
          }
          for (const n of next) runImpl(n);
        },
        (err) => {
          fatal ??= err;
          for (const n of next) busy.delete(n.id);
        },
      ),
    );
  };

  const runImpl = (s: PlanStep) => {
    const start = now();
    starts.set(s.id, start);
    const attempt = op.steps.find((x) => x.id === s.id)?.attempt ?? 1;
    emit(stepEv('step-start', s, start, { attempt }));
    const tick = timer.setInterval(() => emit(stepEv('still-running', s, start, { attempt })), stillEvery);
    track(
      (async () => {
        let result: StepResult | undefined;
        try {
          result = (await opts.registry[s.name]!(s, ctxFor(s, attempt))) ?? undefined;
        } catch (err) {
          timer.clearInterval(tick);
          busy.delete(s.id);
          const error = toStepError(err);
          failure ??= { id: s.id, error };
          try {
            op = await journal.stepFailed(opId, s.id, err);
          } catch (jerr) {
            fatal ??= jerr;
            return;
          }
          emit(stepEv('step-failed', s, start, { error, attempt }));
          return;
        }
        timer.clearInterval(tick);
        busy.delete(s.id);
        // Dependents may start in the same write that records this step done.
        done.add(s.id);
        commit({ s, result }, pickReady());
      })(),
    );
  };

  const first = pickReady();
  if (first.length > 0) commit(undefined, first);
  while (work.size > 0) await Promise.allSettled([...work]);

  if (fatal !== undefined) throw fatal;

  if (!failure && done.size === steps.length) {
    op = await journal.close(opId, 'completed');
    statusEv('completed');
    return { status: 'completed', operation: op, rolledBack: false };
  }

  if (!failure) {
    // Interrupted (signal) or nothing left runnable.
    const why = signal.aborted ? 'interrupted before it finished' : 'stopped with steps that could not start';
    op = await journal.setStatus(opId, 'failed', { errorMessage: `Operation ${why}.`, resumeCommand });
    statusEv(why);
    const error = new DrctlError(ApplyCode.interrupted, `Operation ${opId} (${op.type} ${op.group}) was ${why}; everything done so far is kept in the journal.`, {
      hint: `Resume it with: ${resumeCommand}`,
    });
    return { status: 'failed', operation: op, rolledBack: false, error };
  }

  const failedStep = byId.get(failure.id)!;
  const reason = `step ${failure.id} (${failedStep.name}) failed: ${failure.error.message.replace(/[.\s]+$/, '')}`;
  const current = new Map(op.steps.map((s) => [s.id, s]));
  const pastPnr = steps.some((s) => isPnr(s) && ['intent', 'done', 'failed'].includes(current.get(s.id)?.status ?? 'pending'));

  if (pastPnr) {
    op = await journal.setStatus(opId, 'failed', {
      errorMessage: `${reason}. Stopped after the point of no return; everything done so far is kept.`,
      resumeCommand,
    });
    statusEv('stopped after the point of no return', failure.error);
    const error = new DrctlError(
      ApplyCode.stoppedAfterPnr,
      `Operation ${opId} (${op.type} ${op.group}) stopped: ${reason}. Storage was already promoted, so nothing was rolled back; ` +
        `completed: ${op.stepsCompleted.length}/${steps.length} steps.`,
      { hint: `Fix the cause, then resume with: ${resumeCommand}`, details: { operation: opId, step: failure.id } },
    );
    return { status: 'failed', operation: op, rolledBack: false, error };
  }

  op = await journal.setStatus(opId, 'rolling_back', { errorMessage: reason });
  statusEv('rolling back', failure.error);
  return rollback(reason);

  /** Compensates done/failed/half-done steps in reverse completion order, then marks the op failed. */
  async function rollback(why: string): Promise<ExecuteResult> {
    const candidates = op.steps
      .filter((s) => (s.status === 'done' || s.status === 'failed' || s.status === 'intent') && s.compensation?.status !== 'done')
      .sort((a, b) => (b.seq ?? Number.MAX_SAFE_INTEGER) - (a.seq ?? Number.MAX_SAFE_INTEGER) || (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    const problems: string[] = [];
    for (const js of candidates) {
      const s = byId.get(js.id) ?? journalStepToPlanStep(js);
      const comp = opts.compensations?.[s.name];
      if (!comp) continue; // read-only steps have nothing to undo
      const start = now();
      op = await journal.compensationIntent(opId, s.id);
      emit(stepEv('step-start', s, start, { compensating: true }));
      const tick = timer.setInterval(() => emit(stepEv('still-running', s, start, { compensating: true })), stillEvery);
      try {
        const cctx: CompensationContext = { ...ctxFor(s, js.attempt) };
        if (js.result) cctx.result = js.result;
        if (js.error) cctx.error = js.error;
        await comp(s, cctx);
        timer.clearInterval(tick);
        op = await journal.compensationDone(opId, s.id);
        emit(stepEv('step-done', s, start, { compensating: true }));
      } catch (err) {
        timer.clearInterval(tick);
        const e = toStepError(err);
        problems.push(`${s.id}: ${e.message}`);
        op = await journal.compensationFailed(opId, s.id, err);
        emit(stepEv('step-failed', s, start, { compensating: true, error: e }));
      }
    }
    const msg = problems.length === 0
      ? `${why}. Rolled back.`
      : `${why}. Rollback incomplete — undo by hand: ${problems.join('; ')}.`;
    op = await journal.setStatus(opId, 'failed', { errorMessage: msg, rolledBack: true });
    statusEv(problems.length === 0 ? 'rolled back' : 'rollback incomplete');
    const error = problems.length === 0
      ? new DrctlError(ApplyCode.rolledBack, `Operation ${opId} (${op.type} ${op.group}) failed before the point of no return and was rolled back: ${why}.`, {
          hint: 'Fix the cause and run drctl plan again; nothing of this operation remains to resume.',
          details: { operation: opId },
        })
      : new DrctlError(ApplyCode.rollbackIncomplete, `Operation ${opId} (${op.type} ${op.group}) failed (${why}) and its rollback did not finish: ${problems.join('; ')}.`, {
          hint: `See drctl ops show ${opId}; clean up the listed steps by hand, then run drctl plan again.`,
          details: { operation: opId },
        });
    return { status: 'failed', operation: op, rolledBack: true, error };
  }
}
