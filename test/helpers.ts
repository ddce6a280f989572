// Shared test helpers: paths to the repository and the shared datasets, tolerant comparisons that
// print the first mismatches and the largest difference, a small learnable image set, error and
// temporary-folder helpers, and the CLI's JSON line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Random, Tensor } from '../src/index.js';

/** The repository root (tests run compiled from dist/test/...). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The team's shared datasets folder, beside the repository. */
export const sharedDatasets = resolve(repoRoot, '..', 'shared', 'datasets');

export function hasSharedDataset(name: string): boolean {
  return existsSync(resolve(sharedDatasets, name));
}

/**
 * Whether `python` exists and finds every module named (importlib's find_spec: found, not imported). Importing torch
 * and torchvision only to ask took 1.3 s of CPU in each file that asks; an install that is found but broken fails
 * the file's export, with Python's error, instead of skipping it.
 */
export function hasPythonModules(python: string, modules: readonly string[]): boolean {
  if (!existsSync(python)) return false;
  const script =
    'import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)';
  return spawnSync(python, ['-c', script, ...modules], { encoding: 'utf8' }).status === 0;
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

/** `count` 8x8x1 images; class 0 a horizontal bar, 1 a vertical bar, 2 the main diagonal; noise sd 0.3. */
export function barImages(count: number, seed: number): { x: Tensor; labels: number[] } {
  const random = new Random(seed);
  const x = Tensor.zeros([count, 8, 8, 1]);
  const labels: number[] = [];
  for (let example = 0; example < count; example++) {
    const label = example % 3;
    labels.push(label);
    const line = 1 + random.integer(6);
    for (let y = 0; y < 8; y++) {
      for (let column = 0; column < 8; column++) {
        const isOn = label === 0 ? y === line : label === 1 ? column === line : y === column;
        x.dataSync()[example * 64 + y * 8 + column] = (isOn ? 1 : 0) + 0.3 * random.normal();
      }
    }
  }
  return { x, labels };
}

/** Asserts that `action` throws an instance of `kind` whose message contains every fragment. */
export function assertThrowsWith(
  action: () => unknown,
  kind: new (...args: never[]) => Error,
  ...fragments: string[]
): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    return true;
  });
}

/** Runs `body` with a fresh temporary folder, removed afterwards. */
export function withTemporaryDirectory(body: (directory: string) => void): void {
  const directory = mkdtempSync(join(tmpdir(), 'convnet-test-'));
  try {
    body(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The JSON object on the last line of a command's stdout (the CLI's --json report). */
export function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** A float32 tensor of `shape` with values uniform in [-1, 1) from a generator seeded with `seed`. */
export function uniformTensor(shape: readonly number[], seed: number): Tensor {
  const random = new Random(seed);
  const size = shape.reduce((product, length) => product * length, 1);
  return Tensor.fromArray(
    Float32Array.from({ length: size }, () => random.uniform() * 2 - 1),
    [...shape],
  );
}

/**
 * Collects garbage and lets the finalization callbacks run (they come as tasks after a collection):
 * for the tests of memory given back when tensors and weights are collected.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
