// The argument checks of the average pooling ops (src/ops/avgPool2d.ts): avgPool2d and globalAveragePool2d
// name the op and the shape or the size formula. zeroPad2d's are in zeroPad2d.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { avgPool2d as avgPool2dOp, globalAveragePool2d, ShapeError, Tensor } from '../../src/index.js';

describe('average pooling ops check their arguments', () => {
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

  test('globalAveragePool2d of a [batch, features] tensor names the op', () => {
    assert.throws(
      () => globalAveragePool2d(Tensor.zeros([2, 8])),
      (error: unknown) => error instanceof ShapeError && /globalAveragePool2d: input/.test(error.message),
    );
  });
});
