/**
 * The spec loader's fast YAML path must never disagree with the `yaml` package: whenever it accepts
 * a text, `yaml` parses the same text without an error or warning into a deep-equal value. Checked
 * on every YAML file in the repository, on the benchmark's generated specs, on tricky scalars, and
 * on thousands of seeded random mutations of them (the fast path must bail on what it does not know).
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { fastParseYaml } from '../../src/spec/fastyaml.js';
import { parseSpec } from '../../src/spec/load.js';
// @ts-expect-error -- plain JS module of the benchmarks
import { benchSpec } from '../../bench/lib/spec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    if (f === 'node_modules' || f === 'dist' || f.startsWith('.')) continue;
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(f)) out.push(p);
  }
  return out;
}

/** undefined when they agree (or the fast path bailed), else what differs. */
function disagreement(text: string): string | undefined {
  const fast = fastParseYaml(text);
  if (fast === undefined) return undefined;
  const doc = parseDocument(text, { lineCounter: new LineCounter(), uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  if (doc.errors.length) return `fast path accepted what yaml rejects: ${doc.errors.map((e) => e.code).join(', ')}`;
  if (doc.warnings.length) return `fast path accepted what yaml warns about: ${doc.warnings.map((e) => e.code).join(', ')}`;
  let full: unknown;
  try {
    full = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return `yaml's toJS threw: ${(err as Error).message}`;
  }
  if (!isDeepStrictEqual(full, fast)) return `values differ: yaml ${JSON.stringify(full)} fast ${JSON.stringify(fast)}`;
  return undefined;
}

const corpus = [
  ...yamlFiles(path.join(root, 'examples')),
  ...yamlFiles(path.join(root, 'test')),
].map((f) => ({ name: path.relative(root, f), text: readFileSync(f, 'utf8') }));
corpus.push({ name: 'bench 50 VMs', text: benchSpec({ vms: 50 }) as string });
corpus.push({ name: 'bench 30 VMs, groups of 7, sync every 3rd', text: benchSpec({ vms: 30, groupSize: 7, syncEvery: 3 }) as string });

t.test('agrees with yaml on every YAML file of the repository and the bench specs', async (t) => {
  t.ok(corpus.length >= 40, `${corpus.length} texts`);
  let accepted = 0;
  for (const c of corpus) {
    const d = disagreement(c.text);
    t.equal(d, undefined, c.name);
    if (fastParseYaml(c.text) !== undefined) accepted++;
  }
  t.ok(accepted >= corpus.length / 2, `the fast path takes most of them (${accepted}/${corpus.length})`);
});

t.test('takes the examples and the generated bench spec (else the fast path would be dead code)', async (t) => {
  const examples = corpus.filter((c) => c.name.startsWith('examples/'));
  t.ok(examples.length > 0);
  for (const c of examples) t.not(fastParseYaml(c.text), undefined, c.name);
  t.not(fastParseYaml(benchSpec({ vms: 50 }) as string), undefined, 'bench spec');
});

t.test('plain and quoted scalars resolve as the YAML 1.2 core schema does', async (t) => {
  const scalars = [
    '0', '-0', '+0', '007', '12', '-12', '+12', '0o17', '0o8', '0x1F', '0xg', '0b101', '1_000', '1e3', '1E-3', '-1.5e+2', '1e', '.5', '5.', '-.5',
    '1.0', '1.10', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE',
    'tRUE', 'false', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n', '12:30', '2001-12-14', '1.2.3', 'a b', 'a  b', "it's", 'a"b', 'a,b', 'a#b',
    'a #b', 'http://x.y:5000/v3', 'a:b', '-a', '--', '-1x', 'é', '日本', "'q'", "'it''s'", "''", '""', '"a b"', '"a\\nb"', '"#x"', "'#x'",
    '/path/x', '_x', 'x_', '.x', '9x', 'a\u00a0', '\u00a0a', 'a\u3000', 'b:', 'a: b', ':a', '?a', '-', '- a',
  ];
  for (const s of scalars) {
    for (const text of [`k: ${s}\n`, `k: [${s}]\n`, `k: { a: ${s} }\n`, `- ${s}\n`, `k:\n  - ${s}\n`, `${s}: 1\n`, `k: { ${s}: 1 }\n`]) {
      t.equal(disagreement(text), undefined, JSON.stringify(text));
    }
  }
});

/** Seeded PRNG (mulberry32): the mutations are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [':', ' ', '  ', '-', '- ', '#', ' #', "'", '"', '{', '}', '[', ']', ',', '\n', '&a ', '*a', '!', '|', '>', '?', '0', '.', '~', 'e', ': ', '\\', '\t', '\r', '%', '@', '---\n', 'x: 1\n', '  - ', '\u00a0', '\u3000', 'é', ':x', '-1', '- a: 1\n', '"a": '];

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number) => Math.floor(r() * n);
  switch (pick(6)) {
    case 0: {
      const i = pick(text.length);
      return text.slice(0, i) + text.slice(i + 1 + pick(3));
    }
    case 1: {
      const i = pick(text.length + 1);
      return text.slice(0, i) + INSERTS[pick(INSERTS.length)] + text.slice(i);
    }
    case 2: {
      const i = pick(lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 3: {
      const i = pick(lines.length);
      const d = pick(5) - 2;
      lines[i] = d >= 0 ? ' '.repeat(d) + lines[i] : lines[i]!.replace(new RegExp(`^ {1,${-d}}`), '');
      return lines.join('\n');
    }
    case 4: {
      const i = pick(lines.length);
      const j = pick(lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    default: {
      const i = pick(lines.length);
      lines.splice(i, 1);
      return lines.join('\n');
    }
  }
}

t.test('agrees with yaml on seeded random mutations of the corpus', async (t) => {
  const r = rng(0x5eed);
  const base = corpus.filter((c) => c.text.length < 20_000);
  let checked = 0;
  let accepted = 0;
  const failures: string[] = [];
  for (let n = 0; n < 6000; n++) {
    let text = base[Math.floor(r() * base.length)]!.text;
    const k = 1 + Math.floor(r() * 3);
    for (let i = 0; i < k; i++) text = mutate(text, r);
    checked++;
    if (fastParseYaml(text) !== undefined) accepted++;
    const d = disagreement(text);
    if (d && failures.length < 5) failures.push(`${d}\n--- text ---\n${text}`);
  }
  t.same(failures, [], `no disagreement in ${checked} mutated texts (${accepted} taken by the fast path)`);
  t.ok(accepted > checked / 10, 'mutations exercise the fast path, not only its bail-outs');
});

t.test('parseSpec: the fast path gives the same result as the full parser', async (t) => {
  for (const c of corpus.filter((x) => !x.name.includes('malformed'))) {
    const fast = parseSpec(c.text, 'x.yaml');
    // A leading comment line moves nothing but is outside no subset: compare with a text the fast
    // path refuses (a document marker) to force the full parser.
    const full = parseSpec(`---\n${c.text}`, 'x.yaml');
    if (!full.ok) continue;
    t.equal(fast.ok, true, c.name);
    if (fast.ok) {
      t.same(fast.loaded.spec, full.loaded.spec, `${c.name}: same spec`);
      t.same(fast.diagnostics, full.diagnostics.map((d) => ({ ...d, line: d.line - 1 })), `${c.name}: same diagnostics`);
    }
  }
});
