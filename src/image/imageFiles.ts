// Image files on disk (Node): folders expanded to their PNG and JPEG files, and many files decoded
// at once with each bad one reported, not fatal, so one corrupt file never stops a batch.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConvNetError, FileFormatError } from '../core/errors.js';
import { decodeImage } from './codecs.js';
import type { Image } from './image.js';

/** Files larger than this are refused before reading: no PNG or JPEG within MAX_IMAGE_PIXELS needs more. */
export const MAX_IMAGE_FILE_BYTES = 1024 * 1024 * 1024;

export const IMAGE_FILE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

/**
 * The image files named by `paths`: a file as itself, a folder as its PNG and JPEG files sorted by
 * name (not recursing). Throws FileFormatError for a path that does not exist.
 */
export function listImageFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new FileFormatError(path, 'does not exist');
    }
    if (!isDirectory) return [path];
    return readdirSync(path)
      .filter((name) => IMAGE_FILE_EXTENSIONS.includes(extname(name).toLowerCase()))
      .sort()
      .map((name) => join(path, name));
  });
}

export interface ImageFiles {
  images: { file: string; image: Image }[];
  /** Files that could not be read or decoded, with the typed error saying why. */
  failures: { file: string; error: ConvNetError }[];
}

/**
 * Decodes image files, collecting the ones that fail instead of stopping at the first.
 *
 * @example
 * const { images, failures } = readImageFiles(listImageFiles(['digits/']));
 * const batch = imagesToInput(model, images.map(({ image }) => fitImage(image, 28, 28)));
 */
export function readImageFiles(files: readonly string[]): ImageFiles {
  const result: ImageFiles = { images: [], failures: [] };
  for (const file of files) {
    try {
      let bytes: Uint8Array;
      try {
        const size = statSync(file).size;
        if (size > MAX_IMAGE_FILE_BYTES) throw new FileFormatError(file, `is ${size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} an image file may have`);
        bytes = readFileSync(file);
      } catch (error) {
        if (error instanceof FileFormatError) throw error;
        throw new FileFormatError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      result.images.push({ file, image: decodeImage(bytes, file) });
    } catch (error) {
      if (!(error instanceof ConvNetError)) throw error;
      result.failures.push({ file, error });
    }
  }
  return result;
}
