// Max pooling kernels of the WebAssembly SIMD backend (reference: src/kernels/js/maxPool2d.ts).
// Forward keeps 4 channels per f32x4 with their argmax in an i32x4; backward scatters each gradient
// to its argmax. Forward splits output pixels over threads; backward splits images, since windows
// of one image may overlap but never reach another image.
//
// Job record: 0 input or dOut, 1 output or argmax, 2 argmax or dInput,
//   3 batch, 4 inH, 5 inW, 6 channels, 7 outH, 8 outW, 9 kH, 10 kW, 11 strideH, 12 strideW, 13 padTop, 14 padLeft

import { pointerField, poolGeometryOf, rangeEnd, rangeStart, spanEnd, spanStart } from './job';

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]
 * argmax [batch, outH, outW, C] flat input index of each maximum (i32), or 0 (none) in inference
 * Padded taps are skipped; the first valid tap seeds the maximum; a later tap wins if larger or NaN.
 */
export function maxPool2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, 0);
  const output = pointerField(job, 1);
  const argmax = pointerField(job, 2);
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
  const last = rangeEnd(pixels, 1, threadIndex, threadCount);
  for (let pixel = rangeStart(pixels, 1, threadIndex, threadCount); pixel < last; pixel++) {
    const image = pixel / imagePixels;
    const oy = (pixel % imagePixels) / outW;
    const ox = pixel % outW;
    const yStart = spanStart(oy, strideH, padTop);
    const yEnd = spanEnd(oy, strideH, padTop, kH, inH);
    const xStart = spanStart(ox, strideW, padLeft);
    const xEnd = spanEnd(ox, strideW, padLeft, kW, inW);
    const outBase = pixel * channels;
    const firstTap = ((image * inH + yStart) * inW + xStart) * channels;
    if (argmax == 0) {
      // Inference: only the maxima (f32x4.max keeps NaN, as the reference kernel does).
      for (let c = 0; c < vectorEnd; c += 4) {
        let best = v128.load(input + (<usize>(firstTap + c) << 2));
        for (let iy = yStart; iy < yEnd; iy++) {
          const rowBase = input + (<usize>(((image * inH + iy) * inW) * channels + c) << 2);
          for (let ix = xStart; ix < xEnd; ix++) best = f32x4.max(best, v128.load(rowBase + (<usize>(ix * channels) << 2)));
        }
        v128.store(output + (<usize>(outBase + c) << 2), best);
      }
    }
    for (let c = 0; argmax != 0 && c < vectorEnd; c += 4) {
      let best = v128.load(input + (<usize>(firstTap + c) << 2));
      let bestIndex = i32x4.add(i32x4.splat(firstTap + c), lanes);
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) {
          const index = ((image * inH + iy) * inW + ix) * channels + c;
          const value = v128.load(input + (<usize>index << 2));
          // A NaN wins too, so it propagates as in the reference kernel.
          const isLarger = v128.or(f32x4.gt(value, best), f32x4.ne(value, value));
          best = v128.bitselect(value, best, isLarger);
          bestIndex = v128.bitselect(i32x4.add(i32x4.splat(index), lanes), bestIndex, isLarger);
        }
      }
      v128.store(output + (<usize>(outBase + c) << 2), best);
      v128.store(argmax + (<usize>(outBase + c) << 2), bestIndex);
    }
    for (let c = vectorEnd; c < channels; c++) {
      let best = load<f32>(input + (<usize>(firstTap + c) << 2));
      let bestIndex = firstTap + c;
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) {
          const index = ((image * inH + iy) * inW + ix) * channels + c;
          const value = load<f32>(input + (<usize>index << 2));
          if (value > best || value != value) {
            best = value;
            bestIndex = index;
          }
        }
      }
      store<f32>(output + (<usize>(outBase + c) << 2), best);
      if (argmax != 0) store<i32>(argmax + (<usize>(outBase + c) << 2), bestIndex);
    }
  }
}

/**
 * dOut   [batch, outH, outW, C]
 * argmax [batch, outH, outW, C] from maxPool2d
 * dInput [batch, inH, inW, C] (overwritten)
 */
export function maxPool2dBackprop(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, 0);
  const argmax = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  const g = poolGeometryOf(job);
  const inputPerImage = g.inH * g.inW * g.channels;
  const outputPerImage = g.outH * g.outW * g.channels;
  const last = rangeEnd(g.batch, 1, threadIndex, threadCount);
  for (let image = rangeStart(g.batch, 1, threadIndex, threadCount); image < last; image++) {
    memory.fill(dInput + (<usize>(image * inputPerImage) << 2), 0, <usize>inputPerImage << 2);
    const end = (image + 1) * outputPerImage;
    for (let index = image * outputPerImage; index < end; index++) {
      const target = dInput + (<usize>load<i32>(argmax + (<usize>index << 2)) << 2);
      store<f32>(target, load<f32>(target) + load<f32>(dOut + (<usize>index << 2)));
    }
  }
}
