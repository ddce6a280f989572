// Tests of the CIFAR-10 binary reader and the tar reader behind it. Synthetic records pin the
// plane-to-HWC layout, the size checks and the folder/archive lookup; the exact records of the
// shared datasets folder (first 4,000 of data_batch_1, first 1,000 of test_batch; skipped when
// absent) pin labels, pixels checked by hand with Python, channel means and the README's SHA-256.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FileFormatError, FileSystemError } from '../../src/core/errors.js';
import { CIFAR10_CLASS_NAMES } from '../../src/data/classNames.js';
import {
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
  parseCifar10,
  readCifar10Files,
} from '../../src/data/cifar10.js';
import type { ImageDataset } from '../../src/data/imageDataset.js';
import { parseTar } from '../../src/data/tar.js';
import { hasSharedDataset, sharedDatasets, withTemporaryDirectory } from '../helpers.js';

const PARTIAL = resolve(sharedDatasets, 'cifar10-partial');
const SKIP_NO_PARTIAL = hasSharedDataset('cifar10-partial')
  ? false
  : 'shared CIFAR-10 records not found (../shared/datasets/cifar10-partial)';
const HAS_TAR = spawnSync('tar', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * `labels.length` records; record r has every red byte r, green byte 100 + r, and blue byte equal
 * to its pixel index mod 256 (so the planes and the pixel order are both visible after decoding).
 */
function syntheticRecords(labels: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * 3073);
  labels.forEach((label, record) => {
    const start = record * 3073;
    bytes[start] = label;
    bytes.fill(record, start + 1, start + 1025);
    bytes.fill(100 + record, start + 1025, start + 2049);
    for (let pixel = 0; pixel < 1024; pixel++) bytes[start + 2049 + pixel] = pixel % 256;
  });
  return bytes;
}

/** Writes the six official files, batch k holding one record labelled k (test_batch: label 9, two records). */
function writeBatches(directory: string, compress = false): void {
  mkdirSync(directory, { recursive: true });
  CIFAR10_TRAIN_FILES.forEach((name, index) => {
    const bytes = syntheticRecords([index]);
    writeFileSync(join(directory, compress ? `${name}.gz` : name), compress ? gzipSync(bytes) : bytes);
  });
  writeFileSync(join(directory, CIFAR10_TEST_FILES[0]!), syntheticRecords([9, 8]));
}

function assertFileError(action: () => unknown, file: RegExp, detail: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(
      error instanceof FileFormatError || error instanceof FileSystemError,
      `FileFormatError or FileSystemError, got ${String(error)}`,
    );
    assert.match(error instanceof FileFormatError ? error.file : error.path, file);
    assert.match(error.message, detail);
    return true;
  });
}

/** The record bytes of a dataset, rebuilt from HWC: label, then the R, G and B planes. */
function toRecords(dataset: ImageDataset): Uint8Array {
  const records = new Uint8Array(dataset.count * 3073);
  for (let example = 0; example < dataset.count; example++) {
    records[example * 3073] = dataset.labels[example]!;
    for (let pixel = 0; pixel < 1024; pixel++) {
      for (let channel = 0; channel < 3; channel++) {
        records[example * 3073 + 1 + channel * 1024 + pixel] = dataset.images[(example * 1024 + pixel) * 3 + channel]!;
      }
    }
  }
  return records;
}

describe('CIFAR-10 records', () => {
  test('planes become interleaved HWC bytes; labels and class names come along', () => {
    const dataset = parseCifar10(syntheticRecords([3, 7]), 'two.bin');
    assert.deepEqual([dataset.count, dataset.height, dataset.width, dataset.channels], [2, 32, 32, 3]);
    assert.deepEqual(Array.from(dataset.labels), [3, 7]);
    assert.equal(dataset.classNames, CIFAR10_CLASS_NAMES);
    // Example 1, pixel (row 2, column 5) = pixel index 69: R = 1, G = 101, B = 69.
    const offset = (1 * 1024 + 2 * 32 + 5) * 3;
    assert.deepEqual(Array.from(dataset.images.subarray(offset, offset + 3)), [1, 101, 69]);
    assert.deepEqual(Array.from(dataset.images.subarray(0, 6)), [0, 100, 0, 0, 100, 1]);
    assert.ok(Buffer.from(toRecords(dataset)).equals(Buffer.from(syntheticRecords([3, 7]))), 'round trip to records');
  });

  test('gzip input is detected and decompressed', () => {
    assert.deepEqual(Array.from(parseCifar10(gzipSync(syntheticRecords([5])), 'one.bin.gz').labels), [5]);
  });

  test('a length that is not a whole number of records is a FileFormatError naming the file', () => {
    assertFileError(
      () => parseCifar10(new Uint8Array(3073 * 2 + 10), 'odd.bin'),
      /^odd\.bin$/,
      /6156 bytes is not a whole number of 3073-byte.*2 records and 10 bytes left over/,
    );
    assertFileError(() => parseCifar10(new Uint8Array(0), 'empty.bin'), /^empty\.bin$/, /is empty/);
    assertFileError(
      () => parseCifar10(syntheticRecords([1, 10]), 'label.bin'),
      /^label\.bin$/,
      /record 1 has label 10/,
    );
  });

  test('readCifar10Files checks sizes before reading, joins files in order and names bad files', () => {
    withTemporaryDirectory((directory) => {
      const first = join(directory, 'a.bin');
      const second = join(directory, 'b.bin.gz');
      const bad = join(directory, 'bad.bin');
      writeFileSync(first, syntheticRecords([1, 2]));
      writeFileSync(second, gzipSync(syntheticRecords([4])));
      writeFileSync(bad, new Uint8Array(3072));
      const joined = readCifar10Files([first, second]);
      assert.equal(joined.count, 3);
      assert.deepEqual(Array.from(joined.labels), [1, 2, 4]);
      // Example 2 is record 0 of the second file: red byte 0, green 100.
      assert.deepEqual(Array.from(joined.images.subarray(2 * 3072, 2 * 3072 + 2)), [0, 100]);
      assertFileError(() => readCifar10Files([first, bad]), /bad\.bin$/, /3072 bytes is not a whole number/);
      assertFileError(
        () => readCifar10Files([join(directory, 'missing.bin')]),
        /missing\.bin$/,
        /no such file or folder \(ENOENT\)/,
      );
      assertFileError(
        () => readCifar10Files([first], { maxBytes: 3073 }),
        /a\.bin$/,
        /is 6146 bytes, more than the 3073 a CIFAR-10 file may have/,
      );
      assertFileError(
        () => readCifar10Files([second], { maxBytes: 3000 }),
        /b\.bin\.gz$/,
        /decompresses to more than 3000 bytes/,
      );
    });
  });
});

describe('loadCifar10 finds the batches', () => {
  const checkSplits = (splits: { train: ImageDataset; test: ImageDataset }): void => {
    assert.deepEqual(Array.from(splits.train.labels), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(splits.test.labels), [9, 8]);
  };

  test('in a folder of raw or gzip batches, and in cifar-10-batches-bin/', () => {
    withTemporaryDirectory((directory) => {
      writeBatches(join(directory, 'raw'));
      checkSplits(loadCifar10(join(directory, 'raw')));
      writeBatches(join(directory, 'gz'), true);
      checkSplits(loadCifar10(join(directory, 'gz')));
      writeBatches(join(directory, 'parent', 'cifar-10-batches-bin'));
      checkSplits(loadCifar10(join(directory, 'parent')));
    });
  });

  test('in cifar-10-binary.tar.gz, made by the system tar, with long member names', {
    skip: HAS_TAR ? false : 'no tar command',
  }, () => {
    withTemporaryDirectory((directory) => {
      const longFolder = join('cifar-10-batches-bin', 'x'.repeat(120));
      writeBatches(join(directory, 'source', longFolder));
      const archive = join(directory, 'cifar-10-binary.tar.gz');
      const result = spawnSync('tar', ['-czf', archive, '-C', join(directory, 'source'), 'cifar-10-batches-bin'], {
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      checkSplits(loadCifar10(archive));
      checkSplits(loadCifar10(directory));
    });
  });

  test('missing folders, missing batches and broken archives are errors naming the file', () => {
    withTemporaryDirectory((directory) => {
      assertFileError(() => loadCifar10(join(directory, 'nowhere')), /nowhere$/, /does not exist/);
      assertFileError(
        () => loadCifar10(directory),
        new RegExp(basename(directory)),
        /no CIFAR-10 binary batches: looked for data_batch_1\.bin.*cifar-10-binary\.tar\.gz/,
      );
      writeBatches(directory);
      rmSync(join(directory, 'data_batch_4.bin'));
      assertFileError(() => loadCifar10(directory), /data_batch_4\.bin$/, /no such file or folder \(ENOENT\)/);
      const archive = join(directory, 'broken.tar.gz');
      writeFileSync(archive, gzipSync(new Uint8Array(1024).fill(7)));
      assertFileError(() => loadCifar10(archive), /broken\.tar\.gz$/, /bad header checksum at byte 0/);
    });
  });
});

describe('parseTar', () => {
  /** A one-entry ustar archive holding `data` as `name`, with a correct header checksum. */
  function tarOf(name: string, data: Uint8Array, declaredSize = data.length): Uint8Array {
    const header = new Uint8Array(512);
    const put = (text: string, offset: number): void => header.set(new TextEncoder().encode(text), offset);
    put(name, 0);
    put('0000644\0', 100);
    put(`${declaredSize.toString(8).padStart(11, '0')}\0`, 124);
    put('0', 156);
    put('ustar\x0000', 257);
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, value) => total + value, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
    body.set(data);
    return new Uint8Array([...header, ...body, ...new Uint8Array(1024)]);
  }

  test('reads a regular file and refuses an entry that runs past the end', () => {
    const entries = parseTar(tarOf('a/b.bin', new Uint8Array([1, 2, 3])), 'one.tar');
    assert.deepEqual(
      entries.map((entry) => [entry.name, Array.from(entry.data)]),
      [['a/b.bin', [1, 2, 3]]],
    );
    const truncated = tarOf('a/b.bin', new Uint8Array([1, 2, 3]), 5000);
    assert.throws(
      () => parseTar(truncated, 'cut.tar'),
      /cut\.tar: truncated: the tar entry at byte 0 declares 5000 bytes/,
    );
  });
});

describe('loadCifar10 on the exact records of the shared folder', () => {
  const train = (): ImageDataset => readCifar10Files([join(PARTIAL, 'data_batch_1_first4000.bin.gz')]);
  const testSplit = (): ImageDataset => readCifar10Files([join(PARTIAL, 'test_batch_first1000.bin.gz')]);

  test('labels and pixels checked by hand', { skip: SKIP_NO_PARTIAL }, () => {
    const training = train();
    const testing = testSplit();
    assert.equal(training.count, 4000);
    assert.equal(testing.count, 1000);
    // The official order (dataset README): frog, truck, truck, deer, automobile, ...
    assert.deepEqual(Array.from(training.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    assert.deepEqual(Array.from(testing.labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    // Read with Python from the records (byte 1 + c * 1024 + y * 32 + x of record i):
    // train image 0 at (0, 0) = (59, 62, 63); train image 1 at (5, 7) = (98, 118, 139);
    // test image 999 at (31, 31) = (93, 110, 131), label 8 (ship).
    const pixel = (dataset: ImageDataset, example: number, y: number, x: number): number[] => {
      const offset = (example * 1024 + y * 32 + x) * 3;
      return Array.from(dataset.images.subarray(offset, offset + 3));
    };
    assert.deepEqual(pixel(training, 0, 0, 0), [59, 62, 63]);
    assert.deepEqual(pixel(training, 1, 5, 7), [98, 118, 139]);
    assert.deepEqual(pixel(testing, 999, 31, 31), [93, 110, 131]);
    assert.equal(testing.classNames[testing.labels[999]!], 'ship');
  });

  test('channel means match the README and the bytes hash to its raw SHA-256', { skip: SKIP_NO_PARTIAL }, () => {
    const training = train();
    const sums = [0, 0, 0];
    training.images.forEach((value, index) => {
      sums[index % 3]! += value;
    });
    // README: per-channel means over the 4,000 training images 125.4, 122.8, 113.4 (to 0.05).
    const means = sums.map((sum) => sum / (4000 * 1024));
    [125.4, 122.8, 113.4].forEach((expected, channel) => {
      assert.ok(Math.abs(means[channel]! - expected) < 0.05, `channel ${channel} mean ${means[channel]}`);
    });
    const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
    assert.equal(sha256(toRecords(training)), '0993cf8b8e43bc207603aef9787006995746513f5e3fa5a52e06d1b069926330');
    assert.equal(sha256(toRecords(testSplit())), '8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5');
  });
});
