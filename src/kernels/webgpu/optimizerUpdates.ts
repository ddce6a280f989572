// WGSL optimizer updates, in place over flat parameter buffers, one invocation per value, and the two
// kernels of gradient clipping, with the semantics of kernels/js/optimizerUpdates.ts (PyTorch's SGD,
// Adam/AdamW, RMSprop and Adagrad). The step-dependent
// constants (Adam's bias corrections, AdamW's shrink) are computed once on the CPU in float64 and
// passed as float32, so the kernel does not raise beta to the step.

import { ValueError } from '../../core/errors.js';
import type {
  AdagradUpdateParams,
  AdamUpdateParams,
  ClipGradientParams,
  ElementwiseParams,
  RmsPropUpdateParams,
  SgdUpdateParams,
} from '../params.js';
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
  type StorageBinding,
  type UniformField,
} from './kernelEncoder.js';

/**
 * Records SgdUpdate: weights [size] and velocity [size] updated in place from gradient [size]:
 * g = gradient + weightDecay * w; v = momentum * v + g; w -= lr * (nesterov ? g + momentum * v : v);
 * with momentum 0, w -= lr * g and velocity is left alone.
 *
 * @example
 * encodeSgdUpdate(context, encoder, { weights, gradient, velocity }, sgdParams);
 */
export function encodeSgdUpdate(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { weights: GpuBuffer; gradient: GpuBuffer; velocity: GpuBuffer },
  params: SgdUpdateParams,
): void {
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['learningRate', 'f32', params.learningRate],
    ['momentum', 'f32', params.momentum],
    ['isNesterov', 'u32', params.isNesterov ? 1 : 0],
    ['weightDecay', 'f32', params.weightDecay],
  ];
  const body = `
  let g = gradient[index] + params.weightDecay * weights[index];
  if (params.momentum == 0.0) {
    weights[index] -= params.learningRate * g;
    return;
  }
  let v = params.momentum * velocity[index] + g;
  velocity[index] = v;
  weights[index] -= params.learningRate * select(v, g + params.momentum * v, params.isNesterov == 1u);`;
  const pipeline = pipelineFor(context, 'SgdUpdate', () =>
    linearShader(
      fields,
      [
        ['weights', 'read_write', 'f32'],
        ['gradient', 'read', 'f32'],
        ['velocity', 'read_write', 'f32'],
      ],
      'params.size',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.weights, buffers.gradient, buffers.velocity], params.size);
}

/** Buffers of an AdamUpdate call, every one [size]. */
export interface AdamUpdateBuffers {
  /** Updated in place. */
  weights: GpuBuffer;
  gradient: GpuBuffer;
  /** Running mean of gradients, updated in place. */
  firstMoment: GpuBuffer;
  /** Running mean of squared gradients, updated in place. */
  secondMoment: GpuBuffer;
}

/**
 * Records AdamUpdate (Kingma and Ba, 2015) with bias correction, AdamW's decoupled decay as a shrink
 * of w before the step: w = w * shrink - lr * mHat / (sqrt(vHat) + epsilon).
 *
 * @example
 * encodeAdamUpdate(context, encoder, { weights, gradient, firstMoment, secondMoment }, adamParams);
 */
export function encodeAdamUpdate(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: AdamUpdateBuffers,
  params: AdamUpdateParams,
): void {
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['learningRate', 'f32', params.learningRate],
    ['beta1', 'f32', params.beta1],
    ['beta2', 'f32', params.beta2],
    ['epsilon', 'f32', params.epsilon],
    ['weightDecay', 'f32', params.weightDecay],
    ['firstCorrection', 'f32', 1 - params.beta1 ** params.step],
    ['secondCorrection', 'f32', 1 - params.beta2 ** params.step],
    ['shrink', 'f32', 1 - params.learningRate * (params.decoupledWeightDecay ?? 0)],
  ];
  const body = `
  let g = gradient[index] + params.weightDecay * weights[index];
  let m = params.beta1 * firstMoment[index] + (1.0 - params.beta1) * g;
  let v = params.beta2 * secondMoment[index] + (1.0 - params.beta2) * g * g;
  firstMoment[index] = m;
  secondMoment[index] = v;
  weights[index] = weights[index] * params.shrink -
    params.learningRate * (m / params.firstCorrection) / (sqrt(v / params.secondCorrection) + params.epsilon);`;
  const pipeline = pipelineFor(context, 'AdamUpdate', () =>
    linearShader(
      fields,
      [
        ['weights', 'read_write', 'f32'],
        ['gradient', 'read', 'f32'],
        ['firstMoment', 'read_write', 'f32'],
        ['secondMoment', 'read_write', 'f32'],
      ],
      'params.size',
      body,
    ),
  );
  const { weights, gradient, firstMoment, secondMoment } = buffers;
  encodeLinearPass(encoder, pipeline, fields, [weights, gradient, firstMoment, secondMoment], params.size);
}

/** Buffers of an RmsPropUpdate call, every one [size]. */
export interface RmsPropUpdateBuffers {
  /** Updated in place. */
  weights: GpuBuffer;
  gradient: GpuBuffer;
  /** Running mean of squared gradients, updated in place. */
  squareAverage: GpuBuffer;
  /** Updated in place when momentum > 0; else unused (may be null). */
  momentumBuffer: GpuBuffer | null;
  /** Running mean of gradients, updated in place when centered; else unused (may be null). */
  gradientAverage: GpuBuffer | null;
}

/**
 * Records RmsPropUpdate as PyTorch writes it: s = rho s + (1 - rho) g^2; centered: a = rho a + (1 - rho) g
 * and s' = max(s - a^2, 0); step = g / (sqrt(s') + epsilon); with momentum b = momentum b + step, w -= lr b.
 *
 * @example
 * const buffers = { weights, gradient, squareAverage, momentumBuffer: null, gradientAverage: null };
 * encodeRmsPropUpdate(context, encoder, buffers, params);
 */
export function encodeRmsPropUpdate(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: RmsPropUpdateBuffers,
  params: RmsPropUpdateParams,
): void {
  const hasMomentum = params.momentum !== 0;
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['learningRate', 'f32', params.learningRate],
    ['rho', 'f32', params.rho],
    ['epsilon', 'f32', params.epsilon],
    ['momentum', 'f32', params.momentum],
    ['weightDecay', 'f32', params.weightDecay],
  ];
  const bindings: StorageBinding[] = [
    ['weights', 'read_write', 'f32'],
    ['gradient', 'read', 'f32'],
    ['squareAverage', 'read_write', 'f32'],
  ];
  const bound = [buffers.weights, buffers.gradient, buffers.squareAverage];
  if (hasMomentum) {
    bindings.push(['momentumBuffer', 'read_write', 'f32']);
    bound.push(requireBuffer(buffers.momentumBuffer, 'momentumBuffer', 'momentum > 0'));
  }
  if (params.isCentered) {
    bindings.push(['gradientAverage', 'read_write', 'f32']);
    bound.push(requireBuffer(buffers.gradientAverage, 'gradientAverage', 'isCentered'));
  }
  const body = `
  let g = gradient[index] + params.weightDecay * weights[index];
  let s = params.rho * squareAverage[index] + (1.0 - params.rho) * g * g;
  squareAverage[index] = s;
  var meanSquare = s;
  ${
    params.isCentered
      ? `let a = params.rho * gradientAverage[index] + (1.0 - params.rho) * g;
  gradientAverage[index] = a;
  meanSquare = max(s - a * a, 0.0);`
      : ''
  }
  let step = g / (sqrt(meanSquare) + params.epsilon);
  ${
    hasMomentum
      ? `let b = params.momentum * momentumBuffer[index] + step;
  momentumBuffer[index] = b;
  weights[index] -= params.learningRate * b;`
      : 'weights[index] -= params.learningRate * step;'
  }`;
  const pipeline = pipelineFor(context, `RmsPropUpdate:${hasMomentum}:${params.isCentered}`, () =>
    linearShader(fields, bindings, 'params.size', body),
  );
  encodeLinearPass(encoder, pipeline, fields, bound, params.size);
}

function requireBuffer(buffer: GpuBuffer | null, name: string, condition: string): GpuBuffer {
  if (buffer === null) throw new ValueError(`RmsPropUpdate: ${name} is null but ${condition} needs it`);
  return buffer;
}

/**
 * Records AdagradUpdate: g = gradient + weightDecay * w; acc += g^2; w -= lr * g / (sqrt(acc) + epsilon);
 * weights, accumulator [size] updated in place, gradient [size].
 *
 * @example
 * encodeAdagradUpdate(context, encoder, { weights, gradient, accumulator }, params);
 */
export function encodeAdagradUpdate(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { weights: GpuBuffer; gradient: GpuBuffer; accumulator: GpuBuffer },
  params: AdagradUpdateParams,
): void {
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['learningRate', 'f32', params.learningRate],
    ['epsilon', 'f32', params.epsilon],
    ['weightDecay', 'f32', params.weightDecay],
  ];
  const body = `
  let g = gradient[index] + params.weightDecay * weights[index];
  let sum = accumulator[index] + g * g;
  accumulator[index] = sum;
  weights[index] -= params.learningRate * g / (sqrt(sum) + params.epsilon);`;
  const pipeline = pipelineFor(context, 'AdagradUpdate', () =>
    linearShader(
      fields,
      [
        ['weights', 'read_write', 'f32'],
        ['gradient', 'read', 'f32'],
        ['accumulator', 'read_write', 'f32'],
      ],
      'params.size',
      body,
    ),
  );
  encodeLinearPass(encoder, pipeline, fields, [buffers.weights, buffers.gradient, buffers.accumulator], params.size);
}

/**
 * Records SumOfSquares: input [size]; output [1] (overwritten) the sum of squares, by one workgroup
 * (a float32 tree of partial sums, where the reference sums in float64).
 *
 * @example
 * encodeSumOfSquares(context, encoder, { input, output }, { size: 1024 });
 */
export function encodeSumOfSquares(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { input: GpuBuffer; output: GpuBuffer },
  params: ElementwiseParams,
): void {
  const fields: UniformField[] = [['size', 'u32', params.size]];
  const body = `
  var sum = 0.0;
  for (var index = local; index < params.size; index += ${REDUCTION_WORKGROUP}u) {
    sum += inputs[index] * inputs[index];
  }
  let total = workgroupSum(local, sum);
  if (local == 0u) { outputs[0] = total; }`;
  const pipeline = pipelineFor(context, 'SumOfSquares', () =>
    reductionShader(
      fields,
      [
        ['inputs', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ],
      '1u',
      body,
    ),
  );
  encodeReductionPass(encoder, pipeline, fields, [buffers.input, buffers.output], 1);
}

/**
 * Records ClipGradient: gradient [size]; output [size] (overwritten; may be the gradient itself) =
 * clamp(gradient * scale, -clipValue, clipValue), NaN kept.
 *
 * @example
 * encodeClipGradient(context, encoder, { gradient, output: gradient }, { size, scale: 0.5, clipValue: Infinity });
 */
export function encodeClipGradient(
  context: WebGpuContext,
  encoder: KernelEncoder,
  buffers: { gradient: GpuBuffer; output: GpuBuffer },
  params: ClipGradientParams,
): void {
  const isInPlace = buffers.gradient === buffers.output;
  const fields: UniformField[] = [
    ['size', 'u32', params.size],
    ['scale', 'f32', params.scale],
    ['clipValue', 'f32', params.clipValue],
  ];
  const source = isInPlace ? 'outputs' : 'gradient';
  const body = `
  let value = ${source}[index] * params.scale;
  var clipped = value;
  if (value < -params.clipValue) { clipped = -params.clipValue; }
  if (value > params.clipValue) { clipped = params.clipValue; }
  outputs[index] = clipped;`;
  const bindings: StorageBinding[] = isInPlace
    ? [['outputs', 'read_write', 'f32']]
    : [
        ['gradient', 'read', 'f32'],
        ['outputs', 'read_write', 'f32'],
      ];
  const pipeline = pipelineFor(context, `ClipGradient:${isInPlace}`, () =>
    linearShader(fields, bindings, 'params.size', body),
  );
  const bound = isInPlace ? [buffers.output] : [buffers.gradient, buffers.output];
  encodeLinearPass(encoder, pipeline, fields, bound, params.size);
}
