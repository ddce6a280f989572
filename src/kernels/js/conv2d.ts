// Reference convolution kernels: direct loops over NHWC activations and [kH, kW, inC, outC] filters.
// Slow on purpose and obvious; the oracle that every fast convolution is tested against.
//
// Derivation of the backward pass (referred to by every other conv kernel). Forward, for one image:
//   out[oy, ox, oc] = bias[oc] + sum over ky, kx, ic of in[oy*strideH - padTop + ky, ox*strideW - padLeft + kx, ic] * w[ky, kx, ic, oc]
// Each input pixel in[iy, ix, ic] meets weight w[ky, kx, ic, oc] in exactly the outputs with
// iy = oy*strideH - padTop + ky (and likewise for x), so by the chain rule
//   dIn[iy, ix, ic] = sum over (oy, ox, ky, kx) with that relation, and oc, of dOut[oy, ox, oc] * w[ky, kx, ic, oc]
//   dW[ky, kx, ic, oc] = sum over images and (oy, ox) of in[iy, ix, ic] * dOut[oy, ox, oc]
//   dBias[oc] = sum over images and (oy, ox) of dOut[oy, ox, oc]
// dIn is therefore a "transposed" convolution of dOut with the same filter: we visit the same
// (output, tap) pairs as the forward pass and scatter instead of gather, skipping padded taps.

import type { FloatArray } from '../../core/dtype.js';
import type { Conv2DParams } from '../params.js';

/**
 * input  [batch, inH, inW, inC]
 * filter [kH, kW, inC, outC]
 * bias   [outC] or null
 * output [batch, outH, outW, outC] (overwritten), then max(output, 0) if params.activation is 'relu'
 */
export function conv2d(input: FloatArray, filter: FloatArray, bias: FloatArray | null, output: FloatArray, params: Conv2DParams): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = params;
  const accumulator = new Float64Array(outC);
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let oc = 0; oc < outC; oc++) accumulator[oc] = bias === null ? 0 : bias[oc]!;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx;
            if (ix < 0 || ix >= inW) continue;
            const inBase = ((image * inH + iy) * inW + ix) * inC;
            const filterBase = (ky * kW + kx) * inC * outC;
            for (let ic = 0; ic < inC; ic++) {
              const value = input[inBase + ic]!;
              const weightBase = filterBase + ic * outC;
              for (let oc = 0; oc < outC; oc++) accumulator[oc] += value * filter[weightBase + oc]!;
            }
          }
        }
        if (params.activation === 'relu') {
          for (let oc = 0; oc < outC; oc++) accumulator[oc] = Math.max(accumulator[oc]!, 0);
        }
        output.set(accumulator, ((image * outH + oy) * outW + ox) * outC);
      }
    }
  }
}

/**
 * dOut   [batch, outH, outW, outC]
 * filter [kH, kW, inC, outC]
 * dInput [batch, inH, inW, inC] (overwritten)
 */
export function conv2dBackpropInput(dOut: FloatArray, filter: FloatArray, dInput: FloatArray, params: Conv2DParams): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = params;
  dInput.fill(0);
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const dOutBase = ((image * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx;
            if (ix < 0 || ix >= inW) continue;
            const inBase = ((image * inH + iy) * inW + ix) * inC;
            const filterBase = (ky * kW + kx) * inC * outC;
            for (let ic = 0; ic < inC; ic++) {
              const weightBase = filterBase + ic * outC;
              let sum = 0;
              for (let oc = 0; oc < outC; oc++) sum += dOut[dOutBase + oc]! * filter[weightBase + oc]!;
              dInput[inBase + ic] += sum;
            }
          }
        }
      }
    }
  }
}

/**
 * input   [batch, inH, inW, inC]
 * dOut    [batch, outH, outW, outC]
 * dFilter [kH, kW, inC, outC] (overwritten)
 */
export function conv2dBackpropFilter(input: FloatArray, dOut: FloatArray, dFilter: FloatArray, params: Conv2DParams): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = params;
  // Sums run over batch * outH * outW terms: accumulate in float64, round once.
  const accumulator = new Float64Array(dFilter.length);
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const dOutBase = ((image * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx;
            if (ix < 0 || ix >= inW) continue;
            const inBase = ((image * inH + iy) * inW + ix) * inC;
            const filterBase = (ky * kW + kx) * inC * outC;
            for (let ic = 0; ic < inC; ic++) {
              const value = input[inBase + ic]!;
              const weightBase = filterBase + ic * outC;
              for (let oc = 0; oc < outC; oc++) accumulator[weightBase + oc] += value * dOut[dOutBase + oc]!;
            }
          }
        }
      }
    }
  }
  dFilter.set(accumulator);
}
