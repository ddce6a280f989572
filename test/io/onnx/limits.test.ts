// ONNX files built to exhaust the importer (issue 12, classes 2, 3 and 4): deep chains of nodes,
// constant folding that makes gigabytes out of a few KB, declared sizes (inputs, pads) whose
// feature maps would not fit in memory, and files whose protobuf decoding alone would take gigabytes
// (an object per int64 value) or recurse past the stack (nested subgraphs). Each is refused by a named limit of
// core/limits.ts (or, for a deep chain within the limits, imported), never a RangeError or an exhausted machine. The
// files are generated here; the heavy cases run the CLI in a child process under a memory ceiling.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { FileFormatError, importOnnx } from '../../../src/index.js';
import {
  MAX_EXAMPLE_ACTIVATION_ELEMENTS,
  MAX_FEATURE_MAP_ELEMENTS,
  MAX_MODEL_LAYERS,
  MAX_ONNX_NODES,
} from '../../../src/core/limits.js';
import { describeRun, runCliBounded, type BoundedRunResult } from '../../boundedRun.js';

const { onnx } = onnxProto;
const { INT, INTS, TENSOR } = onnx.AttributeProto.AttributeType;

/** A node of graphModel: op, inputs, one output, integer-list, integer or tensor attributes. */
interface GraphNode {
  op: string;
  inputs: string[];
  output: string;
  attributes?: Record<string, number[] | { int: number } | { dims: number[]; values: number[] }>;
}

/** A constant: float32 by default, int64 for shapes. */
interface Initializer {
  name: string;
  dims: number[];
  values: number[];
  isInt64?: boolean;
}

/** The GraphProto of graphModel, as an object for onnx-proto's encoder. */
function graphProto(
  inputDims: number[],
  nodes: readonly GraphNode[],
  initializers: readonly Initializer[] = [],
): Onnx.IGraphProto {
  const tensor = ({ name, dims, values, isInt64 }: Initializer) =>
    isInt64 === true
      ? { name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values }
      : { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
  return {
    name: 'hostile',
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
    output: [{ name: 'output', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
    initializer: initializers.map(tensor),
    node: nodes.map(({ op, inputs, output, attributes = {} }, index) => ({
      opType: op,
      name: `${op.toLowerCase()}_${index}`,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => {
        if (Array.isArray(value)) return { name, type: INTS, ints: value };
        if ('int' in value) return { name, type: INT, i: value.int };
        return { name, type: TENSOR, t: tensor({ name: '', ...value }) };
      }),
    })),
  };
}

/** A one-input, one-output ONNX model (opset 13): input 'input' of `inputDims`, output 'output'. */
function graphModel(
  inputDims: number[],
  nodes: readonly GraphNode[],
  initializers: readonly Initializer[] = [],
): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: graphProto(inputDims, nodes, initializers),
    }),
  ).finish();
}

/** A chain of `count` Relu nodes from the input to the output. */
function reluChain(count: number, inputDims = [1, 3, 4, 4]): Uint8Array {
  const nodes = Array.from({ length: count }, (_, index) => ({
    op: 'Relu',
    inputs: [index === 0 ? 'input' : `t${index - 1}`],
    output: index === count - 1 ? 'output' : `t${index}`,
  }));
  return graphModel(inputDims, nodes);
}

/** Asserts that importing `bytes` raises a FileFormatError whose message matches every pattern. */
function refused(bytes: Uint8Array, ...patterns: RegExp[]): void {
  assert.throws(
    () => importOnnx(bytes, 'hostile.onnx'),
    (error: unknown) => {
      assert.ok(error instanceof FileFormatError, `expected a FileFormatError, got ${String(error)}`);
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

const LIMITS = { timeoutMs: 60_000, memoryBytes: 1.5 * 2 ** 30 };

/** Writes `bytes` to a temporary x.onnx and runs `convnet args...` on it ('{}' stands for its path) under LIMITS. */
async function cliOn(bytes: Uint8Array, args: readonly string[]): Promise<BoundedRunResult> {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-onnx-limits-'));
  try {
    const path = join(directory, 'x.onnx');
    writeFileSync(path, bytes);
    return await runCliBounded(
      args.map((arg) => (arg === '{}' ? path : arg)),
      LIMITS,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Asserts the CLI ended with exit 2 and exactly one error line matching every pattern, within its limits. */
function assertOneLineError(result: BoundedRunResult, ...patterns: RegExp[]): void {
  assert.equal(result.killedFor, null, describeRun(result));
  assert.equal(result.status, 2, describeRun(result));
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr.slice(0, 800)}`);
  assert.match(lines[0]!, /^convnet: error: /);
  for (const pattern of patterns) assert.match(lines[0]!, pattern);
}

describe('class 2: deep ONNX graphs are walked without recursion', () => {
  test('a chain of 7,000 Relu nodes imports (it overflowed the call stack)', () => {
    const { model } = importOnnx(reluChain(7000), 'relu7000.onnx');
    assert.equal(model.layers.length, 7001);
    assert.equal(model.layers[7000]!.name, 'relu_6999');
  });

  test(
    `a chain of ${(MAX_MODEL_LAYERS - 1).toLocaleString('en-US')} Relu nodes imports; one node more is ` +
      `refused by the layer limit`,
    async () => {
      const atLimit = await cliOn(reluChain(MAX_MODEL_LAYERS - 1), ['summary', '--model', '{}']);
      assert.equal(atLimit.status, 0, describeRun(atLimit));
      assert.match(atLimit.stdout, new RegExp(`relu_${MAX_MODEL_LAYERS - 2} \\(ReLU\\)`));
      refused(
        reluChain(MAX_MODEL_LAYERS),
        new RegExp(
          `node 'relu_${MAX_MODEL_LAYERS - 1}' \\(Relu\\): the graph makes more than the 100,000 layers a ` +
            `model may have`,
        ),
      );
    },
  );

  test(
    `a graph of ${(MAX_ONNX_NODES + 1).toLocaleString('en-US')} (empty) nodes is refused by count ` +
      `before it is decoded`,
    () => {
      // Each empty node is 2 bytes in the file and a few hundred once decoded.
      const graph = new Uint8Array(2 * (MAX_ONNX_NODES + 1));
      for (let index = 0; index < graph.length; index += 2) graph[index] = 0x0a; // field 1 (node), length 0
      const header = [0x3a, ...varint(graph.length)]; // ModelProto field 7 (graph), length-delimited
      const bytes = new Uint8Array(header.length + graph.length);
      bytes.set(header);
      bytes.set(graph, header.length);
      refused(bytes, /hostile\.onnx: has 250,001 nodes, more than the 250,000 an imported graph may have/);
    },
  );
});

describe('class 3: constant folding has a byte budget', () => {
  const million = { name: 'shape', dims: [1], values: [1_000_000], isInt64: true };
  const relu = { op: 'Relu', inputs: ['input'], output: 'output' };

  test(
    '3,000 ConstantOfShape nodes of 1e6 values each are refused once folding passes its budget ' + '(they took 4.3 GB)',
    async () => {
      const nodes = Array.from({ length: 3000 }, (_, index) => ({
        op: 'ConstantOfShape',
        inputs: ['shape'],
        output: `c${index}`,
      }));
      const bytes = graphModel([1, 3, 4, 4], [...nodes, relu], [million]);
      // In a child process only: were the budget gone, this would take gigabytes. It is 64 MiB beyond
      // twice the file, so the ninth constant of 8 MB passes it.
      const result = await cliOn(bytes, ['summary', '--model', '{}']);
      assertOneLineError(
        result,
        /node 'constantofshape_8' \(ConstantOfShape\): folding it makes a constant of 1,000,000 values \(8,000,000 bytes\); constant folding may make [\d,]+ bytes in this file and has made 64,000,000/,
      );
      assert.ok(result.peakRssBytes < 2 ** 30, describeRun(result));
    },
  );

  test(
    "one constant concatenated 2,000 times is refused from its inputs' dims, before any value is copied " +
      '(it took 7.4 GB)',
    async () => {
      const bytes = graphModel(
        [1, 3, 4, 4],
        [
          { op: 'ConstantOfShape', inputs: ['shape'], output: 'c' },
          { op: 'Concat', inputs: Array<string>(2000).fill('c'), output: 'joined', attributes: { axis: [0] } },
          relu,
        ],
        [million],
      );
      const result = await cliOn(bytes, ['summary', '--model', '{}']);
      assertOneLineError(
        result,
        /node 'concat_1' \(Concat\): folding it makes a constant of 2,000,000,000 values \(16,000,000,000 bytes\); constant folding may make/,
      );
      assert.ok(result.peakRssBytes < 2 ** 30, describeRun(result));
    },
  );

  test(
    'casts of one float constant to int64, each a truncated copy, and sums of it with itself count ' +
      'against the budget',
    () => {
      const casts = Array.from({ length: 100 }, (_, index) => ({
        op: 'Cast',
        inputs: ['c'],
        output: `cast${index}`,
        attributes: { to: { int: onnx.TensorProto.DataType.INT64 } },
      }));
      refused(
        graphModel(
          [1, 3, 4, 4],
          [{ op: 'ConstantOfShape', inputs: ['shape'], output: 'c' }, ...casts, relu],
          [million],
        ),
        /node 'cast_8' \(Cast\): folding it makes a constant of 1,000,000 values \(8,000,000 bytes\); constant folding may make [\d,]+ bytes in this file and has made 64,000,000/,
      );
      const sums = Array.from({ length: 100 }, (_, index) => ({
        op: 'Add',
        inputs: ['c', 'c'],
        output: `sum${index}`,
      }));
      refused(
        graphModel([1, 3, 4, 4], [{ op: 'ConstantOfShape', inputs: ['shape'], output: 'c' }, ...sums, relu], [million]),
        /node 'add_8' \(Add\): folding it makes a constant of 1,000,000 values/,
      );
    },
  );

  test('ConstantOfShape of an absurd shape is refused by the budget, not allocated', () => {
    const shape = { name: 'shape', dims: [2], values: [100_000, 100_000], isInt64: true };
    refused(
      graphModel([1, 3, 4, 4], [{ op: 'ConstantOfShape', inputs: ['shape'], output: 'c' }, relu], [shape]),
      /ConstantOfShape\): folding it makes a constant of 10,000,000,000 values/,
    );
  });
});

describe('class 4: declared sizes are checked against the feature-map limits before anything is allocated', () => {
  const conv1x1 = { name: 'k', dims: [1, 3, 1, 1], values: [1, 1, 1] };

  test(
    'an input declared 100000x100000 is refused at import, naming the input and the limit, ' + 'on both backends',
    async () => {
      const bytes = graphModel([1, 3, 100_000, 100_000], [{ op: 'Relu', inputs: ['input'], output: 'output' }]);
      refused(
        bytes,
        /input 'input' declares \[batch, 3, 100000, 100000\]: 30,000,000,000 values per example, more than the 67,108,864 one feature map may have/,
      );
      for (const backend of ['wasm', 'reference']) {
        // predict loads the model before it looks for the picture, which does not exist.
        const result = await cliOn(bytes, ['predict', '--model', '{}', '--backend', backend, 'missing.png']);
        assertOneLineError(result, /input 'input' declares \[batch, 3, 100000, 100000\]/);
      }
    },
  );

  test('huge pads of Pad, Conv and MaxPool are refused naming the node and the limit, on both backends', async () => {
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'Pad',
        graphModel(
          [1, 3, 8, 8],
          [{ op: 'Pad', inputs: ['input', 'pads'], output: 'output' }],
          [{ name: 'pads', dims: [8], values: [0, 0, 50_000, 50_000, 0, 0, 50_000, 50_000], isInt64: true }],
        ),
        /node 'pad_0' \(Pad\): output 100008x100008x3 has 30,004,800,192 values per example, more than the 67,108,864 a feature map may have/,
      ],
      [
        'Conv',
        graphModel(
          [1, 3, 8, 8],
          [
            {
              op: 'Conv',
              inputs: ['input', 'k'],
              output: 'output',
              attributes: { pads: [30_000, 30_000, 30_000, 30_000] },
            },
          ],
          [conv1x1],
        ),
        /node 'conv_0' \(Conv\): output 60008x60008x1 has 3,600,960,064 values per example/,
      ],
      [
        'MaxPool',
        graphModel(
          [1, 3, 8, 8],
          [
            {
              op: 'MaxPool',
              inputs: ['input'],
              output: 'output',
              attributes: { kernel_shape: [20_000, 20_000], pads: [19_999, 19_999, 19_999, 19_999], strides: [1, 1] },
            },
          ],
        ),
        /node 'maxpool_0' \(MaxPool\): output 20007x20007x3 has 1,200,840,147 values per example/,
      ],
    ];
    for (const [op, bytes, pattern] of cases) {
      refused(bytes, pattern);
      for (const backend of ['wasm', 'reference']) {
        const result = await cliOn(bytes, ['predict', '--model', '{}', '--backend', backend, 'missing.png']);
        assertOneLineError(result, pattern);
        assert.ok(result.peakRssBytes < 2 ** 30, `${op} on ${backend}: ${describeRun(result)}`);
      }
    }
  });

  test('a small file whose pads make a 1 GiB map before a pooling is refused (it ran, using gigabytes)', () => {
    // 16384x16384: 2^28 values, then averaged away: the map is what the limit is about.
    const bytes = graphModel(
      [1, 1, 2, 2],
      [
        { op: 'Pad', inputs: ['input', 'pads'], output: 'padded' },
        { op: 'GlobalAveragePool', inputs: ['padded'], output: 'output' },
      ],
      [{ name: 'pads', dims: [8], values: [0, 0, 8191, 8191, 0, 0, 8191, 8191], isInt64: true }],
    );
    assert.ok(bytes.length < 200, `${bytes.length} bytes`);
    refused(bytes, /node 'pad_0' \(Pad\): output 16384x16384x1 has 268,435,456 values per example/);
  });

  test(
    "a pooling window whose work passes one forward pass's bound is refused (a 200-byte file that would " +
      'run for minutes)',
    () => {
      const bytes = graphModel(
        [1, 1, 4096, 4096],
        [
          {
            op: 'MaxPool',
            inputs: ['input'],
            output: 'output',
            attributes: { kernel_shape: [4000, 4000], strides: [1, 1] },
          },
        ],
      );
      assert.ok(bytes.length < 200, `${bytes.length} bytes`);
      refused(
        bytes,
        /node 'maxpool_0' \(MaxPool\): output 97x97x1 takes 150,544,000,000 multiply-adds per example \(a pooling window's values counted as one each\), bringing the model to 150,544,000,000, more than the 68,719,476,736 one forward pass may take/,
      );
    },
  );

  test(
    "maps each within the limit but together past one forward pass's bound are refused at the layer " +
      'that passes it',
    () => {
      // 4x2048x2048 = 2^24 values a map: the input and 15 Relus make 2^28, the 16th passes it.
      const perMap = 4 * 2048 * 2048;
      const allowed = MAX_EXAMPLE_ACTIVATION_ELEMENTS / perMap;
      assert.ok(perMap <= MAX_FEATURE_MAP_ELEMENTS);
      refused(
        reluChain(allowed + 4, [1, 4, 2048, 2048]),
        new RegExp(
          `node 'relu_${allowed - 1}' \\(Relu\\): output 2048x2048x4 brings the feature maps to 285,212,672 ` +
            `values per example, more than the 268,435,456 one forward pass may hold`,
        ),
      );
    },
  );
});

describe(
  'decoding is bounded: the bytes are scanned first for what onnx-proto would allocate and how deep ' +
    'it would recurse',
  () => {
    const relu = { op: 'Relu', inputs: ['input'], output: 'output' };
    // The figure of the kind of value the file is made of: millions, where it passes the budget.
    const overBudget = (what: RegExp) =>
      new RegExp(
        `hostile\\.onnx: decoding it would take more than the 512 MiB of memory an ONNX file may take ` +
          `\\(MAX_ONNX_DECODED_HEAP_BYTES\\): its first [\\d,]+ bytes already hold ` +
          `[^;]*\\b${what.source.replace('MILLIONS', '\\d{1,3},\\d{3},\\d{3}')}\\b[^;]*; tensors whose ` +
          `values are raw_data bytes take almost none$`,
      );

    test(
      'an initializer of 60,000,000 int64 values (a 60 MB file) is refused from its bytes in bounded ' +
        'memory (decoding it took 21 s and 3.8 GiB)',
      async () => {
        const bytes = modelWithGraphFields([relu], lengthDelimited(5, int64Tensor('big', 60_000_000)));
        const result = await cliOn(bytes, ['summary', '--model', '{}']);
        assertOneLineError(result, new RegExp(overBudget(/MILLIONS int64 values/).source.replace('hostile', 'x')));
        assert.ok(result.peakRssBytes < 512 * 2 ** 20, describeRun(result));
      },
    );

    test('an initializer of 10,000,000 int64 values is refused by importOnnx before it is decoded', () => {
      refused(
        modelWithGraphFields([relu], lengthDelimited(5, int64Tensor('big', 10_000_000))),
        overBudget(/MILLIONS int64 values/),
      );
    });

    test('10,000,000 ints in a node attribute (not packed, 2 bytes each) are refused before they are decoded', () => {
      const attribute = concatBytes([
        lengthDelimited(1, utf8('pads')),
        Uint8Array.from([...key(20, 0), INTS]),
        repeated([...key(8, 0), 0], 10_000_000),
      ]);
      const node = concatBytes([
        lengthDelimited(1, utf8('input')),
        lengthDelimited(2, utf8('output')),
        lengthDelimited(4, utf8('MaxPool')),
        lengthDelimited(5, attribute),
      ]);
      refused(modelWithGraphFields([], lengthDelimited(1, node)), overBudget(/MILLIONS int64 values/));
    });

    test(
      'int32 values, string entries, names and empty messages past the budget are refused before ' + 'they are decoded',
      () => {
        const { INT32, STRING } = onnx.TensorProto.DataType;
        const tensorOf = (dataType: number, ...fields: Uint8Array[]) =>
          lengthDelimited(5, Uint8Array.from([...key(2, 0), dataType]), ...fields);
        const cases: [string, Uint8Array, RegExp][] = [
          [
            '50,000,000 packed int32 values',
            modelWithGraphFields([relu], tensorOf(INT32, lengthDelimited(5, new Uint8Array(50_000_000).fill(1)))),
            /MILLIONS int32, float and double values/,
          ],
          [
            '3,000,000 empty string_data entries',
            modelWithGraphFields([relu], tensorOf(STRING, repeated([...key(6, 2), 0], 3_000_000))),
            /MILLIONS byte strings/,
          ],
          [
            '20,000,000 empty input names of one node',
            modelWithGraphFields([relu], lengthDelimited(1, repeated([...key(1, 2), 0], 20_000_000))),
            /MILLIONS strings/,
          ],
          [
            '2,000,000 empty initializers',
            modelWithGraphFields([relu], repeated([...key(5, 2), 0], 2_000_000)),
            /MILLIONS messages/,
          ],
        ];
        for (const [what, bytes, pattern] of cases) {
          assert.throws(
            () => importOnnx(bytes, 'hostile.onnx'),
            (error: unknown) => {
              assert.ok(error instanceof FileFormatError, `${what}: expected a FileFormatError, got ${String(error)}`);
              assert.match(error.message, overBudget(pattern), what);
              return true;
            },
          );
        }
      },
    );

    test(
      'messages nested 100,000 deep (subgraphs in node attributes, sequence types, unknown groups) are ' +
        'refused by their depth, not by a stack overflow',
      () => {
        const cases: [string, Uint8Array][] = [
          ['subgraphs', nestedFields([7, ...Array.from({ length: 100_000 }, () => [1, 5, 6]).flat()])],
          ['sequence types', nestedFields([7, 11, 2, ...Array.from({ length: 100_000 }, () => [4, 1]).flat()])],
          ['groups', concatBytes([repeated(key(9, 3), 100_000), repeated(key(9, 4), 100_000)])],
        ];
        for (const [what, bytes] of cases) {
          assert.throws(
            () => importOnnx(bytes, 'hostile.onnx'),
            (error: unknown) => {
              assert.ok(error instanceof FileFormatError, `${what}: expected a FileFormatError, got ${String(error)}`);
              assert.match(
                error.message,
                /^hostile\.onnx: has messages nested more than 100 deep \(at byte [\d,]+\), more than an ONNX file may nest \(MAX_ONNX_MESSAGE_DEPTH\)$/,
                what,
              );
              return true;
            },
          );
        }
      },
    );

    test(
      'subgraphs 32 deep (98 messages) are decoded and judged as a graph; 33 deep (101) are refused ' +
        'by their depth',
      () => {
        const subgraphs = (levels: number) =>
          nestedFields([7, ...Array.from({ length: levels }, () => [1, 5, 6]).flat()]);
        refused(subgraphs(32), /hostile\.onnx: has 0 inputs and 0 outputs/);
        refused(subgraphs(33), /has messages nested more than 100 deep/);
      },
    );
  },
);

function varint(value: number): number[] {
  const bytes: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 128)) bytes.push((value % 128) | 0x80);
  bytes.push(value);
  return bytes;
}

// Protobuf wire format by hand, for files too large or too odd to build with onnx-proto.

/** A field's key: its number and wire type (0 varint, 2 length-delimited, 3 and 4 start and end a group). */
function key(field: number, wireType: number): number[] {
  return varint(field * 8 + wireType);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** A length-delimited field (a message, a string, packed values) holding `parts` one after the other. */
function lengthDelimited(field: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  return concatBytes([Uint8Array.from([...key(field, 2), ...varint(length)]), ...parts]);
}

/** `count` copies of `unit`. */
function repeated(unit: readonly number[], count: number): Uint8Array {
  const bytes = new Uint8Array(unit.length * count);
  bytes.set(unit);
  for (let filled = unit.length; filled < bytes.length; filled *= 2)
    bytes.copyWithin(filled, 0, Math.min(filled, bytes.length - filled));
  return bytes;
}

/** graphModel's file for `nodes` with `extra` (encoded GraphProto fields) after its graph's own fields. */
function modelWithGraphFields(nodes: readonly GraphNode[], ...extra: Uint8Array[]): Uint8Array {
  const model = onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }] }).finish();
  const graph = onnx.GraphProto.encode(graphProto([1, 3, 4, 4], nodes)).finish();
  return concatBytes([model, lengthDelimited(7, graph, ...extra)]);
}

/** A TensorProto of `count` int64 values, packed: one byte each. */
function int64Tensor(name: string, count: number): Uint8Array {
  return concatBytes([
    lengthDelimited(8, utf8(name)),
    Uint8Array.from([...key(2, 0), onnx.TensorProto.DataType.INT64]),
    lengthDelimited(1, Uint8Array.from(varint(count))),
    lengthDelimited(7, new Uint8Array(count).fill(1)),
  ]);
}

/**
 * Length-delimited fields each holding the next (fields[0] outermost), written into one buffer: 300,000 levels are
 * cheap.
 */
function nestedFields(fields: readonly number[]): Uint8Array {
  const lengths = new Array<number>(fields.length + 1).fill(0);
  for (let level = fields.length - 1; level >= 0; level--) {
    lengths[level] = key(fields[level]!, 2).length + varint(lengths[level + 1]!).length + lengths[level + 1]!;
  }
  const bytes = new Uint8Array(lengths[0]!);
  let offset = 0;
  for (let level = 0; level < fields.length; level++) {
    const head = [...key(fields[level]!, 2), ...varint(lengths[level + 1]!)];
    bytes.set(head, offset);
    offset += head.length;
  }
  return bytes;
}
