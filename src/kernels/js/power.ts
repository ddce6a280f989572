// Reference kernels of power with a constant exponent: x^p and its gradient p * x^(p - 1) (the
// squares and square roots of decomposed layer normalizations and of norms). Exponent 2 is x * x and
// 0.5 is Math.sqrt; NOTE: sqrt differs from Math.pow(x, 0.5) only at -0 (-0, not +0) and -Infinity
// (NaN, not +Infinity), as ONNX's Sqrt and C's sqrt do. The gradient of x^0.5 at 0 is +Infinity, as
// in PyTorch.

import type { FloatArray } from '../../core/dtype.js';
import type { PowParams } from '../params.js';

function powerOf(value: number, exponent: number): number {
  if (exponent === 2) return value * value;
  if (exponent === 0.5) return Math.sqrt(value);
  return value ** exponent;
}

function slopeOf(value: number, exponent: number): number {
  if (exponent === 2) return 2 * value;
  if (exponent === 0.5) return 0.5 / Math.sqrt(value);
  if (exponent === 1) return 1;
  if (exponent === 0) return 0;
  return exponent * value ** (exponent - 1);
}

/** input [size], output [size] (overwritten): input^exponent. */
export function pow(input: FloatArray, output: FloatArray, params: PowParams): void {
  const { size, exponent } = params;
  for (let index = 0; index < size; index++) output[index] = powerOf(input[index]!, exponent);
}

/**
 * dOut [size], input [size] (the forward input), dInput [size] (overwritten): dOut * exponent * input^(exponent - 1).
 */
export function powGrad(dOut: FloatArray, input: FloatArray, dInput: FloatArray, params: PowParams): void {
  const { size, exponent } = params;
  for (let index = 0; index < size; index++) dInput[index] = dOut[index]! * slopeOf(input[index]!, exponent);
}
