// Reference batch normalization kernels (src/kernels/js/batchNorm.ts) on hand-worked [rows, columns]
// matrices: the biased statistics of each column, the folded multiply-add, and the gradients with
// constant statistics and through the batch's own.

import { test } from 'node:test';
import { batchNorm, batchNormGrad, batchNormStats } from '../../../src/kernels/js/batchNorm.js';
import { assertClose } from '../../helpers.js';

const EXACT = { atol: 1e-15, rtol: 1e-15 };

test('BatchNormStats: column means and variances divided by the rows (biased)', () => {
  // 3 rows x 2 columns: column 0 is 1, 2, 6 (mean 3, variance (4 + 1 + 9) / 3); column 1 is constant 5.
  const input = Float64Array.of(1, 5, 2, 5, 6, 5);
  const mean = new Float64Array(2);
  const variance = new Float64Array(2);
  batchNormStats(input, mean, variance, { rows: 3, columns: 2 });
  assertClose(mean, [3, 5], EXACT, 'mean');
  assertClose(variance, [14 / 3, 0], EXACT, 'variance');
});

test('BatchNorm: output = input * scale + shift per column', () => {
  const output = new Float64Array(4);
  batchNorm(Float64Array.of(1, 2, 3, 4), Float64Array.of(2, -1), Float64Array.of(0.5, 10), output, {
    rows: 2,
    columns: 2,
  });
  assertClose(output, [2.5, 8, 6.5, 6], EXACT, 'output');
});

test('BatchNormGrad on x = [-1, 0, 1], dy = [1, 0, 0], gamma 2, epsilon 0: constant and batch statistics', () => {
  // mean 0, variance 2/3, 1 / std = s = sqrt(1.5); xhat = [-s, 0, s].
  const s = Math.sqrt(1.5);
  const input = Float64Array.of(-1, 0, 1);
  const dOut = Float64Array.of(1, 0, 0);
  const run = (isThroughStatistics: boolean) => {
    const dInput = new Float64Array(3);
    const dGamma = new Float64Array(1);
    const dBeta = new Float64Array(1);
    const statistics = [Float64Array.of(0), Float64Array.of(2 / 3)] as const;
    batchNormGrad(dOut, input, ...statistics, Float64Array.of(2), dInput, dGamma, dBeta, {
      rows: 3,
      columns: 1,
      epsilon: 0,
      isThroughStatistics,
    });
    return { dInput, dGamma, dBeta };
  };
  const constant = run(false);
  // dBeta = sum dy = 1, dGamma = sum dy xhat = -s; dx = gamma s dy.
  assertClose(constant.dBeta, [1], EXACT, 'dBeta');
  assertClose(constant.dGamma, [-s], EXACT, 'dGamma');
  assertClose(constant.dInput, [2 * s, 0, 0], EXACT, 'dInput, constant statistics');
  // Through the statistics: dx = gamma s (dy - (1 + xhat (-s)) / 3) = 2 s [1/6, -1/3, 1/6]; it sums to 0.
  const batch = run(true);
  assertClose(batch.dInput, [(2 * s) / 6, (-2 * s) / 3, (2 * s) / 6], { atol: 1e-15, rtol: 1e-14 }, 'dInput');
  assertClose(batch.dGamma, [-s], EXACT, 'dGamma through the statistics');
});
