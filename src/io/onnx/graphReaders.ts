// Who reads each value of an ONNX graph, and which values are constants once their node has run:
// the importer's look-ahead (the layout of the graph input, whether a constant Add after a Gemm can
// fold into its Dense), worked out once before the graph walk.

import type { onnx as Onnx } from 'onnx-proto';
import { isFoldable } from './constants.js';

/** Who reads each value of the graph, and which values are constants once their node has run. */
export interface GraphReaders {
  /** The nodes that read a value, once per input that names it. */
  nodesOf(name: string): readonly Onnx.INodeProto[];
  /** The number of readers, a graph output counting as one. */
  count(name: string): number;
  isConstant(name: string): boolean;
}

/** Who reads each value of `graph`, and which values are constants once their node has run. */
export function graphReaders(graph: Onnx.IGraphProto): GraphReaders {
  const nodes = new Map<string, Onnx.INodeProto[]>();
  const constants = new Set((graph.initializer ?? []).map((tensor) => tensor.name ?? ''));
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) {
      const readers = nodes.get(name);
      if (readers === undefined) nodes.set(name, [node]);
      else readers.push(node);
    }
    // In node order, as the importer meets them: a Constant may come after the Gemm its value is added to.
    // Shape's value is known at import (mappers/shape.ts), so the arithmetic on it folds.
    if (node.opType === 'Constant' || node.opType === 'Shape' || isFoldable(node, (name) => constants.has(name)))
      constants.add((node.output ?? [])[0] ?? '');
  }
  const outputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  return {
    nodesOf: (name) => nodes.get(name) ?? [],
    count: (name) => (nodes.get(name)?.length ?? 0) + (outputs.has(name) ? 1 : 0),
    isConstant: (name) => constants.has(name),
  };
}

/**
 * Whether the value `name` is read only by a chain of constant Muls ending in a constant Add (a bias
 * to fold): the condition under which the Add and Mul mapper folds them, decided before the Dense exists.
 */
export function addsConstantAfter(name: string, readers: GraphReaders): boolean {
  // A hostile file may write a value its own reader reads: `seen` ends such a cycle.
  const seen = new Set<string>();
  for (let current = name; !seen.has(current); ) {
    seen.add(current);
    const node = readers.nodesOf(current)[0];
    if (readers.count(current) !== 1 || node === undefined || !['Add', 'Sum', 'Mul'].includes(node.opType ?? ''))
      return false;
    const inputs = node.input ?? [];
    if (inputs.length !== 2 || !inputs.some((input) => input !== current && readers.isConstant(input))) return false;
    if (node.opType !== 'Mul') return true;
    current = (node.output ?? [])[0] ?? '';
  }
  return false;
}
