// The bias op (src/ops/biasAdd.ts) on hand-worked values: a [C] bias added at every position of [..., C],
// its gradient summing over every axis but the last, the dtype it keeps, and the checks of the bias shape.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biasAdd, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { biasAddGrad } from '../../src/ops/biasAdd.js';
import { assertThrowsWith } from '../helpers.js';

// [1, 2, 3]: two positions of three channels, values 0..5.
const X = Tensor.fromArray([0, 1, 2, 3, 4, 5], [1, 2, 3]);

test('biasAdd adds bias[c] to channel c of every position and keeps the shape', () => {
  const y = biasAdd(X, Tensor.fromArray([10, 20, 30], [3]));
  assert.deepEqual(y.shape, [1, 2, 3]);
  assert.deepEqual(Array.from(y.dataSync()), [10, 21, 32, 13, 24, 35]);
  const rows = biasAdd(Tensor.fromArray([1, 2, 3, 4], [2, 2]), Tensor.fromArray([-1, 0.5], [2]));
  assert.deepEqual(Array.from(rows.dataSync()), [0, 2.5, 2, 4.5]);
});

test('biasAddGrad sums dOut over every axis but the last', () => {
  const dBias = biasAddGrad(X);
  assert.deepEqual(dBias.shape, [3]);
  assert.deepEqual(Array.from(dBias.dataSync()), [3, 5, 7]);
});

test('float64 input and bias give a float64 output', () => {
  const y = biasAdd(Tensor.fromArray([0.1, 0.2], [1, 2], 'float64'), Tensor.fromArray([1, 2], [2], 'float64'));
  assert.equal(y.dtype, 'float64');
  assert.deepEqual(Array.from(y.dataSync()), [1.1, 2.2]);
});

test('a bias of the wrong length or rank is a ShapeError naming both shapes; mixed dtypes a ValueError', () => {
  assertThrowsWith(
    () => biasAdd(X, Tensor.zeros([2])),
    ShapeError,
    'biasAdd: bias has shape',
    'but the input 1x2x3 has 3 channels',
  );
  assertThrowsWith(() => biasAdd(X, Tensor.zeros([1, 3])), ShapeError, 'bias has shape 1x3', '3 channels');
  assertThrowsWith(() => biasAdd(X, Tensor.zeros([2]), 'Dense'), ShapeError, 'Dense: bias');
  assertThrowsWith(
    () => biasAdd(X, Tensor.zeros([3], 'float64')),
    ValueError,
    'biasAdd: mixed dtypes float32 and float64',
  );
});
