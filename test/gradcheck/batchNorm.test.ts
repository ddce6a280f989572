// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of batch
// normalization's backward rule (src/autograd/grads/batchNorm.ts): through the batch's own statistics
// (training) and with constant statistics (inference), for the input, gamma and beta.

import { describe, test } from 'node:test';
import { batchNormalization, Random } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('batch normalization gradients match central differences', () => {
  test('training statistics: [3, 2, 2, 3] input, gamma and beta', () => {
    const random = new Random(1870);
    const inputs = [
      uniformTensor(random, [3, 2, 2, 3]),
      uniformTensor(random, [3], 0.5, 2),
      uniformTensor(random, [3]),
    ];
    gradcheck(([x, gamma, beta]) => batchNormalization(x!, gamma!, beta!, null, 1e-3).output, inputs, {
      names: ['input', 'gamma', 'beta'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'batch statistics',
    });
  });

  test('constant statistics: [2, 3, 4] input, gamma and beta', () => {
    const random = new Random(1871);
    const statistics = { mean: uniformTensor(random, [4]), variance: uniformTensor(random, [4], 0.1, 2) };
    const inputs = [uniformTensor(random, [2, 3, 4]), uniformTensor(random, [4], 0.5, 2), uniformTensor(random, [4])];
    gradcheck(([x, gamma, beta]) => batchNormalization(x!, gamma!, beta!, statistics, 1e-3).output, inputs, {
      names: ['input', 'gamma', 'beta'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'constant statistics',
    });
  });
});
