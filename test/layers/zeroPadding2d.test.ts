// ZeroPadding2D (src/layers/zeroPadding2d.ts): zeros around each map, n on every side, [padH, padW] or
// [top, bottom, left, right]; the output is inH + padTop + padBottom by inW + padLeft + padRight.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShapeError, ValueError, ZeroPadding2D } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64, INFERENCE } from './layerCases.js';

describe('ZeroPadding2D', () => {
  test('padding 2 on 4x5x3 gives 8x9x3; padding 1 puts a pixel at the centre of a 3x3 map', () => {
    const layer = new ZeroPadding2D({ name: 'pad', padding: 2 });
    assert.deepEqual(layer.computeOutputShape([4, 5, 3]), [8, 9, 3]);
    const output = new ZeroPadding2D().call(float64([5], [1, 1, 1, 1]), INFERENCE);
    assert.deepEqual(output.shape, [1, 3, 3, 1]);
    assert.deepEqual([...output.dataSync()], [0, 0, 0, 0, 5, 0, 0, 0, 0]);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'pad', padding: 2 });
  });

  test('[top 1, bottom 0, left 0, right 2] on a 1x2 map [1, 2]: 2x4 with the values at row 1, columns 0-1', () => {
    const layer = new ZeroPadding2D({ name: 'skewed', padding: [1, 0, 0, 2] });
    assert.deepEqual(layer.computeOutputShape([1, 2, 1]), [2, 4, 1]);
    assert.deepEqual([...layer.call(float64([1, 2], [1, 1, 2, 1]), INFERENCE).dataSync()], [0, 0, 0, 0, 1, 2, 0, 0]);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'skewed', padding: [1, 0, 0, 2] });
  });

  test('a vector input is a ShapeError naming the layer and its shape; a negative padding is a ValueError', () => {
    assertThrowsWith(
      () => new ZeroPadding2D({ name: 'pad' }).computeOutputShape([12]),
      ShapeError,
      "ZeroPadding2D 'pad'",
      'got 12',
    );
    assertThrowsWith(() => new ZeroPadding2D({ padding: -1 }), ValueError, 'ZeroPadding2D');
  });
});
