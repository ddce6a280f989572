// Element types (src/core/dtype.ts): storage arrays of each dtype, zero-filled, and the dtype read back
// from a storage array.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateArray, dtypeOf } from '../../src/core/dtype.js';

test('allocateArray gives a zero-filled Float32Array or Float64Array of the size asked for', () => {
  const single = allocateArray('float32', 5);
  assert.ok(single instanceof Float32Array);
  assert.deepEqual(Array.from(single), [0, 0, 0, 0, 0]);
  const double = allocateArray('float64', 3);
  assert.ok(double instanceof Float64Array);
  assert.deepEqual(Array.from(double), [0, 0, 0]);
  assert.equal(allocateArray('float32', 0).length, 0);
});

test('dtypeOf names the storage: float64 for Float64Array, float32 for Float32Array', () => {
  assert.equal(dtypeOf(new Float64Array(2)), 'float64');
  assert.equal(dtypeOf(new Float32Array(2)), 'float32');
  assert.equal(dtypeOf(allocateArray('float64', 1)), 'float64');
});

test('float64 storage keeps what float32 rounds: 0.1 + 0.2 exactly as JavaScript computes it', () => {
  const double = allocateArray('float64', 1);
  const single = allocateArray('float32', 1);
  double[0] = 0.1 + 0.2;
  single[0] = 0.1 + 0.2;
  assert.equal(double[0], 0.30000000000000004);
  assert.equal(single[0], Math.fround(0.30000000000000004));
  assert.notEqual(single[0], double[0]);
});
