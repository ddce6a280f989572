// Argument checks of the ops (src/ops/checks.ts and the checks of conv2d and maxPool2d): each error names
// the op (or the layer that called it), the argument and the values or both shapes. Messages are matched
// on fragments, not in full, so that wording can improve without breaking tests.

import { describe, test } from 'node:test';
import {
  Conv2D,
  conv2d,
  Dense,
  GradientTape,
  Input,
  type Layer,
  MaxPool2D,
  maxPool2d,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

function model(...layers: Layer[]): Sequential {
  return new Sequential(layers);
}

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
