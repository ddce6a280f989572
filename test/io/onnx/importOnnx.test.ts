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
  decodeNpy,
  exportOnnx,
  FileFormatError,
  importedInput,
  importOnnx,
  PRESETS,
  Random,
  Tensor,
} from '../../../src/index.js';
import { assertClose, repoRoot } from '../../helpers.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'onnx');

const FIXTURE_LAYOUTS = {
  plain: 'NCHW',
  branches: 'NCHW',
  gates: 'NCHW',
  'keras-style': 'NHWC',
  'torchvision-ops': 'NCHW',
  'channels-last-block': 'NCHW',
  'mobile-ops': 'NCHW',
  'mobile-ops-opset17': 'NCHW',
  'decoder-ops': 'NCHW',
  'upsample-opset9': 'NCHW',
} as const;

/** The operators issue 6 asks the importer to read, as PyTorch and Keras exports contain them. */
const REQUIRED_OPERATORS = [
  'Conv',
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Clip',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Concat',
  'Flatten',
  'Reshape',
  'Transpose',
  'Pad',
  'Softmax',
  'Dropout',
  'Identity',
];

describe('ONNX models exported by PyTorch', () => {
  test('the fixtures hold every required operator, and Conv with strides, pads, dilations and groups', () => {
    const nodes = Object.keys(FIXTURE_LAYOUTS).flatMap(
      (name) => onnxProto.onnx.ModelProto.decode(readFileSync(join(FIXTURES, `${name}.onnx`))).graph!.node!,
    );
    const operators = new Set(nodes.map((node) => node.opType));
    assert.deepEqual(
      REQUIRED_OPERATORS.filter((op) => !operators.has(op)),
      [],
    );
    const convAttributes = nodes
      .filter((node) => node.opType === 'Conv')
      .flatMap((node) =>
        node.attribute!.map(
          (attribute) => `${attribute.name}=${attribute.ints?.length ? attribute.ints.join(',') : String(attribute.i)}`,
        ),
      );
    for (const option of ['strides=2,2', 'pads=1,1,1,1', 'dilations=2,2', 'group=2', 'group=8'])
      assert.ok(convAttributes.includes(option), `a Conv with ${option}`);
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
      const actual = model.predict(importedInput(batch, inputLayout)).dataSync();
      assertClose(actual, expected.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs PyTorch`);
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({
        input: new ort.Tensor('float32', input.data as Float32Array, input.shape),
      });
      assertClose(actual, output!.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs onnxruntime-node`);
    });
  }
});

describe("what the importer makes of ConvNeXt's block (channels-last-block.onnx)", () => {
  test(
    'the Erf form of GELU is one GELU layer; a MatMul over the channels of NHWC maps is a 1x1 Conv2D ' +
      "with the Linear's bias folded in",
    () => {
      const { model } = importOnnx(
        readFileSync(join(FIXTURES, 'channels-last-block.onnx')),
        'channels-last-block.onnx',
      );
      assert.deepEqual(
        model.layers.map((layer) => layer.className),
        ['Input', 'Conv2D', 'Conv2D', 'Conv2D', 'GELU', 'Conv2D', 'Conv2D', 'Add', 'GlobalAveragePooling2D', 'Dense'],
      );
    },
  );
});

describe('export then import', () => {
  for (const name of ['digits-cnn', 'mnist-cnn', 'lenet5', 'cifar-cnn', 'resnet']) {
    test(`preset ${name} comes back with the same predictions`, () => {
      const original = PRESETS[name]!({ seed: 3 });
      const { model } = importOnnx(exportOnnx(original), `${name}.onnx`);
      const random = new Random(4);
      const shape = [2, ...original.inputShape];
      const x = Tensor.fromArray(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform()),
        shape,
      );
      assertClose(model.predict(x).dataSync(), original.predict(x).dataSync(), { atol: 1e-5 }, name);
    });
  }
});

describe('what the importer refuses', () => {
  test('not ONNX, and an unsupported operator named with its node', () => {
    assert.throws(
      () => importOnnx(new TextEncoder().encode('definitely not protobuf \u0000\u00ff'), 'junk.onnx'),
      FileFormatError,
    );
    assert.throws(() => importOnnx(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: has no graph/);
    // A Relu renamed Selu: an operator the importer does not map.
    const model = PRESETS['digits-cnn']!({ seed: 1 });
    const bytes = exportOnnx(model);
    const text = Buffer.from(bytes);
    const tampered = Buffer.from(text.toString('latin1').replace('Relu', 'Selu'), 'latin1');
    assert.throws(
      () => importOnnx(tampered, 'tampered.onnx'),
      (error: unknown) =>
        error instanceof FileFormatError && /node '[^']+' \(Selu\): operator Selu is not supported/.test(error.message),
    );
  });
});

/** A constant: an initializer, or the value of a Constant node. */
interface TinyTensor {
  dims: number[];
  values: number[];
}

/** A node of tinyModel: its output is `output`, or t<index> ('output' for the last node). */
interface TinyNode {
  op: string;
  inputs: string[];
  output?: string;
  /** Integer lists (perm, pads), floats (alpha), integers ({ int: 1 }) or tensors (a Constant's value). */
  attributes?: Record<string, number[] | number | { int: number } | TinyTensor>;
}

/**
 * A one-input, one-output ONNX model (opset 13) of `nodes`, reading 'input' and writing 'output' (or
 * `outputName`), for the cases the importer must refuse or get right.
 */
function tinyModel(
  inputDims: number[],
  nodes: TinyNode[],
  initializers: (TinyTensor & { name: string })[] = [],
  outputName = 'output',
): Uint8Array {
  const { onnx } = onnxProto;
  const { INT, INTS, FLOAT, TENSOR } = onnx.AttributeProto.AttributeType;
  const attribute = (name: string, value: number[] | number | { int: number } | TinyTensor) => {
    if (Array.isArray(value)) return { name, type: INTS, ints: value };
    if (typeof value === 'number') return { name, type: FLOAT, f: value };
    if ('int' in value) return { name, type: INT, i: value.int };
    return {
      name,
      type: TENSOR,
      t: { dims: value.dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: value.values },
    };
  };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      input: [
        {
          name: 'input',
          type: {
            tensorType: {
              elemType: onnx.TensorProto.DataType.FLOAT,
              shape: { dim: inputDims.map((dimValue) => ({ dimValue })) },
            },
          },
        },
      ],
      output: [{ name: outputName, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
      initializer: initializers.map(({ name, dims, values }) => ({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        floatData: values,
      })),
      node: nodes.map(({ op, inputs, output, attributes = {} }, index) => ({
        opType: op,
        name: `${op.toLowerCase()}_${index}`,
        input: inputs,
        output: [output ?? (index === nodes.length - 1 ? 'output' : `t${index}`)],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** tinyModel with int64 initializers (shape arithmetic) beside float ones: those marked isInt64. */
function tinyModelInt64(
  inputDims: number[],
  nodes: TinyNode[],
  initializers: (TinyTensor & { name: string; isInt64?: boolean })[],
): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(
    tinyModel(
      inputDims,
      nodes,
      initializers.filter((tensor) => tensor.isInt64 !== true),
    ),
  );
  for (const { name, dims, values } of initializers.filter((tensor) => tensor.isInt64 === true)) {
    model.graph!.initializer!.push(
      onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Asserts that importing `bytes` raises a FileFormatError whose message matches `pattern`. */
function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => importOnnx(bytes, 'tiny.onnx'),
    (error: unknown) => error instanceof FileFormatError && pattern.test(error.message),
    String(pattern),
  );
}

/**
 * Imports `bytes` and runs it and onnxruntime-node on one seeded example of `inputDims` (batch 1),
 * comparing the outputs value by value within 1e-5: the graph's output must be a vector, or maps the
 * graph transposes to NHWC (our order).
 */
async function assertRunsAsOnnxRuntime(bytes: Uint8Array, inputDims: number[], label: string): Promise<void> {
  const random = new Random(61);
  const x = Float32Array.from(
    { length: inputDims.reduce((product, extent) => product * extent, 1) },
    () => 4 * random.uniform() - 2,
  );
  const { model, inputLayout } = importOnnx(bytes, `${label}.onnx`);
  const actual = model.predict(importedInput(Tensor.fromArray(x, inputDims), inputLayout)).dataSync();
  const session = await ort.InferenceSession.create(bytes);
  const { output } = await session.run({ input: new ort.Tensor('float32', x, inputDims) });
  assert.equal(actual.length, output!.data.length, `${label}: output size`);
  assertClose(actual, output!.data as Float32Array, { atol: 1e-5 }, `${label}: ConvNet.ts vs onnxruntime-node`);
}

/** A [4, 3] weight and a [3] bias for the Dense cases. */
const WEIGHT = { name: 'weight', dims: [4, 3], values: Array.from({ length: 12 }, (_, index) => index / 10 - 0.5) };
const BIAS = { name: 'bias', dims: [3], values: [1, 2, 3] };

describe('layouts, constants and the cases the importer refuses by name', () => {
  test(
    'a transpose other than NCHW <-> NHWC, a channels-first operator on NHWC maps, a constant that does ' +
      'not broadcast per channel',
    () => {
      refused(
        tinyModel([1, 3, 4, 4], [{ op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 1, 3, 2] } }]),
        /node 'transpose_0' \(Transpose\): only transposes between NCHW and NHWC are imported; got perm \[0,1,3,2\]/,
      );
      refused(
        tinyModel(
          [1, 3, 4, 4],
          [
            { op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 2, 3, 1] } },
            { op: 'MaxPool', inputs: ['t0'], attributes: { kernel_shape: [2, 2] } },
          ],
        ),
        /'maxpool_1' \(MaxPool\): reads 't0' channels last \(NHWC\), but ONNX's MaxPool takes NCHW/,
      );
      refused(
        tinyModel(
          [1, 3, 4, 4],
          [{ op: 'Mul', inputs: ['input', 'k'] }],
          [{ name: 'k', dims: [1, 3, 4, 1], values: Array(12).fill(2) }],
        ),
        /'mul_0' \(Mul\): a constant of dims \[1, 3, 4, 1\] is not a scalar or one value per channel \(3\)/,
      );
      refused(
        tinyModel(
          [1, 6],
          [
            { op: 'Relu', inputs: ['input'] },
            { op: 'Add', inputs: ['t0', 'k'] },
          ],
          [{ name: 'k', dims: [6], values: Array(6).fill(1) }],
        ),
        /'add_1' \(Add\): a constant term on a vector is imported only right after the Gemm or MatMul/,
      );
    },
  );

  test(
    'a per-channel scale and shift on NCHW maps run as depthwise 1x1 convolutions; an NHWC input takes ' +
      'its batch as it is',
    async () => {
      const bytes = tinyModel(
        [1, 3, 2, 2],
        [
          { op: 'Mul', inputs: ['input', 'scale'] },
          { op: 'Add', inputs: ['t0', 'shift'] },
        ],
        [
          { name: 'scale', dims: [3, 1, 1], values: [2, -1, 0.5] },
          { name: 'shift', dims: [1, 3, 1, 1], values: [1, 2, 3] },
        ],
      );
      const { model, inputLayout } = importOnnx(bytes, 'affine.onnx');
      assert.equal(inputLayout, 'NCHW');
      const x = Float32Array.from({ length: 12 }, (_, index) => index - 5);
      const actual = model.predict(importedInput(Tensor.fromArray(x, [1, 3, 2, 2]))).dataSync();
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 2, 2]) });
      // Ours is NHWC: compare with onnxruntime's NCHW output transposed.
      const expected = Float32Array.from(
        { length: 12 },
        (_, index) => output!.data[(index % 3) * 4 + Math.floor(index / 3)] as number,
      );
      assertClose(actual, expected, { atol: 1e-6 }, 'scale and shift');
      const nhwc = tinyModel(
        [1, 2, 2, 3],
        [
          { op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 3, 1, 2] } },
          { op: 'Relu', inputs: ['t0'] },
          { op: 'Transpose', inputs: ['t1'], attributes: { perm: [0, 2, 3, 1] } },
        ],
      );
      const imported = importOnnx(nhwc, 'nhwc.onnx');
      assert.equal(imported.inputLayout, 'NHWC');
      assert.deepEqual(imported.model.inputShape, [2, 2, 3]);
    },
  );

  test(
    'constant Adds and Muls fold into the Dense before them: a Constant node written after the MatMul, ' +
      'scale then shift, Gemm alpha and beta with a scalar C',
    async () => {
      const term = { dims: [3], values: [0.5, -1, 2] };
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'] },
            { op: 'Constant', inputs: [], output: 'term', attributes: { value: term } },
            { op: 'Add', inputs: ['t0', 'term'] },
          ],
          [WEIGHT],
        ),
        [1, 4],
        'late Constant',
      );
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'] },
            { op: 'Mul', inputs: ['factor', 't0'] },
            { op: 'Add', inputs: ['t1', 'bias'] },
            { op: 'Mul', inputs: ['t2', 'two'] },
          ],
          [
            WEIGHT,
            BIAS,
            { name: 'factor', dims: [1, 3], values: [2, -3, 0.5] },
            { name: 'two', dims: [], values: [2] },
          ],
        ),
        [1, 4],
        'scale, shift, scale',
      );
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 4],
          [
            { op: 'Gemm', inputs: ['input', 'weight', 'c'], attributes: { alpha: 0.5, beta: -2 } },
            { op: 'Add', inputs: ['t0', 'bias'] },
          ],
          [WEIGHT, { name: 'c', dims: [1], values: [0.25] }, BIAS],
        ),
        [1, 4],
        'Gemm alpha, beta, scalar C',
      );
    },
  );

  test('a vector flattened from NCHW maps keeps its order through Dropout and Relu to the Gemm', async () => {
    await assertRunsAsOnnxRuntime(
      tinyModel(
        [1, 3, 2, 2],
        [
          { op: 'Flatten', inputs: ['input'] },
          { op: 'Dropout', inputs: ['t0', 'ratio'] },
          { op: 'Relu', inputs: ['t1'] },
          { op: 'MatMul', inputs: ['t2', 'weight'] },
        ],
        [
          { name: 'weight', dims: [12, 2], values: Array.from({ length: 24 }, (_, index) => Math.cos(index)) },
          { name: 'ratio', dims: [], values: [0.3] },
        ],
      ),
      [1, 3, 2, 2],
      'flatten, dropout, relu, matmul',
    );
  });

  test(
    'an NHWC input scaled before its transpose (a Keras Rescaling) and also read by a second transpose ' +
      'is channels last',
    async () => {
      const bytes = tinyModel(
        [1, 2, 2, 3],
        [
          { op: 'Mul', inputs: ['input', 'scale'] },
          { op: 'Transpose', inputs: ['t0'], attributes: { perm: [0, 3, 1, 2] } },
          { op: 'Transpose', inputs: ['input'], attributes: { perm: [0, 3, 1, 2] } },
          { op: 'Clip', inputs: ['t1', '', 'max'] },
          { op: 'Add', inputs: ['t3', 't2'] },
          { op: 'Transpose', inputs: ['t4'], attributes: { perm: [0, 2, 3, 1] } },
        ],
        [
          { name: 'scale', dims: [1], values: [0.5] },
          { name: 'max', dims: [], values: [0.4] },
        ],
      );
      assert.equal(importOnnx(bytes, 'rescaled.onnx').inputLayout, 'NHWC');
      await assertRunsAsOnnxRuntime(bytes, [1, 2, 2, 3], 'rescaled NHWC input, Clip without min');
    },
  );

  test(
    'a constant Add or Mul on a Dense output that is read elsewhere, through an Identity, or is the ' +
      'graph output is refused, not folded',
    () => {
      const notFolded =
        /a constant term on a vector is imported only right after the Gemm or MatMul that computes it, as its one reader/;
      refused(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'] },
            { op: 'Identity', inputs: ['t0'] },
            { op: 'Add', inputs: ['t1', 'bias'] },
            { op: 'Relu', inputs: ['t0'] },
            { op: 'Add', inputs: ['t2', 't3'] },
          ],
          [WEIGHT, BIAS],
        ),
        notFolded,
      );
      refused(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'] },
            { op: 'Relu', inputs: ['t0'] },
            { op: 'Add', inputs: ['t0', 'bias'] },
            { op: 'Add', inputs: ['t1', 't2'] },
          ],
          [WEIGHT, BIAS],
        ),
        notFolded,
      );
      refused(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'], output: 'y' },
            { op: 'Add', inputs: ['y', 'bias'] },
          ],
          [WEIGHT, BIAS],
          'y',
        ),
        notFolded,
      );
      // A Mul that writes the value it reads: a cycle, which the look for a bias to fold must not follow forever.
      refused(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'], output: 'y' },
            { op: 'Mul', inputs: ['y', 'bias'], output: 'y' },
          ],
          [WEIGHT, BIAS],
        ),
        /output 'output' is not computed by any node/,
      );
    },
  );

  test(
    'constants, weights and parameters that do not fit what they read are refused by name, before ' +
      'anything is allocated',
    () => {
      refused(
        tinyModel(
          [1, 4],
          [
            { op: 'MatMul', inputs: ['input', 'weight'] },
            { op: 'Mul', inputs: ['t0', 'k'] },
          ],
          [WEIGHT, { name: 'k', dims: [1, 1, 3], values: [1, 2, 3] }],
        ),
        /'mul_1' \(Mul\): a constant of dims \[1, 1, 3\] is not a scalar or one value per channel \(3\) of a rank-2 value/,
      );
      // The Dense's kernel would be [50000000, 3] floats: refused from the weight's dims instead (an input
      // of 100,000,000 features is past the feature-map limit: limits.test.ts).
      refused(
        tinyModel([1, 50_000_000], [{ op: 'MatMul', inputs: ['input', 'weight'] }], [WEIGHT]),
        /'matmul_0' \(MatMul\): weight of dims \[4, 3\] does not take 'input' \(50000000 features\)/,
      );
      refused(
        tinyModel(
          [1, 3, 4, 4],
          [{ op: 'Conv', inputs: ['input', 'k'] }],
          [{ name: 'k', dims: [2, 2, 1, 1], values: [1, 2, 3, 4] }],
        ),
        /'conv_0' \(Conv\): weight of dims \[2, 2, 1, 1\] in 1 group\(s\) does not take the 3 channels of 'input'/,
      );
      const norm = (channels: number[]) =>
        ['scale', 'shift', 'mean', 'variance'].map((name, index) => ({
          name,
          dims: [channels[index]!],
          values: Array<number>(channels[index]!).fill(1),
        }));
      refused(
        tinyModel(
          [1, 3, 2, 2],
          [{ op: 'BatchNormalization', inputs: ['input', 'scale', 'shift', 'mean', 'variance'] }],
          norm([3, 3, 2, 3]),
        ),
        /input 'mean' has 2 values for 3 channels/,
      );
      refused(
        tinyModel([1, 4], [{ op: 'Clip', inputs: ['input', 'low'] }], [{ name: 'low', dims: [2], values: [0, 1] }]),
        /'clip_0' \(Clip\): input 'low' of dims \[2\] must be one value/,
      );
      refused(
        tinyModel([1, 4], [{ op: 'Dropout', inputs: ['input', 'ratio'] }], [{ name: 'ratio', dims: [0], values: [] }]),
        /input 'ratio' of dims \[0\] must be one value/,
      );
      refused(
        tinyModel([1, 4], [{ op: 'Dropout', inputs: ['input', 'ratio'] }], [{ name: 'ratio', dims: [], values: [1] }]),
        /Dropout rate must be in \[0, 1\), got 1/,
      );
      refused(
        tinyModel([1, 2, 4, 4], [{ op: 'Relu', inputs: ['input'] }]),
        /input 'input' \(NCHW\): Input: images have 1 \(gray\), 3 \(RGB, HSV\) or 4 \(RGBA, CMYK\) channels/,
      );
      refused(
        tinyModel(
          [1, 3, 2, 2],
          [
            { op: 'Flatten', inputs: ['input'] },
            { op: 'Concat', inputs: ['t0', 't0'], attributes: { axis: [1] } },
          ],
        ),
        /'concat_1' \(Concat\): vectors flattened from NCHW maps are not concatenated/,
      );
    },
  );

  test('every unsupported operator is named with its count and first node, not only the first one met', () => {
    refused(
      tinyModel(
        [1, 3, 4, 4],
        [
          { op: 'Relu', inputs: ['input'] },
          { op: 'Sin', inputs: ['t0'] },
          { op: 'Selu', inputs: ['t1'] },
          { op: 'Sin', inputs: ['t2'] },
          { op: 'Relu', inputs: ['t3'] },
        ],
      ),
      /^tiny\.onnx: node 'sin_1' \(Sin\): operator Sin is not supported; unsupported operators in this graph: Sin \(2 nodes, first node 'sin_1'\), Selu \(1 node, first node 'selu_2'\); imported operators: Conv, /,
    );
  });

  test("pooling with ceil_mode and with count_include_pad, padded or not, gives onnxruntime's outputs", async () => {
    const pools: [string, Record<string, number[] | { int: number }>][] = [
      ['MaxPool', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: { int: 1 } }],
      ['MaxPool', { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], ceil_mode: { int: 1 } }],
      ['AveragePool', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: { int: 1 } }],
      ['AveragePool', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: { int: 1 } }],
      ['AveragePool', { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 0, 0, 1], count_include_pad: { int: 1 } }],
    ];
    for (const [op, attributes] of pools) {
      // The flattened size depends on the output size: found by onnxruntime, then the weight made to fit.
      const session = await ort.InferenceSession.create(
        tinyModel([1, 3, 8, 7], [{ op, inputs: ['input'], attributes }]),
      );
      const { output } = await session.run({
        input: new ort.Tensor('float32', new Float32Array(3 * 8 * 7), [1, 3, 8, 7]),
      });
      const features = output!.data.length;
      const weight = {
        name: 'weight',
        dims: [features, 2],
        values: Array.from({ length: features * 2 }, (_, index) => Math.sin(index)),
      };
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 3, 8, 7],
          [
            { op, inputs: ['input'], attributes },
            { op: 'Flatten', inputs: ['t0'] },
            { op: 'MatMul', inputs: ['t1', 'weight'] },
          ],
          [weight],
        ),
        [1, 3, 8, 7],
        `${op} ${JSON.stringify(attributes)}`,
      );
    }
  });

  test(
    'ReduceMean over height and width, keepdims 0 or 1, Squeeze of 1x1 maps, a Conv on them; a mean over ' +
      'channels is refused',
    async () => {
      const kernel = { name: 'kernel', dims: [2, 3, 1, 1], values: [1, -2, 0.5, 0.25, 3, -1] };
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 3, 4, 5],
          [{ op: 'ReduceMean', inputs: ['input'], attributes: { axes: [2, 3], keepdims: { int: 0 } } }],
        ),
        [1, 3, 4, 5],
        'ReduceMean keepdims 0',
      );
      await assertRunsAsOnnxRuntime(
        tinyModelInt64(
          [1, 3, 4, 5],
          [
            { op: 'ReduceMean', inputs: ['input'], attributes: { axes: [-1, -2] } },
            { op: 'Conv', inputs: ['t0', 'kernel'] },
            { op: 'Relu', inputs: ['t1'] },
            { op: 'Squeeze', inputs: ['t2', 'axes'] },
          ],
          [kernel, { name: 'axes', dims: [2], values: [2, 3], isInt64: true }],
        ),
        [1, 3, 4, 5],
        'ReduceMean keepdims 1, Conv on 1x1 maps, Squeeze',
      );
      await assertRunsAsOnnxRuntime(
        tinyModel(
          [1, 3, 4, 5],
          [
            { op: 'GlobalAveragePool', inputs: ['input'] },
            { op: 'Conv', inputs: ['t0', 'kernel'] },
            { op: 'Flatten', inputs: ['t1'] },
          ],
          [kernel],
        ),
        [1, 3, 4, 5],
        'GlobalAveragePool, Conv on 1x1 maps, Flatten',
      );
      refused(
        tinyModel([1, 3, 4, 5], [{ op: 'ReduceMean', inputs: ['input'], attributes: { axes: [1] } }]),
        /'reducemean_0' \(ReduceMean\): only the mean over height and width of feature maps is imported, got axes \[1\] of NCHW maps/,
      );
    },
  );

  test(
    'shape arithmetic on Shape folds against the input, the batch left symbolic: a flatten by ' +
      'x.view(x.size(0), -1), integer division truncating',
    async () => {
      const int64 = (name: string, values: number[], dims = [values.length]) => ({ name, dims, values, isInt64: true });
      const constants = [
        int64('zero', [0], []),
        int64('indices', [1, 2, 3]),
        int64('axes0', [0]),
        int64('four', [4], []),
        int64('two', [2], []),
      ];
      // features = (C * H * W * 4 + 2) / 4: 24 as integers (24.5 would be refused by the Reshape).
      const bytes = tinyModelInt64(
        [1, 3, 2, 4],
        [
          { op: 'Shape', inputs: ['input'] },
          { op: 'Gather', inputs: ['t0', 'zero'] },
          { op: 'Unsqueeze', inputs: ['t1', 'axes0'] },
          { op: 'Gather', inputs: ['t0', 'indices'] },
          { op: 'Slice', inputs: ['t3', 'zero1', 'one1'] },
          { op: 'Slice', inputs: ['t3', 'one1', 'two1'] },
          { op: 'Slice', inputs: ['t3', 'two1', 'three1'] },
          { op: 'Mul', inputs: ['t4', 't5'] },
          { op: 'Mul', inputs: ['t7', 't6'] },
          { op: 'Mul', inputs: ['t8', 'four'] },
          { op: 'Add', inputs: ['t9', 'two'] },
          { op: 'Div', inputs: ['t10', 'four'] },
          { op: 'Concat', inputs: ['t2', 't11'], attributes: { axis: { int: 0 } } },
          { op: 'Reshape', inputs: ['input', 't12'] },
          { op: 'Relu', inputs: ['t13'] },
          { op: 'MatMul', inputs: ['t14', 'weight'] },
        ],
        [
          ...constants,
          int64('zero1', [0]),
          int64('one1', [1]),
          int64('two1', [2]),
          int64('three1', [3]),
          { name: 'weight', dims: [24, 2], values: Array.from({ length: 48 }, (_, index) => Math.cos(index)) },
        ],
      );
      await assertRunsAsOnnxRuntime(
        bytes,
        [1, 3, 2, 4],
        'Shape, Gather, Slice, Mul, Add, Div, Unsqueeze, Concat, Reshape',
      );
      const refusedGather = tinyModelInt64(
        [1, 3, 2, 4],
        [
          { op: 'Shape', inputs: ['input'] },
          { op: 'Gather', inputs: ['t0', 'seven'] },
          { op: 'Relu', inputs: ['input'] },
        ],
        [int64('seven', [7], [])],
      );
      refused(refusedGather, /'gather_1' \(Gather\): index 7 is outside the 4 entries of 't0'/);
    },
  );

  test('shape arithmetic with a slice step of 0 is refused rather than looped on', () => {
    const slice = (step: number) =>
      tinyModel(
        [1, 4],
        [
          { op: 'Slice', inputs: ['data', 'starts', 'ends', 'axes', 'steps'] },
          { op: 'Relu', inputs: ['input'] },
        ],
        [
          { name: 'data', dims: [4], values: [1, 2, 3, 4] },
          { name: 'starts', dims: [1], values: [3] },
          { name: 'ends', dims: [1], values: [0] },
          { name: 'axes', dims: [1], values: [0] },
          { name: 'steps', dims: [1], values: [step] },
        ],
      );
    refused(slice(0), /'slice_0' \(Slice\): slice step 0 is not a non-zero integer/);
    assert.equal(importOnnx(slice(-1), 'slice.onnx').inputLayout, 'features');
  });
});

describe('the CLI reads .onnx files wherever it takes --model', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });

  /**
   * convnet predict on fixture `name` gives PyTorch's output; the input of fixture `other` is a usage error naming the
   * shape it takes.
   */
  const assertPredicts = (name: string, other: string, takes: RegExp) => {
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-onnx-'));
    try {
      const predicted = cli(
        'predict',
        '--model',
        join(FIXTURES, `${name}.onnx`),
        '--input',
        join(FIXTURES, `${name}-input.npy`),
        '--output',
        join(scratch, 'y.npy'),
      );
      assert.equal(predicted.status, 0, predicted.stderr);
      const expected = decodeNpy(readFileSync(join(FIXTURES, `${name}-output.npy`)));
      assertClose(
        decodeNpy(readFileSync(join(scratch, 'y.npy'))).data as Float32Array,
        expected.data as Float32Array,
        { atol: 1e-4 },
        `convnet predict on ${name}.onnx`,
      );
      const wrong = cli(
        'predict',
        '--model',
        join(FIXTURES, `${name}.onnx`),
        '--input',
        join(FIXTURES, `${other}-input.npy`),
        '--output',
        join(scratch, 'z.npy'),
      );
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, takes);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  test('summary, and predict on an NCHW batch, of the PyTorch model', () => {
    const summary = cli('summary', '--model', join(FIXTURES, 'plain.onnx'));
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /_conv1_Conv \(Conv2D\)\s+28x28x6/);
    assertPredicts('plain', 'branches', /takes \[n, 1, 28, 28\] \(NCHW\)/);
  });

  test('predict on the Keras-style model reads its batch channels last (NHWC), as the file declares', () => {
    assertPredicts('keras-style', 'plain', /takes \[n, 12, 12, 3\] \(NHWC\)/);
  });
});
