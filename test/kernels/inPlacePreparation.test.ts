// A constant filter packed into its own storage (Backend.allowInPlacePreparation, wasmBackend.ts): the
// convolution gives what the unprepared path gives, bit for bit; the memory holds no second copy; the
// owner is handed what unpacks the values bit for bit; a filter whose packed form is longer (output
// channels not a multiple of 8) is packed beside it as before; releasePrepared gives the block back.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { backendInfo, conv2d, getBackend, initWasmBackend, setBackend, Tensor } from '../../src/index.js';
import type { FloatArray } from '../../src/core/dtype.js';
import { allocatePersistent } from '../../src/kernels/registry.js';
import { uniformTensor } from '../helpers.js';
import { wasmSkip } from '../parity/harness.js';

const inUse = () => backendInfo().wasmArenaBytesInUse!;

/** A [1, 1, inC, outC] filter in persistent storage (as a model's weights are), with seeded values. */
function persistentFilter(inC: number, outC: number, seed: number): Tensor {
  const values = uniformTensor([1, 1, inC, outC], seed).dataSync();
  const data = allocatePersistent('float32', values.length);
  data.set(values);
  return new Tensor(data, [1, 1, inC, outC]);
}

after(() => setBackend('wasm'));

describe('constant filters packed in place', { skip: wasmSkip }, () => {
  for (const threads of [1, 2]) {
    test(
      `a 1x1 filter of 40 output channels: the same outputs, no second copy, its values back bit for bit ` +
        `(${threads} thread(s))`,
      async () => {
        await initWasmBackend({ threads });
        const x = uniformTensor([2, 9, 7, 24], 1);
        const filter = persistentFilter(24, 40, 2);
        const bias = uniformTensor([40], 3);
        const original = Float32Array.from(filter.dataSync());
        const expected = Float32Array.from(conv2d(x, filter, bias).dataSync());
        let restore: (() => FloatArray) | null = null;
        getBackend().allowInPlacePreparation!(filter.dataSync(), (given) => {
          restore = given;
        });
        const before = inUse();
        const first = Float32Array.from(conv2d(x, filter, bias, { isConstantFilter: true }).dataSync());
        const growth = inUse() - before;
        assert.deepEqual(first, expected, 'packed in place against the unprepared path');
        assert.ok(restore !== null, 'the owner was handed what unpacks the values');
        // The resident bias (160 bytes) and the arena's alignment; a packed copy would be 3,840 bytes more.
        assert.ok(
          growth < original.byteLength / 2,
          `preparing kept ${growth} bytes for a ${original.byteLength}-byte filter`,
        );
        const second = Float32Array.from(conv2d(x, filter, bias, { isConstantFilter: true }).dataSync());
        assert.deepEqual(second, expected, 'a second call');
        const unpacked = (restore as () => FloatArray)();
        assert.deepEqual(Float32Array.from(unpacked), original, 'unpacked bit for bit');
        assert.equal((restore as () => FloatArray)(), unpacked, 'unpacked once');
        // The filter array is still the key of its packed form; a kernel handed it unprepared reads the values.
        assert.deepEqual(Float32Array.from(conv2d(x, filter, bias).dataSync()), expected, 'the unprepared path');
        const held = inUse();
        getBackend().releasePrepared!(filter.dataSync());
        assert.ok(held - inUse() >= original.byteLength, 'releasePrepared gave back the packed block');
        assert.deepEqual(
          Float32Array.from(conv2d(x, new Tensor(unpacked, filter.shape), bias, { isConstantFilter: true }).dataSync()),
          expected,
          'from the unpacked values',
        );
      },
    );
  }

  test(
    'a filter of 36 output channels (a packed form of 40 columns) is packed beside it, its ' + 'owner left alone',
    async () => {
      await initWasmBackend({ threads: 1 });
      const x = uniformTensor([1, 5, 5, 16], 4);
      const filter = persistentFilter(16, 36, 5);
      const original = Float32Array.from(filter.dataSync());
      const expected = Float32Array.from(conv2d(x, filter, null).dataSync());
      let isOffloaded = false;
      getBackend().allowInPlacePreparation!(filter.dataSync(), () => {
        isOffloaded = true;
      });
      assert.deepEqual(Float32Array.from(conv2d(x, filter, null, { isConstantFilter: true }).dataSync()), expected);
      assert.equal(isOffloaded, false);
      assert.deepEqual(filter.dataSync(), original, 'the filter keeps its values');
      getBackend().releasePrepared!(filter.dataSync());
    },
  );
});
