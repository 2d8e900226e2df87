/**
 * `drctl report`: one self-contained HTML page per operation, in the spirit of VMware SRM's history
 * report. No script, no external stylesheet, font or image (a Content-Security-Policy forbids them),
 * every text escaped; it reads only the operation record (the journal, already scrubbed).
 */
import { esc } from './escape.js';
import { renderGantt, STATUS_COLORS } from './gantt.js';
import { buildReportModel, humanDuration, type ReportModel } from './model.js';
import type { OperationRecord } from '../state/types.js';

export interface RenderReportOptions {
  /** ms epoch when the report is made. */
  now: number;
  /** Where the journal came from (shown in the footer). */
  stateFile?: string;
  /** drctl version (footer). */
  version?: string;
}

const STATUS_BADGE: Record<string, string> = {
  completed: '#2e7d32',
  failed: '#c62828',
  running: '#1565c0',
  pending: '#757575',
  rolling_back: '#6d4c41',
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121; background: #fafafa; }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; border-bottom: 2px solid #263238; padding-bottom: 8px; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 16px; margin: 28px 0 8px; color: #263238; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 13px; text-transform: uppercase; letter-spacing: .03em; }
.opid { color: #546e7a; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 12px; }
.card .k { font-size: 11px; text-transform: uppercase; color: #757575; letter-spacing: .04em; }
.card .v { font-size: 18px; font-weight: 600; margin-top: 2px; }
.card .s { font-size: 12px; color: #616161; margin-top: 2px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #e0e0e0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eeeeee; vertical-align: top; font-size: 13px; }
th { background: #eceff1; font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
tr.failed td { background: #ffebee; }
tr.intent td { background: #fff3e0; }
tr.pending td { color: #9e9e9e; }
tr.phase td { background: #f5f5f5; font-weight: 600; color: #37474f; }
.st { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 600; }
.err { color: #b71c1c; white-space: pre-wrap; }
ul.msgs { background: #fff; border: 1px solid #e0e0e0; margin: 0; padding: 8px 8px 8px 28px; }
ul.msgs li { margin: 2px 0; white-space: pre-wrap; }
ul.msgs.errors li { color: #b71c1c; }
ul.msgs.warnings li { color: #e65100; }
.none { color: #757575; font-style: italic; }
.timeline { overflow-x: auto; background: #fff; border: 1px solid #e0e0e0; padding: 8px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; border-radius: 2px; }
footer { margin-top: 32px; color: #757575; font-size: 12px; }
`;

function card(k: string, v: string, sub?: string, cls?: string): string {
  return `<div class="card${cls ? ` ${cls}` : ''}"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div>${sub ? `<div class="s">${esc(sub)}</div>` : ''}</div>`;
}

function statusChip(status: string): string {
  return `<span class="st" style="background:${STATUS_COLORS[status] ?? '#607d8b'}">${esc(status.replace('_', ' '))}</span>`;
}

function list(items: string[], cls: string, empty: string): string {
  if (items.length === 0) return `<p class="none">${esc(empty)}</p>`;
  return `<ul class="msgs ${cls}">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

function stepsTable(m: ReportModel): string {
  const head = '<tr><th>#</th><th>Step</th><th>Phase</th><th>Tier</th><th>Site</th><th>Target</th><th>Status</th><th>Attempts</th><th>Start</th><th>Duration</th><th>Error</th></tr>';
  const rows: string[] = [];
  let phase = '';
  for (const s of m.steps) {
    if (s.phase !== phase) {
      phase = s.phase;
      rows.push(`<tr class="phase"><td colspan="11">${esc(phase)}</td></tr>`);
    }
    const err = [s.error ? `${s.error}${s.errorCode ? ` [${s.errorCode}]` : ''}${s.errorHint ? `\nFix: ${s.errorHint}` : ''}` : '', s.compensation ? `rollback ${s.compensation.status}${s.compensation.error ? `: ${s.compensation.error}` : ''}` : '']
      .filter(Boolean)
      .join('\n');
    rows.push(
      `<tr class="step ${esc(s.status)}" data-step="${esc(s.id)}">` +
        `<td class="num">${s.n}</td>` +
        `<td><div>${esc(s.description)}</div><div class="mono">${esc(s.id)}</div></td>` +
        `<td>${esc(s.phase)}</td>` +
        `<td class="num">${s.tier ?? ''}</td>` +
        `<td>${esc(s.site ?? '')}</td>` +
        `<td>${esc(s.target ?? '')}</td>` +
        `<td>${statusChip(s.status)}</td>` +
        `<td class="num">${s.attempts}</td>` +
        `<td class="num">${s.startMs === undefined ? '—' : `+${esc(humanDuration(s.startMs))}`}</td>` +
        `<td class="num">${s.open ? 'cut short' : esc(humanDuration(s.durationMs))}</td>` +
        `<td class="err">${esc(err)}</td>` +
        '</tr>',
    );
  }
  return `<table class="steps"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

export function renderReportModel(m: ReportModel, opts: RenderReportOptions): string {
  const badge = STATUS_BADGE[m.status] ?? '#607d8b';
  const sites = m.sourceSite || m.targetSite ? `${m.sourceSite ?? '?'} → ${m.targetSite ?? '?'}` : '—';
  const ended = m.completedAt ?? 'not finished';
  const stepsLine = `${m.counts.done} done · ${m.counts.failed} failed · ${m.counts.intent} cut short · ${m.counts.rolled_back} rolled back · ${m.counts.pending} not run`;
  const specLine = m.spec ? [m.spec.name, m.spec.file, m.spec.digest ? `sha256 ${m.spec.digest.slice(0, 12)}` : ''].filter(Boolean).join(' · ') : undefined;
  const cards = [
    card('Status', `${m.status}${m.rolledBack ? ' (rolled back)' : ''}`, `progress ${m.progress}%${m.runs > 1 ? ` · ${m.runs} runs (resumed ${m.runs - 1}×)` : ''}`),
    card('Operation', `${m.type}${m.mode ? ` (${m.mode})` : ''}`, `group ${m.group}${specLine ? ` · spec ${specLine}` : ''}`),
    card('Sites', sites),
    card('Measured RTO', m.rto.ms === undefined ? 'n/a' : humanDuration(m.rto.ms), m.rto.basis, 'rto'),
    card('Data-loss window', m.dataLoss.seconds === undefined ? 'none' : humanDuration(m.dataLoss.seconds * 1000), m.dataLoss.text, 'dataloss'),
    card('Duration', humanDuration(m.durationMs), `${m.startedAt} → ${ended}`),
    card('Who', m.who),
    card('Steps', `${m.steps.length}`, stepsLine),
  ];
  const legend = ['done', 'failed', 'intent', 'rolled_back']
    .map((s) => `<span><i style="background:${STATUS_COLORS[s]}"></i>${esc(s === 'intent' ? 'cut short / running' : s.replace('_', ' '))}</span>`)
    .join('') + '<span><i style="background:#6a1b9a"></i>rollback</span><span><i style="background:#c62828;opacity:.15"></i>workload down (RTO)</span>';
  const resume = m.resumeCommand ? `<p><strong>Resume with:</strong> <code class="mono">${esc(m.resumeCommand)}</code></p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="drctl${opts.version ? ` ${esc(opts.version)}` : ''}">
<title>${esc(`drctl run report: ${m.title} — ${m.status} (${m.opId})`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(m.title)}</h1>
<span class="badge" style="background:${badge}">${esc(m.status.replace('_', ' '))}</span>
<span class="opid">${esc(m.opId)}</span>
</header>
<section class="summary">
<div class="cards">
${cards.join('\n')}
</div>
${resume}
</section>
<h2>Errors</h2>
${list(m.errors, 'errors', 'No errors.')}
<h2>Warnings</h2>
${list(m.warnings, 'warnings', 'No warnings.')}
${m.reruns.length ? `<h2>Steps run more than once</h2>\n${list(m.reruns, 'reruns', '')}` : ''}
<h2>Timeline</h2>
<div class="legend">${legend}</div>
<div class="timeline">
${renderGantt(m)}
</div>
<h2>Steps</h2>
${stepsTable(m)}
<h2>History</h2>
${m.events.length === 0 ? '<p class="none">No events recorded.</p>' : `<table class="events"><thead><tr><th>When</th><th>+</th><th>Event</th></tr></thead><tbody>${m.events.map((e) => `<tr><td class="mono">${esc(e.at)}</td><td class="num">+${esc(humanDuration(e.offsetMs))}</td><td>${esc(e.message)}</td></tr>`).join('\n')}</tbody></table>`}
<footer>
Generated by drctl${opts.version ? ` ${esc(opts.version)}` : ''} at ${esc(m.generatedAt)}${opts.stateFile ? ` from ${esc(opts.stateFile)}` : ''}${m.planDigest ? ` · plan facts digest ${esc(m.planDigest)}` : ''}. Read-only: made from the journal alone (secrets are never journaled).
</footer>
</body>
</html>
`;
}

/** The whole report for one operation record. */
export function renderReport(op: OperationRecord, opts: RenderReportOptions): string {
  return renderReportModel(buildReportModel(op, { now: opts.now }), opts);
}
