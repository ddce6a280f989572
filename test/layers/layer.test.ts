// The helpers of layer.ts shared by the image layers (src/layers/layer.ts): the height x width x channels check
// gives each layer's own message, and the kernel and bias weights are listed as each layer has them so far.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2D,
  Conv2DTranspose,
  Dense,
  GlobalAveragePooling2D,
  type Layer,
  MaxPool2D,
  Resize2D,
  ShapeError,
  ZeroPadding2D,
} from '../../src/index.js';
import { Random } from '../../src/core/random.js';
import { assertThrowsWith } from '../helpers.js';

describe('checkHeightWidthChannels: an image layer given a flat shape names itself, what it expects and the shape', () => {
  const cases: [Layer, string][] = [
    [new Conv2D({ filters: 2, kernelSize: 3, name: 'c' }), "Conv2D 'c': expects images of height x width x channels"],
    [
      new Conv2DTranspose({ filters: 2, kernelSize: 2, name: 't' }),
      "Conv2DTranspose 't': expects images of height x width x channels",
    ],
    [new ZeroPadding2D({ padding: 1, name: 'z' }), "ZeroPadding2D 'z': expects images of height x width x channels"],
    [new MaxPool2D({ poolSize: 2, name: 'p' }), "MaxPool2D 'p': expects feature maps of height x width x channels"],
    [
      new GlobalAveragePooling2D({ name: 'g' }),
      "GlobalAveragePooling2D 'g': expects feature maps of height x width x channels",
    ],
    [new Resize2D({ size: [4, 4], name: 'r' }), "Resize2D 'r': expects maps of height x width x channels"],
  ];
  for (const [layer, message] of cases) {
    test(layer.className, () => {
      assertThrowsWith(() => layer.computeOutputShape([8, 3]), ShapeError, `${message} but got 8x3`);
    });
  }
});

describe('kernelAndBias: the weights a layer has so far', () => {
  const context = { random: new Random(1), dtype: 'float32' as const };

  test('none before build, then the kernel and the bias in that order', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 3, name: 'c' });
    assert.deepEqual(layer.weights(), []);
    layer.build([5, 5, 1], context);
    assert.deepEqual(
      layer.weights().map((weight) => [weight.name, weight.tensor.shape]),
      [
        ['kernel', [3, 3, 1, 2]],
        ['bias', [2]],
      ],
    );
  });

  test('no bias without one', () => {
    for (const layer of [
      new Dense({ units: 3, useBias: false }),
      new Conv2DTranspose({ filters: 2, kernelSize: 2, useBias: false }),
    ]) {
      layer.build(layer instanceof Dense ? [4] : [3, 3, 2], context);
      assert.deepEqual(
        layer.weights().map((weight) => weight.name),
        ['kernel'],
      );
    }
  });
});
