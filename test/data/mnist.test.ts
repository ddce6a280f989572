// Tests of the MNIST loader, the bundled sample and the ImageDataset helpers. Synthetic folders cover
// file naming and validation; the official files (in the shared datasets folder, skipped when absent)
// pin counts, first labels, class counts and one pixel sum.

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FileFormatError, ValueError } from '../../src/core/errors.js';
import { encodeIdx } from '../../src/data/idxFormat.js';
import { checkImageDataset, datasetToTensor, takeExamples, type ImageDataset } from '../../src/data/imageDataset.js';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from '../../src/data/classNames.js';
import { loadMnist, loadMnistSample, type MnistSplits } from '../../src/data/mnist.js';
import { assertClose, hasSharedDataset, sharedDatasets, withTemporaryDirectory } from '../helpers.js';

const MNIST_DIRECTORY = resolve(sharedDatasets, 'mnist');
const SKIP_NO_MNIST = hasSharedDataset('mnist') ? false : 'shared MNIST files not found (../shared/datasets/mnist)';

/** The official files, read once and shared by the tests that need them (47 MB of training images). */
let officialMnist: MnistSplits | undefined;
function loadOfficialMnist(): MnistSplits {
  officialMnist ??= loadMnist(MNIST_DIRECTORY);
  return officialMnist;
}

/** Writes a tiny MNIST-format folder: `trainCount` and `testCount` images of 2x3, with the given labels. */
function writeTinyMnist(
  directory: string,
  options: { trainLabels: number[]; testLabels: number[]; naming?: 'gzip' | 'raw' | 'dotted' },
): void {
  const naming = options.naming ?? 'gzip';
  const write = (baseName: string, dims: number[], data: Uint8Array): void => {
    const raw = encodeIdx(dims, data);
    if (naming === 'gzip') writeFileSync(join(directory, `${baseName}.gz`), gzipSync(raw));
    if (naming === 'raw') writeFileSync(join(directory, baseName), raw);
    if (naming === 'dotted') writeFileSync(join(directory, baseName.replace('-idx', '.idx')), raw);
  };
  const pixels = (count: number): Uint8Array => Uint8Array.from({ length: count * 6 }, (_, index) => index % 256);
  write('train-images-idx3-ubyte', [options.trainLabels.length, 2, 3], pixels(options.trainLabels.length));
  write('train-labels-idx1-ubyte', [options.trainLabels.length], Uint8Array.from(options.trainLabels));
  write('t10k-images-idx3-ubyte', [options.testLabels.length, 2, 3], pixels(options.testLabels.length));
  write('t10k-labels-idx1-ubyte', [options.testLabels.length], Uint8Array.from(options.testLabels));
}

function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (const label of dataset.labels) counts[label]!++;
  return counts;
}

describe('loadMnist on synthetic folders', () => {
  for (const naming of ['gzip', 'raw', 'dotted'] as const) {
    test(`reads files named the ${naming} way`, () => {
      withTemporaryDirectory((directory) => {
        writeTinyMnist(directory, { trainLabels: [3, 1, 4], testLabels: [1, 5], naming });
        const { train, test: testSplit } = loadMnist(directory);
        assert.equal(train.count, 3);
        assert.equal(testSplit.count, 2);
        assert.deepEqual([train.height, train.width, train.channels], [2, 3, 1]);
        assert.deepEqual(Array.from(train.labels), [3, 1, 4]);
        assert.deepEqual(Array.from(testSplit.labels), [1, 5]);
        assert.deepEqual(Array.from(train.images.subarray(6, 12)), [6, 7, 8, 9, 10, 11]);
        assert.equal(train.classNames, MNIST_CLASS_NAMES);
      });
    });
  }

  test('a missing directory is a FileFormatError listing the expected files', () => {
    withTemporaryDirectory((directory) => {
      const missing = join(directory, 'not-here');
      assert.throws(
        () => loadMnist(missing),
        (error: unknown) =>
          error instanceof FileFormatError &&
          error.file === missing &&
          error.message.includes('does not exist') &&
          error.message.includes('train-images-idx3-ubyte'),
      );
    });
  });

  test('a missing file is a FileFormatError listing the names looked for', () => {
    withTemporaryDirectory((directory) => {
      writeTinyMnist(directory, { trainLabels: [1], testLabels: [2] });
      rmSync(join(directory, 't10k-labels-idx1-ubyte.gz'));
      assert.throws(
        () => loadMnist(directory),
        (error: unknown) =>
          error instanceof FileFormatError &&
          error.message.includes('test labels') &&
          error.message.includes('t10k-labels-idx1-ubyte.gz, t10k-labels-idx1-ubyte, t10k-labels.idx1-ubyte'),
      );
    });
  });

  test('a label at or above the class count is rejected, naming the file', () => {
    withTemporaryDirectory((directory) => {
      writeTinyMnist(directory, { trainLabels: [1, 10], testLabels: [2] });
      assert.throws(
        () => loadMnist(directory),
        (error: unknown) =>
          error instanceof FileFormatError &&
          error.file.endsWith('train-labels-idx1-ubyte.gz') &&
          error.message.includes('label 10 of example 1'),
      );
    });
  });

  test('classNames sets the label bound (Fashion-MNIST and smaller sets)', () => {
    withTemporaryDirectory((directory) => {
      writeTinyMnist(directory, { trainLabels: [0, 9], testLabels: [2] });
      assert.equal(loadMnist(directory, FASHION_MNIST_CLASS_NAMES).train.classNames[9], 'Ankle boot');
      assert.throws(() => loadMnist(directory, ['a', 'b', 'c']), FileFormatError);
      assert.throws(() => loadMnist(directory, []), ValueError);
    });
  });

  test('images and labels with different counts are rejected', () => {
    withTemporaryDirectory((directory) => {
      writeTinyMnist(directory, { trainLabels: [1, 2], testLabels: [2] });
      writeFileSync(join(directory, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([3], new Uint8Array(3))));
      assert.throws(
        () => loadMnist(directory),
        (error: unknown) => error instanceof FileFormatError && error.message.includes('holds 3 labels'),
      );
    });
  });

  test('images that are not 3-D are rejected', () => {
    withTemporaryDirectory((directory) => {
      writeTinyMnist(directory, { trainLabels: [1, 2], testLabels: [2] });
      writeFileSync(join(directory, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([2, 6], new Uint8Array(12))));
      assert.throws(
        () => loadMnist(directory),
        (error: unknown) => error instanceof FileFormatError && error.message.includes('expected 3 dimensions'),
      );
    });
  });
});

describe('loadMnist on the official files', () => {
  test('60,000 + 10,000 digits of 28x28x1', { skip: SKIP_NO_MNIST }, () => {
    const { train, test: testSplit } = loadOfficialMnist();
    for (const [split, count] of [
      [train, 60000],
      [testSplit, 10000],
    ] as const) {
      assert.equal(split.count, count);
      assert.deepEqual([split.height, split.width, split.channels], [28, 28, 1]);
      assert.equal(split.images.length, count * 784);
      assert.equal(split.labels.length, count);
    }
  });

  test('first labels, class counts and the first image', { skip: SKIP_NO_MNIST }, () => {
    const { train, test: testSplit } = loadOfficialMnist();
    assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert.deepEqual(Array.from(testSplit.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // Published MNIST class counts; they also show every label is below 10 (the counts add up).
    assert.deepEqual(classCounts(testSplit), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.deepEqual(classCounts(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // The first training digit (a 5): its 784 bytes sum to 27525, with 166 non-zero and a maximum of 255.
    // Computed once, independently of this library, with Python: sum(gzip.open(f).read()[16:16 + 784]).
    const firstImage = train.images.subarray(0, 784);
    assert.equal(
      firstImage.reduce((sum, value) => sum + value, 0),
      27525,
    );
    assert.equal(firstImage.filter((value) => value > 0).length, 166);
    assert.equal(Math.max(...firstImage), 255);
  });
});

describe('loadMnistSample', () => {
  test('10,000 + 2,000 digits of 28x28x1 with valid labels', () => {
    const { train, test: testSplit } = loadMnistSample();
    assert.equal(train.count, 10000);
    assert.equal(testSplit.count, 2000);
    assert.deepEqual([train.height, train.width, train.channels], [28, 28, 1]);
    assert.deepEqual(Array.from(train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert.deepEqual(Array.from(testSplit.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    assert.equal(
      classCounts(train).reduce((sum, value) => sum + value, 0),
      10000,
    );
  });

  test('its bytes equal the first examples of the official files', { skip: SKIP_NO_MNIST }, () => {
    const sample = loadMnistSample();
    const official = loadOfficialMnist();
    for (const split of ['train', 'test'] as const) {
      const expected = takeExamples(official[split], 0, sample[split].count);
      assert.ok(Buffer.from(sample[split].images).equals(Buffer.from(expected.images)), `${split} images differ`);
      assert.ok(Buffer.from(sample[split].labels).equals(Buffer.from(expected.labels)), `${split} labels differ`);
    }
  });
});

describe('ImageDataset helpers', () => {
  /** Three 1x2x2 examples: example k holds the bytes 10k, 10k + 1, 10k + 2, 10k + 3 (channels last). */
  const tiny: ImageDataset = {
    images: new Uint8Array([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 255]),
    labels: new Uint8Array([2, 0, 1]),
    count: 3,
    height: 1,
    width: 2,
    channels: 2,
    classNames: ['a', 'b', 'c'],
  };

  test('datasetToTensor scales by 1/255 by default (float32 tolerance)', () => {
    const tensor = datasetToTensor(tiny);
    assert.deepEqual(tensor.shape, [3, 1, 2, 2]);
    assert.equal(tensor.dtype, 'float32');
    assertClose(
      tensor.dataSync(),
      Array.from(tiny.images, (value) => value / 255),
      { atol: 1e-7, rtol: 0 },
    );
    assert.equal(tensor.dataSync()[11], 1);
  });

  test('datasetToTensor respects indices, their order, repeats and a custom scale', () => {
    const tensor = datasetToTensor(tiny, { indices: [2, 0, 2], scale: 2 });
    assert.deepEqual(tensor.shape, [3, 1, 2, 2]);
    assert.deepEqual(Array.from(tensor.dataSync()), [40, 42, 44, 510, 0, 2, 4, 6, 40, 42, 44, 510]);
    assert.deepEqual(datasetToTensor(tiny, { indices: new Int32Array([1]), scale: 1 }).toArray(), [10, 11, 12, 13]);
  });

  test('datasetToTensor rejects bad indices, scale and empty selections', () => {
    assert.throws(() => datasetToTensor(tiny, { indices: [3] }), ValueError);
    assert.throws(() => datasetToTensor(tiny, { indices: [-1] }), ValueError);
    assert.throws(() => datasetToTensor(tiny, { indices: [0.5] }), ValueError);
    assert.throws(() => datasetToTensor(tiny, { indices: [] }), ValueError);
    assert.throws(() => datasetToTensor(tiny, { scale: Number.NaN }), ValueError);
  });

  test('takeExamples gives a validated view of a range', () => {
    const middle = takeExamples(tiny, 1, 2);
    assert.equal(middle.count, 2);
    assert.deepEqual(Array.from(middle.labels), [0, 1]);
    assert.deepEqual(Array.from(middle.images), [10, 11, 12, 13, 20, 21, 22, 255]);
    assert.equal(middle.images.buffer, tiny.images.buffer);
    assert.equal(takeExamples(tiny, 3, 0).count, 0);
    assert.throws(() => takeExamples(tiny, 2, 2), ValueError);
    assert.throws(() => takeExamples(tiny, -1, 1), ValueError);
    assert.throws(() => takeExamples(tiny, 0, 1.5), ValueError);
  });

  test('checkImageDataset accepts a consistent dataset and names the inconsistent field', () => {
    checkImageDataset(tiny, 'tiny');
    assert.throws(() => checkImageDataset({ ...tiny, count: 4 }, 'tiny'), /tiny: images has 12 bytes/);
    assert.throws(() => checkImageDataset({ ...tiny, labels: new Uint8Array(2) }, 'tiny'), /labels has 2 entries/);
    assert.throws(() => checkImageDataset({ ...tiny, classNames: ['a', 'b'] }, 'tiny'), /label 2 of example 0/);
    assert.throws(() => checkImageDataset({ ...tiny, width: 0 }, 'tiny'), ValueError);
  });
});
