// The broadcasting ops (src/ops/broadcast.ts), not their kernels (test/kernels/js/broadcast.test.ts): numpy's
// shape rule, arithmetic between a [2, 3] tensor and a row, a column or one of its own shape, the sum back
// onto a broadcast shape (its gradient), dtypes, and the errors naming the op and both shapes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { broadcastShape, reduceSumTo, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { broadcastArithmetic, scalarLike } from '../../src/ops/broadcast.js';
import { assertThrowsWith } from '../helpers.js';

// [[1, 2, 3], [4, 5, 6]].
const A = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);

describe('broadcastShape', () => {
  test('right-aligned extents: equal, or 1 against anything; missing leading axes count as 1', () => {
    assert.deepEqual(broadcastShape([8, 7, 7, 32], [8, 1, 1, 32]), [8, 7, 7, 32]);
    assert.deepEqual(broadcastShape([3], [2, 1]), [2, 3]);
    assert.deepEqual(broadcastShape([], [4, 5]), [4, 5]);
    assert.deepEqual(broadcastShape([1, 5], [1, 1]), [1, 5]);
  });

  test('extents that differ and are not 1 are a ShapeError naming the op, both shapes and the axis', () => {
    assertThrowsWith(
      () => broadcastShape([2, 3], [4, 3], 'add'),
      ShapeError,
      'add: shapes 2x3 and 4x3 do not broadcast (axis 0 from the left of the longer: 2 against 4)',
    );
  });
});

describe('broadcastArithmetic and reduceSumTo by hand', () => {
  test('a [2, 3] tensor with a [3] row, a [2, 1] column and a [2, 3] tensor', () => {
    const row = Tensor.fromArray([10, 20, 30], [3]);
    const sum = broadcastArithmetic('add', A, row);
    assert.deepEqual(sum.shape, [2, 3]);
    assert.deepEqual(Array.from(sum.dataSync()), [11, 22, 33, 14, 25, 36]);
    const column = Tensor.fromArray([2, -1], [2, 1]);
    assert.deepEqual(Array.from(broadcastArithmetic('multiply', A, column).dataSync()), [2, 4, 6, -4, -5, -6]);
    assert.deepEqual(Array.from(broadcastArithmetic('subtract', column, A).dataSync()), [1, 0, -1, -5, -6, -7]);
    assert.deepEqual(Array.from(broadcastArithmetic('multiply', A, A).dataSync()), [1, 4, 9, 16, 25, 36]);
  });

  test('float64 operands give float64; mixed dtypes are a ValueError naming the op', () => {
    const a = Tensor.fromArray([1, 2], [2], 'float64');
    const y = broadcastArithmetic('add', a, Tensor.fromArray([0.5], [1], 'float64'));
    assert.equal(y.dtype, 'float64');
    assert.deepEqual(Array.from(y.dataSync()), [1.5, 2.5]);
    assertThrowsWith(
      () => broadcastArithmetic('add', A, Tensor.zeros([3], 'float64')),
      ValueError,
      'add: mixed dtypes float32 and float64',
    );
    assertThrowsWith(
      () => broadcastArithmetic('multiply', A, Tensor.zeros([2])),
      ShapeError,
      'multiply: shapes 2x3 and 2',
    );
  });

  test('reduceSumTo sums over the broadcast axes: columns, rows, everything; the same shape is the input', () => {
    const columns = reduceSumTo(A, [1, 3]);
    assert.deepEqual(columns.shape, [1, 3]);
    assert.deepEqual(Array.from(columns.dataSync()), [5, 7, 9]);
    assert.deepEqual(Array.from(reduceSumTo(A, [2, 1]).dataSync()), [6, 15]);
    assert.deepEqual(Array.from(reduceSumTo(A, [3]).dataSync()), [5, 7, 9]);
    assert.deepEqual(Array.from(reduceSumTo(A, []).dataSync()), [21]);
    assert.equal(reduceSumTo(A, [2, 3]), A);
  });

  test('reduceSumTo onto a shape that does not broadcast to the input is a ShapeError naming both', () => {
    assertThrowsWith(() => reduceSumTo(A, [2, 2]), ShapeError, 'reduceSumTo: shapes 2x3 and 2x2 do not broadcast');
    assertThrowsWith(() => reduceSumTo(A, [4, 2, 3]), ShapeError, 'reduceSumTo: 4x2x3 does not broadcast to 2x3');
  });

  test("scalarLike: one value with the other tensor's rank and dtype", () => {
    const scalar = scalarLike(0.5, Tensor.zeros([2, 3, 4], 'float64'));
    assert.deepEqual(scalar.shape, [1, 1, 1]);
    assert.equal(scalar.dtype, 'float64');
    assert.deepEqual(Array.from(scalar.dataSync()), [0.5]);
  });
});
