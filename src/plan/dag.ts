/**
 * The step graph: every plan is a DAG whose edges are PlanStep.dependsOn. Built acyclic by
 * construction (edges only point to steps made earlier); checked anyway when the plan is built.
 */
import type { PlanStep } from './types.js';

export class PlanGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanGraphError';
  }
}

/**
 * Topological order of steps (Kahn's algorithm). Ties keep the input order, so the order is stable
 * for the same plan. Throws PlanGraphError on a duplicate id, an edge to an unknown step, or a cycle
 * (naming the steps on it). Edges to ids not in `steps` are an error unless `ignoreMissing` (used when
 * resuming, where completed steps have been removed).
 */
export function topoOrder<S extends Pick<PlanStep, 'id' | 'dependsOn'>>(steps: readonly S[], opts: { ignoreMissing?: boolean } = {}): S[] {
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (index.has(s.id)) throw new PlanGraphError(`duplicate step id ${s.id}`);
    index.set(s.id, i);
  });
  const indeg = new Array<number>(steps.length).fill(0);
  const out: number[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    for (const d of new Set(s.dependsOn)) {
      const j = index.get(d);
      if (j === undefined) {
        if (opts.ignoreMissing) continue;
        throw new PlanGraphError(`step ${s.id} depends on unknown step ${d}`);
      }
      if (j === i) throw new PlanGraphError(`step ${s.id} depends on itself`);
      out[j]!.push(i);
      indeg[i]!++;
    }
  });
  // A min-heap would be O(n log n); the ready set is scanned in input order instead, which keeps the
  // order readable (steps stay near where they were made). Buckets keep it linear in practice.
  const ready: number[] = [];
  indeg.forEach((d, i) => {
    if (d === 0) ready.push(i);
  });
  const order: S[] = [];
  let head = 0;
  // Process in waves: each wave is sorted by input position.
  while (head < ready.length) {
    const wave = ready.slice(head).sort((a, b) => a - b);
    ready.length = 0;
    head = 0;
    for (const i of wave) {
      order.push(steps[i]!);
      for (const j of out[i]!) {
        if (--indeg[j]! === 0) ready.push(j);
      }
    }
  }
  if (order.length !== steps.length) {
    const stuck = steps.filter((_, i) => indeg[i]! > 0).map((s) => s.id);
    throw new PlanGraphError(`the step graph has a cycle through: ${stuck.slice(0, 10).join(', ')}${stuck.length > 10 ? ', …' : ''}`);
  }
  return order;
}

/** Steps grouped in waves that may run in parallel (every step's dependencies are in earlier waves). */
export function waves<S extends Pick<PlanStep, 'id' | 'dependsOn'>>(steps: readonly S[]): S[][] {
  const order = topoOrder(steps, { ignoreMissing: true });
  const level = new Map<string, number>();
  const result: S[][] = [];
  for (const s of order) {
    let l = 0;
    for (const d of s.dependsOn) {
      const dl = level.get(d);
      if (dl !== undefined) l = Math.max(l, dl + 1);
    }
    level.set(s.id, l);
    (result[l] ??= []).push(s);
  }
  return result;
}
