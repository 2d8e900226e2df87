import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const statusCommand: CommandModule = {
  command: 'status <spec>',
  describe: 'Where each group runs, its members on both sites, replication direction and lag vs RPO',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'DR spec YAML file' })
      .option('json', { type: 'boolean', describe: 'Print status as JSON' }),
  handler: wrap(notBuilt('status')),
};
