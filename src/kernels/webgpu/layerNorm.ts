// WGSL layer normalization over the rows of a [rows, columns] matrix and its gradient, with the
// reference's formulas (derivation in kernels/js/layerNorm.ts). Forward and dInput: one invocation
// per row; dGamma and dBeta, sums over rows: one workgroup per column, in a second pass of the same call.

import type { LayerNormParams } from '../params.js';
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

function fieldsOf(params: LayerNormParams): UniformField[] {
  return [
    ['rows', 'u32', params.rows],
    ['columns', 'u32', params.columns],
    ['epsilon', 'f32', params.epsilon],
  ];
}

/** Buffers of a LayerNorm call. */
export interface LayerNormBuffers {
  /** [rows, columns] */
  input: GpuBuffer;
  /** [columns] */
  gamma: GpuBuffer;
  /** [columns] */
  beta: GpuBuffer;
  /** [rows, columns] (overwritten) */
  output: GpuBuffer;
  /** [rows] (overwritten) */
  mean: GpuBuffer;
  /** [rows] (overwritten) 1 / sqrt(variance + epsilon) */
  invStd: GpuBuffer;
}

/**
 * Records LayerNorm: each row normalized by its own mean and biased variance, then scaled by gamma
 * and shifted by beta per column; mean and invStd kept for the gradient.
 *
 * @example
 * encodeLayerNorm(context, encoder, { input, gamma, beta, output, mean, invStd }, { rows, columns, epsilon: 1e-5 });
 */
export function encodeLayerNorm(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: LayerNormBuffers,
  params: LayerNormParams,
): void {
  const fields = fieldsOf(params);
  const body = `
  let base = index * params.columns;
  var sum = 0.0;
  for (var column = 0u; column < params.columns; column++) { sum += inputs[base + column]; }
  let rowMean = sum / f32(params.columns);
  var squares = 0.0;
  for (var column = 0u; column < params.columns; column++) {
    let centred = inputs[base + column] - rowMean;
    squares += centred * centred;
  }
  let rowInvStd = 1.0 / sqrt(squares / f32(params.columns) + params.epsilon);
  mean[index] = rowMean;
  invStd[index] = rowInvStd;
  for (var column = 0u; column < params.columns; column++) {
    outputs[base + column] = (inputs[base + column] - rowMean) * rowInvStd * gamma[column] + beta[column];
  }`;
  const pipeline = pipelineFor(context, 'LayerNorm', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['gamma', 'read', 'f32'],
        ['beta', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
        ['mean', 'read_write', 'f32'],
        ['invStd', 'read_write', 'f32'],
      ],
      'params.rows',
      body,
    ),
  );
  const { input, gamma, beta, output, mean, invStd } = buffers;
  encodeLinearPass(encoder, pipeline, fields, [input, gamma, beta, output, mean, invStd], params.rows);
}

/** Buffers of a LayerNormGrad call. */
export interface LayerNormGradBuffers {
  /** [rows, columns] */
  dOut: GpuBuffer;
  /** [rows, columns] */
  input: GpuBuffer;
  /** [columns] */
  gamma: GpuBuffer;
  /** [rows] from LayerNorm */
  mean: GpuBuffer;
  /** [rows] from LayerNorm */
  invStd: GpuBuffer;
  /** [rows, columns] (overwritten) */
  dInput: GpuBuffer;
  /** [columns] (overwritten) */
  dGamma: GpuBuffer;
  /** [columns] (overwritten) */
  dBeta: GpuBuffer;
}

/**
 * Records LayerNormGrad: dInput = invStd * (g - mean(g) - xhat * mean(g * xhat)) per row, g = dOut *
 * gamma; dGamma = sum over rows of dOut * xhat, dBeta = sum over rows of dOut (two passes).
 *
 * @example
 * encodeLayerNormGrad(context, encoder, buffers, { rows, columns, epsilon: 1e-5 });
 */
export function encodeLayerNormGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: LayerNormGradBuffers,
  params: LayerNormParams,
): void {
  const fields = fieldsOf(params);
  const rowBody = `
  let base = index * params.columns;
  let rowMean = mean[index];
  let rowInvStd = invStd[index];
  var gradientSum = 0.0;
  var projection = 0.0;
  for (var column = 0u; column < params.columns; column++) {
    let normalized = (inputs[base + column] - rowMean) * rowInvStd;
    let scaled = dOut[base + column] * gamma[column];
    gradientSum += scaled;
    projection += scaled * normalized;
  }
  let gradientMean = gradientSum / f32(params.columns);
  let projectionMean = projection / f32(params.columns);
  for (var column = 0u; column < params.columns; column++) {
    let normalized = (inputs[base + column] - rowMean) * rowInvStd;
    let scaled = dOut[base + column] * gamma[column];
    dInput[base + column] = rowInvStd * (scaled - gradientMean - normalized * projectionMean);
  }`;
  const rowPipeline = pipelineFor(context, 'LayerNormGrad:rows', () =>
    linearShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['inputs', 'read', 'f32'],
        ['gamma', 'read', 'f32'],
        ['mean', 'read', 'f32'],
        ['invStd', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
      ],
      'params.rows',
      rowBody,
    ),
  );
  const { dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta } = buffers;
  encodeLinearPass(encoder, rowPipeline, fields, [dOut, input, gamma, mean, invStd, dInput], params.rows);
  const columnBody = `
  var partialGamma = 0.0;
  var partialBeta = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let at = row * params.columns + slot;
    partialGamma += dOut[at] * (inputs[at] - mean[row]) * invStd[row];
    partialBeta += dOut[at];
  }
  let sumGamma = workgroupSum(local, partialGamma);
  let sumBeta = workgroupSum(local, partialBeta);
  if (local == 0u) {
    dGamma[slot] = sumGamma;
    dBeta[slot] = sumBeta;
  }`;
  const columnPipeline = pipelineFor(context, 'LayerNormGrad:columns', () =>
    reductionShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['inputs', 'read', 'f32'],
        ['mean', 'read', 'f32'],
        ['invStd', 'read', 'f32'],
        ['dGamma', 'read_write', 'f32'],
        ['dBeta', 'read_write', 'f32'],
      ],
      'params.columns',
      columnBody,
    ),
  );
  encodeReductionPass(encoder, columnPipeline, fields, [dOut, input, mean, invStd, dGamma, dBeta], params.columns);
}
