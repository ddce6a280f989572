// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of maxPool2d, on
// distinct inputs so that no window has a tie. Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import { conv2d, maxPool2d, Random } from '../../src/index.js';
import { distinctTensor, gradcheck, POOL_CASES, poolCaseLabel, poolOptions, uniformTensor } from './gradcheck.js';

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

describe('Conv2D with a bias and a fused ReLU or clip, then MaxPool2D: gradients match central differences', () => {
  // The pool's rule masks its dOut by the pooled maxima and sums it for the bias, in place of the convolution's rule
  // (autograd/grads/maxPool2d.ts). Uniform pre-activations are distinct and lie within the step of a kink or a tie
  // with negligible probability.
  const cases = [
    { label: 'ReLU, pool 3 stride 2 padding 1', activation: 'relu' as const, pool: 3, strides: 2, padding: 1 },
    {
      label: 'clip to [-0.4, 0.6], pool 2',
      activation: { kind: 'clip', min: -0.4, max: 0.6 } as const,
      pool: 2,
      strides: 2,
      padding: 0,
    },
  ];
  cases.forEach((c, caseIndex) => {
    test(c.label, () => {
      const random = new Random(500 + caseIndex);
      const input = uniformTensor(random, [2, 9, 8, 3]);
      const filter = uniformTensor(random, [3, 3, 3, 5]);
      const bias = uniformTensor(random, [5]);
      const pool = { poolSize: c.pool, strides: c.strides, padding: c.padding };
      gradcheck(
        ([x, w, b]) => maxPool2d(conv2d(x!, w!, b!, { padding: 1, activation: c.activation }), pool),
        [input, filter, bias],
        { names: ['input', 'filter', 'bias'], maxRelativeError: RELATIVE_TOLERANCE, seed: caseIndex, label: c.label },
      );
    });
  });
});

describe("Conv2D + ReLU, MaxPool2D, then a residual block on the pooled map (its second gradient added by the pool's rule)", () => {
  test('gradients match central differences', () => {
    const random = new Random(600);
    const input = uniformTensor(random, [2, 9, 8, 3]);
    const filter = uniformTensor(random, [3, 3, 3, 4]);
    const bias = uniformTensor(random, [4]);
    const blockFilter = uniformTensor(random, [3, 3, 4, 4]);
    const blockBias = uniformTensor(random, [4]);
    gradcheck(
      ([x, w, b, blockW, blockB]) => {
        const pooled = maxPool2d(conv2d(x!, w!, b!, { padding: 1, activation: 'relu' }), {
          poolSize: 3,
          strides: 2,
          padding: 1,
        });
        return conv2d(pooled, blockW!, blockB!, { padding: 1, residual: pooled, activation: 'relu' });
      },
      [input, filter, bias, blockFilter, blockBias],
      {
        names: ['input', 'filter', 'bias', 'blockFilter', 'blockBias'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 3,
        label: 'max pool, residual block',
      },
    );
  });
});
