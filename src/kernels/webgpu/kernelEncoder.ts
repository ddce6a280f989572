// What every WGSL kernel file shares: one command encoder per batch of kernel calls (KernelEncoder),
// pipelines compiled once per shader variant, a params record written as a uniform struct from one
// field list (so the WGSL struct and the bytes cannot disagree), and 1-D dispatches split over two
// grid axes past the 65,535-workgroup limit of one axis. Binding 0 is always the params uniform;
// bindings 1, 2, ... are the kernel's storage buffers in the order it lists them.

import type { WebGpuContext } from './device.js';
import type { GpuBuffer, GpuCommandEncoder, GpuComputePipeline } from './gpuTypes.js';

/**
 * One command encoder for a batch of kernel calls: each encodeX call records a compute pass into it,
 * and submit() sends them all at once. Uniform buffers of the batch go back to the pool after the
 * submit (a later writeBuffer is queued after it, so reuse cannot reach a recorded pass).
 */
export class KernelEncoder {
  readonly encoder: GpuCommandEncoder;
  /** Uniforms and temporaries of this batch, back to the pool after submit. */
  private readonly uniforms: GpuBuffer[] = [];
  private isSubmitted = false;

  constructor(readonly context: WebGpuContext) {
    this.encoder = context.device.createCommandEncoder();
  }

  /** A uniform buffer holding `data`, released after submit. */
  uniform(data: ArrayBuffer): GpuBuffer {
    const buffer = this.context.pool.acquire(data.byteLength, 'uniform');
    this.context.device.queue.writeBuffer(buffer, 0, data);
    this.uniforms.push(buffer);
    return buffer;
  }

  /** A storage buffer holding `data` (a kernel's host-computed table), released after submit. */
  temporary(data: Float32Array | Int32Array): GpuBuffer {
    const buffer = this.context.pool.acquire(Math.max(data.byteLength, 4));
    if (data.byteLength > 0) this.context.device.queue.writeBuffer(buffer, 0, data);
    this.uniforms.push(buffer);
    return buffer;
  }

  /** A storage buffer of at least `byteLength` bytes, contents unspecified, released after submit. */
  scratch(byteLength: number): GpuBuffer {
    const buffer = this.context.pool.acquire(Math.max(byteLength, 4));
    this.uniforms.push(buffer);
    return buffer;
  }

  /** Submits every pass recorded so far; the encoder cannot be used after. */
  submit(): void {
    if (this.isSubmitted) throw new Error('KernelEncoder: submitted twice');
    this.isSubmitted = true;
    this.context.device.queue.submit([this.encoder.finish()]);
    for (const buffer of this.uniforms) this.context.pool.release(buffer);
    this.uniforms.length = 0;
  }
}

/** One field of a params uniform: its WGSL name, type and value. */
export type UniformField = readonly [name: string, type: 'u32' | 'i32' | 'f32', value: number];

/** The WGSL struct `Params` of the fields, bound at group 0, binding 0 as `params`. */
export function uniformDeclaration(fields: readonly UniformField[]): string {
  const members = fields.map(([name, type]) => `  ${name}: ${type},`).join('\n');
  return `struct Params {\n${members}\n}\n@group(0) @binding(0) var<uniform> params: Params;\n`;
}

/** The bytes of the fields, in order, 4 each, padded to a multiple of 16. */
export function uniformBytes(fields: readonly UniformField[]): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(bytes);
  fields.forEach(([, type, value], index) => {
    if (type === 'f32') view.setFloat32(index * 4, value, true);
    else if (type === 'i32') view.setInt32(index * 4, value, true);
    else view.setUint32(index * 4, value, true);
  });
  return bytes;
}

/** A storage binding of a kernel: its WGSL name, whether the kernel writes it, and its element type. */
export type StorageBinding = readonly [name: string, access: 'read' | 'read_write', element: 'f32' | 'i32'];

/** The storage declarations, bindings 1, 2, ... in order. */
export function storageDeclarations(bindings: readonly StorageBinding[]): string {
  return bindings
    .map(
      ([name, access, element], index) =>
        `@group(0) @binding(${index + 1}) var<storage, ${access}> ${name}: array<${element}>;\n`,
    )
    .join('');
}

/**
 * WGSL helpers every kernel may call: NaN tests that no compiler may fold away (through the bits, as
 * WGSL lets an implementation assume finite floats), and the linear index of a 1-D dispatch split
 * over two grid axes.
 */
export const WGSL_COMMON = `
fn isNan(value: f32) -> bool {
  return (bitcast<u32>(value) & 0x7fffffffu) > 0x7f800000u;
}
fn linearIndex(workgroup: vec3<u32>, groups: vec3<u32>, local: u32, size: u32) -> u32 {
  return (workgroup.x + workgroup.y * groups.x) * size + local;
}
`;

/** The compute pipeline of a shader variant, compiled on first use and cached in the context by `key`. */
export function pipelineFor(context: WebGpuContext, key: string, source: () => string): GpuComputePipeline {
  const cached = context.pipelines.get(key);
  if (cached !== undefined) return cached;
  const module = context.device.createShaderModule({ code: source(), label: key });
  const pipeline = context.device.createComputePipeline({
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
    label: key,
  });
  context.pipelines.set(key, pipeline);
  return pipeline;
}

/**
 * The workgroup grid for `count` workgroups: one axis up to 65,535, then a second axis (the shader
 * recovers the linear id with linearIndex and drops the overshoot by its bound check).
 */
export function workgroupGrid(count: number): [number, number] {
  const limit = 65535;
  if (count <= limit) return [Math.max(count, 1), 1];
  return [limit, Math.ceil(count / limit)];
}

/**
 * Records one compute pass: the pipeline, a bind group of the params uniform and `buffers`, and a
 * dispatch of `grid` workgroups.
 */
export function encodePass(
  encoder: KernelEncoder,
  pipeline: GpuComputePipeline,
  fields: readonly UniformField[],
  buffers: readonly GpuBuffer[],
  grid: readonly [number, number, number?],
): void {
  const device = encoder.context.device;
  const entries = [encoder.uniform(uniformBytes(fields)), ...buffers].map((buffer, binding) => ({
    binding,
    resource: { buffer },
  }));
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const pass = encoder.encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(grid[0], grid[1], grid[2] ?? 1);
  pass.end();
}

/** The workgroup size of the 1-D kernels (elementwise, per-output loops). */
export const LINEAR_WORKGROUP = 64;

/**
 * Records a pass of a 1-D kernel over `count` invocations, LINEAR_WORKGROUP per workgroup; the
 * shader's main takes `index` from linearIndex and returns where index >= its count.
 */
export function encodeLinearPass(
  encoder: KernelEncoder,
  pipeline: GpuComputePipeline,
  fields: readonly UniformField[],
  buffers: readonly GpuBuffer[],
  count: number,
): void {
  if (count === 0) return;
  const [x, y] = workgroupGrid(Math.ceil(count / LINEAR_WORKGROUP));
  encodePass(encoder, pipeline, fields, buffers, [x, y]);
}

/**
 * A 1-D kernel's full source: the params struct, the storage bindings, the common helpers, and `body`
 * as the statements of main run for each `index` below `countExpression` (a WGSL expression).
 */
export function linearShader(
  fields: readonly UniformField[],
  bindings: readonly StorageBinding[],
  countExpression: string,
  body: string,
  helpers = '',
): string {
  return `${uniformDeclaration(fields)}${storageDeclarations(bindings)}${WGSL_COMMON}${helpers}
@compute @workgroup_size(${LINEAR_WORKGROUP})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let index = linearIndex(workgroup, groups, local, ${LINEAR_WORKGROUP}u);
  if (index >= ${countExpression}) { return; }
${body}
}
`;
}

/** Invocations per workgroup of the reductions (dFilter here, bias and batch-norm sums elsewhere). */
export const REDUCTION_WORKGROUP = 64;

/**
 * WGSL of a workgroup sum: every invocation passes its partial sum and gets the workgroup's total (a
 * tree over shared memory, which also rounds less than one running sum). Call it in uniform control flow.
 */
export const WORKGROUP_SUM_WGSL = `
var<workgroup> partials: array<f32, ${REDUCTION_WORKGROUP}>;
fn workgroupSum(local: u32, value: f32) -> f32 {
  partials[local] = value;
  workgroupBarrier();
  for (var stride = ${REDUCTION_WORKGROUP / 2}u; stride > 0u; stride /= 2u) {
    if (local < stride) { partials[local] += partials[local + stride]; }
    workgroupBarrier();
  }
  let total = partials[0];
  workgroupBarrier();
  return total;
}
`;

/**
 * The source of a reduction kernel: one workgroup of REDUCTION_WORKGROUP invocations per value of
 * `countExpression`, its linear id `slot` (uniform across the workgroup) and `local` in `body`.
 */
export function reductionShader(
  fields: readonly UniformField[],
  bindings: readonly StorageBinding[],
  countExpression: string,
  body: string,
): string {
  return `${uniformDeclaration(fields)}${storageDeclarations(bindings)}${WGSL_COMMON}${WORKGROUP_SUM_WGSL}
@compute @workgroup_size(${REDUCTION_WORKGROUP})
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let slot = workgroup.x + workgroup.y * groups.x;
  if (slot >= ${countExpression}) { return; }
${body}
}
`;
}

/** Records a reduction kernel's pass: one workgroup per each of `count` values. */
export function encodeReductionPass(
  encoder: KernelEncoder,
  pipeline: GpuComputePipeline,
  fields: readonly UniformField[],
  buffers: readonly GpuBuffer[],
  count: number,
): void {
  if (count === 0) return;
  const [x, y] = workgroupGrid(count);
  encodePass(encoder, pipeline, fields, buffers, [x, y]);
}
