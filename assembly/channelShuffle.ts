// ChannelShuffle (ShuffleNet): the channels of each row (pixel), seen as a [groups, groupSize]
// matrix, transposed: output channel j * groups + g is input channel g * groupSize + j. Rows are
// split over threads. Reference: src/kernels/js/channelShuffle.ts.
//   input  [rows, groups * groupSize] f32
//   output [rows, groups * groupSize] f32
// With 2 groups (ShuffleNetV2's case, and the inverse of any shuffle into 2) four channels of each
// half are interleaved per step with two f32x4 shuffles; the tail (groupSize not a multiple of 4) and
// every other group count move one value at a time.

import { intField, pointerField, rangeEnd, rangeStart } from './job';
import { ChannelShuffleJob } from './jobFields';

/** Job record: ChannelShuffleJob (jobFields.ts, from src/kernels/wasm/jobLayout.ts). */
export function channelShuffle(job: usize, threadIndex: i32, threadCount: i32): void {
  const input = pointerField(job, ChannelShuffleJob.input);
  const output = pointerField(job, ChannelShuffleJob.output);
  const rows = intField(job, ChannelShuffleJob.rows);
  const groups = intField(job, ChannelShuffleJob.groups);
  const groupSize = intField(job, ChannelShuffleJob.groupSize);
  const channels = groups * groupSize;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const source = input + ((<usize>(row * channels)) << 2);
    const destination = output + ((<usize>(row * channels)) << 2);
    let index = 0;
    if (groups == 2) {
      const second = source + ((<usize>groupSize) << 2);
      for (; index + 4 <= groupSize; index += 4) {
        const a = v128.load(source + ((<usize>index) << 2));
        const b = v128.load(second + ((<usize>index) << 2));
        v128.store(destination + ((<usize>(index * 2)) << 2), f32x4.shuffle(a, b, 0, 4, 1, 5));
        v128.store(destination + ((<usize>(index * 2 + 4)) << 2), f32x4.shuffle(a, b, 2, 6, 3, 7));
      }
    }
    for (let group = 0; group < groups; group++) {
      for (let at = index; at < groupSize; at++) {
        store<f32>(
          destination + ((<usize>(at * groups + group)) << 2),
          load<f32>(source + ((<usize>(group * groupSize + at)) << 2)),
        );
      }
    }
  }
}
