// 3x3 stride-2 convolution by a polyphase Winograd algorithm, F(2x2, 3x3) at stride 2. Along each axis a
// stride-2 3-tap correlation splits into its even input samples, a 2-tap stride-1 correlation taken by
// Winograd's F(2, 2), and its odd samples, a 1-tap one taken directly: two outputs y0 = x0 g0 + x1 g1 + x2 g2,
// y1 = x2 g0 + x3 g1 + x4 g2 cost 3 + 2 multiplies instead of 6, so a 2x2 block of outputs costs 25 instead
// of 36 (1.44 times fewer GEMM operations than im2col). Along one axis (x the 5 inputs of a tile, g the taps):
//   v = B^T x = (x0 - x2, x2, x4 - x2, x1, x3),  u = G g = (g0, g0 + g2, g2, g1, g1),
//   y = A^T m = (m0 + m1 + m3, m1 + m2 + m4), with m = u * v;
// in 2-D V = B^T d B, U = G g G^T, Y = A^T M A as in winograd.ts (25 GEMMs, one per position xi = 5 i + j).
// Every coefficient is 0 or +-1: the transforms round no more than im2col's sums do.
// The input gradient (a transposed convolution, see src/kernels/js/conv2d.ts) is the transpose of the same
// algorithm, written as a gather so that tiles never write the same pixel: with pad 1, a 4x4 block of dInput
// starting at 4 t gets, along one axis, dInput[4t] = g1 a, dInput[4t + 1] = g0 b + g2 a,
// dInput[4t + 2] = g1 b, dInput[4t + 3] = g0 c + g2 b from the dOut samples a, b, c at 2 t, 2 t + 1, 2 t + 2:
//   v = (a - b, b, c - b, a, b),  u = (g2, g0 + g2, g0, g1, g1) (G of the flipped filter),
//   dInput block = (m3, m0 + m1, m4, m1 + m2).
// The filter gradient is its dual: over the tiles of 2x2 output blocks, with e the 2 dOut samples of a tile,
//   w = (e0, e0 + e1, e1, e0, e1),  dW = (m0 + m1, m3 + m4, m1 + m2), m = sum over tiles of v * w.
// Limits: channel counts in multiples of 4 (f32x4 lanes, the JS side checks); the input gradient assumes
// padTop = padLeft = 1 (ResNet's stride-2 layers); the forward and filter passes take any padding. Partial
// tiles (odd outputs; input-gradient tiles whose dOut samples b, c lie past dOut) go last, in edge order, and the
// GEMMs skip the positions they do not need (plainTileIndex, edgePositionRows in winograd.ts): on
// ResNet-18's 14x14x256->512 layer (7x7 out, 16 tiles an image of which 7 partial) 342 GEMM rows x positions an
// image instead of 400; batch 16, one thread, process CPU time, medians of 6 in-process alternations, before ->
// after: forward (im2col before) 39.8 -> 36.5 ms, input gradient 41.2 -> 33.6, filter gradient (im2col) 37.4 -> 33.0.
// Threads split the forward tiles in interleaved blocks (winogradPassOf) so that each gets its share of the partial
// ones.
// Measured (ResNet-18 fine-tuning at batch 16, one thread, process CPU time, forward / input gradient /
// filter gradient, im2col -> this): 56x56x64->128 36.5 / 40.4 / 36.3 -> 29.9 / 27.3 / 29.7 ms,
// 28x28x128->256 36.1 / 38.1 / 35.2 -> 27.6 / 26.1 / 27.0 ms.
//
// conv2dWinogradStride2Tile4 takes 4 outputs a tile along each axis from 9 input samples: the even phase (5 samples,
// taps g0, g2) by F(4, 2) at the points 0, +-1, +-2, the odd one (4 samples, tap g1) by 4 direct products, so 9
// positions for 4 outputs, 81 for a 4x4 block (1.23 times fewer than 25 for each 2x2), along one axis (e the even
// samples, o the odd ones):
//   v = (4 e0 - 5 e2 + e4, 4 e1 + 4 e2 - e3 - e4, -4 e1 + 4 e2 + e3 - e4, -2 e1 - e2 + 2 e3 + e4,
//        2 e1 - e2 - 2 e3 + e4, o0, o1, o2, o3),
//   u = (g0 / 4, (g0 + g2) / 6, (g0 - g2) / 6, g0 / 24 + g2 / 12, g0 / 24 - g2 / 12, g1, g1, g1, g1),
//   y_k = (A^T m)_k + m_(5 + k), A^T = 1 1 1 1 1 | 0 1 -1 2 -2 | 0 1 1 4 4 | 0 1 -1 8 -8.
// Of the point sets tried (float32 against float64, 4x4 blocks summed over 64 channels, largest error over that of
// direct float32 sums): 0, +-1, +-2 4.6, 0, +-1, 1/2, inf 7.9, 0, +-1, 2, inf 8.5, 0, +-1, +-1/2 17. Its input
// gradient gathers an 8x8 dInput block from 5x5 dOut samples a: dInput[2 q] = g1 a_q (the odd phase, positions
// 5 + q) and dInput[2 q + 1] = g0 a_(q + 1) + g2 a_q (F(4, 2) of the flipped taps, the same u as the forward's of the
// flipped filter); its filter gradient the dual, w = A e of the 4 dOut samples e and dW = G^T m. A tile partial along
// an axis skips the odd positions of the outputs (dOut samples) it lacks. Its 81-position filter is 3.24 times
// larger and its transforms costlier, so it pays only where its tiles are whole, and chunks of 16 tiles or more
// keep the filter streamed by every chunk cheap (stride2Algorithm in the backend). Measured on the loaded machine
// (batch 16, one thread, process CPU time, medians of 5 in-process alternations, 2 -> 4 outputs a tile, forward /
// input gradient / filter gradient): 56x56x64->128 44.1 / 45.4 / 44.5 -> 39.5 / 42.7 / 42.8 ms (in ResNet-18's
// fine-tuning step, profileStep, medians of 3 alternated runs, with the filter gradient's chunks of 32 tiles:
// 38.4 / 38.0 / 39.9 -> 34.3 / 36.1 / 36.7 ms); 28x28x128->256
// (14x14 out, 4 + 4 + 4 + 2) 41.4 / 42.4 / 41.0 -> 51.8 / 51.8 / 49.5; 14x14x256->512 50.5 / 44.8 / 46.0 -> 124 /
// 117 / 47.4 (chunks of 4 tiles, each streaming a 42 MB filter). Prepared at batch 8 (medians of 7): 22.0 -> 19.2,
// 19.7 -> 24.0, 21.3 -> 23.5 ms; at batch 1 (medians of 9): 2.6 -> 2.4, 2.6 -> 3.3, 4.0 -> 7.1.
//
// Job record: that of winograd.ts (conv2dWinograd). For the input gradient (variant 1) the geometry is
// the gradient pass's: inH, inW, inC of dOut, outH, outW, outC of dInput. Scratch (forward and input
// gradient): the 4x8 tile | a 5x5 block of vectors and 4 tiles' blocks of 25 (in 4 * 36 * 16 bytes, the size
// winograd4.ts takes) | U [25][strips][inC][8] unless prepared | V [25][chunk / 4][inC][4] | M [25][chunk][outC];
// with 4 outputs a tile a 9x9 block and 4 blocks of 81 (STRIDE2_TILE4_BLOCKS_BYTES), 81 positions, and the planes of
// V and M a cache line apart (chunkPlaneBytes).

import { epilogueOf } from './epilogue';
import { TILE_COLUMNS, TILE_ROWS, gemmPackedOperands, storeTransposed4x4 } from './gemm';
import { convGeometryOf, intField, pointerField, scratchOf } from './job';
import { Conv2dJob } from './jobFields';
import {
  WINOGRAD_TILE_BYTES,
  chunkPlaneBytes,
  edgePositionRows,
  filterTap,
  interleavedTile,
  interleavedTilesBelow,
  packedFilterFloats,
  packedInputAt,
  plainTileIndex,
  storeFinished,
  winogradPassOf,
  winogradFilterGradient,
  FilterTile,
} from './winograd';

/** Tile positions: (3 + 2)^2. */
export const STRIDE2_POSITIONS: i32 = 25;
/** Tile positions of the 4-output algorithm: (5 + 4)^2. */
export const STRIDE2_TILE4_POSITIONS: i32 = 81;
/**
 * Positions along an axis (bit j for position j) that a tile partial along that axis leaves out (edgePositionRows in
 * winograd.ts). Forward and filter gradient, a tile with one output along the axis: y1 alone reads m2 and m4 (w2 and
 * w4 are zero). Input gradient, a tile whose dOut samples b and c lie past dOut: v1, v2 and v4 are zero.
 */
const FORWARD_SKIP_MASK: i32 = (1 << 2) | (1 << 4);
const INPUT_GRADIENT_SKIP_MASK: i32 = (1 << 1) | (1 << 2) | (1 << 4);

/**
 * Bytes of the forward kernels' transform blocks (winograd4.ts's four 6x6 blocks of vectors: the JS side sizes it):
 * here one 5x5 block of rows, then the 4 tiles' blocks of 25 vectors.
 */
const BLOCKS_BYTES: usize = 4 * 36 * 16;
/** Bytes of the 4-output kernels' transform blocks: one 9x9 block of rows, then the 4 tiles' blocks of 81 vectors. */
export const STRIDE2_TILE4_BLOCKS_BYTES: usize = 5 * <usize>STRIDE2_TILE4_POSITIONS * 16;

/**
 * The V plane each position of the input gradient reads: along each axis v4 = v1, so its 25 positions share
 * 16 planes (5 r + c for r, c < 4), and only those are transformed and stored.
 */
const INPUT_GRADIENT_PLANES = memory.data<i32>([
  0, 1, 2, 3, 1, 5, 6, 7, 8, 6, 10, 11, 12, 13, 11, 15, 16, 17, 18, 16, 5, 6, 7, 8, 6,
]);

/**
 * The packed filter of this algorithm, strips [stripStart, stripEnd): U = G g G^T at position xi lies at
 * packed[xi][strip][ic][j] for output channel 8 * strip + j (packFilter2x2's layout, 25 positions).
 * filter [3, 3, inC, outC] (or, for the input gradient, the forward filter read flipped: see filterTap)
 */
export function packFilterStride2(
  filter: usize,
  packed: usize,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
): void {
  const plane = packedFilterFloats(inC, outC) << 2;
  const zero = f32x4.splat(0);
  for (let strip = stripStart; strip < stripEnd; strip++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < STRIDE2_POSITIONS; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        for (let kx = 0; kx < 3; kx++) {
          // Rows: t = G g for kernel column kx, then each row's columns (below) once all three are known.
          const g0 = filterTap(filter, 0, kx, ic, oc, inC, outC, isBackpropInput);
          const g1 = filterTap(filter, 1, kx, ic, oc, inC, outC, isBackpropInput);
          const g2 = filterTap(filter, 2, kx, ic, oc, inC, outC, isBackpropInput);
          // Column kx of t, stored at the positions of U it feeds: U[r][c] = (t G^T)[r][c].
          storeFilterColumn(destination, plane, kx, 0, g0);
          storeFilterColumn(destination, plane, kx, 1, f32x4.add(g0, g2));
          storeFilterColumn(destination, plane, kx, 2, g2);
          storeFilterColumn(destination, plane, kx, 3, g1);
          storeFilterColumn(destination, plane, kx, 4, g1);
        }
      }
    }
  }
}

/**
 * Adds t[row][kx] into row `row` of U = t G^T: G^T's column kx has ones at c = 0, 1 (kx = 0), c = 3, 4
 * (kx = 1), c = 1, 2 (kx = 2). Kernel column 0 comes first and stores; the later ones add.
 */
@inline
function storeFilterColumn(destination: usize, plane: usize, kx: i32, row: i32, value: v128): void {
  const base = destination + <usize>(row * 5) * plane;
  if (kx == 0) {
    v128.store(base, value);
    v128.store(base + plane, value);
  } else if (kx == 1) {
    v128.store(base + 3 * plane, value);
    v128.store(base + 4 * plane, value);
  } else {
    v128.store(base + plane, f32x4.add(v128.load(base + plane), value));
    v128.store(base + 2 * plane, value);
  }
}

/** The vector of 4 channels at (y, x) of `image`, zero outside the image. */
@inline
function loadPixel(data: usize, image: i32, y: i32, x: i32, c: i32, height: i32, width: i32, channels: i32): v128 {
  if (y < 0 || y >= height || x < 0 || x >= width) return f32x4.splat(0);
  return v128.load(data + ((<usize>(((image * height + y) * width + x) * channels + c)) << 2));
}

/**
 * V = B^T d B for the 5x5 input block at (y0, x0) of `image`, channels c .. c + 3 (zero outside the image):
 * the rows go through `block` (25 vectors), V[5 * row + column] is stored at `at + (5 * row + column) * plane`.
 */
function transformInputTile(
  input: usize,
  image: i32,
  y0: i32,
  x0: i32,
  c: i32,
  height: i32,
  width: i32,
  channels: i32,
  block: usize,
  at: usize,
  plane: usize,
): void {
  const isInterior = y0 >= 0 && x0 >= 0 && y0 + 5 <= height && x0 + 5 <= width;
  const pixelBytes = (<usize>channels) << 2;
  // Columns of each row: block[r] = d[r] B.
  for (let r = 0; r < 5; r++) {
    let d0: v128, d1: v128, d2: v128, d3: v128, d4: v128;
    if (isInterior) {
      const row = input + ((<usize>(((image * height + y0 + r) * width + x0) * channels + c)) << 2);
      d0 = v128.load(row);
      d1 = v128.load(row + pixelBytes);
      d2 = v128.load(row + 2 * pixelBytes);
      d3 = v128.load(row + 3 * pixelBytes);
      d4 = v128.load(row + 4 * pixelBytes);
    } else {
      d0 = loadPixel(input, image, y0 + r, x0, c, height, width, channels);
      d1 = loadPixel(input, image, y0 + r, x0 + 1, c, height, width, channels);
      d2 = loadPixel(input, image, y0 + r, x0 + 2, c, height, width, channels);
      d3 = loadPixel(input, image, y0 + r, x0 + 3, c, height, width, channels);
      d4 = loadPixel(input, image, y0 + r, x0 + 4, c, height, width, channels);
    }
    const line = block + <usize>(r * 5 * 16);
    v128.store(line, f32x4.sub(d0, d2));
    v128.store(line + 16, d2);
    v128.store(line + 32, f32x4.sub(d4, d2));
    v128.store(line + 48, d1);
    v128.store(line + 64, d3);
  }
  // Rows: V = B^T block.
  for (let column = 0; column < 5; column++) {
    const top = block + <usize>(column * 16);
    const t0 = v128.load(top);
    const t1 = v128.load(top + 80);
    const t2 = v128.load(top + 160);
    const t3 = v128.load(top + 240);
    const t4 = v128.load(top + 320);
    const base = at + <usize>column * plane;
    v128.store(base, f32x4.sub(t0, t2));
    v128.store(base + 5 * plane, t2);
    v128.store(base + 10 * plane, f32x4.sub(t4, t2));
    v128.store(base + 15 * plane, t1);
    v128.store(base + 20 * plane, t3);
  }
}

/**
 * The input gradient's V for the 3x3 dOut block at (y0, x0) (zero outside dOut), channels c .. c + 3: along
 * each axis (a, b, c) -> (a - b, b, c - b, a, b); the last row and column repeat the second, so only the
 * 16 planes INPUT_GRADIENT_PLANES reads are stored, as transformInputTile stores them.
 */
function transformGradientTile(
  dOut: usize,
  image: i32,
  y0: i32,
  x0: i32,
  c: i32,
  height: i32,
  width: i32,
  channels: i32,
  block: usize,
  at: usize,
  plane: usize,
): void {
  for (let r = 0; r < 3; r++) {
    const a = loadPixel(dOut, image, y0 + r, x0, c, height, width, channels);
    const b = loadPixel(dOut, image, y0 + r, x0 + 1, c, height, width, channels);
    const e = loadPixel(dOut, image, y0 + r, x0 + 2, c, height, width, channels);
    const line = block + <usize>(r * 5 * 16);
    v128.store(line, f32x4.sub(a, b));
    v128.store(line + 16, b);
    v128.store(line + 32, f32x4.sub(e, b));
    v128.store(line + 48, a);
  }
  for (let column = 0; column < 4; column++) {
    const top = block + <usize>(column * 16);
    const a = v128.load(top);
    const b = v128.load(top + 80);
    const e = v128.load(top + 160);
    const base = at + <usize>column * plane;
    v128.store(base, f32x4.sub(a, b));
    v128.store(base + 5 * plane, b);
    v128.store(base + 10 * plane, f32x4.sub(e, b));
    v128.store(base + 15 * plane, a);
  }
}

/**
 * The pass's tiles along an axis whose samples all lie inside (the rest, at most one, partial: edge order): forward,
 * those with `outputs` outputs in the output of `size`; input gradient, those whose first `outputs` dOut samples lie
 * in dOut of `size` (the samples the GEMMs could skip).
 */
@inline
function fullTiles(tiles: i32, size: i32, outputs: i32): i32 {
  return min(tiles, size / outputs);
}

/**
 * The positions along an axis that a partial tile of the 4-output algorithm leaves out, as a skip mask (see
 * FORWARD_SKIP_MASK): the odd-phase positions 5 + k past its `present` outputs (forward and filter gradient) or
 * dOut samples (input gradient, where dInput[2 k] lies past dInput too); all positions where no tile is partial.
 */
@inline
function tile4SkipMask(tiles: i32, full: i32, size: i32): i32 {
  if (full == tiles) return (1 << 9) - 1;
  const present = size - 4 * full;
  return ((1 << 4) - (1 << present)) << 5;
}

/**
 * Conv2D (variant 0) or Conv2DBackpropInput (variant 1) of a 3x3 stride-2 convolution, 2 outputs a tile along
 * each axis (25 positions).
 */
export function conv2dWinogradStride2(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradStride2Pass(job, threadIndex, threadCount, 2);
}

/**
 * Conv2D (variant 0) or Conv2DBackpropInput (variant 1) of a 3x3 stride-2 convolution, 4 outputs a tile along
 * each axis (81 positions); same record and scratch layout, its blocks STRIDE2_TILE4_BLOCKS_BYTES.
 */
export function conv2dWinogradStride2Tile4(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradStride2Pass(job, threadIndex, threadCount, 4);
}

/**
 * The pass of conv2dWinogradStride2 (outputs 2) or conv2dWinogradStride2Tile4 (outputs 4, a constant once inlined):
 * input transform, one GEMM of packed operands per position, output transform, as conv2dWinograd does (tiles,
 * strips, chunks and the thread split are the same). Forward tiles are blocks of outputs x outputs outputs;
 * input-gradient tiles blocks of 2 outputs x 2 outputs dInput.
 */
@inline
function winogradStride2Pass(job: usize, threadIndex: i32, threadCount: i32, outputs: i32): void {
  const isTile4 = outputs == 4;
  const positions = isTile4 ? STRIDE2_TILE4_POSITIONS : STRIDE2_POSITIONS;
  const side = isTile4 ? 9 : 5;
  const tileBlockBytes = (<usize>positions) << 4;
  const isBackpropInputVariant = intField(job, Conv2dJob.variant) != 0;
  const tileSize = isBackpropInputVariant ? 2 * outputs : outputs;
  const geometry = convGeometryOf(job);
  // The samples that make a tile whole: forward its outputs, input gradient its dOut samples.
  const sizeH = isBackpropInputVariant ? geometry.inH : geometry.outH;
  const sizeW = isBackpropInputVariant ? geometry.inW : geometry.outW;
  const tilesH = (geometry.outH + tileSize - 1) / tileSize;
  const tilesW0 = (geometry.outW + tileSize - 1) / tileSize;
  const fullRows = fullTiles(tilesH, sizeH, outputs);
  const fullColumns = fullTiles(tilesW0, sizeW, outputs);
  const isInterleaved = fullRows < tilesH || fullColumns < tilesW0;
  const pass = winogradPassOf(job, tileSize, threadIndex, threadCount, isInterleaved);
  if (!pass) return;
  // Copied out of the record before the GEMMs store partial tiles over it.
  const input = pass.input;
  const filter = pass.filter;
  const bias = pass.bias;
  const output = pass.output;
  const scratch = pass.scratch;
  const chunkTiles = pass.chunkTiles;
  const isBackpropInput = pass.isBackpropInput;
  const isPreparedFilter = pass.isPreparedFilter;
  const tilesW = pass.tilesW;
  const imageTiles = pass.imageTiles;
  const first = pass.tileStart;
  const last = pass.tileEnd;
  const tileThread = pass.tileThread;
  const tileThreads = pass.tileThreads;
  const stripStart = pass.stripStart;
  const stripEnd = pass.stripEnd;
  const ocStart = pass.ocStart;
  const ocEnd = pass.ocEnd;
  const g = convGeometryOf(job);
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const epilogue = epilogueOf(job);
  const residual = epilogue.residual;
  const code = epilogue.activation;
  const alphas = f32x4.splat(epilogue.alpha);
  const betas = f32x4.splat(epilogue.beta);
  const tile = scratch;
  const block = scratch + WINOGRAD_TILE_BYTES;
  const blocks = block + tileBlockBytes;
  const rows = block;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  let transformedFilter = filter;
  let transformedInput = block + (isTile4 ? STRIDE2_TILE4_BLOCKS_BYTES : BLOCKS_BYTES);
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += <usize>positions * filterPlane;
    if (isTile4) packFilterStride2Tile4(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput);
    else packFilterStride2(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput);
  }
  // The 4-output pass's planes take a cache line more (chunkPlaneBytes): its 81 are read and written across.
  const inputPlane = isTile4 ? chunkPlaneBytes(chunkTiles, inC) : (<usize>chunkTiles * <usize>inC) << 2;
  const products = transformedInput + <usize>positions * inputPlane;
  const productPlane = isTile4 ? chunkPlaneBytes(chunkTiles, outC) : (<usize>chunkTiles * <usize>outC) << 2;
  // Edge order (plainTileIndex): forward tiles with fewer outputs along an axis, input-gradient tiles whose dOut
  // samples lie partly past dOut (the pass's inH, inW), come after the full ones; the class ends counted in
  // this thread's tiles.
  const batch = g.batch;
  const skipMask = isTile4
    ? tile4SkipMask(tilesH, fullRows, sizeH) & tile4SkipMask(tilesW, fullColumns, sizeW)
    : isBackpropInput
      ? INPUT_GRADIENT_SKIP_MASK
      : FORWARD_SKIP_MASK;
  const fullEnd = batch * fullRows * fullColumns;
  const rowEdgeEnd = fullEnd + batch * (tilesH - fullRows) * fullColumns;
  const columnEdgeEnd = rowEdgeEnd + batch * fullRows * (tilesW - fullColumns);
  const localFullEnd = interleavedTilesBelow(fullEnd, tileThread, tileThreads);
  const localRowEdgeEnd = interleavedTilesBelow(rowEdgeEnd, tileThread, tileThreads);
  const localColumnEdgeEnd = interleavedTilesBelow(columnEdgeEnd, tileThread, tileThreads);
  for (let start = first; start < last; start += chunkTiles) {
    const count = min(chunkTiles, last - start);
    // Input transform, 4 tiles at a time: each into its own block, then at each position a 4x4 transpose turns
    // the tiles' channel vectors into the packed layout's (packedInputAt), stored whole. Storing each tile's
    // vectors lane by lane instead (4 scalar stores a vector), the transforms of ResNet-18's 56x56x64->128 input
    // gradient (batch 16, one thread, GEMMs skipped) took 11.8 ms, now 8.6 (the whole pass 35.4 -> 32.5 ms);
    // the forward pass's stayed at about 8 ms.
    for (let t = 0; t < count; t += TILE_ROWS) {
      // The origins of the 4 tiles' blocks, in the tile area (the GEMMs have not begun).
      for (let u = 0; u < TILE_ROWS && t + u < count; u++) {
        const local = interleavedTile(start + t + u, tileThread, tileThreads);
        const tileIndex = plainTileIndex(local, batch, tilesH, tilesW, fullRows, fullColumns);
        const origin = tile + <usize>(u * 12);
        store<i32>(origin, tileIndex / imageTiles);
        const tileRow = (tileIndex % imageTiles) / tilesW;
        const tileColumn = tileIndex % tilesW;
        store<i32>(origin, isBackpropInput ? tileRow * outputs : tileRow * 2 * outputs - padTop, 4);
        store<i32>(origin, isBackpropInput ? tileColumn * outputs : tileColumn * 2 * outputs - padLeft, 8);
      }
      for (let ic = 0; ic < inC; ic += 4) {
        for (let u = 0; u < TILE_ROWS; u++) {
          const tileBlock = blocks + <usize>u * tileBlockBytes;
          if (t + u >= count) {
            memory.fill(tileBlock, 0, tileBlockBytes);
            continue;
          }
          const origin = tile + <usize>(u * 12);
          const image = load<i32>(origin);
          const y0 = load<i32>(origin, 4);
          const x0 = load<i32>(origin, 8);
          if (isTile4) {
            if (isBackpropInput) transformGradientTile5(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
            else transformInputTile9(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
          } else if (isBackpropInput) {
            transformGradientTile(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
          } else {
            transformInputTile(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
          }
        }
        const destination = packedInputAt(transformedInput, t, ic, inC);
        for (let xi = 0; xi < positions; xi++) {
          if (!isTile4 && isBackpropInput && (xi >= 20 || xi % 5 == 4)) continue;
          const offset = (<usize>xi) << 4;
          const tile0 = v128.load(blocks + offset);
          const tile1 = v128.load(blocks + tileBlockBytes + offset);
          const tile2 = v128.load(blocks + 2 * tileBlockBytes + offset);
          const tile3 = v128.load(blocks + 3 * tileBlockBytes + offset);
          storeTransposed4x4(tile0, tile1, tile2, tile3, destination + <usize>xi * inputPlane, 16);
        }
      }
    }
    // Each position's GEMM over the tiles that need it (edgePositionRows): a prefix of the chunk.
    for (let xi = 0; xi < positions; xi++) {
      const inputPosition = !isTile4 && isBackpropInput ? load<i32>(INPUT_GRADIENT_PLANES + ((<usize>xi) << 2)) : xi;
      const positionRows = edgePositionRows(
        xi,
        side,
        skipMask,
        start,
        count,
        localFullEnd,
        localRowEdgeEnd,
        localColumnEdgeEnd,
      );
      gemmPackedOperands(
        transformedInput + <usize>inputPosition * inputPlane,
        transformedFilter + <usize>xi * filterPlane,
        products + <usize>xi * productPlane,
        outC,
        positionRows,
        outC,
        inC,
        stripStart,
        stripEnd,
        tile,
      );
    }
    for (let t = 0; t < count; t++) {
      const local = interleavedTile(start + t, tileThread, tileThreads);
      const tileIndex = plainTileIndex(local, batch, tilesH, tilesW, fullRows, fullColumns);
      const image = tileIndex / imageTiles;
      const tileRow = (tileIndex % imageTiles) / tilesW;
      const tileColumn = tileIndex % tilesW;
      const oy = tileRow * tileSize;
      const ox = tileColumn * tileSize;
      const at = products + ((<usize>t * <usize>outC) << 2);
      if (isTile4) {
        if (isBackpropInput)
          finishGradientTile8(output, at, productPlane, image, oy, ox, outH, outW, outC, ocStart, ocEnd, block);
        else
          finishOutputTile4(
            output,
            at,
            productPlane,
            image,
            oy,
            ox,
            outH,
            outW,
            outC,
            ocStart,
            ocEnd,
            bias,
            block,
            residual,
            code,
            alphas,
            betas,
          );
      } else if (isBackpropInput) {
        const isEdgeRow = tileRow >= fullRows;
        const isEdgeColumn = tileColumn >= fullColumns;
        finishGradientTile(
          output,
          at,
          productPlane,
          image,
          oy,
          ox,
          outH,
          outW,
          outC,
          ocStart,
          ocEnd,
          block,
          isEdgeRow,
          isEdgeColumn,
        );
      } else {
        finishOutputTile(
          output,
          at,
          productPlane,
          image,
          oy,
          ox,
          outH,
          outW,
          outC,
          ocStart,
          ocEnd,
          bias,
          block,
          residual,
          code,
          alphas,
          betas,
        );
      }
    }
  }
}

/**
 * Y = A^T M A for one forward tile, then the epilogue (bias, residual, activation): the 2x2 block at (oy, ox),
 * channels [ocStart, ocEnd), where it lies inside the output. The rows go through `block` (2 x 5 vectors).
 */
function finishOutputTile(
  output: usize,
  at: usize,
  plane: usize,
  image: i32,
  oy: i32,
  ox: i32,
  outH: i32,
  outW: i32,
  outC: i32,
  ocStart: i32,
  ocEnd: i32,
  bias: usize,
  block: usize,
  residual: usize,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  const hasSecondRow = oy + 1 < outH;
  const hasSecondColumn = ox + 1 < outW;
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>outW * pixelBytes;
  const pixel0 = (<usize>(((image * outH + oy) * outW + ox) * outC)) << 2;
  for (let oc = ocStart; oc < ocEnd; oc += 4) {
    const m = at + ((<usize>oc) << 2);
    // Rows: s = A^T M (2 x 5).
    for (let column = 0; column < 5; column++) {
      const top = m + <usize>column * plane;
      const m0 = v128.load(top);
      const m1 = v128.load(top + 5 * plane);
      const m2 = v128.load(top + 10 * plane);
      const m3 = v128.load(top + 15 * plane);
      const m4 = v128.load(top + 20 * plane);
      const line = block + <usize>(column * 16);
      v128.store(line, f32x4.add(f32x4.add(m0, m1), m3));
      v128.store(line + 80, f32x4.add(f32x4.add(m1, m2), m4));
    }
    const b = bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : f32x4.splat(0);
    const offset = pixel0 + ((<usize>oc) << 2);
    // Columns: y = s A.
    for (let r = 0; r < 2; r++) {
      if (r == 1 && !hasSecondRow) break;
      const line = block + <usize>(r * 80);
      const s0 = v128.load(line);
      const s1 = v128.load(line + 16);
      const s2 = v128.load(line + 32);
      const s3 = v128.load(line + 48);
      const s4 = v128.load(line + 64);
      const row = offset + <usize>r * rowBytes;
      storeFinished(output, residual, row, f32x4.add(f32x4.add(f32x4.add(s0, s1), s3), b), code, alphas, betas);
      if (hasSecondColumn) {
        const y1 = f32x4.add(f32x4.add(f32x4.add(s1, s2), s4), b);
        storeFinished(output, residual, row + pixelBytes, y1, code, alphas, betas);
      }
    }
  }
}

/**
 * dInput = the transposed output transform for one input-gradient tile: the 4x4 block at (iy, ix), channels
 * [ocStart, ocEnd) of the pass (dInput's), inside dInput. Along each axis m -> (m3, m0 + m1, m4, m1 + m2);
 * the rows go through `block` (4 x 5 vectors). Along an edge axis (isEdgeRow, isEdgeColumn: b and c past dOut)
 * m1, m2 and m4 were not computed (their V is zero) and count as zero.
 */
function finishGradientTile(
  dInput: usize,
  at: usize,
  plane: usize,
  image: i32,
  iy: i32,
  ix: i32,
  height: i32,
  width: i32,
  channels: i32,
  ocStart: i32,
  ocEnd: i32,
  block: usize,
  isEdgeRow: bool,
  isEdgeColumn: bool,
): void {
  const rows = min(4, height - iy);
  const columns = min(4, width - ix);
  const pixelBytes = (<usize>channels) << 2;
  const corner = dInput + ((<usize>(((image * height + iy) * width + ix) * channels)) << 2);
  const zero = f32x4.splat(0);
  for (let oc = ocStart; oc < ocEnd; oc += 4) {
    const m = at + ((<usize>oc) << 2);
    for (let column = 0; column < 5; column++) {
      const top = m + <usize>column * plane;
      const isSkipped = isEdgeColumn && (column == 1 || column == 2 || column == 4);
      const line = block + <usize>(column * 16);
      if (isSkipped) {
        for (let r = 0; r < 4; r++) v128.store(line + <usize>(r * 80), zero);
        continue;
      }
      const m0 = v128.load(top);
      const m1 = isEdgeRow ? zero : v128.load(top + 5 * plane);
      const m2 = isEdgeRow ? zero : v128.load(top + 10 * plane);
      const m3 = v128.load(top + 15 * plane);
      const m4 = isEdgeRow ? zero : v128.load(top + 20 * plane);
      v128.store(line, m3);
      v128.store(line + 80, f32x4.add(m0, m1));
      v128.store(line + 160, m4);
      v128.store(line + 240, f32x4.add(m1, m2));
    }
    for (let r = 0; r < rows; r++) {
      const line = block + <usize>(r * 80);
      const s0 = v128.load(line);
      const s1 = v128.load(line + 16);
      const s2 = v128.load(line + 32);
      const s3 = v128.load(line + 48);
      const s4 = v128.load(line + 64);
      const row = corner + <usize>(r * width) * pixelBytes + ((<usize>oc) << 2);
      v128.store(row, s3);
      if (columns > 1) v128.store(row + pixelBytes, f32x4.add(s0, s1));
      if (columns > 2) v128.store(row + 2 * pixelBytes, s4);
      if (columns > 3) v128.store(row + 3 * pixelBytes, f32x4.add(s1, s2));
    }
  }
}

/**
 * Conv2DBackpropFilter of a 3x3 stride-2 convolution by the dual algorithm (winogradFilterGradient with 2x2
 * output tiles and 25 positions). Same job record as conv2dWinogradFilter: input, dOut (in filter), dFilter
 * [3, 3, inC, outC] (in bias), the forward geometry; its block (25 vectors) is the kernel's scratch block.
 */
export function conv2dWinogradStride2Filter(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradFilterGradient(
    job,
    threadIndex,
    threadCount,
    2,
    STRIDE2_POSITIONS,
    <usize>STRIDE2_POSITIONS * 16,
    GRADIENT_PLANES,
    FORWARD_SKIP_MASK,
    filterInputStride2,
    filterDOutStride2,
    filterFinishStride2,
  );
}

/**
 * The W plane each position reads: along each axis w3 = w0 and w4 = w2, so the 25 positions share 9 planes
 * (5 r + c for r, c < 3), and filterDOutStride2 writes only those. On ResNet-18's 56x56x64->128 layer at batch
 * 16 (one thread) the transforms took 13.6 of the filter gradient's 39 ms with all 25 written.
 */
const GRADIENT_PLANES = memory.data<i32>([
  0, 1, 2, 0, 2, 5, 6, 7, 5, 7, 10, 11, 12, 10, 12, 0, 1, 2, 0, 2, 10, 11, 12, 10, 12,
]);

/** V = B^T d B of one tile's 5x5 input block (a FilterTileTransform). */
function filterInputStride2(job: usize, tile: FilterTile): void {
  const input = pointerField(job, Conv2dJob.input);
  const g = convGeometryOf(job);
  const y0 = tile.oy * 2 - g.padTop;
  const x0 = tile.ox * 2 - g.padLeft;
  for (let ic = tile.first; ic < tile.last; ic += 4) {
    const at = tile.destination + ((<usize>(ic - tile.first)) << 2);
    transformInputTile(input, tile.image, y0, x0, ic, g.inH, g.inW, g.inC, tile.block, at, tile.plane);
  }
}

/** W of one tile's 2x2 dOut block (a FilterTileTransform): (e0, e1) -> (e0, e0 + e1, e1, e0, e1) along each axis. */
function filterDOutStride2(job: usize, tile: FilterTile): void {
  const g = convGeometryOf(job);
  const dOut = pointerField(job, Conv2dJob.filter);
  const outC = g.outC;
  const plane = tile.plane;
  for (let oc = tile.first; oc < tile.last; oc += 4) {
    const e00 = loadPixel(dOut, tile.image, tile.oy, tile.ox, oc, g.outH, g.outW, outC);
    const e01 = loadPixel(dOut, tile.image, tile.oy, tile.ox + 1, oc, g.outH, g.outW, outC);
    const e10 = loadPixel(dOut, tile.image, tile.oy + 1, tile.ox, oc, g.outH, g.outW, outC);
    const e11 = loadPixel(dOut, tile.image, tile.oy + 1, tile.ox + 1, oc, g.outH, g.outW, outC);
    const at = tile.destination + ((<usize>(oc - tile.first)) << 2);
    storeDOutRow(at, 0, plane, e00, e01);
    storeDOutRow(at, 1, plane, f32x4.add(e00, e10), f32x4.add(e01, e11));
    storeDOutRow(at, 2, plane, e10, e11);
  }
}

/** The planes GRADIENT_PLANES reads of row `row` of W: (u0, u1) -> (u0, u0 + u1, u1). */
@inline
function storeDOutRow(at: usize, row: i32, plane: usize, u0: v128, u1: v128): void {
  const base = at + <usize>(row * 5) * plane;
  v128.store(base, u0);
  v128.store(base + plane, f32x4.add(u0, u1));
  v128.store(base + 2 * plane, u1);
}

/** dW[ky, kx, ic, oc] from the sums M (a FilterGradientFinish): along each axis m -> (m0 + m1, m3 + m4, m1 + m2). */
function filterFinishStride2(job: usize, block: usize, sums: usize, plane: usize, first: i32, last: i32): void {
  const dFilter = pointerField(job, Conv2dJob.bias);
  const g = convGeometryOf(job);
  const inC = g.inC;
  const outC = g.outC;
  const tapBytes = (<usize>inC * <usize>outC) << 2;
  for (let c = 0; c < last - first; c++) {
    for (let oc = 0; oc < outC; oc += 4) {
      const m = sums + ((<usize>c * <usize>outC + <usize>oc) << 2);
      // Rows: s = (3 x 5) into block, then each row's columns.
      for (let column = 0; column < 5; column++) {
        const top = m + <usize>column * plane;
        const m0 = v128.load(top);
        const m1 = v128.load(top + 5 * plane);
        const m2 = v128.load(top + 10 * plane);
        const m3 = v128.load(top + 15 * plane);
        const m4 = v128.load(top + 20 * plane);
        const line = block + <usize>(column * 16);
        v128.store(line, f32x4.add(m0, m1));
        v128.store(line + 80, f32x4.add(m3, m4));
        v128.store(line + 160, f32x4.add(m1, m2));
      }
      const corner = dFilter + ((<usize>(first + c) * <usize>outC + <usize>oc) << 2);
      for (let ky = 0; ky < 3; ky++) {
        const line = block + <usize>(ky * 80);
        const s0 = v128.load(line);
        const s1 = v128.load(line + 16);
        const s2 = v128.load(line + 32);
        const s3 = v128.load(line + 48);
        const s4 = v128.load(line + 64);
        const row = corner + <usize>(ky * 3) * tapBytes;
        v128.store(row, f32x4.add(s0, s1));
        v128.store(row + tapBytes, f32x4.add(s3, s4));
        v128.store(row + 2 * tapBytes, f32x4.add(s1, s2));
      }
    }
  }
}

/**
 * Stores the 9 values of one axis of the 4-output algorithm's input transform at `base` + k `stride`: B^T of the even
 * samples e (5: the F(4, 2) at points 0, +-1, +-2, rows 4 0 -5 0 1 | 0 4 4 -1 -1 | 0 -4 4 1 -1 | 0 -2 -1 2 1 |
 * 0 2 -1 -2 1), then the odd samples o (4) as they are.
 */
@inline
function storeInputAxis9(
  base: usize,
  stride: usize,
  e0: v128,
  e1: v128,
  e2: v128,
  e3: v128,
  e4: v128,
  o0: v128,
  o1: v128,
  o2: v128,
  o3: v128,
): void {
  const four = f32x4.splat(4);
  const sum = f32x4.sub(f32x4.mul(four, e2), e4);
  const difference = f32x4.sub(f32x4.mul(four, e1), e3);
  const outer = f32x4.sub(e4, e2);
  const inner = f32x4.mul(f32x4.splat(2), f32x4.sub(e3, e1));
  v128.store(base, f32x4.add(f32x4.sub(f32x4.mul(four, e0), f32x4.mul(f32x4.splat(5), e2)), e4));
  v128.store(base + stride, f32x4.add(sum, difference));
  v128.store(base + 2 * stride, f32x4.sub(sum, difference));
  v128.store(base + 3 * stride, f32x4.add(outer, inner));
  v128.store(base + 4 * stride, f32x4.sub(outer, inner));
  v128.store(base + 5 * stride, o0);
  v128.store(base + 6 * stride, o1);
  v128.store(base + 7 * stride, o2);
  v128.store(base + 8 * stride, o3);
}

/**
 * The 4-output algorithm's output transform along one axis: from the 9 values m at `base` + j `stride`, stores
 * (A^T m)_k of the even phase (A^T = 1 1 1 1 1 | 0 1 -1 2 -2 | 0 1 1 4 4 | 0 1 -1 8 -8) plus, where hasOdd, the
 * odd phase's m[5 + k] at `destination` + k `step`, k < 4.
 */
@inline
function storeOutputAxis9(base: usize, stride: usize, destination: usize, step: usize, hasOdd: bool): void {
  const m1 = v128.load(base + stride);
  const m2 = v128.load(base + 2 * stride);
  const m3 = v128.load(base + 3 * stride);
  const m4 = v128.load(base + 4 * stride);
  const sum1 = f32x4.add(m1, m2);
  const difference1 = f32x4.sub(m1, m2);
  const sum3 = f32x4.add(m3, m4);
  const difference3 = f32x4.sub(m3, m4);
  let y0 = f32x4.add(f32x4.add(v128.load(base), sum1), sum3);
  let y1 = f32x4.add(difference1, f32x4.mul(f32x4.splat(2), difference3));
  let y2 = f32x4.add(sum1, f32x4.mul(f32x4.splat(4), sum3));
  let y3 = f32x4.add(difference1, f32x4.mul(f32x4.splat(8), difference3));
  if (hasOdd) {
    y0 = f32x4.add(y0, v128.load(base + 5 * stride));
    y1 = f32x4.add(y1, v128.load(base + 6 * stride));
    y2 = f32x4.add(y2, v128.load(base + 7 * stride));
    y3 = f32x4.add(y3, v128.load(base + 8 * stride));
  }
  v128.store(destination, y0);
  v128.store(destination + step, y1);
  v128.store(destination + 2 * step, y2);
  v128.store(destination + 3 * step, y3);
}

/**
 * The packed filter of the 4-output algorithm, strips [stripStart, stripEnd): U = G g G^T at position xi (9 r + c)
 * lies at packed[xi][strip][ic][j] for output channel 8 * strip + j (packFilterStride2's layout, 81 positions).
 * Along each axis u = (g0 / 4, (g0 + g2) / 6, (g0 - g2) / 6, g0 / 24 + g2 / 12, g0 / 24 - g2 / 12, g1, g1, g1, g1).
 * filter [3, 3, inC, outC] (or, for the input gradient, the forward filter read flipped: see filterTap)
 */
export function packFilterStride2Tile4(
  filter: usize,
  packed: usize,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
): void {
  const plane = packedFilterFloats(inC, outC) << 2;
  const zero = f32x4.splat(0);
  for (let strip = stripStart; strip < stripEnd; strip++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < STRIDE2_TILE4_POSITIONS; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        // Rows: t = G g (9 x 3; rows 5 to 8 are g's middle row), each row's columns stored as soon as known.
        const g00 = filterTap(filter, 0, 0, ic, oc, inC, outC, isBackpropInput);
        const g01 = filterTap(filter, 0, 1, ic, oc, inC, outC, isBackpropInput);
        const g02 = filterTap(filter, 0, 2, ic, oc, inC, outC, isBackpropInput);
        const g20 = filterTap(filter, 2, 0, ic, oc, inC, outC, isBackpropInput);
        const g21 = filterTap(filter, 2, 1, ic, oc, inC, outC, isBackpropInput);
        const g22 = filterTap(filter, 2, 2, ic, oc, inC, outC, isBackpropInput);
        for (let r = 0; r < 5; r++) {
          const t0 = filterAxis9(r, g00, g20);
          const t1 = filterAxis9(r, g01, g21);
          const t2 = filterAxis9(r, g02, g22);
          storeFilterAxis9(destination + <usize>(r * 9) * plane, plane, t0, t1, t2);
        }
        const g10 = filterTap(filter, 1, 0, ic, oc, inC, outC, isBackpropInput);
        const g11 = filterTap(filter, 1, 1, ic, oc, inC, outC, isBackpropInput);
        const g12 = filterTap(filter, 1, 2, ic, oc, inC, outC, isBackpropInput);
        for (let r = 5; r < 9; r++) storeFilterAxis9(destination + <usize>(r * 9) * plane, plane, g10, g11, g12);
      }
    }
  }
}

/** Value `row` (< 5) of G along an axis from the even taps g0, g2 (see packFilterStride2Tile4). */
@inline
function filterAxis9(row: i32, g0: v128, g2: v128): v128 {
  if (row == 0) return f32x4.mul(f32x4.splat(0.25), g0);
  if (row == 1) return f32x4.mul(f32x4.splat(1.0 / 6.0), f32x4.add(g0, g2));
  if (row == 2) return f32x4.mul(f32x4.splat(1.0 / 6.0), f32x4.sub(g0, g2));
  const outer = f32x4.mul(f32x4.splat(1.0 / 24.0), g0);
  const inner = f32x4.mul(f32x4.splat(1.0 / 12.0), g2);
  return row == 3 ? f32x4.add(outer, inner) : f32x4.sub(outer, inner);
}

/** The 9 values of one row of U = t G^T from the row's t0, t1, t2, `plane` bytes apart from `base`. */
@inline
function storeFilterAxis9(base: usize, plane: usize, t0: v128, t1: v128, t2: v128): void {
  for (let c = 0; c < 5; c++) v128.store(base + <usize>c * plane, filterAxis9(c, t0, t2));
  for (let c = 5; c < 9; c++) v128.store(base + <usize>c * plane, t1);
}

/**
 * V = B^T d B for the 9x9 input block at (y0, x0) of `image`, channels c .. c + 3 (zero outside the image), the
 * 4-output algorithm's (storeInputAxis9): the rows go through `block` (81 vectors), V[9 * row + column] is stored at
 * `at + (9 * row + column) * plane`.
 */
function transformInputTile9(
  input: usize,
  image: i32,
  y0: i32,
  x0: i32,
  c: i32,
  height: i32,
  width: i32,
  channels: i32,
  block: usize,
  at: usize,
  plane: usize,
): void {
  const isInterior = y0 >= 0 && x0 >= 0 && y0 + 9 <= height && x0 + 9 <= width;
  const pixelBytes = (<usize>channels) << 2;
  for (let r = 0; r < 9; r++) {
    const line = block + <usize>(r * 9 * 16);
    if (isInterior) {
      const row = input + ((<usize>(((image * height + y0 + r) * width + x0) * channels + c)) << 2);
      storeInputAxis9(
        line,
        16,
        v128.load(row),
        v128.load(row + 2 * pixelBytes),
        v128.load(row + 4 * pixelBytes),
        v128.load(row + 6 * pixelBytes),
        v128.load(row + 8 * pixelBytes),
        v128.load(row + pixelBytes),
        v128.load(row + 3 * pixelBytes),
        v128.load(row + 5 * pixelBytes),
        v128.load(row + 7 * pixelBytes),
      );
    } else {
      const y = y0 + r;
      storeInputAxis9(
        line,
        16,
        loadPixel(input, image, y, x0, c, height, width, channels),
        loadPixel(input, image, y, x0 + 2, c, height, width, channels),
        loadPixel(input, image, y, x0 + 4, c, height, width, channels),
        loadPixel(input, image, y, x0 + 6, c, height, width, channels),
        loadPixel(input, image, y, x0 + 8, c, height, width, channels),
        loadPixel(input, image, y, x0 + 1, c, height, width, channels),
        loadPixel(input, image, y, x0 + 3, c, height, width, channels),
        loadPixel(input, image, y, x0 + 5, c, height, width, channels),
        loadPixel(input, image, y, x0 + 7, c, height, width, channels),
      );
    }
  }
  for (let column = 0; column < 9; column++) {
    const top = block + <usize>(column * 16);
    storeInputAxis9(
      at + <usize>column * plane,
      9 * plane,
      v128.load(top),
      v128.load(top + 2 * 144),
      v128.load(top + 4 * 144),
      v128.load(top + 6 * 144),
      v128.load(top + 8 * 144),
      v128.load(top + 144),
      v128.load(top + 3 * 144),
      v128.load(top + 5 * 144),
      v128.load(top + 7 * 144),
    );
  }
}

/**
 * The 4-output input gradient's V for the 5x5 dOut block at (y0, x0) (zero outside dOut), channels c .. c + 3:
 * along each axis the samples a0 .. a4 are the even phase and a0 .. a3 the odd one (storeInputAxis9), stored as
 * transformInputTile9 stores V. The rows go through `block` (5 x 9 vectors).
 */
function transformGradientTile5(
  dOut: usize,
  image: i32,
  y0: i32,
  x0: i32,
  c: i32,
  height: i32,
  width: i32,
  channels: i32,
  block: usize,
  at: usize,
  plane: usize,
): void {
  const isInterior = y0 + 5 <= height && x0 + 5 <= width;
  const pixelBytes = (<usize>channels) << 2;
  for (let r = 0; r < 5; r++) {
    const y = y0 + r;
    let a0: v128, a1: v128, a2: v128, a3: v128, a4: v128;
    if (isInterior) {
      const row = dOut + ((<usize>(((image * height + y) * width + x0) * channels + c)) << 2);
      a0 = v128.load(row);
      a1 = v128.load(row + pixelBytes);
      a2 = v128.load(row + 2 * pixelBytes);
      a3 = v128.load(row + 3 * pixelBytes);
      a4 = v128.load(row + 4 * pixelBytes);
    } else {
      a0 = loadPixel(dOut, image, y, x0, c, height, width, channels);
      a1 = loadPixel(dOut, image, y, x0 + 1, c, height, width, channels);
      a2 = loadPixel(dOut, image, y, x0 + 2, c, height, width, channels);
      a3 = loadPixel(dOut, image, y, x0 + 3, c, height, width, channels);
      a4 = loadPixel(dOut, image, y, x0 + 4, c, height, width, channels);
    }
    storeInputAxis9(block + <usize>(r * 144), 16, a0, a1, a2, a3, a4, a0, a1, a2, a3);
  }
  for (let column = 0; column < 9; column++) {
    const top = block + <usize>(column * 16);
    const a0 = v128.load(top);
    const a1 = v128.load(top + 144);
    const a2 = v128.load(top + 2 * 144);
    const a3 = v128.load(top + 3 * 144);
    const a4 = v128.load(top + 4 * 144);
    storeInputAxis9(at + <usize>column * plane, 9 * plane, a0, a1, a2, a3, a4, a0, a1, a2, a3);
  }
}

/**
 * Y = A^T M A for one forward tile of the 4-output algorithm (storeOutputAxis9), then the epilogue (bias, residual,
 * activation): the 4x4 block at (oy, ox), channels [ocStart, ocEnd), where it lies inside the output. The rows go
 * through `block` (4 x 9 vectors, then 4 more for a row's outputs). A partial tile's skipped positions (not
 * computed) feed only its missing outputs.
 */
function finishOutputTile4(
  output: usize,
  at: usize,
  plane: usize,
  image: i32,
  oy: i32,
  ox: i32,
  outH: i32,
  outW: i32,
  outC: i32,
  ocStart: i32,
  ocEnd: i32,
  bias: usize,
  block: usize,
  residual: usize,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  const rows = min(4, outH - oy);
  const columns = min(4, outW - ox);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>outW * pixelBytes;
  const pixel0 = (<usize>(((image * outH + oy) * outW + ox) * outC)) << 2;
  const line = block + 4 * 144;
  for (let oc = ocStart; oc < ocEnd; oc += 4) {
    const m = at + ((<usize>oc) << 2);
    for (let column = 0; column < 9; column++) {
      storeOutputAxis9(m + <usize>column * plane, 9 * plane, block + <usize>(column * 16), 144, true);
    }
    const b = bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : f32x4.splat(0);
    const offset = pixel0 + ((<usize>oc) << 2);
    for (let r = 0; r < rows; r++) {
      storeOutputAxis9(block + <usize>(r * 144), 16, line, 16, true);
      const row = offset + <usize>r * rowBytes;
      for (let k = 0; k < columns; k++) {
        const y = f32x4.add(v128.load(line + <usize>(k * 16)), b);
        storeFinished(output, residual, row + <usize>k * pixelBytes, y, code, alphas, betas);
      }
    }
  }
}

/**
 * dInput = the transposed output transform for one input-gradient tile of the 4-output algorithm: the 8x8 block at
 * (iy, ix), channels [ocStart, ocEnd) of the pass (dInput's), inside dInput. Along each axis dInput[2 q] = m[5 + q]
 * (the odd phase, g1 a_q) and dInput[2 q + 1] = (A^T m)_q of the even phase (g0 a_(q + 1) + g2 a_q); the rows go
 * through `block` (8 x 9 vectors, rows 2 q + 1 computed, then 8 more for a row's outputs). A partial tile's skipped
 * positions feed only dInput past its edge.
 */
function finishGradientTile8(
  dInput: usize,
  at: usize,
  plane: usize,
  image: i32,
  iy: i32,
  ix: i32,
  height: i32,
  width: i32,
  channels: i32,
  ocStart: i32,
  ocEnd: i32,
  block: usize,
): void {
  const rows = min(8, height - iy);
  const columns = min(8, width - ix);
  const pixelBytes = (<usize>channels) << 2;
  const corner = dInput + ((<usize>(((image * height + iy) * width + ix) * channels)) << 2);
  const stride = 9 * plane;
  const line = block + 8 * 144;
  for (let oc = ocStart; oc < ocEnd; oc += 4) {
    const m = at + ((<usize>oc) << 2);
    for (let column = 0; column < 9; column++) {
      const top = m + <usize>column * plane;
      const destination = block + <usize>(column * 16);
      storeOutputAxis9(top, stride, destination + 144, 288, false);
      for (let q = 0; q < 4; q++) v128.store(destination + <usize>(q * 288), v128.load(top + <usize>(5 + q) * stride));
    }
    for (let r = 0; r < rows; r++) {
      const source = block + <usize>(r * 144);
      const row = corner + <usize>(r * width) * pixelBytes + ((<usize>oc) << 2);
      // A whole row goes straight to dInput, a partial one through `line`.
      const isWhole = columns == 8;
      const destination = isWhole ? row : line;
      const step: usize = isWhole ? pixelBytes : 16;
      storeOutputAxis9(source, 16, destination + step, 2 * step, false);
      for (let q = 0; q < 4; q++) {
        v128.store(destination + <usize>(2 * q) * step, v128.load(source + <usize>((5 + q) * 16)));
      }
      if (!isWhole)
        for (let k = 0; k < columns; k++) v128.store(row + <usize>k * pixelBytes, v128.load(line + <usize>(k * 16)));
    }
  }
}

/**
 * Conv2DBackpropFilter of a 3x3 stride-2 convolution by the dual of the 4-output algorithm (winogradFilterGradient with
 * 4x4 output tiles and 81 positions): along each axis W = A e of the 4 dOut samples e, V as the forward pass's, and
 * dW = G^T M. Same job record as conv2dWinogradStride2Filter; its block (81 vectors) is the kernel's scratch block.
 */
export function conv2dWinogradStride2Tile4Filter(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const tilesH = (g.outH + 3) / 4;
  const tilesW = (g.outW + 3) / 4;
  const skipMask = tile4SkipMask(tilesH, g.outH / 4, g.outH) & tile4SkipMask(tilesW, g.outW / 4, g.outW);
  winogradFilterGradient(
    job,
    threadIndex,
    threadCount,
    4,
    STRIDE2_TILE4_POSITIONS,
    <usize>STRIDE2_TILE4_POSITIONS * 16,
    0,
    skipMask == (1 << 9) - 1 ? 0 : skipMask,
    filterInputStride2Tile4,
    filterDOutStride2Tile4,
    filterFinishStride2Tile4,
  );
}

/** V of one tile's 9x9 input block (a FilterTileTransform), as the 4-output forward pass transforms it. */
function filterInputStride2Tile4(job: usize, tile: FilterTile): void {
  const input = pointerField(job, Conv2dJob.input);
  const g = convGeometryOf(job);
  const y0 = tile.oy * 2 - g.padTop;
  const x0 = tile.ox * 2 - g.padLeft;
  for (let ic = tile.first; ic < tile.last; ic += 4) {
    const at = tile.destination + ((<usize>(ic - tile.first)) << 2);
    transformInputTile9(input, tile.image, y0, x0, ic, g.inH, g.inW, g.inC, tile.block, at, tile.plane);
  }
}

/**
 * W of one tile's 4x4 dOut block (a FilterTileTransform): along each axis (e0, e1, e2, e3) -> (e0, e0 + e1 + e2 + e3,
 * e0 - e1 + e2 - e3, e0 + 2 e1 + 4 e2 + 8 e3, e0 - 2 e1 + 4 e2 - 8 e3, e0, e1, e2, e3); the rows go through the
 * tile's block (4 x 9 vectors).
 */
function filterDOutStride2Tile4(job: usize, tile: FilterTile): void {
  const g = convGeometryOf(job);
  const dOut = pointerField(job, Conv2dJob.filter);
  const outC = g.outC;
  const block = tile.block;
  for (let oc = tile.first; oc < tile.last; oc += 4) {
    for (let r = 0; r < 4; r++) {
      const y = tile.oy + r;
      const e0 = loadPixel(dOut, tile.image, y, tile.ox, oc, g.outH, g.outW, outC);
      const e1 = loadPixel(dOut, tile.image, y, tile.ox + 1, oc, g.outH, g.outW, outC);
      const e2 = loadPixel(dOut, tile.image, y, tile.ox + 2, oc, g.outH, g.outW, outC);
      const e3 = loadPixel(dOut, tile.image, y, tile.ox + 3, oc, g.outH, g.outW, outC);
      storeGradientAxis9(block + <usize>(r * 144), 16, e0, e1, e2, e3);
    }
    const at = tile.destination + ((<usize>(oc - tile.first)) << 2);
    for (let column = 0; column < 9; column++) {
      const top = block + <usize>(column * 16);
      storeGradientAxis9(
        at + <usize>column * tile.plane,
        9 * tile.plane,
        v128.load(top),
        v128.load(top + 144),
        v128.load(top + 288),
        v128.load(top + 432),
      );
    }
  }
}

/** The 9 values A e along one axis of the 4 dOut samples e (see filterDOutStride2Tile4), `stride` bytes apart. */
@inline
function storeGradientAxis9(base: usize, stride: usize, e0: v128, e1: v128, e2: v128, e3: v128): void {
  const even = f32x4.add(e0, e2);
  const odd = f32x4.add(e1, e3);
  const evenScaled = f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2));
  const oddScaled = f32x4.mul(f32x4.splat(2), f32x4.add(e1, f32x4.mul(f32x4.splat(4), e3)));
  v128.store(base, e0);
  v128.store(base + stride, f32x4.add(even, odd));
  v128.store(base + 2 * stride, f32x4.sub(even, odd));
  v128.store(base + 3 * stride, f32x4.add(evenScaled, oddScaled));
  v128.store(base + 4 * stride, f32x4.sub(evenScaled, oddScaled));
  v128.store(base + 5 * stride, e0);
  v128.store(base + 6 * stride, e1);
  v128.store(base + 7 * stride, e2);
  v128.store(base + 8 * stride, e3);
}

/**
 * dW[ky, kx, ic, oc] from the sums M (a FilterGradientFinish): along each axis dW = G^T m = (m0 / 4 + (m1 + m2) / 6 +
 * (m3 + m4) / 24, m5 + m6 + m7 + m8, (m1 - m2) / 6 + (m3 - m4) / 12).
 */
function filterFinishStride2Tile4(job: usize, block: usize, sums: usize, plane: usize, first: i32, last: i32): void {
  const dFilter = pointerField(job, Conv2dJob.bias);
  const g = convGeometryOf(job);
  const inC = g.inC;
  const outC = g.outC;
  const tapBytes = (<usize>inC * <usize>outC) << 2;
  for (let c = 0; c < last - first; c++) {
    for (let oc = 0; oc < outC; oc += 4) {
      const m = sums + ((<usize>c * <usize>outC + <usize>oc) << 2);
      // Rows: s = (3 x 9) into block, then each row's columns.
      for (let column = 0; column < 9; column++) {
        storeFilterGradientAxis(m + <usize>column * plane, 9 * plane, block + <usize>(column * 16), 144);
      }
      const corner = dFilter + ((<usize>(first + c) * <usize>outC + <usize>oc) << 2);
      for (let ky = 0; ky < 3; ky++) {
        storeFilterGradientAxis(block + <usize>(ky * 144), 16, corner + <usize>(ky * 3) * tapBytes, tapBytes);
      }
    }
  }
}

/** G^T m along one axis (see filterFinishStride2Tile4): the 9 values at `base`, 3 stored at `destination`. */
@inline
function storeFilterGradientAxis(base: usize, stride: usize, destination: usize, step: usize): void {
  const m1 = v128.load(base + stride);
  const m2 = v128.load(base + 2 * stride);
  const m3 = v128.load(base + 3 * stride);
  const m4 = v128.load(base + 4 * stride);
  const sixth = f32x4.splat(1.0 / 6.0);
  const first = f32x4.add(
    f32x4.mul(f32x4.splat(0.25), v128.load(base)),
    f32x4.add(f32x4.mul(sixth, f32x4.add(m1, m2)), f32x4.mul(f32x4.splat(1.0 / 24.0), f32x4.add(m3, m4))),
  );
  const middle = f32x4.add(
    f32x4.add(v128.load(base + 5 * stride), v128.load(base + 6 * stride)),
    f32x4.add(v128.load(base + 7 * stride), v128.load(base + 8 * stride)),
  );
  const last = f32x4.add(f32x4.mul(sixth, f32x4.sub(m1, m2)), f32x4.mul(f32x4.splat(1.0 / 12.0), f32x4.sub(m3, m4)));
  v128.store(destination, first);
  v128.store(destination + step, middle);
  v128.store(destination + 2 * step, last);
}
