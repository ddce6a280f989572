// Output allocation for ops: storage comes from the active backend, so a WebAssembly backend can
// place tensors in its own memory.

import type { DType } from '../core/dtype.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { getBackend } from '../kernels/registry.js';

export function allocateTensor(shape: Shape, dtype: DType): Tensor {
  return new Tensor(getBackend().allocate(dtype, sizeOf(shape)), shape);
}
