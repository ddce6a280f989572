// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) through the Layer
// classes LeakyReLU, ELU, GELU, SiLU, Clip, AvgPool2D, GlobalAveragePooling2D, ZeroPadding2D and Dropout,
// then in whole tiny networks of them (a chain, and a graph with Multiply of 2 and 3 inputs).

import { describe, test } from 'node:test';
import {
  AvgPool2D,
  Clip,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  GELU,
  GlobalAveragePooling2D,
  Input,
  type Layer,
  LeakyReLU,
  Model,
  Multiply,
  Random,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  ZeroPadding2D,
} from '../../src/index.js';
import { awayFromPointsTensor, awayFromZeroTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

/** Checks a layer's gradients with respect to its input; a fresh Random(7) per call keeps a Dropout mask fixed. */
function checkLayer(layer: Layer, input: Tensor, label: string): void {
  gradcheck(([x]) => layer.call(x!, { isTraining: true, random: new Random(7) }), [input], {
    names: ['input'],
    maxRelativeError: RELATIVE_TOLERANCE,
    label,
  });
}

/** Builds a layer for per-example `shape` in float64. */
function buildLayer<L extends Layer>(layer: L, shape: readonly number[], random: Random): L {
  layer.name = layer.className.toLowerCase();
  layer.build(shape, { random, dtype: 'float64' });
  return layer;
}

describe('new Layer classes: input gradients match central differences', () => {
  test('LeakyReLU (alpha 0.2), ELU, GELU, SiLU on 4x3x2 (batch 2)', () => {
    const random = new Random(750);
    checkLayer(
      buildLayer(new LeakyReLU({ alpha: 0.2 }), [4, 3, 2], random),
      awayFromZeroTensor(random, [2, 4, 3, 2]),
      'LeakyReLU',
    );
    checkLayer(buildLayer(new ELU(), [4, 3, 2], random), awayFromZeroTensor(random, [2, 4, 3, 2]), 'ELU');
    checkLayer(buildLayer(new GELU(), [4, 3, 2], random), uniformTensor(random, [2, 4, 3, 2], -3, 3), 'GELU');
    checkLayer(buildLayer(new SiLU(), [4, 3, 2], random), uniformTensor(random, [2, 4, 3, 2], -4, 4), 'SiLU');
  });

  test('Clip ReLU6-like (min -0.5, max 0.6) and max only on 4x3x2 (batch 2)', () => {
    const random = new Random(753);
    checkLayer(
      buildLayer(new Clip({ min: -0.5, max: 0.6 }), [4, 3, 2], random),
      awayFromPointsTensor(random, [2, 4, 3, 2], [-0.5, 0.6]),
      'Clip',
    );
    checkLayer(
      buildLayer(new Clip({ max: 0.2 }), [4, 3, 2], random),
      awayFromPointsTensor(random, [2, 4, 3, 2], [0.2]),
      'Clip max only',
    );
  });

  test('AvgPool2D pool 2, and pool 3 stride 2 same; GlobalAveragePooling2D, and with keepDims', () => {
    const random = new Random(751);
    checkLayer(buildLayer(new AvgPool2D(), [6, 6, 2], random), uniformTensor(random, [2, 6, 6, 2]), 'AvgPool2D pool 2');
    checkLayer(
      buildLayer(new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same' }), [7, 5, 3], random),
      uniformTensor(random, [1, 7, 5, 3]),
      'AvgPool2D pool 3',
    );
    checkLayer(
      buildLayer(new GlobalAveragePooling2D(), [5, 3, 4], random),
      uniformTensor(random, [3, 5, 3, 4]),
      'GlobalAveragePooling2D',
    );
    checkLayer(
      buildLayer(new GlobalAveragePooling2D({ keepDims: true }), [5, 3, 4], random),
      uniformTensor(random, [3, 5, 3, 4]),
      'GlobalAveragePooling2D keepDims',
    );
  });

  test('ZeroPadding2D [1, 2, 0, 3] and Dropout 0.4 in training', () => {
    const random = new Random(752);
    checkLayer(
      buildLayer(new ZeroPadding2D({ padding: [1, 2, 0, 3] }), [3, 4, 2], random),
      uniformTensor(random, [2, 3, 4, 2]),
      'ZeroPadding2D',
    );
    checkLayer(
      buildLayer(new Dropout({ rate: 0.4 }), [3, 4, 2], random),
      uniformTensor(random, [2, 3, 4, 2]),
      'Dropout',
    );
  });
});

describe('a whole tiny float64 network with the new layers: fused loss gradient with respect to every weight', () => {
  test(
    'Input 7x6x3 -> ZeroPadding2D 1 -> Conv2D 3x3 (3) -> GELU -> AvgPool2D 2 same -> Conv2D 2x2 (4) -> ' +
      'ELU -> Conv2D 1x1 (4) -> SiLU -> LeakyReLU -> GlobalAveragePooling2D -> Dropout -> Dense 3 -> Softmax',
    () => {
      const inputShape = [7, 6, 3];
      const model = new Sequential(
        [
          new Input({ shape: inputShape }),
          new ZeroPadding2D({ padding: 1 }),
          new Conv2D({ filters: 3, kernelSize: 3 }),
          new GELU(),
          new AvgPool2D({ padding: 'same' }),
          new Conv2D({ filters: 4, kernelSize: 2 }),
          new ELU(),
          new Conv2D({ filters: 4, kernelSize: 1 }),
          new SiLU(),
          new LeakyReLU({ alpha: 0.1 }),
          new GlobalAveragePooling2D(),
          new Dropout({ rate: 0.5 }),
          new Dense({ units: 3 }),
          new Softmax(),
        ],
        { seed: 21, dtype: 'float64' },
      );
      const batch = 3;
      const random = new Random(22);
      const x = uniformTensor(random, [batch, ...inputShape]);
      const targets = Tensor.zeros([batch, 3], 'float64');
      for (let row = 0; row < batch; row++) targets.dataSync()[row * 3 + (row % 3)] = 1;
      for (const { name, tensor } of model.namedWeights()) {
        if (name.endsWith('/bias'))
          for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.2 * (random.uniform() - 0.5);
      }
      const named = model.namedWeights();
      // Inference mode: Dropout is the identity (its training gradient is checked above with a fixed mask).
      gradcheck(
        () => softmaxCrossEntropy(model.forward(x, { end: model.layers.length - 1 }), targets).loss,
        named.map((weight) => weight.tensor),
        {
          names: named.map((weight) => weight.name),
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: 21,
          label: 'network with new layers',
        },
      );
    },
  );
});

describe('a float64 graph with Multiply of 2 and 3 inputs: gradients of every weight and of the input', () => {
  // x -> Conv2D 3x3 (4) = a; gate = Sigmoid(Conv2D 1x1 (4) of x); gated = Multiply [a, gate];
  // b = Clip [-0.3, 0.4] (Conv2D 1x1 (4) of gated); Multiply [gated, b, a] -> GAP -> Dense 3 -> Softmax.
  function gatedNetwork(): Model {
    const input = new Input({ shape: [6, 5, 3] });
    const a = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const gate = new Sigmoid().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
    const gated = new Multiply().apply([a, gate]);
    const b = new Clip({ min: -0.3, max: 0.4 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(gated));
    const product = new Multiply().apply([gated, b, a]);
    const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(product)));
    return new Model({ inputs: input.output, outputs: output }, { seed: 31, dtype: 'float64' });
  }

  test('Multiply [a, sigmoid gate] and Multiply [gated, clip(b), a], with the fused loss', () => {
    const model = gatedNetwork();
    const random = new Random(32);
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.2 * (random.uniform() - 0.5);
    }
    const batch = 2;
    const x = uniformTensor(random, [batch, 6, 5, 3]);
    const targets = Tensor.zeros([batch, 3], 'float64');
    for (let row = 0; row < batch; row++) targets.dataSync()[row * 3 + row] = 1;
    const loss = (input: Tensor) => softmaxCrossEntropy(model.forward(input, { end: model.logitsEnd() }), targets).loss;
    const named = model.namedWeights();
    gradcheck(
      () => loss(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 31,
        label: 'gated network weights',
      },
    );
    gradcheck(([input]) => loss(input!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      seed: 32,
      label: 'gated network input',
    });
  });
});
