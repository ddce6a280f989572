// Parity of the WebAssembly kernels of leaky ReLU, ELU, GELU, SiLU, clip, multiply, average pooling,
// zero padding and dropout with their reference kernels, in the relaxed-SIMD and plain-SIMD builds:
// activations on sizes that are and are not multiples of 4 and on values from -15 to 15 (so exp
// underflows in the tails); clip with values exactly at its bounds; pooling and padding on random
// geometries (batch 1-9, channels 1-70, pools 1-3, strides 1-3, every padding mode, non-square
// images). Then bit-identical results for 1 and 2 threads, on cases large enough to run on both
// threads (above the backend's 4M work threshold).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Random, initWasmBackend, setBackend, type KernelSignatures, type Padding } from '../../src/index.js';
import { referenceBackend } from '../../src/kernels/js/referenceBackend.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import { resolvePadding, windowOutputSize, type Pool2DParams, type ZeroPad2DParams } from '../../src/kernels/params.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, wasmSkip, type ParityCase } from './harness.js';

type Case = ParityCase;

/**
 * Tolerances against the float64-accurate reference, measured on 200,000 points in [-15, 15]: leaky
 * ReLU, ELU and SiLU within 2 ulp, GELU within 5 ulp (relative 5e-7); the gradients of GELU and SiLU
 * cancel near their zeros (x = -0.75 and -1.28), where the error is absolute, at most 2.4e-7.
 * Results below 1.2e-38 (subnormal) are flushed to 0 by the wasm exp: covered by atol.
 */
const ACTIVATION_TOLERANCE = { atol: 3e-7, rtol: 1e-6 };

function activationCases(random: Random, size: number, scale: number): Case[] {
  const input = randomArray(random, size, scale);
  const dOut = randomArray(random, size);
  const alpha = 0.01 + random.uniform();
  const label = `${size} values in [-${scale}, ${scale}]`;
  const run =
    (
      forward: (k: KernelSignatures, output: Float32Array) => void,
      backward: (k: KernelSignatures, dInput: Float32Array) => void,
    ) =>
    (k: KernelSignatures) => {
      const output = new Float32Array(size);
      forward(k, output);
      const dInput = new Float32Array(size);
      backward(k, dInput);
      return [output, dInput];
    };
  const tolerance = ACTIVATION_TOLERANCE;
  return [
    {
      name: `LeakyRelu + LeakyReluGrad (alpha ${alpha.toFixed(3)}) ${label}`,
      tolerance,
      run: run(
        (k, o) => k.LeakyRelu(input, o, { size, alpha }),
        (k, d) => k.LeakyReluGrad(dOut, input, d, { size, alpha }),
      ),
    },
    {
      name: `Elu + EluGrad (alpha ${alpha.toFixed(3)}) ${label}`,
      tolerance,
      run: run(
        (k, o) => k.Elu(input, o, { size, alpha }),
        (k, d) => k.EluGrad(dOut, input, d, { size, alpha }),
      ),
    },
    {
      name: `Gelu + GeluGrad ${label}`,
      tolerance,
      run: run(
        (k, o) => k.Gelu(input, o, { size }),
        (k, d) => k.GeluGrad(dOut, input, d, { size }),
      ),
    },
    {
      name: `Silu + SiluGrad ${label}`,
      tolerance,
      run: run(
        (k, o) => k.Silu(input, o, { size }),
        (k, d) => k.SiluGrad(dOut, input, d, { size }),
      ),
    },
  ];
}

/**
 * Clip and ClipGrad with bounds inside the data's range (float32 numbers, as the clip op passes them),
 * every fifth value exactly at a bound; and Multiply. Both are exact in float32: a comparison, or one
 * product of two float32 numbers (exact in float64, so the reference rounds it once, as f32x4.mul does).
 */
function clipAndMultiplyCases(random: Random, size: number, scale: number): Case[] {
  const input = randomArray(random, size, scale);
  const dOut = randomArray(random, size);
  const other = randomArray(random, size, scale);
  const min = Math.fround(-scale * random.uniform());
  const max = Math.fround(scale * random.uniform());
  for (let index = 0; index < size; index += 5) input[index] = index % 10 === 0 ? min : max;
  const label = `${size} values in [-${scale}, ${scale}]`;
  const clipCase = (lower: number, upper: number): Case => ({
    name: `Clip + ClipGrad to [${lower.toFixed(3)}, ${upper.toFixed(3)}] ${label}`,
    tolerance: { atol: 0, rtol: 0 },
    run: (k) => {
      const output = new Float32Array(size);
      k.Clip(input, output, { size, min: lower, max: upper });
      const dInput = new Float32Array(size);
      k.ClipGrad(dOut, input, dInput, { size, min: lower, max: upper });
      return [output, dInput];
    },
  });
  return [
    clipCase(min, max),
    clipCase(min, Infinity),
    {
      name: `Multiply ${label}`,
      tolerance: { atol: 0, rtol: 0 },
      run: (k) => {
        const output = new Float32Array(size);
        k.Multiply(input, other, output, { size });
        return [output];
      },
    },
  ];
}

/** A random pooling geometry whose padding is smaller than the window (what poolParams allows). */
function randomPool(random: Random): Pool2DParams {
  for (;;) {
    const kH = 1 + random.integer(3);
    const kW = random.uniform() < 0.7 ? kH : 1 + random.integer(3);
    const strideH = 1 + random.integer(3);
    const strideW = 1 + random.integer(3);
    const inH = kH + random.integer(12);
    const inW = kW + random.integer(12);
    const small = () => random.integer(Math.min(kH, kW));
    const modes: Padding[] = ['valid', 'same', small(), [small(), small()], [small(), small(), small(), small()]];
    const padding = modes[random.integer(modes.length)]!;
    const pads = resolvePadding(padding, inH, inW, kH, kW, strideH, strideW);
    const outH = windowOutputSize(inH, kH, strideH, pads.padTop, pads.padBottom);
    const outW = windowOutputSize(inW, kW, strideW, pads.padLeft, pads.padRight);
    if (
      outH < 1 ||
      outW < 1 ||
      Math.max(pads.padTop, pads.padBottom) >= kH ||
      Math.max(pads.padLeft, pads.padRight) >= kW
    )
      continue;
    return {
      batch: 1 + random.integer(9),
      inH,
      inW,
      inC: 1 + random.integer(70),
      outH,
      outW,
      kH,
      kW,
      strideH,
      strideW,
      ...pads,
    };
  }
}

function poolCase(random: Random, params: Pool2DParams): Case {
  const { batch, inH, inW, inC, outH, outW } = params;
  const input = randomArray(random, batch * inH * inW * inC);
  const dOut = randomArray(random, batch * outH * outW * inC);
  const label =
    `${batch}x${inH}x${inW}x${inC} pool ${params.kH}x${params.kW} ` +
    `s${params.strideH}x${params.strideW} ` +
    `pad(${params.padTop},${params.padBottom},${params.padLeft},${params.padRight})`;
  return {
    name: `AvgPool2D + AvgPool2DBackprop ${label}`,
    // float32 sums of at most 9 values (and at most 9 shares) of magnitude 1.
    tolerance: { atol: 1e-6, rtol: 1e-5 },
    run: (k) => {
      const output = new Float32Array(batch * outH * outW * inC);
      k.AvgPool2D(input, output, params);
      const dInput = new Float32Array(input.length);
      k.AvgPool2DBackprop(dOut, dInput, params);
      return [output, dInput];
    },
  };
}

function padCase(random: Random, batch: number, inH: number, inW: number, inC: number): Case {
  const [padTop, padBottom, padLeft, padRight] = [
    random.integer(4),
    random.integer(4),
    random.integer(4),
    random.integer(4),
  ];
  const params: ZeroPad2DParams = {
    batch,
    inH,
    inW,
    inC,
    outH: padTop + inH + padBottom,
    outW: padLeft + inW + padRight,
    padTop,
    padBottom,
    padLeft,
    padRight,
  };
  const input = randomArray(random, batch * inH * inW * inC);
  const dOut = randomArray(random, batch * params.outH * params.outW * inC);
  return {
    name:
      `ZeroPad2D + ZeroPad2DBackprop ${batch}x${inH}x${inW}x${inC} ` +
      `pad(${padTop},${padBottom},${padLeft},${padRight})`,
    tolerance: { atol: 0, rtol: 0 },
    run: (k) => {
      // NaN first: every output value must be written.
      const output = new Float32Array(params.batch * params.outH * params.outW * inC).fill(Number.NaN);
      k.ZeroPad2D(input, output, params);
      const dInput = new Float32Array(input.length).fill(Number.NaN);
      k.ZeroPad2DBackprop(dOut, dInput, params);
      return [output, dInput];
    },
  };
}

function dropoutCase(random: Random, size: number, rate: number): Case {
  const input = randomArray(random, size, 3);
  const seed = random.nextUint32();
  return {
    name: `Dropout rate ${rate} on ${size} values, seed ${seed}`,
    // The same mask; kept values differ at most by the rounding of the scale 1 / (1 - rate) to f32.
    tolerance: { atol: 0, rtol: 2 ** -23 },
    run: (k) => {
      const output = new Float32Array(size);
      k.Dropout(input, output, { size, rate, seed });
      const zeros = Float32Array.from(output, (value) => (value === 0 ? 1 : 0));
      return [output, zeros];
    },
  };
}

function makeCases(random: Random): Case[] {
  const cases: Case[] = [];
  for (const size of [1, 2, 3, 4, 5, 7, 1001, 4096]) cases.push(...activationCases(random, size, size < 1000 ? 3 : 15));
  for (const size of [1, 2, 3, 4, 5, 6, 7, 9, 1001, 4096])
    cases.push(...clipAndMultiplyCases(random, size, size < 1000 ? 3 : 15));
  for (let index = 0; index < 4; index++)
    cases.push(...clipAndMultiplyCases(random, 1 + random.integer(3000), 1 + random.integer(10)));
  for (let index = 0; index < 30; index++) cases.push(poolCase(random, randomPool(random)));
  // Global average pooling: the window is the whole map.
  for (const [batch, inH, inW, inC] of [
    [1, 7, 7, 64],
    [3, 5, 9, 13],
    [2, 1, 1, 5],
  ] as const) {
    cases.push(
      poolCase(random, {
        batch,
        inH,
        inW,
        inC,
        outH: 1,
        outW: 1,
        kH: inH,
        kW: inW,
        strideH: inH,
        strideW: inW,
        padTop: 0,
        padBottom: 0,
        padLeft: 0,
        padRight: 0,
      }),
    );
  }
  for (let index = 0; index < 12; index++)
    cases.push(
      padCase(random, 1 + random.integer(9), 1 + random.integer(12), 1 + random.integer(12), 1 + random.integer(70)),
    );
  for (const [size, rate] of [
    [1, 0.5],
    [3, 0.5],
    [1001, 0.1],
    [4096, 0.5],
    [777, 0.9],
    [64, 0],
  ] as const)
    cases.push(dropoutCase(random, size, rate));
  return cases;
}

/** Cases above the 4M-work threshold, so that two threads really split them. */
function largeCases(random: Random): Case[] {
  const size = 600_001;
  return [
    ...activationCases(random, size, 15),
    ...clipAndMultiplyCases(random, size, 15),
    poolCase(random, {
      batch: 8,
      inH: 64,
      inW: 63,
      inC: 20,
      outH: 32,
      outW: 32,
      kH: 2,
      kW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 1,
    }),
    poolCase(random, {
      batch: 8,
      inH: 32,
      inW: 32,
      inC: 33,
      outH: 32,
      outW: 32,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padBottom: 1,
      padLeft: 1,
      padRight: 1,
    }),
    padCase(random, 8, 64, 64, 20),
    dropoutCase(random, size, 0.3),
  ];
}

const cases = makeCases(new Random(2025));

describeBuildParity('the new layer kernels', cases);

describe('wasm backend: special values in the new activations', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test(
    'NaN stays NaN; +-0, +-1e-30, 3e38 and +Infinity give the reference values exactly (leaky ReLU, ' +
      'ELU, GELU, SiLU)',
    async () => {
      await initWasmBackend({ threads: 1 });
      const input = Float32Array.from([Number.NaN, Infinity, 0, -0, 1e-30, -1e-30, 3e38]);
      const size = input.length;
      for (const id of ['LeakyRelu', 'Elu', 'Gelu', 'Silu'] as const) {
        const actual = new Float32Array(size);
        const expected = new Float32Array(size);
        cpuKernels()[id](input, actual, { size, alpha: 0.5 });
        referenceBackend.kernels[id](input, expected, { size, alpha: 0.5 });
        assert.ok(Number.isNaN(actual[0]!), `${id}(NaN) = ${actual[0]}`);
        // === so that 0 and -0 count as equal (ELU(-0) is -0 in the reference, 0 in the series of the wasm expm1).
        actual.subarray(1).forEach((value, index) => {
          assert.ok(
            value === expected[index + 1],
            `${id}(${input[index + 1]}) = ${value}, reference ${expected[index + 1]}`,
          );
        });
      }
    },
  );
});

describe('wasm backend: special values in clip and multiply', { skip: wasmSkip }, () => {
  after(() => setBackend('reference'));
  test(
    'Clip keeps NaN, keeps -0 against a bound of 0, takes +-Infinity to the bounds; ClipGrad is 0 for ' +
      'NaN and at the bounds; Multiply of infinities',
    async () => {
      await initWasmBackend({ threads: 1 });
      // Nine values: the first vector of four and a tail of five, so both the SIMD and the scalar paths see each kind.
      const input = Float32Array.from([Number.NaN, -0, Infinity, -Infinity, Number.NaN, -0, Infinity, -Infinity, 6]);
      const dOut = new Float32Array(input.length).fill(1);
      const size = input.length;
      for (const kernels of [cpuKernels(), referenceBackend.kernels]) {
        const output = new Float32Array(size);
        kernels.Clip(input, output, { size, min: 0, max: 6 });
        assert.deepEqual(Array.from(output), [Number.NaN, -0, 6, 0, Number.NaN, -0, 6, 0, 6]);
        const dInput = new Float32Array(size);
        kernels.ClipGrad(dOut, input, dInput, { size, min: 0, max: 6 });
        assert.deepEqual(Array.from(dInput), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
        const product = new Float32Array(size);
        kernels.Multiply(input, Float32Array.from([1, 1, -1, 0, 1, -1, 2, -1, 0.5]), product, { size });
        assert.deepEqual(Array.from(product), [
          Number.NaN,
          -0,
          -Infinity,
          Number.NaN,
          Number.NaN,
          0,
          Infinity,
          Infinity,
          3,
        ]);
      }
    },
  );
});

describeThreadDeterminism('a new layer kernel (small and above-threshold cases)', [
  ...cases,
  ...largeCases(new Random(2026)),
]);
