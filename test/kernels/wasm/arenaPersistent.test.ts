// The WebAssembly backend's memory: persistent buffers (weights, optimizer state) are freed once
// their views are garbage collected, so building model after model does not run out of memory, and
// buffers still in use are never handed out again.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adam, backendInfo, ready, digitsCnn, Tensor } from '../../../src/index.js';
import { createWasmBackend } from '../../../src/kernels/wasm/wasmBackend.js';
import { collectGarbage } from '../../helpers.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

describe('wasm backend memory', () => {
  test('dropped persistent buffers are reused; kept ones are left alone', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    try {
      const kept = backend.allocatePersistent!('float32', 100_000) as Float32Array;
      kept.fill(7);
      const churn = () => {
        for (let index = 0; index < 40; index++) backend.allocatePersistent!('float32', 250_000)[0] = index;
      };
      churn();
      await collectGarbage();
      const peakAfterOne = backend.peakBytes();
      for (let round = 0; round < 5; round++) {
        churn();
        await collectGarbage();
      }
      // Five more rounds of 40 MB each, without the freeing, would add 200 MB.
      assert.ok(
        backend.peakBytes() <= peakAfterOne + 1_100_000,
        `peak ${backend.peakBytes()} after six rounds, ${peakAfterOne} after one`,
      );
      assert.ok(
        kept.every((value) => value === 7),
        'a buffer still in use keeps its values',
      );
      const fresh = backend.allocatePersistent!('float32', 100_000) as Float32Array;
      assert.ok(
        fresh.every((value) => value === 0),
        'reused memory is handed out zero-filled',
      );
      const overlaps =
        fresh.byteOffset < kept.byteOffset + kept.byteLength && kept.byteOffset < fresh.byteOffset + fresh.byteLength;
      assert.equal(overlaps, false);
    } finally {
      backend.dispose();
    }
  });

  test('building and training model after model keeps the memory flat', async () => {
    assert.equal(backendInfo().active, 'wasm');
    const x = Tensor.fromArray(new Float32Array(8 * 28 * 28), [8, 28, 28, 1]);
    const labels = Uint8Array.from({ length: 8 }, (_, index) => index);
    const build = () => {
      for (let index = 0; index < 10; index++)
        digitsCnn({ seed: index }).fit(x, labels, { epochs: 1, batchSize: 8, optimizer: new Adam() });
    };
    build();
    await collectGarbage();
    const peakAfterOne = backendInfo().wasmArenaPeakBytes!;
    for (let round = 0; round < 4; round++) {
      build();
      await collectGarbage();
    }
    // Each digits-cnn with Adam holds about 1.3 MB; forty more kept would add over 50 MB.
    assert.ok(
      backendInfo().wasmArenaPeakBytes! <= peakAfterOne + 4_000_000,
      `peak ${backendInfo().wasmArenaPeakBytes} after five rounds, ${peakAfterOne} after one`,
    );
  });
});
