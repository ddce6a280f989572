// Atomic file writes: write a temporary file beside the target, flush it, then rename over the
// target, so a crash mid-save leaves either the old file or the new one, never half of one. Only a
// regular file is ever replaced: a rename would put a file in place of a device, FIFO or folder.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { FileSystemError } from '../core/errors.js';
import { fileKind, fileSystemError } from './files.js';

/**
 * Writes `data` (text, bytes, or several pieces of bytes written one after another) to `path`
 * atomically. Throws FileSystemError (one line: the path and the reason) when the folder is missing
 * or read-only, the disk is full, or `path` is something other than a regular file.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  const pieces =
    typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  // Piece by piece: large files (a decoded dataset) are never joined into one more copy.
  writeFileAtomicStreaming(path, (write) => pieces.forEach(write));
}

/**
 * Writes a file atomically from pieces that `produce` hands to `write` one at a time, so a file
 * larger than memory (the predictions of a long batch) is written as it is made. If `produce`
 * throws, the temporary file is removed, `path` is left as it was and the error goes on unchanged.
 * Throws FileSystemError as {@link writeFileAtomic}.
 *
 * @example
 * writeFileAtomicStreaming('y.npy', (write) => { write(header); for (const rows of batches) write(rows); });
 */
export function writeFileAtomicStreaming(path: string, produce: (write: (bytes: Uint8Array) => void) => void): void {
  let existing = null;
  try {
    existing = statSync(path);
  } catch {
    // nothing there yet (or unreadable: the rename below says why)
  }
  if (existing !== null && !existing.isFile())
    throw new FileSystemError(path, `is a ${fileKind(existing)}; only a regular file is replaced by an output`);
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    const descriptor = openSync(temporary, 'wx');
    try {
      produce((bytes) => {
        let written = 0;
        while (written < bytes.length) written += writeSync(descriptor, bytes, written, bytes.length - written);
      });
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    // System errors become one line naming `path`; produce's own errors pass through as they are.
    throw fileSystemError(error, path, 'write');
  }
}
