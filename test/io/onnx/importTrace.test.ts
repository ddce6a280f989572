// The ONNX importer's trace (src/io/onnx/importOnnx.ts): what each node of a fixture became and its shape,
// the nodes fused into one layer (an Erf-form GELU, a constant Add after a Gemm), and every unsupported
// operator, with its count and first node, as a list on the error.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { importOnnx, UnsupportedOperatorsError } from '../../../src/index.js';
import { repoRoot } from '../../helpers.js';

describe("the importer's trace", () => {
  test('each node of the torchvision-ops fixture, what it became and its shape', () => {
    const { nodes, model } = importOnnx(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', 'torchvision-ops.onnx')),
      'torchvision-ops.onnx',
    );
    assert.equal(nodes.length, 28);
    const byName = new Map(nodes.map((node) => [node.name, node]));
    assert.deepEqual(byName.get('/conv1/Conv'), {
      name: '/conv1/Conv',
      opType: 'Conv',
      became: 'layers',
      layers: [{ name: '_conv1_Conv', className: 'Conv2D' }],
      outputShape: [22, 22, 8],
    });
    assert.equal(byName.get('/Shape')!.became, 'folded');
    assert.equal(byName.get('/Constant')!.became, 'constant');
    assert.equal(byName.get('/Concat')!.became, 'passed through');
    // Every layer of the model comes from one node (the Input from none).
    const traced = nodes.flatMap((node) => (node.became === 'layers' ? node.layers.map((layer) => layer.name) : []));
    assert.deepEqual(
      traced.sort(),
      model.layers
        .slice(1)
        .map((layer) => layer.name)
        .sort(),
    );
  });

  test('the five nodes of an Erf-form GELU: four fused into the GELU layer the last one makes', () => {
    const { nodes } = importOnnx(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', 'channels-last-block.onnx')),
      'channels-last-block.onnx',
    );
    assert.equal(nodes.length, 21, 'every node of the file');
    const gelu = nodes.filter((node) => node.name.startsWith('/gelu/') && node.opType !== 'Constant');
    assert.deepEqual(
      gelu.map((node) => [node.opType, node.became, node.layers.map((layer) => layer.className)]),
      [...['Div', 'Erf', 'Add', 'Mul'].map((op) => [op, 'fused', ['GELU']]), ['Mul', 'layers', ['GELU']]],
    );
    assert.deepEqual(gelu[0]!.outputShape, [6, 5, 16]);
  });

  test('a constant Add after a Gemm is fused into its Dense', () => {
    const { onnx } = onnxProto;
    const float = onnx.TensorProto.DataType.FLOAT;
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 7,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          input: [
            {
              name: 'input',
              type: { tensorType: { elemType: float, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
            },
          ],
          output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
          initializer: [
            {
              name: 'w',
              dims: [3, 4],
              dataType: float,
              floatData: Array.from({ length: 12 }, (_, index) => index / 10),
            },
            { name: 'b', dims: [3], dataType: float, floatData: [1, 2, 3] },
          ],
          node: [
            {
              opType: 'Gemm',
              name: 'fc',
              input: ['input', 'w'],
              output: ['t0'],
              attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
            },
            { opType: 'Add', name: 'bias', input: ['t0', 'b'], output: ['output'] },
          ],
        },
      }),
    ).finish();
    const { nodes } = importOnnx(bytes, 'fused.onnx');
    assert.deepEqual(
      nodes.map((node) => [node.name, node.became, node.layers.map((layer) => layer.name)]),
      [
        ['fc', 'layers', ['fc']],
        ['bias', 'fused', ['fc']],
      ],
    );
  });

  test('every unsupported operator, with its count and first node, as a list on the error', () => {
    const { onnx } = onnxProto;
    const float = onnx.TensorProto.DataType.FLOAT;
    const ops = ['Relu', 'Selu', 'Sin', 'Selu', 'Celu'];
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 7,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          input: [
            {
              name: 'input',
              type: { tensorType: { elemType: float, shape: { dim: [1, 3, 4, 4].map((dimValue) => ({ dimValue })) } } },
            },
          ],
          output: [{ name: 'output', type: { tensorType: { elemType: float } } }],
          node: ops.map((op, index) => ({
            opType: op,
            name: `${op.toLowerCase()}_${index}`,
            input: [index === 0 ? 'input' : `t${index - 1}`],
            output: [index === ops.length - 1 ? 'output' : `t${index}`],
          })),
        },
      }),
    ).finish();
    assert.throws(
      () => importOnnx(bytes, 'unsupported.onnx'),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedOperatorsError);
        assert.deepEqual(error.operators, [
          { opType: 'Selu', count: 2, firstNode: 'selu_1' },
          { opType: 'Sin', count: 1, firstNode: 'sin_2' },
          { opType: 'Celu', count: 1, firstNode: 'celu_4' },
        ]);
        assert.match(error.message, /unsupported\.onnx: node 'selu_1' \(Selu\): operator Selu is not supported/);
        return true;
      },
    );
  });
});
