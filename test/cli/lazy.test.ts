/**
 * Commands load on demand (src/cli/commands/index.ts): the table that stands in for the modules not
 * loaded must say exactly what the modules say, and the help a user sees must not depend on which
 * modules a run loaded.
 */
import t from 'tap';
import { allCommands, commandTable, commandsFor } from '../../src/cli/commands/index.js';
import { buildCli } from '../../src/cli/main.js';

t.test('the table says what each module says (command, description)', async (t) => {
  const mods = await allCommands();
  t.equal(mods.length, commandTable.length);
  mods.forEach((m, i) => {
    const c = commandTable[i]!;
    t.equal(m.command, c.command, `${c.name}: command`);
    t.equal(m.describe, c.describe, `${c.name}: describe`);
    t.equal(String(m.command).split(' ')[0], c.name, `${c.name}: name is the first word`);
    t.type(m.builder, 'function', `${c.name}: the real module has a builder`);
  });
});

t.test('a run loads the modules of the commands it names, stand-ins for the rest', async (t) => {
  const cmds = await commandsFor(['plan', '--mock', '--json', 'spec.yaml']);
  t.equal(cmds.length, commandTable.length);
  const loaded = cmds.filter((c) => c.builder !== undefined).map((c) => String(c.command).split(' ')[0]);
  t.same(loaded, ['plan']);
  // An option value that is a command name loads that module too (harmless), never fewer.
  const two = await commandsFor(['--target', 'apply', 'plan', 'spec.yaml']);
  t.same(two.filter((c) => c.builder !== undefined).map((c) => String(c.command).split(' ')[0]), ['plan', 'apply']);
  // No command word (--help, a typo): everything.
  for (const argv of [['--help'], ['pln', 'x'], []]) {
    const all = await commandsFor(argv);
    t.equal(all.filter((c) => c.builder !== undefined).length, commandTable.length, JSON.stringify(argv));
  }
});

t.test('the top-level help is the same whichever modules were loaded', async (t) => {
  const help = async (cmds: Awaited<ReturnType<typeof commandsFor>>) => buildCli([], cmds).getHelp();
  const full = await help(await allCommands());
  t.match(full, /plan <spec>/);
  t.equal(await help(await commandsFor(['plan', 'x.yaml'])), full);
  t.equal(await help(await commandsFor(['mock', 'init', 'x.yaml'])), full);
});
