// Graphs with several outputs. ONNX: a small segmentation-style graph (built here with onnx-proto,
// opset 13) with a main head 'out' (ConvTranspose up to NCHW maps), an auxiliary head 'aux' (pooled,
// Gemm) and 'features' (a Conv output that a Relu also reads: it must not fuse away) imports; every
// output, by name, matches onnxruntime-node within 1e-5 (NCHW ones transposed), model.predict is
// 'out', outputLayouts say how ONNX lays each out; the names survive serializeModel / parseModel, and
// a file of the older format (no 'outputs' field) still loads. Model: several symbolic outputs,
// predictOutputs in batches equal to forwardOutputs, exportOnnx of every output, and the errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  Conv2D,
  Dense,
  exportOnnx,
  FileFormatError,
  GlobalAveragePooling2D,
  importedInput,
  importOnnx,
  Input,
  Model,
  parseModel,
  Random,
  ReLU,
  serializeModel,
  Tensor,
  toChannelsFirst,
  ValueError,
} from '../../../src/index.js';
import { assertClose, assertThrowsWith } from '../../helpers.js';

function values(count: number, seed: number): number[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => 2 * random.uniform() - 1);
}

/**
 * input [2, 3, 5, 6] -> Conv 'features' [2, 4, 5, 6] -> Relu -> ConvTranspose 'out' [2, 2, 10, 12]; Relu ->
 * GlobalAveragePool -> Flatten -> Gemm 'aux' [2, 3].
 */
function twoHeadModel(): Uint8Array {
  const { onnx } = onnxProto;
  const { FLOAT } = onnx.TensorProto.DataType;
  const { INTS, INT } = onnx.AttributeProto.AttributeType;
  const tensor = (name: string, dims: number[], seed: number) => ({
    name,
    dims,
    dataType: FLOAT,
    floatData: values(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ),
  });
  const output = (name: string) => ({ name, type: { tensorType: { elemType: FLOAT } } });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'heads',
      input: [
        {
          name: 'input',
          type: { tensorType: { elemType: FLOAT, shape: { dim: [2, 3, 5, 6].map((dimValue) => ({ dimValue })) } } },
        },
      ],
      output: [output('out'), output('aux'), output('features')],
      initializer: [
        tensor('w', [4, 3, 3, 3], 2601),
        tensor('b', [4], 2602),
        tensor('up', [4, 2, 2, 2], 2603),
        tensor('upBias', [2], 2604),
        tensor('dense', [3, 4], 2605),
        tensor('denseBias', [3], 2606),
      ],
      node: [
        {
          opType: 'Conv',
          name: 'conv',
          input: ['input', 'w', 'b'],
          output: ['features'],
          attribute: [{ name: 'pads', type: INTS, ints: [1, 1, 1, 1] }],
        },
        { opType: 'Relu', name: 'relu', input: ['features'], output: ['active'] },
        {
          opType: 'ConvTranspose',
          name: 'upsample',
          input: ['active', 'up', 'upBias'],
          output: ['out'],
          attribute: [{ name: 'strides', type: INTS, ints: [2, 2] }],
        },
        { opType: 'GlobalAveragePool', name: 'pool', input: ['active'], output: ['pooled'] },
        {
          opType: 'Flatten',
          name: 'flatten',
          input: ['pooled'],
          output: ['vector'],
          attribute: [{ name: 'axis', type: INT, i: 1 }],
        },
        {
          opType: 'Gemm',
          name: 'aux',
          input: ['vector', 'dense', 'denseBias'],
          output: ['aux'],
          attribute: [{ name: 'transB', type: INT, i: 1 }],
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const INPUT_DIMS = [2, 3, 5, 6];

describe('ONNX graphs with several outputs', () => {
  test('every output matches onnxruntime-node by name; predict is the first; layouts are reported', async () => {
    const bytes = twoHeadModel();
    const random = new Random(2607);
    const x = Float32Array.from({ length: 180 }, () => 2 * random.uniform() - 1);
    const { model, inputLayout, outputLayouts } = importOnnx(bytes, 'heads.onnx');
    assert.deepEqual(model.outputNames, ['out', 'aux', 'features']);
    assert.deepEqual(outputLayouts, { out: 'NCHW', aux: 'vector', features: 'NCHW' });
    const batch = importedInput(Tensor.fromArray(x, INPUT_DIMS), inputLayout);
    const ours = model.forwardOutputs(batch);
    const expected = await (await ort.InferenceSession.create(bytes)).run({
      input: new ort.Tensor('float32', x, INPUT_DIMS),
    });
    for (const name of model.outputNames) {
      const actual = ours[name]!;
      const wanted = expected[name]!;
      const channelsFirst =
        actual.rank === 4
          ? toChannelsFirst(actual.dataSync() as Float32Array, actual.shape[1]!, actual.shape[2]!, actual.shape[3]!)
          : actual.dataSync();
      assert.equal(actual.size, wanted.data.length, `${name}: size`);
      assertClose(
        channelsFirst,
        wanted.data as Float32Array,
        { atol: 1e-5, rtol: 0 },
        `${name}: ConvNet.ts vs onnxruntime-node`,
      );
    }
    assert.deepEqual(ours.out!.shape, [2, 10, 12, 2]);
    assertClose(
      model.predict(batch).dataSync(),
      ours.out!.dataSync(),
      { atol: 0, rtol: 0 },
      'predict is the first output',
    );
    const batched = model.predictOutputs(batch, { batchSize: 1 });
    for (const name of model.outputNames)
      assertClose(batched[name]!.dataSync(), ours[name]!.dataSync(), { atol: 0, rtol: 0 }, `predictOutputs ${name}`);
  });

  test('saving and loading keeps the output names; a file without them (older format) loads with one output', () => {
    const { model } = importOnnx(twoHeadModel(), 'heads.onnx');
    const { manifest, weights } = serializeModel(model);
    const loaded = parseModel(manifest, weights).model;
    assert.deepEqual(loaded.outputNames, ['out', 'aux', 'features']);
    assert.deepEqual(loaded.outputNodes, model.outputNodes);
    const x = Tensor.fromArray(values(180, 2608), [2, 5, 6, 3]);
    const [before, after] = [model.forwardOutputs(x), loaded.forwardOutputs(x)];
    for (const name of model.outputNames)
      assertClose(after[name]!.dataSync(), before[name]!.dataSync(), { atol: 0, rtol: 0 }, `loaded ${name}`);
    const older = JSON.parse(manifest) as Record<string, unknown>;
    delete older.outputs;
    const single = parseModel(JSON.stringify(older), weights).model;
    assert.deepEqual(single.outputNames, [single.layers[single.layers.length - 1]!.name]);
    assertClose(
      single.predict(x).dataSync(),
      before.out!.dataSync(),
      { atol: 0, rtol: 0 },
      'older format predicts the first output',
    );
    const broken = (outputs: unknown, pattern: RegExp) => {
      const text = JSON.stringify({ ...older, outputs });
      assert.throws(
        () => parseModel(text, weights),
        (error: unknown) => error instanceof FileFormatError && pattern.test(error.message),
        String(pattern),
      );
    };
    broken('out', /field 'outputs' must be a list of \{ name, layer \} records/);
    broken([{ name: 'out', layer: 1.5 }], /field 'outputs' must be a list/);
    broken([{ name: 'out', layer: 0 }], /outputs must be node indices, the first the last node/);
    broken(
      [
        { name: 'out', layer: single.layers.length - 1 },
        { name: 'out', layer: 1 },
      ],
      /outputNames must be 2 unique/,
    );
  });
});

describe('Model with several outputs', () => {
  test('symbolic outputs: the first is the model output, the others by their layer names or the names given', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const features = new Conv2D({ name: 'features', filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const active = new ReLU().apply(features);
    const logits = new Dense({ name: 'logits', units: 2 }).apply(new GlobalAveragePooling2D().apply(active));
    const model = new Model({ inputs: input.output, outputs: [logits, features] }, { seed: 2609 });
    assert.deepEqual(model.outputNames, ['logits', 'features']);
    const x = Tensor.fromArray(values(96, 2610), [2, 4, 4, 3]);
    const outputs = model.forwardOutputs(x);
    // The Conv2D's output is an output itself: it is returned before the ReLU, not fused with it.
    assert.ok(
      [...outputs.features!.dataSync()].some((value) => value < 0),
      'features keep their negative values',
    );
    assertClose(outputs.logits!.dataSync(), model.predict(x).dataSync(), { atol: 0, rtol: 0 }, 'first output');
    const named = new Model({ inputs: input.output, outputs: [logits, features] }, { outputNames: ['scores', 'maps'] });
    assert.deepEqual(Object.keys(named.forwardOutputs(x)), ['scores', 'maps']);
  });

  test(
    'exportOnnx writes every output (maps NCHW) and onnxruntime-node gives them; import ' + 'reads them back',
    async () => {
      const input = new Input({ shape: [4, 4, 3] });
      const features = new Conv2D({ name: 'features', filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
      const logits = new Dense({ units: 2 }).apply(new GlobalAveragePooling2D().apply(new ReLU().apply(features)));
      const model = new Model(
        { inputs: input.output, outputs: [logits, features] },
        { seed: 2611, outputNames: ['scores', 'maps'] },
      );
      const x = Tensor.fromArray(values(96, 2612), [2, 4, 4, 3]);
      const ours = model.forwardOutputs(x);
      const bytes = exportOnnx(model);
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual(session.outputNames, ['output', 'maps']);
      const theirs = await session.run({
        input: new ort.Tensor('float32', toChannelsFirst(x.dataSync() as Float32Array, 4, 4, 3), [2, 3, 4, 4]),
      });
      assertClose(
        theirs.output!.data as Float32Array,
        ours.scores!.dataSync(),
        { atol: 1e-5, rtol: 0 },
        'first output',
      );
      assertClose(
        theirs.maps!.data as Float32Array,
        toChannelsFirst(ours.maps!.dataSync() as Float32Array, 4, 4, 4),
        { atol: 1e-5, rtol: 0 },
        'maps, NCHW',
      );
      const back = importOnnx(bytes, 'exported.onnx');
      assert.deepEqual(back.model.outputNames, ['output', 'maps']);
      assertClose(
        back.model.forwardOutputs(x).maps!.dataSync(),
        ours.maps!.dataSync(),
        { atol: 1e-5, rtol: 0 },
        'imported back',
      );
    },
  );

  test('errors: the first output feeding another, repeated or mismatched names', () => {
    const input = new Input({ shape: [4, 4, 3] });
    const features = new Conv2D({ name: 'f', filters: 4, kernelSize: 1 }).apply(input.output);
    const after = new ReLU({ name: 'r' }).apply(features);
    assertThrowsWith(
      () => new Model({ inputs: input.output, outputs: [features, after] }),
      ValueError,
      "the first output (Conv2D 'f') feeds another output",
    );
    assertThrowsWith(
      () => new Model({ inputs: input.output, outputs: [after, features] }, { outputNames: ['a', 'a'] }),
      ValueError,
      'outputNames must be 2 unique',
    );
    assertThrowsWith(
      () => new Model({ inputs: input.output, outputs: [after, features] }, { outputNames: ['a'] }),
      ValueError,
      'outputNames must be 2 unique',
    );
  });
});
