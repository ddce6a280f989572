// The batch normalization op (src/ops/batchNorm.ts): in training it normalizes with the batch's own
// statistics and returns them; in inference it uses those given; shapes and epsilon are checked, with
// errors naming the op, the argument and the values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchNormalization, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

function f64(values: number[], shape: number[]): Tensor {
  return Tensor.fromArray(values, shape, 'float64');
}

// [2, 1, 1, 2]: channel 0 is 1 and 3 (mean 2, variance 1), channel 1 is 10 and 10 (variance 0).
const X = f64([1, 10, 3, 10], [2, 1, 1, 2]);
const GAMMA = f64([2, 1], [2]);
const BETA = f64([0.5, -1], [2]);

test('training: the batch statistics are returned and used: y = gamma (x - mean) / sqrt(var + eps) + beta', () => {
  const epsilon = 1e-3;
  const { output, mean, variance } = batchNormalization(X, GAMMA, BETA, null, epsilon);
  assertClose(mean.dataSync(), [2, 10], { atol: 0, rtol: 0 }, 'mean');
  assertClose(variance.dataSync(), [1, 0], { atol: 0, rtol: 0 }, 'variance');
  const scale = 2 / Math.sqrt(1 + epsilon);
  assertClose(output.dataSync(), [0.5 - scale, -1, 0.5 + scale, -1], { atol: 1e-15, rtol: 1e-14 }, 'output');
  assert.deepEqual(output.shape, [2, 1, 1, 2]);
});

test('inference: the statistics given are used as they are, and handed back', () => {
  const mean = f64([0, 8], [2]);
  const variance = f64([3, 4], [2]);
  const result = batchNormalization(X, GAMMA, BETA, { mean, variance }, 1);
  // channel 0: 2 x / sqrt(4) + 0.5 = x + 0.5; channel 1: (x - 8) / sqrt(5) - 1
  const second = 2 / Math.sqrt(5) - 1;
  assertClose(result.output.dataSync(), [1.5, second, 3.5, second], { atol: 1e-15, rtol: 1e-14 }, 'output');
  assert.equal(result.mean, mean);
  assert.equal(result.variance, variance);
});

test('a gamma or statistic of the wrong length is a ShapeError; epsilon 0 a ValueError', () => {
  assertThrowsWith(
    () => batchNormalization(X, f64([1, 1, 1], [3]), BETA, null, 1e-3, 'bn'),
    ShapeError,
    'bn: gamma has shape 3 but the input 2x1x1x2 has 2 channels',
  );
  assertThrowsWith(
    () => batchNormalization(X, GAMMA, BETA, { mean: f64([0], [1]), variance: f64([1, 1], [2]) }, 1e-3),
    ShapeError,
    'batchNormalization: mean has shape 1',
  );
  assertThrowsWith(
    () => batchNormalization(X, GAMMA, BETA, null, 0),
    ValueError,
    'batchNormalization: epsilon must be positive, got 0',
  );
});
