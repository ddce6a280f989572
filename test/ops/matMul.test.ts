// The matrix product op (src/ops/matMul.ts) on a hand-worked 2x3 by 3x2 product, with either side
// transposed, its dtype, and its argument checks: rank, inner dimensions and mixed dtypes, naming the op.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matMul, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

// a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8], [9, 10], [11, 12]]: a b = [[58, 64], [139, 154]].
const A = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
const B = Tensor.fromArray([7, 8, 9, 10, 11, 12], [3, 2]);
const PRODUCT = [58, 64, 139, 154];

test('matMul of [2, 3] and [3, 2] is the [2, 2] product, worked by hand', () => {
  const y = matMul(A, B);
  assert.deepEqual(y.shape, [2, 2]);
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(Array.from(y.dataSync()), PRODUCT);
});

test('transposeA and transposeB read a stored [3, 2] a and a stored [2, 3] b as their transposes', () => {
  const aTransposed = Tensor.fromArray([1, 4, 2, 5, 3, 6], [3, 2]);
  const bTransposed = Tensor.fromArray([7, 9, 11, 8, 10, 12], [2, 3]);
  assert.deepEqual(Array.from(matMul(aTransposed, B, { transposeA: true }).dataSync()), PRODUCT);
  assert.deepEqual(Array.from(matMul(A, bTransposed, { transposeB: true }).dataSync()), PRODUCT);
  const both = matMul(aTransposed, bTransposed, { transposeA: true, transposeB: true });
  assert.deepEqual(both.shape, [2, 2]);
  assert.deepEqual(Array.from(both.dataSync()), PRODUCT);
});

test('float64 operands give a float64 product', () => {
  const a = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
  const b = Tensor.fromArray([7, 8, 9, 10, 11, 12], [3, 2], 'float64');
  const y = matMul(a, b);
  assert.equal(y.dtype, 'float64');
  assert.deepEqual(Array.from(y.dataSync()), PRODUCT);
});

test('inner dimensions that differ are a ShapeError naming both shapes and which side is transposed', () => {
  assertThrowsWith(() => matMul(A, A), ShapeError, 'matMul: inner dimensions differ: a is 2x3, b is 2x3');
  assertThrowsWith(
    () => matMul(A, B, { transposeA: true }),
    ShapeError,
    'matMul: inner dimensions differ: a is 2x3 (transposed), b is 3x2',
  );
  assertThrowsWith(
    () => matMul(A, B, { transposeB: true, name: 'Dense' }),
    ShapeError,
    'Dense: inner dimensions differ: a is 2x3, b is 3x2 (transposed)',
  );
});

test('an operand not of rank 2 is a ShapeError; mixed dtypes are a ValueError', () => {
  assertThrowsWith(
    () => matMul(Tensor.zeros([2, 3, 1]), B),
    ShapeError,
    'matMul: a: expected a rank-2 tensor [rows, columns] but got shape 2x3x1',
  );
  assertThrowsWith(() => matMul(A, Tensor.zeros([3])), ShapeError, 'matMul: b: expected a rank-2 tensor', 'shape 3');
  assertThrowsWith(
    () => matMul(A, Tensor.zeros([3, 2], 'float64')),
    ValueError,
    'matMul: mixed dtypes float32 and float64',
  );
});
