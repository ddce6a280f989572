// Optimizer updates of the WebAssembly SIMD backend, in place over flat weights (references and
// formulas: src/kernels/js/optimizerUpdates.ts). Values are split over threads in blocks of 4.
//
// Job records (4-byte fields; "f32" marks float fields):
//   SgdUpdate:  0 weights, 1 gradient, 2 velocity, 3 size, 4 learningRate f32, 5 momentum f32,
//               6 isNesterov (0/1), 7 weightDecay f32
//   AdamUpdate: 0 weights, 1 gradient, 2 firstMoment, 3 secondMoment, 4 size, 5 learningRate f32,
//               6 beta1 f32, 7 beta2 f32, 8 epsilon f32, 9 firstCorrection f32 (1 - beta1^step),
//               10 secondCorrection f32 (1 - beta2^step), 11 weightDecay f32

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';

export function sgdUpdate(job: usize, threadIndex: i32, threadCount: i32): void {
  const weights = pointerField(job, 0);
  const gradient = pointerField(job, 1);
  const velocity = pointerField(job, 2);
  const size = intField(job, 3);
  const learningRate = floatField(job, 4);
  const momentum = floatField(job, 5);
  const isNesterov = intField(job, 6) != 0;
  const weightDecay = floatField(job, 7);
  const first = rangeStart(size, 4, threadIndex, threadCount);
  const last = rangeEnd(size, 4, threadIndex, threadCount);
  const vectorEnd = first + ((last - first) & ~3);
  const rate = f32x4.splat(learningRate);
  const decay = f32x4.splat(weightDecay);
  const keep = f32x4.splat(momentum);
  for (let index = first; index < vectorEnd; index += 4) {
    const at = <usize>index << 2;
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
    const at = <usize>index << 2;
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
  const weights = pointerField(job, 0);
  const gradient = pointerField(job, 1);
  const firstMoment = pointerField(job, 2);
  const secondMoment = pointerField(job, 3);
  const size = intField(job, 4);
  const learningRate = floatField(job, 5);
  const beta1 = floatField(job, 6);
  const beta2 = floatField(job, 7);
  const epsilon = floatField(job, 8);
  const firstCorrection = floatField(job, 9);
  const secondCorrection = floatField(job, 10);
  const weightDecay = floatField(job, 11);
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
  for (let index = first; index < vectorEnd; index += 4) {
    const at = <usize>index << 2;
    const w = v128.load(weights + at);
    const g = f32x4.add(v128.load(gradient + at), f32x4.mul(vDecay, w));
    const m = f32x4.add(f32x4.mul(vBeta1, v128.load(firstMoment + at)), f32x4.mul(vComplement1, g));
    const v = f32x4.add(f32x4.mul(vBeta2, v128.load(secondMoment + at)), f32x4.mul(vComplement2, f32x4.mul(g, g)));
    v128.store(firstMoment + at, m);
    v128.store(secondMoment + at, v);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.div(v, vCorrection2)), vEpsilon);
    v128.store(weights + at, f32x4.sub(w, f32x4.div(f32x4.mul(vRate, f32x4.div(m, vCorrection1)), denominator)));
  }
  for (let index = vectorEnd; index < last; index++) {
    const at = <usize>index << 2;
    const w = load<f32>(weights + at);
    const g = load<f32>(gradient + at) + weightDecay * w;
    const m = beta1 * load<f32>(firstMoment + at) + (1 - beta1) * g;
    const v = beta2 * load<f32>(secondMoment + at) + (1 - beta2) * (g * g);
    store<f32>(firstMoment + at, m);
    store<f32>(secondMoment + at, v);
    store<f32>(weights + at, w - (learningRate * (m / firstCorrection)) / (Mathf.sqrt(v / secondCorrection) + epsilon));
  }
}
