// The visualizer's pictures stay within MAX_PICTURE_PIXELS (issue 12, class 10): a scale asked for
// that would pass it is refused before anything is allocated, naming the largest that fits, and a
// default scale is lowered to fit. Every count here follows from the grid formula in grid.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  digitsCnn,
  drawGrid,
  eachFeatureMapPicture,
  featureMapPictures,
  grayMap,
  gridSize,
  Input,
  kernelPicture,
  largestGridScale,
  largestPictureScale,
  MAX_PICTURE_PIXELS,
  Sequential,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

describe('picture size bounds', () => {
  test('the limit is 4096 x 4096 pixels', () => {
    assert.equal(MAX_PICTURE_PIXELS, 16_777_216);
  });

  test('largestGridScale is the largest scale within the limit', () => {
    // 16 tiles of 28x28 in 4 columns, gap 1: (112 * scale + 5) pixels a side; 4037 fits 4096, 4149 does not.
    const layout = { tiles: 16, tileHeight: 28, tileWidth: 28, columns: 4, gap: 1 };
    assert.equal(largestGridScale(layout), 36);
    assert.ok(
      gridSize({ ...layout, scale: 36 }).width * gridSize({ ...layout, scale: 36 }).height <= MAX_PICTURE_PIXELS,
    );
    assert.ok(
      gridSize({ ...layout, scale: 37 }).width * gridSize({ ...layout, scale: 37 }).height > MAX_PICTURE_PIXELS,
    );
    // 4096 tiles of 1x1 in a row with gaps: (4096 * scale + 4097) x (scale + 2) pixels, 258,049 x 64 at
    // scale 62 (16,515,136), 262,145 x 65 at 63 (17,039,425). 16,385 tiles of 32x32 pass it at scale 1.
    assert.equal(largestGridScale({ tiles: 4096, tileHeight: 1, tileWidth: 1, columns: 4096, gap: 1 }), 62);
    assert.equal(largestGridScale({ tiles: 16_385, tileHeight: 32, tileWidth: 32, columns: 16_385, gap: 0 }), 0);
  });

  test('drawGrid refuses a picture over the limit before allocating it, naming the largest scale', () => {
    const layout = { tiles: 16, tileHeight: 28, tileWidth: 28, columns: 4, gap: 1, scale: 150 };
    assertThrowsWith(
      () => drawGrid(layout, () => 0.5, grayMap),
      ValueError,
      'drawGrid: scale 150 makes a picture of 16805x16805 pixels',
      'more than the 16777216',
      'the largest scale that fits is 36',
    );
  });

  test('kernelPicture and featureMapPictures refuse a scale over the limit, naming the layer', () => {
    const model = digitsCnn();
    assert.equal(largestPictureScale(model), 36);
    // conv2d_2's kernels [3, 3, 16, 32]: 16 columns, 32 rows of 3x3 tiles, (48s + 17) x (96s + 33): 16,230,753 pixels
    // at 59.
    assertThrowsWith(
      () => kernelPicture(model, 4, { scale: 150 }),
      ValueError,
      'kernelPicture: the kernels of layer 4 (conv2d_2): scale 150',
      'the largest scale that fits is 59',
    );
    const input = Tensor.zeros([1, 28, 28, 1]);
    assertThrowsWith(
      () => featureMapPictures(model, input, { scale: 37 }),
      ValueError,
      'featureMapPictures: the output of layer 1 (conv2d_1): scale 37',
      'the largest scale that fits is 36',
    );
    assert.equal(featureMapPictures(model, input, { scale: 36 }).length, model.layers.length);
  });

  test('eachFeatureMapPicture hands over the pictures featureMapPictures returns, in order', () => {
    const model = digitsCnn();
    const input = Tensor.zeros([1, 28, 28, 1]);
    const handed: string[] = [];
    eachFeatureMapPicture(model, input, (map) =>
      handed.push(`${map.layerName} ${map.picture.width}x${map.picture.height}`),
    );
    assert.deepEqual(
      handed,
      featureMapPictures(model, input).map((map) => `${map.layerName} ${map.picture.width}x${map.picture.height}`),
    );
    assert.equal(handed.length, model.layers.length);
  });

  test('a default scale is lowered to fit: 512 -> 512 channel kernels at scale 2, not 8', () => {
    const model = new Sequential([
      new Input({ shape: [3, 3, 1] }),
      new Conv2D({ filters: 512, kernelSize: 1 }),
      new Conv2D({ filters: 512, kernelSize: 3 }),
    ]);
    const { layout, picture } = kernelPicture(model, 2);
    // The default, 8, would make (512 * 3 * 8 + 513) = 12,801 pixels a side; 3 * 512 * 2 + 513 = 3585 fits.
    assert.equal(layout.scale, 2);
    assert.deepEqual([picture.width, picture.height], [3585, 3585]);
  });
});
