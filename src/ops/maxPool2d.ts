// Max pooling op: checks, params, dispatch. The kernel records where each maximum came from; the
// backward rule and the visualizer both use that record.

import { ShapeError } from '../core/errors.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { isRecording, record } from '../autograd/recorder.js';
import { ceilWindowOutputSize, windowParams, type Padding, type Pool2DParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateIndices, allocateInputMap, allocateOutputMap } from './allocate.js';
import { checkImageBatch, checkPositiveInteger } from './checks.js';

export interface Pool2DOptions {
  poolSize: number | readonly [number, number];
  /** Defaults to the pool size (non-overlapping windows). */
  strides?: number | readonly [number, number] | undefined;
  padding?: Padding | undefined;
  /**
   * Count outputs with ceil instead of floor (PyTorch's and ONNX's ceil_mode): a last, partial window
   * covers the rows or columns that floor leaves out; it starts inside the input or the top/left
   * padding, and the max ignores (the average leaves out) what it covers past the input. Default false.
   */
  ceilMode?: boolean | undefined;
  /**
   * Average pooling: padded zeros count in the divisor (PyTorch count_include_pad=True); default false. Ignored by max
   * pooling.
   */
  countIncludePad?: boolean | undefined;
  name?: string | undefined;
}

/** What MaxPool2D saves for its backward pass. */
export interface MaxPool2DSaved {
  params: Pool2DParams;
  /** For each output value, the flat index into the input of its maximum. */
  argmax: Int32Array;
}

/**
 * Resolves pool options for an input of [batch, inH, inW, C] to window params, rejecting padding that could fill a
 * whole window.
 */
export function poolParams(inputShape: Shape, options: Pool2DOptions): Pool2DParams {
  const name = options.name ?? 'maxPool2d';
  const [kH, kW] = typeof options.poolSize === 'number' ? [options.poolSize, options.poolSize] : options.poolSize;
  const strides = options.strides ?? [kH, kW];
  const [strideH, strideW] = typeof strides === 'number' ? [strides, strides] : strides;
  for (const size of [kH, kW]) checkPositiveInteger(size, `${name}: poolSize`);
  for (const stride of [strideH, strideW]) checkPositiveInteger(stride, `${name}: strides`);
  const [batch, inH, inW, inC] = inputShape as [number, number, number, number];
  const params: Pool2DParams = windowParams(name, batch, inH, inW, inC, {
    kH,
    kW,
    strideH,
    strideW,
    padding: options.padding ?? 'valid',
  });
  if (Math.max(params.padTop, params.padBottom) >= kH || Math.max(params.padLeft, params.padRight) >= kW) {
    throw new ShapeError(
      `${name}: padding (${params.padTop}, ${params.padBottom}, ${params.padLeft}, ${params.padRight}) must ` +
        `be smaller than the ${kH}x${kW} pool window`,
    );
  }
  if (options.ceilMode === true) {
    params.outH = ceilWindowOutputSize(inH, kH, strideH, params.padTop, params.padBottom);
    params.outW = ceilWindowOutputSize(inW, kW, strideW, params.padLeft, params.padRight);
  }
  if (options.countIncludePad === true) params.countIncludePad = true;
  return params;
}

/**
 * Max pooling over NHWC windows: [batch, inH, inW, C] -> [batch, outH, outW, C].
 *
 * @example
 * const y = maxPool2d(x, { poolSize: 2 }); // [8,28,28,16] -> [8,14,14,16]
 */
export function maxPool2d(input: Tensor, options: Pool2DOptions): Tensor {
  // Without a tape recording, no backward pass will need the argmax: inference skips writing it.
  if (!isRecording()) return runMaxPool(input, options, false).output;
  return maxPool2dWithArgmax(input, options).output;
}

/** Max pooling that also returns, per output value, the flat input index of its maximum. */
export function maxPool2dWithArgmax(input: Tensor, options: Pool2DOptions): { output: Tensor; argmax: Int32Array } {
  const { output, argmax } = runMaxPool(input, options, true);
  return { output, argmax: argmax! };
}

function runMaxPool(
  input: Tensor,
  options: Pool2DOptions,
  isArgmaxWanted: boolean,
): { output: Tensor; argmax: Int32Array | null } {
  checkImageBatch(input, options.name ?? 'maxPool2d');
  const params = poolParams(input.shape, options);
  const output = allocateOutputMap(params, input.dtype, options.name ?? 'maxPool2d');
  const argmax = isArgmaxWanted ? allocateIndices(output.size) : null;
  runKernel('MaxPool2D', input, output, argmax, params);
  if (argmax !== null) record<MaxPool2DSaved>({ id: 'MaxPool2D', inputs: [input], output, saved: { params, argmax } });
  return { output, argmax };
}

/** Routes dOut back to the positions of the maxima. */
export function maxPool2dBackprop(dOut: Tensor, saved: MaxPool2DSaved): Tensor {
  const { params } = saved;
  const dInput = allocateInputMap(params, dOut.dtype);
  runKernel('MaxPool2DBackprop', dOut, saved.argmax, dInput, params);
  return dInput;
}
