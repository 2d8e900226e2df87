/**
 * A CommandRunner that replays recorded rbd outputs: scripted per command (after the global
 * connection options are stripped), one response per call, the last one repeating. Records every
 * call. No process is started and nothing sleeps.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandResult, CommandRunner, RunOptions } from '../../../../src/providers/storage/ceph/runner.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** shared/ beside the repository (CI clones the repo with shared/ next to it). */
export const SHARED = process.env.DRCTL_SHARED_DIR ?? path.resolve(HERE, '../../../../../shared');
export const SAMPLES = path.join(SHARED, 'labs/ceph/samples');
export const FIXTURES = path.join(SHARED, 'fixtures/ceph');

export function sample(name: string): string {
  return readFileSync(path.join(SAMPLES, name), 'utf8');
}
export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export type Reply = CommandResult | string | { fail: number; stderr: string } | ((cmd: string) => CommandResult | string | { fail: number; stderr: string });

interface Script {
  match: (cmd: string) => boolean;
  label: string;
  replies: Reply[];
  used: number;
}

const WITH_VALUE = new Set(['--cluster', '--conf', '--id', '--keyring', '-c', '-n', '--name']);

/** The command after rbd's global options: "mirror pool status one --verbose --format json". */
export function commandOf(args: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (/^--(client-mount-timeout|rados-osd-op-timeout|rados-mon-op-timeout)=/.test(a)) continue;
    out.push(a);
  }
  return out.join(' ');
}

export const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
export const fail = (code: number, stderr: string): CommandResult => ({ code, stdout: '', stderr });

export class ReplayRunner implements CommandRunner {
  readonly calls: Array<{ cmd: string; args: string[]; timeoutMs?: number }> = [];
  private scripts: Script[] = [];

  /** Script a command: `pattern` is a prefix of the command string or a RegExp. Later scripts win. */
  on(pattern: string | RegExp, ...replies: Reply[]): this {
    const match = typeof pattern === 'string' ? (c: string) => c === pattern || c.startsWith(`${pattern} `) : (c: string) => pattern.test(c);
    this.scripts.unshift({ match, label: String(pattern), replies, used: 0 });
    return this;
  }

  commands(): string[] {
    return this.calls.map((c) => c.cmd);
  }

  count(prefix: string): number {
    return this.calls.filter((c) => c.cmd === prefix || c.cmd.startsWith(`${prefix} `)).length;
  }

  async run(_bin: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    const cmd = commandOf(args);
    this.calls.push({ cmd, args, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    const s = this.scripts.find((x) => x.match(cmd));
    if (!s) throw new Error(`ReplayRunner: unscripted command: rbd ${cmd}`);
    const r = s.replies[Math.min(s.used, s.replies.length - 1)]!;
    s.used++;
    const v = typeof r === 'function' ? r(cmd) : r;
    if (typeof v === 'string') return ok(v);
    if ('fail' in v) return fail(v.fail, v.stderr);
    return v;
  }
}

/** A clock and sleep pair: sleeping advances the clock, nothing waits. */
export function fakeClock(start = Date.UTC(2026, 10, 22, 0, 20, 0)) {
  const c = {
    t: start,
    slept: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
      c.slept += ms;
    },
  };
  return c;
}

// Real stderr texts recorded on the lab (Ceph 16.2.15), used to script failures.
export const STDERR = {
  promoteBusy:
    '2026-11-22T01:42:17.858+0000 7fa2a2ffd6c0 -1 librbd::mirror::PromoteRequest: 0x55d32e33c540 handle_get_info: image is primary within a remote cluster or demotion is not propagated yet\n\n2026-11-22T01:42:17.858+0000 7fa2aaaaa380 -1 librbd::api::Mirror: image_promote: failed to promote image\n\nrbd: error promoting image to primary\n',
  alreadyPrimary:
    '2026-11-22T01:42:06.690+0000 7fcb64ea66c0 -1 librbd::mirror::PromoteRequest: 0x7fcb4c012c30 handle_get_info: image is already primary\n\n2026-11-22T01:42:06.690+0000 7fcb6828e380 -1 librbd::api::Mirror: image_promote: failed to promote image\n\nrbd: error promoting image to primary\n',
  notPrimary:
    '2026-11-22T01:42:17.678+0000 7fe4891aa6c0 -1 librbd::mirror::DemoteRequest: 0x563f5d7a87b0 handle_get_info: image is not primary\n\n2026-11-22T01:42:17.678+0000 7fe48c4aa380 -1 librbd::api::Mirror: image_demote: failed to demote image\n\nrbd: error demoting image to non-primary\n',
  noImage: 'rbd: error opening image nonexist: (2) No such file or directory\n',
  unreachable:
    "2026-11-22T01:42:28.610+0000 7f2af4caa380  0 monclient(hunting): authenticate timed out after 5\n\nrbd: couldn't connect to the cluster!\nrbd: listing images failed: (110) Connection timed out\n",
  noKeyring:
    "2026-11-22T01:43:49.874+0000 7f8d0828f380 -1 auth: unable to find a keyring on /etc/ceph/site-a.client.nobody.keyring: (2) No such file or directory\n\n2026-11-22T01:43:49.874+0000 7f8d0828f380 -1 AuthRegistry(0x55996d1bc128) no keyring found at /etc/ceph/site-a.client.nobody.keyring, disabling cephx\n\nrbd: couldn't connect to the cluster!\nrbd: listing images failed: (2) No such file or directory\n",
  readOnly: 'Creating snap: 0% complete...failed.\nrbd: failed to create snapshot: (30) Read-only file system\n',
  resyncTimedOut:
    '2026-11-22T00:01:11.126+0000 7f2a577fe6c0 -1 librbd::mirror::snapshot::ImageMeta: 0x7fff3ee73730 handle_notify_update: failed to notify image update: (110) Connection timed out\n2026-11-22T00:01:11.126+0000 7f2a672a8380 -1 librbd::api::Mirror: image_resync: failed to request resync: (110) Connection timed out\n',
  resyncPrimary: '2026-11-22T01:42:18.422+0000 7f6a78378380 -1 librbd::api::Mirror: image_resync: image is primary, cannot resync to itself\n\nrbd: error flagging image resync\n',
  poolNotMirrored: 'rbd: mirroring not enabled on the pool\n',
  watchers:
    '2026-11-22T01:53:30.094+0000 7fb4b5d096c0 -1 librbd::image::PreRemoveRequest: 0x55eddcc2ec70 check_image_watchers: image has watchers - not removing\n\nrbd: error: image still has watchers\nThis means the image is still open or the client using it crashed. Try again after closing/unmapping it or waiting 30s for the crashed client to timeout.\n',
  unknownFormat: "rbd: unrecognised option '--format'\n",
};
