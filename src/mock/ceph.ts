/**
 * A Ceph-like cluster per site with RBD mirroring, driven through `runRbd(world, site, args)`, which
 * emulates the `rbd` CLI (`--format json` shapes as recorded in labs/ceph/samples, Pacific 16.2.15).
 *
 * Mirroring semantics (as the lab showed them):
 * - steady: primary `up+stopped` "local image is primary", peer `up+replaying`;
 * - demote the primary: both `up+unknown`; promote the peer: it becomes `up+stopped`, the old one
 *   `up+replaying`; promote without a clean demote of the peer: EBUSY unless --force;
 * - `promote --force` while the peer is primary: both primary (`up+stopped` on both); if the stale
 *   side is then demoted it shows `up+error` split-brain until `mirror image resync` re-creates it.
 * - replication-down (or a site unreachable) freezes the non-primary: journal entries behind grow,
 *   snapshot-mode local timestamps stop advancing.
 */
import { randomUUID } from 'node:crypto';
import { isUnreachable, outageAt, takeError } from './faults.js';
import { cephTime } from './http/time.js';
import { lastReplicatedScheduled } from './replication.js';
import type { CephClusterData, CephImageRec, SiteData } from './types.js';
import type { MockWorld } from './world.js';

export interface RbdResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function clusterOf(site: SiteData): CephClusterData | undefined {
  return site.storage.driver === 'ceph' ? site.storage.ceph : undefined;
}

// ------------------------------------------------------------------ model

export function createImage(world: MockWorld, c: CephClusterData, pool: string, name: string, sizeBytes: number): CephImageRec {
  const p = (c.pools[pool] ??= { mode: 'image', images: {} });
  c.seq += 1;
  const img: CephImageRec = {
    id: `${c.seq.toString(16)}${randomUUID().replace(/-/g, '').slice(0, 10)}`,
    name,
    size: sizeBytes,
    createdAt: world.now(),
    features: ['layering', 'exclusive-lock', 'object-map', 'fast-diff', 'deep-flatten'],
  };
  p.images[name] = img;
  world.touch();
  return img;
}

/** Enables mirroring on a primary image and creates its non-primary copy on the peer cluster. */
export function enableMirroring(world: MockWorld, siteName: string, pool: string, img: CephImageRec, mode: 'journal' | 'snapshot', intervalMs: number): void {
  const now = world.now();
  img.mirroring = { mode, globalId: randomUUID(), primary: true, snapshots: [], anchor: now, intervalMs };
  if (mode === 'journal' && !img.features.includes('journaling')) img.features.push('journaling');
  const peer = peerCluster(world, siteName);
  if (peer) {
    const copy = peer.c.pools[pool]?.images[img.name] ?? createImage(world, peer.c, pool, img.name, img.size);
    copy.mirroring = { mode, globalId: img.mirroring.globalId, primary: false, snapshots: [], anchor: now, intervalMs };
    copy.features = [...img.features];
  }
  world.touch();
}

/**
 * Renames an image (Cinder's RBD driver does on manage: `volume-<new id>`) and its mirror: rbd-mirror
 * replays the rename to the non-primary copy (same global id) — journal mode at once (the stack lab saw
 * about 3 s), snapshot mode with the next mirror snapshot that reaches the peer (see settleRenames).
 */
export function renameImage(world: MockWorld, siteName: string, pool: string, img: CephImageRec, name: string): void {
  const c = clusterOf(world.data.sites[siteName]!)!;
  const p = c.pools[pool]!;
  delete p.images[img.name];
  img.name = name;
  p.images[name] = img;
  const peer = img.mirroring?.primary ? peerImage(world, siteName, pool, img) : undefined;
  if (peer?.img.mirroring) {
    if (img.mirroring!.mode === 'journal') {
      const pp = peer.c.pools[pool]!;
      if (!pp.images[name]) {
        delete pp.images[peer.img.name];
        peer.img.name = name;
        delete peer.img.mirroring.pendingName;
        pp.images[name] = peer.img;
      }
    } else peer.img.mirroring.pendingName = { name, since: world.now() };
  }
  world.touch();
}

/** When the first mirror snapshot taken at or after `since` arrives on the peer (ms), if it has. */
function snapshotArrival(world: MockWorld, primary: CephImageRec, since: number): number | undefined {
  const m = primary.mirroring!;
  const transferMs = world.settings.transferSeconds * 1000;
  const scheduled = m.intervalMs > 0 ? m.anchor + Math.max(0, Math.ceil((since - m.anchor) / m.intervalMs)) * m.intervalMs : Infinity;
  const manual = Math.min(Infinity, ...m.snapshots.filter((x) => x.at >= since).map((x) => x.at));
  const at = Math.min(scheduled, manual);
  if (!Number.isFinite(at) || outageAt(world.data.linkOutages, at)) return undefined;
  return at + transferMs <= world.now() ? at + transferMs : undefined;
}

/** Applies the renames whose mirror snapshot has reached this cluster (derived from timestamps, at read time). */
export function settleRenames(world: MockWorld, siteName: string): void {
  const c = clusterOf(world.data.sites[siteName]!);
  if (!c) return;
  for (const [pool, p] of Object.entries(c.pools)) {
    for (const img of Object.values(p.images)) {
      const pend = img.mirroring?.pendingName;
      if (!pend) continue;
      const primary = peerImage(world, siteName, pool, img);
      if (!primary?.img.mirroring?.primary || snapshotArrival(world, primary.img, pend.since) === undefined || p.images[pend.name]) continue;
      delete p.images[img.name];
      img.name = pend.name;
      delete img.mirroring!.pendingName;
      p.images[img.name] = img;
      world.touch();
    }
  }
}

function peerCluster(world: MockWorld, siteName: string): { site: SiteData; c: CephClusterData } | undefined {
  const other = world.data.siteOrder.find((s) => s !== siteName);
  const site = other ? world.data.sites[other] : undefined;
  const c = site ? clusterOf(site) : undefined;
  return site && c ? { site, c } : undefined;
}

function peerImage(world: MockWorld, siteName: string, pool: string, img: CephImageRec): { site: SiteData; c: CephClusterData; img: CephImageRec } | undefined {
  const peer = peerCluster(world, siteName);
  if (!peer || !img.mirroring) return undefined;
  const images = peer.c.pools[pool]?.images ?? {};
  for (const i of Object.values(images)) if (i.mirroring?.globalId === img.mirroring.globalId) return { ...peer, img: i };
  return undefined;
}

// ------------------------------------------------------------------ status derivation

interface MirrorState {
  state: string;
  description: string;
}

function replayDescription(world: MockWorld, img: CephImageRec, primary: CephImageRec): string {
  const now = world.now();
  const m = primary.mirroring!;
  const outage = outageAt(world.data.linkOutages, now);
  if (m.mode === 'journal') {
    const behind = outage ? Math.max(1, Math.floor((now - outage.from) / 1000)) : 0;
    const tid = Math.floor((now - m.anchor) / 1000) % 100_000;
    const pos = { entry_tid: tid, object_number: tid % 4, tag_tid: 1 };
    const np = { entry_tid: Math.max(0, tid - behind), object_number: Math.max(0, tid - behind) % 4, tag_tid: 1 };
    return `replaying, ${JSON.stringify({ bytes_per_second: 0.0, entries_behind_primary: behind, entries_per_second: 0.0, non_primary_position: np, primary_position: pos })}`;
  }
  const transferMs = world.settings.transferSeconds * 1000;
  const remoteAt = Math.max(m.anchor, m.anchor + Math.floor((now - m.anchor) / Math.max(1, m.intervalMs)) * m.intervalMs);
  const last = lastReplicatedScheduled(m.anchor, m.intervalMs, now, transferMs, world.data.linkOutages);
  const localAt = last ? last.at : m.anchor;
  const manual = m.snapshots.filter((s) => s.at + transferMs <= now && !outageAt(world.data.linkOutages, s.at));
  const localTs = Math.max(localAt, ...manual.map((s) => s.at));
  const remoteTs = Math.max(remoteAt, ...m.snapshots.map((s) => s.at));
  return `replaying, ${JSON.stringify({
    bytes_per_second: 0.0,
    bytes_per_snapshot: 0.0,
    last_snapshot_bytes: 0,
    last_snapshot_sync_seconds: 0,
    local_snapshot_timestamp: Math.floor(localTs / 1000),
    remote_snapshot_timestamp: Math.floor(remoteTs / 1000),
    replay_state: localTs >= remoteTs ? 'idle' : 'syncing',
  })}`;
}

/** The mirror state of `img` as its own cluster's rbd-mirror reports it. */
function mirrorState(world: MockWorld, siteName: string, pool: string, img: CephImageRec): MirrorState {
  const m = img.mirroring!;
  const peer = peerImage(world, siteName, pool, img);
  if (m.primary) return { state: 'up+stopped', description: 'local image is primary' };
  if (m.splitBrain) return { state: 'up+error', description: m.mode === 'journal' ? 'split-brain detected' : 'split-brain' };
  if (!peer || !peer.img.mirroring?.primary) {
    const mine = m.forcedAt ?? 0;
    return { state: 'up+unknown', description: peer && (peer.img.mirroring?.forcedAt ?? 0) > mine ? 'remote image demoted' : 'remote image is not primary' };
  }
  return { state: 'up+replaying', description: replayDescription(world, img, peer.img) };
}

export function imageStatusJson(world: MockWorld, siteName: string, c: CephClusterData, pool: string, img: CephImageRec): Record<string, unknown> {
  const now = world.now();
  const own = mirrorState(world, siteName, pool, img);
  const out: Record<string, unknown> = {
    name: img.name,
    global_id: img.mirroring!.globalId,
    state: own.state,
    description: own.description,
    daemon_service: { service_id: String(4000 + c.seq), instance_id: String(4100 + c.seq), daemon_id: c.siteName.slice(-1), hostname: 'mock' },
    last_update: cephTime(now),
  };
  const peer = peerImage(world, siteName, pool, img);
  const peerC = peerCluster(world, siteName);
  if (peerC) {
    const peerDown = isUnreachable(world, peerC.site.name);
    const ps = peer ? mirrorState(world, peerC.site.name, pool, peer.img) : { state: 'up+unknown', description: 'status not found' };
    out.peer_sites = [
      {
        site_name: peerC.c.siteName,
        mirror_uuids: peerC.c.mirrorUuid,
        state: peerDown ? ps.state.replace(/^up\+/, 'down+') : ps.state,
        description: ps.description,
        last_update: cephTime(now),
      },
    ];
  } else out.peer_sites = [];
  const m = img.mirroring!;
  if (m.mode === 'snapshot' && m.primary) {
    out.snapshots = m.snapshots.slice(-3).map((s) => ({
      id: s.id,
      name: `.mirror.primary.${m.globalId}.${randomUUIDFrom(m.globalId, s.id)}`,
      demoted: s.demoted,
      mirror_peer_uuids: [c.peerUuid],
    }));
  }
  return out;
}

function randomUUIDFrom(seed: string, n: number): string {
  const hex = Buffer.from(`${seed}:${n}`).toString('hex').padEnd(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// ------------------------------------------------------------------ the CLI

const GLOBAL_WITH_VALUE = new Set(['--cluster', '--conf', '-c', '--id', '--name', '-n', '--keyring', '-k', '--format', '--pool', '-p', '--image', '--size', '-s', '--image-feature', '--mon_host', '-m']);

interface Parsed {
  positional: string[];
  opts: Record<string, string | true>;
}

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (inline !== undefined) opts[k] = inline;
      else if (GLOBAL_WITH_VALUE.has(k)) opts[k] = args[++i] ?? '';
      else opts[k] = true;
    } else positional.push(a);
  }
  return { positional, opts };
}

const ok = (stdout = ''): RbdResult => ({ code: 0, stdout, stderr: '' });
const fail = (code: number, stderr: string): RbdResult => ({ code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });

function json(x: unknown, opts: Record<string, string | true>): string {
  return opts['--pretty-format'] ? `${JSON.stringify(x, null, 4)}\n` : `${JSON.stringify(x)}\n`;
}

/**
 * Runs an `rbd` command against the mock cluster of `site`. Mutations mark the world dirty (call
 * `world.commit()` to persist). Never throws for a bad command: returns rbd's exit code and stderr.
 */
export function runRbd(world: MockWorld, siteName: string, args: string[]): RbdResult {
  world.refreshSync();
  const site = world.data.sites[siteName];
  const c = site ? clusterOf(site) : undefined;
  if (!site || !c) return fail(1, `rbd: error: no ceph cluster for site '${siteName}' in the mock world`);
  settleRenames(world, siteName);
  if (isUnreachable(world, siteName)) {
    return fail(110, `${cephTime(world.now())} -1 monclient(hunting): authenticate timed out after 300\n[errno 110] RADOS timed out (error connecting to the cluster)\nrbd: couldn't connect to the cluster!`);
  }
  const { positional, opts } = parseArgs(args);
  const defaultPool = (opts['--pool'] as string) || (opts['-p'] as string) || (site.storage.driver === 'ceph' ? site.storage.pool : 'rbd');
  const jsonOut = opts['--format'] === 'json';
  const spec = (s: string | undefined): { pool: string; image: string } | undefined => {
    const raw = s ?? (opts['--image'] as string | undefined);
    if (!raw) return undefined;
    const [pool, image] = raw.includes('/') ? raw.split('/', 2) : [defaultPool, raw];
    return { pool: pool!, image: image! };
  };
  const find = (s: string | undefined): { pool: string; img: CephImageRec } | RbdResult => {
    const sp = spec(s);
    if (!sp) return fail(22, 'rbd: image name was not specified');
    const img = c.pools[sp.pool]?.images[sp.image];
    if (!img) return fail(2, `rbd: error opening image ${sp.image}: (2) No such file or directory`);
    return { pool: sp.pool, img };
  };
  const cmd = positional.join(' ');
  const apiName = (() => {
    const p = positional;
    if (p[0] === 'mirror') return `rbd.mirror.${p[1]}.${p[2]}`;
    return `rbd.${p[0]}`;
  })();
  const injected = takeError(world, siteName, apiName);
  if (injected !== undefined) return fail(injected, `rbd: injected fault (drctl mock): ${apiName}`);

  const [c0, c1, c2] = positional;
  if (c0 === 'ls' || c0 === 'list') {
    const pool = positional[1] ?? defaultPool;
    const imgs = Object.values(c.pools[pool]?.images ?? {}).sort((x, y) => (x.name < y.name ? -1 : 1));
    if (opts['-l'] || opts['--long']) {
      const long = imgs.map((i) => ({ image: i.name, id: i.id, size: i.size, format: 2 }));
      return ok(jsonOut ? json(long, opts) : long.map((i) => `${i.image}\t${i.size}\t2\n`).join(''));
    }
    return ok(jsonOut ? json(imgs.map((i) => i.name), opts) : imgs.map((i) => `${i.name}\n`).join(''));
  }
  if (c0 === 'snap' && (c1 === 'ls' || c1 === 'list')) {
    const r = find(positional[2]);
    if ('code' in r) return r;
    const snaps = mirrorSnapshots(world, siteName, r.pool, r.img, c.peerUuid);
    return ok(jsonOut ? json(snaps, opts) : snaps.map((s) => `${s.id} ${s.name} ${s.size} ${s.timestamp}\n`).join(''));
  }
  if (c0 === 'image-meta') {
    const r = find(positional[2]);
    if ('code' in r) return r;
    if (c1 === 'list' || c1 === 'ls') {
      const meta = r.img.meta ?? {};
      if (!Object.keys(meta).length) return ok('');
      return ok(jsonOut ? json(meta, opts) : Object.entries(meta).map(([k, v]) => `${k}\t${v}\n`).join(''));
    }
    if (c1 === 'set') {
      const [key, value] = [positional[3], positional[4]];
      if (key === undefined || value === undefined) return fail(22, 'rbd: metadata key and value were not specified');
      (r.img.meta ??= {})[key] = value;
      world.touch();
      return ok();
    }
    if (c1 === 'get') {
      const v = r.img.meta?.[positional[3] ?? ''];
      return v === undefined ? fail(2, `rbd: failed to get metadata ${positional[3]} of image : (2) No such file or directory`) : ok(`${v}\n`);
    }
    if (c1 === 'remove' || c1 === 'rm') {
      delete r.img.meta?.[positional[3] ?? ''];
      world.touch();
      return ok();
    }
  }
  if (c0 === 'mirror' && c1 === 'snapshot' && c2 === 'schedule') {
    const op = positional[3];
    const pool = (opts['--pool'] as string) || (opts['-p'] as string) || defaultPool;
    const imageName = opts['--image'] as string | undefined;
    const images = Object.values(c.pools[pool]?.images ?? {});
    if (op === 'add') {
      const interval = positional[4];
      if (!interval || !/^\d+[mhd]$/.test(interval)) return fail(22, 'rbd: invalid schedule interval');
      const img = imageName ? c.pools[pool]?.images[imageName] : undefined;
      if (imageName && !img) return fail(2, `rbd: image ${imageName} does not exist: (2) No such file or directory`);
      if (img) {
        img.schedules = [...new Set([...(img.schedules ?? []), interval])];
        if (img.mirroring) img.mirroring.intervalMs = intervalMs(interval);
        world.touch();
      }
      return ok();
    }
    if (op === 'ls' || op === 'list') {
      if (opts['--recursive'] || opts['-R']) {
        const levels = images.filter((i) => i.schedules?.length).map((i) => ({ pool, namespace: '', image: i.name, items: i.schedules!.map((x) => ({ interval: x, start_time: '' })) }));
        return ok(jsonOut ? json(levels, opts) : '');
      }
      const img = imageName ? c.pools[pool]?.images[imageName] : undefined;
      const items = (img?.schedules ?? []).map((x) => ({ interval: x, start_time: '' }));
      return ok(jsonOut ? json(items, opts) : items.map((i) => `every ${i.interval}\n`).join(''));
    }
  }
  if (c0 === 'cp' || c0 === 'copy') {
    const r = find(positional[1]);
    if ('code' in r) return r;
    const dest = spec(positional[2]);
    if (!dest) return fail(22, 'rbd: destination image name was not specified');
    if (c.pools[dest.pool]?.images[dest.image]) return fail(17, 'rbd: copy failed: (17) File exists');
    const copy = createImage(world, c, dest.pool, dest.image, r.img.size);
    const feats = opts['--image-feature'];
    if (typeof feats === 'string') copy.features = feats.split(',');
    return ok();
  }
  if (c0 === 'info') {
    const r = find(positional[1]);
    if ('code' in r) return r;
    return ok(jsonOut ? json(infoJson(r.img), opts) : infoText(r.img));
  }
  if (c0 === 'create') {
    const sp = spec(positional[1]);
    if (!sp) return fail(22, 'rbd: image name was not specified');
    if (c.pools[sp.pool]?.images[sp.image]) return fail(17, `rbd: create error: (17) File exists`);
    createImage(world, c, sp.pool, sp.image, sizeBytes(String(opts['--size'] ?? opts['-s'] ?? '1G')));
    return ok();
  }
  if (c0 === 'rm' || c0 === 'remove') {
    const r = find(positional[1]);
    if ('code' in r) return r;
    delete c.pools[r.pool]!.images[r.img.name];
    world.touch();
    return ok();
  }
  if (c0 === 'mirror' && c1 === 'image') {
    const r = find(positional[3]);
    if ('code' in r) return r;
    const { pool, img } = r;
    if (c2 === 'enable') {
      if (img.mirroring) return ok('Mirroring enabled\n');
      const mode = (positional[4] as 'journal' | 'snapshot' | undefined) ?? 'journal';
      enableMirroring(world, siteName, pool, img, mode, 60_000);
      return ok('Mirroring enabled\n');
    }
    const m = img.mirroring;
    if (!m) return fail(22, `rbd: mirroring not enabled on the image`);
    switch (c2) {
      case 'status':
        return ok(jsonOut ? json(imageStatusJson(world, siteName, c, pool, img), opts) : statusText(imageStatusJson(world, siteName, c, pool, img)));
      case 'demote': {
        if (!m.primary) return fail(22, 'rbd: error demoting image to non-primary\n2024-01-01T00:00:00.000+0000 -1 librbd::mirror::DemoteRequest: 0x0 handle_get_info: image is not primary');
        m.primary = false;
        const peer = peerImage(world, siteName, pool, img);
        // Demoted after the peer was force-promoted over us: our data diverged.
        if (peer?.img.mirroring?.primary && peer.img.mirroring.forcedAt !== undefined) m.splitBrain = true;
        m.snapshots.push({ id: nextSnapId(c), at: world.now(), demoted: true });
        world.touch();
        return ok('Image demoted to non-primary\n');
      }
      case 'promote': {
        if (m.primary) return fail(22, 'rbd: error promoting image to primary\n-1 librbd::mirror::PromoteRequest: image is already primary');
        const peer = peerImage(world, siteName, pool, img);
        const peerPrimary = Boolean(peer?.img.mirroring?.primary);
        if (peerPrimary && !opts['--force']) {
          return fail(16, 'rbd: error promoting image to primary\n-1 librbd::mirror::PromoteRequest: image is primary within a remote cluster or demotion is not propagated yet\n(16) Device or resource busy');
        }
        m.primary = true;
        m.splitBrain = false;
        m.anchor = world.now();
        if (peerPrimary) m.forcedAt = world.now();
        else delete m.forcedAt;
        if (peer?.img.mirroring && !peerPrimary) delete peer.img.mirroring.forcedAt;
        world.touch();
        return ok('Image promoted to primary\n');
      }
      case 'resync': {
        if (m.primary) return fail(22, 'rbd: cannot resync a primary image');
        m.splitBrain = false;
        m.resyncAt = world.now();
        c.seq += 1;
        img.id = `${c.seq.toString(16)}${randomUUID().replace(/-/g, '').slice(0, 10)}`;
        const peer = peerImage(world, siteName, pool, img);
        if (peer?.img.mirroring) delete peer.img.mirroring.forcedAt;
        world.touch();
        return ok('Flagged image for resync from primary\n');
      }
      case 'snapshot': {
        if (!m.primary) return fail(30, 'rbd: failed to create mirror snapshot: (30) Read-only file system');
        const id = nextSnapId(c);
        m.snapshots.push({ id, at: world.now(), demoted: false });
        if (m.snapshots.length > 10) m.snapshots.splice(0, m.snapshots.length - 10);
        world.touch();
        return ok(`Snapshot ID: ${id}\n`);
      }
      case 'disable':
        delete img.mirroring;
        world.touch();
        return ok('Mirroring disabled\n');
    }
    return fail(22, `rbd: unknown command: ${cmd}`);
  }
  if (c0 === 'mirror' && c1 === 'pool') {
    const pool = positional[3] ?? defaultPool;
    const p = c.pools[pool];
    if (!p) return fail(2, `rbd: error opening pool '${pool}': (2) No such file or directory`);
    if (c2 === 'info') {
      const peer = peerCluster(world, siteName);
      const info = {
        mode: p.mode,
        site_name: c.siteName,
        peers: peer
          ? [{ uuid: c.peerUuid, direction: 'rx-tx', site_name: peer.c.siteName, mirror_uuid: peer.c.mirrorUuid, client_name: 'client.rbd-mirror-peer' }]
          : [],
      };
      return ok(jsonOut ? json(info, opts) : `Mode: ${p.mode}\nSite Name: ${c.siteName}\n`);
    }
    if (c2 === 'status') {
      const images = Object.values(p.images).filter((i) => i.mirroring).map((i) => imageStatusJson(world, siteName, c, pool, i));
      const states: Record<string, number> = {};
      for (const i of images) {
        const s = String(i.state).split('+')[1]!;
        states[s] = (states[s] ?? 0) + 1;
      }
      const imageHealth = images.some((i) => String(i.state).endsWith('+error'))
        ? 'ERROR'
        : images.some((i) => !/\+(replaying|stopped)$/.test(String(i.state)))
          ? 'WARNING'
          : 'OK';
      const summary = { health: imageHealth, daemon_health: 'OK', image_health: imageHealth, states };
      const out: Record<string, unknown> = { summary };
      if (opts['--verbose']) {
        out.daemons = [{ service_id: String(4000 + c.seq), instance_id: String(4100 + c.seq), client_id: c.siteName.slice(-1), hostname: 'mock', ceph_version: '16.2.15', leader: true, health: 'OK' }];
        out.images = images;
      }
      return ok(jsonOut ? json(out, opts) : `health: ${summary.health}\ndaemon health: OK\nimage health: ${imageHealth}\nimages: ${images.length} total\n`);
    }
    if (c2 === 'promote' || c2 === 'demote') {
      let n = 0;
      for (const img of Object.values(p.images)) {
        const m = img.mirroring;
        if (!m) continue;
        if (c2 === 'demote' && m.primary) {
          const r = runRbd(world, siteName, ['mirror', 'image', 'demote', `${pool}/${img.name}`]);
          if (r.code === 0) n++;
        } else if (c2 === 'promote' && !m.primary) {
          const r = runRbd(world, siteName, ['mirror', 'image', 'promote', ...(opts['--force'] ? ['--force'] : []), `${pool}/${img.name}`]);
          if (r.code !== 0) return r;
          n++;
        }
      }
      return ok(`${c2 === 'promote' ? 'Promoted' : 'Demoted'} ${n} mirrored images\n`);
    }
  }
  return fail(22, `rbd: unknown or unsupported command '${cmd}' in the drctl mock`);
}

function intervalMs(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text)!;
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 86_400_000);
}

/** ctime text as rbd prints it ("Sun Nov 22 01:40:25 2026"); the mock's "host" runs on UTC. */
function ctime(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `rbd snap ls --all`: the image's mirror snapshots (the 3 newest scheduled + manual ones). */
function mirrorSnapshots(world: MockWorld, siteName: string, pool: string, img: CephImageRec, peerUuid: string) {
  const m = img.mirroring;
  if (!m || m.mode !== 'snapshot') return [];
  const now = world.now();
  const primary = m.primary ? img : peerImage(world, siteName, pool, img)?.img;
  const pm = primary?.mirroring;
  const times: { id: number; at: number; demoted: boolean }[] = [];
  if (pm) {
    const k = Math.floor((now - pm.anchor) / Math.max(1, pm.intervalMs));
    for (let i = Math.max(1, k - 2); i <= k; i++) times.push({ id: 1000 + i, at: pm.anchor + i * pm.intervalMs, demoted: false });
    times.push(...pm.snapshots);
  }
  const transferMs = world.settings.transferSeconds * 1000;
  return times
    .filter((s) => m.primary || (s.at + transferMs <= now && !outageAt(world.data.linkOutages, s.at)))
    .sort((x, y) => x.at - y.at)
    .slice(-3)
    .map((s) => ({
      id: s.id,
      name: `.mirror.${m.primary ? 'primary' : 'non_primary'}.${m.globalId}.${randomUUIDFrom(m.globalId, s.id)}`,
      size: img.size,
      protected: 'false',
      timestamp: ctime(s.at),
      namespace: m.primary
        ? { type: 'mirror', state: s.demoted ? 'demoted' : 'primary', mirror_peer_uuids: [peerUuid] }
        : { type: 'mirror', state: 'non-primary', primary_mirror_uuid: peerUuid, primary_snap_id: s.id, last_copied_object_number: Math.ceil(img.size / 4_194_304), complete: true },
    }));
}

function nextSnapId(c: CephClusterData): number {
  c.seq += 1;
  return c.seq;
}

function sizeBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(s);
  if (!m) return 1024 ** 3;
  const mult = { '': 1024 ** 2, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * mult);
}

function infoJson(img: CephImageRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: img.name,
    id: img.id,
    size: img.size,
    objects: Math.ceil(img.size / 4_194_304),
    order: 22,
    object_size: 4_194_304,
    snapshot_count: img.mirroring?.snapshots.length ?? 0,
    block_name_prefix: `rbd_data.${img.id}`,
    format: 2,
    features: img.mirroring && !img.mirroring.primary ? [...img.features, 'non-primary'] : img.features,
    op_features: [],
    flags: [],
    create_timestamp: ctime(img.createdAt),
    access_timestamp: ctime(img.createdAt),
    modify_timestamp: ctime(img.createdAt),
  };
  if (img.mirroring) {
    out.mirroring = { mode: img.mirroring.mode, state: 'enabled', global_id: img.mirroring.globalId, primary: img.mirroring.primary };
  }
  return out;
}

function infoText(img: CephImageRec): string {
  const j = infoJson(img);
  const lines = [`rbd image '${img.name}':`, `\tsize ${img.size} B in ${j.objects} objects`, `\tid: ${img.id}`, `\tfeatures: ${(j.features as string[]).join(', ')}`];
  if (img.mirroring) {
    lines.push(`\tmirroring state: enabled`, `\tmirroring mode: ${img.mirroring.mode}`, `\tmirroring global id: ${img.mirroring.globalId}`, `\tmirroring primary: ${img.mirroring.primary}`);
  }
  return `${lines.join('\n')}\n`;
}

function statusText(s: Record<string, unknown>): string {
  const lines = [`${s.name}:`, `  global_id:   ${s.global_id}`, `  state:       ${s.state}`, `  description: ${s.description}`, `  last_update: ${s.last_update}`];
  return `${lines.join('\n')}\n`;
}

/** A runner bound to one world: `(site, args)` → the rbd result, synchronously. */
export function createRbdRunner(world: MockWorld): (site: string, args: string[]) => RbdResult {
  return (site, args) => runRbd(world, site, args);
}

/**
 * The Ceph provider's CommandRunner contract (`run(cmd, args)` → Promise<{code, stdout, stderr}>)
 * over the mock: the site is the one whose cluster `--cluster NAME` names (or whose name appears in
 * `--conf PATH`); mutations are written to the world file before the promise resolves.
 */
export function createRbdCommandRunner(world: MockWorld): { run(cmd: string, args: string[]): Promise<RbdResult> } {
  return {
    async run(_cmd, args) {
      await world.refresh();
      const { opts } = parseArgs(args);
      const cluster = opts['--cluster'];
      const conf = opts['--conf'] ?? opts['-c'];
      const site = world.siteNames().find((s) => {
        const c = clusterOf(world.site(s));
        if (!c) return false;
        if (typeof cluster === 'string') return c.cluster === cluster;
        return typeof conf === 'string' && (conf.includes(c.cluster) || conf.includes(s));
      });
      if (!site) return fail(1, `rbd: error: the mock world has no ceph cluster for ${typeof cluster === 'string' ? `--cluster ${cluster}` : `--conf ${String(conf)}`}`);
      const r = runRbd(world, site, args);
      await world.commit();
      return r;
    },
  };
}
