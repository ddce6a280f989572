// Transposed 2-D convolution (a "deconvolution", the upsampling of segmentation decoders and GANs):
// the exact adjoint of a Conv2D, run on the existing convolution kernels, so it has their WebAssembly
// SIMD paths for free.
//
// Derivation. A Conv2D C maps maps of size [outH_t, outW_t, outC_t] to [inH_t, inW_t, inC_t] with a
// filter [kH, kW, outC_t / groups, inC_t] (its "input" is the transposed op's output, its "output" the
// transposed op's input). Its input gradient (kernels/js/conv2d.ts) is the linear map C^T: a scatter
//   y[i*strideH - padTop + ky*dilationH, ...] += x[i, ...] * w[ky, kx, ...]
// which is exactly what PyTorch's ConvTranspose2d and ONNX's ConvTranspose compute. So
//   forward       y  = Conv2DBackpropInput(x, w)           (C^T x)
//   input grad    dx = Conv2D(dy, w)                        (C dy: the adjoint of the adjoint)
//   filter grad   dw = Conv2DBackpropFilter(dy, x)          (C's filter gradient, with dy as its input, x as its dOut)
// all with one Conv2DParams record of C: inH = outH_t, outH = inH_t, inC = outC_t, outC = inC_t.
// Sizes: outH_t = (inH_t - 1) * strideH - padTop - padBottom + (kH - 1) * dilationH + 1 + outputPaddingH;
// 'same' gives outH_t = inH_t * strideH with the pads Conv2D's 'same' takes on outH_t (Keras's rule).
// Filter layout [kH, kW, outC / groups, inC] (Keras's Conv2DTranspose layout).
// Limits: outputPadding must be smaller than the stride (or the dilation), as in PyTorch and ONNX.

import { ShapeError, ValueError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import {
  effectiveKernelSize,
  resolvePadding,
  windowOutputSize,
  type Conv2DParams,
  type Padding,
} from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateTensor } from './allocate.js';
import { biasAdd } from './biasAdd.js';
import { checkImageBatch, checkPositiveInteger, checkRank, checkSameDtype } from './checks.js';

export interface Conv2DTransposeOptions {
  strides?: number | readonly [number, number] | undefined;
  /** 'valid' (default), 'same' (output = input x stride) or explicit pads, cropped from the full output. */
  padding?: Padding | undefined;
  /** Rows and columns added at the bottom and right of the output (smaller than the stride); default 0. */
  outputPadding?: number | readonly [number, number] | undefined;
  /** Spacing of the kernel taps; default 1. */
  dilations?: number | readonly [number, number] | undefined;
  /** Channel groups: the filter is [kH, kW, outC / groups, inC]. Default 1. */
  groups?: number | undefined;
  /** Names the caller (a layer) in error messages. */
  name?: string | undefined;
}

/** The transposed op's geometry on one image (what conv2dTransposeParams needs besides the batch). */
export interface Conv2DTransposeGeometry {
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  outputPaddingH: number;
  outputPaddingW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

function pairOf(value: number | readonly [number, number] | undefined, fallback: number): readonly [number, number] {
  return value === undefined ? [fallback, fallback] : typeof value === 'number' ? [value, value] : value;
}

/**
 * The Conv2DParams of the convolution whose adjoint the transposed op is (see the header): inH/inW
 * are the transposed op's output size. Throws ShapeError naming `name` when the sizes do not fit.
 */
export function conv2dTransposeParams(name: string, batch: number, geometry: Conv2DTransposeGeometry): Conv2DParams {
  const {
    inH,
    inW,
    inC,
    outC,
    kH,
    kW,
    strideH,
    strideW,
    outputPaddingH,
    outputPaddingW,
    dilationH,
    dilationW,
    groups,
  } = geometry;
  const spanH = effectiveKernelSize(kH, dilationH);
  const spanW = effectiveKernelSize(kW, dilationW);
  for (const [value, limit] of [
    [outputPaddingH, Math.max(strideH, dilationH)],
    [outputPaddingW, Math.max(strideW, dilationW)],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= limit) {
      throw new ValueError(
        `${name}: outputPadding ${outputPaddingH}x${outputPaddingW} must be non-negative integers smaller ` +
          `than the stride ${strideH}x${strideW} (or the dilation)`,
      );
    }
  }
  let outH: number;
  let outW: number;
  let pads: ReturnType<typeof resolvePadding>;
  if (geometry.padding === 'same') {
    if (outputPaddingH !== 0 || outputPaddingW !== 0)
      throw new ValueError(`${name}: outputPadding is not taken with padding 'same' (give explicit pads)`);
    outH = inH * strideH;
    outW = inW * strideW;
    pads = resolvePadding('same', outH, outW, spanH, spanW, strideH, strideW);
  } else {
    pads = resolvePadding(geometry.padding, 0, 0, spanH, spanW, strideH, strideW);
    outH = (inH - 1) * strideH - pads.padTop - pads.padBottom + spanH + outputPaddingH;
    outW = (inW - 1) * strideW - pads.padLeft - pads.padRight + spanW + outputPaddingW;
  }
  const convH = windowOutputSize(outH, spanH, strideH, pads.padTop, pads.padBottom);
  const convW = windowOutputSize(outW, spanW, strideW, pads.padLeft, pads.padRight);
  if (outH < 1 || outW < 1 || convH !== inH || convW !== inW) {
    throw new ShapeError(
      `${name}: a ${kH}x${kW} kernel with stride ${strideH}x${strideW} and pads ${JSON.stringify(pads)} ` +
        `gives no output of at least 1x1 from a ${inH}x${inW} input (output ${outH}x${outW}); use smaller pads`,
    );
  }
  const params: Conv2DParams = {
    batch,
    inH: outH,
    inW: outW,
    inC: outC,
    outH: inH,
    outW: inW,
    outC: inC,
    kH,
    kW,
    strideH,
    strideW,
    ...pads,
  };
  if (dilationH !== 1 || dilationW !== 1) Object.assign(params, { dilationH, dilationW });
  if (groups !== 1) params.groups = groups;
  return params;
}

/**
 * Transposed convolution of an NHWC batch [batch, inH, inW, inC] with a [kH, kW, outC / groups, inC]
 * filter, plus an optional [outC] bias: [batch, outH, outW, outC] (sizes in the header). Throws
 * ShapeError naming `options.name` when channels disagree or the output would be empty.
 *
 * @example
 * const y = conv2dTranspose(x, filter, bias, { strides: 2, padding: 'same' }); // x [1,8,8,16], filter [3,3,4,16] -> y
 * [1,16,16,4]
 */
export function conv2dTranspose(
  input: Tensor,
  filter: Tensor,
  bias: Tensor | null,
  options: Conv2DTransposeOptions = {},
): Tensor {
  const name = options.name ?? 'conv2dTranspose';
  checkImageBatch(input, name);
  checkRank(filter, 4, `${name}: filter`, '[kH, kW, outC / groups, inC]');
  checkSameDtype(name, input, filter, bias);
  const [batch, inH, inW, inC] = input.shape as [number, number, number, number];
  const [kH, kW, groupOutC, filterInC] = filter.shape as [number, number, number, number];
  const groups = options.groups ?? 1;
  checkPositiveInteger(groups, `${name}: groups`);
  if (filterInC !== inC || inC % groups !== 0) {
    throw new ShapeError(
      `${name}: input has ${inC} channels (shape ${formatShape(input.shape)}) but the filter ` +
        `${formatShape(filter.shape)} takes ${filterInC} in ${groups} group(s)`,
    );
  }
  const outC = groupOutC * groups;
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== outC)) {
    throw new ShapeError(
      `${name}: bias has shape ${formatShape(bias.shape)} but the filter makes ${outC} output channels`,
    );
  }
  const [strideH, strideW] = pairOf(options.strides, 1);
  const [dilationH, dilationW] = pairOf(options.dilations, 1);
  const [outputPaddingH, outputPaddingW] = pairOf(options.outputPadding, 0);
  for (const value of [strideH, strideW, dilationH, dilationW])
    checkPositiveInteger(value, `${name}: strides and dilations`);
  const params = conv2dTransposeParams(name, batch, {
    inH,
    inW,
    inC,
    outC,
    kH,
    kW,
    strideH,
    strideW,
    padding: options.padding ?? 'valid',
    outputPaddingH,
    outputPaddingW,
    dilationH,
    dilationW,
    groups,
  });
  const output = allocateTensor([batch, params.inH, params.inW, outC], input.dtype, name);
  runKernel('Conv2DBackpropInput', input, filter, output, params);
  record({ id: 'Conv2DTranspose', inputs: [input, filter], output, saved: params });
  return bias === null ? output : biasAdd(output, bias, name);
}

/** Gradient of conv2dTranspose with respect to its input: a Conv2D of dOut (derivation in the header). */
export function conv2dTransposeBackpropInput(dOut: Tensor, filter: Tensor, params: Conv2DParams): Tensor {
  const dInput = allocateTensor([params.batch, params.outH, params.outW, params.outC], dOut.dtype);
  runKernel('Conv2D', dOut, filter, null, dInput, params);
  return dInput;
}

/** Gradient of conv2dTranspose with respect to its filter [kH, kW, outC / groups, inC]. */
export function conv2dTransposeBackpropFilter(input: Tensor, dOut: Tensor, params: Conv2DParams): Tensor {
  const dFilter = allocateTensor([params.kH, params.kW, params.inC / (params.groups ?? 1), params.outC], dOut.dtype);
  runKernel('Conv2DBackpropFilter', dOut, input, dFilter, params);
  return dFilter;
}
