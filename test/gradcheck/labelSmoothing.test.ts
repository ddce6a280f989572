// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the fused softmax
// cross-entropy with label smoothing: with respect to the logits for one-hot, soft and unnormalised target
// rows and several epsilons, and through a tiny Dense network's weights. Bound: RELATIVE_TOLERANCE.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Dense,
  Input,
  Random,
  Sequential,
  Softmax,
  Tanh,
  Tensor,
  ValueError,
  softmaxCrossEntropy,
} from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

function oneHotTargets(random: Random, rows: number, columns: number): Tensor {
  const targets = Tensor.zeros([rows, columns], 'float64');
  for (let row = 0; row < rows; row++) targets.dataSync()[row * columns + random.integer(columns)] = 1;
  return targets;
}

describe('softmaxCrossEntropy with label smoothing: gradients match central differences', () => {
  for (const labelSmoothing of [0.1, 0.3, 1]) {
    test(`one-hot targets, epsilon ${labelSmoothing}`, () => {
      const random = new Random(600 + labelSmoothing * 10);
      const logits = uniformTensor(random, [6, 5], -3, 3);
      const targets = oneHotTargets(random, 6, 5);
      gradcheck(([z]) => softmaxCrossEntropy(z!, targets, { labelSmoothing }).loss, [logits], {
        names: ['logits'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `label smoothing ${labelSmoothing} one-hot`,
      });
    });
  }

  test('soft target rows, some summing to 1 and some not, epsilon 0.2', () => {
    const random = new Random(610);
    const logits = uniformTensor(random, [5, 4], -3, 3);
    const targets = uniformTensor(random, [5, 4], 0, 1);
    gradcheck(([z]) => softmaxCrossEntropy(z!, targets, { labelSmoothing: 0.2 }).loss, [logits], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'label smoothing soft',
    });
  });

  test('through a tiny network: Dense 6 -> Tanh -> Dense 4, every weight, epsilon 0.15', () => {
    const model = new Sequential(
      [new Input({ shape: [3] }), new Dense({ units: 6 }), new Tanh(), new Dense({ units: 4 }), new Softmax()],
      { seed: 7, dtype: 'float64' },
    );
    const random = new Random(8);
    const x = uniformTensor(random, [5, 3]);
    const targets = oneHotTargets(random, 5, 4);
    const named = model.namedWeights();
    gradcheck(
      () => softmaxCrossEntropy(model.forward(x, { end: 4 }), targets, { labelSmoothing: 0.15 }).loss,
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'network with label smoothing',
      },
    );
  });

  test('labelSmoothing outside [0, 1] throws ValueError', () => {
    const logits = Tensor.zeros([1, 2], 'float64');
    assert.throws(
      () => softmaxCrossEntropy(logits, logits, { labelSmoothing: 1.5 }),
      (error: unknown) =>
        error instanceof ValueError && /labelSmoothing must be in \[0, 1\], got 1.5/.test(error.message),
    );
  });
});
