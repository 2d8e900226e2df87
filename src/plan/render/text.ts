/**
 * Human rendering of a plan: executive lines first (one per group), then each action's steps with
 * Terraform-like symbols grouped by phase and tier, then blockers with their way out, drift, warnings
 * and a summary line. Colour only when `color` is set (the CLI decides: TTY, --no-color, NO_COLOR).
 */
import { topoOrder } from '../dag.js';
import type { Plan, PlanAction, PlanStep } from '../types.js';
import { LEGEND, actionCounts, byPhase, symbolOf, type StepSymbol } from './symbols.js';

export interface TextRenderOptions {
  color?: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, bold: 1, dim: 2 } as const;
type Paint = (c: keyof typeof CODES, s: string) => string;

function painter(color: boolean): Paint {
  return (c, s) => (color ? `\x1b[${CODES[c]}m${s}\x1b[0m` : s);
}

const SYMBOL_COLOR: Record<StepSymbol, keyof typeof CODES> = { '+': 'green', '-': 'red', '~': 'yellow', '!': 'magenta', '>': 'cyan', '·': 'dim' };

export function summaryLine(plan: Plan): string {
  const blocked = plan.summary.blocked;
  const b = blocked ? `${blocked} group${blocked === 1 ? '' : 's'} blocked` : '';
  if (!plan.summary.changes) return blocked ? `No changes can be planned; ${b}.` : 'No changes. Reality matches the spec.';
  const n = plan.summary.steps;
  return `Plan: ${actionCounts(plan.summary.byAction)}; ${n} step${n === 1 ? '' : 's'}${b ? `; ${b}` : ''}.`;
}

function stepLine(s: PlanStep, paint: Paint, indent: string): string {
  const sym = symbolOf(s.name);
  let line = `${indent}${paint(SYMBOL_COLOR[sym], sym)} ${s.description}`;
  if (s.confirmation) {
    line += s.confirmation.confirmed
      ? paint('yellow', ` [discards ${s.confirmation.discardSite}: confirmed]`)
      : paint('red', ` [needs confirmation: ${s.confirmation.how}]`);
  }
  return line;
}

export function renderActionSteps(a: PlanAction, paint: Paint = painter(false)): string[] {
  const out: string[] = [];
  const ordered = topoOrder(a.steps, { ignoreMissing: true });
  for (const { phase, steps } of byPhase(ordered)) {
    out.push(`  ${paint('bold', phase)}`);
    let tier: number | undefined;
    for (const s of steps) {
      const tierStep = s.tier !== undefined && (s.name === 'server.create' || s.name === 'server.stop' || s.name === 'server.wait-active');
      if (!tierStep) tier = undefined;
      else if (s.tier !== tier) {
        tier = s.tier;
        out.push(`    ${paint('dim', `tier ${tier}`)}`);
      }
      out.push(stepLine(s, paint, tierStep ? '      ' : '    '));
    }
  }
  return out;
}

export function renderText(plan: Plan, opts: TextRenderOptions = {}): string {
  const paint = painter(Boolean(opts.color));
  const out: string[] = [];
  out.push(paint('bold', `drctl plan · spec ${plan.spec.name}${plan.spec.file ? ` (${plan.spec.file})` : ''} · ${plan.createdAt}`));
  if (plan.targets?.length) out.push(paint('yellow', `targets: ${plan.targets.join(', ')}`));
  out.push('');
  for (const g of plan.groups ?? []) {
    const line = g.status === 'blocked' ? paint('red', g.line) : g.status === 'changes' ? paint('bold', g.line) : g.line;
    out.push(line);
  }
  if (plan.actions.length) {
    out.push('');
    out.push(paint('dim', `Symbols: ${LEGEND}`));
    for (const a of plan.actions) {
      out.push('');
      const op = a.action === 'resume' ? `resumes ${a.resumeOperation}` : a.operationId ? `operation ${a.operationId}` : '';
      out.push(paint('bold', `${a.group} — ${a.summary.split(' · ')[0]}${op ? ` · ${op}` : ''} · ${a.steps.length} step${a.steps.length === 1 ? '' : 's'}`));
      out.push(...renderActionSteps(a, paint));
    }
  }
  if (plan.blockers.length) {
    out.push('');
    out.push(paint('red', `Blocked (${plan.summary.blocked} group${plan.summary.blocked === 1 ? '' : 's'}; nothing of a blocked group is planned):`));
    for (const b of plan.blockers) {
      out.push(`  ${paint('red', '✗')} ${b.group}: ${b.message} ${paint('dim', `[${b.code}]`)}`);
      if (b.hint) out.push(`      way out: ${b.hint}`);
    }
  }
  if (plan.drift.length) {
    out.push('');
    out.push(paint('yellow', 'Drift (the world changed outside drctl):'));
    for (const d of plan.drift) out.push(`  ${paint('yellow', '~')} ${d.group}${d.site ? ` on ${d.site}` : ''}: ${d.message}`);
  }
  if (plan.warnings.length) {
    out.push('');
    out.push(paint('yellow', 'Warnings:'));
    for (const w of plan.warnings) out.push(`  - ${w}`);
  }
  out.push('');
  out.push(paint('bold', summaryLine(plan)));
  return `${out.join('\n')}\n`;
}
