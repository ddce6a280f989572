// WGSL matrix product out[m, n] = op(a)[m, k] * op(b)[k, n], op transposing where MatMulParams say.
// Tiled through workgroup memory: a workgroup of 16 x 16 invocations computes a 64 x 64 block of the
// output, 4 x 4 values each, from 64 x 16 slices of a and 16 x 64 slices of b staged in shared memory
// (each value loaded from storage once per workgroup instead of once per output). The transposes are
// strides, as in the reference (kernels/js/matMul.ts). An output of few tiles (a Dense layer at batch 1
// to 8) splits its sum over workgroups (split-K, splitDepth) and a second pass adds the splits in order.
// Limits: m and n up to 65,535 * 64 (grid axes).

import type { MatMulParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import {
  encodeLinearPass,
  encodePass,
  type KernelEncoder,
  linearShader,
  pipelineFor,
  storageDeclarations,
  uniformDeclaration,
} from './kernelEncoder.js';
import type { UniformField } from './kernelEncoder.js';

/** Buffers of a MatMul call. */
export interface MatMulBuffers {
  /** [m, k], or [k, m] when transposeA. */
  a: GpuBuffer;
  /** [k, n], or [n, k] when transposeB. */
  b: GpuBuffer;
  /** [m, n] (overwritten); a buffer of its own (WebGPU forbids a written binding that aliases another). */
  output: GpuBuffer;
}

const BLOCK = 64;
const DEPTH = 16;

/**
 * Split-K: how many workgroup layers share a product's sum of `depth` terms when its output has
 * `tiles` 64 x 64 tiles. A tiled product runs one workgroup per tile, each invocation summing all of
 * `depth` serially: W1's Dense 3136 -> 128 at batch 1 is 2 workgroups summing 3,136 products each. Split,
 * it fills about 256 workgroups (a GPU's worth), each summing at least 256 terms; one split where the
 * tiles alone reach 256 or the sum is short. The conv filter gradient (conv2d.ts) splits the same way.
 * NOTE: a split changes the order of the sum, not its determinism: the splits depend on the shapes
 * alone, and the second pass adds them in order, so a shape gives the same bits on every run.
 */
export function splitDepth(depth: number, tiles: number): number {
  return Math.max(1, Math.min(Math.ceil(depth / 256), Math.ceil(256 / tiles), 65535));
}

function fieldsOf(params: MatMulParams, chunk: number, splits: number): UniformField[] {
  const { m, k, n, transposeA, transposeB } = params;
  return [
    ['m', 'u32', m],
    ['k', 'u32', k],
    ['n', 'u32', n],
    ['aRowStride', 'u32', transposeA ? 1 : k],
    ['aDepthStride', 'u32', transposeA ? m : 1],
    ['bDepthStride', 'u32', transposeB ? 1 : n],
    ['bColumnStride', 'u32', transposeB ? k : 1],
    ['chunk', 'u32', chunk],
    ['splits', 'u32', splits],
  ];
}

function source(fields: readonly UniformField[]): string {
  return `${uniformDeclaration(fields)}${storageDeclarations([
    ['a', 'read', 'f32'],
    ['b', 'read', 'f32'],
    ['outputs', 'read_write', 'f32'],
  ])}
var<workgroup> tileA: array<f32, ${BLOCK * DEPTH}>; // [row 0..63][depth 0..15]
var<workgroup> tileB: array<f32, ${DEPTH * BLOCK}>; // [depth 0..15][column 0..63]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) flat: u32) {
  let rowBase = workgroup.y * ${BLOCK}u;
  let columnBase = workgroup.x * ${BLOCK}u;
  // Split-K: workgroup layer z sums depths [z * chunk, min(k, (z + 1) * chunk)) into its own output layer.
  let depthBegin = workgroup.z * params.chunk;
  let depthEnd = min(params.k, depthBegin + params.chunk);
  var sums: array<f32, 16>;
  for (var depthBase = depthBegin; depthBase < depthEnd; depthBase += ${DEPTH}u) {
    // 256 invocations stage 1024 values of each tile, 4 each; out-of-range values are zeros.
    for (var part = 0u; part < 4u; part++) {
      let slot = flat + part * 256u;
      let tileRow = slot / ${DEPTH}u;
      let tileDepth = slot % ${DEPTH}u;
      let row = rowBase + tileRow;
      let depth = depthBase + tileDepth;
      var aValue = 0.0;
      if (row < params.m && depth < depthEnd) {
        aValue = a[row * params.aRowStride + depth * params.aDepthStride];
      }
      tileA[slot] = aValue;
      let bDepth = slot / ${BLOCK}u;
      let bColumn = slot % ${BLOCK}u;
      let column = columnBase + bColumn;
      let depthB = depthBase + bDepth;
      var bValue = 0.0;
      if (column < params.n && depthB < depthEnd) {
        bValue = b[depthB * params.bDepthStride + column * params.bColumnStride];
      }
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
  for (var i = 0u; i < 4u; i++) {
    let row = rowBase + local.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let column = columnBase + local.x * 4u + j;
      if (row < params.m && column < params.n) {
        outputs[(workgroup.z * params.m + row) * params.n + column] = sums[i * 4u + j];
      }
    }
  }
}
`;
}

/**
 * How encodeMatMul dispatches `params`: the depth each workgroup layer sums (a multiple of 16, all of
 * it without a split) and the grid [column tiles, row tiles, splits]. Each invocation's serial loop runs
 * chunk / 16 steps of 16 multiply-adds per output value it holds.
 */
export function matMulPlan(params: MatMulParams): { chunk: number; grid: readonly [number, number, number] } {
  const { m, k, n } = params;
  const tiles = Math.ceil(n / BLOCK) * Math.ceil(m / BLOCK);
  // A multiple of the 16-deep tile, so that only the last split ends inside one.
  const chunk = Math.ceil(k / splitDepth(k, tiles) / DEPTH) * DEPTH;
  const layers = chunk === 0 ? 1 : Math.ceil(k / chunk);
  return { chunk, grid: [Math.ceil(n / BLOCK), Math.ceil(m / BLOCK), layers] };
}

/**
 * Records MatMul: output = op(a) * op(b), the reference's semantics (kernels/js/matMul.ts) in float32.
 *
 * @example
 * const encoder = new KernelEncoder(context);
 * encodeMatMul(context, encoder, { a, b, output }, { m: 2, k: 3, n: 4, transposeA: false, transposeB: false });
 * encoder.submit();
 */
export function encodeMatMul(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: MatMulBuffers,
  params: MatMulParams,
): void {
  if (params.m === 0 || params.n === 0) return;
  const { m, n } = params;
  const { chunk, grid } = matMulPlan(params);
  const layers = grid[2];
  const fields = fieldsOf(params, chunk, layers);
  const pipeline = pipelineFor(context, 'MatMul', () => source(fields));
  const target = layers === 1 ? buffers.output : encoder.scratch(layers * m * n * 4);
  encodePass(encoder, pipeline, fields, [buffers.a, buffers.b, target], grid);
  if (layers === 1) return;
  const sumPipeline = pipelineFor(context, 'MatMul:splits', () =>
    linearShader(
      fields,
      [
        ['partials', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.m * params.n',
      `
  var sum = 0.0;
  for (var split = 0u; split < params.splits; split++) { sum += partials[split * params.m * params.n + index]; }
  outputs[index] = sum;`,
    ),
  );
  encodeLinearPass(encoder, sumPipeline, fields, [target, buffers.output], m * n);
}
