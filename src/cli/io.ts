/**
 * The I/O host: the only place below which nothing prints. Results go to stdout, everything else
 * (progress, warnings, errors) to stderr — so `drctl plan --json > plan.json` stays clean.
 */
export interface IoHost {
  /** The command's result (plan, status, JSON). */
  out(text: string): void;
  /** Progress and information. */
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** Only shown with --debug. */
  debug(text: string): void;
  readonly color: boolean;
  readonly isTTY: boolean;
}

export interface ProcessIoOptions {
  color?: boolean;
  debug?: boolean;
}

/** Colour is on for a TTY unless NO_COLOR is set (any value) or --no-color was given. */
export function wantColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

export function processIo(opts: ProcessIoOptions = {}): IoHost {
  const isTTY = Boolean(process.stdout.isTTY);
  const color = wantColor(opts.color, process.env, Boolean(process.stderr.isTTY));
  const yellow = (s: string) => (color ? `\x1b[33m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    info: (t) => process.stderr.write(`${t}\n`),
    warn: (t) => process.stderr.write(`${yellow('Warning:')} ${t}\n`),
    error: (t) => process.stderr.write(`${red('Error:')} ${t}\n`),
    debug: (t) => {
      if (opts.debug) process.stderr.write(`[debug] ${t}\n`);
    },
    color,
    isTTY,
  };
}

/** A recording host for tests. */
export function memoryIo(): IoHost & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    info: (t) => void stderr.push(t),
    warn: (t) => void stderr.push(`Warning: ${t}`),
    error: (t) => void stderr.push(`Error: ${t}`),
    debug: () => undefined,
    color: false,
    isTTY: false,
  };
}
