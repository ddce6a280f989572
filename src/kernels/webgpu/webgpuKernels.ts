// Every kernel id's WGSL kernel, bound once in one table with the positional arguments of
// KernelSignatures (registry.ts), GPUBuffers in place of typed arrays: what a WebGPU backend registers.
// The type checks the table against the signatures, so a kernel whose buffers or params drift from
// the reference's fails to compile. Limits: float32 only; a written buffer may not alias another
// argument (WebGPU forbids it), except ClipGradient's output, which may be its gradient.

import type { DType } from '../../core/dtype.js';
import type { KernelId } from '../ids.js';
import { expansionParams, projectionParams } from '../params.js';
import type { KernelSignatures } from '../registry.js';
import { encodeActivation, encodeActivationGrad } from './activations.js';
import { encodeAvgPool2D, encodeAvgPool2DBackprop } from './avgPool2d.js';
import { encodeBatchNorm, encodeBatchNormGrad, encodeBatchNormStats } from './batchNorm.js';
import { encodeBroadcastArithmetic, encodeReduceSumTo } from './broadcast.js';
import { encodeChannelShuffle } from './channelShuffle.js';
import { encodeConv2D, encodeConv2DBackpropFilter, encodeConv2DBackpropInput } from './conv2d.js';
import type { WebGpuContext } from './device.js';
import { encodeDropout } from './dropout.js';
import {
  encodeArithmetic,
  encodeBiasAdd,
  encodeBiasAddGrad,
  encodeClipBiasAddGrad,
  encodeCopyColumns,
} from './elementwise.js';
import type { GpuBuffer } from './gpuTypes.js';
import type { KernelEncoder } from './kernelEncoder.js';
import { encodeLayerNorm, encodeLayerNormGrad } from './layerNorm.js';
import { encodeMatMul } from './matMul.js';
import { encodeMaxPool2D, encodeMaxPool2DBackprop } from './maxPool2d.js';
import {
  encodeAdagradUpdate,
  encodeAdamUpdate,
  encodeClipGradient,
  encodeRmsPropUpdate,
  encodeSgdUpdate,
  encodeSumOfSquares,
} from './optimizerUpdates.js';
import { encodePow, encodePowGrad } from './power.js';
import { encodeResize2D, encodeResize2DBackprop } from './resize2d.js';
import {
  encodeSoftmax,
  encodeSoftmaxCrossEntropy,
  encodeSoftmaxCrossEntropyGrad,
  encodeSoftmaxGrad,
} from './softmax.js';
import { encodeZeroPad2D, encodeZeroPad2DBackprop } from './zeroPad2d.js';

/** A kernel argument on the GPU: a typed array becomes a GPUBuffer; params records stay as they are. */
export type OnGpu<Argument> = Argument extends Float32Array | Float64Array | Int32Array ? GpuBuffer : Argument;

/** A kernel's argument list on the GPU (a mapped tuple: positions and optional arguments kept). */
export type GpuArguments<Arguments extends readonly unknown[]> = {
  [Index in keyof Arguments]: OnGpu<Arguments[Index]>;
};

/** The WebGPU form of kernel `Id`: the context, the batch's encoder, then the reference's arguments on the GPU. */
export type WebGpuKernel<Id extends KernelId> = (
  context: WebGpuContext,
  encoder: KernelEncoder,
  ...args: GpuArguments<Parameters<KernelSignatures[Id]>>
) => void;

/** One WebGPU kernel per kernel id. */
export type WebGpuKernelTable = { [Id in KernelId]: WebGpuKernel<Id> };

/** The dtypes the WGSL kernels take: float32 only (WGSL has no f64; float64 stays on the reference). */
export const WEBGPU_DTYPES: readonly DType[] = ['float32'];

/**
 * Every kernel id's WGSL kernel, with KernelSignatures' arguments (GPUBuffers for arrays).
 *
 * @example
 * const encoder = new KernelEncoder(context);
 * WEBGPU_KERNELS.Relu(context, encoder, input, output, { size: 1024 });
 * encoder.submit();
 */
export const WEBGPU_KERNELS: WebGpuKernelTable = {
  Conv2D: (
    context,
    encoder,
    input,
    filter,
    bias,
    output,
    params,
    residual,
    inputScale,
    expansionFilter,
    expansionBias,
    projectionFilter,
    projectionBias,
  ) => {
    if (params.pool !== undefined) {
      // The convolution's output in a scratch buffer, then the pool from it.
      const { pool, ...convolution } = params;
      const convolved = encoder.scratch(params.batch * params.outH * params.outW * params.outC * 4);
      WEBGPU_KERNELS.Conv2D(
        context,
        encoder,
        input,
        filter,
        bias,
        convolved,
        convolution,
        residual,
        inputScale,
        expansionFilter,
        expansionBias,
        projectionFilter,
        projectionBias,
      );
      encodeMaxPool2D(context, encoder, { input: convolved, output, argmax: null }, pool);
      return;
    }
    if (params.expansion !== undefined) {
      // Two passes, the expanded map in a scratch buffer.
      const expansion = expansionParams(params);
      const expanded = encoder.scratch(params.batch * params.inH * params.inW * params.inC * 4);
      const buffers = { input, filter: expansionFilter!, bias: expansionBias ?? null, output: expanded, inputScale };
      encodeConv2D(context, encoder, buffers, expansion);
      input = expanded;
      inputScale = null;
    }
    if (params.projection !== undefined) {
      // The depthwise output in a scratch buffer, then the projection (with the residual) from it.
      const depthwise = encoder.scratch(params.batch * params.outH * params.outW * params.outC * 4);
      encodeConv2D(context, encoder, { input, filter, bias, output: depthwise, inputScale }, params);
      const buffers = { input: depthwise, filter: projectionFilter!, bias: projectionBias ?? null, output, residual };
      encodeConv2D(context, encoder, buffers, projectionParams(params));
      return;
    }
    encodeConv2D(context, encoder, { input, filter, bias, output, residual, inputScale }, params);
  },
  Conv2DBackpropInput: (context, encoder, dOut, filter, dInput, params) =>
    encodeConv2DBackpropInput(context, encoder, { dOut, filter, dInput }, params),
  Conv2DBackpropFilter: (context, encoder, input, dOut, dFilter, params) =>
    encodeConv2DBackpropFilter(context, encoder, { input, dOut, dFilter }, params),
  MaxPool2D: (context, encoder, input, output, argmax, params) =>
    encodeMaxPool2D(context, encoder, { input, output, argmax }, params),
  MaxPool2DBackprop: (context, encoder, dOut, argmax, dInput, params) =>
    encodeMaxPool2DBackprop(context, encoder, { dOut, argmax, dInput }, params),
  AvgPool2D: (context, encoder, input, output, params) => encodeAvgPool2D(context, encoder, { input, output }, params),
  AvgPool2DBackprop: (context, encoder, dOut, dInput, params) =>
    encodeAvgPool2DBackprop(context, encoder, { dOut, dInput }, params),
  ZeroPad2D: (context, encoder, input, output, params) => encodeZeroPad2D(context, encoder, { input, output }, params),
  ZeroPad2DBackprop: (context, encoder, dOut, dInput, params) =>
    encodeZeroPad2DBackprop(context, encoder, { dOut, dInput }, params),
  MatMul: (context, encoder, a, b, output, params) => encodeMatMul(context, encoder, { a, b, output }, params),
  BiasAdd: (context, encoder, input, bias, output, params) =>
    encodeBiasAdd(context, encoder, { input, bias, output }, params),
  BiasAddGrad: (context, encoder, dOut, dBias, params) => encodeBiasAddGrad(context, encoder, { dOut, dBias }, params),
  ClipBiasAddGrad: (context, encoder, dOut, output, dInput, dBias, params, addend) =>
    encodeClipBiasAddGrad(context, encoder, { dOut, output, dInput, dBias, addend: addend ?? null }, params),
  Relu: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Relu', { input, output }, params),
  ReluGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'ReluGrad', { dOut, x: input, dInput }, params),
  Sigmoid: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Sigmoid', { input, output }, params),
  SigmoidGrad: (context, encoder, dOut, output, dInput, params) =>
    encodeActivationGrad(context, encoder, 'SigmoidGrad', { dOut, x: output, dInput }, params),
  Tanh: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Tanh', { input, output }, params),
  TanhGrad: (context, encoder, dOut, output, dInput, params) =>
    encodeActivationGrad(context, encoder, 'TanhGrad', { dOut, x: output, dInput }, params),
  LeakyRelu: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'LeakyRelu', { input, output }, params),
  LeakyReluGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'LeakyReluGrad', { dOut, x: input, dInput }, params),
  Elu: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Elu', { input, output }, params),
  EluGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'EluGrad', { dOut, x: input, dInput }, params),
  Gelu: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Gelu', { input, output }, params),
  GeluGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'GeluGrad', { dOut, x: input, dInput }, params),
  Silu: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Silu', { input, output }, params),
  SiluGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'SiluGrad', { dOut, x: input, dInput }, params),
  Clip: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'Clip', { input, output }, params),
  ClipGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'ClipGrad', { dOut, x: input, dInput }, params),
  HardSigmoid: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'HardSigmoid', { input, output }, params),
  HardSigmoidGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'HardSigmoidGrad', { dOut, x: input, dInput }, params),
  HardSwish: (context, encoder, input, output, params) =>
    encodeActivation(context, encoder, 'HardSwish', { input, output }, params),
  HardSwishGrad: (context, encoder, dOut, input, dInput, params) =>
    encodeActivationGrad(context, encoder, 'HardSwishGrad', { dOut, x: input, dInput }, params),
  Pow: (context, encoder, input, output, params) => encodePow(context, encoder, { input, output }, params),
  PowGrad: (context, encoder, dOut, input, dInput, params) =>
    encodePowGrad(context, encoder, { dOut, input, dInput }, params),
  Softmax: (context, encoder, logits, output, params) => encodeSoftmax(context, encoder, { logits, output }, params),
  SoftmaxGrad: (context, encoder, dOut, output, dInput, params) =>
    encodeSoftmaxGrad(context, encoder, { dOut, output, dInput }, params),
  SoftmaxCrossEntropy: (context, encoder, logits, targets, probabilities, losses, params) =>
    encodeSoftmaxCrossEntropy(context, encoder, { logits, targets, probabilities, losses }, params),
  SoftmaxCrossEntropyGrad: (context, encoder, probabilities, targets, dLogits, params) =>
    encodeSoftmaxCrossEntropyGrad(context, encoder, { probabilities, targets, dLogits }, params),
  Add: (context, encoder, a, b, output, params) => encodeArithmetic(context, encoder, 'Add', { a, b, output }, params),
  Multiply: (context, encoder, a, b, output, params) =>
    encodeArithmetic(context, encoder, 'Multiply', { a, b, output }, params),
  BroadcastArithmetic: (context, encoder, a, b, output, params) =>
    encodeBroadcastArithmetic(context, encoder, { a, b, output }, params),
  ReduceSumTo: (context, encoder, input, output, params) =>
    encodeReduceSumTo(context, encoder, { input, output }, params),
  Dropout: (context, encoder, input, output, params) => encodeDropout(context, encoder, { input, output }, params),
  CopyColumns: (context, encoder, source, destination, params) =>
    encodeCopyColumns(context, encoder, { source, destination }, params),
  ChannelShuffle: (context, encoder, input, output, params) =>
    encodeChannelShuffle(context, encoder, { input, output }, params),
  BatchNormStats: (context, encoder, input, mean, variance, params) =>
    encodeBatchNormStats(context, encoder, { input, mean, variance }, params),
  BatchNorm: (context, encoder, input, scale, shift, output, params) =>
    encodeBatchNorm(context, encoder, { input, scale, shift, output }, params),
  BatchNormGrad: (context, encoder, dOut, input, mean, variance, gamma, dInput, dGamma, dBeta, params) =>
    encodeBatchNormGrad(context, encoder, { dOut, input, mean, variance, gamma, dInput, dGamma, dBeta }, params),
  LayerNorm: (context, encoder, input, gamma, beta, output, mean, invStd, params) =>
    encodeLayerNorm(context, encoder, { input, gamma, beta, output, mean, invStd }, params),
  LayerNormGrad: (context, encoder, dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta, params) =>
    encodeLayerNormGrad(context, encoder, { dOut, input, gamma, mean, invStd, dInput, dGamma, dBeta }, params),
  Resize2D: (context, encoder, input, output, params) => encodeResize2D(context, encoder, { input, output }, params),
  Resize2DBackprop: (context, encoder, dOut, dInput, params) =>
    encodeResize2DBackprop(context, encoder, { dOut, dInput }, params),
  SgdUpdate: (context, encoder, weights, gradient, velocity, params) =>
    encodeSgdUpdate(context, encoder, { weights, gradient, velocity }, params),
  AdamUpdate: (context, encoder, weights, gradient, firstMoment, secondMoment, params) =>
    encodeAdamUpdate(context, encoder, { weights, gradient, firstMoment, secondMoment }, params),
  RmsPropUpdate: (context, encoder, weights, gradient, squareAverage, momentumBuffer, gradientAverage, params) =>
    encodeRmsPropUpdate(
      context,
      encoder,
      { weights, gradient, squareAverage, momentumBuffer, gradientAverage },
      params,
    ),
  AdagradUpdate: (context, encoder, weights, gradient, accumulator, params) =>
    encodeAdagradUpdate(context, encoder, { weights, gradient, accumulator }, params),
  SumOfSquares: (context, encoder, input, output, params) =>
    encodeSumOfSquares(context, encoder, { input, output }, params),
  ClipGradient: (context, encoder, gradient, output, params) =>
    encodeClipGradient(context, encoder, { gradient, output }, params),
};
