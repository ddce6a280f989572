// The Resize2D layer (src/layers/resize2d.ts): config round trips through the layer table, a model file
// round trip, the summary's shapes, and argument errors. The op's hand-worked values are in
// test/ops/resize2d.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Conv2D,
  Input,
  layerFromConfig,
  loadModel,
  Random,
  Resize2D,
  resize2d,
  saveModel,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'convnet-resize-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('Resize2D layer', () => {
  test("configs round trip through the layer table; defaults are PyTorch's", () => {
    assert.deepEqual(new Resize2D({ name: 'up', scale: 2 }).getConfig(), {
      name: 'up',
      mode: 'nearest',
      coordinates: 'asymmetric',
      nearestRounding: 'floor',
      scale: 2,
    });
    assert.equal(new Resize2D({ mode: 'bilinear', size: [8, 6] }).coordinates, 'half_pixel');
    for (const layer of [
      new Resize2D({ scale: [2, 3] }),
      new Resize2D({ mode: 'bilinear', size: [7, 5], coordinates: 'align_corners' }),
      new Resize2D({ scale: 0.5, coordinates: 'half_pixel', nearestRounding: 'round_prefer_ceil' }),
    ]) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      assert.deepEqual(layerFromConfig(layer.className, config).getConfig(), layer.getConfig());
    }
  });

  test('a model with it saves, loads to the same predictions, and its summary shows the sizes', () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 7, 3] }),
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
        new Resize2D({ mode: 'bilinear', size: [9, 4] }),
        new Resize2D({ scale: 2 }),
      ],
      { seed: 1450 },
    );
    const random = new Random(1451);
    const x = Tensor.fromArray(
      Array.from({ length: 2 * 5 * 7 * 3 }, () => random.uniform()),
      [2, 5, 7, 3],
    );
    const y = model.predict(x);
    assert.deepEqual(y.shape, [2, 18, 8, 4]);
    const summary = model.summary();
    assert.match(summary, /bilinear 5x7 -> 9x4/);
    assert.match(summary, /nearest 9x4 -> 18x8/);
    const directory = join(scratch, 'model');
    saveModel(model, directory);
    const { model: loaded } = loadModel(directory);
    assertClose(loaded.predict(x).dataSync(), y.dataSync(), { atol: 0, rtol: 0 }, 'loaded predictions');
  });

  test('bad options are ValueErrors naming the argument; vectors are ShapeErrors', () => {
    assertThrowsWith(() => new Resize2D(), ValueError, 'either size or scale');
    assertThrowsWith(() => new Resize2D({ size: [2, 2], scale: 2 }), ValueError, 'either size or scale');
    assertThrowsWith(() => new Resize2D({ size: [0, 2] }), ValueError, 'size must be two positive integers');
    assertThrowsWith(() => new Resize2D({ scale: -1 }), ValueError, 'scale must be positive');
    assertThrowsWith(
      () => new Resize2D({ scale: 2, mode: 'cubic' as 'nearest' }),
      ValueError,
      "mode must be 'nearest' or 'bilinear'",
    );
    assertThrowsWith(
      () => new Resize2D({ scale: 2, coordinates: 'tf_crop_and_resize' as 'half_pixel' }),
      ValueError,
      'coordinates must be one of',
    );
    assertThrowsWith(() => resize2d(Tensor.zeros([1, 2, 2, 1]), { scale: 0.1 }), ValueError, 'leaves no pixels');
    assertThrowsWith(() => new Resize2D({ scale: 2 }).computeOutputShape([4]), ShapeError, "Resize2D '");
  });
});
