// BatchNormalization: known values of the kernels, gradients against central differences in both
// modes, the moving averages, inference with them, and a model file that keeps them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  Input,
  loadModel,
  Random,
  ReLU,
  saveModel,
  Sequential,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  ValueError,
  type Layer,
} from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { gradcheck, uniformTensor } from '../gradcheck/gradcheck.js';
import { assertClose } from '../helpers.js';

describe('batch normalization kernels (reference)', () => {
  test('statistics: per-column mean and biased variance', () => {
    const mean = new Float64Array(2);
    const variance = new Float64Array(2);
    // Columns [1, 3] and [2, 6]: means 2 and 4, variances 1 and 4.
    referenceBackend.kernels.BatchNormStats(Float64Array.of(1, 2, 3, 6), mean, variance, { rows: 2, columns: 2 });
    assert.deepEqual(Array.from(mean), [2, 4]);
    assert.deepEqual(Array.from(variance), [1, 4]);
  });

  test('gradients: dBeta = sum dy, dGamma = sum dy * xhat, dInput without and with the statistics term', () => {
    const input = Float64Array.of(1, 3); // one column: mean 2, variance 1, xhat [-1, 1] (epsilon 0)
    const dOut = Float64Array.of(1, 3);
    const dInput = new Float64Array(2);
    const dGamma = new Float64Array(1);
    const dBeta = new Float64Array(1);
    const common = { rows: 2, columns: 1, epsilon: 1e-300 };
    referenceBackend.kernels.BatchNormGrad(
      dOut,
      input,
      Float64Array.of(2),
      Float64Array.of(1),
      Float64Array.of(2),
      dInput,
      dGamma,
      dBeta,
      { ...common, isThroughStatistics: false },
    );
    assert.deepEqual([dBeta[0], dGamma[0], ...dInput], [4, 2, 2, 6]);
    referenceBackend.kernels.BatchNormGrad(
      dOut,
      input,
      Float64Array.of(2),
      Float64Array.of(1),
      Float64Array.of(2),
      dInput,
      dGamma,
      dBeta,
      { ...common, isThroughStatistics: true },
    );
    // gamma * (dy - (dBeta + xhat * dGamma) / 2) = 2 * ([1, 3] - ([4, 4] + [-2, 2]) / 2) = [0, 0]
    assert.deepEqual(Array.from(dInput), [0, 0]);
  });
});

function buildLayer(layer: Layer, shape: readonly number[], random: Random): Layer {
  layer.name = 'bn';
  layer.build(shape, { random, dtype: 'float64' });
  // Gamma and beta away from 1 and 0, and moving statistics away from 0 and 1, so no term vanishes.
  for (const { name, tensor } of layer.weights()) {
    for (let index = 0; index < tensor.size; index++)
      tensor.dataSync()[index] =
        name === 'moving_variance' || name === 'gamma' ? 0.5 + random.uniform() : random.uniform() - 0.5;
  }
  return layer;
}

describe('BatchNormalization gradients match central differences', () => {
  for (const [label, shape, batch] of [
    ['NHWC 5x3x4', [5, 3, 4], 3],
    ['NHWC 4x4x3, batch 1', [4, 4, 3], 1],
    ['features 6', [6], 5],
  ] as const) {
    for (const isTraining of [true, false]) {
      test(`${label}, ${isTraining ? 'training (through the ' + 'batch statistics)' : 'inference (moving statistics)'}`, () => {
        const random = new Random(900 + batch);
        const layer = buildLayer(new BatchNormalization({ epsilon: 0.01 }), shape, random);
        const trainable = layer.weights().filter((weight) => weight.isTrainable !== false);
        const input = uniformTensor(random, [batch, ...shape], -2, 2);
        gradcheck(([x]) => layer.call(x!, { isTraining }), [input, ...trainable.map((weight) => weight.tensor)], {
          names: ['input', ...trainable.map((weight) => weight.name)],
          maxRelativeError: 1e-6,
          label,
        });
      });
    }
  }

  test('a whole float64 network with BatchNormalization between conv and ReLU', () => {
    const model = new Sequential(
      [
        new Input({ shape: [6, 5, 3] }),
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }),
        new BatchNormalization(),
        new ReLU(),
        // A bias before BatchNormalization in training is cancelled by the mean: layers there go without.
        new Flatten(),
        new Dense({ units: 4, useBias: false }),
        new BatchNormalization(),
        new Dense({ units: 3 }),
        new Softmax(),
      ],
      { seed: 5, dtype: 'float64' },
    );
    const random = new Random(6);
    const x = uniformTensor(random, [4, 6, 5, 3]);
    const targets = Tensor.zeros([4, 3], 'float64');
    for (let row = 0; row < 4; row++) targets.dataSync()[row * 3 + (row % 3)] = 1;
    const trainable = model.namedWeights().filter((weight) => weight.isTrainable);
    gradcheck(
      () => softmaxCrossEntropy(model.forward(x, { isTraining: true, end: model.layers.length - 1 }), targets).loss,
      trainable.map((weight) => weight.tensor),
      {
        names: trainable.map((weight) => weight.name),
        maxRelativeError: 1e-6,
        label: 'conv-BN-ReLU network',
      },
    );
  });
});

describe('BatchNormalization layer', () => {
  test('training normalizes with the batch statistics and moves the averages; inference uses the averages', () => {
    const layer = new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
    layer.name = 'bn';
    layer.build([2], { random: new Random(1), dtype: 'float64' });
    const x = Tensor.fromArray([1, 10, 3, 20, 5, 30], [3, 2], 'float64');
    const y = layer.call(x, { isTraining: true });
    // Column 0: mean 3, biased variance 8/3; column 1: mean 20, variance 200/3.
    const expected = [1, 10, 3, 20, 5, 30].map((value, index) => {
      const [mean, variance] = index % 2 === 0 ? [3, 8 / 3] : [20, 200 / 3];
      return (value - mean) / Math.sqrt(variance + 1e-3);
    });
    assertClose(y.dataSync(), expected, { atol: 1e-12 }, 'training output');
    // Moving averages from 0 and 1: 0.9 * old + 0.1 * batch, the variance unbiased (n - 1 = 2).
    assertClose(layer.movingMean!.dataSync(), [0.3, 2], { atol: 1e-12 }, 'moving mean');
    assertClose(layer.movingVariance!.dataSync(), [0.9 + 0.1 * 4, 0.9 + 0.1 * 100], { atol: 1e-12 }, 'moving variance');
    const inference = layer.call(Tensor.fromArray([0.3, 2], [1, 2], 'float64'), { isTraining: false });
    assertClose(inference.dataSync(), [0, 0], { atol: 1e-12 }, 'the moving mean maps to beta (0)');
    assert.deepEqual(layer.movingMean!.dataSync().length, 2);
    assert.throws(() => new BatchNormalization({ momentum: 1 }), ValueError);
    assert.throws(
      () => layer.call(Tensor.zeros([2, 3], 'float64'), { isTraining: false }),
      /expects 2 channels but got 2x3/,
    );
  });

  test('moving averages are saved with the model but not trained', () => {
    const model = new Sequential(
      [
        new Input({ shape: [4, 4, 1] }),
        new Conv2D({ filters: 2, kernelSize: 3 }),
        new BatchNormalization(),
        new Flatten(),
        new Dense({ units: 2 }),
        new Softmax(),
      ],
      { seed: 2 },
    );
    const names = model.namedWeights().map((weight) => `${weight.name}${weight.isTrainable ? '' : ' (state)'}`);
    assert.deepEqual(names, [
      'conv2d_1/kernel',
      'conv2d_1/bias',
      'batchnormalization_1/gamma',
      'batchnormalization_1/beta',
      'batchnormalization_1/moving_mean (state)',
      'batchnormalization_1/moving_variance (state)',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    assert.equal(model.trainableWeights().length, 6);
    // BatchNormalization over 2 channels: gamma, beta (trainable), moving mean and variance (not).
    assert.match(model.summary(), /batchnormalization_1 \(BatchNormalization\)\s+2x2x2\s+8\s/);
    assert.match(model.summary(), /Total params: 46\nTrainable params: 42\nNon-trainable params: 4/);
    const x = Tensor.fromArray(
      Array.from({ length: 8 * 16 }, (_, index) => Math.sin(index)),
      [8, 4, 4, 1],
    );
    model.fit(x, [0, 1, 0, 1, 0, 1, 0, 1], { epochs: 2, batchSize: 4 });
    const directory = mkdtempSync(join(tmpdir(), 'convnet-bn-'));
    try {
      saveModel(model, directory);
      const { model: loaded } = loadModel(directory);
      const original = model.namedWeights();
      loaded.namedWeights().forEach((weight, index) => {
        assert.deepEqual(
          Array.from(weight.tensor.dataSync()),
          Array.from(original[index]!.tensor.dataSync()),
          weight.name,
        );
      });
      assert.notDeepEqual(
        Array.from(loaded.namedWeights()[4]!.tensor.dataSync()),
        [0, 0],
        'the moving mean moved during training',
      );
      assert.deepEqual(Array.from(loaded.predict(x).dataSync()), Array.from(model.predict(x).dataSync()));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
