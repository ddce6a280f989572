// Errors of a model as a whole must say what went wrong where: a model without an Input, and predict, evaluate
// and fit given examples of the wrong shape, name both shapes (STYLE.md, tfjs). Each layer's own shape errors
// are tested in the file of its module (test/layers/<module>.test.ts). Messages are matched on fragments, not
// in full, so that wording can improve without breaking tests.

import { describe, test } from 'node:test';
import {
  Dense,
  Flatten,
  Input,
  type Layer,
  Sequential,
  ShapeError,
  Softmax,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function model(...layers: Layer[]): Sequential {
  return new Sequential(layers);
}

describe('a model starts with an Input', () => {
  test('a model without an Input first is a ValueError', () => {
    assertThrowsWith(() => new Sequential([new Flatten(), new Dense({ units: 2 })]), ValueError, 'Input');
  });
});

describe('predict, evaluate and fit with wrong examples name both shapes', () => {
  const classifier = model(new Input({ shape: [8, 8, 1] }), new Flatten(), new Dense({ units: 3 }), new Softmax());

  test('predict with 3-channel examples', () => {
    assertThrowsWith(() => classifier.predict(Tensor.zeros([2, 8, 8, 3])), ShapeError, 'predict', '8x8x1', '2x8x8x3');
  });

  test('predict with flat examples', () => {
    assertThrowsWith(() => classifier.predict(Tensor.zeros([2, 64])), ShapeError, 'predict', '8x8x1', '2x64');
  });

  test('fit with 9x8 examples', () => {
    assertThrowsWith(() => classifier.fit(Tensor.zeros([2, 9, 8, 1]), [0, 1]), ShapeError, 'fit', '8x8x1', '2x9x8x1');
  });

  test('evaluate with a label outside the classes, and fit with too few labels', () => {
    assertThrowsWith(
      () => classifier.evaluate(Tensor.zeros([2, 8, 8, 1]), [0, 3]),
      ValueError,
      'evaluate',
      'label 3',
      '[0, 3)',
    );
    assertThrowsWith(
      () => classifier.fit(Tensor.zeros([3, 8, 8, 1]), [0, 1]),
      ShapeError,
      'fit',
      '3 examples',
      '2 labels',
    );
  });

  test('predict and evaluate with batchSize 0 are ValueErrors naming batchSize', () => {
    assertThrowsWith(
      () => classifier.predict(Tensor.zeros([2, 8, 8, 1]), { batchSize: 0 }),
      ValueError,
      'batchSize',
      '0',
    );
    assertThrowsWith(
      () => classifier.evaluate(Tensor.zeros([2, 8, 8, 1]), [0, 1], { batchSize: 0 }),
      ValueError,
      'batchSize',
      '0',
    );
  });
});
