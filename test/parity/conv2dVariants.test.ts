// Dilated and grouped convolutions (depthwise included) on the WebAssembly backend against the
// reference kernels, forward and both gradients, on random shapes, strides, paddings, dilations and
// groups, in both builds; and bit-identical results for 1 and 2 threads.

import { Random, type Padding } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

function randomParams(random: Random, index: number): Conv2DParams {
  for (;;) {
    const groups = [1, 2, 3, 4][random.integer(4)]!;
    const depthwise = random.uniform() < 0.3;
    const inC = depthwise ? groups * (1 + random.integer(8)) : groups * (1 + random.integer(6));
    const actualGroups = depthwise ? inC : groups;
    const outC = actualGroups * (1 + random.integer(depthwise ? 2 : 5));
    const kernel = 1 + random.integer(5);
    const dilation = 1 + random.integer(3);
    const stride = 1 + random.integer(2);
    const inH = 3 + random.integer(12);
    const inW = 3 + random.integer(12);
    const paddings: Padding[] = [
      'valid',
      'same',
      random.integer(3),
      [random.integer(3), random.integer(3), random.integer(3), random.integer(3)],
    ];
    try {
      const batch = index < 2 ? 16 : 1 + random.integer(4);
      const size = index < 2 ? 24 : inH;
      const window = windowParams('case', batch, size, index < 2 ? 24 : inW, inC, {
        kH: kernel,
        kW: kernel,
        strideH: stride,
        strideW: stride,
        padding: paddings[random.integer(4)]!,
        dilationH: dilation,
        dilationW: 1 + random.integer(3),
      });
      const params: Conv2DParams = { ...window, outC, groups: actualGroups };
      if (random.uniform() < 0.3) params.activation = 'relu';
      return params;
    } catch {
      // The window does not fit this input: draw again.
    }
  }
}

function makeCases(): ParityCase[] {
  const random = new Random(41);
  return Array.from({ length: 40 }, (_, index) => {
    const params = randomParams(random, index);
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const groups = params.groups!;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, kH * kW * (inC / groups) * outC);
    const bias = random.uniform() < 0.5 ? randomArray(random, outC) : null;
    const dOut = randomArray(random, batch * outH * outW * outC);
    const name =
      `${batch}x${inH}x${inW}x${inC} k${kH} -> ${outC}, stride ${params.strideH}, dilation ` +
      `${params.dilationH ?? 1}x${params.dilationW ?? 1}, groups ${groups}, pads ` +
      `${params.padTop},${params.padBottom},${params.padLeft},${params.padRight}${params.activation === 'relu' ? ', relu' : ''}`;
    return {
      name,
      // float32 sums of up to 5 * 5 * 60 products of values in [-1, 1] (filter gradients: 16 * 24 * 24).
      tolerance: { atol: 2e-4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC);
        kernels.Conv2D(input, filter, bias, output, params);
        const dInput = new Float32Array(input.length);
        kernels.Conv2DBackpropInput(dOut, filter, dInput, params);
        const dFilter = new Float32Array(filter.length);
        kernels.Conv2DBackpropFilter(input, dOut, dFilter, params);
        return [output, dInput, dFilter];
      },
    };
  });
}

const cases = makeCases();
describeBuildParity('dilated and grouped convolutions', cases);
describeThreadDeterminism('a dilated or grouped convolution', cases);
