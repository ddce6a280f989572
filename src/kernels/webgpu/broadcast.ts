// WGSL arithmetic with numpy broadcasting and its gradient's sum over the broadcast axes
// (kernels/js/broadcast.ts), on BROADCAST_RANK axes read through strides (0 along a broadcast axis).
// BroadcastArithmetic: one invocation per output value. ReduceSumTo: one invocation per output value,
// summing the inputs that fall on it in input order, as the reference adds them (no atomics).

import { type ArithmeticOperation, BROADCAST_RANK, type BroadcastParams, type ReduceSumToParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

const AXES = Array.from({ length: BROADCAST_RANK }, (_, axis) => axis);

/** Uniform fields `${name}0` .. `${name}5` of one axis list. */
function axisFields(name: string, values: readonly number[]): UniformField[] {
  return AXES.map((axis) => [`${name}${axis}`, 'u32', values[axis] ?? 0] as const);
}

/** WGSL declaring `var name = array<u32, 6>(params.name0, ...)` (a var, so that a loop may index it). */
function axisArray(name: string): string {
  return `var ${name} = array<u32, ${BROADCAST_RANK}>(${AXES.map((axis) => `params.${name}${axis}`).join(', ')});`;
}

const OPERATIONS: Record<ArithmeticOperation, string> = {
  add: 'left + right',
  subtract: 'left - right',
  multiply: 'left * right',
  divide: 'left / right',
  minimum: 'select(min(left, right), select(left, right, isNan(right)), isNan(left) || isNan(right))',
  maximum: 'select(max(left, right), select(left, right, isNan(right)), isNan(left) || isNan(right))',
  selectionWeight: 'select(select(0.0, 0.5, left == right), 1.0, left > right)',
};

/**
 * Records BroadcastArithmetic: output [params.shape] (overwritten) = a (op) b, each operand read at
 * sum(index[axis] * strides[axis]).
 *
 * @example
 * encodeBroadcastArithmetic(context, encoder, { a, b, output }, broadcastParams);
 */
export function encodeBroadcastArithmetic(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { a: GpuBuffer; b: GpuBuffer; output: GpuBuffer },
  params: BroadcastParams,
): void {
  const size = params.shape.reduce((product, extent) => product * extent, 1);
  const fields: UniformField[] = [
    ['size', 'u32', size],
    ...axisFields('shape', params.shape),
    ...axisFields('aStrides', params.aStrides),
    ...axisFields('bStrides', params.bStrides),
  ];
  const body = `
  ${axisArray('shape')}
  ${axisArray('aStrides')}
  ${axisArray('bStrides')}
  var rest = index;
  var aOffset = 0u;
  var bOffset = 0u;
  for (var axis = ${BROADCAST_RANK - 1}; axis >= 0; axis--) {
    let position = rest % shape[axis];
    rest /= shape[axis];
    aOffset += position * aStrides[axis];
    bOffset += position * bStrides[axis];
  }
  let left = a[aOffset];
  let right = b[bOffset];
  outputs[index] = ${OPERATIONS[params.operation]};`;
  const pipeline = pipelineFor(context, `BroadcastArithmetic:${params.operation}`, () =>
    linearShader(
      fields,
      [
        ['a', 'read', 'f32'],
        ['b', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.size',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.a, buffers.b, buffers.output], size);
}

/**
 * Records ReduceSumTo: input [params.shape]; output (overwritten) read at sum(index[axis] *
 * outStrides[axis]): the sum of the inputs that fall on each output value.
 *
 * @example
 * encodeReduceSumTo(context, encoder, { input, output }, { shape, outStrides });
 */
export function encodeReduceSumTo(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: ReduceSumToParams,
): void {
  const { shape, outStrides } = params;
  // Kept axes (a non-zero output stride) number the invocations; summed axes are each one's loop.
  const keptShape = AXES.map((axis) => (outStrides[axis] === 0 ? 1 : shape[axis]!));
  const summedShape = AXES.map((axis) => (outStrides[axis] === 0 ? shape[axis]! : 1));
  const count = keptShape.reduce((product, extent) => product * extent, 1);
  const summedCount = summedShape.reduce((product, extent) => product * extent, 1);
  const inStrides = AXES.map((axis) => shape.slice(axis + 1).reduce((product, extent) => product * extent, 1));
  const fields: UniformField[] = [
    ['count', 'u32', count],
    ['summedCount', 'u32', summedCount],
    ...axisFields('keptShape', keptShape),
    ...axisFields('summedShape', summedShape),
    ...axisFields('inStrides', inStrides),
    ...axisFields('outStrides', outStrides),
  ];
  const body = `
  ${axisArray('keptShape')}
  ${axisArray('summedShape')}
  ${axisArray('inStrides')}
  ${axisArray('outStrides')}
  var rest = index;
  var inBase = 0u;
  var outOffset = 0u;
  for (var axis = ${BROADCAST_RANK - 1}; axis >= 0; axis--) {
    let position = rest % keptShape[axis];
    rest /= keptShape[axis];
    inBase += position * inStrides[axis];
    outOffset += position * outStrides[axis];
  }
  var sum = 0.0;
  for (var summed = 0u; summed < params.summedCount; summed++) {
    var remaining = summed;
    var inOffset = inBase;
    for (var axis = ${BROADCAST_RANK - 1}; axis >= 0; axis--) {
      inOffset += (remaining % summedShape[axis]) * inStrides[axis];
      remaining /= summedShape[axis];
    }
    sum += inputs[inOffset];
  }
  outputs[outOffset] = sum;`;
  const pipeline = pipelineFor(context, 'ReduceSumTo', () =>
    linearShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      'params.count',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.input, buffers.output], count);
}
