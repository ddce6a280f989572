// Widens the channels of an NHWC map to 4, the added ones zero, for the WebAssembly backend: a 3x3 training
// convolution on 1 to 3 input channels (an image) then runs as the same convolution on 4, which Winograd takes
// (isWidenedToWinograd in src/kernels/wasm/wasmBackend.ts; the reference is the convolution itself). A pixel is
// one unaligned f32x4 load of its channels and the next pixel's, the lanes past its channels cleared, and one
// store; the last pixels, where that load would read past the input, go one value at a time. Threads split the
// pixels. A JavaScript loop over W2's first input (65,536 pixels of 3 channels) took 0.43 ms of CPU time.
//
// Job record: WidenChannelsJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts).
//   input   [pixels, channels], channels 1 to 3
//   output  [pixels, 4]

import { intField, pointerField, rangeEnd, rangeStart } from './job';
import { WidenChannelsJob } from './jobFields';

export function widenChannels(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, WidenChannelsJob.input);
  const output = pointerField(job, WidenChannelsJob.output);
  const pixels = intField(job, WidenChannelsJob.pixels);
  const channels = intField(job, WidenChannelsJob.channels);
  const first = rangeStart(pixels, 4, threadIndex, threadCount);
  const last = rangeEnd(pixels, 4, threadIndex, threadCount);
  // Lanes [0, channels) kept: lane i of the mask is all ones where i < channels.
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(channels));
  // A load at pixel p reads values [p * channels, p * channels + 4): within the input while that end <= its size.
  const vectorEnd = min(last, max(first, (pixels * channels - 4) / channels + 1));
  let pixel = first;
  for (; pixel < vectorEnd; pixel++) {
    const values = v128.load(input + ((<usize>(pixel * channels)) << 2));
    v128.store(output + ((<usize>pixel) << 4), v128.and(values, mask));
  }
  for (; pixel < last; pixel++) {
    const to = output + ((<usize>pixel) << 4);
    v128.store(to, i32x4.splat(0));
    for (let channel = 0; channel < channels; channel++)
      store<f32>(to + ((<usize>channel) << 2), load<f32>(input + ((<usize>(pixel * channels + channel)) << 2)));
  }
}
