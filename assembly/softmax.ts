// Softmax, its gradient and the fused softmax cross-entropy for the WebAssembly SIMD backend
// (reference and derivation: src/kernels/js/softmax.ts). Rows are split over threads.
//
// Job records (4-byte fields):
//   Softmax:                  0 logits, 1 output, 2 rows, 3 columns
//   SoftmaxGrad:              0 dOut, 1 output, 2 dInput, 3 rows, 4 columns
//   SoftmaxCrossEntropy:      0 logits, 1 targets, 2 probabilities, 3 losses, 4 rows, 5 columns,
//                             6 labelSmoothing (f32)
//   SoftmaxCrossEntropyGrad:  0 probabilities, 1 targets, 2 dLogits, 3 rows, 4 columns, 5 scale (f32),
//                             6 labelSmoothing (f32)
// Label smoothing uses the targets (1 - epsilon) t + epsilon sum(t) / columns (derivation in the reference).

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';

@inline
function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

export function softmax(job: usize, threadIndex: i32, threadCount: i32): void {
  const logits = pointerField(job, 0);
  const output = pointerField(job, 1);
  const rows = intField(job, 2);
  const columns = intField(job, 3);
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = row * columns;
    let largest = -Infinity as f32;
    for (let column = 0; column < columns; column++) largest = max(largest, load<f32>(at(logits, base + column)));
    let sum: f32 = 0;
    for (let column = 0; column < columns; column++) {
      const exponential = Mathf.exp(load<f32>(at(logits, base + column)) - largest);
      store<f32>(at(output, base + column), exponential);
      sum += exponential;
    }
    for (let column = 0; column < columns; column++)
      store<f32>(at(output, base + column), load<f32>(at(output, base + column)) / sum);
  }
}

export function softmaxGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const dOut = pointerField(job, 0);
  const output = pointerField(job, 1);
  const dInput = pointerField(job, 2);
  const rows = intField(job, 3);
  const columns = intField(job, 4);
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = row * columns;
    let dot: f32 = 0;
    for (let column = 0; column < columns; column++)
      dot += load<f32>(at(dOut, base + column)) * load<f32>(at(output, base + column));
    for (let column = 0; column < columns; column++) {
      store<f32>(
        at(dInput, base + column),
        load<f32>(at(output, base + column)) * (load<f32>(at(dOut, base + column)) - dot),
      );
    }
  }
}

export function softmaxCrossEntropy(job: usize, threadIndex: i32, threadCount: i32): void {
  const logits = pointerField(job, 0);
  const targets = pointerField(job, 1);
  const probabilities = pointerField(job, 2);
  const losses = pointerField(job, 3);
  const rows = intField(job, 4);
  const columns = intField(job, 5);
  const smoothing = floatField(job, 6);
  const keep: f32 = 1 - smoothing;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = row * columns;
    let spread: f32 = 0;
    if (smoothing != 0) {
      let targetSum: f32 = 0;
      for (let column = 0; column < columns; column++) targetSum += load<f32>(at(targets, base + column));
      spread = (smoothing * targetSum) / <f32>columns;
    }
    let largest = -Infinity as f32;
    for (let column = 0; column < columns; column++) largest = max(largest, load<f32>(at(logits, base + column)));
    let sum: f32 = 0;
    for (let column = 0; column < columns; column++) sum += Mathf.exp(load<f32>(at(logits, base + column)) - largest);
    const logSum = Mathf.log(sum);
    let loss: f32 = 0;
    for (let column = 0; column < columns; column++) {
      const logProbability = load<f32>(at(logits, base + column)) - largest - logSum;
      store<f32>(at(probabilities, base + column), Mathf.exp(logProbability));
      const target = keep * load<f32>(at(targets, base + column)) + spread;
      if (target != 0) loss -= target * logProbability;
    }
    store<f32>(at(losses, row), loss);
  }
}

export function softmaxCrossEntropyGrad(job: usize, threadIndex: i32, threadCount: i32): void {
  const probabilities = pointerField(job, 0);
  const targets = pointerField(job, 1);
  const dLogits = pointerField(job, 2);
  const rows = intField(job, 3);
  const columns = intField(job, 4);
  const scale = floatField(job, 5);
  const smoothing = floatField(job, 6);
  const keep: f32 = 1 - smoothing;
  const last = rangeEnd(rows, 1, threadIndex, threadCount);
  for (let row = rangeStart(rows, 1, threadIndex, threadCount); row < last; row++) {
    const base = row * columns;
    let targetSum: f32 = 0;
    for (let column = 0; column < columns; column++) targetSum += load<f32>(at(targets, base + column));
    const spread = (smoothing * targetSum) / <f32>columns;
    for (let column = 0; column < columns; column++) {
      const target = keep * load<f32>(at(targets, base + column)) + spread;
      const value = (load<f32>(at(probabilities, base + column)) * targetSum - target) * scale;
      store<f32>(at(dLogits, base + column), value);
    }
  }
}
