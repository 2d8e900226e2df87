/**
 * Harness for the integration tests against the REAL OpenStack lab (../shared/labs/openstack).
 *
 * The lab writes /tmp/openstack-lab/clouds.yaml (override: DRCTL_LAB_CLOUDS) with, per site,
 * `<site>` (demo user, role member), `<site>-admin` and `<site>-appcred`.
 * - No clouds.yaml, or the lab's Keystone does not answer: every test file skips with a clear message
 *   (`npm run test:integration` on a laptop without the lab passes, visibly skipped)...
 * - ...unless DRCTL_REQUIRE_LAB=1 (CI: .ci/integration.sh), where the same condition FAILS the run.
 */
import { readFile } from 'node:fs/promises';
import type { Test } from 'tap';
import YAML from 'yaml';

export const LAB_CLOUDS = process.env.DRCTL_LAB_CLOUDS ?? '/tmp/openstack-lab/clouds.yaml';
export const REQUIRE_LAB = process.env.DRCTL_REQUIRE_LAB === '1';
export const SITES = ['site-a', 'site-b'] as const;
export type LabSite = (typeof SITES)[number];
/** Prefix of everything the integration tests create (teardown and the next run sweep it). */
export const IT_PREFIX = 'drctl-it-';

export interface Lab {
  cloudsPath: string;
  /** Raw clouds.yaml entries, for assertions only (tests go through loadClouds). */
  raw: Record<string, { auth: Record<string, string>; region_name?: string; auth_type?: string }>;
  /** Secrets present in clouds.yaml: asserted never to show up in errors. */
  secrets: string[];
}

/** Why the lab is not usable, or undefined when it is. */
async function probe(): Promise<{ lab?: Lab; why?: string }> {
  let text: string;
  try {
    text = await readFile(LAB_CLOUDS, 'utf8');
  } catch {
    return { why: `${LAB_CLOUDS} not found (bring the lab up: bash ../shared/labs/openstack/up.sh)` };
  }
  const raw = (YAML.parse(text)?.clouds ?? {}) as Lab['raw'];
  for (const s of SITES) {
    for (const n of [s, `${s}-admin`, `${s}-appcred`]) {
      if (!raw[n]) return { why: `${LAB_CLOUDS} has no cloud '${n}'` };
    }
    const url = raw[s]!.auth.auth_url!;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (r.status >= 500) return { why: `Keystone of ${s} at ${url} answers ${r.status}` };
    } catch (e) {
      return { why: `Keystone of ${s} at ${url} is not reachable (${(e as Error).message}); is the lab down? (up.sh)` };
    }
  }
  const secrets = Object.values(raw)
    .flatMap((c) => [c.auth.password, c.auth.application_credential_secret])
    .filter((x): x is string => typeof x === 'string' && x.length > 0);
  return { lab: { cloudsPath: LAB_CLOUDS, raw, secrets } };
}

let cached: Promise<{ lab?: Lab; why?: string }> | undefined;

/**
 * Call at the top of every integration test file. Returns the lab, or undefined after planning the
 * file as skipped (no lab) or failing it (no lab but DRCTL_REQUIRE_LAB=1).
 */
export async function labOrSkip(t: Test, timeoutMs = 15 * 60_000): Promise<Lab | undefined> {
  cached ??= probe();
  const { lab, why } = await cached;
  if (lab) {
    t.setTimeout(timeoutMs);
    return lab;
  }
  if (REQUIRE_LAB) {
    t.fail(`OpenStack lab required (DRCTL_REQUIRE_LAB=1) but unusable: ${why}`);
    t.end();
  } else {
    t.plan(0, `no real-OpenStack lab: ${why}`);
  }
  return undefined;
}

/** Environment for loadClouds that makes it read exactly the lab's clouds.yaml. */
export function labEnv(lab: Lab, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { OS_CLIENT_CONFIG_FILE: lab.cloudsPath, ...extra };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `read` until `done(value)` holds; generous deadline (the lab's REPORT.md: boot 1-7 s, 16 in
 * parallel 15-17 s, Cinder volume ~1.6 s; a loaded 2-core CI box is several times slower).
 * Never a fixed sleep: the interval only paces the polling.
 */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (v: T) => boolean,
  opts: { timeoutMs?: number; intervalMs?: number; fail?: (v: T) => string | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 240_000);
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    const bad = opts.fail?.(last);
    if (bad) throw new Error(`${what}: ${bad}`);
    if (Date.now() > deadline) throw new Error(`${what}: still not done after ${opts.timeoutMs ?? 240_000} ms (last: ${JSON.stringify(last)?.slice(0, 300)})`);
    await sleep(opts.intervalMs ?? 1000);
  }
}
