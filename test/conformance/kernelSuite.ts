// The kernel parity suite: every kernel id (src/kernels/ids.ts) dispatched through runKernel on the
// backend under test, on seeded random shapes and values (strides, paddings, dilations, groups, fused
// activations, ties and NaN), against the same dispatch on the reference backend. Outputs are
// allocated by the backend (unwritten values show as garbage); max-pool's argmax, which a device backend
// keeps to itself, is checked through MaxPool2DBackprop. Each case states its tolerance.
// test/browser/webgpuKernelsPage.ts keeps the WebGPU-only checks (each algorithm of a convolution forced,
// split-K, two grid axes); the last case fails where a kernel id has no case here.

import { Random } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { runKernel } from '../../src/kernels/dispatch.js';
import { KERNEL_IDS, type KernelId } from '../../src/kernels/ids.js';
import {
  ARITHMETIC_OPERATIONS,
  type Conv2DParams,
  ceilWindowOutputSize,
  type FusedActivation,
  type Pool2DParams,
  windowOutputSize,
} from '../../src/kernels/params.js';
import { allocateIndices, allocateTensor } from '../../src/ops/allocate.js';
import { broadcastParams, reduceSumToParams } from '../../src/ops/broadcast.js';
import { resize2dParams } from '../../src/ops/resize2d.js';
import { zeroPadParams } from '../../src/ops/zeroPad2d.js';
import { assertOutputsClose, check, type ConformanceCase, onBackend, readAll, type Tolerance } from './conformance.js';

/** A seeded source of shapes and values for one case. */
class Draw {
  private readonly random: Random;
  constructor(seed: number) {
    this.random = new Random(seed);
  }
  /** An integer in [low, high]. */
  integer(low: number, high: number): number {
    return low + this.random.integer(high - low + 1);
  }
  pick<T>(values: readonly T[]): T {
    return values[this.random.integer(values.length)]!;
  }
  /** A float32 tensor of `shape`, values uniform in [-scale, scale) plus offset. */
  tensor(shape: readonly number[], scale = 1, offset = 0): Tensor {
    const size = shape.reduce((product, extent) => product * extent, 1);
    const values = new Float32Array(size);
    for (let index = 0; index < size; index++) values[index] = offset + (this.random.uniform() * 2 - 1) * scale;
    return new Tensor(values, shape);
  }
}

/** An output the backend allocates (its contents unspecified until the kernel writes it). */
function output(shape: readonly number[]): Tensor {
  return allocateTensor(shape, 'float32');
}

interface KernelCaseSpec {
  name: string;
  /** The kernel ids the case dispatches. */
  ids: readonly KernelId[];
  tolerance: Tolerance | ((output: string) => Tolerance);
  /** Dispatches the kernels on the active backend and returns the tensors to compare. */
  compute(): Record<string, Tensor>;
}

function kernelCase(spec: KernelCaseSpec): ConformanceCase {
  return {
    suite: 'kernel',
    name: spec.name,
    async run(context) {
      const actual = await readAll(spec.compute());
      const expected = await onBackend('reference', () => readAll(spec.compute()));
      assertOutputsClose(actual, expected, spec.tolerance, spec.name, [context.label, 'reference']);
      return undefined;
    },
  };
}

const EXACT: Tolerance = { absolute: 0, relative: 0 };
const ELEMENTWISE: Tolerance = { absolute: 1e-6, relative: 1e-5 };
/** Sums of a few hundred products of values in [-1, 1) in another order. */
const SUMS: Tolerance = { absolute: 1e-4, relative: 1e-4 };

function matMulCase(m: number, k: number, n: number): KernelCaseSpec {
  return {
    name: `MatMul ${m}x${k} by ${k}x${n}, every transpose`,
    ids: ['MatMul'],
    tolerance: SUMS,
    compute() {
      const draw = new Draw(m * 10_000 + k * 100 + n);
      const outputs: Record<string, Tensor> = {};
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const a = draw.tensor(transposeA ? [k, m] : [m, k]);
          const b = draw.tensor(transposeB ? [n, k] : [k, n]);
          const product = output([m, n]);
          runKernel('MatMul', a, b, product, { m, k, n, transposeA, transposeB });
          outputs[`transposeA ${transposeA}, transposeB ${transposeB}`] = product;
        }
      }
      return outputs;
    },
  };
}

const FUSED: readonly (FusedActivation | undefined)[] = [
  undefined,
  { kind: 'relu' },
  { kind: 'sigmoid' },
  { kind: 'silu' },
  { kind: 'clip', min: 0, max: 0.5 },
  { kind: 'leakyRelu', alpha: 0.1 },
  { kind: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 },
  { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 },
];

/** A random convolution geometry with outH, outW >= 1 (as webgpuKernelsPage.ts draws them). */
function convParams(draw: Draw, kind: 'grouped' | 'depthwise' | 'wide'): Conv2DParams {
  for (;;) {
    const batch = draw.integer(1, 2);
    const inH = draw.integer(1, kind === 'wide' ? 12 : 9);
    const inW = draw.integer(1, kind === 'wide' ? 12 : 9);
    const groups = kind === 'depthwise' ? draw.integer(1, 6) : kind === 'wide' ? 1 : draw.pick([1, 1, 2, 3]);
    const inC =
      kind === 'depthwise'
        ? groups
        : kind === 'wide'
          ? draw.pick([draw.integer(1, 9), 17])
          : groups * draw.integer(1, 4);
    const outC =
      kind === 'depthwise'
        ? groups * draw.integer(1, 2)
        : kind === 'wide'
          ? draw.integer(16, 40)
          : groups * draw.integer(1, 5);
    const kH = draw.integer(1, 3);
    const kW = draw.integer(1, 3);
    const strideH = draw.integer(1, 2);
    const strideW = draw.integer(1, 2);
    const dilationH = draw.integer(1, 2);
    const dilationW = draw.integer(1, 2);
    const padTop = draw.integer(0, 2);
    const padBottom = draw.integer(0, 2);
    const padLeft = draw.integer(0, 2);
    const padRight = draw.integer(0, 2);
    const outH = windowOutputSize(inH, (kH - 1) * dilationH + 1, strideH, padTop, padBottom);
    const outW = windowOutputSize(inW, (kW - 1) * dilationW + 1, strideW, padLeft, padRight);
    if (outH < 1 || outW < 1) continue;
    const geometry = { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW };
    return { ...geometry, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups };
  }
}

function convCase(index: number): KernelCaseSpec {
  const kind = index % 4 === 3 ? 'depthwise' : index % 3 === 0 ? 'wide' : 'grouped';
  const activation = FUSED[index % FUSED.length];
  const hasBias = index % 2 === 0;
  const hasResidual = index % 3 === 1;
  const hasInputScale = index % 5 === 2;
  const flags = [
    activation?.kind ?? 'no activation',
    hasBias ? 'bias' : 'no bias',
    ...(hasResidual ? ['residual'] : []),
    ...(hasInputScale ? ['input scale'] : []),
  ];
  return {
    name: `Conv2D and its backprops, draw ${index} (${kind}; ${flags.join(', ')})`,
    ids: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    tolerance: SUMS,
    compute() {
      const draw = new Draw(1000 + index);
      const base = convParams(draw, kind);
      const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
      const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
      const outShape = [batch, outH, outW, outC];
      const input = draw.tensor([batch, inH, inW, inC]);
      const filter = draw.tensor([kH, kW, inC / (params.groups ?? 1), outC]);
      const bias = hasBias ? draw.tensor([outC]) : null;
      const residual = hasResidual ? draw.tensor(outShape) : null;
      const inputScale = hasInputScale ? draw.tensor([batch, inC]) : null;
      const forward = output(outShape);
      runKernel('Conv2D', input, filter, bias, forward, params, residual, inputScale);
      const dOut = draw.tensor(outShape);
      const dInput = output(input.shape);
      runKernel('Conv2DBackpropInput', dOut, filter, dInput, base);
      const dFilter = output(filter.shape);
      runKernel('Conv2DBackpropFilter', input, dOut, dFilter, base);
      return { output: forward, dInput, dFilter };
    },
  };
}

function poolParams(draw: Draw): Pool2DParams {
  for (;;) {
    const kH = draw.integer(1, 3);
    const kW = draw.integer(1, 3);
    const strideH = draw.integer(1, 3);
    const strideW = draw.integer(1, 3);
    const inH = draw.integer(1, 9);
    const inW = draw.integer(1, 9);
    const padTop = draw.integer(0, kH - 1);
    const padBottom = draw.integer(0, kH - 1);
    const padLeft = draw.integer(0, kW - 1);
    const padRight = draw.integer(0, kW - 1);
    const outSize = draw.integer(0, 1) === 1 ? ceilWindowOutputSize : windowOutputSize;
    const outH = outSize(inH, kH, strideH, padTop, padBottom);
    const outW = outSize(inW, kW, strideW, padLeft, padRight);
    if (outH < 1 || outW < 1) continue;
    const common = {
      batch: draw.integer(1, 2),
      inH,
      inW,
      inC: draw.integer(1, 6),
      outH,
      outW,
      kH,
      kW,
      strideH,
      strideW,
    };
    return { ...common, padTop, padBottom, padLeft, padRight, countIncludePad: draw.integer(0, 1) === 1 };
  }
}

function poolCase(index: number): KernelCaseSpec {
  const hasTies = index % 3 === 1;
  const hasNaN = index % 4 === 2;
  return {
    name: `pooling, draw ${index}${hasTies ? ', ties' : ''}${hasNaN ? ', a NaN' : ''}`,
    ids: ['MaxPool2D', 'MaxPool2DBackprop', 'AvgPool2D', 'AvgPool2DBackprop'],
    tolerance: (name) => (name.startsWith('max') ? EXACT : ELEMENTWISE),
    compute() {
      const draw = new Draw(2000 + index);
      const params = poolParams(draw);
      const { batch, inH, inW, inC, outH, outW } = params;
      const input = draw.tensor([batch, inH, inW, inC]);
      const values = input.dataSync();
      // Values on a grid of halves tie; NaN wins over everything; the first maximum wins a tie.
      if (hasTies) for (let at = 0; at < values.length; at++) values[at] = Math.round(values[at]! * 2) / 2;
      if (hasNaN) values[draw.integer(0, values.length - 1)] = Number.NaN;
      const outShape = [batch, outH, outW, inC];
      const maximum = output(outShape);
      const argmax = allocateIndices(maximum.size);
      runKernel('MaxPool2D', input, maximum, argmax, params);
      const maximumOnly = output(outShape);
      runKernel('MaxPool2D', input, maximumOnly, null, params);
      const dOut = draw.tensor(outShape);
      const maxDInput = output(input.shape);
      runKernel('MaxPool2DBackprop', dOut, argmax, maxDInput, params);
      const average = output(outShape);
      runKernel('AvgPool2D', input, average, params);
      const averageDInput = output(input.shape);
      runKernel('AvgPool2DBackprop', dOut, averageDInput, params);
      return {
        'max output': maximum,
        'max output without argmax': maximumOnly,
        'max dInput': maxDInput,
        average,
        averageDInput,
      };
    },
  };
}

function biasCase(rows: number, columns: number): KernelCaseSpec {
  return {
    name: `BiasAdd, BiasAddGrad, ClipBiasAddGrad ${rows}x${columns}`,
    ids: ['BiasAdd', 'BiasAddGrad', 'ClipBiasAddGrad'],
    tolerance: (name) => (name === 'sum' || name === 'clip dInput' ? EXACT : SUMS),
    compute() {
      const draw = new Draw(3000 + rows * 100 + columns);
      const params = { rows, columns };
      const input = draw.tensor([rows, columns]);
      const bias = draw.tensor([columns]);
      const forward = draw.tensor([rows, columns], 2);
      const sum = output([rows, columns]);
      runKernel('BiasAdd', input, bias, sum, params);
      const dBias = output([columns]);
      runKernel('BiasAddGrad', input, dBias, params);
      const clipDInput = output([rows, columns]);
      const clipDBias = output([columns]);
      runKernel('ClipBiasAddGrad', input, forward, clipDInput, clipDBias, { rows, columns, min: 0, max: 1 });
      return { sum, dBias, 'clip dInput': clipDInput, 'clip dBias': clipDBias };
    },
  };
}

const ACTIVATIONS = [
  'Relu',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'Elu',
  'Gelu',
  'Silu',
  'Clip',
  'HardSigmoid',
  'HardSwish',
] as const;

/** PyTorch's defaults (variant 0) and one other setting. */
function activationParams(id: (typeof ACTIVATIONS)[number], size: number, variant: number): Record<string, number> {
  if (id === 'LeakyRelu') return { size, alpha: variant === 0 ? 0.01 : 0.3 };
  if (id === 'Elu') return { size, alpha: variant === 0 ? 1 : 0.5 };
  if (id === 'Clip') return variant === 0 ? { size, min: 0, max: 6 } : { size, min: -0.5, max: Infinity };
  if (id === 'HardSigmoid' || id === 'HardSwish')
    return variant === 0 ? { size, alpha: Math.fround(1 / 6), beta: 0.5 } : { size, alpha: 0.2, beta: 0.5 };
  return { size };
}

function activationCase(variant: number): KernelCaseSpec {
  return {
    name: `activations and their gradients, ${variant === 0 ? "PyTorch's defaults" : 'other parameters'}, kinks and NaN`,
    ids: [...ACTIVATIONS, ...ACTIVATIONS.map((id) => `${id}Grad` as KernelId)],
    tolerance: ELEMENTWISE,
    compute() {
      const draw = new Draw(4000 + variant);
      const size = 1029;
      const input = draw.tensor([size], 12);
      const values = input.dataSync();
      for (const [at, value] of [0, 3, -3, 6, -0.5, 1e-3, -1e-3, 20, -20, Number.NaN].entries()) values[at] = value;
      const dOut = draw.tensor([size]);
      const outputs: Record<string, Tensor> = {};
      for (const id of ACTIVATIONS) {
        const params = activationParams(id, size, variant);
        const forward = output([size]);
        const dispatch = runKernel as (kernel: string, ...args: unknown[]) => void;
        dispatch(id, input, forward, params);
        // Sigmoid's and tanh's gradients read the forward output, the others the input.
        const saved = id === 'Sigmoid' || id === 'Tanh' ? forward : input;
        const dInput = output([size]);
        dispatch(`${id}Grad`, dOut, saved, dInput, params);
        outputs[id] = forward;
        outputs[`${id}Grad`] = dInput;
      }
      return outputs;
    },
  };
}

function softmaxCase(rows: number, columns: number, labelSmoothing: number): KernelCaseSpec {
  return {
    name: `softmax and its cross-entropy ${rows}x${columns}, label smoothing ${labelSmoothing}`,
    ids: ['Softmax', 'SoftmaxGrad', 'SoftmaxCrossEntropy', 'SoftmaxCrossEntropyGrad'],
    tolerance: { absolute: 1e-6, relative: 1e-5 },
    compute() {
      const draw = new Draw(5000 + rows + columns);
      const params = { rows, columns };
      const logits = draw.tensor([rows, columns], 8);
      const dOut = draw.tensor([rows, columns]);
      // One-hot rows, probability rows, and rows of zeros (their sum 0).
      const targetValues = new Float32Array(rows * columns);
      for (let row = 0; row < rows; row++) {
        if (row % 3 === 0) targetValues[row * columns + draw.integer(0, columns - 1)] = 1;
        else if (row % 3 === 1)
          for (let column = 0; column < columns; column++)
            targetValues[row * columns + column] = draw.integer(1, 9) / 10 / columns;
      }
      const targets = new Tensor(targetValues, [rows, columns]);
      const probabilities = output([rows, columns]);
      runKernel('Softmax', logits, probabilities, params);
      const dInput = output([rows, columns]);
      runKernel('SoftmaxGrad', dOut, probabilities, dInput, params);
      const crossEntropyParams = { rows, columns, labelSmoothing };
      const fusedProbabilities = output([rows, columns]);
      const losses = output([rows]);
      runKernel('SoftmaxCrossEntropy', logits, targets, fusedProbabilities, losses, crossEntropyParams);
      const dLogits = output([rows, columns]);
      runKernel('SoftmaxCrossEntropyGrad', fusedProbabilities, targets, dLogits, {
        ...crossEntropyParams,
        scale: 1 / rows,
      });
      return { probabilities, dInput, 'fused probabilities': fusedProbabilities, losses, dLogits };
    },
  };
}

function normalizationCase(rows: number, columns: number): KernelCaseSpec {
  return {
    name: `batch and layer normalization ${rows}x${columns}`,
    ids: ['BatchNormStats', 'BatchNorm', 'BatchNormGrad', 'LayerNorm', 'LayerNormGrad'],
    tolerance: { absolute: 1e-4, relative: 1e-4 },
    compute() {
      const draw = new Draw(6000 + rows + columns);
      const params = { rows, columns };
      const input = draw.tensor([rows, columns], 3, 1);
      const dOut = draw.tensor([rows, columns]);
      const gamma = draw.tensor([columns]);
      const beta = draw.tensor([columns]);
      const mean = output([columns]);
      const variance = output([columns]);
      runKernel('BatchNormStats', input, mean, variance, params);
      const normalized = output([rows, columns]);
      runKernel('BatchNorm', input, gamma, beta, normalized, params);
      const outputs: Record<string, Tensor> = { mean, variance, 'batch norm': normalized };
      for (const isThroughStatistics of [true, false]) {
        const dInput = output([rows, columns]);
        const dGamma = output([columns]);
        const dBeta = output([columns]);
        const gradParams = { rows, columns, epsilon: 1e-3, isThroughStatistics };
        runKernel('BatchNormGrad', dOut, input, mean, variance, gamma, dInput, dGamma, dBeta, gradParams);
        Object.assign(outputs, {
          [`batch dInput ${isThroughStatistics}`]: dInput,
          [`batch dGamma ${isThroughStatistics}`]: dGamma,
          [`batch dBeta ${isThroughStatistics}`]: dBeta,
        });
      }
      const layerParams = { rows, columns, epsilon: 1e-5 };
      const layerOutput = output([rows, columns]);
      const rowMean = output([rows]);
      const invStd = output([rows]);
      runKernel('LayerNorm', input, gamma, beta, layerOutput, rowMean, invStd, layerParams);
      const dInput = output([rows, columns]);
      const dGamma = output([columns]);
      const dBeta = output([columns]);
      runKernel('LayerNormGrad', dOut, input, gamma, rowMean, invStd, dInput, dGamma, dBeta, layerParams);
      return { ...outputs, 'layer norm': layerOutput, 'row mean': rowMean, invStd, dInput, dGamma, dBeta };
    },
  };
}

const elementwiseCase: KernelCaseSpec = {
  name: 'Add, Multiply, Pow, PowGrad, Dropout, ClipGradient, SumOfSquares',
  ids: ['Add', 'Multiply', 'Pow', 'PowGrad', 'Dropout', 'ClipGradient', 'SumOfSquares'],
  tolerance: (name) => (name === 'sum of squares' ? SUMS : ELEMENTWISE),
  compute() {
    const draw = new Draw(7000);
    const size = 1003;
    const a = draw.tensor([size]);
    const b = draw.tensor([size]);
    const positive = draw.tensor([size], 0.5, 1);
    const outputs: Record<string, Tensor> = {};
    outputs.sum = output([size]);
    runKernel('Add', a, b, outputs.sum, { size });
    outputs.product = output([size]);
    runKernel('Multiply', a, b, outputs.product, { size });
    for (const exponent of [2, 3, 0.5, -1.5]) {
      const base = exponent === 2 || exponent === 3 ? a : positive;
      const power = output([size]);
      runKernel('Pow', base, power, { size, exponent });
      const dInput = output([size]);
      runKernel('PowGrad', b, base, dInput, { size, exponent });
      outputs[`pow ${exponent}`] = power;
      outputs[`pow ${exponent} gradient`] = dInput;
    }
    for (const rate of [0.1, 0.5]) {
      const dropped = output([size]);
      runKernel('Dropout', a, dropped, { size, rate, seed: 12345 + rate * 10 });
      outputs[`dropout ${rate}`] = dropped;
    }
    outputs.clipped = output([size]);
    runKernel('ClipGradient', a, outputs.clipped, { size, scale: 1.5, clipValue: 0.7 });
    outputs['sum of squares'] = output([1]);
    runKernel('SumOfSquares', a, outputs['sum of squares'], { size });
    return outputs;
  },
};

const broadcastCase: KernelCaseSpec = {
  name: 'BroadcastArithmetic (every operation) and ReduceSumTo',
  ids: ['BroadcastArithmetic', 'ReduceSumTo'],
  tolerance: ELEMENTWISE,
  compute() {
    const draw = new Draw(8000);
    const outputs: Record<string, Tensor> = {};
    const shapes: [number[], number[]][] = [
      [
        [2, 3, 4, 5],
        [1, 1, 4, 1],
      ],
      [
        [3, 1, 5],
        [4, 1],
      ],
      [[6], [6]],
    ];
    for (const [aShape, bShape] of shapes) {
      const a = draw.tensor(aShape);
      // Denominators away from zero; a tie for maximum, minimum and their selection weights.
      const b = draw.tensor(bShape, 0.5, 1);
      b.dataSync()[0] = a.dataSync()[0]!;
      for (const operation of ARITHMETIC_OPERATIONS) {
        const params = broadcastParams(operation, aShape, bShape);
        const result = output(params.shape);
        runKernel('BroadcastArithmetic', a, b, result, params);
        outputs[`${operation} ${aShape} and ${bShape}`] = result;
      }
      const big = draw.tensor(broadcastParams('add', aShape, bShape).shape);
      const fullShape = aShape.length >= bShape.length ? aShape : bShape;
      const reduced = output(bShape);
      runKernel('ReduceSumTo', big, reduced, reduceSumToParams(big.shape, bShape));
      outputs[`reduceSumTo ${bShape} from ${fullShape}`] = reduced;
    }
    return outputs;
  },
};

const layoutCase: KernelCaseSpec = {
  name: 'CopyColumns, ChannelShuffle, ZeroPad2D, Resize2D and their backprops',
  ids: ['CopyColumns', 'ChannelShuffle', 'ZeroPad2D', 'ZeroPad2DBackprop', 'Resize2D', 'Resize2DBackprop'],
  tolerance: ELEMENTWISE,
  compute() {
    const draw = new Draw(9000);
    const outputs: Record<string, Tensor> = {};
    const source = draw.tensor([7, 5]);
    // CopyColumns leaves the rest of its destination alone: the destination starts with known values.
    const destination = draw.tensor([7, 9]);
    runKernel('CopyColumns', source, destination, {
      rows: 7,
      columns: 3,
      sourceStride: 5,
      sourceOffset: 1,
      destinationStride: 9,
      destinationOffset: 4,
    });
    outputs['copied columns'] = destination;
    const channels = draw.tensor([10, 12]);
    outputs.shuffled = output([10, 12]);
    runKernel('ChannelShuffle', channels, outputs.shuffled, { rows: 10, groups: 3, groupSize: 4 });
    const image = draw.tensor([2, 5, 4, 3]);
    for (const padding of [1, [2, 0, 1, 3]] as const) {
      const params = zeroPadParams(image.shape, padding as never);
      const padded = output([2, params.outH, params.outW, 3]);
      runKernel('ZeroPad2D', image, padded, params);
      const dInput = output(image.shape);
      runKernel('ZeroPad2DBackprop', draw.tensor(padded.shape), dInput, params);
      outputs[`padded ${padding}`] = padded;
      outputs[`padded ${padding} dInput`] = dInput;
    }
    const resizes = [
      { mode: 'bilinear', size: [7, 9] },
      { mode: 'bilinear', size: [3, 2], coordinates: 'align_corners' },
      { mode: 'nearest', scale: 2 },
      { mode: 'nearest', size: [4, 7], coordinates: 'half_pixel', nearestRounding: 'round_prefer_ceil' },
    ] as const;
    for (const options of resizes) {
      const params = resize2dParams(image.shape, options as never);
      const resized = output([2, params.outH, params.outW, 3]);
      runKernel('Resize2D', image, resized, params);
      const dInput = output(image.shape);
      runKernel('Resize2DBackprop', draw.tensor(resized.shape), dInput, params);
      const label = JSON.stringify(options);
      outputs[`resize ${label}`] = resized;
      outputs[`resize ${label} dInput`] = dInput;
    }
    return outputs;
  },
};

const optimizerCase: KernelCaseSpec = {
  name: 'SgdUpdate, AdamUpdate, RmsPropUpdate, AdagradUpdate',
  ids: ['SgdUpdate', 'AdamUpdate', 'RmsPropUpdate', 'AdagradUpdate'],
  tolerance: { absolute: 1e-6, relative: 1e-5 },
  compute() {
    const draw = new Draw(10_000);
    const size = 517;
    const outputs: Record<string, Tensor> = {};
    const state = (scale = 0.1, offset = 0) => draw.tensor([size], scale, offset);
    for (const isNesterov of [false, true]) {
      const weights = state(1);
      const velocity = state();
      runKernel('SgdUpdate', weights, state(1), velocity, {
        size,
        learningRate: 0.1,
        momentum: 0.9,
        isNesterov,
        weightDecay: 0.01,
      });
      Object.assign(outputs, { [`sgd weights ${isNesterov}`]: weights, [`sgd velocity ${isNesterov}`]: velocity });
    }
    for (const decoupledWeightDecay of [0, 0.01]) {
      const weights = state(1);
      const first = state();
      const second = state(0.05, 0.05);
      runKernel('AdamUpdate', weights, state(1), first, second, {
        size,
        learningRate: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        step: 3,
        weightDecay: 0.001,
        decoupledWeightDecay,
      });
      Object.assign(outputs, {
        [`adam weights ${decoupledWeightDecay}`]: weights,
        [`adam first ${decoupledWeightDecay}`]: first,
        [`adam second ${decoupledWeightDecay}`]: second,
      });
    }
    for (const [momentum, isCentered] of [
      [0, false],
      [0.9, true],
    ] as const) {
      const weights = state(1);
      const squareAverage = state(0.05, 0.05);
      const momentumBuffer = momentum > 0 ? state() : null;
      const gradientAverage = isCentered ? state(0.01) : null;
      const params = { size, learningRate: 0.01, rho: 0.9, epsilon: 1e-7, momentum, isCentered, weightDecay: 0 };
      runKernel('RmsPropUpdate', weights, state(1), squareAverage, momentumBuffer, gradientAverage, params);
      outputs[`rmsprop weights ${momentum}`] = weights;
      outputs[`rmsprop square average ${momentum}`] = squareAverage;
      if (momentumBuffer !== null) outputs[`rmsprop momentum ${momentum}`] = momentumBuffer;
      if (gradientAverage !== null) outputs[`rmsprop gradient average ${momentum}`] = gradientAverage;
    }
    const weights = state(1);
    const accumulator = state(0.05, 0.1);
    runKernel('AdagradUpdate', weights, state(1), accumulator, {
      size,
      learningRate: 0.1,
      epsilon: 1e-7,
      weightDecay: 0,
    });
    return { ...outputs, 'adagrad weights': weights, 'adagrad accumulator': accumulator };
  },
};

function kernelSpecs(): KernelCaseSpec[] {
  return [
    ...[
      [1, 1, 1],
      [3, 5, 7],
      [65, 17, 63],
      [20, 70, 9],
    ].map(([m, k, n]) => matMulCase(m!, k!, n!)),
    ...Array.from({ length: 12 }, (_, index) => convCase(index)),
    ...Array.from({ length: 8 }, (_, index) => poolCase(index)),
    biasCase(7, 3),
    biasCase(300, 17),
    activationCase(0),
    activationCase(1),
    softmaxCase(4, 10, 0),
    softmaxCase(9, 37, 0.1),
    softmaxCase(130, 5, 0.2),
    normalizationCase(8, 3),
    normalizationCase(300, 17),
    elementwiseCase,
    broadcastCase,
    layoutCase,
    optimizerCase,
  ];
}

/** The kernel parity cases, then the check that every kernel id has one. */
export function kernelCases(): ConformanceCase[] {
  const specs = kernelSpecs();
  return [
    ...specs.map(kernelCase),
    {
      suite: 'kernel',
      name: 'every kernel id has a case',
      async run() {
        const covered = new Set(specs.flatMap((spec) => spec.ids));
        const missing = KERNEL_IDS.filter((id) => !covered.has(id));
        check(
          missing.length === 0,
          `kernel ids without a case in test/conformance/kernelSuite.ts: ${missing.join(', ')}`,
        );
        return `${KERNEL_IDS.length} kernel ids`;
      },
    },
  ];
}
