// ONNX import of the operators torchvision's mobile networks add: HardSigmoid and HardSwish; Sub and
// Div of computed values (broadcast gates) and with constants; Mul of a squeeze-and-excitation gate;
// Split and Slice along the channels; ShuffleNet's Reshape-Transpose-Reshape channel shuffle; pooling
// with ceil_mode and count_include_pad; a ConvNeXt block (LayerNormalization over NHWC channels,
// MatMul of maps, the Erf GELU chain, layer scale, residual) and opset 11's decomposed layer
// normalization (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div). Each small graph is built here
// (onnx-proto, opset 14, 17 for LayerNormalization) and
// must give onnxruntime-node's outputs within 1e-5; the cases the mappers refuse are named.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  AvgPool2D,
  ChannelShuffle,
  ChannelSlice,
  Concatenate,
  Conv2D,
  Dense,
  Divide,
  exportOnnx,
  FileFormatError,
  GlobalAveragePooling2D,
  HardSigmoid,
  HardSwish,
  importedInput,
  importOnnx,
  Input,
  LayerNormalization,
  MaxPool2D,
  Model,
  Multiply,
  Random,
  Subtract,
  Tensor,
  toChannelsFirst,
} from '../../../src/index.js';
import { assertClose } from '../../helpers.js';

interface Initializer {
  name: string;
  dims: number[];
  /** Strings for int64 values past 2^53 (protobuf takes them exactly). */
  values: (number | string)[];
  isInteger?: boolean;
}

interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer lists, integers (written as INT when whole and named in INT_ATTRIBUTES) or floats. */
  attributes?: Record<string, number[] | number>;
}

/** Attributes ONNX types as INT (the rest of the numbers are FLOAT). */
const INT_ATTRIBUTES = new Set(['axis', 'ceil_mode', 'count_include_pad', 'group', 'keepdims']);

const SQRT2_FLOAT32 = Math.fround(Math.SQRT2);

function graphModel(inputDims: number[], nodes: GraphNode[], initializers: Initializer[] = [], opset = 14): Uint8Array {
  const { onnx } = onnxProto;
  const { INTS, INT, FLOAT } = onnx.AttributeProto.AttributeType;
  const { FLOAT: FLOAT_TYPE, INT64 } = onnx.TensorProto.DataType;
  const attribute = (name: string, value: number[] | number) => {
    if (Array.isArray(value)) return { name, type: INTS, ints: value };
    return INT_ATTRIBUTES.has(name) ? { name, type: INT, i: value } : { name, type: FLOAT, f: value };
  };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'mobile',
      input: [
        {
          name: 'input',
          type: { tensorType: { elemType: FLOAT_TYPE, shape: { dim: inputDims.map((dimValue) => ({ dimValue })) } } },
        },
      ],
      output: [{ name: 'output', type: { tensorType: { elemType: FLOAT_TYPE } } }],
      initializer: initializers.map(({ name, dims, values, isInteger }) =>
        isInteger === true
          ? { name, dims, dataType: INT64, int64Data: values }
          : { name, dims, dataType: FLOAT_TYPE, floatData: values as number[] },
      ),
      node: nodes.map(({ op, inputs, outputs, attributes = {} }, index) => ({
        opType: op,
        name: `${op.toLowerCase()}_${index}`,
        input: inputs,
        output: outputs,
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Imports `bytes` and compares it with onnxruntime-node on a seeded batch of `inputDims` within 1e-5. */
async function assertRunsAsOnnxRuntime(bytes: Uint8Array, inputDims: number[], label: string): Promise<void> {
  const random = new Random(71);
  const x = Float32Array.from(
    { length: inputDims.reduce((product, extent) => product * extent, 1) },
    () => 8 * random.uniform() - 4,
  );
  const { model, inputLayout } = importOnnx(bytes, `${label}.onnx`);
  const actual = model.predict(importedInput(Tensor.fromArray(x, inputDims), inputLayout)).dataSync();
  const session = await ort.InferenceSession.create(bytes);
  const { output } = await session.run({ input: new ort.Tensor('float32', x, inputDims) });
  assert.equal(actual.length, output!.data.length, `${label}: output size`);
  assertClose(actual, output!.data as Float32Array, { atol: 1e-5 }, `${label}: ConvNet.ts vs onnxruntime-node`);
}

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => importOnnx(bytes, 'mobile.onnx'),
    (error: unknown) => error instanceof FileFormatError && pattern.test(error.message),
    String(pattern),
  );
}

const TO_NHWC: GraphNode = {
  op: 'Transpose',
  inputs: ['last'],
  outputs: ['output'],
  attributes: { perm: [0, 2, 3, 1] },
};
/** What PyTorch writes for a slice to the end. */
const INT64_MAX = '9223372036854775807';

function values(count: number, seed: number, scale = 1): number[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => scale * (2 * random.uniform() - 1));
}

describe('ONNX import of the mobile-network operators matches onnxruntime-node', () => {
  test('HardSigmoid (default and PyTorch alpha) and HardSwish', async () => {
    const bytes = graphModel(
      [2, 3, 4, 5],
      [
        { op: 'HardSigmoid', inputs: ['input'], outputs: ['a'] },
        { op: 'HardSwish', inputs: ['input'], outputs: ['b'] },
        { op: 'HardSigmoid', inputs: ['b'], outputs: ['c'], attributes: { alpha: 1 / 6, beta: 0.5 } },
        { op: 'Add', inputs: ['a', 'c'], outputs: ['last'] },
        TO_NHWC,
      ],
    );
    await assertRunsAsOnnxRuntime(bytes, [2, 3, 4, 5], 'hard');
  });

  test(
    'squeeze-and-excitation: GlobalAveragePool, Conv, HardSigmoid gate times the maps; Sub and Div of ' +
      'computed values and with constants',
    async () => {
      const channels = 4;
      const bytes = graphModel(
        [2, channels, 5, 6],
        [
          { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['pooled'] },
          { op: 'Conv', inputs: ['pooled', 'w', 'bias'], outputs: ['squeezed'], attributes: { kernel_shape: [1, 1] } },
          { op: 'HardSigmoid', inputs: ['squeezed'], outputs: ['gate'], attributes: { alpha: 1 / 6, beta: 0.5 } },
          { op: 'Mul', inputs: ['input', 'gate'], outputs: ['gated'] },
          { op: 'Sub', inputs: ['gated', 'pooled'], outputs: ['centred'] },
          { op: 'Add', inputs: ['gate', 'one'], outputs: ['divisor'] },
          { op: 'Div', inputs: ['centred', 'divisor'], outputs: ['scaled'] },
          { op: 'Div', inputs: ['scaled', 'perChannel'], outputs: ['halved'] },
          { op: 'Sub', inputs: ['halved', 'perChannel'], outputs: ['shifted'] },
          { op: 'Sub', inputs: ['two', 'shifted'], outputs: ['last'] },
          TO_NHWC,
        ],
        [
          { name: 'w', dims: [channels, channels, 1, 1], values: values(channels * channels, 81) },
          { name: 'bias', dims: [channels], values: values(channels, 82) },
          { name: 'one', dims: [1], values: [1] },
          { name: 'two', dims: [], values: [2] },
          { name: 'perChannel', dims: [1, channels, 1, 1], values: [2, 0.5, -4, 1.5] },
        ],
      );
      await assertRunsAsOnnxRuntime(bytes, [2, channels, 5, 6], 'squeeze-excitation');
    },
  );

  test('ShuffleNetV2: Split in two, a branch, Concat, the Reshape-Transpose-Reshape shuffle, then Slice', async () => {
    const bytes = graphModel(
      [1, 4, 4, 3],
      [
        { op: 'Split', inputs: ['input', 'sizes'], outputs: ['left', 'right'], attributes: { axis: 1 } },
        { op: 'HardSwish', inputs: ['right'], outputs: ['branch'] },
        { op: 'Concat', inputs: ['left', 'branch'], outputs: ['joined'], attributes: { axis: 1 } },
        { op: 'Reshape', inputs: ['joined', 'grouped'], outputs: ['five'] },
        { op: 'Transpose', inputs: ['five'], outputs: ['swapped'], attributes: { perm: [0, 2, 1, 3, 4] } },
        { op: 'Reshape', inputs: ['swapped', 'back'], outputs: ['shuffled'] },
        { op: 'Slice', inputs: ['shuffled', 'starts', 'ends', 'axes'], outputs: ['last'] },
        TO_NHWC,
      ],
      [
        { name: 'sizes', dims: [2], values: [1, 3], isInteger: true },
        { name: 'grouped', dims: [5], values: [1, 2, 2, 4, 3], isInteger: true },
        { name: 'back', dims: [4], values: [1, -1, 4, 3], isInteger: true },
        { name: 'starts', dims: [1], values: [1], isInteger: true },
        { name: 'ends', dims: [1], values: [INT64_MAX], isInteger: true },
        { name: 'axes', dims: [1], values: [1], isInteger: true },
      ],
    );
    await assertRunsAsOnnxRuntime(bytes, [1, 4, 4, 3], 'shufflenet');
    const { model } = importOnnx(bytes, 'shufflenet.onnx');
    assert.deepEqual(
      model.layers.map((layer) => layer.className).filter((name) => name !== 'Input'),
      ['ChannelSlice', 'ChannelSlice', 'HardSwish', 'Concatenate', 'ChannelShuffle', 'ChannelSlice'],
    );
  });

  test('Split without sizes (an even split), Slice with negative positions', async () => {
    const bytes = graphModel(
      [1, 3, 3, 3],
      [
        { op: 'Split', inputs: ['input'], outputs: ['a', 'b', 'c'], attributes: { axis: -3 } },
        { op: 'Slice', inputs: ['input', 'starts', 'ends', 'axes'], outputs: ['d'] },
        { op: 'Mul', inputs: ['a', 'c'], outputs: ['ac'] },
        { op: 'Sub', inputs: ['ac', 'd'], outputs: ['acd'] },
        { op: 'Div', inputs: ['acd', 'b'], outputs: ['last'] },
        TO_NHWC,
      ],
      [
        { name: 'starts', dims: [1], values: [-2], isInteger: true },
        { name: 'ends', dims: [1], values: [-1], isInteger: true },
        { name: 'axes', dims: [1], values: [1], isInteger: true },
      ],
    );
    await assertRunsAsOnnxRuntime(bytes, [1, 3, 3, 3], 'split-even');
  });

  test('MaxPool and AveragePool with ceil_mode and count_include_pad', async () => {
    for (const countIncludePad of [0, 1]) {
      const bytes = graphModel(
        [1, 3, 7, 6],
        [
          {
            op: 'MaxPool',
            inputs: ['input'],
            outputs: ['max'],
            attributes: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
          },
          {
            op: 'AveragePool',
            inputs: ['max'],
            outputs: ['last'],
            attributes: {
              kernel_shape: [3, 3],
              strides: [2, 2],
              pads: [1, 1, 1, 1],
              ceil_mode: 1,
              count_include_pad: countIncludePad,
            },
          },
          TO_NHWC,
        ],
      );
      await assertRunsAsOnnxRuntime(bytes, [1, 3, 7, 6], `pools count_include_pad ${countIncludePad}`);
    }
  });
});

describe('ONNX import of a ConvNeXt block matches onnxruntime-node', () => {
  test(
    'Transpose to NHWC, LayerNormalization, MatMul + bias, the five-node Erf GELU, MatMul, Transpose ' +
      'back, layer scale, residual',
    async () => {
      const channels = 4;
      const hidden = 8;
      const bytes = graphModel(
        [2, channels, 3, 5],
        [
          { op: 'Transpose', inputs: ['input'], outputs: ['nhwc'], attributes: { perm: [0, 2, 3, 1] } },
          {
            op: 'LayerNormalization',
            inputs: ['nhwc', 'scale', 'shift'],
            outputs: ['normalized'],
            attributes: { axis: -1, epsilon: 1e-6 },
          },
          { op: 'MatMul', inputs: ['normalized', 'up'], outputs: ['expanded'] },
          { op: 'Add', inputs: ['upBias', 'expanded'], outputs: ['x'] },
          { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['scaled'] },
          { op: 'Erf', inputs: ['scaled'], outputs: ['erf'] },
          { op: 'Add', inputs: ['erf', 'one'], outputs: ['onePlus'] },
          { op: 'Mul', inputs: ['x', 'onePlus'], outputs: ['product'] },
          { op: 'Mul', inputs: ['product', 'half'], outputs: ['gelu'] },
          { op: 'MatMul', inputs: ['gelu', 'down'], outputs: ['reduced'] },
          { op: 'Transpose', inputs: ['reduced'], outputs: ['nchw'], attributes: { perm: [0, 3, 1, 2] } },
          { op: 'Mul', inputs: ['layerScale', 'nchw'], outputs: ['layerScaled'] },
          { op: 'Add', inputs: ['layerScaled', 'input'], outputs: ['last'] },
          TO_NHWC,
        ],
        [
          { name: 'scale', dims: [channels], values: values(channels, 91, 2) },
          { name: 'shift', dims: [channels], values: values(channels, 92) },
          { name: 'up', dims: [channels, hidden], values: values(channels * hidden, 93) },
          { name: 'upBias', dims: [hidden], values: values(hidden, 94) },
          { name: 'sqrt2', dims: [], values: [SQRT2_FLOAT32] },
          { name: 'one', dims: [], values: [1] },
          { name: 'half', dims: [], values: [0.5] },
          { name: 'down', dims: [hidden, channels], values: values(hidden * channels, 95) },
          { name: 'layerScale', dims: [channels, 1, 1], values: values(channels, 96) },
        ],
        17,
      );
      await assertRunsAsOnnxRuntime(bytes, [2, channels, 3, 5], 'convnext-block');
      const { model } = importOnnx(bytes, 'convnext-block.onnx');
      const classes = model.layers.map((layer) => layer.className);
      assert.equal(classes.filter((name) => name === 'GELU').length, 1, 'the five GELU nodes make one layer');
      assert.equal(classes.filter((name) => name === 'LayerNormalization').length, 1);
    },
  );

  test(
    'the decomposed layer normalization of opset 11 over NHWC channels, then its Mul and Add, as one ' +
      'LayerNormalization',
    async () => {
      const channels = 4;
      const bytes = graphModel(
        [2, channels, 3, 5],
        [
          { op: 'Transpose', inputs: ['input'], outputs: ['x'], attributes: { perm: [0, 2, 3, 1] } },
          { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attributes: { axes: [-1] } },
          { op: 'Sub', inputs: ['x', 'mean'], outputs: ['centred'] },
          { op: 'Pow', inputs: ['centred', 'two'], outputs: ['squared'] },
          { op: 'ReduceMean', inputs: ['squared'], outputs: ['variance'], attributes: { axes: [-1] } },
          { op: 'Add', inputs: ['variance', 'epsilon'], outputs: ['padded'] },
          { op: 'Sqrt', inputs: ['padded'], outputs: ['deviation'] },
          { op: 'Div', inputs: ['centred', 'deviation'], outputs: ['normalized'] },
          { op: 'Mul', inputs: ['normalized', 'weight'], outputs: ['scaled'] },
          { op: 'Add', inputs: ['scaled', 'bias'], outputs: ['output'] },
        ],
        [
          { name: 'two', dims: [], values: [2] },
          { name: 'epsilon', dims: [], values: [1e-6] },
          { name: 'weight', dims: [channels], values: values(channels, 97, 2) },
          { name: 'bias', dims: [channels], values: values(channels, 98) },
        ],
        11,
      );
      await assertRunsAsOnnxRuntime(bytes, [2, channels, 3, 5], 'decomposed-layer-norm');
      const { model } = importOnnx(bytes, 'decomposed-layer-norm.onnx');
      // The seven nodes make one LayerNormalization; the Mul and Add after it stay per-channel scales and shifts.
      assert.deepEqual(
        model.layers.map((layer) => layer.className),
        ['Input', 'LayerNormalization', 'Conv2D', 'Conv2D'],
      );
      // Outside a layer normalization Pow and Sqrt are Power layers (onnx/minMaxPower.test.ts); a computed exponent is
      // refused.
      refused(
        graphModel([1, 3, 2, 2], [{ op: 'Pow', inputs: ['input', 'input'], outputs: ['output'] }], [], 11),
        /'pow_0' \(Pow\): Pow is imported with a constant exponent only/,
      );
    },
  );

  test(
    'Erf outside the GELU chain, a GELU chain with another constant, LayerNormalization over NCHW ' +
      'channels: refused by name',
    () => {
      refused(
        graphModel([1, 3, 2, 2], [{ op: 'Erf', inputs: ['input'], outputs: ['output'] }]),
        /'erf_0' \(Erf\): Erf is imported only inside GELU/,
      );
      refused(
        graphModel(
          [1, 3, 2, 2],
          [
            { op: 'Div', inputs: ['input', 'sqrt2'], outputs: ['a'] },
            { op: 'Erf', inputs: ['a'], outputs: ['b'] },
            { op: 'Add', inputs: ['b', 'two'], outputs: ['c'] },
            { op: 'Mul', inputs: ['input', 'c'], outputs: ['d'] },
            { op: 'Mul', inputs: ['d', 'two'], outputs: ['output'] },
          ],
          [
            { name: 'sqrt2', dims: [], values: [SQRT2_FLOAT32] },
            { name: 'two', dims: [], values: [2] },
          ],
        ),
        /'add_2' \(Add\): in GELU's x \* \(1 \+ Erf\(x \/ sqrt 2\)\) \* 0.5 the Add after Erf must add the constant 1/,
      );
      refused(
        graphModel(
          [1, 3, 2, 2],
          [{ op: 'LayerNormalization', inputs: ['input', 's'], outputs: ['output'], attributes: { axis: 1 } }],
          [{ name: 's', dims: [3], values: [1, 1, 1] }],
          17,
        ),
        /only a layer normalization over the channels/,
      );
    },
  );
});

describe('what the mobile-network mappers refuse, by name', () => {
  test(
    'a split or slice off the channels, a step, a constant divided by maps, a 5-D reshape that ' + 'is not a shuffle',
    () => {
      refused(
        graphModel(
          [1, 4, 4, 4],
          [
            { op: 'Split', inputs: ['input'], outputs: ['a', 'b'], attributes: { axis: 2 } },
            { op: 'Add', inputs: ['a', 'b'], outputs: ['output'] },
          ],
        ),
        /'split_0' \(Split\): only Split along the channels of feature maps is imported, got axis 2 of NCHW feature maps/,
      );
      refused(
        graphModel(
          [1, 4, 4, 4],
          [{ op: 'Slice', inputs: ['input', 's', 'e', 'a', 'st'], outputs: ['output'] }],
          [
            { name: 's', dims: [1], values: [0], isInteger: true },
            { name: 'e', dims: [1], values: [4], isInteger: true },
            { name: 'a', dims: [1], values: [1], isInteger: true },
            { name: 'st', dims: [1], values: [2], isInteger: true },
          ],
        ),
        /'slice_0' \(Slice\): only a slice of one axis with step 1 is imported/,
      );
      refused(
        graphModel(
          [1, 4, 4, 4],
          [{ op: 'Div', inputs: ['k', 'input'], outputs: ['output'] }],
          [{ name: 'k', dims: [1], values: [2] }],
        ),
        /'div_0' \(Div\): a constant divided by feature maps is not imported/,
      );
      refused(
        graphModel(
          [1, 4, 4, 4],
          [{ op: 'Reshape', inputs: ['input', 'shape'], outputs: ['output'] }],
          [{ name: 'shape', dims: [5], values: [1, 2, 2, 4, 4], isInteger: true }],
        ),
        /'reshape_0' \(Reshape\): a reshape of 4x4x4 maps to 5 axes is imported only as a channel shuffle/,
      );
    },
  );
});

describe('exportOnnx writes the mobile-network layers; onnxruntime-node gives the same outputs', () => {
  /**
   * A graph with every new layer: pooling modes, a squeeze-and-excitation gate, Subtract, Divide, slices, a shuffle, a
   * layer norm.
   */
  function mobileModel(withLayerNorm: boolean): Model {
    const input = new Input({ shape: [9, 8, 3] });
    const stem = new MaxPool2D({ poolSize: 2, ceilMode: true }).apply(
      new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }).apply(input.output),
    );
    const squeezed = new AvgPool2D({ poolSize: [5, 4] }).apply(stem);
    const gate = new HardSigmoid({ alpha: 1 / 6 }).apply(new Conv2D({ filters: 8, kernelSize: 1 }).apply(squeezed));
    const gated = new Subtract().apply([new Multiply().apply([stem, gate]), gate]);
    const divided = new Divide().apply([
      gated,
      new HardSigmoid({ beta: 0.8 }).apply(new Conv2D({ filters: 1, kernelSize: 1 }).apply(stem)),
    ]);
    const left = new ChannelSlice({ start: 0, end: 3 }).apply(divided);
    const right = new HardSwish().apply(new ChannelSlice({ start: 3, end: 8 }).apply(divided));
    let joined = new ChannelShuffle({ groups: 2 }).apply(
      new Concatenate().apply([right, left, new ChannelSlice({ start: 6, end: 8 }).apply(divided)]),
    );
    if (withLayerNorm) joined = new LayerNormalization().apply(joined);
    const pooled = new AvgPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }).apply(
      joined,
    );
    const output = new Dense({ units: 4 }).apply(new GlobalAveragePooling2D().apply(pooled));
    return new Model({ inputs: input.output, outputs: output }, { seed: 1520 });
  }

  for (const withLayerNorm of [false, true]) {
    test(
      `every new layer${withLayerNorm ? ', LayerNormalization too' : ''}: exported, run in ` +
        `onnxruntime-node${withLayerNorm ? '' : ', imported back'}`,
      async () => {
        const model = mobileModel(withLayerNorm);
        if (withLayerNorm) {
          const gammaBeta = model.layers.find((layer) => layer.className === 'LayerNormalization')!.weights();
          gammaBeta.forEach(({ tensor }, index) => {
            tensor.dataSync().set(values(tensor.size, 1530 + index, 0.5).map((value) => value + (index === 0 ? 1 : 0)));
          });
        }
        const random = new Random(1521);
        const x = Tensor.fromArray(
          Float32Array.from({ length: 2 * 9 * 8 * 3 }, () => random.uniform()),
          [2, 9, 8, 3],
        );
        const expected = model.predict(x).dataSync();
        const bytes = exportOnnx(model);
        const session = await ort.InferenceSession.create(bytes);
        const { output } = await session.run({
          input: new ort.Tensor('float32', toChannelsFirst(x.dataSync() as Float32Array, 9, 8, 3), [2, 3, 9, 8]),
        });
        assertClose(output!.data as Float32Array, expected, { atol: 1e-5 }, 'onnxruntime-node vs ConvNet.ts');
        if (!withLayerNorm) {
          const { model: imported, inputLayout } = importOnnx(bytes, 'mobile.onnx');
          const batch = Tensor.fromArray(toChannelsFirst(x.dataSync() as Float32Array, 9, 8, 3), [2, 3, 9, 8]);
          assertClose(
            imported.predict(importedInput(batch, inputLayout)).dataSync(),
            expected,
            { atol: 1e-5 },
            'imported back',
          );
        }
      },
    );
  }
});
