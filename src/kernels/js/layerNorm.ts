// Reference layer normalization (Ba et al., 2016) over the last axis: each row (the channels of one
// pixel in NHWC, ConvNeXt's LayerNorm2d; the features of one example) is normalized by its own mean
// and biased variance, then scaled by gamma and shifted by beta per column.
// Backward, with xhat = (x - mean) * invStd and g = dOut * gamma per row of n columns:
//   dInput = invStd * (g - mean(g) - xhat * mean(g * xhat)),
// the usual normalization gradient (the mean and the variance depend on every value of the row);
// dGamma = sum over rows of dOut * xhat, dBeta = sum over rows of dOut.

import type { FloatArray } from '../../core/dtype.js';
import type { LayerNormParams } from '../params.js';

/**
 * input  [rows, columns]
 * gamma  [columns], beta [columns]
 * output [rows, columns] (overwritten)
 * mean   [rows] (overwritten), invStd [rows] (overwritten): 1 / sqrt(variance + epsilon), for the backward pass
 */
export function layerNorm(
  input: FloatArray,
  gamma: FloatArray,
  beta: FloatArray,
  output: FloatArray,
  mean: FloatArray,
  invStd: FloatArray,
  params: LayerNormParams,
): void {
  const { rows, columns, epsilon } = params;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let sum = 0;
    for (let column = 0; column < columns; column++) sum += input[base + column]!;
    const rowMean = sum / columns;
    let squares = 0;
    for (let column = 0; column < columns; column++) {
      const centred = input[base + column]! - rowMean;
      squares += centred * centred;
    }
    const rowInvStd = 1 / Math.sqrt(squares / columns + epsilon);
    mean[row] = rowMean;
    invStd[row] = rowInvStd;
    for (let column = 0; column < columns; column++) {
      output[base + column] = (input[base + column]! - rowMean) * rowInvStd * gamma[column]! + beta[column]!;
    }
  }
}

/**
 * dOut   [rows, columns]; input [rows, columns]; gamma [columns]; mean, invStd [rows] from layerNorm
 * dInput [rows, columns] (overwritten); dGamma [columns], dBeta [columns] (overwritten)
 */
export function layerNormGrad(
  dOut: FloatArray,
  input: FloatArray,
  gamma: FloatArray,
  mean: FloatArray,
  invStd: FloatArray,
  dInput: FloatArray,
  dGamma: FloatArray,
  dBeta: FloatArray,
  params: LayerNormParams,
): void {
  const { rows, columns } = params;
  dGamma.fill(0);
  dBeta.fill(0);
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    const rowMean = mean[row]!;
    const rowInvStd = invStd[row]!;
    let gradientSum = 0;
    let projection = 0;
    for (let column = 0; column < columns; column++) {
      const normalized = (input[base + column]! - rowMean) * rowInvStd;
      const scaled = dOut[base + column]! * gamma[column]!;
      gradientSum += scaled;
      projection += scaled * normalized;
      dGamma[column]! += dOut[base + column]! * normalized;
      dBeta[column]! += dOut[base + column]!;
    }
    const gradientMean = gradientSum / columns;
    const projectionMean = projection / columns;
    for (let column = 0; column < columns; column++) {
      const normalized = (input[base + column]! - rowMean) * rowInvStd;
      dInput[base + column] =
        rowInvStd * (dOut[base + column]! * gamma[column]! - gradientMean - normalized * projectionMean);
    }
  }
}
