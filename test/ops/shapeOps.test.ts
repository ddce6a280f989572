// View and arithmetic ops (src/ops/shapeOps.ts) on hand-worked values: reshape as a view, the six
// broadcasting arithmetic ops, concatenate along the channels and its gradient, and the shape errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  add,
  concatenate,
  divide,
  maximum,
  minimum,
  multiply,
  reshape,
  ShapeError,
  subtract,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { concatenateGrad } from '../../src/ops/shapeOps.js';
import { assertThrowsWith } from '../helpers.js';

test('reshape views the same values in another shape; a size that differs is a ShapeError naming both', () => {
  const x = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
  const view = reshape(x, [3, 2]);
  assert.deepEqual(view.shape, [3, 2]);
  assert.deepEqual(Array.from(view.dataSync()), [1, 2, 3, 4, 5, 6]);
  assertThrowsWith(() => reshape(x, [4, 2]), ShapeError, 'reshape: cannot view 2x3 (6 values) as 4x2 (8 values)');
});

test('add, subtract, multiply, divide, maximum and minimum broadcast a per-channel [2] over [2, 2]', () => {
  const a = Tensor.fromArray([1, -2, 3, 8], [2, 2]);
  const b = Tensor.fromArray([2, -4], [2]);
  const values = (tensor: Tensor) => Array.from(tensor.dataSync());
  assert.deepEqual(values(add(a, b)), [3, -6, 5, 4]);
  assert.deepEqual(values(subtract(a, b)), [-1, 2, 1, 12]);
  assert.deepEqual(values(multiply(a, b)), [2, 8, 6, -32]);
  assert.deepEqual(values(divide(a, b)), [0.5, 0.5, 1.5, -2]);
  assert.deepEqual(values(maximum(a, b)), [2, -2, 3, 8]);
  assert.deepEqual(values(minimum(a, b)), [1, -4, 2, -4]);
  assert.deepEqual(values(divide(a, Tensor.fromArray([0], [1]))), [Infinity, -Infinity, Infinity, Infinity]);
});

test('shapes that do not broadcast are a ShapeError; dtypes that differ a ValueError', () => {
  const a = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.throws(() => add(a, Tensor.fromArray([1, 2], [2])), ShapeError);
  assert.throws(() => multiply(a, Tensor.fromArray([1, 2, 3], [3], 'float64')), ValueError);
});

test('concatenate joins [1, 2, 2] and [1, 2, 1] into [1, 2, 3]; its gradient splits dOut back by widths', () => {
  const a = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2]);
  const b = Tensor.fromArray([9, 8], [1, 2, 1]);
  const joined = concatenate([a, b]);
  assert.deepEqual(joined.shape, [1, 2, 3]);
  assert.deepEqual(Array.from(joined.dataSync()), [1, 2, 9, 3, 4, 8]);
  const dOut = Tensor.fromArray([10, 20, 30, 40, 50, 60], [1, 2, 3]);
  const [dA, dB] = concatenateGrad(dOut, [a, b], { rows: 2, widths: [2, 1] });
  assert.deepEqual(Array.from(dA!.dataSync()), [10, 20, 40, 50]);
  assert.deepEqual(Array.from(dB!.dataSync()), [30, 60]);
});

test('concatenate of nothing, or of tensors that disagree on a leading axis, is a ShapeError', () => {
  assertThrowsWith(() => concatenate([]), ShapeError, 'concatenate: nothing to concatenate');
  assertThrowsWith(
    () => concatenate([Tensor.zeros([1, 2, 2]), Tensor.zeros([1, 3, 2])], 'merge'),
    ShapeError,
    'merge: inputs must agree on every axis but the last, got 1x2x2 and 1x3x2',
  );
});
