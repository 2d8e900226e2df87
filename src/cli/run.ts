/**
 * Wraps a command handler: builds the I/O host, runs the handler, and maps errors to exit codes.
 * User errors (DrctlError) print one clear message and a hint; anything else is a bug and says so,
 * with the stack only under --debug.
 */
import { DrctlError, ExitCode } from '../errors.js';
import type { GlobalArgs } from './context.js';
import { processIo, type IoHost } from './io.js';

export type Handler<A> = (argv: A & GlobalArgs, io: IoHost) => Promise<number | void>;

/** Set by main() so tests can inject a host; defaults to the process streams. */
let ioFactory: (args: GlobalArgs) => IoHost = (a) => processIo({ color: a.color, debug: a.debug });
export function setIoFactory(f: (args: GlobalArgs) => IoHost): void {
  ioFactory = f;
}

let lastExit = 0;
export function takeExitCode(): number {
  const c = lastExit;
  lastExit = 0;
  return c;
}

export function reportError(err: unknown, io: IoHost, debug: boolean): number {
  if (DrctlError.is(err)) {
    io.error(`${err.message}${err.code ? ` [${err.code}]` : ''}`);
    if (err.hint) io.info(`  ${err.hint}`);
    if (debug && err.stack) io.info(err.stack);
    return err.exitCode;
  }
  const e = err as Error;
  io.error(`internal error (this is a bug in drctl): ${e?.message ?? String(err)}`);
  if (debug && e?.stack) io.info(e.stack);
  else io.info('  Re-run with --debug to see the stack trace, and report it.');
  return ExitCode.error;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs hands each handler its own argv type
export function wrap<A>(handler: Handler<A>): (argv: any) => Promise<void> {
  return async (argv: A & GlobalArgs) => {
    const io = ioFactory(argv);
    try {
      const code = await handler(argv, io);
      lastExit = code ?? 0;
    } catch (err) {
      lastExit = reportError(err, io, Boolean(argv.debug));
    }
  };
}

/** For commands whose issue has not landed yet: say so plainly, exit 1. Never pretend. */
export function notBuilt(what: string): Handler<unknown> {
  return async (_argv, io) => {
    io.error(`'drctl ${what}' is not built yet in this version of drctl. Nothing was done.`);
    return ExitCode.error;
  };
}
