/** Small helpers shared by the step implementations: params, tags, names, storage refs, look-ups. */
import { createHash } from 'node:crypto';
import { TAG } from '../discovery/types.js';
import { arrayVolumeName, storageRef } from '../discovery/index.js';
import { DrctlError } from '../errors.js';
import type { StepContext } from '../apply/executor.js';
import type { PlanStep } from '../plan/types.js';
import type { SiteConnection } from '../providers/connect.js';
import type { Server } from '../providers/openstack/nova.js';
import type { Volume } from '../providers/openstack/cinder.js';
import type { StorageGroupRef } from '../providers/storage/driver.js';
import { StepCode } from './codes.js';
import { groupSpec, type StepDeps } from './deps.js';

export type Params = Record<string, unknown>;

export function params(step: PlanStep): Params {
  return step.params ?? {};
}

export function str(p: Params, key: string, step: PlanStep): string {
  const v = p[key];
  if (typeof v !== 'string' || v === '') throw new DrctlError(StepCode.badParams, `Step ${step.id} has no ${key}.`, { hint: 'Re-plan with this drctl.' });
  return v;
}

export function optStr(p: Params, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function strList(p: Params, key: string): string[] {
  const v = p[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function record(p: Params, key: string): Record<string, string> {
  const v = p[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

export interface VolumeParam {
  sourceVolumeId: string;
  name: string;
  size: number;
  bootable: boolean;
  volumeType: string;
  arrayVolume: string;
}

export function volumeParams(p: Params): VolumeParam[] {
  const v = p.volumes;
  if (!Array.isArray(v)) return [];
  return v
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    .map((x) => ({
      sourceVolumeId: String(x.sourceVolumeId ?? ''),
      name: String(x.name ?? ''),
      size: Number(x.size ?? 0),
      bootable: x.bootable === true,
      volumeType: String(x.volumeType ?? ''),
      arrayVolume: String(x.arrayVolume ?? ''),
    }))
    .filter((x) => x.sourceVolumeId !== '');
}

/**
 * The array drill tag of an operation: Purity names are ≤ 63 characters and `volume-<uuid>-cinder`
 * is 50 of them, so clones `<vol>-drill-<tag>` need a tag of ≤ 6 characters. Deterministic, so a
 * re-run (and the cleanup) derives the same tag from the operation id recorded in drctl.op.
 */
export function drillTag(opId: string): string {
  return createHash('sha256').update(opId).digest('hex').slice(0, 6);
}

/** Tags parsed from array drill clone names `<vol>-drill-<tag>`. */
export function tagsFromCloneNames(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const i = n.lastIndexOf('-drill-');
    if (i >= 0 && i + 7 < n.length) out.add(n.slice(i + 7));
  }
  return [...out];
}

export function otherSite(deps: StepDeps, group: string, s: string): string {
  const g = groupSpec(deps, group);
  return s === g.primarySite ? g.secondarySite : g.primarySite;
}

/**
 * The group's replication object on `site` as a StorageGroupRef (peer = the peer ARRAY's name, looked
 * up once per run; left out when the peer does not answer — the driver then finds the inbound group
 * by suffix).
 */
export async function refFor(deps: StepDeps, peerNames: Map<string, Promise<string | undefined>>, group: string, s: string, volumes: string[]): Promise<StorageGroupRef> {
  const g = groupSpec(deps, group);
  const peerSite = otherSite(deps, group, s);
  let p = peerNames.get(peerSite);
  if (!p) {
    p = deps.conns.sites[peerSite]!.storage.arrayName().catch(() => undefined);
    peerNames.set(peerSite, p);
  }
  const peer = await p;
  if (peer === undefined) peerNames.delete(peerSite); // ask again next time
  return storageRef(deps.spec, group, g, s, peer, volumes);
}

export function arrayNameOf(c: SiteConnection, volumeId: string): string {
  return arrayVolumeName(c.storage.kind, volumeId);
}

export function isRole(md: Record<string, string>, role: 'production' | 'drill'): boolean {
  return (md[TAG.role] ?? 'production') === role;
}

/** Servers on a site tagged for this group (and member / role when given). One bulk listing. */
export async function taggedServers(c: SiteConnection, group: string, o: { member?: string; role?: 'production' | 'drill' } = {}): Promise<Server[]> {
  return filterTagged(await c.os.nova.listServers({ detail: true }), group, o);
}

/** The servers of a listing tagged for this group (and member / role when given). */
export function filterTagged(all: Server[], group: string, o: { member?: string; role?: 'production' | 'drill' } = {}): Server[] {
  return all.filter(
    (s) =>
      s.metadata[TAG.group] === group &&
      (o.member === undefined || s.metadata[TAG.member] === o.member) &&
      (o.role === undefined || isRole(s.metadata, o.role)) &&
      s.status !== 'DELETED' &&
      s.status !== 'SOFT_DELETED',
  );
}

/** Volumes on a site carrying all these metadata pairs (server-side filter, checked again here). */
export async function taggedVolumes(c: SiteConnection, md: Record<string, string>): Promise<Volume[]> {
  const vols = await c.os.cinder.listVolumes({ detail: true, filters: { metadata: md } });
  return vols.filter((v) => Object.entries(md).every(([k, x]) => v.metadata[k] === x) && v.status !== 'deleting');
}

/** The step ids this step depends on whose result has `outputs[key]`. */
export function depOutput<T>(step: PlanStep, ctx: StepContext, key: string): T | undefined {
  for (const d of step.dependsOn) {
    const v = ctx.resultOf(d)?.outputs?.[key];
    if (v !== undefined) return v as T;
  }
  return undefined;
}

export function tagSet(p: Params, group: string, opId: string, member: string, role: 'production' | 'drill'): Record<string, string> {
  const t = record(p, 'tags');
  return {
    ...t,
    [TAG.group]: t[TAG.group] ?? group,
    [TAG.member]: t[TAG.member] ?? member,
    [TAG.role]: t[TAG.role] ?? role,
    [TAG.op]: t[TAG.op] ?? opId,
  };
}

export const DRCTL_TAG_KEYS: readonly string[] = Object.values(TAG);
