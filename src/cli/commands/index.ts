/**
 * drctl's commands, loaded on demand: a command module pulls in its whole stack (plan: discovery,
 * providers, planner; apply: also the executor, steps and journal), and importing all of them on every
 * run cost ~0.3 s of CPU before any work. The table holds what the top-level help shows (command and
 * description, kept equal to the modules' by test/cli/lazy.test.ts); a run loads only the modules of
 * the commands its arguments name.
 */
import type { CommandModule } from 'yargs';

export interface LazyCommand {
  /** The command's first word, as typed. */
  name: string;
  command: string;
  describe: string;
  load: () => Promise<CommandModule>;
}

export const commandTable: LazyCommand[] = [
  {
    name: 'validate',
    command: 'validate <spec..>',
    describe: 'Check DR spec files: schema and semantic rules, every problem with file:line:col',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'plan',
    command: 'plan <spec>',
    describe: 'Discover both sites and show the ordered steps that would make reality match the spec',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    name: 'apply',
    command: 'apply <file>',
    describe: 'Run a saved plan, or re-plan a spec and run it after approval (journaled, resumable)',
    load: async () => (await import('./apply.js')).applyCommand,
  },
  {
    name: 'status',
    command: 'status <spec>',
    describe: 'Where each group runs, its members on both sites, replication direction and lag vs RPO',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'show',
    command: 'show <planfile>',
    describe: 'Render a saved plan',
    load: async () => (await import('./show.js')).showCommand,
  },
  {
    name: 'ops',
    command: 'ops',
    describe: 'Operations in the journal',
    load: async () => (await import('./ops.js')).opsCommand,
  },
  {
    name: 'report',
    command: 'report <id>',
    describe: 'Write a self-contained HTML run report of an operation (who, when, RTO, data loss, steps, timeline)',
    load: async () => (await import('./report.js')).reportCommand,
  },
  {
    name: 'state',
    command: 'state',
    describe: 'Inspect the state file or release a stranded lock',
    load: async () => (await import('./state.js')).stateCommand,
  },
  {
    name: 'mock',
    command: 'mock',
    describe: 'The embedded two-site mock world (for demos and CI)',
    load: async () => (await import('./mock.js')).mockCommand,
  },
];

/** Every command module, loaded (for tests and tools that want the whole tree). */
export async function allCommands(): Promise<CommandModule[]> {
  return Promise.all(commandTable.map((c) => c.load()));
}

/**
 * The commands to register for these arguments: the real module of every command whose name appears
 * among them as a word (an option's value that happens to be a command name only loads one module
 * more), stand-ins with the same command and description for the others (the top-level help and
 * "did you mean" need only those). When no word names a command (--help, a typo) everything loads,
 * so yargs sees exactly the full tree.
 */
export async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  const words = new Set(argv.filter((a) => !a.startsWith('-')));
  const named = commandTable.filter((c) => words.has(c.name));
  if (named.length === 0) return allCommands();
  return Promise.all(commandTable.map((c) => (named.includes(c) ? c.load() : Promise.resolve(standIn(c)))));
}

function standIn(c: LazyCommand): CommandModule {
  return {
    command: c.command,
    describe: c.describe,
    handler: () => {
      // Unreachable: yargs runs a command only when its name is among the arguments, and then it was loaded.
      throw new Error(`the '${c.name}' command was not loaded`);
    },
  };
}
