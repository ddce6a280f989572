// Canvas ImageData in and out of Image: the browser's pixel format (8-bit RGBA, row by row, sRGB) to
// the library's float images and back. Node has no ImageData, so a plain object of the same shape
// stands in there and the same code runs on both (reference: HTML Living Standard, "ImageData").
// Limits: 8-bit sRGB only; a canvas stores premultiplied alpha, so a translucent pixel need not come
// back from putImageData and getImageData with exactly the color it went in with (opaque ones do).

import { ValueError } from '../core/errors.js';
import { channelsOf, convertPixels } from './colorModels.js';
import { imageFromPixels, type Image } from './image.js';

/**
 * What the functions here need of an ImageData: 8-bit RGBA bytes, width * height * 4 of them, row by
 * row. A browser's ImageData, @napi-rs/canvas's and a plain object all fit, without DOM types.
 */
export interface ImageDataLike {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** width * height * 4 bytes, RGBA, row by row. */
  readonly data: Uint8ClampedArray;
}

/**
 * An 'rgba' Image from canvas ImageData (for example `context.getImageData(0, 0, width, height)`):
 * each byte divided by 255. Throws ValueError where `data` does not hold width * height * 4 bytes.
 * NOTE: the bytes are taken as sRGB; ImageData read from a 'display-p3' canvas is not converted.
 *
 * @example
 * const image = imageFromImageData(context.getImageData(0, 0, canvas.width, canvas.height));
 * const gray = convertImage(image, 'gray');
 */
export function imageFromImageData(imageData: ImageDataLike): Image {
  const { width, height, data } = imageData;
  if (data.length !== width * height * 4) {
    throw new ValueError(
      `imageFromImageData: ${width}x${height} RGBA ImageData has ${width * height * 4} values, got ${data.length}`,
    );
  }
  return imageFromPixels(data, width, height, 'rgba');
}

/**
 * 8-bit RGBA ImageData of an image in any color model, ready for `context.putImageData`: the image
 * is converted to RGBA (alpha 1 where its model has none), clamped to [0, 1] and rounded to the
 * nearest of 256 levels, as encodePng does. Returns a real ImageData where the global constructor
 * exists (browsers, workers) and a plain object of the same fields elsewhere (Node).
 * Throws ValueError where image.data does not hold width * height * channels values.
 *
 * @example
 * const context = canvas.getContext('2d')!;
 * context.putImageData(imageToImageData(image), 0, 0);
 */
export function imageToImageData(
  image: Image,
): ImageDataLike & { readonly data: Uint8ClampedArray<ArrayBuffer>; readonly colorSpace: 'srgb' } {
  const { width, height, colorModel } = image;
  const expected = width * height * channelsOf(colorModel);
  if (image.data.length !== expected) {
    throw new ValueError(
      `imageToImageData: a ${width}x${height} ${colorModel} image has ${expected} values, got ${image.data.length}`,
    );
  }
  const rgba = colorModel === 'rgba' ? image.data : convertPixels(image.data, colorModel, 'rgba');
  const data = new Uint8ClampedArray(rgba.length);
  for (let index = 0; index < rgba.length; index++)
    data[index] = Math.round(Math.min(Math.max(rgba[index]!, 0), 1) * 255);
  if (typeof ImageData === 'function') {
    // The default color space of a new ImageData is sRGB; the cast narrows PredefinedColorSpace to it.
    return new ImageData(data, width, height) as ImageData & { readonly colorSpace: 'srgb' };
  }
  return { width, height, data, colorSpace: 'srgb' };
}
