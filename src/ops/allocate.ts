// Output allocation for ops: storage comes from the active backend, so a WebAssembly backend can
// place tensors in its own memory. Kernel outputs skip zero-filling: on the WebAssembly backend
// that saved writing every activation and gradient twice per step.

import type { DType } from '../core/dtype.js';
import { ShapeError } from '../core/errors.js';
import { MAX_TENSOR_ELEMENTS } from '../core/limits.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { getBackend } from '../kernels/registry.js';

/**
 * A tensor whose contents are unspecified: for outputs a kernel overwrites. Throws ShapeError naming
 * `what` (the op) before allocating when `shape` holds more than MAX_TENSOR_ELEMENTS values: an op
 * whose output grows with its arguments (pads, a matrix product's sizes) cannot take the machine.
 */
export function allocateTensor(shape: Shape, dtype: DType, what = 'allocate'): Tensor {
  const size = sizeOf(shape);
  if (!(size <= MAX_TENSOR_ELEMENTS)) {
    throw new ShapeError(`${what}: an output of ${formatShape(shape)} would hold ${size.toLocaleString('en-US')} values, more than the ${MAX_TENSOR_ELEMENTS.toLocaleString('en-US')} one tensor may hold`);
  }
  return new Tensor(getBackend().allocate(dtype, size), shape);
}

/** Index storage for a kernel output (max-pool argmax), on the active backend where it has its own. */
export function allocateIndices(size: number): Int32Array {
  const backend = getBackend();
  return backend.allocateIndices === undefined ? new Int32Array(size) : backend.allocateIndices(size);
}

/** A zero-filled tensor on the active backend. */
export function zerosTensor(shape: Shape, dtype: DType): Tensor {
  const tensor = allocateTensor(shape, dtype);
  tensor.data.fill(0);
  return tensor;
}
