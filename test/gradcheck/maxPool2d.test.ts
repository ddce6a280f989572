// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of maxPool2d, on
// distinct inputs so that no window has a tie. Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import { maxPool2d, Random } from '../../src/index.js';
import { distinctTensor, gradcheck, POOL_CASES, poolCaseLabel, poolOptions } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('MaxPool2D gradients match central differences (distinct inputs, so no ties)', () => {
  POOL_CASES.forEach((c, caseIndex) => {
    const label = poolCaseLabel(c);
    test(label, () => {
      const random = new Random(200 + caseIndex);
      const input = distinctTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      gradcheck(([x]) => maxPool2d(x!, poolOptions(c)), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });
});
