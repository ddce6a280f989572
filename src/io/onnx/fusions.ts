// Rewrites of node patterns that exporters write for one operation into the one node it is, before
// the graph walk: the Erf form of GELU that PyTorch writes below opset 20, x * 0.5 * (1 + erf(x / sqrt 2)),
// becomes a Gelu node (ONNX's operator from opset 20), and the layer normalization PyTorch writes
// below opset 17 (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add) a LayerNormalization
// node. A pattern matches only where its intermediate values have no other reader and its constants
// are the exact ones (within float32 rounding); anything else is left as it is.

import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { constantOf } from './constants.js';

const { INT: ATTRIBUTE_INT, FLOAT: ATTRIBUTE_FLOAT } = onnxProto.onnx.AttributeProto.AttributeType;

/** How far a constant of a pattern may be from its exact value: float32 rounding. */
const CONSTANT_TOLERANCE = 1e-6;

/**
 * The graph's nodes with each Erf-form GELU replaced by one Gelu node (named after its Erf node) and
 * each decomposed layer normalization over the last axis by one LayerNormalization node.
 */
export function fuseNodes(graph: Onnx.IGraphProto, file: string): Onnx.INodeProto[] {
  const nodes = graph.node ?? [];
  if (!nodes.some((node) => node.opType === 'Erf' || node.opType === 'Sqrt')) return [...nodes];
  const readers = new Map<string, Onnx.INodeProto[]>();
  const producers = new Map<string, Onnx.INodeProto>();
  for (const node of nodes) {
    for (const name of node.input ?? []) {
      const found = readers.get(name);
      if (found === undefined) readers.set(name, [node]);
      else found.push(node);
    }
    for (const name of node.output ?? []) producers.set(name, node);
  }
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor]));
  /** The one value of constant `name` (an initializer or a Constant node's), or null. */
  const scalar = (name: string): number | null => {
    const producer = producers.get(name);
    const tensor = initializers.get(name) ?? (producer?.opType === 'Constant' ? producer.attribute?.find((attribute) => attribute.name === 'value')?.t : undefined);
    if (tensor === undefined || tensor === null) return null;
    const dims = (tensor.dims ?? []).map(Number);
    if (dims.some((extent) => extent !== 1)) return null;
    try {
      const { values } = constantOf(tensor, file);
      return values.length === 1 ? values[0]! : null;
    } catch {
      // A constant of a type not read here: no pattern (the walk names it if it matters).
      return null;
    }
  };
  const isNear = (name: string, value: number) => {
    const found = scalar(name);
    return found !== null && Math.abs(found - value) <= CONSTANT_TOLERANCE * Math.max(1, Math.abs(value));
  };
  /** The one reader of `name` when it has exactly one and is not a graph output. */
  const onlyReader = (name: string, op: string): Onnx.INodeProto | null => {
    const found = readers.get(name) ?? [];
    return found.length === 1 && !outputs.has(name) && found[0]!.opType === op ? found[0]! : null;
  };
  /** The input of a two-input `node` that is not `name`. */
  const other = (node: Onnx.INodeProto, name: string) => (node.input ?? []).find((input) => input !== name) ?? '';

  const replaced = new Map<Onnx.INodeProto, Onnx.INodeProto | null>();
  for (const erf of nodes) {
    if (erf.opType !== 'Erf') continue;
    const erfInput = (erf.input ?? [])[0] ?? '';
    const erfOutput = (erf.output ?? [])[0] ?? '';
    // x / sqrt(2), or x * (1 / sqrt(2))
    const scaled = producers.get(erfInput);
    if (scaled === undefined || onlyReader(erfInput, 'Erf') === null || (scaled.input ?? []).length !== 2) continue;
    const x = scaled.opType === 'Div' && isNear((scaled.input ?? [])[1] ?? '', Math.SQRT2)
      ? (scaled.input ?? [])[0]!
      : scaled.opType === 'Mul' ? (scaled.input ?? []).find((input) => isNear(other(scaled, input), Math.SQRT1_2)) : undefined;
    if (x === undefined || x === '') continue;
    // 1 + erf(...)
    const plusOne = onlyReader(erfOutput, 'Add');
    if (plusOne === null || !isNear(other(plusOne, erfOutput), 1)) continue;
    const plusOneOutput = (plusOne.output ?? [])[0] ?? '';
    // x * (1 + erf) * 0.5, in either order: (x * (1 + erf)) * 0.5 or x * ((1 + erf) * 0.5); or (x * 0.5) * (1 + erf).
    const first = onlyReader(plusOneOutput, 'Mul');
    if (first === null) continue;
    const firstOutput = (first.output ?? [])[0] ?? '';
    const firstOther = other(first, plusOneOutput);
    let last: Onnx.INodeProto | null = null;
    const removed: Onnx.INodeProto[] = [scaled, erf, plusOne, first];
    if (firstOther === x) {
      last = onlyReader(firstOutput, 'Mul');
      if (last === null || !isNear(other(last, firstOutput), 0.5)) continue;
      removed.push(last);
    } else if (isNear(firstOther, 0.5)) {
      last = onlyReader(firstOutput, 'Mul');
      if (last === null || other(last, firstOutput) !== x) continue;
      removed.push(last);
    } else {
      const half = producers.get(firstOther);
      if (half === undefined || half.opType !== 'Mul' || onlyReader(firstOther, 'Mul') !== first || !(half.input ?? []).includes(x) || !isNear(other(half, x), 0.5)) continue;
      last = first;
      removed.push(half);
    }
    if (removed.some((node) => replaced.has(node))) continue;
    const gelu: Onnx.INodeProto = { opType: 'Gelu', name: erf.name || erfOutput, input: [x], output: [(last.output ?? [])[0] ?? ''], attribute: [] };
    for (const node of removed) replaced.set(node, null);
    // In the place of the last node: every value it reads is computed by then.
    replaced.set(last, gelu);
  }
  /** Whether `node` is a ReduceMean over the last axis only, keeping it (the axes an attribute, or an input from opset 18). */
  const isLastAxisMean = (node: Onnx.INodeProto | undefined | null): node is Onnx.INodeProto => {
    if (node?.opType !== 'ReduceMean') return false;
    const attributes = new Map((node.attribute ?? []).map((attribute) => [attribute.name ?? '', attribute]));
    const keepDims = attributes.get('keepdims')?.i;
    if (keepDims !== undefined && keepDims !== null && Number(keepDims) !== 1) return false;
    const axesName = (node.input ?? [])[1];
    const axes = axesName !== undefined && axesName !== '' ? [scalar(axesName)] : (attributes.get('axes')?.ints ?? []).map(Number);
    return axes.length === 1 && axes[0] === -1;
  };
  for (const sqrt of nodes) {
    if (sqrt.opType !== 'Sqrt') continue;
    // std = sqrt(mean((x - mean(x))^2) + epsilon)
    const plusEpsilon = producers.get((sqrt.input ?? [])[0] ?? '');
    if (plusEpsilon?.opType !== 'Add' || onlyReader((plusEpsilon.output ?? [])[0] ?? '', 'Sqrt') !== sqrt) continue;
    const variance = (plusEpsilon.input ?? []).map((name) => producers.get(name)).find(isLastAxisMean);
    if (variance === undefined) continue;
    const varianceOutput = (variance.output ?? [])[0] ?? '';
    const epsilon = scalar(other(plusEpsilon, varianceOutput));
    if (epsilon === null || onlyReader(varianceOutput, 'Add') !== plusEpsilon) continue;
    const square = producers.get((variance.input ?? [])[0] ?? '');
    if (square?.opType !== 'Pow' || !isNear((square.input ?? [])[1] ?? '', 2) || onlyReader((square.output ?? [])[0] ?? '', 'ReduceMean') !== variance) continue;
    const centered = (square.input ?? [])[0] ?? '';
    const subtract = producers.get(centered);
    if (subtract?.opType !== 'Sub') continue;
    const [x, meanName] = (subtract.input ?? []) as [string, string];
    const mean = producers.get(meanName ?? '');
    if (!isLastAxisMean(mean) || (mean.input ?? [])[0] !== x || onlyReader(meanName, 'Sub') !== subtract) continue;
    // (x - mean) / std * gamma + beta
    const sqrtOutput = (sqrt.output ?? [])[0] ?? '';
    const divide = onlyReader(sqrtOutput, 'Div');
    const centeredReaders = readers.get(centered) ?? [];
    if (divide === null || (divide.input ?? [])[0] !== centered || centeredReaders.length !== 2 || !centeredReaders.includes(divide) || outputs.has(centered)) continue;
    const scale = onlyReader((divide.output ?? [])[0] ?? '', 'Mul');
    if (scale === null) continue;
    const gamma = other(scale, (divide.output ?? [])[0] ?? '');
    const shift = onlyReader((scale.output ?? [])[0] ?? '', 'Add');
    if (shift === null) continue;
    const beta = other(shift, (scale.output ?? [])[0] ?? '');
    const removed = [mean, subtract, square, variance, plusEpsilon, sqrt, divide, scale, shift];
    if (removed.some((node) => replaced.has(node))) continue;
    const layerNormalization: Onnx.INodeProto = {
      opType: 'LayerNormalization', name: mean.name || meanName, input: [x, gamma, beta], output: [(shift.output ?? [])[0] ?? ''],
      attribute: [{ name: 'axis', type: ATTRIBUTE_INT, i: -1 }, { name: 'epsilon', type: ATTRIBUTE_FLOAT, f: epsilon }],
    };
    for (const node of removed) replaced.set(node, null);
    replaced.set(shift, layerNormalization);
  }
  if (replaced.size === 0) return [...nodes];
  return nodes.flatMap((node) => {
    if (!replaced.has(node)) return [node];
    const replacement = replaced.get(node);
    return replacement === null || replacement === undefined ? [] : [replacement];
  });
}
