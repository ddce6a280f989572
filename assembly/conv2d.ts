// Convolution kernels of the WebAssembly SIMD backend, as im2col + GEMM (see gemm.ts). Layouts:
// activations NHWC, filters [kH, kW, inC, outC]. The backward pass follows the derivation in
// src/kernels/js/conv2d.ts. Work is split over threads by output rows so sums never depend on the
// thread count: forward by output pixels, backprop-input by input pixels (gathering, not
// scattering), backprop-filter by rows of the [kH*kW*inC, outC] filter gradient.
//
// Job record (fields of 4 bytes; see job.ts):
//   0 first buffer, 1 second buffer, 2 third buffer (0 when absent), 3 fourth buffer or 0,
//   4 scratch base, 5 scratch bytes per thread, 6 panel rows,
//   7 batch, 8 inH, 9 inW, 10 inC, 11 outH, 12 outW, 13 outC, 14 kH, 15 kW, 16 strideH, 17 strideW, 18 padTop, 19 padLeft,
//   20 unused here (winograd.ts: isBackpropInput), 21 unused (the activation is field 26),
//   22 dilationH, 23 dilationW, 24 groups,
//   25-28 (Conv2D only) the epilogue: residual, activation code, alpha, beta (see epilogue.ts),
//   29 (Conv2D only) isPreparedFilter: 1 when the filter buffer holds gemm.ts's packStrips form of
//      the [kH*kW*inC, outC] filter (one group only; see packFilterStrips); the output stage then
//      runs inside gemmPackedFinished as each tile is done, otherwise after each panel
// Groups: the filter is [kH, kW, inC / groups, outC]; output channels [g * outC / groups, ...) see only
// input channels [g * inC / groups, ...). Each group is one im2col + GEMM over its channel slice,
// reading and writing the full NHWC rows with a row stride (no copies of the slices).
// Buffers: Conv2D (input, filter, bias, output); Conv2DBackpropInput (dOut, filter, dInput);
// Conv2DBackpropFilter (input, dOut, dFilter).
// packFilterStrips has its own record: 0 filter [k, n], 1 packed (packedStripsFloats(k, n)), 2 k, 3 n.

import { epilogueOf, finishRows, hasEpilogue } from './epilogue';
import { GEMM_SCRATCH_BYTES, TILE_COLUMNS, TILE_ROWS, gemm, gemmPackedFinished, packStrips } from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf, ConvGeometry } from './job';

/** Copies `count` floats (a pixel's channels), or zero-fills them when `source` is 0 (padding). */
@inline function copyChannels(destination: usize, source: usize, count: i32): void {
  if (source == 0) memory.fill(destination, 0, <usize>count << 2);
  else copyFloats(destination, source, count);
}

/** Which input channels an im2col reads, and the spacing of the kernel taps. */
@unmanaged class Slice {
  channelOffset: i32;
  channels: i32;
  dilationH: i32;
  dilationW: i32;
}

/** The slice of group `group` of a job (fields 22-24), in a caller-provided record. */
@inline function sliceOf(job: usize, g: ConvGeometry, group: i32, slice: Slice): Slice {
  const channels = g.inC / intField(job, 24);
  slice.channelOffset = group * channels;
  slice.channels = channels;
  slice.dilationH = intField(job, 22);
  slice.dilationW = intField(job, 23);
  return slice;
}

/**
 * im2col, restricted to panel columns [columnStart, columnEnd): panel[r, c - columnStart] = column c
 * of the full im2col row of output pixel pixelStart + r, where column (ky * kW + kx) * channels + i is
 * the input at tap (ky * dilationH, kx * dilationW), channel channelOffset + i (zero where the tap
 * falls in the padding). Undilated taps of one kernel row over all channels are adjacent in memory,
 * so then each row's valid part is one contiguous copy; otherwise each tap is copied on its own.
 */
function im2col(g: ConvGeometry, input: usize, pixelStart: i32, pixels: i32, panel: usize, columnStart: i32, columnEnd: i32, slice: Slice): void {
  // Locals, not g.field in the loops: stores to the panel may alias the job record.
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const channels = slice.channels;
  const channelOffset = slice.channelOffset;
  const dilationH = slice.dilationH;
  const dilationW = slice.dilationW;
  const isContiguous = dilationW == 1 && channels == inC;
  const width = columnEnd - columnStart;
  const rowColumns = kW * channels;
  const imagePixels = g.outH * outW;
  for (let r = 0; r < pixels; r++) {
    const pixel = pixelStart + r;
    const image = pixel / imagePixels;
    const oy = (pixel % imagePixels) / outW;
    const ox = pixel % outW;
    const ixStart = ox * strideW - padLeft;
    // Columns of a kernel row that fall inside the image: taps kx in [kxStart, kxEnd).
    const validStart = max(0, -ixStart) * inC;
    const validEnd = min(kW, inW - ixStart) * inC;
    const destinationRow = panel + (<usize>r * <usize>width << 2);
    for (let ky = 0; ky < kH; ky++) {
      const rowStart = ky * rowColumns;
      const from = max(columnStart, rowStart);
      const to = min(columnEnd, rowStart + rowColumns);
      if (from >= to) continue;
      const destination = destinationRow + (<usize>(from - columnStart) << 2);
      const iy = oy * strideH - padTop + ky * dilationH;
      if (iy < 0 || iy >= inH) {
        memory.fill(destination, 0, <usize>(to - from) << 2);
        continue;
      }
      if (!isContiguous) {
        const rowPixels = input + (<usize>((image * inH + iy) * inW) * <usize>inC << 2);
        for (let kx = 0; kx < kW; kx++) {
          const tapStart = rowStart + kx * channels;
          const tapFrom = max(from, tapStart);
          const tapTo = min(to, tapStart + channels);
          if (tapFrom >= tapTo) continue;
          const tapDestination = destinationRow + (<usize>(tapFrom - columnStart) << 2);
          const ix = ixStart + kx * dilationW;
          if (ix < 0 || ix >= inW) {
            memory.fill(tapDestination, 0, <usize>(tapTo - tapFrom) << 2);
          } else {
            copyFloats(tapDestination, rowPixels + (<usize>(ix * inC + channelOffset + tapFrom - tapStart) << 2), tapTo - tapFrom);
          }
        }
        continue;
      }
      // Within this kernel row: zeros, then input pixels ixStart + kx, then zeros.
      const copyFrom = min(max(rowStart + validStart, from), to);
      const copyTo = min(max(rowStart + max(validStart, validEnd), copyFrom), to);
      if (copyFrom > from) memory.fill(destination, 0, <usize>(copyFrom - from) << 2);
      if (copyTo > copyFrom) {
        const source = input + (<usize>(((image * inH + iy) * inW + ixStart) * inC + copyFrom - rowStart) << 2);
        copyFloats(destination + (<usize>(copyFrom - from) << 2), source, copyTo - copyFrom);
      }
      if (to > copyTo) memory.fill(destination + (<usize>(copyTo - from) << 2), 0, <usize>(to - copyTo) << 2);
    }
  }
}

/** Floats below which copyFloats copies in a loop rather than with memory.copy. */
const SHORT_COPY_FLOATS: i32 = 64;

/**
 * Copies `count` floats; runs shorter than SHORT_COPY_FLOATS 4 at a time, then one by one (a bulk copy
 * is a call into the engine: the stem's im2col on 3 channels copies 9 floats per kernel row, and
 * there the call cost most of the convolution's time).
 */
@inline function copyFloats(destination: usize, source: usize, count: i32): void {
  if (count < SHORT_COPY_FLOATS) {
    const vectorEnd = count & ~3;
    for (let index = 0; index < vectorEnd; index += 4) v128.store(destination + (<usize>index << 2), v128.load(source + (<usize>index << 2)));
    for (let index = vectorEnd; index < count; index++) store<f32>(destination + (<usize>index << 2), load<f32>(source + (<usize>index << 2)));
  } else {
    memory.copy(destination, source, <usize>count << 2);
  }
}

/**
 * Conv2D: output [batch*outH*outW, outC] = im2col(input) [.., kH*kW*inC] x filter [kH*kW*inC, outC] + bias.
 * Threads split the output pixels; with a prepared filter and no more pixels than output channels
 * (deep layers at batch 1: 7x7x512 has 49 pixels), they split the output channels instead, in whole
 * 8-column strips, so each thread reads only its share of the filter (every thread then builds the
 * same im2col panels, which cost k floats a pixel against the k * outC multiply-adds).
 */
export function conv2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const scratch = scratchOf(job, threadIndex);
  const panelRows = intField(job, 6);
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const groups = intField(job, 24);
  const isPrepared = intField(job, 29) != 0;
  const hasFinish = bias != 0 || hasEpilogue(epilogueOf(job));
  const outC = g.outC;
  const groupOutC = outC / groups;
  const slice = changetype<Slice>(scratch + <usize>GEMM_SCRATCH_BYTES);
  const pixels = g.batch * g.outH * g.outW;
  const depth = g.kH * g.kW * (g.inC / groups);
  const panel = scratch + <usize>GEMM_SCRATCH_BYTES + 16;
  const isColumnSplit = isPrepared && threadCount > 1 && pixels <= outC;
  const first = isColumnSplit ? 0 : rangeStart(pixels, TILE_ROWS, threadIndex, threadCount);
  const last = isColumnSplit ? pixels : rangeEnd(pixels, TILE_ROWS, threadIndex, threadCount);
  const columnStart = isColumnSplit ? rangeStart(outC, TILE_COLUMNS, threadIndex, threadCount) : 0;
  const columnEnd = isColumnSplit ? rangeEnd(outC, TILE_COLUMNS, threadIndex, threadCount) : outC;
  if (columnStart >= columnEnd) return;
  // 1x1, stride 1, no padding (on any side: the output is the input's size), one group: the input
  // already is the im2col panel.
  const isPointwise = groups == 1 && g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
    g.outH == g.inH && g.outW == g.inW;
  for (let start = first; start < last; start += panelRows) {
    const rows = min(panelRows, last - start);
    const outputRows = output + (<usize>start * <usize>outC << 2);
    for (let group = 0; group < groups; group++) {
      let a = panel;
      if (isPointwise) {
        a = input + (<usize>start * <usize>depth << 2);
      } else {
        im2col(g, input, start, rows, panel, 0, depth, sliceOf(job, g, group, slice));
      }
      if (isPrepared) {
        const finishJob = hasFinish ? job : 0;
        gemmPackedFinished(a, depth, 1, filter, outputRows, outC, rows, outC, depth, 0, rows, columnStart, columnEnd, false, scratch, finishJob, bias, start);
      } else {
        const columnOffset = <usize>(group * groupOutC) << 2;
        gemm(a, depth, 1, filter + columnOffset, outC, outputRows + columnOffset, outC, rows, groupOutC, depth, 0, rows, false, scratch);
      }
    }
    if (hasFinish && !isPrepared) finishRows(job, output, bias, start, rows, outC);
  }
}

/** The prepared form of a constant filter [k, n] for Conv2D (field 29): gemm.ts's packStrips. One thread. */
export function packFilterStrips(job: usize, threadIndex: i32, threadCount: i32): void {
  if (threadIndex != 0) return;
  const n = intField(job, 3);
  packStrips(pointerField(job, 0), n, intField(job, 2), n, pointerField(job, 1));
}

/**
 * Conv2DBackpropInput, as a gather: for each input pixel, panel row = the dOut rows of every output
 * pixel whose window covers it, tap by tap (zero where none does, e.g. between strides); then
 * dInput [pixels, inC] = panel [pixels, kH*kW*outC] x rearranged [kH*kW*outC, inC], where
 * rearranged[(ky * kW + kx) * outC + oc, ic] = filter[ky, kx, ic, oc]. With groups, each group g
 * gathers its own dOut channels and fills its own dInput channels, with its block of rearranged.
 */
export function conv2dBackpropInput(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const scratch = scratchOf(job, threadIndex);
  const panelRows = intField(job, 6);
  const dOut = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  // Locals, not g.field in the loops: stores may alias the job record.
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const groups = intField(job, 24);
  const groupInC = inC / groups;
  const groupOutC = outC / groups;
  const depth = kH * kW * groupOutC;
  // Group g's block: rearranged_g[tap * groupOutC + m, i] = filter[tap, i, g * groupOutC + m], [depth, groupInC].
  const blockFloats = <usize>depth * <usize>groupInC;
  const rearranged = scratch + <usize>GEMM_SCRATCH_BYTES;
  const panel = rearranged + ((blockFloats * <usize>groups + 8) << 2);
  for (let group = 0; group < groups; group++) {
    const block = rearranged + (blockFloats * <usize>group << 2);
    for (let tap = 0; tap < kH * kW; tap++) {
      for (let i = 0; i < groupInC; i++) {
        for (let m = 0; m < groupOutC; m++) {
          const weight = load<f32>(filter + ((<usize>(tap * groupInC + i) * <usize>outC + <usize>(group * groupOutC + m)) << 2));
          store<f32>(block + ((<usize>(tap * groupOutC + m) * <usize>groupInC + <usize>i) << 2), weight);
        }
      }
    }
  }
  const pixels = g.batch * inH * inW;
  const imagePixels = inH * inW;
  const first = rangeStart(pixels, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(pixels, TILE_ROWS, threadIndex, threadCount);
  for (let start = first; start < last; start += panelRows) {
    const rows = min(panelRows, last - start);
    for (let group = 0; group < groups; group++) {
      for (let r = 0; r < rows; r++) {
        const pixel = start + r;
        const image = pixel / imagePixels;
        const iy = (pixel % imagePixels) / inW;
        const ix = pixel % inW;
        let destination = panel + (<usize>r * <usize>depth << 2);
        for (let ky = 0; ky < kH; ky++) {
          const rowOffset = iy + padTop - ky * dilationH;
          const oy = rowOffset / strideH;
          const hasRow = rowOffset >= 0 && rowOffset % strideH == 0 && oy < outH;
          for (let kx = 0; kx < kW; kx++) {
            const columnOffset = ix + padLeft - kx * dilationW;
            const ox = columnOffset / strideW;
            const isCovered = hasRow && columnOffset >= 0 && columnOffset % strideW == 0 && ox < outW;
            const source = isCovered ? dOut + (<usize>(((image * outH + oy) * outW + ox) * outC + group * groupOutC) << 2) : 0;
            copyChannels(destination, source, groupOutC);
            destination += <usize>groupOutC << 2;
          }
        }
      }
      const block = rearranged + (blockFloats * <usize>group << 2);
      const dInputRows = dInput + ((<usize>start * <usize>inC + <usize>(group * groupInC)) << 2);
      gemm(panel, depth, 1, block, groupInC, dInputRows, inC, rows, groupInC, depth, 0, rows, false, scratch);
    }
  }
}

/**
 * Conv2DBackpropFilter: dFilter [kH*kW*inC, outC] = sum over pixel blocks of
 * im2col(input)^T [kH*kW*inC, block] x dOut [block, outC]. Threads own rows of dFilter (and build
 * only the im2col columns of those rows), and every row sums the blocks in the same order,
 * whatever the thread count.
 */
export function conv2dBackpropFilter(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const scratch = scratchOf(job, threadIndex);
  const panelRows = intField(job, 6);
  const input = pointerField(job, 0);
  const dOut = pointerField(job, 1);
  const dFilter = pointerField(job, 2);
  const groups = intField(job, 24);
  const outC = g.outC;
  const groupOutC = outC / groups;
  const slice = changetype<Slice>(scratch + <usize>GEMM_SCRATCH_BYTES);
  const pixels = g.batch * g.outH * g.outW;
  const depth = g.kH * g.kW * (g.inC / groups);
  const panel = scratch + <usize>GEMM_SCRATCH_BYTES + 16;
  const first = rangeStart(depth, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(depth, TILE_ROWS, threadIndex, threadCount);
  if (first >= last) return;
  const width = last - first;
  const rows = dFilter + (<usize>first * <usize>outC << 2);
  for (let start = 0; start < pixels; start += panelRows) {
    const count = min(panelRows, pixels - start);
    for (let group = 0; group < groups; group++) {
      im2col(g, input, start, count, panel, first, last, sliceOf(job, g, group, slice));
      const columnOffset = <usize>(group * groupOutC) << 2;
      gemm(panel, 1, width, dOut + (<usize>start * <usize>outC << 2) + columnOffset, outC, rows + columnOffset, outC, width, groupOutC, count, 0, width, start > 0, scratch);
    }
  }
}
