/**
 * Typed errors of the Pure FlashArray client and driver (DRCTL_E22xx).
 * Messages carry the array's own `errors[].message` and `context`, never a token: the api-token and
 * the session x-auth-token are scrubbed from every message we build (see `scrub`).
 */
import { DrctlError, ExitCode } from '../../../errors.js';

export const PureCode = {
  /** Transport failure: connection refused/reset, DNS, TLS, timeout. */
  unreachable: 'DRCTL_E2201',
  /** No REST 2.x version >= 2.2 offered by the array, or /api/api_version unusable. */
  apiVersion: 'DRCTL_E2202',
  /** Login rejected, no x-auth-token returned, or 401 again after a fresh login. */
  auth: 'DRCTL_E2203',
  /** 403 (array RBAC or gateway). */
  forbidden: 'DRCTL_E2204',
  /** 404, or 400 whose message says the object does not exist. */
  notFound: 'DRCTL_E2205',
  /** 400 whose message says the object already exists / is already included. */
  alreadyExists: 'DRCTL_E2206',
  /** 429 rate limited (after the HTTP layer's own retries). */
  rateLimited: 'DRCTL_E2207',
  /** 5xx from the array. */
  server: 'DRCTL_E2208',
  /** Any other rejected request (400/405/409/422...). */
  rejected: 'DRCTL_E2209',
  /** A 2xx body we cannot read (not JSON, wrong envelope). */
  badResponse: 'DRCTL_E2210',
  /** 207: some items failed where the caller needed all of them. */
  partial: 'DRCTL_E2211',
  // ---- driver ----
  /** No completely replicated protection-group snapshot on this array. */
  noReplicatedSnapshot: 'DRCTL_E2220',
  /** The named snapshot does not exist here or its transfer is not complete. */
  snapshotNotReady: 'DRCTL_E2221',
  /** The snapshot has no volume snapshot for some requested volumes. */
  snapshotIncomplete: 'DRCTL_E2222',
  /** Pod promotion/demotion did not finish within the bounded wait. */
  promotionTimeout: 'DRCTL_E2223',
  /** Refused to promote a pod whose peer was not cleanly demoted (needs force / unplanned). */
  peerNotDemoted: 'DRCTL_E2224',
  /** The group's protection group / pod does not exist on this array. */
  objectMissing: 'DRCTL_E2225',
  /** No transfer record for the snapshot. */
  transferNotFound: 'DRCTL_E2226',
  /** The group reference lacks something the operation needs (peer array name, volumes). */
  refIncomplete: 'DRCTL_E2227',
  /** Stretched (ActiveCluster) pod not online on this array. */
  podOffline: 'DRCTL_E2228',
  /** A derived array name (drill clone) would exceed Purity's 63-character limit. */
  nameTooLong: 'DRCTL_E2229',
  /** Drill clones still present after removal. */
  drillCloneRemains: 'DRCTL_E2230',
  /** Replication target not allowed on the peer and could not be allowed from here. */
  targetNotAllowed: 'DRCTL_E2231',
} as const;
export type PureCode = (typeof PureCode)[keyof typeof PureCode];

/** One entry of a REST 2.x `errors[]` array. */
export interface PureApiErrorItem {
  context?: string | null;
  message?: string | null;
  location_context?: string | null;
}

export interface PureErrorDetails {
  site?: string;
  endpoint: string;
  method?: string;
  /** API path without the version prefix or query, e.g. "/protection-groups". */
  path?: string;
  status?: number;
  errors?: PureApiErrorItem[];
  requestId?: string;
  [k: string]: unknown;
}

export function pureError(
  code: PureCode,
  message: string,
  details: PureErrorDetails,
  opts: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {},
): DrctlError {
  return new DrctlError(code, message, {
    hint: opts.hint,
    cause: opts.cause,
    exitCode: opts.exitCode ?? (code === PureCode.peerNotDemoted ? ExitCode.blocked : ExitCode.error),
    details: { provider: 'pure', ...details },
  });
}

/**
 * The array could not be talked to at all: transport failures from the HttpClient (DRCTL_E2001
 * unreachable, E2002 timed out, E2003 TLS), our own E2201, or a 5xx/429 that outlived the retries.
 */
export function isUnreachable(err: unknown): err is DrctlError {
  return (
    DrctlError.is(err) &&
    ['DRCTL_E2001', 'DRCTL_E2002', 'DRCTL_E2003', PureCode.unreachable, PureCode.server, PureCode.rateLimited].includes(err.code)
  );
}

export function isPureCode(err: unknown, code: PureCode): err is DrctlError {
  return DrctlError.is(err) && err.code === code;
}

/** Replace every secret occurrence in `text` by `<redacted>`. Empty/short secrets are ignored. */
export function scrub(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('<redacted>');
  }
  return out;
}

// Substrings the array uses, as Cinder's Pure driver classifies them (pure.py ERR_MSG_*).
const NOT_EXIST = ['does not exist', 'no such', 'could not be found', 'not found'];
const ALREADY = ['already exists', 'already includes', 'already allowed on', 'already belongs to', 'already in use'];

/** Map an HTTP status plus the array's messages to one of our codes. */
export function classify(status: number, messages: string[]): PureCode {
  const text = messages.join(' | ').toLowerCase();
  if (status === 401) return PureCode.auth;
  if (status === 403) return PureCode.forbidden;
  if (status === 404) return PureCode.notFound;
  if (status === 429) return PureCode.rateLimited;
  if (status >= 500) return PureCode.server;
  if (ALREADY.some((s) => text.includes(s))) return PureCode.alreadyExists;
  if (NOT_EXIST.some((s) => text.includes(s))) return PureCode.notFound;
  return PureCode.rejected;
}

export function hintFor(code: PureCode): string | undefined {
  switch (code) {
    case PureCode.unreachable:
      return 'Check the array endpoint, network path and TLS settings (caFile / insecure).';
    case PureCode.auth:
      return 'Check the API token (apiToken env/file) and that its user is not disabled.';
    case PureCode.forbidden:
      return 'The token user lacks the role for this call (storage_admin or array_admin needed).';
    case PureCode.rateLimited:
      return 'The array is rate limiting; retry later or lower --parallelism.';
    case PureCode.apiVersion:
      return 'drctl needs FlashArray REST 2.2 or newer (Purity//FA 6.x).';
    default:
      return undefined;
  }
}
