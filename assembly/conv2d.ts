// Convolution kernels of the WebAssembly SIMD backend, as im2col + GEMM (see gemm.ts; few input channels
// in training: windows packed in place, see conv2dWindows). Layouts:
// activations NHWC, filters [kH, kW, inC, outC]. The backward pass follows the derivation in
// src/kernels/js/conv2d.ts. Work is split over threads by output rows so sums never depend on the
// thread count: forward by output pixels, backprop-input by input pixels (gathering, not
// scattering), backprop-filter by rows of the [kH*kW*inC, outC] filter gradient (by its columns
// for 1x1 layers with more output than input channels).
//
// Job record (fields of 4 bytes; see job.ts):
//   0 first buffer, 1 second buffer, 2 third buffer (0 when absent), 3 fourth buffer or 0,
//   4 scratch base, 5 scratch bytes per thread, 6 panel rows,
//   7 batch, 8 inH, 9 inW, 10 inC, 11 outH, 12 outW, 13 outC, 14 kH, 15 kW, 16 strideH, 17 strideW, 18 padTop, 19
//   padLeft, 20 unused here (winograd.ts: isBackpropInput), 21 unused (the activation is field 26),
//   22 dilationH, 23 dilationW, 24 groups,
//   25-28 (Conv2D only) the epilogue: residual, activation code, alpha, beta (see epilogue.ts),
//   29 (Conv2D only) isPreparedFilter: 1 when the filter buffer holds gemm.ts's packStrips form of
//      the [kH*kW*inC, outC] filter (one group only; see packFilterStrips); the output stage then
//      runs inside gemmPackedFinished as each tile is done, otherwise after each panel
//   30 (Conv2D only) input scale: 0, or [batch, inC] factors the input is read times, per image and
//      channel (a squeeze-and-excitation gate), for prepared 1x1 stride-1 unpadded filters only (the
//      caller checks): gemm.ts applies them as it packs the input
// Groups: the filter is [kH, kW, inC / groups, outC]; output channels [g * outC / groups, ...) see only
// input channels [g * inC / groups, ...). Each group is one im2col + GEMM over its channel slice,
// reading and writing the full NHWC rows with a row stride (no copies of the slices).
// Buffers: Conv2D (input, filter, bias, output); Conv2DBackpropInput (dOut, filter, dInput);
// Conv2DBackpropFilter (input, dOut, dFilter).
// packFilterStrips has its own record: 0 filter [k, n], 1 packed (packedStripsFloats(k, n)), 2 k, 3 n.

import { epilogueOf, finishRows, hasEpilogue } from './epilogue';
import {
  COLUMN_BLOCK,
  DEPTH_BLOCK,
  GEMM_SCRATCH_BYTES,
  TILE_COLUMNS,
  TILE_ROWS,
  IN_PLACE_COLUMNS,
  IN_PLACE_MIN_DEPTH,
  NARROW_COLUMNS,
  NARROW_FILTER_FLOATS,
  gemm,
  gemmInPlaceFinished,
  gemmNarrowFinished,
  gemmPackedFinished,
  packedStripsFloats,
  multiplyPackedTile,
  packRows,
  packStrips,
  storeTransposed4x4,
} from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf, ConvGeometry } from './job';

/** Copies `count` floats (a pixel's channels), or zero-fills them when `source` is 0 (padding). */
@inline
function copyChannels(destination: usize, source: usize, count: i32): void {
  if (source == 0) memory.fill(destination, 0, (<usize>count) << 2);
  else copyFloats(destination, source, count);
}

/** Which input channels an im2col reads, and the spacing of the kernel taps. */
@unmanaged
class Slice {
  channelOffset: i32;
  channels: i32;
  dilationH: i32;
  dilationW: i32;
}

/** The slice of group `group` of a job (fields 22-24), in a caller-provided record. */
@inline
function sliceOf(job: usize, g: ConvGeometry, group: i32, slice: Slice): Slice {
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
function im2col(
  g: ConvGeometry,
  input: usize,
  pixelStart: i32,
  pixels: i32,
  panel: usize,
  columnStart: i32,
  columnEnd: i32,
  slice: Slice,
): void {
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
  const outH = g.outH;
  const imagePixels = outH * outW;
  // Undilated taps over all channels: the fast path below applies to windows inside the image.
  const isUndilated = isContiguous && dilationH == 1;
  const rowBytes = (<usize>inW * <usize>inC) << 2;
  // The output pixel's coordinates, stepped along rather than divided out for every pixel.
  let image = pixelStart / imagePixels;
  let oy = (pixelStart % imagePixels) / outW;
  let ox = (pixelStart % outW) - 1;
  for (let r = 0; r < pixels; r++) {
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        image++;
      }
    }
    const ixStart = ox * strideW - padLeft;
    // Columns of a kernel row that fall inside the image: taps kx in [kxStart, kxEnd).
    const validStart = max(0, -ixStart) * inC;
    const validEnd = min(kW, inW - ixStart) * inC;
    const destinationRow = panel + ((<usize>r * <usize>width) << 2);
    const iyStart = oy * strideH - padTop;
    if (isUndilated && ixStart >= 0 && ixStart + kW <= inW && iyStart >= 0 && iyStart + kH <= inH) {
      // The window lies inside the image: each kernel row's share of the columns is one copy, with no
      // padding to work out (the 224x224x3 stem at batch 16, one thread: the forward pass 101 -> 96 ms).
      const window = input + ((<usize>(((image * inH + iyStart) * inW + ixStart) * inC)) << 2);
      for (let ky = 0; ky < kH; ky++) {
        const rowStart = ky * rowColumns;
        const from = max(columnStart, rowStart);
        const to = min(columnEnd, rowStart + rowColumns);
        if (from >= to) continue;
        const source = window + <usize>ky * rowBytes + ((<usize>(from - rowStart)) << 2);
        copyFloats(destinationRow + ((<usize>(from - columnStart)) << 2), source, to - from);
      }
      continue;
    }
    for (let ky = 0; ky < kH; ky++) {
      const rowStart = ky * rowColumns;
      const from = max(columnStart, rowStart);
      const to = min(columnEnd, rowStart + rowColumns);
      if (from >= to) continue;
      const destination = destinationRow + ((<usize>(from - columnStart)) << 2);
      const iy = oy * strideH - padTop + ky * dilationH;
      if (iy < 0 || iy >= inH) {
        fillZeros(destination, to - from);
        continue;
      }
      if (!isContiguous) {
        const rowPixels = input + ((<usize>((image * inH + iy) * inW) * <usize>inC) << 2);
        for (let kx = 0; kx < kW; kx++) {
          const tapStart = rowStart + kx * channels;
          const tapFrom = max(from, tapStart);
          const tapTo = min(to, tapStart + channels);
          if (tapFrom >= tapTo) continue;
          const tapDestination = destinationRow + ((<usize>(tapFrom - columnStart)) << 2);
          const ix = ixStart + kx * dilationW;
          if (ix < 0 || ix >= inW) {
            fillZeros(tapDestination, tapTo - tapFrom);
          } else {
            copyFloats(
              tapDestination,
              rowPixels + ((<usize>(ix * inC + channelOffset + tapFrom - tapStart)) << 2),
              tapTo - tapFrom,
            );
          }
        }
        continue;
      }
      // Within this kernel row: zeros, then input pixels ixStart + kx, then zeros.
      const copyFrom = min(max(rowStart + validStart, from), to);
      const copyTo = min(max(rowStart + max(validStart, validEnd), copyFrom), to);
      if (copyFrom > from) fillZeros(destination, copyFrom - from);
      if (copyTo > copyFrom) {
        const source = input + ((<usize>(((image * inH + iy) * inW + ixStart) * inC + copyFrom - rowStart)) << 2);
        copyFloats(destination + ((<usize>(copyFrom - from)) << 2), source, copyTo - copyFrom);
      }
      if (to > copyTo) fillZeros(destination + ((<usize>(copyTo - from)) << 2), to - copyTo);
    }
  }
}

/** Zero-fills `count` floats: short runs as copyFloats copies them, longer ones with memory.fill. */
@inline
function fillZeros(destination: usize, count: i32): void {
  if (count < SHORT_COPY_FLOATS) {
    const zero = f32x4.splat(0);
    const vectorEnd = count & ~3;
    for (let index = 0; index < vectorEnd; index += 4) v128.store(destination + ((<usize>index) << 2), zero);
    for (let index = vectorEnd; index < count; index++) store<f32>(destination + ((<usize>index) << 2), 0);
  } else {
    memory.fill(destination, 0, (<usize>count) << 2);
  }
}

/** Floats below which copyFloats copies in a loop rather than with memory.copy. */
const SHORT_COPY_FLOATS: i32 = 64;

/**
 * Copies `count` floats; runs shorter than SHORT_COPY_FLOATS 4 at a time, then one by one (a bulk copy
 * is a call into the engine: the stem's im2col on 3 channels copies 9 floats per kernel row, and
 * there the call cost most of the convolution's time).
 */
@inline
function copyFloats(destination: usize, source: usize, count: i32): void {
  if (count < SHORT_COPY_FLOATS) {
    const vectorEnd = count & ~3;
    for (let index = 0; index < vectorEnd; index += 4)
      v128.store(destination + ((<usize>index) << 2), v128.load(source + ((<usize>index) << 2)));
    for (let index = vectorEnd; index < count; index++)
      store<f32>(destination + ((<usize>index) << 2), load<f32>(source + ((<usize>index) << 2)));
  } else {
    memory.copy(destination, source, (<usize>count) << 2);
  }
}

// Windows read in place, in the forward pass of training (the stems: ResNet's 7x7 stride-2 convolution of
// 3 channels, MobileNetV2's and EfficientNet's 3x3 stride-2 one). For few input channels, im2col copies
// k = kH*kW*inC floats per output pixel into a panel that GEMM then reads again to pack it; here each
// 4-pixel row tile of A is packed straight from the input instead: a window's kernel row is kW*inC
// contiguous floats of an input row, so 4 windows inside the image pack by 4x4 transposes, as packRows
// does a panel. Each output sums its depth in order, one multiply-add a step, as in gemm: the results are
// im2col + GEMM's bit for bit, on any thread count. Tiles with a window across the padding (or an image
// edge) still go through im2col. Measured (one thread, CPU time, min of 15 calls, 4 interleaved rounds):
// ResNet-18's stem at batch 16, 91.6-93.6 -> 86.0-88.6 ms; MobileNetV2's at batch 8, 7.7 -> 7.0 ms.
// NOTE: the same in place packing of the filter gradient's tiles (4 im2col columns, one vector load a
// pixel) measured slower than im2col + GEMM there (ResNet-18's stem, 95 -> 122 ms): the window's
// position, worked out again for every tile of 4 columns, cost more than the panel's copy. Prepared
// filters (inference) measured the same either way (85-90 ms) and keep gemmPackedFinished, which
// finishes the tiles in registers.

/** Largest input channel count that reads windows in place (isWindowed). */
const WINDOW_CHANNELS: i32 = 4;

/**
 * Whether a convolution job reads its windows in place (conv2dWindows): one group, undilated, at most
 * WINDOW_CHANNELS input channels, a window of more than one tap whose im2col row k fits one depth block,
 * and at most COLUMN_BLOCK output channels (so the filter's strips fit gemm's scratch).
 */
function isWindowed(job: usize, g: ConvGeometry): bool {
  const depth = g.kH * g.kW * g.inC;
  return (
    intField(job, 24) == 1 &&
    intField(job, 22) == 1 &&
    intField(job, 23) == 1 &&
    g.inC <= WINDOW_CHANNELS &&
    depth > g.inC &&
    depth <= DEPTH_BLOCK &&
    g.outC <= COLUMN_BLOCK
  );
}

/** The window of output pixel `pixel` (its top-left float in the input) when it lies inside the image, else 0. */
@inline
function windowInside(g: ConvGeometry, input: usize, pixel: i32): usize {
  const imagePixels = g.outH * g.outW;
  const image = pixel / imagePixels;
  const iy = ((pixel % imagePixels) / g.outW) * g.strideH - g.padTop;
  const ix = (pixel % g.outW) * g.strideW - g.padLeft;
  if (iy < 0 || ix < 0 || iy + g.kH > g.inH || ix + g.kW > g.inW) return 0;
  return input + ((<usize>(((image * g.inH + iy) * g.inW + ix) * g.inC)) << 2);
}

/**
 * Packs the im2col rows of output pixels [pixel, pixel + rows) as packRows does a panel's:
 * pack[c * 4 + r] = column c of pixel + r's im2col row (zero in the padding and for r >= rows), all
 * depth = kH*kW*inC columns. Tiles of 4 windows inside the image take 4x4 transposes of their kernel
 * rows; others go through im2col into `panel` (4 x depth floats of scratch).
 */
function packWindowRows(
  g: ConvGeometry,
  input: usize,
  pixel: i32,
  rows: i32,
  pack: usize,
  panel: usize,
  depth: i32,
  slice: Slice,
): void {
  const kH = g.kH;
  const rowColumns = g.kW * g.inC;
  const rowBytes = (<usize>g.inW * <usize>g.inC) << 2;
  if (rows == TILE_ROWS) {
    const window0 = windowInside(g, input, pixel);
    const window1 = windowInside(g, input, pixel + 1);
    const window2 = windowInside(g, input, pixel + 2);
    const window3 = windowInside(g, input, pixel + 3);
    if (window0 != 0 && window1 != 0 && window2 != 0 && window3 != 0) {
      const vectorColumns = rowColumns & ~3;
      let destination = pack;
      for (let ky = 0; ky < kH; ky++) {
        const offset = <usize>ky * rowBytes;
        for (let c = 0; c < vectorColumns; c += 4) {
          const at = offset + ((<usize>c) << 2);
          const x0 = v128.load(window0 + at);
          const x1 = v128.load(window1 + at);
          const x2 = v128.load(window2 + at);
          const x3 = v128.load(window3 + at);
          storeTransposed4x4(x0, x1, x2, x3, destination, 16);
          destination += 64;
        }
        for (let c = vectorColumns; c < rowColumns; c++) {
          const at = offset + ((<usize>c) << 2);
          store<f32>(destination, load<f32>(window0 + at));
          store<f32>(destination, load<f32>(window1 + at), 4);
          store<f32>(destination, load<f32>(window2 + at), 8);
          store<f32>(destination, load<f32>(window3 + at), 12);
          destination += 16;
        }
      }
      return;
    }
  }
  // Windows reaching into the padding, or a partial tile: im2col's rows, then packed as gemm packs a panel.
  im2col(g, input, pixel, rows, panel, 0, depth, slice);
  packRows(panel, depth, 1, 0, rows, 0, depth, pack);
}

/**
 * Conv2D on windows read in place (isWindowed), output pixels [first, last) of this thread: the filter
 * packed into strips once per call (gemm's scratch), then each row tile packed from the input and
 * multiplied; the output stage after each panelRows pixels, as conv2d's.
 */
function conv2dWindows(job: usize, g: ConvGeometry, scratch: usize, first: i32, last: i32): void {
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const panelRows = intField(job, 6);
  const outC = g.outC;
  const depth = g.kH * g.kW * g.inC;
  const pack = scratch;
  const packedB = scratch + <usize>(DEPTH_BLOCK * TILE_ROWS * 4);
  const tile = packedB + <usize>(DEPTH_BLOCK * COLUMN_BLOCK * 4);
  const slice = sliceOf(job, g, 0, changetype<Slice>(scratch + <usize>GEMM_SCRATCH_BYTES));
  const panel = scratch + <usize>GEMM_SCRATCH_BYTES + 16;
  packStrips(filter, outC, depth, outC, packedB);
  const hasFinish = bias != 0 || hasEpilogue(epilogueOf(job));
  const rowBytes = (<usize>outC) << 2;
  for (let start = first; start < last; start += panelRows) {
    const end = min(last, start + panelRows);
    for (let pixel = start; pixel < end; pixel += TILE_ROWS) {
      const rows = min(TILE_ROWS, end - pixel);
      packWindowRows(g, input, pixel, rows, pack, panel, depth, slice);
      multiplyPackedTile(pack, packedB, output + <usize>pixel * rowBytes, rowBytes, outC, depth, rows, false, tile);
    }
    if (hasFinish) finishRows(job, output, bias, start, end - start, outC);
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
  const inputScale = pointerField(job, 30);
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
  if (!isPrepared && isWindowed(job, g)) {
    conv2dWindows(job, g, scratch, first, last);
    return;
  }
  // 1x1, stride 1, no padding (on any side: the output is the input's size), one group: the input
  // already is the im2col panel.
  const isPointwise =
    groups == 1 &&
    g.kH == 1 &&
    g.kW == 1 &&
    g.strideH == 1 &&
    g.strideW == 1 &&
    g.padTop == 0 &&
    g.padLeft == 0 &&
    g.outH == g.inH &&
    g.outW == g.inW;
  // A prepared 1x1 with few output channels reads its input in place (with an input scale, packs it a row
  // tile at a time), finishing each row tile across all its columns (gemm.ts gemmNarrowFinished): the whole
  // filter stays in L1, and no row group is packed.
  if (
    isPrepared &&
    isPointwise &&
    !isColumnSplit &&
    outC <= NARROW_COLUMNS &&
    packedStripsFloats(depth, outC) <= NARROW_FILTER_FLOATS
  ) {
    gemmNarrowFinished(
      input,
      filter,
      output,
      pixels,
      outC,
      depth,
      first,
      last,
      scratch,
      hasFinish ? job : 0,
      bias,
      0,
      inputScale,
      g.inH * g.inW,
    );
    return;
  }
  // A deep prepared 1x1 with few output channels reads its input in place too, a row group at a time (gemm.ts
  // gemmInPlaceFinished): packing cost 2 to 3% of such a product (no input scale: a gated input is packed scaled).
  if (isPrepared && isPointwise && inputScale == 0 && outC <= IN_PLACE_COLUMNS && depth >= IN_PLACE_MIN_DEPTH) {
    gemmInPlaceFinished(
      input,
      filter,
      output,
      pixels,
      outC,
      depth,
      first,
      last,
      columnStart,
      columnEnd,
      scratch,
      hasFinish ? job : 0,
      bias,
    );
    return;
  }
  for (let start = first; start < last; start += panelRows) {
    const rows = min(panelRows, last - start);
    const outputRows = output + ((<usize>start * <usize>outC) << 2);
    for (let group = 0; group < groups; group++) {
      let a = panel;
      if (isPointwise) {
        a = input + ((<usize>start * <usize>depth) << 2);
      } else {
        im2col(g, input, start, rows, panel, 0, depth, sliceOf(job, g, group, slice));
      }
      if (isPrepared) {
        const finishJob = hasFinish ? job : 0;
        gemmPackedFinished(
          a,
          depth,
          1,
          filter,
          outputRows,
          outC,
          rows,
          outC,
          depth,
          0,
          rows,
          columnStart,
          columnEnd,
          false,
          scratch,
          finishJob,
          bias,
          start,
          isPointwise ? inputScale : 0,
          g.inH * g.inW,
        );
      } else {
        const columnOffset = (<usize>(group * groupOutC)) << 2;
        gemm(
          a,
          depth,
          1,
          filter + columnOffset,
          outC,
          outputRows + columnOffset,
          outC,
          rows,
          groupOutC,
          depth,
          0,
          rows,
          false,
          scratch,
        );
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
 * Kernel rows (or columns) whose taps reach the input rows of stride phase `phase`: for input row iy,
 * output row oy = (iy + padTop - ky * dilation) / stride must be whole, so tap ky serves exactly the
 * rows with (iy + padTop) mod stride == (ky * dilation) mod stride.
 */
@inline
function isTapOfPhase(tap: i32, dilation: i32, stride: i32, phase: i32): bool {
  return (tap * dilation) % stride == phase;
}

/** How many of the k taps serve stride phase `phase` (see isTapOfPhase). */
function phaseTapCount(k: i32, dilation: i32, stride: i32, phase: i32): i32 {
  let count = 0;
  for (let tap = 0; tap < k; tap++) if (isTapOfPhase(tap, dilation, stride, phase)) count++;
  return count;
}

/** The first input row (or column) of stride phase `phase`: the smallest i >= 0 with (i + pad) mod stride == phase. */
@inline
function phaseStart(phase: i32, pad: i32, stride: i32): i32 {
  return (((phase - pad) % stride) + stride) % stride;
}

/** Input rows (or columns) of stride phase `phase` among `size`. */
@inline
function phaseLength(phase: i32, pad: i32, stride: i32, size: i32): i32 {
  const start = phaseStart(phase, pad, stride);
  return start < size ? (size - start + stride - 1) / stride : 0;
}

/**
 * Conv2DBackpropInput, as a gather, one stride phase at a time. Input pixels split into
 * strideH x strideW phases by (iy + padTop) mod strideH and (ix + padLeft) mod strideW; the pixels of
 * a phase are reached only by its own taps (isTapOfPhase), so a 3x3 stride-2 gradient gathers 1, 2 or
 * 4 taps per pixel instead of 9 mostly zero ones (ResNet-18's three 3x3 stride-2 input gradients at
 * batch 16 took 427 ms with all 9 taps). For each phase, panel row = the dOut rows of every output
 * pixel whose window covers the input pixel, one per phase tap (zero where the output falls outside),
 * then dInput rows [pixels of the phase, inC] = panel [.., taps * outC] x rearranged rows of the
 * phase [taps * outC, inC], where rearranged[(tap position) * outC + oc, ic] = filter[ky, kx, ic, oc]
 * with taps sorted by phase. A phase with no taps (1x1 stride 2: three phases of four) is zero.
 * Strided phases are not contiguous in dInput: GEMM writes a result block that is then copied out.
 * With groups, each group g gathers its own dOut channels and fills its own dInput channels, with its
 * own block of rearranged. Threads split each phase's pixels.
 * Scratch: gemm | rearranged [groups][kH*kW*outC/groups, inC/groups] | panel [panelRows, largest phase
 * depth] | result [panelRows, inC/groups] (strided only).
 */
export function conv2dBackpropInput(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const scratch = scratchOf(job, threadIndex);
  const panelRows = intField(job, 6);
  const dOut = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  // Locals, not g.field in the loops: stores may alias the job record.
  const batch = g.batch;
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
  const isUnitStride = strideH == 1 && strideW == 1;
  // Group g's block: rows (tap position * groupOutC + m), taps in phase order, [kH*kW*groupOutC, groupInC].
  const blockFloats = <usize>(kH * kW * groupOutC) * <usize>groupInC;
  const rearranged = scratch + <usize>GEMM_SCRATCH_BYTES;
  let maxPhaseDepth = 0;
  for (let group = 0; group < groups; group++) {
    const block = rearranged + ((blockFloats * <usize>group) << 2);
    let position = 0;
    for (let phaseY = 0; phaseY < strideH; phaseY++) {
      for (let phaseX = 0; phaseX < strideW; phaseX++) {
        const phaseFirst = position;
        for (let ky = 0; ky < kH; ky++) {
          if (!isTapOfPhase(ky, dilationH, strideH, phaseY)) continue;
          for (let kx = 0; kx < kW; kx++) {
            if (!isTapOfPhase(kx, dilationW, strideW, phaseX)) continue;
            const tap = ky * kW + kx;
            for (let i = 0; i < groupInC; i++) {
              for (let m = 0; m < groupOutC; m++) {
                const weight = load<f32>(
                  filter + ((<usize>(tap * groupInC + i) * <usize>outC + <usize>(group * groupOutC + m)) << 2),
                );
                store<f32>(block + ((<usize>(position * groupOutC + m) * <usize>groupInC + <usize>i) << 2), weight);
              }
            }
            position++;
          }
        }
        maxPhaseDepth = max(maxPhaseDepth, (position - phaseFirst) * groupOutC);
      }
    }
  }
  if (kH == 1 && kW == 1 && isUnitStride && padTop == 0 && padLeft == 0) {
    // 1x1 stride 1 unpadded: dOut's rows already are the panel, so dInput = dOut x filter^T in one call per group.
    const first = rangeStart(batch * inH * inW, TILE_ROWS, threadIndex, threadCount);
    const last = rangeEnd(batch * inH * inW, TILE_ROWS, threadIndex, threadCount);
    if (first >= last) return;
    for (let group = 0; group < groups; group++) {
      const dOutRows = dOut + ((<usize>first * <usize>outC + <usize>(group * groupOutC)) << 2);
      const dInputRows = dInput + ((<usize>first * <usize>inC + <usize>(group * groupInC)) << 2);
      const block = rearranged + ((blockFloats * <usize>group) << 2);
      gemm(
        dOutRows,
        outC,
        1,
        block,
        groupInC,
        dInputRows,
        inC,
        last - first,
        groupInC,
        groupOutC,
        0,
        last - first,
        false,
        scratch,
      );
    }
    return;
  }
  const panel = rearranged + ((blockFloats * <usize>groups + 8) << 2);
  if (kH == 1 && kW == 1 && padTop == 0 && padLeft == 0) {
    // 1x1 strided unpadded (ResNet's stride-2 shortcuts): output pixel (oy, ox) reads input pixel
    // (oy * strideH, ox * strideW) alone, so dInput there is dOut's row x filter^T (dOut's rows are GEMM's A in
    // place, no panel), and zero at every other pixel (filled row by row, not pixel by pixel). ResNet-18's shortcuts
    // at batch 16, one thread, process CPU time, medians of 3 alternated runs (each the median of 15 calls), the
    // phase gather before -> this: 56x56x64->128 9.42 -> 8.96 ms, 28x28x128->256 6.64 -> 6.44, 14x14x256->512 5.75
    // -> 5.70. NOTE: most of what is left is writing the 3/4 zeros (without them, 56x56: 6.7 ms).
    zeroUncoveredPixels(g, dInput, threadIndex, threadCount);
    const first = rangeStart(batch * outH * outW, TILE_ROWS, threadIndex, threadCount);
    const last = rangeEnd(batch * outH * outW, TILE_ROWS, threadIndex, threadCount);
    for (let start = first; start < last; start += panelRows) {
      const rows = min(panelRows, last - start);
      for (let group = 0; group < groups; group++) {
        const dOutRows = dOut + ((<usize>start * <usize>outC + <usize>(group * groupOutC)) << 2);
        const block = rearranged + ((blockFloats * <usize>group) << 2);
        gemm(dOutRows, outC, 1, block, groupInC, panel, groupInC, rows, groupInC, groupOutC, 0, rows, false, scratch);
        let image = start / (outH * outW);
        let oy = (start % (outH * outW)) / outW;
        let ox = start % outW;
        for (let r = 0; r < rows; r++) {
          const pixel = (image * inH + oy * strideH) * inW + ox * strideW;
          copyFloats(
            dInput + ((<usize>pixel * <usize>inC + <usize>(group * groupInC)) << 2),
            panel + ((<usize>r * <usize>groupInC) << 2),
            groupInC,
          );
          if (++ox == outW) {
            ox = 0;
            if (++oy == outH) {
              oy = 0;
              image++;
            }
          }
        }
      }
    }
    return;
  }
  const result = panel + ((<usize>panelRows * <usize>maxPhaseDepth + 8) << 2);
  let phaseOffset = 0;
  for (let phaseY = 0; phaseY < strideH; phaseY++) {
    const tapsY = phaseTapCount(kH, dilationH, strideH, phaseY);
    const firstY = phaseStart(phaseY, padTop, strideH);
    const rowsY = phaseLength(phaseY, padTop, strideH, inH);
    for (let phaseX = 0; phaseX < strideW; phaseX++) {
      const taps = tapsY * phaseTapCount(kW, dilationW, strideW, phaseX);
      const firstX = phaseStart(phaseX, padLeft, strideW);
      const columnsX = phaseLength(phaseX, padLeft, strideW, inW);
      const depth = taps * groupOutC;
      const imagePixels = rowsY * columnsX;
      const pixels = batch * imagePixels;
      const first = rangeStart(pixels, TILE_ROWS, threadIndex, threadCount);
      const last = rangeEnd(pixels, TILE_ROWS, threadIndex, threadCount);
      for (let start = first; start < last; start += panelRows) {
        const rows = min(panelRows, last - start);
        if (taps == 0) {
          for (let r = 0; r < rows; r++)
            memory.fill(
              dInput +
                ((<usize>phasePixel(start + r, imagePixels, columnsX, firstY, firstX, strideH, strideW, inH, inW) *
                  <usize>inC) <<
                  2),
              0,
              (<usize>inC) << 2,
            );
          continue;
        }
        for (let group = 0; group < groups; group++) {
          for (let r = 0; r < rows; r++) {
            const pixel = start + r;
            const image = pixel / imagePixels;
            const iy = firstY + ((pixel % imagePixels) / columnsX) * strideH;
            const ix = firstX + (pixel % columnsX) * strideW;
            let destination = panel + ((<usize>r * <usize>depth) << 2);
            for (let ky = 0; ky < kH; ky++) {
              if (!isTapOfPhase(ky, dilationH, strideH, phaseY)) continue;
              const rowOffset = iy + padTop - ky * dilationH;
              const oy = rowOffset / strideH;
              const hasRow = rowOffset >= 0 && oy < outH;
              for (let kx = 0; kx < kW; kx++) {
                if (!isTapOfPhase(kx, dilationW, strideW, phaseX)) continue;
                const columnOffset = ix + padLeft - kx * dilationW;
                const ox = columnOffset / strideW;
                const isCovered = hasRow && columnOffset >= 0 && ox < outW;
                const source = isCovered
                  ? dOut + ((<usize>(((image * outH + oy) * outW + ox) * outC + group * groupOutC)) << 2)
                  : 0;
                copyChannels(destination, source, groupOutC);
                destination += (<usize>groupOutC) << 2;
              }
            }
          }
          const block = rearranged + ((blockFloats * <usize>group + <usize>phaseOffset * <usize>groupInC) << 2);
          const groupColumns = (<usize>(group * groupInC)) << 2;
          if (isUnitStride) {
            // One phase holding every pixel in order: GEMM writes dInput's rows in place.
            const dInputRows = dInput + ((<usize>start * <usize>inC) << 2) + groupColumns;
            gemm(panel, depth, 1, block, groupInC, dInputRows, inC, rows, groupInC, depth, 0, rows, false, scratch);
            continue;
          }
          gemm(panel, depth, 1, block, groupInC, result, groupInC, rows, groupInC, depth, 0, rows, false, scratch);
          for (let r = 0; r < rows; r++) {
            const pixel = phasePixel(start + r, imagePixels, columnsX, firstY, firstX, strideH, strideW, inH, inW);
            copyFloats(
              dInput + ((<usize>pixel * <usize>inC) << 2) + groupColumns,
              result + ((<usize>r * <usize>groupInC) << 2),
              groupInC,
            );
          }
        }
      }
      phaseOffset += depth;
    }
  }
}

/**
 * Zero-fills the dInput pixels [batch, inH, inW, inC] that no output pixel of a 1x1 unpadded strided convolution
 * reads: whole rows off the stride (or past the last output row), the pixels between the strided ones elsewhere.
 * Threads split the rows.
 */
function zeroUncoveredPixels(g: ConvGeometry, dInput: usize, threadIndex: i32, threadCount: i32): void {
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const first = rangeStart(g.batch * inH, 1, threadIndex, threadCount);
  const last = rangeEnd(g.batch * inH, 1, threadIndex, threadCount);
  for (let row = first; row < last; row++) {
    const iy = row % inH;
    const rowStart = dInput + ((<usize>row * <usize>inW * <usize>inC) << 2);
    if (iy % strideH != 0 || iy / strideH >= outH) {
      memory.fill(rowStart, 0, (<usize>inW * <usize>inC) << 2);
      continue;
    }
    for (let ix = 0; ix < inW; ix++) {
      if (ix % strideW == 0 && ix / strideW < outW) continue;
      fillZeros(rowStart + ((<usize>ix * <usize>inC) << 2), inC);
    }
  }
}

/** The dInput pixel (image * inH * inW + iy * inW + ix) of pixel `index` of a stride phase. */
@inline
function phasePixel(
  index: i32,
  imagePixels: i32,
  columns: i32,
  firstY: i32,
  firstX: i32,
  strideH: i32,
  strideW: i32,
  inH: i32,
  inW: i32,
): i32 {
  const image = index / imagePixels;
  const iy = firstY + ((index % imagePixels) / columns) * strideH;
  const ix = firstX + (index % columns) * strideW;
  return (image * inH + iy) * inW + ix;
}

/**
 * Conv2DBackpropFilter: dFilter [kH*kW*inC, outC] = sum over pixel blocks of
 * im2col(input)^T [kH*kW*inC, block] x dOut [block, outC]. Threads own rows of dFilter (and build
 * only the im2col columns of those rows), and every row sums the blocks in the same order,
 * whatever the thread count. GEMM continues each sum from block to block, so the block size (job
 * field 6, chosen by the JS side for cache reuse) never changes the result either.
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
  const isPointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0;
  if (isPointwise && groupOutC > depth) {
    // 1x1 stride 1 unpadded: the input is its own im2col, read transposed in place (no panel), and
    // GEMM sums all pixels in one call: in the same order as panel by panel. With more output than
    // input channels (MobileNet's expansions: 16 -> 96) threads take strips of dFilter's columns,
    // so each packs only its own columns of dOut instead of every thread packing all of them.
    const columnFirst = rangeStart(groupOutC, TILE_COLUMNS, threadIndex, threadCount);
    const columnLast = rangeEnd(groupOutC, TILE_COLUMNS, threadIndex, threadCount);
    if (columnFirst >= columnLast) return;
    for (let group = 0; group < groups; group++) {
      const columnOffset = (<usize>(group * groupOutC + columnFirst)) << 2;
      const groupInput = input + ((<usize>(group * depth)) << 2);
      gemm(
        groupInput,
        1,
        g.inC,
        dOut + columnOffset,
        outC,
        dFilter + columnOffset,
        outC,
        depth,
        columnLast - columnFirst,
        pixels,
        0,
        depth,
        false,
        scratch,
      );
    }
    return;
  }
  const first = rangeStart(depth, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(depth, TILE_ROWS, threadIndex, threadCount);
  if (first >= last) return;
  const width = last - first;
  const rows = dFilter + ((<usize>first * <usize>outC) << 2);
  if (isPointwise) {
    // As above, threads taking rows of dFilter (its input channels).
    for (let group = 0; group < groups; group++) {
      const columns = input + ((<usize>(group * depth + first)) << 2);
      const columnOffset = (<usize>(group * groupOutC)) << 2;
      gemm(
        columns,
        1,
        g.inC,
        dOut + columnOffset,
        outC,
        rows + columnOffset,
        outC,
        width,
        groupOutC,
        pixels,
        0,
        width,
        false,
        scratch,
      );
    }
    return;
  }
  for (let start = 0; start < pixels; start += panelRows) {
    const count = min(panelRows, pixels - start);
    for (let group = 0; group < groups; group++) {
      im2col(g, input, start, count, panel, first, last, sliceOf(job, g, group, slice));
      const columnOffset = (<usize>(group * groupOutC)) << 2;
      gemm(
        panel,
        1,
        width,
        dOut + ((<usize>start * <usize>outC) << 2) + columnOffset,
        outC,
        rows + columnOffset,
        outC,
        width,
        groupOutC,
        count,
        0,
        width,
        start > 0,
        scratch,
      );
    }
  }
}
