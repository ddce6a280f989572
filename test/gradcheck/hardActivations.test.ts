// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of hard sigmoid and
// hard swish, as ops and through their Layer classes (inputs stay 0.05 away from the kinks, where central
// differences are wrong).

import { describe, test } from 'node:test';
import { HardSigmoid, hardSigmoid, HardSwish, hardSwish, Random } from '../../src/index.js';
import { awayFromPointsTensor, gradcheck } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('hard sigmoid and hard swish gradients match central differences', () => {
  test('hardSigmoid, alpha 0.2 and 1/6, on [2, 5, 4, 3] in [-5, 5]', () => {
    const random = new Random(1410);
    const onnx = awayFromPointsTensor(random, [2, 5, 4, 3], [-2.5, 2.5], -5, 5);
    gradcheck(([x]) => hardSigmoid(x!), [onnx], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSigmoid 0.2',
    });
    const torch = awayFromPointsTensor(random, [1, 7, 3, 2], [-3, 3], -5, 5);
    gradcheck(([x]) => hardSigmoid(x!, 1 / 6, 0.5), [torch], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSigmoid 1/6',
    });
    gradcheck(
      ([x]) => new HardSigmoid({ alpha: 0.3, beta: 0.4 }).call(x!),
      [awayFromPointsTensor(random, [3, 4, 5], [-4 / 3, 2], -4, 4)],
      {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'HardSigmoid layer',
      },
    );
  });

  test('hardSwish on [2, 5, 4, 3] in [-5, 5] and through the layer on [1, 6, 6, 4]', () => {
    const random = new Random(1411);
    gradcheck(([x]) => hardSwish(x!), [awayFromPointsTensor(random, [2, 5, 4, 3], [-3, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSwish',
    });
    gradcheck(([x]) => new HardSwish().call(x!), [awayFromPointsTensor(random, [1, 6, 6, 4], [-3, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'HardSwish layer',
    });
  });
});
