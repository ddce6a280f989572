// Issue 13, point 3: a fast backend that fails loudly and says where its files are. A `.wasm` build
// or worker script that cannot be loaded is named with its URL and the reason; `wasmUrl` and
// `workerUrl` say where a bundler put them; a failed start leaves the running backend in use; the
// default start (ready() or the first op) prints one warning naming the URL instead of falling
// silently to the slow kernels.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  BackendError,
  backendInfo,
  ready,
  conv2d,
  ConvNetError,
  initWasmBackend,
  setBackend,
  Tensor,
  withScope,
} from '../../../src/index.js';
import { assertClose, repoRoot, uniformTensor } from '../../helpers.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

const skip = backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false;
const BUILDS = [
  'convnet-simd.wasm',
  'convnet-simd-threads.wasm',
  'convnet-relaxed.wasm',
  'convnet-relaxed-threads.wasm',
];

async function withTemporaryFolder<T>(body: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'convnet-wasm-'));
  try {
    return await body(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function reluValues(): number[] {
  return withScope(() =>
    Array.from(
      conv2d(
        new Tensor(new Float32Array([1, -2, 3, -4]), [1, 2, 2, 1]),
        new Tensor(new Float32Array([1]), [1, 1, 1, 1]),
        null,
      ).dataSync(),
    ),
  );
}

/** Asserts that the running backend is still the one `info` describes and still computes. */
function assertStillRunning(info: ReturnType<typeof backendInfo>['wasm']): void {
  assert.deepEqual(backendInfo().wasm, info);
  assert.equal(backendInfo().active, 'wasm');
  assert.deepEqual(reluValues(), [1, -2, 3, -4], 'the previous backend still computes');
}

test('initWasmBackend with a wasmUrl folder that does not exist rejects with a BackendError naming the URL ' +
  'and the reason', {
  skip,
}, async () => {
  const before = backendInfo().wasm;
  const folder = pathToFileURL(join(tmpdir(), 'convnet-no-such-folder-13', '/'));
  await assert.rejects(initWasmBackend({ threads: 1, wasmUrl: folder }), (error: unknown) => {
    assert.ok(error instanceof BackendError && error instanceof ConvNetError, String(error));
    assert.ok(
      error.url.startsWith(folder.href) && BUILDS.some((build) => error.url === folder.href + build),
      error.url,
    );
    assert.match(
      error.message,
      /^wasm backend: could not load file:\/\/.*convnet-no-such-folder-13\/convnet-[a-z-]+\.wasm \(ENOENT: no such file or directory/,
    );
    assert.match(error.message, /pass initWasmBackend\(\{ wasmUrl \}\) where your bundler puts the \.wasm files$/);
    return true;
  });
  assertStillRunning(before);
});

test('a wasmUrl function receives the build name, and a file it points at that is not WebAssembly fails to ' +
  'compile, named', {
  skip,
}, async () => {
  const before = backendInfo().wasm;
  await withTemporaryFolder(async (folder) => {
    await copyFile(join(repoRoot, 'package.json'), join(folder, 'garbage.wasm'));
    const asked: string[] = [];
    await assert.rejects(
      initWasmBackend({
        threads: 1,
        wasmUrl: (build) => {
          asked.push(build);
          return join(folder, 'garbage.wasm');
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof BackendError, String(error));
        assert.equal(error.url, pathToFileURL(join(folder, 'garbage.wasm')).href);
        assert.match(
          error.message,
          /^wasm backend: could not compile file:\/\/.*garbage\.wasm \(.+\); is it the convnet-[a-z-]+\.wasm of this version of ConvNet\.ts\?$/,
        );
        return true;
      },
    );
    assert.equal(asked.length, 1);
    assert.ok(BUILDS.includes(asked[0]!), asked[0]);
  });
  assertStillRunning(before);
});

test('a wasmUrl folder holding a copy of the builds starts the backend, which computes conv2d as the ' +
  'reference kernels do', {
  skip,
}, async () => {
  const before = backendInfo().wasm!;
  await withTemporaryFolder(async (folder) => {
    for (const build of BUILDS) await copyFile(join(repoRoot, 'dist', 'wasm', build), join(folder, build));
    for (const wasmUrl of [folder, pathToFileURL(folder)]) {
      const info = await initWasmBackend({ threads: 2, wasmUrl });
      assert.equal(info.build, before.build);
      assert.equal(info.threads, 2);
      const input = uniformTensor([2, 12, 12, 16], 1);
      const filter = uniformTensor([3, 3, 16, 32], 2);
      const fast = withScope(() => Array.from(conv2d(input, filter, null, { padding: 'same' }).dataSync()));
      setBackend('reference');
      const reference = Array.from(conv2d(input, filter, null, { padding: 'same' }).dataSync());
      setBackend('wasm');
      assertClose(fast, reference, { atol: 1e-4, rtol: 1e-4 }, 'conv2d');
    }
  });
  await initWasmBackend({ threads: before.threads });
});

test('initWasmBackend with a workerUrl that does not exist rejects naming the worker URL, and the ' +
  'running backend stays', {
  skip,
}, async () => {
  await initWasmBackend({ threads: 2 });
  const before = backendInfo().wasm;
  const missing = join(tmpdir(), 'convnet-no-such-folder-13', 'worker.js');
  await assert.rejects(initWasmBackend({ threads: 2, workerUrl: missing }), (error: unknown) => {
    assert.ok(error instanceof BackendError, String(error));
    assert.equal(error.url, pathToFileURL(missing).href);
    assert.match(
      error.message,
      /^wasm backend: worker 1 could not start from file:\/\/.*convnet-no-such-folder-13\/worker\.js \(.*Cannot find module/,
    );
    assert.doesNotMatch(error.message, /undefined/);
    return true;
  });
  assertStillRunning(before);
  // The package's own Node worker, named explicitly, works (worker.js is the browser's).
  const info = await initWasmBackend({
    threads: 2,
    workerUrl: new URL('../../../src/kernels/wasm/nodeWorker.js', import.meta.url),
  });
  assert.equal(info.threads, 2);
  assert.deepEqual(reluValues(), [1, -2, 3, -4]);
});

test('with the .wasm files missing, ready() and then the first op print one warning naming the URL and keep ' +
  'the reason in backendInfo', {
  skip,
  timeout: 60_000,
}, async () => {
  // A copy of the compiled library inside the repository (so node_modules resolve) with no wasm/ beside it.
  const copy = await mkdtemp(join(repoRoot, 'dist', 'missing-wasm-'));
  try {
    await mkdir(join(copy, 'src'));
    await cp(join(repoRoot, 'dist', 'src'), join(copy, 'src'), { recursive: true });
    const entry = pathToFileURL(join(copy, 'src', 'index.js')).href;
    const script =
      `const m = await import(${JSON.stringify(entry)}); await m.ready(); m.relu(new ` +
      `m.Tensor(new Float32Array(4), [4])); console.log(JSON.stringify(m.backendInfo()));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 50_000,
    });
    const info = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      active: string;
      wasmUnavailableReason: string | null;
    };
    assert.equal(info.active, 'reference');
    const missingUrl = pathToFileURL(join(copy, 'wasm')).href;
    assert.match(
      info.wasmUnavailableReason ?? '',
      new RegExp(`^wasm backend: could not load ${missingUrl}/convnet-[a-z-]+\\.wasm \\(ENOENT`),
    );
    const warnings = stderr.split('\n').filter((line) => line.includes('wasm backend'));
    assert.equal(warnings.length, 1, stderr);
    assert.equal(warnings[0], `${info.wasmUnavailableReason} (running on the reference kernels, several times slower)`);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
