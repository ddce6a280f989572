// ChannelSlice (src/layers/channelSlice.ts): channels [start, end) of every pixel; a range past the last
// channel is a ShapeError naming the layer, the range and the shape.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelSlice, ShapeError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64 } from './layerCases.js';

describe('ChannelSlice', () => {
  test('channels [1, 3) of two pixels [0, 1, 2, 3] and [10, 11, 12, 13] are [1, 2, 11, 12]', () => {
    const layer = new ChannelSlice({ name: 'middle', start: 1, end: 3 });
    assert.deepEqual(layer.computeOutputShape([5, 6, 4]), [5, 6, 2]);
    const output = layer.call(float64([0, 1, 2, 3, 10, 11, 12, 13], [1, 1, 2, 4]));
    assert.deepEqual(output.shape, [1, 1, 2, 2]);
    assert.deepEqual([...output.dataSync()], [1, 2, 11, 12]);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'middle', start: 1, end: 3 });
  });

  test('channels [2, 6) of 4 are a ShapeError naming the layer, the range and the shape', () => {
    assertThrowsWith(
      () => new ChannelSlice({ name: 'late', start: 2, end: 6 }).computeOutputShape([3, 3, 4]),
      ShapeError,
      "ChannelSlice 'late'",
      '[2, 6)',
      '4 channels',
      '3x3x4',
    );
  });
});
