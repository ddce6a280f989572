// PNG files made in the tests, byte by byte: any color type, bit depth and interlacing, rows filtered
// with every PNG filter type (fast-png's encoder writes filter 0 only, so this is what exercises the
// decoder's unfiltering), chunks with correct CRCs, and large pictures of one color deflated as a
// stream (a 100-megapixel picture never exists in memory). node:zlib compresses; the decoder under
// test inflates with fflate, so the two sides do not share an implementation.

import { createDeflate, deflateSync } from 'node:zlib';
import type { Random } from '../../src/index.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data and the CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(new TextEncoder().encode(type), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

export interface PngHeaderFields {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  isInterlaced?: boolean;
}

export function ihdr({ width, height, depth, colorType, isInterlaced = false }: PngHeaderFields): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, isInterlaced ? 1 : 0], 8);
  return pngChunk('IHDR', data);
}

/**
 * A copy of PNG bytes with the CRC of every whole chunk recomputed, so that damage inside a chunk
 * (a fuzzed header field, corrupt compressed data) reaches the decoder instead of the CRC check.
 */
export function withRepairedCrcs(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  for (let offset = 8; offset + 12 <= copy.length; ) {
    const length = view.getUint32(offset);
    if (offset + 12 + length > copy.length) break;
    view.setUint32(offset + 8 + length, crc32(copy.subarray(offset + 4, offset + 8 + length)));
    offset += 12 + length;
  }
  return copy;
}

/** Signature, IHDR, the chunks given (PLTE, tRNS, IDAT, ...), IEND. */
export function assemblePng(header: PngHeaderFields, chunks: readonly Uint8Array[]): Uint8Array {
  const parts = [Uint8Array.from(SIGNATURE), ihdr(header), ...chunks, pngChunk('IEND')];
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** Samples (one per channel, row by row) packed into bytes at `depth` bits, big-endian, rows on whole bytes. */
function packRow(samples: ArrayLike<number>, first: number, count: number, depth: number): Uint8Array {
  const row = new Uint8Array(Math.ceil((count * depth) / 8));
  for (let index = 0; index < count; index++) {
    const sample = samples[first + index]!;
    if (depth === 16) row.set([sample >> 8, sample & 0xff], index * 2);
    else if (depth === 8) row[index] = sample;
    else row[(index * depth) >> 3]! |= sample << (8 - depth - ((index * depth) & 7));
  }
  return row;
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const [a, b, c] = [Math.abs(estimate - left), Math.abs(estimate - up), Math.abs(estimate - upLeft)];
  return a <= b && a <= c ? left : b <= c ? up : upLeft;
}

/** A row filtered with `type` against the previous raw row (PNG spec, chapter 9), filter byte first. */
function filterRow(raw: Uint8Array, previous: Uint8Array, type: number, pixelBytes: number): Uint8Array {
  const out = new Uint8Array(raw.length + 1);
  out[0] = type;
  for (let index = 0; index < raw.length; index++) {
    const left = index >= pixelBytes ? raw[index - pixelBytes]! : 0;
    const up = previous[index] ?? 0;
    const upLeft = index >= pixelBytes ? (previous[index - pixelBytes] ?? 0) : 0;
    const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][type]!;
    out[index + 1] = (raw[index]! - predictor) & 0xff;
  }
  return out;
}

export interface TestPng extends PngHeaderFields {
  /** Samples, channels interleaved, row by row (palette indices for color type 3). */
  samples: ArrayLike<number>;
  palette?: readonly (readonly number[])[];
  /** tRNS contents: alphas per palette entry, or the transparent color's samples. */
  transparency?: readonly number[];
}

/** The filtered rows of the image data before compression: each pass of Adam7 in turn, or the whole picture. */
function filteredData(png: TestPng, random: Random): Uint8Array {
  const channels = CHANNELS[png.colorType]!;
  const pixelBytes = Math.max(1, (channels * png.depth) / 8);
  const rows: Uint8Array[] = [];
  const passes = png.isInterlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  for (const [column, firstRow, columnStep, rowStep] of passes) {
    const columns = Array.from(
      { length: Math.max(0, Math.ceil((png.width - column) / columnStep)) },
      (_, index) => column + index * columnStep,
    );
    if (columns.length === 0) continue;
    let previous: Uint8Array = new Uint8Array(0);
    for (let y = firstRow; y < png.height; y += rowStep) {
      const samples = columns.flatMap((x) =>
        Array.from({ length: channels }, (_, channel) => png.samples[(y * png.width + x) * channels + channel]!),
      );
      const raw = packRow(samples, 0, samples.length, png.depth);
      rows.push(filterRow(raw, previous, random.integer(5), pixelBytes));
      previous = raw;
    }
  }
  const data = new Uint8Array(rows.reduce((sum, row) => sum + row.length, 0));
  let at = 0;
  for (const row of rows) {
    data.set(row, at);
    at += row.length;
  }
  return data;
}

/**
 * A complete PNG of `png`, every row filtered with a filter type drawn from `random`, the image data
 * split into IDAT chunks of at most `idatBytes`.
 */
export function encodeTestPng(png: TestPng, random: Random, idatBytes = 1 << 20): Uint8Array {
  const compressed = deflateSync(filteredData(png, random));
  const chunks: Uint8Array[] = [];
  if (png.palette !== undefined) chunks.push(pngChunk('PLTE', Uint8Array.from(png.palette.flat())));
  if (png.transparency !== undefined) {
    const isPalette = png.colorType === 3;
    const data = isPalette
      ? Uint8Array.from(png.transparency)
      : packRow(png.transparency, 0, png.transparency.length, 16);
    chunks.push(pngChunk('tRNS', data));
  }
  for (let start = 0; start < compressed.length; start += idatBytes)
    chunks.push(pngChunk('IDAT', compressed.subarray(start, start + idatBytes)));
  return assemblePng(png, chunks);
}

/** Random samples for a picture of this color type and depth (palette indices below `paletteSize`). */
export function randomSamples(header: PngHeaderFields, random: Random, paletteSize = 0): Uint16Array {
  const count = header.width * header.height * CHANNELS[header.colorType]!;
  const bound = header.colorType === 3 ? paletteSize : 2 ** header.depth;
  return Uint16Array.from({ length: count }, () => random.integer(bound));
}

/**
 * A PNG of one color, deflated row by row as a stream, so that a picture of hundreds of megabytes
 * exists only compressed (a constant picture deflates about 1000:1). Every sample byte is `byte`.
 */
export async function constantPng(header: PngHeaderFields, byte: number): Promise<Uint8Array> {
  const rowBytes = 1 + Math.ceil((header.width * CHANNELS[header.colorType]! * header.depth) / 8);
  const row = new Uint8Array(rowBytes).fill(byte);
  row[0] = 0;
  const deflate = createDeflate({ level: 9 });
  const pieces: Buffer[] = [];
  deflate.on('data', (piece: Buffer) => pieces.push(piece));
  const done = new Promise<void>((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  for (let y = 0; y < header.height; y++) {
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  const compressed = Buffer.concat(pieces);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < compressed.length; start += 1 << 20)
    chunks.push(pngChunk('IDAT', compressed.subarray(start, start + (1 << 20))));
  return assemblePng(header, chunks);
}
