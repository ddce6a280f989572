// Rewrites of node patterns that exporters write for one operation into the one node it is, before
// the graph walk: the Erf form of GELU that PyTorch writes below opset 20, x * 0.5 * (1 + erf(x / sqrt 2)),
// becomes a Gelu node (ONNX's own operator from opset 20), imported as one GELU layer rather than five
// elementwise ones. A pattern matches only where its intermediate values have no other reader and its
// constants are the exact ones (within float32 rounding); anything else is left as it is.

import type { onnx as Onnx } from 'onnx-proto';
import { constantOf } from './constants.js';

/** How far a constant of a pattern may be from its exact value: float32 rounding. */
const CONSTANT_TOLERANCE = 1e-6;

/** `nodes` with each Erf-form GELU replaced by one Gelu node (named after its Erf node). */
export function fuseNodes(graph: Onnx.IGraphProto, file: string): Onnx.INodeProto[] {
  const nodes = graph.node ?? [];
  if (!nodes.some((node) => node.opType === 'Erf')) return [...nodes];
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
    const { values } = constantOf(tensor, file);
    return values.length === 1 ? values[0]! : null;
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
  if (replaced.size === 0) return [...nodes];
  return nodes.flatMap((node) => {
    if (!replaced.has(node)) return [node];
    const replacement = replaced.get(node);
    return replacement === null || replacement === undefined ? [] : [replacement];
  });
}
