// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the layers
// that torchvision's mobile networks need: hard sigmoid and hard swish, as ops and through their
// Layer classes (inputs stay 0.05 away from the kinks, where central differences are wrong);
// broadcasting add, subtract, multiply and divide on gate, per-channel, scalar, mask and two-sided
// shapes; then a squeeze-and-excitation graph (AvgPool2D to 1x1, Conv2D, HardSigmoid gate, broadcast
// Multiply, Subtract and Divide) end to end, every weight and the input; channel slices and the
// channel shuffle, as ops and in a ShuffleNetV2 unit (split, branch, concatenate, shuffle); max and
// average pooling in ceil mode and with count_include_pad; layer normalization (input, gamma, beta)
// as an op and in a ConvNeXt-style block (depthwise conv, LayerNormalization, 1x1 convs, GELU, residual).

import { describe, test } from 'node:test';
import {
  Add,
  add,
  GELU,
  LayerNormalization,
  layerNormalization,
  avgPool2d,
  maxPool2d,
  BatchNormalization,
  ChannelShuffle,
  channelShuffle,
  ChannelSlice,
  Concatenate,
  sliceChannels,
  AvgPool2D,
  Conv2D,
  Dense,
  divide,
  Divide,
  GlobalAveragePooling2D,
  HardSigmoid,
  hardSigmoid,
  HardSwish,
  hardSwish,
  Input,
  Model,
  multiply,
  Multiply,
  Random,
  Softmax,
  softmaxCrossEntropy,
  subtract,
  Subtract,
  Tensor,
} from '../../src/index.js';
import { awayFromPointsTensor, distinctTensor, gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

describe('hard sigmoid and hard swish gradients match central differences', () => {
  test('hardSigmoid, alpha 0.2 and 1/6, on [2, 5, 4, 3] in [-5, 5]', () => {
    const random = new Random(1410);
    const onnx = awayFromPointsTensor(random, [2, 5, 4, 3], [-2.5, 2.5], -5, 5);
    gradcheck(([x]) => hardSigmoid(x!), [onnx], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSigmoid 0.2',
    });
    const torch = awayFromPointsTensor(random, [1, 7, 3, 2], [-3, 3], -5, 5);
    gradcheck(([x]) => hardSigmoid(x!, 1 / 6, 0.5), [torch], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSigmoid 1/6',
    });
    gradcheck(
      ([x]) => new HardSigmoid({ alpha: 0.3, beta: 0.4 }).call(x!),
      [awayFromPointsTensor(random, [3, 4, 5], [-4 / 3, 2], -4, 4)],
      {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'HardSigmoid layer',
      },
    );
  });

  test('hardSwish on [2, 5, 4, 3] in [-5, 5] and through the layer on [1, 6, 6, 4]', () => {
    const random = new Random(1411);
    gradcheck(([x]) => hardSwish(x!), [awayFromPointsTensor(random, [2, 5, 4, 3], [-3, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'hardSwish',
    });
    gradcheck(([x]) => new HardSwish().call(x!), [awayFromPointsTensor(random, [1, 6, 6, 4], [-3, 3], -5, 5)], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'HardSwish layer',
    });
  });
});

describe('broadcasting arithmetic gradients match central differences (summed over the broadcast axes)', () => {
  const SHAPES: [number[], number[]][] = [
    [
      [2, 3, 4, 5],
      [2, 1, 1, 5],
    ],
    [[1, 4, 3, 3], [3]],
    [
      [2, 3, 3, 4],
      [1, 1, 4],
    ],
    [[2, 2, 3, 2], [1]],
    [
      [2, 3, 4, 3],
      [2, 3, 4, 1],
    ],
    [
      [1, 1, 1, 3],
      [2, 2, 3, 3],
    ],
    [
      [3, 1, 2, 1],
      [1, 2, 1, 3],
    ],
  ];
  const operations = { add, subtract, multiply, divide };
  for (const [name, operation] of Object.entries(operations)) {
    test(`${name} on ${SHAPES.length} shape pairs, both operands`, () => {
      const random = new Random(1430 + name.length);
      for (const [aShape, bShape] of SHAPES) {
        const a = uniformTensor(random, aShape, -2, 2);
        // The divisor stays in [0.5, 1.5]: away from 0.
        const b = uniformTensor(random, bShape, name === 'divide' ? 0.5 : -2, name === 'divide' ? 1.5 : 2);
        gradcheck(([x, y]) => operation(x!, y!), [a, b], {
          names: ['a', 'b'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `${name} ${aShape.join('x')} and ${bShape.join('x')}`,
        });
      }
    });
  }

  test('one tensor on both sides: x * x[0:1] broadcast, x / (1 + x * x)', () => {
    const random = new Random(1440);
    const x = uniformTensor(random, [2, 3, 3, 4], -1, 1);
    gradcheck(([input]) => divide(input!, add(Tensor.fromArray([1], [1], 'float64'), multiply(input!, input!))), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'x / (1 + x^2)',
    });
  });
});

describe('a float64 squeeze-and-excitation graph: gradients of every weight and of the input', () => {
  // x -> Conv2D 3x3 (4) = map; gate = HardSigmoid(1/6)(Conv2D 1x1 (4) of AvgPool2D over the whole map);
  // gated = Multiply [map, gate] (broadcast [5, 4, 4] by [1, 1, 4]); centred = Subtract [gated, gate];
  // scaled = Divide [centred, 2 + HardSwish-free positive term] -> GAP -> Dense 3 -> Softmax.
  function squeezeExcitationNetwork(): Model {
    const input = new Input({ shape: [5, 4, 3] });
    const map = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const squeezed = new AvgPool2D({ poolSize: [5, 4] }).apply(map);
    const gate = new HardSigmoid({ alpha: 1 / 6 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(squeezed));
    const gated = new Multiply().apply([map, gate]);
    const centred = new Subtract().apply([gated, gate]);
    const divisor = new HardSigmoid({ alpha: 0.1, beta: 0.6 }).apply(
      new Conv2D({ filters: 1, kernelSize: 1 }).apply(input.output),
    );
    const scaled = new Divide().apply([new HardSwish().apply(centred), divisor]);
    const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(scaled)));
    return new Model({ inputs: input.output, outputs: output }, { seed: 41, dtype: 'float64' });
  }

  test('HardSigmoid gate, broadcast Multiply, Subtract and Divide, HardSwish, with the fused loss', () => {
    const model = squeezeExcitationNetwork();
    const random = new Random(42);
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.data[index] = 0.2 * (random.uniform() - 0.5);
    }
    const batch = 2;
    const x = uniformTensor(random, [batch, 5, 4, 3]);
    const targets = Tensor.zeros([batch, 3], 'float64');
    for (let row = 0; row < batch; row++) targets.data[row * 3 + row] = 1;
    const named = model.namedWeights();
    const loss = (input: Tensor) =>
      softmaxCrossEntropy(model.forward(input, { end: model.layers.length - 1 }), targets).loss;
    gradcheck(
      () => loss(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 43,
        label: 'squeeze-and-excitation weights',
      },
    );
    gradcheck(([input]) => loss(input!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      seed: 44,
      label: 'squeeze-and-excitation input',
    });
  });
});

describe('channel slice and channel shuffle gradients match central differences', () => {
  test('sliceChannels [1, 3), [0, 5), [4, 5) of [2, 3, 2, 5]; channelShuffle with 2, 3 and 6 groups of 6 channels', () => {
    const random = new Random(1460);
    const x = uniformTensor(random, [2, 3, 2, 5]);
    for (const [start, end] of [
      [1, 3],
      [0, 5],
      [4, 5],
    ] as const) {
      gradcheck(([input]) => sliceChannels(input!, start, end), [x], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `slice [${start}, ${end})`,
      });
    }
    const y = uniformTensor(random, [2, 2, 3, 6]);
    for (const groups of [2, 3, 6]) {
      gradcheck(([input]) => channelShuffle(input!, groups), [y], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `shuffle ${groups}`,
      });
    }
  });

  test('a float64 ShuffleNetV2 unit: split, a conv branch, concatenate, shuffle; every weight and the input', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const stem = new Conv2D({ filters: 6, kernelSize: 1 }).apply(input.output);
    const left = new ChannelSlice({ start: 0, end: 3 }).apply(stem);
    const right = new ChannelSlice({ start: 3, end: 6 }).apply(stem);
    const branch = new HardSwish().apply(
      new BatchNormalization().apply(
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', groups: 3 }).apply(right),
      ),
    );
    const joined = new ChannelShuffle({ groups: 2 }).apply(new Concatenate().apply([left, branch]));
    const output = new Softmax().apply(new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(joined)));
    const model = new Model({ inputs: input.output, outputs: output }, { seed: 51, dtype: 'float64' });
    const random = new Random(52);
    const x = uniformTensor(random, [2, 4, 4, 3]);
    const targets = Tensor.zeros([2, 3], 'float64');
    targets.data[0] = 1;
    targets.data[4] = 1;
    const named = model.namedWeights().filter((weight) => weight.isTrainable);
    const loss = (images: Tensor) =>
      softmaxCrossEntropy(model.forward(images, { end: model.layers.length - 1 }), targets).loss;
    gradcheck(
      () => loss(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 53,
        label: 'ShuffleNetV2 unit weights',
      },
    );
    gradcheck(([images]) => loss(images!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      seed: 54,
      label: 'ShuffleNetV2 unit input',
    });
  });
});

describe('ceil-mode and count_include_pad pooling gradients match central differences', () => {
  const CASES = [
    { shape: [1, 5, 5, 2], poolSize: 2, strides: 2, padding: 0 },
    { shape: [2, 4, 6, 3], poolSize: 3, strides: 2, padding: 1 },
    { shape: [1, 7, 6, 1], poolSize: [3, 2], strides: [2, 3], padding: [1, 0, 0, 1] },
    { shape: [1, 6, 6, 2], poolSize: 3, strides: 2, padding: 0 },
  ] as const;
  CASES.forEach((c, index) => {
    test(`${c.shape.join('x')} pool ${JSON.stringify(c.poolSize)} strides ${JSON.stringify(c.strides)} padding ${JSON.stringify(c.padding)}, ceil mode`, () => {
      const random = new Random(1490 + index);
      const options = { poolSize: c.poolSize, strides: c.strides, padding: c.padding, ceilMode: true };
      // Distinct values: max pooling has no ties.
      gradcheck(([x]) => maxPool2d(x!, options), [distinctTensor(random, c.shape)], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'max, ceil',
      });
      const x = uniformTensor(random, c.shape);
      for (const countIncludePad of [false, true]) {
        gradcheck(([input]) => avgPool2d(input!, { ...options, countIncludePad }), [x], {
          names: ['input'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `average, ceil, countIncludePad ${countIncludePad}`,
        });
      }
    });
  });
});

describe('layer normalization gradients match central differences', () => {
  test('layerNormalization on [2, 3, 2, 5] and [4, 7] (input, gamma and beta), epsilon 1e-5 and 1e-2', () => {
    const random = new Random(1500);
    for (const [shape, epsilon] of [
      [[2, 3, 2, 5], 1e-5],
      [[4, 7], 1e-2],
      [[1, 2, 2, 2], 1e-5],
    ] as const) {
      const x = uniformTensor(random, shape, -2, 2);
      const channels = shape[shape.length - 1]!;
      const gamma = uniformTensor(random, [channels], 0.5, 1.5);
      const beta = uniformTensor(random, [channels]);
      gradcheck(([input, g, b]) => layerNormalization(input!, g!, b!, epsilon), [x, gamma, beta], {
        names: ['input', 'gamma', 'beta'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `layerNorm ${shape.join('x')}`,
      });
    }
  });

  test('a float64 ConvNeXt-style block: depthwise 3x3, LayerNormalization, 1x1 up, GELU, 1x1 down, residual; every weight and the input', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const stem = new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output);
    const depthwise = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 4 }).apply(stem);
    const normalized = new LayerNormalization({ epsilon: 1e-6 }).apply(depthwise);
    const expanded = new GELU().apply(new Conv2D({ filters: 8, kernelSize: 1 }).apply(normalized));
    const block = new Add().apply([stem, new Conv2D({ filters: 4, kernelSize: 1 }).apply(expanded)]);
    const output = new Softmax().apply(
      new Dense({ units: 3 }).apply(new GlobalAveragePooling2D().apply(new LayerNormalization().apply(block))),
    );
    const model = new Model({ inputs: input.output, outputs: output }, { seed: 61, dtype: 'float64' });
    const random = new Random(62);
    for (const { name, tensor } of model.namedWeights()) {
      if (name.endsWith('/beta') || name.endsWith('/gamma') || name.endsWith('/bias'))
        for (let index = 0; index < tensor.size; index++) tensor.data[index]! += 0.3 * (random.uniform() - 0.5);
    }
    const x = uniformTensor(random, [2, 4, 4, 3]);
    const targets = Tensor.zeros([2, 3], 'float64');
    targets.data[1] = 1;
    targets.data[5] = 1;
    const named = model.namedWeights();
    const loss = (images: Tensor) =>
      softmaxCrossEntropy(model.forward(images, { end: model.layers.length - 1 }), targets).loss;
    gradcheck(
      () => loss(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 63,
        label: 'ConvNeXt block weights',
      },
    );
    gradcheck(([images]) => loss(images!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      seed: 64,
      label: 'ConvNeXt block input',
    });
  });
});
