// Fuzzing helpers shared by the fuzz tests of every reader: seeded byte- and JSON-level damage, and
// the bounds each case must keep (a typed ConvNetError or success, quickly, within a memory bound).

import assert from 'node:assert/strict';
import { ConvNetError, type Random } from '../src/index.js';

/**
 * Largest time one case may take, and the most memory the whole run may hold: in ArrayBuffers, on the JS heap.
 * The time is a hang guard, not a speed figure: a reader that scales badly takes seconds to minutes on
 * a damaged file, while a sound case takes milliseconds, 400 ms at worst seen on the 2-core machine at
 * load 8 (a garbage collection in the middle), which a 1 s bound failed now and then.
 */
export const CASE_MILLISECONDS = 3000;
export const ARRAY_BUFFER_LIMIT = 512 * 1024 * 1024;
export const HEAP_LIMIT = 1024 * 1024 * 1024;

export function check(label: string, run: () => unknown): void {
  const started = performance.now();
  try {
    run();
  } catch (error) {
    if (!(error instanceof ConvNetError))
      assert.fail(`${label}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < CASE_MILLISECONDS, `${label}: took ${elapsed.toFixed(0)} ms`);
  const memory = process.memoryUsage();
  assert.ok(memory.arrayBuffers < ARRAY_BUFFER_LIMIT, `${label}: ${memory.arrayBuffers} bytes in ArrayBuffers`);
  assert.ok(memory.heapUsed < HEAP_LIMIT, `${label}: ${memory.heapUsed} bytes on the heap`);
}

/** Byte-level damage: flips, overwrites with extreme values, truncation, insertion, duplication. */
export function mutateBytes(bytes: Uint8Array, random: Random): Uint8Array {
  // Not bytes.slice(): on a Node Buffer that is a view, and the damage would reach the original.
  const copy = Uint8Array.prototype.slice.call(bytes);
  switch (random.integer(5)) {
    case 0: {
      for (let flips = 1 + random.integer(8); flips > 0; flips--)
        copy[random.integer(copy.length)]! ^= 1 << random.integer(8);
      return copy;
    }
    case 1: {
      const at = random.integer(Math.max(1, copy.length - 8));
      const value = [0xff, 0x00, 0x7f, 0x80][random.integer(4)]!;
      copy.fill(value, at, at + 1 + random.integer(8));
      return copy;
    }
    case 2:
      return copy.subarray(0, random.integer(copy.length));
    case 3: {
      const at = random.integer(copy.length);
      const inserted = Uint8Array.from({ length: 1 + random.integer(16) }, () => random.integer(256));
      const out = new Uint8Array(copy.length + inserted.length);
      out.set(copy.subarray(0, at));
      out.set(inserted, at);
      out.set(copy.subarray(at), at + inserted.length);
      return out;
    }
    default: {
      const start = random.integer(copy.length);
      const piece = copy.subarray(start, start + 1 + random.integer(64));
      const out = new Uint8Array(copy.length + piece.length);
      out.set(copy);
      out.set(piece, copy.length);
      return out;
    }
  }
}

export const HOSTILE_VALUES: unknown[] = [
  -1,
  0,
  1.5,
  1e9,
  2 ** 31,
  2 ** 53,
  -1e308,
  1e308,
  null,
  true,
  'x',
  '',
  [],
  {},
  [1e9, 1e9],
  [-3, 2],
  [[[[[]]]]],
  { length: 1e12 },
];

/** JSON-level damage: one value anywhere in the manifest replaced by a hostile one, or removed. */
export function mutateJson(text: string, random: Random): string {
  const value = JSON.parse(text) as unknown;
  const containers: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node))
      node.forEach((child, index) => {
        containers.push([node, index]);
        walk(child);
      });
    else if (typeof node === 'object' && node !== null)
      for (const [key, child] of Object.entries(node)) {
        containers.push([node as Record<string, unknown>, key]);
        walk(child);
      }
  };
  walk(value);
  const [container, key] = containers[random.integer(containers.length)]!;
  if (random.integer(6) === 0 && !Array.isArray(container))
    delete (container as Record<string, unknown>)[key as string];
  else (container as Record<string | number, unknown>)[key] = HOSTILE_VALUES[random.integer(HOSTILE_VALUES.length)];
  return JSON.stringify(value);
}
