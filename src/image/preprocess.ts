// Preprocessing of in-memory images before the input layer: resize (bilinear or area), center crop,
// pad, per-channel normalisation, and HWC <-> CHW layout changes for other frameworks' tensors.
// Resizing works on every color model channel by channel; hue (HSV) wraps around, so resize HSV
// images in RGB and convert after.
// Pixel centers follow the half-pixel convention (as OpenCV's and TensorFlow's half_pixel_centers):
// output pixel x samples input position (x + 0.5) * inW / outW - 0.5.

import { ShapeError, ValueError } from '../core/errors.js';
import { channelsOf } from './colorModels.js';
import type { Image } from './image.js';

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
  const columns = Array.from({ length: width }, (_, x) => coverage(x, width, image.width));
  for (let y = 0; y < height; y++) {
    const rows = coverage(y, height, image.height);
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < channels; channel++) {
        let sum = 0;
        let weight = 0;
        for (const [row, rowWeight] of rows) {
          for (const [column, columnWeight] of columns[x]!) {
            sum += image.data[(row * image.width + column) * channels + channel]! * rowWeight * columnWeight;
            weight += rowWeight * columnWeight;
          }
        }
        data[(y * width + x) * channels + channel] = sum / weight;
      }
    }
  }
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
export function padImage(image: Image, padding: { top: number; bottom: number; left: number; right: number }, value: number | readonly number[] = 0): Image {
  const { top, bottom, left, right } = padding;
  if (![top, bottom, left, right].every((amount) => Number.isInteger(amount) && amount >= 0)) {
    throw new ValueError(`padImage: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  }
  const channels = channelsOf(image.colorModel);
  const fill = typeof value === 'number' ? new Array<number>(channels).fill(value) : [...value];
  if (fill.length !== channels) throw new ValueError(`padImage: ${fill.length} fill values for a ${channels}-channel image`);
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
    throw new ValueError(`normalizeImage: a ${channels}-channel image needs ${channels} means and standard deviations, got ${mean.length} and ${std.length}`);
  }
  if (!std.every((deviation) => deviation > 0)) throw new ValueError(`normalizeImage: standard deviations must be positive, got [${std.join(', ')}]`);
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

function transposeImages(data: Float32Array, pixels: number, channels: number, isToChannelsFirst: boolean): Float32Array {
  const imageSize = pixels * channels;
  if (imageSize === 0 || data.length % imageSize !== 0) {
    throw new ShapeError(`${isToChannelsFirst ? 'toChannelsFirst' : 'toChannelsLast'}: ${data.length} values are not whole images of ${pixels} pixels x ${channels} channels`);
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
