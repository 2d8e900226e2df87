/**
 * The plan stage's codes (DRCTL_E3xxx): preflight blockers and plan-file problems. Codes are stable:
 * tests, scripts and the README refer to them. Add new ones; never renumber or reuse one.
 */
export const PlanCode = {
  /** The site production runs on is unreachable and the work needs it (planned failover, member changes). */
  peerUnreachable: 'DRCTL_E3001',
  /** The site the work must happen on is unreachable. No override. */
  targetUnreachable: 'DRCTL_E3002',
  /** The drctl group record differs between the sites in a way drctl cannot settle alone. */
  metadataOutOfSync: 'DRCTL_E3003',
  /** A member NIC is on a network that has no entry in mappings.networks (or the reverse mapping). */
  networkUnmapped: 'DRCTL_E3004',
  /** The (mapped) flavor does not exist on the target site. */
  flavorMissing: 'DRCTL_E3005',
  /** The mapped network does not exist on the target site. */
  networkMissing: 'DRCTL_E3006',
  /** A member volume's type is not replication-enabled, has the wrong replication_type, another backend, or is missing. */
  volumeTypeNotReplicated: 'DRCTL_E3007',
  /** Replication lag beyond rpoMinutes (or no replicated point yet). --allow-data-loss overrides. */
  rpoExceeded: 'DRCTL_E3008',
  /** Drill gate: last sync older than 3x the replication interval. --allow-data-loss overrides. */
  drillStaleData: 'DRCTL_E3009',
  /** A drill is up on a site that must be cleaned first and cannot be (its site is unreachable). */
  drillUp: 'DRCTL_E3010',
  /** A member (or the group) is not protected: volumes missing from the consistency group / array group. */
  notProtected: 'DRCTL_E3011',
  /** A site must be fenced after an unplanned failover and cannot be yet. */
  unfenced: 'DRCTL_E3012',
  /** Split brain: both sites hold writable production (storage or instances). Never resolved automatically. */
  splitBrain: 'DRCTL_E3013',
  /** A spec member's server is not found on the site it should run on. */
  memberNotFound: 'DRCTL_E3014',
  /** Failback needs the mappings inverted and they are not invertible (no reverse mapping given). */
  mappingNotInvertible: 'DRCTL_E3015',
  /** An unfinished operation cannot be resumed now (a site it needs is unreachable). */
  resumeBlocked: 'DRCTL_E3016',
  /** A (mapped) security group does not exist on the target site. */
  securityGroupMissing: 'DRCTL_E3017',
  /** drill: true, but a member network has no drillNetworks entry. */
  drillNetworkUnmapped: 'DRCTL_E3018',
  /** A member's instance metadata is unknown (its site is unreachable and drctl never captured it). */
  memberMetadataUnknown: 'DRCTL_E3019',
  /** --target names a group that is not in the spec. */
  unknownTarget: 'DRCTL_E3020',
  // Plan files
  /** The plan file is not valid JSON or not a drctl plan. */
  planFileInvalid: 'DRCTL_E3101',
  /** The plan file was written with another format_version. */
  planFileVersion: 'DRCTL_E3102',
  /** The saved plan no longer matches the world (apply refuses, exit 3). */
  planStale: 'DRCTL_E3103',
  /** Conflicting view flags (--json with --markdown). */
  viewConflict: 'DRCTL_E3104',
} as const;

export type PlanCodeValue = (typeof PlanCode)[keyof typeof PlanCode];

/** code → meaning → way out, for the README and `drctl help codes`. */
export const PLAN_CODE_TABLE: ReadonlyArray<{ code: string; meaning: string; wayOut: string }> = [
  { code: PlanCode.peerUnreachable, meaning: 'the site production runs on is unreachable; planned work needs both sites', wayOut: 'restore connectivity; for a failover away from it set failover.mode: unplanned or pass --allow-data-loss (the plan shows the data at risk)' },
  { code: PlanCode.targetUnreachable, meaning: 'the site the work must happen on is unreachable', wayOut: 'restore the site (check `drctl status`); there is no override' },
  { code: PlanCode.metadataOutOfSync, meaning: 'the group records on the two sites disagree at the same version', wayOut: 'inspect both (`drctl status`), decide which site is right, and name it with --discard-site for the other' },
  { code: PlanCode.networkUnmapped, meaning: 'a member NIC is on a network with no mapping', wayOut: 'add the network to mappings.networks (or mappings.reverseNetworks for a failback)' },
  { code: PlanCode.flavorMissing, meaning: 'the (mapped) flavor does not exist on the target site', wayOut: 'create the flavor on the target site or map it in mappings.flavors' },
  { code: PlanCode.networkMissing, meaning: 'the mapped network does not exist on the target site', wayOut: 'create the network on the target site or fix the mapping' },
  { code: PlanCode.volumeTypeNotReplicated, meaning: "a member volume's type is not replication-enabled / wrong replication_type / another backend / missing", wayOut: "retype the volume to the group's volumeType; give the type replication_enabled='<is> True' and the right replication_type on both sites" },
  { code: PlanCode.rpoExceeded, meaning: 'replication lag beyond rpoMinutes, or no replicated point yet', wayOut: 'fix replication and wait for a fresh sync, or pass --allow-data-loss' },
  { code: PlanCode.drillStaleData, meaning: 'drill gate: the last sync is older than 3x the replication interval', wayOut: 'fix replication and wait for a sync, or pass --allow-data-loss to drill on old data' },
  { code: PlanCode.drillUp, meaning: 'a drill is up and must be cleaned up first, but its site is unreachable', wayOut: 'restore the drill site, or set drill: false and clean up once it is back' },
  { code: PlanCode.notProtected, meaning: 'a member (or the group) is not protected: volumes missing from the consistency group / array group', wayOut: 'keep activeSite where the group runs and apply the protect/member-add plan first' },
  { code: PlanCode.unfenced, meaning: 'a site must be fenced after an unplanned failover and cannot be yet', wayOut: 'bring the site back so drctl can stop its stale instances and demote its storage' },
  { code: PlanCode.splitBrain, meaning: 'both sites hold writable production (storage primary on both, or instances running on both)', wayOut: 'decide which site keeps its data and re-plan with --discard-site OTHER_SITE; drctl never picks a side' },
  { code: PlanCode.memberNotFound, meaning: "a spec member's server is not found on the site it should run on", wayOut: 'fix the member name/UUID in the spec, or remove the member' },
  { code: PlanCode.mappingNotInvertible, meaning: 'failback needs inverted mappings and two entries map to the same target', wayOut: 'add mappings.reverseNetworks / mappings.reverseFlavors' },
  { code: PlanCode.resumeBlocked, meaning: 'an unfinished operation cannot resume: a site it needs is unreachable', wayOut: 'restore the site; the operation resumes with the next apply' },
  { code: PlanCode.securityGroupMissing, meaning: 'a (mapped) security group does not exist on the target site', wayOut: 'create it on the target site or map it in mappings.securityGroups' },
  { code: PlanCode.drillNetworkUnmapped, meaning: 'drill: true, but a member network has no drillNetworks entry', wayOut: 'add the network to drillNetworks (isolated networks on the standby site)' },
  { code: PlanCode.memberMetadataUnknown, meaning: "a member's instance metadata is unknown: its site is unreachable and drctl never captured it", wayOut: 'restore the site, or protect the group (protect captures metadata) before an outage' },
  { code: PlanCode.unknownTarget, meaning: '--target names a group that is not in the spec', wayOut: 'use a group name from the spec' },
  { code: PlanCode.planFileInvalid, meaning: 'the plan file is not a drctl plan (bad JSON or shape)', wayOut: 'make a new plan with drctl plan --out' },
  { code: PlanCode.planFileVersion, meaning: 'the plan file has another format_version', wayOut: 'make a new plan with this drctl' },
  { code: PlanCode.planStale, meaning: 'the saved plan no longer matches the world (spec, state or discovered facts moved, or it expired)', wayOut: 'make a new plan and review it again' },
  { code: PlanCode.viewConflict, meaning: '--json and --markdown were both given', wayOut: 'pick one view' },
];
