// A saved model for the commands that read one (predict, visualize): its class names, and its Input
// layer, which must take images.

import { loadModel, type Input, type Sequential } from '../src/index.js';
import { UsageError } from './usageError.js';

export interface CliModel {
  model: Sequential;
  input: Input;
  classNames: string[];
}

export function loadCliModel(directory: string): CliModel {
  const { model, manifest } = loadModel(directory);
  const input = model.layers[0] as Input;
  if (input.colorModel === null) throw new UsageError(`model ${directory} takes feature vectors, not images`);
  const classNames = Array.from({ length: model.classes }, (_, index) => manifest.classNames?.[index] ?? String(index));
  return { model, input, classNames };
}
