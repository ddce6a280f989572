// The layer normalization op (src/ops/layerNorm.ts): hand-worked values over the last axis in float64 and
// float32, the shapes it keeps, and its argument checks (gamma and beta shapes, epsilon, dtypes) naming the
// op or the layer that called it, the argument and the values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { layerNormalization, ShapeError, Tensor, ValueError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

describe('layerNormalization by hand', () => {
  test('hand-worked: the channels [1, 2, 3] and [4, 4, 4] of two pixels, gamma [1, 2, 3], beta [0, 1, 0]', () => {
    const x = Tensor.fromArray([1, 2, 3, 4, 4, 4], [1, 1, 2, 3], 'float64');
    const gamma = Tensor.fromArray([1, 2, 3], [3], 'float64');
    const beta = Tensor.fromArray([0, 1, 0], [3], 'float64');
    // Mean 2, variance 2/3: (x - 2) / sqrt(2/3 + 1e-5); a constant pixel normalizes to 0 (beta).
    const scale = 1 / Math.sqrt(2 / 3 + 1e-5);
    assertClose(
      layerNormalization(x, gamma, beta).dataSync(),
      [-scale, 1, 3 * scale, 0, 1, 0],
      { atol: 1e-12, rtol: 0 },
      'layer norm',
    );
  });

  test('a float32 [2, 2] input: each row normalized on its own, a constant row to beta', () => {
    // Row [0, 2]: mean 1, variance 1; row [5, 5]: variance 0, so (x - mean) is 0 and the output is beta.
    const y = layerNormalization(
      Tensor.fromArray([0, 2, 5, 5], [2, 2]),
      Tensor.fromArray([1, 1], [2]),
      Tensor.fromArray([0, 0.5], [2]),
    );
    assert.deepEqual(y.shape, [2, 2]);
    assert.equal(y.dtype, 'float32');
    const scale = 1 / Math.sqrt(1 + 1e-5);
    assertClose(y.dataSync(), [-scale, scale + 0.5, 0, 0.5], { atol: 1e-6, rtol: 1e-6 }, 'float32 layer norm');
  });
});

describe('layerNormalization checks its arguments', () => {
  const x = Tensor.zeros([2, 3]);
  const three = Tensor.zeros([3]);

  test('gamma or beta without one value per channel is a ShapeError naming both shapes', () => {
    assertThrowsWith(
      () => layerNormalization(x, Tensor.zeros([4]), three),
      ShapeError,
      'layerNormalization: gamma has shape 4 but the input 2x3 has 3 channels',
    );
    assertThrowsWith(
      () => layerNormalization(x, three, Tensor.zeros([1, 3])),
      ShapeError,
      'layerNormalization: beta has shape 1x3 but the input 2x3 has 3 channels',
    );
    assertThrowsWith(
      () => layerNormalization(x, Tensor.zeros([2]), three, 1e-5, "LayerNormalization 'ln'"),
      ShapeError,
      "LayerNormalization 'ln': gamma",
    );
  });

  test('epsilon not positive is a ValueError; mixed dtypes too', () => {
    for (const epsilon of [0, -1e-5, Number.NaN]) {
      assertThrowsWith(
        () => layerNormalization(x, three, three, epsilon),
        ValueError,
        `layerNormalization: epsilon must be positive, got ${epsilon}`,
      );
    }
    assertThrowsWith(
      () => layerNormalization(x, Tensor.zeros([3], 'float64'), three),
      ValueError,
      'layerNormalization: mixed dtypes float32 and float64',
    );
  });
});
