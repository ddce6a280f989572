// The part of the WebGPU API (https://www.w3.org/TR/webgpu/) that the WGSL kernels use, declared here
// because TypeScript's DOM library does not have it yet. Structural types: the browser's own objects
// (and Node or Deno implementations of the same spec) satisfy them. Limits: compute only, no textures.

/** GPUBufferUsage flags (WebGPU spec, section 5.1.2). */
export const BUFFER_USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** GPUMapMode.READ. */
export const MAP_MODE_READ = 0x0001;

/** navigator.gpu. */
export interface Gpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapter | null>;
}

/** An adapter: one physical or software device. */
export interface GpuAdapter {
  readonly info?: { vendor: string; architecture: string; device: string; description: string };
  readonly limits: GpuLimits;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
}

/** The limits the kernels read. */
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupStorageSize: number;
}

/** GPUBuffer: storage on the device, mappable for readback where made with MAP_READ. */
export interface GpuBuffer {
  readonly size: number;
  readonly usage: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** GPUShaderModule: compiled WGSL. */
export interface GpuShaderModule {
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number }[] }>;
}

/** GPUBindGroupLayout, here always a pipeline's 'auto' layout. */
export interface GpuBindGroupLayout {
  readonly label?: string;
}

/** GPUComputePipeline. */
export interface GpuComputePipeline {
  getBindGroupLayout(index: number): GpuBindGroupLayout;
}

/** GPUBindGroup: the buffers bound to one pass. */
export type GpuBindGroup = object;

/** GPUComputePassEncoder: one kernel call's pass. */
export interface GpuComputePassEncoder {
  setPipeline(pipeline: GpuComputePipeline): void;
  setBindGroup(index: number, group: GpuBindGroup): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** GPUCommandBuffer: a finished encoder, ready to submit. */
export type GpuCommandBuffer = object;

/** GPUCommandEncoder: records passes and copies for one submit. */
export interface GpuCommandEncoder {
  beginComputePass(descriptor?: { label?: string }): GpuComputePassEncoder;
  copyBufferToBuffer(
    source: GpuBuffer,
    sourceOffset: number,
    destination: GpuBuffer,
    destinationOffset: number,
    size: number,
  ): void;
  clearBuffer(buffer: GpuBuffer, offset?: number, size?: number): void;
  finish(): GpuCommandBuffer;
}

/** GPUQueue: submits, and writes that land before any later submit. */
export interface GpuQueue {
  submit(commandBuffers: readonly GpuCommandBuffer[]): void;
  writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView | ArrayBuffer): void;
  onSubmittedWorkDone(): Promise<void>;
}

/** GPUError, from popErrorScope. */
export interface GpuError {
  readonly message: string;
}

/** GPUDevice: the open device every kernel records onto. */
export interface GpuDevice {
  readonly limits: GpuLimits;
  readonly queue: GpuQueue;
  readonly lost: Promise<{ reason: string; message: string }>;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GpuBuffer;
  createShaderModule(descriptor: { code: string; label?: string }): GpuShaderModule;
  createComputePipeline(descriptor: {
    layout: 'auto';
    compute: { module: GpuShaderModule; entryPoint: string };
    label?: string;
  }): GpuComputePipeline;
  createBindGroup(descriptor: {
    layout: GpuBindGroupLayout;
    entries: readonly { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[];
  }): GpuBindGroup;
  createCommandEncoder(descriptor?: { label?: string }): GpuCommandEncoder;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuError | null>;
  destroy(): void;
}
