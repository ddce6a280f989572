// Numerical gradient check in float64: central differences (step 1e-6) against GradientTape, for every
// backward rule (convnetjs gradient checks, micrograd). Checks L = sum(f(inputs) * R), R seeded random.
// An element passes if |a - n| / max(1e-8, |a| + |n|) <= bound (1e-6) or |a - n| <= 1e-9: the rounding noise
// eps * |f| / h of the differences is 1e-10 to 1e-9 here, so a gradient that cancels to ~1e-6 cannot do better.
// Limits: wrong at kinks (ReLU at 0) and ties (max pooling); large inputs are checked on a seeded subset.

import assert from 'node:assert/strict';
import { GradientTape, Random, Tensor, type Padding } from '../../src/index.js';

export interface GradcheckOptions {
  /** Names of the inputs in reports, e.g. ['input', 'filter', 'bias']. */
  names?: readonly string[];
  /** Seeds R and the choice of checked elements; default 1. */
  seed?: number;
  /** Finite-difference step; default 1e-6. */
  step?: number;
  /** Bound on |a - n| / max(1e-8, |a| + |n|); default 1e-6. */
  maxRelativeError?: number;
  /** An element also passes when |a - n| is at most this; default 1e-9. */
  absoluteTolerance?: number;
  /** Check at most this many elements of each input (a seeded random subset); default 300. */
  maxElements?: number;
  /** Prefix of failure messages. */
  label?: string;
}

export interface GradcheckReport {
  /** Largest relative error over every checked element of every input. */
  worstRelativeError: number;
  /** Description of the element with the largest relative error. */
  worst: string;
  checkedElements: number;
}

interface Mismatch {
  relativeError: number;
  text: string;
}

/** Draws a float64 tensor with values uniform in [low, high). */
export function uniformTensor(random: Random, shape: readonly number[], low = -1, high = 1): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = low + (high - low) * random.uniform();
  return tensor;
}

/** Values uniform in +-[margin, 1): no value lies within `margin` of 0, the kink of ReLU. */
export function awayFromZeroTensor(random: Random, shape: readonly number[], margin = 0.05): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  for (let index = 0; index < tensor.size; index++) {
    const magnitude = margin + (1 - margin) * random.uniform();
    tensor.dataSync()[index] = random.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return tensor;
}

/**
 * Values uniform in [low, high) but none within `margin` of any of `points` (the bounds of a clip,
 * where the derivative jumps and central differences straddling a bound are wrong).
 */
export function awayFromPointsTensor(
  random: Random,
  shape: readonly number[],
  points: readonly number[],
  low = -1,
  high = 1,
  margin = 0.05,
): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  for (let index = 0; index < tensor.size; index++) {
    let value: number;
    do value = low + (high - low) * random.uniform();
    while (points.some((point) => Math.abs(value - point) < margin));
    tensor.dataSync()[index] = value;
  }
  return tensor;
}

/** Distinct values (a shuffled permutation scaled into [-1, 1)), so max pooling has no ties. */
export function distinctTensor(random: Random, shape: readonly number[]): Tensor {
  const tensor = Tensor.zeros(shape, 'float64');
  const order = random.shuffle(Int32Array.from({ length: tensor.size }, (_, index) => index));
  for (let index = 0; index < tensor.size; index++) tensor.dataSync()[index] = -1 + (2 * order[index]!) / tensor.size;
  return tensor;
}

/**
 * Checks the gradients GradientTape gives for every input of `f` against central differences, and
 * fails with the first mismatches and the worst element. Inputs must be float64; they are perturbed
 * in place one element at a time and restored exactly.
 */
export function gradcheck(
  f: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const label = options.label ?? 'gradcheck';
  const step = options.step ?? 1e-6;
  const maxRelativeError = options.maxRelativeError ?? 1e-6;
  const maxElements = options.maxElements ?? 300;
  const absoluteTolerance = options.absoluteTolerance ?? 1e-9;
  const random = new Random(options.seed ?? 1);
  const names = inputs.map((_, position) => options.names?.[position] ?? `input ${position}`);
  inputs.forEach((input, position) => {
    assert.equal(input.dtype, 'float64', `${label}: ${names[position]} must be float64`);
  });

  const probe = f(inputs);
  const weights = Tensor.zeros(probe.shape, 'float64');
  for (let index = 0; index < weights.size; index++) weights.dataSync()[index] = random.normal();

  // Analytic: the tape's backward pass seeded with dL/df = R.
  const tape = new GradientTape(inputs);
  const output = tape.run(() => f(inputs));
  const analytic = tape.gradient(output, inputs, weights);

  const mismatches: Mismatch[] = [];
  let worst: Mismatch = { relativeError: 0, text: 'none checked' };
  let checkedElements = 0;
  inputs.forEach((input, position) => {
    const gradient = analytic[position]!;
    assert.deepEqual(gradient.shape, input.shape, `${label}: gradient of ${names[position]} has the wrong shape`);
    let largestNumeric = 0;
    for (const index of chooseElements(input.size, maxElements, random)) {
      const numeric = centralDifference(f, inputs, input, index, step, weights.dataSync());
      const value = gradient.dataSync()[index]!;
      const relativeError = Math.abs(value - numeric) / Math.max(1e-8, Math.abs(value) + Math.abs(numeric));
      largestNumeric = Math.max(largestNumeric, Math.abs(numeric));
      checkedElements++;
      const text =
        `${names[position]}[${unravel(index, input.shape).join(',')}] analytic ${value} numeric ` +
        `${numeric} relative error ${relativeError.toExponential(2)}`;
      const isClose = relativeError <= maxRelativeError || Math.abs(value - numeric) <= absoluteTolerance;
      if (!isClose) mismatches.push({ relativeError, text });
      if (!(relativeError <= worst.relativeError)) worst = { relativeError, text };
    }
    // A gradient that is zero everywhere would pass trivially; every input of these checks matters.
    assert.ok(largestNumeric > 1e-8, `${label}: L does not depend on ${names[position]} (every numeric gradient is 0)`);
  });
  if (mismatches.length > 0) {
    assert.fail(
      `${label}: ${mismatches.length} of ${checkedElements} gradient elements exceed relative error ` +
        `${maxRelativeError.toExponential()} (and absolute ${absoluteTolerance.toExponential()}): ` +
        `${mismatches
          .slice(0, 5)
          .map((mismatch) => mismatch.text)
          .join('; ')}. Worst: ${worst.text}`,
    );
  }
  return { worstRelativeError: worst.relativeError, worst: worst.text, checkedElements };
}

/**
 * dL/dx at one element by central differences. L(x+h) - L(x-h) is summed as sum((f+ - f-) * R), so
 * the outputs that do not move cancel exactly and the rounding of the large sum L never enters.
 */
function centralDifference(
  f: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  input: Tensor,
  index: number,
  step: number,
  weights: ArrayLike<number>,
): number {
  const original = input.dataSync()[index]!;
  const up = original + step;
  const down = original - step;
  input.dataSync()[index] = up;
  // Copied: f may return a view (reshape) of the very data perturbed next.
  const plus = Float64Array.from(f(inputs).dataSync());
  input.dataSync()[index] = down;
  const minus = Float64Array.from(f(inputs).dataSync());
  input.dataSync()[index] = original;
  let sum = 0;
  for (let element = 0; element < plus.length; element++) sum += (plus[element]! - minus[element]!) * weights[element]!;
  return sum / (up - down);
}

function chooseElements(size: number, maxElements: number, random: Random): number[] {
  const all = Int32Array.from({ length: size }, (_, index) => index);
  if (size <= maxElements) return Array.from(all);
  return Array.from(random.shuffle(all).subarray(0, maxElements)).sort((a, b) => a - b);
}

function unravel(index: number, shape: readonly number[]): number[] {
  const coordinates = new Array<number>(shape.length);
  let rest = index;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    coordinates[axis] = rest % shape[axis]!;
    rest = Math.floor(rest / shape[axis]!);
  }
  return coordinates;
}

type Pair = readonly [number, number];

/** A pooling geometry for the pooling gradient checks (max and average pooling share the list). */
export interface PoolCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  poolSize: number | Pair;
  strides?: number | Pair;
  padding: Padding;
}

export const POOL_CASES: readonly PoolCase[] = [
  { batch: 1, inH: 4, inW: 4, inC: 1, poolSize: 2, padding: 'valid' },
  { batch: 1, inH: 7, inW: 5, inC: 3, poolSize: 2, strides: 1, padding: 'valid' },
  { batch: 1, inH: 9, inW: 9, inC: 2, poolSize: 3, strides: 3, padding: 'valid' },
  { batch: 1, inH: 7, inW: 5, inC: 3, poolSize: 3, strides: 2, padding: 'same' },
  { batch: 1, inH: 6, inW: 11, inC: 1, poolSize: 2, strides: 2, padding: 'same' },
  { batch: 1, inH: 9, inW: 9, inC: 1, poolSize: 3, strides: 1, padding: 1 },
  { batch: 1, inH: 6, inW: 11, inC: 4, poolSize: 3, strides: 2, padding: [1, 2] },
  { batch: 1, inH: 7, inW: 5, inC: 1, poolSize: [2, 3], strides: [1, 2], padding: 'valid' },
  { batch: 1, inH: 5, inW: 8, inC: 2, poolSize: [3, 2], strides: [2, 3], padding: 'same' },
  { batch: 7, inH: 7, inW: 5, inC: 3, poolSize: 2, strides: 2, padding: 'same' },
  { batch: 7, inH: 5, inW: 5, inC: 2, poolSize: 2, strides: 3, padding: [0, 1, 1, 0] },
  { batch: 3, inH: 6, inW: 6, inC: 1, poolSize: 3, strides: 1, padding: 'valid' },
];

/** A readable test title for a pooling case. */
export function poolCaseLabel(c: PoolCase): string {
  return (
    `batch ${c.batch}, ${c.inH}x${c.inW}x${c.inC}, pool ${JSON.stringify(c.poolSize)}, strides ` +
    `${JSON.stringify(c.strides ?? 'pool size')}, padding ${JSON.stringify(c.padding)}`
  );
}

/** The pooling op options of a case. */
export function poolOptions(c: PoolCase): { poolSize: number | Pair; strides?: number | Pair; padding: Padding } {
  return c.strides === undefined
    ? { poolSize: c.poolSize, padding: c.padding }
    : { poolSize: c.poolSize, strides: c.strides, padding: c.padding };
}
