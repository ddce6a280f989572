// The WebGPU backend on the seam: WEBGPU_KERNELS over GpuHandles, storage in pooled GPU buffers,
// read back with mapAsync only (no synchronous read: dataSync() throws SyncReadError), scopes that
// free their temporaries at once, and every kernel of a step recorded into one command encoder,
// submitted when a read needs the results or the outermost scope (a fit step) closes.
// Reference: tfjs-backend-webgpu (batched command encoding, buffer manager). Limits: float32 only;
// a buffer a kernel writes may not be another of its arguments (WebGPU forbids such aliasing).

import type { DType, FloatArray } from '../../core/dtype.js';
import { ValueError } from '../../core/errors.js';
import type { DeviceStorage } from '../../core/tensor.js';
import type { KernelId } from '../ids.js';
import {
  type Backend,
  type DeviceKernelTable,
  registerBackend,
  setBackend,
  setWebGpuAdapterName,
} from '../registry.js';
import { downloadArray } from './bufferPool.js';
import { createWebGpuContext, type WebGpuContext, type WebGpuContextOptions } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { KernelEncoder } from './kernelEncoder.js';
import { WEBGPU_KERNELS } from './webgpuKernels.js';

/**
 * A tensor's storage on the WebGPU backend: a pooled buffer, and the scope that frees it (its depth
 * in the stack of open scopes; -1 once outside every scope, freed by dispose() or the garbage collector).
 */
export class GpuHandle {
  constructor(
    /** The pooled storage buffer (its size is the byte length's size class). */
    readonly buffer: GpuBuffer,
    /** The depth of the scope that frees it, or -1. */
    public scope: number,
  ) {}
}

/** Counts of what the WebGPU backend did, for tests and tuning. */
export interface WebGpuBackendCounts {
  /** Kernel calls recorded. */
  kernels: number;
  /** Command buffers submitted (one per step where no read comes in between). */
  submits: number;
  /** Reads of a buffer back to the host (mapAsync). */
  reads: number;
}

/** The WebGPU backend object, with its context and counts. */
export interface WebGpuBackend extends Backend<GpuHandle> {
  /** The open device, its pool and pipelines. */
  readonly context: WebGpuContext;
  /** What it did since it started. */
  readonly counts: WebGpuBackendCounts;
  /** Submits the kernels recorded so far (a read does this itself). */
  flush(): void;
}

/**
 * A WebGPU backend over an open context (createWebGpuContext); registers nothing. Most code wants
 * initWebGpuBackend instead.
 */
export function createWebGpuBackend(context: WebGpuContext): WebGpuBackend {
  const counts: WebGpuBackendCounts = { kernels: 0, submits: 0, reads: 0 };
  /** The open scopes' handles, innermost last. */
  const scopes: GpuHandle[][] = [];
  /** The encoder of the batch being recorded, or null. */
  let encoder: KernelEncoder | null = null;
  /**
   * Buffers freed while a batch is recorded: back to the pool after its submit. A queued write
   * (upload, uniform) into a buffer the pool gave out again would otherwise land before the
   * recorded passes that still read its old contents.
   */
  const releasedInBatch: GpuBuffer[] = [];
  /** Index storage (max-pool argmax): the Int32Array the seam passes stands for this handle. */
  const indexHandles = new WeakMap<Int32Array, GpuHandle>();
  /** Frees the buffer of a handle the garbage collector took (a tensor kept outside scopes). */
  const collected = new FinalizationRegistry<GpuBuffer>((buffer) => release(buffer));

  const flush = (): void => {
    if (encoder === null) return;
    encoder.submit();
    encoder = null;
    counts.submits++;
    for (const buffer of releasedInBatch) context.pool.release(buffer);
    releasedInBatch.length = 0;
  };
  const release = (buffer: GpuBuffer): void => {
    if (encoder === null) context.pool.release(buffer);
    else releasedInBatch.push(buffer);
  };
  const newHandle = (byteLength: number): GpuHandle => {
    const handle = new GpuHandle(context.pool.acquire(Math.max(byteLength, 4)), scopes.length - 1);
    const scope = scopes[scopes.length - 1];
    if (scope === undefined) collected.register(handle, handle.buffer, handle);
    else scope.push(handle);
    return handle;
  };
  const freeHandle = (handle: GpuHandle): void => {
    if (handle.scope === FREED) return;
    collected.unregister(handle);
    handle.scope = FREED;
    release(handle.buffer);
  };
  const checkDtype = (dtype: DType, what: string): void => {
    if (dtype !== 'float32')
      throw new ValueError(`webgpu: ${what} of dtype ${dtype}: WGSL has float32 only (use the 'reference' backend)`);
  };
  const toBuffer = (argument: unknown): unknown => {
    if (argument instanceof GpuHandle) return argument.buffer;
    if (argument instanceof Int32Array) {
      const handle = indexHandles.get(argument);
      if (handle === undefined) throw new ValueError('webgpu: an index buffer that this backend did not allocate');
      return handle.buffer;
    }
    return argument;
  };

  const device: DeviceStorage<GpuHandle> = {
    name: 'webgpu',
    upload(values: FloatArray): GpuHandle {
      if (!(values instanceof Float32Array)) checkDtype('float64', 'an upload');
      const handle = newHandle(values.byteLength);
      // Outside the scope stack: the seam rebinds the storage of a tensor made elsewhere (weights).
      keepHandle(handle);
      if (values.byteLength > 0) context.device.queue.writeBuffer(handle.buffer, 0, values);
      return handle;
    },
    write(handle: GpuHandle, values: FloatArray): void {
      if (!(values instanceof Float32Array)) checkDtype('float64', 'a write');
      if (values.byteLength === 0) return;
      if (encoder === null) {
        context.device.queue.writeBuffer(handle.buffer, 0, values);
        return;
      }
      // A queued write lands before the batch being recorded, whose passes may read the old values:
      // the values go to a fresh buffer and are copied in by the batch itself, in order.
      const staged = encoder.temporary(values as Float32Array);
      encoder.encoder.copyBufferToBuffer(staged, 0, handle.buffer, 0, values.byteLength);
    },
    async read(handle: GpuHandle, dtype: DType, size: number): Promise<FloatArray> {
      checkDtype(dtype, 'a read');
      flush();
      counts.reads++;
      return (await downloadArray(context, handle.buffer, size, 'float32')) as Float32Array;
    },
    free: freeHandle,
  };
  const keepHandle = (handle: GpuHandle): void => {
    if (handle.scope < 0) return;
    const scope = scopes[handle.scope]!;
    const position = scope.indexOf(handle);
    if (position >= 0) scope.splice(position, 1);
    handle.scope = -1;
    collected.register(handle, handle.buffer, handle);
  };

  const kernels: Partial<DeviceKernelTable<GpuHandle>> = {};
  for (const id of Object.keys(WEBGPU_KERNELS) as KernelId[]) {
    const kernel = WEBGPU_KERNELS[id] as (context: WebGpuContext, encoder: KernelEncoder, ...args: unknown[]) => void;
    (kernels as Record<string, (...args: unknown[]) => void>)[id] = (...args: unknown[]) => {
      encoder ??= new KernelEncoder(context);
      counts.kernels++;
      kernel(context, encoder, ...args.map(toBuffer));
    };
  }

  return {
    name: 'webgpu',
    context,
    counts,
    flush,
    kernels,
    device,
    allocate(dtype: DType, size: number): GpuHandle {
      checkDtype(dtype, 'a tensor');
      return newHandle(size * 4);
    },
    allocateIndices(size: number): Int32Array {
      // NOTE: the array stands for a GPU buffer and holds no values (max-pool's argmax stays on the GPU).
      const stand = new Int32Array(0);
      indexHandles.set(stand, newHandle(size * 4));
      return stand;
    },
    openScope(): number {
      scopes.push([]);
      return scopes.length - 1;
    },
    closeScope(mark: number): void {
      while (scopes.length > mark) for (const handle of scopes.pop()!) freeHandle(handle);
      // The outermost scope's end is a step's end: its kernels go to the GPU as one command buffer.
      if (scopes.length === 0) flush();
    },
    isScopeTemporary(handle: GpuHandle, mark: number): boolean {
      return handle instanceof GpuHandle && handle.scope >= mark;
    },
    keep: keepHandle,
    releaseTemporary(handle: GpuHandle): void {
      if (handle instanceof GpuHandle && handle.scope >= 0) {
        const scope = scopes[handle.scope];
        const position = scope?.indexOf(handle) ?? -1;
        if (position >= 0) scope!.splice(position, 1);
        freeHandle(handle);
      }
    },
  };
}

/** GpuHandle.scope of a handle whose buffer went back to the pool. */
const FREED = -2;

let webgpuBackend: WebGpuBackend | null = null;

/** The WebGPU backend started by initWebGpuBackend, or null. @internal */
export function activeWebGpuBackend(): WebGpuBackend | null {
  return webgpuBackend;
}

/** Options of initWebGpuBackend. */
export interface WebGpuBackendOptions {
  /**
   * A WebGPU entry point to use instead of `navigator.gpu`: the `GPU` object of a Node or Deno WebGPU
   * package (anything with the spec's `requestAdapter`). Default: `navigator.gpu`.
   */
  gpu?: object | undefined;
  /** The adapter to ask for; default 'high-performance'. */
  powerPreference?: 'low-power' | 'high-performance' | undefined;
}

/** What initWebGpuBackend reports. */
export interface WebGpuBackendInfo {
  /** The adapter as the browser names it, e.g. "google swiftshader". */
  adapterName: string;
}

/**
 * Starts the WebGPU backend: opens `options.gpu` or `navigator.gpu`, registers the backend as
 * 'webgpu' and makes it the active one. Never started by importing the library. Float32 only; values
 * are read with `await tensor.data()` (dataSync() throws SyncReadError), so train with fitAsync.
 *
 * @throws WebGpuUnavailableError where there is no WebGPU entry point or no adapter (a page that is
 *   not a secure context has no navigator.gpu).
 * @example
 * const { adapterName } = await initWebGpuBackend();
 * await model.fitAsync(x, labels, { epochs: 5 });
 * const probabilities = await model.predict(x).data();
 */
export async function initWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackendInfo> {
  const context = await createWebGpuContext(options as WebGpuContextOptions);
  const backend = createWebGpuBackend(context);
  webgpuBackend?.flush();
  webgpuBackend = backend;
  registerBackend(backend);
  setWebGpuAdapterName(context.adapterName);
  setBackend('webgpu');
  return { adapterName: context.adapterName };
}
