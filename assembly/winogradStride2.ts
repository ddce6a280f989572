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
// Job record: that of winograd.ts (conv2dWinograd). For the input gradient (variant 1) the geometry is
// the gradient pass's: inH, inW, inC of dOut, outH, outW, outC of dInput. Scratch (forward and input
// gradient): the 4x8 tile | a 5x5 block of vectors and 4 tiles' blocks of 25 (in 4 * 36 * 16 bytes, the size
// winograd4.ts takes) | U [25][strips][inC][8] unless prepared | V [25][chunk / 4][inC][4] | M [25][chunk][outC].

import { epilogueOf } from './epilogue';
import { TILE_COLUMNS, TILE_ROWS, gemmPackedOperands, storeTransposed4x4 } from './gemm';
import { convGeometryOf, intField, pointerField, scratchOf } from './job';
import { Conv2dJob } from './jobFields';
import {
  WINOGRAD_TILE_BYTES,
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
const TILE_BLOCK_BYTES: usize = <usize>STRIDE2_POSITIONS * 16;

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
 * Whether some tiles are partial (edge order): forward, an odd output; input gradient (tileSize 4), a dOut of
 * fewer than twice the dInput tiles along an axis. Only then do the threads interleave their tiles (winogradPassOf).
 */
function hasPartialTiles(job: usize, tileSize: i32): bool {
  const g = convGeometryOf(job);
  const tilesH = (g.outH + tileSize - 1) / tileSize;
  const tilesW = (g.outW + tileSize - 1) / tileSize;
  const sizeH = tileSize == 4 ? g.inH : g.outH;
  const sizeW = tileSize == 4 ? g.inW : g.outW;
  return sizeH >> 1 < tilesH || sizeW >> 1 < tilesW;
}

/**
 * Conv2D (variant 0) or Conv2DBackpropInput (variant 1) of a 3x3 stride-2 convolution: input transform,
 * 25 GEMMs of packed operands, output transform, as conv2dWinograd does (tiles, strips, chunks and the thread
 * split are the same). Forward tiles are 2x2 output blocks; input-gradient tiles are 4x4 dInput blocks.
 */
export function conv2dWinogradStride2(job: usize, threadIndex: i32, threadCount: i32): void {
  const tileSize = intField(job, Conv2dJob.variant) != 0 ? 4 : 2;
  const pass = winogradPassOf(job, tileSize, threadIndex, threadCount, hasPartialTiles(job, tileSize));
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
  const blocks = block + <usize>STRIDE2_POSITIONS * 16;
  const rows = block;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  let transformedFilter = filter;
  let transformedInput = block + BLOCKS_BYTES;
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += <usize>STRIDE2_POSITIONS * filterPlane;
    packFilterStride2(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput);
  }
  const inputPlane = (<usize>chunkTiles * <usize>inC) << 2;
  const products = transformedInput + <usize>STRIDE2_POSITIONS * inputPlane;
  const productPlane = (<usize>chunkTiles * <usize>outC) << 2;
  // Edge order (plainTileIndex): forward tiles with one output row or column, input-gradient tiles whose
  // second dOut sample lies past dOut (the pass's inH, inW), come after the full ones; the class ends counted in
  // this thread's tiles.
  const batch = g.batch;
  const tilesH = (outH + tileSize - 1) / tileSize;
  const fullRows = min(tilesH, (isBackpropInput ? inH : outH) >> 1);
  const fullColumns = min(tilesW, (isBackpropInput ? inW : outW) >> 1);
  const skipMask = isBackpropInput ? INPUT_GRADIENT_SKIP_MASK : FORWARD_SKIP_MASK;
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
        store<i32>(origin, isBackpropInput ? tileRow * 2 : tileRow * 4 - padTop, 4);
        store<i32>(origin, isBackpropInput ? tileColumn * 2 : tileColumn * 4 - padLeft, 8);
      }
      for (let ic = 0; ic < inC; ic += 4) {
        for (let u = 0; u < TILE_ROWS; u++) {
          const tileBlock = blocks + <usize>u * TILE_BLOCK_BYTES;
          if (t + u >= count) {
            memory.fill(tileBlock, 0, TILE_BLOCK_BYTES);
            continue;
          }
          const origin = tile + <usize>(u * 12);
          const image = load<i32>(origin);
          const y0 = load<i32>(origin, 4);
          const x0 = load<i32>(origin, 8);
          if (isBackpropInput) transformGradientTile(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
          else transformInputTile(input, image, y0, x0, ic, inH, inW, inC, rows, tileBlock, 16);
        }
        const destination = packedInputAt(transformedInput, t, ic, inC);
        for (let xi = 0; xi < STRIDE2_POSITIONS; xi++) {
          if (isBackpropInput && (xi >= 20 || xi % 5 == 4)) continue;
          const offset = (<usize>xi) << 4;
          const tile0 = v128.load(blocks + offset);
          const tile1 = v128.load(blocks + TILE_BLOCK_BYTES + offset);
          const tile2 = v128.load(blocks + 2 * TILE_BLOCK_BYTES + offset);
          const tile3 = v128.load(blocks + 3 * TILE_BLOCK_BYTES + offset);
          storeTransposed4x4(tile0, tile1, tile2, tile3, destination + <usize>xi * inputPlane, 16);
        }
      }
    }
    // Each position's GEMM over the tiles that need it (edgePositionRows): a prefix of the chunk.
    for (let xi = 0; xi < STRIDE2_POSITIONS; xi++) {
      const inputPosition = isBackpropInput ? load<i32>(INPUT_GRADIENT_PLANES + ((<usize>xi) << 2)) : xi;
      const positionRows = edgePositionRows(
        xi,
        5,
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
      if (isBackpropInput) {
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
