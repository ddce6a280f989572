// Issue 13, point 6: importing the library starts nothing; the WebAssembly backend starts at the first
// op (synchronously, in Node) or on `await ready()` (idempotent, one start for concurrent calls); a
// backend chosen before the first op is kept; `require('convnet-ts')` works (no top-level await).
// Each case runs in a fresh Node process, which counts the worker threads the library creates.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { probeWasmFeatures } from '../../src/kernels/wasm/featureProbe.js';
import { backendInfo, conv2d, ready, setBackend } from '../../src/index.js';
import { setWasmPlatform, wasmPlatform } from '../../src/kernels/wasm/platform.js';
import { assertClose, repoRoot, uniformTensor } from '../helpers.js';

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

let folder: string;
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convnet-lazy-'));
  // A folder where 'convnet-ts' resolves to this repository, as in an app's node_modules.
  await mkdir(join(folder, 'node_modules'));
  await symlink(repoRoot, join(folder, 'node_modules', 'convnet-ts'), 'dir');
});
after(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

/** Runs `source` as a file (worker threads inherit the flags of `node -e`) and returns its last JSON line. */
async function runScript(name: string, source: string): Promise<Record<string, unknown>> {
  const path = join(folder, name);
  await writeFile(path, source);
  const { stdout } = await promisify(execFile)(process.execPath, [path], { cwd: folder, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

test('importing starts nothing: the reference backend is active, no worker thread, no WebAssembly memory', { skip, timeout: 90_000 }, async () => {
  const result = await runScript('import.mjs', `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
console.log(JSON.stringify({ info: c.backendInfo(), workers: globalThis.workersStarted }));
`);
  assert.deepEqual(result['info'], { active: 'reference', wasm: null, wasmState: 'idle', wasmUnavailableReason: null, wasmArenaPeakBytes: null, wasmArenaBytesInUse: null });
  assert.equal(result['workers'], 0);
});

test('the first op starts the WebAssembly backend in Node, synchronously, and its result matches the reference', { skip, timeout: 90_000 }, async () => {
  const result = await runScript('firstUse.mjs', `import { createRequire } from 'node:module';
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
`);
  const info = result['info'] as { active: string; wasmState: string; wasm: { threads: number } };
  assert.equal(info.active, 'wasm');
  assert.equal(info.wasmState, 'running');
  assert.equal(result['workers'], info.wasm.threads - 1, 'one worker per extra thread, started once');
  assertClose(result['fast'] as number[], result['reference'] as number[], TOLERANCE, 'conv2d on wasm against the reference');
});

test('ready() is idempotent and concurrent calls share one start', { skip, timeout: 90_000 }, async () => {
  const result = await runScript('ready.mjs', `import { createRequire } from 'node:module';
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
`);
  assert.equal(result['isSamePromise'], true);
  assert.equal(result['during'], 'starting');
  const a = result['a'] as { active: string; wasm: { threads: number } };
  assert.equal(a.active, 'wasm');
  assert.deepEqual(result['b'], a);
  assert.deepEqual((result['again'] as { wasm: unknown }).wasm, a.wasm);
  assert.equal(result['workers'], a.wasm.threads - 1, 'one start, not one per call');
  assert.equal((result['after'] as { active: string }).active, 'wasm');
});

test("setBackend('reference') before the first op is kept: no WebAssembly start, not even from ready()", { skip, timeout: 90_000 }, async () => {
  const result = await runScript('chosen.mjs', `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${COUNT_WORKERS}
const c = await import(${JSON.stringify(ENTRY)});
c.setBackend('reference');
${CONVOLUTION}
c.conv2d(x, f, null);
const fromReady = await c.ready();
console.log(JSON.stringify({ fromReady, info: c.backendInfo(), workers: globalThis.workersStarted }));
`);
  const info = result['info'] as { active: string; wasm: unknown; wasmState: string };
  assert.deepEqual([info.active, info.wasm, info.wasmState], ['reference', null, 'idle']);
  assert.deepEqual(result['fromReady'], result['info']);
  assert.equal(result['workers'], 0);
});

test("require('convnet-ts') works (no top-level await) and runs a convolution and a prediction on the wasm backend", { skip, timeout: 90_000 }, async () => {
  const result = await runScript('require.cjs', `const c = require('convnet-ts');
const atImport = c.backendInfo().active;
${CONVOLUTION}
const y = c.conv2d(x, f, null);
const model = c.digitsCnn({ seed: 1 });
const logits = model.predict(new c.Tensor(new Float32Array(2 * 28 * 28), [2, 28, 28, 1]));
console.log(JSON.stringify({ atImport, active: c.backendInfo().active, shape: y.shape, logitsShape: logits.shape }));
`);
  assert.deepEqual(result, { atImport: 'reference', active: 'wasm', shape: [2, 7, 7, 7], logitsShape: [2, 10] });
});

test('a backend started in the background takes over outside scopes only, and never over a chosen one', { timeout: 60_000 }, async () => {
  const registry = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'registry.js')).href;
  const reference = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'js', 'referenceBackend.js')).href;
  const result = await runScript('switch.mjs', `import { adoptDefaultBackend, getBackend, registerBackend, setBackend, withScope } from ${JSON.stringify(registry)};
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
`);
  assert.deepEqual(result, { seen: ['reference', 'reference', 'started'], isAdopted: false, after: 'reference' });
});

test('initWasmBackend called while the background start runs wins: the background backend stops', { skip, timeout: 90_000 }, async () => {
  const platform = pathToFileURL(join(repoRoot, 'dist', 'src', 'kernels', 'wasm', 'platform.js')).href;
  const result = await runScript('race.mjs', `import { createRequire } from 'node:module';
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
`);
  const during = result['during'] as { active: string; wasmState: string };
  assert.deepEqual([during.active, during.wasmState], ['reference', 'starting']);
  const info = result['info'] as { active: string; wasmState: string; wasm: { threads: number } };
  assert.deepEqual([info.active, info.wasmState, info.wasm.threads], ['wasm', 'running', 1], 'the backend initWasmBackend started, with its 1 thread');
});

test('where the platform cannot start synchronously (a page), the first ops run on the reference kernels and the WebAssembly backend takes over once started', { skip, timeout: 60_000 }, async () => {
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
    assertClose(second.data, first.data, TOLERANCE, 'conv2d after the switch');
  } finally {
    setWasmPlatform(node);
    setBackend('reference');
  }
});
