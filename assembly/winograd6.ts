// 3x3 stride-1 convolution by Winograd F(6x6, 3x3) (Lavin and Gray, 2016): each 6x6 block of outputs comes from an
// 8x8 block of inputs with 64 multiplies per channel pair, 1.78 per output against F(4x4)'s 2.25 (winograd4.ts, whose
// scheme, job record, packed layouts and thread split this follows; winograd.ts explains the scheme). Its dual
// F(3x3, 6x6) computes the filter gradient (conv2dWinogradFilter6). Interpolation points 0, 1, -1, 2, -2, 1/2, -1/2
// and infinity (NNPACK's for 3x3) give
//   B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0; 0 -1 1 17/4 -17/4 -1 1 0;
//          0 1/2 1/4 -5/2 -5/4 2 1 0; 0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0;
//          0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1]
//   G   = [1 0 0; -2/9 -2/9 -2/9; -2/9 2/9 -2/9; 1/90 1/45 2/45; 1/90 -1/45 2/45; 32/45 16/45 8/45;
//          32/45 -16/45 8/45; 0 0 1]
//   A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0; 0 1 -1 8 -8 1/8 -1/8 0;
//          0 1 1 16 16 1/16 1/16 0; 0 1 -1 32 -32 1/32 -1/32 1].
// float32 error against float64 on 256-channel sums: 1.9e-5 relative at most, F(4x4)'s 1.1e-5 (a numpy check).
// Outputs that are not multiples of 6 put their partial tiles last (edge order, plainTileIndex in winograd.ts), and
// those skip position 7 along a partial axis (only y5 reads it), forward and in the filter gradient. The filter is
// transformed whole on each call (packFilter6x6), or prepared once (conv2dWinogradPrepare in winograd4.ts).
// NOTE: the GEMMs take 11-14% fewer rows x positions than F(4x4)'s on 56x56 and 28x28 outputs, but the transforms
// cost more (a 56x56 map takes 10x10 tiles for 9.3x9.3 of outputs), so the layers gain 2-7% (figures at
// WINOGRAD_6X6_ROW_SHARE in the backend). Multiply-adds fused in the transforms (relaxed build) measured no faster
// (56x56x64 forward, one thread, 30.7 -> 31.1 ms, minima of 16 calls in alternated processes); mixing tiles of 6 and
// 4 outputs (56 = 8 x 6 + 2 x 4: 76 positions along an axis instead of 79) is untried.

import { epilogueOf } from './epilogue';
import { TILE_ROWS, gemmGroupedOperands } from './gemm';
import { convGeometryOf, pointerField } from './job';
import { Conv2dJob } from './jobFields';
import {
  WINOGRAD_TILE_BYTES,
  chunkPlaneBytes,
  edgePositionRows,
  filterTap,
  interleavedTile,
  interleavedTilesBelow,
  packedFilterFloats,
  plainTileIndex,
  storeFinished,
  winogradPassOf,
  FilterTile,
  winogradFilterGradient,
} from './winograd';
import { BLOCK_BYTES } from './winograd4';

/** An 8x8 block of f32x4 (the transforms' scratch; the JS side sizes the filter gradient's with it). */
export const BLOCK6_BYTES: usize = 64 * 16;
/** Position 7 along an axis: only y5 reads it (A^T), and in the filter gradient W7 = e5; partial tiles skip it. */
const POSITION_7_MASK: i32 = 1 << 7;
const ROW_BYTES: usize = 8 * 16;

@inline
function at(block: usize, row: i32, column: i32): usize {
  return block + ((<usize>(row * 8 + column)) << 4);
}

/** x -> B^T x for one line of eight vectors, stored at `base` + k `step` (all are loaded first: in place is fine). */
@inline
function inputLine(
  x0: v128,
  x1: v128,
  x2: v128,
  x3: v128,
  x4: v128,
  x5: v128,
  x6: v128,
  x7: v128,
  base: usize,
  step: usize,
): void {
  const c525 = f32x4.splat(5.25),
    c425 = f32x4.splat(4.25),
    c25 = f32x4.splat(2.5),
    c125 = f32x4.splat(1.25);
  const two = f32x4.splat(2),
    four = f32x4.splat(4),
    five = f32x4.splat(5),
    half = f32x4.splat(0.5),
    quarter = f32x4.splat(0.25);
  v128.store(base, f32x4.add(f32x4.sub(x0, x6), f32x4.mul(c525, f32x4.sub(x4, x2))));
  v128.store(base + 7 * step, f32x4.add(f32x4.sub(x7, x1), f32x4.mul(c525, f32x4.sub(x3, x5))));
  const even1 = f32x4.sub(f32x4.add(x2, x6), f32x4.mul(c425, x4)),
    odd1 = f32x4.sub(f32x4.add(x1, x5), f32x4.mul(c425, x3));
  v128.store(base + step, f32x4.add(even1, odd1));
  v128.store(base + 2 * step, f32x4.sub(even1, odd1));
  const even2 = f32x4.add(f32x4.sub(f32x4.mul(quarter, x2), f32x4.mul(c125, x4)), x6),
    odd2 = f32x4.add(f32x4.sub(f32x4.mul(half, x1), f32x4.mul(c25, x3)), f32x4.mul(two, x5));
  v128.store(base + 3 * step, f32x4.add(even2, odd2));
  v128.store(base + 4 * step, f32x4.sub(even2, odd2));
  const even3 = f32x4.add(f32x4.sub(f32x4.mul(four, x2), f32x4.mul(five, x4)), x6),
    odd3 = f32x4.add(f32x4.sub(f32x4.mul(two, x1), f32x4.mul(c25, x3)), f32x4.mul(half, x5));
  v128.store(base + 5 * step, f32x4.add(even3, odd3));
  v128.store(base + 6 * step, f32x4.sub(even3, odd3));
}

/** Row r of a block column whose first row is at `top`, or zero outside rows [rowFirst, rowEnd). */
@inline
function loadRow(top: usize, rowBytes: usize, r: i32, rowFirst: i32, rowEnd: i32): v128 {
  return r >= rowFirst && r < rowEnd ? v128.load(top + <usize>r * rowBytes) : f32x4.splat(0);
}

/**
 * V = B^T d B for the 8x8 input block at (y0, x0) of `image`, channels ic .. ic + 3 (zero outside the image): down
 * the columns into `block` (BLOCK6_BYTES), then along its rows to V, whose V[xi] is stored at destination + xi `plane`.
 */
export function transformInputBlock6(
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
  // Rows [rowFirst, rowEnd) of the block lie in the image; a column outside it is zero (so is its transform).
  const rowFirst = max(0, -y0);
  const rowEnd = min(8, inH - y0);
  const rowBytes = (<usize>inW * <usize>inC) << 2;
  const zero = f32x4.splat(0);
  for (let c = 0; c < 8; c++) {
    const x = x0 + c;
    const destination = at(block, 0, c);
    if (x < 0 || x >= inW) {
      for (let r = 0; r < 8; r++) v128.store(destination + <usize>r * ROW_BYTES, zero);
      continue;
    }
    // Wraps below the image's first row where y0 < 0; only rows from rowFirst are loaded.
    const top = input + ((<usize>(((image * inH + y0) * inW + x) * inC + ic)) << 2);
    if (rowFirst == 0 && rowEnd == 8) {
      inputLine(
        v128.load(top),
        v128.load(top + rowBytes),
        v128.load(top + 2 * rowBytes),
        v128.load(top + 3 * rowBytes),
        v128.load(top + 4 * rowBytes),
        v128.load(top + 5 * rowBytes),
        v128.load(top + 6 * rowBytes),
        v128.load(top + 7 * rowBytes),
        destination,
        ROW_BYTES,
      );
    } else {
      inputLine(
        loadRow(top, rowBytes, 0, rowFirst, rowEnd),
        loadRow(top, rowBytes, 1, rowFirst, rowEnd),
        loadRow(top, rowBytes, 2, rowFirst, rowEnd),
        loadRow(top, rowBytes, 3, rowFirst, rowEnd),
        loadRow(top, rowBytes, 4, rowFirst, rowEnd),
        loadRow(top, rowBytes, 5, rowFirst, rowEnd),
        loadRow(top, rowBytes, 6, rowFirst, rowEnd),
        loadRow(top, rowBytes, 7, rowFirst, rowEnd),
        destination,
        ROW_BYTES,
      );
    }
  }
  for (let r = 0; r < 8; r++) {
    const row = at(block, r, 0);
    inputLine(
      v128.load(row),
      v128.load(row, 16),
      v128.load(row, 32),
      v128.load(row, 48),
      v128.load(row, 64),
      v128.load(row, 80),
      v128.load(row, 96),
      v128.load(row, 112),
      destination + <usize>(r * 8) * plane,
      plane,
    );
  }
}

/** g -> G g for one line of three vectors: the eight results at `base` + k `step`. */
@inline
function filterLine(g0: v128, g1: v128, g2: v128, base: usize, step: usize): void {
  const twoNinths = f32x4.splat(2.0 / 9.0),
    ninetieth = f32x4.splat(1.0 / 90.0),
    fortyFifth = f32x4.splat(1.0 / 45.0),
    sixteenFortyFifths = f32x4.splat(16.0 / 45.0),
    eightFortyFifths = f32x4.splat(8.0 / 45.0);
  const sum = f32x4.add(g0, g2);
  v128.store(base, g0);
  v128.store(base + step, f32x4.neg(f32x4.mul(twoNinths, f32x4.add(sum, g1))));
  v128.store(base + 2 * step, f32x4.neg(f32x4.mul(twoNinths, f32x4.sub(sum, g1))));
  const outer3 = f32x4.mul(ninetieth, f32x4.add(g0, f32x4.mul(f32x4.splat(4), g2))),
    inner3 = f32x4.mul(fortyFifth, g1);
  v128.store(base + 3 * step, f32x4.add(outer3, inner3));
  v128.store(base + 4 * step, f32x4.sub(outer3, inner3));
  const outer5 = f32x4.mul(eightFortyFifths, f32x4.add(f32x4.mul(f32x4.splat(4), g0), g2)),
    inner5 = f32x4.mul(sixteenFortyFifths, g1);
  v128.store(base + 5 * step, f32x4.add(outer5, inner5));
  v128.store(base + 6 * step, f32x4.sub(outer5, inner5));
  v128.store(base + 7 * step, g2);
}

/**
 * packFilter2x2's layout (winograd.ts) for F(6x6, 3x3): U = G g G^T at position xi (of 64), input channel ic, output
 * channel 8 * strip + j at packed[xi][strip][ic][j], zero past outC; strips [stripStart, stripEnd) only. For an input
 * gradient the filter is read flipped and transposed (filterTap). block: BLOCK6_BYTES of scratch.
 */
export function packFilter6x6(
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
      for (let quarter = 0; quarter < 8; quarter += 4) {
        const oc = strip * 8 + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * 8 + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < 64; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        // Columns (3 taps -> 8 rows) into block columns 0-2, then each of the 8 rows (3 -> 8) in place.
        for (let kx = 0; kx < 3; kx++) {
          filterLine(
            filterTap(filter, 0, kx, ic, oc, inC, outC, isBackpropInput),
            filterTap(filter, 1, kx, ic, oc, inC, outC, isBackpropInput),
            filterTap(filter, 2, kx, ic, oc, inC, outC, isBackpropInput),
            at(block, 0, kx),
            ROW_BYTES,
          );
        }
        for (let row = 0; row < 8; row++) {
          const base = at(block, row, 0);
          filterLine(v128.load(base), v128.load(base, 16), v128.load(base, 32), base, 16);
        }
        for (let xi = 0; xi < 64; xi++)
          v128.store(destination + <usize>xi * plane, v128.load(block + ((<usize>xi) << 4)));
      }
    }
  }
}

/** m -> A^T m for one line of eight vectors: the six results at `base` + k `step`. */
@inline
function outputLine(
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
  m4: v128,
  m5: v128,
  m6: v128,
  m7: v128,
  base: usize,
  step: usize,
): void {
  const sum12 = f32x4.add(m1, m2),
    difference12 = f32x4.sub(m1, m2);
  const sum34 = f32x4.add(m3, m4),
    difference34 = f32x4.sub(m3, m4);
  const sum56 = f32x4.add(m5, m6),
    difference56 = f32x4.sub(m5, m6);
  v128.store(base, f32x4.add(f32x4.add(m0, sum12), f32x4.add(sum34, sum56)));
  v128.store(
    base + step,
    f32x4.add(
      difference12,
      f32x4.add(f32x4.mul(f32x4.splat(2), difference34), f32x4.mul(f32x4.splat(0.5), difference56)),
    ),
  );
  v128.store(
    base + 2 * step,
    f32x4.add(sum12, f32x4.add(f32x4.mul(f32x4.splat(4), sum34), f32x4.mul(f32x4.splat(0.25), sum56))),
  );
  v128.store(
    base + 3 * step,
    f32x4.add(
      difference12,
      f32x4.add(f32x4.mul(f32x4.splat(8), difference34), f32x4.mul(f32x4.splat(0.125), difference56)),
    ),
  );
  v128.store(
    base + 4 * step,
    f32x4.add(sum12, f32x4.add(f32x4.mul(f32x4.splat(16), sum34), f32x4.mul(f32x4.splat(0.0625), sum56))),
  );
  v128.store(
    base + 5 * step,
    f32x4.add(
      f32x4.add(
        difference12,
        f32x4.add(f32x4.mul(f32x4.splat(32), difference34), f32x4.mul(f32x4.splat(0.03125), difference56)),
      ),
      m7,
    ),
  );
}

/**
 * Y = A^T M A for 4 output channels, + bias and the epilogue (storeFinished), into the first `rows` x `columns`
 * outputs at `corner`: M[xi] at source + xi `plane`, down its 8 columns into `block` rows 0-5 (outputLine), then each
 * row in registers straight to the output (outputLine's operations, its stores and reloads saved).
 */
@inline
function finishOutputTile(
  source: usize,
  plane: usize,
  block: usize,
  rows: i32,
  columns: i32,
  output: usize,
  residual: usize,
  corner: usize,
  rowBytes: usize,
  pixelBytes: usize,
  bias: v128,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  const rowStep = 8 * plane;
  for (let c = 0; c < 8; c++) {
    const top = source + <usize>c * plane;
    outputLine(
      v128.load(top),
      v128.load(top + rowStep),
      v128.load(top + 2 * rowStep),
      v128.load(top + 3 * rowStep),
      v128.load(top + 4 * rowStep),
      v128.load(top + 5 * rowStep),
      v128.load(top + 6 * rowStep),
      v128.load(top + 7 * rowStep),
      at(block, 0, c),
      ROW_BYTES,
    );
  }
  for (let r = 0; r < rows; r++) {
    const row = at(block, r, 0);
    const m0 = v128.load(row),
      m7 = v128.load(row, 112);
    const sum12 = f32x4.add(v128.load(row, 16), v128.load(row, 32)),
      difference12 = f32x4.sub(v128.load(row, 16), v128.load(row, 32));
    const sum34 = f32x4.add(v128.load(row, 48), v128.load(row, 64)),
      difference34 = f32x4.sub(v128.load(row, 48), v128.load(row, 64));
    const sum56 = f32x4.add(v128.load(row, 80), v128.load(row, 96)),
      difference56 = f32x4.sub(v128.load(row, 80), v128.load(row, 96));
    const at0 = corner + <usize>r * rowBytes;
    const y0 = f32x4.add(f32x4.add(m0, sum12), f32x4.add(sum34, sum56));
    storeFinished(output, residual, at0, f32x4.add(y0, bias), code, alphas, betas);
    if (columns > 1) {
      const y1 = f32x4.add(
        difference12,
        f32x4.add(f32x4.mul(f32x4.splat(2), difference34), f32x4.mul(f32x4.splat(0.5), difference56)),
      );
      storeFinished(output, residual, at0 + pixelBytes, f32x4.add(y1, bias), code, alphas, betas);
    }
    if (columns > 2) {
      const y2 = f32x4.add(sum12, f32x4.add(f32x4.mul(f32x4.splat(4), sum34), f32x4.mul(f32x4.splat(0.25), sum56)));
      storeFinished(output, residual, at0 + 2 * pixelBytes, f32x4.add(y2, bias), code, alphas, betas);
    }
    if (columns > 3) {
      const y3 = f32x4.add(
        difference12,
        f32x4.add(f32x4.mul(f32x4.splat(8), difference34), f32x4.mul(f32x4.splat(0.125), difference56)),
      );
      storeFinished(output, residual, at0 + 3 * pixelBytes, f32x4.add(y3, bias), code, alphas, betas);
    }
    if (columns > 4) {
      const y4 = f32x4.add(sum12, f32x4.add(f32x4.mul(f32x4.splat(16), sum34), f32x4.mul(f32x4.splat(0.0625), sum56)));
      storeFinished(output, residual, at0 + 4 * pixelBytes, f32x4.add(y4, bias), code, alphas, betas);
    }
    if (columns > 5) {
      const y5 = f32x4.add(
        f32x4.add(
          difference12,
          f32x4.add(f32x4.mul(f32x4.splat(32), difference34), f32x4.mul(f32x4.splat(0.03125), difference56)),
        ),
        m7,
      );
      storeFinished(output, residual, at0 + 5 * pixelBytes, f32x4.add(y5, bias), code, alphas, betas);
    }
  }
}

/**
 * Conv2D (and Conv2DBackpropInput, isBackpropInput) by F(6x6, 3x3): conv2dWinograd4's job record and pass
 * (winogradPassOf with tiles of 6, interleaved where tiles are partial). Scratch: tile | 4 6x6 blocks (one 8x8
 * block here) | U [64][strips][inC][8] (unless prepared) | V [64][chunk / 4][inC / 4][4][4] (grouped) |
 * M [64][chunk][outC], the planes of V and M chunkPlaneBytes apart.
 */
export function conv2dWinograd6(job: usize, threadIndex: i32, threadCount: i32): void {
  const geometry = convGeometryOf(job);
  const hasPartialTiles = geometry.outH % 6 != 0 || geometry.outW % 6 != 0;
  const pass = winogradPassOf(job, 6, threadIndex, threadCount, hasPartialTiles);
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
  const batch = g.batch;
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
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += 64 * filterPlane;
    packFilter6x6(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput, block);
  }
  const inputPlane = chunkPlaneBytes(chunkTiles, inC);
  const products = transformedInput + 64 * inputPlane;
  const productPlane = chunkPlaneBytes(chunkTiles, outC);
  const zero = f32x4.splat(0);
  // Edge order (plainTileIndex): tiles with fewer than 6 outputs along an axis come last and skip position 7 along it.
  const tilesH = (outH + 5) / 6;
  const fullRows = outH / 6;
  const fullColumns = outW / 6;
  const skipMask = hasPartialTiles ? POSITION_7_MASK : 0;
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
    // xi `inputPlane` + 16 (inC (t / 4) + ic + t % 4); tiles past `count` in the last row tile are zero.
    for (let t = 0; t < ((count + 3) & ~3); t++) {
      const tileAt = transformedInput + ((<usize>(t >> 2) * <usize>inC + <usize>(t & 3)) << 4);
      if (t >= count) {
        for (let ic = 0; ic < inC; ic += 4) {
          const vector = tileAt + ((<usize>ic) << 4);
          for (let xi = 0; xi < 64; xi++) v128.store(vector + <usize>xi * inputPlane, zero);
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
      const y0 = ((tileIndex % imageTiles) / tilesW) * 6 - padTop;
      const x0 = (tileIndex % tilesW) * 6 - padLeft;
      for (let ic = 0; ic < inC; ic += 4)
        transformInputBlock6(input, image, y0, x0, ic, inH, inW, inC, block, tileAt + ((<usize>ic) << 4), inputPlane);
    }
    for (let xi = 0; xi < 64; xi++) {
      const rows =
        skipMask != 0
          ? edgePositionRows(xi, 8, skipMask, start, count, localFullEnd, localRowEdgeEnd, localColumnEdgeEnd)
          : count;
      gemmGroupedOperands(
        transformedInput + <usize>xi * inputPlane,
        transformedFilter + <usize>xi * filterPlane,
        products + <usize>xi * productPlane,
        outC,
        rows,
        outC,
        inC,
        stripStart,
        stripEnd,
        tile,
      );
    }
    // Skipped positions hold stale products: they reach only y5 of a partial axis, which is not stored.
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
      const oy = ((tileIndex % imageTiles) / tilesW) * 6;
      const ox = (tileIndex % tilesW) * 6;
      const rows = min(6, outH - oy);
      const columns = min(6, outW - ox);
      const corner = <usize>((image * outH + oy) * outW + ox) * pixelBytes;
      for (let oc = ocStart; oc < ocEnd; oc += 4) {
        finishOutputTile(
          products + ((<usize>t * <usize>outC + <usize>oc) << 2),
          productPlane,
          block,
          rows,
          columns,
          output,
          residual,
          corner + ((<usize>oc) << 2),
          rowBytes,
          pixelBytes,
          bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : zero,
          code,
          alphas,
          betas,
        );
      }
    }
  }
}

/** e -> A e for one line of six vectors (A = (A^T)^T, 8x6): the eight results at `base` + k `step`. */
@inline
function gradientLine(e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, e5: v128, base: usize, step: usize): void {
  const even1 = f32x4.add(f32x4.add(e0, e2), e4),
    odd1 = f32x4.add(f32x4.add(e1, e3), e5);
  const even2 = f32x4.add(f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2)), f32x4.mul(f32x4.splat(16), e4)),
    odd2 = f32x4.add(
      f32x4.add(f32x4.mul(f32x4.splat(2), e1), f32x4.mul(f32x4.splat(8), e3)),
      f32x4.mul(f32x4.splat(32), e5),
    );
  const even3 = f32x4.add(f32x4.add(e0, f32x4.mul(f32x4.splat(0.25), e2)), f32x4.mul(f32x4.splat(0.0625), e4)),
    odd3 = f32x4.add(
      f32x4.add(f32x4.mul(f32x4.splat(0.5), e1), f32x4.mul(f32x4.splat(0.125), e3)),
      f32x4.mul(f32x4.splat(0.03125), e5),
    );
  v128.store(base, e0);
  v128.store(base + step, f32x4.add(even1, odd1));
  v128.store(base + 2 * step, f32x4.sub(even1, odd1));
  v128.store(base + 3 * step, f32x4.add(even2, odd2));
  v128.store(base + 4 * step, f32x4.sub(even2, odd2));
  v128.store(base + 5 * step, f32x4.add(even3, odd3));
  v128.store(base + 6 * step, f32x4.sub(even3, odd3));
  v128.store(base + 7 * step, e5);
}

/** m -> G^T m for one line of eight vectors (G^T is 3x8): the three results at `base` + k `step`. */
@inline
function filterGradientLine(
  m0: v128,
  m1: v128,
  m2: v128,
  m3: v128,
  m4: v128,
  m5: v128,
  m6: v128,
  m7: v128,
  base: usize,
  step: usize,
): void {
  const twoNinths = f32x4.splat(2.0 / 9.0);
  const sum12 = f32x4.add(m1, m2),
    sum34 = f32x4.add(m3, m4),
    sum56 = f32x4.add(m5, m6);
  v128.store(
    base,
    f32x4.add(
      f32x4.sub(m0, f32x4.mul(twoNinths, sum12)),
      f32x4.add(f32x4.mul(f32x4.splat(1.0 / 90.0), sum34), f32x4.mul(f32x4.splat(32.0 / 45.0), sum56)),
    ),
  );
  v128.store(
    base + step,
    f32x4.add(
      f32x4.mul(twoNinths, f32x4.sub(m2, m1)),
      f32x4.add(
        f32x4.mul(f32x4.splat(1.0 / 45.0), f32x4.sub(m3, m4)),
        f32x4.mul(f32x4.splat(16.0 / 45.0), f32x4.sub(m5, m6)),
      ),
    ),
  );
  v128.store(
    base + 2 * step,
    f32x4.add(
      f32x4.sub(f32x4.mul(f32x4.splat(2.0 / 45.0), sum34), f32x4.mul(twoNinths, sum12)),
      f32x4.add(f32x4.mul(f32x4.splat(8.0 / 45.0), sum56), m7),
    ),
  );
}

/**
 * Conv2DBackpropFilter by F(3x3, 6x6), the dual of F(6x6, 3x3) (derived for F(3x3, 4x4) at conv2dWinogradFilter4 in
 * winograd4.ts): dW = G^T [sum over blocks of (A E A^T) . (B^T D B)] G per 8x8 input block D and 6x6 dOut block E
 * (zero past the output). winogradFilterGradient's (winograd.ts) split and chunking, tileSize 6, its block an 8x8
 * block of vectors (BLOCK6_BYTES); partial tiles last, skipping position 7 along a partial axis (W7 = e5 = 0 there).
 */
export function conv2dWinogradFilter6(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradFilterGradient(
    job,
    threadIndex,
    threadCount,
    6,
    64,
    BLOCK6_BYTES,
    0,
    POSITION_7_MASK,
    filterInput6x6,
    filterDOut6x6,
    filterFinish6x6,
  );
}

/** V = B^T D B of one tile (a FilterTileTransform in winograd.ts), through `block`. */
function filterInput6x6(job: usize, tile: FilterTile): void {
  const input = pointerField(job, Conv2dJob.input);
  const g = convGeometryOf(job);
  const y0 = tile.oy - g.padTop;
  const x0 = tile.ox - g.padLeft;
  const first = tile.first;
  for (let ic = first; ic < tile.last; ic += 4) {
    transformInputBlock6(
      input,
      tile.image,
      y0,
      x0,
      ic,
      g.inH,
      g.inW,
      g.inC,
      tile.block,
      tile.destination + ((<usize>(ic - first)) << 2),
      tile.plane,
    );
  }
}

/** W = A E A^T of one tile (a FilterTileTransform), zero where the 6x6 block leaves the output. */
function filterDOut6x6(job: usize, tile: FilterTile): void {
  const g = convGeometryOf(job);
  const outC = g.outC;
  const block = tile.block;
  const first = tile.first;
  const destination = tile.destination;
  const plane = tile.plane;
  const zero = f32x4.splat(0);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>g.outW * pixelBytes;
  const rows = min(6, g.outH - tile.oy);
  const columns = min(6, g.outW - tile.ox);
  const corner =
    pointerField(job, Conv2dJob.filter) + ((<usize>(((tile.image * g.outH + tile.oy) * g.outW + tile.ox) * outC)) << 2);
  for (let oc = first; oc < tile.last; oc += 4) {
    for (let c = 0; c < 6; c++) {
      const top = corner + <usize>c * pixelBytes + ((<usize>oc) << 2);
      const isColumn = c < columns;
      gradientLine(
        isColumn ? v128.load(top) : zero,
        isColumn && rows > 1 ? v128.load(top + rowBytes) : zero,
        isColumn && rows > 2 ? v128.load(top + 2 * rowBytes) : zero,
        isColumn && rows > 3 ? v128.load(top + 3 * rowBytes) : zero,
        isColumn && rows > 4 ? v128.load(top + 4 * rowBytes) : zero,
        isColumn && rows > 5 ? v128.load(top + 5 * rowBytes) : zero,
        at(block, 0, c),
        ROW_BYTES,
      );
    }
    const target = destination + ((<usize>(oc - first)) << 2);
    for (let r = 0; r < 8; r++) {
      const row = at(block, r, 0);
      gradientLine(
        v128.load(row),
        v128.load(row, 16),
        v128.load(row, 32),
        v128.load(row, 48),
        v128.load(row, 64),
        v128.load(row, 80),
        target + <usize>(r * 8) * plane,
        plane,
      );
    }
  }
}

/** dW = G^T M G (a FilterGradientFinish): down M's 8 columns into block rows 0-2, then along those rows. */
function filterFinish6x6(job: usize, block: usize, sums: usize, sumPlane: usize, first: i32, last: i32): void {
  const dFilter = pointerField(job, Conv2dJob.bias);
  const g = convGeometryOf(job);
  const outC = g.outC;
  const tap = (<usize>g.inC * <usize>outC) << 2;
  const rowStep = 8 * sumPlane;
  for (let c = 0; c < last - first; c++) {
    for (let oc = 0; oc < outC; oc += 4) {
      const source = sums + ((<usize>c * <usize>outC + <usize>oc) << 2);
      for (let q = 0; q < 8; q++) {
        const top = source + <usize>q * sumPlane;
        filterGradientLine(
          v128.load(top),
          v128.load(top + rowStep),
          v128.load(top + 2 * rowStep),
          v128.load(top + 3 * rowStep),
          v128.load(top + 4 * rowStep),
          v128.load(top + 5 * rowStep),
          v128.load(top + 6 * rowStep),
          v128.load(top + 7 * rowStep),
          at(block, 0, q),
          ROW_BYTES,
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
          v128.load(row, 96),
          v128.load(row, 112),
          target + <usize>(ky * 3) * tap,
          tap,
        );
      }
    }
  }
}
