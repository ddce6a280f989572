// Hand-worked cases of the ChannelShuffle reference kernel (src/kernels/js/channelShuffle.ts): output
// channel j * groups + g is input channel g * groupSize + j, at every pixel. Pure data movement: exact.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { channelShuffle } from '../../../src/kernels/js/channelShuffle.js';
import { f64 } from './referenceCases.js';

describe('ChannelShuffle reference kernel, by hand', () => {
  test('2 groups of 3: [0, 1, 2 | 3, 4, 5] becomes [0, 3, 1, 4, 2, 5] in each of 2 rows', () => {
    const output = new Float64Array(12);
    channelShuffle(f64([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]), output, { rows: 2, groups: 2, groupSize: 3 });
    assert.deepEqual([...output], [0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
  });

  test('3 groups of 2 undo 2 groups of 3, and 1 group is the identity', () => {
    const shuffled = f64([0, 3, 1, 4, 2, 5]);
    const restored = new Float64Array(6);
    channelShuffle(shuffled, restored, { rows: 1, groups: 3, groupSize: 2 });
    assert.deepEqual([...restored], [0, 1, 2, 3, 4, 5]);
    const same = new Float64Array(6);
    channelShuffle(shuffled, same, { rows: 1, groups: 1, groupSize: 6 });
    assert.deepEqual([...same], [0, 3, 1, 4, 2, 5]);
  });
});
