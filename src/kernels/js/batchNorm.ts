// Reference batch normalization kernels over a [rows, columns] matrix: each column (channel) is
// normalized with its own statistics; rows are every example and position (N * H * W in NHWC).

import type { FloatArray } from '../../core/dtype.js';
import type { BatchNormGradParams, RowsParams } from '../params.js';

/** mean [columns] and variance [columns] (biased: divided by rows) of each column of input. */
export function batchNormStats(input: FloatArray, mean: FloatArray, variance: FloatArray, params: RowsParams): void {
  const { rows, columns } = params;
  for (let column = 0; column < columns; column++) {
    let sum = 0;
    for (let row = 0; row < rows; row++) sum += input[row * columns + column]!;
    const columnMean = sum / rows;
    let squares = 0;
    for (let row = 0; row < rows; row++) {
      const centered = input[row * columns + column]! - columnMean;
      squares += centered * centered;
    }
    mean[column] = columnMean;
    variance[column] = squares / rows;
  }
}

/** output = input * scale + shift, per column (scale = gamma / sqrt(variance + epsilon)). */
export function batchNorm(
  input: FloatArray,
  scale: FloatArray,
  shift: FloatArray,
  output: FloatArray,
  params: RowsParams,
): void {
  const { rows, columns } = params;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    for (let column = 0; column < columns; column++)
      output[base + column] = input[base + column]! * scale[column]! + shift[column]!;
  }
}

/**
 * Gradients of y = gamma * xhat + beta, xhat = (x - mean) / sqrt(variance + epsilon):
 * dBeta = sum dy, dGamma = sum dy * xhat, and
 * dx = gamma / sqrt(variance + epsilon) * (dy - (dBeta + xhat * dGamma) / rows) when the statistics
 * are the batch's own (training), or gamma / sqrt(variance + epsilon) * dy when they are constants.
 */
export function batchNormGrad(
  dOut: FloatArray,
  input: FloatArray,
  mean: FloatArray,
  variance: FloatArray,
  gamma: FloatArray,
  dInput: FloatArray,
  dGamma: FloatArray,
  dBeta: FloatArray,
  params: BatchNormGradParams,
): void {
  const { rows, columns, epsilon, isThroughStatistics } = params;
  for (let column = 0; column < columns; column++) {
    const inverseStd = 1 / Math.sqrt(variance[column]! + epsilon);
    const columnMean = mean[column]!;
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let row = 0; row < rows; row++) {
      const at = row * columns + column;
      sumDy += dOut[at]!;
      sumDyXhat += dOut[at]! * (input[at]! - columnMean) * inverseStd;
    }
    dBeta[column] = sumDy;
    dGamma[column] = sumDyXhat;
    const factor = gamma[column]! * inverseStd;
    for (let row = 0; row < rows; row++) {
      const at = row * columns + column;
      const correction = isThroughStatistics ? (sumDy + (input[at]! - columnMean) * inverseStd * sumDyXhat) / rows : 0;
      dInput[at] = factor * (dOut[at]! - correction);
    }
  }
}
