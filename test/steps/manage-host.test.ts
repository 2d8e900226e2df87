/** pickManageHost: the manage host among several cinder-volume backends (the stack lab runs `fake` and `ceph`). */
import t from 'tap';
import type { CinderService } from '../../src/providers/openstack/cinder.js';
import { pickManageHost } from '../../src/steps/volumes.js';

const svc = (host: string, state = 'up', status = 'enabled'): CinderService => ({ binary: 'cinder-volume', host, state, status });

const cases: Array<{ name: string; services: CinderService[]; backend?: string; want: string | undefined }> = [
  { name: 'the volume type backend wins over the first service', services: [svc('site-b@fake'), svc('site-b@ceph')], backend: 'ceph', want: 'site-b@ceph#ceph' },
  { name: 'order does not matter', services: [svc('site-b@ceph'), svc('site-b@fake')], backend: 'ceph', want: 'site-b@ceph#ceph' },
  { name: 'no backend name: first service up, pool = backend', services: [svc('site-a@fake', 'down'), svc('site-a@pure')], want: 'site-a@pure#pure' },
  { name: 'unknown backend name: falls back to the first up service', services: [svc('site-a@fake'), svc('site-a@ceph')], backend: 'nope', want: 'site-a@fake#fake' },
  { name: 'a host that already names its pool is kept', services: [svc('h@b#p')], backend: 'p', want: 'h@b#p' },
  { name: 'a down service matching the backend is still better than another backend', services: [svc('s@fake'), svc('s@ceph', 'down')], backend: 'ceph', want: 's@ceph#ceph' },
  { name: 'a host without a backend part', services: [svc('legacy')], want: 'legacy#legacy' },
  { name: 'no service', services: [], backend: 'ceph', want: undefined },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(pickManageHost(c.services, c.backend), c.want);
  });
}
