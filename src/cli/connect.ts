/**
 * The CLI's door to the world: connects to both sites of a spec (real clouds, or the embedded mock
 * with --mock) and runs discovery. Commands call this; nothing below cli/ reads argv or process.env.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { discoverInventory } from '../discovery/index.js';
import type { Inventory } from '../discovery/types.js';
import { connect, type Connections } from '../providers/connect.js';
import type { LoadedSpec } from '../spec/types.js';
import { DEFAULT_MOCK_WORLD, type GlobalArgs } from './context.js';
import type { IoHost } from './io.js';

export function mockWorldPath(args: GlobalArgs): string {
  return args['mock-world'] ?? process.env.DRCTL_MOCK_WORLD ?? DEFAULT_MOCK_WORLD;
}

export async function openConnections(loaded: LoadedSpec, args: GlobalArgs, io?: IoHost): Promise<Connections> {
  return connect(loaded.spec, {
    ...(args.mock ? { mock: { worldPath: mockWorldPath(args) } } : {}),
    env: process.env,
    cwd: process.cwd(),
    home: os.homedir(),
    readFile: (p) => readFile(p, 'utf8'),
    logger: {
      warn: (m) => (io ? io.warn(m) : process.stderr.write(`Warning: ${m}\n`)),
      debug: (m) => io?.debug(m),
    },
  });
}

/** Connects, discovers both sites and arrays, disconnects. */
export async function discoverForCli(loaded: LoadedSpec, args: GlobalArgs, io?: IoHost): Promise<Inventory> {
  const conns = await openConnections(loaded, args, io);
  try {
    return await discoverInventory(loaded.spec, loaded.digest, conns, { now: () => new Date() });
  } finally {
    await conns.close();
  }
}
