/**
 * StorageDriver: what orchestration needs from one site's array, free of array specifics.
 * One driver instance talks to one array (one site). Pure (REST 2.x) and Ceph (rbd CLI) implement it;
 * the mock's arrays speak the same wire protocols, so mock mode runs these same drivers.
 *
 * All methods are idempotent: calling one again after a crash finds what the earlier call made
 * (by name) instead of creating it twice.
 */
import type { ArrayGroupStatus } from '../../discovery/types.js';

/** The replication object of one DR group, as the driver needs to know it. */
export interface StorageGroupRef {
  /** drctl group name */
  group: string;
  type: 'async' | 'sync';
  /** Pure protection group (async) / pod (sync) / Ceph pool. */
  object: string;
  /** Array-side volume/image names of the group's members (on the array this driver talks to). */
  volumes: string[];
  /** The peer array's name as this array knows it (Pure: remote array name; Ceph: peer site name). */
  peer?: string;
  /** RPO budget, for lag evaluation. */
  rpoMinutes?: number;
  /** Async replication interval (spec `intervalSeconds`); protect() sets the array schedule from it. */
  intervalSeconds?: number;
  /**
   * Ceph only (spec `replication.mirrorMode`): RBD mirroring mode protect() enables. When absent the
   * Ceph driver uses journal for `sync` and snapshot for `async`.
   */
  mirrorMode?: 'journal' | 'snapshot';
}

export interface SnapshotRef {
  name: string;
  /** ms epoch on the array's clock */
  created?: number;
}

export interface VolumeCopy {
  /** array-side name of the new volume */
  name: string;
  /** array-side name of the source volume on the peer/source */
  source: string;
  /** size in bytes when known */
  size?: number;
}

export interface StorageDriver {
  readonly kind: 'pure' | 'ceph';
  readonly site: string;
  /** This array's own name as its peer knows it (Pure: array name; Ceph: site name). */
  arrayName(): Promise<string>;
  /** Role, lag, last replicated snapshot, drill clones. Never throws for an unreachable array: reports it. */
  status(ref: StorageGroupRef): Promise<ArrayGroupStatus>;
  /**
   * status() of many groups at once, keyed by `ref.group`, from a few bulk listings of the array
   * (requests grow with result pages, not with groups). Discovery uses it. Never throws for an
   * unreachable array: every group reports it.
   */
  statusMany(refs: StorageGroupRef[]): Promise<Record<string, ArrayGroupStatus>>;
  /** Ensure the group's replication object exists with these volumes and replicates to the peer. */
  protect(ref: StorageGroupRef): Promise<void>;
  /** Final sync (async): take a snapshot replicated now; returns it. Sync replication: no-op. */
  snapshotAndReplicate(ref: StorageGroupRef, suffix: string): Promise<SnapshotRef | null>;
  /** Transfer progress 0..1 of a snapshot to the peer (1 when complete). */
  transferProgress(ref: StorageGroupRef, snapshot: string): Promise<number>;
  /**
   * Make the group's data writable on this array. Async: copy the latest (or named) replicated snapshot
   * into volumes; sync: promote the pod / images. `force` allows promotion without a clean demote.
   */
  promote(ref: StorageGroupRef, opts: { force: boolean; snapshot?: string }): Promise<VolumeCopy[]>;
  /**
   * Make this array's copy read-only / a replication target (the old source after a failover).
   * `force` skips waiting for pending data to reach the peer (Pure pods: skip_quiesce instead of quiesce).
   */
  demote(ref: StorageGroupRef, opts?: { force?: boolean }): Promise<void>;
  /** Copy the latest replicated snapshot into drill volumes named with `tag`, production untouched. */
  cloneForDrill(ref: StorageGroupRef, tag: string): Promise<VolumeCopy[]>;
  /** Remove exactly the drill volumes carrying `tag`; returns what was removed. */
  removeDrillClones(ref: StorageGroupRef, tag: string): Promise<string[]>;
  /** Start replicating from this array to the peer (after a failover). */
  reverseReplication(ref: StorageGroupRef): Promise<void>;
}
