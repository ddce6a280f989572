// Parity of the transposed convolution on the WebAssembly kernels with the reference kernels, in the
// relaxed-SIMD and plain-SIMD builds: forward (Conv2DBackpropInput), input gradient (Conv2D) and
// filter gradient (Conv2DBackpropFilter) on the geometries only a transposed convolution asks of
// them: output padding rows no window reads, 'same' with even kernels, stride 2 and 3, uneven
// explicit pads, dilation, groups and depthwise, 1x1 filters, channels not a multiple of 4, batch 1,
// non-square images, and a 3x3 stride-1 case large enough for the Winograd paths. Then bit-identical
// results for 1 and 2 threads.

import { Random, type KernelSignatures } from '../../src/index.js';
import { conv2dTransposeParams } from '../../src/ops/conv2dTranspose.js';
import type { Padding } from '../../src/kernels/params.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

interface TransposeCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  k: [number, number];
  strides: [number, number];
  padding: Padding;
  outputPadding: [number, number];
  dilations: [number, number];
  groups: number;
}

const CASES: TransposeCase[] = [
  {
    batch: 2,
    inH: 5,
    inW: 7,
    inC: 5,
    outC: 3,
    k: [3, 3],
    strides: [2, 2],
    padding: [1, 1, 1, 1],
    outputPadding: [1, 1],
    dilations: [1, 1],
    groups: 1,
  },
  {
    batch: 1,
    inH: 6,
    inW: 4,
    inC: 16,
    outC: 8,
    k: [4, 4],
    strides: [2, 2],
    padding: 'same',
    outputPadding: [0, 0],
    dilations: [1, 1],
    groups: 1,
  },
  {
    batch: 3,
    inH: 4,
    inW: 5,
    inC: 6,
    outC: 9,
    k: [2, 3],
    strides: [3, 1],
    padding: [0, 1, 2, 0],
    outputPadding: [2, 0],
    dilations: [1, 1],
    groups: 3,
  },
  {
    batch: 1,
    inH: 5,
    inW: 5,
    inC: 7,
    outC: 7,
    k: [3, 3],
    strides: [2, 2],
    padding: [1, 1, 1, 1],
    outputPadding: [1, 1],
    dilations: [1, 1],
    groups: 7,
  },
  {
    batch: 2,
    inH: 4,
    inW: 6,
    inC: 3,
    outC: 13,
    k: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    outputPadding: [0, 0],
    dilations: [2, 2],
    groups: 1,
  },
  {
    batch: 1,
    inH: 3,
    inW: 8,
    inC: 10,
    outC: 5,
    k: [1, 1],
    strides: [2, 2],
    padding: 'valid',
    outputPadding: [1, 1],
    dilations: [1, 1],
    groups: 1,
  },
  {
    batch: 2,
    inH: 16,
    inW: 16,
    inC: 32,
    outC: 16,
    k: [3, 3],
    strides: [1, 1],
    padding: [1, 1, 1, 1],
    outputPadding: [0, 0],
    dilations: [1, 1],
    groups: 1,
  },
];

function transposeCase(c: TransposeCase, seed: number): ParityCase {
  const random = new Random(seed);
  const params = conv2dTransposeParams('parity', c.batch, {
    inH: c.inH,
    inW: c.inW,
    inC: c.inC,
    outC: c.outC,
    kH: c.k[0],
    kW: c.k[1],
    strideH: c.strides[0],
    strideW: c.strides[1],
    padding: c.padding,
    outputPaddingH: c.outputPadding[0],
    outputPaddingW: c.outputPadding[1],
    dilationH: c.dilations[0],
    dilationW: c.dilations[1],
    groups: c.groups,
  });
  const x = randomArray(random, c.batch * c.inH * c.inW * c.inC);
  const filter = randomArray(random, c.k[0] * c.k[1] * (c.outC / c.groups) * c.inC);
  const outputSize = c.batch * params.inH * params.inW * c.outC;
  const dOut = randomArray(random, outputSize);
  const name =
    `Conv2DTranspose ${c.batch}x${c.inH}x${c.inW}x${c.inC} -> ${params.inH}x${params.inW}x${c.outC}, kernel ` +
    `${c.k.join('x')}, strides ${c.strides.join('x')}, ` +
    `padding ${JSON.stringify(c.padding)}, output padding ${c.outputPadding.join('x')}, dilation ` +
    `${c.dilations.join('x')}, groups ${c.groups}`;
  return {
    name,
    tolerance: { atol: 2e-4, rtol: 1e-4 },
    run: (k: KernelSignatures) => {
      const output = new Float32Array(outputSize);
      const dInput = new Float32Array(x.length);
      const dFilter = new Float32Array(filter.length);
      k.Conv2DBackpropInput(x, filter, output, params);
      k.Conv2D(dOut, filter, null, dInput, params);
      k.Conv2DBackpropFilter(dOut, x, dFilter, params);
      return [output, dInput, dFilter];
    },
  };
}

const cases = CASES.map((c, index) => transposeCase(c, 2000 + index));
describeBuildParity('transposed convolutions (forward, input and filter gradients)', cases);
describeThreadDeterminism('transposed convolutions', cases);
