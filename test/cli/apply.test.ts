/**
 * `drctl apply` through the built CLI (child process, mock mode): the README's first command on a
 * fresh directory, approval without a TTY, the lock, saved plans (fresh and stale), --json; and the
 * progress renderer's line formats (in-process, injected clock).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ProgressRenderer, shortText } from '../../src/apply/progress.js';
import { memoryIo } from '../../src/cli/io.js';
import { defaultStateEnv } from '../../src/state/env.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import { repoRoot, runCli } from '../helpers/cli.js';

async function tmp(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-apply-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'spec.yaml'), await readFile(path.join(repoRoot, 'examples/prod-web-app.yaml'), 'utf8'));
  return dir;
}

async function edit(dir: string, re: RegExp, to: string) {
  const f = path.join(dir, 'spec.yaml');
  await writeFile(f, (await readFile(f, 'utf8')).replace(re, to));
}

t.test("the README's command works on a fresh checkout: creates the mock world, then applies", async (t) => {
  const dir = await tmp(t);
  const r = await runCli(['apply', '--mock', 'spec.yaml', '--auto-approve'], { cwd: dir, timeoutMs: 90_000 });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /No mock world at \.drctl\/mock-world\.json yet: created one from spec\.yaml/);
  t.ok(existsSync(path.join(dir, '.drctl/mock-world.json')), 'world created at the default path');
  t.ok(existsSync(path.join(dir, '.drctl/state.json')), 'state created at the default path');
  t.match(r.stdout, /drctl plan · spec prod/, 'the plan is rendered first');
  // A drill now does something visible.
  await edit(dir, /drill: false/, 'drill: true');
  const d = await runCli(['apply', '--mock', 'spec.yaml', '--auto-approve'], { cwd: dir, timeoutMs: 90_000 });
  t.equal(d.code, 0, d.stderr);
  t.match(d.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ prod-web-app drill \d+% storage: clone the latest replicated snapshot/m, 'CI progress lines are timestamped');
  t.match(d.stderr, /prod-web-app: drill op-\S+ completed in \d/, 'summary with the duration');
  t.notMatch(d.stderr, /No mock world/, 'the world is created only once');
});

t.test('no TTY and no --auto-approve: refuses with exit 1, never hangs, nothing done', async (t) => {
  const dir = await tmp(t);
  await edit(dir, /drill: false/, 'drill: true');
  const r = await runCli(['apply', '--mock', 'spec.yaml'], { cwd: dir, timeoutMs: 60_000 });
  t.equal(r.code, 1);
  t.match(r.stderr, /needs your approval, but stdin is not a terminal; nothing was done\. \[DRCTL_E4101\]/);
  t.match(r.stderr, /--auto-approve/);
  const data = await new StateStore({ path: path.join(dir, '.drctl/state.json'), env: defaultStateEnv() }).load();
  t.equal(data?.operations.length ?? 0, 0, 'no operation opened');
  t.notOk(data?.lock, 'lock released');
});

t.test('a second apply fails fast naming the lock holder (exit 3)', async (t) => {
  const dir = await tmp(t);
  const store = new StateStore({ path: path.join(dir, '.drctl/state.json'), env: defaultStateEnv() });
  const lock = await acquireLock(store, { operation: 'apply failover prod-web-app (test holder)' });
  t.teardown(() => lock.release());
  const started = Date.now();
  const r = await runCli(['apply', '--mock', 'spec.yaml', '--auto-approve'], { cwd: dir, timeoutMs: 60_000 });
  t.equal(r.code, 3);
  t.match(r.stderr, /locked by .*\(pid \d+\) for "apply failover prod-web-app \(test holder\)"/);
  t.match(r.stderr, new RegExp(`force-unlock ${lock.id}`));
  t.ok(Date.now() - started < 30_000, 'fails fast');
});

t.test('a saved plan applies once; a stale one is refused naming what moved (exit 3)', async (t) => {
  const dir = await tmp(t);
  t.equal((await runCli(['apply', '--mock', 'spec.yaml', '--auto-approve'], { cwd: dir, timeoutMs: 90_000 })).code, 0, 'converge first');
  await edit(dir, /drill: false/, 'drill: true');
  const p = await runCli(['plan', '--mock', 'spec.yaml', '--out', 'plans/drill.json'], { cwd: dir, timeoutMs: 60_000 });
  t.equal(p.code, 0, p.stderr);
  const ok = await runCli(['apply', '--mock', 'plans/drill.json'], { cwd: dir, timeoutMs: 90_000 });
  t.equal(ok.code, 0, `a reviewed plan needs no prompt: ${ok.stderr}`);
  t.match(ok.stderr, /drill op-\S+ completed/);
  const again = await runCli(['apply', '--mock', 'plans/drill.json'], { cwd: dir, timeoutMs: 60_000 });
  t.equal(again.code, 3, 'the same plan cannot be applied twice');
  t.match(again.stderr, /no longer matches the world; nothing was done/);
  t.match(again.stderr, /state moved on \(serial/);
});

t.test('--json streams one JSON event per line on stdout', async (t) => {
  const dir = await tmp(t);
  await edit(dir, /drill: false/, 'drill: true');
  const r = await runCli(['apply', '--mock', 'spec.yaml', '--auto-approve', '--json'], { cwd: dir, timeoutMs: 90_000 });
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const events = lines.map((l) => JSON.parse(l) as { type: string; op?: string; progress?: number; operations?: Array<{ status: string }> });
  t.equal(events[0]!.type, 'plan', 'the plan first');
  t.ok(events.some((e) => e.type === 'step-start'));
  t.ok(events.some((e) => e.type === 'step-done'));
  const last = events[events.length - 1]!;
  t.equal(last.type, 'summary');
  t.ok(last.operations!.every((o) => o.status === 'completed'));
});

t.test('progress renderer: plain lines, still running, failure, summary', async (t) => {
  let now = Date.parse('2026-11-22T10:00:01Z');
  const io = memoryIo();
  const p = new ProgressRenderer({ mode: 'plain', io, now: () => now });
  p.register({ id: 'op-1', type: 'failover', group: 'prod-web-app', progress: 0, phase: 'preparation', status: 'running' }, [
    { id: 's1', name: 'storage.promote', description: 'promote pg-prod-web-app on site-b: new volumes from the final replicated snapshot' },
  ]);
  const base = { op: 'op-1', group: 'prod-web-app', phase: 'storage' as const, step: 's1', stepName: 'storage.promote' as const };
  p.listener({ ...base, type: 'step-start', progress: 35, elapsedMs: 0 });
  now += 30_000;
  p.listener({ ...base, type: 'still-running', progress: 35, elapsedMs: 30_000 });
  p.listener({ ...base, type: 'step-failed', progress: 35, elapsedMs: 31_000, error: { message: 'boom' } });
  p.summary([
    { group: 'prod-web-app', type: 'failover', opId: 'op-1', status: 'failed', durationSeconds: 42, mode: 'planned', stepsCompleted: 20, stepsTotal: 50, message: 'stopped', resumeCommand: 'drctl apply spec.yaml' },
    { group: 'db', type: 'failover', opId: 'op-2', status: 'completed', durationSeconds: 75, mode: 'unplanned', dataLossWindowSeconds: 120 },
  ]);
  const out = io.stderr.join('\n');
  t.match(out, '2026-11-22T10:00:01Z prod-web-app failover 35% storage: promote pg-prod-web-app on site-b\n');
  t.match(out, '2026-11-22T10:00:31Z prod-web-app failover 35% storage: promote pg-prod-web-app on site-b: still running… [30s elapsed]');
  t.match(out, /FAILED: boom/);
  t.match(out, /prod-web-app: failover op-1 failed in 42s · no data loss \(planned\) · 20\/50 steps/, 'a failed failover has no measured RTO');
  t.notMatch(out, /failed in 42s \(measured RTO\)/);
  t.match(out, /Resume with: drctl apply spec\.yaml/);
  t.match(out, /db: failover op-2 completed in 1m15s \(measured RTO\) · data-loss window 2m/);
  t.equal(shortText('stop web-server-1 on site-a (tier 3)'), 'stop web-server-1 on site-a');
});

t.test('progress renderer: TTY redraws one live line per group', async (t) => {
  const writes: string[] = [];
  const io = memoryIo();
  const p = new ProgressRenderer({ mode: 'tty', io, now: () => 0, write: (s) => writes.push(s) });
  p.register({ id: 'a', type: 'drill', group: 'g1', progress: 0, phase: 'preparation', status: 'running' }, [{ id: 'x', name: 'preflight', description: 'check site-b again' }]);
  p.register({ id: 'b', type: 'failover', group: 'g2', progress: 0, phase: 'preparation', status: 'running' }, []);
  p.listener({ type: 'step-start', op: 'a', group: 'g1', step: 'x', stepName: 'preflight', progress: 5, phase: 'preparation', elapsedMs: 0 });
  const text = writes.join('');
  t.match(text, /g1 drill \[#?-+\]\s+5% preparation: check site-b again/);
  t.match(text, /g2 failover \[-+\]\s+0% preparation/);
  p.listener({ type: 'step-done', op: 'a', group: 'g1', step: 'x', stepName: 'preflight', progress: 10, phase: 'preparation', elapsedMs: 0 });
  t.match(writes.join(''), /\x1b\[2A/, 'moves up over the live block to redraw it');
  p.finish();
  t.equal(io.stderr.length, 0, 'nothing through the line-based channel in TTY mode');
});
