// Numerical gradient checks (float64 central differences, test/gradcheck/gradcheck.ts) of matMul.
// Each check bounds |a - n| / max(1e-8, |a| + |n|) by RELATIVE_TOLERANCE (or |a - n| by 1e-9, see gradcheck.ts).

import { describe, test } from 'node:test';
import { matMul, Random } from '../../src/index.js';
import { gradcheck, uniformTensor } from './gradcheck.js';

const RELATIVE_TOLERANCE = 1e-6;

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
