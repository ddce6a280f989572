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
//   20 unused here (winograd.ts: isBackpropInput), 21 isRelu (Conv2D only: max(output, 0) fused in)
// Buffers: Conv2D (input, filter, bias, output); Conv2DBackpropInput (dOut, filter, dInput);
// Conv2DBackpropFilter (input, dOut, dFilter).

import { GEMM_SCRATCH_BYTES, TILE_ROWS, gemm } from './gemm';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, ConvGeometry } from './job';

/** This thread's private scratch area. */
@inline function scratchOf(job: usize, threadIndex: i32): usize {
  return pointerField(job, 4) + <usize>threadIndex * <usize>intField(job, 5);
}

/** Copies `count` floats (a pixel's channels), or zero-fills them when `source` is 0 (padding). */
@inline function copyChannels(destination: usize, source: usize, count: i32): void {
  if (source == 0) {
    memory.fill(destination, 0, <usize>count << 2);
  } else if (count < 8) {
    for (let index = 0; index < count; index++) store<f32>(destination + (<usize>index << 2), load<f32>(source + (<usize>index << 2)));
  } else {
    memory.copy(destination, source, <usize>count << 2);
  }
}

/**
 * im2col, restricted to panel columns [columnStart, columnEnd): panel[r, c - columnStart] = column c
 * of the full im2col row of output pixel pixelStart + r, where column (ky * kW + kx) * inC + ic is the
 * input at tap (ky, kx), channel ic (zero where the tap falls in the padding). The taps of one kernel
 * row are adjacent pixels of one input row, so each row's valid part is one contiguous copy.
 */
function im2col(g: ConvGeometry, input: usize, pixelStart: i32, pixels: i32, panel: usize, columnStart: i32, columnEnd: i32): void {
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
  const width = columnEnd - columnStart;
  const rowColumns = kW * inC;
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
      const iy = oy * strideH - padTop + ky;
      if (iy < 0 || iy >= inH) {
        memory.fill(destination, 0, <usize>(to - from) << 2);
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

/** Copies `count` floats; short runs element by element (cheaper than a bulk copy call). */
@inline function copyFloats(destination: usize, source: usize, count: i32): void {
  if (count < 8) {
    for (let index = 0; index < count; index++) store<f32>(destination + (<usize>index << 2), load<f32>(source + (<usize>index << 2)));
  } else {
    memory.copy(destination, source, <usize>count << 2);
  }
}

/** Conv2D: output [batch*outH*outW, outC] = im2col(input) [.., kH*kW*inC] x filter [kH*kW*inC, outC] + bias. */
export function conv2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const scratch = scratchOf(job, threadIndex);
  const panelRows = intField(job, 6);
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const isRelu = intField(job, 21) != 0;
  const pixels = g.batch * g.outH * g.outW;
  const depth = g.kH * g.kW * g.inC;
  const panel = scratch + <usize>GEMM_SCRATCH_BYTES;
  const first = rangeStart(pixels, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(pixels, TILE_ROWS, threadIndex, threadCount);
  // 1x1, stride 1, no padding: the input already is the im2col panel.
  const isPointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0;
  for (let start = first; start < last; start += panelRows) {
    const rows = min(panelRows, last - start);
    let a = panel;
    let aStart = 0;
    if (isPointwise) {
      a = input;
      aStart = start;
    } else {
      im2col(g, input, start, rows, panel, 0, depth);
    }
    const outputRows = output + (<usize>start * <usize>g.outC << 2);
    gemm(a + (<usize>aStart * <usize>depth << 2), depth, 1, filter, g.outC, outputRows, g.outC, rows, g.outC, depth, 0, rows, false, scratch);
    if (bias != 0 || isRelu) finishRows(outputRows, bias, rows, g.outC, isRelu);
  }
}

/** Adds the bias (when there is one) and applies the fused ReLU (when asked) to `count` rows. */
function finishRows(rows: usize, bias: usize, count: i32, channels: i32, isRelu: bool): void {
  const vectorEnd = channels & ~3;
  const zero = f32x4.splat(0);
  for (let r = 0; r < count; r++) {
    const row = rows + (<usize>r * <usize>channels << 2);
    for (let c = 0; c < vectorEnd; c += 4) {
      const at = <usize>c << 2;
      let value = v128.load(row + at);
      if (bias != 0) value = f32x4.add(value, v128.load(bias + at));
      if (isRelu) value = f32x4.max(value, zero);
      v128.store(row + at, value);
    }
    for (let c = vectorEnd; c < channels; c++) {
      const at = <usize>c << 2;
      let value = load<f32>(row + at);
      if (bias != 0) value += load<f32>(bias + at);
      if (isRelu) value = value > 0 || value != value ? value : 0;
      store<f32>(row + at, value);
    }
  }
}

/**
 * Conv2DBackpropInput, as a gather: for each input pixel, panel row = the dOut rows of every output
 * pixel whose window covers it, tap by tap (zero where none does, e.g. between strides); then
 * dInput [pixels, inC] = panel [pixels, kH*kW*outC] x rearranged [kH*kW*outC, inC], where
 * rearranged[(ky * kW + kx) * outC + oc, ic] = filter[ky, kx, ic, oc].
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
  const depth = kH * kW * outC;
  const rearranged = scratch + <usize>GEMM_SCRATCH_BYTES;
  const panel = rearranged + ((<usize>depth * <usize>inC + 8) << 2);
  for (let tap = 0; tap < kH * kW; tap++) {
    for (let ic = 0; ic < inC; ic++) {
      for (let oc = 0; oc < outC; oc++) {
        store<f32>(rearranged + ((<usize>(tap * outC + oc) * <usize>inC + <usize>ic) << 2), load<f32>(filter + ((<usize>(tap * inC + ic) * <usize>outC + <usize>oc) << 2)));
      }
    }
  }
  const pixels = g.batch * inH * inW;
  const imagePixels = inH * inW;
  const first = rangeStart(pixels, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(pixels, TILE_ROWS, threadIndex, threadCount);
  for (let start = first; start < last; start += panelRows) {
    const rows = min(panelRows, last - start);
    for (let r = 0; r < rows; r++) {
      const pixel = start + r;
      const image = pixel / imagePixels;
      const iy = (pixel % imagePixels) / inW;
      const ix = pixel % inW;
      let destination = panel + (<usize>r * <usize>depth << 2);
      for (let ky = 0; ky < kH; ky++) {
        const rowOffset = iy + padTop - ky;
        const oy = rowOffset / strideH;
        const hasRow = rowOffset >= 0 && rowOffset % strideH == 0 && oy < outH;
        for (let kx = 0; kx < kW; kx++) {
          const columnOffset = ix + padLeft - kx;
          const ox = columnOffset / strideW;
          const isCovered = hasRow && columnOffset >= 0 && columnOffset % strideW == 0 && ox < outW;
          const source = isCovered ? dOut + (<usize>(((image * outH + oy) * outW + ox) * outC) << 2) : 0;
          copyChannels(destination, source, outC);
          destination += <usize>outC << 2;
        }
      }
    }
    gemm(panel, depth, 1, rearranged, inC, dInput + (<usize>start * <usize>inC << 2), inC, rows, inC, depth, 0, rows, false, scratch);
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
  const pixels = g.batch * g.outH * g.outW;
  const depth = g.kH * g.kW * g.inC;
  const panel = scratch + <usize>GEMM_SCRATCH_BYTES;
  const first = rangeStart(depth, TILE_ROWS, threadIndex, threadCount);
  const last = rangeEnd(depth, TILE_ROWS, threadIndex, threadCount);
  if (first >= last) return;
  const width = last - first;
  const rows = dFilter + (<usize>first * <usize>g.outC << 2);
  for (let start = 0; start < pixels; start += panelRows) {
    const count = min(panelRows, pixels - start);
    im2col(g, input, start, count, panel, first, last);
    gemm(panel, 1, width, dOut + (<usize>start * <usize>g.outC << 2), g.outC, rows, g.outC, width, g.outC, count, 0, width, start > 0, scratch);
  }
}
