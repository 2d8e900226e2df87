import t from 'tap';
import { buildPlan } from '../../src/plan/build.js';
import { PlanCode } from '../../src/plan/codes.js';
import { digestFacts, factsOf } from '../../src/plan/facts.js';
import { checkBindings, readPlanFile, serializePlan, stalePlanError } from '../../src/plan/planfile.js';
import type { Inventory } from '../../src/discovery/types.js';
import { NOW, fakeInventory, journal, webSpec } from './fixtures.js';

const spec = webSpec((g) => (g.activeSite = 'site-b'));
const inv = () => fakeInventory(spec);
const made = () => buildPlan(spec, inv(), journal(), { now: NOW, specDigest: 'd'.repeat(64) });

/** The world as apply would see it, optionally changed. */
function world(change: { inv?: (i: Inventory) => void; spec?: string; lineage?: string; serial?: number; minutes?: number } = {}) {
  const i = inv();
  change.inv?.(i);
  const p = made();
  const facts = factsOf(spec, i, p);
  return {
    specDigest: change.spec ?? 'd'.repeat(64),
    lineage: change.lineage ?? 'lin-1',
    serial: change.serial ?? 7,
    factsDigest: digestFacts(facts),
    facts,
    now: new Date(NOW.getTime() + (change.minutes ?? 5) * 60_000),
  };
}

t.test('round trip: serialize → read gives the same plan', async (t) => {
  const p = made();
  const back = readPlanFile(serializePlan(p), 'plans/x.json');
  t.same(back, JSON.parse(JSON.stringify(p)));
  t.same(checkBindings(back, world()), [], 'fresh plan applies');
});

const moves: Array<[string, Parameters<typeof world>[0], RegExp]> = [
  ['spec changed', { spec: 'e'.repeat(64) }, /^the spec changed since the plan was made \(digest dddddddddddd → eeeeeeeeeeee\)$/],
  ['another state file', { lineage: 'lin-2' }, /^the state file is a different one \(lineage lin-1 → lin-2\)$/],
  ['state serial moved', { serial: 9 }, /^the state moved on \(serial 7 → 9\): another apply ran since the plan was made$/],
  ['expired', { minutes: 61 }, /^the plan expired at 2025-06-01T13:00:00.000Z \(made 1h01m ago; max age 1h\)$/],
  ['array role changed', { inv: (i) => (i.groups['prod-web-app']!.storage.perSite['site-b']!.role = 'source') }, /^discovered facts changed: prod-web-app: array on site-b was target, now source$/],
  ['server state changed', { inv: (i) => (i.groups['prod-web-app']!.members[0]!.instances['site-a']!.status = 'SHUTOFF') }, /^discovered facts changed: prod-web-app: member db-server-1 on site-a was srv-site-a-db-server-1:ACTIVE, now srv-site-a-db-server-1:SHUTOFF$/],
  ['site reachability changed', { inv: (i) => (i.sites['site-a']!.reachable = false) }, /^discovered facts changed: site-a: reachable when planned, unreachable now$/],
  ['replication fell behind the RPO', { inv: (i) => (i.groups['prod-web-app']!.storage.lagSeconds = 3600) }, /^discovered facts changed: prod-web-app: replication lag was within rpoMinutes, now beyond$/],
  ['group record changed', { inv: (i) => (i.groups['prod-web-app']!.consistencyGroups['site-b']!.record!.version = 9) }, /^discovered facts changed: prod-web-app: group record on site-b was v3:site-a, now v9:site-a$/],
  ['a drill appeared', { inv: (i) => (i.groups['prod-web-app']!.drillInstances['site-b'] = [{ ...i.groups['prod-web-app']!.members[0]!.instances['site-a']!, id: 'd1' }]) }, /^discovered facts changed: prod-web-app: drill resources on site-b changed \(0 → 1\)$/],
];
for (const [name, change, msg] of moves) {
  t.test(`binding mismatch: ${name}`, async (t) => {
    const moved = checkBindings(made(), world(change));
    t.equal(moved.length, 1, moved.join(' | '));
    t.match(moved[0], msg);
  });
}

t.test('replication moving on by itself does not make a planned failover stale', async (t) => {
  const moved = checkBindings(made(), world({ inv: (i) => { i.groups['prod-web-app']!.storage.lastSyncAt = '2025-06-01T12:04:00.000Z'; i.groups['prod-web-app']!.storage.lagSeconds = 60; } }));
  t.same(moved, []);
});

t.test('an unplanned failover is bound to its last replicated point', async (t) => {
  const s = webSpec((g) => { g.activeSite = 'site-b'; g.failover.mode = 'unplanned'; });
  const i = fakeInventory(s, { down: ['site-a'] });
  const { capturedFor } = await import('./fixtures.js');
  const p = buildPlan(s, i, journal({ captured: capturedFor(webSpec(), 'prod-web-app') }), { now: NOW });
  t.equal(p.bindings?.facts?.groups['prod-web-app']?.lastSyncAt, '2025-06-01T11:59:18.000Z');
  const later = fakeInventory(s, { down: ['site-a'], groups: { 'prod-web-app': { lastSyncAgo: 10 } } });
  const f = factsOf(s, later, p);
  t.match(checkBindings(p, { specDigest: p.spec.digest, lineage: 'lin-1', serial: 7, factsDigest: digestFacts(f), facts: f, now: NOW }), [/last replicated point was 2025-06-01T11:59:18.000Z, now 2025-06-01T11:59:50.000Z/]);
});

t.test('without the new facts the refusal is still clear', async (t) => {
  const w = world({ inv: (i) => (i.sites['site-b']!.reachable = false) });
  const { facts: _f, ...rest } = w;
  t.same(checkBindings(made(), rest), ['the discovered facts changed since the plan was made (array roles, last sync, server states or reachability)']);
});

t.test('stalePlanError: exit 3, code, every reason listed', async (t) => {
  const e = stalePlanError(['a moved', 'b moved'], 'plans/x.json');
  t.equal(e.exitCode, 3);
  t.equal(e.code, PlanCode.planStale);
  t.match(e.message, /plans\/x\.json no longer matches the world; nothing was done:\n {2}- a moved\n {2}- b moved/);
});

const badFiles: Array<[string, string, string, RegExp]> = [
  ['not JSON', '{nope', PlanCode.planFileInvalid, /not valid JSON/],
  ['an array', '[]', PlanCode.planFileInvalid, /not a JSON object/],
  ['no format_version', '{}', PlanCode.planFileInvalid, /no format_version/],
  ['a newer format', '{"format_version": 2}', PlanCode.planFileVersion, /format_version 2; this drctl reads format_version 1/],
  ['missing bindings', JSON.stringify({ ...JSON.parse(serializePlan(made())), bindings: undefined }), PlanCode.planFileInvalid, /bindings/],
  ['a step without id', (() => { const o = JSON.parse(serializePlan(made())); delete o.actions[0].steps[3].id; return JSON.stringify(o); })(), PlanCode.planFileInvalid, /actions\[0\]\.steps\[3\]/],
  ['a cycle', (() => { const o = JSON.parse(serializePlan(made())); o.actions[0].steps[0].dependsOn = [o.actions[0].steps.at(-1).id]; return JSON.stringify(o); })(), PlanCode.planFileInvalid, /cycle/],
];
for (const [name, text, code, msg] of badFiles) {
  t.test(`readPlanFile rejects ${name}`, async (t) => {
    t.throws(() => readPlanFile(text, 'plans/bad.json'), { code, message: msg });
  });
}
