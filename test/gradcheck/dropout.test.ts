// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of dropout, with a
// fixed seed and so a fixed mask.

import { describe, test } from 'node:test';
import { dropout, Random } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('Dropout gradients match central differences (a fixed seed, so a fixed mask)', () => {
  for (const [shape, rate, seed] of [
    [[2, 5, 4, 3], 0.3, 11],
    [[1, 7, 3, 2], 0.5, 12],
    [[5, 9], 0.8, 13],
  ] as const) {
    test(`${shape.join('x')} rate ${rate} seed ${seed}`, () => {
      const input = uniformTensor(new Random(740 + seed), shape);
      gradcheck(([x]) => dropout(x!, { rate, seed }), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `dropout ${rate}`,
      });
    });
  }
});
