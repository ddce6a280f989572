// Single-precision matrix multiply for the WebAssembly SIMD backend: C[m, n] (+)= A[m, k] * B[k, n].
// A is read through element strides (so a transposed A costs nothing extra) and packed 4 rows at a
// time; B and C are row-major. The micro-kernel keeps a 4x8 tile of C in eight f32x4 registers and
// adds one rank-1 update per depth step: 2 loads of B, 4 broadcast loads of packed A, 8 multiply-adds.
// NOTE: a 6x8 tile (12 accumulators) measured half as fast (20 against 44 GFLOP/s at n = 1024):
// V8 keeps a scratch SIMD register, so 15 live vectors spill.
// NOTE: so did unrolling the depth loop by two (two steps, each in its own block): one thread, 1x1
// 112x112x16 -> 96 at batch 8 14.8 -> 16.5 ms, a 3x3 stride-2 28x28x128 -> 256 17.8 -> 24.5 ms.
// NOTE: a 3x12 tile (9 sums, 3 B vectors, A packed 3 rows a tile; each 12 columns a strip and a half of packStrips'
// 8, so the prepared layout stays) in gemmPackedFinished's row groups gave the same bits but did not pay. One thread,
// CPU time, both builds in one process call by call, min of 9, batch 8: with one B pointer and the other two as
// offsets, 1.00-1.19 times the 4x8's time on 23 1x1 shapes of MobileNetV2, EfficientNet-B0 and ResNet-50 (sum of
// medians 1.10; batch 1 the same): V8 scheduled the offsets' subtraction inside the loop, from spilled operands. With
// three B pointers, even (sum 0.998): 0.90-0.97 on EfficientNet's SiLU expansions and 14x14x384 -> 96, but 1.16 on
// 112x112x16 -> 96 and 1.12 on 56x56x256 -> 64 (a 4-column tail each 5 tiles). V8 unrolls the short loop by two and
// rotates the sums between registers (moves each step); with --no-wasm-loop-unrolling the 3x12 ran 0.88-0.95 on 5 of
// 6 shapes. Broadcasting A by shuffles from one load, loading B again as each multiply-add's operand, or splatting
// the clip's bounds after the loop instead of keeping them in registers, was no better (1.04-1.21). The same build
// against itself in this harness read 0.95-1.05 (min of 9), so only a change past that counts.
// Depth and columns are blocked (DEPTH_BLOCK x COLUMN_BLOCK) so a block of B stays in L2 while every
// row tile walks over it; A is packed again for each block (4 x DEPTH_BLOCK floats, cheap).
// gemmPacked takes B already packed whole (packStrips: a constant filter prepared once) and a column
// range, so threads can split a product with few rows (a deep layer at batch 1) over its columns;
// gemmPackedFinished also applies a convolution's output stage (epilogue.ts) as each tile is done.
// The prepared path packs A by row groups (up to 128 KB) and walks B's strips outermost, each strip
// in L1 meeting every row tile of the group: B is read once per group instead of once per row tile,
// and A packed once instead of once per column block (one thread, MobileNetV2's and EfficientNet's
// 1x1 shapes at batch 1 and 8, min of 30 runs: 3 to 11% faster, two deep ones 3% slower).
// gemmNarrowFinished is the prepared path for a row-major A and few columns (a projection 1x1 of 16 to
// 40 channels): all of B in L1, A read in place 4 rows at a time with no packing pass, each row tile
// finished across all its strips before the next (MobileNetV2 at batch 8, one thread, CPU time, medians
// of the min of 15 over 3 alternated rounds: 112x112x32 -> 16 2.44 -> 2.10 ms, 56x56x96 -> 24 2.57 ->
// 2.25 ms, 56x56x144 -> 24 with a residual 3.88 -> 3.42 ms, 51 GFLOP/s; 28x28x192 -> 32 1.63 -> 1.48 ms).
// With an input scale (EfficientNet's gated projections) each row tile is packed scaled into L1 instead
// (2 rounds: 56x56x96 -> 24 2.64-2.90 -> 2.45 ms, 56x56x144 -> 24 4.00-4.15 -> 3.80-3.82 ms).
// NOTE: 5 rows a tile (10 accumulators) ran 1.4 times slower (V8 spilled), and a 240 x 40 filter
// (37.5 KB) no faster this way than packed (hence NARROW_FILTER_FLOATS).
// NOTE: on the shallow expansions (depth 16 to 32; MobileNetV2 at batch 8, one thread, CPU time, 2-3 alternations)
// these did not pay: one row by 48 columns (twelve sums, to keep more multiply-adds in flight) 1.47 times slower on
// 112x112x16 -> 96, as V8 schedules a loop body's loads (effectful) before its multiply-adds (pure), so its twelve
// B vectors and twelve sums spilled; each row tile packed (packRows, narrowTilePacked) the same; the sums started at
// the bias (fewer adds in the output stage; it would change bits against the 1x1 convolution run alone) the same
// (10.7-11.1 against 10.9-11.1 ms).
//
// Lanes and tails: columns go 8 at a time; a partial last strip is packed with zero columns, computes
// 8 lanes and stores only the valid ones. Rows go 4 at a time; a partial last tile is packed with
// zeros. Each element of C is summed over the depth in order, one multiply-add per step, whatever the
// blocking (C is stored and reloaded exactly between depth blocks). So it is computed by the same
// instruction sequence wherever it sits, and results do not depend on how rows or column strips are
// split over threads, nor on gemm against gemmPacked.
// With relaxed SIMD, multiply-add is fused (one rounding) where the hardware has FMA.

import {
  ACTIVATION_CLIP,
  ACTIVATION_NONE,
  ACTIVATION_RELU,
  activateRegisterVector,
  epilogueOf,
  finishColumns,
  finishRow,
  isRegisterActivation,
} from './epilogue';

/**
 * Stores the 4x4 transpose of rows x0 .. x3 (four f32 each): column k of the rows goes to
 * destination + k * stride. Packing A, the Winograd input tiles and MatMul's transposed B share it.
 */
@inline
export function storeTransposed4x4(x0: v128, x1: v128, x2: v128, x3: v128, destination: usize, stride: usize): void {
  const low01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const low23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const high01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const high23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(destination, v128.shuffle<f32>(low01, low23, 0, 1, 4, 5));
  v128.store(destination + stride, v128.shuffle<f32>(low01, low23, 2, 3, 6, 7));
  v128.store(destination + 2 * stride, v128.shuffle<f32>(high01, high23, 0, 1, 4, 5));
  v128.store(destination + 3 * stride, v128.shuffle<f32>(high01, high23, 2, 3, 6, 7));
}

export const TILE_ROWS: i32 = 4;
export const TILE_COLUMNS: i32 = 8;
export const DEPTH_BLOCK: i32 = 256;
/** Columns of B per block: a DEPTH_BLOCK x COLUMN_BLOCK block of B is 256 KB, a quarter of L2. */
export const COLUMN_BLOCK: i32 = 256;
/**
 * Depths and columns of the prepared B per block in gemmPacked (read in place, not packed): 512 KB,
 * half of L2. Depth 512 against 256 measured 10 to 15% faster on deep layers with few rows (one
 * thread: 49x4608x512 36 -> 40 GFLOP/s, 49x320x1280 40 -> 47), the same elsewhere.
 */
export const PACKED_DEPTH_BLOCK: i32 = 512;
/**
 * Floats of packed A per row group in gemmPackedFinished (packRowGroup; 128 KB, in L2 while each
 * strip of B, in L1, meets every row tile of the group).
 */
export const PACKED_ROW_GROUP_FLOATS: i32 = 32768;
/**
 * Floats of C per row group in gemmPackedFinished (256 KB) where an output stage runs over the group's rows after
 * its strips (an activation not in registers), so that they are still in L2.
 */
export const OUTPUT_GROUP_FLOATS: i32 = 65536;
/** Most output columns a prepared 1x1 convolution may have to take gemmNarrowFinished (EfficientNet projects to 40). */
export const NARROW_COLUMNS: i32 = 40;
/** Most floats of a prepared filter (packStrips) for gemmNarrowFinished: 32 KB, in L1 (48 KB here) beside A's tiles. */
export const NARROW_FILTER_FLOATS: i32 = 8192;
/** Bytes of per-thread scratch gemm needs: packed A and B blocks plus a 4x8 tile for partial stores. */
export const GEMM_SCRATCH_BYTES: i32 =
  (DEPTH_BLOCK * TILE_ROWS + DEPTH_BLOCK * COLUMN_BLOCK + TILE_ROWS * TILE_COLUMNS) * 4;

@inline
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Packs rows [row, row + rows) and depths [depthStart, depthStart + depth) of A into `pack` as
 * pack[p * 4 + r] = A(row + r, depthStart + p), zero for r >= rows.
 */
export function packRows(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  row: i32,
  rows: i32,
  depthStart: i32,
  depth: i32,
  pack: usize,
): void {
  if (rows == TILE_ROWS && aRowStride == 1) {
    // Transposed A: the 4 values of a depth step are contiguous.
    for (let p = 0; p < depth; p++) {
      v128.store(
        pack + ((<usize>p) << 4),
        v128.load(a + ((<usize>row + <usize>(depthStart + p) * <usize>aDepthStride) << 2)),
      );
    }
    return;
  }
  if (rows == TILE_ROWS && aDepthStride == 1) {
    // Row-major A (an im2col panel): 4 depths of the 4 rows at a time, transposed in registers.
    const row0 = a + ((<usize>row * <usize>aRowStride + <usize>depthStart) << 2);
    const rowBytes = (<usize>aRowStride) << 2;
    const vectorDepth = depth & ~3;
    let destination = pack;
    for (let p = 0; p < vectorDepth; p += 4) {
      const source = row0 + ((<usize>p) << 2);
      const x0 = v128.load(source);
      const x1 = v128.load(source + rowBytes);
      const x2 = v128.load(source + 2 * rowBytes);
      const x3 = v128.load(source + 3 * rowBytes);
      storeTransposed4x4(x0, x1, x2, x3, destination, 16);
      destination += 64;
    }
    for (let p = vectorDepth; p < depth; p++) {
      for (let r = 0; r < TILE_ROWS; r++) {
        store<f32>(pack + ((<usize>p * 4 + <usize>r) << 2), load<f32>(row0 + <usize>r * rowBytes + ((<usize>p) << 2)));
      }
    }
    return;
  }
  for (let r = 0; r < TILE_ROWS; r++) {
    if (r < rows) {
      const rowBase = a + ((<usize>(row + r) * <usize>aRowStride) << 2);
      for (let p = 0; p < depth; p++) {
        store<f32>(
          pack + ((<usize>p * 4 + <usize>r) << 2),
          load<f32>(rowBase + ((<usize>(depthStart + p) * <usize>aDepthStride) << 2)),
        );
      }
    } else {
      for (let p = 0; p < depth; p++) store<f32>(pack + ((<usize>p * 4 + <usize>r) << 2), 0);
    }
  }
}

/**
 * Packs B rows [depthStart, depthStart + depth) and columns [columnStart, columnEnd) into strips of 8
 * columns: pack[(strip * depth + p) * 8 + j] = B(depthStart + p, columnStart + strip * 8 + j), zero
 * past column n. The micro-kernel then reads B contiguously: rows of B a power-of-two apart (n = 1024)
 * would otherwise all fall in the same L1 cache set (measured: 23 instead of 40 GFLOP/s at n = 1024).
 */
function packColumns(
  b: usize,
  bRowBytes: usize,
  n: i32,
  depthStart: i32,
  depth: i32,
  columnStart: i32,
  columnEnd: i32,
  pack: usize,
): void {
  let destination = pack;
  for (let column = columnStart; column < columnEnd; column += TILE_COLUMNS) {
    const columns = min(TILE_COLUMNS, n - column);
    let source = b + <usize>depthStart * bRowBytes + ((<usize>column) << 2);
    for (let p = 0; p < depth; p++) {
      if (columns == TILE_COLUMNS) {
        v128.store(destination, v128.load(source));
        v128.store(destination, v128.load(source, 16), 16);
      } else {
        for (let j = 0; j < TILE_COLUMNS; j++)
          store<f32>(destination + ((<usize>j) << 2), j < columns ? load<f32>(source + ((<usize>j) << 2)) : 0);
      }
      destination += 32;
      source += bRowBytes;
    }
  }
}

/**
 * One 4x8 tile: C[tile] (+)= packedA[4 x depth] * B[depth x 8]. With finishCode >= 0 (whole tiles
 * only), the output stage in registers before the store: + bias (8 values at finishBias, or none when
 * 0), + residual (a 4x8 tile at finishResidual with C's row stride, or none when 0), then
 * activateRegisterVector(finishCode): the operations of epilogue.ts's finishRow, in its order.
 * Callers without an output stage pass the constant -1, and the optimizer drops that code.
 */
@inline
function microKernel(
  pack: usize,
  b: usize,
  c: usize,
  cRowBytes: usize,
  depth: i32,
  rows: i32,
  columns: i32,
  isAccumulating: bool,
  tile: usize,
  finishCode: i32,
  finishBias: usize,
  finishResidual: usize,
  alphas: v128,
  betas: v128,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0),
    c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0),
    c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  if (isAccumulating) {
    if (columns == TILE_COLUMNS) {
      c00 = v128.load(c);
      c01 = v128.load(c, 16);
      if (rows > 1) {
        c10 = v128.load(c + cRowBytes);
        c11 = v128.load(c + cRowBytes, 16);
      }
      if (rows > 2) {
        c20 = v128.load(c + 2 * cRowBytes);
        c21 = v128.load(c + 2 * cRowBytes, 16);
      }
      if (rows > 3) {
        c30 = v128.load(c + 3 * cRowBytes);
        c31 = v128.load(c + 3 * cRowBytes, 16);
      }
    } else {
      for (let r = 0; r < TILE_ROWS; r++) {
        for (let j = 0; j < TILE_COLUMNS; j++) {
          store<f32>(
            tile + ((<usize>r * 8 + <usize>j) << 2),
            r < rows && j < columns ? load<f32>(c + <usize>r * cRowBytes + ((<usize>j) << 2)) : 0,
          );
        }
      }
      c00 = v128.load(tile);
      c01 = v128.load(tile, 16);
      c10 = v128.load(tile, 32);
      c11 = v128.load(tile, 48);
      c20 = v128.load(tile, 64);
      c21 = v128.load(tile, 80);
      c30 = v128.load(tile, 96);
      c31 = v128.load(tile, 112);
    }
  }
  let bRow = b;
  let packed = pack;
  for (let p = 0; p < depth; p++) {
    const b0 = v128.load(bRow);
    const b1 = v128.load(bRow, 16);
    // Broadcast loads (vbroadcastss) keep the shuffle units free; measured faster than 4 shuffles.
    const a0 = v128.load32_splat(packed);
    const a1 = v128.load32_splat(packed, 4);
    const a2 = v128.load32_splat(packed, 8);
    const a3 = v128.load32_splat(packed, 12);
    c00 = multiplyAdd(a0, b0, c00);
    c01 = multiplyAdd(a0, b1, c01);
    c10 = multiplyAdd(a1, b0, c10);
    c11 = multiplyAdd(a1, b1, c11);
    c20 = multiplyAdd(a2, b0, c20);
    c21 = multiplyAdd(a2, b1, c21);
    c30 = multiplyAdd(a3, b0, c30);
    c31 = multiplyAdd(a3, b1, c31);
    bRow += 32;
    packed += 16;
  }
  storeTile(
    c00,
    c01,
    c10,
    c11,
    c20,
    c21,
    c30,
    c31,
    c,
    cRowBytes,
    rows,
    columns,
    tile,
    finishCode,
    finishBias,
    finishResidual,
    alphas,
    betas,
  );
}

/**
 * The end of a 4x8 micro-kernel: the output stage in registers when finishCode >= 0 (see microKernel),
 * then the tile c00 .. c31 (row r's 8 columns in cr0, cr1) stored at c, only its `rows` x `columns`
 * valid part (through `tile` for a partial strip).
 */
@inline
function storeTile(
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
  c: usize,
  cRowBytes: usize,
  rows: i32,
  columns: i32,
  tile: usize,
  finishCode: i32,
  finishBias: usize,
  finishResidual: usize,
  alphas: v128,
  betas: v128,
): void {
  if (finishCode >= 0) {
    if (finishBias != 0) {
      const bias0 = v128.load(finishBias);
      const bias1 = v128.load(finishBias, 16);
      c00 = f32x4.add(c00, bias0);
      c01 = f32x4.add(c01, bias1);
      c10 = f32x4.add(c10, bias0);
      c11 = f32x4.add(c11, bias1);
      c20 = f32x4.add(c20, bias0);
      c21 = f32x4.add(c21, bias1);
      c30 = f32x4.add(c30, bias0);
      c31 = f32x4.add(c31, bias1);
    }
    if (finishResidual != 0) {
      c00 = f32x4.add(c00, v128.load(finishResidual));
      c01 = f32x4.add(c01, v128.load(finishResidual, 16));
      c10 = f32x4.add(c10, v128.load(finishResidual + cRowBytes));
      c11 = f32x4.add(c11, v128.load(finishResidual + cRowBytes, 16));
      c20 = f32x4.add(c20, v128.load(finishResidual + 2 * cRowBytes));
      c21 = f32x4.add(c21, v128.load(finishResidual + 2 * cRowBytes, 16));
      c30 = f32x4.add(c30, v128.load(finishResidual + 3 * cRowBytes));
      c31 = f32x4.add(c31, v128.load(finishResidual + 3 * cRowBytes, 16));
    }
    c00 = activateRegisterVector(finishCode, c00, alphas, betas);
    c01 = activateRegisterVector(finishCode, c01, alphas, betas);
    c10 = activateRegisterVector(finishCode, c10, alphas, betas);
    c11 = activateRegisterVector(finishCode, c11, alphas, betas);
    c20 = activateRegisterVector(finishCode, c20, alphas, betas);
    c21 = activateRegisterVector(finishCode, c21, alphas, betas);
    c30 = activateRegisterVector(finishCode, c30, alphas, betas);
    c31 = activateRegisterVector(finishCode, c31, alphas, betas);
  }
  if (columns == TILE_COLUMNS) {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    if (rows > 1) {
      v128.store(c + cRowBytes, c10);
      v128.store(c + cRowBytes, c11, 16);
    }
    if (rows > 2) {
      v128.store(c + 2 * cRowBytes, c20);
      v128.store(c + 2 * cRowBytes, c21, 16);
    }
    if (rows > 3) {
      v128.store(c + 3 * cRowBytes, c30);
      v128.store(c + 3 * cRowBytes, c31, 16);
    }
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < columns; j++)
      store<f32>(c + <usize>r * cRowBytes + ((<usize>j) << 2), load<f32>(tile + ((<usize>r * 8 + <usize>j) << 2)));
  }
}

/**
 * One row of C across four whole strips (32 columns): C[row, 32] (+)= packedA row 0 [depth] * 4 strips
 * of B. For a last tile of one row (49 output pixels: 12 tiles of 4, then 1), where the 4x8 kernel
 * would spend three quarters of its multiply-adds on padding rows (one thread: 2% on 49x4608x512,
 * 49x960x160 and 49x320x1280; the row loop is bound by its 8 loads of B). Each element gets the same
 * multiply-adds in the same order as in microKernel.
 */
@inline
function microKernelRow(pack: usize, b: usize, stripBytes: usize, c: usize, depth: i32, isAccumulating: bool): void {
  let c0 = f32x4.splat(0),
    c1 = f32x4.splat(0),
    c2 = f32x4.splat(0),
    c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0),
    c5 = f32x4.splat(0),
    c6 = f32x4.splat(0),
    c7 = f32x4.splat(0);
  if (isAccumulating) {
    c0 = v128.load(c);
    c1 = v128.load(c, 16);
    c2 = v128.load(c, 32);
    c3 = v128.load(c, 48);
    c4 = v128.load(c, 64);
    c5 = v128.load(c, 80);
    c6 = v128.load(c, 96);
    c7 = v128.load(c, 112);
  }
  let strip0 = b;
  const strip1 = stripBytes;
  const strip2 = 2 * stripBytes;
  const strip3 = 3 * stripBytes;
  let packed = pack;
  for (let p = 0; p < depth; p++) {
    const a = v128.load32_splat(packed);
    c0 = multiplyAdd(a, v128.load(strip0), c0);
    c1 = multiplyAdd(a, v128.load(strip0, 16), c1);
    c2 = multiplyAdd(a, v128.load(strip0 + strip1), c2);
    c3 = multiplyAdd(a, v128.load(strip0 + strip1, 16), c3);
    c4 = multiplyAdd(a, v128.load(strip0 + strip2), c4);
    c5 = multiplyAdd(a, v128.load(strip0 + strip2, 16), c5);
    c6 = multiplyAdd(a, v128.load(strip0 + strip3), c6);
    c7 = multiplyAdd(a, v128.load(strip0 + strip3, 16), c7);
    strip0 += 32;
    packed += 16;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
  v128.store(c, c6, 96);
  v128.store(c, c7, 112);
}

/**
 * One depth block of C rows [rowStart, rowEnd), columns [columnStart, columnEnd): packs each 4-row
 * tile of A (4 x depth) once, then runs the micro-kernel over every 8-column strip of B. Strip s of
 * the block (columns columnStart + 8s ..) starts at strips + s * stripBytes and holds `depth` rows of
 * 8 floats. columnStart is a multiple of TILE_COLUMNS.
 */
function multiplyBlock(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  strips: usize,
  stripBytes: usize,
  c: usize,
  cRowBytes: usize,
  m: i32,
  n: i32,
  depthStart: i32,
  depth: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  loadsC: bool,
  pack: usize,
  tile: usize,
): void {
  for (let row = rowStart; row < rowEnd; row += TILE_ROWS) {
    const rows = min(TILE_ROWS, m - row);
    packRows(a, aRowStride, aDepthStride, row, rows, depthStart, depth, pack);
    multiplyTile(
      pack,
      strips,
      stripBytes,
      c + <usize>row * cRowBytes,
      cRowBytes,
      n,
      depth,
      rows,
      columnStart,
      columnEnd,
      loadsC,
      tile,
    );
  }
}

/**
 * One packed row tile of A (packRows' layout, `rows` valid rows) times strips of B: C row tile at
 * cRow, columns [columnStart, columnEnd) (+)= pack x strips, the strip of columnStart first. A tile of
 * one row runs 4 strips at a time (microKernelRow).
 */
@inline
function multiplyTile(
  pack: usize,
  strips: usize,
  stripBytes: usize,
  cRow: usize,
  cRowBytes: usize,
  n: i32,
  depth: i32,
  rows: i32,
  columnStart: i32,
  columnEnd: i32,
  loadsC: bool,
  tile: usize,
): void {
  const none = f32x4.splat(0);
  let strip = strips;
  let column = columnStart;
  if (rows == 1) {
    for (; column + 4 * TILE_COLUMNS <= min(columnEnd, n); column += 4 * TILE_COLUMNS) {
      microKernelRow(pack, strip, stripBytes, cRow + ((<usize>column) << 2), depth, loadsC);
      strip += 4 * stripBytes;
    }
  }
  for (; column < columnEnd; column += TILE_COLUMNS) {
    microKernel(
      pack,
      strip,
      cRow + ((<usize>column) << 2),
      cRowBytes,
      depth,
      rows,
      min(TILE_COLUMNS, n - column),
      loadsC,
      tile,
      -1,
      0,
      0,
      none,
      none,
    );
    strip += stripBytes;
  }
}

/**
 * multiplyTile for callers that pack A themselves (conv2d.ts reads a convolution's windows straight
 * from the input): C rows [row, row + rows) of C[., n] (+)= pack [depth][4] x strips of all n columns
 * (packStrips' layout, depth rows each). tile: TILE_ROWS x TILE_COLUMNS floats of private scratch.
 */
export function multiplyPackedTile(
  pack: usize,
  strips: usize,
  c: usize,
  cRowBytes: usize,
  n: i32,
  depth: i32,
  rows: i32,
  isAccumulating: bool,
  tile: usize,
): void {
  multiplyTile(pack, strips, (<usize>depth) << 5, c, cRowBytes, n, depth, rows, 0, n, isAccumulating, tile);
}

/**
 * packRows of a row-major A (depth stride 1) times a channel scale per image: pack[p * 4 + r] =
 * A(row + r, depthStart + p) * scale[image, depthStart + p] (one f32 product, as the Multiply kernel
 * rounds it), image = (scaleFirstRow + row + r) / scalePixels, zero for r >= rows. The squeeze-and-
 * excitation gate of a 1x1 convolution's input (conv2d.ts field 30), applied as A is packed instead
 * of in a pass of its own over the map.
 */
function packRowsScaled(
  a: usize,
  aRowStride: i32,
  row: i32,
  rows: i32,
  depthStart: i32,
  depth: i32,
  pack: usize,
  scale: usize,
  scaleFirstRow: i32,
  scalePixels: i32,
): void {
  const rowBytes = (<usize>aRowStride) << 2;
  const depthBytes = (<usize>depthStart) << 2;
  const row0 = a + <usize>row * rowBytes + depthBytes;
  // A scale row holds A's k channels, like a row of A.
  const scaleRowBytes = rowBytes;
  const firstImage = (scaleFirstRow + row) / scalePixels;
  const scale0 = scale + <usize>firstImage * scaleRowBytes + depthBytes;
  if (rows == TILE_ROWS) {
    const scale1 = scale + <usize>((scaleFirstRow + row + 1) / scalePixels) * scaleRowBytes + depthBytes;
    const scale2 = scale + <usize>((scaleFirstRow + row + 2) / scalePixels) * scaleRowBytes + depthBytes;
    const scale3 = scale + <usize>((scaleFirstRow + row + 3) / scalePixels) * scaleRowBytes + depthBytes;
    const vectorDepth = depth & ~3;
    let destination = pack;
    for (let p = 0; p < vectorDepth; p += 4) {
      const at = (<usize>p) << 2;
      const source = row0 + at;
      const x0 = f32x4.mul(v128.load(source), v128.load(scale0 + at));
      const x1 = f32x4.mul(v128.load(source + rowBytes), v128.load(scale1 + at));
      const x2 = f32x4.mul(v128.load(source + 2 * rowBytes), v128.load(scale2 + at));
      const x3 = f32x4.mul(v128.load(source + 3 * rowBytes), v128.load(scale3 + at));
      storeTransposed4x4(x0, x1, x2, x3, destination, 16);
      destination += 64;
    }
    for (let p = vectorDepth; p < depth; p++) {
      const at = (<usize>p) << 2;
      store<f32>(pack + ((<usize>p * 4) << 2), load<f32>(row0 + at) * load<f32>(scale0 + at));
      store<f32>(pack + ((<usize>p * 4 + 1) << 2), load<f32>(row0 + rowBytes + at) * load<f32>(scale1 + at));
      store<f32>(pack + ((<usize>p * 4 + 2) << 2), load<f32>(row0 + 2 * rowBytes + at) * load<f32>(scale2 + at));
      store<f32>(pack + ((<usize>p * 4 + 3) << 2), load<f32>(row0 + 3 * rowBytes + at) * load<f32>(scale3 + at));
    }
    return;
  }
  for (let r = 0; r < TILE_ROWS; r++) {
    if (r < rows) {
      const rowBase = row0 + <usize>r * rowBytes;
      const scaleBase = scale + <usize>((scaleFirstRow + row + r) / scalePixels) * scaleRowBytes + depthBytes;
      for (let p = 0; p < depth; p++) {
        const at = (<usize>p) << 2;
        store<f32>(pack + ((<usize>p * 4 + <usize>r) << 2), load<f32>(rowBase + at) * load<f32>(scaleBase + at));
      }
    } else {
      for (let p = 0; p < depth; p++) store<f32>(pack + ((<usize>p * 4 + <usize>r) << 2), 0);
    }
  }
}

/**
 * Packs the row tiles of A rows [rowStart, rowEnd), depths [depthStart, depthStart + depth) one after
 * another (packRows' layout each); with a scale (not 0), packRowsScaled's products instead (A then
 * row-major, its row stride the scale's row of channels).
 */
function packRowGroup(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  m: i32,
  rowStart: i32,
  rowEnd: i32,
  depthStart: i32,
  depth: i32,
  pack: usize,
  scale: usize,
  scaleFirstRow: i32,
  scalePixels: i32,
): void {
  const tileBytes = (<usize>depth) << 4;
  let destination = pack;
  for (let row = rowStart; row < rowEnd; row += TILE_ROWS) {
    if (scale != 0)
      packRowsScaled(
        a,
        aRowStride,
        row,
        min(TILE_ROWS, m - row),
        depthStart,
        depth,
        destination,
        scale,
        scaleFirstRow,
        scalePixels,
      );
    else packRows(a, aRowStride, aDepthStride, row, min(TILE_ROWS, m - row), depthStart, depth, destination);
    destination += tileBytes;
  }
}

/**
 * One depth block of C rows [rowStart, rowEnd), columns [columnStart, columnEnd) from a packed row
 * group (packRowGroup) and prepared strips: strips outermost, so one strip of B (depth x 8 floats,
 * 16 KB at depth 512) stays in L1 while the group's row tiles stream past it from L2. A last tile of
 * one row (49 pixels) runs after the strips, 4 strips at a time (microKernelRow).
 */
function multiplyGroup(
  pack: usize,
  strips: usize,
  stripBytes: usize,
  c: usize,
  cRowBytes: usize,
  m: i32,
  n: i32,
  depth: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  loadsC: bool,
  tile: usize,
): void {
  const none = f32x4.splat(0);
  const tileBytes = (<usize>depth) << 4;
  const tileRowBytes = cRowBytes << 2;
  const hasSingleRowTail = rowEnd == m && (rowEnd - rowStart) % TILE_ROWS == 1;
  const tilesEnd = hasSingleRowTail ? rowEnd - 1 : rowEnd;
  let strip = strips;
  for (let column = columnStart; column < columnEnd; column += TILE_COLUMNS) {
    const columns = min(TILE_COLUMNS, n - column);
    let packed = pack;
    let cTile = c + <usize>rowStart * cRowBytes + ((<usize>column) << 2);
    for (let row = rowStart; row < tilesEnd; row += TILE_ROWS) {
      microKernel(
        packed,
        strip,
        cTile,
        cRowBytes,
        depth,
        min(TILE_ROWS, m - row),
        columns,
        loadsC,
        tile,
        -1,
        0,
        0,
        none,
        none,
      );
      packed += tileBytes;
      cTile += tileRowBytes;
    }
    strip += stripBytes;
  }
  if (!hasSingleRowTail) return;
  const packed = pack + <usize>((tilesEnd - rowStart) / TILE_ROWS) * tileBytes;
  const cRow = c + <usize>tilesEnd * cRowBytes;
  let column = columnStart;
  strip = strips;
  for (; column + 4 * TILE_COLUMNS <= min(columnEnd, n); column += 4 * TILE_COLUMNS) {
    microKernelRow(packed, strip, stripBytes, cRow + ((<usize>column) << 2), depth, loadsC);
    strip += 4 * stripBytes;
  }
  for (; column < columnEnd; column += TILE_COLUMNS) {
    microKernel(
      packed,
      strip,
      cRow + ((<usize>column) << 2),
      cRowBytes,
      depth,
      1,
      min(TILE_COLUMNS, n - column),
      loadsC,
      tile,
      -1,
      0,
      0,
      none,
      none,
    );
    strip += stripBytes;
  }
}

/**
 * multiplyGroup for the last depth block of a product with an output stage (gemmPackedFinished): a
 * separate function, so the stage's code cannot cost the plain loop registers (inlined into one, it
 * made every product 3 to 5% slower). None, ReLU and clip run in the micro-kernel's registers on
 * whole tiles (finishRow on partial ones, right after them); other activations over the group's
 * rows once all its strips are done (the group's C is in L2). A last tile of one row runs after the
 * strips, 4 at a time (microKernelRow), as in multiplyGroup: for a product of one row (a batch-1
 * Dense, a squeeze-and-excitation 1x1 of a 1x1 map), one thread, CPU time, min of 7 rounds, 3
 * interleaved: 512 -> 1000 with a bias 96 -> 55 us, 48 -> 1152 with a sigmoid 12.4 -> 7.5 us,
 * 1280 -> 1000 178 -> 155 us (bound by reading the 5 MB filter).
 */
function multiplyGroupFinished(
  pack: usize,
  strips: usize,
  stripBytes: usize,
  c: usize,
  cRowBytes: usize,
  m: i32,
  n: i32,
  depth: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  loadsC: bool,
  tile: usize,
  finishJob: usize,
  finishBias: usize,
  finishFirstRow: i32,
): void {
  // The activation is dispatched once, not per vector (as in gemmNarrowFinished): one thread, CPU time, batch 8, min
  // of 15 over 3 alternations, 1x1 112x112x16 -> 96 7.73-7.76 -> 7.57-7.67 ms, 56x56x24 -> 144 3.78 -> 3.71 ms.
  const code = epilogueOf(finishJob).activation;
  if (code == ACTIVATION_CLIP)
    groupFinished(
      pack,
      strips,
      stripBytes,
      c,
      cRowBytes,
      m,
      n,
      depth,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      loadsC,
      tile,
      finishJob,
      finishBias,
      finishFirstRow,
      ACTIVATION_CLIP,
    );
  else if (code == ACTIVATION_RELU)
    groupFinished(
      pack,
      strips,
      stripBytes,
      c,
      cRowBytes,
      m,
      n,
      depth,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      loadsC,
      tile,
      finishJob,
      finishBias,
      finishFirstRow,
      ACTIVATION_RELU,
    );
  else if (code == ACTIVATION_NONE)
    groupFinished(
      pack,
      strips,
      stripBytes,
      c,
      cRowBytes,
      m,
      n,
      depth,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      loadsC,
      tile,
      finishJob,
      finishBias,
      finishFirstRow,
      ACTIVATION_NONE,
    );
  else
    groupFinished(
      pack,
      strips,
      stripBytes,
      c,
      cRowBytes,
      m,
      n,
      depth,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      loadsC,
      tile,
      finishJob,
      finishBias,
      finishFirstRow,
      code,
    );
}

/**
 * multiplyGroupFinished for activation `code` (a constant where the caller dispatched it).
 * NOTE: ResNet-50's slow 1x1 layers at batch 1 (bench/pointwiseKernels.js 1 1 cpu 12 resnet50, one thread, 4
 * alternations) did not come from C's row stride: 7x7x512 -> 2040 and -> 2056 ran as -> 2048. A residual costs 8 to
 * 25% (most at depth 64: 56x56x64 -> 256 3.4 against 2.6 ms without), 49 rows about 18% (7x7x512 -> 512 against
 * 14x14x512 -> 512 a flop). None of these paid: loading a word of each line ahead (the next strip of B, the next
 * line of C and the residual, the residual 16 rows ahead, every page or every line of B before the product: 1.02 to
 * 1.08 times the time); each row tile over two strips, so C and the residual use a whole line at once (1.00).
 */
@inline
function groupFinished(
  pack: usize,
  strips: usize,
  stripBytes: usize,
  c: usize,
  cRowBytes: usize,
  m: i32,
  n: i32,
  depth: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  loadsC: bool,
  tile: usize,
  finishJob: usize,
  finishBias: usize,
  finishFirstRow: i32,
  code: i32,
): void {
  const epilogue = epilogueOf(finishJob);
  const isInRegisters = isRegisterActivation(code);
  const alpha = epilogue.alpha;
  const beta = epilogue.beta;
  const alphas = f32x4.splat(alpha);
  const betas = f32x4.splat(beta);
  const residual = epilogue.residual;
  const tileBytes = (<usize>depth) << 4;
  const tileRowBytes = cRowBytes << 2;
  const hasSingleRowTail = rowEnd == m && (rowEnd - rowStart) % TILE_ROWS == 1;
  const tilesEnd = hasSingleRowTail ? rowEnd - 1 : rowEnd;
  let strip = strips;
  for (let column = columnStart; column < columnEnd; column += TILE_COLUMNS) {
    const columns = min(TILE_COLUMNS, n - column);
    const columnBytes = (<usize>column) << 2;
    const tileBias = finishBias != 0 ? finishBias + columnBytes : 0;
    let packed = pack;
    let cTile = c + <usize>rowStart * cRowBytes + columnBytes;
    let residualTile = residual != 0 ? residual + <usize>(finishFirstRow + rowStart) * cRowBytes + columnBytes : 0;
    for (let row = rowStart; row < tilesEnd; row += TILE_ROWS) {
      const rows = min(TILE_ROWS, m - row);
      const isWholeTile = rows == TILE_ROWS && columns == TILE_COLUMNS;
      const finishCode = isInRegisters && isWholeTile ? code : -1;
      microKernel(
        packed,
        strip,
        cTile,
        cRowBytes,
        depth,
        rows,
        columns,
        loadsC,
        tile,
        finishCode,
        tileBias,
        residualTile,
        alphas,
        betas,
      );
      if (isInRegisters && !isWholeTile) {
        for (let r = 0; r < rows; r++) {
          const rowOffset = <usize>r * cRowBytes;
          finishRow(
            cTile + rowOffset,
            tileBias,
            residualTile != 0 ? residualTile + rowOffset : 0,
            columns,
            code,
            alpha,
            beta,
          );
        }
      }
      packed += tileBytes;
      cTile += tileRowBytes;
      if (residualTile != 0) residualTile += tileRowBytes;
    }
    strip += stripBytes;
  }
  if (hasSingleRowTail) {
    // A last tile of one row (a batch-1 Dense, a squeeze-and-excitation 1x1 of a 1x1 map): 4 strips at a
    // time (microKernelRow), then finishRow over them, as for the partial tiles above.
    const packed = pack + <usize>((tilesEnd - rowStart) / TILE_ROWS) * tileBytes;
    const cRow = c + <usize>tilesEnd * cRowBytes;
    const residualRow = residual != 0 ? residual + <usize>(finishFirstRow + tilesEnd) * cRowBytes : 0;
    const none = f32x4.splat(0);
    strip = strips;
    for (let column = columnStart; column < columnEnd; ) {
      const isFourStrips = column + 4 * TILE_COLUMNS <= min(columnEnd, n);
      const columns = isFourStrips ? 4 * TILE_COLUMNS : min(TILE_COLUMNS, n - column);
      const columnBytes = (<usize>column) << 2;
      if (isFourStrips) {
        microKernelRow(packed, strip, stripBytes, cRow + columnBytes, depth, loadsC);
      } else {
        microKernel(
          packed,
          strip,
          cRow + columnBytes,
          cRowBytes,
          depth,
          1,
          columns,
          loadsC,
          tile,
          -1,
          0,
          0,
          none,
          none,
        );
      }
      if (isInRegisters) {
        const rowBias = finishBias != 0 ? finishBias + columnBytes : 0;
        finishRow(
          cRow + columnBytes,
          rowBias,
          residualRow != 0 ? residualRow + columnBytes : 0,
          columns,
          code,
          alpha,
          beta,
        );
      }
      column += isFourStrips ? 4 * TILE_COLUMNS : TILE_COLUMNS;
      strip += isFourStrips ? 4 * stripBytes : stripBytes;
    }
  }
  if (!isInRegisters) {
    finishColumns(
      finishJob,
      c - <usize>finishFirstRow * cRowBytes,
      finishBias,
      finishFirstRow + rowStart,
      rowEnd - rowStart,
      <i32>(cRowBytes >> 2),
      columnStart,
      columnEnd,
    );
  }
}

/** Zero-fills C rows [rowStart, rowEnd), columns [columnStart, columnEnd) (a product with k = 0). */
function clearRows(c: usize, cRowBytes: usize, rowStart: i32, rowEnd: i32, columnStart: i32, columnEnd: i32): void {
  for (let row = rowStart; row < rowEnd; row++)
    memory.fill(c + <usize>row * cRowBytes + ((<usize>columnStart) << 2), 0, (<usize>(columnEnd - columnStart)) << 2);
}

/**
 * C rows [rowStart, rowEnd) of C[m, n] = (accumulate ? C : 0) + A[m, k] * B[k, n].
 * a       A(i, p) = a[i * aRowStride + p * aDepthStride] (floats)
 * b       [k, bRowStride] row-major, first n columns used
 * c       [m, cRowStride] row-major
 * scratch GEMM_SCRATCH_BYTES, 16-byte aligned, private to the calling thread
 * rowStart must be a multiple of TILE_ROWS; rowEnd a multiple of it or m.
 */
export function gemm(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  b: usize,
  bRowStride: i32,
  c: usize,
  cRowStride: i32,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  isAccumulating: bool,
  scratch: usize,
): void {
  const pack = scratch;
  const packedB = scratch + <usize>(DEPTH_BLOCK * TILE_ROWS * 4);
  const tile = packedB + <usize>(DEPTH_BLOCK * COLUMN_BLOCK * 4);
  const bRowBytes = (<usize>bRowStride) << 2;
  const cRowBytes = (<usize>cRowStride) << 2;
  if (k == 0) {
    if (!isAccumulating) clearRows(c, cRowBytes, rowStart, rowEnd, 0, n);
    return;
  }
  // Blocks of B (depth x columns) stay in L2 while every row tile of this thread walks over them.
  for (let depthStart = 0; depthStart < k; depthStart += DEPTH_BLOCK) {
    const depth = min(DEPTH_BLOCK, k - depthStart);
    const loadsC = isAccumulating || depthStart > 0;
    for (let columnStart = 0; columnStart < n; columnStart += COLUMN_BLOCK) {
      const columnEnd = min(n, columnStart + COLUMN_BLOCK);
      packColumns(b, bRowBytes, n, depthStart, depth, columnStart, columnEnd, packedB);
      multiplyBlock(
        a,
        aRowStride,
        aDepthStride,
        packedB,
        (<usize>depth) << 5,
        c,
        cRowBytes,
        m,
        n,
        depthStart,
        depth,
        rowStart,
        rowEnd,
        columnStart,
        columnEnd,
        loadsC,
        pack,
        tile,
      );
    }
  }
}

/** Floats of B [k, n] packed into strips by packStrips: n rounded up to whole strips of 8, times k. */
export function packedStripsFloats(k: i32, n: i32): i32 {
  return ((n + TILE_COLUMNS - 1) / TILE_COLUMNS) * TILE_COLUMNS * k;
}

/**
 * Packs all of B [k, bRowStride] (first n columns) into strips of 8 columns over the full depth:
 * packed[(s * k + p) * 8 + j] = B(p, 8s + j), zero past column n. The form gemmPacked reads (a
 * prepared constant filter keeps it between calls): packColumns' layout with one depth block of k.
 */
export function packStrips(b: usize, bRowStride: i32, k: i32, n: i32, packed: usize): void {
  packColumns(b, (<usize>bRowStride) << 2, n, 0, k, 0, n, packed);
}

/**
 * As gemm, with B already packed by packStrips (no copy, no packing per call) and for C columns
 * [columnStart, columnEnd) only, so threads can split a product with few rows over its columns.
 * packedB  packStrips(B [k, n]), packedStripsFloats(k, n) floats
 * columnStart is a multiple of TILE_COLUMNS; columnEnd a multiple of it or n. Other arguments as gemm
 * (scratch: only its packed-A and tile parts are used).
 */
export function gemmPacked(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  packedB: usize,
  c: usize,
  cRowStride: i32,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  isAccumulating: bool,
  scratch: usize,
): void {
  gemmPackedFinished(
    a,
    aRowStride,
    aDepthStride,
    packedB,
    c,
    cRowStride,
    m,
    n,
    k,
    rowStart,
    rowEnd,
    columnStart,
    columnEnd,
    isAccumulating,
    scratch,
    0,
    0,
    0,
    0,
    0,
  );
}

/**
 * gemmPacked, then the output stage of a convolution job (epilogue.ts: + bias, + residual, activation;
 * none when finishJob is 0), applied to each 4-row tile right after its last depth block, while it is
 * in registers (ReLU, clip, none) or to each row group while it is in L2 (other activations),
 * instead of in a second pass over C. C's rows are rows finishFirstRow + .. of the job's
 * output (so the residual lines up), cRowStride its channel count, finishBias the bias or 0. Measured
 * (one thread, CPU time, MobileNetV2's 1x1 56x56x24 -> 144 with bias and ReLU): 0.69 ms with a pass
 * after each panel, 0.65 ms per row tile, 0.56 ms in registers (0.45 ms with no output stage at all).
 * Every value gets finishRow's operations in its order, so the results are the same bit for bit.
 * inputScale (0: none): A(i, p) is read times inputScale[(finishFirstRow + i) / inputScalePixels, p]
 * (packRowsScaled; A row-major with k columns, the scale [images, k]).
 */
export function gemmPackedFinished(
  a: usize,
  aRowStride: i32,
  aDepthStride: i32,
  packedB: usize,
  c: usize,
  cRowStride: i32,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  isAccumulating: bool,
  scratch: usize,
  finishJob: usize,
  finishBias: usize,
  finishFirstRow: i32,
  inputScale: usize,
  inputScalePixels: i32,
): void {
  const tile = scratch;
  const pack = scratch + <usize>(TILE_ROWS * TILE_COLUMNS * 4);
  const cRowBytes = (<usize>cRowStride) << 2;
  if (k == 0) {
    if (!isAccumulating) clearRows(c, cRowBytes, rowStart, rowEnd, columnStart, columnEnd);
    if (finishJob != 0)
      finishColumns(
        finishJob,
        c - <usize>finishFirstRow * cRowBytes,
        finishBias,
        finishFirstRow + rowStart,
        rowEnd - rowStart,
        cRowStride,
        columnStart,
        columnEnd,
      );
    return;
  }
  const stripBytes = (<usize>k) << 5;
  for (let depthStart = 0; depthStart < k; depthStart += PACKED_DEPTH_BLOCK) {
    const depth = min(PACKED_DEPTH_BLOCK, k - depthStart);
    const loadsC = isAccumulating || depthStart > 0;
    const blockFinishJob = depthStart + depth == k ? finishJob : 0;
    // All rows in one group where A's share of L2 holds them and no output stage reads the group's C again
    // (finishColumns): B is then read once a depth block. One thread, CPU time, medians of 4 to 6 alternated rounds
    // (min of 12 calls each), batch 1: ResNet-50's 14x14x1024 -> 2048 stride 2 (49 rows, 32 a group before) 6.44 /
    // 6.15 -> 5.91 / 5.67 ms. NOTE: groups of more rows than OUTPUT_GROUP_FLOATS allows lost at batch 8 (392 rows):
    // 7x7x512 -> 2048 with a residual 17.3 -> 18.8 ms, 14x14x1024 -> 2048 stride 2 33.6 -> 34.8.
    const isGroupRevisited = blockFinishJob != 0 && !isRegisterActivation(epilogueOf(blockFinishJob).activation);
    const groupFloats = PACKED_ROW_GROUP_FLOATS / depth;
    const isOneGroup = !isGroupRevisited && rowEnd - rowStart <= groupFloats;
    const outputRows = isOneGroup ? groupFloats : OUTPUT_GROUP_FLOATS / (columnEnd - columnStart);
    const groupRows = max(TILE_ROWS, (min(groupFloats, outputRows) / TILE_ROWS) * TILE_ROWS);
    const strips = packedB + <usize>(columnStart / TILE_COLUMNS) * stripBytes + ((<usize>depthStart) << 5);
    for (let groupStart = rowStart; groupStart < rowEnd; groupStart += groupRows) {
      const groupEnd = min(rowEnd, groupStart + groupRows);
      packRowGroup(
        a,
        aRowStride,
        aDepthStride,
        m,
        groupStart,
        groupEnd,
        depthStart,
        depth,
        pack,
        inputScale,
        finishFirstRow,
        inputScalePixels,
      );
      if (blockFinishJob == 0) {
        multiplyGroup(
          pack,
          strips,
          stripBytes,
          c,
          cRowBytes,
          m,
          n,
          depth,
          groupStart,
          groupEnd,
          columnStart,
          columnEnd,
          loadsC,
          tile,
        );
      } else {
        multiplyGroupFinished(
          pack,
          strips,
          stripBytes,
          c,
          cRowBytes,
          m,
          n,
          depth,
          groupStart,
          groupEnd,
          columnStart,
          columnEnd,
          loadsC,
          tile,
          blockFinishJob,
          finishBias,
          finishFirstRow,
        );
      }
    }
  }
}

/**
 * C = A * B for operands packed ahead of time, column strips [stripStart, stripEnd) only (a strip is
 * TILE_COLUMNS columns). Each element is one sum over the whole depth in the micro-kernel's order, so
 * splitting rows or strips over threads never changes a result. Strips go outermost: one strip of B
 * (k x 8 floats, 16 KB at k = 512) stays in L1 while every row tile of A streams past it.
 * packedA [ceil(m / 4)][k][4]  row tiles as packRows writes them (rows past m are computed, not stored)
 * packedB [strips][k][8]       strips as packColumns writes them over the whole depth, zero past column n
 * c       [m, cRowStride] row-major
 * tile    TILE_ROWS x TILE_COLUMNS floats of scratch private to the calling thread (partial strips)
 */
export function gemmPackedOperands(
  packedA: usize,
  packedB: usize,
  c: usize,
  cRowStride: i32,
  m: i32,
  n: i32,
  k: i32,
  stripStart: i32,
  stripEnd: i32,
  tile: usize,
): void {
  const none = f32x4.splat(0);
  const cRowBytes = (<usize>cRowStride) << 2;
  const tileBytes = (<usize>k * TILE_ROWS) << 2;
  const stripBytes = (<usize>k * TILE_COLUMNS) << 2;
  for (let strip = stripStart; strip < stripEnd; strip++) {
    const column = strip * TILE_COLUMNS;
    const columns = min(TILE_COLUMNS, n - column);
    const b = packedB + <usize>strip * stripBytes;
    let a = packedA;
    let cTile = c + ((<usize>column) << 2);
    for (let row = 0; row < m; row += TILE_ROWS) {
      microKernel(a, b, cTile, cRowBytes, k, min(TILE_ROWS, m - row), columns, false, tile, -1, 0, 0, none, none);
      a += tileBytes;
      cTile += cRowBytes * TILE_ROWS;
    }
  }
}

/**
 * gemmPackedOperands with A in channel groups: row tile i holds, for each group of 4 depth steps q, its 4 rows' 4
 * values in turn, A(4 i + r, 4 q + j) at packedA + 16 (k i + 4 q + r) + 4 j (floats; k a multiple of 4). A Winograd
 * input transform computes one tile's 4 channels per vector, which this layout takes as they are: packedA's
 * [ceil(m / 4)][k][4] would need each 4 tiles' vectors transposed. The same multiply-adds in the same order as
 * gemmPackedOperands's, so the same bits.
 */
export function gemmGroupedOperands(
  packedA: usize,
  packedB: usize,
  c: usize,
  cRowStride: i32,
  m: i32,
  n: i32,
  k: i32,
  stripStart: i32,
  stripEnd: i32,
  tile: usize,
): void {
  const none = f32x4.splat(0);
  const cRowBytes = (<usize>cRowStride) << 2;
  const tileBytes = (<usize>k * TILE_ROWS) << 2;
  const stripBytes = (<usize>k * TILE_COLUMNS) << 2;
  for (let strip = stripStart; strip < stripEnd; strip++) {
    const column = strip * TILE_COLUMNS;
    const columns = min(TILE_COLUMNS, n - column);
    const b = packedB + <usize>strip * stripBytes;
    let a = packedA;
    let cTile = c + ((<usize>column) << 2);
    for (let row = 0; row < m; row += TILE_ROWS) {
      let c00 = none,
        c01 = none,
        c10 = none,
        c11 = none;
      let c20 = none,
        c21 = none,
        c30 = none,
        c31 = none;
      let bRow = b;
      let group = a;
      for (let q = 0; q < k; q += 4) {
        let packed = group;
        for (let j = 0; j < 4; j++) {
          const b0 = v128.load(bRow);
          const b1 = v128.load(bRow, 16);
          const a0 = v128.load32_splat(packed);
          const a1 = v128.load32_splat(packed, 16);
          const a2 = v128.load32_splat(packed, 32);
          const a3 = v128.load32_splat(packed, 48);
          c00 = multiplyAdd(a0, b0, c00);
          c01 = multiplyAdd(a0, b1, c01);
          c10 = multiplyAdd(a1, b0, c10);
          c11 = multiplyAdd(a1, b1, c11);
          c20 = multiplyAdd(a2, b0, c20);
          c21 = multiplyAdd(a2, b1, c21);
          c30 = multiplyAdd(a3, b0, c30);
          c31 = multiplyAdd(a3, b1, c31);
          bRow += 32;
          packed += 4;
        }
        group += 64;
      }
      const rows = min(TILE_ROWS, m - row);
      storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cTile, cRowBytes, rows, columns, tile, -1, 0, 0, none, none);
      a += tileBytes;
      cTile += cRowBytes * TILE_ROWS;
    }
  }
}

/**
 * gemmPackedOperands a block of `depthBlock` steps at a time, every row tile over a block before the next block, the
 * sums kept in C between blocks (stored and reloaded exactly: the same multiply-adds in the same order, so the same
 * bits). For a prepared B read from memory with few row tiles: the first row tile over a block meets its lines from
 * memory while the hardware prefetcher fetches the next block's behind the others, instead of the first row tile
 * waiting for a whole strip. Whole strips only (n a multiple of 8), and C holds every row of the last row tile (rows
 * past m are computed and stored).
 * NOTE: reading a byte of each line of the next strip ahead inside the depth loop instead (one every 4 steps, wasm has
 * no prefetch) lost: ResNet-18 at batch 1, one thread, CPU time, its two 7x7x512 layers with a residual F(4x4) 10.6-11.0
 * -> 14.8-18.4 ms, F(2x2) about even, and the other prepared layers slower too.
 */
export function gemmDepthBlockedOperands(
  packedA: usize,
  packedB: usize,
  c: usize,
  cRowStride: i32,
  m: i32,
  k: i32,
  stripStart: i32,
  stripEnd: i32,
  depthBlock: i32,
): void {
  const none = f32x4.splat(0);
  const cRowBytes = (<usize>cRowStride) << 2;
  const tileBytes = (<usize>k * TILE_ROWS) << 2;
  const stripBytes = (<usize>k * TILE_COLUMNS) << 2;
  for (let strip = stripStart; strip < stripEnd; strip++) {
    const b = packedB + <usize>strip * stripBytes;
    const cStrip = c + ((<usize>(strip * TILE_COLUMNS)) << 2);
    for (let depthStart = 0; depthStart < k; depthStart += depthBlock) {
      const depthEnd = min(k, depthStart + depthBlock);
      let a = packedA + ((<usize>depthStart) << 4);
      let cTile = cStrip;
      for (let row = 0; row < m; row += TILE_ROWS) {
        let c00 = none,
          c01 = none,
          c10 = none,
          c11 = none;
        let c20 = none,
          c21 = none,
          c30 = none,
          c31 = none;
        if (depthStart > 0) {
          c00 = v128.load(cTile);
          c01 = v128.load(cTile, 16);
          c10 = v128.load(cTile + cRowBytes);
          c11 = v128.load(cTile + cRowBytes, 16);
          c20 = v128.load(cTile + 2 * cRowBytes);
          c21 = v128.load(cTile + 2 * cRowBytes, 16);
          c30 = v128.load(cTile + 3 * cRowBytes);
          c31 = v128.load(cTile + 3 * cRowBytes, 16);
        }
        let bRow = b + ((<usize>depthStart) << 5);
        let packed = a;
        for (let p = depthStart; p < depthEnd; p++) {
          const b0 = v128.load(bRow);
          const b1 = v128.load(bRow, 16);
          const a0 = v128.load32_splat(packed);
          const a1 = v128.load32_splat(packed, 4);
          const a2 = v128.load32_splat(packed, 8);
          const a3 = v128.load32_splat(packed, 12);
          c00 = multiplyAdd(a0, b0, c00);
          c01 = multiplyAdd(a0, b1, c01);
          c10 = multiplyAdd(a1, b0, c10);
          c11 = multiplyAdd(a1, b1, c11);
          c20 = multiplyAdd(a2, b0, c20);
          c21 = multiplyAdd(a2, b1, c21);
          c30 = multiplyAdd(a3, b0, c30);
          c31 = multiplyAdd(a3, b1, c31);
          bRow += 32;
          packed += 16;
        }
        v128.store(cTile, c00);
        v128.store(cTile, c01, 16);
        v128.store(cTile + cRowBytes, c10);
        v128.store(cTile + cRowBytes, c11, 16);
        v128.store(cTile + 2 * cRowBytes, c20);
        v128.store(cTile + 2 * cRowBytes, c21, 16);
        v128.store(cTile + 3 * cRowBytes, c30);
        v128.store(cTile + 3 * cRowBytes, c31, 16);
        a += tileBytes;
        cTile += cRowBytes * TILE_ROWS;
      }
    }
  }
}

/**
 * microKernel over the whole depth with A read in place, not packed: row r of the tile is the
 * row-major A row at aRows + r * aRowBytes, its depth step p at + 4p (rows past `rows` repeat row 0,
 * computed and not stored). The same multiply-adds in the same order as microKernel's, so the same
 * bits; the output stage as there (finishCode -1: none).
 */
@inline
function microKernelInPlace(
  aRows: usize,
  aRowBytes: usize,
  b: usize,
  c: usize,
  cRowBytes: usize,
  depth: i32,
  rows: i32,
  columns: i32,
  tile: usize,
  finishCode: i32,
  finishBias: usize,
  finishResidual: usize,
  alphas: v128,
  betas: v128,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0),
    c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0),
    c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  let row0 = aRows;
  let row1 = rows > 1 ? aRows + aRowBytes : aRows;
  let row2 = rows > 2 ? aRows + 2 * aRowBytes : aRows;
  let row3 = rows > 3 ? aRows + 3 * aRowBytes : aRows;
  let bRow = b;
  for (let p = 0; p < depth; p++) {
    const b0 = v128.load(bRow);
    const b1 = v128.load(bRow, 16);
    const a0 = v128.load32_splat(row0);
    const a1 = v128.load32_splat(row1);
    const a2 = v128.load32_splat(row2);
    const a3 = v128.load32_splat(row3);
    c00 = multiplyAdd(a0, b0, c00);
    c01 = multiplyAdd(a0, b1, c01);
    c10 = multiplyAdd(a1, b0, c10);
    c11 = multiplyAdd(a1, b1, c11);
    c20 = multiplyAdd(a2, b0, c20);
    c21 = multiplyAdd(a2, b1, c21);
    c30 = multiplyAdd(a3, b0, c30);
    c31 = multiplyAdd(a3, b1, c31);
    bRow += 32;
    row0 += 4;
    row1 += 4;
    row2 += 4;
    row3 += 4;
  }
  storeTile(
    c00,
    c01,
    c10,
    c11,
    c20,
    c21,
    c30,
    c31,
    c,
    cRowBytes,
    rows,
    columns,
    tile,
    finishCode,
    finishBias,
    finishResidual,
    alphas,
    betas,
  );
}

/** Rows per chunk of gemmNarrowFinished: an output stage outside registers runs over each chunk while it is in L1. */
const NARROW_CHUNK_ROWS: i32 = 64;

/**
 * gemmPackedFinished for a row-major A [m, k] (row stride k) and a prepared B of few columns, all of
 * them (columns [0, n)), over the whole depth at once: C rows [rowStart, rowEnd) = A x B, then the
 * output stage (finishJob 0: none) as there. B (packStrips) stays in L1 whole, so each 4-row tile of
 * A is read in place, from memory once and from L1 by its other strips, instead of packed first.
 * With an input scale (not 0; as gemmPackedFinished's), each row tile is packed with it (packRowsScaled)
 * into `pack` (4k floats, in L1) and then meets every strip.
 * scratch: TILE_ROWS x TILE_COLUMNS floats, then 4k more with an input scale, private to the thread.
 */
export function gemmNarrowFinished(
  a: usize,
  packedB: usize,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  scratch: usize,
  finishJob: usize,
  finishBias: usize,
  finishFirstRow: i32,
  inputScale: usize,
  inputScalePixels: i32,
): void {
  // The activation is dispatched once, not per vector: with `code` a constant in each inlined copy, the micro-kernel's
  // output stage has no switch. One thread, CPU time, batch 8, min of 15, 3 alternations, the fused expansion +
  // depthwise (bench/expandedDepthwiseKernels.ts shapes): 112x112x16 -> 96 s2 9.05-9.11 -> 8.28-8.42 ms, 56x56x24 -> 144
  // s1 5.60-5.66 -> 5.39-5.42 ms, s2 4.26-4.32 -> 4.07 ms.
  const code = finishJob != 0 ? epilogueOf(finishJob).activation : ACTIVATION_NONE;
  if (code == ACTIVATION_CLIP)
    narrowFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      scratch,
      finishJob,
      finishBias,
      finishFirstRow,
      inputScale,
      inputScalePixels,
      ACTIVATION_CLIP,
    );
  else if (code == ACTIVATION_RELU)
    narrowFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      scratch,
      finishJob,
      finishBias,
      finishFirstRow,
      inputScale,
      inputScalePixels,
      ACTIVATION_RELU,
    );
  else if (code == ACTIVATION_NONE)
    narrowFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      scratch,
      finishJob,
      finishBias,
      finishFirstRow,
      inputScale,
      inputScalePixels,
      ACTIVATION_NONE,
    );
  else
    narrowFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      scratch,
      finishJob,
      finishBias,
      finishFirstRow,
      inputScale,
      inputScalePixels,
      code,
    );
}

/** gemmNarrowFinished for activation `code` (a constant where the caller dispatched it; finishJob's otherwise). */
@inline
function narrowFinished(
  a: usize,
  packedB: usize,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  scratch: usize,
  finishJob: usize,
  finishBias: usize,
  finishFirstRow: i32,
  inputScale: usize,
  inputScalePixels: i32,
  code: i32,
): void {
  const tile = scratch;
  const pack = scratch + <usize>(TILE_ROWS * TILE_COLUMNS * 4);
  const epilogue = epilogueOf(finishJob);
  const isInRegisters = isRegisterActivation(code);
  const alpha = finishJob != 0 ? epilogue.alpha : 0;
  const beta = finishJob != 0 ? epilogue.beta : 0;
  const alphas = f32x4.splat(alpha);
  const betas = f32x4.splat(beta);
  const residual = finishJob != 0 ? epilogue.residual : 0;
  const hasFinish = finishJob != 0 || finishBias != 0;
  const aRowBytes = (<usize>k) << 2;
  const cRowBytes = (<usize>n) << 2;
  const stripBytes = (<usize>k) << 5;
  for (let chunkStart = rowStart; chunkStart < rowEnd; chunkStart += NARROW_CHUNK_ROWS) {
    const chunkEnd = min(rowEnd, chunkStart + NARROW_CHUNK_ROWS);
    for (let row = chunkStart; row < chunkEnd; row += TILE_ROWS) {
      const rows = min(TILE_ROWS, m - row);
      const aRows = a + <usize>row * aRowBytes;
      const cRow = c + <usize>row * cRowBytes;
      const residualRow = residual != 0 ? residual + <usize>(finishFirstRow + row) * cRowBytes : 0;
      if (inputScale != 0) {
        packRowsScaled(a, k, row, rows, 0, k, pack, inputScale, finishFirstRow, inputScalePixels);
        narrowTilePacked(
          pack,
          packedB,
          stripBytes,
          cRow,
          cRowBytes,
          n,
          k,
          rows,
          tile,
          hasFinish && isInRegisters,
          code,
          finishBias,
          residualRow,
          alpha,
          beta,
        );
        continue;
      }
      let strip = packedB;
      for (let column = 0; column < n; column += TILE_COLUMNS) {
        const columns = min(TILE_COLUMNS, n - column);
        const columnBytes = (<usize>column) << 2;
        const isWholeTile = rows == TILE_ROWS && columns == TILE_COLUMNS;
        const tileBias = finishBias != 0 ? finishBias + columnBytes : 0;
        const tileResidual = residualRow != 0 ? residualRow + columnBytes : 0;
        if (hasFinish && isInRegisters && isWholeTile) {
          microKernelInPlace(
            aRows,
            aRowBytes,
            strip,
            cRow + columnBytes,
            cRowBytes,
            k,
            rows,
            columns,
            tile,
            code,
            tileBias,
            tileResidual,
            alphas,
            betas,
          );
        } else {
          microKernelInPlace(
            aRows,
            aRowBytes,
            strip,
            cRow + columnBytes,
            cRowBytes,
            k,
            rows,
            columns,
            tile,
            -1,
            0,
            0,
            alphas,
            betas,
          );
          if (hasFinish && isInRegisters) {
            for (let r = 0; r < rows; r++) {
              const rowOffset = <usize>r * cRowBytes;
              finishRow(
                cRow + columnBytes + rowOffset,
                tileBias,
                tileResidual != 0 ? tileResidual + rowOffset : 0,
                columns,
                code,
                alpha,
                beta,
              );
            }
          }
        }
        strip += stripBytes;
      }
    }
    if (hasFinish && !isInRegisters) {
      finishColumns(
        finishJob,
        c - <usize>finishFirstRow * cRowBytes,
        finishBias,
        finishFirstRow + chunkStart,
        chunkEnd - chunkStart,
        n,
        0,
        n,
      );
    }
  }
}

/**
 * gemmNarrowFinished's row tile from packed A (packRows' layout, `rows` valid rows): C row tile at cRow,
 * all n columns, = pack x strips, then (isFinished) the output stage in registers on whole tiles and
 * finishRow on partial ones, as multiplyGroupFinished does.
 */
@inline
function narrowTilePacked(
  pack: usize,
  strips: usize,
  stripBytes: usize,
  cRow: usize,
  cRowBytes: usize,
  n: i32,
  depth: i32,
  rows: i32,
  tile: usize,
  isFinished: bool,
  code: i32,
  finishBias: usize,
  residualRow: usize,
  alpha: f32,
  beta: f32,
): void {
  const alphas = f32x4.splat(alpha);
  const betas = f32x4.splat(beta);
  let strip = strips;
  for (let column = 0; column < n; column += TILE_COLUMNS) {
    const columns = min(TILE_COLUMNS, n - column);
    const columnBytes = (<usize>column) << 2;
    const isWholeTile = rows == TILE_ROWS && columns == TILE_COLUMNS;
    const tileBias = finishBias != 0 ? finishBias + columnBytes : 0;
    const tileResidual = residualRow != 0 ? residualRow + columnBytes : 0;
    microKernel(
      pack,
      strip,
      cRow + columnBytes,
      cRowBytes,
      depth,
      rows,
      columns,
      false,
      tile,
      isFinished && isWholeTile ? code : -1,
      tileBias,
      tileResidual,
      alphas,
      betas,
    );
    if (isFinished && !isWholeTile) {
      for (let r = 0; r < rows; r++) {
        const rowOffset = <usize>r * cRowBytes;
        finishRow(
          cRow + columnBytes + rowOffset,
          tileBias,
          tileResidual != 0 ? tileResidual + rowOffset : 0,
          columns,
          code,
          alpha,
          beta,
        );
      }
    }
    strip += stripBytes;
  }
}

/**
 * Most output columns of a prepared 1x1 convolution for gemmInPlaceFinished: packing A costs about 4 / n of the
 * multiply-adds' time, so it is worth skipping only on few columns (320 and more measured the same or 1% slower).
 */
export const IN_PLACE_COLUMNS: i32 = 160;
/**
 * Least depth of a prepared 1x1 convolution for gemmInPlaceFinished: on shallow ones the four row pointers and the
 * per-tile setup cost more than packing saves (one thread, batch 8: 14x14x64 -> 384 and 7x7x160 -> 960 6% slower,
 * 14x14x384 -> 96 1.5% slower, 384 -> 64 the same).
 */
export const IN_PLACE_MIN_DEPTH: i32 = 512;
/** Most floats of A's rows per row group of gemmInPlaceFinished (128 KB, in L2 while every strip passes over it). */
const IN_PLACE_GROUP_FLOATS: i32 = 32768;

/**
 * gemmPackedFinished for a row-major A [m, k] (row stride k) read in place, not packed: C rows [rowStart, rowEnd),
 * columns [columnStart, columnEnd) = A x B, then the output stage (finishJob 0: none) as there. Rows go in groups of
 * IN_PLACE_GROUP_FLOATS of A (in L2), strips outermost within a group: one strip (k x 8 floats) stays in L1 while
 * each 4-row tile of the group is read from L2 where it lies (microKernelInPlace), so no packing pass runs (its
 * shuffles against n / 8 strips of multiply-adds per row tile). The same bits as gemmPackedFinished. Measured against
 * it (MobileNetV2 at batch 8, one thread, CPU time, both builds in one process call by call, ratio of the medians of
 * 30 and 40, twice): 14x14x576 -> 96 with a residual 0.983-0.987, 7x7x576 -> 160 0.983-0.984, 7x7x960 -> 160 with a
 * residual 0.967-0.971; ResNet-50's 28x28x512 -> 128 0.998; at batch 1 within 1%.
 * scratch: TILE_ROWS x TILE_COLUMNS floats, private to the thread.
 */
export function gemmInPlaceFinished(
  a: usize,
  packedB: usize,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  scratch: usize,
  finishJob: usize,
  finishBias: usize,
): void {
  const code = finishJob != 0 ? epilogueOf(finishJob).activation : ACTIVATION_NONE;
  if (code == ACTIVATION_CLIP)
    inPlaceFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      scratch,
      finishJob,
      finishBias,
      ACTIVATION_CLIP,
    );
  else if (code == ACTIVATION_RELU)
    inPlaceFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      scratch,
      finishJob,
      finishBias,
      ACTIVATION_RELU,
    );
  else if (code == ACTIVATION_NONE)
    inPlaceFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      scratch,
      finishJob,
      finishBias,
      ACTIVATION_NONE,
    );
  else
    inPlaceFinished(
      a,
      packedB,
      c,
      m,
      n,
      k,
      rowStart,
      rowEnd,
      columnStart,
      columnEnd,
      scratch,
      finishJob,
      finishBias,
      code,
    );
}

/** gemmInPlaceFinished for activation `code` (a constant where the caller dispatched it; finishJob's otherwise). */
@inline
function inPlaceFinished(
  a: usize,
  packedB: usize,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  columnStart: i32,
  columnEnd: i32,
  tile: usize,
  finishJob: usize,
  finishBias: usize,
  code: i32,
): void {
  const epilogue = epilogueOf(finishJob);
  const isInRegisters = isRegisterActivation(code);
  const alpha = finishJob != 0 ? epilogue.alpha : 0;
  const beta = finishJob != 0 ? epilogue.beta : 0;
  const alphas = f32x4.splat(alpha);
  const betas = f32x4.splat(beta);
  const residual = finishJob != 0 ? epilogue.residual : 0;
  const hasFinish = finishJob != 0 || finishBias != 0;
  const aRowBytes = (<usize>k) << 2;
  const cRowBytes = (<usize>n) << 2;
  const stripBytes = (<usize>k) << 5;
  const tileARowBytes = aRowBytes << 2;
  const tileCRowBytes = cRowBytes << 2;
  const groupRows = max(TILE_ROWS, (IN_PLACE_GROUP_FLOATS / k / TILE_ROWS) * TILE_ROWS);
  for (let groupStart = rowStart; groupStart < rowEnd; groupStart += groupRows) {
    const groupEnd = min(rowEnd, groupStart + groupRows);
    let strip = packedB + <usize>(columnStart / TILE_COLUMNS) * stripBytes;
    for (let column = columnStart; column < columnEnd; column += TILE_COLUMNS) {
      const columns = min(TILE_COLUMNS, n - column);
      const columnBytes = (<usize>column) << 2;
      const tileBias = finishBias != 0 ? finishBias + columnBytes : 0;
      let aRows = a + <usize>groupStart * aRowBytes;
      let cTile = c + <usize>groupStart * cRowBytes + columnBytes;
      let residualTile = residual != 0 ? residual + <usize>groupStart * cRowBytes + columnBytes : 0;
      for (let row = groupStart; row < groupEnd; row += TILE_ROWS) {
        const rows = min(TILE_ROWS, m - row);
        const isWholeTile = rows == TILE_ROWS && columns == TILE_COLUMNS;
        if (hasFinish && isInRegisters && isWholeTile) {
          microKernelInPlace(
            aRows,
            aRowBytes,
            strip,
            cTile,
            cRowBytes,
            k,
            rows,
            columns,
            tile,
            code,
            tileBias,
            residualTile,
            alphas,
            betas,
          );
        } else {
          microKernelInPlace(
            aRows,
            aRowBytes,
            strip,
            cTile,
            cRowBytes,
            k,
            rows,
            columns,
            tile,
            -1,
            0,
            0,
            alphas,
            betas,
          );
          if (hasFinish && isInRegisters) {
            for (let r = 0; r < rows; r++) {
              const rowOffset = <usize>r * cRowBytes;
              finishRow(
                cTile + rowOffset,
                tileBias,
                residualTile != 0 ? residualTile + rowOffset : 0,
                columns,
                code,
                alpha,
                beta,
              );
            }
          }
        }
        aRows += tileARowBytes;
        cTile += tileCRowBytes;
        if (residualTile != 0) residualTile += tileCRowBytes;
      }
      strip += stripBytes;
    }
    if (hasFinish && !isInRegisters)
      finishColumns(finishJob, c, finishBias, groupStart, groupEnd - groupStart, n, columnStart, columnEnd);
  }
}
