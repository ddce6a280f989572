// Dropout op: checks, params, dispatch. The mask is a hash of (seed, index), so the backward pass is
// the same kernel run on dOut with the same params (kernels/js/dropout.ts), and nothing is stored.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import type { DropoutParams } from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';

export interface DropoutOptions {
  /** Fraction of values set to zero, in [0, 1). */
  rate: number;
  /** Unsigned 32-bit integer choosing the mask: the same seed drops the same positions on every backend. */
  seed: number;
}

/**
 * Inverted dropout: each value is zeroed with probability `rate`, the others are scaled by
 * 1 / (1 - rate), so the expected value is unchanged. Throws ValueError for a rate outside [0, 1) or
 * a seed that is not an unsigned 32-bit integer. A rate of 0 returns the input itself.
 *
 * @example
 * const y = dropout(x, { rate: 0.5, seed: 7 }); // about half of x zeroed, the rest doubled
 */
export function dropout(input: Tensor, options: DropoutOptions): Tensor {
  const { rate, seed } = options;
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ValueError(`dropout: seed must be an integer in [0, 2^32), got ${seed}`);
  }
  if (rate === 0) return input;
  const params: DropoutParams = { size: input.size, rate, seed };
  return applyDropout(input, params, true);
}

/** The gradient of dropout: dOut through the same mask and scale. */
export function dropoutBackprop(dOut: Tensor, params: DropoutParams): Tensor {
  return applyDropout(dOut, params, false);
}

function applyDropout(input: Tensor, params: DropoutParams, isRecorded: boolean): Tensor {
  const output = allocateTensor(input.shape, input.dtype);
  runKernel('Dropout', input, output, params);
  if (isRecorded) record<DropoutParams>({ id: 'Dropout', inputs: [input], output, saved: params });
  return output;
}
