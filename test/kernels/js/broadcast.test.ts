// Hand-worked cases of the broadcasting reference kernels (src/kernels/js/broadcast.ts): BroadcastArithmetic
// reads each operand through its strides (0 along the axes it is broadcast along) over six axes, and
// ReduceSumTo, its gradient, sums an input onto the output those strides select. Small integers: exact.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { broadcastArithmetic, reduceSumTo } from '../../../src/kernels/js/broadcast.js';
import type { ArithmeticOperation } from '../../../src/kernels/params.js';
import { f64 } from './referenceCases.js';

// A [2, 3] matrix a = [[1, 2, 3], [4, 5, 6]] against a row b = [10, 20, 30] ([3], stride 0 on the rows),
// as six axes [1, 1, 1, 1, 2, 3].
const SHAPE = [1, 1, 1, 1, 2, 3];
const MATRIX_STRIDES = [0, 0, 0, 0, 3, 1];
const ROW_STRIDES = [0, 0, 0, 0, 0, 1];
const A = f64([1, 2, 3, 4, 5, 6]);
const B = f64([10, 20, 30]);

function run(operation: ArithmeticOperation, a: Float64Array, b: Float64Array): number[] {
  const output = new Float64Array(6);
  broadcastArithmetic(a, b, output, { operation, shape: SHAPE, aStrides: MATRIX_STRIDES, bStrides: ROW_STRIDES });
  return [...output];
}

describe('BroadcastArithmetic and ReduceSumTo reference kernels, by hand', () => {
  test('a [2, 3] matrix with a row of 3: add, subtract, multiply and divide', () => {
    assert.deepEqual(run('add', A, B), [11, 22, 33, 14, 25, 36]);
    assert.deepEqual(run('subtract', A, B), [-9, -18, -27, -6, -15, -24]);
    assert.deepEqual(run('multiply', A, B), [10, 40, 90, 40, 100, 180]);
    assert.deepEqual(run('divide', f64([10, 20, 30, 40, 50, 60]), B), [1, 1, 1, 4, 2.5, 2]);
  });

  test('minimum and maximum keep NaN; selectionWeight is 1, 1/2 or 0 as a is above, at or below b', () => {
    const a = f64([5, 20, Number.NaN, 40, 0, 30]);
    assert.deepEqual(run('minimum', a, B), [5, 20, Number.NaN, 10, 0, 30]);
    assert.deepEqual(run('maximum', a, B), [10, 20, Number.NaN, 40, 20, 30]);
    assert.deepEqual(run('selectionWeight', a, B), [0, 0.5, 0, 1, 0, 0.5]);
  });

  test('a column [2, 1] times the row [1, 3] is their outer product', () => {
    const output = new Float64Array(6);
    broadcastArithmetic(f64([2, -1]), B, output, {
      operation: 'multiply',
      shape: SHAPE,
      aStrides: [0, 0, 0, 0, 1, 0],
      bStrides: ROW_STRIDES,
    });
    assert.deepEqual([...output], [20, 40, 60, -10, -20, -30]);
  });

  test('ReduceSumTo sums a [2, 3] gradient onto the row (column sums) and onto the column (row sums)', () => {
    const columns = new Float64Array(3).fill(99);
    reduceSumTo(A, columns, { shape: SHAPE, outStrides: ROW_STRIDES });
    assert.deepEqual([...columns], [5, 7, 9]);
    const rows = new Float64Array(2);
    reduceSumTo(A, rows, { shape: SHAPE, outStrides: [0, 0, 0, 0, 1, 0] });
    assert.deepEqual([...rows], [6, 15]);
  });
});
