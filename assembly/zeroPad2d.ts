// Zero padding kernels of the WebAssembly backend (reference: src/kernels/js/zeroPad2d.ts): whole rows
// of pixels are contiguous in NHWC, so each row is one bulk copy plus bulk zero fills of its border.
// Forward splits output rows over threads, backward (the crop) input rows.
//
// Job record: 0 input or dOut, 1 output or dInput,
//   2 batch, 3 inH, 4 inW, 5 channels, 6 outH, 7 outW, 8 padTop, 9 padLeft

import { intField, pointerField, rangeEnd, rangeStart } from './job';

/**
 * input  [batch, inH, inW, C]
 * output [batch, outH, outW, C]: zeros with the input at rows padTop.., columns padLeft..
 */
export function zeroPad2d(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, 0);
  const output = pointerField(job, 1);
  const batch = intField(job, 2);
  const inH = intField(job, 3);
  const inW = intField(job, 4);
  const channels = intField(job, 5);
  const outH = intField(job, 6);
  const outW = intField(job, 7);
  const padTop = intField(job, 8);
  const padLeft = intField(job, 9);
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
  const dOut = pointerField(job, 0);
  const dInput = pointerField(job, 1);
  const batch = intField(job, 2);
  const inH = intField(job, 3);
  const inW = intField(job, 4);
  const channels = intField(job, 5);
  const outH = intField(job, 6);
  const outW = intField(job, 7);
  const padTop = intField(job, 8);
  const padLeft = intField(job, 9);
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
