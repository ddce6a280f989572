// Input (src/layers/input.ts): declares the shape of one example, height x width x channels (1, 3 or 4
// channels, or the channels of its color model) or a vector; bad shapes and batches are ShapeErrors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Input, ShapeError, Tensor } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip } from './layerCases.js';

describe('Input', () => {
  test('its output shape is the declared shape, a batch of it passes unchanged; config round trip', () => {
    const input = new Input({ shape: [8, 8, 3], name: 'pixels' });
    assert.deepEqual(input.computeOutputShape(), [8, 8, 3]);
    const batch = Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 1, 1, 3]);
    assert.deepEqual([...new Input({ shape: [1, 1, 3] }).call(batch).dataSync()], [1, 2, 3, 4, 5, 6]);
    assertConfigRoundTrip(input);
    assertConfigRoundTrip(new Input({ shape: [20] }));
  });

  test('Input with 2 channels is rejected, naming the shape', () => {
    assertThrowsWith(() => new Input({ shape: [28, 28, 2] }), ShapeError, 'Input', '28x28x2', '2 channels');
  });

  test('Input of rank 2 or with a zero dimension is rejected', () => {
    assertThrowsWith(() => new Input({ shape: [28, 28] }), ShapeError, 'Input', '28, 28');
    assertThrowsWith(() => new Input({ shape: [0, 28, 1] }), ShapeError, 'Input');
  });

  test('Input.call on a wrong batch names both shapes', () => {
    const input = new Input({ shape: [8, 8, 1], name: 'pixels' });
    assertThrowsWith(() => input.call(Tensor.zeros([2, 8, 8, 3])), ShapeError, "Input 'pixels'", '8x8x1', '2x8x8x3');
  });
});
