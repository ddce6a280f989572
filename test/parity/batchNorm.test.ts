// Batch normalization kernels: the WebAssembly ones against the reference on random shapes (rows
// 1-3000, channels 1-70, so both the 4-wide and the leftover columns run), in both builds, and
// bit-identical for 1 and 2 threads.

import { Random } from '../../src/index.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

function makeCases(): ParityCase[] {
  const random = new Random(77);
  const cases: ParityCase[] = [];
  for (let index = 0; index < 24; index++) {
    // The first two are large enough to run on both threads (a batch of 64 maps of 25x25).
    const rows = index < 2 ? 40_000 : 1 + random.integer(index < 6 ? 3000 : 300);
    const columns = index < 2 ? [37, 64][index]! : 1 + random.integer(70);
    const epsilon = [1e-3, 1e-5][random.integer(2)]!;
    const isThroughStatistics = random.uniform() < 0.5;
    // An offset mean tests that the variance is not computed as E[x^2] - E[x]^2.
    const input = randomArray(random, rows * columns, 1, 3);
    const dOut = randomArray(random, rows * columns);
    const gamma = randomArray(random, columns, 0.5, 1);
    const shift = randomArray(random, columns);
    const name =
      `rows ${rows}, channels ${columns}, epsilon ${epsilon}, ` + `${isThroughStatistics ? 'training' : 'inference'}`;
    cases.push({
      name,
      // Sums run in f64 in both; the f32 rounding of inputs and outputs remains.
      tolerance: { atol: 2e-5, rtol: 2e-5 },
      run(kernels) {
        const mean = new Float32Array(columns);
        const variance = new Float32Array(columns);
        kernels.BatchNormStats(input, mean, variance, { rows, columns });
        const output = new Float32Array(rows * columns);
        kernels.BatchNorm(input, gamma, shift, output, { rows, columns });
        const dInput = new Float32Array(rows * columns);
        const dGamma = new Float32Array(columns);
        const dBeta = new Float32Array(columns);
        kernels.BatchNormGrad(dOut, input, mean, variance, gamma, dInput, dGamma, dBeta, {
          rows,
          columns,
          epsilon,
          isThroughStatistics,
        });
        return [mean, variance, output, dInput, dGamma, dBeta];
      },
    });
  }
  return cases;
}

const cases = makeCases();
describeBuildParity('batch normalization kernels', cases);
describeThreadDeterminism('a batch normalization kernel', cases);
