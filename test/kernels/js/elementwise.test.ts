// Hand-worked cases of the elementwise and bias reference kernels (src/kernels/js/elementwise.ts): Add,
// BiasAdd, BiasAddGrad, ClipBiasAddGrad and Multiply. Integer-valued cases match exactly (tolerance 0).

import { describe, test } from 'node:test';
import { add, biasAdd, biasAddGrad, clipBiasAddGrad, multiply } from '../../../src/kernels/js/elementwise.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64 } from './referenceCases.js';

describe('elementwise and bias reference kernels, by hand', () => {
  test('Add, BiasAdd and BiasAddGrad', () => {
    const sum = new Float64Array(3);
    add(f64([1, 2, 3]), f64([10, 20, 30]), sum, { size: 3 });
    assertClose(sum, [11, 22, 33], EXACT, 'add');
    const output = new Float64Array(6);
    biasAdd(f64([1, 2, 3, 4, 5, 6]), f64([10, 20, 30]), output, { rows: 2, columns: 3 });
    assertClose(output, [11, 22, 33, 14, 25, 36], EXACT, 'biasAdd');
    const dBias = new Float64Array(3).fill(99);
    biasAddGrad(f64([1, 2, 3, 4, 5, 6]), dBias, { rows: 2, columns: 3 });
    assertClose(dBias, [5, 7, 9], EXACT, 'biasAddGrad (column sums)');
  });

  test('ClipBiasAddGrad: dOut where min < output < max (open at both ends), and its column sums', () => {
    const dInput = new Float64Array(6).fill(99);
    const dBias = new Float64Array(3).fill(99);
    // ReLU6's output: 0 and 6 are clipped (no gradient), 0.5, 3, 5.5 and 6 - 1e-9 pass.
    clipBiasAddGrad(f64([1, 2, 3, 4, 5, 6]), f64([0, 0.5, 6, 3, 5.5, 6 - 1e-9]), dInput, dBias, {
      rows: 2,
      columns: 3,
      min: 0,
      max: 6,
    });
    assertClose(dInput, [0, 2, 0, 4, 5, 6], EXACT, 'clipBiasAddGrad dInput');
    assertClose(dBias, [4, 7, 6], EXACT, 'clipBiasAddGrad dBias');
  });

  test('Multiply: the product value by value; the output may alias an input', () => {
    const product = new Float64Array(4);
    multiply(f64([1, -2, 0.5, 0]), f64([10, 3, -4, -7]), product, { size: 4 });
    assertClose(product, [10, -6, -2, -0], EXACT, 'multiply');
    const squares = f64([3, -1.5]);
    multiply(squares, squares, squares, { size: 2 });
    assertClose(squares, [9, 2.25], EXACT, 'multiply in place');
  });
});
