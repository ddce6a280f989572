// `convnet predict`: classifies image files (PNG, JPEG, or folders of them) with a saved model and
// prints the top classes with their probabilities. Images are converted to the model's color model
// and resized to its input size; files that cannot be read are reported and the rest go on.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import {
  ConvNetError,
  decodeImage,
  imagesToInput,
  loadModel,
  resizeImage,
  type Image,
  type Input,
} from '../../src/index.js';
import { UsageError } from '../usageError.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

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

/** The files to classify: each path itself, or the image files of a folder (sorted by name). */
function listFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`${path}: no such file or folder`);
    }
    if (!isDirectory) return [path];
    return readdirSync(path).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase())).sort().map((name) => join(path, name));
  });
}

/** The image at the model's input size: area averaging to shrink, bilinear to enlarge. */
function fitToInput(image: Image, height: number, width: number): Image {
  if (image.width === width && image.height === height) return image;
  const isShrinking = image.width >= width && image.height >= height;
  return resizeImage(image, width, height, isShrinking ? 'area' : 'bilinear');
}

/** Runs the command; returns the exit code (1 when some file could not be classified). */
export function predict(paths: readonly string[], options: PredictOptions): number {
  const { model, manifest } = loadModel(options.model);
  const input = model.layers[0] as Input;
  if (input.colorModel === null) throw new UsageError(`model ${options.model} takes feature vectors, not images`);
  const [height, width] = input.shape as [number, number, number];
  const classNames = manifest.classNames ?? Array.from({ length: model.classes }, (_, index) => String(index));
  const files = listFiles(paths);
  if (files.length === 0) throw new UsageError(`no PNG or JPEG files in ${paths.join(', ')}`);
  const predictions: Prediction[] = [];
  const errors: { file: string; error: string }[] = [];
  for (const file of files) {
    try {
      const image = decodeImage(readFileSync(file), file);
      const fitted = fitToInput(image, height, width);
      const probabilities = model.predict(imagesToInput(model, [fitted])).data;
      const ranked = Array.from(probabilities, (probability, index) => ({ class: index, name: classNames[index] ?? String(index), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, options.top);
      const prediction: Prediction = { file, top: ranked };
      if (fitted !== image) prediction.resizedFrom = `${image.width}x${image.height}`;
      predictions.push(prediction);
      if (!options.json) {
        const resized = prediction.resizedFrom === undefined ? '' : ` (resized from ${prediction.resizedFrom})`;
        process.stdout.write(`${file}: ${ranked.map((entry) => `${entry.name} ${(entry.probability * 100).toFixed(1)}%`).join(', ')}${resized}\n`);
      }
    } catch (error) {
      if (!(error instanceof ConvNetError)) throw error;
      errors.push({ file, error: error.message });
      process.stderr.write(`convnet: skipped ${error.message}\n`);
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ model: options.model, predictions, errors })}\n`);
  return errors.length > 0 ? 1 : 0;
}
