// View and arithmetic ops with no layout maths: reshape (a view); add, subtract, multiply and divide
// (with numpy broadcasting, ops/broadcast.ts); concatenate along the channels.

import { ShapeError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { broadcastArithmetic } from './broadcast.js';
import { checkSameDtype } from './checks.js';

/** The same values with another shape of equal size (no copy). */
export function reshape(input: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) !== input.size) {
    throw new ShapeError(
      `reshape: cannot view ${formatShape(input.shape)} (${input.size} values) as ${formatShape(shape)} ` +
        `(${sizeOf(shape)} values)`,
    );
  }
  const output = input.reshape(shape);
  record({ id: 'Reshape', inputs: [input], output, saved: input.shape });
  return output;
}

/**
 * Elementwise sum, with numpy broadcasting (a per-channel [C] or [1, 1, C] term added to [N, H, W, C]).
 * Throws ShapeError when the shapes do not broadcast and ValueError when the dtypes differ.
 *
 * @example
 * add(x, shortcut); // a residual connection
 */
export function add(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('add', a, b);
}

/** a - b elementwise, with numpy broadcasting; errors as add. @example subtract(x, mean) */
export function subtract(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('subtract', a, b);
}

/**
 * Elementwise product, with numpy broadcasting: a squeeze-and-excitation gate [N, 1, 1, C] scales
 * each channel of [N, H, W, C]. Throws ShapeError when the shapes do not broadcast and ValueError
 * when the dtypes differ.
 *
 * @example
 * multiply(x, sigmoid(x)); // SiLU written out: a gate on x
 */
export function multiply(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('multiply', a, b);
}

/** a / b elementwise (IEEE: x / 0 is infinite), with numpy broadcasting; errors as add. @example divide(x, std) */
export function divide(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('divide', a, b);
}

/**
 * The elementwise larger of a and b, with numpy broadcasting (NaN where either is NaN); the gradient
 * goes to the larger, split equally on ties (as torch.maximum). Errors as add.
 *
 * @example
 * maximum(x, Tensor.fromArray([0], [1])); // relu(x)
 */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('maximum', a, b);
}

/** The elementwise smaller of a and b, as maximum. @example minimum(x, cap) */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return broadcastArithmetic('minimum', a, b);
}

/** What the gradient of concatenate needs: the rows and each input's width. */
export interface ConcatSaved {
  rows: number;
  widths: number[];
}

/**
 * Joins tensors along the last axis (channels in NHWC); every other axis must agree.
 *
 * @example
 * concatenate([a, b]); // [8, 16, 16, 32] and [8, 16, 16, 64] -> [8, 16, 16, 96]
 */
export function concatenate(inputs: readonly Tensor[], name = 'concatenate'): Tensor {
  const first = inputs[0];
  if (first === undefined) throw new ShapeError(`${name}: nothing to concatenate`);
  checkSameDtype(name, ...inputs);
  const leading = first.shape.slice(0, -1);
  for (const input of inputs) {
    if (input.rank !== first.rank || input.shape.slice(0, -1).some((extent, axis) => extent !== leading[axis])) {
      throw new ShapeError(
        `${name}: inputs must agree on every axis but the last, got ` +
          `${inputs.map((tensor) => formatShape(tensor.shape)).join(' and ')}`,
      );
    }
  }
  const widths = inputs.map((input) => input.shape[input.rank - 1]!);
  const total = widths.reduce((sum, width) => sum + width, 0);
  const rows = sizeOf(leading);
  const output = allocateTensor([...leading, total], first.dtype, name);
  let offset = 0;
  inputs.forEach((input, index) => {
    runKernel('CopyColumns', input, output, {
      rows,
      columns: widths[index]!,
      sourceStride: widths[index]!,
      sourceOffset: 0,
      destinationStride: total,
      destinationOffset: offset,
    });
    offset += widths[index]!;
  });
  record<ConcatSaved>({ id: 'CopyColumns', inputs: [...inputs], output, saved: { rows, widths } });
  return output;
}

/** The gradient of concatenate: dOut split back into each input's columns. */
export function concatenateGrad(dOut: Tensor, inputs: readonly Tensor[], saved: ConcatSaved): Tensor[] {
  const total = dOut.shape[dOut.rank - 1]!;
  let offset = 0;
  return inputs.map((input, index) => {
    const width = saved.widths[index]!;
    const dInput = allocateTensor(input.shape, dOut.dtype);
    runKernel('CopyColumns', dOut, dInput, {
      rows: saved.rows,
      columns: width,
      sourceStride: total,
      sourceOffset: offset,
      destinationStride: width,
      destinationOffset: 0,
    });
    offset += width;
    return dInput;
  });
}
