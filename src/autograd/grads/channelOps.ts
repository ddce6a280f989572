// Backward rules of the channel data movement ops (ops/channelOps.ts): a slice scatters its gradient
// back into zeros; a shuffle's gradient is the inverse shuffle.

import type { Tensor } from '../../core/tensor.js';
import type { ChannelShuffleParams } from '../../kernels/params.js';
import { channelShuffleGrad, sliceChannelsGrad, type SliceChannelsSaved } from '../../ops/channelOps.js';
import { registerGradient } from '../gradientRegistry.js';

registerGradient<SliceChannelsSaved>('SliceChannels', (entry, dOut) => [
  sliceChannelsGrad(dOut, entry.inputs[0] as Tensor, entry.saved),
]);
registerGradient<ChannelShuffleParams>('ChannelShuffle', (entry, dOut) => [channelShuffleGrad(dOut, entry.saved)]);
