/**
 * A summary of the world for `drctl mock show`: servers and volumes per site, array roles and lag,
 * faults, simulated time. Plain data (the CLI renders it as text or JSON).
 */
import { TAG } from '../discovery/types.js';
import { clusterOf, imageStatusJson } from './ceph.js';
import { describeFault, isUnreachable } from './faults.js';
import { serverState } from './nova.js';
import { effectiveStatus } from './cinder.js';
import { arrayOf, pgSnapshots, remoteSnapshots, snapTransfer } from './pure.js';
import { backingName } from './backing.js';
import { replicationBlocked } from './faults.js';
import type { Fault, MockSettings } from './types.js';
import type { MockWorld } from './world.js';

export interface WorldSummary {
  file: string;
  spec?: string;
  simulatedTime: string;
  clockOffsetSeconds: number;
  settings: MockSettings;
  sites: Record<string, SiteSummary>;
  faults: (Fault & { text: string })[];
}

export interface SiteSummary {
  reachable: boolean;
  region: string;
  servers: { id: string; name: string; status: string; group?: string; role?: string }[];
  volumes: { id: string; name: string | null; status: string; size: number; type: string; group?: string; backing?: string }[];
  consistencyGroups: { id: string; name: string | null; volumes: number }[];
  storage: PureSummary | CephSummary;
}

export interface PureSummary {
  driver: 'pure';
  array: string;
  volumes: number;
  protectionGroups: { name: string; role: 'source' | 'target'; targets?: string[]; scheduleSeconds?: number; enabled?: boolean; lastReplicatedSnapshot?: string; lastReplicatedAt?: string; lagSeconds?: number; transferring?: number }[];
  pods: { name: string; promotion: string; linked: boolean; linkStatus?: string; lagSeconds?: number }[];
}

export interface CephSummary {
  driver: 'ceph';
  cluster: string;
  pool: string;
  images: { name: string; primary: boolean | null; state: string }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function summarize(world: MockWorld): WorldSummary {
  const now = world.now();
  const sites: Record<string, SiteSummary> = {};
  for (const name of world.siteNames()) {
    const site = world.site(name);
    const ix = world.index(name);
    const types = site.cinder.types;
    const a = arrayOf(site);
    const c = clusterOf(site);
    let storage: PureSummary | CephSummary;
    if (a) {
      const pgs: PureSummary['protectionGroups'] = Object.values(a.protectionGroups).map((pg) => {
        const snaps = pgSnapshots(world, a, pg, now).filter((s) => s.replicate);
        const transferring = snaps.filter((s) => snapTransfer(world, s, now).completed === null && snapTransfer(world, s, now).started !== null).length;
        return { name: pg.name, role: 'source', targets: pg.targets.map((t) => t.name), scheduleSeconds: pg.replication.frequencyMs / 1000, enabled: pg.replication.enabled, transferring };
      });
      const remote = remoteSnapshots(world, name);
      const byGroup = new Map<string, typeof remote>();
      for (const s of remote) {
        const k = `${s.source.name}:${s.pg.name}`;
        byGroup.set(k, [...(byGroup.get(k) ?? []), s]);
      }
      for (const [k, list] of byGroup) {
        const done = list.filter((s) => s.completed !== null).sort((x, y) => y.created - x.created)[0];
        pgs.push({
          name: k,
          role: 'target',
          ...(done ? { lastReplicatedSnapshot: `${done.source.name}:${done.name}`, lastReplicatedAt: iso(done.created), lagSeconds: Math.round((now - done.created) / 1000) } : {}),
          transferring: list.filter((s) => s.completed === null).length,
        });
      }
      const peer = world.data.siteOrder.find((s) => s !== name);
      const peerArray = peer ? arrayOf(world.site(peer)) : undefined;
      const down = replicationBlocked(world) ? world.data.linkOutages.find((o) => o.to === undefined) : undefined;
      storage = {
        driver: 'pure',
        array: a.name,
        volumes: Object.keys(a.volumes).length,
        protectionGroups: pgs,
        pods: Object.values(a.pods).map((p) => {
          const remotePod = peerArray?.pods[p.name];
          const linked = p.linked && Boolean(remotePod);
          return {
            name: p.name,
            promotion: p.promotion,
            linked,
            ...(linked ? { linkStatus: down ? 'unhealthy' : p.promotion === 'promoted' && remotePod!.promotion === 'promoted' ? 'paused' : 'replicating', lagSeconds: down ? Math.round((now - down.from) / 1000) : 0 } : {}),
          };
        }),
      };
    } else if (c && site.storage.driver === 'ceph') {
      const pool = site.storage.pool;
      storage = {
        driver: 'ceph',
        cluster: c.cluster,
        pool,
        images: Object.values(c.pools[pool]?.images ?? {}).map((img) => ({
          name: img.name,
          primary: img.mirroring ? img.mirroring.primary : null,
          state: img.mirroring ? String(imageStatusJson(world, name, c, pool, img).state) : 'not mirrored',
        })),
      };
    } else {
      storage = { driver: 'ceph', cluster: '?', pool: '?', images: [] };
    }
    sites[name] = {
      reachable: !isUnreachable(world, name),
      region: site.region,
      servers: ix.serversSorted
        .map((s) => ({ id: s.id, name: s.name, status: serverState(world, s, now).status, ...(s.metadata[TAG.group] ? { group: s.metadata[TAG.group] } : {}), ...(s.metadata[TAG.role] ? { role: s.metadata[TAG.role] } : {}) }))
        .sort((x, y) => x.name.localeCompare(y.name)),
      volumes: ix.volumesSorted
        .map((v) => ({
          id: v.id,
          name: v.name,
          status: effectiveStatus(world, v),
          size: v.size,
          type: types[v.typeId]?.name ?? v.typeId,
          ...(v.groupId ? { group: site.cinder.groups[v.groupId]?.name ?? v.groupId } : {}),
          ...(backingName(site, v) ? { backing: backingName(site, v) } : {}),
        }))
        .sort((x, y) => String(x.name).localeCompare(String(y.name))),
      consistencyGroups: Object.values(site.cinder.groups).map((g) => ({ id: g.id, name: g.name, volumes: ix.volumesByGroup.get(g.id)?.length ?? 0 })),
      storage,
    };
  }
  return {
    file: world.path,
    ...(world.data.spec ? { spec: world.data.spec.name } : {}),
    simulatedTime: iso(now),
    clockOffsetSeconds: Math.round(world.data.clockOffsetMs / 1000),
    settings: world.settings,
    sites,
    faults: world.data.faults.map((f) => ({ ...f, text: describeFault(f) })),
  };
}

/** Text rendering for the terminal. */
export function renderSummary(s: WorldSummary): string {
  const out: string[] = [];
  out.push(`Mock world ${s.file}${s.spec ? ` (spec ${s.spec})` : ''}`);
  out.push(`Simulated time ${s.simulatedTime} (clock offset ${s.clockOffsetSeconds}s); boot ${s.settings.bootSeconds}s, stop ${s.settings.stopSeconds}s, transfer ${s.settings.transferSeconds}s`);
  for (const [name, site] of Object.entries(s.sites)) {
    out.push('');
    out.push(`${name} (${site.region})${site.reachable ? '' : '  UNREACHABLE'}`);
    out.push(`  servers (${site.servers.length}):`);
    for (const v of site.servers.slice(0, 50)) out.push(`    ${v.name.padEnd(28)} ${v.status.padEnd(8)} ${v.group ? `${v.group}/${v.role ?? ''}` : ''}`.trimEnd());
    if (site.servers.length > 50) out.push(`    … ${site.servers.length - 50} more (use --json)`);
    out.push(`  volumes (${site.volumes.length}):`);
    for (const v of site.volumes.slice(0, 50)) out.push(`    ${String(v.name ?? v.id).padEnd(28)} ${v.status.padEnd(10)} ${String(v.size).padStart(4)}G ${v.type}${v.group ? `  [${v.group}]` : ''}`);
    if (site.volumes.length > 50) out.push(`    … ${site.volumes.length - 50} more (use --json)`);
    for (const g of site.consistencyGroups) out.push(`  consistency group ${g.name}: ${g.volumes} volume(s)`);
    const st = site.storage;
    if (st.driver === 'pure') {
      out.push(`  array ${st.array} (${st.volumes} volumes)`);
      for (const pg of st.protectionGroups) {
        if (pg.role === 'source') out.push(`    pg ${pg.name}: source → ${pg.targets?.join(', ') || 'no target'}, every ${pg.scheduleSeconds}s${pg.enabled ? '' : ' (schedule disabled)'}${pg.transferring ? `, ${pg.transferring} transferring` : ''}`);
        else out.push(`    pg ${pg.name}: target, last replicated ${pg.lastReplicatedSnapshot ?? 'none'}${pg.lagSeconds !== undefined ? `, lag ${pg.lagSeconds}s` : ''}${pg.transferring ? `, ${pg.transferring} transferring` : ''}`);
      }
      for (const p of st.pods) out.push(`    pod ${p.name}: ${p.promotion}${p.linked ? `, link ${p.linkStatus}, lag ${p.lagSeconds}s` : ', not linked'}`);
    } else {
      out.push(`  ceph cluster ${st.cluster}, pool ${st.pool}`);
      for (const i of st.images) out.push(`    ${i.name.padEnd(44)} ${i.primary === null ? '' : i.primary ? 'primary    ' : 'non-primary'} ${i.state}`);
    }
  }
  out.push('');
  out.push(s.faults.length ? `Faults:\n${s.faults.map((f) => `  ${f.id}  ${f.text}`).join('\n')}` : 'Faults: none');
  return out.join('\n');
}
