// Average pooling kernels of the WebAssembly SIMD backend (reference: src/kernels/js/avgPool2d.ts):
// the mean over the valid (non-padded) values of each window. Both passes keep 4 channels per f32x4
// (channels past the last multiple of 4 run one at a time). Forward splits output pixels over threads, or channels
// where there are fewer pixels than threads.
// Backward gathers instead of scattering: each input pixel sums the shares of the outputs whose
// windows cover it, so threads split input rows, nothing is zero-filled first, and no two threads
// write the same value (results do not depend on the thread count).
//
// With countIncludePad the divisor is the window's extent inside the padded input (see the reference).
//
// Job record: AvgPool2dJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts), the backward pass reading dOut and
// dInput as input and output; the window geometry is read in place (poolGeometryOf in job.ts).

import { intField, pointerField, poolGeometryOf, rangeEnd, rangeStart, spanEnd, spanStart } from './job';
import { AvgPool2dJob } from './jobFields';

/** The divisor of a window along one axis: its input span, or (countIncludePad) its span inside the padded input. */
@inline
function divisorSpan(
  out: i32,
  stride: i32,
  padBefore: i32,
  padAfter: i32,
  kSize: i32,
  inSize: i32,
  countIncludePad: bool,
): i32 {
  if (countIncludePad) return min(out * stride - padBefore + kSize, inSize + padAfter) - (out * stride - padBefore);
  return spanEnd(out, stride, padBefore, kSize, inSize) - spanStart(out, stride, padBefore);
}

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]: sum of the window's valid values / their count
 */
export function avgPool2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, AvgPool2dJob.input);
  const output = pointerField(job, AvgPool2dJob.output);
  const g = poolGeometryOf(job);
  // Locals, not g.field in the loops: stores to output may alias the job record (see maxPool2d.ts).
  const channels = g.channels;
  const inH = g.inH;
  const inW = g.inW;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const countIncludePad = intField(job, AvgPool2dJob.countIncludePad) != 0;
  const padBottom = intField(job, AvgPool2dJob.padBottom);
  const padRight = intField(job, AvgPool2dJob.padRight);
  const imagePixels = outH * outW;
  const pixels = g.batch * imagePixels;
  // Fewer output pixels than threads (a global pooling at batch 1: EfficientNet-B0's squeeze-and-excitation inputs,
  // 0.41 ms of its batch-1 predict on 2 threads, all on one of them): threads split the channels instead, 16 at a
  // time, so that each channel runs the same loop (and sums) as when one thread has them all.
  const isSplitByChannels = pixels < threadCount;
  const channelStart = isSplitByChannels ? rangeStart(channels, 16, threadIndex, threadCount) : 0;
  const channelEnd = isSplitByChannels ? rangeEnd(channels, 16, threadIndex, threadCount) : channels;
  const vectorEnd = min(channels & ~3, channelEnd);
  const first = isSplitByChannels ? 0 : rangeStart(pixels, 1, threadIndex, threadCount);
  const last = isSplitByChannels ? pixels : rangeEnd(pixels, 1, threadIndex, threadCount);
  for (let pixel = first; pixel < last; pixel++) {
    const image = pixel / imagePixels;
    const oy = (pixel % imagePixels) / outW;
    const ox = pixel % outW;
    const yStart = spanStart(oy, strideH, padTop);
    const yEnd = spanEnd(oy, strideH, padTop, kH, inH);
    const xStart = spanStart(ox, strideW, padLeft);
    const xEnd = spanEnd(ox, strideW, padLeft, kW, inW);
    const count = <f32>(
      (divisorSpan(oy, strideH, padTop, padBottom, kH, inH, countIncludePad) *
        divisorSpan(ox, strideW, padLeft, padRight, kW, inW, countIncludePad))
    );
    const divisor = f32x4.splat(count);
    const outBase = output + ((<usize>(pixel * channels)) << 2);
    let c = channelStart;
    // 16 channels a step: four independent sums, and whole 64-byte lines read per pixel. Measured one
    // thread, global pooling of 56x56x144 and 112x112x32: 2x (0.097 -> 0.049 ms, 0.095 -> 0.042 ms).
    // NOTE: reading a global window's map once in memory order did not pay (one thread, bench/depthwiseKernels.ts,
    // medians, 2 alternations; same bits): the channel sums kept in the output, 112x112x32 0.037 -> 0.077 ms,
    // 56x56x96 0.025 -> 0.031; 32 channels a step in eight registers, 112x112x32 0.035 -> 0.057, the rest even.
    // Every global pooling on one thread (work 0) on 2 threads: EfficientNet-B0 batch 1's AvgPool2D steps (wall,
    // profileInference, medians of 10, 3 alternations) 0.46-0.58 -> 0.59-0.63 ms.
    for (; c + 16 <= vectorEnd; c += 16) {
      let sum0 = f32x4.splat(0);
      let sum1 = sum0;
      let sum2 = sum0;
      let sum3 = sum0;
      for (let iy = yStart; iy < yEnd; iy++) {
        const rowBase = input + ((<usize>((image * inH + iy) * inW * channels + c)) << 2);
        for (let ix = xStart; ix < xEnd; ix++) {
          const at = rowBase + ((<usize>(ix * channels)) << 2);
          sum0 = f32x4.add(sum0, v128.load(at));
          sum1 = f32x4.add(sum1, v128.load(at, 16));
          sum2 = f32x4.add(sum2, v128.load(at, 32));
          sum3 = f32x4.add(sum3, v128.load(at, 48));
        }
      }
      const to = outBase + ((<usize>c) << 2);
      v128.store(to, f32x4.div(sum0, divisor));
      v128.store(to, f32x4.div(sum1, divisor), 16);
      v128.store(to, f32x4.div(sum2, divisor), 32);
      v128.store(to, f32x4.div(sum3, divisor), 48);
    }
    for (; c < vectorEnd; c += 4) {
      let sum = f32x4.splat(0);
      for (let iy = yStart; iy < yEnd; iy++) {
        const rowBase = input + ((<usize>((image * inH + iy) * inW * channels + c)) << 2);
        for (let ix = xStart; ix < xEnd; ix++)
          sum = f32x4.add(sum, v128.load(rowBase + ((<usize>(ix * channels)) << 2)));
      }
      v128.store(outBase + ((<usize>c) << 2), f32x4.div(sum, divisor));
    }
    for (let c = max(vectorEnd, channelStart); c < channelEnd; c++) {
      let sum: f32 = 0;
      for (let iy = yStart; iy < yEnd; iy++) {
        const rowBase = input + ((<usize>((image * inH + iy) * inW * channels + c)) << 2);
        for (let ix = xStart; ix < xEnd; ix++) sum += load<f32>(rowBase + ((<usize>(ix * channels)) << 2));
      }
      store<f32>(outBase + ((<usize>c) << 2), sum / count);
    }
  }
}

/**
 * dOut   [batch, outH, outW, C]
 * dInput [batch, inH, inW, C] (overwritten): sum of dOut / count over the outputs whose windows cover
 * the pixel. Output oy covers input row iy when oy * strideH - padTop <= iy < oy * strideH - padTop + kH,
 * that is for oy from ceil((iy + padTop - kH + 1) / strideH) to floor((iy + padTop) / strideH).
 */
export function avgPool2dBackprop(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, AvgPool2dJob.input);
  const dInput = pointerField(job, AvgPool2dJob.output);
  const g = poolGeometryOf(job);
  const channels = g.channels;
  const inH = g.inH;
  const inW = g.inW;
  const outH = g.outH;
  const outW = g.outW;
  const kH = g.kH;
  const kW = g.kW;
  const strideH = g.strideH;
  const strideW = g.strideW;
  const padTop = g.padTop;
  const padLeft = g.padLeft;
  const countIncludePad = intField(job, AvgPool2dJob.countIncludePad) != 0;
  const padBottom = intField(job, AvgPool2dJob.padBottom);
  const padRight = intField(job, AvgPool2dJob.padRight);
  const vectorEnd = channels & ~3;
  const last = rangeEnd(g.batch * inH, 1, threadIndex, threadCount);
  for (let row = rangeStart(g.batch * inH, 1, threadIndex, threadCount); row < last; row++) {
    const image = row / inH;
    const iy = row % inH;
    const yFirst = iy + padTop - kH + 1;
    const oyStart = yFirst <= 0 ? 0 : (yFirst + strideH - 1) / strideH;
    const oyEnd = min(outH, (iy + padTop) / strideH + 1);
    for (let ix = 0; ix < inW; ix++) {
      const xFirst = ix + padLeft - kW + 1;
      const oxStart = xFirst <= 0 ? 0 : (xFirst + strideW - 1) / strideW;
      const oxEnd = min(outW, (ix + padLeft) / strideW + 1);
      const inBase = dInput + ((<usize>((row * inW + ix) * channels)) << 2);
      for (let c = 0; c < vectorEnd; c += 4) {
        let sum = f32x4.splat(0);
        for (let oy = oyStart; oy < oyEnd; oy++) {
          const rows = divisorSpan(oy, strideH, padTop, padBottom, kH, inH, countIncludePad);
          for (let ox = oxStart; ox < oxEnd; ox++) {
            const count = <f32>(rows * divisorSpan(ox, strideW, padLeft, padRight, kW, inW, countIncludePad));
            const share = v128.load(dOut + ((<usize>(((image * outH + oy) * outW + ox) * channels + c)) << 2));
            sum = f32x4.add(sum, f32x4.div(share, f32x4.splat(count)));
          }
        }
        v128.store(inBase + ((<usize>c) << 2), sum);
      }
      for (let c = vectorEnd; c < channels; c++) {
        let sum: f32 = 0;
        for (let oy = oyStart; oy < oyEnd; oy++) {
          const rows = divisorSpan(oy, strideH, padTop, padBottom, kH, inH, countIncludePad);
          for (let ox = oxStart; ox < oxEnd; ox++) {
            const count = <f32>(rows * divisorSpan(ox, strideW, padLeft, padRight, kW, inW, countIncludePad));
            sum += load<f32>(dOut + ((<usize>(((image * outH + oy) * outW + ox) * channels + c)) << 2)) / count;
          }
        }
        store<f32>(inBase + ((<usize>c) << 2), sum);
      }
    }
  }
}
