// Image-folder datasets (Node): one sub-folder of PNG/JPEG files per class, either under train/ and
// test/ (as the CIFAR-10 JPEG tar unpacks) or in one folder split by a seeded, stratified validation
// fraction. Every file is decoded once, one at a time, fitted to one size as it is decoded (the most
// common size among the files' headers, at most MAX_FOLDER_IMAGE_PIXELS, unless one is given) and
// converted to one color model, and kept as uint8 HWC bytes; files that cannot be read or decoded
// are reported and skipped. Optionally the decoded bytes are cached in a folder the caller names
// (never in the image folder).

import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConvNetError, FileFormatError, ValueError } from '../core/errors.js';
import { MAX_FOLDER_IMAGE_PIXELS } from '../core/limits.js';
import { Random } from '../core/random.js';
import { decodeImage, readImageSize } from '../image/codecs.js';
import { channelsOf, checkColorModel, type ColorModel } from '../image/colorModels.js';
import { convertImage } from '../image/image.js';
import { listImageFiles, readImageBytes, readImageFileSize } from '../image/imageFiles.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { createFolders, readRegularFile } from '../io/files.js';
import type { ImageDataset, TrainTestSplits } from './imageDataset.js';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /**
   * `[height, width]` every image is resized to (area when shrinking, bilinear otherwise). Default:
   * the most common size among the files (the first file's among equals), shrunk, aspect kept, to at
   * most MAX_FOLDER_IMAGE_PIXELS (512 x 512).
   */
  size?: readonly [number, number] | undefined;
  /** Color model every image is converted to (alpha composited over white if dropped). Default: the first image's. */
  colorModel?: ColorModel | undefined;
  /** Share of each class held out as the test split when the folder has no train/ and test/. Default 0.2. */
  validationFraction?: number | undefined;
  /** Seed of the split by validationFraction. Default 0. */
  seed?: number | undefined;
  /** Class names in label order; every class folder must be one of them. Default: the class folder names, sorted. */
  classNames?: readonly string[] | undefined;
  /** Folder for a cache of the decoded bytes, keyed by the file list, sizes, times and options. Default: no cache. */
  cacheDirectory?: string | undefined;
  /** Called after every PROGRESS_FILES files are decoded, and after the last. */
  onProgress?: ((decoded: number, total: number) => void) | undefined;
}

/** What {@link loadImageFolder} returns: the two splits, their color model and the files it skipped. */
export interface ImageFolderSplits extends TrainTestSplits {
  /** The color model every image was converted to (the first image's, or the `colorModel` option). */
  colorModel: ColorModel;
  /** Files that could not be read or decoded; every other file is in a split. */
  failures: {
    /** The path of the file. */
    file: string;
    /** Why it failed: a FileSystemError or FileFormatError naming the file. */
    error: ConvNetError;
  }[];
  /** How the test split was made: the test/ folder, or held out from each class by validationFraction. */
  layout: 'train-test-folders' | 'validation-split';
  /** Whether the bytes came from `cacheDirectory` instead of decoding. */
  isFromCache: boolean;
}

/** Files decoded between calls of onProgress. */
const PROGRESS_FILES = 256;
/** The most bytes one Uint8Array can hold in V8 (2^32 - 1 on 64-bit since Node 14). */
const MAX_DATASET_BYTES = 2 ** 32 - 1;
const CACHE_MAGIC = 'CONVNET-IMAGE-FOLDER-1\n';

interface LabelledFile {
  file: string;
  label: number;
}

/** Sub-folders of `directory`, sorted by name; hidden ones (.git, .ipynb_checkpoints) are not classes. */
function subfolders(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The image files of every class folder of `directory`, labelled by the class's index in `classNames`. */
function labelledFiles(directory: string, classNames: readonly string[]): LabelledFile[] {
  return subfolders(directory).flatMap((name) => {
    const label = classNames.indexOf(name);
    if (label === -1) {
      throw new FileFormatError(
        join(directory, name),
        `is not one of the ${classNames.length} classes (${classNames.join(', ')})`,
      );
    }
    return listImageFiles([join(directory, name)]).map((file) => ({ file, label }));
  });
}

/** Holds out round(n * fraction) files of each class, chosen by a seeded shuffle; both parts keep file order. */
function splitByFraction(
  files: readonly LabelledFile[],
  classCount: number,
  fraction: number,
  seed: number,
): [LabelledFile[], LabelledFile[]] {
  const random = new Random(seed);
  const isHeldOut = new Array<boolean>(files.length).fill(false);
  for (let label = 0; label < classCount; label++) {
    const members = Int32Array.from(files.flatMap((entry, index) => (entry.label === label ? [index] : [])));
    random.shuffle(members);
    const heldOut = Math.round(members.length * fraction);
    for (let index = 0; index < heldOut; index++) isHeldOut[members[index]!] = true;
  }
  return [files.filter((_, index) => !isHeldOut[index]), files.filter((_, index) => isHeldOut[index])];
}

/** One byte per value, rounded: the inverse of the decoders' division by 255. */
function toBytes(values: Float32Array, target: Uint8Array, offset: number): void {
  for (let index = 0; index < values.length; index++) {
    target[offset + index] = Math.round(Math.min(Math.max(values[index]!, 0), 1) * 255);
  }
}

interface DecodedSplits {
  train: ImageDataset;
  test: ImageDataset;
  colorModel: ColorModel;
  failures: { file: string; error: ConvNetError }[];
}

/**
 * The default size of a folder's images, [height, width]: the most common size the files' headers
 * declare (the earliest file's among equals), shrunk to at most MAX_FOLDER_IMAGE_PIXELS with its
 * aspect kept; null when no header can be read. One huge or odd file cannot make every other
 * picture grow to it.
 */
function defaultSize(files: readonly LabelledFile[]): [number, number] | null {
  const counts = new Map<string, { count: number; size: [number, number] }>();
  for (const { file } of files) {
    const size = readImageFileSize(file);
    if (size === null || size.width < 1 || size.height < 1) continue;
    const key = `${size.height}x${size.width}`;
    const entry = counts.get(key) ?? { count: 0, size: [size.height, size.width] };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { count: number; size: [number, number] } | null = null;
  for (const entry of counts.values()) if (best === null || entry.count > best.count) best = entry;
  return best === null ? null : capSize(best.size);
}

/** A size shrunk, aspect kept, to at most MAX_FOLDER_IMAGE_PIXELS. */
function capSize([height, width]: [number, number]): [number, number] {
  if (height * width <= MAX_FOLDER_IMAGE_PIXELS) return [height, width];
  const scale = Math.sqrt(MAX_FOLDER_IMAGE_PIXELS / (height * width));
  return [Math.max(1, Math.floor(height * scale)), Math.max(1, Math.floor(width * scale))];
}

/**
 * Decodes the files of both splits one at a time, each fitted to the size as it is decoded, into one
 * byte buffer sized once the first image is known: memory holds the dataset and one decode.
 */
function decodeSplits(
  parts: readonly [LabelledFile[], LabelledFile[]],
  classNames: readonly string[],
  options: ImageFolderOptions,
): DecodedSplits {
  const files = [...parts[0], ...parts[1]];
  const failures: { file: string; error: ConvNetError }[] = [];
  let [height, width] = options.size ?? defaultSize(files) ?? [0, 0];
  let colorModel = options.colorModel;
  let images: Uint8Array | null = null;
  const labels = new Uint8Array(files.length);
  let decodedCount = 0;
  let trainCount = 0;
  files.forEach(({ file, label }, position) => {
    try {
      const bytes = readImageBytes(file);
      if (height === 0) {
        // No header was readable before: this file, which did read, sets the size.
        const size = readImageSize(bytes);
        if (size !== null) [height, width] = capSize([size.height, size.width]);
      }
      const fitted = decodeImage(bytes, file, height === 0 ? {} : { fit: { width, height } });
      if (images === null) {
        colorModel ??= fitted.colorModel;
        const totalBytes = files.length * height * width * channelsOf(colorModel);
        if (totalBytes > MAX_DATASET_BYTES) {
          throw new ValueError(
            `loadImageFolder: ${files.length} images of ${height}x${width}x${channelsOf(colorModel)} need ` +
              `${totalBytes} bytes,` +
              ` more than one array holds (${MAX_DATASET_BYTES}); pass a smaller size`,
          );
        }
        images = new Uint8Array(totalBytes);
      }
      const converted = fitted.colorModel === colorModel ? fitted : convertImage(fitted, colorModel!);
      toBytes(converted.data, images, decodedCount * converted.data.length);
      labels[decodedCount] = label;
      decodedCount++;
      // Examples stay in file order, so the training ones (the first parts[0].length files) come first.
      if (position < parts[0].length) trainCount++;
    } catch (error) {
      if (!(error instanceof ConvNetError) || error instanceof ValueError) throw error;
      failures.push({ file, error });
    }
    if ((position + 1) % PROGRESS_FILES === 0 || position + 1 === files.length)
      options.onProgress?.(position + 1, files.length);
  });
  if (images === null || colorModel === undefined) {
    throw new FileFormatError(
      files[0]?.file ?? '(no files)',
      `no image could be decoded (${failures.length} ` +
        `failed${failures[0] ? `; first: ${failures[0].error.message}` : ''})`,
    );
  }
  const exampleBytes = height * width * channelsOf(colorModel);
  const makeSplit = (first: number, count: number): ImageDataset => ({
    images: images!.subarray(first * exampleBytes, (first + count) * exampleBytes),
    labels: labels.subarray(first, first + count),
    count,
    height,
    width,
    channels: channelsOf(colorModel!),
    classNames,
  });
  return {
    train: makeSplit(0, trainCount),
    test: makeSplit(trainCount, decodedCount - trainCount),
    colorModel,
    failures,
  };
}

/** The cache file's key: everything that changes the decoded bytes. */
function cacheKey(
  directory: string,
  files: readonly LabelledFile[],
  testStart: number,
  classNames: readonly string[],
  options: ImageFolderOptions,
): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      magic: CACHE_MAGIC,
      size: options.size ?? null,
      colorModel: options.colorModel ?? null,
      classNames,
      testStart,
    }),
  );
  for (const { file, label } of files) {
    const stats = statSync(file);
    hash.update(`${relative(directory, file)}\0${label}\0${stats.size}\0${stats.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

interface CacheHeader {
  trainCount: number;
  testCount: number;
  height: number;
  width: number;
  colorModel: ColorModel;
  failures: { file: string; message: string }[];
}

/** Writes the decoded splits: magic, header length (4 bytes, little-endian), JSON header, then images and labels. */
function writeCache(path: string, decoded: DecodedSplits): void {
  const header: CacheHeader = {
    trainCount: decoded.train.count,
    testCount: decoded.test.count,
    height: decoded.train.height,
    width: decoded.train.width,
    colorModel: decoded.colorModel,
    failures: decoded.failures.map(({ file, error }) => ({ file, message: error.message })),
  };
  const headerBytes = new TextEncoder().encode(`${CACHE_MAGIC}${JSON.stringify(header)}`);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, headerBytes.length, true);
  const { train, test } = decoded;
  // train and test are adjacent views of one buffer (decodeSplits), so their images are one run of bytes.
  const images = new Uint8Array(train.images.buffer, train.images.byteOffset, train.images.length + test.images.length);
  const labels = new Uint8Array(train.labels.buffer, train.labels.byteOffset, train.count + test.count);
  createFolders(dirname(path));
  writeFileAtomic(path, [length, headerBytes, images, labels]);
}

/** Reads a cache file written by writeCache; null if it is missing or does not add up (it is then rebuilt). */
function readCache(path: string, classNames: readonly string[]): DecodedSplits | null {
  let bytes: Buffer;
  try {
    // Only a regular file: a FIFO or a device in the cache folder is no cache (writing one is refused).
    const contents = readRegularFile(path, { maxBytes: MAX_DATASET_BYTES * 2, what: 'an image-folder cache' });
    bytes = Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength);
  } catch {
    return null;
  }
  try {
    const headerLength = bytes.readUInt32LE(0);
    const text = bytes.subarray(4, 4 + headerLength).toString('utf8');
    if (!text.startsWith(CACHE_MAGIC)) return null;
    const header = JSON.parse(text.slice(CACHE_MAGIC.length)) as CacheHeader;
    const colorModel = checkColorModel(header.colorModel, 'image-folder cache');
    const exampleBytes = header.height * header.width * channelsOf(colorModel);
    const count = header.trainCount + header.testCount;
    const imagesStart = 4 + headerLength;
    if (bytes.length !== imagesStart + count * (exampleBytes + 1)) return null;
    const images = new Uint8Array(bytes.buffer, bytes.byteOffset + imagesStart, count * exampleBytes);
    const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + imagesStart + count * exampleBytes, count);
    if (labels.some((label) => label >= classNames.length)) return null;
    const makeSplit = (first: number, splitCount: number): ImageDataset => ({
      images: images.subarray(first * exampleBytes, (first + splitCount) * exampleBytes),
      labels: labels.subarray(first, first + splitCount),
      count: splitCount,
      height: header.height,
      width: header.width,
      channels: channelsOf(colorModel),
      classNames,
    });
    return {
      train: makeSplit(0, header.trainCount),
      test: makeSplit(header.trainCount, header.testCount),
      colorModel,
      failures: header.failures.map(({ file, message }) => ({
        file,
        error: new FileFormatError(file, message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message),
      })),
    };
  } catch {
    return null;
  }
}

function checkOptions(options: ImageFolderOptions): void {
  if (options.size !== undefined) {
    const [height, width] = options.size;
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
      throw new ValueError(
        `loadImageFolder: size must be two positive integers [height, width], got [${options.size.join(', ')}]`,
      );
    }
  }
  if (options.colorModel !== undefined) checkColorModel(options.colorModel, 'loadImageFolder');
  const fraction = options.validationFraction;
  if (fraction !== undefined && !(fraction >= 0 && fraction < 1)) {
    throw new ValueError(`loadImageFolder: validationFraction must be in [0, 1), got ${fraction}`);
  }
  if (options.classNames !== undefined && (options.classNames.length < 1 || options.classNames.length > 256)) {
    throw new ValueError(
      `loadImageFolder: classNames must have 1 to 256 entries (labels are bytes), got ${options.classNames.length}`,
    );
  }
}

/**
 * Loads an image-folder dataset. `directory` holds either `train/` and `test/`, each with one
 * sub-folder of PNG/JPEG files per class, or the class sub-folders themselves, in which case
 * `validationFraction` (0.2) of each class, picked by a shuffle seeded with `seed` (0), becomes the
 * test split. (A folder with `train/` but no `test/` is split the same way.) Labels are indices into
 * `classNames` (default: the class folder names, sorted); files directly in a split folder, non-image
 * files and hidden folders are ignored. Every image is resized to `size` (by default the most common
 * size, at most 512 x 512 pixels) as it is decoded, converted to `colorModel` (by default the first
 * decoded image's) and stored as bytes, NHWC. Files that cannot be read (a FIFO or device is refused
 * by name) or decoded (over the decoding budget, damaged) are skipped and listed in `failures`. With `cacheDirectory`,
 * the bytes are saved there and reused while the file list, file sizes, modification times and options stay the same.
 * Throws FileFormatError if `directory` is missing or has no class folders, a class folder is not in
 * `classNames`, or no image decodes; ValueError for bad options or more than 4 GiB of bytes.
 *
 * @example
 * const { train, test, failures } = loadImageFolder('cifar10', { cacheDirectory: '.cache/convnet' });
 * train.count; // 50000 (CIFAR-10 JPEG folders)
 * datasetToTensor(train, { indices: [0] }).shape; // [1, 32, 32, 3]
 */
export function loadImageFolder(directory: string, options: ImageFolderOptions = {}): ImageFolderSplits {
  checkOptions(options);
  if (!isDirectory(directory)) throw new FileFormatError(directory, 'is not a folder');
  const trainDirectory = join(directory, 'train');
  const testDirectory = join(directory, 'test');
  const hasTrainFolder = isDirectory(trainDirectory);
  const layout = hasTrainFolder && isDirectory(testDirectory) ? 'train-test-folders' : 'validation-split';
  const classRoot = hasTrainFolder ? trainDirectory : directory;
  const classNames = options.classNames ?? subfolders(classRoot);
  if (classNames.length === 0)
    throw new FileFormatError(classRoot, 'has no class sub-folders (one folder of images per class)');
  if (classNames.length > 256)
    throw new FileFormatError(classRoot, `has ${classNames.length} class folders; at most 256 are supported`);

  const trainFiles = labelledFiles(classRoot, classNames);
  const parts: [LabelledFile[], LabelledFile[]] =
    layout === 'train-test-folders'
      ? [trainFiles, labelledFiles(testDirectory, classNames)]
      : splitByFraction(trainFiles, classNames.length, options.validationFraction ?? 0.2, options.seed ?? 0);
  if (parts[0].length + parts[1].length === 0)
    throw new FileFormatError(classRoot, 'has no PNG or JPEG files in its class folders');

  const cachePath =
    options.cacheDirectory === undefined
      ? null
      : join(
          options.cacheDirectory,
          `imageFolder-${cacheKey(directory, [...parts[0], ...parts[1]], parts[0].length, classNames, options)}.bin`,
        );
  const cached = cachePath === null ? null : readCache(cachePath, classNames);
  if (cached !== null) return { ...cached, layout, isFromCache: true };
  const decoded = decodeSplits(parts, classNames, options);
  if (cachePath !== null) writeCache(cachePath, decoded);
  return { ...decoded, layout, isFromCache: false };
}
