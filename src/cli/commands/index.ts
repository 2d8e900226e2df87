import type { CommandModule } from 'yargs';
import { applyCommand } from './apply.js';
import { mockCommand } from './mock.js';
import { opsCommand } from './ops.js';
import { planCommand } from './plan.js';
import { reportCommand } from './report.js';
import { showCommand } from './show.js';
import { stateCommand } from './state.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

export const commands: CommandModule[] = [
  validateCommand,
  planCommand,
  applyCommand,
  statusCommand,
  showCommand,
  opsCommand,
  reportCommand,
  stateCommand,
  mockCommand,
];
