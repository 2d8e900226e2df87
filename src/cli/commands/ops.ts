import type { CommandModule } from 'yargs';
import { findOperation, toOperationSummary } from '../../state/journal.js';
import type { JournalStep, OperationRecord } from '../../state/types.js';
import { wrap } from '../run.js';
import { cliStateStore, displayPath } from './state.js';

/** 850 ms → "0.9s", 12.3 s → "12.3s", 263 s → "4m23s", 3720 s → "1h02m". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const span = (a?: string | null, b?: string | null): number | undefined =>
  a && b ? Date.parse(b) - Date.parse(a) : undefined;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function stepDuration(s: JournalStep): number | undefined {
  return span(s.startedAt, s.endedAt);
}

/** `ops show --json`: the record plus durations. */
export function operationDetail(op: OperationRecord) {
  return {
    ...toOperationSummary(op),
    durationMs: span(op.startedAt, op.completedAt) ?? null,
    planDigest: op.planDigest ?? null,
    spec: op.spec ?? null,
    rolledBack: op.rolledBack ?? false,
    warnings: op.warnings,
    events: op.events ?? [],
    steps: op.steps.map((s) => ({ ...s, durationMs: stepDuration(s) ?? null })),
  };
}

export const opsCommand: CommandModule = {
  command: 'ops',
  describe: 'Operations in the journal',
  builder: (y) =>
    y
      .command({
        command: 'list',
        describe: 'List operations',
        builder: (yy) => yy.option('json', { type: 'boolean', describe: 'Machine-readable output (DESIGN ops shape)' }),
        handler: wrap<{ json?: boolean }>(async (argv, io) => {
          const store = cliStateStore(argv);
          const data = await store.load();
          const ops = data?.operations ?? [];
          if (argv.json) {
            io.out(JSON.stringify(ops.map(toOperationSummary), null, 2));
            return 0;
          }
          if (ops.length === 0) {
            io.out(`No operations in ${displayPath(store.path)}${data === null ? ' (no state file yet)' : ''}.`);
            return 0;
          }
          const rows = [['ID', 'TYPE', 'GROUP', 'STATUS', 'PROGRESS', 'SITES', 'STARTED', 'DURATION']];
          for (const o of ops) {
            rows.push([
              o.id,
              o.mode === 'unplanned' ? `${o.type} (unplanned)` : o.type,
              o.group,
              o.status,
              `${o.progress}%`,
              o.sourceSite || o.targetSite ? `${o.sourceSite ?? '?'} → ${o.targetSite ?? '?'}` : '—',
              o.startedAt,
              o.completedAt ? formatDuration(span(o.startedAt, o.completedAt)) : '…',
            ]);
          }
          io.out(table(rows));
          return 0;
        }),
      })
      .command({
        command: 'show <id>',
        describe: 'Show one operation with its steps (an unambiguous id prefix is enough)',
        builder: (yy) => yy.positional('id', { type: 'string', demandOption: true }).option('json', { type: 'boolean', describe: 'Machine-readable output' }),
        handler: wrap<{ id: string; json?: boolean }>(async (argv, io) => {
          const store = cliStateStore(argv);
          const data = await store.load();
          const op = findOperation(data, String(argv.id), displayPath(store.path));
          if (argv.json) {
            io.out(JSON.stringify(operationDetail(op), null, 2));
            return 0;
          }
          const lines: string[] = [
            `Operation  ${op.id}`,
            `Type       ${op.type}${op.mode ? ` (${op.mode})` : ''}`,
            `Group      ${op.group}`,
            `Status     ${op.status} — ${op.progress}% (phase ${op.phase})${op.rolledBack ? ', rolled back' : ''}`,
          ];
          if (op.sourceSite || op.targetSite) lines.push(`Sites      ${op.sourceSite ?? '?'} → ${op.targetSite ?? '?'}`);
          if (op.spec) lines.push(`Spec       ${op.spec.name} (sha256 ${op.spec.digest.slice(0, 12)})`);
          lines.push(`Who        ${op.who}`);
          lines.push(`Started    ${op.startedAt}`);
          if (op.completedAt) lines.push(`Finished   ${op.completedAt} (${formatDuration(span(op.startedAt, op.completedAt))})`);
          if (op.dataLossWindowSeconds !== undefined) lines.push(`Data loss  ${op.dataLossWindowSeconds} s of writes (${op.mode === 'planned' ? 'planned, from the last replicated point' : 'unplanned'})`);
          if (op.errorMessage) lines.push(`Error      ${op.errorMessage}`);
          if (op.resumeCommand && op.status !== 'completed') lines.push(`Resume     ${op.resumeCommand}`);
          if (op.warnings.length > 0) {
            lines.push('Warnings');
            for (const w of op.warnings) lines.push(`  - ${w}`);
          }
          lines.push('', 'Steps');
          const rows = [['  STATUS', 'STEP', 'TARGET', 'SITE', 'TRY', 'DURATION']];
          const notes = new Map<number, string[]>();
          op.steps.forEach((s, i) => {
            rows.push([`  ${s.status}`, s.id, s.target ?? '—', s.site ?? '—', String(s.attempt), formatDuration(stepDuration(s))]);
            const n: string[] = [];
            if (s.error) n.push(`      error: ${s.error.message}${s.error.code ? ` [${s.error.code}]` : ''}`);
            if (s.error?.hint && !s.error.message.includes(s.error.hint.replace(/\.$/, ''))) n.push(`      fix: ${s.error.hint}`);
            if (s.compensation) n.push(`      rollback: ${s.compensation.status}${s.compensation.error ? ` — ${s.compensation.error.message}` : ''}`);
            if (n.length) notes.set(i + 1, n);
          });
          const rendered = table(rows).split('\n');
          for (let i = 0; i < rendered.length; i++) {
            lines.push(rendered[i]!);
            for (const n of notes.get(i) ?? []) lines.push(n);
          }
          io.out(lines.join('\n'));
          return 0;
        }),
      })
      .demandCommand(1),
  handler: () => undefined,
};
