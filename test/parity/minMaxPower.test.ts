// Parity of the WebAssembly kernels of maximum, minimum (BroadcastArithmetic operations 'maximum',
// 'minimum' and the gradient's 'selectionWeight') and power (Pow, PowGrad) with the reference
// kernels, in the relaxed-SIMD and plain-SIMD builds: broadcast shapes of gates, per-channel
// constants, scalars, masks and two-sided broadcasts with channels 1, 3, 5, 16 and 70, operands with
// exact ties and NaN; exponents 2 and 0.5 (vectorised, bit for bit), 1, 3, -1.5 and 1.7 (Mathf.pow,
// within 2 ulps) on sizes that are and are not multiples of 4. Then bit-identical results for 1 and
// 2 threads.

import type { KernelSignatures } from '../../src/index.js';
import { Random } from '../../src/index.js';
import { broadcastParams, broadcastShape } from '../../src/ops/broadcast.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

const size = (shape: readonly number[]) => shape.reduce((product, extent) => product * extent, 1);

function comparisonCases(random: Random, aShape: number[], bShape: number[]): ParityCase[] {
  const params = broadcastParams('maximum', aShape, bShape);
  const outSize = size(broadcastShape(aShape, bShape));
  // Values on a grid of quarters, so that many pairs tie exactly; one NaN in a.
  const grid = (count: number) =>
    Float32Array.from(randomArray(random, count, 2), (value) => Math.round(value * 4) / 4);
  const a = grid(size(aShape));
  const b = grid(size(bShape));
  a[Math.floor(a.length / 2)] = NaN;
  const label = `${aShape.join('x')} (op) ${bShape.join('x')}`;
  return (['maximum', 'minimum', 'selectionWeight'] as const).map(
    (operation): ParityCase => ({
      name: `BroadcastArithmetic ${operation} ${label}`,
      tolerance: { atol: 0, rtol: 0 },
      run: (k: KernelSignatures) => {
        const output = new Float32Array(outSize);
        k.BroadcastArithmetic(a, b, output, { ...params, operation });
        // assertClose counts NaN as a mismatch: both backends must give NaN at the same places, marked 999.
        return [output.map((value) => (Number.isNaN(value) ? 999 : value))];
      },
    }),
  );
}

function powerCases(random: Random, count: number): ParityCase[] {
  const input = randomArray(random, count, 0.9, 1.1);
  const dOut = randomArray(random, count);
  return [2, 0.5, 1, 3, -1.5, 1.7].map(
    (exponent): ParityCase => ({
      name: `Pow + PowGrad exponent ${exponent}, ${count} values in [0.2, 2]`,
      // Exponents 2, 0.5 and 1 agree bit for bit in the forward pass; Mathf.pow and the f32 gradient within a few ulps.
      tolerance: { atol: 1e-6, rtol: 2e-6 },
      run: (k: KernelSignatures) => {
        const params = { size: count, exponent: Math.fround(exponent) };
        const output = new Float32Array(count);
        const dInput = new Float32Array(count);
        k.Pow(input, output, params);
        k.PowGrad(dOut, input, dInput, params);
        return [output, dInput];
      },
    }),
  );
}

const random = new Random(2501);
const cases = [
  ...comparisonCases(random, [2, 5, 6, 16], [2, 1, 1, 16]),
  ...comparisonCases(random, [1, 7, 3, 5], [5]),
  ...comparisonCases(random, [3, 4, 70], [1]),
  ...comparisonCases(random, [2, 4, 4, 3], [2, 4, 4, 1]),
  ...comparisonCases(random, [2, 1, 3], [1, 5, 1]),
  ...comparisonCases(random, [1, 9, 9, 1], [1, 9, 9, 1]),
  ...powerCases(random, 1023),
  ...powerCases(random, 4096),
];
describeBuildParity('maximum, minimum, selection weights and powers', cases);
describeThreadDeterminism('maximum, minimum, selection weights and powers', cases);
