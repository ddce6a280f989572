// GlobalAveragePooling2D (src/layers/globalAveragePooling2d.ts): the mean of each channel's map, as a vector
// or, with keepDims, as a 1x1 map; a vector input is a ShapeError naming the layer and its shape.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GlobalAveragePooling2D, ShapeError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64, INFERENCE } from './layerCases.js';

const EXACT = { atol: 0, rtol: 0 };

describe('GlobalAveragePooling2D', () => {
  test('a 2x2 map of 2 channels [1..4] and [10..40] gives [2.5, 25]; keepDims gives 1x1x2; configs', () => {
    const input = float64([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const layer = new GlobalAveragePooling2D({ name: 'gap' });
    assert.deepEqual(layer.computeOutputShape([5, 6, 3]), [3]);
    const output = layer.call(input, INFERENCE);
    assert.deepEqual(output.shape, [1, 2]);
    assertClose(output.dataSync(), [2.5, 25], EXACT, 'means');
    const kept = new GlobalAveragePooling2D({ name: 'kept', keepDims: true });
    assert.deepEqual(kept.computeOutputShape([5, 6, 3]), [1, 1, 3]);
    const keptOutput = kept.call(input, INFERENCE);
    assert.deepEqual(keptOutput.shape, [1, 1, 1, 2]);
    assertClose(keptOutput.dataSync(), [2.5, 25], EXACT, 'kept means');
    assertConfigRoundTrip(layer);
    assertConfigRoundTrip(kept);
    assert.deepEqual(layer.getConfig(), { name: 'gap' });
    assert.deepEqual(kept.getConfig(), { name: 'kept', keepDims: true });
  });

  test('a vector of 12 features is a ShapeError naming the layer and the shape', () => {
    assertThrowsWith(
      () => new GlobalAveragePooling2D({ name: 'gap' }).computeOutputShape([12]),
      ShapeError,
      "GlobalAveragePooling2D 'gap'",
      'height x width x channels',
      'got 12',
    );
  });
});
