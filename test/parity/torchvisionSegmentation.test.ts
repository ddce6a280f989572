// torchvision's segmentation models as PyTorch exports them (tools/exportTorchvision.py, with Debian's
// python3-torch and python3-torchvision; skipped, saying so, where they are missing): fcn_resnet50,
// lraspp_mobilenet_v3_large and deeplabv3_mobilenet_v3_large with weights=None and no auxiliary head
// (one output, 'out'), seeded random weights and batch statistics, a dynamic batch axis, opsets 11
// and 17, at 64x64 (the smallest the backbones' output stride of 8 to 32 leaves room for). Their
// heads resize back to Shape(input)[2:] (bilinear, half_pixel), folded at import. Each [2, 21, 64,
// 64] map is onnxruntime-node's within 1e-4 of its range, compared channels-last against channels-first.
// Then the imported LR-ASPP fine-tunes on the WebAssembly backend: three SGD steps of per-pixel
// cross-entropy against seeded labels lower the loss (gradients through both Resize2D layers).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  decodeNpy,
  GradientTape,
  importedInput,
  importOnnx,
  initWasmBackend,
  Random,
  reshape,
  setBackend,
  SGD,
  softmaxCrossEntropy,
  Tensor,
  withScope,
} from '../../src/index.js';
import { hasPythonModules, repoRoot } from '../helpers.js';
import { compareChannelsLast } from '../io/onnx/onnxCompare.js';
import { wasmSkip } from './harness.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'torchvision', 'onnx']);

const RELATIVE_TOLERANCE = 1e-4;
/**
 * NOTE: every model here runs at both opsets, unlike torchvisionImport.test.ts's classifiers, because each one's two
 * exports differ (PyTorch 1.13, compared node by node with onnx, initializers by content, which are equal): the head's
 * two Unsqueeze take their axes as an attribute at 11 and as an input at 17, and its Resize reads empty roi and scales
 * Constants at 11 and none at 17 (fcn_resnet50: 141 nodes at both); the MobileNetV3 backbones' 20 Hardswish are
 * HardSigmoid + Mul at 11 (lraspp_mobilenet_v3_large 202 nodes against 182, deeplabv3_mobilenet_v3_large 210 against
 * 190).
 */
const OPSETS = [11, 17] as const;
const SIZE = 64;
const MODELS = ['fcn_resnet50', 'lraspp_mobilenet_v3_large', 'deeplabv3_mobilenet_v3_large'];

interface Exported {
  model: string;
  onnx?: string;
  input?: string;
  error?: string;
}

function exportModels(opset: number, folder: string): Promise<Map<string, Exported>> {
  const args = [
    join(repoRoot, 'tools', 'exportTorchvision.py'),
    '--opset',
    String(opset),
    '--out',
    folder,
    ...MODELS.map((name) => `${name}:${SIZE}`),
  ];
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      args,
      { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`exportTorchvision.py at opset ${opset} failed: ${error.message}\n${stderr.slice(-2000)}`));
          return;
        }
        const results = stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Exported);
        resolve(new Map(results.map((result) => [result.model, result])));
      },
    );
  });
}

describe('torchvision segmentation models exported by PyTorch import and match onnxruntime-node', {
  skip: hasTorch
    ? false
    : `${PYTHON} has no torch, torchvision and onnx (Debian's python3-torch, python3-torchvision, python3-onnx)`,
}, () => {
  let folder = '';
  const exports = new Map<number, Map<string, Exported>>();

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-segmentation-'));
    const results = await Promise.all(OPSETS.map((opset) => exportModels(opset, folder)));
    OPSETS.forEach((opset, index) => {
      exports.set(opset, results[index]!);
    });
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
    setBackend('reference');
  });

  for (const name of MODELS) {
    for (const opset of OPSETS) {
      test(
        `${name} (${SIZE}x${SIZE}), opset ${opset}: the 21-class map within ${RELATIVE_TOLERANCE} of its ` +
          `range of onnxruntime-node's`,
        async (context) => {
          const result = exports.get(opset)?.get(name);
          assert.ok(
            result?.onnx !== undefined && result.input !== undefined,
            `${name} at opset ${opset} was not exported: ${result?.error ?? 'no result'}`,
          );
          const bytes = readFileSync(result.onnx);
          const input = decodeNpy(readFileSync(result.input));
          const { model, inputLayout, onnxInputShape } = importOnnx(bytes, `${name}.onnx`);
          assert.deepEqual(onnxInputShape, [3, SIZE, SIZE]);
          const ours = model.predict(
            importedInput(Tensor.fromArray(input.data as Float32Array, input.shape), inputLayout),
          );
          assert.deepEqual(ours.shape, [2, SIZE, SIZE, 21]);
          const session = await ort.InferenceSession.create(bytes);
          const { output } = await session.run({
            input: new ort.Tensor('float32', input.data as Float32Array, input.shape),
          });
          assert.deepEqual(output!.dims, [2, 21, SIZE, SIZE]);
          const { largest, range, worst } = compareChannelsLast(
            ours.dataSync(),
            output!.data as Float32Array,
            output!.dims,
          );
          context.diagnostic(
            `${name} opset ${opset}: max |ours - onnxruntime| ${largest.toExponential(2)} = ` +
              `${(largest / range).toExponential(2)} of the range ${range.toPrecision(4)}`,
          );
          assert.ok(
            largest <= RELATIVE_TOLERANCE * range,
            `${name} opset ${opset}: ${worst}: ${(largest / range).toExponential(2)} of the range ${range}`,
          );
        },
      );
    }
  }

  test('lraspp_mobilenet_v3_large (opset 17) fine-tunes: three SGD steps of per-pixel cross-entropy lower the loss', {
    skip: wasmSkip,
  }, async (context) => {
    const result = exports.get(17)?.get('lraspp_mobilenet_v3_large');
    assert.ok(result?.onnx !== undefined, `not exported: ${result?.error ?? 'no result'}`);
    await initWasmBackend({ threads: 2 });
    const { model } = importOnnx(readFileSync(result.onnx), 'lraspp.onnx');
    const random = new Random(1490);
    const count = 2;
    const pixels = count * SIZE * SIZE;
    const x = Tensor.fromArray(
      Float32Array.from({ length: pixels * 3 }, () => random.uniform() * 2 - 1),
      [count, SIZE, SIZE, 3],
    );
    const targets = Tensor.zeros([pixels, 21]);
    for (let pixel = 0; pixel < pixels; pixel++) targets.dataSync()[pixel * 21 + (pixel % 64 < 32 ? 3 : 7)] = 1;
    const weights = model.trainableWeights();
    const optimizer = new SGD({ learningRate: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      losses.push(
        withScope(() => {
          const tape = new GradientTape(weights);
          const { loss } = tape.run(() =>
            softmaxCrossEntropy(reshape(model.forward(x, { isTraining: true }), [pixels, 21]), targets),
          );
          if (step < 3) optimizer.applyGradients(weights, tape.gradient(loss, weights));
          return loss.dataSync()[0]!;
        }),
      );
    }
    context.diagnostic(`lraspp per-pixel loss: ${losses.map((loss) => loss.toFixed(4)).join(' -> ')}`);
    assert.ok(losses[3]! < losses[0]! - 0.01, `the loss went ${losses.join(' -> ')}`);
  });
});
