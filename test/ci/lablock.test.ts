/**
 * The lab locks shared by the CI jobs (.ci/lablock.sh) and the integration tests
 * (test-integration/lablock.ts): same file, same protocol, each side honours the other's holder.
 * No waiting here: a busy lock is asked with waitMs 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { LabLock } from '../../test-integration/lablock.js';
import { repoRoot } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drctl-lablock-'));
let n = 0;
const fresh = () => path.join(dir, `lab-${++n}.lock`);
const holderOf = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as { pid: number; token: string; started: string };

/** A pid that is certainly not alive: a child that has exited. */
const deadPid = spawnSync('true').pid ?? 999_999;

/** Runs .ci/lablock.sh's functions in a bash; returns its stdout, exit code and the token it took. */
function bash(script: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['-c', `. "${path.join(repoRoot, '.ci/lablock.sh')}"\n${script}`], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('TS lock: free, busy, release, stale takeover, inherited token', async (t) => {
  const cases: Array<{ name: string; before?: string; inherited?: string; wantBusy: boolean; wantMine: boolean }> = [
    { name: 'no file: taken', wantBusy: false, wantMine: true },
    { name: 'held by a live pid (ours, another lock object): busy', before: JSON.stringify({ pid: process.pid, token: 'other', started: 'x' }), wantBusy: true, wantMine: false },
    { name: 'held by a dead pid: taken over', before: JSON.stringify({ pid: deadPid, token: 'dead', started: 'x' }), wantBusy: false, wantMine: true },
    { name: 'empty file (old flock script): taken over', before: '', wantBusy: false, wantMine: true },
    { name: 'held by our CI job (inherited token): ours without taking it', before: JSON.stringify({ pid: process.pid, token: 'job-1', started: 'x' }), inherited: 'job-1', wantBusy: false, wantMine: false },
    { name: 'held by another job than ours: busy', before: JSON.stringify({ pid: process.pid, token: 'job-2', started: 'x' }), inherited: 'job-1', wantBusy: true, wantMine: false },
  ];
  for (const c of cases) {
    const file = fresh();
    if (c.before !== undefined) writeFileSync(file, c.before);
    const lock = new LabLock({ file, ...(c.inherited ? { inheritedToken: c.inherited } : {}), pollMs: 1 });
    const why = await lock.acquire(0);
    t.equal(why !== undefined, c.wantBusy, `${c.name}: ${why ?? 'acquired'}`);
    if (c.wantBusy) t.match(why, /in use by pid \d+/, `${c.name}: says who holds it`);
    const h = holderOf(file);
    t.equal(h.pid === process.pid && h.token.startsWith(`${process.pid}-`), c.wantMine, `${c.name}: file names ${c.wantMine ? 'us' : 'the previous holder'}`);
    lock.release();
    t.equal(existsSync(file), !c.wantMine, `${c.name}: release removes only a lock this object took`);
  }
});

t.test('release never removes a lock someone else took after us', async (t) => {
  const file = fresh();
  const lock = new LabLock({ file });
  t.equal(await lock.acquire(0), undefined);
  writeFileSync(file, JSON.stringify({ pid: process.pid, token: 'someone-else', started: 'x' }));
  lock.release();
  t.equal(holderOf(file).token, 'someone-else');
});

t.test('shell and TS locks exclude each other on the same file', async (t) => {
  const file = fresh();
  // shell takes it, then (still running) checks that a TS holder's file is refused: the shell's own
  // pid is alive for the duration of the script, so a TS acquire during it must be busy.
  const tsHeld = fresh();
  const ts = new LabLock({ file: tsHeld });
  t.equal(await ts.acquire(0), undefined, 'TS lock taken');
  const r = bash(`lab_lock "${file}" TOK 0 || exit 9; grep -q "\\"token\\":\\"$TOK\\"" "${file}" || exit 8; echo "held $TOK"; lab_lock "${tsHeld}" OTHER 0; echo "rc=$?"; lab_unlock_all; [ -e "${file}" ] && exit 7; exit 0`);
  t.equal(r.code, 0, `shell script\n${r.out}\n${r.err}`);
  t.match(r.out, /^held \d+-\d+$/m, 'shell lock taken, token exported');
  t.match(r.out, /gave up after 0 s/, 'the TS holder (a live pid) is respected by the shell');
  t.match(r.out, /rc=1/, 'lab_lock returns 1 when busy');
  t.equal(holderOf(tsHeld).pid, process.pid, 'the TS lock file untouched by the shell');
  ts.release();
  t.notOk(existsSync(tsHeld));

  // the shell's lock left behind by a dead shell is taken over by TS
  const left = fresh();
  const r2 = bash(`lab_lock "${left}" TOK 0 && echo "$TOK"`);
  t.equal(r2.code, 0);
  t.equal(holderOf(left).token, r2.out.trim(), 'a shell that exits without unlocking leaves its token');
  const ts2 = new LabLock({ file: left });
  t.equal(await ts2.acquire(0), undefined, 'the dead shell holder is stale: taken over');
  ts2.release();
});

t.test('a test inherits the CI job\'s lock through the token variable', async (t) => {
  const file = fresh();
  const r = bash(`lab_lock "${file}" DRCTL_X_TOKEN 0 && env | grep '^DRCTL_X_TOKEN=' && cat "${file}"`);
  t.equal(r.code, 0);
  const token = /^DRCTL_X_TOKEN=(.*)$/m.exec(r.out)?.[1];
  t.ok(token, 'token exported to children');
  // the job's shell has exited here (its pid is dead), so rewrite the holder with our live pid to
  // model "the job is still running": the inherited token still makes it ours without waiting
  writeFileSync(file, JSON.stringify({ ...holderOf(file), pid: process.pid }));
  const lock = new LabLock({ file, inheritedToken: token! });
  t.equal(await lock.acquire(0), undefined);
  lock.release();
  t.ok(existsSync(file), 'an inherited lock stays with the job');
});
