/**
 * src/apply/warm.ts: which sites' admin clients an operation warms up (the ones its steps call,
 * when they are a separate cloud entry), and that a failing warm-up never rejects.
 */
import t from 'tap';
import { privilegedSites, warmPrivilegedClients } from '../../src/apply/warm.js';
import type { Connections, SiteConnection } from '../../src/providers/connect.js';
import type { Plan } from '../../src/plan/types.js';

function conns(opts: { sameAdmin?: string[]; failing?: string[] } = {}) {
  const calls: string[] = [];
  const sites: Record<string, SiteConnection> = {};
  for (const name of ['site-a', 'site-b']) {
    const os = { cinder: { listVolumeTypes: async () => (calls.push(`${name} member`), []) } };
    const admin = opts.sameAdmin?.includes(name)
      ? os
      : {
          cinder: {
            listVolumeTypes: async () => {
              calls.push(`${name} admin`);
              if (opts.failing?.includes(name)) throw new Error('403 policy');
              return [];
            },
          },
        };
    sites[name] = { name, os, admin } as unknown as SiteConnection;
  }
  return { c: { sites } as Pick<Connections, 'sites'>, calls };
}

const plan = (steps: Array<[string, string | undefined]>) =>
  ({ actions: [{ steps: steps.map(([name, site]) => ({ id: `${name}/${site}`, name, ...(site ? { site } : {}), dependsOn: [] })) }] }) as unknown as Pick<Plan, 'actions'>;

t.test('sites of volume.import / volume.unmanage steps with a distinct admin entry', async (t) => {
  const rows: Array<{ name: string; steps: Array<[string, string | undefined]>; sameAdmin?: string[]; want: string[] }> = [
    { name: 'failover: import on b, unmanage on a', steps: [['server.stop', 'site-a'], ['volume.import', 'site-b'], ['volume.unmanage', 'site-a']], want: ['site-a', 'site-b'] },
    { name: 'protect: no privileged step', steps: [['server.tag', 'site-a'], ['storage.protect', 'site-a'], ['record.write', 'site-b']], want: [] },
    { name: 'drill: import on b only', steps: [['storage.clone-for-drill', 'site-b'], ['volume.import', 'site-b']], want: ['site-b'] },
    { name: 'no adminCloud on b (admin is the member client): nothing to warm there', steps: [['volume.import', 'site-b'], ['volume.unmanage', 'site-a']], sameAdmin: ['site-b'], want: ['site-a'] },
    { name: 'a step without a site is ignored', steps: [['volume.import', undefined]], want: [] },
  ];
  for (const r of rows) {
    const { c } = conns({ ...(r.sameAdmin ? { sameAdmin: r.sameAdmin } : {}) });
    t.same(privilegedSites(plan(r.steps), c), r.want, r.name);
  }
});

t.test('warm-up: one admin read per site, member clients untouched, failures swallowed', async (t) => {
  const { c, calls } = conns({ failing: ['site-a'] });
  await t.resolves(warmPrivilegedClients(plan([['volume.import', 'site-b'], ['volume.unmanage', 'site-a'], ['volume.import', 'site-b']]), c));
  t.same(calls.sort(), ['site-a admin', 'site-b admin']);
});
