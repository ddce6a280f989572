// Scopes keep what they return (issue 13): a tensor returned from withScope was silently overwritten
// by the next scope's results (its sum went from 2344.150 to 2242.623), and a tensor read after the
// scope that made it was freed read whatever lay there. Returned tensors are kept now (as tf.tidy
// does) and reading a freed tensor throws.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  backendInfo,
  ready,
  conv2d,
  initWasmBackend,
  setBackend,
  type Tensor,
  ValueError,
  withScope,
} from '../../src/index.js';
import { relu } from '../../src/ops/activations.js';
import { uniformTensor } from '../helpers.js';

// Importing starts nothing: the default WebAssembly backend starts here, as an app would start it.
await ready();

const hasWasm = backendInfo().wasm !== null;

const x = uniformTensor([4, 16, 16, 3], 1);
const filter = uniformTensor([3, 3, 3, 8], 2);
const otherX = uniformTensor([4, 16, 16, 3], 3);
const otherFilter = uniformTensor([3, 3, 3, 8], 4);

const sum = (values: ArrayLike<number>) => Array.from(values).reduce((total, value) => total + value, 0);
const isFreedError = (error: unknown) =>
  error instanceof ValueError && /^tensor was freed: Tensor\(/.test(error.message);

/** Selects the backend a case runs on. */
async function use(backend: 'reference' | 'wasm-1' | 'wasm-2'): Promise<void> {
  if (backend === 'reference') return setBackend('reference');
  await initWasmBackend({ threads: backend === 'wasm-1' ? 1 : 2 });
  setBackend('wasm');
}

after(async () => {
  if (hasWasm) {
    await initWasmBackend();
    setBackend('wasm');
  }
});

for (const backend of ['wasm-1', 'wasm-2', 'reference'] as const) {
  describe(`scopes on the ${backend} backend`, {
    skip: backend !== 'reference' && !hasWasm ? 'no WebAssembly SIMD here' : false,
  }, () => {
    test('a tensor returned from withScope keeps exactly its values after other scopes run', async () => {
      await use(backend);
      const kept = withScope(() => relu(conv2d(x, filter, null, { padding: 'same' })));
      const {
        nested: [inArray],
        alsoKept,
      } = withScope(() => ({ nested: [relu(x)], alsoKept: conv2d(x, filter, null) }));
      const values = Array.from(kept.dataSync());
      const arrayValues = Array.from(inArray.dataSync());
      const alsoValues = Array.from(alsoKept.dataSync());
      assert.ok(sum(values) > 100, `a real result: sum ${sum(values)}`);
      for (let round = 0; round < 3; round++) {
        withScope(() => relu(conv2d(otherX, otherFilter, null, { padding: 'same' })).dataSync()[0]);
        withScope(() => withScope(() => relu(conv2d(otherX, otherFilter, null, { padding: 'same' }))));
      }
      assert.deepEqual(Array.from(kept.dataSync()), values, 'unchanged after other scopes');
      assert.deepEqual(Array.from(inArray.dataSync()), arrayValues, 'a tensor returned inside an array is kept');
      assert.deepEqual(Array.from(alsoKept.dataSync()), alsoValues, 'a tensor returned inside an object is kept');
      // The kept values are the op's: computed again, bit for bit the same.
      assert.deepEqual(
        withScope(() => Array.from(relu(conv2d(x, filter, null, { padding: 'same' })).dataSync())),
        values,
      );
      assert.deepEqual(
        arrayValues,
        Array.from(x.dataSync(), (value) => Math.max(value, 0)),
      );
      // A kept tensor is an ordinary input to later ops, in and out of scopes.
      assert.deepEqual(
        withScope(() => Array.from(relu(kept).dataSync())),
        values,
      );
      assert.equal(kept.reshape([values.length]).dataSync()[5], values[5]);
    });

    test('reading a disposed tensor throws, and so does every view of its storage', async () => {
      await use(backend);
      const y = relu(conv2d(x, filter, null));
      const flat = y.reshape([y.size]);
      assert.equal(y.isFreed, false);
      y.dispose();
      y.dispose();
      assert.equal(y.isFreed, true);
      assert.throws(() => y.dataSync(), isFreedError);
      assert.throws(() => flat.dataSync(), isFreedError);
      assert.throws(() => relu(y), isFreedError, 'an op given a freed tensor throws');
      assert.throws(() => withScope(() => conv2d(y, filter, null)), isFreedError);
      assert.deepEqual(y.shape, [4, 14, 14, 8], 'the shape is still known');
    });
  });
}

// The reference backend frees them too (its memory is the collector's), so such code fails on every backend.
for (const backend of ['wasm-2', 'reference'] as const) {
  describe(`scopes free what they do not return, on the ${backend} backend`, {
    skip: backend !== 'reference' && !hasWasm ? 'no WebAssembly SIMD here' : false,
  }, () => {
    test('a tensor made in a scope and read after it throws instead of reading reused memory', async () => {
      await use(backend);
      let leaked: Tensor | null = null;
      const kept = withScope(() => {
        leaked = relu(conv2d(x, filter, null));
        return relu(leaked);
      });
      withScope(() => relu(conv2d(otherX, otherFilter, null)));
      assert.throws(() => leaked!.dataSync(), isFreedError);
      assert.throws(() => relu(leaked!), isFreedError);
      assert.equal(leaked!.isFreed, true);
      assert.equal(kept.isFreed, false);
      assert.ok(kept.dataSync().every((value) => value >= 0));
      // A body that throws frees everything it made.
      let made: Tensor | null = null;
      assert.throws(
        () =>
          withScope(() => {
            made = relu(x);
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.throws(() => made!.dataSync(), isFreedError);
    });

    test('tensors made outside the scope, and weights, are left alone', async () => {
      await use(backend);
      const outside = relu(x);
      const values = Array.from(outside.dataSync());
      withScope(() => {
        relu(outside);
        return outside;
      });
      assert.deepEqual(Array.from(outside.dataSync()), values);
      assert.deepEqual(Array.from(filter.dataSync()), Array.from(uniformTensor([3, 3, 3, 8], 2).dataSync()));
    });
  });
}
