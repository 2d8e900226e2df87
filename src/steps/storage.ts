/**
 * Storage steps, through the StorageDriver of each site's array (Pure or Ceph): final sync, transfer
 * wait, promote (planned / forced), demote, protect, drill clones, resync, reverse replication.
 */
import type { Compensation, StepContext } from '../apply/executor.js';
import { TAG } from '../discovery/types.js';
import { DrctlError } from '../errors.js';
import type { PlanStep } from '../plan/types.js';
import type { SiteConnection } from '../providers/connect.js';
import type { StorageDriver, StorageGroupRef } from '../providers/storage/driver.js';
import type { StepResult } from '../state/types.js';
import { StepCode } from './codes.js';
import { progressPacer, site, waitFor, type StepDeps } from './deps.js';
import { arrayNameOf, drillTag, optStr, params, refFor, strList, tagsFromCloneNames, taggedVolumes } from './util.js';

/** Drivers that can resync (Ceph: `rbd mirror image resync`); not part of StorageDriver yet. */
type Resyncable = StorageDriver & { resync(ref: StorageGroupRef, opts: { discardSite: string }): Promise<string[]> };
const canResync = (d: StorageDriver): d is Resyncable => typeof (d as Partial<Resyncable>).resync === 'function';

export function storageSteps(deps: StepDeps) {
  const peerNames = new Map<string, Promise<string | undefined>>();
  const ref = (group: string, s: string, volumes: string[] = []) => refFor(deps, peerNames, group, s, volumes);

  /** Array names of the production volumes drctl manages for the group on this site (by tag). */
  const productionArrayVolumes = async (c: SiteConnection, group: string): Promise<string[]> => {
    const vols = await taggedVolumes(c, { [TAG.group]: group });
    return vols.filter((v) => (v.metadata[TAG.role] ?? 'production') === 'production').map((v) => arrayNameOf(c, v.id)).sort();
  };

  const finalSync = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const suffix = optStr(params(step), 'suffix') ?? `drctl-${ctx.opId}`;
    const r = await ref(ctx.group, c.name, await productionArrayVolumes(c, ctx.group));
    const snap = await c.storage.snapshotAndReplicate(r, suffix);
    return snap ? { created: { snapshot: snap.name }, outputs: { snapshot: snap.name, ...(snap.created ? { createdAt: new Date(snap.created).toISOString() } : {}) } } : { outputs: { snapshot: null, note: 'sync replication: nothing to snapshot' } };
  };

  const snapshotOf = async (step: PlanStep, ctx: StepContext, c: SiteConnection): Promise<string | undefined> => {
    const from = optStr(params(step), 'snapshotFrom');
    const direct = from ? ctx.resultOf(from)?.outputs?.snapshot : undefined;
    if (typeof direct === 'string') return direct;
    if (from && ctx.resultOf(from)) return undefined; // sync: no snapshot
    // The final-sync result is not at hand (it was done in an earlier run): the same suffix finds it.
    if (from) {
      const r = await ref(ctx.group, c.name);
      const snap = await c.storage.snapshotAndReplicate(r, `drctl-${ctx.opId}`);
      return snap?.name;
    }
    return undefined;
  };

  const waitTransfer = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const snapshot = await snapshotOf(step, ctx, c);
    if (!snapshot) return { outputs: { snapshot: null } };
    const r = await ref(ctx.group, c.name);
    const pace = progressPacer(deps);
    await waitFor(
      deps,
      `snapshot ${snapshot} to reach the peer array`,
      async () => {
        const p = await c.storage.transferProgress(r, snapshot);
        pace.seen(p);
        return p >= 1 ? true : undefined;
      },
      {
        timeoutMs: deps.poll.transferTimeoutMs,
        signal: ctx.signal,
        hint: 'Check the replication link between the arrays; drctl apply resumes and keeps waiting (nothing was promoted).',
        intervalMs: pace.next,
      },
    );
    return { outputs: { snapshot, transferredAt: new Date(deps.now()).toISOString() } };
  };

  const promote = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const from = optStr(p, 'snapshotFrom');
    let snapshot: string | undefined;
    if (from) {
      const s = ctx.resultOf(from)?.outputs?.snapshot;
      snapshot = typeof s === 'string' ? s : undefined;
      if (!snapshot && !ctx.resultOf(from)) {
        // Resumed in a later run: the final snapshot keeps its deterministic name.
        const g = deps.spec.groups[ctx.group];
        if (g?.replication.type === 'async') snapshot = `${(await ref(ctx.group, c.name)).object}.drctl-${ctx.opId}`;
      }
    }
    const r = await ref(ctx.group, c.name, strList(p, 'volumes'));
    const copies = await c.storage.promote(r, { force: false, ...(snapshot ? { snapshot } : {}) });
    return { created: { arrayVolumes: copies.map((x) => x.name) }, outputs: { snapshot: snapshot ?? null, copies } };
  };

  const forcePromote = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const r = await ref(ctx.group, c.name, strList(p, 'volumes'));
    // The last replicated point, measured now on this array: the data-loss window recorded in the journal.
    const st = await c.storage.status(r);
    const at = st.lastReplicatedAt ? Date.parse(st.lastReplicatedAt) : undefined;
    const planned = typeof p.dataLossWindowSeconds === 'number' ? p.dataLossWindowSeconds : undefined;
    // The array's own lag first (measured on its clock, as discovery does: in mock mode simulated time
    // is ahead of drctl's), then drctl's clock against the last replicated point, then the plan's figure.
    const window = st.lagSeconds !== undefined ? Math.round(st.lagSeconds) : at !== undefined && Number.isFinite(at) ? Math.max(0, Math.round((deps.now() - at) / 1000)) : planned;
    const copies = await c.storage.promote(r, { force: true });
    return {
      created: { arrayVolumes: copies.map((x) => x.name) },
      outputs: { copies, lastReplicatedAt: st.lastReplicatedAt ?? null, snapshot: st.lastReplicatedSnapshot ?? null, plannedWindowSeconds: planned ?? null },
      ...(window !== undefined ? { dataLossWindowSeconds: window } : {}),
      warnings: [`forced promotion: writes on the old source after ${st.lastReplicatedAt ?? 'the last replicated point'} are lost (window ${window ?? 'unknown'} s)`],
    };
  };

  const demote = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const r = await ref(ctx.group, c.name, await productionArrayVolumes(c, ctx.group));
    await c.storage.demote(r, { force: params(step).stale === true });
    return { outputs: { demoted: r.object } };
  };

  /** Undo of demote (a failure before promote): the old source replicates out again. */
  const demoteUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const r = await ref(ctx.group, c.name, await productionArrayVolumes(c, ctx.group));
    if (r.type === 'async') await c.storage.protect(r);
    else await c.storage.promote(r, { force: false });
  };

  const protect = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const r = await ref(ctx.group, c.name, strList(params(step), 'volumes'));
    await c.storage.protect(r);
    return { outputs: { object: r.object, volumes: r.volumes } };
  };

  const cloneForDrill = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const tag = drillTag(optStr(params(step), 'tag') ?? ctx.opId);
    const r = await ref(ctx.group, c.name, strList(params(step), 'volumes'));
    const clones = await c.storage.cloneForDrill(r, tag);
    return { created: { arrayVolumes: clones.map((x) => x.name) }, outputs: { tag, clones } };
  };

  const cloneUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const tag = drillTag(optStr(params(step), 'tag') ?? ctx.opId);
    await c.storage.removeDrillClones(await ref(ctx.group, c.name, strList(params(step), 'volumes')), tag);
  };

  const removeDrillClones = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const tags = new Set([...strList(p, 'tags').map(drillTag), ...tagsFromCloneNames(strList(p, 'arrayVolumes'))]);
    const r = await ref(ctx.group, c.name);
    const removed: string[] = [];
    for (const t of [...tags].sort()) removed.push(...(await c.storage.removeDrillClones(r, t)));
    return { outputs: { removed, tags: [...tags].sort() } };
  };

  const resync = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    if (step.confirmation && !step.confirmation.confirmed) {
      throw new DrctlError(StepCode.notConfirmed, `Resync of ${c.name} discards its writes since the failover and was not confirmed.`, { hint: step.confirmation.how, exitCode: 3 });
    }
    const discardSite = optStr(p, 'discardSite') ?? c.name;
    const r = await ref(ctx.group, c.name, await productionArrayVolumes(c, ctx.group));
    if (canResync(c.storage)) {
      const images = await c.storage.resync(r, { discardSite });
      return { outputs: { resynced: images } };
    }
    // Pure: an async target has nothing to resync (the next promote overwrites with ?overwrite=true);
    // make sure the discarded side does not replicate out any more.
    await c.storage.demote(r, { force: true });
    return {
      outputs: { resynced: [], note: `${c.storage.kind}: ${c.name} is a replication target again; its divergent data is overwritten by the next promote there` },
    };
  };

  const removeVolumes = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const vols = strList(params(step), 'volumes');
    const r = await ref(ctx.group, c.name);
    const d = c.storage as StorageDriver & { removeVolumes?: (ref: StorageGroupRef, volumes: string[]) => Promise<void> };
    if (typeof d.removeVolumes === 'function') {
      await d.removeVolumes({ ...r, volumes: vols }, vols);
      return { outputs: { removed: vols } };
    }
    return {
      outputs: { removed: [], kept: vols },
      warnings: [`${c.storage.kind} driver cannot take volumes out of ${r.object}; remove ${vols.join(', ') || 'them'} from ${r.object} on ${c.name}'s array by hand (their data is kept either way)`],
    };
  };

  /**
   * After a move to this site is verified: the group's production volumes of an earlier stay here,
   * which Cinder renamed `-unmanaged` when drctl retired them, are superseded by the copies now in
   * production. Destroy them (not eradicated: recoverable for the array's eradication delay), so
   * capacity does not grow with every failover. Never fails the operation: a problem is a warning.
   */
  const removeUnmanaged = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const d = c.storage as StorageDriver & { removeUnmanaged?: (ref: StorageGroupRef) => Promise<string[]> };
    if (typeof d.removeUnmanaged !== 'function') return { outputs: { removed: [], note: `${c.storage.kind}: unmanaged volumes keep their names; nothing to clean up` } };
    try {
      const removed = await d.removeUnmanaged(await ref(ctx.group, c.name));
      return {
        outputs: { removed },
        ...(removed.length ? { warnings: [`destroyed ${removed.length} old unmanaged array volume(s) on ${c.name} (recoverable on the array until its eradication delay passes): ${removed.join(', ')}`] } : {}),
      };
    } catch (err) {
      if (DrctlError.is(err) && err.code === StepCode.aborted) throw err;
      return { outputs: { removed: [] }, warnings: [`old unmanaged array volumes on ${c.name} were not cleaned up (${(err as Error).message}); remove the group's *-cinder-unmanaged volumes by hand`] };
    }
  };

  const reverseReplication = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const vols = await productionArrayVolumes(c, ctx.group);
    const r = await ref(ctx.group, c.name, vols);
    await c.storage.reverseReplication(r);
    const warnings: string[] = [];
    let baseline: string | null = null;
    if (r.type === 'async') {
      // Start the first transfer now instead of at the next interval, so the new standby has a
      // replicated point (and the RPO clock) right away; wait for it briefly, never fail on it.
      const snap = await c.storage.snapshotAndReplicate(r, `drctl-${ctx.opId}-rr`);
      baseline = snap?.name ?? null;
      if (snap && params(step).waitBaseline === false) {
        // A failover from the last replicated point: the link was behind, waiting would only time out.
        warnings.push(`the first transfer ${snap.name} to the new standby was started, not waited for (replication was behind when this was planned); drctl status shows when it arrives`);
      } else if (snap) {
        try {
          const pace = progressPacer(deps);
          await waitFor(
            deps,
            `the first transfer ${snap.name}`,
            async () => {
              const p = await c.storage.transferProgress(r, snap.name);
              pace.seen(p);
              return p >= 1 ? true : undefined;
            },
            { timeoutMs: deps.poll.baselineWaitMs, signal: ctx.signal, intervalMs: pace.next },
          );
        } catch (err) {
          if (!(DrctlError.is(err) && err.code === StepCode.timeout)) throw err;
          warnings.push(`the first transfer ${snap.name} to the new standby is still running`);
        }
      }
    }
    return { outputs: { object: r.object, volumes: vols, baseline }, ...(warnings.length ? { warnings } : {}) };
  };

  return {
    registry: {
      'storage.final-sync': finalSync,
      'storage.wait-transfer': waitTransfer,
      'storage.promote': promote,
      'storage.force-promote': forcePromote,
      'storage.demote': demote,
      'storage.protect': protect,
      'storage.clone-for-drill': cloneForDrill,
      'storage.remove-drill-clones': removeDrillClones,
      'storage.resync': resync,
      'storage.remove-volumes': removeVolumes,
      'storage.remove-unmanaged': removeUnmanaged,
      'storage.reverse-replication': reverseReplication,
    },
    compensations: {
      'storage.demote': demoteUndo,
      'storage.clone-for-drill': cloneUndo,
    },
  };
}
