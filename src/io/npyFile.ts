// Reading a .npy file in rows from its descriptor (Node), so a batch far larger than memory can be
// predicted in fixed memory: the header is read first (at most 12 + NPY_MAX_HEADER_BYTES bytes) and
// checked against the file's size, then any run of rows is read and decoded on demand. Only a
// regular file is opened (a FIFO would block, a device never end), as src/io/files.ts reads.

import { closeSync } from 'node:fs';
import { FileFormatError, ValueError } from '../core/errors.js';
import { NPY_MAX_HEADER_BYTES, NPY_STREAM_BYTES, NPY_STREAM_ROWS } from '../core/limits.js';
import { openRegularFile, readExactly } from './files.js';
import { decodeNpyHeader, decodeNpyValues, type NpyArray, type NpyHeader } from './npy.js';

/** An open .npy file whose first axis is read in runs of rows. */
export interface NpyRowReader {
  /** The file's path. */
  readonly path: string;
  /** The file's header: dtype, shape and where the data start. */
  readonly header: NpyHeader;
  /** The first axis's extent. */
  readonly rows: number;
  /** Values in one row: the product of the other axes. */
  readonly rowValues: number;
  /**
   * Rows to read at a time to keep memory fixed: NPY_STREAM_ROWS, or fewer so that they take at most
   * NPY_STREAM_BYTES as float32 (or float64) values; at least one.
   */
  readonly rowsPerRead: number;
  /** Rows [start, start + count) decoded as the file's dtype (count * rowValues values). */
  readRows(start: number, count: number): NpyArray['data'];
  /** Closes the file; call it once done. */
  close(): void;
}

/**
 * Opens the .npy file at `path` (rank >= 1) for reading in rows, after checking its header against
 * its size. Throws FileSystemError for a path that is missing or not a regular file, and
 * FileFormatError naming the file for a bad header (see decodeNpy). Close it when done.
 *
 * @example
 * const reader = openNpyRows('x.npy');
 * try { const first = reader.readRows(0, 64); } finally { reader.close(); }
 */
export function openNpyRows(path: string): NpyRowReader {
  const { descriptor, stats } = openRegularFile(path);
  try {
    const start = new Uint8Array(Math.min(stats.size, 12 + NPY_MAX_HEADER_BYTES));
    readExactly(descriptor, start, 0, path);
    const header = decodeNpyHeader(start, path, stats.size);
    if (header.shape.length === 0) throw new FileFormatError(path, `header field 'shape' is (): a scalar has no rows`);
    const rows = header.shape[0]!;
    const rowValues =
      rows === 0 ? header.shape.slice(1).reduce((product, extent) => product * extent, 1) : header.count / rows;
    const rowBytes = rowValues * header.bytesPerValue;
    const rowsPerRead = Math.max(
      1,
      Math.min(NPY_STREAM_ROWS, Math.floor(NPY_STREAM_BYTES / (rowValues * Math.max(4, header.bytesPerValue)))),
    );
    return {
      path,
      header,
      rows,
      rowValues,
      rowsPerRead,
      readRows(first: number, count: number): NpyArray['data'] {
        if (
          !(Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0 && first + count <= rows)
        ) {
          throw new ValueError(
            `readRows: rows [${first}, ${first + count}) are not within the ${rows} rows of ${path}`,
          );
        }
        const bytes = new Uint8Array(count * rowBytes);
        readExactly(descriptor, bytes, header.dataOffset + first * rowBytes, path);
        // Little-endian values (every host that runs this) are viewed in place, not copied.
        if (header.dtype === 'uint8') return bytes;
        if (header.isBigEndian) return decodeNpyValues(bytes, header);
        return header.dtype === 'float32'
          ? new Float32Array(bytes.buffer)
          : header.dtype === 'float64'
            ? new Float64Array(bytes.buffer)
            : new BigInt64Array(bytes.buffer);
      },
      close(): void {
        closeSync(descriptor);
      },
    };
  } catch (error) {
    closeSync(descriptor);
    throw error;
  }
}
