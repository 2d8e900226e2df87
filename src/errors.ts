/**
 * Typed operational errors. Everything a user can cause (bad spec, unreachable site, policy denial,
 * stale plan) is a DrctlError with a stable code; the CLI catches it once and maps it to an exit code.
 * Anything else reaching the top is a bug and is reported as such (stack only with --debug).
 */

/** Exit codes documented in the README. */
export const ExitCode = {
  ok: 0,
  error: 1,
  /** Only with --detailed-exitcode: the plan has changes. */
  changes: 2,
  /** A safety gate refused: peer unreachable, RPO exceeded, unfenced site, stale plan, lock held. */
  blocked: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BRAND = Symbol.for('drctl.DrctlError');

export interface DrctlErrorOptions {
  cause?: unknown;
  /** Exit code the CLI uses; defaults to 1. */
  exitCode?: ExitCode;
  /** A one-line hint telling the user what to do next. */
  hint?: string;
  /** Extra structured data for --json output. Must never contain secrets. */
  details?: Record<string, unknown>;
}

export class DrctlError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(code: string, message: string, opts: DrctlErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DrctlError';
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.error;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  static is(x: unknown): x is DrctlError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }
}
