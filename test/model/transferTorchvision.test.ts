// Transfer learning on an ONNX import of torchvision's ResNet-18 (tools/exportTorchvision.py at
// 32x32, random weights and batch normalization statistics; skipped, saying so, without Debian's
// python3-torch): cut before its classifier, given a new head, the head trained on cached features
// while the backbone stays byte-identical, and the result exported to ONNX and imported again.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addClassifierHead,
  decodeNpy,
  exportOnnx,
  importedInput,
  importOnnx,
  SGD,
  Tensor,
  withScope,
  type Model,
} from '../../src/index.js';
import { assertClose, hasPythonModules, repoRoot } from '../helpers.js';

/** Debian's python3, by absolute path: another python3 earlier on PATH may lack Debian's torch. */
const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'torchvision', 'onnx']);

describe('transfer learning on torchvision ResNet-18 (ONNX)', {
  skip: hasTorch
    ? false
    : `${PYTHON} has no torch, torchvision and onnx (Debian's python3-torch, python3-torchvision, python3-onnx)`,
}, () => {
  let folder = '';
  let model: Model;
  let x: Tensor;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-transfer-'));
    const stdout = execFileSync(
      PYTHON,
      [
        join(repoRoot, 'tools', 'exportTorchvision.py'),
        '--opset',
        '13',
        '--batch',
        '4',
        '--out',
        folder,
        'resnet18:32',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n')[0]!) as { onnx?: string; input?: string; error?: string };
    assert.ok(result.onnx !== undefined && result.input !== undefined, `resnet18 was not exported: ${result.error}`);
    const imported = importOnnx(readFileSync(result.onnx), 'resnet18.onnx');
    model = imported.model;
    const input = decodeNpy(readFileSync(result.input));
    x = importedInput(Tensor.fromArray(input.data as Float32Array, input.shape), imported.inputLayout);
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  test(
    'featureExtractor before the classifier, a new head trained on cached features, exported and ' + 'imported again',
    () => {
      const last = model.nodes[model.nodes.length - 1]!;
      const cutIndex = last.inputs[0]!;
      const backbone = model.featureExtractor(model.layers[cutIndex]!.name);
      assert.deepEqual(backbone.outputShape, [512]);
      const expected = withScope(() =>
        model
          .forward(x, { end: cutIndex + 1 })
          .dataSync()
          .slice(),
      );
      assertClose(backbone.predict(x).dataSync(), expected, { atol: 1e-4, rtol: 1e-4 }, 'cut features');
      const headed = addClassifierHead(backbone, { classes: 2, seed: 1 });
      const before = backbone.namedWeights().map((weight) => Float32Array.from(weight.tensor.dataSync()));
      let cachedFeaturesOf: string | undefined;
      headed.fit(x, [0, 1, 0, 1], {
        epochs: 2,
        batchSize: 2,
        optimizer: new SGD({ learningRate: 0.1 }),
        callbacks: { onTrainBegin: (info) => (cachedFeaturesOf = info.cachedFeaturesOf) },
      });
      assert.equal(cachedFeaturesOf, model.layers[cutIndex]!.name);
      backbone.namedWeights().forEach((weight, index) => {
        assert.deepEqual(weight.tensor.dataSync(), before[index], `${weight.name} unchanged`);
      });
      const again = importOnnx(exportOnnx(headed));
      const nchw = Tensor.fromArray(
        decodeNpy(readFileSync(join(folder, 'resnet18-32-input.npy'))).data as Float32Array,
        [4, 3, 32, 32],
      );
      assertClose(
        again.model.predict(importedInput(nchw, again.inputLayout)).dataSync(),
        headed.predict(x).dataSync(),
        { atol: 1e-4 },
        'ONNX round trip',
      );
    },
  );
});
