/**
 * The cost model behind the critical-path bound of bench/apply-makespan.
 *
 * A step costs `roundTrips × latency + wait`:
 *   - roundTrips: the sequential API round trips a correct implementation of the step cannot avoid
 *     (calls that can be issued together count once: e.g. the copies of a promote, the volumes of one
 *     member's import). Writes that the next step depends on are counted with the read that proves
 *     them done when the API is asynchronous (manage → available, delete → 404).
 *   - wait: the time the cloud itself takes (mock settings): stopSeconds for a tier to reach SHUTOFF,
 *     bootSeconds to ACTIVE, transferSeconds for an async snapshot to reach the peer.
 * The bound of an operation is the longest path through its step DAG with these costs; operations of
 * different groups are independent (drctl runs groups in parallel), so the bound of the run is the
 * longest operation's. Anything above it is drctl's own doing (extra calls, polling granularity,
 * scheduling, journal writes) or the mock's processing time.
 */

/** Round trips and waits per step name; `type` is the group's replication type. */
export function stepCost(step, type, s) {
  const w = (rt, waitMs = 0) => ({ rt, waitMs });
  switch (step.name) {
    case 'operation.open':
    case 'operation.close':
      return w(0); // journal only
    case 'preflight':
      return w(1); // one read per site, in parallel
    case 'server.capture-metadata':
      return w(1); // GET the server (its volumes were discovered with it)
    case 'server.stop':
      return w(1); // POST os-stop
    case 'server.wait-stopped':
      return w(1, s.stopSeconds * 1000); // the poll that sees the tier SHUTOFF
    case 'server.start':
      return w(2, s.startSeconds * 1000);
    case 'storage.final-sync':
      return type === 'async' ? w(1) : w(0); // POST pg snapshot replicate_now; sync: nothing
    case 'storage.wait-transfer':
      return type === 'async' ? w(1, s.transferSeconds * 1000) : w(0);
    case 'storage.demote':
      return type === 'async' ? w(1) : w(2); // PATCH schedule | PATCH pod + GET demoted
    case 'storage.promote':
    case 'storage.force-promote':
      return w(2); // find the snapshot + copy volumes (parallel) | PATCH pod + GET promoted
    case 'storage.reverse-replication':
      // async: protect toward the old source (pg, volumes, target, allow on the peer, enable), then
      // drctl takes a baseline snapshot and waits for its transfer (so the new standby has a recovery
      // point when the failover completes) | sync: the link check.
      return type === 'async' ? w(7, s.transferSeconds * 1000) : w(1);
    case 'storage.protect':
      return type === 'async' ? w(5) : w(3);
    case 'cgroup.ensure':
    case 'cgroup.add-volumes':
    case 'cgroup.remove-volumes':
      return w(2); // write + GET available
    case 'volume.import':
      return w(2); // POST manage + GET available (a member's volumes in parallel)
    case 'volume.unmanage':
    case 'volume.delete':
      return w(2); // POST unmanage / DELETE + GET gone
    case 'server.create':
      return w(1); // POST /servers
    case 'server.wait-active':
      return w(1, s.bootSeconds * 1000); // the poll that sees the tier ACTIVE
    case 'server.delete':
      return w(2); // DELETE + GET 404
    case 'server.tag':
    case 'server.untag':
      return w(1);
    case 'verify':
      return w(1);
    case 'record.write':
      return w(1); // PUT the group's description
    default:
      return w(1);
  }
}

/** Longest path through steps (with dependsOn edges inside the list) where each step costs cost(step). */
export function longestPath(steps, cost) {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map();
  const finish = (id) => {
    if (memo.has(id)) return memo.get(id);
    const s = byId.get(id);
    let start = 0;
    for (const d of s.dependsOn) if (byId.has(d)) start = Math.max(start, finish(d));
    const f = start + cost(s);
    memo.set(id, f);
    return f;
  };
  let best = 0;
  for (const s of steps) best = Math.max(best, finish(s.id));
  return best;
}

/** The bound of one operation (ms) with `latencyMs` per round trip. */
export function operationBound(steps, type, settings, latencyMs) {
  return longestPath(steps, (st) => {
    const c = stepCost(st, type, settings);
    return c.rt * latencyMs + c.waitMs;
  });
}
