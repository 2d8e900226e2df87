/**
 * drctl report: the model (RTO, data-loss window, lanes), escaping and scrubbing, the CLI, and the
 * page rendered by headless Chromium (Debian's package) from a real mock run: every step and the SVG
 * bars are in the rendered DOM.
 *
 * Chromium: skipped with a message when it is not installed and CI is not set; in CI it is required
 * (.ci/run installs it: apt-get install -y --no-install-recommends chromium).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildReportModel, esc, humanDuration, renderReport, tickStep } from '../../src/report/index.js';
import type { JournalStep, OperationRecord } from '../../src/state/types.js';
import { runCli } from '../helpers/cli.js';
import { lab } from '../apply/lifecycle-harness.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function step(id: string, name: JournalStep['name'], phase: JournalStep['phase'], from: number | undefined, to: number | undefined, extra: Partial<JournalStep> = {}): JournalStep {
  const s: JournalStep = { id, name, phase, dependsOn: [], status: to !== undefined ? 'done' : from !== undefined ? 'intent' : 'pending', attempt: from !== undefined ? 1 : 0, description: `${name} ${id}`, ...extra };
  if (from !== undefined) s.startedAt = at(from);
  if (to !== undefined) s.endedAt = at(to);
  return s;
}

function op(extra: Partial<OperationRecord> = {}, steps?: JournalStep[]): OperationRecord {
  return {
    id: 'op-20260301T100000Z-abcdef',
    type: 'failover',
    group: 'prod-web-app',
    mode: 'planned',
    status: 'completed',
    progress: 100,
    phase: 'finalization',
    sourceSite: 'site-a',
    targetSite: 'site-b',
    startedAt: at(0),
    completedAt: at(60),
    stepsCompleted: [],
    stepsFailed: [],
    errorMessage: null,
    who: 'ops@bastion',
    warnings: [],
    events: [{ at: at(0), message: 'opened by ops@bastion' }],
    steps: steps ?? [
      step('g/preflight', 'preflight', 'preparation', 0, 1),
      step('g/server.stop/db', 'server.stop', 'preparation', 2, 5, { tier: 1, site: 'site-a', target: 'db' }),
      step('g/storage.final-sync', 'storage.final-sync', 'storage', 5, 10, { site: 'site-a' }),
      step('g/storage.promote', 'storage.promote', 'storage', 10, 20, { site: 'site-b' }),
      step('g/server.create/db', 'server.create', 'instances', 20, 25, { tier: 1, site: 'site-b', target: 'db' }),
      step('g/server.wait-active/tier-1', 'server.wait-active', 'instances', 25, 32, { tier: 1, site: 'site-b', target: 'tier-1' }),
      step('g/server.create/web', 'server.create', 'instances', 32, 40, { tier: 2, site: 'site-b', target: 'web' }),
      step('g/server.wait-active/tier-2', 'server.wait-active', 'instances', 40, 50, { tier: 2, site: 'site-b', target: 'tier-2' }),
      step('g/record.write', 'record.write', 'finalization', 50, 59, { site: 'site-b' }),
    ],
    ...extra,
  };
}

t.test('model: measured RTO, data-loss window and lanes', async (t) => {
  const cases: Array<{ name: string; op: OperationRecord; rtoMs: number | undefined; rto: RegExp; loss: RegExp; lossSeconds?: number }> = [
    { name: 'planned failover: first stop → last ACTIVE', op: op(), rtoMs: 48_000, rto: /first member stopped on site-a → every member ACTIVE on site-b/, loss: /final sync completed before storage was promoted/ },
    {
      name: 'unplanned failover: from the operation start, with the window',
      op: op({ mode: 'unplanned', dataLossWindowSeconds: 412 }, op().steps.filter((s) => s.name !== 'server.stop' && s.name !== 'storage.final-sync')),
      rtoMs: 50_000,
      rto: /outage began before drctl/,
      loss: /6 min 52 s of writes .* force-promoted/,
      lossSeconds: 412,
    },
    { name: 'drill: boot time of the copies', op: op({ type: 'drill', mode: undefined }), rtoMs: 50_000, rto: /drill copy ACTIVE/, loss: /production was not touched/ },
    { name: 'failed failover: no RTO', op: op({ status: 'failed', completedAt: at(30), errorMessage: 'step g/server.create/db failed' }), rtoMs: undefined, rto: /did not complete/, loss: /final sync completed/ },
    { name: 'protect: not measured', op: op({ type: 'protect', mode: undefined }), rtoMs: undefined, rto: /does not move the workload/, loss: /does not promote storage/ },
  ];
  for (const c of cases) {
    const m = buildReportModel(c.op, { now: T0 + 3_600_000 });
    t.equal(m.rto.ms, c.rtoMs, `${c.name}: rto ms`);
    t.match(m.rto.basis, c.rto, `${c.name}: rto basis`);
    t.match(m.dataLoss.text, c.loss, `${c.name}: data loss`);
    t.equal(m.dataLoss.seconds, c.lossSeconds, `${c.name}: data loss seconds`);
  }
  const m = buildReportModel(op(), { now: T0 });
  t.same(m.lanes.map((l) => l.label), ['preparation', 'storage', 'instances · tier 1', 'instances · tier 2', 'finalization'], 'lanes per phase, instances per tier');
  t.equal(m.durationMs, 60_000);
  t.equal(m.pointOfNoReturnMs, 10_000, 'point of no return = storage.promote start');
  t.same(m.downtime, { startMs: 2000, endMs: 50_000 });
  t.equal(m.steps.length, 9);
});

t.test('model: an interrupted operation (steps cut short, never run, rolled back)', async (t) => {
  const steps = [
    step('g/preflight', 'preflight', 'preparation', 0, 1),
    step('g/server.stop/db', 'server.stop', 'preparation', 1, 3, { status: 'rolled_back', compensation: { status: 'done', startedAt: at(8), endedAt: at(12) } }),
    step('g/storage.final-sync', 'storage.final-sync', 'storage', 3, 6, { status: 'failed', error: { message: 'array said 400', code: 'DRCTL_E2031', hint: 'check the array' } as JournalStep['error'] }),
    step('g/server.create/db', 'server.create', 'instances', 6, undefined),
    step('g/record.write', 'record.write', 'finalization', undefined, undefined),
  ];
  const m = buildReportModel(op({ status: 'running', completedAt: null, progress: 20 }, steps), { now: T0 + 999_000 });
  t.equal(m.windowMs, 12_000, 'window ends at the last journaled moment, not at "now"');
  const cut = m.steps.find((s) => s.id === 'g/server.create/db')!;
  t.equal(cut.open, true, 'intent step is cut short');
  t.equal(cut.endMs, 12_000);
  t.equal(m.steps.find((s) => s.id === 'g/record.write')!.startMs, undefined, 'pending step never ran');
  t.same(m.counts, { pending: 1, intent: 1, done: 1, failed: 1, rolled_back: 1 });
  t.match(m.errors.join('\n'), /g\/storage\.final-sync: array said 400 \[DRCTL_E2031\]/);
  t.equal(m.steps.find((s) => s.id === 'g/storage.final-sync')!.errorHint, 'check the array', 'a hint the journal kept is shown (forward compatible)');
  t.equal(m.runs, 1);
  const html = renderReport(op({ status: 'running', completedAt: null, progress: 20 }, steps), { now: T0 });
  t.match(html, /array said 400 \[DRCTL_E2031\]\nFix: check the array/);
  t.match(html, /url\(#open\)/, 'the cut-short step is drawn hatched');
  t.match(html, /class="comp"/, 'the rollback is drawn');
  t.match(html, /not run/);
  t.same(m.steps.find((s) => s.id === 'g/server.stop/db')!.compensation, { status: 'done', startMs: 8000, endMs: 12_000 });
  t.match(m.rto.basis, /not reached/);
});

t.test('html: self-contained, every text escaped, secrets scrubbed, every step and a bar per started step', async (t) => {
  const evil = op({
    group: 'grp<script>alert(1)</script>',
    who: 'eve"><img src=x onerror=alert(1)>@host',
    warnings: ['watch out & <b>bold</b>', 'X-Auth-Token: gAAAAABsupersecrettokenvalue1234567890'],
    errorMessage: null,
  });
  evil.steps[3]!.error = { message: 'promote failed: password=hunter2 </td><script>x</script>' };
  evil.steps[3]!.status = 'done';
  const html = renderReport(evil, { now: T0 + 120_000, stateFile: '.drctl/state.json', version: '0.1.0' });
  t.notMatch(html, /<script/i, 'no script element anywhere');
  t.notMatch(html, /<img/i, 'no injected element');
  t.notMatch(html, /(src|href)=["']?(https?:)?\/\//i, 'no external asset');
  t.notMatch(html, /<link\b/i, 'no linked stylesheet');
  t.match(html, /Content-Security-Policy" content="default-src 'none'/, 'a CSP forbids anything external');
  t.match(html, /grp&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'group escaped');
  t.match(html, /eve&quot;&gt;&lt;img/, 'who escaped');
  t.match(html, /watch out &amp; &lt;b&gt;bold&lt;\/b&gt;/, 'warnings escaped');
  t.notMatch(html, /hunter2/, 'password scrubbed');
  t.notMatch(html, /gAAAAABsupersecret/, 'token scrubbed');
  for (const s of evil.steps) t.match(html, `data-step="${esc(s.id)}"`, `step ${s.id} in the page`);
  t.equal((html.match(/<rect class="bar /g) ?? []).length, evil.steps.length, 'one SVG bar per started step');
  t.match(html, /<svg [^>]*class="gantt"/);
  t.match(html, /point of no return/);
  t.match(html, /Measured RTO/);
});

t.test('humanDuration and tickStep', async (t) => {
  const table: Array<[number | undefined, string]> = [[undefined, '—'], [850, '850 ms'], [12_300, '12.3 s'], [263_000, '4 min 23 s'], [3_720_000, '1 h 02 min']];
  for (const [ms, want] of table) t.equal(humanDuration(ms), want, `${ms}`);
  t.equal(tickStep(4_000), 500);
  t.equal(tickStep(60_000), 10_000);
  t.equal(tickStep(3_600_000), 600_000);
});

// ------------------------------------------------------------------ from a real mock run, in Chromium

function findChromium(): string | undefined {
  const names = [process.env.CHROMIUM_BIN, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter((x): x is string => Boolean(x));
  for (const n of names) {
    if (n.includes('/')) {
      if (existsSync(n)) return n;
      continue;
    }
    const r = spawnSync('sh', ['-c', `command -v ${n}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

function chromium(bin: string, args: string[], profile: string, timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

t.test('a report of a real mock failover (failed once, resumed), rendered by headless Chromium', async (t) => {
  const l = await lab(t);
  await l.apply(); // capture metadata
  await l.edit({ activeSite: 'site-b' });
  await l.fault({ site: 'site-b', kind: 'error', api: 'nova.servers.create', status: 409, count: 1 });
  const first = await l.apply();
  t.equal(first.exitCode, 1, 'the failover stops after the point of no return');
  const again = await l.apply();
  t.equal(again.exitCode, 0, 'the resume completes it');
  const fo = await l.lastOp('failover');
  t.equal(fo.status, 'completed');

  const out = path.join(l.dir, 'reports', 'failover.html');
  const missingDir = await runCli(['--state', l.statePath, 'report', fo.id, '--out', out]);
  t.equal(missingDir.code, 1, 'a missing output directory is an error');
  t.match(missingDir.stderr, /DRCTL_E4140/);
  const notFound = await runCli(['--state', l.statePath, 'report', 'op-nope', '--out', path.join(l.dir, 'x.html')]);
  t.equal(notFound.code, 1);
  t.match(notFound.stderr, /No operation op-nope .*DRCTL_E4009/);

  const file = path.join(l.dir, 'failover.html');
  const r = await runCli(['--state', l.statePath, 'report', fo.id.slice(0, -2), '--out', file]);
  t.equal(r.code, 0, 'drctl report by id prefix', { stderr: r.stderr });
  t.match(r.stderr, new RegExp(`Report of failover prod-web-app \\(${fo.id}, completed, (\\d+)/\\1 steps done\\) written to`));
  const html = await readFile(file, 'utf8');
  t.notMatch(html, /<script|<link\b|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i, 'self-contained: no script, no link, no external URL');
  const retried = fo.steps.find((s) => s.name === 'server.create' && s.attempt === 2);
  t.ok(retried, 'the journal has a step that ran twice');
  t.match(html, new RegExp(`data-step="${retried!.id.replace(/[/.]/g, '\\$&')}"`));
  t.match(html, /progress 100% · 2 runs \(resumed 1×\)/, 'says it took two runs');
  t.match(html, /<h2>Steps run more than once<\/h2>/);
  t.match(html, new RegExp(`\\(${retried!.id.replace(/[/.]/g, '\\$&')}\\) ran 2 times`), 'names the step that ran twice');
  t.match(html, /running → failed/, 'the history shows the failure');
  t.match(html, /<td>resumed<\/td>/, 'and the resume');
  const stdoutRun = await runCli(['--state', l.statePath, 'report', fo.id, '--out=-']);
  t.equal(stdoutRun.code, 0);
  t.match(stdoutRun.stdout, /^<!DOCTYPE html>/, '--out=- writes the page to stdout');
  const strip = (h: string) => h.replace(/Generated by drctl \S+ at \S+/, '');
  t.equal(strip(stdoutRun.stdout.trim()), strip(html.trim()), 'the same page as the file');

  const bin = findChromium();
  if (!bin && process.env.CI) t.fail('CI is set but chromium is not installed: apt-get install -y --no-install-recommends chromium');
  const skip = bin ? false : 'chromium is not installed (apt-get install -y chromium); the headless rendering check is skipped outside CI';
  await t.test('headless Chromium renders every step and the SVG bars', { skip }, async (t) => {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'drctl-chromium-'));
    t.teardown(() => rm(profile, { recursive: true, force: true }));
    const dom = await chromium(bin!, ['--dump-dom', `file://${file}`], profile);
    t.equal(dom.code, 0, 'chromium --dump-dom', { stderr: dom.stderr.slice(-2000) });
    const text = dom.stdout;
    t.match(text, /<svg[^>]*class="gantt"/, 'the SVG timeline is in the rendered DOM');
    for (const s of fo.steps) {
      t.ok(text.includes(`data-step="${s.id}"`), `rendered DOM has step ${s.id}`);
    }
    const bars = text.match(/<rect class="bar bar-[a-z_]+" data-step="[^"]+"/g) ?? [];
    t.equal(bars.length, fo.steps.filter((s) => s.startedAt).length, 'one SVG bar per step that ran');
    t.equal(new Set(bars.map((b) => /data-step="([^"]+)"/.exec(b)![1])).size, bars.length, 'bars name distinct steps');
    t.match(text, /Measured RTO/);
    t.match(text, /point of no return/);

    const shot = path.join(process.env.DRCTL_REPORT_SCREENSHOT_DIR ?? l.dir, 'report.png');
    const png = await chromium(bin!, [`--screenshot=${shot}`, '--window-size=1280,2400', '--hide-scrollbars', `file://${file}`], profile);
    t.equal(png.code, 0, 'chromium --screenshot', { stderr: png.stderr.slice(-2000) });
    t.ok(existsSync(shot), `screenshot written (${shot})`);
    const head = await readFile(shot);
    t.same([...head.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG', 'it is a PNG');
    await writeFile(path.join(l.dir, 'dom.html'), text);
  });
});
