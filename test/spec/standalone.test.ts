/** The checked-in precompiled validator must be exactly what the current schema generates. */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { AJV_OPTIONS, validatorSource } from '../../src/spec/standalone.js';
import { specValidator } from '../../src/spec/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemaText = readFileSync(path.join(root, 'schemas/drspec.schema.json'), 'utf8');
const generatedPath = path.join(root, 'src/spec/validator.generated.ts');

t.test('src/spec/validator.generated.ts is up to date with the schema', async (t) => {
  const fresh = validatorSource(schemaText);
  if (process.env.DRCTL_UPDATE_GENERATED === '1') writeFileSync(generatedPath, fresh);
  t.equal(readFileSync(generatedPath, 'utf8'), fresh, 'stale: run DRCTL_UPDATE_GENERATED=1 npx tap test/spec/standalone.test.ts');
});

t.test('the precompiled validator agrees with ajv compiling the schema at run time', async (t) => {
  const compiled = new Ajv({ ...AJV_OPTIONS }).compile(JSON.parse(schemaText) as object);
  const generated = specValidator();
  const samples: unknown[] = [
    {},
    [],
    { apiVersion: 'drctl/v1', kind: 'DRSpec', metadata: { name: 'x y' }, sites: { a: { cloud: 'a', storage: { driver: 'pure', endpoint: 'x', apiToken: 'lit' } } }, groups: {} },
    { apiVersion: 'drctl/v1', kind: 'DRSpec', metadata: { name: 'x' }, sites: { a: { cloud: 'a', storage: { driver: 'ceph', pool: 'p', keyring: { env: 'K', file: 'f' } } }, b: { cloud: 'b', storage: { driver: 'nfs' } } }, groups: { g: { primarySite: 'a', secondarySite: 'b', activeSite: 'a', replication: { type: 'asynch', volumeType: '' }, members: [{ server: 's', tier: 0 }, { server: 's' }], mappings: { networks: { n: ['x'] } }, extra: 1 } } },
  ];
  for (const s of samples) {
    const a = compiled(s);
    const b = generated(s);
    t.equal(b, a, 'same verdict');
    const strip = (es: typeof compiled.errors) => (es ?? []).map((e) => [e.instancePath, e.schemaPath, e.keyword, JSON.stringify(e.params)]);
    t.same(strip(generated.errors), strip(compiled.errors), 'same errors');
  }
});
