// Tensor: a flat typed array plus its shape. It holds no maths: ops compute, kernels do the loops.

import { allocateArray, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { ShapeError, ValueError } from './errors.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';

/**
 * Where a tensor's values live, shared by the tensors that see the same values (reshape): a scope
 * that keeps a tensor moves its storage (`data` is rebound), and freeing marks every view at once.
 * @internal
 */
export class TensorStorage {
  freed = false;
  /**
   * Set while the values are held elsewhere (offloadStorage): `data` is then an empty array of the same
   * dtype, and the first read of the tensor's `data` calls this for the values and drops it.
   */
  restore: (() => FloatArray) | null = null;
  constructor(public data: FloatArray) {}
}

/** Storages of tensors made while a scope is open, innermost last (see registry.ts withScope). */
const scopeStorages: TensorStorage[] = [];
let openScopes = 0;

/** Opens a tensor scope; returns the position to hand back to endTensorScope. @internal */
export function beginTensorScope(): number {
  openScopes++;
  return scopeStorages.length;
}

/** The storages made since `start` (the closing scope's), removed from the list. @internal */
export function endTensorScope(start: number): TensorStorage[] {
  openScopes--;
  return scopeStorages.splice(start);
}

/** Where the storages made from now on (inside a scope) will start; see storagesSince. @internal */
export function storageMark(): number {
  return scopeStorages.length;
}

/**
 * The storages made since `mark` (storageMark) inside the scopes open now, without removing them;
 * none outside scopes, where tensors live on the JavaScript heap. @internal
 */
export function storagesSince(mark: number): readonly TensorStorage[] {
  return scopeStorages.slice(mark);
}

/** The storage behind a tensor (for the scope machinery). @internal */
export function storageOf(tensor: Tensor): TensorStorage {
  return (tensor as unknown as { storage: TensorStorage }).storage;
}

/**
 * Lets go of a tensor's values until they are next read: `restore` gives them back (a copy made from
 * the form a backend keeps them in), and `data` calls it on the tensor's first read of them. An inference
 * plan offloads a constant filter the backend packed into the filter's own storage (see
 * Backend.allowInPlacePreparation), so that inference keeps one copy of it. Views of the same storage
 * (reshape) restore together. @internal
 */
export function offloadStorage(tensor: Tensor, restore: () => FloatArray): void {
  const storage = storageOf(tensor);
  if (storage.freed) return;
  storage.restore = restore;
  storage.data = storage.data instanceof Float64Array ? EMPTY_FLOAT64 : EMPTY_FLOAT32;
}

/** Whether a tensor's values are offloaded (offloadStorage) and not read since. @internal */
export function isOffloaded(tensor: Tensor): boolean {
  return storageOf(tensor).restore !== null;
}

/** Set by the registry: frees a tensor's storage on the active backend (see Tensor.dispose). @internal */
let freeStorage: ((data: FloatArray) => void) | null = null;
/** @internal */
export function setStorageFreer(free: (data: FloatArray) => void): void {
  freeStorage = free;
}

const EMPTY_FLOAT32 = new Float32Array(0);
const EMPTY_FLOAT64 = new Float64Array(0);

function freedError(tensor: Tensor): ValueError {
  return new ValueError(
    `tensor was freed: ${tensor.toString()} was released by dispose() or by the end of the withScope that made it; ` +
      'return it from withScope (as a value, or inside an array or object) to keep it, or read it before the scope ends',
  );
}

/**
 * An n-dimensional array of float32 (or float64) values in row-major order.
 * Image batches are NHWC: `[batch, height, width, channels]`.
 *
 * @example
 * const x = Tensor.fromArray([1, 2, 3, 4], [1, 2, 2, 1]);
 * x.shape; // [1, 2, 2, 1]
 */
export class Tensor {
  /** The sizes of the axes, e.g. [batch, height, width, channels] for an image batch. */
  readonly shape: Shape;
  /** The number of values (the product of the shape). */
  readonly size: number;
  private readonly storage: TensorStorage;

  /** Wraps `data` (not copied). Throws ShapeError if its length is not the product of `shape`. */
  constructor(data: FloatArray, shape: Shape) {
    checkShape(shape, 'Tensor');
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(
        `Tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} values but the data has ${data.length}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.size = data.length;
    this.storage = new TensorStorage(data);
    if (openScopes > 0) scopeStorages.push(this.storage);
  }

  /**
   * The values, row-major. Throws ValueError once the tensor was freed (by `dispose()`, or by the end
   * of the `withScope` that made it when it was not returned): its memory may hold other values now.
   */
  get data(): FloatArray {
    const storage = this.storage;
    if (storage.freed) throw freedError(this);
    if (storage.restore !== null) {
      storage.data = storage.restore();
      storage.restore = null;
    }
    return storage.data;
  }

  /** Whether the tensor was freed (dispose(), or the end of the scope that made it); reading `data` then throws. */
  get isFreed(): boolean {
    return this.storage.freed;
  }

  /**
   * Frees the tensor's storage: a weight's block in the WebAssembly memory goes back at once, an
   * ordinary array is let go (the garbage collector reclaims it even while the tensor object is still
   * referenced), a scope's temporary goes back when the scope ends. Every view of the same storage
   * (reshape) is freed too; reading `data` afterwards throws. Calling it twice does nothing.
   */
  dispose(): void {
    const storage = this.storage;
    if (storage.freed) return;
    storage.freed = true;
    storage.restore = null;
    freeStorage?.(storage.data);
    storage.data = storage.data instanceof Float64Array ? EMPTY_FLOAT64 : EMPTY_FLOAT32;
  }

  /**
   * The values as a Float32Array, typed so that a strict app needs no cast (`data` is
   * `Float32Array | Float64Array`, whose methods TypeScript cannot call as a union). The tensor's own
   * storage, not a copy: writing to it writes the tensor. Throws ValueError for a float64 tensor (take
   * `clone('float32').float32View()`) and, as `data` does, for a freed one.
   *
   * @example
   * const probabilities = model.predict(x).float32View();
   * probabilities.reduce((sum, p) => sum + p, 0); // 1 for each example of a softmax model
   */
  float32View(): Float32Array {
    const data = this.data;
    if (!(data instanceof Float32Array))
      throw new ValueError(`float32View: ${this.toString()} holds float64 values; take clone('float32').float32View()`);
    return data;
  }

  /** The values as a Float64Array (the storage itself); throws ValueError for a float32 tensor. See float32View. */
  float64View(): Float64Array {
    const data = this.data;
    if (!(data instanceof Float64Array))
      throw new ValueError(`float64View: ${this.toString()} holds float32 values; take clone('float64').float64View()`);
    return data;
  }

  /** 'float32' or 'float64', from the storage. */
  get dtype(): DType {
    const storage = this.storage;
    if (storage.freed) throw freedError(this);
    // The storage's own array: an offloaded one (offloadStorage) is an empty array of the same dtype.
    return dtypeOf(storage.data);
  }

  /** The number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** A zero-filled tensor. */
  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocateArray(dtype, sizeOf(shape)), shape);
  }

  /** A tensor holding a copy of `values`. */
  static fromArray(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const data = allocateArray(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape);
  }

  /** The same data seen with another shape of the same size (no copy). */
  reshape(shape: Shape): Tensor {
    const view = new Tensor(this.data, shape);
    if (openScopes > 0 && scopeStorages[scopeStorages.length - 1] === view.storage) scopeStorages.pop();
    (view as unknown as { storage: TensorStorage }).storage = this.storage;
    return view;
  }

  /** A deep copy, optionally converted to another dtype. */
  clone(dtype: DType = this.dtype): Tensor {
    return Tensor.fromArray(this.data, this.shape, dtype);
  }

  /** The values as a plain array, row-major (a copy). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** A short description, shape and dtype: 'Tensor(1x2x2x1, float32)'; not the values. */
  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${dtypeOf(this.storage.data)})`;
  }
}
