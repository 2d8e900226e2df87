/**
 * The mock world: the persisted data (lowdb, JSONFile adapter), the simulated clock, and per-site
 * indexes. One MockWorld is shared by the HTTP server, the rbd emulator and the CLI commands.
 *
 * Persistence rules (the benchmark runs 5,000 VMs through this):
 * - reads never write; a mutation marks the world dirty and `commit()` writes the whole file once;
 * - `refresh()` reloads only when the file changed on disk (inode, mtime or size differ from what we
 *   last read or wrote), so `drctl mock fault add` from another process reaches a running server;
 * - indexes (by name, by owner) are rebuilt lazily, once per change, never per request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, statSync, readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { DrctlError } from '../errors.js';
import { MockCode } from './codes.js';
import type {
  FlavorRec,
  NetworkRec,
  PortRec,
  PureVolumeRec,
  SecurityGroupRec,
  ServerRec,
  SiteData,
  SnapshotRec,
  VolumeRec,
  VolumeTypeRec,
  WorldData,
} from './types.js';
import { WORLD_FORMAT } from './types.js';

export interface WorldOptions {
  /** Real clock (ms). Tests inject one; the simulated clock is this plus the world's offset. */
  realNow?: () => number;
}

/** Name lookups over the small collections (flavors, networks, groups, types): cheap to rebuild. */
export interface SiteNames {
  flavorByName: Map<string, FlavorRec>;
  networkByName: Map<string, NetworkRec>;
  securityGroupByName: Map<string, SecurityGroupRec>;
  typeByName: Map<string, VolumeTypeRec>;
}

/** Lookups over the big collections (servers, volumes, ports, array volumes), rebuilt once per change. */
export interface SiteIndex extends SiteNames {
  portsByDevice: Map<string, PortRec[]>;
  volumesByGroup: Map<string, VolumeRec[]>;
  snapshotsByGroupSnapshot: Map<string, SnapshotRec[]>;
  serverByName: Map<string, ServerRec[]>;
  /** Nova order: created_at desc, id desc. */
  serversSorted: ServerRec[];
  /** Cinder order: created_at desc, id desc. */
  volumesSorted: VolumeRec[];
  /** Pure: array volume by its current name. */
  arrayVolumeByName: Map<string, PureVolumeRec>;
  /** Pure: array volumes per pod name. */
  arrayVolumesByPod: Map<string, PureVolumeRec[]>;
  /** Pure: the Cinder volume backed by an array volume id. */
  cinderByArrayVolume: Map<string, VolumeRec>;
  /** Ceph: the Cinder volume backed by an image name. */
  cinderByImage: Map<string, VolumeRec>;
}

function byCreatedDesc<T extends { createdAt: number; id: string }>(a: T, b: T): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function fileKey(st: Stats): string {
  return `${st.ino}:${st.mtimeMs}:${st.size}`;
}

export class MockWorld {
  readonly path: string;
  private db: Low<WorldData>;
  private readonly realNow: () => number;
  private diskKey = '';
  private generation = 0;
  private dirty = false;
  private indexes = new Map<string, { gen: number; index: SiteIndex }>();
  private nameIndexes = new Map<string, { gen: number; names: SiteNames }>();
  private writing: Promise<void> = Promise.resolve();
  /** A write queued behind the running one: later commits join it (it serializes the data when it starts). */
  private queued?: Promise<void>;
  private inFlight = 0;
  /** Writes of the world file so far, and the time they took (ms; they run one after another). */
  writes = 0;
  writeMs = 0;

  private constructor(file: string, data: WorldData, opts: WorldOptions) {
    this.path = file;
    // Compact JSON: every mutating request rewrites the file before it answers, and indentation made
    // that write ~40% bigger and slower (`drctl mock show` is the readable view).
    this.db = new Low<WorldData>(new DataFile<WorldData>(file, { parse: JSON.parse, stringify: (d) => JSON.stringify(d) }), data);
    this.realNow = opts.realNow ?? Date.now;
  }

  /** Opens an existing world file. */
  static async open(file: string, opts: WorldOptions = {}): Promise<MockWorld> {
    const abs = path.resolve(file);
    const w = new MockWorld(abs, {} as WorldData, opts);
    await w.load();
    return w;
  }

  /** Makes a new world file from data (refuses to overwrite unless force). */
  static async create(file: string, data: WorldData, opts: WorldOptions & { force?: boolean } = {}): Promise<MockWorld> {
    const abs = path.resolve(file);
    if (!opts.force && exists(abs)) {
      throw new DrctlError(MockCode.worldExists, `a mock world already exists at ${file}`, {
        hint: 'Pass --force to replace it (its servers, volumes and faults are lost), or use --mock-world PATH.',
      });
    }
    const w = new MockWorld(abs, data, opts);
    w.dirty = true;
    await w.commit();
    return w;
  }

  private async load(): Promise<void> {
    let st: Stats;
    try {
      st = statSync(this.path);
    } catch {
      throw new DrctlError(MockCode.worldMissing, `no mock world at ${this.path}`, {
        hint: 'Create one with: drctl mock init SPEC (or pass --mock-world PATH).',
      });
    }
    try {
      await this.db.read();
    } catch (err) {
      throw new DrctlError(MockCode.worldCorrupt, `the mock world file ${this.path} is not valid JSON`, {
        cause: err,
        hint: 'Re-create it with: drctl mock init SPEC --force',
      });
    }
    this.checkFormat(this.db.data);
    this.diskKey = fileKey(st);
    this.generation++;
  }

  private checkFormat(d: WorldData | null): void {
    if (!d || d.format !== WORLD_FORMAT) {
      throw new DrctlError(MockCode.worldCorrupt, `${this.path} is not a drctl mock world (format ${String(d?.format)})`, {
        hint: 'Re-create it with: drctl mock init SPEC --force',
      });
    }
  }

  get data(): WorldData {
    return this.db.data;
  }

  /** Reloads the file if another process changed it. Returns true when it reloaded. */
  async refresh(): Promise<boolean> {
    // Our own change is pending or being written: it wins, and reads need not wait for the disk.
    if (this.dirty || this.inFlight > 0) return false;
    await this.writing;
    let st: Stats;
    try {
      st = statSync(this.path);
    } catch {
      return false; // deleted under us: keep serving what we have
    }
    if (fileKey(st) === this.diskKey) return false;
    await this.load();
    return true;
  }

  /** Synchronous variant of refresh for the rbd emulator (its runner contract is synchronous). */
  refreshSync(): boolean {
    if (this.dirty) return false;
    let st: Stats;
    try {
      st = statSync(this.path);
    } catch {
      return false;
    }
    if (fileKey(st) === this.diskKey) return false;
    const d = JSON.parse(readFileSync(this.path, 'utf8')) as WorldData;
    this.checkFormat(d);
    this.db.data = d;
    this.diskKey = fileKey(st);
    this.generation++;
    return true;
  }

  /** Marks the world changed: indexes are rebuilt on next use and commit() will write. */
  touch(): void {
    this.dirty = true;
    this.generation++;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Grows with every change (touch) and reload: tells whether something changed in between. */
  get version(): number {
    return this.generation;
  }

  /**
   * Writes the file if anything changed since the last write; resolves once a write that includes
   * every change made before the call is on disk (a mutating request answers only then).
   * Group commit: changes made while a write runs share one queued write, instead of one full
   * rewrite of the world per request queued behind each other.
   */
  async commit(): Promise<void> {
    if (!this.dirty) return this.writing;
    if (this.queued) return this.queued; // not started yet: it will serialize our change too
    const run = async (): Promise<void> => {
      this.queued = undefined;
      this.dirty = false;
      const t0 = performance.now();
      mkdirSync(path.dirname(this.path), { recursive: true });
      await this.db.write();
      this.diskKey = fileKey(statSync(this.path));
      this.writes++;
      this.writeMs += performance.now() - t0;
    };
    this.inFlight++;
    const p = this.writing.then(run, run).finally(() => {
      this.inFlight--;
    });
    this.queued = p;
    this.writing = p;
    return p;
  }

  // ------------------------------------------------------------ clock and ids

  /** Simulated now, ms. */
  now(): number {
    return this.realNow() + this.data.clockOffsetMs;
  }

  advance(ms: number): void {
    this.data.clockOffsetMs += ms;
    this.touch();
  }

  uuid(): string {
    return randomUUID();
  }

  hexId(): string {
    return randomUUID().replace(/-/g, '');
  }

  nextSeq(): number {
    this.data.seq += 1;
    return this.data.seq;
  }

  get settings(): WorldData['settings'] {
    return this.data.settings;
  }

  // ------------------------------------------------------------ sites

  siteNames(): string[] {
    return [...this.data.siteOrder];
  }

  site(name: string): SiteData {
    const s = this.data.sites[name];
    if (!s) {
      throw new DrctlError(MockCode.unknownSite, `the mock world has no site '${name}'`, {
        hint: `Sites: ${this.data.siteOrder.join(', ')}`,
      });
    }
    return s;
  }

  /** The other site of the pair. */
  peerOf(name: string): SiteData {
    const other = this.data.siteOrder.find((s) => s !== name);
    if (!other) throw new DrctlError(MockCode.unknownSite, `site '${name}' has no peer in the mock world`);
    return this.site(other);
  }

  /** O(n) to rebuild after a change: use for listings, not inside loops that mutate. */
  index(name: string): SiteIndex {
    const cached = this.indexes.get(name);
    if (cached && cached.gen === this.generation) return cached.index;
    const index = { ...buildIndex(this.site(name)), ...this.names(name) };
    this.indexes.set(name, { gen: this.generation, index });
    return index;
  }

  /** Name lookups of the small collections; safe to call between mutations. */
  names(name: string): SiteNames {
    const cached = this.nameIndexes.get(name);
    if (cached && cached.gen === this.generation) return cached.names;
    const names = buildNames(this.site(name));
    this.nameIndexes.set(name, { gen: this.generation, names });
    return names;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function buildNames(site: SiteData): SiteNames {
  const n: SiteNames = { flavorByName: new Map(), networkByName: new Map(), securityGroupByName: new Map(), typeByName: new Map() };
  for (const f of Object.values(site.nova.flavors)) n.flavorByName.set(f.name, f);
  for (const x of Object.values(site.neutron.networks)) n.networkByName.set(x.name, x);
  for (const g of Object.values(site.neutron.securityGroups)) n.securityGroupByName.set(g.name, g);
  for (const t of Object.values(site.cinder.types)) n.typeByName.set(t.name, t);
  return n;
}

function buildIndex(site: SiteData): Omit<SiteIndex, keyof SiteNames> {
  const ix: Omit<SiteIndex, keyof SiteNames> = {
    portsByDevice: new Map(),
    volumesByGroup: new Map(),
    snapshotsByGroupSnapshot: new Map(),
    serverByName: new Map(),
    serversSorted: Object.values(site.nova.servers).sort(byCreatedDesc),
    volumesSorted: Object.values(site.cinder.volumes).sort(byCreatedDesc),
    arrayVolumeByName: new Map(),
    arrayVolumesByPod: new Map(),
    cinderByArrayVolume: new Map(),
    cinderByImage: new Map(),
  };
  for (const p of Object.values(site.neutron.ports)) if (p.deviceId) push(ix.portsByDevice, p.deviceId, p);
  for (const s of ix.serversSorted) push(ix.serverByName, s.name, s);
  for (const v of ix.volumesSorted) {
    if (v.groupId) push(ix.volumesByGroup, v.groupId, v);
    if (v.backing?.arrayVolumeId) ix.cinderByArrayVolume.set(v.backing.arrayVolumeId, v);
    if (v.backing?.image) ix.cinderByImage.set(v.backing.image, v);
  }
  for (const s of Object.values(site.cinder.snapshots)) if (s.groupSnapshotId) push(ix.snapshotsByGroupSnapshot, s.groupSnapshotId, s);
  if (site.storage.driver === 'pure') {
    for (const v of Object.values(site.storage.pure.volumes)) {
      ix.arrayVolumeByName.set(v.name, v);
      if (v.pod) push(ix.arrayVolumesByPod, v.pod, v);
    }
  }
  return ix;
}

/** A fresh random secret for signing tokens. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}
