// The WebAssembly arena's early-freed temporaries (freeTemporary): a freed block becomes a hole that
// later temporaries of the same scope take (allocateReusing), neighbours merge, the last hole grows
// past the top, a scope's release drops the holes above its mark, and no hole below the innermost
// scope's mark is handed out (it belongs to an outer scope).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arena } from '../../../src/kernels/wasm/arena.js';

const KB = 1024;

function arena(): Arena {
  return new Arena(new WebAssembly.Memory({ initial: 16, maximum: 1024 }), 1024, 1024 * 65536);
}

test('a freed temporary is reused, neighbours merge, and bytesInUse leaves the holes out', () => {
  const memory = arena();
  const mark = memory.mark();
  const first = memory.allocateReusing(64 * KB, mark);
  const second = memory.allocateReusing(64 * KB, mark);
  const third = memory.allocateReusing(64 * KB, mark);
  assert.ok(first < second && second < third);
  const inUse = memory.bytesInUse();
  memory.freeTemporary(second, 64 * KB);
  assert.equal(memory.bytesInUse(), inUse - 64 * KB);
  // A smaller block takes the hole's front; the rest stays free.
  assert.equal(memory.allocateReusing(16 * KB, mark), second);
  assert.equal(memory.allocateReusing(48 * KB, mark), second + 16 * KB);
  assert.equal(memory.holeBytes(), 0);
  // First and the front of second freed apart, then merged into one hole of 80 KB.
  memory.freeTemporary(first, 64 * KB);
  memory.freeTemporary(second, 16 * KB);
  assert.equal(memory.holeBytes(), 80 * KB);
  assert.equal(memory.allocateReusing(80 * KB, mark), first);
  const top = memory.mark();
  memory.freeTemporary(first, 80 * KB);
  memory.release(mark);
  assert.equal(memory.holeBytes(), 0, 'the release drops the holes above its mark');
  assert.ok(memory.mark() < top);
});

test('the last hole grows past the top instead of leaving the top to grow alone', () => {
  const memory = arena();
  const mark = memory.mark();
  const below = memory.allocateReusing(32 * KB, mark);
  const last = memory.allocateReusing(32 * KB, mark);
  memory.freeTemporary(last, 32 * KB);
  // 96 KB: it starts in the 32 KB hole at the top and runs 64 KB past it.
  assert.equal(memory.allocateReusing(96 * KB, mark), last);
  assert.equal(memory.mark(), last + 96 * KB);
  assert.equal(memory.holeBytes(), 0);
  assert.ok(below < last);
});

test("a hole below the innermost scope's mark is not handed out; once that scope is released, it is", () => {
  const memory = arena();
  const outer = memory.mark();
  const outerBlock = memory.allocateReusing(64 * KB, outer);
  memory.allocateReusing(16 * KB, outer);
  memory.freeTemporary(outerBlock, 64 * KB);
  const inner = memory.mark();
  const innerBlock = memory.allocateReusing(32 * KB, inner);
  assert.ok(innerBlock >= inner, 'the inner scope allocates above its mark');
  memory.release(inner);
  assert.equal(memory.allocateReusing(32 * KB, outer), outerBlock, 'the outer scope reuses its hole');
});
