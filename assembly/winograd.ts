// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). Each 2x2 block of outputs comes from a 4x4
// block of inputs with 16 multiplies per (input, output) channel pair instead of 36: the input tile
// d and the filter g are transformed (V = B^T d B, U = G g G^T), multiplied elementwise and summed
// over input channels (16 GEMMs, one per tile position xi = 4 * i + j), and transformed back
// (Y = A^T M A). With
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// It serves Conv2D forward and, with the filter flipped and its channels swapped, Conv2DBackpropInput
// (a stride-1 convolution of dOut, see src/kernels/js/conv2d.ts). Conv2DBackpropFilter uses the dual
// F(3x3, 2x2): each 2x2 block of dOut acts as the filter over the 4x4 input block, giving a 3x3
// gradient: dW = A'^T [sum over tiles of (B^T d B) * (G' dOut G'^T)] A' with the same B^T and
//   G' = [1 0; 1/2 1/2; 1/2 -1/2; 0 1],  A'^T = [1 1 1 0; 0 1 -1 0; 0 1 1 -1];
// its sum over tiles is a reduction, so there threads split the input channels instead. (The dual of
// F(4x4, 3x3), F(3x3, 4x4), is in winograd4.ts.)
// Forward, the 16 GEMMs read operands packed ahead (gemmPackedOperands): the filter transform writes U in
// strips of 8 output channels (packFilter2x2), either once for a constant filter (the backend keeps it,
// conv2dWinogradPrepare in winograd4.ts) or on every call into each thread's scratch, and the input
// transform writes V in row tiles of 4 tiles. Threads split the tiles in blocks of TILE_ROWS, or the
// output-channel strips when tiles are few (the option field); sums never depend on the split. Transforms run on
// 4 channels per f32x4; channel counts must be multiples of 4 (the JS side checks).
//
// Job record: Conv2dJob (jobFields.ts), read by name (winogradPassOf for the forward kernels): input (or dOut),
//   filter [3, 3, inC, outC] (or its packed form where isPreparedFilter), bias (or 0), output, the thread's scratch,
//   panelRows the tiles per chunk (a multiple of 4), the geometry (batch ... padLeft) with the roles of this pass,
//   variant isBackpropInput (0/1): when 1 the filter is read as filter[2 - ky, 2 - kx, oc, ic] (the record's inC is
//   the filter's outC), residual ... beta the epilogue (epilogue.ts) applied in the output transform,
//   isPreparedFilter (0/1: filter holds the packed filter over all strips, packFilter2x2's layout, or
//   packFilter4x4's in winograd4.ts, made by conv2dWinogradPrepare: once for a constant filter, or for this call
//   where the threads split the tiles), option isSplitByColumns (0/1, see WinogradPass).
//   conv2dWinogradFilter reads input, filter (as dOut), bias (as dFilter), scratch, panelRows and the geometry.

import { activateVector, epilogueOf } from './epilogue';
import {
  GEMM_SCRATCH_BYTES,
  TILE_COLUMNS,
  TILE_ROWS,
  gemm,
  gemmDepthBlockedOperands,
  gemmGroupedOperands,
  gemmPackedOperands,
} from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';
import { Conv2dJob } from './jobFields';

/**
 * Bytes of scratch the forward kernels keep before their buffers: the 4x8 tile gemmPackedOperands stores partial strips
 * through.
 */
export const WINOGRAD_TILE_BYTES: usize = TILE_ROWS * TILE_COLUMNS * 4;

/**
 * Bytes of one tile position's plane of a chunk's transformed inputs or products in the forward kernels of
 * winograd4.ts and winogradPolyphase.ts: chunkTiles x channels floats and one cache line more (the JS side sizes
 * every forward kernel's scratch with it). Planes of a multiple of 2 KB (12 tiles of 128 channels) put a position's
 * vectors of a tile in 2 of L1's 64 sets, 18 lines a set for 36 positions, more than its 12 ways: a transform that
 * writes or reads across the positions thrashed.
 */
@inline
export function chunkPlaneBytes(chunkTiles: i32, channels: i32): usize {
  return ((<usize>chunkTiles * <usize>channels) << 2) + 64;
}

/** Floats of one tile position's packed filter: strips of 8 output channels over every input channel. */
@inline
export function packedFilterFloats(inC: i32, outC: i32): usize {
  return <usize>((outC + TILE_COLUMNS - 1) / TILE_COLUMNS) * <usize>inC * TILE_COLUMNS;
}

/**
 * The packed filter of the forward kernels, strips [stripStart, stripEnd) of it: U = G g G^T at tile
 * position xi for input channel ic and output channel oc = 8 * strip + j lies at
 * packed[xi][strip][ic][j] (floats; gemmPackedOperands's B), zero past outC.
 * filter [3, 3, inC, outC] (or, for the input gradient, the forward filter: see filterTap)
 */
export function packFilter2x2(
  filter: usize,
  packed: usize,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  isBackpropInput: bool,
): void {
  const half = f32x4.splat(0.5);
  const plane = packedFilterFloats(inC, outC) << 2;
  const zero = f32x4.splat(0);
  for (let strip = stripStart; strip < stripEnd; strip++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * inC + ic) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < 16; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        const g00 = filterTap(filter, 0, 0, ic, oc, inC, outC, isBackpropInput),
          g01 = filterTap(filter, 0, 1, ic, oc, inC, outC, isBackpropInput);
        const g02 = filterTap(filter, 0, 2, ic, oc, inC, outC, isBackpropInput),
          g10 = filterTap(filter, 1, 0, ic, oc, inC, outC, isBackpropInput);
        const g11 = filterTap(filter, 1, 1, ic, oc, inC, outC, isBackpropInput),
          g12 = filterTap(filter, 1, 2, ic, oc, inC, outC, isBackpropInput);
        const g20 = filterTap(filter, 2, 0, ic, oc, inC, outC, isBackpropInput),
          g21 = filterTap(filter, 2, 1, ic, oc, inC, outC, isBackpropInput);
        const g22 = filterTap(filter, 2, 2, ic, oc, inC, outC, isBackpropInput);
        // Rows: t = G g (4 x 3).
        const t00 = g00,
          t01 = g01,
          t02 = g02;
        const t10 = f32x4.mul(half, f32x4.add(f32x4.add(g00, g10), g20));
        const t11 = f32x4.mul(half, f32x4.add(f32x4.add(g01, g11), g21));
        const t12 = f32x4.mul(half, f32x4.add(f32x4.add(g02, g12), g22));
        const t20 = f32x4.mul(half, f32x4.add(f32x4.sub(g00, g10), g20));
        const t21 = f32x4.mul(half, f32x4.add(f32x4.sub(g01, g11), g21));
        const t22 = f32x4.mul(half, f32x4.add(f32x4.sub(g02, g12), g22));
        const t30 = g20,
          t31 = g21,
          t32 = g22;
        // Columns: U = t G^T (4 x 4).
        storeFilterRow(destination, 0, t00, t01, t02, plane, half);
        storeFilterRow(destination, 1, t10, t11, t12, plane, half);
        storeFilterRow(destination, 2, t20, t21, t22, plane, half);
        storeFilterRow(destination, 3, t30, t31, t32, plane, half);
      }
    }
  }
}

/**
 * g[ky][kx][ic][oc .. oc + 3] of this pass's 3x3 filter. For the input gradient the record's filter is
 * the forward one, [3, 3, outC (this pass), inC (this pass)], read flipped with its channels swapped:
 * g[ky][kx][ic][oc] = forward[2 - ky][2 - kx][oc][ic].
 */
@inline
export function filterTap(
  filter: usize,
  ky: i32,
  kx: i32,
  ic: i32,
  oc: i32,
  inC: i32,
  outC: i32,
  isBackpropInput: bool,
): v128 {
  if (!isBackpropInput) return v128.load(filter + ((<usize>(((ky * 3 + kx) * inC + ic) * outC + oc)) << 2));
  const base = filter + ((<usize>((((2 - ky) * 3 + 2 - kx) * outC + oc) * inC + ic)) << 2);
  const stride = (<usize>inC) << 2;
  let value = f32x4.splat(load<f32>(base));
  value = f32x4.replace_lane(value, 1, load<f32>(base + stride));
  value = f32x4.replace_lane(value, 2, load<f32>(base + 2 * stride));
  value = f32x4.replace_lane(value, 3, load<f32>(base + 3 * stride));
  return value;
}

@inline
function storeFilterRow(at: usize, row: i32, t0: v128, t1: v128, t2: v128, plane: usize, half: v128): void {
  const base = at + <usize>(row * 4) * plane;
  v128.store(base, t0);
  v128.store(base + plane, f32x4.mul(half, f32x4.add(f32x4.add(t0, t1), t2)));
  v128.store(base + 2 * plane, f32x4.mul(half, f32x4.add(f32x4.sub(t0, t1), t2)));
  v128.store(base + 3 * plane, t2);
}

/**
 * Where the forward kernels store the transformed input of tile t (of its chunk), channels ic .. ic + 3:
 * gemmPackedOperands's A, [chunk / 4][inC][4] per tile position, so lane j goes to the returned address + 16 j.
 */
@inline
export function packedInputAt(base: usize, t: i32, ic: i32, inC: i32): usize {
  return base + (((<usize>(t >> 2) * <usize>inC + <usize>ic) * TILE_ROWS + <usize>(t & 3)) << 2);
}

/** The four lanes of `value` at `at`, `at` + 16, + 32, + 48: a column of a packed row tile. */
@inline
export function storeLanes(at: usize, value: v128): void {
  store<f32>(at, f32x4.extract_lane(value, 0));
  store<f32>(at, f32x4.extract_lane(value, 1), 16);
  store<f32>(at, f32x4.extract_lane(value, 2), 32);
  store<f32>(at, f32x4.extract_lane(value, 3), 48);
}

/**
 * What a forward Winograd kernel (conv2dWinograd, conv2dWinograd4, conv2dWinogradStride2) reads from its job record
 * (Conv2dJob, by name), and this thread's share of the work: tiles [tileStart, tileEnd) and strips of 8 output
 * channels [stripStart, stripEnd) (output channels [ocStart, ocEnd)). The option field picks the split: over tiles in
 * blocks of TILE_ROWS (many tiles), or over strips (few tiles, as at batch 1 on 7x7 outputs: each thread then reads
 * only its share of the filter, and transforms every input tile itself). Both give the same sums
 * (gemmPackedOperands). winogradPassOf writes the record into the thread's tile area, an unmanaged overlay (nothing
 * allocated): kernels copy what they need before gemmPackedOperands first stores a partial tile there.
 */
@unmanaged
export class WinogradPass {
  input: usize;
  filter: usize;
  bias: usize;
  output: usize;
  scratch: usize;
  chunkTiles: i32;
  isBackpropInput: bool;
  isPreparedFilter: bool;
  tilesW: i32;
  imageTiles: i32;
  tileStart: i32;
  tileEnd: i32;
  /** With interleaved tiles (see winogradPassOf), this thread's index and the thread count; 0 and 1 otherwise. */
  tileThread: i32;
  tileThreads: i32;
  stripStart: i32;
  stripEnd: i32;
  ocStart: i32;
  ocEnd: i32;
}

/**
 * The pass of a forward Winograd kernel whose tiles are tileSize x tileSize blocks of its output (see WinogradPass).
 * Where isInterleaved and the threads split the tiles, thread k takes the blocks of TILE_ROWS tiles k, k + n, k + 2n,
 * ... (n threads): tileStart and tileEnd then count its own tiles (interleavedTile gives their indices), so that each
 * thread gets its share of every stretch of tiles (the edge order of plainTileIndex puts the partial ones last).
 * Returns null where this thread has no work.
 */
export function winogradPassOf(
  job: usize,
  tileSize: i32,
  threadIndex: i32,
  threadCount: i32,
  isInterleaved: bool = false,
): WinogradPass | null {
  const scratch = scratchOf(job, threadIndex);
  const g = convGeometryOf(job);
  const outC = g.outC;
  const tilesW = (g.outW + tileSize - 1) / tileSize;
  const imageTiles = ((g.outH + tileSize - 1) / tileSize) * tilesW;
  const tiles = g.batch * imageTiles;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  const isSplitByColumns = intField(job, Conv2dJob.option) != 0;
  const isInterleavedSplit = isInterleaved && !isSplitByColumns;
  const tileThread = isInterleavedSplit ? threadIndex : 0;
  const tileThreads = isInterleavedSplit ? threadCount : 1;
  const tileStart = isSplitByColumns || isInterleaved ? 0 : rangeStart(tiles, TILE_ROWS, threadIndex, threadCount);
  const tileEnd = isSplitByColumns
    ? tiles
    : isInterleaved
      ? interleavedTilesBelow(tiles, tileThread, tileThreads)
      : rangeEnd(tiles, TILE_ROWS, threadIndex, threadCount);
  const stripStart = isSplitByColumns ? rangeStart(strips, 1, threadIndex, threadCount) : 0;
  const stripEnd = isSplitByColumns ? rangeEnd(strips, 1, threadIndex, threadCount) : strips;
  if (tileStart >= tileEnd || stripStart >= stripEnd) return null;
  const pass = changetype<WinogradPass>(scratch);
  pass.input = pointerField(job, Conv2dJob.input);
  pass.filter = pointerField(job, Conv2dJob.filter);
  pass.bias = pointerField(job, Conv2dJob.bias);
  pass.output = pointerField(job, Conv2dJob.output);
  pass.scratch = scratch;
  pass.chunkTiles = intField(job, Conv2dJob.panelRows);
  pass.isBackpropInput = intField(job, Conv2dJob.variant) != 0;
  pass.isPreparedFilter = intField(job, Conv2dJob.isPreparedFilter) != 0;
  pass.tilesW = tilesW;
  pass.imageTiles = imageTiles;
  pass.tileStart = tileStart;
  pass.tileEnd = tileEnd;
  pass.tileThread = tileThread;
  pass.tileThreads = tileThreads;
  pass.stripStart = stripStart;
  pass.stripEnd = stripEnd;
  pass.ocStart = stripStart * TILE_COLUMNS;
  pass.ocEnd = min(outC, stripEnd * TILE_COLUMNS);
  return pass;
}

/** How many of the tiles [0, tiles) thread `thread` of `threads` takes in blocks of TILE_ROWS, interleaved. */
@inline
export function interleavedTilesBelow(tiles: i32, thread: i32, threads: i32): i32 {
  const cycle = TILE_ROWS * threads;
  return (tiles / cycle) * TILE_ROWS + min(TILE_ROWS, max(0, (tiles % cycle) - TILE_ROWS * thread));
}

/** The index among all tiles of a thread's `local`-th tile (see interleavedTilesBelow). */
@inline
export function interleavedTile(local: i32, thread: i32, threads: i32): i32 {
  return ((local / TILE_ROWS) * threads + thread) * TILE_ROWS + (local % TILE_ROWS);
}

/**
 * Tiles in edge order, where an output whose size is not a multiple of the tile's leaves the last tile row and
 * column partial (winogradStride2.ts; F(4x4) in winograd4.ts): first the tiles of the first fullRows tile rows and
 * fullColumns tile columns, then those of the later tile rows (partial along y), those of the later tile columns,
 * and the corners; each class image by image, row by row. With fullRows = tilesH and fullColumns = tilesW it is the
 * plain order. A position that only a tile's missing outputs need (or that multiplies its zero inputs) is then
 * needed by a prefix of any run of tiles, and the GEMMs skip the rest (edgePositionRows). Returns the tile's index
 * in the plain order (image by image, row by row).
 */
@inline
export function plainTileIndex(index: i32, batch: i32, tilesH: i32, tilesW: i32, fullRows: i32, fullColumns: i32): i32 {
  const fullEnd = batch * fullRows * fullColumns;
  const rowEdgeEnd = fullEnd + batch * (tilesH - fullRows) * fullColumns;
  const columnEdgeEnd = rowEdgeEnd + batch * fullRows * (tilesW - fullColumns);
  let offset = index;
  let firstRow = 0;
  let rows = fullRows;
  let firstColumn = 0;
  let columns = fullColumns;
  if (index >= columnEdgeEnd) {
    offset = index - columnEdgeEnd;
    firstRow = fullRows;
    rows = tilesH - fullRows;
    firstColumn = fullColumns;
    columns = tilesW - fullColumns;
  } else if (index >= rowEdgeEnd) {
    offset = index - rowEdgeEnd;
    firstColumn = fullColumns;
    columns = tilesW - fullColumns;
  } else if (index >= fullEnd) {
    offset = index - fullEnd;
    firstRow = fullRows;
    rows = tilesH - fullRows;
  }
  const classTiles = rows * columns;
  const image = offset / classTiles;
  const row = firstRow + (offset % classTiles) / columns;
  return (image * tilesH + row) * tilesW + firstColumn + (offset % columns);
}

/**
 * The GEMM rows position xi (side * r + c) needs in a run of `count` tiles from `start` in edge order
 * (plainTileIndex), whose classes end at fullEnd, rowEdgeEnd and columnEdgeEnd (in the same indices):
 * skipMask has bit j set where a tile partial along an axis does not need position j along that axis. A position
 * skipped along both axes takes the full tiles only, along x the full and row-edge tiles, along y every tile but the
 * corners (the row-edge tiles there are computed and not read), elsewhere all.
 */
@inline
export function edgePositionRows(
  xi: i32,
  side: i32,
  skipMask: i32,
  start: i32,
  count: i32,
  fullEnd: i32,
  rowEdgeEnd: i32,
  columnEdgeEnd: i32,
): i32 {
  const isSkippedAlongY = ((skipMask >> (xi / side)) & 1) != 0;
  const isSkippedAlongX = ((skipMask >> (xi % side)) & 1) != 0;
  const end = isSkippedAlongY
    ? isSkippedAlongX
      ? fullEnd
      : columnEdgeEnd
    : isSkippedAlongX
      ? rowEdgeEnd
      : start + count;
  return min(count, max(0, end - start));
}

/**
 * The GEMMs of a chunk of tiles, one per Winograd position xi < positions: products[xi] = transformedInput[xi] *
 * filter[xi] for this thread's strips [stripStart, stripEnd), the operands' planes `inputPlane`, `filterPlane` and
 * `productPlane` bytes apart (gemmPackedOperands's layouts: count rows, inC deep, outC columns). Where skipMask is
 * not 0, each position over the tiles that need it (edgePositionRows: the chunk's first tile `start` and the tile
 * classes' ends, in the same indices).
 */
export function gemmEachPosition(
  positions: i32,
  transformedInput: usize,
  inputPlane: usize,
  filter: usize,
  filterPlane: usize,
  products: usize,
  productPlane: usize,
  count: i32,
  inC: i32,
  outC: i32,
  stripStart: i32,
  stripEnd: i32,
  tile: usize,
  skipMask: i32 = 0,
  start: i32 = 0,
  fullEnd: i32 = 0,
  rowEdgeEnd: i32 = 0,
  columnEdgeEnd: i32 = 0,
  isGroupedInput: bool = false,
): void {
  const side = positions == 64 ? 8 : positions == 36 ? 6 : positions == 25 ? 5 : 4;
  for (let xi = 0; xi < positions; xi++) {
    const rows =
      skipMask != 0 ? edgePositionRows(xi, side, skipMask, start, count, fullEnd, rowEdgeEnd, columnEdgeEnd) : count;
    if (isGroupedInput) {
      gemmGroupedOperands(
        transformedInput + <usize>xi * inputPlane,
        filter + <usize>xi * filterPlane,
        products + <usize>xi * productPlane,
        outC,
        rows,
        outC,
        inC,
        stripStart,
        stripEnd,
        tile,
      );
    } else {
      gemmPackedOperands(
        transformedInput + <usize>xi * inputPlane,
        filter + <usize>xi * filterPlane,
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
  }
}

/**
 * output[offset] = activation(value + residual[offset]) for 4 channels (value already holds the bias); residual may be
 * 0.
 */
@inline
export function storeFinished(
  output: usize,
  residual: usize,
  offset: usize,
  value: v128,
  code: i32,
  alphas: v128,
  betas: v128,
): void {
  const sum = residual != 0 ? f32x4.add(value, v128.load(residual + offset)) : value;
  v128.store(output + offset, activateVector(code, sum, alphas, betas));
}

/**
 * Depth steps per block of conv2dWinograd's GEMMs (gemmDepthBlockedOperands) with a prepared filter of more than
 * STREAMED_FORM_BYTES (read from memory by each call). One thread, CPU time, prepared with a ReLU, min / median of 15
 * calls, 3 alternated runs, the whole depth -> blocks of 32, batch 1: 7x7x512 3.44-4.79 / 4.46-5.17 -> 2.74-2.83 /
 * 2.93-3.12 ms, 7x7x256 0.86-1.24 / 1.17-1.40 -> 0.73-0.77 / 0.80-0.89, 4x4x256 0.46-0.58 / 0.56-0.68 -> 0.29-0.38 /
 * 0.34-0.52.
 */
const PREPARED_DEPTH_BLOCK: i32 = 32;
/** Bytes of a prepared F(2x2) form (16 positions) from which it is read a depth block at a time: L2 (2 MB here). */
const STREAMED_FORM_BYTES: usize = 2 << 20;

export function conv2dWinograd(job: usize, threadIndex: i32, threadCount: i32): void {
  const pass = winogradPassOf(job, 2, threadIndex, threadCount);
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
  // Scratch: tile | U [16][strips][inC][8] (unless prepared: the filter field holds it) | V [16][chunk / 4][inC][4] | M
  // [16][chunk][outC]
  const tile = scratch;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  let transformedFilter = filter;
  let transformedInput = scratch + WINOGRAD_TILE_BYTES;
  if (!isPreparedFilter) {
    transformedFilter = transformedInput;
    transformedInput += 16 * filterPlane;
    packFilter2x2(filter, transformedFilter, inC, outC, stripStart, stripEnd, isBackpropInput);
  }
  const inputPlane = (<usize>chunkTiles * <usize>inC) << 2;
  const products = transformedInput + 16 * inputPlane;
  const productPlane = (<usize>chunkTiles * <usize>outC) << 2;
  const zero = f32x4.splat(0);
  const rowBytes = (<usize>outW * <usize>outC) << 2;
  const pixelBytes = (<usize>outC) << 2;
  for (let start = first; start < last; start += chunkTiles) {
    const count = min(chunkTiles, last - start);
    // Input transform: V[xi][t][ic] = (B^T d B)[xi] for the 4x4 input block of tile t.
    for (let t = 0; t < count; t++) {
      const tileIndex = start + t;
      const image = tileIndex / imageTiles;
      const y0 = ((tileIndex % imageTiles) / tilesW) * 2 - padTop;
      const x0 = (tileIndex % tilesW) * 2 - padLeft;
      for (let ic = 0; ic < inC; ic += 4) {
        transformInputTile(
          input,
          image,
          y0,
          x0,
          ic,
          inH,
          inW,
          inC,
          packedInputAt(transformedInput, t, ic, inC),
          inputPlane,
          true,
        );
      }
    }
    // M[xi] [count, outC] = V[xi] [count, inC] x U[xi] [inC, outC], this thread's strips.
    if (isPreparedFilter && outC % TILE_COLUMNS == 0 && filterPlane * 16 > STREAMED_FORM_BYTES) {
      for (let xi = 0; xi < 16; xi++)
        gemmDepthBlockedOperands(
          transformedInput + <usize>xi * inputPlane,
          transformedFilter + <usize>xi * filterPlane,
          products + <usize>xi * productPlane,
          outC,
          count,
          inC,
          stripStart,
          stripEnd,
          PREPARED_DEPTH_BLOCK,
        );
    } else {
      gemmEachPosition(
        16,
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
      );
    }
    // Output transform: Y = A^T M A, then the epilogue (bias, residual, activation), stored where the 2x2 block lies
    // inside the output.
    for (let t = 0; t < count; t++) {
      const tileIndex = start + t;
      const image = tileIndex / imageTiles;
      const oy = ((tileIndex % imageTiles) / tilesW) * 2;
      const ox = (tileIndex % tilesW) * 2;
      const hasSecondRow = oy + 1 < outH;
      const hasSecondColumn = ox + 1 < outW;
      const pixel0 = (<usize>(((image * outH + oy) * outW + ox) * outC)) << 2;
      for (let oc = ocStart; oc < ocEnd; oc += 4) {
        const at = products + ((<usize>t * <usize>outC + <usize>oc) << 2);
        const m00 = v128.load(at),
          m01 = v128.load(at + productPlane),
          m02 = v128.load(at + 2 * productPlane),
          m03 = v128.load(at + 3 * productPlane);
        const m10 = v128.load(at + 4 * productPlane),
          m11 = v128.load(at + 5 * productPlane),
          m12 = v128.load(at + 6 * productPlane),
          m13 = v128.load(at + 7 * productPlane);
        const m20 = v128.load(at + 8 * productPlane),
          m21 = v128.load(at + 9 * productPlane),
          m22 = v128.load(at + 10 * productPlane),
          m23 = v128.load(at + 11 * productPlane);
        const m30 = v128.load(at + 12 * productPlane),
          m31 = v128.load(at + 13 * productPlane),
          m32 = v128.load(at + 14 * productPlane),
          m33 = v128.load(at + 15 * productPlane);
        // Rows: s = A^T m (2 x 4).
        const s00 = f32x4.add(f32x4.add(m00, m10), m20),
          s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22),
          s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30),
          s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32),
          s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        const b = bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : zero;
        // Columns: y = s A (2 x 2).
        const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), b);
        const y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), b);
        const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), b);
        const y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), b);
        const offset = pixel0 + ((<usize>oc) << 2);
        storeFinished(output, residual, offset, y00, code, alphas, betas);
        if (hasSecondColumn) storeFinished(output, residual, offset + pixelBytes, y01, code, alphas, betas);
        if (hasSecondRow) {
          storeFinished(output, residual, offset + rowBytes, y10, code, alphas, betas);
          if (hasSecondColumn)
            storeFinished(output, residual, offset + rowBytes + pixelBytes, y11, code, alphas, betas);
        }
      }
    }
  }
}

/**
 * A tile of a filter-gradient pass (winogradFilterGradient), for its transforms: channels [first, last) of the
 * input block (V) or dOut block (W) of the tile whose output block starts at (oy, ox) of `image`, 4 at a time;
 * channel c's vector at position xi goes to destination + ((c - first) << 2) + xi * plane. `block` is the
 * kernel's own scratch block. The record sits at the start of the thread's scratch: no GEMM runs while tiles are
 * transformed (like WinogradShare's).
 */
@unmanaged
export class FilterTile {
  block: usize;
  image: i32;
  oy: i32;
  ox: i32;
  first: i32;
  last: i32;
  destination: usize;
  plane: usize;
}

/** One tile's transform in a filter-gradient pass: the input's (V) or dOut's (W). */
export type FilterTileTransform = (job: usize, tile: FilterTile) => void;

/**
 * The end of a filter-gradient pass: dFilter for input channels [first, last) from their sums
 * M [positions][last - first][outC], the positions `plane` bytes apart, at `sums`.
 */
export type FilterGradientFinish = (job: usize, block: usize, sums: usize, plane: usize, first: i32, last: i32) => void;

/**
 * The thread split and chunking of Conv2DBackpropFilter by F(3x3, m x m), m = tileSize (2: conv2dWinogradFilter;
 * 4: conv2dWinogradFilter4 in winograd4.ts; 2 at stride 2: conv2dWinogradStride2Filter in winogradStride2.ts),
 * positions = (m + 2)^2 (25 at stride 2). The sum over tiles is a reduction, so
 * threads split the input channels (in blocks of TILE_ROWS). Per chunk of `chunkTiles` tiles (panelRows),
 * the kernel's transforms write V [positions][chunk][channels] and W [positions][chunk][outC], then
 * M[xi] [channels, outC] += V[xi]^T [channels, chunk] x W[xi] [chunk, outC]; at the end the kernel's finish
 * turns M into dFilter. Scratch: gemm | the kernel's block (blockBytes) | M | V | W, where channels = this
 * thread's input channels (the backend's Conv2DBackpropFilter sizes it). Where positions share their W (stride 2),
 * `gradientPlanes` (0 otherwise) lists the W plane each position reads, [positions] i32, and the transform writes
 * only those planes. Where edgeSkipMask is not 0 (stride 2 on odd outputs), the tiles go in edge order
 * (plainTileIndex; partial tiles are those with fewer than tileSize outputs along an axis) and each position sums
 * over the tiles edgePositionRows gives it: the others' W is zero there (their dOut is zero past the output).
 * NOTE: the transforms are called by reference (call_indirect), once per tile, never per vector: their loops
 * over channels are their own. GEMMs overwrite the tile record; each tile writes it whole.
 */
export function winogradFilterGradient(
  job: usize,
  threadIndex: i32,
  threadCount: i32,
  tileSize: i32,
  positions: i32,
  blockBytes: usize,
  gradientPlanes: usize,
  edgeSkipMask: i32,
  transformInput: FilterTileTransform,
  transformGradient: FilterTileTransform,
  finish: FilterGradientFinish,
): void {
  const scratch = scratchOf(job, threadIndex);
  const chunkTiles = intField(job, Conv2dJob.panelRows);
  const g = convGeometryOf(job);
  const batch = g.batch;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const channelFirst = rangeStart(g.inC, TILE_ROWS, threadIndex, threadCount);
  const channelLast = rangeEnd(g.inC, TILE_ROWS, threadIndex, threadCount);
  if (channelFirst >= channelLast) return;
  const channels = channelLast - channelFirst;
  const tilesH = (outH + tileSize - 1) / tileSize;
  const tilesW = (outW + tileSize - 1) / tileSize;
  const imageTiles = tilesH * tilesW;
  const tiles = batch * imageTiles;
  const block = scratch + <usize>GEMM_SCRATCH_BYTES;
  const sums = block + blockBytes;
  const sumPlane = (<usize>channels * <usize>outC) << 2;
  const transformedInput = sums + <usize>positions * sumPlane;
  // The 81 planes of stride 2's 4-output tiles take a cache line more (chunkPlaneBytes): its transforms write across.
  const isPadded = positions == 81;
  const inputPlane = isPadded ? chunkPlaneBytes(chunkTiles, channels) : (<usize>chunkTiles * <usize>channels) << 2;
  const transformedGradient = transformedInput + <usize>positions * inputPlane;
  const gradientPlane = isPadded ? chunkPlaneBytes(chunkTiles, outC) : (<usize>chunkTiles * <usize>outC) << 2;
  const tile = changetype<FilterTile>(scratch);
  const fullRows = edgeSkipMask != 0 ? outH / tileSize : tilesH;
  const fullColumns = edgeSkipMask != 0 ? outW / tileSize : tilesW;
  const fullEnd = batch * fullRows * fullColumns;
  const rowEdgeEnd = fullEnd + batch * (tilesH - fullRows) * fullColumns;
  const columnEdgeEnd = rowEdgeEnd + batch * fullRows * (tilesW - fullColumns);
  let side = 1;
  while (side * side < positions) side++;
  for (let start = 0; start < tiles; start += chunkTiles) {
    const count = min(chunkTiles, tiles - start);
    for (let t = 0; t < count; t++) {
      const index = plainTileIndex(start + t, batch, tilesH, tilesW, fullRows, fullColumns);
      tile.block = block;
      tile.image = index / imageTiles;
      tile.oy = ((index % imageTiles) / tilesW) * tileSize;
      tile.ox = (index % tilesW) * tileSize;
      tile.first = channelFirst;
      tile.last = channelLast;
      tile.destination = transformedInput + ((<usize>t * <usize>channels) << 2);
      tile.plane = inputPlane;
      transformInput(job, tile);
      tile.first = 0;
      tile.last = outC;
      tile.destination = transformedGradient + ((<usize>t * <usize>outC) << 2);
      tile.plane = gradientPlane;
      transformGradient(job, tile);
    }
    for (let xi = 0; xi < positions; xi++) {
      const depth = edgePositionRows(xi, side, edgeSkipMask, start, count, fullEnd, rowEdgeEnd, columnEdgeEnd);
      if (depth == 0) {
        // No tile of the chunk adds to this position; the first chunk still sets its sums.
        if (start == 0) memory.fill(sums + <usize>xi * sumPlane, 0, sumPlane);
        continue;
      }
      gemm(
        transformedInput + <usize>xi * inputPlane,
        1,
        channels,
        transformedGradient +
          <usize>(gradientPlanes != 0 ? load<i32>(gradientPlanes + ((<usize>xi) << 2)) : xi) * gradientPlane,
        outC,
        sums + <usize>xi * sumPlane,
        outC,
        channels,
        outC,
        depth,
        0,
        channels,
        start > 0,
        scratch,
      );
    }
  }
  finish(job, block, sums, sumPlane, channelFirst, channelLast);
}

/**
 * Conv2DBackpropFilter by F(3x3, 2x2) (winogradFilterGradient, tileSize 2). Same job record as
 * conv2dWinograd, with 0 input, 1 dOut, 2 dFilter [3, 3, inC, outC], 3 unused, and the forward geometry.
 */
export function conv2dWinogradFilter(job: usize, threadIndex: i32, threadCount: i32): void {
  winogradFilterGradient(job, threadIndex, threadCount, 2, 16, 0, 0, 0, filterInput2x2, filterDOut2x2, filterFinish2x2);
}

/** V = B^T d B of one tile (a FilterTileTransform). */
function filterInput2x2(job: usize, tile: FilterTile): void {
  const input = pointerField(job, Conv2dJob.input);
  const g = convGeometryOf(job);
  const image = tile.image;
  const y0 = tile.oy - g.padTop;
  const x0 = tile.ox - g.padLeft;
  const first = tile.first;
  const last = tile.last;
  const destination = tile.destination;
  const plane = tile.plane;
  for (let ic = first; ic < last; ic += 4) {
    const at = destination + ((<usize>(ic - first)) << 2);
    transformInputTile(input, image, y0, x0, ic, g.inH, g.inW, g.inC, at, plane, false);
  }
}

/** W = G' e G'^T of one tile (a FilterTileTransform), zero where the 2x2 block leaves the output. */
function filterDOut2x2(job: usize, tile: FilterTile): void {
  const g = convGeometryOf(job);
  const outC = g.outC;
  const oy = tile.oy;
  const ox = tile.ox;
  const first = tile.first;
  const last = tile.last;
  const destination = tile.destination;
  const plane = tile.plane;
  const zero = f32x4.splat(0);
  const half = f32x4.splat(0.5);
  const hasSecondRow = oy + 1 < g.outH;
  const hasSecondColumn = ox + 1 < g.outW;
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>g.outW * pixelBytes;
  const corner =
    pointerField(job, Conv2dJob.filter) + ((<usize>(((tile.image * g.outH + oy) * g.outW + ox) * outC)) << 2);
  for (let oc = first; oc < last; oc += 4) {
    const origin = corner + ((<usize>oc) << 2);
    const e00 = v128.load(origin);
    const e01 = hasSecondColumn ? v128.load(origin + pixelBytes) : zero;
    const e10 = hasSecondRow ? v128.load(origin + rowBytes) : zero;
    const e11 = hasSecondRow && hasSecondColumn ? v128.load(origin + rowBytes + pixelBytes) : zero;
    // Rows: u = G' e (4 x 2).
    const u10 = f32x4.mul(half, f32x4.add(e00, e10)),
      u11 = f32x4.mul(half, f32x4.add(e01, e11));
    const u20 = f32x4.mul(half, f32x4.sub(e00, e10)),
      u21 = f32x4.mul(half, f32x4.sub(e01, e11));
    const at = destination + ((<usize>(oc - first)) << 2);
    storeGradientRow(at, 0, plane, e00, e01, half);
    storeGradientRow(at, 1, plane, u10, u11, half);
    storeGradientRow(at, 2, plane, u20, u21, half);
    storeGradientRow(at, 3, plane, e10, e11, half);
  }
}

/** dW[ky, kx, ic, oc] = (A'^T M A')[ky][kx] (a FilterGradientFinish). */
function filterFinish2x2(job: usize, block: usize, sums: usize, sumPlane: usize, first: i32, last: i32): void {
  const dFilter = pointerField(job, Conv2dJob.bias);
  const g = convGeometryOf(job);
  const inC = g.inC;
  const outC = g.outC;
  for (let c = 0; c < last - first; c++) {
    for (let oc = 0; oc < outC; oc += 4) {
      const at = sums + ((<usize>c * <usize>outC + <usize>oc) << 2);
      const m00 = v128.load(at),
        m01 = v128.load(at + sumPlane),
        m02 = v128.load(at + 2 * sumPlane),
        m03 = v128.load(at + 3 * sumPlane);
      const m10 = v128.load(at + 4 * sumPlane),
        m11 = v128.load(at + 5 * sumPlane),
        m12 = v128.load(at + 6 * sumPlane),
        m13 = v128.load(at + 7 * sumPlane);
      const m20 = v128.load(at + 8 * sumPlane),
        m21 = v128.load(at + 9 * sumPlane),
        m22 = v128.load(at + 10 * sumPlane),
        m23 = v128.load(at + 11 * sumPlane);
      const m30 = v128.load(at + 12 * sumPlane),
        m31 = v128.load(at + 13 * sumPlane),
        m32 = v128.load(at + 14 * sumPlane),
        m33 = v128.load(at + 15 * sumPlane);
      // Rows: s = A'^T m (3 x 4).
      const s00 = f32x4.add(f32x4.add(m00, m10), m20),
        s01 = f32x4.add(f32x4.add(m01, m11), m21);
      const s02 = f32x4.add(f32x4.add(m02, m12), m22),
        s03 = f32x4.add(f32x4.add(m03, m13), m23);
      const s10 = f32x4.sub(m10, m20),
        s11 = f32x4.sub(m11, m21),
        s12 = f32x4.sub(m12, m22),
        s13 = f32x4.sub(m13, m23);
      const s20 = f32x4.sub(f32x4.add(m10, m20), m30),
        s21 = f32x4.sub(f32x4.add(m11, m21), m31);
      const s22 = f32x4.sub(f32x4.add(m12, m22), m32),
        s23 = f32x4.sub(f32x4.add(m13, m23), m33);
      const ic = first + c;
      storeFilterGradientRow(dFilter, 0, s00, s01, s02, s03, ic, oc, inC, outC);
      storeFilterGradientRow(dFilter, 1, s10, s11, s12, s13, ic, oc, inC, outC);
      storeFilterGradientRow(dFilter, 2, s20, s21, s22, s23, ic, oc, inC, outC);
    }
  }
}

/** Columns of W = u G'^T: row `row` of the 4x4 transformed gradient, for 4 output channels. */
@inline
function storeGradientRow(at: usize, row: i32, plane: usize, u0: v128, u1: v128, half: v128): void {
  const base = at + <usize>(row * 4) * plane;
  v128.store(base, u0);
  v128.store(base + plane, f32x4.mul(half, f32x4.add(u0, u1)));
  v128.store(base + 2 * plane, f32x4.mul(half, f32x4.sub(u0, u1)));
  v128.store(base + 3 * plane, u1);
}

/** Columns of dW = s A': row ky of the 3x3 gradient, for 4 output channels. */
@inline
function storeFilterGradientRow(
  dFilter: usize,
  ky: i32,
  s0: v128,
  s1: v128,
  s2: v128,
  s3: v128,
  ic: i32,
  oc: i32,
  inC: i32,
  outC: i32,
): void {
  const tap = (<usize>inC * <usize>outC) << 2;
  const base = dFilter + ((<usize>(ky * 3) * <usize>inC * <usize>outC + <usize>ic * <usize>outC + <usize>oc) << 2);
  v128.store(base, f32x4.add(f32x4.add(s0, s1), s2));
  v128.store(base + tap, f32x4.sub(s1, s2));
  v128.store(base + 2 * tap, f32x4.sub(f32x4.add(s1, s2), s3));
}

/**
 * V = B^T d B for the 4x4 input block at (y0, x0) of `image`, channels ic .. ic + 3 (zero outside the
 * image): V[4 * row + column] is stored at `at + (4 * row + column) * plane`, as one vector or, when
 * isPacked, lane by lane 16 bytes apart (packedInputAt).
 */
function transformInputTile(
  input: usize,
  image: i32,
  y0: i32,
  x0: i32,
  ic: i32,
  inH: i32,
  inW: i32,
  inC: i32,
  at: usize,
  plane: usize,
  isPacked: bool,
): void {
  let d00: v128, d01: v128, d02: v128, d03: v128, d10: v128, d11: v128, d12: v128, d13: v128;
  let d20: v128, d21: v128, d22: v128, d23: v128, d30: v128, d31: v128, d32: v128, d33: v128;
  if (y0 >= 0 && x0 >= 0 && y0 + 4 <= inH && x0 + 4 <= inW) {
    // Interior blocks (most of them) need no bounds checks.
    const rowBytes = (<usize>inW * <usize>inC) << 2;
    const pixelBytes = (<usize>inC) << 2;
    const r0 = input + ((<usize>(((image * inH + y0) * inW + x0) * inC + ic)) << 2);
    const r1 = r0 + rowBytes,
      r2 = r0 + 2 * rowBytes,
      r3 = r0 + 3 * rowBytes;
    d00 = v128.load(r0);
    d01 = v128.load(r0 + pixelBytes);
    d02 = v128.load(r0 + 2 * pixelBytes);
    d03 = v128.load(r0 + 3 * pixelBytes);
    d10 = v128.load(r1);
    d11 = v128.load(r1 + pixelBytes);
    d12 = v128.load(r1 + 2 * pixelBytes);
    d13 = v128.load(r1 + 3 * pixelBytes);
    d20 = v128.load(r2);
    d21 = v128.load(r2 + pixelBytes);
    d22 = v128.load(r2 + 2 * pixelBytes);
    d23 = v128.load(r2 + 3 * pixelBytes);
    d30 = v128.load(r3);
    d31 = v128.load(r3 + pixelBytes);
    d32 = v128.load(r3 + 2 * pixelBytes);
    d33 = v128.load(r3 + 3 * pixelBytes);
  } else {
    d00 = loadPixel(input, image, y0, x0, ic, inH, inW, inC);
    d01 = loadPixel(input, image, y0, x0 + 1, ic, inH, inW, inC);
    d02 = loadPixel(input, image, y0, x0 + 2, ic, inH, inW, inC);
    d03 = loadPixel(input, image, y0, x0 + 3, ic, inH, inW, inC);
    d10 = loadPixel(input, image, y0 + 1, x0, ic, inH, inW, inC);
    d11 = loadPixel(input, image, y0 + 1, x0 + 1, ic, inH, inW, inC);
    d12 = loadPixel(input, image, y0 + 1, x0 + 2, ic, inH, inW, inC);
    d13 = loadPixel(input, image, y0 + 1, x0 + 3, ic, inH, inW, inC);
    d20 = loadPixel(input, image, y0 + 2, x0, ic, inH, inW, inC);
    d21 = loadPixel(input, image, y0 + 2, x0 + 1, ic, inH, inW, inC);
    d22 = loadPixel(input, image, y0 + 2, x0 + 2, ic, inH, inW, inC);
    d23 = loadPixel(input, image, y0 + 2, x0 + 3, ic, inH, inW, inC);
    d30 = loadPixel(input, image, y0 + 3, x0, ic, inH, inW, inC);
    d31 = loadPixel(input, image, y0 + 3, x0 + 1, ic, inH, inW, inC);
    d32 = loadPixel(input, image, y0 + 3, x0 + 2, ic, inH, inW, inC);
    d33 = loadPixel(input, image, y0 + 3, x0 + 3, ic, inH, inW, inC);
  }
  // Rows: t = B^T d.
  const t00 = f32x4.sub(d00, d20),
    t01 = f32x4.sub(d01, d21),
    t02 = f32x4.sub(d02, d22),
    t03 = f32x4.sub(d03, d23);
  const t10 = f32x4.add(d10, d20),
    t11 = f32x4.add(d11, d21),
    t12 = f32x4.add(d12, d22),
    t13 = f32x4.add(d13, d23);
  const t20 = f32x4.sub(d20, d10),
    t21 = f32x4.sub(d21, d11),
    t22 = f32x4.sub(d22, d12),
    t23 = f32x4.sub(d23, d13);
  const t30 = f32x4.sub(d10, d30),
    t31 = f32x4.sub(d11, d31),
    t32 = f32x4.sub(d12, d32),
    t33 = f32x4.sub(d13, d33);
  // Columns: V = t B.
  storeInputRow(at, 0, plane, t00, t01, t02, t03, isPacked);
  storeInputRow(at, 1, plane, t10, t11, t12, t13, isPacked);
  storeInputRow(at, 2, plane, t20, t21, t22, t23, isPacked);
  storeInputRow(at, 3, plane, t30, t31, t32, t33, isPacked);
}

@inline
function loadPixel(input: usize, image: i32, y: i32, x: i32, ic: i32, inH: i32, inW: i32, inC: i32): v128 {
  if (y < 0 || y >= inH || x < 0 || x >= inW) return f32x4.splat(0);
  return v128.load(input + ((<usize>(((image * inH + y) * inW + x) * inC + ic)) << 2));
}

@inline
function storeInputRow(
  at: usize,
  row: i32,
  plane: usize,
  t0: v128,
  t1: v128,
  t2: v128,
  t3: v128,
  isPacked: bool,
): void {
  const base = at + <usize>(row * 4) * plane;
  storeInputValue(base, f32x4.sub(t0, t2), isPacked);
  storeInputValue(base + plane, f32x4.add(t1, t2), isPacked);
  storeInputValue(base + 2 * plane, f32x4.sub(t2, t1), isPacked);
  storeInputValue(base + 3 * plane, f32x4.sub(t1, t3), isPacked);
}

@inline
function storeInputValue(at: usize, value: v128, isPacked: bool): void {
  if (isPacked) storeLanes(at, value);
  else v128.store(at, value);
}
