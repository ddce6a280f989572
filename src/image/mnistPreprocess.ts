// A hand-drawn digit made to look like an MNIST digit, the way MNIST itself was made (LeCun et al.,
// http://yann.lecun.com/exdb/mnist/): the ink's bounding box is scaled to fit a 20x20 box keeping its
// aspect ratio (anti-aliased), then placed in the 28x28 field so that its centre of mass sits at the
// centre. White ink on black, values in [0, 1]. For a model of another input size the same
// proportions are kept (the box is 20/28 of the side). The explorer's Draw page uses this.

import { ValueError } from '../core/errors.js';
import { MAX_IMAGE_PIXELS } from '../core/limits.js';
import { convertImage, imageFromPixels, type Image } from './image.js';
import { fitImage } from './preprocess.js';

/** Ink below this (of 1) is anti-aliasing fringe, not part of the stroke's bounding box. */
const INK_THRESHOLD = 0.1;
/** MNIST's digits fit a 20x20 box inside the 28x28 field. */
const BOX_FRACTION = 20 / 28;

/** Options of mnistPreprocess. */
export interface MnistPreprocessOptions {
  /** The result's width; default 28. */
  width?: number | undefined;
  /** The result's height; default 28. */
  height?: number | undefined;
}

/** A drawing made to look like an MNIST digit, with where its ink was found. */
export interface PreprocessedDigit {
  /** `height` x `width`, gray, the digit white on black. */
  image: Image;
  /** The ink's bounding box in the drawing, in its pixels. */
  box: {
    /** The first column with ink. */
    left: number;
    /** The first row with ink. */
    top: number;
    /** Columns from the first to the last with ink. */
    width: number;
    /** Rows from the first to the last with ink. */
    height: number;
  };
  /** Where the centre of mass landed in `image` (the middle, up to rounding and clipping). */
  centerOfMass: {
    /** Column, in pixels of `image`. */
    x: number;
    /** Row, in pixels of `image`. */
    y: number;
  };
}

/**
 * A drawing made to look like an MNIST digit: `drawing` is white ink on black, values in [0, 1], of any
 * size (converted to gray first when it is not gray); the result is `height` x `width` (default
 * 28x28), gray. Returns null when there is no ink (nothing above 0.1). Throws ValueError for a size
 * that is not a positive integer.
 *
 * @example
 * const digit = mnistPreprocess(imageFromImageData(context.getImageData(0, 0, 280, 280)));
 * if (digit !== null) console.log(model.classify([digit.image])[0]);
 */
export function mnistPreprocess(drawing: Image, options: MnistPreprocessOptions = {}): PreprocessedDigit | null {
  const width = options.width ?? 28;
  const height = options.height ?? 28;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1))
      throw new ValueError(`mnistPreprocess: ${name} must be a positive integer, got ${value}`);
  }
  if (width * height > MAX_IMAGE_PIXELS)
    throw new ValueError(
      `mnistPreprocess: ${width}x${height} is more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} ` +
        `pixels an image may have`,
    );
  const ink = drawing.colorModel === 'gray' ? drawing : convertImage(drawing, 'gray');
  let top = ink.height;
  let bottom = -1;
  let left = ink.width;
  let right = -1;
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x]! > INK_THRESHOLD) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  const cropped = new Float32Array(boxWidth * boxHeight);
  for (let y = 0; y < boxHeight; y++)
    cropped.set(ink.data.subarray((top + y) * ink.width + left, (top + y) * ink.width + right + 1), y * boxWidth);

  // The longer side becomes 20 pixels (of 28); the other keeps the aspect ratio, at least 1 pixel.
  const fitSide = Math.max(1, Math.round(BOX_FRACTION * Math.min(height, width)));
  const factor = fitSide / Math.max(boxWidth, boxHeight);
  const scaledWidth = Math.min(width, Math.max(1, Math.round(boxWidth * factor)));
  const scaledHeight = Math.min(height, Math.max(1, Math.round(boxHeight * factor)));
  // fitImage averages areas when it shrinks (no aliasing: a thin stroke stays a gray line, not gaps).
  const scaled = fitImage(imageFromPixels(cropped, boxWidth, boxHeight, 'gray'), scaledWidth, scaledHeight);

  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < scaledHeight; y++) {
    for (let x = 0; x < scaledWidth; x++) {
      const value = scaled.data[y * scaledWidth + x]!;
      mass += value;
      sumX += value * (x + 0.5);
      sumY += value * (y + 0.5);
    }
  }
  const massX = mass > 0 ? sumX / mass : scaledWidth / 2;
  const massY = mass > 0 ? sumY / mass : scaledHeight / 2;
  // Whole-pixel shifts, as MNIST's centring did; ink shifted past the edge is dropped.
  const offsetX = Math.round(width / 2 - massX);
  const offsetY = Math.round(height / 2 - massY);
  const placed = new Float32Array(width * height);
  for (let y = 0; y < scaledHeight; y++) {
    const targetY = y + offsetY;
    if (targetY < 0 || targetY >= height) continue;
    for (let x = 0; x < scaledWidth; x++) {
      const targetX = x + offsetX;
      if (targetX < 0 || targetX >= width) continue;
      placed[targetY * width + targetX] = Math.min(1, Math.max(0, scaled.data[y * scaledWidth + x]!));
    }
  }
  return {
    image: { width, height, colorModel: 'gray', data: placed },
    box: { left, top, width: boxWidth, height: boxHeight },
    centerOfMass: { x: massX + offsetX, y: massY + offsetY },
  };
}
