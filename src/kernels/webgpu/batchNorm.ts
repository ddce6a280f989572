// WGSL batch normalization over a [rows, columns] matrix, each column (channel) with its own
// statistics, as in kernels/js/batchNorm.ts: BatchNormStats (mean, then the biased variance about it,
// one workgroup per column), BatchNorm (input * scale + shift, one invocation per value) and
// BatchNormGrad (one workgroup per column: the two column sums, then every row's dInput).

import type { BatchNormGradParams, RowsParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import {
  encodeLinearPass,
  encodeReductionPass,
  type KernelEncoder,
  linearShader,
  pipelineFor,
  REDUCTION_WORKGROUP,
  reductionShader,
  type UniformField,
} from './kernelEncoder.js';

function rowsFields(params: RowsParams): UniformField[] {
  return [
    ['rows', 'u32', params.rows],
    ['columns', 'u32', params.columns],
  ];
}

/**
 * Records BatchNormStats: input [rows, columns]; mean [columns] and variance [columns] (overwritten;
 * biased, divided by rows), two passes over each column as the reference makes them.
 *
 * @example
 * encodeBatchNormStats(context, encoder, { input, mean, variance }, { rows: 512, columns: 16 });
 */
export function encodeBatchNormStats(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; mean: GpuBuffer; variance: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const body = `
  var sum = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    sum += inputs[row * params.columns + slot];
  }
  let columnMean = workgroupSum(local, sum) / f32(params.rows);
  var squares = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let centered = inputs[row * params.columns + slot] - columnMean;
    squares += centered * centered;
  }
  let columnVariance = workgroupSum(local, squares) / f32(params.rows);
  if (local == 0u) {
    mean[slot] = columnMean;
    variance[slot] = columnVariance;
  }`;
  const pipeline = pipelineFor(context, 'BatchNormStats', () =>
    reductionShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['mean', 'read_write', 'f32'],
        ['variance', 'read_write', 'f32'],
      ],
      'params.columns',
      body,
    ),
  );
  encodeReductionPass(encoder, pipeline, fields, [buffers.input, buffers.mean, buffers.variance], params.columns);
}

/**
 * Records BatchNorm: input [rows, columns], scale [columns], shift [columns]; output [rows, columns]
 * (overwritten) = input * scale + shift.
 *
 * @example
 * encodeBatchNorm(context, encoder, { input, scale, shift, output }, { rows: 512, columns: 16 });
 */
export function encodeBatchNorm(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; scale: GpuBuffer; shift: GpuBuffer; output: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const pipeline = pipelineFor(context, 'BatchNorm', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['scale', 'read', 'f32'],
        ['shift', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.rows * params.columns',
      '  let column = index % params.columns;\n  outputs[index] = inputs[index] * scale[column] + shift[column];',
    ),
  );
  const bound = [buffers.input, buffers.scale, buffers.shift, buffers.output];
  encodeLinearPass(encoder, pipeline, fields, bound, params.rows * params.columns);
}

/** Buffers of a BatchNormGrad call. */
export interface BatchNormGradBuffers {
  /** [rows, columns] */
  dOut: GpuBuffer;
  /** [rows, columns] the forward input */
  input: GpuBuffer;
  /** [columns] */
  mean: GpuBuffer;
  /** [columns] */
  variance: GpuBuffer;
  /** [columns] */
  gamma: GpuBuffer;
  /** [rows, columns] (overwritten) */
  dInput: GpuBuffer;
  /** [columns] (overwritten) sum of dOut * xhat */
  dGamma: GpuBuffer;
  /** [columns] (overwritten) sum of dOut */
  dBeta: GpuBuffer;
}

/**
 * Records BatchNormGrad: dBeta = sum dy, dGamma = sum dy * xhat, and dx = gamma / sqrt(variance +
 * epsilon) * (dy - (dBeta + xhat * dGamma) / rows) through the statistics, or without the correction
 * when they are constants (isThroughStatistics false).
 *
 * @example
 * encodeBatchNormGrad(context, encoder, buffers, { rows, columns, epsilon: 1e-5, isThroughStatistics: true });
 */
export function encodeBatchNormGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: BatchNormGradBuffers,
  params: BatchNormGradParams,
): void {
  const fields: UniformField[] = [
    ...rowsFields(params),
    ['epsilon', 'f32', params.epsilon],
    ['isThroughStatistics', 'u32', params.isThroughStatistics ? 1 : 0],
  ];
  const body = `
  let inverseStd = 1.0 / sqrt(variance[slot] + params.epsilon);
  let columnMean = mean[slot];
  var partialDy = 0.0;
  var partialDyXhat = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let at = row * params.columns + slot;
    partialDy += dOut[at];
    partialDyXhat += dOut[at] * (inputs[at] - columnMean) * inverseStd;
  }
  let sumDy = workgroupSum(local, partialDy);
  let sumDyXhat = workgroupSum(local, partialDyXhat);
  if (local == 0u) {
    dBeta[slot] = sumDy;
    dGamma[slot] = sumDyXhat;
  }
  let factor = gamma[slot] * inverseStd;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let at = row * params.columns + slot;
    var correction = 0.0;
    if (params.isThroughStatistics == 1u) {
      correction = (sumDy + (inputs[at] - columnMean) * inverseStd * sumDyXhat) / f32(params.rows);
    }
    dInput[at] = factor * (dOut[at] - correction);
  }`;
  const pipeline = pipelineFor(context, 'BatchNormGrad', () =>
    reductionShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['inputs', 'read', 'f32'],
        ['mean', 'read', 'f32'],
        ['variance', 'read', 'f32'],
        ['gamma', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
        ['dGamma', 'read_write', 'f32'],
        ['dBeta', 'read_write', 'f32'],
      ],
      'params.columns',
      body,
    ),
  );
  const { dOut, input, mean, variance, gamma, dInput, dGamma, dBeta } = buffers;
  encodeReductionPass(
    encoder,
    pipeline,
    fields,
    [dOut, input, mean, variance, gamma, dInput, dGamma, dBeta],
    params.columns,
  );
}
