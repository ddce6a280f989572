// Hand-worked cases of the max-pooling reference kernels (src/kernels/js/maxPool2d.ts): MaxPool2D with its
// flat argmax indices and MaxPool2DBackprop, including ties, padding, NaN and overlapping windows.
// Layout: activations NHWC. Integer-valued cases match exactly (tolerance 0).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxPool2d, maxPool2dBackprop } from '../../../src/kernels/js/maxPool2d.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64, poolParams } from './referenceCases.js';

describe('MaxPool2D and MaxPool2DBackprop reference kernels, by hand', () => {
  test('pool 2 stride 2: values and flat argmax indices', () => {
    //  1 5 | 2 0      windows: {1,5,3,4} -> 5 at 1; {2,0,8,7} -> 8 at 6
    //  3 4 | 8 7               {0,2,6,1} -> 6 at 12; {1,1,3,9} -> 9 at 15
    //  0 2 | 1 1
    //  6 1 | 3 9
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(
      f64([1, 5, 2, 0, 3, 4, 8, 7, 0, 2, 1, 1, 6, 1, 3, 9]),
      output,
      argmax,
      poolParams(4, 4, 1, 2, 2, 'valid'),
    );
    assertClose(output, [5, 8, 6, 9], EXACT, 'pooled values');
    assert.deepEqual(Array.from(argmax), [1, 6, 12, 15]);
  });

  test('ties go to the first position in scan order', () => {
    const output = new Float64Array(1);
    const argmax = new Int32Array(1);
    maxPool2d(f64([2, 2, 2, 2]), output, argmax, poolParams(2, 2, 1, 2, 2, 'valid'));
    assert.deepEqual([output[0], argmax[0]], [2, 0]);
  });

  test('two channels pool separately; argmax indexes the NHWC input', () => {
    // pixels (c0, c1): (1, 8) (4, 5) (3, 6) (2, 7): channel 0 max 4 at flat 2, channel 1 max 8 at flat 1.
    const output = new Float64Array(2);
    const argmax = new Int32Array(2);
    maxPool2d(f64([1, 8, 4, 5, 3, 6, 2, 7]), output, argmax, poolParams(2, 2, 2, 2, 2, 'valid'));
    assertClose(output, [4, 8], EXACT, 'per-channel max');
    assert.deepEqual(Array.from(argmax), [2, 1]);
  });

  test("padding never wins: all-negative input with 'same' and explicit padding gives negatives, not 0", () => {
    // 'same', pool 2, stride 2 on 3x3: padding bottom/right 1. Windows {-1,-2,-4,-5} {-3,-6} {-7,-8} {-9}.
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(f64([-1, -2, -3, -4, -5, -6, -7, -8, -9]), output, argmax, poolParams(3, 3, 1, 2, 2, 'same'));
    assertClose(output, [-1, -3, -7, -9], EXACT, "'same' padding");
    assert.deepEqual(Array.from(argmax), [0, 2, 6, 8]);
    // Padding 1 all round, pool 2, stride 2 on 2x2: each window holds one real pixel.
    const padded = poolParams(2, 2, 1, 2, 2, 1);
    assert.deepEqual([padded.outH, padded.outW], [2, 2]);
    maxPool2d(f64([-1, -2, -3, -4]), output, argmax, padded);
    assertClose(output, [-1, -2, -3, -4], EXACT, 'explicit padding 1');
    assert.deepEqual(Array.from(argmax), [0, 1, 2, 3]);
  });

  test('NaN propagates and its position is the argmax, even when larger values follow it', () => {
    // 1x2x4x1:  NaN 5 | 1   2      window 0 {NaN, 5, 7, 9} -> NaN at 0
    //            7  9 | NaN 3      window 1 {1, 2, NaN, 3} -> NaN at 6
    const output = new Float64Array(2);
    const argmax = new Int32Array(2);
    maxPool2d(f64([Number.NaN, 5, 1, 2, 7, 9, Number.NaN, 3]), output, argmax, poolParams(2, 4, 1, 2, 2, 'valid'));
    assert.ok(Number.isNaN(output[0]!) && Number.isNaN(output[1]!), `expected NaN, NaN; got ${Array.from(output)}`);
    assert.deepEqual(Array.from(argmax), [0, 6]);
  });

  test('backprop routes each gradient to its argmax; overlapping windows add up', () => {
    // pool 2 stride 1 on 3x3 with the maximum 9 in the centre: all four windows pick it, so dIn = 1+2+3+4 there.
    const params = poolParams(3, 3, 1, 2, 1, 'valid');
    const output = new Float64Array(4);
    const argmax = new Int32Array(4);
    maxPool2d(f64([1, 2, 3, 4, 9, 5, 6, 7, 8]), output, argmax, params);
    assert.deepEqual(Array.from(argmax), [4, 4, 4, 4]);
    const dInput = new Float64Array(9).fill(99);
    maxPool2dBackprop(f64([1, 2, 3, 4]), argmax, dInput, params);
    assertClose(dInput, [0, 0, 0, 0, 10, 0, 0, 0, 0], EXACT, 'dInput');
  });
});
