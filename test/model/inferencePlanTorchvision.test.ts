// The inference plan on torchvision's ResNet-18, MobileNetV2, EfficientNet-B0 and MobileNetV3 as PyTorch exports
// them (tools/exportTorchvision.py at 64x64, opset 13, random weights and batch normalization
// statistics; skipped, saying so, without Debian's python3-torch): the plan fuses what these
// networks hold (residual Adds with their ReLU, ReLU6 as Clip, SiLU as Sigmoid + Mul, HardSwish as
// HardSigmoid + Mul, the squeeze-and-excitation gates' Sigmoid and HardSigmoid, the inverted residual blocks'
// expansions and projections into their depthwise convolutions), and predict through it gives
// onnxruntime-node's logits within 1e-4 of their range and the layer-by-layer forward pass's within float32 rounding,
// on the reference and WebAssembly backends.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  decodeNpy,
  importedInput,
  importOnnx,
  initWasmBackend,
  setBackend,
  Tensor,
  withScope,
} from '../../src/index.js';
import { InferencePlan } from '../../src/model/inferencePlan.js';
import { wasmSkip } from '../parity/harness.js';
import { assertClose, hasPythonModules, repoRoot } from '../helpers.js';

/** Debian's python3, by absolute path: another python3 earlier on PATH may lack Debian's torch. */
const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'torchvision', 'onnx']);
const SIZE = 64;
const OPSET = 13;
/** |ours - onnxruntime| may be this fraction of the range of onnxruntime's logits (as torchvisionImport.test.ts). */
const RELATIVE_TOLERANCE = 1e-4;

/** Each model and how many plan steps of each fused kind it must have. */
const MODELS: { name: string; fused: Record<string, number> }[] = [
  { name: 'resnet18', fused: { 'Conv2D+ReLU': 8, 'Conv2D+ReLU+MaxPool2D': 1, 'Conv2D+Add+ReLU': 8 } },
  // A block's 1x1 expansion on a map of 28x28 pixels or more goes into the depthwise convolution reading it (at
  // 64x64, the second block's 32x32 one; at 224x224, six of them): the expanded map is never stored; so does the 1x1
  // projection after the depthwise convolution there (and after the first block's, which has no expansion).
  {
    name: 'mobilenet_v2',
    fused: {
      'Conv2D+Clip': 32,
      'Conv2D+Clip+Conv2D': 1,
      'Conv2D+Clip+Conv2D+Clip': 0,
      'Conv2D+Clip+Conv2D+Clip+Conv2D': 1,
      'Conv2D+Add': 10,
    },
  },
  // Each squeeze-and-excitation gate's Multiply goes into the 1x1 projection reading it.
  {
    name: 'efficientnet_b0',
    fused: {
      'Conv2D+Sigmoid+Multiply': 47,
      'Conv2D+Sigmoid+Multiply+Conv2D+Sigmoid+Multiply': 1,
      'Conv2D+Sigmoid': 16,
      'Multiply+Conv2D': 7,
      'Multiply+Conv2D+Add': 9,
      Multiply: 0,
    },
  },
  // Opset 13 has no HardSwish: PyTorch writes x * HardSigmoid(x).
  {
    name: 'mobilenet_v3_small',
    fused: {
      'Conv2D+HardSigmoid+Multiply': 18,
      'Conv2D+HardSigmoid': 9,
      'Multiply+Conv2D': 4,
      'Multiply+Conv2D+Add': 5,
      'Conv2D+Add': 1,
      'HardSigmoid+Multiply': 1,
      Multiply: 0,
    },
  },
];

describe('inference plan on torchvision models', {
  skip: hasTorch
    ? false
    : `${PYTHON} has no torch, torchvision and onnx (Debian's python3-torch, python3-torchvision, python3-onnx)`,
}, () => {
  let folder = '';
  const files = new Map<string, { onnx: string; input: string }>();
  const expected = new Map<string, Float32Array>();

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-plan-'));
    const script = join(repoRoot, 'tools', 'exportTorchvision.py');
    const args = [script, '--opset', String(OPSET), '--out', folder, ...MODELS.map(({ name }) => `${name}:${SIZE}`)];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        PYTHON,
        args,
        { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
        (error, output, stderr) => {
          if (error !== null)
            reject(new Error(`exportTorchvision.py failed: ${error.message}\n${stderr.slice(-2000)}`));
          else resolve(output);
        },
      );
    });
    for (const line of stdout.trim().split('\n')) {
      const result = JSON.parse(line) as { model: string; onnx?: string; input?: string; error?: string };
      assert.ok(
        result.onnx !== undefined && result.input !== undefined,
        `${result.model} was not exported: ${result.error}`,
      );
      files.set(result.model, { onnx: result.onnx, input: result.input });
      const input = decodeNpy(readFileSync(result.input));
      const session = await ort.InferenceSession.create(readFileSync(result.onnx));
      const { output } = await session.run({
        input: new ort.Tensor('float32', input.data as Float32Array, input.shape),
      });
      expected.set(result.model, Float32Array.from(output!.data as Float32Array));
    }
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  const load = (name: string) => {
    const file = files.get(name)!;
    const { model, inputLayout } = importOnnx(readFileSync(file.onnx), `${name}.onnx`);
    const input = decodeNpy(readFileSync(file.input));
    return { model, x: importedInput(Tensor.fromArray(input.data as Float32Array, input.shape), inputLayout) };
  };

  for (const { name, fused } of MODELS) {
    test(`${name}: the plan fuses ${Object.entries(fused)
      .map(([label, count]) => `${count} ${label}`)
      .join(', ')}`, () => {
      const { model } = load(name);
      const counts = new Map<string, number>();
      for (const step of new InferencePlan(model, [model.layers.length - 1]).steps)
        counts.set(step.label, (counts.get(step.label) ?? 0) + 1);
      for (const [label, count] of Object.entries(fused)) assert.equal(counts.get(label) ?? 0, count, `${label} steps`);
    });
  }

  for (const backend of ['reference', 'wasm'] as const) {
    describe(`on the ${backend} backend`, { skip: backend === 'wasm' ? wasmSkip : false }, () => {
      before(async () => {
        if (backend === 'wasm') await initWasmBackend({ threads: 2 });
        else setBackend('reference');
      });

      for (const { name } of MODELS) {
        test(
          `${name} (${SIZE}x${SIZE}): predict matches onnxruntime-node and the ` + `layer-by-layer forward pass`,
          (context) => {
            const { model, x } = load(name);
            const ours = model.predict(x).dataSync();
            const reference = expected.get(name)!;
            const range = Math.max(...reference) - Math.min(...reference);
            let largest = 0;
            for (let index = 0; index < reference.length; index++)
              largest = Math.max(largest, Math.abs(ours[index]! - reference[index]!));
            context.diagnostic(
              `${name}: max |plan - onnxruntime| ${(largest / range).toExponential(2)} of the logits' range ` +
                `${range.toPrecision(4)}`,
            );
            assert.ok(
              largest <= RELATIVE_TOLERANCE * range,
              `${name}: ${(largest / range).toExponential(2)} of the range`,
            );
            const unfused = withScope(() => Float32Array.from(model.forward(x).dataSync()));
            assertClose(ours, unfused, { atol: 1e-6 * range, rtol: 1e-5 }, `${name} plan against forward`);
          },
        );
      }
    });
  }
});
