// Learning-rate schedules (src/optim/schedules.ts) at known steps, worked out in the comments; one-cycle
// against PyTorch's OneCycleLR formulas (cosine annealing, two phases), written out again here.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  oneCycle,
  perEpoch,
  stepDecay,
  ValueError,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

/** Products and cosines of a few float64 numbers. */
const CLOSE = { atol: 1e-15, rtol: 1e-12 };

function values(schedule: (step: number) => number, steps: number[]): number[] {
  return steps.map((step) => schedule(step));
}

describe('schedules at known steps', () => {
  test('stepDecay: 0.1 * 0.5^floor(step / 10)', () => {
    const schedule = stepDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    assertClose(values(schedule, [0, 9, 10, 19, 20, 35]), [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125], CLOSE, 'stepDecay');
    assertClose(
      values(stepDecay({ initialLearningRate: 1, decaySteps: 3 }), [2, 3, 6]),
      [1, 0.1, 0.01],
      CLOSE,
      'default decayRate 0.1',
    );
  });

  test('stepDecay: the Keras names give the values the PyTorch names gave; those stay as deprecated aliases', () => {
    const steps = [0, 1, 9, 10, 11, 19, 20, 35, 99, 1000];
    const renamed = values(stepDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), steps);
    // Before the rename: 0.1 * 0.5^floor(step / 10), written out.
    assert.deepEqual(
      renamed,
      steps.map((step) => 0.1 * 0.5 ** Math.floor(step / 10)),
    );
    assert.deepEqual(values(stepDecay({ initialLearningRate: 0.1, stepSize: 10, gamma: 0.5 }), steps), renamed);
    assert.deepEqual(values(stepDecay({ initialLearningRate: 0.1, decaySteps: 10, gamma: 0.5 }), steps), renamed);
    // Keras' ExponentialDecay with staircase is the same schedule under the same names.
    assert.deepEqual(
      values(exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), steps),
      renamed,
    );
    assert.throws(
      () => stepDecay({ initialLearningRate: 0.1, decaySteps: 10, stepSize: 5 }),
      (error: unknown) => error instanceof ValueError && /stepSize is the old name of decaySteps/.test(error.message),
    );
    assert.throws(
      () => stepDecay({ initialLearningRate: 0.1 }),
      (error: unknown) => error instanceof ValueError && /needs decaySteps/.test(error.message),
    );
  });

  test('exponentialDecay: 0.01 * 0.5^(step / 100), and staircase floors the exponent', () => {
    const smooth = exponentialDecay({ initialLearningRate: 0.01, decayRate: 0.5, decaySteps: 100 });
    assertClose(values(smooth, [0, 50, 100, 200]), [0.01, 0.01 / Math.SQRT2, 0.005, 0.0025], CLOSE, 'continuous');
    const staircase = exponentialDecay({ initialLearningRate: 0.01, decayRate: 0.5, decaySteps: 100, staircase: true });
    assertClose(values(staircase, [50, 99, 100, 250]), [0.01, 0.01, 0.005, 0.0025], CLOSE, 'staircase');
    // decaySteps 1 is PyTorch's ExponentialLR: gamma^step
    assertClose(
      values(exponentialDecay({ initialLearningRate: 1, decayRate: 0.9 }), [0, 1, 2]),
      [1, 0.9, 0.81],
      CLOSE,
      'per step',
    );
  });

  test('cosineDecay: 0.001 + 0.099 * (1 + cos(pi t / 1000)) / 2, then the final rate', () => {
    const schedule = cosineDecay({ initialLearningRate: 0.1, decaySteps: 1000, finalLearningRate: 0.001 });
    // t = 0: 0.1; t = 500: cos = 0, 0.001 + 0.0495 = 0.0505; t = 250: (1 + sqrt(2)/2) / 2 = 0.853553; t >= 1000: 0.001
    const quarter = 0.001 + (0.099 * (1 + Math.SQRT1_2)) / 2;
    assertClose(values(schedule, [0, 250, 500, 1000, 5000]), [0.1, quarter, 0.0505, 0.001, 0.001], CLOSE, 'cosine');
    assertClose(
      values(cosineDecay({ initialLearningRate: 2, decaySteps: 4 }), [2, 4]),
      [1, 0],
      CLOSE,
      'final 0 by default',
    );
  });

  test('linearWarmup: 0 -> schedule(0) over the warm-up, then the schedule from its own step 0', () => {
    const inner = stepDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    const schedule = linearWarmup(inner, { warmupSteps: 4 });
    // warm-up 0, 0.025, 0.05, 0.075; step 4 = inner(0) = 0.1; step 14 = inner(10) = 0.05
    assertClose(values(schedule, [0, 1, 2, 3, 4, 13, 14]), [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.05], CLOSE, 'warm-up');
    const fromStart = linearWarmup(cosineDecay({ initialLearningRate: 1, decaySteps: 10 }), {
      warmupSteps: 2,
      startLearningRate: 0.5,
    });
    assertClose(values(fromStart, [0, 1, 2]), [0.5, 0.75, 1], CLOSE, 'startLearningRate');
  });

  test('perEpoch: a schedule of epochs changes once every batchesPerEpoch steps', () => {
    const schedule = perEpoch(stepDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 }), 3);
    assertClose(values(schedule, [0, 2, 3, 5, 6]), [1, 1, 0.5, 0.5, 0.25], CLOSE, 'per epoch');
  });
});

describe('oneCycle against PyTorch OneCycleLR (anneal_strategy cos, three_phase False)', () => {
  /** torch.optim.lr_scheduler.OneCycleLR.get_lr, written out. */
  function torchOneCycle(
    maxLr: number,
    totalSteps: number,
    pctStart: number,
    divFactor: number,
    finalDivFactor: number,
    step: number,
  ): number {
    const initialLr = maxLr / divFactor;
    const minLr = initialLr / finalDivFactor;
    const phases = [
      { endStep: pctStart * totalSteps - 1, startLr: initialLr, endLr: maxLr },
      { endStep: totalSteps - 1, startLr: maxLr, endLr: minLr },
    ];
    let startStep = 0;
    for (const [index, phase] of phases.entries()) {
      if (step <= phase.endStep || index === phases.length - 1) {
        const pct = (step - startStep) / (phase.endStep - startStep);
        return phase.endLr + ((phase.startLr - phase.endLr) / 2) * (Math.cos(Math.PI * pct) + 1);
      }
      startStep = phase.endStep;
    }
    throw new Error('unreachable');
  }

  test('100 steps, max 0.01: start 0.0004, peak at step 29, end 4e-8 at step 99', () => {
    const schedule = oneCycle({ maxLearningRate: 0.01, totalSteps: 100 });
    assertClose(values(schedule, [0, 29, 99]), [0.0004, 0.01, 4e-8], CLOSE, 'landmarks');
    const steps = Array.from({ length: 100 }, (_, step) => step);
    assertClose(
      values(schedule, steps),
      steps.map((step) => torchOneCycle(0.01, 100, 0.3, 25, 1e4, step)),
      CLOSE,
      'every step',
    );
  });

  test('other fractions and divisors; after the cycle the rate stays at its end', () => {
    const schedule = oneCycle({
      maxLearningRate: 1,
      totalSteps: 37,
      warmupFraction: 0.25,
      initialDivisor: 10,
      finalDivisor: 100,
    });
    const steps = Array.from({ length: 37 }, (_, step) => step);
    assertClose(
      values(schedule, steps),
      steps.map((step) => torchOneCycle(1, 37, 0.25, 10, 100, step)),
      CLOSE,
      'every step',
    );
    assertClose(values(schedule, [36, 40]), [0.001, 0.001], CLOSE, 'after the cycle');
  });
});

test('bad options throw ValueError naming the schedule and the option', () => {
  assert.throws(
    () => stepDecay({ initialLearningRate: 0.1, decaySteps: 0 }),
    (error: unknown) =>
      error instanceof ValueError && /stepDecay decaySteps must be a positive integer, got 0/.test(error.message),
  );
  assert.throws(
    () => cosineDecay({ initialLearningRate: -1, decaySteps: 10 }),
    /cosineDecay initialLearningRate must be a finite number >= 0, got -1/,
  );
  assert.throws(
    () => oneCycle({ maxLearningRate: 0.1, totalSteps: 100, warmupFraction: 1 }),
    /oneCycle warmupFraction must be in \(0, 1\), got 1/,
  );
  assert.throws(
    () => oneCycle({ maxLearningRate: 0.1, totalSteps: 2 }),
    /oneCycle: totalSteps 2 with warmupFraction 0.3 leaves no room for both phases/,
  );
  assert.throws(
    () => linearWarmup((step) => step, { warmupSteps: 1.5 }),
    /linearWarmup warmupSteps must be a positive integer, got 1.5/,
  );
});
