// ONNX import of ConvTranspose (graphs built here with onnx-proto, opset 14): stride 2 with pads and
// output_padding, groups and dilation, a 1x1 filter with stride 3, auto_pad SAME_UPPER, SAME_LOWER
// and VALID, output_shape with odd total padding (where onnxruntime's split decides the result), no
// bias; each must give onnxruntime-node's outputs within 1e-5; hostile geometries are refused; an
// imported one fine-tunes. Then a model with Conv2DTranspose exported (exportOnnx) runs in
// onnxruntime-node as it predicts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  Conv2D,
  Conv2DTranspose,
  exportOnnx,
  FileFormatError,
  Flatten,
  GradientTape,
  importedInput,
  importOnnx,
  Input,
  multiply,
  Random,
  ReLU,
  Sequential,
  subtract,
  Tensor,
  toChannelsFirst,
} from '../../../src/index.js';
import { assertClose } from '../../helpers.js';

interface ConvTransposeCase {
  name: string;
  /** NCHW. */
  inputDims: [number, number, number, number];
  outC: number;
  kernel: [number, number];
  attributes: Record<string, number[] | number | string>;
  hasBias?: boolean;
}

function values(count: number, seed: number): number[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => 2 * random.uniform() - 1);
}

/** Input NCHW -> ConvTranspose -> Transpose to NHWC -> output. */
function convTransposeModel(c: ConvTransposeCase): Uint8Array {
  const { onnx } = onnxProto;
  const { INTS, INT, STRING } = onnx.AttributeProto.AttributeType;
  const { FLOAT } = onnx.TensorProto.DataType;
  const attribute = (name: string, value: number[] | number | string) => {
    if (typeof value === 'string') return { name, type: STRING, s: new TextEncoder().encode(value) };
    return Array.isArray(value) ? { name, type: INTS, ints: value } : { name, type: INT, i: value };
  };
  const inC = c.inputDims[1];
  const group = typeof c.attributes.group === 'number' ? c.attributes.group : 1;
  const weightDims = [inC, c.outC / group, ...c.kernel];
  const hasBias = c.hasBias ?? true;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: 'up',
      input: [
        {
          name: 'input',
          type: { tensorType: { elemType: FLOAT, shape: { dim: c.inputDims.map((dimValue) => ({ dimValue })) } } },
        },
      ],
      output: [{ name: 'output', type: { tensorType: { elemType: FLOAT } } }],
      initializer: [
        {
          name: 'w',
          dims: weightDims,
          dataType: FLOAT,
          floatData: values(
            weightDims.reduce((a, b) => a * b, 1),
            2101,
          ),
        },
        ...(hasBias ? [{ name: 'b', dims: [c.outC], dataType: FLOAT, floatData: values(c.outC, 2102) }] : []),
      ],
      node: [
        {
          opType: 'ConvTranspose',
          name: 'up',
          input: ['input', 'w', ...(hasBias ? ['b'] : [])],
          output: ['maps'],
          attribute: Object.entries({ kernel_shape: c.kernel, ...c.attributes }).map(([name, value]) =>
            attribute(name, value),
          ),
        },
        {
          opType: 'Transpose',
          name: 'nhwc',
          input: ['maps'],
          output: ['output'],
          attribute: [attribute('perm', [0, 2, 3, 1])],
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const CASES: ConvTransposeCase[] = [
  {
    name: 'stride 2, pads 1, output_padding 1',
    inputDims: [2, 3, 4, 5],
    outC: 4,
    kernel: [3, 3],
    attributes: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
  },
  {
    name: 'groups 2, dilation 2, uneven pads',
    inputDims: [1, 4, 3, 4],
    outC: 6,
    kernel: [3, 2],
    attributes: { group: 2, dilations: [2, 2], pads: [0, 1, 2, 0], strides: [1, 2] },
  },
  {
    name: 'depthwise groups, stride 2, kernel 4 (a bilinear-style upsampler)',
    inputDims: [1, 4, 3, 3],
    outC: 4,
    kernel: [4, 4],
    attributes: { group: 4, strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    name: '1x1 filter, stride 3, output_padding 2 and 1, no bias',
    inputDims: [2, 3, 2, 3],
    outC: 2,
    kernel: [1, 1],
    attributes: { strides: [3, 2], output_padding: [2, 1] },
    hasBias: false,
  },
  {
    name: 'auto_pad SAME_UPPER, odd total padding',
    inputDims: [1, 3, 3, 4],
    outC: 3,
    kernel: [3, 3],
    attributes: { strides: [2, 2], auto_pad: 'SAME_UPPER' },
  },
  {
    name: 'auto_pad SAME_LOWER, odd total padding',
    inputDims: [1, 3, 3, 4],
    outC: 3,
    kernel: [3, 3],
    attributes: { strides: [2, 2], auto_pad: 'SAME_LOWER' },
  },
  {
    name: 'auto_pad VALID',
    inputDims: [1, 3, 3, 4],
    outC: 3,
    kernel: [3, 2],
    attributes: { strides: [2, 3], auto_pad: 'VALID' },
  },
  {
    name: 'output_shape, odd total padding',
    inputDims: [1, 3, 3, 4],
    outC: 3,
    kernel: [3, 3],
    attributes: { strides: [2, 2], output_shape: [6, 7] },
  },
];

describe('ONNX ConvTranspose import matches onnxruntime-node', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const bytes = convTransposeModel(c);
      const random = new Random(2103);
      const x = Float32Array.from({ length: c.inputDims.reduce((a, b) => a * b, 1) }, () => 4 * random.uniform() - 2);
      const { model, inputLayout } = importOnnx(bytes, 'up.onnx');
      const actual = model.predict(importedInput(Tensor.fromArray(x, c.inputDims), inputLayout));
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({ input: new ort.Tensor('float32', x, c.inputDims) });
      assert.deepEqual(actual.shape, output!.dims, `${c.name}: output shape`);
      assertClose(
        actual.dataSync(),
        output!.data as Float32Array,
        { atol: 1e-5, rtol: 0 },
        `${c.name}: ConvNet.ts vs onnxruntime-node`,
      );
    });
  }

  test('hostile geometries are refused naming the node, before any map is allocated', () => {
    const refusal = (attributes: ConvTransposeCase['attributes'], pattern: RegExp) => {
      const bytes = convTransposeModel({
        name: 'hostile',
        inputDims: [1, 3, 4, 4],
        outC: 2,
        kernel: [3, 3],
        attributes,
      });
      assert.throws(
        () => importOnnx(bytes, 'up.onnx'),
        (error: unknown) =>
          error instanceof FileFormatError &&
          /node 'up' \(ConvTranspose\)/.test(error.message) &&
          pattern.test(error.message),
        String(pattern),
      );
    };
    refusal(
      { strides: [100000, 100000] },
      /output 300003x300003x2 has 180,003,600,018 values per example, more than the 67,108,864/,
    );
    refusal({ pads: [50, 50, 50, 50] }, /gives no output of at least 1x1 from a 4x4 input \(output -94x-94\)/);
    refusal(
      { strides: [2, 2], output_padding: [2, 2] },
      /outputPadding 2x2 must be non-negative integers smaller than the stride 2x2/,
    );
    refusal({ strides: [0, 0] }, /strides must be a positive integer, got 0/);
    refusal({ pads: [-1, 0, 0, 0] }, /padding must be/);
  });

  test('an output_shape past the full output is refused, naming the node', () => {
    const bytes = convTransposeModel({
      name: 'too big',
      inputDims: [1, 3, 3, 3],
      outC: 2,
      kernel: [3, 3],
      attributes: { strides: [2, 2], output_shape: [9, 9] },
    });
    assert.throws(
      () => importOnnx(bytes, 'up.onnx'),
      (error: unknown) =>
        error instanceof FileFormatError &&
        /node 'up' \(ConvTranspose\): output_shape \[9, 9\] is larger/.test(error.message),
    );
  });
});

describe('an imported ConvTranspose fine-tunes', () => {
  test('30 steps of gradient descent on a squared error to a target map lower it below a quarter', () => {
    const { model } = importOnnx(convTransposeModel(CASES[0]!), 'up.onnx');
    const random = new Random(2106);
    const x = Tensor.fromArray(
      Float32Array.from({ length: 2 * 4 * 5 * 3 }, () => 2 * random.uniform() - 1),
      [2, 4, 5, 3],
    );
    const target = Tensor.fromArray(
      Float32Array.from({ length: 2 * 8 * 10 * 4 }, () => random.uniform() - 0.5),
      [2, 8, 10, 4],
    );
    const weights = model.namedWeights().map((weight) => weight.tensor);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const tape = new GradientTape(weights);
      const squares = tape.run(() => {
        const difference = subtract(model.forward(x, { isTraining: true }), target);
        return multiply(difference, difference);
      });
      let loss = 0;
      for (const value of squares.dataSync()) loss += value;
      losses.push(loss);
      tape.gradient(squares, weights).forEach((gradient, index) => {
        const data = weights[index]!.dataSync();
        for (let at = 0; at < data.length; at++) data[at]! -= 0.002 * gradient.dataSync()[at]!;
      });
    }
    assert.ok(losses.at(-1)! < 0.25 * losses[0]!, `squared error ${losses[0]} -> ${losses.at(-1)}`);
  });
});

describe('ONNX export of Conv2DTranspose runs in onnxruntime-node as the model predicts', () => {
  test('stride 2 same, explicit pads with output padding, groups', async () => {
    const model = new Sequential(
      [
        new Input({ shape: [5, 6, 3] }),
        new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        new ReLU(),
        new Conv2DTranspose({ filters: 6, kernelSize: 4, strides: 2, padding: 'same' }),
        new Conv2DTranspose({
          filters: 4,
          kernelSize: [3, 2],
          strides: [2, 3],
          padding: [1, 0, 0, 1],
          outputPadding: [1, 2],
          groups: 2,
        }),
        new Flatten(),
      ],
      { seed: 2104 },
    );
    for (const weight of model.namedWeights())
      if (weight.name.endsWith('/bias'))
        weight.tensor.dataSync().forEach((_, index, data) => {
          data[index] = 0.1 * index - 0.2;
        });
    const random = new Random(2105);
    const shape = [2, 5, 6, 3];
    const x = Tensor.fromArray(
      Float32Array.from({ length: 180 }, () => random.uniform()),
      shape,
    );
    const expected = model.predict(x).dataSync();
    const session = await ort.InferenceSession.create(exportOnnx(model));
    const { output } = await session.run({
      input: new ort.Tensor('float32', toChannelsFirst(x.dataSync() as Float32Array, 5, 6, 3), [2, 3, 5, 6]),
    });
    assertClose(output!.data as Float32Array, expected, { atol: 1e-5, rtol: 1e-5 }, 'exported Conv2DTranspose');
    const back = importOnnx(exportOnnx(model), 'exported.onnx');
    assertClose(
      back.model
        .predict(
          importedInput(
            Tensor.fromArray(toChannelsFirst(x.dataSync() as Float32Array, 5, 6, 3), [2, 3, 5, 6]),
            back.inputLayout,
          ),
        )
        .dataSync(),
      expected,
      { atol: 1e-5, rtol: 1e-5 },
      'exported then imported',
    );
  });
});
