// Reference average pooling. Each output is the mean of the input values its window covers; padded
// positions are left out of both the sum and the count (TensorFlow/Keras 'same', PyTorch
// count_include_pad=False), so an edge window averages fewer values instead of mixing in zeros.
// With countIncludePad the divisor is the window's extent inside the padded input instead (zeros
// counted; PyTorch count_include_pad=True), which still leaves out a ceil-mode overhang past the
// bottom/right padding, as PyTorch and ONNX Runtime do.
// Every window holds at least one input value: padding is smaller than the window (ops/maxPool2d.ts).

import type { FloatArray } from '../../core/dtype.js';
import type { Pool2DParams } from '../params.js';

/** The input rows (or columns) [start, end) that output row (or column) `out` covers. */
function windowSpan(out: number, stride: number, padBefore: number, kSize: number, inSize: number): [number, number] {
  const first = out * stride - padBefore;
  return [Math.max(0, first), Math.min(inSize, first + kSize)];
}

/** The divisor of a window along one axis: its input span, or with countIncludePad its span inside the padded input. */
function divisorSpan(
  out: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  kSize: number,
  inSize: number,
  countIncludePad: boolean,
): number {
  const first = out * stride - padBefore;
  if (countIncludePad) return Math.min(first + kSize, inSize + padAfter) - first;
  return Math.min(inSize, first + kSize) - Math.max(0, first);
}

/**
 * input  [batch, inH, inW, inC]
 * output [batch, outH, outW, inC] (overwritten): the sum of the valid values of each window over its divisor.
 */
export function avgPool2d(input: FloatArray, output: FloatArray, params: Pool2DParams): void {
  const { inC } = params;
  forEachWindow(params, (outBase, rowStart, yStart, yEnd, xStart, xEnd, count) => {
    for (let channel = 0; channel < inC; channel++) {
      let sum = 0;
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) sum += input[(rowStart(iy) + ix) * inC + channel]!;
      }
      output[outBase + channel] = sum / count;
    }
  });
}

/**
 * dOut   [batch, outH, outW, inC]
 * dInput [batch, inH, inW, inC] (overwritten): each output's gradient, divided by its window's count,
 * goes to every valid position of the window; overlapping windows add up.
 */
export function avgPool2dBackprop(dOut: FloatArray, dInput: FloatArray, params: Pool2DParams): void {
  const { inC } = params;
  dInput.fill(0);
  forEachWindow(params, (outBase, rowStart, yStart, yEnd, xStart, xEnd, count) => {
    for (let channel = 0; channel < inC; channel++) {
      const share = dOut[outBase + channel]! / count;
      for (let iy = yStart; iy < yEnd; iy++) {
        for (let ix = xStart; ix < xEnd; ix++) dInput[(rowStart(iy) + ix) * inC + channel]! += share;
      }
    }
  });
}

/**
 * Calls `visit` for each output pixel in order, with its offset in the output [batch, outH, outW, inC], the index
 * of its image's input pixel (row, 0) as a function of the row (rowStart), its window's valid rows and columns
 * [start, end) and its divisor.
 */
function forEachWindow(
  params: Pool2DParams,
  visit: (
    outBase: number,
    rowStart: (row: number) => number,
    yStart: number,
    yEnd: number,
    xStart: number,
    xEnd: number,
    count: number,
  ) => void,
): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padBottom, padLeft, padRight } = params;
  const countIncludePad = params.countIncludePad ?? false;
  let outBase = 0;
  for (let image = 0; image < batch; image++) {
    const rowStart = (row: number) => (image * inH + row) * inW;
    for (let oy = 0; oy < outH; oy++) {
      const [yStart, yEnd] = windowSpan(oy, strideH, padTop, kH, inH);
      for (let ox = 0; ox < outW; ox++, outBase += inC) {
        const [xStart, xEnd] = windowSpan(ox, strideW, padLeft, kW, inW);
        const count =
          divisorSpan(oy, strideH, padTop, padBottom, kH, inH, countIncludePad) *
          divisorSpan(ox, strideW, padLeft, padRight, kW, inW, countIncludePad);
        visit(outBase, rowStart, yStart, yEnd, xStart, xEnd, count);
      }
    }
  }
}
