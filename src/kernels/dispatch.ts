// The one place where tensors meet kernels: ops hand runKernel tensors, and it gives the active
// backend's kernel that backend's buffers (the typed arrays of the CPU backends, a device backend's
// handles). A kernel the backend lacks runs on the reference kernels, with its buffers copied out of
// the backend's storage and its outputs copied back: those copies happen here and only here, counted
// (transferCounts in core/tensor.ts); for the CPU backends, whose storage is host memory, there are none.
// Reference: the jax-js backend interface and tfjs's kernel fallback (see docs/backends-and-performance.md).

import type { FloatArray } from '../core/dtype.js';
import { downloadSync, moveStorage, storageOf, Tensor, writeStorage } from '../core/tensor.js';
import type { KernelId } from './ids.js';
import { referenceKernels } from './js/referenceBackend.js';
import { getBackend, type KernelArgumentsOf } from './registry.js';

/** A kernel's arguments as ops pass them: a Tensor wherever the kernel takes a float buffer. */
export type KernelArguments<Id extends KernelId> = KernelArgumentsOf<Id, Tensor>;

type AnyKernel = (...args: unknown[]) => void;

/**
 * The positions of the float buffers each kernel writes (its outputs, and the state an optimizer
 * update rewrites in place), from KernelSignatures: what a fallback copies back to the device, and what the
 * WebAssembly backend copies back from its memory (wasmBackend.ts WASM_BINDINGS).
 */
export const WRITTEN_BUFFERS: { readonly [Id in KernelId]: readonly number[] } = {
  Conv2D: [3],
  Conv2DBackpropInput: [2],
  Conv2DBackpropFilter: [2],
  MaxPool2D: [1],
  MaxPool2DBackprop: [2],
  AvgPool2D: [1],
  AvgPool2DBackprop: [1],
  ZeroPad2D: [1],
  ZeroPad2DBackprop: [1],
  MatMul: [2],
  BiasAdd: [2],
  BiasAddGrad: [1],
  ClipBiasAddGrad: [2, 3],
  Relu: [1],
  ReluGrad: [2],
  Sigmoid: [1],
  SigmoidGrad: [2],
  Tanh: [1],
  TanhGrad: [2],
  LeakyRelu: [1],
  LeakyReluGrad: [2],
  Elu: [1],
  EluGrad: [2],
  Gelu: [1],
  GeluGrad: [2],
  Silu: [1],
  SiluGrad: [2],
  Clip: [1],
  ClipGrad: [2],
  HardSigmoid: [1],
  HardSigmoidGrad: [2],
  HardSwish: [1],
  HardSwishGrad: [2],
  Pow: [1],
  PowGrad: [2],
  Softmax: [1],
  SoftmaxGrad: [2],
  SoftmaxCrossEntropy: [2, 3],
  SoftmaxCrossEntropyGrad: [2],
  Add: [2],
  Multiply: [2],
  BroadcastArithmetic: [2],
  ReduceSumTo: [1],
  Dropout: [1],
  CopyColumns: [1],
  ChannelShuffle: [1],
  BatchNormStats: [1, 2],
  BatchNorm: [3],
  BatchNormGrad: [5, 6, 7],
  LayerNorm: [3, 4, 5],
  LayerNormGrad: [5, 6, 7],
  Resize2D: [1],
  Resize2DBackprop: [1],
  SgdUpdate: [0, 2],
  AdamUpdate: [0, 2, 3],
  RmsPropUpdate: [0, 2, 3, 4],
  AdagradUpdate: [0, 2],
  SumOfSquares: [1],
  ClipGradient: [1],
};

/**
 * Runs kernel `id` on the active backend over `args` (the kernel's arguments with a Tensor for each
 * float buffer): each tensor's storage is moved to the backend first where it lives elsewhere (once;
 * counted), then the kernel gets the handles. Where the backend lacks `id`, the reference kernel runs
 * on host copies (runOnReference). Throws ValueError for a freed tensor, as reading it would; an
 * offloaded one (offloadStorage) gets its values back first.
 *
 * @example
 * const output = allocateTensor(input.shape, input.dtype);
 * runKernel('Relu', input, output, { size: input.size });
 */
export function runKernel<Id extends KernelId>(id: Id, ...args: KernelArguments<Id>): void {
  const backend = getBackend();
  const kernel = backend.kernels[id] as AnyKernel | undefined;
  const values = args as readonly unknown[];
  if (kernel === undefined) {
    runOnReference(id, values);
    return;
  }
  const device = backend.device ?? null;
  const buffers = new Array<unknown>(values.length);
  for (let position = 0; position < values.length; position++) {
    const value = values[position];
    if (value instanceof Tensor) {
      const storage = storageOf(value);
      if (storage.freed || storage.restore !== null) value.dataSync();
      if (storage.device !== device) moveStorage(storage, device, value.size);
      buffers[position] = storage.handle;
    } else {
      buffers[position] = value;
    }
  }
  kernel(...buffers);
}

/**
 * Kernel `id` on the reference kernels: every tensor argument's values downloaded to the host (a
 * counted copy for a device tensor, none for a host one), the kernel run, and the buffers it writes
 * (WRITTEN_BUFFERS) uploaded back into device storages (counted). Needs the device's synchronous
 * read: throws SyncReadError naming the kernel where the backend has none.
 */
function runOnReference(id: KernelId, values: readonly unknown[]): void {
  const buffers = new Array<unknown>(values.length);
  for (let position = 0; position < values.length; position++) {
    const value = values[position];
    if (value instanceof Tensor) {
      const storage = storageOf(value);
      if (storage.freed || storage.restore !== null) value.dataSync();
      buffers[position] = downloadSync(storage, value.size, `${id} (run on the reference kernels)`);
    } else {
      buffers[position] = value;
    }
  }
  (referenceKernels[id] as AnyKernel)(...buffers);
  for (const position of WRITTEN_BUFFERS[id]) {
    const value = values[position];
    if (!(value instanceof Tensor)) continue;
    const storage = storageOf(value);
    if (storage.device !== null) writeStorage(storage, buffers[position] as FloatArray);
  }
}
