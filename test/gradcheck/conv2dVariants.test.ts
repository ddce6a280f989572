// Dilated and grouped convolutions (depthwise included): gradients of input, filter and bias against
// float64 central differences, through the op and through the Conv2D layer; and the reference
// kernel against a plain convolution with a zero-inflated filter (dilation) or per-group slices.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Conv2D, conv2d, Input, Random, Sequential, Tensor, type Padding } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';
import { assertClose } from '../helpers.js';

interface VariantCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kernel: number;
  outC: number;
  strides: number | readonly [number, number];
  dilations: number | readonly [number, number];
  groups: number;
  padding: Padding;
}

const CASES: VariantCase[] = [
  { batch: 1, inH: 9, inW: 8, inC: 2, kernel: 3, outC: 3, strides: 1, dilations: 2, groups: 1, padding: 'valid' },
  { batch: 2, inH: 7, inW: 9, inC: 3, kernel: 3, outC: 2, strides: 1, dilations: [2, 3], groups: 1, padding: 'same' },
  { batch: 1, inH: 10, inW: 10, inC: 2, kernel: 2, outC: 2, strides: 2, dilations: 3, groups: 1, padding: 1 },
  { batch: 2, inH: 6, inW: 5, inC: 4, kernel: 3, outC: 6, strides: 1, dilations: 1, groups: 2, padding: 'same' },
  { batch: 1, inH: 7, inW: 7, inC: 3, kernel: 3, outC: 3, strides: 2, dilations: 1, groups: 3, padding: 'same' },
  { batch: 1, inH: 6, inW: 7, inC: 2, kernel: 3, outC: 4, strides: 1, dilations: 2, groups: 2, padding: [1, 2, 2, 1] },
];

const describeCase = (c: VariantCase) =>
  `${c.inH}x${c.inW}x${c.inC} k${c.kernel} -> ${c.outC}, strides ${c.strides}, dilation ${c.dilations}, ` +
  `groups ${c.groups}, padding ${JSON.stringify(c.padding)}, batch ${c.batch}`;

describe('dilated and grouped Conv2D gradients match central differences', () => {
  CASES.forEach((c, index) => {
    test(describeCase(c), () => {
      const random = new Random(700 + index);
      const input = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const filter = uniformTensor(random, [c.kernel, c.kernel, c.inC / c.groups, c.outC]);
      const bias = uniformTensor(random, [c.outC]);
      gradcheck(
        ([x, w, b]) =>
          conv2d(x!, w!, b!, { strides: c.strides, padding: c.padding, dilations: c.dilations, groups: c.groups }),
        [input, filter, bias],
        {
          names: ['input', 'filter', 'bias'],
          maxRelativeError: 1e-6,
          label: describeCase(c),
        },
      );
    });
  });

  test('the Conv2D layer: depthwise (groups = channels, 2 filters each) with dilation 2', () => {
    const random = new Random(720);
    const layer = new Conv2D({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2, groups: 3 });
    layer.name = 'depthwise';
    layer.build([8, 7, 3], { random, dtype: 'float64' });
    assert.deepEqual(layer.kernel!.shape, [3, 3, 1, 6]);
    for (let index = 0; index < 6; index++) layer.bias!.dataSync()[index] = random.uniform() - 0.5;
    gradcheck(
      ([x]) => layer.call(x!, { isTraining: true }),
      [uniformTensor(random, [2, 8, 7, 3]), layer.kernel!, layer.bias!],
      {
        names: ['input', 'kernel', 'bias'],
        maxRelativeError: 1e-6,
        label: 'depthwise layer',
      },
    );
  });
});

describe('dilation and groups mean what they say', () => {
  test('a dilated kernel equals the undilated convolution with zeros between the taps', () => {
    const random = new Random(730);
    const input = uniformTensor(random, [2, 11, 10, 3]);
    const filter = uniformTensor(random, [3, 2, 3, 4]);
    const inflated = Tensor.zeros([5, 4, 3, 4], 'float64'); // taps at rows 0, 2, 4 and columns 0, 3
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 2; kx++) {
        for (let k = 0; k < 12; k++)
          inflated.dataSync()[(ky * 2 * 4 + kx * 3) * 12 + k] = filter.dataSync()[(ky * 2 + kx) * 12 + k]!;
      }
    }
    const dilated = conv2d(input, filter, null, { dilations: [2, 3], padding: 'same', strides: [1, 2] });
    const plain = conv2d(input, inflated, null, { padding: 'same', strides: [1, 2] });
    assert.deepEqual(dilated.shape, plain.shape);
    assertClose(dilated.dataSync(), plain.dataSync(), { atol: 1e-12 }, 'dilated vs inflated');
  });

  test('each group convolves its own channels with its own filters', () => {
    const random = new Random(731);
    const input = uniformTensor(random, [1, 6, 6, 4]);
    const filter = uniformTensor(random, [3, 3, 2, 6]);
    const grouped = conv2d(input, filter, null, { groups: 2, padding: 'same' });
    for (let group = 0; group < 2; group++) {
      const slice = Tensor.zeros([1, 6, 6, 2], 'float64');
      for (let pixel = 0; pixel < 36; pixel++)
        for (let c = 0; c < 2; c++) slice.dataSync()[pixel * 2 + c] = input.dataSync()[pixel * 4 + group * 2 + c]!;
      const groupFilter = Tensor.zeros([3, 3, 2, 3], 'float64');
      for (let row = 0; row < 18; row++)
        for (let m = 0; m < 3; m++) groupFilter.dataSync()[row * 3 + m] = filter.dataSync()[row * 6 + group * 3 + m]!;
      const expected = conv2d(slice, groupFilter, null, { padding: 'same' });
      const actual = Array.from(
        { length: 36 * 3 },
        (_, index) => grouped.dataSync()[Math.floor(index / 3) * 6 + group * 3 + (index % 3)]!,
      );
      assertClose(actual, expected.dataSync(), { atol: 1e-12 }, `group ${group}`);
    }
  });

  test('shapes, errors and the summary formula with a dilated kernel', () => {
    const model = new Sequential([
      new Input({ shape: [28, 28, 3] }),
      new Conv2D({ filters: 6, kernelSize: 3, dilationRate: 2, groups: 3 }),
    ]);
    assert.deepEqual(model.outputShape, [24, 24, 6]);
    // K = (3 - 1) * 2 + 1 = 5: (28 - 5 + 0) / 1 + 1 = 24.
    assert.match(model.summary(), /\(28 - 5 \+ 2\*0\) \/ 1 \+ 1 = 24/);
    assert.throws(
      () => new Sequential([new Input({ shape: [8, 8, 3] }), new Conv2D({ filters: 4, kernelSize: 3, groups: 2 })]),
      /2 groups must divide the 4 filters|groups must divide the input channels/,
    );
    assert.throws(
      () =>
        new Sequential([new Input({ shape: [4, 4, 1] }), new Conv2D({ filters: 2, kernelSize: 3, dilationRate: 2 })]),
      /dilated by 2x2 \(spanning 5x5\)/,
    );
  });
});
