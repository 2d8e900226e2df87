/**
 * The mock world: the persisted data, the simulated clock, and per-site indexes. One MockWorld is
 * shared by the HTTP server, the rbd emulator and the CLI commands.
 *
 * Persistence (the benchmarks run 5,000 VMs and a 20-group failover through this):
 * - the world is a snapshot file (`mock-world.json`, compact JSON) plus, while a server runs, an
 *   append-only change log beside it (`mock-world.json.log`, one JSON line per commit);
 * - `data` is a tracking view of the plain data: every write through it (set, delete, array method)
 *   marks the record it belongs to (a server, a volume, an array volume, a fault list, ...);
 *   `commit()` appends the marked records' current JSON (or their deletion) to the log in one
 *   synchronous write — a mutating request still answers only once its change is in the file system
 *   (a SIGKILLed process loses nothing it acknowledged), but it costs one small append instead of a
 *   rewrite of the whole world;
 * - when the log outgrows the snapshot (and when the server closes) the world is compacted: snapshot
 *   rewritten (temp file + rename), log removed. Loading = snapshot + the log replayed (log entries are
 *   absolute values, so replaying one already in the snapshot is harmless; a torn last line is
 *   ignored). Without a log (one-shot CLI commands, tests) a commit rewrites the snapshot;
 * - `refresh()` reloads only when the snapshot or the log changed on disk (inode, mtime or size
 *   differ from what we last read or wrote), so `drctl mock fault add` from another process reaches a
 *   running server (that process appends to the server's log);
 * - indexes (by name, by owner) are rebuilt lazily, once per change (`touch()`), never per request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
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

function statKey(file: string): string {
  try {
    return fileKey(statSync(file));
  } catch {
    return '';
  }
}

// ------------------------------------------------------------ change tracking

/**
 * The unit a change is logged as: a record of a collection (`sites.<s>.<service>.<collection>.<id>`,
 * `sites.<s>.storage.pure.<collection>.<id>`, `sites.<s>.storage.ceph.pools.<pool>.images.<name>`),
 * else a top-level key (`faults`, `seq`, `clockOffsetMs`, ...). Arrays are units as a whole.
 */
function closesAt(p: readonly string[]): boolean {
  if (p[0] !== 'sites') return p.length >= 1;
  if (p.length >= 3 && p[2] === 'storage') return p.length >= (p[3] === 'ceph' ? 8 : 6);
  return p.length >= 5;
}

interface TrackNode {
  /** Set once the node is inside a unit: every change below marks this path. */
  unit?: string[];
  /** Path from the root while no unit is decided yet. */
  path: string[];
  /** Proxies handed out for this node's children (by key), while the child object stays the same. */
  children: Map<PropertyKey, { target: object; proxy: object }>;
}

type Log = { s: Array<[string[], unknown]>; d: string[][] };

const SEP = '\u0001';

export class MockWorld {
  readonly path: string;
  /** The change log beside the snapshot (see the file comment). */
  readonly logPath: string;
  private raw: WorldData;
  private root!: WorldData;
  private readonly realNow: () => number;
  private diskKey = '';
  private logKey = '';
  private logBytes = 0;
  private snapshotBytes = 0;
  /** Append commits to the log (a server runs, or a log was there when we loaded). */
  private logMode = false;
  private generation = 0;
  /** touch() was called since the last commit. */
  private dirty = false;
  /** Units changed through `data` since the last commit (key → path). */
  private marked = new Map<string, string[]>();
  /** Proxy → the plain object it stands for. */
  private readonly targets = new WeakMap<object, object>();
  private indexes = new Map<string, { gen: number; index: SiteIndex }>();
  private nameIndexes = new Map<string, { gen: number; names: SiteNames }>();
  /** Writes to the file system so far (log appends + snapshots), and the time they took (ms). */
  writes = 0;
  writeMs = 0;
  /** Of those: log appends, snapshot rewrites, and commits that found a change it could not place (touch() without a tracked write: full snapshot). */
  appends = 0;
  snapshots = 0;
  untracked = 0;

  private constructor(file: string, data: WorldData, opts: WorldOptions) {
    this.path = file;
    this.logPath = `${file}.log`;
    this.raw = data;
    this.realNow = opts.realNow ?? Date.now;
    this.rewrap();
  }

  /** Opens an existing world file (and replays its change log, if any). */
  static async open(file: string, opts: WorldOptions = {}): Promise<MockWorld> {
    const abs = path.resolve(file);
    const w = new MockWorld(abs, {} as WorldData, opts);
    w.load();
    return w;
  }

  /** Makes a new world file from data (refuses to overwrite unless force). */
  static async create(file: string, data: WorldData, opts: WorldOptions & { force?: boolean } = {}): Promise<MockWorld> {
    const abs = path.resolve(file);
    if (!opts.force && existsSync(abs)) {
      throw new DrctlError(MockCode.worldExists, `a mock world already exists at ${file}`, {
        hint: 'Pass --force to replace it (its servers, volumes and faults are lost), or use --mock-world PATH.',
      });
    }
    const w = new MockWorld(abs, data, opts);
    w.writeSnapshot();
    return w;
  }

  private load(): void {
    let st: Stats;
    try {
      st = statSync(this.path);
    } catch {
      throw new DrctlError(MockCode.worldMissing, `no mock world at ${this.path}`, {
        hint: 'Create one with: drctl mock init SPEC (or pass --mock-world PATH).',
      });
    }
    let d: WorldData;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
      d = JSON.parse(text) as WorldData;
    } catch (err) {
      throw new DrctlError(MockCode.worldCorrupt, `the mock world file ${this.path} is not valid JSON`, {
        cause: err,
        hint: 'Re-create it with: drctl mock init SPEC --force',
      });
    }
    this.checkFormat(d);
    this.snapshotBytes = text.length;
    this.diskKey = fileKey(st);
    this.logKey = '';
    this.logBytes = 0;
    let log: string | undefined;
    try {
      const lst = statSync(this.logPath);
      log = readFileSync(this.logPath, 'utf8');
      this.logKey = fileKey(lst);
      this.logBytes = lst.size;
    } catch {
      log = undefined;
    }
    if (log !== undefined) {
      this.logMode = true;
      replay(d, log);
    }
    this.raw = d;
    this.rewrap();
    this.generation++;
  }

  private checkFormat(d: WorldData | null): void {
    if (!d || d.format !== WORLD_FORMAT) {
      throw new DrctlError(MockCode.worldCorrupt, `${this.path} is not a drctl mock world (format ${String(d?.format)})`, {
        hint: 'Re-create it with: drctl mock init SPEC --force',
      });
    }
  }

  /** The world's data. Writes through it are tracked for the change log (see the file comment). */
  get data(): WorldData {
    return this.plainReads ? this.raw : this.root;
  }

  /** Inside readOnly(): `data`, `site()` and indexes hand out the plain data (no tracking cost). */
  private plainReads = false;

  /**
   * Runs a read (a GET) on the plain data: reading through the tracking view costs ~5× a plain read,
   * which a 5,000-VM listing feels. A change made anyway (a one-shot fault consumed, a lazily settled
   * state) is not tracked: its touch() makes the next commit rewrite the snapshot (nothing is lost).
   */
  readOnly<T>(fn: () => T): T {
    const was = this.plainReads;
    this.plainReads = true;
    try {
      return fn();
    } finally {
      this.plainReads = was;
    }
  }

  /**
   * Commits append to the change log instead of rewriting the snapshot (the server turns this on;
   * compact() or the next open without a log turns it off again).
   */
  useChangeLog(on = true): void {
    this.logMode = on;
  }

  /** A change log exists beside the snapshot (compact() folds it in). */
  get hasLog(): boolean {
    return this.logKey !== '';
  }

  /** Reloads the file if another process changed it. Returns true when it reloaded. */
  async refresh(): Promise<boolean> {
    return this.refreshSync();
  }

  /** Synchronous refresh (the rbd emulator's runner contract is synchronous). */
  refreshSync(): boolean {
    // Our own change is not committed yet: it wins (commit() appends it on top of what is there).
    if (this.isDirty) return false;
    const key = statKey(this.path);
    if (key === '') return false; // deleted under us: keep serving what we have
    if (key === this.diskKey && statKey(this.logPath) === this.logKey) return false;
    this.load();
    return true;
  }

  /** Marks the world changed: indexes are rebuilt on next use and commit() will write. */
  touch(): void {
    this.dirty = true;
    this.generation++;
  }

  get isDirty(): boolean {
    return this.dirty || this.marked.size > 0;
  }

  /** Grows with every change (touch) and reload: tells whether something changed in between. */
  get version(): number {
    return this.generation;
  }

  /**
   * Makes every change so far durable in the file system before it resolves: one appended log line
   * (log mode) or a snapshot rewrite. Synchronous work; the promise is for callers that await it.
   */
  async commit(): Promise<void> {
    this.commitSync();
  }

  commitSync(): void {
    if (!this.isDirty) return;
    const t0 = performance.now();
    if (!this.logMode || this.marked.size === 0) {
      // touch() without a tracked write (a change made on an object held from before, or no log):
      // the snapshot is the only safe record.
      if (this.logMode) this.untracked++;
      this.writeSnapshot();
    } else {
      this.appendLog();
      if (this.logBytes > Math.max(512 * 1024, this.snapshotBytes)) this.writeSnapshot();
    }
    this.writes++;
    this.writeMs += performance.now() - t0;
  }

  /** Writes the whole world to the snapshot and drops the change log (the server does this on close). */
  compact(): void {
    const t0 = performance.now();
    this.writeSnapshot();
    this.writes++;
    this.writeMs += performance.now() - t0;
  }

  private writeSnapshot(): void {
    this.marked.clear();
    this.dirty = false;
    const text = JSON.stringify(this.raw);
    mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.path);
    try {
      unlinkSync(this.logPath);
    } catch {
      /* no log */
    }
    this.diskKey = statKey(this.path);
    this.logKey = '';
    this.logBytes = 0;
    this.snapshotBytes = text.length;
    this.snapshots++;
  }

  private appendLog(): void {
    const units = [...this.marked.values()].sort((a, b) => a.length - b.length);
    this.marked.clear();
    this.dirty = false;
    const kept = new Set<string>();
    const entry: Log = { s: [], d: [] };
    for (const u of units) {
      let covered = false;
      for (let i = 1; i < u.length && !covered; i++) covered = kept.has(u.slice(0, i).join(SEP));
      if (covered) continue;
      kept.add(u.join(SEP));
      const at = lookup(this.raw, u);
      if (at.found) entry.s.push([u, at.value]);
      else entry.d.push(u);
    }
    const line = `${JSON.stringify(entry)}\n`;
    mkdirSync(path.dirname(this.logPath), { recursive: true });
    const fd = openSync(this.logPath, 'a');
    try {
      writeSync(fd, line);
      const st = fstatSync(fd);
      this.logKey = fileKey(st);
      this.logBytes = st.size;
    } finally {
      closeSync(fd);
    }
    this.appends++;
  }

  // ------------------------------------------------------------ the tracking view

  private rewrap(): void {
    this.root = this.wrap(this.raw, { path: [], children: new Map() }) as WorldData;
  }

  private wrap(target: object, node: TrackNode): object {
    const world = this;
    const mark = (key: PropertyKey): void => {
      const u = node.unit ?? [...node.path, String(key)];
      world.marked.set(u.join(SEP), u);
    };
    const proxy = new Proxy(target, {
      get(t, key) {
        let v = (t as Record<PropertyKey, unknown>)[key];
        if (v === null || typeof v !== 'object' || typeof key === 'symbol') return v;
        const c = node.children.get(key);
        if (c !== undefined && c.target === v) return c.proxy;
        const inner = world.targets.get(v);
        if (inner) v = inner; // a tracking view stored in the data (by a plain object's holder): use what it stands for
        let child: TrackNode;
        if (node.unit) child = { unit: node.unit, path: node.unit, children: new Map() };
        else {
          const p = [...node.path, String(key)];
          child = Array.isArray(v) || closesAt(p) ? { unit: p, path: p, children: new Map() } : { path: p, children: new Map() };
        }
        const px = world.wrap(v as object, child);
        node.children.set(key, { target: v as object, proxy: px });
        return px;
      },
      set(t, key, value) {
        if (typeof key !== 'symbol') {
          mark(key);
          node.children.delete(key);
        }
        return Reflect.set(t, key, world.plain(value));
      },
      deleteProperty(t, key) {
        if (typeof key !== 'symbol') {
          mark(key);
          node.children.delete(key);
        }
        return Reflect.deleteProperty(t, key);
      },
      defineProperty(t, key, desc) {
        if (typeof key !== 'symbol') {
          mark(key);
          node.children.delete(key);
        }
        return Reflect.defineProperty(t, key, 'value' in desc ? { ...desc, value: world.plain(desc.value) } : desc);
      },
    });
    this.targets.set(proxy, target);
    return proxy;
  }

  /**
   * A value about to be stored. A tracking view stored as such is the object it stands for (a record
   * moved from one collection to another stays one object); views nested inside a new object (`{ ...rec }`
   * copies rec's metadata view) are stored as copies, as a JSON round trip would: two records never
   * share a nested object, so a change through one is never a silent change of the other.
   */
  private plain(value: unknown, top = true, depth = 0): unknown {
    if (value === null || typeof value !== 'object') return value;
    const inner = this.targets.get(value);
    if (inner) return top ? inner : structuredClone(inner);
    if (depth > 64) return value;
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v !== null && typeof v === 'object') {
        const p = this.plain(v, false, depth + 1);
        if (p !== v) o[k] = p;
      }
    }
    return value;
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

  private rawSite(name: string): SiteData {
    this.site(name); // the unknown-site error
    return this.raw.sites[name]!;
  }

  /** The other site of the pair. */
  peerOf(name: string): SiteData {
    const other = this.data.siteOrder.find((s) => s !== name);
    if (!other) throw new DrctlError(MockCode.unknownSite, `site '${name}' has no peer in the mock world`);
    return this.site(other);
  }

  /** O(n) to rebuild after a change: use for listings, not inside loops that mutate. */
  index(name: string): SiteIndex {
    const key = this.plainReads ? `plain:${name}` : name;
    const cached = this.indexes.get(key);
    if (cached && cached.gen === this.generation) return cached.index;
    const index = { ...buildIndex(this.rawSite(name), this.site(name)), ...this.names(name) };
    this.indexes.set(key, { gen: this.generation, index });
    return index;
  }

  /** Name lookups of the small collections; safe to call between mutations. */
  names(name: string): SiteNames {
    const key = this.plainReads ? `plain:${name}` : name;
    const cached = this.nameIndexes.get(key);
    if (cached && cached.gen === this.generation) return cached.names;
    const names = buildNames(this.rawSite(name), this.site(name));
    this.nameIndexes.set(key, { gen: this.generation, names });
    return names;
  }
}

/** The value at path p of a plain object tree. */
function lookup(root: unknown, p: readonly string[]): { found: boolean; value?: unknown } {
  let cur = root;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, k)) return { found: false };
    cur = (cur as Record<string, unknown>)[k];
  }
  return { found: true, value: cur };
}

/** Applies change-log lines to a snapshot's data (in order; a torn last line is ignored). */
function replay(data: WorldData, log: string): void {
  const root = data as unknown as Record<string, unknown>;
  for (const line of log.split('\n')) {
    if (!line) continue;
    let e: Log;
    try {
      e = JSON.parse(line) as Log;
    } catch {
      break; // the last line of a write cut short
    }
    for (const [p, v] of e.s) {
      let cur = root;
      for (let i = 0; i < p.length - 1; i++) {
        const k = p[i]!;
        const next = cur[k];
        if (next === null || typeof next !== 'object') cur[k] = {};
        cur = cur[k] as Record<string, unknown>;
      }
      cur[p[p.length - 1]!] = v;
    }
    for (const p of e.d) {
      const parent = lookup(root, p.slice(0, -1));
      if (parent.found && parent.value !== null && typeof parent.value === 'object') {
        if (Array.isArray(parent.value)) parent.value.splice(Number(p[p.length - 1]), 1);
        else delete (parent.value as Record<string, unknown>)[p[p.length - 1]!];
      }
    }
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** [plain record, its tracking view] of every record of a collection (fields are read from the plain one: no trap). */
function pairs<T>(raw: Record<string, T>, view: Record<string, T>): Array<[T, T]> {
  const out: Array<[T, T]> = [];
  for (const k of Object.keys(raw)) out.push([raw[k]!, view[k]!]);
  return out;
}

function buildNames(raw: SiteData, site: SiteData): SiteNames {
  const n: SiteNames = { flavorByName: new Map(), networkByName: new Map(), securityGroupByName: new Map(), typeByName: new Map() };
  for (const [r, f] of pairs(raw.nova.flavors, site.nova.flavors)) n.flavorByName.set(r.name, f);
  for (const [r, x] of pairs(raw.neutron.networks, site.neutron.networks)) n.networkByName.set(r.name, x);
  for (const [r, g] of pairs(raw.neutron.securityGroups, site.neutron.securityGroups)) n.securityGroupByName.set(r.name, g);
  for (const [r, t] of pairs(raw.cinder.types, site.cinder.types)) n.typeByName.set(r.name, t);
  return n;
}

/** Built from the plain data (fast reads), holding the tracking views (handlers change what they find). */
function buildIndex(raw: SiteData, site: SiteData): Omit<SiteIndex, keyof SiteNames> {
  const sorted = <T extends { createdAt: number; id: string }>(xs: Array<[T, T]>) => xs.sort((x, y) => byCreatedDesc(x[0], y[0]));
  const servers = sorted(pairs(raw.nova.servers, site.nova.servers));
  const volumes = sorted(pairs(raw.cinder.volumes, site.cinder.volumes));
  const ix: Omit<SiteIndex, keyof SiteNames> = {
    portsByDevice: new Map(),
    volumesByGroup: new Map(),
    snapshotsByGroupSnapshot: new Map(),
    serverByName: new Map(),
    serversSorted: servers.map((x) => x[1]),
    volumesSorted: volumes.map((x) => x[1]),
    arrayVolumeByName: new Map(),
    arrayVolumesByPod: new Map(),
    cinderByArrayVolume: new Map(),
    cinderByImage: new Map(),
  };
  for (const [r, p] of pairs(raw.neutron.ports, site.neutron.ports)) if (r.deviceId) push(ix.portsByDevice, r.deviceId, p);
  for (const [r, s] of servers) push(ix.serverByName, r.name, s);
  for (const [r, v] of volumes) {
    if (r.groupId) push(ix.volumesByGroup, r.groupId, v);
    if (r.backing?.arrayVolumeId) ix.cinderByArrayVolume.set(r.backing.arrayVolumeId, v);
    if (r.backing?.image) ix.cinderByImage.set(r.backing.image, v);
  }
  for (const [r, x] of pairs(raw.cinder.snapshots, site.cinder.snapshots)) if (r.groupSnapshotId) push(ix.snapshotsByGroupSnapshot, r.groupSnapshotId, x);
  if (raw.storage.driver === 'pure' && site.storage.driver === 'pure') {
    for (const [r, v] of pairs(raw.storage.pure.volumes, site.storage.pure.volumes)) {
      ix.arrayVolumeByName.set(r.name, v);
      if (r.pod) push(ix.arrayVolumesByPod, r.pod, v);
    }
  }
  return ix;
}

/** A fresh random secret for signing tokens. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}
