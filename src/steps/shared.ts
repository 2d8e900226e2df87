/**
 * Per-run sharing of the listings steps poll: with 20 groups failing over at once, every waiting
 * tier and every server.create used to list all servers of the site on its own (one full listing per
 * poll per waiter). A FreshList lets concurrent callers share one request, but only a request that
 * began after the caller needed it — so nobody reads a listing older than its own earlier actions.
 */

export class FreshList<T> {
  /** Listings sent so far (positions). */
  private sent = 0;
  private latest?: { seq: number; p: Promise<T> };
  /** A listing scheduled but not sent yet: it will begin after every mark taken so far. */
  private pending?: { seq: number; p: Promise<T> };

  /**
   * @param delay what a new listing waits for before it is sent, so that the steps starting together
   *   (a tier's creates, every capture of a failover) share it (steps pass a short injected sleep).
   */
  constructor(
    private readonly load: () => Promise<T>,
    private readonly delay: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Now, as a position: listings sent after it see everything done before it. */
  mark(): number {
    return this.sent;
  }

  /**
   * A listing sent after `after`: the latest one if it qualifies, else the one about to be sent,
   * else a new one. Returns its position, to ask for a newer one on the next poll.
   */
  async get(after: number): Promise<{ seq: number; value: T }> {
    const l = this.latest;
    const use = l && l.seq > after ? l : (this.pending ?? this.schedule());
    return { seq: use.seq, value: await use.p };
  }

  private schedule(): { seq: number; p: Promise<T> } {
    const seq = this.sent + 1;
    const send = (): Promise<T> => {
      this.pending = undefined;
      this.sent = seq;
      const req = this.load();
      this.latest = { seq, p: req };
      req.catch(() => {
        if (this.latest?.seq === seq) this.latest = undefined;
      });
      return req;
    };
    const p = this.delay().then(send, send);
    this.pending = { seq, p };
    return this.pending;
  }
}

/** How long a new shared listing waits for others to join it (the steps' injected sleep). */
export const COALESCE_MS = 5;

export function coalesceDelay(deps: { sleep: (ms: number) => Promise<void> }): () => Promise<void> {
  return () => deps.sleep(COALESCE_MS);
}

/** One FreshList per key (site, or site + host), made on first use. */
export class FreshLists<T> {
  private readonly lists = new Map<string, FreshList<T>>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly delay?: () => Promise<void>,
  ) {}

  of(key: string): FreshList<T> {
    let l = this.lists.get(key);
    if (!l) {
      l = new FreshList(() => this.load(key), this.delay);
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
