// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of zero padding.

import { describe, test } from 'node:test';
import { Random, zeroPad2d, type ZeroPadding } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('ZeroPad2D gradients match central differences', () => {
  const cases: [number[], ZeroPadding][] = [
    [[1, 3, 3, 1], 1],
    [
      [1, 5, 4, 3],
      [2, 0],
    ],
    [
      [3, 4, 5, 2],
      [0, 2, 1, 3],
    ],
    [
      [2, 1, 1, 4],
      [3, 1, 0, 2],
    ],
    [[1, 2, 6, 1], 0],
  ];
  cases.forEach(([shape, padding], caseIndex) => {
    const label = `${shape.join('x')} padding ${JSON.stringify(padding)}`;
    test(label, () => {
      const input = uniformTensor(new Random(730 + caseIndex), shape);
      gradcheck(([x]) => zeroPad2d(x!, padding), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });
});
