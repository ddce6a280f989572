// Large stride-2 convolutions on few channels (ResNet's 7x7 stem) by a polyphase Winograd algorithm. Split the
// input into its 4 phases (even / odd rows x even / odd columns): a stride-2 kH x kW correlation is the sum over
// the phases of stride-1 correlations of each phase image with the phase's taps, so with the phases as channels
// (spaceToDepth2: pixel (i, j), channel (2 py + px) inC + c holds input (2 i + py - padTop, 2 j + px - padLeft, c))
// it is one stride-1 4x4 correlation on 4 inC channels (kH, kW <= 8; taps past the kernel are zero, and the padding
// is already in the image). The forward pass runs that one as Winograd F(5x5, 4x4) on winograd6.ts's 8 points
// 0, +-1, +-2, +-1/2, inf: the same input transform B^T (8x8, transformInputBlock6), the filter transform G (8x4,
// row k the powers 0-3 of point p_k times that file's G scale of the row: filterLine) and the output transform
// A^T (5x8, the powers 0-4 of the points; m7 into y4 alone). A 5x5 block of outputs takes 64 multiplies per
// channel pair of the phase image, against 25 x 49 per input channel for im2col: 4.8 times fewer for the stem's 3
// channels (12 phase channels against 147 taps). float32 error against float64 (a numpy check on 12-channel
// tiles): 1.3e-5 relative at most, as F(6x6, 3x3)'s.
// The filter gradient is the dual, F(4x4, 5x5): a phase tap (a, b) sums phase pixel (i + a, j + b) times dOut
// (i, j), a 4x4 correlation of the phase image with a 5x5 dOut block: V = B^T d B as forward, W = A E A^T for the
// tile's 5x5 dOut block E (A = the forward's A^T transposed, 8x5), M = sum over tiles of V * W, then G^T M G (G the
// forward's, its scales included) gives the 4x4 phase taps, scattered back to the kH x kW filter's.
// Both took the place of F(3x3, 4x4) forward and F(4x4, 3x3) for the filter gradient (36 positions a 3x3 tile, 4
// multiplies an output against 2.56; winograd4.ts's points): their GEMMs, at the FMA rate, were about half of each
// pass, and the 5x5 tiles' transforms cost per output about what the 3x3 tiles' did. ResNet-18's stem at batch 8,
// one thread, CPU time, medians of 5 alternated runs (bench/stemKernels.ts): with the pool (predict) 25.7 -> 18.7
// ms, training's forward 24.3 -> 18.7 ms, the filter gradient 23.5 -> 17.9 ms (with its planes padded, see the
// backend); at batch 1 3.2 -> 2.3, 2.9 -> 2.3 and 2.7 -> 2.1 ms.
// Limits: forward and filter gradient (the input gradient of a stem is not needed: its input is the image);
// tiles are computed whole, the output keeps its part.
// Measured on ResNet-18's stem (2 threads, process CPU time, medians of alternated runs, im2col -> F(3x3, 4x4)):
// predict at batch 8 42 -> 24 ms, batch 1 5.2 -> 3.0 ms; fine-tuning at batch 16 forward 80 -> 51 ms, filter
// gradient 94 -> 61 ms.
//
// Job records: spaceToDepth2, SpaceToDepth2Job (jobFields.ts); conv2dWinogradPolyphase, that of winograd.ts
// (conv2dWinograd) with the phase image's geometry (inH, inW, inC = 4 x the input's, no padding; kH, kW the
// filter's), the filter packed (field 29 = 1) as [64][strips][inC][8] (winograd.ts packedFilterFloats per
// position); conv2dWinogradPolyphaseMaxPool, that record with the pool's geometry (see it);
// conv2dWinogradPolyphaseFilter, that of conv2dWinogradFilter with the same geometry.

import { ACTIVATION_RELU, activateVector, epilogueOf } from './epilogue';
import { TILE_COLUMNS, TILE_ROWS, multiplyPackedTile } from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';
import { Conv2dJob, SpaceToDepth2Job } from './jobFields';
import {
  WINOGRAD_TILE_BYTES,
  chunkPlaneBytes,
  gemmEachPosition,
  packedFilterFloats,
  winogradPassOf,
  FilterTile,
} from './winograd';
import { BLOCK_BYTES } from './winograd4';
import { BLOCK6_BYTES, transformInputBlock6 } from './winograd6';

/** Outputs a forward tile takes along each axis: F(5x5, 4x4) (see the header). */
const FORWARD_TILE: i32 = 5;
/** Points of the forward transforms along an axis (winograd6.ts's 8), FORWARD_SIDE^2 tile positions. */
const FORWARD_SIDE: i32 = 8;
const FORWARD_POSITIONS: i32 = FORWARD_SIDE * FORWARD_SIDE;

/**
 * The phase image of an NHWC map: threads split its rows.
 *   input   [batch, inH, inW, channels]
 *   output  [batch, outH, outW, 4 channels], zero where the phase pixel lies outside the input
 */
export function spaceToDepth2(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, SpaceToDepth2Job.input);
  const output = pointerField(job, SpaceToDepth2Job.output);
  const batch = intField(job, SpaceToDepth2Job.batch);
  const inH = intField(job, SpaceToDepth2Job.inH);
  const inW = intField(job, SpaceToDepth2Job.inW);
  const channels = intField(job, SpaceToDepth2Job.channels);
  const outH = intField(job, SpaceToDepth2Job.outH);
  const outW = intField(job, SpaceToDepth2Job.outW);
  const padTop = intField(job, SpaceToDepth2Job.padTop);
  const padLeft = intField(job, SpaceToDepth2Job.padLeft);
  const first = rangeStart(batch * outH, 1, threadIndex, threadCount);
  const last = rangeEnd(batch * outH, 1, threadIndex, threadCount);
  // One phase row (py) of a pixel: the 2 channels values of input pixels x and x + 1 of row y.
  const pairFloats = 2 * channels;
  const pairBytes = (<usize>pairFloats) << 2;
  const pixelBytes = pairBytes << 1;
  for (let row = first; row < last; row++) {
    const image = row / outH;
    const i = row % outH;
    const outputRow = output + <usize>row * <usize>outW * pixelBytes;
    for (let py = 0; py < 2; py++) {
      const y = 2 * i + py - padTop;
      const phaseRow = outputRow + <usize>py * pairBytes;
      if (y < 0 || y >= inH) {
        for (let j = 0; j < outW; j++) memory.fill(phaseRow + <usize>j * pixelBytes, 0, pairBytes);
        continue;
      }
      const inputRow = input + ((<usize>(image * inH + y) * <usize>inW * <usize>channels) << 2);
      for (let j = 0; j < outW; j++) {
        const x = 2 * j - padLeft;
        const to = phaseRow + <usize>j * pixelBytes;
        if (x >= 0 && x + 2 <= inW) {
          copyFloats(inputRow + ((<usize>(x * channels)) << 2), to, pairFloats);
        } else {
          for (let px = 0; px < 2; px++) {
            const pixelTo = to + ((<usize>(px * channels)) << 2);
            if (x + px < 0 || x + px >= inW) memory.fill(pixelTo, 0, (<usize>channels) << 2);
            else copyFloats(inputRow + ((<usize>((x + px) * channels)) << 2), pixelTo, channels);
          }
        }
      }
    }
  }
}

/** Copies `count` floats in vectors, then a pair and a single (the stem's 6 floats: one vector and one pair). */
@inline
function copyFloats(from: usize, to: usize, count: i32): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(to + ((<usize>k) << 2), v128.load(from + ((<usize>k) << 2)));
  if (k + 2 <= count) {
    store<i64>(to + ((<usize>k) << 2), load<i64>(from + ((<usize>k) << 2)));
    k += 2;
  }
  if (k < count) store<f32>(to + ((<usize>k) << 2), load<f32>(from + ((<usize>k) << 2)));
}

/**
 * Conv2D by F(5x5, 4x4) on the phase image (see the header): input transform (winograd6.ts's, tiles 5 pixels
 * apart), 64 GEMMs of packed operands, output transform with the epilogue; tiles, chunks and the thread split as
 * conv2dWinograd4's.
 *   input   [batch, inH, inW, inC] the phase image, inH >= 5 tilesH + 3, inW >= 5 tilesW + 3
 *   filter  [64][strips][inC][8] prepared
 *   bias    [outC] or 0
 *   output  [batch, outH, outW, outC]
 */
export function conv2dWinogradPolyphase(job: usize, threadIndex: i32, threadCount: i32): void {
  const pass = winogradPassOf(job, FORWARD_TILE, threadIndex, threadCount);
  if (pass == null) return;
  // The pass record lies in the tile area, which the GEMMs overwrite: its fields are read first.
  const input = pass.input;
  const filter = pass.filter;
  const bias = pass.bias;
  const output = pass.output;
  const scratch = pass.scratch;
  const chunkTiles = pass.chunkTiles;
  const tilesW = pass.tilesW;
  const imageTiles = pass.imageTiles;
  const first = pass.tileStart;
  const last = pass.tileEnd;
  const stripStart = pass.stripStart;
  const stripEnd = pass.stripEnd;
  const ocStart = pass.ocStart;
  const ocEnd = pass.ocEnd;
  const g = convGeometryOf(job);
  const epilogue = epilogueOf(job);
  const residual = epilogue.residual;
  const code = epilogue.activation;
  const alphas = f32x4.splat(epilogue.alpha);
  const betas = f32x4.splat(epilogue.beta);
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  // Scratch: tile | 4 6x6 blocks (2304 bytes: the transforms use one 8x8 block of them) |
  // V [64][chunk / 4][inC / 4][4][4] (grouped) | M [64][chunk][outC]
  const tile = scratch;
  const block = scratch + WINOGRAD_TILE_BYTES;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  const transformedInput = block + TILE_ROWS * BLOCK_BYTES;
  const inputPlane = chunkPlaneBytes(chunkTiles, inC);
  const products = transformedInput + FORWARD_POSITIONS * inputPlane;
  const productPlane = chunkPlaneBytes(chunkTiles, outC);
  for (let start = first; start < last; start += chunkTiles) {
    const count = min(chunkTiles, last - start);
    for (let t = 0; t < count; t += TILE_ROWS) {
      transformPhaseTiles(
        input,
        start + t,
        count - t,
        imageTiles,
        tilesW,
        inH,
        inW,
        inC,
        block,
        transformedInput + ((<usize>t * <usize>inC) << 2),
        inputPlane,
      );
    }
    gemmEachPosition(
      FORWARD_POSITIONS,
      transformedInput,
      inputPlane,
      filter,
      filterPlane,
      products,
      productPlane,
      count,
      inC,
      outC,
      stripStart,
      stripEnd,
      tile,
      0,
      0,
      0,
      0,
      0,
      true,
    );
    for (let t = 0; t < count; t++) {
      const tileIndex = start + t;
      const image = tileIndex / imageTiles;
      const oy = ((tileIndex % imageTiles) / tilesW) * FORWARD_TILE;
      const ox = (tileIndex % tilesW) * FORWARD_TILE;
      outputTile(
        products + ((<usize>t * <usize>outC) << 2),
        productPlane,
        block,
        bias,
        output,
        residual,
        (<usize>(((image * outH + oy) * outW + ox) * outC)) << 2,
        (<usize>(outW * outC)) << 2,
        min(FORWARD_TILE, outH - oy),
        min(FORWARD_TILE, outW - ox),
        ocStart,
        ocEnd,
        outC,
        code,
        alphas,
        betas,
        false,
        f32x4.splat(0),
      );
    }
  }
}

/**
 * The output transform of one tile (see the header) for output channels [ocStart, ocEnd): its products at
 * `products` (positions `productPlane` apart), bias, residual and activation, `rows` x `columns` of the 5x5 block
 * stored from output + tileOffset, rows `rowBytes` apart (the residual at the same offsets). Where `isNaNTracked` (a
 * constant once inlined), returns `nans` or'ed with f32x4.ne(v, v) of every value stored, else `nans`.
 */
@inline
function outputTile(
  products: usize,
  productPlane: usize,
  block: usize,
  bias: usize,
  output: usize,
  residual: usize,
  tileOffset: usize,
  rowBytes: usize,
  rows: i32,
  columns: i32,
  ocStart: i32,
  ocEnd: i32,
  outC: i32,
  code: i32,
  alphas: v128,
  betas: v128,
  isNaNTracked: bool,
  nans: v128,
): v128 {
  const pixelBytes = (<usize>outC) << 2;
  const zero = f32x4.splat(0);
  for (let oc = ocStart; oc < ocEnd; oc += 4) {
    outputColumns(products + ((<usize>oc) << 2), productPlane, block);
    const b = bias != 0 ? v128.load(bias + ((<usize>oc) << 2)) : zero;
    for (let r = 0; r < rows; r++) {
      const rowOffset = tileOffset + <usize>r * rowBytes + ((<usize>oc) << 2);
      const line = block + <usize>(r * 128);
      const m0 = v128.load(line);
      const sum12 = f32x4.add(v128.load(line, 16), v128.load(line, 32)),
        difference12 = f32x4.sub(v128.load(line, 16), v128.load(line, 32));
      const sum34 = f32x4.add(v128.load(line, 48), v128.load(line, 64)),
        difference34 = f32x4.sub(v128.load(line, 48), v128.load(line, 64));
      const sum56 = f32x4.add(v128.load(line, 80), v128.load(line, 96)),
        difference56 = f32x4.sub(v128.load(line, 80), v128.load(line, 96));
      const y0 = f32x4.add(f32x4.add(m0, sum12), f32x4.add(sum34, sum56));
      nans = finishTracked(output, residual, rowOffset, f32x4.add(y0, b), code, alphas, betas, isNaNTracked, nans);
      if (columns > 1) {
        const y1 = oddOutput(difference12, difference34, difference56, 2, 0.5);
        nans = finishTracked(
          output,
          residual,
          rowOffset + pixelBytes,
          f32x4.add(y1, b),
          code,
          alphas,
          betas,
          isNaNTracked,
          nans,
        );
      }
      if (columns > 2) {
        const y2 = evenOutput(sum12, sum34, sum56, 4, 0.25);
        nans = finishTracked(
          output,
          residual,
          rowOffset + 2 * pixelBytes,
          f32x4.add(y2, b),
          code,
          alphas,
          betas,
          isNaNTracked,
          nans,
        );
      }
      if (columns > 3) {
        const y3 = oddOutput(difference12, difference34, difference56, 8, 0.125);
        nans = finishTracked(
          output,
          residual,
          rowOffset + 3 * pixelBytes,
          f32x4.add(y3, b),
          code,
          alphas,
          betas,
          isNaNTracked,
          nans,
        );
      }
      if (columns > 4) {
        const y4 = f32x4.add(evenOutput(sum12, sum34, sum56, 16, 0.0625), v128.load(line, 112));
        nans = finishTracked(
          output,
          residual,
          rowOffset + 4 * pixelBytes,
          f32x4.add(y4, b),
          code,
          alphas,
          betas,
          isNaNTracked,
          nans,
        );
      }
    }
  }
  return nans;
}

/**
 * storeFinished (winograd.ts: the same operations, so the same bits), and where `isNaNTracked` `nans` or'ed with
 * the stored value's NaN lanes.
 */
@inline
function finishTracked(
  output: usize,
  residual: usize,
  offset: usize,
  value: v128,
  code: i32,
  alphas: v128,
  betas: v128,
  isNaNTracked: bool,
  nans: v128,
): v128 {
  const sum = residual != 0 ? f32x4.add(value, v128.load(residual + offset)) : value;
  const activated = activateVector(code, sum, alphas, betas);
  v128.store(output + offset, activated);
  return isNaNTracked ? v128.or(nans, f32x4.ne(activated, activated)) : nans;
}

/** A^T's odd rows 1 and 3 (the points 1, 2, 1/2 and their negatives; `power` 2^k, `fraction` 2^-k) but m7. */
@inline
function oddOutput(difference12: v128, difference34: v128, difference56: v128, power: f32, fraction: f32): v128 {
  return f32x4.add(
    difference12,
    f32x4.add(f32x4.mul(f32x4.splat(power), difference34), f32x4.mul(f32x4.splat(fraction), difference56)),
  );
}

/** A^T's even rows 2 and 4 (`power` 2^k, `fraction` 2^-k) but m7. */
@inline
function evenOutput(sum12: v128, sum34: v128, sum56: v128, power: f32, fraction: f32): v128 {
  return f32x4.add(sum12, f32x4.add(f32x4.mul(f32x4.splat(power), sum34), f32x4.mul(f32x4.splat(fraction), sum56)));
}

/**
 * Rows of conv2dWinogradPolyphaseMaxPool's ring of convolution output rows for a pool window of poolKH rows: a
 * multiple of 5 (a tile's rows never wrap) of at least poolKH + 4. A pooled row is finished as soon as the tile row
 * holding its last window row is (5 rows from 5 T), and its window then starts at 5 T - poolKH + 1 or below, so the
 * ring must hold rows 5 T - poolKH + 1 to 5 T + 4.
 */
@inline
export function poolRingRows(poolKH: i32): i32 {
  return FORWARD_TILE * ((poolKH + 2 * FORWARD_TILE - 2) / FORWARD_TILE);
}

/**
 * Conv2D as conv2dWinogradPolyphase, then the max pool that alone reads its (activated) output, in one pass: the
 * threads split the pooled rows (of every image); each computes the tile rows their windows read, in order, into a
 * ring of poolRingRows convolution rows in its scratch (about 290 KB for ResNet's stem: L2), and pools each pooled
 * row as soon as its window's rows are there, so the convolution's output (25.7 MB for ResNet's stem at batch 8) is
 * never stored and read back. A tile row that two threads' pooled rows read is computed by both (one in 23 of the
 * stem's at batch 1 on 2 threads). Every value is conv2dWinogradPolyphase's, and the maxima are those of maxPool2d.ts
 * (padded taps skipped, f32x4.max): the bits equal the two kernels' on any thread count.
 *   input   [batch, inH, inW, inC] the phase image (conv2dWinogradPolyphase's), filter prepared, bias [outC] or 0
 *   output  [batch, poolOutH, poolOutW, outC]
 * Job record: conv2dWinogradPolyphase's without a residual, then the pool's geometry (Conv2dJob.poolOutH to
 * poolPadLeft) on the convolution's output [batch, outH, outW, outC]. Scratch: conv2dWinogradPolyphase's, then the
 * ring (poolRingRows x outW x outC floats).
 */
export function conv2dWinogradPolyphaseMaxPool(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const batch = g.batch;
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const poolOutH = intField(job, Conv2dJob.poolOutH);
  const poolOutW = intField(job, Conv2dJob.poolOutW);
  const poolKH = intField(job, Conv2dJob.poolKH);
  const poolKW = intField(job, Conv2dJob.poolKW);
  const poolStrideH = intField(job, Conv2dJob.poolStrideH);
  const poolStrideW = intField(job, Conv2dJob.poolStrideW);
  const poolPadTop = intField(job, Conv2dJob.poolPadTop);
  const poolPadLeft = intField(job, Conv2dJob.poolPadLeft);
  const first = rangeStart(batch * poolOutH, 1, threadIndex, threadCount);
  const last = rangeEnd(batch * poolOutH, 1, threadIndex, threadCount);
  if (first >= last) return;
  const input = pointerField(job, Conv2dJob.input);
  const filter = pointerField(job, Conv2dJob.filter);
  const bias = pointerField(job, Conv2dJob.bias);
  const output = pointerField(job, Conv2dJob.output);
  const scratch = scratchOf(job, threadIndex);
  const chunkTiles = intField(job, Conv2dJob.panelRows);
  const epilogue = epilogueOf(job);
  const code = epilogue.activation;
  const alphas = f32x4.splat(epilogue.alpha);
  const betas = f32x4.splat(epilogue.beta);
  const tilesW = (outW + FORWARD_TILE - 1) / FORWARD_TILE;
  const imageTiles = ((outH + FORWARD_TILE - 1) / FORWARD_TILE) * tilesW;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  // Scratch: conv2dWinogradPolyphase's (tile | blocks | V | M), then the ring.
  const tile = scratch;
  const block = scratch + WINOGRAD_TILE_BYTES;
  const filterPlane = packedFilterFloats(inC, outC) << 2;
  const transformedInput = block + TILE_ROWS * BLOCK_BYTES;
  const inputPlane = chunkPlaneBytes(chunkTiles, inC);
  const products = transformedInput + FORWARD_POSITIONS * inputPlane;
  const productPlane = chunkPlaneBytes(chunkTiles, outC);
  const ring = products + FORWARD_POSITIONS * productPlane;
  const ringRows = poolRingRows(poolKH);
  // Whether each ring row holds a NaN (an i32 a row, after the ring).
  const ringNaNs = ring + <usize>ringRows * <usize>(outW * outC) * 4;
  // After ReLU, max(x, 0), every value is +0, positive or NaN: where the window holds no NaN, f32x4.pmax (one
  // maxps on x64, where f32x4.max's NaN and signed-zero rules take several instructions) gives f32x4.max's bits.
  // ResNet-18's stem at batch 8, one thread: the pool's part of the pass about 4 -> 1.5 ms.
  const isRectified = code == ACTIVATION_RELU;
  const rowBytes = (<usize>(outW * outC)) << 2;
  const pixelBytes = (<usize>outC) << 2;
  let row = first;
  while (row < last) {
    // This thread's pooled rows [pooled, pooledEnd) of one image, then the convolution rows their windows read.
    const image = row / poolOutH;
    const pooledEnd = min(last, (image + 1) * poolOutH) - image * poolOutH;
    let pooled = row - image * poolOutH;
    row += pooledEnd - pooled;
    const convFirst = max(0, pooled * poolStrideH - poolPadTop);
    const convEnd = min(outH, (pooledEnd - 1) * poolStrideH - poolPadTop + poolKH);
    for (let tileRow = convFirst / FORWARD_TILE; tileRow * FORWARD_TILE < convEnd; tileRow++) {
      const oy = tileRow * FORWARD_TILE;
      let nans = f32x4.splat(0);
      const rowTilesStart = image * imageTiles + tileRow * tilesW;
      const rowTilesEnd = rowTilesStart + tilesW;
      for (let start = rowTilesStart; start < rowTilesEnd; start += chunkTiles) {
        const count = min(chunkTiles, rowTilesEnd - start);
        for (let t = 0; t < count; t += TILE_ROWS) {
          transformPhaseTiles(
            input,
            start + t,
            count - t,
            imageTiles,
            tilesW,
            inH,
            inW,
            inC,
            block,
            transformedInput + ((<usize>t * <usize>inC) << 2),
            inputPlane,
          );
        }
        gemmEachPosition(
          FORWARD_POSITIONS,
          transformedInput,
          inputPlane,
          filter,
          filterPlane,
          products,
          productPlane,
          count,
          inC,
          outC,
          0,
          strips,
          tile,
          0,
          0,
          0,
          0,
          0,
          true,
        );
        for (let t = 0; t < count; t++) {
          const ox = (start + t - rowTilesStart) * FORWARD_TILE;
          const tileProducts = products + ((<usize>t * <usize>outC) << 2);
          const offset = <usize>((oy % ringRows) * outW + ox) * pixelBytes;
          const rows = min(FORWARD_TILE, outH - oy);
          const columns = min(FORWARD_TILE, outW - ox);
          // ReLU's copy has its activation constant (no switch a vector) and tracks the NaNs it stores.
          if (isRectified)
            nans = outputTile(
              tileProducts,
              productPlane,
              block,
              bias,
              ring,
              0,
              offset,
              rowBytes,
              rows,
              columns,
              0,
              outC,
              outC,
              ACTIVATION_RELU,
              alphas,
              betas,
              true,
              nans,
            );
          else
            outputTile(
              tileProducts,
              productPlane,
              block,
              bias,
              ring,
              0,
              offset,
              rowBytes,
              rows,
              columns,
              0,
              outC,
              outC,
              code,
              alphas,
              betas,
              false,
              nans,
            );
        }
      }
      const computedEnd = min(outH, oy + FORWARD_TILE);
      // A NaN anywhere in the tile row marks all its rows: f32x4.max then pools them, the same bits.
      if (isRectified) {
        const hasNaN = v128.any_true(nans) ? 1 : 0;
        for (let y = oy; y < computedEnd; y++) store<i32>(ringNaNs + ((<usize>(y % ringRows)) << 2), hasNaN);
      }
      // The pooled rows whose windows' rows are all in the ring now.
      while (pooled < pooledEnd && min(outH, pooled * poolStrideH - poolPadTop + poolKH) <= computedEnd) {
        const windowTop = pooled * poolStrideH - poolPadTop;
        let isPseudoMaximum = isRectified;
        for (let y = max(0, windowTop); y < min(outH, windowTop + poolKH); y++)
          if (load<i32>(ringNaNs + ((<usize>(y % ringRows)) << 2)) != 0) isPseudoMaximum = false;
        poolRow(
          ring,
          ringRows,
          output + <usize>((image * poolOutH + pooled) * poolOutW) * pixelBytes,
          windowTop,
          poolKH,
          poolKW,
          poolStrideW,
          poolPadLeft,
          poolOutW,
          outH,
          outW,
          outC,
          isPseudoMaximum,
        );
        pooled++;
      }
    }
  }
}

/** f32x4.max, or where `isPseudo` (a constant once inlined) the one-instruction f32x4.pmax: the same bits without NaN. */
@inline
function maximum(a: v128, b: v128, isPseudo: bool): v128 {
  return isPseudo ? f32x4.pmax(a, b) : f32x4.max(a, b);
}

/** The maxima of a whole 3x3 window whose rows start at `upper`, `center` and `lower` into `to`, 4 channels a step. */
@inline
function poolWholeWindow(
  upper: usize,
  center: usize,
  lower: usize,
  pixelBytes: usize,
  to: usize,
  isPseudo: bool,
): void {
  const twoPixels = pixelBytes << 1;
  for (let offset: usize = 0; offset < pixelBytes; offset += 16) {
    const upperMaximum = maximum(
      maximum(v128.load(upper + offset), v128.load(upper + pixelBytes + offset), isPseudo),
      v128.load(upper + twoPixels + offset),
      isPseudo,
    );
    const centerMaximum = maximum(
      maximum(v128.load(center + offset), v128.load(center + pixelBytes + offset), isPseudo),
      v128.load(center + twoPixels + offset),
      isPseudo,
    );
    const lowerMaximum = maximum(
      maximum(v128.load(lower + offset), v128.load(lower + pixelBytes + offset), isPseudo),
      v128.load(lower + twoPixels + offset),
      isPseudo,
    );
    v128.store(to + offset, maximum(maximum(upperMaximum, centerMaximum, isPseudo), lowerMaximum, isPseudo));
  }
}
/**
 * One pooled row from the ring: window rows [top, top + poolKH) and, for pooled column x, columns [x poolStrideW -
 * poolPadLeft, + poolKW), both kept inside the convolution's output; the first tap seeds the maximum, f32x4.max takes
 * each tap (as maxPool2d.ts). The window's rows are looked up once a pooled row (a division each): looked up for
 * every 4 channels, the divisions cost more than the pool (ResNet-18's stem at batch 8, one thread).
 *   ring        [ringRows][outW][outC], convolution row y at y % ringRows
 *   destination [poolOutW][outC]
 */
function poolRow(
  ring: usize,
  ringRows: i32,
  destination: usize,
  top: i32,
  poolKH: i32,
  poolKW: i32,
  poolStrideW: i32,
  poolPadLeft: i32,
  poolOutW: i32,
  outH: i32,
  outW: i32,
  outC: i32,
  isPseudoMaximum: bool,
): void {
  const yStart = max(0, top);
  const yEnd = min(outH, top + poolKH);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>outW * pixelBytes;
  const firstLine = ring + <usize>(yStart % ringRows) * rowBytes;
  const isThreeRows = yEnd - yStart == 3;
  const secondLine = ring + <usize>((yStart + 1) % ringRows) * rowBytes;
  const thirdLine = ring + <usize>((yStart + 2) % ringRows) * rowBytes;
  for (let x = 0; x < poolOutW; x++) {
    const left = x * poolStrideW - poolPadLeft;
    const xStart = max(0, left);
    const xEnd = min(outW, left + poolKW);
    const to = destination + <usize>x * pixelBytes;
    const columnOffset = <usize>xStart * pixelBytes;
    if (isThreeRows && xEnd - xStart == 3) {
      // A whole 3x3 window, unrolled as in maxPool2d.ts; one maxps a pair where ReLU's output has no NaN (see
      // conv2dWinogradPolyphaseMaxPool).
      const upper = firstLine + columnOffset;
      if (isPseudoMaximum)
        poolWholeWindow(upper, secondLine + columnOffset, thirdLine + columnOffset, pixelBytes, to, true);
      else poolWholeWindow(upper, secondLine + columnOffset, thirdLine + columnOffset, pixelBytes, to, false);
      continue;
    }
    // Any other window: the destination keeps the maxima, tap by tap.
    memory.copy(to, firstLine + columnOffset, pixelBytes);
    for (let y = yStart; y < yEnd; y++) {
      const line = ring + <usize>(y % ringRows) * rowBytes;
      for (let column = xStart; column < xEnd; column++) {
        const tap = line + <usize>column * pixelBytes;
        for (let offset: usize = 0; offset < pixelBytes; offset += 16)
          v128.store(to + offset, f32x4.max(v128.load(to + offset), v128.load(tap + offset)));
      }
    }
  }
}

/**
 * The column half of Y = A^T M A (the header's forward A^T) for 4 output channels: M[xi] is read at source + xi *
 * plane, down its 8 columns, into rows 0-4 of `block` (8 vectors a row).
 */
function outputColumns(source: usize, plane: usize, block: usize): void {
  const rowStep = FORWARD_SIDE * plane;
  for (let c = 0; c < FORWARD_SIDE; c++) {
    const top = source + <usize>c * plane;
    const m0 = v128.load(top);
    const m1 = v128.load(top + rowStep),
      m2 = v128.load(top + 2 * rowStep);
    const m3 = v128.load(top + 3 * rowStep),
      m4 = v128.load(top + 4 * rowStep);
    const m5 = v128.load(top + 5 * rowStep),
      m6 = v128.load(top + 6 * rowStep);
    const sum12 = f32x4.add(m1, m2),
      difference12 = f32x4.sub(m1, m2);
    const sum34 = f32x4.add(m3, m4),
      difference34 = f32x4.sub(m3, m4);
    const sum56 = f32x4.add(m5, m6),
      difference56 = f32x4.sub(m5, m6);
    const column = block + ((<usize>c) << 4);
    v128.store(column, f32x4.add(f32x4.add(m0, sum12), f32x4.add(sum34, sum56)));
    v128.store(column + 128, oddOutput(difference12, difference34, difference56, 2, 0.5));
    v128.store(column + 256, evenOutput(sum12, sum34, sum56, 4, 0.25));
    v128.store(column + 384, oddOutput(difference12, difference34, difference56, 8, 0.125));
    v128.store(column + 512, f32x4.add(evenOutput(sum12, sum34, sum56, 16, 0.0625), v128.load(top + 7 * rowStep)));
  }
}

/**
 * V = B^T d B (winograd6.ts's B^T) of 4 phase tiles t0 .. t0 + 3 (those from `count` on zero), tiles FORWARD_TILE
 * pixels apart, every channel: V[xi] of tile u, channels ic .. ic + 3 at destination + xi `plane` + 16 (ic + u)
 * (gemmGroupedOperands's A), through `block` (BLOCK6_BYTES).
 */
function transformPhaseTiles(
  input: usize,
  t0: i32,
  count: i32,
  imageTiles: i32,
  tilesW: i32,
  inH: i32,
  inW: i32,
  inC: i32,
  block: usize,
  destination: usize,
  plane: usize,
): void {
  const zero = f32x4.splat(0);
  for (let u = 0; u < TILE_ROWS; u++) {
    const tileAt = destination + ((<usize>u) << 4);
    if (u >= count) {
      for (let ic = 0; ic < inC; ic += 4) {
        const at = tileAt + ((<usize>ic) << 4);
        for (let xi = 0; xi < FORWARD_POSITIONS; xi++) v128.store(at + <usize>xi * plane, zero);
      }
      continue;
    }
    const tileIndex = t0 + u;
    const image = tileIndex / imageTiles;
    const y0 = ((tileIndex % imageTiles) / tilesW) * FORWARD_TILE;
    const x0 = (tileIndex % tilesW) * FORWARD_TILE;
    for (let ic = 0; ic < inC; ic += 4)
      transformInputBlock6(input, image, y0, x0, ic, inH, inW, inC, block, tileAt + ((<usize>ic) << 4), plane);
  }
}

/**
 * Conv2DBackpropFilter of a polyphase convolution (see the header), as winograd.ts's winogradFilterGradient with
 * 5x5 output tiles and 64 positions (the forward's input transform on the phase image, the two transforms below),
 * but with the threads splitting the output channels in strips of 8, not the input channels: the phase image has
 * only 4 inC of those (3 blocks of 4 for RGB, which 2 threads would split 2 to 1), and each thread then transforms
 * only its dOut channels, the costlier transform, and all (few) input channels. Every sum keeps its order.
 * The transforms write the GEMMs' operands already packed (V as row tiles of 4 channels, W as strips of 8 output
 * channels, the chunk's tiles deep), so the GEMMs copy neither. ResNet-18's stem at batch 16, one thread, CPU time:
 * 53.6 -> 46.4 ms (gemm packed both operands of each of the 36 GEMMs a chunk, 12 x 64 sums 76 tiles deep).
 * Scratch: FilterTile | 4x8 tile | block (BLOCK6_BYTES) | M [64][inC][columns] | V [64][inC / 4][chunk][4] | W [64]
 * [columns / 8]
 * [chunk][8], columns = this thread's output channels (whole strips). Job record: that of conv2dWinogradFilter, 0 the
 * phase image, 1 dOut, 2 dFilter [kH, kW, inC / 4, outC], the phase geometry, 6 tiles per chunk.
 */
export function conv2dWinogradPolyphaseFilter(job: usize, threadIndex: i32, threadCount: i32): void {
  const scratch = scratchOf(job, threadIndex);
  const chunkTiles = intField(job, 6);
  const g = convGeometryOf(job);
  const input = pointerField(job, 0);
  const channels = g.inC;
  const outC = g.outC;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  const ocFirst = rangeStart(strips, 1, threadIndex, threadCount) * TILE_COLUMNS;
  const ocLast = min(outC, rangeEnd(strips, 1, threadIndex, threadCount) * TILE_COLUMNS);
  if (ocFirst >= ocLast) return;
  const columns = ocLast - ocFirst;
  const stripColumns = ((columns + TILE_COLUMNS - 1) / TILE_COLUMNS) * TILE_COLUMNS;
  const tilesW = (g.outW + FORWARD_TILE - 1) / FORWARD_TILE;
  const imageTiles = ((g.outH + FORWARD_TILE - 1) / FORWARD_TILE) * tilesW;
  const tiles = g.batch * imageTiles;
  const gemmTile = scratch + offsetof<FilterTile>();
  const block = gemmTile + <usize>(TILE_ROWS * TILE_COLUMNS * 4);
  const sums = block + BLOCK6_BYTES;
  const sumPlane = (<usize>channels * <usize>columns) << 2;
  const transformedInput = sums + FORWARD_POSITIONS * sumPlane;
  // Planes a cache line more than the chunk's values (chunkPlaneBytes): the transforms store across the 64.
  const inputPlane = chunkPlaneBytes(chunkTiles, channels);
  const transformedGradient = transformedInput + FORWARD_POSITIONS * inputPlane;
  const gradientPlane = chunkPlaneBytes(chunkTiles, stripColumns);
  const tile = changetype<FilterTile>(scratch);
  // The sums no GEMM writes (see positionRows) feed only taps past the kernel: zero, so that they hold no stale value.
  for (let xi = 0; xi < FORWARD_POSITIONS; xi++) {
    const rowEnd = positionRows(xi, channels >> 2, g.kH, g.kW);
    const rowBytes = (<usize>columns) << 2;
    memory.fill(sums + <usize>xi * sumPlane + <usize>rowEnd * rowBytes, 0, <usize>(channels - rowEnd) * rowBytes);
  }
  for (let start = 0; start < tiles; start += chunkTiles) {
    const count = min(chunkTiles, tiles - start);
    // Row tile r of V and strip s of W at each position: count vectors of 4 and of 8 floats.
    const rowTileBytes = (<usize>count) << 4;
    const stripBytes = (<usize>count) << 5;
    for (let t = 0; t < count; t++) {
      const index = start + t;
      const image = index / imageTiles;
      const oy = ((index % imageTiles) / tilesW) * FORWARD_TILE;
      const ox = (index % tilesW) * FORWARD_TILE;
      for (let ic = 0; ic < channels; ic += 4) {
        const at = transformedInput + <usize>(ic >> 2) * rowTileBytes + ((<usize>t) << 4);
        transformInputBlock6(
          input,
          image,
          oy - g.padTop,
          ox - g.padLeft,
          ic,
          g.inH,
          g.inW,
          channels,
          block,
          at,
          inputPlane,
        );
      }
      tile.block = block;
      tile.image = image;
      tile.oy = oy;
      tile.ox = ox;
      tile.first = ocFirst;
      tile.last = ocLast;
      tile.destination = transformedGradient + ((<usize>t) << 5);
      tile.plane = gradientPlane;
      filterDOutPolyphase(job, tile, stripBytes);
    }
    for (let xi = 0; xi < FORWARD_POSITIONS; xi++) {
      const strips = transformedGradient + <usize>xi * gradientPlane;
      const rowEnd = positionRows(xi, channels >> 2, g.kH, g.kW);
      for (let row = 0; row < rowEnd; row += TILE_ROWS) {
        multiplyPackedTile(
          transformedInput + <usize>xi * inputPlane + <usize>(row >> 2) * rowTileBytes,
          strips,
          sums + <usize>xi * sumPlane + ((<usize>row * <usize>columns) << 2),
          (<usize>columns) << 2,
          columns,
          count,
          min(TILE_ROWS, channels - row),
          start > 0,
          gemmTile,
        );
      }
    }
  }
  filterFinishPolyphase(job, block, sums, sumPlane, ocFirst, columns);
}

/**
 * Phase channels (a multiple of 4) whose sums at position xi = 8 k + l reach a filter tap: G^T's last column alone
 * takes position row 7 (column 7), into phase tap row a = 3 (column b = 3), filter row 6 + py (column 6 + px), past a
 * 7x7 kernel for the odd phases. The phases are the channel blocks 2 py + px of inC channels: for RGB, the GEMMs at
 * the 8 positions k = 7 run 2 of 3 row tiles, at (7, 7) 1, 9 of 192 fewer. With F(4x4, 3x3)'s 3x3 tiles (the same
 * rule at its position 5), ResNet-18's stem filter gradient at batch 16, one thread, CPU time, medians of 3
 * alternated runs: 45.4 -> 44.4 ms.
 */
function positionRows(xi: i32, inC: i32, kH: i32, kW: i32): i32 {
  const k = xi / FORWARD_SIDE;
  const l = xi % FORWARD_SIDE;
  let phases = 0;
  for (let phase = 0; phase < 4; phase++) {
    const isRowNeeded = k < FORWARD_SIDE - 1 || 6 + (phase >> 1) < kH;
    const isColumnNeeded = l < FORWARD_SIDE - 1 || 6 + (phase & 1) < kW;
    if (isRowNeeded && isColumnNeeded) phases = phase + 1;
  }
  return ((phases * inC + TILE_ROWS - 1) / TILE_ROWS) * TILE_ROWS;
}

/**
 * e -> A e for one line of five vectors (A the forward's A^T transposed, 8x5: w_k = sum over i of p_k^i e_i, w7 = e4),
 * the eight results at `base` + k `step`.
 */
@inline
function gradientLine(e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, base: usize, step: usize): void {
  const even = f32x4.add(f32x4.add(e0, e2), e4),
    odd = f32x4.add(e1, e3);
  const evenTwos = f32x4.add(f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2)), f32x4.mul(f32x4.splat(16), e4)),
    oddTwos = f32x4.add(f32x4.mul(f32x4.splat(2), e1), f32x4.mul(f32x4.splat(8), e3));
  const evenHalves = f32x4.add(f32x4.add(e0, f32x4.mul(f32x4.splat(0.25), e2)), f32x4.mul(f32x4.splat(0.0625), e4)),
    oddHalves = f32x4.add(f32x4.mul(f32x4.splat(0.5), e1), f32x4.mul(f32x4.splat(0.125), e3));
  v128.store(base, e0);
  v128.store(base + step, f32x4.add(even, odd));
  v128.store(base + 2 * step, f32x4.sub(even, odd));
  v128.store(base + 3 * step, f32x4.add(evenTwos, oddTwos));
  v128.store(base + 4 * step, f32x4.sub(evenTwos, oddTwos));
  v128.store(base + 5 * step, f32x4.add(evenHalves, oddHalves));
  v128.store(base + 6 * step, f32x4.sub(evenHalves, oddHalves));
  v128.store(base + 7 * step, e4);
}

/**
 * W = A E A^T of one tile (a FilterTileTransform), zero where the 5x5 block leaves the output: down E's columns
 * into `block` (8 rows of 8 vectors), then along its rows, each 4 channels into their strip of 8 (strips
 * `stripBytes` apart).
 */
function filterDOutPolyphase(job: usize, tile: FilterTile, stripBytes: usize): void {
  const g = convGeometryOf(job);
  const outC = g.outC;
  const block = tile.block;
  const plane = tile.plane;
  const zero = f32x4.splat(0);
  const pixelBytes = (<usize>outC) << 2;
  const rowBytes = <usize>g.outW * pixelBytes;
  const rows = min(FORWARD_TILE, g.outH - tile.oy);
  const columns = min(FORWARD_TILE, g.outW - tile.ox);
  const corner = pointerField(job, 1) + ((<usize>(((tile.image * g.outH + tile.oy) * g.outW + tile.ox) * outC)) << 2);
  for (let oc = tile.first; oc < tile.last; oc += 4) {
    for (let c = 0; c < FORWARD_TILE; c++) {
      const top = corner + <usize>c * pixelBytes + ((<usize>oc) << 2);
      const isColumn = c < columns;
      gradientLine(
        isColumn ? v128.load(top) : zero,
        isColumn && rows > 1 ? v128.load(top + rowBytes) : zero,
        isColumn && rows > 2 ? v128.load(top + 2 * rowBytes) : zero,
        isColumn && rows > 3 ? v128.load(top + 3 * rowBytes) : zero,
        isColumn && rows > 4 ? v128.load(top + 4 * rowBytes) : zero,
        block + ((<usize>c) << 4),
        128,
      );
    }
    const column = oc - tile.first;
    const target = tile.destination + <usize>(column >> 3) * stripBytes + ((<usize>(column & 7)) << 2);
    for (let r = 0; r < FORWARD_SIDE; r++) {
      const row = block + <usize>(r * 128);
      gradientLine(
        v128.load(row),
        v128.load(row, 16),
        v128.load(row, 32),
        v128.load(row, 48),
        v128.load(row, 64),
        target + <usize>(r * FORWARD_SIDE) * plane,
        plane,
      );
    }
  }
}

/** m -> G^T m for one line of eight vectors (G the forward's filter transform, filterLine): the four results at
 * `base` + a `step`. */
@inline
function finishLine(
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
  const sum12 = f32x4.mul(f32x4.add(m1, m2), f32x4.splat(-2.0 / 9.0)),
    difference12 = f32x4.mul(f32x4.sub(m1, m2), f32x4.splat(-2.0 / 9.0));
  const sum34 = f32x4.mul(f32x4.add(m3, m4), f32x4.splat(1.0 / 90.0)),
    difference34 = f32x4.mul(f32x4.sub(m3, m4), f32x4.splat(1.0 / 90.0));
  const sum56 = f32x4.mul(f32x4.add(m5, m6), f32x4.splat(32.0 / 45.0)),
    difference56 = f32x4.mul(f32x4.sub(m5, m6), f32x4.splat(32.0 / 45.0));
  v128.store(base, f32x4.add(f32x4.add(m0, sum12), f32x4.add(sum34, sum56)));
  v128.store(base + step, oddOutput(difference12, difference34, difference56, 2, 0.5));
  v128.store(base + 2 * step, evenOutput(sum12, sum34, sum56, 4, 0.25));
  v128.store(base + 3 * step, f32x4.add(oddOutput(difference12, difference34, difference56, 8, 0.125), m7));
}

/**
 * dFilter, output channels [ocFirst, ocFirst + columns), from the sums M [64][inC][columns]: G^T M G, down M's 8
 * columns into block rows 0-3, then along each row into block row 4 (the 4 taps of one row); phase tap (a, b) of phase channel (2 py + px) inC + c is filter tap (2 a + py, 2 b + px) of channel c,
 * kept inside the kH x kW kernel.
 */
function filterFinishPolyphase(
  job: usize,
  block: usize,
  sums: usize,
  sumPlane: usize,
  ocFirst: i32,
  columns: i32,
): void {
  const dFilter = pointerField(job, 2);
  const g = convGeometryOf(job);
  const outC = g.outC;
  const inC = g.inC >> 2;
  const kH = g.kH;
  const kW = g.kW;
  const line = block + 4 * 128;
  const rowStep = FORWARD_SIDE * sumPlane;
  for (let channel = 0; channel < g.inC; channel++) {
    const phase = channel / inC;
    const py = phase >> 1;
    const px = phase & 1;
    const c = channel % inC;
    for (let column = 0; column < columns; column += 4) {
      const oc = ocFirst + column;
      const source = sums + ((<usize>channel * <usize>columns + <usize>column) << 2);
      for (let q = 0; q < FORWARD_SIDE; q++) {
        const top = source + <usize>q * sumPlane;
        finishLine(
          v128.load(top),
          v128.load(top + rowStep),
          v128.load(top + 2 * rowStep),
          v128.load(top + 3 * rowStep),
          v128.load(top + 4 * rowStep),
          v128.load(top + 5 * rowStep),
          v128.load(top + 6 * rowStep),
          v128.load(top + 7 * rowStep),
          block + ((<usize>q) << 4),
          128,
        );
      }
      for (let a = 0; a < 4; a++) {
        const ky = 2 * a + py;
        if (ky >= kH) continue;
        const row = block + <usize>(a * 128);
        finishLine(
          v128.load(row),
          v128.load(row, 16),
          v128.load(row, 32),
          v128.load(row, 48),
          v128.load(row, 64),
          v128.load(row, 80),
          v128.load(row, 96),
          v128.load(row, 112),
          line,
          16,
        );
        for (let b = 0; b < 4; b++) {
          const kx = 2 * b + px;
          if (kx < kW)
            v128.store(
              dFilter + ((<usize>(((ky * kW + kx) * inC + c) * outC + oc)) << 2),
              v128.load(line + ((<usize>b) << 4)),
            );
        }
      }
    }
  }
}

/**
 * h -> G h for one line of four vectors (G = F(5x5, 4x4)'s filter transform, 8x4, on winograd6.ts's points: row k
 * is (p_k^0 .. p_k^3) scaled as that file's G rows, (0, 0, 0, 1) for infinity).
 */
@inline
function filterLine(h0: v128, h1: v128, h2: v128, h3: v128, base: usize, step: usize): void {
  const even = f32x4.add(h0, h2),
    odd = f32x4.add(h1, h3);
  const evenTwos = f32x4.add(h0, f32x4.mul(f32x4.splat(4), h2)),
    oddTwos = f32x4.add(f32x4.mul(f32x4.splat(2), h1), f32x4.mul(f32x4.splat(8), h3));
  const evenHalves = f32x4.add(h0, f32x4.mul(f32x4.splat(0.25), h2)),
    oddHalves = f32x4.add(f32x4.mul(f32x4.splat(0.5), h1), f32x4.mul(f32x4.splat(0.125), h3));
  v128.store(base, h0);
  v128.store(base + step, f32x4.mul(f32x4.add(even, odd), f32x4.splat(-2.0 / 9.0)));
  v128.store(base + 2 * step, f32x4.mul(f32x4.sub(even, odd), f32x4.splat(-2.0 / 9.0)));
  v128.store(base + 3 * step, f32x4.mul(f32x4.add(evenTwos, oddTwos), f32x4.splat(1.0 / 90.0)));
  v128.store(base + 4 * step, f32x4.mul(f32x4.sub(evenTwos, oddTwos), f32x4.splat(1.0 / 90.0)));
  v128.store(base + 5 * step, f32x4.mul(f32x4.add(evenHalves, oddHalves), f32x4.splat(32.0 / 45.0)));
  v128.store(base + 6 * step, f32x4.mul(f32x4.sub(evenHalves, oddHalves), f32x4.splat(32.0 / 45.0)));
  v128.store(base + 7 * step, h3);
}

/**
 * Packs a kH x kW filter for conv2dWinogradPolyphase: phase tap (a, b) of phase channel (2 py + px) inC + c is
 * filter tap (2 a + py, 2 b + px) of channel c (zero past the kernel), U = G h G^T (F(5x5, 4x4)'s G: filterLine)
 * at packed[8 k + l][strip][channel][j] for output channel 8 strip + j, zero past outC; threads split the strips.
 * Job record: that of conv2dWinogradPrepare (winograd4.ts), 0 filter [kH, kW, inC / 4, outC], 1 packed, the phase
 * geometry; its scratch block (BLOCK_BYTES) holds G h (8 rows of 4 vectors) and 4 taps.
 */
export function conv2dWinogradPolyphasePrepare(job: usize, threadIndex: i32, threadCount: i32): void {
  const filter = pointerField(job, 0);
  const packed = pointerField(job, 1);
  const block = scratchOf(job, threadIndex);
  const g = convGeometryOf(job);
  const depth = g.inC;
  const inC = depth >> 2;
  const outC = g.outC;
  const kH = g.kH;
  const kW = g.kW;
  const plane = packedFilterFloats(depth, outC) << 2;
  const strips = (outC + TILE_COLUMNS - 1) / TILE_COLUMNS;
  const stripEnd = rangeEnd(strips, 1, threadIndex, threadCount);
  const zero = f32x4.splat(0);
  for (let strip = rangeStart(strips, 1, threadIndex, threadCount); strip < stripEnd; strip++) {
    for (let channel = 0; channel < depth; channel++) {
      const phase = channel / inC;
      const py = phase >> 1;
      const px = phase & 1;
      const c = channel % inC;
      for (let quarter = 0; quarter < TILE_COLUMNS; quarter += 4) {
        const oc = strip * TILE_COLUMNS + quarter;
        const destination = packed + ((<usize>(strip * depth + channel) * TILE_COLUMNS + <usize>quarter) << 2);
        if (oc >= outC) {
          for (let xi = 0; xi < FORWARD_POSITIONS; xi++) v128.store(destination + <usize>xi * plane, zero);
          continue;
        }
        // Down each phase column b (its 4 taps at block row 8): G h into block[k][b].
        const taps = block + FORWARD_SIDE * 64;
        for (let b = 0; b < 4; b++) {
          const kx = 2 * b + px;
          for (let a = 0; a < 4; a++) {
            const ky = 2 * a + py;
            const isTap = ky < kH && kx < kW;
            const at = filter + ((<usize>(((ky * kW + kx) * inC + c) * outC + oc)) << 2);
            v128.store(taps + ((<usize>a) << 4), isTap ? v128.load(at) : zero);
          }
          filterLine(
            v128.load(taps),
            v128.load(taps, 16),
            v128.load(taps, 32),
            v128.load(taps, 48),
            block + ((<usize>b) << 4),
            64,
          );
        }
        // Along each row k: (G h) G^T into position 8 k + l.
        for (let k = 0; k < FORWARD_SIDE; k++) {
          const row = block + <usize>(k * 64);
          filterLine(
            v128.load(row),
            v128.load(row, 16),
            v128.load(row, 32),
            v128.load(row, 48),
            destination + <usize>(k * FORWARD_SIDE) * plane,
            plane,
          );
        }
      }
    }
  }
}
