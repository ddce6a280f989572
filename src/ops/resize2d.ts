// Resize op of NHWC maps (nearest or bilinear, ONNX's coordinate modes): checks, params, dispatch.
// The maths and its gradient: kernels/js/resize2d.ts.

import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { record } from '../autograd/recorder.js';
import {
  NEAREST_ROUNDINGS,
  RESIZE_COORDINATES,
  type NearestRounding,
  type Resize2DParams,
  type ResizeCoordinates,
  type ResizeMode,
} from '../kernels/params.js';
import { runKernel } from '../kernels/dispatch.js';
import { allocateInputMap, allocateOutputMap } from './allocate.js';
import { checkImageBatch } from './checks.js';

/** How resize2d sizes its output and maps coordinates; give size or scale. */
export interface ResizeOptions {
  /** Default 'nearest'. */
  mode?: ResizeMode | undefined;
  /** The output's [height, width]. */
  size?: readonly [height: number, width: number] | undefined;
  /** Output size = floor(input size * scale), per axis ([scaleH, scaleW]) or both; the coordinates divide by it. */
  scale?: number | readonly [scaleH: number, scaleW: number] | undefined;
  /** Default: 'half_pixel' for bilinear (PyTorch's align_corners=False), 'asymmetric' for nearest (PyTorch's). */
  coordinates?: ResizeCoordinates | undefined;
  /** Nearest only; default 'floor' (PyTorch's nearest). */
  nearestRounding?: NearestRounding | undefined;
}

/**
 * Checks options without an input: ValueError for both or neither of size and scale, sizes that are
 * not positive integers, scales that are not positive and finite, or unknown modes.
 */
export function checkResizeOptions(options: ResizeOptions, name = 'resize2d'): void {
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear')
    throw new ValueError(`${name}: mode must be 'nearest' or 'bilinear', got ${JSON.stringify(mode)}`);
  if (options.coordinates !== undefined && !RESIZE_COORDINATES.includes(options.coordinates)) {
    throw new ValueError(
      `${name}: coordinates must be one of ${RESIZE_COORDINATES.join(', ')}; got ` +
        `${JSON.stringify(options.coordinates)}`,
    );
  }
  if (options.nearestRounding !== undefined && !NEAREST_ROUNDINGS.includes(options.nearestRounding)) {
    throw new ValueError(
      `${name}: nearestRounding must be one of ${NEAREST_ROUNDINGS.join(', ')}; got ` +
        `${JSON.stringify(options.nearestRounding)}`,
    );
  }
  if ((options.size === undefined) === (options.scale === undefined))
    throw new ValueError(`${name}: give either size or scale`);
  if (options.size !== undefined) {
    const [outH, outW] = options.size;
    if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
      throw new ValueError(`${name}: size must be two positive integers, got ${JSON.stringify(options.size)}`);
    }
  } else {
    const scale = options.scale!;
    const [scaleH, scaleW] = typeof scale === 'number' ? [scale, scale] : [scale[0], scale[1]];
    if (!(scaleH > 0 && scaleW > 0 && Number.isFinite(scaleH) && Number.isFinite(scaleW))) {
      throw new ValueError(`${name}: scale must be positive and finite, got ${JSON.stringify(scale)}`);
    }
  }
}

/**
 * Resolves options for an input of [batch, inH, inW, inC]. Throws ValueError for bad options
 * (checkResizeOptions) or a scale that leaves no pixels.
 */
export function resize2dParams(
  inputShape: readonly number[],
  options: ResizeOptions,
  name = 'resize2d',
): Resize2DParams {
  checkResizeOptions(options, name);
  const [batch, inH, inW, inC] = inputShape as [number, number, number, number];
  const mode = options.mode ?? 'nearest';
  const coordinates = options.coordinates ?? (mode === 'bilinear' ? 'half_pixel' : 'asymmetric');
  const nearestRounding = options.nearestRounding ?? 'floor';
  if (options.size !== undefined) {
    const [outH, outW] = options.size;
    // As onnxruntime derives them: the float32 quotient.
    return {
      batch,
      inH,
      inW,
      inC,
      outH,
      outW,
      scaleH: Math.fround(outH / inH),
      scaleW: Math.fround(outW / inW),
      mode,
      coordinates,
      nearestRounding,
    };
  }
  const scale = options.scale!;
  const [scaleH, scaleW] = (typeof scale === 'number' ? [scale, scale] : [scale[0], scale[1]]).map(Math.fround) as [
    number,
    number,
  ];
  const [outH, outW] = [Math.floor(inH * scaleH), Math.floor(inW * scaleW)];
  if (outH < 1 || outW < 1)
    throw new ValueError(`${name}: scale ${JSON.stringify(scale)} leaves no pixels of a ${inH}x${inW} input`);
  return { batch, inH, inW, inC, outH, outW, scaleH, scaleW, mode, coordinates, nearestRounding };
}

/**
 * Resizes each image of [batch, inH, inW, C] to [batch, outH, outW, C] by nearest or bilinear
 * interpolation, with ONNX Resize's (and PyTorch's) coordinate conventions. Throws ShapeError for a
 * rank other than 4, ValueError for bad options (see resize2dParams).
 *
 * @example
 * resize2d(x, { mode: 'bilinear', size: [64, 64] }); // F.interpolate(x, size=(64, 64), mode='bilinear')
 */
export function resize2d(input: Tensor, options: ResizeOptions, name = 'resize2d'): Tensor {
  checkImageBatch(input, name);
  const params = resize2dParams(input.shape, options, name);
  const output = allocateOutputMap(params, input.dtype, name);
  runKernel('Resize2D', input, output, params);
  record<Resize2DParams>({ id: 'Resize2D', inputs: [input], output, saved: params });
  return output;
}

/** The gradient of resize2d: dOut scattered back to the input pixels with the interpolation weights. */
export function resize2dBackprop(dOut: Tensor, params: Resize2DParams): Tensor {
  const dInput = allocateInputMap(params, dOut.dtype);
  runKernel('Resize2DBackprop', dOut, dInput, params);
  return dInput;
}
