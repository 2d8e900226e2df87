/**
 * Plan types (format_version 1). A plan is pure data: produced by buildPlan (src/plan), rendered by the
 * CLI, saved to plans/*.json, and executed by src/apply. Owned by src/plan; extend, don't break.
 */

export const PLAN_FORMAT_VERSION = 1;

export type ActionKind =
  | 'protect'
  | 'unprotect'
  | 'member-add'
  | 'member-remove'
  | 'failover'
  | 'failback'
  | 'drill'
  | 'drill-cleanup'
  | 'fence'
  | 'reprotect'
  | 'resume'
  | 'update';

/** The four phases of the seed documents, with their progress ranges. */
export type Phase = 'preparation' | 'storage' | 'instances' | 'finalization';
export const PHASE_RANGE: Record<Phase, [number, number]> = {
  preparation: [0, 20],
  storage: [20, 60],
  instances: [60, 90],
  finalization: [90, 100],
};

/**
 * Step names: a closed union, each implemented once in src/steps/. Steps find their objects by drctl
 * tags/names at run time (idempotency), so params carry names and mappings, not ids of things an
 * earlier step will create.
 */
export type StepName =
  // preparation
  | 'preflight'
  | 'operation.open'
  | 'server.stop'
  | 'server.capture-metadata'
  // storage
  | 'storage.final-sync'
  | 'storage.wait-transfer'
  | 'storage.promote'
  | 'storage.force-promote'
  | 'storage.demote'
  | 'storage.protect'
  | 'storage.clone-for-drill'
  | 'storage.remove-drill-clones'
  | 'storage.resync'
  // instances
  | 'volume.import'
  | 'volume.unmanage'
  | 'cgroup.ensure'
  | 'cgroup.add-volumes'
  | 'cgroup.remove-volumes'
  | 'server.create'
  | 'server.wait-active'
  | 'server.delete'
  | 'server.start'
  // finalization
  | 'verify'
  | 'storage.reverse-replication'
  | 'record.write'
  | 'operation.close';

export interface PlanStep {
  /** Unique within the plan, stable for the same inputs, e.g. "prod-web-app/server.create/web-server-1". */
  id: string;
  name: StepName;
  phase: Phase;
  /** Site the step acts on. */
  site?: string;
  /** What it acts on: member server name, volume, protection group/pod, ... */
  target?: string;
  tier?: number;
  /** Step ids that must complete before this one (the DAG's edges). */
  dependsOn: string[];
  /** Everything the step implementation needs (mapped flavor/networks, names, tags). No secrets. */
  params?: Record<string, unknown>;
  /** Human description for the rendered plan. */
  description: string;
}

export interface Blocker {
  group: string;
  /** Stable code, DRCTL_E3xxx. */
  code: string;
  message: string;
  /** The way out, e.g. "set failover.mode: unplanned or pass --allow-data-loss". */
  hint?: string;
}

export interface DataAtRisk {
  /** Seconds of writes that would be lost (0 for planned operations and sync replication). */
  seconds: number;
  /** ISO time of the last replicated point the operation would use. */
  lastSyncAt?: string;
}

export interface PlanAction {
  group: string;
  action: ActionKind;
  mode?: 'planned' | 'unplanned';
  from?: string;
  to?: string;
  /** One line a reviewer reads first. */
  summary: string;
  dataAtRisk?: DataAtRisk;
  /** Operation id to resume (action 'resume'). */
  resumeOperation?: string;
  steps: PlanStep[];
}

export interface Drift {
  group: string;
  site?: string;
  message: string;
}

/** What a saved plan is bound to; apply refuses when any of it moved. */
export interface PlanBindings {
  specDigest: string;
  stateLineage: string;
  stateSerial: number;
  /** sha256 over the discovered facts the plan relied on (array roles, last sync, server states). */
  factsDigest: string;
  createdAt: string;
  /** ISO time after which apply refuses the plan. */
  expiresAt: string;
}

export interface Plan {
  format_version: typeof PLAN_FORMAT_VERSION;
  spec: { name: string; digest: string; file?: string };
  createdAt: string;
  /** Groups restricted with --target, if any. */
  targets?: string[];
  actions: PlanAction[];
  blockers: Blocker[];
  drift: Drift[];
  warnings: string[];
  summary: { groups: number; actions: number; steps: number; blocked: number; changes: boolean };
  bindings?: PlanBindings;
}
