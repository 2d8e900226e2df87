import t from 'tap';
import { PlanGraphError, topoOrder, waves } from '../../src/plan/dag.js';

const s = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

t.test('topoOrder: dependencies first, ties in input order', async (t) => {
  const order = topoOrder([s('c', 'a', 'b'), s('a'), s('b'), s('d', 'c')]).map((x) => x.id);
  t.same(order, ['a', 'b', 'c', 'd']);
});

const bad: Array<[string, Array<{ id: string; dependsOn: string[] }>, RegExp]> = [
  ['a cycle', [s('a', 'c'), s('b', 'a'), s('c', 'b')], /cycle through: a, b, c/],
  ['a self edge', [s('a', 'a')], /depends on itself/],
  ['a duplicate id', [s('a'), s('a')], /duplicate step id a/],
  ['an unknown edge', [s('a', 'zz')], /depends on unknown step zz/],
];
for (const [name, steps, msg] of bad) {
  t.test(`topoOrder rejects ${name}`, async (t) => {
    t.throws(() => topoOrder(steps), msg);
    t.throws(() => topoOrder(steps), PlanGraphError);
  });
}

t.test('ignoreMissing drops edges to removed (completed) steps', async (t) => {
  t.same(topoOrder([s('b', 'done'), s('c', 'b')], { ignoreMissing: true }).map((x) => x.id), ['b', 'c']);
});

t.test('waves: what may run in parallel', async (t) => {
  const w = waves([s('open'), s('stop-web1', 'open'), s('stop-web2', 'open'), s('stop-db', 'stop-web1', 'stop-web2'), s('sync', 'stop-db')]);
  t.same(w.map((x) => x.map((y) => y.id)), [['open'], ['stop-web1', 'stop-web2'], ['stop-db'], ['sync']]);
});

t.test('a long chain given in reverse order sorts fully', async (t) => {
  const n = 20000;
  const steps = Array.from({ length: n }, (_, i) => s(`s${i}`, ...(i ? [`s${i - 1}`] : [])));
  const order = topoOrder(steps.reverse());
  t.equal(order.length, n);
  t.equal(order[0]!.id, 's0');
  t.equal(order[n - 1]!.id, `s${n - 1}`);
});

t.test('the code table lists every plan code once, with a meaning and a way out', async (t) => {
  const { PLAN_CODE_TABLE, PlanCode } = await import('../../src/plan/codes.js');
  t.same(PLAN_CODE_TABLE.map((r) => r.code).sort(), Object.values(PlanCode).sort());
  for (const r of PLAN_CODE_TABLE) t.ok(r.meaning.length > 10 && r.wayOut.length > 5, r.code);
});
