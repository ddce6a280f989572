// Layer classes by their stable class name, so model files can name a layer type and loading can
// make it again from its config.

import { ValueError } from '../core/errors.js';
import {
  Clip,
  ELU,
  GELU,
  HardSigmoid,
  HardSwish,
  LeakyReLU,
  Power,
  ReLU,
  Sigmoid,
  SiLU,
  Tanh,
  type ClipOptions,
  type ELUOptions,
  type HardSigmoidOptions,
  type LeakyReLUOptions,
  type PowerOptions,
} from './activations.js';
import { AvgPool2D, type AvgPool2DOptions } from './avgPool2d.js';
import { BatchNormalization, type BatchNormalizationOptions } from './batchNormalization.js';
import { ChannelShuffle, type ChannelShuffleOptions } from './channelShuffle.js';
import { ChannelSlice, type ChannelSliceOptions } from './channelSlice.js';
import { Conv2D, type Conv2DOptions } from './conv2d.js';
import { Conv2DTranspose, type Conv2DTransposeOptions } from './conv2dTranspose.js';
import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { Flatten } from './flatten.js';
import { GlobalAveragePooling2D, type GlobalAveragePooling2DOptions } from './globalAveragePooling2d.js';
import { Input, type InputOptions } from './input.js';
import type { Layer, LayerConfig } from './layer.js';
import { LayerNormalization, type LayerNormalizationOptions } from './layerNormalization.js';
import { MaxPool2D, type MaxPool2DOptions } from './maxPool2d.js';
import { Rescaling, type RescalingOptions } from './rescaling.js';
import { Reshape, type ReshapeOptions } from './reshape.js';
import { Resize2D, type Resize2DOptions } from './resize2d.js';
import { Add, Concatenate, Divide, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { Softmax } from './softmax.js';
import { ZeroPadding2D, type ZeroPadding2DOptions } from './zeroPadding2d.js';

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
  ['LeakyReLU', (config) => new LeakyReLU(config as LeakyReLUOptions)],
  ['ELU', (config) => new ELU(config as ELUOptions)],
  ['GELU', (config) => new GELU(config)],
  ['SiLU', (config) => new SiLU(config)],
  ['Clip', (config) => new Clip(config as ClipOptions)],
  ['HardSigmoid', (config) => new HardSigmoid(config as HardSigmoidOptions)],
  ['HardSwish', (config) => new HardSwish(config)],
  ['AvgPool2D', (config) => new AvgPool2D(config as AvgPool2DOptions)],
  ['GlobalAveragePooling2D', (config) => new GlobalAveragePooling2D(config as GlobalAveragePooling2DOptions)],
  ['ZeroPadding2D', (config) => new ZeroPadding2D(config as ZeroPadding2DOptions)],
  ['Dropout', (config) => new Dropout(config as unknown as DropoutOptions)],
  ['BatchNormalization', (config) => new BatchNormalization(config as BatchNormalizationOptions)],
  ['Add', (config) => new Add(config)],
  ['Multiply', (config) => new Multiply(config)],
  ['Concatenate', (config) => new Concatenate(config)],
  ['Subtract', (config) => new Subtract(config)],
  ['Divide', (config) => new Divide(config)],
  ['ChannelSlice', (config) => new ChannelSlice(config as unknown as ChannelSliceOptions)],
  ['ChannelShuffle', (config) => new ChannelShuffle(config as unknown as ChannelShuffleOptions)],
  ['LayerNormalization', (config) => new LayerNormalization(config as LayerNormalizationOptions)],
  ['Reshape', (config) => new Reshape(config as unknown as ReshapeOptions)],
  ['Rescaling', (config) => new Rescaling(config as unknown as RescalingOptions)],
  ['Resize2D', (config) => new Resize2D(config as Resize2DOptions)],
  ['Conv2DTranspose', (config) => new Conv2DTranspose(config as unknown as Conv2DTransposeOptions)],
  ['Maximum', (config) => new Maximum(config)],
  ['Minimum', (config) => new Minimum(config)],
  ['Power', (config) => new Power(config as unknown as PowerOptions)],
]);

/** Makes a layer from its class name and config; throws ValueError for an unknown class name. */
export function layerFromConfig(className: string, config: LayerConfig): Layer {
  const factory = factories.get(className);
  if (factory === undefined) {
    throw new ValueError(`unknown layer type '${className}'; known types: ${[...factories.keys()].join(', ')}`);
  }
  return factory(config);
}

/**
 * The class names layerFromConfig knows, in the order they were registered: the built-in layers, then
 * the ones registerLayer added (a name registered again keeps its place). A new array each call.
 *
 * @example
 * layerClassNames().includes('Conv2D'); // true
 * registerLayer('Scale', (config) => new Scale(config));
 * layerClassNames().at(-1); // 'Scale'
 */
export function layerClassNames(): string[] {
  return [...factories.keys()];
}

/** Registers a layer class under its stable name (for custom layers). */
export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}
