/** Operation-level steps: preflight, operation.open/close, verify. */
import type { StepContext } from '../apply/executor.js';
import { TAG } from '../discovery/types.js';
import { DrctlError } from '../errors.js';
import type { PlanStep } from '../plan/types.js';
import type { SiteConnection } from '../providers/connect.js';
import type { StepResult } from '../state/types.js';
import { StepCode } from './codes.js';
import { groupSpec, site, type StepDeps } from './deps.js';
import { isRole, optStr, params, refFor, strList, taggedServers } from './util.js';

export function opSteps(deps: StepDeps) {
  const peerNames = new Map<string, Promise<string | undefined>>();

  const reachable = async (c: SiteConnection): Promise<string | undefined> => {
    try {
      await c.os.session.token();
      await c.os.nova.listFlavors();
    } catch (err) {
      return `OpenStack: ${(err as Error).message}`;
    }
    try {
      await c.storage.arrayName();
    } catch (err) {
      return `array: ${(err as Error).message}`;
    }
    return undefined;
  };

  const preflight = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const p = params(step);
    const needs = strList(p, 'needs');
    const sites = needs.length ? needs : step.site ? [step.site] : [];
    const problems: string[] = [];
    await Promise.all(
      sites.map(async (s) => {
        const why = await reachable(site(deps, s, step.id));
        if (why) problems.push(`${s} does not answer (${why})`);
      }),
    );
    if (problems.length) {
      const action = optStr(p, 'action') ?? 'this operation';
      throw new DrctlError(StepCode.siteUnreachable, `Preflight for ${action} of ${ctx.group} failed: ${problems.sort().join('; ')}. Nothing was changed.`, {
        hint:
          optStr(p, 'mode') === 'planned' && (action === 'failover' || action === 'failback')
            ? 'Restore the site, or for an outage set failover.mode: unplanned (or pass --allow-data-loss) and plan again.'
            : 'Restore connectivity and run drctl apply again.',
      });
    }
    return { outputs: { checked: sites.sort() } };
  };

  const open = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => ({ outputs: { operationId: ctx.opId, type: optStr(params(step), 'type') ?? null } });

  const close = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const p = params(step);
    return { outputs: { operationId: ctx.opId, ...(p.removed && typeof p.removed === 'object' ? { removed: p.removed } : {}) } };
  };

  /** Moves and drills: every expected server ACTIVE with its volumes; no production instance ACTIVE on the other site. */
  const verifyRunning = async (step: PlanStep, ctx: StepContext, c: SiteConnection): Promise<StepResult> => {
    const p = params(step);
    const drill = step.target === 'drill';
    const expected = strList(p, 'members');
    const servers = await taggedServers(c, ctx.group, { role: drill ? 'drill' : 'production' });
    const problems: string[] = [];
    const found: string[] = [];
    for (const m of expected) {
      const s = drill ? servers.find((x) => x.name === m) : servers.find((x) => x.metadata[TAG.member] === m && x.status === 'ACTIVE') ?? servers.find((x) => x.metadata[TAG.member] === m);
      if (!s) {
        problems.push(`${m}: no ${drill ? 'drill copy' : 'instance'} on ${c.name}`);
        continue;
      }
      found.push(s.id);
      if (s.status !== 'ACTIVE') problems.push(`${s.name} is ${s.status}`);
      if (s.volumesAttached.length === 0) problems.push(`${s.name} has no volumes attached`);
    }
    const warnings: string[] = [];
    if (!drill) {
      // Invariant 1: production must not run on both sites.
      const other = groupSpec(deps, ctx.group);
      const otherName = c.name === other.primarySite ? other.secondarySite : other.primarySite;
      const oc = deps.conns.sites[otherName];
      try {
        const there = oc ? (await taggedServers(oc, ctx.group, { role: 'production' })).filter((s) => s.status === 'ACTIVE') : [];
        if (there.length) problems.push(`split brain: ${there.map((s) => s.name).join(', ')} ACTIVE on ${otherName} too`);
      } catch (err) {
        warnings.push(`${otherName} could not be checked for running instances (${(err as Error).message}); it must be fenced when it returns`);
      }
    }
    if (problems.length) {
      throw new DrctlError(StepCode.verifyFailed, `Verify on ${c.name} failed: ${problems.join('; ')}.`, { hint: 'Fix the listed servers on the site, then run drctl apply again (verification is repeated).' });
    }
    return { found: { servers: found }, ...(warnings.length ? { warnings } : {}) };
  };

  /** drill-cleanup: nothing drill-tagged remains (servers, volumes, array clones); fails otherwise. */
  const verifyClean = async (step: PlanStep, ctx: StepContext, c: SiteConnection): Promise<StepResult> => {
    const [servers, vols] = await Promise.all([taggedServers(c, ctx.group, { role: 'drill' }), c.os.cinder.listVolumes({ detail: true, filters: { metadata: { [TAG.group]: ctx.group, [TAG.role]: 'drill' } } })]);
    const drillVols = vols.filter((v) => v.metadata[TAG.group] === ctx.group && isRole(v.metadata, 'drill'));
    const r = await refFor(deps, peerNames, ctx.group, c.name, []);
    const st = await c.storage.status(r);
    const left = [...servers.map((s) => `server ${s.name} (${s.id})`), ...drillVols.map((v) => `volume ${v.name || v.id} (${v.id})`), ...st.drillVolumes.map((n) => `array volume ${n}`)];
    if (left.length) {
      throw new DrctlError(StepCode.drillRemains, `Drill resources remain on ${c.name} after cleanup: ${left.join(', ')}.`, {
        hint: 'Run drctl apply again (cleanup is repeated), or remove them by hand.',
      });
    }
    return { outputs: { clean: true } };
  };

  const verify = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const p = params(step);
    const c = site(deps, optStr(p, 'site') ?? step.site, step.id);
    return p.expectNoDrillResources === true ? verifyClean(step, ctx, c) : verifyRunning(step, ctx, c);
  };

  return {
    registry: { preflight, 'operation.open': open, 'operation.close': close, verify },
    compensations: {},
  };
}
