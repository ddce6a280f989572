// Learning-rate schedules: plain functions from a 0-based step number to a learning rate. fit calls
// one before every optimizer step (FitOptions.learningRateSchedule) with the optimizer's iterations,
// the updates it has made so far, so a second fit with the same optimizer continues the schedule.
// A schedule of epochs becomes one of steps through perEpoch. Formulas and defaults follow PyTorch's
// torch.optim.lr_scheduler (StepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR) and Keras' warm-up;
// the one-cycle policy is Smith and Topin, "Super-Convergence", 2017. Option names are Keras' and
// TF.js' (decaySteps, decayRate), the toolkit's users' first framework; docs/layers-and-training.md maps
// them to PyTorch's. stepDecay still takes PyTorch's stepSize and gamma as deprecated aliases.

import { ValueError } from '../core/errors.js';

/** Maps a 0-based step (or epoch, see perEpoch) to a learning rate. */
export type LearningRateSchedule = (step: number) => number;

/** Options of stepDecay. */
export interface StepDecayOptions {
  /** The rate at step 0. */
  initialLearningRate: number;
  /** Steps between two decays (PyTorch's step_size). */
  decaySteps?: number | undefined;
  /** Factor of each decay (PyTorch's gamma); default 0.1. */
  decayRate?: number | undefined;
  /** @deprecated the PyTorch name of decaySteps; give decaySteps. */
  stepSize?: number | undefined;
  /** @deprecated the PyTorch name of decayRate; give decayRate. */
  gamma?: number | undefined;
}

/**
 * initialLearningRate * decayRate^floor(step / decaySteps) (PyTorch's StepLR; Keras'
 * ExponentialDecay with staircase). Throws ValueError for a bad option, or for an option given
 * under both its names with two values.
 *
 * @example
 * const schedule = stepDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.5 });
 * schedule(2500); // 0.025
 */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  const initial = checkRate(options.initialLearningRate, 'stepDecay initialLearningRate');
  const steps = eitherName(options.decaySteps, options.stepSize, 'decaySteps', 'stepSize');
  if (steps === undefined) throw new ValueError('stepDecay needs decaySteps, the steps between two decays');
  const decaySteps = checkPositiveInteger(steps, 'stepDecay decaySteps');
  const decayRate = checkRate(
    eitherName(options.decayRate, options.gamma, 'decayRate', 'gamma') ?? 0.1,
    'stepDecay decayRate',
  );
  return (step) => initial * decayRate ** Math.floor(step / decaySteps);
}

/** An option under its name or its deprecated alias; ValueError when both are given and differ. */
function eitherName(
  value: number | undefined,
  alias: number | undefined,
  name: string,
  aliasName: string,
): number | undefined {
  if (value !== undefined && alias !== undefined && value !== alias) {
    throw new ValueError(
      `stepDecay: ${aliasName} is the old name of ${name}; give only ${name} (got ${name} ${value} and ` +
        `${aliasName} ${alias})`,
    );
  }
  return value ?? alias;
}

/** Options of exponentialDecay. */
export interface ExponentialDecayOptions {
  /** The rate at step 0. */
  initialLearningRate: number;
  /** Factor per decaySteps steps. */
  decayRate: number;
  /** Default 1: multiply by decayRate every step (PyTorch's ExponentialLR gamma). */
  decaySteps?: number | undefined;
  /** Decay in whole periods of decaySteps, not continuously; default false. */
  staircase?: boolean | undefined;
}

/**
 * initialLearningRate * decayRate^(step / decaySteps), with the exponent floored when staircase
 * (Keras' ExponentialDecay). Throws ValueError for a bad option.
 *
 * @example
 * const schedule = exponentialDecay({ initialLearningRate: 0.01, decayRate: 0.5, decaySteps: 100 });
 * schedule(200); // 0.0025
 */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  const initial = checkRate(options.initialLearningRate, 'exponentialDecay initialLearningRate');
  const decayRate = checkRate(options.decayRate, 'exponentialDecay decayRate');
  const decaySteps = checkPositiveInteger(options.decaySteps ?? 1, 'exponentialDecay decaySteps');
  const isStaircase = options.staircase ?? false;
  return (step) => initial * decayRate ** (isStaircase ? Math.floor(step / decaySteps) : step / decaySteps);
}

/** Options of cosineDecay. */
export interface CosineDecayOptions {
  /** The rate at step 0. */
  initialLearningRate: number;
  /** Steps from the initial to the final learning rate; it stays final afterwards. */
  decaySteps: number;
  /** Default 0 (PyTorch's eta_min). */
  finalLearningRate?: number | undefined;
}

/**
 * final + (initial - final) * (1 + cos(pi * step / decaySteps)) / 2, then final from decaySteps on
 * (PyTorch's CosineAnnealingLR; SGDR without restarts, Loshchilov and Hutter, 2017). Throws
 * ValueError for a bad option.
 *
 * @example
 * const schedule = cosineDecay({ initialLearningRate: 0.1, decaySteps: 1000, finalLearningRate: 0.001 });
 * schedule(500); // 0.0505
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const initial = checkRate(options.initialLearningRate, 'cosineDecay initialLearningRate');
  const decaySteps = checkPositiveInteger(options.decaySteps, 'cosineDecay decaySteps');
  const final = checkRate(options.finalLearningRate ?? 0, 'cosineDecay finalLearningRate');
  return (step) => {
    const progress = Math.min(Math.max(step, 0), decaySteps) / decaySteps;
    return final + ((initial - final) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/** Options of oneCycle. */
export interface OneCycleOptions {
  /** The peak learning rate. */
  maxLearningRate: number;
  /** Steps of the whole cycle (epochs * batches per epoch). */
  totalSteps: number;
  /** Share of the steps spent rising to the peak; default 0.3 (PyTorch's pct_start). */
  warmupFraction?: number | undefined;
  /** The cycle starts at maxLearningRate / initialDivisor; default 25 (PyTorch's div_factor). */
  initialDivisor?: number | undefined;
  /** It ends at the start rate / finalDivisor; default 1e4 (PyTorch's final_div_factor). */
  finalDivisor?: number | undefined;
}

/**
 * The one-cycle policy as PyTorch's OneCycleLR computes it (cosine annealing, two phases): from
 * start = max / initialDivisor up to max at step warmupFraction * totalSteps - 1, then down to
 * start / finalDivisor at step totalSteps - 1, each phase a half cosine; after the cycle it stays
 * at the end rate. Throws ValueError for a bad option.
 *
 * @example
 * const schedule = oneCycle({ maxLearningRate: 0.01, totalSteps: epochs * batchesPerEpoch });
 * model.fit(x, labels, { epochs, learningRateSchedule: schedule });
 */
export function oneCycle(options: OneCycleOptions): LearningRateSchedule {
  const peak = checkRate(options.maxLearningRate, 'oneCycle maxLearningRate');
  const totalSteps = checkPositiveInteger(options.totalSteps, 'oneCycle totalSteps');
  const warmupFraction = options.warmupFraction ?? 0.3;
  if (!(warmupFraction > 0 && warmupFraction < 1))
    throw new ValueError(`oneCycle warmupFraction must be in (0, 1), got ${warmupFraction}`);
  const initialDivisor = checkPositive(options.initialDivisor ?? 25, 'oneCycle initialDivisor');
  const finalDivisor = checkPositive(options.finalDivisor ?? 1e4, 'oneCycle finalDivisor');
  const start = peak / initialDivisor;
  const end = start / finalDivisor;
  const peakStep = warmupFraction * totalSteps - 1;
  const lastStep = totalSteps - 1;
  if (!(peakStep > 0 && lastStep > peakStep)) {
    throw new ValueError(
      `oneCycle: totalSteps ${totalSteps} with warmupFraction ${warmupFraction} leaves no room for both ` +
        `phases; use more steps`,
    );
  }
  const anneal = (from: number, to: number, fraction: number) =>
    to + ((from - to) * (1 + Math.cos(Math.PI * fraction))) / 2;
  return (step) => {
    if (step <= peakStep) return anneal(start, peak, Math.max(step, 0) / peakStep);
    return anneal(peak, end, Math.min((step - peakStep) / (lastStep - peakStep), 1));
  };
}

/** Options of linearWarmup. */
export interface LinearWarmupOptions {
  /** Steps of the warm-up. */
  warmupSteps: number;
  /** The rate at step 0; default 0 (Keras). */
  startLearningRate?: number | undefined;
}

/**
 * A linear warm-up before `schedule`: from startLearningRate at step 0 up to schedule(0) at step
 * warmupSteps, after which schedule runs from its own step 0 (schedule(step - warmupSteps)), as in
 * Keras' warm-up and Goyal et al., 2017. Throws ValueError for a bad option.
 *
 * @example
 * const schedule = linearWarmup(cosineDecay({ initialLearningRate: 0.1, decaySteps: 9000 }), { warmupSteps: 1000 });
 * schedule(500); // 0.05
 */
export function linearWarmup(schedule: LearningRateSchedule, options: LinearWarmupOptions): LearningRateSchedule {
  const warmupSteps = checkPositiveInteger(options.warmupSteps, 'linearWarmup warmupSteps');
  const startRate = checkRate(options.startLearningRate ?? 0, 'linearWarmup startLearningRate');
  return (step) => {
    if (step >= warmupSteps) return schedule(step - warmupSteps);
    const target = schedule(0);
    return startRate + ((target - startRate) * Math.max(step, 0)) / warmupSteps;
  };
}

/**
 * A schedule of epochs run as a schedule of steps: the rate changes once every batchesPerEpoch
 * steps, schedule(floor(step / batchesPerEpoch)). fit calls schedules per step; this is how a
 * per-epoch one is given to it (batchesPerEpoch = ceil(training examples / batchSize)).
 *
 * @example
 * const batchesPerEpoch = Math.ceil(60000 / 64);
 * model.fit(x, labels, { batchSize: 64, learningRateSchedule: perEpoch(stepDecay({ initialLearningRate: 0.01,
 * decaySteps: 1, decayRate: 0.5 }), batchesPerEpoch) });
 */
export function perEpoch(schedule: LearningRateSchedule, batchesPerEpoch: number): LearningRateSchedule {
  checkPositiveInteger(batchesPerEpoch, 'perEpoch batchesPerEpoch');
  return (step) => schedule(Math.floor(step / batchesPerEpoch));
}

function checkRate(value: number, what: string): number {
  if (!(Number.isFinite(value) && value >= 0))
    throw new ValueError(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}

function checkPositive(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new ValueError(`${what} must be a finite number > 0, got ${value}`);
  return value;
}

function checkPositiveInteger(value: number, what: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new ValueError(`${what} must be a positive integer, got ${value}`);
  return value;
}
