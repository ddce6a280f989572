// Shape errors must say what went wrong where: each names the layer (or op) and both shapes, and window
// errors show the output-size formula (W - K + 2P) / S + 1 with the actual numbers (STYLE.md, tfjs).
// Messages are matched on fragments, not in full, so that wording can improve without breaking tests.

import { describe, test } from 'node:test';
import {
  Conv2D,
  conv2d,
  Dense,
  Flatten,
  GradientTape,
  Input,
  type Layer,
  MaxPool2D,
  maxPool2d,
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

describe('op argument errors name the op and both shapes', () => {
  test('conv2d whose filter expects 4 channels on a 3-channel input', () => {
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 5, 5, 3]), Tensor.zeros([3, 3, 4, 8]), null),
      ShapeError,
      'conv2d',
      '3 channels',
      'expects 4',
      '1x5x5x3',
      '3x3x4x8',
    );
  });

  test('a Conv2D layer called on the wrong channels names the layer', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 3, name: 'first' });
    model(new Input({ shape: [5, 5, 4] }), layer);
    assertThrowsWith(
      () => layer.call(Tensor.zeros([1, 5, 5, 3]), { isTraining: false }),
      ShapeError,
      "Conv2D 'first'",
      '1x5x5x3',
      '3x3x4x2',
    );
  });

  test('conv2d bias of the wrong length, and a rank-3 input', () => {
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 5, 5, 3]), Tensor.zeros([3, 3, 3, 8]), Tensor.zeros([4])),
      ShapeError,
      'conv2d',
      'bias',
      '4',
      '8',
    );
    assertThrowsWith(
      () => conv2d(Tensor.zeros([5, 5, 3]), Tensor.zeros([3, 3, 3, 8]), null),
      ShapeError,
      'conv2d',
      'rank-4',
      '5x5x3',
    );
  });

  test('conv2d with an input scale of the wrong shape, or one while a tape records', () => {
    const input = Tensor.zeros([2, 5, 5, 3]);
    const filter = Tensor.zeros([1, 1, 3, 8]);
    assertThrowsWith(
      () => conv2d(input, filter, null, { inputScale: Tensor.zeros([2, 1, 1, 4]) }),
      ShapeError,
      'conv2d',
      'inputScale',
      '2x1x1x4',
      '2x1x1x3',
    );
    assertThrowsWith(
      () => conv2d(input, filter, null, { inputScale: Tensor.zeros([1, 1, 1, 3]) }),
      ShapeError,
      'conv2d',
      'inputScale',
      '1x1x1x3',
      '2x1x1x3',
    );
    const scale = Tensor.zeros([2, 1, 1, 3]);
    assertThrowsWith(
      () => new GradientTape([filter]).run(() => conv2d(input, filter, null, { inputScale: scale })),
      ValueError,
      'conv2d',
      'input scale',
      'inference only',
    );
  });

  test('conv2d with a negative or malformed padding is a ValueError quoting it', () => {
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 5, 5, 1]), Tensor.zeros([3, 3, 1, 1]), null, { padding: -1 }),
      ValueError,
      'padding',
      '-1',
    );
    assertThrowsWith(
      () =>
        conv2d(Tensor.zeros([1, 5, 5, 1]), Tensor.zeros([3, 3, 1, 1]), null, {
          padding: [1, 2, 3] as unknown as [number, number],
        }),
      ValueError,
      'padding',
      '[1,2,3]',
    );
  });

  test('conv2d with stride 0 or 1.5 is a ValueError naming the strides', () => {
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 5, 5, 1]), Tensor.zeros([3, 3, 1, 1]), null, { strides: 0 }),
      ValueError,
      'strides',
      '0',
    );
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 5, 5, 1]), Tensor.zeros([3, 3, 1, 1]), null, { strides: 1.5 }),
      ValueError,
      'strides',
      '1.5',
    );
  });

  test('maxPool2d with poolSize 0 is a ValueError naming poolSize', () => {
    assertThrowsWith(() => maxPool2d(Tensor.zeros([1, 4, 4, 1]), { poolSize: 0 }), ValueError, 'poolSize', '0');
  });

  test('maxPool2d padding as large as the window is rejected', () => {
    assertThrowsWith(
      () => maxPool2d(Tensor.zeros([1, 4, 4, 1]), { poolSize: 2, padding: 2 }),
      ShapeError,
      'maxPool2d',
      'padding',
      '2x2',
    );
  });

  test('layer options out of range are ValueErrors naming the option', () => {
    assertThrowsWith(() => new Conv2D({ filters: 0, kernelSize: 3 }), ValueError, 'Conv2D filters', '0');
    assertThrowsWith(() => new Conv2D({ filters: 2, kernelSize: [3, 0] }), ValueError, 'Conv2D kernelSize', '0');
    assertThrowsWith(() => new MaxPool2D({ strides: 1.5 }), ValueError, 'MaxPool2D strides', '1.5');
    assertThrowsWith(() => new Dense({ units: -1 }), ValueError, 'Dense units', '-1');
  });
});
