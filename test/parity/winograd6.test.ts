// F(6x6, 3x3) and its dual F(3x3, 6x6) (assembly/winograd6.ts), training passes (filter transformed on each call):
// forward (bias, ReLU or another fused activation, a residual), input gradient and filter gradient against the
// reference kernels, on outputs with partial tiles of 2, 4 and 5 outputs (they go last and skip position 7) and whole
// tiles, paddings 0, 1 and 2, batch 1 and odd batches, 16 to 128 input channels (the filter gradient takes F(3x3, 6x6)
// from 128) and output channels not a multiple of 8, splits by tiles (interleaved) and by output-channel strips. Both builds; bit-identical on 1 and 2 threads.
// Outputs start as NaN. Also pins the choice on ResNet-18's 3x3 stride-1 layers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, type KernelSignatures } from '../../src/index.js';
import { windowOutputSize, type Conv2DParams, type FusedActivation } from '../../src/kernels/params.js';
import { convolutionAlgorithm, isWinogradSplitByColumns } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

/** [batch, inH, inW, inC, outC, padding]: 3x3, stride 1. */
const SHAPES: readonly [number, number, number, number, number, number][] = [
  // 28x28 (ResNet-18's second stage): the last tile of each axis has 4 outputs; outC 132 (a partial strip).
  [3, 28, 28, 128, 132, 1],
  // Batch 1 on 56x56 (its first stage): last tiles of 2 outputs; 3 strips of output channels.
  [1, 56, 56, 16, 24, 1],
  // Padding 0: 22x22 outputs (last tiles of 4), whole tiles in the input gradient (24x24); outC 20.
  [5, 24, 24, 32, 20, 0],
  // Padding 2: 12x12 outputs (last tiles of 6 and 0), the input gradient 10x10 (last tiles of 4), 17 images.
  [17, 10, 10, 16, 16, 2],
  // 64 tiles, 256 output channels: forward on 2 threads splits the output-channel strips.
  [1, 48, 48, 16, 256, 1],
  // 11x11 outputs: last tiles of 5, rows and columns.
  [17, 11, 11, 128, 128, 1],
  // The same with 20 -> 28 channels: F(6x6) forward and for the input gradient only (the filter gradient from 128).
  [17, 11, 11, 20, 28, 1],
];

const ACTIVATIONS: readonly ('relu' | FusedActivation | undefined)[] = [
  { kind: 'silu' },
  'relu',
  undefined,
  { kind: 'clip', min: 0, max: 6 },
  undefined,
  { kind: 'leakyRelu', alpha: 0.1 },
  'relu',
];

function paramsOf([batch, inH, inW, inC, outC, padding]: readonly number[]): Conv2DParams {
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
    padTop: padding!,
    padBottom: padding!,
    padLeft: padding!,
    padRight: padding!,
    outH: windowOutputSize(inH!, 3, 1, padding!, padding!),
    outW: windowOutputSize(inW!, 3, 1, padding!, padding!),
  };
}

function cases(random: Random): ParityCase[] {
  return SHAPES.flatMap((shape, index) => {
    const params = paramsOf(shape);
    params.activation = ACTIVATIONS[index];
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    for (const pass of ['forward', 'backpropInput'] as const)
      assert.equal(convolutionAlgorithm(params, pass), 'winograd6x6', `${shape.join('x')} ${pass}`);
    const filterAlgorithm = convolutionAlgorithm(params, 'backpropFilter');
    assert.equal(filterAlgorithm === 'winograd6x6', Math.min(inC, outC) >= 128, `${shape.join('x')} backpropFilter`);
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = index === 1 ? null : randomArray(random, outC);
    const outputSize = batch * outH * outW * outC;
    const residual = index % 2 === 1 ? randomArray(random, outputSize) : null;
    const dOut = randomArray(random, outputSize);
    const split = isWinogradSplitByColumns(params, 'winograd6x6', 2) ? 'strips' : 'tiles';
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC} padding ${shape[5]}` +
      `${params.activation === undefined ? '' : ' + activation'}${residual === null ? '' : ' + residual'} (by ${split})`;
    const filterLabel = `${label}${filterAlgorithm === 'winograd6x6' ? '' : ` (${filterAlgorithm})`}`;
    // F(6x6)'s transforms have larger coefficients (21/4, 32) than F(4x4)'s: float32 sums of 9 inC products carry
    // relative errors near 2e-5 (a numpy check against float64 at 256 channels: 1.9e-5, F(4x4) 1.1e-5).
    const tolerance = { atol: 2e-5 * Math.sqrt(9 * Math.max(inC, outC)) * 2, rtol: 1e-4 };
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
        name: `Conv2DBackpropFilter ${filterLabel}`,
        // Sums over batch x outH x outW products of values in [-1, 1).
        tolerance: { atol: 2e-5 * Math.sqrt(batch * outH * outW) * 4, rtol: 1e-4 },
        run: (k: KernelSignatures) => {
          const out = new Float32Array(filter.length).fill(Number.NaN);
          k.Conv2DBackpropFilter(input, dOut, out, params);
          return [out];
        },
      },
    ];
  });
}

/**
 * The forward pass with a constant (prepared) filter, [batch, inH, inW, inC, outC, padding], as the inference plan
 * runs it (conv2dWinogradPrepare packs it once): 56x56 at batch 1 (last tiles of 2), 28x28 at batch 3 (of 4), 12x12
 * at batch 2 (whole tiles, padding 2; the threads split the strips), 11x11 at batch 1 (last tiles of 5; by strips).
 */
const PREPARED_SHAPES: readonly [number, number, number, number, number, number][] = [
  [1, 56, 56, 64, 64, 1],
  [3, 28, 28, 128, 120, 1],
  [2, 10, 10, 32, 48, 2],
  [1, 11, 11, 256, 256, 1],
];

function preparedCases(random: Random): ParityCase[] {
  return PREPARED_SHAPES.map((shape, index) => {
    const params: Conv2DParams = { ...paramsOf(shape), isConstantFilter: true, activation: ACTIVATIONS[index] };
    assert.equal(convolutionAlgorithm(params, 'forward'), 'winograd6x6', shape.join('x'));
    const { batch, inH, inW, inC, outH, outW, outC } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    const outputSize = batch * outH * outW * outC;
    const residual = index % 2 === 1 ? randomArray(random, outputSize) : null;
    const split = isWinogradSplitByColumns(params, 'winograd6x6', 2) ? 'strips' : 'tiles';
    return {
      name: `Conv2D prepared ${batch}x${inH}x${inW}x${inC} -> ${outC} padding ${shape[5]} (by ${split})`,
      tolerance: { atol: 2e-5 * Math.sqrt(9 * Math.max(inC, outC)) * 2, rtol: 1e-4 },
      run: (k: KernelSignatures) => {
        const out = new Float32Array(outputSize).fill(Number.NaN);
        k.Conv2D(input, filter, bias, out, params, residual);
        // A second call reads the kept packed filter.
        const again = new Float32Array(outputSize).fill(Number.NaN);
        k.Conv2D(input, filter, bias, again, params, residual);
        return [out, again];
      },
    };
  });
}

const parityCases = [...cases(new Random(2066)), ...preparedCases(new Random(2067))];

describeBuildParity('F(6x6, 3x3) training passes', parityCases);
describeThreadDeterminism('an F(6x6, 3x3) training pass', parityCases);

test('the F(6x6) cases split by tiles and by strips on 2 threads', () => {
  const splits = SHAPES.map((shape) => isWinogradSplitByColumns(paramsOf(shape), 'winograd6x6', 2));
  assert.ok(splits.includes(true) && splits.includes(false), JSON.stringify(splits));
});

test("ResNet-18's 3x3 stride-1 layers at batch 16 (and prepared at 8): F(6x6) on 56x56 (not its filter gradient) and 28x28, F(4x4) on 14x14 and 7x7", () => {
  const choices = [
    [56, 64],
    [28, 128],
    [14, 256],
    [7, 512],
  ].map(([size, channels]) => {
    const params = paramsOf([16, size!, size!, channels!, channels!, 1]);
    const passes = (['forward', 'backpropInput', 'backpropFilter'] as const).map((pass) =>
      convolutionAlgorithm(params, pass),
    );
    return [...passes, convolutionAlgorithm({ ...params, batch: 8, isConstantFilter: true }, 'forward')].join(' ');
  });
  assert.deepEqual(choices, [
    'winograd6x6 winograd6x6 winograd4x4 winograd6x6',
    'winograd6x6 winograd6x6 winograd6x6 winograd6x6',
    'winograd4x4 winograd4x4 winograd4x4 winograd4x4',
    'winograd4x4 winograd4x4 winograd4x4 winograd4x4',
  ]);
});
