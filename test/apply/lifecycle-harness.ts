/**
 * In-process apply against the mock world through the real clients: a temp dir with a copy of
 * examples/prod-web-app.yaml (edited per step), a mock world with short timings, a real state file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runApply, type ApplyArgs, type ApplyResult } from '../../src/apply/run.js';
import { memoryIo } from '../../src/cli/io.js';
import { discoverInventory } from '../../src/discovery/index.js';
import { TAG, type Inventory } from '../../src/discovery/types.js';
import { addFault, clearFaults, initWorld, MockWorld, type FaultInput } from '../../src/mock/index.js';
import type { MockSettings } from '../../src/mock/types.js';
import { connect, type Connections } from '../../src/providers/connect.js';
import { loadSpec } from '../../src/spec/load.js';
import type { LoadedSpec } from '../../src/spec/types.js';
import { defaultStateEnv } from '../../src/state/env.js';
import { DrctlError } from '../../src/errors.js';
import { StateStore } from '../../src/state/store.js';
import type { OperationRecord, StateData } from '../../src/state/types.js';
import { MOCK_POLL, abortableSleep } from '../../src/steps/index.js';
import { repoRoot } from '../helpers/cli.js';

export const GROUP = 'prod-web-app';

export interface Lab {
  dir: string;
  specPath: string;
  worldPath: string;
  statePath: string;
  edit(change: { activeSite?: string; drill?: boolean; mode?: 'planned' | 'unplanned' }): Promise<void>;
  apply(extra?: Partial<ApplyArgs>): Promise<ApplyResult & { stdout: string; stderr: string; error?: DrctlError }>;
  fault(f: FaultInput): Promise<void>;
  clear(site?: string): Promise<void>;
  discover(): Promise<Inventory>;
  state(): Promise<StateData>;
  lastOp(type?: string): Promise<OperationRecord>;
  conns(): Promise<Connections>;
  loaded(): Promise<LoadedSpec>;
}

const connectOpts = (worldPath: string) => ({
  mock: { worldPath },
  env: {},
  cwd: '/nonexistent',
  home: '/nonexistent',
  readFile: async (): Promise<string> => {
    throw new Error('no files in mock mode');
  },
  logger: { warn: () => undefined },
});

/** `example`: the spec copied into the lab (default examples/prod-web-app.yaml; the metro-sync and Ceph life cycles use theirs). */
export async function lab(
  t: { teardown(fn: () => unknown): void },
  settings: Partial<MockSettings> = { bootSeconds: 0.2, stopSeconds: 0.1, startSeconds: 0.1, transferSeconds: 0.3 },
  example = 'examples/prod-web-app.yaml',
): Promise<Lab> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drctl-life-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const specPath = path.join(dir, path.basename(example));
  const worldPath = path.join(dir, 'world.json');
  const statePath = path.join(dir, 'state.json');
  await writeFile(specPath, await readFile(path.resolve(repoRoot, example), 'utf8'));
  const load = async () => {
    const r = await loadSpec(specPath);
    if (!r.ok) throw new Error(`spec invalid: ${JSON.stringify(r.diagnostics)}`);
    return r.loaded;
  };
  await initWorld(worldPath, (await load()).spec, { settings });
  const open: Connections[] = [];
  t.teardown(async () => {
    for (const c of open) await c.close();
  });
  const l: Lab = {
    dir,
    specPath,
    worldPath,
    statePath,
    async edit(change) {
      let text = await readFile(specPath, 'utf8');
      if (change.activeSite) text = text.replace(/activeSite: site-[ab]/, `activeSite: ${change.activeSite}`);
      if (change.drill !== undefined) text = text.replace(/drill: (true|false)/, `drill: ${change.drill}`);
      if (change.mode) text = text.replace(/mode: (planned|unplanned)/, `mode: ${change.mode}`);
      await writeFile(specPath, text);
    },
    async apply(extra = {}) {
      const io = memoryIo();
      const r = await runApply(
        { file: specPath, autoApprove: true, mock: true, statePath, ...extra },
        {
          io,
          stdinIsTTY: false,
          prompt: async () => 'no',
          loadSpec,
          readFile: (f) => readFile(f, 'utf8'),
          connect: (ld) => connect(ld.spec, connectOpts(worldPath)),
          stateEnv: defaultStateEnv(),
          poll: { ...MOCK_POLL, intervalMs: 50 },
          sleep: abortableSleep,
        },
      ).catch((err: unknown): ApplyResult => {
        // What the CLI's wrap() does with a DrctlError: print it, exit with its code.
        if (!DrctlError.is(err)) throw err;
        io.error(`${err.message} [${err.code}]`);
        if (err.hint) io.info(`  ${err.hint}`);
        return { exitCode: err.exitCode, outcomes: [], error: err } as ApplyResult;
      });
      return { ...r, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
    },
    async fault(f) {
      const w = await MockWorld.open(worldPath);
      addFault(w, f);
      await w.commit();
    },
    async clear(site) {
      const w = await MockWorld.open(worldPath);
      clearFaults(w, site);
      await w.commit();
    },
    async conns() {
      const c = await connect((await load()).spec, connectOpts(worldPath));
      open.push(c);
      return c;
    },
    async discover() {
      const ld = await load();
      const c = await connect(ld.spec, connectOpts(worldPath));
      try {
        return await discoverInventory(ld.spec, ld.digest, c, { now: () => new Date() });
      } finally {
        await c.close();
      }
    },
    async state() {
      const d = await new StateStore({ path: statePath, env: defaultStateEnv() }).load();
      if (!d) throw new Error('no state file');
      return d;
    },
    async lastOp(type) {
      const d = await l.state();
      const ops = d.operations.filter((o) => type === undefined || o.type === type);
      const op = ops[ops.length - 1];
      if (!op) throw new Error(`no ${type ?? ''} operation in the journal`);
      return op;
    },
    loaded: load,
  };
  return l;
}

export interface WorldCheck {
  /** Members with a production instance ACTIVE on both sites (invariant 1). */
  splitBrain: string[];
  /** Per site: production instances per member (> 1 = a duplicate). */
  duplicates: string[];
  /** Where each member runs ACTIVE. */
  activeOn: Record<string, string[]>;
  drill: { servers: number; volumes: number; arrayClones: number };
}

export function checkWorld(inv: Inventory, spec: LoadedSpec['spec']): WorldCheck {
  const g = inv.groups[GROUP]!;
  const splitBrain: string[] = [];
  const activeOn: Record<string, string[]> = {};
  for (const m of g.members) {
    const sites = Object.entries(m.instances)
      .filter(([, s]) => s && s.status === 'ACTIVE' && (s.metadata[TAG.role] ?? 'production') === 'production')
      .map(([site]) => site);
    activeOn[m.server] = sites;
    if (sites.length > 1) splitBrain.push(m.server);
  }
  void spec;
  return {
    splitBrain,
    duplicates: [],
    activeOn,
    drill: {
      servers: Object.values(g.drillInstances).reduce((n, x) => n + x.length, 0),
      volumes: Object.values(g.drillVolumes).reduce((n, x) => n + x.length, 0),
      arrayClones: Object.values(g.storage.perSite).reduce((n, x) => n + x.drillVolumes.length, 0),
    },
  };
}

/** Production servers and volumes drctl tagged, per site per member (for "nothing created twice"). */
export async function taggedCounts(c: Connections): Promise<Record<string, { servers: Record<string, number>; volumes: Record<string, number> }>> {
  const out: Record<string, { servers: Record<string, number>; volumes: Record<string, number> }> = {};
  for (const [name, s] of Object.entries(c.sites)) {
    const servers = await s.os.nova.listServers({ detail: true }).catch(() => []);
    const volumes = await s.os.cinder.listVolumes({ detail: true }).catch(() => []);
    const count = (xs: Array<{ metadata: Record<string, string> }>) => {
      const r: Record<string, number> = {};
      for (const x of xs) {
        if (x.metadata[TAG.group] !== GROUP || (x.metadata[TAG.role] ?? 'production') !== 'production') continue;
        const k = x.metadata[TAG.member] ?? '?';
        r[k] = (r[k] ?? 0) + 1;
      }
      return r;
    };
    out[name] = { servers: count(servers), volumes: count(volumes) };
  }
  return out;
}
