// 2-D convolution ops: check arguments, build the params record, dispatch Conv2D* kernels by id.
// Layout: input NHWC, filter [kH, kW, inC, outC]. Backward derivation: kernels/js/conv2d.ts.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { isRecording, record } from '../autograd/recorder.js';
import {
  fusedActivationOf,
  windowParams,
  type Conv2DParams,
  type FusedActivation,
  type Padding,
} from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateInputMap, allocateTensor } from './allocate.js';
import { checkImageBatch, checkPositiveInteger, checkRank, checkSameDtype, type TensorShape } from './checks.js';

export interface Conv2DOptions {
  strides?: number | readonly [number, number] | undefined;
  padding?: Padding | undefined;
  /** Spacing of the kernel taps (atrous convolution); default 1. */
  dilations?: number | readonly [number, number] | undefined;
  /** Channel groups: the filter is [kH, kW, inC / groups, outC]; groups = inC is depthwise. Default 1. */
  groups?: number | undefined;
  /**
   * Applied to the output in the same pass: 'relu' is max(x, 0) (a Conv2D followed by ReLU, fused, and
   * differentiable), and so is a clip (ReLU6: a Conv2D followed by Clip); the other FusedActivation
   * kinds are for inference only.
   */
  activation?: 'relu' | FusedActivation | undefined;
  /**
   * Added to the output (after the bias, before the activation), same shape as the output: a residual
   * connection fused into the convolution. Differentiable with no activation, 'relu' or a clip (its gradient is
   * the masked dOut); with another activation the op refuses to run while a gradient tape records.
   */
  residual?: Tensor | undefined;
  /**
   * Factors the input is multiplied by before the convolution, one per image and input channel:
   * [batch, 1, 1, inC] (a squeeze-and-excitation gate, fused into the convolution's reading of its
   * input). Inference only: with it the op refuses to run while a gradient tape records.
   */
  inputScale?: Tensor | undefined;
  /**
   * The filter and bias values never change while they live, so the backend may keep them prepared (see Conv2DParams).
   */
  isConstantFilter?: boolean | undefined;
  /** Names the caller (a layer) in error messages. */
  name?: string | undefined;
}

/**
 * Convolves an NHWC batch with a [kH, kW, inC / groups, outC] filter and adds an optional [outC] bias.
 * Throws ShapeError naming `options.name` when channels disagree or the window does not fit.
 *
 * @example
 * const y = conv2d(x, filter, bias, { strides: 1, padding: 'same' }); // x [8,28,28,1], filter [3,3,1,16] -> y
 * [8,28,28,16]
 */
export function conv2d(input: Tensor, filter: Tensor, bias: Tensor | null, options: Conv2DOptions = {}): Tensor {
  const { params, outputShape, isDifferentiable } = conv2dParams(input, filter, bias, options);
  const residual = options.residual ?? null;
  const inputScale = options.inputScale ?? null;
  const output = allocateTensor(outputShape, input.dtype, options.name ?? 'conv2d');
  runKernel(
    'Conv2D',
    input,
    filter,
    bias === null ? null : bias,
    output,
    params,
    residual === null ? null : residual,
    inputScale === null ? null : inputScale,
  );
  if (isDifferentiable) {
    const inputs = residual === null ? [input, filter, bias] : [input, filter, bias, residual];
    record({ id: 'Conv2D', inputs, output, saved: params });
  }
  return output;
}

/**
 * The checks of conv2d and the params record it passes the Conv2D kernel, without running it: the
 * inference plan (model/inferencePlan.ts) calls the kernel itself on every later batch of the same
 * shapes. Throws as conv2d does. @internal
 */
export function conv2dParams(
  input: TensorShape,
  filter: Tensor,
  bias: Tensor | null,
  options: Conv2DOptions = {},
): { params: Conv2DParams; outputShape: number[]; isDifferentiable: boolean } {
  const name = options.name ?? 'conv2d';
  checkImageBatch(input, name);
  checkRank(filter, 4, `${name}: filter`, '[kH, kW, inC / groups, outC]');
  checkSameDtype(name, input, filter, bias);
  const [batch, inH, inW, inC] = input.shape as [number, number, number, number];
  const [kH, kW, filterInC, outC] = filter.shape as [number, number, number, number];
  const groups = options.groups ?? 1;
  checkPositiveInteger(groups, `${name}: groups`);
  if (inC % groups !== 0 || outC % groups !== 0) {
    throw new ShapeError(
      `${name}: ${groups} groups must divide the input channels (${inC}) and the output channels (${outC})`,
    );
  }
  if (filterInC * groups !== inC) {
    const expected = groups === 1 ? `${filterInC}` : `${filterInC} per group, ${filterInC * groups} in all`;
    throw new ShapeError(
      `${name}: input has ${inC} channels (shape ${formatShape(input.shape)}) but the filter expects ` +
        `${expected} (filter ${formatShape(filter.shape)})`,
    );
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== outC)) {
    throw new ShapeError(
      `${name}: bias has shape ${formatShape(bias.shape)} but the filter has ${outC} output channels`,
    );
  }
  const [strideH, strideW] =
    typeof options.strides === 'number' || options.strides === undefined
      ? [options.strides ?? 1, options.strides ?? 1]
      : options.strides;
  checkPositiveInteger(strideH, `${name}: strides`);
  checkPositiveInteger(strideW, `${name}: strides`);
  const [dilationH, dilationW] =
    typeof options.dilations === 'number' || options.dilations === undefined
      ? [options.dilations ?? 1, options.dilations ?? 1]
      : options.dilations;
  checkPositiveInteger(dilationH, `${name}: dilations`);
  checkPositiveInteger(dilationW, `${name}: dilations`);
  const window = windowParams(name, batch, inH, inW, inC, {
    kH,
    kW,
    strideH,
    strideW,
    padding: options.padding ?? 'valid',
    dilationH,
    dilationW,
  });
  // Every field named in one literal of one shape: a spread copy of the window, and fields added to
  // it afterwards, cost as much as the rest of this op together (a CPU profile of W1 at batch 1).
  const params: Conv2DParams = {
    batch,
    inH,
    inW,
    inC,
    outH: window.outH,
    outW: window.outW,
    kH,
    kW,
    strideH: window.strideH,
    strideW: window.strideW,
    padTop: window.padTop,
    padBottom: window.padBottom,
    padLeft: window.padLeft,
    padRight: window.padRight,
    dilationH: window.dilationH,
    dilationW: window.dilationW,
    outC,
    groups: groups === 1 ? undefined : groups,
    activation: options.activation,
    isConstantFilter: options.isConstantFilter === true ? true : undefined,
  };
  const outputShape = [batch, params.outH, params.outW, outC];
  const residual = options.residual ?? null;
  if (residual !== null) {
    checkSameDtype(name, input, residual);
    if (residual.shape.length !== 4 || residual.shape.some((size, axis) => size !== outputShape[axis])) {
      throw new ShapeError(
        `${name}: residual has shape ${formatShape(residual.shape)} but the output has shape ` +
          `${formatShape(outputShape)}`,
      );
    }
  }
  const inputScale = options.inputScale ?? null;
  if (inputScale !== null) {
    checkSameDtype(name, input, inputScale);
    const expected = [batch, 1, 1, inC];
    if (inputScale.shape.length !== 4 || inputScale.shape.some((size, axis) => size !== expected[axis])) {
      throw new ShapeError(
        `${name}: inputScale has shape ${formatShape(inputScale.shape)} but the input needs ${formatShape(expected)}`,
      );
    }
  }
  const activationKind = fusedActivationOf(params.activation)?.kind;
  const isDifferentiable =
    inputScale === null && (activationKind === undefined || activationKind === 'relu' || activationKind === 'clip');
  if (!isDifferentiable && isRecording()) {
    const fused = inputScale !== null ? 'an input scale' : `a '${activationKind}' activation`;
    throw new ValueError(
      `${name}: a fused ${fused} is for inference only; it has no gradient (use separate ops while a tape records)`,
    );
  }
  return { params, outputShape, isDifferentiable };
}

/** Gradient of conv2d with respect to its input: dOut [batch, outH, outW, outC] -> [batch, inH, inW, inC]. */
export function conv2dBackpropInput(dOut: Tensor, filter: Tensor, params: Conv2DParams): Tensor {
  const dInput = allocateInputMap(params, dOut.dtype);
  runKernel('Conv2DBackpropInput', dOut, filter, dInput, params);
  return dInput;
}

/** Gradient of conv2d with respect to its filter: -> [kH, kW, inC / groups, outC]. */
export function conv2dBackpropFilter(input: Tensor, dOut: Tensor, params: Conv2DParams): Tensor {
  const dFilter = allocateTensor([params.kH, params.kW, params.inC / (params.groups ?? 1), params.outC], dOut.dtype);
  runKernel('Conv2DBackpropFilter', input, dOut, dFilter, params);
  return dFilter;
}
