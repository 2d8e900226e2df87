/**
 * Lab locks for the integration tests: one user of a lab at a time on a machine. Same files and
 * protocol as .ci/lablock.sh (the CI jobs): the lock file is created exclusively and holds
 * `{"pid":N,"token":"...","started":"..."}`; a holder whose pid is gone (or a file without a pid) is
 * stale and taken over. A CI job that took the lock passes its token in an environment variable;
 * a test finding that token in the file runs under its job's lock and does not wait.
 *
 * - OpenStack lab: DRCTL_OPENSTACK_LAB_LOCK (default /tmp/drctl-openstack-lab.lock), token
 *   DRCTL_OPENSTACK_LAB_LOCK_TOKEN.
 * - Ceph lab: DRCTL_CEPH_LAB_LOCK (default /tmp/drctl-ceph-lab.lock), token DRCTL_CEPH_LAB_LOCK_TOKEN.
 * Whoever needs both (the stack) takes the OpenStack lock first, then the Ceph one.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export interface LabLockOptions {
  file: string;
  /** The token of the CI job holding the lock for us, if any. */
  inheritedToken?: string;
  /** Between looks at a live holder (default 5 s). */
  pollMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LabLock {
  private token?: string;
  constructor(private readonly opts: LabLockOptions) {}

  get file(): string {
    return this.opts.file;
  }

  /** Take the lock (waiting for a live holder up to `waitMs`); returns why not, or undefined. */
  async acquire(waitMs = 30 * 60_000): Promise<string | undefined> {
    const { file, inheritedToken } = this.opts;
    const t0 = Date.now();
    for (;;) {
      let holder: { pid?: number; token?: string; started?: string } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // no lock (or unreadable/empty: treated as ownerless below)
      }
      if (inheritedToken && holder.token === inheritedToken) return undefined; // held by our CI job
      const token = `${process.pid}-${Date.now()}`;
      try {
        writeFileSync(file, JSON.stringify({ pid: process.pid, token, started: new Date().toISOString() }), { flag: 'wx' });
        this.token = token;
        return undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot write ${file}: ${(e as Error).message}`;
      }
      if (!holder.pid || !alive(holder.pid)) {
        try {
          unlinkSync(file); // stale: its owner is gone
        } catch {
          // raced with another taker
        }
        continue;
      }
      if (Date.now() - t0 > waitMs) return `the lab is in use by pid ${holder.pid} since ${holder.started ?? '?'} (${file})`;
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 5000));
    }
  }

  /** Release the lock if this process took it (an inherited one stays with its job). */
  release(): void {
    if (!this.token) return;
    try {
      const holder = JSON.parse(readFileSync(this.opts.file, 'utf8')) as { token?: string };
      if (holder.token === this.token) unlinkSync(this.opts.file);
    } catch {
      // already gone
    }
    this.token = undefined;
  }
}

export const openstackLabLock = new LabLock({
  file: process.env.DRCTL_OPENSTACK_LAB_LOCK ?? process.env.DRCTL_OSLAB_LOCK ?? '/tmp/drctl-openstack-lab.lock',
  ...(process.env.DRCTL_OPENSTACK_LAB_LOCK_TOKEN ? { inheritedToken: process.env.DRCTL_OPENSTACK_LAB_LOCK_TOKEN } : {}),
});

export const cephLabLock = new LabLock({
  file: process.env.DRCTL_CEPH_LAB_LOCK ?? '/tmp/drctl-ceph-lab.lock',
  ...(process.env.DRCTL_CEPH_LAB_LOCK_TOKEN ? { inheritedToken: process.env.DRCTL_CEPH_LAB_LOCK_TOKEN } : {}),
});
