// ChannelShuffle (src/layers/channelShuffle.ts): ShuffleNet's channel shuffle, channels viewed as
// [groups, C / groups] and transposed; groups that do not divide the channels are a ShapeError.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelShuffle, ShapeError, ValueError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64 } from './layerCases.js';

describe('ChannelShuffle', () => {
  test('2 groups of 4 channels [0, 1, 2, 3] give [0, 2, 1, 3] at each pixel; the shape is unchanged', () => {
    const layer = new ChannelShuffle({ name: 'shuffle', groups: 2 });
    assert.deepEqual(layer.computeOutputShape([3, 3, 4]), [3, 3, 4]);
    const output = layer.call(float64([0, 1, 2, 3, 10, 11, 12, 13], [1, 1, 2, 4]));
    assert.deepEqual(output.shape, [1, 1, 2, 4]);
    assert.deepEqual([...output.dataSync()], [0, 2, 1, 3, 10, 12, 11, 13]);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'shuffle', groups: 2 });
  });

  test('3 groups of 4 channels: a ShapeError naming the layer, the counts and the shape; 0 groups a ValueError', () => {
    assertThrowsWith(
      () => new ChannelShuffle({ name: 'shuffle', groups: 3 }).computeOutputShape([2, 2, 4]),
      ShapeError,
      "ChannelShuffle 'shuffle'",
      '3 groups',
      '4 channels',
      '2x2x4',
    );
    assertThrowsWith(() => new ChannelShuffle({ groups: 0 }), ValueError, 'ChannelShuffle groups');
  });
});
