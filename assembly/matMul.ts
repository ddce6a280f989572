// MatMul for the WebAssembly SIMD backend: output [m, n] = op(a) [m, k] x op(b) [k, n] (reference:
// src/kernels/js/matMul.ts). A transposed A is free (gemm reads A through strides); a transposed B
// is first copied to row-major [k, n] in the thread's scratch. Rows of the output split over threads.
//
// Job record: 0 a, 1 b, 2 output, 3 scratch base, 4 scratch bytes per thread,
//   5 m, 6 k, 7 n, 8 transposeA (0/1), 9 transposeB (0/1)

import { GEMM_SCRATCH_BYTES, TILE_ROWS, gemm } from './gemm';
import { intField, pointerField, rangeEnd, rangeStart } from './job';

export function matMul(job: usize, threadIndex: i32, threadCount: i32): void {
  const a = pointerField(job, 0);
  let b = pointerField(job, 1);
  const output = pointerField(job, 2);
  const scratch = pointerField(job, 3) + <usize>threadIndex * <usize>intField(job, 4);
  const m = intField(job, 5);
  const k = intField(job, 6);
  const n = intField(job, 7);
  const transposeA = intField(job, 8) != 0;
  const transposeB = intField(job, 9) != 0;
  const first = rangeStart(m, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(m, TILE_ROWS, threadIndex, threadCount);
  if (first >= last) return;
  if (transposeB) {
    // b is [n, k]; gemm wants [k, n].
    const transposed = scratch + <usize>GEMM_SCRATCH_BYTES;
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) store<f32>(transposed + ((<usize>p * <usize>n + <usize>j) << 2), load<f32>(b + ((<usize>j * <usize>k + <usize>p) << 2)));
    }
    b = transposed;
  }
  gemm(a, transposeA ? 1 : k, transposeA ? m : 1, b, n, output, n, m, n, k, first, last, false, scratch);
}
