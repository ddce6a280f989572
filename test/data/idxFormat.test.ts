// Tests of the platform-neutral IDX part (what the browser uses): raw parsing with a hint for gzip
// input, bounded gzip decompression through DecompressionStream, and the images + labels pair check.
// The Node reader's own cases (every corrupt header) are in idx.test.ts and go through the same parser.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FileFormatError, ValueError } from '../../src/core/errors.js';
import { MNIST_CLASS_NAMES } from '../../src/data/classNames.js';
import { parseIdx } from '../../src/data/idx.js';
import { decompressGzip, encodeIdx, imageDatasetFromIdx, parseRawIdx } from '../../src/data/idxFormat.js';
import { loadMnistSample } from '../../src/data/mnist.js';
import { repoRoot } from '../helpers.js';

/** A 2x3 IDX file by hand: magic 00 00 08 02, sizes 2 and 3 big-endian, then the bytes 1..6. */
const RAW_2X3 = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);

async function assertRejectsFileFormat(action: () => Promise<unknown>, file: string, fragment: string): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, `expected FileFormatError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    return true;
  });
}

describe('parseRawIdx', () => {
  test('gives the dims and a view of the bytes', () => {
    const { dims, data } = parseRawIdx(RAW_2X3, 'tiny');
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
    assert.equal(data.buffer, RAW_2X3.buffer);
  });

  test('gzip bytes are refused with a hint to decompress them', () => {
    assert.throws(
      () => parseRawIdx(gzipSync(RAW_2X3), 'tiny.gz'),
      /tiny\.gz: not an IDX file: .*found 1f 8b \(gzip data: decompress it first\)/,
    );
  });
});

describe('decompressGzip', () => {
  test('round trip of encodeIdx through gzip', async () => {
    const decompressed = await decompressGzip(gzipSync(RAW_2X3), 'tiny.gz');
    assert.deepEqual(decompressed, RAW_2X3);
  });

  test('the bundled sample decompresses to what the Node reader gives, byte for byte', async () => {
    const file = join(repoRoot, 'data', 'mnist-sample', 't10k-labels-idx1-ubyte.gz');
    const bytes = readFileSync(file);
    const streamed = parseRawIdx(await decompressGzip(bytes, file), file);
    const zlib = parseIdx(bytes, file);
    assert.deepEqual(streamed.dims, [2000]);
    assert.deepEqual(streamed.data, zlib.data);
  });

  test('gzip bomb: output over maxDecompressedBytes is refused', async () => {
    const bomb = gzipSync(new Uint8Array(1024 * 1024));
    assert.ok(bomb.length < 4096);
    await assertRejectsFileFormat(
      () => decompressGzip(bomb, 'bomb.gz', { maxDecompressedBytes: 64 * 1024 }),
      'bomb.gz',
      'more than 65536 bytes',
    );
    assert.equal(
      (await decompressGzip(gzipSync(RAW_2X3), 'tiny.gz', { maxDecompressedBytes: RAW_2X3.length })).length,
      RAW_2X3.length,
    );
  });

  test('truncated and corrupt streams, and a bad limit', async () => {
    const compressed = gzipSync(RAW_2X3);
    await assertRejectsFileFormat(
      () => decompressGzip(compressed.subarray(0, compressed.length - 6), 'cut.gz'),
      'cut.gz',
      'corrupt gzip stream',
    );
    const corrupt = compressed.slice();
    corrupt[12] = corrupt[12]! ^ 0xff;
    corrupt[13] = corrupt[13]! ^ 0xff;
    await assertRejectsFileFormat(() => decompressGzip(corrupt, 'corrupt.gz'), 'corrupt.gz', 'corrupt gzip stream');
    await assert.rejects(() => decompressGzip(compressed, 'tiny.gz', { maxDecompressedBytes: 0 }), ValueError);
  });
});

describe('imageDatasetFromIdx', () => {
  const files = { images: 'images', labels: 'labels' };
  const images = parseRawIdx(
    encodeIdx(
      [3, 2, 2],
      Uint8Array.from({ length: 12 }, (_, index) => index * 20),
    ),
    'images',
  );
  const labels = parseRawIdx(encodeIdx([3], new Uint8Array([7, 0, 9])), 'labels');

  test('builds a [count, height, width, 1] dataset sharing the parsed bytes', () => {
    const dataset = imageDatasetFromIdx(images, labels, files, MNIST_CLASS_NAMES);
    assert.deepEqual([dataset.count, dataset.height, dataset.width, dataset.channels], [3, 2, 2, 1]);
    assert.equal(dataset.images, images.data);
    assert.deepEqual(Array.from(dataset.labels), [7, 0, 9]);
  });

  test('the bundled sample gives what loadMnistSample gives', async () => {
    const directory = join(repoRoot, 'data', 'mnist-sample');
    const read = async (name: string) =>
      parseRawIdx(await decompressGzip(readFileSync(join(directory, name)), name), name);
    const test = imageDatasetFromIdx(
      await read('t10k-images-idx3-ubyte.gz'),
      await read('t10k-labels-idx1-ubyte.gz'),
      files,
      MNIST_CLASS_NAMES,
    );
    const expected = loadMnistSample().test;
    assert.deepEqual([test.count, test.height, test.width], [2000, 28, 28]);
    assert.deepEqual(test.images, expected.images);
    assert.deepEqual(test.labels, expected.labels);
  });

  test('each mismatch names the file at fault', () => {
    assert.throws(() => imageDatasetFromIdx(labels, labels, files, MNIST_CLASS_NAMES), /images: expected 3 dimensions/);
    assert.throws(() => imageDatasetFromIdx(images, images, files, MNIST_CLASS_NAMES), /labels: expected 1 dimension/);
    const twoLabels = parseRawIdx(encodeIdx([2], new Uint8Array([1, 2])), 'labels');
    assert.throws(
      () => imageDatasetFromIdx(images, twoLabels, files, MNIST_CLASS_NAMES),
      /labels: holds 2 labels but images holds 3 images/,
    );
    assert.throws(
      () => imageDatasetFromIdx(images, labels, files, ['a', 'b']),
      /labels: label 7 of example 0 is not below the number of classes \(2\)/,
    );
    const empty = parseRawIdx(encodeIdx([3, 0, 2], new Uint8Array(0)), 'images');
    assert.throws(() => imageDatasetFromIdx(empty, labels, files, MNIST_CLASS_NAMES), FileFormatError);
  });
});
