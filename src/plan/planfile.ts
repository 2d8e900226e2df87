/**
 * Plan files (plans/*.json): a Plan with its bindings. Reading validates format_version and shape;
 * checkBindings says, in words, what moved since the plan was made — apply refuses a plan for which
 * it returns anything (exit 3, DRCTL_E3103). Pure: the caller reads/writes the file and passes `now`.
 */
import { DrctlError, ExitCode } from '../errors.js';
import { PlanCode } from './codes.js';
import { topoOrder } from './dag.js';
import { diffFacts } from './facts.js';
import { formatDuration, secondsBetween } from './format.js';
import { renderJson } from './render/json.js';
import { PLAN_FORMAT_VERSION, type Plan, type PlanFacts } from './types.js';

/** The text written to a plan file (the same JSON `drctl plan --json` prints). */
export function serializePlan(plan: Plan): string {
  if (!plan.bindings) throw new Error('serializePlan: plan has no bindings (built without buildPlan?)');
  return renderJson(plan);
}

function invalid(why: string, file?: string): DrctlError {
  return new DrctlError(PlanCode.planFileInvalid, `${file ?? 'plan file'} is not a drctl plan: ${why}`, {
    hint: 'make a new one with drctl plan SPEC --out plans/NAME.json',
  });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Parses and validates a plan file's text. Throws DrctlError (E3101 shape, E3102 version). */
export function readPlanFile(text: string, file?: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(`not valid JSON (${(err as Error).message})`, file);
  }
  if (!isObj(raw)) throw invalid('not a JSON object', file);
  if (raw.format_version !== PLAN_FORMAT_VERSION) {
    if (typeof raw.format_version === 'number') {
      throw new DrctlError(PlanCode.planFileVersion, `${file ?? 'plan file'} has format_version ${raw.format_version}; this drctl reads format_version ${PLAN_FORMAT_VERSION}`, {
        hint: raw.format_version > PLAN_FORMAT_VERSION ? 'it was written by a newer drctl: upgrade drctl, or plan again with this one' : 'plan again with this drctl',
      });
    }
    throw invalid('no format_version', file);
  }
  const problems: string[] = [];
  const spec = raw.spec;
  if (!isObj(spec) || !isStr(spec.name) || !isStr(spec.digest)) problems.push('spec {name, digest}');
  if (!isStr(raw.createdAt) || Number.isNaN(Date.parse(raw.createdAt))) problems.push('createdAt');
  if (!Array.isArray(raw.actions)) problems.push('actions');
  if (!Array.isArray(raw.blockers)) problems.push('blockers');
  if (!isObj(raw.summary)) problems.push('summary');
  const b = raw.bindings;
  if (!isObj(b) || !isStr(b.specDigest) || !isStr(b.stateLineage) || typeof b.stateSerial !== 'number' || !isStr(b.factsDigest) || !isStr(b.createdAt) || !isStr(b.expiresAt))
    problems.push('bindings {specDigest, stateLineage, stateSerial, factsDigest, createdAt, expiresAt}');
  if (Array.isArray(raw.actions)) {
    raw.actions.forEach((a, i) => {
      if (!isObj(a) || !isStr(a.group) || !isStr(a.action) || !Array.isArray(a.steps)) {
        problems.push(`actions[${i}] {group, action, steps}`);
        return;
      }
      (a.steps as unknown[]).forEach((s, j) => {
        if (!isObj(s) || !isStr(s.id) || !isStr(s.name) || !isStr(s.phase) || !Array.isArray(s.dependsOn)) problems.push(`actions[${i}].steps[${j}] {id, name, phase, dependsOn}`);
      });
    });
  }
  if (problems.length) throw invalid(`missing or invalid ${problems.slice(0, 5).join(', ')}${problems.length > 5 ? `, … (${problems.length} in all)` : ''}`, file);
  const plan = raw as unknown as Plan;
  plan.drift ??= [];
  plan.warnings ??= [];
  try {
    const resumes = plan.actions.some((a) => a.action === 'resume');
    topoOrder(
      plan.actions.flatMap((a) => a.steps),
      { ignoreMissing: resumes },
    );
  } catch (err) {
    throw invalid(`its steps do not form a valid graph (${(err as Error).message})`, file);
  }
  return plan;
}

export interface CurrentWorld {
  specDigest: string;
  lineage: string;
  serial: number;
  factsDigest: string;
  /** The new projection, to name what moved (optional: without it the refusal is less precise). */
  facts?: PlanFacts;
  now: Date;
}

/** What moved since the plan was made, in words; empty when the plan still applies. */
export function checkBindings(plan: Plan, current: CurrentWorld): string[] {
  const b = plan.bindings;
  if (!b) return ['the plan has no bindings (it was not made by drctl plan --out)'];
  const moved: string[] = [];
  if (b.specDigest !== current.specDigest) moved.push(`the spec changed since the plan was made (digest ${b.specDigest.slice(0, 12)} → ${current.specDigest.slice(0, 12)})`);
  if (b.stateLineage !== current.lineage) moved.push(`the state file is a different one (lineage ${b.stateLineage || '(none)'} → ${current.lineage || '(none)'})`);
  else if (b.stateSerial !== current.serial) moved.push(`the state moved on (serial ${b.stateSerial} → ${current.serial}): another apply ran since the plan was made`);
  if (b.factsDigest !== current.factsDigest) {
    const detail = b.facts && current.facts ? diffFacts(b.facts, current.facts) : [];
    if (detail.length) moved.push(...detail.map((d) => `discovered facts changed: ${d}`));
    else moved.push('the discovered facts changed since the plan was made (array roles, last sync, server states or reachability)');
  }
  const exp = Date.parse(b.expiresAt);
  if (!Number.isNaN(exp) && current.now.getTime() > exp) {
    moved.push(`the plan expired at ${b.expiresAt} (made ${formatDuration(secondsBetween(b.createdAt, current.now))} ago; max age ${formatDuration(secondsBetween(b.createdAt, b.expiresAt))})`);
  }
  return moved;
}

/** The error apply raises for a stale plan (exit 3). */
export function stalePlanError(moved: string[], file?: string): DrctlError {
  return new DrctlError(PlanCode.planStale, `${file ?? 'the saved plan'} no longer matches the world; nothing was done:\n${moved.map((m) => `  - ${m}`).join('\n')}`, {
    exitCode: ExitCode.blocked,
    hint: 'make a new plan (drctl plan SPEC --out ...), review it, and apply that one',
    details: { moved },
  });
}
