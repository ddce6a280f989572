// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of average pooling
// and global average pooling over odd sizes, strides and paddings, with batch 1 and more.

import { describe, test } from 'node:test';
import { avgPool2d, globalAveragePool2d, Random } from '../../src/index.js';
import { gradcheck, POOL_CASES, poolCaseLabel, poolOptions, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('AvgPool2D gradients match central differences', () => {
  POOL_CASES.forEach((c, caseIndex) => {
    const label = poolCaseLabel(c);
    test(label, () => {
      const random = new Random(700 + caseIndex);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      gradcheck(([x]) => avgPool2d(x!, poolOptions(c)), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });

  test('globalAveragePool2d on [1, 5, 3, 2] and [3, 4, 7, 3]', () => {
    const random = new Random(720);
    gradcheck(([x]) => globalAveragePool2d(x!), [uniformTensor(random, [1, 5, 3, 2])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gap batch 1',
    });
    gradcheck(([x]) => globalAveragePool2d(x!), [uniformTensor(random, [3, 4, 7, 3])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gap batch 3',
    });
  });
});
