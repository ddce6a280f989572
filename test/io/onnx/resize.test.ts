// ONNX Resize and Upsample as PyTorch exports F.interpolate (tools/exportResize.py, with Debian's
// python3-torch; skipped, saying so, where it is missing): a seeded 3x3 convolution to 5 channels,
// then nearest by scale factors and by sizes (up and down), bilinear with align_corners False (scale,
// sizes up and down) and True. Opsets 9 (Upsample) and 10 (Resize with scales) take scale factors
// only; 11 and 17 everything (sizes from folded Shape arithmetic where PyTorch writes them). Each is
// onnxruntime-node's within 1e-4 of its output range, compared channels-last against channels-first.
// Bicubic is refused naming the node. Then our export (Resize at opset 13) of each Resize2D variant:
// onnxruntime-node's output is ours, and it imports back to the same predictions; and hostile Resize
// nodes are refused naming the node. And a grid of Resize nodes built here (no PyTorch needed): every
// coordinate mode and nearest rounding, linear too, at non-integer scales up and down and at sizes,
// opsets 11 and 13, exactly onnxruntime-node's pixels (float32 coordinates decide the ties).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import {
  Conv2D,
  decodeNpy,
  exportOnnx,
  FileFormatError,
  importedInput,
  importOnnx,
  Input,
  Random,
  Resize2D,
  Sequential,
  Tensor,
  toChannelsFirst,
  type Resize2DOptions,
} from '../../../src/index.js';
import { hasPythonModules, repoRoot } from '../../helpers.js';
import { compareChannelsLast } from './onnxCompare.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'onnx']);

const RELATIVE_TOLERANCE = 1e-4;
const OPSETS = [9, 10, 11, 17] as const;
/**
 * Variants PyTorch exports at every opset (scale factors), and those it exports from opset 11 on (sizes,
 * align_corners).
 */
const EVERY_OPSET = ['nearest-x2', 'nearest-x3x2', 'bilinear-x2'];
const FROM_OPSET_11 = [
  'nearest-size-down',
  'nearest-size-up',
  'bilinear-size-down',
  'bilinear-size-up',
  'bilinear-corners-x2',
  'bilinear-corners-size',
];

interface Exported {
  variant: string;
  opset: number;
  onnx?: string;
  input?: string;
  error?: string;
}

describe('F.interpolate exported by PyTorch imports as Resize2D and matches onnxruntime-node', {
  skip: hasTorch ? false : `${PYTHON} has no torch and onnx (Debian's python3-torch, python3-onnx)`,
}, () => {
  let folder = '';
  const exports = new Map<string, Exported>();

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-resize-onnx-'));
    // Every opset in one process: starting torch took longer than the exports, four times over.
    const stdout = execFileSync(
      PYTHON,
      [join(repoRoot, 'tools', 'exportResize.py'), '--opset', ...OPSETS.map(String), '--out', folder],
      { encoding: 'utf8', timeout: 120_000 },
    );
    for (const line of stdout.trim().split('\n')) {
      const result = JSON.parse(line) as Exported;
      exports.set(`${result.variant}-${result.opset}`, result);
    }
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  const exported = (variant: string, opset: number) => {
    const result = exports.get(`${variant}-${opset}`);
    assert.ok(
      result?.onnx !== undefined && result.input !== undefined,
      `${variant} at opset ${opset} was not exported: ${result?.error ?? 'no result'}`,
    );
    return { bytes: readFileSync(result.onnx), input: decodeNpy(readFileSync(result.input)) };
  };

  for (const opset of OPSETS) {
    for (const variant of opset < 11 ? EVERY_OPSET : [...EVERY_OPSET, ...FROM_OPSET_11]) {
      test(
        `${variant}, opset ${opset} (${opset < 10 ? 'Upsample' : 'Resize'}): within ` +
          `${RELATIVE_TOLERANCE} of the range of onnxruntime-node's`,
        async (context) => {
          const { bytes, input } = exported(variant, opset);
          const { model, inputLayout } = importOnnx(bytes, `${variant}.onnx`);
          assert.ok(
            model.layers.some((layer) => layer.className === 'Resize2D'),
            'a Resize2D layer',
          );
          const ours = model.predict(
            importedInput(Tensor.fromArray(input.data as Float32Array, input.shape), inputLayout),
          );
          const session = await ort.InferenceSession.create(bytes);
          const { output } = await session.run({
            input: new ort.Tensor('float32', input.data as Float32Array, input.shape),
          });
          const dims = output!.dims;
          assert.deepEqual(ours.shape, [dims[0], dims[2], dims[3], dims[1]]);
          const { largest, range, worst } = compareChannelsLast(ours.dataSync(), output!.data as Float32Array, dims);
          context.diagnostic(
            `${variant} opset ${opset}: ${dims.join('x')}, max difference ` +
              `${(largest / range).toExponential(2)} of the range`,
          );
          assert.ok(largest <= RELATIVE_TOLERANCE * range, `${variant} opset ${opset}: ${worst}`);
        },
      );
    }
  }

  for (const opset of [11, 17]) {
    test(`bicubic, opset ${opset}: refused naming the node and the mode`, () => {
      const { bytes } = exported('bicubic-x2', opset);
      assert.throws(
        () => importOnnx(bytes, 'bicubic.onnx'),
        (error: unknown) =>
          error instanceof FileFormatError &&
          /node '[^']*' \(Resize\): mode 'cubic' is not imported/.test(error.message),
      );
    });
  }
});

describe('Resize2D exports as ONNX Resize (opset 13) that onnxruntime-node runs to our values', () => {
  const VARIANTS: Resize2DOptions[] = [
    { scale: 2 },
    { scale: [3, 2] },
    { size: [4, 9], coordinates: 'half_pixel', nearestRounding: 'round_prefer_floor' },
    { mode: 'bilinear', size: [13, 9] },
    { mode: 'bilinear', scale: 2 },
    { mode: 'bilinear', size: [3, 4], coordinates: 'align_corners' },
    { mode: 'bilinear', size: [8, 1], coordinates: 'pytorch_half_pixel' },
  ];
  for (const options of VARIANTS) {
    test(JSON.stringify(options), async () => {
      const model = new Sequential(
        [
          new Input({ shape: [6, 7, 3] }),
          new Conv2D({ filters: 5, kernelSize: 3, padding: 'same' }),
          new Resize2D(options),
        ],
        { seed: 1480 },
      );
      const random = new Random(1481);
      const shape = [2, 6, 7, 3];
      const x = Tensor.fromArray(
        Float32Array.from({ length: 2 * 6 * 7 * 3 }, () => random.uniform() * 2 - 1),
        shape,
      );
      const ours = model.predict(x);
      const bytes = exportOnnx(model);
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({
        input: new ort.Tensor('float32', toChannelsFirst(x.dataSync() as Float32Array, 6, 7, 3), [2, 3, 6, 7]),
      });
      const dims = output!.dims;
      assert.deepEqual(ours.shape, [dims[0], dims[2], dims[3], dims[1]]);
      const { largest, worst } = compareChannelsLast(ours.dataSync(), output!.data as Float32Array, dims);
      assert.ok(largest <= 1e-5, `onnxruntime: ${worst}`);
      const imported = importOnnx(bytes, 'resize.onnx');
      const again = imported.model.predict(
        importedInput(
          Tensor.fromArray(toChannelsFirst(x.dataSync() as Float32Array, 6, 7, 3), [2, 3, 6, 7]),
          imported.inputLayout,
        ),
      );
      assert.deepEqual(Array.from(again.dataSync()), Array.from(ours.dataSync()), 'imported back');
    });
  }
});

describe('hostile Resize nodes are refused naming the node', () => {
  /** Our export of a Resize2D to `size`, with the sizes (or scales) initializer's values replaced. */
  const patched = (
    options: Resize2DOptions,
    values: number[] | null,
    attributes: Record<string, string | number> = {},
  ): Uint8Array => {
    const model = new Sequential([new Input({ shape: [6, 7, 3] }), new Resize2D(options)]);
    const proto = onnxProto.onnx.ModelProto.decode(exportOnnx(model));
    const initializer = proto.graph!.initializer!.find((tensor) => /\/(size|scales)$/.test(tensor.name ?? ''))!;
    if (values !== null) {
      initializer.rawData =
        initializer.dataType === onnxProto.onnx.TensorProto.DataType.INT64
          ? new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)
          : new Uint8Array(Float32Array.from(values).buffer);
    }
    const resize = proto.graph!.node!.find((node) => node.opType === 'Resize')!;
    for (const [name, value] of Object.entries(attributes)) {
      const { STRING, INT } = onnxProto.onnx.AttributeProto.AttributeType;
      const attribute =
        typeof value === 'string'
          ? { name, type: STRING, s: new TextEncoder().encode(value) }
          : { name, type: INT, i: value };
      resize.attribute = [...(resize.attribute ?? []).filter((old) => old.name !== name), attribute];
    }
    return onnxProto.onnx.ModelProto.encode(proto).finish();
  };

  test('sizes or scales that make a map past MAX_FEATURE_MAP_ELEMENTS', () => {
    assert.throws(
      () => importOnnx(patched({ size: [4, 4] }, [100_000, 100_000]), 'huge.onnx'),
      (error: unknown) =>
        error instanceof FileFormatError &&
        /\(Resize\): output 100000x100000x3 has 30,000,000,000 values per example/.test(error.message),
    );
    assert.throws(
      () => importOnnx(patched({ scale: 2 }, [1, 1, 1e6, 1e6]), 'huge.onnx'),
      (error: unknown) =>
        error instanceof FileFormatError && /\(Resize\): output 6000000x7000000x3/.test(error.message),
    );
  });

  test(
    'a resize of the channels, zero or NaN sizes and scales, a scale that leaves no pixels, ' + 'unsupported modes',
    () => {
      const refusedWith = (bytes: Uint8Array, pattern: RegExp) =>
        assert.throws(
          () => importOnnx(bytes, 'bad.onnx'),
          (error: unknown) => error instanceof Error && pattern.test(error.message),
          String(pattern),
        );
      refusedWith(
        patched({ scale: 2 }, [1, 2, 2, 2]),
        /\(Resize\): only height and width are resized, got scales \[1, 2, 2, 2\]/,
      );
      refusedWith(patched({ size: [4, 4] }, [0, 4]), /\(Resize\): sizes \[NaN, 3, 0, 4\] are not positive integers/);
      refusedWith(
        patched({ scale: 2 }, [1, 1, 1e-3, 2]),
        /\(Resize\).*scale \[0\.0010000000474974513,2\] leaves no pixels of a 6x7 input/,
      );
      refusedWith(patched({ scale: 2 }, [1, 1, Number.NaN, 2]), /\(Resize\).*scale must be positive and finite/);
      refusedWith(patched({ scale: 2 }, null, { mode: 'cubic' }), /\(Resize\): mode 'cubic' is not imported/);
      refusedWith(
        patched({ scale: 2 }, null, { coordinate_transformation_mode: 'tf_crop_and_resize' }),
        /\(Resize\): coordinate_transformation_mode 'tf_crop_and_resize' is not imported/,
      );
      refusedWith(patched({ scale: 2 }, null, { antialias: 1 }), /\(Resize\): antialias is not imported/);
      refusedWith(
        patched({ scale: 2 }, null, { nearest_mode: 'nearest' }),
        /\(Resize\): nearest_mode 'nearest' is not imported/,
      );
    },
  );
});

describe('Resize nodes of every coordinate mode and nearest rounding match onnxruntime-node', () => {
  const { onnx } = onnxProto;
  /** A graph of one Resize on a [2, 3, 13, 11] input, with scales or sizes. */
  const resizeGraph = (
    opset: number,
    attributes: Record<string, string>,
    scales: number[] | null,
    sizes: number[] | null,
  ): Uint8Array => {
    const initializers: Onnx.ITensorProto[] = [
      { name: 'roi', dims: [0], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [] },
    ];
    // Opset 11 has no optional scales: an empty tensor where sizes are given (as PyTorch writes it).
    initializers.push({
      name: 'scales',
      dims: [scales === null ? 0 : 4],
      dataType: onnx.TensorProto.DataType.FLOAT,
      floatData: scales ?? [],
    });
    if (sizes !== null)
      initializers.push({ name: 'sizes', dims: [4], dataType: onnx.TensorProto.DataType.INT64, int64Data: sizes });
    const attribute = Object.entries(attributes).map(([name, value]) => ({
      name,
      type: onnx.AttributeProto.AttributeType.STRING,
      s: new TextEncoder().encode(value),
    }));
    const valueInfo = (name: string, dims: (number | string)[]) => ({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
        },
      },
    });
    return onnx.ModelProto.encode({
      irVersion: 7,
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: 'resize',
        initializer: initializers,
        input: [valueInfo('input', ['batch', 3, 13, 11])],
        output: [{ name: 'output' }],
        node: [
          {
            opType: 'Resize',
            name: 'resize',
            input: ['input', 'roi', 'scales', ...(sizes === null ? [] : ['sizes'])],
            output: ['output'],
            attribute,
          },
        ],
      },
    }).finish();
  };
  const random = new Random(1495);
  const data = Float32Array.from({ length: 2 * 3 * 13 * 11 }, () => random.uniform() * 2 - 1);
  const SIZINGS: [string, number[] | null, number[] | null][] = [
    ['scales 1.7, 2.3', [1, 1, 1.7, 2.3], null],
    ['scales 0.6, 0.75', [1, 1, 0.6, 0.75], null],
    ['sizes 5x17', null, [2, 3, 5, 17]],
  ];
  const MODES: Record<string, string>[] = [
    // NOTE: not tf_half_pixel_for_nn (deprecated since opset 13): at scale 0.6 onnxruntime-node takes
    // 4.5 / 0.6 as 7.5 (as if it multiplied by 1 / 0.6), where float32 division gives 7.4999995, and
    // rounds that tie to the other pixel; every other mode here is float32 division, exactly.
    ...['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'].flatMap((coordinates) =>
      ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].map((rounding) => ({
        mode: 'nearest',
        coordinate_transformation_mode: coordinates,
        nearest_mode: rounding,
      })),
    ),
    ...['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'].map((coordinates) => ({
      mode: 'linear',
      coordinate_transformation_mode: coordinates,
    })),
  ];
  for (const opset of [11, 13]) {
    test(`opset ${opset}: ${MODES.length} modes x ${SIZINGS.map(([name]) => name).join(', ')}`, async () => {
      for (const attributes of MODES) {
        for (const [sizing, scales, sizes] of SIZINGS) {
          const bytes = resizeGraph(opset, attributes, scales, sizes);
          const label = `${JSON.stringify(attributes)} ${sizing}`;
          const { model, inputLayout } = importOnnx(bytes, 'resize.onnx');
          const ours = model.predict(importedInput(Tensor.fromArray(data, [2, 3, 13, 11]), inputLayout));
          const session = await ort.InferenceSession.create(bytes);
          const { output } = await session.run({ input: new ort.Tensor('float32', data, [2, 3, 13, 11]) });
          assert.deepEqual(ours.shape, [output!.dims[0], output!.dims[2], output!.dims[3], output!.dims[1]], label);
          const { largest, worst } = compareChannelsLast(ours.dataSync(), output!.data as Float32Array, output!.dims);
          // Nearest copies pixels: exact. Linear blends in another order: float32 rounding.
          assert.ok(largest <= (attributes.mode === 'nearest' ? 0 : 1e-6), `${label}: ${worst}`);
        }
      }
    });
  }
});
