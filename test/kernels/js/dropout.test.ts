// The reference dropout kernel and its hash: lowbias32 against values computed independently (Python
// integer arithmetic), then seeded statistics of the mask (how many values it drops, pairs of
// neighbours, different seeds) and the scaling of kept values.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dropout, dropoutThreshold, lowbias32 } from '../../../src/kernels/js/dropout.js';

function runDropout(size: number, rate: number, seed: number): Float64Array {
  const output = new Float64Array(size);
  dropout(new Float64Array(size).fill(1), output, { size, rate, seed });
  return output;
}

describe('Dropout reference kernel', () => {
  test('lowbias32(1) = 1753845952, lowbias32(2) = 3507691905, lowbias32(0xffffffff) = 0x6768824a (Python)', () => {
    assert.deepEqual(
      [lowbias32(0), lowbias32(1), lowbias32(2), lowbias32(0xffffffff), lowbias32(12345)],
      [0, 1753845952, 3507691905, 0x6768824a, 2435775735],
    );
  });

  test('rate 0.3 on 100,000 values drops 30% within 4 standard deviations, and scales the rest by 1 / 0.7', () => {
    const size = 100_000;
    const output = runDropout(size, 0.3, 42);
    const dropped = output.filter((value) => value === 0).length;
    const sigma = Math.sqrt(size * 0.3 * 0.7);
    assert.ok(Math.abs(dropped - 0.3 * size) < 4 * sigma, `dropped ${dropped} of ${size}`);
    assert.ok(
      output.every((value) => value === 0 || value === 1 / 0.7),
      'kept values are exactly 1 / (1 - rate)',
    );
  });

  test('neighbours are independent: both of a pair dropped in 25% of pairs at rate 0.5 (within 4 sd)', () => {
    const size = 100_000;
    const output = runDropout(size, 0.5, 7);
    let both = 0;
    for (let index = 0; index + 1 < size; index += 2) if (output[index] === 0 && output[index + 1] === 0) both++;
    const pairs = size / 2;
    assert.ok(
      Math.abs(both - 0.25 * pairs) < 4 * Math.sqrt(pairs * 0.25 * 0.75),
      `${both} of ${pairs} pairs both dropped`,
    );
  });

  test('the same seed gives the same mask; another seed another (about half the positions differ at rate 0.5)', () => {
    const first = runDropout(10_000, 0.5, 1);
    assert.deepEqual(runDropout(10_000, 0.5, 1), first);
    const other = runDropout(10_000, 0.5, 2);
    const differing = first.filter((value, index) => value !== other[index]).length;
    assert.ok(differing > 4_500 && differing < 5_500, `${differing} of 10000 positions differ`);
  });

  test('rate 0 keeps everything unscaled; a dropped NaN becomes 0; thresholds of 0, 0.5 and nearly 1', () => {
    assert.ok(runDropout(1000, 0, 3).every((value) => value === 1));
    assert.deepEqual(
      [dropoutThreshold(0), dropoutThreshold(0.5), dropoutThreshold(1 - 2 ** -40)],
      [0, 2 ** 31, 2 ** 32 - 1],
    );
    const input = new Float64Array(64).fill(Number.NaN);
    const output = new Float64Array(64);
    dropout(input, output, { size: 64, rate: 0.5, seed: 9 });
    assert.ok(output.some((value) => value === 0) && output.every((value) => value === 0 || Number.isNaN(value)));
  });
});
