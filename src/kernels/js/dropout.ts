// Reference dropout (Srivastava et al., 2014, "inverted": kept values are scaled by 1 / (1 - rate) so
// that inference is the identity). The mask is not drawn from a stream but hashed from (seed, index):
// every backend, thread count and call order gives the same mask for a seed, nothing has to be stored
// for the backward pass (which is this kernel again, on dOut, with the same seed), and the SIMD kernel
// computes it four lanes at a time. Hash: lowbias32 (Chris Wellons, "Prospecting for hash functions",
// 2018), a bijection of 32-bit integers with low bias; value i is kept iff
// lowbias32(i xor lowbias32(seed)) >= floor(rate * 2^32), which has probability 1 - rate (to 2^-32).

import type { FloatArray } from '../../core/dtype.js';
import type { DropoutParams } from '../params.js';

/** lowbias32: a well-mixed bijection of unsigned 32-bit integers. */
export function lowbias32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The hash threshold of a drop rate in [0, 1): a value is dropped iff its hash is below it. */
export function dropoutThreshold(rate: number): number {
  return Math.floor(rate * 4294967296);
}

/**
 * input  [size]
 * output [size] (overwritten): input * 1 / (1 - rate) where kept, 0 where dropped (NaN too).
 * The same call on dOut gives dInput.
 */
export function dropout(input: FloatArray, output: FloatArray, params: DropoutParams): void {
  const threshold = dropoutThreshold(params.rate);
  const scale = 1 / (1 - params.rate);
  const seedHash = lowbias32(params.seed);
  for (let index = 0; index < params.size; index++) {
    output[index] = lowbias32(index ^ seedHash) >= threshold ? input[index]! * scale : 0;
  }
}
