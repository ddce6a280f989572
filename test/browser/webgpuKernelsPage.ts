// The page side of test/browser/webgpuKernels.test.ts: runs every WGSL kernel on seeded random shapes
// and values against its reference kernel (kernels/js/) and leaves one record per case in
// window.webgpuResult, or why WebGPU is unavailable. Each case states its tolerance: a value passes
// when |gpu - reference| <= absolute + relative * |reference|, NaN matching NaN.

import { avgPool2d, avgPool2dBackprop } from '../../src/kernels/js/avgPool2d.js';
import { batchNorm, batchNormGrad, batchNormStats } from '../../src/kernels/js/batchNorm.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../../src/kernels/js/conv2d.js';
import * as referenceActivations from '../../src/kernels/js/activations.js';
import { broadcastArithmetic, reduceSumTo } from '../../src/kernels/js/broadcast.js';
import { channelShuffle } from '../../src/kernels/js/channelShuffle.js';
import { dropout } from '../../src/kernels/js/dropout.js';
import { add, biasAdd, biasAddGrad, clipBiasAddGrad, copyColumns, multiply } from '../../src/kernels/js/elementwise.js';
import { layerNorm, layerNormGrad } from '../../src/kernels/js/layerNorm.js';
import { pow, powGrad } from '../../src/kernels/js/power.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { resize2d, resize2dBackprop } from '../../src/kernels/js/resize2d.js';
import { zeroPad2d, zeroPad2dBackprop } from '../../src/kernels/js/zeroPad2d.js';
import { matMul } from '../../src/kernels/js/matMul.js';
import { maxPool2d, maxPool2dBackprop } from '../../src/kernels/js/maxPool2d.js';
import {
  adagradUpdate,
  adamUpdate,
  clipGradient,
  rmsPropUpdate,
  sgdUpdate,
  sumOfSquares,
} from '../../src/kernels/js/optimizerUpdates.js';
import { softmax, softmaxCrossEntropy, softmaxCrossEntropyGrad, softmaxGrad } from '../../src/kernels/js/softmax.js';
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
import {
  ACTIVATION_GRAD_IDS,
  ACTIVATION_IDS,
  type ActivationGradId,
  type ActivationId,
  type ActivationParams,
  encodeActivation,
  encodeActivationGrad,
} from '../../src/kernels/webgpu/activations.js';
import { encodeAvgPool2D, encodeAvgPool2DBackprop } from '../../src/kernels/webgpu/avgPool2d.js';
import { encodeBatchNorm, encodeBatchNormGrad, encodeBatchNormStats } from '../../src/kernels/webgpu/batchNorm.js';
import { downloadArray, uploadArray } from '../../src/kernels/webgpu/bufferPool.js';
import {
  type Conv2DAlgorithm,
  conv2dAlgorithm,
  encodeConv2D,
  encodeConv2DBackpropFilter,
  encodeConv2DBackpropInput,
} from '../../src/kernels/webgpu/conv2d.js';
import { createWebGpuContext, type WebGpuContext, WebGpuUnavailableError } from '../../src/kernels/webgpu/device.js';
import type { KernelId } from '../../src/kernels/ids.js';
import { encodeBroadcastArithmetic, encodeReduceSumTo } from '../../src/kernels/webgpu/broadcast.js';
import { encodeChannelShuffle } from '../../src/kernels/webgpu/channelShuffle.js';
import { encodeDropout } from '../../src/kernels/webgpu/dropout.js';
import {
  encodeArithmetic,
  encodeBiasAdd,
  encodeBiasAddGrad,
  encodeClipBiasAddGrad,
  encodeCopyColumns,
} from '../../src/kernels/webgpu/elementwise.js';
import { encodeLayerNorm, encodeLayerNormGrad } from '../../src/kernels/webgpu/layerNorm.js';
import { encodePow, encodePowGrad } from '../../src/kernels/webgpu/power.js';
import { encodeResize2D, encodeResize2DBackprop } from '../../src/kernels/webgpu/resize2d.js';
import { WEBGPU_KERNELS } from '../../src/kernels/webgpu/webgpuKernels.js';
import { encodeZeroPad2D, encodeZeroPad2DBackprop } from '../../src/kernels/webgpu/zeroPad2d.js';
import type { GpuBuffer } from '../../src/kernels/webgpu/gpuTypes.js';
import { KernelEncoder } from '../../src/kernels/webgpu/kernelEncoder.js';
import { encodeMatMul } from '../../src/kernels/webgpu/matMul.js';
import { encodeMaxPool2D, encodeMaxPool2DBackprop } from '../../src/kernels/webgpu/maxPool2d.js';
import {
  encodeAdagradUpdate,
  encodeAdamUpdate,
  encodeClipGradient,
  encodeRmsPropUpdate,
  encodeSgdUpdate,
  encodeSumOfSquares,
} from '../../src/kernels/webgpu/optimizerUpdates.js';
import {
  encodeSoftmax,
  encodeSoftmaxCrossEntropy,
  encodeSoftmaxCrossEntropyGrad,
  encodeSoftmaxGrad,
} from '../../src/kernels/webgpu/softmax.js';

/** One compared output of one case. */
export interface CaseResult {
  kernel: string;
  label: string;
  /** The largest |gpu - reference| / (absolute + relative * |reference|): the case passes at or below 1. */
  worst: number;
  largestDifference: number;
  tolerance: { absolute: number; relative: number };
  size: number;
  /** The first few values out of tolerance: "index: gpu vs reference". */
  mismatches: string[];
}

/** What the page leaves in window.webgpuResult. */
export interface PageResult {
  unavailable?: string;
  error?: string;
  adapterName?: string;
  cases?: CaseResult[];
  poolCounts?: { created: number; reused: number };
}

type TypedArray = Float32Array | Int32Array;

let state = 20261207;
/** Uniform in [-1, 1), seeded (a linear congruential generator, as test/browser/wasmPage.html). */
function random(): number {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return (state / 4294967296) * 2 - 1;
}
function integer(low: number, high: number): number {
  return low + Math.floor(((random() + 1) / 2) * (high - low + 1));
}
function randomArray(size: number, scale = 1): Float32Array {
  return Float32Array.from({ length: size }, () => random() * scale);
}
function pick<T>(values: readonly T[]): T {
  return values[integer(0, values.length - 1)]!;
}

const cases: CaseResult[] = [];

function compare(
  kernel: string,
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  absolute: number,
  relative: number,
): void {
  let worst = 0;
  let largestDifference = 0;
  const mismatches: string[] = [];
  for (let index = 0; index < expected.length; index++) {
    const a = actual[index]!;
    const e = expected[index]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const difference = Math.abs(a - e);
    const bound = absolute + relative * Math.abs(e);
    // NaN against a number, or an infinity against another value (whose bound is infinite too).
    const ratio = Number.isNaN(difference) || difference === Infinity ? Infinity : difference / bound;
    if (!Number.isNaN(difference)) largestDifference = Math.max(largestDifference, difference);
    worst = Math.max(worst, ratio);
    if (ratio > 1 && mismatches.length < 5) mismatches.push(`${index}: ${a} vs ${e}`);
  }
  if (actual.length !== expected.length) mismatches.unshift(`length ${actual.length} vs ${expected.length}`);
  cases.push({
    kernel,
    label,
    worst: actual.length === expected.length ? worst : Infinity,
    largestDifference,
    tolerance: { absolute, relative },
    size: expected.length,
    mismatches,
  });
}

/**
 * Uploads `initial` (every buffer a kernel reads or writes: outputs start as NaN or -7 so that a value
 * the kernel fails to write shows), records the kernel, submits, and reads back the `read` buffers.
 */
async function runOnGpu(
  context: WebGpuContext,
  initial: Record<string, TypedArray>,
  read: readonly string[],
  encode: (encoder: KernelEncoder, buffers: Record<string, GpuBuffer>) => void,
): Promise<Record<string, TypedArray>> {
  const buffers: Record<string, GpuBuffer> = {};
  for (const [name, data] of Object.entries(initial)) buffers[name] = uploadArray(context, data);
  const encoder = new KernelEncoder(context);
  encode(encoder, buffers);
  encoder.submit();
  const results: Record<string, TypedArray> = {};
  for (const name of read) {
    const data = initial[name]!;
    results[name] = await downloadArray(
      context,
      buffers[name]!,
      data.length,
      data instanceof Int32Array ? 'int32' : 'float32',
    );
  }
  for (const buffer of Object.values(buffers)) context.pool.release(buffer);
  return results;
}

function unset(size: number): Float32Array {
  return new Float32Array(size).fill(Number.NaN);
}

async function matMulCases(context: WebGpuContext): Promise<void> {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 16, 64],
    [65, 17, 63],
    [130, 300, 70],
  ];
  for (let draw = 0; draw < 4; draw++) shapes.push([integer(1, 90), integer(1, 90), integer(1, 90)]);
  for (const [m, k, n] of shapes) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const params = { m, k, n, transposeA, transposeB };
      const a = randomArray(m * k);
      const b = randomArray(k * n);
      const expected = new Float32Array(m * n);
      matMul(a, b, expected, params);
      const { output } = await runOnGpu(context, { a, b, output: unset(m * n) }, ['output'], (encoder, buffers) =>
        encodeMatMul(context, encoder, { a: buffers.a!, b: buffers.b!, output: buffers.output! }, params),
      );
      compare('MatMul', JSON.stringify(params), output!, expected, 1e-5 * Math.sqrt(k) * 4, 1e-5);
    }
  }
}

/** A random convolution geometry with outH, outW >= 1. */
function convParams(kind: 'grouped' | 'depthwise' | 'wide'): Conv2DParams {
  for (;;) {
    const batch = integer(1, 2);
    const inH = integer(1, kind === 'wide' ? 14 : 9);
    const inW = integer(1, kind === 'wide' ? 14 : 9);
    const groups = kind === 'depthwise' ? integer(1, 6) : kind === 'wide' ? 1 : pick([1, 1, 2, 3]);
    const inC =
      kind === 'depthwise' ? groups : kind === 'wide' ? pick([integer(1, 9), integer(16, 24)]) : groups * integer(1, 4);
    const outC =
      kind === 'depthwise' ? groups * integer(1, 2) : kind === 'wide' ? integer(16, 70) : groups * integer(1, 5);
    const kH = integer(1, 3);
    const kW = integer(1, 3);
    const strideH = integer(1, 2);
    const strideW = integer(1, 2);
    const dilationH = integer(1, 2);
    const dilationW = integer(1, 2);
    const padTop = integer(0, 2);
    const padBottom = integer(0, 2);
    const padLeft = integer(0, 2);
    const padRight = integer(0, 2);
    const outH = windowOutputSize(inH, (kH - 1) * dilationH + 1, strideH, padTop, padBottom);
    const outW = windowOutputSize(inW, (kW - 1) * dilationW + 1, strideW, padLeft, padRight);
    if (outH < 1 || outW < 1) continue;
    return {
      batch,
      inH,
      inW,
      inC,
      outH,
      outW,
      outC,
      kH,
      kW,
      strideH,
      strideW,
      padTop,
      padBottom,
      padLeft,
      padRight,
      dilationH,
      dilationW,
      groups,
    };
  }
}

const FUSED: (FusedActivation | undefined)[] = [
  undefined,
  { kind: 'relu' },
  { kind: 'sigmoid' },
  { kind: 'silu' },
  { kind: 'clip', min: 0, max: 0.5 },
  { kind: 'leakyRelu', alpha: 0.1 },
  { kind: 'hardSigmoid', alpha: 1 / 6, beta: 0.5 },
  { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 },
];

async function convCases(context: WebGpuContext): Promise<void> {
  for (let draw = 0; draw < 24; draw++) {
    const base = convParams(draw % 4 === 3 ? 'depthwise' : draw % 3 === 0 ? 'wide' : 'grouped');
    const activation = FUSED[draw % FUSED.length];
    const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const groupInC = inC / (params.groups ?? 1);
    const input = randomArray(batch * inH * inW * inC);
    const filter = randomArray(kH * kW * groupInC * outC);
    const hasBias = draw % 2 === 0;
    const bias = hasBias ? randomArray(outC) : null;
    const residual = draw % 3 === 1 ? randomArray(batch * outH * outW * outC) : null;
    const inputScale = draw % 5 === 2 ? randomArray(batch * inC) : null;
    const outSize = batch * outH * outW * outC;
    const expected = new Float32Array(outSize);
    conv2d(input, filter, bias, expected, params, residual, inputScale);
    const initial: Record<string, TypedArray> = { input, filter, output: unset(outSize) };
    if (bias !== null) initial.bias = bias;
    if (residual !== null) initial.residual = residual;
    if (inputScale !== null) initial.inputScale = inputScale;
    // Both algorithms where both apply (one group); the default choice first.
    const algorithms: Conv2DAlgorithm[] = [conv2dAlgorithm(params)];
    if ((params.groups ?? 1) === 1) algorithms.push(algorithms[0] === 'direct' ? 'implicitGemm' : 'direct');
    for (const algorithm of algorithms) {
      const { output } = await runOnGpu(context, initial, ['output'], (encoder, buffers) =>
        encodeConv2D(
          context,
          encoder,
          {
            input: buffers.input!,
            filter: buffers.filter!,
            bias: buffers.bias ?? null,
            output: buffers.output!,
            residual: buffers.residual ?? null,
            inputScale: buffers.inputScale ?? null,
          },
          params,
          algorithm,
        ),
      );
      const flags = `${algorithm} bias ${hasBias} residual ${residual !== null} scale ${inputScale !== null}`;
      compare('Conv2D', `${JSON.stringify(params)} ${flags}`, output!, expected, 2e-5, 1e-5);
    }

    const dOut = randomArray(outSize);
    const expectedDInput = new Float32Array(input.length);
    conv2dBackpropInput(dOut, filter, expectedDInput, params);
    const inputAlgorithms: Conv2DAlgorithm[] = [conv2dAlgorithm(params, 'backpropInput')];
    if ((params.groups ?? 1) === 1) inputAlgorithms.push(inputAlgorithms[0] === 'direct' ? 'implicitGemm' : 'direct');
    const filterAlgorithms: Conv2DAlgorithm[] = [conv2dAlgorithm(params, 'backpropFilter')];
    if ((params.groups ?? 1) === 1) filterAlgorithms.push(filterAlgorithms[0] === 'direct' ? 'implicitGemm' : 'direct');
    const gradients = await runOnGpu(
      context,
      {
        dOut,
        filter,
        dInput: unset(input.length),
        otherDInput: unset(input.length),
        input,
        dFilter: unset(filter.length),
        otherDFilter: unset(filter.length),
      },
      ['dInput', 'otherDInput', 'dFilter', 'otherDFilter'],
      (encoder, buffers) => {
        inputAlgorithms.forEach((algorithm, index) => {
          const dInput = index === 0 ? buffers.dInput! : buffers.otherDInput!;
          const backpropBuffers = { dOut: buffers.dOut!, filter: buffers.filter!, dInput };
          encodeConv2DBackpropInput(context, encoder, backpropBuffers, params, algorithm);
        });
        filterAlgorithms.forEach((algorithm, index) => {
          const dFilter = index === 0 ? buffers.dFilter! : buffers.otherDFilter!;
          const backpropBuffers = { input: buffers.input!, dOut: buffers.dOut!, dFilter };
          encodeConv2DBackpropFilter(context, encoder, backpropBuffers, params, algorithm);
        });
      },
    );
    inputAlgorithms.forEach((algorithm, index) => {
      const dInput = index === 0 ? gradients.dInput! : gradients.otherDInput!;
      compare('Conv2DBackpropInput', `${JSON.stringify(base)} ${algorithm}`, dInput, expectedDInput, 2e-5, 1e-5);
    });
    const expectedDFilter = new Float32Array(filter.length);
    conv2dBackpropFilter(input, dOut, expectedDFilter, params);
    filterAlgorithms.forEach((algorithm, index) => {
      const dFilter = index === 0 ? gradients.dFilter! : gradients.otherDFilter!;
      compare('Conv2DBackpropFilter', `${JSON.stringify(base)} ${algorithm}`, dFilter, expectedDFilter, 5e-5, 1e-5);
    });
  }
}

/** The filter gradient over 3,072 positions: the split-K GEMM sums 12 chunks of 256 in a second pass. */
async function splitFilterGradientCase(context: WebGpuContext): Promise<void> {
  const params: Conv2DParams = {
    batch: 3,
    inH: 32,
    inW: 32,
    inC: 8,
    outH: 32,
    outW: 32,
    outC: 16,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
  };
  const input = randomArray(3 * 32 * 32 * 8);
  const dOut = randomArray(3 * 32 * 32 * 16);
  const expected = new Float32Array(3 * 3 * 8 * 16);
  conv2dBackpropFilter(input, dOut, expected, params);
  const { dFilter } = await runOnGpu(context, { input, dOut, dFilter: unset(expected.length) }, ['dFilter'], (e, b) =>
    encodeConv2DBackpropFilter(context, e, { input: b.input!, dOut: b.dOut!, dFilter: b.dFilter! }, params),
  );
  const label = `${JSON.stringify(params)} ${conv2dAlgorithm(params, 'backpropFilter')}, 12 splits`;
  compare('Conv2DBackpropFilter', label, dFilter!, expected, 2e-4, 1e-5);
}

function poolParams(): Pool2DParams {
  for (;;) {
    const kH = integer(1, 3);
    const kW = integer(1, 3);
    const strideH = integer(1, 3);
    const strideW = integer(1, 3);
    const inH = integer(1, 9);
    const inW = integer(1, 9);
    const padTop = integer(0, kH - 1);
    const padBottom = integer(0, kH - 1);
    const padLeft = integer(0, kW - 1);
    const padRight = integer(0, kW - 1);
    const isCeil = random() > 0.5;
    const outSize = isCeil ? ceilWindowOutputSize : windowOutputSize;
    const outH = outSize(inH, kH, strideH, padTop, padBottom);
    const outW = outSize(inW, kW, strideW, padLeft, padRight);
    if (outH < 1 || outW < 1) continue;
    const common = { batch: integer(1, 2), inH, inW, inC: integer(1, 6), outH, outW, kH, kW, strideH, strideW };
    return { ...common, padTop, padBottom, padLeft, padRight, countIncludePad: random() > 0.5 };
  }
}

async function poolCases(context: WebGpuContext): Promise<void> {
  for (let draw = 0; draw < 14; draw++) {
    const params = poolParams();
    const { batch, inH, inW, inC, outH, outW } = params;
    const input = randomArray(batch * inH * inW * inC);
    // Ties (values on a grid of halves) and NaN: the first maximum wins, NaN wins over everything.
    if (draw % 3 === 1)
      for (let index = 0; index < input.length; index++) input[index] = Math.round(input[index]! * 2) / 2;
    if (draw % 4 === 2) input[integer(0, input.length - 1)] = Number.NaN;
    const outSize = batch * outH * outW * inC;
    const expected = new Float32Array(outSize);
    const expectedArgmax = new Int32Array(outSize);
    maxPool2d(input, expected, expectedArgmax, params);
    const dOut = randomArray(outSize);
    const expectedDInput = new Float32Array(input.length);
    maxPool2dBackprop(dOut, expectedArgmax, expectedDInput, params);
    const expectedAverage = new Float32Array(outSize);
    avgPool2d(input, expectedAverage, params);
    const expectedAverageDInput = new Float32Array(input.length);
    avgPool2dBackprop(dOut, expectedAverageDInput, params);
    const initial = {
      input,
      output: unset(outSize),
      argmax: new Int32Array(outSize).fill(-7),
      maxOnly: unset(outSize),
      dOut,
      referenceArgmax: expectedArgmax,
      dInput: unset(input.length),
      average: unset(outSize),
      averageDInput: unset(input.length),
    };
    const results = await runOnGpu(
      context,
      initial,
      ['output', 'argmax', 'maxOnly', 'dInput', 'average', 'averageDInput'],
      (encoder, buffers) => {
        const { output, argmax, maxOnly, referenceArgmax, dInput, average, averageDInput } = buffers;
        encodeMaxPool2D(context, encoder, { input: buffers.input!, output: output!, argmax: argmax! }, params);
        encodeMaxPool2D(context, encoder, { input: buffers.input!, output: maxOnly!, argmax: null }, params);
        const backprop = { dOut: buffers.dOut!, argmax: referenceArgmax!, dInput: dInput! };
        encodeMaxPool2DBackprop(context, encoder, backprop, params);
        encodeAvgPool2D(context, encoder, { input: buffers.input!, output: average! }, params);
        encodeAvgPool2DBackprop(context, encoder, { dOut: buffers.dOut!, dInput: averageDInput! }, params);
      },
    );
    const label = JSON.stringify(params);
    compare('MaxPool2D', `${label} output`, results.output!, expected, 0, 0);
    compare('MaxPool2D', `${label} argmax`, results.argmax!, expectedArgmax, 0, 0);
    compare('MaxPool2D', `${label} without argmax`, results.maxOnly!, expected, 0, 0);
    compare('MaxPool2DBackprop', label, results.dInput!, expectedDInput, 1e-6, 1e-6);
    compare('AvgPool2D', label, results.average!, expectedAverage, 1e-6, 1e-5);
    compare('AvgPool2DBackprop', label, results.averageDInput!, expectedAverageDInput, 1e-6, 1e-5);
  }
}

async function biasCases(context: WebGpuContext): Promise<void> {
  for (const [rows, columns] of [
    [1, 1],
    [7, 3],
    [300, 17],
    [65, 64],
  ] as const) {
    const params = { rows, columns };
    const input = randomArray(rows * columns);
    const bias = randomArray(columns);
    const output = randomArray(rows * columns, 2);
    const expected = new Float32Array(rows * columns);
    biasAdd(input, bias, expected, params);
    const expectedDBias = new Float32Array(columns);
    biasAddGrad(input, expectedDBias, params);
    const clipParams = { rows, columns, min: 0, max: 1 };
    const expectedDInput = new Float32Array(rows * columns);
    const expectedClipDBias = new Float32Array(columns);
    clipBiasAddGrad(input, output, expectedDInput, expectedClipDBias, clipParams);
    const initial = {
      input,
      bias,
      forward: output,
      sum: unset(rows * columns),
      dBias: unset(columns),
      dInput: unset(rows * columns),
      clipDBias: unset(columns),
    };
    const results = await runOnGpu(context, initial, ['sum', 'dBias', 'dInput', 'clipDBias'], (encoder, b) => {
      encodeBiasAdd(context, encoder, { input: b.input!, bias: b.bias!, output: b.sum! }, params);
      encodeBiasAddGrad(context, encoder, { dOut: b.input!, dBias: b.dBias! }, params);
      const clipBuffers = { dOut: b.input!, output: b.forward!, dInput: b.dInput!, dBias: b.clipDBias! };
      encodeClipBiasAddGrad(context, encoder, clipBuffers, clipParams);
    });
    const label = JSON.stringify(params);
    compare('BiasAdd', label, results.sum!, expected, 0, 0);
    compare('BiasAddGrad', label, results.dBias!, expectedDBias, 2e-5, 1e-5);
    compare('ClipBiasAddGrad', `${label} dInput`, results.dInput!, expectedDInput, 0, 0);
    compare('ClipBiasAddGrad', `${label} dBias`, results.clipDBias!, expectedClipDBias, 2e-5, 1e-5);
  }
}

/** The params each activation is tested with: PyTorch's defaults and one other setting. */
function activationParams(id: string, size: number, variant: number): ActivationParams {
  const kind = id.replace(/Grad$/, '');
  if (kind === 'LeakyRelu') return { size, alpha: variant === 0 ? 0.01 : 0.3 };
  if (kind === 'Elu') return { size, alpha: variant === 0 ? 1 : 0.5 };
  if (kind === 'Clip') return variant === 0 ? { size, min: 0, max: 6 } : { size, min: -0.5, max: Infinity };
  if (kind === 'HardSigmoid' || kind === 'HardSwish') {
    return variant === 0 ? { size, alpha: Math.fround(1 / 6), beta: 0.5 } : { size, alpha: 0.2, beta: 0.5 };
  }
  return { size };
}

type ReferenceForward = (input: Float32Array, output: Float32Array, params: never) => void;
type ReferenceGradient = (dOut: Float32Array, x: Float32Array, dInput: Float32Array, params: never) => void;

function lowerFirst(id: string): string {
  return id[0]!.toLowerCase() + id.slice(1);
}

async function activationCases(context: WebGpuContext): Promise<void> {
  const size = 4099;
  // Values across [-12, 12], the kinks (0, +-3, the clip bounds) exactly, and NaN at the end.
  const input = randomArray(size, 12);
  for (const [index, value] of [0, 3, -3, 6, -0.5, 1e-3, -1e-3, 20, -20, Number.NaN].entries()) input[index] = value;
  const dOut = randomArray(size);
  const functions = referenceActivations as unknown as Record<string, ReferenceForward & ReferenceGradient>;
  for (const variant of [0, 1]) {
    for (const id of ACTIVATION_IDS) {
      const params = activationParams(id, size, variant);
      const expected = new Float32Array(size);
      (functions[lowerFirst(id)] as ReferenceForward)(input, expected, params as never);
      const gradId = `${id}Grad` as ActivationGradId;
      const usesOutput = gradId === 'SigmoidGrad' || gradId === 'TanhGrad';
      const forward = usesOutput ? expected : input;
      const expectedGradient = new Float32Array(size);
      (functions[lowerFirst(gradId)] as ReferenceGradient)(dOut, forward, expectedGradient, params as never);
      const initial = { input, forward, dOut, output: unset(size), dInput: unset(size) };
      const results = await runOnGpu(context, initial, ['output', 'dInput'], (encoder, b) => {
        encodeActivation(context, encoder, id as ActivationId, { input: b.input!, output: b.output! }, params);
        const gradientBuffers = { dOut: b.dOut!, x: b.forward!, dInput: b.dInput! };
        encodeActivationGrad(context, encoder, gradId, gradientBuffers, params);
      });
      const label = JSON.stringify(params);
      compare(id, label, results.output!, expected, 1e-6, 1e-5);
      compare(gradId, label, results.dInput!, expectedGradient, 1e-6, 1e-5);
    }
  }
  if (ACTIVATION_GRAD_IDS.length !== ACTIVATION_IDS.length) throw new Error('every activation has its gradient');
  // More than 65,535 workgroups of 64: the dispatch takes a second grid axis.
  const large = randomArray(65535 * 64 + 1000);
  const expected = new Float32Array(large.length);
  referenceActivations.relu(large, expected, { size: large.length });
  const { output } = await runOnGpu(context, { large, output: unset(large.length) }, ['output'], (encoder, b) =>
    encodeActivation(context, encoder, 'Relu', { input: b.large!, output: b.output! }, { size: large.length }),
  );
  compare('Relu', `size ${large.length} (two grid axes)`, output!, expected, 0, 0);
}

async function softmaxCases(context: WebGpuContext): Promise<void> {
  for (const [rows, columns, smoothing] of [
    [1, 1, 0],
    [4, 10, 0],
    [9, 37, 0.1],
    [130, 5, 0.2],
  ] as const) {
    const params = { rows, columns };
    const logits = randomArray(rows * columns, 8);
    const dOut = randomArray(rows * columns);
    // Targets: one-hot rows, then probability rows, then a row of zeros (sum 0).
    const targets = new Float32Array(rows * columns);
    for (let row = 0; row < rows; row++) {
      if (row % 3 === 0) targets[row * columns + integer(0, columns - 1)] = 1;
      else if (row % 3 === 1)
        for (let column = 0; column < columns; column++) targets[row * columns + column] = (random() + 1) / 2 / columns;
    }
    const expected = new Float32Array(rows * columns);
    softmax(logits, expected, params);
    const expectedDInput = new Float32Array(rows * columns);
    softmaxGrad(dOut, expected, expectedDInput, params);
    const crossEntropyParams = { rows, columns, labelSmoothing: smoothing };
    const expectedProbabilities = new Float32Array(rows * columns);
    const expectedLosses = new Float32Array(rows);
    softmaxCrossEntropy(logits, targets, expectedProbabilities, expectedLosses, crossEntropyParams);
    const gradParams = { ...crossEntropyParams, scale: 1 / rows };
    const expectedDLogits = new Float32Array(rows * columns);
    softmaxCrossEntropyGrad(expectedProbabilities, targets, expectedDLogits, gradParams);
    const initial = {
      logits,
      dOut,
      targets,
      softmaxOut: unset(rows * columns),
      referenceSoftmax: expected,
      dInput: unset(rows * columns),
      probabilities: unset(rows * columns),
      losses: unset(rows),
      referenceProbabilities: expectedProbabilities,
      dLogits: unset(rows * columns),
    };
    const results = await runOnGpu(
      context,
      initial,
      ['softmaxOut', 'dInput', 'probabilities', 'losses', 'dLogits'],
      (encoder, b) => {
        encodeSoftmax(context, encoder, { logits: b.logits!, output: b.softmaxOut! }, params);
        const gradBuffers = { dOut: b.dOut!, output: b.referenceSoftmax!, dInput: b.dInput! };
        encodeSoftmaxGrad(context, encoder, gradBuffers, params);
        const crossEntropyBuffers = {
          logits: b.logits!,
          targets: b.targets!,
          probabilities: b.probabilities!,
          losses: b.losses!,
        };
        encodeSoftmaxCrossEntropy(context, encoder, crossEntropyBuffers, crossEntropyParams);
        const dLogitsBuffers = { probabilities: b.referenceProbabilities!, targets: b.targets!, dLogits: b.dLogits! };
        encodeSoftmaxCrossEntropyGrad(context, encoder, dLogitsBuffers, gradParams);
      },
    );
    const label = JSON.stringify(crossEntropyParams);
    compare('Softmax', label, results.softmaxOut!, expected, 1e-7, 1e-5);
    compare('SoftmaxGrad', label, results.dInput!, expectedDInput, 1e-7, 1e-5);
    compare('SoftmaxCrossEntropy', `${label} probabilities`, results.probabilities!, expectedProbabilities, 1e-7, 1e-5);
    compare('SoftmaxCrossEntropy', `${label} losses`, results.losses!, expectedLosses, 1e-5, 1e-5);
    compare('SoftmaxCrossEntropyGrad', label, results.dLogits!, expectedDLogits, 1e-7, 1e-5);
  }
}

async function batchNormCases(context: WebGpuContext): Promise<void> {
  for (const [rows, columns] of [
    [1, 1],
    [8, 3],
    [300, 17],
    [2000, 5],
  ] as const) {
    const params = { rows, columns };
    const input = Float32Array.from(randomArray(rows * columns), (value) => value * 3 + 1);
    const dOut = randomArray(rows * columns);
    const gamma = randomArray(columns);
    const scale = randomArray(columns);
    const shift = randomArray(columns);
    const expectedMean = new Float32Array(columns);
    const expectedVariance = new Float32Array(columns);
    batchNormStats(input, expectedMean, expectedVariance, params);
    const expectedOutput = new Float32Array(rows * columns);
    batchNorm(input, scale, shift, expectedOutput, params);
    const initial: Record<string, TypedArray> = {
      input,
      dOut,
      gamma,
      scale,
      shift,
      referenceMean: expectedMean,
      referenceVariance: expectedVariance,
      mean: unset(columns),
      variance: unset(columns),
      output: unset(rows * columns),
    };
    for (const isThroughStatistics of [true, false]) {
      const name = `${isThroughStatistics}`;
      initial[`dInput${name}`] = unset(rows * columns);
      initial[`dGamma${name}`] = unset(columns);
      initial[`dBeta${name}`] = unset(columns);
    }
    const read = [
      'mean',
      'variance',
      'output',
      'dInputtrue',
      'dGammatrue',
      'dBetatrue',
      'dInputfalse',
      'dGammafalse',
      'dBetafalse',
    ];
    const results = await runOnGpu(context, initial, read, (encoder, b) => {
      encodeBatchNormStats(context, encoder, { input: b.input!, mean: b.mean!, variance: b.variance! }, params);
      const normBuffers = { input: b.input!, scale: b.scale!, shift: b.shift!, output: b.output! };
      encodeBatchNorm(context, encoder, normBuffers, params);
      for (const isThroughStatistics of [true, false]) {
        const name = `${isThroughStatistics}`;
        const gradBuffers = {
          dOut: b.dOut!,
          input: b.input!,
          mean: b.referenceMean!,
          variance: b.referenceVariance!,
          gamma: b.gamma!,
          dInput: b[`dInput${name}`]!,
          dGamma: b[`dGamma${name}`]!,
          dBeta: b[`dBeta${name}`]!,
        };
        encodeBatchNormGrad(context, encoder, gradBuffers, { ...params, epsilon: 1e-5, isThroughStatistics });
      }
    });
    const label = JSON.stringify(params);
    compare('BatchNormStats', `${label} mean`, results.mean!, expectedMean, 1e-5, 1e-5);
    compare('BatchNormStats', `${label} variance`, results.variance!, expectedVariance, 1e-5, 1e-5);
    compare('BatchNorm', label, results.output!, expectedOutput, 1e-6, 1e-6);
    for (const isThroughStatistics of [true, false]) {
      const gradParams = { ...params, epsilon: 1e-5, isThroughStatistics };
      const dInput = new Float32Array(rows * columns);
      const dGamma = new Float32Array(columns);
      const dBeta = new Float32Array(columns);
      batchNormGrad(dOut, input, expectedMean, expectedVariance, gamma, dInput, dGamma, dBeta, gradParams);
      const name = `${isThroughStatistics}`;
      const gradLabel = `${label} isThroughStatistics ${isThroughStatistics}`;
      // dInput subtracts two sums of `rows` terms: its error grows with them.
      compare('BatchNormGrad', `${gradLabel} dInput`, results[`dInput${name}`]!, dInput, 1e-5, 1e-4);
      compare('BatchNormGrad', `${gradLabel} dGamma`, results[`dGamma${name}`]!, dGamma, 1e-4, 1e-5);
      compare('BatchNormGrad', `${gradLabel} dBeta`, results[`dBeta${name}`]!, dBeta, 1e-4, 1e-5);
    }
  }
}

async function optimizerCases(context: WebGpuContext): Promise<void> {
  const size = 1000;
  for (const [momentum, isNesterov, weightDecay] of [
    [0, false, 0],
    [0.9, false, 1e-4],
    [0.9, true, 0],
  ] as const) {
    const params = { size, learningRate: 0.05, momentum, isNesterov, weightDecay };
    const weights = randomArray(size);
    const gradient = randomArray(size);
    const velocity = randomArray(size);
    const expectedWeights = weights.slice();
    const expectedVelocity = velocity.slice();
    sgdUpdate(expectedWeights, gradient, expectedVelocity, params);
    const results = await runOnGpu(context, { weights, gradient, velocity }, ['weights', 'velocity'], (encoder, b) =>
      encodeSgdUpdate(context, encoder, { weights: b.weights!, gradient: b.gradient!, velocity: b.velocity! }, params),
    );
    compare('SgdUpdate', `${JSON.stringify(params)} weights`, results.weights!, expectedWeights, 1e-6, 1e-6);
    compare('SgdUpdate', `${JSON.stringify(params)} velocity`, results.velocity!, expectedVelocity, 1e-6, 1e-6);
  }
  for (const [step, weightDecay, decoupledWeightDecay] of [
    [1, 0, 0],
    [10, 1e-4, 0],
    [3, 0, 0.01],
  ] as const) {
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
    const weights = randomArray(size);
    const gradient = randomArray(size);
    const firstMoment = randomArray(size, 0.1);
    const secondMoment = Float32Array.from(randomArray(size, 0.01), Math.abs);
    const expected = { weights: weights.slice(), firstMoment: firstMoment.slice(), secondMoment: secondMoment.slice() };
    adamUpdate(expected.weights, gradient, expected.firstMoment, expected.secondMoment, params);
    const read = ['weights', 'firstMoment', 'secondMoment'] as const;
    const results = await runOnGpu(context, { weights, gradient, firstMoment, secondMoment }, read, (encoder, b) =>
      encodeAdamUpdate(
        context,
        encoder,
        { weights: b.weights!, gradient: b.gradient!, firstMoment: b.firstMoment!, secondMoment: b.secondMoment! },
        params,
      ),
    );
    for (const name of read)
      compare('AdamUpdate', `${JSON.stringify(params)} ${name}`, results[name]!, expected[name], 1e-6, 1e-5);
  }
}

async function elementwiseCases(context: WebGpuContext): Promise<void> {
  const size = 5000;
  const a = randomArray(size);
  const b = randomArray(size);
  const source = randomArray(7 * 9);
  const destination = randomArray(7 * 12);
  const copyParams = {
    rows: 7,
    columns: 4,
    sourceStride: 9,
    sourceOffset: 3,
    destinationStride: 12,
    destinationOffset: 5,
  };
  const expected = { sum: new Float32Array(size), product: new Float32Array(size), copied: destination.slice() };
  add(a, b, expected.sum, { size });
  multiply(a, b, expected.product, { size });
  copyColumns(source, expected.copied, copyParams);
  const initial = { a, b, sum: unset(size), product: unset(size), source, copied: destination };
  const results = await runOnGpu(context, initial, ['sum', 'product', 'copied'], (encoder, buffers) => {
    encodeArithmetic(context, encoder, 'Add', { a: buffers.a!, b: buffers.b!, output: buffers.sum! }, { size });
    encodeArithmetic(
      context,
      encoder,
      'Multiply',
      { a: buffers.a!, b: buffers.b!, output: buffers.product! },
      { size },
    );
    encodeCopyColumns(context, encoder, { source: buffers.source!, destination: buffers.copied! }, copyParams);
  });
  compare('Add', `size ${size}`, results.sum!, expected.sum, 0, 0);
  compare('Multiply', `size ${size}`, results.product!, expected.product, 0, 0);
  compare('CopyColumns', JSON.stringify(copyParams), results.copied!, expected.copied, 0, 0);

  for (let draw = 0; draw < 4; draw++) {
    const batch = integer(1, 2);
    const inH = integer(1, 6);
    const inW = integer(1, 6);
    const inC = integer(1, 5);
    const padding = {
      padTop: integer(0, 2),
      padBottom: integer(0, 2),
      padLeft: integer(0, 2),
      padRight: integer(0, 2),
    };
    const outH = padding.padTop + inH + padding.padBottom;
    const outW = padding.padLeft + inW + padding.padRight;
    const params = { batch, inH, inW, inC, outH, outW, ...padding };
    const input = randomArray(batch * inH * inW * inC);
    const dOut = randomArray(batch * outH * outW * inC);
    const padded = new Float32Array(dOut.length);
    zeroPad2d(input, padded, params);
    const cropped = new Float32Array(input.length);
    zeroPad2dBackprop(dOut, cropped, params);
    const shuffleParams = { rows: batch * inH * inW, groups: pick([1, 2, 3]), groupSize: integer(1, 4) };
    const channels = randomArray(shuffleParams.rows * shuffleParams.groups * shuffleParams.groupSize);
    const shuffled = new Float32Array(channels.length);
    channelShuffle(channels, shuffled, shuffleParams);
    const dropoutParams = { size: dOut.length, rate: pick([0, 0.1, 0.5, 0.9]), seed: integer(0, 1e9) };
    const dropped = new Float32Array(dOut.length);
    dropout(dOut, dropped, dropoutParams);
    const gpuInitial = {
      input,
      dOut,
      channels,
      padded: unset(padded.length),
      cropped: unset(cropped.length),
      shuffled: unset(shuffled.length),
      dropped: unset(dropped.length),
    };
    const read = ['padded', 'cropped', 'shuffled', 'dropped'];
    const gpu = await runOnGpu(context, gpuInitial, read, (encoder, buffers) => {
      encodeZeroPad2D(context, encoder, { input: buffers.input!, output: buffers.padded! }, params);
      encodeZeroPad2DBackprop(context, encoder, { dOut: buffers.dOut!, dInput: buffers.cropped! }, params);
      const shuffleBuffers = { input: buffers.channels!, output: buffers.shuffled! };
      encodeChannelShuffle(context, encoder, shuffleBuffers, shuffleParams);
      encodeDropout(context, encoder, { input: buffers.dOut!, output: buffers.dropped! }, dropoutParams);
    });
    compare('ZeroPad2D', JSON.stringify(params), gpu.padded!, padded, 0, 0);
    compare('ZeroPad2DBackprop', JSON.stringify(params), gpu.cropped!, cropped, 0, 0);
    compare('ChannelShuffle', JSON.stringify(shuffleParams), gpu.shuffled!, shuffled, 0, 0);
    // The scale is rounded to float32 before the product (see webgpu/dropout.ts): one ulp apart at most.
    compare('Dropout', JSON.stringify(dropoutParams), gpu.dropped!, dropped, 0, 1.2e-7);
  }
}

async function powerCases(context: WebGpuContext): Promise<void> {
  const size = 2000;
  const input = randomArray(size, 4);
  for (const [index, value] of [0, -0, 1, -1, 2, -2, 0.5, Number.NaN].entries()) input[index] = value;
  const positive = Float32Array.from(input, Math.abs);
  const dOut = randomArray(size);
  for (const exponent of [2, 0.5, 3, -2, 1.5, Math.fround(1 / 3), 1, 0]) {
    const data = Number.isInteger(exponent) ? input : positive;
    const params = { size, exponent };
    const expected = new Float32Array(size);
    pow(data, expected, params);
    const expectedGradient = new Float32Array(size);
    powGrad(dOut, data, expectedGradient, params);
    const initial = { data, dOut, output: unset(size), dInput: unset(size) };
    const results = await runOnGpu(context, initial, ['output', 'dInput'], (encoder, buffers) => {
      encodePow(context, encoder, { input: buffers.data!, output: buffers.output! }, params);
      encodePowGrad(context, encoder, { dOut: buffers.dOut!, input: buffers.data!, dInput: buffers.dInput! }, params);
    });
    compare('Pow', JSON.stringify(params), results.output!, expected, 1e-6, 1e-5);
    compare('PowGrad', JSON.stringify(params), results.dInput!, expectedGradient, 1e-6, 1e-5);
  }
}

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

async function broadcastCases(context: WebGpuContext): Promise<void> {
  for (let draw = 0; draw < ARITHMETIC_OPERATIONS.length * 2; draw++) {
    const operation = ARITHMETIC_OPERATIONS[draw % ARITHMETIC_OPERATIONS.length]!;
    const shape = Array.from({ length: BROADCAST_RANK }, () => pick([1, 1, 2, 3, 5]));
    const aBroadcast = shape.map((extent) => extent > 1 && random() > 0.6);
    const bBroadcast = shape.map((extent, axis) => extent > 1 && !aBroadcast[axis] && random() > 0.5);
    const aSize = shape.reduce((product, extent, axis) => product * (aBroadcast[axis] ? 1 : extent), 1);
    const bSize = shape.reduce((product, extent, axis) => product * (bBroadcast[axis] ? 1 : extent), 1);
    const params = { operation, shape, aStrides: stridesOf(shape, aBroadcast), bStrides: stridesOf(shape, bBroadcast) };
    const a = randomArray(aSize);
    const b = randomArray(bSize);
    // Equal values (selectionWeight's ties) and NaN (minimum and maximum keep it).
    b[0] = a[0]!;
    if (draw >= ARITHMETIC_OPERATIONS.length) a[aSize - 1] = Number.NaN;
    const size = shape.reduce((product, extent) => product * extent, 1);
    const expected = new Float32Array(size);
    broadcastArithmetic(a, b, expected, params);
    const { output } = await runOnGpu(context, { a, b, output: unset(size) }, ['output'], (encoder, buffers) =>
      encodeBroadcastArithmetic(context, encoder, { a: buffers.a!, b: buffers.b!, output: buffers.output! }, params),
    );
    compare('BroadcastArithmetic', JSON.stringify(params), output!, expected, 0, 1.2e-7);

    const summed = shape.map((extent) => extent > 1 && random() > 0.5);
    const outStrides = stridesOf(shape, summed);
    const outSize = shape.reduce((product, extent, axis) => product * (summed[axis] ? 1 : extent), 1);
    const input = randomArray(size);
    const expectedSum = new Float32Array(outSize);
    reduceSumTo(input, expectedSum, { shape, outStrides });
    const reduced = await runOnGpu(context, { input, output: unset(outSize) }, ['output'], (encoder, buffers) =>
      encodeReduceSumTo(context, encoder, { input: buffers.input!, output: buffers.output! }, { shape, outStrides }),
    );
    compare('ReduceSumTo', JSON.stringify({ shape, outStrides }), reduced.output!, expectedSum, 1e-6, 1e-6);
  }
}

async function layerNormCases(context: WebGpuContext): Promise<void> {
  for (const [rows, columns] of [
    [1, 1],
    [6, 7],
    [300, 24],
  ] as const) {
    const params = { rows, columns, epsilon: 1e-5 };
    const input = Float32Array.from(randomArray(rows * columns), (value) => value * 2 + 0.5);
    const gamma = randomArray(columns);
    const beta = randomArray(columns);
    const dOut = randomArray(rows * columns);
    const expected = {
      output: new Float32Array(rows * columns),
      mean: new Float32Array(rows),
      invStd: new Float32Array(rows),
      dInput: new Float32Array(rows * columns),
      dGamma: new Float32Array(columns),
      dBeta: new Float32Array(columns),
    };
    layerNorm(input, gamma, beta, expected.output, expected.mean, expected.invStd, params);
    const { mean, invStd, dInput, dGamma, dBeta } = expected;
    layerNormGrad(dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta, params);
    const initial = {
      input,
      gamma,
      beta,
      dOut,
      output: unset(rows * columns),
      mean: unset(rows),
      invStd: unset(rows),
      referenceMean: mean,
      referenceInvStd: invStd,
      dInput: unset(rows * columns),
      dGamma: unset(columns),
      dBeta: unset(columns),
    };
    const read = ['output', 'mean', 'invStd', 'dInput', 'dGamma', 'dBeta'] as const;
    const results = await runOnGpu(context, initial, read, (encoder, b) => {
      const forward = {
        input: b.input!,
        gamma: b.gamma!,
        beta: b.beta!,
        output: b.output!,
        mean: b.mean!,
        invStd: b.invStd!,
      };
      encodeLayerNorm(context, encoder, forward, params);
      const backward = {
        dOut: b.dOut!,
        input: b.input!,
        gamma: b.gamma!,
        mean: b.referenceMean!,
        invStd: b.referenceInvStd!,
        dInput: b.dInput!,
        dGamma: b.dGamma!,
        dBeta: b.dBeta!,
      };
      encodeLayerNormGrad(context, encoder, backward, params);
    });
    for (const name of ['output', 'mean', 'invStd'] as const) {
      compare('LayerNorm', `${JSON.stringify(params)} ${name}`, results[name]!, expected[name], 1e-5, 1e-5);
    }
    for (const name of ['dInput', 'dGamma', 'dBeta'] as const) {
      compare('LayerNormGrad', `${JSON.stringify(params)} ${name}`, results[name]!, expected[name], 2e-5, 1e-5);
    }
  }
}

async function moreOptimizerCases(context: WebGpuContext): Promise<void> {
  const size = 1000;
  for (const [momentum, isCentered] of [
    [0, false],
    [0.9, false],
    [0, true],
    [0.5, true],
  ] as const) {
    const params = { size, learningRate: 0.01, rho: 0.99, epsilon: 1e-8, momentum, isCentered, weightDecay: 1e-4 };
    const state = {
      weights: randomArray(size),
      squareAverage: Float32Array.from(randomArray(size, 0.01), Math.abs),
      momentumBuffer: randomArray(size, 0.1),
      gradientAverage: randomArray(size, 0.01),
    };
    const gradient = randomArray(size);
    const expected = {
      weights: state.weights.slice(),
      squareAverage: state.squareAverage.slice(),
      momentumBuffer: state.momentumBuffer.slice(),
      gradientAverage: state.gradientAverage.slice(),
    };
    rmsPropUpdate(
      expected.weights,
      gradient,
      expected.squareAverage,
      expected.momentumBuffer,
      expected.gradientAverage,
      params,
    );
    const read = ['weights', 'squareAverage', 'momentumBuffer', 'gradientAverage'] as const;
    const results = await runOnGpu(context, { ...state, gradient }, read, (encoder, b) =>
      encodeRmsPropUpdate(
        context,
        encoder,
        {
          weights: b.weights!,
          gradient: b.gradient!,
          squareAverage: b.squareAverage!,
          momentumBuffer: momentum === 0 ? null : b.momentumBuffer!,
          gradientAverage: isCentered ? b.gradientAverage! : null,
        },
        params,
      ),
    );
    for (const name of read) {
      compare('RmsPropUpdate', `${JSON.stringify(params)} ${name}`, results[name]!, expected[name], 1e-6, 1e-5);
    }
  }
  const adagradParams = { size, learningRate: 0.01, epsilon: 1e-10, weightDecay: 1e-4 };
  const weights = randomArray(size);
  const gradient = randomArray(size);
  const accumulator = Float32Array.from(randomArray(size), Math.abs);
  const expected = { weights: weights.slice(), accumulator: accumulator.slice() };
  adagradUpdate(expected.weights, gradient, expected.accumulator, adagradParams);
  const clipParams = { size, scale: 0.7, clipValue: 0.5 };
  const noClipParams = { size, scale: 0.25, clipValue: Infinity };
  const gradientWithNaN = gradient.slice();
  gradientWithNaN[3] = Number.NaN;
  const clipped = new Float32Array(size);
  clipGradient(gradientWithNaN, clipped, clipParams);
  const scaled = gradientWithNaN.slice();
  clipGradient(scaled, scaled, noClipParams);
  const squares = new Float32Array(1);
  sumOfSquares(gradient, squares, { size });
  const initial = {
    weights,
    gradient,
    accumulator,
    gradientWithNaN,
    clipped: unset(size),
    inPlace: gradientWithNaN.slice(),
    squares: unset(1),
  };
  const read = ['weights', 'accumulator', 'clipped', 'inPlace', 'squares'] as const;
  const results = await runOnGpu(context, initial, read, (encoder, b) => {
    const adagradBuffers = { weights: b.weights!, gradient: b.gradient!, accumulator: b.accumulator! };
    encodeAdagradUpdate(context, encoder, adagradBuffers, adagradParams);
    encodeClipGradient(context, encoder, { gradient: b.gradientWithNaN!, output: b.clipped! }, clipParams);
    encodeClipGradient(context, encoder, { gradient: b.inPlace!, output: b.inPlace! }, noClipParams);
    encodeSumOfSquares(context, encoder, { input: b.gradient!, output: b.squares! }, { size });
  });
  const label = JSON.stringify(adagradParams);
  compare('AdagradUpdate', `${label} weights`, results.weights!, expected.weights, 1e-6, 1e-5);
  compare('AdagradUpdate', `${label} accumulator`, results.accumulator!, expected.accumulator, 1e-6, 1e-5);
  compare('ClipGradient', JSON.stringify(clipParams), results.clipped!, clipped, 0, 1.2e-7);
  compare('ClipGradient', `${JSON.stringify(noClipParams)} in place`, results.inPlace!, scaled, 0, 1.2e-7);
  compare('SumOfSquares', `size ${size}`, results.squares!, squares, 0, 1e-5);
}

async function resizeCases(context: WebGpuContext): Promise<void> {
  for (let draw = 0; draw < 12; draw++) {
    const inH = integer(1, 6);
    const inW = integer(1, 6);
    const outH = draw % 3 === 0 ? inH * 2 : integer(1, 11);
    const outW = draw % 3 === 0 ? inW * 2 : integer(1, 11);
    const params: Resize2DParams = {
      batch: integer(1, 2),
      inH,
      inW,
      inC: integer(1, 4),
      outH,
      outW,
      scaleH: Math.fround(outH / inH),
      scaleW: Math.fround(outW / inW),
      mode: draw % 2 === 0 ? 'bilinear' : 'nearest',
      coordinates: RESIZE_COORDINATES[draw % RESIZE_COORDINATES.length]!,
      nearestRounding: NEAREST_ROUNDINGS[draw % NEAREST_ROUNDINGS.length]!,
    };
    const input = randomArray(params.batch * inH * inW * params.inC);
    const dOut = randomArray(params.batch * outH * outW * params.inC);
    const expected = new Float32Array(dOut.length);
    resize2d(input, expected, params);
    const expectedDInput = new Float32Array(input.length);
    resize2dBackprop(dOut, expectedDInput, params);
    const initial = { input, dOut, output: unset(dOut.length), dInput: unset(input.length) };
    const results = await runOnGpu(context, initial, ['output', 'dInput'], (encoder, buffers) => {
      encodeResize2D(context, encoder, { input: buffers.input!, output: buffers.output! }, params);
      encodeResize2DBackprop(context, encoder, { dOut: buffers.dOut!, dInput: buffers.dInput! }, params);
    });
    compare('Resize2D', JSON.stringify(params), results.output!, expected, 1e-6, 1e-6);
    compare('Resize2DBackprop', JSON.stringify(params), results.dInput!, expectedDInput, 1e-6, 1e-5);
  }
}

/** Calls kernel `id` with named arguments (looked up in the step's storage) and a params record. */
type KernelCall = (id: KernelId, names: readonly (string | null)[], params: object) => void;

/**
 * One SGD step of a tiny convolutional network, written once for both sides through `call`: conv 3x3
 * (bias, fused ReLU) -> max pool 2x2 -> dense -> softmax cross-entropy, then the backward pass and the
 * momentum updates of all four parameters. `step` names where this step's row losses go.
 */
function trainingStep(call: KernelCall, step: number): void {
  const conv = {
    batch: 4,
    inH: 8,
    inW: 8,
    inC: 2,
    outH: 8,
    outW: 8,
    outC: 4,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
  };
  const pool = { ...conv, inC: 4, inH: 8, inW: 8, outH: 4, outW: 4, kH: 2, kW: 2, strideH: 2, strideW: 2 };
  const noPadding = { padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
  const rows = { rows: 4, columns: 3 };
  call('Conv2D', ['x', 'filter', 'convBias', 'activated'], { ...conv, activation: 'relu' });
  call('MaxPool2D', ['activated', 'pooled', 'argmax'], { ...pool, ...noPadding });
  call('MatMul', ['pooled', 'denseWeight', 'logits'], { m: 4, k: 64, n: 3, transposeA: false, transposeB: false });
  call('BiasAdd', ['logits', 'denseBias', 'biased'], rows);
  call('SoftmaxCrossEntropy', ['biased', 'targets', 'probabilities', `losses${step}`], rows);
  call('SoftmaxCrossEntropyGrad', ['probabilities', 'targets', 'dLogits'], { ...rows, scale: 1 / 4 });
  call('BiasAddGrad', ['dLogits', 'dDenseBias'], rows);
  call('MatMul', ['pooled', 'dLogits', 'dDenseWeight'], { m: 64, k: 4, n: 3, transposeA: true, transposeB: false });
  call('MatMul', ['dLogits', 'denseWeight', 'dPooled'], { m: 4, k: 3, n: 64, transposeA: false, transposeB: true });
  call('MaxPool2DBackprop', ['dPooled', 'argmax', 'dActivated'], { ...pool, ...noPadding });
  const clip = { rows: 4 * 8 * 8, columns: 4, min: 0, max: Infinity };
  call('ClipBiasAddGrad', ['dActivated', 'activated', 'dConv', 'dConvBias'], clip);
  call('Conv2DBackpropFilter', ['x', 'dConv', 'dFilter'], conv);
  for (const [weight, size] of [
    ['filter', 72],
    ['convBias', 4],
    ['denseWeight', 192],
    ['denseBias', 3],
  ] as const) {
    const gradient = `d${weight[0]!.toUpperCase()}${weight.slice(1)}`;
    const sgd = { size, learningRate: 0.1, momentum: 0.9, isNesterov: false, weightDecay: 1e-3 };
    call('SgdUpdate', [weight, gradient, `${weight}Velocity`], sgd);
  }
}

async function trainingCases(context: WebGpuContext): Promise<void> {
  const steps = 5;
  const storage: Record<string, TypedArray> = {
    x: randomArray(4 * 8 * 8 * 2),
    filter: randomArray(72, 0.5),
    convBias: randomArray(4, 0.1),
    denseWeight: randomArray(192, 0.3),
    denseBias: new Float32Array(3),
    targets: new Float32Array(12),
    activated: new Float32Array(1024),
    pooled: new Float32Array(64 * 4),
    argmax: new Int32Array(64 * 4),
    logits: new Float32Array(12),
    biased: new Float32Array(12),
    probabilities: new Float32Array(12),
    dLogits: new Float32Array(12),
    dDenseBias: new Float32Array(3),
    dDenseWeight: new Float32Array(192),
    dPooled: new Float32Array(256),
    dActivated: new Float32Array(1024),
    dConv: new Float32Array(1024),
    dConvBias: new Float32Array(4),
    dFilter: new Float32Array(72),
    filterVelocity: new Float32Array(72),
    convBiasVelocity: new Float32Array(4),
    denseWeightVelocity: new Float32Array(192),
    denseBiasVelocity: new Float32Array(3),
  };
  for (let row = 0; row < 4; row++) storage.targets![row * 3 + (row % 3)] = 1;
  for (let step = 0; step < steps; step++) storage[`losses${step}`] = new Float32Array(4);
  const gpu = Object.fromEntries(Object.entries(storage).map(([name, data]) => [name, uploadArray(context, data)]));
  const cpu = Object.fromEntries(Object.entries(storage).map(([name, data]) => [name, data.slice()]));
  const referenceKernels = referenceBackend.kernels as unknown as Record<KernelId, (...args: unknown[]) => void>;
  const gpuKernels = WEBGPU_KERNELS as unknown as Record<KernelId, (...args: unknown[]) => void>;
  for (let step = 0; step < steps; step++) {
    trainingStep((id, names, params) => {
      referenceKernels[id](...names.map((name) => (name === null ? null : cpu[name])), params);
    }, step);
    // One command encoder and one submit per step; nothing is read back until every step is queued.
    const encoder = new KernelEncoder(context);
    trainingStep((id, names, params) => {
      gpuKernels[id](context, encoder, ...names.map((name) => (name === null ? null : gpu[name])), params);
    }, step);
    encoder.submit();
  }
  const read = [
    ...Array.from({ length: steps }, (_, step) => `losses${step}`),
    'filter',
    'convBias',
    'denseWeight',
    'denseBias',
  ];
  for (const name of read) {
    const data = await downloadArray(context, gpu[name]!, storage[name]!.length);
    compare('TrainingStep', `${steps} SGD steps of conv-relu-pool-dense: ${name}`, data, cpu[name]!, 1e-5, 1e-4);
  }
  const totalLoss = (name: string) => Array.from(cpu[name]!).reduce((sum, value) => sum + value, 0);
  const firstLoss = totalLoss('losses0');
  const lastLoss = totalLoss(`losses${steps - 1}`);
  compare('TrainingStep', 'the loss falls', [Math.min(lastLoss, firstLoss)], [lastLoss], 0, 0);
  for (const buffer of Object.values(gpu)) context.pool.release(buffer);
}

async function main(): Promise<PageResult> {
  let context: WebGpuContext;
  try {
    context = await createWebGpuContext();
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) return { unavailable: error.message };
    throw error;
  }
  context.device.pushErrorScope('validation');
  await matMulCases(context);
  await convCases(context);
  await splitFilterGradientCase(context);
  await poolCases(context);
  await biasCases(context);
  await activationCases(context);
  await softmaxCases(context);
  await batchNormCases(context);
  await optimizerCases(context);
  await elementwiseCases(context);
  await powerCases(context);
  await broadcastCases(context);
  await layerNormCases(context);
  await moreOptimizerCases(context);
  await resizeCases(context);
  await trainingCases(context);
  const validation = await context.device.popErrorScope();
  if (validation !== null) return { error: `WebGPU validation error: ${validation.message}` };
  return { adapterName: context.adapterName, cases, poolCounts: { ...context.pool.counts } };
}

const page = window as unknown as { webgpuResult?: PageResult };
main().then(
  (result) => {
    page.webgpuResult = result;
  },
  (error: unknown) => {
    page.webgpuResult = { error: String((error as Error)?.stack ?? error) };
  },
);
