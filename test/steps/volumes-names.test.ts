/** volume.import's name matching: manageable references (Pure {name}, RBD {'source-name'}) and pod-qualified names. */
import t from 'tap';
import { isArrayVolume, referenceName } from '../../src/steps/volumes.js';

t.test('referenceName: the backend name of a manageable reference', async (t) => {
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [{ name: 'pod-x::volume-1-cinder' }, 'pod-x::volume-1-cinder'], // Cinder's Pure driver
    [{ 'source-name': 'volume-1' }, 'volume-1'], // RBD and most drivers
    [{ 'source-id': 'abc' }, 'abc'],
    [{}, undefined],
  ];
  for (const [ref, want] of cases) t.equal(referenceName(ref), want, JSON.stringify(ref));
});

t.test('isArrayVolume: the plan names volumes without their pod; the array lists them in it', async (t) => {
  const cases: Array<[string | undefined, string, boolean]> = [
    ['volume-1-cinder', 'volume-1-cinder', true],
    ['pod-x::volume-1-cinder', 'volume-1-cinder', true],
    ['pod-x::volume-1-cinder', 'pod-x::volume-1-cinder', true],
    ['volume-1-cinder', 'pod-x::volume-1-cinder', true], // a drill clone's source named with its pod
    ['pod-y::volume-1-cinder', 'pod-x::volume-1-cinder', false],
    ['pod-x::volume-1-cinder-unmanaged', 'volume-1-cinder', false],
    ['pod-x::volume-11-cinder', 'volume-1-cinder', false],
    ['xvolume-1-cinder', 'volume-1-cinder', false],
    [undefined, 'volume-1-cinder', false],
  ];
  for (const [listed, planned, want] of cases) t.equal(isArrayVolume(listed, planned), want, `${listed} vs ${planned}`);
});
