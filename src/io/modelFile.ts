// Model folders: model.json and weights.safetensors (the format: modelFormat.ts), each written
// atomically, the weights first, so a manifest on disk always describes complete weights.

import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import type { Model } from '../model/model.js';
import { writeFileAtomic } from './atomicWrite.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, parseModel, serializeModel, WEIGHTS_FILE, type LoadedModel, type SaveOptions } from './modelFormat.js';

/**
 * Saves a model to `directory` (created if needed) as model.json + weights.safetensors.
 *
 * @example
 * saveModel(model, 'runs/mnist', { classNames: MNIST_CLASS_NAMES });
 */
export function saveModel(model: Model, directory: string, options: SaveOptions = {}): void {
  mkdirSync(directory, { recursive: true });
  const { manifest, weights } = serializeModel(model, options);
  writeFileAtomic(join(directory, WEIGHTS_FILE), weights);
  writeFileAtomic(join(directory, MANIFEST_FILE), manifest);
}

/** Loads a model directory written by saveModel. Throws FileFormatError naming the file and field. */
export function loadModel(directory: string): LoadedModel {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new FileFormatError(directory, `is not a model directory (expected a folder with ${MANIFEST_FILE} and ${WEIGHTS_FILE})`);
  }
  const manifestPath = join(directory, MANIFEST_FILE);
  const weightsPath = join(directory, WEIGHTS_FILE);
  for (const path of [manifestPath, weightsPath]) if (!existsSync(path)) throw new FileFormatError(path, 'does not exist');
  if (statSync(manifestPath).size > MAX_MANIFEST_BYTES) throw new FileFormatError(manifestPath, `is larger than ${MAX_MANIFEST_BYTES} bytes`);
  return parseModel(readFileSync(manifestPath, 'utf8'), readFileSync(weightsPath), { manifest: manifestPath, weights: weightsPath });
}
