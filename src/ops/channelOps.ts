// Channel data movement for ShuffleNetV2-style networks: a slice of channels [start, end) (ONNX Split
// and Slice along the channels, PyTorch's chunk) through the CopyColumns kernel, and the channel
// shuffle. Backward: the slice's gradient is dOut written back into zeros at its channels; the
// shuffle's is the inverse shuffle (groups and group size swapped).

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { ChannelShuffleParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor, zerosTensor } from './allocate.js';

/** What the backward rule of sliceChannels needs. */
export interface SliceChannelsSaved {
  start: number;
}

/**
 * Channels [start, end) of the last axis (NHWC): [N, H, W, C] -> [N, H, W, end - start]. Throws
 * ValueError unless 0 <= start < end <= C are whole numbers.
 *
 * @example
 * const [left, right] = [sliceChannels(x, 0, 58), sliceChannels(x, 58, 116)]; // ShuffleNetV2's chunk(2)
 */
export function sliceChannels(input: Tensor, start: number, end: number, name = 'sliceChannels'): Tensor {
  const channels = input.shape[input.rank - 1] ?? 0;
  checkChannelRange(start, end, channels, name);
  const width = end - start;
  const rows = input.size / Math.max(1, channels);
  const output = allocateTensor([...input.shape.slice(0, -1), width], input.dtype, name);
  runKernel('CopyColumns', input, output, {
    rows,
    columns: width,
    sourceStride: channels,
    sourceOffset: start,
    destinationStride: width,
    destinationOffset: 0,
  });
  record<SliceChannelsSaved>({ id: 'SliceChannels', inputs: [input], output, saved: { start } });
  return output;
}

/** The gradient of sliceChannels: dOut at channels [start, start + width) of zeros of the input's shape. */
export function sliceChannelsGrad(dOut: Tensor, input: Tensor, saved: SliceChannelsSaved): Tensor {
  const channels = input.shape[input.rank - 1]!;
  const width = dOut.shape[dOut.rank - 1]!;
  const dInput = zerosTensor(input.shape, dOut.dtype);
  runKernel('CopyColumns', dOut, dInput, {
    rows: sizeOf(input.shape.slice(0, -1)),
    columns: width,
    sourceStride: width,
    sourceOffset: 0,
    destinationStride: channels,
    destinationOffset: saved.start,
  });
  return dInput;
}

/** A ValueError unless 0 <= start < end <= channels, all whole numbers. */
export function checkChannelRange(start: number, end: number, channels: number, name: string): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > channels) {
    const limit = Number.isFinite(channels) ? ` <= ${channels} (the input's channels)` : '';
    throw new ValueError(`${name}: channels [${start}, ${end}) must be whole numbers with 0 <= start < end${limit}`);
  }
}

/**
 * ShuffleNet's channel shuffle of the last axis: channels seen as [groups, C / groups] are transposed,
 * so output channel j * groups + g is input channel g * (C / groups) + j. Throws ShapeError when
 * groups does not divide the channels, ValueError for groups not a positive whole number.
 *
 * @example
 * channelShuffle(x, 2); // channels [a0 a1 a2 b0 b1 b2] -> [a0 b0 a1 b1 a2 b2]
 */
export function channelShuffle(input: Tensor, groups: number, name = 'channelShuffle'): Tensor {
  if (!Number.isInteger(groups) || groups < 1)
    throw new ValueError(`${name}: groups must be a positive whole number, got ${groups}`);
  const channels = input.shape[input.rank - 1] ?? 0;
  if (channels % groups !== 0)
    throw new ShapeError(
      `${name}: ${groups} groups do not divide the ${channels} channels of ${formatShape(input.shape)}`,
    );
  const params: ChannelShuffleParams = {
    rows: input.size / Math.max(1, channels),
    groups,
    groupSize: channels / groups,
  };
  const output = allocateTensor(input.shape, input.dtype, name);
  runKernel('ChannelShuffle', input, output, params);
  record<ChannelShuffleParams>({ id: 'ChannelShuffle', inputs: [input], output, saved: params });
  return output;
}

/** The gradient of channelShuffle: the inverse shuffle (groups and group size swapped). */
export function channelShuffleGrad(dOut: Tensor, params: ChannelShuffleParams): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel('ChannelShuffle', dOut, dInput, {
    rows: params.rows,
    groups: params.groupSize,
    groupSize: params.groups,
  });
  return dInput;
}
