// Plain parameter records passed to kernels, and the output-size arithmetic of convolution and
// pooling: along each axis, outSize = floor((inSize - kSize + padBefore + padAfter) / stride) + 1,
// which is the lecture's (W - K + 2P) / S + 1 when the padding is the same on both sides.

import { ShapeError, ValueError } from '../core/errors.js';

/** Padding of a window op: 'valid' (none), 'same' (output = ceil(input / stride)), or explicit zeros. */
export type Padding =
  | 'valid'
  | 'same'
  | number
  | readonly [padH: number, padW: number]
  | readonly [padTop: number, padBottom: number, padLeft: number, padRight: number];

/** A window op's geometry on one image: sizes, strides and resolved padding. */
export interface WindowParams {
  /** Images in the batch. */
  batch: number;
  /** Input height. */
  inH: number;
  /** Input width. */
  inW: number;
  /** Input channels. */
  inC: number;
  /**
   * Output height: floor((inH + padTop + padBottom - (kH - 1) * dilationH - 1) / strideH) + 1 (pooling's
   * ceil mode: one more).
   */
  outH: number;
  /** Output width, as outH. */
  outW: number;
  /** Window (filter) height in taps. */
  kH: number;
  /** Window (filter) width in taps. */
  kW: number;
  /** Rows between one window and the next. */
  strideH: number;
  /** Columns between one window and the next. */
  strideW: number;
  /** Zero rows above the input. */
  padTop: number;
  /** Zero rows below the input. */
  padBottom: number;
  /** Zero columns left of the input. */
  padLeft: number;
  /** Zero columns right of the input. */
  padRight: number;
  /** Spacing of the kernel taps (1: adjacent); a kH tap kernel then spans (kH - 1) * dilationH + 1 rows. Default 1. */
  dilationH?: number | undefined;
  /** Columns between a window's taps; default 1. */
  dilationW?: number | undefined;
}

/**
 * Convolution: input [batch, inH, inW, inC], filter [kH, kW, inC / groups, outC], output
 * [batch, outH, outW, outC]. With groups g, output channels [j * outC / g, (j + 1) * outC / g) see
 * only input channels [j * inC / g, (j + 1) * inC / g); groups = inC is a depthwise convolution.
 */
export interface Conv2DParams extends WindowParams {
  outC: number;
  /** Default 1. */
  groups?: number | undefined;
  /**
   * Applied to the forward output, after the bias and the residual: 'relu' (or `{ kind: 'relu' }`)
   * fuses a following ReLU into the convolution (saves a pass over the feature map), the others fuse
   * the inference graph's activations (see FusedActivation). Backprop kernels ignore it: their dOut is
   * already taken through the activation.
   */
  activation?: 'relu' | FusedActivation | undefined;
  /**
   * The caller promises the filter's (and bias's) values never change for as long as the array lives
   * (the inference plan's folded copies), so a backend may keep a prepared form of them (packed for
   * its GEMM, Winograd-transformed) keyed by the array. Default false: prepared per call.
   */
  isConstantFilter?: boolean | undefined;
  /**
   * Inference only (Conv2D): the input is [batch, inH, inW, expansion.inC], first expanded to inC channels by a 1x1
   * convolution (the kernel's expansionFilter [1, 1, expansion.inC, inC] and expansionBias [inC] or null) with this
   * activation: an inverted residual block's expansion and depthwise convolution as one call (model/inferencePlan.ts).
   */
  expansion?: { readonly inC: number; readonly activation?: FusedActivation | undefined } | undefined;
  /**
   * Inference only (Conv2D, depthwise): the output [batch, outH, outW, projection.outC] is this convolution's output
   * taken by a 1x1 convolution (the kernel's projectionFilter [1, 1, outC, projection.outC] and projectionBias or
   * null), then the residual, then this activation: an inverted residual block's depthwise convolution and projection
   * as one call (model/inferencePlan.ts).
   */
  projection?: { readonly outC: number; readonly activation?: FusedActivation | undefined } | undefined;
  /**
   * Inference only (Conv2D, no projection): the output [batch, pool.outH, pool.outW, outC] is this convolution's
   * (activated) output max-pooled with this window (its input [batch, outH, outW, outC]): a stem's convolution and
   * pool as one call, whose convolution output is never stored whole (model/inferencePlan.ts).
   */
  pool?: Pool2DParams | undefined;
}

/** The 1x1 convolution of a Conv2D's expansion (Conv2DParams.expansion), which must be present. */
export function expansionParams(params: Conv2DParams): Conv2DParams {
  const { batch, inH, inW, inC, expansion } = params;
  return {
    batch,
    inH,
    inW,
    inC: expansion!.inC,
    outH: inH,
    outW: inW,
    outC: inC,
    kH: 1,
    kW: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    activation: expansion!.activation,
    isConstantFilter: params.isConstantFilter,
  };
}

/** The 1x1 convolution of a Conv2D's projection (Conv2DParams.projection), which must be present. */
export function projectionParams(params: Conv2DParams): Conv2DParams {
  const { outH, outW, outC, projection } = params;
  return {
    ...expansionParams({ ...params, inH: outH, inW: outW, inC: projection!.outC, expansion: { inC: outC } }),
    activation: projection!.activation,
  };
}

/**
 * An activation applied in the same pass as the op that produces its input (a convolution's output
 * stage), with the same formula as the standalone kernel of that name: relu max(x, 0); clip x clamped
 * to [min, max] (ReLU6 is 0, 6); sigmoid; silu x * sigmoid(x); leakyRelu; hardSigmoid and hardSwish
 * with their alpha and beta (PyTorch's: 1/6, 0.5).
 */
export type FusedActivation =
  | { readonly kind: 'relu' | 'sigmoid' | 'silu' }
  | { readonly kind: 'clip'; readonly min: number; readonly max: number }
  | { readonly kind: 'leakyRelu'; readonly alpha: number }
  | { readonly kind: 'hardSigmoid' | 'hardSwish'; readonly alpha: number; readonly beta: number };

/** A params record's activation as a FusedActivation, or null when there is none. */
export function fusedActivationOf(activation: 'relu' | FusedActivation | undefined): FusedActivation | null {
  if (activation === undefined) return null;
  return activation === 'relu' ? { kind: 'relu' } : activation;
}

/**
 * Pooling: input [batch, inH, inW, inC], output [batch, outH, outW, inC]. Kernels take outH and outW
 * as given and clip every window to the input, so ceil mode (ops/maxPool2d.ts: more outputs, whose
 * last window may run past the bottom or right padding) needs nothing of them.
 */
export interface Pool2DParams extends WindowParams {
  /**
   * Average pooling only: divide by the window's extent inside the padded input (padding counts, the
   * ceil-mode overhang past padBottom / padRight does not), as PyTorch's count_include_pad=True and
   * ONNX AveragePool's count_include_pad=1. Default false: divide by the number of input values.
   */
  countIncludePad?: boolean | undefined;
}

/**
 * The output size along one axis in ceil mode (PyTorch and ONNX ceil_mode): ceil((in + padBefore +
 * padAfter - k) / stride) + 1, less one where the last window would start past the input and the
 * before-padding (PyTorch's rule, which keeps an input value in every window).
 */
export function ceilWindowOutputSize(
  inSize: number,
  kSize: number,
  stride: number,
  padBefore: number,
  padAfter: number,
): number {
  let size = Math.ceil((inSize + padBefore + padAfter - kSize) / stride) + 1;
  if ((size - 1) * stride >= inSize + padBefore) size--;
  return size;
}

/** Matrix product out[m, n] = op(a)[m, k] * op(b)[k, n], where op transposes when asked. */
export interface MatMulParams {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Row-wise ops over a [rows, columns] matrix (bias add, softmax, cross-entropy). */
export interface RowsParams {
  rows: number;
  columns: number;
}

/** ClipBiasAddGrad: the open interval (min, max) of the activation's output where dOut passes (ReLU: 0, Infinity). */
export interface ClipBiasAddGradParams extends RowsParams {
  min: number;
  max: number;
}

/** Elementwise ops over `size` values. */
export interface ElementwiseParams {
  size: number;
}

/** Activations with a slope or scale for negative inputs: leaky ReLU (slope), ELU (scale of e^x - 1). */
export interface AlphaActivationParams extends ElementwiseParams {
  alpha: number;
}

/**
 * Clip of `size` values to [min, max] (min <= max; either may be infinite). The WebAssembly kernels
 * read both bounds as f32, so float32 data must come with f32-representable bounds (the clip op
 * rounds them with Math.fround), or the two backends could disagree on a value next to a bound.
 */
export interface ClipParams extends ElementwiseParams {
  min: number;
  max: number;
}

/**
 * Hard sigmoid max(0, min(1, alpha * x + beta)) of `size` values (ONNX HardSigmoid: alpha 0.2, beta
 * 0.5; PyTorch's Hardsigmoid and the gate of HardSwish: alpha 1/6, beta 0.5). The WebAssembly kernels
 * read both as f32: the op rounds them with Math.fround for float32 data, as for clip.
 */
export interface HardSigmoidParams extends ElementwiseParams {
  alpha: number;
  beta: number;
}

/**
 * Power x^exponent of `size` values, the exponent a constant (2 and 0.5 are the vectorised ones).
 * Float32 data take the exponent rounded to f32 (the pow op rounds it), as both backends read it.
 */
export interface PowParams extends ElementwiseParams {
  exponent: number;
}

/**
 * The operations of BroadcastArithmetic, by their code in the params record. 'selectionWeight' is the
 * share of d max(a, b) that goes to a: 1 where a > b, 1/2 where a = b, 0 where a < b (ties split
 * equally, as torch.maximum's gradient does); the backward rules of maximum and minimum use it.
 */
export const ARITHMETIC_OPERATIONS = [
  'add',
  'subtract',
  'multiply',
  'divide',
  'minimum',
  'maximum',
  'selectionWeight',
] as const;
export type ArithmeticOperation = (typeof ARITHMETIC_OPERATIONS)[number];

/** The number of axes of a broadcast params record: shapes of fewer axes are padded with leading 1s. */
export const BROADCAST_RANK = 6;

/**
 * output = a (op) b with numpy broadcasting, on the output's shape with BROADCAST_RANK axes; each
 * operand is read at sum(index[axis] * strides[axis]), its stride 0 on the axes it is broadcast along.
 * The op folds axes that can be walked as one (ops/broadcast.ts), so the last axis has stride 1 or 0 in
 * each operand.
 */
export interface BroadcastParams {
  operation: ArithmeticOperation;
  shape: readonly number[];
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/**
 * The sum of an input of `shape` (BROADCAST_RANK axes) into an output read at
 * sum(index[axis] * outStrides[axis]): stride 0 on the summed axes. The gradient of a broadcast.
 */
export interface ReduceSumToParams {
  shape: readonly number[];
  outStrides: readonly number[];
}

/** Dropout of `size` values: each is kept with probability 1 - rate and then scaled by 1 / (1 - rate). */
export interface DropoutParams extends ElementwiseParams {
  /** In [0, 1). */
  rate: number;
  /** Unsigned 32-bit seed of the mask: one seed gives one mask on every backend (kernels/js/dropout.ts). */
  seed: number;
}

/**
 * Zero padding: input [batch, inH, inW, inC], output [batch, outH, outW, inC] with
 * outH = padTop + inH + padBottom and outW = padLeft + inW + padRight.
 */
export interface ZeroPad2DParams extends ResolvedPadding {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
}

/** The fused softmax cross-entropy over a [rows, columns] matrix of logits. */
export interface SoftmaxCrossEntropyParams extends RowsParams {
  /**
   * Label smoothing epsilon in [0, 1]: each target row t counts as (1 - epsilon) t + epsilon sum(t) / columns
   * (Szegedy et al., 2016; PyTorch's CrossEntropyLoss label_smoothing). Default 0.
   */
  labelSmoothing?: number | undefined;
}

export interface SoftmaxCrossEntropyGradParams extends SoftmaxCrossEntropyParams {
  /** Multiplies every gradient value: upstream gradient of the mean loss divided by rows. */
  scale: number;
}

/** A block of columns copied between two row-major matrices (see copyColumns in kernels/js/elementwise.ts). */
export interface CopyColumnsParams {
  rows: number;
  columns: number;
  sourceStride: number;
  sourceOffset: number;
  destinationStride: number;
  destinationOffset: number;
}

/**
 * Channel shuffle of `rows` rows of groups * groupSize channels (ShuffleNet): the channels seen as a
 * [groups, groupSize] matrix are transposed, so output channel j * groups + g is input channel
 * g * groupSize + j. Its inverse is the shuffle with groups and groupSize swapped.
 */
export interface ChannelShuffleParams {
  rows: number;
  groups: number;
  groupSize: number;
}

/** Resize2D's interpolation: the nearest input pixel, or the 2x2 around the source point weighted bilinearly. */
export type ResizeMode = 'nearest' | 'bilinear';

/**
 * How an output pixel index maps back to a source coordinate along one axis (ONNX Resize's
 * coordinate_transformation_mode; derivation in kernels/js/resize2d.ts): 'half_pixel' (PyTorch's
 * bilinear align_corners=False), 'pytorch_half_pixel' (the same, 0 for an output of one pixel),
 * 'align_corners', 'asymmetric' (PyTorch's nearest), 'tf_half_pixel_for_nn'.
 */
export type ResizeCoordinates =
  | 'half_pixel'
  | 'pytorch_half_pixel'
  | 'align_corners'
  | 'asymmetric'
  | 'tf_half_pixel_for_nn';
export const RESIZE_COORDINATES: readonly ResizeCoordinates[] = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
];

/** How 'nearest' rounds a source coordinate to a pixel (ONNX Resize's nearest_mode; PyTorch's nearest: 'floor'). */
export type NearestRounding = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
export const NEAREST_ROUNDINGS: readonly NearestRounding[] = [
  'round_prefer_floor',
  'round_prefer_ceil',
  'floor',
  'ceil',
];

/**
 * Resize of NHWC maps: input [batch, inH, inW, inC], output [batch, outH, outW, inC]. scaleH and scaleW
 * are the outH / inH and outW / inW that the coordinate maps divide by (ONNX's scales; from sizes the
 * float32 quotient, as onnxruntime computes it), rounded to float32 so that every kernel sees the same.
 */
export interface Resize2DParams {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  scaleH: number;
  scaleW: number;
  mode: ResizeMode;
  coordinates: ResizeCoordinates;
  nearestRounding: NearestRounding;
}

/** Layer normalization of each row of a [rows, columns] matrix (the channels of each pixel in NHWC). */
export interface LayerNormParams extends RowsParams {
  /** Added to each row's variance before the square root. */
  epsilon: number;
}

export interface BatchNormGradParams extends RowsParams {
  epsilon: number;
  /** True when the mean and variance were the batch's own (training): the gradient flows through them. */
  isThroughStatistics: boolean;
}

export interface SgdUpdateParams extends ElementwiseParams {
  learningRate: number;
  momentum: number;
  isNesterov: boolean;
  weightDecay: number;
}

export interface AdamUpdateParams extends ElementwiseParams {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based count of updates made so far, for bias correction. */
  step: number;
  /** L2 penalty: weightDecay * w is added to the gradient. */
  weightDecay: number;
  /** AdamW's decoupled decay: w -= learningRate * decoupledWeightDecay * w before the Adam step; default 0. */
  decoupledWeightDecay?: number | undefined;
}

export interface RmsPropUpdateParams extends ElementwiseParams {
  learningRate: number;
  /** Decay of the squared-gradient mean (PyTorch's alpha). */
  rho: number;
  epsilon: number;
  /** 0 for none; otherwise the momentum buffer is used. */
  momentum: number;
  /** Divides by the gradient's estimated variance (mean square minus squared mean) instead of its mean square. */
  isCentered: boolean;
  weightDecay: number;
}

export interface AdagradUpdateParams extends ElementwiseParams {
  learningRate: number;
  epsilon: number;
  weightDecay: number;
}

/** Gradient clipping of `size` values: clamp(gradient * scale, -clipValue, clipValue). */
export interface ClipGradientParams extends ElementwiseParams {
  /** Global-norm clipping factor (1 for none). */
  scale: number;
  /** Bound on each value after scaling (Infinity for none). */
  clipValue: number;
}

/** Resolved padding along both axes. */
export interface ResolvedPadding {
  /** Rows added above. */
  padTop: number;
  /** Rows added below. */
  padBottom: number;
  /** Columns added on the left. */
  padLeft: number;
  /** Columns added on the right. */
  padRight: number;
}

/**
 * Resolves a padding spec to explicit amounts. 'same' follows the usual convention (TensorFlow, Keras):
 * total = max((ceil(in / stride) - 1) * stride + k - in, 0), with the odd pixel at the bottom/right.
 */
export function resolvePadding(
  padding: Padding,
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  strideH: number,
  strideW: number,
): ResolvedPadding {
  if (padding === 'valid') return { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
  if (padding === 'same') {
    const totalH = Math.max((Math.ceil(inH / strideH) - 1) * strideH + kH - inH, 0);
    const totalW = Math.max((Math.ceil(inW / strideW) - 1) * strideW + kW - inW, 0);
    const padTop = Math.floor(totalH / 2);
    const padLeft = Math.floor(totalW / 2);
    return { padTop, padBottom: totalH - padTop, padLeft, padRight: totalW - padLeft };
  }
  const amounts =
    typeof padding === 'number'
      ? [padding, padding, padding, padding]
      : padding.length === 2
        ? [padding[0], padding[0], padding[1], padding[1]]
        : padding.length === 4
          ? [...padding]
          : null;
  if (amounts === null || !amounts.every((amount) => Number.isInteger(amount) && amount >= 0)) {
    throw new ValueError(
      `padding must be 'valid', 'same', a non-negative integer, [padH, padW] or [top, bottom, left, right]; ` +
        `got ${JSON.stringify(padding)}`,
    );
  }
  const [padTop, padBottom, padLeft, padRight] = amounts as [number, number, number, number];
  return { padTop, padBottom, padLeft, padRight };
}

/** Output size along one axis: floor((inSize - kSize + padBefore + padAfter) / stride) + 1. */
export function windowOutputSize(
  inSize: number,
  kSize: number,
  stride: number,
  padBefore: number,
  padAfter: number,
): number {
  return Math.floor((inSize - kSize + padBefore + padAfter) / stride) + 1;
}

/**
 * The output-size formula written out with numbers, e.g. "(28 - 5 + 2*2) / 1 + 1 = 28", as errors and
 * summaries show it. Uneven padding is written as the sum of both sides.
 */
export function describeWindowOutputSize(
  inSize: number,
  kSize: number,
  stride: number,
  padBefore: number,
  padAfter: number,
): string {
  const pad = padBefore === padAfter ? `2*${padBefore}` : `${padBefore}+${padAfter}`;
  const numerator = inSize - kSize + padBefore + padAfter;
  const exact = numerator / stride + 1;
  const result = Number.isInteger(exact) ? `${exact}` : `floor(${numerator} / ${stride}) + 1 = ${Math.floor(exact)}`;
  return `(${inSize} - ${kSize} + ${pad}) / ${stride} + 1 = ${result}`;
}

export interface WindowGeometry {
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  /** Default 1. */
  dilationH?: number | undefined;
  dilationW?: number | undefined;
}

/** How many input rows (or columns) a kernel of k taps spaced by `dilation` spans: (k - 1) * dilation + 1. */
export function effectiveKernelSize(k: number, dilation = 1): number {
  return (k - 1) * dilation + 1;
}

/**
 * Computes the full window geometry for an input of inH x inW, or throws a ShapeError that names
 * `layerName` and shows the output-size formula when the window does not fit.
 */
export function windowParams(
  layerName: string,
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  geometry: WindowGeometry,
): WindowParams {
  const { kH, kW, strideH, strideW } = geometry;
  const dilationH = geometry.dilationH ?? 1;
  const dilationW = geometry.dilationW ?? 1;
  // A dilated kernel is sized by the span of its taps (K in the formula).
  const spanH = effectiveKernelSize(kH, dilationH);
  const spanW = effectiveKernelSize(kW, dilationW);
  const pads = resolvePadding(geometry.padding, inH, inW, spanH, spanW, strideH, strideW);
  const outH = windowOutputSize(inH, spanH, strideH, pads.padTop, pads.padBottom);
  const outW = windowOutputSize(inW, spanW, strideW, pads.padLeft, pads.padRight);
  if (outH < 1 || outW < 1) {
    const axis =
      outH < 1
        ? `height: ${describeWindowOutputSize(inH, spanH, strideH, pads.padTop, pads.padBottom)}`
        : `width: ${describeWindowOutputSize(inW, spanW, strideW, pads.padLeft, pads.padRight)}`;
    const dilated =
      dilationH === 1 && dilationW === 1 ? '' : ` dilated by ${dilationH}x${dilationW} (spanning ${spanH}x${spanW})`;
    throw new ShapeError(
      `${layerName}: a ${kH}x${kW} window${dilated} with stride ${strideH}x${strideW} does not fit a ` +
        `${inH}x${inW} input; ` +
        `output size (W - K + 2P) / S + 1 along ${axis}. Use padding 'same', a smaller kernel, or fewer ` +
        `pooling layers before it`,
    );
  }
  // An axis of one output reads one window whatever its stride: stride 1 there keeps a file's hostile
  // stride (2^53 is a valid window) out of the kernels' 32-bit fields. Elsewhere a stride fits in the input.
  const window: WindowParams = {
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    kH,
    kW,
    strideH: outH === 1 ? 1 : strideH,
    strideW: outW === 1 ? 1 : strideW,
    ...pads,
  };
  if (dilationH !== 1 || dilationW !== 1) Object.assign(window, { dilationH, dilationW });
  return window;
}
