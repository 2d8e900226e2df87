/**
 * drctl's REAL clients pointed at the lab: loadClouds on the lab's clouds.yaml, createOpenStackClients,
 * plus the few raw-HTTP admin chores the tests need (role assignment, leftover sweep).
 */
import { tmpdir } from 'node:os';
import { createHttpClient, type HttpClient, type HttpRequest } from '../../src/providers/http.js';
import { createOpenStackClients, type OpenStackClients } from '../../src/providers/openstack/index.js';
import { loadClouds, selectCloud, type CloudConfig } from '../../src/providers/openstack/clouds.js';
import { SecretRegistry } from '../../src/providers/redact.js';
import { IT_PREFIX, labEnv, waitUntil, type Lab } from './lab.js';

/** Generous: the lab shares 2 cores with everything else (REPORT.md; calls of 10-30 s were seen under load). */
export const LAB_HTTP = { timeoutMs: 120_000, maxTotalMs: 300_000, maxAttempts: 4, baseDelayMs: 1000 };

export async function labClouds(lab: Lab): Promise<Record<string, CloudConfig>> {
  const secrets = new SecretRegistry();
  return loadClouds({ env: labEnv(lab), cwd: tmpdir(), home: tmpdir(), secrets });
}

export function cloud(clouds: Record<string, CloudConfig>, name: string): CloudConfig {
  return selectCloud(clouds, name, {});
}

/** An HttpClient that remembers the X-Auth-Token of every request (to revoke the session's token). */
export function recordingHttp(inner: HttpClient): HttpClient & { tokensSeen: Set<string> } {
  const tokensSeen = new Set<string>();
  return {
    tokensSeen,
    async request(req: HttpRequest) {
      const t = req.headers?.['X-Auth-Token'] ?? req.headers?.['x-auth-token'];
      if (t) tokensSeen.add(t);
      return inner.request(req);
    },
  };
}

export function clientsFor(site: string, c: CloudConfig, opts: { http?: HttpClient; secrets?: SecretRegistry } = {}): OpenStackClients {
  return createOpenStackClients({
    site,
    cloud: c,
    secrets: opts.secrets ?? new SecretRegistry(),
    ...(opts.http ? { http: opts.http } : {}),
    httpOptions: LAB_HTTP,
    logger: { warn: () => undefined },
  });
}

export function plainHttp(site: string, secrets = new SecretRegistry()): HttpClient {
  return createHttpClient({ site, secrets, ...LAB_HTTP, logger: { warn: () => undefined } });
}

/**
 * The admin entry drctl needs for volume manage: the lab's `<site>-admin` user, but scoped to the
 * member's project. (A volume managed with a token of project `admin` lands in project `admin`,
 * invisible to the member: test/fixtures/real/INDEX.md, point 3.) Gives the admin user the admin role
 * on that project first — idempotent, as an operator would once per project.
 */
export async function projectAdminCloud(clouds: Record<string, CloudConfig>, site: string): Promise<CloudConfig> {
  const admin = cloud(clouds, `${site}-admin`);
  const member = cloud(clouds, site);
  const a = clientsFor(site, admin);
  const tok = await a.session.token();
  const m = clientsFor(site, member);
  const projectId = (await m.session.token()).project!.id;
  const ks = a.session.identityUrl();
  const roles = await a.session.request('identity', { method: 'GET', path: '/roles', query: { name: 'admin' } });
  const roleId = (roles.json as { roles: { id: string }[] }).roles[0]!.id;
  const put = await a.session.request('identity', { method: 'PUT', path: `/projects/${projectId}/users/${tok.user.id}/roles/${roleId}` });
  if (put.status !== 204) throw new Error(`role assignment on ${ks}: HTTP ${put.status}`);
  return {
    ...admin,
    name: `${site}-admin-in-project`,
    auth: { ...admin.auth, projectName: undefined, projectDomainName: undefined, projectId },
  };
}

/**
 * Delete everything named `prefix`* in the member's project (servers first, then groups, volumes).
 * Each test file uses its own prefix (below IT_PREFIX): tap runs files in parallel.
 */
export async function sweep(site: string, prefix: string, m: OpenStackClients, admin?: OpenStackClients): Promise<string[]> {
  if (!prefix.startsWith(IT_PREFIX)) throw new Error(`sweep prefix ${prefix} must start with ${IT_PREFIX}`);
  const done: string[] = [];
  const servers = (await m.nova.listServers()).filter((s) => s.name.startsWith(prefix));
  for (const s of servers) {
    await m.nova.deleteServer(s.id);
    done.push(`server ${s.name}`);
  }
  for (const s of servers) {
    await waitUntil(`${site} server ${s.name} deleted`, () => m.nova.getServer(s.id), (x) => x === undefined);
  }
  for (const g of (await m.cinder.listGroups({ listVolume: true })).filter((g) => g.name.startsWith(prefix))) {
    if (g.volumes?.length) await m.cinder.removeVolumesFromGroup(g.id, g.volumes).catch(() => undefined);
    await waitUntil(`${site} group ${g.name} available`, () => m.cinder.getGroup(g.id), (x) => !x || x.status === 'available' || x.status === 'error');
    await m.cinder.deleteGroup(g.id, { deleteVolumes: false });
    await waitUntil(`${site} group ${g.name} deleted`, () => m.cinder.getGroup(g.id), (x) => x === undefined || x.status === 'error_deleting');
    done.push(`group ${g.name}`);
  }
  const vols = (await m.cinder.listVolumes()).filter((v) => v.name.startsWith(prefix));
  for (const v of vols) {
    await waitUntil(`${site} volume ${v.name} detached`, () => m.cinder.getVolume(v.id), (x) => !x || !['in-use', 'detaching', 'creating', 'attaching'].includes(x.status));
    await m.cinder.deleteVolume(v.id);
    done.push(`volume ${v.name}`);
  }
  // volumes managed into the admin project by an earlier (pre-scoping) run
  if (admin) {
    for (const v of (await admin.cinder.listVolumes()).filter((v) => v.name.startsWith(prefix))) {
      await admin.cinder.deleteVolume(v.id);
      done.push(`admin volume ${v.name}`);
    }
  }
  for (const v of vols) await waitUntil(`${site} volume ${v.name} deleted`, () => m.cinder.getVolume(v.id), (x) => x === undefined);
  return done;
}
