/** Shared fixtures for the mock's tests: specs as objects, worlds in temp dirs, a controllable clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fetch from 'node-fetch';
import type { DRSpec } from '../../src/spec/types.js';
import { initWorld } from '../../src/mock/init.js';
import { startMockServer, type MockServerHandle } from '../../src/mock/server.js';
import type { MockWorld } from '../../src/mock/world.js';

export function specWith(opts: { sync?: boolean; ceph?: boolean; members?: number } = {}): DRSpec {
  const storage = (site: string) =>
    opts.ceph
      ? ({ driver: 'ceph', cluster: site, pool: 'volumes' } as const)
      : ({ driver: 'pure', endpoint: `https://fa-${site}.example.com`, apiToken: { env: 'X' } } as const);
  const n = opts.members ?? 3;
  const members = Array.from({ length: n }, (_, i) => ({ server: i === 0 ? 'db-server-1' : `web-server-${i}`, tier: i === 0 ? 1 : 2 }));
  return {
    apiVersion: 'drctl/v1',
    kind: 'DRSpec',
    metadata: { name: 'test' },
    sites: { 'site-a': { cloud: 'site-a', storage: storage('site-a') }, 'site-b': { cloud: 'site-b', storage: storage('site-b') } },
    groups: {
      app: {
        primarySite: 'site-a',
        secondarySite: 'site-b',
        activeSite: 'site-a',
        drill: false,
        replication: opts.sync
          ? { type: 'sync', volumeType: 'replicated-sync', pod: 'pod-app' }
          : { type: 'async', volumeType: 'replicated-ssd', arrayGroup: 'pg-app', intervalSeconds: 300, rpoMinutes: 15 },
        failover: { mode: 'planned', reverseReplication: true },
        members,
        mappings: { networks: { 'net-primary-web': 'net-secondary-web', 'net-primary-db': 'net-secondary-db' }, flavors: { 'm1.large': 'm2.large' } },
        drillNetworks: { 'net-primary-web': 'net-drill-web', 'net-primary-db': 'net-drill-db' },
      },
    },
  };
}

export function tempWorldPath(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'drctl-mock-')), 'mock-world.json');
}

/** A clock tests move by hand. */
export function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')): { now: () => number; tick: (ms: number) => void } {
  let t = start;
  return { now: () => t, tick: (ms) => void (t += ms) };
}

export async function newWorld(spec = specWith(), opts: { realNow?: () => number } = {}): Promise<{ world: MockWorld; file: string }> {
  const file = tempWorldPath();
  const world = await initWorld(file, spec, { realNow: opts.realNow });
  return { world, file };
}

export interface Served {
  handle: MockServerHandle;
  file: string;
  clock: ReturnType<typeof fakeClock>;
  sleeps: number[];
  /** Member token per site. */
  token(site: string, admin?: boolean): Promise<string>;
  url(site: string, path: string): string;
  call(site: string, method: string, path: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; admin?: boolean }): Promise<{ status: number; headers: Record<string, string>; body: any }>;
}

export async function serve(spec = specWith(), opts: { setup?: (w: MockWorld) => void | Promise<void> } = {}): Promise<Served> {
  const clock = fakeClock();
  const { world, file } = await newWorld(spec, { realNow: clock.now });
  if (opts.setup) {
    await opts.setup(world);
    await world.commit();
  }
  const sleeps: number[] = [];
  const handle = await startMockServer({ worldPath: file, realNow: clock.now, sleep: async (ms) => void sleeps.push(ms), watchMs: 0 });
  const tokens = new Map<string, string>();
  const url = (site: string, p: string) => `http://127.0.0.1:${handle.ports[site]}${p}`;
  const token = async (site: string, admin = false) => {
    const key = `${site}:${admin}`;
    const have = tokens.get(key);
    if (have) return have;
    const c = admin ? handle.sites[site]!.adminCloud : handle.sites[site]!.cloud;
    const res = await fetch(c.auth.authUrl + '/auth/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: c.auth.username, domain: { name: 'Default' }, password: c.auth.password } } },
          scope: { project: { name: c.auth.projectName, domain: { name: 'Default' } } },
        },
      }),
    });
    const t = res.headers.get('x-subject-token')!;
    tokens.set(key, t);
    return t;
  };
  const call: Served['call'] = async (site, method, p, o = {}) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    const tok = o.token === undefined ? await token(site, o.admin) : o.token;
    if (tok) headers['X-Auth-Token'] = tok;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(p.startsWith('http') ? p : url(site, p), { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => (h[k] = v));
    return { status: res.status, headers: h, body: text ? JSON.parse(text) : undefined };
  };
  return { handle, file, clock, sleeps, token, url, call };
}

export const NOVA = { 'OpenStack-API-Version': 'compute 2.79' };
export const CINDER = { 'OpenStack-API-Version': 'volume 3.60' };

/** Logs in to a site's mock array and returns a caller for /api/2.21/... paths. */
export async function pureCaller(s: Served, site: string): Promise<(method: string, p: string, body?: unknown) => Promise<{ status: number; headers: Record<string, string>; body: any }>> {
  const st = s.handle.sites[site]!.storage;
  if (st.driver !== 'pure') throw new Error(`${site} is not a pure site`);
  const login = await fetch(`${st.endpoint}/api/2.21/login`, { method: 'POST', headers: { 'api-token': st.apiToken } });
  const session = login.headers.get('x-auth-token')!;
  return async (method, p, body) => {
    const res = await fetch(`${st.endpoint}/api/2.21${p}`, {
      method,
      headers: { 'x-auth-token': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => (h[k] = v));
    return { status: res.status, headers: h, body: text ? JSON.parse(text) : undefined };
  };
}
