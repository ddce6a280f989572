// Scopes of the reference backend's heap tensors (src/kernels/js/heapScopes.ts): arrays allocated while a
// scope is open are temporary to it (and to an outer scope whose mark is earlier), those allocated before
// it or outside any scope are not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocateInHeapScope,
  closeHeapScope,
  isHeapScopeTemporary,
  openHeapScope,
} from '../../../src/kernels/js/heapScopes.js';

test('allocation outside a scope is never temporary; inside, it is temporary to that scope', () => {
  const outside = allocateInHeapScope('float32', 4);
  assert.ok(outside instanceof Float32Array);
  assert.equal(outside.length, 4);
  const mark = openHeapScope();
  const inside = allocateInHeapScope('float64', 2);
  assert.ok(inside instanceof Float64Array);
  assert.equal(isHeapScopeTemporary(inside, mark), true);
  assert.equal(isHeapScopeTemporary(outside, mark), false);
  closeHeapScope();
  assert.equal(isHeapScopeTemporary(allocateInHeapScope('float32', 1), mark), false, 'after the scope closed');
});

test('nested scopes: an inner array is temporary to both marks, an outer one only to the outer mark', () => {
  const outerMark = openHeapScope();
  const outerArray = allocateInHeapScope('float32', 1);
  const innerMark = openHeapScope();
  const innerArray = allocateInHeapScope('float32', 1);
  assert.equal(isHeapScopeTemporary(innerArray, innerMark), true);
  assert.equal(isHeapScopeTemporary(innerArray, outerMark), true);
  assert.equal(isHeapScopeTemporary(outerArray, innerMark), false);
  assert.equal(isHeapScopeTemporary(outerArray, outerMark), true);
  closeHeapScope();
  closeHeapScope();
});
