// Softmax (src/layers/softmax.ts): exp(x_i) / sum_j exp(x_j) over each vector; feature maps are a ShapeError
// that suggests Flatten and Dense.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Input, ShapeError, Softmax } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, float64, sequential } from './layerCases.js';

describe('Softmax', () => {
  test('[0, ln 3] gives [1/4, 3/4] and [5, 5] gives [1/2, 1/2]; the shape is unchanged; config round trip', () => {
    const layer = new Softmax({ name: 'probabilities' });
    assert.deepEqual(layer.computeOutputShape([10]), [10]);
    const output = layer.call(float64([0, Math.log(3), 5, 5], [2, 2]));
    assert.deepEqual(output.shape, [2, 2]);
    assertClose(output.dataSync(), [0.25, 0.75, 0.5, 0.5], { atol: 1e-15, rtol: 1e-15 }, 'softmax');
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), { name: 'probabilities' });
  });

  test('Softmax on feature maps is rejected and suggests Flatten and Dense', () => {
    assertThrowsWith(
      () => sequential(new Input({ shape: [4, 4, 1] }), new Softmax()),
      ShapeError,
      'Softmax',
      '4x4x1',
      'Flatten',
    );
  });
});
