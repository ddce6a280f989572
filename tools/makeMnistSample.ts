// Writes the bundled MNIST sample (data/mnist-sample/): the first 10,000 training and first 2,000 test
// digits of the official files, unchanged, as gzip (level 9) IDX files under the official names.
// Usage: node dist/tools/makeMnistSample.js <mnist-dir> <out-dir>   (e.g. ../shared/datasets/mnist data/mnist-sample)
// Limit: the .gz bytes depend on Node's bundled zlib, so the SHA-256 of the raw IDX content is printed too.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../src/data/idxFormat.js';
import { takeExamples, type ImageDataset } from '../src/data/imageDataset.js';
import { loadMnist } from '../src/data/mnist.js';

const TRAIN_SAMPLE_COUNT = 10_000;
const TEST_SAMPLE_COUNT = 2_000;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Gzips one IDX file into `outDirectory` and prints a Markdown table row: name, sizes and both SHA-256s. */
function writeIdxGzip(outDirectory: string, name: string, dims: number[], data: Uint8Array): void {
  const raw = encodeIdx(dims, data);
  const compressed = gzipSync(raw, { level: 9 });
  writeFileSync(join(outDirectory, name), compressed);
  const cells = [`\`${name}\``, compressed.length, raw.length, `\`${sha256(compressed)}\``, `\`${sha256(raw)}\``];
  console.log(`| ${cells.join(' | ')} |`);
}

function writeSplit(outDirectory: string, prefix: string, dataset: ImageDataset): void {
  const imageDims = [dataset.count, dataset.height, dataset.width];
  writeIdxGzip(outDirectory, `${prefix}-images-idx3-ubyte.gz`, imageDims, dataset.images);
  writeIdxGzip(outDirectory, `${prefix}-labels-idx1-ubyte.gz`, [dataset.count], dataset.labels);
}

function main(argumentList: string[]): void {
  if (argumentList.length !== 2) {
    console.error('usage: node dist/tools/makeMnistSample.js <mnist-dir> <out-dir>');
    process.exitCode = 2;
    return;
  }
  const [mnistDirectory, outDirectory] = argumentList as [string, string];
  const { train, test } = loadMnist(mnistDirectory);
  mkdirSync(outDirectory, { recursive: true });
  console.log('| file | size (gz) | size (raw) | SHA-256 (gz) | SHA-256 (raw) |');
  console.log('| --- | ---: | ---: | --- | --- |');
  writeSplit(outDirectory, 'train', takeExamples(train, 0, TRAIN_SAMPLE_COUNT));
  writeSplit(outDirectory, 't10k', takeExamples(test, 0, TEST_SAMPLE_COUNT));
}

main(process.argv.slice(2));
