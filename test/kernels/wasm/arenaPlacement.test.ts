// The arena's placement (src/kernels/wasm/arena.ts) against a plain model of its rule: first fit
// above the stack's top, 64-byte aligned, 64 bytes of padding after every block, temporaries
// skipping persistent blocks. Random sequences of temporary and persistent allocations, frees and
// releases must give the same offsets as the model, and no two live blocks may overlap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../../../src/index.js';
import { Arena } from '../../../src/kernels/wasm/arena.js';

const ALIGNMENT = 64;
const PADDING = 64;
const alignUp = (value: number) => Math.ceil(value / ALIGNMENT) * ALIGNMENT;

/** The rule written as plainly as possible: scan every block, in address order. */
class ArenaModel {
  top: number;
  blocks: { start: number; end: number }[] = [];
  constructor(base: number) {
    this.top = alignUp(base);
  }
  private fit(start: number, bytes: number): number {
    for (const block of [...this.blocks].sort((a, b) => a.start - b.start)) {
      if (start < block.end + PADDING && start + bytes + PADDING > block.start) start = alignUp(block.end + PADDING);
    }
    return start;
  }
  allocate(bytes: number): number {
    const start = this.fit(alignUp(this.top), bytes);
    this.top = start + bytes;
    return start;
  }
  allocatePersistent(bytes: number): number {
    const start = this.fit(alignUp(this.top + PADDING), bytes);
    this.blocks.push({ start, end: start + bytes });
    return start;
  }
  free(start: number): void {
    this.blocks = this.blocks.filter((block) => block.start !== start);
  }
}

test('placement matches the plain first-fit rule over random allocate / free / release sequences', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const random = new Random(seed);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
    const arena = new Arena(memory, 1024, 4096 * 65536);
    const model = new ArenaModel(1024);
    const persistent: number[] = [];
    const marks: number[] = [];
    for (let step = 0; step < 400; step++) {
      const choice = random.integer(10);
      const bytes = 1 + random.integer(random.integer(4) === 0 ? 20_000 : 600);
      if (choice < 3) {
        assert.equal(arena.allocate(bytes), model.allocate(bytes), `seed ${seed} step ${step}: temporary of ${bytes}`);
      } else if (choice < 6) {
        const start = arena.allocatePersistent(bytes);
        assert.equal(start, model.allocatePersistent(bytes), `seed ${seed} step ${step}: persistent of ${bytes}`);
        persistent.push(start);
      } else if (choice < 8 && persistent.length > 0) {
        const [start] = persistent.splice(random.integer(persistent.length), 1);
        arena.freePersistent(start!);
        model.free(start!);
      } else if (choice === 8) {
        marks.push(arena.mark());
      } else if (marks.length > 0) {
        const mark = marks.pop()!;
        arena.release(mark);
        model.top = mark;
      }
      assert.equal(arena.mark(), model.top, `seed ${seed} step ${step}: stack top`);
    }
    const sorted = [...model.blocks].sort((a, b) => a.start - b.start);
    for (let index = 1; index < sorted.length; index++)
      assert.ok(sorted[index]!.start >= sorted[index - 1]!.end + PADDING, `seed ${seed}: blocks overlap`);
    assert.equal(arena.persistentUse().blocks, model.blocks.length);
    for (const block of model.blocks) assert.ok(arena.isPersistent(block.start) && arena.isPersistent(block.end - 1));
  }
});
