import path from 'node:path';
import type { CommandModule } from 'yargs';
import { describeLock, forceUnlock, staleReason } from '../../state/lock.js';
import { isResumable } from '../../state/journal.js';
import { defaultStateEnv, type StateEnv } from '../../state/env.js';
import { StateStore } from '../../state/store.js';
import type { OperationStatus } from '../../state/types.js';
import { DEFAULT_STATE, type GlobalArgs } from '../context.js';
import { wrap } from '../run.js';

/** The state store the CLI uses: --state PATH (default .drctl/state.json) against the working directory. */
export function cliStateStore(args: GlobalArgs, env: StateEnv = defaultStateEnv()): StateStore {
  return new StateStore({ path: path.resolve(args.state ?? DEFAULT_STATE), env });
}

/** Paths are shown relative to the working directory when they are inside it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

const STATUS_ORDER: OperationStatus[] = ['running', 'rolling_back', 'pending', 'failed', 'completed'];

export const stateCommand: CommandModule = {
  command: 'state',
  describe: 'Inspect the state file or release a stranded lock',
  builder: (y) =>
    y
      .command({
        command: 'show',
        describe: 'Show the state file (lineage, serial, lock, operations)',
        builder: (yy) => yy.option('json', { type: 'boolean', describe: 'Machine-readable output' }),
        handler: wrap<{ json?: boolean }>(async (argv, io) => {
          const env = defaultStateEnv();
          const store = cliStateStore(argv, env);
          const data = await store.load();
          const file = displayPath(store.path);
          if (data === null) {
            if (argv.json) io.out(JSON.stringify({ path: file, exists: false }, null, 2));
            else io.out(`No state file at ${file} yet: drctl creates it on the first apply.`);
            return 0;
          }
          const byStatus: Partial<Record<OperationStatus, number>> = {};
          for (const o of data.operations) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
          const unfinished = data.operations.filter(isResumable);
          const lockStale = data.lock ? staleReason(data.lock, env.now(), env.hostname(), env.isPidAlive) : null;
          if (argv.json) {
            io.out(
              JSON.stringify(
                {
                  path: file,
                  exists: true,
                  format_version: data.format_version,
                  lineage: data.lineage,
                  serial: data.serial,
                  lock: data.lock ? { ...data.lock, stale: lockStale } : null,
                  operations: { total: data.operations.length, byStatus, unfinished: unfinished.map((o) => o.id) },
                },
                null,
                2,
              ),
            );
            return 0;
          }
          const lines = [
            `State file  ${file}`,
            `Format      ${data.format_version}`,
            `Lineage     ${data.lineage}`,
            `Serial      ${data.serial}`,
          ];
          if (!data.lock) lines.push('Lock        none');
          else {
            lines.push(`Lock        held by ${describeLock(data.lock)}`);
            lines.push(`            drctl ${data.lock.version}`);
            if (lockStale) lines.push(`            stale: ${lockStale} — the next apply on this host takes it over`);
          }
          const counts = STATUS_ORDER.filter((s) => byStatus[s]).map((s) => `${byStatus[s]} ${s}`);
          lines.push(`Operations  ${data.operations.length}${counts.length ? ` (${counts.join(', ')})` : ''}`);
          for (const o of unfinished) {
            lines.push(`Unfinished  ${o.id} ${o.type} ${o.group} (${o.status}, ${o.progress}%)${o.resumeCommand ? ` — resume with: ${o.resumeCommand}` : ''}`);
          }
          io.out(lines.join('\n'));
          return 0;
        }),
      })
      .command({
        command: 'force-unlock <lockId>',
        describe: 'Release a lock by its id (only when you know its holder is gone)',
        builder: (yy) => yy.positional('lockId', { type: 'string', demandOption: true, describe: 'The id shown by the lock error or drctl state show' }),
        handler: wrap<{ lockId: string }>(async (argv, io) => {
          const store = cliStateStore(argv);
          const removed = await forceUnlock(store, String(argv.lockId));
          io.warn(`Released the lock held by ${describeLock(removed)}.`);
          io.info('  If that drctl is in fact still running, it notices at its next journal write and stops.');
          io.out(`Lock ${removed.id} released.`);
          return 0;
        }),
      })
      .demandCommand(1),
  handler: () => undefined,
};
