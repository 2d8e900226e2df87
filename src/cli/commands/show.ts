import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const showCommand: CommandModule = {
  command: 'show <planfile>',
  describe: 'Render a saved plan',
  builder: (y) =>
    y
      .positional('planfile', { type: 'string', describe: 'Saved plan JSON' })
      .option('json', { type: 'boolean' })
      .option('markdown', { type: 'boolean' }),
  handler: wrap(notBuilt('show')),
};
