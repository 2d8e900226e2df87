/**
 * Crash test (invariant 3): the built CLI, `drctl apply --mock --auto-approve`, is SIGKILLed at journal
 * transitions of a planned failover, a failback, a drill and a drill-cleanup; then ONE plain
 * `drctl apply --mock --auto-approve` must take over the dead process's lock (with a warning), resume,
 * and leave the world exactly as an uninterrupted run of the same operation does: no duplicate servers,
 * volumes or array volumes (by drctl tags and names), the same members ACTIVE on the same site, the same
 * array roles, no drill leftovers, and the operation completed in the journal.
 *
 * How the kill is placed: the test hook in src/state/store.ts (DRCTL_TEST_KILL_AT_TRANSITION, inert
 * when unset) makes the child SIGKILL itself
 *   - "K":  right after its K-th durable state write (the lock, each journal transition, the release);
 *   - "K-": right before the K-th write — the side effects since write K-1 happened but are unrecorded
 *           (a step that acted and died before its DONE was written).
 * Both leave the state file's write mutex behind as a real crash would.
 *
 * Coverage (DRCTL_CRASH_COVERAGE):
 *   default: the failover at EVERY transition ("K", K = 1..N) plus 12 "K-" placements spread over it;
 *            failback, drill and drill-cleanup at a deterministic spread (5 "K" + 4 "K-" each);
 *   full:    every transition of all four operations, both placements (nightly; ~240 kills);
 *   quick:   4 "K" + 3 "K-" per operation (local iteration).
 * DRCTL_CRASH_JOBS (default 2) children run at once. Needs `npm run build` first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/cli.js';
import { assertBuilt, copyWorld, pool, drctl, editSpec, fingerprint, readState, WORLD, type SiteFingerprint } from './crash-harness.js';

type OpName = 'failover' | 'failback' | 'drill' | 'drill-cleanup';
type Placement = 'after' | 'before';

const OPS: Array<{ op: OpName; edit: Parameters<typeof editSpec>[1] }> = [
  { op: 'failover', edit: { activeSite: 'site-b' } },
  { op: 'failback', edit: { activeSite: 'site-a' } },
  { op: 'drill', edit: { drill: true } },
  { op: 'drill-cleanup', edit: { drill: false } },
];

const COVERAGE = (process.env.DRCTL_CRASH_COVERAGE ?? 'default') as 'default' | 'full' | 'quick';
const JOBS = Math.max(1, Number(process.env.DRCTL_CRASH_JOBS ?? 2) || 2);

/** k evenly spread over 1..n (deterministic), at most `count` of them. */
export function spread(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round(1 + (i * (n - 1)) / (count - 1)));
  return [...out];
}

const every = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function selection(op: OpName, n: number): Array<{ k: number; placement: Placement }> {
  let after: number[];
  let before: number[];
  if (COVERAGE === 'full') {
    after = every(n);
    before = every(n);
  } else if (COVERAGE === 'default' && op === 'failover') {
    after = every(n);
    before = spread(n, 12).map((k) => Math.min(n, k + 1));
  } else if (COVERAGE === 'default') {
    after = spread(n, 5);
    // The "before" placements sit between the "after" ones.
    before = spread(n, 4).map((k) => Math.min(n, k + 1));
  } else {
    after = spread(n, 4);
    before = spread(n, 3).map((k) => Math.min(n, k + 1));
  }
  return [...after.map((k) => ({ k, placement: 'after' as const })), ...[...new Set(before)].map((k) => ({ k, placement: 'before' as const }))];
}

interface Reference {
  op: OpName;
  /** The world + state + edited spec before the operation. */
  pre: string;
  writes: number;
  fp: Record<string, SiteFingerprint>;
  opsBefore: number;
  ms: number;
}

interface CaseResult {
  op: OpName;
  k: number;
  placement: Placement;
  killed: boolean;
  lockLeft: boolean;
  resumeCode: number | null;
  resumeStderr: string;
  resumeStdout: string;
  tookOver: boolean;
  newOps: Array<{ type: string; status: string }>;
  unfinished: number;
  lockAfter: boolean;
  fp: Record<string, SiteFingerprint>;
  ms: number;
}

t.setTimeout(Number(process.env.DRCTL_CRASH_TIMEOUT_MS ?? (COVERAGE === 'full' ? 3_600_000 : 1_200_000)));

t.test('SIGKILL at journal transitions, then one plain apply: same world as an uninterrupted run', async (t) => {
  assertBuilt({ crashHook: true });
  const started = Date.now();
  const root = await mkdtemp(path.join(os.tmpdir(), 'drctl-crash-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));

  // ---- the uninterrupted reference chain: converge → failover → failback → drill → cleanup
  const base = path.join(root, 'base');
  await copyWorld(root, base);
  await copyFile(path.join(repoRoot, 'examples/prod-web-app.yaml'), path.join(base, 'spec.yaml'));
  const init = await drctl(base, ['mock', 'init', 'spec.yaml', '--boot-seconds', '0', '--stop-seconds', '0', '--start-seconds', '0', '--transfer-seconds', '0']);
  t.equal(init.code, 0, 'mock init', { stderr: init.stderr });
  const converge = await drctl(base, ['apply', '--auto-approve', 'spec.yaml']);
  t.equal(converge.code, 0, 'converge (capture metadata)', { stderr: converge.stderr.slice(-3000) });

  const refs: Reference[] = [];
  let prev = base;
  for (const { op, edit } of OPS) {
    const pre = path.join(root, `pre-${op}`);
    await copyWorld(prev, pre);
    await editSpec(pre, edit);
    const ref = path.join(root, `ref-${op}`);
    await copyWorld(pre, ref);
    const before = (await readState(ref))!;
    const t0 = Date.now();
    const r = await drctl(ref, ['apply', '--auto-approve', 'spec.yaml']);
    const ms = Date.now() - t0;
    t.equal(r.code, 0, `reference ${op} completed`, { stderr: r.stderr.slice(-3000) });
    const after = (await readState(ref))!;
    const mine = after.operations.slice(before.operations.length);
    t.same(mine.map((o) => [o.type, o.status]), [[op, 'completed']], `reference ${op}: one ${op}, completed`);
    refs.push({ op, pre, writes: after.serial - before.serial, fp: await fingerprint(path.join(ref, WORLD)), opsBefore: before.operations.length, ms });
    prev = ref;
  }
  // The references themselves are what the SRM-like life cycle expects.
  const activeOn = (fp: Record<string, SiteFingerprint>, site: string) => fp[site]!.servers.filter((s) => /\|ACTIVE\|.*drctl\.role=production/.test(s)).length;
  t.equal(activeOn(refs[0]!.fp, 'site-b'), 5, 'reference failover: 5 members ACTIVE on site-b');
  t.equal(activeOn(refs[0]!.fp, 'site-a'), 0, 'reference failover: none ACTIVE on site-a');
  t.equal(activeOn(refs[1]!.fp, 'site-a'), 5, 'reference failback: 5 members ACTIVE on site-a');
  t.equal(refs[2]!.fp['site-b']!.servers.filter((s) => s.includes('drctl.role=drill')).length, 5, 'reference drill: 5 drill copies on site-b');
  t.equal(refs[3]!.fp['site-b']!.servers.filter((s) => s.includes('drctl.role=drill')).length, 0, 'reference cleanup: no drill copies left');
  const refMs = Date.now() - started;

  // ---- the crashes
  const cases = refs.flatMap((ref) => selection(ref.op, ref.writes).map((c) => ({ ref, ...c })));
  const run = async (c: (typeof cases)[number]): Promise<CaseResult> => {
    const dir = path.join(root, `${c.ref.op}-${c.placement}-${c.k}`);
    await copyWorld(c.ref.pre, dir);
    const t0 = Date.now();
    const killedRun = await drctl(dir, ['apply', '--auto-approve', 'spec.yaml'], { env: { DRCTL_TEST_KILL_AT_TRANSITION: `${c.k}${c.placement === 'before' ? '-' : ''}` } });
    const killed = killedRun.signal === 'SIGKILL';
    const mid = await readState(dir); // must parse: never a torn file
    const resume = await drctl(dir, ['apply', '--auto-approve', 'spec.yaml']);
    const end = (await readState(dir))!;
    const newOps = end.operations.slice(c.ref.opsBefore).map((o) => ({ type: o.type, status: o.status }));
    const res: CaseResult = {
      op: c.ref.op,
      k: c.k,
      placement: c.placement,
      killed,
      lockLeft: Boolean(mid?.lock),
      resumeCode: resume.code,
      resumeStderr: resume.stderr,
      resumeStdout: resume.stdout,
      tookOver: /Taking over the lock held by .*its process \d+ is gone on this host/.test(resume.stderr),
      newOps,
      unfinished: end.operations.filter((o) => o.status !== 'completed' && !(o.status === 'failed' && o.rolledBack)).length,
      lockAfter: Boolean(end.lock),
      fp: await fingerprint(path.join(dir, WORLD)),
      ms: Date.now() - t0,
    };
    if (!killedRun.signal && killedRun.code !== 0) res.resumeStderr = `killed run exited ${killedRun.code}: ${killedRun.stderr.slice(-1500)}\n${res.resumeStderr}`;
    await rm(dir, { recursive: true, force: true });
    return res;
  };
  const results = await pool(cases, JOBS, run);

  for (const r of results) {
    const ref = refs.find((x) => x.op === r.op)!;
    t.test(`${r.op}: SIGKILL ${r.placement} write ${r.k}/${ref.writes}`, async (t) => {
      t.ok(r.killed || r.k >= ref.writes - 2, `the child was killed (${r.killed ? 'yes' : 'no: it made fewer writes this time'})`);
      t.equal(r.resumeCode, 0, 'the plain apply resumed and finished', { stderr: r.resumeStderr.slice(-3000), stdout: r.resumeStdout.slice(-2000) });
      if (r.lockLeft) t.ok(r.tookOver, 'the dead process\'s lock was taken over with a warning');
      t.same(r.newOps, [{ type: r.op, status: 'completed' }], `exactly one ${r.op}, completed (none opened twice)`);
      t.equal(r.unfinished, 0, 'nothing unfinished in the journal');
      t.notOk(r.lockAfter, 'no lock left');
      for (const site of Object.keys(ref.fp)) {
        for (const key of Object.keys(ref.fp[site]!) as Array<keyof SiteFingerprint>) {
          t.same(r.fp[site]![key], ref.fp[site]![key], `${site} ${key} as in the uninterrupted run`);
        }
      }
    });
  }

  const total = Date.now() - started;
  const lines = refs.map((ref) => {
    const mine = results.filter((r) => r.op === ref.op);
    const a = mine.filter((r) => r.placement === 'after');
    const b = mine.filter((r) => r.placement === 'before');
    return `${ref.op.padEnd(13)} ${String(ref.writes).padStart(3)} writes · after: ${a.length} (${a.filter((r) => r.killed).length} killed) · before: ${b.length} (${b.filter((r) => r.killed).length} killed) · uninterrupted ${(ref.ms / 1000).toFixed(1)}s`;
  });
  t.comment(`crash coverage (${COVERAGE}, ${JOBS} jobs): ${results.length} kills + resumes\n${lines.join('\n')}\nreference chain ${(refMs / 1000).toFixed(0)}s · total ${(total / 1000).toFixed(0)}s`);
});
