import t from 'tap';
import { waitFor } from '../../../src/providers/openstack/wait.js';
import { createOpenStackClients } from '../../../src/providers/openstack/index.js';
import type { DrctlError } from '../../../src/errors.js';
import { startFakeCloud } from './fake-cloud.js';

function clock() {
  let now = 0;
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)), sleeps };
}

t.test('waitFor: succeeds, backs off ×1.5 up to the cap, times out with the last status', async (t) => {
  const c = clock();
  const states = ['BUILD', 'BUILD', 'BUILD', 'ACTIVE'];
  let i = 0;
  const x = await waitFor({ what: 'site-b nova server s1', read: async () => ({ s: states[i++]! }), status: (v) => v.s, want: ['ACTIVE'] }, { ...c, intervalMs: 1000, maxIntervalMs: 2000 });
  t.same(x, { s: 'ACTIVE' });
  t.same(c.sleeps, [1000, 1500, 2000]);

  const c2 = clock();
  const err = (await waitFor({ what: 'site-b nova server s1', read: async () => ({ s: 'BUILD' }), status: (v) => v.s, want: ['ACTIVE'] }, { ...c2, timeoutMs: 10_000, intervalMs: 4000 }).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2040');
  t.equal(err.message, 'timed out after 10s waiting for site-b nova server s1 to be ACTIVE (still BUILD)');
  t.same(c2.sleeps, [4000, 6000], 'the last sleep is clipped to the budget');

  const gone = (await waitFor({ what: 'v', read: async () => undefined, status: () => '', want: ['available'] }, clock()).catch((e: unknown) => e)) as DrctlError;
  t.equal(gone.code, 'DRCTL_E2041');
  t.equal(await waitFor({ what: 'v', read: async () => undefined, status: () => '', want: [], goneIsSuccess: true }, clock()), undefined);
});

t.test('nova.waitForServer: ERROR fails with the fault message; cinder.waitForVolume: error_managing fails', async (t) => {
  let polls = 0;
  const fake = await startFakeCloud({
    handler: (r) => {
      if (r.path === '/servers/s1') {
        polls++;
        return { status: 200, body: { server: polls < 3 ? { id: 's1', status: 'BUILD' } : { id: 's1', status: 'ERROR', fault: { code: 500, message: 'Block Device vol-1 is not bootable' } } } };
      }
      if (r.path === '/servers/gone') return polls++ < 4 ? { status: 200, body: { server: { id: 'gone', status: 'ACTIVE', 'OS-EXT-STS:task_state': 'deleting' } } } : { status: 404, body: { itemNotFound: { code: 404, message: 'x' } } };
      if (r.path === '/volumes/v1') return { status: 200, body: { volume: { id: 'v1', status: 'error_managing' } } };
      if (r.path === '/volumes/v2') return { status: 200, body: { volume: { id: 'v2', status: 'available', bootable: 'true' } } };
      if (r.path === '/groups/g1') return { status: 200, body: { group: { id: 'g1', status: 'available', volumes: ['v2'], volume_types: [] } } };
      return undefined;
    },
  });
  t.teardown(() => fake.close());
  const c = clock();
  const { nova, cinder } = createOpenStackClients({ site: 'site-b', cloud: fake.cloud(), httpOptions: { sleep: async () => undefined } });
  const err = (await nova.waitForServer('s1', ['ACTIVE'], c).catch((e: unknown) => e)) as DrctlError;
  t.equal(err.code, 'DRCTL_E2041');
  t.equal(err.message, 'site-b nova server s1 went to ERROR while waiting for ACTIVE: Block Device vol-1 is not bootable');
  polls = 0;
  await nova.waitForServerGone('gone', c);
  t.equal(polls, 5);
  const verr = (await cinder.waitForVolume('v1', ['available'], c).catch((e: unknown) => e)) as DrctlError;
  t.match(verr.message, /site-b cinder volume v1 went to error_managing/);
  t.equal((await cinder.waitForVolume('v2', ['available'], c))!.bootable, true);
  t.same((await cinder.waitForGroup('g1', ['available'], c))!.volumes, ['v2']);
});
