// The backward pass frees each gradient once no later rule needs it, and every tensor a rule made and
// did not return (autograd/tape.ts), so the WebAssembly memory it needs stays a few tensors deep
// instead of growing with the depth of the network; the gradients are unchanged.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backendInfo,
  GradientTape,
  initWasmBackend,
  multiply,
  ready,
  relu,
  Tensor,
  withScope,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';

await ready();

test('a chain of 16 ReLU and Multiply ops: backward needs a few tensors of memory, not 16 layers of them', {
  skip: backendInfo().wasm === null ? 'no WebAssembly SIMD here' : false,
}, async () => {
  // A fresh backend: its peak counts this test alone.
  await initWasmBackend({ threads: 1 });
  try {
    const size = 1 << 18;
    const tensorBytes = size * 4;
    const layers = 16;
    const x = Tensor.fromArray(
      Float32Array.from({ length: size }, (_, index) => 0.5 + (index % 97) / 97),
      [size],
    );
    const w = Tensor.fromArray(
      Float32Array.from({ length: size }, (_, index) => 0.9 + (index % 13) / 50),
      [size],
    );
    const { backwardBytes, dX, dW } = withScope(() => {
      const tape = new GradientTape([x, w]);
      const y = tape.run(() => {
        let value = x;
        for (let layer = 0; layer < layers; layer++) value = multiply(relu(value), w);
        return value;
      });
      const before = backendInfo().wasmArenaPeakBytes!;
      const [dX, dW] = tape.gradient(y, [x, w]);
      return {
        backwardBytes: backendInfo().wasmArenaPeakBytes! - before,
        dX: Array.from(dX!.dataSync()),
        dW: Array.from(dW!.dataSync()),
      };
    });
    // y = x w^16 (every value positive): dy/dx = w^16, dy/dw = 16 x w^15.
    assertClose(
      dX,
      Array.from(w.dataSync(), (value) => value ** layers),
      { atol: 0, rtol: 2e-5 },
      'dX',
    );
    assertClose(
      dW,
      Array.from(w.dataSync(), (value, index) => layers * x.dataSync()[index]! * value ** (layers - 1)),
      { atol: 0, rtol: 2e-5 },
      'dW',
    );
    // Kept to the end of the scope, each layer's ReLU mask, two products and a sum would add 64 tensors.
    assert.ok(
      backwardBytes <= 6 * tensorBytes,
      `backward grew the peak by ${backwardBytes} bytes, ${(backwardBytes / tensorBytes).toFixed(1)} tensors`,
    );
  } finally {
    await initWasmBackend();
  }
});
