/** Terraform-like symbols for steps, shared by the text and markdown renderings. */
import type { ActionKind, Phase, PlanStep, StepName } from '../types.js';

export type StepSymbol = '+' | '-' | '~' | '!' | '>' | '·';

const SYMBOL: Record<StepName, StepSymbol> = {
  preflight: '·',
  'operation.open': '·',
  'server.capture-metadata': '·',
  'server.stop': '>',
  'server.wait-stopped': '·',
  'server.start': '>',
  'server.tag': '~',
  'server.untag': '~',
  'storage.final-sync': '~',
  'storage.wait-transfer': '·',
  'storage.promote': '!',
  'storage.force-promote': '!',
  'storage.demote': '!',
  'storage.resync': '!',
  'storage.reverse-replication': '!',
  'storage.protect': '+',
  'storage.clone-for-drill': '+',
  'storage.remove-drill-clones': '-',
  'storage.remove-volumes': '~',
  'storage.remove-unmanaged': '-',
  'volume.import': '+',
  'volume.unmanage': '-',
  'volume.delete': '-',
  'cgroup.ensure': '+',
  'cgroup.add-volumes': '~',
  'cgroup.remove-volumes': '~',
  'server.create': '+',
  'server.wait-active': '·',
  'server.delete': '-',
  verify: '·',
  'record.write': '~',
  'operation.close': '·',
};

export function symbolOf(name: StepName): StepSymbol {
  return SYMBOL[name] ?? '·';
}

export const LEGEND = '+ create  - destroy  ~ change  ! storage role change  > start/stop  · check/wait';

export const PHASES: readonly Phase[] = ['preparation', 'storage', 'instances', 'finalization'];

/** Steps of one action in execution order, grouped by phase (phases in seed order). */
export function byPhase(ordered: readonly PlanStep[]): Array<{ phase: Phase; steps: PlanStep[] }> {
  return PHASES.map((phase) => ({ phase, steps: ordered.filter((s) => s.phase === phase) })).filter((x) => x.steps.length > 0);
}

/** "1 failover, 1 drill" in a fixed order. */
export function actionCounts(byAction: Partial<Record<ActionKind, number>> | undefined): string {
  const order: ActionKind[] = ['resume', 'fence', 'update', 'protect', 'member-add', 'member-remove', 'drill-cleanup', 'failover', 'failback', 'reprotect', 'drill', 'unprotect'];
  return order
    .filter((k) => (byAction?.[k] ?? 0) > 0)
    .map((k) => `${byAction![k]} ${k}`)
    .join(', ');
}
