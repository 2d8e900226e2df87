/**
 * Real OS processes racing for the lock: exactly one wins each round. Round 1 starts from a fresh
 * state; in later rounds the previous winner was SIGKILLed (same host), so the rest race to take over.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'race-child.ts');
const N = 4;

interface Outcome {
  pid: number;
  won: boolean;
  id?: string;
  code?: string;
  message?: string;
  warnings?: string[];
}

function start(file: string): { proc: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> } {
  const proc = spawn(process.execPath, [...process.execArgv, child, file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  const queue: string[] = [];
  const waiters: Array<(v: IteratorResult<string>) => void> = [];
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w({ value: line, done: false });
      else queue.push(line);
    }
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.on('close', (code) => {
    for (const w of waiters.splice(0)) w({ value: `exited ${code}: ${stderr}`, done: true });
  });
  const lines: AsyncIterator<string> = {
    next: () => (queue.length > 0 ? Promise.resolve({ value: queue.shift()!, done: false }) : new Promise((r) => waiters.push(r))),
  };
  return { proc, lines };
}

t.test('processes racing for the lock: exactly one wins, the others fail fast naming it', async (t) => {
  const dir = t.testdir({});
  const file = path.join(dir, '.drctl', 'state.json');
  // Children are expensive to start (TypeScript loader) on a shared machine: start them once; each
  // round the winner is SIGKILLed holding the lock and the survivors race to take it over.
  let kids = Array.from({ length: N }, () => start(file));
  for (const k of kids) t.equal((await k.lines.next()).value, 'ready', 'child ready');
  let previousWinner: Outcome | undefined;
  for (let round = 1; kids.length >= 2; round++) {
    for (const k of kids) k.proc.stdin.write('go\n');
    const outcomes: Outcome[] = [];
    for (const k of kids) outcomes.push(JSON.parse((await k.lines.next()).value) as Outcome);
    const winners = outcomes.filter((o) => o.won);
    t.equal(winners.length, 1, `round ${round} (${kids.length} racers): exactly one winner`);
    const w = winners[0]!;
    const state = JSON.parse(readFileSync(file, 'utf8'));
    t.equal(state.lock.id, w.id, `round ${round}: the state names the winner's lock`);
    t.equal(state.lock.pid, w.pid);
    t.equal(state.serial, round, `round ${round}: one state write per round, losers wrote nothing`);
    for (const o of outcomes.filter((x) => !x.won)) {
      t.equal(o.code, 'DRCTL_E4001', `round ${round}: loser fails with the lock error`);
      t.match(o.message, `lock id ${w.id}`, `round ${round}: loser names the winner's lock`);
    }
    if (previousWinner) {
      t.match(w.warnings?.[0] ?? '', `its process ${previousWinner.pid} is gone on this host`, `round ${round}: took over the dead winner's lock`);
    }
    previousWinner = w;
    const dead = kids.find((k) => k.proc.pid === w.pid)!;
    await new Promise((r) => {
      dead.proc.on('close', r);
      dead.proc.kill('SIGKILL');
    });
    kids = kids.filter((k) => k !== dead);
  }
  await Promise.all(kids.map((k) => new Promise((r) => {
    k.proc.on('close', r);
    k.proc.stdin.end();
  })));
});
