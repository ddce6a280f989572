// LayerNormalization (src/layers/layerNormalization.ts): a model file round trip, its config and its errors.
// The op's hand-worked values and argument checks are in test/ops/layerNorm.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  LayerNormalization,
  layerNormalization,
  Conv2D,
  ShapeError,
  Input,
  loadModel,
  Random,
  saveModel,
  Sequential,
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

describe('LayerNormalization', () => {
  test('a model with it saves and loads to the same predictions; config; errors', () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 4, 3] }),
        new Conv2D({ filters: 6, kernelSize: 3 }),
        new LayerNormalization({ epsilon: 1e-6, name: 'ln' }),
      ],
      { seed: 1510 },
    );
    const x = randomImages(2, [5, 4, 3], 1511);
    const directory = join(scratch, 'layerNorm');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
    assert.deepEqual(loaded.layers[2]!.getConfig(), { name: 'ln', epsilon: 1e-6 });
    assertThrowsWith(() => new LayerNormalization({ epsilon: 0 }), ValueError, 'LayerNormalization epsilon');
    assertThrowsWith(
      () => layerNormalization(Tensor.zeros([2, 3]), Tensor.zeros([4]), Tensor.zeros([3])),
      ShapeError,
      'gamma',
      '4',
      '2x3',
    );
  });
});
