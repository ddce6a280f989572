// Weight initialisation (src/layers/initializers.ts): zeros and ones exactly, He and Glorot draws within
// their bounds and with their variances (2 / fanIn, 2 / (fanIn + fanOut)) on seeded samples, an unknown
// name refused with the list, and the weight budget a weights file sets.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random, ValueError } from '../../src/index.js';
import { checkInitializer, initializeWeights, withWeightBudget } from '../../src/layers/initializers.js';
import { assertThrowsWith } from '../helpers.js';

function variance(values: ArrayLike<number>): number {
  let sum = 0;
  let sumOfSquares = 0;
  for (let index = 0; index < values.length; index++) {
    sum += values[index]!;
    sumOfSquares += values[index]! ** 2;
  }
  const mean = sum / values.length;
  return sumOfSquares / values.length - mean * mean;
}

describe('initializeWeights', () => {
  test('zeros and ones fill the shape exactly', () => {
    const zeros = initializeWeights('zeros', [2, 3], 2, 3, new Random(1), 'float64');
    assert.deepEqual(zeros.shape, [2, 3]);
    assert.deepEqual([...zeros.dataSync()], [0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...initializeWeights('ones', [4], 1, 1, new Random(1), 'float32').dataSync()], [1, 1, 1, 1]);
  });

  test('heUniform stays within sqrt(6 / fanIn); He and Glorot variances within 10% on 8000 seeded draws', () => {
    const shape = [8000];
    const heUniform = initializeWeights('heUniform', shape, 8, 4, new Random(7), 'float64').dataSync();
    const limit = Math.sqrt(6 / 8);
    assert.ok(
      heUniform.every((value) => Math.abs(value) <= limit),
      `every |w| <= ${limit}`,
    );
    for (const [name, expected] of [
      ['heNormal', 2 / 8],
      ['heUniform', 2 / 8],
      ['glorotNormal', 2 / 12],
      ['glorotUniform', 2 / 12],
    ] as const) {
      const values = initializeWeights(name, shape, 8, 4, new Random(11), 'float64').dataSync();
      const actual = variance(values);
      assert.ok(Math.abs(actual - expected) <= 0.1 * expected, `${name}: variance ${actual}, expected ${expected}`);
    }
  });

  test('the same seed draws the same weights', () => {
    const first = initializeWeights('glorotNormal', [3, 3], 3, 3, new Random(5), 'float64').dataSync();
    const second = initializeWeights('glorotNormal', [3, 3], 3, 3, new Random(5), 'float64').dataSync();
    assert.deepEqual([...first], [...second]);
  });

  test('an unknown initializer names the option and the choices; a weight past the budget is a ValueError', () => {
    assert.equal(checkInitializer('glorotUniform', 'Dense kernelInitializer'), 'glorotUniform');
    assertThrowsWith(
      () => checkInitializer('lecunNormal', 'Dense kernelInitializer'),
      ValueError,
      "Dense kernelInitializer: unknown initializer 'lecunNormal'",
      'heNormal, heUniform, glorotNormal, glorotUniform, zeros, ones',
    );
    assertThrowsWith(
      () => withWeightBudget(10, () => initializeWeights('zeros', [3, 4], 3, 4, new Random(1), 'float64')),
      ValueError,
      'more weights than the weights file holds',
      '3x4',
    );
    const withinBudget = withWeightBudget(12, () => initializeWeights('ones', [3, 4], 3, 4, new Random(1), 'float64'));
    assert.equal(withinBudget.size, 12);
  });
});
