import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const opsCommand: CommandModule = {
  command: 'ops',
  describe: 'Operations in the journal',
  builder: (y) =>
    y
      .command({
        command: 'list',
        describe: 'List operations',
        builder: (yy) => yy.option('json', { type: 'boolean' }),
        handler: wrap(notBuilt('ops list')),
      })
      .command({
        command: 'show <id>',
        describe: 'Show one operation with its steps',
        builder: (yy) => yy.positional('id', { type: 'string' }).option('json', { type: 'boolean' }),
        handler: wrap(notBuilt('ops show')),
      })
      .demandCommand(1),
  handler: () => undefined,
};
