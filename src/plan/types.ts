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
  /** One per tier: waits until every member of the tier is SHUTOFF (the join before the next tier). */
  | 'server.wait-stopped'
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
  /** One per tier: waits until every member of the tier is ACTIVE (the join before the next tier). */
  | 'server.wait-active'
  | 'server.delete'
  | 'server.start'
  // membership (tags drctl writes on servers and their volumes)
  | 'server.tag'
  | 'server.untag'
  | 'storage.remove-volumes'
  | 'storage.remove-unmanaged'
  // drills
  | 'volume.delete'
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
  /**
   * Set on a step that discards data (storage.resync). The executor must not run it unless
   * `confirmed` is true; the operator confirms by naming the side to discard when planning
   * (`drctl plan --discard-site SITE`), so the confirmation is part of the reviewed plan.
   */
  confirmation?: StepConfirmation;
}

export interface StepConfirmation {
  /** Site whose divergent data the step throws away. */
  discardSite: string;
  /** What the operator must understand. */
  reason: string;
  /** How to confirm, e.g. "drctl plan --discard-site site-a". */
  how: string;
  confirmed: boolean;
}

export interface Blocker {
  group: string;
  /** Stable code, DRCTL_E3xxx. */
  code: string;
  message: string;
  /** The way out, e.g. "set failover.mode: unplanned or pass --allow-data-loss". */
  hint?: string;
  /** What the group wanted that this blocks (the group has no actions while it is blocked). */
  action?: ActionKind;
  /** Site the blocker is about, when there is one. */
  site?: string;
  /** True when --allow-data-loss would lift it. */
  overridable?: boolean;
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
  /** For 'resume': the operation type being resumed and how far it got. */
  resumes?: { type: string; stepsCompleted: number; stepsTotal: number; status: string };
  /** Operation id the executor journals this action under (from options.newId). */
  operationId?: string;
  /** Members the action boots/moves/copies (for the executive line). */
  vms?: number;
  /** Storage effect in words, e.g. "promote pg-prod-web-app on site-b". */
  storage?: string;
  steps: PlanStep[];
}

export interface Drift {
  group: string;
  site?: string;
  /** e.g. "stopped-outside-drctl", "untagged-server", "record-mismatch". */
  kind?: string;
  message: string;
}

/** One line per spec group (in scope), whatever happens to it: the plan's executive section. */
export interface GroupOverview {
  name: string;
  status: 'changes' | 'no-changes' | 'blocked';
  /** Where production runs now, per discovery (undefined when unknown). */
  currentSite?: string;
  /** Where the spec wants it. */
  desiredSite: string;
  replication: 'async' | 'sync';
  lastSyncAt?: string;
  lagSeconds?: number;
  /** The executive line, e.g. "prod-web-app: failover site-a → site-b (planned) · 3 VMs · ...". */
  line: string;
}

/** What a saved plan is bound to; apply refuses when any of it moved. */
export interface PlanBindings {
  specDigest: string;
  stateLineage: string;
  stateSerial: number;
  /** sha256 over the discovered facts the plan relied on (array roles, last sync, server states). */
  factsDigest: string;
  /** The projection the digest is computed over, so a refusal can say what moved. */
  facts?: PlanFacts;
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
  /** Executive overview, one entry per group in scope. */
  groups?: GroupOverview[];
  actions: PlanAction[];
  blockers: Blocker[];
  drift: Drift[];
  warnings: string[];
  summary: PlanSummary;
  bindings?: PlanBindings;
}

export interface PlanSummary {
  groups: number;
  actions: number;
  steps: number;
  blocked: number;
  changes: boolean;
  /** Count of actions per kind, e.g. { failover: 1, drill: 1 }. */
  byAction?: Partial<Record<ActionKind, number>>;
}

/**
 * Canonical projection of the discovered facts a plan relied on (see src/plan/facts.ts). Plain data,
 * keys sorted when digested; no secrets, no ids of things that change by themselves.
 */
export interface PlanFacts {
  sites: Record<string, { reachable: boolean }>;
  groups: Record<string, GroupFacts>;
}

export interface GroupFacts {
  /** Array role and existence of the replication object per site. */
  arrays: Record<string, { reachable: boolean; exists: boolean; role: string }>;
  splitBrain: boolean;
  /** Last replicated point, only where the plan relied on it (data at risk > 0 or drills). */
  lastSyncAt?: string;
  /** Whether replication lag was within rpoMinutes when planned (async). */
  withinRpo?: boolean;
  /** Production instances per member per site: "id:STATUS" or null (none) or "?" (unreachable). */
  servers: Record<string, Record<string, string | null>>;
  /** Group record per site: "v<version>:<activeSite>[:fence=<site>]" or null. */
  records: Record<string, string | null>;
  /** Drill instance ids per site. */
  drills: Record<string, string[]>;
  /** Stray (tagged, not in spec) instance ids per site. */
  strays: Record<string, string[]>;
}

// ---------------------------------------------------------------------------------------------
// What the planner needs from the state journal (src/state adapts its store to this).

/** An operation in the journal that has not finished (not completed, not rolled back). */
export interface JournalOperation {
  id: string;
  /** Operation type (same words as ActionKind, plus 'sync'). */
  type: string;
  group: string;
  /** pending | running | failed | rolling_back */
  status: string;
  /** Plan step ids that completed. */
  stepsCompleted: string[];
  sourceSite?: string;
  targetSite?: string;
  mode?: 'planned' | 'unplanned';
  dataLossWindowSeconds?: number;
  /** The operation's steps as journaled; when present, resume uses them verbatim. */
  steps?: Array<Omit<PlanStep, 'description'> & { description?: string }>;
  /** A failure before the point of no return that was rolled back: not resumable. */
  rolledBack?: boolean;
}

/** Instance metadata drctl captured for a member (server.capture-metadata), used when its site is down. */
export interface CapturedMember {
  server: string;
  tier: number;
  /** Site the metadata was captured on. */
  site: string;
  serverId?: string;
  flavorName: string;
  networks: string[];
  securityGroups: string[];
  keyName?: string;
  volumes: Array<{ id: string; name: string; size: number; volumeType: string; bootable: boolean }>;
  capturedAt?: string;
}

export interface JournalView {
  /** State lineage (uuid of the state file's history) and serial (bumped by every write). */
  lineage: string;
  serial: number;
  /** Unfinished operations; at most one per group is expected. */
  unfinished: JournalOperation[];
  /** Last captured member metadata per group, per member. Optional. */
  captured?: Record<string, Record<string, CapturedMember>>;
}

export const EMPTY_JOURNAL: JournalView = { lineage: '', serial: 0, unfinished: [] };
