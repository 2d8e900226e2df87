/**
 * The status view (DESIGN.md "status" JSON shape), derived from an inventory and the journal.
 * Group statuses follow the seed documents: active (on its home site), failed_over, failed_over_partial,
 * failing_over / failing_back (an operation in flight), plus unprotected, split_brain and unknown.
 */
import type { JournalView } from '../plan/types.js';
import type { DRSpec } from '../spec/types.js';
import type { GroupInventory, Inventory } from './types.js';

export type GroupStatus =
  | 'active'
  | 'failed_over'
  | 'failed_over_partial'
  | 'failing_over'
  | 'failing_back'
  | 'unprotected'
  | 'split_brain'
  | 'unknown';

export interface StatusInstance {
  name: string;
  status: string;
  member: string;
  tier: number;
}

export interface GroupStatusView {
  name: string;
  status: GroupStatus;
  /** Where production runs now (discovered), null when it cannot be told. */
  activeSite: string | null;
  /** What the spec wants. */
  desiredSite: string;
  homeSite: string;
  drill: { up: boolean; desired: boolean; instances: number };
  instances: Record<string, StatusInstance[] | null>;
  replication: {
    type: 'async' | 'sync';
    direction: string | null;
    lagSeconds: number | null;
    rpoMinutes: number | null;
    lastSyncAt: string | null;
    withinRpo: boolean | null;
    roles: Record<string, string>;
  };
  operation?: { id: string; type: string; status: string };
  notes: string[];
}

export interface StatusView {
  spec: string;
  observedAt: string;
  sites: Record<string, { reachable: boolean; error?: string }>;
  groups: GroupStatusView[];
}

function runningOn(g: GroupInventory, site: string): number {
  return g.members.filter((m) => m.instances[site]?.status === 'ACTIVE').length;
}

export function buildStatus(spec: DRSpec, inv: Inventory, journal: JournalView): StatusView {
  const groups: GroupStatusView[] = [];
  for (const [name, gs] of Object.entries(spec.groups)) {
    const g = inv.groups[name];
    const sites = [gs.primarySite, gs.secondarySite];
    const notes: string[] = [];
    const instances: GroupStatusView['instances'] = {};
    for (const s of sites) {
      if (!inv.sites[s]?.reachable) {
        instances[s] = null;
        continue;
      }
      instances[s] = g.members
        .filter((m) => m.instances[s])
        .map((m) => ({ name: m.instances[s]!.name, status: m.instances[s]!.status, member: m.server, tier: m.tier }));
    }
    const onHome = runningOn(g, gs.primarySite);
    const onAway = runningOn(g, gs.secondarySite);
    let activeSite: string | null = null;
    if (onHome > 0 && onAway === 0) activeSite = gs.primarySite;
    else if (onAway > 0 && onHome === 0) activeSite = gs.secondarySite;
    else if (onHome === 0 && onAway === 0) activeSite = g.storage.direction?.from ?? null;

    const op = journal.unfinished.find((o) => o.group === name);
    let status: GroupStatus;
    if (g.storage.splitBrain) status = 'split_brain';
    else if (op && (op.type === 'failover' || op.type === 'failback')) status = op.targetSite === gs.primarySite ? 'failing_back' : 'failing_over';
    else if (onHome > 0 && onAway > 0) {
      status = 'failed_over_partial';
      notes.push(`members run on both sites (${onHome} on ${gs.primarySite}, ${onAway} on ${gs.secondarySite})`);
    } else if (activeSite === gs.secondarySite) status = onAway < g.members.length ? 'failed_over_partial' : 'failed_over';
    else if (!g.storage.perSite[gs.primarySite]?.exists && !g.consistencyGroups[gs.primarySite]) status = 'unprotected';
    else if (activeSite === gs.primarySite) status = 'active';
    else status = 'unknown';
    for (const s of sites) if (!inv.sites[s]?.reachable) notes.push(`${s} unreachable: ${inv.sites[s]?.error?.message ?? 'no answer'}`);

    const lag = g.storage.lagSeconds ?? null;
    const rpo = gs.replication.rpoMinutes ?? null;
    const drillCount = Object.values(g.drillInstances).reduce((n, l) => n + l.length, 0);
    groups.push({
      name,
      status,
      activeSite,
      desiredSite: gs.activeSite,
      homeSite: gs.primarySite,
      drill: { up: drillCount > 0, desired: gs.drill, instances: drillCount },
      instances,
      replication: {
        type: gs.replication.type,
        direction: g.storage.direction ? `${g.storage.direction.from} → ${g.storage.direction.to}` : null,
        lagSeconds: lag,
        rpoMinutes: rpo,
        lastSyncAt: g.storage.lastSyncAt ?? null,
        withinRpo: lag === null ? null : rpo === null ? lag === 0 || gs.replication.type === 'sync' : lag <= rpo * 60,
        roles: Object.fromEntries(sites.map((s) => [s, g.storage.perSite[s]?.reachable === false ? 'unreachable' : (g.storage.perSite[s]?.role ?? 'unknown')])),
      },
      ...(op ? { operation: { id: op.id, type: op.type, status: op.status } } : {}),
      notes,
    });
  }
  return {
    spec: inv.spec.name,
    observedAt: inv.discoveredAt,
    sites: Object.fromEntries(
      Object.entries(inv.sites).map(([n, s]) => [n, { reachable: s.reachable, ...(s.error ? { error: s.error.message } : {}) }]),
    ),
    groups,
  };
}

function dur(s: number): string {
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderStatusText(v: StatusView): string {
  const lines: string[] = [];
  const siteLine = Object.entries(v.sites)
    .map(([n, s]) => `${n}: ${s.reachable ? 'reachable' : `UNREACHABLE (${s.error ?? 'no answer'})`}`)
    .join(' · ');
  lines.push(`Spec ${v.spec} — ${siteLine}`);
  for (const g of v.groups) {
    const r = g.replication;
    const lag = r.lagSeconds === null ? 'lag unknown' : `lag ${dur(r.lagSeconds)}${r.rpoMinutes !== null ? ` / RPO ${r.rpoMinutes}m` : ''}${r.withinRpo === false ? ' (RPO EXCEEDED)' : ''}`;
    const where = g.activeSite ?? 'unknown';
    const wants = g.desiredSite !== g.activeSite ? ` (spec wants ${g.desiredSite})` : '';
    lines.push('');
    lines.push(`${g.name}: ${g.status} · running on ${where}${wants} · ${r.type} ${r.direction ?? 'no replication direction'} · ${lag}${g.drill.up ? ` · drill up (${g.drill.instances} VMs)` : ''}`);
    for (const [site, list] of Object.entries(g.instances)) {
      if (list === null) {
        lines.push(`  ${site}: unreachable`);
        continue;
      }
      const body = list.length ? list.map((i) => `${i.name} ${i.status}`).join(', ') : 'no instances';
      lines.push(`  ${site} [array: ${r.roles[site]}]: ${body}`);
    }
    if (g.operation) lines.push(`  operation ${g.operation.id} (${g.operation.type}) is ${g.operation.status}: drctl apply resumes it`);
    for (const n of g.notes) lines.push(`  note: ${n}`);
  }
  return lines.join('\n');
}
