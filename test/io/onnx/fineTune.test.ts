// Imported mobile networks fine-tune: ShuffleNetV2 x0.5, EfficientNet-B0, MobileNetV3-small,
// RegNetY-400MF and ConvNeXt-tiny as
// PyTorch exports them (tools/exportTorchvision.py at opset 17, seeded random weights, 64x64 inputs;
// skipped, saying so, without Debian's python3-torch, -torchvision and -onnx) import, and three
// epochs of SGD with momentum on 8 seeded images (4 classes) lower their cross-entropy loss, on the
// WebAssembly backend (its gradients flow through every new layer: HardSigmoid, HardSwish, the
// broadcast gates, the channel slices and shuffles, LayerNormalization and GELU).
// Measured on the 2-core test machine: 1.0 s, 5.4 s, 0.4 s, 3.2 s and 11 s for the five fits.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { importOnnx, initWasmBackend, Random, setBackend, SGD, Tensor } from '../../../src/index.js';
import { hasPythonModules, repoRoot } from '../../helpers.js';
import { wasmSkip } from '../../parity/harness.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'torchvision', 'onnx']);
const skip = !hasTorch
  ? `${PYTHON} has no torch, torchvision and onnx (Debian's python3-torch, python3-torchvision, python3-onnx)`
  : wasmSkip;

const MODELS = ['shufflenet_v2_x0_5', 'efficientnet_b0', 'mobilenet_v3_small', 'regnet_y_400mf', 'convnext_tiny'];
const SIZE = 64;

describe('imported torchvision mobile networks fine-tune', { skip }, () => {
  const folder = mkdtempSync(join(tmpdir(), 'convnet-finetune-'));
  after(() => {
    rmSync(folder, { recursive: true, force: true });
    setBackend('reference');
  });

  test(`${MODELS.join(', ')}: three epochs lower the loss`, { timeout: 300_000 }, async (context) => {
    const script = join(repoRoot, 'tools', 'exportTorchvision.py');
    const lines = execFileSync(
      PYTHON,
      [script, '--opset', '17', '--out', folder, ...MODELS.map((name) => `${name}:${SIZE}`)],
      { encoding: 'utf8', timeout: 240_000 },
    );
    const exported = new Map(
      lines
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { model: string; onnx?: string; error?: string })
        .map((entry) => [entry.model, entry]),
    );
    await initWasmBackend({ threads: 2 });
    for (const name of MODELS) {
      const entry = exported.get(name);
      assert.ok(entry?.onnx !== undefined, `${name} was not exported: ${entry?.error ?? 'no result'}`);
      const { model } = importOnnx(readFileSync(entry.onnx), `${name}.onnx`);
      const random = new Random(5);
      const count = 8;
      const x = Tensor.fromArray(
        Float32Array.from({ length: count * SIZE * SIZE * 3 }, () => random.uniform() * 2 - 1),
        [count, SIZE, SIZE, 3],
      );
      const labels = Array.from({ length: count }, (_, index) => index % 4);
      const before = model.evaluate(x, labels).loss;
      model.fit(x, labels, {
        epochs: 3,
        batchSize: count,
        optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
        shuffle: false,
      });
      const afterFit = model.evaluate(x, labels).loss;
      context.diagnostic(`${name}: loss ${before.toFixed(4)} -> ${afterFit.toFixed(4)}`);
      assert.ok(afterFit < before - 0.01, `${name}: the loss went from ${before} to ${afterFit}`);
    }
  });
});
