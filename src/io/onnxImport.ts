// ONNX import: CNNs as PyTorch and Keras export them become ConvNet.ts models that run channels
// last. ONNX's Conv and pooling are channels first (NCHW); the layout is converted once, here:
// filters OIHW -> HWIO, and the weights of a Gemm that reads a flattened feature map are reordered
// from the channels-first flatten order to the channels-last one. A graph whose input is channels last
// and transposed to NCHW at once (what tf2onnx writes for Keras models) takes NHWC batches as they
// are; one with an NCHW input has only its input batch transposed at run time (see importedInput).
// Transposes between the two layouts cost nothing: every feature map is stored channels last here,
// and the importer only tracks which layout the ONNX graph sees it in.
// Decoding uses onnx-proto (protobufjs), once a scan of the bytes (onnxWireScan.ts) has bounded the
// memory and recursion it takes; every problem is a FileFormatError naming the node.

import { sizeOf } from '../core/shape.js';
import type { onnx as Onnx } from 'onnx-proto';
import { onnxProto } from '#dependency/onnxProto';
import { ConvNetError, FileFormatError, ValueError } from '../core/errors.js';
import { MAX_FEATURE_MAP_ELEMENTS, MAX_FOLDED_CONSTANT_BYTES, MAX_MODEL_LAYERS } from '../core/limits.js';
import { Tensor } from '../core/tensor.js';
import { toChannelsLast } from '../image/preprocess.js';
import { Clip, ELU, LeakyReLU, ReLU, Sigmoid, Tanh } from '../layers/activations.js';
import { AvgPool2D } from '../layers/avgPool2d.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import { Input } from '../layers/input.js';
import type { Layer, SymbolicTensor } from '../layers/layer.js';
import { MaxPool2D } from '../layers/maxPool2d.js';
import { Add, Concatenate, Multiply } from '../layers/merge.js';
import { Softmax } from '../layers/softmax.js';
import { ZeroPadding2D } from '../layers/zeroPadding2d.js';
import { GraphTally } from '../model/graphLimits.js';
import { Model } from '../model/model.js';
import { convertFilterLayout } from './filterLayout.js';
import { checkOnnxWire } from './onnxWireScan.js';
import { ONNX_CLASS_NAMES_KEY } from './onnxExport.js';
import { checkFiniteWeights } from './weightChecks.js';

/** onnx-proto's generated classes: required on first use in Node, a static import in a bundle (src/dependencies/). */
const onnx = () => onnxProto().onnx;

/** Operators the importer maps, for the error that names an unsupported one. */
export const ONNX_IMPORT_OPERATORS: readonly string[] = Object.freeze([
  'Conv', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Clip', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization', 'Gemm', 'MatMul',
  'Add', 'Sum', 'Mul', 'Concat', 'Flatten', 'Reshape', 'Transpose', 'Pad', 'Softmax', 'Dropout', 'Identity', 'Constant',
]);

/** A value of the ONNX graph as the importer tracks it. */
interface Value {
  tensor: SymbolicTensor;
  /** 'maps': our [h, w, c] (ONNX's [c, h, w] or [h, w, c], see layout); 'vector': [features]. */
  kind: 'maps' | 'vector';
  /** For a vector flattened from maps in ONNX's channels-first order: the maps' [c, h, w]. */
  flattenedFrom?: [number, number, number];
  /**
   * For maps: the layout the ONNX graph sees them in. 'NHWC' after a Transpose [0, 2, 3, 1] (or for a
   * channels-last graph input): the same order as ours, so a Flatten keeps it.
   */
  layout?: OnnxLayout;
  /**
   * For the output of a Gemm or MatMul (and of constant Adds and Muls folded into it): its Dense, for a
   * constant Add or Mul after it (a MatMul + Add is how Keras's Dense arrives through tf2onnx).
   */
  dense?: DenseFold;
}

/**
 * A Dense whose output is y * scale + shift per unit, scale and shift gathered from the constant Muls
 * and Adds after it and multiplied into its weights once the graph is read. `output` is the ONNX
 * value it computes now: a fold applies only to that value, not to one that aliases it (an Identity's).
 */
interface DenseFold {
  layer: Dense;
  output: string;
  scale: Float64Array;
  shift: Float64Array;
}

/** Who reads each value of the graph, and which values are constants once their node has run. */
interface GraphReaders {
  /** The nodes that read a value, once per input that names it. */
  nodesOf(name: string): readonly Onnx.INodeProto[];
  /** The number of readers, a graph output counting as one. */
  count(name: string): number;
  isConstant(name: string): boolean;
}

/** Shape-arithmetic operators evaluated at import when every input is a constant (see foldConstant). */
const FOLDED_OPERATORS: ReadonlySet<string> = new Set(['ConstantOfShape', 'Concat', 'Reshape', 'Slice', 'Transpose', 'Cast', 'Unsqueeze', 'Squeeze']);

/** Operators after which a graph input keeps its layout: followed to find what reveals it (isChannelsLastInput). */
const LAYOUT_KEEPING_OPERATORS: ReadonlySet<string> = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Clip', 'Add', 'Sum', 'Mul', 'Concat', 'Pad', 'Dropout', 'Identity',
]);

/** How the ONNX graph lays out a batch of feature maps. */
export type OnnxLayout = 'NCHW' | 'NHWC';

export interface ImportedOnnx {
  /** Runs channels last; feed it importedInput(batch, inputLayout) for a batch laid out as the ONNX input. */
  model: Model;
  /** The ONNX input's shape without the batch: [c, h, w] (NCHW), [h, w, c] (NHWC) or [features]. */
  onnxInputShape: number[];
  /** The ONNX input's layout: 'NCHW' (PyTorch), 'NHWC' (Keras through tf2onnx), or 'features' for vectors. */
  inputLayout: OnnxLayout | 'features';
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && 'toNumber' in value) return (value as { toNumber(): number }).toNumber();
  return Number(value);
}

type Attributes = Map<string, Onnx.IAttributeProto>;

function attributesOf(node: Onnx.INodeProto): Attributes {
  return new Map((node.attribute ?? []).map((attribute) => [attribute.name ?? '', attribute]));
}

function intsOf(attributes: Attributes, name: string, fallback: number[]): number[] {
  const attribute = attributes.get(name);
  return attribute?.ints === undefined || attribute.ints === null || attribute.ints.length === 0 ? fallback : attribute.ints.map(toNumber);
}

function intOf(attributes: Attributes, name: string, fallback: number): number {
  const attribute = attributes.get(name);
  return attribute?.i === undefined || attribute.i === null ? fallback : toNumber(attribute.i);
}

function floatOf(attributes: Attributes, name: string, fallback: number): number {
  const attribute = attributes.get(name);
  return attribute?.f === undefined || attribute.f === null ? fallback : attribute.f;
}

/** A constant's values and dims (float32/float64 as numbers, int64 as numbers). */
function constantOf(tensor: Onnx.ITensorProto, file: string): { dims: number[]; values: Float64Array } {
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = sizeOf(dims);
  if (!Number.isSafeInteger(count) || count < 0) throw new FileFormatError(file, `initializer '${tensor.name}' has dims [${dims.join(', ')}]`);
  const type = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  const fromRaw = (bytesPerValue: number, read: (view: DataView, offset: number) => number) => {
    if (raw === null || raw === undefined || raw.length !== count * bytesPerValue) {
      throw new FileFormatError(file, `initializer '${tensor.name}' holds ${raw?.length ?? 0} bytes, not ${count * bytesPerValue} for dims [${dims.join(', ')}]`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float64Array.from({ length: count }, (_, index) => read(view, index * bytesPerValue));
  };
  let values: Float64Array;
  if (type === onnx().TensorProto.DataType.FLOAT) {
    values = raw !== null && raw !== undefined && raw.length > 0 ? fromRaw(4, (view, offset) => view.getFloat32(offset, true)) : Float64Array.from(tensor.floatData ?? []);
  } else if (type === onnx().TensorProto.DataType.DOUBLE) {
    values = raw !== null && raw !== undefined && raw.length > 0 ? fromRaw(8, (view, offset) => view.getFloat64(offset, true)) : Float64Array.from(tensor.doubleData ?? []);
  } else if (type === onnx().TensorProto.DataType.INT64) {
    values = raw !== null && raw !== undefined && raw.length > 0 ? fromRaw(8, (view, offset) => Number(view.getBigInt64(offset, true))) : Float64Array.from((tensor.int64Data ?? []).map(toNumber));
  } else {
    throw new FileFormatError(file, `initializer '${tensor.name}' has data type ${type}; float, double and int64 constants are read`);
  }
  if (values.length !== count) throw new FileFormatError(file, `initializer '${tensor.name}' holds ${values.length} values, not ${count}`);
  return { dims, values };
}

/** A constant's dims and values (float32, float64 and int64 all as float64: enough for shape arithmetic and weights). */
interface ConstantValue {
  dims: number[];
  values: Float64Array;
}

/**
 * The graph's constants by name: initializers and Constant nodes as the file holds them (decoded on
 * first use, once), and the values constant folding computes. Folding may create at most `budget`
 * bytes in all (as float64): reserve() is called with a node's output size, worked out from its
 * inputs' dims, before the output is allocated, so a file that makes constants out of nothing
 * (3,000 ConstantOfShape of 1e6 values; one constant concatenated 2,000 times) is refused instead.
 */
class Constants {
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

  /** Counts `values` new float64 values against the folding budget, or throws FileFormatError naming `label` and the limit. */
  reserve(values: number, label: string): void {
    const bytes = values * Float64Array.BYTES_PER_ELEMENT;
    if (!(Number.isSafeInteger(values) && values >= 0 && this.foldedBytes + bytes <= this.budget)) {
      throw new FileFormatError(
        this.file,
        `${label}: folding it makes a constant of ${values.toLocaleString('en-US')} values (${bytes.toLocaleString('en-US')} bytes); ` +
          `constant folding may make ${this.budget.toLocaleString('en-US')} bytes in this file and has made ${this.foldedBytes.toLocaleString('en-US')}`,
      );
    }
    this.foldedBytes += bytes;
  }
}

/** Whether foldConstant evaluates `node`: shape arithmetic whose inputs are all constants. */
function isFoldable(node: Onnx.INodeProto, isConstant: (name: string) => boolean): boolean {
  const names = (node.input ?? []).filter((name) => name !== '');
  return FOLDED_OPERATORS.has(node.opType ?? '') && names.length > 0 && names.every(isConstant);
}

/**
 * Evaluates a node whose inputs are all constants, for the shape arithmetic exporters write
 * (PyTorch's ZeroPad2d: ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast). Returns null for
 * a node that reads a computed value. Every new value is reserved against the folding budget before
 * it is allocated; Reshape, Cast, Unsqueeze and Squeeze share their input's values.
 */
function foldConstant(node: Onnx.INodeProto, constants: Constants, file: string, label: string): ConstantValue | null {
  if (!isFoldable(node, (name) => constants.has(name))) return null;
  const op = node.opType ?? '';
  const names = (node.input ?? []).filter((name) => name !== '');
  const attributes = attributesOf(node);
  if (op === 'Concat') {
    // Sized from the dims before any input is decoded: the inputs may be one constant named 2,000 times.
    const inputDims = names.map((name) => constants.dimsOf(name));
    if (!inputDims.every((dims) => dims.length <= 1)) throw new FileFormatError(file, `${label}: only 1-D constants are concatenated`);
    const total = inputDims.reduce((sum, dims) => sum + sizeOf(dims), 0);
    constants.reserve(total, label);
    const values = new Float64Array(total);
    let offset = 0;
    for (const name of names) {
      const input = constants.get(name)!;
      if (offset + input.values.length > total) throw new FileFormatError(file, `${label}: input '${name}' holds more values than its dims say`);
      values.set(input.values, offset);
      offset += input.values.length;
    }
    return { dims: [total], values };
  }
  const inputs = names.map((name) => constants.get(name)!);
  const [first] = inputs as [ConstantValue];
  switch (op) {
    case 'ConstantOfShape': {
      const dims = Array.from(first.values);
      if (!dims.every((extent) => Number.isSafeInteger(extent) && extent >= 0)) throw new FileFormatError(file, `${label}: shape [${dims.join(', ')}] is not a list of sizes`);
      constants.reserve(sizeOf(dims), label);
      const fill = attributes.get('value')?.t;
      const value = fill === null || fill === undefined ? 0 : constantOf(fill, file).values[0] ?? 0;
      return { dims, values: new Float64Array(sizeOf(dims)).fill(value) };
    }
    case 'Reshape': {
      const shape = Array.from(inputs[1]!.values);
      const known = shape.filter((extent) => extent !== -1).reduce((product, extent) => product * extent, 1);
      const dims = shape.map((extent) => (extent === -1 ? first.values.length / known : extent));
      if (sizeOf(dims) !== first.values.length) throw new FileFormatError(file, `${label}: cannot reshape ${first.values.length} values to [${shape.join(', ')}]`);
      return { dims, values: first.values };
    }
    case 'Slice': {
      // One axis of a 1-D or 2-D constant (what shape arithmetic slices).
      const [starts, ends, axes, steps] = [1, 2, 3, 4].map((index) => (inputs[index] === undefined ? null : Array.from(inputs[index]!.values)));
      if (starts === null || ends === null || starts.length !== 1 || first.dims.length > 2) throw new FileFormatError(file, `${label}: only a slice of one axis of a small constant is folded`);
      const axis = ((axes?.[0] ?? 0) + first.dims.length) % first.dims.length;
      const step = steps?.[0] ?? 1;
      if (!Number.isInteger(step) || step === 0) throw new FileFormatError(file, `${label}: slice step ${step} is not a non-zero integer`);
      const extent = first.dims[axis]!;
      const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);
      const start = clamp(starts[0]! < 0 ? starts[0]! + extent : starts[0]!, step > 0 ? 0 : -1, step > 0 ? extent : extent - 1);
      const end = clamp(ends[0]! < 0 ? ends[0]! + extent : ends[0]!, step > 0 ? 0 : -1, step > 0 ? extent : extent - 1);
      const count = Math.max(0, Math.ceil((end - start) / step));
      const [rows, columns] = first.dims.length === 2 ? (first.dims as [number, number]) : [first.dims[0]!, 1];
      constants.reserve(count * (axis === 0 ? columns : rows), label);
      const indices: number[] = [];
      for (let index = start; step > 0 ? index < end : index > end; index += step) indices.push(index);
      const values: number[] = [];
      if (axis === 0) for (const row of indices) for (let column = 0; column < columns; column++) values.push(first.values[row * columns + column]!);
      else for (let row = 0; row < rows; row++) for (const column of indices) values.push(first.values[row * columns + column]!);
      const dims = [...first.dims];
      dims[axis] = indices.length;
      return { dims, values: Float64Array.from(values) };
    }
    case 'Transpose': {
      if (first.dims.length !== 2) throw new FileFormatError(file, `${label}: only 2-D constants are transposed`);
      const [rows, columns] = first.dims as [number, number];
      constants.reserve(rows * columns, label);
      const values = Float64Array.from({ length: rows * columns }, (_, index) => first.values[(index % rows) * columns + Math.floor(index / rows)]!);
      return { dims: [columns, rows], values };
    }
    default:
      // Cast, Unsqueeze, Squeeze: the values as they are (shapes only matter to Reshape and ConstantOfShape, which read values).
      return { dims: op === 'Cast' ? first.dims : [first.values.length], values: first.values };
  }
}

/**
 * Imports an ONNX CNN (float32, one input, one output; an NCHW input as PyTorch writes it, or an NHWC
 * one transposed to NCHW as tf2onnx writes Keras models): see ONNX_IMPORT_OPERATORS. Throws
 * FileFormatError naming an unsupported operator with its node name, or anything it cannot read; also
 * for a file past the resource limits (core/limits.ts: memory to decode it, nesting, nodes, layers,
 * bytes made by constant folding, a declared input or any layer's output too large, too many
 * multiply-adds), naming the node and the limit before anything is allocated, and for NaN or infinite
 * weights. The model's classNames come from the metadata 'classNames' when the file has it (exportOnnx
 * writes it); model.output is 'probabilities' when the graph ends in Softmax, 'logits' otherwise.
 *
 * @example
 * const { model, inputLayout } = importOnnx(readFileSync('resnet.onnx'), 'resnet.onnx');
 * const scores = model.predict(importedInput(batch, inputLayout)); // logits unless the graph ends in Softmax: see model.output
 */
export function importOnnx(bytes: Uint8Array, file = 'model.onnx'): ImportedOnnx {
  // Scanned in the bytes first: decoding can take a hundred times the file's size, and recurses.
  checkOnnxWire(bytes, file);
  let proto: Onnx.ModelProto;
  try {
    proto = onnx().ModelProto.decode(bytes);
  } catch (error) {
    throw new FileFormatError(file, `is not an ONNX model (${(error as Error).message})`);
  }
  const graph = proto.graph;
  if (graph === null || graph === undefined) throw new FileFormatError(file, 'has no graph');
  // Folding may make MAX_FOLDED_CONSTANT_BYTES, and a float64 copy of what the file holds.
  const constants = new Constants(file, MAX_FOLDED_CONSTANT_BYTES + 2 * bytes.length);
  for (const tensor of graph.initializer ?? []) constants.setStored(tensor.name ?? '', tensor);
  const inputs = (graph.input ?? []).filter((input) => !constants.has(input.name ?? ''));
  if (inputs.length !== 1 || (graph.output ?? []).length !== 1) throw new FileFormatError(file, `has ${inputs.length} inputs and ${(graph.output ?? []).length} outputs; one of each is imported`);
  const inputDims = (inputs[0]!.type?.tensorType?.shape?.dim ?? []).slice(1).map((dim) => toNumber(dim.dimValue ?? 0));
  if (!((inputDims.length === 3 || inputDims.length === 1) && inputDims.every((extent) => Number.isInteger(extent) && extent > 0))) {
    throw new FileFormatError(file, `input '${inputs[0]!.name}' must be [batch, C, H, W] or [batch, features] with fixed sizes, got [batch, ${inputDims.join(', ')}]`);
  }
  // Before anything is sized from them: a 100000x100000 input would be allocated by the first image fitted to it.
  if (!(sizeOf(inputDims) <= MAX_FEATURE_MAP_ELEMENTS)) {
    throw new FileFormatError(file, `input '${inputs[0]!.name}' declares [batch, ${inputDims.join(', ')}]: ${sizeOf(inputDims).toLocaleString('en-US')} values per example, more than the ${MAX_FEATURE_MAP_ELEMENTS.toLocaleString('en-US')} one feature map may have`);
  }
  // Who reads each value: the readers of the graph input reveal its layout (isChannelsLastInput), and a
  // constant Add or Mul folds into a Dense only when that Dense's output has no other reader.
  const readers = graphReaders(graph);
  const inputName = inputs[0]!.name ?? '';
  const inputLayout: ImportedOnnx['inputLayout'] = inputDims.length === 1 ? 'features' : isChannelsLastInput(inputName, readers) ? 'NHWC' : 'NCHW';
  let input: Input;
  try {
    input = new Input({ shape: inputLayout === 'NCHW' ? [inputDims[1]!, inputDims[2]!, inputDims[0]!] : inputDims });
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(file, `input '${inputName}' (${inputLayout}): ${error.message}`);
    throw error;
  }
  const values = new Map<string, Value>([[inputName, { tensor: input.output, ...(inputDims.length === 3 ? { kind: 'maps', layout: inputLayout as OnnxLayout } : { kind: 'vector' }) }]]);
  // Writers of the imported weights: they run once the Model has built (allocated) every layer's weights.
  const fills: (() => void)[] = [];
  // The graph's bounds, checked as each layer is applied, so the error names the node (Model checks them again).
  const tally = new GraphTally();
  tally.add(input, input.shape, input.shape, `input '${inputName}' `);
  let layerCount = 1;
  const constant = (name: string, node: Onnx.INodeProto) => {
    const value = constants.get(name);
    if (value === undefined) throw new FileFormatError(file, `${nodeLabel(node)}: input '${name}' must be a constant (initializer)`);
    return value;
  };
  /** A constant that holds one value (Clip's bounds, Dropout's ratio). */
  const scalarOf = (name: string, node: Onnx.INodeProto) => {
    const { dims, values } = constant(name, node);
    if (values.length !== 1) throw new FileFormatError(file, `${nodeLabel(node)}: input '${name}' of dims [${dims.join(', ')}] must be one value`);
    return values[0]!;
  };

  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const label = nodeLabel(node);
    const attributes = attributesOf(node);
    const read = (index: number): Value => {
      const value = values.get((node.input ?? [])[index] ?? '');
      if (value === undefined) throw new FileFormatError(file, `${label}: input '${(node.input ?? [])[index]}' is not computed before it`);
      return value;
    };
    const output = (node.output ?? [])[0] ?? '';
    const apply = (layer: Layer, from: Value | Value[], kind: Value['kind'] = Array.isArray(from) ? from[0]!.kind : from.kind): Value => {
      layer.name = (node.name || output).replace(/[^A-Za-z0-9_.-]/g, '_');
      const first = Array.isArray(from) ? from[0]! : from;
      if (++layerCount > MAX_MODEL_LAYERS) throw new ValueError(`the graph makes more than the ${MAX_MODEL_LAYERS.toLocaleString('en-US')} layers a model may have`);
      const tensor = layer.apply(Array.isArray(from) ? from.map((value) => value.tensor) : from.tensor);
      tally.add(layer, first.tensor.shape, tensor.shape, 'output ');
      // Elementwise layers keep the layout the graph sees (the channels-first operators require NCHW, see
      // nchw) and the order of a vector flattened channels first (Gemm and Flatten set their own).
      if (kind === 'maps') return { tensor, kind, ...(first.layout !== undefined ? { layout: first.layout } : {}) };
      return { tensor, kind, ...(first.kind === 'vector' && first.flattenedFrom !== undefined ? { flattenedFrom: first.flattenedFrom } : {}) };
    };
    /** Input `index`, which this channels-first operator must see as NCHW. */
    const nchw = (index: number): Value => {
      const value = read(index);
      if (value.kind === 'maps' && value.layout === 'NHWC') throw new FileFormatError(file, `${label}: reads '${node.input![index]}' channels last (NHWC), but ONNX's ${op} takes NCHW`);
      return value;
    };
    const folded = foldConstant(node, constants, file, label);
    if (folded !== null) {
      constants.setFolded(output, folded);
      continue;
    }
    if (op === 'Constant') {
      // A constant made by a node (PyTorch writes Reshape shapes and Pad amounts so): an initializer.
      const value = attributes.get('value')?.t;
      if (value === null || value === undefined) throw new FileFormatError(file, `${label}: only a tensor 'value' is read`);
      constants.setStored(output, { ...value, name: output });
      continue;
    }
    let result: Value;
    try {
      switch (op) {
        case 'Conv': {
          const from = nchw(0);
          const weight = constant(node.input![1]!, node);
          const [outC, groupInC, kH, kW] = weight.dims as [number, number, number, number];
          const groups = intOf(attributes, 'group', 1);
          const inC = from.kind === 'maps' ? from.tensor.shape[2]! : 0;
          if (weight.dims.length !== 4 || groupInC * groups !== inC) {
            throw new FileFormatError(file, `${label}: weight of dims [${weight.dims.join(', ')}] in ${groups} group(s) does not take the ${inC} channels of '${node.input![0]}'`);
          }
          const [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
          if (attributes.get('auto_pad')?.s?.length) throw new FileFormatError(file, `${label}: auto_pad is not read; export with explicit pads`);
          const conv = new Conv2D({
            filters: outC, kernelSize: [kH, kW], strides: intsOf(attributes, 'strides', [1, 1]) as [number, number], padding: [top, bottom, left, right],
            dilationRate: intsOf(attributes, 'dilations', [1, 1]) as [number, number], groups, useBias: (node.input ?? []).length > 2 && node.input![2] !== '',
          });
          result = apply(conv, from);
          const bias = conv.useBias ? constant(node.input![2]!, node).values : null;
          if (bias !== null && bias.length !== outC) throw new FileFormatError(file, `${label}: bias of ${bias.length} values for ${outC} filters`);
          fills.push(() => {
            convertFilterLayout(weight.values, conv.kernel!.data, { kH, kW, inC: groupInC, outC }, 'OIHW->HWIO');
            if (bias !== null) conv.bias!.data.set(bias);
          });
          break;
        }
        case 'Relu': result = apply(new ReLU(), read(0)); break;
        case 'Sigmoid': result = apply(new Sigmoid(), read(0)); break;
        case 'Tanh': result = apply(new Tanh(), read(0)); break;
        case 'LeakyRelu': result = apply(new LeakyReLU({ alpha: floatOf(attributes, 'alpha', 0.01) }), read(0)); break;
        case 'Elu': result = apply(new ELU({ alpha: floatOf(attributes, 'alpha', 1) }), read(0)); break;
        case 'Clip': {
          // Opset 11 and later give the bounds as (optional) constant inputs, earlier opsets as attributes.
          // An empty name leaves that bound out.
          const bound = (index: number, attribute: string, fallback: number) => {
            const name = (node.input ?? [])[index];
            return name !== undefined && name !== '' ? scalarOf(name, node) : floatOf(attributes, attribute, fallback);
          };
          result = apply(new Clip({ min: bound(1, 'min', -Infinity), max: bound(2, 'max', Infinity) }), read(0));
          break;
        }
        case 'MaxPool':
        case 'AveragePool': {
          const [top, left, bottom, right] = intsOf(attributes, 'pads', [0, 0, 0, 0]) as [number, number, number, number];
          if (op === 'AveragePool' && intOf(attributes, 'count_include_pad', 0) === 1 && top + left + bottom + right > 0) {
            throw new FileFormatError(file, `${label}: count_include_pad=1 with padding is not imported (AvgPool2D averages only the covered values)`);
          }
          const kernel = intsOf(attributes, 'kernel_shape', []) as [number, number];
          const options = { poolSize: kernel, strides: intsOf(attributes, 'strides', [1, 1]) as [number, number], padding: [top, bottom, left, right] as const };
          result = apply(op === 'MaxPool' ? new MaxPool2D(options) : new AvgPool2D(options), nchw(0));
          break;
        }
        case 'GlobalAveragePool': {
          // ONNX keeps [c, 1, 1]; here it is the vector [c] (flattening it changes nothing).
          result = apply(new GlobalAveragePooling2D(), nchw(0), 'vector');
          break;
        }
        case 'BatchNormalization': {
          const from = nchw(0);
          const norm = new BatchNormalization({ epsilon: floatOf(attributes, 'epsilon', 1e-5), momentum: 0.9 });
          result = apply(norm, from);
          const channels = from.tensor.shape.at(-1)!;
          const [scale, shift, mean, variance] = [1, 2, 3, 4].map((index) => {
            const values = constant(node.input![index]!, node).values;
            if (values.length !== channels) throw new FileFormatError(file, `${label}: input '${node.input![index]}' has ${values.length} values for ${channels} channels`);
            return values;
          });
          fills.push(() => {
            norm.gamma!.data.set(scale!);
            norm.beta!.data.set(shift!);
            norm.movingMean!.data.set(mean!);
            norm.movingVariance!.data.set(variance!);
          });
          break;
        }
        case 'Transpose': {
          // Between NCHW and NHWC only: the data here is channels last either way, so nothing moves.
          const from = read(0);
          // Without perm, ONNX reverses the axes.
          const perm = intsOf(attributes, 'perm', from.kind === 'maps' ? [3, 2, 1, 0] : [1, 0]).join();
          const layout = from.layout ?? 'NCHW';
          if ((from.kind === 'vector' && perm === '0,1') || (from.kind === 'maps' && perm === '0,1,2,3')) result = from;
          else if (from.kind === 'maps' && layout === 'NCHW' && perm === '0,2,3,1') result = { ...from, layout: 'NHWC' };
          else if (from.kind === 'maps' && layout === 'NHWC' && perm === '0,3,1,2') result = { ...from, layout: 'NCHW' };
          else throw new FileFormatError(file, `${label}: only transposes between NCHW and NHWC are imported; got perm [${perm}] of ${from.kind === 'maps' ? `${layout} feature maps` : 'a vector'}`);
          break;
        }
        case 'Flatten':
        case 'Reshape': {
          const from = read(0);
          if (op === 'Flatten' && intOf(attributes, 'axis', 1) !== 1) throw new FileFormatError(file, `${label}: only axis 1 is imported`);
          if (op === 'Reshape') {
            const shape = constant(node.input![1]!, node).values;
            if (shape.length !== 2 || !(shape[1] === -1 || shape[0] === -1 || shape[0] === 0)) throw new FileFormatError(file, `${label}: only a reshape to [batch, -1] is imported, got [${Array.from(shape).join(', ')}]`);
          }
          if (from.kind === 'vector') {
            result = from;
            break;
          }
          const [h, w, c] = from.tensor.shape as [number, number, number];
          // NHWC maps, one channel or one position flatten in our order; only the rest need reordering.
          const isReordered = from.layout !== 'NHWC' && c > 1 && h * w > 1;
          result = { ...apply(new Flatten(), from, 'vector'), ...(isReordered ? { flattenedFrom: [c, h, w] as [number, number, number] } : {}) };
          break;
        }
        case 'Gemm':
        case 'MatMul': {
          const from = read(0);
          const weight = constant(node.input![1]!, node);
          const isTransposed = op === 'Gemm' && intOf(attributes, 'transB', 0) === 1;
          if (op === 'Gemm' && intOf(attributes, 'transA', 0) === 1) throw new FileFormatError(file, `${label}: transA=1 is not imported`);
          const [rows, columns] = weight.dims as [number, number];
          const [inputSize, units] = isTransposed ? [columns, rows] : [rows, columns];
          // Checked before the Dense exists: its kernel takes its size from the input, not from the file's weight.
          const features = from.kind === 'vector' ? from.tensor.shape[0]! : 0;
          if (weight.dims.length !== 2 || inputSize !== features) {
            throw new FileFormatError(file, `${label}: weight of dims [${weight.dims.join(', ')}]${isTransposed ? ' (transB)' : ''} does not take '${node.input![0]}' (${from.kind === 'vector' ? `${features} features` : 'feature maps'})`);
          }
          const alpha = op === 'Gemm' ? floatOf(attributes, 'alpha', 1) : 1;
          const beta = op === 'Gemm' ? floatOf(attributes, 'beta', 1) : 1;
          const hasBias = op === 'Gemm' && (node.input ?? []).length > 2 && node.input![2] !== '';
          const bias = hasBias ? constant(node.input![2]!, node) : null;
          // C broadcasts to [batch, units]: one value, or one per unit ([units] or [1, units]).
          if (bias !== null && !(bias.values.length === 1 || (bias.values.length === units && bias.dims.at(-1) === units && bias.dims.length <= 2))) {
            throw new FileFormatError(file, `${label}: bias of dims [${bias.dims.join(', ')}] for ${units} units`);
          }
          const dense = new Dense({ units, useBias: hasBias || addsConstantAfter(output, readers) });
          const folded: DenseFold = { layer: dense, output, scale: new Float64Array(units).fill(1), shift: new Float64Array(units) };
          // The output's positions are the units: no flattenedFrom.
          result = { tensor: apply(dense, from, 'vector').tensor, kind: 'vector', dense: folded };
          fills.push(() => {
            for (let row = 0; row < inputSize; row++) {
              // Rows in our flatten order (h, w, c) read ONNX's (c, h, w) rows.
              let source = row;
              if (from.flattenedFrom !== undefined) {
                const [c, h, w] = from.flattenedFrom;
                const channel = row % c;
                const position = Math.floor(row / c);
                source = channel * h * w + position;
              }
              for (let unit = 0; unit < units; unit++) {
                dense.kernel!.data[row * units + unit] = folded.scale[unit]! * alpha * weight.values[isTransposed ? unit * inputSize + source : source * units + unit]!;
              }
            }
            if (dense.useBias) {
              for (let unit = 0; unit < units; unit++) {
                const onnxBias = bias === null ? 0 : beta * bias.values[bias.values.length === 1 ? 0 : unit]!;
                dense.bias!.data[unit] = folded.scale[unit]! * onnxBias + folded.shift[unit]!;
              }
            }
          });
          break;
        }
        case 'Add':
        case 'Sum':
        case 'Mul': {
          const names = node.input ?? [];
          const constantIndex = names.findIndex((name) => constants.has(name));
          if (constantIndex === -1) {
            const from = names.map((_, index) => read(index));
            const layouts = new Set(from.map(layoutOf));
            if (layouts.size > 1) throw new FileFormatError(file, `${label}: its inputs are laid out differently (${[...layouts].join(', ')})`);
            result = apply(op === 'Mul' ? new Multiply() : new Add(), from);
            break;
          }
          if (names.length !== 2) throw new FileFormatError(file, `${label}: a constant is ${op === 'Mul' ? 'multiplied' : 'added'} only with one other input`);
          const fromName = names[1 - constantIndex]!;
          const from = read(1 - constantIndex);
          const kind = op === 'Mul' ? 'scale' : 'shift';
          const perChannel = perChannelConstant(constant(names[constantIndex]!, node), from, label, file);
          if (from.kind === 'vector') {
            if (from.dense?.output !== fromName || readers.count(fromName) !== 1) {
              throw new FileFormatError(file, `${label}: a constant ${kind === 'scale' ? 'factor' : 'term'} on a vector is imported only right after the Gemm or MatMul that computes it, as its one reader`);
            }
            result = { ...from, dense: foldIntoDense(from.dense, kind, perChannel, output, label, file) };
          } else {
            result = depthwiseAffine(kind, perChannel, from, apply, (fill) => fills.push(fill));
          }
          break;
        }
        case 'Concat': {
          const from = (node.input ?? []).map((_, index) => read(index));
          if (from.some((value) => value.flattenedFrom !== undefined)) {
            throw new FileFormatError(file, `${label}: vectors flattened from NCHW maps are not concatenated (their order differs from ours); concatenate the maps, then flatten`);
          }
          const axis = intOf(attributes, 'axis', 1);
          const isChannelsLast = from[0]!.kind === 'vector' || from[0]!.layout === 'NHWC';
          const channelAxes = from[0]!.kind === 'vector' ? [1, -1] : isChannelsLast ? [3, -1] : [1, -3];
          if (!channelAxes.includes(axis) || from.some((value) => value.kind !== from[0]!.kind || value.layout !== from[0]!.layout)) {
            throw new FileFormatError(file, `${label}: only channels (axis ${channelAxes[0]} here) of inputs in one layout are concatenated, got axis ${axis}`);
          }
          result = apply(new Concatenate(), from);
          break;
        }
        case 'Pad': {
          const pads = (node.input ?? []).length > 1 ? Array.from(constant(node.input![1]!, node).values) : intsOf(attributes, 'pads', []);
          const fillName = (node.input ?? [])[2];
          if (fillName !== undefined && fillName !== '' && constant(fillName, node).values.some((value) => value !== 0)) {
            throw new FileFormatError(file, `${label}: only zero padding is imported`);
          }
          const mode = attributes.get('mode')?.s;
          const from = read(0);
          // [top, bottom, left, right] from ONNX's [begin of each axis..., end of each axis...].
          const [heightAxis, widthAxis] = from.layout === 'NHWC' ? [1, 2] : [2, 3];
          const untouched = [0, 1, 2, 3].filter((axis) => axis !== heightAxis && axis !== widthAxis);
          if ((mode !== undefined && mode !== null && new TextDecoder().decode(mode) !== 'constant') || pads.length !== 8 || from.kind !== 'maps' || untouched.some((axis) => pads[axis] !== 0 || pads[axis + 4] !== 0)) {
            throw new FileFormatError(file, `${label}: only zero padding of height and width is imported`);
          }
          result = apply(new ZeroPadding2D({ padding: [pads[heightAxis]!, pads[heightAxis + 4]!, pads[widthAxis]!, pads[widthAxis + 4]!] }), from);
          break;
        }
        case 'Softmax': {
          const from = read(0);
          if (from.kind !== 'vector') throw new FileFormatError(file, `${label}: softmax over feature maps is not imported`);
          result = apply(new Softmax(), from);
          break;
        }
        case 'Dropout': {
          // Identity at inference; kept as a layer so that fine-tuning the imported model drops out as trained.
          // Opset 12 and later give the ratio as an (optional) input, earlier opsets as an attribute.
          const ratioName = (node.input ?? [])[1];
          const rate = ratioName !== undefined && ratioName !== '' ? scalarOf(ratioName, node) : floatOf(attributes, 'ratio', 0.5);
          result = rate === 0 ? read(0) : apply(new Dropout({ rate }), read(0));
          break;
        }
        case 'Identity':
          result = read(0);
          break;
        default:
          throw new FileFormatError(file, `${label}: operator ${op} is not supported; imported operators: ${ONNX_IMPORT_OPERATORS.join(', ')}, and shape arithmetic on constants`);
      }
    } catch (error) {
      if (error instanceof FileFormatError) throw error;
      if (error instanceof ConvNetError) throw new FileFormatError(file, `${label}: ${error.message}`);
      throw error;
    }
    values.set(output, result);
  }
  const outputName = graph.output![0]!.name ?? '';
  const last = values.get(outputName);
  if (last === undefined) throw new FileFormatError(file, `output '${outputName}' is not computed by any node`);
  let model: Model;
  try {
    model = new Model({ inputs: input.output, outputs: last.tensor });
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(file, error.message);
    throw error;
  }
  for (const fill of fills) fill();
  checkFiniteWeights(model, file);
  setImportedClassNames(model, proto, file);
  return { model, onnxInputShape: inputDims, inputLayout };
}

/** How errors name a node: its name, or its first output's where it has none (names are optional in ONNX). */
function nodeLabel(node: Onnx.INodeProto): string {
  return `node '${node.name || (node.output ?? [])[0] || '(unnamed)'}' (${node.opType ?? ''})`;
}

/**
 * model.classNames from the file's metadata 'classNames' (as exportOnnx writes it: a JSON list of one
 * string per class), when it has one; FileFormatError when that entry is not such a list.
 */
function setImportedClassNames(model: Model, proto: Onnx.ModelProto, file: string): void {
  const entry = (proto.metadataProps ?? []).find((property) => property.key === ONNX_CLASS_NAMES_KEY);
  if (entry === undefined) return;
  let names: unknown;
  try {
    names = JSON.parse(entry.value ?? '');
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || names.length !== model.classes || !names.every((name) => typeof name === 'string')) {
    throw new FileFormatError(file, `metadata '${ONNX_CLASS_NAMES_KEY}' must be a JSON list of ${model.classes} strings, one per class`);
  }
  model.setClassNames(names as string[]);
}

/** Who reads each value of `graph`, and which values are constants once their node has run. */
function graphReaders(graph: Onnx.IGraphProto): GraphReaders {
  const nodes = new Map<string, Onnx.INodeProto[]>();
  const constants = new Set((graph.initializer ?? []).map((tensor) => tensor.name ?? ''));
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) {
      const readers = nodes.get(name);
      if (readers === undefined) nodes.set(name, [node]);
      else readers.push(node);
    }
    // In node order, as the importer meets them: a Constant may come after the Gemm its value is added to.
    if (node.opType === 'Constant' || isFoldable(node, (name) => constants.has(name))) constants.add((node.output ?? [])[0] ?? '');
  }
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  return {
    nodesOf: (name) => nodes.get(name) ?? [],
    count: (name) => (nodes.get(name)?.length ?? 0) + (outputs.has(name) ? 1 : 0),
    isConstant: (name) => constants.has(name),
  };
}

/**
 * Whether a 4-D graph input is channels last: what tf2onnx writes for a Keras model, whose input is
 * transposed to NCHW ([0, 3, 1, 2]) before any channels-first operator, possibly after elementwise
 * ones (the Mul of a Rescaling layer). Followed through the operators that keep the layout; any other
 * reader (Conv, pooling, a transpose to NHWC) means NCHW, PyTorch's layout, as does a graph with none.
 */
function isChannelsLastInput(name: string, readers: GraphReaders): boolean {
  let isTransposedToNchw = false;
  const pending = [name];
  const seen = new Set(pending);
  while (pending.length > 0) {
    for (const node of readers.nodesOf(pending.pop()!)) {
      const op = node.opType ?? '';
      if (op === 'Transpose' && intsOf(attributesOf(node), 'perm', []).join() === '0,3,1,2') {
        isTransposedToNchw = true;
      } else if (LAYOUT_KEEPING_OPERATORS.has(op)) {
        const output = (node.output ?? [])[0] ?? '';
        if (!seen.has(output)) pending.push(output);
        seen.add(output);
      } else if (op !== 'Flatten' && op !== 'Reshape') {
        // A flatten reads our order for NHWC and reorders for NCHW, so either layout imports it right.
        return false;
      }
    }
  }
  return isTransposedToNchw;
}

/** How a value is laid out, for the check that elementwise operators join values laid out alike. */
function layoutOf(value: Value): string {
  if (value.kind === 'maps') return value.layout ?? 'NCHW';
  return value.flattenedFrom === undefined ? 'vector' : 'vector flattened from NCHW';
}

/**
 * Whether the value `name` is read only by a chain of constant Muls ending in a constant Add (a bias
 * to fold): the condition under which the Add and Mul case folds them, decided before the Dense exists.
 */
function addsConstantAfter(name: string, readers: GraphReaders): boolean {
  // A hostile file may write a value its own reader reads: `seen` ends such a cycle.
  const seen = new Set<string>();
  for (let current = name; !seen.has(current);) {
    seen.add(current);
    const node = readers.nodesOf(current)[0];
    if (readers.count(current) !== 1 || node === undefined || !['Add', 'Sum', 'Mul'].includes(node.opType ?? '')) return false;
    const inputs = node.input ?? [];
    if (inputs.length !== 2 || !inputs.some((input) => input !== current && readers.isConstant(input))) return false;
    if (node.opType !== 'Mul') return true;
    current = (node.output ?? [])[0] ?? '';
  }
  return false;
}

/**
 * The values of a constant Mul or Add operand, one per channel of `from`: a scalar (of any shape of
 * ones), or one value per channel laid out to broadcast over the channels ([c, 1, 1] for NCHW maps, [c]
 * for NHWC maps and vectors). A constant of higher rank than `from` would add axes, so it is refused.
 */
function perChannelConstant(operand: { dims: number[]; values: Float64Array }, from: Value, label: string, file: string): Float64Array {
  const { dims, values } = operand;
  const rank = from.kind === 'maps' ? 4 : 2;
  const channels = from.tensor.shape.at(-1)!;
  const significant = dims.filter((extent) => extent !== 1);
  const isPerChannel = values.length === channels && significant.length <= 1 && (from.kind === 'maps' && (from.layout ?? 'NCHW') === 'NCHW'
    ? dims.length >= 3 && dims.slice(-2).every((extent) => extent === 1) && dims.at(-3) === channels
    : dims.at(-1) === channels);
  if (dims.length > rank || !(values.length === 1 || isPerChannel)) {
    throw new FileFormatError(file, `${label}: a constant of dims [${dims.join(', ')}] is not a scalar or one value per channel (${channels}) of a rank-${rank} value`);
  }
  return Float64Array.from({ length: channels }, (_, index) => values[values.length === 1 ? 0 : index]!);
}

/** The Dense fold after one more constant factor (scale) or term (shift), now computing `output`. */
function foldIntoDense(dense: DenseFold, kind: 'scale' | 'shift', perChannel: Float64Array, output: string, label: string, file: string): DenseFold {
  // Unreachable while addsConstantAfter agrees with the Add and Mul case; a term must never be dropped.
  if (kind === 'shift' && !dense.layer.useBias) throw new FileFormatError(file, `${label}: cannot fold the term into a Dense made without a bias`);
  for (let unit = 0; unit < perChannel.length; unit++) {
    if (kind === 'scale') {
      dense.scale[unit]! *= perChannel[unit]!;
      dense.shift[unit]! *= perChannel[unit]!;
    } else {
      dense.shift[unit]! += perChannel[unit]!;
    }
  }
  return { ...dense, output };
}

/** A constant scale or shift per channel of feature maps, as a depthwise 1x1 convolution (exact, and trainable). */
function depthwiseAffine(kind: 'scale' | 'shift', perChannel: Float64Array, from: Value, apply: (layer: Layer, from: Value) => Value, fillAfterBuild: (fill: () => void) => void): Value {
  const channels = perChannel.length;
  const conv = new Conv2D({ filters: channels, kernelSize: 1, groups: channels, useBias: kind === 'shift' });
  const result = apply(conv, from);
  fillAfterBuild(() => {
    // A depthwise 1x1 filter is [1, 1, 1, channels]: one factor per channel.
    conv.kernel!.data.set(kind === 'scale' ? perChannel : new Float64Array(channels).fill(1));
    if (kind === 'shift') conv.bias!.data.set(perChannel);
  });
  return result;
}

/**
 * A batch laid out as the ONNX model's input (ImportedOnnx.inputLayout) as the NHWC batch the
 * imported model takes: an NCHW batch is transposed; NHWC batches and vectors pass through.
 */
export function importedInput(batch: Tensor, layout: ImportedOnnx['inputLayout'] = 'NCHW'): Tensor {
  if (batch.rank !== 4 || layout !== 'NCHW') return batch;
  const [n, c, h, w] = batch.shape as [number, number, number, number];
  const values = batch.data instanceof Float32Array ? batch.data : Float32Array.from(batch.data);
  return new Tensor(toChannelsLast(values, h, w, c), [n, h, w, c]);
}
