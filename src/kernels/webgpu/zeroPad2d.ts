// WGSL zero padding of NHWC images and its gradient, the crop (kernels/js/zeroPad2d.ts): one
// invocation per output value, so the padding's zeros are written in the same pass as the copy.

import type { ZeroPad2DParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

function fieldsOf(params: ZeroPad2DParams): UniformField[] {
  return [
    ['batch', 'i32', params.batch],
    ['inH', 'i32', params.inH],
    ['inW', 'i32', params.inW],
    ['inC', 'i32', params.inC],
    ['outH', 'i32', params.outH],
    ['outW', 'i32', params.outW],
    ['padTop', 'i32', params.padTop],
    ['padLeft', 'i32', params.padLeft],
  ];
}

/**
 * Records ZeroPad2D: input [batch, inH, inW, inC]; output [batch, outH, outW, inC] (overwritten):
 * zeros, with the input at rows padTop.., columns padLeft...
 *
 * @example
 * encodeZeroPad2D(context, encoder, { input, output }, params); // params: ZeroPad2DParams
 */
export function encodeZeroPad2D(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: ZeroPad2DParams,
): void {
  const fields = fieldsOf(params);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ox = (i / params.inC) % params.outW;
  let oy = (i / (params.inC * params.outW)) % params.outH;
  let image = i / (params.inC * params.outW * params.outH);
  let iy = oy - params.padTop;
  let ix = ox - params.padLeft;
  var value = 0.0;
  if (iy >= 0 && iy < params.inH && ix >= 0 && ix < params.inW) {
    value = inputs[((image * params.inH + iy) * params.inW + ix) * params.inC + channel];
  }
  outputs[index] = value;`;
  const pipeline = pipelineFor(context, 'ZeroPad2D', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.outH * params.outW * params.inC)',
      body,
    ),
  );
  const count = params.batch * params.outH * params.outW * params.inC;
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], count);
}

/**
 * Records ZeroPad2DBackprop: dOut [batch, outH, outW, inC]; dInput [batch, inH, inW, inC]
 * (overwritten): dOut without its padded border.
 *
 * @example
 * encodeZeroPad2DBackprop(context, encoder, { dOut, dInput }, params);
 */
export function encodeZeroPad2DBackprop(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; dInput: GpuBuffer },
  params: ZeroPad2DParams,
): void {
  const fields = fieldsOf(params);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ix = (i / params.inC) % params.inW;
  let iy = (i / (params.inC * params.inW)) % params.inH;
  let image = i / (params.inC * params.inW * params.inH);
  let oy = iy + params.padTop;
  let ox = ix + params.padLeft;
  dInput[index] = dOut[((image * params.outH + oy) * params.outW + ox) * params.inC + channel];`;
  const pipeline = pipelineFor(context, 'ZeroPad2DBackprop', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.inH * params.inW * params.inC)',
      body,
    ),
  );
  const count = params.batch * params.inH * params.inW * params.inC;
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.dInput], count);
}
