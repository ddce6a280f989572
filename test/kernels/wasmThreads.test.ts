// The WebAssembly backend's thread count is bounded (issue 12, class 10): 1000 threads once started
// 1000 workers and took 8 GB. A count outside 1 to MAX_WASM_THREADS is refused before anything
// starts, and the running backend keeps working.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendInfo, ready, initWasmBackend, MAX_WASM_THREADS, Tensor, ValueError, withScope } from '../../src/index.js';
import { createWasmBackend } from '../../src/kernels/wasm/wasmBackend.js';
import { relu } from '../../src/ops/activations.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

test('initWasmBackend refuses threads outside 1 to MAX_WASM_THREADS and leaves the running backend as it was', { skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false }, async () => {
  assert.equal(MAX_WASM_THREADS, 64);
  const before = backendInfo().wasm!;
  for (const threads of [1000, MAX_WASM_THREADS + 1, 0, -1, 1.5, Number.NaN]) {
    await assert.rejects(initWasmBackend({ threads }), (error: unknown) => {
      assert.ok(error instanceof ValueError, String(error));
      assert.equal(error.message, `wasm backend: threads must be a whole number from 1 to 64 (MAX_WASM_THREADS), got ${threads}`);
      return true;
    });
    await assert.rejects(createWasmBackend({ threads }), ValueError);
  }
  assert.deepEqual(backendInfo().wasm, before);
  assert.equal(backendInfo().active, 'wasm');
  const values = withScope(() => Array.from(relu(new Tensor(new Float32Array([-1, 2]), [2])).data));
  assert.deepEqual(values, [0, 2], 'the backend still computes');
});
