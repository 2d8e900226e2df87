/**
 * Harness for the integration tests against the REAL Ceph lab (../shared/labs/ceph): two Ceph
 * Pacific clusters `site-a` and `site-b` on loopback with two-way rbd-mirror, mirrored pool `one`.
 *
 * - The lab is not up (no rbd, no /etc/ceph/site-*.conf, or the clusters do not answer with a
 *   mirroring peer): the test file skips with a clear message...
 * - ...unless DRCTL_REQUIRE_CEPH_LAB=1 (CI: .ci/integration-ceph.sh), where it FAILS.
 * Everything the tests create is named `drctl-it-*` and removed by teardown (and swept by the next run).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { createCephDriver, type CephDriver, type CephSiteOptions } from '../../src/providers/storage/ceph/index.js';
import { LocalCommandRunner } from '../../src/providers/storage/ceph/runner.js';
import { cephLabLock } from '../lablock.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const LAB_DIR = process.env.DRCTL_CEPH_LAB_DIR ?? path.resolve(HERE, '../../../shared/labs/ceph');
export const REQUIRE = process.env.DRCTL_REQUIRE_CEPH_LAB === '1';
export const POOL = process.env.DRCTL_CEPH_LAB_POOL ?? 'one';
export const CONF_DIR = process.env.DRCTL_CEPH_CONF_DIR ?? '/etc/ceph';
export const SITES = ['site-a', 'site-b'] as const;
export type Site = (typeof SITES)[number];
export const IT_PREFIX = 'drctl-it-';
/**
 * One run at a time per lab: the tests stop a whole site and sweep `drctl-it-*` leftovers, so two
 * runs (e.g. two `npm run test:integration` on one machine) must not overlap. The lock file holds
 * the owner's pid and a token; a dead owner's lock is taken over. .ci/integration-ceph.sh takes the
 * same lock around up.sh → tests → down.sh and passes its token in DRCTL_CEPH_LAB_LOCK_TOKEN.
 */
export const LOCK_FILE = cephLabLock.file;

const runner = new LocalCommandRunner({ timeoutMs: 180_000 });

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** rbd against one lab cluster (test plumbing: creating/writing/reading images; the driver does the DR work). */
export async function rbd(site: Site, args: string[], timeoutMs = 180_000): Promise<Run> {
  return runner.run('rbd', ['--cluster', site, '--client-mount-timeout=10', ...args], { timeoutMs });
}

export async function rbdOk(site: Site, args: string[], timeoutMs?: number): Promise<string> {
  const r = await rbd(site, args, timeoutMs);
  if (r.code !== 0) throw new Error(`rbd --cluster ${site} ${args.join(' ')} -> ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}

/** Run one of the lab's scripts (down.sh site-a, up.sh site-a, ...). */
export async function labScript(script: 'up.sh' | 'down.sh', args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('bash', [path.join(LAB_DIR, script), ...args], {
      env: { ...process.env, CEPH_LAB_SKIP_INSTALL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** md5 of an image's content (`rbd export IMG -`), read on one site. */
export async function checksum(site: Site, image: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('rbd', ['--cluster', site, 'export', `${POOL}/${image}`, '-', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const h = createHash('md5');
    let err = '';
    p.stdout.on('data', (d) => h.update(d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(h.digest('hex')) : reject(new Error(`rbd export ${site} ${image}: ${code} ${err.trim().split('\n').at(-1)}`))));
  });
}

/** Some random writes on the primary copy. */
export async function writeData(site: Site, image: string): Promise<void> {
  await rbdOk(site, ['bench', '--io-type', 'write', '--io-pattern', 'rand', '--io-size', '64K', '--io-total', '2M', `${POOL}/${image}`], 180_000);
}

export function driverFor(site: Site, opts: Partial<CephSiteOptions> = {}): CephDriver {
  return createCephDriver(
    site,
    { driver: 'ceph', cluster: site, pool: POOL, client: 'admin', keyring: { file: path.join(CONF_DIR, `${site}.client.admin.keyring`) } },
    {
      env: process.env,
      // short connect timeout: the unplanned test talks to a cluster whose monitors are stopped
      connectTimeoutSeconds: 5,
      opTimeoutSeconds: 30,
      pollIntervalMs: 1000,
      ...opts,
    },
  );
}

/** Poll `fn` until it returns a truthy value (real time, bounded); returns it and the time taken. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 1000): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return { value: v as T, ms: Date.now() - t0 };
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function probe(): Promise<string | undefined> {
  for (const s of SITES) {
    if (!existsSync(path.join(CONF_DIR, `${s}.conf`))) return `${CONF_DIR}/${s}.conf not found (bring the lab up: bash ${LAB_DIR}/up.sh)`;
  }
  for (const s of SITES) {
    let r: Run;
    try {
      r = await rbd(s, ['mirror', 'pool', 'info', POOL, '--format', 'json'], 30_000);
    } catch (e) {
      return `cannot run rbd: ${(e as Error).message}`;
    }
    if (r.code !== 0) return `cluster ${s} does not answer (rbd exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)}); is the lab down? (up.sh)`;
    const info = JSON.parse(r.stdout) as { mode?: string; peers?: unknown[] };
    if (info.mode === 'disabled' || !info.peers?.length) return `pool ${POOL} on ${s} is not mirrored to a peer`;
  }
  if (!existsSync(path.join(LAB_DIR, 'down.sh'))) return `${LAB_DIR}/down.sh not found`;
  return undefined;
}

/** Take the lab lock (waiting for a live holder up to `waitMs`); returns why not, or undefined. */
export function acquireLock(waitMs = 30 * 60_000): Promise<string | undefined> {
  return cephLabLock.acquire(waitMs);
}

export function releaseLock(): void {
  cephLabLock.release();
}

/** Call first in the test file: true when the lab is usable and ours; otherwise skips (or fails when required). */
export async function labOrSkip(t: Test): Promise<boolean> {
  let why = await probe();
  if (!why) {
    const busy = await acquireLock();
    if (busy) why = busy;
    else {
      why = await probe(); // the previous holder may have taken the lab down
      if (why) releaseLock();
    }
  }
  if (!why) return true;
  if (REQUIRE) {
    t.fail(`Ceph lab required (DRCTL_REQUIRE_CEPH_LAB=1) but unusable: ${why}`);
  } else {
    t.plan(0, `no real-Ceph lab: ${why}`);
  }
  return false;
}

/** Remove test images (and their schedules) on both sites; tolerant of anything missing. */
export async function removeImages(names: string[]): Promise<void> {
  for (const site of SITES) {
    for (const img of names) {
      await rbd(site, ['mirror', 'snapshot', 'schedule', 'remove', '--pool', POOL, '--image', img], 30_000);
    }
  }
  for (const site of SITES) {
    for (const img of names) {
      await rbd(site, ['mirror', 'image', 'disable', '--force', `${POOL}/${img}`], 60_000);
      await rbd(site, ['rm', `${POOL}/${img}`, '--no-progress'], 120_000);
    }
  }
}

/** Leftovers of earlier runs (crashed before teardown). */
export async function sweep(): Promise<string[]> {
  const names = new Set<string>();
  for (const site of SITES) {
    const r = await rbd(site, ['ls', POOL, '--format', 'json'], 30_000);
    if (r.code === 0) for (const n of JSON.parse(r.stdout || '[]') as string[]) if (n.startsWith(IT_PREFIX)) names.add(n);
  }
  // drill copies first (they are plain images), then mirrored ones
  const list = [...names].sort((a, b) => Number(b.includes('-drill-')) - Number(a.includes('-drill-')));
  if (list.length) await removeImages(list);
  return list;
}

/** Is every daemon of a site running (per the lab's pid files)? */
export async function siteUp(site: Site): Promise<boolean> {
  const r = await rbd(site, ['ls', POOL, '--format', 'json'], 20_000);
  return r.code === 0;
}
