// The page side of test/browser/webgpuKernels.test.ts: what only the WGSL kernels have, against the
// reference kernels (kernels/js/): each convolution algorithm forced on seeded random geometries, the
// split-K filter gradient, a dispatch over two grid axes, and five training steps recorded into one
// encoder each. Every kernel against the reference through dispatch, on every backend, is the
// conformance suite's kernel part (test/conformance/kernelSuite.ts). Leaves one record per case in
// window.webgpuResult, or why WebGPU is unavailable. Each case states its tolerance: a value passes
// when |gpu - reference| <= absolute + relative * |reference|, NaN matching NaN.

import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../../src/kernels/js/conv2d.js';
import { matMul as referenceMatMul } from '../../src/kernels/js/matMul.js';
import * as referenceActivations from '../../src/kernels/js/activations.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { type Conv2DParams, type FusedActivation, windowOutputSize } from '../../src/kernels/params.js';
import { encodeActivation } from '../../src/kernels/webgpu/activations.js';
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
import { WEBGPU_KERNELS } from '../../src/kernels/webgpu/webgpuKernels.js';
import type { GpuBuffer } from '../../src/kernels/webgpu/gpuTypes.js';
import { KernelEncoder } from '../../src/kernels/webgpu/kernelEncoder.js';
import { encodeMatMul, splitDepth } from '../../src/kernels/webgpu/matMul.js';

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
    if (draw % 4 === 0) {
      // With a 3x3 stride-2 max pool padded by 1 (Conv2DParams.pool): the convolution, then the pool.
      const pool = {
        batch,
        inH: outH,
        inW: outW,
        inC: outC,
        outH: Math.floor((outH - 1) / 2) + 1,
        outW: Math.floor((outW - 1) / 2) + 1,
        kH: 3,
        kW: 3,
        strideH: 2,
        strideW: 2,
        padTop: 1,
        padBottom: 1,
        padLeft: 1,
        padRight: 1,
      };
      const pooledSize = batch * pool.outH * pool.outW * outC;
      const pooledExpected = new Float32Array(pooledSize);
      conv2d(input, filter, bias, pooledExpected, { ...params, pool }, residual, inputScale);
      const { output } = await runOnGpu(
        context,
        { ...initial, output: unset(pooledSize) },
        ['output'],
        (encoder, buffers) =>
          WEBGPU_KERNELS.Conv2D(
            context,
            encoder,
            buffers.input!,
            buffers.filter!,
            buffers.bias ?? null,
            buffers.output!,
            { ...params, pool },
            buffers.residual ?? null,
            buffers.inputScale ?? null,
          ),
      );
      compare('Conv2D', `${JSON.stringify(params)} + 3x3 stride-2 max pool`, output!, pooledExpected, 2e-5, 1e-5);
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
  // Forced: its tiles are 14% full (72 of 128 rows, 16 of 64 columns), so conv2dAlgorithm picks the direct loop.
  const { dFilter } = await runOnGpu(context, { input, dOut, dFilter: unset(expected.length) }, ['dFilter'], (e, b) =>
    encodeConv2DBackpropFilter(
      context,
      e,
      { input: b.input!, dOut: b.dOut!, dFilter: b.dFilter! },
      params,
      'implicitGemm',
    ),
  );
  const chosen = conv2dAlgorithm(params, 'backpropFilter');
  const label = `${JSON.stringify(params)} implicitGemm (forced; default ${chosen}), 12 splits`;
  compare('Conv2DBackpropFilter', label, dFilter!, expected, 2e-4, 1e-5);
}

/**
 * digits-cnn's two 3x3 'same' layers (1 -> 16 and 16 -> 32 channels) at batch 2, each pass with each
 * algorithm forced: conv2dAlgorithm picks the direct loop for the passes whose GEMM tiles are mostly
 * padding (the first layer's forward and filter gradient, the second's input gradient).
 */
async function digitsLayerCases(context: WebGpuContext): Promise<void> {
  for (const [inH, inC, outC] of [
    [28, 1, 16],
    [14, 16, 32],
  ] as const) {
    const params: Conv2DParams = {
      batch: 2,
      inH,
      inW: inH,
      inC,
      outH: inH,
      outW: inH,
      outC,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padBottom: 1,
      padLeft: 1,
      padRight: 1,
    };
    const input = randomArray(2 * inH * inH * inC);
    const filter = randomArray(9 * inC * outC);
    const dOut = randomArray(2 * inH * inH * outC);
    const expected = new Float32Array(dOut.length);
    conv2d(input, filter, null, expected, params);
    const expectedDInput = new Float32Array(input.length);
    conv2dBackpropInput(dOut, filter, expectedDInput, params);
    const expectedDFilter = new Float32Array(filter.length);
    conv2dBackpropFilter(input, dOut, expectedDFilter, params);
    for (const algorithm of ['direct', 'implicitGemm'] as const) {
      const initial = {
        input,
        filter,
        dOut,
        output: unset(dOut.length),
        dInput: unset(input.length),
        dFilter: unset(filter.length),
      };
      const results = await runOnGpu(context, initial, ['output', 'dInput', 'dFilter'], (encoder, b) => {
        encodeConv2D(
          context,
          encoder,
          { input: b.input!, filter: b.filter!, bias: null, output: b.output! },
          params,
          algorithm,
        );
        const backpropInput = { dOut: b.dOut!, filter: b.filter!, dInput: b.dInput! };
        encodeConv2DBackpropInput(context, encoder, backpropInput, params, algorithm);
        const backpropFilter = { input: b.input!, dOut: b.dOut!, dFilter: b.dFilter! };
        encodeConv2DBackpropFilter(context, encoder, backpropFilter, params, algorithm);
      });
      const label = (pass: 'forward' | 'backpropInput' | 'backpropFilter') =>
        `digits-cnn ${inC} -> ${outC} at batch 2, ${algorithm} forced (default ${conv2dAlgorithm(params, pass)})`;
      compare('Conv2D', label('forward'), results.output!, expected, 2e-5, 1e-5);
      compare('Conv2DBackpropInput', label('backpropInput'), results.dInput!, expectedDInput, 2e-5, 1e-5);
      compare('Conv2DBackpropFilter', label('backpropFilter'), results.dFilter!, expectedDFilter, 5e-4, 1e-5);
    }
  }
}

/**
 * MatMul with few rows and a long sum, split over workgroups (split-K, splitDepth) and added by a second
 * pass: W1's Dense 3136 -> 128 at batch 1 and 8 (13 splits), each transpose, a sum shorter than one split,
 * an odd depth that ends inside a 16-deep tile, and a product of many tiles that takes one split.
 */
async function matMulCases(context: WebGpuContext): Promise<void> {
  const shapes: [m: number, k: number, n: number, transposeA: boolean, transposeB: boolean][] = [
    [1, 3136, 128, false, false],
    [8, 3136, 128, false, false],
    [3, 1000, 70, true, false],
    [5, 777, 10, false, true],
    [2, 2049, 3, true, true],
    [4, 100, 9, false, false],
    [64, 1568, 64, false, false],
    [300, 40, 1100, false, false],
  ];
  for (const [m, k, n, transposeA, transposeB] of shapes) {
    const params = { m, k, n, transposeA, transposeB };
    const a = randomArray(m * k);
    const b = randomArray(k * n);
    const expected = new Float32Array(m * n);
    referenceMatMul(a, b, expected, params);
    const { output } = await runOnGpu(context, { a, b, output: unset(m * n) }, ['output'], (encoder, buffers) =>
      encodeMatMul(context, encoder, { a: buffers.a!, b: buffers.b!, output: buffers.output! }, params),
    );
    const splits = splitDepth(k, Math.ceil(m / 64) * Math.ceil(n / 64));
    // Sums of up to 3,136 products of values in [-1, 1): float32 rounding grows with the length of the sum.
    compare('MatMul', `${JSON.stringify(params)}, ${splits} splits`, output!, expected, 2e-5 * Math.sqrt(k), 1e-5);
  }
}

/** More than 65,535 workgroups of 64: the dispatch takes a second grid axis. */
async function twoGridAxesCase(context: WebGpuContext): Promise<void> {
  const large = randomArray(65535 * 64 + 1000);
  const expected = new Float32Array(large.length);
  referenceActivations.relu(large, expected, { size: large.length });
  const { output } = await runOnGpu(context, { large, output: unset(large.length) }, ['output'], (encoder, b) =>
    encodeActivation(context, encoder, 'Relu', { input: b.large!, output: b.output! }, { size: large.length }),
  );
  compare('Relu', `size ${large.length} (two grid axes)`, output!, expected, 0, 0);
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
  await convCases(context);
  await splitFilterGradientCase(context);
  await matMulCases(context);
  await digitsLayerCases(context);
  await twoGridAxesCase(context);
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
