#!/usr/bin/env node
/**
 * bench/plan-scale: `drctl plan --mock --json` (the built CLI, as a child process) on generated
 * estates of 50, 500 and 5,000 VMs (groups of 10 over three tiers, async protection groups and sync
 * pods alternating; see lib/spec.js).
 *
 * Per size: a spec and `drctl mock init` world in a temp dir, then `--runs` plan runs (default 3).
 * Reported per size (medians over the runs): wall time (hrtime around the child), peak RSS and CPU of
 * the child (GNU time -v: "Maximum resident set size", user+sys), HTTP requests per site per service
 * and result pages (counted by the mock server inside the child, DRCTL_MOCK_STATS), and the time the
 * mock itself spent (handlers + world file I/O) as a share of the wall time.
 *
 *   node bench/plan-scale.js [--sizes 50,500,5000] [--runs 3] [--keep]
 * Targets at 5,000 VMs: wall ≤ 3 s, peak RSS ≤ 300 MB, requests ≤ 2 × result pages.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchSpec } from './lib/spec.js';
import { summarizeStats, requestLine } from './lib/stats.js';
import { cleanup, drctl, hasGnuTime, machine, median, parseArgs, readJson, report, round, tempDir, verdict } from './lib/util.js';

export const TARGETS = { vms: 5000, wallMs: 3000, rssMB: 300, requestsPerPage: 2 };

async function one(vms, runs, keep) {
  const dir = tempDir(`plan-${vms}`);
  try {
    writeFileSync(path.join(dir, 'spec.yaml'), benchSpec({ vms }));
    const init = await drctl(['mock', 'init', 'spec.yaml'], { cwd: dir, time: false });
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const statsFile = path.join(dir, `stats-${i}.json`);
      const r = await drctl(['plan', '--mock', '--json', 'spec.yaml'], { cwd: dir, env: { DRCTL_MOCK_STATS: statsFile } });
      const plan = JSON.parse(r.stdout);
      const st = summarizeStats(readJson(statsFile));
      samples.push({ wallMs: r.wallMs, rssMB: r.rssMB, cpuMs: r.cpuMs, plan, st });
    }
    const last = samples[samples.length - 1];
    const wallMs = median(samples.map((s) => s.wallMs));
    const mockMs = median(samples.map((s) => s.st.mockMs));
    return {
      vms,
      groups: Math.ceil(vms / 10),
      runs,
      worldInitMs: round(init.wallMs, 0),
      wallMs: round(wallMs, 0),
      wallMsRuns: samples.map((s) => round(s.wallMs, 0)),
      rssMB: round(median(samples.map((s) => s.rssMB)), 1),
      cpuMs: round(median(samples.map((s) => s.cpuMs)), 0),
      requests: last.st.requests,
      resultPages: last.st.resultPages,
      pagesServed: last.st.pagesServed,
      requestsPerPage: round(last.st.requests / Math.max(1, last.st.resultPages), 2),
      perSite: last.st.perSite,
      mock: {
        ms: round(mockMs, 0),
        handlerMs: round(median(samples.map((s) => s.st.handlerMs)), 0),
        worldIoMs: round(median(samples.map((s) => s.st.worldWriteMs + s.st.refreshMs)), 0),
        shareOfWall: round(mockMs / wallMs, 3),
      },
      plan: { groups: last.plan.summary.groups, actions: last.plan.summary.actions, steps: last.plan.summary.steps, blockers: last.plan.blockers.length },
      ...(keep ? { dir } : {}),
    };
  } finally {
    cleanup(dir, keep);
  }
}

export async function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  const sizes = String(args.sizes ?? '50,500,5000').split(',').map(Number);
  const runs = Number(args.runs ?? 3);
  const m = machine();
  const results = [];
  for (const vms of sizes) results.push(await one(vms, runs, Boolean(args.keep)));
  const big = results.find((r) => r.vms === TARGETS.vms);
  const pass = big
    ? {
        wall: big.wallMs <= TARGETS.wallMs,
        rss: big.rssMB === null ? null : big.rssMB <= TARGETS.rssMB,
        requests: big.requests <= TARGETS.requestsPerPage * big.resultPages,
      }
    : null;
  const mockBottleneck = results.filter((r) => r.mock.shareOfWall >= 0.5).map((r) => r.vms);
  const result = {
    bench: 'plan-scale',
    ...m,
    rss: hasGnuTime ? 'GNU time -v of the child (maximum resident set size)' : 'unavailable (no /usr/bin/time)',
    targets: TARGETS,
    results,
    pass,
    mockBottleneck,
  };
  const lines = [
    `plan-scale — drctl plan --mock --json, median of ${runs} run(s); load ${m.loadavg.join(' ')} on ${m.cpus} CPUs; commit ${m.commit}${m.dirtyTree ? ' (+ uncommitted changes)' : ''}`,
    '     VMs groups    wall   cpu    RSS   requests  result pages  req/page  mock share   (targets at 5,000: wall ≤ 3000 ms, RSS ≤ 300 MB, req/page ≤ 2)',
  ];
  for (const r of results) {
    lines.push(
      `  ${String(r.vms).padStart(6)} ${String(r.groups).padStart(6)} ${String(r.wallMs).padStart(6)}ms ${String(r.cpuMs ?? '-').padStart(5)}ms ${String(r.rssMB ?? '-').padStart(5)}MB ${String(r.requests).padStart(8)} ${String(r.resultPages).padStart(12)} ${String(r.requestsPerPage).padStart(9)} ${String(Math.round(r.mock.shareOfWall * 100)).padStart(9)}%`,
    );
    lines.push(`         requests/result pages per site and service: ${requestLine(r.perSite)}`);
  }
  if (big && pass) {
    lines.push(`  ${verdict(pass.wall)} wall at 5,000 VMs: ${big.wallMs} ms (target ≤ ${TARGETS.wallMs} ms; CPU ${big.cpuMs} ms)`);
    lines.push(`  ${verdict(pass.rss)} peak RSS at 5,000 VMs: ${big.rssMB} MB (target ≤ ${TARGETS.rssMB} MB)`);
    lines.push(`  ${verdict(pass.requests)} requests at 5,000 VMs: ${big.requests} for ${big.resultPages} result pages (target ≤ ${TARGETS.requestsPerPage} × pages = ${TARGETS.requestsPerPage * big.resultPages})`);
  }
  lines.push(
    mockBottleneck.length
      ? `  MOCK IS THE BOTTLENECK at ${mockBottleneck.join(', ')} VMs: it spent ≥ 50% of the wall time in handlers and world file I/O`
      : `  the mock is not the bottleneck: its handlers and world file I/O take ${results.map((r) => `${Math.round(r.mock.shareOfWall * 100)}%`).join(' / ')} of the wall time`,
  );
  report(result, lines);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`plan-scale failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  });
}
