/**
 * Ceph RBD-mirroring provider: the command runner, the rbd CLI wrapper, the parsers and the
 * StorageDriver implementation, plus the glue that builds a driver from a site's spec settings.
 */
import type { CephStorageSpec } from '../../../spec/types.js';
import { CephDriver, type CephDriverOptions } from './driver.js';
import type { TimeZoneSpec } from './parse.js';
import { connectionFromSpec, RbdCli } from './rbd.js';
import { LocalCommandRunner, type CommandRunner } from './runner.js';

export * from './driver.js';
export * from './errors.js';
export * from './parse.js';
export * from './rbd.js';
export * from './runner.js';
export * from './state.js';

export interface CephSiteOptions extends Omit<CephDriverOptions, 'site' | 'rbd'> {
  env: NodeJS.ProcessEnv;
  /** Default: a LocalCommandRunner (this host's `rbd`). */
  runner?: CommandRunner;
  rbdPath?: string;
  timeZone?: TimeZoneSpec;
  connectTimeoutSeconds?: number;
  opTimeoutSeconds?: number;
  commandTimeoutMs?: number;
}

/** A CephDriver for one site from its `storage: { driver: ceph, ... }` settings. */
export function createCephDriver(site: string, spec: CephStorageSpec, opts: CephSiteOptions): CephDriver {
  const { env, runner, rbdPath, timeZone, connectTimeoutSeconds, opTimeoutSeconds, commandTimeoutMs, ...driverOpts } = opts;
  const rbd = new RbdCli({
    site,
    connection: connectionFromSpec(spec, env, site),
    runner: runner ?? new LocalCommandRunner(),
    ...(rbdPath ? { rbdPath } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    ...(connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds } : {}),
    ...(opTimeoutSeconds !== undefined ? { opTimeoutSeconds } : {}),
    ...(commandTimeoutMs !== undefined ? { commandTimeoutMs } : {}),
  });
  return new CephDriver({ site, rbd, pool: spec.pool, ...driverOpts });
}
