// A 1x1 expansion (+ bias, activation) fused into the depthwise convolution that alone reads it: the inverted
// residual blocks of MobileNetV2 and EfficientNet (the inference plan's Conv2D with an expansion; see
// src/model/inferencePlan.ts). The expanded map (MobileNetV2's 112x112x96: 4.8 MB an image) is never stored whole,
// so the depthwise pass reads it from L2 instead of from memory. Each thread takes a range of output rows (whole
// images at batch 8 on 2 threads) and walks them a band at a time: the band's input rows are expanded by the
// prepared GEMM (gemmPackedFinished, conv2d.ts's 1x1 path; gemmNarrowFinished, reading the rows in place, where the
// filter fits L1) into a buffer in this thread's scratch, then depthwiseConv2d runs on that buffer as an image of its
// own (a copy of the job record with the band's geometry).
// Input rows the next band of the image also reads move to the buffer's top (one copy) instead of being expanded
// again; only a thread's first band of an image expands its upper halo afresh.
// With a projection (the 1x1 convolution that alone reads the depthwise output, with the block's residual), the
// depthwise pass writes a chunk of rows (PROJECTED_CHUNK_BYTES) at a time to this thread's scratch, and the projection
// GEMM (conv2d.ts's path for its shape) reads them from there: the depthwise output (MobileNetV2's 56x56x144: 1.8 MB
// an image) is never stored either. Without an expansion (MobileNetV2's first block), the depthwise pass reads the
// input in place.
// Input rows are read ahead once (touchLines: a byte a cache line) before the GEMM or the depthwise pass reads them, so
// that their misses overlap instead of stalling each row tile in turn.
// Every expanded or projected value is the GEMM's (one sum over the depth in order, whatever the rows) and every
// depthwise sum adds its taps in the same order whatever the band, so the results are those of the kernels run one
// after the other, bit for bit, on any thread count.
//
// Job record (conv2d.ts's layout, Conv2dJob): input [batch, inH, inW, expansionInC], filter the depthwise's
// [kH, kW, 1, C], bias [C] or 0, output [batch, outH, outW, C]; panelRows unused; the geometry is
// the depthwise's (inC = outC = C, the expanded channels); dilation 22-23; the depthwise's epilogue 25-28 (no
// residual); expansionFilter gemm.ts's packStrips form of the [expansionInC, C] filter, expansionBias [C] or 0,
// expansionInC (0: no expansion, the input is [batch, inH, inW, C]), then the expansion's epilogue (expansionResidual
// 0, activation, alpha, beta: read through epilogueOf as a record starting 9 fields later); projectionFilter the
// packStrips form of the [C, projectionOutC] filter, projectionBias or 0, projectionOutC (0: no projection; else the
// output is [batch, outH, outW, projectionOutC]), its epilogue (projectionResidual the residual or 0, activation,
// alpha, beta: a record starting 13 fields later).
// Scratch per thread: a copy of the job record (JOB_COPY_BYTES; its last 4 bytes touchLines' sink), the GEMM's
// scratch (GEMM_SCRATCH_BYTES), then the band: BAND_BYTES, or the kernel's rows (kH * dilationH rows of inW * C floats)
// where they alone take more, and 64 spare bytes (the depthwise sweeps read past a row's end); with a projection, then
// a chunk of depthwise output rows (PROJECTED_CHUNK_BYTES or WIDE_PROJECTED_CHUNK_BYTES, or one row where it alone
// takes more) and 64 spare bytes.
// wasmBackend.ts's EXPANDED_SCRATCH_BYTES and PROJECTED_CHUNK_BYTES size it.

import { depthwiseConv2d } from './depthwise';
import {
  GEMM_SCRATCH_BYTES,
  NARROW_COLUMNS,
  NARROW_FILTER_FLOATS,
  gemmNarrowFinished,
  gemmPackedFinished,
  packedStripsFloats,
} from './gemm';
import { isRegisterActivation } from './epilogue';
import { intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';
import { Conv2dJob } from './jobFields';

/** Bytes of the job record (Conv2dJob's fields), copied to the start of each thread's scratch. */
const JOB_BYTES: i32 = (Conv2dJob.projectionBeta + 1) << 2;
/** Where a thread's scratch continues after the record's copy (64-byte aligned: JS sizes the scratch with it). */
const JOB_COPY_BYTES: i32 = 256;
/**
 * Bytes of expanded rows a band holds at most (unless a kernel's rows take more): with the band's input and output
 * rows and the filters, within a core's 2 MB L2. One thread, batch 8, MobileNetV2's five largest blocks, fused
 * against two calls (bench/expandedDepthwiseKernels.ts, min of 25): 0.93-0.98 of the time at 128 KB, 0.88-0.95 at
 * 384 KB, 0.88-0.96 at 1 MB.
 */
const BAND_BYTES: i32 = 393216;
/**
 * Bytes of depthwise output rows the projection takes at a time (at least one row), in L1. One thread, CPU time,
 * batch 8 (bench/expandedDepthwiseKernels.ts, min of 9): 16, 32 and 64 KB within 1% on MobileNetV2's blocks.
 */
const PROJECTED_CHUNK_BYTES: i32 = 32768;
/**
 * The same for a projection whose filter does not fit L1 (gemmPackedFinished), in L2: each chunk streams the filter
 * from L2. 14x14x384 -> 64 at 32 KB (one row of 14 pixels a chunk): 3.25 -> 3.50 ms against two calls; at 192 KB 3.26.
 */
const WIDE_PROJECTED_CHUNK_BYTES: i32 = 196608;

/** Where a thread's scratch keeps touchLines' result (past the record's copy, within JOB_COPY_BYTES). */
const TOUCH_SINK_OFFSET: i32 = JOB_COPY_BYTES - 4;

/**
 * Reads a byte of each 64-byte line of [start, end) and stores their OR at `sink`, so no optimizer drops the loads.
 * The loads are independent, so the core has many of the lines' misses in flight at once; the GEMM reading the same
 * rows from memory waits for one row tile's lines at a time instead (a perf profile of 112x112x16 -> 96 at batch 8:
 * 6% of the GEMM's samples on a tile's first A load, 3% at batch 1; wasm has no prefetch instruction).
 * NOTE: read ahead of the stem (conv2dFewChannels, a row's input rows) and of gemmInPlaceFinished's row groups
 * (14x14x576 -> 96, 7x7x960 -> 160) it gained nothing (4 alternations each): they read their rows in order. Ahead
 * of each output row of depthwise.ts (its new input rows) it cost 10-15% (14x14x384, 14x14x576, 7x7x960 at batch 8):
 * a sweep's tile already has many lines' misses in flight. The projection's output lines read ahead (so that its
 * stores find them) gained nothing either (4 alternations).
 */
@inline
function touchLines(start: usize, end: usize, sink: usize): void {
  let bits: u32 = 0;
  for (let line = start; line < end; line += 64) bits |= load<u8>(line);
  store<u32>(sink, bits);
}

/**
 * input  [batch, inH, inW, expansionInC]
 * output [batch, outH, outW, C] = depthwise(activation(input x expansionFilter + expansionBias)), with the
 *        depthwise's bias and activation
 */
export function expandedDepthwiseConv2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const scratch = scratchOf(job, threadIndex);
  const band = scratch + <usize>JOB_COPY_BYTES + <usize>GEMM_SCRATCH_BYTES;
  const gemmScratch = scratch + <usize>JOB_COPY_BYTES;
  // The record each band's depthwise pass reads: this job's, with the band as its one image.
  const bandJob = scratch;
  memory.copy(bandJob, job, <usize>JOB_BYTES);
  // The expansion's and the projection's epilogue fields read as records of their own (epilogueOf reads fields
  // 25-28 of it).
  const expansionFinish = job + <usize>((Conv2dJob.expansionResidual - Conv2dJob.residual) << 2);
  const projectionFinish = job + <usize>((Conv2dJob.projectionResidual - Conv2dJob.residual) << 2);
  const input = pointerField(job, Conv2dJob.input);
  const output = pointerField(job, Conv2dJob.output);
  const expansionFilter = pointerField(job, Conv2dJob.expansionFilter);
  const expansionBias = pointerField(job, Conv2dJob.expansionBias);
  const expansionInC = intField(job, Conv2dJob.expansionInC);
  const projectionFilter = pointerField(job, Conv2dJob.projectionFilter);
  const projectionBias = pointerField(job, Conv2dJob.projectionBias);
  const projectionOutC = intField(job, Conv2dJob.projectionOutC);
  const batch = intField(job, Conv2dJob.batch);
  const inH = intField(job, Conv2dJob.inH);
  const inW = intField(job, Conv2dJob.inW);
  const channels = intField(job, Conv2dJob.outC);
  const outH = intField(job, Conv2dJob.outH);
  const outW = intField(job, Conv2dJob.outW);
  const kH = intField(job, Conv2dJob.kH);
  const strideH = intField(job, Conv2dJob.strideH);
  const padTop = intField(job, Conv2dJob.padTop);
  const dilationH = intField(job, Conv2dJob.dilationH);
  const rowBytes = (<usize>inW * <usize>channels) << 2;
  const kernelRows = (kH - 1) * dilationH + 1;
  // Output rows a band: as many as keep its input rows within BAND_BYTES, at least one; without an expansion, the
  // input is read in place, an image a band.
  const bandRows = expansionInC == 0 ? outH : max(1, (<i32>(<usize>BAND_BYTES / rowBytes) - kernelRows) / strideH + 1);
  const inputRowBytes = (<usize>inW * <usize>(expansionInC == 0 ? channels : expansionInC)) << 2;
  const outputRowBytes = (<usize>outW * <usize>channels) << 2;
  // The projection takes conv2d.ts's path for its shape (gemmNarrowFinished where its filter fits L1), so that its
  // sums are those of the 1x1 convolution run on its own.
  const isProjectionNarrow =
    projectionOutC <= NARROW_COLUMNS && packedStripsFloats(channels, projectionOutC) <= NARROW_FILTER_FLOATS;
  // With a projection, the depthwise output goes a chunk of rows at a time to this thread's scratch after the band,
  // and the projection reads it from there while it is in L1.
  const chunkBytes = isProjectionNarrow ? PROJECTED_CHUNK_BYTES : WIDE_PROJECTED_CHUNK_BYTES;
  const chunkRows = projectionOutC == 0 ? bandRows : max(1, <i32>(<usize>chunkBytes / outputRowBytes));
  const depthwiseOutput = band + <usize>max(BAND_BYTES, kernelRows * <i32>rowBytes) + 64;
  const projectedRowBytes = (<usize>outW * <usize>projectionOutC) << 2;
  // A short depth's filter fits L1 whole: the band's input rows are read in place, not packed (gemmNarrowFinished).
  // One thread, CPU time, batch 8, the band's GEMM alone, min of 21 over 3 alternations: 112x112x16 -> 96 8.3-9.3 ->
  // 7.7-8.4 ms; 56x56x24 -> 144 the same (3.8-4.2 ms). The stride-2 sweep (depthwise.ts) already takes the band (its
  // bytes are within STRIDE2_SWEEP_IMAGE_BYTES); the general path there was 9% slower on 112x112x16 -> 96.
  const isNarrow = packedStripsFloats(expansionInC, channels) <= NARROW_FILTER_FLOATS;
  // With a sigmoid or SiLU the expansion finishes each chunk of rows in a second pass (gemm.ts's finishColumns), so it
  // reads its input at half the pace, and the hardware prefetcher keeps up: reading the band's input ahead then cost
  // 2-4% (EfficientNet-B0's 112x112x16>96 and 56x56x24>144 at batch 8, one thread, 3 alternations).
  const isExpansionInRegisters = isRegisterActivation(intField(job, Conv2dJob.expansionActivation));
  const rows = batch * outH;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  let row = rangeStart(rows, 1, threadIndex, threadCount);
  while (row < last) {
    const image = row / outH;
    const imageEnd = min(last, (image + 1) * outH) - image * outH;
    // The input rows in the buffer: [bufferFirst, bufferFirst + bufferCount) of this image (all of them where the
    // input is read in place).
    let buffer = band;
    let bufferFirst = 0;
    let bufferCount = 0;
    // Without an expansion: the image's input rows read ahead so far (touchLines), from the thread's first.
    let touchedEnd = 0;
    if (expansionInC == 0) {
      buffer = input + <usize>(image * inH) * inputRowBytes;
      bufferCount = inH;
    }
    for (let oy = row - image * outH; oy < imageEnd; oy += bandRows) {
      const oyEnd = min(imageEnd, oy + bandRows);
      if (expansionInC != 0) {
        // The band reads input rows [reachFirst, reachLast]; those inside the image are [first, end).
        const first = max(0, oy * strideH - padTop);
        const end = max(first, min(inH, (oyEnd - 1) * strideH - padTop + kernelRows));
        let kept = 0;
        if (first >= bufferFirst && first < bufferFirst + bufferCount) {
          kept = min(end, bufferFirst + bufferCount) - first;
          memory.copy(band, band + <usize>(first - bufferFirst) * rowBytes, <usize>kept * rowBytes);
        }
        const pixels = (end - first - kept) * inW;
        // The band's new input rows, read ahead of the GEMM (touchLines). MobileNetV2 at batch 8, one thread, CPU
        // time, medians of 5 alternated runs (profileInference) with the other cores busy: 112x112x16>96 s2 17.1 ->
        // 15.8 ms, 56x56x24>144 s1 13.4 -> 12.7 ms, s2 8.5 -> 7.6 ms; on a quieter machine (4 runs) 15.8 -> 15.4, 12.5
        // -> 12.4, 7.7 -> 7.5; 28x28x32 (input in L2) the same; batch 1 the same (18.7 ms, 6 runs). The residual read
        // ahead of the projection gained nothing (56x56x24>144 s1 +res, 3 alternations).
        const bandInput = input + <usize>(image * inH + first + kept) * inputRowBytes;
        if (isExpansionInRegisters)
          touchLines(
            bandInput,
            bandInput + <usize>pixels * <usize>expansionInC * 4,
            scratch + <usize>TOUCH_SINK_OFFSET,
          );
        if (pixels > 0 && isNarrow) {
          gemmNarrowFinished(
            input + <usize>(image * inH + first + kept) * inputRowBytes,
            expansionFilter,
            band + <usize>kept * rowBytes,
            pixels,
            channels,
            expansionInC,
            0,
            pixels,
            gemmScratch,
            expansionFinish,
            expansionBias,
            0,
            0,
            0,
          );
        } else if (pixels > 0) {
          gemmPackedFinished(
            input + <usize>(image * inH + first + kept) * inputRowBytes,
            expansionInC,
            1,
            expansionFilter,
            band + <usize>kept * rowBytes,
            channels,
            pixels,
            channels,
            expansionInC,
            0,
            pixels,
            0,
            channels,
            false,
            gemmScratch,
            expansionFinish,
            expansionBias,
            0,
            0,
            0,
          );
        }
        bufferFirst = first;
        bufferCount = end - first;
      }
      for (let cy = oy; cy < oyEnd; cy += chunkRows) {
        const cyEnd = min(oyEnd, cy + chunkRows);
        // The chunk as an image of the buffer's rows from its first tap on, whose output row 0 is output row cy: its
        // taps start reachFirst - first rows above that (padding there only where first is the image's row 0).
        const reachFirst = cy * strideH - padTop;
        const chunkFirst = max(bufferFirst, reachFirst);
        const firstPixel = (image * outH + cy) * outW;
        // Without an expansion, the chunk's new input rows read ahead of the depthwise pass: 112x112x32->32>16 7.2 ->
        // 6.4 ms (as above).
        if (expansionInC == 0) {
          const touchFirst = max(touchedEnd, max(0, reachFirst));
          const touchEnd = min(inH, (cyEnd - 1) * strideH - padTop + kernelRows);
          if (touchEnd > touchFirst)
            touchLines(
              buffer + <usize>touchFirst * rowBytes,
              buffer + <usize>touchEnd * rowBytes,
              scratch + <usize>TOUCH_SINK_OFFSET,
            );
          touchedEnd = max(touchedEnd, touchEnd);
        }
        store<u32>(
          bandJob + ((<usize>Conv2dJob.input) << 2),
          <u32>(buffer + <usize>(chunkFirst - bufferFirst) * rowBytes),
        );
        store<u32>(
          bandJob + ((<usize>Conv2dJob.output) << 2),
          <u32>(projectionOutC == 0 ? output + <usize>firstPixel * ((<usize>channels) << 2) : depthwiseOutput),
        );
        store<i32>(bandJob + ((<usize>Conv2dJob.batch) << 2), 1);
        store<i32>(bandJob + ((<usize>Conv2dJob.inH) << 2), bufferFirst + bufferCount - chunkFirst);
        store<i32>(bandJob + ((<usize>Conv2dJob.outH) << 2), cyEnd - cy);
        store<i32>(bandJob + ((<usize>Conv2dJob.padTop) << 2), chunkFirst - reachFirst);
        depthwiseConv2d(bandJob, 0, 1);
        if (projectionOutC == 0) continue;
        // The projection's rows are the chunk's pixels; firstPixel places its residual.
        const chunkPixels = (cyEnd - cy) * outW;
        const projected = output + <usize>firstPixel * ((<usize>projectionOutC) << 2);
        if (isProjectionNarrow) {
          gemmNarrowFinished(
            depthwiseOutput,
            projectionFilter,
            projected,
            chunkPixels,
            projectionOutC,
            channels,
            0,
            chunkPixels,
            gemmScratch,
            projectionFinish,
            projectionBias,
            firstPixel,
            0,
            0,
          );
        } else {
          gemmPackedFinished(
            depthwiseOutput,
            channels,
            1,
            projectionFilter,
            projected,
            projectionOutC,
            chunkPixels,
            projectionOutC,
            channels,
            0,
            chunkPixels,
            0,
            projectionOutC,
            false,
            gemmScratch,
            projectionFinish,
            projectionBias,
            firstPixel,
            0,
            0,
          );
        }
      }
    }
    row = image * outH + imageEnd;
  }
}
