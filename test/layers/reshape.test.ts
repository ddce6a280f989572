// Reshape (src/layers/reshape.ts): a view of each example in a new shape of the same size, one size of
// which may be -1 (inferred); the shape errors name the layer, both shapes and the number of values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Reshape, ShapeError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64 } from './layerCases.js';

describe('Reshape', () => {
  test('[3, -1, 2] on 2x3x2 infers 12 / 6 = 2; values keep their order; config round trip', () => {
    const layer = new Reshape({ name: 'view', targetShape: [3, -1, 2] });
    assert.deepEqual(layer.computeOutputShape([2, 3, 2]), [3, 2, 2]);
    assert.deepEqual(new Reshape({ targetShape: [-1] }).computeOutputShape([2, 3, 2]), [12]);
    const values = Array.from({ length: 12 }, (_, index) => index - 5);
    const output = layer.call(float64(values, [1, 2, 3, 2]));
    assert.deepEqual(output.shape, [1, 3, 2, 2]);
    assert.deepEqual([...output.dataSync()], values);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'view', targetShape: [3, -1, 2] });
  });

  test('a size that does not divide, a rank of 2 and two -1 are ShapeErrors naming the layer and the shapes', () => {
    assertThrowsWith(
      () => new Reshape({ name: 'odd', targetShape: [5, -1, 1] }).computeOutputShape([2, 3, 2]),
      ShapeError,
      "Reshape 'odd'",
      '2x3x2',
      '12 values',
      '5x-1x1',
    );
    assertThrowsWith(() => new Reshape({ targetShape: [4, 3] }), ShapeError, 'Reshape: targetShape', '[4, 3]');
    assertThrowsWith(() => new Reshape({ targetShape: [-1, -1, 3] }), ShapeError, 'Reshape: targetShape');
  });
});
