// Layer classes by their stable class name, so model files can name a layer type and loading can
// make it again from its config.

import { ValueError } from '../core/errors.js';
import { ReLU, Sigmoid, Tanh } from './activations.js';
import { Conv2D, type Conv2DOptions } from './conv2d.js';
import { Dense, type DenseOptions } from './dense.js';
import { Flatten } from './flatten.js';
import { Input, type InputOptions } from './input.js';
import type { Layer, LayerConfig } from './layer.js';
import { MaxPool2D, type MaxPool2DOptions } from './maxPool2d.js';
import { Softmax } from './softmax.js';

type LayerFactory = (config: LayerConfig) => Layer;

const factories = new Map<string, LayerFactory>([
  ['Input', (config) => new Input(config as unknown as InputOptions)],
  ['Conv2D', (config) => new Conv2D(config as unknown as Conv2DOptions)],
  ['MaxPool2D', (config) => new MaxPool2D(config as MaxPool2DOptions)],
  ['Dense', (config) => new Dense(config as unknown as DenseOptions)],
  ['Flatten', (config) => new Flatten(config)],
  ['ReLU', (config) => new ReLU(config)],
  ['Sigmoid', (config) => new Sigmoid(config)],
  ['Tanh', (config) => new Tanh(config)],
  ['Softmax', (config) => new Softmax(config)],
]);

/** Makes a layer from its class name and config; throws ValueError for an unknown class name. */
export function layerFromConfig(className: string, config: LayerConfig): Layer {
  const factory = factories.get(className);
  if (factory === undefined) {
    throw new ValueError(`unknown layer type '${className}'; known types: ${[...factories.keys()].join(', ')}`);
  }
  return factory(config);
}

/** Registers a layer class under its stable name (for custom layers). */
export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}
