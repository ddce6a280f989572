// The graph's constants: initializers and Constant nodes decoded on first use, and constant folding,
// which evaluates the shape arithmetic exporters write (PyTorch's ZeroPad2d: ConstantOfShape, Concat,
// Reshape, Slice, Transpose, Cast) at import, within a byte budget (core/limits.ts
// MAX_FOLDED_CONSTANT_BYTES) so that a hostile file cannot make constants out of nothing.
// Limits: float, double and int64 constants are read; folded values are float64.

import type { onnx as Onnx } from 'onnx-proto';
import { onnxProto } from '#dependency/onnxProto';
import { FileFormatError } from '../../core/errors.js';
import { sizeOf } from '../../core/shape.js';
import { attributesOf, intOf, intsOf, toNumber } from './attributes.js';

/** onnx-proto's generated classes: required on first use in Node, a static import in a bundle (src/dependencies/). */
const onnx = () => onnxProto().onnx;

/** The inputs a folded operator cannot do without (1 where not listed). */
const REQUIRED_INPUTS: Readonly<Record<string, number>> = {
  Reshape: 2,
  Gather: 2,
  Add: 2,
  Sub: 2,
  Mul: 2,
  Div: 2,
  Slice: 3,
};

/** ONNX's integer data types (int8 to uint64, and bool), for Cast. */
const INTEGER_TYPES: ReadonlySet<number> = new Set([2, 3, 4, 5, 6, 7, 9, 12, 13]);

/** Whether typed arrays read ONNX's little-endian raw data as it is (true on every common host). */
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Shape-arithmetic operators evaluated at import when every input is a constant (see foldConstant). */
export const FOLDED_OPERATORS: ReadonlySet<string> = new Set([
  'ConstantOfShape',
  'Concat',
  'Reshape',
  'Slice',
  'Transpose',
  'Cast',
  'Unsqueeze',
  'Squeeze',
  'Identity',
  'Gather',
  'Add',
  'Sub',
  'Mul',
  'Div',
]);

/**
 * The batch size in folded shapes. Graphs exported with a dynamic batch axis compute shapes from
 * Shape(x), whose first entry is unknown at import: it is NaN, which arithmetic keeps unknown, and
 * which a Reshape of feature maps reads as "the batch" (mappers/shape.ts).
 */
export const SYMBOLIC_BATCH = Number.NaN;

/**
 * A constant's dims and values (float32, float64 and int64 all as float64: enough for shape arithmetic and weights).
 */
export interface ConstantValue {
  dims: number[];
  values: Float64Array | Float32Array;
  /** For integer tensors (int64 and int32 in the file, shapes, casts to them): Div truncates. */
  isInteger?: boolean | undefined;
}

/** A constant's values and dims (float32/float64 as numbers, int64 as numbers). */
export function constantOf(tensor: Onnx.ITensorProto, file: string): ConstantValue {
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = sizeOf(dims);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new FileFormatError(file, `initializer '${tensor.name}' has dims [${dims.join(', ')}]`);
  const type = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  const fromRaw = (bytesPerValue: number, read: (view: DataView, offset: number) => number) => {
    if (raw === null || raw === undefined || raw.length !== count * bytesPerValue) {
      throw new FileFormatError(
        file,
        `initializer '${tensor.name}' holds ${raw?.length ?? 0} bytes, not ${count * bytesPerValue} for ` +
          `dims [${dims.join(', ')}]`,
      );
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float64Array.from({ length: count }, (_, index) => read(view, index * bytesPerValue));
  };
  let values: Float64Array | Float32Array;
  if (
    type === onnx().TensorProto.DataType.FLOAT &&
    raw !== null &&
    raw !== undefined &&
    raw.length > 0 &&
    IS_LITTLE_ENDIAN
  ) {
    // Through a Float32Array view (of a copy where the bytes are not 4-aligned): a DataView read per
    // value took 7 s for the 68 million weights of wide_resnet50_2, this takes a fraction of one.
    if (raw.length !== count * 4)
      throw new FileFormatError(
        file,
        `initializer '${tensor.name}' holds ${raw.length} bytes, not ${count * 4} for dims [${dims.join(', ')}]`,
      );
    // A view of the file's bytes, not a float64 copy (ResNet-50: 204 MB at import, beside the file's 102 MB).
    // Conv weights do not come here: Constants.forEachRun copies them a filter at a time (see there).
    // NOTE: those aligned copies (ResNet-50: 77 MB of its 97) were garbage once the layers took the values, but the
    // collector often freed them, and the file's bytes, only after the first predict grew the WebAssembly memory, so
    // a process's peak held them. Decoding them afresh on every read instead of keeping them in Constants made
    // bench:imagenet's figures worse in 4 of 4 runs alternated with the cached build: RSS growth after the collection
    // 458-469 MB (cached: 382-521, 3 of 4 at 382-401), peak 476-487 (cached: 396-521): made and freed one by one,
    // the later copies come from the C allocator's own heap, which keeps the freed pages resident.
    const aligned = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw);
    values = new Float32Array(aligned.buffer, aligned.byteOffset, count);
  } else if (type === onnx().TensorProto.DataType.FLOAT) {
    values =
      raw !== null && raw !== undefined && raw.length > 0
        ? fromRaw(4, (view, offset) => view.getFloat32(offset, true))
        : Float64Array.from(tensor.floatData ?? []);
  } else if (type === onnx().TensorProto.DataType.DOUBLE) {
    values =
      raw !== null && raw !== undefined && raw.length > 0
        ? fromRaw(8, (view, offset) => view.getFloat64(offset, true))
        : Float64Array.from(tensor.doubleData ?? []);
  } else if (type === onnx().TensorProto.DataType.INT64) {
    values =
      raw !== null && raw !== undefined && raw.length > 0
        ? fromRaw(8, (view, offset) => Number(view.getBigInt64(offset, true)))
        : Float64Array.from((tensor.int64Data ?? []).map(toNumber));
  } else if (type === onnx().TensorProto.DataType.INT32) {
    values =
      raw !== null && raw !== undefined && raw.length > 0
        ? fromRaw(4, (view, offset) => view.getInt32(offset, true))
        : Float64Array.from(tensor.int32Data ?? []);
  } else {
    throw new FileFormatError(
      file,
      `initializer '${tensor.name}' has data type ${type}; float, double, int64 and int32 constants are read`,
    );
  }
  if (values.length !== count)
    throw new FileFormatError(file, `initializer '${tensor.name}' holds ${values.length} values, not ${count}`);
  const isInteger = type === onnx().TensorProto.DataType.INT64 || type === onnx().TensorProto.DataType.INT32;
  return isInteger ? { dims, values, isInteger } : { dims, values };
}

/**
 * The graph's constants by name: initializers and Constant nodes as the file holds them (decoded on
 * first use, once), and the values constant folding computes. Folding may create at most `budget`
 * bytes in all (as float64): reserve() is called with a node's output size, worked out from its
 * inputs' dims, before the output is allocated, so a file that makes constants out of nothing
 * (3,000 ConstantOfShape of 1e6 values; one constant concatenated 2,000 times) is refused instead.
 */
export class Constants {
  private readonly stored = new Map<string, Onnx.ITensorProto>();
  private readonly decoded = new Map<string, ConstantValue>();
  private foldedBytes = 0;

  constructor(
    private readonly file: string,
    private readonly budget: number,
  ) {}

  has(name: string): boolean {
    return this.decoded.has(name) || this.stored.has(name);
  }

  /** A constant the file holds (an initializer, a Constant node's value): decoded when first read. */
  setStored(name: string, tensor: Onnx.ITensorProto): void {
    this.decoded.delete(name);
    this.stored.set(name, tensor);
  }

  /** A constant computed by folding (its bytes reserved first). */
  setFolded(name: string, value: ConstantValue): void {
    this.stored.delete(name);
    this.decoded.set(name, value);
  }

  /** The dims of constant `name` without decoding its values. */
  dimsOf(name: string): number[] {
    return this.decoded.get(name)?.dims ?? (this.stored.get(name)?.dims ?? []).map(toNumber);
  }

  get(name: string): ConstantValue | undefined {
    const known = this.decoded.get(name);
    if (known !== undefined) return known;
    const tensor = this.stored.get(name);
    if (tensor === undefined) return undefined;
    const value = constantOf(tensor, this.file);
    this.decoded.set(name, value);
    this.stored.delete(name);
    return value;
  }

  /**
   * The dims of constant `name`, checked against the values the file holds: a float32 held as raw bytes by their
   * length, without decoding (forEachRun reads it later), any other decoded. A layer sized from dims that its data
   * does not fill would allocate for nothing (a Conv of dims [400000, 3, 7, 7] over 8 bytes: 235 MB).
   */
  checkedDimsOf(name: string): number[] {
    const tensor = this.stored.get(name);
    const raw = tensor?.rawData;
    if (
      tensor === undefined ||
      tensor.dataType !== onnx().TensorProto.DataType.FLOAT ||
      raw === null ||
      raw === undefined ||
      raw.length === 0
    )
      return this.get(name)?.dims ?? [];
    const dims = (tensor.dims ?? []).map(toNumber);
    const count = sizeOf(dims);
    if (!Number.isSafeInteger(count) || count < 0 || raw.length !== count * 4)
      throw new FileFormatError(
        this.file,
        `initializer '${name}' holds ${raw.length} bytes, not ${count * 4} for dims [${dims.join(', ')}]`,
      );
    return dims;
  }

  /** Whether constant `name` holds integers (int64, int32), read from its data type without decoding it. */
  isInteger(name: string): boolean {
    const known = this.decoded.get(name);
    if (known !== undefined) return known.isInteger === true;
    const type = this.stored.get(name)?.dataType ?? 0;
    return type === onnx().TensorProto.DataType.INT64 || type === onnx().TensorProto.DataType.INT32;
  }

  /**
   * Calls `visit` with each run of `rowLength` values of constant `name` (the last may be shorter) and its index.
   * The run is only valid during the call. A float32 constant whose bytes in the file are not 4-aligned is copied
   * a run at a time through one small buffer, and not kept: a whole aligned copy would be garbage once the
   * weights are in their layer, which the collector may free only after the first predict grew the memory.
   * ResNet-50 (2 threads, nothing collected before the predicts): buffers alive after the import 98 MB, not 174;
   * peak RSS growth over 3 predicts at batch 8 458-461 MB, not 530-536 (bench:imagenet's runs where the collector
   * ran first: 396-405 both).
   */
  forEachRun(name: string, rowLength: number, visit: (run: ArrayLike<number>, index: number) => void): void {
    const tensor = this.stored.get(name);
    const raw = tensor?.rawData;
    const isMisalignedFloat =
      tensor !== undefined &&
      tensor.dataType === onnx().TensorProto.DataType.FLOAT &&
      IS_LITTLE_ENDIAN &&
      raw !== null &&
      raw !== undefined &&
      raw.length > 0 &&
      raw.byteOffset % 4 !== 0 &&
      raw.length === sizeOf((tensor.dims ?? []).map(toNumber)) * 4;
    if (!isMisalignedFloat) {
      const values = this.get(name)?.values;
      if (values === undefined) return;
      for (let start = 0, index = 0; start < values.length; start += rowLength, index++)
        visit(values.subarray(start, start + rowLength), index);
      return;
    }
    const run = new Float32Array(rowLength);
    const runBytes = new Uint8Array(run.buffer);
    const count = raw.length / 4;
    for (let start = 0, index = 0; start < count; start += rowLength, index++) {
      const length = Math.min(rowLength, count - start);
      runBytes.set(raw.subarray(start * 4, (start + length) * 4));
      visit(length === rowLength ? run : run.subarray(0, length), index);
    }
  }

  /**
   * Counts `values` new float64 values against the folding budget, or throws FileFormatError naming `label` and the
   * limit.
   */
  reserve(values: number, label: string): void {
    const bytes = values * Float64Array.BYTES_PER_ELEMENT;
    if (!(Number.isSafeInteger(values) && values >= 0 && this.foldedBytes + bytes <= this.budget)) {
      throw new FileFormatError(
        this.file,
        `${label}: folding it makes a constant of ${values.toLocaleString('en-US')} values ` +
          `(${bytes.toLocaleString('en-US')} bytes); ` +
          `constant folding may make ${this.budget.toLocaleString('en-US')} bytes in this file and has made ` +
          `${this.foldedBytes.toLocaleString('en-US')}`,
      );
    }
    this.foldedBytes += bytes;
  }
}

/** Whether foldConstant evaluates `node`: shape arithmetic whose inputs are all constants. */
export function isFoldable(node: Onnx.INodeProto, isConstant: (name: string) => boolean): boolean {
  const names = (node.input ?? []).filter((name) => name !== '');
  return FOLDED_OPERATORS.has(node.opType ?? '') && names.length > 0 && names.every(isConstant);
}

/**
 * Evaluates a node whose inputs are all constants, for the shape arithmetic exporters write
 * (PyTorch's ZeroPad2d: ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast; sizes read with
 * x.size(): Shape, Gather, Unsqueeze, Div, Concat, with the batch as SYMBOLIC_BATCH). Returns null for
 * a node that reads a computed value. Every new value is reserved against the folding budget before
 * it is allocated; Reshape, Unsqueeze, Squeeze and Identity share their input's values.
 */
export function foldConstant(
  node: Onnx.INodeProto,
  constants: Constants,
  file: string,
  label: string,
): ConstantValue | null {
  if (!isFoldable(node, (name) => constants.has(name))) return null;
  const op = node.opType ?? '';
  const names = (node.input ?? []).filter((name) => name !== '');
  const attributes = attributesOf(node);
  if (op === 'Concat') {
    // Sized from the dims before any input is decoded: the inputs may be one constant named 2,000 times.
    const inputDims = names.map((name) => constants.dimsOf(name));
    if (!inputDims.every((dims) => dims.length <= 1))
      throw new FileFormatError(file, `${label}: only 1-D constants are concatenated`);
    const total = inputDims.reduce((sum, dims) => sum + sizeOf(dims), 0);
    constants.reserve(total, label);
    const values = new Float64Array(total);
    let offset = 0;
    for (const name of names) {
      const input = constants.get(name)!;
      if (offset + input.values.length > total)
        throw new FileFormatError(file, `${label}: input '${name}' holds more values than its dims say`);
      values.set(input.values, offset);
      offset += input.values.length;
    }
    return {
      dims: [total],
      values,
      ...(names.every((name) => constants.get(name)!.isInteger === true) ? { isInteger: true } : {}),
    };
  }
  // By position: an optional input left out ('') stays undefined, so later ones keep their index.
  const inputs = (node.input ?? []).map((name) => (name === '' ? undefined : constants.get(name)!));
  const required = REQUIRED_INPUTS[op] ?? 1;
  if (inputs.slice(0, required).some((input) => input === undefined) || inputs.length < required) {
    throw new FileFormatError(
      file,
      `${label}: ${op} takes ${required} input${required === 1 ? '' : 's'}, got ` +
        `[${(node.input ?? []).map((name) => `'${name}'`).join(', ')}]`,
    );
  }
  const first = inputs[0]!;
  const integer = (value: ConstantValue, isInteger: boolean | undefined): ConstantValue =>
    isInteger === true ? { ...value, isInteger } : value;
  switch (op) {
    case 'ConstantOfShape': {
      const dims = Array.from(first.values);
      if (!dims.every((extent) => Number.isSafeInteger(extent) && extent >= 0))
        throw new FileFormatError(file, `${label}: shape [${dims.join(', ')}] is not a list of sizes`);
      constants.reserve(sizeOf(dims), label);
      const fill = attributes.get('value')?.t;
      const fillValue =
        fill === null || fill === undefined ? { dims: [], values: new Float64Array(1) } : constantOf(fill, file);
      return integer(
        { dims, values: new Float64Array(sizeOf(dims)).fill(fillValue.values[0] ?? 0) },
        fillValue.isInteger,
      );
    }
    case 'Reshape': {
      const shape = Array.from(inputs[1]!.values);
      const known = shape.filter((extent) => extent !== -1).reduce((product, extent) => product * extent, 1);
      const dims = shape.map((extent) => (extent === -1 ? first.values.length / known : extent));
      if (sizeOf(dims) !== first.values.length)
        throw new FileFormatError(
          file,
          `${label}: cannot reshape ${first.values.length} values to [${shape.join(', ')}]`,
        );
      return integer({ dims, values: first.values }, first.isInteger);
    }
    case 'Slice': {
      // One axis of a 1-D or 2-D constant (what shape arithmetic slices).
      const [starts, ends, axes, steps] = [1, 2, 3, 4].map((index) =>
        inputs[index] === undefined ? null : Array.from(inputs[index].values),
      );
      if (starts == null || ends == null || starts.length !== 1 || first.dims.length > 2)
        throw new FileFormatError(file, `${label}: only a slice of one axis of a small constant is folded`);
      const axis = ((axes?.[0] ?? 0) + first.dims.length) % first.dims.length;
      const step = steps?.[0] ?? 1;
      if (!Number.isInteger(step) || step === 0)
        throw new FileFormatError(file, `${label}: slice step ${step} is not a non-zero integer`);
      const extent = first.dims[axis]!;
      const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);
      const start = clamp(
        starts[0]! < 0 ? starts[0]! + extent : starts[0]!,
        step > 0 ? 0 : -1,
        step > 0 ? extent : extent - 1,
      );
      const end = clamp(ends[0]! < 0 ? ends[0]! + extent : ends[0]!, step > 0 ? 0 : -1, step > 0 ? extent : extent - 1);
      const count = Math.max(0, Math.ceil((end - start) / step));
      const [rows, columns] = first.dims.length === 2 ? (first.dims as [number, number]) : [first.dims[0]!, 1];
      constants.reserve(count * (axis === 0 ? columns : rows), label);
      const indices: number[] = [];
      for (let index = start; step > 0 ? index < end : index > end; index += step) indices.push(index);
      const values: number[] = [];
      if (axis === 0)
        for (const row of indices)
          for (let column = 0; column < columns; column++) values.push(first.values[row * columns + column]!);
      else
        for (let row = 0; row < rows; row++)
          for (const column of indices) values.push(first.values[row * columns + column]!);
      const dims = [...first.dims];
      dims[axis] = indices.length;
      return integer({ dims, values: Float64Array.from(values) }, first.isInteger);
    }
    case 'Transpose': {
      if (first.dims.length !== 2) throw new FileFormatError(file, `${label}: only 2-D constants are transposed`);
      const [rows, columns] = first.dims as [number, number];
      constants.reserve(rows * columns, label);
      const values = Float64Array.from(
        { length: rows * columns },
        (_, index) => first.values[(index % rows) * columns + Math.floor(index / rows)]!,
      );
      return integer({ dims: [columns, rows], values }, first.isInteger);
    }
    case 'Gather': {
      // Entries of a 1-D constant (a shape), picked by a scalar or a list of indices.
      const indices = inputs[1]!;
      if (first.dims.length !== 1 || intOf(attributes, 'axis', 0) !== 0)
        throw new FileFormatError(file, `${label}: only entries of a 1-D constant are gathered at import`);
      const extent = first.dims[0]!;
      constants.reserve(indices.values.length, label);
      const values = Float64Array.from(indices.values, (index) => {
        if (!(Number.isInteger(index) && index >= -extent && index < extent))
          throw new FileFormatError(file, `${label}: index ${index} is outside the ${extent} entries of '${names[0]}'`);
        return first.values[index < 0 ? index + extent : index]!;
      });
      return integer({ dims: indices.dims, values }, first.isInteger);
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      // Elementwise, one side possibly a single value (shape arithmetic: channels // groups).
      const second = inputs[1]!;
      const [long, short] = first.values.length >= second.values.length ? [first, second] : [second, first];
      if (short.values.length !== 1 && short.values.length !== long.values.length) {
        throw new FileFormatError(
          file,
          `${label}: constants of dims [${first.dims.join(', ')}] and [${second.dims.join(', ')}] are ` +
            `combined at import only when one is a single value or both have as many`,
        );
      }
      constants.reserve(long.values.length, label);
      const isInteger = first.isInteger === true && second.isInteger === true;
      const combine = {
        Add: (a: number, b: number) => a + b,
        Sub: (a: number, b: number) => a - b,
        Mul: (a: number, b: number) => a * b,
        Div: (a: number, b: number) => (isInteger ? Math.trunc(a / b) : a / b),
      }[op];
      const values = Float64Array.from({ length: long.values.length }, (_, index) => {
        const a = first.values[first.values.length === 1 ? 0 : index]!;
        const b = second.values[second.values.length === 1 ? 0 : index]!;
        return combine(a, b);
      });
      return integer({ dims: long.dims, values }, isInteger);
    }
    case 'Cast': {
      // To an integer type (int8 to uint64, bool) the values are truncated, as ONNX casts them.
      const to = intOf(attributes, 'to', onnx().TensorProto.DataType.FLOAT);
      const isInteger = INTEGER_TYPES.has(to);
      if (!isInteger || first.isInteger === true) return integer({ dims: first.dims, values: first.values }, isInteger);
      // A copy: counted, or a chain of casts of one large constant would make a copy each.
      constants.reserve(first.values.length, label);
      return { dims: first.dims, values: first.values.map(Math.trunc), isInteger };
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      // The axes are an attribute up to opset 12 and an input from opset 13.
      const axes = inputs[1] !== undefined ? Array.from(inputs[1].values) : intsOf(attributes, 'axes', []);
      let dims: number[];
      if (op === 'Unsqueeze') {
        const rank = first.dims.length + axes.length;
        const inserted = new Set(axes.map((axis) => (axis < 0 ? axis + rank : axis)));
        const rest = [...first.dims];
        dims = Array.from({ length: rank }, (_, axis) => (inserted.has(axis) ? 1 : (rest.shift() ?? 1)));
      } else {
        const removed = new Set(axes.map((axis) => (axis < 0 ? axis + first.dims.length : axis)));
        dims = first.dims.filter((extent, axis) => (removed.size === 0 ? extent !== 1 : !removed.has(axis)));
      }
      return integer({ dims, values: first.values }, first.isInteger);
    }
    default:
      // Identity: the values as they are.
      return first;
  }
}
