// Parity of the WebAssembly SIMD backend with the reference kernels on randomized shapes (batch 1-9,
// channels 1-70, kernels 1/3/5/7, strides 1-3, every padding mode, non-square images), in both the
// relaxed-SIMD and the plain-SIMD builds; and bit-identical results for 1 and 2 threads.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  Conv2D,
  Dense,
  Flatten,
  Input,
  MaxPool2D,
  Random,
  ReLU,
  SGD,
  Sequential,
  Softmax,
  Tanh,
  Tensor,
  getBackend,
  initWasmBackend,
  setBackend,
  type KernelSignatures,
  type Padding,
} from '../../src/index.js';
import { resolvePadding, windowOutputSize, type Conv2DParams, type Pool2DParams } from '../../src/kernels/params.js';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import {
  convolutionAlgorithm,
  WINOGRAD_4X4_MIN_TILES,
  WINOGRAD_MIN_PIXELS,
} from '../../src/kernels/wasm/wasmBackend.js';

const features = await probeWasmFeatures();
import { describeBuildParity, describeThreadDeterminism, randomArray, wasmSkip, type ParityCase } from './harness.js';

/** A random window geometry, drawn from the ranges the issue names. */
function randomWindow(random: Random, isPool: boolean): Pool2DParams {
  const kernel = isPool ? 1 + random.integer(3) : [1, 3, 5, 7][random.integer(4)]!;
  const strideH = 1 + random.integer(3);
  const strideW = 1 + random.integer(3);
  const inH = kernel + random.integer(12);
  const inW = kernel + random.integer(12);
  const modes: Padding[] = [
    'valid',
    'same',
    random.integer(kernel),
    [random.integer(kernel), random.integer(kernel)],
    [random.integer(kernel), random.integer(kernel), random.integer(kernel), random.integer(kernel)],
  ];
  const padding = modes[random.integer(modes.length)]!;
  const pads = resolvePadding(padding, inH, inW, kernel, kernel, strideH, strideW);
  return {
    batch: 1 + random.integer(9),
    inH,
    inW,
    inC: 1 + random.integer(70),
    outH: windowOutputSize(inH, kernel, strideH, pads.padTop, pads.padBottom),
    outW: windowOutputSize(inW, kernel, strideW, pads.padLeft, pads.padRight),
    kH: kernel,
    kW: kernel,
    strideH,
    strideW,
    ...pads,
  };
}

function randomConv(random: Random): Conv2DParams {
  let window = randomWindow(random, false);
  while (window.outH < 1 || window.outW < 1) window = randomWindow(random, false);
  const params: Conv2DParams = { ...window, outC: 1 + random.integer(70) };
  if (random.uniform() < 0.5) params.activation = 'relu';
  return params;
}

/** Runs one kernel on both backends with the same inputs; returns both sets of outputs. */
type Case = ParityCase;

function convCases(random: Random, count: number): Case[] {
  const cases: Case[] = [];
  for (let index = 0; index < count; index++) {
    const params = randomConv(random);
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, kH * kW * inC * outC, 0.5);
    const bias = random.uniform() < 0.5 ? randomArray(random, outC) : null;
    const dOut = randomArray(random, batch * outH * outW * outC);
    const depth = kH * kW * Math.max(inC, outC);
    const label =
      `${batch}x${inH}x${inW}x${inC} k${kH} s${params.strideH}x${params.strideW} ` +
      `pad(${params.padTop},${params.padBottom},${params.padLeft},${params.padRight}) -> ` +
      `${outC}${params.activation === 'relu' ? ' + ReLU' : ''}`;
    // float32 sums of `depth` products of values in [-1, 1]: rounding grows like sqrt(depth) * 2^-24 * depth.
    const tolerance = { atol: 2e-6 * depth, rtol: 1e-4 };
    cases.push(
      {
        name: `Conv2D ${label}`,
        tolerance,
        run: (k) => {
          const out = new Float32Array(batch * outH * outW * outC);
          k.Conv2D(input, filter, bias, out, params);
          return [out];
        },
      },
      {
        name: `Conv2DBackpropInput ${label}`,
        tolerance,
        run: (k) => {
          const out = new Float32Array(input.length);
          k.Conv2DBackpropInput(dOut, filter, out, params);
          return [out];
        },
      },
      {
        name: `Conv2DBackpropFilter ${label}`,
        tolerance: { atol: 2e-6 * batch * outH * outW, rtol: 1e-4 },
        run: (k) => {
          const out = new Float32Array(filter.length);
          k.Conv2DBackpropFilter(input, dOut, out, params);
          return [out];
        },
      },
    );
  }
  return cases;
}

/**
 * 3x3 stride-1 convolutions with channels in multiples of 4: the shapes the Winograd path takes. The
 * batch is raised where needed so that the output is large enough for Winograd (F(4x4) where the
 * tiles are whole), and the test checks the algorithm each case gets.
 */
function winogradCases(random: Random): Case[] {
  const shapes: [number, number, number, number, number, Padding][] = [
    [1, 4, 4, 16, 4, 'same'],
    [2, 7, 5, 16, 8, 'same'],
    [3, 9, 9, 32, 20, 'valid'],
    [9, 6, 11, 36, 16, 2],
    [4, 14, 14, 32, 64, 'same'],
    [2, 8, 8, 64, 128, 'same'],
    [5, 5, 8, 20, 16, [0, 2, 1, 0]],
    [1, 3, 3, 16, 16, 'same'],
    [3, 16, 12, 16, 32, 'same'],
    [2, 10, 6, 32, 8, 'valid'],
    [1, 4, 8, 16, 16, [2, 0, 1, 1]],
    [7, 4, 4, 64, 32, 'same'],
    // Padded F(4x4) tiles with many channels (ResNet's 7x7 layers in fine-tuning).
    [16, 7, 7, 128, 128, 'same'],
    // A transformed filter larger than L2 (F(4x4), 36 x 96 x 100 floats): chunks of 96 tiles, the last one partial.
    [6, 20, 20, 96, 100, 'same'],
  ];
  return shapes.flatMap(([smallestBatch, inH, inW, inC, outC, padding], index) => {
    const pads = resolvePadding(padding, inH, inW, 3, 3, 1, 1);
    const [outH, outW] = [
      windowOutputSize(inH, 3, 1, pads.padTop, pads.padBottom),
      windowOutputSize(inW, 3, 1, pads.padLeft, pads.padRight),
    ];
    const minimumPixels = outH % 4 === 0 && outW % 4 === 0 ? WINOGRAD_4X4_MIN_TILES * 16 : WINOGRAD_MIN_PIXELS;
    // Both sides of the gradient pass too: its output is the input.
    const batch = Math.max(
      smallestBatch,
      Math.ceil(minimumPixels / (outH * outW)),
      Math.ceil(WINOGRAD_MIN_PIXELS / (inH * inW)),
    );
    const params: Conv2DParams = {
      batch,
      inH,
      inW,
      inC,
      outC,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      ...pads,
      outH,
      outW,
    };
    if (index % 2 === 1) params.activation = 'relu';
    const input = randomArray(random, batch * inH * inW * inC);
    const filter = randomArray(random, 9 * inC * outC, 0.5);
    const bias = randomArray(random, outC);
    const dOut = randomArray(random, batch * params.outH * params.outW * outC);
    const label =
      `${batch}x${inH}x${inW}x${inC} -> ${outC} pad ` +
      `${JSON.stringify(padding)}${params.activation === 'relu' ? ' + ReLU' : ''}`;
    const tolerance = { atol: 2e-6 * 9 * Math.max(inC, outC) * 4, rtol: 1e-4 };
    const algorithms = `${convolutionAlgorithm(params, 'forward')}/${convolutionAlgorithm(params, 'backpropInput')}/${convolutionAlgorithm(params, 'backpropFilter')}`;
    assert.ok(convolutionAlgorithm(params, 'forward').startsWith('winograd'), `${label} takes the Winograd path`);
    return [
      {
        name: `Conv2DBackpropFilter (${algorithms}) ${label}`,
        tolerance: { atol: 2e-6 * batch * params.outH * params.outW * 4, rtol: 1e-4 },
        run: (k: KernelSignatures) => {
          const out = new Float32Array(filter.length);
          k.Conv2DBackpropFilter(input, dOut, out, params);
          return [out];
        },
      },
      {
        name: `Conv2D (${algorithms}) ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(batch * params.outH * params.outW * outC);
          k.Conv2D(input, filter, bias, out, params);
          return [out];
        },
      },
      {
        name: `Conv2DBackpropInput (${algorithms}) ${label}`,
        tolerance,
        run: (k: KernelSignatures) => {
          const out = new Float32Array(input.length);
          k.Conv2DBackpropInput(dOut, filter, out, params);
          return [out];
        },
      },
    ];
  });
}

/**
 * Windows the inference kernel unrolls (whole 2x2 and 3x3 ones) next to partial ones at the edges:
 * W1's 2x2 pool, ResNet's 3x3 stride-2 stem pool, odd sizes and channels that are not a multiple of 4;
 * training unrolls whole 2x2 windows (W2's pool, odd sizes that leave a row and a column out).
 */
const UNROLLED_POOL_WINDOWS: readonly Pool2DParams[] = [
  [3, 28, 28, 32, 2, 2, 0],
  [2, 9, 7, 6, 2, 2, 0],
  [4, 16, 16, 64, 2, 2, 0],
  [2, 9, 7, 8, 2, 2, 0],
  [2, 9, 9, 5, 2, 1, 0],
  [1, 15, 15, 20, 3, 2, 1],
  [2, 13, 11, 7, 3, 2, 1],
  [1, 8, 9, 4, 3, 1, 0],
].map(([batch, inH, inW, inC, kernel, stride, pad]) => ({
  batch: batch!,
  inH: inH!,
  inW: inW!,
  inC: inC!,
  kH: kernel!,
  kW: kernel!,
  strideH: stride!,
  strideW: stride!,
  padTop: pad!,
  padBottom: pad!,
  padLeft: pad!,
  padRight: pad!,
  outH: windowOutputSize(inH!, kernel!, stride!, pad!, pad!),
  outW: windowOutputSize(inW!, kernel!, stride!, pad!, pad!),
}));

function poolCases(random: Random, count: number): Case[] {
  const cases: Case[] = [];
  for (let index = 0; index < count + UNROLLED_POOL_WINDOWS.length; index++) {
    let params = index < count ? randomWindow(random, true) : UNROLLED_POOL_WINDOWS[index - count]!;
    while (
      params.outH < 1 ||
      params.outW < 1 ||
      Math.max(params.padTop, params.padBottom, params.padLeft, params.padRight) >= params.kH
    )
      params = randomWindow(random, true);
    const { batch, inH, inW, inC, outH, outW } = params;
    const input = randomArray(random, batch * inH * inW * inC);
    const dOut = randomArray(random, batch * outH * outW * inC);
    const label =
      `${batch}x${inH}x${inW}x${inC} pool${params.kH} s${params.strideH}x${params.strideW} ` +
      `pad(${params.padTop},${params.padBottom},${params.padLeft},${params.padRight})`;
    cases.push({
      name: `MaxPool2D (with and without argmax) + MaxPool2DBackprop ${label}`,
      tolerance: { atol: 1e-6, rtol: 1e-6 },
      run: (k) => {
        const output = new Float32Array(batch * outH * outW * inC);
        const argmax = new Int32Array(output.length);
        k.MaxPool2D(input, output, argmax, params);
        const dInput = new Float32Array(input.length);
        k.MaxPool2DBackprop(dOut, argmax, dInput, params);
        const maximaOnly = new Float32Array(output.length);
        k.MaxPool2D(input, maximaOnly, null, params);
        return [output, argmax, dInput, maximaOnly];
      },
    });
  }
  // Ties in every 2x2 window (values from {0, 1}): the unrolled training window must pick the tap the
  // loops over taps pick, the first largest, and its gradient must land there.
  const ties: Pool2DParams = {
    batch: 2,
    inH: 8,
    inW: 6,
    inC: 8,
    kH: 2,
    kW: 2,
    strideH: 2,
    strideW: 2,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    outH: 4,
    outW: 3,
  };
  const tiedInput = randomArray(random, 2 * 8 * 6 * 8).map((value) => (value > 0.2 ? 1 : 0));
  const tiedDOut = randomArray(random, 2 * 4 * 3 * 8);
  cases.push({
    name: 'MaxPool2D + MaxPool2DBackprop 2x8x6x8 pool2 s2x2 with ties in every window',
    tolerance: { atol: 0, rtol: 0 },
    run: (k) => {
      const output = new Float32Array(tiedDOut.length);
      const argmax = new Int32Array(output.length);
      k.MaxPool2D(tiedInput, output, argmax, ties);
      const dInput = new Float32Array(tiedInput.length);
      k.MaxPool2DBackprop(tiedDOut, argmax, dInput, ties);
      return [output, argmax, dInput];
    },
  });
  // The same for ResNet's stem pool (3x3, stride 2, padding 1: whole windows unrolled, edge ones looped), 4 vectors
  // and a tail of channels; dInput starts as NaN, which the backprop must overwrite everywhere, also in the rows
  // and columns no window's maximum reaches.
  const stemTies: Pool2DParams = {
    ...ties,
    batch: 3,
    inH: 11,
    inW: 10,
    inC: 19,
    kH: 3,
    kW: 3,
    padTop: 1,
    padBottom: 1,
    padLeft: 1,
    padRight: 1,
    outH: 6,
    outW: 5,
  };
  const stemTiedInput = randomArray(random, 3 * 11 * 10 * 19).map((value) => (value > 0.3 ? 1 : 0));
  const stemTiedDOut = randomArray(random, 3 * 6 * 5 * 19);
  cases.push({
    name: 'MaxPool2D + MaxPool2DBackprop 3x11x10x19 pool3 s2x2 pad 1 with ties in every window, dInput overwritten',
    tolerance: { atol: 0, rtol: 0 },
    run: (k) => {
      const output = new Float32Array(stemTiedDOut.length);
      const argmax = new Int32Array(output.length);
      k.MaxPool2D(stemTiedInput, output, argmax, stemTies);
      const dInput = new Float32Array(stemTiedInput.length).fill(Number.NaN);
      k.MaxPool2DBackprop(stemTiedDOut, argmax, dInput, stemTies);
      return [output, argmax, dInput];
    },
  });
  return cases;
}

function denseCases(random: Random): Case[] {
  const cases: Case[] = [];
  for (const [m, k, n] of [
    [1, 1, 1],
    [3, 5, 7],
    [64, 3136, 128],
    [9, 70, 10],
    [17, 33, 65],
    [64, 128, 10],
    [5, 300, 257],
    // A transposed B with more columns than rows: threads split the columns in strips of 8 (a partial last one
    // here), as on W2's Dense input gradient (the last shape, on 2 threads).
    [40, 200, 203],
    [64, 256, 2048],
  ] as const) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = randomArray(random, m * k);
        const b = randomArray(random, k * n);
        cases.push({
          name: `MatMul ${m}x${k}x${n}${transposeA ? ' A^T' : ''}${transposeB ? ' B^T' : ''}`,
          tolerance: { atol: 2e-6 * k, rtol: 1e-4 },
          run: (kernels) => {
            const out = new Float32Array(m * n);
            kernels.MatMul(a, b, out, { m, k, n, transposeA, transposeB });
            return [out];
          },
        });
      }
    }
  }
  const rows = 13;
  const columns = 37;
  const logits = randomArray(random, rows * columns, 5);
  const targets = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) targets[row * columns + random.integer(columns)] = 1;
  const values = randomArray(random, 1001, 4);
  const other = randomArray(random, 1001);
  const positive = values.map((value) => 1 / (1 + Math.exp(-value)));
  const close = { atol: 1e-6, rtol: 1e-5 };
  const size = values.length;
  cases.push(
    {
      name: 'BiasAdd + BiasAddGrad',
      tolerance: { atol: 1e-5, rtol: 1e-5 },
      run: (k) => {
        const out = new Float32Array(rows * columns);
        k.BiasAdd(logits, values.subarray(0, columns), out, { rows, columns });
        const dBias = new Float32Array(columns);
        k.BiasAddGrad(logits, dBias, { rows, columns });
        return [out, dBias];
      },
    },
    {
      name: 'Relu + ReluGrad',
      tolerance: { atol: 0, rtol: 0 },
      run: (k) => {
        const out = new Float32Array(size);
        k.Relu(values, out, { size });
        const dIn = new Float32Array(size);
        k.ReluGrad(other, values, dIn, { size });
        return [out, dIn];
      },
    },
    {
      name: 'Sigmoid + SigmoidGrad',
      tolerance: close,
      run: (k) => {
        const out = new Float32Array(size);
        k.Sigmoid(values, out, { size });
        const dIn = new Float32Array(size);
        k.SigmoidGrad(other, positive, dIn, { size });
        return [out, dIn];
      },
    },
    {
      name: 'Tanh + TanhGrad',
      tolerance: close,
      run: (k) => {
        const out = new Float32Array(size);
        k.Tanh(values, out, { size });
        const dIn = new Float32Array(size);
        k.TanhGrad(other, positive, dIn, { size });
        return [out, dIn];
      },
    },
    {
      name: 'Add',
      tolerance: { atol: 0, rtol: 0 },
      run: (k) => {
        const out = new Float32Array(size);
        k.Add(values, other, out, { size });
        return [out];
      },
    },
    {
      name: 'Softmax + SoftmaxGrad',
      tolerance: close,
      run: (k) => {
        const out = new Float32Array(rows * columns);
        k.Softmax(logits, out, { rows, columns });
        const dIn = new Float32Array(rows * columns);
        k.SoftmaxGrad(logits, out, dIn, { rows, columns });
        return [out, dIn];
      },
    },
    {
      name: 'SoftmaxCrossEntropy + SoftmaxCrossEntropyGrad',
      tolerance: { atol: 1e-5, rtol: 1e-5 },
      run: (k) => {
        const probabilities = new Float32Array(rows * columns);
        const losses = new Float32Array(rows);
        k.SoftmaxCrossEntropy(logits, targets, probabilities, losses, { rows, columns });
        const dLogits = new Float32Array(rows * columns);
        k.SoftmaxCrossEntropyGrad(probabilities, targets, dLogits, { rows, columns, scale: 1 / rows });
        return [probabilities, losses, dLogits];
      },
    },
    {
      name: 'SgdUpdate (momentum, Nesterov, weight decay)',
      tolerance: { atol: 1e-6, rtol: 1e-5 },
      run: (k) => {
        const weights = values.slice();
        const velocity = other.slice();
        k.SgdUpdate(weights, other, velocity, {
          size,
          learningRate: 0.1,
          momentum: 0.9,
          isNesterov: true,
          weightDecay: 1e-3,
        });
        const plain = values.slice();
        k.SgdUpdate(plain, other, new Float32Array(size), {
          size,
          learningRate: 1,
          momentum: 0,
          isNesterov: false,
          weightDecay: 0,
        });
        return [weights, velocity, plain];
      },
    },
    {
      name: 'AdamUpdate',
      tolerance: { atol: 1e-6, rtol: 1e-4 },
      run: (k) => {
        const weights = values.slice();
        const first = other.slice();
        const second = positive.slice();
        k.AdamUpdate(weights, other, first, second, {
          size,
          learningRate: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          step: 3,
          weightDecay: 0,
        });
        return [weights, first, second];
      },
    },
  );
  return cases;
}

const random = new Random(2024);
const cases = [...convCases(random, 40), ...winogradCases(random), ...poolCases(random, 25), ...denseCases(random)];

describeBuildParity('convolution, pooling, dense and update kernels', cases);

test(
  'the Winograd path is chosen for 3x3 stride-1 convolutions with channels in multiples of 4 and ' +
    'outputs large enough',
  () => {
    const base = {
      batch: 16,
      inH: 8,
      inW: 8,
      outH: 8,
      outW: 8,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padBottom: 1,
      padLeft: 1,
      padRight: 1,
    };
    assert.equal(convolutionAlgorithm({ ...base, inC: 32, outC: 64 }, 'forward'), 'winograd4x4');
    // The filter gradient takes the dual of the forward choice: F(3x3, 4x4) or F(3x3, 2x2).
    assert.equal(convolutionAlgorithm({ ...base, inC: 32, outC: 64 }, 'backpropFilter'), 'winograd4x4');
    assert.equal(
      convolutionAlgorithm({ ...base, inH: 14, inW: 14, outH: 14, outW: 14, inC: 32, outC: 64 }, 'forward'),
      'winograd',
    );
    assert.equal(
      convolutionAlgorithm({ ...base, inH: 14, inW: 14, outH: 14, outW: 14, inC: 32, outC: 64 }, 'backpropFilter'),
      'winograd',
    );
    assert.equal(convolutionAlgorithm({ ...base, inC: 3, outC: 32 }, 'forward'), 'im2col');
    assert.equal(convolutionAlgorithm({ ...base, inC: 3, outC: 32 }, 'backpropInput'), 'im2col');
    // Stride 2 takes its own polyphase F(2x2, 3x3) (winogradStride2.test.ts); stride 3 im2col.
    const stride2 = { ...base, outH: 4, outW: 4, inC: 32, outC: 64, strideH: 2, strideW: 2 };
    assert.equal(convolutionAlgorithm(stride2, 'forward'), 'winogradStride2');
    assert.equal(convolutionAlgorithm({ ...stride2, strideH: 3, strideW: 3 }, 'forward'), 'im2col');
    // One image: too few tiles to repay transforming every filter (W2's layers at batch 1).
    assert.equal(convolutionAlgorithm({ ...base, batch: 1, inC: 64, outC: 128 }, 'forward'), 'im2col');
    assert.equal(
      convolutionAlgorithm({ ...base, batch: 1, inH: 16, inW: 16, outH: 16, outW: 16, inC: 32, outC: 64 }, 'forward'),
      'winograd',
    );
    assert.equal(
      convolutionAlgorithm({ ...base, batch: 1, inH: 32, inW: 32, outH: 32, outW: 32, inC: 32, outC: 32 }, 'forward'),
      'winograd4x4',
    );
    // Padded F(4x4) tiles where channels are many (ResNet's 7x7 layers at batch 16).
    const resnet7x7 = { ...base, inH: 7, inW: 7, outH: 7, outW: 7, inC: 512, outC: 512 };
    assert.equal(convolutionAlgorithm(resnet7x7, 'forward'), 'winograd4x4');
    assert.equal(convolutionAlgorithm(resnet7x7, 'backpropInput'), 'winograd4x4');
    assert.equal(convolutionAlgorithm(resnet7x7, 'backpropFilter'), 'winograd4x4');
    // A constant filter is transformed once: Winograd pays at batch 1 too, F(2x2) where one F(4x4) tile would be most of
    // the output, or where F(4x4)'s few tiles make its larger form cost more to stream (ResNet-18's 7x7x512 layers at
    // batch 1 and 2, 8x8x384; not 9x9 at batch 1, whose tiles of 3 outputs read 25 positions, nor 7x7x512 at batch 4,
    // nor 14x14x256 at batch 1, nor 7x7x128, whose form is not streamed): see preparedConvolutionAlgorithm.
    const prepared = (size: number, channels: number, batch: number) =>
      convolutionAlgorithm(
        {
          ...resnet7x7,
          batch,
          inH: size,
          inW: size,
          outH: size,
          outW: size,
          inC: channels,
          outC: channels,
          isConstantFilter: true,
        },
        'forward',
      );
    assert.equal(prepared(7, 512, 1), 'winograd');
    assert.equal(prepared(8, 384, 1), 'winograd');
    assert.equal(prepared(9, 512, 1), 'winograd4x4');
    assert.equal(prepared(7, 512, 2), 'winograd');
    assert.equal(prepared(7, 512, 4), 'winograd4x4');
    assert.equal(prepared(7, 128, 1), 'winograd4x4');
    assert.equal(prepared(14, 256, 1), 'winograd4x4');
    assert.equal(convolutionAlgorithm({ ...resnet7x7, batch: 1 }, 'forward'), 'im2col');
    const tiny = { ...base, batch: 1, inH: 4, inW: 4, outH: 4, outW: 4, inC: 256, outC: 256, isConstantFilter: true };
    assert.equal(convolutionAlgorithm(tiny, 'forward'), 'winograd');
    assert.equal(convolutionAlgorithm(tiny, 'backpropInput'), 'im2col');
    assert.equal(convolutionAlgorithm({ ...tiny, inH: 2, inW: 2, outH: 2, outW: 2 }, 'forward'), 'im2col');
  },
);

describeThreadDeterminism('a result', cases);

describe('wasm backend: threads and builds', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test('the info reports the build, features and threads it chose', async () => {
    const info = await initWasmBackend({ threads: 2 });
    assert.equal(info.threads, features.threads ? 2 : 1);
    assert.equal(
      info.build,
      `convnet-${features.relaxedSimd ? 'relaxed' : 'simd'}${features.threads ? '-threads' : ''}.wasm`,
    );
    assert.equal(getBackend().name, 'wasm');
  });

  test('training on 1 and 2 threads gives bit-identical losses and weights', async () => {
    const train = async (threads: number) => {
      await initWasmBackend({ threads });
      const model = new Sequential(
        [
          new Input({ shape: [12, 10, 3] }),
          new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }),
          new ReLU(),
          new MaxPool2D(),
          new Conv2D({ filters: 12, kernelSize: 3, strides: 2, padding: 'same' }),
          new Tanh(),
          new Flatten(),
          new Dense({ units: 5 }),
          new Softmax(),
        ],
        { seed: 3 },
      );
      const examples = 48;
      const input = Tensor.fromArray(randomArray(new Random(5), examples * 12 * 10 * 3), [examples, 12, 10, 3]);
      const labels = Array.from({ length: examples }, (_, index) => index % 5);
      const history = model.fit(input, labels, {
        epochs: 2,
        batchSize: 16,
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      });
      return {
        losses: history.epochs.map((epoch) => epoch.loss),
        weights: model.trainableWeights().flatMap((weight) => Array.from(weight.dataSync())),
      };
    };
    const single = await train(1);
    const double = await train(2);
    assert.deepEqual(double.losses, single.losses);
    assert.deepEqual(double.weights, single.weights);
  });
});
