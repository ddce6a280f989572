// The IDX format of MNIST and Fashion-MNIST without files or zlib, so the browser can read it too:
// parse uncompressed IDX bytes, encode them, and check an images + labels pair into an ImageDataset.
// Spec: the "file formats" section of http://yann.lecun.com/exdb/mnist/ (two zero bytes, a type code,
// a dimension count, big-endian uint32 sizes, then the data in row-major order).
// Input is treated as hostile: every header check happens before any allocation. idx.ts adds gzip
// and files for Node. Limit: only type 0x08 (unsigned byte) is supported.

import { FileFormatError, ValueError } from '../core/errors.js';
import { DEFAULT_MAX_IDX_BYTES } from '../core/limits.js';
import type { ImageDataset } from './imageDataset.js';

/** The dimensions and data bytes of an IDX file. */
export interface IdxContents {
  /** Sizes, outermost first: `[count, rows, columns]` for MNIST images, `[count]` for labels. */
  dims: number[];
  /** `product(dims)` bytes in row-major order. */
  data: Uint8Array;
}

/** Options of parseIdx and readIdxFile (Node), and of the bounded decompression a browser does. */
export interface ParseIdxOptions {
  /**
   * Largest decompressed size (and, for readIdxFile, file size) accepted, in bytes. Default 1 GiB,
   * which is 20 times the largest MNIST file. Tests lower it to check the gzip-bomb guard cheaply.
   */
  maxDecompressedBytes?: number | undefined;
}

/** The default bound on decompressed and on-disk sizes (core/limits.ts). */
export { DEFAULT_MAX_IDX_BYTES };

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

/** Throws ValueError unless `maxBytes` is a positive integer; `context` names the caller. */
export function checkMaxBytes(maxBytes: number, context: string): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new ValueError(`${context}: maxDecompressedBytes must be a positive integer, got ${maxBytes}`);
  }
}

/**
 * Parses an uncompressed IDX file held in memory: the dimensions and the data bytes, `data` being a
 * view into `bytes`, not a copy. Gzip input must be decompressed first (parseIdx does it in Node; a
 * browser has DecompressionStream('gzip')).
 * Throws FileFormatError, whose message starts with `file`, for: bad magic (gzip bytes included), a
 * type code other than 0x08, a dimension count of 0 or above 8, a truncated header or data, or
 * trailing bytes.
 *
 * @example
 * const labels = parseRawIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 2]), 'labels');
 * labels.dims; // [2]
 * labels.data; // Uint8Array [7, 2]
 */
export function parseRawIdx(content: Uint8Array, file: string): IdxContents {
  if (content.length < 4) {
    throw new FileFormatError(file, `truncated: ${content.length} bytes, too short for the 4-byte IDX magic`);
  }
  if (content[0] !== 0 || content[1] !== 0) {
    const hint = isGzip(content) ? ' (gzip data: decompress it first)' : '';
    throw new FileFormatError(
      file,
      `not an IDX file: expected magic bytes 00 00 at the start, found ${hexByte(content[0]!)} ` +
        `${hexByte(content[1]!)}${hint}`,
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
 * Encodes bytes as a raw (uncompressed) IDX file of type 0x08: the inverse of {@link parseRawIdx}.
 * Throws ValueError if there are no dimensions or more than 8, a size is not an integer in
 * [0, 2^32 - 1], or `data.length` is not the product of `dims`.
 *
 * @example
 * const file = encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6]));
 * file.length; // 4 + 2 * 4 + 6 = 18
 * parseRawIdx(file, 'example').dims; // [2, 3]
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
  dims.forEach((dimension, axis) => {
    view.setUint32(4 + 4 * axis, dimension, false);
  });
  output.set(data, headerLength);
  return output;
}

/** Where an images + labels pair came from, for the error messages of {@link imageDatasetFromIdx}. */
export interface IdxPairFiles {
  /** The images file's name or path. */
  images: string;
  /** The labels file's name or path. */
  labels: string;
}

/**
 * An ImageDataset of shape [count, height, width, 1] from a parsed MNIST-format pair: images
 * [count, height, width] and labels [count]. The dataset shares the parsed bytes (no copy).
 * Throws FileFormatError naming the file at fault if the images are not 3-D or have an empty side,
 * the labels are not 1-D, the counts differ, or a label is not below `classNames.length`.
 *
 * @example
 * const test = imageDatasetFromIdx(parseRawIdx(imageBytes, 'images'), parseRawIdx(labelBytes, 'labels'),
 *   { images: 'images', labels: 'labels' }, MNIST_CLASS_NAMES);
 * test.count; // 2000 for the bundled sample's test part
 */
export function imageDatasetFromIdx(
  images: IdxContents,
  labels: IdxContents,
  files: IdxPairFiles,
  classNames: readonly string[],
): ImageDataset {
  if (images.dims.length !== 3) {
    throw new FileFormatError(
      files.images,
      `expected 3 dimensions [count, height, width] for images, got ${images.dims.length} (${images.dims.join('x')})`,
    );
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (height < 1 || width < 1) {
    throw new FileFormatError(files.images, `images are ${height}x${width}; both sizes must be at least 1`);
  }
  if (labels.dims.length !== 1) {
    throw new FileFormatError(
      files.labels,
      `expected 1 dimension [count] for labels, got ${labels.dims.length} (${labels.dims.join('x')})`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new FileFormatError(files.labels, `holds ${labels.dims[0]} labels but ${files.images} holds ${count} images`);
  }
  for (let index = 0; index < count; index++) {
    const label = labels.data[index]!;
    if (label >= classNames.length) {
      throw new FileFormatError(
        files.labels,
        `label ${label} of example ${index} is not below the number of classes (${classNames.length})`,
      );
    }
  }
  return { images: images.data, labels: labels.data, count, height, width, channels: 1, classNames };
}

/**
 * Decompresses gzip bytes with the platform's DecompressionStream (browsers, workers, Node 18+),
 * stopping as soon as the output passes `options.maxDecompressedBytes` (default 1 GiB), so a gzip
 * bomb costs no more memory than the limit. Node's parseIdx uses zlib instead, synchronously.
 * Throws FileFormatError naming `file` for a corrupt or truncated stream or output over the limit;
 * ValueError for a limit that is not a positive integer.
 *
 * @example
 * const bytes = new Uint8Array(await (await fetch('t10k-labels-idx1-ubyte.gz')).arrayBuffer());
 * const labels = parseRawIdx(await decompressGzip(bytes, 't10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz');
 */
export async function decompressGzip(
  bytes: Uint8Array,
  file: string,
  options: ParseIdxOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_IDX_BYTES;
  checkMaxBytes(maxBytes, 'decompressGzip');
  const source = new ReadableStream<BufferSource>({
    start(controller) {
      // Streams take no views of shared memory; such input is copied once.
      controller.enqueue(bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice());
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new FileFormatError(
          file,
          `gzip data decompresses to more than ${maxBytes} bytes (the maxDecompressedBytes limit); refusing to read it`,
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileFormatError(file, `corrupt gzip stream: ${reason}`);
  }
  const output = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    output.set(chunk, offset);
    offset += chunk.length;
  }
  return output;
}
