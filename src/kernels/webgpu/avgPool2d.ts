// WGSL average pooling and its gradient, with the reference's divisors (kernels/js/avgPool2d.ts):
// the number of input values in the window, or with countIncludePad its extent inside the padded
// input. The gradient gathers: each input value sums dOut / divisor over the windows that cover it,
// in output order as the reference adds them.

import type { Pool2DParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor } from './kernelEncoder.js';
import { COVERING_WINDOWS_WGSL, poolFields } from './maxPool2d.js';

/** WGSL of a window's divisor along one axis (divisorSpan of the reference). */
const DIVISOR_WGSL = `
fn divisorSpan(outPosition: i32, stride: i32, padBefore: i32, padAfter: i32, k: i32, inSize: i32) -> i32 {
  let first = outPosition * stride - padBefore;
  if (params.countIncludePad == 1u) { return min(first + k, inSize + padAfter) - first; }
  return min(inSize, first + k) - max(0, first);
}
fn divisor(oy: i32, ox: i32) -> f32 {
  return f32(divisorSpan(oy, params.strideH, params.padTop, params.padBottom, params.kH, params.inH) *
    divisorSpan(ox, params.strideW, params.padLeft, params.padRight, params.kW, params.inW));
}
`;

/**
 * Records AvgPool2D: input [batch, inH, inW, inC]; output [batch, outH, outW, inC] (overwritten).
 *
 * @example
 * encodeAvgPool2D(context, encoder, { input, output }, params); // params: Pool2DParams
 */
export function encodeAvgPool2D(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: Pool2DParams,
): void {
  const fields = poolFields(params);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ox = (i / params.inC) % params.outW;
  let oy = (i / (params.inC * params.outW)) % params.outH;
  let image = i / (params.inC * params.outW * params.outH);
  let firstY = oy * params.strideH - params.padTop;
  let firstX = ox * params.strideW - params.padLeft;
  var sum = 0.0;
  for (var iy = max(0, firstY); iy < min(params.inH, firstY + params.kH); iy++) {
    for (var ix = max(0, firstX); ix < min(params.inW, firstX + params.kW); ix++) {
      sum += inputs[((image * params.inH + iy) * params.inW + ix) * params.inC + channel];
    }
  }
  outputs[index] = sum / divisor(oy, ox);`;
  const pipeline = pipelineFor(context, 'AvgPool2D', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.outH * params.outW * params.inC)',
      body,
      DIVISOR_WGSL,
    ),
  );
  const count = params.batch * params.outH * params.outW * params.inC;
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], count);
}

/**
 * Records AvgPool2DBackprop: dOut [batch, outH, outW, inC]; dInput [batch, inH, inW, inC] (overwritten).
 *
 * @example
 * encodeAvgPool2DBackprop(context, encoder, { dOut, dInput }, params);
 */
export function encodeAvgPool2DBackprop(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; dInput: GpuBuffer },
  params: Pool2DParams,
): void {
  const fields = poolFields(params);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ix = (i / params.inC) % params.inW;
  let iy = (i / (params.inC * params.inW)) % params.inH;
  let image = i / (params.inC * params.inW * params.inH);
  var sum = 0.0;
  let lastY = lastCovering(iy, params.strideH, params.padTop, params.outH);
  let lastX = lastCovering(ix, params.strideW, params.padLeft, params.outW);
  for (var oy = firstCovering(iy, params.strideH, params.padTop, params.kH); oy <= lastY; oy++) {
    for (var ox = firstCovering(ix, params.strideW, params.padLeft, params.kW); ox <= lastX; ox++) {
      sum += dOut[((image * params.outH + oy) * params.outW + ox) * params.inC + channel] / divisor(oy, ox);
    }
  }
  dInput[index] = sum;`;
  const pipeline = pipelineFor(context, 'AvgPool2DBackprop', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.inH * params.inW * params.inC)',
      body,
      COVERING_WINDOWS_WGSL + DIVISOR_WGSL,
    ),
  );
  const count = params.batch * params.inH * params.inW * params.inC;
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.dInput], count);
}
