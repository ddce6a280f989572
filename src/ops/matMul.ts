// Matrix product op: [m, k] x [k, n] -> [m, n], with optional transposes of either side.

import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { MatMulParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { checkRank, checkSameDtype } from './checks.js';

export interface MatMulOptions {
  transposeA?: boolean | undefined;
  transposeB?: boolean | undefined;
  name?: string | undefined;
}

/**
 * Matrix product of two rank-2 tensors.
 *
 * @example
 * const y = matMul(x, w); // x [64, 3136], w [3136, 128] -> y [64, 128]
 */
export function matMul(a: Tensor, b: Tensor, options: MatMulOptions = {}): Tensor {
  const name = options.name ?? 'matMul';
  checkRank(a, 2, `${name}: a`, '[rows, columns]');
  checkRank(b, 2, `${name}: b`, '[rows, columns]');
  checkSameDtype(name, a, b);
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const [m, k] = transposeA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [bRows, n] = transposeB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (bRows !== k) {
    throw new ShapeError(
      `${name}: inner dimensions differ: a is ${formatShape(a.shape)}${transposeA ? ' (transposed)' : ''}, ` +
        `b is ${formatShape(b.shape)}${transposeB ? ' (transposed)' : ''}`,
    );
  }
  const params: MatMulParams = { m, k, n, transposeA, transposeB };
  const output = allocateTensor([m, n], a.dtype, name);
  runKernel('MatMul', a, b, output, params);
  record({ id: 'MatMul', inputs: [a, b], output, saved: params });
  return output;
}
