// Convolutions of few input channels (the stems of image networks) on the WebAssembly backend against
// the reference kernels: their training forward pass packs GEMM's row tiles straight from the input
// (assembly/conv2d.ts conv2dWindows), with windows inside the image, across its padding, across image
// boundaries and in partial last tiles; random kernels, strides, paddings, channel counts and batches,
// in both builds; and bit-identical results for 1 and 2 threads. Output channels a multiple of 16 run
// assembly/fewChannels.ts's direct kernel instead (quads and pairs of pixels inside the image, single pixels at
// the edges), with every fused activation and a residual, and must give the bits of im2col + GEMM (the first 32
// channels of 33).

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

/** ResNet's 7x7 stride-2 stem and MobileNetV2's 3x3 one, smaller and large enough to split over 2 threads. */
const FIXED: Conv2DParams[] = [
  { ...stemWindow(4, 36, 30, 3, 7, 2, 3), outC: 16, groups: 1 },
  { ...stemWindow(2, 41, 33, 3, 3, 2, 1), outC: 32, groups: 1, activation: 'relu' },
];

function stemWindow(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  kernel: number,
  stride: number,
  pad: Padding,
) {
  return windowParams('case', batch, inH, inW, inC, {
    kH: kernel,
    kW: kernel,
    strideH: stride,
    strideW: stride,
    padding: pad,
    dilationH: 1,
    dilationW: 1,
  });
}

function randomParams(random: Random): Conv2DParams {
  for (;;) {
    const inC = 1 + random.integer(4);
    const kH = 2 + random.integer(6);
    const kW = 1 + random.integer(7);
    const stride = 1 + random.integer(3);
    const paddings: Padding[] = [
      'valid',
      'same',
      random.integer(4),
      [random.integer(4), random.integer(4), random.integer(4), random.integer(4)],
    ];
    try {
      const window = windowParams('case', 1 + random.integer(3), 3 + random.integer(14), 3 + random.integer(14), inC, {
        kH,
        kW,
        strideH: stride,
        strideW: 1 + random.integer(3),
        padding: paddings[random.integer(4)]!,
        dilationH: 1,
        dilationW: 1,
      });
      const params: Conv2DParams = { ...window, outC: 1 + random.integer(40), groups: 1 };
      if (random.uniform() < 0.3) params.activation = 'relu';
      return params;
    } catch {
      // The window does not fit this input: draw again.
    }
  }
}

function makeCases(): ParityCase[] {
  const random = new Random(7);
  const shapes = [...FIXED, ...Array.from({ length: 30 }, () => randomParams(random))];
  return shapes.map((params) => {
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, kH * kW * inC * outC);
    const bias = random.uniform() < 0.5 ? randomArray(random, outC) : null;
    const name =
      `${batch}x${inH}x${inW}x${inC} k${kH}x${kW} -> ${outC}, stride ${params.strideH}x${params.strideW}, pads ` +
      `${params.padTop},${params.padBottom},${params.padLeft},${params.padRight}` +
      `${bias === null ? '' : ', bias'}${params.activation === 'relu' ? ', relu' : ''}`;
    return {
      name,
      // float32 sums of up to 7 * 7 * 4 products of values in [-1, 1].
      tolerance: { atol: 1e-4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, params);
        return [output];
      },
    };
  });
}

const cases = makeCases();
describeBuildParity('stem convolutions (windows read in place)', cases);
describeThreadDeterminism('stem convolutions (windows read in place)', cases);

/** Direct-kernel shapes (output channels a multiple of 16): MobileNetV2's stem, scaled, and random ones. */
function directParams(random: Random, index: number): Conv2DParams {
  if (index === 0) return { ...stemWindow(3, 64, 62, 3, 3, 2, 1), outC: 32, groups: 1 };
  for (;;) {
    const inC = 1 + random.integer(4);
    const kernel = 2 + random.integer(6);
    const paddings: Padding[] = ['valid', 'same', random.integer(4), [0, random.integer(4), random.integer(4), 1]];
    try {
      const window = windowParams('case', 1 + random.integer(3), 3 + random.integer(16), 3 + random.integer(16), inC, {
        kH: kernel,
        kW: 1 + random.integer(7),
        strideH: 1 + random.integer(3),
        strideW: 1 + random.integer(3),
        padding: paddings[random.integer(paddings.length)]!,
        dilationH: 1,
        dilationW: 1,
      });
      return { ...window, outC: 16 * (1 + random.integer(3)), groups: 1 };
    } catch {
      // The window does not fit this input: draw again.
    }
  }
}

function makeDirectCases(): ParityCase[] {
  const random = new Random(1519);
  return Array.from({ length: 24 }, (_, index) => {
    const base = directParams(random, index);
    const activation = FUSED_ACTIVATIONS[index % FUSED_ACTIVATIONS.length];
    const params: Conv2DParams = activation === undefined ? base : { ...base, activation };
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, kH * kW * inC * outC);
    const bias = index % 3 === 2 ? null : randomArray(random, outC);
    const residual = index % 2 === 1 ? randomArray(random, batch * outH * outW * outC) : null;
    return {
      name:
        `${batch}x${inH}x${inW}x${inC} k${kH}x${kW} -> ${outC}, stride ${params.strideH}x${params.strideW}, pads ` +
        `${params.padTop},${params.padBottom},${params.padLeft},${params.padRight}, ${activation?.kind ?? 'linear'}` +
        `${bias === null ? '' : ', bias'}${residual === null ? '' : ', residual'}`,
      tolerance: { atol: 1e-4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, params, residual);
        return [output];
      },
    };
  });
}

const directCases = makeDirectCases();
describeBuildParity('stem convolutions computed directly (output channels a multiple of 16)', directCases);
describeThreadDeterminism('stem convolutions computed directly (output channels a multiple of 16)', directCases);

describe('wasm backend: the direct stem kernel gives the bits of im2col + GEMM', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test('32 output channels (direct) against the first 32 of 33 (GEMM), prepared filter or not', async () => {
    await initWasmBackend({ threads: 1 });
    const random = new Random(1520);
    const activations = [...FUSED_ACTIVATIONS, { kind: 'clip', min: 6, max: 0 } as const];
    // (A 3x3 stride-1 convolution may take Winograd's path instead: 5x5 there.)
    for (const [kernel, stride, padding] of [
      [3, 2, 1],
      [5, 1, 'same'],
      [3, 3, [2, 0, 1, 2]],
    ] as const) {
      const window = stemWindow(2, 17, 23, 3, kernel, stride, padding);
      for (const activation of activations) {
        for (const isConstantFilter of [false, true]) {
          const params: Conv2DParams = { ...window, outC: 33, groups: 1, isConstantFilter };
          if (activation !== undefined) params.activation = activation;
          const pixels = params.batch * params.outH * params.outW;
          const input = randomArray(random, params.batch * params.inH * params.inW * 3, 2);
          const filter = randomArray(random, kernel * kernel * 3 * 33);
          const bias = randomArray(random, 33);
          const residual = randomArray(random, pixels * 33);
          const firstChannels = (channels: 32 | 33): number[] => {
            const cut = (values: Float32Array) =>
              channels === 33 ? values : values.filter((_, index) => index % 33 < 32);
            const output = new Float32Array(pixels * channels);
            const shaped = { ...params, outC: channels };
            cpuKernels().Conv2D(input, cut(filter), cut(bias), output, shaped, cut(residual));
            return Array.from(output).filter((_, index) => index % channels < 32);
          };
          const label = `${kernel}x${kernel} stride ${stride}, ${activation?.kind ?? 'linear'}, prepared ${isConstantFilter}`;
          assert.deepEqual(firstChannels(32), firstChannels(33), label);
        }
      }
    }
  });
});
