// AdamW (src/optim/adamW.ts): Adam with decoupled weight decay. Its first step on known values, how it
// differs from Adam's L2 weight decay, its defaults and option errors. Weights are float64, so the
// reference kernels run on any backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, AdamW, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];

describe('AdamW', () => {
  test('step 1 is w (1 - lr * decay) - lr sign(g); its default decay is 0.01', () => {
    const weight = f64Tensor(W0);
    const optimizer = new AdamW({ learningRate: 0.1 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    // [1 * 0.999 - 0.1, -2 * 0.999 - 0.1], within the epsilon 1e-8 the closed form drops
    assertClose(weight.dataSync(), [0.899, -2.098], { atol: 1e-7, rtol: 0 }, 'AdamW step 1');
    assert.equal(optimizer.className, 'AdamW');
    assert.equal(optimizer.weightDecay, 0.01);
  });

  test('Adam weight decay is L2 (added to the gradient), AdamW weight decay shrinks the weight: they differ', () => {
    const adamWeight = f64Tensor(W0);
    const adamWWeight = f64Tensor(W0);
    new Adam({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([adamWeight], [f64Tensor(G1)]);
    new AdamW({ learningRate: 0.1, weightDecay: 0.5 }).applyGradients([adamWWeight], [f64Tensor(G1)]);
    // Adam: g' = g + 0.5 w = [1, -0.75], step 1 moves 0.1 against its sign: [0.9, -1.9]
    assertClose(adamWeight.dataSync(), [0.9, -1.9], { atol: 1e-7, rtol: 0 }, 'Adam L2');
    // AdamW: w (1 - 0.05) - 0.1 sign(g) = [0.85, -2.0]
    assertClose(adamWWeight.dataSync(), [0.85, -2.0], { atol: 1e-7, rtol: 0 }, 'AdamW decoupled');
  });

  test("defaults are PyTorch's (decay 0.01); a beta outside [0, 1) is a ValueError naming it", () => {
    assert.throws(() => new AdamW({ beta2: 1.5 }), /AdamW beta2 must be in \[0, 1\), got 1.5/);
    assert.deepEqual(new AdamW().getConfig(), {
      learningRate: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.01,
    });
  });
});
