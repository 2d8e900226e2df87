/**
 * The facts a plan relied on, as a canonical projection of the inventory, and their digest.
 * A saved plan carries both; apply re-discovers, projects again and compares (invariant 7).
 *
 * What is in it, per group in the plan's scope: site reachability, each array's role/existence,
 * split brain, the production instance of every member per site ("id:STATUS"), stray and drill
 * instance ids, the group record per site — and the last replicated point only where the plan relied
 * on it (an action with data at risk, or a drill, which clones that point). For other async groups
 * only "lag within rpoMinutes" is bound: replication moving on by itself every interval must not make
 * every saved plan stale, but replication falling behind must.
 */
import { createHash } from 'node:crypto';
import type { Inventory } from '../discovery/types.js';
import type { DRSpec } from '../spec/types.js';
import type { GroupFacts, Plan, PlanFacts } from './types.js';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(o[k])]),
    );
  }
  return v;
}

/** JSON with sorted keys and no undefined: the same facts always give the same bytes. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function digestFacts(f: PlanFacts): string {
  return sha256(canonicalJson(f));
}

export function lagOf(inv: Inventory, group: string): number | undefined {
  const st = inv.groups[group]?.storage;
  if (!st) return undefined;
  if (st.lagSeconds !== undefined) return st.lagSeconds;
  if (st.lastSyncAt) return Math.max(0, Math.round((Date.parse(inv.discoveredAt) - Date.parse(st.lastSyncAt)) / 1000));
  return undefined;
}

/** Groups whose last replicated point the plan relied on. */
function relyOnLastSync(plan: Pick<Plan, 'actions'>): Set<string> {
  const s = new Set<string>();
  for (const a of plan.actions) {
    if ((a.dataAtRisk && a.dataAtRisk.seconds > 0) || a.action === 'drill') s.add(a.group);
  }
  return s;
}

export function factsOf(spec: DRSpec, inv: Inventory, plan: Pick<Plan, 'actions' | 'groups' | 'targets'>): PlanFacts {
  const scope = plan.groups?.map((g) => g.name) ?? plan.targets ?? Object.keys(spec.groups);
  const sites: PlanFacts['sites'] = {};
  for (const [name, s] of Object.entries(inv.sites).sort(([a], [b]) => a.localeCompare(b))) sites[name] = { reachable: s.reachable };
  const lastSync = relyOnLastSync(plan);
  const groups: Record<string, GroupFacts> = {};
  for (const name of [...scope].sort()) {
    const gi = inv.groups[name];
    const g = spec.groups[name];
    if (!gi || !g) continue;
    const sitesOf = [g.primarySite, g.secondarySite];
    const arrays: GroupFacts['arrays'] = {};
    for (const s of sitesOf) {
      const a = gi.storage.perSite[s];
      arrays[s] = { reachable: a?.reachable ?? false, exists: a?.exists ?? false, role: a?.role ?? 'unknown' };
    }
    const servers: GroupFacts['servers'] = {};
    for (const m of gi.members) {
      servers[m.server] = {};
      for (const s of sitesOf) {
        const i = m.instances[s];
        servers[m.server]![s] = i === undefined ? '?' : i === null ? null : `${i.id}:${i.status}`;
      }
    }
    const records: GroupFacts['records'] = {};
    const drills: GroupFacts['drills'] = {};
    const strays: GroupFacts['strays'] = {};
    for (const s of sitesOf) {
      const cg = gi.consistencyGroups[s];
      const r = cg?.record;
      records[s] = cg === undefined ? '?' : r ? `v${r.version}:${r.activeSite}${r.fenceRequired ? `:fence=${r.fenceRequired}` : ''}` : null;
      drills[s] = [...(gi.drillInstances[s] ?? []).map((x) => x.id), ...(gi.drillVolumes[s] ?? []).map((x) => x.id)].sort();
      strays[s] = (gi.strayInstances[s] ?? []).map((x) => x.id).sort();
    }
    const f: GroupFacts = { arrays, splitBrain: gi.storage.splitBrain, servers, records, drills, strays };
    if (lastSync.has(name) && gi.storage.lastSyncAt) f.lastSyncAt = gi.storage.lastSyncAt;
    if (g.replication.type === 'async' && g.replication.rpoMinutes) {
      const lag = lagOf(inv, name);
      f.withinRpo = lag !== undefined && lag <= g.replication.rpoMinutes * 60;
    }
    groups[name] = f;
  }
  return { sites, groups };
}

/** Human strings naming what differs between two fact projections (for a stale-plan refusal). */
export function diffFacts(before: PlanFacts, after: PlanFacts): string[] {
  const out: string[] = [];
  for (const s of new Set([...Object.keys(before.sites), ...Object.keys(after.sites)])) {
    const a = before.sites[s]?.reachable;
    const b = after.sites[s]?.reachable;
    if (a !== b) out.push(`${s}: ${a ? 'reachable' : 'unreachable'} when planned, ${b ? 'reachable' : 'unreachable'} now`);
  }
  for (const g of new Set([...Object.keys(before.groups), ...Object.keys(after.groups)])) {
    const a = before.groups[g];
    const b = after.groups[g];
    if (!a || !b) {
      out.push(`${g}: ${a ? 'no longer discovered' : 'not part of the plan'}`);
      continue;
    }
    for (const s of new Set([...Object.keys(a.arrays), ...Object.keys(b.arrays)])) {
      const x = a.arrays[s];
      const y = b.arrays[s];
      if (canonicalJson(x) !== canonicalJson(y)) out.push(`${g}: array on ${s} was ${x ? `${x.role}${x.exists ? '' : ' (missing)'}` : '?'}, now ${y ? `${y.role}${y.exists ? '' : ' (missing)'}` : '?'}`);
    }
    if (a.splitBrain !== b.splitBrain) out.push(`${g}: split brain ${b.splitBrain ? 'detected now' : 'resolved since'}`);
    if (a.lastSyncAt !== b.lastSyncAt) out.push(`${g}: last replicated point was ${a.lastSyncAt ?? 'none'}, now ${b.lastSyncAt ?? 'none'}`);
    if (a.withinRpo !== b.withinRpo) out.push(`${g}: replication lag was ${a.withinRpo ? 'within' : 'beyond'} rpoMinutes, now ${b.withinRpo ? 'within' : 'beyond'}`);
    for (const m of new Set([...Object.keys(a.servers), ...Object.keys(b.servers)])) {
      for (const s of new Set([...Object.keys(a.servers[m] ?? {}), ...Object.keys(b.servers[m] ?? {})])) {
        const x = a.servers[m]?.[s];
        const y = b.servers[m]?.[s];
        if (x !== y) out.push(`${g}: member ${m} on ${s} was ${x ?? 'absent'}, now ${y ?? 'absent'}`);
      }
    }
    for (const s of new Set([...Object.keys(a.records), ...Object.keys(b.records)])) {
      if (a.records[s] !== b.records[s]) out.push(`${g}: group record on ${s} was ${a.records[s] ?? 'absent'}, now ${b.records[s] ?? 'absent'}`);
    }
    for (const [k, label] of [
      ['drills', 'drill resources'],
      ['strays', 'stray instances'],
    ] as const) {
      for (const s of new Set([...Object.keys(a[k]), ...Object.keys(b[k])])) {
        if (canonicalJson(a[k][s] ?? []) !== canonicalJson(b[k][s] ?? [])) out.push(`${g}: ${label} on ${s} changed (${(a[k][s] ?? []).length} → ${(b[k][s] ?? []).length})`);
      }
    }
  }
  return out;
}
