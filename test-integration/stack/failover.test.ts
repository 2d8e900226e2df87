/**
 * drctl end to end on the REAL stack (../shared/labs/stack): the built CLI in real mode (no --mock)
 * fails a Ceph-replicated group over site-a → site-b and back, against two OpenStack Zed sites whose
 * Cinder runs the RBD driver over two mirrored Ceph clusters.
 *
 *  1. workload, as the lab's dr-flow.py makes it: a volume of type ceph-mirrored on site-a (demo
 *     member; Zed's RBD driver enables journal mirroring itself), bootable, server `stack-db-1`
 *     booted from it, bytes written into the RBD image with `rbd import-diff`, md5 recorded;
 *  2. `drctl apply` with activeSite: site-a (protects the group: consistency groups, records);
 *  3. activeSite: site-b: `drctl plan` shows a planned failover; `drctl apply --auto-approve`; the
 *     server is ACTIVE on site-b and its volume's image has the md5 written on site-a (same mirror
 *     global_id), site-a's instance is not running;
 *  4. bytes written on site-b; activeSite: site-a: plan shows a failback; apply; ACTIVE on site-a
 *     with site-b's md5, site-b's instance not running;
 *  5. the lab's own dr-flow.py in the same run, for its timings (DRCTL_STACK_DRFLOW=0 skips it).
 *
 * Needs root (rbd reads /etc/ceph keyrings). Skips unless the stack is up, or fails when
 * DRCTL_REQUIRE_STACK_LAB=1. Holds the OpenStack and Ceph lab locks (../lablock.ts; shared with the
 * CI jobs and test-integration/ceph, whose unplanned step stops a whole cluster). DRCTL_STACK_KEEP=1 keeps the workload afterwards.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { drctlBin, runCli, repoRoot, type CliResult } from '../../test/helpers/cli.js';
import { cephLabLock, openstackLabLock } from '../lablock.js';
import {
  CLOUDS,
  head,
  imageInfo,
  images,
  md5,
  OTHER,
  poll,
  probe,
  rbd,
  REQUIRE,
  run,
  servers,
  SITES,
  STACK_DIR,
  VTYPE,
  volume,
  waitServer,
  waitVolume,
  writeBytes,
  type Os,
  type Site,
  type Stack,
} from './lab.js';

const GROUP = 'stack-app';
const MEMBER = 'stack-db-1';
const SPEC = path.join(repoRoot, 'examples', 'stack-ceph.yaml');
const KEEP = process.env.DRCTL_STACK_KEEP === '1';
const work = mkdtempSync(path.join(tmpdir(), 'drctl-stack-'));
const state = path.join(work, 'state.json');
const timings: Record<string, number> = {};
let broken: string | undefined;

/** The example spec with activeSite set. */
function specFor(active: Site): string {
  const text = readFileSync(SPEC, 'utf8').replace(/^(\s+activeSite:) site-a\b/m, `$1 ${active}`);
  if (!text.includes(`activeSite: ${active}`)) throw new Error('could not set activeSite in the example spec');
  const file = path.join(work, `spec-${active}.yaml`);
  writeFileSync(file, text);
  return file;
}

const env = { OS_CLIENT_CONFIG_FILE: CLOUDS, OS_CLOUD: '', NO_COLOR: '1' };
async function drctl(args: string[], timeoutMs = 15 * 60_000): Promise<CliResult & { ms: number }> {
  const t0 = Date.now();
  const r = await runCli([...args, '--state', state], { env, timeoutMs, cwd: work });
  return { ...r, ms: Date.now() - t0 };
}
/**
 * `drctl apply --debug` with every stderr line stamped (ms since the command started), written to
 * $work/<name>.log; returns the result plus where the time went (before the operation opened, the
 * operation as the journal has it, after it), the operation's step timeline and the request counts.
 */
async function drctlProfiled(name: string, args: string[], timeoutMs = 15 * 60_000) {
  const t0 = Date.now();
  const lines: string[] = [];
  const r = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [drctlBin, ...args, '--state', state, '--debug'], { cwd: work, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      const at = String(Date.now() - t0).padStart(6);
      for (const l of parts) lines.push(`${at} ${l}`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) lines.push(`${String(Date.now() - t0).padStart(6)} ${partial}`);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end('');
  });
  const ms = Date.now() - t0;
  writeFileSync(path.join(work, `${name}.log`), lines.join('\n') + '\n');
  const data = JSON.parse(readFileSync(state, 'utf8')) as { operations: Array<{ id: string; type: string; startedAt: string; completedAt: string | null; steps: Array<{ id: string; name: string; site?: string; startedAt?: string; endedAt?: string }> }> };
  const op = [...data.operations].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).at(-1);
  const prof: { ms: number; opMs?: number; beforeMs?: number; afterMs?: number; timeline: string[]; tokens: number; requests: number; rbd: number } = {
    ms,
    timeline: [],
    tokens: lines.filter((l) => /keystone POST \S*\/auth\/tokens → 20/.test(l)).length,
    requests: lines.filter((l) => / → \d{3} \(\d+ms/.test(l)).length,
    rbd: lines.filter((l) => /\brbd\b.*\(\d+ ?ms/.test(l)).length,
  };
  if (op?.completedAt && Date.parse(op.startedAt) >= t0 - 1000) {
    const start = Date.parse(op.startedAt);
    prof.opMs = Date.parse(op.completedAt) - start;
    prof.beforeMs = start - t0;
    prof.afterMs = t0 + ms - Date.parse(op.completedAt);
    const steps = op.steps.filter((x) => x.startedAt).sort((a, b) => a.startedAt!.localeCompare(b.startedAt!));
    prof.timeline = steps.map((x) => {
      const a = Date.parse(x.startedAt!) - start;
      const d = x.endedAt ? Date.parse(x.endedAt) - Date.parse(x.startedAt!) : NaN;
      return `${(a / 1000).toFixed(1).padStart(6)} s +${(d / 1000).toFixed(1).padStart(5)} s  ${x.name}${x.site ? ` @${x.site}` : ''}`;
    });
  }
  return { ...r, ms, prof };
}

const show = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

/** Steps run in order; a failed critical step skips the rest (the lab is in an unknown state). */
function step(name: string, fn: (t: Test) => Promise<void>, critical = true) {
  t.test(name, async (tt) => {
    if (broken) {
      tt.plan(0, `skipped: an earlier step failed (${broken})`);
      return;
    }
    try {
      await fn(tt);
    } catch (e) {
      if (critical) broken = name;
      throw e;
    }
    if (!tt.passing() && critical) broken = name;
  });
}

/** The member's server on a site (by name, as the demo member sees it). */
async function memberServer(s: Os) {
  const l = await servers(s, MEMBER);
  if (l.length > 1) throw new Error(`${s.site}: ${l.length} servers named ${MEMBER}: ${l.map((x) => `${x.id} ${x.status}`).join(', ')}`);
  return l[0];
}

/** The RBD image behind the root volume of the member's server on a site. */
async function rootImage(s: Os): Promise<{ serverId: string; status: string; volumeId: string; image: string }> {
  const srv = await memberServer(s);
  if (!srv) throw new Error(`${s.site}: no server ${MEMBER}`);
  const vid = srv['os-extended-volumes:volumes_attached'][0]?.id;
  if (!vid) throw new Error(`${s.site}: server ${MEMBER} has no volume attached`);
  return { serverId: srv.id, status: srv.status, volumeId: vid, image: `volume-${vid}` };
}

// ------------------------------------------------------------------ cleanup (start and end)

/**
 * Removes the member's servers, drctl's consistency groups and every Cinder record of the test's
 * volumes on both sites, then the RBD images of the mirror global ids seen (leftovers of a crashed
 * run included: volumes named like ours or tagged drctl.group=stack-app).
 */
async function cleanup(stack: Stack, globalIds: Set<string>): Promise<string[]> {
  const done: string[] = [];
  for (const s of SITES) {
    for (const srv of await servers(stack.member[s], MEMBER)) {
      await stack.member[s].nova('DELETE', `/servers/${srv.id}`);
      await waitServer(stack.member[s], srv.id, 'DELETED');
      done.push(`${s}: server ${srv.id}`);
    }
  }
  for (const s of SITES) {
    const a = stack.admin[s];
    const vols = (await a.vol<{ volumes: Array<{ id: string; name: string; metadata: Record<string, string> }> }>('GET', '/volumes/detail?all_tenants=1&limit=1000')).body.volumes;
    const ours = vols.filter((v) => v.metadata['drctl.group'] === GROUP || v.name === `${MEMBER}-root` || v.name.startsWith(`${MEMBER}-`) || v.name === MEMBER);
    const groups = (await a.vol<{ groups: Array<{ id: string; name: string }> }>('GET', '/groups/detail?all_tenants=1')).body.groups ?? [];
    for (const g of groups.filter((x) => x.name === `drctl-${GROUP}`)) {
      const ids = ours.map((v) => v.id).join(',');
      if (ids) await a.vol('PUT', `/groups/${g.id}`, { group: { remove_volumes: ids } });
    }
    for (const v of ours) {
      const cur = await volume(a, v.id);
      if (!cur) continue;
      if (cur.status !== 'available') await waitVolume(a, v.id, 'available', 60_000).catch(() => undefined);
      const img = `volume-${v.id}`;
      const info = await imageInfo(s, img).catch(() => undefined);
      if (info?.mirroring?.global_id) globalIds.add(info.mirroring.global_id);
      // Cinder deletes a primary image on both sites; a missing or non-primary image is only unmanaged.
      if (info && info.mirroring?.primary !== false) {
        await a.vol('DELETE', `/volumes/${v.id}`);
        done.push(`${s}: volume ${v.id} deleted`);
      } else {
        await a.vol('POST', `/volumes/${v.id}/action`, { 'os-unmanage': null });
        done.push(`${s}: volume ${v.id} unmanaged`);
      }
      await waitVolume(a, v.id, 'deleted', 120_000);
    }
    for (const g of groups.filter((x) => x.name === `drctl-${GROUP}`)) {
      await a.vol('POST', `/groups/${g.id}/action`, { delete: { 'delete-volumes': false } });
      done.push(`${s}: group ${g.id}`);
    }
  }
  // RBD images of our global ids that no Cinder record owns any more (unmanaged copies).
  for (const gid of globalIds) {
    for (const s of SITES) {
      for (const img of await images(s)) {
        const info = await imageInfo(s, img).catch(() => undefined);
        if (info?.mirroring?.global_id !== gid || info.mirroring.primary !== true) continue;
        await rbd(s, ['rm', '--no-progress', `volumes/${img}`]).catch(() => rbd(s, ['mirror', 'image', 'disable', '--force', `volumes/${img}`]).then(() => rbd(s, ['rm', '--no-progress', `volumes/${img}`])));
        done.push(`${s}: image ${img}`);
      }
    }
  }
  return done;
}

// ------------------------------------------------------------------ the run

async function ready(tt: Test): Promise<Stack | undefined> {
  let { stack, why } = await probe();
  if (stack) {
    // Both labs' locks, OpenStack first (as every holder takes them): no other job's up.sh/down.sh
    // (or the Ceph tests' cluster stop) while drctl moves the group.
    const busy = (await openstackLabLock.acquire(10 * 60_000)) ?? (await cephLabLock.acquire(10 * 60_000));
    if (busy) {
      cephLabLock.release();
      openstackLabLock.release();
      stack = undefined;
      why = busy;
    }
  }
  if (stack) return stack;
  if (REQUIRE) tt.fail(`stack lab required (DRCTL_REQUIRE_STACK_LAB=1) but unusable: ${why}`);
  else tt.plan(0, `no stack lab: ${why}`);
  return undefined;
}

const stack = await ready(t);
if (stack) {
  t.setTimeout(60 * 60_000);
  const globalIds = new Set<string>();
  let gid = '';
  let md5A = '';
  let markerA = '';
  let md5B = '';

  t.teardown(async () => {
    try {
      if (!KEEP) {
        const removed = await cleanup(stack, globalIds);
        t.comment(`cleanup: ${removed.join('; ') || 'nothing'}`);
      }
    } finally {
      cephLabLock.release();
      openstackLabLock.release();
      const lines = Object.entries(timings).map(([k, v]) => `${k}: ${(v / 1000).toFixed(1)} s`);
      t.comment(`stack timings\n${lines.join('\n')}`);
      if (process.env.DRCTL_STACK_TIMINGS) writeFileSync(process.env.DRCTL_STACK_TIMINGS, JSON.stringify(timings, null, 2));
    }
  });

  /** After an operation: a new plan has nothing to do (not critical: the next operation still runs). */
  const converged = (active: Site) =>
    step(`converged at activeSite ${active}: drctl plan --detailed-exitcode = 0`, async (t) => {
      const again = await drctl(['plan', specFor(active), '--json']);
      t.equal(again.code, 0, `plan\n${show(again)}`);
      const acts = (JSON.parse(again.stdout) as { actions: Array<{ action: string; group: string }> }).actions.map((a) => a.action);
      t.same(acts.filter((a) => a !== 'update'), [], `no operation left (${acts.join(', ') || 'none'})`);
      // Known: after a failover/failback the planner re-captures the members' metadata on the new site
      // (an `update` action) instead of the operation doing it.
      t.same(acts, [], 'nothing left to do at all', acts.length === 1 && acts[0] === 'update' ? { todo: 'the operation does not capture member metadata on the new site; the next plan does (update)' } : {});
    }, false);

  step('sweep leftovers, create the workload on site-a (as dr-flow.py does)', async (t) => {
    const swept = await cleanup(stack, globalIds);
    if (swept.length) t.comment(`swept leftovers: ${swept.join('; ')}`);
    globalIds.clear();
    // drctl's documented prerequisite (admin, once per site): a group type for consistency groups.
    for (const s of SITES) {
      const a = stack.admin[s];
      const gts = (await a.vol<{ group_types: Array<{ name: string }> }>('GET', '/group_types')).body.group_types;
      if (!gts.some((g) => g.name === 'drctl-consistency-group')) {
        const r = await a.vol('POST', '/group_types', { group_type: { name: 'drctl-consistency-group', group_specs: { consistent_group_snapshot_enabled: '<is> True' } } });
        t.ok(r.status === 200 || r.status === 202, `${s}: group type drctl-consistency-group created (${r.status})`);
      }
    }
    const A = stack.member['site-a'];
    const t0 = Date.now();
    const c = await A.vol<{ volume: { id: string } }>('POST', '/volumes', { volume: { size: 1, name: `${MEMBER}-root`, volume_type: VTYPE } });
    t.equal(c.status, 202, 'site-a: POST /volumes as the demo member');
    const vid = c.body.volume.id;
    await waitVolume(A, vid, 'available');
    const host = (await stack.admin['site-a'].vol<{ volume: Record<string, string> }>('GET', `/volumes/${vid}`)).body.volume['os-vol-host-attr:host'];
    t.equal(host, 'site-a@ceph#ceph', 'volume on the ceph backend');
    t.equal((await A.vol('POST', `/volumes/${vid}/action`, { 'os-set_bootable': { bootable: true } })).status, 200, 'set bootable');
    const image = `volume-${vid}`;
    const info = await imageInfo('site-a', image);
    t.match(info.mirroring, { mode: 'journal', state: 'enabled', primary: true }, 'Cinder enabled journal mirroring on the image');
    gid = info.mirroring!.global_id!;
    globalIds.add(gid);
    const flavors = (await A.nova<{ flavors: Array<{ id: string; name: string }> }>('GET', '/flavors')).body.flavors;
    const boot = await A.nova<{ server: { id: string } }>('POST', '/servers', {
      server: {
        name: MEMBER,
        flavorRef: flavors.find((f) => f.name === 'm1.tiny')!.id,
        networks: 'none',
        block_device_mapping_v2: [{ boot_index: 0, uuid: vid, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }],
      },
    });
    t.equal(boot.status, 202, 'boot from volume');
    await waitServer(A, boot.body.server.id, 'ACTIVE');
    timings['workload: volume + boot on site-a'] = Date.now() - t0;
    markerA = await writeBytes('site-a', image, 'written-on-site-a');
    md5A = await md5('site-a', image);
    const t1 = Date.now();
    await poll('site-b copy equal to site-a', async () => (await images('site-b')).includes(image) && (await md5('site-b', image)) === md5A, 180_000, 2000);
    timings['workload: replicated to site-b (md5 equal)'] = Date.now() - t1;
    t.pass(`workload ready: server ${boot.body.server.id}, image ${image}, global_id ${gid}, md5 ${md5A}`);
  });

  step('drctl apply, activeSite: site-a (protect)', async (t) => {
    const spec = specFor('site-a');
    const v = await drctl(['validate', spec]);
    t.equal(v.code, 0, `validate\n${show(v)}`);
    const p = await drctl(['plan', spec, '--json']);
    t.equal(p.code, 0, `plan\n${show(p)}`);
    const plan = JSON.parse(p.stdout) as { actions: Array<{ group: string; action: string }>; blockers: unknown[] };
    t.same(plan.blockers, [], 'no blockers');
    t.comment(`actions at activeSite site-a: ${plan.actions.map((a) => a.action).join(', ') || 'none'}`);
    const a = await drctl(['apply', spec, '--auto-approve']);
    timings['drctl apply (protect)'] = a.ms;
    t.equal(a.code, 0, `apply\n${show(a)}`);
  });
  converged('site-a');

  const failTo = (to: Site) => async (t: Test) => {
    const from = OTHER[to];
    const spec = specFor(to);
    const p = await drctl(['plan', spec, '--json']);
    t.equal(p.code, 0, `plan\n${show(p)}`);
    const plan = JSON.parse(p.stdout) as { actions: Array<{ group: string; action: string; mode?: string; from?: string; to?: string; steps: Array<{ name: string; site?: string }> }>; blockers: unknown[] };
    t.same(plan.blockers, [], 'no blockers');
    const act = plan.actions.find((x) => x.group === GROUP && (x.action === 'failover' || x.action === 'failback'));
    t.ok(act, `a ${to === 'site-b' ? 'failover' : 'failback'} is planned (${plan.actions.map((x) => x.action).join(', ')})`);
    t.match(act, { action: to === 'site-b' ? 'failover' : 'failback', from, to }, 'direction');
    const names = act!.steps.map((s) => s.name);
    for (const n of ['storage.demote', 'storage.promote', 'volume.import']) t.ok(names.includes(n as never), `plan has ${n}`);
    const text = await drctl(['plan', spec]);
    t.comment(text.stdout.split('\n').slice(0, 40).join('\n'));

    const kind = to === 'site-b' ? 'failover' : 'failback';
    const a = await drctlProfiled(`apply-${kind}`, ['apply', spec, '--auto-approve']);
    timings[`drctl apply ${kind} ${from} -> ${to}`] = a.ms;
    t.equal(a.code, 0, `apply\n${show(a)}`);
    t.comment(a.stdout.split('\n').slice(-12).join('\n'));
    const pf = a.prof;
    if (pf.opMs !== undefined) {
      timings[`drctl ${kind}: operation (journal, open .. close)`] = pf.opMs;
      timings[`drctl ${kind}: before the operation (start, connect, discover, plan)`] = pf.beforeMs!;
      timings[`drctl ${kind}: after the operation (summary, exit)`] = pf.afterMs!;
    }
    t.comment(`drctl ${kind}: ${(pf.ms / 1000).toFixed(1)} s whole command (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}); ${pf.requests} HTTP requests (${pf.tokens} Keystone tokens); log ${path.join(work, `apply-${kind}.log`)}\nsteps (start from the operation's open, duration):\n${pf.timeline.join('\n')}`);

    const r = await rootImage(stack.member[to]);
    t.equal(r.status, 'ACTIVE', `${to}: ${MEMBER} ACTIVE`);
    const info = await imageInfo(to, r.image);
    t.equal(info.mirroring?.global_id, gid, `${to}: the server's volume is the mirrored image (global_id ${gid})`);
    t.equal(info.mirroring?.primary, true, `${to}: its image is primary`);
    const want = to === 'site-b' ? md5A : md5B;
    t.equal(await md5(to, r.image), want, `${to}: data intact (rbd export | md5 = ${want})`);
    if (to === 'site-b') t.equal(await head(to, r.image, markerA.length), markerA, 'marker written on site-a is there');
    const old = await memberServer(stack.member[from]);
    t.not(old?.status, 'ACTIVE', `${from}: ${MEMBER} not running (${old ? old.status : 'gone'})`);
    const vol = await volume(stack.member[to], r.volumeId);
    t.comment(`${to}: volume ${r.volumeId} replication_status=${vol?.replication_status} metadata=${JSON.stringify(vol?.metadata)}`);
    return r;
  };


  step('planned failover site-a -> site-b with drctl (real mode)', async (t) => {
    await failTo('site-b')(t);
  });
  converged('site-b');

  step('write on site-b, failback site-b -> site-a with drctl', async (t) => {
    const r = await rootImage(stack.member['site-b']);
    await writeBytes('site-b', r.image, 'written-on-site-b');
    md5B = await md5('site-b', r.image);
    t.not(md5B, md5A, 'new data on site-b');
    await failTo('site-a')(t);
  });
  converged('site-a');

  if (process.env.DRCTL_STACK_DRFLOW !== '0') {
    step("the lab's dr-flow.py in the same run (comparison)", async (t) => {
      const r = await run('python3', [path.join(STACK_DIR, 'dr-flow.py')], { timeoutMs: 15 * 60_000 });
      const out = r.stdout.toString();
      const sec = (what: string) => Number(new RegExp(`([0-9.]+)s\\s+${what}`).exec(out)?.[1] ?? NaN);
      timings['dr-flow.py failover total (stop on A .. ACTIVE on B)'] = sec('failover total') * 1000;
      timings['dr-flow.py failback total (write on B .. ACTIVE on A)'] = sec('failback total') * 1000;
      const last = out.trim().split('\n').at(-1) ?? '';
      t.comment(`dr-flow.py: ${last} (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
      t.equal(r.code, 0, `dr-flow.py passed\n${out.slice(-3000)}\n${r.stderr.slice(-1000)}`);
    });
  }
}
