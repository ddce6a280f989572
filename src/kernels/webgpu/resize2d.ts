// WGSL resize of NHWC maps, nearest and bilinear (kernels/js/resize2d.ts). Each axis' taps come from
// the reference's own axisTaps on the host, uploaded as tables, so the coordinate modes cannot drift.
// The gradient gathers: the outputs whose taps touch an input pixel form one run along each axis (taps
// never decrease), bounds computed on the host; the weight of output (oy, ox) at input (iy, ix) is the
// product of the two axes' summed tap weights there.

import { axisTaps } from '../js/resize2d.js';
import type { Resize2DParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

/**
 * The two axes' taps as tables: indices [rows first, rows second, columns first, columns second] and
 * weights [rows, columns]; and for the gradient, per input row and column, the first and last output
 * whose taps touch it (first > last where none does).
 */
function tapTables(params: Resize2DParams): { taps: Int32Array; weights: Float32Array; runs: Int32Array } {
  const { inH, inW, outH, outW } = params;
  const rows = axisTaps(inH, outH, params.scaleH, params);
  const columns = axisTaps(inW, outW, params.scaleW, params);
  const taps = new Int32Array(2 * outH + 2 * outW);
  taps.set(rows.first, 0);
  taps.set(rows.second, outH);
  taps.set(columns.first, 2 * outH);
  taps.set(columns.second, 2 * outH + outW);
  const weights = new Float32Array(outH + outW);
  weights.set(rows.weight, 0);
  weights.set(columns.weight, outH);
  // runs: [row starts (inH), row ends (inH), column starts (inW), column ends (inW)].
  const runs = new Int32Array(2 * inH + 2 * inW);
  const fillRuns = (taps: typeof rows, inSize: number, outSize: number, offset: number) => {
    runs.fill(outSize, offset, offset + inSize);
    runs.fill(-1, offset + inSize, offset + 2 * inSize);
    for (let out = 0; out < outSize; out++) {
      for (const pixel of [taps.first[out]!, taps.second[out]!]) {
        runs[offset + pixel] = Math.min(runs[offset + pixel]!, out);
        runs[offset + inSize + pixel] = Math.max(runs[offset + inSize + pixel]!, out);
      }
    }
  };
  fillRuns(rows, inH, outH, 0);
  fillRuns(columns, inW, outW, 2 * inH);
  return { taps, weights, runs };
}

function fieldsOf(params: Resize2DParams): UniformField[] {
  return [
    ['batch', 'i32', params.batch],
    ['inH', 'i32', params.inH],
    ['inW', 'i32', params.inW],
    ['inC', 'i32', params.inC],
    ['outH', 'i32', params.outH],
    ['outW', 'i32', params.outW],
  ];
}

/**
 * Records Resize2D: input [batch, inH, inW, inC]; output [batch, outH, outW, inC] (overwritten), each
 * value the four taps weighted (1 - wy)(1 - wx), (1 - wy) wx, wy (1 - wx), wy wx.
 *
 * @example
 * encodeResize2D(context, encoder, { input, output }, params); // params: Resize2DParams
 */
export function encodeResize2D(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: Resize2DParams,
): void {
  const fields = fieldsOf(params);
  const { taps, weights } = tapTables(params);
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ox = (i / params.inC) % params.outW;
  let oy = (i / (params.inC * params.outW)) % params.outH;
  let image = i / (params.inC * params.outW * params.outH);
  let top = (image * params.inH + taps[oy]) * params.inW;
  let bottom = (image * params.inH + taps[params.outH + oy]) * params.inW;
  let left = taps[2 * params.outH + ox];
  let right = taps[2 * params.outH + params.outW + ox];
  let weightY = weights[oy];
  let weightX = weights[params.outH + ox];
  var sum = (1.0 - weightY) * (1.0 - weightX) * inputs[(top + left) * params.inC + channel];
  sum += (1.0 - weightY) * weightX * inputs[(top + right) * params.inC + channel];
  sum += weightY * (1.0 - weightX) * inputs[(bottom + left) * params.inC + channel];
  sum += weightY * weightX * inputs[(bottom + right) * params.inC + channel];
  outputs[index] = sum;`;
  const pipeline = pipelineFor(context, 'Resize2D', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['taps', 'read', 'i32'],
        ['weights', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.outH * params.outW * params.inC)',
      body,
    ),
  );
  const bound = [buffers.input, encoder.temporary(taps), encoder.temporary(weights), buffers.output];
  encodeLinearPass(encoder, pipeline, fields, bound, params.batch * params.outH * params.outW * params.inC);
}

/**
 * Records Resize2DBackprop: dOut [batch, outH, outW, inC]; dInput [batch, inH, inW, inC] (overwritten),
 * each input value gathering dOut from the outputs whose taps touch it, with the same weights.
 *
 * @example
 * encodeResize2DBackprop(context, encoder, { dOut, dInput }, params);
 */
export function encodeResize2DBackprop(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; dInput: GpuBuffer },
  params: Resize2DParams,
): void {
  const fields = fieldsOf(params);
  const { taps, weights, runs } = tapTables(params);
  const helpers = `
fn rowShare(oy: i32, iy: i32) -> f32 {
  let weight = weights[oy];
  return select(0.0, 1.0 - weight, taps[oy] == iy) + select(0.0, weight, taps[params.outH + oy] == iy);
}
fn columnShare(ox: i32, ix: i32) -> f32 {
  let weight = weights[params.outH + ox];
  let first = taps[2 * params.outH + ox];
  let second = taps[2 * params.outH + params.outW + ox];
  return select(0.0, 1.0 - weight, first == ix) + select(0.0, weight, second == ix);
}
`;
  const body = `
  let i = i32(index);
  let channel = i % params.inC;
  let ix = (i / params.inC) % params.inW;
  let iy = (i / (params.inC * params.inW)) % params.inH;
  let image = i / (params.inC * params.inW * params.inH);
  var sum = 0.0;
  for (var oy = runs[iy]; oy <= runs[params.inH + iy]; oy++) {
    let share = rowShare(oy, iy);
    for (var ox = runs[2 * params.inH + ix]; ox <= runs[2 * params.inH + params.inW + ix]; ox++) {
      let weight = share * columnShare(ox, ix);
      sum += weight * dOut[((image * params.outH + oy) * params.outW + ox) * params.inC + channel];
    }
  }
  dInput[index] = sum;`;
  const pipeline = pipelineFor(context, 'Resize2DBackprop', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['taps', 'read', 'i32'],
        ['weights', 'read', 'f32'],
        ['runs', 'read', 'i32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'u32(params.batch * params.inH * params.inW * params.inC)',
      body,
      helpers,
    ),
  );
  const bound = [
    buffers.dOut,
    encoder.temporary(taps),
    encoder.temporary(weights),
    encoder.temporary(runs),
    buffers.dInput,
  ];
  encodeLinearPass(encoder, pipeline, fields, bound, params.batch * params.inH * params.inW * params.inC);
}
