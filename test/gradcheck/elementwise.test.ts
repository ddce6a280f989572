// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of biasAdd, relu,
// sigmoid, tanh, softmax, the fused softmax cross-entropy, reshape and add (a tensor used twice, so
// gradients accumulate). Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import {
  add,
  biasAdd,
  matMul,
  Random,
  relu,
  reshape,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  tanh,
  Tensor,
} from '../../src/index.js';
import { awayFromZeroTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('elementwise, bias and shape op gradients match central differences', () => {
  test('biasAdd on [2, 3, 4, 5] with bias [5], and on [6, 3] with bias [3]', () => {
    const random = new Random(400);
    gradcheck(([x, b]) => biasAdd(x!, b!), [uniformTensor(random, [2, 3, 4, 5]), uniformTensor(random, [5])], {
      names: ['input', 'bias'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'biasAdd 4-D',
    });
    gradcheck(([x, b]) => biasAdd(x!, b!), [uniformTensor(random, [6, 3]), uniformTensor(random, [3])], {
      names: ['input', 'bias'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'biasAdd 2-D',
    });
  });

  test('relu on [2, 3, 4, 5] with no input within 0.05 of the kink', () => {
    const input = awayFromZeroTensor(new Random(401), [2, 3, 4, 5]);
    gradcheck(([x]) => relu(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'relu' });
  });

  test('sigmoid on [3, 4, 5], values in [-8, 8] (both branches of the stable formula)', () => {
    const input = uniformTensor(new Random(402), [3, 4, 5], -8, 8);
    gradcheck(([x]) => sigmoid(x!), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'sigmoid',
    });
  });

  test('tanh on [3, 4, 5], values in [-3, 3]', () => {
    const input = uniformTensor(new Random(403), [3, 4, 5], -3, 3);
    gradcheck(([x]) => tanh(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'tanh' });
  });

  test('softmax as an op (not fused) over the last axis of [4, 5] and [2, 3, 4]', () => {
    const random = new Random(404);
    gradcheck(([x]) => softmax(x!), [uniformTensor(random, [4, 5], -3, 3)], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmax 2-D',
    });
    gradcheck(([x]) => softmax(x!), [uniformTensor(random, [2, 3, 4], -3, 3)], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmax 3-D',
    });
  });

  test('softmaxCrossEntropy with respect to the logits, one-hot targets', () => {
    const random = new Random(405);
    const logits = uniformTensor(random, [6, 4], -3, 3);
    const targets = Tensor.zeros([6, 4], 'float64');
    for (let row = 0; row < 6; row++) targets.dataSync()[row * 4 + random.integer(4)] = 1;
    gradcheck(([z]) => softmaxCrossEntropy(z!, targets).loss, [logits], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmaxCrossEntropy one-hot',
    });
  });

  test('softmaxCrossEntropy with respect to the logits, soft targets that sum to 1', () => {
    const random = new Random(406);
    const logits = uniformTensor(random, [5, 3], -3, 3);
    const targets = uniformTensor(random, [5, 3], 0.1, 1);
    for (let row = 0; row < 5; row++) {
      const rowSum = targets.dataSync()[row * 3]! + targets.dataSync()[row * 3 + 1]! + targets.dataSync()[row * 3 + 2]!;
      for (let column = 0; column < 3; column++) targets.dataSync()[row * 3 + column]! /= rowSum;
    }
    gradcheck(([z]) => softmaxCrossEntropy(z!, targets).loss, [logits], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmaxCrossEntropy soft',
    });
  });

  test('reshape alone, and reshape feeding a matMul', () => {
    const random = new Random(407);
    gradcheck(([x]) => reshape(x!, [6, 4]), [uniformTensor(random, [2, 3, 4])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'reshape',
    });
    gradcheck(
      ([x, w]) => matMul(reshape(x!, [2, 12]), w!),
      [uniformTensor(random, [2, 3, 4]), uniformTensor(random, [12, 3])],
      {
        names: ['input', 'weights'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'reshape then matMul',
      },
    );
  });

  test('add, and a tensor used twice (gradients accumulate)', () => {
    const random = new Random(408);
    gradcheck(([a, b]) => add(a!, b!), [uniformTensor(random, [3, 4]), uniformTensor(random, [3, 4])], {
      names: ['a', 'b'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'add',
    });
    gradcheck(([x]) => add(tanh(x!), matMul(x!, x!)), [uniformTensor(random, [4, 4])], {
      names: ['x'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x used three times',
    });
  });
});
