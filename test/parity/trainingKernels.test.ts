// Parity of the WebAssembly SIMD training kernels with their references: AdamUpdate with AdamW's decoupled
// decay, RmsPropUpdate (plain, momentum, centered), AdagradUpdate, SumOfSquares, ClipGradient and the
// label-smoothed SoftmaxCrossEntropy, in both the relaxed-SIMD and the plain-SIMD builds; sizes that are not
// multiples of 4 and sizes large enough to run on 2 threads; and bit-identical results for 1 and 2 threads.

import { Random, type KernelSignatures } from '../../src/index.js';
import { describeBuildParity, describeThreadDeterminism, randomArray, type ParityCase } from './harness.js';

type Case = ParityCase;

/** float32 updates of a few operations each, sqrt and division included: a few ulps of values near 1. */
const UPDATE_TOLERANCE = { atol: 1e-6, rtol: 1e-5 };

function updateCases(random: Random): Case[] {
  const cases: Case[] = [];
  // 1001: a tail of 1 after 250 vectors; 100_003 and 200_003: over the work threshold, so split over 2 threads.
  for (const size of [1, 7, 1001, 100_003]) {
    const weights = randomArray(random, size);
    const gradient = randomArray(random, size);
    const first = randomArray(random, size, 0.1);
    const second = randomArray(random, size, 0.01, 0.02);
    const average = randomArray(random, size, 0.01);
    const momentum = randomArray(random, size, 0.5);
    cases.push({
      name: `AdamUpdate with decoupled weight decay (AdamW), size ${size}`,
      tolerance: UPDATE_TOLERANCE,
      run: (k) => {
        const w = weights.slice();
        const m = first.slice();
        const v = second.slice();
        k.AdamUpdate(w, gradient, m, v, {
          size,
          learningRate: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          step: 3,
          weightDecay: 0,
          decoupledWeightDecay: 0.05,
        });
        return [w, m, v];
      },
    });
    for (const [label, rmsMomentum, isCentered, weightDecay] of [
      ['plain', 0, false, 0],
      ['momentum', 0.9, false, 1e-3],
      ['centered', 0, true, 0],
      ['centered + momentum', 0.5, true, 1e-2],
    ] as const) {
      cases.push({
        name: `RmsPropUpdate ${label}, size ${size}`,
        tolerance: UPDATE_TOLERANCE,
        run: (k) => {
          const w = weights.slice();
          const s = second.slice();
          const b = rmsMomentum === 0 ? null : momentum.slice();
          const a = isCentered ? average.slice() : null;
          k.RmsPropUpdate(w, gradient, s, b, a, {
            size,
            learningRate: 0.001,
            rho: 0.9,
            epsilon: 1e-7,
            momentum: rmsMomentum,
            isCentered,
            weightDecay,
          });
          return [w, s, ...(b === null ? [] : [b]), ...(a === null ? [] : [a])];
        },
      });
    }
  }
  for (const size of [3, 1001, 200_003]) {
    const weights = randomArray(random, size);
    const gradient = randomArray(random, size);
    const accumulator = randomArray(random, size, 0.05, 0.1);
    cases.push({
      name: `AdagradUpdate, size ${size}`,
      tolerance: UPDATE_TOLERANCE,
      run: (k) => {
        const w = weights.slice();
        const sum = accumulator.slice();
        k.AdagradUpdate(w, gradient, sum, { size, learningRate: 0.01, epsilon: 1e-10, weightDecay: 1e-3 });
        return [w, sum];
      },
    });
  }
  return cases;
}

function clippingCases(random: Random): Case[] {
  const cases: Case[] = [];
  for (const size of [1, 3, 1001, 600_001]) {
    const gradient = randomArray(random, size, 3);
    cases.push(
      // Both sum squares exactly in f64 and round once to f32; only the order of the f64 sum differs.
      {
        name: `SumOfSquares, size ${size}`,
        tolerance: { atol: 0, rtol: 1e-6 },
        run: (k) => {
          const out = new Float32Array(1);
          k.SumOfSquares(gradient, out, { size });
          return [out];
        },
      },
      // The reference multiplies by the float64 scale, the kernel by its f32 rounding: two roundings of 2^-24 apart.
      {
        name: `ClipGradient, size ${size}`,
        tolerance: { atol: 0, rtol: 2.5e-7 },
        run: (k) => {
          const out = new Float32Array(size);
          k.ClipGradient(gradient, out, { size, scale: 0.37, clipValue: 0.8 });
          return [out];
        },
      },
      {
        name: `ClipGradient by value only, size ${size}`,
        tolerance: { atol: 0, rtol: 0 },
        run: (k) => {
          const out = new Float32Array(size);
          k.ClipGradient(gradient, out, { size, scale: 1, clipValue: 1.5 });
          return [out];
        },
      },
    );
  }
  return cases;
}

function labelSmoothingCases(random: Random): Case[] {
  const rows = 13;
  const columns = 37;
  const logits = randomArray(random, rows * columns, 5);
  const oneHot = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) oneHot[row * columns + random.integer(columns)] = 1;
  const soft = randomArray(random, rows * columns, 0.5, 0.5);
  return [oneHot, soft].map((targets, index) => ({
    name:
      `SoftmaxCrossEntropy + SoftmaxCrossEntropyGrad with label smoothing 0.1, ` +
      `${index === 0 ? 'one-hot' : 'soft'} targets`,
    tolerance: { atol: 1e-5, rtol: 1e-5 },
    run: (k: KernelSignatures) => {
      const probabilities = new Float32Array(rows * columns);
      const losses = new Float32Array(rows);
      k.SoftmaxCrossEntropy(logits, targets, probabilities, losses, { rows, columns, labelSmoothing: 0.1 });
      const dLogits = new Float32Array(rows * columns);
      k.SoftmaxCrossEntropyGrad(probabilities, targets, dLogits, {
        rows,
        columns,
        scale: 1 / rows,
        labelSmoothing: 0.1,
      });
      return [probabilities, losses, dLogits];
    },
  }));
}

const random = new Random(77);
const cases = [...updateCases(random), ...clippingCases(random), ...labelSmoothingCases(random)];

describeBuildParity('the training kernels', cases);
describeThreadDeterminism('a training kernel', cases);
