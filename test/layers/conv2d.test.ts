// Conv2D (src/layers/conv2d.ts): the output size per axis is floor((W - K + padBefore + padAfter) / S) + 1,
// ceil(W / S) with 'same'; a window larger than the map is a ShapeError showing that formula with the numbers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Conv2D, Input, ShapeError } from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';
import { assertConfigRoundTrip, FLOAT64_BUILD, float64, INFERENCE, sequential } from './layerCases.js';

describe('Conv2D', () => {
  test("output shapes on 7x9x2, 3x3 kernel, stride 2: 'valid' 3x4, 'same' ceil(7 / 2) x ceil(9 / 2) = 4x5", () => {
    // 'valid': floor((7 - 3) / 2) + 1 = 3 and floor((9 - 3) / 2) + 1 = 4.
    assert.deepEqual(new Conv2D({ filters: 5, kernelSize: 3, strides: 2 }).computeOutputShape([7, 9, 2]), [3, 4, 5]);
    const same = new Conv2D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' });
    assert.deepEqual(same.computeOutputShape([7, 9, 2]), [4, 5, 5]);
  });

  test('the 3x3 image 1..9 with the 2x2 filter [1, 2, 3, 4] and bias 0.5 gives [37.5, 47.5, 67.5, 77.5]', () => {
    const layer = new Conv2D({ name: 'conv', filters: 1, kernelSize: 2 });
    assert.deepEqual(layer.build([3, 3, 1], FLOAT64_BUILD), [2, 2, 1]);
    const [kernel, bias] = layer.weights();
    assert.deepEqual(kernel!.tensor.shape, [2, 2, 1, 1]);
    kernel!.tensor.dataSync().set([1, 2, 3, 4]);
    bias!.tensor.dataSync().set([0.5]);
    // Top left: 1*1 + 2*2 + 4*3 + 5*4 = 37; each step right adds 1 + 2 + 3 + 4 = 10, each step down 30.
    const output = layer.call(float64([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]), INFERENCE);
    assert.deepEqual(output.shape, [1, 2, 2, 1]);
    assertClose(output.dataSync(), [37.5, 47.5, 67.5, 77.5], { atol: 0, rtol: 0 }, 'convolution');
    assertConfigRoundTrip(layer);
    assertConfigRoundTrip(new Conv2D({ filters: 4, kernelSize: [3, 1], strides: 2, padding: 'same', useBias: false }));
  });

  test("Conv2D 5x5 on a 3x3 map with 'valid' padding shows the formula with the numbers", () => {
    assertThrowsWith(
      () => sequential(new Input({ shape: [3, 3, 1] }), new Conv2D({ filters: 4, kernelSize: 5, name: 'wide' })),
      ShapeError,
      "Conv2D 'wide'",
      '5x5',
      '3x3',
      '(W - K + 2P) / S + 1',
      '(3 - 5 + 2*0) / 1 + 1 = -1',
    );
  });
});
