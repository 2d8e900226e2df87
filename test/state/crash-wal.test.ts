/**
 * Crash test inside the state log's own write paths (invariant 3), with the built CLI like
 * test/apply/crash.test.ts: `drctl apply --mock --auto-approve` of a planned failover is SIGKILLed
 *   "K~"  in the middle of write K (an append in the log but not fdatasync'ed; a compaction's
 *         snapshot in its temp file, not renamed),
 *   "K%"  with write K torn (half of its record in the log),
 *   "K<"  with write K made a compaction, killed before its rename,
 *   "K>"  with write K made a compaction, killed after its rename, before the old log is removed,
 * at a spread of K over the failover's writes; then ONE plain `drctl apply` must read the state
 * (snapshot + complete log records), take over the lock, resume and reach the uninterrupted run's
 * world: one failover, completed, nothing duplicated, no lock, the state compacted to one file.
 * DRCTL_CRASH_JOBS (default 2) children at once. Needs `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { readStateFile } from '../../src/state/adapter.js';
import type { StateData } from '../../src/state/types.js';
import { assertBuilt, copyWorld, pool, drctl, editSpec, fingerprint, STATE, WORLD, type SiteFingerprint } from '../apply/crash-harness.js';
import { repoRoot } from '../helpers/cli.js';

const JOBS = Math.max(1, Number(process.env.DRCTL_CRASH_JOBS ?? 2) || 2);
const PER_MARKER = Math.max(2, Number(process.env.DRCTL_CRASH_WAL_PER_MARKER ?? 3) || 3);
type Marker = '~' | '%' | '<' | '>';
const MARKERS: Marker[] = ['~', '%', '<', '>'];

function spread(lo: number, hi: number, count: number): number[] {
  if (hi - lo + 1 <= count) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(lo + (i * (hi - lo)) / (count - 1))))];
}

const snapshotOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, STATE), 'utf8')) as StateData;

t.setTimeout(Number(process.env.DRCTL_CRASH_TIMEOUT_MS ?? 1_200_000));

t.test('SIGKILL inside the log append and the compaction, then one plain apply: same world as an uninterrupted run', async (t) => {
  assertBuilt({ crashHook: true });
  const root = await mkdtemp(path.join(os.tmpdir(), 'drctl-crash-wal-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const base = path.join(root, 'base');
  await copyWorld(root, base);
  await copyFile(path.join(repoRoot, 'examples/prod-web-app.yaml'), path.join(base, 'spec.yaml'));
  const init = await drctl(base, ['mock', 'init', 'spec.yaml', '--boot-seconds', '0', '--stop-seconds', '0', '--start-seconds', '0', '--transfer-seconds', '0']);
  t.equal(init.code, 0, 'mock init', { stderr: init.stderr });
  const converge = await drctl(base, ['apply', '--auto-approve', 'spec.yaml']);
  t.equal(converge.code, 0, 'converge', { stderr: converge.stderr.slice(-3000) });
  t.notOk(existsSync(path.join(base, `${STATE}.wal`)), 'a finished apply leaves no log: the snapshot is the whole state');

  const pre = path.join(root, 'pre');
  await copyWorld(base, pre);
  await editSpec(pre, { activeSite: 'site-b' });
  const ref = path.join(root, 'ref');
  await copyWorld(pre, ref);
  const before = snapshotOf(ref);
  const r = await drctl(ref, ['apply', '--auto-approve', 'spec.yaml']);
  t.equal(r.code, 0, 'reference failover', { stderr: r.stderr.slice(-3000) });
  const after = snapshotOf(ref);
  const writes = after.serial - before.serial;
  const refFp = await fingerprint(path.join(ref, WORLD));
  t.same(after.operations.slice(before.operations.length).map((o) => [o.type, o.status]), [['failover', 'completed']]);
  t.ok(writes > 10, `the failover made ${writes} durable writes`);

  const cases = MARKERS.flatMap((m) => spread(1, writes - 1, PER_MARKER).map((k) => ({ m, k })));
  const results = await pool(cases, JOBS, async ({ m, k }) => {
    const dir = path.join(root, `k${k}${m === '<' ? 'lt' : m === '>' ? 'gt' : m === '~' ? 'mid' : 'torn'}`);
    await copyWorld(pre, dir);
    const killed = await drctl(dir, ['apply', '--auto-approve', 'spec.yaml'], { env: { DRCTL_TEST_KILL_AT_TRANSITION: `${k}${m}` } });
    const wal = path.join(dir, `${STATE}.wal`);
    const walText = existsSync(wal) ? readFileSync(wal, 'utf8') : null;
    const snap = snapshotOf(dir);
    let mid: StateData | null = null;
    let midError = '';
    try {
      mid = await readStateFile(path.join(dir, STATE));
    } catch (err) {
      midError = String((err as Error).message);
    }
    const resume = await drctl(dir, ['apply', '--auto-approve', 'spec.yaml']);
    const end = snapshotOf(dir);
    const res = {
      m,
      k,
      signal: killed.signal,
      killedStderr: killed.stderr.slice(-1500),
      walText,
      snap,
      mid,
      midError,
      resumeCode: resume.code,
      resumeStderr: resume.stderr.slice(-3000),
      walAfter: existsSync(wal),
      newOps: end.operations.slice(before.operations.length).map((o) => [o.type, o.status]),
      unfinished: end.operations.filter((o) => o.status !== 'completed' && !(o.status === 'failed' && o.rolledBack)).length,
      lockAfter: Boolean(end.lock),
      fp: await fingerprint(path.join(dir, WORLD)),
    };
    await rm(dir, { recursive: true, force: true });
    return res;
  });

  for (const x of results) {
    t.test(`SIGKILL "${x.k}${x.m}" of ${writes} writes`, async (t) => {
      t.equal(x.signal, 'SIGKILL', 'the child was killed', { stderr: x.killedStderr });
      t.equal(x.midError, '', 'the state after the kill reads (snapshot + complete log records)');
      t.ok(x.mid, 'and exists');
      if (x.m === '%' && x.killedStderr.includes('write to tear is a compaction')) {
        // This run's write K was a compaction (group commit varies the count): killed as "K-".
        t.equal(x.mid!.serial, x.k - 1 + before.serial, 'a compaction killed before it: the previous state');
        t.ok(x.walText === null || x.walText.endsWith('\n'), 'the log it was about to fold is whole');
      } else if (x.m === '%' && x.walText !== null && x.k > 1) {
        t.notOk(x.walText.endsWith('\n'), 'the log ends with a torn record');
        t.equal(x.mid!.serial, x.k - 1 + before.serial, 'the torn write is not part of the state');
      }
      if (x.m === '~' && x.walText !== null) t.equal(x.mid!.serial, x.k + before.serial, 'an appended record counts once it is in the log (the kill came before its fdatasync; the process, not the machine, died)');
      if (x.m === '<') t.equal(x.mid!.serial, x.k - 1 + before.serial, 'a compaction killed before its rename: the previous state');
      if (x.m === '>') {
        t.equal(x.snap.serial, x.k + before.serial, 'a compaction killed after its rename: the new snapshot holds write K');
        t.equal(x.mid!.serial, x.snap.serial, 'the old log\'s records are all in it (skipped)');
      }
      t.equal(x.resumeCode, 0, 'the plain apply resumed and finished', { stderr: x.resumeStderr });
      t.same(x.newOps, [['failover', 'completed']], 'exactly one failover, completed');
      t.equal(x.unfinished, 0, 'nothing unfinished');
      t.notOk(x.lockAfter, 'no lock left');
      t.notOk(x.walAfter, 'the resumed run compacted: no log left');
      for (const site of Object.keys(refFp)) {
        for (const key of Object.keys(refFp[site]!) as Array<keyof SiteFingerprint>) {
          t.same(x.fp[site]![key], refFp[site]![key], `${site} ${key} as in the uninterrupted run`);
        }
      }
    });
  }
});
