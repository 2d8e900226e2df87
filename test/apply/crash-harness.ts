/**
 * The built CLI against a mock world in a temp dir (crash, secrets and troubleshooting tests):
 * run `drctl` as a child process, snapshot/copy a world + state + spec, and fingerprint a world so
 * two runs can be compared without their random ids.
 *
 * Needs `npm run build` (bin/drctl.js runs dist/); assertBuilt() says so when dist is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MockWorld, summarize } from '../../src/mock/index.js';
import type { StateData } from '../../src/state/types.js';
import { repoRoot, runCli, type CliResult } from '../helpers/cli.js';

export const GROUP = 'prod-web-app';
export const MEMBERS = ['db-server-1', 'app-server-1', 'app-server-2', 'web-server-1', 'web-server-2'];

/** Files that make one "world": the spec, the mock world and the state file. */
export const SPEC = 'spec.yaml';
export const WORLD = 'world.json';
export const STATE = 'state.json';

/** Fails with a clear message when the CLI is not built (or built without the crash-test hook). */
export function assertBuilt(opts: { crashHook?: boolean } = {}): void {
  const store = path.join(repoRoot, 'dist/state/store.js');
  if (!existsSync(path.join(repoRoot, 'dist/cli/main.js')) || !existsSync(store)) {
    throw new Error('dist/ is missing: run `npm run build` first (this test runs the built CLI, bin/drctl.js).');
  }
  if (opts.crashHook && !readFileSync(store, 'utf8').includes('DRCTL_TEST_KILL_AT_TRANSITION')) {
    throw new Error('dist/state/store.js has no DRCTL_TEST_KILL_AT_TRANSITION hook: run `npm run build` again.');
  }
}

/** `drctl --mock --mock-world world.json --state state.json ARGS` in dir. */
export function drctl(dir: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; mock?: boolean } = {}): Promise<CliResult> {
  const globals = [...(opts.mock === false ? [] : ['--mock']), '--mock-world', WORLD, '--state', STATE];
  return runCli([...globals, ...args], { cwd: dir, env: { ...opts.env }, timeoutMs: opts.timeoutMs ?? 90_000 });
}

/** Copies spec, world and state (no backups, mutexes or temp files) from one dir to another. */
export async function copyWorld(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of [SPEC, WORLD, STATE]) {
    if (existsSync(path.join(from, f))) await copyFile(path.join(from, f), path.join(to, f));
  }
}

export async function editSpec(dir: string, change: { activeSite?: string; drill?: boolean; mode?: 'planned' | 'unplanned' }): Promise<void> {
  const file = path.join(dir, SPEC);
  let text = await readFile(file, 'utf8');
  if (change.activeSite) text = text.replace(/activeSite: site-[ab]/, `activeSite: ${change.activeSite}`);
  if (change.drill !== undefined) text = text.replace(/drill: (true|false)/, `drill: ${change.drill}`);
  if (change.mode) text = text.replace(/mode: (planned|unplanned)/, `mode: ${change.mode}`);
  await writeFile(file, text);
}

export async function readState(dir: string): Promise<StateData | null> {
  const file = path.join(dir, STATE);
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as StateData;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const OPID = /op-\d{8}T\d{6}Z-[0-9a-f]{6}/g;
/** Ids that differ between two runs of the same thing. */
export function normalizeIds(s: string): string {
  return s.replace(UUID, '<uuid>').replace(OPID, '<op>').replace(/\b[0-9a-f]{32}\b/g, '<hex>');
}

const drctlTags = (meta: Record<string, string>): string =>
  Object.keys(meta)
    .filter((k) => k.startsWith('drctl.') && k !== 'drctl.op')
    .sort()
    .map((k) => `${k}=${normalizeIds(meta[k]!)}`)
    .join(',');

export interface SiteFingerprint {
  /** name|status|drctl tags (op id left out), sorted: duplicates show as repeated lines. */
  servers: string[];
  volumes: string[];
  consistencyGroups: string[];
  /** Array objects that exist (not destroyed): volumes by normalized name, protection groups and roles, pods. */
  arrayVolumes: string[];
  protectionGroups: string[];
  pods: string[];
}

/** What a world looks like with its random ids taken out. Two runs that did the same thing compare equal. */
export async function fingerprint(worldPath: string): Promise<Record<string, SiteFingerprint>> {
  const world = await MockWorld.open(worldPath);
  const sum = summarize(world);
  const out: Record<string, SiteFingerprint> = {};
  for (const name of world.siteNames()) {
    const site = world.site(name);
    const s = sum.sites[name]!;
    const status = new Map(s.servers.map((x) => [x.id, x.status]));
    const vstatus = new Map(s.volumes.map((x) => [x.id, x.status]));
    const groupName = new Map(Object.values(site.cinder.groups).map((g) => [g.id, g.name ?? '']));
    const fp: SiteFingerprint = {
      servers: Object.values(site.nova.servers)
        .filter((x) => status.has(x.id))
        .map((x) => `${x.name}|${status.get(x.id)}|${drctlTags(x.metadata)}`)
        .sort(),
      volumes: Object.values(site.cinder.volumes)
        .filter((v) => vstatus.has(v.id))
        .map((v) => `${normalizeIds(v.name ?? '')}|${vstatus.get(v.id)}|${v.size}|${v.groupId ? groupName.get(v.groupId) : ''}|${drctlTags(v.metadata)}`)
        .sort(),
      consistencyGroups: s.consistencyGroups.map((g) => `${g.name}|${g.volumes}`).sort(),
      arrayVolumes: [],
      protectionGroups: [],
      pods: [],
    };
    if (site.storage.driver === 'pure') {
      const a = site.storage.pure;
      fp.arrayVolumes = Object.values(a.volumes)
        .filter((v) => !v.destroyed)
        .map((v) => normalizeIds(v.name))
        .sort();
    }
    if (s.storage.driver === 'pure') {
      fp.protectionGroups = s.storage.protectionGroups
        .map((p) => `${p.name}|${p.role}|${(p.targets ?? []).join('+')}|${p.enabled ?? ''}`)
        .sort();
      fp.pods = s.storage.pods.map((p) => `${p.name}|${p.promotion}|${p.linked}`).sort();
    }
    out[name] = fp;
  }
  return out;
}

/** Runs fn over items, at most `jobs` at once; results in the items' order. */
export async function pool<T, R>(items: T[], jobs: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
