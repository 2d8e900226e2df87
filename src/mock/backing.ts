/**
 * The storage objects behind Cinder volumes, as the real drivers name them:
 * - Pure: array volume `volume-<id>-cinder` (inside a pod: `<pod>::volume-<id>-cinder`);
 *   manage renames the array volume to the Cinder name, unmanage appends `-unmanaged`.
 * - Ceph (RBD driver): image `volume-<id>` in the site's pool; manage renames the image.
 * A Cinder volume keeps a stable link to its object (array volume id / image name).
 */
import { clusterOf, createImage, enableMirroring, renameImage, settleRenames } from './ceph.js';
import { arrayOf, createArrayVolume, gib, GIB, peerArray, removeArrayVolume, renameArrayVolume, volumeByName } from './pure.js';
import type { PureVolumeRec, SiteData, VolumeRec } from './types.js';
import type { MockWorld } from './world.js';

export const pureVolumeName = (id: string, pod?: string | null): string => `${pod ? `${pod}::` : ''}volume-${id}-cinder`;
export const rbdImageName = (id: string): string => `volume-${id}`;

export interface BackingOptions {
  /** Pure: create the array volume in this pod (sync replication). */
  pod?: string;
  /** Ceph: enable mirroring on the new image (replicated volume types). */
  mirror?: { mode: 'journal' | 'snapshot'; intervalMs: number };
  /** Pure: copy from this array volume/snapshot name. */
  sourceName?: string;
}

/** Creates the storage object for a new Cinder volume. */
export function createBacking(world: MockWorld, site: SiteData, vol: VolumeRec, opts: BackingOptions = {}): void {
  const a = arrayOf(site);
  if (a) {
    const av = createArrayVolume(world, a, pureVolumeName(vol.id, opts.pod), vol.size * GIB, opts.sourceName ? { id: null, name: opts.sourceName } : undefined);
    vol.backing = { arrayVolumeId: av.id };
    if (opts.pod && a.pods[opts.pod]?.linked) {
      // a new Cinder name is unique: mirror it without looking for an existing copy
      const peer = peerArray(world, site.name);
      if (peer) createArrayVolume(world, peer.array, av.name, av.provisioned);
    }
    return;
  }
  const c = clusterOf(site);
  if (c && site.storage.driver === 'ceph') {
    const pool = site.storage.pool;
    const img = createImage(world, c, pool, rbdImageName(vol.id), vol.size * GIB);
    vol.backing = { image: img.name };
    if (opts.mirror) enableMirroring(world, site.name, pool, img, opts.mirror.mode, opts.mirror.intervalMs);
  }
}

export function deleteBacking(world: MockWorld, site: SiteData, vol: VolumeRec): void {
  const a = arrayOf(site);
  if (a && vol.backing?.arrayVolumeId) removeArrayVolume(world, a, vol.backing.arrayVolumeId);
  const c = clusterOf(site);
  if (c && vol.backing?.image && site.storage.driver === 'ceph') {
    delete c.pools[site.storage.pool]?.images[vol.backing.image];
    world.touch();
  }
}

/** The array-side name of a Cinder volume's object, if any. */
export function backingName(site: SiteData, vol: VolumeRec): string | undefined {
  const a = arrayOf(site);
  if (a && vol.backing?.arrayVolumeId) return a.volumes[vol.backing.arrayVolumeId]?.name;
  return vol.backing?.image;
}

export interface Manageable {
  name: string;
  /**
   * The reference as the backend's driver lists it (and manage_existing wants it back): Cinder's Pure
   * driver `{name}`, the RBD driver `{'source-name'}`.
   */
  reference: Record<string, string>;
  sizeGiB: number;
  cinderId: string | null;
  /** safe_to_manage */
  safe: boolean;
  /** reason it is not safe to manage (Pure: '' when safe, as the driver returns it; RBD: null) */
  reason: string | null;
}

/** Cinder's Pure driver joins its reasons with ' && ' (get_manageable_volumes). */
const PURE_NOT_SAFE = { managed: 'Volume already managed', pod: 'Volume is in a Pod' } as const;

/** Whether this site's Cinder manages pod volumes (see MockSettings.managePodVolumes; stock: no). */
export const managesPodVolumes = (world: MockWorld): boolean => world.settings.managePodVolumes === true;

/** What `GET /manageable_volumes` lists: every object on the backend, with whether Cinder owns it. */
export function manageableObjects(world: MockWorld, site: SiteData): Manageable[] {
  const ix = world.index(site.name);
  const a = arrayOf(site);
  const out: Manageable[] = [];
  if (a) {
    const pods = managesPodVolumes(world);
    for (const v of Object.values(a.volumes)) {
      if (v.destroyed) continue;
      const owner = ix.cinderByArrayVolume.get(v.id);
      const why = [...(owner ? [PURE_NOT_SAFE.managed] : []), ...(v.name.includes('::') && !pods ? [PURE_NOT_SAFE.pod] : [])];
      out.push({ name: v.name, reference: { name: v.name }, sizeGiB: gib(v.provisioned), cinderId: owner?.id ?? null, safe: why.length === 0, reason: why.join(' && ') });
    }
  }
  const c = clusterOf(site);
  if (c && site.storage.driver === 'ceph') {
    settleRenames(world, site.name);
    for (const img of Object.values(c.pools[site.storage.pool]?.images ?? {})) {
      const owner = ix.cinderByImage.get(img.name);
      out.push({ name: img.name, reference: { 'source-name': img.name }, sizeGiB: gib(img.size), cinderId: owner?.id ?? null, safe: !owner, reason: owner ? 'already managed' : null });
    }
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : 1));
}

/**
 * Renames a pod volume on this array and its mirror in the peer's linked pod: a pod's volumes are one
 * namespace on both arrays (ActiveCluster: the same volume; ActiveDR: the pod's contents replicate).
 */
function renamePodAware(world: MockWorld, site: SiteData, av: PureVolumeRec, name: string): void {
  const a = arrayOf(site)!;
  const old = av.name;
  const pod = av.pod ? a.pods[av.pod] : undefined;
  renameArrayVolume(world, a, av, name);
  if (!pod?.linked) return;
  const peer = peerArray(world, site.name);
  const mirror = peer ? volumeByName(peer.array, old) : undefined;
  if (peer && mirror && !volumeByName(peer.array, name)) renameArrayVolume(world, peer.array, mirror, name);
}

/**
 * The driver side of manage_existing: find the object named by ref, rename it to the Cinder name and
 * link it. Returns the size in GiB, or an error message (the volume then goes to `error`, as the real
 * API accepts the request and the driver fails later).
 */
export function manageBacking(world: MockWorld, site: SiteData, vol: VolumeRec, ref: Record<string, unknown>): { size: number } | { error: string } {
  const name = typeof ref['source-name'] === 'string' ? ref['source-name'] : undefined;
  const sid = typeof ref['source-id'] === 'string' ? ref['source-id'] : undefined;
  const ix = world.index(site.name);
  const a = arrayOf(site);
  if (a) {
    // Cinder's Pure driver (_validate_manage_existing_vol_type, _validate_manage_existing_ref): the
    // reference is {name}; sync-replicated types and pod volumes are refused unless the setting says so.
    const invalid = (reason: string) => ({ error: `Manage existing volume failed due to invalid backend reference ${JSON.stringify(ref)}: ${reason}` });
    const pname = typeof ref.name === 'string' && ref.name ? ref.name : undefined;
    if (!pname) return invalid("manage_existing requires a 'name' key to identify an existing volume.");
    const pods = managesPodVolumes(world);
    if (!pods && vol.typeId && site.cinder.types[vol.typeId]?.extraSpecs.replication_type === '<in> sync') {
      return { error: 'Volume type mismatch: Unable to managed volume with type requiring sync replication enabled.' };
    }
    if (!pods && pname.includes('::')) return invalid('Unable to manage volume in a Pod');
    const av = volumeByName(a, pname);
    if (!av || av.destroyed) return invalid(`Unable to find Purity ref with name=${pname}`);
    if (ix.cinderByArrayVolume.has(av.id)) return { error: `Manage existing volume failed: volume ${av.name} is already managed by Cinder.` };
    renamePodAware(world, site, av, pureVolumeName(vol.id, av.pod));
    vol.backing = { arrayVolumeId: av.id };
    return { size: gib(av.provisioned) };
  }
  void sid;
  const c = clusterOf(site);
  if (c && site.storage.driver === 'ceph') {
    const pool = c.pools[site.storage.pool];
    const img = name ? pool?.images[name] : undefined;
    if (!pool || !img) return { error: `Manage existing volume failed due to invalid backend reference: image ${name ?? sid} not found` };
    if (img.mirroring && !img.mirroring.primary) return { error: `Manage existing volume failed: image ${img.name} is non-primary (read-only); promote it first` };
    // The RBD driver renames the image to the Cinder name; rbd-mirror carries the rename to the peer.
    renameImage(world, site.name, site.storage.pool, img, rbdImageName(vol.id));
    vol.backing = { image: img.name };
    world.touch();
    return { size: gib(img.size) };
  }
  return { error: 'Manage existing volume failed: the backend has no storage.' };
}

/**
 * The driver side of unmanage: Pure renames the volume it knows (`volume-<id>-cinder`, in its pod) to
 * `<name>-unmanaged`; a name that no longer exists (the peer's Cinder managed the pod volume under its
 * own name since) is left alone, as the driver logs and ignores "does not exist". RBD leaves the image.
 */
export function unmanageBacking(world: MockWorld, site: SiteData, vol: VolumeRec): void {
  const a = arrayOf(site);
  if (a && vol.backing?.arrayVolumeId) {
    const av = a.volumes[vol.backing.arrayVolumeId];
    const known = av && [pureVolumeName(vol.id), pureVolumeName(vol.id, av.pod)].includes(av.name);
    if (av && known) renamePodAware(world, site, av, `${av.name}-unmanaged`);
  }
  delete vol.backing;
  world.touch();
}
