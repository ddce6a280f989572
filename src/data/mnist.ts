// Loader of MNIST-format datasets (MNIST, Fashion-MNIST): four IDX files in one folder, raw or gzip,
// under any of the usual file names, checked and returned as ImageDatasets of shape [n, H, W, 1].
// Reference: http://yann.lecun.com/exdb/mnist/ (MNIST by Yann LeCun, Corinna Cortes, Christopher J. C. Burges).
// Also loads the 10,000 + 2,000 digit sample shipped in data/mnist-sample/ (see its README).

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError, FileSystemError, ValueError } from '../core/errors.js';
import { fileKind, fileSystemError } from '../io/files.js';
import { readIdxFile } from './idx.js';
import { imageDatasetFromIdx } from './idxFormat.js';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './classNames.js';
import { findDownloadedDataset } from './download.js';
import type { ImageDataset } from './imageDataset.js';

/** The training and test parts of an MNIST-format dataset. */
export interface MnistSplits {
  /** The training images and labels (60,000 in the official files). */
  train: ImageDataset;
  /** The test images and labels (10,000 in the official files). */
  test: ImageDataset;
}

/**
 * The file names under which each of the four files is accepted, in the order they are tried:
 * the official gzip name, the name gunzip gives it, and the dotted name that some mirrors use.
 */
function candidateNames(baseName: string): string[] {
  const dottedName = baseName.replace(/-(idx\d-ubyte)$/, '.$1');
  return [`${baseName}.gz`, baseName, dottedName];
}

/** The path of the first candidate name present in `directory`; FileFormatError listing all candidates if none is. */
function findFile(directory: string, baseName: string, what: string): string {
  const candidates = candidateNames(baseName);
  for (const name of candidates) {
    const path = join(directory, name);
    if (existsSync(path)) return path;
  }
  throw new FileFormatError(directory, `no ${what} file: looked for ${candidates.join(', ')}`);
}

/** Reads one split (images + labels) and checks that the two files agree with each other and with the class names. */
function loadSplit(
  directory: string,
  imagesBaseName: string,
  labelsBaseName: string,
  splitName: string,
  classNames: readonly string[],
): ImageDataset {
  const imagesPath = findFile(directory, imagesBaseName, `${splitName} images`);
  const labelsPath = findFile(directory, labelsBaseName, `${splitName} labels`);
  return imageDatasetFromIdx(
    readIdxFile(imagesPath),
    readIdxFile(labelsPath),
    { images: imagesPath, labels: labelsPath },
    classNames,
  );
}

/**
 * Loads an MNIST-format dataset from `directory`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or gzip, named `<name>.gz`, `<name>`
 * or with a dot before `idx` (`train-images.idx3-ubyte`); the first name found wins.
 * Returns two ImageDatasets of shape [n, height, width, 1] (60,000 and 10,000 of 28x28 for MNIST).
 * Pass {@link FASHION_MNIST_CLASS_NAMES} as `classNames` for Fashion-MNIST; default MNIST_CLASS_NAMES.
 * Throws FileFormatError if the directory or a file is missing (the message lists the names looked
 * for); FileSystemError if `directory` is not a folder or a file is not a regular one (a FIFO or a
 * device is refused by name, not read) or cannot be read; FileFormatError if a file is not valid IDX, if images are not
 * 3-D or labels not 1-D, if the counts differ, or if a label is not below `classNames.length`; ValueError if
 * `classNames` is empty or over 256.
 *
 * @example
 * const { train, test } = loadMnist('datasets/mnist');
 * train.count; // 60000
 * test.labels[0]; // 7
 */
export function loadMnist(directory: string, classNames: readonly string[] = MNIST_CLASS_NAMES): MnistSplits {
  if (classNames.length < 1 || classNames.length > 256) {
    throw new ValueError(
      `loadMnist: classNames must have 1 to 256 entries (labels are bytes), got ${classNames.length}`,
    );
  }
  if (existsSync(directory)) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(directory);
    } catch (error) {
      throw fileSystemError(error, directory, 'read');
    }
    if (!stats.isDirectory())
      throw new FileSystemError(directory, `is a ${fileKind(stats)}, not a folder of MNIST files`, 'ENOTDIR');
  } else {
    const expected = [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ];
    throw new FileFormatError(
      directory,
      `directory does not exist; it should hold ${expected.join(', ')} (each raw or with .gz)`,
    );
  }
  return {
    train: loadSplit(directory, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 'training', classNames),
    test: loadSplit(directory, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'test', classNames),
  };
}

/**
 * Loads the MNIST sample bundled with the package in `data/mnist-sample/`: the first 10,000 training
 * and the first 2,000 test digits of the official files, unchanged (28x28x1, labels 0-9).
 * Throws FileFormatError if the sample is missing or damaged.
 *
 * @example
 * const { train, test } = loadMnistSample();
 * train.count; // 10000
 * test.count; // 2000
 */
export function loadMnistSample(): MnistSplits {
  // NOTE: resolved from this module's own URL, not the working directory. The compiled module is
  // dist/src/data/mnist.js, three levels below the package root that holds data/mnist-sample/.
  // Running this file from src/ directly (ts-node, tsx) would point one level too high.
  const sampleDirectory = fileURLToPath(new URL('../../../data/mnist-sample/', import.meta.url));
  return loadMnist(sampleDirectory, MNIST_CLASS_NAMES);
}

/** Where Debian's package `dataset-fashion-mnist` installs the four official IDX files. */
export const DEBIAN_FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/**
 * The first folder holding Fashion-MNIST's training images: Debian's {@link DEBIAN_FASHION_MNIST_DIRECTORY}
 * (`apt-get install dataset-fashion-mnist`), then the download cache (`convnet download fashion-mnist`,
 * in `cacheDirectory`, default defaultCacheDirectory()); null if neither has it.
 */
export function findFashionMnist(cacheDirectory?: string): string | null {
  if (existsSync(join(DEBIAN_FASHION_MNIST_DIRECTORY, 'train-images-idx3-ubyte.gz')))
    return DEBIAN_FASHION_MNIST_DIRECTORY;
  return findDownloadedDataset('fashion-mnist', cacheDirectory);
}

/**
 * Loads Fashion-MNIST (60,000 + 10,000 clothing images of 28x28x1, {@link FASHION_MNIST_CLASS_NAMES})
 * from `directory`, or when none is given from the folder {@link findFashionMnist} finds.
 * Throws FileFormatError if no directory is given and none is found (the message says how to get
 * the files), and otherwise as {@link loadMnist}.
 *
 * @example
 * const { train, test } = loadFashionMnist(); // Debian's copy or the download cache
 * train.classNames[train.labels[0]]; // 'Ankle boot'
 */
export function loadFashionMnist(directory?: string): MnistSplits {
  const found = directory ?? findFashionMnist();
  if (found === null) {
    throw new FileFormatError(
      DEBIAN_FASHION_MNIST_DIRECTORY,
      'no Fashion-MNIST files here or in the download cache; install them with `apt-get install ' +
        'dataset-fashion-mnist`' +
        ' or `convnet download fashion-mnist`, or give the folder that holds them',
    );
  }
  return loadMnist(found, FASHION_MNIST_CLASS_NAMES);
}
