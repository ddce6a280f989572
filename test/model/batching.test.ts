// Batching helpers of the training loop (src/model/batching.ts): examples and one-hot targets gathered
// by index at a batch's start, soft targets gathered as rows, labels checked, the class of an example.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, Tensor, ValueError } from '../../src/index.js';
import { argmaxRow, checkLabels, classOf, gatherExamples, gatherTargets } from '../../src/model/batching.js';

// Five examples of shape [2]: example k holds [10 k, 10 k + 1].
const X = Tensor.fromArray([0, 1, 10, 11, 20, 21, 30, 31, 40, 41], [5, 2]);
const ORDER = [4, 2, 0, 3, 1];

test('gatherExamples copies indices[start .. start + count) in that order: batches of 2 over 5 examples', () => {
  const batches: number[][] = [];
  for (let start = 0; start < ORDER.length; start += 2) {
    const count = Math.min(2, ORDER.length - start);
    const batch = gatherExamples(X, ORDER, start, count);
    assert.deepEqual(batch.shape, [count, 2]);
    batches.push(Array.from(batch.dataSync()));
  }
  // The last batch is the single example left over.
  assert.deepEqual(batches, [
    [40, 41, 20, 21],
    [0, 1, 30, 31],
    [10, 11],
  ]);
  assert.equal(gatherExamples(X, ORDER, 0, 1, 'float64').dtype, 'float64');
});

test('gatherTargets: class indices become one-hot rows; a target tensor is gathered row by row', () => {
  const labels = [2, 0, 1, 1, 0];
  const oneHot = gatherTargets(labels, 3, ORDER, 1, 3, 'float32');
  assert.deepEqual(oneHot.shape, [3, 3]);
  // indices 2, 0, 3: labels 1, 2, 1
  assert.deepEqual(Array.from(oneHot.dataSync()), [0, 1, 0, 0, 0, 1, 0, 1, 0]);
  const soft = Tensor.fromArray([0.1, 0.9, 0.8, 0.2, 0.5, 0.5, 0.3, 0.7, 1, 0], [5, 2], 'float64');
  const rows = gatherTargets(soft, 2, ORDER, 3, 2, 'float64');
  assert.deepEqual(rows.shape, [2, 2]);
  assert.deepEqual(Array.from(rows.dataSync()), [0.3, 0.7, 0.8, 0.2]);
});

test('checkLabels refuses a wrong count, a non-integer or out-of-range label and a target of the wrong shape', () => {
  checkLabels([0, 2, 1], 3, 3, 'fit');
  assert.throws(
    () => checkLabels([0, 1], 3, 3, 'fit'),
    (error: unknown) => error instanceof ShapeError && error.message === 'fit: 3 examples but 2 labels',
  );
  assert.throws(
    () => checkLabels([0, 3, 1], 3, 3, 'fit'),
    (error: unknown) =>
      error instanceof ValueError && error.message === 'fit: label 3 at index 1 is not a class index in [0, 3)',
  );
  assert.throws(() => checkLabels([0, 0.5, 1], 3, 3, 'fit'), ValueError);
  assert.throws(
    () => checkLabels(Tensor.zeros([3, 2]), 3, 3, 'evaluate'),
    (error: unknown) =>
      error instanceof ShapeError && error.message === 'evaluate: target probabilities must be [3, 3] but got 3x2',
  );
});

test('classOf is the label, or the largest target probability; argmaxRow keeps the first of equal values', () => {
  assert.equal(classOf([2, 0], 3, 0), 2);
  assert.equal(classOf(Tensor.fromArray([0.1, 0.9, 0.8, 0.2], [2, 2]), 2, 1), 0);
  assert.equal(argmaxRow([9, 1, 5, 5, 2], 1, 4), 1);
  assert.equal(argmaxRow([3, 3, 3], 0, 3), 0);
});
