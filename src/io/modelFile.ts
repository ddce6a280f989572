// Model directories: `model.json` (versioned manifest: topology, layer configs, class names,
// training metadata) and `weights.safetensors` (every weight, named "<layer>/<weight>"). Both files
// are written atomically; loading validates the manifest and every weight's shape.

import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConvNetError, FileFormatError } from '../core/errors.js';
import { formatShape, shapesEqual } from '../core/shape.js';
import type { LayerConfig } from '../layers/layer.js';
import { layerFromConfig } from '../layers/layerRegistry.js';
import { Model } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import { writeFileAtomic } from './atomicWrite.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

export const MODEL_FORMAT = 'convnet-ts-model';
/** 2 added `inputs` to layers (graph models); version 1 files are chains and still load. */
export const MODEL_FORMAT_VERSION = 2;
export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
/** Manifests are small; refuse to parse anything much larger. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** The parsed contents of model.json. */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  dtype: 'float32' | 'float64';
  seed: number;
  /** In order; `inputs` (indices of earlier layers) only in graph models: without it each layer reads the one before. */
  layers: { className: string; config: LayerConfig; inputs?: number[] }[];
  weights: { name: string; shape: number[] }[];
  classNames?: string[];
  /** Free-form facts about how the model was trained (dataset, epochs, accuracy, ...). */
  training?: Record<string, unknown>;
}

export interface SaveOptions {
  classNames?: readonly string[];
  training?: Record<string, unknown>;
}

/**
 * Saves a model to `directory` (created if needed) as model.json + weights.safetensors.
 *
 * @example
 * saveModel(model, 'runs/mnist', { classNames: MNIST_CLASS_NAMES });
 */
export function saveModel(model: Model, directory: string, options: SaveOptions = {}): void {
  mkdirSync(directory, { recursive: true });
  const weights = model.namedWeights();
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    dtype: model.dtype,
    seed: model.seed,
    layers: model.nodes.map(({ layer, inputs }) => ({
      className: layer.className,
      config: layer.getConfig(),
      ...(model.isChain ? {} : { inputs: [...inputs] }),
    })),
    weights: weights.map((weight) => ({ name: weight.name, shape: [...weight.tensor.shape] })),
  };
  if (options.classNames !== undefined) manifest.classNames = [...options.classNames];
  if (options.training !== undefined) manifest.training = options.training;
  // Weights first: a manifest on disk always describes weights that are already complete.
  writeFileAtomic(join(directory, WEIGHTS_FILE), encodeSafetensors(weights, { format: MODEL_FORMAT }));
  writeFileAtomic(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

export interface LoadedModel {
  /** A Sequential for a chain of layers, a graph Model otherwise. */
  model: Model;
  manifest: ModelManifest;
}

/** Loads a model directory written by saveModel. Throws FileFormatError naming the file and field. */
export function loadModel(directory: string): LoadedModel {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new FileFormatError(directory, `is not a model directory (expected a folder with ${MANIFEST_FILE} and ${WEIGHTS_FILE})`);
  }
  const manifestPath = join(directory, MANIFEST_FILE);
  const manifest = readManifest(manifestPath);
  let model: Model;
  try {
    const layers = manifest.layers.map((layer) => layerFromConfig(layer.className, layer.config));
    const options = { seed: manifest.seed, dtype: manifest.dtype };
    model = manifest.layers.some((layer) => layer.inputs !== undefined)
      ? new Model({ nodes: layers.map((layer, index) => ({ layer, inputs: manifest.layers[index]!.inputs ?? (index === 0 ? [] : [index - 1]) })) }, options)
      : new Sequential(layers, options);
  } catch (error) {
    if (error instanceof ConvNetError) throw new FileFormatError(manifestPath, `layers: ${error.message}`);
    throw error;
  }
  const weightsPath = join(directory, WEIGHTS_FILE);
  if (!existsSync(weightsPath)) throw new FileFormatError(weightsPath, 'does not exist');
  const { tensors } = decodeSafetensors(readFileSync(weightsPath), weightsPath);
  for (const weight of model.namedWeights()) {
    const stored = tensors.get(weight.name);
    if (stored === undefined) throw new FileFormatError(weightsPath, `weight '${weight.name}' is missing`);
    if (!shapesEqual(stored.shape, weight.tensor.shape)) {
      throw new FileFormatError(weightsPath, `weight '${weight.name}' has shape ${formatShape(stored.shape)} but the model needs ${formatShape(weight.tensor.shape)}`);
    }
    weight.tensor.data.set(stored.data);
  }
  return { model, manifest };
}

function readManifest(path: string): ModelManifest {
  if (!existsSync(path)) throw new FileFormatError(path, 'does not exist');
  if (statSync(path).size > MAX_MANIFEST_BYTES) throw new FileFormatError(path, `is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`);
  }
  const record = manifest as Partial<ModelManifest> | null;
  if (typeof record !== 'object' || record === null || record.format !== MODEL_FORMAT) {
    throw new FileFormatError(path, `field 'format' must be "${MODEL_FORMAT}"`);
  }
  if (typeof record.formatVersion !== 'number' || record.formatVersion > MODEL_FORMAT_VERSION || record.formatVersion < 1) {
    throw new FileFormatError(path, `field 'formatVersion' is ${record.formatVersion}; this version of ConvNet.ts reads versions 1 to ${MODEL_FORMAT_VERSION} (upgrade convnet-ts to read newer files)`);
  }
  if (record.dtype !== 'float32' && record.dtype !== 'float64') throw new FileFormatError(path, `field 'dtype' must be "float32" or "float64"`);
  if (typeof record.seed !== 'number') throw new FileFormatError(path, `field 'seed' must be a number`);
  if (!Array.isArray(record.layers) || !record.layers.every((layer) => typeof layer?.className === 'string' && typeof layer.config === 'object' && layer.config !== null)) {
    throw new FileFormatError(path, `field 'layers' must be a list of {className, config}`);
  }
  const badInputs = record.layers.findIndex((layer, index) => layer.inputs !== undefined && !(Array.isArray(layer.inputs) && layer.inputs.every((input) => Number.isInteger(input) && input >= 0 && input < index)));
  if (badInputs >= 0) throw new FileFormatError(path, `field 'layers[${badInputs}].inputs' must list indices of earlier layers`);
  if (record.classNames !== undefined && (!Array.isArray(record.classNames) || !record.classNames.every((name) => typeof name === 'string'))) {
    throw new FileFormatError(path, `field 'classNames' must be a list of strings`);
  }
  return record as ModelManifest;
}
