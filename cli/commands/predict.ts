// `convnet predict`: classifies image files (PNG, JPEG, or folders of them) with a saved model and
// prints the top classes with their probabilities. Images are converted to the model's color model
// and resized to its input size, and classified in batches; files that cannot be read are reported
// and the rest go on.

import { readFileSync, writeFileSync } from 'node:fs';
import {
  decodeNpy,
  importedInput,
  encodeNpy,
  FileFormatError,
  fitImage,
  imagesToInput,
  listImageFiles,
  readImageFiles,
  Tensor,
  withScope,
} from '../../src/index.js';
import { imageInputOf, loadCliModel } from '../loadCliModel.js';
import { UsageError } from '../usageError.js';

/** Files decoded and classified together: bounds memory for folders of any size. */
const FILES_PER_BATCH = 64;

export interface PredictOptions {
  model: string;
  top: number;
  json: boolean;
}

interface Prediction {
  file: string;
  top: { class: number; name: string; probability: number }[];
  resizedFrom?: string;
}

/** The image files to classify, or a usage error naming the path that does not exist. */
export function imageFilesOf(paths: readonly string[]): string[] {
  try {
    return listImageFiles(paths);
  } catch (error) {
    if (error instanceof FileFormatError) throw new UsageError(`${error.file}: no such file or folder`);
    throw error;
  }
}

/** Runs the command; returns the exit code (1 when some file could not be classified). */
export function predict(paths: readonly string[], options: PredictOptions): number {
  const { model, classNames } = loadCliModel(options.model);
  const [height, width] = imageInputOf(model, options.model).shape as [number, number, number];
  const files = imageFilesOf(paths);
  if (files.length === 0) throw new UsageError(`no PNG or JPEG files in ${paths.join(', ')}`);
  const predictions: Prediction[] = [];
  const errors: { file: string; error: string }[] = [];
  for (let start = 0; start < files.length; start += FILES_PER_BATCH) {
    const { images, failures } = readImageFiles(files.slice(start, start + FILES_PER_BATCH));
    for (const { file, error } of failures) {
      errors.push({ file, error: error.message });
      process.stderr.write(`convnet: skipped ${error.message}\n`);
    }
    if (images.length === 0) continue;
    const fitted = images.map(({ image }) => fitImage(image, width, height));
    const probabilities = withScope(() => Array.from(model.predict(imagesToInput(model, fitted)).data));
    images.forEach(({ file, image }, row) => {
      const ranked = probabilities
        .slice(row * model.classes, (row + 1) * model.classes)
        .map((probability, index) => ({ class: index, name: classNames[index]!, probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, options.top);
      const prediction: Prediction = { file, top: ranked };
      if (fitted[row] !== image) prediction.resizedFrom = `${image.width}x${image.height}`;
      predictions.push(prediction);
      if (!options.json) {
        const resized = prediction.resizedFrom === undefined ? '' : ` (resized from ${prediction.resizedFrom})`;
        process.stdout.write(`${file}: ${ranked.map((entry) => `${entry.name} ${(entry.probability * 100).toFixed(1)}%`).join(', ')}${resized}\n`);
      }
    });
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ model: options.model, predictions, errors })}\n`);
  return errors.length > 0 ? 1 : 0;
}

export interface PredictTensorOptions {
  model: string;
  input: string;
  output: string;
  json: boolean;
}

/** Predicts a .npy batch in the model's input layout and writes the probabilities as .npy. */
export function predictTensor(options: PredictTensorOptions): void {
  const { model, inputLayout } = loadCliModel(options.model);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(options.input);
  } catch {
    throw new UsageError(`${options.input}: no such file`);
  }
  const array = decodeNpy(bytes, options.input);
  if (array.data instanceof BigInt64Array) throw new FileFormatError(options.input, 'holds int64 values; the model takes float32, float64 or uint8 (divided by 255)');
  // An imported ONNX model takes its batches as its file declares (PyTorch's NCHW); a native one channels last.
  const [h, w, c] = model.inputShape;
  const perExample = inputLayout === 'NCHW' ? [c!, h!, w!] : [...model.inputShape];
  const layout = inputLayout === 'features' ? '' : ` (${inputLayout})`;
  if (array.shape.length !== perExample.length + 1 || perExample.some((extent, axis) => array.shape[axis + 1] !== extent) || array.shape[0] === 0) {
    throw new UsageError(`${options.input} has shape (${array.shape.join(', ')}) but model ${options.model} takes [n, ${perExample.join(', ')}]${layout}`);
  }
  // Bytes are pixels: 0-255 maps to [0, 1], as images are decoded.
  const values = array.data instanceof Uint8Array ? Float32Array.from(array.data, (value) => value / 255) : Float32Array.from(array.data);
  const batch = new Tensor(values, array.shape);
  const probabilities = model.predict(importedInput(batch, inputLayout));
  writeFileSync(options.output, encodeNpy({ shape: [...probabilities.shape], data: Float32Array.from(probabilities.data) }));
  const summary = { model: options.model, input: options.input, output: options.output, examples: array.shape[0], classes: model.classes };
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `Wrote probabilities [${array.shape[0]}, ${model.classes}] to ${options.output}\n`);
}
