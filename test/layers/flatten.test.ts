// Flatten (src/layers/flatten.ts): an image of height x width x channels becomes one vector of that many
// features, in NHWC order; its config holds the name alone.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Flatten } from '../../src/index.js';
import { assertConfigRoundTrip, float64 } from './layerCases.js';

describe('Flatten', () => {
  test('output shape H * W * C, values in NHWC order per example, config round trip', () => {
    const layer = new Flatten({ name: 'flat' });
    assert.deepEqual(layer.computeOutputShape([3, 4, 5]), [60]);
    // Two 1x2x2 images with 2 channels; each row keeps its own 8 values in storage order.
    const values = Array.from({ length: 16 }, (_, index) => index);
    const output = layer.call(float64(values, [2, 2, 2, 2]));
    assert.deepEqual(output.shape, [2, 8]);
    assert.deepEqual([...output.dataSync()], values);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'flat' });
  });
});
