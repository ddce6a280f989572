// Decoding and encoding PNG and JPEG files, with maintained pure-JavaScript libraries (so the same
// code runs in Node and in the browser): fast-png (8- and 16-bit, palette, gray + alpha, low bit
// depths) and jpeg-js (baseline and progressive decoding, baseline encoding). Sizes are checked
// before anything is decoded, so a file that declares a huge image is refused without allocating.

import { convertIndexedToRgb, decode as decodePngBytes, encode as encodePngBytes } from 'fast-png';
import jpeg from 'jpeg-js';
import { FileFormatError } from '../core/errors.js';
import { convertPixels, type ColorModel } from './colorModels.js';
import type { Image } from './image.js';

/** The largest image decoded: 100 megapixels (about 1.6 GB as float32 RGBA). */
export const MAX_IMAGE_PIXELS = 100_000_000;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** The format of encoded image bytes from their magic number, or null. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (PNG_MAGIC.every((value, index) => bytes[index] === value)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

function checkDimensions(width: number, height: number, file: string): void {
  if (width < 1 || height < 1) throw new FileFormatError(file, `declares an empty image (${width}x${height})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new FileFormatError(file, `declares ${width}x${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels this decoder accepts`);
  }
}

/**
 * Decodes PNG or JPEG bytes to an Image (values in [0, 1]). Gray + alpha PNGs, and gray or RGB PNGs
 * with a transparent color (tRNS), become RGBA; palette PNGs RGB or RGBA; grayscale JPEGs gray, and
 * CMYK JPEGs RGB. Throws FileFormatError naming `file` for anything it cannot decode, including
 * interlaced PNGs of 1, 2 or 4 bits per sample.
 *
 * @example
 * const image = decodeImage(readFileSync('digit.png'), 'digit.png');
 */
export function decodeImage(bytes: Uint8Array, file = 'image'): Image {
  const format = detectImageFormat(bytes);
  if (format === null) {
    const magic = Array.from(bytes.subarray(0, 4), (value) => value.toString(16).padStart(2, '0')).join(' ');
    throw new FileFormatError(file, `is not a PNG or JPEG file (it starts with ${magic || 'nothing'})`);
  }
  try {
    return format === 'png' ? decodePng(bytes, file) : decodeJpeg(bytes, file);
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new FileFormatError(file, `cannot be decoded as ${format.toUpperCase()}: ${(error as Error).message}`);
  }
}

function decodePng(bytes: Uint8Array, file: string): Image {
  // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20.
  if (bytes.length < 33) throw new FileFormatError(file, `is truncated (${bytes.length} bytes, less than a PNG header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkDimensions(view.getUint32(16), view.getUint32(20), file);
  // NOTE: fast-png 8.0.0 sizes Adam7 pass rows at a whole byte per pixel, so interlaced 1-, 2- and
  // 4-bit PNGs fail with a misleading "Unsupported filter" (or worse); say what is unsupported instead.
  // Bit depth is IHDR byte 24, interlace method byte 28.
  if (bytes[28] === 1 && bytes[24]! < 8) {
    throw new FileFormatError(file, `is an interlaced (Adam7) PNG of ${bytes[24]} bits per sample, which this decoder does not support; save it non-interlaced`);
  }
  const png = decodePngBytes(bytes, { checkCrc: true });
  const { width, height } = png;
  let samples: ArrayLike<number> = png.data;
  let channels = png.channels;
  let maximum = 2 ** png.depth - 1;
  if (png.palette !== undefined) {
    samples = convertIndexedToRgb(png);
    channels = samples.length / (width * height);
    maximum = 255;
  } else if (png.depth < 8) {
    samples = unpackBits(png.data as Uint8Array, width, height, channels, png.depth);
  }
  const values = new Float32Array(width * height * channels);
  for (let index = 0; index < values.length; index++) values[index] = samples[index]! / maximum;
  // A tRNS chunk on a gray or RGB PNG names one color, in file samples, that is fully transparent
  // (PNG spec 11.3.2.1); fast-png reports it but leaves the pixels alone. (On palettes it is per entry.)
  const transparentColor = png.palette === undefined ? png.transparency : undefined;
  if (channels === 2 || transparentColor !== undefined) {
    // Gray + alpha has no color model of its own: spread the gray over RGB. The alpha is the file's,
    // or 0 on the transparent color and 1 elsewhere.
    const rgba = new Float32Array(width * height * 4);
    for (let pixel = 0; pixel < width * height; pixel++) {
      const first = pixel * channels;
      if (channels === 3) rgba.set(values.subarray(first, first + 3), pixel * 4);
      else rgba.fill(values[first]!, pixel * 4, pixel * 4 + 3);
      if (channels === 2) rgba[pixel * 4 + 3] = values[first + 1]!;
      else rgba[pixel * 4 + 3] = transparentColor!.every((key, channel) => samples[first + channel] === key) ? 0 : 1;
    }
    return { width, height, colorModel: 'rgba', data: rgba };
  }
  const colorModel: ColorModel = channels === 1 ? 'gray' : channels === 3 ? 'rgb' : 'rgba';
  return { width, height, colorModel, data: values };
}

/** Samples of 1, 2 or 4 bits, packed from the high bits of each byte, each row starting on a byte. */
function unpackBits(packed: Uint8Array, width: number, height: number, channels: number, depth: number): Uint8Array {
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const mask = (1 << depth) - 1;
  const samples = new Uint8Array(perRow * height);
  for (let row = 0; row < height; row++) {
    for (let sample = 0; sample < perRow; sample++) {
      const bit = sample * depth;
      const byte = packed[row * rowBytes + (bit >> 3)]!;
      samples[row * perRow + sample] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return samples;
}

function decodeJpeg(bytes: Uint8Array, file: string): Image {
  const frame = readJpegFrame(bytes);
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    maxMemoryUsageInMB: 2048,
    // NOTE: jpeg-js converts every three-component JPEG from YCbCr unless told otherwise, even one
    // whose Adobe marker says transform 0 (RGB planes); tell it otherwise where libjpeg would.
    ...(frame.isRgbCoded ? { colorTransform: false } : {}),
  });
  checkDimensions(decoded.width, decoded.height, file);
  // jpeg-js always returns RGB (gray repeated three times, CMYK converted); keep a one-component
  // (grayscale) JPEG gray, as libjpeg does, by taking every third value.
  const isGray = frame.components === 1;
  const step = isGray ? 3 : 1;
  const values = new Float32Array(decoded.data.length / step);
  for (let index = 0; index < values.length; index++) values[index] = decoded.data[index * step]! / 255;
  return { width: decoded.width, height: decoded.height, colorModel: isGray ? 'gray' : 'rgb', data: values };
}

/**
 * The frame's component count (null if no frame header precedes the first scan), and whether three
 * components hold R, G, B rather than YCbCr, by libjpeg's rule (jdapimin.c): a JFIF marker means
 * YCbCr; otherwise an Adobe APP14 marker with transform 0 means RGB; otherwise component ids 'R', 'G', 'B' do.
 */
function readJpegFrame(bytes: Uint8Array): { components: number | null; isRgbCoded: boolean } {
  let components: number | null = null;
  let hasRgbIds = false;
  let hasJfif = false;
  let adobeTransform: number | null = null;
  let offset = 2;
  while (offset + 3 < bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // a fill byte before the marker
      continue;
    }
    if (marker === 0xda) break;
    const data = bytes.subarray(offset + 4, offset + 2 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!));
    const tag = String.fromCharCode(...data.subarray(0, 5));
    if (marker === 0xe0 && tag === 'JFIF\0') hasJfif = true;
    if (marker === 0xee && tag === 'Adobe' && data.length >= 12) adobeTransform = data[11]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && data.length >= 6) {
      // Frame header: precision (1), height (2), width (2), components (1), then 3 bytes per component, id first.
      components = data[5]!;
      hasRgbIds = components === 3 && data[6] === 0x52 && data[9] === 0x47 && data[12] === 0x42;
    }
    offset += 2 + data.length + 2;
  }
  const isRgbCoded = components === 3 && !hasJfif && (adobeTransform !== null ? adobeTransform === 0 : hasRgbIds);
  return { components, isRgbCoded };
}

/** 8-bit bytes of an image in gray, RGB or RGBA (CMYK and HSV images are converted to RGB first). */
function toBytes(image: Image): { bytes: Uint8Array; colorModel: 'gray' | 'rgb' | 'rgba' } {
  const colorModel = image.colorModel === 'gray' || image.colorModel === 'rgba' ? image.colorModel : 'rgb';
  const values = colorModel === image.colorModel ? image.data : convertPixels(image.data, image.colorModel, colorModel);
  const bytes = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++) bytes[index] = Math.round(Math.min(Math.max(values[index]!, 0), 1) * 255);
  return { bytes, colorModel };
}

/** Encodes an image as an 8-bit PNG (gray, RGB or RGBA). */
export function encodePng(image: Image): Uint8Array {
  const { bytes, colorModel } = toBytes(image);
  const channels = colorModel === 'gray' ? 1 : colorModel === 'rgb' ? 3 : 4;
  return encodePngBytes({ width: image.width, height: image.height, data: bytes, depth: 8, channels });
}

/** Encodes an image as a baseline JPEG of `quality` 1-100 (alpha is composited over white first). */
export function encodeJpeg(image: Image, quality = 90): Uint8Array {
  const rgba = convertPixels(image.data, image.colorModel, 'rgb');
  const data = new Uint8Array(image.width * image.height * 4);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    for (let channel = 0; channel < 3; channel++) data[pixel * 4 + channel] = Math.round(Math.min(Math.max(rgba[pixel * 3 + channel]!, 0), 1) * 255);
    data[pixel * 4 + 3] = 255;
  }
  return withBufferFrom(() => new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data }, quality).data));
}

/**
 * jpeg-js's encoder returns `Buffer.from(bytes)` wherever `module` exists, and a bundler's CommonJS
 * wrapper defines `module` in the browser too, where there is no Buffer: lend it one for the call.
 */
function withBufferFrom<T>(body: () => T): T {
  const scope = globalThis as { Buffer?: unknown };
  if (scope.Buffer !== undefined) return body();
  scope.Buffer = { from: (bytes: ArrayLike<number>) => Uint8Array.from(bytes) };
  try {
    return body();
  } finally {
    delete scope.Buffer;
  }
}
