// One mapper per TF.js (Keras) layer class: it reads the layer's config, applies the ConvNet.ts
// layers that compute the same function (a Conv2D with an activation becomes Conv2D then ReLU), and
// queues the copy of its weights. Both sides are channels last (NHWC), so weights keep their layout:
// TF.js's Conv2D kernel is [kH, kW, inC, outC] like ours; its depthwise kernel [kH, kW, inC, multiplier]
// is, in memory, our grouped kernel [kH, kW, 1, inC * multiplier] (output channel c * multiplier + m,
// the order of groups = inC); its Conv2DTranspose kernel [kH, kW, filters, inC] is ours too. 'same'
// padding follows TensorFlow's rule here too (more at the bottom and right). Reference: tfjs-layers src/layers/*.ts
// (configs) and Keras's layer docs.

import type { Shape } from '../../core/shape.js';
import {
  Clip,
  ELU,
  GELU,
  HardSigmoid,
  HardSwish,
  LeakyReLU,
  ReLU,
  Sigmoid,
  SiLU,
  Tanh,
} from '../../layers/activations.js';
import { AvgPool2D } from '../../layers/avgPool2d.js';
import { BatchNormalization } from '../../layers/batchNormalization.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Conv2DTranspose } from '../../layers/conv2dTranspose.js';
import { Dense } from '../../layers/dense.js';
import { Dropout } from '../../layers/dropout.js';
import { Flatten } from '../../layers/flatten.js';
import { GlobalAveragePooling2D } from '../../layers/globalAveragePooling2d.js';
import type { Layer, SymbolicTensor } from '../../layers/layer.js';
import { MaxPool2D } from '../../layers/maxPool2d.js';
import { Add, Concatenate, Maximum, Minimum, Multiply } from '../../layers/merge.js';
import { Rescaling } from '../../layers/rescaling.js';
import { Reshape } from '../../layers/reshape.js';
import { Resize2D } from '../../layers/resize2d.js';
import { Softmax } from '../../layers/softmax.js';
import { ZeroPadding2D } from '../../layers/zeroPadding2d.js';
import { preview } from './tfjsJson.js';
import type { TfjsLayerSpec } from './tfjsTopology.js';

/** What a mapper works with: its layer's spec and inputs, and the importer's services. */
export interface TfjsMapContext {
  spec: TfjsLayerSpec;
  inputs: readonly SymbolicTensor[];
  /**
   * modelTopology's keras_version ('tfjs-layers 4.22.0', '2.15.0', '3.3.3'), where hard_sigmoid's definition depends on
   * it.
   */
  kerasVersion: string | undefined;
  /** Applies `layer`, named after the TF.js layer (plus `suffix` for the second and later layers it makes). */
  apply(layer: Layer, from: SymbolicTensor | readonly SymbolicTensor[], suffix?: string): SymbolicTensor;
  /** The values of this layer's weight `name`; FileFormatError when it is missing or not of `shape`. */
  weight(name: string, shape: Shape): Float32Array;
  /** The shape the manifest gives this layer's weight `name`, or undefined where it has none. */
  weightShape(name: string): readonly number[] | undefined;
  /**
   * Queues a write of imported values into `layer`'s weights (run once the model has built them, if it is in the
   * model).
   */
  fill(layer: Layer, write: () => void): void;
}

type Mapper = (context: TfjsMapContext) => SymbolicTensor;

/** A FileFormatError-to-be: the importer prefixes the file and the layer. */
export class TfjsConfigError extends Error {}

function fail(detail: string): never {
  throw new TfjsConfigError(detail);
}

function positiveInteger(config: Record<string, unknown>, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    fail(`${key} must be a positive integer, got ${preview(config[key])}`);
  return value as number;
}

function finiteNumber(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(`${key} must be a number, got ${preview(config[key])}`);
  return value;
}

function flag(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = config[key] ?? fallback;
  if (typeof value !== 'boolean') fail(`${key} must be true or false, got ${preview(config[key])}`);
  return value;
}

/** A size per spatial axis: n or [h, w] (Keras stores lists). */
function pairOf(config: Record<string, unknown>, key: string, fallback: number | null): [number, number] {
  const value = config[key] ?? fallback;
  const pair = Array.isArray(value) ? value : [value, value];
  if (pair.length !== 2 || !pair.every((size) => Number.isSafeInteger(size) && size > 0))
    fail(`${key} must be a positive integer or two, got ${preview(config[key])}`);
  return pair as [number, number];
}

function paddingOf(config: Record<string, unknown>): 'valid' | 'same' {
  const padding = config.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same')
    fail(`padding ${preview(config.padding)} is not imported; 'valid' and 'same' are`);
  return padding;
}

function checkChannelsLast(config: Record<string, unknown>): void {
  const format = config.data_format ?? 'channels_last';
  if (format !== 'channels_last')
    fail(`data_format ${preview(config.data_format)} is not imported; save the model channels_last`);
}

/** The one input of a layer that takes one. */
function single(context: TfjsMapContext): SymbolicTensor {
  if (context.inputs.length !== 1) fail(`takes one input, got ${context.inputs.length}`);
  return context.inputs[0]!;
}

/** The one input, which must be feature maps [h, w, c]. */
function maps(context: TfjsMapContext): SymbolicTensor & { shape: readonly [number, number, number] } {
  const input = single(context);
  if (input.shape.length !== 3) fail(`takes feature maps [height, width, channels], got [${input.shape.join(', ')}]`);
  return input as SymbolicTensor & { shape: readonly [number, number, number] };
}

/** The activation name of a config value: 'relu', or Keras 3's {class_name: 'function', config: 'relu'}. */
function activationName(value: unknown): string {
  if (value === undefined || value === null) return 'linear';
  const name =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && 'config' in value && typeof value.config === 'string'
        ? value.config
        : null;
  if (name === null) fail(`activation ${preview(value)} is not a name`);
  // TF.js writes camelCase names in places ('hardSigmoid'), Keras snake_case.
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * hard_sigmoid's slope: TF.js and Keras 2 define it as clip(0.2 x + 0.5, 0, 1), Keras 3 as
 * relu6(x + 3) / 6, a slope of 1/6. A file that does not say which wrote it is refused.
 */
function hardSigmoidSlope(kerasVersion: string | undefined): number {
  if (kerasVersion !== undefined && /^(tfjs-layers |2\.)/.test(kerasVersion)) return 0.2;
  if (kerasVersion !== undefined && /^3\./.test(kerasVersion)) return 1 / 6;
  fail(
    `activation 'hard_sigmoid' is 0.2 x + 0.5 in TF.js and Keras 2 but x / 6 + 0.5 in Keras 3, and ` +
      `modelTopology.keras_version (${preview(kerasVersion)}) does not say which wrote this file`,
  );
}

const ACTIVATIONS: ReadonlyMap<string, (kerasVersion: string | undefined) => Layer> = new Map<
  string,
  (kerasVersion: string | undefined) => Layer
>([
  ['hard_sigmoid', (kerasVersion) => new HardSigmoid({ alpha: hardSigmoidSlope(kerasVersion), beta: 0.5 })],
  // Keras 3 only: x * relu6(x + 3) / 6.
  ['hard_silu', () => new HardSwish()],
  ['hard_swish', () => new HardSwish()],
  ['relu', () => new ReLU()],
  ['relu6', () => new Clip({ min: 0, max: 6 })],
  ['sigmoid', () => new Sigmoid()],
  ['tanh', () => new Tanh()],
  ['softmax', () => new Softmax()],
  ['elu', () => new ELU({ alpha: 1 })],
  ['swish', () => new SiLU()],
  ['silu', () => new SiLU()],
  ['gelu', () => new GELU()],
]);

/** Activation names the importer maps ('linear' adds nothing). */
export const TFJS_IMPORT_ACTIVATIONS: readonly string[] = Object.freeze(['linear', ...ACTIVATIONS.keys()]);

/** `from` through the activation `value` names (a layer named `<layer>_<activation>`), or `from` itself for linear. */
function activate(context: TfjsMapContext, value: unknown, from: SymbolicTensor): SymbolicTensor {
  const name = activationName(value);
  if (name === 'linear') return from;
  const make = ACTIVATIONS.get(name);
  if (make === undefined)
    fail(`activation '${name.slice(0, 50)}' is not imported; these are: ${TFJS_IMPORT_ACTIVATIONS.join(', ')}`);
  if (name === 'softmax') return softmax(context, from, `_${name}`);
  return context.apply(make(context.kerasVersion), from, `_${name}`);
}

/**
 * Softmax over the last axis. On 1x1 feature maps (Keras's MobileNet head: a 1x1 convolution, then
 * softmax, then a Reshape to the classes) it runs on the flattened vector and gives the maps back;
 * larger maps are refused (Softmax takes vectors).
 */
function softmax(context: TfjsMapContext, from: SymbolicTensor, suffix = ''): SymbolicTensor {
  const shape = from.shape;
  if (shape.length === 3 && shape[0] === 1 && shape[1] === 1) {
    const flat = context.apply(new Flatten(), from, `${suffix}_flatten`);
    const probabilities = context.apply(new Softmax(), flat, suffix);
    return context.apply(new Reshape({ targetShape: shape }), probabilities, `${suffix}_reshape`);
  }
  return context.apply(new Softmax(), from, suffix);
}

function conv2d(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  checkChannelsLast(config);
  const input = maps(context);
  const inC = input.shape[2];
  const [kH, kW] = pairOf(config, 'kernel_size', null);
  const filters = positiveInteger(config, 'filters');
  const groups = positiveInteger(config, 'groups', 1);
  const useBias = flag(config, 'use_bias', true);
  const conv = new Conv2D({
    filters,
    kernelSize: [kH, kW],
    strides: pairOf(config, 'strides', 1),
    padding: paddingOf(config),
    dilationRate: pairOf(config, 'dilation_rate', 1),
    groups,
    useBias,
  });
  const output = context.apply(conv, input);
  const kernel = context.weight('kernel', [kH, kW, inC / groups, filters]);
  const bias = useBias ? context.weight('bias', [filters]) : null;
  context.fill(conv, () => {
    conv.kernel!.dataSync().set(kernel);
    if (bias !== null) conv.bias!.dataSync().set(bias);
  });
  return activate(context, config.activation, output);
}

/**
 * Conv2DTranspose. TensorFlow's 'valid' output is in * stride + max(k - stride, 0) per axis: with a
 * kernel smaller than the stride, (in - 1) * stride + k plus stride - k rows that only the bias
 * reaches, our outputPadding.
 */
function conv2dTranspose(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  checkChannelsLast(config);
  const input = maps(context);
  const inC = input.shape[2];
  const [kH, kW] = pairOf(config, 'kernel_size', null);
  const strides = pairOf(config, 'strides', 1);
  const dilations = pairOf(config, 'dilation_rate', 1);
  if (dilations[0] !== 1 || dilations[1] !== 1)
    fail(`dilation_rate ${preview(config.dilation_rate)} is not imported in a Conv2DTranspose`);
  if (config.output_padding !== undefined && config.output_padding !== null) fail('output_padding is not imported');
  const filters = positiveInteger(config, 'filters');
  const useBias = flag(config, 'use_bias', true);
  const padding = paddingOf(config);
  const outputPadding: [number, number] =
    padding === 'valid' ? [Math.max(strides[0] - kH, 0), Math.max(strides[1] - kW, 0)] : [0, 0];
  const conv = new Conv2DTranspose({ filters, kernelSize: [kH, kW], strides, padding, outputPadding, useBias });
  const output = context.apply(conv, input);
  const kernel = context.weight('kernel', [kH, kW, filters, inC]);
  const bias = useBias ? context.weight('bias', [filters]) : null;
  context.fill(conv, () => {
    conv.kernel!.dataSync().set(kernel);
    if (bias !== null) conv.bias!.dataSync().set(bias);
  });
  return activate(context, config.activation, output);
}

/** A depthwise convolution as a Conv2D with one group per input channel (see the header for the kernel layout). */
function depthwise(
  context: TfjsMapContext,
  input: SymbolicTensor & { shape: readonly [number, number, number] },
  useBias: boolean,
  suffix?: string,
): SymbolicTensor {
  const { config } = context.spec;
  const inC = input.shape[2];
  const [kH, kW] = pairOf(config, 'kernel_size', null);
  // NOTE: TF.js 4.x leaves depth_multiplier out of a SeparableConv2D's saved config (tfjs-layers
  // getConfig); the depthwise kernel's last axis holds it then.
  const multiplier = positiveInteger(config, 'depth_multiplier', context.weightShape('depthwise_kernel')?.[3] ?? 1);
  const conv = new Conv2D({
    filters: inC * multiplier,
    kernelSize: [kH, kW],
    strides: pairOf(config, 'strides', 1),
    padding: paddingOf(config),
    dilationRate: pairOf(config, 'dilation_rate', 1),
    groups: inC,
    useBias,
  });
  const output = context.apply(conv, input, suffix);
  const kernel = context.weight('depthwise_kernel', [kH, kW, inC, multiplier]);
  const bias = useBias ? context.weight('bias', [inC * multiplier]) : null;
  context.fill(conv, () => {
    conv.kernel!.dataSync().set(kernel);
    if (bias !== null) conv.bias!.dataSync().set(bias);
  });
  return output;
}

function depthwiseConv2d(context: TfjsMapContext): SymbolicTensor {
  checkChannelsLast(context.spec.config);
  const output = depthwise(context, maps(context), flag(context.spec.config, 'use_bias', true));
  return activate(context, context.spec.config.activation, output);
}

/** SeparableConv2D: a depthwise convolution (no bias), then a 1x1 convolution with the bias, then the activation. */
function separableConv2d(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  checkChannelsLast(config);
  const middle = depthwise(context, maps(context), false);
  const channels = middle.shape[2]!;
  const filters = positiveInteger(config, 'filters');
  const useBias = flag(config, 'use_bias', true);
  const pointwise = new Conv2D({ filters, kernelSize: 1, useBias });
  const output = context.apply(pointwise, middle, '_pointwise');
  const kernel = context.weight('pointwise_kernel', [1, 1, channels, filters]);
  const bias = useBias ? context.weight('bias', [filters]) : null;
  context.fill(pointwise, () => {
    pointwise.kernel!.dataSync().set(kernel);
    if (bias !== null) pointwise.bias!.dataSync().set(bias);
  });
  return activate(context, config.activation, output);
}

/**
 * Dense on vectors; on feature maps (Keras applies it to the last axis) a 1x1 convolution, whose kernel is the same
 * numbers.
 */
function dense(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  const input = single(context);
  const units = positiveInteger(config, 'units');
  const useBias = flag(config, 'use_bias', true);
  const inputSize = input.shape[input.shape.length - 1]!;
  const layer =
    input.shape.length === 1 ? new Dense({ units, useBias }) : new Conv2D({ filters: units, kernelSize: 1, useBias });
  const output = context.apply(layer, input);
  const kernel = context.weight('kernel', [inputSize, units]);
  const bias = useBias ? context.weight('bias', [units]) : null;
  context.fill(layer, () => {
    layer.kernel!.dataSync().set(kernel);
    if (bias !== null) layer.bias!.dataSync().set(bias);
  });
  return activate(context, config.activation, output);
}

function batchNormalization(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  const input = single(context);
  const rank = input.shape.length + 1;
  const axes = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
  if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== rank - 1))
    fail(`axis ${preview(config.axis)} is not imported; only the last axis (channels, -1) is`);
  const norm = new BatchNormalization({
    epsilon: finiteNumber(config, 'epsilon', 0.001),
    momentum: finiteNumber(config, 'momentum', 0.99),
  });
  const output = context.apply(norm, input);
  const channels = input.shape[input.shape.length - 1]!;
  // NOTE: center=false / scale=false layers get a beta of 0 / gamma of 1, which fine-tuning may then train.
  const gamma = flag(config, 'scale', true) ? context.weight('gamma', [channels]) : null;
  const beta = flag(config, 'center', true) ? context.weight('beta', [channels]) : null;
  const mean = context.weight('moving_mean', [channels]);
  const variance = context.weight('moving_variance', [channels]);
  context.fill(norm, () => {
    if (gamma !== null) norm.gamma!.dataSync().set(gamma);
    if (beta !== null) norm.beta!.dataSync().set(beta);
    norm.movingMean!.dataSync().set(mean);
    norm.movingVariance!.dataSync().set(variance);
  });
  return output;
}

function reluLayer(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  const input = single(context);
  const maxValue = config.max_value ?? null;
  const slope = finiteNumber(config, 'negative_slope', 0);
  if (finiteNumber(config, 'threshold', 0) !== 0) fail('a threshold other than 0 is not imported');
  if (maxValue !== null && (typeof maxValue !== 'number' || !(maxValue >= 0)))
    fail(`max_value must be a non-negative number, got ${preview(maxValue)}`);
  if (slope !== 0) {
    if (maxValue !== null) fail('negative_slope together with max_value is not imported');
    return context.apply(new LeakyReLU({ alpha: slope }), input);
  }
  return context.apply(maxValue === null ? new ReLU() : new Clip({ min: 0, max: maxValue }), input);
}

function pooling(kind: 'max' | 'average'): Mapper {
  return (context) => {
    const { config } = context.spec;
    checkChannelsLast(config);
    const poolSize = pairOf(config, 'pool_size', 2);
    const options = {
      poolSize,
      strides: config.strides === null || config.strides === undefined ? poolSize : pairOf(config, 'strides', null),
      padding: paddingOf(config),
    };
    return context.apply(kind === 'max' ? new MaxPool2D(options) : new AvgPool2D(options), maps(context));
  };
}

function zeroPadding2d(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  checkChannelsLast(config);
  const padding = config.padding ?? 1;
  const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  let amounts: [number, number, number, number];
  if (isCount(padding)) amounts = [padding as number, padding as number, padding as number, padding as number];
  else if (Array.isArray(padding) && padding.length === 2 && padding.every(isCount))
    amounts = [padding[0], padding[0], padding[1], padding[1]];
  else if (
    Array.isArray(padding) &&
    padding.length === 2 &&
    padding.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(isCount))
  ) {
    amounts = [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
  } else fail(`padding ${preview(padding)} must be n, [h, w] or [[top, bottom], [left, right]]`);
  return context.apply(new ZeroPadding2D({ padding: amounts }), maps(context));
}

/**
 * UpSampling2D: each pixel repeated `size` times ('nearest'), or bilinear. The two runtimes differ on
 * bilinear: TF.js resizes with tf.image.resizeBilinear's defaults (source = output / scale, the
 * 'asymmetric' coordinates), Keras in TensorFlow with tf.image.resize (half-pixel centres); the file's
 * keras_version says which wrote it.
 */
function upSampling2d(context: TfjsMapContext): SymbolicTensor {
  const { config } = context.spec;
  checkChannelsLast(config);
  const scale = pairOf(config, 'size', 2);
  const interpolation = config.interpolation ?? 'nearest';
  if (interpolation === 'nearest')
    return context.apply(
      new Resize2D({ scale, mode: 'nearest', coordinates: 'asymmetric', nearestRounding: 'floor' }),
      maps(context),
    );
  if (interpolation !== 'bilinear')
    fail(`interpolation ${preview(interpolation)} is not imported; 'nearest' and 'bilinear' are`);
  const isTfjs = context.kerasVersion === undefined || context.kerasVersion.startsWith('tfjs-layers ');
  return context.apply(
    new Resize2D({ scale, mode: 'bilinear', coordinates: isTfjs ? 'asymmetric' : 'half_pixel' }),
    maps(context),
  );
}

function merge(make: () => Layer): Mapper {
  return (context) => context.apply(make(), context.inputs);
}

function concatenate(context: TfjsMapContext): SymbolicTensor {
  const axis = context.spec.config.axis ?? -1;
  const rank = (context.inputs[0]?.shape.length ?? 0) + 1;
  if (axis !== -1 && axis !== rank - 1)
    fail(`axis ${preview(axis)} is not imported; only the last axis (channels, -1) is`);
  return context.apply(new Concatenate(), context.inputs);
}

function numbersOf(value: unknown, key: string): number | number[] {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.length <= 1_000_000 && value.every((entry) => typeof entry === 'number'))
    return value as number[];
  fail(`${key} must be a number or a list of them, got ${preview(value)}`);
}

const MAPPERS: ReadonlyMap<string, Mapper> = new Map<string, Mapper>([
  ['Conv2D', conv2d],
  ['Conv2DTranspose', conv2dTranspose],
  ['DepthwiseConv2D', depthwiseConv2d],
  ['SeparableConv2D', separableConv2d],
  ['Dense', dense],
  ['BatchNormalization', batchNormalization],
  ['Activation', (context) => activate(context, context.spec.config.activation, single(context))],
  ['ReLU', reluLayer],
  [
    'LeakyReLU',
    (context) =>
      context.apply(
        new LeakyReLU({
          alpha: finiteNumber(context.spec.config, 'alpha', finiteNumber(context.spec.config, 'negative_slope', 0.3)),
        }),
        single(context),
      ),
  ],
  [
    'ELU',
    (context) => context.apply(new ELU({ alpha: finiteNumber(context.spec.config, 'alpha', 1) }), single(context)),
  ],
  [
    'Softmax',
    (context) => {
      const input = single(context);
      const raw = context.spec.config.axis ?? -1;
      const axis = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
      if (axis !== -1 && axis !== input.shape.length)
        fail(`axis ${preview(raw)} is not imported; only the last (-1) is`);
      return softmax(context, input);
    },
  ],
  ['MaxPooling2D', pooling('max')],
  ['AveragePooling2D', pooling('average')],
  [
    'GlobalAveragePooling2D',
    (context) => {
      checkChannelsLast(context.spec.config);
      if (flag(context.spec.config, 'keepdims', false)) fail('keepdims=true is not imported');
      return context.apply(new GlobalAveragePooling2D(), maps(context));
    },
  ],
  [
    'Flatten',
    (context) => {
      checkChannelsLast(context.spec.config);
      return context.apply(new Flatten(), single(context));
    },
  ],
  [
    'Dropout',
    (context) => {
      if (context.spec.config.noise_shape !== undefined && context.spec.config.noise_shape !== null)
        fail('noise_shape is not imported');
      return context.apply(new Dropout({ rate: finiteNumber(context.spec.config, 'rate', 0) }), single(context));
    },
  ],
  ['Add', merge(() => new Add())],
  ['Multiply', merge(() => new Multiply())],
  ['Maximum', merge(() => new Maximum())],
  ['Minimum', merge(() => new Minimum())],
  ['Concatenate', concatenate],
  ['ZeroPadding2D', zeroPadding2d],
  ['UpSampling2D', upSampling2d],
  [
    'Reshape',
    (context) => {
      const target = context.spec.config.target_shape;
      if (!Array.isArray(target) || target.length > 8 || !target.every((size) => typeof size === 'number'))
        fail(`target_shape must be a list of sizes, got ${preview(target)}`);
      return context.apply(new Reshape({ targetShape: target as number[] }), single(context));
    },
  ],
  [
    'Rescaling',
    (context) => {
      const { config } = context.spec;
      return context.apply(
        new Rescaling({
          scale: numbersOf(config.scale ?? 1, 'scale'),
          offset: numbersOf(config.offset ?? 0, 'offset'),
        }),
        single(context),
      );
    },
  ],
]);

/** The TF.js layer classes the importer maps (InputLayer besides). */
export const TFJS_IMPORT_LAYERS: readonly string[] = Object.freeze([...MAPPERS.keys()]);

/** The mapper of a layer class, or undefined for one not imported. */
export function mapperOf(className: string): Mapper | undefined {
  return MAPPERS.get(className);
}
