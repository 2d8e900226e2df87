/**
 * JournalView from the state file's data: what the planner needs from the journal (unfinished
 * operations, lineage/serial, the member metadata drctl last captured). Pure; src/state may provide
 * its own adapter to the same interface.
 */
import type { OperationRecord, StateData } from '../state/types.js';
import type { CapturedMember, JournalOperation, JournalView } from './types.js';

function resumable(op: OperationRecord): boolean {
  if (op.status === 'pending' || op.status === 'running' || op.status === 'rolling_back') return true;
  return op.status === 'failed' && !op.rolledBack;
}

function isCaptured(v: unknown): v is CapturedMember {
  const o = v as Partial<CapturedMember> | null;
  return typeof o === 'object' && o !== null && typeof o.server === 'string' && typeof o.flavorName === 'string' && Array.isArray(o.networks) && Array.isArray(o.volumes);
}

export function journalViewFromState(data: StateData | null | undefined): JournalView {
  if (!data) return { lineage: '', serial: 0, unfinished: [] };
  const unfinished: JournalOperation[] = data.operations.filter(resumable).map((op) => ({
    id: op.id,
    type: op.type,
    group: op.group,
    status: op.status,
    stepsCompleted: [...op.stepsCompleted],
    ...(op.sourceSite ? { sourceSite: op.sourceSite } : {}),
    ...(op.targetSite ? { targetSite: op.targetSite } : {}),
    ...(op.mode ? { mode: op.mode } : {}),
    ...(op.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: op.dataLossWindowSeconds } : {}),
    ...(op.rolledBack ? { rolledBack: true } : {}),
    steps: op.steps.map(({ id, name, phase, site, target, tier, dependsOn, params, description }) => ({
      id,
      name,
      phase,
      ...(site !== undefined ? { site } : {}),
      ...(target !== undefined ? { target } : {}),
      ...(tier !== undefined ? { tier } : {}),
      dependsOn: [...dependsOn],
      ...(params ? { params } : {}),
      ...(description ? { description } : {}),
    })),
  }));
  // server.capture-metadata hands back { outputs: { captured: CapturedMember } }; the latest wins.
  const captured: Record<string, Record<string, CapturedMember>> = {};
  const ops = [...data.operations].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const op of ops) {
    for (const st of op.steps) {
      if (st.name !== 'server.capture-metadata' || st.status !== 'done') continue;
      const c = st.result?.outputs?.captured;
      if (isCaptured(c)) (captured[op.group] ??= {})[String(st.params?.member ?? st.target ?? c.server)] = c;
    }
  }
  return { lineage: data.lineage, serial: data.serial, unfinished, ...(Object.keys(captured).length ? { captured } : {}) };
}
