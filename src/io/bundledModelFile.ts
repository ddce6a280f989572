// Loads the models that ship in the package's data/models/ (described in bundledModels.ts) in Node,
// through the ordinary model loader. Nothing is read until a function here is called.

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { LoadedModel } from './modelFormat.js';
import { loadModel } from './modelFile.js';
import { bundledModelInfo, type BundledSample } from './bundledModels.js';

/** The package root: this module is dist/src/io/bundledModelFile.js (tools/bundleNode.mjs keeps that address). */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/**
 * The folder of the bundled model `name` (model.json, weights.safetensors, samples/), an absolute
 * path. Throws UnknownBundledModelError listing the names for any other.
 *
 * @example
 * const folder = bundledModelDirectory('mnist');
 * const { model } = loadModel(folder);
 */
export function bundledModelDirectory(name: string): string {
  return join(packageRoot(), bundledModelInfo(name).folder);
}

/**
 * Loads the bundled model `name` ('cifar10' or 'mnist', see BUNDLED_MODELS), with its class names and
 * preprocessing. Throws UnknownBundledModelError listing the names for any other, and the errors of
 * loadModel if its files were damaged.
 *
 * @example
 * const { model } = loadBundledModel('cifar10');
 * const [[best]] = model.classify([readImageFile('photo.jpg').image]);
 * console.log(best.name, best.probability);
 */
export function loadBundledModel(name: string): LoadedModel {
  return loadModel(bundledModelDirectory(name));
}

/**
 * The sample pictures of the bundled model `name`, each with its absolute path. Throws
 * UnknownBundledModelError for an unknown name.
 *
 * @example
 * for (const { path, label } of bundledSampleFiles('mnist')) console.log(path, label);
 */
export function bundledSampleFiles(name: string): (BundledSample & { path: string })[] {
  const info = bundledModelInfo(name);
  const samples = join(packageRoot(), info.folder, 'samples');
  return info.samples.map((sample) => ({ ...sample, path: join(samples, sample.file) }));
}
