/**
 * Schema stage: schemas/drspec.schema.json through ajv, and ajv's errors turned into located,
 * human diagnostics with stable codes. Raw ajv text never reaches the user, and nothing under a
 * secret field is ever echoed.
 */
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { SpecCode } from './codes.js';
import { dotted, pointerToPath, type PathSeg } from './source.js';
import generatedValidate from './validator.generated.js';

/** Both src/spec and dist/spec sit two levels below the package root. */
export const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/drspec.schema.json', import.meta.url));

/**
 * The schema's validator, precompiled from schemas/drspec.schema.json (see standalone.ts; a test
 * keeps the two in sync). Importing ajv and compiling at run time would cost ~200 ms per command.
 */
export function specValidator(): ValidateFunction {
  return generatedValidate as unknown as ValidateFunction;
}

/** A problem found before locating: the rule layer turns `at` into line:col. */
export interface RawProblem {
  code: string;
  message: string;
  path: PathSeg[];
  /** Point at the key of the last path segment rather than at its value. */
  at: 'key' | 'value';
  severity?: 'error' | 'warning';
}

const SECRET_FIELDS = new Set(['apiToken', 'keyring']);
/** Index of the secret field in the path (sites.X.storage.apiToken...), or -1. */
function secretIndex(path: readonly string[]): number {
  return path.findIndex((s, i) => i === 3 && path[0] === 'sites' && path[2] === 'storage' && SECRET_FIELDS.has(s));
}

const NAME_RULE = "may only contain letters, digits, '.', '_' and '-'";

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'empty (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

function wanted(t: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
  };
  const ts = Array.isArray(t) ? t : [t];
  return ts.map((x) => names[String(x)] ?? String(x)).join(' or ');
}

/** Short, printable rendering of a non-secret value. */
function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const one = (s ?? String(v)).replace(/\s+/g, ' ');
  return `'${one.length > 40 ? `${one.slice(0, 37)}...` : one}'`;
}

export function levenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/** The closest known name, if it is close enough to be a plausible typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === word.toLowerCase() ? 0 : levenshtein(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  if (best === undefined) return undefined;
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const PURE_KEYS = ['driver', 'endpoint', 'apiToken', 'insecure', 'caFile'];
const CEPH_KEYS = ['driver', 'cluster', 'conf', 'pool', 'client', 'keyring'];

interface SchemaLike {
  properties?: Record<string, { description?: string }>;
}

function describeRequired(parent: unknown, key: string): string {
  const d = (parent as SchemaLike | undefined)?.properties?.[key]?.description;
  if (!d) return '';
  const first = d.split(/(?<=\.)\s/)[0]!;
  return ` (${first.replace(/\.$/, '')})`;
}

/**
 * Turns ajv's errors into problems. Branch errors of oneOf/anyOf are folded into one problem for the
 * union, `if` bookkeeping is dropped, and known places get their specific codes.
 */
export function schemaProblems(errors: readonly ErrorObject[]): RawProblem[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const inUnion = (e: ErrorObject) =>
    unions.some(
      (u) =>
        u !== e &&
        e.schemaPath.startsWith(`${u.schemaPath}/`) &&
        (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`)),
    );
  const out: RawProblem[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    if (inUnion(e)) continue;
    const p = mapError(e);
    if (p) out.push(p);
  }
  return out;
}

function mapError(e: ErrorObject): RawProblem | undefined {
  const path = pointerToPath(e.instancePath);
  const where = dotted(path);
  const params = e.params as Record<string, unknown>;
  const si = secretIndex(path);

  // Anything under a secret field: one problem, never echoing the value.
  if (si >= 0) {
    const secretPath = path.slice(0, si + 1);
    const field = dotted(secretPath);
    if (e.keyword === 'oneOf' && (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data))) {
      const literal = typeof e.data === 'string' || typeof e.data === 'number' || typeof e.data === 'boolean';
      if (literal) {
        return {
          code: SpecCode.literalSecret,
          message: `${field} is written as a literal secret; secrets are never stored in the spec. Use { env: NAME } or { file: PATH } (and rotate the secret if this file was shared)`,
          path: secretPath,
          at: 'value',
        };
      }
    }
    let detail = 'must be { env: NAME } or { file: PATH }';
    const d = e.data as Record<string, unknown> | null;
    if (d && typeof d === 'object' && !Array.isArray(d)) {
      const keys = Object.keys(d);
      if (keys.includes('env') && keys.includes('file')) detail = 'must name either env or file, not both';
      else if (keys.length === 1 && keys[0] === 'env')
        detail = 'env must be an environment variable name (letters, digits and _, not starting with a digit)';
      else if (keys.length === 1 && keys[0] === 'file') detail = 'file must be a non-empty path';
    }
    return { code: SpecCode.badSecretRef, message: `${field} ${detail}`, path: secretPath, at: 'value' };
  }

  // Names used inside resource names (propertyNames errors carry the offending key).
  const propName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propName !== undefined) {
    const kindOf: Record<string, string> = { groups: 'group name', sites: 'site name' };
    const what = kindOf[path[0] ?? ''] ?? 'key';
    const problem =
      e.keyword === 'maxLength' ? 'is longer than 63 characters' : e.keyword === 'minLength' ? 'is empty' : NAME_RULE;
    return {
      code: path.length === 1 && what !== 'key' ? SpecCode.unsafeName : SpecCode.badValue,
      message: path.length === 1 && what !== 'key' ? `${what} ${show(propName)} ${problem}` : `${where}: key ${show(propName)} ${problem}`,
      path: [...path, propName],
      at: 'key',
    };
  }

  const last = path[path.length - 1];
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return {
        code: SpecCode.missingKey,
        message: `${where} is missing '${missing}'${describeRequired(e.parentSchema, missing)}`,
        path,
        // At the key of the mapping that lacks it (`web:`), or at the list item / top level.
        at: 'key',
      };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as SchemaLike | undefined)?.properties ?? {});
      let msg = `${where} has an unknown key '${key}'`;
      const isStorage = path.length === 3 && path[0] === 'sites' && path[2] === 'storage';
      const driver = (e.data as Record<string, unknown> | null)?.driver;
      const other = driver === 'pure' ? CEPH_KEYS : driver === 'ceph' ? PURE_KEYS : [];
      const guess = closest(key, known);
      if (isStorage && other.includes(key) && !known.includes(key)) {
        msg += ` ('${key}' is a ${driver === 'pure' ? 'ceph' : 'pure'} setting; this site uses driver ${String(driver)})`;
      } else if (guess) {
        msg += `; did you mean '${guess}'?`;
      } else if (known.length) {
        msg += ` (known keys: ${known.join(', ')})`;
      }
      return { code: SpecCode.unknownKey, message: msg, path: [...path, key], at: 'key' };
    }
    case 'type': {
      if (path[0] === 'groups' && path[2] === 'members' && last === 'tier') {
        return {
          code: SpecCode.badTier,
          message: `${where} must be a positive integer (1, 2, 3...), not ${typeof e.data === 'number' ? show(e.data) : typeName(e.data)}`,
          path,
          at: 'value',
        };
      }
      return {
        code: SpecCode.wrongType,
        message: `${where} must be ${wanted(params.type)}, not ${typeof e.data === 'number' && si < 0 ? show(e.data) : typeName(e.data)}`,
        path,
        at: 'value',
      };
    }
    case 'const':
    case 'enum': {
      const allowed = e.keyword === 'const' ? [params.allowedValue] : (params.allowedValues as unknown[]);
      const list = allowed.map((a) => String(a)).join(', ');
      if (path.length === 1 && last === 'apiVersion')
        return { code: SpecCode.apiVersion, message: `apiVersion must be 'drctl/v1', not ${show(e.data)}`, path, at: 'value' };
      if (path.length === 1 && last === 'kind')
        return { code: SpecCode.kind, message: `kind must be 'DRSpec', not ${show(e.data)}`, path, at: 'value' };
      if (path[0] === 'sites' && path[2] === 'storage' && last === 'driver')
        return {
          code: SpecCode.storageDriver,
          message: `${where} ${show(e.data)} is not a storage driver drctl knows (pure, ceph)`,
          path,
          at: 'value',
        };
      const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
      return {
        code: SpecCode.notAllowed,
        message: `${where} must be one of: ${list}; not ${show(e.data)}${guess ? ` (did you mean '${guess}'?)` : ''}`,
        path,
        at: 'value',
      };
    }
    case 'minProperties':
    case 'maxProperties': {
      if (path.length === 1 && last === 'sites') {
        const names = Object.keys((e.data as object) ?? {});
        return {
          code: SpecCode.siteCount,
          message: `sites must declare exactly two sites; found ${names.length}${names.length ? ` (${names.join(', ')})` : ''}`,
          path,
          at: 'key',
        };
      }
      return { code: SpecCode.badValue, message: `${where} must have at least ${String(params.limit)} entry`, path, at: 'key' };
    }
    case 'minItems':
      if (path[0] === 'groups' && last === 'members')
        return {
          code: SpecCode.noMembers,
          message: `${where} is empty; a group needs at least one member ({ server, tier })`,
          path,
          at: 'value',
        };
      return { code: SpecCode.badValue, message: `${where} must have at least ${String(params.limit)} item(s)`, path, at: 'value' };
    case 'minimum':
      if (path[0] === 'groups' && path[2] === 'members' && last === 'tier')
        return { code: SpecCode.badTier, message: `${where} must be a positive integer (1, 2, 3...), not ${show(e.data)}`, path, at: 'value' };
      return { code: SpecCode.badValue, message: `${where} must be at least ${String(params.limit)}, not ${show(e.data)}`, path, at: 'value' };
    case 'minLength':
      return { code: SpecCode.badValue, message: `${where} must not be empty`, path, at: 'value' };
    case 'maxLength':
      return { code: SpecCode.badValue, message: `${where} is longer than ${String(params.limit)} characters`, path, at: 'value' };
    case 'pattern': {
      if (last === 'endpoint')
        return { code: SpecCode.badValue, message: `${where} must be an http(s) URL such as https://fa-a.example.com, not ${show(e.data)}`, path, at: 'value' };
      if (String(params.pattern).includes('A-Za-z0-9._-'))
        return { code: SpecCode.unsafeName, message: `${where} ${show(e.data)} ${NAME_RULE}`, path, at: 'value' };
      return { code: SpecCode.badValue, message: `${where} is badly formed: ${show(e.data)}`, path, at: 'value' };
    }
    case 'anyOf':
      if (path[0] === 'sites' && last === 'storage')
        return {
          code: SpecCode.cephLocation,
          message: `${where} (ceph) needs 'cluster' (a cluster name, reads /etc/ceph/NAME.conf) or 'conf' (a ceph.conf path)`,
          path,
          at: 'value',
        };
      return { code: SpecCode.badValue, message: `${where} does not match any allowed form`, path, at: 'value' };
    case 'oneOf':
      return { code: SpecCode.badValue, message: `${where} does not match any allowed form`, path, at: 'value' };
    default:
      return { code: SpecCode.badValue, message: `${where} is not valid (${e.keyword})`, path, at: 'value' };
  }
}
