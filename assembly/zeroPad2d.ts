// Zero padding kernels of the WebAssembly backend (reference: src/kernels/js/zeroPad2d.ts): whole rows
// of pixels are contiguous in NHWC, so each row is one bulk copy plus bulk zero fills of its border.
// Forward splits output rows over threads, backward (the crop) input rows.
//
// Job record: ZeroPad2dJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts), the backward pass reading dOut and
// dInput as input and output.

import { intField, pointerField, rangeEnd, rangeStart } from './job';
import { ZeroPad2dJob } from './jobFields';

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]: zeros with the input at rows padTop.., columns padLeft..
 */
export function zeroPad2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ZeroPad2dJob.input);
  const output = pointerField(job, ZeroPad2dJob.output);
  const batch = intField(job, ZeroPad2dJob.batch);
  const inH = intField(job, ZeroPad2dJob.inH);
  const inW = intField(job, ZeroPad2dJob.inW);
  const channels = intField(job, ZeroPad2dJob.channels);
  const outH = intField(job, ZeroPad2dJob.outH);
  const outW = intField(job, ZeroPad2dJob.outW);
  const padTop = intField(job, ZeroPad2dJob.padTop);
  const padLeft = intField(job, ZeroPad2dJob.padLeft);
  const outRowBytes = (<usize>(outW * channels)) << 2;
  const inRowBytes = (<usize>(inW * channels)) << 2;
  const leftBytes = (<usize>(padLeft * channels)) << 2;
  const last = rangeEnd(batch * outH, 1, threadIndex, threadCount);
  for (let row = rangeStart(batch * outH, 1, threadIndex, threadCount); row < last; row++) {
    const image = row / outH;
    const iy = (row % outH) - padTop;
    const outRow = output + <usize>row * outRowBytes;
    if (iy < 0 || iy >= inH) {
      memory.fill(outRow, 0, outRowBytes);
      continue;
    }
    memory.fill(outRow, 0, leftBytes);
    memory.copy(outRow + leftBytes, input + <usize>(image * inH + iy) * inRowBytes, inRowBytes);
    memory.fill(outRow + leftBytes + inRowBytes, 0, outRowBytes - leftBytes - inRowBytes);
  }
}

/**
 * dOut   [batch, outH, outW, C]
 * dInput [batch, inH, inW, C] (overwritten): dOut without its padded border
 */
export function zeroPad2dBackprop(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, ZeroPad2dJob.input);
  const dInput = pointerField(job, ZeroPad2dJob.output);
  const batch = intField(job, ZeroPad2dJob.batch);
  const inH = intField(job, ZeroPad2dJob.inH);
  const inW = intField(job, ZeroPad2dJob.inW);
  const channels = intField(job, ZeroPad2dJob.channels);
  const outH = intField(job, ZeroPad2dJob.outH);
  const outW = intField(job, ZeroPad2dJob.outW);
  const padTop = intField(job, ZeroPad2dJob.padTop);
  const padLeft = intField(job, ZeroPad2dJob.padLeft);
  const outRowBytes = (<usize>(outW * channels)) << 2;
  const inRowBytes = (<usize>(inW * channels)) << 2;
  const leftBytes = (<usize>(padLeft * channels)) << 2;
  const last = rangeEnd(batch * inH, 1, threadIndex, threadCount);
  for (let row = rangeStart(batch * inH, 1, threadIndex, threadCount); row < last; row++) {
    const image = row / inH;
    const source = dOut + <usize>(image * outH + (row % inH) + padTop) * outRowBytes + leftBytes;
    memory.copy(dInput + <usize>row * inRowBytes, source, inRowBytes);
  }
}
