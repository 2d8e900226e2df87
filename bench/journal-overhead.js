#!/usr/bin/env node
/**
 * bench/journal-overhead: the time drctl itself adds per step — journal writes (intent/done through
 * the state store: write mutex, then one record appended to the state log `state.json.wal` +
 * fdatasync; now and then a compaction: temp file + fsync, backup link, rename, directory fsync) and
 * the executor's scheduling — with steps that do nothing (zero injected latency). Runs the real
 * executor and journal from dist/ in this process, in a temp dir on the same disk as the repo's tmp.
 *
 * Scenarios (each `--steps` steps, default 1,000, params of plan-step size):
 *   chain          each step depends on the previous one, parallelism 1: one durable write per step
 *                  (the executor records "step done + the next step's intent" in one write);
 *   fan-out        independent steps at the default parallelism (10): group commit shares writes;
 *   chain, no fsync   the chain with fsync(2) of file and directory turned into no-ops: what the
 *                  disk's flushes cost, apart from drctl's CPU;
 *   chain, memory  the chain on an in-memory file system: drctl's CPU per step (serialize, clone,
 *                  schedule), no disk at all;
 *   chain, history the chain with 20 finished 80-step operations already in the journal (after one
 *                  failover of 20 groups): how the state file's size shows up;
 *   chain, log limit 64 KiB   the chain with the log compacted as often as the store allows (once it
 *                  is twice the snapshot): the compactions' cost spread over the steps.
 * The lock's release at the end (a compaction: snapshot + log → one snapshot) is timed apart.
 * Also the raw disk figures: write+fsync of 4 KiB and of a state-sized file, rename + directory fsync.
 *
 *   node bench/journal-overhead.js [--steps 1000] [--runs 3]
 * Target: < 5 ms per step.
 */
import { mkdtempSync, rmSync, openSync, writeSync, fsyncSync, fdatasyncSync, closeSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, median, parseArgs, report, repoRoot, round, verdict } from './lib/util.js';

export const TARGETS = { msPerStep: 5 };
const dist = (p) => import(pathToFileURL(path.join(repoRoot, 'dist', p)).href);

function params(i) {
  return {
    member: `g0000-vm${i}`,
    name: `g0000-vm${i}`,
    flavor: 'm2.large',
    networks: ['net-secondary-web', 'net-secondary-db'],
    securityGroups: ['default'],
    volumes: [{ sourceVolumeId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `g0000-vm${i}-boot`, size: 20, bootable: true, volumeType: 'replicated-ssd', arrayVolume: `volume-00000000-0000-4000-8000-${String(i).padStart(12, '0')}-cinder` }],
    tags: { 'drctl.group': 'g0000', 'drctl.member': `g0000-vm${i}`, 'drctl.role': 'production' },
  };
}

function steps(n, chain, prefix = 'g') {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}/server.create/m-${i}`,
    name: 'server.create',
    phase: 'instances',
    tier: 1,
    site: 'site-b',
    target: `m-${i}`,
    dependsOn: chain && i > 0 ? [`${prefix}/server.create/m-${i - 1}`] : [],
    description: `create m-${i} on site-b from its imported volumes`,
    params: params(i),
  }));
}

function memoryFs() {
  const files = new Map();
  let ino = 1;
  const stat = (p) => (files.has(p) ? { ino: files.get(p).ino, size: files.get(p).text.length, mtimeMs: files.get(p).m } : null);
  return {
    async readFile(p) {
      return files.has(p) ? files.get(p).text : null;
    },
    async stat(p) {
      return stat(p);
    },
    async mkdirp() {},
    async open(p, flags) {
      if (flags === 'wx' && files.has(p)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
      files.set(p, { text: '', ino: ino++, m: Date.now() });
      return {
        async writeAll(data) {
          files.get(p).text = data;
        },
        async sync() {},
        async close() {},
      };
    },
    async rename(from, to) {
      files.set(to, { ...files.get(from), m: Date.now() });
      files.delete(from);
    },
    async link(a, b) {
      files.set(b, { ...files.get(a) });
    },
    async copyFile(a, b) {
      files.set(b, { ...files.get(a), ino: ino++ });
    },
    async unlink(p) {
      files.delete(p);
    },
    async fsyncDir() {},
    async openAppend(p) {
      if (!files.has(p)) files.set(p, { text: '', ino: ino++, m: Date.now() });
      return {
        async append(data) {
          const f = files.get(p) ?? { text: '', ino: ino++, m: Date.now() };
          f.text += data;
          files.set(p, f);
        },
        async datasync() {},
        async close() {},
      };
    },
  };
}

async function scenario({ label, n, chain, parallelism, fsMode, history, walMaxBytes }) {
  const { execute } = await dist('apply/executor.js');
  const { defaultStateEnv } = await dist('state/env.js');
  const { nodeStateFs } = await dist('state/fs.js');
  const { Journal } = await dist('state/journal.js');
  const { acquireLock } = await dist('state/lock.js');
  const { StateStore } = await dist('state/store.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drctl-bench-journal-'));
  try {
    let fs = nodeStateFs();
    if (fsMode === 'nofsync') {
      fs = {
        ...fs,
        open: async (p, f) => ({ ...(await nodeStateFs().open(p, f)), sync: async () => undefined }),
        fsyncDir: async () => undefined,
        ...(fs.openAppend ? { openAppend: async (p) => ({ ...(await nodeStateFs().openAppend(p)), datasync: async () => undefined }) } : {}),
      };
    }
    if (fsMode === 'memory') fs = memoryFs();
    const env = defaultStateEnv({ fs });
    const store = new StateStore({ path: path.join(dir, 'state.json'), env, ...(walMaxBytes ? { walMaxBytes } : {}) });
    const lock = await acquireLock(store, { operation: 'bench' });
    const journal = new Journal(store, lock);
    for (let h = 0; h < history; h++) {
      const op = await journal.open({ type: 'failover', group: `h${h}`, steps: steps(80, false, `h${h}`) });
      await journal.close(op.id, 'completed');
    }
    const op = await journal.open({ type: 'failover', group: 'g', steps: steps(n, chain) });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const res = await execute({
      journal,
      operation: op,
      registry: { 'server.create': async () => ({ created: { server: 'srv' } }) },
      now: env.now,
      timer: env.timer,
      parallelism,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    if (res.status !== 'completed') throw new Error(`${label}: run ${res.status}`);
    const size = (await fs.stat(store.path))?.size ?? 0;
    const walSize = (await fs.stat(`${store.path}.wal`))?.size ?? 0;
    // The release compacts the log into the snapshot (outside the timed run: once per apply).
    const r0 = process.hrtime.bigint();
    await lock.release().catch(() => undefined);
    const releaseMs = Number(process.hrtime.bigint() - r0) / 1e6;
    const finalSize = (await fs.stat(store.path))?.size ?? 0;
    return { label, steps: n, parallelism, msPerStep: ms / n, totalMs: ms, cpuMsPerStep: (cpu.user + cpu.system) / 1000 / n, stateKiB: size / 1024, walKiB: walSize / 1024, finalKiB: finalSize / 1024, releaseMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Raw disk: one record of `bytes` appended (O_APPEND) + fdatasync, median of `n`: a journal write's floor. */
function rawAppend(bytes, n = 200) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drctl-bench-fsync-'));
  try {
    const buf = Buffer.alloc(bytes, 'x');
    const fd = openSync(path.join(dir, 'state.json.wal'), 'a');
    const ts = [];
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      ts.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    closeSync(fd);
    return { bytes, appendFdatasyncMs: median(ts), appendFdatasyncMeanMs: ts.reduce((a, b) => a + b, 0) / n };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Raw disk: write + fsync + close of `bytes`, and rename + directory fsync, median of `n`. */
function rawDisk(bytes, n = 30) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drctl-bench-fsync-'));
  try {
    const buf = Buffer.alloc(bytes, 'x');
    const write = [];
    const rename = [];
    for (let i = 0; i < n; i++) {
      const f = path.join(dir, `f${i}`);
      let t = process.hrtime.bigint();
      const fd = openSync(f, 'w');
      writeSync(fd, buf);
      fsyncSync(fd);
      closeSync(fd);
      write.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      renameSync(f, path.join(dir, 'state.json'));
      const dfd = openSync(dir, 'r');
      fsyncSync(dfd);
      closeSync(dfd);
      rename.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { bytes, writeFsyncMs: median(write), renameDirFsyncMs: median(rename) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  const n = Number(args.steps ?? 1000);
  const runs = Number(args.runs ?? 3);
  const m = machine();
  const defs = [
    { label: 'chain', n, chain: true, parallelism: 1, fsMode: 'disk', history: 0 },
    { label: 'fan-out', n, chain: false, parallelism: 10, fsMode: 'disk', history: 0 },
    { label: 'chain, no fsync', n, chain: true, parallelism: 1, fsMode: 'nofsync', history: 0 },
    { label: 'chain, memory fs', n, chain: true, parallelism: 1, fsMode: 'memory', history: 0 },
    { label: 'chain, 20 ops of history', n, chain: true, parallelism: 1, fsMode: 'disk', history: 20 },
    // The log compacted as often as the store allows (at twice the snapshot's size): what compactions
    // add, amortized over the steps.
    { label: 'chain, log limit 64 KiB', n, chain: true, parallelism: 1, fsMode: 'disk', history: 0, walMaxBytes: 64 * 1024 },
  ];
  const results = [];
  for (const d of defs) {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await scenario(d));
    results.push({
      label: d.label,
      steps: n,
      parallelism: d.parallelism,
      msPerStep: round(median(rs.map((r) => r.msPerStep)), 2),
      msPerStepRuns: rs.map((r) => round(r.msPerStep, 2)),
      cpuMsPerStep: round(median(rs.map((r) => r.cpuMsPerStep)), 2),
      stateKiB: round(rs[0].stateKiB, 0),
      walKiB: round(rs[0].walKiB, 0),
      finalKiB: round(rs[0].finalKiB, 0),
      releaseMs: round(median(rs.map((r) => r.releaseMs)), 1),
    });
  }
  const disk = [rawDisk(4096), rawDisk(Math.max(4096, Math.round(results[0].finalKiB * 1024)))];
  // A chained step's record (done + next intent) is ~2.4 KiB.
  const append = rawAppend(Math.max(256, Math.round((results[0].walKiB * 1024) / n)));
  const by = Object.fromEntries(results.map((r) => [r.label, r]));
  const pass = { chain: by.chain.msPerStep < TARGETS.msPerStep, fanOut: by['fan-out'].msPerStep < TARGETS.msPerStep };
  // One journal write = one append + fdatasync (a compaction, rare, is the temp write + rename path).
  const fsyncFloor = round(append.appendFdatasyncMs, 2);
  const compactionFloor = round(disk[1].writeFsyncMs + disk[1].renameDirFsyncMs, 2);
  const result = {
    bench: 'journal-overhead',
    ...m,
    targets: TARGETS,
    results,
    rawDisk: disk.map((d) => ({ ...d, writeFsyncMs: round(d.writeFsyncMs, 2), renameDirFsyncMs: round(d.renameDirFsyncMs, 2) })),
    rawAppend: { bytes: append.bytes, appendFdatasyncMs: round(append.appendFdatasyncMs, 2), appendFdatasyncMeanMs: round(append.appendFdatasyncMeanMs, 2) },
    fsyncFloorMsPerWrite: fsyncFloor,
    chainBeyondFloorMs: round(by.chain.msPerStep - fsyncFloor, 2),
    compactionFloorMs: compactionFloor,
    pass,
  };
  const lines = [`journal-overhead — ${n} no-op steps through the real executor and journal, median of ${runs}; load ${m.loadavg.join(' ')} on ${m.cpus} CPUs; commit ${m.commit}${m.dirtyTree ? ' (+ uncommitted changes)' : ''}`];
  for (const r of results) {
    lines.push(
      `  ${r.label.padEnd(26)} ${String(r.msPerStep).padStart(7)} ms/step (runs ${r.msPerStepRuns.join(', ')}; CPU ${r.cpuMsPerStep} ms/step; at the end snapshot ${r.stateKiB} KiB + log ${r.walKiB} KiB, compacted by the release to ${r.finalKiB} KiB in ${r.releaseMs} ms)`,
    );
  }
  lines.push(
    `  raw disk: append ${append.bytes} B + fdatasync ${round(append.appendFdatasyncMs, 2)} ms median (mean ${round(append.appendFdatasyncMeanMs, 2)}) → floor of one journal write ≈ ${fsyncFloor} ms; ` +
      `compaction: write+fsync ${Math.round(disk[1].bytes / 1024)} KiB ${round(disk[1].writeFsyncMs, 2)} ms + rename + directory fsync ${round(disk[1].renameDirFsyncMs, 2)} ms (4 KiB: ${round(disk[0].writeFsyncMs, 2)} ms)`,
  );
  lines.push(
    `  drctl's own cost per chained step beyond the disk: chain − one append+fdatasync = ${round(by.chain.msPerStep - fsyncFloor, 2)} ms; best chain run ${Math.min(...by.chain.msPerStepRuns)} ms/step`,
  );
  lines.push(`  ${verdict(pass.chain)} chain: ${by.chain.msPerStep} ms per step (target < ${TARGETS.msPerStep} ms)`);
  lines.push(`  ${verdict(pass.fanOut)} fan-out at parallelism 10: ${by['fan-out'].msPerStep} ms per step (target < ${TARGETS.msPerStep} ms)`);
  if (!pass.chain && fsyncFloor >= TARGETS.msPerStep) lines.push(`  a chained step needs one durable write; this disk's fsync floor (${fsyncFloor} ms) alone exceeds the target`);
  report(result, lines);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`journal-overhead failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  });
}
