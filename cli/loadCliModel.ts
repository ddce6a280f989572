// The models the commands read: a folder saved by `convnet train`, an ONNX file (imported: the
// model runs channels last, and a tensor batch given to it is laid out as the ONNX input declares),
// or a TF.js Layers model (its model.json, or its folder), told apart from a native model.json by content.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileSystemError, importOnnx, importTfjsModel, isTfjsModelJson, loadModel, MAX_MANIFEST_BYTES, MAX_ONNX_FILE_BYTES, readRegularFile, readRegularTextFile,
  type ImportedOnnx, type Input, type Model,
} from '../src/index.js';
import { UsageError } from './usageError.js';

export interface LoadedCliModel {
  model: Model;
  /** model.classNames: from the model folder's manifest or the ONNX file's metadata; absent when it has none. */
  classNames?: readonly string[];
  /** How a tensor batch given to it is laid out: a native model's NHWC, or as the ONNX file's input declares. */
  inputLayout: ImportedOnnx['inputLayout'];
}

/**
 * The model.json of a TF.js Layers model that `path` names (the file, or a folder holding it), or
 * null for anything else (the native loader then reads it, and names what is wrong).
 */
function tfjsModelJsonOf(path: string): string | null {
  let candidate = path;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) candidate = join(path, 'model.json');
    else if (!stats.isFile()) return null;
    if (!statSync(candidate).isFile()) return null;
  } catch {
    return null;
  }
  try {
    return isTfjsModelJson(JSON.parse(readRegularTextFile(candidate, { maxBytes: MAX_MANIFEST_BYTES, what: 'a model.json' }))) ? candidate : null;
  } catch {
    return null;
  }
}

/** A model folder, a .onnx file or a TF.js model.json (or its folder), named by --model. */
export function loadAnyModel(path: string): LoadedCliModel {
  if (path.toLowerCase().endsWith('.onnx')) {
    // A regular file only, bounded before reading: a FIFO or device named x.onnx is refused by name.
    const bytes = readRegularFile(path, { maxBytes: MAX_ONNX_FILE_BYTES, what: 'an ONNX file' });
    const { model, inputLayout } = importOnnx(bytes, path);
    return { model, inputLayout, ...(model.classNames === undefined ? {} : { classNames: model.classNames }) };
  }
  const tfjsModelJson = tfjsModelJsonOf(path);
  if (tfjsModelJson !== null) {
    const model = importTfjsModel(tfjsModelJson);
    return { model, inputLayout: model.inputShape.length === 3 ? 'NHWC' : 'features' };
  }
  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(path);
  } catch (error) {
    // Any other system error reading the folder (no permission, an I/O error): one line naming it.
    throw fileSystemError(error, path, 'read the model');
  }
  const { model } = loaded;
  return { model, inputLayout: model.inputShape.length === 3 ? 'NHWC' : 'features', ...(model.classNames === undefined ? {} : { classNames: model.classNames }) };
}

export interface CliModel {
  model: Model;
  /** A name for every class: the saved ones, or the class indices. */
  classNames: string[];
  inputLayout: ImportedOnnx['inputLayout'];
}

/** A model for the commands that print or draw classes (predict, visualize). */
export function loadCliModel(path: string): CliModel {
  const { model, classNames, inputLayout } = loadAnyModel(path);
  return { model, inputLayout, classNames: Array.from({ length: model.classes }, (_, index) => classNames?.[index] ?? String(index)) };
}

/** The Input of a model that takes images, or a usage error naming the model. */
export function imageInputOf(model: Model, path: string): Input {
  const input = model.layers[0] as Input;
  if (input.colorModel === null) throw new UsageError(`model ${path} takes feature vectors, not images`);
  return input;
}
