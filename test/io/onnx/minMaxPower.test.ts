// ONNX import of Min, Max, Pow and Sqrt (graphs built here with onnx-proto, opset 13): Max and Min of
// two and three computed values, broadcast ([N, C, 1, 1] pooled statistics against maps); a scalar
// constant on either side (a Clip) and one value per channel (shifts around a ReLU); Pow with
// exponents 2, 3, 0.5 and -1.5 and Sqrt on positive maps; each must give onnxruntime-node's outputs
// within 1e-5 (relative 1e-5 for the powers). Then Maximum, Minimum and Power exported (exportOnnx)
// run in onnxruntime-node as the model predicts, and the refusals.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  Conv2D,
  exportOnnx,
  FileFormatError,
  Flatten,
  importedInput,
  importOnnx,
  Input,
  Maximum,
  Minimum,
  Model,
  Power,
  Random,
  ReLU,
  Tensor,
  toChannelsFirst,
} from '../../../src/index.js';
import { assertClose } from '../../helpers.js';

interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
}

interface Constant {
  name: string;
  dims: number[];
  values: number[];
}

function graphModel(inputDims: number[], nodes: GraphNode[], constants: Constant[] = []): Uint8Array {
  const { onnx } = onnxProto;
  const { FLOAT } = onnx.TensorProto.DataType;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'elementwise',
      input: [
        {
          name: 'input',
          type: { tensorType: { elemType: FLOAT, shape: { dim: inputDims.map((dimValue) => ({ dimValue })) } } },
        },
      ],
      output: [{ name: 'output', type: { tensorType: { elemType: FLOAT } } }],
      initializer: constants.map(({ name, dims, values }) => ({ name, dims, dataType: FLOAT, floatData: values })),
      node: [
        ...nodes.map(({ op, inputs, outputs }, index) => ({
          opType: op,
          name: `${op.toLowerCase()}_${index}`,
          input: inputs,
          output: outputs,
        })),
        {
          opType: 'Transpose',
          name: 'nhwc',
          input: ['last'],
          output: ['output'],
          attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3, 1] }],
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function assertRunsAsOnnxRuntime(
  bytes: Uint8Array,
  inputDims: number[],
  label: string,
  tolerance = { atol: 1e-5, rtol: 0 },
): Promise<void> {
  const random = new Random(2201);
  const x = Float32Array.from({ length: inputDims.reduce((a, b) => a * b, 1) }, () => 4 * random.uniform() - 2);
  const { model, inputLayout } = importOnnx(bytes, `${label}.onnx`);
  const actual = model.predict(importedInput(Tensor.fromArray(x, inputDims), inputLayout));
  const session = await ort.InferenceSession.create(bytes);
  const { output } = await session.run({ input: new ort.Tensor('float32', x, inputDims) });
  assert.deepEqual(actual.shape, output!.dims, `${label}: output shape`);
  assertClose(actual.dataSync(), output!.data as Float32Array, tolerance, `${label}: ConvNet.ts vs onnxruntime-node`);
}

const DIMS = [2, 3, 4, 5];

describe('ONNX Min, Max, Pow and Sqrt import matches onnxruntime-node', () => {
  test('Max and Min of computed values: two, three, and a broadcast [N, C, 1, 1] statistic', async () => {
    await assertRunsAsOnnxRuntime(
      graphModel(DIMS, [
        { op: 'Relu', inputs: ['input'], outputs: ['positive'] },
        { op: 'Sigmoid', inputs: ['input'], outputs: ['gate'] },
        { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['mean'] },
        { op: 'Max', inputs: ['input', 'mean'], outputs: ['above'] },
        { op: 'Min', inputs: ['positive', 'gate', 'above'], outputs: ['lowest'] },
        { op: 'Max', inputs: ['lowest', 'input'], outputs: ['last'] },
      ]),
      DIMS,
      'min-max',
    );
  });

  test('a scalar constant on either side (Clip) and one value per channel', async () => {
    await assertRunsAsOnnxRuntime(
      graphModel(
        DIMS,
        [
          { op: 'Max', inputs: ['input', 'low'], outputs: ['a'] },
          { op: 'Min', inputs: ['high', 'a'], outputs: ['b'] },
          { op: 'Max', inputs: ['perChannel', 'b'], outputs: ['c'] },
          { op: 'Min', inputs: ['c', 'perChannelCap'], outputs: ['last'] },
        ],
        [
          { name: 'low', dims: [], values: [-1.25] },
          { name: 'high', dims: [1], values: [1.5] },
          { name: 'perChannel', dims: [3, 1, 1], values: [-0.5, 0.25, -2] },
          { name: 'perChannelCap', dims: [1, 3, 1, 1], values: [0.75, -0.25, 2] },
        ],
      ),
      DIMS,
      'min-max-constants',
    );
  });

  test('Pow with exponents 2, 3, 0.5 and -1.5, and Sqrt, on positive maps', async () => {
    await assertRunsAsOnnxRuntime(
      graphModel(
        DIMS,
        [
          { op: 'Pow', inputs: ['input', 'two'], outputs: ['squared'] },
          { op: 'Add', inputs: ['squared', 'half'], outputs: ['positive'] },
          { op: 'Sqrt', inputs: ['positive'], outputs: ['root'] },
          { op: 'Pow', inputs: ['positive', 'oneAndHalfBelow'], outputs: ['inverse'] },
          { op: 'Pow', inputs: ['input', 'three'], outputs: ['cubed'] },
          { op: 'Pow', inputs: ['positive', 'half'], outputs: ['root2'] },
          { op: 'Sum', inputs: ['root', 'inverse', 'cubed', 'root2'], outputs: ['last'] },
        ],
        [
          { name: 'two', dims: [], values: [2] },
          { name: 'three', dims: [1], values: [3] },
          { name: 'half', dims: [], values: [0.5] },
          { name: 'oneAndHalfBelow', dims: [], values: [-1.5] },
        ],
      ),
      DIMS,
      'powers',
      { atol: 1e-5, rtol: 1e-5 },
    );
  });

  test('refusals name the node: a computed exponent, two constants in Max', () => {
    const refused = (bytes: Uint8Array, pattern: RegExp) =>
      assert.throws(
        () => importOnnx(bytes, 'elementwise.onnx'),
        (error: unknown) => error instanceof FileFormatError && pattern.test(error.message),
        String(pattern),
      );
    refused(
      graphModel(DIMS, [{ op: 'Pow', inputs: ['input', 'input'], outputs: ['last'] }]),
      /'pow_0' \(Pow\): Pow is imported with a constant exponent only/,
    );
    refused(
      graphModel(
        DIMS,
        [{ op: 'Max', inputs: ['input', 'a', 'b'], outputs: ['last'] }],
        [
          { name: 'a', dims: [], values: [1] },
          { name: 'b', dims: [], values: [2] },
        ],
      ),
      /'max_0' \(Max\): a constant is compared only with one other input/,
    );
  });
});

describe('ONNX export of Maximum, Minimum and Power runs in onnxruntime-node as the model predicts', () => {
  test('a graph with all three', async () => {
    const input = new Input({ shape: [4, 5, 3] });
    const a = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const b = new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output);
    const c = new ReLU().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
    const upper = new Maximum().apply([a, b, c]);
    const lower = new Minimum().apply([a, b]);
    const squared = new Power({ exponent: 2 }).apply(lower);
    const output = new Flatten().apply(new Maximum().apply([upper, squared]));
    const model = new Model({ inputs: input.output, outputs: output }, { seed: 2202 });
    const random = new Random(2203);
    const x = Tensor.fromArray(
      Float32Array.from({ length: 2 * 60 }, () => 2 * random.uniform() - 1),
      [2, 4, 5, 3],
    );
    const expected = model.predict(x).dataSync();
    const session = await ort.InferenceSession.create(exportOnnx(model));
    const { output: actual } = await session.run({
      input: new ort.Tensor('float32', toChannelsFirst(x.dataSync() as Float32Array, 4, 5, 3), [2, 3, 4, 5]),
    });
    assertClose(actual!.data as Float32Array, expected, { atol: 1e-5, rtol: 1e-5 }, 'exported Maximum, Minimum, Power');
  });
});
