// Convolutions of few input channels (the stems of image networks) on the WebAssembly backend against
// the reference kernels: their training forward pass packs GEMM's row tiles straight from the input
// (assembly/conv2d.ts conv2dWindows), with windows inside the image, across its padding, across image
// boundaries and in partial last tiles; random kernels, strides, paddings, channel counts and batches,
// in both builds; and bit-identical results for 1 and 2 threads.

import { Random, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

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
