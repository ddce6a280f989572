// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of conv2d (input,
// filter, bias) over many geometries, plain and with a fused ReLU or clip (ReLU6 in training).
// Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import { conv2d, type Padding, Random } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

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
    `batch ${c.batch}, ${c.inH}x${c.inW}x${c.inC} -> ${c.outC}, kernel ${kH}x${kW}, strides ` +
    `${JSON.stringify(c.strides)}, ` +
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

describe('Conv2D with a fused residual (+ ReLU or clip): gradients match central differences', () => {
  const activations = [
    undefined,
    'relu' as const,
    { kind: 'clip', min: -0.5, max: 0.75 } as const,
    { kind: 'clip', min: -0.5, max: 0.75 } as const,
  ];
  // The residual's gradient is dOut masked by the activation, as the convolution's; a bias-free case and a
  // strided one besides.
  [CONV_CASES[2]!, CONV_CASES[8]!, CONV_CASES[0]!, CONV_CASES[16]!].forEach((c, caseIndex) => {
    const activation = activations[caseIndex];
    const activationName = activation === undefined ? 'no activation' : activation === 'relu' ? 'ReLU' : 'clip';
    const label = `${describeConv(c)}, fused residual, ${activationName}`;
    test(label, () => {
      const random = new Random(500 + caseIndex);
      const [kH, kW] = pairOf(c.kernel);
      const [strideH, strideW] = pairOf(c.strides);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const filter = uniformTensor(random, [kH, kW, c.inC, c.outC]);
      const bias = uniformTensor(random, [c.outC]);
      const shape = conv2d(input, filter, null, { strides: c.strides, padding: c.padding }).shape;
      const residual = uniformTensor(random, shape);
      const options = { strides: [strideH, strideW] as const, padding: c.padding, activation };
      if (c.hasBias) {
        gradcheck(([x, w, b, r]) => conv2d(x!, w!, b!, { ...options, residual: r! }), [input, filter, bias, residual], {
          names: ['input', 'filter', 'bias', 'residual'],
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: caseIndex,
          label,
        });
      } else {
        gradcheck(([x, w, r]) => conv2d(x!, w!, null, { ...options, residual: r! }), [input, filter, residual], {
          names: ['input', 'filter', 'residual'],
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: caseIndex,
          label,
        });
      }
    });
  });
});

describe("A residual block's input (a Conv2D with a bias and a fused ReLU, used twice): gradients match central differences", () => {
  // The second gradient of the input is added by its producer's rule as it masks (GradientContext.addendOf).
  test('conv + ReLU, then a conv + ReLU with it as the residual', () => {
    const random = new Random(700);
    const input = uniformTensor(random, [2, 5, 4, 2]);
    const filter = uniformTensor(random, [3, 3, 2, 3]);
    const bias = uniformTensor(random, [3]);
    const blockFilter = uniformTensor(random, [3, 3, 3, 3]);
    const blockBias = uniformTensor(random, [3]);
    gradcheck(
      ([x, w, b, blockW, blockB]) => {
        const y = conv2d(x!, w!, b!, { padding: 1, activation: 'relu' });
        return conv2d(y, blockW!, blockB!, { padding: 1, residual: y, activation: 'relu' });
      },
      [input, filter, bias, blockFilter, blockBias],
      {
        names: ['input', 'filter', 'bias', 'blockFilter', 'blockBias'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 7,
        label: 'residual block input',
      },
    );
  });
});
