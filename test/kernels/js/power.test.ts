// Hand-worked cases of the power reference kernels (src/kernels/js/power.ts): Pow (x^p, with exponent 2 as
// x * x and 0.5 as Math.sqrt) and PowGrad (dOut * p * x^(p - 1)), including the edges the header names:
// sqrt(-0) = -0, sqrt(-Infinity) = NaN, and a gradient of +Infinity for x^0.5 at 0. Float64.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pow, powGrad } from '../../../src/kernels/js/power.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64 } from './referenceCases.js';

describe('Pow and PowGrad reference kernels, by hand', () => {
  test('squares, square roots and cubes of [0, 1, 4, -2, 9]', () => {
    const input = f64([0, 1, 4, -2, 9]);
    const output = new Float64Array(5);
    pow(input, output, { size: 5, exponent: 2 });
    assert.deepEqual([...output], [0, 1, 16, 4, 81]);
    pow(input, output, { size: 5, exponent: 0.5 });
    assert.deepEqual([...output], [0, 1, 2, Number.NaN, 3]);
    pow(input, output, { size: 5, exponent: 3 });
    assert.deepEqual([...output], [0, 1, 64, -8, 729]);
  });

  test('sqrt(-0) is -0 and sqrt(-Infinity) is NaN, as ONNX Sqrt (Math.pow(-Infinity, 0.5) is +Infinity)', () => {
    const output = new Float64Array(2);
    pow(f64([-0, Number.NEGATIVE_INFINITY]), output, { size: 2, exponent: 0.5 });
    assert.ok(Object.is(output[0], -0), 'sqrt(-0) is -0');
    assert.ok(Number.isNaN(output[1]!), 'sqrt(-Infinity) is NaN');
  });

  test('gradients: 2x for squares, 0.5 / sqrt(x) for roots (+Infinity at 0), 3x^2 for cubes, times dOut', () => {
    const input = f64([0, 1, 4, 9]);
    const dOut = f64([1, 2, 3, 4]);
    const dInput = new Float64Array(4);
    powGrad(dOut, input, dInput, { size: 4, exponent: 2 });
    assertClose(dInput, [0, 4, 24, 72], EXACT, 'd x^2');
    powGrad(dOut, input, dInput, { size: 4, exponent: 0.5 });
    assert.equal(dInput[0], Number.POSITIVE_INFINITY, 'd x^0.5 at 0');
    assertClose(dInput.subarray(1), [1, 0.75, 4 / 6], { atol: 0, rtol: 1e-15 }, 'd x^0.5');
    powGrad(dOut, input, dInput, { size: 4, exponent: 3 });
    assertClose(dInput, [0, 6, 144, 972], EXACT, 'd x^3');
    powGrad(dOut, input, dInput, { size: 4, exponent: 0 });
    assertClose(dInput, [0, 0, 0, 0], EXACT, 'd x^0');
  });
});
