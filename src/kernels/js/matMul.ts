// Reference matrix product, row-major, with optional transposes (Dense forward and both gradients).

import type { FloatArray } from '../../core/dtype.js';
import type { MatMulParams } from '../params.js';

/**
 * a      [m, k], or [k, m] when transposeA
 * b      [k, n], or [n, k] when transposeB
 * output [m, n] (overwritten)
 */
export function matMul(a: FloatArray, b: FloatArray, output: FloatArray, params: MatMulParams): void {
  const { m, k, n, transposeA, transposeB } = params;
  const aRowStride = transposeA ? 1 : k;
  const aDepthStride = transposeA ? m : 1;
  const bDepthStride = transposeB ? 1 : n;
  const bColumnStride = transposeB ? k : 1;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    // i-p-j order keeps the innermost loop on a contiguous row of b when b is not transposed.
    for (let p = 0; p < k; p++) {
      const aValue = a[i * aRowStride + p * aDepthStride]!;
      const bBase = p * bDepthStride;
      for (let j = 0; j < n; j++) row[j]! += aValue * b[bBase + j * bColumnStride]!;
    }
    output.set(row, i * n);
  }
}
