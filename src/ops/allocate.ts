// Output allocation for ops: storage comes from the active backend, so a WebAssembly backend can
// place tensors in its own memory. Kernel outputs skip zero-filling: on the WebAssembly backend
// that saved writing every activation and gradient twice per step. withOutputStorage lets the
// inference plan (model/inferencePlan.ts) place a layer's output in storage it planned.

import { allocateArray, type DType, type FloatArray } from '../core/dtype.js';
import { ShapeError } from '../core/errors.js';
import { MAX_TENSOR_ELEMENTS } from '../core/limits.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import { storageOf, Tensor, writeStorage } from '../core/tensor.js';
import { getBackend } from '../kernels/registry.js';

/**
 * A tensor whose contents are unspecified: for outputs a kernel overwrites. Throws ShapeError naming
 * `what` (the op) before allocating when `shape` holds more than MAX_TENSOR_ELEMENTS values: an op
 * whose output grows with its arguments (pads, a matrix product's sizes) cannot take the machine.
 */
export function allocateTensor(shape: Shape, dtype: DType, what = 'allocate'): Tensor {
  const size = sizeOf(shape);
  if (!(size <= MAX_TENSOR_ELEMENTS)) {
    throw new ShapeError(
      `${what}: an output of ${formatShape(shape)} would hold ${size.toLocaleString('en-US')} values, more ` +
        `than the ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} one tensor may hold`,
    );
  }
  const offered = offeredStorage;
  if (offered !== null && offered.length === size && offered instanceof Float64Array === (dtype === 'float64')) {
    offeredStorage = null;
    return new Tensor(offered, shape);
  }
  const backend = getBackend();
  const handle = backend.allocate(dtype, size);
  return backend.device === undefined
    ? new Tensor(handle as FloatArray, shape)
    : Tensor.fromDeviceHandle(handle, dtype, shape, backend.device);
}

/** The geometry of an op over NHWC maps whose output keeps the input's channels (pooling, padding, resizing). */
interface MapGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
}

/** allocateTensor for the output [batch, outH, outW, inC] of such an op. */
export function allocateOutputMap(params: MapGeometry, dtype: DType, what?: string): Tensor {
  return allocateTensor([params.batch, params.outH, params.outW, params.inC], dtype, what);
}

/** allocateTensor for the input gradient [batch, inH, inW, inC] of an op over NHWC maps. */
export function allocateInputMap(params: Omit<MapGeometry, 'outH' | 'outW'>, dtype: DType): Tensor {
  return allocateTensor([params.batch, params.inH, params.inW, params.inC], dtype);
}

/** Storage that the next allocateTensor of its size and dtype takes (see withOutputStorage). */
let offeredStorage: FloatArray | null = null;

/**
 * Runs `body` so that the first tensor of exactly `storage`'s size and dtype an op allocates in it
 * takes `storage` instead of new memory. The caller must check that the tensor `body` returns has it
 * (an op may have allocated an intermediate first) and copy the values in otherwise; `storage` must
 * not overlap anything `body` reads. @internal
 */
export function withOutputStorage<T>(storage: FloatArray, body: () => T): T {
  const outer = offeredStorage;
  offeredStorage = storage;
  try {
    return body();
  } finally {
    offeredStorage = outer;
  }
}

/** Index storage for a kernel output (max-pool argmax), on the active backend where it has its own. */
export function allocateIndices(size: number): Int32Array {
  const backend = getBackend();
  return backend.allocateIndices === undefined ? new Int32Array(size) : backend.allocateIndices(size);
}

/**
 * A new tensor whose values `fill` writes on the host: into the tensor's own storage on the CPU
 * backends, into a host array then uploaded (one counted copy) on a device backend. For the few small
 * values an op computes itself (batch norm's folded scale, a mean loss).
 */
export function tensorFromHost(shape: Shape, dtype: DType, fill: (values: FloatArray) => void): Tensor {
  const tensor = allocateTensor(shape, dtype);
  const storage = storageOf(tensor);
  if (storage.device === null) {
    fill(storage.hostArray);
    return tensor;
  }
  const values = allocateArray(dtype, tensor.size);
  fill(values);
  writeStorage(storage, values);
  return tensor;
}

/** A zero-filled tensor on the active backend. */
export function zerosTensor(shape: Shape, dtype: DType): Tensor {
  return tensorFromHost(shape, dtype, (values) => values.fill(0));
}
