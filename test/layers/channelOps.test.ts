// ChannelSlice and ChannelShuffle (src/layers/channelSlice.ts, channelShuffle.ts): hand-worked values,
// the shuffle's inverse, a ShuffleNetV2 unit saved and loaded, config round trips and errors.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ChannelShuffle,
  channelShuffle,
  ChannelSlice,
  Concatenate,
  sliceChannels,
  Conv2D,
  Model,
  ShapeError,
  HardSwish,
  Input,
  layerFromConfig,
  loadModel,
  Random,
  saveModel,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-mobile-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function randomImages(count: number, shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = count * shape.reduce((product, dimension) => product * dimension, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform() * 8 - 4),
    [count, ...shape],
  );
}

describe('ChannelSlice and ChannelShuffle', () => {
  test('hand-worked values: a slice of channels, a shuffle of 2 groups of 3, and its inverse (3 groups of 2)', () => {
    const x = Tensor.fromArray([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [1, 2, 1, 6]);
    assert.deepEqual(Array.from(sliceChannels(x, 1, 4).dataSync()), [1, 2, 3, 11, 12, 13]);
    assert.deepEqual(sliceChannels(x, 1, 4).shape, [1, 2, 1, 3]);
    const shuffled = channelShuffle(x, 2);
    assert.deepEqual(Array.from(shuffled.dataSync()), [0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
    assert.deepEqual(Array.from(channelShuffle(shuffled, 3).dataSync()), Array.from(x.dataSync()));
    assert.deepEqual(Array.from(channelShuffle(x, 1).dataSync()), Array.from(x.dataSync()));
  });

  test('a ShuffleNetV2 unit saves and loads to the same predictions, bit for bit; configs round-trip', () => {
    const input = new Input({ shape: [6, 6, 3] });
    const stem = new Conv2D({ filters: 8, kernelSize: 1 }).apply(input.output);
    const left = new ChannelSlice({ start: 0, end: 4 }).apply(stem);
    const right = new ChannelSlice({ start: 4, end: 8 }).apply(stem);
    const branch = new HardSwish().apply(
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 4 }).apply(right),
    );
    const joined = new ChannelShuffle({ groups: 2, name: 'shuffle' }).apply(new Concatenate().apply([left, branch]));
    const model = new Model({ inputs: input.output, outputs: joined }, { seed: 1470 });
    const x = randomImages(2, [6, 6, 3], 1471);
    const directory = join(scratch, 'shufflenet');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    const expected = model.predict(x);
    assert.deepEqual(expected.shape, [2, 6, 6, 8]);
    assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(expected.dataSync()));
    for (const layer of [
      new ChannelSlice({ start: 2, end: 5, name: 's' }),
      new ChannelShuffle({ groups: 3, name: 'c' }),
    ]) {
      assert.deepEqual(
        layerFromConfig(
          layer.className,
          JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>,
        ).getConfig(),
        layer.getConfig(),
      );
    }
  });

  test('errors name the layer and the values', () => {
    assertThrowsWith(() => new ChannelSlice({ start: 3, end: 3 }), ValueError, 'ChannelSlice', '[3, 3)');
    assertThrowsWith(
      () => new ChannelSlice({ start: 0, end: 9, name: 'big' }).apply(new Input({ shape: [4, 4, 3] }).output),
      ShapeError,
      "ChannelSlice 'big'",
      '3 channels',
    );
    assertThrowsWith(() => new ChannelShuffle({ groups: 0 }), ValueError, 'ChannelShuffle groups');
    assertThrowsWith(
      () => new ChannelShuffle({ groups: 2, name: 'odd' }).apply(new Input({ shape: [4, 4, 3] }).output),
      ShapeError,
      "ChannelShuffle 'odd'",
      '2 groups',
      '3 channels',
    );
    assertThrowsWith(() => sliceChannels(Tensor.zeros([1, 2, 2, 4]), 1, 5), ValueError, 'sliceChannels', '<= 4');
  });
});
