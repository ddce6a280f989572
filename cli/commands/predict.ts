// `convnet predict`: classifies image files (PNG, JPEG, or folders of them) with a saved model and
// prints the top classes with their probabilities. Each file is decoded fitted to the model's input
// size (a large picture is never held whole in float32), then converted to the model's color model;
// the fitted pictures are classified in batches. Files that cannot be read or decoded, and pictures
// the model gives non-finite probabilities, are reported and the rest go on.

import { readFileSync, writeFileSync } from 'node:fs';
import {
  ConvNetError,
  decodeNpy,
  importedInput,
  encodeNpy,
  FileFormatError,
  imagesToInput,
  listImageFiles,
  readImageFile,
  Tensor,
  withScope,
  type ImageFile,
} from '../../src/index.js';
import { imageInputOf, loadCliModel } from '../loadCliModel.js';
import { UsageError } from '../usageError.js';

/** Fitted pictures classified together; each file is decoded and fitted alone, so memory holds one decode and this batch. */
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
  const fail = (file: string, message: string): void => {
    errors.push({ file, error: message });
    process.stderr.write(`convnet: skipped ${message}\n`);
  };
  let batch: ImageFile[] = [];
  const classify = (): void => {
    if (batch.length === 0) return;
    const probabilities = withScope(() => Array.from(model.predict(imagesToInput(model, batch.map(({ image }) => image))).data));
    batch.forEach(({ file, sourceWidth, sourceHeight }, row) => {
      const scores = probabilities.slice(row * model.classes, (row + 1) * model.classes);
      if (!scores.every(Number.isFinite)) {
        fail(file, `${file}: the model's probabilities are not finite (${scores.find((score) => !Number.isFinite(score))}); its weights or this picture hold NaN or infinite values`);
        return;
      }
      const ranked = scores
        .map((probability, index) => ({ class: index, name: classNames[index]!, probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, options.top);
      const prediction: Prediction = { file, top: ranked };
      if (sourceWidth !== width || sourceHeight !== height) prediction.resizedFrom = `${sourceWidth}x${sourceHeight}`;
      predictions.push(prediction);
      if (!options.json) {
        const resized = prediction.resizedFrom === undefined ? '' : ` (resized from ${prediction.resizedFrom})`;
        process.stdout.write(`${file}: ${ranked.map((entry) => `${entry.name} ${(entry.probability * 100).toFixed(1)}%`).join(', ')}${resized}\n`);
      }
    });
    batch = [];
  };
  for (const file of files) {
    try {
      batch.push(readImageFile(file, { fit: { width, height } }));
    } catch (error) {
      if (!(error instanceof ConvNetError)) throw error;
      fail(file, error.message);
    }
    if (batch.length === FILES_PER_BATCH) classify();
  }
  classify();
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
