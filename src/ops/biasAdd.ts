// Bias ops: add a [channels] vector along the last axis, and its gradient (sum over all other axes).

import { ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { RowsParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { checkSameDtype } from './checks.js';

/** Adds `bias` [C] to every position of `input` [..., C]. */
export function biasAdd(input: Tensor, bias: Tensor, name = 'biasAdd'): Tensor {
  checkSameDtype(name, input, bias);
  const columns = input.shape[input.rank - 1]!;
  if (bias.rank !== 1 || bias.shape[0] !== columns) {
    throw new ShapeError(
      `${name}: bias has shape ${formatShape(bias.shape)} but the input ${formatShape(input.shape)} has ` +
        `${columns} channels`,
    );
  }
  const params: RowsParams = { rows: input.size / columns, columns };
  const output = allocateTensor(input.shape, input.dtype);
  runKernel('BiasAdd', input, bias, output, params);
  record({ id: 'BiasAdd', inputs: [input, bias], output, saved: params });
  return output;
}

/**
 * The gradients through a clip (ReLU: min 0, max Infinity) applied to `output` [..., C] and through the
 * bias added before it: dInput = dOut where min < output < max, 0 elsewhere, and dBias [C] = its sums
 * over every axis but the last. One pass over dOut (ClipBiasAddGrad); `output` is the clip's output,
 * which lies strictly inside (min, max) exactly where the clip's input does. With `addend` (dOut's shape), the
 * gradient is dOut + addend (an output used twice), summed in the same pass.
 */
export function clipBiasAddGrad(
  dOut: Tensor,
  output: Tensor,
  min: number,
  max: number,
  addend: Tensor | null = null,
): [Tensor, Tensor] {
  const columns = dOut.shape[dOut.rank - 1]!;
  const dInput = allocateTensor(dOut.shape, dOut.dtype);
  const dBias = allocateTensor([columns], dOut.dtype);
  const params = { rows: dOut.size / columns, columns, min, max };
  runKernel('ClipBiasAddGrad', dOut, output, dInput, dBias, params, addend);
  return [dInput, dBias];
}

/** Sums dOut [..., C] over every axis but the last: the gradient of a bias. */
export function biasAddGrad(dOut: Tensor): Tensor {
  const columns = dOut.shape[dOut.rank - 1]!;
  const dBias = allocateTensor([columns], dOut.dtype);
  runKernel('BiasAddGrad', dOut, dBias, { rows: dOut.size / columns, columns });
  return dBias;
}
