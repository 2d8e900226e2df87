/** drctl state show|force-unlock and ops list|show, through the built CLI (npm test builds first). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Journal } from '../../src/state/journal.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import type { PlanStep } from '../../src/plan/types.js';
import { runCli } from '../helpers/cli.js';
import { durable, fakeWorld } from '../state/fakes.js';

const steps: PlanStep[] = [
  { id: 'g/preflight', name: 'preflight', phase: 'preparation', dependsOn: [], description: 'preflight' },
  { id: 'g/server.stop/web-1', name: 'server.stop', phase: 'preparation', site: 'site-a', target: 'web-1', dependsOn: ['g/preflight'], description: 'stop', params: { password: 'hunter2' } },
  { id: 'g/storage.promote', name: 'storage.promote', phase: 'storage', site: 'site-b', dependsOn: ['g/server.stop/web-1'], description: 'promote' },
  { id: 'g/server.create/web-1', name: 'server.create', phase: 'instances', site: 'site-b', target: 'web-1', dependsOn: ['g/storage.promote'], description: 'create' },
];

/** A state with a completed drill, a failover stopped after promotion, and a lock held by a dead process here. */
async function fixture(t: Test) {
  const dir = t.testdir({});
  const file = path.join(dir, 'state.json');
  const w = fakeWorld({ hostname: () => os.hostname(), pid: 999_999 });
  const store = new StateStore({ path: file, env: w.env });
  const lock = await acquireLock(store, { operation: 'apply failover g' });
  const j = new Journal(store, lock);
  const drill = await j.open({ id: 'op-11111111-drill', type: 'drill', group: 'g', sourceSite: 'site-a', targetSite: 'site-b', steps: steps.slice(0, 1) });
  await j.stepIntent(drill.id, 'g/preflight');
  w.advance(1500);
  await j.stepDone(drill.id, 'g/preflight');
  w.advance(500);
  await j.close(drill.id, 'completed');
  const fo = await j.open({ id: 'op-22222222-failover', type: 'failover', group: 'g', mode: 'planned', sourceSite: 'site-a', targetSite: 'site-b', steps });
  for (const s of steps.slice(0, 3)) {
    await j.stepIntent(fo.id, s.id);
    w.advance(2000);
    await j.stepDone(fo.id, s.id, { created: { thing: 'x' }, outputs: { apiToken: 'SECRET-T0KEN' } });
  }
  await j.stepIntent(fo.id, 'g/server.create/web-1');
  w.advance(4000);
  await j.stepFailed(fo.id, 'g/server.create/web-1', new Error('network net-secondary-web not found (X-Auth-Token: gAAAAABsecretsecretsecretsecret)'));
  await j.setStatus(fo.id, 'failed', { errorMessage: 'step g/server.create/web-1 failed', resumeCommand: 'drctl apply prod.yaml' });
  return { dir, file, lockId: lock.id };
}

t.test('state show: lineage, serial, lock (stale: dead pid on this host), counts, unfinished; never secrets', async (t) => {
  const { file, lockId } = await fixture(t);
  const r = await runCli(['state', 'show', '--state', file]);
  t.equal(r.code, 0, r.stderr);
  // The fixture's drctl "died" holding the lock: its last transitions are in the log (state.json.wal).
  t.ok(existsSync(`${file}.wal`), 'the fixture left a log');
  const s = (await durable(file))!;
  t.match(r.stdout, `Lineage     ${s.lineage}`);
  t.match(r.stdout, `Serial      ${s.serial}`);
  t.match(r.stdout, `lock id ${lockId}`);
  t.match(r.stdout, /stale: its process 999999 is gone on this host/);
  t.match(r.stdout, /Operations  2 \(1 failed, 1 completed\)/);
  t.match(r.stdout, /Unfinished  op-22222222-failover failover g \(failed, 60%\) — resume with: drctl apply prod.yaml/);
  const j = await runCli(['state', 'show', '--json', '--state', file]);
  const out = JSON.parse(j.stdout);
  t.equal(out.serial, s.serial);
  t.equal(out.lock.id, lockId);
  t.same(out.operations, { total: 2, byStatus: { completed: 1, failed: 1 }, unfinished: ['op-22222222-failover'] });
  for (const text of [r.stdout, j.stdout, readFileSync(file, 'utf8'), readFileSync(`${file}.wal`, 'utf8')]) {
    t.notMatch(text, /hunter2|SECRET-T0KEN|gAAAAABsecret/);
  }
});

t.test('state show without a state file says so and creates nothing', async (t) => {
  const dir = t.testdir({});
  const r = await runCli(['state', 'show'], { cwd: dir });
  t.equal(r.code, 0);
  t.match(r.stdout, 'No state file at .drctl/state.json yet');
  const j = await runCli(['state', 'show', '--json'], { cwd: dir });
  t.same(JSON.parse(j.stdout), { path: '.drctl/state.json', exists: false });
  const l = await runCli(['ops', 'list'], { cwd: dir });
  t.match(l.stdout, 'No operations in .drctl/state.json (no state file yet).');
});

t.test('state force-unlock: wrong id names the real one; right id releases', async (t) => {
  const { file, lockId } = await fixture(t);
  const bad = await runCli(['state', 'force-unlock', 'nope', '--state', file]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /does not match the lock held/);
  t.match(bad.stderr, `drctl state force-unlock ${lockId}`);
  t.match(bad.stderr, '[DRCTL_E4004]');
  const ok = await runCli(['state', 'force-unlock', lockId, '--state', file]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, `Lock ${lockId} released.`);
  t.match(ok.stderr, /Released the lock held by alice@/);
  t.equal(JSON.parse(readFileSync(file, 'utf8')).lock, undefined);
  const again = await runCli(['state', 'force-unlock', lockId, '--state', file]);
  t.equal(again.code, 1);
  t.match(again.stderr, /is not locked.*\[DRCTL_E4005\]/);
});

t.test('a corrupt state file: exit 1, code, file and backup named, no stack trace', async (t) => {
  const { file } = await fixture(t);
  writeFileSync(file, '{ "format_version": 1, "lin');
  const r = await runCli(['ops', 'list', '--state', file]);
  t.equal(r.code, 1);
  t.match(r.stderr, /is corrupt: not valid JSON.*\[DRCTL_E4002\]/);
  t.match(r.stderr, `${file}.backup`);
  t.notMatch(r.stderr, /at .*\.js:\d+/);
});

t.test('ops list: table and the DESIGN ops JSON shape', async (t) => {
  const { file } = await fixture(t);
  const r = await runCli(['ops', 'list', '--state', file]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.match(lines[0], /^ID\s+TYPE\s+GROUP\s+STATUS\s+PROGRESS\s+SITES\s+STARTED\s+DURATION$/);
  t.match(lines[1], /^op-11111111-drill\s+drill\s+g\s+completed\s+100%\s+site-a → site-b\s+2025-06-01T09:00:00.000Z\s+2.0s$/);
  t.match(lines[2], /^op-22222222-failover\s+failover\s+g\s+failed\s+60%\s+site-a → site-b/);
  const j = await runCli(['ops', 'list', '--json', '--state', file]);
  const ops = JSON.parse(j.stdout);
  t.equal(ops.length, 2);
  for (const k of ['id', 'type', 'group', 'status', 'progress', 'sourceSite', 'targetSite', 'startedAt', 'completedAt', 'stepsCompleted', 'stepsFailed', 'errorMessage']) {
    t.ok(k in ops[1], `ops JSON has ${k}`);
  }
  t.same(ops[1].stepsFailed, ['g/server.create/web-1']);
  t.equal(ops[1].errorMessage, 'step g/server.create/web-1 failed');
  t.notOk('steps' in ops[1]);
});

t.test('ops show: steps with status, attempt, durations, errors (scrubbed), by id prefix; JSON too', async (t) => {
  const { file } = await fixture(t);
  const r = await runCli(['ops', 'show', 'op-2222', '--state', file]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, 'Operation  op-22222222-failover');
  t.match(r.stdout, 'Type       failover (planned)');
  t.match(r.stdout, /Status     failed — 60% \(phase instances\)/);
  t.match(r.stdout, 'Resume     drctl apply prod.yaml');
  t.match(r.stdout, /done\s+g\/server.stop\/web-1\s+web-1\s+site-a\s+1\s+2.0s/);
  t.match(r.stdout, /failed\s+g\/server.create\/web-1\s+web-1\s+site-b\s+1\s+4.0s\n\s+error: network net-secondary-web not found \(X-Auth-Token: <redacted>\)/);
  t.notMatch(r.stdout, /gAAAAAB/);
  const j = await runCli(['ops', 'show', 'op-22222222-failover', '--json', '--state', file]);
  const d = JSON.parse(j.stdout);
  t.equal(d.steps.length, 4);
  t.equal(d.steps[0].durationMs, 2000);
  t.equal(d.steps[3].status, 'failed');
  t.equal(d.steps[1].params.password, '<redacted>');
  t.equal(d.steps[1].result.outputs.apiToken, '<redacted>');
  const missing = await runCli(['ops', 'show', 'op-9999', '--state', file]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /No operation op-9999.*\[DRCTL_E4009\]/);
});
