// Shape arithmetic (src/core/shape.ts): element counts, equality, the printed form summaries and errors
// use, and the check that every dimension is a positive integer. Exact values only.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkShape, formatShape, shapesEqual, sizeOf } from '../../src/core/shape.js';
import { ShapeError } from '../../src/index.js';
import { assertThrowsWith } from '../helpers.js';

describe('sizeOf', () => {
  test('multiplies the dimensions: [2, 28, 28, 1] holds 1568 values; a scalar holds 1', () => {
    assert.equal(sizeOf([2, 28, 28, 1]), 1568);
    assert.equal(sizeOf([7]), 7);
    assert.equal(sizeOf([]), 1);
  });
});

describe('shapesEqual', () => {
  test('same rank and same size on every axis', () => {
    assert.equal(shapesEqual([2, 3, 4], [2, 3, 4]), true);
    assert.equal(shapesEqual([], []), true);
    assert.equal(shapesEqual([2, 3, 4], [2, 4, 3]), false);
    assert.equal(shapesEqual([2, 3], [2, 3, 1]), false);
    assert.equal(shapesEqual([6], [2, 3]), false);
  });
});

describe('formatShape', () => {
  test("dimensions joined by 'x', and [] for a scalar", () => {
    assert.equal(formatShape([28, 28, 1]), '28x28x1');
    assert.equal(formatShape([10]), '10');
    assert.equal(formatShape([]), '[]');
  });
});

describe('checkShape', () => {
  test('positive integers pass, a scalar too', () => {
    assert.doesNotThrow(() => checkShape([1, 2, 3], 'input'));
    assert.doesNotThrow(() => checkShape([], 'input'));
  });

  test('zero, negative, fractional and non-finite dimensions are ShapeErrors naming what and the shape', () => {
    assertThrowsWith(
      () => checkShape([2, 0, 3], 'Input shape'),
      ShapeError,
      'Input shape: every dimension must be a positive integer',
      '[2, 0, 3]',
    );
    assertThrowsWith(() => checkShape([-1], 'reshape'), ShapeError, 'reshape:', '[-1]');
    assertThrowsWith(() => checkShape([2.5, 2], 'x'), ShapeError, '[2.5, 2]');
    assertThrowsWith(() => checkShape([Number.NaN], 'x'), ShapeError, '[NaN]');
    assertThrowsWith(() => checkShape([Number.POSITIVE_INFINITY], 'x'), ShapeError, '[Infinity]');
  });
});
