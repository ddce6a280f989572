// The graph's constants (src/io/onnx/constants.ts): forEachRun hands a float32 weight over in runs, through one
// small buffer where its bytes in the file are not 4-aligned, with the values the whole decode gives.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { Constants } from '../../../src/io/onnx/constants.js';
import { FileFormatError, importOnnx } from '../../../src/index.js';

/** A float32 initializer of `values`, its raw bytes starting `offset` bytes into a larger buffer. */
function floatTensor(name: string, values: number[], offset: number) {
  const bytes = new Uint8Array(offset + values.length * 4 + 3);
  bytes.set(new Uint8Array(new Float32Array(values).buffer), offset);
  return onnxProto.onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: onnxProto.onnx.TensorProto.DataType.FLOAT,
    rawData: bytes.subarray(offset, offset + values.length * 4),
  });
}

test('Constants.forEachRun gives every run, the last one shorter, at each alignment of the bytes', () => {
  const values = Array.from({ length: 23 }, (_, index) => Math.fround(Math.sin(index + 1) * 1e3));
  for (const offset of [0, 1, 2, 3, 4, 5]) {
    const constants = new Constants('test.onnx', 1 << 20);
    constants.setStored('w', floatTensor('w', values, offset));
    const runs: { index: number; run: number[] }[] = [];
    constants.forEachRun('w', 5, (run, index) => runs.push({ index, run: Array.from(run) }));
    assert.deepEqual(
      runs.map((entry) => entry.index),
      [0, 1, 2, 3, 4],
      `offset ${offset}`,
    );
    assert.deepEqual(runs[4]!.run.length, 3, `offset ${offset}: the last run holds the 3 left`);
    assert.deepEqual(
      runs.flatMap((entry) => entry.run),
      values,
      `offset ${offset}`,
    );
    // Read again after the runs (nothing consumed), and through the whole decode.
    assert.deepEqual(Array.from(constants.get('w')!.values), values, `offset ${offset}`);
    assert.equal(constants.isInteger('w'), false);
  }
});

test('Constants.isInteger reads the data type without decoding', () => {
  const constants = new Constants('test.onnx', 1 << 20);
  constants.setStored(
    'shape',
    onnxProto.onnx.TensorProto.create({
      name: 'shape',
      dims: [2],
      dataType: onnxProto.onnx.TensorProto.DataType.INT64,
      int64Data: [1, 2],
    }),
  );
  assert.equal(constants.isInteger('shape'), true);
  assert.equal(constants.isInteger('missing'), false);
});

test('Constants.checkedDimsOf refuses raw bytes that do not fill the dims, before anything is sized from them', () => {
  const constants = new Constants('test.onnx', 1 << 20);
  const short = floatTensor('w', [1, 2], 1);
  short.dims = [400000, 3, 7, 7];
  constants.setStored('w', short);
  assert.throws(
    () => constants.checkedDimsOf('w'),
    (error: unknown) =>
      error instanceof FileFormatError &&
      /'w' holds 8 bytes, not 235200000 for dims \[400000, 3, 7, 7\]/.test(error.message),
  );
  constants.setStored('v', floatTensor('v', [1, 2, 3, 4], 2));
  assert.deepEqual(constants.checkedDimsOf('v'), [4]);
});

test('importOnnx refuses a Conv whose raw weight bytes do not fill its dims before the layer is made', () => {
  const { onnx } = onnxProto;
  const weight = floatTensor('w', [1, 2], 1);
  weight.dims = [400000, 3, 7, 7];
  const input = (name: string, dims: number[]) => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } },
    },
  });
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'short-weight',
      input: [input('x', [1, 3, 8, 8])],
      output: [{ name: 'y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
      initializer: [weight],
      node: [{ opType: 'Conv', name: 'conv', input: ['x', 'w'], output: ['y'] }],
    },
  }).finish();
  const peakBefore = process.resourceUsage().maxRSS; // KB
  assert.throws(
    () => importOnnx(bytes, 'short.onnx'),
    (error: unknown) => error instanceof FileFormatError && /'w' holds 8 bytes, not 235200000/.test(error.message),
  );
  // The layer's 235 MB kernel (filled with its initial weights before the import fills it) was never made.
  const grownMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
  assert.ok(grownMb < 100, `peak resident memory grew ${grownMb.toFixed(0)} MB`);
});
