// The polyphase Winograd path of 3x3 stride-2 convolutions (assembly/winogradStride2.ts) against the reference
// kernels: forward (bias, fused ReLU, a residual), input gradient and filter gradient, on even and odd input
// sizes, non-square images, odd outputs (partial tiles in edge order, whose skipped positions must not be read:
// ResNet-18's 7x7, odd batches, input-gradient edge tiles with 1, 2 and 3 dInput rows or columns inside),
// paddings of 1 (ResNet's), 0, 1 before and 0 after, and TensorFlow's 'same' (0 before, 1 after: the input
// gradient then takes im2col), channels that are not multiples of 8, one and several images, chunks of tiles
// that end part-way, and splits by tiles and by output-channel strips; prepared (constant) filters in the forward
// pass, odd outputs included, called twice. Both builds; bit-identical on 1 and 2 threads. Outputs start as NaN:
// every value must be written. Each shape pins the algorithm of each pass: 2 outputs a tile along each axis
// (conv2dWinogradStride2, 25 positions) or 4 (conv2dWinogradStride2Tile4, 81 positions), whose shapes cover whole
// tiles and partial ones with 1, 2 and 3 outputs (forward, filter gradient) or dOut samples (input gradient) inside,
// dInput tiles past an odd input, batches of 1 and odd ones, and 16 to 128 channels.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random, type KernelSignatures, type Padding } from '../../src/index.js';
import { resolvePadding, windowOutputSize, type Conv2DParams } from '../../src/kernels/params.js';
import { convolutionAlgorithm, isWinogradSplitByColumns } from '../../src/kernels/wasm/wasmBackend.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

/** The algorithm of each pass, forward / input gradient / filter gradient: 2 or 4 outputs a tile, or im2col. */
type Passes = '2/2/2' | '4/4/4' | '4/2/4' | '2/im2col/2' | '4/im2col/4' | '2/2/4';

/** [batch, inH, inW, inC, outC, padding, passes]. */
const SHAPES: readonly [number, number, number, number, number, Padding, Passes][] = [
  [2, 16, 16, 16, 32, 1, '2/2/2'],
  [3, 15, 11, 20, 16, 1, '2/2/2'],
  [1, 28, 28, 16, 16, 1, '2/2/2'],
  [4, 11, 12, 36, 44, 1, '2/2/2'],
  [4, 12, 12, 64, 128, 1, '2/2/2'],
  [4, 17, 13, 16, 12, 0, '2/im2col/2'],
  [6, 12, 8, 24, 16, 'same', '2/im2col/2'],
  [16, 8, 8, 32, 64, 1, '2/2/2'],
  [3, 22, 22, 16, 200, [1, 2, 1, 2], '2/2/2'],
  // Odd outputs (7x7, ResNet-18's last stride-2 layer): partial tiles in edge order.
  [3, 14, 14, 64, 128, 1, '2/2/2'],
  [16, 13, 14, 16, 16, 1, '2/2/2'],
  // 7x5 outputs of 5 images (classes of tiles that end part-way through blocks of 4); input-gradient edge tiles
  // with 3 dInput rows and columns inside.
  [5, 15, 11, 20, 16, [1, 0, 1, 0], '2/2/2'],
  // One image, 15x13 outputs.
  [1, 30, 26, 16, 32, 1, '2/2/2'],
  // Few tiles, many channels: the threads split output-channel strips (ResNet's last stride-2 layer, smaller), with
  // whole and partial tiles.
  [4, 12, 12, 128, 256, 1, '2/2/2'],
  [3, 14, 14, 128, 256, 1, '2/2/2'],
  // 4 outputs a tile (from 256 tiles a call): 16x16 outputs of 16 images, whole tiles.
  [16, 32, 32, 16, 32, 1, '4/4/4'],
  // 15x15 outputs (partial tiles with 3 outputs both ways; corners).
  [16, 30, 30, 16, 16, 1, '4/2/4'],
  // 16x25 outputs of 10 images (a last tile column with one output).
  [10, 32, 50, 16, 16, 1, '4/2/4'],
  // 20x18 outputs of 11 images (a last tile column with 2 outputs, 2 dOut samples in the input gradient).
  [11, 40, 36, 20, 28, 1, '4/4/4'],
  // 16x12 outputs of a 31x23 input: dInput tiles with 7 rows and columns inside.
  [22, 31, 23, 16, 16, 1, '4/4/4'],
  // ResNet-18's first stride-2 layer's size, fewer channels.
  [6, 56, 56, 16, 16, 1, '4/4/4'],
  [16, 32, 32, 16, 16, 'same', '4/im2col/4'],
  [16, 33, 33, 16, 24, 0, '4/im2col/4'],
  [12, 40, 40, 16, 16, [1, 0, 1, 0], '4/4/4'],
  // 216 channels: a chunk of 4-output tiles would hold fewer than 16 (the filter gradient does not stream the filter).
  [16, 31, 31, 16, 200, [1, 2, 1, 2], '2/2/4'],
];

/** A pass's algorithm as SHAPES writes it. */
function passName(algorithm: string): string {
  return algorithm === 'winogradStride2Tile4' ? '4' : algorithm === 'winogradStride2' ? '2' : algorithm;
}

function stride2Cases(random: Random): ParityCase[] {
  return SHAPES.flatMap(([batch, inH, inW, inC, outC, padding, expected], index) => {
    const pads = resolvePadding(padding, inH, inW, 3, 3, 2, 2);
    const params: Conv2DParams = {
      batch,
      inH,
      inW,
      inC,
      outC,
      kH: 3,
      kW: 3,
      strideH: 2,
      strideW: 2,
      ...pads,
      outH: windowOutputSize(inH, 3, 2, pads.padTop, pads.padBottom),
      outW: windowOutputSize(inW, 3, 2, pads.padLeft, pads.padRight),
    };
    if (index % 2 === 1) params.activation = 'relu';
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = index % 3 === 2 ? null : randomArray(random, outC);
    const outputSize = batch * params.outH * params.outW * outC;
    const residual = index % 4 === 3 ? randomArray(random, outputSize) : null;
    const dOut = randomArray(random, outputSize);
    const passes = (['forward', 'backpropInput', 'backpropFilter'] as const).map((pass) =>
      convolutionAlgorithm(params, pass),
    );
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC} pad ${JSON.stringify(padding)}` +
      `${params.activation === 'relu' ? ' + ReLU' : ''}${residual === null ? '' : ' + residual'} (${passes.join('/')})`;
    assert.equal(passes.map(passName).join('/'), expected, label);
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
        tolerance: { atol: 2e-6 * batch * params.outH * params.outW * 4, rtol: 1e-4 },
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
 * [batch, inH, inW, inC, outC, padding] of constant (prepared) filters: odd outputs (partial tiles), splits by
 * tiles and by strips, a packed filter above WINOGRAD_STREAMED_FILTER_FLOATS (ResNet-18's last stride-2 layer).
 */
const PREPARED_SHAPES: readonly [number, number, number, number, number, Padding, '2' | '4'][] = [
  [2, 16, 16, 16, 32, 1, '4'],
  [3, 15, 11, 20, 16, 1, '2'],
  [1, 14, 14, 64, 128, 1, '2'],
  [4, 17, 13, 16, 12, 0, '2'],
  [6, 12, 8, 24, 16, 'same', '2'],
  [8, 12, 12, 64, 72, 1, '2'],
  [4, 14, 14, 256, 512, 1, '2'],
  // 4 outputs a tile: ResNet-18's first stride-2 layer, partial tiles with 3 outputs, with one, split by strips.
  [1, 56, 56, 64, 128, 1, '4'],
  [3, 30, 22, 16, 16, 1, '4'],
  [8, 32, 32, 32, 64, 1, '4'],
  [2, 40, 50, 16, 24, 1, '4'],
];

/** Each case calls twice with different inputs: the packed filter is kept between calls. */
function preparedStride2Cases(random: Random): ParityCase[] {
  return PREPARED_SHAPES.map(([batch, inH, inW, inC, outC, padding, expected], index) => {
    const pads = resolvePadding(padding, inH, inW, 3, 3, 2, 2);
    const params: Conv2DParams = {
      batch,
      inH,
      inW,
      inC,
      outC,
      kH: 3,
      kW: 3,
      strideH: 2,
      strideW: 2,
      ...pads,
      outH: windowOutputSize(inH, 3, 2, pads.padTop, pads.padBottom),
      outW: windowOutputSize(inW, 3, 2, pads.padLeft, pads.padRight),
      isConstantFilter: true,
    };
    if (index % 2 === 0) params.activation = 'relu';
    const inputs = [0, 1].map(() => randomArray(random, batch * inH * inW * inC));
    const filter = randomArray(random, 9 * inC * outC, 1 / Math.sqrt(9 * inC));
    const bias = index % 3 === 2 ? null : randomArray(random, outC);
    const outputSize = batch * params.outH * params.outW * outC;
    const residual = index % 2 === 1 ? randomArray(random, outputSize) : null;
    const algorithm = convolutionAlgorithm(params, 'forward');
    const split = isWinogradSplitByColumns(params, algorithm, 2) ? 'strips' : 'tiles';
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC} pad ${JSON.stringify(padding)}` +
      `${params.activation === 'relu' ? ' + ReLU' : ''}${residual === null ? '' : ' + residual'} (by ${split})`;
    assert.equal(passName(algorithm), expected, `${label}: prepared forward`);
    return {
      name: `Conv2D prepared ${label}`,
      tolerance: { atol: 2e-4, rtol: 2e-4 },
      run: (k: KernelSignatures) =>
        inputs.map((input) => {
          const out = new Float32Array(outputSize).fill(Number.NaN);
          k.Conv2D(input, filter, bias, out, params, residual);
          return out;
        }),
    };
  });
}

const cases = stride2Cases(new Random(2026));
const preparedCases = preparedStride2Cases(new Random(2027));

describeBuildParity('3x3 stride-2 convolutions by polyphase Winograd', cases);
describeBuildParity('prepared 3x3 stride-2 convolutions by polyphase Winograd (called twice)', preparedCases);

describeThreadDeterminism('a 3x3 stride-2 convolution by polyphase Winograd', cases);
describeThreadDeterminism('a prepared 3x3 stride-2 convolution by polyphase Winograd', preparedCases);

test('the prepared cases split by tiles and by strips', () => {
  const splits = PREPARED_SHAPES.map(([batch, inH, inW, inC, outC, padding, expected]) => {
    const pads = resolvePadding(padding, inH, inW, 3, 3, 2, 2);
    const outH = windowOutputSize(inH, 3, 2, pads.padTop, pads.padBottom);
    const outW = windowOutputSize(inW, 3, 2, pads.padLeft, pads.padRight);
    const params = { batch, inH, inW, inC, outC, outH, outW, kH: 3, kW: 3, strideH: 2, strideW: 2, ...pads };
    const algorithm = expected === '4' ? 'winogradStride2Tile4' : 'winogradStride2';
    return `${expected} ${isWinogradSplitByColumns({ ...params, isConstantFilter: true }, algorithm, 2)}`;
  });
  for (const split of ['2 true', '2 false', '4 true', '4 false'])
    assert.ok(splits.includes(split), JSON.stringify(splits));
});

test('the polyphase Winograd path is chosen for 3x3 stride-2 convolutions', () => {
  const resnet = {
    batch: 16,
    inH: 56,
    inW: 56,
    inC: 64,
    outH: 28,
    outW: 28,
    outC: 128,
    kH: 3,
    kW: 3,
    strideH: 2,
    strideW: 2,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
  };
  // ResNet-18's stride-2 layers: 4 outputs a tile on 56x56x64->128 (28x28 out: 63 x 63 positions an image against
  // 70 x 70), 2 on 28x28x128->256 (14x14 out: 34 x 34 against 35 x 35, not enough for the costlier transforms) and
  // 14x14x256->512 (7x7 out), at batch 16 (fine-tuning), 8 and 1, prepared or not.
  const layer2 = { ...resnet, inH: 28, inW: 28, inC: 128, outH: 14, outW: 14, outC: 256 };
  const layer3 = { ...resnet, inH: 14, inW: 14, inC: 256, outH: 7, outW: 7, outC: 512 };
  for (const [params, algorithm] of [
    [resnet, 'winogradStride2Tile4'],
    [layer2, 'winogradStride2'],
    [layer3, 'winogradStride2'],
  ] as const) {
    for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
      assert.equal(convolutionAlgorithm(params, pass), algorithm, `${params.inH}x${params.inW} ${pass}`);
    for (const batch of [1, 8]) {
      const constant = { ...params, batch, isConstantFilter: true };
      // One image of the two deeper layers: 49 and 16 tiles, too few for their filters' 25 positions from beyond L2.
      const expected = batch === 1 && params !== resnet ? 'im2col' : algorithm;
      assert.equal(convolutionAlgorithm(constant, 'forward'), expected, `${params.inH}x${params.inW} batch ${batch}`);
    }
  }
  // ResNet-50's 14x14x512->512 and 28x28x256->256 at batch 1 the same; at batch 4 (64 tiles) the 7x7 output's
  // polyphase Winograd.
  const resnet50Layer = { ...layer3, inC: 512, outC: 512, isConstantFilter: true };
  assert.equal(convolutionAlgorithm({ ...resnet50Layer, batch: 1 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet50Layer, batch: 4 }, 'forward'), 'winogradStride2');
  const resnet50Layer2 = { ...layer2, inC: 256, outC: 256, isConstantFilter: true };
  assert.equal(convolutionAlgorithm({ ...resnet50Layer2, batch: 1 }, 'forward'), 'im2col');
  // A small filter (in L2) keeps it on few tiles.
  assert.equal(
    convolutionAlgorithm({ ...layer3, batch: 1, inC: 64, outC: 128, isConstantFilter: true }, 'forward'),
    'winogradStride2',
  );
  // A constant filter (inference) takes it prepared, odd outputs too, where its GEMM rows are fewer than im2col's.
  const constant = { ...resnet, isConstantFilter: true };
  // One output pixel: 25 positions of a tile against 9 taps.
  const single = { ...constant, batch: 1, inH: 2, inW: 2, outH: 1, outW: 1 };
  assert.equal(convolutionAlgorithm(single, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...constant, inC: 3 }, 'forward'), 'im2col');
  // An odd output (ResNet-18's 7x7): partial tiles skip the positions they do not need (342 GEMM rows x positions
  // an image, weighted a quarter more, against im2col's 441).
  const odd = { ...resnet, inH: 14, inW: 14, outH: 7, outW: 7 };
  for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
    assert.equal(convolutionAlgorithm(odd, pass), 'winogradStride2', `odd ${pass}`);
  // Three input channels (a stem), too small an output, a small odd one (3x3: 70 rows x positions an image, weighted,
  // against 81), dilation, groups, stride 3: im2col.
  assert.equal(convolutionAlgorithm({ ...resnet, inC: 3 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet, batch: 1, inH: 8, inW: 8, outH: 4, outW: 4 }, 'forward'), 'im2col');
  const smallOdd = { ...resnet, inH: 6, inW: 6, outH: 3, outW: 3 };
  assert.equal(convolutionAlgorithm(smallOdd, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm(smallOdd, 'backpropFilter'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet, dilationH: 2, dilationW: 2 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet, groups: 2 }, 'forward'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet, strideH: 3, strideW: 3 }, 'forward'), 'im2col');
  // The input gradient's gather assumes a padding of 1 before the image.
  assert.equal(convolutionAlgorithm({ ...resnet, padTop: 0, padLeft: 0 }, 'backpropInput'), 'im2col');
  assert.equal(convolutionAlgorithm({ ...resnet, padTop: 0, padLeft: 0 }, 'backpropFilter'), 'winogradStride2Tile4');
  // 4 outputs a tile on many channels: the forward pass and input gradient stream the 81 positions of the filter by
  // every chunk, which then holds fewer than 16 tiles; the filter gradient and a prepared filter do not.
  const wide = { ...resnet, inC: 128, outC: 128 };
  assert.equal(convolutionAlgorithm(wide, 'forward'), 'winogradStride2');
  assert.equal(convolutionAlgorithm(wide, 'backpropInput'), 'winogradStride2');
  assert.equal(convolutionAlgorithm(wide, 'backpropFilter'), 'winogradStride2Tile4');
  assert.equal(convolutionAlgorithm({ ...wide, isConstantFilter: true }, 'forward'), 'winogradStride2Tile4');
  // Fewer than 256 tiles of 4 outputs (one image): 2 outputs a tile, unless the filter is prepared.
  for (const pass of ['forward', 'backpropInput', 'backpropFilter'] as const)
    assert.equal(convolutionAlgorithm({ ...resnet, batch: 1 }, pass), 'winogradStride2', `one image ${pass}`);
});
