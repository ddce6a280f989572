// How one value of a layer's output was computed, from the layer's real weights and its real inputs
// (layerOutputs): a convolution's window, weights, products and sums; a pooling window and its winner
// or mean; a dense unit's contributions sorted by size; a softmax's exponentials and their sum; the
// inputs and rule of normalizations, activations, joins and layers that only move values. The
// arithmetic runs in float64 on the numbers it lists (float32 values held exactly in Float64Arrays),
// so `value` reproduces the layer's `output` within float32 rounding (test/visualize/explainValue.test.ts
// and test/parity/torchvisionExplain.test.ts check it). Windows and weights come as typed arrays, not
// an object per product: a 7x7 window over 512 channels is 25,088 products.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { normalCdf } from '../kernels/js/erf.js';
import { axisTaps, sourceCoordinate } from '../kernels/js/resize2d.js';
import { windowParams } from '../kernels/params.js';
import { withScope } from '../kernels/registry.js';
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
} from '../layers/activations.js';
import { AvgPool2D } from '../layers/avgPool2d.js';
import { BatchNormalization } from '../layers/batchNormalization.js';
import { ChannelShuffle } from '../layers/channelShuffle.js';
import { ChannelSlice } from '../layers/channelSlice.js';
import { Conv2D } from '../layers/conv2d.js';
import { Conv2DTranspose } from '../layers/conv2dTranspose.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { GlobalAveragePooling2D } from '../layers/globalAveragePooling2d.js';
import { Input } from '../layers/input.js';
import type { Layer } from '../layers/layer.js';
import { LayerNormalization } from '../layers/layerNormalization.js';
import { MaxPool2D } from '../layers/maxPool2d.js';
import { Add, Concatenate, Divide, Maximum, Minimum, Multiply, Subtract } from '../layers/merge.js';
import { Reshape } from '../layers/reshape.js';
import { Rescaling } from '../layers/rescaling.js';
import { Resize2D } from '../layers/resize2d.js';
import { Softmax } from '../layers/softmax.js';
import { ZeroPadding2D } from '../layers/zeroPadding2d.js';
import { conv2dTransposeParams } from '../ops/conv2dTranspose.js';
import { resize2dParams } from '../ops/resize2d.js';
import { softmax } from '../ops/softmax.js';
import { zeroPadParams } from '../ops/zeroPad2d.js';
import type { LayerOutputs } from './layerOutputs.js';

/** What every explanation holds. */
export interface ExplanationBase {
  /** The explained layer's index in `LayerOutputs.layers` (the model's layer order). */
  layerIndex: number;
  /** The explained layer's name, e.g. `'conv2d_1'`. */
  layerName: string;
  /** The explained layer's class name, e.g. `'Conv2D'`. */
  className: string;
  /** The position explained, in the layer's per-example output shape: [row, column, channel] or [index]. */
  position: readonly number[];
  /** The rule in words, with the numbers' names, e.g. "sum over the window of input x weight, plus the bias". */
  rule: string;
  /** What the explanation's arithmetic gives, in float64 from the numbers it lists. */
  value: number;
  /** The layer's own output at `position` (layerOutputs): equal to `value` within float32 rounding. */
  output: number;
}

/**
 * An activation layer that reads a Conv2D or Dense alone, right after it: predict runs it fused into
 * that layer (the convolution's output stage). explainValue of its own index explains it too.
 */
export interface FollowingActivation {
  /** The activation layer's index in `LayerOutputs.layers`. */
  layerIndex: number;
  /** The activation layer's name. */
  layerName: string;
  /** The activation layer's class name, e.g. `'ReLU'`. */
  className: string;
  /** The activation's formula applied to this layer's `value`. */
  value: number;
  /** The activation layer's own output at the same position. */
  output: number;
}

/** Conv2D: one filter over one window of its group's input channels. */
export interface ConvolutionExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'convolution';
  /** The layer whose output is the convolution's input. */
  inputLayer: number;
  /** Filter height (taps per column of the window). */
  kH: number;
  /** Filter width (taps per row of the window). */
  kW: number;
  /** Vertical stride. */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Vertical spacing of the taps (1: adjacent rows). */
  dilationH: number;
  /** Horizontal spacing of the taps (1: adjacent columns). */
  dilationW: number;
  /** Zero rows added above the input. */
  padTop: number;
  /** Zero columns added left of the input. */
  padLeft: number;
  /**
   * The input rows of the kH taps, top to bottom (row * strideH - padTop + tap * dilationH); outside [0, inH) is
   * padding.
   */
  rows: Int32Array;
  /** The input columns of the kW taps, left to right; outside [0, inW) is padding. */
  columns: Int32Array;
  /** The filter's group (0 .. groups - 1): it reads input channels firstChannel .. firstChannel + channels - 1. */
  group: number;
  /** The layer's channel groups (1: a plain convolution; inC: depthwise). */
  groups: number;
  /** The first input channel of the filter's group. */
  firstChannel: number;
  /** Input channels in the window (the group's): inC / groups; 1 for a depthwise convolution. */
  channels: number;
  /** The input values under the window, [kH, kW, channels] row-major; 0 on padding. */
  window: Float64Array;
  /** Shape [kH, kW]: 1 where the tap lies on the zero padding. */
  isPadding: Uint8Array;
  /** The filter's weights, [kH, kW, channels] like `window`. */
  weights: Float64Array;
  /** window x weights, [kH, kW, channels]. */
  products: Float64Array;
  /** The products summed per input channel, [channels]. */
  channelSums: Float64Array;
  /** All the products summed. */
  sum: number;
  /** Whether the layer has a bias. */
  hasBias: boolean;
  /** The filter's bias (0 without one). */
  bias: number;
  /** sum + bias: the layer's value (a Conv2D has no activation of its own). */
  preActivation: number;
  /** The activation layer right after it, which predict fuses into it; null when none. */
  activation: FollowingActivation | null;
}

/**
 * Conv2DTranspose: the input pixels whose scattered kernels land on the output position. Input pixel
 * (inputRow, inputColumn) adds its channels times kernel tap (kernelRow, kernelColumn) at output row
 * inputRow * strideH - padTop + kernelRow * dilationH (likewise for columns): the adjoint of a Conv2D.
 */
export interface TransposedConvolutionExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'transposedConvolution';
  /** The layer whose output is the transposed convolution's input. */
  inputLayer: number;
  /** Vertical stride (how far apart the input rows land in the output). */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Rows cut from the top of the full output. */
  padTop: number;
  /** Columns cut from the left of the full output. */
  padLeft: number;
  /** The input row of each contributing (input pixel, kernel tap) pair, [taps]. */
  inputRows: Int32Array;
  /** The input column of each contributing pair, [taps]. */
  inputColumns: Int32Array;
  /** The kernel row of each contributing pair, [taps]. */
  kernelRows: Int32Array;
  /** The kernel column of each contributing pair, [taps]. */
  kernelColumns: Int32Array;
  /** The output channel's group reads input channels firstChannel .. firstChannel + channels - 1. */
  firstChannel: number;
  /** Input channels of the group: inC / groups. */
  channels: number;
  /** The input values, [taps, channels]. */
  window: Float64Array;
  /** The kernel weights, [taps, channels]. */
  weights: Float64Array;
  /** window x weights, [taps, channels]. */
  products: Float64Array;
  /** The products summed per input channel, [channels]. */
  channelSums: Float64Array;
  /** All the products summed. */
  sum: number;
  /** Whether the layer has a bias. */
  hasBias: boolean;
  /** The output channel's bias (0 without one); value = sum + bias. */
  bias: number;
}

/** LayerNormalization: the position's channels normalized by their own mean and (biased) variance. */
export interface LayerNormalizationExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'layerNormalization';
  /** The layer whose output is normalized. */
  inputLayer: number;
  /** The channel explained. */
  channel: number;
  /** The channels of the position, [channels]. */
  inputs: Float64Array;
  /** The mean of `inputs`. */
  mean: number;
  /** The biased variance of `inputs` (divided by the channel count). */
  variance: number;
  /** The layer's epsilon, added to the variance. */
  epsilon: number;
  /** (inputs[channel] - mean) / sqrt(variance + epsilon). */
  normalized: number;
  /** The channel's scale; value = normalized * gamma + beta. */
  gamma: number;
  /** The channel's offset. */
  beta: number;
}

/** Resize2D: the source pixels blended (bilinear: four, nearest: one). */
export interface ResizeExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'resize';
  /** The layer's interpolation. */
  mode: 'nearest' | 'bilinear';
  /** The layer whose output is resized. */
  inputLayer: number;
  /** The channel explained. */
  channel: number;
  /** The source coordinates the output pixel maps back to (before rounding or clamping). */
  sourceRow: number;
  /** The source column the output pixel maps back to (before rounding or clamping). */
  sourceColumn: number;
  /** The taps' input rows, [4]: top, top, bottom, bottom. */
  rows: Int32Array;
  /** The taps' input columns, [4]: left, right, left, right. */
  columns: Int32Array;
  /** The taps' values, [4]; nearest puts the whole weight on the first tap. */
  window: Float64Array;
  /** The taps' weights, [4], summing to 1; value = sum of window x weights. */
  weights: Float64Array;
}

/** MaxPool2D, AvgPool2D, GlobalAveragePooling2D: one channel's window. */
export interface PoolingExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'pooling';
  /** Which pooling: a window's maximum, a window's average, or the whole map's average. */
  operation: 'max' | 'average' | 'globalAverage';
  /** The layer whose output is pooled. */
  inputLayer: number;
  /** The channel explained (pooling keeps channels apart). */
  channel: number;
  /** Window height (the map's height for globalAverage). */
  kH: number;
  /** Window width (the map's width for globalAverage). */
  kW: number;
  /** Input rows of the window's taps, [kH]; outside the input is padding (or a ceil-mode overhang). */
  rows: Int32Array;
  /** Input columns of the window's taps, [kW]. */
  columns: Int32Array;
  /** The input values under the window, [kH, kW]; 0 where isPadding. */
  window: Float64Array;
  /**
   * Shape [kH, kW]: 1 where the tap lies outside the input (left out of the max; of the mean unless countIncludePad).
   */
  isPadding: Uint8Array;
  /** Max: the tap (index into window) holding the maximum, the first of equal ones; -1 for averages. */
  winner: number;
  /** Averages: the values summed (0 for max). */
  sum: number;
  /**
   * Averages: the divisor (the input values covered, or with countIncludePad the window inside the padded input); 0 for
   * max.
   */
  count: number;
}

/** Dense: one unit, input x weight summed over the whole input vector. */
export interface DenseExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'dense';
  /** The layer whose output is the Dense layer's input. */
  inputLayer: number;
  /** The unit (output index) explained. */
  unit: number;
  /** The whole input vector, [inputSize]. */
  inputs: Float64Array;
  /** The unit's column of the kernel, [inputSize]. */
  weights: Float64Array;
  /** inputs x weights, [inputSize]. */
  products: Float64Array;
  /** Input indices by |product|, largest first: the top contributions are order[0], order[1], ... */
  order: Int32Array;
  /** All the products summed. */
  sum: number;
  /** Whether the layer has a bias. */
  hasBias: boolean;
  /** The unit's bias (0 without one). */
  bias: number;
  /** sum + bias: the value before the layer's own activation. */
  preActivation: number;
  /** The activation layer right after it, which predict fuses into it; null when none. */
  activation: FollowingActivation | null;
}

/** Softmax: one class's probability from all the logits. */
export interface SoftmaxExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'softmax';
  /** The layer whose output holds the logits. */
  inputLayer: number;
  /** The class whose probability is explained. */
  classIndex: number;
  /** The softmax's inputs, [classes]. */
  logits: Float64Array;
  /** The largest logit, subtracted from each before the exponential (same result, no overflow). */
  max: number;
  /** exp(logit - max), [classes]. */
  exponentials: Float64Array;
  /** The exponentials summed: value = exponentials[classIndex] / sum. */
  sum: number;
}

/** BatchNormalization at inference: the moving statistics of the value's channel. */
export interface BatchNormalizationExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'batchNormalization';
  /** The layer whose output is normalized. */
  inputLayer: number;
  /** The value's channel, whose statistics apply. */
  channel: number;
  /** The input value at the same position. */
  input: number;
  /** The channel's moving mean. */
  mean: number;
  /** The channel's moving variance. */
  variance: number;
  /** The layer's epsilon, added to the variance. */
  epsilon: number;
  /** (input - mean) / sqrt(variance + epsilon). */
  normalized: number;
  /** The channel's scale; value = normalized * gamma + beta. */
  gamma: number;
  /** The channel's offset. */
  beta: number;
}

/** An activation or Rescaling: a function of the one input value at the same position. */
export interface ElementwiseExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'elementwise';
  /** The layer whose output the function reads. */
  inputLayer: number;
  /** The input value at the same position. */
  input: number;
  /** The function's constants by name (alpha, beta, min, max, exponent, scale, offset); empty when none. */
  parameters: Readonly<Record<string, number>>;
}

/** Add, Subtract, Multiply, Divide, Maximum, Minimum: the inputs' values at the (broadcast) position. */
export interface MergeExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'merge';
  /** How the operands combine (subtract and divide take two, in order). */
  operation: 'add' | 'subtract' | 'multiply' | 'divide' | 'maximum' | 'minimum';
  /** One per input, in order; a broadcast input's position has 0 on its size-1 axes. */
  operands: {
    /** The layer whose output the operand is. */
    layerIndex: number;
    /** The operand's position in that output. */
    position: readonly number[];
    /** The operand's value there. */
    value: number;
  }[];
}

/**
 * Layers that move values without arithmetic (Input, Flatten, Reshape, Concatenate, ChannelSlice,
 * ChannelShuffle, ZeroPadding2D, Dropout at inference): where the value came from.
 */
export interface CopyExplanation extends ExplanationBase {
  /** Tells this explanation apart in a `ValueExplanation`. */
  kind: 'copy';
  /**
   * The layer and position the value was copied from; null for the Input (the example's own value) and ZeroPadding2D's
   * zeros.
   */
  source: {
    /** The layer the value was copied from. */
    layerIndex: number;
    /** The value's position in that layer's output. */
    position: readonly number[];
  } | null;
}

/** explainValue's result, told apart by `kind`. */
export type ValueExplanation =
  | ConvolutionExplanation
  | TransposedConvolutionExplanation
  | PoolingExplanation
  | DenseExplanation
  | SoftmaxExplanation
  | BatchNormalizationExplanation
  | LayerNormalizationExplanation
  | ResizeExplanation
  | ElementwiseExplanation
  | MergeExplanation
  | CopyExplanation;

/** The layer classes explainValue explains (ValueExplanation's kinds cover them all). */
export const EXPLAINED_LAYERS: readonly string[] = [
  'Input',
  'Conv2D',
  'Conv2DTranspose',
  'MaxPool2D',
  'AvgPool2D',
  'GlobalAveragePooling2D',
  'Dense',
  'Softmax',
  'BatchNormalization',
  'LayerNormalization',
  'ReLU',
  'Sigmoid',
  'Tanh',
  'LeakyReLU',
  'ELU',
  'GELU',
  'SiLU',
  'Clip',
  'HardSigmoid',
  'HardSwish',
  'Power',
  'Rescaling',
  'Add',
  'Subtract',
  'Multiply',
  'Divide',
  'Maximum',
  'Minimum',
  'Concatenate',
  'Flatten',
  'Reshape',
  'ChannelSlice',
  'ChannelShuffle',
  'ZeroPadding2D',
  'Dropout',
  'Resize2D',
];

/** The flat index of `position` in `shape` (row-major, channels last). */
function flatIndex(shape: Shape, position: readonly number[]): number {
  let index = 0;
  for (let axis = 0; axis < shape.length; axis++) index = index * shape[axis]! + position[axis]!;
  return index;
}

/** The position of flat index `index` in `shape`. */
function positionOf(shape: Shape, index: number): number[] {
  const position = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    position[axis] = index % shape[axis]!;
    index = Math.floor(index / shape[axis]!);
  }
  return position;
}

/** What one activation layer computes from one value, with its constants; null for other layers. */
function activationRule(
  layer: Layer,
): { apply: (x: number) => number; formula: string; parameters: Record<string, number> } | null {
  if (layer instanceof ReLU)
    return { apply: (x) => (x > 0 || Number.isNaN(x) ? x : 0), formula: 'max(x, 0)', parameters: {} };
  if (layer instanceof Sigmoid)
    return { apply: (x) => 1 / (1 + Math.exp(-x)), formula: '1 / (1 + e^-x)', parameters: {} };
  if (layer instanceof Tanh) return { apply: Math.tanh, formula: 'tanh(x)', parameters: {} };
  if (layer instanceof LeakyReLU)
    return {
      apply: (x) => (x > 0 ? x : layer.alpha * x),
      formula: 'x if x > 0, else alpha * x',
      parameters: { alpha: layer.alpha },
    };
  if (layer instanceof ELU)
    return {
      apply: (x) => (x > 0 ? x : layer.alpha * Math.expm1(x)),
      formula: 'x if x > 0, else alpha * (e^x - 1)',
      parameters: { alpha: layer.alpha },
    };
  if (layer instanceof GELU)
    return {
      apply: (x) => x * normalCdf(x),
      formula: 'x * Phi(x), Phi the standard normal distribution function',
      parameters: {},
    };
  if (layer instanceof SiLU)
    return { apply: (x) => x / (1 + Math.exp(-x)), formula: 'x * sigmoid(x) = x / (1 + e^-x)', parameters: {} };
  if (layer instanceof Clip)
    return {
      apply: (x) => Math.min(Math.max(x, layer.min), layer.max),
      formula: 'x clamped to [min, max]',
      parameters: { min: layer.min, max: layer.max },
    };
  if (layer instanceof HardSigmoid) {
    const { alpha, beta } = layer;
    return {
      apply: (x) => Math.min(Math.max(alpha * x + beta, 0), 1),
      formula: 'max(0, min(1, alpha * x + beta))',
      parameters: { alpha, beta },
    };
  }
  if (layer instanceof HardSwish) {
    return {
      apply: (x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1),
      formula: 'x * max(0, min(1, x / 6 + 1/2))',
      parameters: { alpha: 1 / 6, beta: 0.5 },
    };
  }
  if (layer instanceof Power) {
    const exponent = layer.exponent;
    return {
      apply: (x) => (exponent === 0.5 ? Math.sqrt(x) : x ** exponent),
      formula: 'x ^ exponent',
      parameters: { exponent },
    };
  }
  return null;
}

/**
 * How the value at `position` of layer `layerIndex`'s output was computed: the numbers the layer
 * combined and the rule, for the layers of EXPLAINED_LAYERS (see ValueExplanation). `position` is in
 * the layer's per-example output shape: [row, column, channel] for feature maps, [index] for vectors.
 * Throws ValueError for a layer index or position outside the model, or a layer class it does not
 * explain (a layer class registered by an app).
 *
 * @example
 * const outputs = layerOutputs(model, imagesToInput(model, [photo]));
 * const how = explainValue(outputs, 1, [4, 7, 0]);
 * if (how.kind === 'convolution') console.log(how.sum, '+', how.bias, '=', how.value);
 */
export function explainValue(outputs: LayerOutputs, layerIndex: number, position: readonly number[]): ValueExplanation {
  const model = checkOutputs(outputs, 'explainValue');
  if (!(Number.isInteger(layerIndex) && layerIndex >= 0 && layerIndex < model.layers.length)) {
    throw new ValueError(
      `explainValue: layerIndex must be an integer in [0, ${model.layers.length - 1}], got ${layerIndex}`,
    );
  }
  const shape = model.layerOutputShapes[layerIndex]!;
  if (
    !Array.isArray(position) ||
    position.length !== shape.length ||
    position.some((coordinate, axis) => !(Number.isInteger(coordinate) && coordinate >= 0 && coordinate < shape[axis]!))
  ) {
    throw new ValueError(
      `explainValue: position must be ${shape.length} whole numbers inside ${formatShape(shape)} (layer ` +
        `${layerIndex}, ${model.layers[layerIndex]!.name}), got ${JSON.stringify(position)}`,
    );
  }
  const layer = model.layers[layerIndex]!;
  const inputs = model.nodes[layerIndex]!.inputs;
  const base = {
    layerIndex,
    layerName: layer.name,
    className: layer.className,
    position: [...position],
    output: outputs.layers[layerIndex]!.values[flatIndex(shape, position)]!,
  };
  const explainer = EXPLAINERS.find(([type]) => layer instanceof type);
  if (explainer === undefined) {
    throw new ValueError(
      `explainValue: layer ${layerIndex} (${layer.name}) is a ${layer.className}, which it does not ` +
        `explain; it explains ${EXPLAINED_LAYERS.join(', ')}`,
    );
  }
  return explainer[1]({ outputs, layer, inputs, base });
}

/** The model of `outputs`, after checking that they are what layerOutputs returned for it (ValueError otherwise). */
function checkOutputs(outputs: LayerOutputs, caller: string): LayerOutputs['model'] {
  const model = (outputs as Partial<LayerOutputs> | null)?.model;
  if (model === undefined || !Array.isArray(outputs.layers) || outputs.layers.length !== model.layers.length) {
    throw new ValueError(`${caller}: outputs must be what layerOutputs(model, input) returned`);
  }
  return model;
}

/**
 * What an explainer gets: the outputs, the layer, the layers it reads and the explanation's common fields but `rule`
 * and `value`.
 */
interface ExplainerArguments {
  outputs: LayerOutputs;
  layer: Layer;
  inputs: readonly number[];
  base: Omit<ExplanationBase, 'rule' | 'value'>;
}

type LayerClass = abstract new (...args: never[]) => Layer;

/** One explainer per family of layer classes, tried in order. */
const EXPLAINERS: readonly (readonly [LayerClass, (args: ExplainerArguments) => ValueExplanation])[] = [
  [Conv2D, explainConvolution],
  [MaxPool2D, explainPooling],
  [AvgPool2D, explainPooling],
  [GlobalAveragePooling2D, explainGlobalPooling],
  [Dense, explainDense],
  [Softmax, explainSoftmax],
  [Conv2DTranspose, explainTransposedConvolution],
  [BatchNormalization, explainBatchNormalization],
  [LayerNormalization, explainLayerNormalization],
  [Resize2D, explainResize],
  [Rescaling, explainRescaling],
  [Add, explainMerge],
  [Subtract, explainMerge],
  [Multiply, explainMerge],
  [Divide, explainMerge],
  [Maximum, explainMerge],
  [Minimum, explainMerge],
  [Concatenate, explainConcatenate],
  [Input, explainCopy],
  [Flatten, explainCopy],
  [Reshape, explainCopy],
  [ChannelSlice, explainCopy],
  [ChannelShuffle, explainCopy],
  [ZeroPadding2D, explainCopy],
  [Dropout, explainCopy],
  ...[ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU, SiLU, Clip, HardSigmoid, HardSwish, Power].map(
    (type) => [type, explainActivation] as const,
  ),
];

/**
 * The activation layer reading only `layerIndex`, right after it, with its formula applied to `value`; null when none.
 */
function followingActivation(
  outputs: LayerOutputs,
  layerIndex: number,
  flat: number,
  value: number,
): FollowingActivation | null {
  const { model } = outputs;
  const next = model.nodes[layerIndex + 1];
  if (next === undefined || next.inputs.length !== 1 || next.inputs[0] !== layerIndex) return null;
  const readers =
    model.nodes.filter((node) => node.inputs.includes(layerIndex)).length +
    (model.outputNodes.includes(layerIndex) ? 1 : 0);
  const rule = activationRule(next.layer);
  if (readers !== 1 || rule === null) return null;
  return {
    layerIndex: layerIndex + 1,
    layerName: next.layer.name,
    className: next.layer.className,
    value: rule.apply(value),
    output: outputs.layers[layerIndex + 1]!.values[flat]!,
  };
}

function explainConvolution({ outputs, layer, inputs, base }: ExplainerArguments): ConvolutionExplanation {
  const conv = layer as Conv2D;
  const { model } = outputs;
  const inputLayer = inputs[0]!;
  const [inH, inW, inC] = model.layerOutputShapes[inputLayer] as [number, number, number];
  const { kH, kW, strideH, strideW, padTop, padLeft } = windowParams(`Conv2D '${conv.name}'`, 1, inH, inW, inC, {
    kH: conv.kernelSize[0],
    kW: conv.kernelSize[1],
    strideH: conv.strides[0],
    strideW: conv.strides[1],
    padding: conv.padding,
    dilationH: conv.dilationRate[0],
    dilationW: conv.dilationRate[1],
  });
  const [dilationH, dilationW] = conv.dilationRate;
  const [row, column, filter] = base.position as [number, number, number];
  const groups = conv.groups;
  const channels = inC / groups;
  const group = Math.floor(filter / (conv.filters / groups));
  const firstChannel = group * channels;
  const rows = Int32Array.from({ length: kH }, (_, tap) => row * strideH - padTop + tap * dilationH);
  const columns = Int32Array.from({ length: kW }, (_, tap) => column * strideW - padLeft + tap * dilationW);
  const input = outputs.layers[inputLayer]!.values;
  const kernel = conv.kernel!.dataSync();
  const window = new Float64Array(kH * kW * channels);
  const weights = new Float64Array(kH * kW * channels);
  const products = new Float64Array(kH * kW * channels);
  const channelSums = new Float64Array(channels);
  const isPadding = new Uint8Array(kH * kW);
  for (let tapY = 0; tapY < kH; tapY++) {
    for (let tapX = 0; tapX < kW; tapX++) {
      const y = rows[tapY]!;
      const x = columns[tapX]!;
      const isInside = y >= 0 && y < inH && x >= 0 && x < inW;
      isPadding[tapY * kW + tapX] = isInside ? 0 : 1;
      for (let channel = 0; channel < channels; channel++) {
        const index = (tapY * kW + tapX) * channels + channel;
        // The kernel is [kH, kW, inC / groups, outC].
        weights[index] = kernel[index * conv.filters + filter]!;
        window[index] = isInside ? input[(y * inW + x) * inC + firstChannel + channel]! : 0;
        products[index] = window[index] * weights[index];
        channelSums[channel]! += products[index];
      }
    }
  }
  const sum = channelSums.reduce((total, part) => total + part, 0);
  const hasBias = conv.bias !== null;
  const bias = hasBias ? conv.bias!.dataSync()[filter]! : 0;
  const preActivation = sum + bias;
  const flat = flatIndex(model.layerOutputShapes[base.layerIndex]!, base.position);
  return {
    ...base,
    kind: 'convolution',
    rule:
      `the ${kH}x${kW} window over ${channels} input channel${channels === 1 ? '' : 's'} times filter ` +
      `${filter}'s weights, summed per channel, the channel sums added${hasBias ? ', plus the bias' : ''}`,
    value: preActivation,
    inputLayer,
    kH,
    kW,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop,
    padLeft,
    rows,
    columns,
    group,
    groups,
    firstChannel,
    channels,
    window,
    isPadding,
    weights,
    products,
    channelSums,
    sum,
    hasBias,
    bias,
    preActivation,
    activation: followingActivation(outputs, base.layerIndex, flat, preActivation),
  };
}

function explainPooling({ outputs, layer, inputs, base }: ExplainerArguments): PoolingExplanation {
  const pool = layer as MaxPool2D | AvgPool2D;
  const { model } = outputs;
  const inputLayer = inputs[0]!;
  const [inH, inW, inC] = model.layerOutputShapes[inputLayer] as [number, number, number];
  const { kH, kW, strideH, strideW, padTop, padBottom, padLeft, padRight } = windowParams(
    `${pool.className} '${pool.name}'`,
    1,
    inH,
    inW,
    inC,
    {
      kH: pool.poolSize[0],
      kW: pool.poolSize[1],
      strideH: pool.strides[0],
      strideW: pool.strides[1],
      padding: pool.padding,
    },
  );
  const [row, column, channel] = base.position as [number, number, number];
  const rows = Int32Array.from({ length: kH }, (_, tap) => row * strideH - padTop + tap);
  const columns = Int32Array.from({ length: kW }, (_, tap) => column * strideW - padLeft + tap);
  const input = outputs.layers[inputLayer]!.values;
  const window = new Float64Array(kH * kW);
  const isPadding = new Uint8Array(kH * kW);
  let winner = -1;
  let sum = 0;
  let covered = 0;
  for (let tapY = 0; tapY < kH; tapY++) {
    for (let tapX = 0; tapX < kW; tapX++) {
      const tap = tapY * kW + tapX;
      const y = rows[tapY]!;
      const x = columns[tapX]!;
      if (!(y >= 0 && y < inH && x >= 0 && x < inW)) {
        isPadding[tap] = 1;
        continue;
      }
      window[tap] = input[(y * inW + x) * inC + channel]!;
      covered++;
      sum += window[tap];
      if (winner < 0 || window[tap] > window[winner]!) winner = tap;
    }
  }
  if (pool instanceof MaxPool2D) {
    return {
      ...base,
      kind: 'pooling',
      operation: 'max',
      rule: 'the largest input value under the window (padding left out)',
      value: window[winner]!,
      inputLayer,
      channel,
      kH,
      kW,
      rows,
      columns,
      window,
      isPadding,
      winner,
      sum: 0,
      count: 0,
    };
  }
  // The divisor along each axis: the window's extent inside the padded input when padding counts
  // (a ceil-mode overhang past the far padding never does), else the input values covered.
  const extent = (first: number, size: number, inSize: number, padAfter: number) =>
    Math.min(first + size, inSize + padAfter) - first;
  const count = pool.countIncludePad
    ? extent(rows[0]!, kH, inH, padBottom) * extent(columns[0]!, kW, inW, padRight)
    : covered;
  return {
    ...base,
    kind: 'pooling',
    operation: 'average',
    rule: pool.countIncludePad
      ? 'the sum of the input values under the window over the window size inside the padded input (padded zeros count)'
      : 'the mean of the input values under the window (padding left out)',
    value: sum / count,
    inputLayer,
    channel,
    kH,
    kW,
    rows,
    columns,
    window,
    isPadding,
    winner: -1,
    sum,
    count,
  };
}

function explainGlobalPooling({ outputs, inputs, base }: ExplainerArguments): PoolingExplanation {
  const inputLayer = inputs[0]!;
  const [inH, inW, inC] = outputs.model.layerOutputShapes[inputLayer] as [number, number, number];
  const channel = base.position[base.position.length - 1]!;
  const input = outputs.layers[inputLayer]!.values;
  const window = new Float64Array(inH * inW);
  let sum = 0;
  for (let pixel = 0; pixel < inH * inW; pixel++) {
    window[pixel] = input[pixel * inC + channel]!;
    sum += window[pixel]!;
  }
  return {
    ...base,
    kind: 'pooling',
    operation: 'globalAverage',
    rule: `the mean of channel ${channel}'s whole ${inH}x${inW} map`,
    value: sum / (inH * inW),
    inputLayer,
    channel,
    kH: inH,
    kW: inW,
    rows: Int32Array.from({ length: inH }, (_, index) => index),
    columns: Int32Array.from({ length: inW }, (_, index) => index),
    window,
    isPadding: new Uint8Array(inH * inW),
    winner: -1,
    sum,
    count: inH * inW,
  };
}

function explainDense({ outputs, layer, inputs, base }: ExplainerArguments): DenseExplanation {
  const dense = layer as Dense;
  const inputLayer = inputs[0]!;
  const unit = base.position[0]!;
  const inputValues = outputs.layers[inputLayer]!.values;
  const size = inputValues.length;
  const kernel = dense.kernel!.dataSync();
  const weights = new Float64Array(size);
  const products = new Float64Array(size);
  let sum = 0;
  for (let index = 0; index < size; index++) {
    // The kernel is [inputSize, units].
    weights[index] = kernel[index * dense.units + unit]!;
    products[index] = inputValues[index]! * weights[index]!;
    sum += products[index]!;
  }
  const order = Int32Array.from({ length: size }, (_, index) => index).sort(
    (a, b) => Math.abs(products[b]!) - Math.abs(products[a]!) || a - b,
  );
  const hasBias = dense.bias !== null;
  const bias = hasBias ? dense.bias!.dataSync()[unit]! : 0;
  const preActivation = sum + bias;
  return {
    ...base,
    kind: 'dense',
    rule: `each of the ${size} inputs times its weight to unit ${unit}, summed${hasBias ? ', plus the bias' : ''}`,
    value: preActivation,
    inputLayer,
    unit,
    inputs: Float64Array.from(inputValues),
    weights,
    products,
    order,
    sum,
    hasBias,
    bias,
    preActivation,
    activation: followingActivation(outputs, base.layerIndex, unit, preActivation),
  };
}

function explainSoftmax({ outputs, inputs, base }: ExplainerArguments): SoftmaxExplanation {
  const inputLayer = inputs[0]!;
  return { ...base, ...softmaxArithmetic(outputs.layers[inputLayer]!.values, base.position[0]!), inputLayer };
}

/** The softmax of `logits` at `classIndex`, step by step. */
function softmaxArithmetic(
  values: ArrayLike<number>,
  classIndex: number,
): Pick<SoftmaxExplanation, 'kind' | 'rule' | 'value' | 'classIndex' | 'logits' | 'max' | 'exponentials' | 'sum'> {
  const logits = Float64Array.from(values);
  let max = -Infinity;
  for (const logit of logits) max = Math.max(max, logit);
  const exponentials = logits.map((logit) => Math.exp(logit - max));
  const sum = exponentials.reduce((total, exponential) => total + exponential, 0);
  return {
    kind: 'softmax',
    rule:
      `e^(logit - max) over the sum of them all: subtracting the largest logit (${max}) first changes ` +
      `nothing but keeps e^x from overflowing`,
    value: exponentials[classIndex]! / sum,
    classIndex,
    logits,
    max,
    exponentials,
    sum,
  };
}

/**
 * How the probability of class `classIndex` was computed from the logits, for any classifier: the
 * final Softmax layer's explanation (as explainValue gives it), or for a model that outputs logits
 * (model.output 'logits', an imported ONNX model ending in a Gemm) the softmax that classify applies
 * to its last layer's output; then `layerIndex` is the logits layer's, `inputLayer` the same, and
 * `output` the library's softmax kernel on those logits. Throws ValueError for a class index outside
 * the classes.
 *
 * @example
 * const { exponentials, sum, value } = explainProbability(outputs, 3); // value = exponentials[3] / sum
 */
export function explainProbability(outputs: LayerOutputs, classIndex: number): SoftmaxExplanation {
  const model = checkOutputs(outputs, 'explainProbability');
  if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < model.classes)) {
    throw new ValueError(
      `explainProbability: classIndex must be an integer in [0, ${model.classes - 1}], got ${classIndex}`,
    );
  }
  const last = model.layers.length - 1;
  if (model.output === 'probabilities')
    return explainValue(outputs, last, positionOf(model.outputShape, classIndex)) as SoftmaxExplanation;
  const logits = outputs.layers[last]!.values;
  const probabilities = withScope(() =>
    Array.from(softmax(Tensor.fromArray(logits, [1, logits.length], model.dtype)).dataSync()),
  );
  const layer = model.layers[last]!;
  return {
    ...softmaxArithmetic(logits, classIndex),
    layerIndex: last,
    layerName: layer.name,
    className: layer.className,
    position: positionOf(model.outputShape, classIndex),
    output: probabilities[classIndex]!,
    inputLayer: last,
  };
}

function explainBatchNormalization({
  outputs,
  layer,
  inputs,
  base,
}: ExplainerArguments): BatchNormalizationExplanation {
  const norm = layer as BatchNormalization;
  const inputLayer = inputs[0]!;
  const channel = base.position[base.position.length - 1]!;
  const input =
    outputs.layers[inputLayer]!.values[flatIndex(outputs.model.layerOutputShapes[inputLayer]!, base.position)]!;
  const mean = norm.movingMean!.dataSync()[channel]!;
  const variance = norm.movingVariance!.dataSync()[channel]!;
  const gamma = norm.gamma!.dataSync()[channel]!;
  const beta = norm.beta!.dataSync()[channel]!;
  const normalized = (input - mean) / Math.sqrt(variance + norm.epsilon);
  return {
    ...base,
    kind: 'batchNormalization',
    rule: 'gamma * (x - mean) / sqrt(variance + epsilon) + beta, with the moving mean and variance of the channel',
    value: gamma * normalized + beta,
    inputLayer,
    channel,
    input,
    mean,
    variance,
    epsilon: norm.epsilon,
    normalized,
    gamma,
    beta,
  };
}

function explainTransposedConvolution({
  outputs,
  layer,
  inputs,
  base,
}: ExplainerArguments): TransposedConvolutionExplanation {
  const conv = layer as Conv2DTranspose;
  const inputLayer = inputs[0]!;
  const [inH, inW, inC] = outputs.model.layerOutputShapes[inputLayer] as [number, number, number];
  const [kH, kW] = conv.kernelSize;
  const [strideH, strideW] = conv.strides;
  const [dilationH, dilationW] = conv.dilationRate;
  const { padTop, padLeft } = conv2dTransposeParams(`Conv2DTranspose '${conv.name}'`, 1, {
    inH,
    inW,
    inC,
    outC: conv.filters,
    kH,
    kW,
    strideH,
    strideW,
    padding: conv.padding,
    outputPaddingH: conv.outputPadding[0],
    outputPaddingW: conv.outputPadding[1],
    dilationH,
    dilationW,
    groups: conv.groups,
  });
  const [row, column, filter] = base.position as [number, number, number];
  const groupOutC = conv.filters / conv.groups;
  const channels = inC / conv.groups;
  const firstChannel = Math.floor(filter / groupOutC) * channels;
  // Input row i reaches output row i * strideH - padTop + tap * dilationH: solve for i per tap.
  const pairs = (out: number, taps: number, stride: number, pad: number, dilation: number, size: number) => {
    const found: [number, number][] = [];
    for (let tap = 0; tap < taps; tap++) {
      const offset = out + pad - tap * dilation;
      if (offset % stride === 0 && offset / stride >= 0 && offset / stride < size) found.push([offset / stride, tap]);
    }
    return found;
  };
  const rowPairs = pairs(row, kH, strideH, padTop, dilationH, inH);
  const columnPairs = pairs(column, kW, strideW, padLeft, dilationW, inW);
  const count = rowPairs.length * columnPairs.length;
  const input = outputs.layers[inputLayer]!.values;
  const kernel = conv.kernel!.dataSync();
  const window = new Float64Array(count * channels);
  const weights = new Float64Array(count * channels);
  const products = new Float64Array(count * channels);
  const channelSums = new Float64Array(channels);
  const inputRows = new Int32Array(count);
  const inputColumns = new Int32Array(count);
  const kernelRows = new Int32Array(count);
  const kernelColumns = new Int32Array(count);
  let tap = 0;
  for (const [inputRow, kernelRow] of rowPairs) {
    for (const [inputColumn, kernelColumn] of columnPairs) {
      [inputRows[tap], inputColumns[tap], kernelRows[tap], kernelColumns[tap]] = [
        inputRow,
        inputColumn,
        kernelRow,
        kernelColumn,
      ];
      for (let channel = 0; channel < channels; channel++) {
        const index = tap * channels + channel;
        window[index] = input[(inputRow * inW + inputColumn) * inC + firstChannel + channel]!;
        // The kernel is [kH, kW, outC / groups, inC].
        weights[index] =
          kernel[((kernelRow * kW + kernelColumn) * groupOutC + (filter % groupOutC)) * inC + firstChannel + channel]!;
        products[index] = window[index] * weights[index];
        channelSums[channel]! += products[index];
      }
      tap++;
    }
  }
  const sum = channelSums.reduce((total, part) => total + part, 0);
  const hasBias = conv.bias !== null;
  const bias = hasBias ? conv.bias!.dataSync()[filter]! : 0;
  return {
    ...base,
    kind: 'transposedConvolution',
    rule:
      `the ${count} input pixel${count === 1 ? '' : 's'} whose scattered kernel lands here, each ` +
      `channel times the kernel tap's weight, summed${hasBias ? ', plus the bias' : ''}`,
    value: sum + bias,
    inputLayer,
    strideH,
    strideW,
    padTop,
    padLeft,
    inputRows,
    inputColumns,
    kernelRows,
    kernelColumns,
    firstChannel,
    channels,
    window,
    weights,
    products,
    channelSums,
    sum,
    hasBias,
    bias,
  };
}

function explainLayerNormalization({
  outputs,
  layer,
  inputs,
  base,
}: ExplainerArguments): LayerNormalizationExplanation {
  const norm = layer as LayerNormalization;
  const inputLayer = inputs[0]!;
  const channelAxis = base.position.length - 1;
  const channel = base.position[channelAxis]!;
  const shape = outputs.model.layerOutputShapes[inputLayer]!;
  const channels = shape[channelAxis]!;
  const start = flatIndex(shape, [...base.position.slice(0, channelAxis), 0]);
  const values = Float64Array.from(outputs.layers[inputLayer]!.values.subarray(start, start + channels));
  let mean = 0;
  for (const value of values) mean += value / channels;
  let variance = 0;
  for (const value of values) variance += (value - mean) ** 2 / channels;
  const normalized = (values[channel]! - mean) / Math.sqrt(variance + norm.epsilon);
  const gamma = norm.gamma!.dataSync()[channel]!;
  const beta = norm.beta!.dataSync()[channel]!;
  return {
    ...base,
    kind: 'layerNormalization',
    rule:
      `gamma * (x - mean) / sqrt(variance + epsilon) + beta, with the mean and (biased) variance of ` +
      `this position's ${channels} channels`,
    value: gamma * normalized + beta,
    inputLayer,
    channel,
    inputs: values,
    mean,
    variance,
    epsilon: norm.epsilon,
    normalized,
    gamma,
    beta,
  };
}

function explainResize({ outputs, layer, inputs, base }: ExplainerArguments): ResizeExplanation {
  const resize = layer as Resize2D;
  const inputLayer = inputs[0]!;
  const [inH, inW, inC] = outputs.model.layerOutputShapes[inputLayer] as [number, number, number];
  const params = resize2dParams(
    [1, inH, inW, inC],
    {
      mode: resize.mode,
      size: resize.size,
      scale: resize.scale,
      coordinates: resize.coordinates,
      nearestRounding: resize.nearestRounding,
    },
    `Resize2D '${resize.name}'`,
  );
  const [row, column, channel] = base.position as [number, number, number];
  // The kernel's own tap rule (kernels/js/resize2d.ts): the same rounding and clamping.
  const rowTaps = axisTaps(inH, params.outH, params.scaleH, params);
  const columnTaps = axisTaps(inW, params.outW, params.scaleW, params);
  const rows = Int32Array.of(rowTaps.first[row]!, rowTaps.first[row]!, rowTaps.second[row]!, rowTaps.second[row]!);
  const columns = Int32Array.of(
    columnTaps.first[column]!,
    columnTaps.second[column]!,
    columnTaps.first[column]!,
    columnTaps.second[column]!,
  );
  const weightY = rowTaps.weight[row]!;
  const weightX = columnTaps.weight[column]!;
  const weights = Float64Array.of(
    (1 - weightY) * (1 - weightX),
    (1 - weightY) * weightX,
    weightY * (1 - weightX),
    weightY * weightX,
  );
  const input = outputs.layers[inputLayer]!.values;
  const window = new Float64Array(4);
  let value = 0;
  for (let tap = 0; tap < 4; tap++) {
    window[tap] = input[(rows[tap]! * inW + columns[tap]!) * inC + channel]!;
    value += weights[tap]! * window[tap]!;
  }
  return {
    ...base,
    kind: 'resize',
    mode: resize.mode,
    rule:
      resize.mode === 'nearest'
        ? `the nearest source pixel (${resize.coordinates}, ${resize.nearestRounding})`
        : `the four source pixels around the source point, weighted by their nearness (${resize.coordinates})`,
    value,
    inputLayer,
    channel,
    sourceRow: sourceCoordinate(row, inH, params.outH, params.scaleH, resize.coordinates),
    sourceColumn: sourceCoordinate(column, inW, params.outW, params.scaleW, resize.coordinates),
    rows,
    columns,
    window,
    weights,
  };
}

function explainActivation({ outputs, layer, inputs, base }: ExplainerArguments): ElementwiseExplanation {
  const inputLayer = inputs[0]!;
  const input =
    outputs.layers[inputLayer]!.values[flatIndex(outputs.model.layerOutputShapes[inputLayer]!, base.position)]!;
  const { apply, formula, parameters } = activationRule(layer)!;
  return {
    ...base,
    kind: 'elementwise',
    rule: `${layer.className}: ${formula}`,
    value: apply(input),
    inputLayer,
    input,
    parameters,
  };
}

function explainRescaling({ outputs, layer, inputs, base }: ExplainerArguments): ElementwiseExplanation {
  const rescaling = layer as Rescaling;
  const inputLayer = inputs[0]!;
  const input =
    outputs.layers[inputLayer]!.values[flatIndex(outputs.model.layerOutputShapes[inputLayer]!, base.position)]!;
  const channel = base.position[base.position.length - 1]!;
  const scale = typeof rescaling.scale === 'number' ? rescaling.scale : rescaling.scale[channel]!;
  const offset = typeof rescaling.offset === 'number' ? rescaling.offset : rescaling.offset[channel]!;
  return {
    ...base,
    kind: 'elementwise',
    rule: 'x * scale + offset',
    value: input * scale + offset,
    inputLayer,
    input,
    parameters: { scale, offset },
  };
}

const MERGE_OPERATIONS = {
  Add: { operation: 'add', rule: 'the inputs added', combine: (a: number, b: number) => a + b },
  Subtract: {
    operation: 'subtract',
    rule: 'the first input minus the second',
    combine: (a: number, b: number) => a - b,
  },
  Multiply: { operation: 'multiply', rule: 'the inputs multiplied', combine: (a: number, b: number) => a * b },
  Divide: {
    operation: 'divide',
    rule: 'the first input divided by the second',
    combine: (a: number, b: number) => a / b,
  },
  Maximum: { operation: 'maximum', rule: 'the largest of the inputs', combine: Math.max },
  Minimum: { operation: 'minimum', rule: 'the smallest of the inputs', combine: Math.min },
} as const;

function explainMerge({ outputs, layer, inputs, base }: ExplainerArguments): MergeExplanation {
  const { operation, rule, combine } = MERGE_OPERATIONS[layer.className as keyof typeof MERGE_OPERATIONS];
  const operands = inputs.map((inputLayer) => {
    const shape = outputs.model.layerOutputShapes[inputLayer]!;
    // Broadcasting: a size-1 axis serves every position along it.
    const position = base.position.map((coordinate, axis) => (shape[axis] === 1 ? 0 : coordinate));
    return { layerIndex: inputLayer, position, value: outputs.layers[inputLayer]!.values[flatIndex(shape, position)]! };
  });
  // Left to right, as the layer folds them.
  const value = operands.slice(1).reduce((total, operand) => combine(total, operand.value), operands[0]!.value);
  return { ...base, kind: 'merge', operation, rule, value, operands };
}

function explainConcatenate({ outputs, inputs, base }: ExplainerArguments): CopyExplanation {
  const channelAxis = base.position.length - 1;
  let channel = base.position[channelAxis]!;
  for (const inputLayer of inputs) {
    const shape = outputs.model.layerOutputShapes[inputLayer]!;
    if (channel < shape[channelAxis]!) {
      const position = [...base.position.slice(0, channelAxis), channel];
      return copied(
        outputs,
        base,
        { layerIndex: inputLayer, position },
        `channel ${base.position[channelAxis]} of the joined channels is channel ${channel} of input ${inputLayer}`,
      );
    }
    channel -= shape[channelAxis]!;
  }
  throw new ShapeError(`explainValue: channel ${base.position[channelAxis]} lies past the inputs of ${base.layerName}`);
}

function copied(
  outputs: LayerOutputs,
  base: ExplainerArguments['base'],
  source: CopyExplanation['source'],
  rule: string,
): CopyExplanation {
  const value =
    source === null
      ? base.layerIndex === 0
        ? base.output
        : 0
      : outputs.layers[source.layerIndex]!.values[
          flatIndex(outputs.model.layerOutputShapes[source.layerIndex]!, source.position)
        ]!;
  return { ...base, kind: 'copy', rule, value, source };
}

function explainCopy({ outputs, layer, inputs, base }: ExplainerArguments): CopyExplanation {
  if (layer instanceof Input) return copied(outputs, base, null, "the input example's own value");
  const inputLayer = inputs[0]!;
  const inputShape = outputs.model.layerOutputShapes[inputLayer]!;
  const position = base.position;
  const channelAxis = position.length - 1;
  if (layer instanceof ZeroPadding2D) {
    const { padTop, padLeft, inH, inW } = zeroPadParams([1, ...inputShape], layer.padding);
    const [y, x, channel] = [position[0]! - padTop, position[1]! - padLeft, position[2]!];
    if (!(y >= 0 && y < inH && x >= 0 && x < inW)) return copied(outputs, base, null, 'a zero of the padding');
    return copied(
      outputs,
      base,
      { layerIndex: inputLayer, position: [y, x, channel] },
      `the input value ${padTop} rows up and ${padLeft} columns left`,
    );
  }
  if (layer instanceof ChannelSlice) {
    return copied(
      outputs,
      base,
      { layerIndex: inputLayer, position: [...position.slice(0, channelAxis), position[channelAxis]! + layer.start] },
      `channel ${position[channelAxis]! + layer.start} of the input (channels ${layer.start}..${layer.end - 1})`,
    );
  }
  if (layer instanceof ChannelShuffle) {
    // Output channel j * groups + g is input channel g * groupSize + j (kernels/js/channelShuffle.ts).
    const channels = inputShape[channelAxis]!;
    const channel = position[channelAxis]!;
    const from = (channel % layer.groups) * (channels / layer.groups) + Math.floor(channel / layer.groups);
    return copied(
      outputs,
      base,
      { layerIndex: inputLayer, position: [...position.slice(0, channelAxis), from] },
      `channel ${from} of the input, moved by the shuffle of ${layer.groups} groups`,
    );
  }
  if (layer instanceof Dropout)
    return copied(
      outputs,
      base,
      { layerIndex: inputLayer, position },
      'the input value (dropout does nothing at inference)',
    );
  // Flatten and Reshape keep the values' order (channels last): the same flat index.
  const flat = flatIndex(outputs.model.layerOutputShapes[base.layerIndex]!, position);
  if (sizeOf(inputShape) <= flat)
    throw new ShapeError(`explainValue: ${base.layerName} has more values than its input`);
  return copied(
    outputs,
    base,
    { layerIndex: inputLayer, position: positionOf(inputShape, flat) },
    `value ${flat} of the input in channels-last order, reshaped`,
  );
}
