// WGSL max pooling and its gradient, with the reference's rules (kernels/js/maxPool2d.ts): padded
// positions never win, NaN wins (and a later NaN row takes over, as the reference's inner-loop break
// does), and argmax is the flat input index of each maximum. The gradient gathers instead of
// scattering: each input value sums, in output order, the dOut of the windows whose argmax is it.

import type { Pool2DParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import {
  encodeLinearPass,
  type KernelEncoder,
  linearShader,
  pipelineFor,
  type StorageBinding,
  type UniformField,
} from './kernelEncoder.js';

/** The window geometry as uniform fields, shared by the pooling kernels. */
export function poolFields(params: Pool2DParams): UniformField[] {
  return [
    ['batch', 'i32', params.batch],
    ['inH', 'i32', params.inH],
    ['inW', 'i32', params.inW],
    ['inC', 'i32', params.inC],
    ['outH', 'i32', params.outH],
    ['outW', 'i32', params.outW],
    ['kH', 'i32', params.kH],
    ['kW', 'i32', params.kW],
    ['strideH', 'i32', params.strideH],
    ['strideW', 'i32', params.strideW],
    ['padTop', 'i32', params.padTop],
    ['padBottom', 'i32', params.padBottom],
    ['padLeft', 'i32', params.padLeft],
    ['padRight', 'i32', params.padRight],
    ['countIncludePad', 'u32', params.countIncludePad === true ? 1 : 0],
    // WGSL rejects an infinite constant, so the empty window's maximum comes in as a value.
    ['negativeInfinity', 'f32', -Infinity],
  ];
}

/**
 * WGSL of the windows covering an input position along one axis: outputs `first` to `last`
 * (inclusive; empty when first > last) are those whose window [out * stride - padBefore, + k) holds it.
 */
export const COVERING_WINDOWS_WGSL = `
fn firstCovering(position: i32, stride: i32, padBefore: i32, k: i32) -> i32 {
  let numerator = position + padBefore - k + 1;
  if (numerator <= 0) { return 0; }
  return (numerator + stride - 1) / stride;
}
fn lastCovering(position: i32, stride: i32, padBefore: i32, outSize: i32) -> i32 {
  return min((position + padBefore) / stride, outSize - 1);
}
`;

/** Buffers of a MaxPool2D call. */
export interface MaxPool2DBuffers {
  /** [batch, inH, inW, inC] */
  input: GpuBuffer;
  /** [batch, outH, outW, inC] (overwritten) */
  output: GpuBuffer;
  /** [batch, outH, outW, inC] int32 flat input index of each maximum (overwritten), or null */
  argmax: GpuBuffer | null;
}

/**
 * Records MaxPool2D: one invocation per output value scans its window.
 *
 * @example
 * encodeMaxPool2D(context, encoder, { input, output, argmax }, params); // params: Pool2DParams
 */
export function encodeMaxPool2D(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: MaxPool2DBuffers,
  params: Pool2DParams,
): void {
  const fields = poolFields(params);
  const hasArgmax = buffers.argmax !== null;
  const bindings: StorageBinding[] = [
    ['inputs', 'read', 'f32'],
    ['outputs', 'read_write', 'f32'],
  ];
  if (hasArgmax) bindings.push(['argmax', 'read_write', 'i32']);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ox = (i / params.inC) % params.outW;
  let oy = (i / (params.inC * params.outW)) % params.outH;
  let image = i / (params.inC * params.outW * params.outH);
  var best = params.negativeInfinity;
  var bestIndex = -1;
  for (var ky = 0; ky < params.kH; ky++) {
    let iy = oy * params.strideH - params.padTop + ky;
    if (iy < 0 || iy >= params.inH) { continue; }
    for (var kx = 0; kx < params.kW; kx++) {
      let ix = ox * params.strideW - params.padLeft + kx;
      if (ix < 0 || ix >= params.inW) { continue; }
      let inIndex = ((image * params.inH + iy) * params.inW + ix) * params.inC + channel;
      let value = inputs[inIndex];
      if (bestIndex < 0 || value > best || isNan(value)) {
        best = value;
        bestIndex = inIndex;
        if (isNan(value)) { break; }
      }
    }
  }
  outputs[index] = best;
  ${hasArgmax ? 'argmax[index] = bestIndex;' : ''}`;
  const pipeline = pipelineFor(context, `MaxPool2D:${hasArgmax}`, () =>
    linearShader(fields, bindings, 'u32(params.batch * params.outH * params.outW * params.inC)', body),
  );
  const bound =
    buffers.argmax === null ? [buffers.input, buffers.output] : [buffers.input, buffers.output, buffers.argmax];
  encodeLinearPass(encoder, pipeline, fields, bound, params.batch * params.outH * params.outW * params.inC);
}

/** Buffers of a MaxPool2DBackprop call. */
export interface MaxPool2DBackpropBuffers {
  /** [batch, outH, outW, inC] */
  dOut: GpuBuffer;
  /** [batch, outH, outW, inC] int32, from MaxPool2D */
  argmax: GpuBuffer;
  /** [batch, inH, inW, inC] (overwritten) */
  dInput: GpuBuffer;
}

/**
 * Records MaxPool2DBackprop: each input value sums the dOut of the covering windows whose argmax it is.
 *
 * @example
 * encodeMaxPool2DBackprop(context, encoder, { dOut, argmax, dInput }, params);
 */
export function encodeMaxPool2DBackprop(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: MaxPool2DBackpropBuffers,
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
      let outIndex = ((image * params.outH + oy) * params.outW + ox) * params.inC + channel;
      if (argmax[outIndex] == i) { sum += dOut[outIndex]; }
    }
  }
  dInput[index] = sum;`;
  const pipeline = pipelineFor(context, 'MaxPool2DBackprop', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['argmax', 'read', 'i32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.inH * params.inW * params.inC)',
      body,
      COVERING_WINDOWS_WGSL,
    ),
  );
  const count = params.batch * params.inH * params.inW * params.inC;
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.argmax, buffers.dInput], count);
}
