// The typed errors (src/core/errors.ts): every one is a ConvNetError and an Error, carries its class
// name as a literal (so a minifying bundler cannot rename it), and keeps the fields its message is
// made of (file, path and code, url, package name, epoch, batch and loss).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BackendError,
  ConvNetError,
  FileFormatError,
  FileSystemError,
  MissingPackageError,
  NonFiniteLossError,
  ShapeError,
  ValueError,
} from '../../src/core/errors.js';

test('each error is a ConvNetError and an Error, and is named after its class', () => {
  const errors: [Error, string][] = [
    [new ConvNetError('m'), 'ConvNetError'],
    [new ShapeError('m'), 'ShapeError'],
    [new ValueError('m'), 'ValueError'],
    [new NonFiniteLossError(1, 2, Number.NaN, 'm'), 'NonFiniteLossError'],
    [new FileFormatError('model.json', 'm'), 'FileFormatError'],
    [new FileSystemError('out.bin', 'm'), 'FileSystemError'],
    [new BackendError('http://host/convnet.wasm', 'm'), 'BackendError'],
    [new MissingPackageError('@napi-rs/canvas', 'm'), 'MissingPackageError'],
  ];
  for (const [error, name] of errors) {
    assert.ok(error instanceof ConvNetError, name);
    assert.ok(error instanceof Error, name);
    assert.equal(error.name, name);
    assert.match(String(error), new RegExp(`^${name}: `));
  }
});

test('a subclass made outside the library is named by its class', () => {
  class DatasetError extends ConvNetError {}
  const error = new DatasetError('no such dataset');
  assert.equal(error.name, 'DatasetError');
  assert.equal(error.message, 'no such dataset');
});

test('NonFiniteLossError is a ValueError and keeps the epoch, the batch and the loss', () => {
  const error = new NonFiniteLossError(3, 17, Number.POSITIVE_INFINITY, 'loss is Infinity at epoch 3, batch 17');
  assert.ok(error instanceof ValueError);
  assert.equal(error.epoch, 3);
  assert.equal(error.batch, 17);
  assert.equal(error.loss, Number.POSITIVE_INFINITY);
  assert.equal(error.message, 'loss is Infinity at epoch 3, batch 17');
});

test('FileFormatError and FileSystemError put the file first in the message and keep it', () => {
  const format = new FileFormatError('data/model.json', 'version 9 is newer than this library');
  assert.equal(format.file, 'data/model.json');
  assert.equal(format.message, 'data/model.json: version 9 is newer than this library');
  const system = new FileSystemError('/out/weights.bin', 'the disk is full', 'ENOSPC');
  assert.equal(system.path, '/out/weights.bin');
  assert.equal(system.code, 'ENOSPC');
  assert.equal(system.message, '/out/weights.bin: the disk is full');
  assert.equal(new FileSystemError('x', 'is a folder').code, undefined);
});

test('BackendError keeps the address it tried; MissingPackageError the package', () => {
  const backend = new BackendError('http://localhost/convnet-simd.wasm', 'fetch failed: 404');
  assert.equal(backend.url, 'http://localhost/convnet-simd.wasm');
  assert.equal(backend.message, 'fetch failed: 404');
  const missing = new MissingPackageError('@napi-rs/canvas', 'charts in Node need @napi-rs/canvas');
  assert.equal(missing.packageName, '@napi-rs/canvas');
  assert.equal(missing.message, 'charts in Node need @napi-rs/canvas');
});
