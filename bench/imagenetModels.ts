// The ImageNet-sized workloads of `npm run bench:imagenet`: four torchvision classifiers at 224x224,
// their ONNX files (made once by tools/exportTorchvision.py with Debian's python3-torch and
// python3-torchvision, seeded random weights, then kept in a cache folder that git ignores) and the
// seeded input batch every library reads. Limits: speed only; the weights are random.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from './seededRandom.js';

export type ImagenetModelId = 'resnet18' | 'mobilenet_v2' | 'efficientnet_b0' | 'resnet50';

/**
 * latency: one image, ms; throughput: a batch of THROUGHPUT_BATCH, img/s; train: one fine-tuning step of TRAIN_BATCH,
 * img/s.
 */
export type ImagenetMode = 'latency' | 'throughput' | 'train';

export const IMAGENET_MODELS: readonly ImagenetModelId[] = ['resnet18', 'mobilenet_v2', 'efficientnet_b0', 'resnet50'];
export const IMAGENET_MODES: readonly ImagenetMode[] = ['latency', 'throughput', 'train'];

export const IMAGE_SIZE = 224;
export const CHANNELS = 3;
export const CLASSES = 1000;
export const THROUGHPUT_BATCH = 8;
export const TRAIN_BATCH = 16;
/**
 * Tiny on purpose: the random weights give ResNet-50 logits near 1,000, and at 0.001 its second step
 * overflowed to a NaN loss (ConvNet.ts then throws). Speed does not depend on it.
 */
export const LEARNING_RATE = 1e-5;
export const MOMENTUM = 0.9;
/** ONNX opset of the exported files (the importer's parity tests cover 11 to 17). */
export const OPSET = 13;
const INPUT_SEED = 224;

export function batchOf(mode: ImagenetMode): number {
  return mode === 'latency' ? 1 : mode === 'throughput' ? THROUGHPUT_BATCH : TRAIN_BATCH;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** From dist/bench back to the repository. */
export const REPOSITORY_ROOT = path.resolve(HERE, '..', '..');
/** Ignored by git (.gitignore): the exported models, about 180 MB for the four. */
export const DEFAULT_CACHE_FOLDER = path.join(REPOSITORY_ROOT, 'bench', 'cache', 'imagenet');
/** Debian's interpreter, by absolute path: another python3 first on PATH may lack Debian's torch. */
export const PYTHON = '/usr/bin/python3';

export function onnxFileOf(folder: string, model: ImagenetModelId): string {
  return path.join(folder, `${model}-opset${OPSET}.onnx`);
}

export interface ModelFiles {
  /** The ONNX file of each model that exists or could be made. */
  files: Map<ImagenetModelId, string>;
  /** Why a model has no file: "skipped: needs python3-torchvision ..." or the exporter's error. */
  missing: Map<ImagenetModelId, string>;
}

/** Whether Debian's python3 can import torch and torchvision (both the exporter and the PyTorch peer need them). */
export function hasTorchvision(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
}

/**
 * The ONNX files of `models` in `folder`, exporting those that are missing in one Python process
 * (starting torch takes seconds). Never throws: a model that cannot be made is listed in `missing`.
 */
export function ensureOnnxFiles(
  models: readonly ImagenetModelId[],
  folder: string,
  log: (line: string) => void,
): ModelFiles {
  const files = new Map<ImagenetModelId, string>();
  const missing = new Map<ImagenetModelId, string>();
  const toExport = models.filter((model) => !existsSync(onnxFileOf(folder, model)));
  for (const model of models) if (!toExport.includes(model)) files.set(model, onnxFileOf(folder, model));
  if (toExport.length === 0) return { files, missing };
  if (!hasTorchvision()) {
    for (const model of toExport)
      missing.set(
        model,
        `skipped: needs python3-torchvision (${PYTHON} cannot import torch and torchvision to export ` +
          `${model}, and ${onnxFileOf(folder, model)} is not there)`,
      );
    return { files, missing };
  }
  mkdirSync(folder, { recursive: true });
  log(
    `exporting ${toExport.join(', ')} to ONNX (tools/exportTorchvision.py, once; kept in ` +
      `${path.relative(process.cwd(), folder) || folder})`,
  );
  const script = path.join(REPOSITORY_ROOT, 'tools', 'exportTorchvision.py');
  const entries = toExport.map((model) => `${model}:${IMAGE_SIZE}`);
  const run = spawnSync(PYTHON, [script, '--opset', String(OPSET), '--out', folder, '--batch', '1', ...entries], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const reported = new Map<string, { error?: string; onnx?: string }>();
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { model: string; error?: string; onnx?: string };
    reported.set(parsed.model, parsed);
  }
  for (const model of toExport) {
    const file = onnxFileOf(folder, model);
    if (existsSync(file)) {
      files.set(model, file);
      continue;
    }
    const error =
      reported.get(model)?.error ??
      `exportTorchvision.py exited with ${run.status}: ${run.stderr.trim().split('\n').pop() ?? ''}`;
    missing.set(model, `export failed: ${error}`);
  }
  return { files, missing };
}

/**
 * The input every library reads: TRAIN_BATCH seeded images [TRAIN_BATCH, 3, 224, 224], channels first
 * as the ONNX files take them (float32, uniform in [0, 1)), then TRAIN_BATCH labels (int32) in
 * [0, CLASSES). A run of batch b reads the first b images. Written once per run to `file`.
 */
export function writeInputFile(file: string): void {
  const random = new SeededRandom(INPUT_SEED);
  const pixels = new Float32Array(TRAIN_BATCH * CHANNELS * IMAGE_SIZE * IMAGE_SIZE);
  for (let index = 0; index < pixels.length; index++) pixels[index] = random.uniform();
  const labels = new Int32Array(TRAIN_BATCH);
  for (let index = 0; index < labels.length; index++) labels[index] = random.integer(CLASSES);
  const bytes = new Uint8Array(pixels.byteLength + labels.byteLength);
  bytes.set(new Uint8Array(pixels.buffer), 0);
  bytes.set(new Uint8Array(labels.buffer), pixels.byteLength);
  writeFileSync(file, bytes);
}

/** The pixels of the first `batch` images of an input file's bytes (channels first) and their labels. */
export function readInputBytes(bytes: Uint8Array, batch: number): { pixels: Float32Array; labels: Int32Array } {
  const imageValues = CHANNELS * IMAGE_SIZE * IMAGE_SIZE;
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + TRAIN_BATCH * imageValues * 4));
  const labelBytes = bytes.buffer.slice(
    bytes.byteOffset + all.byteLength,
    bytes.byteOffset + all.byteLength + TRAIN_BATCH * 4,
  );
  return { pixels: all.slice(0, batch * imageValues), labels: new Int32Array(labelBytes).slice(0, batch) };
}
