// WGSL bias kernels over a [rows, columns] matrix (kernels/js/elementwise.ts): BiasAdd, one
// invocation per value; BiasAddGrad and ClipBiasAddGrad, one workgroup per column summing its rows.

import type { ClipBiasAddGradParams, RowsParams } from '../params.js';
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
 * Records BiasAdd: input [rows, columns], bias [columns], output [rows, columns] (overwritten, a
 * buffer of its own).
 *
 * @example
 * encodeBiasAdd(context, encoder, { input, bias, output }, { rows: 32, columns: 10 });
 */
export function encodeBiasAdd(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; bias: GpuBuffer; output: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const pipeline = pipelineFor(context, 'BiasAdd', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['bias', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.rows * params.columns',
      '  outputs[index] = inputs[index] + bias[index % params.columns];',
    ),
  );
  const bound = [buffers.input, buffers.bias, buffers.output];
  encodeLinearPass(encoder, pipeline, fields, bound, params.rows * params.columns);
}

/**
 * Records BiasAddGrad: dOut [rows, columns]; dBias [columns] (overwritten) the column sums of dOut.
 *
 * @example
 * encodeBiasAddGrad(context, encoder, { dOut, dBias }, { rows: 32, columns: 10 });
 */
export function encodeBiasAddGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; dBias: GpuBuffer },
  params: RowsParams,
): void {
  const fields = rowsFields(params);
  const body = `
  var sum = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) { sum += dOut[row * params.columns + slot]; }
  let total = workgroupSum(local, sum);
  if (local == 0u) { dBias[slot] = total; }`;
  const pipeline = pipelineFor(context, 'BiasAddGrad', () =>
    reductionShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['dBias', 'read_write', 'f32'],
      ],
      'params.columns',
      body,
    ),
  );
  encodeReductionPass(encoder, pipeline, fields, [buffers.dOut, buffers.dBias], params.columns);
}

/**
 * Records ClipBiasAddGrad: dOut, output [rows, columns]; dInput [rows, columns] (overwritten) dOut
 * where min < output < max, else 0; dBias [columns] (overwritten) the column sums of dInput.
 *
 * @example
 * encodeClipBiasAddGrad(context, encoder, { dOut, output, dInput, dBias }, { rows, columns, min: 0, max: Infinity });
 */
export function encodeClipBiasAddGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; output: GpuBuffer; dInput: GpuBuffer; dBias: GpuBuffer },
  params: ClipBiasAddGradParams,
): void {
  const fields: UniformField[] = [...rowsFields(params), ['min', 'f32', params.min], ['max', 'f32', params.max]];
  const body = `
  var sum = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let at = row * params.columns + slot;
    let value = outputs[at];
    let gradient = select(0.0, dOut[at], params.min < value && value < params.max);
    dInput[at] = gradient;
    sum += gradient;
  }
  let total = workgroupSum(local, sum);
  if (local == 0u) { dBias[slot] = total; }`;
  const pipeline = pipelineFor(context, 'ClipBiasAddGrad', () =>
    reductionShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['outputs', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
        ['dBias', 'read_write', 'f32'],
      ],
      'params.columns',
      body,
    ),
  );
  const bound = [buffers.dOut, buffers.output, buffers.dInput, buffers.dBias];
  encodeReductionPass(encoder, pipeline, fields, bound, params.columns);
}
