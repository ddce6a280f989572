// Named datasets of the CLI and where their files come from.

import { existsSync, statSync } from 'node:fs';
import { loadMnist, loadMnistSample, type ImageDataset } from '../src/index.js';
import { UsageError } from './usageError.js';

export const DATASET_NAMES = ['mnist-sample', 'mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DatasetSplits {
  name: DatasetName;
  train: ImageDataset;
  test: ImageDataset;
}

/** Loads a named dataset; the full MNIST needs --data-dir (a folder with the four IDX files). */
export function loadNamedDataset(name: DatasetName, dataDirectory: string | undefined): DatasetSplits {
  if (name === 'mnist-sample') {
    if (dataDirectory !== undefined) throw new UsageError(`--data-dir is not used with --dataset mnist-sample (the sample ships with convnet-ts)`);
    return { name, ...loadMnistSample() };
  }
  if (dataDirectory === undefined) {
    throw new UsageError(`--dataset mnist needs --data-dir DIR: a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz`);
  }
  if (!existsSync(dataDirectory) || !statSync(dataDirectory).isDirectory()) {
    throw new UsageError(`--data-dir ${dataDirectory}: no such directory`);
  }
  return { name, ...loadMnist(dataDirectory) };
}
