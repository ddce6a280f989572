// The kernel interface and the backend table: kernel id -> implementation. Ops look kernels up here
// by id and never import a backend directly, so a faster backend can replace the reference one
// without touching ops, autograd or layers. Importing starts nothing: the entry installs a start that
// runs at the first dispatch (getBackend) unless a backend was chosen first (see src/kernels/defaultBackend.ts).

import { allocateArray, type DType, type FloatArray } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import {
  beginTensorScope,
  endTensorScope,
  setStorageFreer,
  storageOf,
  Tensor,
  type DeviceStorage,
  type TensorStorage,
} from '../core/tensor.js';
import { referenceKernels } from './js/referenceBackend.js';
import type { KernelId } from './ids.js';
import type {
  AdagradUpdateParams,
  AdamUpdateParams,
  AlphaActivationParams,
  BatchNormGradParams,
  BroadcastParams,
  ChannelShuffleParams,
  CopyColumnsParams,
  ClipGradientParams,
  ClipBiasAddGradParams,
  ClipParams,
  PowParams,
  Conv2DParams,
  DropoutParams,
  ElementwiseParams,
  HardSigmoidParams,
  LayerNormParams,
  MatMulParams,
  ReduceSumToParams,
  Resize2DParams,
  Pool2DParams,
  RmsPropUpdateParams,
  RowsParams,
  SgdUpdateParams,
  SoftmaxCrossEntropyGradParams,
  SoftmaxCrossEntropyParams,
  ZeroPad2DParams,
} from './params.js';

/**
 * The signature of every kernel. A kernel is pure: it reads its inputs, writes its preallocated
 * outputs (overwriting them unless its comment says otherwise) and takes one params record.
 */
export interface KernelSignatures {
  /**
   * output = activation(conv(input * inputScale, filter) + bias + residual); residual [batch, outH, outW,
   * outC] or absent; inputScale [batch, inC] (a factor per image and input channel: a squeeze-and-
   * excitation gate) or absent. With params.expansion, the input is first expanded by expansionFilter [1, 1,
   * expansion.inC, inC] and expansionBias [inC] or null (Conv2DParams.expansion). With params.projection, the output
   * is then taken by projectionFilter [1, 1, outC, projection.outC] and projectionBias or null, and the residual
   * [batch, outH, outW, projection.outC] added after it (Conv2DParams.projection).
   */
  Conv2D(
    input: FloatArray,
    filter: FloatArray,
    bias: FloatArray | null,
    output: FloatArray,
    params: Conv2DParams,
    residual?: FloatArray | null,
    inputScale?: FloatArray | null,
    expansionFilter?: FloatArray | null,
    expansionBias?: FloatArray | null,
    projectionFilter?: FloatArray | null,
    projectionBias?: FloatArray | null,
  ): void;
  /**
   * dInput [batch, inH, inW, inC] (overwritten) from dOut [batch, outH, outW, outC] and filter [kH, kW, inC / groups,
   * outC].
   */
  Conv2DBackpropInput(dOut: FloatArray, filter: FloatArray, dInput: FloatArray, params: Conv2DParams): void;
  /**
   * dFilter [kH, kW, inC / groups, outC] (overwritten) from input [batch, inH, inW, inC] and dOut [batch, outH, outW,
   * outC].
   */
  Conv2DBackpropFilter(input: FloatArray, dOut: FloatArray, dFilter: FloatArray, params: Conv2DParams): void;
  /**
   * output [batch, outH, outW, inC]: each window's maximum; argmax (same shape, or null when not wanted) the flat input
   * index of each.
   */
  MaxPool2D(input: FloatArray, output: FloatArray, argmax: Int32Array | null, params: Pool2DParams): void;
  /** dInput [batch, inH, inW, inC] (overwritten): each dOut value added at its argmax. */
  MaxPool2DBackprop(dOut: FloatArray, argmax: Int32Array, dInput: FloatArray, params: Pool2DParams): void;
  /** output [batch, outH, outW, inC]: each window's mean over the values it covers (or with countIncludePad). */
  AvgPool2D(input: FloatArray, output: FloatArray, params: Pool2DParams): void;
  /** dInput [batch, inH, inW, inC] (overwritten): each dOut value spread evenly over its window. */
  AvgPool2DBackprop(dOut: FloatArray, dInput: FloatArray, params: Pool2DParams): void;
  /** output [batch, outH, outW, inC]: the input [batch, inH, inW, inC] framed by zeros. */
  ZeroPad2D(input: FloatArray, output: FloatArray, params: ZeroPad2DParams): void;
  /** dInput [batch, inH, inW, inC] (overwritten): dOut without its padding. */
  ZeroPad2DBackprop(dOut: FloatArray, dInput: FloatArray, params: ZeroPad2DParams): void;
  /** output [m, n] = op(a) [m, k] times op(b) [k, n], op transposing where params ask. */
  MatMul(a: FloatArray, b: FloatArray, output: FloatArray, params: MatMulParams): void;
  /** output [rows, columns] = input + bias [columns] on every row (output may alias input). */
  BiasAdd(input: FloatArray, bias: FloatArray, output: FloatArray, params: RowsParams): void;
  /** dBias [columns] (overwritten): the column sums of dOut [rows, columns]. */
  BiasAddGrad(dOut: FloatArray, dBias: FloatArray, params: RowsParams): void;
  /**
   * ClipGrad (masked by the activation's output) and BiasAddGrad of the result in one pass over dOut; with `addend`
   * (same shape), of dOut + addend: a gradient summed from two uses, added as it is masked.
   */
  ClipBiasAddGrad(
    dOut: FloatArray,
    output: FloatArray,
    dInput: FloatArray,
    dBias: FloatArray,
    params: ClipBiasAddGradParams,
    addend?: FloatArray | null,
  ): void;
  /** output [size] = max(input, 0). */
  Relu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** dInput [size] = dOut where input > 0, else 0. */
  ReluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void;
  /** output [size] = 1 / (1 + exp(-input)). */
  Sigmoid(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** dInput [size] = dOut * output * (1 - output), from the forward output. */
  SigmoidGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: ElementwiseParams): void;
  /** output [size] = tanh(input). */
  Tanh(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** dInput [size] = dOut * (1 - output^2), from the forward output. */
  TanhGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: ElementwiseParams): void;
  /** output [size] = input where positive, else alpha * input. */
  LeakyRelu(input: FloatArray, output: FloatArray, params: AlphaActivationParams): void;
  /** dInput [size] = dOut where input > 0, else alpha * dOut. */
  LeakyReluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: AlphaActivationParams): void;
  /** output [size] = input where positive, else alpha * (exp(input) - 1). */
  Elu(input: FloatArray, output: FloatArray, params: AlphaActivationParams): void;
  /** dInput [size]: the ELU's derivative at input times dOut. */
  EluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: AlphaActivationParams): void;
  /** output [size] = input * Phi(input), the exact GELU through erf. */
  Gelu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** dInput [size]: the GELU's derivative at input times dOut. */
  GeluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void;
  /** output [size] = input * sigmoid(input). */
  Silu(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** dInput [size]: the SiLU's derivative at input times dOut. */
  SiluGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ElementwiseParams): void;
  /** output [size] = input clamped to [min, max]. */
  Clip(input: FloatArray, output: FloatArray, params: ClipParams): void;
  /** dInput [size] = dOut where min < input < max, else 0. */
  ClipGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: ClipParams): void;
  /** output [size] = max(0, min(1, alpha * input + beta)). */
  HardSigmoid(input: FloatArray, output: FloatArray, params: HardSigmoidParams): void;
  /** dInput [size] = alpha * dOut where the hard sigmoid is between its flat parts, else 0. */
  HardSigmoidGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: HardSigmoidParams): void;
  /** output [size] = input * hardSigmoid(input) with params' alpha and beta. */
  HardSwish(input: FloatArray, output: FloatArray, params: HardSigmoidParams): void;
  /** dInput [size]: the hard swish's derivative at input times dOut (0 at the kinks). */
  HardSwishGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: HardSigmoidParams): void;
  /** output [size] = input ^ exponent. */
  Pow(input: FloatArray, output: FloatArray, params: PowParams): void;
  /** dInput [size] = dOut * exponent * input ^ (exponent - 1). */
  PowGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: PowParams): void;
  /** output [rows, columns]: the softmax of each row of logits (each row sums to 1). */
  Softmax(logits: FloatArray, output: FloatArray, params: RowsParams): void;
  /** dInput [rows, columns]: the softmax Jacobian (from the forward output) applied to dOut. */
  SoftmaxGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: RowsParams): void;
  /**
   * probabilities [rows, columns] (the logits' softmax, kept for the gradient) and losses [rows] (cross-entropy against
   * targets, smoothed by labelSmoothing).
   */
  SoftmaxCrossEntropy(
    logits: FloatArray,
    targets: FloatArray,
    probabilities: FloatArray,
    losses: FloatArray,
    params: SoftmaxCrossEntropyParams,
  ): void;
  /** dLogits [rows, columns] = (probabilities * sum(targets) - smoothed targets) * scale. */
  SoftmaxCrossEntropyGrad(
    probabilities: FloatArray,
    targets: FloatArray,
    dLogits: FloatArray,
    params: SoftmaxCrossEntropyGradParams,
  ): void;
  /** output [size] = a + b (output may alias a or b). */
  Add(a: FloatArray, b: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** output [size] = a * b (output may alias a or b). */
  Multiply(a: FloatArray, b: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** output [params.shape] = a (operation) b, each operand read through its strides (numpy broadcasting). */
  BroadcastArithmetic(a: FloatArray, b: FloatArray, output: FloatArray, params: BroadcastParams): void;
  /**
   * output (read through params.outStrides): the sum of the input values [params.shape] that fall on each; a
   * broadcast's gradient.
   */
  ReduceSumTo(input: FloatArray, output: FloatArray, params: ReduceSumToParams): void;
  /** output [size] = input / (1 - rate) where kept, 0 where dropped by the seeded hash; on dOut it gives dInput. */
  Dropout(input: FloatArray, output: FloatArray, params: DropoutParams): void;
  /** Copies a block of columns from one row-major matrix into another, leaving the rest of destination alone. */
  CopyColumns(source: FloatArray, destination: FloatArray, params: CopyColumnsParams): void;
  /** output [rows, groups * groupSize]: each row's channels seen as [groups, groupSize] and transposed. */
  ChannelShuffle(input: FloatArray, output: FloatArray, params: ChannelShuffleParams): void;
  /** mean [columns] and variance [columns] (biased: divided by rows) of each column of input [rows, columns]. */
  BatchNormStats(input: FloatArray, mean: FloatArray, variance: FloatArray, params: RowsParams): void;
  /** output [rows, columns] = input * scale + shift per column (scale = gamma / sqrt(variance + epsilon)). */
  BatchNorm(input: FloatArray, scale: FloatArray, shift: FloatArray, output: FloatArray, params: RowsParams): void;
  /**
   * dInput [rows, columns], dGamma and dBeta [columns] (overwritten); through the statistics when isThroughStatistics.
   */
  BatchNormGrad(
    dOut: FloatArray,
    input: FloatArray,
    mean: FloatArray,
    variance: FloatArray,
    gamma: FloatArray,
    dInput: FloatArray,
    dGamma: FloatArray,
    dBeta: FloatArray,
    params: BatchNormGradParams,
  ): void;
  /**
   * output [rows, columns]: each row normalized by its own mean and variance, times gamma plus beta; mean and invStd
   * [rows] kept for the gradient.
   */
  LayerNorm(
    input: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    output: FloatArray,
    mean: FloatArray,
    invStd: FloatArray,
    params: LayerNormParams,
  ): void;
  /** dInput [rows, columns], dGamma and dBeta [columns] (overwritten), from the forward mean and invStd. */
  LayerNormGrad(
    dOut: FloatArray,
    input: FloatArray,
    gamma: FloatArray,
    mean: FloatArray,
    invStd: FloatArray,
    dInput: FloatArray,
    dGamma: FloatArray,
    dBeta: FloatArray,
    params: LayerNormParams,
  ): void;
  /** output [batch, outH, outW, inC]: the input [batch, inH, inW, inC] resized by mode and coordinates. */
  Resize2D(input: FloatArray, output: FloatArray, params: Resize2DParams): void;
  /** dInput [batch, inH, inW, inC] (overwritten): dOut scattered back with the interpolation weights. */
  Resize2DBackprop(dOut: FloatArray, dInput: FloatArray, params: Resize2DParams): void;
  /** SGD step on weights [size] in place, with its velocity [size] (momentum, Nesterov, weight decay). */
  SgdUpdate(weights: FloatArray, gradient: FloatArray, velocity: FloatArray, params: SgdUpdateParams): void;
  /** Adam (or AdamW) step on weights [size] in place, with its first and second moments [size]. */
  AdamUpdate(
    weights: FloatArray,
    gradient: FloatArray,
    firstMoment: FloatArray,
    secondMoment: FloatArray,
    params: AdamUpdateParams,
  ): void;
  /** RMSProp step on weights [size] in place; the momentum and gradient-average buffers may be null where unused. */
  RmsPropUpdate(
    weights: FloatArray,
    gradient: FloatArray,
    squareAverage: FloatArray,
    momentumBuffer: FloatArray | null,
    gradientAverage: FloatArray | null,
    params: RmsPropUpdateParams,
  ): void;
  /** Adagrad step on weights [size] in place, with its accumulator of squared gradients [size]. */
  AdagradUpdate(weights: FloatArray, gradient: FloatArray, accumulator: FloatArray, params: AdagradUpdateParams): void;
  /** output [1] = the sum of input [size] squared (gradient clipping's norm). */
  SumOfSquares(input: FloatArray, output: FloatArray, params: ElementwiseParams): void;
  /** output [size] = clamp(gradient * scale, -clipValue, clipValue) (output may be the gradient itself). */
  ClipGradient(gradient: FloatArray, output: FloatArray, params: ClipGradientParams): void;
}

/** A complete kernel table over host typed arrays: one function per kernel id (the CPU backends). */
export type KernelTable = { [Id in KernelId]: KernelSignatures[Id] };

/** `Type` with its float buffers (FloatArray, FloatArray | null) replaced by `Buffer`. */
type SwapBuffer<Type, Buffer> = Type extends FloatArray ? Buffer : Type;

/** A kernel's argument list with its float buffers replaced by `Buffer` (a device handle, or a Tensor). */
export type KernelArgumentsOf<Id extends KernelId, Buffer> = SwapBuffers<Parameters<KernelSignatures[Id]>, Buffer>;

/** A tuple with SwapBuffer applied to each element (a mapped type over a type parameter keeps tuples). */
type SwapBuffers<Arguments extends readonly unknown[], Buffer> = {
  [Position in keyof Arguments]: SwapBuffer<Arguments[Position], Buffer>;
};

/**
 * A kernel table whose buffers are a backend's handles: `DeviceKernelTable<FloatArray>` is KernelTable,
 * a device backend's kernels take its own handle objects (GPU buffers) in the same positions.
 */
export type DeviceKernelTable<Handle> = {
  [Id in KernelId]: (...args: KernelArgumentsOf<Id, Handle>) => void;
};

/**
 * A backend: kernels plus how it allocates tensor storage. `Handle` is what a tensor's storage holds
 * on it: the typed array itself for the CPU backends, a backend object (a GPU buffer) for a device
 * backend, which then says how to move values in and out (`device`). A backend may implement a subset
 * of the kernels: the others run on the reference kernels, with their buffers copied out of and back
 * into the backend's storage (src/kernels/dispatch.ts).
 */
export interface Backend<Handle = FloatArray> {
  /** The name `setBackend` and `backendInfo` use, e.g. `'wasm'` or `'reference'`. */
  readonly name: string;
  /** The kernels it implements, over its handles (any subset: the reference kernels run the others). */
  readonly kernels: Partial<DeviceKernelTable<Handle>>;
  /**
   * Present where handles are not host typed arrays: upload, read back (asynchronously, and
   * synchronously where it can), free. Absent for the CPU backends.
   */
  readonly device?: DeviceStorage<Handle>;
  /**
   * Storage for a new tensor, with unspecified contents (kernels overwrite their outputs). A
   * WebAssembly backend returns views into its own memory inside a scope, freed when the innermost
   * scope closes, and ordinary arrays outside any scope.
   */
  allocate(dtype: DType, size: number): Handle;
  /** Index storage (max-pool argmax), unspecified contents, freed with the scope like allocate. */
  allocateIndices?(size: number): Int32Array;
  /**
   * Zero-filled host storage that outlives every scope (weights, optimizer state); defaults to an
   * ordinary array. A device backend's weights start on the host and move to it at their first kernel.
   */
  allocatePersistent?(dtype: DType, size: number): FloatArray;
  /** Opens a scope: temporaries allocated until the matching closeScope are freed together. */
  openScope?(): number;
  /** Closes the scope `openScope` returned `mark` for, freeing its temporaries. */
  closeScope?(mark: number): void;
  /**
   * Whether `data` is a temporary that closing the scope opened at `mark` frees (the scope machinery
   * then moves returned tensors out of it and marks the others freed). Absent: nothing is ever freed.
   */
  isScopeTemporary?(data: Handle, mark: number): boolean;
  /**
   * Moves a scope temporary that withScope returns out of its scope, so that closing the scope keeps
   * it (a device backend; freed later by dispose() or the garbage collector). Absent, withScope copies
   * the values to a new host array instead (the CPU backends).
   */
  keep?(data: Handle): void;
  /** Frees persistent storage (allocatePersistent) now; ignores anything else. */
  free?(data: FloatArray): void;
  /**
   * Frees a temporary of a scope still open (allocate) now, for later temporaries of that scope;
   * ignores anything else. Only the backward pass calls it, for storage it made and no longer needs.
   */
  releaseTemporary?(data: Handle): void;
  /**
   * Drops what the backend derived from a constant array (Conv2DParams.isConstantFilter: packed and
   * transformed filters, resident copies), keeping the array: its owner is about to change its values.
   */
  releasePrepared?(data: FloatArray): void;
  /**
   * Lets the backend prepare a constant array in its own storage: a packed GEMM filter holds as many
   * values as the filter, in another order, so it may take the filter's place instead of a second
   * block. When it does, it calls `offload` at once with what unpacks a copy of the values (bit for bit);
   * the array then holds the packed form and must be read by no one but this backend's kernels, as the
   * constant filter it is (the owner reads the copy: see offloadStorage). Undone by releasePrepared.
   */
  allowInPlacePreparation?(data: FloatArray, offload: (restore: () => FloatArray) => void): void;
}

/** A backend of any handle type, as the registry holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds backends of every handle type; dispatch passes their own handles back.
export type AnyBackend = Backend<any>;

const backends = new Map<string, AnyBackend>();
let active: AnyBackend | null = null;
/** Whether a backend was chosen (setBackend): the default start then never replaces it. */
let isChosen = false;
/** The default start, run once at the first dispatch while no backend is chosen; null once run. */
let firstUseStart: (() => void) | null = null;
/** A default backend started in the background, made active at the next dispatch outside every scope. */
let pending: AnyBackend | null = null;
/** withScope calls open now: a scope closes on the backend it opened on, so none switches inside one. */
let scopeDepth = 0;

/** Adds a backend to the table; the first one registered becomes active. */
export function registerBackend<Handle>(backend: Backend<Handle>): void {
  backends.set(backend.name, backend);
  active ??= backend;
}

/**
 * Makes the named backend the one every op dispatches to. Called before the first op, it also
 * keeps the default WebAssembly backend from starting at first use.
 */
export function setBackend(name: string): void {
  const backend = backends.get(name);
  if (backend === undefined) {
    // The WebAssembly backend is registered once started: say how, rather than only that it is missing.
    const hint =
      name === 'wasm'
        ? ' (the WebAssembly backend registers itself once started: await ready() or initWasmBackend() first)'
        : '';
    throw new ValueError(`unknown backend '${name}'; available: ${[...backends.keys()].join(', ')}${hint}`);
  }
  active = backend;
  isChosen = true;
  firstUseStart = null;
  pending = null;
}

/**
 * The backend every op dispatches to. The first call (unless setBackend came first) runs the default
 * start: in Node the WebAssembly backend starts there, synchronously; in a page it starts in the
 * background and takes over at a later call made outside every withScope.
 */
export function getBackend(): AnyBackend {
  if (firstUseStart !== null) {
    const start = firstUseStart;
    firstUseStart = null;
    start();
  }
  if (pending !== null && scopeDepth === 0) {
    active = pending;
    pending = null;
  }
  if (active === null) throw new ValueError('no backend is registered');
  return active;
}

/**
 * The adapter of the WebGPU backend started last, set by initWebGpuBackend; kept here so that
 * backendInfo can name it without importing (and bundling) the WebGPU backend. @internal
 */
let webGpuAdapter: string | null = null;
/** @internal */
export function setWebGpuAdapterName(name: string): void {
  webGpuAdapter = name;
}
/** The adapter initWebGpuBackend opened, or null where it was never started. @internal */
export function webGpuAdapterName(): string | null {
  return webGpuAdapter;
}

/** The active backend's name, or null; starts nothing (for backendInfo). @internal */
export function activeBackendName(): string | null {
  return active?.name ?? null;
}

/**
 * Installs the start run at the first dispatch (the entry does, at import); ignored once a backend is chosen. @internal
 */
export function setFirstUseStart(start: (() => void) | null): void {
  firstUseStart = isChosen ? null : start;
}

/** Whether a backend was chosen with setBackend (directly, or by initWasmBackend). @internal */
export function isBackendChosen(): boolean {
  return isChosen;
}

/**
 * Registers a backend that the default start brought up and makes it active: now when no withScope
 * is open, otherwise at the first dispatch after the scopes close. Returns false, changing nothing,
 * where a backend was chosen meanwhile. Tensors made before keep their storage (ordinary arrays, which
 * a WebAssembly backend copies in and out around each kernel). @internal
 */
export function adoptDefaultBackend(backend: AnyBackend): boolean {
  if (isChosen) return false;
  backends.set(backend.name, backend);
  firstUseStart = null;
  if (scopeDepth === 0) active = backend;
  else pending = backend;
  return true;
}

/** The names of the registered backends, in registration order. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/**
 * The active CPU backend's implementation of kernel `id`, over host typed arrays (the reference one
 * where the backend lacks it). For code that owns raw host buffers (the inference plan, benchmarks);
 * ops dispatch tensors with runKernel (src/kernels/dispatch.ts). Throws ValueError on a device
 * backend, whose kernels take its own handles.
 */
export function getKernel<Id extends KernelId>(id: Id): KernelSignatures[Id] {
  const backend = getBackend();
  if (backend.device !== undefined)
    throw new ValueError(
      `getKernel('${id}'): backend '${backend.name}' keeps its values on a device; dispatch tensors`,
    );
  return (backend.kernels[id] as KernelSignatures[Id] | undefined) ?? referenceKernels[id];
}

/**
 * The active CPU backend's kernels as a complete table over host typed arrays: its own, and the
 * reference kernels where it lacks one (for tests and tools that call kernels directly). Throws
 * ValueError on a device backend.
 */
export function cpuKernels(): KernelTable {
  const backend = getBackend();
  if (backend.device !== undefined)
    throw new ValueError(`cpuKernels: backend '${backend.name}' keeps its values on a device; dispatch tensors`);
  return { ...referenceKernels, ...(backend.kernels as Partial<KernelTable>) };
}

/** Whether the active backend keeps its values on a device (no host typed arrays: see Backend.device). */
export function isDeviceBackend(): boolean {
  return getBackend().device !== undefined;
}

/** Host storage that outlives scopes (weights, optimizer state) on the active backend. */
export function allocatePersistent(dtype: DType, size: number): FloatArray {
  const backend = getBackend();
  return backend.allocatePersistent === undefined
    ? allocateArray(dtype, size)
    : backend.allocatePersistent(dtype, size);
}

setStorageFreer((data) => active?.free?.(data));

/**
 * Frees a tensor storage that only the caller can reach (the backward pass's gradients, once used):
 * marked freed, and a scope temporary's memory goes back to its scope now (Backend.releaseTemporary)
 * instead of when the scope ends. @internal
 */
export function releaseStorage(storage: TensorStorage): void {
  if (storage.freed) return;
  storage.freed = true;
  active?.releaseTemporary?.(storage.handle);
}

/**
 * Runs `body` in a memory scope of the active backend, as `tf.tidy` does: every tensor it makes is
 * freed when it returns, except the tensors it returns (the value itself, or found in returned arrays
 * and plain objects), which are kept: they survive the scope, later scopes never overwrite them, and
 * they are freed when garbage collected (they move to the JavaScript heap, as op outputs made outside
 * any scope live there). Reading a freed tensor's `data` throws a
 * ValueError instead of reading memory that holds other values now.
 *
 * @example
 * const y = withScope(() => relu(conv2d(x, filter, null))); // the conv2d output is freed, y is kept
 */
export function withScope<T>(body: () => T): T {
  const backend = getBackend();
  const start = beginTensorScope();
  let mark: number | undefined;
  let result: T | undefined;
  let isReturned = false;
  scopeDepth++;
  try {
    mark = backend.openScope?.();
    result = body();
    isReturned = true;
    return result;
  } finally {
    scopeDepth--;
    const storages = endTensorScope(start);
    if (mark !== undefined) {
      const scopeMark = mark;
      try {
        if (backend.isScopeTemporary !== undefined) {
          const isTemporary = (handle: unknown) => backend.isScopeTemporary!(handle, scopeMark);
          // Marked freed first: if keeping runs out of memory, nothing is left pointing at the released stack.
          const kept = isReturned ? returnedStorages(result, isTemporary) : [];
          for (const storage of storages) if (!storage.freed && isTemporary(storage.handle)) storage.freed = true;
          for (const storage of kept) keep(storage, backend);
        }
      } finally {
        backend.closeScope?.(scopeMark);
      }
    }
  }
}

/** The storages of the scope temporaries behind the tensors in `value` (arrays and plain objects searched). */
function returnedStorages(value: unknown, isTemporary: (handle: unknown) => boolean): TensorStorage[] {
  const found: TensorStorage[] = [];
  const seen = new Set<object>();
  const visit = (item: unknown): void => {
    if (typeof item !== 'object' || item === null || seen.has(item)) return;
    seen.add(item);
    if (item instanceof Tensor) {
      const storage = storageOf(item);
      if (!storage.freed && isTemporary(storage.handle) && !found.includes(storage)) found.push(storage);
    } else if (Array.isArray(item)) {
      for (const element of item) visit(element);
    } else {
      const prototype = Object.getPrototypeOf(item);
      if (prototype === Object.prototype || prototype === null)
        for (const key of Object.keys(item)) visit((item as Record<string, unknown>)[key]);
    }
  };
  visit(value);
  return found;
}

/**
 * Moves a returned tensor's values out of the closing scope's stack, before it is released, to the
 * JavaScript heap (where tensors made outside scopes live too: freed when collected); every view of
 * the storage follows.
 */
function keep(storage: TensorStorage, backend: AnyBackend): void {
  storage.freed = false;
  if (storage.device !== null) {
    backend.keep?.(storage.handle);
    return;
  }
  const source = storage.hostArray;
  const kept = allocateArray(storage.dtype, source.length);
  kept.set(source);
  storage.handle = kept;
}
