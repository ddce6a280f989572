// Decoding and encoding PNG and JPEG files in pure JavaScript (so the same code runs in Node and in
// the browser): PNG decoding streams rows (pngDecoder.ts, inflating with fflate), PNG encoding uses
// fast-png, and JPEG uses jpeg-js (baseline and progressive decoding, baseline encoding). Before
// anything is decoded, the size, the bytes the decode will allocate (MAX_DECODE_BYTES) and a JPEG's
// scans are checked, so a hostile or huge file is refused without allocating; samples go straight
// to the final float32 layout, or, fitted to a size, into the resized picture.

import { fastPng } from '#dependency/fastPng';
import { jpegDecoder } from '#dependency/jpegDecoder';
import { jpegEncoder } from '#dependency/jpegEncoder';
import { FileFormatError, ValueError } from '../core/errors.js';
import { MAX_DECODE_BYTES, MAX_IMAGE_PIXELS, MAX_JPEG_SCAN_BLOCKS, MAX_JPEG_SCANS } from '../core/limits.js';
import { channelsOf, convertPixels, type ColorModel } from './colorModels.js';
import type { Image, ImageRows } from './image.js';
import { jpegBlocks, readJpegStructure, type JpegStructure } from './jpegStructure.js';
import {
  checkPngDataSize,
  pngColorModel,
  pngRows,
  pngWorkingBytes,
  readPngHeader,
  readPngStructure,
} from './pngDecoder.js';
import { fitImage, resizeRowsArea } from './preprocess.js';

export { MAX_IMAGE_PIXELS } from '../core/limits.js';
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MIB = 1024 * 1024;
/**
 * Bytes jpeg-js holds per 8x8 block: a separate Int32Array(64), 256 bytes of values and about 400
 * of object and allocation overhead (measured: 1 million of them raised the resident size by 659 MB).
 */
const JPEG_BLOCK_BYTES = 680;
/** Bytes of object overhead per Uint8Array row that jpeg-js keeps per component line. */
const JPEG_LINE_OVERHEAD_BYTES = 200;
/**
 * Share added to jpeg-js's allocations for what V8 has not collected yet at the peak: measured peaks
 * of 24-megapixel JPEGs varied by 80 MiB between runs, up to 9% above the plain sum.
 */
const JPEG_GARBAGE_SHARE = 0.1;

/** A picture file format decodeImage reads. */
export type ImageFormat = 'png' | 'jpeg';

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Size to fit the picture to, as fitImage does after decoding, but a picture larger on both sides
   * is area-averaged row by row straight from the decoder's samples: it is never held at full size
   * in float32, so larger pictures fit in the budget. Default: the file's size.
   */
  fit?:
    | {
        /** The width to fit to, in pixels. */
        readonly width: number;
        /** The height to fit to, in pixels. */
        readonly height: number;
      }
    | undefined;
  /** The most bytes the decode may allocate, as estimated before decoding. Default MAX_DECODE_BYTES (1 GiB). */
  maxBytes?: number | undefined;
}

/** The format of encoded image bytes from their magic number, or null. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (PNG_MAGIC.every((value, index) => bytes[index] === value)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * The width and height a PNG or JPEG declares, read from its header alone (the first bytes of the
 * file are enough for a PNG; a JPEG needs the bytes up to its frame header), or null if they are not
 * there or the bytes are not a PNG or JPEG.
 */
export function readImageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const format = detectImageFormat(bytes);
  if (format === 'png') {
    if (bytes.length < 24) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') {
    try {
      const { width, height } = readJpegStructure(bytes, 'image');
      return { width, height };
    } catch {
      return null;
    }
  }
  return null;
}

function checkDimensions(width: number, height: number, file: string): void {
  if (width < 1 || height < 1) throw new FileFormatError(file, `declares an empty image (${width}x${height})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new FileFormatError(
      file,
      `declares ${width}x${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels this decoder accepts`,
    );
  }
}

/** Bytes in words: whole MiB from 1 MiB up, else bytes. */
function inWords(bytes: number, round: (value: number) => number): string {
  return bytes >= MIB ? `${round(bytes / MIB)} MiB` : `${Math.round(bytes)} bytes`;
}

function checkBudget(estimate: number, maxBytes: number, file: string, what: string): void {
  if (estimate > maxBytes) {
    throw new FileFormatError(
      file,
      `${what}: decoding it would take about ${inWords(estimate, Math.ceil)}, more than the ` +
        `${inWords(maxBytes, Math.floor)}` +
        ' a decode may use (MAX_DECODE_BYTES); use a smaller picture',
    );
  }
}

/** Whether fitting width x height to `fit` shrinks both sides (area averaging, which can stream rows). */
function isStreamedShrink(
  width: number,
  height: number,
  fit: DecodeOptions['fit'],
): fit is { width: number; height: number } {
  return (
    fit !== undefined && (fit.width !== width || fit.height !== height) && width >= fit.width && height >= fit.height
  );
}

/** The bytes of our own output: the float32 picture, or the fitted one and the rows and sums that make it. */
function outputBytes(width: number, height: number, channels: number, fit: DecodeOptions['fit']): number {
  if (isStreamedShrink(width, height, fit))
    return (fit.width * fit.height * channels + width * channels) * 4 + 2 * fit.width * (channels + 1) * 8;
  const fitted =
    fit === undefined || (fit.width === width && fit.height === height) ? 0 : fit.width * fit.height * channels * 4;
  return width * height * channels * 4 + fitted;
}

/** The image from rows: resized while streaming when the fit shrinks it, else whole (then fitted). */
function assemble(rows: ImageRows, fit: DecodeOptions['fit']): Image {
  if (isStreamedShrink(rows.width, rows.height, fit)) return resizeRowsArea(rows, fit.width, fit.height);
  const rowLength = rows.width * channelsOf(rows.colorModel);
  const data = new Float32Array(rowLength * rows.height);
  rows.forEachRow((values, y) => data.set(values, y * rowLength));
  const image: Image = { width: rows.width, height: rows.height, colorModel: rows.colorModel, data };
  return fit === undefined ? image : fitImage(image, fit.width, fit.height);
}

/**
 * Decodes PNG or JPEG bytes to an Image (values in [0, 1]). Gray + alpha PNGs, and gray or RGB PNGs
 * with a transparent color (tRNS), become RGBA; palette PNGs RGB or RGBA; grayscale JPEGs gray, and
 * CMYK JPEGs RGB. With `options.fit`, the result is fitImage's of the decoded picture, made without
 * holding the whole picture in float32 when it shrinks.
 * Throws FileFormatError naming `file` for anything it cannot decode, including interlaced PNGs of 1,
 * 2 or 4 bits per sample, a picture over MAX_IMAGE_PIXELS, a decode estimated to allocate more than
 * `options.maxBytes` (MAX_DECODE_BYTES), and a JPEG of more than MAX_JPEG_SCANS scans or
 * MAX_JPEG_SCAN_BLOCKS blocks decoded over its scans; ValueError for a fit that is not two positive
 * integers or a maxBytes that is not a positive number.
 *
 * @example
 * const image = decodeImage(readFileSync('digit.png'), 'digit.png');
 * const input = decodeImage(readFileSync('photo.jpg'), 'photo.jpg', { fit: { width: 32, height: 32 } });
 */
export function decodeImage(bytes: Uint8Array, file = 'image', options: DecodeOptions = {}): Image {
  const { fit } = options;
  if (
    fit !== undefined &&
    !(Number.isInteger(fit.width) && Number.isInteger(fit.height) && fit.width >= 1 && fit.height >= 1)
  ) {
    throw new ValueError(`decodeImage: fit must be two positive integers, got ${fit.width}x${fit.height}`);
  }
  const maxBytes = options.maxBytes ?? MAX_DECODE_BYTES;
  if (!(maxBytes > 0)) throw new ValueError(`decodeImage: maxBytes must be a positive number, got ${maxBytes}`);
  const format = detectImageFormat(bytes);
  if (format === null) {
    const magic = Array.from(bytes.subarray(0, 4), (value) => value.toString(16).padStart(2, '0')).join(' ');
    throw new FileFormatError(file, `is not a PNG or JPEG file (it starts with ${magic || 'nothing'})`);
  }
  try {
    return format === 'png' ? decodePng(bytes, file, fit, maxBytes) : decodeJpeg(bytes, file, fit, maxBytes);
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new FileFormatError(file, `cannot be decoded as ${format.toUpperCase()}: ${(error as Error).message}`);
  }
}

function decodePng(bytes: Uint8Array, file: string, fit: DecodeOptions['fit'], maxBytes: number): Image {
  const { width, height, depth, isInterlaced } = readPngHeader(bytes, file);
  checkDimensions(width, height, file);
  if (isInterlaced && depth < 8) {
    throw new FileFormatError(
      file,
      `is an interlaced (Adam7) PNG of ${depth} bits per sample, which this decoder does not support; save ` +
        `it non-interlaced`,
    );
  }
  const structure = readPngStructure(bytes, file);
  const colorModel = pngColorModel(structure);
  // The file, the decoder's working bytes (an inflating step; Adam7's whole picture) and our output.
  const estimate = bytes.length + pngWorkingBytes(structure) + outputBytes(width, height, channelsOf(colorModel), fit);
  checkBudget(estimate, maxBytes, file, `a ${width}x${height} PNG of ${depth}-bit ${colorModel} pixels`);
  checkPngDataSize(structure);
  return assemble(pngRows(structure), fit);
}

/**
 * What decoding a JPEG allocates at its peak, after jpeg-js 0.4.4: its copy of the file, one block
 * object per 8x8 block of every component, the component lines, the interleaved samples and the RGB
 * output; then our output. Also what jpeg-js itself counts against its maxMemoryUsageInMB.
 */
function estimateJpegBytes(
  structure: JpegStructure,
  fileBytes: number,
  output: number,
): { total: number; counted: number } {
  const pixels = structure.width * structure.height;
  let blockBytes = 0;
  let lineBytes = 0;
  let counted = 0;
  for (const { allocated, perLine, perColumn } of jpegBlocks(structure)) {
    blockBytes += allocated * JPEG_BLOCK_BYTES;
    lineBytes += perLine * 8 * perColumn * 8 + perColumn * 8 * JPEG_LINE_OVERHEAD_BYTES;
    counted += allocated * 256 + perLine * 8 * perColumn * 8;
  }
  const samples = pixels * structure.components.length + pixels * 3;
  const decoder = (2 * fileBytes + blockBytes + lineBytes + samples) * (1 + JPEG_GARBAGE_SHARE);
  return { total: Math.ceil(decoder) + output, counted: counted + samples + fileBytes };
}

function decodeJpeg(bytes: Uint8Array, file: string, fit: DecodeOptions['fit'], maxBytes: number): Image {
  const structure = readJpegStructure(bytes, file);
  const { width, height, components, scans } = structure;
  checkDimensions(width, height, file);
  if (scans > MAX_JPEG_SCANS) {
    throw new FileFormatError(
      file,
      `has ${scans} scans, more than the ${MAX_JPEG_SCANS} this decoder accepts (MAX_JPEG_SCANS; a ` +
        `progressive JPEG has about 10)`,
    );
  }
  const layout = jpegBlocks(structure);
  const blocks = layout.reduce((sum, component) => sum + component.allocated, 0);
  if (scans * blocks > MAX_JPEG_SCAN_BLOCKS) {
    throw new FileFormatError(
      file,
      `has ${scans} scans over ${blocks} blocks of 8x8 pixels: ${scans * blocks} block decodes, more than ` +
        `the ${MAX_JPEG_SCAN_BLOCKS} allowed (MAX_JPEG_SCAN_BLOCKS)`,
    );
  }
  const isGray = components.length === 1;
  const colorModel: ColorModel = isGray ? 'gray' : 'rgb';
  const estimate = estimateJpegBytes(structure, bytes.length, outputBytes(width, height, channelsOf(colorModel), fit));
  checkBudget(estimate.total, maxBytes, file, `a ${width}x${height} JPEG of ${components.length} components`);
  // Every block's DC coefficient is coded in at least one bit (in the first DC scan, or the one
  // sequential scan), so a file of fewer bits than blocks cannot be a whole picture of this size: a
  // header that lies about the size, refused before jpeg-js allocates its blocks.
  const codedBlocks = layout.reduce((sum, component) => sum + component.perLine * component.perColumn, 0);
  if (bytes.length * 8 < codedBlocks) {
    throw new FileFormatError(
      file,
      `cannot be decoded as JPEG: its ${bytes.length} bytes cannot code the ${codedBlocks} blocks of 8x8 ` +
        `pixels of a ${width}x${height} frame (at least one bit each)`,
    );
  }
  const decoded = jpegDecoder()(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
    // jpeg-js's own count, for the frame read above plus room for tables: a second frame or
    // anything else the header did not declare stops it.
    maxMemoryUsageInMB: Math.ceil(estimate.counted / MIB) + 4,
    // NOTE: jpeg-js converts every three-component JPEG from YCbCr unless told otherwise, even one
    // whose Adobe marker says transform 0 (RGB planes); tell it otherwise where libjpeg would.
    ...(structure.isRgbCoded ? { colorTransform: false } : {}),
  });
  if (decoded.width !== width || decoded.height !== height) {
    throw new FileFormatError(
      file,
      `declares ${width}x${height} pixels in its first frame header but decodes to ${decoded.width}x${decoded.height}`,
    );
  }
  // jpeg-js always returns RGB (gray repeated three times, CMYK converted); keep a one-component
  // (grayscale) JPEG gray, as libjpeg does, by taking every third value.
  const samples = decoded.data;
  const row = new Float32Array(width * (isGray ? 1 : 3));
  const rows: ImageRows = {
    width,
    height,
    colorModel,
    forEachRow: (onRow) => {
      for (let y = 0; y < height; y++) {
        const first = y * width * 3;
        if (isGray) for (let x = 0; x < width; x++) row[x] = samples[first + x * 3]! / 255;
        else for (let index = 0; index < row.length; index++) row[index] = samples[first + index]! / 255;
        onRow(row, y);
      }
    },
  };
  return assemble(rows, fit);
}

/** 8-bit bytes of an image in gray, RGB or RGBA (CMYK and HSV images are converted to RGB first). */
function toBytes(image: Image): { bytes: Uint8Array; colorModel: 'gray' | 'rgb' | 'rgba' } {
  const colorModel = image.colorModel === 'gray' || image.colorModel === 'rgba' ? image.colorModel : 'rgb';
  const values = colorModel === image.colorModel ? image.data : convertPixels(image.data, image.colorModel, colorModel);
  const bytes = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++)
    bytes[index] = Math.round(Math.min(Math.max(values[index]!, 0), 1) * 255);
  return { bytes, colorModel };
}

/** Encodes an image as an 8-bit PNG (gray, RGB or RGBA). */
export function encodePng(image: Image): Uint8Array {
  const { bytes, colorModel } = toBytes(image);
  const channels = colorModel === 'gray' ? 1 : colorModel === 'rgb' ? 3 : 4;
  return fastPng().encode({ width: image.width, height: image.height, data: bytes, depth: 8, channels });
}

/** Encodes an image as a baseline JPEG of `quality` 1-100 (alpha is composited over white first). */
export function encodeJpeg(image: Image, quality = 90): Uint8Array {
  const rgba = convertPixels(image.data, image.colorModel, 'rgb');
  const data = new Uint8Array(image.width * image.height * 4);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    for (let channel = 0; channel < 3; channel++)
      data[pixel * 4 + channel] = Math.round(Math.min(Math.max(rgba[pixel * 3 + channel]!, 0), 1) * 255);
    data[pixel * 4 + 3] = 255;
  }
  return withBufferFrom(
    () => new Uint8Array(jpegEncoder()({ width: image.width, height: image.height, data }, quality).data),
  );
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
