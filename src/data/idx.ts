// Reader and writer of the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.
// Spec: the "file formats" section of http://yann.lecun.com/exdb/mnist/ (two zero bytes, a type code,
// a dimension count, big-endian uint32 sizes, then the data in row-major order).
// Input is treated as hostile: every header check happens before any allocation, and gzip output is
// capped so a gzip bomb raises FileFormatError. Limit: only type 0x08 (unsigned byte) is supported.

import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FileFormatError, ValueError } from '../core/errors.js';

/** The dimensions and data bytes of an IDX file. */
export interface IdxContents {
  /** Sizes, outermost first: `[count, rows, columns]` for MNIST images, `[count]` for labels. */
  dims: number[];
  /** `product(dims)` bytes in row-major order. */
  data: Uint8Array;
}

/** Options of {@link parseIdx} and {@link readIdxFile}. */
export interface ParseIdxOptions {
  /**
   * Largest decompressed size (and, for readIdxFile, file size) accepted, in bytes. Default 1 GiB,
   * which is 20 times the largest MNIST file. Tests lower it to check the gzip-bomb guard cheaply.
   */
  maxDecompressedBytes?: number;
}

/** 1 GiB: the default bound on decompressed and on-disk sizes. */
export const DEFAULT_MAX_IDX_BYTES = 1024 * 1024 * 1024;

/**
 * Real IDX files have 1 to 4 dimensions. A larger count almost surely means a corrupt header
 * (the format itself would allow 255), so it is rejected rather than read.
 */
const MAX_IDX_DIMENSIONS = 8;

/** The only type code supported: one unsigned byte per value. */
const UNSIGNED_BYTE_TYPE = 0x08;

/** Names of the type codes the spec defines, so an error can say what the file holds. */
const IDX_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x08, 'unsigned byte'],
  [0x09, 'signed byte'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

/** A gzip stream starts with these two bytes (RFC 1952); an IDX file starts with 00 00, so they cannot clash. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function checkMaxBytes(maxBytes: number, context: string): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new ValueError(`${context}: maxDecompressedBytes must be a positive integer, got ${maxBytes}`);
  }
}

/** Decompresses gzip input, mapping zlib failures (corrupt stream, output over `maxBytes`) to FileFormatError. */
export function gunzipBounded(bytes: Uint8Array, file: string, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FileFormatError(
        file,
        `gzip data decompresses to more than ${maxBytes} bytes (the maxDecompressedBytes limit); refusing to read it`,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileFormatError(file, `corrupt gzip stream: ${reason}`);
  }
}

/**
 * Parses an IDX file held in memory, raw or gzip-compressed (detected by the 1f 8b magic).
 * Returns the dimensions and the data bytes. `data` is a view into `bytes` (raw input) or into the
 * decompressed buffer, not a copy.
 * Throws FileFormatError, whose message starts with `file`, for: bad magic, a type code other than
 * 0x08, a dimension count of 0 or above 8, a truncated header or data, trailing bytes, a corrupt gzip
 * stream, or gzip output over `options.maxDecompressedBytes` (default 1 GiB).
 *
 * @example
 * const { dims, data } = parseIdx(readFileSync('t10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz');
 * dims; // [10000]
 * data[0]; // 7
 */
export function parseIdx(bytes: Uint8Array, file: string, options: ParseIdxOptions = {}): IdxContents {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_IDX_BYTES;
  checkMaxBytes(maxBytes, 'parseIdx');
  const content = isGzip(bytes) ? gunzipBounded(bytes, file, maxBytes) : bytes;

  if (content.length < 4) {
    throw new FileFormatError(file, `truncated: ${content.length} bytes, too short for the 4-byte IDX magic`);
  }
  if (content[0] !== 0 || content[1] !== 0) {
    throw new FileFormatError(
      file,
      `not an IDX file: expected magic bytes 00 00 at the start, found ${hexByte(content[0]!)} ${hexByte(content[1]!)}`,
    );
  }
  const typeCode = content[2]!;
  if (typeCode !== UNSIGNED_BYTE_TYPE) {
    const typeName = IDX_TYPE_NAMES.get(typeCode) ?? 'not defined by the IDX format';
    throw new FileFormatError(
      file,
      `unsupported IDX type code 0x${hexByte(typeCode)} (${typeName}); only 0x08 (unsigned byte) is supported`,
    );
  }
  const dimensionCount = content[3]!;
  if (dimensionCount < 1 || dimensionCount > MAX_IDX_DIMENSIONS) {
    throw new FileFormatError(
      file,
      `IDX header declares ${dimensionCount} dimensions; expected 1 to ${MAX_IDX_DIMENSIONS}`,
    );
  }
  const headerLength = 4 + 4 * dimensionCount;
  if (content.length < headerLength) {
    throw new FileFormatError(
      file,
      `truncated header: ${dimensionCount} dimensions need ${headerLength} header bytes` +
        ` but the file has ${content.length}`,
    );
  }

  const view = new DataView(content.buffer, content.byteOffset, headerLength);
  const dims: number[] = [];
  // NOTE: BigInt keeps the product exact: 0xFFFFFFFF x 0xFFFFFFFF would lose digits as a double and
  // the error message should show the size the header really claims.
  let declaredBytes = 1n;
  for (let axis = 0; axis < dimensionCount; axis++) {
    const size = view.getUint32(4 + 4 * axis, false);
    dims.push(size);
    declaredBytes *= BigInt(size);
  }
  const availableBytes = BigInt(content.length - headerLength);
  if (declaredBytes > availableBytes) {
    throw new FileFormatError(
      file,
      `truncated: header declares ${dims.join('x')} = ${declaredBytes} bytes but only ${availableBytes} follow`,
    );
  }
  if (declaredBytes < availableBytes) {
    throw new FileFormatError(
      file,
      `${availableBytes - declaredBytes} trailing bytes after the ${declaredBytes} data bytes` +
        ` that the header declares (${dims.join('x')})`,
    );
  }
  const data = new Uint8Array(content.buffer, content.byteOffset + headerLength, Number(declaredBytes));
  return { dims, data };
}

/**
 * Reads and parses an IDX file (raw or gzip) with node:fs; see {@link parseIdx} for the checks.
 * Throws FileFormatError naming `path` if it does not exist, is not a regular file, is larger than
 * `options.maxDecompressedBytes` (default 1 GiB), cannot be read, or is not a valid IDX file.
 *
 * @example
 * const labels = readIdxFile('mnist/train-labels-idx1-ubyte.gz');
 * labels.dims; // [60000]
 * labels.data.length; // 60000
 */
export function readIdxFile(path: string, options: ParseIdxOptions = {}): IdxContents {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_IDX_BYTES;
  checkMaxBytes(maxBytes, 'readIdxFile');
  let bytes: Uint8Array;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) {
      throw new FileFormatError(path, 'is not a regular file');
    }
    if (stats.size > maxBytes) {
      throw new FileFormatError(path, `file is ${stats.size} bytes, over the ${maxBytes}-byte limit`);
    }
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new FileFormatError(path, 'file does not exist');
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileFormatError(path, `cannot be read: ${reason}`);
  }
  return parseIdx(bytes, path, options);
}

/**
 * Encodes bytes as a raw (uncompressed) IDX file of type 0x08: the inverse of {@link parseIdx}.
 * Throws ValueError if there are no dimensions or more than 8, a size is not an integer in
 * [0, 2^32 - 1], or `data.length` is not the product of `dims`.
 *
 * @example
 * const file = encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6]));
 * file.length; // 4 + 2 * 4 + 6 = 18
 * parseIdx(file, 'example').dims; // [2, 3]
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > MAX_IDX_DIMENSIONS) {
    throw new ValueError(`encodeIdx: dims must have 1 to ${MAX_IDX_DIMENSIONS} entries, got ${dims.length}`);
  }
  let size = 1;
  for (const dimension of dims) {
    if (!Number.isInteger(dimension) || dimension < 0 || dimension > 0xffffffff) {
      throw new ValueError(`encodeIdx: every size must be an integer in [0, 4294967295], got [${dims.join(', ')}]`);
    }
    size *= dimension;
  }
  if (data.length !== size) {
    throw new ValueError(`encodeIdx: dims ${dims.join('x')} need ${size} bytes but data has ${data.length}`);
  }
  const headerLength = 4 + 4 * dims.length;
  const output = new Uint8Array(headerLength + data.length);
  const view = new DataView(output.buffer);
  output[2] = UNSIGNED_BYTE_TYPE;
  output[3] = dims.length;
  dims.forEach((dimension, axis) => view.setUint32(4 + 4 * axis, dimension, false));
  output.set(data, headerLength);
  return output;
}
