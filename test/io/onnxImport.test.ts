// ONNX import: CNNs exported by PyTorch (fixtures made by tools/makeOnnxFixtures.py with Debian's
// python3-torch) give PyTorch's outputs and onnxruntime-node's; models exported here come back with
// the same outputs; unsupported operators are named with their node.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  decodeNpy, exportOnnx, FileFormatError, importedInput, importOnnx, PRESETS, Random, Tensor,
} from '../../src/index.js';
import { assertClose, repoRoot } from '../helpers.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'onnx');

describe('ONNX models exported by PyTorch', () => {
  for (const name of ['plain', 'branches']) {
    test(`${name}.onnx: the same outputs as PyTorch and as onnxruntime-node`, async () => {
      const bytes = readFileSync(join(FIXTURES, `${name}.onnx`));
      const input = decodeNpy(readFileSync(join(FIXTURES, `${name}-input.npy`)));
      const expected = decodeNpy(readFileSync(join(FIXTURES, `${name}-output.npy`)));
      const { model, onnxInputShape } = importOnnx(bytes, `${name}.onnx`);
      assert.deepEqual(onnxInputShape, input.shape.slice(1));
      const batch = Tensor.fromArray(input.data as Float32Array, input.shape);
      const actual = model.predict(importedInput(batch)).data;
      assertClose(actual, expected.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs PyTorch`);
      const session = await ort.InferenceSession.create(bytes);
      const { output } = await session.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) });
      assertClose(actual, output!.data as Float32Array, { atol: 1e-4 }, `${name}: ConvNet.ts vs onnxruntime-node`);
    });
  }
});

describe('export then import', () => {
  for (const name of ['digits-cnn', 'mnist-cnn', 'lenet5', 'cifar-cnn', 'resnet']) {
    test(`preset ${name} comes back with the same predictions`, () => {
      const original = PRESETS[name]!({ seed: 3 });
      const { model } = importOnnx(exportOnnx(original), `${name}.onnx`);
      const random = new Random(4);
      const shape = [2, ...original.inputShape];
      const x = Tensor.fromArray(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform()), shape);
      assertClose(model.predict(x).data, original.predict(x).data, { atol: 1e-5 }, name);
    });
  }
});

describe('what the importer refuses', () => {
  test('not ONNX, and an unsupported operator named with its node', () => {
    assert.throws(() => importOnnx(new TextEncoder().encode('definitely not protobuf \u0000\u00ff'), 'junk.onnx'), FileFormatError);
    assert.throws(() => importOnnx(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: has no graph/);
    // The exporter writes GELU as Div/Erf/...: Div is not an imported operator.
    const model = PRESETS['digits-cnn']!({ seed: 1 });
    const bytes = exportOnnx(model);
    const text = Buffer.from(bytes);
    const tampered = Buffer.from(text.toString('latin1').replace('Relu', 'Selu'), 'latin1');
    assert.throws(() => importOnnx(tampered, 'tampered.onnx'), (error: unknown) => error instanceof FileFormatError && /node '[^']+' \(Selu\): operator Selu is not supported/.test(error.message));
  });
});

describe('the CLI reads .onnx files wherever it takes --model', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });

  test('summary, and predict on an NCHW batch, of the PyTorch model', () => {
    const summary = cli('summary', '--model', join(FIXTURES, 'plain.onnx'));
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /_conv1_Conv \(Conv2D\)\s+28x28x6/);
    const scratch = mkdtempSync(join(tmpdir(), 'convnet-onnx-'));
    try {
      const predicted = cli('predict', '--model', join(FIXTURES, 'plain.onnx'), '--input', join(FIXTURES, 'plain-input.npy'), '--output', join(scratch, 'y.npy'));
      assert.equal(predicted.status, 0, predicted.stderr);
      const expected = decodeNpy(readFileSync(join(FIXTURES, 'plain-output.npy')));
      assertClose(decodeNpy(readFileSync(join(scratch, 'y.npy'))).data as Float32Array, expected.data as Float32Array, { atol: 1e-4 }, 'convnet predict on plain.onnx');
      const wrong = cli('predict', '--model', join(FIXTURES, 'plain.onnx'), '--input', join(FIXTURES, 'branches-input.npy'), '--output', join(scratch, 'z.npy'));
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /takes \[n, 1, 28, 28\] \(NCHW\)/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
