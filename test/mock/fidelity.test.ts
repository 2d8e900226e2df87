/**
 * Fidelity: for every real OpenStack Zed response recorded in test/fixtures/real/ (see its INDEX.md),
 * make the same call against the mock (placeholders resolved with ids from the mock world, in the same
 * state as the lab was: an ACTIVE server, a SHUTOFF one, a fresh BUILD one, a group with volumes, ...)
 * and assert the same status, the same response headers of note, and the same keys with the same JSON
 * types three levels deep (arrays are transparent; maps of user data are compared as maps).
 *
 * What is deliberately not compared is listed in SKIP / MAP_KEYS / NULLABLE below, each with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import fetch from 'node-fetch';
import { bootServer, stopServer, deleteServer } from '../../src/mock/nova.js';
import { createGroupRec, createVolume, manageVolume, updateGroupVolumes } from '../../src/mock/cinder.js';
import { createArrayVolume, arrayOf } from '../../src/mock/pure.js';
import { CONSISTENCY_GROUP_TYPE } from '../../src/mock/init.js';
import type { SiteData, VolumeRec } from '../../src/mock/types.js';
import type { MockWorld } from '../../src/mock/world.js';
import { repoRoot } from '../helpers/cli.js';
import { serve, type Served } from './helpers.js';

const DIR = path.join(repoRoot, 'test', 'fixtures', 'real');

interface Recording {
  id: string;
  site: string;
  role: 'member' | 'admin';
  request: {
    /** 'root': path relative to the endpoint's origin (version documents). */
    base?: 'root';
    method: string; service: 'identity' | 'compute' | 'volumev3' | 'network'; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
  note?: string;
}

/** Recordings not replayed, and why. */
const SKIP: Record<string, string> = {
  'cinder.volumes.show.managed.member':
    "the lab's admin entry is scoped to another project (admin), so the member cannot see what it managed; the mock has one project per site and an admin user with the admin role on it, which is what drctl's admin entry must be (INDEX.md, point 3)",
};

/**
 * Keys the APIs document as nullable: a null on one side and a value on the other is a difference in
 * data (a volume in no group, a server without key), not in shape. Every other null must match.
 */
const NULLABLE = new Set([
  'description', 'group_id', 'updated_at', 'snapshot_id', 'source_volid', 'consistencygroup_id', 'provider_id', 'service_uuid',
  'key_name', 'OS-SRV-USG:launched_at', 'OS-EXT-STS:task_state', 'locked_reason', 'group_snapshot_id', 'source_group_id',
  'remote_group_id', 'remote_ip_prefix', 'name', 'replication_status', 'migration_status', 'host_name', 'attached_at',
]);

/** Keys whose values are user data (maps): compared as "object", not key by key. */
const MAP_KEYS = new Set(['metadata', 'meta', 'addresses', 'extra_specs', 'group_specs', 'capabilities', 'states']);

const recordings: Recording[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Recording);

if (recordings.length === 0) {
  t.test('fidelity against real recordings', { skip: `no recordings in ${DIR}: record them with scripts/record-real.mjs against ../shared/labs/openstack (see INDEX.md)` }, () => undefined);
} else {
  t.test('the mock answers every recorded real call with the same status, keys and types', async (t) => {
    const s = await serve();
    t.teardown(() => s.handle.close());
    const fx = new Fixtures(s);
    for (const rec of recordings) {
      if (SKIP[rec.id]) {
        t.test(rec.id, { skip: SKIP[rec.id] }, () => undefined);
        continue;
      }
      let res: Awaited<ReturnType<typeof replay>>;
      try {
        const ids = await fx.setup(rec);
        await s.handle.world.commit();
        res = await replay(s, rec, ids);
      } catch (err) {
        t.fail(`${rec.id}: ${(err as Error).message}`);
        continue;
      }
      const problems: string[] = [];
      if (res.status !== rec.response.status) problems.push(`status: real ${rec.response.status}, mock ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      problems.push(...compareHeaders(rec.response.headers, res.headers, rec.response.body !== null));
      problems.push(...compareShape(rec.response.body, res.body, '$', 3));
      t.same(problems, [], `${rec.id}${rec.note ? ` (${rec.note.slice(0, 60)})` : ''}`);
    }
  });
}

// ------------------------------------------------------------------ replay

async function replay(s: Served, rec: Recording, ids: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const world = s.handle.world;
  const site = world.site('site-a');
  const sub = (text: string): string =>
    text
      .replace(/\{(\w+)\}/g, (m, k: string) => {
        if (!(k in ids)) throw new Error(`${rec.id}: no value for placeholder {${k}}`);
        return ids[k]!;
      })
      .replace(/site-a%40fake%23fake/g, encodeURIComponent(site.cinder.host))
      .replace(/site-a@fake#fake/g, site.cinder.host);
  const origin = `http://127.0.0.1:${s.handle.ports['site-a']}`;
  const pid = site.keystone.project.id;
  const endpoint = { identity: `${origin}/identity/v3`, compute: `${origin}/compute/v2.1`, volumev3: `${origin}/volume/v3/${pid}`, network: `${origin}/network` }[rec.request.service];
  const rootOf = { identity: `${origin}/identity`, compute: `${origin}/compute`, volumev3: `${origin}/volume`, network: `${origin}/network` }[rec.request.service];
  const p = sub(rec.request.path);
  const url = rec.request.base === 'root' ? `${rootOf}${p}` : p === '/' ? `${endpoint}/` : `${endpoint}${p}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  for (const [k, v] of Object.entries(rec.request.headers)) {
    if (k.toLowerCase() === 'x-auth-token') headers[k] = v === '<invalid>' ? 'gAAAAAinvalid.token' : await s.token('site-a', rec.role === 'admin');
    else headers[k] = v;
  }
  let body: string | undefined;
  if (rec.request.body !== null && rec.request.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = sub(JSON.stringify(rewriteAuth(rec, rec.request.body, site)));
  }
  const res = await fetch(url, { method: rec.request.method, headers, body });
  const text = await res.text();
  const h: Record<string, string> = {};
  res.headers.forEach((v, k) => (h[k] = v));
  return { status: res.status, headers: h, body: text ? (JSON.parse(text) as unknown) : null };
}

/** Keystone bodies name the lab's user/project and redact secrets: use the mock's. */
function rewriteAuth(rec: Recording, body: unknown, site: SiteData): unknown {
  if (rec.request.service !== 'identity') return body;
  const ks = site.keystone;
  const user = rec.role === 'admin' ? ks.users.admin : ks.users.member;
  const json = JSON.stringify(body, (k, v: unknown) => {
    if (k === 'password' && v === '<redacted>') return rec.response.status === 401 ? 'wrong-password' : user.password;
    if (k === 'secret' && v === '<redacted>') return ks.appCredentials[0]!.secret;
    return v;
  });
  const b = JSON.parse(json) as { auth?: { identity?: { password?: { user?: { name?: string } } }; scope?: { project?: { name?: string } } } };
  if (b.auth?.identity?.password?.user?.name) b.auth.identity.password.user.name = user.name;
  if (b.auth?.scope?.project?.name) b.auth.scope.project.name = ks.project.name;
  return b;
}

// ------------------------------------------------------------------ comparison

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Differences in keys and JSON types down to `depth` object levels (arrays are transparent). */
export function compareShape(real: unknown, mock: unknown, at: string, depth: number): string[] {
  const kr = kind(real);
  const km = kind(mock);
  const key = at.replace(/\[\]$/, '').split('.').pop()!;
  if (kr !== km && (kr === 'null' || km === 'null') && NULLABLE.has(key)) return [];
  if (kr !== km) return [`${at}: real ${kr}, mock ${km}`];
  if (kr === 'array') {
    const a = real as unknown[];
    const b = mock as unknown[];
    if (a.length === 0 || b.length === 0) return [];
    return compareShape(mergeItems(a), mergeItems(b), `${at}[]`, depth);
  }
  if (kr !== 'object' || depth === 0) return [];
  const r = real as Record<string, unknown>;
  const m = mock as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(r)) {
    if (!(k in m)) out.push(`${at}.${k}: missing in mock`);
    else if (MAP_KEYS.has(k)) {
      if (kind(r[k]) !== kind(m[k])) out.push(`${at}.${k}: real ${kind(r[k])}, mock ${kind(m[k])}`);
    } else out.push(...compareShape(r[k], m[k], `${at}.${k}`, depth - 1));
  }
  for (const k of Object.keys(m)) if (!(k in r)) out.push(`${at}.${k}: extra in mock`);
  return out;
}

/** Items of a list merged into one object (keys of all), so optional keys are judged across items. */
function mergeItems(items: unknown[]): unknown {
  if (!items.every((i) => kind(i) === 'object')) return items[0];
  const merged: Record<string, unknown> = {};
  for (const i of items as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(i)) if (!(k in merged) || merged[k] === null) merged[k] = v;
  }
  return merged;
}

/** The recorded headers that carry meaning must be there (values of tokens/urls aside). */
function compareHeaders(real: Record<string, string>, mock: Record<string, string>, hasBody: boolean): string[] {
  const out: string[] = [];
  for (const k of ['openstack-api-version', 'x-openstack-nova-api-version', 'vary', 'location', 'www-authenticate', 'x-subject-token']) {
    if (k in real && !(k in mock)) out.push(`header ${k}: missing in mock`);
    if (!(k in real) && k in mock) out.push(`header ${k}: extra in mock (${mock[k]})`);
    if (k in real && k in mock && ['openstack-api-version', 'x-openstack-nova-api-version', 'vary'].includes(k) && real[k] !== mock[k]) {
      out.push(`header ${k}: real '${real[k]}', mock '${mock[k]}'`);
    }
  }
  if (k(real, 'www-authenticate') && k(mock, 'www-authenticate') && !/^Keystone uri="http:\/\/127\.0\.0\.1:\d+\/identity\/v3"$/.test(mock['www-authenticate']!)) {
    out.push(`header www-authenticate: mock '${mock['www-authenticate']}' is not Keystone uri="<identity endpoint>"`);
  }
  const media = (v: string | undefined) => (v ?? '').split(';')[0]!.trim();
  if (media(real['content-type']) !== media(mock['content-type']) && (hasBody || real['content-type'])) {
    out.push(`header content-type: real '${real['content-type']}', mock '${mock['content-type']}'`);
  }
  return out;
}

function k(h: Record<string, string>, name: string): boolean {
  return name in h;
}

// ------------------------------------------------------------------ the lab's state, rebuilt in the mock

class Fixtures {
  private world: MockWorld;
  private site: SiteData;
  private n = 0;
  constructor(private s: Served) {
    this.world = s.handle.world;
    this.site = this.world.site('site-a');
  }

  /** The lab's type `replicated` (created on first use, as the lab seeds it). */
  private get type() {
    const ix = this.world.index('site-a');
    const have = ix.typeByName.get('replicated');
    if (have) return have;
    const t = { id: '5f0a6c9e-3f43-4a51-8a0e-8f6f0d1e2a77', name: 'replicated', description: 'replicated (lab)', isPublic: true, extraSpecs: { volume_backend_name: this.site.cinder.backendName, replication_enabled: '<is> True' } };
    this.site.cinder.types[t.id] = t;
    this.world.touch();
    return t;
  }

  private common(): Record<string, string> {
    const site = this.site;
    const ix = this.world.index('site-a');
    const net = ix.networkByName.get('net-primary-web')!;
    return {
      project_id: site.keystone.project.id,
      admin_project_id: site.keystone.project.id,
      user_id: site.keystone.users.member.id,
      flavor_id: ix.flavorByName.get('m1.tiny')!.id,
      network_id: net.id,
      subnet_id: net.subnetIds[0]!,
      security_group_id: ix.securityGroupByName.get('default')!.id,
      type_id: this.type.id,
      type_id_full: this.type.id,
      group_type_id: Object.values(site.cinder.groupTypes).find((g) => g.name === CONSISTENCY_GROUP_TYPE)!.id,
      application_credential_id: site.keystone.appCredentials[0]!.id,
      missing_id: '0f6a9a2c-2f7b-4a59-9d3a-7a1e6f0c0b11',
    };
  }

  private volume(o: { bootable?: boolean; metadata?: Record<string, string> } = {}): VolumeRec {
    this.n++;
    return createVolume(this.world, this.site, { name: `fx-vol-${this.n}`, size: 1, type: this.type, bootable: o.bootable ?? false, metadata: o.metadata ?? {}, ready: true });
  }

  private server(state: 'active' | 'shutoff' | 'build' | 'deleted') {
    const w = this.world;
    const vol = this.volume({ bootable: true });
    const net = w.index('site-a').networkByName.get('net-primary-web')!;
    this.n++;
    const srv = bootServer(w, this.site, {
      name: `fx-srv-${this.n}`,
      flavor: w.index('site-a').flavorByName.get('m1.tiny')!,
      networks: [net],
      securityGroups: ['default'],
      keyName: null,
      metadata: { 'drctl.group': 'fx' },
      volumes: [{ volumeId: vol.id, deleteOnTermination: false, bootIndex: 0 }],
    });
    if (state !== 'build') {
      srv.createdAt -= 600_000;
      srv.power.at = srv.createdAt;
    }
    if (state === 'shutoff') {
      stopServer(w, srv);
      srv.power.at -= 60_000;
    }
    if (state === 'deleted') deleteServer(w, this.site, srv);
    return { srv, vol };
  }

  private group(withVolumes: number) {
    const gt = this.common().group_type_id!;
    this.n++;
    const g = createGroupRec(this.world, this.site, { name: `fx-group-${this.n}`, description: 'drctl recording', groupTypeId: gt, volumeTypeIds: [this.type.id] });
    const vols = Array.from({ length: withVolumes }, () => this.volume());
    if (vols.length) updateGroupVolumes(this.world, this.site, g, { add: vols.map((v) => v.id), remove: [] });
    return { g, vols };
  }

  private async groupSnapshot() {
    const { g, vols } = this.group(1);
    const res = await this.s.call('site-a', 'POST', `/volume/v3/${this.site.keystone.project.id}/group_snapshots`, {
      headers: { 'OpenStack-API-Version': 'volume 3.60' },
      body: { group_snapshot: { group_id: g.id, name: 'fx-gsnap', description: 'drctl recording' } },
    });
    const gsId = (res.body as { group_snapshot: { id: string } }).group_snapshot.id;
    const snap = Object.values(this.site.cinder.snapshots).find((x) => x.groupSnapshotId === gsId)!;
    return { g, vols, gsId, snapId: snap.id };
  }

  /** Ids for a recording, creating whatever state it needs. */
  async setup(rec: Recording): Promise<Record<string, string>> {
    const ids = this.common();
    const id = rec.id;
    const srv = (state: 'active' | 'shutoff' | 'build' | 'deleted') => {
      const x = this.server(state);
      ids.server_id = x.srv.id;
      ids.volume_id = x.vol.id;
    };
    if (/^nova\.servers\.(show\.shutoff|action\.os-start$|action\.os-stop\.409)/.test(id)) srv('shutoff');
    else if (id === 'nova.servers.show.build') srv('build');
    else if (id === 'nova.servers.show.deleted' || id === 'neutron.ports.list.device_id.empty') srv('deleted');
    else if (/^nova\.servers\.(show$|metadata|os-volume|action\.os-stop$|action\.os-start\.409|delete)|^neutron\.ports\.list\.device_id$|^cinder\.volumes\.show\.in-use$/.test(id)) srv('active');
    if (id === 'nova.servers.detail.lastpage') ids.server_id = this.world.index('site-a').serversSorted.at(-1)!.id;
    if (id === 'nova.servers.create') ids.volume_id = this.volume({ bootable: true }).id;
    if (id === 'nova.servers.create.400') ids.volume_id_3 = this.volume().id;
    if (/^cinder\.volumes\.(show$|show\.admin|metadata|action\.os-set_bootable)/.test(id)) ids.volume_id = this.volume({ metadata: { 'drctl.group': 'fx' } }).id;
    if (id === 'cinder.volumes.detail.metadata') this.volume({ metadata: { 'drctl.group': 'drctl-rec-group' } });
    if (id === 'cinder.volumes.delete') ids.volume_id_2 = this.volume().id;
    if (/os-unmanage|manageable_volumes\.create/.test(id)) {
      const v = this.volume();
      ids.volume_id_3 = v.id;
      const a = arrayOf(this.site)!;
      createArrayVolume(this.world, a, `volume-${v.id}`, 1024 ** 3);
    }
    if (/^cinder\.volumes\.show\.managed/.test(id)) {
      const a = arrayOf(this.site)!;
      const mk = () => {
        this.n++;
        const av = createArrayVolume(this.world, a, `fx-unmanaged-${this.n}`, 1024 ** 3);
        return manageVolume(this.world, this.site, { ref: { name: av.name }, name: `fx-managed-${this.n}`, type: this.type, bootable: true, metadata: {} }).id;
      };
      ids.managed_volume_id = mk();
      ids.managed_volume_id_2 = mk();
    }
    if (/^cinder\.groups\.(show|detail|list)|^cinder\.volumes\.detail\.group_id/.test(id)) ids.group_id = this.group(2).g.id;
    if (id === 'cinder.groups.update.add_volumes' || id === 'cinder.groups.update.add_volumes.400') {
      ids.group_id = this.group(0).g.id;
      ids.volume_id = id.endsWith('400') ? ids.missing_id! : this.volume().id;
    }
    if (id === 'cinder.groups.update.remove_volumes') {
      const { g, vols } = this.group(1);
      ids.group_id = g.id;
      ids.volume_id = vols[0]!.id;
    }
    if (id === 'cinder.groups.action.delete') ids.group_id = this.group(0).g.id;
    if (id === 'cinder.group_snapshots.create') ids.group_id = this.group(1).g.id;
    if (/^cinder\.group_snapshots\.(show|detail|delete)|^cinder\.snapshots\./.test(id)) {
      const x = await this.groupSnapshot();
      ids.group_id = x.g.id;
      ids.group_snapshot_id = x.gsId;
      ids.snapshot_id = x.snapId;
      ids.volume_id = x.vols[0]!.id;
    }
    return ids;
  }
}
