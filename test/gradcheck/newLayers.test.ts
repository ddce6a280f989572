// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the backward
// rules of leaky ReLU, ELU, GELU, SiLU, clip, multiply, average pooling, global average pooling, zero
// padding and dropout: as ops over odd sizes, strides and paddings with batch 1 and more, then through
// the Layer classes, then in whole tiny networks (a chain, and a graph with Multiply of 2 and 3
// inputs). Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by
// 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import {
  AvgPool2D,
  avgPool2d,
  clip,
  Clip,
  Conv2D,
  Dense,
  dropout,
  Dropout,
  elu,
  ELU,
  gelu,
  GELU,
  GlobalAveragePooling2D,
  globalAveragePool2d,
  Input,
  type Layer,
  leakyRelu,
  LeakyReLU,
  Model,
  multiply,
  Multiply,
  Random,
  Sequential,
  Sigmoid,
  sigmoid,
  silu,
  SiLU,
  Softmax,
  softmaxCrossEntropy,
  Tensor,
  zeroPad2d,
  ZeroPadding2D,
  type ZeroPadding,
} from '../../src/index.js';
import {
  awayFromPointsTensor,
  awayFromZeroTensor,
  gradcheck,
  POOL_CASES,
  poolCaseLabel,
  poolOptions,
  uniformTensor,
} from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('activation gradients match central differences', () => {
  // Leaky ReLU and ELU have a kink (or a jump in the second derivative) at 0: inputs stay 0.05 away.
  test('leakyRelu, alpha 0.01 (default) and 0.3, on [1, 5, 3, 2] and [4, 3, 7]', () => {
    const random = new Random(600);
    gradcheck(([x]) => leakyRelu(x!), [awayFromZeroTensor(random, [1, 5, 3, 2])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'leakyRelu 0.01',
    });
    gradcheck(([x]) => leakyRelu(x!, 0.3), [awayFromZeroTensor(random, [4, 3, 7])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'leakyRelu 0.3',
    });
  });

  test('elu, alpha 1 and 0.7, values in +-[0.05, 3)', () => {
    const random = new Random(601);
    const input = awayFromZeroTensor(random, [3, 5, 4]);
    for (let index = 0; index < input.size; index++) input.data[index]! *= 3;
    gradcheck(([x]) => elu(x!), [input], { names: ['input'], maxRelativeError: RELATIVE_TOLERANCE, label: 'elu 1' });
    gradcheck(([x]) => elu(x!, 0.7), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'elu 0.7',
    });
  });

  test('gelu on [1, 7, 5, 3] in [-5, 5] and [6, 11] in [-1, 1]', () => {
    const random = new Random(602);
    gradcheck(([x]) => gelu(x!), [uniformTensor(random, [1, 7, 5, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gelu wide',
    });
    gradcheck(([x]) => gelu(x!), [uniformTensor(random, [6, 11])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gelu narrow',
    });
  });

  test('silu on [2, 5, 5, 3] in [-8, 8] (both branches of the stable sigmoid)', () => {
    const random = new Random(603);
    gradcheck(([x]) => silu(x!), [uniformTensor(random, [2, 5, 5, 3], -8, 8)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'silu',
    });
  });
});

describe('clip and multiply gradients match central differences', () => {
  // The derivative of clip jumps at each bound: inputs stay 0.05 away from them, and the bounds lie
  // inside the data's range, so some values are clipped (gradient 0) and some pass (gradient dOut).
  test('clip to [-0.4, 0.5] on [1, 5, 3, 2] and [4, 3, 7]; one-sided bounds on [3, 5, 4]', () => {
    const random = new Random(604);
    const bounds = [-0.4, 0.5];
    gradcheck(([x]) => clip(x!, -0.4, 0.5), [awayFromPointsTensor(random, [1, 5, 3, 2], bounds)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip batch 1',
    });
    gradcheck(([x]) => clip(x!, -0.4, 0.5), [awayFromPointsTensor(random, [4, 3, 7], bounds)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip [4, 3, 7]',
    });
    const input = awayFromPointsTensor(random, [3, 5, 4], [0, 0.3]);
    gradcheck(([x]) => clip(x!, -Infinity, 0.3), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip max only',
    });
    gradcheck(([x]) => clip(x!, 0, Infinity), [input], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'clip min only (ReLU)',
    });
  });

  test('multiply of two tensors on [2, 4, 3, 5]; x * x and x * sigmoid(x) (one tensor used twice) on [1, 7, 3]', () => {
    const random = new Random(605);
    const a = uniformTensor(random, [2, 4, 3, 5], -2, 2);
    const b = uniformTensor(random, [2, 4, 3, 5], -2, 2);
    gradcheck(([x, y]) => multiply(x!, y!), [a, b], {
      names: ['a', 'b'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'multiply',
    });
    const x = uniformTensor(random, [1, 7, 3], -3, 3);
    gradcheck(([input]) => multiply(input!, input!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x * x',
    });
    gradcheck(([input]) => multiply(input!, sigmoid(input!)), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x * sigmoid(x)',
    });
  });
});

describe('AvgPool2D gradients match central differences', () => {
  POOL_CASES.forEach((c, caseIndex) => {
    const label = poolCaseLabel(c);
    test(label, () => {
      const random = new Random(700 + caseIndex);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      gradcheck(([x]) => avgPool2d(x!, poolOptions(c)), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });

  test('globalAveragePool2d on [1, 5, 3, 2] and [3, 4, 7, 3]', () => {
    const random = new Random(720);
    gradcheck(([x]) => globalAveragePool2d(x!), [uniformTensor(random, [1, 5, 3, 2])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gap batch 1',
    });
    gradcheck(([x]) => globalAveragePool2d(x!), [uniformTensor(random, [3, 4, 7, 3])], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'gap batch 3',
    });
  });
});

describe('ZeroPad2D gradients match central differences', () => {
  const cases: [number[], ZeroPadding][] = [
    [[1, 3, 3, 1], 1],
    [
      [1, 5, 4, 3],
      [2, 0],
    ],
    [
      [3, 4, 5, 2],
      [0, 2, 1, 3],
    ],
    [
      [2, 1, 1, 4],
      [3, 1, 0, 2],
    ],
    [[1, 2, 6, 1], 0],
  ];
  cases.forEach(([shape, padding], caseIndex) => {
    const label = `${shape.join('x')} padding ${JSON.stringify(padding)}`;
    test(label, () => {
      const input = uniformTensor(new Random(730 + caseIndex), shape);
      gradcheck(([x]) => zeroPad2d(x!, padding), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: caseIndex,
        label,
      });
    });
  });
});

describe('Dropout gradients match central differences (a fixed seed, so a fixed mask)', () => {
  for (const [shape, rate, seed] of [
    [[2, 5, 4, 3], 0.3, 11],
    [[1, 7, 3, 2], 0.5, 12],
    [[5, 9], 0.8, 13],
  ] as const) {
    test(`${shape.join('x')} rate ${rate} seed ${seed}`, () => {
      const input = uniformTensor(new Random(740 + seed), shape);
      gradcheck(([x]) => dropout(x!, { rate, seed }), [input], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `dropout ${rate}`,
      });
    });
  }
});

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
  test('Input 7x6x3 -> ZeroPadding2D 1 -> Conv2D 3x3 (3) -> GELU -> AvgPool2D 2 same -> Conv2D 2x2 (4) -> ELU -> Conv2D 1x1 (4) -> SiLU -> LeakyReLU -> GlobalAveragePooling2D -> Dropout -> Dense 3 -> Softmax', () => {
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
    for (let row = 0; row < batch; row++) targets.data[row * 3 + (row % 3)] = 1;
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.data[index] = 0.2 * (random.uniform() - 0.5);
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
  });
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
        for (let index = 0; index < tensor.size; index++) tensor.data[index] = 0.2 * (random.uniform() - 0.5);
    }
    const batch = 2;
    const x = uniformTensor(random, [batch, 6, 5, 3]);
    const targets = Tensor.zeros([batch, 3], 'float64');
    for (let row = 0; row < batch; row++) targets.data[row * 3 + row] = 1;
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
