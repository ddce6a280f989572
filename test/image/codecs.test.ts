// PNG and JPEG decoding and encoding: exact PNG round trips (8-bit gray, RGB, RGBA), 16-bit,
// palette, gray + alpha, 4-bit and transparent-color (tRNS) PNGs made with fast-png, a close JPEG
// round trip, grayscale and RGB-coded JPEGs, and typed errors that name the file for wrong magic,
// truncation, huge declared sizes, empty images and interlaced low-bit PNGs.
// test/image/referenceDecoding.test.ts checks the same decoder against ImageMagick's decoding.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode as encodeRawPng } from 'fast-png';
import {
  FileFormatError,
  Random,
  decodeImage,
  detectImageFormat,
  encodeJpeg,
  encodePng,
  type Image,
} from '../../src/index.js';
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
  const sixteen = decodeImage(
    encodeRawPng({ width: 2, height: 1, data: new Uint16Array([0, 16384]), depth: 16, channels: 1 }),
  );
  assertClose(sixteen.data, [0, 16384 / 65535], { atol: 1e-7, rtol: 0 }, '16-bit gray');
  const palette = decodeImage(
    encodeRawPng({
      width: 2,
      height: 1,
      data: new Uint8Array([1, 0]),
      depth: 8,
      channels: 1,
      palette: [
        [255, 0, 0],
        [0, 0, 255],
      ],
    }),
  );
  assert.equal(palette.colorModel, 'rgb');
  assertClose(palette.data, [0, 0, 1, 1, 0, 0], { atol: 0, rtol: 0 }, 'palette PNG');
  const grayAlpha = decodeImage(
    encodeRawPng({ width: 1, height: 1, data: new Uint8Array([51, 255]), depth: 8, channels: 2 }),
  );
  assert.equal(grayAlpha.colorModel, 'rgba');
  assertClose(grayAlpha.data, [0.2, 0.2, 0.2, 1], { atol: 1e-7, rtol: 0 }, 'gray + alpha PNG');
  // 4-bit gray, 3 pixels a row, rows padded to whole bytes: 0x05 0xa0 | 0xf1 0x20.
  const fourBit = decodeImage(
    encodeRawPng({ width: 3, height: 2, data: new Uint8Array([0x05, 0xa0, 0xf1, 0x20]), depth: 4, channels: 1 }),
  );
  assertClose(
    fourBit.data,
    [0, 5, 10, 15, 1, 2].map((value) => value / 15),
    { atol: 1e-7, rtol: 0 },
    '4-bit gray',
  );
});

/** The PNG chunk CRC (PNG spec, annex D): CRC-32 over the type and data. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PNG with a tRNS chunk of 16-bit `key` samples inserted after IHDR (which ends at byte 33). */
function withTransparentColor(png: Uint8Array, key: number[]): Uint8Array {
  const chunk = new Uint8Array(12 + key.length * 2);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, key.length * 2);
  chunk.set(new TextEncoder().encode('tRNS'), 4);
  key.forEach((sample, index) => {
    view.setUint16(8 + index * 2, sample);
  });
  view.setUint32(chunk.length - 4, crc32(chunk.subarray(4, chunk.length - 4)));
  return new Uint8Array([...png.subarray(0, 33), ...chunk, ...png.subarray(33)]);
}

test('a transparent color (tRNS) on gray or RGB PNGs becomes an alpha channel', () => {
  // 4-bit gray, samples [0, 5, 10, 15, 1, 2] (as above), transparent color 5.
  const fourBit = encodeRawPng({
    width: 3,
    height: 2,
    data: new Uint8Array([0x05, 0xa0, 0xf1, 0x20]),
    depth: 4,
    channels: 1,
  });
  const gray = decodeImage(withTransparentColor(fourBit, [5]));
  assert.equal(gray.colorModel, 'rgba');
  const grayExpected = [0, 5, 10, 15, 1, 2].flatMap((sample) => [
    sample / 15,
    sample / 15,
    sample / 15,
    sample === 5 ? 0 : 1,
  ]);
  assertClose(gray.data, grayExpected, { atol: 1e-7, rtol: 0 }, '4-bit gray with tRNS');
  // 16-bit RGB: only pixels equal to the key in all three samples are transparent.
  // NOTE: fast-png 8.0.0 rejects an RGB tRNS chunk on images of fewer than 3 pixels (it counts key samples as pixels).
  const pixels = [
    [1000, 2000, 3000],
    [1000, 2000, 3001],
    [1000, 2000, 3000],
  ];
  const sixteen = encodeRawPng({ width: 3, height: 1, data: new Uint16Array(pixels.flat()), depth: 16, channels: 3 });
  const rgb = decodeImage(withTransparentColor(sixteen, [1000, 2000, 3000]));
  assert.equal(rgb.colorModel, 'rgba');
  const rgbExpected = pixels.flatMap((pixel, index) => [...pixel.map((sample) => sample / 65535), index === 1 ? 1 : 0]);
  assertClose(rgb.data, rgbExpected, { atol: 1e-7, rtol: 0 }, '16-bit RGB with tRNS');
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

test('a grayscale (one-component) JPEG decodes as gray', () => {
  // 4x8, rows from white to black: `convert -size 4x8 gradient:white-black -strip -quality 100
  // -colorspace Gray gray.jpg` (ImageMagick 6.9.11-60), which decodes it to rows of round(255 * (7 - row) / 7).
  const bytes = Buffer.from(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAIAAQBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAA//EABgQAAIDAAAAAAAAAAAAAAAAAAAaZ6Xi/9oACAEBAAA/ADaZkW02f//Z',
    'base64',
  );
  const image = decodeImage(bytes, 'gray.jpg');
  assert.deepEqual([image.width, image.height, image.colorModel], [4, 8, 'gray']);
  const expected = Array.from({ length: 32 }, (_, index) => Math.round((255 * (7 - Math.floor(index / 4))) / 7) / 255);
  assertClose(image.data, expected, { atol: 1 / 255, rtol: 0 }, 'gray JPEG (1 level: IDCT rounding)');
});

test('an RGB-coded JPEG (Adobe marker, transform 0) is not converted from YCbCr', () => {
  // A uniform gray of 102 encodes as planes Y = 102, Cb = Cr = 128. Replacing the JFIF APP0 segment
  // (which implies YCbCr) by an Adobe APP14 one with transform 0 makes libjpeg read those planes as R, G, B.
  const encoded = encodeJpeg(
    { width: 8, height: 8, colorModel: 'gray', data: new Float32Array(64).fill(102 / 255) },
    100,
  );
  assert.equal(String.fromCharCode(...encoded.subarray(6, 10)), 'JFIF');
  const adobe = [
    0xff,
    0xee,
    0x00,
    0x0e,
    ...new TextEncoder().encode('Adobe'),
    0x00,
    0x64,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  ];
  const app0End = 4 + ((encoded[4]! << 8) | encoded[5]!);
  const image = decodeImage(
    new Uint8Array([...encoded.subarray(0, 2), ...adobe, ...encoded.subarray(app0End)]),
    'rgb.jpg',
  );
  assert.equal(image.colorModel, 'rgb');
  const expected = Array.from({ length: 64 }, () => [102 / 255, 128 / 255, 128 / 255]).flat();
  assertClose(image.data, expected, { atol: 1 / 255, rtol: 0 }, 'RGB-coded JPEG planes (1 level: IDCT rounding)');
});

test('bad files raise FileFormatError naming the file, before allocating', () => {
  const valid = encodePng(randomImage(4, 4, 'rgb', 9));
  assertFileError(
    () => decodeImage(new TextEncoder().encode('GIF89a...'), 'photo.png'),
    /not a PNG or JPEG file \(it starts with 47 49 46 38\)/,
  );
  assertFileError(() => decodeImage(valid.subarray(0, 20), 'photo.png'), /truncated/);
  assertFileError(() => decodeImage(valid.subarray(0, valid.length - 20), 'photo.png'), /cannot be decoded as PNG/);
  const huge = valid.slice();
  new DataView(huge.buffer).setUint32(16, 100_000);
  new DataView(huge.buffer).setUint32(20, 100_000);
  assertFileError(() => decodeImage(huge, 'photo.png'), /100000x100000 pixels, more than the 100 megapixels/);
  const empty = valid.slice();
  new DataView(empty.buffer).setUint32(16, 0);
  assertFileError(() => decodeImage(empty, 'photo.png'), /empty image/);
  // Adam7 (interlace method 1, IHDR byte 28) at 4 bits per sample, which fast-png cannot de-interlace.
  const interlaced = encodeRawPng({
    width: 3,
    height: 2,
    data: new Uint8Array([0x05, 0xa0, 0xf1, 0x20]),
    depth: 4,
    channels: 1,
  });
  interlaced[28] = 1;
  assertFileError(() => decodeImage(interlaced, 'photo.png'), /interlaced \(Adam7\) PNG of 4 bits per sample/);
  const jpegBytes = encodeJpeg(randomImage(8, 8, 'rgb', 3));
  assert.throws(
    () => decodeImage(jpegBytes.subarray(0, 30), 'photo.jpg'),
    (error: unknown) =>
      error instanceof FileFormatError && /^photo\.jpg: cannot be decoded as JPEG/.test(error.message),
  );
});
