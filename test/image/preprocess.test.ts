// Preprocessing worked by hand: area and bilinear resizing (half-pixel centers), center crop,
// padding, per-channel normalisation, and HWC <-> CHW round trips.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Random,
  ValueError,
  centerCrop,
  normalizeImage,
  padImage,
  resizeImage,
  toChannelsFirst,
  toChannelsLast,
  type Image,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const CLOSE = { atol: 1e-6, rtol: 0 };

function gray(width: number, height: number, values: number[]): Image {
  return { width, height, colorModel: 'gray', data: Float32Array.from(values) };
}

test('area resize 4x4 -> 2x2 averages each 2x2 block', () => {
  const image = gray(4, 4, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  assertClose(resizeImage(image, 2, 2, 'area').data, [3.5, 5.5, 11.5, 13.5], CLOSE, 'block means');
});

test('area resize 3x1 -> 2x1 weights the pixel each output cell covers half of', () => {
  // Each output cell covers 1.5 input pixels: [a, b/2] and [b/2, c].
  assertClose(
    resizeImage(gray(3, 1, [0, 3, 6]), 2, 1, 'area').data,
    [(0 + 1.5) / 1.5, (1.5 + 6) / 1.5],
    CLOSE,
    'fractional coverage',
  );
});

test('bilinear resize 2x1 -> 4x1 with half-pixel centers', () => {
  // Output x samples (x + 0.5) / 2 - 0.5: -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  assertClose(resizeImage(gray(2, 1, [0, 4]), 4, 1, 'bilinear').data, [0, 1, 3, 4], CLOSE, 'interpolated row');
});

test('resizing to the same size returns the image unchanged, for both methods and all channels', () => {
  const random = new Random(5);
  const image: Image = {
    width: 5,
    height: 3,
    colorModel: 'rgb',
    data: Float32Array.from({ length: 45 }, () => random.uniform()),
  };
  assertClose(resizeImage(image, 5, 3, 'bilinear').data, image.data, CLOSE, 'bilinear identity');
  assertClose(resizeImage(image, 5, 3, 'area').data, image.data, CLOSE, 'area identity');
});

test('center crop, pad and normalise', () => {
  const image = gray(4, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(Array.from(centerCrop(image, 2, 1).data), [6, 7]);
  const padded = padImage(gray(2, 1, [1, 2]), { top: 1, bottom: 0, left: 1, right: 0 }, 9);
  assert.deepEqual([padded.width, padded.height], [3, 2]);
  assert.deepEqual(Array.from(padded.data), [9, 9, 9, 9, 1, 2]);
  const rgb: Image = { width: 1, height: 1, colorModel: 'rgb', data: Float32Array.from([0.5, 0.5, 0.5]) };
  assertClose(
    normalizeImage(rgb, [0.5, 0.25, 0], [0.5, 0.25, 0.5]).data,
    [0, 1, 1],
    CLOSE,
    'per-channel (x - mean) / std',
  );
  assert.throws(() => centerCrop(image, 5, 1), ValueError);
  assert.throws(() => normalizeImage(rgb, [0], [1]), /needs 3 means/);
});

test('HWC -> CHW -> HWC is the identity and puts each channel in one plane', () => {
  const hwc = Float32Array.from({ length: 2 * 3 * 4 }, (_, index) => index);
  const chw = toChannelsFirst(hwc, 2, 3, 4);
  assert.deepEqual(Array.from(chw.subarray(0, 6)), [0, 4, 8, 12, 16, 20]);
  assert.deepEqual(Array.from(toChannelsLast(chw, 2, 3, 4)), Array.from(hwc));
  // A batch of two images: each transposed on its own.
  const batch = Float32Array.from([...hwc, ...hwc.map((value) => value + 100)]);
  assert.deepEqual(Array.from(toChannelsFirst(batch, 2, 3, 4)), [
    ...Array.from(chw),
    ...Array.from(chw, (value) => value + 100),
  ]);
  assert.deepEqual(Array.from(toChannelsLast(toChannelsFirst(batch, 2, 3, 4), 2, 3, 4)), Array.from(batch));
  assert.throws(
    () => toChannelsFirst(new Float32Array(5), 2, 3, 4),
    /5 values are not whole images of 6 pixels x 4 channels/,
  );
});
