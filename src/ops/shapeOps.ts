// View and arithmetic ops with no layout maths: reshape (a view) and elementwise add.

import { ShapeError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import { getKernel } from '../kernels/registry.js';
import { allocateTensor } from './allocate.js';
import { checkSameDtype, checkSameShape } from './checks.js';

/** The same values with another shape of equal size (no copy). */
export function reshape(input: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) !== input.size) {
    throw new ShapeError(`reshape: cannot view ${formatShape(input.shape)} (${input.size} values) as ${formatShape(shape)} (${sizeOf(shape)} values)`);
  }
  const output = input.reshape(shape);
  record({ id: 'Reshape', inputs: [input], output, saved: input.shape });
  return output;
}

/** Elementwise sum of two tensors of the same shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  checkSameShape('add', a, b);
  checkSameDtype('add', a, b);
  const output = allocateTensor(a.shape, a.dtype);
  getKernel('Add')(a.data, b.data, output.data, { size: a.size });
  record({ id: 'Add', inputs: [a, b], output, saved: null });
  return output;
}
