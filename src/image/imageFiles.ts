// Image files on disk (Node): folders expanded to their PNG and JPEG files, and files read one at a
// time through the file-system policy (regular files only, so a FIFO or a device named x.png is
// refused by name instead of blocking or reading forever; at most MAX_IMAGE_FILE_BYTES), decoded
// within the decoding budget, optionally fitted to a size as they are decoded. Many files are read
// with each bad one reported, not fatal, so one corrupt file never stops a batch.

import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConvNetError, FileFormatError } from '../core/errors.js';
import { MAX_IMAGE_FILE_BYTES } from '../core/limits.js';
import { readRegularFile, readRegularFileStart } from '../io/files.js';
import { decodeImage, detectImageFormat, readImageSize, type DecodeOptions } from './codecs.js';
import type { Image } from './image.js';

/** File name endings read as pictures (compared in lower case). */
export const IMAGE_FILE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

/**
 * Prefix lengths tried for a header: a PNG's is in the first 33 bytes; a JPEG's may follow 64 KiB segments of EXIF and
 * ICC data.
 */
const HEADER_PREFIX_BYTES = [4096, 256 * 1024, 1024 * 1024];

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

/**
 * The bytes of an image file: a regular file of at most MAX_IMAGE_FILE_BYTES. Throws
 * FileSystemError for a missing or unreadable path or one that is not a regular file (a FIFO, a
 * device, a folder), FileFormatError for a larger file.
 */
export function readImageBytes(file: string): Uint8Array {
  return readRegularFile(file, { maxBytes: MAX_IMAGE_FILE_BYTES, what: 'an image file' });
}

/**
 * The width and height an image file declares, read from the start of the file only (up to 1 MiB
 * for a JPEG whose frame header follows large metadata), or null where the file cannot be read or
 * its header is not found there. Never throws.
 */
export function readImageFileSize(file: string): { width: number; height: number } | null {
  try {
    for (const length of HEADER_PREFIX_BYTES) {
      const prefix = readRegularFileStart(file, length);
      const size = readImageSize(prefix);
      if (size !== null || prefix.length < length || detectImageFormat(prefix) !== 'jpeg') return size;
    }
  } catch {
    // Unreadable: the caller decoding it will say why.
  }
  return null;
}

/** An image read from a file. */
export interface ImageFile {
  /** The path it was read from. */
  file: string;
  /** The decoded picture (already fitted, where the options asked for it). */
  image: Image;
  /** The size the file declares, before any fit. */
  sourceWidth: number;
  /** The height the file declares, before any fit. */
  sourceHeight: number;
}

/**
 * Reads and decodes one image file (see readImageBytes and decodeImage; `options.fit` resizes as it
 * decodes). Throws the typed error of whatever fails: FileSystemError or FileFormatError naming the file.
 *
 * @example
 * const { image, sourceWidth } = readImageFile('photo.jpg', { fit: { width: 32, height: 32 } });
 */
export function readImageFile(file: string, options: DecodeOptions = {}): ImageFile {
  const bytes = readImageBytes(file);
  const image = decodeImage(bytes, file, options);
  const source = readImageSize(bytes) ?? image;
  return { file, image, sourceWidth: source.width, sourceHeight: source.height };
}

/** What readImageFiles read: the decoded pictures, and the files it could not read. */
export interface ImageFiles {
  /** The pictures read, in the order of the files given. */
  images: ImageFile[];
  /** Files that could not be read or decoded, with the typed error saying why. */
  failures: {
    /** The path of the file. */
    file: string;
    /** Why it failed: a FileSystemError or FileFormatError naming the file. */
    error: ConvNetError;
  }[];
}

/**
 * Reads and decodes image files one after another, collecting the ones that fail instead of stopping
 * at the first. With `options.fit`, each picture is fitted to that size as it is decoded, so only
 * the fitted pictures are kept.
 *
 * @example
 * const { images, failures } = readImageFiles(listImageFiles(['digits/']), { fit: { width: 28, height: 28 } });
 */
export function readImageFiles(files: readonly string[], options: DecodeOptions = {}): ImageFiles {
  const result: ImageFiles = { images: [], failures: [] };
  for (const file of files) {
    try {
      result.images.push(readImageFile(file, options));
    } catch (error) {
      if (!(error instanceof ConvNetError)) throw error;
      result.failures.push({ file, error });
    }
  }
  return result;
}
