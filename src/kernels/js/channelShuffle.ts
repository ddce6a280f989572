// Reference channel shuffle (Zhang et al., 2018, ShuffleNet): what ShuffleNetV2's reshape to
// [N, groups, C / groups, H, W], transpose of axes 1 and 2 and reshape back do, in NHWC as one pass.
// Pure data movement, so it is also the WebAssembly backend's kernel (it runs on the arena's views).

import type { FloatArray } from '../../core/dtype.js';
import type { ChannelShuffleParams } from '../params.js';

/**
 * input  [rows, groups * groupSize] (rows = batch * inH * inW)
 * output [rows, groups * groupSize] (overwritten): output channel j * groups + g = input channel g * groupSize + j.
 */
export function channelShuffle(input: FloatArray, output: FloatArray, params: ChannelShuffleParams): void {
  const { rows, groups, groupSize } = params;
  const channels = groups * groupSize;
  for (let row = 0; row < rows; row++) {
    const base = row * channels;
    for (let group = 0; group < groups; group++) {
      for (let index = 0; index < groupSize; index++)
        output[base + index * groups + group] = input[base + group * groupSize + index]!;
    }
  }
}
