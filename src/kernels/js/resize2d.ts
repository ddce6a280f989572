// Reference resize of NHWC maps (ONNX Resize and Upsample on height and width; PyTorch's
// F.interpolate 'nearest' and 'bilinear'). Each axis is mapped on its own: output index o goes back
// to a source coordinate x by the coordinate transformation (scale = outSize / inSize, float32):
//   half_pixel:           x = (o + 0.5) / scale - 0.5   (PyTorch's bilinear, align_corners=False)
//   pytorch_half_pixel:   the same, but x = 0 where outSize is 1
//   align_corners:        x = o * (inSize - 1) / (outSize - 1), 0 where outSize is 1
//   asymmetric:           x = o / scale                 (PyTorch's nearest)
//   tf_half_pixel_for_nn: x = (o + 0.5) / scale
// Nearest rounds x to a pixel (nearest_mode) and clamps it into [0, inSize - 1]. Bilinear clamps x
// into [0, inSize - 1] and blends pixel x0 = floor(x) and x1 = min(x0 + 1, inSize - 1) with weights
// 1 - (x - x0) and x - x0 (onnxruntime and PyTorch alike); the 2-D weight is the product of the two
// axes'. The output is linear in the input, so the gradient scatters dOut back with the same weights
// (each input pixel gathers from every output pixel whose taps touch it).

import type { FloatArray } from '../../core/dtype.js';
import type { NearestRounding, Resize2DParams, ResizeCoordinates } from '../params.js';

/** One axis' taps: output index o blends input pixels first[o] and second[o], the second with weight[o]. */
export interface AxisTaps {
  first: Int32Array;
  second: Int32Array;
  weight: Float64Array;
}

/**
 * The source coordinate of output index `index` along an axis (see the file header), in float32 step by
 * step as onnxruntime computes it: at a tie (nearest at x.5) float64 would round the other way.
 */
export function sourceCoordinate(
  index: number,
  inSize: number,
  outSize: number,
  scale: number,
  coordinates: ResizeCoordinates,
): number {
  const f = Math.fround;
  switch (coordinates) {
    case 'half_pixel':
      return f(f(f(index + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel':
      return outSize > 1 ? f(f(f(index + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outSize > 1 ? f(f(index * (inSize - 1)) / (outSize - 1)) : 0;
    case 'asymmetric':
      return f(index / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(index + 0.5) / scale);
  }
}

function roundNearest(coordinate: number, rounding: NearestRounding): number {
  switch (rounding) {
    case 'floor':
      return Math.floor(coordinate);
    case 'ceil':
      return Math.ceil(coordinate);
    case 'round_prefer_floor':
      return Math.ceil(coordinate - 0.5);
    case 'round_prefer_ceil':
      return Math.floor(coordinate + 0.5);
  }
}

/** The taps of every output index along one axis. */
export function axisTaps(inSize: number, outSize: number, scale: number, params: Resize2DParams): AxisTaps {
  const taps: AxisTaps = {
    first: new Int32Array(outSize),
    second: new Int32Array(outSize),
    weight: new Float64Array(outSize),
  };
  for (let index = 0; index < outSize; index++) {
    const coordinate = sourceCoordinate(index, inSize, outSize, scale, params.coordinates);
    if (params.mode === 'nearest') {
      const pixel = Math.min(Math.max(roundNearest(coordinate, params.nearestRounding), 0), inSize - 1);
      taps.first[index] = pixel;
      taps.second[index] = pixel;
      continue;
    }
    const clamped = Math.min(Math.max(coordinate, 0), inSize - 1);
    const first = Math.floor(clamped);
    taps.first[index] = first;
    taps.second[index] = Math.min(first + 1, inSize - 1);
    taps.weight[index] = Math.fround(clamped - first);
  }
  return taps;
}

/**
 * input  [batch, inH, inW, inC]
 * output [batch, outH, outW, inC] (overwritten)
 */
export function resize2d(input: FloatArray, output: FloatArray, params: Resize2DParams): void {
  const { inC } = params;
  forEachOutputPixel(params, (to, weights, taps) => {
    for (let channel = 0; channel < inC; channel++) {
      let sum = 0;
      for (let tap = 0; tap < 4; tap++) sum += weights[tap]! * input[taps[tap]! * inC + channel]!;
      output[to + channel] = sum;
    }
  });
}

/**
 * dOut   [batch, outH, outW, inC]
 * dInput [batch, inH, inW, inC] (overwritten): each output pixel's dOut added to its taps, weighted
 */
export function resize2dBackprop(dOut: FloatArray, dInput: FloatArray, params: Resize2DParams): void {
  const { inC } = params;
  dInput.fill(0);
  forEachOutputPixel(params, (from, weights, taps) => {
    for (let tap = 0; tap < 4; tap++) {
      const weight = weights[tap]!;
      if (weight === 0) continue;
      for (let channel = 0; channel < inC; channel++)
        dInput[taps[tap]! * inC + channel]! += weight * dOut[from + channel]!;
    }
  });
}

/**
 * Calls `visit` for each output pixel in order, with its offset in the output [batch, outH, outW, inC], its four
 * taps (input pixels: top left, top right, bottom left, bottom right) and their weights.
 */
function forEachOutputPixel(
  params: Resize2DParams,
  visit: (outBase: number, weights: readonly number[], taps: readonly number[]) => void,
): void {
  const { batch, inH, inW, inC, outH, outW } = params;
  const rows = axisTaps(inH, outH, params.scaleH, params);
  const columns = axisTaps(inW, outW, params.scaleW, params);
  for (let image = 0; image < batch; image++) {
    for (let outY = 0; outY < outH; outY++) {
      const top = (image * inH + rows.first[outY]!) * inW;
      const bottom = (image * inH + rows.second[outY]!) * inW;
      const weightY = rows.weight[outY]!;
      for (let outX = 0; outX < outW; outX++) {
        const weightX = columns.weight[outX]!;
        const weights = [
          (1 - weightY) * (1 - weightX),
          (1 - weightY) * weightX,
          weightY * (1 - weightX),
          weightY * weightX,
        ];
        const taps = [
          top + columns.first[outX]!,
          top + columns.second[outX]!,
          bottom + columns.first[outX]!,
          bottom + columns.second[outX]!,
        ];
        visit(((image * outH + outY) * outW + outX) * inC, weights, taps);
      }
    }
  }
}
