/**
 * DRCTL_E41xx: apply (the command) and the step implementations. Stable, greppable, listed in the
 * README (code → meaning → what to do). E40xx (state, lock, journal) and E402x (executor) are src/state's.
 */
export const StepCode = {
  /** apply needs an approval but stdin is not a terminal and --auto-approve was not given (exit 1). */
  needsApproval: 'DRCTL_E4101',
  /** The operator did not answer `yes` (exit 1). */
  cancelled: 'DRCTL_E4102',
  /** The plan has blockers; nothing was done (exit 3). */
  blocked: 'DRCTL_E4103',
  /** A step that discards data (resync) was not confirmed with --discard-site (exit 3). */
  notConfirmed: 'DRCTL_E4104',
  /** The plan file names a spec that cannot be found or loaded. */
  planSpecMissing: 'DRCTL_E4105',
  /** Some operations failed (summary error of apply, exit 1). */
  applyFailed: 'DRCTL_E4106',
  /** A bounded wait ran out (server ACTIVE/SHUTOFF, volume available, transfer). */
  timeout: 'DRCTL_E4110',
  /** Something the step needs is gone (server, volume, group) and cannot be found by id, tag or name. */
  notFound: 'DRCTL_E4111',
  /** The array volume to import is not on the site's backend (manageable list). */
  nothingToImport: 'DRCTL_E4112',
  /** A flavor, network, security group or key pair the instance needs does not exist on the target site. */
  targetResourceMissing: 'DRCTL_E4113',
  /** A server or volume went to ERROR. */
  resourceError: 'DRCTL_E4114',
  /** verify found the result is not what the operation promised (not ACTIVE, volumes missing, split brain). */
  verifyFailed: 'DRCTL_E4115',
  /** drill-cleanup: drill-tagged resources remain after removal. */
  drillRemains: 'DRCTL_E4116',
  /** preflight: a site the step needs does not answer. */
  siteUnreachable: 'DRCTL_E4117',
  /** record.write: the group record on the site moved since the plan (a newer version). */
  recordConflict: 'DRCTL_E4118',
  /** A step refused because acting would be unsafe (delete a non-drill volume, delete volumes with a server). */
  unsafe: 'DRCTL_E4119',
  /** The step was cut short by an interruption (Ctrl-C); the journal keeps it for resume. */
  aborted: 'DRCTL_E4120',
  /** A step got parameters it cannot use (a plan from another drctl version). */
  badParams: 'DRCTL_E4121',
  /** The storage driver cannot do what the step asks (e.g. remove volumes from a Pure protection group). */
  unsupported: 'DRCTL_E4122',
} as const;

export const STEP_CODE_TABLE: Array<{ code: string; meaning: string; action: string }> = [
  { code: StepCode.needsApproval, meaning: 'apply needs approval, stdin is not a terminal', action: 'review the plan, then pass --auto-approve (CI) or run in a terminal' },
  { code: StepCode.cancelled, meaning: 'the answer was not "yes"', action: 'nothing was done; run apply again when ready' },
  { code: StepCode.blocked, meaning: 'the plan has blockers (exit 3)', action: 'each blocker line says its way out; nothing was done' },
  { code: StepCode.notConfirmed, meaning: 'a resync (discards one site\'s writes) needs confirmation (exit 3)', action: 'apply again with --discard-site SITE naming the side to discard' },
  { code: StepCode.planSpecMissing, meaning: 'the plan file\'s spec cannot be loaded', action: 'run apply from the directory the plan was made in, or re-plan' },
  { code: StepCode.applyFailed, meaning: 'one or more operations failed', action: 'read the summary: rolled back (re-plan) or stopped after the point of no return (fix, then drctl apply resumes)' },
  { code: StepCode.timeout, meaning: 'a bounded wait ran out', action: 'check the resource on the site; drctl apply resumes and keeps waiting' },
  { code: StepCode.notFound, meaning: 'a server/volume/group the step needs is gone', action: 'see drctl status; restore it or re-plan' },
  { code: StepCode.nothingToImport, meaning: 'the promoted array volume is not on the backend', action: 'check the array (promote step) and the Cinder backend host; resume' },
  { code: StepCode.targetResourceMissing, meaning: 'flavor/network/security group missing on the target', action: 'create it on the target site or fix mappings, then drctl apply resumes' },
  { code: StepCode.resourceError, meaning: 'a server or volume went to ERROR', action: 'inspect it on the site (fault message shown), remove it by hand, resume' },
  { code: StepCode.verifyFailed, meaning: 'verification of the result failed', action: 'see the message; fix on the site, then resume' },
  { code: StepCode.drillRemains, meaning: 'drill resources remain after cleanup', action: 'remove the listed resources by hand, or run apply again' },
  { code: StepCode.siteUnreachable, meaning: 'a site needed by the operation does not answer', action: 'restore connectivity; for an outage use failover.mode: unplanned / --allow-data-loss' },
  { code: StepCode.recordConflict, meaning: 'the group record moved since the plan', action: 're-plan' },
  { code: StepCode.unsafe, meaning: 'the step refused an unsafe action', action: 'read the message; nothing was changed' },
  { code: StepCode.aborted, meaning: 'interrupted (Ctrl-C)', action: 'drctl apply resumes' },
  { code: StepCode.badParams, meaning: 'step parameters not understood', action: 're-plan with this drctl' },
  { code: StepCode.unsupported, meaning: 'the storage driver cannot do this', action: 'do it on the array by hand (listed), the rest is done' },
];
