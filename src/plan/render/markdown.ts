/**
 * Markdown rendering for a pull-request comment: a summary table, blockers with their way out,
 * drift, warnings, then one collapsible <details> per action with its steps in a ```diff block
 * (GitHub colours + and - lines). Never longer than `maxChars` (GitHub's comment limit is 65,536):
 * when the plan does not fit it is cut at a line boundary and says so, pointing to the full JSON.
 */
import { topoOrder } from '../dag.js';
import { formatDuration } from '../format.js';
import type { GroupOverview, Plan, PlanAction } from '../types.js';
import { LEGEND, byPhase, symbolOf } from './symbols.js';
import { summaryLine } from './text.js';

export const MARKDOWN_MAX_CHARS = 65_535;

export interface MarkdownRenderOptions {
  maxChars?: number;
  /** Where the full plan is, for the truncation note (e.g. "plans/failover.json"). */
  fullPlanRef?: string;
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function risk(a: PlanAction | undefined, g: GroupOverview): string {
  if (a?.dataAtRisk) {
    if (a.dataAtRisk.seconds === 0) return `none${g.lagSeconds !== undefined && g.replication === 'async' ? ` (last sync ${formatDuration(g.lagSeconds)} ago)` : ''}`;
    return `**up to ${formatDuration(a.dataAtRisk.seconds)}**`;
  }
  return '—';
}

/** Which action a group's table row describes when it has several. */
const MAIN_ORDER = ['failover', 'failback', 'resume', 'fence', 'reprotect', 'drill', 'drill-cleanup', 'protect', 'member-add', 'member-remove', 'unprotect', 'update'] as const;

function tableRows(plan: Plan): string[] {
  const rows: string[] = [];
  for (const g of plan.groups ?? []) {
    const acts = plan.actions.filter((a) => a.group === g.name);
    const rank = (k: string) => MAIN_ORDER.indexOf(k as (typeof MAIN_ORDER)[number]);
    const main = [...acts].sort((a, b) => rank(a.action) - rank(b.action))[0];
    const blockers = plan.blockers.filter((b) => b.group === g.name);
    const action =
      g.status === 'blocked'
        ? `${blockers[0]?.action ?? 'change'} (blocked)`
        : acts.length
          ? acts.map((a) => `${a.action}${a.mode ? ` (${a.mode})` : ''}`).join(' → ')
          : '—';
    const where = main?.from && main?.to ? `${main.from} → ${main.to}` : (main?.to ?? g.currentSite ?? '?');
    const vms = main?.vms !== undefined ? String(main.vms) : '';
    const status = g.status === 'blocked' ? `⛔ blocked (${[...new Set(blockers.map((b) => `\`${b.code}\``))].join(', ')})` : g.status === 'changes' ? '📝 changes' : '✅ no changes';
    rows.push(`| ${esc(g.name)} | ${esc(action)} | ${esc(where)} | ${vms} | ${risk(main, g)} | ${status} |`);
  }
  return rows;
}

function detailsLines(a: PlanAction): { head: string[]; body: string[]; tail: string[] } {
  const head = [
    '<details>',
    `<summary><b>${esc(a.group)}</b>: ${esc(a.summary)} (${a.steps.length} steps)</summary>`,
    '',
    '```diff',
  ];
  const body: string[] = [];
  for (const { phase, steps } of byPhase(topoOrder(a.steps, { ignoreMissing: true }))) {
    body.push(`# ${phase}`);
    for (const s of steps) {
      const conf = s.confirmation ? (s.confirmation.confirmed ? ` [discards ${s.confirmation.discardSite}: confirmed]` : ` [needs confirmation: ${s.confirmation.how}]`) : '';
      body.push(`${symbolOf(s.name)} ${s.description}${conf}`);
    }
  }
  return { head, body, tail: ['```', '', '</details>', ''] };
}

export function renderMarkdown(plan: Plan, opts: MarkdownRenderOptions = {}): string {
  const max = opts.maxChars ?? MARKDOWN_MAX_CHARS;
  const ref = opts.fullPlanRef ? `\`${opts.fullPlanRef}\`` : 'the JSON plan (`drctl plan --json` or `drctl show PLANFILE --json`)';
  const note = (omitted: string) =>
    `\n> ⚠️ **Truncated**: this plan does not fit in a ${max.toLocaleString('en-US')}-character comment; ${omitted} not shown. The full plan is in ${ref}.\n`;
  // Reserve room for the longest truncation note we might append.
  const reserve = note('x'.repeat(320)).length + 16;
  const budget = max - reserve;

  const out: string[] = [];
  let size = 0;
  let truncated = false;
  const omitted: string[] = [];
  const push = (line: string): boolean => {
    if (size + line.length + 1 > budget) return false;
    out.push(line);
    size += line.length + 1;
    return true;
  };
  /** Pushes lines until one does not fit; returns how many did not. */
  const pushAll = (lines: readonly string[]): number => {
    for (let i = 0; i < lines.length; i++) if (!push(lines[i]!)) return lines.length - i;
    return 0;
  };

  push(`### drctl plan: \`${esc(plan.spec.name)}\``);
  push('');
  push(`**${summaryLine(plan)}** Spec digest \`${plan.spec.digest.slice(0, 12)}\` · planned ${plan.createdAt}${plan.bindings ? ` · valid until ${plan.bindings.expiresAt}` : ''}`);
  push('');
  if (plan.targets?.length) {
    push(`> Targeted: only ${plan.targets.map((t) => `\`${esc(t)}\``).join(', ')}.`);
    push('');
  }
  push('| group | action | where | VMs | data at risk | status |');
  push('|---|---|---|---:|---|---|');
  const rows = tableRows(plan);
  let left = pushAll(rows);
  if (left) {
    truncated = true;
    omitted.push(`${left.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} table rows`);
  }
  if (!truncated) push('');
  const lists: Array<[string, string[]]> = [
    ['**Blocked** (nothing of a blocked group is planned):', plan.blockers.map((b) => `- ⛔ **${esc(b.group)}** \`${b.code}\` ${esc(b.message)}${b.hint ? ` — *way out:* ${esc(b.hint)}` : ''}`)],
    ['**Drift** (changed outside drctl):', plan.drift.map((d) => `- **${esc(d.group)}**${d.site ? ` on ${esc(d.site)}` : ''}: ${esc(d.message)}`)],
    ['**Warnings**:', plan.warnings.map((w) => `- ${esc(w)}`)],
  ];
  for (const [title, items] of lists) {
    if (truncated || items.length === 0) continue;
    push(title);
    left = pushAll(items);
    if (left) {
      truncated = true;
      omitted.push(`${left.toLocaleString('en-US')} ${title.replace(/\*|:.*$/g, '').toLowerCase()} lines`);
      break;
    }
    push('');
  }
  if (!truncated && plan.actions.length) {
    push(`Steps (${LEGEND}):`);
    push('');
  }
  let groupsLeft = plan.actions.length;
  for (const a of plan.actions) {
    if (truncated) break;
    const d = detailsLines(a);
    const need = [...d.head, ...d.body, ...d.tail].reduce((n, l) => n + l.length + 1, 0);
    if (size + need <= budget) {
      pushAll([...d.head, ...d.body, ...d.tail]);
      groupsLeft--;
      continue;
    }
    // Partial: as many steps as fit, keeping the block well-formed.
    const tailSize = d.tail.reduce((n, l) => n + l.length + 1, 0) + 80;
    const headSize = d.head.reduce((n, l) => n + l.length + 1, 0);
    truncated = true;
    if (size + headSize + tailSize <= budget) {
      pushAll(d.head);
      let shown = 0;
      for (const l of d.body) {
        if (size + l.length + 1 + tailSize > budget) break;
        push(l);
        shown++;
      }
      push(`# … ${(d.body.length - shown).toLocaleString('en-US')} more lines of this action not shown`);
      pushAll(d.tail);
      omitted.push(`${(d.body.length - shown).toLocaleString('en-US')} lines of ${esc(a.group)}'s ${a.action}`);
      groupsLeft--;
    }
    break;
  }
  if (truncated && groupsLeft > 0) omitted.push(`the steps of ${groupsLeft.toLocaleString('en-US')} more action${groupsLeft === 1 ? '' : 's'}`);
  let text = out.join('\n');
  if (truncated) text += note(omitted.join(' and ').slice(0, 320));
  else text += '\n';
  return text.length <= max ? text : text.slice(0, max);
}
