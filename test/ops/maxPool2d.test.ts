// The max pooling op (src/ops/maxPool2d.ts), not its kernels (test/kernels/js/maxPool2d.test.ts): output
// shapes and values on a hand-worked 2x4 image with default, overlapping and ceil-mode windows, the argmax
// it records, its dtype, and its argument checks naming the op, the argument and the values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxPool2d, maxPool2dWithArgmax, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { poolParams } from '../../src/ops/maxPool2d.js';
import { assertThrowsWith } from '../helpers.js';

// One 2x4 image of 1 channel: [1, 5, 2, 0 | 3, 4, 8, 7].
const IMAGE = Tensor.fromArray([1, 5, 2, 0, 3, 4, 8, 7], [1, 2, 4, 1]);

describe('maxPool2d by hand', () => {
  test('poolSize 2 (strides default to it): [1, 1, 2, 1] = [5, 8], maxima at flat input indices 1 and 6', () => {
    const y = maxPool2d(IMAGE, { poolSize: 2 });
    assert.deepEqual(y.shape, [1, 1, 2, 1]);
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(Array.from(y.dataSync()), [5, 8]);
    const { output, argmax } = maxPool2dWithArgmax(IMAGE, { poolSize: 2 });
    assert.deepEqual(Array.from(output.dataSync()), [5, 8]);
    assert.deepEqual(Array.from(argmax), [1, 6]);
  });

  test('strides 1 gives three overlapping windows; ceilMode on a width of 3 adds a partial window', () => {
    assert.deepEqual(Array.from(maxPool2d(IMAGE, { poolSize: 2, strides: 1 }).dataSync()), [5, 8, 8]);
    const x = Tensor.fromArray([1, 2, 9, 4, 5, 6], [1, 2, 3, 1], 'float64');
    assert.deepEqual(maxPool2d(x, { poolSize: 2 }).shape, [1, 1, 1, 1]);
    const ceil = maxPool2d(x, { poolSize: 2, ceilMode: true });
    assert.deepEqual(ceil.shape, [1, 1, 2, 1]);
    assert.equal(ceil.dtype, 'float64');
    assert.deepEqual(Array.from(ceil.dataSync()), [5, 9]);
  });

  test('poolParams resolves pool sizes, strides and same padding into window params', () => {
    const params = poolParams([2, 5, 6, 3], { poolSize: [3, 2], strides: [2, 2], padding: 'same' });
    assert.deepEqual(
      [params.batch, params.inH, params.inW, params.inC, params.kH, params.kW, params.outH, params.outW],
      [2, 5, 6, 3, 3, 2, 3, 3],
    );
  });
});

describe('maxPool2d checks its arguments', () => {
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

  test('a rank-3 input, strides 1.5 and a layer name: errors name the caller and the values', () => {
    assertThrowsWith(
      () => maxPool2d(Tensor.zeros([4, 4, 1]), { poolSize: 2 }),
      ShapeError,
      'maxPool2d: input: expected a rank-4 tensor',
      'got shape 4x4x1',
    );
    assertThrowsWith(
      () => maxPool2d(IMAGE, { poolSize: 2, strides: 1.5 }),
      ValueError,
      'maxPool2d: strides must be a positive integer, got 1.5',
    );
    assertThrowsWith(() => maxPool2d(IMAGE, { poolSize: 3, name: "MaxPool2D 'pool'" }), ShapeError, "MaxPool2D 'pool'");
  });
});
