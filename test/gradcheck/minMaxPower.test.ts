// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of maximum and
// minimum (operands kept 0.05 apart, where the selection is stable; broadcast gate, per-channel,
// scalar and two-sided shapes), of pow with exponents 2, 3, 0.5, -1.5 and 1.7 on positive values,
// and of a small graph end to end (Conv2D branches, Maximum of three, Minimum, Power 2, Power 0.5).

import { describe, test } from 'node:test';
import {
  Conv2D,
  GlobalAveragePooling2D,
  Input,
  maximum,
  Maximum,
  minimum,
  Minimum,
  Model,
  pow,
  Power,
  Random,
  Tensor,
} from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

/**
 * b with every value moved at least `margin` away from each value of a it meets (broadcast), so central differences
 * never cross a tie.
 */
function apart(a: Tensor, b: Tensor, margin = 0.05): Tensor {
  const result = Tensor.fromArray(b.dataSync(), b.shape, 'float64');
  const rank = Math.max(a.rank, b.rank);
  const shapeA = [...new Array<number>(rank - a.rank).fill(1), ...a.shape];
  const shapeB = [...new Array<number>(rank - b.rank).fill(1), ...b.shape];
  const outShape = shapeA.map((extent, axis) => Math.max(extent, shapeB[axis]!));
  const size = outShape.reduce((product, extent) => product * extent, 1);
  for (let pass = 0; pass < 4; pass++) {
    for (let flat = 0; flat < size; flat++) {
      let rest = flat;
      let offsetA = 0;
      let offsetB = 0;
      let strideA = 1;
      let strideB = 1;
      for (let axis = rank - 1; axis >= 0; axis--) {
        const index = rest % outShape[axis]!;
        rest = Math.floor(rest / outShape[axis]!);
        if (shapeA[axis] !== 1) offsetA += index * strideA;
        if (shapeB[axis] !== 1) offsetB += index * strideB;
        strideA *= shapeA[axis]!;
        strideB *= shapeB[axis]!;
      }
      const difference = result.dataSync()[offsetB]! - a.dataSync()[offsetA]!;
      if (Math.abs(difference) < margin)
        result.dataSync()[offsetB] = a.dataSync()[offsetA]! + (difference < 0 ? -margin - 0.01 : margin + 0.01);
    }
  }
  return result;
}

const SHAPES: [string, number[], number[]][] = [
  ['same shape', [2, 3, 4, 3], [2, 3, 4, 3]],
  ['gate [2, 1, 1, 3]', [2, 3, 4, 3], [2, 1, 1, 3]],
  ['per channel [3]', [2, 3, 2, 3], [3]],
  ['scalar [1]', [2, 2, 3], [1]],
  ['two-sided [2, 1, 3] and [1, 4, 1]', [2, 1, 3], [1, 4, 1]],
];

describe('maximum, minimum and pow gradients match central differences', () => {
  for (const [label, shapeA, shapeB] of SHAPES) {
    test(`maximum and minimum, ${label}`, () => {
      const random = new Random(2400 + shapeA.length * 10 + shapeB.length);
      const a = uniformTensor(random, shapeA);
      const b = apart(a, uniformTensor(random, shapeB));
      for (const [name, op] of [
        ['maximum', maximum],
        ['minimum', minimum],
      ] as const) {
        gradcheck(([x, y]) => op(x!, y!), [a, b], {
          names: ['a', 'b'],
          maxRelativeError: RELATIVE_TOLERANCE,
          label: `${name} ${label}`,
        });
      }
    });
  }

  test('pow with exponents 2, 3, 0.5, -1.5 and 1.7 on values in [0.2, 2]', () => {
    const random = new Random(2410);
    for (const exponent of [2, 3, 0.5, -1.5, 1.7]) {
      gradcheck(([x]) => pow(x!, exponent), [uniformTensor(random, [2, 3, 4, 3], 0.2, 2)], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        label: `pow ${exponent}`,
      });
    }
  });

  test(
    'a float64 graph: Conv2D branches, Maximum of three, Minimum, Power 2, pooled, Power 0.5; every ' +
      'weight and the input',
    () => {
      const input = new Input({ shape: [4, 4, 3] });
      const branches = [1, 2, 3].map(() =>
        new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input.output),
      );
      const upper = new Maximum().apply(branches);
      const lower = new Minimum().apply([upper, new Conv2D({ filters: 3, kernelSize: 1 }).apply(input.output)]);
      const pooled = new GlobalAveragePooling2D().apply(new Power({ exponent: 2 }).apply(lower));
      const output = new Power({ exponent: 0.5 }).apply(pooled);
      const model = new Model({ inputs: input.output, outputs: output }, { seed: 2411, dtype: 'float64' });
      const x = uniformTensor(new Random(2412), [2, 4, 4, 3]);
      const named = model.namedWeights();
      // Random weights make ties between branches measure-zero; the step 1e-6 rarely crosses a switch.
      gradcheck(
        () => model.forward(x),
        named.map((weight) => weight.tensor),
        {
          names: named.map((weight) => weight.name),
          maxRelativeError: RELATIVE_TOLERANCE,
          seed: 2413,
          label: 'graph weights',
        },
      );
      gradcheck(([images]) => model.forward(images!), [x], {
        names: ['input'],
        maxRelativeError: RELATIVE_TOLERANCE,
        seed: 2414,
        label: 'graph input',
      });
    },
  );
});
