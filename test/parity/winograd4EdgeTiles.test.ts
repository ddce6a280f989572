// F(4x4, 3x3) on outputs that are not multiples of 4 (assembly/winograd4.ts): the partial tiles go last (edge order)
// and their GEMMs skip position 5 along a partial axis, which only y3 reads forward and W5 = e3 = 0 zeroes in the
// filter gradient. Against the reference kernels, training passes (filter transformed on each call): forward (bias,
// fused ReLU, a residual; per position and row by row), input gradient and filter gradient, on 7x7 (ResNet-18's last
// layers), 1, 2 and 3 outputs in the last tile row or column (the forward passes take 2 or 3 tiles of 3 outputs for
// the last 6 or 9 where there are tiles enough), outputs smaller than one tile, odd batches, splits by
// tiles (interleaved blocks of 4) and by output-channel strips. Both builds; bit-identical on 1 and 2 threads. Outputs start as NaN.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, type KernelSignatures } from '../../src/index.js';
import { windowOutputSize, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm, isWinogradSplitByColumns } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

/** [batch, inH, inW, inC, outC]: 3x3, stride 1, padding 1. */
const SHAPES: readonly [number, number, number, number, number][] = [
  // ResNet-18's 7x7 layers, smaller: 3 of 4 tiles an image partial.
  [16, 7, 7, 128, 128],
  // 1 and 2 outputs in the last tile row and column, 9 images (classes of 9 tiles: blocks of 4 split them); forward,
  // 9 = 3 + 3 + 3 and 10 = 4 + 3 + 3.
  [9, 9, 10, 128, 128],
  // 3 outputs along y, 1 along x, 6 images, outC not a multiple of 8.
  [6, 11, 13, 128, 132],
  // Few tiles, many channels: the threads split output-channel strips.
  [16, 5, 7, 128, 512],
  // 14x14 (ResNet's third stage): the last 6 outputs along each axis in two tiles of 3 (no position 5), 5 images.
  [5, 14, 14, 128, 128],
  // 3x3 outputs: every tile partial along both axes, so the positions of row or column 5 have no tile at all (the
  // filter gradient starts their sums at zero).
  [64, 3, 3, 128, 128],
];

function paramsOf([batch, inH, inW, inC, outC]: readonly number[]): Conv2DParams {
  return {
    batch: batch!,
    inH: inH!,
    inW: inW!,
    inC: inC!,
    outC: outC!,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
    outH: windowOutputSize(inH!, 3, 1, 1, 1),
    outW: windowOutputSize(inW!, 3, 1, 1, 1),
  };
}

function edgeCases(random: Random): ParityCase[] {
  return SHAPES.flatMap((shape, index) => {
    const params = paramsOf(shape);
    if (index % 2 === 0) params.activation = 'relu';
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
      assert.equal(convolutionAlgorithm(params, pass), 'winograd4x4', `${shape.join('x')} ${pass}`);
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = index === 1 ? null : randomArray(random, outC);
    const outputSize = batch * outH * outW * outC;
    const residual = index % 2 === 1 ? randomArray(random, outputSize) : null;
    const dOut = randomArray(random, outputSize);
    const split = isWinogradSplitByColumns(params, 'winograd4x4', 2) ? 'strips' : 'tiles';
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC}${params.activation === 'relu' ? ' + ReLU' : ''}` +
      `${residual === null ? '' : ' + residual'} (by ${split})`;
    const tolerance = { atol: 2e-6 * 9 * Math.max(inC, outC) * 4, rtol: 1e-4 };
    return [
      {
        name: `Conv2D ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(outputSize).fill(Number.NaN);
          k.Conv2D(input, filter, bias, out, params, residual);
          return [out];
        },
      },
      {
        name: `Conv2DBackpropInput ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(input.length).fill(Number.NaN);
          k.Conv2DBackpropInput(dOut, filter, out, params);
          return [out];
        },
      },
      {
        name: `Conv2DBackpropFilter ${label}`,
        tolerance: { atol: 2e-6 * batch * outH * outW * 4, rtol: 1e-4 },
        run: (k: KernelSignatures) => {
          const out = new Float32Array(filter.length).fill(Number.NaN);
          k.Conv2DBackpropFilter(input, dOut, out, params);
          return [out];
        },
      },
    ];
  });
}

const cases = edgeCases(new Random(2028));

describeBuildParity('F(4x4, 3x3) training passes with partial tiles', cases);
describeThreadDeterminism('an F(4x4, 3x3) training pass with partial tiles', cases);

test('the partial-tile cases split by tiles and by strips on 2 threads', () => {
  const splits = SHAPES.map((shape) => isWinogradSplitByColumns(paramsOf(shape), 'winograd4x4', 2));
  assert.ok(splits.includes(true) && splits.includes(false), JSON.stringify(splits));
});
