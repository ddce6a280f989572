// 3x3 stride-1 convolution by Winograd F(4x4, 3x3) (Lavin and Gray, 2016): each 4x4 block of
// outputs comes from a 6x6 block of inputs with 36 multiplies per channel pair instead of 144, 1.78x
// fewer than F(2x2, 3x3) (winograd.ts, which explains the scheme). Its dual F(3x3, 4x4) computes the
// filter gradient (conv2dWinogradFilter4, at the end of this file).
// Interpolation points 0, 1, -1, 2, -2 and infinity give
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
// Same job record, packed layouts and thread split as conv2dWinograd (tiles are 4x4 here). The
// transforms go through a 6x6 block of f32x4 in the thread's scratch (36 live vectors would not fit in
// registers): one pass from the source into the block, one from it to the destination; the input transform writes
// the channel-grouped layout of gemmGroupedOperands (gemm.ts), 4 tiles a row tile. The forward and input-gradient
// driver, winogradStride1Pass, is F(6x6)'s too (conv2dWinograd6 in winograd6.ts), the tile size a constant.
// A filter transformed on each call (training) is transformed a row of 6 positions at a time, between the GEMMs,
// where the tiles make one chunk (gemmByPositionRows). Outputs that are not multiples of 4 put their partial tiles
// last (edge order, plainTileIndex in winograd.ts; the threads then interleave blocks of tiles), and those skip
// position 5 along a partial axis (POSITION_5_MASK), forward and in the filter gradient.
// conv2dWinogradPrepare (every tile size) lives here too.

import { epilogueOf } from './epilogue';
import { GEMM_SCRATCH_BYTES, TILE_COLUMNS, TILE_ROWS, gemm, gemmGroupedOperands, storeTransposed4x4 } from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';
import { Conv2dJob } from './jobFields';
import {
  WINOGRAD_TILE_BYTES,
  chunkPlaneBytes,
  edgePositionRows,
  filterTap,
  gemmEachPosition,
  interleavedTile,
  interleavedTilesBelow,
  plainTileIndex,
  packFilter2x2,
  packedFilterFloats,
  storeFinished,
  winogradPassOf,
  FilterTile,
  winogradFilterGradient,
} from './winograd';
import { finishOutputTile6, loadRow, packFilter6x6, transformInputBlock6 } from './winograd6';
import {
  STRIDE2_POSITIONS,
  STRIDE2_TILE4_POSITIONS,
  packFilterStride2,
  packFilterStride2Tile4,
} from './winogradStride2';

export const BLOCK_BYTES: usize = 36 * 16;
/**
 * Position 5 along an axis (bit 5, edgePositionRows in winograd.ts): only y3 reads it (A^T), and in the filter
 * gradient W5 = e3; a tile with fewer than 4 outputs along that axis skips it.
 */
const POSITION_5_MASK: i32 = 1 << 5;
/**
 * Largest transformed input of one row of 6 tile positions (6 x tiles x inC floats) for which a single-chunk pass with
 * a filter transformed on this call transforms it row by row (gemmByPositionRows): the row's inputs stay in L2 (2 MB
 * a core here) while every block of strips passes over them. 14x14x256 at batch 16 (1.5 MB), one thread, CPU time:
 * forward 28.6 -> 27.2 ms, input gradient 28.3 -> 27.3 with it, against 1 MB.
 */
const ROW_GROUP_INPUT_BYTES: usize = 2 << 20;
/**
 * Bytes of one block of gemmByPositionRows's transformed filter: 6 positions of a few strips. 7x7x512 at batch 16,
 * one thread: 512 KB -> 1 MB forward 31.0 -> 30.1 ms, 2 MB the same as 1 MB.
 */
const ROW_GROUP_FILTER_BYTES: usize = 1024 << 10;

/**
 * Tiles of 4 outputs along an axis of `size` outputs in conv2dWinograd4. The other tiles come last: (4 - size % 4) %
 * 4 tiles of 3 outputs (7 = 4 + 3, 14 = 4 + 4 + 3 + 3, 9 = 3 + 3 + 3; as many tiles as 4 at a time), where there are
 * that many tiles, else one of size % 4 outputs (2, 5 = 4 + 1). A tile of 3 outputs skips position 5
 * (POSITION_5_MASK), and one of 1 or 2 needs positions 0-4 all the same: 14 outputs take 6 + 6 + 5 + 5 = 22 positions
 * along the axis instead of 6 + 6 + 6 + 5, (22 / 23)^2 of the GEMM rows on 14x14 (ResNet's third stage).
 */
@inline
function fullTiles4(size: i32): i32 {
  const tiles = (size + 3) >> 2;
  const edgeTiles = (4 - (size & 3)) & 3;
  return edgeTiles <= tiles ? tiles - edgeTiles : size >> 2;
}

/**
 * The first output of tile `index` along an axis whose first `fullTiles` tiles have `outputs` outputs and the rest one
 * fewer (fullTiles4; F(6x6) has at most one partial tile, so its tiles start at multiples of 6).
 */
@inline
function tileOrigin(index: i32, fullTiles: i32, outputs: i32): i32 {
  return index * outputs - max(0, index - fullTiles);
}

@inline
function at(block: usize, row: i32, column: i32): usize {
  return block + ((<usize>(row * 6 + column)) << 4);
}

/**
 * x -> B^T x for one line of six vectors, stored at `base` + k `step` (all six are loaded first, so the line may be
 * rewritten in place).
 */
@inline
function inputLine(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, base: usize, step: usize): void {
  const four = f32x4.splat(4),
    five = f32x4.splat(5),
    two = f32x4.splat(2);
  const x1x2 = f32x4.add(x1, x2);
  v128.store(base, f32x4.add(f32x4.sub(f32x4.mul(four, x0), f32x4.mul(five, x2)), x4));
  v128.store(base + step, f32x4.sub(f32x4.add(x3, x4), f32x4.mul(four, x1x2)));
  v128.store(base + 2 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(four, x2)), f32x4.sub(x4, x3)));
  v128.store(base + 3 * step, f32x4.add(f32x4.mul(two, f32x4.sub(x3, x1)), f32x4.sub(x4, x2)));
  v128.store(base + 4 * step, f32x4.add(f32x4.mul(two, f32x4.sub(x1, x3)), f32x4.sub(x4, x2)));
  v128.store(base + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(five, x3)), x5));
}

/**
 * V = B^T d B for the 6x6 input block at (y0, x0) of `image`, channels ic .. ic + 3 (zero outside the
 * image): columns go straight from the input into `block` (BLOCK_BYTES of scratch), then each row of `block`
 * straight to V, whose V[xi] is stored at destination + xi `plane`.
 */
export function transformInputBlock(
  input: usize,
  image: i32,
  y0: i32,
  x0: i32,
  ic: i32,
  inH: i32,
  inW: i32,
  inC: i32,
  block: usize,
  destination: usize,
  plane: usize,
): void {
  // Rows [rowFirst, rowEnd) of the block lie in the image; a column outside it is zero (so is its transform), as in
  // winograd6.ts. Before, a tile reaching past the image tested each pixel's bounds; one thread, CPU time, medians of
  // 21 calls alternated in one process, before -> this (same bits): batch 32, 28x28x12 forward 1.50 -> 1.47 and 1.31
  // -> 1.27 ms, 20x20x16 forward 0.80 -> 0.78, input gradient 0.77 -> 0.76; ResNet-18's 14x14 and 7x7 layers (GEMMs
  // of 256 and 512 channels) within 1%.
  const rowFirst = max(0, -y0);
  const rowEnd = min(6, inH - y0);
  const rowBytes = (<usize>inW * <usize>inC) << 2;
  const zero = f32x4.splat(0);
  for (let c = 0; c < 6; c++) {
    const x = x0 + c;
    const column = at(block, 0, c);
    if (x < 0 || x >= inW) {
      for (let r = 0; r < 6; r++) v128.store(column + <usize>r * 96, zero);
      continue;
    }
    // Wraps below the image's first row where y0 < 0; only rows from rowFirst are loaded.
    const top = input + ((<usize>(((image * inH + y0) * inW + x) * inC + ic)) << 2);
    if (rowFirst == 0 && rowEnd == 6) {
      inputLine(
        v128.load(top),
        v128.load(top + rowBytes),
        v128.load(top + 2 * rowBytes),
        v128.load(top + 3 * rowBytes),
        v128.load(top + 4 * rowBytes),
        v128.load(top + 5 * rowBytes),
        column,
        96,
      );
    } else {
      inputLine(
        loadRow(top, rowBytes, 0, rowFirst, rowEnd),
        loadRow(top, rowBytes, 1, rowFirst, rowEnd),
        loadRow(top, rowBytes, 2, rowFirst, rowEnd),
        loadRow(top, rowBytes, 3, rowFirst, rowEnd),
        loadRow(top, rowBytes, 4, rowFirst, rowEnd),
        loadRow(top, rowBytes, 5, rowFirst, rowEnd),
        column,
        96,
      );
    }
  }
  for (let r = 0; r < 6; r++) {
    const row = at(block, r, 0);
    inputLine(
      v128.load(row),
      v128.load(row, 16),
      v128.load(row, 32),
      v128.load(row, 48),
      v128.load(row, 64),
      v128.load(row, 80),
      destination + <usize>(r * 6) * plane,
      plane,
    );
  }
}

/** U = G g G^T for 4 output channels: g is 3x3 (in `block` rows 0-2, columns 0-2), U fills the 6x6 block. */
function filterTransform(block: usize): void {
  // Columns first (3 -> 6 rows) for the 3 filter columns, then rows (3 -> 6 columns) for all 6 rows.
  for (let column = 0; column < 3; column++) {
    const base = block + ((<usize>column) << 4);
    filterLine(v128.load(base), v128.load(base, 96), v128.load(base, 192), base, 96);
  }
  for (let row = 0; row < 6; row++) {
    const base = block + <usize>row * 96;
    filterLine(v128.load(base), v128.load(base, 16), v128.load(base, 32), base, 16);
  }
}

/** g -> G g for one line of three vectors: the six results at `base` + k `step`. */
@inline
function filterLine(g0: v128, g1: v128, g2: v128, base: usize, step: usize): void {
  const quarter = f32x4.splat(0.25),
    sixth = f32x4.splat(1.0 / 6.0),
    twelfth = f32x4.splat(1.0 / 12.0),
    twentyFourth = f32x4.splat(1.0 / 24.0);
  const sum = f32x4.add(g0, g2);
  v128.store(base, f32x4.mul(quarter, g0));
  v128.store(base + step, f32x4.neg(f32x4.mul(sixth, f32x4.add(sum, g1))));
  v128.store(base + 2 * step, f32x4.neg(f32x4.mul(sixth, f32x4.sub(sum, g1))));
  const outer = f32x4.add(f32x4.mul(twentyFourth, g0), f32x4.mul(sixth, g2));
  v128.store(base + 3 * step, f32x4.add(outer, f32x4.mul(twelfth, g1)));
  v128.store(base + 4 * step, f32x4.sub(outer, f32x4.mul(twelfth, g1)));
  v128.store(base + 5 * step, g2);
}

/**
 * Result `row` of filterLine on g0, g1, g2 (the same operations, so the same bits): row 0 reads only g0, row 5 only
 * g2.
 */
@inline
function filterLineAt(row: i32, g0: v128, g1: v128, g2: v128): v128 {
  if (row == 0) return f32x4.mul(f32x4.splat(0.25), g0);
  if (row == 5) return g2;
  const sixth = f32x4.splat(1.0 / 6.0),
    twelfth = f32x4.splat(1.0 / 12.0),
    twentyFourth = f32x4.splat(1.0 / 24.0);
  const sum = f32x4.add(g0, g2);
  if (row == 1) return f32x4.neg(f32x4.mul(sixth, f32x4.add(sum, g1)));
  if (row == 2) return f32x4.neg(f32x4.mul(sixth, f32x4.sub(sum, g1)));
  const outer = f32x4.add(f32x4.mul(twentyFourth, g0), f32x4.mul(sixth, g2));
  return row == 3 ? f32x4.add(outer, f32x4.mul(twelfth, g1)) : f32x4.sub(outer, f32x4.mul(twelfth, g1));
}

/** m -> A^T m for one line of six vectors: the four results at `base` + k `step`. */
@inline
function outputLine(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, base: usize, step: usize): void {
  const two = f32x4.splat(2),
    four = f32x4.splat(4),
    eight = f32x4.splat(8);
  const sum12 = f32x4.add(m1, m2),
    difference12 = f32x4.sub(m1, m2);
  const sum34 = f32x4.add(m3, m4),
    difference34 = f32x4.sub(m3, m4);
  v128.store(base, f32x4.add(f32x4.add(m0, sum12), sum34));
  v128.store(base + step, f32x4.add(difference12, f32x4.mul(two, difference34)));
  v128.store(base + 2 * step, f32x4.add(sum12, f32x4.mul(four, sum34)));
  v128.store(base + 3 * step, f32x4.add(f32x4.add(difference12, f32x4.mul(eight, difference34)), m5));
}

/**
 * The column half of Y = A^T M A for 4 output channels: M[xi] is read at source + xi * plane, down its
 * 6 columns, into `block` rows 0-3 (A^T M); the row half runs in finishOutputRow.
 */
function outputColumns(source: usize, plane: usize, block: usize): void {
  for (let c = 0; c < 6; c++) {
    const top = source + <usize>c * plane;
    const rowStep = 6 * plane;
    outputLine(
      v128.load(top),
      v128.load(top + rowStep),
      v128.load(top + 2 * rowStep),
      v128.load(top + 3 * rowStep),
      v128.load(top + 4 * rowStep),
      v128.load(top + 5 * rowStep),
      at(block, 0, c),
      96,
    );
  }
}

/**
 * Row r of Y = (A^T M) A from `block` (outputColumns), in registers, then + bias and the epilogue
 * (storeFinished) straight into the output's first `columns` pixels at `rowOffset`, outC channels
 * apart: outputLine's operations in its order, without storing the row back into the block first
 * (saves 4 stores and 4 loads per row and channel group). Measured on ResNet-18 shapes at batch 8,
 * one thread, CPU time, 6 alternated processes on the loaded machine (medians), against the build
 * before the channel-grouped input transforms too (that one measured neutral alone): 56x56x64 18.5 -> 17.9 ms,
 * 28x28x128 14.6 -> 13.7 ms.
 */
@inline
function finishOutputRow(
  block: usize,
  r: i32,
  columns: i32,
  output: usize,
  residual: usize,
  rowOffset: usize,
  pixelBytes: usize,
  bias: v128,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  const row = at(block, r, 0);
  const m0 = v128.load(row),
    m1 = v128.load(row, 16),
    m2 = v128.load(row, 32);
  const m3 = v128.load(row, 48),
    m4 = v128.load(row, 64),
    m5 = v128.load(row, 80);
  const two = f32x4.splat(2),
    four = f32x4.splat(4),
    eight = f32x4.splat(8);
  const sum12 = f32x4.add(m1, m2),
    difference12 = f32x4.sub(m1, m2);
  const sum34 = f32x4.add(m3, m4),
    difference34 = f32x4.sub(m3, m4);
  storeFinished(
    output,
    residual,
    rowOffset,
    f32x4.add(f32x4.add(f32x4.add(m0, sum12), sum34), bias),
    code,
    alphas,
    betas,
  );
  if (columns > 1) {
    storeFinished(
      output,
      residual,
      rowOffset + pixelBytes,
      f32x4.add(f32x4.add(difference12, f32x4.mul(two, difference34)), bias),
      code,
      alphas,
      betas,
    );
  }
  if (columns > 2) {
    storeFinished(
      output,
      residual,
      rowOffset + 2 * pixelBytes,
      f32x4.add(f32x4.add(sum12, f32x4.mul(four, sum34)), bias),
      code,
      alphas,
      betas,
    );
  }
  if (columns > 3) {
    const y3 = f32x4.add(f32x4.add(difference12, f32x4.mul(eight, difference34)), m5);
    storeFinished(output, residual, rowOffset + 3 * pixelBytes, f32x4.add(y3, bias), code, alphas, betas);
  }
}

/**
 * packFilter2x2's layout for F(4x4, 3x3): U = G g G^T at position xi (of 36), input channel ic, output
 * channel 8 * strip + j at packed[xi][strip][ic][j], zero past outC; strips [stripStart, stripEnd) only.
 * block: BLOCK_BYTES of scratch.
 */
export function packFilter4x4(
  filter: usize,
  packed: usize,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
  block: usize,
): void {
  const plane = packedFilterFloats(inC, outC) << 2;
  const zero = f32x4.splat(0);
  for (let strip = stripStart; strip < stripEnd; strip++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < 36; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++)
            v128.store(at(block, ky, kx), filterTap(filter, ky, kx, ic, oc, inC, outC, isBackpropInput));
        }
        filterTransform(block);
        for (let xi = 0; xi < 36; xi++)
          v128.store(destination + <usize>xi * plane, v128.load(block + ((<usize>xi) << 4)));
      }
    }
  }
}

/**
 * Row `row` of packFilter4x4's positions (xi = 6 row .. 6 row + 5), strips [stripStart, stripEnd) only, the same values:
 * position 6 row + j, input channel ic, output channel 8 * strip + k at packed[j][strip - stripStart][ic][k] (floats),
 * the positions `plane` bytes apart. Column by column, G g's row `row` (filterLineAt), then G^T along it (filterLine).
 * Rows 0 and 5 read one tap row of the filter, the others all three. An input gradient's taps come 4 input channels
 * at a time, 4x4 transposed into `block` (BLOCK_BYTES of scratch: 9 taps x 4 channels): filterTap's lane-by-lane
 * loads, repeated for each row, made the input gradient slower than transforming the filter all at once.
 */
function packFilter4x4Row(
  filter: usize,
  packed: usize,
  plane: usize,
  row: i32,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
  block: usize,
): void {
  const zero = f32x4.splat(0);
  const firstTapRow = row == 5 ? 2 : 0;
  const lastTapRow = row == 0 ? 0 : 2;
  const strips = stripEnd - stripStart;
  const channelGroups = inC >> 2;
  // 4 input channels at a time, so each position's strip gets whole cache lines. Forward, channels go outermost: the
  // filter's tap rows lie [ic][oc] 1 MB apart at 512 channels, and one pass down the channels reads each row once;
  // strips outermost revisited every page per strip (7x7x512 forward, one thread: 35.8 -> 32.7 ms CPU). An input
  // gradient reads the forward filter [oc][ic] along its input channels, so there strips go outermost (31.3 -> 30.4 ms).
  for (let unit = 0; unit < strips * channelGroups; unit++) {
    const strip = stripStart + (isBackpropInput ? unit / channelGroups : unit % strips);
    const channel = (isBackpropInput ? unit % channelGroups : unit / strips) << 2;
    for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
      const oc = strip * TILE_COLUMNS + quarter;
      const destination =
        packed + ((<usize>((strip - stripStart) * inC + channel) * TILE_COLUMNS + <usize>quarter) << 2);
      if (oc >= outC) {
        for (let ic = 0; ic < 4; ic++) {
          const at = destination + ((<usize>(ic * TILE_COLUMNS)) << 2);
          for (let j = 0; j < 6; j++) v128.store(at + <usize>j * plane, zero);
        }
        continue;
      }
      if (!isBackpropInput) {
        const tapBytes = (<usize>inC * <usize>outC) << 2;
        for (let ic = 0; ic < 4; ic++) {
          const taps = filter + ((<usize>((channel + ic) * outC + oc)) << 2);
          storeFilterRow4x4(taps, tapBytes, row, destination + ((<usize>(ic * TILE_COLUMNS)) << 2), plane);
        }
        continue;
      }
      // The forward filter [3, 3, outC, inC] (of this pass): 4 output channels' vectors of 4 input channels per tap.
      const channelBytes = (<usize>inC) << 2;
      for (let ky = firstTapRow; ky <= lastTapRow; ky++) {
        for (let kx = 0; kx < 3; kx++) {
          const source = filter + ((<usize>((((2 - ky) * 3 + 2 - kx) * outC + oc) * inC + channel)) << 2);
          storeTransposed4x4(
            v128.load(source),
            v128.load(source + channelBytes),
            v128.load(source + 2 * channelBytes),
            v128.load(source + 3 * channelBytes),
            block + ((<usize>((ky * 3 + kx) * 4)) << 4),
            16,
          );
        }
      }
      for (let ic = 0; ic < 4; ic++) {
        const taps = block + ((<usize>ic) << 4);
        storeFilterRow4x4(taps, 64, row, destination + ((<usize>(ic * TILE_COLUMNS)) << 2), plane);
      }
    }
  }
}

/**
 * Row `row` of U = G g G^T for 4 output channels, its 6 positions at `destination` + j `plane`: g's tap (ky, kx) at
 * `taps` + (3 ky + kx) `tapBytes`, only the tap rows filterLineAt reads loaded.
 */
@inline
function storeFilterRow4x4(taps: usize, tapBytes: usize, row: i32, destination: usize, plane: usize): void {
  const firstTapRow = row == 5 ? 2 : 0;
  const lastTapRow = row == 0 ? 0 : 2;
  filterLine(
    filterLineAt(
      row,
      loadTap(taps, tapBytes, 0, 0, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 1, 0, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 2, 0, firstTapRow, lastTapRow),
    ),
    filterLineAt(
      row,
      loadTap(taps, tapBytes, 0, 1, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 1, 1, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 2, 1, firstTapRow, lastTapRow),
    ),
    filterLineAt(
      row,
      loadTap(taps, tapBytes, 0, 2, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 1, 2, firstTapRow, lastTapRow),
      loadTap(taps, tapBytes, 2, 2, firstTapRow, lastTapRow),
    ),
    destination,
    plane,
  );
}

/** Tap (ky, kx) at `taps` + (3 ky + kx) `tapBytes`, or zero for a tap row outside [firstTapRow, lastTapRow]. */
@inline
function loadTap(taps: usize, tapBytes: usize, ky: i32, kx: i32, firstTapRow: i32, lastTapRow: i32): v128 {
  if (ky < firstTapRow || ky > lastTapRow) return f32x4.splat(0);
  return v128.load(taps + <usize>(ky * 3 + kx) * tapBytes);
}

/**
 * The 36 GEMMs of conv2dWinograd4 for a filter transformed on this call, one chunk of `count` tiles, transforming
 * the filter as they go: per row of 6 tile positions and block of strips, packFilter4x4Row into `packed`
 * (ROW_GROUP_FILTER_BYTES at most), then those positions' GEMMs over those strips, while the block is still in L2.
 * Transformed all at once, the filter (36 x inC x outC floats, 38 MB at 512 channels) went to memory and came back.
 * Each sum is the GEMM's over the whole depth, so results match the other paths bit for bit.
 * NOTE: rows 1-2 and 3-4 in pairs (sharing their filter reads; 12 positions a block) measured within noise of this
 * (7x7x512, one thread: forward 30.1 -> 29.8 ms, 14x14x256 unchanged), so rows stay single.
 */
function gemmByPositionRows(
  filter: usize,
  packed: usize,
  transformedInput: usize,
  inputPlane: usize,
  products: usize,
  productPlane: usize,
  count: i32,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
  tile: usize,
  block: usize,
  skipMask: i32,
  start: i32,
  fullEnd: i32,
  rowEdgeEnd: i32,
  columnEdgeEnd: i32,
): void {
  const stripBytes = (<usize>inC * TILE_COLUMNS) << 2;
  const blockStrips = max(1, <i32>(ROW_GROUP_FILTER_BYTES / (6 * stripBytes)));
  for (let row = 0; row < 6; row++) {
    for (let blockStart = stripStart; blockStart < stripEnd; blockStart += blockStrips) {
      const blockEnd = min(stripEnd, blockStart + blockStrips);
      const plane = <usize>(blockEnd - blockStart) * stripBytes;
      packFilter4x4Row(filter, packed, plane, row, inC, outC, blockStart, blockEnd, isBackpropInput, block);
      const column = blockStart * TILE_COLUMNS;
      for (let j = 0; j < 6; j++) {
        const xi = row * 6 + j;
        gemmGroupedOperands(
          transformedInput + <usize>xi * inputPlane,
          packed + <usize>j * plane,
          products + <usize>xi * productPlane + ((<usize>column) << 2),
          outC,
          edgePositionRows(xi, 6, skipMask, start, count, fullEnd, rowEdgeEnd, columnEdgeEnd),
          outC - column,
          inC,
          0,
          blockEnd - blockStart,
          tile,
        );
      }
    }
  }
}

/**
 * Prepares a filter for conv2dWinograd, conv2dWinograd4, conv2dWinograd6 (winograd6.ts), conv2dWinogradStride2 or
 * conv2dWinogradStride2Tile4 (isPreparedFilter set): packFilter2x2, packFilter4x4, packFilter6x6, packFilterStride2 or
 * packFilterStride2Tile4 over every strip, threads splitting the strips. A constant filter is prepared once (the
 * backend keeps the result); a training filter once per call, shared by the threads, where they split the tiles (each
 * would otherwise transform the whole filter itself). Job record (Conv2dJob): input the filter [3, 3, inC, outC] (of
 * the forward convolution), filter the packed result (positions x packedFilterFloats(inC, outC)), the thread's
 * scratch (BLOCK6_BYTES), panelRows the positions (16: F(2x2), 36: F(4x4), 64: F(6x6), 25 or 81: stride 2), the
 * geometry (of the gradient pass for an input gradient) and variant isBackpropInput (the filter is read flipped and
 * transposed, as winograd.ts's filterTap does).
 */
export function conv2dWinogradPrepare(job: usize, threadIndex: i32, threadCount: i32): void {
  const filter = pointerField(job, Conv2dJob.input);
  const packed = pointerField(job, Conv2dJob.filter);
  const g = convGeometryOf(job);
  const inC = g.inC;
  const outC = g.outC;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  const stripStart = rangeStart(strips, 1, threadIndex, threadCount);
  const stripEnd = rangeEnd(strips, 1, threadIndex, threadCount);
  const isBackpropInput = intField(job, Conv2dJob.variant) != 0;
  const positions = intField(job, Conv2dJob.panelRows);
  if (positions == 64)
    packFilter6x6(filter, packed, inC, outC, stripStart, stripEnd, isBackpropInput, scratchOf(job, threadIndex));
  else if (positions == 36)
    packFilter4x4(filter, packed, inC, outC, stripStart, stripEnd, isBackpropInput, scratchOf(job, threadIndex));
  else if (positions == STRIDE2_POSITIONS)
    packFilterStride2(filter, packed, inC, outC, stripStart, stripEnd, isBackpropInput);
  else if (positions == STRIDE2_TILE4_POSITIONS)
    packFilterStride2Tile4(filter, packed, inC, outC, stripStart, stripEnd, isBackpropInput);
  else packFilter2x2(filter, packed, inC, outC, stripStart, stripEnd, isBackpropInput);
}

/**
 * Conv2D (and Conv2DBackpropInput, isBackpropInput) by F(4x4, 3x3): conv2dWinograd's job record, packed layouts and
 * thread split, tiles of 4 (winogradStride1Pass).
 */
export function conv2dWinograd4(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradStride1Pass(job, threadIndex, threadCount, 4);
}

/**
 * Tiles of `outputs` outputs along an axis of `size` outputs in winogradStride1Pass, the partial ones (fewer outputs)
 * last: fullTiles4 for F(4x4); for F(6x6), at most one partial tile.
 */
@inline
function fullTiles(size: i32, outputs: i32): i32 {
  return outputs == 4 ? fullTiles4(size) : size / outputs;
}

/**
 * The pass of conv2dWinograd4 (outputs 4) or conv2dWinograd6 (winograd6.ts, outputs 6): a constant once inlined, so
 * each gets its own transforms and the size tests fold away. Per chunk of this thread's tiles: the input transforms
 * in gemmGroupedOperands's layout (gemm.ts), one GEMM per position (positions (outputs + 2)^2), the output
 * transforms with bias and epilogue. Scratch: tile | 4 6x6 blocks (the transforms use the first; F(6x6)'s 8x8 block
 * fits in them) | U [positions][strips][inC][8] (unless prepared) | V [positions][chunk / 4][inC / 4][4][4]
 * (grouped) | M [positions][chunk][outC], the planes of V and M chunkPlaneBytes apart.
 */
@inline
export function winogradStride1Pass(job: usize, threadIndex: i32, threadCount: i32, outputs: i32): void {
  const isTile4 = outputs == 4;
  const side = outputs + 2;
  const positions = side * side;
  const geometry = convGeometryOf(job);
  const hasPartialTiles = geometry.outH % outputs != 0 || geometry.outW % outputs != 0;
  const pass = winogradPassOf(job, outputs, threadIndex, threadCount, hasPartialTiles);
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
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  let transformedFilter = filter;
  let transformedInput = block + TILE_ROWS * BLOCK_BYTES;
  const inputPlane = chunkPlaneBytes(chunkTiles, inC);
  // F(4x4) only: its 36 positions a row of 6 at a time (ROW_GROUP_INPUT_BYTES).
  const isByPositionRows =
    isTile4 &&
    !isPreparedFilter &&
    last - first <= chunkTiles &&
    (<usize>(last - first) * <usize>inC * 6) << 2 <= ROW_GROUP_INPUT_BYTES;
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += <usize>positions * filterPlane;
    if (isTile4) {
      if (!isByPositionRows)
        packFilter4x4(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput, block);
    } else {
      packFilter6x6(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput, block);
    }
  }
  const products = transformedInput + <usize>positions * inputPlane;
  const productPlane = chunkPlaneBytes(chunkTiles, outC);
  const zero = f32x4.splat(0);
  // Edge order (plainTileIndex in winograd.ts): tiles with fewer than `outputs` outputs along an axis come last, and
  // skip the last position along it, which only the last output reads (A^T); the class ends counted in this thread's
  // tiles. F(4x4): on 7x7 outputs (ResNet-18's last layers: 4 tiles an image, 3 partial) 126 GEMM rows x positions an
  // image instead of 144, on 14x14 544 instead of 576. Batch 16, one thread, CPU time, medians of in-process
  // alternations (6 and 4), before -> after, forward / input gradient / filter gradient (conv2dWinogradFilter4):
  // 7x7x512 34.3 / 34.1 / 31.4 -> 32.3 / 32.2 / 28.9 ms, 14x14x256 29.1 / 28.4 / 30.7 -> 28.3 / 27.2 / 29.1. With the
  // last 6 of 14 outputs in two tiles of 3 (fullTiles4), 484 on 14x14.
  const batch = g.batch;
  const tilesH = (outH + outputs - 1) / outputs;
  const fullRows = fullTiles(outH, outputs);
  const fullColumns = fullTiles(outW, outputs);
  const skipMask = hasPartialTiles ? 1 << (outputs + 1) : 0;
  const fullEnd = batch * fullRows * fullColumns;
  const rowEdgeEnd = fullEnd + batch * (tilesH - fullRows) * fullColumns;
  const columnEdgeEnd = rowEdgeEnd + batch * fullRows * (tilesW - fullColumns);
  const localFullEnd = interleavedTilesBelow(fullEnd, tileThread, tileThreads);
  const localRowEdgeEnd = interleavedTilesBelow(rowEdgeEnd, tileThread, tileThreads);
  const localColumnEdgeEnd = interleavedTilesBelow(columnEdgeEnd, tileThread, tileThreads);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>outW * pixelBytes;
  for (let start = first; start < last; start += chunkTiles) {
    const count = min(chunkTiles, last - start);
    // Input transforms in gemmGroupedOperands's layout: tile t's vector of channels ic .. ic + 3 at position xi lies at
    // xi `inputPlane` + 16 (inC (t / 4) + ic + t % 4); tiles past `count` in the last row tile are zero. Each tile's
    // place is worked out once for all its channels: before, each tile went into a block of its own and a 4x4
    // transpose per position regrouped four tiles' channel vectors, the places worked out for every 4 channels
    // (56x56x64 at batch 8, one thread, V8's sampling profile: the input transforms 3.1-3.7% -> 1.0-1.2% of the
    // samples, the GEMMs unchanged).
    for (let t = 0; t < ((count + 3) & ~3); t++) {
      const tileAt = transformedInput + ((<usize>(t >> 2) * <usize>inC + <usize>(t & 3)) << 4);
      if (t >= count) {
        for (let ic = 0; ic < inC; ic += 4) {
          const vector = tileAt + ((<usize>ic) << 4);
          for (let xi = 0; xi < positions; xi++) v128.store(vector + <usize>xi * inputPlane, zero);
        }
        continue;
      }
      const tileIndex = plainTileIndex(
        interleavedTile(start + t, tileThread, tileThreads),
        batch,
        tilesH,
        tilesW,
        fullRows,
        fullColumns,
      );
      const image = tileIndex / imageTiles;
      const y0 = tileOrigin((tileIndex % imageTiles) / tilesW, fullRows, outputs) - padTop;
      const x0 = tileOrigin(tileIndex % tilesW, fullColumns, outputs) - padLeft;
      for (let ic = 0; ic < inC; ic += 4) {
        const destination = tileAt + ((<usize>ic) << 4);
        if (isTile4) transformInputBlock(input, image, y0, x0, ic, inH, inW, inC, block, destination, inputPlane);
        else transformInputBlock6(input, image, y0, x0, ic, inH, inW, inC, block, destination, inputPlane);
      }
    }
    if (isByPositionRows) {
      gemmByPositionRows(
        filter,
        transformedFilter,
        transformedInput,
        inputPlane,
        products,
        productPlane,
        count,
        inC,
        outC,
        stripStart,
        stripEnd,
        isBackpropInput,
        tile,
        block,
        skipMask,
        start,
        localFullEnd,
        localRowEdgeEnd,
        localColumnEdgeEnd,
      );
    } else {
      // NOTE: F(2x2)'s GEMMs by depth blocks (gemmDepthBlockedOperands in gemm.ts, in the channel groups) did not pay
      // here with a form of more than 8 MB: one thread, CPU time, min / median of 6, two alternations, 7x7x512 at
      // batch 8 14.43 / 14.72 and 13.89 / 14.04 -> 13.51 / 13.99 and 14.26 / 14.58 ms, 14x14x256 12.93 / 13.21 and
      // 12.28 / 12.61 -> 13.11 / 13.74 and 13.41 / 14.18; at batch 1 even. At batch 8 a strip meets 8 row tiles, so the
      // first one's wait is a small share; at batch 1 on 7x7 there is one row tile, and nothing to hide the reads behind.
      gemmEachPosition(
        positions,
        transformedInput,
        inputPlane,
        transformedFilter,
        filterPlane,
        products,
        productPlane,
        count,
        inC,
        outC,
        stripStart,
        stripEnd,
        tile,
        skipMask,
        start,
        localFullEnd,
        localRowEdgeEnd,
        localColumnEdgeEnd,
        true,
      );
    }
    // Skipped positions hold stale products: they reach only the last output of a partial axis, which is not stored.
    for (let t = 0; t < count; t++) {
      const tileIndex = plainTileIndex(
        interleavedTile(start + t, tileThread, tileThreads),
        batch,
        tilesH,
        tilesW,
        fullRows,
        fullColumns,
      );
      const image = tileIndex / imageTiles;
      const row = (tileIndex % imageTiles) / tilesW;
      const column = tileIndex % tilesW;
      const oy = tileOrigin(row, fullRows, outputs);
      const ox = tileOrigin(column, fullColumns, outputs);
      const rows = min(row < fullRows ? outputs : outputs - 1, outH - oy);
      const columns = min(column < fullColumns ? outputs : outputs - 1, outW - ox);
      const corner = <usize>((image * outH + oy) * outW + ox) * pixelBytes;
      for (let oc = ocStart; oc < ocEnd; oc += 4) {
        const source = products + ((<usize>t * <usize>outC + <usize>oc) << 2);
        const b = bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : zero;
        const at = corner + ((<usize>oc) << 2);
        if (isTile4) {
          outputColumns(source, productPlane, block);
          for (let r = 0; r < rows; r++)
            finishOutputRow(
              block,
              r,
              columns,
              output,
              residual,
              at + <usize>r * rowBytes,
              pixelBytes,
              b,
              code,
              alphas,
              betas,
            );
        } else {
          finishOutputTile6(
            source,
            productPlane,
            block,
            rows,
            columns,
            output,
            residual,
            at,
            rowBytes,
            pixelBytes,
            b,
            code,
            alphas,
            betas,
          );
        }
      }
    }
  }
}

/** e -> A e for one line of four vectors (A = (A^T)^T, 6x4): the six results at `base` + k `step`. */
@inline
function gradientLine(e0: v128, e1: v128, e2: v128, e3: v128, base: usize, step: usize): void {
  const two = f32x4.splat(2),
    four = f32x4.splat(4),
    eight = f32x4.splat(8);
  const even = f32x4.add(e0, f32x4.mul(four, e2)),
    odd = f32x4.add(f32x4.mul(two, e1), f32x4.mul(eight, e3));
  const sum02 = f32x4.add(e0, e2),
    sum13 = f32x4.add(e1, e3);
  v128.store(base, e0);
  v128.store(base + step, f32x4.add(sum02, sum13));
  v128.store(base + 2 * step, f32x4.sub(sum02, sum13));
  v128.store(base + 3 * step, f32x4.add(even, odd));
  v128.store(base + 4 * step, f32x4.sub(even, odd));
  v128.store(base + 5 * step, e3);
}

/** m -> G^T m for one line of six vectors (G^T is 3x6): the three results at `base` + k `step`. */
@inline
function filterGradientLine(
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
  m4: v128,
  m5: v128,
  base: usize,
  step: usize,
): void {
  const quarter = f32x4.splat(0.25),
    sixth = f32x4.splat(1.0 / 6.0),
    twelfth = f32x4.splat(1.0 / 12.0),
    twentyFourth = f32x4.splat(1.0 / 24.0);
  const sum12 = f32x4.add(m1, m2),
    sum34 = f32x4.add(m3, m4);
  v128.store(
    base,
    f32x4.add(f32x4.sub(f32x4.mul(quarter, m0), f32x4.mul(sixth, sum12)), f32x4.mul(twentyFourth, sum34)),
  );
  v128.store(base + step, f32x4.add(f32x4.mul(sixth, f32x4.sub(m2, m1)), f32x4.mul(twelfth, f32x4.sub(m3, m4))));
  v128.store(base + 2 * step, f32x4.add(f32x4.mul(sixth, f32x4.sub(sum34, sum12)), m5));
}

/**
 * Conv2DBackpropFilter by F(3x3, 4x4), the dual of F(4x4, 3x3) (derived below): 36 multiplies per
 * 4x4 block of dOut and channel pair, 1.78x fewer than F(3x3, 2x2) (winograd.ts). Same job record as
 * conv2dWinogradFilter; thread split, chunking and scratch (its block: a 6x6 block of vectors) are
 * winogradFilterGradient's (winograd.ts), with tileSize 4 and these transforms.
 * Derivation: the forward pass computes y_i = sum_j d_(i+j) g_j = A^T [(G g) . (B^T d)]; so
 * sum_i e_i y_i = sum_p (A e)_p (G g)_p (B^T d)_p for any e, and reading off the coefficient of g_j,
 * the filter gradient z_j = sum_i d_(i+j) e_i = G^T [(A e) . (B^T d)]. In 2D, per 6x6 input block D and
 * 4x4 dOut block E (zero past the output): dW = G^T [sum over blocks of (A E A^T) . (B^T D B)] G.
 */
export function conv2dWinogradFilter4(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradFilterGradient(
    job,
    threadIndex,
    threadCount,
    4,
    36,
    BLOCK_BYTES,
    0,
    POSITION_5_MASK,
    filterInput4x4,
    filterDOut4x4,
    filterFinish4x4,
  );
}

/** V = B^T D B of one tile (a FilterTileTransform in winograd.ts), through `block`. */
export function filterInput4x4(job: usize, tile: FilterTile): void {
  filterInputTile(job, tile, 4);
}

/**
 * V = B^T D B of one tile of `outputs` x `outputs` outputs (4: transformInputBlock, 6: transformInputBlock6 in
 * winograd6.ts; a constant once inlined), input channels [tile.first, tile.last), through `tile.block`.
 */
@inline
export function filterInputTile(job: usize, tile: FilterTile, outputs: i32): void {
  const input = pointerField(job, Conv2dJob.input);
  const g = convGeometryOf(job);
  const y0 = tile.oy - g.padTop;
  const x0 = tile.ox - g.padLeft;
  const first = tile.first;
  for (let ic = first; ic < tile.last; ic += 4) {
    const destination = tile.destination + ((<usize>(ic - first)) << 2);
    if (outputs == 4)
      transformInputBlock(input, tile.image, y0, x0, ic, g.inH, g.inW, g.inC, tile.block, destination, tile.plane);
    else transformInputBlock6(input, tile.image, y0, x0, ic, g.inH, g.inW, g.inC, tile.block, destination, tile.plane);
  }
}

/**
 * W = A E A^T of one tile (a FilterTileTransform), zero where the 4x4 block leaves the output: down E's
 * columns into `block`, then along its rows.
 */
function filterDOut4x4(job: usize, tile: FilterTile): void {
  const g = convGeometryOf(job);
  const outC = g.outC;
  const block = tile.block;
  const first = tile.first;
  const last = tile.last;
  const destination = tile.destination;
  const plane = tile.plane;
  const zero = f32x4.splat(0);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>g.outW * pixelBytes;
  const rows = min(4, g.outH - tile.oy);
  const columns = min(4, g.outW - tile.ox);
  const corner =
    pointerField(job, Conv2dJob.filter) + ((<usize>(((tile.image * g.outH + tile.oy) * g.outW + tile.ox) * outC)) << 2);
  for (let oc = first; oc < last; oc += 4) {
    for (let c = 0; c < 4; c++) {
      const top = corner + <usize>c * pixelBytes + ((<usize>oc) << 2);
      const isColumn = c < columns;
      gradientLine(
        isColumn ? v128.load(top) : zero,
        isColumn && rows > 1 ? v128.load(top + rowBytes) : zero,
        isColumn && rows > 2 ? v128.load(top + 2 * rowBytes) : zero,
        isColumn && rows > 3 ? v128.load(top + 3 * rowBytes) : zero,
        at(block, 0, c),
        96,
      );
    }
    const target = destination + ((<usize>(oc - first)) << 2);
    for (let r = 0; r < 6; r++) {
      const row = at(block, r, 0);
      gradientLine(
        v128.load(row),
        v128.load(row, 16),
        v128.load(row, 32),
        v128.load(row, 48),
        target + <usize>(r * 6) * plane,
        plane,
      );
    }
  }
}

/** dW = G^T M G (a FilterGradientFinish): down M's 6 columns into block rows 0-2, then along those rows. */
function filterFinish4x4(job: usize, block: usize, sums: usize, sumPlane: usize, first: i32, last: i32): void {
  const dFilter = pointerField(job, Conv2dJob.bias);
  const g = convGeometryOf(job);
  const outC = g.outC;
  const tap = (<usize>g.inC * <usize>outC) << 2;
  for (let c = 0; c < last - first; c++) {
    for (let oc = 0; oc < outC; oc += 4) {
      const source = sums + ((<usize>c * <usize>outC + <usize>oc) << 2);
      for (let q = 0; q < 6; q++) {
        const top = source + <usize>q * sumPlane;
        const rowStep = 6 * sumPlane;
        filterGradientLine(
          v128.load(top),
          v128.load(top + rowStep),
          v128.load(top + 2 * rowStep),
          v128.load(top + 3 * rowStep),
          v128.load(top + 4 * rowStep),
          v128.load(top + 5 * rowStep),
          at(block, 0, q),
          96,
        );
      }
      const target = dFilter + ((<usize>(first + c) * <usize>outC + <usize>oc) << 2);
      for (let ky = 0; ky < 3; ky++) {
        const row = at(block, ky, 0);
        filterGradientLine(
          v128.load(row),
          v128.load(row, 16),
          v128.load(row, 32),
          v128.load(row, 48),
          v128.load(row, 64),
          v128.load(row, 80),
          target + <usize>(ky * 3) * tap,
          tap,
        );
      }
    }
  }
}
