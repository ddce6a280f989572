// The softmax ops (src/ops/softmax.ts) on hand-worked logits: softmax over the last axis, the fused
// softmax cross-entropy with and without label smoothing, their dtypes, and the loss's argument checks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, softmax, softmaxCrossEntropy, Tensor, ValueError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

// exp(0) : exp(ln 3) = 1 : 3, so the row [0, ln 3] becomes [0.25, 0.75]; equal logits share evenly.
const LOGITS = [0, Math.log(3), 5, 5];
const FLOAT32 = { atol: 1e-7, rtol: 1e-6 };

test('softmax turns each row of the last axis into probabilities, worked by hand', () => {
  const y = softmax(Tensor.fromArray(LOGITS, [2, 2]));
  assert.deepEqual(y.shape, [2, 2]);
  assert.equal(y.dtype, 'float32');
  assertClose(y.dataSync(), [0.25, 0.75, 0.5, 0.5], FLOAT32, 'softmax');
  // A rank-3 input: the rows are every position of the last axis.
  const positions = softmax(Tensor.fromArray([0, Math.log(3), 1000, 1000], [1, 2, 2], 'float64'));
  assert.deepEqual(positions.shape, [1, 2, 2]);
  assert.equal(positions.dtype, 'float64');
  assertClose(positions.dataSync(), [0.25, 0.75, 0.5, 0.5], { atol: 1e-15, rtol: 1e-14 }, 'float64 softmax');
});

test('softmaxCrossEntropy: the mean of -sum t log p over the rows, with the probabilities and row losses', () => {
  // Row 0: target class 1, p = 0.75, loss ln(4/3); row 1: target class 0, p = 0.5, loss ln 2.
  const targets = Tensor.fromArray([0, 1, 1, 0], [2, 2]);
  const { loss, probabilities, rowLosses } = softmaxCrossEntropy(Tensor.fromArray(LOGITS, [2, 2]), targets);
  assert.deepEqual(loss.shape, []);
  assertClose(probabilities.dataSync(), [0.25, 0.75, 0.5, 0.5], FLOAT32, 'probabilities');
  assertClose(rowLosses.dataSync(), [Math.log(4 / 3), Math.log(2)], FLOAT32, 'row losses');
  assertClose(loss.dataSync(), [(Math.log(4 / 3) + Math.log(2)) / 2], FLOAT32, 'loss');
});

test('labelSmoothing 0.5 over 2 classes turns the target [0, 1] into [0.25, 0.75]', () => {
  const logits = Tensor.fromArray([0, Math.log(3)], [1, 2], 'float64');
  const targets = Tensor.fromArray([0, 1], [1, 2], 'float64');
  const { loss } = softmaxCrossEntropy(logits, targets, { labelSmoothing: 0.5 });
  assert.equal(loss.dtype, 'float64');
  const expected = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
  assertClose(loss.dataSync(), [expected], { atol: 1e-15, rtol: 1e-12 }, 'smoothed loss');
});

test('softmaxCrossEntropy checks rank, shapes, dtypes and labelSmoothing, naming the op', () => {
  const logits = Tensor.zeros([2, 3]);
  assertThrowsWith(
    () => softmaxCrossEntropy(Tensor.zeros([2, 3, 1]), Tensor.zeros([2, 3, 1])),
    ShapeError,
    'softmaxCrossEntropy: logits: expected a rank-2 tensor [rows, classes] but got shape 2x3x1',
  );
  assertThrowsWith(
    () => softmaxCrossEntropy(logits, Tensor.zeros([2, 2])),
    ShapeError,
    'softmaxCrossEntropy: logits and targets: shapes 2x3 and 2x2 differ',
  );
  assertThrowsWith(
    () => softmaxCrossEntropy(logits, Tensor.zeros([2, 3], 'float64')),
    ValueError,
    'softmaxCrossEntropy: logits and targets: mixed dtypes float32 and float64',
  );
  for (const labelSmoothing of [-0.1, 1.5, Number.NaN]) {
    assertThrowsWith(
      () => softmaxCrossEntropy(logits, Tensor.zeros([2, 3]), { labelSmoothing }),
      ValueError,
      `softmaxCrossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`,
    );
  }
});
