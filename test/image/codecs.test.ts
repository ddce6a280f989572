// PNG and JPEG decoding and encoding: exact PNG round trips (8-bit gray, RGB, RGBA), 16-bit,
// palette, gray + alpha and 4-bit PNGs made with fast-png, a close JPEG round trip, and typed errors
// that name the file for wrong magic, truncation, huge declared sizes and empty images.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode as encodeRawPng } from 'fast-png';
import { FileFormatError, Random, decodeImage, detectImageFormat, encodeJpeg, encodePng, type Image } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function randomImage(width: number, height: number, colorModel: 'gray' | 'rgb' | 'rgba', seed: number): Image {
  const random = new Random(seed);
  const channels = colorModel === 'gray' ? 1 : colorModel === 'rgb' ? 3 : 4;
  // Values on the 8-bit grid, so an 8-bit PNG holds them exactly.
  const data = Float32Array.from({ length: width * height * channels }, () => random.integer(256) / 255);
  return { width, height, colorModel, data };
}

function assertFileError(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, `FileFormatError, got ${String(error)}`);
    assert.match(error.message, /^photo\.png: /);
    assert.match(error.message, pattern);
    return true;
  });
}

test('8-bit PNG round trips are exact for gray, RGB and RGBA', () => {
  for (const [index, colorModel] of (['gray', 'rgb', 'rgba'] as const).entries()) {
    const image = randomImage(7, 5, colorModel, index);
    const bytes = encodePng(image);
    assert.equal(detectImageFormat(bytes), 'png');
    const decoded = decodeImage(bytes, 'round.png');
    assert.equal(decoded.colorModel, colorModel);
    assert.deepEqual([decoded.width, decoded.height], [7, 5]);
    assertClose(decoded.data, image.data, { atol: 1e-7, rtol: 0 }, `${colorModel} PNG`);
  }
});

test('16-bit, palette, gray + alpha and 4-bit PNGs decode to the right values', () => {
  const sixteen = decodeImage(encodeRawPng({ width: 2, height: 1, data: new Uint16Array([0, 16384]), depth: 16, channels: 1 }));
  assertClose(sixteen.data, [0, 16384 / 65535], { atol: 1e-7, rtol: 0 }, '16-bit gray');
  const palette = decodeImage(encodeRawPng({ width: 2, height: 1, data: new Uint8Array([1, 0]), depth: 8, channels: 1, palette: [[255, 0, 0], [0, 0, 255]] }));
  assert.equal(palette.colorModel, 'rgb');
  assertClose(palette.data, [0, 0, 1, 1, 0, 0], { atol: 0, rtol: 0 }, 'palette PNG');
  const grayAlpha = decodeImage(encodeRawPng({ width: 1, height: 1, data: new Uint8Array([51, 255]), depth: 8, channels: 2 }));
  assert.equal(grayAlpha.colorModel, 'rgba');
  assertClose(grayAlpha.data, [0.2, 0.2, 0.2, 1], { atol: 1e-7, rtol: 0 }, 'gray + alpha PNG');
  // 4-bit gray, 3 pixels a row, rows padded to whole bytes: 0x05 0xa0 | 0xf1 0x20.
  const fourBit = decodeImage(encodeRawPng({ width: 3, height: 2, data: new Uint8Array([0x05, 0xa0, 0xf1, 0x20]), depth: 4, channels: 1 }));
  assertClose(fourBit.data, [0, 5, 10, 15, 1, 2].map((value) => value / 15), { atol: 1e-7, rtol: 0 }, '4-bit gray');
});

test('JPEG round trip of a smooth image stays within a few levels', () => {
  const width = 32;
  const height = 24;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x / (width - 1), y / (height - 1), 0.5], (y * width + x) * 3);
  }
  const bytes = encodeJpeg({ width, height, colorModel: 'rgb', data }, 95);
  assert.equal(detectImageFormat(bytes), 'jpeg');
  const decoded = decodeImage(bytes, 'gradient.jpg');
  assert.equal(decoded.colorModel, 'rgb');
  const meanError = decoded.data.reduce((sum, value, index) => sum + Math.abs(value - data[index]!), 0) / data.length;
  assert.ok(meanError < 3 / 255, `mean absolute error ${meanError * 255} levels (bound 3)`);
});

test('bad files raise FileFormatError naming the file, before allocating', () => {
  const valid = encodePng(randomImage(4, 4, 'rgb', 9));
  assertFileError(() => decodeImage(new TextEncoder().encode('GIF89a...'), 'photo.png'), /not a PNG or JPEG file \(it starts with 47 49 46 38\)/);
  assertFileError(() => decodeImage(valid.subarray(0, 20), 'photo.png'), /truncated/);
  assertFileError(() => decodeImage(valid.subarray(0, valid.length - 20), 'photo.png'), /cannot be decoded as PNG/);
  const huge = valid.slice();
  new DataView(huge.buffer).setUint32(16, 100_000);
  new DataView(huge.buffer).setUint32(20, 100_000);
  assertFileError(() => decodeImage(huge, 'photo.png'), /100000x100000 pixels, more than the 100 megapixels/);
  const empty = valid.slice();
  new DataView(empty.buffer).setUint32(16, 0);
  assertFileError(() => decodeImage(empty, 'photo.png'), /empty image/);
  const jpegBytes = encodeJpeg(randomImage(8, 8, 'rgb', 3));
  assert.throws(() => decodeImage(jpegBytes.subarray(0, 30), 'photo.jpg'), (error: unknown) => error instanceof FileFormatError && /^photo\.jpg: cannot be decoded as JPEG/.test(error.message));
});
