// Batch normalization (Ioffe & Szegedy, 2015) along the last axis (channels in NHWC): each channel is
// centered and scaled by its mean and variance, then by a learned gamma and beta. In training the
// statistics are the batch's own and the gradient flows through them; in inference they are the
// layer's moving averages, constants.

import { record } from '../autograd/recorder.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { RowsParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor, tensorFromHost } from './allocate.js';
import { checkSameDtype } from './checks.js';

/** What the backward rule needs: the statistics used, and whether they were the batch's. */
export interface BatchNormSaved {
  params: RowsParams;
  mean: Tensor;
  variance: Tensor;
  epsilon: number;
  isThroughStatistics: boolean;
}

export interface BatchNormResult {
  output: Tensor;
  /** The statistics used: the batch's (training) or those given. */
  mean: Tensor;
  /** Biased variance (divided by the count), as normalization uses it. */
  variance: Tensor;
}

/**
 * y = gamma * (x - mean) / sqrt(variance + epsilon) + beta per channel of `input` [..., C]. With
 * `statistics` null, mean and variance are computed over every axis but the last (training);
 * otherwise the given ones are used (inference).
 */
export function batchNormalization(
  input: Tensor,
  gamma: Tensor,
  beta: Tensor,
  statistics: { mean: Tensor; variance: Tensor } | null,
  epsilon: number,
  name = 'batchNormalization',
): BatchNormResult {
  checkSameDtype(name, input, gamma, beta);
  const columns = input.shape[input.rank - 1]!;
  for (const [what, tensor] of [
    ['gamma', gamma],
    ['beta', beta],
    ['mean', statistics?.mean],
    ['variance', statistics?.variance],
  ] as const) {
    if (tensor !== undefined && (tensor.rank !== 1 || tensor.shape[0] !== columns)) {
      throw new ShapeError(
        `${name}: ${what} has shape ${formatShape(tensor.shape)} but the input ${formatShape(input.shape)} ` +
          `has ${columns} channels`,
      );
    }
  }
  if (!(epsilon > 0)) throw new ValueError(`${name}: epsilon must be positive, got ${epsilon}`);
  const params: RowsParams = { rows: input.size / columns, columns };
  let mean: Tensor;
  let variance: Tensor;
  if (statistics === null) {
    mean = allocateTensor([columns], input.dtype);
    variance = allocateTensor([columns], input.dtype);
    runKernel('BatchNormStats', input, mean, variance, params);
  } else {
    ({ mean, variance } = statistics);
  }
  // The normalization folds into one multiply-add per value: scale = gamma / std, shift = beta - mean * scale.
  // NOTE: read on the host (a download each on a device backend); a kernel of its own would keep them there.
  const gammaValues = gamma.dataSync();
  const betaValues = beta.dataSync();
  const meanValues = mean.dataSync();
  const varianceValues = variance.dataSync();
  const scale = tensorFromHost([columns], input.dtype, (values) => {
    for (let column = 0; column < columns; column++)
      values[column] = gammaValues[column]! / Math.sqrt(varianceValues[column]! + epsilon);
  });
  const scaleValues = scale.dataSync();
  const shift = tensorFromHost([columns], input.dtype, (values) => {
    for (let column = 0; column < columns; column++)
      values[column] = betaValues[column]! - meanValues[column]! * scaleValues[column]!;
  });
  const output = allocateTensor(input.shape, input.dtype);
  runKernel('BatchNorm', input, scale, shift, output, params);
  record<BatchNormSaved>({
    id: 'BatchNorm',
    inputs: [input, gamma, beta],
    output,
    saved: { params, mean, variance, epsilon, isThroughStatistics: statistics === null },
  });
  return { output, mean, variance };
}

/** dInput, dGamma, dBeta for dOut, given what the forward pass saved. */
export function batchNormalizationGrad(
  dOut: Tensor,
  input: Tensor,
  gamma: Tensor,
  saved: BatchNormSaved,
): [Tensor, Tensor, Tensor] {
  const dInput = allocateTensor(input.shape, input.dtype);
  const dGamma = allocateTensor(gamma.shape, gamma.dtype);
  const dBeta = allocateTensor(gamma.shape, gamma.dtype);
  runKernel('BatchNormGrad', dOut, input, saved.mean, saved.variance, gamma, dInput, dGamma, dBeta, {
    ...saved.params,
    epsilon: saved.epsilon,
    isThroughStatistics: saved.isThroughStatistics,
  });
  return [dInput, dGamma, dBeta];
}
