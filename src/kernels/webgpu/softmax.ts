// WGSL softmax, its gradient, and the fused softmax cross-entropy with label smoothing and its
// gradient, over the rows of a [rows, columns] matrix, one invocation per row (the formulas and
// why the fused form stays finite are in kernels/js/softmax.ts). Limits: a row is one invocation's
// loop, which suits class counts (10 to 1,000), not very long rows.

import type { RowsParams, SoftmaxCrossEntropyGradParams, SoftmaxCrossEntropyParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

function rowsFields(params: RowsParams): UniformField[] {
  return [
    ['rows', 'u32', params.rows],
    ['columns', 'u32', params.columns],
  ];
}

/** WGSL of the largest value of a row (columns >= 1), as Math.max folds it: a NaN anywhere wins. */
const ROW_MAX_WGSL = `
fn rowMax(base: u32) -> f32 {
  var largest = logits[base];
  for (var column = 1u; column < params.columns; column++) {
    if (isNan(largest)) { break; }
    let value = logits[base + column];
    if (isNan(value) || value > largest) { largest = value; }
  }
  return largest;
}
`;

/**
 * Records Softmax: logits [rows, columns]; output [rows, columns] (overwritten), each row summing to 1.
 *
 * @example
 * encodeSoftmax(context, encoder, { logits, output }, { rows: 32, columns: 10 });
 */
export function encodeSoftmax(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { logits: GpuBuffer; output: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const body = `
  let base = index * params.columns;
  let largest = rowMax(base);
  var sum = 0.0;
  for (var column = 0u; column < params.columns; column++) {
    let exponential = exp(logits[base + column] - largest);
    outputs[base + column] = exponential;
    sum += exponential;
  }
  for (var column = 0u; column < params.columns; column++) { outputs[base + column] /= sum; }`;
  const pipeline = pipelineFor(context, 'Softmax', () =>
    linearShader(
      fields,
      [
        ['logits', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.rows',
      body,
      ROW_MAX_WGSL,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.logits, buffers.output], params.rows);
}

/**
 * Records SoftmaxGrad: dOut, output (the forward softmax) [rows, columns]; dInput [rows, columns]
 * (overwritten) = output * (dOut - sum(dOut * output)) per row.
 *
 * @example
 * encodeSoftmaxGrad(context, encoder, { dOut, output, dInput }, { rows: 32, columns: 10 });
 */
export function encodeSoftmaxGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; output: GpuBuffer; dInput: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const body = `
  let base = index * params.columns;
  var weighted = 0.0;
  for (var column = 0u; column < params.columns; column++) { weighted += dOut[base + column] * outputs[base + column]; }
  for (var column = 0u; column < params.columns; column++) {
    dInput[base + column] = outputs[base + column] * (dOut[base + column] - weighted);
  }`;
  const pipeline = pipelineFor(context, 'SoftmaxGrad', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['outputs', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'params.rows',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.dOut, buffers.output, buffers.dInput], params.rows);
}

/** Buffers of a SoftmaxCrossEntropy call. */
export interface SoftmaxCrossEntropyBuffers {
  /** [rows, columns] */
  logits: GpuBuffer;
  /** [rows, columns] target probabilities (one-hot for hard labels) */
  targets: GpuBuffer;
  /** [rows, columns] softmax of the logits (overwritten) */
  probabilities: GpuBuffer;
  /** [rows] cross-entropy of each row against the smoothed targets (overwritten) */
  losses: GpuBuffer;
}

/**
 * Records SoftmaxCrossEntropy: probabilities and each row's loss, log-softmax computed as
 * z - max - log(sum exp(z - max)) so no probability is rounded to 0 and then logged.
 *
 * @example
 * encodeSoftmaxCrossEntropy(context, encoder, { logits, targets, probabilities, losses }, { rows, columns });
 */
export function encodeSoftmaxCrossEntropy(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: SoftmaxCrossEntropyBuffers,
  params: SoftmaxCrossEntropyParams,
): void {
  const fields: UniformField[] = [...rowsFields(params), ['smoothing', 'f32', params.labelSmoothing ?? 0]];
  const body = `
  let base = index * params.columns;
  var targetSum = 0.0;
  for (var column = 0u; column < params.columns; column++) { targetSum += targets[base + column]; }
  let spread = params.smoothing * targetSum / f32(params.columns);
  let largest = rowMax(base);
  var sum = 0.0;
  for (var column = 0u; column < params.columns; column++) { sum += exp(logits[base + column] - largest); }
  let logSum = log(sum);
  var loss = 0.0;
  for (var column = 0u; column < params.columns; column++) {
    let logProbability = logits[base + column] - largest - logSum;
    probabilities[base + column] = exp(logProbability);
    let smoothed = (1.0 - params.smoothing) * targets[base + column] + spread;
    if (smoothed != 0.0) { loss -= smoothed * logProbability; }
  }
  losses[index] = loss;`;
  const pipeline = pipelineFor(context, 'SoftmaxCrossEntropy', () =>
    linearShader(
      fields,
      [
        ['logits', 'read', 'f32'],
        ['targets', 'read', 'f32'],
        ['probabilities', 'read_write', 'f32'],
        ['losses', 'read_write', 'f32'],
      ],
      'params.rows',
      body,
      ROW_MAX_WGSL,
    ),
  );
  const bound = [buffers.logits, buffers.targets, buffers.probabilities, buffers.losses];
  encodeLinearPass(encoder, pipeline, fields, bound, params.rows);
}

/**
 * Records SoftmaxCrossEntropyGrad: probabilities, targets [rows, columns]; dLogits [rows, columns]
 * (overwritten) = (probabilities * sum(targets) - smoothed targets) * scale.
 *
 * @example
 * encodeSoftmaxCrossEntropyGrad(context, encoder, { probabilities, targets, dLogits }, { rows, columns, scale });
 */
export function encodeSoftmaxCrossEntropyGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { probabilities: GpuBuffer; targets: GpuBuffer; dLogits: GpuBuffer },
  params: SoftmaxCrossEntropyGradParams,
): void {
  const fields: UniformField[] = [
    ...rowsFields(params),
    ['smoothing', 'f32', params.labelSmoothing ?? 0],
    ['scale', 'f32', params.scale],
  ];
  const body = `
  let base = index * params.columns;
  var targetSum = 0.0;
  for (var column = 0u; column < params.columns; column++) { targetSum += targets[base + column]; }
  let spread = params.smoothing * targetSum / f32(params.columns);
  for (var column = 0u; column < params.columns; column++) {
    let smoothed = (1.0 - params.smoothing) * targets[base + column] + spread;
    dLogits[base + column] = (probabilities[base + column] * targetSum - smoothed) * params.scale;
  }`;
  const pipeline = pipelineFor(context, 'SoftmaxCrossEntropyGrad', () =>
    linearShader(
      fields,
      [
        ['probabilities', 'read', 'f32'],
        ['targets', 'read', 'f32'],
        ['dLogits', 'read_write', 'f32'],
      ],
      'params.rows',
      body,
    ),
  );
  const bound = [buffers.probabilities, buffers.targets, buffers.dLogits];
  encodeLinearPass(encoder, pipeline, fields, bound, params.rows);
}
