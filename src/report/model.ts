/**
 * The run report's content, computed from ONE operation record of the journal (nothing else: the
 * journal is already scrubbed of secrets, and every string is scrubbed again here). Pure: the caller
 * passes the time the report is made; no clock, no I/O.
 *
 * What an SRM history report says, for drctl: who ran what, when, how it ended, how long the workload
 * was down (the measured RTO), how much data could be lost, each step with its site, target, phase,
 * status, attempts, duration and error, and the warnings and errors.
 */
import type { Phase } from '../plan/types.js';
import { scrubString } from '../state/scrub.js';
import type { JournalStep, OperationRecord, StepStatus } from '../state/types.js';

export const PHASE_ORDER: readonly Phase[] = ['preparation', 'storage', 'instances', 'finalization'];

export interface ReportStep {
  /** 1-based, in plan order. */
  n: number;
  id: string;
  name: string;
  description: string;
  phase: Phase;
  tier?: number;
  site?: string;
  target?: string;
  status: StepStatus;
  attempts: number;
  /** ms since the operation started (absent when it never started). */
  startMs?: number;
  /** ms since the operation started; for a step still in `intent`, the end of the report's window. */
  endMs?: number;
  /** The end is not known (the step was cut short or is still running). */
  open: boolean;
  durationMs?: number;
  error?: string;
  errorCode?: string;
  /** What to do about the error, when the journal kept it. */
  errorHint?: string;
  compensation?: { status: string; startMs?: number; endMs?: number; error?: string };
}

/** A row group of the timeline: a phase, split by tier where steps have one. */
export interface ReportLane {
  key: string;
  label: string;
  phase: Phase;
  tier?: number;
  steps: ReportStep[];
}

export interface ReportModel {
  opId: string;
  title: string;
  type: string;
  mode?: string;
  group: string;
  spec?: { name?: string; file?: string; digest?: string };
  status: string;
  rolledBack: boolean;
  progress: number;
  sourceSite?: string;
  targetSite?: string;
  who: string;
  startedAt: string;
  completedAt: string | null;
  /** Whole operation (start → completion, or → the last thing journaled when it did not complete). */
  durationMs: number;
  /** The measured RTO, or why there is none. */
  rto: { ms?: number; basis: string };
  dataLoss: { seconds?: number; text: string };
  /** Timeline window in ms from the operation start. */
  windowMs: number;
  /** Workload-down interval shown on the timeline (ms from start). */
  downtime?: { startMs: number; endMs: number };
  /** Where storage was promoted (the point of no return), ms from start. */
  pointOfNoReturnMs?: number;
  steps: ReportStep[];
  lanes: ReportLane[];
  counts: Record<StepStatus, number>;
  warnings: string[];
  errors: string[];
  events: Array<{ at: string; offsetMs: number; message: string }>;
  /** How many runs of drctl worked on it (1 + times it was resumed). */
  runs: number;
  /** Steps that ran more than once (an earlier attempt failed or was cut short). */
  reruns: string[];
  resumeCommand?: string;
  planDigest?: string;
  generatedAt: string;
}

const clean = (s: string): string => scrubString(s);
const t = (iso: string | null | undefined): number | undefined => {
  if (!iso) return undefined;
  const v = Date.parse(iso);
  return Number.isFinite(v) ? v : undefined;
};

/** "1.2 s", "4 min 23 s", "1 h 02 min". */
export function humanDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const STOP_STEPS = new Set(['server.stop']);
const UP_STEPS = new Set(['server.wait-active', 'server.start', 'server.create']);
const PNR_STEPS = new Set(['storage.promote', 'storage.force-promote']);

function lastJournaled(op: OperationRecord): number | undefined {
  let last: number | undefined;
  const see = (x: string | undefined | null) => {
    const v = t(x);
    if (v !== undefined && (last === undefined || v > last)) last = v;
  };
  see(op.startedAt);
  see(op.completedAt);
  for (const s of op.steps) {
    see(s.startedAt);
    see(s.endedAt);
    see(s.compensation?.startedAt);
    see(s.compensation?.endedAt);
  }
  for (const e of op.events ?? []) see(e.at);
  return last;
}

function measureRto(op: OperationRecord, start: number): { ms?: number; basis: string; downtime?: { startMs: number; endMs: number } } {
  const relevant = op.type === 'failover' || op.type === 'failback' || op.type === 'drill';
  if (!relevant) return { basis: `not measured: a ${op.type} does not move the workload` };
  const ups = op.steps.filter((s) => UP_STEPS.has(s.name) && s.phase === 'instances');
  if (op.status !== 'completed') {
    return { basis: `not reached: the ${op.type} did not complete (status ${op.status})` };
  }
  const upEnd = Math.max(...ups.map((s) => t(s.endedAt) ?? -Infinity));
  if (!Number.isFinite(upEnd)) return { basis: 'not measured: no instance step recorded an end' };
  if (op.type === 'drill') {
    return {
      ms: upEnd - start,
      basis: 'drill start → every drill copy ACTIVE (what a failover of this group would take to boot its instances)',
      downtime: { startMs: 0, endMs: upEnd - start },
    };
  }
  const stops = op.steps.map((s) => (STOP_STEPS.has(s.name) ? t(s.startedAt) : undefined)).filter((x): x is number => x !== undefined);
  if (stops.length > 0) {
    const down = Math.min(...stops);
    return {
      ms: upEnd - down,
      basis: `first member stopped on ${op.sourceSite ?? 'the source'} → every member ACTIVE on ${op.targetSite ?? 'the target'}`,
      downtime: { startMs: down - start, endMs: upEnd - start },
    };
  }
  return {
    ms: upEnd - start,
    basis: `operation start → every member ACTIVE on ${op.targetSite ?? 'the target'} (the outage began before drctl was started)`,
    downtime: { startMs: 0, endMs: upEnd - start },
  };
}

function dataLossOf(op: OperationRecord): { seconds?: number; text: string } {
  if (op.dataLossWindowSeconds !== undefined) {
    return {
      seconds: op.dataLossWindowSeconds,
      text: `${humanDuration(op.dataLossWindowSeconds * 1000)} of writes before the last replicated snapshot may be lost (${op.mode ?? 'unplanned'} ${op.type}, storage force-promoted)`,
    };
  }
  if (op.type === 'drill' || op.type === 'drill-cleanup') return { text: 'none: production was not touched' };
  if (op.type === 'failover' || op.type === 'failback') {
    if (op.mode === 'unplanned') return { text: 'not recorded (the operation did not reach the storage promotion)' };
    const sync = op.steps.find((s) => s.name === 'storage.final-sync');
    const promote = op.steps.find((s) => PNR_STEPS.has(s.name));
    if (!sync) return { text: 'none: synchronous replication (RPO 0)' };
    if (sync.status === 'done' && promote && promote.status !== 'pending') return { text: 'none: the final sync completed before storage was promoted (planned)' };
    return { text: 'none: storage was not promoted (planned; the final sync gates the promotion)' };
  }
  return { text: 'none: this operation does not promote storage' };
}

function toReportStep(s: JournalStep, n: number, start: number, windowEnd: number): ReportStep {
  const st = t(s.startedAt);
  const en = t(s.endedAt);
  const r: ReportStep = {
    n,
    id: clean(s.id),
    name: clean(s.name),
    description: clean(s.description ?? s.name),
    phase: s.phase,
    status: s.status,
    attempts: s.attempt,
    open: false,
  };
  if (s.tier !== undefined) r.tier = s.tier;
  if (s.site !== undefined) r.site = clean(s.site);
  if (s.target !== undefined) r.target = clean(s.target);
  if (st !== undefined && s.status !== 'pending') {
    r.startMs = st - start;
    if (en !== undefined && s.status !== 'intent') {
      r.endMs = en - start;
      r.durationMs = en - st;
    } else {
      r.endMs = Math.max(r.startMs, windowEnd - start);
      r.open = true;
    }
  }
  if (s.error) {
    r.error = clean(s.error.message);
    if (s.error.code) r.errorCode = clean(s.error.code);
    const hint = (s.error as { hint?: unknown }).hint;
    if (typeof hint === 'string' && hint) r.errorHint = clean(hint);
  }
  if (s.compensation) {
    const c: NonNullable<ReportStep['compensation']> = { status: s.compensation.status };
    const cs = t(s.compensation.startedAt);
    const ce = t(s.compensation.endedAt);
    if (cs !== undefined) c.startMs = cs - start;
    if (ce !== undefined) c.endMs = ce - start;
    if (s.compensation.error) c.error = clean(s.compensation.error.message);
    r.compensation = c;
  }
  return r;
}

function lanesOf(steps: ReportStep[]): ReportLane[] {
  const lanes: ReportLane[] = [];
  for (const phase of PHASE_ORDER) {
    const inPhase = steps.filter((s) => s.phase === phase);
    if (inPhase.length === 0) continue;
    // Steps of the whole group (no tier) first: they open and close each phase. (sort() would put
    // undefined last whatever the comparator says, so order the defined tiers only.)
    const defined = [...new Set(inPhase.map((s) => s.tier).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);
    const tiers: Array<number | undefined> = inPhase.some((s) => s.tier === undefined) ? [undefined, ...defined] : defined;
    // A phase whose steps are mostly tier-less reads better as one lane; split only when tiers matter.
    const split = tiers.filter((x) => x !== undefined).length > 1;
    const groups = split ? tiers : [undefined];
    for (const tier of groups) {
      const mine = split ? inPhase.filter((s) => s.tier === tier) : inPhase;
      const sorted = [...mine].sort((a, b) => (a.startMs ?? Infinity) - (b.startMs ?? Infinity) || a.n - b.n);
      const lane: ReportLane = {
        key: `${phase}${tier === undefined ? '' : `-tier-${tier}`}`,
        label: split ? (tier === undefined ? `${phase} · whole group` : `${phase} · tier ${tier}`) : phase,
        phase,
        steps: sorted,
      };
      if (split && tier !== undefined) lane.tier = tier;
      lanes.push(lane);
    }
  }
  return lanes;
}

export interface BuildReportOptions {
  /** ms epoch: when the report is made (ends the window of an unfinished operation). */
  now: number;
}

export function buildReportModel(op: OperationRecord, opts: BuildReportOptions): ReportModel {
  const start = t(op.startedAt) ?? opts.now;
  const end = t(op.completedAt) ?? lastJournaled(op) ?? start;
  const windowEnd = Math.max(end, start);
  const steps = op.steps.map((s, i) => toReportStep(s, i + 1, start, windowEnd));
  const counts = { pending: 0, intent: 0, done: 0, failed: 0, rolled_back: 0 } as Record<StepStatus, number>;
  for (const s of op.steps) counts[s.status] = (counts[s.status] ?? 0) + 1;
  const rto = measureRto(op, start);
  const pnr = op.steps.find((s) => PNR_STEPS.has(s.name) && s.status !== 'pending');
  const errors: string[] = [];
  if (op.errorMessage) errors.push(clean(op.errorMessage));
  for (const s of steps) {
    if (s.error && s.status === 'failed') errors.push(`${s.id}: ${s.error}${s.errorCode ? ` [${s.errorCode}]` : ''}`);
    if (s.compensation?.error) errors.push(`rollback of ${s.id}: ${s.compensation.error}`);
  }
  const maxEnd = Math.max(windowEnd - start, ...steps.map((s) => s.endMs ?? 0), ...steps.map((s) => s.compensation?.endMs ?? 0));
  const spec = (op as OperationRecord & { spec?: { name?: string; file?: string; digest?: string } }).spec;
  const model: ReportModel = {
    opId: clean(op.id),
    title: `${op.mode === 'unplanned' ? 'unplanned ' : ''}${op.type} of ${op.group}`,
    type: op.type,
    group: clean(op.group),
    status: op.status,
    rolledBack: Boolean(op.rolledBack),
    progress: op.progress,
    who: clean(op.who),
    startedAt: op.startedAt,
    completedAt: op.completedAt,
    durationMs: windowEnd - start,
    rto: rto.ms === undefined ? { basis: rto.basis } : { ms: rto.ms, basis: rto.basis },
    dataLoss: dataLossOf(op),
    windowMs: Math.max(1, maxEnd),
    steps,
    lanes: lanesOf(steps),
    counts,
    warnings: op.warnings.map(clean),
    errors,
    events: (op.events ?? []).map((e) => ({ at: e.at, offsetMs: (t(e.at) ?? start) - start, message: clean(e.message) })),
    runs: 1 + (op.events ?? []).filter((e) => /^resumed\b/.test(e.message)).length,
    reruns: steps.filter((s) => s.attempts > 1).map((s) => `${s.description} (${s.id}) ran ${s.attempts} times: an earlier attempt failed or was cut short (see History)`),
    generatedAt: new Date(opts.now).toISOString(),
  };
  if (op.mode) model.mode = op.mode;
  if (spec && typeof spec === 'object') model.spec = { ...spec };
  if (op.sourceSite) model.sourceSite = clean(op.sourceSite);
  if (op.targetSite) model.targetSite = clean(op.targetSite);
  if (rto.downtime) model.downtime = rto.downtime;
  const pnrAt = t(pnr?.startedAt);
  if (pnrAt !== undefined) model.pointOfNoReturnMs = pnrAt - start;
  if (op.resumeCommand && op.status !== 'completed') model.resumeCommand = clean(op.resumeCommand);
  if (op.planDigest) model.planDigest = clean(op.planDigest);
  return model;
}
