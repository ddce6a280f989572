// The wire scan (src/io/onnxWireScan.ts) against onnx-proto's decoder, which it must mirror: on valid
// files it counts exactly what decoding makes, on damaged ones never less, and where it says a file
// is not protobuf the decoder throws too. Real-sized exports are estimated far below the budget.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { FileFormatError, Random } from '../../src/index.js';
import { MAX_ONNX_DECODED_HEAP_BYTES } from '../../src/core/limits.js';
import { scanOnnxWire, type OnnxWireCounts } from '../../src/io/onnxWireScan.js';
import { mutateBytes } from '../fuzzing.js';
import { repoRoot } from '../helpers.js';

const { onnx } = onnxProto;

type Counted = Omit<OnnxWireCounts, 'decodedHeapBytes' | 'scannedBytes'>;

/** What a decoded ModelProto holds, counted as the scan counts it (a Long is an object with low, high and unsigned). */
function decodedCounts(model: object): Counted {
  const counts = { nodes: 0, messages: 0, int64Values: 0, numbers: 0, strings: 0, stringBytes: 0, byteStrings: 0 };
  const pending: object[] = [model];
  while (pending.length > 0) {
    const message = pending.pop()!;
    counts.messages++;
    if (message instanceof onnx.NodeProto) counts.nodes++;
    for (const value of Object.values(message)) {
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (typeof item === 'number') {
          counts.numbers++;
        } else if (typeof item === 'string') {
          counts.strings++;
          counts.stringBytes += Buffer.byteLength(item);
        } else if (item instanceof Uint8Array) {
          counts.byteStrings++;
        } else if (item !== null && typeof item === 'object' && 'unsigned' in item && 'low' in item) {
          counts.int64Values++;
        } else if (item !== null && typeof item === 'object') {
          pending.push(item);
        }
      }
    }
  }
  return counts;
}

function counted(counts: OnnxWireCounts): Counted {
  const { decodedHeapBytes: _heap, scannedBytes: _scanned, ...rest } = counts;
  return rest;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A model that sets every field onnx-proto reads, of every message type, at least once. */
function everyField(): Uint8Array {
  const entry = { key: 'k', value: 'v' };
  const tensor = (name: string) => ({
    dims: [2, 3],
    dataType: 1,
    segment: { begin: 1, end: 2 },
    floatData: [1.5, 2],
    int32Data: [3, -4],
    stringData: [utf8('s'), utf8('')],
    int64Data: [5, -6],
    name,
    docString: 'd',
    rawData: Uint8Array.of(1, 2, 3, 4),
    externalData: [entry],
    dataLocation: 1,
    doubleData: [7.25],
    uint64Data: [8],
  });
  const shape = { dim: [{ dimValue: 3 }, { dimParam: 'batch', denotation: 'DATA_BATCH' }] };
  const types = [
    { tensorType: { elemType: 1, shape }, denotation: 'TENSOR' },
    { sequenceType: { elemType: { tensorType: { elemType: 7 } } } },
    { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } },
    { optionalType: { elemType: { tensorType: { elemType: 1 } } } },
    { sparseTensorType: { elemType: 1, shape } },
  ];
  const sparse = { values: tensor('values'), indices: tensor('indices'), dims: [4, 4] };
  const valueInfo = { name: 'v', type: types[0]!, docString: 'd' };
  const plainNode = { input: ['a', ''], output: ['b'], name: 'n', opType: 'Relu', domain: 'ai.onnx', docString: 'd' };
  const innerGraph = { node: [plainNode], name: 'inner', input: [valueInfo], output: [valueInfo] };
  const attribute = {
    name: 'a',
    refAttrName: 'r',
    docString: 'd',
    type: 1,
    f: 0.5,
    i: 9,
    s: utf8('s'),
    t: tensor('t'),
    g: innerGraph,
    sparseTensor: sparse,
    tp: types[1]!,
    floats: [1, 2],
    ints: [3, 4],
    strings: [utf8('x')],
    tensors: [tensor('t1')],
    graphs: [innerGraph, innerGraph],
    sparseTensors: [sparse],
    typeProtos: types,
  };
  const node = { ...plainNode, attribute: [attribute, { name: 'b', i: 1 }] };
  const graph = {
    node: [node, plainNode],
    name: 'main',
    initializer: [tensor('w')],
    sparseInitializer: [sparse],
    docString: 'd',
    input: [valueInfo],
    output: [valueInfo],
    valueInfo: [valueInfo, valueInfo],
    quantizationAnnotation: [{ tensorName: 'q', quantParameterTensorNames: [entry] }],
  };
  const opset = { domain: '', version: 13 };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [opset],
    producerName: 'p',
    producerVersion: 'v',
    domain: 'd',
    modelVersion: 2,
    docString: 'é€',
    graph,
    metadataProps: [entry],
    trainingInfo: [
      { initialization: innerGraph, algorithm: innerGraph, initializationBinding: [entry], updateBinding: [entry] },
    ],
    functions: [
      {
        name: 'f',
        input: ['x'],
        output: ['y'],
        attribute: ['alpha'],
        node: [plainNode],
        docString: 'd',
        opsetImport: [opset],
        domain: 'custom',
      },
    ],
  }).finish();
}

const fixtures = ['plain', 'branches', 'gates', 'keras-style'].map((name) =>
  readFileSync(join(repoRoot, 'test', 'fixtures', 'onnx', `${name}.onnx`)),
);

describe('the wire scan reads a file as onnx-proto decodes it', () => {
  test(
    'it counts exactly what decoding makes: every field of every message type, and the four ' + 'PyTorch fixtures',
    () => {
      for (const [label, bytes] of [
        ['every field', everyField()],
        ...fixtures.map((bytes, index) => [`fixture ${index}`, bytes] as const),
      ] as const) {
        const decoded = decodedCounts(onnx.ModelProto.decode(bytes));
        assert.deepEqual(counted(scanOnnxWire(bytes, 'x.onnx')), decoded, label);
        // The same from a Uint8Array, which protobufjs reads with its own UTF-8 decoder instead of Node's.
        assert.deepEqual(decodedCounts(onnx.ModelProto.decode(new Uint8Array(bytes))), decoded, label);
      }
    },
  );

  test(
    'on 3,000 damaged files it never counts less than decoding makes, and where it finds no protobuf the ' +
      'decoder throws',
    () => {
      const random = new Random(7);
      const files = [everyField(), ...fixtures];
      let refused = 0;
      for (let index = 0; index < 3000; index++) {
        const damaged = mutateBytes(files[index % files.length]!, random);
        let counts: OnnxWireCounts | null = null;
        try {
          counts = scanOnnxWire(damaged, 'x.onnx');
        } catch (error) {
          assert.ok(
            error instanceof FileFormatError && /is not an ONNX model/.test(error.message),
            `case ${index}: ${String(error)}`,
          );
          refused++;
        }
        let decoded: Counted | null = null;
        try {
          decoded = decodedCounts(onnx.ModelProto.decode(damaged));
        } catch {
          // The decoder refuses it too (or, for a string cut short in a Uint8Array, where the scan does not).
        }
        if (counts === null) {
          assert.equal(decoded, null, `case ${index}: the scan refused a file that decodes`);
        } else if (decoded !== null) {
          // Strings whose bytes were damaged decode to U+FFFD, longer in UTF-8: their count is compared, not their bytes.
          for (const key of ['nodes', 'messages', 'int64Values', 'numbers', 'strings', 'byteStrings'] as const) {
            assert.ok(
              counts[key] >= decoded[key],
              `case ${index}: ${key} ${counts[key]} counted, ${decoded[key]} decoded`,
            );
          }
        }
      }
      assert.ok(refused > 100, `${refused} damaged files refused`);
    },
  );

  test('a 3,000-node graph laid out as exporters write one is estimated under 5% of the budget', () => {
    // Each node a Conv with five int-list attributes and path-like names, its output declared in
    // value_info with a shape; each weight in raw_data (its size is the file's, not the heap's).
    const nodes = Array.from({ length: 3000 }, (_, index) => ({
      name: `/layer${index % 4}/layer${index % 4}.${index}/conv/Conv`,
      opType: 'Conv',
      input: [
        index === 0 ? 'input' : `/layer/conv_${index - 1}_output_0`,
        `layer.${index}.conv.weight`,
        `layer.${index}.conv.bias`,
      ],
      output: [`/layer/conv_${index}_output_0`],
      attribute: ['dilations', 'group', 'kernel_shape', 'pads', 'strides'].map((name) => ({
        name,
        type: 7,
        ints: name === 'pads' ? [1, 1, 1, 1] : [3, 3],
      })),
    }));
    const initializers = nodes
      .flatMap((node) => [node.input[1]!, node.input[2]!])
      .map((name) => ({ name, dims: [64, 64, 3, 3], dataType: 1, rawData: new Uint8Array(64) }));
    const valueInfo = nodes.map((node) => ({
      name: node.output[0]!,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: [{ dimParam: 'batch' }, { dimValue: 64 }, { dimValue: 56 }, { dimValue: 56 }] },
        },
      },
    }));
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'torch_jit', node: nodes, initializer: initializers, valueInfo },
    }).finish();
    const counts = scanOnnxWire(bytes, 'exported.onnx');
    assert.equal(counts.nodes, 3000);
    assert.ok(
      counts.decodedHeapBytes < 0.05 * MAX_ONNX_DECODED_HEAP_BYTES,
      `${counts.decodedHeapBytes} bytes estimated`,
    );
  });
});
