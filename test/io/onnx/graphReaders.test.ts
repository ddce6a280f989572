// Who reads each value of an ONNX graph (src/io/onnx/graphReaders.ts), on small graphs written as
// objects: readers counted per input and graph output, constants known once their node has run (Constant,
// Shape, shape arithmetic on constants), and the look-ahead that folds a constant Add after a Gemm.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { onnx as Onnx } from 'onnx-proto';
import { addsConstantAfter, graphReaders } from '../../../src/io/onnx/graphReaders.js';

function node(opType: string, input: string[], output: string): Onnx.INodeProto {
  return { opType, input, output: [output], name: output };
}

/** x -> Gemm(w) -> y -> Mul(s) -> z -> Add(b) -> out, out a graph output; y also feeds Relu when `isShared`. */
function gemmGraph(isShared: boolean): Onnx.IGraphProto {
  const nodes = [node('Gemm', ['x', 'w'], 'y'), node('Mul', ['y', 's'], 'z'), node('Add', ['z', 'b'], 'out')];
  if (isShared) nodes.push(node('Relu', ['y'], 'other'));
  return {
    node: nodes,
    initializer: [{ name: 'w' }, { name: 's' }, { name: 'b' }],
    output: [{ name: 'out' }],
  };
}

test('readers: one per input naming the value, a graph output counts as one; initializers are constants', () => {
  const readers = graphReaders(gemmGraph(true));
  assert.deepEqual(
    readers.nodesOf('y').map((reader) => reader.opType),
    ['Mul', 'Relu'],
  );
  assert.equal(readers.count('y'), 2);
  assert.equal(readers.count('out'), 1, 'read by nobody, but a graph output');
  assert.equal(readers.count('nothing'), 0);
  assert.deepEqual(readers.nodesOf('nothing'), []);
  assert.equal(readers.isConstant('w'), true);
  assert.equal(readers.isConstant('y'), false);
});

test("constants: a Constant's and a Shape's outputs, and shape arithmetic whose inputs are all constants", () => {
  const readers = graphReaders({
    node: [
      node('Constant', [], 'c'),
      node('Shape', ['x'], 'shape'),
      node('Concat', ['c', 'shape'], 'joined'),
      node('Concat', ['c', 'x'], 'mixed'),
    ],
    output: [{ name: 'joined' }],
  });
  assert.deepEqual(
    ['c', 'shape', 'joined', 'mixed', 'x'].map((name) => readers.isConstant(name)),
    [true, true, true, false, false],
  );
});

test('addsConstantAfter: a chain of constant Muls ending in a constant Add folds; a shared value does not', () => {
  assert.equal(addsConstantAfter('y', graphReaders(gemmGraph(false))), true);
  assert.equal(addsConstantAfter('y', graphReaders(gemmGraph(true))), false, 'y has two readers');
  assert.equal(addsConstantAfter('z', graphReaders(gemmGraph(false))), true, 'the Add itself');
  assert.equal(addsConstantAfter('out', graphReaders(gemmGraph(false))), false, 'nothing reads it');
  // An Add of two computed values is no bias.
  const computed = graphReaders({ node: [node('Gemm', ['x', 'w'], 'y'), node('Add', ['y', 'x'], 'out')] });
  assert.equal(addsConstantAfter('y', computed), false);
});

test('a cycle of Muls (a hostile file) ends the look-ahead instead of looping', () => {
  const readers = graphReaders({
    node: [node('Mul', ['a', 's'], 'b'), node('Mul', ['b', 's'], 'a')],
    initializer: [{ name: 's' }],
  });
  assert.equal(addsConstantAfter('a', readers), false);
});
