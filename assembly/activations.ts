// Activation kernels of the WebAssembly SIMD backend with an exp or erf inside: leaky ReLU, ELU,
// GELU, SiLU and the sigmoid (forward; its gradient, from the output, is in elementwise.ts), and the piecewise-linear
// hard sigmoid and hard swish, forward and gradient (reference: src/kernels/js/activations.ts, erf.ts). Every value
// goes through one f32x4 function, four lanes at a time; the last 1-3 values of the array run the same function on a
// full vector (the arena keeps 64 bytes after every block, so the load stays in bounds) and store only their lanes. So
// a value's result does not depend on where it sits or how the values are split over threads (blocks of 4). Only the
// sigmoid (and so SiLU) uses a relaxed-SIMD operation (fused multiply-adds): the two builds' sigmoids may differ in
// the last bits; every other kernel here gives the same bits in both.
// Measured on the 2-core test machine, one thread, 1M values, ns per value of ELU / GELU / SiLU
// forward: 4.8 / 8.8 / 3.8 as first written; 3.0 / 7.0 / 2.3 with pmin/pmax and the rounding shift in
// expVector (V8 spends 7 and 6 instructions on max's NaN rules and on nearest + trunc_sat); 1.4 / 2.9
// / 1.2 with four vectors per loop step. The sigmoid took 4.6 as a scalar Mathf.exp loop, 1.5 on this
// path (0.4M values, the loaded machine: 8.3 -> 0.62 ms); EfficientNet-B0 runs it on every SiLU, as
// Sigmoid then Multiply.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): ActivationJob for the forward kernels,
// ActivationGradJob for the gradients; alpha for LeakyRelu and Elu, alpha and beta for HardSigmoid and HardSwish.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { ActivationGradJob, ActivationJob } from './jobFields';

// e^x (Cephes expf): x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two parts so that n * ln2 is
// exact enough), e^r = 1 + r + r^2 P(r) with a degree-5 P, then 2^n through the exponent bits.
// Within 2 ulp of the float64 exp on [-87.3, 0] (checked by the parity tests against the reference).
const LOG2_E: f32 = 1.44269504088896341;
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.1219444e-4;
/** 1.5 * 2^23 + 127: see expVector. */
const ROUNDING_SHIFT: f32 = 12583039;
/** The smallest normal f32 is e^-87.34; below it the result is flushed to 0 (the reference gives 0 to 1e-38). */
const EXP_LOWEST: f32 = -87.33654;

/**
 * e^x for x <= 88 (callers pass x <= 0 or a little above): 0 below -87.34, NaN for NaN.
 * NOTE: no overflow handling: 2^n is built from exponent bits, which is wrong past n = 127.
 */
@inline
function expVector(x: v128): v128 {
  // pmax, not max: one instruction (max's NaN rules take V8 seven); a NaN x stays NaN either way.
  const clamped = f32x4.pmax(x, f32x4.splat(EXP_LOWEST));
  // n = round(x log2 e) by adding 1.5 * 2^23 + 127, which rounds to an integer and leaves n + 127 in
  // the low mantissa bits: cheaper in V8 than nearest plus a saturating conversion to integers.
  const shifted = f32x4.add(f32x4.mul(clamped, f32x4.splat(LOG2_E)), f32x4.splat(ROUNDING_SHIFT));
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDING_SHIFT));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HIGH)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LOW)));
  let p = f32x4.splat(1.98756915e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const expR = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // n + 127 is in [1, 254], in the low 8 bits of `shifted`; shifting them into the exponent field
  // drops everything above them.
  const twoToN = i32x4.shl(shifted, 23);
  return v128.andnot(f32x4.mul(expR, twoToN), f32x4.lt(x, f32x4.splat(EXP_LOWEST)));
}

/**
 * e^x - 1 for x <= 0 without cancellation near 0: the Taylor series to x^8 for x > -0.5 (truncation
 * below 2^-27 of the result there), e^x - 1 below (where the result is at most -0.39 and loses a bit).
 */
@inline
function expm1Vector(x: v128): v128 {
  let p = f32x4.splat(1.0 / 40320.0);
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(0.5));
  const series = f32x4.add(f32x4.mul(f32x4.mul(p, x), x), x);
  const difference = f32x4.sub(expVector(x), f32x4.splat(1));
  return v128.bitselect(series, difference, f32x4.gt(x, f32x4.splat(-0.5)));
}

/**
 * The split of e^(-x^2 / 2) into e^(-h^2 / 2) e^(-(x - h)(x + h) / 2), h = x with its low 12 mantissa
 * bits cleared, so that h * h is exact. Rounding x^2 (or z = x / sqrt 2) to f32 would cost a relative
 * error of up to x^2 2^-24 in the result (1e-5 at x = 13). fdlibm's erff does the same. Returns h.
 */
@inline
function squareHigh(x: v128): v128 {
  return v128.and(x, i32x4.splat(0xfffff000));
}

/** -(x - h)(x + h) / 2, the rest of -x^2 / 2 after -h^2 / 2 (see squareHigh). */
@inline
function squareRest(x: v128, high: v128): v128 {
  return f32x4.mul(f32x4.mul(f32x4.sub(x, high), f32x4.add(x, high)), f32x4.splat(-0.5));
}

/** e^(-h^2 / 2) for h from squareHigh: -h^2 / 2 is exact. */
@inline
function gaussianHigh(high: v128): v128 {
  return expVector(f32x4.mul(f32x4.mul(high, high), f32x4.splat(-0.5)));
}

/**
 * min(|x|, 20): Phi(-20) = 3e-89 and phi(20) = 6e-88 are 0 in f32 already, and infinite x would make
 * NaN of x - h in squareRest. NaN stays NaN.
 */
@inline
function clampedMagnitude(x: v128): v128 {
  return f32x4.pmin(f32x4.abs(x), f32x4.splat(20));
}

/**
 * Phi(x), the standard normal distribution function, as erfc(|x| / sqrt 2) / 2 or 1 minus that.
 * erfc(z) = t e^(-z^2 - 1.26551223 + t (1.00002368 + ...)) with t = 1 / (1 + z / 2), a Chebyshev fit of
 * relative error below 1.2e-7 for every z >= 0 (Numerical Recipes, 2nd ed., 6.2, erfcc): one formula
 * without branches, so it vectorizes, and it keeps its relative precision in the tail, where GELU's
 * output is x * Phi(x) for large negative x.
 */
@inline
function normalCdfVector(x: v128): v128 {
  const magnitude = clampedMagnitude(x);
  const z = f32x4.mul(magnitude, f32x4.splat(0.70710678118654752));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  // e^(-z^2) = e^(-x^2 / 2), split (squareHigh); the second factor takes the polynomial too.
  const high = squareHigh(magnitude);
  const lowerTail = f32x4.mul(
    f32x4.mul(t, gaussianHigh(high)),
    f32x4.mul(expVector(f32x4.add(squareRest(magnitude, high), p)), f32x4.splat(0.5)),
  );
  return v128.bitselect(lowerTail, f32x4.sub(f32x4.splat(1), lowerTail), f32x4.lt(x, f32x4.splat(0)));
}

/** The standard normal density phi(x) = e^(-x^2 / 2) / sqrt(2 pi), with x^2 split as in squareHigh. */
@inline
function normalDensityVector(x: v128): v128 {
  const magnitude = clampedMagnitude(x);
  const high = squareHigh(magnitude);
  const gaussian = f32x4.mul(gaussianHigh(high), expVector(squareRest(magnitude, high)));
  return f32x4.mul(gaussian, f32x4.splat(0.39894228040143268));
}

// e^-z for the sigmoid (XNNPACK's f32-vsigmoid rr2-p5): z = -n ln2 + t (ln2 in two parts), e^-t by a
// degree-5 minimax polynomial 1 + t p(t) with p of degree 4, then 2^n through the exponent bits: two
// multiply-adds fewer than expVector's. The sigmoid stays within 3.4 ulp of float64 (expVector's: 2),
// inside the SiLU and sigmoid parity tolerances. One thread, the same process alternating the two
// builds on the loaded machine, CPU time: 1x1 112x112x16 -> 96 with SiLU 3.38-3.44 -> 2.99-3.14 ms,
// the Silu kernel on 1M values 4.17-4.21 -> 3.71-3.72 ms. Fusing its eight multiply-adds (relaxed
// build) keeps it within 3.4 ulp (a dense sweep to |x| = 100: 3.35 fused, 3.39 not) and, one thread,
// CPU time, medians of 4 alternated runs: the Silu kernel on 1M values 1.56 -> 1.33 ms, the sigmoid
// 1.48 -> 1.25 ms; EfficientNet-B0 at batch 1, its SiLU layers 19.4 -> 18.0 ms, all kernels 27.9 ->
// 26.4 ms. Loading the constants from a table instead of V8's three instructions per v128.const: within
// noise (1.25 -> 1.23 ms), not kept; two vectors a loop step instead of four (V8 spills some of the
// sigmoid's temporaries to the stack): slower (1.22 -> 1.28 ms).
// NOTE: SiLU's share of EfficientNet-B0 at batch 1 (one thread, CPU time, profileInference, medians of 5-6 runs
// alternated with the unchanged build, the loaded machine; measurement builds, not kept): SiLU as a clip instead, its
// kernels 28.7 -> 24.7 ms (about 2.5 ns a vector on every SiLU step); the division as a multiply (wrong values),
// 27.7 -> 27.4 ms: the ~30 instructions a vector cost, not the division (so no Newton reciprocal). Slower, not kept:
// the sign's select as one relaxed_laneselect on the sign bit shifted across the lane (SiLU steps 1.01-1.14x the
// time), eight vectors a step in activateInPlace (1.02-1.13x). A lower-degree polynomial or ln2 in one part would
// leave the 4 ulp bound of test/parity/sigmoidAccuracy.test.ts (estimated, not tried).
const SIGMOID_LN2_HIGH: f32 = 0.693145752;
const SIGMOID_LN2_LOW: f32 = 0.00000142860677;
const SIGMOID_C5: f32 = -0.00828929059;
const SIGMOID_C4: f32 = 0.0418978222;
const SIGMOID_C3: f32 = -0.166676521;
const SIGMOID_C2: f32 = 0.499991506;
const SIGMOID_C1: f32 = -0.999999702;

/** a b + c: one fused multiply-add in the relaxed-SIMD build (rounded once), a multiply and an add otherwise. */
@inline
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * The sigmoid 1 / (1 + e^-x) as e / (1 + e) or 1 / (1 + e) with e = e^-|x|, which never overflows.
 * 1 - s(x) is s(-x) from the same e, which keeps its precision where s(x) is close to 1. e is 0 past
 * |x| = 87.34 (the result then 0 or 1); NaN stays NaN. The eight multiply-adds are fused in the
 * relaxed-SIMD build (ln2's high part has 9 trailing zero bits, so n ln2_high is exact either way).
 */
@inline
export function sigmoidVector(x: v128): v128 {
  const z = f32x4.abs(x);
  const shifted = multiplyAdd(z, f32x4.splat(-LOG2_E), f32x4.splat(ROUNDING_SHIFT));
  const twoToN = i32x4.shl(shifted, 23);
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDING_SHIFT));
  let t = multiplyAdd(n, f32x4.splat(SIGMOID_LN2_HIGH), z);
  t = multiplyAdd(n, f32x4.splat(SIGMOID_LN2_LOW), t);
  let p = multiplyAdd(f32x4.splat(SIGMOID_C5), t, f32x4.splat(SIGMOID_C4));
  p = multiplyAdd(p, t, f32x4.splat(SIGMOID_C3));
  p = multiplyAdd(p, t, f32x4.splat(SIGMOID_C2));
  p = multiplyAdd(p, t, f32x4.splat(SIGMOID_C1));
  const exponential = v128.andnot(multiplyAdd(f32x4.mul(t, twoToN), p, twoToN), f32x4.gt(z, f32x4.splat(-EXP_LOWEST)));
  const denominator = f32x4.add(exponential, f32x4.splat(1));
  const isNegative = f32x4.lt(x, f32x4.splat(0));
  return f32x4.div(v128.bitselect(exponential, f32x4.splat(1), isNegative), denominator);
}

const LEAKY_RELU: i32 = 0;
const ELU: i32 = 1;
const GELU: i32 = 2;
const SILU: i32 = 3;
const HARD_SIGMOID: i32 = 4;
const HARD_SWISH: i32 = 5;
const SIGMOID: i32 = 6;

/**
 * max(0, min(1, alpha x + beta)) with the reference's comparisons (pmax, pmin: NaN stays NaN), one
 * f32 multiply and one add: within 1 ulp of the reference's float64 alpha x + beta.
 */
@inline
export function hardGateVector(x: v128, alpha: v128, beta: v128): v128 {
  const linear = f32x4.add(f32x4.mul(alpha, x), beta);
  return f32x4.pmin(f32x4.pmax(linear, f32x4.splat(0)), f32x4.splat(1));
}

/** The forward activation `kind` of four values. */
@inline
function activate(kind: i32, x: v128, alpha: v128, beta: v128): v128 {
  if (kind == HARD_SIGMOID) return hardGateVector(x, alpha, beta);
  if (kind == HARD_SWISH) return f32x4.mul(x, hardGateVector(x, alpha, beta));
  const isPositive = f32x4.gt(x, f32x4.splat(0));
  if (kind == LEAKY_RELU) return v128.bitselect(x, f32x4.mul(x, alpha), isPositive);
  if (kind == ELU) return v128.bitselect(x, f32x4.mul(alpha, expm1Vector(f32x4.pmin(x, f32x4.splat(0)))), isPositive);
  if (kind == GELU) return f32x4.mul(x, normalCdfVector(x));
  if (kind == SIGMOID) return sigmoidVector(x);
  return f32x4.mul(x, sigmoidVector(x));
}

/** dInput of activation `kind` for four values: dOut times the derivative at the forward input x. */
@inline
function activateGrad(kind: i32, dOut: v128, x: v128, alpha: v128, beta: v128): v128 {
  if (kind == HARD_SIGMOID || kind == HARD_SWISH) {
    const linear = f32x4.add(f32x4.mul(alpha, x), beta);
    const isInside = v128.and(f32x4.gt(linear, f32x4.splat(0)), f32x4.lt(linear, f32x4.splat(1)));
    if (kind == HARD_SIGMOID) return v128.and(f32x4.mul(dOut, alpha), isInside);
    // 2 alpha x + beta inside, 1 at and above the top (linear >= 1), 0 at and below the bottom; NaN for a
    // NaN input, which is neither (as the reference kernel).
    const middle = f32x4.add(f32x4.mul(f32x4.add(alpha, alpha), x), beta);
    const isTop = f32x4.ge(linear, f32x4.splat(1));
    const isBottom = f32x4.le(linear, f32x4.splat(0));
    const slope = v128.andnot(v128.bitselect(f32x4.splat(1), middle, isTop), isBottom);
    return f32x4.mul(dOut, slope);
  }
  const isPositive = f32x4.gt(x, f32x4.splat(0));
  if (kind == LEAKY_RELU) return v128.bitselect(dOut, f32x4.mul(dOut, alpha), isPositive);
  if (kind == ELU) {
    const slope = f32x4.mul(alpha, expVector(f32x4.pmin(x, f32x4.splat(0))));
    return v128.bitselect(dOut, f32x4.mul(dOut, slope), isPositive);
  }
  if (kind == GELU) {
    // Phi(x) + x phi(x).
    return f32x4.mul(dOut, f32x4.add(normalCdfVector(x), f32x4.mul(x, normalDensityVector(x))));
  }
  // s(x) (1 + x (1 - s(x))), with 1 - s(x) = s(-x).
  const slope = f32x4.mul(sigmoidVector(x), f32x4.add(f32x4.splat(1), f32x4.mul(x, sigmoidVector(f32x4.neg(x)))));
  return f32x4.mul(dOut, slope);
}

/** Stores the first `count` lanes of `vector` (all four when count >= 4). */
@inline
function storeLanes(pointer: usize, vector: v128, count: i32): void {
  if (count >= 4) {
    v128.store(pointer, vector);
    return;
  }
  store<f32>(pointer, f32x4.extract_lane(vector, 0));
  if (count > 1) store<f32>(pointer + 4, f32x4.extract_lane(vector, 1));
  if (count > 2) store<f32>(pointer + 8, f32x4.extract_lane(vector, 2));
}

/** `parameters`: how many f32 fields (alpha, then beta) follow the size in the job record. */
@inline
function forward(job: usize, threadIndex: i32, threadCount: i32, kind: i32, parameters: i32): void {
  const input = pointerField(job, ActivationJob.input);
  const output = pointerField(job, ActivationJob.output);
  const size = intField(job, ActivationJob.size);
  const alpha = f32x4.splat(parameters > 0 ? floatField(job, ActivationJob.alpha) : 0);
  const beta = f32x4.splat(parameters > 1 ? floatField(job, ActivationJob.beta) : 0);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  let index = rangeStart(size, 4, threadIndex, threadCount);
  // Four vectors per step: V8 builds every v128 constant anew for each use (three instructions), and
  // four uses share one (see the file header for the timings).
  for (; index + 16 <= last; index += 16) {
    const at = input + ((<usize>index) << 2);
    const first = activate(kind, v128.load(at), alpha, beta);
    const second = activate(kind, v128.load(at, 16), alpha, beta);
    const third = activate(kind, v128.load(at, 32), alpha, beta);
    const fourth = activate(kind, v128.load(at, 48), alpha, beta);
    const to = output + ((<usize>index) << 2);
    v128.store(to, first);
    v128.store(to, second, 16);
    v128.store(to, third, 32);
    v128.store(to, fourth, 48);
  }
  for (; index < last; index += 4) {
    const at = (<usize>index) << 2;
    storeLanes(output + at, activate(kind, v128.load(input + at), alpha, beta), last - index);
  }
}

@inline
function backward(job: usize, threadIndex: i32, threadCount: i32, kind: i32, parameters: i32): void {
  const dOut = pointerField(job, ActivationGradJob.dOut);
  const input = pointerField(job, ActivationGradJob.input);
  const dInput = pointerField(job, ActivationGradJob.dInput);
  const size = intField(job, ActivationGradJob.size);
  const alpha = f32x4.splat(parameters > 0 ? floatField(job, ActivationGradJob.alpha) : 0);
  const beta = f32x4.splat(parameters > 1 ? floatField(job, ActivationGradJob.beta) : 0);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  let index = rangeStart(size, 4, threadIndex, threadCount);
  for (; index + 16 <= last; index += 16) {
    const at = (<usize>index) << 2;
    const first = activateGrad(kind, v128.load(dOut + at), v128.load(input + at), alpha, beta);
    const second = activateGrad(kind, v128.load(dOut + at, 16), v128.load(input + at, 16), alpha, beta);
    const third = activateGrad(kind, v128.load(dOut + at, 32), v128.load(input + at, 32), alpha, beta);
    const fourth = activateGrad(kind, v128.load(dOut + at, 48), v128.load(input + at, 48), alpha, beta);
    v128.store(dInput + at, first);
    v128.store(dInput + at, second, 16);
    v128.store(dInput + at, third, 32);
    v128.store(dInput + at, fourth, 48);
  }
  for (; index < last; index += 4) {
    const at = (<usize>index) << 2;
    storeLanes(dInput + at, activateGrad(kind, v128.load(dOut + at), v128.load(input + at), alpha, beta), last - index);
  }
}

export function leakyRelu(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, LEAKY_RELU, 1);
}

export function leakyReluGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, LEAKY_RELU, 1);
}

export function elu(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, ELU, 1);
}

export function eluGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, ELU, 1);
}

export function gelu(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, GELU, 0);
}

export function geluGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, GELU, 0);
}

/** values[0, count) = activate(kind, values), in place; count a multiple of 4 (forward's loop). */
@inline
function activateInPlace(values: usize, count: i32, kind: i32): void {
  const none = f32x4.splat(0);
  let index = 0;
  for (; index + 16 <= count; index += 16) {
    const at = values + ((<usize>index) << 2);
    const first = activate(kind, v128.load(at), none, none);
    const second = activate(kind, v128.load(at, 16), none, none);
    const third = activate(kind, v128.load(at, 32), none, none);
    const fourth = activate(kind, v128.load(at, 48), none, none);
    v128.store(at, first);
    v128.store(at, second, 16);
    v128.store(at, third, 32);
    v128.store(at, fourth, 48);
  }
  for (; index < count; index += 4) {
    const at = values + ((<usize>index) << 2);
    v128.store(at, activate(kind, v128.load(at), none, none));
  }
}

/**
 * values[0, count) = activate(kind, values + bias), in place, bias [count]; count a multiple of 4 (forward's loop).
 * The sums are those epilogue.ts would add in a pass of its own before activateInPlace: the same bits, one pass fewer.
 */
@inline
function activateBiasedInPlace(values: usize, bias: usize, count: i32, kind: i32): void {
  const none = f32x4.splat(0);
  let index = 0;
  for (; index + 16 <= count; index += 16) {
    const offset = (<usize>index) << 2;
    const at = values + offset;
    const from = bias + offset;
    const first = activate(kind, f32x4.add(v128.load(at), v128.load(from)), none, none);
    const second = activate(kind, f32x4.add(v128.load(at, 16), v128.load(from, 16)), none, none);
    const third = activate(kind, f32x4.add(v128.load(at, 32), v128.load(from, 32)), none, none);
    const fourth = activate(kind, f32x4.add(v128.load(at, 48), v128.load(from, 48)), none, none);
    v128.store(at, first);
    v128.store(at, second, 16);
    v128.store(at, third, 32);
    v128.store(at, fourth, 48);
  }
  for (; index < count; index += 4) {
    const offset = (<usize>index) << 2;
    v128.store(
      values + offset,
      activate(kind, f32x4.add(v128.load(values + offset), v128.load(bias + offset)), none, none),
    );
  }
}

/** SiLU of `count` values plus their bias [count], in place (count a multiple of 4), for epilogue.ts. */
export function siluBiasedInPlace(values: usize, bias: usize, count: i32): void {
  activateBiasedInPlace(values, bias, count, SILU);
}

/** The sigmoid of `count` values plus their bias [count], in place (count a multiple of 4), for epilogue.ts. */
export function sigmoidBiasedInPlace(values: usize, bias: usize, count: i32): void {
  activateBiasedInPlace(values, bias, count, SIGMOID);
}

/** SiLU of `count` values in place (count a multiple of 4): the fused output stage's SiLU (epilogue.ts). */
export function siluInPlace(values: usize, count: i32): void {
  activateInPlace(values, count, SILU);
}

/** The sigmoid of `count` values in place (count a multiple of 4), for epilogue.ts. */
export function sigmoidInPlace(values: usize, count: i32): void {
  activateInPlace(values, count, SIGMOID);
}

export function silu(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, SILU, 0);
}

export function siluGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, SILU, 0);
}

export function sigmoid(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, SIGMOID, 0);
}

export function hardSigmoid(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, HARD_SIGMOID, 2);
}

export function hardSigmoidGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, HARD_SIGMOID, 2);
}

export function hardSwish(job: usize, threadIndex: i32, threadCount: i32): void {
  forward(job, threadIndex, threadCount, HARD_SWISH, 2);
}

export function hardSwishGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  backward(job, threadIndex, threadCount, HARD_SWISH, 2);
}
