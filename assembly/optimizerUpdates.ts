// Optimizer updates and gradient clipping of the WebAssembly SIMD backend, in place over flat weights
// (references and formulas: src/kernels/js/optimizerUpdates.ts). Values are split over threads in
// blocks of 4; each thread runs 4 lanes at a time and finishes its share's tail of 0-3 values one by
// one. The buffers are 64-byte aligned (arena), so vector loads are aligned. SumOfSquares runs on one
// thread: a split would change the order of its sum, and so the result, with the thread count.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): SgdUpdateJob, AdamUpdateJob,
// RmsPropUpdateJob, AdagradUpdateJob, SumOfSquaresJob, ClipGradientJob.

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import {
  AdagradUpdateJob,
  AdamUpdateJob,
  ClipGradientJob,
  RmsPropUpdateJob,
  SgdUpdateJob,
  SumOfSquaresJob,
} from './jobFields';

export function sgdUpdate(job: usize, threadIndex: i32, threadCount: i32): void {
  const weights = pointerField(job, SgdUpdateJob.weights);
  const gradient = pointerField(job, SgdUpdateJob.gradient);
  const velocity = pointerField(job, SgdUpdateJob.velocity);
  const size = intField(job, SgdUpdateJob.size);
  const learningRate = floatField(job, SgdUpdateJob.learningRate);
  const momentum = floatField(job, SgdUpdateJob.momentum);
  const isNesterov = intField(job, SgdUpdateJob.isNesterov) != 0;
  const weightDecay = floatField(job, SgdUpdateJob.weightDecay);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const rate = f32x4.splat(learningRate);
  const decay = f32x4.splat(weightDecay);
  const keep = f32x4.splat(momentum);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const w = v128.load(weights + at);
    const g = f32x4.add(v128.load(gradient + at), f32x4.mul(decay, w));
    if (momentum == 0) {
      v128.store(weights + at, f32x4.sub(w, f32x4.mul(rate, g)));
      continue;
    }
    const v = f32x4.add(f32x4.mul(keep, v128.load(velocity + at)), g);
    v128.store(velocity + at, v);
    const step = isNesterov ? f32x4.add(g, f32x4.mul(keep, v)) : v;
    v128.store(weights + at, f32x4.sub(w, f32x4.mul(rate, step)));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const w = load<f32>(weights + at);
    const g = load<f32>(gradient + at) + weightDecay * w;
    if (momentum == 0) {
      store<f32>(weights + at, w - learningRate * g);
      continue;
    }
    const v = momentum * load<f32>(velocity + at) + g;
    store<f32>(velocity + at, v);
    store<f32>(weights + at, w - learningRate * (isNesterov ? g + momentum * v : v));
  }
}

export function adamUpdate(job: usize, threadIndex: i32, threadCount: i32): void {
  const weights = pointerField(job, AdamUpdateJob.weights);
  const gradient = pointerField(job, AdamUpdateJob.gradient);
  const firstMoment = pointerField(job, AdamUpdateJob.firstMoment);
  const secondMoment = pointerField(job, AdamUpdateJob.secondMoment);
  const size = intField(job, AdamUpdateJob.size);
  const learningRate = floatField(job, AdamUpdateJob.learningRate);
  const beta1 = floatField(job, AdamUpdateJob.beta1);
  const beta2 = floatField(job, AdamUpdateJob.beta2);
  const epsilon = floatField(job, AdamUpdateJob.epsilon);
  const firstCorrection = floatField(job, AdamUpdateJob.firstCorrection);
  const secondCorrection = floatField(job, AdamUpdateJob.secondCorrection);
  const weightDecay = floatField(job, AdamUpdateJob.weightDecay);
  // AdamW's decoupled decay; exactly 1 for Adam, so Adam's results do not change.
  const shrink: f32 = 1 - learningRate * floatField(job, AdamUpdateJob.decoupledWeightDecay);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const vRate = f32x4.splat(learningRate);
  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vComplement1 = f32x4.splat(1 - beta1);
  const vComplement2 = f32x4.splat(1 - beta2);
  const vEpsilon = f32x4.splat(epsilon);
  const vCorrection1 = f32x4.splat(firstCorrection);
  const vCorrection2 = f32x4.splat(secondCorrection);
  const vDecay = f32x4.splat(weightDecay);
  const vShrink = f32x4.splat(shrink);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const w = v128.load(weights + at);
    const g = f32x4.add(v128.load(gradient + at), f32x4.mul(vDecay, w));
    const m = f32x4.add(f32x4.mul(vBeta1, v128.load(firstMoment + at)), f32x4.mul(vComplement1, g));
    const v = f32x4.add(f32x4.mul(vBeta2, v128.load(secondMoment + at)), f32x4.mul(vComplement2, f32x4.mul(g, g)));
    v128.store(firstMoment + at, m);
    v128.store(secondMoment + at, v);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.div(v, vCorrection2)), vEpsilon);
    v128.store(
      weights + at,
      f32x4.sub(f32x4.mul(w, vShrink), f32x4.div(f32x4.mul(vRate, f32x4.div(m, vCorrection1)), denominator)),
    );
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const w = load<f32>(weights + at);
    const g = load<f32>(gradient + at) + weightDecay * w;
    const m = beta1 * load<f32>(firstMoment + at) + (1 - beta1) * g;
    const v = beta2 * load<f32>(secondMoment + at) + (1 - beta2) * (g * g);
    store<f32>(firstMoment + at, m);
    store<f32>(secondMoment + at, v);
    store<f32>(
      weights + at,
      w * shrink - (learningRate * (m / firstCorrection)) / (Mathf.sqrt(v / secondCorrection) + epsilon),
    );
  }
}

export function rmsPropUpdate(job: usize, threadIndex: i32, threadCount: i32): void {
  const weights = pointerField(job, RmsPropUpdateJob.weights);
  const gradient = pointerField(job, RmsPropUpdateJob.gradient);
  const squareAverage = pointerField(job, RmsPropUpdateJob.squareAverage);
  const momentumBuffer = pointerField(job, RmsPropUpdateJob.momentumBuffer);
  const gradientAverage = pointerField(job, RmsPropUpdateJob.gradientAverage);
  const size = intField(job, RmsPropUpdateJob.size);
  const learningRate = floatField(job, RmsPropUpdateJob.learningRate);
  const rho = floatField(job, RmsPropUpdateJob.rho);
  const epsilon = floatField(job, RmsPropUpdateJob.epsilon);
  const momentum = floatField(job, RmsPropUpdateJob.momentum);
  const isCentered = intField(job, RmsPropUpdateJob.isCentered) != 0;
  const weightDecay = floatField(job, RmsPropUpdateJob.weightDecay);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const vRate = f32x4.splat(learningRate);
  const vRho = f32x4.splat(rho);
  const vComplement = f32x4.splat(1 - rho);
  const vEpsilon = f32x4.splat(epsilon);
  const vMomentum = f32x4.splat(momentum);
  const vDecay = f32x4.splat(weightDecay);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const w = v128.load(weights + at);
    const g = f32x4.add(v128.load(gradient + at), f32x4.mul(vDecay, w));
    const s = f32x4.add(f32x4.mul(vRho, v128.load(squareAverage + at)), f32x4.mul(vComplement, f32x4.mul(g, g)));
    v128.store(squareAverage + at, s);
    let meanSquare = s;
    if (isCentered) {
      const a = f32x4.add(f32x4.mul(vRho, v128.load(gradientAverage + at)), f32x4.mul(vComplement, g));
      v128.store(gradientAverage + at, a);
      meanSquare = f32x4.max(f32x4.sub(s, f32x4.mul(a, a)), f32x4.splat(0));
    }
    const step = f32x4.div(g, f32x4.add(f32x4.sqrt(meanSquare), vEpsilon));
    if (momentum == 0) {
      v128.store(weights + at, f32x4.sub(w, f32x4.mul(vRate, step)));
      continue;
    }
    const b = f32x4.add(f32x4.mul(vMomentum, v128.load(momentumBuffer + at)), step);
    v128.store(momentumBuffer + at, b);
    v128.store(weights + at, f32x4.sub(w, f32x4.mul(vRate, b)));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const w = load<f32>(weights + at);
    const g = load<f32>(gradient + at) + weightDecay * w;
    const s = rho * load<f32>(squareAverage + at) + (1 - rho) * (g * g);
    store<f32>(squareAverage + at, s);
    let meanSquare = s;
    if (isCentered) {
      const a = rho * load<f32>(gradientAverage + at) + (1 - rho) * g;
      store<f32>(gradientAverage + at, a);
      meanSquare = max<f32>(s - a * a, 0);
    }
    const step = g / (Mathf.sqrt(meanSquare) + epsilon);
    if (momentum == 0) {
      store<f32>(weights + at, w - learningRate * step);
      continue;
    }
    const b = momentum * load<f32>(momentumBuffer + at) + step;
    store<f32>(momentumBuffer + at, b);
    store<f32>(weights + at, w - learningRate * b);
  }
}

export function adagradUpdate(job: usize, threadIndex: i32, threadCount: i32): void {
  const weights = pointerField(job, AdagradUpdateJob.weights);
  const gradient = pointerField(job, AdagradUpdateJob.gradient);
  const accumulator = pointerField(job, AdagradUpdateJob.accumulator);
  const size = intField(job, AdagradUpdateJob.size);
  const learningRate = floatField(job, AdagradUpdateJob.learningRate);
  const epsilon = floatField(job, AdagradUpdateJob.epsilon);
  const weightDecay = floatField(job, AdagradUpdateJob.weightDecay);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const vRate = f32x4.splat(learningRate);
  const vEpsilon = f32x4.splat(epsilon);
  const vDecay = f32x4.splat(weightDecay);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    const w = v128.load(weights + at);
    const g = f32x4.add(v128.load(gradient + at), f32x4.mul(vDecay, w));
    const sum = f32x4.add(v128.load(accumulator + at), f32x4.mul(g, g));
    v128.store(accumulator + at, sum);
    v128.store(weights + at, f32x4.sub(w, f32x4.div(f32x4.mul(vRate, g), f32x4.add(f32x4.sqrt(sum), vEpsilon))));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    const w = load<f32>(weights + at);
    const g = load<f32>(gradient + at) + weightDecay * w;
    const sum = load<f32>(accumulator + at) + g * g;
    store<f32>(accumulator + at, sum);
    store<f32>(weights + at, w - (learningRate * g) / (Mathf.sqrt(sum) + epsilon));
  }
}

/**
 * Squares are taken and summed in f64 (a product of two f32 is exact in f64), two f64x2 sums for the
 * low and high lane pairs, so the result is the reference's to within one f32 rounding.
 */
export function sumOfSquares(job: usize, threadIndex: i32, threadCount: i32): void {
  if (threadIndex != 0) return;
  const input = pointerField(job, SumOfSquaresJob.input);
  const output = pointerField(job, SumOfSquaresJob.output);
  const size = intField(job, SumOfSquaresJob.size);
  const vectorEnd = size & ~3;
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  for (let index = 0; index < vectorEnd; index += 4) {
    const x = v128.load(input + ((<usize>index) << 2));
    const xLow = f64x2.promote_low_f32x4(x);
    const xHigh = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
    low = f64x2.add(low, f64x2.mul(xLow, xLow));
    high = f64x2.add(high, f64x2.mul(xHigh, xHigh));
  }
  let sum =
    f64x2.extract_lane(low, 0) +
    f64x2.extract_lane(low, 1) +
    (f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1));
  for (let index = vectorEnd; index < size; index++) {
    const value = <f64>load<f32>(input + ((<usize>index) << 2));
    sum += value * value;
  }
  store<f32>(output, <f32>sum);
}

export function clipGradient(job: usize, threadIndex: i32, threadCount: i32): void {
  const gradient = pointerField(job, ClipGradientJob.gradient);
  const output = pointerField(job, ClipGradientJob.output);
  const size = intField(job, ClipGradientJob.size);
  const scale = floatField(job, ClipGradientJob.scale);
  const clipValue = floatField(job, ClipGradientJob.clipValue);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const vScale = f32x4.splat(scale);
  const vUpper = f32x4.splat(clipValue);
  const vLower = f32x4.splat(-clipValue);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = (<usize>index) << 2;
    v128.store(output + at, f32x4.min(f32x4.max(f32x4.mul(v128.load(gradient + at), vScale), vLower), vUpper));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = (<usize>index) << 2;
    store<f32>(output + at, min<f32>(max<f32>(load<f32>(gradient + at) * scale, -clipValue), clipValue));
  }
}
