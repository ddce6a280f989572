// Fuzzing the file readers: thousands of seeded mutations of a valid model (model.json and
// weights.safetensors), of valid .npy files and of ONNX files. Every case must either load or raise a typed
// ConvNetError, quickly, without allocating beyond a bound: never a TypeError, RangeError or hang.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  Add,
  AvgPool2D,
  BatchNormalization,
  Concatenate,
  Conv2D,
  decodeNpy,
  Dense,
  Dropout,
  ELU,
  encodeNpy,
  Flatten,
  GELU,
  GlobalAveragePooling2D,
  exportOnnx,
  IMAGENET_CLASS_NAMES,
  importOnnx,
  ONNX_IMPORT_OPERATORS,
  Input,
  LeakyReLU,
  MaxPool2D,
  Model,
  parseLabels,
  parseModel,
  preprocessingPreset,
  Random,
  ReLU,
  serializeModel,
  Sigmoid,
  SiLU,
  Softmax,
  Tanh,
  Tensor,
  ZeroPadding2D,
} from '../../src/index.js';
import { MAX_EXAMPLE_ACTIVATION_ELEMENTS, MAX_FEATURE_MAP_ELEMENTS } from '../../src/core/limits.js';
import { check, mutateBytes, mutateJson } from '../fuzzing.js';
import { repoRoot } from '../helpers.js';

/**
 * The PyTorch-exported fixtures of test/fixtures/onnx: between them every operator the importer maps
 * (torchvision-ops, channels-last-block and mobile-ops hold those torchvision's classifiers added:
 * HardSigmoid, HardSwish, Split, Slice, Sub, Div, Erf, Pow, Sqrt, ReduceMean, LayerNormalization, the
 * channel shuffle and the shape arithmetic over a dynamic batch).
 */
const ONNX_FIXTURES = [
  'plain',
  'branches',
  'gates',
  'keras-style',
  'torchvision-ops',
  'channels-last-block',
  'mobile-ops',
  'mobile-ops-opset17',
  'decoder-ops',
  'upsample-opset9',
];

describe('fuzzed files raise typed errors, never crash, hang or allocate without bound', () => {
  // Every layer type, in a graph (so the inputs lists are fuzzed too).
  const input = new Input({ shape: [8, 8, 3] });
  const x = new LeakyReLU({ alpha: 0.1 }).apply(
    new BatchNormalization().apply(
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2 }).apply(input.output),
    ),
  );
  const y = new ELU().apply(
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', groups: 2 }).apply(
      new ZeroPadding2D({ padding: 0 }).apply(x),
    ),
  );
  const joined = new Concatenate().apply([
    new Add().apply([x, y]),
    new AvgPool2D({ poolSize: 1, padding: 'same' }).apply(new GELU().apply(x)),
  ]);
  const pooled = new GlobalAveragePooling2D().apply(
    new Tanh().apply(new Sigmoid().apply(new MaxPool2D().apply(new SiLU().apply(joined)))),
  );
  const head = new Dense({ units: 3 }).apply(
    new Dropout({ rate: 0.2 }).apply(new Flatten().apply(new ReLU().apply(pooled))),
  );
  // With a preprocessing, so its fields are fuzzed in model.json and in the ONNX metadata.
  const model = new Model(
    { inputs: input.output, outputs: new Softmax().apply(head) },
    { seed: 1, preprocessing: preprocessingPreset('imagenet') },
  );
  const { manifest, weights } = serializeModel(model, { classNames: ['a', 'b', 'c'] });

  test('the valid files load', () => {
    assert.equal(parseModel(manifest, weights).model.layers.length, model.layers.length);
  });

  test('2,000 mutations of weights.safetensors', () => {
    const random = new Random(101);
    for (let index = 0; index < 2000; index++) {
      const damaged = mutateBytes(weights, random);
      check(`weights case ${index}`, () => parseModel(manifest, damaged));
    }
  });

  test('2,000 byte mutations and 2,000 value mutations of model.json', () => {
    const random = new Random(102);
    const bytes = new TextEncoder().encode(manifest);
    for (let index = 0; index < 2000; index++) {
      const damaged = new TextDecoder().decode(mutateBytes(bytes, random));
      check(`manifest bytes case ${index}`, () => parseModel(damaged, weights));
    }
    for (let index = 0; index < 2000; index++) {
      const damaged = mutateJson(manifest, random);
      check(`manifest value case ${index}: ${damaged.slice(0, 300)}`, () => parseModel(damaged, weights));
    }
  });

  test('2,000 mutations of a labels file', () => {
    const random = new Random(105);
    const bytes = new TextEncoder().encode(`${IMAGENET_CLASS_NAMES.slice(0, 50).join('\n')}\n`);
    for (let index = 0; index < 2000; index++) {
      const damaged = new TextDecoder().decode(mutateBytes(bytes, random));
      check(`labels case ${index}`, () => parseLabels(damaged, 'labels.txt', index % 2 === 0 ? 50 : undefined));
    }
  });

  test('2,000 mutations of .npy files of each dtype', () => {
    const random = new Random(103);
    const files = [
      encodeNpy({ shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) }),
      encodeNpy({ shape: [5], data: Float64Array.of(1, 2, 3, 4, 5) }),
      encodeNpy({ shape: [2, 2, 2], data: new Uint8Array(8) }),
      encodeNpy({ shape: [2], data: BigInt64Array.of(1n, -1n) }),
    ];
    for (let index = 0; index < 2000; index++) {
      const damaged = mutateBytes(files[index % files.length]!, random);
      check(`npy case ${index}`, () => decodeNpy(damaged, 'fuzz.npy'));
    }
  });

  test(
    'the ONNX fixtures hold every operator the importer maps but Gelu (opset 20), Sum and Squeeze, which ' +
      'PyTorch 1.13 does not write for these CNNs',
    () => {
      const operators = new Set(
        ONNX_FIXTURES.flatMap((name) =>
          onnxProto.onnx.ModelProto.decode(
            readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', `${name}.onnx`)),
          ).graph!.node!.map((node) => node.opType),
        ),
      );
      assert.deepEqual(
        ONNX_IMPORT_OPERATORS.filter((operator) => !operators.has(operator)),
        ['Gelu', 'Sum', 'Squeeze'],
      );
    },
  );

  test('3,000 mutations of ONNX files (ten exported by PyTorch, with every operator mapped, one by ConvNet.ts)', () => {
    const random = new Random(104);
    const files = [
      ...ONNX_FIXTURES.map((name) => readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', `${name}.onnx`))),
      exportOnnx(model),
    ];
    for (let index = 0; index < 3000; index++) {
      const damaged = mutateBytes(files[index % files.length]!, random);
      check(`onnx case ${index}`, () => importOnnx(damaged, 'fuzz.onnx'));
    }
  });
});

describe('ONNX files whose declared sizes are hostile raise typed errors within the same bounds', () => {
  test(
    '2,000 structural mutations: a pad, window, stride, axis, input size, initializer dim or shape value ' +
      'set to a hostile size; what imports is within the graph limits and runs',
    () => {
      const { onnx } = onnxProto;
      const INT64 = onnx.TensorProto.DataType.INT64;
      const hostile = [-1, 0, 3, 65_536, 100_000, 1e9, 2 ** 31, 2 ** 53];
      const input = new Input({ shape: [8, 8, 3] });
      const padded = new MaxPool2D({ padding: 'same' }).apply(
        new ZeroPadding2D({ padding: 1 }).apply(
          new Conv2D({ filters: 4, kernelSize: 3, strides: 2 }).apply(input.output),
        ),
      );
      const exported = exportOnnx(
        new Model({
          inputs: input.output,
          outputs: new Softmax().apply(new Dense({ units: 3 }).apply(new Flatten().apply(padded))),
        }),
      );
      const files = [
        ...ONNX_FIXTURES.map((name) => readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', `${name}.onnx`))),
        exported,
      ];
      const random = new Random(105);
      for (let index = 0; index < 2000; index++) {
        const proto = onnx.ModelProto.decode(files[index % files.length]!);
        const graph = proto.graph!;
        // Every place a file declares a size, as a setter.
        const slots: ((value: number) => void)[] = [];
        for (const node of graph.node ?? []) {
          for (const attribute of node.attribute ?? []) {
            const ints = attribute.ints ?? [];
            ints.forEach((_, at) => {
              slots.push((value) => (ints[at] = value));
            });
            if (attribute.type === onnx.AttributeProto.AttributeType.INT) slots.push((value) => (attribute.i = value));
          }
        }
        for (const value of graph.input ?? [])
          for (const dim of value.type?.tensorType?.shape?.dim ?? []) slots.push((size) => (dim.dimValue = size));
        for (const tensor of graph.initializer ?? []) {
          const dims = tensor.dims ?? [];
          dims.forEach((_, at) => {
            slots.push((value) => (dims[at] = value));
          });
          if (tensor.dataType !== INT64) continue;
          const int64s = tensor.int64Data ?? [];
          int64s.forEach((_, at) => {
            slots.push((value) => (int64s[at] = value));
          });
          const raw = tensor.rawData;
          if (raw !== null && raw !== undefined) {
            const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
            for (let at = 0; at + 8 <= raw.byteLength; at += 8)
              slots.push((value) => view.setBigInt64(at, BigInt(value), true));
          }
        }
        const value = hostile[random.integer(hostile.length)]!;
        slots[random.integer(slots.length)]!(value);
        const damaged = onnx.ModelProto.encode(proto).finish();
        // What imports must be within the graph limits, and run where it is small (a model within the
        // limits may take minutes: the fuzzing bounds of 1 s and 512 MiB are tighter than the policy's).
        check(`onnx structure case ${index} (file ${index % files.length}, value ${value})`, () => {
          const { model } = importOnnx(damaged, 'fuzz.onnx');
          const maps = model.layerOutputShapes.map((shape) => shape.reduce((product, extent) => product * extent, 1));
          assert.ok(
            maps.every((size) => size <= MAX_FEATURE_MAP_ELEMENTS),
            `a feature map past the limit: ${maps.join(', ')}`,
          );
          const total = maps.reduce((sum, size) => sum + size, 0);
          assert.ok(total <= MAX_EXAMPLE_ACTIVATION_ELEMENTS, `feature maps of ${total} values in all`);
          if (total <= 2 ** 20 && model.summaryData().totalMultiplyAdds <= 2 ** 26)
            model.predict(Tensor.zeros([1, ...model.inputShape]));
        });
      }
    },
  );
});
