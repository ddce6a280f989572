// Tests of the IDX reader and writer: hand-made files (raw and gzip) and every kind of corrupt or
// hostile input, each of which must raise FileFormatError naming the file, before any large allocation.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FileFormatError, FileSystemError, ValueError } from '../../src/core/errors.js';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';
import { encodeIdx } from '../../src/data/idxFormat.js';

/** A 2x3 IDX file by hand: magic 00 00 08 02, sizes 2 and 3 big-endian, then the bytes 1..6. */
const RAW_2X3 = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);

/** Asserts that `action` throws a FileFormatError for `file` whose message contains every fragment. */
function assertFileFormatError(action: () => unknown, file: string, ...fragments: string[]): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, `expected FileFormatError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), `message does not start with the file: ${error.message}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    }
    return true;
  });
}

/** An IDX header with arbitrary type code and sizes, followed by `dataLength` zero bytes. */
function idxHeader(typeCode: number, dims: number[], dataLength = 0): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + dataLength);
  const view = new DataView(bytes.buffer);
  bytes[2] = typeCode;
  bytes[3] = dims.length;
  dims.forEach((dimension, axis) => {
    view.setUint32(4 + 4 * axis, dimension, false);
  });
  return bytes;
}

describe('parseIdx: valid files', () => {
  test('raw 2x3 file gives its dims and bytes', () => {
    const { dims, data } = parseIdx(RAW_2X3, 'tiny.idx');
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
  });

  test('gzip-compressed file gives the same dims and bytes', () => {
    const { dims, data } = parseIdx(gzipSync(RAW_2X3), 'tiny.idx.gz');
    assert.deepEqual(dims, [2, 3]);
    assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
  });

  test('1-D label file and 3-D image file', () => {
    const labels = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]), 'labels');
    assert.deepEqual(labels.dims, [3]);
    assert.deepEqual(Array.from(labels.data), [7, 2, 1]);
    const pixels = Uint8Array.from({ length: 2 * 2 * 3 }, (_, index) => index * 20);
    const images = parseIdx(encodeIdx([2, 2, 3], pixels), 'images');
    assert.deepEqual(images.dims, [2, 2, 3]);
    assert.deepEqual(images.data, pixels);
  });

  test('a zero size gives empty data', () => {
    const { dims, data } = parseIdx(idxHeader(8, [0, 28, 28]), 'empty');
    assert.deepEqual(dims, [0, 28, 28]);
    assert.equal(data.length, 0);
  });

  test('encodeIdx writes the bytes of the hand-made file and round-trips', () => {
    assert.deepEqual(encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6])), RAW_2X3);
    const data = Uint8Array.from({ length: 60 }, (_, index) => (index * 7) % 256);
    const parsed = parseIdx(gzipSync(encodeIdx([3, 4, 5], data)), 'round-trip');
    assert.deepEqual(parsed.dims, [3, 4, 5]);
    assert.deepEqual(parsed.data, data);
  });

  test('encodeIdx rejects bad arguments with ValueError', () => {
    assert.throws(() => encodeIdx([2, 3], new Uint8Array(5)), ValueError);
    assert.throws(() => encodeIdx([], new Uint8Array(0)), ValueError);
    assert.throws(() => encodeIdx([-1], new Uint8Array(0)), ValueError);
    assert.throws(() => encodeIdx([2 ** 32], new Uint8Array(0)), ValueError);
    assert.throws(() => encodeIdx([1.5], new Uint8Array(1)), ValueError);
  });
});

describe('parseIdx: corrupt and hostile input throws FileFormatError naming the file', () => {
  test('empty and too-short input', () => {
    assertFileFormatError(() => parseIdx(new Uint8Array(0), 'empty.idx'), 'empty.idx', 'truncated');
    assertFileFormatError(() => parseIdx(new Uint8Array([0, 0, 8]), 'short.idx'), 'short.idx', 'truncated');
  });

  test('bad magic', () => {
    const bytes = RAW_2X3.slice();
    bytes[0] = 0x50;
    bytes[1] = 0x4b;
    assertFileFormatError(() => parseIdx(bytes, 'archive.zip'), 'archive.zip', 'not an IDX file', '50 4b');
  });

  test('unsupported type codes are named', () => {
    assertFileFormatError(() => parseIdx(idxHeader(0x0d, [1], 4), 'floats.idx'), 'floats.idx', '0x0d', 'float32');
    assertFileFormatError(() => parseIdx(idxHeader(0x0b, [1], 2), 'shorts.idx'), 'shorts.idx', '0x0b', 'int16');
    assertFileFormatError(
      () => parseIdx(idxHeader(0x42, [1], 1), 'odd.idx'),
      'odd.idx',
      '0x42',
      'not defined by the IDX format',
    );
  });

  test('zero and absurd dimension counts', () => {
    assertFileFormatError(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'zero.idx'), 'zero.idx', '0 dimensions');
    const manyDimensions = new Uint8Array(4 + 4 * 200);
    manyDimensions[2] = 8;
    manyDimensions[3] = 200;
    assertFileFormatError(() => parseIdx(manyDimensions, 'many.idx'), 'many.idx', '200 dimensions');
  });

  test('truncated header', () => {
    assertFileFormatError(
      () => parseIdx(RAW_2X3.subarray(0, 10), 'cut.idx'),
      'cut.idx',
      'truncated header',
      '2 dimensions need 12 header bytes but the file has 10',
    );
  });

  test('truncated data, raw and gzip', () => {
    assertFileFormatError(
      () => parseIdx(RAW_2X3.subarray(0, 16), 'cut.idx'),
      'cut.idx',
      'truncated: header declares 2x3 = 6 bytes but only 4 follow',
    );
    assertFileFormatError(
      () => parseIdx(gzipSync(idxHeader(8, [10000, 28, 28], 1200)), 't10k-images-idx3-ubyte.gz'),
      't10k-images-idx3-ubyte.gz',
      'truncated: header declares 10000x28x28 = 7840000 bytes but only 1200 follow',
    );
  });

  test('trailing bytes', () => {
    const bytes = new Uint8Array([...RAW_2X3, 9, 9]);
    assertFileFormatError(() => parseIdx(bytes, 'long.idx'), 'long.idx', '2 trailing bytes', '2x3');
  });

  test('huge declared sizes are rejected without allocating', () => {
    // 0xFFFFFFFF x 0xFFFFFFFF would be 16 EiB: if the reader allocated before checking, this would
    // throw a RangeError (or exhaust memory) instead of a FileFormatError.
    assertFileFormatError(
      () => parseIdx(idxHeader(8, [0xffffffff, 0xffffffff], 16), 'huge.idx'),
      'huge.idx',
      'truncated',
      '4294967295x4294967295 = 18446744065119617025 bytes but only 16 follow',
    );
    assertFileFormatError(
      () => parseIdx(gzipSync(idxHeader(8, [0xffffffff, 0xffffffff, 0xffffffff])), 'huge.idx.gz'),
      'huge.idx.gz',
      'truncated',
    );
  });

  test('gzip bomb: output over maxDecompressedBytes is refused', () => {
    // A real bomb (over the 1 GiB default) is too big to build in a test, so the bound is lowered:
    // 1 MiB of zeros compresses to about 1 KiB and must be refused at a 64 KiB limit.
    const bomb = gzipSync(new Uint8Array(1024 * 1024));
    assert.ok(bomb.length < 4096);
    assertFileFormatError(
      () => parseIdx(bomb, 'bomb.gz', { maxDecompressedBytes: 64 * 1024 }),
      'bomb.gz',
      'more than 65536 bytes',
    );
    assert.throws(() => parseIdx(RAW_2X3, 'tiny', { maxDecompressedBytes: 0 }), ValueError);
  });

  test('a file exactly at the limit is accepted', () => {
    const compressed = gzipSync(RAW_2X3);
    assert.deepEqual(parseIdx(compressed, 'tiny.gz', { maxDecompressedBytes: RAW_2X3.length }).dims, [2, 3]);
    assertFileFormatError(
      () => parseIdx(compressed, 'tiny.gz', { maxDecompressedBytes: RAW_2X3.length - 1 }),
      'tiny.gz',
      'more than 17 bytes',
    );
  });

  test('corrupt gzip streams', () => {
    const compressed = gzipSync(encodeIdx([100], new Uint8Array(100).fill(3)));
    const badChecksum = compressed.slice();
    badChecksum[badChecksum.length - 6]! ^= 0xff;
    assertFileFormatError(() => parseIdx(badChecksum, 'crc.gz'), 'crc.gz', 'corrupt gzip stream');
    assertFileFormatError(
      () => parseIdx(compressed.subarray(0, compressed.length - 10), 'cut.gz'),
      'cut.gz',
      'corrupt gzip stream',
    );
    const magicOnly = new Uint8Array([0x1f, 0x8b]);
    assertFileFormatError(() => parseIdx(magicOnly, 'magic-only.gz'), 'magic-only.gz', 'corrupt gzip');
    const badHeader = compressed.slice();
    badHeader[3] = 0xff;
    assertFileFormatError(() => parseIdx(badHeader, 'flags.gz'), 'flags.gz', 'corrupt gzip stream');
  });

  test('gzip that holds a corrupt IDX file', () => {
    assertFileFormatError(() => parseIdx(gzipSync(new Uint8Array([1, 2, 3, 4, 5])), 'x.gz'), 'x.gz', 'not an IDX file');
  });
});

describe('readIdxFile', () => {
  test('reads raw and gzip files and names a missing one', () => {
    const directory = mkdtempSync(join(tmpdir(), 'convnet-idx-'));
    try {
      writeFileSync(join(directory, 'tiny.idx'), RAW_2X3);
      writeFileSync(join(directory, 'tiny.idx.gz'), gzipSync(RAW_2X3));
      for (const name of ['tiny.idx', 'tiny.idx.gz']) {
        const { dims, data } = readIdxFile(join(directory, name));
        assert.deepEqual(dims, [2, 3]);
        assert.deepEqual(Array.from(data), [1, 2, 3, 4, 5, 6]);
      }
      const missing = join(directory, 'absent.idx');
      // File-system problems are FileSystemErrors naming the path; a file too large to read, a FileFormatError.
      assert.throws(
        () => readIdxFile(missing),
        (error) =>
          error instanceof FileSystemError &&
          error.message === `${missing}: cannot read: no such file or folder (ENOENT)`,
      );
      assert.throws(
        () => readIdxFile(directory),
        (error) =>
          error instanceof FileSystemError && error.message === `${directory}: is a folder, not a regular file`,
      );
      const tiny = join(directory, 'tiny.idx');
      assertFileFormatError(
        () => readIdxFile(tiny, { maxDecompressedBytes: 8 }),
        tiny,
        'is 18 bytes, more than the 8 an IDX file may have',
      );
      writeFileSync(join(directory, 'bad.idx'), new Uint8Array([0, 0, 9, 1, 0, 0, 0, 1, 1]));
      assertFileFormatError(() => readIdxFile(join(directory, 'bad.idx')), join(directory, 'bad.idx'), 'signed byte');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
