// Issue 13, point 6: importing the library starts nothing; the WebAssembly backend starts at the first
// op (synchronously, in Node) or on `await ready()` (idempotent, one start for concurrent calls); a
// backend chosen before the first op is kept; `require('convnet-ts')` works (no top-level await).
// Each case runs in a fresh Node process, which counts the worker threads the library creates.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import { backendInfo, conv2d, ready, setBackend } from '../../src/index.js';
import { setWasmPlatform, wasmPlatform } from '../../src/kernels/wasm/platform.js';
import { assertClose, repoRoot, uniformTensor } from '../helpers.js';
import { useAppFolder } from '../appFolder.js';

const skip = probeWasmFeatures().simd ? false : 'no WebAssembly SIMD here';
/** float32 SIMD sums in another order than the reference loops: relative 1e-5. */
const TOLERANCE = { atol: 1e-5, rtol: 1e-5 };
const ENTRY = pathToFileURL(join(repoRoot, 'dist', 'src', 'index.js')).href;

/**
 * Counts the worker threads started in this process (the library takes Worker from
 * node:worker_threads, whose ESM exports syncBuiltinESMExports refreshes), then runs `body`.
 */
const COUNT_WORKERS = `
const threads = require('node:worker_threads');
globalThis.workersStarted = 0;
const Original = threads.Worker;
threads.Worker = class extends Original { constructor(...args) { super(...args); globalThis.workersStarted++; } };
require('node:module').syncBuiltinESMExports();
`;

/** A 3x3 convolution on 2x9x9x5 with 7 filters, and the same on the reference kernels. */
const CONVOLUTION = `
const x = new c.Tensor(Float32Array.from({ length: 2 * 9 * 9 * 5 }, (_, i) => Math.sin(i)), [2, 9, 9, 5]);
const f = new c.Tensor(Float32Array.from({ length: 3 * 3 * 5 * 7 }, (_, i) => Math.cos(i)), [3, 3, 5, 7]);
`;

const app = useAppFolder('convnet-lazy-');
const runScript = (name: string, source: string) => app.run(name, source);

test('importing starts nothing: the reference backend is active, no worker thread, no WebAssembly memory', {
  skip,
  timeout: 90_000,
}, async () => {
  const result = await runScript(
    'import.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
const info = c.backendInfo();
let setWasm = null;
try { c.setBackend('wasm'); } catch (error) { setWasm = error.message; }
console.log(JSON.stringify({ info, workers: globalThis.workersStarted, setWasm }));
`,
  );
  assert.deepEqual(result.info, {
    active: 'reference',
    wasm: null,
    wasmState: 'idle',
    wasmUnavailableReason: null,
    wasmArenaPeakBytes: null,
    wasmArenaBytesInUse: null,
    webgpuAdapter: null,
  });
  assert.equal(result.workers, 0);
  // Choosing 'wasm' before it started says how to start it.
  assert.match(
    String(result.setWasm),
    /^unknown backend 'wasm'; available: reference \(the WebAssembly backend registers itself once started: await ready\(\) or initWasmBackend\(\) first\)$/,
  );
});

test('the first op starts the WebAssembly backend in Node, synchronously, and its result matches the reference', {
  skip,
  timeout: 90_000,
}, async () => {
  const result = await runScript(
    'firstUse.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
${CONVOLUTION}
const fast = c.conv2d(x, f, null, { padding: 'same' });
const info = c.backendInfo();
const workers = globalThis.workersStarted;
c.setBackend('reference');
const reference = c.conv2d(x, f, null, { padding: 'same' });
console.log(JSON.stringify({ info, workers, fast: Array.from(fast.data), reference: Array.from(reference.data) }));
`,
  );
  const info = result.info as { active: string; wasmState: string; wasm: { threads: number } };
  assert.equal(info.active, 'wasm');
  assert.equal(info.wasmState, 'running');
  assert.equal(result.workers, info.wasm.threads - 1, 'one worker per extra thread, started once');
  assertClose(result.fast as number[], result.reference as number[], TOLERANCE, 'conv2d on wasm against the reference');
});

test('after the first op the workers join once they are up; a worker that cannot start leaves one thread ' +
  'and one warning', {
  skip,
  timeout: 120_000,
}, async () => {
  const joining = await runScript(
    'join.mjs',
    `const c = await import(${JSON.stringify(ENTRY)});
${CONVOLUTION}
c.conv2d(x, f, null);
const threads = c.backendInfo().wasm.threads;
const started = performance.now();
while (c.getBackend().activeThreads() < threads && performance.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 10));
console.log(JSON.stringify({ threads, active: c.getBackend().activeThreads() }));
`,
  );
  assert.equal(joining.active, joining.threads);
  // A copy of the compiled library whose Node worker script is missing (the .wasm builds are there).
  const copy = await mkdtemp(join(repoRoot, 'dist', 'missing-worker-'));
  try {
    await cp(join(repoRoot, 'dist', 'src'), join(copy, 'src'), { recursive: true });
    await cp(join(repoRoot, 'dist', 'wasm'), join(copy, 'wasm'), { recursive: true });
    await rm(join(copy, 'src', 'kernels', 'wasm', 'nodeWorker.js'));
    const entry = pathToFileURL(join(copy, 'src', 'index.js')).href;
    const path = join(app.path, 'missingWorker.mjs');
    await writeFile(
      path,
      `const c = await import(${JSON.stringify(entry)});
${CONVOLUTION}
// Large enough for several threads (PARALLEL_WORK_THRESHOLD): 4 x 32 x 32 x 64 outputs of 3 x 3 x 64.
const big = new c.Tensor(Float32Array.from({ length: 4 * 32 * 32 * 64 }, (_, i) => Math.sin(i)), [4, 32, 32, 64]);
const bigFilter = new c.Tensor(Float32Array.from({ length: 3 * 3 * 64 * 64 }, (_, i) => Math.cos(i) / 30), [3, 3, 64, 64]);
const results = [];
const started = performance.now();
do {
  results.push(Array.from(c.conv2d(big, bigFilter, null, { padding: 'same' }).dataSync().subarray(0, 4096)));
  await new Promise((resolve) => setTimeout(resolve, 20));
} while (performance.now() - started < 3000);
const threads = c.backendInfo().wasm.threads;
c.setBackend('reference');
const reference = Array.from(c.conv2d(big, bigFilter, null, { padding: 'same' }).dataSync().subarray(0, 4096));
console.log(JSON.stringify({ threads, first: results[0], last: results.at(-1), reference }));
`,
    );
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path], { cwd: app.path, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      threads: number;
      first: number[];
      last: number[];
      reference: number[];
    };
    assertClose(result.first, result.reference, TOLERANCE, 'conv2d on one thread before the failure');
    assertClose(result.last, result.reference, TOLERANCE, 'conv2d on one thread after the failure');
    const warnings = stderr.split('\n').filter((line) => line.includes('wasm backend'));
    if (result.threads > 1) {
      assert.equal(warnings.length, 1, stderr);
      assert.match(
        warnings[0]!,
        /^wasm backend: worker \d+ could not start from file:\/\/.*\/nodeWorker\.js \(.*\); pass initWasmBackend\(\{ workerUrl \}\).* \(running on one thread\)$/,
      );
    } else {
      assert.deepEqual(warnings, [], 'one thread: no worker to miss');
    }
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('ready() is idempotent and concurrent calls share one start', { skip, timeout: 90_000 }, async () => {
  const result = await runScript(
    'ready.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
const first = c.ready();
const second = c.ready();
const during = c.backendInfo().wasmState;
const [a, b] = await Promise.all([first, second]);
const again = await c.ready();
${CONVOLUTION}
c.conv2d(x, f, null);
console.log(JSON.stringify({ isSamePromise: first === second, during, a, b, again, workers: globalThis.workersStarted, after: c.backendInfo() }));
`,
  );
  assert.equal(result.isSamePromise, true);
  assert.equal(result.during, 'starting');
  const a = result.a as { active: string; wasm: { threads: number } };
  assert.equal(a.active, 'wasm');
  assert.deepEqual(result.b, a);
  assert.deepEqual((result.again as { wasm: unknown }).wasm, a.wasm);
  assert.equal(result.workers, a.wasm.threads - 1, 'one start, not one per call');
  assert.equal((result.after as { active: string }).active, 'wasm');
});

test("setBackend('reference') before the first op is kept: no WebAssembly start, not even from ready()", {
  skip,
  timeout: 90_000,
}, async () => {
  const result = await runScript(
    'chosen.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
c.setBackend('reference');
${CONVOLUTION}
c.conv2d(x, f, null);
const fromReady = await c.ready();
console.log(JSON.stringify({ fromReady, info: c.backendInfo(), workers: globalThis.workersStarted }));
`,
  );
  const info = result.info as { active: string; wasm: unknown; wasmState: string };
  assert.deepEqual([info.active, info.wasm, info.wasmState], ['reference', null, 'idle']);
  assert.deepEqual(result.fromReady, result.info);
  assert.equal(result.workers, 0);
});

test("require('convnet-ts') works (no top-level await) and runs a convolution and a prediction on the wasm backend", {
  skip,
  timeout: 90_000,
}, async () => {
  const result = await runScript(
    'require.cjs',
    `const c = require('convnet-ts');
const atImport = c.backendInfo().active;
${CONVOLUTION}
const y = c.conv2d(x, f, null);
const model = c.digitsCnn({ seed: 1 });
const logits = model.predict(new c.Tensor(new Float32Array(2 * 28 * 28), [2, 28, 28, 1]));
console.log(JSON.stringify({ atImport, active: c.backendInfo().active, shape: y.shape, logitsShape: logits.shape }));
`,
  );
  assert.deepEqual(result, { atImport: 'reference', active: 'wasm', shape: [2, 7, 7, 7], logitsShape: [2, 10] });
});

test('a backend started in the background takes over outside scopes only, and never over a chosen one', {
  timeout: 60_000,
}, async () => {
  const registry = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'registry.js')).href;
  const reference = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'js', 'referenceBackend.js')).href;
  const result = await runScript(
    'switch.mjs',
    `import { adoptDefaultBackend, getBackend, registerBackend, setBackend, withScope } from ${JSON.stringify(registry)};
import { referenceBackend } from ${JSON.stringify(reference)};
registerBackend(referenceBackend);
const seen = [];
withScope(() => {
  adoptDefaultBackend({ ...referenceBackend, name: 'started' });
  seen.push(getBackend().name);
  withScope(() => seen.push(getBackend().name));
});
seen.push(getBackend().name);
setBackend('reference');
const isAdopted = adoptDefaultBackend({ ...referenceBackend, name: 'late' });
console.log(JSON.stringify({ seen, isAdopted, after: getBackend().name }));
`,
  );
  assert.deepEqual(result, { seen: ['reference', 'reference', 'started'], isAdopted: false, after: 'reference' });
});

test('initWasmBackend called while the background start runs wins: the background backend stops', {
  skip,
  timeout: 90_000,
}, async () => {
  const platform = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'wasm', 'platform.js')).href;
  const result = await runScript(
    'race.mjs',
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
const p = await import(${JSON.stringify(platform)});
p.setWasmPlatform({ ...p.wasmPlatform(), readFileSync: null });
${CONVOLUTION}
c.conv2d(x, f, null);
const during = c.backendInfo();
const chosen = c.initWasmBackend({ threads: 1 });
const fromReady = await c.ready();
await chosen;
c.conv2d(x, f, null);
console.log(JSON.stringify({ during, fromReady, info: c.backendInfo() }));
`,
  );
  const during = result.during as { active: string; wasmState: string };
  assert.deepEqual([during.active, during.wasmState], ['reference', 'starting']);
  const info = result.info as { active: string; wasmState: string; wasm: { threads: number } };
  assert.deepEqual(
    [info.active, info.wasmState, info.wasm.threads],
    ['wasm', 'running', 1],
    'the backend initWasmBackend started, with its 1 thread',
  );
});

test('where the platform cannot start synchronously (a page), the first ops run on the reference kernels ' +
  'and the WebAssembly backend takes over once started', {
  skip,
  timeout: 60_000,
}, async () => {
  // This process has run no op yet: it is the state right after import, on a platform without
  // synchronous file reads (as a browser page has none).
  const node = wasmPlatform();
  setWasmPlatform({ ...node, readFileSync: null });
  try {
    const x = uniformTensor([1, 6, 6, 4], 1);
    const filter = uniformTensor([3, 3, 4, 5], 2);
    const first = conv2d(x, filter, null);
    assert.deepEqual([backendInfo().active, backendInfo().wasmState], ['reference', 'starting']);
    const info = await ready();
    assert.deepEqual([info.active, info.wasmState], ['wasm', 'running']);
    // A tensor made on the reference backend (an ordinary array) goes through the wasm kernels.
    const second = conv2d(x, filter, null);
    assertClose(second.dataSync(), first.dataSync(), TOLERANCE, 'conv2d after the switch');
  } finally {
    setWasmPlatform(node);
    setBackend('reference');
  }
});
