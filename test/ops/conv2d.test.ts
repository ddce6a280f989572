// The convolution op (src/ops/conv2d.ts), not its kernels (test/kernels/js/conv2d.test.ts): output shapes
// and values on a hand-worked 2x3 image, bias, strides, padding, groups, the fused ReLU and dtype; and its
// argument checks, each error naming the op, the argument and the values or both shapes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conv2d, GradientTape, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

// One 2x3 image of 1 channel: [1, 2, 3 | 4, 5, 6]; a 2x2 filter [1, 0 | 0, 1] adds each pixel to the one
// below and to the right of it.
const IMAGE = Tensor.fromArray([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
const DIAGONAL = Tensor.fromArray([1, 0, 0, 1], [2, 2, 1, 1]);

describe('conv2d by hand', () => {
  test('valid padding: [1, 2, 3, 1] * [2, 2, 1, 1] -> [1, 1, 2, 1] = [1 + 5, 2 + 6], plus a bias of 10', () => {
    const y = conv2d(IMAGE, DIAGONAL, null);
    assert.deepEqual(y.shape, [1, 1, 2, 1]);
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(Array.from(y.dataSync()), [6, 8]);
    assert.deepEqual(Array.from(conv2d(IMAGE, DIAGONAL, Tensor.fromArray([10], [1])).dataSync()), [16, 18]);
  });

  test("'same' padding keeps 2x3 (the extra row and column at the bottom and right); stride 2 keeps 1x1", () => {
    const same = conv2d(IMAGE, DIAGONAL, null, { padding: 'same' });
    assert.deepEqual(same.shape, [1, 2, 3, 1]);
    assert.deepEqual(Array.from(same.dataSync()), [6, 8, 3, 4, 5, 6]);
    const strided = conv2d(IMAGE, DIAGONAL, null, { strides: 2 });
    assert.deepEqual(strided.shape, [1, 1, 1, 1]);
    assert.deepEqual(Array.from(strided.dataSync()), [6]);
  });

  test('a 1x1 filter of 2 output channels [2, -1] in float64; the fused ReLU zeroes the negative channel', () => {
    const x = Tensor.fromArray([1, 2, 3, 4, 5, 6], [1, 2, 3, 1], 'float64');
    const filter = Tensor.fromArray([2, -1], [1, 1, 1, 2], 'float64');
    const y = conv2d(x, filter, null);
    assert.deepEqual(y.shape, [1, 2, 3, 2]);
    assert.equal(y.dtype, 'float64');
    assert.deepEqual(Array.from(y.dataSync()), [2, -1, 4, -2, 6, -3, 8, -4, 10, -5, 12, -6]);
    const relu = conv2d(x, filter, null, { activation: 'relu' });
    assert.deepEqual(Array.from(relu.dataSync()), [2, 0, 4, 0, 6, 0, 8, 0, 10, 0, 12, 0]);
  });

  test('groups 2 (depthwise): each channel convolved with its own 1x1 filter', () => {
    const x = Tensor.fromArray([1, 10, 2, 20], [1, 1, 2, 2]);
    const y = conv2d(x, Tensor.fromArray([3, -1], [1, 1, 1, 2]), null, { groups: 2 });
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.dataSync()), [3, -10, 6, -20]);
  });
});

describe('conv2d with a stride past its input', () => {
  test('a stride of 2^53 (a hostile file) along an axis of one output reads the one window stride 7 reads', () => {
    const values = Array.from({ length: 6 * 5 * 8 }, (_, index) => Math.sin(index));
    const input = Tensor.fromArray(values, [1, 6, 5, 8]);
    const depthwise = Tensor.fromArray(
      Array.from({ length: 3 * 3 * 8 }, (_, index) => Math.cos(index)),
      [3, 3, 1, 8],
    );
    const dense = Tensor.fromArray(
      Array.from({ length: 3 * 3 * 8 * 4 }, (_, index) => Math.cos(index)),
      [3, 3, 8, 4],
    );
    for (const [filter, groups] of [
      [depthwise, 8],
      [dense, 1],
    ] as const) {
      const options = { padding: [1, 1, 1, 1] as [number, number, number, number], groups };
      const hostile = conv2d(input, filter, null, { ...options, strides: [1, 2 ** 53] });
      const seven = conv2d(input, filter, null, { ...options, strides: [1, 7] });
      assert.deepEqual(hostile.shape, [1, 6, 1, groups === 8 ? 8 : 4]);
      assert.deepEqual(Array.from(hostile.dataSync()), Array.from(seven.dataSync()));
    }
  });
});

describe('conv2d checks its arguments', () => {
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

  test('groups that do not divide the channels, and a mixed dtype, name the op and the values', () => {
    assertThrowsWith(
      () => conv2d(Tensor.zeros([1, 2, 2, 3]), Tensor.zeros([1, 1, 1, 3]), null, { groups: 2 }),
      ShapeError,
      'conv2d: 2 groups must divide the input channels (3) and the output channels (3)',
    );
    assertThrowsWith(
      () => conv2d(IMAGE, Tensor.zeros([2, 2, 1, 1], 'float64'), null),
      ValueError,
      'conv2d: mixed dtypes float32 and float64',
    );
    assertThrowsWith(() => conv2d(IMAGE, DIAGONAL, null, { dilations: 0 }), ValueError, 'conv2d: dilations', '0');
  });
});
