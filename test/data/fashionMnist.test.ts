// Fashion-MNIST from Debian's package dataset-fashion-mnist (skipped, with the reason, where it is
// not installed): found without a folder, counts, first labels and the MD5 of the decompressed
// content from the shared datasets README.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileFormatError } from '../../src/core/errors.js';
import { FASHION_MNIST_CLASS_NAMES } from '../../src/data/classNames.js';
import { encodeIdx } from '../../src/data/idxFormat.js';
import { DEBIAN_FASHION_MNIST_DIRECTORY, findFashionMnist, loadFashionMnist } from '../../src/data/mnist.js';

const HAS_DEBIAN_PACKAGE = existsSync(join(DEBIAN_FASHION_MNIST_DIRECTORY, 'train-images-idx3-ubyte.gz'));
const SKIP_NO_PACKAGE = HAS_DEBIAN_PACKAGE
  ? false
  : `Debian package dataset-fashion-mnist not installed (${DEBIAN_FASHION_MNIST_DIRECTORY})`;

test("loadFashionMnist finds Debian's files and reads 60,000 + 10,000 labelled images", {
  skip: SKIP_NO_PACKAGE,
}, () => {
  assert.equal(findFashionMnist(), DEBIAN_FASHION_MNIST_DIRECTORY);
  const { train, test: testSplit } = loadFashionMnist();
  assert.equal(train.count, 60000);
  assert.equal(testSplit.count, 10000);
  assert.deepEqual([train.height, train.width, train.channels], [28, 28, 1]);
  assert.equal(train.classNames, FASHION_MNIST_CLASS_NAMES);
  // Read with Python's gzip module from the Debian files.
  assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.deepEqual(Array.from(testSplit.labels.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  assert.equal(train.classNames[train.labels[0]!], 'Ankle boot');
  // Every class has 6,000 training and 1,000 test images (Zalando's README).
  for (const [split, perClass] of [
    [train, 6000],
    [testSplit, 1000],
  ] as const) {
    const counts = new Array<number>(10).fill(0);
    for (const label of split.labels) counts[label]!++;
    assert.deepEqual(counts, new Array<number>(10).fill(perClass));
  }
  // MD5 of the decompressed files, from the shared datasets README (section 2).
  const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
  assert.equal(md5(encodeIdx([60000, 28, 28], train.images)), 'f4a8712d7a061bf5bd6d2ca38dc4d50a');
  assert.equal(md5(encodeIdx([10000], testSplit.labels)), '15d484375f8d13e6eb1aabb0c3f46965');
});

test('loadFashionMnist without files says how to get them', {
  skip: HAS_DEBIAN_PACKAGE ? 'the Debian package is installed' : false,
}, () => {
  const emptyCache = mkdtempSync(join(tmpdir(), 'convnet-fashion-'));
  const saved = process.env.CONVNET_CACHE_DIR;
  process.env.CONVNET_CACHE_DIR = emptyCache;
  try {
    assert.equal(findFashionMnist(), null);
    assert.throws(
      () => loadFashionMnist(),
      (error: unknown) =>
        error instanceof FileFormatError &&
        /apt-get install dataset-fashion-mnist.*convnet download fashion-mnist/.test(error.message),
    );
  } finally {
    if (saved === undefined) delete process.env.CONVNET_CACHE_DIR;
    else process.env.CONVNET_CACHE_DIR = saved;
    rmSync(emptyCache, { recursive: true, force: true });
  }
});
