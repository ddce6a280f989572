// The error bound of the WebAssembly sigmoid and SiLU (the kernel every fused SiLU / sigmoid output
// stage uses) against float64, in the relaxed-SIMD build (fused multiply-adds) and the plain one: a dense
// sweep of float32 inputs, 1 in every 1024 bit patterns with |x| from 2^-30 to 100, both signs, plus
// infinities, NaN, zeros and the edges of the exp's range. Measured: the sigmoid within 3.4 ulp of
// float64 in both builds, SiLU within 3.9 ulp while its result is a normal float; below -87.34 the exp
// flushes to 0 (the reference's results there are below 1e-35).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { initWasmBackend, setBackend } from '../../src/index.js';
import { cpuKernels } from '../../src/kernels/registry.js';
import { wasmSkip } from './harness.js';

const SMALLEST_NORMAL = 2 ** -126;

function sweepInputs(): Float32Array {
  const values: number[] = [];
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  // 2^-30 to 100.
  for (let pattern = 0x30800000; pattern <= 0x42c80000; pattern += 1024) {
    bits[0] = pattern;
    values.push(float[0]!, -float[0]!);
  }
  values.push(0, -0, Number.NaN, Infinity, -Infinity, 1e30, -1e30, 1e-40, -1e-40);
  for (const edge of [87, 87.3, 87.33, 87.34, 87.35, 87.5, 88, 88.8, 89, 103.97, 104]) values.push(edge, -edge);
  return Float32Array.from(values);
}

function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The spacing of float32 values at |value| (normal values). */
function ulp(value: number): number {
  return 2 ** (Math.floor(Math.log2(Math.abs(value))) - 23);
}

/** The largest error in ulp of `got` against float64 `want`, over normal `want`; throws on other mismatches. */
function maxUlpError(label: string, inputs: Float32Array, got: Float32Array, want: (x: number) => number): number {
  let largest = 0;
  for (let index = 0; index < inputs.length; index++) {
    const x = inputs[index]!;
    const expected = want(x);
    const actual = got[index]!;
    if (Number.isNaN(expected) || !Number.isFinite(expected)) {
      assert.ok(Object.is(actual, expected), `${label}(${x}) = ${actual}, expected ${expected}`);
      continue;
    }
    const error = Math.abs(actual - expected);
    if (Math.abs(expected) < SMALLEST_NORMAL || (x < -87.33 && Math.abs(expected) < 1e-35)) {
      // The exp's flush to 0 below e^-87.34.
      assert.ok(error <= 1e-35, `${label}(${x}) = ${actual}, expected ${expected}`);
      continue;
    }
    largest = Math.max(largest, error / ulp(expected));
  }
  return largest;
}

for (const build of [
  { name: 'relaxed SIMD', disableRelaxedSimd: false },
  { name: 'plain SIMD', disableRelaxedSimd: true },
]) {
  describe(`wasm backend (${build.name}): sigmoid and SiLU error bound`, { skip: wasmSkip }, () => {
    after(() => setBackend('reference'));
    test('within 4 ulp of float64 over a dense sweep, special values exact', async () => {
      await initWasmBackend({ threads: 1, disableRelaxedSimd: build.disableRelaxedSimd });
      const kernels = cpuKernels();
      const inputs = sweepInputs();
      const size = inputs.length;
      const sigmoid = new Float32Array(size);
      const silu = new Float32Array(size);
      kernels.Sigmoid(inputs, sigmoid, { size });
      kernels.Silu(inputs, silu, { size });
      const sigmoidError = maxUlpError('sigmoid', inputs, sigmoid, sigmoid64);
      const siluError = maxUlpError('silu', inputs, silu, (x) => x * sigmoid64(x));
      assert.ok(sigmoidError <= 4, `sigmoid: ${sigmoidError} ulp`);
      assert.ok(siluError <= 4.5, `silu: ${siluError} ulp`);
      // The exp's range edges: exactly 0 and 1 past it, and nothing above 1.
      assert.equal(sigmoid[inputs.indexOf(-104)], 0);
      assert.equal(sigmoid[inputs.indexOf(104)], 1);
      assert.ok(sigmoid.every((value) => !(value > 1)));
    });
  });
}
