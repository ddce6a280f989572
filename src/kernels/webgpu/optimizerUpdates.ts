// WGSL optimizer updates, in place over flat parameter buffers, one invocation per value, with the
// semantics of kernels/js/optimizerUpdates.ts (PyTorch's SGD and Adam/AdamW). The step-dependent
// constants (Adam's bias corrections, AdamW's shrink) are computed once on the CPU in float64 and
// passed as float32, so the kernel does not raise beta to the step.

import type { AdamUpdateParams, SgdUpdateParams } from '../params.js';
import type { WebGpuContext } from './device.js';
import type { GpuBuffer } from './gpuTypes.js';
import { encodeLinearPass, type KernelEncoder, linearShader, pipelineFor, type UniformField } from './kernelEncoder.js';

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
