// Dense (src/layers/dense.ts): x W + b with W of [inputSize, units]; the output has units features. A vector of
// the wrong size, or feature maps without a Flatten, is a ShapeError naming the layer and both shapes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Conv2D, Dense, Flatten, Input, MaxPool2D, ShapeError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, FLOAT64_BUILD, float64, INFERENCE, sequential } from './layerCases.js';

describe('Dense', () => {
  test('W [[1, 2, 3], [4, 5, 6]] and b [0.5, 0, -1] on x [1, -1] give [-2.5, -3, -4]; config round trip', () => {
    const layer = new Dense({ name: 'dense', units: 3 });
    assert.deepEqual(layer.build([2], FLOAT64_BUILD), [3]);
    const [kernel, bias] = layer.weights();
    assert.deepEqual(kernel!.tensor.shape, [2, 3]);
    kernel!.tensor.dataSync().set([1, 2, 3, 4, 5, 6]);
    bias!.tensor.dataSync().set([0.5, 0, -1]);
    // x W = [1 - 4, 2 - 5, 3 - 6] = [-3, -3, -3], plus b.
    const output = layer.call(float64([1, -1], [1, 2]), INFERENCE);
    assertClose(output.dataSync(), [-2.5, -3, -4], { atol: 0, rtol: 0 }, 'x W + b');
    assertConfigRoundTrip(layer);
    assert.deepEqual(layer.getConfig(), {
      name: 'dense',
      units: 3,
      useBias: true,
      kernelInitializer: 'heNormal',
      inputSize: 2,
    });
  });

  test("Dense with inputSize 3200 after a Flatten that gives 3136 (7x7x64) names 'Dense', 3200 and 3136", () => {
    assertThrowsWith(
      () =>
        sequential(
          new Input({ shape: [14, 14, 1] }),
          new Conv2D({ filters: 64, kernelSize: 3, padding: 'same' }),
          new MaxPool2D(),
          new Flatten(),
          new Dense({ units: 10, inputSize: 3200 }),
        ),
      ShapeError,
      'Dense',
      '3200',
      '3136',
    );
  });

  test('Dense fed 4-D feature maps (no Flatten) throws and suggests Flatten, naming the feature-map shape', () => {
    assertThrowsWith(
      () =>
        sequential(
          new Input({ shape: [8, 8, 1] }),
          new Conv2D({ filters: 4, kernelSize: 3 }),
          new Dense({ units: 10 }),
        ),
      ShapeError,
      'Dense',
      'Flatten',
      '6x6x4',
      '144',
    );
  });
});
