// WGSL matrix product out[m, n] = op(a)[m, k] * op(b)[k, n], op transposing where MatMulParams say.
// Tiled through workgroup memory: a workgroup of 16 x 16 invocations computes a 64 x 64 block of the
// output, 4 x 4 values each, from 64 x 16 slices of a and 16 x 64 slices of b staged in shared memory
// (each value loaded from storage once per workgroup instead of once per output). The transposes are
// strides, as in the reference (kernels/js/matMul.ts). Limits: m and n up to 65,535 * 64 (grid axes).

import type { MatMulParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import {
  encodePass,
  type KernelEncoder,
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

function fieldsOf(params: MatMulParams): UniformField[] {
  const { m, k, n, transposeA, transposeB } = params;
  return [
    ['m', 'u32', m],
    ['k', 'u32', k],
    ['n', 'u32', n],
    ['aRowStride', 'u32', transposeA ? 1 : k],
    ['aDepthStride', 'u32', transposeA ? m : 1],
    ['bDepthStride', 'u32', transposeB ? 1 : n],
    ['bColumnStride', 'u32', transposeB ? k : 1],
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
  var sums: array<f32, 16>;
  for (var depthBase = 0u; depthBase < params.k; depthBase += ${DEPTH}u) {
    // 256 invocations stage 1024 values of each tile, 4 each; out-of-range values are zeros.
    for (var part = 0u; part < 4u; part++) {
      let slot = flat + part * 256u;
      let tileRow = slot / ${DEPTH}u;
      let tileDepth = slot % ${DEPTH}u;
      let row = rowBase + tileRow;
      let depth = depthBase + tileDepth;
      var aValue = 0.0;
      if (row < params.m && depth < params.k) {
        aValue = a[row * params.aRowStride + depth * params.aDepthStride];
      }
      tileA[slot] = aValue;
      let bDepth = slot / ${BLOCK}u;
      let bColumn = slot % ${BLOCK}u;
      let column = columnBase + bColumn;
      let depthB = depthBase + bDepth;
      var bValue = 0.0;
      if (column < params.n && depthB < params.k) {
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
      if (row < params.m && column < params.n) { outputs[row * params.n + column] = sums[i * 4u + j]; }
    }
  }
}
`;
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
  const fields = fieldsOf(params);
  const pipeline = pipelineFor(context, 'MatMul', () => source(fields));
  const grid = [Math.ceil(params.n / BLOCK), Math.ceil(params.m / BLOCK)] as const;
  encodePass(encoder, pipeline, fields, [buffers.a, buffers.b, buffers.output], grid);
}
