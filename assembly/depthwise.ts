// Depthwise convolution (groups = input channels = output channels): each channel is convolved with
// its own kH x kW kernel, so there is no sum over channels for a GEMM to exploit; instead these
// kernels run directly, four channels per f32x4 (NHWC keeps a pixel's channels adjacent). The
// filter is [kH, kW, 1, channels].
// Forward: threads split output rows. Each output pixel first finds its taps inside the input (kernel
// rows and columns in the padding are never visited, so no tap is bounds-checked), then runs 16
// channels at a time down them with the sums in four registers: four independent multiply-add chains
// fed by contiguous loads. Measured one thread on the 2-core machine, MobileNetV2 / EfficientNet-B0
// shapes (bench/depthwiseKernels.ts): 3-4x the former kernel, which bounds-checked every tap. Tried
// and dropped: 4 pixels per 4-channel block sharing each weight load (1.2-2x slower than this), 32
// channels a step (1.3x slower: V8 spills), the 3x3 taps unrolled (1.4x slower), two neighbouring
// pixels sharing weight loads (5-8% faster, not worth its code).
// A 3x3 undilated stride-1 kernel's interior pixels (all nine taps inside the input; channels a multiple of 4) are
// swept instead, 16 pixels by 4 channels at a time with the nine weights in registers (sweepTile3x3): one
// thread, CPU time, MobileNetV2's depthwise layers 2.37 -> 2.07 ms summed (112x112x32 1.48x, 56x56x144 1.11x,
// 14x14x576 1.14x; at stride 1 then); tiles of 4, 8 and 32 pixels were slower, and so were
// two pixels a step sharing their input loads (112x112x32 1.16x slower: V8 spills).
// Without a residual (MobileNetV2's and EfficientNet's depthwise layers), the sweep runs one kernel row a pass
// instead (sweepTileByRows): three weights in registers, the partial sums kept in the output, two pixels a step
// sharing their input loads; also at stride 2 where an image's input fits in L2. The nine-weight sweep spilled: a
// pixel's chain loads its nine inputs first (Binaryen nests it into one expression), and with nine weights, the
// bias and the clip's bounds V8 runs out of its 15 vector registers. One thread, CPU time: 112x112x32 0.309 ->
// 0.225 ms, 56x56x144 0.35 -> 0.27, 56x56x144 stride 2 0.114 -> 0.087.
// At stride 1 a pair's last two inputs stay in registers as the next pair's first two (two loads a pair, not four): one
// thread, CPU time, batch 8, the call alone, min of 30 over 3 alternations: 112x112x32 2.30-3.36 -> 2.10-2.41 ms,
// 56x56x144 2.76-3.10 -> 2.52-2.63, 28x28x192 0.88-0.92 -> 0.83-0.84, 14x14x576 0.65-0.67 -> 0.61-0.64 (stride 2,
// unchanged, within 2%); in MobileNetV2 at batch 8 (profileInference, 4 alternations) its stride-1 depthwise steps took
// 0.96-0.98 of the time, within the 2-3% that the same build against itself moved. NOTE: at stride 2 the pair's last
// input kept as the next pair's first (four loads, not five) gained nothing (56x56x144 and 28x28x192 alone 0.94-1.06,
// MobileNetV2's stride-2 steps 1.00-1.02; 3 alternations). Nor did four pixels a step at stride 1 (four new loads, two
// carried: 1.3-2.0 times slower alone, as V8 spilled).
// With a sigmoid or SiLU the sweep stores the sums and activates the swept span of the row afterwards, four
// vectors a step: finished one vector at a time in the sweep, 112x112x32 with SiLU took 0.94 ms against the
// general path's 0.85; 0.64 so. A 5x5 sweep (a kernel row's five weights in registers, the partial sums kept in
// the output) gained nothing on EfficientNet-B0's shapes (14x14x672 0.417 -> 0.409 ms, 56x56x144 stride 2 slower),
// nor did it with two pixels a step sharing their loads (14x14x480 0.209 -> 0.211 ms). At stride 2 on 112x112x96
// (input beyond L2), by-rows tiles of 2, 4, 6, 8 and 64 pixels were all slower than the general path; in the fused
// block's band (expandedDepthwise.ts, in L2) tiles of 4, 8 and 32 pixels ran as 16 did. An image's first and last
// rows (two kernel rows inside) swept by rows, not by the general path, gained nothing either (14x14x384, 7x7x960 at
// batch 8, within 2%).
// The activation is dispatched once per call (depthwiseConv2d), not per vector: activateVector's jump table in the
// loops cost the nine-weight sweep two weights spilled and an indirect jump a pixel (all shapes 5% faster without).
// Every sum starts at the bias and adds the taps in (ky, kx) order, as the reference does; the output
// stage (residual, activation: epilogue.ts) then runs on the sums in registers. A channel tail (C not a
// multiple of 4) runs the same f32x4 sequence in lane 0. So no value depends on the thread count.
// With relaxed SIMD, multiply-add is fused (one rounding).
// Input gradient: at stride 1 the forward kernel on the flipped filter (field 20; see
// depthwiseGradientAsForward in wasmBackend.ts); otherwise a gather, threads splitting input rows.
// Filter gradient: threads split channels.
//
// Job record (conv2d.ts's layout): 0-3 buffers, 4-6 unused, 7-19 geometry (convGeometryOf),
//   20 (forward only) isFlipped: read the filter rotated by 180 degrees (tap (ky, kx) is stored at
//   (kH - 1 - ky, kW - 1 - kx)), for the input gradient; 21 unused, 22 dilationH, 23 dilationW,
//   25-28 (forward only) the epilogue: residual, activation code, alpha, beta (epilogue.ts).
// Buffers: depthwiseConv2d (input, filter, bias or 0, output); depthwiseConv2dBackpropInput (dOut,
// filter, dInput); depthwiseConv2dBackpropFilter (input, dOut, dFilter).
// The geometry is copied into locals: stores may alias the job record, so reads of g.field in the
// loops could not be hoisted.

import { sigmoidInPlace, siluInPlace } from './activations';
import {
  ACTIVATION_CLIP,
  ACTIVATION_NONE,
  ACTIVATION_RELU,
  ACTIVATION_SIGMOID,
  ACTIVATION_SILU,
  activateVector,
  epilogueOf,
} from './epilogue';
import { convGeometryOf, intField, pointerField, rangeEnd, rangeStart, scratchOf } from './job';

@inline
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The four floats at `pointer`, or (isWhole false) the float at `pointer` in lane 0. */
@inline
function loadLanes(pointer: usize, isWhole: bool): v128 {
  return isWhole ? v128.load(pointer) : f32x4.splat(load<f32>(pointer));
}

/** Stores the four lanes of `value`, or (isWhole false) lane 0 only. */
@inline
function storeLanes(pointer: usize, value: v128, isWhole: bool): void {
  if (isWhole) v128.store(pointer, value);
  else store<f32>(pointer, f32x4.extract_lane(value, 0));
}

/** First tap index k of a window starting at `start` (may be negative) whose position start + k * step is >= 0. */
@inline
function firstInside(start: i32, step: i32): i32 {
  return start >= 0 ? 0 : (-start + step - 1) / step;
}

/**
 * input  [batch, inH, inW, C]
 * filter [kH, kW, 1, C]
 * bias   [C] or 0
 * output [batch, outH, outW, C] = activation(bias + taps + residual); residual (field 25) like output, or 0
 */
export function depthwiseConv2d(job: usize, threadIndex: i32, threadCount: i32): void {
  // The activation is dispatched once, not per vector: with `code` a constant in each inlined copy, Binaryen drops
  // the switch of activateVector, whose jump table (and the sigmoid's registers) cost the sweep two of its nine
  // weights spilled to the stack and an indirect jump per pixel.
  const code = epilogueOf(job).activation;
  if (code == ACTIVATION_CLIP) depthwiseForward(job, threadIndex, threadCount, ACTIVATION_CLIP);
  else if (code == ACTIVATION_RELU) depthwiseForward(job, threadIndex, threadCount, ACTIVATION_RELU);
  else if (code == ACTIVATION_NONE) depthwiseForward(job, threadIndex, threadCount, ACTIVATION_NONE);
  else depthwiseForward(job, threadIndex, threadCount, code);
}

/** depthwiseConv2d for activation `code` (a constant where the caller dispatched it). */
@inline
function depthwiseForward(job: usize, threadIndex: i32, threadCount: i32, code: i32): void {
  const g = convGeometryOf(job);
  const rows = g.batch * g.outH;
  // Few output rows (7x7 maps at batch 1): the threads split the channels, in the 8-channel strips of the 1x1
  // convolution before, which splits its output channels there (conv2d.ts): each thread reads the expansion it
  // wrote, in its own core's cache, and 7 rows no longer split 4 + 3.
  const isChannelSplit = threadCount > 1 && rows < CHANNEL_SPLIT_ROWS * threadCount && (g.outC & 3) == 0;
  const channelFirst = isChannelSplit ? rangeStart(g.outC, 8, threadIndex, threadCount) : 0;
  const channelEnd = isChannelSplit ? rangeEnd(g.outC, 8, threadIndex, threadCount) : g.outC;
  if (channelFirst >= channelEnd) return;
  const channelOffset = (<usize>channelFirst) << 2;
  const input = pointerField(job, 0) + channelOffset;
  const filter = pointerField(job, 1) + channelOffset;
  const biasField = pointerField(job, 2);
  const bias = biasField != 0 ? biasField + channelOffset : 0;
  const output = pointerField(job, 3) + channelOffset;
  const isFlipped = intField(job, 20) != 0;
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const epilogue = epilogueOf(job);
  const residual = epilogue.residual != 0 ? epilogue.residual + channelOffset : 0;
  const alpha = f32x4.splat(epilogue.alpha);
  const beta = f32x4.splat(epilogue.beta);
  const inH = g.inH;
  const inW = g.inW;
  const channels = channelEnd - channelFirst;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const pixelBytes = (<usize>g.outC) << 2;
  const tapBytes = <usize>dilationW * pixelBytes;
  // A flipped filter is walked backwards from its last tap (the steps wrap around as unsigned numbers).
  const weightStep = isFlipped ? 0 - pixelBytes : pixelBytes;
  const weightRowStep = <usize>kW * weightStep;
  const lastTap = kH * kW - 1;
  const vectorEnd = channels & ~3;
  // The output columns whose three taps are all inside the input (sweepTile3x3), where the sweep applies.
  const sweepFirst = (padLeft + strideW - 1) / strideW;
  const sweepEnd = min(outW, inW - 3 + padLeft >= 0 ? (inW - 3 + padLeft) / strideW + 1 : 0);
  // At stride 2 the sweep by kernel rows (no residual) gains where an image's input fits in L2 (one thread, batch 1
  // and 8: 56x56x144 6-23%, 14x14x576 10-28%) and loses where it streams from memory (112x112x96 5-7%: the general
  // path reads it in order).
  const isStride2Sweepable =
    strideW == 2 && residual == 0 && <usize>inH * <usize>inW * pixelBytes <= STRIDE2_SWEEP_IMAGE_BYTES;
  const isSweepable =
    kH == 3 &&
    kW == 3 &&
    (strideW == 1 || isStride2Sweepable) &&
    dilationH == 1 &&
    dilationW == 1 &&
    (channels & 3) == 0 &&
    sweepEnd > sweepFirst;
  // A sweep finishes one vector at a time, too few for the sigmoid's long chain (its exp and division) to overlap:
  // it stores the sums (with the residual), and the sigmoid or SiLU then runs over the swept span of the row four
  // vectors a step (activations.ts, the formulas of activateVector: the same bits).
  const isSigmoidLike = code == ACTIVATION_SIGMOID || code == ACTIVATION_SILU;
  const sweepCode = isSigmoidLike ? ACTIVATION_NONE : code;
  // NOTE: walking the rows last to first, so that the first read finds the producer's last (L2) rows, cost 8-10% on
  // MobileNetV2's 14x14x384 and 14x14x576 at batch 8 (one thread, CPU time, 4 alternations), the projection after
  // them no faster: the prefetchers follow ascending lines.
  const lastRow = isChannelSplit ? rows : rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = isChannelSplit ? 0 : rangeStart(rows, 1, threadIndex, threadCount); row < lastRow; row++) {
    const image = row / outH;
    const iyStart = (row % outH) * strideH - padTop;
    const kyStart = min(kH, firstInside(iyStart, dilationH));
    const rowReach = inH - 1 - iyStart;
    const kyEnd = max(kyStart, rowReach < 0 ? 0 : min(kH, rowReach / dilationH + 1));
    const rowBytes = <usize>(dilationH * inW) * pixelBytes;
    // Byte address of input row iyStart + kyStart * dilationH, the first one read.
    const inputRows = input + <usize>((image * inH + iyStart + kyStart * dilationH) * inW * g.outC) * 4;
    const taps = kyEnd - kyStart;
    // A 3x3 undilated row whose three kernel rows are inside the input: its interior pixels (all nine
    // taps inside) are swept a tile at a time (sweepTile3x3); the others take the general path below.
    const sweepStart = isSweepable && taps == 3 ? sweepFirst : outW;
    for (let ox = 0; ox < outW; ox++) {
      if (ox == sweepStart) {
        const rowAt = <usize>(row * outW) * pixelBytes;
        for (let tile = sweepFirst; tile < sweepEnd; tile += SWEEP_TILE) {
          const inputAt = inputRows + <usize>(tile * strideW - padLeft) * pixelBytes;
          const tileEnd = min(sweepEnd, tile + SWEEP_TILE);
          const outputAt = rowAt + <usize>tile * pixelBytes;
          if (residual == 0 && strideW == 2)
            sweepTileByRows(
              inputAt,
              filter,
              bias,
              output + outputAt,
              tileEnd - tile,
              rowBytes,
              pixelBytes,
              channels,
              isFlipped,
              2,
              sweepCode,
              alpha,
              beta,
            );
          else if (residual == 0)
            sweepTileByRows(
              inputAt,
              filter,
              bias,
              output + outputAt,
              tileEnd - tile,
              rowBytes,
              pixelBytes,
              channels,
              isFlipped,
              1,
              sweepCode,
              alpha,
              beta,
            );
          else
            sweepTile3x3(
              inputAt,
              filter,
              bias,
              output,
              residual,
              outputAt,
              tileEnd - tile,
              rowBytes,
              pixelBytes,
              <usize>strideW * pixelBytes,
              channels,
              isFlipped,
              sweepCode,
              alpha,
              beta,
            );
        }
        if (isSigmoidLike) {
          // The swept span is contiguous where this share has every channel, one run a pixel otherwise.
          const span = output + rowAt + <usize>sweepFirst * pixelBytes;
          const runs = isChannelSplit ? sweepEnd - sweepFirst : 1;
          const count = isChannelSplit ? channels : (sweepEnd - sweepFirst) * channels;
          for (let run = 0; run < runs; run++) {
            const values = span + <usize>run * pixelBytes;
            if (code == ACTIVATION_SILU) siluInPlace(values, count);
            else sigmoidInPlace(values, count);
          }
        }
        ox = sweepEnd - 1;
        continue;
      }
      // This pixel's taps inside the input: kernel rows [kyStart, kyEnd), columns [kxStart, kxEnd).
      const ixStart = ox * strideW - padLeft;
      const kxStart = min(kW, firstInside(ixStart, dilationW));
      const columnReach = inW - 1 - ixStart;
      const kxEnd = max(kxStart, columnReach < 0 ? 0 : min(kW, columnReach / dilationW + 1));
      const inputs = inputRows + <usize>(ixStart + kxStart * dilationW) * pixelBytes;
      const firstTap = kyStart * kW + kxStart;
      const weights = filter + <usize>(isFlipped ? lastTap - firstTap : firstTap) * pixelBytes;
      const columns = kxEnd - kxStart;
      const at = <usize>(row * outW + ox) * pixelBytes;
      let c = 0;
      for (; c + 16 <= vectorEnd; c += 16) {
        const channelBytes = (<usize>c) << 2;
        const initial = bias != 0 ? bias + channelBytes : 0;
        let sum0 = initial != 0 ? v128.load(initial) : f32x4.splat(0);
        let sum1 = initial != 0 ? v128.load(initial, 16) : f32x4.splat(0);
        let sum2 = initial != 0 ? v128.load(initial, 32) : f32x4.splat(0);
        let sum3 = initial != 0 ? v128.load(initial, 48) : f32x4.splat(0);
        for (let ky = 0; ky < taps; ky++) {
          let tap = inputs + <usize>ky * rowBytes + channelBytes;
          let weight = weights + <usize>ky * weightRowStep + channelBytes;
          for (let kx = 0; kx < columns; kx++) {
            sum0 = multiplyAdd(v128.load(tap), v128.load(weight), sum0);
            sum1 = multiplyAdd(v128.load(tap, 16), v128.load(weight, 16), sum1);
            sum2 = multiplyAdd(v128.load(tap, 32), v128.load(weight, 32), sum2);
            sum3 = multiplyAdd(v128.load(tap, 48), v128.load(weight, 48), sum3);
            tap += tapBytes;
            weight += weightStep;
          }
        }
        const to = at + channelBytes;
        finish(sum0, output, residual, to, code, alpha, beta, true);
        finish(sum1, output, residual, to + 16, code, alpha, beta, true);
        finish(sum2, output, residual, to + 32, code, alpha, beta, true);
        finish(sum3, output, residual, to + 48, code, alpha, beta, true);
      }
      for (; c < vectorEnd; c += 4) {
        pixelChannels(
          inputs,
          weights,
          taps,
          columns,
          rowBytes,
          weightRowStep,
          tapBytes,
          weightStep,
          bias,
          output,
          residual,
          at,
          code,
          alpha,
          beta,
          c,
          true,
        );
      }
      for (; c < channels; c++) {
        pixelChannels(
          inputs,
          weights,
          taps,
          columns,
          rowBytes,
          weightRowStep,
          tapBytes,
          weightStep,
          bias,
          output,
          residual,
          at,
          code,
          alpha,
          beta,
          c,
          false,
        );
      }
    }
  }
}

/**
 * Output rows a thread needs (batch * outH) for depthwiseConv2d's threads to split the rows, not the channels.
 * MobileNetV2 at batch 1 on 2 threads (wall, separate processes alternated, medians of 150 predicts in the three
 * quiet pairs): 4 (the 7x7 maps split their channels) 8.37, 8.36, 7.95 ms against 8.49, 8.49, 7.97 splitting rows. At 8
 * (the 14x14 maps too) the depthwise calls gained but the 1x1 projections after them, which split rows and then
 * read half their input from the other core, lost more (14x14x576->96 0.61 -> 0.88 ms a predict).
 */
const CHANNEL_SPLIT_ROWS: i32 = 4;

/** Largest input image (bytes) a stride-2 3x3 layer sweeps (the L2 of a core of the 2-core measuring machine). */
const STRIDE2_SWEEP_IMAGE_BYTES: usize = 2 << 20;

/**
 * Output pixels a sweep tile covers: at stride 1, 3 input rows of 18 pixels of 144 channels stay in L1 (31 KB).
 * NOTE: 32 for the stride-1 sweep by rows (fewer tiles to start, each pass's first two inputs loaded once a tile) ran
 * 112x112x32 and 56x56x144 alone 5-8% faster (batch 8, one thread, CPU time, min of 30, 6 alternations) but gained
 * nothing measurable in MobileNetV2 or EfficientNet-B0, whose wide stride-1 layers run in fused blocks (within the
 * 3% that unchanged 14x14 layers moved; 7 alternations): not kept.
 */
const SWEEP_TILE: i32 = 16;

/**
 * `pixels` neighbouring output pixels of a 3x3 kernel whose nine taps are all inside the input, four channels at a
 * time: the channels' nine weights stay in registers while the tile's pixels go by (one load per multiply-add,
 * where the general path loads the weight of every tap of every pixel), and the tile's input pixels stay in L1
 * for the next four channels. Each sum starts at the bias and adds the taps in (ky, kx) order, as the general
 * path does, so the values are the same bits. `inputs` is the tile's first tap (kernel row 0, column 0) at
 * channel 0, `at` the byte offset of its first output pixel; channels is a multiple of 4.
 */
@inline
function sweepTile3x3(
  inputs: usize,
  filter: usize,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  pixels: i32,
  rowBytes: usize,
  pixelBytes: usize,
  stepBytes: usize,
  channels: i32,
  isFlipped: bool,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  // A flipped filter holds tap t at 8 - t.
  const first = isFlipped ? filter + 8 * pixelBytes : filter;
  const weightStep = isFlipped ? 0 - pixelBytes : pixelBytes;
  for (let c = 0; c < channels; c += 4) {
    const channelBytes = (<usize>c) << 2;
    const weights = first + channelBytes;
    const w0 = v128.load(weights);
    const w1 = v128.load(weights + weightStep);
    const w2 = v128.load(weights + 2 * weightStep);
    const w3 = v128.load(weights + 3 * weightStep);
    const w4 = v128.load(weights + 4 * weightStep);
    const w5 = v128.load(weights + 5 * weightStep);
    const w6 = v128.load(weights + 6 * weightStep);
    const w7 = v128.load(weights + 7 * weightStep);
    const w8 = v128.load(weights + 8 * weightStep);
    const initial = bias != 0 ? v128.load(bias + channelBytes) : f32x4.splat(0);
    let tap = inputs + channelBytes;
    let to = at + channelBytes;
    for (let pixel = 0; pixel < pixels; pixel++) {
      const middle = tap + rowBytes;
      const bottom = middle + rowBytes;
      let sum = multiplyAdd(v128.load(tap), w0, initial);
      sum = multiplyAdd(v128.load(tap + pixelBytes), w1, sum);
      sum = multiplyAdd(v128.load(tap + 2 * pixelBytes), w2, sum);
      sum = multiplyAdd(v128.load(middle), w3, sum);
      sum = multiplyAdd(v128.load(middle + pixelBytes), w4, sum);
      sum = multiplyAdd(v128.load(middle + 2 * pixelBytes), w5, sum);
      sum = multiplyAdd(v128.load(bottom), w6, sum);
      sum = multiplyAdd(v128.load(bottom + pixelBytes), w7, sum);
      sum = multiplyAdd(v128.load(bottom + 2 * pixelBytes), w8, sum);
      finish(sum, output, residual, to, code, alpha, beta, true);
      tap += stepBytes;
      to += pixelBytes;
    }
  }
}

/**
 * sweepTile3x3 at stride 1 without a residual, one kernel row at a time: for each four channels, three passes over
 * the tile's pixels with that kernel row's three weights in registers, the partial sums kept in the output between
 * passes (stored and reloaded exactly, so each sum still starts at the bias and adds the taps in (ky, kx) order: the
 * same bits). Two pixels a step share their input loads (at stride 1 two new loads for six multiply-adds). Why not all
 * nine weights in registers: Binaryen nests a pixel's nine-step chain into one expression that loads its nine inputs
 * first, and nine weights, the bias and the clip's bounds then leave V8 (15 usable vector registers) too few, so it
 * spills.
 * `out` is the tile's first output pixel (an address).
 */
@inline
function sweepTileByRows(
  inputs: usize,
  filter: usize,
  bias: usize,
  out: usize,
  pixels: i32,
  rowBytes: usize,
  pixelBytes: usize,
  channels: i32,
  isFlipped: bool,
  stride: i32,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  const first = isFlipped ? filter + 8 * pixelBytes : filter;
  const weightStep = isFlipped ? 0 - pixelBytes : pixelBytes;
  for (let c = 0; c < channels; c += 4) {
    const channelBytes = (<usize>c) << 2;
    const weights = first + channelBytes;
    const initial = bias != 0 ? v128.load(bias + channelBytes) : f32x4.splat(0);
    const tap = inputs + channelBytes;
    const to = out + channelBytes;
    sweepKernelRow(tap, weights, weightStep, to, pixels, pixelBytes, initial, true, false, stride, code, alpha, beta);
    sweepKernelRow(
      tap + rowBytes,
      weights + 3 * weightStep,
      weightStep,
      to,
      pixels,
      pixelBytes,
      initial,
      false,
      false,
      stride,
      code,
      alpha,
      beta,
    );
    sweepKernelRow(
      tap + 2 * rowBytes,
      weights + 6 * weightStep,
      weightStep,
      to,
      pixels,
      pixelBytes,
      initial,
      false,
      true,
      stride,
      code,
      alpha,
      beta,
    );
  }
}

/**
 * One pass of sweepTileByRows: adds one kernel row's three taps to `pixels` partial sums at `to` (isFirst: starts
 * them at `initial`), and (isLast) applies the activation.
 */
@inline
function sweepKernelRow(
  tap: usize,
  weights: usize,
  weightStep: usize,
  to: usize,
  pixels: i32,
  pixelBytes: usize,
  initial: v128,
  isFirst: bool,
  isLast: bool,
  stride: i32,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  const w0 = v128.load(weights);
  const w1 = v128.load(weights + weightStep);
  const w2 = v128.load(weights + 2 * weightStep);
  let x = tap;
  let y = to;
  let pixel = 0;
  if (stride == 1) {
    // A pair's last two inputs are the next pair's first two: they stay in registers (two loads a pair, not four).
    let in0 = v128.load(x);
    let in1 = v128.load(x + pixelBytes);
    for (; pixel + 2 <= pixels; pixel += 2) {
      const x2 = x + 2 * pixelBytes;
      const y1 = y + pixelBytes;
      const in2 = v128.load(x2);
      const in3 = v128.load(x2 + pixelBytes);
      let sum0 = multiplyAdd(in0, w0, isFirst ? initial : v128.load(y));
      let sum1 = multiplyAdd(in1, w0, isFirst ? initial : v128.load(y1));
      sum0 = multiplyAdd(in1, w1, sum0);
      sum1 = multiplyAdd(in2, w1, sum1);
      sum0 = multiplyAdd(in2, w2, sum0);
      sum1 = multiplyAdd(in3, w2, sum1);
      v128.store(y, isLast ? activateVector(code, sum0, alpha, beta) : sum0);
      v128.store(y1, isLast ? activateVector(code, sum1, alpha, beta) : sum1);
      in0 = in2;
      in1 = in3;
      x = x2;
      y = y1 + pixelBytes;
    }
  } else {
    for (; pixel + 2 <= pixels; pixel += 2) {
      const x1 = x + pixelBytes;
      const x2 = x1 + pixelBytes;
      const x3 = x2 + pixelBytes;
      const y1 = y + pixelBytes;
      // Stride 2: the pixels share their middle tap (five loads for six multiply-adds).
      const in2 = v128.load(x2);
      let sum0 = multiplyAdd(v128.load(x), w0, isFirst ? initial : v128.load(y));
      let sum1 = multiplyAdd(in2, w0, isFirst ? initial : v128.load(y1));
      sum0 = multiplyAdd(v128.load(x1), w1, sum0);
      sum1 = multiplyAdd(v128.load(x3), w1, sum1);
      sum0 = multiplyAdd(in2, w2, sum0);
      sum1 = multiplyAdd(v128.load(x3 + pixelBytes), w2, sum1);
      v128.store(y, isLast ? activateVector(code, sum0, alpha, beta) : sum0);
      v128.store(y1, isLast ? activateVector(code, sum1, alpha, beta) : sum1);
      x = x3 + pixelBytes;
      y = y1 + pixelBytes;
    }
  }
  if (pixel < pixels) {
    let sum = multiplyAdd(v128.load(x), w0, isFirst ? initial : v128.load(y));
    sum = multiplyAdd(v128.load(x + pixelBytes), w1, sum);
    sum = multiplyAdd(v128.load(x + 2 * pixelBytes), w2, sum);
    v128.store(y, isLast ? activateVector(code, sum, alpha, beta) : sum);
  }
}

/**
 * Channels [c, c + 4) (isWhole) or channel c alone of one output pixel (byte `at` of the output): the
 * bias, then the taps of `rows` kernel rows of `columns` taps starting at `inputs` and `weights`, then
 * the output stage.
 */
@inline
function pixelChannels(
  inputs: usize,
  weights: usize,
  rows: i32,
  columns: i32,
  rowBytes: usize,
  weightRowStep: usize,
  tapBytes: usize,
  weightStep: usize,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  code: i32,
  alpha: v128,
  beta: v128,
  c: i32,
  isWhole: bool,
): void {
  const channelBytes = (<usize>c) << 2;
  let sum = bias != 0 ? loadLanes(bias + channelBytes, isWhole) : f32x4.splat(0);
  for (let ky = 0; ky < rows; ky++) {
    let tap = inputs + <usize>ky * rowBytes + channelBytes;
    let weight = weights + <usize>ky * weightRowStep + channelBytes;
    for (let kx = 0; kx < columns; kx++) {
      sum = multiplyAdd(loadLanes(tap, isWhole), loadLanes(weight, isWhole), sum);
      tap += tapBytes;
      weight += weightStep;
    }
  }
  finish(sum, output, residual, at + channelBytes, code, alpha, beta, isWhole);
}

/** The output stage of one vector of sums at byte `at` of the output: + residual, the activation, the store. */
@inline
function finish(
  sum: v128,
  output: usize,
  residual: usize,
  at: usize,
  code: i32,
  alpha: v128,
  beta: v128,
  isWhole: bool,
): void {
  let value = sum;
  if (residual != 0) value = f32x4.add(value, loadLanes(residual + at, isWhole));
  storeLanes(output + at, activateVector(code, value, alpha, beta), isWhole);
}

/**
 * dOut   [batch, outH, outW, C]
 * filter [kH, kW, 1, C]
 * dInput [batch, inH, inW, C]: for each input pixel, the sum over the taps that read it (in (ky, kx)
 *        order) of dOut at the tap's output pixel times the tap's weight.
 * A gather, so threads split input rows and each value is written once. Each pixel first lists its
 * taps (byte offsets of the dOut pixel and of the weights) in this thread's scratch (field 4: 8 bytes
 * for each kernel row, column and tap), from the kernel rows valid for its row and the kernel columns
 * valid for its column; then every channel block runs down the list with the sums in registers, 16
 * channels a step.
 * (The wasm backend runs stride-1 undilated gradients as the forward kernel on the flipped filter.)
 */
export function depthwiseConv2dBackpropInput(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const dOut = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  const scratch = scratchOf(job, threadIndex);
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const inH = g.inH;
  const inW = g.inW;
  const channels = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const pixelBytes = (<usize>channels) << 2;
  const vectorEnd = channels & ~3;
  const rows = g.batch * inH;
  const lastRow = rangeEnd(rows, 1, threadIndex, threadCount);
  // Scratch: this row's kernel rows (dOut row offset, weight row offset), this pixel's kernel columns
  // (dOut column offset, weight column offset), then the pixel's tap list (their combinations).
  const kernelRows = scratch;
  const kernelColumns = scratch + <usize>kH * 8;
  const tapList = kernelColumns + <usize>kW * 8;
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < lastRow; row++) {
    const image = row / inH;
    const iy = row % inH;
    let kernelRowsEnd = kernelRows;
    for (let ky = 0; ky < kH; ky++) {
      const rowOffset = iy + padTop - ky * dilationH;
      if (rowOffset < 0 || rowOffset % strideH != 0 || rowOffset / strideH >= outH) continue;
      store<u32>(kernelRowsEnd, <u32>(<usize>((image * outH + rowOffset / strideH) * outW) * pixelBytes));
      store<u32>(kernelRowsEnd, <u32>(<usize>(ky * kW) * pixelBytes), 4);
      kernelRowsEnd += 8;
    }
    for (let ix = 0; ix < inW; ix++) {
      let kernelColumnsEnd = kernelColumns;
      const reach = ix + padLeft;
      // Kernel column kx reads output column (reach - kx * dilationW) / strideW where that divides
      // exactly; undilated, those are kx = reach % strideW, then every strideW-th.
      const kxFirst = dilationW == 1 ? reach % strideW : 0;
      const kxStep = dilationW == 1 ? strideW : 1;
      for (let kx = kxFirst; kx < kW; kx += kxStep) {
        const columnOffset = reach - kx * dilationW;
        if (columnOffset < 0) break;
        if (columnOffset % strideW != 0 || columnOffset / strideW >= outW) continue;
        store<u32>(kernelColumnsEnd, <u32>(<usize>(columnOffset / strideW) * pixelBytes));
        store<u32>(kernelColumnsEnd, <u32>(<usize>kx * pixelBytes), 4);
        kernelColumnsEnd += 8;
      }
      let tapEnd = tapList;
      for (let rowEntry = kernelRows; rowEntry < kernelRowsEnd; rowEntry += 8) {
        for (let columnEntry = kernelColumns; columnEntry < kernelColumnsEnd; columnEntry += 8) {
          store<u32>(tapEnd, load<u32>(rowEntry) + load<u32>(columnEntry));
          store<u32>(tapEnd, load<u32>(rowEntry, 4) + load<u32>(columnEntry, 4), 4);
          tapEnd += 8;
        }
      }
      const destination = dInput + <usize>(row * inW + ix) * pixelBytes;
      let c = 0;
      for (; c + 16 <= vectorEnd; c += 16) {
        const channelBytes = (<usize>c) << 2;
        let sum0 = f32x4.splat(0);
        let sum1 = sum0;
        let sum2 = sum0;
        let sum3 = sum0;
        for (let tap = tapList; tap < tapEnd; tap += 8) {
          const source = dOut + <usize>load<u32>(tap) + channelBytes;
          const weight = filter + <usize>load<u32>(tap, 4) + channelBytes;
          sum0 = multiplyAdd(v128.load(source), v128.load(weight), sum0);
          sum1 = multiplyAdd(v128.load(source, 16), v128.load(weight, 16), sum1);
          sum2 = multiplyAdd(v128.load(source, 32), v128.load(weight, 32), sum2);
          sum3 = multiplyAdd(v128.load(source, 48), v128.load(weight, 48), sum3);
        }
        v128.store(destination + channelBytes, sum0);
        v128.store(destination + channelBytes, sum1, 16);
        v128.store(destination + channelBytes, sum2, 32);
        v128.store(destination + channelBytes, sum3, 48);
      }
      for (; c < vectorEnd; c += 4) gatherChannels(dOut, filter, tapList, tapEnd, destination, c, true);
      for (; c < channels; c++) gatherChannels(dOut, filter, tapList, tapEnd, destination, c, false);
    }
  }
}

/** Channels [c, c + 4) (isWhole) or channel c alone of one dInput pixel: the sum down its tap list. */
@inline
function gatherChannels(
  dOut: usize,
  filter: usize,
  taps: usize,
  tapEnd: usize,
  destination: usize,
  c: i32,
  isWhole: bool,
): void {
  const channelBytes = (<usize>c) << 2;
  let sum = f32x4.splat(0);
  for (let tap = taps; tap < tapEnd; tap += 8) {
    const source = dOut + <usize>load<u32>(tap) + channelBytes;
    const weight = filter + <usize>load<u32>(tap, 4) + channelBytes;
    sum = multiplyAdd(loadLanes(source, isWhole), loadLanes(weight, isWhole), sum);
  }
  storeLanes(destination + channelBytes, sum, isWhole);
}

/**
 * input   [batch, inH, inW, C]
 * dOut    [batch, outH, outW, C]
 * dFilter [kH, kW, 1, C]: for each tap, the sum over output pixels (rows, then columns, in order) of
 *         input at the tap times dOut.
 * Threads own blocks of channels, so every sum runs in the same order on any thread count. For each
 * output row and tap, the output columns whose tap falls inside the input are one range (no bounds
 * checks in the loop), walked with 16 channels' sums in registers: the sums leave registers once per
 * row and tap instead of once per pixel.
 */
export function depthwiseConv2dBackpropFilter(job: usize, threadIndex: i32, threadCount: i32): void {
  const g = convGeometryOf(job);
  const input = pointerField(job, 0);
  const dOut = pointerField(job, 1);
  const dFilter = pointerField(job, 2);
  const dilationH = intField(job, 22);
  const dilationW = intField(job, 23);
  const inH = g.inH;
  const inW = g.inW;
  const channels = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const first = rangeStart(channels, 4, threadIndex, threadCount);
  const last = rangeEnd(channels, 4, threadIndex, threadCount);
  if (first >= last) return;
  const vectorEnd = first + ((last - first) & ~3);
  const pixelBytes = (<usize>channels) << 2;
  const strideBytes = <usize>strideW * pixelBytes;
  for (let tap = 0; tap < kH * kW; tap++)
    memory.fill(dFilter + <usize>(tap * channels + first) * 4, 0, (<usize>(last - first)) << 2);
  const rows = g.batch * outH;
  for (let row = 0; row < rows; row++) {
    const image = row / outH;
    const iyStart = (row % outH) * strideH - padTop;
    const kyStart = min(kH, firstInside(iyStart, dilationH));
    const rowReach = inH - 1 - iyStart;
    const kyEnd = max(kyStart, rowReach < 0 ? 0 : min(kH, rowReach / dilationH + 1));
    const gradientRow = dOut + <usize>row * <usize>outW * pixelBytes;
    for (let ky = kyStart; ky < kyEnd; ky++) {
      const inputRow = input + <usize>((image * inH + iyStart + ky * dilationH) * inW) * pixelBytes;
      for (let kx = 0; kx < kW; kx++) {
        // Output column ox reads input column ox * strideW + columnOffset.
        const columnOffset = kx * dilationW - padLeft;
        const oxStart = min(outW, firstInside(columnOffset, strideW));
        const columnReach = inW - 1 - columnOffset;
        const oxEnd = max(oxStart, columnReach < 0 ? 0 : min(outW, columnReach / strideW + 1));
        if (oxStart == oxEnd) continue;
        const sums = dFilter + <usize>(ky * kW + kx) * pixelBytes;
        // Byte address of the input at output column oxStart (channel 0) and of dOut there.
        const sources = inputRow + <usize>(oxStart * strideW + columnOffset) * pixelBytes;
        const gradients = gradientRow + <usize>oxStart * pixelBytes;
        const count = oxEnd - oxStart;
        let c = first;
        for (; c + 16 <= vectorEnd; c += 16) {
          const at = (<usize>c) << 2;
          let sum0 = v128.load(sums + at);
          let sum1 = v128.load(sums + at, 16);
          let sum2 = v128.load(sums + at, 32);
          let sum3 = v128.load(sums + at, 48);
          let source = sources + at;
          let gradient = gradients + at;
          for (let index = 0; index < count; index++) {
            sum0 = multiplyAdd(v128.load(source), v128.load(gradient), sum0);
            sum1 = multiplyAdd(v128.load(source, 16), v128.load(gradient, 16), sum1);
            sum2 = multiplyAdd(v128.load(source, 32), v128.load(gradient, 32), sum2);
            sum3 = multiplyAdd(v128.load(source, 48), v128.load(gradient, 48), sum3);
            source += strideBytes;
            gradient += pixelBytes;
          }
          v128.store(sums + at, sum0);
          v128.store(sums + at, sum1, 16);
          v128.store(sums + at, sum2, 32);
          v128.store(sums + at, sum3, 48);
        }
        for (; c < vectorEnd; c += 4) sumChannels(sums, sources, gradients, count, strideBytes, pixelBytes, c, true);
        for (; c < last; c++) sumChannels(sums, sources, gradients, count, strideBytes, pixelBytes, c, false);
      }
    }
  }
}

/** Channels [c, c + 4) (isWhole) or channel c alone of one tap's filter gradient: adds `count` pixels' products. */
@inline
function sumChannels(
  sums: usize,
  sources: usize,
  gradients: usize,
  count: i32,
  strideBytes: usize,
  pixelBytes: usize,
  c: i32,
  isWhole: bool,
): void {
  const at = (<usize>c) << 2;
  let sum = loadLanes(sums + at, isWhole);
  let source = sources + at;
  let gradient = gradients + at;
  for (let index = 0; index < count; index++) {
    sum = multiplyAdd(loadLanes(source, isWhole), loadLanes(gradient, isWhole), sum);
    source += strideBytes;
    gradient += pixelBytes;
  }
  storeLanes(sums + at, sum, isWhole);
}
