/**
 * `drctl apply SPEC|PLANFILE`: the whole run.
 *
 *   lock → connect → discover → plan (SPEC) or check the saved plan's bindings (PLANFILE) → render →
 *   approve (SPEC) → per group, its actions in order (groups in parallel): open the operation in the
 *   journal (or take the unfinished one to resume) and run its step DAG → summary → release the lock.
 *
 * Exit codes: 0 all operations completed (or nothing to do); 1 an operation failed (rolled back, or
 * stopped after the point of no return with the resume command printed); 3 a safety gate (blockers,
 * stale plan, lock held, unconfirmed resync). Everything outside (files, clock, prompt, connections)
 * comes in through ApplyDeps.
 */
import type { IoHost } from '../cli/io.js';
import { discoverInventory } from '../discovery/index.js';
import type { Inventory } from '../discovery/types.js';
import { DrctlError, ExitCode } from '../errors.js';
import { buildPlan } from '../plan/build.js';
import { digestFacts, factsOf } from '../plan/facts.js';
import { journalViewFromState } from '../plan/journal.js';
import { checkBindings, readPlanFile, stalePlanError } from '../plan/planfile.js';
import { renderText } from '../plan/render/text.js';
import type { CapturedMember, JournalView, Plan, PlanAction, PlanStep } from '../plan/types.js';
import type { Connections } from '../providers/connect.js';
import { formatDiagnostic } from '../spec/diagnostics.js';
import type { SpecLoadResult } from '../spec/load.js';
import type { LoadedSpec } from '../spec/types.js';
import type { StateEnv } from '../state/env.js';
import { Journal } from '../state/journal.js';
import { acquireLock, type LockHandle } from '../state/lock.js';
import { StateStore } from '../state/store.js';
import type { OperationRecord, OperationType, StateData } from '../state/types.js';
import { StepCode } from '../steps/codes.js';
import { createStepRegistry } from '../steps/index.js';
import type { PollSettings } from '../steps/deps.js';
import { DEFAULT_PARALLELISM, execute, type ExecuteResult } from './executor.js';
import { ProgressRenderer, type OperationOutcome, type ProgressMode } from './progress.js';
import { warmPrivilegedClients } from './warm.js';

export interface ApplyArgs {
  /** SPEC (YAML) or PLANFILE (JSON from drctl plan --out). */
  file: string;
  autoApprove?: boolean;
  targets?: string[];
  parallelism?: number;
  allowDataLoss?: boolean;
  /** Names the side whose divergent data a resync may discard (as drctl plan --discard-site). */
  discardSite?: string;
  json?: boolean;
  mock?: boolean;
  /** The state file (absolute or relative to the working directory). */
  statePath: string;
  /** Extra arguments the resume command must repeat (e.g. "--mock-world w.json --state s.json"). */
  resumeArgs?: string;
}

export interface ApplyDeps {
  io: IoHost;
  /** Raw terminal writes for the live progress line; undefined when stderr is not a TTY. */
  tty?: (text: string) => void;
  /** stdin is a terminal (an approval can be asked). */
  stdinIsTTY: boolean;
  prompt: (question: string) => Promise<string>;
  loadSpec: (file: string) => Promise<SpecLoadResult>;
  readFile: (file: string) => Promise<string>;
  /** Connects to both sites (mock or real). */
  connect: (loaded: LoadedSpec) => Promise<Connections>;
  /** Mock mode: makes the world from the spec when there is none yet; returns a line to print, or undefined. */
  ensureMockWorld?: (loaded: LoadedSpec) => Promise<string | undefined>;
  /** Discovery (default: discoverInventory). */
  discover?: (loaded: LoadedSpec, conns: Connections) => Promise<Inventory>;
  stateEnv: StateEnv;
  poll: PollSettings;
  /** Sleep for step polling; rejects when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** "still running" interval (default 10 s, as Terraform). */
  stillRunningEveryMs?: number;
  leaseMs?: number;
  renewMs?: number;
}

export interface ApplyResult {
  exitCode: number;
  plan?: Plan;
  outcomes: OperationOutcome[];
}

function isPlanFile(file: string, text: string): boolean {
  return file.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
}

/**
 * The planner's view of the journal, with captured member metadata taken from every step that hands
 * one back (server.capture-metadata, and server.create for the instance it made), latest first wins —
 * so an unplanned failover away from a site knows what drctl last put there.
 */
export function journalViewForApply(data: StateData | null): JournalView {
  const view = journalViewFromState(data);
  if (!data) return view;
  const captured: Record<string, Record<string, CapturedMember>> = {};
  const ops = [...data.operations].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (const op of ops) {
    const steps = op.steps.filter((s) => s.status === 'done').sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (const st of steps) {
      const c = st.result?.outputs?.captured as CapturedMember | undefined;
      if (!c || typeof c !== 'object' || typeof c.flavorName !== 'string' || !Array.isArray(c.volumes)) continue;
      const member = String(st.params?.member ?? st.target ?? c.server);
      (captured[op.group] ??= {})[member] = c;
    }
  }
  return { ...view, ...(Object.keys(captured).length ? { captured } : {}) };
}

/** Steps of one action with edges to earlier actions (the chain between a group's actions) removed. */
export function actionSteps(a: PlanAction): PlanStep[] {
  const ids = new Set(a.steps.map((s) => s.id));
  return a.steps.map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => ids.has(d)) }));
}

function opTypeOf(a: PlanAction): OperationType {
  return a.action as OperationType;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export async function runApply(args: ApplyArgs, deps: ApplyDeps): Promise<ApplyResult> {
  const { io } = deps;
  const now = () => deps.stateEnv.now();
  const text = await deps.readFile(args.file).catch((err: NodeJS.ErrnoException) => {
    throw new DrctlError(StepCode.planSpecMissing, `Cannot read ${args.file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`, { hint: 'Give a DR spec (YAML) or a plan file from drctl plan --out.' });
  });

  // ---- what to apply: a saved plan, or a spec to plan now
  let saved: Plan | undefined;
  let specFile = args.file;
  if (isPlanFile(args.file, text)) {
    saved = readPlanFile(text, args.file);
    if (args.targets?.length) throw new DrctlError(StepCode.badParams, '--target cannot narrow a saved plan; it applies exactly what was reviewed.', { hint: 'Make a plan with drctl plan SPEC --target GROUP --out FILE instead.' });
    if (!saved.spec.file) throw new DrctlError(StepCode.planSpecMissing, `${args.file} does not say which spec file it was made from.`, { hint: 'Re-plan with drctl plan SPEC --out FILE.' });
    specFile = saved.spec.file;
  }
  const res = await deps.loadSpec(specFile);
  for (const d of res.diagnostics) (d.severity === 'error' ? io.error : io.warn)(formatDiagnostic(d));
  if (!res.ok) {
    if (saved) throw new DrctlError(StepCode.planSpecMissing, `The spec ${specFile} the plan was made from cannot be loaded.`, { hint: 'Run apply from the directory the plan was made in, or re-plan.' });
    return { exitCode: ExitCode.error, outcomes: [] };
  }
  const loaded = res.loaded;
  if (args.discardSite && !loaded.spec.sites[args.discardSite]) {
    throw new DrctlError(StepCode.badParams, `--discard-site ${args.discardSite} is not a site of the spec.`, { hint: `Sites: ${Object.keys(loaded.spec.sites).join(', ')}` });
  }
  const resumeCommand = `drctl apply${args.mock ? ' --mock' : ''}${args.resumeArgs ? ` ${args.resumeArgs}` : ''} ${specFile}`;

  if (args.mock && deps.ensureMockWorld) {
    const line = await deps.ensureMockWorld(loaded);
    if (line) io.info(line);
  }

  // ---- the lock first (as Terraform): nothing else can change the journal while we plan and run
  const store = new StateStore({ path: args.statePath, env: deps.stateEnv, warn: io.warn });
  const before = saved ? await store.load() : null;
  const lock = await acquireLock(store, {
    operation: `apply ${saved ? args.file : specFile}`,
    warn: (m) => io.warn(m),
    ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
  });
  let conns: Connections | undefined;
  const mode: ProgressMode = args.json ? 'json' : deps.tty ? 'tty' : 'plain';
  const progress = new ProgressRenderer({ mode, io, now, ...(deps.tty ? { write: deps.tty } : {}), timer: deps.stateEnv.timer, color: io.color });
  try {
    lock.startRenewal(deps.renewMs, (err) => io.warn(`Could not renew the lock: ${(err as Error).message}`));
    const afterLock = await store.load();
    conns = await deps.connect(loaded);
    const discover = deps.discover ?? ((l: LoadedSpec, c: Connections) => discoverInventory(l.spec, l.digest, c, { now: () => new Date(now()) }));
    const inventory = await discover(loaded, conns);

    let plan: Plan;
    if (saved) {
      const lockWrite = (before?.serial ?? 0) + 1;
      const moved = checkBindings(saved, {
        specDigest: loaded.digest,
        lineage: before?.lineage ?? '',
        serial: before?.serial ?? 0,
        factsDigest: digestFacts(factsOf(loaded.spec, inventory, saved)),
        facts: factsOf(loaded.spec, inventory, saved),
        now: new Date(now()),
      });
      if (afterLock && afterLock.serial !== lockWrite) {
        moved.push(`the state moved while the lock was being taken (serial ${before?.serial ?? 0} → ${afterLock.serial - 1})`);
      }
      if (moved.length) throw stalePlanError(moved, args.file);
      plan = saved;
    } else {
      const view = journalViewForApply(afterLock);
      plan = buildPlan(loaded.spec, inventory, view, {
        now: new Date(now()),
        newId: opIdGenerator(now, () => deps.stateEnv.newId()),
        specDigest: loaded.digest,
        specFile,
        ...(args.targets?.length ? { targets: args.targets } : {}),
        ...(args.allowDataLoss ? { allowDataLoss: true } : {}),
        ...(args.discardSite ? { discardSite: args.discardSite } : {}),
      });
    }

    if (args.json) io.out(JSON.stringify({ type: 'plan', time: new Date(now()).toISOString(), plan: { ...plan, bindings: undefined } }));
    else io.out(renderText(plan, { color: io.color }));

    if (plan.blockers.length) {
      throw new DrctlError(StepCode.blocked, `The plan has ${plural(plan.blockers.length, 'blocker')}; nothing was done.`, {
        exitCode: ExitCode.blocked,
        hint: 'Each blocker above says its way out; apply again once they are resolved.',
      });
    }
    if (plan.actions.length === 0) return { exitCode: ExitCode.ok, plan, outcomes: [] };
    // Admin tokens (and the services' first validation of them) off the critical path: see warm.ts.
    void warmPrivilegedClients(plan, conns);

    if (!saved && !args.autoApprove) {
      if (!deps.stdinIsTTY) {
        throw new DrctlError(StepCode.needsApproval, 'apply needs your approval, but stdin is not a terminal; nothing was done.', {
          hint: 'Review the plan above, then run again with --auto-approve (CI), or apply a reviewed plan file (drctl plan --out FILE; drctl apply FILE).',
        });
      }
      io.info('');
      const answer = (await deps.prompt("Do you want to perform these actions? Only 'yes' will be accepted: ")).trim();
      if (answer !== 'yes') {
        io.error('Apply cancelled; nothing was done.');
        return { exitCode: ExitCode.error, plan, outcomes: [] };
      }
    }

    // ---- run: groups in parallel, a group's actions in order
    const steps = createStepRegistry({
      spec: loaded.spec,
      conns,
      now,
      sleep: deps.sleep,
      poll: deps.poll,
      log: { info: (m) => io.info(m), warn: (m) => io.warn(m), debug: (m) => io.debug(m) },
    });
    const journal = new Journal(store, lock);
    const byGroup = new Map<string, PlanAction[]>();
    for (const a of plan.actions) (byGroup.get(a.group) ?? byGroup.set(a.group, []).get(a.group)!).push(a);
    const outcomes: OperationOutcome[] = [];
    progress.note(`${plural(plan.actions.length, 'operation')} on ${plural(byGroup.size, 'group')}; lock ${lock.id} held`);

    const runAction = async (a: PlanAction): Promise<OperationOutcome> => {
      const base = { group: a.group, type: a.action === 'resume' ? (a.resumes?.type ?? 'resume') : a.action, ...(a.mode ? { mode: a.mode } : {}) };
      let op: OperationRecord;
      let execSteps: PlanStep[] | undefined;
      if (a.action === 'resume') {
        const data = await store.load();
        const found = data?.operations.find((o) => o.id === a.resumeOperation);
        if (!found) throw new DrctlError(StepCode.notFound, `Operation ${a.resumeOperation} to resume is not in ${store.path}.`, { hint: 'Re-plan: drctl plan SPEC.' });
        op = found;
        progress.note(`resuming ${found.type} ${found.id} (${found.stepsCompleted.length}/${found.steps.length} steps done)`, a.group);
      } else {
        execSteps = actionSteps(a);
        const unconfirmed = execSteps.find((s) => s.confirmation && !s.confirmation.confirmed);
        if (unconfirmed) {
          return {
            ...base,
            status: 'refused',
            code: StepCode.notConfirmed,
            message: `${unconfirmed.description}: ${unconfirmed.confirmation!.reason}. Not started.`,
            hint: `Confirm by naming the side to discard: drctl apply${args.mock ? ' --mock' : ''}${args.resumeArgs ? ` ${args.resumeArgs}` : ''} --discard-site ${unconfirmed.confirmation!.discardSite} ${specFile}`,
          };
        }
        op = await journal.open({
          type: opTypeOf(a),
          group: a.group,
          ...(a.mode ? { mode: a.mode } : {}),
          ...(a.from ? { sourceSite: a.from } : {}),
          ...(a.to ? { targetSite: a.to } : {}),
          ...(saved?.bindings ? { planDigest: saved.bindings.factsDigest } : {}),
          spec: { name: loaded.spec.metadata.name, digest: loaded.digest },
          steps: execSteps,
          ...(a.operationId ? { id: a.operationId } : {}),
        });
      }
      progress.register(op, execSteps ?? op.steps.map((s) => ({ ...s, description: s.description ?? s.name })));
      let r: ExecuteResult;
      try {
        r = await execute({
          journal,
          operation: op,
          ...(execSteps ? { steps: execSteps } : {}),
          registry: steps.registry,
          compensations: steps.compensations,
          parallelism: args.parallelism ?? DEFAULT_PARALLELISM,
          listener: progress.listener,
          now,
          timer: deps.stateEnv.timer,
          ...(deps.stillRunningEveryMs ? { stillRunningEveryMs: deps.stillRunningEveryMs } : {}),
          resumeCommand,
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
      } catch (err) {
        const latest = (await store.load().catch(() => null))?.operations.find((o) => o.id === op.id) ?? op;
        return outcomeOf(base, latest, undefined, err);
      }
      return outcomeOf(base, r.operation, r, r.error);
    };

    const outcomeOf = (base: Pick<OperationOutcome, 'group' | 'type' | 'mode'>, op: OperationRecord, r: ExecuteResult | undefined, err: unknown): OperationOutcome => {
      const end = op.completedAt ? Date.parse(op.completedAt) : now();
      const o: OperationOutcome = {
        ...base,
        type: op.type,
        opId: op.id,
        status: op.status === 'completed' ? 'completed' : 'failed',
        durationSeconds: Math.max(0, Math.round((end - Date.parse(op.startedAt)) / 100) / 10),
        stepsCompleted: op.stepsCompleted.length,
        stepsTotal: op.steps.length,
        ...(op.mode ? { mode: op.mode } : {}),
        ...(op.dataLossWindowSeconds !== undefined ? { dataLossWindowSeconds: op.dataLossWindowSeconds } : {}),
        ...(op.warnings.length ? { warnings: [...op.warnings] } : {}),
      };
      if (r?.rolledBack || op.rolledBack) o.rolledBack = true;
      if (o.status === 'failed') {
        const e = err as { message?: string; hint?: string; code?: string } | undefined;
        o.message = e?.message ?? op.errorMessage ?? 'failed';
        if (e?.hint) o.hint = e.hint;
        if (e?.code) o.code = e.code;
        if (!o.rolledBack) o.resumeCommand = op.resumeCommand ?? resumeCommand;
      }
      return o;
    };

    await Promise.all(
      [...byGroup.values()].map(async (actions) => {
        for (const a of actions) {
          const o = await runAction(a).catch((err: unknown): OperationOutcome => {
            const e = err as DrctlError;
            return { group: a.group, type: a.action, status: 'failed', message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.code ? { code: e.code } : {}) };
          });
          outcomes.push(o);
          if (o.status !== 'completed') {
            const rest = actions.slice(actions.indexOf(a) + 1);
            for (const x of rest) outcomes.push({ group: x.group, type: x.action, status: 'not-started', message: `not started: the ${o.type} before it did not complete` });
            break;
          }
        }
      }),
    );
    progress.summary(outcomes);
    const failed = outcomes.some((o) => o.status === 'failed');
    const refused = outcomes.some((o) => o.status === 'refused');
    return { exitCode: failed ? ExitCode.error : refused ? ExitCode.blocked : ExitCode.ok, plan, outcomes };
  } finally {
    progress.finish();
    await releaseQuietly(lock, io);
    await conns?.close().catch(() => undefined);
  }
}

async function releaseQuietly(lock: LockHandle, io: IoHost): Promise<void> {
  try {
    await lock.release();
  } catch (err) {
    io.warn(`Could not release the lock ${lock.id}: ${(err as Error).message}. Release it with: drctl state force-unlock ${lock.id}`);
  }
}

/** Operation ids: `op-<UTC stamp>-<6 hex>`: sortable, readable, unique across quick successive applies. */
export function opIdGenerator(now: () => number, rnd: () => string): () => string {
  return () => {
    const stamp = new Date(now()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    return `op-${stamp}-${rnd().replace(/[^a-f0-9]/gi, '').slice(0, 6).toLowerCase()}`;
  };
}
