// `convnet train --dataset cifar10 | DIR` on tiny synthetic data (one epoch), where datasets are found
// without --data-dir, and `convnet download` against a local HTTP server serving the shared datasets
// folder (skipped where it is absent).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CIFAR10_CLASS_NAMES, encodePng, imageFromPixels, loadModel } from '../../src/index.js';
import { loadNamedDataset } from '../../cli/datasets.js';
import { hasSharedDataset, lastJson, repoRoot, sharedDatasets } from '../helpers.js';

let scratch = '';
/** An empty download cache, so a developer's own downloads never change what these tests see. */
let emptyCache = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'convnet-cli-data-'));
  emptyCache = join(scratch, 'empty-cache');
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI without blocking this process (the test server must keep answering). */
function convnet(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'convnet.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, CONVNET_CACHE_DIR: emptyCache, ...environment },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** CIFAR-10 binary batches with `perFile` records each; record r of a file has label r mod 10 and every byte r. */
function writeCifarBatches(directory: string, perFile: number): void {
  mkdirSync(directory, { recursive: true });
  const batch = new Uint8Array(perFile * 3073);
  for (let record = 0; record < perFile; record++) {
    batch.fill(record, record * 3073, (record + 1) * 3073);
    batch[record * 3073] = record % 10;
  }
  for (const name of [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ]) {
    writeFileSync(join(directory, name), batch);
  }
}

describe('convnet train on other datasets', () => {
  test('--dataset cifar10 --data-dir: binary batches, CIFAR-10 class names saved with the model', async () => {
    const data = join(scratch, 'cifar-bin');
    writeCifarBatches(data, 20);
    const out = join(scratch, 'run-cifar');
    const result = await convnet([
      'train',
      '--dataset',
      'cifar10',
      '--data-dir',
      data,
      '--epochs',
      '1',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(lastJson(result.stdout).dataset, 'cifar10');
    assert.match(result.stderr, /Dataset cifar10: 100 training and 20 test images of 32x32x3/);
    assert.deepEqual(loadModel(out).manifest.classNames, CIFAR10_CLASS_NAMES);
  });

  test(
    '--dataset DIR: an image folder, split 80/20, bad files reported and skipped; saved under ' + 'runs/<folder name>',
    async () => {
      const folder = join(scratch, 'shapes');
      for (const [label, name] of ['dark', 'light'].entries()) {
        mkdirSync(join(folder, name), { recursive: true });
        for (let index = 0; index < 10; index++) {
          const pixels = new Uint8Array(6 * 6 * 3).fill(label * 200 + index);
          writeFileSync(join(folder, name, `${index}.png`), encodePng(imageFromPixels(pixels, 6, 6, 'rgb')));
        }
      }
      writeFileSync(join(folder, 'dark', 'broken.png'), 'not a png');
      const out = join(scratch, 'run-shapes');
      const result = await convnet(['train', '--dataset', folder, '--epochs', '1', '--out', out, '--json']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(lastJson(result.stdout).dataset, 'shapes');
      assert.match(
        result.stderr,
        /Image folder .*shapes: decoded 20 images in [\d.]+ s \(test split: 20% of each class, seed 0\), rgb/,
      );
      assert.match(result.stderr, /convnet: skipped .*broken\.png: is not a PNG or JPEG file/);
      // The split is drawn over the 21 files before decoding (2 of dark's 11 and 2 of light's 10 held
      // out); with seed 0 the broken file is among dark's held-out two, so the test split has 3 images.
      assert.match(result.stderr, /Dataset shapes: 17 training and 3 test images of 6x6x3/);
      assert.deepEqual(loadModel(out).manifest.classNames, ['dark', 'light']);
      // --cache-dir caches the decoded folder; the second run reads it.
      const cacheDir = join(scratch, 'cli-cache');
      for (const expected of [/decoded 20 images/, /read 20 decoded images from the cache/]) {
        const cached = await convnet([
          'train',
          '--dataset',
          folder,
          '--epochs',
          '1',
          '--out',
          out,
          '--cache-dir',
          cacheDir,
        ]);
        assert.equal(cached.status, 0, cached.stderr);
        assert.match(cached.stdout, expected);
      }
    },
  );

  const usageCases: [string, string[], RegExp][] = [
    [
      'cifar10 without --data-dir or a download',
      ['train', '--dataset', 'cifar10'],
      /--dataset cifar10 needs --data-dir DIR.*convnet download cifar10/,
    ],
    [
      'mnist without --data-dir or a download',
      ['train', '--dataset', 'mnist'],
      /--dataset mnist needs --data-dir DIR.*convnet download mnist/,
    ],
    [
      'a folder with --data-dir',
      ['train', '--dataset', 'test', '--data-dir', 'test'],
      /--data-dir is not used with --dataset test/,
    ],
    [
      'a file as --dataset',
      ['train', '--dataset', 'package.json'],
      /package\.json.*not a dataset name .*nor an existing image folder/,
    ],
    ['an unknown download', ['download', 'cifar100'], /cifar100.*Allowed choices are mnist, fashion-mnist, cifar10/],
    [
      'a mirror that is not a URL',
      ['download', 'mnist', '--mirror', 'ftp://x', '--cache-dir', 'no/such/cache'],
      /mirror must be an http/,
    ],
  ];
  for (const [title, args, pattern] of usageCases) {
    test(`usage error: ${title}`, async () => {
      const result = await convnet(args);
      assert.equal(result.status, 2, `exit code; stderr: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    });
  }
});

const SKIP_NO_MNIST = hasSharedDataset('mnist') ? false : 'shared MNIST files not found (../shared/datasets/mnist)';

describe('convnet download from a local mirror', { skip: SKIP_NO_MNIST }, () => {
  let server: Server;
  let mirror = '';
  before(async () => {
    server = createServer((request, response) => {
      const file = join(
        sharedDatasets,
        normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)),
      );
      if (!file.startsWith(sharedDatasets) || !existsSync(file) || !statSync(file).isFile()) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('downloads mnist into --cache-dir; train then finds it there without --data-dir', async () => {
    const cacheDir = join(scratch, 'downloads');
    const first = await convnet(['download', 'mnist', '--mirror', mirror, '--cache-dir', cacheDir]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /train-images-idx3-ubyte\.gz: downloaded from http:\/\/127\.0\.0\.1:\d+\/mnist\/train-images-idx3-ubyte\.gz \(9\.9 MB, SHA-256 verified\)/,
    );
    assert.match(first.stdout, /Train on it: convnet train --dataset mnist --cache-dir /);
    const second = await convnet(['download', 'mnist', '--cache-dir', cacheDir], {
      CONVNET_DATASETS_MIRROR: 'http://127.0.0.1:1',
    });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.match(/already there/g)?.length, 4);
    const found = loadNamedDataset('mnist', undefined, { cacheDir });
    assert.equal(found.train.count, 60000);
  });

  test('a dataset the mirror lacks fails with one line and exit code 2', async () => {
    const result = await convnet([
      'download',
      'cifar10',
      '--mirror',
      mirror,
      '--cache-dir',
      join(scratch, 'downloads'),
    ]);
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /^convnet: error: http:\/\/127\.0\.0\.1:\d+\/cifar10\/cifar-10-binary\.tar\.gz: HTTP 404 Not Found\n$/,
    );
  });
});
