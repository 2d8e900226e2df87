/**
 * The step implementations, one per StepName the planner emits (src/plan/expand.ts), built from
 * injected deps. Every step is idempotent: it first looks for what an earlier attempt made (drctl
 * tags on servers/volumes, names of groups and array objects) before it creates anything.
 * Compensations undo steps before the point of no return (rollback).
 */
import type { CompensationRegistry, StepImpl, StepRegistry } from '../apply/executor.js';
import { DrctlError } from '../errors.js';
import type { StepName } from '../plan/types.js';
import { aborted, type StepDeps } from './deps.js';
import { opSteps } from './ops.js';
import { serverSteps } from './servers.js';
import { storageSteps } from './storage.js';
import { volumeSteps } from './volumes.js';

export { StepCode, STEP_CODE_TABLE } from './codes.js';
export { MOCK_POLL, REAL_POLL, abortableSleep, type PollSettings, type StepDeps, type StepLog } from './deps.js';
export { drillTag } from './util.js';

/** Every step name the registry implements (tests check it covers what the planner emits). */
export const IMPLEMENTED_STEPS: readonly StepName[] = [
  'preflight',
  'operation.open',
  'server.capture-metadata',
  'server.stop',
  'server.wait-stopped',
  'server.tag',
  'server.untag',
  'storage.final-sync',
  'storage.wait-transfer',
  'storage.promote',
  'storage.force-promote',
  'storage.demote',
  'storage.protect',
  'storage.clone-for-drill',
  'storage.remove-drill-clones',
  'storage.resync',
  'storage.remove-volumes',
  'storage.remove-unmanaged',
  'volume.import',
  'volume.unmanage',
  'volume.delete',
  'cgroup.ensure',
  'cgroup.add-volumes',
  'cgroup.remove-volumes',
  'server.create',
  'server.wait-active',
  'server.delete',
  'server.start',
  'verify',
  'storage.reverse-replication',
  'record.write',
  'operation.close',
];

/**
 * A DrctlError's hint is the way out (e.g. the Cinder policy fix for a 403 on volume manage); the
 * journal keeps only a step's message and code, so the hint is carried in the message.
 */
/** Generic API hints ("its message above says which field") mean nothing in a journal line. */
const GENERIC_HINT_CODES = new Set(['DRCTL_E2034', 'DRCTL_E2031']);

function withHint(err: unknown): unknown {
  if (!DrctlError.is(err) || !err.hint || err.message.includes(err.hint) || GENERIC_HINT_CODES.has(err.code)) return err;
  const msg = err.message.replace(/\.?$/, '.');
  return new DrctlError(err.code, `${msg} Fix: ${err.hint.replace(/\.$/, '')}`, { hint: err.hint, exitCode: err.exitCode, cause: err, ...(err.details ? { details: err.details } : {}) });
}

function guard<F extends (...a: never[]) => Promise<unknown>>(fn: F): F {
  return (async (...args: Parameters<F>) => {
    const ctx = args[1] as unknown as { signal?: AbortSignal } | undefined;
    const a = aborted(ctx?.signal);
    if (a) throw a;
    try {
      return await fn(...args);
    } catch (err) {
      throw withHint(err);
    }
  }) as F;
}

export interface Steps {
  registry: StepRegistry;
  compensations: CompensationRegistry;
}

export function createStepRegistry(deps: StepDeps): Steps {
  const parts = [opSteps(deps), serverSteps(deps), storageSteps(deps), volumeSteps(deps)];
  const registry: StepRegistry = {};
  const compensations: CompensationRegistry = {};
  for (const p of parts) {
    for (const [k, f] of Object.entries(p.registry)) registry[k as StepName] = guard(f as StepImpl);
    for (const [k, f] of Object.entries(p.compensations)) compensations[k as StepName] = guard(f as NonNullable<CompensationRegistry[StepName]>);
  }
  return { registry, compensations };
}
