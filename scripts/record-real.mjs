#!/usr/bin/env node
/**
 * Records REAL OpenStack responses (the mock's fidelity target) into test/fixtures/real/<id>.json.
 *
 * Run against the loopback lab (../shared/labs/openstack/up.sh), as root or any user that can reach it:
 *   node scripts/record-real.mjs [--clouds /tmp/openstack-lab/clouds.yaml] [--site site-a]
 *                                [--out test/fixtures/real] [--only REGEX]
 *
 * Plain Node 20 (global fetch) plus the project's own `yaml` dependency to read clouds.yaml; it does
 * NOT use drctl's clients on purpose: the recordings are the reference those clients and the mock are
 * judged against, so they are taken on the raw HTTP wire, with exactly the headers drctl sends
 * (Nova `compute 2.79`, Cinder `volume 3.60`).
 *
 * Roles: every call as the project MEMBER (`<site>` entry, user demo), except the few drctl makes with
 * an admin entry (`<site>-admin`): volume manage/unmanage, the manageable list, cinder-volume services.
 * Everything it creates is named `drctl-rec-*` and deleted at the end (also leftovers of an earlier,
 * interrupted run, at the start).
 */
import { readFile, writeFile, mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const CLOUDS = opt('clouds', process.env.OS_CLIENT_CONFIG_FILE ?? '/tmp/openstack-lab/clouds.yaml');
const SITE = opt('site', 'site-a');
const OUT = path.resolve(repoRoot, opt('out', 'test/fixtures/real'));
const ONLY = opt('only') ? new RegExp(opt('only')) : null;
const NOVA_MV = 'compute 2.79';
const CINDER_MV = 'volume 3.60';
const PREFIX = 'drctl-rec-';
const T0 = Date.now();

const log = (...m) => console.error(`[rec ${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ secrets and placeholders
const secrets = new Set();
/** real id -> placeholder ("{server_id}"), used in request paths, request bodies and Location. */
const placeholders = new Map();
function ph(id, name) {
  if (id) placeholders.set(id, `{${name}}`);
  return id;
}
function templ(s) {
  let out = s;
  // longest ids first so a project id inside a longer string cannot break a replacement
  for (const [id, p] of [...placeholders].sort((a, b) => b[0].length - a[0].length)) out = out.split(id).join(p);
  return out;
}
function deepMap(v, f) {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deepMap(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepMap(x, f)]));
  return v;
}
const redactStr = (s) => {
  for (const x of secrets) if (x && s.includes(x)) return '<redacted>';
  return s;
};
function redactKeys(v) {
  if (Array.isArray(v)) return v.map(redactKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, /^(password|secret|adminPass|token_id)$/i.test(k) && typeof x === 'string' ? '<redacted>' : redactKeys(x)]),
    );
  }
  return v;
}
const redact = (v) => redactKeys(deepMap(v, redactStr));

// ------------------------------------------------------------------ HTTP
const KEEP_HEADERS = [
  'content-type',
  'openstack-api-version',
  'x-openstack-nova-api-version',
  'vary',
  'location',
  'www-authenticate',
  'x-subject-token',
];

async function http(method, url, { token, mv, body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h['X-Auth-Token'] = token;
  if (mv) h['OpenStack-API-Version'] = mv;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text; // non-JSON body (rare): keep it verbatim
      }
      const hdrs = {};
      res.headers.forEach((v, k) => (hdrs[k] = v));
      return { status: res.status, headers: hdrs, body: json };
    } catch (e) {
      // the lab's keystone sends Connection: close; a reset on a reused socket is a transport blip
      if (attempt >= 3) throw e;
      log(`transport error on ${method} ${url}: ${e.message}; retrying`);
      await sleep(1000 * attempt);
    }
  }
}

// ------------------------------------------------------------------ recording
const recorded = [];
/** Raw entries: rewritten at the end once every id has its placeholder (ids learnt after the call). */
const entries = [];

function renderEntry({ id, role, svc, method, relPath, opts, res }) {
  const keptHeaders = {};
  for (const k of KEEP_HEADERS) {
    if (res.headers[k] === undefined) continue;
    keptHeaders[k] = k === 'x-subject-token' ? '<redacted>' : templ(res.headers[k]);
  }
  const reqHeaders = {};
  if (opts.mv) reqHeaders['OpenStack-API-Version'] = opts.mv;
  if (opts.token) reqHeaders['X-Auth-Token'] = opts.tokenLabel ?? '<redacted>';
  return {
    id,
    site: SITE,
    role,
    request: {
      method,
      service: svc.service,
      ...(opts.root ? { base: 'root' } : {}),
      path: templ(relPath),
      headers: reqHeaders,
      body: opts.body === undefined ? null : redact(deepMap(opts.body, templ)),
    },
    response: { status: res.status, headers: keptHeaders, body: redact(res.body) },
    ...(opts.note ? { note: opts.note } : {}),
  };
}
const writeEntry = (e) => writeFile(path.join(OUT, `${e.id}.json`), JSON.stringify(renderEntry(e), null, 2) + '\n');
/**
 * Make a call and write it as test/fixtures/real/<id>.json.
 * svc: { service, base } with base = catalog endpoint URL (or root URL when opts.root).
 */
async function rec(id, role, svc, method, relPath, opts = {}) {
  const base = opts.root ? svc.root : svc.base;
  const res = await http(method, base.replace(/\/$/, '') + relPath, opts);
  if (ONLY && !ONLY.test(id)) return res;
  const entry = { id, role, svc, method, relPath, opts, res };
  entries.push(entry);
  await writeEntry(entry);
  recorded.push(id);
  log(`${res.status} ${id}  ${method} ${templ(relPath)}`);
  if (opts.expect !== undefined && opts.expect !== res.status) {
    throw new Error(`${id}: expected ${opts.expect}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 400)}`);
  }
  return res;
}

/** Poll GET url until pick(body) is in want (or 404 when want includes 'gone'). Never a fixed sleep. */
async function waitFor(url, token, mv, pick, want, timeoutS = 180) {
  const end = Date.now() + timeoutS * 1000;
  let last;
  while (Date.now() < end) {
    const r = await http('GET', url, { token, mv });
    if (r.status === 404) last = 'gone';
    else if (r.status === 200) last = pick(r.body);
    else last = `HTTP ${r.status}`;
    if (want.includes(last)) return r;
    if (typeof last === 'string' && /^error/i.test(last)) throw new Error(`${url}: ${last} ${JSON.stringify(r.body).slice(0, 400)}`);
    await sleep(700);
  }
  throw new Error(`timeout after ${timeoutS}s waiting for ${url} to be ${want} (last: ${last})`);
}

// ------------------------------------------------------------------ keystone
function passwordAuth(a) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: a.username, domain: { name: a.user_domain_name ?? 'Default' }, password: a.password } },
      },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name ?? 'Default' } } },
    },
  };
}
function appcredAuth(a) {
  return {
    auth: {
      identity: {
        methods: ['application_credential'],
        application_credential: { id: a.application_credential_id, secret: a.application_credential_secret },
      },
    },
  };
}
function endpointOf(catalog, types, region) {
  for (const c of catalog) {
    if (!types.includes(c.type)) continue;
    const e = c.endpoints.find((x) => x.interface === 'public' && (!region || x.region_id === region));
    if (e) return e.url.replace(/\/$/, '');
  }
  throw new Error(`no public endpoint for ${types} in ${region}`);
}
const rootOf = (url) => new URL(url).origin;

// ------------------------------------------------------------------ main
async function main() {
  const clouds = YAML.parse(await readFile(CLOUDS, 'utf8')).clouds;
  const member = clouds[SITE];
  const admin = clouds[`${SITE}-admin`];
  const appcred = clouds[`${SITE}-appcred`];
  if (!member || !admin || !appcred) throw new Error(`${CLOUDS} lacks ${SITE}, ${SITE}-admin or ${SITE}-appcred`);
  for (const c of [member, admin, appcred]) {
    secrets.add(c.auth.password);
    secrets.add(c.auth.application_credential_secret);
  }
  secrets.delete(undefined);
  await mkdir(OUT, { recursive: true });
  if (!ONLY) for (const f of await readdir(OUT)) if (f.endsWith('.json')) await unlink(path.join(OUT, f));
  const authUrl = member.auth.auth_url.replace(/\/$/, '');
  const identity = { service: 'identity', base: authUrl, root: rootOf(authUrl) };
  const region = member.region_name;

  // ---- Keystone
  const mTok = await rec('keystone.auth.password', 'member', identity, 'POST', '/auth/tokens', {
    body: passwordAuth(member.auth),
    expect: 201,
  });
  const MT = mTok.headers['x-subject-token'];
  secrets.add(MT);
  const cat = mTok.body.token.catalog;
  ph(mTok.body.token.project.id, 'project_id');
  ph(mTok.body.token.user.id, 'user_id');
  const acTok = await rec('keystone.auth.appcred', 'member', identity, 'POST', '/auth/tokens', {
    body: appcredAuth(appcred.auth),
    expect: 201,
    note: 'application credential of user demo (role member); the credential id is replaced by {application_credential_id} in the request',
  });
  secrets.add(acTok.headers['x-subject-token']);
  ph(appcred.auth.application_credential_id, 'application_credential_id');
  await rec('keystone.auth.appcred.scoped.401', 'member', identity, 'POST', '/auth/tokens', {
    body: { auth: { ...appcredAuth(appcred.auth).auth, scope: { project: { id: mTok.body.token.project.id } } } },
    expect: 401,
    note: 'an application credential must not request a scope',
  });
  await rec('keystone.auth.password.401', 'member', identity, 'POST', '/auth/tokens', {
    body: passwordAuth({ ...member.auth, password: 'wrong-password' }),
    expect: 401,
    note: 'wrong password (the request shows <redacted>; a wrong password was sent)',
  });
  await rec('keystone.auth.catalog', 'member', identity, 'GET', '/auth/catalog', { token: MT, expect: 200 });
  await rec('keystone.auth.catalog.401', 'member', identity, 'GET', '/auth/catalog', {
    token: 'gAAAAABinvalidtokeninvalidtoken',
    tokenLabel: '<invalid>',
    expect: 401,
  });
  const aTokRes = await http('POST', `${authUrl}/auth/tokens`, { body: passwordAuth(admin.auth) });
  if (aTokRes.status !== 201) throw new Error(`admin auth: ${aTokRes.status}`);
  const AT = aTokRes.headers['x-subject-token'];
  secrets.add(AT);
  ph(aTokRes.body.token.project.id, 'admin_project_id');

  const novaUrl = endpointOf(cat, ['compute'], region);
  const cinderUrl = endpointOf(cat, ['block-storage', 'volumev3'], region);
  const neutronUrl = endpointOf(cat, ['network'], region);
  const adminCinderUrl = endpointOf(aTokRes.body.token.catalog, ['block-storage', 'volumev3'], region);
  const nova = { service: 'compute', base: novaUrl, root: rootOf(novaUrl) };
  const cinder = { service: 'volumev3', base: cinderUrl, root: rootOf(cinderUrl) };
  const cinderA = { service: 'volumev3', base: adminCinderUrl, root: rootOf(adminCinderUrl) };
  const neutron = { service: 'network', base: neutronUrl, root: rootOf(neutronUrl) };
  log(`endpoints: nova ${novaUrl} cinder ${cinderUrl} neutron ${neutronUrl}`);
  const N = { token: MT, mv: NOVA_MV };
  const C = { token: MT, mv: CINDER_MV };
  const CA = { token: AT, mv: CINDER_MV };

  const cleanup = { servers: [], volumes: [], adminVolumes: [], groups: [], groupSnapshots: [], types: [] };
  await sweepLeftovers({ novaUrl, cinderUrl, adminCinderUrl, MT, AT });
  try {
    await recordAll({ nova, cinder, cinderA, neutron, N, C, CA, MT, AT, cleanup, novaUrl, cinderUrl, adminCinderUrl, neutronUrl, authUrl, admin, memberProjectId: mTok.body.token.project.id });
  } finally {
    await doCleanup(cleanup, { novaUrl, cinderUrl, adminCinderUrl, MT, AT });
  }
  for (const e of entries) await writeEntry(e); // final placeholders everywhere
  log(`done: ${recorded.length} recordings in ${path.relative(repoRoot, OUT)} (${((Date.now() - T0) / 1000).toFixed(0)} s)`);
}

async function recordAll(x) {
  const { nova, cinder, cinderA, neutron, N, C, CA, MT, AT, cleanup, novaUrl, cinderUrl, adminCinderUrl, neutronUrl } = x;

  // ---- versions
  await rec('nova.version', 'member', nova, 'GET', '/', { ...N, expect: 200, note: 'GET on the catalog endpoint itself (…/v2.1/)' });
  await rec('nova.versions', 'member', nova, 'GET', '/', { root: true, expect: 200, note: 'GET on the service root, no token' });
  await rec('cinder.versions', 'member', cinder, 'GET', '/', { root: true, note: 'GET on the service root, no token' });
  await rec('neutron.versions', 'member', neutron, 'GET', '/', { root: true, note: 'GET on the service root, no token' });

  // ---- Cinder types (member's view vs admin's)
  const types = await rec('cinder.types.list', 'member', cinder, 'GET', '/types', { ...C, expect: 200 });
  const rep = types.body.volume_types.find((t) => t.name === 'replicated');
  if (!rep) throw new Error("lab lacks volume type 'replicated'");
  ph(rep.id, 'type_id');
  await rec('cinder.types.show', 'member', cinder, 'GET', `/types/${rep.id}`, { ...C, expect: 200 });
  await rec('cinder.types.extra_specs', 'member', cinder, 'GET', `/types/${rep.id}/extra_specs`, {
    ...C,
    expect: 200,
    note: "type 'replicated' has volume_backend_name=fake and replication_enabled='<is> True'; this is what a member sees",
  });
  await rec('cinder.types.extra_specs.admin', 'admin', cinderA, 'GET', `/types/${rep.id}/extra_specs`, { ...CA, expect: 200 });
  // a type with the full set of DR extra specs, created for this run and deleted at the end
  const full = await http('POST', `${adminCinderUrl}/types`, {
    ...CA,
    body: {
      volume_type: {
        name: `${PREFIX}replicated-async`,
        extra_specs: {
          volume_backend_name: 'fake',
          replication_enabled: '<is> True',
          replication_type: '<in> async',
          consistent_group_snapshot_enabled: '<is> True',
        },
      },
    },
  });
  if (full.status !== 200) throw new Error(`create type: ${full.status} ${JSON.stringify(full.body)}`);
  const fullId = full.body.volume_type.id;
  cleanup.types.push(fullId);
  ph(fullId, 'type_id_full');
  await rec('cinder.types.extra_specs.full', 'member', cinder, 'GET', `/types/${fullId}/extra_specs`, {
    ...C,
    expect: 200,
    note: "type with volume_backend_name=fake, replication_enabled='<is> True', replication_type='<in> async', consistent_group_snapshot_enabled='<is> True' (set by admin); this is what a member sees",
  });
  await rec('cinder.types.extra_specs.full.admin', 'admin', cinderA, 'GET', `/types/${fullId}/extra_specs`, { ...CA, expect: 200 });
  await rec('cinder.types.show.full', 'member', cinder, 'GET', `/types/${fullId}`, { ...C, expect: 200 });
  const gts = await rec('cinder.group_types.list', 'member', cinder, 'GET', '/group_types', { ...C, expect: 200 });
  const generic = gts.body.group_types.find((g) => g.name === 'generic');
  if (!generic) throw new Error("lab lacks group type 'generic'");
  ph(generic.id, 'group_type_id');

  // ---- Cinder volumes
  const v1 = await rec('cinder.volumes.create', 'member', cinder, 'POST', '/volumes', {
    ...C,
    body: { volume: { size: 1, name: `${PREFIX}vol-1`, volume_type: 'replicated', metadata: { 'drctl.group': `${PREFIX}group` } } },
    expect: 202,
  });
  const v1id = ph(v1.body.volume.id, 'volume_id');
  cleanup.volumes.push(v1id);
  const v2 = await http('POST', `${cinderUrl}/volumes`, { ...C, body: { volume: { size: 1, name: `${PREFIX}vol-2`, volume_type: 'replicated' } } });
  const v2id = ph(v2.body.volume.id, 'volume_id_2');
  cleanup.volumes.push(v2id);
  const v3 = await http('POST', `${cinderUrl}/volumes`, { ...C, body: { volume: { size: 1, name: `${PREFIX}vol-3`, volume_type: 'replicated' } } });
  const v3id = ph(v3.body.volume.id, 'volume_id_3');
  cleanup.volumes.push(v3id);
  for (const v of [v1id, v2id, v3id]) await waitFor(`${cinderUrl}/volumes/${v}`, MT, CINDER_MV, (b) => b.volume.status, ['available']);
  await rec('cinder.volumes.show', 'member', cinder, 'GET', `/volumes/${v1id}`, { ...C, expect: 200 });
  await rec('cinder.volumes.show.admin', 'admin', cinderA, 'GET', `/volumes/${v1id}`, {
    ...CA,
    expect: 200,
    note: 'admin view of a member volume (os-vol-host-attr:host, os-vol-tenant-attr:tenant_id, ...)',
  });
  await rec('cinder.volumes.action.os-set_bootable', 'member', cinder, 'POST', `/volumes/${v1id}/action`, {
    ...C,
    body: { 'os-set_bootable': { bootable: true } },
    expect: 200,
  });
  await http('POST', `${cinderUrl}/volumes/${v2id}/action`, { ...C, body: { 'os-set_bootable': { bootable: true } } });
  await rec('cinder.volumes.metadata.post', 'member', cinder, 'POST', `/volumes/${v1id}/metadata`, {
    ...C,
    body: { metadata: { 'drctl.member': 'db-server-1', 'drctl.role': 'production' } },
    expect: 200,
    note: 'POST merges',
  });
  await rec('cinder.volumes.metadata.get', 'member', cinder, 'GET', `/volumes/${v1id}/metadata`, { ...C, expect: 200 });
  await rec('cinder.volumes.metadata.put', 'member', cinder, 'PUT', `/volumes/${v1id}/metadata`, {
    ...C,
    body: { metadata: { 'drctl.group': `${PREFIX}group`, 'drctl.member': 'db-server-1', 'drctl.role': 'production', 'drctl.tier': '1' } },
    expect: 200,
    note: 'PUT replaces',
  });
  await rec('cinder.volumes.detail', 'member', cinder, 'GET', '/volumes/detail?limit=1000', { ...C, expect: 200 });
  await rec('cinder.volumes.detail.limit1', 'member', cinder, 'GET', '/volumes/detail?limit=1', {
    ...C,
    expect: 200,
    note: 'page size 1: volumes_links rel=next when more exist',
  });
  const mdFilter = encodeURIComponent(JSON.stringify({ 'drctl.group': `${PREFIX}group` }));
  await rec('cinder.volumes.detail.metadata', 'member', cinder, 'GET', `/volumes/detail?metadata=${mdFilter}&limit=1000`, {
    ...C,
    expect: 200,
    note: 'metadata filter as URL-encoded JSON object',
  });
  await rec('cinder.volumes.show.404', 'member', cinder, 'GET', `/volumes/${ph(randomUUID(), 'missing_id')}`, { ...C, expect: 404 });
  await rec('cinder.volumes.detail.401', 'member', cinder, 'GET', '/volumes/detail?limit=1000', {
    token: 'gAAAAABinvalidtokeninvalidtoken',
    tokenLabel: '<invalid>',
    mv: CINDER_MV,
    expect: 401,
  });

  // ---- Cinder groups and group snapshots
  const g = await rec('cinder.groups.create', 'member', cinder, 'POST', '/groups', {
    ...C,
    body: { group: { name: `${PREFIX}group`, description: 'drctl recording', group_type: generic.id, volume_types: [rep.id] } },
    expect: 202,
  });
  const gid = ph(g.body.group.id, 'group_id');
  cleanup.groups.push(gid);
  await waitFor(`${cinderUrl}/groups/${gid}`, MT, CINDER_MV, (b) => b.group.status, ['available']);
  await rec('cinder.groups.update.add_volumes', 'member', cinder, 'PUT', `/groups/${gid}`, {
    ...C,
    body: { group: { add_volumes: v1id } },
    expect: 202,
  });
  await waitFor(`${cinderUrl}/volumes/${v1id}`, MT, CINDER_MV, (b) => (b.volume.group_id === gid ? 'in-group' : 'no'), ['in-group']);
  await waitFor(`${cinderUrl}/groups/${gid}`, MT, CINDER_MV, (b) => b.group.status, ['available']);
  await rec('cinder.groups.show', 'member', cinder, 'GET', `/groups/${gid}?list_volume=True`, { ...C, expect: 200 });
  await rec('cinder.groups.show.plain', 'member', cinder, 'GET', `/groups/${gid}`, { ...C, expect: 200 });
  await rec('cinder.groups.list', 'member', cinder, 'GET', '/groups', { ...C, expect: 200 });
  await rec('cinder.groups.detail', 'member', cinder, 'GET', '/groups/detail?list_volume=True', { ...C, expect: 200 });
  await rec('cinder.groups.show.404', 'member', cinder, 'GET', `/groups/${placeholderOr('missing_id')}`, { ...C, expect: 404 });
  await rec('cinder.volumes.detail.group_id', 'member', cinder, 'GET', `/volumes/detail?group_id=${gid}&limit=1000`, { ...C, expect: 200 });
  await rec('cinder.groups.update.add_volumes.400', 'member', cinder, 'PUT', `/groups/${gid}`, {
    ...C,
    body: { group: { add_volumes: placeholderOr('missing_id') } },
    note: 'adding a volume that does not exist',
  });
  const gs = await rec('cinder.group_snapshots.create', 'member', cinder, 'POST', '/group_snapshots', {
    ...C,
    body: { group_snapshot: { group_id: gid, name: `${PREFIX}gsnap`, description: 'drctl recording' } },
    expect: 202,
  });
  const gsid = ph(gs.body.group_snapshot.id, 'group_snapshot_id');
  cleanup.groupSnapshots.push(gsid);
  await waitFor(`${cinderUrl}/group_snapshots/${gsid}`, MT, CINDER_MV, (b) => b.group_snapshot.status, ['available']);
  await rec('cinder.group_snapshots.show', 'member', cinder, 'GET', `/group_snapshots/${gsid}`, { ...C, expect: 200 });
  await rec('cinder.group_snapshots.detail', 'member', cinder, 'GET', `/group_snapshots/detail?group_id=${gid}`, { ...C, expect: 200 });
  await rec('cinder.snapshots.detail.group_snapshot_id.400', 'member', cinder, 'GET', `/snapshots/detail?group_snapshot_id=${gsid}`, {
    ...C,
    expect: 400,
    note: 'group_snapshot_id is not an allowed snapshot filter (resource_filters.json): list by volume_id and match group_snapshot_id',
  });
  const snaps = await rec('cinder.snapshots.detail.volume_id', 'member', cinder, 'GET', `/snapshots/detail?volume_id=${v1id}&limit=1000`, {
    ...C,
    expect: 200,
    note: 'the per-volume snapshot made by the group snapshot (carries group_snapshot_id)',
  });
  for (const s of snaps.body.snapshots ?? []) ph(s.id, 'snapshot_id');
  await rec('cinder.group_snapshots.delete', 'member', cinder, 'DELETE', `/group_snapshots/${gsid}`, { ...C, expect: 202 });
  await waitFor(`${cinderUrl}/group_snapshots/${gsid}`, MT, CINDER_MV, (b) => b.group_snapshot.status, ['gone']);
  cleanup.groupSnapshots.length = 0;
  await rec('cinder.groups.update.remove_volumes', 'member', cinder, 'PUT', `/groups/${gid}`, {
    ...C,
    body: { group: { remove_volumes: v1id } },
    expect: 202,
  });
  await waitFor(`${cinderUrl}/volumes/${v1id}`, MT, CINDER_MV, (b) => (b.volume.group_id ? 'in-group' : 'out'), ['out']);
  await waitFor(`${cinderUrl}/groups/${gid}`, MT, CINDER_MV, (b) => b.group.status, ['available']);

  // ---- Nova
  const fl = await rec('nova.flavors.detail', 'member', nova, 'GET', '/flavors/detail?limit=1000', { ...N, expect: 200 });
  const tiny = fl.body.flavors.find((f) => f.name === 'm1.tiny');
  ph(tiny.id, 'flavor_id');
  await rec('nova.flavors.show', 'member', nova, 'GET', `/flavors/${tiny.id}`, { ...N, expect: 200 });
  const nets = await rec('neutron.networks.list.name', 'member', neutron, 'GET', '/v2.0/networks?name=private', { token: MT, expect: 200 });
  const net = nets.body.networks[0];
  ph(net.id, 'network_id');
  for (const s of net.subnets ?? []) ph(s, 'subnet_id');
  // a non-bootable volume is refused (no Glance in the lab: blank volumes are not bootable)
  await rec('nova.servers.create.400', 'member', nova, 'POST', '/servers', {
    ...N,
    body: bfv(`${PREFIX}srv-x`, tiny.id, 'none', v3id),
    expect: 400,
    note: 'boot from a volume that is not bootable (blank volume, no os-set_bootable)',
  });
  const s1 = await rec('nova.servers.create', 'member', nova, 'POST', '/servers', {
    ...N,
    body: bfv(`${PREFIX}srv-1`, tiny.id, [{ uuid: net.id }], v1id, {
      'drctl.group': `${PREFIX}group`,
      'drctl.member': 'db-server-1',
      'drctl.role': 'production',
    }),
    expect: 202,
  });
  const sid = ph(s1.body.server.id, 'server_id');
  cleanup.servers.push(sid);
  await rec('nova.servers.show.build', 'member', nova, 'GET', `/servers/${sid}`, {
    ...N,
    expect: 200,
    note: 'right after create; status is whatever it was then (usually BUILD)',
  });
  const s2 = await http('POST', `${novaUrl}/servers`, { ...N, body: bfv(`${PREFIX}srv-2`, tiny.id, 'none', v2id) });
  if (s2.status !== 202) throw new Error(`second server: ${s2.status} ${JSON.stringify(s2.body)}`);
  const sid2 = ph(s2.body.server.id, 'server_id_2');
  cleanup.servers.push(sid2);
  for (const s of [sid, sid2]) await waitFor(`${novaUrl}/servers/${s}`, MT, NOVA_MV, (b) => b.server.status, ['ACTIVE'], 240);
  await rec('nova.servers.show', 'member', nova, 'GET', `/servers/${sid}`, { ...N, expect: 200 });
  await rec('nova.servers.detail', 'member', nova, 'GET', '/servers/detail?limit=1000', { ...N, expect: 200 });
  const p1 = await rec('nova.servers.detail.limit1', 'member', nova, 'GET', '/servers/detail?limit=1', {
    ...N,
    expect: 200,
    note: 'a full page (limit=1) carries servers_links rel=next',
  });
  const next = (p1.body.servers_links ?? []).find((l) => l.rel === 'next');
  if (next) {
    const u = new URL(next.href);
    // follow until the last page (no link), recording the first follow-up and the last page
    let q = u.search;
    let n = 0;
    for (;;) {
      n++;
      const r = await http('GET', `${novaUrl}/servers/detail${q}`, N);
      const nx = (r.body.servers_links ?? []).find((l) => l.rel === 'next');
      if (!nx || n > 200) {
        const marker = new URLSearchParams(q).get('marker');
        if (marker && !placeholders.has(marker)) ph(marker, 'marker_server_id');
        await rec('nova.servers.detail.lastpage', 'member', nova, 'GET', `/servers/detail${q}`, {
          ...N,
          expect: 200,
          note: `the page after the last full page (followed ${n} next links from limit=1)`,
        });
        break;
      }
      q = new URL(nx.href).search;
    }
  }
  await rec('nova.servers.os-volume_attachments', 'member', nova, 'GET', `/servers/${sid}/os-volume_attachments`, { ...N, expect: 200 });
  await rec('cinder.volumes.show.in-use', 'member', cinder, 'GET', `/volumes/${v1id}`, { ...C, expect: 200, note: 'boot volume of an ACTIVE server' });
  await rec('neutron.ports.list.device_id', 'member', neutron, 'GET', `/v2.0/ports?device_id=${sid}`, { token: MT, expect: 200 });
  const ports = await http('GET', `${neutronUrl}/v2.0/ports?device_id=${sid}`, { token: MT });
  for (const p of ports.body.ports ?? []) ph(p.id, 'port_id');
  await rec('nova.servers.metadata.get', 'member', nova, 'GET', `/servers/${sid}/metadata`, { ...N, expect: 200 });
  await rec('nova.servers.metadata.post', 'member', nova, 'POST', `/servers/${sid}/metadata`, {
    ...N,
    body: { metadata: { 'drctl.op': 'op-20240101-000000-abcd', 'drctl.tier': '1' } },
    expect: 200,
    note: 'POST merges; the response has the whole metadata',
  });
  await rec('nova.servers.metadata.put', 'member', nova, 'PUT', `/servers/${sid}/metadata`, {
    ...N,
    body: { metadata: { 'drctl.group': `${PREFIX}group`, 'drctl.member': 'db-server-1', 'drctl.role': 'production', 'drctl.tier': '1' } },
    expect: 200,
    note: 'PUT replaces',
  });
  await rec('nova.servers.metadata_item.put', 'member', nova, 'PUT', `/servers/${sid}/metadata/drctl.op`, {
    ...N,
    body: { meta: { 'drctl.op': 'op-20240101-000000-abcd' } },
    expect: 200,
  });
  await rec('nova.servers.action.os-stop', 'member', nova, 'POST', `/servers/${sid}/action`, { ...N, body: { 'os-stop': null }, expect: 202 });
  await waitFor(`${novaUrl}/servers/${sid}`, MT, NOVA_MV, (b) => b.server.status, ['SHUTOFF'], 180);
  await rec('nova.servers.show.shutoff', 'member', nova, 'GET', `/servers/${sid}`, { ...N, expect: 200 });
  await rec('nova.servers.action.os-stop.409', 'member', nova, 'POST', `/servers/${sid}/action`, {
    ...N,
    body: { 'os-stop': null },
    expect: 409,
    note: 'stop of a SHUTOFF server',
  });
  await rec('nova.servers.action.os-start', 'member', nova, 'POST', `/servers/${sid}/action`, { ...N, body: { 'os-start': null }, expect: 202 });
  await waitFor(`${novaUrl}/servers/${sid}`, MT, NOVA_MV, (b) => b.server.status, ['ACTIVE'], 180);
  await rec('nova.servers.action.os-start.409', 'member', nova, 'POST', `/servers/${sid}/action`, {
    ...N,
    body: { 'os-start': null },
    expect: 409,
    note: 'start of an ACTIVE server',
  });
  await rec('nova.servers.show.404', 'member', nova, 'GET', `/servers/${placeholderOr('missing_id')}`, { ...N, expect: 404 });
  await rec('nova.servers.action.404', 'member', nova, 'POST', `/servers/${placeholderOr('missing_id')}/action`, {
    ...N,
    body: { 'os-stop': null },
    expect: 404,
  });
  await rec('nova.servers.detail.401', 'member', nova, 'GET', '/servers/detail?limit=1000', {
    token: 'gAAAAABinvalidtokeninvalidtoken',
    tokenLabel: '<invalid>',
    mv: NOVA_MV,
    expect: 401,
  });
  await rec('nova.servers.detail.401.notoken', 'member', nova, 'GET', '/servers/detail?limit=1000', { mv: NOVA_MV, expect: 401 });
  await rec('nova.servers.delete', 'member', nova, 'DELETE', `/servers/${sid}`, { ...N, expect: 204 });
  await http('DELETE', `${novaUrl}/servers/${sid2}`, N);
  for (const s of [sid, sid2]) await waitFor(`${novaUrl}/servers/${s}`, MT, NOVA_MV, (b) => b.server.status, ['gone'], 240);
  cleanup.servers.length = 0;
  await rec('nova.servers.show.deleted', 'member', nova, 'GET', `/servers/${sid}`, { ...N, expect: 404, note: 'a deleted server' });

  // ---- Neutron
  await rec('neutron.networks.list', 'member', neutron, 'GET', '/v2.0/networks', { token: MT, expect: 200 });
  await rec('neutron.networks.show', 'member', neutron, 'GET', `/v2.0/networks/${net.id}`, { token: MT, expect: 200 });
  await rec('neutron.ports.list.device_id.empty', 'member', neutron, 'GET', `/v2.0/ports?device_id=${sid}`, {
    token: MT,
    expect: 200,
    note: 'ports of a deleted server',
  });
  const sgs = await rec('neutron.security_groups.list', 'member', neutron, 'GET', '/v2.0/security-groups', { token: MT, expect: 200 });
  for (const sg of sgs.body.security_groups ?? []) ph(sg.id, 'security_group_id');
  await rec('neutron.networks.show.404', 'member', neutron, 'GET', `/v2.0/networks/${placeholderOr('missing_id')}`, { token: MT, expect: 404 });
  await rec('neutron.networks.list.401', 'member', neutron, 'GET', '/v2.0/networks', {
    token: 'gAAAAABinvalidtokeninvalidtoken',
    tokenLabel: '<invalid>',
    expect: 401,
  });

  // ---- manage / unmanage: the member is refused; admin does it
  const svcs = await rec('cinder.services.list.admin', 'admin', cinderA, 'GET', '/os-services?binary=cinder-volume', { ...CA, expect: 200 });
  const vsvc = svcs.body.services.find((s) => s.binary === 'cinder-volume' && s.state === 'up' && /@fake$/.test(s.host)) ?? svcs.body.services[0];
  const host = `${vsvc.host}#fake`;
  await rec('cinder.pools.admin', 'admin', cinderA, 'GET', '/scheduler-stats/get_pools', { ...CA, expect: 200, note: 'pool names (host@backend#pool) for manage' });
  const enc = encodeURIComponent(host);
  await rec('cinder.manageable_volumes.list.403', 'member', cinder, 'GET', `/manageable_volumes?host=${enc}`, { ...C, expect: 403 });
  await rec('cinder.manageable_volumes.detail.403', 'member', cinder, 'GET', `/manageable_volumes/detail?host=${enc}`, { ...C, expect: 403 });
  const manageBody = (name) => ({
    volume: {
      host,
      ref: { 'source-name': `volume-${v3id}` },
      name,
      volume_type: 'replicated',
      bootable: true,
      metadata: { 'drctl.source-volume': v3id },
    },
  });
  await rec('cinder.manageable_volumes.create.403', 'member', cinder, 'POST', '/manageable_volumes', {
    ...C,
    body: manageBody(`${PREFIX}managed`),
    expect: 403,
    note: 'the member role may not manage (policy volume_extension:volume_manage = rule:admin_api)',
  });
  await rec('cinder.volumes.action.os-unmanage.403', 'member', cinder, 'POST', `/volumes/${v3id}/action`, {
    ...C,
    body: { 'os-unmanage': {} },
    expect: 403,
  });
  await rec('cinder.volumes.action.os-unmanage', 'admin', cinderA, 'POST', `/volumes/${v3id}/action`, { ...CA, body: { 'os-unmanage': {} }, expect: 202 });
  await waitFor(`${cinderUrl}/volumes/${v3id}`, MT, CINDER_MV, (b) => b.volume.status, ['gone'], 120);
  cleanup.volumes.splice(cleanup.volumes.indexOf(v3id), 1);
  await rec('cinder.manageable_volumes.list.admin', 'admin', cinderA, 'GET', `/manageable_volumes?host=${enc}`, { ...CA, expect: 200 });
  await rec('cinder.manageable_volumes.detail.admin', 'admin', cinderA, 'GET', `/manageable_volumes/detail?host=${enc}`, { ...CA, expect: 200 });
  const m = await rec('cinder.manageable_volumes.create.admin', 'admin', cinderA, 'POST', '/manageable_volumes', {
    ...CA,
    body: manageBody(`${PREFIX}managed`),
    expect: 202,
    note: 'the managed volume is created in the project of the token (here: the admin project)',
  });
  const mid = ph(m.body.volume.id, 'managed_volume_id');
  cleanup.adminVolumes.push(mid);
  await waitFor(`${adminCinderUrl}/volumes/${mid}`, AT, CINDER_MV, (b) => b.volume.status, ['available'], 120);
  await rec('cinder.volumes.show.managed.admin', 'admin', cinderA, 'GET', `/volumes/${mid}`, { ...CA, expect: 200 });
  await rec('cinder.volumes.show.managed.member', 'member', cinder, 'GET', `/volumes/${mid}`, {
    ...C,
    note: "the member asks for the volume the admin just managed (it lives in the admin's project)",
  });

  // The admin entry of the lab is scoped to project 'admin', so what it manages lands there (above:
  // the member gets 404). drctl's admin cloud must be scoped to the workload project: give the lab's
  // admin user the admin role on the member's project (idempotent) and manage again with that scope.
  const adminScoped = await adminTokenOnProject(x.authUrl, x.admin, x.memberProjectId, AT);
  secrets.add(adminScoped.token);
  const cinderAP = { service: 'volumev3', base: adminScoped.cinderUrl, root: rootOf(adminScoped.cinderUrl) };
  await http('POST', `${adminCinderUrl}/volumes/${mid}/action`, { ...CA, body: { 'os-unmanage': {} } });
  await waitFor(`${adminCinderUrl}/volumes/${mid}`, AT, CINDER_MV, (b) => b.volume.status, ['gone'], 120);
  cleanup.adminVolumes.length = 0;
  const m2 = await rec('cinder.manageable_volumes.create.admin-in-project', 'admin', cinderAP, 'POST', '/manageable_volumes', {
    token: adminScoped.token,
    mv: CINDER_MV,
    body: manageBody(`${PREFIX}managed`),
    expect: 202,
    note: "admin user with the admin role on the member's project, token scoped to that project: the volume lands in the member's project",
  });
  const mid2 = ph(m2.body.volume.id, 'managed_volume_id_2');
  cleanup.volumes.push(mid2);
  await waitFor(`${cinderUrl}/volumes/${mid2}`, MT, CINDER_MV, (b) => b.volume.status, ['available'], 120);
  await rec('cinder.volumes.show.managed', 'member', cinder, 'GET', `/volumes/${mid2}`, {
    ...C,
    expect: 200,
    note: 'the member sees a volume managed by an admin token scoped to its project (bootable and metadata as given in the manage call)',
  });

  // ---- deletes
  await rec('cinder.volumes.delete', 'member', cinder, 'DELETE', `/volumes/${v2id}`, { ...C, expect: 202 });
  await waitFor(`${cinderUrl}/volumes/${v2id}`, MT, CINDER_MV, (b) => b.volume.status, ['gone'], 120);
  cleanup.volumes.splice(cleanup.volumes.indexOf(v2id), 1);
  await rec('cinder.groups.action.delete', 'member', cinder, 'POST', `/groups/${gid}/action`, {
    ...C,
    body: { delete: { 'delete-volumes': false } },
    expect: 202,
  });
  await waitFor(`${cinderUrl}/groups/${gid}`, MT, CINDER_MV, (b) => b.group.status, ['gone'], 120);
  cleanup.groups.length = 0;
}

/** Admin role for the admin user on `projectId` (idempotent PUT), then a token scoped to that project. */
async function adminTokenOnProject(authUrl, admin, projectId, adminToken) {
  const me = await http('GET', `${authUrl}/auth/tokens`, { token: adminToken, headers: { 'X-Subject-Token': adminToken } });
  const userId = me.body.token.user.id;
  const roles = await http('GET', `${authUrl}/roles?name=admin`, { token: adminToken });
  const roleId = roles.body.roles[0].id;
  const put = await http('PUT', `${authUrl}/projects/${projectId}/users/${userId}/roles/${roleId}`, { token: adminToken });
  if (put.status !== 204) throw new Error(`role assignment: ${put.status} ${JSON.stringify(put.body)}`);
  const body = passwordAuth(admin.auth);
  body.auth.scope = { project: { id: projectId } };
  const r = await http('POST', `${authUrl}/auth/tokens`, { body });
  if (r.status !== 201) throw new Error(`admin token on project ${projectId}: ${r.status}`);
  return { token: r.headers['x-subject-token'], cinderUrl: endpointOf(r.body.token.catalog, ['block-storage', 'volumev3'], admin.region_name) };
}

function placeholderOr(name) {
  for (const [id, p] of placeholders) if (p === `{${name}}`) return id;
  return ph(randomUUID(), name);
}

function bfv(name, flavorRef, networks, volumeId, metadata) {
  return {
    server: {
      name,
      flavorRef,
      networks,
      ...(metadata ? { metadata } : {}),
      block_device_mapping_v2: [
        { boot_index: 0, uuid: volumeId, source_type: 'volume', destination_type: 'volume', delete_on_termination: false },
      ],
    },
  };
}

async function sweepLeftovers({ novaUrl, cinderUrl, adminCinderUrl, MT, AT }) {
  const srv = await http('GET', `${novaUrl}/servers/detail?limit=1000`, { token: MT, mv: NOVA_MV });
  const old = (srv.body.servers ?? []).filter((s) => s.name.startsWith(PREFIX)).map((s) => s.id);
  const vols = await http('GET', `${cinderUrl}/volumes/detail?limit=1000`, { token: MT, mv: CINDER_MV });
  const avols = await http('GET', `${adminCinderUrl}/volumes/detail?limit=1000`, { token: AT, mv: CINDER_MV });
  const grps = await http('GET', `${cinderUrl}/groups/detail`, { token: MT, mv: CINDER_MV });
  const types = await http('GET', `${adminCinderUrl}/types`, { token: AT, mv: CINDER_MV });
  const c = {
    servers: old,
    volumes: (vols.body.volumes ?? []).filter((v) => v.name?.startsWith(PREFIX)).map((v) => v.id),
    adminVolumes: (avols.body.volumes ?? []).filter((v) => v.name?.startsWith(PREFIX)).map((v) => v.id),
    groups: (grps.body.groups ?? []).filter((g) => g.name?.startsWith(PREFIX)).map((g) => g.id),
    groupSnapshots: [],
    types: (types.body.volume_types ?? []).filter((t) => t.name.startsWith(PREFIX)).map((t) => t.id),
  };
  const n = Object.values(c).reduce((a, l) => a + l.length, 0);
  if (n) {
    log(`sweeping ${n} leftovers of an earlier run`);
    await doCleanup(c, { novaUrl, cinderUrl, adminCinderUrl, MT, AT });
  }
}

async function doCleanup(c, { novaUrl, cinderUrl, adminCinderUrl, MT, AT }) {
  const quiet = async (f) => {
    try {
      await f();
    } catch (e) {
      log(`cleanup: ${e.message}`);
    }
  };
  for (const s of c.servers) await quiet(() => http('DELETE', `${novaUrl}/servers/${s}`, { token: MT, mv: NOVA_MV }));
  for (const s of c.servers) await quiet(() => waitFor(`${novaUrl}/servers/${s}`, MT, NOVA_MV, (b) => b.server.status, ['gone'], 240));
  for (const s of c.groupSnapshots) {
    await quiet(() => http('DELETE', `${cinderUrl}/group_snapshots/${s}`, { token: MT, mv: CINDER_MV }));
    await quiet(() => waitFor(`${cinderUrl}/group_snapshots/${s}`, MT, CINDER_MV, (b) => b.group_snapshot.status, ['gone'], 120));
  }
  for (const g of c.groups) {
    await quiet(() => http('POST', `${cinderUrl}/groups/${g}/action`, { token: MT, mv: CINDER_MV, body: { delete: { 'delete-volumes': true } } }));
  }
  for (const g of c.groups) await quiet(() => waitFor(`${cinderUrl}/groups/${g}`, MT, CINDER_MV, (b) => b.group.status, ['gone'], 180));
  for (const v of c.volumes) {
    await quiet(() => waitFor(`${cinderUrl}/volumes/${v}`, MT, CINDER_MV, (b) => b.volume.status, ['available', 'error', 'gone'], 120));
    await quiet(() => http('DELETE', `${cinderUrl}/volumes/${v}`, { token: MT, mv: CINDER_MV }));
  }
  for (const v of c.adminVolumes) await quiet(() => http('DELETE', `${adminCinderUrl}/volumes/${v}`, { token: AT, mv: CINDER_MV }));
  for (const v of c.volumes) await quiet(() => waitFor(`${cinderUrl}/volumes/${v}`, MT, CINDER_MV, (b) => b.volume.status, ['gone'], 120));
  for (const v of c.adminVolumes) await quiet(() => waitFor(`${adminCinderUrl}/volumes/${v}`, AT, CINDER_MV, (b) => b.volume.status, ['gone'], 120));
  for (const t of c.types) await quiet(() => http('DELETE', `${adminCinderUrl}/types/${t}`, { token: AT, mv: CINDER_MV }));
}

main().catch((e) => {
  log(`FAILED: ${e.stack ?? e}`);
  process.exitCode = 1;
});
