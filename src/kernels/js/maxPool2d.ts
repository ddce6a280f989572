// Reference max pooling. The forward pass records, for every output, the flat input index its
// maximum came from; the backward pass routes each gradient there, and the visualizer reads it too.

import type { FloatArray } from '../../core/dtype.js';
import type { Pool2DParams } from '../params.js';

/**
 * input  [batch, inH, inW, inC]
 * output [batch, outH, outW, inC] (overwritten)
 * argmax [batch, outH, outW, inC] flat index into input of each maximum (overwritten), or null when not wanted
 * Padded positions never win: they are skipped, not treated as zeros. NaN wins, so it propagates.
 */
export function maxPool2d(
  input: FloatArray,
  output: FloatArray,
  argmax: Int32Array | null,
  params: Pool2DParams,
): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = params;
  let outIndex = 0;
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let channel = 0; channel < inC; channel++, outIndex++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let ky = 0; ky < kH; ky++) {
            const iy = oy * strideH - padTop + ky;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = ox * strideW - padLeft + kx;
              if (ix < 0 || ix >= inW) continue;
              const inIndex = ((image * inH + iy) * inW + ix) * inC + channel;
              const value = input[inIndex]!;
              if (bestIndex < 0 || value > best || Number.isNaN(value)) {
                best = value;
                bestIndex = inIndex;
                if (Number.isNaN(value)) break;
              }
            }
          }
          output[outIndex] = best;
          if (argmax !== null) argmax[outIndex] = bestIndex;
        }
      }
    }
  }
}

/**
 * dOut   [batch, outH, outW, inC]
 * argmax [batch, outH, outW, inC] from maxPool2d
 * dInput [batch, inH, inW, inC] (overwritten); overlapping windows add up.
 */
export function maxPool2dBackprop(
  dOut: FloatArray,
  argmax: Int32Array,
  dInput: FloatArray,
  _params: Pool2DParams,
): void {
  dInput.fill(0);
  for (let outIndex = 0; outIndex < dOut.length; outIndex++) dInput[argmax[outIndex]!]! += dOut[outIndex]!;
}
