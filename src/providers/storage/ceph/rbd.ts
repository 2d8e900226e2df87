/**
 * RbdCli: the `rbd` command line of one cluster (one site), built from the spec's site storage
 * settings. Every query runs with `--format json` and goes through a parser; actions (promote,
 * demote, ...) take no --format (rbd rejects it there: "unrecognised option '--format'").
 *
 * Connection options added to every command:
 *   --cluster NAME | --conf PATH      (spec `cluster` / `conf`)
 *   --id CLIENT                       (spec `client`, default admin)
 *   --keyring PATH                    (spec `keyring`: {file: PATH}, or {env: VAR} whose value is a PATH)
 *   --client-mount-timeout=S          so an unreachable cluster fails in S seconds (Ceph's default is 300)
 *   --rados-osd-op-timeout=S --rados-mon-op-timeout=S   so a cluster with dead OSDs fails instead of hanging
 * The key itself never appears in argv: rbd reads it from the keyring file.
 */
import { DrctlError } from '../../../errors.js';
import type { CephStorageSpec } from '../../../spec/types.js';
import { CephCode, cephError, classifyRbdFailure, summarizeStderr } from './errors.js';
import {
  parseImageInfo,
  parseImageMeta,
  parseImageStatus,
  parseList,
  parseMirrorSnapshotId,
  parsePoolInfo,
  parsePoolStatus,
  parseScheduleList,
  parseSnapList,
  type ImageInfo,
  type ImageMirrorStatus,
  type ImageSnapshot,
  type ListedImage,
  type PoolMirrorInfo,
  type PoolMirrorStatus,
  type ScheduleLevel,
  type TimeZoneSpec,
} from './parse.js';
import type { CommandResult, CommandRunner } from './runner.js';

export interface RbdConnection {
  /** `--cluster NAME` (reads /etc/ceph/NAME.conf and /etc/ceph/NAME.client.ID.keyring by default). */
  cluster?: string;
  /** `--conf PATH` */
  conf?: string;
  /** `--id CLIENT` (default admin) */
  client?: string;
  /** `--keyring PATH` */
  keyringPath?: string;
}

export interface RbdCliOptions {
  site: string;
  connection: RbdConnection;
  runner: CommandRunner;
  /** rbd binary (default "rbd"). */
  rbdPath?: string;
  /** Zone of the host running rbd, for `last_update` and ctime texts (default: this host's). */
  timeZone?: TimeZoneSpec;
  /** Seconds rbd waits for the monitors (default 15). */
  connectTimeoutSeconds?: number;
  /** Seconds per RADOS op (default 60). 0 disables (Ceph default: wait forever). */
  opTimeoutSeconds?: number;
  /** Kill an rbd process after this long (default 120 s; data copies get `copyTimeoutMs`). */
  commandTimeoutMs?: number;
  /** Timeout of a full image copy (drill clone), default 2 h. */
  copyTimeoutMs?: number;
}

export type MirrorMode = 'journal' | 'snapshot';

/** Where a spec's `keyring` points, resolved to a path. Errors name the variable, never its value. */
export function resolveKeyringPath(spec: Pick<CephStorageSpec, 'keyring'>, env: NodeJS.ProcessEnv, site = 'site'): string | undefined {
  const ref = spec.keyring;
  if (!ref) return undefined;
  if ('file' in ref) return ref.file;
  const v = env[ref.env];
  if (v === undefined || v.trim() === '') {
    throw cephError(CephCode.config, `${site}: environment variable ${ref.env} (ceph keyring path) is not set`, { site }, {
      hint: `export ${ref.env}=/etc/ceph/<cluster>.client.<id>.keyring (the variable holds the keyring file's PATH)`,
    });
  }
  const value = v.trim();
  // A keyring's content ("[client.x]\n\tkey = AQ...") or a bare key (base64, no slash) is refused:
  // rbd reads keys only from files, and a key on a command line would be visible in `ps`.
  if (/[\n\[\]=]/.test(value) || /^[A-Za-z0-9+]{20,}={0,2}$/.test(value)) {
    throw cephError(CephCode.config, `${site}: environment variable ${ref.env} must hold the PATH of a keyring file, not key material`, { site }, {
      hint: 'Write the keyring to a file readable only by drctl\'s user and put that path in the variable (or use keyring: { file: PATH }).',
    });
  }
  return value;
}

/** Build the connection options of a site from its `storage: { driver: ceph, ... }` settings. */
export function connectionFromSpec(spec: CephStorageSpec, env: NodeJS.ProcessEnv, site = 'site'): RbdConnection {
  if (!spec.cluster && !spec.conf) {
    throw cephError(CephCode.config, `${site}: ceph storage needs \`cluster\` or \`conf\``, { site });
  }
  const keyringPath = resolveKeyringPath(spec, env, site);
  return {
    ...(spec.cluster ? { cluster: spec.cluster } : {}),
    ...(spec.conf ? { conf: spec.conf } : {}),
    client: spec.client ?? 'admin',
    ...(keyringPath ? { keyringPath } : {}),
  };
}

export interface RbdCommandRecord {
  /** e.g. "mirror pool status" */
  command: string;
  args: string[];
  code: number | null;
  ms: number;
}

const TWO_WORD = new Set(['snap', 'image-meta', 'journal', 'trash', 'group', 'config', 'namespace', 'feature', 'lock', 'migration', 'device', 'object-map', 'perf', 'pool', 'deep', 'encryption', 'persistent-cache']);

/** "mirror pool status" from ["mirror","pool","status","one",...]; "snap ls", "cp", ... */
export function commandName(cmd: string[]): string {
  const [a, b, c, d, e] = cmd;
  if (a === 'mirror') {
    if (b === 'snapshot') return [a, b, c, d].filter(Boolean).join(' ');
    if (b === 'pool' && c === 'peer') return (d === 'bootstrap' ? [a, b, c, d, e] : [a, b, c, d]).filter(Boolean).join(' ');
    return [a, b, c].filter(Boolean).join(' ');
  }
  if (a && TWO_WORD.has(a)) return [a, b].filter(Boolean).join(' ');
  return a ?? '';
}

export class RbdCli {
  readonly site: string;
  readonly connection: RbdConnection;
  readonly timeZone: TimeZoneSpec;
  private readonly runner: CommandRunner;
  private readonly rbdPath: string;
  private readonly connectTimeoutSeconds: number;
  private readonly opTimeoutSeconds: number;
  private readonly commandTimeoutMs: number;
  private readonly copyTimeoutMs: number;
  /** Commands run, in order (bounded to the last 1000). */
  readonly history: RbdCommandRecord[] = [];
  /** Count of commands by name ("mirror pool status": 2, ...). */
  readonly counts: Record<string, number> = {};

  constructor(opts: RbdCliOptions) {
    this.site = opts.site;
    this.connection = opts.connection;
    this.runner = opts.runner;
    this.rbdPath = opts.rbdPath ?? 'rbd';
    this.timeZone = opts.timeZone ?? 'host';
    this.connectTimeoutSeconds = opts.connectTimeoutSeconds ?? 15;
    this.opTimeoutSeconds = opts.opTimeoutSeconds ?? 60;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 120_000;
    this.copyTimeoutMs = opts.copyTimeoutMs ?? 2 * 3600_000;
    if (!this.connection.cluster && !this.connection.conf) {
      throw cephError(CephCode.config, `${opts.site}: ceph storage needs \`cluster\` or \`conf\``, { site: opts.site });
    }
  }

  /** The connection options every command starts with. */
  globalArgs(): string[] {
    const c = this.connection;
    const a: string[] = [];
    if (c.conf) a.push('--conf', c.conf);
    if (c.cluster) a.push('--cluster', c.cluster);
    a.push('--id', c.client ?? 'admin');
    if (c.keyringPath) a.push('--keyring', c.keyringPath);
    a.push(`--client-mount-timeout=${this.connectTimeoutSeconds}`);
    if (this.opTimeoutSeconds > 0) {
      a.push(`--rados-osd-op-timeout=${this.opTimeoutSeconds}`, `--rados-mon-op-timeout=${this.opTimeoutSeconds}`);
    }
    return a;
  }

  /** Run `rbd <global> <cmd...>`; a non-zero exit becomes a classified DrctlError. */
  async exec(cmd: string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const args = [...this.globalArgs(), ...cmd];
    const name = commandName(cmd);
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const t0 = Date.now();
    let res: CommandResult;
    try {
      res = await this.runner.run(this.rbdPath, args, { timeoutMs: opts.timeoutMs ?? this.commandTimeoutMs });
    } catch (err) {
      this.record({ command: name, args, code: null, ms: Date.now() - t0 });
      if (DrctlError.is(err)) {
        throw cephError(err.code as CephCode, `${this.site}: rbd ${name}: ${err.message}`, { site: this.site, args }, { cause: err });
      }
      throw err;
    }
    this.record({ command: name, args, code: res.code, ms: Date.now() - t0 });
    if (res.code !== 0) {
      const code = classifyRbdFailure(res.code, res.stderr);
      const summary =
        summarizeStderr(res.stderr) || (res.code === null ? `killed by ${res.signal ?? 'a signal'} (not by drctl)` : `exit status ${res.code}`);
      const target = cmd
        .filter((w, i) => !w.startsWith('-') && cmd[i - 1] !== '--format' && cmd[i - 1] !== '--image-feature')
        .slice(name.split(' ').length)
        .join(' ');
      throw cephError(code, `${this.site}: rbd ${name}${target ? ` ${target}` : ''} failed: ${summary}`, {
        site: this.site,
        args,
        exitCode: res.code,
        stderr: summary,
      });
    }
    return res;
  }

  private record(r: RbdCommandRecord): void {
    this.history.push(r);
    if (this.history.length > 1000) this.history.shift();
  }

  private async json(cmd: string[]): Promise<string> {
    return (await this.exec([...cmd, '--format', 'json'])).stdout;
  }

  // ------------------------------------------------------------------ queries

  async poolStatus(pool: string): Promise<PoolMirrorStatus> {
    return parsePoolStatus(await this.json(['mirror', 'pool', 'status', pool, '--verbose']), this.timeZone);
  }

  async poolInfo(pool: string): Promise<PoolMirrorInfo> {
    return parsePoolInfo(await this.json(['mirror', 'pool', 'info', pool]));
  }

  async imageStatus(pool: string, image: string): Promise<ImageMirrorStatus> {
    return parseImageStatus(await this.json(['mirror', 'image', 'status', `${pool}/${image}`]), this.timeZone);
  }

  async info(pool: string, image: string): Promise<ImageInfo> {
    return parseImageInfo(await this.json(['info', `${pool}/${image}`]), this.timeZone);
  }

  /** Image names of a pool (`rbd ls`: no image is opened, cheap for big pools). */
  async list(pool: string): Promise<string[]> {
    return parseList(await this.json(['ls', pool])).map((i) => i.name);
  }

  /** `rbd ls -l`: opens every image; use for small sets only. */
  async listLong(pool: string): Promise<ListedImage[]> {
    return parseList(await this.json(['ls', '-l', pool]));
  }

  async snapList(pool: string, image: string): Promise<ImageSnapshot[]> {
    return parseSnapList(await this.json(['snap', 'ls', '--all', `${pool}/${image}`]), this.timeZone);
  }

  async imageMeta(pool: string, image: string): Promise<Record<string, string>> {
    return parseImageMeta(await this.json(['image-meta', 'list', `${pool}/${image}`]));
  }

  async scheduleList(pool: string, image?: string): Promise<ScheduleLevel[]> {
    if (image) {
      return parseScheduleList(await this.json(['mirror', 'snapshot', 'schedule', 'ls', '--pool', pool, '--image', image]), {
        pool,
        namespace: '',
        image,
      });
    }
    return parseScheduleList(await this.json(['mirror', 'snapshot', 'schedule', 'ls', '--pool', pool, '--recursive']));
  }

  // ------------------------------------------------------------------ actions

  async setImageMeta(pool: string, image: string, key: string, value: string): Promise<void> {
    await this.exec(['image-meta', 'set', `${pool}/${image}`, key, value]);
  }

  async mirrorEnable(pool: string, image: string, mode: MirrorMode): Promise<void> {
    await this.exec(['mirror', 'image', 'enable', `${pool}/${image}`, mode]);
  }

  /** `rbd mirror image snapshot` → the new mirror snapshot's id. */
  async mirrorSnapshot(pool: string, image: string): Promise<number> {
    const res = await this.exec(['mirror', 'image', 'snapshot', `${pool}/${image}`]);
    const id = parseMirrorSnapshotId(res.stdout);
    if (id === undefined) {
      throw cephError(CephCode.badOutput, `${this.site}: rbd mirror image snapshot ${pool}/${image} printed no "Snapshot ID"`, { site: this.site });
    }
    return id;
  }

  async promote(pool: string, image: string, force = false): Promise<void> {
    await this.exec(['mirror', 'image', 'promote', ...(force ? ['--force'] : []), `${pool}/${image}`]);
  }

  async demote(pool: string, image: string): Promise<void> {
    await this.exec(['mirror', 'image', 'demote', `${pool}/${image}`]);
  }

  async resync(pool: string, image: string): Promise<void> {
    await this.exec(['mirror', 'image', 'resync', `${pool}/${image}`]);
  }

  async scheduleAdd(pool: string, image: string, interval: string): Promise<void> {
    await this.exec(['mirror', 'snapshot', 'schedule', 'add', '--pool', pool, '--image', image, interval]);
  }

  /** Full copy of an image's current content into a new, unmirrored image. */
  async copy(pool: string, source: string, dest: string, features: string[]): Promise<void> {
    await this.exec(
      ['cp', `${pool}/${source}`, `${pool}/${dest}`, ...(features.length ? ['--image-feature', features.join(',')] : []), '--no-progress'],
      { timeoutMs: this.copyTimeoutMs },
    );
  }

  async remove(pool: string, image: string): Promise<void> {
    await this.exec(['rm', `${pool}/${image}`, '--no-progress'], { timeoutMs: this.copyTimeoutMs });
  }
}
