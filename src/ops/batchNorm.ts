// Batch normalization (Ioffe & Szegedy, 2015) along the last axis (channels in NHWC): each channel is
// centered and scaled by its mean and variance, then by a learned gamma and beta. In training the
// statistics are the batch's own and the gradient flows through them; in inference they are the
// layer's moving averages, constants.

import { record } from '../autograd/recorder.js';
import type { Tensor } from '../core/tensor.js';
import { BROADCAST_RANK, type RowsParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { isDeviceBackend } from '../kernels/registry.js';
import { allocateTensor, tensorFromHost } from './allocate.js';
import { checkNormalizationParams, checkSameDtype } from './checks.js';

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
  const perChannel = [
    ['gamma', gamma],
    ['beta', beta],
    ['mean', statistics?.mean],
    ['variance', statistics?.variance],
  ] as const;
  checkNormalizationParams(name, input, columns, perChannel, epsilon);
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
  const { scale, shift } = isDeviceBackend()
    ? foldOnDevice(gamma, beta, mean, variance, epsilon)
    : foldOnHost(gamma, beta, mean, variance, epsilon);
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

/** Batch norm's folded scale and shift [columns], computed on the host (the CPU backends). */
function foldOnHost(
  gamma: Tensor,
  beta: Tensor,
  mean: Tensor,
  variance: Tensor,
  epsilon: number,
): { scale: Tensor; shift: Tensor } {
  const columns = gamma.size;
  const gammaValues = gamma.dataSync();
  const betaValues = beta.dataSync();
  const meanValues = mean.dataSync();
  const varianceValues = variance.dataSync();
  const scale = tensorFromHost([columns], gamma.dtype, (values) => {
    for (let column = 0; column < columns; column++)
      values[column] = gammaValues[column]! / Math.sqrt(varianceValues[column]! + epsilon);
  });
  const scaleValues = scale.dataSync();
  const shift = tensorFromHost([columns], gamma.dtype, (values) => {
    for (let column = 0; column < columns; column++)
      values[column] = betaValues[column]! - meanValues[column]! * scaleValues[column]!;
  });
  return { scale, shift };
}

/**
 * The same on a device backend, with kernels, so that nothing is read back in the step: scale =
 * gamma * (variance + epsilon)^-1/2 (Add of an uploaded epsilon, Pow, Multiply), shift = beta - mean *
 * scale (Multiply, BroadcastArithmetic's subtract). Equal to foldOnHost within float32 rounding.
 */
function foldOnDevice(
  gamma: Tensor,
  beta: Tensor,
  mean: Tensor,
  variance: Tensor,
  epsilon: number,
): { scale: Tensor; shift: Tensor } {
  const columns = gamma.size;
  const size = { size: columns };
  const epsilons = tensorFromHost([columns], gamma.dtype, (values) => values.fill(epsilon));
  const shifted = allocateTensor([columns], gamma.dtype);
  runKernel('Add', variance, epsilons, shifted, size);
  const inverseStd = allocateTensor([columns], gamma.dtype);
  runKernel('Pow', shifted, inverseStd, { ...size, exponent: -0.5 });
  const scale = allocateTensor([columns], gamma.dtype);
  runKernel('Multiply', gamma, inverseStd, scale, size);
  const meanTimesScale = allocateTensor([columns], gamma.dtype);
  runKernel('Multiply', mean, scale, meanTimesScale, size);
  const shift = allocateTensor([columns], gamma.dtype);
  const strides = [...new Array<number>(BROADCAST_RANK - 1).fill(0), 1];
  runKernel('BroadcastArithmetic', beta, meanTimesScale, shift, {
    operation: 'subtract',
    shape: [...new Array<number>(BROADCAST_RANK - 1).fill(1), columns],
    aStrides: strides,
    bStrides: strides,
  });
  return { scale, shift };
}

/**
 * Moves a moving average toward a batch statistic in place: average = momentum * average + (1 -
 * momentum) * factor * statistic, on a device backend, with the SGD update kernel. SgdUpdate without
 * momentum computes w -= lr * (g + weightDecay * w) = (1 - lr * weightDecay) w - lr g; with g the
 * statistic, lr = -(1 - momentum) * factor and weightDecay = -1 / factor, that is momentum * w + (1 -
 * momentum) * factor * g. `scratch` [size] stands for the velocity the kernel does not read then.
 */
export function updateMovingAverage(average: Tensor, statistic: Tensor, momentum: number, factor: number): void {
  const scratch = allocateTensor(average.shape, average.dtype);
  runKernel('SgdUpdate', average, statistic, scratch, {
    size: average.size,
    learningRate: -(1 - momentum) * factor,
    momentum: 0,
    isNesterov: false,
    weightDecay: -1 / factor,
  });
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
