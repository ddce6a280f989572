// An image as the input layer sees it: height x width x channels of floats in [0, 1], in a known
// color model. Decoding files comes later (PNG/JPEG libraries); this is the in-memory form.

import { ShapeError, ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { channelsOf, convertPixels, type ColorModel, type ConvertOptions } from './colorModels.js';

/** Pixels in HWC order (row by row, channels interleaved), every value in [0, 1]. */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly colorModel: ColorModel;
  readonly data: Float32Array;
}

/**
 * An Image from 8-bit pixels (0-255, HWC), such as canvas ImageData (RGBA) or a decoded file.
 *
 * @example
 * const image = imageFromBytes(imageData.data, imageData.width, imageData.height, 'rgba');
 */
export function imageFromBytes(bytes: ArrayLike<number>, width: number, height: number, colorModel: ColorModel): Image {
  const channels = channelsOf(colorModel);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ValueError(`imageFromBytes: size must be positive integers, got ${width}x${height}`);
  }
  if (bytes.length !== width * height * channels) {
    throw new ShapeError(`imageFromBytes: a ${width}x${height} ${colorModel} image has ${width * height * channels} values, got ${bytes.length}`);
  }
  const data = new Float32Array(bytes.length);
  for (let index = 0; index < bytes.length; index++) data[index] = bytes[index]! / 255;
  return { width, height, colorModel, data };
}

/** The same image in another color model (see colorModels.ts for the formulas and alpha). */
export function convertImage(image: Image, colorModel: ColorModel, options: ConvertOptions = {}): Image {
  return { width: image.width, height: image.height, colorModel, data: convertPixels(image.data, image.colorModel, colorModel, options) };
}

/** Stacks images of one size and color model into an NHWC batch [n, height, width, channels]. */
export function imagesToTensor(images: readonly Image[]): Tensor {
  const first = images[0];
  if (first === undefined) throw new ValueError('imagesToTensor: no images');
  const channels = channelsOf(first.colorModel);
  const batch = Tensor.zeros([images.length, first.height, first.width, channels]);
  images.forEach((image, index) => {
    if (image.width !== first.width || image.height !== first.height || image.colorModel !== first.colorModel) {
      throw new ShapeError(`imagesToTensor: image ${index} is ${image.height}x${image.width} ${image.colorModel} but image 0 is ${first.height}x${first.width} ${first.colorModel}`);
    }
    batch.data.set(image.data, index * image.data.length);
  });
  return batch;
}
