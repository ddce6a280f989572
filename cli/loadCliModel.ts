// The models the commands read: a folder saved by `convnet train`, an ONNX file (imported: the
// model runs channels last, and a tensor batch given to it is laid out as the ONNX input declares),
// a TF.js Layers model (its model.json, or its folder), told apart from a native model.json by content,
// or a model bundled with the package, by name (cifar10, mnist) where no file or folder has that name.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLED_MODEL_NAMES,
  bundledModelDirectory,
  fileSystemError,
  isBundledModelName,
  IMAGENET_CLASS_NAMES,
  importOnnx,
  preprocessingPreset,
  readImageFileSize,
  readLabelsFile,
  resizedSize,
  importTfjsModel,
  isTfjsModelJson,
  loadModel,
  MAX_MANIFEST_BYTES,
  MAX_ONNX_FILE_BYTES,
  readRegularFile,
  readRegularTextFile,
  type ImportedOnnx,
  type Input,
  type Model,
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
export function tfjsModelJsonOf(path: string): string | null {
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
    return isTfjsModelJson(
      JSON.parse(readRegularTextFile(candidate, { maxBytes: MAX_MANIFEST_BYTES, what: 'a model.json' })),
    )
      ? candidate
      : null;
  } catch {
    return null;
  }
}

/**
 * What a model argument names: the file or model folder at that path when there is one (so a model
 * of one's own saved as mnist is never shadowed), else the bundled model of that name, else the
 * argument. A folder without a model.json (the CIFAR-10 pictures in ./cifar10) holds no model, so
 * the bundled one is meant.
 */
export function resolveModelPath(argument: string): string {
  return isBundledModelName(argument) && !holdsModel(argument) ? bundledModelDirectory(argument) : argument;
}

function holdsModel(path: string): boolean {
  try {
    return statSync(path).isFile() || existsSync(join(path, 'model.json'));
  } catch {
    return false;
  }
}

/** A model folder, a .onnx file, a TF.js model.json (or its folder) or a bundled model's name, named by --model. */
export function loadAnyModel(argument: string): LoadedCliModel {
  const path = resolveModelPath(argument);
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
  // A bare name that names nothing: perhaps a bundled model was meant.
  if (!existsSync(path) && !/[\\/]/.test(path)) {
    throw new UsageError(
      `${path}: is not a model directory, nor a bundled model (the bundled models are ` +
        `${BUNDLED_MODEL_NAMES.join(', ')})`,
    );
  }
  let loaded: ReturnType<typeof loadModel>;
  try {
    loaded = loadModel(path);
  } catch (error) {
    // Any other system error reading the folder (no permission, an I/O error): one line naming it.
    throw fileSystemError(error, path, 'read the model');
  }
  const { model } = loaded;
  return {
    model,
    inputLayout: model.inputShape.length === 3 ? 'NHWC' : 'features',
    ...(model.classNames === undefined ? {} : { classNames: model.classNames }),
  };
}

export interface CliModel {
  model: Model;
  /** A name for every class: the saved ones, or the class indices. */
  classNames: string[];
  inputLayout: ImportedOnnx['inputLayout'];
}

/** The names --preprocess takes: presets of PREPROCESSING_PRESETS. */
export const PREPROCESS_CHOICES = ['imagenet', 'inception', 'none'] as const;

/** --preprocess and --labels: what overrides the model's own preprocessing and class names. */
export interface ModelOverrides {
  preprocess?: (typeof PREPROCESS_CHOICES)[number] | undefined;
  /** A labels file (one class name per line), or 'imagenet' for the 1,000 ImageNet names that ship with ConvNet.ts. */
  labels?: string | undefined;
}

/**
 * Sets --preprocess and --labels on `model` (a usage error when they do not fit it: a preset's three
 * means for a gray model, ImageNet's names for a model without 1,000 classes; a labels file with
 * another count of names is a FileFormatError naming it).
 */
export function applyOverrides(model: Model, path: string, overrides: ModelOverrides): void {
  if (overrides.preprocess !== undefined) {
    const input = model.layers[0] as Input;
    if (input.colorModel === null)
      throw new UsageError(`--preprocess: model ${path} takes feature vectors, not images`);
    const preprocessing = preprocessingPreset(overrides.preprocess);
    if (preprocessing !== undefined && preprocessing.mean.length !== input.shape[2]) {
      throw new UsageError(
        `--preprocess ${overrides.preprocess} is for 3-channel (RGB) inputs, but model ${path} takes ` +
          `${input.shape[2]} channels (${input.colorModel})`,
      );
    }
    model.setPreprocessing(preprocessing);
  }
  if (overrides.labels === 'imagenet') {
    if (model.classes !== IMAGENET_CLASS_NAMES.length)
      throw new UsageError(
        `--labels imagenet names ${IMAGENET_CLASS_NAMES.length} classes, but model ${path} has ${model.classes}`,
      );
    model.setClassNames(IMAGENET_CLASS_NAMES);
  } else if (overrides.labels !== undefined) {
    model.setClassNames(readLabelsFile(overrides.labels, model.classes));
  }
}

/** A model for the commands that print or draw classes (predict, visualize), with --preprocess and --labels applied. */
export function loadCliModel(path: string, overrides: ModelOverrides = {}): CliModel {
  const loaded = loadAnyModel(path);
  applyOverrides(loaded.model, path, overrides);
  const { model, inputLayout } = loaded;
  const classNames = model.classNames;
  return {
    model,
    inputLayout,
    classNames: Array.from({ length: model.classes }, (_, index) => classNames?.[index] ?? String(index)),
  };
}

/**
 * The size to decode image `file` to for `model` (an input of width x height): the input's, or, for a
 * 'crop' preprocessing, the size whose center is cut out (undefined, decoded whole, when the file's
 * header does not say its size: fitting it to the input would stretch it before the crop).
 */
export function decodeSizeFor(
  file: string,
  model: Model,
  width: number,
  height: number,
): { width: number; height: number } | undefined {
  if (model.preprocessing?.resize !== 'crop') return { width, height };
  const size = readImageFileSize(file);
  return size === null ? undefined : resizedSize(size.width, size.height, width, height, model.preprocessing);
}

/** The Input of a model that takes images, or a usage error naming the model. */
export function imageInputOf(model: Model, path: string): Input {
  const input = model.layers[0] as Input;
  if (input.colorModel === null) throw new UsageError(`model ${path} takes feature vectors, not images`);
  return input;
}

/** Probabilities from one row of logits: exp(x - max) / sum, so a large logit cannot overflow. */
export function softmaxRow(logits: readonly number[]): number[] {
  const largest = logits.reduce((most, logit) => Math.max(most, logit), -Infinity);
  const exponentials = logits.map((logit) => Math.exp(logit - largest));
  const sum = exponentials.reduce((total, value) => total + value, 0);
  return exponentials.map((value) => value / sum);
}
