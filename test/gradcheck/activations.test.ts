// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the backward
// rules of leaky ReLU, ELU, GELU, SiLU, clip and multiply, as ops over odd sizes. Each check bounds
// |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import { clip, elu, gelu, leakyRelu, multiply, Random, sigmoid, silu } from '../../src/index.js';
import { awayFromPointsTensor, awayFromZeroTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('activation gradients match central differences', () => {
  // Leaky ReLU and ELU have a kink (or a jump in the second derivative) at 0: inputs stay 0.05 away.
  test('leakyRelu, alpha 0.01 (default) and 0.3, on [1, 5, 3, 2] and [4, 3, 7]', () => {
    const random = new Random(600);
    gradcheck(([x]) => leakyRelu(x!), [awayFromZeroTensor(random, [1, 5, 3, 2])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'leakyRelu 0.01',
    });
    gradcheck(([x]) => leakyRelu(x!, 0.3), [awayFromZeroTensor(random, [4, 3, 7])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'leakyRelu 0.3',
    });
  });

  test('elu, alpha 1 and 0.7, values in +-[0.05, 3)', () => {
    const random = new Random(601);
    const input = awayFromZeroTensor(random, [3, 5, 4]);
    for (let index = 0; index < input.size; index++) input.dataSync()[index]! *= 3;
    gradcheck(([x]) => elu(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'elu 1' });
    gradcheck(([x]) => elu(x!, 0.7), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'elu 0.7',
    });
  });

  test('gelu on [1, 7, 5, 3] in [-5, 5] and [6, 11] in [-1, 1]', () => {
    const random = new Random(602);
    gradcheck(([x]) => gelu(x!), [uniformTensor(random, [1, 7, 5, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gelu wide',
    });
    gradcheck(([x]) => gelu(x!), [uniformTensor(random, [6, 11])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gelu narrow',
    });
  });

  test('silu on [2, 5, 5, 3] in [-8, 8] (both branches of the stable sigmoid)', () => {
    const random = new Random(603);
    gradcheck(([x]) => silu(x!), [uniformTensor(random, [2, 5, 5, 3], -8, 8)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'silu',
    });
  });
});

describe('clip and multiply gradients match central differences', () => {
  // The derivative of clip jumps at each bound: inputs stay 0.05 away from them, and the bounds lie
  // inside the data's range, so some values are clipped (gradient 0) and some pass (gradient dOut).
  test('clip to [-0.4, 0.5] on [1, 5, 3, 2] and [4, 3, 7]; one-sided bounds on [3, 5, 4]', () => {
    const random = new Random(604);
    const bounds = [-0.4, 0.5];
    gradcheck(([x]) => clip(x!, -0.4, 0.5), [awayFromPointsTensor(random, [1, 5, 3, 2], bounds)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip batch 1',
    });
    gradcheck(([x]) => clip(x!, -0.4, 0.5), [awayFromPointsTensor(random, [4, 3, 7], bounds)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip [4, 3, 7]',
    });
    const input = awayFromPointsTensor(random, [3, 5, 4], [0, 0.3]);
    gradcheck(([x]) => clip(x!, -Infinity, 0.3), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip max only',
    });
    gradcheck(([x]) => clip(x!, 0, Infinity), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip min only (ReLU)',
    });
  });

  test('multiply of two tensors on [2, 4, 3, 5]; x * x and x * sigmoid(x) (one tensor used twice) on [1, 7, 3]', () => {
    const random = new Random(605);
    const a = uniformTensor(random, [2, 4, 3, 5], -2, 2);
    const b = uniformTensor(random, [2, 4, 3, 5], -2, 2);
    gradcheck(([x, y]) => multiply(x!, y!), [a, b], {
      names: ['a', 'b'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'multiply',
    });
    const x = uniformTensor(random, [1, 7, 3], -3, 3);
    gradcheck(([input]) => multiply(input!, input!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x * x',
    });
    gradcheck(([input]) => multiply(input!, sigmoid(input!)), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x * sigmoid(x)',
    });
  });
});
