/** Global options every command receives, and the per-invocation context built from them. */
import type { IoHost } from './io.js';

export interface GlobalArgs {
  mock?: boolean;
  'mock-world'?: string;
  state?: string;
  color?: boolean;
  debug?: boolean;
}

export const DEFAULT_DIR = '.drctl';
export const DEFAULT_STATE = `${DEFAULT_DIR}/state.json`;
export const DEFAULT_MOCK_WORLD = `${DEFAULT_DIR}/mock-world.json`;

export interface CommandContext {
  io: IoHost;
  args: GlobalArgs;
  /** Set by a command to tell main() the exit code. */
  exitCode: number;
}
