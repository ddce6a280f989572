// WGSL dropout with the reference's mask (kernels/js/dropout.ts): value i is kept iff
// lowbias32(i xor lowbias32(seed)) >= floor(rate * 2^32), so a seed gives the same mask on every
// backend, and the backward pass is this kernel on dOut with the same seed. NOTE: the kept values are
// scaled by 1 / (1 - rate) rounded to float32 once, where the reference multiplies in float64 and
// rounds the product: the two can differ by one unit in the last place.

import type { DropoutParams } from '../params.js';
import { dropoutThreshold, lowbias32 } from '../js/dropout.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

const LOWBIAS32_WGSL = `
fn lowbias32(value: u32) -> u32 {
  var x = value;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
`;

/**
 * Records Dropout: input [size]; output [size] (overwritten): input / (1 - rate) where kept, 0 where
 * dropped.
 *
 * @example
 * encodeDropout(context, encoder, { input, output }, { size: 1024, rate: 0.5, seed: 7 });
 */
export function encodeDropout(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: DropoutParams,
): void {
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['threshold', 'u32', dropoutThreshold(params.rate)],
    ['seedHash', 'u32', lowbias32(params.seed)],
    ['scale', 'f32', 1 / (1 - params.rate)],
  ];
  const body = `
  let isKept = lowbias32(index ^ params.seedHash) >= params.threshold;
  outputs[index] = select(0.0, inputs[index] * params.scale, isKept);`;
  const pipeline = pipelineFor(context, 'Dropout', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.size',
      body,
      LOWBIAS32_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], params.size);
}
