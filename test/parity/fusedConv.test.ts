// The inference path's fused convolution on the WebAssembly backend against the reference kernels:
// output = activation(conv + bias + residual) for every fused activation, with and without a
// residual, on the shapes the ImageNet networks use (1x1 as a GEMM, 3x3 at strides 1 and 2 where
// Winograd may run, depthwise 3x3 and 5x5, grouped) and on random ones; filters marked constant run
// twice with different inputs, so a prepared (packed, transformed) filter kept between calls is
// checked too. Both builds, and bit-identical results on 1 and 2 threads. The prepared-filter GEMM
// path (assembly/gemm.ts gemmPacked) gets its own cases: above the threading threshold, deep layers
// with few pixels (threads split the output channels), 1x1 at stride 2, partial strips, several depth
// and column blocks; and its cache: a new bias, a freed filter whose memory a new filter reuses, and
// a collected filter array. An input scale (a squeeze-and-excitation gate): taken in as a prepared
// 1x1 convolution packs its input (batches whose row tiles span two images, channels not a multiple
// of 4, both thread splits), a scaled copy elsewhere; either gives the bits of the gate's Multiply
// kernel followed by the convolution. Products of one row: a batch-1 Dense, squeeze-and-excitation 1x1s.

import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { after, before, describe, test } from 'node:test';
import { getBackend, initWasmBackend, Random, setBackend, type Padding } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import type { WasmBackend } from '../../src/kernels/wasm/wasmBackend.js';
import { windowParams, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import { broadcastParams } from '../../src/ops/broadcast.js';
import { assertClose } from '../helpers.js';
import {
  describeBuildParity,
  describeThreadDeterminism,
  FUSED_ACTIVATIONS,
  randomArray,
  wasmSkip,
  type ParityCase,
} from './harness.js';

interface Geometry {
  batch: number;
  size: number;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  padding: Padding;
  groups?: number;
}

/** The layer shapes of ResNet, MobileNetV2 and EfficientNet, scaled down in size where that changes nothing. */
const NETWORK_GEOMETRIES: readonly Geometry[] = [
  { batch: 1, size: 14, inC: 64, outC: 64, kernel: 3, stride: 1, padding: 'same' },
  { batch: 2, size: 7, inC: 128, outC: 128, kernel: 3, stride: 1, padding: 'same' },
  { batch: 1, size: 16, inC: 32, outC: 64, kernel: 3, stride: 2, padding: 'same' },
  { batch: 1, size: 28, inC: 16, outC: 48, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, size: 12, inC: 24, outC: 144, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 3, size: 7, inC: 160, outC: 40, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 14, inC: 64, outC: 128, kernel: 1, stride: 2, padding: 'valid' },
  { batch: 1, size: 15, inC: 48, outC: 48, kernel: 3, stride: 1, padding: 1, groups: 48 },
  { batch: 2, size: 16, inC: 40, outC: 40, kernel: 3, stride: 2, padding: 1, groups: 40 },
  { batch: 1, size: 14, inC: 36, outC: 36, kernel: 5, stride: 1, padding: 2, groups: 36 },
  { batch: 1, size: 17, inC: 20, outC: 20, kernel: 5, stride: 2, padding: 2, groups: 20 },
  { batch: 1, size: 30, inC: 3, outC: 16, kernel: 3, stride: 2, padding: 1 },
  { batch: 1, size: 9, inC: 64, outC: 64, kernel: 3, stride: 1, padding: 1, groups: 8 },
  { batch: 4, size: 8, inC: 96, outC: 96, kernel: 3, stride: 1, padding: 1 },
];

/**
 * Products of one row (a batch-1 Dense, a squeeze-and-excitation 1x1 on a 1x1 map; the largest split by
 * 2 threads over channels) and of a last row tile of one row (5 and 9 pixels): assembly/gemm.ts runs
 * them 4 strips at a time (microKernelRow) and finishes them after, channel counts with and without a
 * tail of strips.
 */
const SINGLE_ROW_GEOMETRIES: readonly Geometry[] = [
  { batch: 1, size: 1, inC: 1280, outC: 1000, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 1, inC: 48, outC: 1152, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 1, inC: 240, outC: 10, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 5, size: 1, inC: 96, outC: 70, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 9, size: 1, inC: 33, outC: 100, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 1, inC: 7, outC: 41, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 1, inC: 64, outC: 64, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 5, size: 1, inC: 20, outC: 96, kernel: 1, stride: 1, padding: 'valid' },
  { batch: 1, size: 1, inC: 1152, outC: 48, kernel: 1, stride: 1, padding: 'valid' },
];

function randomGeometry(random: Random): Geometry {
  const isDepthwise = random.uniform() < 0.3;
  const inC = 1 + random.integer(40);
  return {
    batch: 1 + random.integer(3),
    size: 3 + random.integer(14),
    inC,
    outC: isDepthwise ? inC : 1 + random.integer(40),
    kernel: [1, 3, 5][random.integer(3)]!,
    stride: 1 + random.integer(2),
    padding: (['valid', 'same', 1, 2] as const)[random.integer(4)]!,
    ...(isDepthwise ? { groups: inC } : {}),
  };
}

function paramsOf(
  geometry: Geometry,
  activation: FusedActivation | undefined,
  isConstantFilter: boolean,
): Conv2DParams | null {
  const { batch, size, inC, outC, kernel, stride, padding, groups } = geometry;
  try {
    const window = windowParams('case', batch, size, size, inC, {
      kH: kernel,
      kW: kernel,
      strideH: stride,
      strideW: stride,
      padding,
    });
    const params: Conv2DParams = { ...window, outC };
    if (groups !== undefined && groups !== 1) params.groups = groups;
    if (activation !== undefined) params.activation = activation;
    if (isConstantFilter) params.isConstantFilter = true;
    return params;
  } catch {
    return null;
  }
}

function makeCases(): ParityCase[] {
  const random = new Random(2026);
  const cases: ParityCase[] = [];
  const geometries = [
    ...NETWORK_GEOMETRIES,
    ...Array.from({ length: 30 }, () => randomGeometry(random)),
    ...SINGLE_ROW_GEOMETRIES,
  ];
  geometries.forEach((geometry, index) => {
    const activation = FUSED_ACTIVATIONS[index % FUSED_ACTIVATIONS.length];
    const isConstantFilter = index % 3 !== 2;
    const params = paramsOf(geometry, activation, isConstantFilter);
    if (params === null) return;
    const hasResidual = index % 2 === 0;
    const hasBias = index % 5 !== 4;
    const groupInC = params.inC / (params.groups ?? 1);
    const outputSize = params.batch * params.outH * params.outW * params.outC;
    const inputs = [0, 1].map(() => randomArray(random, params.batch * params.inH * params.inW * params.inC));
    const filter = randomArray(
      random,
      params.kH * params.kW * groupInC * params.outC,
      1 / Math.sqrt(params.kH * params.kW * groupInC),
    );
    const bias = hasBias ? randomArray(random, params.outC) : null;
    const residual = hasResidual ? randomArray(random, outputSize, 2) : null;
    const name =
      `${params.batch}x${params.inH}x${params.inW}x${params.inC} -> ${params.outC}, ` +
      `${params.kH}x${params.kW} stride ${params.strideH}` +
      `${(params.groups ?? 1) > 1 ? `, ${params.groups} groups` : ''}, ` +
      `${activation?.kind ?? 'no activation'}${hasResidual ? ', residual' : ''}${hasBias ? '' : ', no bias'}${isConstantFilter ? ', constant filter' : ''}`;
    cases.push({
      name,
      // The same filter array on both calls (each backend keeps its own prepared form), different inputs.
      run: (kernels) =>
        inputs.map((input) => {
          const output = new Float32Array(outputSize);
          kernels.Conv2D(input, filter, bias, output, params, residual);
          return output;
        }),
      tolerance: { atol: 2e-4, rtol: 2e-4 },
    });
  });
  return cases;
}

/**
 * Shapes of the prepared-filter GEMM path, each above the threading threshold (1M multiply-adds) so
 * that 2 threads split it: by output channels where there are no more pixels than channels.
 */
const PREPARED_GEOMETRIES: readonly Geometry[] = [
  // ResNet's last stage: 49 pixels, 512 channels in miniature (column split, 9 depth blocks).
  { batch: 1, size: 7, inC: 256, outC: 256, kernel: 3, stride: 1, padding: 'same' },
  // 36 pixels, 90 channels: the second thread's range ends in a partial strip.
  { batch: 1, size: 6, inC: 200, outC: 90, kernel: 3, stride: 1, padding: 1 },
  // ResNet's downsampling 1x1 at stride 2 (column split).
  { batch: 1, size: 28, inC: 128, outC: 256, kernel: 1, stride: 2, padding: 'valid' },
  // MobileNetV2's pointwise, straight from the feature map (row split).
  { batch: 1, size: 28, inC: 96, outC: 160, kernel: 1, stride: 1, padding: 'valid' },
  // The 7x7 stride-2 stem on 3 channels.
  { batch: 2, size: 48, inC: 3, outC: 32, kernel: 7, stride: 2, padding: 3 },
  // 300 channels (more than one column block on one thread), 3 depth blocks.
  { batch: 2, size: 4, inC: 64, outC: 300, kernel: 3, stride: 1, padding: 1 },
  { batch: 3, size: 15, inC: 40, outC: 72, kernel: 3, stride: 2, padding: 'same' },
  // 81 pixels and 60 channels: partial row and column tiles around whole ones.
  { batch: 1, size: 9, inC: 96, outC: 60, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, size: 9, inC: 96, outC: 60, kernel: 3, stride: 1, padding: 1 },
  // MobileNetV2's 112x112x16 -> 96 in miniature: 1600 pixels in several row groups of packed A.
  { batch: 1, size: 40, inC: 16, outC: 96, kernel: 1, stride: 1, padding: 'valid' },
  // 800 pixels of depth 24 in one row group (a clip in registers stores each output once), with a residual.
  { batch: 2, size: 20, inC: 24, outC: 196, kernel: 1, stride: 1, padding: 'valid' },
  // The same with a SiLU, run over each row group's outputs after its strips: groups bounded by the output's size
  // (334 rows of 196 channels, a partial strip).
  { batch: 2, size: 20, inC: 24, outC: 196, kernel: 1, stride: 1, padding: 'valid' },
  // ResNet-50's strided projection in miniature: 49 pixels, 2 depth blocks, all rows in one row group, a residual.
  { batch: 1, size: 14, inC: 1024, outC: 136, kernel: 1, stride: 2, padding: 'valid' },
  // ResNet-18's classifier in miniature: one pixel (a GEMM's work counts a whole 4-row tile), column split.
  { batch: 1, size: 1, inC: 512, outC: 600, kernel: 1, stride: 1, padding: 'valid' },
];
/**
 * The activation of each prepared case: ReLU, clip and none run in the GEMM's registers (with the
 * residual where the case has one: the even ones), the others per row tile.
 */
const PREPARED_ACTIVATIONS: readonly (FusedActivation | undefined)[] = [
  { kind: 'relu' },
  { kind: 'silu' },
  { kind: 'hardSwish', alpha: 1 / 6, beta: 0.5 },
  { kind: 'clip', min: 0, max: 6 },
  { kind: 'leakyRelu', alpha: 0.1 },
  undefined,
  { kind: 'sigmoid' },
  undefined,
  { kind: 'clip', min: -0.5, max: 0.5 },
  { kind: 'silu' },
  { kind: 'clip', min: 0, max: 6 },
  { kind: 'silu' },
  { kind: 'relu' },
];

function makePreparedCases(): ParityCase[] {
  const random = new Random(15);
  const cases: ParityCase[] = [];
  PREPARED_GEOMETRIES.forEach((geometry, index) => {
    const activation = PREPARED_ACTIVATIONS[index];
    const params = paramsOf(geometry, activation, true)!;
    const depth = params.kH * params.kW * params.inC;
    const outputSize = params.batch * params.outH * params.outW * params.outC;
    const inputs = [0, 1, 2].map(() => randomArray(random, params.batch * params.inH * params.inW * params.inC));
    const filter = randomArray(random, depth * params.outC, 1 / Math.sqrt(depth));
    const biases = [randomArray(random, params.outC), randomArray(random, params.outC)];
    const residual = index % 2 === 0 ? randomArray(random, outputSize) : null;
    cases.push({
      name:
        `prepared filter: ${params.batch}x${params.inH}x${params.inW}x${params.inC} -> ${params.outC}, ` +
        `${params.kH}x${params.kW} stride ${params.strideH}, ` +
        `${activation?.kind ?? 'no activation'}${residual === null ? '' : ', residual'}, called 3 times ` +
        `(the last with a new bias)`,
      run: (kernels) =>
        inputs.map((input, call) => {
          const output = new Float32Array(outputSize);
          kernels.Conv2D(input, filter, biases[call === 2 ? 1 : 0]!, output, params, residual);
          return output;
        }),
      tolerance: { atol: 5e-4, rtol: 5e-4 },
    });
  });
  return cases;
}

/** A 1x1 convolution padded only at the bottom and right (ONNX pads [0, 0, 1, 1]): not the input as a panel. */
function makeOneSidedPaddingCases(): ParityCase[] {
  const random = new Random(11);
  return [false, true].map((isConstantFilter) => {
    const params: Conv2DParams = {
      batch: 1,
      inH: 6,
      inW: 5,
      inC: 8,
      outH: 7,
      outW: 6,
      kH: 1,
      kW: 1,
      strideH: 1,
      strideW: 1,
      padTop: 0,
      padBottom: 1,
      padLeft: 0,
      padRight: 1,
      outC: 16,
      ...(isConstantFilter ? { isConstantFilter } : {}),
    };
    const input = randomArray(random, 6 * 5 * 8);
    const filter = randomArray(random, 8 * 16, 0.3);
    const bias = randomArray(random, 16);
    return {
      name: `1x1 padded only at the bottom and right${isConstantFilter ? ', constant filter' : ''}`,
      run: (kernels) => {
        const output = new Float32Array(7 * 6 * 16);
        kernels.Conv2D(input, filter, bias, output, params);
        return [output];
      },
      tolerance: { atol: 1e-5, rtol: 1e-5 },
    };
  });
}

/**
 * Convolutions of an input times a [batch, inC] scale: prepared 1x1 (the scale taken in as the input
 * is packed: 7x7 pixels a map, so row tiles span images; 2.3M and 1.3M multiply-adds, split by rows
 * and by output channels on 2 threads), then a 1x1 without a constant filter, a 3x3 and a depthwise
 * one (a scaled copy). Each run returns the fused convolution's output and, for the bit-for-bit
 * check, that of the BroadcastArithmetic multiply followed by the same convolution.
 */
const INPUT_SCALE_GEOMETRIES: readonly (Geometry & {
  isConstantFilter: boolean;
  activation?: FusedActivation;
  hasResidual?: boolean;
})[] = [
  {
    batch: 3,
    size: 7,
    inC: 37,
    outC: 20,
    kernel: 1,
    stride: 1,
    padding: 'valid',
    isConstantFilter: true,
    activation: { kind: 'silu' },
  },
  {
    batch: 2,
    size: 14,
    inC: 120,
    outC: 48,
    kernel: 1,
    stride: 1,
    padding: 'valid',
    isConstantFilter: true,
    hasResidual: true,
  },
  {
    batch: 1,
    size: 7,
    inC: 320,
    outC: 84,
    kernel: 1,
    stride: 1,
    padding: 'same',
    isConstantFilter: true,
    activation: { kind: 'clip', min: 0, max: 6 },
  },
  {
    batch: 5,
    size: 5,
    inC: 24,
    outC: 16,
    kernel: 1,
    stride: 1,
    padding: 'valid',
    isConstantFilter: true,
    hasResidual: true,
    activation: { kind: 'relu' },
  },
  { batch: 2, size: 6, inC: 21, outC: 10, kernel: 1, stride: 1, padding: 'valid', isConstantFilter: false },
  {
    batch: 2,
    size: 9,
    inC: 12,
    outC: 8,
    kernel: 3,
    stride: 2,
    padding: 'same',
    isConstantFilter: true,
    activation: { kind: 'silu' },
  },
  { batch: 2, size: 8, inC: 18, outC: 18, kernel: 3, stride: 1, padding: 1, groups: 18, isConstantFilter: true },
];

function makeInputScaleCases(): ParityCase[] {
  const random = new Random(30);
  return INPUT_SCALE_GEOMETRIES.map((geometry) => {
    const params = paramsOf(geometry, geometry.activation, geometry.isConstantFilter)!;
    const groupInC = params.inC / (params.groups ?? 1);
    const inputShape = [params.batch, params.inH, params.inW, params.inC];
    const outputSize = params.batch * params.outH * params.outW * params.outC;
    const input = randomArray(random, params.batch * params.inH * params.inW * params.inC);
    const scale = randomArray(random, params.batch * params.inC, 2);
    const filter = randomArray(
      random,
      params.kH * params.kW * groupInC * params.outC,
      1 / Math.sqrt(params.kH * params.kW * groupInC),
    );
    const bias = randomArray(random, params.outC);
    const residual = geometry.hasResidual === true ? randomArray(random, outputSize) : null;
    const gate = broadcastParams('multiply', inputShape, [params.batch, 1, 1, params.inC]);
    return {
      name:
        `input scale: ${params.batch}x${params.inH}x${params.inW}x${params.inC} -> ${params.outC}, ` +
        `${params.kH}x${params.kW} stride ${params.strideH}` +
        `${(params.groups ?? 1) > 1 ? ', depthwise' : ''}, ` +
        `${geometry.activation?.kind ?? 'no activation'}${residual === null ? '' : ', residual'}${geometry.isConstantFilter ? ', constant filter' : ''}`,
      run: (kernels) => {
        const fused = new Float32Array(outputSize);
        kernels.Conv2D(input, filter, bias, fused, params, residual, scale);
        const scaled = new Float32Array(input.length);
        kernels.BroadcastArithmetic(input, scale, scaled, gate);
        const unfused = new Float32Array(outputSize);
        kernels.Conv2D(scaled, filter, bias, unfused, params, residual);
        return [fused, unfused];
      },
      tolerance: { atol: 5e-4, rtol: 5e-4 },
    };
  });
}

const inputScaleCases = makeInputScaleCases();
const cases = [...makeCases(), ...makePreparedCases(), ...makeOneSidedPaddingCases(), ...inputScaleCases];
describeBuildParity(
  'fused convolutions (bias, residual, activation, input scale; constant filters called twice)',
  cases,
);
describeThreadDeterminism('a fused convolution', cases);

describe('wasm backend: a convolution with an input scale', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test("gives the bits of the gate's Multiply followed by the convolution", async () => {
    await initWasmBackend({ threads: 2 });
    for (const parityCase of inputScaleCases) {
      const [fused, unfused] = parityCase.run(cpuKernels());
      assert.deepEqual(Array.from(fused!), Array.from(unfused!), parityCase.name);
    }
  });
});

/** The garbage collector, for the test that a collected filter leaves nothing stale behind. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('wasm backend: prepared constant filters follow their filter array', { skip: wasmSkip }, () => {
  const params = paramsOf(
    { batch: 1, size: 7, inC: 128, outC: 96, kernel: 3, stride: 1, padding: 1 },
    { kind: 'relu' },
    true,
  )!;
  const depth = params.kH * params.kW * params.inC;
  const random = new Random(7);
  const input = randomArray(random, params.batch * params.inH * params.inW * params.inC);
  const bias = randomArray(random, params.outC);
  let wasm: WasmBackend;
  before(async () => {
    await initWasmBackend({ threads: 2 });
    wasm = getBackend() as WasmBackend;
    setBackend('reference');
  });
  after(() => setBackend('reference'));

  function checkAgainstReference(filter: Float32Array, label: string): void {
    const expected = new Float32Array(params.outH * params.outW * params.outC);
    const actual = new Float32Array(expected.length);
    referenceBackend.kernels.Conv2D(input, filter, bias, expected, params);
    wasm.kernels.Conv2D(input, filter, bias, actual, params);
    assertClose(actual, expected, { atol: 2e-4, rtol: 2e-4 }, label);
  }

  test('a filter freed from the backend memory, then a new one in the same place', () => {
    const first = wasm.allocatePersistent!('float32', depth * params.outC) as Float32Array;
    first.set(randomArray(random, first.length, 0.05));
    checkAgainstReference(first, 'first filter');
    const offset = first.byteOffset;
    wasm.free!(first);
    const second = wasm.allocatePersistent!('float32', depth * params.outC) as Float32Array;
    second.set(randomArray(random, second.length, 0.05));
    assert.equal(second.byteOffset, offset, 'the new filter reuses the freed block (else this test checks nothing)');
    checkAgainstReference(second, 'second filter, same memory');
  });

  test('a filter array that is garbage collected, then a new one', async () => {
    const run = (scale: number) => {
      const filter = randomArray(random, depth * params.outC, scale);
      checkAgainstReference(filter, `filter of scale ${scale}`);
    };
    run(0.05);
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    run(0.02);
  });
});

/**
 * A clip in the prepared GEMM's registers (assembly/epilogue.ts activateRegisterVector: pmax(pmin(x, max), min))
 * gives the reference's bits: a 1x1 identity filter passes each input value through exactly, so the outputs are
 * the clip of values below, at and above the bounds, infinities and a NaN (which spreads over its pixel: 0 * NaN).
 * A reversed clip (min > max) runs after the GEMM instead, with the reference's formula.
 */
describe('wasm backend: a clip in the prepared GEMM', { skip: wasmSkip }, () => {
  const channels = 16;
  const params = paramsOf(
    { batch: 1, size: 12, inC: channels, outC: channels, kernel: 1, stride: 1, padding: 0 },
    undefined,
    true,
  )!;
  const pixels = params.outH * params.outW;
  const specials = [-7, -6, -0.5, -0.25, 0, 0.25, 0.5, 1, 2, 6, 7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const random = new Random(21);
  const input = randomArray(random, pixels * channels, 8);
  specials.forEach((value, index) => {
    input[index * 7] = value;
  });
  input[5 * channels + 3] = Number.NaN;
  const filter = new Float32Array(channels * channels);
  for (let channel = 0; channel < channels; channel++) filter[channel * channels + channel] = 1;
  const bias = new Float32Array(channels);
  after(() => setBackend('reference'));

  for (const [min, max] of [
    [0, 6],
    [-0.5, 0.5],
    [2, 2],
    [1, -1],
  ] as const) {
    test(`clip to [${min}, ${max}]`, async () => {
      await initWasmBackend({ threads: 2 });
      const wasm = getBackend() as WasmBackend;
      const clipParams: Conv2DParams = { ...params, activation: { kind: 'clip', min, max } };
      const expected = new Float32Array(pixels * channels);
      const actual = new Float32Array(expected.length);
      referenceBackend.kernels.Conv2D(input, filter, bias, expected, clipParams);
      wasm.kernels.Conv2D(input, filter, bias, actual, clipParams);
      assert.deepEqual(Array.from(actual), Array.from(expected));
      // -7 (index 0) lies below every min, 6 (index 63) at or above every max.
      assert.equal(actual[0], min);
      assert.equal(actual[63], max);
      assert.ok(actual.subarray(5 * channels, 6 * channels).every(Number.isNaN));
    });
  }
});

/**
 * The same clips after a depthwise 3x3 (activateVector; a clip with min > max is ACTIVATION_CLIP_REVERSED) whose
 * filter passes each input value through (a centre tap of 1): the reference's bits, a NaN and infinities included
 * (they spread to their neighbours in the channel: 0 * NaN).
 */
describe('wasm backend: a clip after a depthwise convolution', { skip: wasmSkip }, () => {
  const channels = 24;
  const params = paramsOf(
    { batch: 1, size: 10, inC: channels, outC: channels, kernel: 3, stride: 1, padding: 1, groups: channels },
    undefined,
    true,
  )!;
  const size = params.outH * params.outW * channels;
  const random = new Random(22);
  const input = randomArray(random, size, 8);
  [-7, -6, -0.5, 0, 0.5, 2, 6, 7, Number.POSITIVE_INFINITY, Number.NaN].forEach((value, index) => {
    input[(index + 1) * 41] = value;
  });
  const filter = new Float32Array(9 * channels);
  filter.fill(1, 4 * channels, 5 * channels);
  const bias = new Float32Array(channels);
  after(() => setBackend('reference'));

  for (const [min, max] of [
    [0, 6],
    [-0.5, 0.5],
    [1, -1],
  ] as const) {
    test(`clip to [${min}, ${max}]`, async () => {
      await initWasmBackend({ threads: 2 });
      const wasm = getBackend() as WasmBackend;
      const clipParams: Conv2DParams = { ...params, activation: { kind: 'clip', min, max } };
      const expected = new Float32Array(size);
      const actual = new Float32Array(size);
      referenceBackend.kernels.Conv2D(input, filter, bias, expected, clipParams);
      wasm.kernels.Conv2D(input, filter, bias, actual, clipParams);
      assert.deepEqual(Array.from(actual), Array.from(expected));
      // -7 (at 41) lies below every min, 6 (at 287) at or above every max.
      assert.equal(actual[41], min);
      assert.equal(actual[287], max);
    });
  }
});
