// Range checks of optimizer options (src/optim/optionChecks.ts): what each accepts at its bounds and
// the ValueError, naming the option and the value, for what it refuses (NaN included).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValueError } from '../../src/index.js';
import { checkFraction, checkNonNegative } from '../../src/optim/optionChecks.js';

test('checkNonNegative returns 0 and finite positives; refuses negatives, NaN and Infinity', () => {
  assert.equal(checkNonNegative(0, 'SGD learningRate'), 0);
  assert.equal(checkNonNegative(2.5, 'SGD learningRate'), 2.5);
  for (const value of [-1e-9, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => checkNonNegative(value, 'SGD learningRate'),
      (error: unknown) =>
        error instanceof ValueError && error.message === `SGD learningRate must be a finite number >= 0, got ${value}`,
    );
  }
});

test('checkFraction accepts [0, 1): 0 and 0.999 pass; 1, -0.1 and NaN are refused', () => {
  assert.equal(checkFraction(0, 'Adam beta1'), 0);
  assert.equal(checkFraction(0.999, 'Adam beta1'), 0.999);
  for (const value of [1, -0.1, Number.NaN]) {
    assert.throws(
      () => checkFraction(value, 'Adam beta1'),
      (error: unknown) => error instanceof ValueError && error.message === `Adam beta1 must be in [0, 1), got ${value}`,
    );
  }
});
