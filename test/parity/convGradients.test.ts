// The convolution gradients of training on the WebAssembly backend against the reference kernels, in
// both builds, and bit-identical on 1 and 2 threads: the input gradient by stride phases (strides 2
// and 3, 1x1 strided ones with the pixels off the stride zero, dilation with stride, groups with stride, odd
// sizes and channels that are not multiples of 4), filter gradients summed over several blocks of 256
// pixels or Winograd tiles with a partial last one, the bias gradient, alone and with a ReLU's or a
// clip's (ClipBiasAddGrad, also with a second gradient added), and Winograd forward passes of a training
// filter. Several cases are large enough to run on 2 threads.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm, isWinogradSplitByColumns } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

interface GradientShape {
  batch: number;
  size: [number, number];
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  padding: 'same' | 'valid' | number;
  dilation?: number;
  groups?: number;
}

/**
 * F(4x4, 3x3) passes of a training filter whose 64 tiles make one chunk, so the filter is transformed a row of 6
 * positions and a block of strips at a time (gemmByPositionRows in assembly/winograd4.ts), forward and for the input
 * gradient: partial edge tiles and a partial last strip (132 channels), on 2 threads split over tiles (there the
 * filter is transformed once for both, all at once); and several blocks of strips (512 output channels forward, the
 * input gradient's 92 from 512), the forward on 2 threads split over output channels (each thread by rows).
 */
const ROW_BY_ROW_SHAPES: GradientShape[] = [
  { batch: 4, size: [14, 14], inC: 128, outC: 132, kernel: 3, stride: 1, padding: 'same' },
  { batch: 4, size: [16, 16], inC: 92, outC: 512, kernel: 3, stride: 1, padding: 'same' },
];

const SHAPES: GradientShape[] = [
  // ResNet's downsampling 3x3 and 1x1 convolutions, smaller, with odd sizes.
  { batch: 8, size: [18, 18], inC: 36, outC: 44, kernel: 3, stride: 2, padding: 1 },
  { batch: 3, size: [15, 13], inC: 13, outC: 22, kernel: 3, stride: 2, padding: 1 },
  { batch: 6, size: [20, 20], inC: 24, outC: 40, kernel: 1, stride: 2, padding: 0 },
  { batch: 2, size: [11, 9], inC: 7, outC: 5, kernel: 1, stride: 2, padding: 'valid' },
  // 1x1 strided input gradients (dOut read in place, the pixels off the stride zero-filled): a last row and column
  // that no output reads, on 2 threads; stride 3 with groups.
  { batch: 8, size: [24, 22], inC: 32, outC: 64, kernel: 1, stride: 2, padding: 0 },
  { batch: 3, size: [10, 11], inC: 12, outC: 18, kernel: 1, stride: 3, padding: 'valid', groups: 3 },
  // ResNet's stem: 7x7 stride 2, 3 channels.
  { batch: 4, size: [30, 30], inC: 3, outC: 16, kernel: 7, stride: 2, padding: 3 },
  { batch: 2, size: [17, 14], inC: 9, outC: 11, kernel: 3, stride: 3, padding: 'same' },
  { batch: 3, size: [16, 16], inC: 8, outC: 12, kernel: 5, stride: 2, padding: 'same' },
  { batch: 2, size: [19, 15], inC: 6, outC: 10, kernel: 3, stride: 2, padding: 2, dilation: 2 },
  { batch: 3, size: [14, 14], inC: 12, outC: 18, kernel: 3, stride: 2, padding: 1, groups: 3 },
  // 1x1 stride 1 (MobileNet's pointwise layers): dOut and the input used in place, one GEMM call per thread.
  { batch: 12, size: [14, 14], inC: 40, outC: 52, kernel: 1, stride: 1, padding: 0 },
  { batch: 2, size: [9, 7], inC: 12, outC: 8, kernel: 1, stride: 1, padding: 0, groups: 2 },
  // An expansion (more output than input channels): threads split the filter gradient's columns.
  { batch: 3, size: [7, 9], inC: 8, outC: 20, kernel: 1, stride: 1, padding: 0, groups: 2 },
  { batch: 16, size: [28, 28], inC: 12, outC: 44, kernel: 1, stride: 1, padding: 0 },
  // Stride 1: the one phase that GEMM writes in place.
  { batch: 5, size: [13, 11], inC: 10, outC: 14, kernel: 3, stride: 1, padding: 'same' },
  // Winograd filter gradients over more than one block of 256 tiles (640 and 300 tiles), the first on 2 threads.
  { batch: 10, size: [16, 16], inC: 32, outC: 32, kernel: 3, stride: 1, padding: 'same' },
  { batch: 3, size: [19, 19], inC: 16, outC: 20, kernel: 3, stride: 1, padding: 'same' },
  // F(2x2, 3x3) input gradient (72 tiles) on 2 threads, the filter transformed once for both.
  { batch: 8, size: [6, 6], inC: 32, outC: 32, kernel: 3, stride: 1, padding: 'same' },
  // An F(4x4, 3x3) input gradient of 64 tiles onto 256 channels: 2 threads split the channels.
  { batch: 16, size: [8, 8], inC: 256, outC: 16, kernel: 3, stride: 1, padding: 'same' },
  ...ROW_BY_ROW_SHAPES,
];

/**
 * The forward pass of training (a filter that changes between calls, so not prepared) by Winograd, on 2
 * threads: split over tiles with F(4x4, 3x3) (160 tiles) and F(2x2, 3x3) (72), with a bias; split over
 * output channels with F(4x4, 3x3), 64 tiles onto 256 channels.
 */
const FORWARD_SHAPES: GradientShape[] = [
  { batch: 10, size: [16, 16], inC: 32, outC: 32, kernel: 3, stride: 1, padding: 'same' },
  { batch: 8, size: [6, 6], inC: 32, outC: 32, kernel: 3, stride: 1, padding: 'same' },
  { batch: 16, size: [8, 8], inC: 16, outC: 256, kernel: 3, stride: 1, padding: 'same' },
];

function paramsOf(shape: GradientShape): Conv2DParams {
  const dilation = shape.dilation ?? 1;
  const window = windowParams('case', shape.batch, shape.size[0], shape.size[1], shape.inC, {
    kH: shape.kernel,
    kW: shape.kernel,
    strideH: shape.stride,
    strideW: shape.stride,
    padding: shape.padding,
    dilationH: dilation,
    dilationW: dilation,
  });
  return { ...window, outC: shape.outC, groups: shape.groups ?? 1 };
}

function gradientCases(): ParityCase[] {
  const random = new Random(15);
  const cases: ParityCase[] = SHAPES.map((shape) => {
    const params = paramsOf(shape);
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const groups = params.groups ?? 1;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, kH * kW * (inC / groups) * outC, 0.5);
    const dOut = randomArray(random, batch * outH * outW * outC);
    const algorithm = convolutionAlgorithm(params, 'backpropFilter');
    const name =
      `${batch}x${inH}x${inW}x${inC} k${kH} s${params.strideH} d${params.dilationH ?? 1} ` +
      `g${groups} pads ${params.padTop},${params.padBottom},${params.padLeft},${params.padRight} -> ${outC} ` +
      `(filter gradient: ${algorithm})`;
    // float32 sums of values in [-1, 1]: up to kH*kW*outC products per input value, and one per pixel
    // (Winograd: 4 transformed ones) per filter value.
    const inputTolerance = 2e-6 * kH * kW * outC;
    const filterTolerance = 2e-6 * batch * outH * outW * 4;
    return {
      name,
      tolerance: { atol: Math.max(inputTolerance, filterTolerance), rtol: 1e-4 },
      run(kernels) {
        const dInput = new Float32Array(input.length).fill(Number.NaN);
        kernels.Conv2DBackpropInput(dOut, filter, dInput, params);
        const dFilter = new Float32Array(filter.length).fill(Number.NaN);
        kernels.Conv2DBackpropFilter(input, dOut, dFilter, params);
        return [dInput, dFilter];
      },
    };
  });
  for (const shape of FORWARD_SHAPES) {
    const params = paramsOf(shape);
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    cases.push({
      name: `Conv2D ${batch}x${inH}x${inW}x${inC} -> ${outC} (${convolutionAlgorithm(params, 'forward')})`,
      tolerance: { atol: 2e-6 * 9 * inC * 4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, params);
        return [output];
      },
    });
  }
  // The row-by-row forward passes with a residual and a fused activation in their output transform.
  for (const [index, shape] of ROW_BY_ROW_SHAPES.entries()) {
    const activation = index === 0 ? ({ kind: 'relu' } as const) : ({ kind: 'clip', min: -0.5, max: 0.5 } as const);
    const params = { ...paramsOf(shape), activation };
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    const residual = randomArray(random, batch * outH * outW * outC);
    cases.push({
      name: `Conv2D ${batch}x${inH}x${inW}x${inC} -> ${outC} + residual, ${activation.kind} (row by row)`,
      tolerance: { atol: 2e-6 * 9 * inC * 4, rtol: 1e-4 },
      run(kernels) {
        const output = new Float32Array(batch * outH * outW * outC).fill(Number.NaN);
        kernels.Conv2D(input, filter, bias, output, params, residual);
        return [output];
      },
    });
  }
  // A ReLU's and a ReLU6's gradient with the bias gradient (ClipBiasAddGrad): outputs on the bounds
  // included, a tail of 1 column, and 505,101 values (2 threads); its blocks of rows (at most 64, of at least 16
  // rows) one, partial at the end, or split unevenly between threads, as ResNet-18's 56x56x64 map at batch 16 plus
  // a row.
  for (const [rows, columns, min, max] of [
    [7, 5, 0, Infinity],
    [5001, 101, 0, 6],
    [40, 9, -0.25, 0.5],
    [16, 8, 0, Infinity],
    [1003, 3, 0, 6],
    [50177, 64, 0, Infinity],
  ] as const) {
    const dOut = randomArray(random, rows * columns);
    const output = randomArray(random, rows * columns, 4, 2).map((value) => (value < min ? min : Math.min(value, max)));
    cases.push({
      name: `ClipBiasAddGrad ${rows}x${columns} (${min}, ${max})`,
      tolerance: { atol: 2e-6 * rows, rtol: 1e-5 },
      run(kernels) {
        const dInput = new Float32Array(rows * columns).fill(Number.NaN);
        const dBias = new Float32Array(columns).fill(Number.NaN);
        kernels.ClipBiasAddGrad(dOut, output, dInput, dBias, { rows, columns, min, max });
        return [dInput, dBias];
      },
    });
    // With a second gradient added as it is masked (a residual block's input): the same shapes.
    const addend = randomArray(random, rows * columns);
    cases.push({
      name: `ClipBiasAddGrad ${rows}x${columns} (${min}, ${max}) with an addend`,
      tolerance: { atol: 4e-6 * rows, rtol: 1e-5 },
      run(kernels) {
        const dInput = new Float32Array(rows * columns).fill(Number.NaN);
        const dBias = new Float32Array(columns).fill(Number.NaN);
        kernels.ClipBiasAddGrad(dOut, output, dInput, dBias, { rows, columns, min, max }, addend);
        return [dInput, dBias];
      },
    });
  }
  // Bias gradients: a tail of 1 column, fewer columns than threads' blocks, and 505,101 values (2 threads).
  for (const [rows, columns] of [
    [7, 5],
    [33, 3],
    [5001, 101],
    [1000, 1],
  ] as const) {
    const dOut = randomArray(random, rows * columns);
    cases.push({
      name: `BiasAddGrad ${rows}x${columns}`,
      tolerance: { atol: 2e-6 * rows, rtol: 1e-5 },
      run(kernels) {
        const dBias = new Float32Array(columns).fill(Number.NaN);
        kernels.BiasAddGrad(dOut, dBias, { rows, columns });
        return [dBias];
      },
    });
  }
  return cases;
}

describe('Winograd passes of training on 2 threads', () => {
  test('split the tiles, or the output channels where tiles are few beside them', () => {
    const splits = FORWARD_SHAPES.map((shape) => {
      const params = paramsOf(shape);
      return isWinogradSplitByColumns(params, convolutionAlgorithm(params, 'forward'), 2);
    });
    assert.deepEqual(splits, [false, false, true]);
  });
  test('take F(4x4, 3x3) on the row-by-row shapes, forward split over tiles, then over output channels', () => {
    const choices = ROW_BY_ROW_SHAPES.map((shape) => {
      const params = paramsOf(shape);
      const forward = convolutionAlgorithm(params, 'forward');
      return [forward, convolutionAlgorithm(params, 'backpropInput'), isWinogradSplitByColumns(params, forward, 2)];
    });
    assert.deepEqual(choices, [
      ['winograd4x4', 'winograd4x4', false],
      ['winograd4x4', 'winograd4x4', true],
    ]);
  });
});

const cases = gradientCases();
describeBuildParity('convolution and bias gradients of training', cases);
describeThreadDeterminism('a convolution or bias gradient', cases);
