// Preprocessing of in-memory images before the input layer: resize (bilinear or area), center crop,
// pad, per-channel normalisation, and HWC <-> CHW layout changes for other frameworks' tensors.
// Resizing works on every color model channel by channel; hue (HSV) wraps around, so resize HSV
// images in RGB and convert after.
// Pixel centers follow the half-pixel convention (as OpenCV's and TensorFlow's half_pixel_centers):
// output pixel x samples input position (x + 0.5) * inW / outW - 0.5.

import { ShapeError, ValueError } from '../core/errors.js';
import { channelsOf } from './colorModels.js';
import { imageRows, type Image, type ImageRows } from './image.js';

/** How resizeImage samples: bilinear interpolation, or area averaging (for shrinking). */
export type ResizeMethod = 'bilinear' | 'area';

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ValueError(`${what}: size must be positive integers, got ${width}x${height}`);
  }
}

/**
 * Resizes to width x height. 'bilinear' interpolates between the 4 nearest pixels (good for
 * enlarging); 'area' averages every input pixel an output pixel covers, weighted by the covered area
 * (good for shrinking: no aliasing, as when a photo becomes a 28x28 digit).
 *
 * @example
 * const small = resizeImage(photo, 28, 28, 'area');
 */
export function resizeImage(image: Image, width: number, height: number, method: ResizeMethod = 'bilinear'): Image {
  checkSize(width, height, 'resizeImage');
  const channels = channelsOf(image.colorModel);
  const data = new Float32Array(width * height * channels);
  if (method === 'area') resizeArea(image, width, height, channels, data);
  else if (method === 'bilinear') resizeBilinear(image, width, height, channels, data);
  else throw new ValueError(`resizeImage: method must be 'bilinear' or 'area', got '${String(method)}'`);
  return { width, height, colorModel: image.colorModel, data };
}

function resizeBilinear(image: Image, width: number, height: number, channels: number, data: Float32Array): void {
  const scaleX = image.width / width;
  const scaleY = image.height / height;
  for (let y = 0; y < height; y++) {
    const sourceY = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), image.height - 1);
    const y0 = Math.floor(sourceY);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const weightY = sourceY - y0;
    for (let x = 0; x < width; x++) {
      const sourceX = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), image.width - 1);
      const x0 = Math.floor(sourceX);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const weightX = sourceX - x0;
      for (let channel = 0; channel < channels; channel++) {
        const at = (row: number, column: number) => image.data[(row * image.width + column) * channels + channel]!;
        const top = at(y0, x0) * (1 - weightX) + at(y0, x1) * weightX;
        const bottom = at(y1, x0) * (1 - weightX) + at(y1, x1) * weightX;
        data[(y * width + x) * channels + channel] = top * (1 - weightY) + bottom * weightY;
      }
    }
  }
}

/** The input spans [start, end) covered by output cell `index` of `count`, with their overlap weights. */
function coverage(index: number, count: number, size: number): [number, number][] {
  const start = (index * size) / count;
  const end = ((index + 1) * size) / count;
  const spans: [number, number][] = [];
  for (let source = Math.floor(start); source < Math.min(Math.ceil(end), size); source++) {
    spans.push([source, Math.min(end, source + 1) - Math.max(start, source)]);
  }
  return spans;
}

function resizeArea(image: Image, width: number, height: number, channels: number, data: Float32Array): void {
  accumulateArea(imageRows(image), width, height, channels, data);
}

/**
 * Area resizing that takes the input one row at a time, in order: each output row keeps running
 * sums (in float64) while the input rows it covers go by, and is written when the last one has.
 * The sums add, for every output value, the same products in the same order (covered rows, then
 * covered columns) as a loop over each output pixel would, so the result does not depend on whether
 * the input was held whole or streamed from a decoder.
 */
function accumulateArea(rows: ImageRows, width: number, height: number, channels: number, data: Float32Array): void {
  // Each output column's input columns (consecutive from columnStart) and their weights, flat.
  const columnStart = new Int32Array(width);
  const columnCount = new Int32Array(width);
  const columnWeightsAt = new Int32Array(width);
  const columnSpans = Array.from({ length: width }, (_, x) => coverage(x, width, rows.width));
  const columnWeights = Float64Array.from(columnSpans.flat(), ([, weight]) => weight);
  columnSpans.reduce((at, span, x) => {
    [columnStart[x], columnCount[x], columnWeightsAt[x]] = [span[0]![0], span.length, at];
    return at + span.length;
  }, 0);
  const spans = Array.from({ length: height }, (_, y) => coverage(y, height, rows.height));
  const open = new Map<number, { sums: Float64Array; weights: Float64Array }>();
  let firstOpen = 0;
  let nextToOpen = 0;
  rows.forEachRow((values, row) => {
    while (nextToOpen < height && spans[nextToOpen]![0]![0] <= row) {
      open.set(nextToOpen++, { sums: new Float64Array(width * channels), weights: new Float64Array(width) });
    }
    for (let y = firstOpen; y < nextToOpen; y++) {
      const span = spans[y]!;
      const first = span[0]![0];
      if (row < first || row > first + span.length - 1) continue;
      const rowWeight = span[row - first]![1];
      const { sums, weights } = open.get(y)!;
      for (let x = 0; x < width; x++) {
        const start = columnStart[x]!;
        const at = columnWeightsAt[x]!;
        for (let index = 0; index < columnCount[x]!; index++) {
          const columnWeight = columnWeights[at + index]!;
          const source = (start + index) * channels;
          for (let channel = 0; channel < channels; channel++) {
            sums[x * channels + channel]! += values[source + channel]! * rowWeight * columnWeight;
          }
          weights[x]! += rowWeight * columnWeight;
        }
      }
    }
    // Output rows whose last input row this was are complete.
    while (firstOpen < nextToOpen && spans[firstOpen]![spans[firstOpen]!.length - 1]![0] <= row) {
      const { sums, weights } = open.get(firstOpen)!;
      for (let x = 0; x < width; x++) {
        for (let channel = 0; channel < channels; channel++) {
          data[(firstOpen * width + x) * channels + channel] = sums[x * channels + channel]! / weights[x]!;
        }
      }
      open.delete(firstOpen++);
    }
  });
}

/**
 * Area resizing (as resizeImage's 'area') of an image delivered row by row: only the output and a few
 * rows of running sums are held, so a decoder can shrink a picture larger than memory allows in
 * float32. Gives the same values as resizeImage on the whole image.
 *
 * @example
 * const small = resizeRowsArea(imageRows(photo), 28, 28);
 */
export function resizeRowsArea(rows: ImageRows, width: number, height: number): Image {
  checkSize(width, height, 'resizeRowsArea');
  const channels = channelsOf(rows.colorModel);
  const data = new Float32Array(width * height * channels);
  accumulateArea(rows, width, height, channels, data);
  return { width, height, colorModel: rows.colorModel, data };
}

/** The central width x height part of the image (both at most the image's size). */
export function centerCrop(image: Image, width: number, height: number): Image {
  checkSize(width, height, 'centerCrop');
  if (width > image.width || height > image.height) {
    throw new ValueError(`centerCrop: cannot crop ${width}x${height} out of a ${image.width}x${image.height} image`);
  }
  const channels = channelsOf(image.colorModel);
  const left = Math.floor((image.width - width) / 2);
  const top = Math.floor((image.height - height) / 2);
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const source = ((top + y) * image.width + left) * channels;
    data.set(image.data.subarray(source, source + width * channels), y * width * channels);
  }
  return { width, height, colorModel: image.colorModel, data };
}

/** Adds a border of `value` (per channel, or one value for all) around the image. */
export function padImage(
  image: Image,
  padding: { top: number; bottom: number; left: number; right: number },
  value: number | readonly number[] = 0,
): Image {
  const { top, bottom, left, right } = padding;
  if (![top, bottom, left, right].every((amount) => Number.isInteger(amount) && amount >= 0)) {
    throw new ValueError(`padImage: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  }
  const channels = channelsOf(image.colorModel);
  const fill = typeof value === 'number' ? new Array<number>(channels).fill(value) : [...value];
  if (fill.length !== channels)
    throw new ValueError(`padImage: ${fill.length} fill values for a ${channels}-channel image`);
  const width = image.width + left + right;
  const height = image.height + top + bottom;
  const data = new Float32Array(width * height * channels);
  for (let pixel = 0; pixel < width * height; pixel++) data.set(fill, pixel * channels);
  for (let y = 0; y < image.height; y++) {
    const source = y * image.width * channels;
    data.set(image.data.subarray(source, source + image.width * channels), ((top + y) * width + left) * channels);
  }
  return { width, height, colorModel: image.colorModel, data };
}

/** (value - mean[c]) / std[c] for every channel c, as trained networks expect their inputs. */
export function normalizeImage(image: Image, mean: readonly number[], std: readonly number[]): Image {
  const channels = channelsOf(image.colorModel);
  if (mean.length !== channels || std.length !== channels) {
    throw new ValueError(
      `normalizeImage: a ${channels}-channel image needs ${channels} means and standard deviations, got ` +
        `${mean.length} and ${std.length}`,
    );
  }
  if (!std.every((deviation) => deviation > 0))
    throw new ValueError(`normalizeImage: standard deviations must be positive, got [${std.join(', ')}]`);
  const data = new Float32Array(image.data.length);
  for (let index = 0; index < data.length; index++) {
    const channel = index % channels;
    data[index] = (image.data[index]! - mean[channel]!) / std[channel]!;
  }
  return { width: image.width, height: image.height, colorModel: image.colorModel, data };
}

/**
 * HWC (channels last, this library's layout) to CHW (channels first, as PyTorch and ONNX use); `data`
 * may hold a whole batch of such images one after another (NHWC to NCHW).
 */
export function toChannelsFirst(data: Float32Array, height: number, width: number, channels: number): Float32Array {
  return transposeImages(data, height * width, channels, true);
}

/** CHW back to HWC (a batch: NCHW to NHWC). */
export function toChannelsLast(data: Float32Array, height: number, width: number, channels: number): Float32Array {
  return transposeImages(data, height * width, channels, false);
}

function transposeImages(
  data: Float32Array,
  pixels: number,
  channels: number,
  isToChannelsFirst: boolean,
): Float32Array {
  const imageSize = pixels * channels;
  if (imageSize === 0 || data.length % imageSize !== 0) {
    throw new ShapeError(
      `${isToChannelsFirst ? 'toChannelsFirst' : 'toChannelsLast'}: ${data.length} values are not whole ` +
        `images of ${pixels} pixels x ${channels} channels`,
    );
  }
  const result = new Float32Array(data.length);
  for (let start = 0; start < data.length; start += imageSize) {
    for (let pixel = 0; pixel < pixels; pixel++) {
      for (let channel = 0; channel < channels; channel++) {
        const last = start + pixel * channels + channel;
        const first = start + channel * pixels + pixel;
        if (isToChannelsFirst) result[first] = data[last]!;
        else result[last] = data[first]!;
      }
    }
  }
  return result;
}

/**
 * The image at `width` x `height` for a model's input: area averaging when it shrinks both sides
 * (no aliasing), bilinear otherwise; the same image when it already has that size.
 */
export function fitImage(image: Image, width: number, height: number): Image {
  if (image.width === width && image.height === height) return image;
  const isShrinking = image.width >= width && image.height >= height;
  return resizeImage(image, width, height, isShrinking ? 'area' : 'bilinear');
}
