// Hand-worked cases of the training kernels' references (src/kernels/js/optimizerUpdates.ts, softmax.ts):
// SgdUpdate and AdamUpdate after 1 and 2 steps, AdamW (AdamUpdate with decoupled decay), RmsPropUpdate,
// AdagradUpdate, SumOfSquares, ClipGradient and the label-smoothed SoftmaxCrossEntropy. First steps have
// closed forms worked out in the comments; second steps are checked against the update algorithms as PyTorch's
// documentation writes them (torch.optim.AdamW, RMSprop, Adagrad), coded again here independently of the
// kernels. Float64 throughout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, SGD, Tensor } from '../../../src/index.js';
import {
  adagradUpdate,
  adamUpdate,
  clipGradient,
  rmsPropUpdate,
  sgdUpdate,
  sumOfSquares,
} from '../../../src/kernels/js/optimizerUpdates.js';
import { softmaxCrossEntropy, softmaxCrossEntropyGrad } from '../../../src/kernels/js/softmax.js';
import { assertClose } from '../../helpers.js';

/** Float64 results of a few sqrt/exp/log evaluations. */
const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };
/** Closed forms that drop an epsilon of 1e-8 against gradients of size 0.25 and up. */
const WITHOUT_EPSILON = { atol: 1e-7, rtol: 0 };

function f64(values: number[]): Float64Array {
  return Float64Array.from(values);
}

// The running example: w0 = [1, -2], then gradients g1 = [0.5, 0.25] and g2 = [-1, 2].
const W0 = [1, -2];
const G1 = [0.5, 0.25];
const G2 = [-1, 2];

describe('AdamUpdate with decoupled weight decay (AdamW)', () => {
  /** torch.optim.AdamW's algorithm: theta -= lr * lambda * theta, then the Adam step. */
  function adamWByHand(learningRate: number, decay: number): number[][] {
    const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
    const theta = [...W0];
    const m = [0, 0];
    const v = [0, 0];
    return [G1, G2].map((g, index) => {
      const t = index + 1;
      for (let i = 0; i < 2; i++) {
        theta[i] = theta[i]! - learningRate * decay * theta[i]!;
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
        const mHat = m[i]! / (1 - beta1 ** t);
        const vHat = v[i]! / (1 - beta2 ** t);
        theta[i] = theta[i]! - (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      return [...theta];
    });
  }

  test('lr 0.1, decay 0.01: step 1 is w (1 - 0.001) - 0.1 sign(g), step 2 as PyTorch', () => {
    // Step 1: mHat = g, vHat = g^2, so the Adam step is lr * g / |g| = 0.1 against the sign of g:
    // w1 = [1 * 0.999 - 0.1, -2 * 0.999 - 0.1] = [0.899, -2.098].
    const weights = f64(W0);
    const first = new Float64Array(2);
    const second = new Float64Array(2);
    const after = [G1, G2].map((gradient, index) => {
      adamUpdate(weights, f64(gradient), first, second, {
        size: 2,
        learningRate: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        step: index + 1,
        weightDecay: 0,
        decoupledWeightDecay: 0.01,
      });
      return Array.from(weights);
    });
    assertClose(after[0]!, [0.899, -2.098], WITHOUT_EPSILON, 'step 1 closed form');
    const expected = adamWByHand(0.1, 0.01);
    assertClose(after[0]!, expected[0]!, FLOAT64, 'step 1');
    assertClose(after[1]!, expected[1]!, FLOAT64, 'step 2');
  });

  test('decoupled decay 0 is Adam exactly', () => {
    const params = { size: 2, learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1, weightDecay: 0 };
    const plain = f64(W0);
    adamUpdate(plain, f64(G1), new Float64Array(2), new Float64Array(2), params);
    const decoupled = f64(W0);
    adamUpdate(decoupled, f64(G1), new Float64Array(2), new Float64Array(2), { ...params, decoupledWeightDecay: 0 });
    assertClose(decoupled, plain, { atol: 0, rtol: 0 }, 'same weights');
  });
});

describe('RmsPropUpdate', () => {
  interface RmsPropCase {
    rho: number;
    momentum: number;
    isCentered: boolean;
    weightDecay: number;
  }

  /** torch.optim.RMSprop's algorithm (alpha is rho). */
  function rmsPropByHand(learningRate: number, options: RmsPropCase): number[][] {
    const epsilon = 1e-8;
    const theta = [...W0];
    const v = [0, 0];
    const gAverage = [0, 0];
    const b = [0, 0];
    return [G1, G2].map((gradient) => {
      for (let i = 0; i < 2; i++) {
        const g = gradient[i]! + options.weightDecay * theta[i]!;
        v[i] = options.rho * v[i]! + (1 - options.rho) * g * g;
        let vTilde = v[i]!;
        if (options.isCentered) {
          gAverage[i] = gAverage[i]! * options.rho + (1 - options.rho) * g;
          vTilde -= gAverage[i]! ** 2;
        }
        if (options.momentum > 0) {
          b[i] = options.momentum * b[i]! + g / (Math.sqrt(vTilde) + epsilon);
          theta[i] = theta[i]! - learningRate * b[i]!;
        } else {
          theta[i] = theta[i]! - (learningRate * g) / (Math.sqrt(vTilde) + epsilon);
        }
      }
      return [...theta];
    });
  }

  function run(learningRate: number, options: RmsPropCase): number[][] {
    const weights = f64(W0);
    const squareAverage = new Float64Array(2);
    const momentumBuffer = options.momentum > 0 ? new Float64Array(2) : null;
    const gradientAverage = options.isCentered ? new Float64Array(2) : null;
    return [G1, G2].map((gradient) => {
      rmsPropUpdate(weights, f64(gradient), squareAverage, momentumBuffer, gradientAverage, {
        size: 2,
        learningRate,
        rho: options.rho,
        epsilon: 1e-8,
        momentum: options.momentum,
        isCentered: options.isCentered,
        weightDecay: options.weightDecay,
      });
      return Array.from(weights);
    });
  }

  const cases: [string, RmsPropCase, number[] | null][] = [
    // s = (1 - 0.9) g^2, so step = g / (sqrt(0.1) |g|) = sign(g) / sqrt(0.1) = 3.16227766 sign(g): w1 = w0 -
    // 0.0316227766 sign(g)
    [
      'plain, rho 0.9',
      { rho: 0.9, momentum: 0, isCentered: false, weightDecay: 0 },
      [1 - 0.01 / Math.sqrt(0.1), -2 - 0.01 / Math.sqrt(0.1)],
    ],
    // step 1 as plain (the buffer starts at 0); step 2 adds 0.5 of it
    [
      'momentum 0.5',
      { rho: 0.9, momentum: 0.5, isCentered: false, weightDecay: 0 },
      [1 - 0.01 / Math.sqrt(0.1), -2 - 0.01 / Math.sqrt(0.1)],
    ],
    // a = 0.1 g, s - a^2 = 0.1 g^2 - 0.01 g^2 = 0.09 g^2, step = sign(g) / 0.3: w1 = w0 - 0.01 / 0.3 sign(g)
    ['centered', { rho: 0.9, momentum: 0, isCentered: true, weightDecay: 0 }, [1 - 0.01 / 0.3, -2 - 0.01 / 0.3]],
    [
      'centered with momentum 0.9 and weight decay 0.1',
      { rho: 0.99, momentum: 0.9, isCentered: true, weightDecay: 0.1 },
      null,
    ],
  ];
  for (const [name, options, firstStep] of cases) {
    test(`${name}: steps 1 and 2 as PyTorch's RMSprop`, () => {
      const after = run(0.01, options);
      if (firstStep !== null) assertClose(after[0]!, firstStep, WITHOUT_EPSILON, 'step 1 closed form');
      const expected = rmsPropByHand(0.01, options);
      assertClose(after[0]!, expected[0]!, FLOAT64, 'step 1');
      assertClose(after[1]!, expected[1]!, FLOAT64, 'step 2');
    });
  }

  test('centered: a gradient that never varies leaves s - a^2 at 0 or above, never NaN', () => {
    // With the same g every step, s - a^2 shrinks towards 0 and rounding could take it below.
    const weights = f64([0]);
    const squareAverage = new Float64Array(1);
    const gradientAverage = new Float64Array(1);
    for (let step = 0; step < 5000; step++) {
      rmsPropUpdate(weights, f64([0.1]), squareAverage, null, gradientAverage, {
        size: 1,
        learningRate: 1e-6,
        rho: 0.9,
        epsilon: 1e-8,
        momentum: 0,
        isCentered: true,
        weightDecay: 0,
      });
    }
    assert.ok(Number.isFinite(weights[0]!), `weight ${weights[0]}`);
  });
});

describe('AdagradUpdate', () => {
  /** torch.optim.Adagrad's algorithm without lr_decay. */
  function adagradByHand(learningRate: number, initial: number, weightDecay: number): number[][] {
    const epsilon = 1e-10;
    const theta = [...W0];
    const sum = [initial, initial];
    return [G1, G2].map((gradient) => {
      for (let i = 0; i < 2; i++) {
        const g = gradient[i]! + weightDecay * theta[i]!;
        sum[i] = sum[i]! + g * g;
        theta[i] = theta[i]! - (learningRate * g) / (Math.sqrt(sum[i]!) + epsilon);
      }
      return [...theta];
    });
  }

  for (const [initial, weightDecay, firstStep] of [
    // accumulator g^2: step = g / |g|: w1 = w0 - 0.1 sign(g) = [0.9, -2.1]
    [0, 0, [0.9, -2.1]],
    // accumulator 0.1 + g^2 = [0.35, 0.1625]: w1 = [1 - 0.05 / sqrt(0.35), -2 - 0.025 / sqrt(0.1625)]
    [0.1, 0, [1 - 0.05 / Math.sqrt(0.35), -2 - 0.025 / Math.sqrt(0.1625)]],
    [0.1, 0.01, null],
  ] as const) {
    test(`initial accumulator ${initial}, weight decay ${weightDecay}: steps 1 and 2 as PyTorch's Adagrad`, () => {
      const weights = f64(W0);
      const accumulator = f64([initial, initial]);
      const after = [G1, G2].map((gradient) => {
        adagradUpdate(weights, f64(gradient), accumulator, { size: 2, learningRate: 0.1, epsilon: 1e-10, weightDecay });
        return Array.from(weights);
      });
      if (firstStep !== null) assertClose(after[0]!, firstStep, { atol: 1e-9, rtol: 0 }, 'step 1 closed form');
      const expected = adagradByHand(0.1, initial, weightDecay);
      assertClose(after[0]!, expected[0]!, FLOAT64, 'step 1');
      assertClose(after[1]!, expected[1]!, FLOAT64, 'step 2');
    });
  }
});

describe('SumOfSquares and ClipGradient', () => {
  test('SumOfSquares of [3, -4, 12] is 169', () => {
    const output = new Float64Array(1);
    sumOfSquares(f64([3, -4, 12]), output, { size: 3 });
    assertClose(output, [169], { atol: 0, rtol: 0 }, 'sum');
  });

  test('ClipGradient scales, then clamps; NaN stays NaN', () => {
    // [3, -4, 0.5, 10] * 0.2 = [0.6, -0.8, 0.1, 2], clamped to +-1: [0.6, -0.8, 0.1, 1]
    const output = new Float64Array(5);
    clipGradient(f64([3, -4, 0.5, 10, Number.NaN]), output, { size: 5, scale: 0.2, clipValue: 1 });
    assertClose(output.subarray(0, 4), [0.6, -0.8, 0.1, 1], FLOAT64, 'clipped');
    assert.ok(Number.isNaN(output[4]!), `NaN clipped to ${output[4]}`);
  });
});

describe('SoftmaxCrossEntropy with label smoothing, by hand', () => {
  // logits [1, 2, 3]; LSE = log(e + e^2 + e^3); log p_j = j - LSE.
  const LSE = Math.log(Math.E + Math.exp(2) + Math.exp(3));
  const P = [1, 2, 3].map((z) => Math.exp(z - LSE));

  test('one-hot class 2, epsilon 0.3: targets [0.1, 0.1, 0.8], loss LSE - 2.7, gradient p - targets', () => {
    // t' = 0.7 [0, 0, 1] + 0.3 / 3 = [0.1, 0.1, 0.8]; loss = sum t'_j (LSE - j) = LSE - (0.1 + 0.2 + 2.4) = LSE - 2.7
    const probabilities = new Float64Array(3);
    const losses = new Float64Array(1);
    softmaxCrossEntropy(f64([1, 2, 3]), f64([0, 0, 1]), probabilities, losses, {
      rows: 1,
      columns: 3,
      labelSmoothing: 0.3,
    });
    assertClose(losses, [LSE - 2.7], FLOAT64, 'loss');
    assertClose(probabilities, P, FLOAT64, 'probabilities are not smoothed');
    const dLogits = new Float64Array(3);
    softmaxCrossEntropyGrad(probabilities, f64([0, 0, 1]), dLogits, {
      rows: 1,
      columns: 3,
      scale: 0.5,
      labelSmoothing: 0.3,
    });
    assertClose(dLogits, [(P[0]! - 0.1) * 0.5, (P[1]! - 0.1) * 0.5, (P[2]! - 0.8) * 0.5], FLOAT64, 'dLogits');
  });

  test('PyTorch form: (1 - epsilon) * CE(one-hot) + epsilon / K * sum_j -log p_j', () => {
    const losses = new Float64Array(1);
    softmaxCrossEntropy(f64([1, 2, 3]), f64([0, 1, 0]), new Float64Array(3), losses, {
      rows: 1,
      columns: 3,
      labelSmoothing: 0.1,
    });
    const expected = 0.9 * (LSE - 2) + (0.1 / 3) * (3 * LSE - 6);
    assertClose(losses, [expected], FLOAT64, 'loss');
  });

  test('a target row summing to 2 keeps its sum: [1, 0, 1] with epsilon 0.3 counts as [0.9, 0.2, 0.9]', () => {
    const probabilities = new Float64Array(3);
    const losses = new Float64Array(1);
    softmaxCrossEntropy(f64([1, 2, 3]), f64([1, 0, 1]), probabilities, losses, {
      rows: 1,
      columns: 3,
      labelSmoothing: 0.3,
    });
    assertClose(losses, [0.9 * (LSE - 1) + 0.2 * (LSE - 2) + 0.9 * (LSE - 3)], FLOAT64, 'loss');
    const dLogits = new Float64Array(3);
    softmaxCrossEntropyGrad(probabilities, f64([1, 0, 1]), dLogits, {
      rows: 1,
      columns: 3,
      scale: 1,
      labelSmoothing: 0.3,
    });
    assertClose(dLogits, [2 * P[0]! - 0.9, 2 * P[1]! - 0.2, 2 * P[2]! - 0.9], FLOAT64, 'dLogits');
  });
});

describe('SgdUpdate and AdamUpdate reference kernels against the formulas, after 1 and 2 steps', () => {
  // The running example with learning rate 0.1.

  function sgdSteps(momentum: number, isNesterov: boolean, weightDecay: number): number[][] {
    const weights = f64(W0);
    const velocity = new Float64Array(2);
    const after: number[][] = [];
    for (const gradient of [G1, G2]) {
      sgdUpdate(weights, f64(gradient), velocity, { size: 2, learningRate: 0.1, momentum, isNesterov, weightDecay });
      after.push(Array.from(weights));
    }
    return after;
  }

  test('plain SGD: w -= lr * g', () => {
    // w1 = [1 - 0.05, -2 - 0.025] = [0.95, -2.025]; w2 = [0.95 + 0.1, -2.025 - 0.2] = [1.05, -2.225]
    const [first, second] = sgdSteps(0, false, 0);
    assertClose(first!, [0.95, -2.025], FLOAT64, 'step 1');
    assertClose(second!, [1.05, -2.225], FLOAT64, 'step 2');
  });

  test('SGD with momentum 0.9: v = 0.9 v + g, w -= lr * v', () => {
    // v1 = g1 = [0.5, 0.25], w1 = [0.95, -2.025]; v2 = 0.9 v1 + g2 = [-0.55, 2.225], w2 = w1 - 0.1 v2 = [1.005,
    // -2.2475]
    const [first, second] = sgdSteps(0.9, false, 0);
    assertClose(first!, [0.95, -2.025], FLOAT64, 'step 1');
    assertClose(second!, [1.005, -2.2475], FLOAT64, 'step 2');
  });

  test('SGD with Nesterov momentum 0.9: w -= lr * (g + 0.9 v)', () => {
    // v1 = g1, step = 1.9 g1 = [0.95, 0.475], w1 = [0.905, -2.0475]
    // v2 = [-0.55, 2.225], step = g2 + 0.9 v2 = [-1.495, 4.0025], w2 = [1.0545, -2.44775]
    const [first, second] = sgdSteps(0.9, true, 0);
    assertClose(first!, [0.905, -2.0475], FLOAT64, 'step 1');
    assertClose(second!, [1.0545, -2.44775], FLOAT64, 'step 2');
  });

  test('SGD with weight decay 0.01: g += 0.01 w', () => {
    // g1' = [0.5 + 0.01, 0.25 - 0.02] = [0.51, 0.23], w1 = [0.949, -2.023]
    // g2' = [-1 + 0.00949, 2 - 0.02023] = [-0.99051, 1.97977], w2 = [1.048051, -2.220977]
    const [first, second] = sgdSteps(0, false, 0.01);
    assertClose(first!, [0.949, -2.023], FLOAT64, 'step 1');
    assertClose(second!, [1.048051, -2.220977], FLOAT64, 'step 2');
  });

  /** Adam from its definition, written out independently of the kernel. */
  function adamByHand(learningRate: number, weightDecay: number): number[][] {
    const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
    const weights = [...W0];
    const m = [0, 0];
    const v = [0, 0];
    const after: number[][] = [];
    [G1, G2].forEach((gradient, index) => {
      const t = index + 1;
      for (let i = 0; i < 2; i++) {
        const g = gradient[i]! + weightDecay * weights[i]!;
        m[i] = beta1 * m[i]! + (1 - beta1) * g;
        v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
        const mHat = m[i]! / (1 - beta1 ** t);
        const vHat = v[i]! / (1 - beta2 ** t);
        weights[i] = weights[i]! - (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      after.push([...weights]);
    });
    return after;
  }

  for (const weightDecay of [0, 0.01]) {
    test(`Adam (lr 0.1, betas 0.9 / 0.999, eps 1e-8, weight decay ${weightDecay})`, () => {
      const weights = f64(W0);
      const firstMoment = new Float64Array(2);
      const secondMoment = new Float64Array(2);
      const after: number[][] = [];
      [G1, G2].forEach((gradient, index) => {
        adamUpdate(weights, f64(gradient), firstMoment, secondMoment, {
          size: 2,
          learningRate: 0.1,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          step: index + 1,
          weightDecay,
        });
        after.push(Array.from(weights));
      });
      const expected = adamByHand(0.1, weightDecay);
      assertClose(after[0]!, expected[0]!, FLOAT64, 'step 1');
      assertClose(after[1]!, expected[1]!, FLOAT64, 'step 2');
      if (weightDecay === 0) {
        // Step 1 with bias correction moves each weight by lr * g / (|g| + eps), i.e. about lr against the sign of g.
        assertClose(
          after[0]!,
          [1 - (0.1 * 0.5) / (0.5 + 1e-8), -2 - (0.1 * 0.25) / (0.25 + 1e-8)],
          FLOAT64,
          'step 1 closed form',
        );
      }
    });
  }

  test('the SGD and Adam classes keep their state per weight across two applyGradients calls', () => {
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    const adam = new Adam({ learningRate: 0.1 });
    const sgdWeight = Tensor.fromArray(W0, [2], 'float64');
    const adamWeight = Tensor.fromArray(W0, [2], 'float64');
    for (const gradient of [G1, G2]) {
      sgd.applyGradients([sgdWeight], [Tensor.fromArray(gradient, [2], 'float64')]);
      adam.applyGradients([adamWeight], [Tensor.fromArray(gradient, [2], 'float64')]);
    }
    assertClose(sgdWeight.dataSync(), [1.0545, -2.44775], FLOAT64, 'SGD nesterov class');
    assertClose(adamWeight.dataSync(), adamByHand(0.1, 0)[1]!, FLOAT64, 'Adam class');
  });
});
