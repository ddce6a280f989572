// Reference convolution kernels: direct loops over NHWC activations and [kH, kW, inC, outC] filters.
// Slow on purpose and obvious; the oracle that every fast convolution is tested against.
//
// Derivation of the backward pass (referred to by every other conv kernel). Forward, for one image:
//   out[oy, ox, oc] = bias[oc] + sum over ky, kx, ic of in[oy*strideH - padTop + ky, ox*strideW - padLeft + kx, ic] *
//   w[ky, kx, ic, oc]
// Each input pixel in[iy, ix, ic] meets weight w[ky, kx, ic, oc] in exactly the outputs with
// iy = oy*strideH - padTop + ky (and likewise for x), so by the chain rule
//   dIn[iy, ix, ic] = sum over (oy, ox, ky, kx) with that relation, and oc, of dOut[oy, ox, oc] * w[ky, kx, ic, oc]
//   dW[ky, kx, ic, oc] = sum over images and (oy, ox) of in[iy, ix, ic] * dOut[oy, ox, oc]
//   dBias[oc] = sum over images and (oy, ox) of dOut[oy, ox, oc]
// dIn is therefore a "transposed" convolution of dOut with the same filter: we visit the same
// (output, tap) pairs as the forward pass and scatter instead of gather, skipping padded taps.
// Dilation d places tap ky at row oy*strideH - padTop + ky*d. Groups g split the channels: output
// channel oc of group j = floor(oc / (outC / g)) sums only input channels j * inC/g + i, i < inC/g,
// with weight w[ky, kx, i, oc] (the filter is [kH, kW, inC / g, outC]).

import type { FloatArray } from '../../core/dtype.js';
import { expansionParams, fusedActivationOf, projectionParams, type Conv2DParams } from '../params.js';
import { applyFusedActivation } from './activations.js';
import { maxPool2d } from './maxPool2d.js';

/** The settings every loop below needs, with the defaults of the optional fields. */
function layout(params: Conv2DParams) {
  const groups = params.groups ?? 1;
  return {
    dilationH: params.dilationH ?? 1,
    dilationW: params.dilationW ?? 1,
    groups,
    groupInC: params.inC / groups,
    groupOutC: params.outC / groups,
  };
}

/**
 * input  [batch, inH, inW, inC]
 * filter [kH, kW, inC / groups, outC]
 * bias   [outC] or null
 * output [batch, outH, outW, outC] (overwritten), plus `residual` (same shape) when given, then
 * params.activation (see FusedActivation) applied
 * inputScale [batch, inC] or null: each input value is read times the factor of its image and channel
 * expansionFilter [1, 1, expansion.inC, inC], expansionBias [inC] or null: with params.expansion, the input
 *        [batch, inH, inW, expansion.inC] is that 1x1 convolution's input (run first, stored whole)
 * projectionFilter [1, 1, outC, projection.outC], projectionBias [projection.outC] or null: with params.projection,
 *        the output [batch, outH, outW, projection.outC] is that 1x1 convolution's of this one's (stored whole), the
 *        residual and the projection's activation applied
 * With params.pool, output is [batch, pool.outH, pool.outW, outC]: the convolution's (stored whole), max-pooled.
 */
export function conv2d(
  input: FloatArray,
  filter: FloatArray,
  bias: FloatArray | null,
  output: FloatArray,
  params: Conv2DParams,
  residual: FloatArray | null = null,
  inputScale: FloatArray | null = null,
  expansionFilter: FloatArray | null = null,
  expansionBias: FloatArray | null = null,
  projectionFilter: FloatArray | null = null,
  projectionBias: FloatArray | null = null,
): void {
  if (params.pool !== undefined) {
    const { batch, outH, outW, outC } = params;
    const convolved = new (output.constructor as Float32ArrayConstructor)(batch * outH * outW * outC);
    const { pool, ...convolution } = params;
    conv2d(
      input,
      filter,
      bias,
      convolved,
      convolution,
      residual,
      inputScale,
      expansionFilter,
      expansionBias,
      projectionFilter,
      projectionBias,
    );
    maxPool2d(convolved, output, null, pool);
    return;
  }
  if (params.projection !== undefined) {
    const { batch, outH, outW, outC } = params;
    const depthwise = new (output.constructor as Float32ArrayConstructor)(batch * outH * outW * outC);
    conv2d(
      input,
      filter,
      bias,
      depthwise,
      { ...params, projection: undefined },
      null,
      inputScale,
      expansionFilter,
      expansionBias,
    );
    conv2d(depthwise, projectionFilter!, projectionBias, output, projectionParams(params), residual);
    return;
  }
  if (params.expansion !== undefined) {
    const expanded = new (output.constructor as Float32ArrayConstructor)(
      params.batch * params.inH * params.inW * params.inC,
    );
    conv2d(input, expansionFilter!, expansionBias, expanded, expansionParams(params), null, inputScale);
    input = expanded;
    inputScale = null;
  }
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = params;
  const { dilationH, dilationW, groups, groupInC, groupOutC } = layout(params);
  const activation = fusedActivationOf(params.activation);
  const accumulator = new Float64Array(outC);
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let oc = 0; oc < outC; oc++) accumulator[oc] = bias === null ? 0 : bias[oc]!;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx * dilationW;
            if (ix < 0 || ix >= inW) continue;
            const inBase = ((image * inH + iy) * inW + ix) * inC;
            const filterBase = (ky * kW + kx) * groupInC * outC;
            for (let group = 0; group < groups; group++) {
              for (let i = 0; i < groupInC; i++) {
                const channel = group * groupInC + i;
                const value =
                  inputScale === null
                    ? input[inBase + channel]!
                    : input[inBase + channel]! * inputScale[image * inC + channel]!;
                const weightBase = filterBase + i * outC + group * groupOutC;
                const outBase = group * groupOutC;
                for (let m = 0; m < groupOutC; m++) accumulator[outBase + m]! += value * filter[weightBase + m]!;
              }
            }
          }
        }
        const outBase = ((image * outH + oy) * outW + ox) * outC;
        if (residual !== null) {
          for (let oc = 0; oc < outC; oc++) accumulator[oc]! += residual[outBase + oc]!;
        }
        if (activation !== null) {
          for (let oc = 0; oc < outC; oc++) accumulator[oc] = applyFusedActivation(accumulator[oc]!, activation);
        }
        output.set(accumulator, outBase);
      }
    }
  }
}

/**
 * dOut   [batch, outH, outW, outC]
 * filter [kH, kW, inC / groups, outC]
 * dInput [batch, inH, inW, inC] (overwritten)
 */
export function conv2dBackpropInput(
  dOut: FloatArray,
  filter: FloatArray,
  dInput: FloatArray,
  params: Conv2DParams,
): void {
  const { outC } = params;
  const { groups, groupInC, groupOutC } = layout(params);
  dInput.fill(0);
  forEachTap(params, (dOutBase, inBase, filterBase) => {
    for (let group = 0; group < groups; group++) {
      for (let i = 0; i < groupInC; i++) {
        const weightBase = filterBase + i * outC + group * groupOutC;
        const outBase = dOutBase + group * groupOutC;
        let sum = 0;
        for (let m = 0; m < groupOutC; m++) sum += dOut[outBase + m]! * filter[weightBase + m]!;
        dInput[inBase + group * groupInC + i]! += sum;
      }
    }
  });
}

/**
 * input   [batch, inH, inW, inC]
 * dOut    [batch, outH, outW, outC]
 * dFilter [kH, kW, inC / groups, outC] (overwritten)
 */
export function conv2dBackpropFilter(
  input: FloatArray,
  dOut: FloatArray,
  dFilter: FloatArray,
  params: Conv2DParams,
): void {
  const { outC } = params;
  const { groups, groupInC, groupOutC } = layout(params);
  // Sums run over batch * outH * outW terms: accumulate in float64, round once.
  const accumulator = new Float64Array(dFilter.length);
  forEachTap(params, (dOutBase, inBase, filterBase) => {
    for (let group = 0; group < groups; group++) {
      for (let i = 0; i < groupInC; i++) {
        const value = input[inBase + group * groupInC + i]!;
        const weightBase = filterBase + i * outC + group * groupOutC;
        const outBase = dOutBase + group * groupOutC;
        for (let m = 0; m < groupOutC; m++) accumulator[weightBase + m]! += value * dOut[outBase + m]!;
      }
    }
  });
  dFilter.set(accumulator);
}

/**
 * Calls `visit` for each (output pixel, filter tap) pair inside the input, in the forward pass's order: with the
 * offsets of the output pixel (in dOut), of the input pixel the tap reads (in the input) and of the tap's
 * [inC / groups, outC] block (in the filter). Both gradients scatter over these pairs.
 */
function forEachTap(params: Conv2DParams, visit: (dOutBase: number, inBase: number, filterBase: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = params;
  const { dilationH, dilationW, groupInC } = layout(params);
  for (let image = 0; image < batch; image++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const dOutBase = ((image * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW - padLeft + kx * dilationW;
            if (ix < 0 || ix >= inW) continue;
            visit(dOutBase, ((image * inH + iy) * inW + ix) * inC, (ky * kW + kx) * groupInC * outC);
          }
        }
      }
    }
  }
}
