// Hand-worked cases of the zero-padding reference kernels (src/kernels/js/zeroPad2d.ts): ZeroPad2D puts the
// image at (padTop, padLeft) in a field of zeros, ZeroPad2DBackprop crops the gradient back. Layout NHWC.
// Pure data movement: exact (tolerance 0).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zeroPad2d, zeroPad2dBackprop } from '../../../src/kernels/js/zeroPad2d.js';
import type { ZeroPad2DParams } from '../../../src/kernels/params.js';
import { f64 } from './referenceCases.js';

// One 1x2 image of 2 channels, [1, 2 | 3, 4], padded by top 1, bottom 0, left 0, right 1: a 2x3 output.
const PARAMS: ZeroPad2DParams = {
  batch: 1,
  inH: 1,
  inW: 2,
  inC: 2,
  outH: 2,
  outW: 3,
  padTop: 1,
  padBottom: 0,
  padLeft: 0,
  padRight: 1,
};

describe('ZeroPad2D and ZeroPad2DBackprop reference kernels, by hand', () => {
  test('the image lands on row 1, columns 0 and 1; everything else, stale values included, is 0', () => {
    const output = new Float64Array(12).fill(7);
    zeroPad2d(f64([1, 2, 3, 4]), output, PARAMS);
    assert.deepEqual([...output], [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0]);
  });

  test('the backward pass crops the padded border off the gradient', () => {
    const dInput = new Float64Array(4);
    zeroPad2dBackprop(f64([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]), dInput, PARAMS);
    assert.deepEqual([...dInput], [16, 17, 18, 19]);
  });

  test('a batch of 2 with 1 on every side: each image keeps to its own 3x3 output', () => {
    const params: ZeroPad2DParams = {
      batch: 2,
      inH: 1,
      inW: 1,
      inC: 1,
      outH: 3,
      outW: 3,
      padTop: 1,
      padBottom: 1,
      padLeft: 1,
      padRight: 1,
    };
    const output = new Float64Array(18);
    zeroPad2d(f64([5, 6]), output, params);
    assert.deepEqual([...output], [0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0]);
  });
});
