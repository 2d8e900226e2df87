/**
 * CommandRunner: how the Ceph provider runs `rbd`. Injected, so tests replay recorded outputs, the
 * mock's Ceph-like cluster answers through the same interface, and an SSH runner can come later.
 *
 * Contract: `run` resolves with the exit status and both streams for every process that ran, even
 * when it failed (a non-zero `code` is the caller's business). It rejects only when no exit status
 * exists: the program could not be started (DRCTL_E2303) or it outlived `timeoutMs` and was killed
 * (DRCTL_E2302).
 */
import { execFile } from 'node:child_process';
import { CephCode, cephError } from './errors.js';

export interface CommandResult {
  /** Exit status; null only if the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, when `code` is null. */
  signal?: string;
}

export interface RunOptions {
  /** Kill the process after this many ms (default: the runner's own default). */
  timeoutMs?: number;
}

export interface CommandRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
}

export interface LocalRunnerOptions {
  /** Default per-command timeout (ms); 120 s. */
  timeoutMs?: number;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** stdout/stderr cap in bytes (pool status of thousands of images is large); 256 MiB. */
  maxBuffer?: number;
}

/** Runs commands on this host with child_process.execFile: no shell, argv passed as is, bounded time. */
export class LocalCommandRunner implements CommandRunner {
  private readonly timeoutMs: number;
  private readonly env?: NodeJS.ProcessEnv;
  private readonly maxBuffer: number;

  constructor(opts: LocalRunnerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.env = opts.env;
    this.maxBuffer = opts.maxBuffer ?? 256 * 1024 * 1024;
  }

  run(cmd: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      execFile(
        cmd,
        args,
        {
          shell: false,
          timeout,
          // librados can sit in a blocking wait that ignores SIGTERM (REPORT: rbd-mirror did); rbd is a client, KILL is safe.
          killSignal: 'SIGKILL',
          maxBuffer: this.maxBuffer,
          encoding: 'utf8',
          windowsHide: true,
          ...(this.env ? { env: this.env } : {}),
        },
        (err, stdout, stderr) => {
          if (!err) return resolve({ code: 0, stdout, stderr });
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string | null };
          if (typeof e.code === 'string') {
            // spawn failure: ENOENT (not installed), EACCES (not executable), or ERR_CHILD_PROCESS_STDIO_MAXBUFFER
            if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
              return reject(cephError(CephCode.failed, `${cmd}: output larger than ${this.maxBuffer} bytes`, { cmd }));
            }
            return reject(
              cephError(CephCode.rbdMissing, `cannot run ${cmd}: ${e.code}`, { cmd }, { cause: err }),
            );
          }
          if (e.killed && e.signal) {
            return reject(
              cephError(CephCode.commandTimeout, `${cmd} ${args.slice(-3).join(' ')} did not finish within ${Math.round(timeout / 1000)}s and was killed`, { cmd, timeoutMs: timeout }),
            );
          }
          resolve({
            code: typeof e.code === 'number' ? e.code : null,
            stdout: String(stdout ?? ''),
            stderr: String(stderr ?? ''),
            ...(e.signal ? { signal: e.signal } : {}),
          });
        },
      );
    });
  }
}
