// Dropout (src/layers/dropout.ts): inference returns the input; training zeroes about `rate` of the values
// and scales the rest, with a new mask per call drawn from the call's random source, deterministic per
// model seed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  GELU,
  Input,
  Random,
  SGD,
  Sequential,
  Softmax,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function randomImages(count: number, shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = count * shape.reduce((product, dimension) => product * dimension, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform()),
    [count, ...shape],
  );
}

describe('Dropout', () => {
  test('inference returns the input itself; training zeroes about `rate` of the values and scales the rest', () => {
    const layer = new Dropout({ rate: 0.25, name: 'drop' });
    layer.build([1000], { random: new Random(1), dtype: 'float32' });
    const x = Tensor.fromArray(new Float32Array(4000).fill(2), [4, 1000]);
    assert.equal(layer.call(x, { isTraining: false }), x);
    const y = layer.call(x, { isTraining: true });
    const dropped = Array.from(y.dataSync()).filter((value) => value === 0).length;
    assert.ok(Math.abs(dropped - 1000) < 4 * Math.sqrt(4000 * 0.25 * 0.75), `${dropped} of 4000 dropped`);
    assert.ok(Array.from(y.dataSync()).every((value) => value === 0 || Math.abs(value - 2 / 0.75) < 1e-6));
  });

  test('each training call draws a new mask; a random source in the call context decides it', () => {
    const layer = new Dropout({ rate: 0.5, name: 'drop' });
    layer.build([256], { random: new Random(1), dtype: 'float32' });
    const x = Tensor.fromArray(new Float32Array(256).fill(1), [1, 256]);
    const first = Array.from(layer.call(x, { isTraining: true }).dataSync());
    const second = Array.from(layer.call(x, { isTraining: true }).dataSync());
    assert.notDeepEqual(first, second);
    const fromContext = (seed: number) =>
      Array.from(layer.call(x, { isTraining: true, random: new Random(seed) }).dataSync());
    assert.deepEqual(fromContext(9), fromContext(9));
    assert.notDeepEqual(fromContext(9), fromContext(10));
  });

  test('a Dropout that was never built needs a random source to train', () => {
    const layer = new Dropout({ rate: 0.5, name: 'loose' });
    assertThrowsWith(() => layer.call(Tensor.zeros([1, 4]), { isTraining: true }), ValueError, "Dropout 'loose'");
    assert.equal(layer.call(Tensor.zeros([1, 4]), { isTraining: false, random: undefined }).size, 4);
  });

  test('fit is deterministic per model seed with Dropout, and Dropout changes the training', () => {
    const x = randomImages(24, [6, 6, 1], 3);
    const labels = Array.from({ length: 24 }, (_, index) => index % 3);
    const train = (rate: number) => {
      const model = new Sequential(
        [
          new Input({ shape: [6, 6, 1] }),
          new Conv2D({ filters: 4, kernelSize: 3 }),
          new GELU(),
          new Flatten(),
          new Dropout({ rate }),
          new Dense({ units: 3 }),
          new Softmax(),
        ],
        { seed: 5 },
      );
      const history = model.fit(x, labels, { epochs: 2, batchSize: 8, optimizer: new SGD({ learningRate: 0.1 }) });
      return {
        losses: history.epochs.map((epoch) => epoch.loss),
        weights: model.trainableWeights().flatMap((weight) => Array.from(weight.dataSync())),
      };
    };
    const first = train(0.5);
    assert.deepEqual(train(0.5), first);
    assert.notDeepEqual(train(0).losses, first.losses);
  });
});
