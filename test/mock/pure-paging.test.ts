/**
 * The mock array's listings at scale: the filter's `*` matcher is linear and agrees with the regex
 * it replaced, and a listing paged with continuation tokens returns exactly what one unpaged listing
 * returns (pages are sliced from the query's cursor), while a change of the world between pages
 * makes the next page reflect it.
 */
import t from 'tap';
import { globMatcher } from '../../src/mock/pure.js';
import { pureCaller, serve, specWith } from './helpers.js';

const regexOf = (p: string) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

t.test('globMatcher: the same answers as the anchored regex', async (t) => {
  const patterns = ['*::*', '*-drill-*', 'fa-a:*', 'pg.*', '*', 'exact', 'a*b*c', '*x', 'x*', 'ab*ab', '**', 'a**b'];
  const names = ['', 'pod::v1', 'v1', 'volume-1-cinder-drill-t1', 'fa-a:pg.1.v', 'pg.', 'pg', 'exact', 'exactly', 'abc', 'aXbYc', 'acb', 'x', 'xx', 'ab', 'aab', 'abab', 'ab-ab', 'a::b::c'];
  for (const p of patterns) {
    const g = globMatcher(p);
    const re = regexOf(p);
    for (const n of names) t.equal(g(n), re.test(n), `${JSON.stringify(p)} vs ${JSON.stringify(n)}`);
  }
});

t.test('paged listing = one unpaged listing; a change between pages shows on the next page', async (t) => {
  const s = await serve(specWith({ members: 12 }));
  t.teardown(() => s.handle.close());
  const pure = await pureCaller(s, 'site-a');
  const get = (q: string) => pure('GET', `/volumes${q}`);

  const all = await get('');
  t.equal(all.status, 200);
  const names = (all.body.items as Array<{ name: string }>).map((i) => i.name);
  t.ok(names.length >= 12, `${names.length} array volumes`);

  const paged: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const r = await get(`?limit=5${token ? `&continuation_token=${token}` : ''}`);
    t.equal(r.status, 200);
    paged.push(...(r.body.items as Array<{ name: string }>).map((i) => i.name));
    token = r.body.continuation_token;
    pages++;
  } while (token && pages < 100);
  t.same(paged, names, 'pages concatenate to the unpaged listing');
  t.equal(pages, Math.ceil(names.length / 5), 'ceil(n / limit) pages');

  // A change between page 1 and page 2: the cursor is dropped and page 2 is computed afresh.
  const first = await get('?limit=5');
  const victim = names[names.length - 1]!;
  const a = s.handle.world.data.sites['site-a']!.storage as { pure: { volumes: Record<string, { name: string; destroyed: boolean }> } };
  const rec = Object.values(a.pure.volumes).find((v) => v.name === victim)!;
  rec.destroyed = true;
  s.handle.world.touch();
  let rest: Array<{ name: string; destroyed: boolean }> = [];
  let tok: string | null = first.body.continuation_token;
  while (tok) {
    const r = await get(`?limit=5&continuation_token=${tok}`);
    rest = rest.concat(r.body.items);
    tok = r.body.continuation_token;
  }
  t.equal(rest.find((v) => v.name === victim)?.destroyed, true, 'the later page shows the change');
});
