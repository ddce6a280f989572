// PNG decoding that streams: the chunks are walked and checked (one IHDR first, valid color type and
// bit depth, a palette of at most 256 entries, CRCs) before anything is inflated; then the image data
// is inflated in small steps with fflate, each row unfiltered against the one before and handed on
// as float32 values in its output color model, and inflating stops once the last row is complete.
// So a decode holds the file, one or two rows and what the caller keeps (the picture, or a fitted
// one), never the whole inflated stream, and a deflate bomb cannot inflate past its step.
// Reference: PNG specification (third edition), chapters 7-9 and 11. Adam7 interlacing keeps the
// raw samples of the whole picture until the last pass; interlaced images of 1, 2 or 4 bits per
// sample are refused (fast-png, which this replaces for decoding, mis-sized their passes).
// Written here rather than taken from a library: fast-png and pngjs inflate the whole stream into
// one buffer before unfiltering, so neither can bound a decode's memory by the picture it declares.

import { fflate } from '#dependency/fflate';
import { FileFormatError } from '../core/errors.js';
import type { ColorModel } from './colorModels.js';
import type { ImageRows } from './image.js';

export interface PngStructure {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** IHDR color type: 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: number;
  /** Samples per pixel in the file (a palette index is one). */
  channels: number;
  isInterlaced: boolean;
  /** Palette colors, 3 bytes each (color type 3 only). */
  palette: Uint8Array;
  /** Alpha of each palette entry (255 where tRNS gives none), or null without tRNS. */
  paletteAlpha: Uint8Array | null;
  /** The transparent color of a gray or RGB image (tRNS), in file samples, or null. */
  transparentColor: number[] | null;
  /** The compressed image data: the IDAT chunks' contents, in order. */
  imageData: Uint8Array[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel and the bit depths allowed, by color type (PNG spec, table 11.1). */
const COLOR_TYPES: Record<number, { channels: number; depths: readonly number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
/** The Adam7 passes: first column, first row, column step and row step of each (PNG spec, 8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most 1032:1, so one step
 * makes at most 34 MB. (16 KiB steps cost up to 20% more CPU on a 9-megapixel photo-like PNG, for
 * fflate rebuilding its Huffman tables at every step.)
 */
export const PNG_INFLATE_STEP_BYTES = 32 * 1024;
export const MAX_DEFLATE_RATIO = 1032;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  return crc >>> 0;
});

/** CRC-32 of a chunk's type and data (PNG spec, annex D). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) crc = CRC_TABLE[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export type PngHeader = Pick<PngStructure, 'width' | 'height' | 'depth' | 'colorType' | 'channels' | 'isInterlaced'>;

/**
 * Reads a PNG's IHDR chunk (without its CRC). Throws FileFormatError naming `file` when the bytes do
 * not start with the signature and a 13-byte IHDR, or it has an invalid color type, bit depth,
 * compression, filter or interlace method.
 */
export function readPngHeader(bytes: Uint8Array, file: string): PngHeader {
  if (!SIGNATURE.every((value, index) => bytes[index] === value)) throw new FileFormatError(file, 'is not a PNG file');
  if (bytes.length < 33)
    throw new FileFormatError(file, `is truncated (${bytes.length} bytes, less than a PNG header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR' || view.getUint32(8) !== 13) {
    throw new FileFormatError(file, 'does not start with a 13-byte IHDR chunk');
  }
  const depth = bytes[24]!;
  const colorType = bytes[25]!;
  const kind = COLOR_TYPES[colorType];
  if (kind === undefined) throw new FileFormatError(file, `has color type ${colorType}; PNG defines 0, 2, 3, 4 and 6`);
  if (!kind.depths.includes(depth)) {
    throw new FileFormatError(
      file,
      `has ${depth} bits per sample for color type ${colorType}, which allows ${kind.depths.join(', ')}`,
    );
  }
  if (bytes[26] !== 0 || bytes[27] !== 0)
    throw new FileFormatError(
      file,
      `has compression method ${bytes[26]} and filter method ${bytes[27]}; PNG defines only 0`,
    );
  if (bytes[28]! > 1) throw new FileFormatError(file, `has interlace method ${bytes[28]}; PNG defines 0 and 1`);
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth,
    colorType,
    channels: kind.channels,
    isInterlaced: bytes[28] === 1,
  };
}

/**
 * Reads a PNG's header and walks its chunks up to IEND, checking each CRC, inflating nothing.
 * Throws FileFormatError naming `file` as readPngHeader does, and for a repeated IHDR, a palette of
 * more than 256 entries or none where the color type needs one, a transparency chunk of the wrong
 * size, a bad CRC, a chunk cut short, or no image data.
 */
export function readPngStructure(bytes: Uint8Array, file: string): PngStructure {
  const structure: PngStructure = {
    ...readPngHeader(bytes, file),
    palette: new Uint8Array(0),
    paletteAlpha: null,
    transparentColor: null,
    imageData: [],
  };
  const { colorType } = structure;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A damaged type is shown in hexadecimal: its bytes could be anything, terminal controls included.
  const typeAt = (offset: number): string => {
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    return /^[A-Za-z]{4}$/.test(type)
      ? type
      : `0x${Array.from(bytes.subarray(offset + 4, offset + 8), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  };
  for (let offset = 8; ; ) {
    if (offset + 12 > bytes.length)
      throw new FileFormatError(
        file,
        `cannot be decoded as PNG: it is truncated (${bytes.length} bytes, no IEND chunk)`,
      );
    const length = view.getUint32(offset);
    const type = typeAt(offset);
    if (offset + 12 + length > bytes.length) {
      throw new FileFormatError(
        file,
        `cannot be decoded as PNG: it is truncated (its ${type} chunk at byte ${offset} declares ${length} ` +
          `bytes, ${bytes.length - offset - 12} remain)`,
      );
    }
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new FileFormatError(
        file,
        `cannot be decoded as PNG: the CRC of its ${type} chunk at byte ${offset} does not match (the file is damaged)`,
      );
    }
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IEND') break;
    if (type === 'IHDR' && offset !== 8) throw new FileFormatError(file, `has a second IHDR chunk at byte ${offset}`);
    if (type === 'IDAT') structure.imageData.push(data);
    // A palette on a true-color image only suggests colors (PNG spec 11.2.3); it is not used here.
    if (type === 'PLTE' && colorType === 3) {
      if (length % 3 !== 0 || length > 768 || length === 0) {
        throw new FileFormatError(
          file,
          `has a palette (PLTE) of ${length} bytes; it must be 3 bytes per entry, 1 to 256 entries`,
        );
      }
      structure.palette = data;
    }
    if (type === 'tRNS') {
      const entries = structure.palette.length / 3;
      const allowed =
        colorType === 0 ? length === 2 : colorType === 2 ? length === 6 : colorType === 3 ? length <= entries : false;
      if (!allowed)
        throw new FileFormatError(
          file,
          `has a transparency chunk (tRNS) of ${length} bytes, which color type ${colorType} does not allow here`,
        );
      if (colorType === 3) {
        structure.paletteAlpha = new Uint8Array(entries).fill(255);
        structure.paletteAlpha.set(data);
      } else {
        structure.transparentColor = Array.from(
          { length: length / 2 },
          (_, index) => (data[2 * index]! << 8) | data[2 * index + 1]!,
        );
      }
    }
    offset += 12 + length;
  }
  if (colorType === 3 && structure.palette.length === 0)
    throw new FileFormatError(file, 'is a palette PNG without a palette (PLTE chunk)');
  if (structure.imageData.length === 0) throw new FileFormatError(file, 'has no image data (IDAT chunk)');
  return structure;
}

/** The color model a PNG decodes to: palettes RGB (RGBA with tRNS), gray + alpha and transparent colors RGBA. */
export function pngColorModel(structure: PngStructure): ColorModel {
  if (structure.colorType === 3) return structure.paletteAlpha === null ? 'rgb' : 'rgba';
  if (structure.channels === 2 || structure.transparentColor !== null) return 'rgba';
  return structure.channels === 1 ? 'gray' : structure.channels === 3 ? 'rgb' : 'rgba';
}

/**
 * The bytes the image data must inflate to: per row of each Adam7 pass (or of the picture), a filter byte and the
 * packed samples.
 */
export function pngInflatedBytes(structure: PngHeader): number {
  const { width, height, channels, depth } = structure;
  const rowBytes = (columns: number): number => 1 + Math.ceil((columns * channels * depth) / 8);
  if (!structure.isInterlaced) return height * rowBytes(width);
  let total = 0;
  for (const [column, row, columnStep, rowStep] of ADAM7) {
    const passWidth = Math.ceil((width - column) / columnStep);
    const passHeight = Math.ceil((height - row) / rowStep);
    if (passWidth > 0 && passHeight > 0) total += passHeight * rowBytes(passWidth);
  }
  return total;
}

/**
 * Throws an Error when the compressed image data is too short to hold the picture even at deflate's
 * densest (1032:1): a header that lies about the size is refused before anything is allocated.
 */
export function checkPngDataSize(structure: PngStructure): void {
  const compressed = structure.imageData.reduce((sum, part) => sum + part.length, 0);
  const needed = pngInflatedBytes(structure);
  if (compressed * MAX_DEFLATE_RATIO < needed) {
    throw new Error(
      `its ${compressed} bytes of image data inflate to at most ${compressed * MAX_DEFLATE_RATIO}, and ` +
        `${structure.width}x${structure.height} pixels need ${needed}`,
    );
  }
}

/**
 * Copies of one step's output that inflating holds at its peak: fflate's buffer, grown by doubling,
 * the piece it hands out and the window it keeps, and as much again from the step before, not yet
 * collected (a 25-megapixel PNG of one color, 1000:1, peaked 70 MB above three copies).
 */
const INFLATE_STEP_COPIES = 6;

/**
 * Bytes the decoder holds besides the file and the rows: what inflating a step can take, and the
 * whole picture's raw samples for Adam7.
 */
export function pngWorkingBytes(structure: PngStructure): number {
  const compressed = structure.imageData.reduce((sum, part) => sum + part.length, 0);
  const inflating = INFLATE_STEP_COPIES * Math.min(compressed, PNG_INFLATE_STEP_BYTES) * MAX_DEFLATE_RATIO;
  const pixelBytes = Math.ceil((structure.channels * structure.depth) / 8);
  return inflating + (structure.isInterlaced ? structure.width * structure.height * pixelBytes : 0);
}

/**
 * Reverses a row's filter in place (PNG spec, chapter 9): `row` and `previous` are the row's bytes without the filter
 * byte.
 */
function unfilter(type: number, row: Uint8Array, previous: Uint8Array, pixelBytes: number): void {
  const length = row.length;
  if (type === 0) return;
  if (type === 1) {
    for (let index = pixelBytes; index < length; index++) row[index] = row[index]! + row[index - pixelBytes]!;
  } else if (type === 2) {
    for (let index = 0; index < length; index++) row[index] = row[index]! + previous[index]!;
  } else if (type === 3) {
    for (let index = 0; index < length; index++) {
      const left = index >= pixelBytes ? row[index - pixelBytes]! : 0;
      row[index] = row[index]! + ((left + previous[index]!) >> 1);
    }
  } else if (type === 4) {
    for (let index = 0; index < length; index++) {
      const left = index >= pixelBytes ? row[index - pixelBytes]! : 0;
      const up = previous[index]!;
      const upLeft = index >= pixelBytes ? previous[index - pixelBytes]! : 0;
      const estimate = left + up - upLeft;
      const toLeft = Math.abs(estimate - left);
      const toUp = Math.abs(estimate - up);
      const toUpLeft = Math.abs(estimate - upLeft);
      row[index] = row[index]! + (toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft);
    }
  } else {
    throw new Error(`a row has filter type ${type}; PNG defines 0 to 4`);
  }
}

/**
 * Inflates the image data and calls `onRow(bytes, pass, row)` with each unfiltered row of each pass
 * (one pass, of the whole width, when not interlaced), stopping once the last row is complete.
 * Throws an Error when the data is not a zlib stream or ends before the last row.
 */
function inflateRows(structure: PngStructure, onRow: (bytes: Uint8Array, pass: number, row: number) => void): void {
  const { width, height, channels, depth } = structure;
  const pixelBytes = Math.ceil((channels * depth) / 8);
  const passes = structure.isInterlaced
    ? ADAM7.map(
        ([column, row, columnStep, rowStep]) =>
          [
            Math.max(0, Math.ceil((width - column) / columnStep)),
            Math.max(0, Math.ceil((height - row) / rowStep)),
          ] as const,
      )
    : [[width, height] as const];
  let pass = -1;
  let row = 0;
  let rowBytes = 0;
  let current = new Uint8Array(0);
  let previous = new Uint8Array(0);
  let filled = 0;
  const nextPass = (): void => {
    do pass++;
    while (pass < passes.length && (passes[pass]![0] === 0 || passes[pass]![1] === 0));
    row = 0;
    filled = 0;
    if (pass < passes.length) {
      rowBytes = 1 + Math.ceil((passes[pass]![0] * channels * depth) / 8);
      current = new Uint8Array(rowBytes);
      previous = new Uint8Array(rowBytes);
    }
  };
  nextPass();
  const { Unzlib } = fflate();
  const inflater = new Unzlib((chunk) => {
    for (let at = 0; at < chunk.length && pass < passes.length; ) {
      const take = Math.min(chunk.length - at, rowBytes - filled);
      current.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled < rowBytes) break;
      const bytes = current.subarray(1);
      unfilter(current[0]!, bytes, previous.subarray(1), pixelBytes);
      onRow(bytes, pass, row);
      [current, previous] = [previous, current];
      filled = 0;
      if (++row === passes[pass]![1]) nextPass();
    }
  });
  const push = (data: Uint8Array, isFinal: boolean): void => {
    try {
      inflater.push(data, isFinal);
    } catch (error) {
      // fflate's own errors (invalid zlib data, unexpected EOF, ...) carry a numeric code; ours do not.
      if (typeof (error as { code?: unknown }).code !== 'number') throw error;
      throw new Error(`its image data is not a valid zlib stream (${(error as Error).message})`);
    }
  };
  for (const part of structure.imageData) {
    for (let start = 0; start < part.length && pass < passes.length; start += PNG_INFLATE_STEP_BYTES) {
      push(part.subarray(start, start + PNG_INFLATE_STEP_BYTES), false);
    }
  }
  if (pass < passes.length) {
    push(new Uint8Array(0), true);
    if (pass < passes.length)
      throw new Error(`its image data ends in row ${row} of pass ${pass + 1} (of ${passes.length})`);
  }
}

/**
 * The rows of a PNG in its output color model (pngColorModel), decoded as they are read: samples
 * unpacked from 1, 2, 4, 8 or 16 bits (big-endian), palette indices looked up, gray + alpha and
 * transparent colors made RGBA, each value divided by the largest sample value.
 */
export function pngRows(structure: PngStructure): ImageRows {
  const { width, height, depth, channels } = structure;
  const colorModel = pngColorModel(structure);
  const outChannels = colorModel === 'gray' ? 1 : colorModel === 'rgb' ? 3 : 4;
  const maximum = 2 ** depth - 1;
  const perRow = width * channels;
  const samples = new Uint16Array(perRow);
  const values = new Float32Array(width * outChannels);
  const mask = (1 << depth) - 1;
  /** Row bytes to samples. */
  const unpack = (bytes: Uint8Array): void => {
    if (depth === 8) samples.set(bytes.subarray(0, perRow));
    else if (depth === 16)
      for (let index = 0; index < perRow; index++) samples[index] = (bytes[2 * index]! << 8) | bytes[2 * index + 1]!;
    else {
      // Samples of 1, 2 or 4 bits, packed from the high bits of each byte.
      for (let index = 0; index < perRow; index++) {
        const bit = index * depth;
        samples[index] = (bytes[bit >> 3]! >> (8 - depth - (bit & 7))) & mask;
      }
    }
  };
  let convert: (y: number) => void;
  if (structure.colorType === 3) {
    const entries = structure.palette.length / 3;
    const table = new Float32Array(entries * outChannels);
    for (let entry = 0; entry < entries; entry++) {
      for (let channel = 0; channel < 3; channel++)
        table[entry * outChannels + channel] = structure.palette[entry * 3 + channel]! / 255;
      if (outChannels === 4) table[entry * 4 + 3] = structure.paletteAlpha![entry]! / 255;
    }
    convert = (y) => {
      for (let x = 0; x < width; x++) {
        const entry = samples[x]!;
        if (entry >= entries)
          throw new Error(`pixel (${x}, ${y}) has palette index ${entry} but the palette has ${entries} entries`);
        for (let channel = 0; channel < outChannels; channel++)
          values[x * outChannels + channel] = table[entry * outChannels + channel]!;
      }
    };
  } else if (colorModel === 'rgba' && channels !== 4) {
    // Gray + alpha spreads the gray over RGB; a transparent color (tRNS, in file samples, PNG spec
    // 11.3.2.1) gives alpha 0 on the pixels equal to it and 1 elsewhere.
    const key = structure.transparentColor;
    convert = () => {
      for (let x = 0; x < width; x++) {
        const first = x * channels;
        for (let channel = 0; channel < 3; channel++)
          values[x * 4 + channel] = samples[first + (channels === 3 ? channel : 0)]! / maximum;
        if (key === null) values[x * 4 + 3] = samples[first + 1]! / maximum;
        else {
          let isKey = true;
          for (let channel = 0; channel < channels; channel++) isKey &&= samples[first + channel] === key[channel];
          values[x * 4 + 3] = isKey ? 0 : 1;
        }
      }
    };
  } else {
    convert = () => {
      for (let index = 0; index < values.length; index++) values[index] = samples[index]! / maximum;
    };
  }
  const forEachRow = (onRow: (values: Float32Array, y: number) => void): void => {
    if (!structure.isInterlaced) {
      inflateRows(structure, (bytes, _pass, y) => {
        unpack(bytes);
        convert(y);
        onRow(values, y);
      });
      return;
    }
    // Adam7 (8 bits or more per sample): scatter each pass's pixels into the whole picture's bytes.
    const pixelBytes = (channels * depth) / 8;
    const picture = new Uint8Array(width * height * pixelBytes);
    inflateRows(structure, (bytes, pass, row) => {
      const [column, firstRow, columnStep, rowStep] = ADAM7[pass]!;
      const y = firstRow + row * rowStep;
      for (let x = column, source = 0; x < width; x += columnStep, source += pixelBytes) {
        picture.set(bytes.subarray(source, source + pixelBytes), (y * width + x) * pixelBytes);
      }
    });
    const rowLength = width * pixelBytes;
    for (let y = 0; y < height; y++) {
      unpack(picture.subarray(y * rowLength, (y + 1) * rowLength));
      convert(y);
      onRow(values, y);
    }
  };
  return { width, height, colorModel, forEachRow };
}
