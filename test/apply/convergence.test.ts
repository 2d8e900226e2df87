/**
 * Convergence across a life cycle in mock mode: after each failover / failback apply, the next plan
 * has nothing left to do (the operation captured the members' metadata on the new site itself), and
 * the arrays do not grow with every move (old `-unmanaged` copies drctl left are cleaned up).
 */
import t, { type Test } from 'tap';
import { MockWorld } from '../../src/mock/index.js';
import { drctl } from './crash-harness.js';
import { checkWorld, lab, type Lab } from './lifecycle-harness.js';

t.setTimeout(600_000);

async function planIsClean(t: Test, l: Lab, what: string): Promise<void> {
  const p = await drctl(l.dir, ['plan', '--detailed-exitcode', 'prod-web-app.yaml']);
  t.equal(p.code, 0, `${what}: the next plan has no changes (exit 0 with --detailed-exitcode)`, { stdout: p.stdout.slice(-2500), stderr: p.stderr.slice(-1500) });
  t.notMatch(p.stdout, /update the captured metadata/, `${what}: no follow-up metadata update`);
}

/** Live (not destroyed) array volumes per site. */
async function arrayVolumes(l: Lab): Promise<Record<string, string[]>> {
  const w = await MockWorld.open(l.worldPath);
  const out: Record<string, string[]> = {};
  for (const s of ['site-a', 'site-b']) {
    const st = w.site(s).storage;
    out[s] = st.driver === 'pure' ? Object.values(st.pure.volumes).filter((v) => !v.destroyed).map((v) => v.name).sort() : [];
  }
  return out;
}

t.test('failover → plan clean → failback → plan clean → failover → plan clean; array volumes do not grow', async (t) => {
  const l = await lab(t);
  t.equal((await l.apply()).exitCode, 0, 'protect');
  await planIsClean(t, l, 'after protect');
  const sizes: number[] = [];
  for (const [target, what] of [
    ['site-b', 'failover'],
    ['site-a', 'failback'],
    ['site-b', 'failover again'],
  ] as const) {
    await l.edit({ activeSite: target });
    const r = await l.apply();
    t.equal(r.exitCode, 0, what, { stderr: r.stderr.slice(-2500) });
    t.same(
      Object.values(checkWorld(await l.discover(), (await l.loaded()).spec).activeOn).every((s) => s.length === 1 && s[0] === target),
      true,
      `${what}: every member runs on ${target}`,
    );
    await planIsClean(t, l, `after the ${what}`);
    const vols = await arrayVolumes(l);
    sizes.push(vols['site-a']!.length + vols['site-b']!.length);
    const unmanagedOnTarget = vols[target]!.filter((n) => n.endsWith('-cinder-unmanaged'));
    t.same(unmanagedOnTarget, [], `${what}: no old -unmanaged copies left on ${target}, where the group now runs`);
    const other = target === 'site-a' ? 'site-b' : 'site-a';
    t.equal(vols[other]!.filter((n) => n.endsWith('-cinder-unmanaged')).length, 6, `${what}: the standby ${other} keeps one generation (its 6 volumes as of the move)`);
  }
  t.same(sizes, [12, 12, 12], 'live array volumes on both arrays: 6 in production + 6 kept on the standby, after every move');
  const op = await l.lastOp('failover');
  const rm = op.steps.find((s) => s.name === 'storage.remove-unmanaged');
  t.equal((rm?.result?.outputs?.removed as string[] | undefined)?.length, 6, 'journal: the second failover destroyed the 6 copies site-b kept from its first stay');
  t.ok((rm?.result?.outputs?.removed as string[]).every((n) => /^volume-[0-9a-f-]{36}-cinder-unmanaged$/.test(n)), 'only Cinder-unmanaged copies, by name');
});
