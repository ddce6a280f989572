// Tests of dataset downloads against a local HTTP server on 127.0.0.1 that serves the shared datasets
// folder (skipped where it is absent) and supports Range requests: a verified download, a transfer
// the server cuts short and its resumption with Range, a corrupted file, a 404, a stalled server,
// and the default cache folder.

import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DATASET_SOURCES,
  DownloadError,
  defaultCacheDirectory,
  downloadDataset,
  downloadFile,
  findDownloadedDataset,
  sha256OfFile,
} from '../../src/data/download.js';
import { loadMnist } from '../../src/data/mnist.js';
import { hasSharedDataset, sharedDatasets } from '../helpers.js';

const SKIP_NO_MNIST = hasSharedDataset('mnist') ? false : 'shared MNIST files not found (../shared/datasets/mnist)';

/** How the test server misbehaves. */
interface Behaviour {
  /** Send only this many bytes of the next full (non-Range) response, then drop the connection. */
  cutAfter?: number;
  /** Flip one byte of every file served. */
  isCorrupting?: boolean;
  /** Send headers, then nothing. */
  isStalling?: boolean;
}

interface TestServer {
  url: string;
  behaviour: Behaviour;
  /** Every request: path and Range header. */
  requests: { path: string; range: string | null }[];
}

/** Serves files under `root` as `/<relative path>`, honouring `Range: bytes=N-`. */
function startServer(root: string): Promise<TestServer & { server: Server }> {
  const state: TestServer = { url: '', behaviour: {}, requests: [] };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const range = request.headers.range ?? null;
    state.requests.push({ path, range });
    const file = join(root, normalize(path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const bytes = Buffer.from(readFileSync(file));
    if (state.behaviour.isCorrupting) bytes[bytes.length >> 1]! ^= 0xff;
    const start = range === null ? 0 : Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? Number.NaN);
    if (Number.isNaN(start)) {
      response.writeHead(400).end();
      return;
    }
    if (start >= bytes.length) {
      response.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      'accept-ranges': 'bytes',
    };
    if (range !== null) headers['content-range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    response.writeHead(range === null ? 200 : 206, headers);
    if (state.behaviour.isStalling) {
      response.flushHeaders();
      return;
    }
    const cutAfter = state.behaviour.cutAfter;
    if (range === null && cutAfter !== undefined) {
      delete state.behaviour.cutAfter;
      // Give the client time to take in the bytes before the connection drops.
      response.write(body.subarray(0, cutAfter), () => setTimeout(() => response.socket?.destroy(), 200));
      return;
    }
    response.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve(Object.assign(state, { server }));
    });
  });
}

let server: TestServer & { server: Server };
let scratch = '';
before(async () => {
  server = await startServer(sharedDatasets);
  scratch = mkdtempSync(join(tmpdir(), 'convnet-download-'));
});
after(() => {
  server.server.closeAllConnections();
  server.server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh cache folder, and the server reset to behave. */
function freshCache(name: string): string {
  server.behaviour = {};
  server.requests.length = 0;
  return join(scratch, name);
}

async function assertDownloadError(
  action: Promise<unknown>,
  reason: DownloadError['reason'],
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof DownloadError, `DownloadError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('downloadDataset from a local mirror', () => {
  test('downloads and verifies all four MNIST files; a second run keeps them', { skip: SKIP_NO_MNIST }, async () => {
    const cacheDirectory = freshCache('happy');
    const results: string[] = [];
    const directory = await downloadDataset('mnist', {
      cacheDirectory,
      mirror: `${server.url}/`,
      onFile: (file, result) => result && results.push(`${file.name} ${result.status}`),
    });
    assert.equal(directory, join(cacheDirectory, 'mnist'));
    assert.deepEqual(
      results,
      DATASET_SOURCES.mnist.files.map((file) => `${file.name} downloaded`),
    );
    assert.deepEqual(
      readdirSync(directory).sort(),
      DATASET_SOURCES.mnist.files.map((file) => file.name).sort(),
      'no .part files left',
    );
    for (const file of DATASET_SOURCES.mnist.files)
      assert.equal(await sha256OfFile(join(directory, file.name)), file.sha256);
    assert.equal(findDownloadedDataset('mnist', cacheDirectory), directory);
    assert.equal(loadMnist(directory).train.count, 60000);
    const again: string[] = [];
    server.requests.length = 0;
    await downloadDataset('mnist', {
      cacheDirectory,
      mirror: server.url,
      onFile: (_, result) => result && again.push(result.status),
    });
    assert.deepEqual(again, ['present', 'present', 'present', 'present']);
    assert.equal(server.requests.length, 0, 'nothing fetched again');
  });

  test('a transfer cut short fails, keeps the .part file, and the next run resumes it with Range', {
    skip: SKIP_NO_MNIST,
  }, async () => {
    const cacheDirectory = freshCache('resume');
    const cutAfter = 3_000_000;
    server.behaviour.cutAfter = cutAfter;
    const target = join(cacheDirectory, 'mnist', 'train-images-idx3-ubyte.gz');
    await assertDownloadError(
      downloadDataset('mnist', { cacheDirectory, mirror: server.url }),
      'truncated',
      /train-images-idx3-ubyte\.gz: transfer broke off after \d+ of 9912422 bytes.*run again to resume/,
    );
    assert.equal(existsSync(target), false, 'no final file');
    const kept = statSync(`${target}.part`).size;
    assert.ok(kept > 0 && kept <= cutAfter, `.part holds ${kept} bytes`);
    const statuses: string[] = [];
    await downloadDataset('mnist', {
      cacheDirectory,
      mirror: server.url,
      onFile: (_, result) => result && statuses.push(result.status),
    });
    assert.equal(statuses[0], 'resumed');
    assert.deepEqual(server.requests.map((request) => request.range).slice(0, 2), [null, `bytes=${kept}-`]);
    assert.equal(await sha256OfFile(target), DATASET_SOURCES.mnist.files[0]!.sha256);
    assert.equal(existsSync(`${target}.part`), false);
  });

  test('a complete .part file (416 to its Range request) is verified and renamed; a wrong longer one is replaced', {
    skip: SKIP_NO_MNIST,
  }, async () => {
    const cacheDirectory = freshCache('complete-part');
    const file = DATASET_SOURCES.mnist.files[3]!;
    const url = `${server.url}/mnist/${file.name}`;
    const original = readFileSync(join(sharedDatasets, 'mnist', file.name));
    const target = join(cacheDirectory, file.name);
    mkdirSync(cacheDirectory, { recursive: true });
    writeFileSync(`${target}.part`, original);
    const result = await downloadFile(url, target, { sha256: file.sha256, bytes: file.bytes });
    assert.equal(result.status, 'resumed');
    assert.deepEqual(
      server.requests.map((request) => request.range),
      [`bytes=${file.bytes}-`],
    );
    assert.equal(existsSync(`${target}.part`), false);
    rmSync(target);
    writeFileSync(`${target}.part`, new Uint8Array(file.bytes + 10));
    assert.equal((await downloadFile(url, target, { sha256: file.sha256, bytes: file.bytes })).status, 'downloaded');
    assert.equal(server.requests[1]!.range, null, 'a .part longer than the file starts over');
  });

  test('a wrong checksum fails and leaves neither a final nor a .part file', { skip: SKIP_NO_MNIST }, async () => {
    const cacheDirectory = freshCache('corrupt');
    server.behaviour.isCorrupting = true;
    await assertDownloadError(
      downloadDataset('mnist', { cacheDirectory, mirror: server.url }),
      'checksum',
      /SHA-256 of the downloaded train-images-idx3-ubyte\.gz is [0-9a-f]{64}, expected 440fcabf.*deleted/,
    );
    assert.deepEqual(readdirSync(join(cacheDirectory, 'mnist')), []);
  });

  test('HTTP 404 fails cleanly; the next source is tried first', async () => {
    const cacheDirectory = freshCache('missing');
    // The shared folder holds no cifar10/cifar-10-binary.tar.gz.
    await assertDownloadError(
      downloadDataset('cifar10', { cacheDirectory, mirror: server.url }),
      'http',
      /cifar10\/cifar-10-binary\.tar\.gz: HTTP 404 Not Found/,
    );
    assert.deepEqual(readdirSync(join(cacheDirectory, 'cifar10')), []);
    if (SKIP_NO_MNIST) return;
    const target = join(cacheDirectory, 'labels.gz');
    const file = DATASET_SOURCES.mnist.files[3]!;
    const result = await downloadFile([`${server.url}/nothing/here.gz`, `${server.url}/mnist/${file.name}`], target, {
      sha256: file.sha256,
      bytes: file.bytes,
    });
    assert.equal(result.status, 'downloaded');
    assert.equal(result.url, `${server.url}/mnist/${file.name}`);
  });

  test('a server that announces another size, or stalls, is refused', { skip: SKIP_NO_MNIST }, async () => {
    const cacheDirectory = freshCache('stall');
    const file = DATASET_SOURCES.mnist.files[3]!;
    const url = `${server.url}/mnist/${file.name}`;
    await assertDownloadError(
      downloadFile(url, join(cacheDirectory, 'a'), { sha256: file.sha256, bytes: file.bytes + 1 }),
      'http',
      /sends a file of 4542 bytes; a has 4543/,
    );
    server.behaviour.isStalling = true;
    await assertDownloadError(
      downloadFile(url, join(cacheDirectory, 'b'), { sha256: file.sha256, idleTimeoutMs: 300 }),
      'truncated',
      /no data for 0\.3 s/,
    );
  });

  test('a connection refused is a network error', async () => {
    await assertDownloadError(
      downloadFile('http://127.0.0.1:1/x', join(scratch, 'refused'), { sha256: '0'.repeat(64) }),
      'network',
      /cannot connect/,
    );
  });
});

test('defaultCacheDirectory follows CONVNET_CACHE_DIR, XDG_CACHE_HOME and the platform', () => {
  assert.equal(defaultCacheDirectory({ CONVNET_CACHE_DIR: '/c' }, 'linux'), '/c');
  assert.equal(defaultCacheDirectory({ XDG_CACHE_HOME: '/x' }, 'linux'), join('/x', 'convnet-ts'));
  assert.match(defaultCacheDirectory({}, 'linux'), /\.cache[\\/]convnet-ts$/);
  assert.match(defaultCacheDirectory({}, 'darwin'), /Library[\\/]Caches[\\/]convnet-ts$/);
  assert.equal(
    defaultCacheDirectory({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32'),
    join('C:\\Users\\a\\AppData\\Local', 'convnet-ts', 'Cache'),
  );
});
