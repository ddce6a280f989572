// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of the
// transposed convolution: input, filter and bias of the op on geometries with stride 2 and output
// padding, uneven explicit pads, 'same', dilation 2, groups 2 and depthwise groups, a 1x1 filter and
// batch 1; then a tiny encoder-decoder (Conv2D down, ReLU, Conv2DTranspose up, 1x1 Conv2D, a random
// linear loss on the map) end to end, every weight and the input.

import { describe, test } from 'node:test';
import { Conv2D, Conv2DTranspose, conv2dTranspose, Input, Model, Random, ReLU, type Tensor } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

const CASES = [
  {
    batch: 2,
    inH: 3,
    inW: 4,
    inC: 3,
    outC: 2,
    k: [3, 3],
    strides: [2, 2],
    padding: [1, 1, 1, 1],
    outputPadding: [1, 1],
    dilations: [1, 1],
    groups: 1,
  },
  {
    batch: 1,
    inH: 2,
    inW: 3,
    inC: 4,
    outC: 6,
    k: [2, 3],
    strides: [1, 2],
    padding: [0, 1, 1, 0],
    outputPadding: [0, 1],
    dilations: [1, 1],
    groups: 2,
  },
  {
    batch: 2,
    inH: 3,
    inW: 2,
    inC: 2,
    outC: 3,
    k: [4, 4],
    strides: [2, 2],
    padding: 'same',
    outputPadding: [0, 0],
    dilations: [1, 1],
    groups: 1,
  },
  {
    batch: 1,
    inH: 3,
    inW: 3,
    inC: 2,
    outC: 3,
    k: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    outputPadding: [0, 0],
    dilations: [2, 2],
    groups: 1,
  },
  {
    batch: 2,
    inH: 3,
    inW: 2,
    inC: 3,
    outC: 3,
    k: [3, 3],
    strides: [2, 1],
    padding: [1, 0, 1, 1],
    outputPadding: [1, 0],
    dilations: [1, 1],
    groups: 3,
  },
  {
    batch: 1,
    inH: 2,
    inW: 3,
    inC: 5,
    outC: 4,
    k: [1, 1],
    strides: [3, 2],
    padding: 'valid',
    outputPadding: [2, 1],
    dilations: [1, 1],
    groups: 1,
  },
] as const;

describe('Conv2DTranspose gradients match central differences', () => {
  for (const c of CASES) {
    const label =
      `${c.batch}x${c.inH}x${c.inW}x${c.inC} -> ${c.outC}, kernel ${c.k.join('x')}, strides ` +
      `${c.strides.join('x')}, padding ${JSON.stringify(c.padding)}, output padding ` +
      `${c.outputPadding.join('x')}, dilation ${c.dilations.join('x')}, groups ${c.groups}`;
    test(label, () => {
      const random = new Random(1900 + c.inC * 10 + c.outC);
      const x = uniformTensor(random, [c.batch, c.inH, c.inW, c.inC]);
      const w = uniformTensor(random, [c.k[0], c.k[1], c.outC / c.groups, c.inC]);
      const b = uniformTensor(random, [c.outC]);
      const options = {
        strides: c.strides,
        padding: c.padding,
        outputPadding: c.outputPadding,
        dilations: c.dilations,
        groups: c.groups,
      };
      gradcheck(([input, filter, bias]) => conv2dTranspose(input!, filter!, bias!, options), [x, w, b], {
        names: ['input', 'filter', 'bias'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label,
      });
    });
  }

  test(
    'a float64 encoder-decoder: Conv2D stride 2, ReLU, Conv2DTranspose stride 2 (output padding 1), 1x1 ' +
      'Conv2D; every weight and the input',
    () => {
      const input = new Input({ shape: [5, 6, 3] });
      const down = new ReLU().apply(
        new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).apply(input.output),
      );
      const up = new Conv2DTranspose({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 1,
        outputPadding: [0, 1],
      }).apply(down);
      const output = new Conv2D({ filters: 2, kernelSize: 1 }).apply(up);
      const model = new Model({ inputs: input.output, outputs: output }, { seed: 1950, dtype: 'float64' });
      const random = new Random(1951);
      for (const { name, tensor } of model.namedWeights()) {
        if (name.endsWith('/bias'))
          for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index]! += 0.3 * (random.uniform() - 0.5);
      }
      const x = uniformTensor(random, [2, 5, 6, 3]);
      // gradcheck weighs the output map with seeded random numbers: a linear loss on the whole map.
      const loss = (images: Tensor) => model.forward(images);
      const named = model.namedWeights();
      gradcheck(
        () => loss(x),
        named.map((weight) => weight.tensor),
        {
          names: named.map((weight) => weight.name),
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: 1952,
          label: 'encoder-decoder weights',
        },
      );
      gradcheck(([images]) => loss(images!), [x], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 1953,
        label: 'encoder-decoder input',
      });
    },
  );
});
