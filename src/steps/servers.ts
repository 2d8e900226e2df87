/** Server steps: capture metadata, stop/start, wait, tag/untag, create (boot from volume), delete. */
import type { Compensation, StepContext } from '../apply/executor.js';
import type { CapturedMember, PlanStep } from '../plan/types.js';
import { TAG } from '../discovery/types.js';
import { DrctlError } from '../errors.js';
import type { SiteConnection } from '../providers/connect.js';
import type { BootFromVolumeRequest, Server } from '../providers/openstack/nova.js';
import type { Volume } from '../providers/openstack/cinder.js';
import { OS_CODES } from '../providers/openstack/errors.js';
import type { StepResult } from '../state/types.js';
import { StepCode } from './codes.js';
import { site, waitFor, type StepDeps } from './deps.js';
import { allSettled, coalesceDelay, FreshLists, RunCache, type FreshList } from './shared.js';
import { DRCTL_TAG_KEYS, depOutput, filterTagged, optStr, params, record, str, strList, tagSet, taggedServers, taggedVolumes, volumeParams } from './util.js';

/** The boot request server.create sent, kept in its result so a resume can boot the same instance again. */
type BootRecord = Omit<BootFromVolumeRequest, 'deleteOnTermination' | 'availabilityZone'> & { metadata: Record<string, string> };

const gone = (s: Server | undefined) => s === undefined || s.status === 'DELETED' || s.status === 'SOFT_DELETED';

async function getServer(c: SiteConnection, id: string): Promise<Server | undefined> {
  const s = await c.os.nova.getServer(id);
  return gone(s) ? undefined : s;
}

/** The server a step is about: by id, else the member's tagged production server, else by name. */
async function findMemberServer(c: SiteConnection, group: string, p: Record<string, unknown>): Promise<Server | undefined> {
  const id = optStr(p, 'serverId');
  if (id) {
    const s = await getServer(c, id);
    if (s) return s;
  }
  const member = optStr(p, 'member');
  if (member) {
    const tagged = await taggedServers(c, group, { member, role: 'production' });
    if (tagged.length) return tagged.find((s) => s.status === 'ACTIVE') ?? tagged[0];
  }
  const name = optStr(p, 'serverName');
  if (name) {
    const all = await c.os.nova.listServers({ detail: true });
    return all.find((s) => s.name === name && !gone(s));
  }
  return undefined;
}

/** Nova's reason for an ERROR server (Server.fault, e.g. "No valid host was found. …"), as a sentence. */
function faultText(s: Server): string {
  const m = s.fault?.message?.trim();
  if (!m) return '';
  return `: Nova says "${m}"${s.fault?.code ? ` (fault ${s.fault.code})` : ''}.`;
}

/**
 * A server in ERROR. `opId`: the operation waiting for it; when that operation created the server, the
 * next drctl apply replaces it (server.wait-active deletes it and boots it again from the same volumes).
 */
function serverError(s: Server, c: SiteConnection, opId?: string): DrctlError {
  const ours = opId !== undefined && s.metadata[TAG.op] === opId;
  return new DrctlError(StepCode.resourceError, `Server ${s.name} (${s.id}) on ${c.name} is in ERROR${faultText(s) || '.'}`, {
    hint: ours
      ? `drctl created it in this operation. Fix the cause on ${c.name} (openstack server show ${s.id}; e.g. free capacity for "No valid host"), then run drctl apply again: it deletes this instance and boots ${s.name} again from the same volumes (its data is on the volumes, not the instance).`
      : `Inspect it (openstack server show ${s.id}); delete it by hand if it cannot recover, then run drctl apply again.`,
  });
}

/** Stop; a 409 because it is already stopping/stopped is fine. Returns whether it was running. */
async function stopIfRunning(c: SiteConnection, s: Server): Promise<boolean> {
  if (s.status === 'SHUTOFF') return false;
  try {
    await c.os.nova.stopServer(s.id);
  } catch (err) {
    if (!(DrctlError.is(err) && err.code === OS_CODES.conflict)) throw err;
    const again = await getServer(c, s.id);
    if (!again || again.status === 'SHUTOFF' || again.taskState === 'powering-off') return true;
    throw err;
  }
  return true;
}

async function startIfStopped(c: SiteConnection, s: Server): Promise<boolean> {
  if (s.status !== 'SHUTOFF') return false;
  try {
    await c.os.nova.startServer(s.id);
  } catch (err) {
    if (!(DrctlError.is(err) && err.code === OS_CODES.conflict)) throw err;
    const again = await getServer(c, s.id);
    if (again && (again.status === 'ACTIVE' || again.taskState === 'powering-on')) return true;
    throw err;
  }
  return true;
}

/**
 * Waits until every id has the status: one listing per poll, whatever the number of servers, shared
 * with the other steps waiting on the same site (a listing that began after this wait began, then
 * after the one seen last).
 */
async function waitStatus(
  deps: StepDeps,
  c: SiteConnection,
  ids: string[],
  want: 'ACTIVE' | 'SHUTOFF',
  what: string,
  signal: AbortSignal,
  servers: FreshList<Server[]>,
  opId?: string,
): Promise<void> {
  if (!ids.length) return;
  let after = servers.mark();
  await waitFor(
    deps,
    what,
    async () => {
      const listing = await servers.get(after);
      after = listing.seq;
      const byId = new Map(listing.value.map((s) => [s.id, s]));
      for (const id of ids) {
        const s = byId.get(id);
        if (!s || gone(s)) throw new DrctlError(StepCode.notFound, `Server ${id} disappeared from ${c.name} while drctl waited for it to be ${want}.`, { hint: 'See drctl status; run drctl apply again.' });
        if (s.status === 'ERROR') throw serverError(s, c, opId);
        if (s.status !== want || (s.taskState ?? null) !== null) return undefined;
      }
      return true;
    },
    { timeoutMs: deps.poll.serverTimeoutMs, signal, hint: `Check the servers on ${c.name} (openstack server list); drctl apply resumes and waits again.` },
  );
}

export function serverSteps(deps: StepDeps) {
  const coalesce = coalesceDelay(deps);
  /** Per run: every server of a site, shared by concurrent waits and creates (see FreshList). */
  const serverLists = new FreshLists<Server[]>((name) => deps.conns.sites[name]!.os.nova.listServers({ detail: true }), coalesce);
  const listsOf = (c: SiteConnection) => serverLists.of(c.name);
  /** Per run: every volume of a site (detail), shared the same way (capture-metadata). */
  const volumeLists = new FreshLists<Volume[]>((name) => deps.conns.sites[name]!.os.cinder.listVolumes({ detail: true }), coalesce);
  const volumeListsOf = (c: SiteConnection) => volumeLists.of(c.name);
  /** Per run: what server.create looks names up in (they do not change during an apply; a miss looks again). */
  const sc = (name: string) => deps.conns.sites[name]!;
  const lookups = {
    flavors: new RunCache((name) => sc(name).os.nova.listFlavors()),
    nets: new RunCache((name) => sc(name).os.neutron.listNetworks()),
    secgroups: new RunCache((name) => sc(name).os.neutron.listSecurityGroups()),
    keypairs: new RunCache((name) => sc(name).os.nova.listKeypairs()),
  };
  const captureMetadata = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    // A failover captures every member at once: read them from listings of the site shared by the
    // concurrent captures (begun after this step did), not one GET per server and per volume.
    const id = optStr(p, 'serverId');
    const [servers, volumes] = await Promise.all([listsOf(c).get(listsOf(c).mark()), volumeListsOf(c).get(volumeListsOf(c).mark())]);
    const s = (id ? servers.value.find((x) => x.id === id && !gone(x)) : undefined) ?? (await findMemberServer(c, ctx.group, p));
    if (!s) throw new DrctlError(StepCode.notFound, `Member ${String(p.member)} (${String(p.serverName ?? p.serverId)}) not found on ${c.name}.`, { hint: 'Run drctl plan again (the member may have been deleted or renamed).' });
    const byId = new Map(volumes.value.map((v) => [v.id, v]));
    const vols = await Promise.all(s.volumesAttached.map(async (v) => byId.get(v.id) ?? c.os.cinder.getVolume(v.id)));
    const captured: CapturedMember = {
      server: s.name,
      tier: step.tier ?? Number(s.metadata[TAG.tier] ?? 0),
      site: c.name,
      serverId: s.id,
      flavorName: s.flavor.name ?? s.flavor.id ?? '',
      networks: Object.keys(s.addresses),
      securityGroups: [...new Set(s.securityGroups)],
      ...(s.keyName ? { keyName: s.keyName } : {}),
      volumes: vols
        .filter((v): v is NonNullable<typeof v> => v !== undefined)
        .map((v) => ({ id: v.id, name: v.name, size: v.size, volumeType: v.volumeType ?? '', bootable: v.bootable })),
      capturedAt: new Date(deps.now()).toISOString(),
    };
    return { found: { server: s.id }, outputs: { captured } };
  };

  const stop = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const s = await findMemberServer(c, ctx.group, params(step));
    if (!s) throw new DrctlError(StepCode.notFound, `Server ${String(params(step).serverName)} not found on ${c.name}.`, { hint: 'Run drctl plan again.' });
    if (s.status === 'ERROR') throw serverError(s, c);
    // A re-run (attempt > 1) finds it SHUTOFF: it was running when attempt 1 started (the plan saw it so).
    const was = await stopIfRunning(c, s);
    return { found: { server: s.id }, outputs: { serverId: s.id, wasActive: was || ctx.attempt > 1 } };
  };

  /** Undo of server.stop: start it again (and wait until it is ACTIVE), unless it was already off. */
  const stopUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    if (ctx.result?.outputs?.wasActive === false) return;
    const s = await findMemberServer(c, ctx.group, { ...params(step), serverId: ctx.result?.outputs?.serverId ?? params(step).serverId });
    if (!s) return;
    if (s.status === 'SHUTOFF' || s.taskState === 'powering-off') {
      if (s.taskState === 'powering-off') await waitStatus(deps, c, [s.id], 'SHUTOFF', `${s.name} to finish stopping on ${c.name}`, ctx.signal, listsOf(c));
      await startIfStopped(c, (await getServer(c, s.id)) ?? s);
    }
    await waitStatus(deps, c, [s.id], 'ACTIVE', `${s.name} to be ACTIVE again on ${c.name}`, ctx.signal, listsOf(c));
  };

  const memberIds = async (step: PlanStep, ctx: StepContext, c: SiteConnection, replaced: Record<string, string> = {}): Promise<string[]> => {
    const p = params(step);
    const list = Array.isArray(p.members) ? (p.members as Array<Record<string, unknown>>) : [];
    // The members' servers, looked up together (one round trip, not one per member).
    const found = await allSettled(
      list.map(async (m) => {
        const fromDep = replaced[String(m.member)] ?? step.dependsOn.map((d) => ctx.resultOf(d)?.outputs).find((o) => o && o.member === m.member)?.serverId;
        const id = typeof fromDep === 'string' ? fromDep : undefined;
        return { m, s: id ? await getServer(c, id) : await findMemberServer(c, ctx.group, { member: m.member, serverId: m.serverId, serverName: m.name }) };
      }),
    );
    const ids: string[] = [];
    for (const { m, s } of found) {
      if (s) ids.push(s.id);
      else if (step.name === 'server.wait-active') throw new DrctlError(StepCode.notFound, `No server for member ${String(m.member)} on ${c.name}.`, { hint: 'Run drctl apply again: server.create makes it.' });
    }
    return ids;
  };

  const waitStopped = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const ids = await memberIds(step, ctx, c);
    await waitStatus(deps, c, ids, 'SHUTOFF', `tier ${step.tier ?? '?'} to be SHUTOFF on ${c.name}`, ctx.signal, listsOf(c));
    return { found: { servers: ids } };
  };

  /**
   * A resumed wait (attempt > 1) first replaces the members' instances that this operation created and
   * that went ERROR (NoValidHost, a failed boot) or were deleted by hand since: the ERROR instance is
   * deleted, its volumes become available again, and the same boot request (recorded by server.create)
   * is sent again. server.create is done in the journal and is not re-run, so without this a resume
   * could never finish. Instances drctl reused (a standby it started) are never deleted here.
   */
  const replaceBroken = async (step: PlanStep, ctx: StepContext, c: SiteConnection): Promise<Record<string, string>> => {
    const p = params(step);
    const list = Array.isArray(p.members) ? (p.members as Array<Record<string, unknown>>) : [];
    const replaced: Record<string, string> = {};
    for (const m of list) {
      const member = String(m.member);
      const out = step.dependsOn.map((d) => ctx.resultOf(d)?.outputs).find((o) => o && o.member === member);
      if (!out || typeof out.serverId !== 'string') continue;
      const s = await getServer(c, out.serverId);
      if (s && s.status !== 'ERROR') continue;
      const boot = out.boot as BootRecord | undefined;
      if (s && s.metadata[TAG.op] !== ctx.opId) throw serverError(s, c, ctx.opId);
      if (!boot || typeof boot.flavorRef !== 'string' || typeof boot.bootVolumeId !== 'string') {
        throw new DrctlError(StepCode.notFound, `The instance of member ${member} on ${c.name} (${out.serverId}) is ${s ? 'in ERROR' : 'gone'}, and drctl did not create it in this operation, so it cannot boot it again.`, {
          hint: `Start or restore ${String(m.name ?? member)} on ${c.name} by hand (or re-plan after it is back), then run drctl apply again.`,
        });
      }
      // An instance an interrupted earlier replacement already booted (crash after the POST) is adopted.
      const again = (await taggedServers(c, ctx.group, { member, role: boot.metadata[TAG.role] === 'drill' ? 'drill' : 'production' })).find(
        (x) => x.id !== out.serverId && x.metadata[TAG.op] === ctx.opId && x.status !== 'ERROR' && !gone(x),
      );
      if (again) {
        replaced[member] = again.id;
        continue;
      }
      if (s) {
        deps.log.warn(`${s.name} (${s.id}) on ${c.name} is in ERROR${faultText(s) || '.'} Deleting it and booting ${s.name} again from the same volumes.`);
        await deleteAndWait(c, s.id, ctx.signal);
      }
      const vols = [boot.bootVolumeId, ...(Array.isArray(boot.dataVolumeIds) ? boot.dataVolumeIds.filter((v) => typeof v === 'string') : [])];
      await waitFor(
        deps,
        `the volumes of ${boot.name} to be detached on ${c.name}`,
        async () => {
          const got = await Promise.all(vols.map((v) => c.os.cinder.getVolume(v)));
          const missing = vols.filter((_, i) => !got[i]);
          if (missing.length) throw new DrctlError(StepCode.notFound, `Volume(s) ${missing.join(', ')} of ${boot.name} are gone from ${c.name}: nothing to boot it from.`, { hint: 'See drctl status; the operation cannot finish without them.' });
          return got.every((v) => v!.status === 'available') ? true : undefined;
        },
        { timeoutMs: deps.poll.volumeTimeoutMs, signal: ctx.signal, hint: `Check the volumes on ${c.name} (openstack volume list); drctl apply resumes and waits again.` },
      );
      const made = await c.os.nova.createServer({ ...boot, dataVolumeIds: vols.slice(1), deleteOnTermination: false });
      deps.log.info(`${boot.name} booted again on ${c.name} as ${made.id} (replacing ${out.serverId})`);
      replaced[member] = made.id;
    }
    return replaced;
  };

  const waitActive = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const replaced = ctx.attempt > 1 ? await replaceBroken(step, ctx, c) : {};
    const ids = await memberIds(step, ctx, c, replaced);
    await waitStatus(deps, c, ids, 'ACTIVE', `tier ${step.tier ?? '?'} to be ACTIVE on ${c.name}`, ctx.signal, listsOf(c), ctx.opId);
    const n = Object.keys(replaced).length;
    return {
      found: { servers: ids },
      ...(n ? { created: { servers: Object.values(replaced) }, outputs: { replaced } } : {}),
    };
  };

  const tag = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const member = str(p, 'member', step);
    const s = await findMemberServer(c, ctx.group, p);
    if (!s) throw new DrctlError(StepCode.notFound, `Member ${member} not found on ${c.name}.`, { hint: 'Run drctl plan again.' });
    const tags = tagSet(p, ctx.group, ctx.opId, member, 'production');
    await c.os.nova.updateMetadata(s.id, tags);
    const volumeIds = strList(p, 'volumeIds');
    for (const v of volumeIds) await c.os.cinder.updateVolumeMetadata(v, { ...tags, [TAG.role]: 'production' });
    return { found: { server: s.id, volumes: volumeIds } };
  };

  const untagIds = async (c: SiteConnection, serverId: string | undefined, volumeIds: string[]) => {
    if (serverId && (await getServer(c, serverId))) for (const k of DRCTL_TAG_KEYS) await c.os.nova.deleteMetadataItem(serverId, k);
    for (const v of volumeIds) {
      if (!(await c.os.cinder.getVolume(v))) continue;
      for (const k of DRCTL_TAG_KEYS) await c.os.cinder.deleteVolumeMetadataItem(v, k);
    }
  };

  const untag = async (step: PlanStep): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    await untagIds(c, optStr(p, 'serverId'), strList(p, 'volumeIds'));
    return { found: { server: optStr(p, 'serverId') ?? '', volumes: strList(p, 'volumeIds') } };
  };

  /** Undo of server.tag (protect rolled back): the server and volumes lose drctl's tags again. */
  const tagUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const sid = (ctx.result?.found?.server as string | undefined) ?? optStr(p, 'serverId');
    await untagIds(c, sid, strList(p, 'volumeIds'));
  };

  const create = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const member = str(p, 'member', step);
    const name = str(p, 'name', step);
    const tags = tagSet(p, ctx.group, ctx.opId, member, 'production');
    const role = tags[TAG.role] === 'drill' ? 'drill' : 'production';
    // 1. An instance of this member already on the site (an earlier attempt, or a standby kept SHUTOFF),
    //    from a listing of the site that began after this step did (shared with concurrent steps).
    const listing = await listsOf(c).get(listsOf(c).mark());
    const existing = filterTagged(listing.value, ctx.group, { member, role }).sort((a, b) => Number(b.status === 'ACTIVE') - Number(a.status === 'ACTIVE'));
    if (existing.length) {
      const s = existing[0]!;
      const warnings = existing.length > 1 ? [`${existing.length} ${role} instances of ${member} on ${c.name} (${existing.map((x) => x.id).join(', ')}); using ${s.id}`] : [];
      if (s.status === 'ERROR') throw serverError(s, c);
      const started = await startIfStopped(c, s);
      const mine = s.metadata[TAG.op] === ctx.opId;
      return {
        ...(mine ? { created: { server: s.id } } : { found: { server: s.id } }),
        outputs: { member, serverId: s.id, name: s.name, reused: !mine, started },
        ...(warnings.length ? { warnings } : {}),
      };
    }
    // 2. Its volumes: what volume.import handed back, else found by drctl's tags.
    const vols = volumeParams(p);
    type Imp = { sourceVolumeId: string; volumeId: string; bootable?: boolean };
    let imported = depOutput<Imp[]>(step, ctx, 'imported');
    if (!imported?.length) {
      const found = await taggedVolumes(c, { [TAG.group]: ctx.group, [TAG.member]: member, [TAG.role]: role, [TAG.op]: tags[TAG.op]! });
      imported = found.map((v) => ({ sourceVolumeId: v.metadata[TAG.sourceVolume] ?? '', volumeId: v.id, bootable: v.bootable }));
    }
    if (!imported.length) throw new DrctlError(StepCode.notFound, `No imported volumes for ${member} on ${c.name}: nothing to boot ${name} from.`, { hint: 'Run drctl apply again (volume.import makes them).' });
    const order = vols.length ? vols.map((v) => imported!.find((i) => i.sourceVolumeId === v.sourceVolumeId)).filter((x): x is Imp => Boolean(x)) : imported;
    const rest = imported.filter((i) => !order.includes(i));
    const all = [...order, ...rest];
    const bootSrc = optStr(p, 'bootVolume') ?? vols.find((v) => v.bootable)?.sourceVolumeId;
    const boot = all.find((i) => i.sourceVolumeId === bootSrc) ?? all.find((i) => i.bootable) ?? all[0]!;
    const data = all.filter((i) => i !== boot).map((i) => i.volumeId);
    // 3. Flavor, networks, security groups and key pair by name on this site.
    const flavorName = str(p, 'flavor', step);
    const networks = strList(p, 'networks');
    const sgs = strList(p, 'securityGroups');
    const keyName = optStr(p, 'keyName');
    const look = async (fresh: boolean) => {
      const get = <T>(cache: RunCache<T>) => (fresh ? cache.refresh(c.name) : cache.get(c.name));
      const [flavors, nets, secgroups, keypairs] = await Promise.all([
        get(lookups.flavors),
        networks.length ? get(lookups.nets) : Promise.resolve([]),
        sgs.length ? get(lookups.secgroups) : Promise.resolve([]),
        keyName ? get(lookups.keypairs) : Promise.resolve([]),
      ]);
      return { flavors, nets, secgroups, keypairs };
    };
    const resolve = (l: Awaited<ReturnType<typeof look>>) => {
      const missing: string[] = [];
      const flavor = l.flavors.find((f) => f.name === flavorName) ?? l.flavors.find((f) => f.id === flavorName);
      if (!flavor) missing.push(`flavor ${flavorName}`);
      const netIds = networks.map((n) => {
        const hit = l.nets.find((x) => x.name === n) ?? l.nets.find((x) => x.id === n);
        if (!hit) missing.push(`network ${n}`);
        return hit?.id ?? '';
      });
      for (const g of sgs) if (!l.secgroups.some((x) => x.name === g || x.id === g)) missing.push(`security group ${g}`);
      if (keyName && !l.keypairs.some((k) => k.name === keyName)) missing.push(`key pair ${keyName}`);
      return { flavor, netIds, missing };
    };
    // Looked up once per run and site; a miss is confirmed with a fresh look before it fails the step.
    let r = resolve(await look(false));
    if (r.missing.length) r = resolve(await look(true));
    const { flavor, netIds, missing } = r;
    if (missing.length) {
      throw new DrctlError(StepCode.targetResourceMissing, `Cannot create ${name} on ${c.name}: ${missing.join(', ')} not found on ${c.name}.`, {
        hint: `Create ${missing.length > 1 ? 'them' : 'it'} on ${c.name} (openstack flavor list / network list), or fix mappings in the spec and re-plan; drctl apply resumes from here.`,
      });
    }
    // 4. Boot from the imported boot volume; drctl's tags go into the server metadata.
    const bootVol = await c.os.cinder.getVolume(boot.volumeId);
    if (bootVol && !bootVol.bootable) await c.os.cinder.setBootable(bootVol.id, true);
    const request: BootRecord = {
      name,
      flavorRef: flavor!.id,
      bootVolumeId: boot.volumeId,
      // Copies: the journal's scrubber writes a value met twice in one result as "[circular]".
      dataVolumeIds: [...data],
      networks: netIds.length ? netIds.map((uuid) => ({ uuid })) : 'none',
      ...(sgs.length ? { securityGroups: [...sgs] } : {}),
      ...(keyName ? { keyName } : {}),
      metadata: { ...tags },
    };
    const made = await c.os.nova.createServer({ ...request, deleteOnTermination: false });
    return {
      created: { server: made.id },
      outputs: {
        member,
        serverId: made.id,
        name,
        bootVolume: boot.volumeId,
        dataVolumes: data,
        // What server.wait-active sends again if this instance goes ERROR (resume after NoValidHost).
        boot: request,
        ...(role === 'production' ? { captured: capturedOf(step, c, made.id, [boot, ...all.filter((i) => i !== boot)]) } : {}),
      },
    };
  };

  /**
   * What the instance now is on this site, in the shape of server.capture-metadata's output, so that an
   * unplanned failover away from this site later knows the member's flavor, networks and volumes here.
   */
  const capturedOf = (step: PlanStep, c: SiteConnection, serverId: string, vols: Array<{ sourceVolumeId: string; volumeId: string; bootable?: boolean }>): CapturedMember => {
    const p = params(step);
    const byId = new Map(volumeParams(p).map((v) => [v.sourceVolumeId, v]));
    const keyName = optStr(p, 'keyName');
    return {
      server: str(p, 'name', step),
      tier: step.tier ?? Number(p.tier ?? 0),
      site: c.name,
      serverId,
      flavorName: str(p, 'flavor', step),
      networks: strList(p, 'networks'),
      securityGroups: strList(p, 'securityGroups'),
      ...(keyName ? { keyName } : {}),
      volumes: vols.map((i, n) => {
        const v = byId.get(i.sourceVolumeId);
        return { id: i.volumeId, name: v?.name ?? '', size: v?.size ?? 0, volumeType: v?.volumeType ?? '', bootable: n === 0 || (v?.bootable ?? false) };
      }),
      capturedAt: new Date(deps.now()).toISOString(),
    };
  };

  /** Undo of server.create: delete only what this operation created (never a reused instance). */
  const createUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const member = str(p, 'member', step);
    const tags = record(p, 'tags');
    const role = tags[TAG.role] === 'drill' ? 'drill' : 'production';
    const ids = new Set<string>();
    const created = ctx.result?.created?.server;
    if (typeof created === 'string') ids.add(created);
    if (!ctx.result) for (const s of await taggedServers(c, ctx.group, { member, role })) if (s.metadata[TAG.op] === ctx.opId) ids.add(s.id);
    for (const id of ids) await deleteAndWait(c, id, ctx.signal);
  };

  const deleteAndWait = async (c: SiteConnection, id: string, signal: AbortSignal) => {
    await c.os.nova.deleteServer(id);
    await waitFor(deps, `server ${id} to be deleted on ${c.name}`, async () => ((await getServer(c, id)) ? undefined : true), { timeoutMs: deps.poll.serverTimeoutMs, signal });
  };

  const del = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const s = await findMemberServer(c, ctx.group, optStr(p, 'role') === 'drill' ? { serverId: p.serverId } : p);
    if (!s) return { found: { deleted: optStr(p, 'serverId') ?? '' }, outputs: { alreadyGone: true } };
    const role = optStr(p, 'role') === 'drill' ? 'drill' : 'production';
    if (role === 'drill' && s.metadata[TAG.role] !== 'drill') {
      throw new DrctlError(StepCode.unsafe, `Refusing to delete ${s.name} (${s.id}) on ${c.name}: it is not tagged drctl.role=drill.`, { hint: 'drill-cleanup only deletes what a drill made; check the server and re-plan.' });
    }
    if (s.volumesAttached.some((v) => v.deleteOnTermination === true)) {
      throw new DrctlError(StepCode.unsafe, `Refusing to delete ${s.name} (${s.id}) on ${c.name}: Nova would delete its volumes with it (delete_on_termination).`, {
        hint: 'Its volumes hold replicated data; detach them or delete the server by hand, then run drctl apply again.',
      });
    }
    if (role === 'production' && s.status !== 'SHUTOFF') {
      // Retiring a stale/stopped source: make sure it is off before it goes.
      if (await stopIfRunning(c, s)) await waitStatus(deps, c, [s.id], 'SHUTOFF', `${s.name} to stop on ${c.name}`, ctx.signal, listsOf(c));
    }
    await deleteAndWait(c, s.id, ctx.signal);
    return { outputs: { deleted: s.id, name: s.name, volumes: s.volumesAttached.map((v) => v.id) } };
  };

  const start = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const s = await findMemberServer(c, ctx.group, params(step));
    if (!s) throw new DrctlError(StepCode.notFound, `Server ${String(params(step).serverName ?? params(step).member)} not found on ${c.name}.`, { hint: 'Run drctl plan again.' });
    if (s.status === 'ERROR') throw serverError(s, c);
    const started = await startIfStopped(c, s);
    await waitStatus(deps, c, [s.id], 'ACTIVE', `${s.name} to be ACTIVE on ${c.name}`, ctx.signal, listsOf(c));
    return { found: { server: s.id }, outputs: { started } };
  };

  return {
    registry: {
      'server.capture-metadata': captureMetadata,
      'server.stop': stop,
      'server.wait-stopped': waitStopped,
      'server.wait-active': waitActive,
      'server.tag': tag,
      'server.untag': untag,
      'server.create': create,
      'server.delete': del,
      'server.start': start,
    },
    compensations: {
      'server.stop': stopUndo,
      'server.tag': tagUndo,
      'server.create': createUndo,
    },
  };
}
