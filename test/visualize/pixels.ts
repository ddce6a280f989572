// Reading pictures in the tests of src/visualize: one pixel's red, green and blue.

import type { Image } from '../../src/index.js';

/** The red, green and blue values of the pixel at (x, y) of `image`. */
export function pixel(image: Image, x: number, y: number): number[] {
  const channels = image.data.length / (image.width * image.height);
  return Array.from(image.data.subarray((y * image.width + x) * channels, (y * image.width + x) * channels + 3));
}
