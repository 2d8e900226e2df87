import t, { type Test } from 'tap';
import { TAG, type Inventory } from '../../src/discovery/types.js';
import { buildPlan, type BuildPlanOptions } from '../../src/plan/build.js';
import { PlanCode } from '../../src/plan/codes.js';
import { topoOrder } from '../../src/plan/dag.js';
import type { JournalView, Plan, PlanAction, PlanStep } from '../../src/plan/types.js';
import type { DRSpec } from '../../src/spec/types.js';
import { NOW, ago, baseSpec, capturedFor, fakeInventory, journal, server, webSpec, type Tweaks } from './fixtures.js';

const W = 'prod-web-app';
const PAY = 'prod-pay';

interface Scenario {
  name: string;
  spec: DRSpec;
  tweaks?: Tweaks;
  journal?: JournalView;
  opts?: Partial<BuildPlanOptions>;
  /** Exact [group, action, mode?] list, in plan order. */
  actions: Array<[string, string, string?]>;
  /** Exact [group, code] list (order-insensitive). */
  blockers?: Array<[string, string]>;
  drift?: string[];
  warnings?: RegExp[];
  check?: (t: Test, plan: Plan) => void;
}

const plan = (s: Pick<Scenario, 'spec' | 'tweaks' | 'journal' | 'opts'>): Plan =>
  buildPlan(s.spec, fakeInventory(s.spec, s.tweaks), s.journal ?? journal(), { now: NOW, ...s.opts });

const act = (p: Plan, group: string, action: string): PlanAction => {
  const a = p.actions.find((x) => x.group === group && x.action === action);
  if (!a) throw new Error(`no ${action} for ${group} in ${p.actions.map((x) => `${x.group}:${x.action}`).join(', ')}`);
  return a;
};
const step = (a: PlanAction, id: string): PlanStep => {
  const s = a.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${a.steps.map((x) => x.id).join('\n')}`);
  return s;
};
/** True when `later` (transitively) depends on `earlier`. */
function after(steps: readonly PlanStep[], later: string, earlier: string): boolean {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(later)?.dependsOn ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === earlier) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return false;
}
const names = (a: PlanAction) => a.steps.map((s) => s.name);

function withWeb(mut: (g: DRSpec['groups'][string], s: DRSpec) => void): DRSpec {
  return baseSpec((s) => mut(s.groups[W]!, s));
}

/** Inventory edit helper. */
const mutate = (f: (inv: Inventory) => void): Tweaks['mutate'] => f;

const scenarios: Scenario[] = [
  // ---- convergence rows ------------------------------------------------------------------------
  { name: 'steady state: nothing to do', spec: baseSpec(), actions: [] },
  {
    name: 'protect a group never protected',
    spec: webSpec(),
    tweaks: { groups: { [W]: { unprotected: true } } },
    actions: [[W, 'protect']],
    check: (t, p) => {
      const a = act(p, W, 'protect');
      t.same(
        a.steps.filter((s) => s.name === 'cgroup.ensure').map((s) => s.site),
        ['site-a', 'site-b'],
        'consistency groups on both sites',
      );
      t.equal(a.steps.filter((s) => s.name === 'server.tag').length, 3, 'tags all three members');
      const sp = step(a, `${W}/storage.protect/site-a`);
      t.same(sp.params?.volumes, [
        'volume-vol-site-a-db-server-1-boot-cinder',
        'volume-vol-site-a-db-server-1-data-cinder',
        'volume-vol-site-a-web-server-1-boot-cinder',
        'volume-vol-site-a-web-server-2-boot-cinder',
      ]);
      t.same(
        a.steps.filter((s) => s.name === 'record.write').map((s) => s.site),
        ['site-a', 'site-b'],
      );
      t.equal(a.vms, 3);
    },
  },
  {
    name: 'protect: consistency group missing on site-b only',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.consistencyGroups['site-b'] = null)) },
    actions: [[W, 'protect']],
    check: (t, p) => {
      const a = act(p, W, 'protect');
      t.same(a.steps.filter((s) => s.name === 'cgroup.ensure').map((s) => s.site), ['site-b']);
      t.notOk(names(a).includes('server.tag'), 'members already tagged');
      t.notOk(names(a).includes('cgroup.add-volumes'), 'volumes already in the group');
      t.notOk(names(a).includes('storage.protect'), 'array group complete');
    },
  },
  {
    name: 'protect: a member volume not in the consistency group nor the array group',
    spec: webSpec(),
    tweaks: {
      mutate: mutate((inv) => {
        const g = inv.groups[W]!;
        g.consistencyGroups['site-a']!.volumeIds = g.consistencyGroups['site-a']!.volumeIds.filter((v) => v !== 'vol-site-a-db-server-1-data');
        g.storage.perSite['site-a']!.volumes = g.storage.perSite['site-a']!.volumes.filter((v) => !v.includes('db-server-1-data'));
      }),
    },
    actions: [[W, 'protect']],
    check: (t, p) => {
      const a = act(p, W, 'protect');
      t.same(step(a, `${W}/cgroup.add-volumes/site-a`).params?.volumeIds, ['vol-site-a-db-server-1-data']);
      t.ok(names(a).includes('storage.protect'));
      t.same(a.steps.filter((s) => s.name === 'server.capture-metadata').map((s) => s.target), ['db-server-1']);
    },
  },
  {
    name: 'member-add: a new spec member, untagged',
    spec: withWeb((g) => g.members.push({ server: 'web-server-3', tier: 2 })),
    tweaks: {
      mutate: mutate((inv) => {
        // Discovery found web-server-3 by name on the home site, untagged, outside the groups.
        const spec = withWeb((g) => g.members.push({ server: 'web-server-3', tier: 2 }));
        const g = inv.groups[W]!;
        g.members.find((m) => m.server === 'web-server-3')!.instances['site-a'] = server('site-a', W, 'web-server-3', 2, spec.groups[W]!, { tagged: false });
        g.consistencyGroups['site-a']!.volumeIds = g.consistencyGroups['site-a']!.volumeIds.filter((v) => !v.includes('web-server-3'));
        g.storage.perSite['site-a']!.volumes = g.storage.perSite['site-a']!.volumes.filter((v) => !v.includes('web-server-3'));
      }),
    },
    actions: [[W, 'member-add']],
    check: (t, p) => {
      const a = act(p, W, 'member-add');
      t.same(a.steps.filter((s) => s.name === 'server.tag').map((s) => s.target), ['web-server-3']);
      t.same(step(a, `${W}/cgroup.add-volumes/site-a`).params?.volumeIds, ['vol-site-a-web-server-3-boot']);
      t.equal((step(a, `${W}/storage.protect/site-a`).params?.volumes as string[]).length, 5, 'array group holds all members');
      t.match(a.summary, /^member-add web-server-3/);
    },
  },
  {
    name: 'member-remove: a tagged instance whose member left the spec',
    spec: webSpec(),
    tweaks: {
      mutate: mutate((inv) => {
        const s = server('site-a', W, 'old-web', 2, webSpec().groups[W]!, { tagged: true });
        inv.groups[W]!.strayInstances['site-a'] = [s];
      }),
    },
    actions: [[W, 'member-remove']],
    check: (t, p) => {
      const a = act(p, W, 'member-remove');
      t.same(names(a), ['preflight', 'operation.open', 'cgroup.remove-volumes', 'storage.remove-volumes', 'server.untag', 'record.write', 'record.write', 'operation.close']);
      t.same(step(a, `${W}/storage.remove-volumes/site-a`).params?.volumes, ['volume-vol-site-a-old-web-boot-cinder']);
      t.notOk(names(a).includes('server.delete'), 'the server itself is never deleted');
    },
  },
  {
    name: 'planned failover (async): tiers, final sync before promote, retire the source',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    actions: [[W, 'failover', 'planned']],
    check: (t, p) => {
      const a = act(p, W, 'failover');
      const s = a.steps;
      t.equal(a.summary, 'failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago)');
      t.ok(after(s, `${W}/server.stop/db-server-1`, `${W}/server.stop/web-server-1`), 'tier 2 stops before tier 1');
      t.ok(after(s, `${W}/server.stop/db-server-1`, `${W}/server.stop/web-server-2`));
      t.notOk(after(s, `${W}/server.stop/web-server-1`, `${W}/server.stop/web-server-2`), 'same tier: parallel');
      t.ok(after(s, `${W}/storage.final-sync/site-a`, `${W}/server.stop/db-server-1`), 'final sync after every stop');
      t.ok(after(s, `${W}/storage.promote/site-b`, `${W}/storage.wait-transfer/site-a`), 'no promote before the final sync completed');
      t.ok(after(s, `${W}/server.create/web-server-1`, `${W}/server.wait-active/tier-1`), 'tier 1 ACTIVE before tier 2 boots');
      t.ok(after(s, `${W}/server.wait-active/tier-1`, `${W}/server.create/db-server-1`));
      t.ok(after(s, `${W}/server.stop/db-server-1`, `${W}/server.wait-stopped/tier-2`), 'tier 2 SHUTOFF before tier 1 stops');
      t.notOk(after(s, `${W}/server.create/web-server-2`, `${W}/server.create/web-server-1`), 'same tier: parallel');
      t.ok(after(s, `${W}/record.write/site-b`, `${W}/verify/failover`), 'finalization after verify');
      t.ok(after(s, `${W}/server.delete/db-server-1`, `${W}/verify/failover`), 'source retired only after verify');
      const create = step(a, `${W}/server.create/db-server-1`);
      t.same(create.params, {
        member: 'db-server-1',
        tier: 1,
        name: 'db-server-1',
        flavor: 'm2.large',
        networks: ['net-secondary-db'],
        securityGroups: ['default'],
        keyName: 'ops-key',
        bootVolume: 'vol-site-a-db-server-1-boot',
        volumes: [
          { sourceVolumeId: 'vol-site-a-db-server-1-boot', name: 'db-server-1-boot', size: 20, bootable: true, volumeType: 'replicated-ssd', arrayVolume: 'volume-vol-site-a-db-server-1-boot-cinder' },
          { sourceVolumeId: 'vol-site-a-db-server-1-data', name: 'db-server-1-data', size: 100, bootable: false, volumeType: 'replicated-ssd', arrayVolume: 'volume-vol-site-a-db-server-1-data-cinder' },
        ],
        tags: { [TAG.group]: W, [TAG.member]: 'db-server-1', [TAG.role]: 'production', [TAG.op]: a.operationId, [TAG.tier]: '1' },
        metadataSource: 'live',
      });
      t.equal(step(a, `${W}/storage.promote/site-b`).params?.snapshotFrom, `${W}/storage.final-sync/site-a`);
      t.notOk(names(a).includes('storage.force-promote'));
      t.same(step(a, `${W}/record.write/site-b`).params?.record, { version: 4, activeSite: 'site-b', status: 'failed_over', failoverCount: 1, lastOperation: a.operationId });
      t.same(a.dataAtRisk, { seconds: 0, lastSyncAt: ago(42) });
    },
  },
  {
    name: 'planned failover (sync pod): demote before promote, no final sync',
    spec: baseSpec((s) => (s.groups[PAY]!.activeSite = 'site-b')),
    actions: [[PAY, 'failover', 'planned']],
    check: (t, p) => {
      const a = act(p, PAY, 'failover');
      t.notOk(names(a).includes('storage.final-sync'));
      t.ok(after(a.steps, `${PAY}/storage.promote/site-b`, `${PAY}/storage.demote/site-a`));
      t.ok(after(a.steps, `${PAY}/storage.demote/site-a`, `${PAY}/server.stop/pay-1`));
      t.notOk(after(a.steps, `${PAY}/server.stop/pay-1`, `${PAY}/server.stop/pay-2`), 'one tier: all in parallel');
      t.match(a.summary, /promote pod-prod-pay on site-b · data at risk: none \(sync replication\)/);
    },
  },
  {
    name: 'unplanned failover (failover.mode: unplanned, site-a down): force-promote, data-loss window, fence mark',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.failover.mode = 'unplanned';
    }),
    tweaks: { down: ['site-a'], groups: { [W]: { lastSyncAgo: 432 } } },
    journal: journal({ captured: capturedFor(webSpec(), W) }),
    actions: [[W, 'failover', 'unplanned']],
    warnings: [/site-a must be fenced/],
    check: (t, p) => {
      const a = act(p, W, 'failover');
      t.same(a.dataAtRisk, { seconds: 432, lastSyncAt: ago(432) });
      t.match(a.summary, /force-promote pg-prod-web-app on site-b · data at risk: up to 7m12s \(last sync 2025-06-01T11:52:48.000Z\)/);
      for (const n of ['server.stop', 'storage.final-sync', 'storage.wait-transfer', 'storage.demote', 'storage.reverse-replication', 'server.delete'] as const)
        t.notOk(names(a).includes(n), `no ${n}`);
      t.ok(a.steps.every((s) => s.site === undefined || s.site === 'site-b'), 'nothing acts on the unreachable site');
      t.equal(step(a, `${W}/storage.force-promote/site-b`).params?.dataLossWindowSeconds, 432);
      t.same(a.steps.filter((s) => s.name === 'record.write').map((s) => (s.params?.record as { fenceRequired?: string }).fenceRequired), ['site-a']);
      t.equal(step(a, `${W}/server.create/web-server-1`).params?.metadataSource, 'captured');
    },
  },
  {
    name: 'unplanned failover allowed by --allow-data-loss (mode: planned)',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { down: ['site-a'] },
    journal: journal({ captured: capturedFor(webSpec(), W) }),
    opts: { allowDataLoss: true },
    actions: [[W, 'failover', 'unplanned']],
  },
  {
    name: 'failback: mappings inverted',
    spec: webSpec((g) => (g.activeSite = 'site-a')),
    tweaks: { groups: { [W]: { runsOn: 'site-b' } } },
    actions: [[W, 'failback', 'planned']],
    check: (t, p) => {
      const a = act(p, W, 'failback');
      const c = step(a, `${W}/server.create/web-server-1`).params!;
      t.equal(c.flavor, 'm1.large');
      t.same(c.networks, ['net-primary-web']);
      t.equal((step(a, `${W}/record.write/site-a`).params?.record as { status: string }).status, 'active');
    },
  },
  {
    name: 'failback: explicit reverse mappings when not invertible',
    spec: webSpec((g) => {
      g.activeSite = 'site-a';
      g.mappings.networks = { 'net-primary-web': 'net-secondary-web', 'net-primary-db': 'net-secondary-web' };
      g.mappings.reverseNetworks = { 'net-secondary-web': 'net-primary-web' };
    }),
    tweaks: { groups: { [W]: { runsOn: 'site-b' } } },
    actions: [[W, 'failback', 'planned']],
    check: (t, p) => t.same(step(act(p, W, 'failback'), `${W}/server.create/db-server-1`).params?.networks, ['net-primary-web']),
  },
  {
    name: 'fence after an unplanned failover (site-a back, stale VMs running, storage primary) + reprotect needing confirmation',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: {
      groups: { [W]: { runsOn: 'site-b', fenceRequired: 'site-a' } },
      mutate: mutate((inv) => {
        const g = inv.groups[W]!;
        const spec = webSpec().groups[W]!;
        for (const m of g.members) m.instances['site-a'] = server('site-a', W, m.server, m.tier, spec, { tagged: true, status: m.server === 'web-server-2' ? 'SHUTOFF' : 'ACTIVE' });
        g.storage.perSite['site-a']!.role = 'source';
        g.storage.splitBrain = true;
        delete g.storage.direction;
      }),
    },
    actions: [
      [W, 'fence'],
      [W, 'reprotect'],
    ],
    warnings: [/needs the operator's confirmation: re-plan with --discard-site site-a/],
    check: (t, p) => {
      const f = act(p, W, 'fence');
      t.same(f.steps.filter((s) => s.name === 'server.stop').map((s) => s.target), ['web-server-1', 'db-server-1'], 'only running stale VMs are stopped, highest tier first');
      t.ok(after(f.steps, `${W}/storage.demote/site-a`, `${W}/server.stop/db-server-1`));
      t.ok(f.steps.every((s) => s.site === undefined || s.site === 'site-a'), 'fence touches only the stale site');
      const r = act(p, W, 'reprotect');
      const rs = step(r, `${W}/storage.resync/site-a`);
      t.same(rs.confirmation, {
        discardSite: 'site-a',
        reason: "resyncing site-a from site-b throws away every write made on site-a after its last replication to site-b",
        how: 'drctl plan --discard-site site-a (the confirmation is part of the reviewed plan)',
        confirmed: false,
      });
      t.ok(after(r.steps, `${W}/preflight/reprotect`, `${W}/operation.close/fence`), 'reprotect after the fence');
      t.ok(after(r.steps, `${W}/storage.reverse-replication/site-b`, `${W}/storage.resync/site-a`));
    },
  },
  {
    name: 'fence: the operator named the side to discard → resync confirmed',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { groups: { [W]: { runsOn: 'site-b', fenceRequired: 'site-a' } }, mutate: mutate((inv) => (inv.groups[W]!.storage.perSite['site-a']!.role = 'source')) },
    opts: { discardSite: 'site-a' },
    actions: [
      [W, 'fence'],
      [W, 'reprotect'],
    ],
    check: (t, p) => t.equal(step(act(p, W, 'reprotect'), `${W}/storage.resync/site-a`).confirmation?.confirmed, true),
  },
  {
    name: 'fence pending, site still down, nothing wanted there: warning only',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { down: ['site-a'], groups: { [W]: { runsOn: 'site-b', fenceRequired: 'site-a' } } },
    actions: [],
    warnings: [/site-a is still unreachable; it will be fenced when it comes back/],
  },
  {
    name: 'drill on the standby site with drill networks; production untouched',
    spec: webSpec((g) => (g.drill = true)),
    actions: [[W, 'drill']],
    check: (t, p) => {
      const a = act(p, W, 'drill');
      t.ok(a.steps.every((s) => s.site === undefined || s.site === 'site-b'), 'nothing on site-a');
      for (const n of ['server.stop', 'storage.promote', 'storage.demote', 'record.write'] as const) t.notOk(names(a).includes(n), `no ${n}`);
      const c = step(a, `${W}/server.create/drill-prod-web-app-db-server-1`).params!;
      t.same(c.networks, ['net-drill-db']);
      t.equal(c.name, 'drill-prod-web-app-db-server-1');
      t.equal((c.tags as Record<string, string>)[TAG.role], 'drill');
      t.equal(step(a, `${W}/storage.clone-for-drill/site-b`).params?.tag, a.operationId);
      t.ok(after(a.steps, `${W}/server.create/drill-prod-web-app-web-server-1`, `${W}/server.wait-active/drill-tier-1`));
    },
  },
  {
    name: 'drill-cleanup: exactly what the drill made',
    spec: webSpec(),
    tweaks: { groups: { [W]: { drillOn: 'site-b' } } },
    actions: [[W, 'drill-cleanup']],
    check: (t, p) => {
      const a = act(p, W, 'drill-cleanup');
      t.same(a.steps.filter((s) => s.name === 'server.delete').map((s) => s.params?.serverId), ['drill-srv-db-server-1', 'drill-srv-web-server-1', 'drill-srv-web-server-2']);
      t.same(a.steps.filter((s) => s.name === 'volume.delete').map((s) => s.params?.volumeId), ['drill-vol-db-server-1', 'drill-vol-web-server-1', 'drill-vol-web-server-2']);
      const rc = step(a, `${W}/storage.remove-drill-clones/site-b`).params!;
      t.same(rc.tags, ['op-drill-1']);
      t.equal((rc.arrayVolumes as string[]).length, 3);
      t.equal(step(a, `${W}/verify/drill-cleanup`).params?.expectNoDrillResources, true);
      t.ok(a.steps.every((s) => s.site === undefined || s.site === 'site-b'));
    },
  },
  {
    name: 'drill up when a failover is wanted: drill-cleanup first, then the failover',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { groups: { [W]: { drillOn: 'site-b' } } },
    actions: [
      [W, 'drill-cleanup'],
      [W, 'failover', 'planned'],
    ],
    check: (t, p) => t.same(step(act(p, W, 'failover'), `${W}/preflight/failover`).dependsOn, [`${W}/operation.close/drill-cleanup`]),
  },
  {
    name: 'reprotect: replication not flowing out of the active site',
    spec: webSpec(),
    tweaks: {
      mutate: mutate((inv) => {
        const st = inv.groups[W]!.storage;
        st.perSite['site-a']!.role = 'none';
        st.perSite['site-b']!.role = 'none';
        delete st.direction;
      }),
    },
    actions: [[W, 'reprotect']],
    check: (t, p) => {
      const a = act(p, W, 'reprotect');
      t.notOk(names(a).includes('storage.resync'), 'no resync without an unplanned failover');
      t.equal(step(a, `${W}/storage.reverse-replication/site-a`).params?.peer, 'site-b');
    },
  },
  {
    name: 'update: the group record out of date on site-b',
    spec: webSpec(),
    tweaks: { groups: { [W]: { versions: { 'site-a': 4, 'site-b': 3 } } } },
    actions: [[W, 'update']],
    check: (t, p) => {
      const a = act(p, W, 'update');
      const w = step(a, `${W}/record.write/site-b`);
      t.equal(w.params?.copyFrom, 'site-a');
      t.equal((w.params?.record as { version: number }).version, 4);
      t.equal(a.summary, 'update group record on site-b (v3 → v4 from site-a)');
    },
  },
  {
    name: 'update chained before a failover',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { groups: { [W]: { versions: { 'site-a': 4, 'site-b': 3 } } } },
    actions: [
      [W, 'update'],
      [W, 'failover', 'planned'],
    ],
    check: (t, p) => {
      t.same(step(act(p, W, 'failover'), `${W}/preflight/failover`).dependsOn, [`${W}/operation.close/update`]);
      // The update already has prod-web-app/record.write/site-b: the failover's id is qualified by its action.
      t.equal((step(act(p, W, 'failover'), `${W}/failover/record.write/site-b`).params?.record as { version: number }).version, 5);
    },
  },
  {
    name: 'update: member metadata never captured (an unplanned failover would need it)',
    spec: webSpec(),
    journal: journal({ captured: {} }),
    actions: [[W, 'update']],
    check: (t, p) => {
      const a = act(p, W, 'update');
      t.same(names(a), ['preflight', 'operation.open', 'server.capture-metadata', 'server.capture-metadata', 'server.capture-metadata', 'operation.close']);
      t.match(a.summary, /^update the captured metadata of 3 members on site-a \(never captured; an unplanned failover recreates members from it\)/);
    },
  },
  {
    name: 'update: captured metadata stale (member resized)',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.members[0]!.instances['site-a']!.flavorName = 'm1.xlarge')) },
    actions: [[W, 'update']],
    check: (t, p) => {
      const a = act(p, W, 'update');
      t.same(a.steps.filter((s) => s.name === 'server.capture-metadata').map((s) => s.target), ['db-server-1']);
      t.match(a.summary, /flavor m1\.large → m1\.xlarge/);
    },
  },
  // ---- drift -----------------------------------------------------------------------------------
  {
    name: 'drift: a member stopped by hand',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.members[1]!.instances['site-a']!.status = 'SHUTOFF')) },
    actions: [],
    drift: ['stopped-outside-drctl'],
  },
  {
    name: 'drift: an untagged server where drctl\'s instance should be (re-protected as member-add)',
    spec: webSpec(),
    journal: journal({ captured: capturedFor(webSpec(), W) }),
    tweaks: {
      mutate: mutate((inv) => {
        const m = inv.groups[W]!.members[1]!;
        m.instances['site-a'] = { ...server('site-a', W, 'web-server-1', 2, webSpec().groups[W]!, { tagged: false }), id: 'srv-replaced' };
      }),
    },
    actions: [[W, 'member-add']],
    drift: ['untagged-server'],
  },
  {
    name: '--target: only the named group, with a warning',
    spec: baseSpec((s) => {
      s.groups[W]!.activeSite = 'site-b';
      s.groups[PAY]!.activeSite = 'site-b';
    }),
    opts: { targets: [PAY] },
    actions: [[PAY, 'failover', 'planned']],
    warnings: [/^Resource targeting is in effect: only prod-pay was planned/],
    check: (t, p) => t.same(p.groups?.map((g) => g.name), [PAY]),
  },
];

const blockerScenarios: Scenario[] = [
  {
    name: 'E3001 peer unreachable for a planned failover, with the data at risk in the way out',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { down: ['site-a'], groups: { [W]: { lastSyncAgo: 432 } } },
    actions: [],
    blockers: [[W, PlanCode.peerUnreachable]],
    check: (t, p) => {
      const b = p.blockers[0]!;
      t.equal(b.message, 'site-a unreachable (connection refused): planned failover needs both sites');
      t.equal(b.hint, 'set failover.mode: unplanned or pass --allow-data-loss to accept up to 7m12s of data loss');
      t.equal(b.overridable, true);
      t.equal(p.groups![0]!.line, 'prod-web-app: BLOCKED · failover site-a → site-b wanted · 1 blocker (DRCTL_E3001)');
    },
  },
  {
    name: 'E3001 protection changes need both sites',
    spec: webSpec(),
    tweaks: { down: ['site-b'], groups: { [W]: { unprotected: true } } },
    actions: [],
    blockers: [[W, PlanCode.peerUnreachable]],
  },
  { name: 'E3002 target unreachable', spec: webSpec((g) => (g.activeSite = 'site-b')), tweaks: { down: ['site-b'] }, actions: [], blockers: [[W, PlanCode.targetUnreachable]] },
  {
    name: 'E3002 the array of the target is unreachable',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { arrayDown: ['site-b'] },
    actions: [],
    blockers: [[W, PlanCode.targetUnreachable]],
  },
  {
    name: 'E3003 group records disagree at the same version',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.consistencyGroups['site-b']!.record!.activeSite = 'site-b')) },
    actions: [],
    blockers: [[W, PlanCode.metadataOutOfSync]],
  },
  {
    name: 'E3004 member NIC on a network with no mapping',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      delete g.mappings.networks['net-primary-db'];
    }),
    actions: [],
    blockers: [[W, PlanCode.networkUnmapped]],
  },
  {
    name: 'E3005 flavor missing on the target',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.mappings.flavors = { 'm1.large': 'm9.huge' };
    }),
    actions: [],
    blockers: [[W, PlanCode.flavorMissing]],
    check: (t, p) => t.equal(p.blockers.length, 1, 'one blocker per missing flavor, not per member'),
  },
  {
    name: 'E3006 mapped network missing on the target',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.mappings.networks['net-primary-web'] = 'net-nope';
    }),
    actions: [],
    blockers: [[W, PlanCode.networkMissing]],
  },
  {
    name: 'E3007 volume type not replication-enabled on the target',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { mutate: mutate((inv) => (inv.sites['site-b']!.volumeTypes[0]!.replicationEnabled = false)) },
    actions: [],
    blockers: [[W, PlanCode.volumeTypeNotReplicated]],
  },
  {
    name: 'E3007 wrong replication_type (visible to admins)',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { mutate: mutate((inv) => (inv.sites['site-a']!.volumeTypes[0]!.replicationType = '<in> sync')) },
    actions: [],
    blockers: [[W, PlanCode.volumeTypeNotReplicated]],
  },
  {
    name: 'E3007 a member volume on another (non-replicated) type / backend',
    spec: webSpec(),
    tweaks: {
      groups: { [W]: { unprotected: true } },
      mutate: mutate((inv) => (inv.groups[W]!.members[0]!.instances['site-a']!.volumes[1]!.volumeType = 'standard')),
    },
    actions: [],
    blockers: [[W, PlanCode.volumeTypeNotReplicated]],
    check: (t, p) => t.match(p.blockers[0]!.message, /volume db-server-1-data of db-server-1 is type standard, not replication-enabled/),
  },
  {
    name: 'E3008 replication lag beyond rpoMinutes blocks a planned failover',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { groups: { [W]: { lastSyncAgo: 40 * 60 } } },
    actions: [],
    blockers: [[W, PlanCode.rpoExceeded]],
  },
  {
    name: 'E3008 lifted by --allow-data-loss: from the last replicated point, no final sync, the data at risk stated',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { groups: { [W]: { lastSyncAgo: 40 * 60 } } },
    opts: { allowDataLoss: true },
    actions: [[W, 'failover', 'planned']],
    check: (t, p) => {
      const a = p.actions[0]!;
      t.equal(a.dataAtRisk?.seconds, 40 * 60, 'data at risk: the lag');
      t.match(a.summary, /\(planned, from the last replicated point\).*force-promote .* data at risk: up to 40m/);
      const names = a.steps.map((x) => x.name);
      t.notOk(names.includes('storage.final-sync') || names.includes('storage.wait-transfer') || names.includes('storage.promote'), 'nothing waits on the link');
      const fp = a.steps.find((x) => x.name === 'storage.force-promote')!;
      t.equal(fp.params?.dataLossWindowSeconds, 40 * 60);
      const stops = a.steps.filter((x) => x.name === 'server.wait-stopped').map((x) => x.id);
      t.ok(stops.length && stops.some((id) => fp.dependsOn.includes(id)), 'promoted after the source stopped');
      t.same(a.steps.find((x) => x.name === 'storage.demote')?.dependsOn, [fp.id], 'the source demoted after the promote');
      t.equal(a.steps.find((x) => x.name === 'storage.reverse-replication')?.params?.waitBaseline, false);
      t.notOk(a.steps.some((x) => x.name === 'record.write' && (x.params?.record as { fenceRequired?: string }).fenceRequired), 'no fence: the source was handled');
      t.match(p.warnings.join('\n'), /writes after it stay on site-a's array/);
    },
  },
  {
    name: 'E3008 an unplanned failover beyond the RPO needs --allow-data-loss even with mode: unplanned',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.failover.mode = 'unplanned';
    }),
    journal: journal({ captured: capturedFor(webSpec(), W) }),
    tweaks: { down: ['site-a'], groups: { [W]: { lastSyncAgo: 3600 } } },
    actions: [],
    blockers: [[W, PlanCode.rpoExceeded]],
    check: (t, p) => t.match(p.blockers[0]!.hint!, /--allow-data-loss to accept up to 1h of data loss/),
  },
  {
    name: 'E3009 drill gate: last sync older than 3x the interval',
    spec: webSpec((g) => (g.drill = true)),
    tweaks: { groups: { [W]: { lastSyncAgo: 16 * 60 } } },
    actions: [],
    blockers: [[W, PlanCode.drillStaleData]],
  },
  {
    name: 'E3009 lifted by --allow-data-loss',
    spec: webSpec((g) => (g.drill = true)),
    tweaks: { groups: { [W]: { lastSyncAgo: 16 * 60 } } },
    opts: { allowDataLoss: true },
    actions: [[W, 'drill']],
  },
  {
    name: 'E3009 the gate factor is an option',
    spec: webSpec((g) => (g.drill = true)),
    tweaks: { groups: { [W]: { lastSyncAgo: 11 * 60 } } },
    opts: { rpoGateFactor: 2 },
    actions: [],
    blockers: [[W, PlanCode.drillStaleData]],
  },
  {
    name: 'E3010 a drill must be cleaned first but its site cannot be reached',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.failover.mode = 'unplanned';
    }),
    journal: journal({ captured: capturedFor(webSpec(), W) }),
    tweaks: { arrayDown: ['site-a'], groups: { [W]: { drillOn: 'site-a' } } },
    actions: [],
    blockers: [[W, PlanCode.drillUp]],
  },
  {
    name: 'E3011 a member not protected when a failover is wanted',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: {
      mutate: mutate((inv) => {
        const g = inv.groups[W]!;
        g.consistencyGroups['site-a']!.volumeIds = g.consistencyGroups['site-a']!.volumeIds.slice(1);
      }),
    },
    actions: [],
    blockers: [[W, PlanCode.notProtected]],
    check: (t, p) => t.match(p.blockers[0]!.hint!, /keep activeSite: site-a, apply the protect plan, then set activeSite: site-b/),
  },
  {
    name: 'E3012 failback wanted while the stale site cannot be fenced',
    spec: webSpec((g) => (g.activeSite = 'site-a')),
    tweaks: { down: ['site-a'], groups: { [W]: { runsOn: 'site-b', fenceRequired: 'site-a' } } },
    actions: [],
    blockers: [[W, PlanCode.unfenced]],
  },
  {
    name: 'E3013 split brain (storage primary on both) without a fence record',
    spec: webSpec(),
    tweaks: {
      mutate: mutate((inv) => {
        inv.groups[W]!.storage.splitBrain = true;
        inv.groups[W]!.storage.perSite['site-b']!.role = 'split-brain';
      }),
    },
    actions: [],
    blockers: [[W, PlanCode.splitBrain]],
    check: (t, p) => t.match(p.blockers[0]!.hint!, /--discard-site site-b/),
  },
  {
    name: 'E3013 split brain resolved by the operator naming the side to discard',
    spec: webSpec(),
    opts: { discardSite: 'site-b' },
    tweaks: {
      mutate: mutate((inv) => {
        inv.groups[W]!.storage.splitBrain = true;
        inv.groups[W]!.storage.perSite['site-b']!.role = 'split-brain';
      }),
    },
    actions: [
      [W, 'fence'],
      [W, 'reprotect'],
    ],
    check: (t, p) => t.equal(step(act(p, W, 'reprotect'), `${W}/storage.resync/site-b`).confirmation?.confirmed, true),
  },
  {
    name: 'E3013 production instances ACTIVE on both sites',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.members[0]!.instances['site-b'] = server('site-b', W, 'db-server-1', 1, webSpec().groups[W]!, { tagged: true }))) },
    actions: [],
    blockers: [[W, PlanCode.splitBrain]],
  },
  {
    name: 'E3014 member server not found where the group runs',
    spec: webSpec(),
    tweaks: { mutate: mutate((inv) => (inv.groups[W]!.members[2]!.instances['site-a'] = null)) },
    actions: [],
    blockers: [[W, PlanCode.memberNotFound]],
  },
  {
    name: 'E3015 failback with a non-invertible mapping and no reverse mapping',
    spec: webSpec((g) => {
      g.activeSite = 'site-a';
      g.mappings.flavors = { 'm1.large': 'm2.large', 'm1.xlarge': 'm2.large' };
    }),
    tweaks: { groups: { [W]: { runsOn: 'site-b' } } },
    actions: [],
    blockers: [[W, PlanCode.mappingNotInvertible]],
  },
  {
    name: 'E3016 an unfinished operation needs an unreachable site',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { down: ['site-a'] },
    journal: journal({
      unfinished: [{ id: 'op-1', type: 'failover', group: W, status: 'failed', stepsCompleted: [], sourceSite: 'site-a', targetSite: 'site-b', mode: 'planned' }],
      captured: capturedFor(webSpec(), W),
    }),
    actions: [],
    blockers: [[W, PlanCode.resumeBlocked]],
  },
  {
    name: 'E3017 security group missing on the target',
    spec: webSpec((g) => (g.activeSite = 'site-b')),
    tweaks: { mutate: mutate((inv) => (inv.sites['site-b']!.securityGroups = ['default'])) },
    actions: [],
    blockers: [[W, PlanCode.securityGroupMissing]],
  },
  {
    name: 'E3018 drill: a member network without a drillNetworks entry',
    spec: webSpec((g) => {
      g.drill = true;
      delete g.drillNetworks!['net-primary-db'];
    }),
    actions: [],
    blockers: [[W, PlanCode.drillNetworkUnmapped]],
  },
  {
    name: 'E3019 unplanned failover without any member metadata',
    spec: webSpec((g) => {
      g.activeSite = 'site-b';
      g.failover.mode = 'unplanned';
    }),
    tweaks: { down: ['site-a'] },
    journal: journal({ captured: {} }),
    actions: [],
    blockers: [
      [W, PlanCode.memberMetadataUnknown],
      [W, PlanCode.memberMetadataUnknown],
      [W, PlanCode.memberMetadataUnknown],
    ],
  },
  {
    name: 'a blocked group never hides the other groups\' plans',
    spec: baseSpec((s) => {
      s.groups[W]!.activeSite = 'site-b';
      s.groups[W]!.mappings.flavors = { 'm1.large': 'm9.huge' };
      s.groups[PAY]!.activeSite = 'site-b';
    }),
    actions: [[PAY, 'failover', 'planned']],
    blockers: [[W, PlanCode.flavorMissing]],
    check: (t, p) => {
      t.same(p.summary.blocked, 1);
      t.same(p.groups?.map((g) => g.status), ['blocked', 'changes']);
    },
  },
];

function checkScenario(t: Test, s: Scenario, p: Plan): void {
  t.same(
    p.actions.map((a) => [a.group, a.action, ...(a.mode ? [a.mode] : [])]),
    s.actions,
    'actions',
  );
  const codes = (xs: Array<[string, string]>) => xs.map(([g, c]) => `${g} ${c}`).sort();
  t.same(codes(p.blockers.map((b) => [b.group, b.code])), codes(s.blockers ?? []), 'blockers');
  for (const b of p.blockers) {
    t.match(b.code, /^DRCTL_E3\d{3}$/);
    t.ok(b.message.length > 10 && b.hint && b.hint.length > 5, `${b.code} has a message and a way out`);
  }
  if (s.drift) t.same(p.drift.map((d) => d.kind), s.drift, 'drift');
  else t.same(p.drift, [], 'no drift');
  for (const w of s.warnings ?? []) t.ok(p.warnings.some((x) => w.test(x)), `warning ${w}`);
  // Every plan: a valid DAG, unique ids, edges to known steps, summary consistent.
  const steps = p.actions.flatMap((a) => a.steps);
  t.doesNotThrow(() => topoOrder(steps), 'acyclic, ids unique, edges known');
  t.equal(p.summary.steps, steps.length);
  t.equal(p.summary.changes, p.actions.length > 0);
  for (const a of p.actions) {
    t.equal(a.steps[0]!.name, 'preflight', `${a.action} starts with preflight`);
    t.equal(a.steps.at(-1)!.name, 'operation.close', `${a.action} ends with operation.close`);
  }
  t.notMatch(JSON.stringify(p), /FA_A_TOKEN|apiToken/, 'no secret references in the plan');
  s.check?.(t, p);
}

for (const s of [...scenarios, ...blockerScenarios]) {
  t.test(s.name, async (t) => checkScenario(t, s, plan(s)));
}

t.test('every blocker code of the table is exercised by a scenario', async (t) => {
  const used = new Set(blockerScenarios.flatMap((s) => (s.blockers ?? []).map(([, c]) => c)));
  const expected = Object.values(PlanCode).filter((c) => c < 'DRCTL_E3020');
  for (const c of expected) t.ok(used.has(c), `${c} tested`);
});

t.test('same inputs → same plan (stable ids, deterministic operation ids)', async (t) => {
  const spec = webSpec((g) => {
    g.activeSite = 'site-b';
  });
  const a = plan({ spec, tweaks: { groups: { [W]: { drillOn: 'site-b' } } } });
  const b = plan({ spec, tweaks: { groups: { [W]: { drillOn: 'site-b' } } } });
  t.same(a, b);
  t.same(a.actions.map((x) => x.operationId), ['op-20250601T120000Z-1', 'op-20250601T120000Z-2']);
  const ids = a.actions.flatMap((x) => x.steps.map((s) => s.id));
  t.equal(new Set(ids).size, ids.length, 'ids unique across actions of a group');
  t.ok(ids.includes('prod-web-app/server.create/web-server-1'));
});

t.test('newId is used for operation ids', async (t) => {
  let n = 0;
  const p = plan({ spec: webSpec((g) => (g.drill = true)), opts: { newId: () => `id-${++n}` } });
  t.equal(p.actions[0]!.operationId, 'id-1');
});

t.test('--target naming an unknown group is an error', async (t) => {
  t.throws(() => plan({ spec: webSpec(), opts: { targets: ['nope'] } }), { code: PlanCode.unknownTarget });
});

t.test('resume: the remaining journaled steps, nothing new on the group', async (t) => {
  const spec = webSpec((g) => (g.activeSite = 'site-b'));
  const original = act(plan({ spec }), W, 'failover');
  const done = original.steps.slice(0, 12).map((s) => s.id);
  const j = journal({
    unfinished: [{ id: 'op-42', type: 'failover', group: W, status: 'failed', mode: 'planned', sourceSite: 'site-a', targetSite: 'site-b', stepsCompleted: done, steps: original.steps }],
  });
  // The spec also wants a drill: it must wait.
  const p = plan({ spec: webSpec((g) => { g.activeSite = 'site-b'; g.drill = true; }), journal: j, tweaks: { mutate: mutate((inv) => { for (const m of inv.groups[W]!.members) m.instances['site-a']!.status = 'SHUTOFF'; }) } });
  t.same(p.actions.map((a) => a.action), ['resume']);
  const r = p.actions[0]!;
  t.equal(r.resumeOperation, 'op-42');
  t.same(r.resumes, { type: 'failover', stepsCompleted: 12, stepsTotal: original.steps.length, status: 'failed' });
  t.equal(r.steps.length, original.steps.length - 12);
  t.ok(r.steps.every((s) => s.dependsOn.every((d) => !done.includes(d))), 'edges to completed steps are dropped');
  t.doesNotThrow(() => topoOrder(r.steps));
  t.match(r.summary, /resume failover op-42 \(site-a → site-b\) · 12 of 40 steps done/);
});

t.test('resume without journaled steps rebuilds them from the spec', async (t) => {
  const spec = webSpec((g) => (g.activeSite = 'site-b'));
  const j = journal({
    unfinished: [{ id: 'op-7', type: 'failover', group: W, status: 'running', mode: 'unplanned', sourceSite: 'site-a', targetSite: 'site-b', stepsCompleted: [`${W}/preflight/failover`], dataLossWindowSeconds: 300 }],
    captured: capturedFor(webSpec(), W),
  });
  const p = plan({ spec, journal: j, tweaks: { down: ['site-a'] } });
  t.same(p.blockers, []);
  const r = p.actions[0]!;
  t.equal(r.action, 'resume');
  t.ok(r.steps.some((s) => s.name === 'storage.force-promote'));
  t.same(r.dataAtRisk, { seconds: 300 });
  t.ok(p.warnings.some((w) => /rebuilt from the spec/.test(w)));
});

t.test('a rolled-back operation is not resumed', async (t) => {
  const j = journal({ unfinished: [{ id: 'op-9', type: 'failover', group: W, status: 'failed', stepsCompleted: [], rolledBack: true }] });
  const p = plan({ spec: webSpec(), journal: j });
  t.same(p.actions, []);
});

t.test('bindings: spec digest, lineage/serial, facts, expiry', async (t) => {
  const p = plan({ spec: webSpec(), opts: { specDigest: 'abc', maxAgeMinutes: 30 } });
  t.equal(p.bindings?.specDigest, 'abc');
  t.equal(p.bindings?.stateLineage, 'lin-1');
  t.equal(p.bindings?.stateSerial, 7);
  t.match(p.bindings?.factsDigest, /^[0-9a-f]{64}$/);
  t.equal(p.bindings?.expiresAt, '2025-06-01T12:30:00.000Z');
  t.equal(p.createdAt, NOW.toISOString());
});
