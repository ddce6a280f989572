// The zero padding op (src/ops/zeroPad2d.ts): the three forms of its padding (n, [padH, padW] and
// [top, bottom, left, right]) resolved into output sizes, the padded values of a hand-worked image,
// its dtype, and its argument checks naming the op. Pure data movement: exact values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShapeError, Tensor, ValueError, zeroPad2d as zeroPad2dOp } from '../../src/index.js';
import { zeroPadParams } from '../../src/ops/zeroPad2d.js';
import { assertThrowsWith } from '../helpers.js';

// One 2x2 image of 1 channel: [1, 2 | 3, 4].
const X = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);

test('zeroPadParams reads n, [padH, padW] and [top, bottom, left, right] as the four sides', () => {
  const sides = (padding: Parameters<typeof zeroPadParams>[1]): number[] => {
    const params = zeroPadParams([2, 5, 7, 3], padding);
    return [params.padTop, params.padBottom, params.padLeft, params.padRight, params.outH, params.outW];
  };
  assert.deepEqual(sides(1), [1, 1, 1, 1, 7, 9]);
  assert.deepEqual(sides([2, 0]), [2, 2, 0, 0, 9, 7]);
  assert.deepEqual(sides([1, 0, 3, 2]), [1, 0, 3, 2, 6, 12]);
  assert.deepEqual(sides(0), [0, 0, 0, 0, 5, 7]);
  const params = zeroPadParams([2, 5, 7, 3], 1);
  assert.deepEqual([params.batch, params.inH, params.inW, params.inC], [2, 5, 7, 3]);
});

test('zeroPad2d [top 1, bottom 0, left 0, right 1] of a 2x2 image puts it in a 3x3 field of zeros', () => {
  const y = zeroPad2dOp(X, [1, 0, 0, 1]);
  assert.deepEqual(y.shape, [1, 3, 3, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [0, 0, 0, 1, 2, 0, 3, 4, 0]);
});

test('zeroPad2d [padH 0, padW 1] of 2 channels pads each row on both sides, channel by channel', () => {
  const x = Tensor.fromArray([1, 10, 2, 20], [1, 1, 2, 2], 'float64');
  const y = zeroPad2dOp(x, [0, 1]);
  assert.deepEqual(y.shape, [1, 1, 4, 2]);
  assert.equal(y.dtype, 'float64');
  assert.deepEqual(Array.from(y.dataSync()), [0, 0, 1, 10, 2, 20, 0, 0]);
});

describe('zeroPad2d checks its arguments', () => {
  test("zeroPad2d rejects 'same', negative and fractional padding, naming the op", () => {
    for (const padding of ['same', -1, [1, 0.5], [1, 2, 3]] as const) {
      assert.throws(
        () => zeroPad2dOp(Tensor.zeros([1, 2, 2, 1]), padding as never),
        (error: unknown) => error instanceof ValueError && /zeroPad2d: padding/.test(error.message),
        JSON.stringify(padding),
      );
    }
  });

  test('a rank-3 input is a ShapeError naming the op and the shape; a layer name replaces the op', () => {
    assertThrowsWith(
      () => zeroPad2dOp(Tensor.zeros([2, 2, 1]), 1),
      ShapeError,
      'zeroPad2d: input: expected a rank-4 tensor',
      'got shape 2x2x1',
    );
    assertThrowsWith(() => zeroPad2dOp(X, -2, 'ZeroPadding2D'), ValueError, 'ZeroPadding2D: padding', 'got -2');
  });
});
