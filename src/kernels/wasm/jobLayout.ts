// The job records of the WebAssembly kernels, written once for both sides: the buffers (pointers) first, in
// order, then the scalar fields, in order, each an i32 or an f32 (4 bytes each; assembly/job.ts reads them).
// wasmBackend.ts writes a record from its layout; tools/generateJobFields.mjs turns this table into the
// AssemblyScript constants of assembly/jobFields.ts, so a field's number exists here only.
// Plain data with no imports: the generator loads this file on its own, before the TypeScript build.
// NOTE: the convolutions' assembly (conv2d.ts, depthwise.ts, epilogue.ts) still numbers the fields of their one record,
// `conv2d` below, in its headers; winograd*.ts and the other kernels read theirs by name.

/** The type of a scalar field: a 32-bit integer or a 32-bit float. */
export type JobFieldType = 'i32' | 'f32';

/** One job record layout: buffer names in order, then the scalar fields in order with their types. */
export interface JobLayout {
  /** What the kernels of this layout are (becomes the doc comment of the generated constants). */
  readonly description: string;
  /** Buffer names in field order, starting at field 0; a kernel passes fewer and the rest are 0 (null). */
  readonly buffers: readonly string[];
  /**
   * Whether each thread gets a private scratch area: two fields after the buffers, `scratch` (its base) and
   * `scratchBytes` (bytes per thread; see scratchOf in assembly/job.ts).
   */
  readonly hasScratch?: boolean;
  /** Scalar fields after the buffers (and scratch), in order; a kernel may write only the first ones it needs. */
  readonly fields: readonly (readonly [name: string, type: JobFieldType])[];
}

/** The geometry of a pooling window (PoolGeometry in assembly/job.ts reads these 12 in place). */
const POOL_GEOMETRY = [
  ['batch', 'i32'],
  ['inH', 'i32'],
  ['inW', 'i32'],
  ['channels', 'i32'],
  ['outH', 'i32'],
  ['outW', 'i32'],
  ['kH', 'i32'],
  ['kW', 'i32'],
  ['strideH', 'i32'],
  ['strideW', 'i32'],
  ['padTop', 'i32'],
  ['padLeft', 'i32'],
] as const;

/** Rank of the broadcasting kernels (assembly/broadcast.ts): shapes are folded into this many axes. */
const BROADCAST_RANK = 6;

/** `prefix0` .. `prefix5`: one i32 field per axis of a broadcast shape or strides. */
function axisFields(prefix: string): readonly (readonly [string, 'i32'])[] {
  return Array.from({ length: BROADCAST_RANK }, (_, axis) => [`${prefix}${axis}`, 'i32'] as const);
}

/**
 * Every layout, by name; the generated AssemblyScript names it `<Name>Job` (`activation` -> `ActivationJob`), with
 * one constant per buffer and field: its field number.
 */
export const JOB_LAYOUTS = {
  activation: {
    description:
      'Elementwise activations: Relu, Tanh, Sigmoid, Gelu, Silu (size), LeakyRelu, Elu (alpha), ' +
      'HardSigmoid, HardSwish (alpha, beta).',
    buffers: ['input', 'output'],
    fields: [
      ['size', 'i32'],
      ['alpha', 'f32'],
      ['beta', 'f32'],
    ],
  },
  activationGrad: {
    description:
      'Activation gradients: ReluGrad, GeluGrad, SiluGrad (size), LeakyReluGrad, EluGrad (alpha), ' +
      'HardSigmoidGrad, HardSwishGrad (alpha, beta); SigmoidGrad and TanhGrad read the output as `input`.',
    buffers: ['dOut', 'input', 'dInput'],
    fields: [
      ['size', 'i32'],
      ['alpha', 'f32'],
      ['beta', 'f32'],
    ],
  },
  clip: {
    description: 'Clip: values clamped to [min, max].',
    buffers: ['input', 'output'],
    fields: [
      ['size', 'i32'],
      ['min', 'f32'],
      ['max', 'f32'],
    ],
  },
  clipGrad: {
    description: 'ClipGrad: dOut where the input lies in [min, max], 0 elsewhere.',
    buffers: ['dOut', 'input', 'dInput'],
    fields: [
      ['size', 'i32'],
      ['min', 'f32'],
      ['max', 'f32'],
    ],
  },
  binary: {
    description: 'Add, Multiply: two arrays of one size.',
    buffers: ['a', 'b', 'output'],
    fields: [['size', 'i32']],
  },
  biasAdd: {
    description: 'BiasAdd: a bias per column added to every row.',
    buffers: ['input', 'bias', 'output'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  biasAddGrad: {
    description: 'BiasAddGrad: the column sums of dOut.',
    buffers: ['dOut', 'dBias'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  clipBiasAddGrad: {
    description:
      "ClipBiasAddGrad's pass: ClipGrad through the output (of dOut + addend where addend is not 0), and its column " +
      'sums over each block of blockRows rows (partials [blocks, columns], which biasAddGrad then sums).',
    buffers: ['dOut', 'output', 'dInput', 'partials', 'addend'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['min', 'f32'],
      ['max', 'f32'],
      ['blockRows', 'i32'],
    ],
  },
  copyColumns: {
    description: 'CopyColumns: a block of columns copied between two row-major matrices.',
    buffers: ['source', 'destination'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['sourceStride', 'i32'],
      ['sourceOffset', 'i32'],
      ['destinationStride', 'i32'],
      ['destinationOffset', 'i32'],
    ],
  },
  maxPool2d: {
    description: 'MaxPool2D (argmax 0 in inference).',
    buffers: ['input', 'output', 'argmax'],
    fields: POOL_GEOMETRY,
  },
  maxPool2dBackprop: {
    description: 'MaxPool2DBackprop: each gradient scattered to its argmax.',
    buffers: ['dOut', 'argmax', 'dInput'],
    fields: POOL_GEOMETRY,
  },
  avgPool2d: {
    description:
      'AvgPool2D and AvgPool2DBackprop (input, output read as dOut, dInput); `reserved` is 0, so the geometry ' +
      'starts where max pooling has it.',
    buffers: ['input', 'output', 'reserved'],
    fields: [...POOL_GEOMETRY, ['countIncludePad', 'i32'], ['padBottom', 'i32'], ['padRight', 'i32']],
  },
  zeroPad2d: {
    description: 'ZeroPad2D and ZeroPad2DBackprop (input, output read as dOut, dInput).',
    buffers: ['input', 'output'],
    fields: [
      ['batch', 'i32'],
      ['inH', 'i32'],
      ['inW', 'i32'],
      ['channels', 'i32'],
      ['outH', 'i32'],
      ['outW', 'i32'],
      ['padTop', 'i32'],
      ['padLeft', 'i32'],
    ],
  },
  pow: {
    description: 'Pow: input^exponent.',
    buffers: ['input', 'output'],
    fields: [
      ['size', 'i32'],
      ['exponent', 'f32'],
    ],
  },
  powGrad: {
    description: 'PowGrad: dOut times the slope of input^exponent.',
    buffers: ['dOut', 'input', 'dInput'],
    fields: [
      ['size', 'i32'],
      ['exponent', 'f32'],
    ],
  },
  softmax: {
    description: 'Softmax over the columns of each row.',
    buffers: ['logits', 'output'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  softmaxGrad: {
    description: 'SoftmaxGrad, from the output.',
    buffers: ['dOut', 'output', 'dInput'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  softmaxCrossEntropy: {
    description: "SoftmaxCrossEntropy: the probabilities and each row's loss.",
    buffers: ['logits', 'targets', 'probabilities', 'losses'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['labelSmoothing', 'f32'],
    ],
  },
  softmaxCrossEntropyGrad: {
    description: 'SoftmaxCrossEntropyGrad: dLogits from the probabilities and targets, times scale.',
    buffers: ['probabilities', 'targets', 'dLogits'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['scale', 'f32'],
      ['labelSmoothing', 'f32'],
    ],
  },
  dropout: {
    description:
      'Dropout (and its gradient, input and output read as dOut, dInput): seedHash is lowbias32(seed), ' +
      'threshold a u32, scale 1 / (1 - rate).',
    buffers: ['input', 'output'],
    fields: [
      ['size', 'i32'],
      ['seedHash', 'i32'],
      ['threshold', 'i32'],
      ['scale', 'f32'],
    ],
  },
  channelShuffle: {
    description: "ChannelShuffle: each row's [groups, groupSize] channels transposed.",
    buffers: ['input', 'output'],
    fields: [
      ['rows', 'i32'],
      ['groups', 'i32'],
      ['groupSize', 'i32'],
    ],
  },
  batchNormStats: {
    description: 'BatchNormStats: the mean and variance of each column.',
    buffers: ['input', 'mean', 'variance'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  batchNorm: {
    description: 'BatchNorm: input times scale plus shift, per column.',
    buffers: ['input', 'scale', 'shift', 'output'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  batchNormGrad: {
    description: 'BatchNormGrad (isThroughStatistics 0 or 1).',
    buffers: ['dOut', 'input', 'mean', 'variance', 'gamma', 'dInput', 'dGamma', 'dBeta'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['epsilon', 'f32'],
      ['isThroughStatistics', 'i32'],
    ],
  },
  layerNorm: {
    description: "LayerNorm over the columns of each row, keeping each row's mean and inverse deviation.",
    buffers: ['input', 'gamma', 'beta', 'output', 'mean', 'invStd'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
      ['epsilon', 'f32'],
    ],
  },
  layerNormGrad: {
    description: 'LayerNormGrad.',
    buffers: ['dOut', 'input', 'gamma', 'mean', 'invStd', 'dInput', 'dGamma', 'dBeta'],
    fields: [
      ['rows', 'i32'],
      ['columns', 'i32'],
    ],
  },
  sgdUpdate: {
    description: 'SgdUpdate (isNesterov 0 or 1).',
    buffers: ['weights', 'gradient', 'velocity'],
    fields: [
      ['size', 'i32'],
      ['learningRate', 'f32'],
      ['momentum', 'f32'],
      ['isNesterov', 'i32'],
      ['weightDecay', 'f32'],
    ],
  },
  adamUpdate: {
    description: 'AdamUpdate: firstCorrection is 1 - beta1^step, secondCorrection 1 - beta2^step.',
    buffers: ['weights', 'gradient', 'firstMoment', 'secondMoment'],
    fields: [
      ['size', 'i32'],
      ['learningRate', 'f32'],
      ['beta1', 'f32'],
      ['beta2', 'f32'],
      ['epsilon', 'f32'],
      ['firstCorrection', 'f32'],
      ['secondCorrection', 'f32'],
      ['weightDecay', 'f32'],
      ['decoupledWeightDecay', 'f32'],
    ],
  },
  rmsPropUpdate: {
    description:
      'RmsPropUpdate: momentumBuffer 0 without momentum, gradientAverage 0 unless centered (isCentered 0 or 1).',
    buffers: ['weights', 'gradient', 'squareAverage', 'momentumBuffer', 'gradientAverage'],
    fields: [
      ['size', 'i32'],
      ['learningRate', 'f32'],
      ['rho', 'f32'],
      ['epsilon', 'f32'],
      ['momentum', 'f32'],
      ['isCentered', 'i32'],
      ['weightDecay', 'f32'],
    ],
  },
  adagradUpdate: {
    description: 'AdagradUpdate.',
    buffers: ['weights', 'gradient', 'accumulator'],
    fields: [
      ['size', 'i32'],
      ['learningRate', 'f32'],
      ['epsilon', 'f32'],
      ['weightDecay', 'f32'],
    ],
  },
  sumOfSquares: {
    description: 'SumOfSquares: one f32 output.',
    buffers: ['input', 'output'],
    fields: [['size', 'i32']],
  },
  clipGradient: {
    description: 'ClipGradient: gradient times scale, then clamped to [-clipValue, clipValue].',
    buffers: ['gradient', 'output'],
    fields: [
      ['size', 'i32'],
      ['scale', 'f32'],
      ['clipValue', 'f32'],
    ],
  },
  matMul: {
    description: 'MatMul: output [m, n] = a [m, k] (or transposed) times b [k, n] (or transposed).',
    buffers: ['a', 'b', 'output'],
    hasScratch: true,
    fields: [
      ['m', 'i32'],
      ['k', 'i32'],
      ['n', 'i32'],
      ['transposeA', 'i32'],
      ['transposeB', 'i32'],
    ],
  },
  broadcastArithmetic: {
    description:
      'BroadcastArithmetic: operation 0 add, 1 subtract, 2 multiply, 3 divide, 4 minimum, 5 maximum, 6 selection ' +
      "weight; the shape folded into 6 axes and both operands' strides over it, in values.",
    buffers: ['a', 'b', 'output'],
    fields: [['operation', 'i32'], ...axisFields('shape'), ...axisFields('aStride'), ...axisFields('bStride')],
  },
  reduceSumTo: {
    description: "ReduceSumTo: the input's shape folded into 6 axes and the output's strides over it, in values.",
    buffers: ['input', 'output'],
    fields: [...axisFields('shape'), ...axisFields('outStride')],
  },
  widenChannels: {
    description: 'widenChannels: input [pixels, channels] (1 to 3) to output [pixels, 4], the added channels zero.',
    buffers: ['input', 'output'],
    fields: [
      ['pixels', 'i32'],
      ['channels', 'i32'],
    ],
  },
  spaceToDepth2: {
    description:
      'spaceToDepth2: input [batch, inH, inW, channels] to its phase image output [batch, outH, outW, 4 channels], ' +
      'channel (2 py + px) channels + c of pixel (i, j) from input (2 i + py - padTop, 2 j + px - padLeft, c), ' +
      'zero outside the input.',
    buffers: ['input', 'output'],
    fields: [
      ['batch', 'i32'],
      ['inH', 'i32'],
      ['inW', 'i32'],
      ['channels', 'i32'],
      ['outH', 'i32'],
      ['outW', 'i32'],
      ['padTop', 'i32'],
      ['padLeft', 'i32'],
    ],
  },
  conv2d: {
    description:
      'The convolutions, one record for every pass and algorithm (assembly/conv2d.ts, winograd.ts, winograd4.ts, ' +
      'depthwise.ts): buffers input, filter, bias, output as the forward pass names them (dOut, filter, 0, ' +
      'dInput and input, dOut, dFilter for the gradients); panelRows is the im2col panel rows or the Winograd ' +
      'tiles per chunk; the geometry from batch to padLeft is read in place (convGeometryOf); variant is ' +
      "Winograd's isBackpropInput or depthwise's isFlipped; residual to beta the epilogue (epilogue.ts); option " +
      "is conv2d's input scale (a pointer) or Winograd's isSplitByColumns; expansionFilter to expansionBeta the 1x1 " +
      'expansion before a depthwise convolution (expandedDepthwise.ts: its packed filter, bias, input channels and ' +
      'epilogue, whose residual is 0); projectionFilter to projectionBeta the 1x1 projection after it (its packed ' +
      'filter, bias, output channels and epilogue, with the residual); poolOutH to poolPadLeft the max pool that ' +
      'alone reads the output (winogradPolyphase.ts: conv2dWinogradPolyphaseMaxPool).',
    buffers: ['input', 'filter', 'bias', 'output'],
    hasScratch: true,
    fields: [
      ['panelRows', 'i32'],
      ['batch', 'i32'],
      ['inH', 'i32'],
      ['inW', 'i32'],
      ['inC', 'i32'],
      ['outH', 'i32'],
      ['outW', 'i32'],
      ['outC', 'i32'],
      ['kH', 'i32'],
      ['kW', 'i32'],
      ['strideH', 'i32'],
      ['strideW', 'i32'],
      ['padTop', 'i32'],
      ['padLeft', 'i32'],
      ['variant', 'i32'],
      ['unused', 'i32'],
      ['dilationH', 'i32'],
      ['dilationW', 'i32'],
      ['groups', 'i32'],
      ['residual', 'i32'],
      ['activation', 'i32'],
      ['alpha', 'f32'],
      ['beta', 'f32'],
      ['isPreparedFilter', 'i32'],
      ['option', 'i32'],
      ['expansionFilter', 'i32'],
      ['expansionBias', 'i32'],
      ['expansionInC', 'i32'],
      ['expansionResidual', 'i32'],
      ['expansionActivation', 'i32'],
      ['expansionAlpha', 'f32'],
      ['expansionBeta', 'f32'],
      ['projectionFilter', 'i32'],
      ['projectionBias', 'i32'],
      ['projectionOutC', 'i32'],
      ['projectionResidual', 'i32'],
      ['projectionActivation', 'i32'],
      ['projectionAlpha', 'f32'],
      ['projectionBeta', 'f32'],
      ['poolOutH', 'i32'],
      ['poolOutW', 'i32'],
      ['poolKH', 'i32'],
      ['poolKW', 'i32'],
      ['poolStrideH', 'i32'],
      ['poolStrideW', 'i32'],
      ['poolPadTop', 'i32'],
      ['poolPadLeft', 'i32'],
    ],
  },
  resize2d: {
    description:
      'Resize2D and Resize2DBackprop (input, output read as dOut, dInput): mode 0 nearest, 1 bilinear; ' +
      'coordinates and nearestRounding are indices in RESIZE_COORDINATES and NEAREST_ROUNDINGS.',
    buffers: ['input', 'output'],
    hasScratch: true,
    fields: [
      ['batch', 'i32'],
      ['inH', 'i32'],
      ['inW', 'i32'],
      ['channels', 'i32'],
      ['outH', 'i32'],
      ['outW', 'i32'],
      ['scaleH', 'f32'],
      ['scaleW', 'f32'],
      ['mode', 'i32'],
      ['coordinates', 'i32'],
      ['nearestRounding', 'i32'],
    ],
  },
} as const satisfies Record<string, JobLayout>;

/** The name of a layout of JOB_LAYOUTS. */
export type JobLayoutName = keyof typeof JOB_LAYOUTS;
