import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const stateCommand: CommandModule = {
  command: 'state',
  describe: 'Inspect the state file or release a stranded lock',
  builder: (y) =>
    y
      .command({ command: 'show', describe: 'Show the state file (lineage, serial, lock, operations)', builder: (yy) => yy.option('json', { type: 'boolean' }), handler: wrap(notBuilt('state show')) })
      .command({
        command: 'force-unlock <lockId>',
        describe: 'Release a lock by its id (only when you know its holder is gone)',
        builder: (yy) => yy.positional('lockId', { type: 'string' }),
        handler: wrap(notBuilt('state force-unlock')),
      })
      .demandCommand(1),
  handler: () => undefined,
};
