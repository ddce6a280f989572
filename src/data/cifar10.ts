// Reader of the CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin
// to data_batch_5.bin and test_batch.bin, each a run of 3,073-byte records (one label byte, then the
// 32x32 red, green and blue planes, row-major), read from a folder, the extracted cifar-10-batches-bin/
// or the official cifar-10-binary.tar.gz itself, and returned as ImageDatasets of [n, 32, 32, 3] (HWC).
// Files are checked before anything is allocated: a length that is not a whole number of records is refused,
// and only regular files are read (a FIFO or a device is refused by name instead of read forever).

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { readRegularFile, readRegularFileStart, requireRegularFile } from '../io/files.js';
import { CIFAR10_CLASS_NAMES } from './classNames.js';
import { gunzipBounded } from './idx.js';
import { DEFAULT_MAX_IDX_BYTES, isGzip } from './idxFormat.js';
import type { ImageDataset, TrainTestSplits } from './imageDataset.js';
import { parseTar } from './tar.js';

export const CIFAR10_HEIGHT = 32;
export const CIFAR10_WIDTH = 32;
export const CIFAR10_CHANNELS = 3;
/** Pixel bytes of one image: three 32x32 planes. */
const IMAGE_BYTES = CIFAR10_HEIGHT * CIFAR10_WIDTH * CIFAR10_CHANNELS;
/** One record: the label byte, then the image. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;

/** The official file names, in the order their records are concatenated. */
export const CIFAR10_TRAIN_FILES: readonly string[] = Object.freeze(
  [1, 2, 3, 4, 5].map((batch) => `data_batch_${batch}.bin`),
);
/** The official test batch's file name. */
export const CIFAR10_TEST_FILES: readonly string[] = Object.freeze(['test_batch.bin']);
/** The official archive, and the folder it unpacks to. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
const BATCHES_FOLDER = 'cifar-10-batches-bin';

/** Options of {@link readCifar10Files} and {@link loadCifar10}. */
export interface Cifar10Options {
  /** Largest file (and decompressed gzip) accepted, in bytes. Default 1 GiB; tests lower it to check the guard. */
  maxBytes?: number | undefined;
}

/** Number of records in `length` bytes; FileFormatError naming `file` unless it is a positive whole number. */
function recordCount(length: number, file: string): number {
  if (length === 0) throw new FileFormatError(file, 'is empty; a CIFAR-10 batch holds 3073-byte records');
  if (length % CIFAR10_RECORD_BYTES !== 0) {
    throw new FileFormatError(
      file,
      `${length} bytes is not a whole number of 3073-byte CIFAR-10 records (label + 32x32x3);` +
        ` ${Math.floor(length / CIFAR10_RECORD_BYTES)} records and ${length % CIFAR10_RECORD_BYTES} bytes left over`,
    );
  }
  return length / CIFAR10_RECORD_BYTES;
}

/**
 * Copies the records of `bytes` into `images` (HWC) and `labels` from example `firstExample` on:
 * record byte 1 + c * 1024 + y * 32 + x (planes) goes to image byte (y * 32 + x) * 3 + c (interleaved).
 */
function decodeRecords(
  bytes: Uint8Array,
  file: string,
  images: Uint8Array,
  labels: Uint8Array,
  firstExample: number,
): void {
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const planeBytes = CIFAR10_HEIGHT * CIFAR10_WIDTH;
  for (let record = 0; record < count; record++) {
    const recordStart = record * CIFAR10_RECORD_BYTES;
    const label = bytes[recordStart]!;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw new FileFormatError(file, `record ${record} has label ${label}; CIFAR-10 labels are 0 to 9`);
    }
    const example = firstExample + record;
    labels[example] = label;
    const imageStart = example * IMAGE_BYTES;
    for (let channel = 0; channel < CIFAR10_CHANNELS; channel++) {
      const planeStart = recordStart + 1 + channel * planeBytes;
      for (let pixel = 0; pixel < planeBytes; pixel++) {
        images[imageStart + pixel * CIFAR10_CHANNELS + channel] = bytes[planeStart + pixel]!;
      }
    }
  }
}

/** An ImageDataset of [count, 32, 32, 3] with zeroed buffers, to be filled by decodeRecords. */
function emptyDataset(count: number): ImageDataset & { images: Uint8Array; labels: Uint8Array } {
  return {
    images: new Uint8Array(count * IMAGE_BYTES),
    labels: new Uint8Array(count),
    count,
    height: CIFAR10_HEIGHT,
    width: CIFAR10_WIDTH,
    channels: CIFAR10_CHANNELS,
    classNames: CIFAR10_CLASS_NAMES,
  };
}

/** Joins batches held in memory (in order) into one dataset. */
function datasetFromBatches(batches: readonly { file: string; bytes: Uint8Array }[]): ImageDataset {
  const counts = batches.map(({ file, bytes }) => recordCount(bytes.length, file));
  const dataset = emptyDataset(counts.reduce((sum, count) => sum + count, 0));
  let firstExample = 0;
  batches.forEach(({ file, bytes }, index) => {
    decodeRecords(bytes, file, dataset.images, dataset.labels, firstExample);
    firstExample += counts[index]!;
  });
  return dataset;
}

/**
 * Parses CIFAR-10 binary records held in memory (raw, or gzip-compressed: detected by its magic)
 * into an ImageDataset of [n, 32, 32, 3] bytes in HWC order, labels 0-9 and {@link CIFAR10_CLASS_NAMES}.
 * Throws FileFormatError naming `file` if the length is 0 or not a multiple of 3,073, a label is
 * above 9, or the gzip stream is corrupt or decompresses to more than `options.maxBytes` (1 GiB).
 *
 * @example
 * const batch = parseCifar10(readFileSync('test_batch.bin'), 'test_batch.bin');
 * batch.count; // 10000
 * batch.classNames[batch.labels[0]]; // 'cat'
 */
export function parseCifar10(bytes: Uint8Array, file: string, options: Cifar10Options = {}): ImageDataset {
  const content = isGzip(bytes) ? gunzipBounded(bytes, file, options.maxBytes ?? DEFAULT_MAX_IDX_BYTES) : bytes;
  return datasetFromBatches([{ file, bytes: content }]);
}

/**
 * Size of a regular file: FileSystemError naming it if it is missing or not a regular file (a FIFO or
 * device is refused by name, not read), FileFormatError if it is over `maxBytes`.
 */
function fileSize(file: string, maxBytes: number): number {
  const { size } = requireRegularFile(file);
  if (size > maxBytes)
    throw new FileFormatError(file, `is ${size} bytes, more than the ${maxBytes} a CIFAR-10 file may have (maxBytes)`);
  return size;
}

/** Whether a file starts as gzip does, to tell it from raw records without reading the rest. */
function startsWithGzip(file: string): boolean {
  return isGzip(readRegularFileStart(file, 2));
}

/**
 * Reads CIFAR-10 binary batch files (raw or gzip) and joins their records, in the order given,
 * into one ImageDataset of [n, 32, 32, 3] (HWC). Raw files are sized from the file system and
 * checked before the dataset is allocated, then read one at a time; gzip files are decompressed first.
 * Throws FileSystemError naming the file if it is missing or not a regular file (a FIFO or device is
 * refused, not read); FileFormatError if it is over `options.maxBytes` (1 GiB), empty, not a whole
 * number of 3,073-byte records, or holds a label above 9.
 *
 * @example
 * const train = readCifar10Files(CIFAR10_TRAIN_FILES.map((name) => join('cifar-10-batches-bin', name)));
 * train.count; // 50000
 */
export function readCifar10Files(files: readonly string[], options: Cifar10Options = {}): ImageDataset {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  const sources = files.map((file) => {
    const size = fileSize(file, maxBytes);
    const decompressed = startsWithGzip(file)
      ? gunzipBounded(readRegularFile(file, { maxBytes, what: 'a CIFAR-10 file' }), file, maxBytes)
      : null;
    return { file, size, decompressed, count: recordCount(decompressed?.length ?? size, file) };
  });
  const dataset = emptyDataset(sources.reduce((sum, source) => sum + source.count, 0));
  let firstExample = 0;
  for (const { file, size, decompressed, count } of sources) {
    const bytes = decompressed ?? readRegularFile(file, { maxBytes, what: 'a CIFAR-10 file' });
    if (bytes.length !== (decompressed?.length ?? size)) {
      throw new FileFormatError(file, `changed while being read (${size} bytes, then ${bytes.length})`);
    }
    decodeRecords(bytes, file, dataset.images, dataset.labels, firstExample);
    firstExample += count;
  }
  return dataset;
}

/** `name` or `name.gz` in `directory`, whichever exists first; null if neither. */
function findBatch(directory: string, name: string): string | null {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(directory, candidate);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Loads both splits from the official archive, picking the batches by file name wherever they sit in it. */
function loadArchive(path: string, maxBytes: number): TrainTestSplits {
  // Only a regular file is read (a FIFO would block, a device never end), and no larger than the limit.
  const archive = readRegularFile(path, { maxBytes, what: 'a CIFAR-10 archive' });
  const entries = parseTar(isGzip(archive) ? gunzipBounded(archive, path, maxBytes) : archive, path);
  const take = (names: readonly string[]): { file: string; bytes: Uint8Array }[] =>
    names.map((name) => {
      const entry = entries.find((candidate) => basename(candidate.name) === name);
      if (entry === undefined) throw new FileFormatError(path, `the archive holds no ${name}`);
      return { file: `${path}:${entry.name}`, bytes: entry.data };
    });
  return { train: datasetFromBatches(take(CIFAR10_TRAIN_FILES)), test: datasetFromBatches(take(CIFAR10_TEST_FILES)) };
}

/**
 * Loads CIFAR-10 (50,000 training and 10,000 test images of 32x32x3, HWC bytes) from `path`: a folder
 * holding data_batch_1.bin ... data_batch_5.bin and test_batch.bin (each raw or `.gz`), a folder
 * holding the extracted `cifar-10-batches-bin/`, a folder holding `cifar-10-binary.tar.gz`, or that
 * archive itself (read in memory, not extracted). Records keep the official order.
 * Throws FileFormatError naming the folder (and what was looked for) when none of these is there,
 * or naming the file for any problem {@link readCifar10Files} finds.
 *
 * @example
 * const { train, test } = loadCifar10('downloads/cifar-10-binary.tar.gz');
 * train.count; // 50000
 * test.classNames[test.labels[0]]; // 'cat'
 */
export function loadCifar10(path: string, options: Cifar10Options = {}): TrainTestSplits {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  if (!existsSync(path)) throw new FileFormatError(path, 'does not exist');
  if (statSync(path).isFile()) return loadArchive(path, maxBytes);
  for (const directory of [path, join(path, BATCHES_FOLDER)]) {
    if (findBatch(directory, CIFAR10_TRAIN_FILES[0]!) === null) continue;
    const locate = (names: readonly string[]): string[] =>
      names.map((name) => findBatch(directory, name) ?? join(directory, name));
    return {
      train: readCifar10Files(locate(CIFAR10_TRAIN_FILES), options),
      test: readCifar10Files(locate(CIFAR10_TEST_FILES), options),
    };
  }
  const archive = join(path, CIFAR10_ARCHIVE);
  if (existsSync(archive)) return loadArchive(archive, maxBytes);
  throw new FileFormatError(
    path,
    `no CIFAR-10 binary batches: looked for ${CIFAR10_TRAIN_FILES[0]} (to ${CIFAR10_TRAIN_FILES[4]}) and` +
      ` ${CIFAR10_TEST_FILES[0]}, for ${BATCHES_FOLDER}/ and for ${CIFAR10_ARCHIVE}`,
  );
}
