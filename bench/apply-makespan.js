#!/usr/bin/env node
/**
 * bench/apply-makespan: a planned failover site-a → site-b of 20 groups × 10 VMs × 3 tiers (async
 * protection groups; see --mixed below), applied by the built CLI against the mock with
 * latency injected: 50 ms on every API call of both sites (latency fault), servers boot in 2 s and
 * stop in 0.5 s, array snapshots transfer in 5 s (mock settings).
 *
 * Per run (a fresh world each time): `drctl apply --mock --auto-approve --json spec.yaml` at the
 * default parallelism, and again with `--parallelism 1` as the naive comparison. From the journal
 * (.drctl/state.json): the makespan (first operation start → last operation end), each step's
 * measured duration, and the critical path of the same DAG with the measured durations (what perfect
 * scheduling would reach with these steps). The bound: the critical path with the cost model of
 * lib/model.js (round trips × latency + the cloud's own waits). Target: makespan / bound ≤ 1.2 at the
 * default parallelism.
 *
 * All groups are async (protection groups) by default: a sync (pod) failover stops at volume.import
 * today (the pod's array volumes are named `<pod>::<vol>`, the import looks for `<vol>`); `--mixed`
 * alternates async and sync groups once that works.
 *
 * Mock placement (`--mock`, default in-process): `in-process` = `drctl apply --mock` (the mock server runs
 * inside the drctl process and shares its event loop, as CI life cycles run it); `external` = the mock
 * in a process of its own (`drctl mock serve`), reached by drctl as real clouds (clouds.yaml, array
 * endpoints and tokens) — as a real cloud runs apart from drctl.
 *
 *   node bench/apply-makespan.js [--groups 20] [--runs 3] [--latency 50] [--naive-runs 1] [--mock in-process|external|both] [--mixed] [--keep]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { longestPath, operationBound, stepCost } from './lib/model.js';
import { benchSpec } from './lib/spec.js';
import { summarizeStats, requestLine } from './lib/stats.js';
import { cleanup, drctl, machine, median, parseArgs, readJson, report, round, serveMock, tempDir, verdict } from './lib/util.js';

export const TARGETS = { ratio: 1.2 };
const SETTINGS = { bootSeconds: 2, stopSeconds: 0.5, startSeconds: 0.5, transferSeconds: 5 };

const ms = (iso) => Date.parse(iso);

async function run({ groups, latency, parallelism, keep, mixed, external }) {
  const dir = tempDir(`apply-${external ? 'ext' : 'inproc'}-p${parallelism ?? 'default'}`);
  try {
    const vms = groups * 10;
    const syncEvery = mixed ? 2 : 0;
    writeFileSync(path.join(dir, 'spec-a.yaml'), benchSpec({ vms, activeSite: 'site-a', syncEvery }));
    writeFileSync(path.join(dir, 'spec.yaml'), benchSpec({ vms, activeSite: 'site-b', syncEvery }));
    await drctl(
      ['mock', 'init', 'spec-a.yaml', '--boot-seconds', String(SETTINGS.bootSeconds), '--stop-seconds', String(SETTINGS.stopSeconds), '--start-seconds', String(SETTINGS.startSeconds), '--transfer-seconds', String(SETTINGS.transferSeconds)],
      { cwd: dir, time: false },
    );
    for (const s of ['site-a', 'site-b']) await drctl(['mock', 'fault', 'add', s, 'latency', '--ms', String(latency)], { cwd: dir, time: false });
    const statsFile = path.join(dir, 'stats.json');
    const par = parallelism ? ['--parallelism', String(parallelism)] : [];
    let r;
    if (external) {
      // The mock in a process of its own (`drctl mock serve`), as a real cloud runs apart from drctl:
      // drctl reaches it as real clouds (clouds.yaml the server wrote, array endpoints and tokens).
      const serve = await serveMock(dir, { DRCTL_MOCK_STATS: statsFile });
      try {
        const endpoints = Object.fromEntries(Object.entries(serve.sites).map(([k, v]) => [k, v.endpoint]));
        writeFileSync(path.join(dir, 'spec.yaml'), benchSpec({ vms, activeSite: 'site-b', syncEvery, external: endpoints }));
        const env = { OS_CLIENT_CONFIG_FILE: serve.cloudsFile, FA_A_TOKEN: serve.sites['site-a']?.apiToken, FA_B_TOKEN: serve.sites['site-b']?.apiToken };
        r = await drctl(['apply', '--auto-approve', '--json', 'spec.yaml', ...par], { cwd: dir, env });
      } finally {
        await serve.stop();
      }
    } else {
      r = await drctl(['apply', '--mock', '--auto-approve', '--json', 'spec.yaml', ...par], { cwd: dir, env: { DRCTL_MOCK_STATS: statsFile } });
    }
    const state = readJson(path.join(dir, '.drctl/state.json'));
    const spec = benchSpecTypes(groups, mixed);
    const ops = state.operations.filter((o) => o.type === 'failover');
    if (ops.length !== groups || ops.some((o) => o.status !== 'completed')) {
      throw new Error(`expected ${groups} completed failovers, got ${ops.map((o) => `${o.group}:${o.status}`).join(', ')}`);
    }
    const start = Math.min(...ops.map((o) => ms(o.startedAt)));
    const end = Math.max(...ops.map((o) => ms(o.completedAt)));
    let bound = 0;
    let measuredCp = 0;
    const perName = {};
    let steps = 0;
    for (const o of ops) {
      const type = spec[o.group];
      bound = Math.max(bound, operationBound(o.steps, type, SETTINGS, latency));
      measuredCp = Math.max(measuredCp, longestPath(o.steps, (s) => (s.startedAt && s.endedAt ? ms(s.endedAt) - ms(s.startedAt) : 0)));
      for (const s of o.steps) {
        steps++;
        const k = `${s.name}${['storage.final-sync', 'storage.wait-transfer', 'storage.promote', 'storage.demote', 'storage.reverse-replication'].includes(s.name) ? ` (${type})` : ''}`;
        const c = stepCost(s, type, SETTINGS);
        const x = (perName[k] ??= { count: 0, modelMs: c.rt * latency + c.waitMs, durations: [] });
        x.count++;
        if (s.startedAt && s.endedAt) x.durations.push(ms(s.endedAt) - ms(s.startedAt));
      }
    }
    const st = summarizeStats(readJson(statsFile));
    return {
      wallMs: r.wallMs,
      rssMB: r.rssMB,
      cpuMs: r.cpuMs,
      makespanMs: end - start,
      boundMs: bound,
      measuredCpMs: measuredCp,
      steps,
      perName,
      st,
      ...(keep ? { dir } : {}),
    };
  } finally {
    cleanup(dir, keep);
  }
}

function benchSpecTypes(groups, mixed) {
  // Same rule as lib/spec.js: with --mixed, odd groups are sync pods.
  const out = {};
  for (let g = 0; g < groups; g++) out[`g${String(g).padStart(4, '0')}`] = mixed && g % 2 === 1 ? 'sync' : 'async';
  return out;
}

function summarize(label, runs) {
  const pick = (f) => median(runs.map(f));
  const last = runs[runs.length - 1];
  const perName = {};
  for (const [k, x] of Object.entries(last.perName)) perName[k] = { count: x.count, modelMs: x.modelMs, medianMs: round(median(x.durations), 0), maxMs: Math.max(...x.durations) };
  const makespan = pick((r) => r.makespanMs);
  const bound = pick((r) => r.boundMs);
  return {
    label,
    runs: runs.length,
    makespanMs: round(makespan, 0),
    makespanMsRuns: runs.map((r) => round(r.makespanMs, 0)),
    boundMs: round(bound, 0),
    ratio: round(makespan / bound, 3),
    measuredCriticalPathMs: round(pick((r) => r.measuredCpMs), 0),
    schedulingGapMs: round(makespan - pick((r) => r.measuredCpMs), 0),
    applyWallMs: round(pick((r) => r.wallMs), 0),
    rssMB: round(pick((r) => r.rssMB), 1),
    cpuMs: round(pick((r) => r.cpuMs), 0),
    steps: last.steps,
    requests: last.st.requests,
    perSite: last.st.perSite,
    mock: {
      handlerMs: round(pick((r) => r.st.handlerMs), 0),
      worldWrites: last.st.worldWrites,
      worldWriteMs: round(pick((r) => r.st.worldWriteMs), 0),
      requestsWaitingForWritesMs: round(pick((r) => r.st.commitWaitMs), 0),
      latencySleptMs: round(last.st.latencyMs, 0),
      processCpuMs: round(pick((r) => r.st.processCpuMs), 0),
      worldAppends: last.st.worldAppends,
      worldSnapshots: last.st.worldSnapshots,
      shareOfWall: round(pick((r) => r.st.mockMs / r.wallMs), 3),
    },
    topApis: Object.entries(last.st.perApi)
      .sort((a, b) => b[1].requests - a[1].requests)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v.requests}`),
    perStep: perName,
  };
}

const MODES = { 'in-process': false, external: true };

export async function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  const groups = Number(args.groups ?? 20);
  const runs = Number(args.runs ?? 3);
  const naiveRuns = Number(args['naive-runs'] ?? 1);
  const latency = Number(args.latency ?? 50);
  const keep = Boolean(args.keep);
  const mixed = Boolean(args.mixed);
  const modeArg = String(args.mock ?? 'in-process');
  const modes = modeArg === 'both' ? ['in-process', 'external'] : [modeArg];
  if (modes.some((x) => !(x in MODES))) throw new Error(`--mock must be in-process, external or both (got ${modeArg})`);
  const m = machine();
  const byMode = {};
  for (const mode of modes) {
    const external = MODES[mode];
    const def = [];
    for (let i = 0; i < runs; i++) def.push(await run({ groups, latency, keep, mixed, external }));
    const naive = [];
    for (let i = 0; i < naiveRuns; i++) naive.push(await run({ groups, latency, parallelism: 1, keep, mixed, external }));
    byMode[mode] = { default: summarize(`default parallelism`, def), naive: naiveRuns ? summarize('--parallelism 1', naive) : null };
  }
  const primary = byMode['in-process'] ?? byMode.external;
  const pass = Object.fromEntries(Object.entries(byMode).map(([k, v]) => [k === 'in-process' ? 'ratio' : 'ratioExternal', v.default.ratio <= TARGETS.ratio]));
  const mockBottleneck = byMode['in-process'] ? byMode['in-process'].default.mock.shareOfWall >= 0.5 : false;
  const result = {
    bench: 'apply-makespan',
    ...m,
    setup: {
      groups,
      vmsPerGroup: 10,
      tiers: 3,
      latencyMsPerCall: latency,
      ...SETTINGS,
      replication: mixed ? 'async and sync alternating' : 'async (protection groups)',
      mock: modes,
    },
    model: 'per step: round trips × latency + the cloud wait (bench/lib/model.js); bound = longest path of the longest operation',
    targets: TARGETS,
    default: primary.default,
    naive: primary.naive,
    ...(byMode.external && byMode['in-process'] ? { external: byMode.external } : {}),
    pass,
    mockBottleneck,
  };
  const lines = [
    `apply-makespan — failover of ${groups} groups × 10 VMs × 3 tiers, ${latency} ms per API call, boot ${SETTINGS.bootSeconds} s, stop ${SETTINGS.stopSeconds} s, transfer ${SETTINGS.transferSeconds} s; load ${m.loadavg.join(' ')} on ${m.cpus} CPUs; commit ${m.commit}${m.dirtyTree ? ' (+ uncommitted changes)' : ''}`,
  ];
  for (const [mode, { default: a, naive: b }] of Object.entries(byMode)) {
    lines.push(
      mode === 'external'
        ? '  mock in its own process (drctl mock serve; drctl reaches it as real clouds: clouds.yaml, array endpoints):'
        : '  mock in the drctl process (apply --mock, as CI life cycles run it):',
    );
    for (const x of [a, b].filter(Boolean)) {
      lines.push(
        `    ${x.label.padEnd(20)} makespan ${x.makespanMs} ms (median of ${x.runs}: ${x.makespanMsRuns.join(', ')}), bound ${x.boundMs} ms, ratio ${x.ratio}; critical path of the measured steps ${x.measuredCriticalPathMs} ms (scheduling gap ${x.schedulingGapMs} ms); apply process ${x.applyWallMs} ms, CPU ${x.cpuMs} ms, RSS ${x.rssMB} MB; ${x.requests} requests`,
      );
    }
    lines.push(`    ${verdict(a.ratio <= TARGETS.ratio)} ratio at the default parallelism: ${a.ratio} (target ≤ ${TARGETS.ratio})${b ? `; --parallelism 1: ${b.ratio}` : ''}`);
    lines.push(`    requests per site and service (default run): ${requestLine(a.perSite)}`);
    lines.push(`    most called: ${a.topApis.join(' · ')}`);
    lines.push('    step (count): model ms → measured median ms (max)');
    for (const [k, v] of Object.entries(a.perStep).sort((x, y) => y[1].medianMs - y[1].modelMs - (x[1].medianMs - x[1].modelMs))) {
      lines.push(`      ${k.padEnd(40)} ${String(v.count).padStart(4)}: ${String(v.modelMs).padStart(5)} → ${String(v.medianMs).padStart(5)} (${v.maxMs})`);
    }
    const writes = `${a.mock.worldWrites} world writes (${a.mock.worldAppends ?? '?'} change-log appends, ${a.mock.worldSnapshots ?? '?'} snapshots) ${a.mock.worldWriteMs} ms`;
    if (mode === 'external') {
      lines.push(`    mock process: CPU ${a.mock.processCpuMs} ms (handlers ${a.mock.handlerMs} ms, ${writes}) — on a core of its own when the machine is idle`);
    } else {
      lines.push(
        a.mock.shareOfWall >= 0.5
          ? `    MOCK IS THE BOTTLENECK: its handlers (${a.mock.handlerMs} ms) + ${writes} took ${Math.round(a.mock.shareOfWall * 100)}% of the apply's wall time`
          : `    mock busy ${Math.round(a.mock.shareOfWall * 100)}% of the apply's wall time (shared event loop): handlers ${a.mock.handlerMs} ms + ${writes}; injected latency not counted`,
      );
    }
  }
  report(result, lines);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`apply-makespan failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  });
}
