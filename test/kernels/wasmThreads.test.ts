// The WebAssembly backend's thread count is bounded (issue 12, class 10): 1000 threads once started
// 1000 workers and took 8 GB. A count outside 1 to MAX_WASM_THREADS is refused before anything
// starts, and the running backend keeps working. Shares of a job go to whichever thread claims them
// first (threadPool.ts): many jobs in a row on more threads than cores give one thread's results.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendInfo, getBackend, ready, initWasmBackend, MAX_WASM_THREADS, Random, Tensor, ValueError, withScope } from '../../src/index.js';
import { windowParams, type Conv2DParams } from '../../src/kernels/params.js';
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

test('shares claimed by any thread: 200 jobs in a row on 4 threads match one thread bit for bit', { skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false }, async () => {
  const random = new Random(7);
  // Two prepared 1x1 convolutions above the threading threshold (1M multiply-adds), one split over
  // output pixels, one over output channels (49 pixels).
  const shapes = [[28, 96, 160], [7, 320, 1280]].map(([size, inC, outC]) => {
    const params: Conv2DParams = { ...windowParams('case', 1, size!, size!, inC!, { kH: 1, kW: 1, strideH: 1, strideW: 1, padding: 'valid' }), outC: outC!, isConstantFilter: true };
    const values = (count: number) => Float32Array.from({ length: count }, () => random.uniform() - 0.5);
    return { params, input: values(size! * size! * inC!), filter: values(inC! * outC!), bias: values(outC!), outputSize: size! * size! * outC! };
  });
  const runAll = (): Float32Array[] => Array.from({ length: 200 }, (_, index) => {
    const shape = shapes[index % 2]!;
    const output = new Float32Array(shape.outputSize);
    getBackend().kernels.Conv2D(shape.input, shape.filter, shape.bias, output, shape.params, null);
    return output;
  });
  await initWasmBackend({ threads: 1 });
  const single = runAll();
  await initWasmBackend({ threads: 4 });
  runAll();
  assert.equal(backendInfo().wasm!.threads, 4, 'all 4 threads up');
  const many = runAll();
  await initWasmBackend();
  many.forEach((output, index) => assert.deepEqual(output, single[index], `job ${index}`));
});
