import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const planCommand: CommandModule = {
  command: 'plan <spec>',
  describe: 'Discover both sites and show the ordered steps that would make reality match the spec',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'DR spec YAML file' })
      .option('out', { type: 'string', describe: 'Save the plan (bound to the spec, state and discovered facts), e.g. plans/failover.json' })
      .option('json', { type: 'boolean', describe: 'Print the plan as versioned JSON' })
      .option('markdown', { type: 'boolean', describe: 'Print the plan as Markdown for a pull-request comment' })
      .option('target', { type: 'string', array: true, describe: 'Only plan this group (repeatable)' })
      .option('detailed-exitcode', { type: 'boolean', describe: 'Exit 2 when the plan has changes, 0 when none' })
      .option('allow-data-loss', { type: 'boolean', describe: 'Allow an unplanned failover when the active site is unreachable' }),
  handler: wrap(notBuilt('plan')),
};
