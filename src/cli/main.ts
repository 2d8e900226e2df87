/**
 * drctl's command tree. This layer parses arguments, picks a view and maps results to exit codes;
 * the work lives in spec/, discovery/, plan/, apply/, state/ and mock/.
 */
import v8 from 'node:v8';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { commandsFor } from './commands/index.js';
import { DEFAULT_MOCK_WORLD, DEFAULT_STATE } from './context.js';
import { processIo } from './io.js';
import { takeExitCode } from './run.js';

/** The command tree for these arguments; `commands` from commandsFor(argv) (modules load on demand). */
export function buildCli(argv: string[], commands: CommandModule[]): Argv {
  let cli = yargs(argv)
    .scriptName('drctl')
    .usage('$0 <command> [options]\n\nDeclarative disaster recovery for OpenStack workloads: plan, review, apply.')
    .option('mock', {
      type: 'boolean',
      description: 'Use the embedded mock world (two simulated sites) instead of real clouds',
      global: true,
    })
    .option('mock-world', {
      type: 'string',
      description: `Mock world file (default ${DEFAULT_MOCK_WORLD})`,
      global: true,
    })
    .option('state', { type: 'string', description: `State file (default ${DEFAULT_STATE})`, global: true })
    .option('color', { type: 'boolean', description: 'Colour output (--no-color or NO_COLOR turns it off)', global: true })
    .option('debug', { type: 'boolean', description: 'Show debug output and stack traces', global: true })
    .strict()
    .demandCommand(1, 'Name a command; see drctl --help.')
    .recommendCommands()
    .exitProcess(false)
    .epilogue(
      'Exit codes: 0 success or no changes · 1 error · 2 changes present (plan --detailed-exitcode) · ' +
        '3 blocked by a safety gate (peer unreachable, RPO exceeded, unfenced site, stale plan, lock held).',
    )
    .wrap(Math.min(110, process.stdout.columns || 100));
  for (const c of commands) cli = cli.command(c);
  return cli;
}

/**
 * V8 lets the old generation grow to 4× what survived the last full GC before collecting again. A
 * discovery of thousands of VMs turns over a lot of short-lived data (HTTP pages as text, then parsed)
 * around a large live set (the in-process mock's world), so a 5,000-VM plan peaked at ~310 MB of RSS
 * with ~45 MB live. drctl caps the growth factor (a flag V8 reads at every full GC, so it works when
 * set at run time); NODE_OPTIONS or node flags that set it win.
 */
export const HEAP_GROWING_PERCENT = 200;

function tuneHeap(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /heap[-_]growing[-_]percent/.test(a));
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** Runs drctl with these arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  tuneHeap();
  let failed: string | undefined;
  const cli = buildCli(argv, await commandsFor(argv)).fail((msg, err) => {
    if (err) throw err;
    failed = msg;
  });
  try {
    await cli.parseAsync();
  } catch (err) {
    failed = (err as Error).message;
  }
  if (failed) {
    const io = processIo({ debug: argv.includes('--debug') });
    io.error(failed);
    io.info('  See drctl --help.');
    return 1;
  }
  return takeExitCode();
}
