/**
 * Volume and consistency-group steps: import (Cinder manage, admin), unmanage, delete (drills),
 * the drctl-<group> generic group, and the group record kept in its description.
 */
import type { Compensation, StepContext } from '../apply/executor.js';
import { consistencyGroupName, encodeGroupRecord, decodeGroupRecord } from '../discovery/index.js';
import { TAG, type GroupRecord } from '../discovery/types.js';
import { DrctlError } from '../errors.js';
import type { PlanStep } from '../plan/types.js';
import type { SiteConnection } from '../providers/connect.js';
import type { CinderService, Group, Volume } from '../providers/openstack/cinder.js';
import { OS_CODES } from '../providers/openstack/errors.js';
import type { StepResult } from '../state/types.js';
import { StepCode } from './codes.js';
import { groupSpec, site, waitFor, type StepDeps } from './deps.js';
import { allSettled, coalesceDelay, FreshLists } from './shared.js';
import { depOutput, drillTag, optStr, params, str, strList, tagSet, taggedVolumes, volumeParams } from './util.js';

/**
 * The manage host (`host@backend#pool`) among a site's cinder-volume services: enabled and up first;
 * with the volume type's `volume_backend_name`, the service whose backend (or pool) has that name.
 * The pool is the backend name, as the Pure and RBD drivers report their single pool.
 */
export function pickManageHost(services: CinderService[], backendName?: string): string | undefined {
  const vol = services.filter((s) => s.binary === 'cinder-volume');
  const up = vol.filter((s) => s.state === 'up' && s.status === 'enabled');
  const backendOf = (h: string) => (h.includes('@') ? h.slice(h.indexOf('@') + 1).split('#')[0]! : h);
  const ordered = [...up, ...vol.filter((s) => !up.includes(s))];
  const s = (backendName ? ordered.find((x) => backendOf(x.host) === backendName || x.host.endsWith(`#${backendName}`)) : undefined) ?? ordered[0];
  if (!s) return undefined;
  if (s.host.includes('#')) return s.host;
  return `${s.host}#${backendName && backendOf(s.host) === backendName ? backendName : backendOf(s.host)}`;
}

/**
 * The backend name in a manageable-volume reference: Cinder's Pure driver lists `{name}`, the RBD (and
 * most) drivers `{'source-name'}`. manage_existing wants the reference back as listed.
 */
export function referenceName(ref: Record<string, string>): string | undefined {
  return ref.name ?? ref['source-name'] ?? ref['source-id'];
}

/**
 * Whether a listed backend object is the array volume a plan names: the same name, or the same name
 * in a pod (`<pod>::volume-<id>-cinder`: the plan and the storage drivers name volumes without their pod).
 */
export function isArrayVolume(listed: string | undefined, arrayName: string): boolean {
  if (!listed) return false;
  return listed === arrayName || (listed.endsWith(`::${arrayName}`) && !arrayName.includes('::')) || (arrayName.includes('::') && listed === arrayName.slice(arrayName.lastIndexOf('::') + 2));
}

export interface ImportedVolume {
  sourceVolumeId: string;
  volumeId: string;
  arrayVolume: string;
  bootable: boolean;
}

const ready = (v: Volume) => v.status === 'available' || v.status === 'in-use';

export function volumeSteps(deps: StepDeps) {
  const manageHosts = new Map<string, Promise<string>>();
  /**
   * Per run: the manageable volumes of a site's backend host, one listing shared by the imports
   * running at the same time (each needs a listing that began after it started; see FreshList).
   */
  const manageable = new FreshLists((key: string) => {
    const cut = key.indexOf('\u0000');
    return deps.conns.sites[key.slice(0, cut)]!.admin.cinder.listManageableVolumes({ host: key.slice(cut + 1) });
  }, coalesceDelay(deps));

  /**
   * host@backend#pool for manage (admin). A site may run several cinder-volume backends (the stack lab:
   * `fake` and `ceph`): the one serving the volume type (its admin-only `volume_backend_name`) wins.
   */
  const manageHost = (c: SiteConnection, volumeType: string): Promise<string> => {
    const key = `${c.name}\u0000${volumeType}`;
    let p = manageHosts.get(key);
    if (!p) {
      p = (async () => {
        const [svcs, types] = await Promise.all([c.admin.cinder.listServices({ binary: 'cinder-volume' }), c.admin.cinder.listVolumeTypes().catch(() => [])]);
        const vt = types.find((t) => t.name === volumeType) ?? types.find((t) => t.id === volumeType);
        const host = pickManageHost(svcs, vt?.extraSpecs.volume_backend_name);
        if (!host) throw new DrctlError(StepCode.notFound, `${c.name}: no cinder-volume service is listed; cannot import volumes.`, { hint: `Check Cinder on ${c.name} (openstack volume service list).` });
        return host;
      })();
      p.catch(() => manageHosts.delete(key));
      manageHosts.set(key, p);
    }
    return p;
  };

  const waitVolume = (c: SiteConnection, id: string, what: string, signal: AbortSignal) =>
    waitFor(
      deps,
      what,
      async () => {
        const v = await c.os.cinder.getVolume(id);
        if (!v) throw new DrctlError(StepCode.notFound, `Volume ${id} disappeared on ${c.name}.`, { hint: 'Run drctl apply again.' });
        if (v.status.startsWith('error')) {
          throw new DrctlError(StepCode.resourceError, `Volume ${v.name || id} on ${c.name} is in ${v.status}.`, {
            hint: `Inspect it (openstack volume show ${id}); remove it by hand (openstack volume delete / unmanage), then run drctl apply again.`,
          });
        }
        return v.status === 'available' ? v : undefined;
      },
      { timeoutMs: deps.poll.volumeTimeoutMs, signal },
    );

  /**
   * A volume managed with the admin entry lands in the admin's project (Cinder's manage): wait for it
   * there, then transfer it to the member's project (no policy change needed) and wait as the member.
   */
  const handOver = async (c: SiteConnection, id: string, name: string, signal: AbortSignal): Promise<Volume> => {
    if (c.admin === c.os) return waitVolume(c, id, `managed volume ${name} to be available on ${c.name}`, signal);
    const seen = await c.os.cinder.getVolume(id);
    if (seen) return seen.status === 'available' ? seen : waitVolume(c, id, `managed volume ${name} to be available on ${c.name}`, signal);
    await waitFor(deps, `managed volume ${name} to be available on ${c.name} (admin project)`, async () => {
      const v = await c.admin.cinder.getVolume(id);
      if (!v) throw new DrctlError(StepCode.notFound, `Volume ${id} disappeared on ${c.name}.`, { hint: 'Run drctl apply again.' });
      if (v.status.startsWith('error')) throw new DrctlError(StepCode.resourceError, `Managed volume ${name} on ${c.name} is in ${v.status}.`, { hint: `Inspect it (openstack volume show ${id}, admin); unmanage it by hand, then run drctl apply again.` });
      return v.status === 'available' ? v : undefined;
    }, { timeoutMs: deps.poll.volumeTimeoutMs, signal });
    const tr = await c.admin.cinder.createTransfer(id, `drctl ${name}`);
    await c.os.cinder.acceptTransfer(tr.id, tr.authKey);
    return waitVolume(c, id, `volume ${name} to be available in the member's project on ${c.name}`, signal);
  };

  const waitVolumeGone = (c: SiteConnection, id: string, what: string, signal: AbortSignal) =>
    waitFor(deps, what, async () => ((await c.os.cinder.getVolume(id)) ? undefined : true), { timeoutMs: deps.poll.volumeTimeoutMs, signal });

  const importVolumes = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const member = str(p, 'member', step);
    const role = optStr(p, 'role') === 'drill' ? 'drill' : 'production';
    const tags = tagSet(p, ctx.group, ctx.opId, member, role);
    const volumeType = optStr(p, 'volumeType') ?? groupSpec(deps, ctx.group).replication.volumeType;
    const clones = depOutput<Array<{ name: string; source: string }>>(step, ctx, 'clones') ?? [];
    const prefix = optStr(p, 'namePrefix');
    const created: string[] = [];
    const found: string[] = [];
    const vols = volumeParams(p);
    const since = new Map<string, number>();
    // A member's volumes are independent: imported together (results kept in the plan's order).
    const out: ImportedVolume[] = await allSettled(vols.map(async (v, i): Promise<ImportedVolume> => {
      const base = v.arrayVolume.includes('::') ? v.arrayVolume.slice(v.arrayVolume.lastIndexOf('::') + 2) : v.arrayVolume;
      const arrayName =
        role === 'drill'
          ? (clones.find((x) => isArrayVolume(x.source, v.arrayVolume) || isArrayVolume(v.arrayVolume, x.source))?.name ?? `${base}-drill-${drillTag(ctx.opId)}`)
          : v.arrayVolume;
      const md = { ...tags, [TAG.sourceVolume]: v.sourceVolumeId };
      // 1. What an earlier attempt imported (drctl's tags, this operation); the first attempt has none.
      const earlier =
        ctx.attempt > 1
          ? await taggedVolumes(c, { [TAG.group]: ctx.group, [TAG.member]: member, [TAG.role]: role, [TAG.op]: tags[TAG.op]!, [TAG.sourceVolume]: v.sourceVolumeId })
          : [];
      let vol = earlier.find((x) => !x.status.startsWith('error')) ?? earlier[0];
      if (vol) {
        found.push(vol.id);
        if (!ready(vol)) vol = await waitVolume(c, vol.id, `imported volume ${vol.name || vol.id} to be available on ${c.name}`, ctx.signal);
      } else {
        // 2. The array volume must be there and not owned by Cinder yet.
        const host = await manageHost(c, volumeType);
        const key = `${c.name}\u0000${host}`;
        const list = manageable.of(key);
        if (!since.has(key)) since.set(key, list.mark());
        const listed = (await list.get(since.get(key)!)).value;
        // The plan names the volume as the source site's Cinder did (`volume-<id>-cinder`); in a pod the
        // array has it as `<pod>::volume-<id>-cinder`. An exact name wins over a pod-qualified one.
        const m = listed.find((x) => referenceName(x.reference) === arrayName) ?? listed.find((x) => isArrayVolume(referenceName(x.reference), arrayName));
        if (!m) {
          throw new DrctlError(StepCode.nothingToImport, `Array volume ${arrayName} (copy of ${v.name || v.sourceVolumeId}) is not on ${c.name}'s backend ${host}.`, {
            hint: `Check the array (the ${role === 'drill' ? 'clone-for-drill' : 'promote'} step) and that Cinder's backend is that array; drctl apply resumes here.`,
          });
        }
        // An earlier attempt managed it as admin but stopped before the hand-over to the member's project.
        const mine = !m.safeToManage && m.cinderId && c.admin !== c.os ? await c.admin.cinder.getVolume(m.cinderId) : undefined;
        if (mine && mine.metadata[TAG.op] === tags[TAG.op] && mine.metadata[TAG.sourceVolume] === v.sourceVolumeId) {
          found.push(mine.id);
          vol = await handOver(c, mine.id, mine.name, ctx.signal);
        } else if (!m.safeToManage && !m.cinderId) {
          // Not owned by Cinder, yet refused: the backend's driver will not manage it (Cinder's Pure
          // driver: "Volume is in a Pod" for every volume of a sync-replication pod).
          const listedName = referenceName(m.reference) ?? arrayName;
          throw new DrctlError(StepCode.unsupported, `Cinder on ${c.name} will not manage array volume ${listedName} (copy of ${v.name || v.sourceVolumeId}): ${m.reasonNotSafe || 'not safe to manage'}.`, {
            hint: listedName.includes('::')
              ? `Cinder's Pure driver does not manage volumes in a pod (sync replication) nor volume types with replication_type '<in> sync', so drctl cannot import them on ${c.name}; nothing was imported there. The members are stopped on their source site: start them there by hand (the pod holds the same data on both arrays). drctl apply resumes here once a Cinder driver on ${c.name} lists the volume as safe to manage.`
              : `Inspect ${listedName} on ${c.name}'s array and why Cinder lists it as not safe; then drctl apply resumes here.`,
          });
        } else if (!m.safeToManage) {
          throw new DrctlError(StepCode.unsafe, `Array volume ${arrayName} on ${c.name} is already managed by Cinder (${m.cinderId ?? 'unknown volume'}), but not tagged by this operation.`, {
            hint: `Inspect volume ${m.cinderId ?? arrayName} on ${c.name}; if it is a leftover, unmanage it by hand, then run drctl apply again.`,
          });
        } else {
          const name = role === 'drill' ? `${prefix ?? `drill-${ctx.group}-${member}`}-${v.name || String(i)}` : v.name || `${member}-${i}`;
          // The reference as the driver listed it (Pure: {name}, RBD: {'source-name'}).
          const made = await c.admin.cinder.manageVolume({ host, ref: m.reference as { 'source-name': string }, name, volumeType, bootable: v.bootable, metadata: md });
          created.push(made.id);
          vol = await handOver(c, made.id, name, ctx.signal);
        }
      }
      // 3. Tags and bootable (safe to repeat).
      if (Object.entries(md).some(([k, x]) => vol!.metadata[k] !== x)) await c.os.cinder.updateVolumeMetadata(vol.id, md);
      if (v.bootable && !vol.bootable) await c.os.cinder.setBootable(vol.id, true);
      return { sourceVolumeId: v.sourceVolumeId, volumeId: vol.id, arrayVolume: arrayName, bootable: v.bootable };
    }));
    return { ...(created.length ? { created: { volumes: created } } : {}), ...(found.length ? { found: { volumes: found } } : {}), outputs: { member, imported: out } };
  };

  /** Undo of volume.import: drill copies are deleted; production imports are unmanaged (the data stays on the array). */
  const importUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const member = str(p, 'member', step);
    const role = optStr(p, 'role') === 'drill' ? 'drill' : 'production';
    const mine = await taggedVolumes(c, { [TAG.group]: ctx.group, [TAG.member]: member, [TAG.role]: role, [TAG.op]: ctx.opId });
    for (const v of mine) {
      if (v.status === 'in-use') await waitVolume(c, v.id, `${v.name || v.id} to be detached on ${c.name}`, ctx.signal);
      if (role === 'drill') await c.os.cinder.deleteVolume(v.id);
      else await c.admin.cinder.unmanageVolume(v.id);
      await waitVolumeGone(c, v.id, `${v.name || v.id} to go from ${c.name}`, ctx.signal);
    }
  };

  const unmanage = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const ids = strList(params(step), 'volumeIds');
    // A member's volumes are independent: unmanaged together (outputs in the plan's order).
    const res = await allSettled(
      ids.map(async (id): Promise<'gone' | 'done'> => {
        let v = await c.os.cinder.getVolume(id);
        if (!v) return 'gone';
        if (v.status !== 'available') v = await waitVolume(c, id, `${v.name || id} to be available (detached) on ${c.name}`, ctx.signal);
        if (v.groupId) await c.os.cinder.removeVolumesFromGroup(v.groupId, [id]).catch(() => undefined);
        await c.admin.cinder.unmanageVolume(id);
        await waitVolumeGone(c, id, `${v.name || id} to be unmanaged on ${c.name}`, ctx.signal);
        return 'done';
      }),
    );
    const done = ids.filter((_, i) => res[i] === 'done');
    const gone = ids.filter((_, i) => res[i] === 'gone');
    return { outputs: { unmanaged: done, alreadyGone: gone } };
  };

  const del = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const id = str(p, 'volumeId', step);
    let v = await c.os.cinder.getVolume(id);
    if (!v) return { outputs: { alreadyGone: id } };
    if (v.metadata[TAG.role] !== 'drill' || v.metadata[TAG.group] !== ctx.group) {
      throw new DrctlError(StepCode.unsafe, `Refusing to delete volume ${v.name || id} on ${c.name}: it is not a drill volume of ${ctx.group} (drctl.role=${v.metadata[TAG.role] ?? 'none'}).`, {
        hint: 'drill-cleanup only deletes what a drill made; check the volume and re-plan.',
      });
    }
    if (v.status === 'in-use' || v.status === 'detaching' || v.status === 'creating') v = await waitVolume(c, id, `${v.name || id} to be detached on ${c.name}`, ctx.signal);
    await c.os.cinder.deleteVolume(id);
    await waitVolumeGone(c, id, `${v.name || id} to be deleted on ${c.name}`, ctx.signal);
    return { outputs: { deleted: id, name: v.name } };
  };

  // ---------------------------------------------------------------- consistency groups

  const findGroup = async (c: SiteConnection, name: string): Promise<Group | undefined> => (await c.os.cinder.listGroups({ listVolume: true })).find((g) => g.name === name);

  const waitGroup = (c: SiteConnection, id: string, what: string, signal: AbortSignal, until: (g: Group) => boolean = () => true) =>
    waitFor(
      deps,
      what,
      async () => {
        const g = await c.os.cinder.getGroup(id, { listVolume: true });
        if (!g) throw new DrctlError(StepCode.notFound, `Group ${id} disappeared on ${c.name}.`, { hint: 'Run drctl apply again.' });
        if (g.status === 'error') throw new DrctlError(StepCode.resourceError, `Group ${g.name} on ${c.name} is in error.`, { hint: `Inspect it (openstack volume group show ${id}).` });
        return g.status === 'available' && until(g) ? g : undefined;
      },
      { timeoutMs: deps.poll.volumeTimeoutMs, signal },
    );

  const ensureGroup = async (c: SiteConnection, name: string, volumeType: string, signal: AbortSignal): Promise<{ group: Group; created: boolean }> => {
    const existing = await findGroup(c, name);
    if (existing) return { group: existing.status === 'available' ? existing : await waitGroup(c, existing.id, `group ${name} on ${c.name}`, signal), created: false };
    const [gts, vts] = await Promise.all([c.os.cinder.listGroupTypes(), c.os.cinder.listVolumeTypes()]);
    const gt = gts.find((g) => g.name === 'drctl-consistency-group') ?? gts.find((g) => /^\s*(<is>\s*)?true\s*$/i.test(g.groupSpecs.consistent_group_snapshot_enabled ?? ''));
    if (!gt) {
      throw new DrctlError(StepCode.targetResourceMissing, `${c.name} has no Cinder group type with consistent_group_snapshot_enabled='<is> True'.`, {
        hint: `Create one (admin): openstack volume group type create drctl-consistency-group && openstack volume group type set --property consistent_group_snapshot_enabled='<is> True' drctl-consistency-group`,
      });
    }
    const vt = vts.find((t) => t.name === volumeType) ?? vts.find((t) => t.id === volumeType);
    if (!vt) throw new DrctlError(StepCode.targetResourceMissing, `Volume type ${volumeType} does not exist on ${c.name}.`, { hint: `Create it on ${c.name} with replication enabled, then run drctl apply again.` });
    const g = await c.os.cinder.createGroup({ name, groupType: gt.id, volumeTypes: [vt.id], description: 'drctl consistency group' });
    return { group: await waitGroup(c, g.id, `group ${name} on ${c.name} to be available`, signal), created: true };
  };

  const cgEnsure = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const name = optStr(p, 'name') ?? consistencyGroupName(ctx.group);
    const { group, created } = await ensureGroup(c, name, optStr(p, 'volumeType') ?? groupSpec(deps, ctx.group).replication.volumeType, ctx.signal);
    return created ? { created: { group: group.id } } : { found: { group: group.id } };
  };

  const cgEnsureUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const id = ctx.result?.created?.group;
    if (typeof id !== 'string') return;
    const g = await c.os.cinder.getGroup(id, { listVolume: true });
    if (g && !(g.volumes ?? []).length) await c.os.cinder.deleteGroup(id, { deleteVolumes: false });
  };

  const memberVolumeIds = async (c: SiteConnection, step: PlanStep, ctx: StepContext): Promise<string[]> => {
    const p = params(step);
    const ids = strList(p, 'volumeIds');
    const members = strList(p, 'members');
    if (!members.length) return ids;
    const vols = await taggedVolumes(c, { [TAG.group]: ctx.group, [TAG.role]: 'production', [TAG.op]: ctx.opId });
    const want = new Set(members);
    return [...ids, ...vols.filter((v) => want.has(v.metadata[TAG.member] ?? '')).map((v) => v.id)];
  };

  const cgAdd = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const name = optStr(params(step), 'name') ?? consistencyGroupName(ctx.group);
    const ids = await memberVolumeIds(c, step, ctx);
    const { group } = await ensureGroup(c, name, groupSpec(deps, ctx.group).replication.volumeType, ctx.signal);
    const have = new Set(group.volumes ?? []);
    const add = ids.filter((id) => !have.has(id));
    if (add.length) {
      await c.os.cinder.addVolumesToGroup(group.id, add);
      await waitGroup(c, group.id, `${add.length} volume(s) to join ${name} on ${c.name}`, ctx.signal, (g) => add.every((id) => (g.volumes ?? []).includes(id)));
    }
    return { found: { group: group.id }, outputs: { added: add, already: ids.filter((id) => have.has(id)) } };
  };

  const removeFromGroup = async (c: SiteConnection, name: string, ids: string[], signal: AbortSignal): Promise<string[]> => {
    const group = await findGroup(c, name);
    if (!group) return [];
    const have = new Set(group.volumes ?? []);
    const rm = ids.filter((id) => have.has(id));
    if (rm.length) {
      if (group.status !== 'available') await waitGroup(c, group.id, `group ${name} on ${c.name}`, signal);
      await c.os.cinder.removeVolumesFromGroup(group.id, rm);
      await waitGroup(c, group.id, `${rm.length} volume(s) to leave ${name} on ${c.name}`, signal, (g) => rm.every((id) => !(g.volumes ?? []).includes(id)));
    }
    return rm;
  };

  const cgAddUndo: Compensation = async (step, ctx) => {
    const c = site(deps, step.site, step.id);
    const added = ctx.result?.outputs?.added;
    const ids = Array.isArray(added) ? (added as string[]) : await memberVolumeIds(c, step, ctx);
    await removeFromGroup(c, optStr(params(step), 'name') ?? consistencyGroupName(ctx.group), ids, ctx.signal);
  };

  const cgRemove = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const rm = await removeFromGroup(c, optStr(params(step), 'name') ?? consistencyGroupName(ctx.group), strList(params(step), 'volumeIds'), ctx.signal);
    return { outputs: { removed: rm } };
  };

  // ---------------------------------------------------------------- the group record

  const sameRecord = (a: GroupRecord, b: GroupRecord) =>
    a.version === b.version && a.activeSite === b.activeSite && a.failoverCount === b.failoverCount && (a.fenceRequired ?? '') === (b.fenceRequired ?? '');

  const recordWrite = async (step: PlanStep, ctx: StepContext): Promise<StepResult> => {
    const c = site(deps, step.site, step.id);
    const p = params(step);
    const raw = p.record && typeof p.record === 'object' ? (p.record as Record<string, unknown>) : undefined;
    if (!raw || typeof raw.version !== 'number' || typeof raw.activeSite !== 'string') {
      throw new DrctlError(StepCode.badParams, `Step ${step.id} has no group record to write.`, { hint: 'Re-plan with this drctl.' });
    }
    const rec = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null && v !== undefined)) as unknown as GroupRecord;
    rec.failoverCount = typeof rec.failoverCount === 'number' ? rec.failoverCount : 0;
    const name = consistencyGroupName(ctx.group);
    const { group } = await ensureGroup(c, name, groupSpec(deps, ctx.group).replication.volumeType, ctx.signal);
    const current = decodeGroupRecord(group.description);
    if (current && sameRecord(current, rec)) return { found: { group: group.id }, outputs: { version: rec.version, unchanged: true } };
    const expect = p.expectVersion;
    if (current && current.version > rec.version) {
      throw new DrctlError(StepCode.recordConflict, `The group record on ${c.name} is at v${current.version} (active on ${current.activeSite}), newer than the v${rec.version} this operation writes.`, {
        hint: 'Another drctl changed the group since this plan; run drctl plan again.',
      });
    }
    if (typeof expect === 'number' && current && current.version !== expect && current.version !== rec.version) {
      throw new DrctlError(StepCode.recordConflict, `The group record on ${c.name} is v${current.version}, the plan expected v${expect}.`, { hint: 'Run drctl plan again.' });
    }
    const text = encodeGroupRecord(rec);
    try {
      await c.os.cinder.updateGroup(group.id, { description: text });
    } catch (err) {
      if (!(DrctlError.is(err) && err.code === OS_CODES.badRequest && group.status !== 'available')) throw err;
      await waitGroup(c, group.id, `group ${name} on ${c.name}`, ctx.signal);
      await c.os.cinder.updateGroup(group.id, { description: text });
    }
    return { found: { group: group.id }, outputs: { version: rec.version, previous: current?.version ?? null } };
  };

  return {
    registry: {
      'volume.import': importVolumes,
      'volume.unmanage': unmanage,
      'volume.delete': del,
      'cgroup.ensure': cgEnsure,
      'cgroup.add-volumes': cgAdd,
      'cgroup.remove-volumes': cgRemove,
      'record.write': recordWrite,
    },
    compensations: {
      'volume.import': importUndo,
      'cgroup.ensure': cgEnsureUndo,
      'cgroup.add-volumes': cgAddUndo,
    },
  };
}
