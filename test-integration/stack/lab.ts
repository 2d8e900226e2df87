/**
 * Harness for the end-to-end test on the REAL stack (../shared/labs/stack): two OpenStack Zed sites
 * whose Cinder runs the RBD driver over two Ceph Pacific clusters mirroring pool `volumes`.
 *
 * The workload is created the way the lab's dr-flow.py does it (raw REST as the demo member, bytes
 * written into the RBD image with `rbd import-diff`, checked with `rbd export | md5`); drctl itself
 * is then driven only through the built CLI in real mode (see failover.test.ts).
 *
 * Not usable (no clouds.yaml, Keystone silent, no Ceph cluster, no `volumes` pool): the file skips
 * with the reason, unless DRCTL_REQUIRE_STACK_LAB=1 (CI: .ci/integration-stack.sh), where it fails.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const STACK_DIR = process.env.DRCTL_STACK_LAB_DIR ?? path.resolve(HERE, '../../../shared/labs/stack');
export const CLOUDS = process.env.DRCTL_LAB_CLOUDS ?? '/tmp/openstack-lab/clouds.yaml';
export const REQUIRE = process.env.DRCTL_REQUIRE_STACK_LAB === '1';
export const POOL = 'volumes';
export const VTYPE = 'ceph-mirrored';
export const SITES = ['site-a', 'site-b'] as const;
export type Site = (typeof SITES)[number];
export const OTHER: Record<Site, Site> = { 'site-a': 'site-b', 'site-b': 'site-a' };

// ------------------------------------------------------------------ processes

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    p.stdin.end(opts.input ?? Buffer.alloc(0));
  });
}

export async function rbd(site: Site, args: string[], input?: Buffer): Promise<string> {
  const r = await run('rbd', ['--cluster', site, ...args], { input });
  if (r.code !== 0) throw new Error(`rbd --cluster ${site} ${args.join(' ')}: rc=${r.code} ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  return r.stdout.toString();
}

export async function images(site: Site): Promise<string[]> {
  return (JSON.parse(await rbd(site, ['ls', POOL, '--format', 'json'])) as string[]).sort();
}

export interface ImageInfo {
  name: string;
  size: number;
  mirroring?: { mode?: string; state?: string; global_id?: string; primary?: boolean };
}
export async function imageInfo(site: Site, image: string): Promise<ImageInfo> {
  return JSON.parse(await rbd(site, ['info', `${POOL}/${image}`, '--format', 'json'])) as ImageInfo;
}

/** md5 of the image's content (`rbd export POOL/IMG - | md5sum`). */
export async function md5(site: Site, image: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    const p = spawn('rbd', ['--cluster', site, 'export', `${POOL}/${image}`, '-', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.on('data', (d: Buffer) => h.update(d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(h.digest('hex')) : reject(new Error(`rbd export ${site} ${image}: rc=${code} ${err.trim().split('\n').at(-1)}`))));
  });
}

/**
 * Writes a marker and random blocks into the image head with `rbd import-diff` (a hand-built
 * `rbd diff v1` stream, as dr-flow.py does: the lab has no `rbd map`). Returns the marker.
 */
export async function writeBytes(site: Site, image: string, tag: string): Promise<string> {
  const { size } = await imageInfo(site, image);
  const marker = `DRCTL-STACK ${tag} ${Date.now()}\n`;
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const parts: Buffer[] = [Buffer.from('rbd diff v1\n'), Buffer.from('s'), u64(size)];
  const m = Buffer.from(marker);
  const blocks: Array<[number, Buffer]> = [
    [0, Buffer.concat([m, randomBytes(65536 - m.length)])],
    [Math.floor(size / 2), randomBytes(1 << 20)],
    [size - 65536, randomBytes(65536)],
  ];
  for (const [off, data] of blocks) parts.push(Buffer.from('w'), u64(off), u64(data.length), data);
  parts.push(Buffer.from('e'));
  await rbd(site, ['import-diff', '--no-progress', '-', `${POOL}/${image}`], Buffer.concat(parts));
  return marker;
}

/** The first bytes of the image (the marker). */
export async function head(site: Site, image: string, n: number): Promise<string> {
  const r = await run('rbd', ['--cluster', site, 'export', `${POOL}/${image}`, '-', '--no-progress'], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`rbd export ${site} ${image}: ${r.stderr.trim()}`);
  return r.stdout.subarray(0, n).toString();
}

// ------------------------------------------------------------------ OpenStack (raw REST, like dr-flow.py)

interface CloudEntry {
  auth: { auth_url: string; username: string; password: string; project_name: string };
  region_name?: string;
}

export class Os {
  private constructor(
    readonly site: Site,
    private readonly token: string,
    readonly projectId: string,
    private readonly urls: Record<string, string>,
  ) {}

  static async login(entry: CloudEntry, site: Site): Promise<Os> {
    const r = await fetch(`${entry.auth.auth_url.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: entry.auth.username, domain: { name: 'Default' }, password: entry.auth.password } } },
          scope: { project: { name: entry.auth.project_name, domain: { name: 'Default' } } },
        },
      }),
      signal: AbortSignal.timeout(60_000),
    });
    if (r.status !== 201) throw new Error(`keystone ${site} ${entry.auth.username}: ${r.status}`);
    const body = (await r.json()) as { token: { project: { id: string }; catalog: Array<{ type: string; endpoints: Array<{ interface: string; region?: string; url: string }> }> } };
    const urls: Record<string, string> = {};
    for (const c of body.token.catalog) {
      const e = c.endpoints.find((x) => x.interface === 'public' && (!entry.region_name || !x.region || x.region === entry.region_name));
      if (e) urls[c.type] = e.url.replace(/\/$/, '');
    }
    return new Os(site, r.headers.get('x-subject-token')!, body.token.project.id, urls);
  }

  async call<T = Record<string, unknown>>(service: 'volumev3' | 'compute', method: string, p: string, body?: unknown, mv?: string): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { 'x-auth-token': this.token, 'content-type': 'application/json', accept: 'application/json' };
    headers['openstack-api-version'] = mv ?? (service === 'compute' ? 'compute 2.79' : 'volume 3.60');
    const r = await fetch(this.urls[service] + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: r.status, body: parsed as T };
  }
  vol<T = Record<string, unknown>>(method: string, p: string, body?: unknown, mv?: string) {
    return this.call<T>('volumev3', method, p, body, mv);
  }
  nova<T = Record<string, unknown>>(method: string, p: string, body?: unknown) {
    return this.call<T>('compute', method, p, body);
  }
}

export interface Server {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
  'os-extended-volumes:volumes_attached': Array<{ id: string }>;
}
export interface Volume {
  id: string;
  name: string;
  status: string;
  metadata: Record<string, string>;
  replication_status?: string | null;
  attachments: Array<{ server_id: string }>;
}

export async function servers(s: Os, name?: string): Promise<Server[]> {
  const q = name ? `?name=${encodeURIComponent(`^${name}$`)}` : '';
  const r = await s.nova<{ servers: Server[] }>('GET', `/servers/detail${q}`);
  if (r.status !== 200) throw new Error(`${s.site}: list servers ${r.status}`);
  return r.body.servers;
}

export async function volume(s: Os, id: string): Promise<Volume | undefined> {
  const r = await s.vol<{ volume: Volume }>('GET', `/volumes/${id}`);
  return r.status === 404 ? undefined : r.body.volume;
}

export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 1000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function waitVolume(s: Os, id: string, want: string, timeoutMs = 120_000): Promise<Volume | undefined> {
  return poll(`volume ${id} ${want} on ${s.site}`, async () => {
    const v = await volume(s, id);
    if (!v) return want === 'deleted' ? ({} as Volume) : undefined;
    if (v.status.startsWith('error')) throw new Error(`volume ${id} on ${s.site} is ${v.status}`);
    return v.status === want ? v : undefined;
  }, timeoutMs).then((v) => (v.id ? v : undefined));
}

export async function waitServer(s: Os, id: string, want: string, timeoutMs = 120_000): Promise<void> {
  await poll(`server ${id} ${want} on ${s.site}`, async () => {
    const r = await s.nova<{ server: Server & { fault?: unknown } }>('GET', `/servers/${id}`);
    if (r.status === 404) return want === 'DELETED';
    if (r.body.server.status === 'ERROR' && want !== 'ERROR') throw new Error(`server ${id} on ${s.site} is ERROR ${JSON.stringify(r.body.server.fault)}`);
    return r.body.server.status === want;
  }, timeoutMs);
}

// ------------------------------------------------------------------ the lab

export interface Stack {
  clouds: Record<string, CloudEntry>;
  member: Record<Site, Os>;
  admin: Record<Site, Os>;
}

/** Why the stack is not usable, or the sessions when it is. */
export async function probe(): Promise<{ stack?: Stack; why?: string }> {
  let text: string;
  try {
    text = await readFile(CLOUDS, 'utf8');
  } catch {
    return { why: `${CLOUDS} not found (bring the stack up: sudo bash ${STACK_DIR}/up.sh)` };
  }
  const clouds = (YAML.parse(text)?.clouds ?? {}) as Record<string, CloudEntry>;
  const member = {} as Record<Site, Os>;
  const admin = {} as Record<Site, Os>;
  for (const s of SITES) {
    if (!clouds[s] || !clouds[`${s}-admin`]) return { why: `${CLOUDS} has no '${s}' / '${s}-admin' entry` };
    try {
      member[s] = await Os.login(clouds[s]!, s);
      admin[s] = await Os.login(clouds[`${s}-admin`]!, s);
    } catch (e) {
      return { why: `Keystone of ${s} is not usable (${(e as Error).message}); is the stack down? (up.sh)` };
    }
    const r = await run('rbd', ['--cluster', s, 'mirror', 'pool', 'info', POOL, '--format', 'json'], { timeoutMs: 30_000 }).catch((e: Error) => ({ code: -1, stdout: Buffer.alloc(0), stderr: e.message }));
    if (r.code !== 0) return { why: `Ceph ${s}: rbd mirror pool info ${POOL} failed (${r.stderr.trim().split('\n').at(-1)}); the stack lab is not up` };
    const pools = await admin[s].vol<{ pools: Array<{ name: string }> }>('GET', '/scheduler-stats/get_pools');
    if (!pools.body.pools?.some((p) => p.name.startsWith(`${s}@ceph#`))) return { why: `Cinder of ${s} has no ceph backend (OpenStack lab up without OSLAB_CINDER_CEPH=1?); run the stack's up.sh` };
  }
  return { stack: { clouds, member, admin } };
}
