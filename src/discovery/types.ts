/**
 * The inventory: everything discovery learned about both sites and their arrays, for one spec.
 * It is plain data (JSON-serialisable), produced by src/discovery and consumed by the pure planner.
 * An unreachable site or array is a fact recorded here, never an exception.
 */

/** Keys drctl writes into Nova server metadata and Cinder volume metadata (tags). */
export const TAG = {
  /** DR spec group name. */
  group: 'drctl.group',
  /** Spec member name (`members[].server`) this instance/volume belongs to. */
  member: 'drctl.member',
  /** `production` or `drill`. */
  role: 'drctl.role',
  /** Operation id that created the resource. */
  op: 'drctl.op',
  /** Member tier. */
  tier: 'drctl.tier',
  /** Source volume id (on the other site) a volume was imported/cloned from. */
  sourceVolume: 'drctl.source-volume',
} as const;

export type ResourceRole = 'production' | 'drill';

export interface ProblemInfo {
  /** Stable code, e.g. DRCTL_E3001. */
  code: string;
  /** API's own message, secrets redacted. */
  message: string;
}

export interface VolumeTypeInfo {
  id: string;
  name: string;
  /** extra spec replication_enabled == '<is> True' */
  replicationEnabled: boolean;
  /** extra spec replication_type when visible (admin-only for members); undefined = not visible. */
  replicationType?: string;
  /** volume_backend_name when visible. */
  backend?: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
}

export interface FlavorInfo {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface VolumeInfo {
  id: string;
  name: string;
  status: string;
  size: number;
  volumeType: string;
  bootable: boolean;
  groupId?: string;
  replicationStatus?: string;
  /** server ids */
  attachedTo: string[];
  metadata: Record<string, string>;
}

export interface ServerInfo {
  id: string;
  name: string;
  /** Nova status: ACTIVE, SHUTOFF, BUILD, ERROR, ... */
  status: string;
  flavorName: string;
  /** network names the server has addresses on */
  networks: string[];
  securityGroups: string[];
  keyName?: string;
  /** volumes attached, boot volume first when known */
  volumes: VolumeInfo[];
  metadata: Record<string, string>;
  createdAt?: string;
}

/** The drctl group record kept on each site (a Cinder generic group plus its drctl description). */
export interface ConsistencyGroupInfo {
  id: string;
  name: string;
  status: string;
  volumeIds: string[];
  /** Parsed drctl record (version of the group metadata, where it runs, counters). */
  record?: GroupRecord;
}

export interface GroupRecord {
  /** Incremented by every completed operation; must match on both sites. */
  version: number;
  /** Site production runs on, per drctl's last completed operation. */
  activeSite: string;
  failoverCount: number;
  /** Set after an unplanned failover: this site must be fenced before anything else. */
  fenceRequired?: string;
  lastOperation?: string;
}

export interface SiteInventory {
  name: string;
  /** OpenStack APIs answered. */
  reachable: boolean;
  error?: ProblemInfo;
  /** Server time (from the API's Date header) when discovered, ISO-8601; used for lag. */
  observedAt?: string;
  flavors: FlavorInfo[];
  networks: NetworkInfo[];
  securityGroups: string[];
  volumeTypes: VolumeTypeInfo[];
}

export type ArrayRole =
  /** replicating out (async source, promoted pod, primary image) */
  | 'source'
  /** receiving (async target, demoted pod, non-primary image) */
  | 'target'
  /** promoted while the peer is also promoted/primary: split brain */
  | 'split-brain'
  /** not configured for this group on this array */
  | 'none'
  | 'unknown';

/** One array's view of one group's replication object (protection group, pod, or mirrored images). */
export interface ArrayGroupStatus {
  reachable: boolean;
  error?: ProblemInfo;
  /** protection group / pod / pool name on this array */
  object?: string;
  exists: boolean;
  role: ArrayRole;
  /** Volumes (array-side names) in the object. */
  volumes: string[];
  /** ISO time of the newest snapshot fully replicated *to* this array (async targets). */
  lastReplicatedAt?: string;
  /** Name of that snapshot. */
  lastReplicatedSnapshot?: string;
  /** A transfer is in progress (0..1). */
  transferProgress?: number;
  /** Seconds of lag as reported/derived by the array. */
  lagSeconds?: number;
  /** Health string as reported (pod link status, ceph mirror state). */
  health?: string;
  /** Drill clones (array volumes tagged/named as drctl drill copies). */
  drillVolumes: string[];
  /**
   * Both arrays serve the object writable by design (a stretched ActiveCluster pod): 'source' on both
   * sides is then normal, not split brain; where production runs is told by the instances.
   */
  activeActive?: boolean;
}

export interface StorageInventory {
  driver: 'pure' | 'ceph';
  type: 'async' | 'sync';
  perSite: Record<string, ArrayGroupStatus>;
  /** Derived: where data flows now, if known. */
  direction?: { from: string; to: string };
  /** Derived: seconds since the last replicated point (async) or link lag (sync). */
  lagSeconds?: number;
  /** Derived: ISO time of the last replicated point. */
  lastSyncAt?: string;
  splitBrain: boolean;
}

export interface MemberInventory {
  /** As written in the spec. */
  server: string;
  tier: number;
  /** Production instance of this member per site (null = none found; undefined = site unreachable). */
  instances: Record<string, ServerInfo | null | undefined>;
}

export interface GroupInventory {
  name: string;
  members: MemberInventory[];
  /** Servers tagged for this group as production whose member is no longer in the spec. */
  strayInstances: Record<string, ServerInfo[]>;
  /** Drill copies per site (tag drctl.role=drill). */
  drillInstances: Record<string, ServerInfo[]>;
  /** Drill volumes per site (tag drctl.role=drill). */
  drillVolumes: Record<string, VolumeInfo[]>;
  /** Volumes of this group per site (member volumes and tagged imports). */
  volumes: Record<string, VolumeInfo[]>;
  consistencyGroups: Record<string, ConsistencyGroupInfo | null | undefined>;
  storage: StorageInventory;
}

export interface Inventory {
  /** Spec name and digest this inventory was discovered for. */
  spec: { name: string; digest: string };
  /** ISO time on drctl's clock when discovery finished. */
  discoveredAt: string;
  sites: Record<string, SiteInventory>;
  groups: Record<string, GroupInventory>;
  /** Counted HTTP requests per site and service, for budgets and benchmarks. */
  requests?: Record<string, Record<string, number>>;
}
