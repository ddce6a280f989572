// Reference zero padding of NHWC images, and its backward pass, which crops the padding off again
// (the gradient of a copied value is the gradient of its copy; padded zeros depend on nothing).

import type { FloatArray } from '../../core/dtype.js';
import type { ZeroPad2DParams } from '../params.js';

/**
 * input  [batch, inH, inW, inC]
 * output [batch, outH, outW, inC] (overwritten), outH = padTop + inH + padBottom, outW = padLeft + inW + padRight:
 * zeros, with the input copied to rows padTop.., columns padLeft..
 */
export function zeroPad2d(input: FloatArray, output: FloatArray, params: ZeroPad2DParams): void {
  const { batch, inH, inW, inC, outH, outW, padTop, padLeft } = params;
  output.fill(0);
  for (let image = 0; image < batch; image++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const inBase = ((image * inH + iy) * inW + ix) * inC;
        const outBase = ((image * outH + iy + padTop) * outW + ix + padLeft) * inC;
        for (let channel = 0; channel < inC; channel++) output[outBase + channel] = input[inBase + channel]!;
      }
    }
  }
}

/**
 * dOut   [batch, outH, outW, inC]
 * dInput [batch, inH, inW, inC] (overwritten): dOut without its padded border.
 */
export function zeroPad2dBackprop(dOut: FloatArray, dInput: FloatArray, params: ZeroPad2DParams): void {
  const { batch, inH, inW, inC, outH, outW, padTop, padLeft } = params;
  for (let image = 0; image < batch; image++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const inBase = ((image * inH + iy) * inW + ix) * inC;
        const outBase = ((image * outH + iy + padTop) * outW + ix + padLeft) * inC;
        for (let channel = 0; channel < inC; channel++) dInput[inBase + channel] = dOut[outBase + channel]!;
      }
    }
  }
}
