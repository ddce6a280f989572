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
  BROADCAST_RANK,
  type Conv2DParams,
  ceilWindowOutputSize,
  type FusedActivation,
  NEAREST_ROUNDINGS,
  type Pool2DParams,
  RESIZE_COORDINATES,
  type Resize2DParams,
  windowOutputSize,
} from '../../src/kernels/params.js';
import { allocateIndices, allocateTensor } from '../../src/ops/allocate.js';
import {
  assertOutputsClose,
  check,
  type ConformanceCase,
  onBackend,
  readAll,
  type Tolerance,
  toleranceNote,
} from './conformance.js';

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
      const share = assertOutputsClose(actual, expected, spec.tolerance, spec.name, [context.label, 'reference']);
      return toleranceNote(share);
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
    // Sums of k products of values in [-1, 1): their rounding grows with sqrt(k).
    tolerance: { absolute: 4e-5 * Math.sqrt(k), relative: 1e-5 },
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

/**
 * A depthwise convolution with an expansion (Conv2DParams.expansion: a 1x1 convolution, bias and activation first,
 * as the inference plan fuses an inverted residual block), its filters constant or not.
 */
function expandedConvCase(index: number): KernelCaseSpec {
  const activation = FUSED[(index * 3 + 1) % FUSED.length];
  const expansionActivation = FUSED[(index + 2) % FUSED.length];
  const hasBias = index % 2 === 0;
  const isConstantFilter = index % 3 !== 2 ? true : undefined;
  return {
    name: `Conv2D with an expansion, draw ${index} (${expansionActivation?.kind ?? 'no activation'}, then ${
      activation?.kind ?? 'no activation'
    }${hasBias ? '' : ', no biases'}${isConstantFilter ? ', constant filters' : ''})`,
    ids: ['Conv2D'],
    tolerance: SUMS,
    compute() {
      const draw = new Draw(2000 + index);
      const base = convParams(draw, 'depthwise');
      const channels = base.inC;
      const expansion = { inC: draw.integer(1, 9), activation: expansionActivation };
      const params: Conv2DParams = { ...base, outC: channels, activation, isConstantFilter, expansion };
      const { batch, inH, inW, outH, outW, kH, kW } = params;
      const input = draw.tensor([batch, inH, inW, expansion.inC]);
      const expansionFilter = draw.tensor([1, 1, expansion.inC, channels]);
      const expansionBias = hasBias ? draw.tensor([channels]) : null;
      const filter = draw.tensor([kH, kW, 1, channels]);
      const bias = hasBias ? draw.tensor([channels]) : null;
      const forward = output([batch, outH, outW, channels]);
      runKernel('Conv2D', input, filter, bias, forward, params, null, null, expansionFilter, expansionBias);
      return { output: forward };
    },
  };
}

/**
 * A depthwise convolution with a projection (Conv2DParams.projection: a 1x1 convolution, bias, residual and activation
 * after it), with an expansion on every other draw: the inference plan's inverted residual block as one step.
 */
function projectedConvCase(index: number): KernelCaseSpec {
  const activation = FUSED[(index * 3 + 2) % FUSED.length];
  const projectionActivation = FUSED[(index + 1) % FUSED.length];
  const hasExpansion = index % 2 === 0;
  const hasResidual = index % 3 !== 1;
  const isConstantFilter = index % 4 !== 3 ? true : undefined;
  return {
    name: `Conv2D with a projection, draw ${index} (${activation?.kind ?? 'no activation'}, then ${
      projectionActivation?.kind ?? 'no activation'
    }${hasExpansion ? ', an expansion' : ''}${hasResidual ? ', a residual' : ''}${
      isConstantFilter ? ', constant filters' : ''
    })`,
    ids: ['Conv2D'],
    tolerance: SUMS,
    compute() {
      const draw = new Draw(2100 + index);
      const base = convParams(draw, 'depthwise');
      const channels = base.inC;
      const expansion = hasExpansion ? { inC: draw.integer(1, 9), activation } : undefined;
      const projection = { outC: draw.integer(1, 9), activation: projectionActivation };
      const params: Conv2DParams = { ...base, outC: channels, activation, isConstantFilter, expansion, projection };
      const { batch, inH, inW, outH, outW, kH, kW } = params;
      const input = draw.tensor([batch, inH, inW, expansion?.inC ?? channels]);
      const expansionFilter = expansion && draw.tensor([1, 1, expansion.inC, channels]);
      const expansionBias = expansion && draw.tensor([channels]);
      const filter = draw.tensor([kH, kW, 1, channels]);
      const bias = draw.tensor([channels]);
      const projectionFilter = draw.tensor([1, 1, channels, projection.outC]);
      const projectionBias = index % 2 === 1 ? draw.tensor([projection.outC]) : null;
      const outShape = [batch, outH, outW, projection.outC];
      const residual = hasResidual ? draw.tensor(outShape) : null;
      const forward = output(outShape);
      runKernel(
        'Conv2D',
        input,
        filter,
        bias,
        forward,
        params,
        residual,
        null,
        expansionFilter ?? null,
        expansionBias ?? null,
        projectionFilter,
        projectionBias,
      );
      return { output: forward };
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
    name:
      `activations and their gradients, ${variant === 0 ? "PyTorch's defaults" : 'other parameters'}, ` +
      'kinks, NaN and infinities',
    ids: [...ACTIVATIONS, ...ACTIVATIONS.map((id) => `${id}Grad` as KernelId)],
    tolerance: ELEMENTWISE,
    compute() {
      const draw = new Draw(4000 + variant);
      const size = 4099;
      const input = draw.tensor([size], 12);
      const values = input.dataSync();
      // The kinks exactly, values near them, NaN, the infinities, exp's overflow (89) and -0.
      const edges = [
        0,
        3,
        -3,
        6,
        -0.5,
        1e-3,
        -1e-3,
        20,
        -20,
        Number.NaN,
        Infinity,
        -Infinity,
        89,
        -89,
        1e30,
        -1e30,
        -0,
      ];
      for (const [at, value] of edges.entries()) values[at] = value;
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

function batchNormCase(rows: number, columns: number): KernelCaseSpec {
  return {
    name: `batch normalization ${rows}x${columns}`,
    ids: ['BatchNormStats', 'BatchNorm', 'BatchNormGrad'],
    // dInput subtracts two sums of `rows` terms: its error grows with them.
    tolerance: { absolute: 1e-4, relative: 1e-4 },
    compute() {
      const draw = new Draw(6000 + rows + columns);
      const params = { rows, columns };
      const input = draw.tensor([rows, columns], 3, 1);
      const dOut = draw.tensor([rows, columns]);
      const gamma = draw.tensor([columns]);
      const scale = draw.tensor([columns]);
      const shift = draw.tensor([columns]);
      const mean = output([columns]);
      const variance = output([columns]);
      runKernel('BatchNormStats', input, mean, variance, params);
      const normalized = output([rows, columns]);
      runKernel('BatchNorm', input, scale, shift, normalized, params);
      const outputs: Record<string, Tensor> = { mean, variance, normalized };
      for (const isThroughStatistics of [true, false]) {
        const dInput = output([rows, columns]);
        const dGamma = output([columns]);
        const dBeta = output([columns]);
        const gradParams = { rows, columns, epsilon: 1e-5, isThroughStatistics };
        runKernel('BatchNormGrad', dOut, input, mean, variance, gamma, dInput, dGamma, dBeta, gradParams);
        Object.assign(outputs, {
          [`dInput ${isThroughStatistics}`]: dInput,
          [`dGamma ${isThroughStatistics}`]: dGamma,
          [`dBeta ${isThroughStatistics}`]: dBeta,
        });
      }
      return outputs;
    },
  };
}

function layerNormCase(rows: number, columns: number): KernelCaseSpec {
  return {
    name: `layer normalization ${rows}x${columns}`,
    ids: ['LayerNorm', 'LayerNormGrad'],
    tolerance: { absolute: 1e-5, relative: 1e-4 },
    compute() {
      const draw = new Draw(6500 + rows + columns);
      const params = { rows, columns, epsilon: 1e-5 };
      const input = draw.tensor([rows, columns], 3, 1);
      const dOut = draw.tensor([rows, columns]);
      const gamma = draw.tensor([columns]);
      const beta = draw.tensor([columns]);
      const normalized = output([rows, columns]);
      const mean = output([rows]);
      const invStd = output([rows]);
      runKernel('LayerNorm', input, gamma, beta, normalized, mean, invStd, params);
      const dInput = output([rows, columns]);
      const dGamma = output([columns]);
      const dBeta = output([columns]);
      runKernel('LayerNormGrad', dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta, params);
      return { normalized, mean, invStd, dInput, dGamma, dBeta };
    },
  };
}

const elementwiseCase: KernelCaseSpec = {
  name: 'Add, Multiply and CopyColumns',
  ids: ['Add', 'Multiply', 'CopyColumns'],
  tolerance: EXACT,
  compute() {
    const draw = new Draw(7000);
    const size = 5000;
    const a = draw.tensor([size]);
    const b = draw.tensor([size]);
    const sum = output([size]);
    runKernel('Add', a, b, sum, { size });
    const product = output([size]);
    runKernel('Multiply', a, b, product, { size });
    // CopyColumns leaves the rest of its destination alone: the destination starts with known values.
    const source = draw.tensor([7, 9]);
    const copied = draw.tensor([7, 12]);
    const copyParams = {
      rows: 7,
      columns: 4,
      sourceStride: 9,
      sourceOffset: 3,
      destinationStride: 12,
      destinationOffset: 5,
    };
    runKernel('CopyColumns', source, copied, copyParams);
    return { sum, product, copied };
  },
};

function paddingShuffleDropoutCase(index: number): KernelCaseSpec {
  return {
    name: `ZeroPad2D, ChannelShuffle and Dropout, draw ${index}`,
    ids: ['ZeroPad2D', 'ZeroPad2DBackprop', 'ChannelShuffle', 'Dropout'],
    // The dropout scale may be rounded to float32 before the product: one ulp apart at most.
    tolerance: (name) => (name === 'dropped' ? { absolute: 0, relative: 1.2e-7 } : EXACT),
    compute() {
      const draw = new Draw(7500 + index);
      const batch = draw.integer(1, 2);
      const inH = draw.integer(1, 6);
      const inW = draw.integer(1, 6);
      const inC = draw.integer(1, 5);
      const padding = {
        padTop: draw.integer(0, 2),
        padBottom: draw.integer(0, 2),
        padLeft: draw.integer(0, 2),
        padRight: draw.integer(0, 2),
      };
      const outH = padding.padTop + inH + padding.padBottom;
      const outW = padding.padLeft + inW + padding.padRight;
      const params = { batch, inH, inW, inC, outH, outW, ...padding };
      const input = draw.tensor([batch, inH, inW, inC]);
      const dOut = draw.tensor([batch, outH, outW, inC]);
      const padded = output(dOut.shape);
      runKernel('ZeroPad2D', input, padded, params);
      const cropped = output(input.shape);
      runKernel('ZeroPad2DBackprop', dOut, cropped, params);
      const shuffleParams = { rows: batch * inH * inW, groups: draw.pick([1, 2, 3]), groupSize: draw.integer(1, 4) };
      const channels = draw.tensor([shuffleParams.rows, shuffleParams.groups * shuffleParams.groupSize]);
      const shuffled = output(channels.shape);
      runKernel('ChannelShuffle', channels, shuffled, shuffleParams);
      const dropped = output(dOut.shape);
      const dropoutParams = { size: dOut.size, rate: [0, 0.1, 0.5, 0.9][index % 4]!, seed: draw.integer(0, 1e9) };
      runKernel('Dropout', dOut, dropped, dropoutParams);
      return { padded, cropped, shuffled, dropped };
    },
  };
}

const powerCase: KernelCaseSpec = {
  name: 'Pow and PowGrad: exponents 2, 0.5, 3, -2, 1.5, 1/3, 1, 0 at 0, -0, +-1, +-2, 0.5 and NaN',
  ids: ['Pow', 'PowGrad'],
  tolerance: ELEMENTWISE,
  compute() {
    const draw = new Draw(7700);
    const size = 2000;
    const input = draw.tensor([size], 4);
    const values = input.dataSync();
    for (const [at, value] of [0, -0, 1, -1, 2, -2, 0.5, Number.NaN].entries()) values[at] = value;
    const positive = new Tensor(Float32Array.from(values, Math.abs), [size]);
    const dOut = draw.tensor([size]);
    const outputs: Record<string, Tensor> = {};
    for (const exponent of [2, 0.5, 3, -2, 1.5, Math.fround(1 / 3), 1, 0]) {
      // Fractional exponents of negative values are NaN: those take the absolute values.
      const base = Number.isInteger(exponent) ? input : positive;
      const power = output([size]);
      runKernel('Pow', base, power, { size, exponent });
      const dInput = output([size]);
      runKernel('PowGrad', dOut, base, dInput, { size, exponent });
      outputs[`pow ${exponent}`] = power;
      outputs[`pow ${exponent} gradient`] = dInput;
    }
    return outputs;
  },
};

/** Row-major strides of a shape, 0 on the axes in `isBroadcast`. */
function stridesOf(shape: readonly number[], isBroadcast: readonly boolean[]): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = isBroadcast[axis] ? 0 : stride;
    if (!isBroadcast[axis]) stride *= shape[axis]!;
  }
  return strides;
}

function broadcastCase(index: number): KernelCaseSpec {
  const operation = ARITHMETIC_OPERATIONS[index % ARITHMETIC_OPERATIONS.length]!;
  const hasNaN = index >= ARITHMETIC_OPERATIONS.length;
  return {
    name: `BroadcastArithmetic '${operation}' and ReduceSumTo, draw ${index}${hasNaN ? ', a NaN' : ''}`,
    ids: ['BroadcastArithmetic', 'ReduceSumTo'],
    tolerance: (name) => (name === 'output' ? { absolute: 0, relative: 1.2e-7 } : { absolute: 1e-6, relative: 1e-6 }),
    compute() {
      const draw = new Draw(8000 + index);
      const shape = Array.from({ length: BROADCAST_RANK }, () => draw.pick([1, 1, 2, 3, 5]));
      const aBroadcast = shape.map((extent) => extent > 1 && draw.integer(0, 9) >= 6);
      const bBroadcast = shape.map((extent, axis) => extent > 1 && !aBroadcast[axis] && draw.integer(0, 1) === 1);
      const a = draw.tensor([shape.reduce((product, extent, axis) => product * (aBroadcast[axis] ? 1 : extent), 1)]);
      const b = draw.tensor([shape.reduce((product, extent, axis) => product * (bBroadcast[axis] ? 1 : extent), 1)]);
      // Equal values (selectionWeight's ties) and NaN (minimum and maximum keep it).
      b.dataSync()[0] = a.dataSync()[0]!;
      if (hasNaN) a.dataSync()[a.size - 1] = Number.NaN;
      const params = {
        operation,
        shape,
        aStrides: stridesOf(shape, aBroadcast),
        bStrides: stridesOf(shape, bBroadcast),
      };
      const size = shape.reduce((product, extent) => product * extent, 1);
      const result = output([size]);
      runKernel('BroadcastArithmetic', a, b, result, params);
      const summed = shape.map((extent) => extent > 1 && draw.integer(0, 1) === 1);
      const outSize = shape.reduce((product, extent, axis) => product * (summed[axis] ? 1 : extent), 1);
      const reduced = output([outSize]);
      runKernel('ReduceSumTo', draw.tensor([size]), reduced, { shape, outStrides: stridesOf(shape, summed) });
      return { output: result, reduced };
    },
  };
}

function resizeCase(index: number): KernelCaseSpec {
  const mode = index % 2 === 0 ? 'bilinear' : 'nearest';
  const coordinates = RESIZE_COORDINATES[index % RESIZE_COORDINATES.length]!;
  const nearestRounding = NEAREST_ROUNDINGS[index % NEAREST_ROUNDINGS.length]!;
  return {
    name:
      `Resize2D and its backprop, draw ${index} (${mode}, ${coordinates}` +
      `${mode === 'nearest' ? `, ${nearestRounding}` : ''})`,
    ids: ['Resize2D', 'Resize2DBackprop'],
    tolerance: { absolute: 1e-6, relative: 1e-5 },
    compute() {
      const draw = new Draw(9000 + index);
      const inH = draw.integer(1, 6);
      const inW = draw.integer(1, 6);
      const outH = index % 3 === 0 ? inH * 2 : draw.integer(1, 11);
      const outW = index % 3 === 0 ? inW * 2 : draw.integer(1, 11);
      const params: Resize2DParams = {
        batch: draw.integer(1, 2),
        inH,
        inW,
        inC: draw.integer(1, 4),
        outH,
        outW,
        scaleH: Math.fround(outH / inH),
        scaleW: Math.fround(outW / inW),
        mode,
        coordinates,
        nearestRounding,
      };
      const input = draw.tensor([params.batch, inH, inW, params.inC]);
      const resized = output([params.batch, outH, outW, params.inC]);
      runKernel('Resize2D', input, resized, params);
      const dInput = output(input.shape);
      runKernel('Resize2DBackprop', draw.tensor(resized.shape), dInput, params);
      return { resized, dInput };
    },
  };
}

const optimizerCase: KernelCaseSpec = {
  name: 'SgdUpdate, AdamUpdate, RmsPropUpdate, AdagradUpdate, ClipGradient (NaN, in place), SumOfSquares',
  ids: ['SgdUpdate', 'AdamUpdate', 'RmsPropUpdate', 'AdagradUpdate', 'ClipGradient', 'SumOfSquares'],
  tolerance: (name) =>
    name.startsWith('clip') ? { absolute: 0, relative: 1.2e-7 } : name === 'sum of squares' ? SUMS : ELEMENTWISE,
  compute() {
    const draw = new Draw(10_000);
    const size = 1000;
    const outputs: Record<string, Tensor> = {};
    /** A state buffer; `isPositive` for second moments and accumulators. */
    const state = (scale = 1, isPositive = false) => {
      const tensor = draw.tensor([size], scale);
      if (isPositive) for (const [at, value] of tensor.dataSync().entries()) tensor.dataSync()[at] = Math.abs(value);
      return tensor;
    };
    for (const [momentum, isNesterov, weightDecay] of [
      [0, false, 0],
      [0.9, false, 1e-4],
      [0.9, true, 0],
    ] as const) {
      const weights = state();
      const velocity = state();
      const params = { size, learningRate: 0.05, momentum, isNesterov, weightDecay };
      runKernel('SgdUpdate', weights, state(), velocity, params);
      const label = `sgd ${momentum} ${isNesterov} ${weightDecay}`;
      Object.assign(outputs, { [`${label} weights`]: weights, [`${label} velocity`]: velocity });
    }
    for (const [step, weightDecay, decoupledWeightDecay] of [
      [1, 0, 0],
      [10, 1e-4, 0],
      [3, 0, 0.01],
    ] as const) {
      const weights = state();
      const first = state(0.1);
      const second = state(0.01, true);
      const params = {
        size,
        learningRate: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        step,
        weightDecay,
        decoupledWeightDecay,
      };
      runKernel('AdamUpdate', weights, state(), first, second, params);
      const label = `adam ${step} ${weightDecay} ${decoupledWeightDecay}`;
      Object.assign(outputs, {
        [`${label} weights`]: weights,
        [`${label} first moment`]: first,
        [`${label} second moment`]: second,
      });
    }
    for (const [momentum, isCentered] of [
      [0, false],
      [0.9, false],
      [0, true],
      [0.5, true],
    ] as const) {
      const weights = state();
      const squareAverage = state(0.01, true);
      const momentumBuffer = momentum > 0 ? state(0.1) : null;
      const gradientAverage = isCentered ? state(0.01) : null;
      const params = { size, learningRate: 0.01, rho: 0.99, epsilon: 1e-8, momentum, isCentered, weightDecay: 1e-4 };
      runKernel('RmsPropUpdate', weights, state(), squareAverage, momentumBuffer, gradientAverage, params);
      const label = `rmsprop ${momentum} ${isCentered}`;
      outputs[`${label} weights`] = weights;
      outputs[`${label} square average`] = squareAverage;
      if (momentumBuffer !== null) outputs[`${label} momentum`] = momentumBuffer;
      if (gradientAverage !== null) outputs[`${label} gradient average`] = gradientAverage;
    }
    const weights = state();
    const accumulator = state(1, true);
    runKernel('AdagradUpdate', weights, state(), accumulator, {
      size,
      learningRate: 0.01,
      epsilon: 1e-10,
      weightDecay: 1e-4,
    });
    Object.assign(outputs, { 'adagrad weights': weights, 'adagrad accumulator': accumulator });
    const gradient = state();
    gradient.dataSync()[3] = Number.NaN;
    outputs['clipped gradient'] = output([size]);
    runKernel('ClipGradient', gradient, outputs['clipped gradient'], { size, scale: 0.7, clipValue: 0.5 });
    const inPlace = state();
    inPlace.dataSync()[3] = Number.NaN;
    runKernel('ClipGradient', inPlace, inPlace, { size, scale: 0.25, clipValue: Infinity });
    outputs['clip in place'] = inPlace;
    outputs['sum of squares'] = output([1]);
    runKernel('SumOfSquares', state(), outputs['sum of squares'], { size });
    return outputs;
  },
};

function kernelSpecs(): KernelCaseSpec[] {
  const matMulDraw = new Draw(500);
  const matMulShapes = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 16, 64],
    [65, 17, 63],
    [130, 300, 70],
    ...Array.from({ length: 3 }, () => [
      matMulDraw.integer(1, 90),
      matMulDraw.integer(1, 90),
      matMulDraw.integer(1, 90),
    ]),
  ];
  return [
    ...matMulShapes.map(([m, k, n]) => matMulCase(m!, k!, n!)),
    ...Array.from({ length: 16 }, (_, index) => convCase(index)),
    ...Array.from({ length: 6 }, (_, index) => expandedConvCase(index)),
    ...Array.from({ length: 6 }, (_, index) => projectedConvCase(index)),
    ...Array.from({ length: 14 }, (_, index) => poolCase(index)),
    ...[
      [1, 1],
      [7, 3],
      [300, 17],
      [65, 64],
    ].map(([rows, columns]) => biasCase(rows!, columns!)),
    activationCase(0),
    activationCase(1),
    softmaxCase(1, 1, 0),
    softmaxCase(4, 10, 0),
    softmaxCase(9, 37, 0.1),
    softmaxCase(130, 5, 0.2),
    ...[
      [1, 1],
      [8, 3],
      [300, 17],
      [2000, 5],
    ].map(([rows, columns]) => batchNormCase(rows!, columns!)),
    ...[
      [1, 1],
      [6, 7],
      [300, 24],
    ].map(([rows, columns]) => layerNormCase(rows!, columns!)),
    elementwiseCase,
    ...Array.from({ length: 4 }, (_, index) => paddingShuffleDropoutCase(index)),
    powerCase,
    ...Array.from({ length: ARITHMETIC_OPERATIONS.length * 2 }, (_, index) => broadcastCase(index)),
    ...Array.from({ length: 12 }, (_, index) => resizeCase(index)),
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
