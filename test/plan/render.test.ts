import t from 'tap';
import { buildPlan } from '../../src/plan/build.js';
import { renderJson } from '../../src/plan/render/json.js';
import { MARKDOWN_MAX_CHARS, renderMarkdown } from '../../src/plan/render/markdown.js';
import { renderText, summaryLine } from '../../src/plan/render/text.js';
import type { DRSpec } from '../../src/spec/types.js';
import { NOW, baseSpec, capturedFor, fakeInventory, journal, webSpec } from './fixtures.js';

/** A review-sized plan: a planned failover, a drill, a blocked group, drift and warnings. */
function showcase() {
  const spec = baseSpec((s) => {
    s.groups['prod-web-app']!.activeSite = 'site-b';
    s.groups['prod-pay']!.drill = true;
    s.groups['prod-batch'] = {
      ...structuredClone(s.groups['prod-web-app']!),
      members: [{ server: 'batch-1', tier: 1 }],
      replication: { type: 'async', volumeType: 'replicated-ssd', arrayGroup: 'pg-prod-batch', intervalSeconds: 300, rpoMinutes: 15 },
      mappings: { networks: { 'net-primary-web': 'net-secondary-web' }, flavors: { 'm1.large': 'm9.huge' } },
    };
  });
  const inv = fakeInventory(spec, { mutate: (i) => (i.groups['prod-pay']!.members[1]!.instances['site-a']!.status = 'SHUTOFF') });
  return buildPlan(spec, inv, journal(), { now: NOW, specDigest: 'f00dfeed'.repeat(8), specFile: 'examples/prod.yaml' });
}

function unplanned() {
  const spec = webSpec((g) => {
    g.activeSite = 'site-b';
    g.failover.mode = 'unplanned';
  });
  return buildPlan(spec, fakeInventory(spec, { down: ['site-a'], groups: { 'prod-web-app': { lastSyncAgo: 432 } } }), journal({ captured: capturedFor(webSpec(), 'prod-web-app') }), {
    now: NOW,
  });
}

t.test('text rendering', async (t) => {
  const p = showcase();
  const text = renderText(p);
  t.matchSnapshot(text, 'showcase, no colour');
  const lines = text.split('\n');
  t.equal(lines[2], 'prod-web-app: failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago)', 'executive line first');
  t.match(text, /✗ prod-batch: flavor m9\.huge \(mapped from m1\.large\) of batch-1 does not exist on site-b \[DRCTL_E3005\]\n {6}way out: /);
  t.match(text, /Drift \(the world changed outside drctl\):\n {2}~ prod-pay on site-a: pay-2 is SHUTOFF/);
  t.equal(lines.at(-2), 'Plan: 1 failover, 1 drill; 50 steps; 1 group blocked.');
  t.notMatch(text, /\x1b\[/, 'no escape codes without colour');
  const coloured = renderText(p, { color: true });
  t.match(coloured, /\x1b\[32m\+\x1b\[0m create/, 'green + when colour is on');
  t.equal(coloured.replace(/\x1b\[\d+m/g, ''), text, 'colour changes nothing else');
  t.matchSnapshot(renderText(unplanned()), 'unplanned failover');
});

t.test('tiers in the text: stop highest first, boot lowest first', async (t) => {
  const text = renderText(showcase());
  const stopT2 = text.indexOf('> stop web-server-1 on site-a (tier 2)');
  const stopT1 = text.indexOf('> stop db-server-1 on site-a (tier 1)');
  const bootT1 = text.indexOf('+ create db-server-1 on site-b');
  const bootT2 = text.indexOf('+ create web-server-1 on site-b');
  t.ok(stopT2 > 0 && stopT2 < stopT1, 'tier 2 stops first');
  t.ok(bootT1 > 0 && bootT1 < bootT2, 'tier 1 boots first');
});

t.test('summary lines', async (t) => {
  const spec = webSpec();
  const none = buildPlan(spec, fakeInventory(spec), journal(), { now: NOW });
  t.equal(summaryLine(none), 'No changes. Reality matches the spec.');
  const blocked = buildPlan(webSpec((g) => (g.activeSite = 'site-b')), fakeInventory(spec, { down: ['site-b'] }), journal(), { now: NOW });
  t.equal(summaryLine(blocked), 'No changes can be planned; 1 group blocked.');
});

t.test('json rendering is the plan itself, format_version first', async (t) => {
  const p = showcase();
  const json = renderJson(p);
  t.ok(json.startsWith('{\n  "format_version": 1,'));
  t.same(JSON.parse(json), JSON.parse(JSON.stringify(p)));
  t.matchSnapshot(json, 'showcase json');
});

t.test('markdown rendering', async (t) => {
  const md = renderMarkdown(showcase(), { fullPlanRef: 'plans/showcase.json' });
  t.matchSnapshot(md, 'showcase markdown');
  t.match(md, /^### drctl plan: `prod`/);
  t.match(md, /\| prod-web-app \| failover \(planned\) \| site-a → site-b \| 3 \| none \(last sync 42s ago\) \| 📝 changes \|/);
  t.match(md, /\| prod-batch \| failover \(blocked\) \| .* \| ⛔ blocked \(`DRCTL_E3005`\) \|/);
  t.equal(md.split('<details>').length, md.split('</details>').length, 'balanced details');
  t.equal(md.split('<details>').length - 1, 2, 'one collapsible per action');
  t.notMatch(md, /Truncated/);
});

function bigSpec(vms: number, groups = 1): DRSpec {
  return baseSpec((s) => {
    const tmpl = s.groups['prod-web-app']!;
    s.groups = {};
    for (let g = 0; g < groups; g++) {
      const per = Math.ceil(vms / groups);
      s.groups[`group-${g}`] = {
        ...structuredClone(tmpl),
        activeSite: 'site-b',
        replication: { ...tmpl.replication, arrayGroup: `pg-${g}` },
        members: Array.from({ length: per }, (_, i) => ({ server: `${i % 10 === 0 ? 'db' : 'web'}-${g}-${i}`, tier: (i % 3) + 1 })),
      };
    }
  });
}

t.test('markdown never exceeds 65,535 characters: a 5,000-VM plan is truncated with a pointer to the JSON', async (t) => {
  for (const [vms, groups] of [
    [5000, 1],
    [5000, 500],
  ] as const) {
    const spec = bigSpec(vms, groups);
    const p = buildPlan(spec, fakeInventory(spec), journal(), { now: NOW });
    t.equal(p.blockers.length, 0);
    t.ok(p.summary.steps >= 5000 * 6, `${p.summary.steps} steps`);
    const md = renderMarkdown(p, { fullPlanRef: 'plans/big.json' });
    t.ok(md.length <= MARKDOWN_MAX_CHARS, `${md.length} ≤ 65,535 (${groups} groups)`);
    t.ok(md.length > MARKDOWN_MAX_CHARS - 2000, 'uses the room it has');
    t.match(md, /> ⚠️ \*\*Truncated\*\*: this plan does not fit in a 65,535-character comment; .* not shown\. The full plan is in `plans\/big\.json`\./);
    t.match(md, /\*\*Plan: \d+ failover; \d+ steps\.\*\*/, 'the summary survives');
    t.equal(md.split('<details>').length, md.split('</details>').length, 'details stay balanced');
    t.equal((md.match(/^```/gm) ?? []).length % 2, 0, 'code fences stay balanced');
  }
});

t.test('markdown cap is configurable and always holds', async (t) => {
  const p = showcase();
  const full = renderMarkdown(p).length;
  t.ok(full > 4000, `the showcase needs ${full} characters`);
  for (const max of [2000, 3000, 4000]) {
    const md = renderMarkdown(p, { maxChars: max });
    t.ok(md.length <= max, `${md.length} ≤ ${max}`);
    t.match(md, /Truncated/);
  }
});
