// GPU buffers pooled by size class, plus the upload and the mapAsync readback of typed arrays.
// Creating a GPUBuffer costs a driver call and a zeroing pass, so a released buffer waits in its size
// class (the byte length rounded up to a power of two, at least 256) for the next request of that
// class. Ownership: whoever acquires a buffer releases it; the pool destroys only what is in it.

import { BUFFER_USAGE, type GpuBuffer, type GpuDevice, MAP_MODE_READ } from './gpuTypes.js';

/** What a pooled buffer is for: kernel storage, kernel parameters, or a readback staging copy. */
export type BufferKind = 'storage' | 'uniform' | 'readback';

const USAGES: Record<BufferKind, number> = {
  storage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST,
  uniform: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
  readback: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST,
};

const SMALLEST_CLASS = 256;

/** The size class of a byte length: the next power of two, at least 256 bytes. */
export function sizeClass(byteLength: number): number {
  let size = SMALLEST_CLASS;
  while (size < byteLength) size *= 2;
  return size;
}

/** Buffers by kind and size class, reused after release. */
export class BufferPool {
  private readonly free = new Map<string, GpuBuffer[]>();
  private readonly kinds = new WeakMap<GpuBuffer, BufferKind>();
  /** Buffers created, and requests served from the pool instead, since the pool was made. */
  readonly counts = { created: 0, reused: 0 };

  constructor(private readonly device: GpuDevice) {}

  /** A buffer of at least `byteLength` bytes (contents unspecified) for `kind`; give it back with release. */
  acquire(byteLength: number, kind: BufferKind = 'storage'): GpuBuffer {
    const size = sizeClass(byteLength);
    const reusable = this.free.get(`${kind}:${size}`)?.pop();
    if (reusable !== undefined) {
      this.counts.reused++;
      return reusable;
    }
    this.counts.created++;
    const buffer = this.device.createBuffer({ size, usage: USAGES[kind] });
    this.kinds.set(buffer, kind);
    return buffer;
  }

  /** Returns a buffer to its class. The caller must not use it again, nor release it twice. */
  release(buffer: GpuBuffer): void {
    const kind = this.kinds.get(buffer);
    if (kind === undefined) return;
    const key = `${kind}:${buffer.size}`;
    const list = this.free.get(key);
    if (list === undefined) this.free.set(key, [buffer]);
    else list.push(buffer);
  }

  /** Destroys every buffer waiting in the pool (not those acquired and not yet released). */
  destroy(): void {
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
  }
}

/**
 * A pooled storage buffer holding a copy of `data` (the write is queued: it lands before any later
 * submit). Release it to `pool` when done.
 */
export function uploadArray(
  context: { device: GpuDevice; pool: BufferPool },
  data: Float32Array | Int32Array,
): GpuBuffer {
  const buffer = context.pool.acquire(Math.max(data.byteLength, 4));
  if (data.byteLength > 0) context.device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * Reads `length` values of a storage buffer back: copies them to a pooled staging buffer, submits,
 * waits for mapAsync, and returns a new array of that kind ('float32' or 'int32'). Every kernel
 * encoded before it and submitted has finished by then.
 */
export async function downloadArray(
  context: { device: GpuDevice; pool: BufferPool },
  buffer: GpuBuffer,
  length: number,
  kind: 'float32' | 'int32' = 'float32',
): Promise<Float32Array | Int32Array> {
  const byteLength = length * 4;
  const result = kind === 'float32' ? new Float32Array(length) : new Int32Array(length);
  if (length === 0) return result;
  const staging = context.pool.acquire(byteLength, 'readback');
  const encoder = context.device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
  context.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MAP_MODE_READ, 0, byteLength);
  const mapped = staging.getMappedRange(0, byteLength);
  result.set(kind === 'float32' ? new Float32Array(mapped) : new Int32Array(mapped));
  staging.unmap();
  context.pool.release(staging);
  return result;
}

/** downloadArray of float32 values. */
export async function downloadFloat32(
  context: { device: GpuDevice; pool: BufferPool },
  buffer: GpuBuffer,
  length: number,
): Promise<Float32Array> {
  return (await downloadArray(context, buffer, length, 'float32')) as Float32Array;
}
