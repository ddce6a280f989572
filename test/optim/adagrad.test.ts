// Adagrad (src/optim/adagrad.ts): its steps on known values (the accumulator of squared gradients, the
// initial accumulator value, weight decay added to the gradient) and option errors. Weights are float64,
// so the reference kernels run on any backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adagrad, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

describe('Adagrad', () => {
  test('the initial accumulator value fills every buffer', () => {
    const weight = f64Tensor(W0);
    const optimizer = new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    assertClose(
      weight.dataSync(),
      [1 - 0.05 / Math.sqrt(0.35), -2 - 0.025 / Math.sqrt(0.1625)],
      { atol: 1e-9, rtol: 0 },
      'step 1',
    );
    const state = optimizer.getState([weight]);
    assertClose(state.weights[0]!.buffers.accumulator!, [0.35, 0.1625], FLOAT64, 'accumulator');
  });

  test('two steps: the accumulator sums the squared gradients, step 2 divides by the root of that sum', () => {
    const weight = f64Tensor(W0);
    const optimizer = new Adagrad({ learningRate: 0.1 });
    // Step 1 from an empty accumulator: g / sqrt(g^2) = sign(g), so w - 0.1 sign(g) = [0.9, -2.1].
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    assertClose(weight.dataSync(), [0.9, -2.1], { atol: 1e-9, rtol: 0 }, 'step 1');
    // Step 2: accumulator [0.25 + 1, 0.0625 + 4]; w - 0.1 g / sqrt(accumulator).
    optimizer.applyGradients([weight], [f64Tensor(G2)]);
    assertClose(
      weight.dataSync(),
      [0.9 + 0.1 / Math.sqrt(1.25), -2.1 - 0.2 / Math.sqrt(4.0625)],
      { atol: 1e-9, rtol: 0 },
      'step 2',
    );
    assertClose(optimizer.getState([weight]).weights[0]!.buffers.accumulator!, [1.25, 4.0625], FLOAT64, 'sum');
  });

  test('weight decay adds decay * w to the gradient: g = [0.5 + 0.5, 0.25 - 1] gives [0.9, -1.9]', () => {
    const weight = f64Tensor(W0);
    new Adagrad({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([weight], [f64Tensor(G1)]);
    assertClose(weight.dataSync(), [0.9, -1.9], { atol: 1e-9, rtol: 0 }, 'decayed step');
  });

  test('a negative initial accumulator value is a ValueError naming the option and the value', () => {
    assert.throws(
      () => new Adagrad({ initialAccumulatorValue: -1 }),
      /Adagrad initialAccumulatorValue must be a finite number >= 0, got -1/,
    );
  });
});
