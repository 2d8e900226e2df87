import type { CommandModule } from 'yargs';
import { notBuilt, wrap } from '../run.js';

export const mockCommand: CommandModule = {
  command: 'mock',
  describe: 'The embedded two-site mock world (for demos and CI)',
  builder: (y) =>
    y
      .command({ command: 'init <spec>', describe: 'Create a mock world consistent with a spec', builder: (yy) => yy.positional('spec', { type: 'string' }), handler: wrap(notBuilt('mock init')) })
      .command({ command: 'show', describe: 'Show the mock world', builder: (yy) => yy.option('json', { type: 'boolean' }), handler: wrap(notBuilt('mock show')) })
      .command({ command: 'serve', describe: 'Serve the mock world over HTTP in the foreground', builder: (yy) => yy.option('port', { type: 'number' }), handler: wrap(notBuilt('mock serve')) })
      .command({ command: 'fault', describe: 'Inject, list or clear faults', builder: (yy) => yy.demandCommand(1), handler: wrap(notBuilt('mock fault')) })
      .command({ command: 'advance <duration>', describe: 'Move simulated time forward (e.g. 5m, 90s)', builder: (yy) => yy.positional('duration', { type: 'string' }), handler: wrap(notBuilt('mock advance')) })
      .demandCommand(1),
  handler: () => undefined,
};
