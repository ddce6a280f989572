// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of max and average
// pooling in ceil mode and with count_include_pad.

import { describe, test } from 'node:test';
import { avgPool2d, maxPool2d, Random } from '../../src/index.js';
import { distinctTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('ceil-mode and count_include_pad pooling gradients match central differences', () => {
  const CASES = [
    { shape: [1, 5, 5, 2], poolSize: 2, strides: 2, padding: 0 },
    { shape: [2, 4, 6, 3], poolSize: 3, strides: 2, padding: 1 },
    { shape: [1, 7, 6, 1], poolSize: [3, 2], strides: [2, 3], padding: [1, 0, 0, 1] },
    { shape: [1, 6, 6, 2], poolSize: 3, strides: 2, padding: 0 },
  ] as const;
  CASES.forEach((c, index) => {
    test(
      `${c.shape.join('x')} pool ${JSON.stringify(c.poolSize)} strides ${JSON.stringify(c.strides)} ` +
        `padding ${JSON.stringify(c.padding)}, ceil mode`,
      () => {
        const random = new Random(1490 + index);
        const options = { poolSize: c.poolSize, strides: c.strides, padding: c.padding, ceilMode: true };
        // Distinct values: max pooling has no ties.
        gradcheck(([x]) => maxPool2d(x!, options), [distinctTensor(random, c.shape)], {
          names: ['input'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: 'max, ceil',
        });
        const x = uniformTensor(random, c.shape);
        for (const countIncludePad of [false, true]) {
          gradcheck(([input]) => avgPool2d(input!, { ...options, countIncludePad }), [x], {
            names: ['input'],
            maxRelativeError: RELATIVE_TOLERANCE,
            label: `average, ceil, countIncludePad ${countIncludePad}`,
          });
        }
      },
    );
  });
});
