// Depthwise convolutions (groups = inC = outC) on the WebAssembly backend against the reference
// kernels: the forward pass with its fused output stage (bias, residual, every fused activation) and
// both gradients, on MobileNetV2 / EfficientNet layer shapes (3x3 and 5x5 at strides 1 and 2, scaled
// down where that changes nothing) and on random ones (kernels 1-7, strides 1-3, dilation, asymmetric
// padding, channels that are not a multiple of 4, maps narrower than a window). Both builds, and
// bit-identical results on 1 and 2 threads (the large cases pass the threading threshold, and so do the
// 7x7 and 14x14 network shapes with many channels, weighted as the backend's depthwiseWork counts them).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, Random, setBackend, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { cpuKernels } from '../../src/kernels/registry.js';
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
  inH: number;
  inW: number;
  channels: number;
  kernel: number;
  stride: number;
  padding: Padding;
  dilation?: number;
}

const NETWORK_GEOMETRIES: readonly Geometry[] = [
  { batch: 1, inH: 28, inW: 28, channels: 32, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 28, inW: 28, channels: 96, kernel: 3, stride: 2, padding: 1 },
  { batch: 2, inH: 14, inW: 14, channels: 144, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 7, inW: 7, channels: 960, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 14, inW: 14, channels: 240, kernel: 5, stride: 2, padding: 2 },
  { batch: 1, inH: 14, inW: 14, channels: 480, kernel: 5, stride: 1, padding: 2 },
  { batch: 1, inH: 7, inW: 7, channels: 1152, kernel: 5, stride: 1, padding: 2 },
  // TF-style 'same' at stride 2 pads more at the bottom and right.
  { batch: 1, inH: 16, inW: 16, channels: 40, kernel: 5, stride: 2, padding: 'same' },
  { batch: 3, inH: 9, inW: 13, channels: 7, kernel: 3, stride: 2, padding: 'valid' },
  { batch: 1, inH: 11, inW: 10, channels: 13, kernel: 3, stride: 1, padding: 2, dilation: 2 },
  { batch: 1, inH: 3, inW: 2, channels: 5, kernel: 5, stride: 1, padding: 2 },
  // 3x3 rows swept a tile at a time (channels a multiple of 4): a tile cut short, stride 3 with padding on one
  // side, a map with a single interior pixel.
  { batch: 2, inH: 12, inW: 21, channels: 20, kernel: 3, stride: 3, padding: [1, 0, 2, 0] },
  { batch: 1, inH: 5, inW: 3, channels: 8, kernel: 3, stride: 1, padding: 1 },
];

/** Above the 1M multiply-add threshold even counted as plain multiply-adds, so two threads split the rows. */
const LARGE_GEOMETRIES: readonly Geometry[] = [
  { batch: 1, inH: 56, inW: 56, channels: 144, kernel: 3, stride: 1, padding: 1 },
  { batch: 2, inH: 40, inW: 36, channels: 70, kernel: 5, stride: 1, padding: 2 },
  { batch: 6, inH: 57, inW: 57, channels: 36, kernel: 5, stride: 2, padding: 'same' },
  // Odd cases have no residual (makeCases): the 3x3 ones below at 17 and 19 are swept by kernel rows
  // (sweepTileByRows) at strides 1 and 2, on 2 threads; 16 and 18 take the nine-weight sweep and the general path.
  { batch: 3, inH: 33, inW: 35, channels: 64, kernel: 3, stride: 1, padding: 1 },
  { batch: 2, inH: 40, inW: 44, channels: 96, kernel: 3, stride: 1, padding: 1 },
  { batch: 3, inH: 33, inW: 35, channels: 64, kernel: 3, stride: 2, padding: 1 },
  { batch: 4, inH: 58, inW: 57, channels: 48, kernel: 3, stride: 2, padding: 1 },
];

/**
 * Few output rows (batch * outH), above the threading threshold: under 4 a thread, two threads split the channels
 * (depthwise.ts), in 8-channel strips: channels a multiple of 4 but not of 8, stride 2 (swept by kernel rows), a 5x5
 * kernel; 962 channels (not a multiple of 4), two images and 15 rows split the rows.
 */
const FEW_ROW_GEOMETRIES: readonly Geometry[] = [
  { batch: 1, inH: 7, inW: 7, channels: 964, kernel: 3, stride: 1, padding: 1 },
  { batch: 2, inH: 7, inW: 7, channels: 576, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 14, inW: 14, channels: 1160, kernel: 3, stride: 2, padding: 1 },
  { batch: 1, inH: 5, inW: 9, channels: 1000, kernel: 5, stride: 1, padding: 2 },
  { batch: 1, inH: 7, inW: 7, channels: 962, kernel: 3, stride: 1, padding: 1 },
  { batch: 1, inH: 15, inW: 14, channels: 384, kernel: 3, stride: 1, padding: 1 },
];

function randomGeometry(random: Random): Geometry {
  const kernel = 1 + random.integer(7);
  const paddings: Padding[] = [
    'valid',
    'same',
    random.integer(kernel),
    [random.integer(kernel), random.integer(kernel), random.integer(kernel), random.integer(kernel)],
  ];
  return {
    batch: 1 + random.integer(3),
    inH: 1 + random.integer(20),
    inW: 1 + random.integer(20),
    channels: 1 + random.integer(40),
    kernel,
    stride: 1 + random.integer(3),
    padding: paddings[random.integer(paddings.length)]!,
    dilation: random.uniform() < 0.2 ? 2 : 1,
  };
}

function paramsOf(geometry: Geometry): Conv2DParams | null {
  const { batch, inH, inW, channels, kernel, stride, padding, dilation = 1 } = geometry;
  try {
    const window = windowParams('case', batch, inH, inW, channels, {
      kH: kernel,
      kW: kernel,
      strideH: stride,
      strideW: stride,
      padding,
      dilationH: dilation,
      dilationW: dilation,
    });
    return { ...window, outC: channels, groups: channels };
  } catch {
    return null;
  }
}

function describeParams(params: Conv2DParams): string {
  const pads = [params.padTop, params.padBottom, params.padLeft, params.padRight].join(',');
  return (
    `${params.batch}x${params.inH}x${params.inW}x${params.inC} ${params.kH}x${params.kW} stride ${params.strideH}` +
    `${(params.dilationH ?? 1) > 1 ? ` dilation ${params.dilationH}` : ''} pads ${pads}`
  );
}

function makeCases(): ParityCase[] {
  const random = new Random(1515);
  const cases: ParityCase[] = [];
  const geometries = [
    ...NETWORK_GEOMETRIES,
    ...LARGE_GEOMETRIES,
    ...Array.from({ length: 40 }, () => randomGeometry(random)),
  ];
  // Each few-row geometry once with every activation (the sigmoid's and SiLU's pass over a split row included).
  const fewRowCases = FEW_ROW_GEOMETRIES.flatMap((geometry) =>
    FUSED_ACTIVATIONS.map((activation) => ({ geometry, activation })),
  );
  geometries.forEach((geometry, index) => {
    const activation = FUSED_ACTIVATIONS[index % FUSED_ACTIVATIONS.length];
    addCases(geometry, activation, index);
  });
  fewRowCases.forEach(({ geometry, activation }, index) => {
    addCases(geometry, activation, index, false);
  });
  return cases;

  function addCases(
    geometry: Geometry,
    activation: (typeof FUSED_ACTIVATIONS)[number],
    index: number,
    hasGradients = true,
  ): void {
    const base = paramsOf(geometry);
    if (base === null) return;
    const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
    const hasResidual = index % 2 === 0;
    const hasBias = index % 5 !== 4;
    const { batch, inH, inW, outH, outW, kH, kW, inC: channels } = params;
    const outputSize = batch * outH * outW * channels;
    const input = randomArray(random, batch * inH * inW * channels);
    const filter = randomArray(random, kH * kW * channels, 1 / Math.sqrt(kH * kW));
    const bias = hasBias ? randomArray(random, channels) : null;
    const residual = hasResidual ? randomArray(random, outputSize, 2) : null;
    const dOut = randomArray(random, outputSize);
    cases.push({
      name:
        `${describeParams(params)}, ` +
        `${activation?.kind ?? 'no activation'}${hasResidual ? ', residual' : ''}${hasBias ? '' : ', no bias'}`,
      run: (kernels) => {
        const output = new Float32Array(outputSize);
        kernels.Conv2D(input, filter, bias, output, params, residual);
        return [output];
      },
      tolerance: { atol: 2e-4, rtol: 2e-4 },
    });
    if (!hasGradients) return;
    cases.push({
      name: `gradients of ${describeParams(params)}`,
      run: (kernels) => {
        const dInput = new Float32Array(input.length);
        kernels.Conv2DBackpropInput(dOut, filter, dInput, base);
        const dFilter = new Float32Array(filter.length);
        kernels.Conv2DBackpropFilter(input, dOut, dFilter, base);
        return [dInput, dFilter];
      },
      // The filter gradient sums up to 6 * 29 * 29 products of values in [-1, 1].
      tolerance: { atol: 1e-3, rtol: 1e-4 },
    });
  }
}

const cases = makeCases();
describeBuildParity('depthwise convolutions (fused output stage, gradients)', cases);
describeThreadDeterminism('a depthwise convolution or its gradients', cases);

/**
 * The channels [0, 8) of a depthwise convolution over `channels` channels (input, filter, bias and residual
 * cut from arrays of 9 channels a value), forward, and with `isGradient` the input gradient (the forward kernel
 * on the flipped filter at stride 1).
 */
function firstEightChannels(
  channels: 8 | 9,
  params: Conv2DParams,
  arrays: { input: Float32Array; filter: Float32Array; bias: Float32Array; residual: Float32Array | null },
  isGradient: boolean,
): number[] {
  const cut = (values: Float32Array) => (channels === 9 ? values : values.filter((_, index) => index % 9 < channels));
  const kernels = cpuKernels();
  const shaped = { ...params, inC: channels, outC: channels, groups: channels };
  const output = new Float32Array(params.batch * params.outH * params.outW * channels);
  const residual = arrays.residual === null ? null : cut(arrays.residual);
  if (isGradient) {
    const dInput = new Float32Array((arrays.input.length / 9) * channels);
    kernels.Conv2DBackpropInput(residual ?? output, cut(arrays.filter), dInput, shaped);
    return Array.from(dInput).filter((_, index) => index % channels < 8);
  }
  kernels.Conv2D(cut(arrays.input), cut(arrays.filter), cut(arrays.bias), output, shaped, residual);
  return Array.from(output).filter((_, index) => index % channels < 8);
}

// A 3x3 kernel's interior pixels are swept a tile at a time where the channels are a multiple of 4
// at stride 1, and at stride 2 without a residual (assembly/depthwise.ts: sweepTile3x3, sweepTileByRows, the latter
// on two pixels a step with a lone last one: 39 interior columns), the general path runs otherwise: 8 channels take the one
// and 9 the other, and the first 8 channels must be the same bits, for every fused activation (the sigmoid and
// SiLU run over the swept span afterwards), with a residual, and for the input gradient; strides 2 and 3 too.
describe('wasm backend: a swept 3x3 depthwise convolution gives the general path bits', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test('8 channels (swept) against the first 8 of 9 (general), forward and input gradient', async () => {
    await initWasmBackend({ threads: 1 });
    const random = new Random(1518);
    for (const [stride, padding] of [
      [1, 1],
      [2, 1],
      [3, [0, 2, 1, 2]],
    ] as const) {
      const window = windowParams('case', 2, 13, 41, 9, {
        kH: 3,
        kW: 3,
        strideH: stride,
        strideW: stride,
        padding,
        dilationH: 1,
        dilationW: 1,
      });
      const base: Conv2DParams = { ...window, outC: 9, groups: 9 };
      for (const activation of FUSED_ACTIVATIONS) {
        const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
        const arrays = {
          input: randomArray(random, 2 * 13 * 41 * 9, 3),
          filter: randomArray(random, 9 * 9),
          bias: randomArray(random, 9),
          residual: randomArray(random, 2 * params.outH * params.outW * 9),
        };
        const label = `stride ${stride}, ${activation?.kind ?? 'no activation'}`;
        assert.deepEqual(
          firstEightChannels(8, params, arrays, false),
          firstEightChannels(9, params, arrays, false),
          label,
        );
        // Without a residual, strides 1 and 2 sweep one kernel row a pass (sweepTileByRows).
        const unfused = { ...arrays, residual: null };
        assert.deepEqual(
          firstEightChannels(8, params, unfused, false),
          firstEightChannels(9, params, unfused, false),
          `${label}, no residual`,
        );
        if (stride === 1 && activation === undefined) {
          const swept = firstEightChannels(8, params, arrays, true);
          assert.deepEqual(swept, firstEightChannels(9, params, arrays, true), `input gradient, ${label}`);
        }
      }
    }
  });
});

// The stride-1 sweep by kernel rows carries a pair's last two inputs into the next pair (sweepTileByRows): rows of 1
// to 5 interior pixels (a lone pixel, pairs, a pair and a lone one) and of 17 (a tile of 16 and a lone one) must give
// the general path's bits, so that a carried input starts and ends where the loads did.
describe('wasm backend: short rows swept by kernel rows give the general path bits', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test('8 channels (swept) against the first 8 of 9 (general), widths 3 to 7 and 19', async () => {
    await initWasmBackend({ threads: 1 });
    const random = new Random(1519);
    for (const inW of [3, 4, 5, 6, 7, 19]) {
      const window = windowParams('case', 2, 5, inW, 9, {
        kH: 3,
        kW: 3,
        strideH: 1,
        strideW: 1,
        padding: 1,
        dilationH: 1,
        dilationW: 1,
      });
      const base: Conv2DParams = { ...window, outC: 9, groups: 9 };
      for (const activation of [undefined, { kind: 'clip', min: 0, max: 6 }] as const) {
        const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
        const arrays = {
          input: randomArray(random, 2 * 5 * inW * 9, 3),
          filter: randomArray(random, 9 * 9),
          bias: randomArray(random, 9),
          residual: null,
        };
        const swept = firstEightChannels(8, params, arrays, false);
        assert.ok(
          swept.some((value) => value !== 0),
          `width ${inW}: some output is not zero`,
        );
        assert.deepEqual(swept, firstEightChannels(9, params, arrays, false), `width ${inW}, ${activation?.kind}`);
      }
    }
  });
});
