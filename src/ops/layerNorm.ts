// Layer normalization op over the last axis (the channels of NHWC maps): checks, params, dispatch.
// The kernel also writes each row's mean and 1 / std, which the backward rule reuses.

import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { LayerNormParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { checkNormalizationParams, checkSameDtype } from './checks.js';

/** What the backward rule of layerNormalization needs. */
export interface LayerNormSaved {
  params: LayerNormParams;
  mean: Tensor;
  invStd: Tensor;
}

/**
 * y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, with the mean and (biased) variance of
 * each position's last axis: [..., C] with gamma and beta [C] (PyTorch's LayerNorm(C) on channels-last
 * values, ConvNeXt's LayerNorm2d, ONNX LayerNormalization with axis -1). Throws ShapeError when gamma
 * or beta does not have C values, ValueError for epsilon not positive or differing dtypes.
 *
 * @example
 * layerNormalization(x, gamma, beta, 1e-6); // x: [8, 14, 14, 96], gamma, beta: [96]
 */
export function layerNormalization(
  input: Tensor,
  gamma: Tensor,
  beta: Tensor,
  epsilon = 1e-5,
  name = 'layerNormalization',
): Tensor {
  checkSameDtype(name, input, gamma, beta);
  const columns = input.shape[input.rank - 1] ?? 0;
  const perChannel = [
    ['gamma', gamma],
    ['beta', beta],
  ] as const;
  checkNormalizationParams(name, input, columns, perChannel, epsilon);
  const params: LayerNormParams = { rows: input.size / Math.max(1, columns), columns, epsilon };
  const output = allocateTensor(input.shape, input.dtype, name);
  const mean = allocateTensor([params.rows], input.dtype, name);
  const invStd = allocateTensor([params.rows], input.dtype, name);
  runKernel('LayerNorm', input, gamma, beta, output, mean, invStd, params);
  record<LayerNormSaved>({ id: 'LayerNorm', inputs: [input, gamma, beta], output, saved: { params, mean, invStd } });
  return output;
}

/** dInput, dGamma and dBeta for dOut, from what the forward pass saved. */
export function layerNormalizationGrad(
  dOut: Tensor,
  input: Tensor,
  gamma: Tensor,
  saved: LayerNormSaved,
): [Tensor, Tensor, Tensor] {
  const dInput = allocateTensor(input.shape, dOut.dtype);
  const dGamma = allocateTensor(gamma.shape, dOut.dtype);
  const dBeta = allocateTensor(gamma.shape, dOut.dtype);
  runKernel('LayerNormGrad', dOut, input, gamma, saved.mean, saved.invStd, dInput, dGamma, dBeta, saved.params);
  return [dInput, dGamma, dBeta];
}
