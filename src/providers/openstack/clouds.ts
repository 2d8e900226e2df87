/**
 * clouds.yaml, read the way openstacksdk reads it (openstack/config/loader.py), so an operator's
 * existing `openstack --os-cloud X` setup works unchanged with drctl:
 *
 * - Files: `OS_CLIENT_CONFIG_FILE` first, then `clouds.{yaml,yml,json}` in the working directory,
 *   `$XDG_CONFIG_HOME/openstack` (default `~/.config/openstack`), `~/.config/openstack`,
 *   `$XDG_CONFIG_DIRS/openstack` (default `/etc/xdg/openstack`), `/etc/openstack`. The first file
 *   that exists and parses wins (an unreadable or unparsable one is skipped with a warning, as the SDK
 *   does); later files are not consulted even if the wanted cloud is missing from the winner.
 * - `secure.{yaml,yml,json}` is searched the same way (`OS_CLIENT_SECURE_FILE` first) and deep-merged
 *   over the clouds file, so passwords can live in a separate, tighter-permission file.
 * - `OS_*` environment variables (other than the selectors OS_CLOUD, OS_REGION_NAME,
 *   OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE, OS_CLOUD_NAME) form an extra cloud named `envvars`
 *   (or `$OS_CLOUD_NAME`).
 * - Keys: `-` and `_` are equivalent; auth options may sit in `auth:` or at the top level (`auth:`
 *   wins for clouds.yaml values); `tenant_*` aliases `project_*`; `domain_id`/`domain_name` fill
 *   `user_domain_*` and `project_domain_*` when those are absent; `auth_plugin` aliases `auth_type`;
 *   `endpoint_type` aliases `interface`; `regions:` (list) or `region_name` (first entry wins when
 *   several); `insecure: true` beats `verify`; `cacert` applies only when verifying.
 *
 * Not supported (rejected with a clear error when selected): auth types other than password and
 * v3applicationcredential (token, v3oidc*, v3totp, ...), vendor `profile:`s, client certificates.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { DrctlError } from '../../errors.js';
import type { SecretRegistry } from '../redact.js';

export interface CloudAuth {
  authUrl: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
}

export interface CloudConfig {
  name: string;
  authType: 'password' | 'v3applicationcredential';
  auth: CloudAuth;
  regionName?: string;
  interface: 'public' | 'internal' | 'admin';
  verify: boolean;
  cacert?: string;
  /** The file this cloud came from (`env` for the envvars cloud). Informational. */
  source?: string;
}

export interface LoadCloudsOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** Returns the file's text, or undefined when it does not exist / cannot be read. */
  readFile?: (p: string) => Promise<string | undefined>;
  /** Non-fatal problems (skipped files, ignored keys). */
  warn?: (msg: string) => void;
  /** Passwords and application-credential secrets found are registered here for redaction. */
  secrets?: SecretRegistry;
}

/** What loadClouds learned besides the clouds; used by selectCloud's error messages. */
export interface CloudsMeta {
  file?: string;
  secureFile?: string;
  searched: string[];
  /** Clouds present in the file but unusable, with the reason (raised when selected). */
  invalid: Map<string, DrctlError>;
}

const META = new WeakMap<object, CloudsMeta>();

export function cloudsMeta(clouds: Record<string, CloudConfig>): CloudsMeta | undefined {
  return META.get(clouds);
}

const SUFFIXES = ['.yaml', '.yml', '.json'];

/** The directories openstacksdk searches, in order (Linux layout). */
export function configSearchDirs(opts: { env: NodeJS.ProcessEnv; cwd: string; home: string }): string[] {
  const home = opts.env.SNAP_REAL_HOME || opts.home;
  const xdgHome = opts.env.XDG_CONFIG_HOME || path.join(opts.home, '.config');
  const xdgDirs = (opts.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':')[0] || '/etc/xdg';
  const dirs = [opts.cwd, path.join(xdgHome, 'openstack'), path.join(home, '.config', 'openstack'), path.join(xdgDirs, 'openstack'), '/etc/openstack'];
  return [...new Set(dirs)];
}

function candidateFiles(base: string, dirs: string[], override: string | undefined): string[] {
  const files = dirs.flatMap((d) => SUFFIXES.map((s) => path.join(d, base + s)));
  return override ? [override, ...files] : files;
}

async function defaultReadFile(p: string): Promise<string | undefined> {
  try {
    return await fsReadFile(p, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

type Json = Record<string, unknown>;

function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

async function firstFile(files: string[], read: (p: string) => Promise<string | undefined>, warn: (m: string) => void): Promise<{ file: string; data: Json } | undefined> {
  for (const f of files) {
    const text = await read(f);
    if (text === undefined) continue;
    let data: unknown;
    try {
      data = f.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    } catch (err) {
      warn(`Skipping config file ${f}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!isObj(data)) {
      throw new DrctlError('DRCTL_E2011', `Configuration file ${f} is empty or not a valid mapping`, {
        hint: 'clouds.yaml must be a mapping with a top-level `clouds:` key.',
        details: { file: f },
      });
    }
    if (!('clouds' in data)) warn(`Configuration file ${f} does not contain a 'clouds' key`);
    return { file: f, data };
  }
  return undefined;
}

/** Deep merge (openstacksdk `_util.merge_clouds`): mappings merge, everything else replaces. */
export function mergeClouds(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isObj(v) && isObj(out[k]) ? mergeClouds(out[k] as Json, v) : isObj(v) ? { ...v } : v;
  }
  return out;
}

function normalizeKeys(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/-/g, '_')] = isObj(v) ? normalizeKeys(v) : v;
  return out;
}

function getBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.toLowerCase() === 'true';
  return false;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The envvars cloud (openstacksdk `_get_os_environ`), or undefined when only selectors are set. */
function envCloud(env: NodeJS.ProcessEnv): Json | undefined {
  const selectors = new Set(['OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME']);
  const keys = Object.keys(env).filter((k) => k.startsWith('OS_') && !k.startsWith('OS_TEST') && !k.startsWith('OS_STD') && !k.startsWith('OS_LOG'));
  if (!keys.some((k) => !selectors.has(k))) return undefined;
  const out: Json = {};
  for (const k of keys) out[k.slice(3).toLowerCase()] = env[k];
  return out;
}

const AUTH_OPTIONS = [
  'auth_url',
  'username',
  'user_id',
  'password',
  'user_domain_name',
  'user_domain_id',
  'project_name',
  'project_id',
  'project_domain_name',
  'project_domain_id',
  'domain_id',
  'domain_name',
  'application_credential_id',
  'application_credential_name',
  'application_credential_secret',
];

/**
 * Turn one raw clouds.yaml entry into a CloudConfig (openstacksdk `get_one` + `magic_fixes`).
 * Throws DrctlError DRCTL_E2013 when the entry cannot be used.
 */
export function parseCloudEntry(name: string, raw: Json, source: string): CloudConfig {
  let c = normalizeKeys(raw);
  // regions: the first region's name and values (openstacksdk picks regions[0] when none is asked for)
  let regionName: string | undefined;
  if (Array.isArray(c.regions) && c.regions.length > 0) {
    const r0 = c.regions[0];
    if (isObj(r0)) {
      regionName = str(r0.name);
      if (isObj(r0.values)) c = mergeClouds(c, normalizeKeys(r0.values));
    } else regionName = str(r0);
  } else if (Array.isArray(c.region_name)) {
    regionName = str(c.region_name[0]);
  } else if (typeof c.region_name === 'string') {
    regionName = c.region_name.split(',')[0]?.trim() || undefined;
  }
  if (c.profile !== undefined || c.cloud !== undefined) {
    throw new DrctlError('DRCTL_E2013', `cloud ${name} (${source}) uses a vendor profile (${String(c.profile ?? c.cloud)}), which drctl does not expand`, {
      hint: 'Write auth_url, region_name and interface explicitly in the cloud entry.',
      details: { cloud: name, file: source },
    });
  }
  const authIn = isObj(c.auth) ? { ...(c.auth as Json) } : {};
  // Top-level values: backwards-compat keys prefer top level (`_fix_backwards_auth`); plugin options
  // prefer `auth:` (`_validate_auth`).
  const alias: Record<string, string[]> = { project_id: ['tenant_id', 'project_id'], project_name: ['tenant_name', 'project_name'] };
  for (const [target, keys] of Object.entries(alias)) {
    let v: unknown;
    for (const k of keys) {
      if (authIn[k] !== undefined) v = authIn[k];
      if (c[k] !== undefined) v = c[k];
      delete authIn[k];
    }
    if (v !== undefined) authIn[target] = v;
  }
  const auth: Record<string, string | undefined> = {};
  for (const k of AUTH_OPTIONS) auth[k] = str(authIn[k]) ?? str(c[k]);
  // domain_id / domain_name fill both user and project domains when project-scoped
  const projectScoped = auth.project_id !== undefined || auth.project_name !== undefined;
  if (projectScoped) {
    auth.user_domain_id ??= auth.domain_id;
    auth.project_domain_id ??= auth.domain_id;
    auth.user_domain_name ??= auth.domain_name;
    auth.project_domain_name ??= auth.domain_name;
  }
  const authTypeRaw = str(c.auth_type) ?? str(c.auth_plugin) ?? 'password';
  let authType: CloudConfig['authType'];
  if (authTypeRaw === 'password' || authTypeRaw === 'v3password') authType = 'password';
  else if (authTypeRaw === 'v3applicationcredential' || authTypeRaw === 'applicationcredential') authType = 'v3applicationcredential';
  else {
    throw new DrctlError('DRCTL_E2013', `cloud ${name} (${source}): auth_type ${authTypeRaw} is not supported by drctl`, {
      hint: 'Use auth_type: password (the default) or v3applicationcredential (recommended for automation).',
      details: { cloud: name, file: source, authType: authTypeRaw },
    });
  }
  const missing = (what: string) =>
    new DrctlError('DRCTL_E2013', `cloud ${name} (${source}): ${what}`, {
      hint:
        authType === 'password'
          ? 'A password cloud needs auth.auth_url, auth.username (or user_id) with user_domain_name/id, auth.password (clouds.yaml, secure.yaml or OS_PASSWORD) and a project (project_name + project_domain_name/id, or project_id).'
          : 'An application-credential cloud needs auth_type: v3applicationcredential, auth.auth_url, auth.application_credential_secret and application_credential_id (or _name plus the user).',
      details: { cloud: name, file: source },
    });
  if (!auth.auth_url) throw missing('auth.auth_url is missing');
  if (authType === 'password') {
    if (!auth.username && !auth.user_id) throw missing('auth.username or auth.user_id is missing');
    if (!auth.password) throw missing('auth.password is missing (put it in secure.yaml or OS_PASSWORD)');
    if (!projectScoped) throw missing('no project: drctl needs a project-scoped token (project_name or project_id)');
  } else {
    if (!auth.application_credential_secret) throw missing('auth.application_credential_secret is missing');
    if (!auth.application_credential_id && !auth.application_credential_name) throw missing('auth.application_credential_id (or _name) is missing');
    if (!auth.application_credential_id && !auth.user_id && !auth.username) throw missing('an application credential given by name also needs the user (user_id, or username + user_domain_name/id)');
  }
  let iface = str(c.interface) ?? str(c.endpoint_type) ?? 'public';
  iface = iface.replace(/URL$/, '');
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
    throw new DrctlError('DRCTL_E2013', `cloud ${name} (${source}): interface ${iface} is not one of public, internal, admin`, { details: { cloud: name, file: source } });
  }
  const insecure = getBoolean(c.insecure);
  const verify = insecure ? false : c.verify === undefined ? true : typeof c.verify === 'boolean' ? c.verify : String(c.verify).toLowerCase() !== 'false';
  const cacert = str(c.cacert);
  const out: CloudConfig = {
    name,
    authType,
    auth: prune({
      authUrl: auth.auth_url,
      username: auth.username,
      userId: auth.user_id,
      password: authType === 'password' ? auth.password : undefined,
      userDomainName: auth.user_domain_name,
      userDomainId: auth.user_domain_id,
      projectName: authType === 'password' ? auth.project_name : undefined,
      projectId: authType === 'password' ? auth.project_id : undefined,
      projectDomainName: authType === 'password' ? auth.project_domain_name : undefined,
      projectDomainId: authType === 'password' ? auth.project_domain_id : undefined,
      applicationCredentialId: auth.application_credential_id,
      applicationCredentialName: auth.application_credential_name,
      applicationCredentialSecret: authType === 'v3applicationcredential' ? auth.application_credential_secret : undefined,
    }) as CloudAuth,
    interface: iface,
    verify,
    source,
  };
  if (regionName) out.regionName = regionName;
  if (cacert && verify) out.cacert = cacert;
  return out;
}

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Load every cloud of the winning clouds file (+ secure file, + envvars cloud). Clouds that cannot be
 * used are left out and remembered: `selectCloud` raises their error when one is asked for.
 */
export async function loadClouds(opts: LoadCloudsOptions): Promise<Record<string, CloudConfig>> {
  const read = opts.readFile ?? defaultReadFile;
  const warn = opts.warn ?? (() => undefined);
  const dirs = configSearchDirs(opts);
  const configFiles = candidateFiles('clouds', dirs, opts.env.OS_CLIENT_CONFIG_FILE || undefined);
  const secureFiles = candidateFiles('secure', dirs, opts.env.OS_CLIENT_SECURE_FILE || undefined);
  const main = await firstFile(configFiles, read, warn);
  const secure = await firstFile(secureFiles, read, warn);
  let doc: Json = main?.data ?? {};
  if (secure) doc = mergeClouds(doc, secure.data);
  const rawClouds: Json = isObj(doc.clouds) ? { ...(doc.clouds as Json) } : {};
  const sources: Record<string, string> = {};
  for (const n of Object.keys(rawClouds)) sources[n] = main?.file ?? secure?.file ?? 'clouds.yaml';

  const envKey = opts.env.OS_CLOUD_NAME || 'envvars';
  const fromEnv = envCloud(opts.env);
  if (fromEnv) {
    if (envKey in rawClouds) {
      throw new DrctlError('DRCTL_E2011', `${main?.file ?? 'clouds.yaml'} defines a cloud named ${envKey}, but OS_CLOUD_NAME is also set to ${envKey}`, {
        hint: 'Rename either your environment-based cloud (OS_CLOUD_NAME) or the file-based one.',
      });
    }
    rawClouds[envKey] = fromEnv;
    sources[envKey] = 'environment (OS_* variables)';
  }

  const clouds: Record<string, CloudConfig> = {};
  const invalid = new Map<string, DrctlError>();
  for (const [name, raw] of Object.entries(rawClouds)) {
    if (!isObj(raw)) {
      invalid.set(name, new DrctlError('DRCTL_E2013', `cloud ${name} (${sources[name]}) is not a mapping`, { details: { cloud: name } }));
      continue;
    }
    try {
      const c = parseCloudEntry(name, raw, sources[name]!);
      opts.secrets?.add(c.auth.password);
      opts.secrets?.add(c.auth.applicationCredentialSecret);
      clouds[name] = c;
    } catch (err) {
      if (!DrctlError.is(err)) throw err;
      invalid.set(name, err);
    }
  }
  META.set(clouds, {
    file: main?.file,
    secureFile: secure?.file,
    searched: opts.env.OS_CLIENT_CONFIG_FILE ? [opts.env.OS_CLIENT_CONFIG_FILE, ...dirs] : dirs,
    invalid,
  });
  return clouds;
}

/**
 * Pick one cloud: the given name, else `OS_CLOUD`, else the only cloud there is (openstacksdk's
 * default-cloud rule). Unknown names fail listing what exists and which file was read.
 */
export function selectCloud(clouds: Record<string, CloudConfig>, name: string | undefined, env: NodeJS.ProcessEnv): CloudConfig {
  const meta = cloudsMeta(clouds);
  const wanted = name || env.OS_CLOUD || undefined;
  const bad = wanted ? meta?.invalid.get(wanted) : undefined;
  if (bad) throw bad;
  const names = Object.keys(clouds).sort();
  const allNames = [...new Set([...names, ...(meta ? [...meta.invalid.keys()] : [])])].sort();
  const where = meta?.file
    ? `read ${meta.file}${meta.secureFile ? ` (+ ${meta.secureFile})` : ''}`
    : `no clouds.yaml found (searched ${meta?.searched.join(', ') ?? 'the usual places'})`;
  if (!wanted) {
    if (names.length === 1) return clouds[names[0]!]!;
    throw new DrctlError('DRCTL_E2012', names.length === 0 ? `no OpenStack cloud configured: ${where}` : `no cloud selected: pass a cloud name or set OS_CLOUD (available: ${allNames.join(', ')}; ${where})`, {
      hint: 'Set `cloud:` for the site in the spec (a clouds.yaml entry), or OS_CLOUD, or OS_CLIENT_CONFIG_FILE to your clouds.yaml.',
      details: { available: allNames, file: meta?.file },
    });
  }
  const c = clouds[wanted];
  if (c) return c;
  throw new DrctlError(
    'DRCTL_E2012',
    allNames.length === 0 ? `cloud ${wanted} not found: ${where}` : `cloud ${wanted} not found in clouds.yaml (available: ${allNames.join(', ')}; ${where})`,
    {
      hint: 'Check the site\'s `cloud:` in the spec against clouds.yaml, or point OS_CLIENT_CONFIG_FILE at the right file.',
      details: { cloud: wanted, available: allNames, file: meta?.file },
    },
  );
}
