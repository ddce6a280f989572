// WGSL elementwise and bias kernels (kernels/js/elementwise.ts): Add, Multiply, CopyColumns and
// BiasAdd, one invocation per value; BiasAddGrad and ClipBiasAddGrad over a [rows, columns] matrix,
// one workgroup per column summing its rows.

import type { ClipBiasAddGradParams, CopyColumnsParams, ElementwiseParams, RowsParams } from '../params.js';
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
 * Records ClipBiasAddGrad: dOut, output [rows, columns]; dInput [rows, columns] (overwritten) dOut (+ addend, where
 * given) where min < output < max, else 0; dBias [columns] (overwritten) the column sums of dInput.
 *
 * @example
 * encodeClipBiasAddGrad(context, encoder, { dOut, output, dInput, dBias, addend: null }, { rows, columns, min: 0, max: Infinity });
 */
export function encodeClipBiasAddGrad(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { dOut: GpuBuffer; output: GpuBuffer; dInput: GpuBuffer; dBias: GpuBuffer; addend: GpuBuffer | null },
  params: ClipBiasAddGradParams,
): void {
  const fields: UniformField[] = [...rowsFields(params), ['min', 'f32', params.min], ['max', 'f32', params.max]];
  const hasAddend = buffers.addend !== null;
  const body = `
  var sum = 0.0;
  for (var row = local; row < params.rows; row += ${REDUCTION_WORKGROUP}u) {
    let at = row * params.columns + slot;
    let value = outputs[at];
    let gradient = select(0.0, dOut[at]${hasAddend ? ' + addend[at]' : ''}, params.min < value && value < params.max);
    dInput[at] = gradient;
    sum += gradient;
  }
  let total = workgroupSum(local, sum);
  if (local == 0u) { dBias[slot] = total; }`;
  const pipeline = pipelineFor(context, hasAddend ? 'ClipBiasAddGradSum' : 'ClipBiasAddGrad', () =>
    reductionShader(
      fields,
      [
        ['dOut', 'read', 'f32'],
        ['outputs', 'read', 'f32'],
        ['dInput', 'read_write', 'f32'],
        ['dBias', 'read_write', 'f32'],
        ...(hasAddend ? [['addend', 'read', 'f32'] as const] : []),
      ],
      'params.columns',
      body,
    ),
  );
  const bound = [buffers.dOut, buffers.output, buffers.dInput, buffers.dBias, ...(hasAddend ? [buffers.addend!] : [])];
  encodeReductionPass(encoder, pipeline, fields, bound, params.columns);
}

/**
 * Records Add or Multiply: a [size], b [size]; output [size] (overwritten) = a + b or a * b. Unlike
 * the reference, output may not alias a or b (WebGPU forbids a written binding that aliases another).
 *
 * @example
 * encodeArithmetic(context, encoder, 'Add', { a, b, output }, { size: 1024 });
 */
export function encodeArithmetic(
  context: WebGpuContext,
  encoder: KernelEncoder,
  id: 'Add' | 'Multiply',
  buffers: { a: GpuBuffer; b: GpuBuffer; output: GpuBuffer },
  params: ElementwiseParams,
): void {
  const fields: UniformField[] = [['size', 'u32', params.size]];
  const operator = id === 'Add' ? '+' : '*';
  const pipeline = pipelineFor(context, id, () =>
    linearShader(
      fields,
      [
        ['a', 'read', 'f32'],
        ['b', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.size',
      `  outputs[index] = a[index] ${operator} b[index];`,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.a, buffers.b, buffers.output], params.size);
}

/**
 * Records CopyColumns: source columns [sourceOffset, + columns) of rows of sourceStride values go to
 * destination columns [destinationOffset, + columns) of rows of destinationStride values; the rest of
 * destination is left alone (concatenation and its gradient).
 *
 * @example
 * encodeCopyColumns(context, encoder, { source, destination }, copyParams);
 */
export function encodeCopyColumns(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { source: GpuBuffer; destination: GpuBuffer },
  params: CopyColumnsParams,
): void {
  const fields: UniformField[] = [
    ['rows', 'u32', params.rows],
    ['columns', 'u32', params.columns],
    ['sourceStride', 'u32', params.sourceStride],
    ['sourceOffset', 'u32', params.sourceOffset],
    ['destinationStride', 'u32', params.destinationStride],
    ['destinationOffset', 'u32', params.destinationOffset],
  ];
  const body = `
  let row = index / params.columns;
  let column = index % params.columns;
  destination[row * params.destinationStride + params.destinationOffset + column] =
    source[row * params.sourceStride + params.sourceOffset + column];`;
  const pipeline = pipelineFor(context, 'CopyColumns', () =>
    linearShader(
      fields,
      [
        ['source', 'read', 'f32'],
        ['destination', 'read_write', 'f32'],
      ],
      'params.rows * params.columns',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.source, buffers.destination], params.rows * params.columns);
}
