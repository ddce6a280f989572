// Direct convolution of few input channels (the stems: MobileNetV2's and EfficientNet's 3x3 stride-2 convolution
// of 3 channels to 32), forward only. im2col + GEMM copies each window (k = kH*kW*inC floats) into a panel and
// packs it again, a quarter of the stem's time at k = 27; here neighbouring output pixels read their windows in
// place: a window's kernel row is kW*inC contiguous floats of an input row, so a step broadcasts one float of each
// pixel's window and multiplies it into output channels of the filter [kH, kW, inC, outC]. Four pixels take 8
// channels a step (eight accumulators, four broadcasts and two weight loads, as gemm.ts's 4x8 micro-kernel); a
// pair left at a row's end takes 16 (two broadcasts and four weight loads: 14 live vectors of V8's 15).
// Each sum starts at 0 and adds the taps in (ky, kx, channel) order, one multiply-add a step, a tap in the padding
// as a zero, then the bias, the residual and the activation in registers (as gemm.ts's microKernel finishes a
// tile): the bits of im2col + GEMM, prepared filter or not, on any thread count. Threads split output rows.
// Measured (one thread, CPU time, median of 9, 2 alternations): MobileNetV2's stem at batch 8 5.6 -> 4.4 ms (39.5
// GFLOP/s), batch 1 0.75 -> 0.62 ms; ResNet's 7x7 stem (k = 147) at batch 8 40.0 -> 39.7 ms. Quads of pixels
// instead of pairs (min of 15, 3 alternations): MobileNetV2's stem at batch 8 4.42 -> 3.91 ms (44 GFLOP/s).
// NOTE: the pair's 9 steps of a kernel row unrolled (offsets as constants) ran at half the speed (spills). A pixel with
// all 32 channels at once would hold 8 accumulators, a broadcast and 8 weights: 17 live vectors, so V8 would spill.
// NOTE: a quad's broadcasts at constant offsets from one address (24, 48 and 72 bytes: 3 channels at stride 2, a copy
// of the quad for that case) instead of three additions a step ran slower: MobileNetV2's stem alone at batch 8, one
// thread, CPU time, min of 20 over 4 alternations 4.69-4.78 -> 5.46-5.54 ms (batch 1 0.55-0.59 -> 0.63-0.67).
//
// Job record (conv2d.ts's layout): 0-3 buffers (input, filter, bias or 0, output), 4-6 unused, 7-19 geometry
// (convGeometryOf), 20-24 unused (one group, undilated), 25-28 the epilogue (epilogue.ts).
// The caller checks: one group, undilated, outC a multiple of FEW_CHANNELS_BLOCK.

import {
  ACTIVATION_CLIP,
  ACTIVATION_NONE,
  ACTIVATION_RELU,
  activateVector,
  epilogueOf,
  finishRow,
  isRegisterActivation,
} from './epilogue';
import { convGeometryOf, pointerField, rangeEnd, rangeStart } from './job';

/** Output channels a step of a pixel pair computes (four vectors per pixel). */
const FEW_CHANNELS_BLOCK: i32 = 16;
/** Output channels a step of a pixel quad computes (two vectors per pixel). */
const QUAD_CHANNELS_BLOCK: i32 = 8;

@inline
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * input  [batch, inH, inW, inC]
 * filter [kH, kW, inC, outC]
 * bias   [outC] or 0
 * output [batch, outH, outW, outC] = activation(taps + bias + residual); residual (field 25) like output, or 0
 */
export function conv2dFewChannels(job: usize, threadIndex: i32, threadCount: i32): void {
  // The activation dispatched once (a constant in each inlined copy), as depthwise.ts does.
  const code = epilogueOf(job).activation;
  if (code == ACTIVATION_CLIP) fewChannelsForward(job, threadIndex, threadCount, ACTIVATION_CLIP);
  else if (code == ACTIVATION_RELU) fewChannelsForward(job, threadIndex, threadCount, ACTIVATION_RELU);
  else if (code == ACTIVATION_NONE) fewChannelsForward(job, threadIndex, threadCount, ACTIVATION_NONE);
  else fewChannelsForward(job, threadIndex, threadCount, code);
}

/** conv2dFewChannels for activation `code` (a constant where the caller dispatched it). */
@inline
function fewChannelsForward(job: usize, threadIndex: i32, threadCount: i32, code: i32): void {
  const g = convGeometryOf(job);
  const input = pointerField(job, 0);
  const filter = pointerField(job, 1);
  const bias = pointerField(job, 2);
  const output = pointerField(job, 3);
  const epilogue = epilogueOf(job);
  const residual = epilogue.residual;
  const alpha = f32x4.splat(epilogue.alpha);
  const beta = f32x4.splat(epilogue.beta);
  // Other activations (sigmoid, SiLU, ...) run over each finished row, four vectors a step (finishRow).
  const isInRegisters = isRegisterActivation(code);
  const registerCode = isInRegisters ? code : ACTIVATION_NONE;
  const inH = g.inH;
  const inW = g.inW;
  const inC = g.inC;
  const outH = g.outH;
  const outW = g.outW;
  const outC = g.outC;
  const kH = g.kH;
  const kW = g.kW;
  const strideW = g.strideW;
  const padLeft = g.padLeft;
  const rowFloats = kW * inC;
  const inputRowBytes = (<usize>inW * <usize>inC) << 2;
  const pixelBytes = (<usize>outC) << 2;
  // The step between two output pixels' windows, and between two taps' weights.
  const pairBytes = (<usize>strideW * <usize>inC) << 2;
  const tapBytes = pixelBytes;
  // The output columns whose windows lie inside the input's columns.
  const insideFirst = (padLeft + strideW - 1) / strideW;
  const insideEnd = min(outW, inW - kW + padLeft >= 0 ? (inW - kW + padLeft) / strideW + 1 : 0);
  const rows = g.batch * outH;
  const lastRow = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < lastRow; row++) {
    const image = row / outH;
    const iyStart = (row % outH) * g.strideH - g.padTop;
    const imageInput = input + <usize>(image * inH) * inputRowBytes;
    const rowAt = <usize>(row * outW) * pixelBytes;
    const isRowInside = iyStart >= 0 && iyStart + kH <= inH;
    let ox = 0;
    while (ox < outW) {
      const ixStart = ox * strideW - padLeft;
      const at = rowAt + <usize>ox * pixelBytes;
      if (isRowInside && ox >= insideFirst && ox + 3 < insideEnd) {
        const window = imageInput + <usize>iyStart * inputRowBytes + ((<usize>(ixStart * inC)) << 2);
        for (let block = 0; block < outC; block += QUAD_CHANNELS_BLOCK) {
          pixelQuadBlock(
            window,
            pairBytes,
            filter + ((<usize>block) << 2),
            tapBytes,
            kH,
            rowFloats,
            inputRowBytes,
            bias != 0 ? bias + ((<usize>block) << 2) : 0,
            output,
            residual,
            at + ((<usize>block) << 2),
            pixelBytes,
            registerCode,
            alpha,
            beta,
          );
        }
        ox += 4;
      } else if (isRowInside && ox >= insideFirst && ox + 1 < insideEnd) {
        const window = imageInput + <usize>iyStart * inputRowBytes + ((<usize>(ixStart * inC)) << 2);
        for (let block = 0; block < outC; block += FEW_CHANNELS_BLOCK) {
          pixelPairBlock(
            window,
            pairBytes,
            filter + ((<usize>block) << 2),
            tapBytes,
            kH,
            rowFloats,
            inputRowBytes,
            bias != 0 ? bias + ((<usize>block) << 2) : 0,
            output,
            residual,
            at + ((<usize>block) << 2),
            pixelBytes,
            registerCode,
            alpha,
            beta,
          );
        }
        ox += 2;
      } else {
        for (let block = 0; block < outC; block += FEW_CHANNELS_BLOCK) {
          edgePixelBlock(
            imageInput,
            iyStart,
            ixStart,
            inH,
            inW,
            inC,
            kH,
            kW,
            filter + ((<usize>block) << 2),
            tapBytes,
            bias != 0 ? bias + ((<usize>block) << 2) : 0,
            output,
            residual,
            at + ((<usize>block) << 2),
            registerCode,
            alpha,
            beta,
          );
        }
        ox += 1;
      }
    }
    if (!isInRegisters) finishRow(output + rowAt, 0, 0, outW * outC, code, epilogue.alpha, epilogue.beta);
  }
}

/**
 * 16 output channels of two neighbouring output pixels whose windows lie inside the input: `window` is the first
 * pixel's window (kernel row 0, its first float), the second's is `pairBytes` further; `weights` and `bias` start
 * at this block's first channel.
 */
@inline
function pixelPairBlock(
  window: usize,
  pairBytes: usize,
  weights: usize,
  tapBytes: usize,
  kH: i32,
  rowFloats: i32,
  inputRowBytes: usize,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  pixelBytes: usize,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  let sum0 = f32x4.splat(0);
  let sum1 = f32x4.splat(0);
  let sum2 = f32x4.splat(0);
  let sum3 = f32x4.splat(0);
  let sum4 = f32x4.splat(0);
  let sum5 = f32x4.splat(0);
  let sum6 = f32x4.splat(0);
  let sum7 = f32x4.splat(0);
  let weight = weights;
  for (let ky = 0; ky < kH; ky++) {
    let first = window + <usize>ky * inputRowBytes;
    const end = first + ((<usize>rowFloats) << 2);
    for (; first < end; first += 4) {
      const a = v128.load32_splat(first);
      const b = v128.load32_splat(first + pairBytes);
      const w0 = v128.load(weight);
      const w1 = v128.load(weight, 16);
      const w2 = v128.load(weight, 32);
      const w3 = v128.load(weight, 48);
      sum0 = multiplyAdd(a, w0, sum0);
      sum1 = multiplyAdd(a, w1, sum1);
      sum2 = multiplyAdd(a, w2, sum2);
      sum3 = multiplyAdd(a, w3, sum3);
      sum4 = multiplyAdd(b, w0, sum4);
      sum5 = multiplyAdd(b, w1, sum5);
      sum6 = multiplyAdd(b, w2, sum6);
      sum7 = multiplyAdd(b, w3, sum7);
      weight += tapBytes;
    }
  }
  finishBlock(sum0, sum1, sum2, sum3, bias, output, residual, at, code, alpha, beta);
  finishBlock(sum4, sum5, sum6, sum7, bias, output, residual, at + pixelBytes, code, alpha, beta);
}

/**
 * 16 output channels of one output pixel whose window may reach into the padding: every tap runs, a tap outside
 * the input as a zero (so its sums are those of im2col + GEMM, which multiplies the zeros of the padding too).
 */
@inline
function edgePixelBlock(
  imageInput: usize,
  iyStart: i32,
  ixStart: i32,
  inH: i32,
  inW: i32,
  inC: i32,
  kH: i32,
  kW: i32,
  weights: usize,
  tapBytes: usize,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  let sum0 = f32x4.splat(0);
  let sum1 = f32x4.splat(0);
  let sum2 = f32x4.splat(0);
  let sum3 = f32x4.splat(0);
  let weight = weights;
  for (let ky = 0; ky < kH; ky++) {
    const iy = iyStart + ky;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ixStart + kx;
      const isInside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
      const pixel = imageInput + ((<usize>((iy * inW + ix) * inC)) << 2);
      for (let channel = 0; channel < inC; channel++) {
        const a = isInside ? v128.load32_splat(pixel + ((<usize>channel) << 2)) : f32x4.splat(0);
        sum0 = multiplyAdd(a, v128.load(weight), sum0);
        sum1 = multiplyAdd(a, v128.load(weight, 16), sum1);
        sum2 = multiplyAdd(a, v128.load(weight, 32), sum2);
        sum3 = multiplyAdd(a, v128.load(weight, 48), sum3);
        weight += tapBytes;
      }
    }
  }
  finishBlock(sum0, sum1, sum2, sum3, bias, output, residual, at, code, alpha, beta);
}

/** The output stage of 16 channels at byte `at` of the output: + bias, + residual, the activation, the store. */
@inline
function finishBlock(
  sum0: v128,
  sum1: v128,
  sum2: v128,
  sum3: v128,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  finishVector(sum0, bias, output, residual, at, 0, code, alpha, beta);
  finishVector(sum1, bias, output, residual, at, 16, code, alpha, beta);
  finishVector(sum2, bias, output, residual, at, 32, code, alpha, beta);
  finishVector(sum3, bias, output, residual, at, 48, code, alpha, beta);
}

@inline
function finishVector(
  sum: v128,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  offset: usize,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  let value = sum;
  if (bias != 0) value = f32x4.add(value, v128.load(bias + offset));
  if (residual != 0) value = f32x4.add(value, v128.load(residual + at + offset));
  v128.store(output + at + offset, activateVector(code, value, alpha, beta));
}

/**
 * 8 output channels of four neighbouring output pixels whose windows lie inside the input: `window` is the first
 * pixel's window (kernel row 0, its first float), each next one's `pairBytes` further; `weights` and `bias` start
 * at this block's first channel.
 */
@inline
function pixelQuadBlock(
  window: usize,
  pairBytes: usize,
  weights: usize,
  tapBytes: usize,
  kH: i32,
  rowFloats: i32,
  inputRowBytes: usize,
  bias: usize,
  output: usize,
  residual: usize,
  at: usize,
  pixelBytes: usize,
  code: i32,
  alpha: v128,
  beta: v128,
): void {
  let sum00 = f32x4.splat(0);
  let sum01 = f32x4.splat(0);
  let sum10 = f32x4.splat(0);
  let sum11 = f32x4.splat(0);
  let sum20 = f32x4.splat(0);
  let sum21 = f32x4.splat(0);
  let sum30 = f32x4.splat(0);
  let sum31 = f32x4.splat(0);
  let weight = weights;
  const pair2 = 2 * pairBytes;
  const pair3 = 3 * pairBytes;
  for (let ky = 0; ky < kH; ky++) {
    let first = window + <usize>ky * inputRowBytes;
    const end = first + ((<usize>rowFloats) << 2);
    for (; first < end; first += 4) {
      const w0 = v128.load(weight);
      const w1 = v128.load(weight, 16);
      const a0 = v128.load32_splat(first);
      const a1 = v128.load32_splat(first + pairBytes);
      const a2 = v128.load32_splat(first + pair2);
      const a3 = v128.load32_splat(first + pair3);
      sum00 = multiplyAdd(a0, w0, sum00);
      sum01 = multiplyAdd(a0, w1, sum01);
      sum10 = multiplyAdd(a1, w0, sum10);
      sum11 = multiplyAdd(a1, w1, sum11);
      sum20 = multiplyAdd(a2, w0, sum20);
      sum21 = multiplyAdd(a2, w1, sum21);
      sum30 = multiplyAdd(a3, w0, sum30);
      sum31 = multiplyAdd(a3, w1, sum31);
      weight += tapBytes;
    }
  }
  finishVector(sum00, bias, output, residual, at, 0, code, alpha, beta);
  finishVector(sum01, bias, output, residual, at, 16, code, alpha, beta);
  finishVector(sum10, bias, output, residual, at + pixelBytes, 0, code, alpha, beta);
  finishVector(sum11, bias, output, residual, at + pixelBytes, 16, code, alpha, beta);
  finishVector(sum20, bias, output, residual, at + 2 * pixelBytes, 0, code, alpha, beta);
  finishVector(sum21, bias, output, residual, at + 2 * pixelBytes, 16, code, alpha, beta);
  finishVector(sum30, bias, output, residual, at + 3 * pixelBytes, 0, code, alpha, beta);
  finishVector(sum31, bias, output, residual, at + 3 * pixelBytes, 16, code, alpha, beta);
}
