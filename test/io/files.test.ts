// The file-system policy (src/io/files.ts, src/io/atomicWrite.ts): only regular files are read,
// outputs replace only regular files and are never an input, and each failure is one line naming
// the path and the reason.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  checkOutputFile,
  createFolders,
  FileFormatError,
  FileSystemError,
  prepareOutputFolder,
  readRegularFile,
  writeFileAtomic,
} from '../../src/index.js';
import { fileSystemError } from '../../src/io/files.js';
import { assertThrowsWith, withTemporaryDirectory } from '../helpers.js';

function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

test('readRegularFile reads a regular file, through a symbolic link too', () => {
  withTemporaryDirectory((directory) => {
    const file = join(directory, 'a.bin');
    writeFileSync(file, Uint8Array.of(1, 2, 3));
    symlinkSync(file, join(directory, 'link.bin'));
    assert.deepEqual(Array.from(readRegularFile(file, { maxBytes: 3 })), [1, 2, 3]);
    assert.deepEqual(Array.from(readRegularFile(join(directory, 'link.bin'), { maxBytes: 10 })), [1, 2, 3]);
  });
});

test('readRegularFile refuses FIFOs, devices, folders and missing files by name, at once', () => {
  withTemporaryDirectory((directory) => {
    const fifo = join(directory, 'x.png');
    makeFifo(fifo);
    assertThrowsWith(
      () => readRegularFile(fifo, { maxBytes: 1e6 }),
      FileSystemError,
      fifo,
      'is a FIFO (named pipe), not a regular file',
    );
    const device = join(directory, 'zero.png');
    symlinkSync('/dev/zero', device);
    assertThrowsWith(
      () => readRegularFile(device, { maxBytes: 1e6 }),
      FileSystemError,
      device,
      'is a character device, not a regular file',
    );
    assertThrowsWith(
      () => readRegularFile(directory, { maxBytes: 1e6 }),
      FileSystemError,
      'is a folder, not a regular file',
    );
    assertThrowsWith(
      () => readRegularFile(join(directory, 'none'), { maxBytes: 1e6 }),
      FileSystemError,
      'no such file or folder (ENOENT)',
    );
  });
});

test('readRegularFile refuses a file over its bound before reading it', () => {
  withTemporaryDirectory((directory) => {
    const file = join(directory, 'big.json');
    writeFileSync(file, 'x'.repeat(101));
    assertThrowsWith(
      () => readRegularFile(file, { maxBytes: 100, what: 'a manifest' }),
      FileFormatError,
      'is 101 bytes, more than the 100 a manifest may have',
    );
  });
});

test('checkOutputFile: a new or regular file in a writable folder passes; anything else is one line', () => {
  withTemporaryDirectory((directory) => {
    const input = join(directory, 'x.npy');
    writeFileSync(input, 'input');
    checkOutputFile(join(directory, 'y.npy'), { inputs: [input] });
    writeFileSync(join(directory, 'old.npy'), 'old');
    checkOutputFile(join(directory, 'old.npy'), { inputs: [input] });
    assertThrowsWith(
      () => checkOutputFile(join(directory, 'missing', 'y.npy')),
      FileSystemError,
      'the folder',
      'does not exist',
    );
    assertThrowsWith(() => checkOutputFile(directory), FileSystemError, 'is a folder; only a regular file is replaced');
    const fifo = join(directory, 'pipe.onnx');
    makeFifo(fifo);
    assertThrowsWith(
      () => checkOutputFile(fifo),
      FileSystemError,
      'is a FIFO (named pipe); only a regular file is replaced',
    );
    assertThrowsWith(
      () => checkOutputFile(join(input, 'y.npy')),
      FileSystemError,
      'a part of the path is not a folder',
    );
    // The input itself, by another spelling and through a link.
    assertThrowsWith(
      () => checkOutputFile(join(directory, '.', 'x.npy'), { inputs: [input], flag: '--output' }),
      FileSystemError,
      '--output is the input',
    );
    symlinkSync(input, join(directory, 'alias.npy'));
    assertThrowsWith(
      () => checkOutputFile(join(directory, 'alias.npy'), { inputs: [input], flag: '--output' }),
      FileSystemError,
      '--output is the input',
    );
    assert.equal(readFileSync(input, 'utf8'), 'input');
  });
});

test('checkOutputFile and prepareOutputFolder refuse /proc without hanging', () => {
  assert.throws(() => checkOutputFile('/proc/convnet-out.onnx'), FileSystemError);
  assert.throws(() => prepareOutputFolder('/proc/convnet-run'), FileSystemError);
  assert.throws(() => prepareOutputFolder('/proc/self/convnet-run'), FileSystemError);
});

test('prepareOutputFolder creates the folder, refuses a file or the input', () => {
  withTemporaryDirectory((directory) => {
    const out = join(directory, 'runs', 'a');
    prepareOutputFolder(out);
    assert.ok(lstatSync(out).isDirectory());
    const file = join(directory, 'file');
    writeFileSync(file, '');
    assertThrowsWith(() => prepareOutputFolder(file), FileSystemError, 'is a regular file, not a folder');
    assertThrowsWith(() => prepareOutputFolder(join(file, 'sub')), FileSystemError, file);
    mkdirSync(join(directory, 'model'));
    assertThrowsWith(
      () => prepareOutputFolder(join(directory, 'model'), { inputs: [join(directory, 'model')], flag: '--out' }),
      FileSystemError,
      '--out is the input',
    );
  });
});

test('writeFileAtomic never replaces a FIFO or a folder, and says so in one line', () => {
  withTemporaryDirectory((directory) => {
    const fifo = join(directory, 'model.onnx');
    makeFifo(fifo);
    assertThrowsWith(
      () => writeFileAtomic(fifo, 'x'),
      FileSystemError,
      'is a FIFO (named pipe); only a regular file is replaced',
    );
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still there');
    assertThrowsWith(() => writeFileAtomic(directory, 'x'), FileSystemError, 'is a folder');
    assertThrowsWith(
      () => writeFileAtomic(join(directory, 'no', 'such', 'f'), 'x'),
      FileSystemError,
      'cannot write: no such file or folder (ENOENT)',
    );
    writeFileAtomic(join(directory, 'f'), 'new');
    assert.equal(readFileSync(join(directory, 'f'), 'utf8'), 'new');
  });
});

test('fileSystemError names the path and the reason in words', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const error = fileSystemError(full, 'out/y.npy', 'write');
  assert.ok(error instanceof FileSystemError);
  assert.equal(error.message, 'out/y.npy: cannot write: no space left on the device (ENOSPC)');
  assert.equal((error as FileSystemError).code, 'ENOSPC');
  const bug = new TypeError('x is undefined');
  assert.equal(fileSystemError(bug, 'p'), bug, 'an error that is not a system error stays as it is');
});

test("createFolders under /proc fails at once (Node's recursive mkdir loops forever there)", () => {
  assertThrowsWith(
    () => createFolders('/proc/convnet-a/b'),
    FileSystemError,
    '/proc/convnet-a/b',
    'cannot create the folder',
  );
});
