/**
 * Per-run sharing of the listings steps poll: with 20 groups failing over at once, every waiting
 * tier and every server.create used to list all servers of the site on its own (one full listing per
 * poll per waiter). A FreshList lets concurrent callers share one request, but only a request that
 * began after the caller needed it — so nobody reads a listing older than its own earlier actions.
 */

export class FreshList<T> {
  private started = 0;
  private latest?: { seq: number; p: Promise<T> };

  constructor(private readonly load: () => Promise<T>) {}

  /** Now, as a position: listings that start after it see everything done before it. */
  mark(): number {
    return this.started;
  }

  /**
   * A listing that started after `after`: the one in flight or just finished if it qualifies, else a
   * new one. Returns its position, to ask for a newer one on the next poll.
   */
  async get(after: number): Promise<{ seq: number; value: T }> {
    const l = this.latest;
    if (l && l.seq > after) return { seq: l.seq, value: await l.p };
    const seq = ++this.started;
    const p = this.load();
    this.latest = { seq, p };
    p.catch(() => {
      if (this.latest?.seq === seq) this.latest = undefined;
    });
    return { seq, value: await p };
  }
}

/** One FreshList per key (site, or site + host), made on first use. */
export class FreshLists<T> {
  private readonly lists = new Map<string, FreshList<T>>();

  constructor(private readonly load: (key: string) => Promise<T>) {}

  of(key: string): FreshList<T> {
    let l = this.lists.get(key);
    if (!l) {
      l = new FreshList(() => this.load(key));
      this.lists.set(key, l);
    }
    return l;
  }
}

/**
 * A value looked up once per run (flavors, networks, security groups, key pairs of a site: they do
 * not change during an apply). `refresh()` drops it, for a caller that did not find what it needed
 * and must confirm the miss with a fresh look before failing.
 */
export class RunCache<T> {
  private readonly values = new Map<string, Promise<T>>();

  constructor(private readonly load: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let p = this.values.get(key);
    if (!p) {
      p = this.load(key);
      this.values.set(key, p);
      p.catch(() => this.values.delete(key));
    }
    return p;
  }

  refresh(key: string): Promise<T> {
    this.values.delete(key);
    return this.get(key);
  }
}

/**
 * Promise.all that lets every task finish before it fails: a step running a member's volumes in
 * parallel must not report failure (and let a rollback start) while some of them are still in flight.
 */
export async function allSettled<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  const res = await Promise.allSettled(tasks);
  const failed = res.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return res.map((r) => (r as PromiseFulfilledResult<T>).value);
}
