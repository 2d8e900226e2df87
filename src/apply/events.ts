/** Progress events the executor emits; the CLI renders them (TTY line, CI lines, --json stream). */
import type { Phase, StepName } from '../plan/types.js';
import type { OperationStatus, StepError } from '../state/types.js';

export type ExecutorEventType = 'step-start' | 'step-done' | 'step-failed' | 'op-status' | 'still-running';

export interface ExecutorEvent {
  type: ExecutorEventType;
  /** Operation id. */
  op: string;
  group: string;
  /** Step id (absent for op-status). */
  step?: string;
  stepName?: StepName;
  target?: string;
  site?: string;
  /** Operation progress 0-100 after this event. */
  progress: number;
  phase: Phase;
  /** Step events: since the step started; op-status: since this run started. */
  elapsedMs: number;
  /** op-status: the operation's new status. */
  status?: OperationStatus;
  /** step-failed (and op-status failed): what went wrong, secrets scrubbed. */
  error?: StepError;
  /** Step events emitted while rolling back (the step's compensation). */
  compensating?: boolean;
  /** op-status: free-text reason ("resumed", "rolled back: ..."). */
  message?: string;
  attempt?: number;
}

export type ExecutorListener = (e: ExecutorEvent) => void;

/** "still running… [30s elapsed]" as Terraform prints it. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}
