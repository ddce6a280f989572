// `convnet summary`: prints a model's layers, output shapes, parameters and multiply-adds.

import { digitsCnn } from '../../src/index.js';
import { loadAnyModel } from '../loadCliModel.js';

export function summary(options: { model?: string }): void {
  const model = options.model === undefined ? digitsCnn() : loadAnyModel(options.model).model;
  const title = options.model === undefined ? 'Default model (digitsCnn, 28x28x1 -> 10 classes)' : `Model ${options.model}`;
  process.stdout.write(`${title}\n${model.summary()}\n`);
}
