/**
 * Connects to both sites of a spec: OpenStack clients (member and, where given, admin cloud entries)
 * and one storage driver per array. Real mode reads clouds.yaml and secret references; mock mode
 * starts the embedded mock server in-process and points the very same clients at it.
 */
import { DrctlError } from '../errors.js';
import type { CephStorageSpec, DRSpec } from '../spec/types.js';
import type { HttpClientOptions, HttpLogger, RequestEvent } from '../providers/http.js';
import { createHttpClient } from './http.js';
import { createOpenStackClients, type OpenStackClients } from './openstack/index.js';
import { loadClouds, selectCloud, type CloudConfig } from './openstack/clouds.js';
import { SecretRegistry } from './redact.js';
import { resolveSecret } from './secrets.js';
import type { StorageDriver } from './storage/driver.js';
import { PureClient, PureDriver } from './storage/pure/index.js';
import { createCephDriver, type CommandRunner } from './storage/ceph/index.js';

export interface SiteConnection {
  name: string;
  /** Clients authenticated with the site's `cloud` entry (a project member is enough). */
  os: OpenStackClients;
  /** Clients for privileged calls (volume manage/unmanage): the `adminCloud` entry, else `os`. */
  admin: OpenStackClients;
  storage: StorageDriver;
}

export interface Connections {
  mode: 'real' | 'mock';
  sites: Record<string, SiteConnection>;
  /** HTTP requests sent per site per service (attempts, retries included). */
  requestCounts(): Record<string, Record<string, number>>;
  close(): Promise<void>;
}

export type CephDriverFactory = (site: string, storage: CephStorageSpec, peer: string) => StorageDriver;

export interface ConnectOptions {
  mock?: { worldPath: string };
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  readFile: (path: string) => Promise<string>;
  logger: HttpLogger;
  /** Overrides for the HTTP layer (tests; mock mode uses short backoffs). */
  httpOptions?: Partial<HttpClientOptions>;
  /** Builds the Ceph driver for a site (wired by the Ceph provider). */
  cephDriver?: CephDriverFactory;
}

/** In mock mode the sites are on loopback: retry quickly so an "unreachable" fault costs well under a second. */
const MOCK_HTTP: Partial<HttpClientOptions> = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200, maxTotalMs: 10_000, timeoutMs: 15_000 };

function counter() {
  const counts: Record<string, Record<string, number>> = {};
  const onRequest = (e: RequestEvent) => {
    const s = (counts[e.site] ??= {});
    s[e.service] = (s[e.service] ?? 0) + 1;
  };
  return { counts, onRequest };
}

export async function connect(spec: DRSpec, opts: ConnectOptions): Promise<Connections> {
  const closers: Array<() => Promise<void>> = [];
  try {
    return await open(spec, opts, closers);
  } catch (err) {
    // Never leave the in-process mock server (or anything else) listening: the CLI would hang.
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function open(spec: DRSpec, opts: ConnectOptions, closers: Array<() => Promise<void>>): Promise<Connections> {
  const secrets = new SecretRegistry();
  const { counts, onRequest } = counter();
  const siteNames = Object.keys(spec.sites);

  let clouds: Record<string, CloudConfig> = {};
  const storageAccess: Record<string, { endpoint: string; apiToken: string } | undefined> = {};
  let httpOptions = opts.httpOptions ?? {};
  const cloudFor = async (site: string, entry: string | undefined, admin: boolean): Promise<CloudConfig | undefined> => {
    if (opts.mock) return undefined;
    if (!entry) return undefined;
    return selectCloud(clouds, entry, opts.env);
  };

  let mockSites: Record<string, { cloud: CloudConfig; adminCloud: CloudConfig }> | undefined;
  const cephAccess: Record<string, { cluster: string; pool: string } | undefined> = {};
  let cephRunner: CommandRunner | undefined;
  if (opts.mock) {
    const { startMockServer } = await import('../mock/server.js');
    const handle = await startMockServer({ worldPath: opts.mock.worldPath });
    closers.push(() => handle.close());
    mockSites = {};
    for (const s of siteNames) {
      const access = handle.sites[s];
      if (!access) {
        throw new DrctlError('DRCTL_E5010', `The mock world has no site '${s}' (spec sites: ${siteNames.join(', ')}).`, {
          hint: 'Re-create the world for this spec: drctl mock init SPEC --force',
        });
      }
      mockSites[s] = { cloud: access.cloud as CloudConfig, adminCloud: access.adminCloud as CloudConfig };
      if (access.storage.driver === 'pure') storageAccess[s] = { endpoint: access.storage.endpoint, apiToken: access.storage.apiToken };
      else cephAccess[s] = { cluster: access.storage.cluster, pool: access.storage.pool };
    }
    if (Object.values(cephAccess).some(Boolean)) {
      const { createRbdCommandRunner } = await import('../mock/ceph.js');
      cephRunner = createRbdCommandRunner(handle.world);
    }
    httpOptions = { ...MOCK_HTTP, ...httpOptions };
  } else {
    clouds = await loadClouds({ env: opts.env, cwd: opts.cwd, home: opts.home, readFile: (p) => opts.readFile(p).catch(() => undefined) });
  }

  const sites: Record<string, SiteConnection> = {};
  const pureClients: Record<string, PureClient> = {};
  for (const name of siteNames) {
    const site = spec.sites[name];
    const cloud = mockSites ? mockSites[name].cloud : (await cloudFor(name, site.cloud, false))!;
    // Privileged calls (Cinder manage/unmanage) use an admin cloud only when the spec names one, in mock
    // mode as in real mode: without `adminCloud:` the member's cloud gets the mock's policy 403, as a
    // real Cinder answers. (In mock mode the entry's name does not matter: the mock's admin user serves it.)
    const adminCloud = mockSites ? (site.adminCloud ? mockSites[name].adminCloud : undefined) : await cloudFor(name, site.adminCloud, true);
    const mk = (c: CloudConfig) =>
      createOpenStackClients({ site: name, cloud: c, secrets, logger: opts.logger, onRequest, httpOptions });
    const os = mk(cloud);
    const admin = adminCloud ? mk(adminCloud) : os;
    if (site.storage.driver === 'pure') {
      const apiToken = storageAccess[name]?.apiToken ?? (await resolveSecret(site.storage.apiToken, `${name} array apiToken`, opts));
      secrets.add(apiToken);
      const endpoint = storageAccess[name]?.endpoint ?? site.storage.endpoint;
      if (site.storage.insecure && !opts.mock) opts.logger.warn(`${name}: TLS verification of the array ${endpoint} is disabled (storage.insecure: true).`);
      const http = createHttpClient({
        site: name,
        secrets,
        logger: opts.logger,
        onRequest,
        tls: opts.mock ? undefined : { caFile: site.storage.caFile, insecure: Boolean(site.storage.insecure) },
        ...httpOptions,
      });
      pureClients[name] = new PureClient({ endpoint, apiToken, http, site: name });
    }
    sites[name] = { name, os, admin, storage: undefined as unknown as StorageDriver };
  }
  for (const name of siteNames) {
    const site = spec.sites[name];
    const peer = siteNames.find((s) => s !== name)!;
    if (site.storage.driver === 'pure') {
      sites[name].storage = new PureDriver({ site: name, client: pureClients[name], peerClient: pureClients[peer] });
    } else if (opts.cephDriver) {
      sites[name].storage = opts.cephDriver(name, site.storage, peer);
    } else if (cephRunner) {
      // Mock mode: the mock's Ceph-like site answers the same rbd commands through the runner interface.
      const access = cephAccess[name];
      const storage = { ...site.storage, ...(access ? { cluster: access.cluster, pool: access.pool } : {}) };
      delete (storage as { conf?: string }).conf;
      sites[name].storage = createCephDriver(name, storage, { env: opts.env, runner: cephRunner, pollIntervalMs: 100 });
    } else {
      // Real clusters: a demotion replays and a promote settles in seconds; poll from 250 ms up to 2 s.
      sites[name].storage = createCephDriver(name, site.storage, { env: opts.env, firstPollIntervalMs: 250 });
    }
  }
  return {
    mode: opts.mock ? 'mock' : 'real',
    sites,
    requestCounts: () => JSON.parse(JSON.stringify(counts)) as Record<string, Record<string, number>>,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
