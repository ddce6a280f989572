// The conformance suite's shape, shared by its runners: a case is a name and an async `run` on the
// backend under test, which compares that backend with the reference (or with itself) and throws a
// ConformanceMismatch naming the worst value. No node:* import: the same cases run in Node
// (test/conformance/conformance.test.ts) and in headless Chromium (test/browser/conformance.test.ts).
// Reference: tfjs's backend test matrix, jax-js's backend suites.

import type { DType } from '../../src/core/dtype.js';
import { Random } from '../../src/core/random.js';
import type { Shape } from '../../src/core/shape.js';
import { Tensor } from '../../src/core/tensor.js';
import { getBackend, setBackend } from '../../src/kernels/registry.js';

/** Which part of the suite a case belongs to. */
export type SuiteName = 'layer' | 'gradient' | 'model' | 'kernel';

/** What a case is run with: the backend under test, and a way to run code on another one. */
export interface ConformanceContext {
  /** The backend under test, as registered: 'reference', 'wasm', 'webgpu'. */
  readonly backend: string;
  /** A description of the backend for reports, e.g. 'wasm, 2 threads'. */
  readonly label: string;
}

/** One case of the suite. */
export interface ConformanceCase {
  readonly suite: SuiteName;
  /** Unique within the suite; with the suite, the test title. */
  readonly name: string;
  /** Runs the case on `context.backend` (active on entry); throws on a mismatch; may return a note for the report. */
  run(context: ConformanceContext): Promise<string | undefined>;
}

/** A failed comparison, naming the case, the backend and the worst value. */
export class ConformanceMismatch extends Error {
  override readonly name = 'ConformanceMismatch';
}

/** |actual - expected| <= absolute + relative * |expected|, per value. */
export interface Tolerance {
  absolute: number;
  relative: number;
}

/** Named outputs of one computation, read back to the host. */
export type Outputs = Record<string, ArrayLike<number>>;

/** The title the runners give a case: 'layer: Conv2D strides 2'. */
export function caseTitle(conformanceCase: ConformanceCase): string {
  return `${conformanceCase.suite}: ${conformanceCase.name}`;
}

/**
 * Runs `body` with backend `name` active, then makes the backend active before the call active again
 * (also when `body` throws). Tensors made inside stay on that backend: read them inside.
 */
export async function onBackend<T>(name: string, body: () => Promise<T>): Promise<T> {
  const previous = getBackend().name;
  setBackend(name);
  try {
    return await body();
  } finally {
    setBackend(previous);
  }
}

/** Reads every tensor of `tensors` back to the host (await data(): any backend), as float64 copies. */
export async function readAll(tensors: Record<string, Tensor>): Promise<Record<string, Float64Array>> {
  const outputs: Record<string, Float64Array> = {};
  for (const [name, tensor] of Object.entries(tensors)) outputs[name] = Float64Array.from(await tensor.data());
  return outputs;
}

/**
 * Throws ConformanceMismatch unless every value of `actual` (on `backends[0]`) is within `tolerance`
 * of `expected` (on `backends[1]`); NaN matches NaN only. The message names the worst index, both values
 * and how many values are out of tolerance. Returns the largest |actual - expected| as a share of its
 * tolerance (at most 1; 0 where every value is equal): how close the comparison came to failing.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  what: string,
  backends: readonly [string, string],
): number {
  if (actual.length !== expected.length) {
    throw new ConformanceMismatch(
      `${what}: ${actual.length} values on ${backends[0]}, ${expected.length} on ${backends[1]}`,
    );
  }
  let worst = -1;
  let worstRatio = 1;
  let largestRatio = 0;
  let failures = 0;
  for (let index = 0; index < expected.length; index++) {
    const a = actual[index]!;
    const e = expected[index]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const ratio = Math.abs(a - e) / (tolerance.absolute + tolerance.relative * Math.abs(e));
    // NaN against a number counts as infinitely far.
    const excess = Number.isNaN(ratio) ? Infinity : ratio;
    if (excess > 1) failures++;
    largestRatio = Math.max(largestRatio, excess);
    if (excess > worstRatio) {
      worst = index;
      worstRatio = excess;
    }
  }
  if (worst >= 0) {
    throw new ConformanceMismatch(
      `${what}: ${failures} of ${expected.length} values out of tolerance; worst: value ${worst} is ` +
        `${actual[worst]} on ${backends[0]}, ${expected[worst]} on ${backends[1]} (tolerance ` +
        `${tolerance.absolute} + ${tolerance.relative} * |${backends[1]}|)`,
    );
  }
  return largestRatio;
}

/**
 * assertClose for every output `expected` names; `actual` must have the same names. Returns the largest
 * share of its tolerance any value used.
 */
export function assertOutputsClose(
  actual: Outputs,
  expected: Outputs,
  tolerance: Tolerance | ((name: string) => Tolerance),
  what: string,
  backends: readonly [string, string],
): number {
  const names = Object.keys(expected);
  const actualNames = Object.keys(actual);
  if (names.join() !== actualNames.join()) {
    throw new ConformanceMismatch(
      `${what}: outputs ${actualNames.join(', ')} on ${backends[0]}, ${names.join(', ')} on ${backends[1]}`,
    );
  }
  let largest = 0;
  for (const name of names) {
    const bound = typeof tolerance === 'function' ? tolerance(name) : tolerance;
    largest = Math.max(largest, assertClose(actual[name]!, expected[name]!, bound, `${what}: ${name}`, backends));
  }
  return largest;
}

/** A note for the report: how much of its tolerance a comparison used, e.g. '0.031 of the tolerance'. */
export function toleranceNote(share: number): string {
  return `${share.toPrecision(2)} of the tolerance`;
}

/** Throws ConformanceMismatch unless both runs are bit-identical (NaN matching NaN). */
export function assertIdentical(first: Outputs, second: Outputs, what: string, backend: string): void {
  void assertOutputsClose(first, second, { absolute: 0, relative: 0 }, `${what} (not deterministic)`, [
    `${backend} (second run)`,
    `${backend} (first run)`,
  ]);
}

/** Throws ConformanceMismatch with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): void {
  if (!condition) throw new ConformanceMismatch(message);
}

/** Values uniform in [low, high), seeded. */
export function uniformValues(random: Random, size: number, low = -1, high = 1): Float64Array {
  const values = new Float64Array(size);
  for (let index = 0; index < size; index++) values[index] = low + (high - low) * random.uniform();
  return values;
}

/** How a case's inputs are drawn, for ops with kinks or singularities. */
export type InputKind =
  /** Uniform in [-1, 1). */
  | 'uniform'
  /** Uniform in +-[0.05, 1): away from the kink at 0 (ReLU, clip at 0). */
  | 'awayFromZero'
  /** Distinct values spread evenly over [-1, 1), shuffled: max pooling without ties. */
  | 'distinct'
  /** As 'distinct', each shifted by half the spacing: never equal to a 'distinct' value (maximum, minimum). */
  | 'distinctShifted'
  /** Uniform in [0.5, 1.5): powers with fractional exponents, denominators. */
  | 'positive'
  /** Uniform in [-4, 4) but not within 0.05 of -3, 0, 3, -2.5 or 2.5 (the hard activations' kinks). */
  | 'wideAwayFromKinks';

const KINKS = [-3, -2.5, 0, 2.5, 3];

/** `size` values of `kind`, seeded by `seed`. */
export function inputValues(kind: InputKind, size: number, seed: number): Float64Array {
  const random = new Random(seed);
  const values = new Float64Array(size);
  if (kind === 'distinct' || kind === 'distinctShifted') {
    const shift = kind === 'distinct' ? 0 : 0.5;
    const order = random.shuffle(Int32Array.from({ length: size }, (_, index) => index));
    for (let index = 0; index < size; index++) values[index] = -1 + (2 * (order[index]! + shift)) / size;
    return values;
  }
  for (let index = 0; index < size; index++) {
    if (kind === 'uniform') values[index] = random.uniform() * 2 - 1;
    else if (kind === 'positive') values[index] = 0.5 + random.uniform();
    else if (kind === 'awayFromZero') {
      const magnitude = 0.05 + 0.95 * random.uniform();
      values[index] = random.uniform() < 0.5 ? -magnitude : magnitude;
    } else {
      let value: number;
      do value = random.uniform() * 8 - 4;
      while (KINKS.some((kink) => Math.abs(value - kink) < 0.05));
      values[index] = value;
    }
  }
  return values;
}

/** A tensor of `shape` holding `values` in `dtype`. */
export function tensorOf(values: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
  return Tensor.fromArray(values, shape, dtype);
}
