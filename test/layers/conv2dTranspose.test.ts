// The Conv2DTranspose layer (src/layers/conv2dTranspose.ts): output sizes, config and model file round
// trips, and the errors naming the op or the layer. The op's hand-worked values and its adjoint identity
// with conv2d are in test/ops/conv2dTranspose.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Conv2DTranspose,
  conv2dTranspose,
  Input,
  layerFromConfig,
  type Model,
  parseModel,
  Random,
  serializeModel,
  Sequential,
  ShapeError,
  Tensor,
  ValueError,
} from '../../src/index.js';
import { assertClose, assertThrowsWith } from '../helpers.js';

function randomTensor(random: Random, shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const tensor = Tensor.zeros(shape, dtype);
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 2 * random.uniform() - 1;
  return tensor;
}

describe('Conv2DTranspose', () => {
  test('output sizes: (in - 1) * stride + kernel - pads + output padding; same: in * stride', () => {
    const layer = (options: Partial<ConstructorParameters<typeof Conv2DTranspose>[0]>) =>
      new Conv2DTranspose({ filters: 4, kernelSize: 3, ...options });
    assert.deepEqual(layer({}).computeOutputShape([5, 6, 2]), [7, 8, 4]);
    assert.deepEqual(layer({ strides: 2 }).computeOutputShape([5, 6, 2]), [11, 13, 4]);
    assert.deepEqual(layer({ strides: 2, padding: 1, outputPadding: 1 }).computeOutputShape([5, 6, 2]), [10, 12, 4]);
    assert.deepEqual(layer({ strides: 2, padding: 'same' }).computeOutputShape([5, 6, 2]), [10, 12, 4]);
    assert.deepEqual(layer({ kernelSize: 4, strides: 2, padding: 'same' }).computeOutputShape([5, 6, 2]), [10, 12, 4]);
    assert.deepEqual(layer({ strides: [3, 1], dilationRate: [1, 2] }).computeOutputShape([2, 2, 2]), [6, 6, 4]);
  });

  test('config and model file round trips keep the predictions', () => {
    const layer = new Conv2DTranspose({
      name: 'up',
      filters: 6,
      kernelSize: [3, 2],
      strides: 2,
      padding: [1, 0, 0, 1],
      outputPadding: [1, 0],
      groups: 2,
      useBias: false,
    });
    const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
    assert.deepEqual(layerFromConfig('Conv2DTranspose', config).getConfig(), layer.getConfig());
    const model = new Sequential(
      [
        new Input({ shape: [4, 5, 4] }),
        new Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        layer,
      ],
      { seed: 1802 },
    );
    const x = randomTensor(new Random(1803), [2, 4, 5, 4], 'float32');
    const { manifest, weights } = serializeModel(model);
    const loaded = parseModel(manifest, weights).model as Model;
    assert.deepEqual(model.predict(x).shape, [2, 17, 19, 6]);
    assertClose(loaded.predict(x).dataSync(), model.predict(x).dataSync(), { atol: 0, rtol: 0 }, 'loaded predictions');
  });

  test('errors name the op or layer and the values', () => {
    const x = Tensor.zeros([1, 3, 3, 4]);
    assertThrowsWith(
      () => conv2dTranspose(x, Tensor.zeros([3, 3, 2, 5]), null),
      ShapeError,
      'input has 4 channels',
      '3x3x2x5',
    );
    assertThrowsWith(
      () => conv2dTranspose(x, Tensor.zeros([3, 3, 2, 4]), Tensor.zeros([3])),
      ShapeError,
      'bias has shape 3 ',
      '2 output channels',
    );
    assertThrowsWith(
      () => conv2dTranspose(x, Tensor.zeros([3, 3, 2, 4]), null, { strides: 2, outputPadding: 2 }),
      ValueError,
      'outputPadding 2x2',
      'stride 2x2',
    );
    assertThrowsWith(
      () => conv2dTranspose(x, Tensor.zeros([1, 1, 2, 4]), null, { padding: 2 }),
      ShapeError,
      'output -1x-1',
    );
    assertThrowsWith(
      () => new Conv2DTranspose({ name: 'up', filters: 2, kernelSize: 3 }).computeOutputShape([3, 3]),
      ShapeError,
      "Conv2DTranspose 'up'",
      '3x3',
    );
    assertThrowsWith(
      () => new Conv2DTranspose({ filters: 3, kernelSize: 3, groups: 2 }),
      ShapeError,
      '2 groups must divide the 3 filters',
    );
  });
});
