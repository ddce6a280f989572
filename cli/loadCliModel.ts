// The models the commands read: a folder saved by `convnet train`, or an ONNX file (imported: the
// model runs channels last, and a tensor batch given to it is laid out as the ONNX input declares).

import { fileSystemError, importOnnx, loadModel, MAX_ONNX_FILE_BYTES, readRegularFile, type ImportedOnnx, type Input, type Model } from '../src/index.js';
import { UsageError } from './usageError.js';

export interface LoadedCliModel {
  model: Model;
  /** model.classNames: from the model folder's manifest or the ONNX file's metadata; absent when it has none. */
  classNames?: readonly string[];
  /** How a tensor batch given to it is laid out: a native model's NHWC, or as the ONNX file's input declares. */
  inputLayout: ImportedOnnx['inputLayout'];
}

/** A model folder or a .onnx file, named by --model. */
export function loadAnyModel(path: string): LoadedCliModel {
  if (path.toLowerCase().endsWith('.onnx')) {
    // A regular file only, bounded before reading: a FIFO or device named x.onnx is refused by name.
    const bytes = readRegularFile(path, { maxBytes: MAX_ONNX_FILE_BYTES, what: 'an ONNX file' });
    const { model, inputLayout } = importOnnx(bytes, path);
    return { model, inputLayout, ...(model.classNames === undefined ? {} : { classNames: model.classNames }) };
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
