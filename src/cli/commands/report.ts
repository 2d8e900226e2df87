/**
 * `drctl report OP_ID --out FILE.html`: a self-contained HTML run report of one operation, made from
 * the state file alone (global --state). `--out=-` writes the HTML to stdout.
 */
import { readFileSync } from 'node:fs';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { DrctlError } from '../../errors.js';
import { ReportCode } from '../../report/codes.js';
import { renderReport } from '../../report/html.js';
import { findOperation } from '../../state/journal.js';
import type { GlobalArgs } from '../context.js';
import type { IoHost } from '../io.js';
import { wrap } from '../run.js';
import { cliStateStore, displayPath } from './state.js';

export interface ReportCliArgs extends GlobalArgs {
  id: string;
  out?: string;
}

function drctlVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    return pkg.name === 'drctl' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) {
    throw new DrctlError(ReportCode.writeFailed, `Cannot write ${file}: the directory ${dir} does not exist.`, { hint: `Create it first (mkdir -p ${dir}) or choose another --out.` });
  }
  const existing = await stat(file).catch(() => null);
  if (existing?.isDirectory()) {
    throw new DrctlError(ReportCode.badOut, `--out ${file} is a directory.`, { hint: 'Give a file name, e.g. --out report.html' });
  }
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new DrctlError(ReportCode.writeFailed, `Cannot write ${file}: ${e.code ?? ''} ${e.message}`.trim(), { hint: 'Check the path and its permissions.', cause: err });
  }
}

export async function runReportCli(argv: ReportCliArgs, io: IoHost, now: () => number = Date.now): Promise<number> {
  const out = argv.out;
  if (typeof out !== 'string' || out.trim() === '') {
    throw new DrctlError(ReportCode.badOut, 'drctl report needs --out FILE.html (or --out=- for stdout).', { hint: 'Example: drctl report op-… --out failover.html' });
  }
  const store = cliStateStore(argv);
  const data = await store.load();
  const op = findOperation(data, String(argv.id), displayPath(store.path));
  const version = drctlVersion();
  const html = renderReport(op, { now: now(), stateFile: displayPath(store.path), ...(version ? { version } : {}) });
  if (out === '-') {
    io.out(html);
    return 0;
  }
  const file = path.resolve(out);
  await writeAtomically(file, html);
  const done = op.steps.filter((s) => s.status === 'done').length;
  io.info(`Report of ${op.type} ${op.group} (${op.id}, ${op.status}, ${done}/${op.steps.length} steps done) written to ${displayPath(file)}.`);
  return 0;
}

export const reportCommand: CommandModule = {
  command: 'report <id>',
  describe: 'Write a self-contained HTML run report of an operation (who, when, RTO, data loss, steps, timeline)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Operation id (or an unambiguous prefix), see drctl ops list' })
      .option('out', { type: 'string', demandOption: true, describe: 'FILE.html to write (--out=- for stdout)' }),
  handler: wrap<ReportCliArgs>((argv, io) => runReportCli(argv, io)),
};
