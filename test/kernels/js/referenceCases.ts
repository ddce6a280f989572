// Shared pieces of the reference kernels' hand-worked tests (test/kernels/js/*.test.ts): tolerances, float64
// arrays, the conv and pool params records, and the running 3x3 image and 2x2 filter example.
// Layouts: activations NHWC, filters [kH, kW, inC, outC].

import { type Conv2DParams, type Padding, type Pool2DParams, windowParams } from '../../../src/kernels/params.js';

/** Integer-valued cases must match exactly. */
export const EXACT = { atol: 0, rtol: 0 };
/** Float64 results of a few exp/log evaluations. */
export const FLOAT64 = { atol: 1e-14, rtol: 1e-12 };

/** A float64 array of `values`. */
export function f64(values: number[]): Float64Array {
  return Float64Array.from(values);
}

/** The Conv2D params record of a square-strided window. */
export function convParams(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  kH: number,
  kW: number,
  outC: number,
  stride: number,
  padding: Padding,
): Conv2DParams {
  return { ...windowParams('test', batch, inH, inW, inC, { kH, kW, strideH: stride, strideW: stride, padding }), outC };
}

/** The Pool2D params record of a square window on one image. */
export function poolParams(
  inH: number,
  inW: number,
  inC: number,
  k: number,
  stride: number,
  padding: Padding,
): Pool2DParams {
  return windowParams('test', 1, inH, inW, inC, { kH: k, kW: k, strideH: stride, strideW: stride, padding });
}

// The running example: a 1x3x3x1 image and a 2x2 filter.
//   image  1 2 3     filter  1 2
//          4 5 6             3 4
//          7 8 9
export const IMAGE_3X3 = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]);
export const FILTER_2X2 = f64([1, 2, 3, 4]);
