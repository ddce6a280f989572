// Channel data movement ops (src/ops/channelOps.ts) on hand-worked values: a slice of the last axis and
// its gradient scattered back into zeros, ShuffleNet's channel shuffle and its inverse (the gradient),
// and the argument checks with errors naming the op and the values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelShuffle, ShapeError, sliceChannels, Tensor, ValueError } from '../../src/index.js';
import { channelShuffleGrad, sliceChannelsGrad } from '../../src/ops/channelOps.js';
import { assertThrowsWith } from '../helpers.js';

// [1, 1, 2, 4]: two positions of four channels, values 0..7.
const X = Tensor.fromArray([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 2, 4]);

test('sliceChannels [1, 3) keeps channels 1 and 2 of every position; its gradient lands there in zeros', () => {
  const slice = sliceChannels(X, 1, 3);
  assert.deepEqual(slice.shape, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(slice.dataSync()), [1, 2, 5, 6]);
  const dOut = Tensor.fromArray([10, 20, 30, 40], [1, 1, 2, 2]);
  assert.deepEqual(Array.from(sliceChannelsGrad(dOut, X, { start: 1 }).dataSync()), [0, 10, 20, 0, 0, 30, 40, 0]);
});

test('a slice outside the channels or empty is a ValueError naming the range and the channels', () => {
  for (const [start, end] of [
    [2, 2],
    [-1, 2],
    [3, 5],
    [0.5, 2],
  ] as const) {
    assertThrowsWith(
      () => sliceChannels(X, start, end),
      ValueError,
      `sliceChannels: channels [${start}, ${end}) must be whole numbers with 0 <= start < end <= 4 ` +
        "(the input's channels)",
    );
  }
});

test('channelShuffle with 2 groups of 3: [a0 a1 a2 b0 b1 b2] -> [a0 b0 a1 b1 a2 b2]; the gradient undoes it', () => {
  const x = Tensor.fromArray([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [2, 6]);
  const shuffled = channelShuffle(x, 2);
  assert.deepEqual(Array.from(shuffled.dataSync()), [0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
  const back = channelShuffleGrad(shuffled, { rows: 2, groups: 2, groupSize: 3 });
  assert.deepEqual(Array.from(back.dataSync()), Array.from(x.dataSync()));
  // 3 groups of 2: [a0 a1 b0 b1 c0 c1] -> [a0 b0 c0 a1 b1 c1]; 1 group or 6 groups leave it unchanged.
  assert.deepEqual(Array.from(channelShuffle(x, 3).dataSync()).slice(0, 6), [0, 2, 4, 1, 3, 5]);
  assert.deepEqual(Array.from(channelShuffle(x, 1).dataSync()), Array.from(x.dataSync()));
  assert.deepEqual(Array.from(channelShuffle(x, 6).dataSync()), Array.from(x.dataSync()));
});

test('groups that do not divide the channels are a ShapeError; groups not a positive whole number a ValueError', () => {
  assertThrowsWith(
    () => channelShuffle(X, 3),
    ShapeError,
    'channelShuffle: 3 groups do not divide the 4 channels of 1x1x2x4',
  );
  assertThrowsWith(
    () => channelShuffle(X, 0),
    ValueError,
    'channelShuffle: groups must be a positive whole number, got 0',
  );
  assertThrowsWith(() => channelShuffle(X, 1.5), ValueError, 'got 1.5');
});
