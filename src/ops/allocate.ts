// Output allocation for ops: storage comes from the active backend, so a WebAssembly backend can
// place tensors in its own memory. Kernel outputs skip zero-filling: on the WebAssembly backend
// that saved writing every activation and gradient twice per step.

import type { DType } from '../core/dtype.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { getBackend } from '../kernels/registry.js';

/** A tensor whose contents are unspecified: for outputs a kernel overwrites. */
export function allocateTensor(shape: Shape, dtype: DType): Tensor {
  return new Tensor(getBackend().allocate(dtype, sizeOf(shape)), shape);
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
