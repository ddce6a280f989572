// explainValue and Grad-CAM on torchvision models imported from ONNX (tools/exportTorchvision.py at
// opset 13, batch 1, seeded random weights; skipped, saying so, where Debian's python3-torch and
// python3-torchvision are missing): ResNet-18 (residual Adds, a 7x7 stride-2 stem, max pooling) and
// MobileNetV2 (depthwise convolutions, ReLU6 as Clip). Every layer's explanations reproduce its
// output; the last layer is predict's; Grad-CAM on the maps before global pooling equals the class
// activation map computed from the classifier's weights (Zhou et al., 2016: there the gradient of a
// logit with respect to map k is its Dense weight over the map's size), and runs on every residual Add.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  decodeNpy,
  Dense,
  explainProbability,
  GlobalAveragePooling2D,
  gradCam,
  gradCamLayers,
  importedInput,
  importOnnx,
  layerOutputs,
  Random,
  Tensor,
  type Image,
  type Model,
} from '../../src/index.js';
import { hasPythonModules, repoRoot } from '../helpers.js';
import { checkEveryLayer } from '../visualize/explanationChecks.js';

/** Debian's python3, by absolute path: another python3 earlier on PATH may lack Debian's torch. */
const PYTHON = '/usr/bin/python3';
const hasTorch = hasPythonModules(PYTHON, ['torch', 'torchvision', 'onnx']);

const MODELS = ['resnet18', 'mobilenet_v2'] as const;
const SIZE = 64;

/** Every positive value of `cam` over its largest: Grad-CAM's normalization. */
function normalized(cam: Float64Array): Float64Array {
  const clipped = cam.map((value) => Math.max(value, 0));
  const peak = Math.max(...clipped);
  return peak > 0 ? clipped.map((value) => value / peak) : clipped;
}

describe('explanations and Grad-CAM on torchvision models imported from ONNX', {
  skip: hasTorch
    ? false
    : `${PYTHON} has no torch, torchvision and onnx (Debian's python3-torch, python3-torchvision, python3-onnx)`,
}, () => {
  let folder = '';
  const files = new Map<string, { onnx: string; input: string }>();

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'convnet-explain-'));
    const script = join(repoRoot, 'tools', 'exportTorchvision.py');
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        PYTHON,
        [script, '--opset', '13', '--out', folder, '--batch', '1', ...MODELS.map((name) => `${name}:${SIZE}`)],
        { encoding: 'utf8', timeout: 300_000 },
        (error, out, stderr) => {
          if (error !== null)
            reject(new Error(`exportTorchvision.py failed: ${error.message}\n${stderr.slice(-2000)}`));
          else resolve(out);
        },
      );
    });
    for (const line of stdout.trim().split('\n')) {
      const result = JSON.parse(line) as { model: string; onnx?: string; input?: string; error?: string };
      if (result.onnx !== undefined && result.input !== undefined)
        files.set(result.model, { onnx: result.onnx, input: result.input });
    }
  });

  after(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
  });

  const load = (name: string): { model: Model; input: Tensor } => {
    const file = files.get(name);
    assert.ok(file !== undefined, `${name} was not exported`);
    const { model, inputLayout } = importOnnx(readFileSync(file.onnx), `${name}.onnx`);
    const npy = decodeNpy(readFileSync(file.input));
    return { model, input: importedInput(Tensor.fromArray(npy.data as Float32Array, npy.shape), inputLayout) };
  };

  for (const name of MODELS) {
    test(`${name}: every layer's explanations reproduce its output at random positions`, (context) => {
      const { model, input } = load(name);
      const outputs = layerOutputs(model, input);
      const logits = outputs.layers[outputs.layers.length - 1]!.values;
      const predicted = model.predict(input).dataSync();
      const range = Math.max(...predicted) - Math.min(...predicted);
      predicted.forEach((value, index) => {
        assert.ok(
          Math.abs(value - logits[index]!) <= 1e-4 * range,
          `logit ${index}: ${logits[index]} vs predict's ${value}`,
        );
      });
      const worst = checkEveryLayer(outputs, new Random(7), 4);
      // The model outputs logits: explainProbability is classify's softmax of them.
      const probabilities = Array.from(predicted, (logit) => Math.exp(logit - Math.max(...predicted)));
      const total = probabilities.reduce((sum, value) => sum + value, 0);
      for (const classIndex of [0, 321, 999]) {
        const explained = explainProbability(outputs, classIndex);
        assert.equal(explained.layerIndex, model.layers.length - 1);
        assert.ok(
          Math.abs(explained.value - explained.output) <= 1e-6 * explained.output + 1e-9,
          `class ${classIndex}: ${explained.value} vs the softmax kernel's ${explained.output}`,
        );
        assert.ok(
          Math.abs(explained.value - probabilities[classIndex]! / total) <= 1e-4 * explained.value + 1e-9,
          `class ${classIndex}: ${explained.value} vs predict's ${probabilities[classIndex]! / total}`,
        );
      }
      context.diagnostic(
        `${model.layers.length} layers; largest |value - output| as a fraction of its tolerance: ` +
          `${[...worst].map(([kind, fraction]) => `${kind} ${fraction.toFixed(3)}`).join(', ')}`,
      );
    });

    test(
      `${name}: Grad-CAM before global pooling equals the class activation map from the ` + `classifier's weights`,
      () => {
        const { model, input } = load(name);
        const layers = gradCamLayers(model);
        const pooling = model.layers.findIndex((layer) => layer instanceof GlobalAveragePooling2D);
        const target = model.nodes[pooling]!.inputs[0]!;
        assert.equal(layers[layers.length - 1]!.layerIndex, target, 'the last usable layer feeds the global pooling');
        const dense = model.layers[model.layers.length - 1];
        assert.ok(
          dense instanceof Dense && model.nodes[model.layers.length - 1]!.inputs[0] === pooling,
          'GlobalAveragePool -> Gemm',
        );
        const [height, width, channels] = model.layerOutputShapes[target] as [number, number, number];
        const maps = layerOutputs(model, input).layers[target]!.values;
        const image: Image = { width: SIZE, height: SIZE, colorModel: 'rgb', data: new Float32Array(SIZE * SIZE * 3) };
        for (const classIndex of [0, 417, 999]) {
          const cam = new Float64Array(height * width);
          for (let position = 0; position < height * width; position++) {
            for (let channel = 0; channel < channels; channel++)
              cam[position]! +=
                (dense.kernel!.dataSync()[channel * dense.units + classIndex]! / (height * width)) *
                maps[position * channels + channel]!;
          }
          const expected = normalized(cam);
          const result = gradCam(model, input, image, { layerName: model.layers[target]!.name, classIndex });
          assert.equal(result.heat.data.length, expected.length);
          expected.forEach((value, index) => {
            assert.ok(
              Math.abs(value - result.heat.data[index]!) <= 1e-4,
              `class ${classIndex}, position ${index}: ${result.heat.data[index]} vs ${value}`,
            );
          });
        }
      },
    );
  }

  test("resnet18: Grad-CAM runs on every residual Add, a heat map in [0, 1] at the Add's resolution", () => {
    const { model, input } = load('resnet18');
    const image: Image = { width: SIZE, height: SIZE, colorModel: 'rgb', data: new Float32Array(SIZE * SIZE * 3) };
    const adds = gradCamLayers(model).filter((layer) => layer.className === 'Add');
    assert.equal(adds.length, 8);
    for (const layer of adds) {
      const { heat } = gradCam(model, input, image, { layerName: layer.layerName, classIndex: 5 });
      assert.deepEqual([heat.height, heat.width], layer.shape.slice(0, 2));
      const peak = Math.max(...heat.data);
      assert.ok(
        heat.data.every((value) => value >= 0 && value <= 1) && (peak === 1 || peak === 0),
        `${layer.layerName}: values in [0, 1], peak ${peak}`,
      );
    }
  });
});
