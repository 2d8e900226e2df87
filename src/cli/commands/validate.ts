import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const validateCommand: CommandModule = {
  command: 'validate <spec..>',
  describe: 'Check DR spec files: schema and semantic rules, every problem with file:line:col',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', array: true, describe: 'DR spec YAML file(s)' })
      .option('json', { type: 'boolean', describe: 'Print the diagnostics as JSON' }),
  handler: wrap(notBuilt('validate')),
};
