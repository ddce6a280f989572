// Reader of the IDX format of MNIST and Fashion-MNIST in Node: raw or gzip-compressed bytes, and files.
// The format itself (parse, encode, dataset checks) is platform-neutral and lives in idxFormat.ts;
// this module adds zlib and node:fs.
// Input is treated as hostile: gzip output is capped so a gzip bomb raises FileFormatError, and only
// regular files are read (a FIFO or a device is refused by name instead of read forever).

import { gunzipSync } from 'node:zlib';
import { FileFormatError } from '../core/errors.js';
import { readRegularFile } from '../io/files.js';
import {
  checkMaxBytes,
  DEFAULT_MAX_IDX_BYTES,
  isGzip,
  parseRawIdx,
  type IdxContents,
  type ParseIdxOptions,
} from './idxFormat.js';

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
  return parseRawIdx(content, file);
}

/**
 * Reads and parses an IDX file (raw or gzip) with node:fs; see {@link parseIdx} for the checks.
 * Throws FileSystemError naming `path` if it does not exist, is not a regular file (a folder, FIFO or
 * device) or cannot be read; FileFormatError if it is larger than `options.maxDecompressedBytes`
 * (default 1 GiB) or is not a valid IDX file.
 *
 * @example
 * const labels = readIdxFile('mnist/train-labels-idx1-ubyte.gz');
 * labels.dims; // [60000]
 * labels.data.length; // 60000
 */
export function readIdxFile(path: string, options: ParseIdxOptions = {}): IdxContents {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_IDX_BYTES;
  checkMaxBytes(maxBytes, 'readIdxFile');
  const bytes = readRegularFile(path, { maxBytes, what: 'an IDX file' });
  return parseIdx(bytes, path, options);
}
