// Shared test helpers: paths to the repository and the shared datasets, and tolerant comparisons that
// print the first mismatches and the largest difference.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run compiled from dist/test/...). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The team's shared datasets folder, beside the repository. */
export const sharedDatasets = resolve(repoRoot, '..', 'shared', 'datasets');

export function hasSharedDataset(name: string): boolean {
  return existsSync(resolve(sharedDatasets, name));
}

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise; reports the worst mismatches. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: { atol?: number; rtol?: number } = {},
  label = 'values',
): void {
  const atol = tolerance.atol ?? 1e-6;
  const rtol = tolerance.rtol ?? 1e-5;
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} != ${expected.length}`);
  const mismatches: string[] = [];
  let largest = 0;
  for (let index = 0; index < actual.length; index++) {
    const a = actual[index]!;
    const e = expected[index]!;
    const difference = Math.abs(a - e);
    if (!(difference <= atol + rtol * Math.abs(e))) {
      if (mismatches.length < 5) mismatches.push(`[${index}] ${a} != ${e}`);
      largest = Math.max(largest, Number.isNaN(difference) ? Infinity : difference);
    }
  }
  if (mismatches.length > 0) {
    assert.fail(`${label}: ${mismatches.join(', ')}; largest difference ${largest} (atol ${atol}, rtol ${rtol})`);
  }
}
