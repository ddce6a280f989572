// Hand-worked cases of the MatMul reference kernel (src/kernels/js/matMul.ts): every transpose combination
// on 2x3 by 3x2, and a product whose result is larger than its operands. Integer values, tolerance 0.

import { describe, test } from 'node:test';
import { matMul } from '../../../src/kernels/js/matMul.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64 } from './referenceCases.js';

describe('MatMul reference kernel, by hand', () => {
  // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
  // A B = [[1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, 4*8 + 5*10 + 6*12]] = [[58, 64], [139, 154]]
  const A = f64([1, 2, 3, 4, 5, 6]);
  const A_TRANSPOSED = f64([1, 4, 2, 5, 3, 6]);
  const B = f64([7, 8, 9, 10, 11, 12]);
  const B_TRANSPOSED = f64([7, 9, 11, 8, 10, 12]);

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`2x3 by 3x2, transposeA ${transposeA}, transposeB ${transposeB}`, () => {
        const output = new Float64Array(4).fill(99);
        matMul(transposeA ? A_TRANSPOSED : A, transposeB ? B_TRANSPOSED : B, output, {
          m: 2,
          k: 3,
          n: 2,
          transposeA,
          transposeB,
        });
        assertClose(output, [58, 64, 139, 154], EXACT, 'A B');
      });
    }
  }

  test('3x2 by 2x3 (B A) gives a 3x3 result', () => {
    // B A row 0 = 7*[1,2,3] + 8*[4,5,6] = [39, 54, 69]; row 1 = 9*[1,2,3] + 10*[4,5,6] = [49, 68, 87]; row 2 = [59, 82,
    // 105]
    const output = new Float64Array(9);
    matMul(B, A, output, { m: 3, k: 2, n: 3, transposeA: false, transposeB: false });
    assertClose(output, [39, 54, 69, 49, 68, 87, 59, 82, 105], EXACT, 'B A');
  });
});
