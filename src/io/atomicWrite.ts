// Atomic file writes: write a temporary file beside the target, flush it, then rename over the
// target, so a crash mid-save leaves either the old file or the new one, never half of one.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Writes `data` (text, bytes, or several pieces of bytes written one after another) to `path` atomically. */
export function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const pieces = typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  try {
    const descriptor = openSync(temporary, 'w');
    try {
      // Piece by piece: large files (a decoded dataset) are never joined into one more copy.
      for (const bytes of pieces) {
        let written = 0;
        while (written < bytes.length) written += writeSync(descriptor, bytes, written, bytes.length - written);
      }
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
