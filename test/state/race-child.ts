/**
 * Child process for the lock race test: real fs, real pid. Prints "ready", waits for "go" on stdin,
 * tries to take the lock, prints the outcome as JSON, then holds on (alive) until stdin closes.
 */
import { createInterface } from 'node:readline';
import { defaultStateEnv } from '../../src/state/env.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';

const file = process.argv[2]!;
const store = new StateStore({ path: file, env: defaultStateEnv({ version: 'race-test' }) });
const rl = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
rl.on('line', async (line) => {
  if (line !== 'go') return;
  const warnings: string[] = [];
  try {
    const h = await acquireLock(store, { operation: `race ${process.pid}`, warn: (w) => warnings.push(w) });
    process.stdout.write(`${JSON.stringify({ pid: process.pid, won: true, id: h.id, warnings })}\n`);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stdout.write(`${JSON.stringify({ pid: process.pid, won: false, code: e.code, message: e.message })}\n`);
  }
});
rl.on('close', () => process.exit(0));
