// Backward rule of MatMul. For C = A B: dA = dC B^T and dB = A^T dC; with transposed operands the
// same identities are applied to op(A) and op(B), then transposed back.

import type { Tensor } from '../../core/tensor.js';
import type { MatMulParams } from '../../kernels/params.js';
import { matMul } from '../../ops/matMul.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<MatMulParams>('MatMul', (entry, dOut) => {
  const [a, b] = entry.inputs as [Tensor, Tensor];
  const { transposeA, transposeB } = entry.saved;
  const dA = transposeA
    ? matMul(b, dOut, { transposeA: transposeB, transposeB: true })
    : matMul(dOut, b, { transposeB: !transposeB });
  const dB = transposeB
    ? matMul(dOut, a, { transposeA: true, transposeB: transposeA })
    : matMul(a, dOut, { transposeA: !transposeA });
  return [dA, dB];
});
