// Numerical gradient checks (float64 central differences) of Resize2D: bilinear and nearest, every
// coordinate mode, enlarging and shrinking, odd sizes, and a small conv -> resize -> conv graph end to
// end (the shape of a segmentation head), every weight and the input.

import { describe, test } from 'node:test';
import { Conv2D, Input, Model, Random, Resize2D, resize2d, type ResizeOptions } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

const CASES: [number[], ResizeOptions][] = [
  [[2, 3, 4, 3], { mode: 'bilinear', scale: 2 }],
  [[1, 5, 3, 2], { mode: 'bilinear', size: [7, 8], coordinates: 'align_corners' }],
  [[1, 7, 6, 5], { mode: 'bilinear', size: [3, 4], coordinates: 'pytorch_half_pixel' }],
  [[2, 4, 5, 1], { mode: 'bilinear', scale: [1.5, 0.6], coordinates: 'asymmetric' }],
  [[1, 3, 3, 4], { mode: 'bilinear', size: [1, 5], coordinates: 'pytorch_half_pixel' }],
  [[2, 3, 4, 3], { scale: 2 }],
  [[1, 6, 5, 2], { size: [4, 3], coordinates: 'half_pixel', nearestRounding: 'round_prefer_floor' }],
  [[1, 4, 4, 3], { size: [7, 5], coordinates: 'tf_half_pixel_for_nn', nearestRounding: 'ceil' }],
];

describe('resize2d gradients match central differences', () => {
  for (const [shape, options] of CASES) {
    test(`${JSON.stringify(options)} on ${shape.join('x')}`, () => {
      const x = uniformTensor(new Random(1460), shape, -1, 1);
      gradcheck(([input]) => resize2d(input!, options), [x], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: JSON.stringify(options),
      });
    });
  }

  test('conv 3x3 -> bilinear resize back to the input size -> conv 1x1: every weight and the input', () => {
    const input = new Input({ shape: [6, 5, 3] });
    const down = new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }).apply(input.output);
    const up = new Resize2D({ mode: 'bilinear', size: [6, 5] }).apply(down);
    const head = new Conv2D({ filters: 2, kernelSize: 1 }).apply(up);
    const model = new Model({ inputs: input.output, outputs: head }, { seed: 1461, dtype: 'float64' });
    const x = uniformTensor(new Random(1462), [2, 6, 5, 3]);
    const named = model.namedWeights();
    gradcheck(
      () => model.forward(x),
      named.map((weight) => weight.tensor),
      {
        names: named.map((weight) => weight.name),
        maxRelativeError: RELATIVE_TOLERANCE,
        label: 'segmentation head weights',
      },
    );
    gradcheck(([value]) => model.forward(value!), [x], {
      names: ['input'],
      maxRelativeError: RELATIVE_TOLERANCE,
      label: 'segmentation head input',
    });
  });
});
