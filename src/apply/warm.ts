/**
 * Warm-up of the privileged (admin) clients an operation will use. A site's `adminCloud` entry is a
 * second Keystone token, and the first call with it makes Cinder validate that token with Keystone:
 * on the stack lab under load, 1.7 s for the token and 5 s for the first admin call, both on the
 * critical path of the first volume.import (between promote and boot). Started in the background
 * when the plan is made, they overlap with the operation's first steps (stop, demote, promote), which
 * do not need them. A read only (the volume types); a failure is ignored here and surfaces, with its
 * hint, in the step that needs the client.
 */
import type { Plan, StepName } from '../plan/types.js';
import type { Connections } from '../providers/connect.js';

/** Steps that call a site's privileged clients (src/steps/volumes.ts: manage, transfer, unmanage). */
export const PRIVILEGED_STEPS: ReadonlySet<StepName> = new Set<StepName>(['volume.import', 'volume.unmanage']);

/** Sites whose admin clients (when distinct from the member's) the plan's steps will call. */
export function privilegedSites(plan: Pick<Plan, 'actions'>, conns: Pick<Connections, 'sites'>): string[] {
  const sites = new Set<string>();
  for (const a of plan.actions) for (const s of a.steps) if (s.site && PRIVILEGED_STEPS.has(s.name)) sites.add(s.site);
  return [...sites].filter((n) => {
    const c = conns.sites[n];
    return c !== undefined && c.admin !== c.os;
  }).sort();
}

/** Starts the warm-up; resolves when every call settled (never rejects). Callers need not wait. */
export function warmPrivilegedClients(plan: Pick<Plan, 'actions'>, conns: Pick<Connections, 'sites'>): Promise<void> {
  return Promise.all(privilegedSites(plan, conns).map((n) => conns.sites[n]!.admin.cinder.listVolumeTypes().then(() => undefined, () => undefined))).then(() => undefined);
}
