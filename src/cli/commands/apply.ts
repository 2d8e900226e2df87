import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const applyCommand: CommandModule = {
  command: 'apply <file>',
  describe: 'Run a saved plan, or re-plan a spec and run it after approval (journaled, resumable)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'DR spec YAML or saved plan JSON' })
      .option('auto-approve', { type: 'boolean', describe: 'Do not ask for confirmation' })
      .option('target', { type: 'string', array: true, describe: 'Only apply this group (repeatable)' })
      .option('parallelism', { type: 'number', default: 10, describe: 'Steps run at once within a tier' })
      .option('allow-data-loss', { type: 'boolean', describe: 'Allow an unplanned failover when the active site is unreachable' })
      .option('json', { type: 'boolean', describe: 'Stream progress events as JSON lines' }),
  handler: wrap(notBuilt('apply')),
};
