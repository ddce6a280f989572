// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of every backward
// rule: conv2d over many geometries, maxPool2d, matMul, biasAdd, activations, softmax, the fused loss and
// reshape; then the same through the Layer classes, including their weights; then one whole tiny network.
// Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import {
  add,
  biasAdd,
  Conv2D,
  conv2d,
  Dense,
  Flatten,
  Input,
  type Layer,
  matMul,
  MaxPool2D,
  maxPool2d,
  type Padding,
  Random,
  relu,
  ReLU,
  reshape,
  Sequential,
  sigmoid,
  Sigmoid,
  softmax,
  Softmax,
  softmaxCrossEntropy,
  tanh,
  Tanh,
  Tensor,
} from '../../src/index.js';
import {
  awayFromZeroTensor,
  distinctTensor,
  gradcheck,
  POOL_CASES,
  poolCaseLabel,
  poolOptions,
  uniformTensor,
} from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

type Pair = readonly [number, number];

interface ConvCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kernel: number | Pair;
  outC: number;
  strides: number | Pair;
  padding: Padding;
  hasBias: boolean;
}

const CONV_CASES: ConvCase[] = [
  { batch: 1, inH: 5, inW: 5, inC: 1, kernel: 1, outC: 2, strides: 1, padding: 'valid', hasBias: true },
  { batch: 1, inH: 7, inW: 5, inC: 3, kernel: 2, outC: 2, strides: 1, padding: 'valid', hasBias: false },
  { batch: 2, inH: 7, inW: 5, inC: 3, kernel: 3, outC: 3, strides: 1, padding: 'same', hasBias: true },
  { batch: 1, inH: 9, inW: 9, inC: 1, kernel: 5, outC: 2, strides: 1, padding: 'same', hasBias: true },
  { batch: 1, inH: 9, inW: 9, inC: 4, kernel: 5, outC: 3, strides: 2, padding: 'valid', hasBias: false },
  { batch: 1, inH: 6, inW: 11, inC: 3, kernel: [2, 3], outC: 2, strides: 1, padding: 'valid', hasBias: true },
  { batch: 1, inH: 6, inW: 11, inC: 1, kernel: [2, 3], outC: 2, strides: [1, 2], padding: 'same', hasBias: true },
  { batch: 1, inH: 9, inW: 9, inC: 3, kernel: 3, outC: 4, strides: 3, padding: 'valid', hasBias: true },
  { batch: 1, inH: 7, inW: 5, inC: 4, kernel: 3, outC: 2, strides: 2, padding: 'same', hasBias: false },
  { batch: 1, inH: 6, inW: 11, inC: 3, kernel: 3, outC: 2, strides: 3, padding: 'same', hasBias: true },
  { batch: 1, inH: 7, inW: 5, inC: 1, kernel: 3, outC: 2, strides: 1, padding: 1, hasBias: true },
  { batch: 1, inH: 9, inW: 9, inC: 3, kernel: 2, outC: 2, strides: 2, padding: [1, 2], hasBias: true },
  { batch: 1, inH: 6, inW: 11, inC: 4, kernel: 3, outC: 2, strides: [1, 2], padding: [0, 2, 1, 0], hasBias: true },
  { batch: 1, inH: 7, inW: 5, inC: 3, kernel: 5, outC: 2, strides: 1, padding: 2, hasBias: false },
  { batch: 1, inH: 7, inW: 5, inC: 3, kernel: [3, 2], outC: 3, strides: [2, 1], padding: [1, 0], hasBias: true },
  { batch: 1, inH: 5, inW: 5, inC: 1, kernel: 2, outC: 2, strides: 3, padding: 3, hasBias: true },
  { batch: 7, inH: 7, inW: 5, inC: 3, kernel: 3, outC: 2, strides: 2, padding: 'same', hasBias: true },
  { batch: 7, inH: 6, inW: 11, inC: 1, kernel: [2, 3], outC: 2, strides: [1, 2], padding: [2, 1, 0, 1], hasBias: true },
  { batch: 7, inH: 9, inW: 9, inC: 4, kernel: 1, outC: 2, strides: 2, padding: 'valid', hasBias: false },
];

function pairOf(value: number | Pair): Pair {
  return typeof value === 'number' ? [value, value] : value;
}

function describeConv(c: ConvCase): string {
  const [kH, kW] = pairOf(c.kernel);
  return (
    `batch ${c.batch}, ${c.inH}x${c.inW}x${c.inC} -> ${c.outC}, kernel ${kH}x${kW}, strides ${JSON.stringify(c.strides)}, ` +
    `padding ${JSON.stringify(c.padding)}, ${c.hasBias ? 'with' : 'without'} bias`
  );
}

describe('Conv2D gradients (input, filter, bias) match central differences', () => {
  CONV_CASES.forEach((c, caseIndex) => {
    test(describeConv(c), () => {
      const random = new Random(100 + caseIndex);
      const [kH, kW] = pairOf(c.kernel);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const filter = uniformTensor(random, [kH, kW, c.inC, c.outC]);
      const bias = uniformTensor(random, [c.outC]);
      const options = { strides: c.strides, padding: c.padding };
      if (c.hasBias) {
        gradcheck(([x, w, b]) => conv2d(x!, w!, b!, options), [input, filter, bias], {
          names: ['input', 'filter', 'bias'],
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: caseIndex,
          label: describeConv(c),
        });
      } else {
        gradcheck(([x, w]) => conv2d(x!, w!, null, options), [input, filter], {
          names: ['input', 'filter'],
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: caseIndex,
          label: describeConv(c),
        });
      }
    });
  });
});

describe('Conv2D with a fused ReLU: gradients match central differences', () => {
  // Pre-activations of random inputs lie within the 1e-6 step of zero with negligible probability.
  CONV_CASES.slice(0, 3).forEach((c, caseIndex) => {
    test(`${describeConv(c)}, fused ReLU`, () => {
      const random = new Random(300 + caseIndex);
      const [kH, kW] = pairOf(c.kernel);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const filter = uniformTensor(random, [kH, kW, c.inC, c.outC]);
      const bias = uniformTensor(random, [c.outC]);
      const options = { strides: c.strides, padding: c.padding, activation: 'relu' as const };
      gradcheck(([x, w, b]) => conv2d(x!, w!, b!, options), [input, filter, bias], {
        names: ['input', 'filter', 'bias'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label: `${describeConv(c)}, fused ReLU`,
      });
    });
  });
});

describe('Conv2D with a fused clip (ReLU6 in training): gradients match central differences', () => {
  // Bounds inside the pre-activations' range, so both ends clip; pre-activations lie within the 1e-6
  // step of a bound with negligible probability.
  CONV_CASES.slice(0, 3).forEach((c, caseIndex) => {
    test(`${describeConv(c)}, fused clip to [-0.5, 0.75]`, () => {
      const random = new Random(400 + caseIndex);
      const [kH, kW] = pairOf(c.kernel);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const filter = uniformTensor(random, [kH, kW, c.inC, c.outC]);
      const bias = uniformTensor(random, [c.outC]);
      const options = {
        strides: c.strides,
        padding: c.padding,
        activation: { kind: 'clip', min: -0.5, max: 0.75 } as const,
      };
      gradcheck(([x, w, b]) => conv2d(x!, w!, b!, options), [input, filter, bias], {
        names: ['input', 'filter', 'bias'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label: `${describeConv(c)}, fused clip`,
      });
    });
  });
});

describe('MaxPool2D gradients match central differences (distinct inputs, so no ties)', () => {
  POOL_CASES.forEach((c, caseIndex) => {
    const label = poolCaseLabel(c);
    test(label, () => {
      const random = new Random(200 + caseIndex);
      const input = distinctTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      gradcheck(([x]) => maxPool2d(x!, poolOptions(c)), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });
});

describe('MatMul gradients match central differences', () => {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`transposeA ${transposeA}, transposeB ${transposeB}: [3, 4] x [4, 5]`, () => {
        const random = new Random(300 + Number(transposeA) * 2 + Number(transposeB));
        const a = uniformTensor(random, transposeA ? [4, 3] : [3, 4]);
        const b = uniformTensor(random, transposeB ? [5, 4] : [4, 5]);
        gradcheck(([x, y]) => matMul(x!, y!, { transposeA, transposeB }), [a, b], {
          names: ['a', 'b'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `matMul ${transposeA} ${transposeB}`,
        });
      });
    }
  }
});

describe('elementwise, bias and shape op gradients match central differences', () => {
  test('biasAdd on [2, 3, 4, 5] with bias [5], and on [6, 3] with bias [3]', () => {
    const random = new Random(400);
    gradcheck(([x, b]) => biasAdd(x!, b!), [uniformTensor(random, [2, 3, 4, 5]), uniformTensor(random, [5])], {
      names: ['input', 'bias'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'biasAdd 4-D',
    });
    gradcheck(([x, b]) => biasAdd(x!, b!), [uniformTensor(random, [6, 3]), uniformTensor(random, [3])], {
      names: ['input', 'bias'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'biasAdd 2-D',
    });
  });

  test('relu on [2, 3, 4, 5] with no input within 0.05 of the kink', () => {
    const input = awayFromZeroTensor(new Random(401), [2, 3, 4, 5]);
    gradcheck(([x]) => relu(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'relu' });
  });

  test('sigmoid on [3, 4, 5], values in [-8, 8] (both branches of the stable formula)', () => {
    const input = uniformTensor(new Random(402), [3, 4, 5], -8, 8);
    gradcheck(([x]) => sigmoid(x!), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'sigmoid',
    });
  });

  test('tanh on [3, 4, 5], values in [-3, 3]', () => {
    const input = uniformTensor(new Random(403), [3, 4, 5], -3, 3);
    gradcheck(([x]) => tanh(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'tanh' });
  });

  test('softmax as an op (not fused) over the last axis of [4, 5] and [2, 3, 4]', () => {
    const random = new Random(404);
    gradcheck(([x]) => softmax(x!), [uniformTensor(random, [4, 5], -3, 3)], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmax 2-D',
    });
    gradcheck(([x]) => softmax(x!), [uniformTensor(random, [2, 3, 4], -3, 3)], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmax 3-D',
    });
  });

  test('softmaxCrossEntropy with respect to the logits, one-hot targets', () => {
    const random = new Random(405);
    const logits = uniformTensor(random, [6, 4], -3, 3);
    const targets = Tensor.zeros([6, 4], 'float64');
    for (let row = 0; row < 6; row++) targets.data[row * 4 + random.integer(4)] = 1;
    gradcheck(([z]) => softmaxCrossEntropy(z!, targets).loss, [logits], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmaxCrossEntropy one-hot',
    });
  });

  test('softmaxCrossEntropy with respect to the logits, soft targets that sum to 1', () => {
    const random = new Random(406);
    const logits = uniformTensor(random, [5, 3], -3, 3);
    const targets = uniformTensor(random, [5, 3], 0.1, 1);
    for (let row = 0; row < 5; row++) {
      const rowSum = targets.data[row * 3]! + targets.data[row * 3 + 1]! + targets.data[row * 3 + 2]!;
      for (let column = 0; column < 3; column++) targets.data[row * 3 + column]! /= rowSum;
    }
    gradcheck(([z]) => softmaxCrossEntropy(z!, targets).loss, [logits], {
      names: ['logits'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'softmaxCrossEntropy soft',
    });
  });

  test('reshape alone, and reshape feeding a matMul', () => {
    const random = new Random(407);
    gradcheck(([x]) => reshape(x!, [6, 4]), [uniformTensor(random, [2, 3, 4])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'reshape',
    });
    gradcheck(
      ([x, w]) => matMul(reshape(x!, [2, 12]), w!),
      [uniformTensor(random, [2, 3, 4]), uniformTensor(random, [12, 3])],
      {
        names: ['input', 'weights'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'reshape then matMul',
      },
    );
  });

  test('add, and a tensor used twice (gradients accumulate)', () => {
    const random = new Random(408);
    gradcheck(([a, b]) => add(a!, b!), [uniformTensor(random, [3, 4]), uniformTensor(random, [3, 4])], {
      names: ['a', 'b'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'add',
    });
    gradcheck(([x]) => add(tanh(x!), matMul(x!, x!)), [uniformTensor(random, [4, 4])], {
      names: ['x'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x used three times',
    });
  });
});

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
      for (let index = 0; index < weight.tensor.size; index++) weight.tensor.data[index] = random.uniform() - 0.5;
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
    for (let row = 0; row < batch; row++) targets.data[row * classes + (row % classes)] = 1;
    // Biases start at 0; random ones make their gradient check less special.
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.data[index] = 0.2 * (random.uniform() - 0.5);
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

  test('Input 7x5x3 -> Conv2D 2x3 stride [1, 2] (4) -> Tanh -> MaxPool2D 2 same -> Flatten -> Dense 3 -> Softmax', () => {
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
  });
});
