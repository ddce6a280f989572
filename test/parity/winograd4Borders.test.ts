// F(4x4, 3x3)'s input transform on tiles that reach past the image (assembly/winograd4.ts, transformInputBlock: rows
// outside it and columns outside it are zero), against the reference kernels: paddings 0, 1 and 2, different on each
// side (the input gradient pads by 2 - pad), thin layers (12 and 16 channels, whole tiles) and wide ones (partial
// tiles), forward with a filter transformed on each call (bias and ReLU, or a residual), prepared, and the input
// gradient where it takes F(4x4). Both builds; bit-identical on 1 and 2 threads. Outputs start as NaN.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, type KernelSignatures } from '../../src/index.js';
import { windowOutputSize, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

/** [batch, inH, inW, inC, outC, padTop, padBottom, padLeft, padRight, isConstantFilter]: 3x3, stride 1. */
const SHAPES: readonly [number, number, number, number, number, number, number, number, number, boolean][] = [
  // Thin, padding 1: 28x28 outputs (whole tiles); the input gradient too.
  [32, 28, 28, 12, 12, 1, 1, 1, 1, false],
  // Padding 0: 16x16 outputs, no tile past the image forward.
  [16, 18, 18, 12, 16, 0, 0, 0, 0, false],
  // Padding 2: 20x20 outputs, the first and last two rows and columns of the edge tiles outside.
  [8, 18, 18, 16, 12, 2, 2, 2, 2, false],
  // Wide, a different padding on each side: 13x11 outputs (partial tiles last); the input gradient pads 0, 2, 2, 0.
  [8, 13, 11, 128, 128, 2, 0, 0, 2, false],
  // Wide, padding 0 above and left, 2 below and right: 12x14 outputs.
  [6, 12, 14, 128, 132, 0, 2, 2, 0, false],
  // Prepared: padding 0 (14x14 outputs) and 2 (16x16).
  [2, 16, 16, 32, 32, 0, 0, 0, 0, true],
  [3, 14, 14, 16, 24, 2, 2, 2, 2, true],
];

function paramsOf(shape: (typeof SHAPES)[number]): Conv2DParams {
  const [batch, inH, inW, inC, outC, padTop, padBottom, padLeft, padRight, isConstantFilter] = shape;
  return {
    batch,
    inH,
    inW,
    inC,
    outC,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop,
    padBottom,
    padLeft,
    padRight,
    outH: windowOutputSize(inH, 3, 1, padTop, padBottom),
    outW: windowOutputSize(inW, 3, 1, padLeft, padRight),
    isConstantFilter,
  };
}

function borderCases(random: Random): ParityCase[] {
  return SHAPES.flatMap((shape, index) => {
    const params = paramsOf(shape);
    if (index % 2 === 0) params.activation = 'relu';
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    assert.equal(convolutionAlgorithm(params, 'forward'), 'winograd4x4', `${shape.join('x')} forward`);
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    const outputSize = batch * outH * outW * outC;
    const residual = index % 2 === 1 ? randomArray(random, outputSize) : null;
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC} padding ${shape.slice(5, 9).join(' ')}` +
      `${params.isConstantFilter ? ' prepared' : ''}${residual === null ? ' + ReLU' : ' + residual'}`;
    const tolerance = { atol: 2e-6 * 9 * Math.max(inC, outC) * 4, rtol: 1e-4 };
    const cases: ParityCase[] = [
      {
        name: `Conv2D ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(outputSize).fill(Number.NaN);
          k.Conv2D(input, filter, bias, out, params, residual);
          return [out];
        },
      },
    ];
    if (!params.isConstantFilter && convolutionAlgorithm(params, 'backpropInput') === 'winograd4x4') {
      const dOut = randomArray(random, outputSize);
      cases.push({
        name: `Conv2DBackpropInput ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(input.length).fill(Number.NaN);
          k.Conv2DBackpropInput(dOut, filter, out, params);
          return [out];
        },
      });
    }
    return cases;
  });
}

const cases = borderCases(new Random(2071));

describeBuildParity('F(4x4, 3x3) tiles past the image', cases);
describeThreadDeterminism('an F(4x4, 3x3) pass with tiles past the image', cases);

test('the border cases include input gradients', () => {
  assert.ok(cases.filter((parityCase) => parityCase.name.startsWith('Conv2DBackpropInput')).length >= 2);
});
