// Grid pictures (src/visualize/grid.ts): the picture's size from columns, rows, tiles, scale and gaps,
// and each value's color filling its square at its tile position, gaps keeping the background.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drawGrid, grayMap, gridSize, ValueError } from '../../src/index.js';
import { pixel } from './pixels.js';

describe('grid pictures', () => {
  test('size is columns * tileWidth * scale + (columns + 1) * gap, likewise for rows', () => {
    assert.deepEqual(gridSize({ tiles: 5, tileHeight: 3, tileWidth: 4, columns: 2, scale: 2, gap: 1 }), {
      width: 2 * 8 + 3,
      height: 3 * 6 + 4,
    });
    assert.deepEqual(gridSize({ tiles: 1, tileHeight: 7, tileWidth: 7, columns: 1, scale: 1, gap: 0 }), {
      width: 7,
      height: 7,
    });
  });

  test('each value fills a scale x scale square at its tile position; gaps keep the background', () => {
    // Two 1x2 tiles side by side: values 0, 1 then 0.5, 0.25.
    const values = [
      [0, 1],
      [0.5, 0.25],
    ];
    const image = drawGrid(
      { tiles: 2, tileHeight: 1, tileWidth: 2, columns: 2, scale: 2, gap: 1 },
      (tile, _y, x) => values[tile]![x]!,
      grayMap,
      0.85,
    );
    assert.equal(image.width, 2 * 4 + 3);
    assert.equal(image.height, 2 + 2);
    assert.deepEqual(
      pixel(image, 0, 0).map((v) => Math.round(v * 100) / 100),
      [0.85, 0.85, 0.85],
    );
    assert.deepEqual(pixel(image, 1, 1), [0, 0, 0]);
    assert.deepEqual(pixel(image, 2, 2), [0, 0, 0]);
    assert.deepEqual(pixel(image, 3, 1), [1, 1, 1]);
    assert.deepEqual(pixel(image, 6, 1), [0.5, 0.5, 0.5]);
    assert.deepEqual(pixel(image, 8, 2), [0.25, 0.25, 0.25]);
    assert.throws(
      () => drawGrid({ tiles: 0, tileHeight: 1, tileWidth: 1, columns: 1, scale: 1, gap: 0 }, () => 0, grayMap),
      ValueError,
    );
  });
});
