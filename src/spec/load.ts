/**
 * Reading a DR spec: bytes → YAML (with source ranges) → schema (ajv) → semantic rules → typed spec
 * with defaults. Every problem becomes a located Diagnostic; all of them are returned, not the first.
 * Secrets written literally are reported without ever being echoed.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { DrctlError } from '../errors.js';
import { SpecCode } from './codes.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from './diagnostics.js';
import { fastParseYaml } from './fastyaml.js';
import { semanticProblems } from './rules.js';
import { schemaProblems, specValidator, type RawProblem } from './schema.js';
import { SourceMap } from './source.js';
import type { DRSpec, GroupSpec, LoadedSpec, SiteSpec } from './types.js';

export type SpecLoadResult =
  | { ok: true; loaded: LoadedSpec; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** A spec is a few kilobytes; anything beyond this is the wrong file or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Aliases expanded while building the value; a real spec needs a handful. */
export const MAX_ALIAS_COUNT = 100;

function diag(file: string, code: string, message: string, line = 1, col = 1, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { severity, code, message, file, line, col };
}

function yamlMessage(err: YAMLError): string {
  // The library appends " at line L, column C:" and a code frame of the source line. Drop both:
  // the location is in the diagnostic, and the source line could hold a secret.
  const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
  if (err.code === 'DUPLICATE_KEY') return 'duplicate key: this mapping already has this key (YAML would silently keep the last one)';
  if (err.code === 'MULTIPLE_DOCS') return 'a spec file holds exactly one YAML document; found a second one (---)';
  return `YAML syntax error: ${first}`;
}

/** Real specs nest about six levels; these bounds stop recursion-depth attacks before the parser. */
export const MAX_FLOW_DEPTH = 64;
export const MAX_INDENT = 256;

/** A linear pre-scan (approximate about quotes and comments, which only makes it more lenient). */
function nestingTooDeep(text: string): { message: string; line: number; col: number } | undefined {
  let depth = 0;
  let line = 1;
  let col = 0;
  let lineStart = true;
  let indent = 0;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    col++;
    if (c === '\n') {
      line++;
      col = 0;
      lineStart = true;
      indent = 0;
      comment = false;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        if (++indent > MAX_INDENT)
          return { message: `the YAML is indented more than ${MAX_INDENT} columns; nesting this deep is refused`, line, col: 1 };
        continue;
      }
      lineStart = false;
    }
    if (comment) continue;
    if (quote) {
      if (quote === '"' && c === '\\') {
        i++;
        col++;
      } else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '"' || c === "'") {
      // A quote only opens a quoted scalar at the start of a value, not inside a plain word (it's).
      if (i === 0 || /[\s,[{:]/.test(text[i - 1]!)) quote = c;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH)
        return { message: `the YAML nests flow collections more than ${MAX_FLOW_DEPTH} deep; nesting this deep is refused`, line, col };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/** The parser reports an unclosed quote where the file ends; the user needs the opening quote. */
function errorOffset(doc: Document, e: YAMLError): number | undefined {
  const at = e.pos?.[0];
  if (e.code !== 'MISSING_CHAR' || at === undefined || !/quote/i.test(e.message)) return at;
  let start: number | undefined;
  visit(doc, {
    Scalar(_k, n) {
      const r = n.range;
      if (r && (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') && r[0] < at && r[1] >= at) start = r[0];
    },
  });
  return start ?? at;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.line}:${d.col}:${d.code}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
}

/** Secret literals found under sites.*.storage.{apiToken,keyring}: scrubbed from every message. */
function secretLiterals(value: unknown): string[] {
  const out: string[] = [];
  const sites = (value as { sites?: unknown } | null)?.sites;
  if (typeof sites !== 'object' || sites === null) return out;
  for (const s of Object.values(sites as Record<string, unknown>)) {
    const storage = (s as { storage?: Record<string, unknown> } | null)?.storage;
    if (typeof storage !== 'object' || storage === null) continue;
    for (const f of ['apiToken', 'keyring']) {
      // Valid references ({ env: NAME }, { file: PATH }) are not secrets; anything else might be.
      const collect = (v: unknown, key?: string): void => {
        if (typeof v === 'string' || typeof v === 'number') {
          const text = String(v);
          const reference = key === 'file' || (key === 'env' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text));
          if (!reference && text.length >= 4) out.push(text);
        } else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, k);
      };
      collect(storage[f]);
    }
  }
  return out;
}

/** Parses and validates spec text. Pure apart from hashing: no I/O. */
export function parseSpec(text: string, file: string): SpecLoadResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return {
      ok: false,
      diagnostics: [diag(file, SpecCode.tooLarge, `the file is ${bytes} bytes; a DR spec is limited to ${MAX_SPEC_BYTES} bytes (1 MiB)`)],
    };
  }
  const deep = nestingTooDeep(text);
  if (deep) return { ok: false, diagnostics: [diag(file, SpecCode.resourceLimit, deep.message, deep.line, deep.col)] };
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  const fast = fastValid(text, file, digest);
  if (fast) return fast;
  return parseSpecFully(text, file, digest);
}

/**
 * The fast path: a spec in fastyaml's subset that passes the schema and every rule loads without
 * the `yaml` syntax tree. Anything else (outside the subset, or any problem, even a warning) returns
 * undefined and goes through parseSpecFully, which locates every diagnostic: diagnostics never
 * depend on which parser ran.
 */
function fastValid(text: string, file: string, digest: string): SpecLoadResult | undefined {
  const value = fastParseYaml(text);
  if (value === undefined) return undefined;
  if (value.apiVersion === undefined && value.clouds !== undefined) return undefined;
  const validate = specValidator();
  if (!validate(value)) return undefined;
  if (semanticProblems(value).length > 0) return undefined;
  // The value was built here and nobody else holds it: fill the defaults in without a deep copy.
  return { ok: true, loaded: { spec: applyDefaults(value as unknown as DRSpec), file, digest }, diagnostics: [] };
}

/** The full path: `yaml` with source ranges, so that every diagnostic has its line:col. */
function parseSpecFully(text: string, file: string, digest: string): SpecLoadResult {
  const lc = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  } catch (err) {
    return { ok: false, diagnostics: [diag(file, SpecCode.resourceLimit, `the YAML could not be parsed: ${(err as Error).name === 'RangeError' ? 'nesting too deep' : 'parser failure'}`)] };
  }
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number | undefined) => (offset === undefined ? { line: 1, col: 1 } : lc.linePos(offset));
  const syntaxLines = new Set<number>();
  for (const e of doc.errors) {
    const p = at(errorOffset(doc, e));
    const code =
      e.code === 'DUPLICATE_KEY' ? SpecCode.duplicateKey : /call stack/i.test(e.message) ? SpecCode.resourceLimit : SpecCode.yamlSyntax;
    // One syntax error per line: the parser's follow-on complaints about the same line add nothing.
    if (code === SpecCode.yamlSyntax) {
      if (syntaxLines.has(p.line)) continue;
      syntaxLines.add(p.line);
    }
    diagnostics.push(diag(file, code, yamlMessage(e), p.line, p.col));
  }
  for (const w of doc.warnings) {
    const p = at(w.pos?.[0]);
    diagnostics.push(diag(file, SpecCode.yamlWarning, `YAML warning: ${yamlMessage(w).replace(/^YAML syntax error: /, '')}`, p.line, p.col, 'warning'));
  }
  // After a syntax error the tree is a guess; only duplicate keys leave a value worth checking.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const msg = (err as Error).message ?? '';
    const why = /alias/i.test(msg)
      ? `the YAML expands too many aliases (more than ${MAX_ALIAS_COUNT}); drctl refuses alias bombs — write the values out`
      : /call stack|recursion/i.test(msg)
        ? 'the YAML nests too deeply'
        : 'the YAML could not be converted to a value';
    diagnostics.push(diag(file, SpecCode.resourceLimit, why));
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  }

  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    const what =
      value === null || value === undefined
        ? 'the file is empty'
        : Array.isArray(value)
          ? 'the top level is a list'
          : `the top level is a ${typeof value}`;
    diagnostics.push(diag(file, SpecCode.notAMapping, `${what}; a DR spec is a mapping starting with apiVersion: drctl/v1 and kind: DRSpec`));
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  }

  const top = value as Record<string, unknown>;
  if (top.apiVersion === undefined && top.clouds !== undefined) {
    diagnostics.push(diag(file, SpecCode.notAMapping, 'this looks like a clouds.yaml (it has a top-level clouds key), not a DR spec; pass the spec that refers to it'));
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  }

  const validate = specValidator();
  const problems: RawProblem[] = [];
  if (!validate(value)) problems.push(...schemaProblems(validate.errors ?? []));
  problems.push(...semanticProblems(value));

  const src = new SourceMap(doc, lc);
  const secrets = secretLiterals(value);
  for (const p of problems) {
    const pos = p.at === 'key' ? src.keyPos(p.path) : src.valuePos(p.path);
    let message = p.message;
    for (const s of secrets) message = message.split(s).join('<redacted>');
    diagnostics.push(diag(file, p.code, message, pos.line, pos.col, p.severity ?? 'error'));
  }

  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { ok: false, diagnostics: sorted };
  return { ok: true, loaded: { spec: withDefaults(value as DRSpec), file, digest }, diagnostics: sorted };
}

/** Reads and validates a spec file. Never throws for user errors: they are diagnostics. */
export async function loadSpec(file: string): Promise<SpecLoadResult> {
  let text: string;
  try {
    const st = await stat(file);
    if (st.isDirectory()) return { ok: false, diagnostics: [diag(file, SpecCode.unreadable, 'this is a directory, not a spec file')] };
    if (st.size > MAX_SPEC_BYTES) {
      return {
        ok: false,
        diagnostics: [diag(file, SpecCode.tooLarge, `the file is ${st.size} bytes; a DR spec is limited to ${MAX_SPEC_BYTES} bytes (1 MiB)`)],
      };
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? 'error'})`;
    return { ok: false, diagnostics: [diag(file, SpecCode.unreadable, why)] };
  }
  return parseSpec(text, file);
}

/**
 * For commands that need a valid spec (plan, apply, status, mock init): the loaded spec, or a
 * DrctlError whose message lists every diagnostic (exit 1). Warnings are returned for printing.
 */
export async function loadSpecOrThrow(file: string): Promise<{ loaded: LoadedSpec; warnings: Diagnostic[] }> {
  const r = await loadSpec(file);
  if (!r.ok) {
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    throw new DrctlError(
      SpecCode.invalidSpec,
      `${file} is not a valid DR spec (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${r.diagnostics.map(formatDiagnostic).join('\n')}`,
      { hint: `Run 'drctl validate ${file}' after fixing them.`, details: { diagnostics: r.diagnostics } },
    );
  }
  return { loaded: r.loaded, warnings: r.diagnostics };
}

/** Fills in the documented defaults on a schema-valid, rule-valid value. Returns a fresh object. */
export function withDefaults(raw: DRSpec): DRSpec {
  return applyDefaults(structuredClone(raw));
}

/** withDefaults on a value the caller owns: fills the defaults in place and returns it. */
function applyDefaults(spec: DRSpec): DRSpec {
  for (const site of Object.values(spec.sites) as SiteSpec[]) {
    if (site.storage.driver === 'ceph' && site.storage.client === undefined) site.storage.client = 'admin';
    if (site.storage.driver === 'pure' && site.storage.insecure === undefined) site.storage.insecure = false;
  }
  for (const g of Object.values(spec.groups) as GroupSpec[]) {
    g.drill = g.drill ?? false;
    const f: Partial<GroupSpec['failover']> = g.failover ?? {};
    g.failover = { mode: f.mode ?? 'planned', reverseReplication: f.reverseReplication ?? true };
    const m: Partial<GroupSpec['mappings']> = g.mappings ?? {};
    g.mappings = { ...m, networks: m.networks ?? {}, flavors: m.flavors ?? {} };
  }
  return spec;
}
