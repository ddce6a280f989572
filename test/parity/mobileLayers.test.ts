// Parity of the WebAssembly kernels of the mobile-network layers (hard sigmoid, hard swish) with their
// reference kernels, in the relaxed-SIMD and plain-SIMD builds, on sizes that are and are not
// multiples of 4 and values in [-8, 8] (both kinks inside the range); then bit-identical results for
// 1 and 2 threads on cases above the backend's 4M work threshold.

import { describe } from 'node:test';
import { Random, type KernelSignatures } from '../../src/index.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

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
    { name: `HardSigmoid + HardSigmoidGrad (alpha 0.2, beta 0.5) ${label}`, tolerance: HARD_TOLERANCE, run: run('HardSigmoid', 0.2, 0.5) },
    { name: `HardSigmoid + HardSigmoidGrad (alpha 1/6, beta 0.5) ${label}`, tolerance: HARD_TOLERANCE, run: run('HardSigmoid', 1 / 6, 0.5) },
    { name: `HardSwish + HardSwishGrad ${label}`, tolerance: HARD_TOLERANCE, run: run('HardSwish', 1 / 6, 0.5) },
  ];
}

describe('mobile-network kernels', () => {
  const random = new Random(1400);
  describeBuildParity('hard sigmoid and hard swish', [1, 3, 4, 7, 33, 1000].flatMap((size) => hardCases(random, size)));
  describeThreadDeterminism('hard sigmoid and hard swish', hardCases(new Random(1401), 600_000));
});
