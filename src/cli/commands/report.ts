import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const reportCommand: CommandModule = {
  command: 'report <id>',
  describe: 'Write a self-contained HTML run report of an operation',
  builder: (y) =>
    y.positional('id', { type: 'string' }).option('out', { type: 'string', demandOption: true, describe: 'FILE.html' }),
  handler: wrap(notBuilt('report')),
};
