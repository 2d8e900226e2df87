/** Shared helpers of the benchmark scripts: child processes with peak RSS, medians, machine facts. */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI under test; DRCTL_BENCH_BIN points at another build (e.g. a before/after comparison). */
export const drctlBin = process.env.DRCTL_BENCH_BIN ? path.resolve(process.env.DRCTL_BENCH_BIN) : path.join(repoRoot, 'bin/drctl.js');
const TIME = '/usr/bin/time';
export const hasGnuTime = existsSync(TIME);

/** Parses the command line: `--runs N`, `--sizes a,b,c`, `--keep`, any `--name value`. */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) out[k] = true;
    else {
      out[k] = v;
      i++;
    }
  }
  return out;
}

export function median(xs) {
  const s = [...xs].filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `drctl-bench-${prefix}-`));
}

export function cleanup(dir, keep) {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

/** Machine facts printed with every result: the load matters on a shared 2-core box. */
export function machine() {
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
  } catch {
    /* not a git checkout */
  }
  return {
    date: new Date().toISOString(),
    commit,
    dirtyTree: dirty,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    loadavg: os.loadavg().map((x) => round(x, 2)),
  };
}

/**
 * Runs a command as a child process and measures it: wall time (ms, hrtime around the spawn), peak
 * RSS of the child (MB; GNU time's "Maximum resident set size" when /usr/bin/time exists, else null),
 * and its user+sys CPU time (ms; GNU time, else null). Resolves with stdout/stderr/code too.
 */
export function measure(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const useTime = hasGnuTime && opts.time !== false;
    const file = useTime ? TIME : cmd;
    const argv = useTime ? ['-v', cmd, ...args] : args;
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      let rssMB = null;
      let cpuMs = null;
      let exit = code;
      if (useTime) {
        const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
        const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
        const status = /Exit status: (\d+)/.exec(stderr);
        if (rss) rssMB = Number(rss[1]) / 1024;
        if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
        if (status) exit = Number(status[1]);
        const cut = stderr.indexOf('\tCommand being timed:');
        if (cut >= 0) stderr = stderr.slice(0, cut);
      }
      resolve({ code: exit, wallMs, rssMB, cpuMs, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** Runs the built CLI (bin/drctl.js) and fails loudly on an unexpected exit code. */
export async function drctl(args, opts = {}) {
  const r = await measure(process.execPath, [drctlBin, ...args], opts);
  const ok = opts.okCodes ?? [0];
  if (!ok.includes(r.code)) {
    throw new Error(`drctl ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  }
  return r;
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** `ok`/`MISS` with the figure and its target, for the human summary. */
export function verdict(pass) {
  return pass === null || pass === undefined ? '  -  ' : pass ? ' ok  ' : 'MISS ';
}

/** Prints the one machine-readable line, then the human summary lines. */
export function report(result, lines) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const l of lines) process.stdout.write(`${l}\n`);
}

/**
 * Starts `drctl mock serve` in its own process (as a real cloud runs apart from drctl) in dir, waits
 * until it listens, and returns each site's array endpoint and token (from its output), the clouds.yaml
 * it wrote, and stop(): SIGTERM, then resolves when it exited (it writes DRCTL_MOCK_STATS on close).
 */
export function serveMock(dir, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [drctlBin, 'mock', 'serve'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise((r) => child.on('close', (code) => r(code)));
    const fail = (why) => {
      child.kill('SIGTERM');
      reject(new Error(`drctl mock serve ${why}\n${err.slice(-2000)}\n${out.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('did not start in 30 s'), 30_000);
    child.on('error', (e) => fail(e.message));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /clouds\.yaml: (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const sites = {};
      for (const x of out.matchAll(/^\s+(\S+): (http\S+)\s+\(clouds:[^\n]*\n\s+array: (\S+)\s+api-token: (\S+)/gm)) sites[x[1]] = { authUrl: x[2], endpoint: x[3], apiToken: x[4] };
      resolve({
        sites,
        cloudsFile: path.resolve(dir, m[1]),
        pid: child.pid,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      if (!/clouds\.yaml: /.test(out)) fail(`exited with ${code} before it served`);
    });
  });
}
