// Hand-worked cases of the softmax reference kernels (src/kernels/js/softmax.ts): Softmax, SoftmaxGrad,
// SoftmaxCrossEntropy and SoftmaxCrossEntropyGrad, with large logits that must not overflow. Float64.

import { describe, test } from 'node:test';
import {
  softmax as softmaxKernel,
  softmaxCrossEntropy,
  softmaxCrossEntropyGrad,
  softmaxGrad,
} from '../../../src/kernels/js/softmax.js';
import { assertClose } from '../../helpers.js';
import { f64, FLOAT64 } from './referenceCases.js';

describe('Softmax and SoftmaxCrossEntropy reference kernels, by hand', () => {
  const E1 = Math.exp(1);
  const E2 = Math.exp(2);
  const E3 = Math.exp(3);
  const SUM = E1 + E2 + E3;

  test('softmax of [1, 2, 3] is exp(i) / (e + e^2 + e^3), and of [1001, 1002, 1003] the same without overflow', () => {
    const output = new Float64Array(6);
    softmaxKernel(f64([1, 2, 3, 1001, 1002, 1003]), output, { rows: 2, columns: 3 });
    assertClose(output, [E1 / SUM, E2 / SUM, E3 / SUM, E1 / SUM, E2 / SUM, E3 / SUM], FLOAT64, 'softmax');
  });

  test('SoftmaxGrad applies the Jacobian diag(p) - p p^T to dOut', () => {
    // dOut = [1, 0, 0]: dIn_j = p_j * ([j = 0] - p_0)
    const p = [0.2, 0.3, 0.5];
    const dInput = new Float64Array(3);
    softmaxGrad(f64([1, 0, 0]), f64(p), dInput, { rows: 1, columns: 3 });
    assertClose(dInput, [0.2 * 0.8, -0.3 * 0.2, -0.5 * 0.2], FLOAT64, 'softmaxGrad');
  });

  test(
    'cross-entropy of logits [1, 2, 3] with class 2 is log(1 + e^-1 + e^-2); of [0, 0] with ' + '[0.5, 0.5] is log 2',
    () => {
      const probabilities = new Float64Array(5);
      const losses = new Float64Array(2);
      // Two rows of different meaning cannot share one [rows, columns] call, so call twice.
      softmaxCrossEntropy(f64([1, 2, 3]), f64([0, 0, 1]), probabilities.subarray(0, 3), losses.subarray(0, 1), {
        rows: 1,
        columns: 3,
      });
      softmaxCrossEntropy(f64([0, 0]), f64([0.5, 0.5]), probabilities.subarray(3), losses.subarray(1), {
        rows: 1,
        columns: 2,
      });
      assertClose(losses, [Math.log(1 + Math.exp(-1) + Math.exp(-2)), Math.LN2], FLOAT64, 'losses');
      assertClose(probabilities, [E1 / SUM, E2 / SUM, E3 / SUM, 0.5, 0.5], FLOAT64, 'probabilities');
    },
  );

  test('a logit gap of 1000 gives a finite loss of 1000, not Infinity', () => {
    const losses = new Float64Array(1);
    softmaxCrossEntropy(f64([0, 1000]), f64([1, 0]), new Float64Array(2), losses, { rows: 1, columns: 2 });
    assertClose(losses, [1000], FLOAT64, 'loss');
  });

  test('SoftmaxCrossEntropyGrad is (p * sum(t) - t) * scale', () => {
    // one-hot row: ([0.2, 0.3, 0.5] - [0, 0, 1]) * 0.5 = [0.1, 0.15, -0.25]
    // a row whose targets sum to 2: (2 [0.25, 0.25, 0.5] - [1, 0, 1]) * 0.5 = [-0.25, 0.25, 0]
    const dLogits = new Float64Array(6);
    softmaxCrossEntropyGrad(f64([0.2, 0.3, 0.5, 0.25, 0.25, 0.5]), f64([0, 0, 1, 1, 0, 1]), dLogits, {
      rows: 2,
      columns: 3,
      scale: 0.5,
    });
    assertClose(dLogits, [0.1, 0.15, -0.25, -0.25, 0.25, 0], FLOAT64, 'dLogits');
  });
});
