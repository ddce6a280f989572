// Softmax over the last axis, and the fused softmax cross-entropy used as the training loss.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import { BROADCAST_RANK, type RowsParams, type SoftmaxCrossEntropyParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { isDeviceBackend } from '../kernels/registry.js';
import { allocateTensor, tensorFromHost } from './allocate.js';
import { checkRank, checkSameDtype, checkSameShape } from './checks.js';

function rowsOf(tensor: Tensor): RowsParams {
  const columns = tensor.shape[tensor.rank - 1]!;
  return { rows: tensor.size / columns, columns };
}

/** Softmax over the last axis: each row becomes probabilities summing to 1. */
export function softmax(logits: Tensor): Tensor {
  const params = rowsOf(logits);
  const output = allocateTensor(logits.shape, logits.dtype);
  runKernel('Softmax', logits, output, params);
  record({ id: 'Softmax', inputs: [logits], output, saved: params });
  return output;
}

export function softmaxGrad(dOut: Tensor, output: Tensor): Tensor {
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  runKernel('SoftmaxGrad', dOut, output, dInput, rowsOf(dOut));
  return dInput;
}

/** What the fused loss saves for its backward pass. */
export interface SoftmaxCrossEntropySaved {
  params: SoftmaxCrossEntropyParams;
  probabilities: Tensor;
  targets: Tensor;
}

/** Options of softmaxCrossEntropy. */
export interface SoftmaxCrossEntropyOptions {
  /**
   * Label smoothing in [0, 1]: the targets t count as (1 - labelSmoothing) t + labelSmoothing / classes
   * (for rows summing to 1), as in PyTorch's CrossEntropyLoss(label_smoothing). Default 0.
   */
  labelSmoothing?: number | undefined;
}

/**
 * Mean cross-entropy between softmax(logits) and target probabilities, both [rows, classes], as a
 * scalar tensor; computed from the logits in one step so it stays finite (kernels/js/softmax.ts).
 * Also returns the probabilities and per-row losses it computed on the way. Throws ShapeError when
 * the shapes differ, ValueError for a labelSmoothing outside [0, 1].
 *
 * @example
 * const { loss } = softmaxCrossEntropy(logits, oneHotTargets, { labelSmoothing: 0.1 });
 * loss.dataSync()[0]; // mean over the rows
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: SoftmaxCrossEntropyOptions = {},
): { loss: Tensor; probabilities: Tensor; rowLosses: Tensor } {
  checkRank(logits, 2, 'softmaxCrossEntropy: logits', '[rows, classes]');
  checkSameShape('softmaxCrossEntropy: logits and targets', logits, targets);
  checkSameDtype('softmaxCrossEntropy: logits and targets', logits, targets);
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new ValueError(`softmaxCrossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  const params: SoftmaxCrossEntropyParams =
    labelSmoothing === 0 ? rowsOf(logits) : { ...rowsOf(logits), labelSmoothing };
  const probabilities = allocateTensor(logits.shape, logits.dtype);
  const rowLosses = allocateTensor([params.rows], logits.dtype);
  runKernel('SoftmaxCrossEntropy', logits, targets, probabilities, rowLosses, params);
  const loss = isDeviceBackend() ? deviceMean(rowLosses) : hostMean(rowLosses);
  record<SoftmaxCrossEntropySaved>({
    id: 'SoftmaxCrossEntropy',
    inputs: [logits, null],
    output: loss,
    saved: { params, probabilities, targets },
  });
  return { loss, probabilities, rowLosses };
}

/** The mean of `values` [rows] as a [] tensor, summed in float64 on the host (the CPU backends). */
function hostMean(values: Tensor): Tensor {
  const rowLossValues = values.dataSync();
  let sum = 0;
  for (let row = 0; row < values.size; row++) sum += rowLossValues[row]!;
  return tensorFromHost([], values.dtype, (mean) => {
    mean[0] = sum / values.size;
  });
}

/**
 * The mean of `values` [rows] as a [] tensor on a device backend, where reading the values back would
 * stall the step: their sum (ReduceSumTo, in float32) times 1 / rows (Multiply by an uploaded factor).
 */
function deviceMean(values: Tensor): Tensor {
  const shape = [...new Array<number>(BROADCAST_RANK - 1).fill(1), values.size];
  const sum = allocateTensor([], values.dtype);
  runKernel('ReduceSumTo', values, sum, { shape, outStrides: new Array<number>(BROADCAST_RANK).fill(0) });
  const factor = tensorFromHost([], values.dtype, (factorValues) => {
    factorValues[0] = 1 / values.size;
  });
  const mean = allocateTensor([], values.dtype);
  runKernel('Multiply', sum, factor, mean, { size: 1 });
  return mean;
}

/** Gradient of the mean loss with respect to the logits, scaled by the upstream gradient dLoss. */
export function softmaxCrossEntropyGrad(dLoss: Tensor, saved: SoftmaxCrossEntropySaved): Tensor {
  const dLogits = allocateTensor(saved.probabilities.shape, saved.probabilities.dtype);
  const scale = dLoss.dataSync()[0]! / saved.params.rows;
  runKernel('SoftmaxCrossEntropyGrad', saved.probabilities, saved.targets, dLogits, {
    ...saved.params,
    scale,
  });
  return dLogits;
}
