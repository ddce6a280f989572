// Model folders: model.json and weights.safetensors (the format: modelFormat.ts), each written
// atomically, the weights first, so a manifest on disk always describes complete weights.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { MAX_MANIFEST_BYTES, MAX_WEIGHTS_FILE_BYTES } from '../core/limits.js';
import type { Model } from '../model/model.js';
import { writeFileAtomic } from './atomicWrite.js';
import { createFolders, fileSystemError, readRegularFile, readRegularTextFile } from './files.js';
import {
  MANIFEST_FILE,
  parseModel,
  serializeModel,
  serializeModelAsync,
  WEIGHTS_FILE,
  type LoadedModel,
  type SaveOptions,
} from './modelFormat.js';

/**
 * Saves a model to `directory` (created if needed) as model.json + weights.safetensors; the class
 * names written are options.classNames, or else model.classNames. loadModel sets model.classNames back.
 *
 * @example
 * saveModel(model, 'runs/mnist', { classNames: MNIST_CLASS_NAMES });
 */
export function saveModel(model: Model, directory: string, options: SaveOptions = {}): void {
  createFolders(directory);
  const { manifest, weights } = serializeModel(model, options);
  writeFileAtomic(join(directory, WEIGHTS_FILE), weights);
  writeFileAtomic(join(directory, MANIFEST_FILE), manifest);
}

/**
 * saveModel on every backend: the weights are read with `await tensor.data()` (serializeModelAsync), so a
 * model trained on WebGPU (in Node, with a WebGPU implementation) is saved too.
 *
 * @example
 * await saveModelAsync(model, 'runs/mnist', { classNames: MNIST_CLASS_NAMES });
 */
export async function saveModelAsync(model: Model, directory: string, options: SaveOptions = {}): Promise<void> {
  const { manifest, weights } = await serializeModelAsync(model, options);
  createFolders(directory);
  writeFileAtomic(join(directory, WEIGHTS_FILE), weights);
  writeFileAtomic(join(directory, MANIFEST_FILE), manifest);
}

/**
 * Loads a model directory written by saveModel. Throws FileFormatError naming the file and field,
 * FileSystemError (one line: path and reason) when a file cannot be read or is not a regular file
 * (a FIFO or device named model.json is refused by name, never opened for a blocking read).
 */
export function loadModel(directory: string): LoadedModel {
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR')
      throw fileSystemError(error, directory, 'read');
  }
  if (!isDirectory)
    throw new FileFormatError(
      directory,
      `is not a model directory (expected a folder with ${MANIFEST_FILE} and ${WEIGHTS_FILE})`,
    );
  const manifestPath = join(directory, MANIFEST_FILE);
  const weightsPath = join(directory, WEIGHTS_FILE);
  for (const path of [manifestPath, weightsPath])
    if (!existsSync(path)) throw new FileFormatError(path, 'does not exist');
  const manifest = readRegularTextFile(manifestPath, { maxBytes: MAX_MANIFEST_BYTES, what: 'a model manifest' });
  const weights = readRegularFile(weightsPath, { maxBytes: MAX_WEIGHTS_FILE_BYTES, what: 'a weights file' });
  return parseModel(manifest, weights, { manifest: manifestPath, weights: weightsPath });
}
