// The WebGPU adapter and device probe: finds navigator.gpu (or a WebGPU implementation passed in, as
// Node and Deno packages provide one), opens a device and names the adapter for backendInfo.
// Reference: the WebGPU spec, sections 4.2 (navigator.gpu) and 4.3 (adapters). Limits: one device,
// with the adapter's own limits for buffer sizes; float32 only (WGSL has no f64).

import { ConvNetError } from '../../core/errors.js';
import { BufferPool } from './bufferPool.js';
import type { Gpu, GpuAdapter, GpuComputePipeline, GpuDevice } from './gpuTypes.js';

/**
 * WebGPU is missing: no `navigator.gpu` (a browser without WebGPU, a page that is not a secure
 * context, Node without a WebGPU package) or no adapter (blocklisted or absent GPU). The message says
 * which, and what to do.
 */
export class WebGpuUnavailableError extends ConvNetError {
  /** The error's class name: 'WebGpuUnavailableError'. */
  override name = 'WebGpuUnavailableError';
}

/** An open WebGPU device with what every kernel call shares: its buffer pool and compiled pipelines. */
export interface WebGpuContext {
  readonly device: GpuDevice;
  /** The adapter as the browser names it, e.g. "google swiftshader" or "nvidia ampere". */
  readonly adapterName: string;
  readonly pool: BufferPool;
  /** Compiled pipelines by shader variant (see pipelineFor in kernelEncoder.ts). */
  readonly pipelines: Map<string, GpuComputePipeline>;
}

/** Options of createWebGpuContext. */
export interface WebGpuContextOptions {
  /** A WebGPU entry point to use instead of `navigator.gpu` (a Node or Deno WebGPU package's). */
  gpu?: Gpu | undefined;
  /** Default 'high-performance'. */
  powerPreference?: 'low-power' | 'high-performance' | undefined;
}

/** The adapter's name from its info: vendor, architecture and device or description, where given. */
export function describeAdapter(adapter: GpuAdapter): string {
  const info = adapter.info;
  if (info === undefined) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device || info.description].filter((part) => part);
  return parts.length === 0 ? 'unknown adapter' : parts.join(' ');
}

/**
 * Opens a WebGPU device: `options.gpu` or `navigator.gpu`, its adapter, a device with the adapter's
 * largest storage-buffer limits, and an empty buffer pool and pipeline cache.
 *
 * @throws WebGpuUnavailableError where there is no WebGPU entry point or no adapter.
 * @example
 * const context = await createWebGpuContext();
 * console.log(context.adapterName); // "google swiftshader" in headless Chromium's software Vulkan
 * const input = uploadArray(context, new Float32Array([1, -2, 3]));
 */
export async function createWebGpuContext(options: WebGpuContextOptions = {}): Promise<WebGpuContext> {
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (gpu === undefined) {
    throw new WebGpuUnavailableError(
      'WebGPU: navigator.gpu is missing. Use a browser with WebGPU on a secure context (https:// or ' +
        'http://127.0.0.1), or pass a WebGPU implementation as options.gpu in Node or Deno',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (adapter === null) {
    throw new WebGpuUnavailableError(
      'WebGPU: requestAdapter() found no adapter (no GPU, or one the browser blocks); in headless Chromium ' +
        'launch with --enable-unsafe-webgpu --use-vulkan=swiftshader --use-webgpu-adapter=swiftshader',
    );
  }
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  return { device, adapterName: describeAdapter(adapter), pool: new BufferPool(device), pipelines: new Map() };
}
