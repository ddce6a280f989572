// AvgPool2D (src/layers/avgPool2d.ts): the mean of each window; by default 2x2 windows with stride 2. A window
// larger than the map is a ShapeError showing the output-size formula with the numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AvgPool2D, Input, Sequential, ShapeError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64, INFERENCE } from './layerCases.js';

describe('AvgPool2D', () => {
  test('the 4x4 map 1..16 pooled 2x2, stride 2, gives [3.5, 5.5, 11.5, 13.5]; config round trip', () => {
    const layer = new AvgPool2D({ name: 'pool' });
    assert.deepEqual(layer.computeOutputShape([4, 4, 1]), [2, 2, 1]);
    const values = Array.from({ length: 16 }, (_, index) => index + 1);
    const output = layer.call(float64(values, [1, 4, 4, 1]), INFERENCE);
    assertClose(output.dataSync(), [3.5, 5.5, 11.5, 13.5], { atol: 0, rtol: 0 }, 'window means');
    assertConfigRoundTrip(layer);
    assertConfigRoundTrip(new AvgPool2D({ poolSize: 3, strides: 1, padding: 'same', countIncludePad: true }));
  });

  test('AvgPool2D larger than the map shows the output-size formula', () => {
    assertThrowsWith(
      () => new Sequential([new Input({ shape: [3, 3, 1] }), new AvgPool2D({ poolSize: 4, name: 'wide' })]),
      ShapeError,
      "AvgPool2D 'wide'",
      '4x4',
      '3x3',
      '(3 - 4 + 2*0) / 4 + 1',
    );
  });
});
