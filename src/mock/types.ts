/**
 * The persisted shape of the mock world (one JSON file, lowdb). Everything is plain data keyed by id
 * (or by name where the real system keys by name, as arrays do), so lookups are O(1) and the file
 * round-trips through JSON unchanged. Times are milliseconds on the *simulated* clock
 * (real now + clockOffsetMs); states that depend on time (BUILD → ACTIVE, transfers) are derived from
 * these timestamps when read, never advanced by timers.
 */

export const WORLD_FORMAT = 'drctl-mock-world/v1';

export interface MockSettings {
  /** Seconds from server create to ACTIVE. */
  bootSeconds: number;
  /** Seconds from os-stop to SHUTOFF. */
  stopSeconds: number;
  /** Seconds from os-start to ACTIVE. */
  startSeconds: number;
  /** Seconds an array snapshot takes to reach the peer. */
  transferSeconds: number;
  /** Keystone token lifetime. */
  tokenTtlSeconds: number;
  /**
   * Pure sites: whether Cinder's driver manages volumes in a pod (sync replication). The stock driver
   * (openstack/cinder cinder/volume/drivers/pure.py) does not: get_manageable_volumes lists a pod volume
   * (`<pod>::<vol>`) with safe_to_manage false, "Volume is in a Pod", and manage_existing refuses a pod
   * volume ("Unable to manage volume in a Pod") and a volume type with replication_type `<in> sync`
   * ("Unable to managed volume with type requiring sync replication enabled."). Default false: stock.
   * true models a driver that manages pod volumes (the volume keeps its pod; the rename stays in it).
   */
  managePodVolumes?: boolean;
}

export const DEFAULT_SETTINGS: MockSettings = {
  bootSeconds: 1,
  stopSeconds: 0.5,
  startSeconds: 0.5,
  transferSeconds: 2,
  tokenTtlSeconds: 3600,
};

export type FaultKind =
  | 'unreachable'
  | 'latency'
  | 'error'
  | 'policy-denied'
  | 'missing-flavor'
  | 'missing-network'
  | 'replication-down';

export interface Fault {
  id: string;
  site: string;
  kind: FaultKind;
  /** latency: milliseconds added to every call of the site. */
  ms?: number;
  /** error / policy-denied: API name (see MOCK_APIS). */
  api?: string;
  /** error: HTTP status (or rbd exit code for rbd.* names). */
  status?: number;
  /** error: remaining failures; undefined = until cleared. */
  remaining?: number;
  /** missing-flavor / missing-network: the object's name. */
  name?: string;
  /** Simulated time the fault was added. */
  since: number;
}

/** A period during which array replication between the two sites did not move data. */
export interface LinkOutage {
  from: number;
  /** undefined = still down */
  to?: number;
  cause: string;
}

// ---------------------------------------------------------------- Keystone

export interface KeystoneUser {
  id: string;
  name: string;
  password: string;
  /** Role names on the site's project. */
  roles: string[];
}

export interface KeystoneAppCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
}

export interface KeystoneData {
  domain: { id: string; name: string };
  project: { id: string; name: string };
  roles: Record<string, string>; // role name -> id
  users: { member: KeystoneUser; admin: KeystoneUser };
  appCredentials: KeystoneAppCredential[];
  serviceIds: Record<string, string>;
}

// ---------------------------------------------------------------- Nova

export interface FlavorRec {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
  description: string | null;
}

export interface KeypairRec {
  name: string;
  fingerprint: string;
  publicKey: string;
  type: 'ssh';
  createdAt: number;
}

export interface ServerVolumeRec {
  volumeId: string;
  deleteOnTermination: boolean;
  device: string;
  attachmentId: string;
  bootIndex: number | null;
}

export interface ServerRec {
  id: string;
  name: string;
  userId: string;
  flavor: { id: string; original_name: string; vcpus: number; ram: number; disk: number; ephemeral: number; swap: number; extra_specs: Record<string, string> };
  keyName: string | null;
  metadata: Record<string, string>;
  securityGroups: string[];
  /** Neutron ports created for (or attached to) this server, in NIC order. */
  portIds: string[];
  /** Ports nova created itself (deleted with the server). */
  ownedPortIds: string[];
  volumes: ServerVolumeRec[];
  createdAt: number;
  updatedAt: number;
  /** Power intent and when it was last changed; the status is derived from it and the clock. */
  power: { want: 'on' | 'off'; at: number; kind: 'boot' | 'stop' | 'start' };
  hostId: string;
  availabilityZone: string;
  description: string | null;
  tags: string[];
  /** Set when a create was failed by a fault: status ERROR. */
  error?: { code: number; message: string; at: number };
}

export interface NovaData {
  servers: Record<string, ServerRec>;
  flavors: Record<string, FlavorRec>;
  keypairs: Record<string, KeypairRec>;
}

// ---------------------------------------------------------------- Cinder

export interface VolumeAttachmentRec {
  id: string;
  serverId: string;
  device: string;
  attachedAt: number;
}

export interface VolumeRec {
  id: string;
  name: string | null;
  description: string | null;
  size: number;
  typeId: string;
  status: string;
  /** While `status` is creating: when it becomes available. */
  readyAt?: number;
  bootable: boolean;
  metadata: Record<string, string>;
  groupId: string | null;
  snapshotId: string | null;
  sourceVolid: string | null;
  attachments: VolumeAttachmentRec[];
  replicationStatus: string;
  userId: string;
  availabilityZone: string;
  multiattach: boolean;
  createdAt: number;
  updatedAt: number | null;
  /** The backing object: array volume id (pure) or rbd image name (ceph). */
  backing?: { arrayVolumeId?: string; image?: string };
}

export interface SnapshotRec {
  id: string;
  name: string | null;
  description: string | null;
  volumeId: string;
  size: number;
  status: string;
  groupSnapshotId: string | null;
  metadata: Record<string, string>;
  createdAt: number;
}

export interface VolumeTypeRec {
  id: string;
  name: string;
  description: string | null;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
}

export interface GroupTypeRec {
  id: string;
  name: string;
  description: string | null;
  isPublic: boolean;
  groupSpecs: Record<string, string>;
}

export interface GroupRec {
  id: string;
  name: string | null;
  description: string | null;
  groupTypeId: string;
  volumeTypeIds: string[];
  status: string;
  availabilityZone: string;
  createdAt: number;
  groupSnapshotId: string | null;
  sourceGroupId: string | null;
  replicationStatus: string;
}

export interface GroupSnapshotRec {
  id: string;
  groupId: string;
  name: string | null;
  description: string | null;
  status: string;
  groupTypeId: string;
  createdAt: number;
}

export interface CinderData {
  /** host@backend#pool of the site's one backend. */
  host: string;
  backendName: string;
  volumes: Record<string, VolumeRec>;
  snapshots: Record<string, SnapshotRec>;
  types: Record<string, VolumeTypeRec>;
  groupTypes: Record<string, GroupTypeRec>;
  groups: Record<string, GroupRec>;
  groupSnapshots: Record<string, GroupSnapshotRec>;
}

// ---------------------------------------------------------------- Neutron

export interface NetworkRec {
  id: string;
  name: string;
  shared: boolean;
  mtu: number;
  subnetIds: string[];
  createdAt: number;
  description: string;
}

export interface SubnetRec {
  id: string;
  name: string;
  networkId: string;
  cidr: string;
  gatewayIp: string;
  /** Next host number to hand out (IPAM is a counter). */
  nextHost: number;
  createdAt: number;
}

export interface PortRec {
  id: string;
  name: string;
  networkId: string;
  deviceId: string;
  deviceOwner: string;
  macAddress: string;
  fixedIps: { subnetId: string; ipAddress: string }[];
  securityGroupIds: string[];
  createdAt: number;
}

export interface SecurityGroupRec {
  id: string;
  name: string;
  description: string;
  createdAt: number;
}

export interface NeutronData {
  networks: Record<string, NetworkRec>;
  subnets: Record<string, SubnetRec>;
  ports: Record<string, PortRec>;
  securityGroups: Record<string, SecurityGroupRec>;
  /** Counter for MAC addresses. */
  macSeq: number;
}

// ---------------------------------------------------------------- Pure-like array

export interface PureVolumeRec {
  id: string;
  /** Full name, `pod::vol` inside a pod. */
  name: string;
  serial: string;
  provisioned: number;
  created: number;
  source: { id: string | null; name: string | null };
  destroyed: boolean;
  pod: string | null;
}

export interface ProtectionGroupRec {
  id: string;
  name: string;
  /** Array volume ids (stable across renames). */
  volumeIds: string[];
  targets: { name: string; allowed: boolean }[];
  replication: { enabled: boolean; frequencyMs: number; anchor: number };
  created: number;
  destroyed: boolean;
}

/** A snapshot of a protection group taken on demand (scheduled ones are derived from the schedule). */
export interface PgSnapshotRec {
  id: string;
  pg: string;
  suffix: string;
  created: number;
  /** Replicate to the targets (replicate_now / replicate). */
  replicate: boolean;
  /** Array volume names captured, at snapshot time. */
  volumes: { id: string; name: string; provisioned: number }[];
  destroyed: boolean;
}

export interface PodRec {
  id: string;
  name: string;
  promotion: 'promoted' | 'demoted';
  changedAt: number;
  /** Stretched / linked (replica link) to the peer array's pod of the same name. */
  linked: boolean;
  /** Replica link paused (PATCH /pod-replica-links {paused}). */
  paused?: boolean;
  destroyed: boolean;
  created: number;
}

export interface PureArrayData {
  name: string;
  id: string;
  apiToken: string;
  username: string;
  volumes: Record<string, PureVolumeRec>; // by id
  protectionGroups: Record<string, ProtectionGroupRec>; // by name
  pgSnapshots: Record<string, PgSnapshotRec>; // by full name pg.suffix
  pods: Record<string, PodRec>; // by name
  seq: number;
}

// ---------------------------------------------------------------- Ceph-like cluster

export interface CephImageRec {
  id: string;
  name: string;
  size: number;
  createdAt: number;
  features: string[];
  /** `rbd image-meta` key/values. */
  meta?: Record<string, string>;
  /** `rbd mirror snapshot schedule add` intervals set on this image (e.g. "5m"). */
  schedules?: string[];
  mirroring?: {
    mode: 'journal' | 'snapshot';
    globalId: string;
    primary: boolean;
    /** Set by a forced promote that did not follow a clean demote of the peer. */
    forcedAt?: number;
    /** Demoted after the data diverged from the peer: split-brain until resync. */
    splitBrain?: boolean;
    /** Resync requested (the image is re-created from the peer). */
    resyncAt?: number;
    /** Manual mirror snapshots (snapshot mode), ms. */
    snapshots: { id: number; at: number; demoted: boolean }[];
    /** Scheduling anchor for snapshot mode. */
    anchor: number;
    intervalMs: number;
    /**
     * Non-primary copy, snapshot mode: the primary was renamed (Cinder's manage) at `since`; the new
     * name arrives with the next mirror snapshot that reaches this cluster (journal mode renames at once).
     */
    pendingName?: { name: string; since: number };
  };
}

export interface CephClusterData {
  cluster: string;
  fsid: string;
  siteName: string;
  mirrorUuid: string;
  peerUuid: string;
  pools: Record<string, { mode: 'image' | 'pool' | 'disabled'; images: Record<string, CephImageRec> }>;
  seq: number;
}

export type StorageData = { driver: 'pure'; pure: PureArrayData } | { driver: 'ceph'; ceph: CephClusterData; pool: string };

// ---------------------------------------------------------------- Site and world

export interface SiteData {
  name: string;
  region: string;
  keystone: KeystoneData;
  nova: NovaData;
  cinder: CinderData;
  neutron: NeutronData;
  storage: StorageData;
}

export interface WorldData {
  format: typeof WORLD_FORMAT;
  createdAt: string;
  clockOffsetMs: number;
  settings: MockSettings;
  /** Signs tokens (Keystone and array sessions), so they survive restarts without being stored. */
  secret: string;
  spec?: { name: string; digest?: string; file?: string };
  siteOrder: string[];
  sites: Record<string, SiteData>;
  faults: Fault[];
  linkOutages: LinkOutage[];
  seq: number;
}
