// Atomic file writes: write a temporary file beside the target, flush it, then rename over the
// target, so a crash mid-save leaves either the old file or the new one, never half of one.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  try {
    const descriptor = openSync(temporary, 'w');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(descriptor, bytes, written, bytes.length - written);
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
