/**
 * The run report's timeline: an inline SVG Gantt chart of the steps, one row per step, grouped in lanes
 * per phase and tier, on a time axis from the operation's start. Plain SVG (no script, no external
 * font or image), every text escaped.
 */
import { esc } from './escape.js';
import { humanDuration, type ReportModel, type ReportStep } from './model.js';

export const STATUS_COLORS: Record<string, string> = {
  done: '#2e7d32',
  failed: '#c62828',
  intent: '#ef6c00',
  rolled_back: '#6d4c41',
  pending: '#9e9e9e',
};

const W = 1100;
const LABEL_W = 330;
const X0 = LABEL_W + 10;
const X1 = W - 70;
const AXIS_H = 44;
const LANE_H = 22;
const ROW_H = 18;
const BAR_H = 12;

/** A "nice" tick interval (ms) giving at most ~10 ticks over the window. */
export function tickStep(windowMs: number): number {
  const candidates = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
  for (const c of candidates) if (windowMs / c <= 10) return c;
  return Math.ceil(windowMs / 10 / 86_400_000) * 86_400_000;
}

function tickLabel(ms: number, step: number): string {
  if (step < 1000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 60_000 || step < 60_000) {
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m}m` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}`;
}

function label(s: ReportStep): string {
  const what = s.target ?? s.site ?? '';
  const text = `${s.name}${what ? ` ${what}` : ''}`;
  return text.length > 46 ? `${text.slice(0, 45)}…` : text;
}

export function renderGantt(m: ReportModel): string {
  const scale = (ms: number) => X0 + (Math.max(0, ms) / m.windowMs) * (X1 - X0);
  const rows = m.lanes.reduce((n, l) => n + 1 + l.steps.length, 0);
  const height = AXIS_H + m.lanes.length * LANE_H + (rows - m.lanes.length) * ROW_H + 16;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" ` +
      `aria-label="${esc(`Timeline of ${m.steps.length} steps of ${m.title}`)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">`,
  );
  parts.push(`<title>${esc(`Timeline of ${m.title} (${m.opId})`)}</title>`);
  parts.push(
    '<defs><pattern id="open" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<rect width="6" height="6" fill="${STATUS_COLORS.intent}"/><rect width="3" height="6" fill="#ffe0b2"/></pattern></defs>`,
  );

  // Downtime band (the measured RTO) behind everything.
  if (m.downtime) {
    const x = scale(m.downtime.startMs);
    const w = Math.max(1, scale(m.downtime.endMs) - x);
    parts.push(`<rect class="downtime" x="${x.toFixed(1)}" y="${AXIS_H - 14}" width="${w.toFixed(1)}" height="${height - AXIS_H + 6}" fill="#c62828" fill-opacity="0.07"/>`);
    parts.push(`<text x="${(x + 3).toFixed(1)}" y="${AXIS_H - 4}" fill="#b71c1c" font-size="10">${esc(m.type === 'drill' ? `drill boot · ${humanDuration(m.rto.ms)}` : `workload down · RTO ${humanDuration(m.rto.ms)}`)}</text>`);
  }

  // Axis and grid.
  const step = tickStep(m.windowMs);
  parts.push(`<line x1="${X0}" y1="${AXIS_H - 18}" x2="${X1}" y2="${AXIS_H - 18}" stroke="#9e9e9e"/>`);
  for (let ms = 0; ms <= m.windowMs + 1e-6; ms += step) {
    const x = scale(ms).toFixed(1);
    parts.push(`<line x1="${x}" y1="${AXIS_H - 22}" x2="${x}" y2="${height - 10}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${x}" y="${AXIS_H - 26}" text-anchor="middle" fill="#616161">${esc(tickLabel(ms, step))}</text>`);
  }
  parts.push(`<text x="8" y="${AXIS_H - 26}" fill="#616161">${esc(`time since ${m.startedAt}`)}</text>`);

  let y = AXIS_H;
  for (const lane of m.lanes) {
    parts.push(`<g class="lane" data-lane="${esc(lane.key)}">`);
    parts.push(`<rect x="0" y="${y}" width="${W}" height="${LANE_H}" fill="#eceff1"/>`);
    parts.push(`<text x="8" y="${y + 15}" font-weight="600" fill="#263238">${esc(lane.label)}</text>`);
    parts.push(`<text x="${X1 + 4}" y="${y + 15}" fill="#546e7a" font-size="10">${esc(`${lane.steps.length} step${lane.steps.length === 1 ? '' : 's'}`)}</text>`);
    y += LANE_H;
    for (const s of lane.steps) {
      const cy = y + (ROW_H - BAR_H) / 2;
      parts.push(`<g class="row" data-step="${esc(s.id)}">`);
      parts.push(`<title>${esc(`${s.id} — ${s.description}\nstatus ${s.status} · attempts ${s.attempts} · ${s.site ?? ''}${s.durationMs !== undefined ? ` · ${humanDuration(s.durationMs)}` : ''}${s.error ? `\nerror: ${s.error}` : ''}`)}</title>`);
      parts.push(`<text x="18" y="${y + 13}" fill="#37474f">${esc(label(s))}</text>`);
      if (s.startMs === undefined || s.endMs === undefined) {
        parts.push(`<text x="${X0 + 2}" y="${y + 13}" fill="#9e9e9e" font-style="italic">not run</text>`);
      } else {
        const x = scale(s.startMs);
        const w = Math.max(2, scale(s.endMs) - x);
        const fill = s.open ? 'url(#open)' : (STATUS_COLORS[s.status] ?? '#607d8b');
        parts.push(`<rect class="bar bar-${esc(s.status)}" data-step="${esc(s.id)}" x="${x.toFixed(1)}" y="${cy}" width="${w.toFixed(1)}" height="${BAR_H}" rx="2" fill="${fill}"/>`);
        if (s.compensation?.startMs !== undefined) {
          const cx = scale(s.compensation.startMs);
          const cw = Math.max(2, scale(s.compensation.endMs ?? m.windowMs) - cx);
          parts.push(`<rect class="comp" x="${cx.toFixed(1)}" y="${cy + BAR_H - 3}" width="${cw.toFixed(1)}" height="4" fill="#6a1b9a"/>`);
        }
        const note = `${s.open ? 'cut short' : humanDuration(s.durationMs)}${s.attempts > 1 ? ` · ×${s.attempts}` : ''}${s.status === 'failed' ? ' · failed' : ''}`;
        const tx = x + w + 4;
        parts.push(`<text x="${Math.min(tx, X1 + 4).toFixed(1)}" y="${y + 13}" fill="${s.status === 'failed' ? '#b71c1c' : '#616161'}" font-size="10">${esc(note)}</text>`);
      }
      parts.push('</g>');
      y += ROW_H;
    }
    parts.push('</g>');
  }

  if (m.pointOfNoReturnMs !== undefined) {
    const x = scale(m.pointOfNoReturnMs).toFixed(1);
    parts.push(`<line class="pnr" x1="${x}" y1="${AXIS_H - 16}" x2="${x}" y2="${height - 10}" stroke="#1565c0" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x}" y="${height - 2}" text-anchor="middle" fill="#1565c0" font-size="10">point of no return (storage promoted)</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
