import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DrctlError } from '../../src/errors.js';
import { SpecCode } from '../../src/spec/codes.js';
import { loadSpec, loadSpecOrThrow, MAX_SPEC_BYTES, parseSpec, withDefaults } from '../../src/spec/load.js';
import type { DRSpec } from '../../src/spec/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(root, 'examples');
const tmp = mkdtempSync(path.join(tmpdir(), 'drctl-spec-'));

const minimal = (over = '') => `apiVersion: drctl/v1
kind: DRSpec
metadata: { name: t }
sites:
  a: { cloud: a, storage: { driver: ceph, cluster: a, pool: volumes } }
  b: { cloud: b, storage: { driver: ceph, conf: /etc/ceph/b.conf, pool: volumes } }
groups:
  g:
    primarySite: a
    secondarySite: b
    activeSite: a
    replication: { type: async, volumeType: ceph-mirrored, mirrorMode: snapshot, intervalSeconds: 60, rpoMinutes: 5 }
    members: [{ server: s1, tier: 1 }]
${over}`;

t.test('every example spec validates with no diagnostics', async (t) => {
  const specs = readdirSync(examples).filter((f) => f.endsWith('.yaml') && f !== 'clouds.yaml');
  t.ok(specs.length >= 3, 'at least three example specs');
  for (const f of specs) {
    const file = path.join(examples, f);
    const text = readFileSync(file, 'utf8');
    t.match(text, /^# yaml-language-server: \$schema=\.\.\/schemas\/drspec\.schema\.json\n/, `${f} names the schema for editors`);
    const r = await loadSpec(file);
    t.same(r.diagnostics, [], `${f}: no diagnostics`);
    t.ok(r.ok, `${f} is valid`);
    if (r.ok) t.same(Object.keys(r.loaded.spec.sites).sort(), ['site-a', 'site-b'], `${f}: sites site-a and site-b`);
  }
});

t.test('the prod-web-app example is the seeds three-tier app', async (t) => {
  const r = await loadSpec(path.join(examples, 'prod-web-app.yaml'));
  if (!r.ok) return t.fail('invalid');
  const g = r.loaded.spec.groups['prod-web-app']!;
  t.same(
    g.members.map((m) => `${m.server}:${m.tier}`),
    ['db-server-1:1', 'app-server-1:2', 'app-server-2:2', 'web-server-1:3', 'web-server-2:3'],
  );
  t.equal(g.replication.type, 'async');
  t.equal(g.replication.arrayGroup, 'pg-prod-web-app');
  t.equal(g.mappings.networks['net-primary-web'], 'net-secondary-web');
  t.equal(g.mappings.flavors['m1.large'], 'm2.large');
});

t.test('defaults are applied and explicit values kept', async (t) => {
  const r = parseSpec(minimal(), 'min.yaml');
  if (!r.ok) return t.fail(JSON.stringify(r.diagnostics));
  const s = r.loaded.spec;
  const g = s.groups.g!;
  t.equal(g.drill, false);
  t.same(g.failover, { mode: 'planned', reverseReplication: true });
  t.same(g.mappings, { networks: {}, flavors: {} });
  const a = s.sites.a!.storage;
  t.equal(a.driver === 'ceph' && a.client, 'admin', 'ceph client defaults to admin');

  const r2 = parseSpec(
    minimal('    drill: true\n    failover: { mode: unplanned }\n    mappings: { networks: { n1: n2 }, securityGroups: { default: default } }\n'),
    'min2.yaml',
  );
  if (!r2.ok) return t.fail(JSON.stringify(r2.diagnostics));
  const g2 = r2.loaded.spec.groups.g!;
  t.equal(g2.drill, true);
  t.same(g2.failover, { mode: 'unplanned', reverseReplication: true }, 'partial failover merged with defaults');
  t.same(g2.mappings, { networks: { n1: 'n2' }, flavors: {}, securityGroups: { default: 'default' } });
});

t.test('withDefaults does not mutate its input', async (t) => {
  const raw = { groups: { g: { members: [] } }, sites: {} } as unknown as DRSpec;
  withDefaults(raw);
  t.same(raw, { groups: { g: { members: [] } }, sites: {} });
});

t.test('digest is the sha256 of the file bytes, from text and from file alike', async (t) => {
  const text = minimal();
  const file = path.join(tmp, 'd.yaml');
  writeFileSync(file, text);
  const want = createHash('sha256').update(Buffer.from(text)).digest('hex');
  const a = parseSpec(text, file);
  const b = await loadSpec(file);
  t.ok(a.ok && b.ok);
  if (a.ok && b.ok) {
    t.equal(a.loaded.digest, want);
    t.equal(b.loaded.digest, want);
    t.equal(b.loaded.file, file);
  }
});

t.test('huge inputs fail fast at FILE:1:1', async (t) => {
  const big = `# padding\n${'x'.repeat(MAX_SPEC_BYTES + 10)}\n`;
  const file = path.join(tmp, 'huge.yaml');
  writeFileSync(file, big);
  for (const r of [await loadSpec(file), parseSpec(big, file)]) {
    t.equal(r.ok, false);
    t.same(
      r.diagnostics.map((d) => [d.code, d.line, d.col]),
      [[SpecCode.tooLarge, 1, 1]],
    );
    t.match(r.diagnostics[0]!.message, /1 MiB/);
  }
  // Many small lines, just over the limit, still fail on size without parsing.
  const lines = `${'a: b\n'.repeat(Math.ceil(MAX_SPEC_BYTES / 5) + 1)}`;
  t.equal(parseSpec(lines, 'lines.yaml').diagnostics[0]!.code, SpecCode.tooLarge);
});

t.test('recursion-depth attacks are refused before parsing', async (t) => {
  const cases: [string, string, string][] = [
    ['flow', `a: ${'['.repeat(100_000)}`, '1:68'],
    ['indent', Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), '258:1'],
  ];
  for (const [name, text, at] of cases) {
    const r = parseSpec(text, name);
    t.same(
      r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
      [`${SpecCode.resourceLimit} ${at}`],
      name,
    );
  }
  // Quotes and comments do not count as nesting.
  const fine = parseSpec(minimal(`    description: "${'['.repeat(100)}" # ${'{'.repeat(100)}\n`), 'fine.yaml');
  t.same(fine.diagnostics, []);
});

t.test('unreadable files are diagnostics, not exceptions', async (t) => {
  const missing = await loadSpec(path.join(tmp, 'nope.yaml'));
  t.same(missing.diagnostics.map((d) => [d.code, d.line, d.col, d.message]), [[SpecCode.unreadable, 1, 1, 'no such file']]);
  const dir = await loadSpec(tmp);
  t.equal(dir.diagnostics[0]!.code, SpecCode.unreadable);
  t.match(dir.diagnostics[0]!.message, /directory/);
});

t.test('a YAML syntax error never shows the source line (it may hold a secret)', async (t) => {
  const cases = [
    minimal().replace('driver: ceph, cluster: a, pool: volumes }', 'driver: ceph, cluster: a, pool: volumes, keyring: "AQBsekretvalue99 }'),
    minimal().replace('  a: { cloud: a, storage: { driver: ceph, cluster: a, pool: volumes } }', '  a:\n    keyring: AQBsekretvalue99: [\n'),
  ];
  for (const text of cases) {
    const r = parseSpec(text, 's.yaml');
    t.equal(r.ok, false);
    t.ok(r.diagnostics.length > 0);
    t.notOk(JSON.stringify(r.diagnostics).includes('AQBsekretvalue99'), 'literal not echoed');
  }
});

t.test('all problems are reported at once, sorted by position', async (t) => {
  const text = minimal()
    .replace('apiVersion: drctl/v1', 'apiVersion: drctl/v0')
    .replace('activeSite: a', 'activeSite: c')
    .replace('tier: 1', 'tier: 0')
    .replace('rpoMinutes: 5', 'rpoMinute: 5');
  const r = parseSpec(text, 'x.yaml');
  t.same(
    r.diagnostics.map((d) => d.code),
    // In file order: E1070 points at the replication mapping, which starts before the misspelt key.
    [SpecCode.apiVersion, SpecCode.activeSite, SpecCode.asyncNeedsTiming, SpecCode.unknownKey, SpecCode.badTier],
  );
  const lines = r.diagnostics.map((d) => d.line * 1000 + d.col);
  t.same(lines, [...lines].sort((a, b) => a - b), 'sorted by line:col');
  const unknown = r.diagnostics.find((d) => d.code === SpecCode.unknownKey)!;
  t.match(unknown.message, /unknown key 'rpoMinute'; did you mean 'rpoMinutes'\?/);
  const active = r.diagnostics.find((d) => d.code === SpecCode.activeSite)!;
  t.equal(active.message, "groups.g.activeSite 'c' is not one of the group's sites (a, b)");
});

t.test('warnings do not make a spec invalid', async (t) => {
  const r = parseSpec(minimal().replace('rpoMinutes: 5', 'rpoMinutes: 1').replace('intervalSeconds: 60', 'intervalSeconds: 600'), 'w.yaml');
  t.equal(r.ok, true);
  t.same(r.diagnostics.map((d) => [d.severity, d.code]), [['warning', SpecCode.rpoBelowInterval]]);
});

t.test('loadSpecOrThrow: the spec, or a DrctlError listing every diagnostic', async (t) => {
  const good = await loadSpecOrThrow(path.join(examples, 'prod-web-app.yaml'));
  t.equal(good.loaded.spec.metadata.name, 'prod');
  const bad = path.join(tmp, 'bad.yaml');
  writeFileSync(bad, minimal().replace('kind: DRSpec', 'kind: Nope'));
  const err = await loadSpecOrThrow(bad).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(DrctlError.is(err));
  if (DrctlError.is(err)) {
    t.equal(err.exitCode, 1);
    t.match(err.message, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:7: error DRCTL_E1021`));
  }
});

t.test('the schema documents every property (editors show the descriptions)', async (t) => {
  const schema = JSON.parse(readFileSync(path.join(root, 'schemas/drspec.schema.json'), 'utf8'));
  const defs = schema.definitions as Record<string, { description?: string }>;
  const missing: string[] = [];
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        const ref = typeof v.$ref === 'string' ? defs[v.$ref.replace('#/definitions/', '')] : undefined;
        if (!v.description && !ref?.description) missing.push(`${where}.${k}`);
      }
    }
    // `if` holds conditions, not properties a user writes.
    for (const [k, v] of Object.entries(n)) if (k !== 'if') walk(v, `${where}/${k}`);
  };
  walk(schema, '#');
  t.same(missing, [], 'every property has a description');
  t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
});

t.test('secret scrubbing leaves valid references and other messages alone', async (t) => {
  const text = minimal()
    .replace('cluster: a, pool: volumes }', 'cluster: a, pool: volumes, keyring: { env: site } }')
    .replace('activeSite: a', 'activeSite: site');
  const r = parseSpec(text, 'k.yaml');
  t.same(
    r.diagnostics.map((d) => d.message),
    ["groups.g.activeSite 'site' is not one of the group's sites (a, b)"],
  );
});

t.test('a drill network may be no production network of any group, on either site', async (t) => {
  const text = minimal(
    '    mappings: { networks: { pa: sa }, reverseNetworks: { sa: pa } }\n    drillNetworks: { pa: pa }\n',
  );
  const r = parseSpec(text, 'd.yaml');
  t.same(r.diagnostics.map((d) => d.code), [SpecCode.drillNotIsolated]);
  t.match(r.diagnostics[0]!.message, /'pa' is a production network \(in groups\.g\.mappings\.networks\)/);
});
