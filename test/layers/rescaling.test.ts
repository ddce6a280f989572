// Rescaling (src/layers/rescaling.ts): x * scale + offset, with one constant or one per channel (the last
// axis); a list whose length is not the channel count is a ValueError naming the layer and both counts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rescaling, ValueError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64 } from './layerCases.js';

const EXACT = { atol: 0, rtol: 0 };

describe('Rescaling', () => {
  test('one scale and offset: [0, 2, 4, 255] * 0.5 - 1 = [-1, 0, 1, 126.5]; the shape is unchanged', () => {
    const layer = new Rescaling({ name: 'unit', scale: 0.5, offset: -1 });
    assert.deepEqual(layer.computeOutputShape([2, 2, 1]), [2, 2, 1]);
    assertClose(layer.call(float64([0, 2, 4, 255], [1, 2, 2, 1])).dataSync(), [-1, 0, 1, 126.5], EXACT, 'rescaled');
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'unit', scale: 0.5, offset: -1 });
  });

  test('per channel: scale [1, 10] and offset [0, 1] on two pixels [3, 4] and [5, 6] give [3, 41, 5, 61]', () => {
    const layer = new Rescaling({ name: 'rgb', scale: [1, 10], offset: [0, 1] });
    assertClose(layer.call(float64([3, 4, 5, 6], [1, 1, 2, 2])).dataSync(), [3, 41, 5, 61], EXACT, 'rescaled');
    assertConfigRoundTrip(layer);
  });

  test('three scales for two channels and a non-finite offset are ValueErrors naming the values', () => {
    assertThrowsWith(
      () => new Rescaling({ name: 'rgb', scale: [1, 2, 3] }).computeOutputShape([4, 4, 2]),
      ValueError,
      "Rescaling 'rgb'",
      'scale has 3 values',
      '2 channels',
    );
    assertThrowsWith(() => new Rescaling({ scale: 1, offset: Number.NaN }), ValueError, 'Rescaling offset', 'NaN');
  });
});
