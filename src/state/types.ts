/**
 * The state file (format_version 1): lineage, serial, the lock and the operation journal.
 * Owned by src/state; extend, don't break. Nothing in here may ever hold a secret (invariant 6):
 * everything a step hands back passes through scrubSecrets() before it is persisted.
 */
import type { Phase, StepName } from '../plan/types.js';

export const STATE_FORMAT_VERSION = 1;

/** Operation types (DESIGN.md "operation"). */
export type OperationType =
  | 'failover'
  | 'failback'
  | 'drill'
  | 'drill-cleanup'
  | 'protect'
  | 'unprotect'
  | 'member-add'
  | 'member-remove'
  | 'fence'
  | 'reprotect'
  | 'update'
  | 'sync';

export const OPERATION_TYPES: readonly OperationType[] = [
  'failover',
  'failback',
  'drill',
  'drill-cleanup',
  'protect',
  'unprotect',
  'member-add',
  'member-remove',
  'fence',
  'reprotect',
  'update',
  'sync',
];

/** Operation statuses of the seed documents. */
export type OperationStatus = 'pending' | 'running' | 'completed' | 'failed' | 'rolling_back';

/**
 * Step statuses. `intent` = journaled, side effect may or may not have happened (a resume re-runs
 * it; implementations are idempotent). `rolled_back` = its compensation ran.
 */
export type StepStatus = 'pending' | 'intent' | 'done' | 'failed' | 'rolled_back';

/** What a step hands back: ids it created or found, plus small outputs later steps may read. */
export interface StepResult {
  /** Ids of objects this step created (servers, volumes, array snapshots, ...). */
  created?: Record<string, string | string[]>;
  /** Ids of objects it found already there (idempotent re-run) or looked up. */
  found?: Record<string, string | string[]>;
  /** Small values later steps need (e.g. the snapshot name a clone used). No secrets. */
  outputs?: Record<string, unknown>;
  /** Shown in the run report and `ops show`. */
  warnings?: string[];
  /** Set by steps that accept data loss (storage.force-promote): recorded on the operation. */
  dataLossWindowSeconds?: number;
}

export interface StepError {
  message: string;
  code?: string;
  /** What to do about it (the DrctlError's hint), scrubbed like the message. */
  hint?: string;
}

export interface CompensationRecord {
  status: 'intent' | 'done' | 'failed';
  startedAt: string;
  endedAt?: string;
  error?: StepError;
}

/** One step of an operation: its plan definition plus what happened to it. */
export interface JournalStep {
  id: string;
  name: StepName;
  phase: Phase;
  site?: string;
  target?: string;
  tier?: number;
  dependsOn: string[];
  params?: Record<string, unknown>;
  description?: string;
  status: StepStatus;
  /** How many times its intent was recorded (1 on the first run; > 1 after a resume re-ran it). */
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  /** Completion order within the operation; rollback runs in reverse of it. */
  seq?: number;
  result?: StepResult;
  error?: StepError;
  compensation?: CompensationRecord;
}

/** A short event kept with the operation (status changes, takeovers, rollback notes). */
export interface OperationEvent {
  at: string;
  message: string;
}

export interface OperationRecord {
  id: string;
  type: OperationType;
  group: string;
  mode?: 'planned' | 'unplanned';
  status: OperationStatus;
  /** 0-100, from the four phases (preparation 0-20, storage 20-60, instances 60-90, finalization 90-100). */
  progress: number;
  phase: Phase;
  sourceSite?: string;
  targetSite?: string;
  startedAt: string;
  completedAt: string | null;
  /** Step ids, in completion order. */
  stepsCompleted: string[];
  stepsFailed: string[];
  errorMessage: string | null;
  dataLossWindowSeconds?: number;
  /** user@host that started it. */
  who: string;
  /** Digest of the plan it executes, when it came from a plan file. */
  planDigest?: string;
  /** The DR spec it was planned from: metadata.name and the sha256 of the file's bytes. */
  spec?: { name: string; digest: string };
  /** The command that resumes it (set when it stops after the point of no return). */
  resumeCommand?: string;
  /** True when a failure before the point of no return was rolled back (it cannot be resumed). */
  rolledBack?: boolean;
  steps: JournalStep[];
  events?: OperationEvent[];
  warnings: string[];
}

export interface StateLock {
  id: string;
  /** user@host */
  who: string;
  /** Host part of who, kept separately for the dead-process check. */
  host: string;
  pid: number;
  /** What it is doing, e.g. "apply failover prod-web-app". */
  operation: string;
  /** drctl version of the holder. */
  version: string;
  created: string;
  leaseExpires: string;
}

export interface StateData {
  format_version: typeof STATE_FORMAT_VERSION;
  lineage: string;
  serial: number;
  lock?: StateLock;
  operations: OperationRecord[];
}
