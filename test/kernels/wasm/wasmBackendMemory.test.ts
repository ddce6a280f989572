// Op outputs outside any scope (issue 13): 200 conv2d + relu calls outside a scope grew the
// WebAssembly memory to 612 MB that never came back. They live on the JavaScript heap now (freed by
// the garbage collector, which sees them, with no gc() call needed), the WebAssembly memory holds
// only weights, optimizer state and scope temporaries, and the backend reports the bytes it holds now
// (wasmArenaBytesInUse), not only its peak.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { backendInfo, ready, conv2d, initWasmBackend, setBackend, Tensor, withScope } from '../../../src/index.js';
import { allocatePersistent } from '../../../src/kernels/registry.js';
import { relu } from '../../../src/ops/activations.js';
import { collectGarbage, uniformTensor } from '../../helpers.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

const x = uniformTensor([8, 28, 28, 1], 1);
const filter = uniformTensor([3, 3, 1, 32], 2);
/** Bytes of one [8, 26, 26, 32] float32 output. */
const OUTPUT_BYTES = 8 * 26 * 26 * 32 * 4;

const inUse = () => backendInfo().wasmArenaBytesInUse!;

after(async () => {
  await initWasmBackend();
  setBackend('wasm');
});

for (const threads of [1, 2]) {
  describe(`wasm backend memory outside scopes, ${threads} thread(s)`, {
    skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false,
  }, () => {
    test('200 conv2d + relu calls outside a scope keep the WebAssembly memory flat', async () => {
      await initWasmBackend({ threads });
      setBackend('wasm');
      const first = relu(conv2d(x, filter, null));
      const expected = Array.from(first.dataSync());
      await collectGarbage();
      const startInUse = inUse();
      const startPeak = backendInfo().wasmArenaPeakBytes!;
      let last: Tensor = first;
      const heapBefore = process.memoryUsage().arrayBuffers;
      // No collection asked for inside the loop: the WebAssembly memory must not depend on one.
      for (let call = 0; call < 200; call++) last = relu(conv2d(x, filter, null));
      // 200 calls kept for good would hold 400 outputs: 346 MB. A call stages its input and output.
      const growth = backendInfo().wasmArenaPeakBytes! - startPeak;
      assert.ok(growth <= 3 * OUTPUT_BYTES, `peak grew by ${growth} bytes during the loop`);
      assert.equal(inUse(), startInUse, 'nothing held after the loop');
      await collectGarbage();
      const heapGrowth = process.memoryUsage().arrayBuffers - heapBefore;
      assert.ok(
        heapGrowth <= 4 * OUTPUT_BYTES,
        `the outputs on the JavaScript heap are collected: ${heapGrowth} bytes left`,
      );
      assert.deepEqual(Array.from(last.dataSync()), expected, 'the last output, still referenced, holds its values');
      assert.deepEqual(Array.from(first.dataSync()), expected, 'the first output, still referenced, holds its values');
    });

    test(
      "dispose() frees at once: a weight block's bytes in use drop by its size; scopes give " + 'back all they held',
      async () => {
        await initWasmBackend({ threads });
        setBackend('wasm');
        const before = inUse();
        const weights = new Tensor(allocatePersistent('float32', 1000), [10, 100]);
        assert.equal(inUse(), before + 4000, 'a persistent block is held');
        weights.dispose();
        assert.equal(inUse(), before, 'and given back by dispose()');
        assert.throws(() => weights.dataSync(), /tensor was freed/);
        // Outputs outside a scope and kept scope results hold nothing in the WebAssembly memory.
        const y = conv2d(x, filter, null);
        const kept = withScope(() => relu(conv2d(x, filter, null)));
        assert.equal(inUse(), before);
        assert.equal(kept.size, OUTPUT_BYTES / 4);
        y.dispose();
        kept.dispose();
        assert.throws(() => kept.dataSync(), /tensor was freed/);
        assert.equal(kept.size, OUTPUT_BYTES / 4, 'a freed tensor still tells its size');
        // Inside a scope the temporaries are held until it ends, then given back.
        withScope(() => {
          relu(conv2d(x, filter, null));
          assert.ok(inUse() >= before + 2 * OUTPUT_BYTES, `in use ${inUse()} inside the scope`);
        });
        assert.equal(inUse(), before);
      },
    );
  });
}
