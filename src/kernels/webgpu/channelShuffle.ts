// WGSL channel shuffle (ShuffleNet; kernels/js/channelShuffle.ts): the channels of each row, seen as
// a [groups, groupSize] matrix, transposed. One invocation per output value gathers its input.

import type { ChannelShuffleParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

/**
 * Records ChannelShuffle: input, output [rows, groups * groupSize] (output overwritten): output
 * channel j * groups + g = input channel g * groupSize + j.
 *
 * @example
 * encodeChannelShuffle(context, encoder, { input, output }, { rows: 64, groups: 2, groupSize: 8 });
 */
export function encodeChannelShuffle(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: ChannelShuffleParams,
): void {
  const fields: UniformField[] = [
    ['rows', 'u32', params.rows],
    ['groups', 'u32', params.groups],
    ['groupSize', 'u32', params.groupSize],
  ];
  const body = `
  let channels = params.groups * params.groupSize;
  let base = index - index % channels;
  let outChannel = index % channels;
  let member = outChannel / params.groups;
  let groupIndex = outChannel % params.groups;
  outputs[index] = inputs[base + groupIndex * params.groupSize + member];`;
  const pipeline = pipelineFor(context, 'ChannelShuffle', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.rows * params.groups * params.groupSize',
      body,
    ),
  );
  const count = params.rows * params.groups * params.groupSize;
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], count);
}
