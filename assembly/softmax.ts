// Softmax, its gradient and the fused softmax cross-entropy for the WebAssembly SIMD backend
// (reference and derivation: src/kernels/js/softmax.ts). Rows are split over threads.
//
// Job records (jobFields.ts, from src/kernels/wasm/jobLayout.ts): SoftmaxJob, SoftmaxGradJob,
// SoftmaxCrossEntropyJob, SoftmaxCrossEntropyGradJob.
// Label smoothing uses the targets (1 - epsilon) t + epsilon sum(t) / columns (derivation in the reference).

import { floatField, intField, pointerField, rangeEnd, rangeStart } from './job';
import { SoftmaxCrossEntropyGradJob, SoftmaxCrossEntropyJob, SoftmaxGradJob, SoftmaxJob } from './jobFields';

@inline
function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

export function softmax(job: usize, threadIndex: i32, threadCount: i32): void {
  const logits = pointerField(job, SoftmaxJob.logits);
  const output = pointerField(job, SoftmaxJob.output);
  const rows = intField(job, SoftmaxJob.rows);
  const columns = intField(job, SoftmaxJob.columns);
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
  const dOut = pointerField(job, SoftmaxGradJob.dOut);
  const output = pointerField(job, SoftmaxGradJob.output);
  const dInput = pointerField(job, SoftmaxGradJob.dInput);
  const rows = intField(job, SoftmaxGradJob.rows);
  const columns = intField(job, SoftmaxGradJob.columns);
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
  const logits = pointerField(job, SoftmaxCrossEntropyJob.logits);
  const targets = pointerField(job, SoftmaxCrossEntropyJob.targets);
  const probabilities = pointerField(job, SoftmaxCrossEntropyJob.probabilities);
  const losses = pointerField(job, SoftmaxCrossEntropyJob.losses);
  const rows = intField(job, SoftmaxCrossEntropyJob.rows);
  const columns = intField(job, SoftmaxCrossEntropyJob.columns);
  const smoothing = floatField(job, SoftmaxCrossEntropyJob.labelSmoothing);
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
  const probabilities = pointerField(job, SoftmaxCrossEntropyGradJob.probabilities);
  const targets = pointerField(job, SoftmaxCrossEntropyGradJob.targets);
  const dLogits = pointerField(job, SoftmaxCrossEntropyGradJob.dLogits);
  const rows = intField(job, SoftmaxCrossEntropyGradJob.rows);
  const columns = intField(job, SoftmaxCrossEntropyGradJob.columns);
  const scale = floatField(job, SoftmaxCrossEntropyGradJob.scale);
  const smoothing = floatField(job, SoftmaxCrossEntropyGradJob.labelSmoothing);
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
