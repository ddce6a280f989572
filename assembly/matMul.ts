// MatMul for the WebAssembly SIMD backend: output [m, n] = op(a) [m, k] x op(b) [k, n] (reference:
// src/kernels/js/matMul.ts). A transposed A is free (gemm reads A through strides); a transposed B
// is first copied to row-major [k, n] in the thread's scratch. Rows of the output split over threads, or, with a
// transposed B of at least as many columns as rows (a Dense layer's input gradient, dA = dC B^T), its columns in
// strips of 8, so each thread copies only its share of B: on 2 threads W2's 64x256 by 2048x256 product copied
// all of B (0.53 ms) on each. Either split gives every value the same sum, in the same order (gemm adds over k in
// one order for any rows or columns, and a strip's columns are the same strip in any split).
//
// Job record: MatMulJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts).

import { GEMM_SCRATCH_BYTES, TILE_COLUMNS, TILE_ROWS, gemm, storeTransposed4x4 } from './gemm';
import { intField, pointerField, rangeEnd, rangeStart } from './job';
import { MatMulJob } from './jobFields';

export function matMul(job: usize, threadIndex: i32, threadCount: i32): void {
  const a = pointerField(job, MatMulJob.a);
  let b = pointerField(job, MatMulJob.b);
  const output = pointerField(job, MatMulJob.output);
  const scratch =
    pointerField(job, MatMulJob.scratch) + <usize>threadIndex * <usize>intField(job, MatMulJob.scratchBytes);
  const m = intField(job, MatMulJob.m);
  const k = intField(job, MatMulJob.k);
  const n = intField(job, MatMulJob.n);
  const transposeA = intField(job, MatMulJob.transposeA) != 0;
  const transposeB = intField(job, MatMulJob.transposeB) != 0;
  if (transposeB && n >= m) {
    // b is [n, k]: this thread's columns [columnStart, columnEnd) of the output are its rows, copied to [k, share].
    const columnStart = rangeStart(n, TILE_COLUMNS, threadIndex, threadCount);
    const columnEnd = rangeEnd(n, TILE_COLUMNS, threadIndex, threadCount);
    if (columnStart >= columnEnd) return;
    const share = columnEnd - columnStart;
    const transposed = scratch + <usize>GEMM_SCRATCH_BYTES;
    transpose(b + ((<usize>columnStart * <usize>k) << 2), share, k, transposed);
    const c = output + ((<usize>columnStart) << 2);
    gemm(a, transposeA ? 1 : k, transposeA ? m : 1, transposed, share, c, n, m, share, k, 0, m, false, scratch);
    return;
  }
  const first = rangeStart(m, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(m, TILE_ROWS, threadIndex, threadCount);
  if (first >= last) return;
  if (transposeB) {
    // b is [n, k]; gemm wants [k, n].
    const transposed = scratch + <usize>GEMM_SCRATCH_BYTES;
    transpose(b, n, k, transposed);
    b = transposed;
  }
  gemm(a, transposeA ? 1 : k, transposeA ? m : 1, b, n, output, n, m, n, k, first, last, false, scratch);
}

/**
 * destination [columns, rows] = source [rows, columns] transposed, in 4x4 blocks of f32x4 shuffles
 * with scalar tails. One value at a time with strided loads took 27% of W2's backward through its
 * Dense layers (dA = dC B^T transposes B, 2048 x 256, on every thread).
 */
function transpose(source: usize, rows: i32, columns: i32, destination: usize): void {
  const rowEnd = rows & ~3;
  const columnEnd = columns & ~3;
  const sourceRowBytes = (<usize>columns) << 2;
  const destinationRowBytes = (<usize>rows) << 2;
  for (let row = 0; row < rowEnd; row += 4) {
    const from = source + <usize>row * sourceRowBytes;
    const to = destination + ((<usize>row) << 2);
    for (let column = 0; column < columnEnd; column += 4) {
      const at = from + ((<usize>column) << 2);
      const r0 = v128.load(at);
      const r1 = v128.load(at + sourceRowBytes);
      const r2 = v128.load(at + 2 * sourceRowBytes);
      const r3 = v128.load(at + 3 * sourceRowBytes);
      storeTransposed4x4(r0, r1, r2, r3, to + <usize>column * destinationRowBytes, destinationRowBytes);
    }
  }
  for (let row = 0; row < rows; row++) {
    const start = row < rowEnd ? columnEnd : 0;
    for (let column = start; column < columns; column++) {
      store<f32>(
        destination + ((<usize>column * <usize>rows + <usize>row) << 2),
        load<f32>(source + ((<usize>row * <usize>columns + <usize>column) << 2)),
      );
    }
  }
}
