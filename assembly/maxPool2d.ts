// Max pooling kernels of the WebAssembly SIMD backend (reference: src/kernels/js/maxPool2d.ts).
// Forward keeps 4 channels per f32x4 with their argmax in an i32x4 (inference: no argmax, whole 2x2
// and 3x3 windows unrolled; training: whole 2x2 and 3x3 windows unrolled); backward scatters each
// gradient to its argmax, clearing dInput's rows just ahead of the scatter (NOTE: writing disjoint 2x2
// windows 4 channels at a time instead was no faster in W2's step). Forward splits output pixels over
// threads; backward splits images, since windows of one image may overlap but never reach another image.
//
// Job records: MaxPool2dJob and MaxPool2dBackpropJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts); the
// window geometry is read in place (poolGeometryOf in job.ts).

import { pointerField, poolGeometryOf, rangeEnd, rangeStart, spanEnd, spanStart } from './job';
import { MaxPool2dBackpropJob, MaxPool2dJob } from './jobFields';

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]
 * argmax [batch, outH, outW, C] flat input index of each maximum (i32), or 0 (none) in inference
 * Padded taps are skipped; the first valid tap seeds the maximum; a later tap wins if larger or NaN.
 */
export function maxPool2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, MaxPool2dJob.input);
  const output = pointerField(job, MaxPool2dJob.output);
  const argmax = pointerField(job, MaxPool2dJob.argmax);
  const g = poolGeometryOf(job);
  // Locals, not g.field in the loops: stores to output may alias the job record, so every field
  // read would be a memory load.
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
  const vectorEnd = channels & ~3;
  const pixels = g.batch * outH * outW;
  const imagePixels = outH * outW;
  const lanes = i32x4(0, 1, 2, 3);
  const rowBytes = (<usize>(inW * channels)) << 2;
  const pixelBytes = (<usize>channels) << 2;
  const last = rangeEnd(pixels, 1, threadIndex, threadCount);
  let pixel = rangeStart(pixels, 1, threadIndex, threadCount);
  let image = pixel / imagePixels;
  let oy = (pixel % imagePixels) / outW;
  let ox = pixel % outW;
  // Output pixels in order, their position stepped at the end of each (no divisions per pixel).
  for (; pixel < last; pixel++) {
    const yStart = spanStart(oy, strideH, padTop);
    const yEnd = spanEnd(oy, strideH, padTop, kH, inH);
    const xStart = spanStart(ox, strideW, padLeft);
    const xEnd = spanEnd(ox, strideW, padLeft, kW, inW);
    const outBase = pixel * channels;
    const firstTap = ((image * inH + yStart) * inW + xStart) * channels;
    const isWhole2x2 = yEnd - yStart == 2 && xEnd - xStart == 2;
    if (argmax == 0 && isWhole2x2) {
      // Inference, a whole 2x2 window (W1's and W2's pools): the four taps unrolled instead of the
      // loops over taps below; with the stepped positions, one thread: 64x28x28x32 1.6x, 64x16x16x64 1.9x.
      const top = input + ((<usize>firstTap) << 2);
      const bottom = top + rowBytes;
      for (let c = 0; c < vectorEnd; c += 4) {
        const offset = (<usize>c) << 2;
        const upper = f32x4.max(v128.load(top + offset), v128.load(top + pixelBytes + offset));
        const lower = f32x4.max(v128.load(bottom + offset), v128.load(bottom + pixelBytes + offset));
        v128.store(output + ((<usize>(outBase + c)) << 2), f32x4.max(upper, lower));
      }
    } else if (argmax == 0 && yEnd - yStart == 3 && xEnd - xStart == 3) {
      // Inference, a whole 3x3 window: unrolled as the 2x2 one (ResNet's stem pool, 1x112x112x64
      // stride 2: 2x, one thread).
      const top = input + ((<usize>firstTap) << 2);
      const middle = top + rowBytes;
      const bottom = middle + rowBytes;
      const twoPixels = pixelBytes << 1;
      for (let c = 0; c < vectorEnd; c += 4) {
        const offset = (<usize>c) << 2;
        const upper = f32x4.max(
          f32x4.max(v128.load(top + offset), v128.load(top + pixelBytes + offset)),
          v128.load(top + twoPixels + offset),
        );
        const center = f32x4.max(
          f32x4.max(v128.load(middle + offset), v128.load(middle + pixelBytes + offset)),
          v128.load(middle + twoPixels + offset),
        );
        const lower = f32x4.max(
          f32x4.max(v128.load(bottom + offset), v128.load(bottom + pixelBytes + offset)),
          v128.load(bottom + twoPixels + offset),
        );
        v128.store(output + ((<usize>(outBase + c)) << 2), f32x4.max(f32x4.max(upper, center), lower));
      }
    } else if (argmax == 0) {
      // Inference: only the maxima (f32x4.max keeps NaN, as the reference kernel does).
      for (let c = 0; c < vectorEnd; c += 4) {
        let best = v128.load(input + ((<usize>(firstTap + c)) << 2));
        for (let iy = yStart; iy < yEnd; iy++) {
          const rowBase = input + ((<usize>((image * inH + iy) * inW * channels + c)) << 2);
          for (let ix = xStart; ix < xEnd; ix++)
            best = f32x4.max(best, v128.load(rowBase + ((<usize>(ix * channels)) << 2)));
        }
        v128.store(output + ((<usize>(outBase + c)) << 2), best);
      }
    }
    if (argmax != 0 && isWhole2x2) {
      // Training, a whole 2x2 window (W2's pools): the four taps unrolled in the loops' order, so the
      // same tap wins. In W2's training step, one thread, CPU time: 64x32x32x32 2.5 -> 2.0 ms,
      // 64x16x16x64 1.4 -> 1.0 ms.
      const top = input + ((<usize>firstTap) << 2);
      const bottom = top + rowBytes;
      const rowStride = inW * channels;
      for (let c = 0; c < vectorEnd; c += 4) {
        const offset = (<usize>c) << 2;
        const index = i32x4.add(i32x4.splat(firstTap + c), lanes);
        let best = v128.load(top + offset);
        let bestIndex = index;
        const right = v128.load(top + pixelBytes + offset);
        let isLarger = v128.or(f32x4.gt(right, best), f32x4.ne(right, right));
        best = selectLanes(right, best, isLarger);
        bestIndex = selectLanes(i32x4.add(index, i32x4.splat(channels)), bestIndex, isLarger);
        const below = v128.load(bottom + offset);
        isLarger = v128.or(f32x4.gt(below, best), f32x4.ne(below, below));
        best = selectLanes(below, best, isLarger);
        bestIndex = selectLanes(i32x4.add(index, i32x4.splat(rowStride)), bestIndex, isLarger);
        const diagonal = v128.load(bottom + pixelBytes + offset);
        isLarger = v128.or(f32x4.gt(diagonal, best), f32x4.ne(diagonal, diagonal));
        best = selectLanes(diagonal, best, isLarger);
        bestIndex = selectLanes(i32x4.add(index, i32x4.splat(rowStride + channels)), bestIndex, isLarger);
        v128.store(output + ((<usize>(outBase + c)) << 2), best);
        v128.store(argmax + ((<usize>(outBase + c)) << 2), bestIndex);
      }
    }
    const isWhole3x3 = yEnd - yStart == 3 && xEnd - xStart == 3;
    if (argmax != 0 && isWhole3x3) {
      // Training, a whole 3x3 window (ResNet's stem pool): the nine taps unrolled in the loops' order, so the
      // same tap wins, each tap's index an offset from the first. ResNet-18's stem pool at batch 16, one
      // thread, CPU time: 15.0 -> 8.1 ms (the loops below computed each tap's index and position).
      const top = input + ((<usize>firstTap) << 2);
      const middle = top + rowBytes;
      const bottom = middle + rowBytes;
      const twoPixels = pixelBytes << 1;
      const rowStride = inW * channels;
      const right = i32x4.splat(channels);
      const farRight = i32x4.splat(2 * channels);
      const below = i32x4.splat(rowStride);
      const farBelow = i32x4.splat(2 * rowStride);
      for (let c = 0; c < vectorEnd; c += 4) {
        const offset = (<usize>c) << 2;
        const first = i32x4.add(i32x4.splat(firstTap + c), lanes);
        const secondRow = i32x4.add(first, below);
        const thirdRow = i32x4.add(first, farBelow);
        let best = v128.load(top + offset);
        let bestIndex = first;
        let value = v128.load(top + pixelBytes + offset);
        let isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(first, right), bestIndex, isLarger);
        value = v128.load(top + twoPixels + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(first, farRight), bestIndex, isLarger);
        value = v128.load(middle + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(secondRow, bestIndex, isLarger);
        value = v128.load(middle + pixelBytes + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(secondRow, right), bestIndex, isLarger);
        value = v128.load(middle + twoPixels + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(secondRow, farRight), bestIndex, isLarger);
        value = v128.load(bottom + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(thirdRow, bestIndex, isLarger);
        value = v128.load(bottom + pixelBytes + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(thirdRow, right), bestIndex, isLarger);
        value = v128.load(bottom + twoPixels + offset);
        isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
        best = selectLanes(value, best, isLarger);
        bestIndex = selectLanes(i32x4.add(thirdRow, farRight), bestIndex, isLarger);
        v128.store(output + ((<usize>(outBase + c)) << 2), best);
        v128.store(argmax + ((<usize>(outBase + c)) << 2), bestIndex);
      }
    }
    for (let c = 0; argmax != 0 && !isWhole2x2 && !isWhole3x3 && c < vectorEnd; c += 4) {
      let best = v128.load(input + ((<usize>(firstTap + c)) << 2));
      let bestIndex = i32x4.add(i32x4.splat(firstTap + c), lanes);
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) {
          const index = ((image * inH + iy) * inW + ix) * channels + c;
          const value = v128.load(input + ((<usize>index) << 2));
          // A NaN wins too, so it propagates as in the reference kernel.
          const isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
          best = selectLanes(value, best, isLarger);
          bestIndex = selectLanes(i32x4.add(i32x4.splat(index), lanes), bestIndex, isLarger);
        }
      }
      v128.store(output + ((<usize>(outBase + c)) << 2), best);
      v128.store(argmax + ((<usize>(outBase + c)) << 2), bestIndex);
    }
    for (let c = vectorEnd; c < channels; c++) {
      let best = load<f32>(input + ((<usize>(firstTap + c)) << 2));
      let bestIndex = firstTap + c;
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) {
          const index = ((image * inH + iy) * inW + ix) * channels + c;
          const value = load<f32>(input + ((<usize>index) << 2));
          if (value > best || value != value) {
            best = value;
            bestIndex = index;
          }
        }
      }
      store<f32>(output + ((<usize>(outBase + c)) << 2), best);
      if (argmax != 0) store<i32>(argmax + ((<usize>(outBase + c)) << 2), bestIndex);
    }
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        image++;
      }
    }
  }
}

/**
 * dOut   [batch, outH, outW, C]
 * argmax [batch, outH, outW, C] from maxPool2d
 * dInput [batch, inH, inW, C] (overwritten)
 */
export function maxPool2dBackprop(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, MaxPool2dBackpropJob.dOut);
  const argmax = pointerField(job, MaxPool2dBackpropJob.argmax);
  const dInput = pointerField(job, MaxPool2dBackpropJob.dInput);
  const g = poolGeometryOf(job);
  const inH = g.inH;
  const outH = g.outH;
  const strideH = g.strideH;
  const padTop = g.padTop;
  const kH = g.kH;
  const inputRowBytes = (<usize>(g.inW * g.channels)) << 2;
  const outputRow = g.outW * g.channels;
  const inputPerImage = inH * g.inW * g.channels;
  const last = rangeEnd(g.batch, 1, threadIndex, threadCount);
  for (let image = rangeStart(g.batch, 1, threadIndex, threadCount); image < last; image++) {
    // dInput's rows are cleared just before the first window that reaches them, not the whole image first: the
    // scatter then adds into rows still in cache (ResNet's stem pool clears 3.2 MB an image, more than L2).
    const imageBase = dInput + ((<usize>(image * inputPerImage)) << 2);
    let clearedRows = 0;
    let index = image * outH * outputRow;
    for (let oy = 0; oy < outH; oy++) {
      const reachedRows = max(clearedRows, spanEnd(oy, strideH, padTop, kH, inH));
      memory.fill(
        imageBase + <usize>clearedRows * inputRowBytes,
        0,
        <usize>(reachedRows - clearedRows) * inputRowBytes,
      );
      clearedRows = reachedRows;
      const end = index + outputRow;
      for (; index < end; index++) {
        const target = dInput + ((<usize>load<i32>(argmax + ((<usize>index) << 2))) << 2);
        store<f32>(target, load<f32>(target) + load<f32>(dOut + ((<usize>index) << 2)));
      }
    }
    memory.fill(imageBase + <usize>clearedRows * inputRowBytes, 0, <usize>(inH - clearedRows) * inputRowBytes);
  }
}

/**
 * a where `mask` is set, else b, for masks of whole lanes (comparison results): one blend with relaxed SIMD, where
 * v128.bitselect takes three instructions (and, and-not, or); whole-lane masks make the relaxed form exact.
 */
@inline
function selectLanes(a: v128, b: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, mask);
  return v128.bitselect(a, b, mask);
}
