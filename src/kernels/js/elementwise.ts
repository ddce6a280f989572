// Reference elementwise arithmetic (gradient accumulation, products) and bias kernels.

import type { FloatArray } from '../../core/dtype.js';
import type { ClipBiasAddGradParams, CopyColumnsParams, ElementwiseParams, RowsParams } from '../params.js';

/** a [size], b [size], output [size] (overwritten; may alias a or b) */
export function add(a: FloatArray, b: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) output[index] = a[index]! + b[index]!;
}

/** a [size], b [size], output [size] (overwritten; may alias a or b) */
export function multiply(a: FloatArray, b: FloatArray, output: FloatArray, params: ElementwiseParams): void {
  for (let index = 0; index < params.size; index++) output[index] = a[index]! * b[index]!;
}

/** input [rows, columns], bias [columns], output [rows, columns] (overwritten; may alias input) */
export function biasAdd(input: FloatArray, bias: FloatArray, output: FloatArray, params: RowsParams): void {
  const { rows, columns } = params;
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    for (let column = 0; column < columns; column++) output[base + column] = input[base + column]! + bias[column]!;
  }
}

/** dOut [rows, columns], dBias [columns] (overwritten): the column sums of dOut. */
export function biasAddGrad(dOut: FloatArray, dBias: FloatArray, params: RowsParams): void {
  const { rows, columns } = params;
  const accumulator = new Float64Array(columns);
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    for (let column = 0; column < columns; column++) accumulator[column]! += dOut[base + column]!;
  }
  dBias.set(accumulator);
}

/**
 * dOut, output, dInput [rows, columns]; dBias [columns]; dInput and dBias overwritten; addend [rows, columns] or null.
 * dInput = dOut (+ addend) where min < output < max, 0 elsewhere: the gradient through a clip (ReLU: min 0, max
 * Infinity) read from the activation's output, exact because the open interval holds the output
 * exactly where it holds the input (see autograd/grads/conv2d.ts). dBias = column sums of dInput.
 */
export function clipBiasAddGrad(
  dOut: FloatArray,
  output: FloatArray,
  dInput: FloatArray,
  dBias: FloatArray,
  params: ClipBiasAddGradParams,
  addend: FloatArray | null = null,
): void {
  const { rows, columns, min, max } = params;
  const accumulator = new Float64Array(columns);
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    for (let column = 0; column < columns; column++) {
      const value = output[base + column]!;
      // Stored first, so that a float32 sum rounds as the Add kernel's does.
      dInput[base + column] = addend === null ? dOut[base + column]! : dOut[base + column]! + addend[base + column]!;
      const gradient = min < value && value < max ? dInput[base + column]! : 0;
      dInput[base + column] = gradient;
      accumulator[column]! += gradient;
    }
  }
  dBias.set(accumulator);
}

/**
 * Copies a [rows, columns] block between two row-major matrices: source columns [sourceOffset, +columns)
 * of rows of sourceStride values to destination columns [destinationOffset, +columns) of rows of
 * destinationStride values (the rest of destination is left alone). Concatenation and its gradient.
 */
export function copyColumns(source: FloatArray, destination: FloatArray, params: CopyColumnsParams): void {
  const { rows, columns, sourceStride, sourceOffset, destinationStride, destinationOffset } = params;
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      destination[row * destinationStride + destinationOffset + column] =
        source[row * sourceStride + sourceOffset + column]!;
    }
  }
}
