// ONNX export: every preset and every layer, exported and run in onnxruntime-node, gives the outputs
// ConvNet.ts gives (max abs difference < 1e-4) on random inputs, fed channels first as ONNX expects.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  Add,
  AvgPool2D,
  BatchNormalization,
  Clip,
  Concatenate,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  exportOnnx,
  Flatten,
  GELU,
  GlobalAveragePooling2D,
  Input,
  LeakyReLU,
  MaxPool2D,
  Model,
  Multiply,
  PRESETS,
  Random,
  ReLU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Tanh,
  Tensor,
  toChannelsFirst,
  ValueError,
  ZeroPadding2D,
  type Layer,
} from '../../src/index.js';

const { onnx } = onnxProto;

async function compare(model: Model, label: string, batch = 3): Promise<void> {
  const random = new Random(17);
  const shape = [batch, ...model.inputShape];
  const x = Tensor.fromArray(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform()),
    shape,
  );
  const expected = model.predict(x).dataSync();
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const input =
    shape.length === 4
      ? toChannelsFirst(x.dataSync() as Float32Array, shape[1]!, shape[2]!, shape[3]!)
      : (x.dataSync() as Float32Array);
  const dims = shape.length === 4 ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape;
  const { output } = await session.run({ input: new ort.Tensor('float32', input, dims) });
  const actual = output!.data as Float32Array;
  assert.equal(actual.length, expected.length, `${label}: output size`);
  let largest = 0;
  for (let index = 0; index < actual.length; index++)
    largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
  assert.ok(largest < 1e-4, `${label}: largest difference ${largest}`);
}

/** Random moving statistics, so inference-mode batch normalization is not the identity. */
function perturbNormalization(model: Model): void {
  const random = new Random(3);
  for (const layer of model.layers) {
    if (!(layer instanceof BatchNormalization)) continue;
    for (const tensor of [layer.gamma!, layer.beta!, layer.movingMean!, layer.movingVariance!]) {
      for (let index = 0; index < tensor.size; index++)
        tensor.dataSync()[index] = tensor === layer.movingVariance ? 0.5 + random.uniform() : random.uniform() - 0.5;
    }
  }
}

describe('ONNX export runs in onnxruntime-node with the same outputs', () => {
  for (const name of Object.keys(PRESETS)) {
    test(`preset ${name}`, async () => {
      const model = PRESETS[name]!({ seed: 2 });
      perturbNormalization(model);
      await compare(model, name);
    });
  }

  const chains: [string, number[], Layer[]][] = [
    [
      'Conv2D valid/same/explicit pads, strides, no bias; MaxPool2D same; AvgPool2D same',
      [13, 11, 3],
      [
        new Conv2D({ filters: 5, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }),
        new Conv2D({ filters: 4, kernelSize: 3, padding: [1, 0, 2, 1], useBias: false }),
        new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' }),
        new AvgPool2D({ poolSize: 2, padding: 'same' }),
        new Flatten(),
        new Dense({ units: 4 }),
        new Softmax(),
      ],
    ],
    [
      'dilated, grouped and depthwise Conv2D; ZeroPadding2D',
      [12, 12, 4],
      [
        new Conv2D({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same' }),
        new ZeroPadding2D({ padding: [1, 2, 0, 3] }),
        new Conv2D({ filters: 8, kernelSize: 3, groups: 4 }),
        new Conv2D({ filters: 8, kernelSize: 3, groups: 8, padding: 'same' }),
        new GlobalAveragePooling2D(),
        new Dense({ units: 3, useBias: false }),
        new Softmax(),
      ],
    ],
    [
      'every activation, BatchNormalization on maps and vectors, Dropout',
      [8, 8, 1],
      [
        new Conv2D({ filters: 4, kernelSize: 3 }),
        new BatchNormalization(),
        new LeakyReLU({ alpha: 0.2 }),
        new Conv2D({ filters: 4, kernelSize: 3 }),
        new ELU({ alpha: 0.7 }),
        new Conv2D({ filters: 4, kernelSize: 1 }),
        new GELU(),
        new Conv2D({ filters: 4, kernelSize: 1 }),
        new SiLU(),
        new Flatten(),
        new Dense({ units: 6 }),
        new BatchNormalization(),
        new Tanh(),
        new Dropout({ rate: 0.5 }),
        new Dense({ units: 5 }),
        new Sigmoid(),
        new Dense({ units: 3 }),
        new Softmax(),
      ],
    ],
    [
      'Clip with both bounds (ReLU6, Hardtanh-like), with one and with none, on maps and vectors',
      [8, 8, 3],
      [
        new Conv2D({ filters: 4, kernelSize: 3 }),
        new Clip({ min: -0.2, max: 0.3 }),
        new Conv2D({ filters: 4, kernelSize: 3 }),
        new Clip({ max: 0.1 }),
        new Conv2D({ filters: 4, kernelSize: 1 }),
        new Clip({ min: -0.05 }),
        new Flatten(),
        new Dense({ units: 6 }),
        new Clip(),
        new Dense({ units: 5 }),
        new Clip({ min: 0, max: 6 }),
        new Dense({ units: 3 }),
        new Softmax(),
      ],
    ],
    ['vectors only', [7], [new Dense({ units: 5 }), new ReLU(), new Dense({ units: 2 }), new Softmax()]],
  ];
  for (const [label, shape, layers] of chains) {
    test(label, async () => {
      const model = new Sequential([new Input({ shape }), ...layers], { seed: 4 });
      perturbNormalization(model);
      await compare(model, label);
    });
  }

  test('a graph with Add (three inputs) and Concatenate on maps and on vectors', async () => {
    const input = new Input({ shape: [8, 8, 3] });
    const a = new ReLU().apply(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output));
    const b = new Conv2D({ filters: 4, kernelSize: 1 }).apply(a);
    const c = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
    const sum = new Add().apply([a, b, c]);
    const joined = new Concatenate().apply([sum, new Conv2D({ filters: 2, kernelSize: 1 }).apply(input.output)]);
    const left = new GlobalAveragePooling2D().apply(joined);
    const right = new Dense({ units: 3 }).apply(new Flatten().apply(new MaxPool2D().apply(joined)));
    const output = new Softmax().apply(new Dense({ units: 4 }).apply(new Concatenate().apply([left, right])));
    await compare(new Model({ inputs: input.output, outputs: output }, { seed: 6 }), 'graph');
  });

  test(
    'a graph with Multiply (two and three inputs: a sigmoid gate, then a chain of Mul) on maps ' + 'and on vectors',
    async () => {
      const input = new Input({ shape: [7, 6, 3] });
      const features = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input.output);
      const gate = new Sigmoid().apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(input.output));
      const gated = new Multiply().apply([features, gate]);
      const third = new Clip({ min: -0.5, max: 0.5 }).apply(new Conv2D({ filters: 4, kernelSize: 1 }).apply(gated));
      const product = new Multiply().apply([gated, third, features]);
      const vector = new GlobalAveragePooling2D().apply(product);
      const scaled = new Multiply().apply([vector, new Tanh().apply(new Dense({ units: 4 }).apply(vector))]);
      const output = new Softmax().apply(new Dense({ units: 3 }).apply(scaled));
      const model = new Model({ inputs: input.output, outputs: output }, { seed: 8 });
      await compare(model, 'multiply graph');
      const nodes = onnx.ModelProto.decode(exportOnnx(model)).graph!.node!;
      assert.equal(nodes.filter((node) => node.opType === 'Mul').length, 1 + 2 + 1, 'one Mul per pair of factors');
      const clip = nodes.find((node) => node.opType === 'Clip')!;
      assert.equal(clip.input!.length, 3, 'Clip reads its input, min and max');
    },
  );

  test('an infinite Clip bound is left out of the node: an empty name, or none at the end', () => {
    const model = new Sequential([new Input({ shape: [3] }), new Clip({ max: 1 }), new Clip({ min: -1 }), new Clip()]);
    const nodes = onnx.ModelProto.decode(exportOnnx(model)).graph!.node!;
    assert.deepEqual(
      nodes.map((node) => node.input!.map((name) => name.replace(/^clip_\d+\//, ''))),
      [['input', '', 'max'], ['clip_1', 'min'], ['clip_2']],
    );
  });

  test('a layer without an export is named', () => {
    class Custom extends Dense {
      override readonly className = 'Custom' as 'Dense';
    }
    const model = new Sequential([new Input({ shape: [3] }), new Custom({ units: 2 })]);
    assert.throws(
      () => exportOnnx(model),
      (error: unknown) =>
        error instanceof ValueError && /layer 'custom_1' is a Custom, which has no ONNX export/.test(error.message),
    );
  });
});
