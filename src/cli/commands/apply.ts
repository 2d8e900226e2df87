/**
 * `drctl apply SPEC|PLANFILE`: argument parsing and the process wiring (TTY, prompt, Ctrl-C, files,
 * connections); the run itself is src/apply/run.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { CommandModule } from 'yargs';
import { runApply, type ApplyArgs } from '../../apply/run.js';
import { loadSpec } from '../../spec/load.js';
import { defaultStateEnv } from '../../state/env.js';
import { MOCK_POLL, REAL_POLL, abortableSleep } from '../../steps/index.js';
import { openConnections, mockWorldPath } from '../connect.js';
import { DEFAULT_STATE, type GlobalArgs } from '../context.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';

export interface ApplyCliArgs extends GlobalArgs {
  file: string;
  'auto-approve'?: boolean;
  target?: string[];
  parallelism?: number;
  'allow-data-loss'?: boolean;
  'discard-site'?: string;
  json?: boolean;
}

/** Repeated in the printed resume command so it acts on the same world and state. */
function resumeArgs(argv: ApplyCliArgs): string | undefined {
  const parts: string[] = [];
  if (argv['mock-world']) parts.push(`--mock-world ${argv['mock-world']}`);
  if (argv.state) parts.push(`--state ${argv.state}`);
  return parts.length ? parts.join(' ') : undefined;
}

export async function runApplyCli(argv: ApplyCliArgs, io: IoHost): Promise<number> {
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      io.warn('Interrupted: no new step starts; waiting for the running ones to reach a journal entry. Press Ctrl-C again to stop at once (drctl apply resumes either way).');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const env = defaultStateEnv();
  const args: ApplyArgs = {
    file: argv.file,
    ...(argv['auto-approve'] ? { autoApprove: true } : {}),
    ...(argv.target?.length ? { targets: argv.target } : {}),
    ...(argv.parallelism !== undefined ? { parallelism: argv.parallelism } : {}),
    ...(argv['allow-data-loss'] ? { allowDataLoss: true } : {}),
    ...(argv['discard-site'] ? { discardSite: argv['discard-site'] } : {}),
    ...(argv.json ? { json: true } : {}),
    ...(argv.mock ? { mock: true } : {}),
    statePath: path.resolve(argv.state ?? DEFAULT_STATE),
    ...(resumeArgs(argv) ? { resumeArgs: resumeArgs(argv) } : {}),
  };
  const ttyOut = Boolean(process.stderr.isTTY) && !argv.json;
  try {
    const r = await runApply(args, {
      io,
      ...(ttyOut ? { tty: (t: string) => void process.stderr.write(t) } : {}),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      prompt: async (q) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(q);
        } finally {
          rl.close();
        }
      },
      loadSpec,
      readFile: (f) => readFile(f, 'utf8'),
      connect: (loaded) => openConnections(loaded, argv, io),
      ensureMockWorld: async (loaded) => {
        const file = path.resolve(mockWorldPath(argv));
        if (existsSync(file)) return undefined;
        const { initWorld } = await import('../../mock/index.js');
        await initWorld(file, loaded.spec, { source: { file: loaded.file, digest: loaded.digest } });
        const rel = path.relative(process.cwd(), file) || file;
        return `No mock world at ${rel} yet: created one from ${loaded.file} (as drctl mock init does), with every group running on its primary site.`;
      },
      stateEnv: env,
      poll: argv.mock ? MOCK_POLL : REAL_POLL,
      sleep: abortableSleep,
      signal: ac.signal,
    });
    return r.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const applyCommand: CommandModule = {
  command: 'apply <file>',
  describe: 'Run a saved plan, or re-plan a spec and run it after approval (journaled, resumable)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'DR spec YAML or saved plan JSON' })
      .option('auto-approve', { type: 'boolean', describe: 'Do not ask for confirmation' })
      .option('target', { type: 'string', array: true, describe: 'Only apply this group (repeatable)' })
      .option('parallelism', { type: 'number', default: 10, describe: 'Steps run at once within an operation' })
      .option('allow-data-loss', { type: 'boolean', describe: 'Allow an unplanned failover when the active site is unreachable' })
      .option('discard-site', { type: 'string', describe: 'Name the site whose divergent data a resync may discard (after an unplanned failover)' })
      .option('json', { type: 'boolean', describe: 'Stream progress events as JSON lines' }),
  handler: wrap<ApplyCliArgs>(runApplyCli),
};
