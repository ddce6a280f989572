// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of broadcasting add,
// subtract, multiply and divide on gate, per-channel, scalar, mask and two-sided shapes; then a
// squeeze-and-excitation graph (AvgPool2D to 1x1, Conv2D, HardSigmoid gate, broadcast Multiply, Subtract and
// Divide) end to end, every weight and the input.

import { describe, test } from 'node:test';
import {
  add,
  AvgPool2D,
  Conv2D,
  Dense,
  divide,
  Divide,
  GlobalAveragePooling2D,
  HardSigmoid,
  HardSwish,
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
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

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
        for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = 0.2 * (random.uniform() - 0.5);
    }
    const batch = 2;
    const x = uniformTensor(random, [batch, 5, 4, 3]);
    const targets = Tensor.zeros([batch, 3], 'float64');
    for (let row = 0; row < batch; row++) targets.dataSync()[row * 3 + row] = 1;
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
