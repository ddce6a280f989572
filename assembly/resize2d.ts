// Resize of NHWC maps for the WebAssembly SIMD backend (reference, coordinate maps and the gradient's
// derivation: src/kernels/js/resize2d.ts). Coordinates and weights are computed in f32 from the same
// f32 scales, step by step as the reference (and onnxruntime) does, so both pick the same pixels; each output pixel
// then blends its (up to) four taps over the channels, 4 per f32x4 (then the last 0-3 one by one; no alignment needed).
// The column taps of the output width are computed once per thread into scratch (12 bytes per column).
// Forward splits output rows over threads; backward (a scatter-add) splits channels in blocks of 4, each
// thread walking every output pixel for its own channels, so no two threads add into one value and the
// sums' order does not depend on the thread count.
// Measured on the loaded 2-core test machine, one thread, reference -> wasm (copies into and out of
// the arena included): 2x16x16x21 -> 64x64 bilinear (a segmentation head) forward 1.8 -> 0.33 ms,
// backward 3.1 -> 0.45 ms; 8x32x32x64 x2 bilinear forward 13.8 -> 1.7 ms, backward 16.8 -> 2.5 ms.
//
// Job record: Resize2dJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts), the backward pass
// reading dOut and dInput as input and output.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { Resize2dJob } from './jobFields';

@inline
function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

function sourceCoordinate(index: i32, inSize: i32, outSize: i32, scale: f32, coordinates: i32): f32 {
  if (coordinates == 0) return (<f32>index + 0.5) / scale - 0.5;
  if (coordinates == 1) return outSize > 1 ? (<f32>index + 0.5) / scale - 0.5 : 0;
  if (coordinates == 2) return outSize > 1 ? <f32>(index * (inSize - 1)) / <f32>(outSize - 1) : 0;
  if (coordinates == 3) return <f32>index / scale;
  return (<f32>index + 0.5) / scale;
}

/**
 * Writes output index `index`'s taps along one axis to taps[0..2]: first pixel, second pixel (i32), second's weight
 * (f32).
 */
function axisTaps(
  taps: usize,
  index: i32,
  inSize: i32,
  outSize: i32,
  scale: f32,
  mode: i32,
  coordinates: i32,
  rounding: i32,
): void {
  const coordinate = sourceCoordinate(index, inSize, outSize, scale, coordinates);
  if (mode == 0) {
    let pixel: f32;
    if (rounding == 0) pixel = Mathf.ceil(coordinate - 0.5);
    else if (rounding == 1) pixel = Mathf.floor(coordinate + 0.5);
    else if (rounding == 2) pixel = Mathf.floor(coordinate);
    else pixel = Mathf.ceil(coordinate);
    const clamped = <i32>Mathf.min(Mathf.max(pixel, 0), <f32>(inSize - 1));
    store<i32>(taps, clamped);
    store<i32>(taps + 4, clamped);
    store<f32>(taps + 8, 0);
    return;
  }
  const clamped = Mathf.min(Mathf.max(coordinate, 0), <f32>(inSize - 1));
  const first = <i32>Mathf.floor(clamped);
  store<i32>(taps, first);
  store<i32>(taps + 4, min(first + 1, inSize - 1));
  store<f32>(taps + 8, clamped - <f32>first);
}

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]
 */
export function resize2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, Resize2dJob.input);
  const output = pointerField(job, Resize2dJob.output);
  const columnTaps =
    pointerField(job, Resize2dJob.scratch) + <usize>threadIndex * <usize>intField(job, Resize2dJob.scratchBytes);
  const inH = intField(job, Resize2dJob.inH);
  const inW = intField(job, Resize2dJob.inW);
  const channels = intField(job, Resize2dJob.channels);
  const outH = intField(job, Resize2dJob.outH);
  const outW = intField(job, Resize2dJob.outW);
  const scaleH = floatField(job, Resize2dJob.scaleH);
  const scaleW = floatField(job, Resize2dJob.scaleW);
  const mode = intField(job, Resize2dJob.mode);
  const coordinates = intField(job, Resize2dJob.coordinates);
  const rounding = intField(job, Resize2dJob.nearestRounding);
  const vectorEnd = channels & ~3;
  for (let outX = 0; outX < outW; outX++)
    axisTaps(columnTaps + <usize>outX * 12, outX, inW, outW, scaleW, mode, coordinates, rounding);
  const rowTaps = columnTaps + <usize>outW * 12;
  const last = rangeEnd(intField(job, Resize2dJob.batch) * outH, 1, threadIndex, threadCount);
  for (let row = rangeStart(intField(job, Resize2dJob.batch) * outH, 1, threadIndex, threadCount); row < last; row++) {
    const image = row / outH;
    axisTaps(rowTaps, row % outH, inH, outH, scaleH, mode, coordinates, rounding);
    const top = (image * inH + load<i32>(rowTaps)) * inW;
    const bottom = (image * inH + load<i32>(rowTaps + 4)) * inW;
    const weightY = load<f32>(rowTaps + 8);
    for (let outX = 0; outX < outW; outX++) {
      const taps = columnTaps + <usize>outX * 12;
      const left = load<i32>(taps);
      const right = load<i32>(taps + 4);
      const weightX = load<f32>(taps + 8);
      const weight00: f32 = (<f32>1 - weightY) * (<f32>1 - weightX);
      const weight01: f32 = (<f32>1 - weightY) * weightX;
      const weight10: f32 = weightY * (<f32>1 - weightX);
      const weight11: f32 = weightY * weightX;
      const from00 = at(input, (top + left) * channels);
      const from01 = at(input, (top + right) * channels);
      const from10 = at(input, (bottom + left) * channels);
      const from11 = at(input, (bottom + right) * channels);
      const to = at(output, (row * outW + outX) * channels);
      const vector00 = f32x4.splat(weight00);
      const vector01 = f32x4.splat(weight01);
      const vector10 = f32x4.splat(weight10);
      const vector11 = f32x4.splat(weight11);
      for (let channel = 0; channel < vectorEnd; channel += 4) {
        let sum = f32x4.mul(vector00, v128.load(at(from00, channel)));
        sum = f32x4.add(sum, f32x4.mul(vector01, v128.load(at(from01, channel))));
        sum = f32x4.add(sum, f32x4.mul(vector10, v128.load(at(from10, channel))));
        sum = f32x4.add(sum, f32x4.mul(vector11, v128.load(at(from11, channel))));
        v128.store(at(to, channel), sum);
      }
      for (let channel = vectorEnd; channel < channels; channel++) {
        store<f32>(
          at(to, channel),
          weight00 * load<f32>(at(from00, channel)) +
            weight01 * load<f32>(at(from01, channel)) +
            weight10 * load<f32>(at(from10, channel)) +
            weight11 * load<f32>(at(from11, channel)),
        );
      }
    }
  }
}

/** Adds weight * dOut[channel] to dInput[channel] for this thread's channels [first, last). */
@inline
function scatter(dInput: usize, dOut: usize, weight: f32, first: i32, vectorEnd: i32, last: i32): void {
  if (weight == 0) return;
  const vector = f32x4.splat(weight);
  for (let channel = first; channel < vectorEnd; channel += 4) {
    v128.store(
      at(dInput, channel),
      f32x4.add(v128.load(at(dInput, channel)), f32x4.mul(vector, v128.load(at(dOut, channel)))),
    );
  }
  for (let channel = vectorEnd; channel < last; channel++) {
    store<f32>(at(dInput, channel), load<f32>(at(dInput, channel)) + weight * load<f32>(at(dOut, channel)));
  }
}

/**
 * dOut   [batch, outH, outW, C]
 * dInput [batch, inH, inW, C] (overwritten): each output pixel's dOut added to its taps, weighted
 */
export function resize2dBackprop(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, Resize2dJob.input);
  const dInput = pointerField(job, Resize2dJob.output);
  const columnTaps =
    pointerField(job, Resize2dJob.scratch) + <usize>threadIndex * <usize>intField(job, Resize2dJob.scratchBytes);
  const batch = intField(job, Resize2dJob.batch);
  const inH = intField(job, Resize2dJob.inH);
  const inW = intField(job, Resize2dJob.inW);
  const channels = intField(job, Resize2dJob.channels);
  const outH = intField(job, Resize2dJob.outH);
  const outW = intField(job, Resize2dJob.outW);
  const scaleH = floatField(job, Resize2dJob.scaleH);
  const scaleW = floatField(job, Resize2dJob.scaleW);
  const mode = intField(job, Resize2dJob.mode);
  const coordinates = intField(job, Resize2dJob.coordinates);
  const rounding = intField(job, Resize2dJob.nearestRounding);
  const first = rangeStart(channels, 4, threadIndex, threadCount);
  const last = rangeEnd(channels, 4, threadIndex, threadCount);
  if (first >= last) return;
  const vectorEnd = first + ((last - first) & ~3);
  const pixels = batch * inH * inW;
  for (let pixel = 0; pixel < pixels; pixel++)
    memory.fill(at(dInput, pixel * channels + first), 0, (<usize>(last - first)) << 2);
  for (let outX = 0; outX < outW; outX++)
    axisTaps(columnTaps + <usize>outX * 12, outX, inW, outW, scaleW, mode, coordinates, rounding);
  const rowTaps = columnTaps + <usize>outW * 12;
  for (let row = 0; row < batch * outH; row++) {
    const image = row / outH;
    axisTaps(rowTaps, row % outH, inH, outH, scaleH, mode, coordinates, rounding);
    const top = (image * inH + load<i32>(rowTaps)) * inW;
    const bottom = (image * inH + load<i32>(rowTaps + 4)) * inW;
    const weightY = load<f32>(rowTaps + 8);
    for (let outX = 0; outX < outW; outX++) {
      const taps = columnTaps + <usize>outX * 12;
      const left = load<i32>(taps);
      const right = load<i32>(taps + 4);
      const weightX = load<f32>(taps + 8);
      const gradient = at(dOut, (row * outW + outX) * channels);
      scatter(
        at(dInput, (top + left) * channels),
        gradient,
        (<f32>1 - weightY) * (<f32>1 - weightX),
        first,
        vectorEnd,
        last,
      );
      scatter(at(dInput, (top + right) * channels), gradient, (<f32>1 - weightY) * weightX, first, vectorEnd, last);
      scatter(at(dInput, (bottom + left) * channels), gradient, weightY * (<f32>1 - weightX), first, vectorEnd, last);
      scatter(at(dInput, (bottom + right) * channels), gradient, weightY * weightX, first, vectorEnd, last);
    }
  }
}
