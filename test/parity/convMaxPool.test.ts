// A Conv2D with a pool (Conv2DParams.pool: the inference plan's convolution and the MaxPool2D that alone reads it)
// against the reference kernels: the polyphase 7x7 stride-2 convolutions pooled in one pass
// (conv2dWinogradPolyphaseMaxPool in assembly/winogradPolyphase.ts) with ResNet's 3x3 stride-2 pool padded by 1 and
// other windows (2x2, uneven padding, ceil mode, stride 1, windows as tall as and taller than the ring's tile
// rows), odd sizes, batches 1, 2, 3 and 8, activations; and convolutions the wasm backend runs then pools (3x3, a
// residual, a filter that may change). Both builds; bit-identical on 1 and 2 threads, and to the wasm Conv2D then MaxPool2D kernels.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, Random, setBackend, type KernelSignatures, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import { convolutionAlgorithm } from '../../src/kernels/wasm/wasmBackend.js';
import { poolParams, type Pool2DOptions } from '../../src/ops/maxPool2d.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, wasmSkip, type ParityCase } from './harness.js';

interface PooledCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  padding: Padding;
  pool: Pool2DOptions;
  activation?: FusedActivation | undefined;
  hasBias?: boolean;
  hasResidual?: boolean;
  isConstantFilter?: boolean;
}

const RESNET_POOL: Pool2DOptions = { poolSize: 3, strides: 2, padding: 1 };

const CASES: readonly PooledCase[] = [
  // ResNet's stem and pool, smaller, at batches 1, 3 and 8.
  { batch: 1, inH: 64, inW: 64, inC: 3, outC: 64, kernel: 7, stride: 2, padding: 3, pool: RESNET_POOL },
  { batch: 3, inH: 45, inW: 39, inC: 3, outC: 16, kernel: 7, stride: 2, padding: 3, pool: RESNET_POOL },
  { batch: 8, inH: 30, inW: 34, inC: 3, outC: 8, kernel: 7, stride: 2, padding: 3, pool: RESNET_POOL },
  // Odd conv outputs (ends of partial tiles), uneven pool padding, ceil mode, 2x2, stride 1, a 5-row window.
  { batch: 2, inH: 37, inW: 29, inC: 2, outC: 12, kernel: 7, stride: 2, padding: 3, pool: { poolSize: 2 } },
  {
    batch: 3,
    inH: 33,
    inW: 31,
    inC: 4,
    outC: 20,
    kernel: 7,
    stride: 2,
    padding: [2, 4, 1, 3],
    pool: { poolSize: 3, strides: 2, padding: [0, 2, 1, 0] },
    activation: { kind: 'clip', min: 0, max: 6 },
  },
  {
    batch: 1,
    inH: 41,
    inW: 27,
    inC: 3,
    outC: 8,
    kernel: 7,
    stride: 2,
    padding: 'valid',
    pool: { poolSize: 3, strides: 2, ceilMode: true },
    activation: undefined,
    hasBias: false,
  },
  {
    batch: 2,
    inH: 26,
    inW: 22,
    inC: 1,
    outC: 4,
    kernel: 7,
    stride: 2,
    padding: 'same',
    pool: { poolSize: 3, strides: 1, padding: 'same' },
  },
  {
    batch: 1,
    inH: 50,
    inW: 36,
    inC: 3,
    outC: 8,
    kernel: 7,
    stride: 2,
    padding: 3,
    pool: { poolSize: [5, 2], strides: [3, 2], padding: [2, 1, 0, 1] },
    activation: { kind: 'leakyRelu', alpha: 0.1 },
  },
  // A 7-row window, taller than the 5x5 tiles' rows (a ring of 15 rows), at batch 2.
  {
    batch: 2,
    inH: 47,
    inW: 30,
    inC: 3,
    outC: 8,
    kernel: 7,
    stride: 2,
    padding: 3,
    pool: { poolSize: [7, 3], strides: [2, 2], padding: [3, 2, 1, 1] },
  },
  // Convolutions run, then pooled: 3x3, a residual, a filter packed on each call.
  { batch: 3, inH: 17, inW: 15, inC: 5, outC: 12, kernel: 3, stride: 1, padding: 'same', pool: RESNET_POOL },
  {
    batch: 2,
    inH: 31,
    inW: 33,
    inC: 3,
    outC: 16,
    kernel: 7,
    stride: 2,
    padding: 3,
    pool: RESNET_POOL,
    hasResidual: true,
  },
  {
    batch: 2,
    inH: 31,
    inW: 33,
    inC: 3,
    outC: 16,
    kernel: 7,
    stride: 2,
    padding: 3,
    pool: RESNET_POOL,
    isConstantFilter: false,
  },
];

interface PreparedCase {
  name: string;
  params: Conv2DParams;
  input: Float32Array;
  filter: Float32Array;
  bias: Float32Array | null;
  residual: Float32Array | null;
}

function prepare(random: Random): PreparedCase[] {
  return CASES.map((geometry) => {
    const { batch, inH, inW, inC, outC, kernel, stride, padding } = geometry;
    const window = windowParams('case', batch, inH, inW, inC, {
      kH: kernel,
      kW: kernel,
      strideH: stride,
      strideW: stride,
      padding,
      dilationH: 1,
      dilationW: 1,
    });
    const activation = 'activation' in geometry ? geometry.activation : { kind: 'relu' as const };
    const convolution: Conv2DParams = {
      ...window,
      outC,
      activation,
      isConstantFilter: geometry.isConstantFilter ?? true,
    };
    const pool = poolParams([batch, window.outH, window.outW, outC], geometry.pool);
    const residual =
      geometry.hasResidual === true ? randomArray(random, batch * window.outH * window.outW * outC) : null;
    return {
      name:
        `Conv2D+MaxPool2D ${batch}x${inH}x${inW}x${inC} k${kernel} s${stride} -> ${outC} ` +
        `(${convolutionAlgorithm(convolution, 'forward')}${residual === null ? '' : ' + residual'}, ` +
        `${activation?.kind ?? 'linear'}), pool ${JSON.stringify(geometry.pool)} -> ${pool.outH}x${pool.outW}`,
      params: { ...convolution, pool },
      input: randomArray(random, batch * inH * inW * inC),
      filter: randomArray(random, kernel * kernel * inC * outC),
      bias: geometry.hasBias === false ? null : randomArray(random, outC),
      residual,
    };
  });
}

function pooledOutput(kernels: KernelSignatures, prepared: PreparedCase): Float32Array {
  const { params, input, filter, bias, residual } = prepared;
  const pool = params.pool!;
  const output = new Float32Array(params.batch * pool.outH * pool.outW * params.outC).fill(Number.NaN);
  kernels.Conv2D(input, filter, bias, output, params, residual);
  return output;
}

/** The same convolution, then the MaxPool2D kernel on its output. */
function convolutionThenPool(kernels: KernelSignatures, prepared: PreparedCase): Float32Array {
  const { params, input, filter, bias, residual } = prepared;
  const { pool, ...convolution } = params;
  const convolved = new Float32Array(params.batch * params.outH * params.outW * params.outC);
  kernels.Conv2D(input, filter, bias, convolved, convolution, residual);
  const output = new Float32Array(params.batch * pool!.outH * pool!.outW * params.outC).fill(Number.NaN);
  kernels.MaxPool2D(convolved, output, null, pool!);
  return output;
}

const prepared = prepare(new Random(27));

test('the stem cases take the polyphase path, the others not all', () => {
  const algorithms = prepared.map(({ params }) => convolutionAlgorithm(params, 'forward'));
  assert.equal(algorithms.filter((algorithm) => algorithm === 'winogradPolyphase').length, CASES.length - 1);
  assert.notEqual(algorithms[CASES.length - 3], 'winogradPolyphase');
});

const cases: ParityCase[] = prepared.map((preparedCase) => ({
  name: preparedCase.name,
  // As winogradPolyphase.test.ts: sums of up to 196 products of values in [-1, 1], F(5x5, 4x4)'s rounding.
  tolerance: { atol: 2e-4, rtol: 2e-4 },
  run: (kernels: KernelSignatures) => [pooledOutput(kernels, preparedCase)],
}));
describeBuildParity('convolutions with a max pool', cases);
describeThreadDeterminism('convolutions with a max pool', cases);

/**
 * ResNet's stem with NaN in two input pixels: ReLU's windows holding a NaN take the exact maximum (NaN wins), the
 * others the pseudo-maximum (conv2dWinogradPolyphaseMaxPool), each as the MaxPool2D kernel would.
 */
function withNaN(preparedCase: PreparedCase): PreparedCase {
  const input = Float32Array.from(preparedCase.input);
  const { inW, inC } = preparedCase.params;
  input[(20 * inW + 9) * inC + 1] = Number.NaN;
  input[(47 * inW + 50) * inC] = Number.NaN;
  return { ...preparedCase, name: `${preparedCase.name}, NaN in the input`, input };
}

describe('wasm backend: a convolution with a pool gives the bits of the convolution, then the pool', {
  skip: wasmSkip,
}, () => {
  after(() => setBackend('reference'));
  for (const threads of [1, 2]) {
    test(`${threads} thread(s)`, async () => {
      await initWasmBackend({ threads });
      const nanCase = withNaN(prepared[0]!);
      const pooled = pooledOutput(cpuKernels(), nanCase);
      assert.ok(pooled.some(Number.isNaN) && !pooled.every(Number.isNaN), 'some windows hold a NaN, not all');
      for (const preparedCase of [...prepared, nanCase]) {
        assert.deepEqual(
          Array.from(pooledOutput(cpuKernels(), preparedCase)),
          Array.from(convolutionThenPool(cpuKernels(), preparedCase)),
          preparedCase.name,
        );
      }
    });
  }
});
