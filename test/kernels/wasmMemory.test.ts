// Op outputs outside any scope (issue 13): 200 conv2d + relu calls outside a scope grew the
// WebAssembly memory to 612 MB that never came back. They are freed when collected or disposed now,
// and the backend reports the bytes it holds now (wasmArenaBytesInUse), not only its peak.

import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, test } from 'node:test';
import { backendInfo, conv2d, initWasmBackend, Random, setBackend, Tensor, withScope } from '../../src/index.js';
import { relu } from '../../src/ops/activations.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage and lets the finalization callbacks run (they come as tasks after a collection). */
async function collect(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function randomTensor(shape: number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = shape.reduce((product, length) => product * length, 1);
  return Tensor.fromArray(Float32Array.from({ length: size }, () => random.uniform() * 2 - 1), shape);
}

const x = randomTensor([8, 28, 28, 1], 1);
const filter = randomTensor([3, 3, 1, 32], 2);
/** Bytes of one [8, 26, 26, 32] float32 output. */
const OUTPUT_BYTES = 8 * 26 * 26 * 32 * 4;

const inUse = () => backendInfo().wasmArenaBytesInUse!;

after(async () => {
  await initWasmBackend();
  setBackend('wasm');
});

for (const threads of [1, 2]) {
  describe(`wasm backend memory outside scopes, ${threads} thread(s)`, { skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false }, () => {
    test('200 conv2d + relu calls outside a scope keep the WebAssembly memory flat', async () => {
      await initWasmBackend({ threads });
      setBackend('wasm');
      const first = relu(conv2d(x, filter, null));
      const expected = Array.from(first.data);
      await collect();
      const startInUse = inUse();
      const startPeak = backendInfo().wasmArenaPeakBytes!;
      let last: Tensor = first;
      for (let call = 0; call < 200; call++) {
        last = relu(conv2d(x, filter, null));
        if (call % 20 === 19) await collect();
      }
      await collect();
      // 200 calls kept for good would hold 400 outputs: 346 MB.
      const growth = backendInfo().wasmArenaPeakBytes! - startPeak;
      assert.ok(growth <= 44 * OUTPUT_BYTES, `peak grew by ${growth} bytes, more than 22 calls' outputs`);
      assert.ok(inUse() <= startInUse + 2 * OUTPUT_BYTES, `in use ${inUse()} after the loop, ${startInUse} before`);
      assert.deepEqual(Array.from(last.data), expected, 'the last output, still referenced, holds its values');
      assert.deepEqual(Array.from(first.data), expected, 'the first output, still referenced, holds its values');
    });

    test('dispose() frees an output at once: the bytes in use drop by its size', async () => {
      await initWasmBackend({ threads });
      setBackend('wasm');
      const before = inUse();
      const y = conv2d(x, filter, null);
      assert.equal(inUse(), before + OUTPUT_BYTES, 'an output outside a scope is held');
      y.dispose();
      assert.equal(inUse(), before, 'and given back by dispose()');
      // A kept scope result is freed by dispose() too.
      const kept = withScope(() => relu(conv2d(x, filter, null)));
      assert.equal(inUse(), before + OUTPUT_BYTES);
      kept.dispose();
      assert.equal(inUse(), before);
      // Inside a scope the temporaries are held until it ends, then given back.
      withScope(() => {
        relu(conv2d(x, filter, null));
        assert.ok(inUse() >= before + 2 * OUTPUT_BYTES);
      });
      assert.equal(inUse(), before);
    });
  });
}
