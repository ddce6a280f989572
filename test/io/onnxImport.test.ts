// ONNX import: CNNs exported by PyTorch (fixtures made by tools/makeOnnxFixtures.py with Debian's
// python3-torch; one laid out as tf2onnx writes Keras models) give PyTorch's outputs and
// onnxruntime-node's; together they cover every operator the issue lists; models exported here come
// back with the same outputs; unsupported operators are named with their node.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  decodeNpy, exportOnnx, FileFormatError, importedInput, importOnnx, PRESETS, Random, Tensor,
} from '../../src/index.js';
import { assertClose, repoRoot } from '../helpers.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'onnx');

const FIXTURE_LAYOUTS = { plain: 'NCHW', branches: 'NCHW', gates: 'NCHW', 'keras-style': 'NHWC' } as const;

/** The operators issue 6 asks the importer to read, as PyTorch and Keras exports contain them. */
const REQUIRED_OPERATORS = [
  'Conv', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization',
  'Gemm', 'MatMul', 'Add', 'Mul', 'Concat', 'Flatten', 'Reshape', 'Transpose', 'Pad', 'Softmax', 'Dropout', 'Identity',
];

describe('ONNX models exported by PyTorch', () => {
  test('the fixtures hold every required operator, and Conv with strides, pads, dilations and groups', () => {
    const nodes = Object.keys(FIXTURE_LAYOUTS).flatMap((name) => onnxProto.onnx.ModelProto.decode(readFileSync(join(FIXTURES, `${name}.onnx`))).graph!.node!);
    const operators = new Set(nodes.map((node) => node.opType));
    assert.deepEqual(REQUIRED_OPERATORS.filter((op) => !operators.has(op)), []);
    const convAttributes = nodes.filter((node) => node.opType === 'Conv').flatMap((node) => node.attribute!.map((attribute) => `${attribute.name}=${attribute.ints?.length ? attribute.ints.join(',') : String(attribute.i)}`));
    for (const option of ['strides=2,2', 'pads=1,1,1,1', 'dilations=2,2', 'group=2', 'group=8']) assert.ok(convAttributes.includes(option), `a Conv with ${option}`);
  });

  for (const [name, layout] of Object.entries(FIXTURE_LAYOUTS)) {
    test(`${name}.onnx: the same outputs as PyTorch and as onnxruntime-node`, async () => {
      const bytes = readFileSync(join(FIXTURES, `${name}.onnx`));
      const input = decodeNpy(readFileSync(join(FIXTURES, `${name}-input.npy`)));
      const expected = decodeNpy(readFileSync(join(FIXTURES, `${name}-output.npy`)));
      const { model, onnxInputShape, inputLayout } = importOnnx(bytes, `${name}.onnx`);
      assert.deepEqual(onnxInputShape, input.shape.slice(1));
      assert.equal(inputLayout, layout);
      const batch = Tensor.fromArray(input.data as Float32Array, input.shape);
      const actual = model.predict(importedInput(batch, inputLayout)).data;
      assertClose(actual, expected.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs PyTorch`);
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) });
      assertClose(actual, output!.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs onnxruntime-node`);
    });
  }
});

describe('export then import', () => {
  for (const name of ['digits-cnn', 'mnist-cnn', 'lenet5', 'cifar-cnn', 'resnet']) {
    test(`preset ${name} comes back with the same predictions`, () => {
      const original = PRESETS[name]!({ seed: 3 });
      const { model } = importOnnx(exportOnnx(original), `${name}.onnx`);
      const random = new Random(4);
      const shape = [2, ...original.inputShape];
      const x = Tensor.fromArray(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform()), shape);
      assertClose(model.predict(x).data, original.predict(x).data, { atol: 1e-5 }, name);
    });
  }
});

describe('what the importer refuses', () => {
  test('not ONNX, and an unsupported operator named with its node', () => {
    assert.throws(() => importOnnx(new TextEncoder().encode('definitely not protobuf \u0000\u00ff'), 'junk.onnx'), FileFormatError);
    assert.throws(() => importOnnx(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: has no graph/);
    // The exporter writes GELU as Div/Erf/...: Div is not an imported operator.
    const model = PRESETS['digits-cnn']!({ seed: 1 });
    const bytes = exportOnnx(model);
    const text = Buffer.from(bytes);
    const tampered = Buffer.from(text.toString('latin1').replace('Relu', 'Selu'), 'latin1');
    assert.throws(() => importOnnx(tampered, 'tampered.onnx'), (error: unknown) => error instanceof FileFormatError && /node '[^']+' \(Selu\): operator Selu is not supported/.test(error.message));
  });
});

/** A one-input ONNX model of `nodes` (reading 'input', writing 'output') for what the importer must refuse. */
function tinyModel(inputDims: number[], nodes: { op: string; inputs: string[]; attributes?: Record<string, number[]> }[], initializers: { name: string; dims: number[]; values: number[] }[] = []): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      input: [{ name: 'input', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: inputDims.map((dimValue) => ({ dimValue })) } } } }],
      output: [{ name: 'output', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
      initializer: initializers.map(({ name, dims, values }) => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values })),
      node: nodes.map(({ op, inputs, attributes = {} }, index) => ({
        opType: op, name: `${op.toLowerCase()}_${index}`, input: inputs, output: [index === nodes.length - 1 ? 'output' : `t${index}`],
        attribute: Object.entries(attributes).map(([name, ints]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints })),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('layouts, constants and the cases the importer refuses by name', () => {
  test('a transpose other than NCHW <-> NHWC, a channels-first operator on NHWC maps, a constant that does not broadcast per channel', () => {
    const refused = (bytes: Uint8Array, pattern: RegExp) => assert.throws(() => importOnnx(bytes, 'tiny.onnx'), (error: unknown) => error instanceof FileFormatError && pattern.test(error.message), String(pattern));
    refused(tinyModel([1, 3, 4, 4], [{ op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 1, 3, 2] } }]), /node 'transpose_0' \(Transpose\): only transposes between NCHW and NHWC are imported; got perm \[0,1,3,2\]/);
    refused(tinyModel([1, 3, 4, 4], [{ op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 2, 3, 1] } }, { op: 'MaxPool', inputs: ['t0'], attributes: { kernel_shape: [2, 2] } }]), /'maxpool_1' \(MaxPool\): reads 't0' channels last \(NHWC\), but ONNX's MaxPool takes NCHW/);
    refused(tinyModel([1, 3, 4, 4], [{ op: 'Mul', inputs: ['input', 'k'] }], [{ name: 'k', dims: [1, 3, 4, 1], values: Array(12).fill(2) }]), /'mul_0' \(Mul\): a constant of dims \[1, 3, 4, 1\] is not a scalar or one value per channel \(3\)/);
    refused(tinyModel([1, 6], [{ op: 'Relu', inputs: ['input'] }, { op: 'Add', inputs: ['t0', 'k'] }], [{ name: 'k', dims: [6], values: Array(6).fill(1) }]), /'add_1' \(Add\): a constant term on a vector is imported only right after the Gemm or MatMul/);
  });

  test('a per-channel scale and shift on NCHW maps run as depthwise 1x1 convolutions; an NHWC input takes its batch as it is', async () => {
    const bytes = tinyModel([1, 3, 2, 2], [{ op: 'Mul', inputs: ['input', 'scale'] }, { op: 'Add', inputs: ['t0', 'shift'] }], [
      { name: 'scale', dims: [3, 1, 1], values: [2, -1, 0.5] }, { name: 'shift', dims: [1, 3, 1, 1], values: [1, 2, 3] },
    ]);
    const { model, inputLayout } = importOnnx(bytes, 'affine.onnx');
    assert.equal(inputLayout, 'NCHW');
    const x = Float32Array.from({ length: 12 }, (_, index) => index - 5);
    const actual = model.predict(importedInput(Tensor.fromArray(x, [1, 3, 2, 2]))).data;
    const session = await ort.InferenceSession.create(bytes);
    const { output } = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 2, 2]) });
    // Ours is NHWC: compare with onnxruntime's NCHW output transposed.
    const expected = Float32Array.from({ length: 12 }, (_, index) => output!.data[(index % 3) * 4 + Math.floor(index / 3)] as number);
    assertClose(actual, expected, { atol: 1e-6 }, 'scale and shift');
    const nhwc = tinyModel([1, 2, 2, 3], [{ op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 3, 1, 2] } }, { op: 'Relu', inputs: ['t0'] }, { op: 'Transpose', inputs: ['t1'], attributes: { perm: [0, 2, 3, 1] } }]);
    const imported = importOnnx(nhwc, 'nhwc.onnx');
    assert.equal(imported.inputLayout, 'NHWC');
    assert.deepEqual(imported.model.inputShape, [2, 2, 3]);
  });
});

describe('the CLI reads .onnx files wherever it takes --model', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });

  test('summary, and predict on an NCHW batch, of the PyTorch model', () => {
    const summary = cli('summary', '--model', join(FIXTURES, 'plain.onnx'));
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /_conv1_Conv \(Conv2D\)\s+28x28x6/);
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-onnx-'));
    try {
      const predicted = cli('predict', '--model', join(FIXTURES, 'plain.onnx'), '--input', join(FIXTURES, 'plain-input.npy'), '--output', join(scratch, 'y.npy'));
      assert.equal(predicted.status, 0, predicted.stderr);
      const expected = decodeNpy(readFileSync(join(FIXTURES, 'plain-output.npy')));
      assertClose(decodeNpy(readFileSync(join(scratch, 'y.npy'))).data as Float32Array, expected.data as Float32Array, { atol: 1e-4 }, 'convnet predict on plain.onnx');
      const wrong = cli('predict', '--model', join(FIXTURES, 'plain.onnx'), '--input', join(FIXTURES, 'branches-input.npy'), '--output', join(scratch, 'z.npy'));
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /takes \[n, 1, 28, 28\] \(NCHW\)/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('predict on the Keras-style model reads its batch channels last (NHWC), as the file declares', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-onnx-'));
    try {
      const predicted = cli('predict', '--model', join(FIXTURES, 'keras-style.onnx'), '--input', join(FIXTURES, 'keras-style-input.npy'), '--output', join(scratch, 'y.npy'));
      assert.equal(predicted.status, 0, predicted.stderr);
      const expected = decodeNpy(readFileSync(join(FIXTURES, 'keras-style-output.npy')));
      assertClose(decodeNpy(readFileSync(join(scratch, 'y.npy'))).data as Float32Array, expected.data as Float32Array, { atol: 1e-4 }, 'convnet predict on keras-style.onnx');
      const wrong = cli('predict', '--model', join(FIXTURES, 'keras-style.onnx'), '--input', join(FIXTURES, 'plain-input.npy'), '--output', join(scratch, 'z.npy'));
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /takes \[n, 12, 12, 3\] \(NHWC\)/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
