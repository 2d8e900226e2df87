/**
 * Step polling pace (src/steps/deps.ts): short first polls growing to the poll interval, so a
 * transition that takes a second is seen within a fraction of one instead of a whole interval later.
 * Injected clock and sleep: nothing waits.
 */
import t from 'tap';
import { backoff, MOCK_POLL, REAL_POLL, waitFor, type PollSettings, type StepDeps } from '../../src/steps/deps.js';

function fakeDeps(poll: PollSettings) {
  let clock = 1_000_000;
  const slept: number[] = [];
  const deps = {
    poll,
    now: () => clock,
    sleep: async (ms: number) => {
      slept.push(ms);
      clock += ms;
    },
  } as unknown as StepDeps;
  return { deps, slept, advance: (ms: number) => (clock += ms) };
}

t.test('backoff: first interval, ×1.5, capped at the poll interval', async (t) => {
  const rows: Array<{ name: string; poll: Pick<PollSettings, 'intervalMs' | 'firstIntervalMs'>; want: number[] }> = [
    { name: 'real clouds', poll: REAL_POLL, want: [250, 375, 563, 845, 1268, 1902, 2000, 2000] },
    { name: 'no first interval: fixed (mock mode keeps its pace)', poll: MOCK_POLL, want: [100, 100, 100, 100] },
    { name: 'first interval above the interval: capped', poll: { intervalMs: 500, firstIntervalMs: 900 }, want: [500, 500, 500] },
    { name: 'first equals interval: fixed', poll: { intervalMs: 1000, firstIntervalMs: 1000 }, want: [1000, 1000] },
  ];
  for (const r of rows) {
    const next = backoff(r.poll);
    t.same(r.want.map(() => next()), r.want, r.name);
  }
});

t.test('waitFor paces its polls with the backoff and stops at the first success', async (t) => {
  const { deps, slept } = fakeDeps(REAL_POLL);
  let polls = 0;
  const v = await waitFor(deps, 'x', async () => (++polls === 5 ? 'done' : undefined), { timeoutMs: 60_000 });
  t.equal(v, 'done');
  t.equal(polls, 5);
  t.same(slept, [250, 375, 563, 845], 'four short sleeps: a 2 s transition is seen after ~2.0 s, not 4 s');
});

t.test('each wait starts its own backoff', async (t) => {
  const { deps, slept } = fakeDeps(REAL_POLL);
  for (let i = 0; i < 2; i++) {
    let polls = 0;
    await waitFor(deps, 'x', async () => (++polls === 3 ? true : undefined), { timeoutMs: 60_000 });
  }
  t.same(slept, [250, 375, 250, 375]);
});

t.test('an explicit interval (number or pacer) wins over the backoff', async (t) => {
  const fixed = fakeDeps(REAL_POLL);
  let n = 0;
  await waitFor(fixed.deps, 'x', async () => (++n === 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 700 });
  t.same(fixed.slept, [700, 700]);
  const paced = fakeDeps(REAL_POLL);
  const seq = [3000, 1500];
  let m = 0;
  await waitFor(paced.deps, 'x', async () => (++m === 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: () => seq.shift()! });
  t.same(paced.slept, [3000, 1500]);
});

t.test('the last sleep never runs past the deadline; timeout is DRCTL step timeout', async (t) => {
  const { deps, slept } = fakeDeps(REAL_POLL);
  const err = await waitFor(deps, 'the thing', async () => undefined, { timeoutMs: 1000 }).catch((e: unknown) => e);
  t.match(err, { message: /Timed out after 1s waiting for the thing/ });
  t.same(slept, [250, 375, 375], 'the third sleep is cut to the 375 ms left');
});
