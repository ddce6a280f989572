// The activation layers HardSigmoid and HardSwish (src/layers/activations.ts): hand-worked values, float32
// against float64, config round trips and defaults, a model file round trip, and argument errors.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Conv2D,
  HardSigmoid,
  hardSigmoid,
  HardSwish,
  hardSwish,
  Input,
  type Layer,
  layerFromConfig,
  loadModel,
  Random,
  saveModel,
  Sequential,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

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

describe('HardSigmoid and HardSwish', () => {
  test('hand-worked values (float64, exact to 1e-15)', () => {
    const x = Tensor.fromArray([-4, -3, -2.5, -1, 0, 1, 2.5, 3, 4], [9], 'float64');
    const expectedOnnx = [0, 0, 0, 0.3, 0.5, 0.7, 1, 1, 1];
    const expectedTorch = [0, 0, 1 / 12, 1 / 3, 0.5, 2 / 3, 11 / 12, 1, 1];
    const expectedSwish = [-0, -0, -2.5 / 12, -1 / 3, 0, 2 / 3, (2.5 * 11) / 12, 3, 4];
    assertClose(hardSigmoid(x).dataSync(), expectedOnnx, { atol: 1e-15, rtol: 0 }, 'hardSigmoid 0.2');
    assertClose(hardSigmoid(x, 1 / 6, 0.5).dataSync(), expectedTorch, { atol: 1e-15, rtol: 0 }, 'hardSigmoid 1/6');
    assertClose(hardSwish(x).dataSync(), expectedSwish, { atol: 1e-15, rtol: 0 }, 'hardSwish');
    assert.ok(Number.isNaN(hardSwish(Tensor.fromArray([NaN], [1])).dataSync()[0]!), 'NaN stays NaN');
    assert.ok(Number.isNaN(hardSigmoid(Tensor.fromArray([NaN], [1])).dataSync()[0]!), 'NaN stays NaN');
  });

  test('float32 values match float64 within 1e-6', () => {
    const x = randomImages(2, [3, 3, 5], 1420);
    const x64 = Tensor.fromArray(Float64Array.from(x.dataSync()), x.shape);
    assertClose(hardSwish(x).dataSync(), hardSwish(x64).dataSync(), { atol: 1e-6, rtol: 1e-6 }, 'hardSwish float32');
    assertClose(
      hardSigmoid(x).dataSync(),
      hardSigmoid(x64).dataSync(),
      { atol: 1e-6, rtol: 1e-6 },
      'hardSigmoid float32',
    );
  });

  test('config round trips and defaults', () => {
    const layers: Layer[] = [
      new HardSigmoid({ name: 'gate', alpha: 1 / 6 }),
      new HardSigmoid(),
      new HardSwish({ name: 'hs' }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const copy = layerFromConfig(layer.className, config);
      assert.deepEqual(copy.getConfig(), layer.getConfig(), layer.className);
    }
    assert.deepEqual(new HardSigmoid({ name: 'h' }).getConfig(), { name: 'h', alpha: 0.2, beta: 0.5 });
  });

  test('a model with both saves and loads to the same predictions', () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 5, 3] }),
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
        new HardSwish(),
        new HardSigmoid({ alpha: 1 / 6 }),
      ],
      { seed: 1421 },
    );
    const x = randomImages(2, [5, 5, 3], 1422);
    const directory = join(scratch, 'hard');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    assertClose(loaded.predict(x).dataSync(), model.predict(x).dataSync(), { atol: 0, rtol: 0 }, 'loaded predictions');
  });

  test('non-finite alpha or beta is a ValueError naming the argument', () => {
    assertThrowsWith(() => new HardSigmoid({ alpha: NaN }), ValueError, 'HardSigmoid alpha');
    assertThrowsWith(() => hardSigmoid(Tensor.zeros([2]), 0.2, Infinity), ValueError, 'hardSigmoid: beta');
  });
});
