/**
 * Typed errors of the Ceph RBD provider (DRCTL_E23xx): the rbd command runner, the CLI wrapper and
 * the CephDriver. Messages carry rbd's own error line (and the most specific librbd log line), never
 * a key: drctl only ever passes a keyring *path* to rbd, so no secret can reach argv or stderr.
 */
import { DrctlError, ExitCode } from '../../../errors.js';

export const CephCode = {
  // ---- runner / CLI ----
  /** The cluster did not answer: monitors unreachable, `couldn't connect to the cluster` with ETIMEDOUT/ECONNREFUSED. */
  unreachable: 'DRCTL_E2301',
  /** The rbd process exceeded drctl's own timeout and was killed. */
  commandTimeout: 'DRCTL_E2302',
  /** The rbd binary could not be started (not installed / not on PATH / not executable). */
  rbdMissing: 'DRCTL_E2303',
  /** Authentication or permission failure: no/invalid keyring, EACCES/EPERM from the cluster. */
  auth: 'DRCTL_E2304',
  /** ENOENT: the pool, image or snapshot does not exist. */
  notFound: 'DRCTL_E2305',
  /** EBUSY: e.g. promote refused because the peer is still primary / demotion not propagated yet. */
  busy: 'DRCTL_E2306',
  /** EEXIST: the object already exists. */
  exists: 'DRCTL_E2307',
  /** EINVAL: rejected as invalid (already primary, not primary, mirror mode mismatch, ...). */
  invalid: 'DRCTL_E2308',
  /** EROFS: write to a non-primary image. */
  readOnly: 'DRCTL_E2309',
  /** Any other non-zero exit of rbd. */
  failed: 'DRCTL_E2310',
  /** rbd exited 0 but its output could not be parsed (unexpected JSON shape). */
  badOutput: 'DRCTL_E2311',
  /** The site's ceph storage settings are unusable (no cluster/conf, keyring env unset or holding key material). */
  config: 'DRCTL_E2312',
  // ---- driver ----
  /** Pool mirroring is disabled on this cluster, or the expected peer site is not configured. */
  poolNotMirrored: 'DRCTL_E2320',
  /** An image of the group does not exist on this cluster. */
  imageMissing: 'DRCTL_E2321',
  /** An image is already mirrored in the other mode (journal vs snapshot). */
  modeMismatch: 'DRCTL_E2322',
  /** The operation needs the image to be primary here (mirror snapshot) and it is not. */
  notPrimary: 'DRCTL_E2323',
  /** A planned (non-forced) promote was refused until the bound: the peer is not cleanly demoted. */
  peerNotDemoted: 'DRCTL_E2324',
  /** A promote/demote did not reach the wanted state within the bounded wait (e.g. forced promote stuck in stopping_replay). */
  transitionTimeout: 'DRCTL_E2325',
  /** Resync refused: the operator did not name this site as the side to discard, or the image is primary here. */
  resyncRefused: 'DRCTL_E2326',
  /** A resync did not reach up+replaying within the bounded wait. */
  resyncTimeout: 'DRCTL_E2327',
  /** reverseReplication: the peer does not replay this site's primary images. */
  peerNotReplaying: 'DRCTL_E2328',
  /** A drill copy could not be made consistent (the mirror snapshot kept changing during the copy). */
  drillInconsistent: 'DRCTL_E2329',
  /** Drill clones still present after removal. */
  drillCloneRemains: 'DRCTL_E2330',
  /** No drill source: the image is primary here (drills run on the standby) or has no complete mirror snapshot yet. */
  drillSourceNotReady: 'DRCTL_E2331',
  /** transferProgress got a snapshot reference it cannot read. */
  badSnapshotRef: 'DRCTL_E2332',
  /** The group reference lacks something the operation needs (volumes). */
  refIncomplete: 'DRCTL_E2333',
} as const;
export type CephCode = (typeof CephCode)[keyof typeof CephCode];

export interface CephErrorDetails {
  site?: string;
  /** rbd argv after the binary, global connection options included (no secrets: a keyring is a path). */
  args?: string[];
  exitCode?: number | null;
  [k: string]: unknown;
}

const BLOCKING: ReadonlySet<string> = new Set([CephCode.peerNotDemoted, CephCode.resyncRefused]);

export function cephError(
  code: CephCode,
  message: string,
  details: CephErrorDetails = {},
  opts: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {},
): DrctlError {
  return new DrctlError(code, message, {
    hint: opts.hint ?? hintFor(code),
    cause: opts.cause,
    exitCode: opts.exitCode ?? (BLOCKING.has(code) ? ExitCode.blocked : ExitCode.error),
    details: { provider: 'ceph', ...details },
  });
}

export function isCephCode(err: unknown, ...codes: CephCode[]): err is DrctlError {
  return DrctlError.is(err) && (codes as string[]).includes(err.code);
}

/** The cluster could not be talked to at all. */
export function isUnreachable(err: unknown): err is DrctlError {
  return isCephCode(err, CephCode.unreachable, CephCode.commandTimeout);
}

// errno values rbd exits with (rbd returns abs(errno) as its exit status).
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EROFS: 30,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const;

/**
 * Map an rbd exit status plus its stderr to a code. rbd exits with the positive errno of the
 * failure; connection failures print "couldn't connect to the cluster!" first.
 */
export function classifyRbdFailure(exitCode: number | null, stderr: string): CephCode {
  const text = stderr.toLowerCase();
  const keyringProblem = text.includes('unable to find a keyring') || text.includes('no keyring found') || text.includes('auth: error');
  if (text.includes("couldn't connect to the cluster") || text.includes('error connecting to the cluster')) {
    if (keyringProblem || exitCode === Errno.EACCES || exitCode === Errno.EPERM) return CephCode.auth;
    return CephCode.unreachable;
  }
  if (keyringProblem && exitCode !== 0) return CephCode.auth;
  switch (exitCode) {
    case Errno.EPERM:
      // rbd also uses a plain EXIT_FAILURE (1) for argument errors; only call it auth when it says so.
      return text.includes('operation not permitted') || text.includes('permission denied') ? CephCode.auth : CephCode.failed;
    case Errno.EACCES:
      return CephCode.auth;
    case Errno.ENOENT:
      return CephCode.notFound;
    case Errno.EBUSY:
      return CephCode.busy;
    case Errno.EEXIST:
      return CephCode.exists;
    case Errno.EINVAL:
      return CephCode.invalid;
    case Errno.EROFS:
      return CephCode.readOnly;
    case Errno.ETIMEDOUT:
    case Errno.ECONNREFUSED:
      return CephCode.unreachable;
    default:
      return CephCode.failed;
  }
}

/**
 * The useful part of rbd's stderr: the last "rbd: ..." line, preceded by the most specific librbd
 * log message (e.g. "image is primary within a remote cluster or demotion is not propagated yet").
 */
export function summarizeStderr(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const rbdLines = lines.filter((l) => l.startsWith('rbd:'));
  // "2026-11-22T01:42:17.678+0000 7fe4891aa6c0 -1 librbd::mirror::DemoteRequest: 0x563f5d7a87b0 handle_get_info: image is not primary"
  // "... 7f2af4caa380  0 monclient(hunting): authenticate timed out after 5"
  const logMsgs = lines
    .map(
      (l) =>
        /(?:^|\s)(?:lib)?rbd::[\w:]+:\s+(?:0x[0-9a-f]+\s+)?(?:\w+:\s+)?(.*)$/.exec(l)?.[1] ??
        /^\S+\s+\S+\s+-?\d+\s+(?:\S+?):\s+(?:0x[0-9a-f]+\s+)?(?:\w+:\s+)?(.*)$/.exec(l)?.[1],
    )
    .filter((m): m is string => !!m)
    .map((m) => m.trim())
    .filter((m) => m && !/^(did not load config|errors while parsing)/i.test(m));
  const last = rbdLines.at(-1);
  const detail = logMsgs[0];
  if (last && detail && !last.toLowerCase().includes(detail.toLowerCase())) return `${last} (${detail})`;
  if (last) return last;
  if (detail) return detail;
  return lines.at(-1) ?? '';
}

export function hintFor(code: CephCode): string | undefined {
  switch (code) {
    case CephCode.unreachable:
      return 'Check that the cluster\'s monitors are up and reachable from this host (ceph -s with the same --cluster/--conf).';
    case CephCode.commandTimeout:
      return 'The rbd command hung; check the cluster health (OSDs up, PGs active) or raise commandTimeoutMs.';
    case CephCode.rbdMissing:
      return 'Install the rbd client (Debian/Ubuntu: apt-get install ceph-common) on the host running drctl.';
    case CephCode.auth:
      return 'Check the site\'s storage client/keyring settings: the keyring file must exist, be readable, and hold the key of client.<client> with rbd caps.';
    case CephCode.poolNotMirrored:
      return 'Enable pool mirroring and bootstrap the peers first (rbd mirror pool enable POOL image; rbd mirror pool peer bootstrap create/import).';
    case CephCode.peerNotDemoted:
      return 'Demote the images on the peer first (planned failover), or run an unplanned failover (failover.mode: unplanned or --allow-data-loss), which promotes with --force.';
    case CephCode.transitionTimeout:
      return 'Check the rbd-mirror daemon of this site (rbd mirror pool status POOL --verbose); re-run apply to keep waiting.';
    case CephCode.resyncRefused:
      return 'Resync discards this site\'s copy. Fence first (demote the stale primary), then name this site explicitly as the side to discard.';
    case CephCode.peerNotReplaying:
      return 'Check the peer\'s rbd-mirror daemon; a split-brain on the peer needs fencing and an explicit resync of the discarded side.';
    default:
      return undefined;
  }
}
