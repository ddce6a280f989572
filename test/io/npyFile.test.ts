// Reading a .npy file in rows from its descriptor (src/io/npyFile.ts, openNpyRows): any run of rows of
// every dtype and byte order reads as decodeNpy decodes the whole file, large examples are read fewer at a
// time, and the header is checked against the file's size before any data is read.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { NPY_MAX_HEADER_BYTES, NPY_STREAM_BYTES } from '../../src/core/limits.js';
import {
  decodeNpy,
  encodeNpy,
  encodeNpyHeader,
  FileFormatError,
  FileSystemError,
  openNpyRows,
  ValueError,
} from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';
import { header, withData } from './npyBytes.js';

describe('.npy files read in rows (openNpyRows)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-npy-rows-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('any run of rows of every dtype and byte order reads as decodeNpy decodes it', () => {
    const arrays: [string, Uint8Array][] = [
      ['f4.npy', encodeNpy({ shape: [5, 2, 3], data: Float32Array.from({ length: 30 }, (_, index) => index / 7 - 2) })],
      ['u1.npy', encodeNpy({ shape: [4, 3], data: Uint8Array.from({ length: 12 }, (_, index) => index * 21) })],
      ['f8.npy', encodeNpy({ shape: [3, 1], data: Float64Array.of(1e300, -5e-324, Math.PI) })],
      ['i8.npy', encodeNpy({ shape: [2], data: BigInt64Array.of(-(2n ** 63n), 7n) })],
      [
        'f4be.npy',
        withData(
          header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1), }"),
          Uint8Array.of(0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0),
        ),
      ],
    ];
    for (const [name, bytes] of arrays) {
      const path = join(directory, name);
      writeFileSync(path, bytes);
      const whole = decodeNpy(bytes, name);
      const reader = openNpyRows(path);
      try {
        assert.deepEqual(
          [reader.rows, reader.rowValues, reader.rowsPerRead, reader.header.dtype],
          [whole.shape[0], whole.data.length / whole.shape[0]!, 64, whole.dtype],
          name,
        );
        for (const [start, count] of [
          [0, reader.rows],
          [1, reader.rows - 1],
          [reader.rows - 1, 1],
          [0, 0],
        ] as const) {
          const expected = Array.from(whole.data as ArrayLike<number | bigint>).slice(
            start * reader.rowValues,
            (start + count) * reader.rowValues,
          );
          assert.deepEqual(
            Array.from(reader.readRows(start, count) as ArrayLike<number | bigint>),
            expected,
            `${name} rows ${start} + ${count}`,
          );
        }
        assertThrowsWith(
          () => reader.readRows(reader.rows, 1),
          ValueError,
          `rows [${reader.rows}, ${reader.rows + 1}) are not within the ${reader.rows} rows`,
        );
      } finally {
        reader.close();
      }
    }
  });

  test('rows of very large examples are read fewer at a time, to stay within NPY_STREAM_BYTES', () => {
    // Two float32 rows of 4096x4096 (64 MiB each), in a sparse file: nothing is written or read but the header.
    const path = join(directory, 'wide.npy');
    const head = encodeNpyHeader('float32', [2, 4096, 4096]);
    writeFileSync(path, head);
    truncateSync(path, head.length + 2 * 4096 * 4096 * 4);
    const reader = openNpyRows(path);
    try {
      assert.equal(NPY_STREAM_BYTES, 64 * 1024 * 1024);
      assert.deepEqual([reader.rows, reader.rowValues, reader.rowsPerRead], [2, 4096 * 4096, 1]);
    } finally {
      reader.close();
    }
  });

  test('the header is checked against the file size before any data is read; FIFOs and scalars are refused', () => {
    const lying = join(directory, 'lying.npy');
    writeFileSync(
      lying,
      withData(
        header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }"),
        new Uint8Array(16),
      ),
    );
    assertThrowsWith(
      () => openNpyRows(lying),
      FileFormatError,
      `${lying}: header field 'shape' (1000000000, 1000000000) needs`,
      'but the file has 16',
    );
    const longHeader = join(directory, 'long-header.npy');
    const bytes = header('{}', 2);
    new DataView(bytes.buffer).setUint32(8, NPY_MAX_HEADER_BYTES + 1, true);
    writeFileSync(longHeader, withData(bytes, new Uint8Array(NPY_MAX_HEADER_BYTES + 8)));
    assertThrowsWith(
      () => openNpyRows(longHeader),
      FileFormatError,
      `header length ${NPY_MAX_HEADER_BYTES + 1} exceeds the file`,
      `the ${NPY_MAX_HEADER_BYTES}-byte limit`,
    );
    const scalar = join(directory, 'scalar.npy');
    writeFileSync(scalar, encodeNpy({ shape: [], data: Float32Array.of(1) }));
    assertThrowsWith(() => openNpyRows(scalar), FileFormatError, "header field 'shape' is (): a scalar has no rows");
    assertThrowsWith(
      () => openNpyRows(join(directory, 'missing.npy')),
      FileSystemError,
      'no such file or folder (ENOENT)',
    );
    assertThrowsWith(() => openNpyRows(directory), FileSystemError, 'is a folder, not a regular file');
    const fifo = join(directory, 'pipe.npy');
    if (spawnSync('mkfifo', [fifo]).status === 0)
      assertThrowsWith(() => openNpyRows(fifo), FileSystemError, `${fifo}: is a FIFO (named pipe), not a regular file`);
  });
});
