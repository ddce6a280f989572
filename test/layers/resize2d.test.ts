// Resize2D and resize2d: hand-worked values for nearest (PyTorch's asymmetric + floor, ONNX's
// half_pixel + round_prefer_floor when shrinking) and bilinear (align_corners, half_pixel: PyTorch's
// F.interpolate results), the gradient's scatter by hand, config round trips through the layer
// table, a model file round trip, the summary's shapes, and argument errors.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  Conv2D,
  GradientTape,
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

const EXACT = { atol: 1e-12, rtol: 0 };
/** A [1, 2, 2, 1] image [[1, 2], [3, 4]] in float64. */
const square = () => Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1], 'float64');

describe('resize2d: hand-worked values', () => {
  test('nearest x2 (PyTorch nn.Upsample): each pixel becomes a 2x2 block', () => {
    const y = resize2d(square(), { scale: 2 });
    assert.deepEqual(y.shape, [1, 4, 4, 1]);
    assertClose(y.dataSync(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], EXACT, 'nearest x2');
  });

  test('bilinear align_corners 2x2 -> 3x3: corners kept, midpoints averaged', () => {
    const y = resize2d(square(), { mode: 'bilinear', size: [3, 3], coordinates: 'align_corners' });
    assertClose(y.dataSync(), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], EXACT, 'align_corners');
  });

  test('bilinear half_pixel x2 (PyTorch align_corners=False): weights 0, 1/4, 3/4, 1 along each axis', () => {
    const y = resize2d(square(), { mode: 'bilinear', scale: 2 });
    const expected = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    assertClose(y.dataSync(), expected, EXACT, 'half_pixel');
  });

  test('nearest half_pixel round_prefer_floor 1x4 -> 1x2 (ONNX default): coordinates 0.5 and 2.5 round down', () => {
    const y = resize2d(Tensor.fromArray([0, 1, 2, 3], [1, 1, 4, 1], 'float64'), {
      size: [1, 2],
      coordinates: 'half_pixel',
      nearestRounding: 'round_prefer_floor',
    });
    assertClose(y.dataSync(), [0, 2], EXACT, 'round_prefer_floor');
    const ceil = resize2d(Tensor.fromArray([0, 1, 2, 3], [1, 1, 4, 1], 'float64'), {
      size: [1, 2],
      coordinates: 'half_pixel',
      nearestRounding: 'round_prefer_ceil',
    });
    assertClose(ceil.dataSync(), [1, 3], EXACT, 'round_prefer_ceil');
  });

  test('channels interpolate independently; batch images stay apart', () => {
    const x = Tensor.fromArray([1, 10, 2, 20, 5, 50, 6, 60], [2, 1, 2, 2], 'float64');
    const y = resize2d(x, { mode: 'bilinear', size: [1, 3], coordinates: 'align_corners' });
    assertClose(y.dataSync(), [1, 10, 1.5, 15, 2, 20, 5, 50, 5.5, 55, 6, 60], EXACT, 'two channels, two images');
  });

  test('the gradient scatters dOut with the interpolation weights: align_corners 1x2 -> 1x3 gives [1.5, 1.5]', () => {
    const x = Tensor.fromArray([3, 7], [1, 1, 2, 1], 'float64');
    const tape = new GradientTape([x]);
    const y = tape.run(() => resize2d(x, { mode: 'bilinear', size: [1, 3], coordinates: 'align_corners' }));
    const [dInput] = tape.gradient(y, [x], Tensor.fromArray([1, 1, 1], [1, 1, 3, 1], 'float64'));
    assertClose(dInput!.dataSync(), [1.5, 1.5], EXACT, 'dInput');
    const nearest = new GradientTape([x]);
    const z = nearest.run(() => resize2d(x, { scale: 2 }));
    const [dNearest] = nearest.gradient(z, [x], Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1], 'float64'));
    assertClose(
      dNearest!.dataSync(),
      [1 + 2 + 5 + 6, 3 + 4 + 7 + 8],
      EXACT,
      'nearest dInput: the sum of each 2x2 block',
    );
  });
});

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
