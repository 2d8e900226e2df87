/**
 * Semantic rules: what the schema cannot say. They run on the raw parsed value even when the schema
 * found problems (so the user sees everything at once), and therefore guard every access.
 */
import { SpecCode } from './codes.js';
import type { RawProblem } from './schema.js';
import { dotted, type PathSeg } from './source.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
};

export function semanticProblems(root: unknown): RawProblem[] {
  const out: RawProblem[] = [];
  const report = (code: string, path: PathSeg[], message: string, at: 'key' | 'value' = 'value', severity?: 'warning') =>
    out.push({ code, path, message, at, ...(severity ? { severity } : {}) });
  if (!isObj(root)) return out;

  const sites = isObj(root.sites) ? root.sites : {};
  const siteNames = Object.keys(sites);
  const driverOf = (site: string | undefined): string | undefined => {
    const s = site === undefined ? undefined : sites[site];
    const d = isObj(s) && isObj(s.storage) ? s.storage.driver : undefined;
    return d === 'pure' || d === 'ceph' ? d : undefined;
  };

  // Both sites replicate to each other: one array technology.
  const known = siteNames.map((n) => [n, driverOf(n)] as const).filter(([, d]) => d !== undefined);
  if (known.length === 2 && known[0]![1] !== known[1]![1]) {
    report(
      SpecCode.mixedDrivers,
      ['sites', known[1]![0], 'storage', 'driver'],
      `sites.${known[1]![0]}.storage.driver is '${known[1]![1]}' but sites.${known[0]![0]} uses '${known[0]![1]}'; both sites of a spec must use the same storage driver`,
    );
  }

  const groups = isObj(root.groups) ? root.groups : {};
  const serverHome = new Map<string, string>();
  // Every production network of every group, on either site (a drill runs on whichever site is
  // standby, so after a failover that is the primary): drill networks must be none of them.
  const productionNets = new Map<string, string>();
  for (const [g, group] of Object.entries(groups)) {
    if (!isObj(group)) continue;
    const mappings = isObj(group.mappings) ? group.mappings : {};
    for (const field of ['networks', 'reverseNetworks'] as const) {
      for (const [src, dst] of Object.entries(strMap(mappings[field]))) {
        for (const n of [src, dst]) if (!productionNets.has(n)) productionNets.set(n, `groups.${g}.mappings.${field}`);
      }
    }
  }

  for (const [g, group] of Object.entries(groups)) {
    if (!isObj(group)) continue;
    const gp: PathSeg[] = ['groups', g];
    const at = (...rest: PathSeg[]) => [...gp, ...rest];
    const where = (...rest: PathSeg[]) => dotted(at(...rest));

    // Sites of the group.
    const primary = str(group.primarySite);
    const secondary = str(group.secondarySite);
    const siteList = siteNames.join(', ');
    for (const [field, value] of [
      ['primarySite', primary],
      ['secondarySite', secondary],
    ] as const) {
      // When sites itself is malformed the schema already said so; every reference would be noise.
      if (value !== undefined && isObj(root.sites) && !siteNames.includes(value)) {
        report(SpecCode.unknownSite, at(field), `${where(field)} '${value}' is not a declared site (sites: ${siteList})`);
      }
    }
    if (primary !== undefined && primary === secondary) {
      report(SpecCode.sameSite, at('secondarySite'), `${where('secondarySite')} is '${secondary}', the same as primarySite; a group fails over between two different sites`);
    }
    const active = str(group.activeSite);
    const groupSites = [primary, secondary].filter((s): s is string => s !== undefined);
    if (active !== undefined && groupSites.length > 0 && !groupSites.includes(active)) {
      report(SpecCode.activeSite, at('activeSite'), `${where('activeSite')} '${active}' is not one of the group's sites (${groupSites.join(', ')})`);
    }

    // Members: one group per server, once per group.
    const members = Array.isArray(group.members) ? group.members : [];
    const inGroup = new Map<string, number>();
    members.forEach((m, i) => {
      if (!isObj(m)) return;
      const server = str(m.server);
      if (server === undefined) return;
      if (inGroup.has(server)) {
        report(SpecCode.serverTwiceInGroup, at('members', i, 'server'), `${where('members', i, 'server')} '${server}' is already listed as members[${inGroup.get(server)}] of this group`);
        return;
      }
      inGroup.set(server, i);
      const other = serverHome.get(server);
      if (other !== undefined) {
        report(SpecCode.serverInTwoGroups, at('members', i, 'server'), `${where('members', i, 'server')} '${server}' is already a member of group '${other}'; a server belongs to one group only`);
      } else {
        serverHome.set(server, g);
      }
    });

    // Replication.
    const rep = isObj(group.replication) ? group.replication : undefined;
    if (rep) {
      const type = rep.type;
      // The group's array technology; unknown when its sites are unknown or disagree (reported elsewhere).
      const drivers = new Set(groupSites.map(driverOf));
      const driver = drivers.size === 1 ? [...drivers][0] : undefined;
      const has = (k: string) => rep[k] !== undefined;
      if (type === 'async') {
        const missing = ['intervalSeconds', 'rpoMinutes'].filter((k) => !has(k));
        if (missing.length) {
          report(
            SpecCode.asyncNeedsTiming,
            at('replication'),
            `${where('replication')} is async but has no ${missing.join(' or ')}; drctl has no default RPO: set e.g. intervalSeconds: 300 and rpoMinutes: 15`,
          );
        }
        const iv = rep.intervalSeconds;
        const rpo = rep.rpoMinutes;
        if (typeof iv === 'number' && typeof rpo === 'number' && iv > 0 && rpo > 0 && rpo * 60 < iv) {
          report(
            SpecCode.rpoBelowInterval,
            at('replication', 'rpoMinutes'),
            `${where('replication', 'rpoMinutes')} (${rpo} min) is shorter than intervalSeconds (${iv} s): replication lag regularly exceeds the RPO, so plans will be blocked`,
            'value',
            'warning',
          );
        }
      } else if (type === 'sync') {
        for (const k of ['intervalSeconds', 'rpoMinutes']) {
          if (has(k)) report(SpecCode.syncForbidsTiming, at('replication', k), `${where('replication', k)} does not apply to sync replication (RPO is 0); remove it or use type: async`, 'key');
        }
      }
      if (driver === 'pure' && type === 'async' && !has('arrayGroup')) {
        report(SpecCode.pureAsyncNeedsArrayGroup, at('replication'), `${where('replication')} is async on pure arrays but has no arrayGroup (the FlashArray protection group, e.g. pg-${g})`);
      }
      if (driver === 'pure' && type === 'sync' && !has('pod')) {
        report(SpecCode.pureSyncNeedsPod, at('replication'), `${where('replication')} is sync on pure arrays but has no pod (the ActiveCluster pod, e.g. pod-${g})`);
      }
      if (has('mirrorMode') && driver === 'pure') {
        report(SpecCode.mirrorModeNotCeph, at('replication', 'mirrorMode'), `${where('replication', 'mirrorMode')} is a Ceph RBD setting, but this group's sites use driver pure; remove it`, 'key');
      }
      if (has('arrayGroup') && (driver === 'ceph' || type === 'sync')) {
        const why = driver === 'ceph' ? 'the ceph driver mirrors images, it has no protection groups' : 'sync replication uses a pod, not a protection group';
        report(SpecCode.settingNotApplicable, at('replication', 'arrayGroup'), `${where('replication', 'arrayGroup')} does not apply here: ${why}`, 'key');
      }
      if (has('pod') && (driver === 'ceph' || type === 'async')) {
        const why = driver === 'ceph' ? 'the ceph driver mirrors images, it has no pods' : 'async replication uses arrayGroup, not a pod';
        report(SpecCode.settingNotApplicable, at('replication', 'pod'), `${where('replication', 'pod')} does not apply here: ${why}`, 'key');
      }
    }

    // Mappings must be invertible for failback, or come with an explicit reverse.
    const mappings = isObj(group.mappings) ? group.mappings : {};
    const invertible = (
      field: 'networks' | 'flavors',
      reverseField: 'reverseNetworks' | 'reverseFlavors',
      code: string,
    ) => {
      const fwd = strMap(mappings[field]);
      const hasReverse = mappings[reverseField] !== undefined;
      if (!hasReverse) {
        const firstSource = new Map<string, string>();
        for (const [src, dst] of Object.entries(fwd)) {
          const prior = firstSource.get(dst);
          if (prior === undefined) firstSource.set(dst, src);
          else {
            report(
              code,
              at('mappings', field, src),
              `${where('mappings', field)} is not invertible for failback: '${prior}' and '${src}' both map to '${dst}'; add mappings.${reverseField} saying where '${dst}' goes back to`,
              'key',
            );
          }
        }
      } else {
        const rev = strMap(mappings[reverseField]);
        for (const dst of new Set(Object.values(fwd))) {
          if (!(dst in rev)) {
            report(
              SpecCode.reverseMappingIncomplete,
              at('mappings', reverseField),
              `${where('mappings', reverseField)} has no entry for '${dst}' (a target of mappings.${field}); failback would not know where it goes back to`,
              'key',
            );
          }
        }
      }
    };
    invertible('networks', 'reverseNetworks', SpecCode.networksNotInvertible);
    invertible('flavors', 'reverseFlavors', SpecCode.flavorsNotInvertible);

    // Drills: only mapped networks, and never onto a production network.
    const nets = isObj(mappings.networks) ? mappings.networks : {};
    if (isObj(group.drillNetworks)) {
      for (const [src, dst] of Object.entries(group.drillNetworks)) {
        if (!Object.hasOwn(nets, src)) {
          report(
            SpecCode.drillSourceUnmapped,
            at('drillNetworks', src),
            `${where('drillNetworks')} source '${src}' is not a mapped network (not a key of mappings.networks)`,
            'key',
          );
        }
        if (typeof dst === 'string' && productionNets.has(dst)) {
          report(
            SpecCode.drillNotIsolated,
            at('drillNetworks', src),
            `${where('drillNetworks', src)} '${dst}' is a production network (in ${productionNets.get(dst)}); drill copies must run on an isolated network`,
          );
        }
      }
    }
  }
  return out;
}
