#!/usr/bin/env node
/**
 * `npm run bench` (after `npm run build`): runs every benchmark, one child process each, and passes
 * their output through: one JSON line of figures per benchmark, then its human summary with the
 * targets beside the figures. Exits 0 when every benchmark ran (a missed target is a figure, not a
 * failure); 1 when one could not run.
 *
 *   node bench/run.js [--only plan-scale,apply-makespan,journal-overhead] [-- args for every script]
 * e.g. node bench/run.js --only plan-scale -- --sizes 50,500 --runs 1
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/util.js';

const ALL = ['plan-scale', 'apply-makespan', 'journal-overhead'];

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep >= 0 ? argv.slice(0, sep) : argv;
const passthrough = sep >= 0 ? argv.slice(sep + 1) : [];
const onlyAt = own.indexOf('--only');
const only = onlyAt >= 0 ? String(own[onlyAt + 1] ?? '').split(',').filter(Boolean) : ALL;

if (!existsSync(path.join(repoRoot, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
  process.exit(1);
}

const run = (name) =>
  new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(repoRoot, 'bench', `${name}.js`), ...passthrough], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => resolve({ name, code, seconds: Math.round((Date.now() - t0) / 1000) }));
  });

const results = [];
for (const name of only) {
  if (!ALL.includes(name)) {
    console.error(`bench: unknown benchmark ${name} (${ALL.join(', ')})`);
    process.exit(1);
  }
  process.stdout.write(`\n== ${name}\n`);
  results.push(await run(name));
}
process.stdout.write(`\n== done: ${results.map((r) => `${r.name} ${r.code === 0 ? 'ran' : `FAILED (exit ${r.code})`} in ${r.seconds} s`).join(', ')}\n`);
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
