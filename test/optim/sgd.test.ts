// SGD (src/optim/sgd.ts): plain, momentum and Nesterov steps and L2 weight decay on known values, its
// defaults and option errors. Weights are float64, so the reference kernels run on any backend.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SGD, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const FLOAT64 = { atol: 1e-15, rtol: 1e-14 };

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

test('plain: w - lr g; weight decay 0.5 adds 0.5 w to g first', () => {
  const weight = f64Tensor(W0);
  new SGD({ learningRate: 0.1 }).applyGradients([weight], [f64Tensor(G1)]);
  assertClose(weight.dataSync(), [0.95, -2.025], FLOAT64, 'plain');
  const decayed = f64Tensor(W0);
  // g' = [0.5 + 0.5, 0.25 - 1] = [1, -0.75]
  new SGD({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([decayed], [f64Tensor(G1)]);
  assertClose(decayed.dataSync(), [0.9, -1.925], FLOAT64, 'decayed');
});

test('momentum 0.9: v = 0.9 v + g; step 2 moves by lr (0.9 g1 + g2)', () => {
  const weight = f64Tensor(W0);
  const optimizer = new SGD({ learningRate: 0.1, momentum: 0.9 });
  optimizer.applyGradients([weight], [f64Tensor(G1)]);
  assertClose(weight.dataSync(), [0.95, -2.025], FLOAT64, 'step 1');
  optimizer.applyGradients([weight], [f64Tensor(G2)]);
  // v2 = [0.45 - 1, 0.225 + 2] = [-0.55, 2.225]
  assertClose(weight.dataSync(), [0.95 + 0.055, -2.025 - 0.2225], FLOAT64, 'step 2');
  assert.equal(optimizer.iterations, 2);
});

test('Nesterov: the step is g + momentum v, so step 1 already moves by lr (1 + 0.9) g', () => {
  const weight = f64Tensor(W0);
  new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }).applyGradients([weight], [f64Tensor(G1)]);
  assertClose(weight.dataSync(), [1 - 0.095, -2 - 0.0475], FLOAT64, 'Nesterov step 1');
});

test('defaults and getConfig; a negative learning rate is a ValueError naming it', () => {
  assert.deepEqual(new SGD().getConfig(), { learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
  assert.throws(() => new SGD({ learningRate: -1 }), /SGD learningRate must be a finite number >= 0, got -1/);
});
