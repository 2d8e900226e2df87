/**
 * A small FlashArray REST 2.x fake for the client and driver tests: just enough of the wire
 * protocol (api_version, login/x-auth-token, collections with names/filter/sort/offset/
 * continuation_token, errors[]) and of replication (protection groups, targets + allowed,
 * pg snapshots replicated to a connected fake, transfers on a simulated clock, pods and links).
 * Served in-process (`httpClient()`) or over node:http (`listen()`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../src/providers/http.js';

export interface FakeClock {
  now: number;
}

type Item = Record<string, any>;

interface Fault {
  method: string;
  path: string;
  status: number;
  body: unknown;
  times: number;
}

export interface FakeReply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const ref = (name: string | null = null, id: string | null = null) => ({ name, id });

function globToRegex(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Evaluate the handful of filter forms drctl sends: field='glob', field="value". */
function applyFilter(items: Item[], filter: string | null): Item[] {
  if (!filter) return items;
  const m = /^([a-z_.]+)=(['"])(.*)\2$/.exec(filter);
  if (!m) throw new Error(`fake array: unsupported filter ${filter}`);
  const [, field, , value] = m;
  const get = (it: Item) => field!.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), it);
  if (field === 'progress') return items.filter((it) => Number(get(it)) === Number(value));
  const re = globToRegex(value!);
  return items.filter((it) => typeof get(it) === 'string' && re.test(get(it)));
}

export class FakeArray {
  readonly name: string;
  readonly token: string;
  versions = ['1.19', '2.0', '2.1', '2.2', '2.15'];
  pageLimit = 1000;
  transferMs = 30_000;
  promotionMs = 5_000;
  peers: Record<string, FakeArray> = {};
  sessions = new Set<string>();
  logins = 0;
  requests: Array<{ method: string; path: string; query: URLSearchParams }> = [];
  faults: Fault[] = [];
  private seq = 0;

  volumes: Item[] = [];
  volumeSnapshots: Item[] = [];
  pgroups: Item[] = [];
  pgVolumes: Array<{ group: string; member: string }> = [];
  pgTargets: Array<{ group: string; member: string; allowed: boolean }> = [];
  pgSnapshots: Item[] = [];
  transfers: Array<{ name: string; started: number; durationMs: number; destroyed: boolean }> = [];
  pods: Item[] = [];
  links: Array<{ localPod: string; remote: string; remotePod: string; paused: boolean; lagMs: number }> = [];

  constructor(name: string, readonly clock: FakeClock, token = `token-${name}-0123456789`) {
    this.name = name;
    this.token = token;
  }

  id() {
    this.seq += 1;
    return `${this.name}-id-${this.seq}`;
  }

  fail(method: string, path: string, status: number, body: unknown, times = 1) {
    this.faults.push({ method, path, status, body, times });
  }

  addVolume(name: string, size = 1073741824, extra: Item = {}): Item {
    const pod = name.includes('::') ? name.split('::')[0]! : null;
    const v = {
      id: this.id(), name, created: this.clock.now, destroyed: false, provisioned: size, serial: this.id().toUpperCase(),
      source: ref(), pod: ref(pod), subtype: 'regular', promotion_status: 'promoted', requested_promotion_state: 'promoted',
      time_remaining: null, ...extra,
    };
    this.volumes.push(v);
    return v;
  }

  addPod(name: string, promotion = 'promoted', extra: Item = {}) {
    const p = {
      id: this.id(), name, destroyed: false, source: ref(), requested_promotion_state: promotion, promotion_status: promotion,
      promote_at: null as number | null, mediator: 'purestorage', failover_preferences: [],
      arrays: [{ name: this.name, id: `${this.name}-array`, status: 'online', mediator_status: 'online', pre_elected: false, frozen_at: null, progress: null }],
      array_count: 1, link_source_count: 0, link_target_count: 0, time_remaining: null, ...extra,
    };
    this.pods.push(p);
    return p;
  }

  // ------------------------------------------------------------------------------ transport

  httpClient(): HttpClient {
    return { request: async (req) => this.toResponse(await this.handleRequest(req)) };
  }

  private toResponse(r: FakeReply): HttpResponse {
    const text = r.body === undefined ? '' : JSON.stringify(r.body);
    return { status: r.status, headers: r.headers, json: r.body, text };
  }

  async handleRequest(req: Pick<HttpRequest, 'method' | 'url' | 'headers' | 'json'>): Promise<FakeReply> {
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    return this.handle(req.method, url, headers, req.json);
  }

  listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: unknown;
        try {
          body = data ? JSON.parse(data) : undefined;
        } catch {
          body = undefined;
        }
        const r = this.handle(req.method ?? 'GET', url, headers, body);
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body === undefined ? '' : JSON.stringify(r.body));
      });
    });
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) });
      });
    });
  }

  // ------------------------------------------------------------------------------ routing

  private reply(status: number, body?: unknown, headers: Record<string, string> = {}): FakeReply {
    return { status, body, headers: { date: new Date(this.clock.now).toUTCString(), ...headers } };
  }

  private err(status: number, message: string, context: string | null = null): FakeReply {
    return this.reply(status, { errors: [{ context, message }] });
  }

  handle(method: string, url: URL, headers: Record<string, string>, body: any): FakeReply {
    const path = url.pathname;
    if (path === '/api/api_version' && method === 'GET') return this.reply(200, { version: this.versions });
    const m = /^\/api\/(2\.\d+)(\/.*)$/.exec(path);
    if (!m) return this.reply(404, { message: 'not found' });
    const sub = m[2]!;
    this.requests.push({ method, path: sub, query: url.searchParams });
    const fault = this.faults.find((f) => f.method === method && sub === f.path && f.times > 0);
    if (fault) {
      fault.times -= 1;
      return this.reply(fault.status, fault.body);
    }
    if (sub === '/login' && method === 'POST') {
      if (headers['api-token'] !== this.token) return this.err(400, 'Invalid credentials.');
      this.logins += 1;
      const s = `session-${this.name}-${this.logins}`;
      this.sessions.add(s);
      return this.reply(200, { items: [{ username: 'pureuser' }] }, { 'x-auth-token': s });
    }
    if (!this.sessions.has(headers['x-auth-token'] ?? '')) return this.err(401, 'Authentication required.');
    const q = url.searchParams;
    const names = q.get('names')?.split(',') ?? [];
    try {
      return this.route(method, sub, q, names, body ?? {});
    } catch (e) {
      return this.err(400, (e as Error).message);
    }
  }

  /** Collections: names (missing → 400), filter, sort (no token, offset paging), continuation_token. */
  private collection(items: Item[], q: URLSearchParams, opts: { names?: string[]; what?: string } = {}): FakeReply {
    let out = items;
    if (opts.names && opts.names.length) {
      const missing = opts.names.filter((n) => !items.some((i) => i.name === n));
      if (missing.length) return this.err(400, `${opts.what ?? 'Object'} does not exist.`, missing[0]!);
      out = out.filter((i) => opts.names!.includes(i.name));
    }
    if (q.get('destroyed') !== null) out = out.filter((i) => String(i.destroyed ?? false) === q.get('destroyed'));
    out = applyFilter(out, q.get('filter'));
    const sort = q.get('sort');
    if (sort) {
      const desc = sort.endsWith('-');
      const f = desc ? sort.slice(0, -1) : sort;
      out = [...out].sort((a, b) => ((a[f] ?? 0) < (b[f] ?? 0) ? -1 : (a[f] ?? 0) > (b[f] ?? 0) ? 1 : 0) * (desc ? -1 : 1));
    }
    const limit = Math.min(Number(q.get('limit') ?? this.pageLimit), this.pageLimit);
    const token = q.get('continuation_token');
    const start = token ? Number(Buffer.from(token, 'base64').toString()) : Number(q.get('offset') ?? 0);
    const page = out.slice(start, start + limit);
    const more = start + limit < out.length;
    const body: Item = {
      continuation_token: more && !sort ? Buffer.from(String(start + limit)).toString('base64') : null,
      more_items_remaining: more,
      total_item_count: q.get('total_item_count') === 'true' ? out.length : null,
    };
    if (page.length) body.items = page; // an empty result omits items, as the real array may
    return this.reply(200, body);
  }

  private pgItem(g: Item): Item {
    return {
      ...g,
      target_count: this.pgTargets.filter((t) => t.group === g.name).length,
      volume_count: this.pgVolumes.filter((v) => v.group === g.name).length,
    };
  }

  private transferItem(t: (typeof this.transfers)[number]): Item {
    const elapsed = this.clock.now - t.started;
    const done = elapsed >= t.durationMs;
    return {
      id: `tr-${t.name}`, name: t.name, destroyed: t.destroyed, started: t.started,
      completed: done ? t.started + t.durationMs : null, progress: done ? 1 : Math.max(0, elapsed / t.durationMs),
      data_transferred: 1024, physical_bytes_written: 512,
    };
  }

  private podItem(p: Item): Item {
    const out = { ...p };
    if (p.promote_at !== null && this.clock.now >= p.promote_at) {
      p.promotion_status = p.requested_promotion_state;
      p.promote_at = null;
      out.promotion_status = p.promotion_status;
    }
    delete out.promote_at;
    return out;
  }

  private linkItem(l: (typeof this.links)[number]): Item {
    const local = this.pods.find((p) => p.name === l.localPod);
    const remote = this.peers[l.remote]?.pods.find((p) => p.name === l.remotePod);
    const ls = local ? this.podItem(local).promotion_status : 'unknown';
    const rs = remote ? this.peers[l.remote]!.podItem(remote).promotion_status : 'unknown';
    const status = l.paused ? 'paused' : ls === 'demoted' && rs === 'demoted' ? 'quiesced' : ls !== rs ? 'replicating' : 'unhealthy';
    return {
      id: `link-${l.localPod}`, direction: ls === 'promoted' ? 'outbound' : 'inbound', lag: l.lagMs,
      recovery_point: this.clock.now - l.lagMs, status, paused: l.paused, local_pod: ref(l.localPod), remote_pod: ref(l.remotePod),
      remotes: [ref(l.remote)],
    };
  }

  private route(method: string, sub: string, q: URLSearchParams, names: string[], body: Item): FakeReply {
    const key = `${method} ${sub}`;
    switch (key) {
      case 'GET /arrays':
        return this.collection([{ name: this.name, id: `${this.name}-array`, version: '6.3.3', os: 'Purity//FA' }], q);
      case 'GET /volumes':
        return this.collection(this.volumes, q, { names, what: 'Volume' });
      case 'POST /volumes': {
        const name = names[0]!;
        const src = body.source?.name;
        const existing = this.volumes.find((v) => v.name === name);
        if (existing && q.get('overwrite') !== 'true') return this.err(400, 'Volume already exists.', name);
        const snap = this.volumeSnapshots.find((s) => s.name === src) ?? this.volumes.find((v) => v.name === src);
        if (!snap) return this.err(400, 'No such volume or snapshot.', src);
        const v: Item = existing ?? this.addVolume(name, snap.provisioned);
        v.source = ref(snap.source?.name ?? src);
        v.copied_from = src;
        return this.reply(200, { items: [v] });
      }
      case 'PATCH /volumes': {
        const out: Item[] = [];
        for (const n of names) {
          const v = this.volumes.find((x) => x.name === n);
          if (!v) return this.err(400, 'Volume does not exist.', n);
          if (body.destroyed !== undefined) v.destroyed = body.destroyed;
          if (body.pod?.name) {
            v.name = `${body.pod.name}::${n}`;
            v.pod = ref(body.pod.name);
          }
          out.push(v);
        }
        return this.reply(200, { items: out });
      }
      case 'DELETE /volumes': {
        for (const n of names) {
          const v = this.volumes.find((x) => x.name === n);
          if (!v) return this.err(400, 'Volume does not exist.', n);
          if (!v.destroyed) return this.err(400, 'Volume has not been destroyed.', n);
        }
        this.volumes = this.volumes.filter((v) => !names.includes(v.name));
        return this.reply(200, {});
      }
      case 'GET /volume-snapshots':
        return this.collection(this.volumeSnapshots, q, { names, what: 'Snapshot' });
      case 'GET /protection-groups':
        return this.collection(this.pgroups.map((g) => this.pgItem(g)), q, { names, what: 'Protection group' });
      case 'POST /protection-groups': {
        if (this.pgroups.some((g) => g.name === names[0])) return this.err(400, 'Protection group already exists.', names[0]);
        const g = {
          id: this.id(), name: names[0], source: ref(this.name), is_local: true, pod: ref(), destroyed: false, time_remaining: null,
          host_count: 0, host_group_count: 0,
          replication_schedule: { enabled: false, frequency: 14400000, at: null, blackout: null },
          snapshot_schedule: { enabled: false, frequency: 3600000 },
          source_retention: { all_for_sec: 86400, per_day: 4, days: 7 }, target_retention: { all_for_sec: 86400, per_day: 4, days: 7 },
        };
        this.pgroups.push(g);
        return this.reply(200, { items: [this.pgItem(g)] });
      }
      case 'PATCH /protection-groups': {
        const g = this.pgroups.find((x) => x.name === names[0]);
        if (!g) return this.err(400, 'Protection group does not exist.', names[0]);
        if (body.replication_schedule) Object.assign(g.replication_schedule, body.replication_schedule);
        if (body.target_retention) Object.assign(g.target_retention, body.target_retention);
        if (body.destroyed !== undefined) g.destroyed = body.destroyed;
        return this.reply(200, { items: [this.pgItem(g)] });
      }
      case 'GET /protection-groups/volumes': {
        const group = q.get('group_names');
        const items = this.pgVolumes.filter((v) => !group || v.group === group).map((v) => ({ group: ref(v.group), member: ref(v.member) }));
        return this.collection(items, new URLSearchParams());
      }
      case 'POST /protection-groups/volumes': {
        const group = q.get('group_names')!;
        const members = q.get('member_names')!.split(',');
        for (const mbr of members) {
          if (this.pgVolumes.some((v) => v.group === group && v.member === mbr)) return this.err(400, 'Protection group already includes the volume.', mbr);
          this.pgVolumes.push({ group, member: mbr });
        }
        return this.reply(200, { items: members.map((mbr) => ({ group: ref(group), member: ref(mbr) })) });
      }
      case 'GET /protection-groups/targets': {
        const group = q.get('group_names');
        const items = this.pgTargets
          .filter((t) => !group || t.group === group)
          .map((t) => ({ group: ref(t.group), member: { ...ref(t.member), resource_type: 'arrays' }, allowed: t.allowed, status: t.allowed ? 'replicating' : 'disallowed' }));
        return this.collection(items, new URLSearchParams());
      }
      case 'POST /protection-groups/targets': {
        const group = q.get('group_names')!;
        const member = q.get('member_names')!;
        if (this.pgTargets.some((t) => t.group === group && t.member === member)) return this.err(400, `Protection group already includes ${member}.`, group);
        this.pgTargets.push({ group, member, allowed: false });
        const peer = this.peers[member];
        if (peer) {
          peer.pgroups.push({
            id: peer.id(), name: `${this.name}:${group}`, source: ref(this.name), is_local: false, pod: ref(), destroyed: false, time_remaining: null,
            host_count: 0, host_group_count: 0, replication_schedule: { enabled: false, frequency: null, at: null, blackout: null },
            snapshot_schedule: null, source_retention: null, target_retention: null,
          });
        }
        return this.reply(200, { items: [{ group: ref(group), member: ref(member), allowed: false }] });
      }
      case 'PATCH /protection-groups/targets': {
        // Runs on the target for `<src>:<pg>`: flips `allowed` on the source's target record.
        const group = q.get('group_names')!;
        const [src, pg] = group.split(':');
        const source = this.peers[src!];
        const t = source?.pgTargets.find((x) => x.group === pg && x.member === this.name);
        if (!t) return this.err(400, 'Protection group does not exist.', group);
        if (t.allowed === body.allowed) return this.err(400, `Protection group already allowed on ${this.name}.`, group);
        t.allowed = body.allowed;
        return this.reply(200, { items: [{ group: ref(group), member: ref(this.name), allowed: t.allowed }] });
      }
      case 'GET /protection-group-snapshots': {
        const src = q.get('source_names');
        return this.collection(this.pgSnapshots.filter((s) => !src || s.source.name === src), q, { names, what: 'Snapshot' });
      }
      case 'POST /protection-group-snapshots': {
        const pg = q.get('source_names')!;
        const g = this.pgroups.find((x) => x.name === pg && x.is_local);
        if (!g) return this.err(400, 'Protection group does not exist.', pg);
        const suffix = body.suffix ?? String(++this.seq);
        const name = `${pg}.${suffix}`;
        if (this.pgSnapshots.some((s) => s.name === name)) return this.err(400, 'Snapshot already exists.', name);
        const snap = { id: this.id(), name, suffix, source: ref(pg), created: this.clock.now, destroyed: false, pod: ref(), time_remaining: null };
        this.pgSnapshots.push(snap);
        const members = this.pgVolumes.filter((v) => v.group === pg).map((v) => v.member);
        for (const vol of members) {
          const v = this.volumes.find((x) => x.name === vol);
          this.volumeSnapshots.push({ id: this.id(), name: `${name}.${vol}`, created: this.clock.now, destroyed: false, source: ref(vol), suffix, provisioned: v?.provisioned ?? 0, pod: ref() });
        }
        if (q.get('replicate_now') === 'true') {
          this.transfers.push({ name, started: this.clock.now, durationMs: this.transferMs, destroyed: false });
          for (const t of this.pgTargets.filter((x) => x.group === pg && x.allowed)) {
            const peer = this.peers[t.member];
            if (!peer) continue;
            const rname = `${this.name}:${name}`;
            peer.pgSnapshots.push({ ...snap, id: peer.id(), name: rname, source: ref(`${this.name}:${pg}`) });
            for (const vol of members) {
              const v = this.volumes.find((x) => x.name === vol);
              peer.volumeSnapshots.push({ id: peer.id(), name: `${rname}.${vol}`, created: this.clock.now, destroyed: false, source: ref(vol), suffix, provisioned: v?.provisioned ?? 0, pod: ref() });
            }
            peer.transfers.push({ name: rname, started: this.clock.now, durationMs: this.transferMs, destroyed: false });
          }
        }
        return this.reply(200, { items: [snap] });
      }
      case 'GET /protection-group-snapshots/transfer': {
        const src = q.get('source_names');
        const items = this.transfers.filter((t) => !src || t.name.startsWith(`${src}.`)).map((t) => this.transferItem(t));
        return this.collection(items, q, { names, what: 'Snapshot' });
      }
      case 'GET /pods':
        return this.collection(this.pods.map((p) => this.podItem(p)), q, { names, what: 'Pod' });
      case 'POST /pods': {
        if (this.pods.some((p) => p.name === names[0])) return this.err(400, 'Pod already exists.', names[0]);
        return this.reply(200, { items: [this.podItem(this.addPod(names[0]!))] });
      }
      case 'PATCH /pods': {
        const p = this.pods.find((x) => x.name === names[0]);
        if (!p) return this.err(400, 'Pod does not exist.', names[0]);
        if (body.requested_promotion_state) {
          if (p.array_count > 1 && !this.links.some((l) => l.localPod === p.name)) return this.err(400, 'Cannot change promotion state of a stretched pod.', p.name);
          p.requested_promotion_state = body.requested_promotion_state;
          p.promotion_status = body.requested_promotion_state === 'promoted' ? 'promoting' : p.promotion_status;
          p.promote_at = this.clock.now + this.promotionMs;
          p.last_patch_query = Object.fromEntries(q.entries());
        }
        return this.reply(200, { items: [this.podItem(p)] });
      }
      case 'GET /pod-replica-links': {
        const local = q.get('local_pod_names');
        return this.collection(this.links.filter((l) => !local || l.localPod === local).map((l) => this.linkItem(l)), new URLSearchParams());
      }
      case 'GET /pod-replica-links/lag': {
        const local = q.get('local_pod_names');
        const items = this.links.filter((l) => !local || l.localPod === local).map((l) => {
          const it = this.linkItem(l);
          return { ...it, lag: { avg: l.lagMs, max: l.lagMs }, time: this.clock.now };
        });
        return this.collection(items, new URLSearchParams());
      }
      case 'POST /pod-replica-links': {
        const localPod = q.get('local_pod_names')!;
        const remote = q.get('remote_names')!;
        const remotePod = q.get('remote_pod_names')!;
        if (this.links.some((l) => l.localPod === localPod)) return this.err(400, 'Replica link already exists.', localPod);
        this.links.push({ localPod, remote, remotePod, paused: false, lagMs: 1500 });
        const peer = this.peers[remote];
        if (peer && !peer.links.some((l) => l.localPod === remotePod)) peer.links.push({ localPod: remotePod, remote: this.name, remotePod: localPod, paused: false, lagMs: 1500 });
        return this.reply(200, { items: [this.linkItem(this.links.at(-1)!)] });
      }
      case 'PATCH /pod-replica-links': {
        const l = this.links.find((x) => x.localPod === q.get('local_pod_names'));
        if (!l) return this.err(400, 'Replica link does not exist.');
        l.paused = body.paused;
        return this.reply(200, { items: [this.linkItem(l)] });
      }
      default:
        return this.err(405, `fake array: ${key} not implemented`);
    }
  }
}

/** Two fake arrays connected to each other, sharing one clock. */
export function fakePair(clock: FakeClock = { now: Date.parse('2024-05-01T10:00:00Z') }) {
  const a = new FakeArray('fa-a', clock);
  const b = new FakeArray('fa-b', clock);
  a.peers[b.name] = b;
  b.peers[a.name] = a;
  return { a, b, clock };
}
