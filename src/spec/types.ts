/**
 * The typed DR spec (apiVersion drctl/v1). schemas/drspec.schema.json is the source of truth for its
 * shape; these types mirror it after validation and defaulting (see src/spec/load.ts).
 */

/** Secrets are only ever references; literal values are rejected by validation. */
export type SecretRef = { env: string } | { file: string };

export interface PureStorageSpec {
  driver: 'pure';
  /** https://array.example.com — the REST 2.x endpoint. */
  endpoint: string;
  apiToken: SecretRef;
  /** Accept a self-signed certificate (warned about at run time). */
  insecure?: boolean;
  /** PEM CA bundle for the array's certificate. */
  caFile?: string;
}

export interface CephStorageSpec {
  driver: 'ceph';
  /** Cluster name (`rbd --cluster NAME`); either this or conf. */
  cluster?: string;
  /** Path to ceph.conf (`rbd --conf PATH`). */
  conf?: string;
  /** RBD pool holding the mirrored images. */
  pool: string;
  /** Client id (`rbd --id ID`), default `admin`. */
  client?: string;
  keyring?: SecretRef;
}

export type StorageSpec = PureStorageSpec | CephStorageSpec;

export interface SiteSpec {
  /** clouds.yaml entry used for everything a project member may do. */
  cloud: string;
  /** Optional clouds.yaml entry for privileged calls (volume manage/unmanage are admin-only by default). */
  adminCloud?: string;
  storage: StorageSpec;
}

export interface MemberSpec {
  /** Server name or UUID on the primary site. */
  server: string;
  /** Positive integer; lower tiers boot first and stop last. */
  tier: number;
}

export type ReplicationType = 'async' | 'sync';

export interface ReplicationSpec {
  type: ReplicationType;
  /** Cinder volume type of members' volumes; must be replication-enabled on both sites. */
  volumeType: string;
  /** Pure protection group (async). */
  arrayGroup?: string;
  /** Pure pod (sync / ActiveCluster). */
  pod?: string;
  /** Ceph mirroring mode (ceph driver only). */
  mirrorMode?: 'journal' | 'snapshot';
  /** async only, required: replication interval. */
  intervalSeconds?: number;
  /** async only, required: recovery point objective. */
  rpoMinutes?: number;
}

export type FailoverMode = 'planned' | 'unplanned';

export interface FailoverSpec {
  mode: FailoverMode;
  reverseReplication: boolean;
}

export interface MappingsSpec {
  /** primary network name -> secondary network name */
  networks: Record<string, string>;
  /** primary flavor name -> secondary flavor name */
  flavors: Record<string, string>;
  /** primary security group -> secondary security group (identity when absent) */
  securityGroups?: Record<string, string>;
  /** Explicit secondary -> primary network mapping for failback, when `networks` is not invertible. */
  reverseNetworks?: Record<string, string>;
  /** Explicit secondary -> primary flavor mapping for failback, when `flavors` is not invertible. */
  reverseFlavors?: Record<string, string>;
}

export interface GroupSpec {
  description?: string;
  primarySite: string;
  secondarySite: string;
  /** Desired: where production should run now. */
  activeSite: string;
  /** Desired: whether a drill should be up on the standby site. */
  drill: boolean;
  replication: ReplicationSpec;
  failover: FailoverSpec;
  members: MemberSpec[];
  mappings: MappingsSpec;
  /** primary network name -> isolated network on the standby site used by drills. */
  drillNetworks?: Record<string, string>;
}

export interface DRSpec {
  apiVersion: 'drctl/v1';
  kind: 'DRSpec';
  metadata: { name: string };
  sites: Record<string, SiteSpec>;
  groups: Record<string, GroupSpec>;
}

/** A spec as loaded from a file: the typed value plus where it came from. */
export interface LoadedSpec {
  spec: DRSpec;
  file: string;
  /** sha256 of the file's bytes, hex; binds saved plans to the spec. */
  digest: string;
}
