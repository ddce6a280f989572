// Raw pixel buffers and canvas ImageData in Node: exact 8-bit and 16-bit values, exact round trips
// through ImageData for every value on the 8-bit grid, every color model reaching RGBA, the plain
// object Node gets and the real ImageData where the constructor exists, and errors naming both sizes.
// test/browser/images.test.ts runs the same functions against a real canvas.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Random,
  ValueError,
  convertImage,
  imageFromImageData,
  imageFromPixels,
  imageToImageData,
  type ColorModel,
  type Image,
  type PixelArray,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

const EXACT = { atol: 0, rtol: 0 };

/** Every byte value 0-255, as 64 RGBA pixels (8x8), so one round trip covers the whole 8-bit grid. */
function allBytes(): Uint8ClampedArray {
  return Uint8ClampedArray.from({ length: 256 }, (_, index) => index);
}

function assertValueError(action: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ValueError, `ValueError, got ${String(error)}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test('imageFromPixels: 8-bit divided by 255, 16-bit by 65535, float copied, in float32', () => {
  for (const bytes of [new Uint8Array([0, 51, 128, 255]), new Uint8ClampedArray([0, 51, 128, 255])]) {
    const image = imageFromPixels(bytes, 2, 2, 'gray');
    assert.deepEqual([image.width, image.height, image.colorModel], [2, 2, 'gray']);
    assertClose(image.data, Float32Array.from([0, 51 / 255, 128 / 255, 1]), EXACT, bytes.constructor.name);
  }
  const sixteen = imageFromPixels(new Uint16Array([0, 16384, 65535]), 1, 1, 'rgb');
  assertClose(sixteen.data, Float32Array.from([0, 16384 / 65535, 1]), EXACT, 'Uint16Array');
  const floats = new Float32Array([0.25, -0.5, 1.5, 0.125]);
  const fromFloats = imageFromPixels(floats, 1, 1, 'cmyk');
  assertClose(fromFloats.data, [0.25, -0.5, 1.5, 0.125], EXACT, 'Float32Array values are taken as they are');
  floats[0] = 0.75;
  assert.equal(fromFloats.data[0], 0.25, 'the image owns a copy of the buffer');
});

test('imageFromPixels: a Node Buffer counts as 8-bit', () => {
  const image = imageFromPixels(Buffer.from([255, 0, 51]), 1, 1, 'hsv');
  assertClose(image.data, Float32Array.from([1, 0, 51 / 255]), EXACT, 'Buffer');
});

test('imageFromPixels: errors name the function and both numbers', () => {
  assertValueError(
    () => imageFromPixels(new Uint8Array(11), 2, 2, 'rgb'),
    /^imageFromPixels: /,
    /2x2 rgb image has 12 values/,
    /got 11/,
  );
  assertValueError(() => imageFromPixels(new Uint16Array(8), 2, 2, 'rgba'), /has 16 values \(4 per pixel\), got 8/);
  assertValueError(() => imageFromPixels(new Uint8Array(0), 0, 3, 'gray'), /size must be positive integers, got 0x3/);
  assertValueError(() => imageFromPixels(new Uint8Array(3), 1.5, 2, 'gray'), /got 1.5x2/);
  assertValueError(() => imageFromPixels(new Int16Array(4) as unknown as PixelArray, 2, 2, 'gray'), /got Int16Array/);
  assertValueError(() => imageFromPixels([0, 1, 2, 3] as unknown as PixelArray, 2, 2, 'gray'), /got Array/);
});

test('imageFromImageData: RGBA bytes become an rgba image; a wrong length names both numbers', () => {
  const image = imageFromImageData({ width: 8, height: 8, data: allBytes() });
  assert.deepEqual([image.width, image.height, image.colorModel], [8, 8, 'rgba']);
  assertClose(
    image.data,
    Float32Array.from({ length: 256 }, (_, index) => index / 255),
    EXACT,
    'bytes / 255',
  );
  assertValueError(
    () => imageFromImageData({ width: 3, height: 2, data: new Uint8ClampedArray(20) }),
    /^imageFromImageData: /,
    /3x2 RGBA ImageData has 24 values, got 20/,
  );
});

test('imageToImageData then imageFromImageData is exact for every 8-bit value', () => {
  const data = allBytes();
  const imageData = imageToImageData(imageFromImageData({ width: 8, height: 8, data }));
  assert.deepEqual(Array.from(imageData.data), Array.from(data));
  const random = new Random(7);
  const image: Image = {
    width: 5,
    height: 3,
    colorModel: 'rgba',
    data: Float32Array.from({ length: 60 }, () => random.integer(256) / 255),
  };
  assertClose(imageFromImageData(imageToImageData(image)).data, image.data, EXACT, 'random rgba image');
});

test('imageToImageData: every color model reaches 8-bit RGBA, with alpha 255 where it has none', () => {
  const cases: Array<[ColorModel, number[], number[]]> = [
    ['gray', [0.2, 1], [51, 51, 51, 255, 255, 255, 255, 255]],
    ['rgb', [1, 0.2, 0, 0, 0, 1], [255, 51, 0, 255, 0, 0, 255, 255]],
    ['rgba', [1, 0, 0, 0.2, 0, 1, 0, 0], [255, 0, 0, 51, 0, 255, 0, 0]],
    ['cmyk', [0, 1, 1, 0, 0, 0, 0, 0.8], [255, 0, 0, 255, 51, 51, 51, 255]],
    ['hsv', [1 / 3, 1, 1, 0, 0, 0.2], [0, 255, 0, 255, 51, 51, 51, 255]],
  ];
  for (const [colorModel, values, expected] of cases) {
    const imageData = imageToImageData({ width: 2, height: 1, colorModel, data: Float32Array.from(values) });
    assert.deepEqual([imageData.width, imageData.height], [2, 1], colorModel);
    assert.deepEqual(Array.from(imageData.data), expected, colorModel);
  }
  const rgb: Image = { width: 2, height: 1, colorModel: 'rgb', data: Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1]) };
  assertClose(
    imageFromImageData(imageToImageData(rgb)).data,
    convertImage(rgb, 'rgba').data,
    EXACT,
    'rgb through ImageData equals rgb converted to rgba',
  );
});

test('imageToImageData: values outside [0, 1] are clamped; a wrong data length names both numbers', () => {
  const imageData = imageToImageData({
    width: 1,
    height: 1,
    colorModel: 'rgba',
    data: Float32Array.from([-0.5, 1.5, 0.5, 2]),
  });
  assert.deepEqual(Array.from(imageData.data), [0, 255, 128, 255]);
  assertValueError(
    () => imageToImageData({ width: 2, height: 2, colorModel: 'rgb', data: new Float32Array(9) }),
    /^imageToImageData: /,
    /2x2 rgb image has 12 values, got 9/,
  );
});

test('imageToImageData: a plain sRGB object in Node, the real ImageData where the constructor exists', () => {
  const image: Image = { width: 1, height: 2, colorModel: 'gray', data: Float32Array.from([0, 1]) };
  assert.equal(typeof (globalThis as { ImageData?: unknown }).ImageData, 'undefined', 'Node has no global ImageData');
  const plain = imageToImageData(image);
  assert.ok(plain.data instanceof Uint8ClampedArray);
  assert.equal(plain.colorSpace, 'srgb');
  // Compiles only while the result can go straight to context.putImageData (DOM's ImageData type).
  const forCanvas: ImageData = plain;
  assert.equal(forCanvas.width, 1);

  // A stand-in with the browser constructor's (data, width, height) signature.
  class StandInImageData {
    readonly colorSpace = 'srgb';
    constructor(
      readonly data: Uint8ClampedArray,
      readonly width: number,
      readonly height: number,
    ) {}
  }
  const global = globalThis as { ImageData?: unknown };
  global.ImageData = StandInImageData;
  try {
    const real = imageToImageData(image);
    assert.ok(real instanceof StandInImageData, 'made with the global constructor');
    assert.deepEqual([real.width, real.height, Array.from(real.data)], [1, 2, [0, 0, 0, 255, 255, 255, 255, 255]]);
  } finally {
    delete global.ImageData;
  }
});
