// ONNX import: CNNs as PyTorch and Keras export them become channels-last ConvNet.ts models. Here: the
// graph walk and value bookkeeping; layout.ts the layout reasoning, constants.ts constants and folding,
// operators.ts the operator -> mapper table (mappers/; how to add one is written there). Decoding uses
// onnx-proto once io/onnxWireScan.ts has bounded its memory and recursion; every problem is a
// FileFormatError naming the node.

import { onnxProto } from '#dependency/onnxProto';
import type { onnx as Onnx } from 'onnx-proto';
import { ConvNetError, FileFormatError, ValueError } from '../../core/errors.js';
import {
  MAX_FEATURE_MAP_ELEMENTS,
  MAX_FOLDED_CONSTANT_BYTES,
  MAX_MODEL_LAYERS,
  MAX_ONNX_OUTPUTS,
} from '../../core/limits.js';
import { sizeOf } from '../../core/shape.js';
import { Input } from '../../layers/input.js';
import type { Layer } from '../../layers/layer.js';
import { GraphTally } from '../../model/graphLimits.js';
import { Model } from '../../model/model.js';
import { checkPreprocessing } from '../../image/preprocessing.js';
import { ONNX_CLASS_NAMES_KEY, ONNX_PREPROCESSING_KEY } from '../onnxExport.js';
import { checkOnnxWire } from '../onnxWireScan.js';
import { checkFiniteWeights } from '../weightChecks.js';
import { attributesOf, nodeLabel, toNumber } from './attributes.js';
import { Constants, foldConstant, isFoldable } from './constants.js';
import { graphReaders, type GraphReaders } from './graphReaders.js';
import { isChannelsLastInput, type OnnxInputLayout, type OnnxLayout, type Value } from './layout.js';
import type { MapperResult, OnnxNodeContext } from './mapper.js';
import { isPendingGelu } from './mappers/geluPattern.js';
import { isPendingLayerNorm } from './mappers/layerNormPattern.js';
import { ONNX_IMPORT_OPERATORS, OPERATORS } from './operators.js';

/** onnx-proto's generated classes: required on first use in Node, a static import in a bundle (src/dependencies/). */
const onnx = () => onnxProto().onnx;

/** What importOnnx returns: the model and how the ONNX graph was read. */
export interface ImportedOnnx {
  /** Runs channels last; feed it importedInput(batch, inputLayout) for a batch laid out as the ONNX input. */
  model: Model;
  /** The ONNX input's shape without the batch: [c, h, w] (NCHW), [h, w, c] (NHWC) or [features]. */
  onnxInputShape: number[];
  /** The ONNX input's layout: 'NCHW' (PyTorch), 'NHWC' (Keras through tf2onnx), or 'features' for vectors. */
  inputLayout: OnnxInputLayout;
  /**
   * Each graph output by name (model.outputNames, in the file's order; the first is model's output,
   * the rest come from model.forwardOutputs / predictOutputs): how ONNX lays it out. The model gives
   * maps channels last whatever this says: 'NCHW' ones need a transpose to match the file's.
   */
  outputLayouts: Record<string, OnnxLayout | 'vector'>;
  /** What each node of the graph became, in graph order (what `convnet inspect` prints). */
  nodes: OnnxNodeTrace[];
}

/**
 * One ONNX node and what the import made of it: 'layers' (the layers it made, named after it),
 * 'folded' (shape arithmetic computed at import), 'constant' (a Constant node), 'passed through'
 * (Identity, Dropout: no layer, its input goes on), or 'fused into <layer>' (no layer of its own, merged
 * into the one that computes its input, as a constant Add into the Dense before it).
 */
export interface OnnxNodeTrace {
  /** The node's name in the graph ('' where it has none). */
  name: string;
  /** The node's operator, e.g. 'Conv'. */
  opType: string;
  /** What the import made of it (see above). */
  became: 'layers' | 'folded' | 'constant' | 'passed through' | 'fused';
  /** The layers made ('layers'), or the one it merged into ('fused'). */
  layers: {
    /** The layer's name. */
    name: string;
    /** The layer's class name, e.g. 'Conv2D'. */
    className: string;
  }[];
  /** The output's shape without the batch, as this library holds it (maps [h, w, c]; a constant's dims). */
  outputShape: number[];
}

/** One operator the importer has no mapper for: how many nodes use it, and the first of them. */
export interface UnsupportedOnnxOperator {
  /** The operator, e.g. 'LSTM'. */
  opType: string;
  /** Nodes of the graph that use it. */
  count: number;
  /** The name of the first such node, in graph order. */
  firstNode: string;
}

/** The FileFormatError of a graph with operators the importer does not map, listing each (in graph order). */
export class UnsupportedOperatorsError extends FileFormatError {
  constructor(
    file: string,
    detail: string,
    /** Each operator the importer does not map, with its count and first node, in graph order. */
    readonly operators: readonly UnsupportedOnnxOperator[],
  ) {
    super(file, detail);
  }
}

/**
 * Imports an ONNX CNN (float32, one input, one or more outputs: see outputLayouts; an NCHW input as PyTorch writes it,
 * or an NHWC one transposed to NCHW as tf2onnx writes Keras models): see ONNX_IMPORT_OPERATORS. Throws
 * FileFormatError naming every unsupported operator with its count and first node, or anything it
 * cannot read; also for a file past the resource limits (core/limits.ts: memory to decode it, nesting,
 * nodes, layers, bytes made by constant folding, a declared input or any layer's output too large, too
 * many multiply-adds), naming the node and the limit before anything is allocated, and for NaN or
 * infinite weights. The model's classNames come from the metadata 'classNames' when the file has it
 * (exportOnnx writes it); model.output is 'probabilities' when the graph ends in Softmax, 'logits' otherwise.
 *
 * @example
 * const { model, inputLayout } = importOnnx(readFileSync('resnet.onnx'), 'resnet.onnx');
 * const scores = model.predict(importedInput(batch, inputLayout)); // logits unless the graph ends in Softmax: see
 * model.output
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
  const outputCount = (graph.output ?? []).length;
  if (inputs.length !== 1 || outputCount < 1 || outputCount > MAX_ONNX_OUTPUTS) {
    throw new FileFormatError(
      file,
      `has ${inputs.length} inputs and ${outputCount} outputs; one input and 1 to ${MAX_ONNX_OUTPUTS} ` +
        `outputs are imported`,
    );
  }
  const inputDims = (inputs[0]!.type?.tensorType?.shape?.dim ?? []).slice(1).map((dim) => toNumber(dim.dimValue ?? 0));
  if (
    !(
      (inputDims.length === 3 || inputDims.length === 1) &&
      inputDims.every((extent) => Number.isInteger(extent) && extent > 0)
    )
  ) {
    throw new FileFormatError(
      file,
      `input '${inputs[0]!.name}' must be [batch, C, H, W] or [batch, features] with fixed sizes, got ` +
        `[batch, ${inputDims.join(', ')}]`,
    );
  }
  // Before anything is sized from them: a 100000x100000 input would be allocated by the first image fitted to it.
  if (!(sizeOf(inputDims) <= MAX_FEATURE_MAP_ELEMENTS)) {
    throw new FileFormatError(
      file,
      `input '${inputs[0]!.name}' declares [batch, ${inputDims.join(', ')}]: ` +
        `${sizeOf(inputDims).toLocaleString('en-US')} values per example, more than the ` +
        `${MAX_FEATURE_MAP_ELEMENTS.toLocaleString('en-US')} one feature map may have`,
    );
  }
  // Who reads each value: the readers of the graph input reveal its layout (isChannelsLastInput), and a
  // constant Add or Mul folds into a Dense only when that Dense's output has no other reader.
  const readers = graphReaders(graph);
  const inputName = inputs[0]!.name ?? '';
  const keepsLayout = (op: string) => OPERATORS.get(op)?.keepsLayout === true;
  const inputLayout: OnnxInputLayout =
    inputDims.length === 1 ? 'features' : isChannelsLastInput(inputName, readers, keepsLayout) ? 'NHWC' : 'NCHW';
  let input: Input;
  try {
    input = new Input({ shape: inputLayout === 'NCHW' ? [inputDims[1]!, inputDims[2]!, inputDims[0]!] : inputDims });
  } catch (error) {
    if (error instanceof ConvNetError)
      throw new FileFormatError(file, `input '${inputName}' (${inputLayout}): ${error.message}`);
    throw error;
  }
  refuseUnsupportedOperators(graph, readers, file);
  const values = new Map<string, Value>([
    [
      inputName,
      {
        tensor: input.output,
        ...(inputDims.length === 3 ? { kind: 'maps', layout: inputLayout as OnnxLayout } : { kind: 'vector' }),
      },
    ],
  ]);
  // Writers of the imported weights: they run once the Model has built (allocated) every layer's weights.
  const fills: (() => void)[] = [];
  // The graph's bounds, checked as each layer is applied, so the error names the node (Model checks them again).
  const tally = new GraphTally();
  tally.add(input, input.shape, input.shape, `input '${inputName}' `);
  let layerCount = 1;
  const layerNames = new Set<string>();
  const trace = new Map<Onnx.INodeProto, OnnxNodeTrace>();
  // Nodes whose value is a pattern under way (GELU, layer normalization): fused into the layer that ends it.
  const pendingNodes = new Set<Onnx.INodeProto>();
  let nodeLayers: Layer[] = [];

  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const label = nodeLabel(node);
    const attributes = attributesOf(node);
    const output = (node.output ?? [])[0] ?? '';
    const traced = { name: node.name ?? '', opType: op };
    nodeLayers = [];
    const folded = foldConstant(node, constants, file, label);
    if (folded !== null) {
      constants.setFolded(output, folded);
      trace.set(node, { ...traced, became: 'folded', layers: [], outputShape: [...folded.dims] });
      continue;
    }
    if (op === 'Constant') {
      // A constant made by a node (PyTorch writes Reshape shapes and Pad amounts so): an initializer.
      const value = attributes.get('value')?.t;
      if (value === null || value === undefined)
        throw new FileFormatError(file, `${label}: only a tensor 'value' is read`);
      constants.setStored(output, { ...value, name: output });
      trace.set(node, { ...traced, became: 'constant', layers: [], outputShape: (value.dims ?? []).map(toNumber) });
      continue;
    }
    const operator = OPERATORS.get(op);
    if (operator === undefined)
      throw new FileFormatError(
        file,
        `${label}: operator ${op} is not supported; imported operators: ` +
          `${ONNX_IMPORT_OPERATORS.join(', ')}, and shape arithmetic on constants`,
      );
    const inputNames = node.input ?? [];
    const constant = (name: string) => {
      const value = constants.get(name);
      if (value === undefined)
        throw new FileFormatError(file, `${label}: input '${name}' must be a constant (initializer)`);
      return value;
    };
    const read = (index: number): Value => {
      const value = values.get(inputNames[index] ?? '');
      if (value === undefined)
        throw new FileFormatError(file, `${label}: input '${inputNames[index]}' is not computed before it`);
      return value;
    };
    const context: OnnxNodeContext = {
      node,
      op,
      label,
      file,
      attributes,
      output,
      readers,
      inputCount: inputNames.length,
      inputName: (index) => inputNames[index] ?? '',
      read,
      nchw: (index) => {
        const value = read(index);
        if (value.kind === 'maps' && value.layout === 'NHWC')
          throw new FileFormatError(
            file,
            `${label}: reads '${inputNames[index]}' channels last (NHWC), but ONNX's ${op} takes NCHW`,
          );
        return value;
      },
      isConstant: (name) => constants.has(name),
      constant,
      constantDims: (name) => {
        if (!constants.has(name))
          throw new FileFormatError(file, `${label}: input '${name}' must be a constant (initializer)`);
        return constants.checkedDimsOf(name);
      },
      forEachConstantRun: (name, rowLength, visit) => constants.forEachRun(name, rowLength, visit),
      scalarOf: (name) => {
        const { dims, values: scalar } = constant(name);
        if (scalar.length !== 1)
          throw new FileFormatError(file, `${label}: input '${name}' of dims [${dims.join(', ')}] must be one value`);
        return scalar[0]!;
      },
      apply: (
        layer: Layer,
        from: Value | Value[],
        kind: Value['kind'] = Array.isArray(from) ? from[0]!.kind : from.kind,
      ): Value => {
        // Named after the node; a second layer of the same node (a padding before a pooling) gets a suffix.
        const base = (node.name || output).replace(/[^A-Za-z0-9_.-]/g, '_');
        let name = base;
        for (let suffix = 2; layerNames.has(name); suffix++) name = `${base}_${suffix}`;
        layerNames.add(name);
        layer.name = name;
        nodeLayers.push(layer);
        const first = Array.isArray(from) ? from[0]! : from;
        if (++layerCount > MAX_MODEL_LAYERS)
          throw new ValueError(
            `the graph makes more than the ${MAX_MODEL_LAYERS.toLocaleString('en-US')} layers a model may have`,
          );
        const tensor = layer.apply(Array.isArray(from) ? from.map((value) => value.tensor) : from.tensor);
        tally.add(layer, first.tensor.shape, tensor.shape, 'output ');
        // Elementwise layers keep the layout the graph sees (the channels-first operators require NCHW, see
        // nchw) and the order of a vector flattened channels first (Gemm and Flatten set their own).
        if (kind === 'maps') return { tensor, kind, ...(first.layout !== undefined ? { layout: first.layout } : {}) };
        return {
          tensor,
          kind,
          ...(first.kind === 'vector' && first.flattenedFrom !== undefined
            ? { flattenedFrom: first.flattenedFrom }
            : {}),
        };
      },
      afterBuild: (fill) => fills.push(fill),
    };
    try {
      const result = operator.map(context);
      if ('constant' in result) constants.setFolded(output, result.constant);
      else if ('outputs' in result)
        result.outputs.forEach((value, index) => {
          values.set(node.output![index] ?? '', value);
        });
      else values.set(output, result);
      // A node that made no layer but read float constants merged them into the layer before it.
      const readsWeights =
        op !== 'Dropout' && inputNames.some((name) => name !== '' && constants.has(name) && !constants.isInteger(name));
      trace.set(node, traceOf(traced, result, nodeLayers, readsWeights));
      if (
        !('constant' in result) &&
        !('outputs' in result) &&
        nodeLayers.length === 0 &&
        (isPendingGelu(result) || isPendingLayerNorm(result))
      )
        pendingNodes.add(node);
    } catch (error) {
      if (error instanceof FileFormatError) throw error;
      if (error instanceof ConvNetError) throw new FileFormatError(file, `${label}: ${error.message}`);
      throw error;
    }
  }
  const outputNames = graph.output!.map((output) => output.name ?? '');
  const outputValues = outputNames.map((outputName) => {
    const value = values.get(outputName);
    if (value === undefined) throw new FileFormatError(file, `output '${outputName}' is not computed by any node`);
    return value;
  });
  if (new Set(outputValues.map((value) => value.tensor)).size !== outputValues.length)
    throw new FileFormatError(file, `outputs [${outputNames.join(', ')}] are not all different values`);
  let model: Model;
  try {
    model = new Model({ inputs: input.output, outputs: outputValues.map((value) => value.tensor) }, { outputNames });
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(file, error.message);
    throw error;
  }
  for (const fill of fills) fill();
  checkFiniteWeights(model, file);
  setImportedClassNames(model, proto, file);
  setImportedPreprocessing(model, proto, file);
  const outputLayouts = Object.fromEntries(
    outputValues.map(
      (value, index) => [outputNames[index]!, value.kind === 'maps' ? (value.layout ?? 'NCHW') : 'vector'] as const,
    ),
  );
  return {
    model,
    onnxInputShape: inputDims,
    inputLayout,
    outputLayouts,
    nodes: resolvePatterns(graph, readers, trace, pendingNodes),
  };
}

/**
 * The trace with each node that began or continued a pattern imported as one layer (the five nodes of
 * an Erf-form GELU, the seven of a decomposed layer normalization: `pending`) listed as fused into the
 * layers of the node that completed it, found by following its output's readers.
 */
function resolvePatterns(
  graph: Onnx.IGraphProto,
  readers: GraphReaders,
  trace: ReadonlyMap<Onnx.INodeProto, OnnxNodeTrace>,
  pending: ReadonlySet<Onnx.INodeProto>,
): OnnxNodeTrace[] {
  const completedBy = (start: Onnx.INodeProto): OnnxNodeTrace | undefined => {
    const seen = new Set<Onnx.INodeProto>();
    const queue = [start];
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      if (seen.has(node)) continue;
      seen.add(node);
      const record = trace.get(node);
      if (node !== start && record?.became === 'layers') return record;
      for (const output of node.output ?? []) queue.push(...readers.nodesOf(output));
    }
    return undefined;
  };
  return (graph.node ?? []).flatMap((node) => {
    const record = trace.get(node);
    if (record === undefined) return [];
    if (!pending.has(node)) return [record];
    return [{ ...record, became: 'fused' as const, layers: completedBy(node)?.layers ?? [] }];
  });
}

/** The trace record of a node a mapper handled: its layers, or where its value came from. */
function traceOf(
  traced: { name: string; opType: string },
  result: MapperResult,
  layers: readonly Layer[],
  readsWeights: boolean,
): OnnxNodeTrace {
  const describe = (layer: Layer) => ({ name: layer.name, className: layer.className });
  if ('constant' in result) return { ...traced, became: 'folded', layers: [], outputShape: [...result.constant.dims] };
  const value = 'outputs' in result ? result.outputs[0] : result;
  const outputShape = value === undefined ? [] : [...value.tensor.shape];
  if (layers.length > 0) return { ...traced, became: 'layers', layers: layers.map(describe), outputShape };
  if (value === undefined || !readsWeights) return { ...traced, became: 'passed through', layers: [], outputShape };
  return { ...traced, became: 'fused', layers: [describe(value.tensor.layer)], outputShape };
}

/**
 * Throws FileFormatError naming every operator of `graph` that the importer has no mapper for, with
 * its count and first node (the first one leading), before any layer is made: one look at the error
 * says what a model needs. Shape arithmetic on constants (folded at import) is not counted.
 */
function refuseUnsupportedOperators(graph: Onnx.IGraphProto, readers: GraphReaders, file: string): void {
  const unsupported = new Map<string, { count: number; first: Onnx.INodeProto }>();
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    if (OPERATORS.has(op) || op === 'Constant' || isFoldable(node, readers.isConstant)) continue;
    const entry = unsupported.get(op);
    if (entry === undefined) unsupported.set(op, { count: 1, first: node });
    else entry.count++;
  }
  if (unsupported.size === 0) return;
  const [firstOp, { first }] = [...unsupported][0]!;
  const operators = [...unsupported].map(([opType, { count, first: node }]) => ({
    opType,
    count,
    firstNode: node.name || (node.output ?? [])[0] || '',
  }));
  const list = [...unsupported].map(
    ([op, { count, first: node }]) =>
      `${op} (${count} node${count === 1 ? '' : 's'}, first ${nodeLabel(node).replace(/ \(.*\)$/, '')})`,
  );
  throw new UnsupportedOperatorsError(
    file,
    `${nodeLabel(first)}: operator ${firstOp} is not supported; unsupported operators in this graph: ` +
      `${list.join(', ')}; ` +
      `imported operators: ${ONNX_IMPORT_OPERATORS.join(', ')}, and shape arithmetic on constants`,
    operators,
  );
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
    throw new FileFormatError(
      file,
      `metadata '${ONNX_CLASS_NAMES_KEY}' must be a JSON list of ${model.classes} strings, one per class`,
    );
  }
  model.setClassNames(names as string[]);
}

/**
 * model.preprocessing from the file's metadata 'preprocessing' (as exportOnnx writes it: a JSON
 * Preprocessing record), when it has one; FileFormatError when that entry is not a valid one.
 */
function setImportedPreprocessing(model: Model, proto: Onnx.ModelProto, file: string): void {
  const entry = (proto.metadataProps ?? []).find((property) => property.key === ONNX_PREPROCESSING_KEY);
  if (entry === undefined) return;
  const input = model.layers[0] as Input;
  try {
    if (input.colorModel === null) throw new ValueError('the model takes feature vectors, not images');
    let record: unknown;
    try {
      record = JSON.parse(entry.value ?? '');
    } catch {
      throw new ValueError('is not JSON');
    }
    model.setPreprocessing(checkPreprocessing(record, input.shape[2]!));
  } catch (error) {
    if (error instanceof ValueError)
      throw new FileFormatError(file, `metadata '${ONNX_PREPROCESSING_KEY}': ${error.message}`);
    throw error;
  }
}
