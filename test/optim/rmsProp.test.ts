// RMSProp (src/optim/rmsProp.ts): its steps on known values (plain, with momentum, centered), its
// defaults and option errors. Weights are float64, so the reference kernels run on any backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RMSProp, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function f64Tensor(values: number[]): Tensor {
  return Tensor.fromArray(values, [values.length], 'float64');
}

const W0 = [1, -2];
const G1 = [0.5, 0.25];

describe('RMSProp', () => {
  test('step 1 is w - lr sign(g) / sqrt(1 - rho); with momentum step 2 adds momentum times step 1', () => {
    const weight = f64Tensor(W0);
    const optimizer = new RMSProp({ learningRate: 0.01, rho: 0.9, momentum: 0.5 });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    // within the epsilon 1e-8 the closed form drops: 1e-8 / (sqrt(0.1) * 0.25) of the step, about 4e-9
    const step = 0.01 / Math.sqrt(0.1);
    assertClose(weight.dataSync(), [1 - step, -2 - step], { atol: 1e-8, rtol: 0 }, 'step 1');
    // Step 2 with g = 0 leaves s at 0.9 s and a plain step of 0: only the momentum 0.5 * b1 moves the weight.
    optimizer.applyGradients([weight], [f64Tensor([0, 0])]);
    assertClose(weight.dataSync(), [1 - 1.5 * step, -2 - 1.5 * step], { atol: 1e-8, rtol: 0 }, 'step 2');
  });

  test('centered step 1 divides by sqrt(s - a^2) = sqrt(0.1 g^2 - 0.01 g^2) = 0.3 |g|: w - lr sign(g) / 0.3', () => {
    const weight = f64Tensor(W0);
    const optimizer = new RMSProp({ learningRate: 0.01, rho: 0.9, centered: true });
    optimizer.applyGradients([weight], [f64Tensor(G1)]);
    // s = [0.025, 0.00625], a = [0.05, 0.025], s - a^2 = [0.0225, 0.005625], roots [0.15, 0.075]
    assertClose(weight.dataSync(), [1 - 0.01 / 0.3, -2 - 0.01 / 0.3], { atol: 1e-8, rtol: 0 }, 'centered step 1');
    const buffers = optimizer.getState([weight]).weights[0]!.buffers;
    assertClose(buffers.squareAverage!, [0.025, 0.00625], { atol: 1e-15, rtol: 1e-12 }, 'squareAverage');
    assertClose(buffers.gradientAverage!, [0.05, 0.025], { atol: 1e-15, rtol: 1e-12 }, 'gradientAverage');
  });

  test("defaults are PyTorch's; rho or momentum outside [0, 1) is a ValueError naming it", () => {
    assert.throws(() => new RMSProp({ rho: 1 }), /RMSProp rho must be in \[0, 1\), got 1/);
    assert.throws(() => new RMSProp({ momentum: -0.1 }), /RMSProp momentum must be in \[0, 1\), got -0.1/);
    assert.deepEqual(new RMSProp().getConfig(), {
      learningRate: 0.01,
      rho: 0.99,
      epsilon: 1e-8,
      momentum: 0,
      centered: false,
      weightDecay: 0,
    });
  });
});
