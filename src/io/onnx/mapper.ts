// The contract between the graph walk (importOnnx.ts) and the mappers (mappers/*.ts): what a mapper
// is given for one node, and what it returns. A mapper reads its inputs through the context, builds
// ConvNet.ts layers with `apply` (which names them, counts them and checks the graph's bounds), and
// queues the copy of the ONNX weights into them with `afterBuild` (weights exist once the Model has
// built every layer). It throws FileFormatError (or any ConvNetError) naming `label` for what it refuses.

import type { onnx as Onnx } from 'onnx-proto';
import type { Layer } from '../../layers/layer.js';
import type { Attributes } from './attributes.js';
import type { ConstantValue } from './constants.js';
import type { GraphReaders } from './graphReaders.js';
import type { Value } from './layout.js';

/** What a mapper is given for one node. */
export interface OnnxNodeContext {
  readonly node: Onnx.INodeProto;
  /** The operator (node.opType). */
  readonly op: string;
  /** The node as errors name it: "node 'conv1' (Conv)". */
  readonly label: string;
  /** The file as errors name it. */
  readonly file: string;
  readonly attributes: Attributes;
  /** The name of the node's first output: what the mapper's result is stored as. */
  readonly output: string;
  /** Who reads each value, for look-ahead (a constant Add folding into the Dense before it). */
  readonly readers: GraphReaders;
  /** The name of input `index`, '' where the node leaves it out. */
  inputName(index: number): string;
  /** The number of inputs the node names (an empty name counts). */
  readonly inputCount: number;
  /** Input `index` as a computed value (maps or vector); FileFormatError if it is not computed before the node. */
  read(index: number): Value;
  /** Input `index`, which this channels-first operator must see as NCHW maps (or a vector). */
  nchw(index: number): Value;
  /** Whether value `name` is a constant (an initializer, a Constant node's value, a folded one). */
  isConstant(name: string): boolean;
  /** Constant `name`; FileFormatError if it is not a constant. */
  constant(name: string): ConstantValue;
  /**
   * The dims of constant `name`, checked against the values it holds (without decoding float32 raw bytes);
   * FileFormatError if it is not a constant or its values do not fill its dims.
   */
  constantDims(name: string): number[];
  /**
   * Calls `visit` with each run of `rowLength` values of constant `name` and its index, the run valid only during
   * the call: for weights copied into a layer, without a whole copy of the file's misaligned bytes.
   */
  forEachConstantRun(name: string, rowLength: number, visit: (run: ArrayLike<number>, index: number) => void): void;
  /** Constant `name` that holds one value (Clip's bounds, Dropout's ratio). */
  scalarOf(name: string): number;
  /**
   * Applies `layer` to `from` (one value, or several for a merge), returning the value it computes, of
   * `kind` (by default the first input's); maps keep the first input's layout, vectors its flatten order.
   */
  apply(layer: Layer, from: Value | Value[], kind?: Value['kind']): Value;
  /** Runs `fill` once the Model has built every layer's weights (to copy the ONNX weights in). */
  afterBuild(fill: () => void): void;
}

/**
 * What a mapper makes of a node: a computed value, a constant (shape arithmetic folded at import), or
 * one computed value per output for nodes with several (Split).
 */
export type MapperResult = Value | { constant: ConstantValue } | { outputs: Value[] };

/** Maps one node to ConvNet.ts layers. */
export type OnnxMapper = (context: OnnxNodeContext) => MapperResult;

/** An entry of the operator table (operators.ts). */
export interface OnnxOperator {
  map: OnnxMapper;
  /**
   * True for elementwise operators after which a value keeps the layout it had: followed from a
   * 4-D graph input to find the transpose that shows whether it is channels last (isChannelsLastInput).
   */
  keepsLayout?: boolean | undefined;
}
