// Balanced kernel calls (wasmBackend.ts balancedShares): the prepared GEMM convolution (split over output pixels, or
// over output channels where there are fewer pixels than channels), the depthwise convolution and the few-channel
// stem run as up to 4 shares a thread, claimed by whichever thread is free. Odd sizes leave edge tiles and short
// last shares, and a 7-row depthwise map on 8 shares an empty one. Parity with the reference kernels in both builds
// (fused activations and residuals), and bit-identical outputs on 1, 2 and 3 threads (1, 8 and 12 shares).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, Random, setBackend, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import { balancedShares } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, randomArray, wasmSkip, type ParityCase } from './harness.js';

interface Shape {
  name: string;
  batch: number;
  size: [number, number];
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  padding: Padding;
  isDepthwise: boolean;
  activation: FusedActivation | undefined;
  hasResidual: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    name: 'prepared 1x1 over odd pixels (3x17x19)',
    batch: 3,
    size: [17, 19],
    inC: 40,
    outC: 72,
    kernel: 1,
    stride: 1,
    padding: 'valid',
    isDepthwise: false,
    activation: { kind: 'clip', min: 0, max: 6 },
    hasResidual: true,
  },
  {
    name: 'prepared 5x5 im2col, channels not a multiple of 8',
    batch: 2,
    size: [15, 13],
    inC: 24,
    outC: 43,
    kernel: 5,
    stride: 1,
    padding: 'same',
    isDepthwise: false,
    activation: { kind: 'relu' },
    hasResidual: false,
  },
  {
    name: 'prepared 1x1 over output channels (25 pixels, 517 channels)',
    batch: 1,
    size: [5, 5],
    inC: 400,
    outC: 517,
    kernel: 1,
    stride: 1,
    padding: 'valid',
    isDepthwise: false,
    activation: { kind: 'silu' },
    hasResidual: true,
  },
  {
    name: 'depthwise 5x5 on 7 rows (fewer rows than shares)',
    batch: 1,
    size: [7, 7],
    inC: 960,
    outC: 960,
    kernel: 5,
    stride: 1,
    padding: 2,
    isDepthwise: true,
    activation: { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 },
    hasResidual: true,
  },
  {
    name: 'depthwise 3x3 stride 2, odd map',
    batch: 3,
    size: [33, 35],
    inC: 68,
    outC: 68,
    kernel: 3,
    stride: 2,
    padding: 1,
    isDepthwise: true,
    activation: { kind: 'clip', min: 0, max: 6 },
    hasResidual: false,
  },
  {
    name: 'few-channel stem 3x3 stride 2',
    batch: 3,
    size: [64, 62],
    inC: 3,
    outC: 32,
    kernel: 3,
    stride: 2,
    padding: 1,
    isDepthwise: false,
    activation: { kind: 'clip', min: 0, max: 6 },
    hasResidual: true,
  },
];

function makeCases(): ParityCase[] {
  const random = new Random(2718);
  return SHAPES.map((shape) => {
    const window = windowParams('case', shape.batch, shape.size[0], shape.size[1], shape.inC, {
      kH: shape.kernel,
      kW: shape.kernel,
      strideH: shape.stride,
      strideW: shape.stride,
      padding: shape.padding,
      dilationH: 1,
      dilationW: 1,
    });
    const params: Conv2DParams = {
      ...window,
      outC: shape.outC,
      groups: shape.isDepthwise ? shape.inC : 1,
      isConstantFilter: !shape.isDepthwise && shape.inC > 4,
      ...(shape.activation === undefined ? {} : { activation: shape.activation }),
    };
    const outputSize = params.batch * params.outH * params.outW * params.outC;
    const filterSize = shape.kernel * shape.kernel * (shape.isDepthwise ? 1 : shape.inC) * shape.outC;
    const input = randomArray(random, shape.batch * shape.size[0] * shape.size[1] * shape.inC);
    const filter = randomArray(random, filterSize, 0.2);
    const bias = randomArray(random, shape.outC);
    const residual = shape.hasResidual ? randomArray(random, outputSize) : null;
    return {
      name: shape.name,
      tolerance: { atol: 1e-4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(outputSize).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, params, residual);
        return [output];
      },
    };
  });
}

const cases = makeCases();
describeBuildParity('balanced convolutions (more shares than threads)', cases);

describe('wasm backend: balanced calls give the same bits for any number of shares', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test('bit-identical outputs on 1, 2 and 3 threads (1, up to 8 and up to 12 shares)', async () => {
    const outputsOn = async (threads: number) => {
      await initWasmBackend({ threads });
      return cases.map((parityCase) => parityCase.run(cpuKernels()).map((values) => Array.from(values)));
    };
    const single = await outputsOn(1);
    for (const threads of [2, 3]) {
      const many = await outputsOn(threads);
      cases.forEach((parityCase, index) => {
        assert.deepEqual(many[index], single[index], `${parityCase.name}, ${threads} threads`);
      });
    }
  });
});

test('balancedShares: one share on one thread, up to 4 a thread of at least 250K multiply-adds', () => {
  assert.equal(balancedShares(1, 50_000_000), 1);
  assert.equal(balancedShares(2, 1_000_000), 4);
  assert.equal(balancedShares(2, 1_900_000), 7);
  assert.equal(balancedShares(2, 50_000_000), 8);
  assert.equal(balancedShares(3, 50_000_000), 12);
  // Never fewer shares than threads, however small the work a caller splits.
  assert.equal(balancedShares(2, 300_000), 2);
  assert.equal(balancedShares(64, 4_000_000_000), 255);
});
