// MaxPool2D (src/layers/maxPool2d.ts): the largest value of each window; by default 2x2 windows with stride 2.
// A map too small for the window is a ShapeError showing the output-size formula with floor and the numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Input, MaxPool2D, ShapeError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64, INFERENCE, sequential } from './layerCases.js';

describe('MaxPool2D', () => {
  test('the 4x4 map 1..16 pooled 2x2, stride 2, gives [6, 8, 14, 16]; 5x7x3 gives 2x3x3; config round trip', () => {
    const layer = new MaxPool2D({ name: 'pool' });
    assert.deepEqual(layer.computeOutputShape([5, 7, 3]), [2, 3, 3]);
    const values = Array.from({ length: 16 }, (_, index) => index + 1);
    const output = layer.call(float64(values, [1, 4, 4, 1]), INFERENCE);
    assert.deepEqual(output.shape, [1, 2, 2, 1]);
    assert.deepEqual([...output.dataSync()], [6, 8, 14, 16]);
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'pool', poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
  });

  test('a pooling layer after the map has shrunk to 1x1 shows the formula with floor for a stride of 2', () => {
    assertThrowsWith(
      () =>
        sequential(new Input({ shape: [4, 4, 1] }), new MaxPool2D(), new MaxPool2D(), new MaxPool2D({ name: 'third' })),
      ShapeError,
      "MaxPool2D 'third'",
      '1x1',
      '(1 - 2 + 2*0) / 2 + 1 = floor(-1 / 2) + 1 = 0',
    );
  });
});
