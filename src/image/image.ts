// An image as the input layer sees it: height x width x channels of floats in [0, 1], in a known
// color model. This is the in-memory form and its making from raw pixel buffers; files are decoded in
// codecs.ts and canvas ImageData is converted in imageData.ts.

import { ShapeError, ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { channelsOf, convertPixels, type ColorModel, type ConvertOptions } from './colorModels.js';

/** Pixels in HWC order (row by row, channels interleaved), every value in [0, 1]. */
export interface Image {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** The color model, which also gives the channel count. */
  readonly colorModel: ColorModel;
  /** height * width * channels values in [0, 1], row by row, channels interleaved. */
  readonly data: Float32Array;
}

/**
 * An image delivered row by row, top to bottom, as a decoder produces it: `forEachRow` calls
 * `onRow` with each row's values (width x channels, HWC; the array may be reused once the call
 * returns). Lets a large picture be resized without holding all of it in float32 (resizeRowsArea).
 */
export interface ImageRows {
  readonly width: number;
  readonly height: number;
  readonly colorModel: ColorModel;
  forEachRow(onRow: (values: Float32Array, y: number) => void): void;
}

/** The rows of an in-memory image, as views of its data (no copy). */
export function imageRows(image: Image): ImageRows {
  const rowLength = image.width * channelsOf(image.colorModel);
  return {
    width: image.width,
    height: image.height,
    colorModel: image.colorModel,
    forEachRow: (onRow) => {
      for (let y = 0; y < image.height; y++) onRow(image.data.subarray(y * rowLength, (y + 1) * rowLength), y);
    },
  };
}

/** Raw pixel buffers that imageFromPixels takes: 8-bit, 16-bit or float samples. */
export type PixelArray = Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;

/** The value of full intensity for each kind of pixel buffer; float samples are already in [0, 1]. */
const FULL_SCALE: Record<string, number> = {
  Uint8Array: 255,
  Uint8ClampedArray: 255,
  Uint16Array: 65535,
  Float32Array: 1,
};

/**
 * An Image from a raw pixel buffer in HWC order (row by row, channels interleaved): 8-bit samples
 * are divided by 255, 16-bit ones by 65535, and float ones are copied as they are. The image owns a
 * copy, so later writes to `pixels` do not change it. Node Buffers count as Uint8Array.
 * Throws ValueError for a size that is not two positive integers, a buffer of another type, or a
 * length other than width * height * channelsOf(colorModel).
 *
 * @example
 * const image = imageFromPixels(new Uint8Array([0, 128, 255, 64]), 2, 2, 'gray');
 * image.data; // Float32Array [0, 0.502, 1, 0.251]
 */
export function imageFromPixels(pixels: PixelArray, width: number, height: number, colorModel: ColorModel): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ValueError(`imageFromPixels: size must be positive integers, got ${width}x${height}`);
  }
  // NOTE: the type is read from the tag, not instanceof, so arrays from another realm (an iframe) pass too.
  const type = Object.prototype.toString.call(pixels).slice(8, -1);
  const fullScale = FULL_SCALE[type];
  if (fullScale === undefined) {
    throw new ValueError(
      `imageFromPixels: pixels must be a Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array, got ${type}`,
    );
  }
  const channels = channelsOf(colorModel);
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new ValueError(
      `imageFromPixels: a ${width}x${height} ${colorModel} image has ${expected} values (${channels} per ` +
        `pixel), got ${pixels.length}`,
    );
  }
  const data = new Float32Array(expected);
  for (let index = 0; index < expected; index++) data[index] = pixels[index]! / fullScale;
  return { width, height, colorModel, data };
}

/** The same image in another color model (see colorModels.ts for the formulas and alpha). */
export function convertImage(image: Image, colorModel: ColorModel, options: ConvertOptions = {}): Image {
  return {
    width: image.width,
    height: image.height,
    colorModel,
    data: convertPixels(image.data, image.colorModel, colorModel, options),
  };
}

/** Stacks images of one size and color model into an NHWC batch [n, height, width, channels]. */
export function imagesToTensor(images: readonly Image[]): Tensor {
  const first = images[0];
  if (first === undefined) throw new ValueError('imagesToTensor: no images');
  const channels = channelsOf(first.colorModel);
  const batch = Tensor.zeros([images.length, first.height, first.width, channels]);
  images.forEach((image, index) => {
    if (image.width !== first.width || image.height !== first.height || image.colorModel !== first.colorModel) {
      throw new ShapeError(
        `imagesToTensor: image ${index} is ${image.height}x${image.width} ${image.colorModel} but image 0 ` +
          `is ${first.height}x${first.width} ${first.colorModel}`,
      );
    }
    batch.dataSync().set(image.data, index * image.data.length);
  });
  return batch;
}
