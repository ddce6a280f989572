// Datasets of the CLI: the named ones (the bundled MNIST sample, MNIST, Fashion-MNIST, CIFAR-10) and any
// image folder, and where their files come from when --data-dir is not given (Debian's package, the
// `convnet download` cache).

import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  CIFAR10_CLASS_NAMES,
  FASHION_MNIST_CLASS_NAMES,
  defaultCacheDirectory,
  findDownloadedDataset,
  findFashionMnist,
  loadCifar10,
  loadImageFolder,
  loadMnist,
  loadMnistSample,
  type ImageDataset,
  type ImageFolderOptions,
} from '../src/index.js';
import { prepareOutput } from './outputFolders.js';
import { terminalText } from './terminalText.js';
import { UsageError } from './usageError.js';

export const DATASET_NAMES = ['mnist-sample', 'mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
/** What a --dataset value names: one of DATASET_NAMES, or 'folder' for an image folder. */
export type DatasetKind = DatasetName | 'folder';

export interface DatasetSplits {
  /** The dataset's name, or the image folder's own name. */
  name: string;
  train: ImageDataset;
  test: ImageDataset;
}

/** Options of {@link loadNamedDataset}. */
export interface LoadDatasetOptions {
  /** Where `convnet download` put its files; with it given, decoded image folders are cached there too. */
  cacheDir?: string;
  /** Where to say what was read (image folders: counts, skipped files, time). */
  log?: NodeJS.WritableStream;
  /**
   * How an image folder is read (size, color model): a model's input, for transfer learning. Default: from the
   * pictures.
   */
  folder?: Pick<ImageFolderOptions, 'size' | 'colorModel'>;
}

/** Commander parser of --dataset: a dataset name, or a folder that exists. */
export function parseDatasetArgument(value: string): string {
  if ((DATASET_NAMES as readonly string[]).includes(value) || isDirectory(value)) return value;
  throw new InvalidArgumentError(`not a dataset name (${DATASET_NAMES.join(', ')}) nor an existing image folder.`);
}

/** The kind of dataset a --dataset value names (a value that is not a name is a folder). */
export function datasetKind(value: string): DatasetKind {
  return (DATASET_NAMES as readonly string[]).includes(value) ? (value as DatasetName) : 'folder';
}

/** The name runs/ folders and reports use: the dataset name, or the image folder's base name. */
export function datasetLabel(value: string): string {
  return datasetKind(value) === 'folder' ? basename(resolve(value)) : value;
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** --data-dir when given (it must exist), else the first of `fallbacks` that finds the files, else a usage error. */
function dataDirectoryOf(name: string, dataDirectory: string | undefined, found: string | null, needs: string): string {
  if (dataDirectory !== undefined) {
    if (!existsSync(dataDirectory) || !(isDirectory(dataDirectory) || name === 'cifar10'))
      throw new UsageError(`--data-dir ${dataDirectory}: no such directory`);
    return dataDirectory;
  }
  if (found !== null) return found;
  throw new UsageError(`--dataset ${name} needs --data-dir DIR: ${needs}; or run \`convnet download ${name}\` first`);
}

/** Reads an image folder, saying how many images it decoded, how long it took and which files it skipped. */
function readImageFolder(
  directory: string,
  options: LoadDatasetOptions,
  folderOptions: ImageFolderOptions,
): { train: ImageDataset; test: ImageDataset } {
  const started = performance.now();
  const cacheDirectory = options.cacheDir === undefined ? undefined : join(options.cacheDir, 'image-folders');
  // Before decoding: the cache the decoded bytes go to can take them.
  if (cacheDirectory !== undefined) prepareOutput(cacheDirectory, { flag: '--cache-dir' });
  const result = loadImageFolder(directory, {
    ...folderOptions,
    ...(cacheDirectory === undefined ? {} : { cacheDirectory }),
  });
  const seconds = (performance.now() - started) / 1000;
  const count = result.train.count + result.test.count;
  const how = result.isFromCache ? `read ${count} decoded images from the cache` : `decoded ${count} images`;
  const split = result.layout === 'validation-split' ? ' (test split: 20% of each class, seed 0)' : '';
  options.log?.write(
    `Image folder ${terminalText(directory)}: ${how} in ${seconds.toFixed(1)} s${split}, ${result.colorModel}\n`,
  );
  // File names from the folder: escaped, so a name cannot forge a line.
  for (const { error } of result.failures.slice(0, 5))
    options.log?.write(`convnet: skipped ${terminalText(error.message)}\n`);
  if (result.failures.length > 5)
    options.log?.write(`convnet: skipped ${result.failures.length - 5} more files that could not be decoded\n`);
  return result;
}

/** The CIFAR-10 JPEG copy unpacks to train/ and test/ class folders; the binary version has none. */
function isImageFolderLayout(directory: string): boolean {
  return isDirectory(join(directory, 'train')) && isDirectory(join(directory, 'test'));
}

/**
 * Loads the dataset a --dataset value names. mnist, fashion-mnist and cifar10 read --data-dir, or
 * without it the download cache (and for fashion-mnist Debian's dataset-fashion-mnist first);
 * cifar10's --data-dir may also be an extracted JPEG image folder. A folder is read as an image folder.
 */
export function loadNamedDataset(
  value: string,
  dataDirectory: string | undefined,
  options: LoadDatasetOptions = {},
): DatasetSplits {
  const kind = datasetKind(value);
  const cacheDirectory = options.cacheDir ?? defaultCacheDirectory();
  const name = datasetLabel(value);
  if (kind === 'mnist-sample' || kind === 'folder') {
    if (dataDirectory !== undefined)
      throw new UsageError(
        `--data-dir is not used with --dataset ${value} ` +
          `(${kind === 'folder' ? 'the folder is the data' : 'the sample ships with convnet-ts'})`,
      );
    if (kind === 'mnist-sample') return { name, ...loadMnistSample() };
    return { name, ...readImageFolder(value, options, options.folder ?? {}) };
  }
  if (kind === 'mnist') {
    const directory = dataDirectoryOf(
      kind,
      dataDirectory,
      findDownloadedDataset('mnist', cacheDirectory),
      'a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ' +
        't10k-labels-idx1-ubyte.gz',
    );
    return { name, ...loadMnist(directory) };
  }
  if (kind === 'fashion-mnist') {
    const directory = dataDirectoryOf(
      kind,
      dataDirectory,
      findFashionMnist(cacheDirectory),
      'a folder with the four Fashion-MNIST IDX files (`apt-get install dataset-fashion-mnist` puts them in ' +
        '/usr/share/datasets/fashion-mnist)',
    );
    return { name, ...loadMnist(directory, FASHION_MNIST_CLASS_NAMES) };
  }
  const directory = dataDirectoryOf(
    kind,
    dataDirectory,
    findDownloadedDataset('cifar10', cacheDirectory),
    'the binary batches (data_batch_1.bin ... test_batch.bin, or cifar-10-binary.tar.gz) or an extracted ' +
      'JPEG image folder (train/ and test/ class folders)',
  );
  if (isDirectory(directory) && isImageFolderLayout(directory)) {
    return {
      name,
      ...readImageFolder(directory, options, { size: [32, 32], colorModel: 'rgb', classNames: CIFAR10_CLASS_NAMES }),
    };
  }
  return { name, ...loadCifar10(directory) };
}
