// Hand-worked cases of the layer-normalization reference kernels (src/kernels/js/layerNorm.ts): LayerNorm
// normalizes each row by its own mean and biased variance, then applies gamma and beta per column;
// LayerNormGrad is the derivation in the kernel's header. Rows chosen so every number is a dyadic
// fraction: exact (tolerance 0).

import { describe, test } from 'node:test';
import { layerNorm, layerNormGrad } from '../../../src/kernels/js/layerNorm.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64 } from './referenceCases.js';

// Row 0 [0, 0, 2, 2]: mean 1, variance 1, invStd 1. Row 1 [10, 10, 14, 14]: mean 12, variance 4,
// invStd 1/2. Both normalize to xhat = [-1, -1, 1, 1].
const INPUT = f64([0, 0, 2, 2, 10, 10, 14, 14]);
const PARAMS = { rows: 2, columns: 4, epsilon: 0 };

describe('LayerNorm and LayerNormGrad reference kernels, by hand', () => {
  test('xhat * gamma + beta with gamma [1, 2, 3, 4] and beta [0, 0, 0, 1]; the mean and invStd it saves', () => {
    const output = new Float64Array(8);
    const mean = new Float64Array(2);
    const invStd = new Float64Array(2);
    layerNorm(INPUT, f64([1, 2, 3, 4]), f64([0, 0, 0, 1]), output, mean, invStd, PARAMS);
    assertClose(output, [-1, -2, 3, 5, -1, -2, 3, 5], EXACT, 'output');
    assertClose(mean, [1, 12], EXACT, 'mean');
    assertClose(invStd, [1, 0.5], EXACT, 'invStd');
  });

  test('epsilon is added to the variance: [0, 0, 2, 2] with epsilon 3 has invStd 1 / sqrt(1 + 3) = 1/2', () => {
    const output = new Float64Array(4);
    const invStd = new Float64Array(1);
    layerNorm(INPUT, f64([1, 1, 1, 1]), f64([0, 0, 0, 0]), output, new Float64Array(1), invStd, {
      rows: 1,
      columns: 4,
      epsilon: 3,
    });
    assertClose(output, [-0.5, -0.5, 0.5, 0.5], EXACT, 'output');
    assertClose(invStd, [0.5], EXACT, 'invStd');
  });

  test('dInput = invStd (g - mean(g) - xhat mean(g xhat)); dGamma and dBeta sum over the rows', () => {
    // Row 0: g = [1, 0, 0, 0], mean(g) = 1/4, mean(g xhat) = -1/4: dInput = [1/2, -1/2, 0, 0].
    // Row 1: g = [0, 0, 0, 2], mean(g) = 1/2, mean(g xhat) = 1/2: dInput = 1/2 [0, 0, -1, 1].
    const dOut = f64([1, 0, 0, 0, 0, 0, 0, 2]);
    const dInput = new Float64Array(8);
    const dGamma = new Float64Array(4);
    const dBeta = new Float64Array(4);
    layerNormGrad(dOut, INPUT, f64([1, 1, 1, 1]), f64([1, 12]), f64([1, 0.5]), dInput, dGamma, dBeta, PARAMS);
    assertClose(dInput, [0.5, -0.5, 0, 0, 0, 0, -0.5, 0.5], EXACT, 'dInput');
    assertClose(dGamma, [-1, 0, 0, 2], EXACT, 'dGamma = sum of dOut xhat');
    assertClose(dBeta, [1, 0, 0, 2], EXACT, 'dBeta = sum of dOut');
  });
});
