// The argument checks of the pooling and padding ops (src/ops/avgPool2d.ts, src/ops/zeroPad2d.ts):
// avgPool2d, globalAveragePool2d and zeroPad2d name the op and the shape, the padding or the size formula.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  avgPool2d as avgPool2dOp,
  globalAveragePool2d,
  ShapeError,
  Tensor,
  ValueError,
  zeroPad2d as zeroPad2dOp,
} from '../../src/index.js';

describe('pooling and padding ops check their arguments', () => {
  test('avgPool2d of a rank-3 tensor names the op and the shape', () => {
    assert.throws(
      () => avgPool2dOp(Tensor.zeros([4, 4, 1]), { poolSize: 2 }),
      (error: unknown) =>
        error instanceof ShapeError && /avgPool2d: input/.test(error.message) && /4x4x1/.test(error.message),
    );
  });

  test('avgPool2d with a window larger than the image shows the size formula', () => {
    assert.throws(
      () => avgPool2dOp(Tensor.zeros([1, 2, 2, 1]), { poolSize: 3 }),
      (error: unknown) =>
        error instanceof ShapeError &&
        /avgPool2d/.test(error.message) &&
        /\(2 - 3 \+ 2\*0\) \/ 3 \+ 1/.test(error.message),
    );
  });

  test("zeroPad2d rejects 'same', negative and fractional padding, naming the op", () => {
    for (const padding of ['same', -1, [1, 0.5], [1, 2, 3]] as const) {
      assert.throws(
        () => zeroPad2dOp(Tensor.zeros([1, 2, 2, 1]), padding as never),
        (error: unknown) => error instanceof ValueError && /zeroPad2d: padding/.test(error.message),
        JSON.stringify(padding),
      );
    }
  });

  test('globalAveragePool2d of a [batch, features] tensor names the op', () => {
    assert.throws(
      () => globalAveragePool2d(Tensor.zeros([2, 8])),
      (error: unknown) => error instanceof ShapeError && /globalAveragePool2d: input/.test(error.message),
    );
  });
});
