// Tensor: a flat typed array plus its shape. It holds no maths: ops compute, kernels do the loops.

import { allocateArray, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { ShapeError, SyncReadError, ValueError } from './errors.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';

/**
 * What a backend whose storage is not a host typed array (a device backend: its handles are GPU
 * buffers or any object of its own) offers the seam: uploading host values, reading them back, and
 * freeing. The CPU backends (reference, WebAssembly) have none: their handle is the typed array
 * itself. See docs/backends-and-performance.md ("The backend seam").
 */
export interface DeviceStorage<Handle = unknown> {
  /** The backend's name, for error messages. */
  readonly name: string;
  /** A new handle holding a copy of `values` (of their dtype). */
  upload(values: FloatArray): Handle;
  /** A host copy of the `size` values of `dtype` that `handle` holds (a device read-back). */
  read(handle: Handle, dtype: DType, size: number): Promise<FloatArray>;
  /** The same, synchronously, where the backend can offer it; absent, `dataSync()` throws SyncReadError. */
  readSync?(handle: Handle, dtype: DType, size: number): FloatArray;
  /**
   * Overwrites the values `handle` holds with `values` (of its dtype, as many), keeping the handle
   * (and so the scope that frees it); absent, the seam frees it and uploads a new one.
   */
  write?(handle: Handle, values: FloatArray): void;
  /** Releases `handle` now (dispose()); absent, it is left to the garbage collector. */
  free?(handle: Handle): void;
}

/**
 * Where a tensor's values live, shared by the tensors that see the same values (reshape). `handle`
 * belongs to the backend that made it: the typed array itself where `device` is null (the CPU
 * backends, and tensors made from host values), otherwise an object of `device`. A scope that keeps
 * a tensor moves its storage (`handle` is rebound), an upload to a device backend rebinds it too,
 * and freeing marks every view at once.
 * @internal
 */
export class TensorStorage {
  freed = false;
  /**
   * Set while the values are held elsewhere (offloadStorage): `handle` is then an empty array of the
   * same dtype, and the first read of the tensor's values calls this for them and drops it.
   */
  restore: (() => FloatArray) | null = null;
  constructor(
    public handle: unknown,
    readonly dtype: DType,
    public device: DeviceStorage | null,
  ) {}

  /** The host typed array of a storage whose `device` is null. */
  get hostArray(): FloatArray {
    return this.handle as FloatArray;
  }
}

/** Counts of the copies between host and device memory the seam made, for tests and backendInfo. */
export interface TransferCounts {
  /** Device to host: fallback kernels' inputs, dataSync() and data() of device tensors. */
  downloads: number;
  /** Host to device: fallback kernels' outputs and host tensors a device kernel read. */
  uploads: number;
}

const transfers: TransferCounts = { downloads: 0, uploads: 0 };

/**
 * The copies between host and device memory counted since the start (or resetTransferCounts): none
 * on the CPU backends; on a device backend, what its missing kernels and host reads cost.
 *
 * @example
 * resetTransferCounts();
 * relu(x);
 * transferCounts(); // { downloads: 0, uploads: 0 } on the CPU backends
 */
export function transferCounts(): TransferCounts {
  return { ...transfers };
}

/** Sets both transferCounts() back to 0. */
export function resetTransferCounts(): void {
  transfers.downloads = 0;
  transfers.uploads = 0;
}

/**
 * The host values of `storage`, downloaded (and counted) from a device, synchronously; throws
 * SyncReadError naming `what` where the device cannot read synchronously. @internal
 */
export function downloadSync(storage: TensorStorage, size: number, what: string): FloatArray {
  const device = storage.device;
  if (device === null) return storage.hostArray;
  if (device.readSync === undefined) {
    throw new SyncReadError(
      `${what}: backend '${device.name}' cannot read values synchronously; use \`await tensor.data()\``,
    );
  }
  transfers.downloads++;
  return device.readSync(storage.handle, storage.dtype, size);
}

/**
 * Moves `storage`'s values to `device` (null: the host), each copy counted; every view follows. A
 * kernel of the active backend reads a tensor made elsewhere (weights made on the host, a tensor of
 * a backend used before) this way, once. @internal
 */
export function moveStorage(storage: TensorStorage, device: DeviceStorage | null, size: number): void {
  const values = downloadSync(storage, size, `moving a tensor to '${device?.name ?? 'the host'}'`);
  storage.device?.free?.(storage.handle);
  if (device === null) {
    storage.handle = values;
    storage.device = null;
    return;
  }
  storage.handle = device.upload(values);
  storage.device = device;
  transfers.uploads++;
}

/**
 * Writes host `values` into `storage` as its new contents (converted to its dtype), on its device (an
 * upload, counted). @internal
 */
export function writeStorage(storage: TensorStorage, values: FloatArray): void {
  const device = storage.device;
  if (device === null) {
    if (values !== storage.handle) storage.hostArray.set(values);
    return;
  }
  const converted = dtypeOf(values) === storage.dtype ? values : allocateArray(storage.dtype, values.length);
  if (converted !== values) converted.set(values);
  if (device.write !== undefined) device.write(storage.handle, converted);
  else {
    device.free?.(storage.handle);
    storage.handle = device.upload(converted);
  }
  transfers.uploads++;
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
 * the form a backend keeps them in), and dataSync() (or a kernel's dispatch) calls it on the tensor's
 * first read of them. An inference plan offloads a constant filter the backend packed into the
 * filter's own storage (see Backend.allowInPlacePreparation), so that inference keeps one copy of it.
 * Views of the same storage (reshape) restore together. Host storage only. @internal
 */
export function offloadStorage(tensor: Tensor, restore: () => FloatArray): void {
  const storage = storageOf(tensor);
  if (storage.freed || storage.device !== null) return;
  storage.restore = restore;
  storage.handle = storage.dtype === 'float64' ? EMPTY_FLOAT64 : EMPTY_FLOAT32;
}

/** Whether a tensor's values are offloaded (offloadStorage) and not read since. @internal */
export function isOffloaded(tensor: Tensor): boolean {
  return storageOf(tensor).restore !== null;
}

/** Set by the registry: frees a host tensor's storage on the active backend (see Tensor.dispose). @internal */
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
      'return it from withScope (as a value, or inside an array or object) to keep it, or read it before ' +
      'the scope ends',
  );
}

/** A tensor over `storage` (not added to the open scope's storages), skipping the constructor's checks. */
function tensorOver(storage: TensorStorage, shape: Shape, size: number): Tensor {
  const tensor = Object.create(Tensor.prototype) as Tensor;
  const fields = tensor as unknown as { shape: Shape; size: number; storage: TensorStorage };
  fields.shape = Object.freeze([...shape]);
  fields.size = size;
  fields.storage = storage;
  return tensor;
}

/**
 * An n-dimensional array of float32 (or float64) values in row-major order.
 * Image batches are NHWC: `[batch, height, width, channels]`. Its values live where its backend keeps
 * them; `await tensor.data()` reads them on every backend, `tensor.dataSync()` where the backend can
 * read synchronously (the reference and WebAssembly backends).
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
    checkValueCount(shape, data.length);
    this.shape = Object.freeze([...shape]);
    this.size = data.length;
    this.storage = new TensorStorage(data, dtypeOf(data), null);
    if (openScopes > 0) scopeStorages.push(this.storage);
  }

  /**
   * A tensor over a device backend's `handle` of `sizeOf(shape)` values of `dtype` (the backend made
   * it: allocateTensor). @internal
   */
  static fromDeviceHandle(handle: unknown, dtype: DType, shape: Shape, device: DeviceStorage): Tensor {
    checkShape(shape, 'Tensor');
    const storage = new TensorStorage(handle, dtype, device);
    if (openScopes > 0) scopeStorages.push(storage);
    return tensorOver(storage, shape, sizeOf(shape));
  }

  /**
   * The values, row-major, read synchronously: on the CPU backends the tensor's own storage, not a
   * copy (writing to it writes the tensor). Throws SyncReadError on a backend that cannot read
   * synchronously (a device backend: use `await tensor.data()`), and ValueError once the tensor was
   * freed (by `dispose()`, or by the end of the `withScope` that made it when it was not returned):
   * its memory may hold other values now.
   *
   * @example
   * const x = Tensor.fromArray([1, 2, 3], [3]);
   * x.dataSync()[2]; // 3
   */
  dataSync(): FloatArray {
    const storage = this.storage;
    if (storage.freed) throw freedError(this);
    if (storage.restore !== null) {
      storage.handle = storage.restore();
      storage.restore = null;
    }
    if (storage.device === null) return storage.hostArray;
    return downloadSync(storage, this.size, `dataSync: ${this.toString()}`);
  }

  /**
   * The values, row-major, on every backend: the storage itself on the CPU backends (as dataSync()),
   * a host copy read back from a device backend. Rejects with ValueError once the tensor was freed.
   *
   * @example
   * const values = await model.predict(x).data();
   */
  async data(): Promise<FloatArray> {
    const storage = this.storage;
    if (storage.freed || storage.restore !== null) return this.dataSync();
    if (storage.device === null) return storage.hostArray;
    transfers.downloads++;
    return await storage.device.read(storage.handle, storage.dtype, this.size);
  }

  /** Whether the tensor was freed (dispose(), or the end of the scope that made it); reading its values then throws. */
  get isFreed(): boolean {
    return this.storage.freed;
  }

  /**
   * Frees the tensor's storage: a weight's block in the WebAssembly memory goes back at once, an
   * ordinary array is let go (the garbage collector reclaims it even while the tensor object is still
   * referenced), a scope's temporary goes back when the scope ends, a device buffer goes back to its
   * backend. Every view of the same storage (reshape) is freed too; reading values afterwards throws.
   * Calling it twice does nothing.
   */
  dispose(): void {
    const storage = this.storage;
    if (storage.freed) return;
    storage.freed = true;
    storage.restore = null;
    if (storage.device === null) freeStorage?.(storage.hostArray);
    else storage.device.free?.(storage.handle);
    storage.handle = storage.dtype === 'float64' ? EMPTY_FLOAT64 : EMPTY_FLOAT32;
    storage.device = null;
  }

  /**
   * The values as a Float32Array, typed so that a strict app needs no cast (`dataSync()` returns
   * `Float32Array | Float64Array`, whose methods TypeScript cannot call as a union). The tensor's own
   * storage on the CPU backends, not a copy: writing to it writes the tensor. Throws ValueError for a
   * float64 tensor (take `clone('float32').float32View()`) and, as `dataSync()` does, for a freed one
   * or a device tensor.
   *
   * @example
   * const probabilities = model.predict(x).float32View();
   * probabilities.reduce((sum, p) => sum + p, 0); // 1 for each example of a softmax model
   */
  float32View(): Float32Array {
    const data = this.dataSync();
    if (!(data instanceof Float32Array))
      throw new ValueError(`float32View: ${this.toString()} holds float64 values; take clone('float32').float32View()`);
    return data;
  }

  /** The values as a Float64Array (the storage itself); throws ValueError for a float32 tensor. See float32View. */
  float64View(): Float64Array {
    const data = this.dataSync();
    if (!(data instanceof Float64Array))
      throw new ValueError(`float64View: ${this.toString()} holds float32 values; take clone('float64').float64View()`);
    return data;
  }

  /** 'float32' or 'float64', from the storage. */
  get dtype(): DType {
    if (this.storage.freed) throw freedError(this);
    return this.storage.dtype;
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

  /** The same storage seen with another shape of the same size (no copy). */
  reshape(shape: Shape): Tensor {
    checkShape(shape, 'Tensor');
    checkValueCount(shape, this.size);
    if (this.storage.freed) throw freedError(this);
    return tensorOver(this.storage, shape, this.size);
  }

  /** A deep copy, optionally converted to another dtype (read synchronously: see dataSync). */
  clone(dtype: DType = this.dtype): Tensor {
    return Tensor.fromArray(this.dataSync(), this.shape, dtype);
  }

  /** The values as a plain array, row-major (a copy; read synchronously: see dataSync). */
  toArray(): number[] {
    return Array.from(this.dataSync());
  }

  /** A short description, shape and dtype: 'Tensor(1x2x2x1, float32)'; not the values. */
  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.storage.dtype})`;
  }
}

/** Throws ShapeError unless `values` (the data's length) is the number of values `shape` holds. */
function checkValueCount(shape: Shape, values: number): void {
  if (values !== sizeOf(shape))
    throw new ShapeError(
      `Tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} values but the data has ${values}`,
    );
}
