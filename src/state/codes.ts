/**
 * DRCTL_E40xx: state file, lock and journal; DRCTL_E402x: the executor. Stable, greppable, listed
 * in the README (code → meaning → what to do).
 */
export const StateCode = {
  /** Another drctl holds the lock (exit 3). */
  locked: 'DRCTL_E4001',
  /** The state file is not valid JSON or not a drctl state file. */
  corrupt: 'DRCTL_E4002',
  /** The state file was written by a newer drctl (unknown format_version). */
  unknownVersion: 'DRCTL_E4003',
  /** force-unlock: the id given is not the id of the lock held. */
  unlockIdMismatch: 'DRCTL_E4004',
  /** force-unlock: the state is not locked. */
  notLocked: 'DRCTL_E4005',
  /** This process no longer holds the lock (force-unlocked, or its lease expired and another took it). */
  lockLost: 'DRCTL_E4006',
  /** The state file's short-lived write mutex (state.json.lock) stayed busy. */
  mutexBusy: 'DRCTL_E4007',
  /** Reading or writing the state file failed (I/O: disk full, permissions). */
  io: 'DRCTL_E4008',
  /** No operation with that id (or prefix) in the journal. */
  opNotFound: 'DRCTL_E4009',
  /** An operation id prefix matches more than one operation. */
  opAmbiguous: 'DRCTL_E4010',
  /** A journal call named a step that is not part of the operation. */
  stepNotFound: 'DRCTL_E4011',
} as const;

export const ApplyCode = {
  /** The step DAG is invalid: duplicate id, unknown dependency or a cycle. */
  badDag: 'DRCTL_E4020',
  /** No implementation registered for a step name. */
  noImpl: 'DRCTL_E4021',
  /** A step failed before the point of no return; completed steps were rolled back. */
  rolledBack: 'DRCTL_E4022',
  /** A step failed after the point of no return; everything kept, resume after fixing the cause. */
  stoppedAfterPnr: 'DRCTL_E4023',
  /** The rollback itself failed for some steps; manual clean-up needed (listed). */
  rollbackIncomplete: 'DRCTL_E4024',
  /** The operation cannot be resumed (it was rolled back, or already completed). */
  notResumable: 'DRCTL_E4025',
  /** The run was interrupted (signal); it resumes with the same command. */
  interrupted: 'DRCTL_E4026',
} as const;
