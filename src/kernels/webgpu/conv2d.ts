// WGSL convolution kernels, forward (bias, residual, input scale, fused activation) and both gradients,
// NHWC with [kH, kW, inC / groups, outC] filters, stride, padding, dilation and groups (depthwise too);
// the maths is derived in kernels/js/conv2d.ts. Every invocation gathers (no atomics): direct loops, or
// with one group and tiles at least half full implicit GEMMs (conv2dAlgorithm says which and why).
// Limits: no Winograd; grouped and depthwise layers take the direct loops.

import { type Conv2DParams, fusedActivationOf } from '../params.js';
import { fusedActivationShader } from './activations.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { splitDepth } from './matMul.js';
import {
  encodeLinearPass,
  encodePass,
  encodeReductionPass,
  type KernelEncoder,
  linearShader,
  pipelineFor,
  REDUCTION_WORKGROUP,
  reductionShader,
  type StorageBinding,
  storageDeclarations,
  type UniformField,
  uniformDeclaration,
  WGSL_COMMON,
} from './kernelEncoder.js';

/** Buffers of a Conv2D call. */
export interface Conv2DBuffers {
  /** [batch, inH, inW, inC] */
  input: GpuBuffer;
  /** [kH, kW, inC / groups, outC] */
  filter: GpuBuffer;
  /** [outC] or null */
  bias: GpuBuffer | null;
  /** [batch, outH, outW, outC] (overwritten) */
  output: GpuBuffer;
  /** [batch, outH, outW, outC] added before the activation, or null */
  residual?: GpuBuffer | null | undefined;
  /** [batch, inC] factor of each image's input channel, or null */
  inputScale?: GpuBuffer | null | undefined;
}

function geometryFields(params: Conv2DParams): UniformField[] {
  const groups = params.groups ?? 1;
  return [
    ['batch', 'i32', params.batch],
    ['inH', 'i32', params.inH],
    ['inW', 'i32', params.inW],
    ['inC', 'i32', params.inC],
    ['outH', 'i32', params.outH],
    ['outW', 'i32', params.outW],
    ['outC', 'i32', params.outC],
    ['kH', 'i32', params.kH],
    ['kW', 'i32', params.kW],
    ['strideH', 'i32', params.strideH],
    ['strideW', 'i32', params.strideW],
    ['padTop', 'i32', params.padTop],
    ['padLeft', 'i32', params.padLeft],
    ['dilationH', 'i32', params.dilationH ?? 1],
    ['dilationW', 'i32', params.dilationW ?? 1],
    ['groupInC', 'i32', params.inC / groups],
    ['groupOutC', 'i32', params.outC / groups],
  ];
}

/**
 * Records Conv2D: output = activation(conv(input * inputScale, filter) + bias + residual), the
 * reference's terms (kernels/js/conv2d.ts), by `algorithm` (default: conv2dAlgorithm's choice).
 *
 * @example
 * encodeConv2D(context, encoder, { input, filter, bias, output }, params); // params: Conv2DParams
 */
export function encodeConv2D(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: Conv2DBuffers,
  params: Conv2DParams,
  algorithm?: Conv2DAlgorithm,
): void {
  const activation = fusedActivationShader(fusedActivationOf(params.activation));
  const hasBias = buffers.bias !== null;
  const residual = buffers.residual ?? null;
  const inputScale = buffers.inputScale ?? null;
  const fields: UniformField[] = [
    ...geometryFields(params),
    ['activationFirst', 'f32', activation.constants[0]],
    ['activationSecond', 'f32', activation.constants[1]],
  ];
  const bindings: StorageBinding[] = [
    ['inputs', 'read', 'f32'],
    ['weights', 'read', 'f32'],
  ];
  const bound: GpuBuffer[] = [buffers.input, buffers.filter];
  if (buffers.bias !== null) {
    bindings.push(['bias', 'read', 'f32']);
    bound.push(buffers.bias);
  }
  if (residual !== null) {
    bindings.push(['residual', 'read', 'f32']);
    bound.push(residual);
  }
  if (inputScale !== null) {
    bindings.push(['inputScale', 'read', 'f32']);
    bound.push(inputScale);
  }
  bindings.push(['outputs', 'read_write', 'f32']);
  bound.push(buffers.output);
  const variant = `${hasBias}:${residual !== null}:${inputScale !== null}:${activation.key}`;
  const scaled = (value: string, channel: string) =>
    inputScale === null ? value : `${value} * inputScale[image * params.inC + ${channel}]`;
  if ((algorithm ?? conv2dAlgorithm(params)) === 'implicitGemm') {
    const gemm: ImplicitGemm = {
      rows: 'params.batch * params.outH * params.outW',
      depth: 'params.kH * params.kW * params.inC',
      columns: 'params.outC',
      // Depth runs over (ky, kx, channel) in the filter's order, so the b tile is the filter itself.
      loadA: `
          let ox = row % params.outW;
          let oy = (row / params.outW) % params.outH;
          let image = row / (params.outW * params.outH);
          let channel = depth % params.inC;
          let kx = (depth / params.inC) % params.kW;
          let ky = depth / (params.inC * params.kW);
          let iy = oy * params.strideH - params.padTop + ky * params.dilationH;
          let ix = ox * params.strideW - params.padLeft + kx * params.dilationW;
          if (iy >= 0 && iy < params.inH && ix >= 0 && ix < params.inW) {
            let inIndex = ((image * params.inH + iy) * params.inW + ix) * params.inC + channel;
            aValue = ${scaled('inputs[inIndex]', 'channel')};
          }`,
      loadB: 'weights[depth * params.outC + column]',
      store: `
        var value = sums[i * 4 + j]${hasBias ? ' + bias[column]' : ''};
        ${residual === null ? '' : 'value += residual[row * params.outC + column];'}
        outputs[row * params.outC + column] = activate(value);`,
    };
    const source = () => implicitGemmShader(fields, bindings, gemm, activation.source);
    const pipeline = pipelineFor(context, `Conv2D:implicitGemm:${variant}`, source);
    const positions = params.batch * params.outH * params.outW;
    encodePass(encoder, pipeline, fields, bound, [Math.ceil(params.outC / BLOCK), Math.ceil(positions / BLOCK)]);
    return;
  }
  const count = params.batch * params.outH * params.outW * params.outC;
  const body = `
  let i = i32(index);
  let oc = i % params.outC;
  let ox = (i / params.outC) % params.outW;
  let oy = (i / (params.outC * params.outW)) % params.outH;
  let image = i / (params.outC * params.outW * params.outH);
  let groupIndex = oc / params.groupOutC;
  var sum = ${hasBias ? 'bias[oc]' : '0.0'};
  for (var ky = 0; ky < params.kH; ky++) {
    let iy = oy * params.strideH - params.padTop + ky * params.dilationH;
    if (iy < 0 || iy >= params.inH) { continue; }
    for (var kx = 0; kx < params.kW; kx++) {
      let ix = ox * params.strideW - params.padLeft + kx * params.dilationW;
      if (ix < 0 || ix >= params.inW) { continue; }
      let channelBase = groupIndex * params.groupInC;
      let inBase = ((image * params.inH + iy) * params.inW + ix) * params.inC + channelBase;
      let weightBase = (ky * params.kW + kx) * params.groupInC * params.outC + oc;
      for (var c = 0; c < params.groupInC; c++) {
        let value = ${scaled('inputs[inBase + c]', 'channelBase + c')};
        sum += value * weights[weightBase + c * params.outC];
      }
    }
  }
  ${residual === null ? '' : 'sum += residual[index];'}
  outputs[index] = activate(sum);`;
  const pipeline = pipelineFor(context, `Conv2D:direct:${variant}`, () =>
    linearShader(
      fields,
      bindings,
      'u32(params.batch * params.outH * params.outW * params.outC)',
      body,
      activation.source,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, bound, count);
}

/** How Conv2D runs: one invocation per output value, or a tiled product of im2col(input) and the filter. */
export type Conv2DAlgorithm = 'direct' | 'implicitGemm';

const BLOCK = 64;
const DEPTH = 16;

/**
 * The one place that picks the algorithm of Conv2D and its two gradients. The implicit GEMM
 * sees the forward convolution as the product of im2col(input) [batch * outH * outW, kH * kW * inC]
 * and the filter [kH * kW * inC, outC], and the input gradient as that of the gathered dOut
 * [batch * inH * inW, kH * kW * outC] (zero where no output reads the pixel through that tap) and the
 * filter's taps transposed [kH * kW * outC, inC], and the filter gradient as im2col(input) transposed
 * [kH * kW * inC, batch * outH * outW] times dOut [batch * outH * outW, outC], its long depth split
 * over workgroups (split-K, splitDepth in matMul.ts) and the splits summed by a second pass; built tile by tile in
 * workgroup memory and never stored (MatMul's 64 x 64 tiling, matMul.ts), so each value is loaded from
 * storage once per 64 results that use it, where the direct loop loads it once per result. It needs
 * one group (a grouped filter is block-diagonal, mostly zeros as one product), positions that fit the
 * grid, and tiles full enough (gemmTileShare): a product narrower than its 64 x 64 x 16 tiles
 * multiplies the padding too. Forward and for the input gradient, at least half full: the direct loop
 * there is a plain gather whose neighbours share their loads through the cache. For the filter
 * gradient, at least a quarter: its direct loop is a reduction, one workgroup per filter value, each
 * loading all its input and dOut values. digits-cnn's first layer (9 taps of 1 channel, 16 filters)
 * fills 14% of its forward tiles and 3.5% of its filter gradient's; its second layer's input gradient
 * (16 channels) 25%. Timed on SwiftShader (a CPU, so a hint only) at batch 64, each pair in alternation,
 * those three took 0.78, 1.33 and 1.11 s as GEMMs and 0.14, 0.16 and 0.24 s as direct loops; the second
 * layer's filter gradient (37.5%) 0.65 s as a GEMM and 0.78 s direct, and at batch 1 16 ms against 124 ms.
 */
export function conv2dAlgorithm(
  params: Conv2DParams,
  pass: 'forward' | 'backpropInput' | 'backpropFilter' = 'forward',
): Conv2DAlgorithm {
  const isInput = pass === 'backpropInput';
  const isFilter = pass === 'backpropFilter';
  const taps = params.kH * params.kW;
  const images = params.batch * (isInput ? params.inH * params.inW : params.outH * params.outW);
  const rows = isFilter ? taps * params.inC : images;
  const columns = isInput ? params.inC : params.outC;
  // The filter gradient's depth (the positions) is split in chunks of whole 16-deep tiles: none padded.
  const depth = isFilter ? DEPTH : taps * (isInput ? params.outC : params.inC);
  const isOneGroup = (params.groups ?? 1) === 1;
  const fitsGrid = Math.ceil(rows / BLOCK) <= 65535;
  const leastShare = isFilter ? 0.25 : 0.5;
  return isOneGroup && fitsGrid && gemmTileShare(rows, columns, depth) >= leastShare ? 'implicitGemm' : 'direct';
}

/**
 * The share of a tiled product's multiply-adds that make its result: rows and columns in tiles of 64,
 * depth in steps of 16, the rest padding (zeros multiplied).
 */
export function gemmTileShare(rows: number, columns: number, depth: number): number {
  const padded = (size: number, step: number) => Math.max(1, Math.ceil(size / step) * step);
  return (rows / padded(rows, BLOCK)) * (columns / padded(columns, BLOCK)) * (depth / padded(depth, DEPTH));
}

/** The parts of an implicit GEMM (see conv2dAlgorithm): WGSL for the sizes, the two tile loads and the store. */
interface ImplicitGemm {
  /** Rows (i32 expression): output positions forward, input positions for the input gradient. */
  rows: string;
  /** Depth of the product (i32 expression), summed over. */
  depth: string;
  /** Columns (i32 expression): output channels forward, input channels for the input gradient. */
  columns: string;
  /** Statements setting `aValue` from `row` and `depth` (both in range), left 0 where the tap is padding. */
  loadA: string;
  /** An expression of `depth` and `column` (both in range). */
  loadB: string;
  /** Statements storing sums[i * 4 + j], the value at `row` and `column` (both in range) of split `split`. */
  store: string;
  /** Split-K: the depth each workgroup.z sums (i32 expression, a multiple of 16); absent: all of it. */
  chunk?: string;
}

/**
 * An implicit GEMM's source: MatMul's tiling (matMul.ts), with the a and b tiles gathered by the
 * loaders instead of read from stored matrices.
 */
function implicitGemmShader(
  fields: readonly UniformField[],
  bindings: readonly StorageBinding[],
  gemm: ImplicitGemm,
  helpers = '',
): string {
  return `${uniformDeclaration(fields)}${storageDeclarations(bindings)}${WGSL_COMMON}${helpers}
var<workgroup> tileA: array<f32, ${BLOCK * DEPTH}>; // [row 0..63][depth 0..15]
var<workgroup> tileB: array<f32, ${DEPTH * BLOCK}>; // [depth 0..15][column 0..63]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) flat: u32) {
  let rows = ${gemm.rows};
  let columns = ${gemm.columns};
  let split = i32(workgroup.z);
  let depthBegin = ${gemm.chunk === undefined ? '0' : `split * ${gemm.chunk}`};
  let depthTotal = ${gemm.chunk === undefined ? gemm.depth : `min(${gemm.depth}, depthBegin + ${gemm.chunk})`};
  let rowBase = i32(workgroup.y) * ${BLOCK};
  let columnBase = i32(workgroup.x) * ${BLOCK};
  var sums: array<f32, 16>;
  for (var depthBase = depthBegin; depthBase < depthTotal; depthBase += ${DEPTH}) {
    for (var part = 0; part < 4; part++) {
      let slot = i32(flat) + part * 256;
      var aValue = 0.0;
      {
        let row = rowBase + slot / ${DEPTH};
        let depth = depthBase + slot % ${DEPTH};
        if (row < rows && depth < depthTotal) {${gemm.loadA}
        }
      }
      tileA[slot] = aValue;
      let column = columnBase + slot % ${BLOCK};
      let depth = depthBase + slot / ${BLOCK};
      var bValue = 0.0;
      if (column < columns && depth < depthTotal) { bValue = ${gemm.loadB}; }
      tileB[slot] = bValue;
    }
    workgroupBarrier();
    for (var p = 0u; p < ${DEPTH}u; p++) {
      var aColumn: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { aColumn[i] = tileA[(local.y * 4u + i) * ${DEPTH}u + p]; }
      for (var j = 0u; j < 4u; j++) {
        let bValue = tileB[p * ${BLOCK}u + local.x * 4u + j];
        for (var i = 0u; i < 4u; i++) { sums[i * 4u + j] += aColumn[i] * bValue; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let row = rowBase + i32(local.y) * 4 + i;
    for (var j = 0; j < 4; j++) {
      let column = columnBase + i32(local.x) * 4 + j;
      if (row < rows && column < columns) {${gemm.store}
      }
    }
  }
}
`;
}

/** Buffers of a Conv2DBackpropInput call. */
export interface Conv2DBackpropInputBuffers {
  /** [batch, outH, outW, outC] */
  dOut: GpuBuffer;
  /** [kH, kW, inC / groups, outC] */
  filter: GpuBuffer;
  /** [batch, inH, inW, inC] (overwritten) */
  dInput: GpuBuffer;
}

/**
 * Records Conv2DBackpropInput: each dInput value gathers dOut * filter over the (output, tap) pairs
 * that read it in the forward pass: oy = (iy + padTop - ky * dilationH) / strideH where that divides;
 * by `algorithm` (default: conv2dAlgorithm's choice for the input gradient).
 *
 * @example
 * encodeConv2DBackpropInput(context, encoder, { dOut, filter, dInput }, params);
 */
export function encodeConv2DBackpropInput(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: Conv2DBackpropInputBuffers,
  params: Conv2DParams,
  algorithm?: Conv2DAlgorithm,
): void {
  const fields = geometryFields(params);
  const bindings: StorageBinding[] = [
    ['dOut', 'read', 'f32'],
    ['weights', 'read', 'f32'],
    ['dInput', 'read_write', 'f32'],
  ];
  const bound = [buffers.dOut, buffers.filter, buffers.dInput];
  if ((algorithm ?? conv2dAlgorithm(params, 'backpropInput')) === 'implicitGemm') {
    const gemm: ImplicitGemm = {
      rows: 'params.batch * params.inH * params.inW',
      depth: 'params.kH * params.kW * params.outC',
      columns: 'params.inC',
      loadA: `
          let ix = row % params.inW;
          let iy = (row / params.inW) % params.inH;
          let image = row / (params.inW * params.inH);
          let m = depth % params.outC;
          let kx = (depth / params.outC) % params.kW;
          let ky = depth / (params.outC * params.kW);
          let rowOffset = iy + params.padTop - ky * params.dilationH;
          let columnOffset = ix + params.padLeft - kx * params.dilationW;
          if (rowOffset >= 0 && columnOffset >= 0 && rowOffset % params.strideH == 0 &&
              columnOffset % params.strideW == 0) {
            let oy = rowOffset / params.strideH;
            let ox = columnOffset / params.strideW;
            if (oy < params.outH && ox < params.outW) {
              aValue = dOut[((image * params.outH + oy) * params.outW + ox) * params.outC + m];
            }
          }`,
      loadB: 'tapWeight(depth, column)',
      store: `
        dInput[row * params.inC + column] = sums[i * 4 + j];`,
    };
    const tapWeight = `
fn tapWeight(depth: i32, column: i32) -> f32 {
  let tap = depth / params.outC;
  return weights[(tap * params.inC + column) * params.outC + depth % params.outC];
}
`;
    const pipeline = pipelineFor(context, 'Conv2DBackpropInput:implicitGemm', () =>
      implicitGemmShader(fields, bindings, gemm, tapWeight),
    );
    const positions = params.batch * params.inH * params.inW;
    encodePass(encoder, pipeline, fields, bound, [Math.ceil(params.inC / BLOCK), Math.ceil(positions / BLOCK)]);
    return;
  }
  const count = params.batch * params.inH * params.inW * params.inC;
  const body = `
  let i = i32(index);
  let ic = i % params.inC;
  let ix = (i / params.inC) % params.inW;
  let iy = (i / (params.inC * params.inW)) % params.inH;
  let image = i / (params.inC * params.inW * params.inH);
  let groupIndex = ic / params.groupInC;
  let channel = ic % params.groupInC;
  var sum = 0.0;
  for (var ky = 0; ky < params.kH; ky++) {
    let rowOffset = iy + params.padTop - ky * params.dilationH;
    if (rowOffset < 0 || rowOffset % params.strideH != 0) { continue; }
    let oy = rowOffset / params.strideH;
    if (oy >= params.outH) { continue; }
    for (var kx = 0; kx < params.kW; kx++) {
      let columnOffset = ix + params.padLeft - kx * params.dilationW;
      if (columnOffset < 0 || columnOffset % params.strideW != 0) { continue; }
      let ox = columnOffset / params.strideW;
      if (ox >= params.outW) { continue; }
      let dOutBase = ((image * params.outH + oy) * params.outW + ox) * params.outC + groupIndex * params.groupOutC;
      let tap = (ky * params.kW + kx) * params.groupInC + channel;
      let weightBase = tap * params.outC + groupIndex * params.groupOutC;
      for (var m = 0; m < params.groupOutC; m++) {
        sum += dOut[dOutBase + m] * weights[weightBase + m];
      }
    }
  }
  dInput[index] = sum;`;
  const pipeline = pipelineFor(context, 'Conv2DBackpropInput:direct', () =>
    linearShader(fields, bindings, 'u32(params.batch * params.inH * params.inW * params.inC)', body),
  );
  encodeLinearPass(encoder, pipeline, fields, bound, count);
}

/** Buffers of a Conv2DBackpropFilter call. */
export interface Conv2DBackpropFilterBuffers {
  /** [batch, inH, inW, inC] */
  input: GpuBuffer;
  /** [batch, outH, outW, outC] */
  dOut: GpuBuffer;
  /** [kH, kW, inC / groups, outC] (overwritten) */
  dFilter: GpuBuffer;
}

/**
 * Records Conv2DBackpropFilter: each filter value [ky, kx, c, oc] is the sum over images and output
 * positions of input * dOut, one workgroup per value, its invocations striding over the positions.
 *
 * @example
 * encodeConv2DBackpropFilter(context, encoder, { input, dOut, dFilter }, params);
 */
export function encodeConv2DBackpropFilter(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: Conv2DBackpropFilterBuffers,
  params: Conv2DParams,
  algorithm?: Conv2DAlgorithm,
): void {
  const groups = params.groups ?? 1;
  const count = params.kH * params.kW * (params.inC / groups) * params.outC;
  if ((algorithm ?? conv2dAlgorithm(params, 'backpropFilter')) === 'implicitGemm') {
    encodeConv2DBackpropFilterGemm(context, encoder, buffers, params);
    return;
  }
  const fields = geometryFields(params);
  const body = `
  let s = i32(slot);
  let oc = s % params.outC;
  let channel = (s / params.outC) % params.groupInC;
  let kx = (s / (params.outC * params.groupInC)) % params.kW;
  let ky = s / (params.outC * params.groupInC * params.kW);
  let inChannel = (oc / params.groupOutC) * params.groupInC + channel;
  let positions = params.batch * params.outH * params.outW;
  var sum = 0.0;
  for (var position = i32(local); position < positions; position += ${REDUCTION_WORKGROUP}) {
    let ox = position % params.outW;
    let oy = (position / params.outW) % params.outH;
    let image = position / (params.outW * params.outH);
    let iy = oy * params.strideH - params.padTop + ky * params.dilationH;
    let ix = ox * params.strideW - params.padLeft + kx * params.dilationW;
    if (iy >= 0 && iy < params.inH && ix >= 0 && ix < params.inW) {
      sum += inputs[((image * params.inH + iy) * params.inW + ix) * params.inC + inChannel] *
        dOut[position * params.outC + oc];
    }
  }
  let total = workgroupSum(local, sum);
  if (local == 0u) { dFilter[slot] = total; }`;
  const pipeline = pipelineFor(context, 'Conv2DBackpropFilter:direct', () =>
    reductionShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['dOut', 'read', 'f32'],
        ['dFilter', 'read_write', 'f32'],
      ],
      'u32(params.kH * params.kW * params.groupInC * params.outC)',
      body,
    ),
  );
  encodeReductionPass(encoder, pipeline, fields, [buffers.input, buffers.dOut, buffers.dFilter], count);
}

/**
 * The filter gradient as a split-K implicit GEMM (see conv2dAlgorithm): rows are the filter's
 * (ky, kx, channel), columns the output channels, depth the positions. Each of `splits` workgroup
 * layers sums its chunk of positions into scratch [splits, rows, outC]; a second pass adds the splits
 * in order. With one split the GEMM writes dFilter directly.
 */
function encodeConv2DBackpropFilterGemm(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: Conv2DBackpropFilterBuffers,
  params: Conv2DParams,
): void {
  const rows = params.kH * params.kW * params.inC;
  const positions = params.batch * params.outH * params.outW;
  const tiles = Math.ceil(rows / BLOCK) * Math.ceil(params.outC / BLOCK);
  const splits = splitDepth(positions, tiles);
  const chunk = Math.ceil(positions / splits / DEPTH) * DEPTH;
  const fields: UniformField[] = [...geometryFields(params), ['chunk', 'i32', chunk], ['splits', 'i32', splits]];
  const target = splits === 1 ? buffers.dFilter : encoder.scratch(splits * rows * params.outC * 4);
  const gemm: ImplicitGemm = {
    rows: 'params.kH * params.kW * params.inC',
    depth: 'params.batch * params.outH * params.outW',
    columns: 'params.outC',
    chunk: 'params.chunk',
    loadA: `
          let channel = row % params.inC;
          let kx = (row / params.inC) % params.kW;
          let ky = row / (params.inC * params.kW);
          let ox = depth % params.outW;
          let oy = (depth / params.outW) % params.outH;
          let image = depth / (params.outW * params.outH);
          let iy = oy * params.strideH - params.padTop + ky * params.dilationH;
          let ix = ox * params.strideW - params.padLeft + kx * params.dilationW;
          if (iy >= 0 && iy < params.inH && ix >= 0 && ix < params.inW) {
            aValue = inputs[((image * params.inH + iy) * params.inW + ix) * params.inC + channel];
          }`,
    loadB: 'dOut[depth * params.outC + column]',
    store: `
        partials[(split * rows + row) * params.outC + column] = sums[i * 4 + j];`,
  };
  const bindings: StorageBinding[] = [
    ['inputs', 'read', 'f32'],
    ['dOut', 'read', 'f32'],
    ['partials', 'read_write', 'f32'],
  ];
  const pipeline = pipelineFor(context, 'Conv2DBackpropFilter:implicitGemm', () =>
    implicitGemmShader(fields, bindings, gemm),
  );
  const grid = [Math.ceil(params.outC / BLOCK), Math.ceil(rows / BLOCK), splits] as const;
  encodePass(encoder, pipeline, fields, [buffers.input, buffers.dOut, target], grid);
  if (splits === 1) return;
  const sumPipeline = pipelineFor(context, 'Conv2DBackpropFilter:splits', () =>
    linearShader(
      fields,
      [
        ['partials', 'read', 'f32'],
        ['dFilter', 'read_write', 'f32'],
      ],
      'u32(params.kH * params.kW * params.inC * params.outC)',
      `
  let size = u32(params.kH * params.kW * params.inC * params.outC);
  var sum = 0.0;
  for (var split = 0u; split < u32(params.splits); split++) { sum += partials[split * size + index]; }
  dFilter[index] = sum;`,
    ),
  );
  encodeLinearPass(encoder, sumPipeline, fields, [target, buffers.dFilter], rows * params.outC);
}
