/**
 * Progress of an apply, from the executor's events:
 * - TTY: one live line per group (phase, percentage, current step, elapsed), redrawn in place, with
 *   finished/failed steps printed above it;
 * - no TTY (CI): plain timestamped lines, e.g.
 *   `2026-11-22T10:00:01Z prod-web-app failover 35% storage: promote pg-prod-web-app on site-b`,
 *   and Terraform-style `still running… [30s elapsed]` for long steps;
 * - --json: one JSON event per line on stdout.
 * Rendering never changes what the executor does (the executor swallows listener errors).
 */
import type { IoHost } from '../cli/io.js';
import type { PlanStep } from '../plan/types.js';
import type { IntervalTimer } from '../state/env.js';
import type { OperationRecord } from '../state/types.js';
import { formatElapsed, type ExecutorEvent, type ExecutorListener } from './events.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

export interface ProgressOptions {
  mode: ProgressMode;
  io: IoHost;
  /** Raw writes to the terminal (TTY mode): no newline added. */
  write?: (text: string) => void;
  now: () => number;
  /** Redraw tick for the TTY line (elapsed time); optional. */
  timer?: IntervalTimer;
  color?: boolean;
}

/** What the summary reports per operation. */
export interface OperationOutcome {
  group: string;
  type: string;
  opId?: string;
  status: 'completed' | 'failed' | 'refused' | 'not-started';
  rolledBack?: boolean;
  /** Seconds from the operation's start to its end (the measured RTO for failovers/failbacks). */
  durationSeconds?: number;
  dataLossWindowSeconds?: number;
  mode?: string;
  message?: string;
  hint?: string;
  code?: string;
  stepsCompleted?: number;
  stepsTotal?: number;
  resumeCommand?: string;
  warnings?: string[];
}

const isoSec = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The short form of a step description: up to its first `: ` or ` (`. */
export function shortText(description: string): string {
  const cut = [description.indexOf(': '), description.indexOf(' (')].filter((i) => i > 0);
  return cut.length ? description.slice(0, Math.min(...cut)) : description;
}

interface OpInfo {
  type: string;
  group: string;
  steps: Map<string, PlanStep>;
  progress: number;
  phase: string;
  running: Map<string, { text: string; start: number }>;
  status: string;
}

export class ProgressRenderer {
  private readonly ops = new Map<string, OpInfo>();
  private drawn = 0;
  private tick: unknown;
  private finished = false;

  constructor(private readonly o: ProgressOptions) {
    if (o.mode === 'tty' && o.timer) this.tick = o.timer.setInterval(() => this.redraw(), 1000);
  }

  /** Tells the renderer about an operation before its events arrive. */
  register(op: Pick<OperationRecord, 'id' | 'type' | 'group' | 'progress' | 'phase' | 'status'>, steps: Array<Pick<PlanStep, 'id' | 'description' | 'name'> & Partial<PlanStep>>): void {
    this.ops.set(op.id, {
      type: op.type,
      group: op.group,
      steps: new Map(steps.map((s) => [s.id, s as PlanStep])),
      progress: op.progress,
      phase: op.phase,
      running: new Map(),
      status: op.status,
    });
  }

  readonly listener: ExecutorListener = (e) => this.onEvent(e);

  /** A free-form line (e.g. "acquired the lock"), in the same style. */
  note(text: string, group?: string): void {
    if (this.o.mode === 'json') {
      this.o.io.out(JSON.stringify({ type: 'note', time: new Date(this.o.now()).toISOString(), ...(group ? { group } : {}), message: text }));
      return;
    }
    this.printLine(this.o.mode === 'plain' ? `${isoSec(this.o.now())} ${group ? `${group} ` : ''}${text}` : text);
  }

  private onEvent(e: ExecutorEvent): void {
    const info = this.ops.get(e.op);
    const step = e.step ? info?.steps.get(e.step) : undefined;
    const text = `${e.compensating ? 'undo: ' : ''}${shortText(step?.description ?? e.stepName ?? e.step ?? '')}`;
    if (info) {
      info.progress = e.progress;
      info.phase = e.phase;
      if (e.status) info.status = e.status;
      if (e.step) {
        if (e.type === 'step-start') info.running.set(e.step, { text, start: this.o.now() - e.elapsedMs });
        if (e.type === 'step-done' || e.type === 'step-failed') info.running.delete(e.step);
      }
    }
    if (this.o.mode === 'json') {
      this.o.io.out(
        JSON.stringify({
          time: new Date(this.o.now()).toISOString(),
          ...e,
          ...(info ? { operationType: info.type } : {}),
          ...(step ? { description: step.description } : {}),
        }),
      );
      return;
    }
    const head = `${e.group} ${info?.type ?? ''} ${e.progress}%`.replace(/\s+/g, ' ');
    // A step's line names the step's own phase (the operation may already be in the next one).
    const phase = step?.phase ?? e.phase;
    let line: string | undefined;
    switch (e.type) {
      case 'step-start':
        if (this.o.mode === 'plain') line = `${head} ${phase}: ${text}`;
        break;
      case 'step-done':
        line = `${head} ${phase}: ${text} — done${e.elapsedMs >= 1000 ? ` after ${formatElapsed(e.elapsedMs)}` : ''}`;
        break;
      case 'step-failed':
        line = `${head} ${phase}: ${text} — FAILED${e.error ? `: ${e.error.message}` : ''}`;
        break;
      case 'still-running':
        if (this.o.mode === 'plain') line = `${head} ${phase}: ${text}: still running… [${formatElapsed(e.elapsedMs)} elapsed]`;
        break;
      case 'op-status':
        line = `${head} ${e.status ?? ''}${e.message && e.message !== e.status ? `: ${e.message}` : ''}`;
        break;
    }
    if (line) this.printLine(this.o.mode === 'plain' ? `${isoSec(this.o.now())} ${line}` : line);
    else this.redraw();
  }

  private liveLines(): string[] {
    const out: string[] = [];
    for (const info of this.ops.values()) {
      if (info.status === 'completed' || info.status === 'failed') continue;
      const width = 20;
      const filled = Math.round((info.progress / 100) * width);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
      const cur = [...info.running.values()].sort((a, b) => a.start - b.start)[0];
      const more = info.running.size > 1 ? ` (+${info.running.size - 1} more)` : '';
      const el = cur ? ` [${formatElapsed(this.o.now() - cur.start)}]` : '';
      out.push(`${info.group} ${info.type} ${bar} ${String(info.progress).padStart(3)}% ${info.phase}${cur ? `: ${cur.text}${more}${el}` : ''}`);
    }
    return out;
  }

  private clearLive(): void {
    if (this.o.mode !== 'tty' || !this.o.write || this.drawn === 0) return;
    this.o.write(`\x1b[${this.drawn}A`);
    for (let i = 0; i < this.drawn; i++) this.o.write('\x1b[2K\n');
    this.o.write(`\x1b[${this.drawn}A`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (this.o.mode !== 'tty' || !this.o.write || this.finished) return;
    this.clearLive();
    const lines = this.liveLines();
    for (const l of lines) this.o.write(`\x1b[2K${l}\n`);
    this.drawn = lines.length;
  }

  private printLine(text: string): void {
    if (this.o.mode === 'tty' && this.o.write) {
      this.clearLive();
      this.o.write(`${text}\n`);
      this.redraw();
    } else this.o.io.info(text);
  }

  /** Stops the live line (before the summary). */
  finish(): void {
    this.clearLive();
    this.finished = true;
    if (this.tick !== undefined) this.o.timer?.clearInterval(this.tick);
  }

  /** The end-of-run summary: one block per operation. */
  summary(outcomes: OperationOutcome[]): void {
    this.finish();
    if (this.o.mode === 'json') {
      this.o.io.out(JSON.stringify({ type: 'summary', time: new Date(this.o.now()).toISOString(), operations: outcomes }));
      return;
    }
    if (!outcomes.length) return;
    const io = this.o.io;
    io.info('');
    io.info('Summary:');
    for (const x of outcomes) {
      const dur = x.durationSeconds !== undefined ? ` in ${formatElapsed(x.durationSeconds * 1000)}` : '';
      // Only a failover/failback that completed measured a recovery time; a failed one did not recover.
      const rto = x.durationSeconds !== undefined && x.status === 'completed' && (x.type === 'failover' || x.type === 'failback') ? ' (measured RTO)' : '';
      const loss =
        x.dataLossWindowSeconds !== undefined
          ? ` · data-loss window ${formatElapsed(x.dataLossWindowSeconds * 1000)}`
          : x.mode === 'planned' && (x.type === 'failover' || x.type === 'failback')
            ? ' · no data loss (planned)'
            : '';
      const steps = x.stepsTotal !== undefined ? ` · ${x.stepsCompleted ?? 0}/${x.stepsTotal} steps` : '';
      const status = x.status === 'failed' && x.rolledBack ? 'failed, rolled back' : x.status;
      io.info(`  ${x.group}: ${x.type}${x.opId ? ` ${x.opId}` : ''} ${status}${dur}${rto}${loss}${steps}`);
      for (const w of x.warnings ?? []) io.info(`    warning: ${w}`);
      if (x.message) io.info(`    ${x.message}${x.code ? ` [${x.code}]` : ''}`);
      if (x.hint && !(x.message ?? '').includes(x.hint)) io.info(`    ${x.hint}`);
      if (x.resumeCommand) io.info(`    Resume with: ${x.resumeCommand}`);
    }
  }
}
