// Shape errors must say what went wrong where: each names the layer and both shapes, and window errors
// show the output-size formula (W - K + 2P) / S + 1 with the actual numbers (STYLE.md, tfjs); so do
// predict, evaluate and fit given examples of the wrong shape. Messages are matched on fragments, not in
// full, so that wording can improve without breaking tests.

import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Flatten,
  Input,
  type Layer,
  MaxPool2D,
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

describe('layer shape errors name the layer and both shapes', () => {
  test("Dense with inputSize 3200 after a Flatten that gives 3136 (7x7x64) names 'Dense', 3200 and 3136", () => {
    assertThrowsWith(
      () =>
        model(
          new Input({ shape: [14, 14, 1] }),
          new Conv2D({ filters: 64, kernelSize: 3, padding: 'same' }),
          new MaxPool2D(),
          new Flatten(),
          new Dense({ units: 10, inputSize: 3200 }),
        ),
      ShapeError,
      'Dense',
      '3200',
      '3136',
    );
  });

  test('Dense fed 4-D feature maps (no Flatten) throws and suggests Flatten, naming the feature-map shape', () => {
    assertThrowsWith(
      () => model(new Input({ shape: [8, 8, 1] }), new Conv2D({ filters: 4, kernelSize: 3 }), new Dense({ units: 10 })),
      ShapeError,
      'Dense',
      'Flatten',
      '6x6x4',
      '144',
    );
  });

  test("Conv2D 5x5 on a 3x3 map with 'valid' padding shows the formula with the numbers", () => {
    assertThrowsWith(
      () => model(new Input({ shape: [3, 3, 1] }), new Conv2D({ filters: 4, kernelSize: 5, name: 'wide' })),
      ShapeError,
      "Conv2D 'wide'",
      '5x5',
      '3x3',
      '(W - K + 2P) / S + 1',
      '(3 - 5 + 2*0) / 1 + 1 = -1',
    );
  });

  test('a pooling layer after the map has shrunk to 1x1 shows the formula with floor for a stride of 2', () => {
    assertThrowsWith(
      () => model(new Input({ shape: [4, 4, 1] }), new MaxPool2D(), new MaxPool2D(), new MaxPool2D({ name: 'third' })),
      ShapeError,
      "MaxPool2D 'third'",
      '1x1',
      '(1 - 2 + 2*0) / 2 + 1 = floor(-1 / 2) + 1 = 0',
    );
  });

  test('Input with 2 channels is rejected, naming the shape', () => {
    assertThrowsWith(() => new Input({ shape: [28, 28, 2] }), ShapeError, 'Input', '28x28x2', '2 channels');
  });

  test('Input of rank 2 or with a zero dimension is rejected', () => {
    assertThrowsWith(() => new Input({ shape: [28, 28] }), ShapeError, 'Input', '28, 28');
    assertThrowsWith(() => new Input({ shape: [0, 28, 1] }), ShapeError, 'Input');
  });

  test('Softmax on feature maps is rejected and suggests Flatten and Dense', () => {
    assertThrowsWith(
      () => model(new Input({ shape: [4, 4, 1] }), new Softmax()),
      ShapeError,
      'Softmax',
      '4x4x1',
      'Flatten',
    );
  });

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

  test('Input.call on a wrong batch names both shapes', () => {
    const input = new Input({ shape: [8, 8, 1], name: 'pixels' });
    assertThrowsWith(() => input.call(Tensor.zeros([2, 8, 8, 3])), ShapeError, "Input 'pixels'", '8x8x1', '2x8x8x3');
  });
});
