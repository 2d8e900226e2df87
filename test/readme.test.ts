/** Keeps the README true to the code: every error code drctl can emit is documented there. */
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './helpers/cli.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

t.test('every DRCTL code in src/ is in the README tables', async (t) => {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const documented = new Set(readme.match(/^\| DRCTL_E\d{4} \|/gm)?.map((r) => r.slice(2, 13)));
  const used = new Set<string>();
  for (const f of await sources(path.join(repoRoot, 'src'))) {
    for (const m of (await readFile(f, 'utf8')).matchAll(/DRCTL_E\d{4}/g)) used.add(m[0]);
  }
  t.ok(used.size > 100, `found ${used.size} codes in src/`);
  const missing = [...used].filter((c) => !documented.has(c)).sort();
  t.same(missing, [], 'codes used in src/ but missing from the README tables');
});

t.test('the README shows the two set-up commands', async (t) => {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  t.match(readme, /npm ci && npx drctl apply --mock examples\/prod-web-app-failover\.yaml --auto-approve/);
  t.match(readme, /npm ci && npm test/);
});
