// Zero padding op: checks, params, dispatch. Its backward pass crops the border off (kernels/js/zeroPad2d.ts).

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { Padding, ZeroPad2DParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateInputMap, allocateOutputMap } from './allocate.js';
import { checkImageBatch } from './checks.js';

/** Explicit zero padding: n on every side, [padH, padW] (both sides of each axis), or [top, bottom, left, right]. */
export type ZeroPadding = Exclude<Padding, 'valid' | 'same'>;

/**
 * Resolves padding for an input of [batch, inH, inW, C]; throws ValueError for a padding that is not
 * a non-negative integer, a pair or a quadruple of them.
 */
export function zeroPadParams(
  inputShape: readonly number[],
  padding: ZeroPadding,
  name = 'zeroPad2d',
): ZeroPad2DParams {
  const amounts =
    typeof padding === 'number'
      ? [padding, padding, padding, padding]
      : Array.isArray(padding) && padding.length === 2
        ? [padding[0], padding[0], padding[1], padding[1]]
        : Array.isArray(padding) && padding.length === 4
          ? [...padding]
          : null;
  if (amounts === null || !amounts.every((amount) => Number.isInteger(amount) && amount >= 0)) {
    throw new ValueError(
      `${name}: padding must be a non-negative integer, [padH, padW] or [top, bottom, left, right]; got ` +
        `${JSON.stringify(padding)}`,
    );
  }
  const [padTop, padBottom, padLeft, padRight] = amounts as [number, number, number, number];
  const [batch, inH, inW, inC] = inputShape as [number, number, number, number];
  return {
    batch,
    inH,
    inW,
    inC,
    outH: padTop + inH + padBottom,
    outW: padLeft + inW + padRight,
    padTop,
    padBottom,
    padLeft,
    padRight,
  };
}

/**
 * Surrounds each image with rows and columns of zeros: [batch, inH, inW, C] -> [batch, padTop + inH +
 * padBottom, padLeft + inW + padRight, C]. Throws ShapeError for a rank other than 4, ValueError for bad padding.
 *
 * @example
 * const y = zeroPad2d(x, 1); // [8,28,28,1] -> [8,30,30,1]
 */
export function zeroPad2d(input: Tensor, padding: ZeroPadding, name = 'zeroPad2d'): Tensor {
  checkImageBatch(input, name);
  const params = zeroPadParams(input.shape, padding, name);
  const output = allocateOutputMap(params, input.dtype, name);
  runKernel('ZeroPad2D', input, output, params);
  record<ZeroPad2DParams>({ id: 'ZeroPad2D', inputs: [input], output, saved: params });
  return output;
}

/** The gradient of zero padding: dOut without the padded border. */
export function zeroPad2dBackprop(dOut: Tensor, params: ZeroPad2DParams): Tensor {
  const dInput = allocateInputMap(params, dOut.dtype);
  runKernel('ZeroPad2DBackprop', dOut, dInput, params);
  return dInput;
}
