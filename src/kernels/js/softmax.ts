// Reference softmax and fused softmax cross-entropy over the rows of a [rows, classes] matrix.
// Fusing keeps the loss finite: log softmax(z)_j = z_j - max(z) - log(sum_i exp(z_i - max(z))),
// so no probability is ever rounded to 0 and then logged. Its gradient with respect to the logits is
// softmax(z) * sum(t) - t for a target row t (= p - t for a one-hot or probability target).
// Label smoothing epsilon replaces t by t' = (1 - epsilon) t + epsilon sum(t) / columns, which has the
// same sum, so the loss is -sum_j t'_j log p_j and its gradient p sum(t) - t': one formula for both.

import type { FloatArray } from '../../core/dtype.js';
import type { RowsParams, SoftmaxCrossEntropyGradParams, SoftmaxCrossEntropyParams } from '../params.js';

/** logits [rows, columns], output [rows, columns] (overwritten): each row sums to 1. */
export function softmax(logits: FloatArray, output: FloatArray, params: RowsParams): void {
  const { rows, columns } = params;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let max = -Infinity;
    for (let column = 0; column < columns; column++) max = Math.max(max, logits[base + column]!);
    let sum = 0;
    for (let column = 0; column < columns; column++) {
      const exponential = Math.exp(logits[base + column]! - max);
      output[base + column] = exponential;
      sum += exponential;
    }
    for (let column = 0; column < columns; column++) output[base + column]! /= sum;
  }
}

/**
 * dOut   [rows, columns]
 * output [rows, columns] the forward softmax
 * dInput [rows, columns] (overwritten): dInput_j = p_j * (dOut_j - sum_i dOut_i * p_i), the softmax Jacobian applied to
 * dOut
 */
export function softmaxGrad(dOut: FloatArray, output: FloatArray, dInput: FloatArray, params: RowsParams): void {
  const { rows, columns } = params;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let dot = 0;
    for (let column = 0; column < columns; column++) dot += dOut[base + column]! * output[base + column]!;
    for (let column = 0; column < columns; column++) {
      dInput[base + column] = output[base + column]! * (dOut[base + column]! - dot);
    }
  }
}

/**
 * logits        [rows, columns]
 * targets       [rows, columns] target probabilities (one-hot for hard labels)
 * probabilities [rows, columns] softmax of the logits (overwritten), kept for the gradient
 * losses        [rows] cross-entropy of each row (overwritten), against the smoothed targets
 */
export function softmaxCrossEntropy(
  logits: FloatArray,
  targets: FloatArray,
  probabilities: FloatArray,
  losses: FloatArray,
  params: SoftmaxCrossEntropyParams,
): void {
  const { rows, columns } = params;
  const smoothing = params.labelSmoothing ?? 0;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let targetSum = 0;
    for (let column = 0; column < columns; column++) targetSum += targets[base + column]!;
    const spread = (smoothing * targetSum) / columns;
    let max = -Infinity;
    for (let column = 0; column < columns; column++) max = Math.max(max, logits[base + column]!);
    let sum = 0;
    for (let column = 0; column < columns; column++) sum += Math.exp(logits[base + column]! - max);
    const logSum = Math.log(sum);
    let loss = 0;
    for (let column = 0; column < columns; column++) {
      const logProbability = logits[base + column]! - max - logSum;
      probabilities[base + column] = Math.exp(logProbability);
      const target = (1 - smoothing) * targets[base + column]! + spread;
      if (target !== 0) loss -= target * logProbability;
    }
    losses[row] = loss;
  }
}

/**
 * probabilities [rows, columns] from softmaxCrossEntropy
 * targets       [rows, columns]
 * dLogits       [rows, columns] (overwritten): (probabilities * sum(targets) - smoothed targets) * scale
 */
export function softmaxCrossEntropyGrad(
  probabilities: FloatArray,
  targets: FloatArray,
  dLogits: FloatArray,
  params: SoftmaxCrossEntropyGradParams,
): void {
  const { rows, columns, scale } = params;
  const smoothing = params.labelSmoothing ?? 0;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let targetSum = 0;
    for (let column = 0; column < columns; column++) targetSum += targets[base + column]!;
    const spread = (smoothing * targetSum) / columns;
    for (let column = 0; column < columns; column++) {
      const target = (1 - smoothing) * targets[base + column]! + spread;
      dLogits[base + column] = (probabilities[base + column]! * targetSum - target) * scale;
    }
  }
}
