/** Executor test harness: memory fs + virtual time, scripted step behaviours, a call log. */
import type { ExecutorEvent } from '../../src/apply/events.js';
import { execute, type CompensationRegistry, type ExecuteOptions, type StepRegistry } from '../../src/apply/executor.js';
import type { Phase, PlanStep, StepName } from '../../src/plan/types.js';
import { Journal } from '../../src/state/journal.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import type { OperationRecord, StepResult } from '../../src/state/types.js';
import type { StateFs } from '../../src/state/fs.js';
import { fakeWorld, memoryFs, virtualTime } from '../state/fakes.js';

export const ALL_NAMES: StepName[] = [
  'preflight', 'operation.open', 'server.stop', 'server.capture-metadata', 'storage.final-sync', 'storage.wait-transfer',
  'storage.promote', 'storage.force-promote', 'storage.demote', 'storage.protect', 'storage.clone-for-drill',
  'storage.remove-drill-clones', 'storage.resync', 'volume.import', 'volume.unmanage', 'cgroup.ensure', 'cgroup.add-volumes',
  'cgroup.remove-volumes', 'server.create', 'server.wait-active', 'server.delete', 'server.start', 'verify',
  'storage.reverse-replication', 'record.write', 'operation.close',
];

export const step = (id: string, name: StepName, phase: Phase, dependsOn: string[] = [], extra: Partial<PlanStep> = {}): PlanStep => ({
  id,
  name,
  phase,
  dependsOn,
  description: `${name} ${id}`,
  ...extra,
});

export interface Behaviour {
  /** Virtual duration. */
  ms?: number;
  /** Fail with this message (on every attempt, or only on the attempts listed). */
  fail?: string;
  failAttempts?: number[];
  result?: StepResult;
  /** Waits for this before finishing (for tests that hold a step open). */
  gate?: Promise<void>;
}

export interface Harness {
  store: StateStore;
  journal: Journal;
  vt: ReturnType<typeof virtualTime>;
  world: ReturnType<typeof fakeWorld>;
  calls: Array<{ id: string; attempt: number; start: number; end?: number; sawResults: Record<string, StepResult | undefined> }>;
  compCalls: string[];
  events: ExecutorEvent[];
  concurrency: { now: number; max: number };
  registry: StepRegistry;
  compensations: CompensationRegistry;
  open(steps: PlanStep[], over?: Partial<Parameters<Journal['open']>[0]>): Promise<OperationRecord>;
  run(op: OperationRecord, over?: Partial<ExecuteOptions>): ReturnType<typeof execute>;
}

export async function harness(behaviours: Record<string, Behaviour> = {}, opts: { fs?: StateFs; compensate?: StepName[]; compFail?: string[] } = {}): Promise<Harness> {
  const vt = virtualTime(Date.parse('2025-06-01T09:00:00Z'));
  const world = fakeWorld({ fs: opts.fs ?? memoryFs(), now: vt.now, sleep: vt.sleep });
  const store = new StateStore({ path: '/state/state.json', env: world.env });
  const lock = await acquireLock(store, { operation: 'test' });
  const journal = new Journal(store, lock);
  const calls: Harness['calls'] = [];
  const compCalls: string[] = [];
  const events: ExecutorEvent[] = [];
  const concurrency = { now: 0, max: 0 };
  const impl = async (s: PlanStep, ctx: Parameters<NonNullable<StepRegistry['preflight']>>[1]) => {
    const b = behaviours[s.id] ?? {};
    const call: Harness['calls'][number] = { id: s.id, attempt: ctx.attempt, start: vt.now(), sawResults: {} };
    for (const d of s.dependsOn) call.sawResults[d] = ctx.resultOf(d);
    calls.push(call);
    concurrency.now++;
    concurrency.max = Math.max(concurrency.max, concurrency.now);
    try {
      if (b.ms) await vt.sleep(b.ms);
      if (b.gate) await b.gate;
      if (b.fail && (!b.failAttempts || b.failAttempts.includes(ctx.attempt))) throw new Error(b.fail);
      return b.result ?? { created: { [s.id]: `${s.id}-obj` } };
    } finally {
      concurrency.now--;
      call.end = vt.now();
    }
  };
  const registry: StepRegistry = Object.fromEntries(ALL_NAMES.map((n) => [n, impl]));
  const compensations: CompensationRegistry = Object.fromEntries(
    (opts.compensate ?? []).map((n) => [
      n,
      async (s: PlanStep) => {
        compCalls.push(s.id);
        if (opts.compFail?.includes(s.id)) throw new Error(`could not undo ${s.id}`);
      },
    ]),
  );
  return {
    store,
    journal,
    vt,
    world,
    calls,
    compCalls,
    events,
    concurrency,
    registry,
    compensations,
    open: (steps, over = {}) => journal.open({ type: 'failover', group: 'g', sourceSite: 'site-a', targetSite: 'site-b', steps, ...over }),
    run: (op, over = {}) =>
      vt.run(
        execute({
          journal,
          operation: op,
          registry,
          compensations,
          now: vt.now,
          timer: world.timer,
          listener: (e) => events.push(e),
          ...over,
        }),
      ),
  };
}
