// Adam (src/optim/adam.ts): its first two steps on known values (bias-corrected moments), L2 weight decay
// added to the gradient, its defaults and option errors. Weights are float64, so the reference kernels
// run on any backend.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

test('step 1 moves lr against the sign of g; step 2 divides the corrected mean by the corrected RMS', () => {
  const weight = f64Tensor(W0);
  const optimizer = new Adam({ learningRate: 0.1 });
  optimizer.applyGradients([weight], [f64Tensor(G1)]);
  // m1 = 0.1 g, v1 = 0.001 g^2: mHat / sqrt(vHat) = g / |g|, within the epsilon 1e-8
  assertClose(weight.dataSync(), [0.9, -2.1], { atol: 1e-7, rtol: 0 }, 'step 1');
  optimizer.applyGradients([weight], [f64Tensor(G2)]);
  // m2 = 0.09 g1 + 0.1 g2, v2 = 0.000999 g1^2 + 0.001 g2^2; corrections 1 - 0.9^2 and 1 - 0.999^2
  const expected = [0, 1].map((index) => {
    const m = 0.09 * G1[index]! + 0.1 * G2[index]!;
    const v = 0.000999 * G1[index]! ** 2 + 0.001 * G2[index]! ** 2;
    return [0.9, -2.1][index]! - (0.1 * (m / 0.19)) / Math.sqrt(v / (1 - 0.999 ** 2));
  });
  assertClose(weight.dataSync(), expected, { atol: 1e-7, rtol: 0 }, 'step 2');
  // In figures: the first weight moves back up by 0.0366, the second on down by 0.0821.
  assertClose(expected, [0.93661, -2.18215], { atol: 1e-5, rtol: 0 }, 'step 2 in figures');
});

test("defaults are PyTorch's; a beta outside [0, 1) is a ValueError naming it", () => {
  assert.deepEqual(new Adam().getConfig(), {
    learningRate: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0,
  });
  assert.throws(() => new Adam({ beta1: 1 }), /Adam beta1 must be in \[0, 1\), got 1/);
});
