// Parity of the WebAssembly kernels of the mobile-network layers with their reference kernels, in the
// relaxed-SIMD and plain-SIMD builds: hard sigmoid and hard swish on sizes that are and are not
// multiples of 4 and values in [-8, 8] (both kinks inside the range); broadcasting arithmetic (all
// four operations) and its gradient's sum on the shapes of squeeze-and-excitation gates, per-channel
// constants, scalars, spatial masks and batch broadcasts, with channels 1, 3, 5, 16 and 70; max and
// average pooling in ceil mode and with count_include_pad on random geometries (batch 1-4, channels
// 1-13, pools 1-4, strides 1-3, explicit uneven padding, non-square images); layer normalization
// and its gradient over 1, 3, 4, 5, 16, 70 and 96 channels; a float32 graph with every new layer, its
// loss and the gradients of every weight and of the input, on both backends. Then
// bit-identical results for 1 and 2 threads on cases above the backend's 4M work threshold.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  AvgPool2D,
  ChannelShuffle,
  ChannelSlice,
  Concatenate,
  Conv2D,
  Dense,
  Divide,
  getBackend,
  GlobalAveragePooling2D,
  GradientTape,
  HardSigmoid,
  HardSwish,
  initWasmBackend,
  Input,
  LayerNormalization,
  MaxPool2D,
  Model,
  Multiply,
  Random,
  setBackend,
  softmaxCrossEntropy,
  Subtract,
  Tensor,
  withScope,
  type KernelSignatures,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { broadcastParams, broadcastShape, reduceSumToParams } from '../../src/ops/broadcast.js';
import { poolParams } from '../../src/ops/maxPool2d.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, wasmSkip, type ParityCase } from './harness.js';

/**
 * The wasm kernels compute alpha x + beta in f32 (two roundings), the reference in float64 (one, at
 * the store): the results differ by at most 1 ulp of values up to 8, so 1e-6 absolute covers them.
 * A value whose f32 and float64 alpha x + beta fall on different sides of a kink would differ by
 * alpha in the gradient: random values in [-8, 8] do not land within 1e-7 of x = -2.5, 2.5, -3, 3.
 */
const HARD_TOLERANCE = { atol: 1e-6, rtol: 1e-6 };

function hardCases(random: Random, size: number): ParityCase[] {
  const input = randomArray(random, size, 8);
  const dOut = randomArray(random, size);
  const label = `${size} values in [-8, 8]`;
  const run = (id: 'HardSigmoid' | 'HardSwish', alpha: number, beta: number) => (k: KernelSignatures) => {
    const params = { size, alpha: Math.fround(alpha), beta: Math.fround(beta) };
    const output = new Float32Array(size);
    const dInput = new Float32Array(size);
    if (id === 'HardSigmoid') {
      k.HardSigmoid(input, output, params);
      k.HardSigmoidGrad(dOut, input, dInput, params);
    } else {
      k.HardSwish(input, output, params);
      k.HardSwishGrad(dOut, input, dInput, params);
    }
    return [output, dInput];
  };
  return [
    {
      name: `HardSigmoid + HardSigmoidGrad (alpha 0.2, beta 0.5) ${label}`,
      tolerance: HARD_TOLERANCE,
      run: run('HardSigmoid', 0.2, 0.5),
    },
    {
      name: `HardSigmoid + HardSigmoidGrad (alpha 1/6, beta 0.5) ${label}`,
      tolerance: HARD_TOLERANCE,
      run: run('HardSigmoid', 1 / 6, 0.5),
    },
    { name: `HardSwish + HardSwishGrad ${label}`, tolerance: HARD_TOLERANCE, run: run('HardSwish', 1 / 6, 0.5) },
  ];
}

const size = (shape: readonly number[]) => shape.reduce((product, extent) => product * extent, 1);

function broadcastCases(random: Random, aShape: number[], bShape: number[]): ParityCase[] {
  // The params records the ops build (the folding is the op's; the kernels are what is compared).
  const forward = broadcastParams('add', aShape, bShape);
  const outShape = broadcastShape(aShape, bShape);
  const sums = [reduceSumToParams(outShape, aShape), reduceSumToParams(outShape, bShape)];
  const outSize = size(outShape);
  const a = randomArray(random, size(aShape), 2);
  // b away from 0, so that division stays finite.
  const b = randomArray(random, size(bShape), 1, 2);
  const dOut = randomArray(random, outSize);
  const label = `${aShape.join('x')} (op) ${bShape.join('x')}`;
  return [
    ...(['add', 'subtract', 'multiply', 'divide'] as const).map(
      (operation): ParityCase => ({
        name: `BroadcastArithmetic ${operation} ${label}`,
        tolerance: { atol: 0, rtol: 0 },
        run: (k) => {
          const output = new Float32Array(outSize);
          k.BroadcastArithmetic(a, b, output, { ...forward, operation });
          return [output];
        },
      }),
    ),
    ...sums.map(
      (params, index): ParityCase => ({
        name: `ReduceSumTo ${label} onto ${index === 0 ? aShape.join('x') : bShape.join('x')}`,
        tolerance: { atol: 0, rtol: 0 },
        run: (k) => {
          const output = new Float32Array(size(index === 0 ? aShape : bShape));
          k.ReduceSumTo(dOut, output, params);
          return [output];
        },
      }),
    ),
  ];
}

/** Shape pairs: gates, per-channel constants, scalars, spatial masks, batch broadcasts, same shapes. */
const BROADCAST_SHAPES: [number[], number[]][] = [
  [
    [2, 5, 7, 16],
    [2, 1, 1, 16],
  ],
  [
    [1, 6, 6, 3],
    [1, 1, 1, 3],
  ],
  [[3, 4, 5, 70], [70]],
  [
    [2, 3, 3, 5],
    [1, 1, 5],
  ],
  [[2, 4, 4, 5], [1]],
  [
    [2, 4, 6, 7],
    [2, 4, 6, 1],
  ],
  [
    [1, 1, 1, 9],
    [2, 3, 4, 9],
  ],
  [
    [4, 3, 5, 6],
    [1, 3, 5, 6],
  ],
  [
    [2, 5, 5, 3],
    [2, 5, 5, 3],
  ],
  [
    [3, 1, 4, 1],
    [1, 5, 1, 6],
  ],
];

/**
 * A random ceil-mode and/or count_include_pad pooling case (the op's params), max and average, forward and backward.
 */
function ceilPoolCase(random: Random): ParityCase {
  const kH = 1 + random.integer(4);
  const kW = 1 + random.integer(4);
  const inH = kH + random.integer(9);
  const inW = kW + random.integer(9);
  const pad = (k: number) => random.integer(k);
  const options = {
    poolSize: [kH, kW] as const,
    strides: [1 + random.integer(3), 1 + random.integer(3)] as const,
    padding: [pad(kH), pad(kH), pad(kW), pad(kW)] as const,
    ceilMode: random.uniform() < 0.8,
    countIncludePad: random.uniform() < 0.5,
  };
  const batch = 1 + random.integer(4);
  const inC = 1 + random.integer(13);
  const params = poolParams([batch, inH, inW, inC], options);
  const input = randomArray(random, batch * inH * inW * inC);
  const dOut = randomArray(random, batch * params.outH * params.outW * inC);
  return {
    name:
      `MaxPool2D, AvgPool2D and backprops ${batch}x${inH}x${inW}x${inC} ${JSON.stringify(options)} -> ` +
      `${params.outH}x${params.outW}`,
    // float32 sums of at most 16 values (and shares) of magnitude 1.
    tolerance: { atol: 1e-6, rtol: 1e-5 },
    run: (k) => {
      const maxOutput = new Float32Array(dOut.length);
      const argmax = new Int32Array(dOut.length);
      k.MaxPool2D(input, maxOutput, argmax, params);
      const maxGrad = new Float32Array(input.length);
      k.MaxPool2DBackprop(dOut, argmax, maxGrad, params);
      const avgOutput = new Float32Array(dOut.length);
      k.AvgPool2D(input, avgOutput, params);
      const avgGrad = new Float32Array(input.length);
      k.AvgPool2DBackprop(dOut, avgGrad, params);
      return [maxOutput, argmax, maxGrad, avgOutput, avgGrad];
    },
  };
}

function layerNormCase(random: Random, rows: number, columns: number): ParityCase {
  const input = randomArray(random, rows * columns, 3, 1);
  const gamma = randomArray(random, columns, 1, 1);
  const beta = randomArray(random, columns);
  const dOut = randomArray(random, rows * columns);
  const params = { rows, columns, epsilon: 1e-5 };
  return {
    name: `LayerNorm + LayerNormGrad ${rows} rows of ${columns}`,
    // float32 sums of up to 96 values in another order than the reference's float64 ones; the
    // gradient of dGamma and dBeta sums over up to 300 rows.
    tolerance: { atol: 2e-5, rtol: 2e-5 },
    run: (k) => {
      const output = new Float32Array(rows * columns);
      const mean = new Float32Array(rows);
      const invStd = new Float32Array(rows);
      k.LayerNorm(input, gamma, beta, output, mean, invStd, params);
      const dInput = new Float32Array(rows * columns);
      const dGamma = new Float32Array(columns);
      const dBeta = new Float32Array(columns);
      k.LayerNormGrad(dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta, params);
      return [output, mean, invStd, dInput, dGamma, dBeta];
    },
  };
}

/** ChannelShuffle of `rows` rows of groups x groupSize channels: exact (a permutation). */
function shuffleCase(random: Random, rows: number, groups: number, groupSize: number): ParityCase {
  const input = randomArray(random, rows * groups * groupSize);
  return {
    name: `ChannelShuffle ${rows} rows of ${groups} groups x ${groupSize} channels`,
    tolerance: { atol: 0, rtol: 0 },
    run: (k) => {
      const output = new Float32Array(input.length);
      k.ChannelShuffle(input, output, { rows, groups, groupSize });
      return [output];
    },
  };
}

describe('mobile-network kernels', () => {
  const normRandom = new Random(1405);
  describeBuildParity(
    'layer normalization',
    [
      [1, 1],
      [7, 3],
      [12, 4],
      [5, 5],
      [33, 16],
      [300, 70],
      [49, 96],
    ].map(([rows, columns]) => layerNormCase(normRandom, rows!, columns!)),
  );
  describeThreadDeterminism('layer normalization', [layerNormCase(new Random(1406), 20000, 96)]);
  const poolRandom = new Random(1404);
  describeBuildParity(
    'ceil-mode and count_include_pad pooling',
    Array.from({ length: 40 }, () => ceilPoolCase(poolRandom)),
  );
  const broadcastRandom = new Random(1402);
  describeBuildParity(
    'broadcasting arithmetic and its sum',
    BROADCAST_SHAPES.flatMap(([a, b]) => broadcastCases(broadcastRandom, a, b)),
  );
  describeThreadDeterminism(
    'broadcasting arithmetic',
    broadcastCases(new Random(1403), [64, 32, 32, 40], [64, 1, 1, 40]).slice(0, 4),
  );
  const shuffleRandom = new Random(1407);
  // 2 groups take the SIMD interleave (groupSize 4, 8 and a tail of 1 to 3), others the scalar loop.
  describeBuildParity(
    'channel shuffle',
    [
      [1, 2, 1],
      [3, 2, 4],
      [5, 2, 7],
      [9, 2, 58],
      [4, 3, 5],
      [6, 4, 8],
      [2, 8, 3],
      [7, 5, 1],
    ].map(([rows, groups, groupSize]) => shuffleCase(shuffleRandom, rows!, groups!, groupSize!)),
  );
  describeThreadDeterminism('channel shuffle', [shuffleCase(new Random(1408), 20000, 2, 58)]);
  const random = new Random(1400);
  describeBuildParity(
    'hard sigmoid and hard swish',
    [1, 3, 4, 7, 33, 1000].flatMap((size) => hardCases(random, size)),
  );
  describeThreadDeterminism('hard sigmoid and hard swish', hardCases(new Random(1401), 600_000));
});

/** A float32 graph with every new layer (pooling modes, gates, Subtract, Divide, slices, a shuffle, layer norms). */
function everyNewLayer(): Model {
  const input = new Input({ shape: [11, 10, 3] });
  const stem = new MaxPool2D({ poolSize: 2, ceilMode: true }).apply(
    new Conv2D({ filters: 12, kernelSize: 3, padding: 'same' }).apply(input.output),
  );
  const squeezed = new AvgPool2D({ poolSize: [6, 5] }).apply(stem);
  const gate = new HardSigmoid({ alpha: 1 / 6 }).apply(new Conv2D({ filters: 12, kernelSize: 1 }).apply(squeezed));
  const gated = new Subtract().apply([new Multiply().apply([stem, gate]), gate]);
  const divided = new Divide().apply([
    gated,
    new HardSigmoid({ beta: 0.8 }).apply(new Conv2D({ filters: 1, kernelSize: 1 }).apply(stem)),
  ]);
  const left = new ChannelSlice({ start: 0, end: 5 }).apply(divided);
  const right = new HardSwish().apply(
    new LayerNormalization().apply(new ChannelSlice({ start: 5, end: 12 }).apply(divided)),
  );
  const joined = new ChannelShuffle({ groups: 3 }).apply(new Concatenate().apply([right, left]));
  const pooled = new AvgPool2D({ poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }).apply(
    joined,
  );
  const output = new Dense({ units: 5 }).apply(new GlobalAveragePooling2D().apply(pooled));
  return new Model({ inputs: input.output, outputs: output }, { seed: 1540 });
}

describe('a graph with every new layer: the wasm backend gives the reference loss and gradients', {
  skip: wasmSkip,
}, () => {
  after(() => setBackend('reference'));
  test('loss and the gradients of every weight and of the input, batch 6, 2 threads', async () => {
    const model = everyNewLayer();
    const random = new Random(1541);
    const x = Tensor.fromArray(randomArray(random, 6 * 11 * 10 * 3), [6, 11, 10, 3]);
    const targets = Tensor.zeros([6, 5]);
    for (let row = 0; row < 6; row++) targets.dataSync()[row * 5 + (row % 5)] = 1;
    const run = () =>
      withScope(() => {
        const sources = [x, ...model.trainableWeights()];
        const tape = new GradientTape(sources);
        const loss = tape.run(() => softmaxCrossEntropy(model.forward(x), targets).loss);
        return [
          Float32Array.from(loss.dataSync()),
          ...tape.gradient(loss, sources).map((gradient) => Float32Array.from(gradient.dataSync())),
        ];
      });
    setBackend('reference');
    const expected = run();
    await initWasmBackend({ threads: 2 });
    assert.equal(getBackend().name, 'wasm');
    const actual = run();
    // float32 sums in other orders (convolutions, layer norm, pooling) through a dozen layers.
    actual.forEach((values, index) => {
      assertClose(values, expected[index]!, { atol: 2e-5, rtol: 1e-3 }, index === 0 ? 'loss' : `gradient ${index - 1}`);
    });
  });
});
