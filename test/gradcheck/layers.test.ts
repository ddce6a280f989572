// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) through the Layer
// classes Conv2D, MaxPool2D, Dense, Flatten, ReLU, Sigmoid, Tanh and Softmax, including their weights; then
// one whole tiny network. Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Flatten,
  Input,
  type Layer,
  MaxPool2D,
  Random,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  softmaxCrossEntropy,
  Tanh,
  Tensor,
} from '../../src/index.js';
import { awayFromZeroTensor, distinctTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

/** Checks a layer's gradients with respect to its input and every weight it holds. */
function checkLayer(layer: Layer, input: Tensor, label: string): void {
  const weights = layer.weights().map((weight) => weight.tensor);
  const names = ['input', ...layer.weights().map((weight) => weight.name)];
  gradcheck(([x]) => layer.call(x!, { isTraining: true }), [input, ...weights], {
    names,
    maxRelativeError: RELATIVE_TOLERANCE,
    label,
  });
}

/** Builds a layer in float64 for per-example `shape`; biases get random values so that they are not all 0. */
function buildLayer<L extends Layer>(layer: L, shape: readonly number[], random: Random): L {
  layer.name = layer.className.toLowerCase();
  layer.build(shape, { random, dtype: 'float64' });
  for (const weight of layer.weights()) {
    if (weight.name === 'bias')
      for (let index = 0; index < weight.tensor.size; index++) weight.tensor.dataSync()[index] = random.uniform() - 0.5;
  }
  return layer;
}

describe('Layer classes: gradients of input and weights match central differences', () => {
  test('Conv2D 3x3, 4 filters, padding same, on 7x5x3 (batch 2)', () => {
    const random = new Random(500);
    const layer = buildLayer(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }), [7, 5, 3], random);
    checkLayer(layer, uniformTensor(random, [2, 7, 5, 3]), 'Conv2D same');
  });

  test('Conv2D 2x3, 3 filters, strides [2, 1], no bias, on 6x11x1', () => {
    const random = new Random(501);
    const layer = buildLayer(
      new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [2, 1], useBias: false }),
      [6, 11, 1],
      random,
    );
    checkLayer(layer, uniformTensor(random, [1, 6, 11, 1]), 'Conv2D no bias');
  });

  test('MaxPool2D pool 2 and pool 3 stride 2 same', () => {
    const random = new Random(502);
    checkLayer(
      buildLayer(new MaxPool2D(), [6, 6, 2], random),
      distinctTensor(random, [2, 6, 6, 2]),
      'MaxPool2D pool 2',
    );
    checkLayer(
      buildLayer(new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }), [7, 5, 3], random),
      distinctTensor(random, [1, 7, 5, 3]),
      'MaxPool2D pool 3',
    );
  });

  test('Dense 6 -> 4 with and without bias (batch 3)', () => {
    const random = new Random(503);
    checkLayer(buildLayer(new Dense({ units: 4 }), [6], random), uniformTensor(random, [3, 6]), 'Dense');
    checkLayer(
      buildLayer(new Dense({ units: 4, useBias: false }), [6], random),
      uniformTensor(random, [3, 6]),
      'Dense no bias',
    );
  });

  test('Flatten 3x2x2 -> 12', () => {
    const random = new Random(504);
    checkLayer(buildLayer(new Flatten(), [3, 2, 2], random), uniformTensor(random, [2, 3, 2, 2]), 'Flatten');
  });

  test('ReLU, Sigmoid, Tanh, Softmax', () => {
    const random = new Random(505);
    checkLayer(buildLayer(new ReLU(), [4, 3, 2], random), awayFromZeroTensor(random, [2, 4, 3, 2]), 'ReLU');
    checkLayer(buildLayer(new Sigmoid(), [4, 3, 2], random), uniformTensor(random, [2, 4, 3, 2], -4, 4), 'Sigmoid');
    checkLayer(buildLayer(new Tanh(), [4, 3, 2], random), uniformTensor(random, [2, 4, 3, 2], -2, 2), 'Tanh');
    checkLayer(buildLayer(new Softmax(), [5], random), uniformTensor(random, [3, 5], -3, 3), 'Softmax');
  });
});

describe('a whole tiny float64 network: fused loss gradient with respect to every weight', () => {
  function checkNetwork(
    layers: Layer[],
    inputShape: readonly number[],
    batch: number,
    seed: number,
    label: string,
  ): void {
    const model = new Sequential([new Input({ shape: inputShape }), ...layers, new Softmax()], {
      seed,
      dtype: 'float64',
    });
    const random = new Random(seed + 1);
    const x = uniformTensor(random, [batch, ...inputShape]);
    const classes = model.classes;
    const targets = Tensor.zeros([batch, classes], 'float64');
    for (let row = 0; row < batch; row++) targets.dataSync()[row * classes + (row % classes)] = 1;
    // Biases start at 0; random ones make their gradient check less special.
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.2 * (random.uniform() - 0.5);
    }
    const named = model.namedWeights();
    const end = model.layers.length - 1;
    gradcheck(
      () => softmaxCrossEntropy(model.forward(x, { end }), targets).loss,
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed,
        label,
      },
    );
  }

  test('Input 6x6x1 -> Conv2D 3x3 same (3) -> ReLU -> MaxPool2D 2 -> Flatten -> Dense 3 -> Softmax', () => {
    checkNetwork(
      [
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }),
        new ReLU(),
        new MaxPool2D(),
        new Flatten(),
        new Dense({ units: 3 }),
      ],
      [6, 6, 1],
      4,
      11,
      'network 6x6x1 ReLU',
    );
  });

  test(
    'Input 7x5x3 -> Conv2D 2x3 stride [1, 2] (4) -> Tanh -> MaxPool2D 2 same -> Flatten -> ' + 'Dense 3 -> Softmax',
    () => {
      checkNetwork(
        [
          new Conv2D({ filters: 4, kernelSize: [2, 3], strides: [1, 2], padding: 'same' }),
          new Tanh(),
          new MaxPool2D({ padding: 'same' }),
          new Flatten(),
          new Dense({ units: 3 }),
        ],
        [7, 5, 3],
        3,
        12,
        'network 7x5x3 Tanh',
      );
    },
  );
});
