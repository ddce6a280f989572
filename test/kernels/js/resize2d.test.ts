// Hand-worked cases of the resize reference kernels (src/kernels/js/resize2d.ts): the source coordinate of
// each coordinate transformation, nearest and bilinear Resize2D of a 1x2 row to 1x4, and Resize2DBackprop
// scattering dOut back with the bilinear weights. Every weight here is a multiple of 1/4: exact.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resize2d, resize2dBackprop, sourceCoordinate } from '../../../src/kernels/js/resize2d.js';
import type { Resize2DParams } from '../../../src/kernels/params.js';
import { assertClose } from '../../helpers.js';
import { EXACT, f64 } from './referenceCases.js';

/** One 1x2 map of one channel widened to 1x4 (scale 2 across, 1 down). */
function widen(overrides: Partial<Resize2DParams>): Resize2DParams {
  return {
    batch: 1,
    inH: 1,
    inW: 2,
    inC: 1,
    outH: 1,
    outW: 4,
    scaleH: 1,
    scaleW: 2,
    mode: 'bilinear',
    coordinates: 'half_pixel',
    nearestRounding: 'round_prefer_floor',
    ...overrides,
  };
}

describe('Resize2D and Resize2DBackprop reference kernels, by hand', () => {
  test('output index 1 of 2 -> 4 goes back to 0.25 (half_pixel), 0.5 (asymmetric), 0.75 (tf_half_pixel_for_nn)', () => {
    assert.equal(sourceCoordinate(1, 2, 4, 2, 'half_pixel'), 0.25);
    assert.equal(sourceCoordinate(1, 2, 4, 2, 'pytorch_half_pixel'), 0.25);
    assert.equal(sourceCoordinate(1, 2, 4, 2, 'asymmetric'), 0.5);
    assert.equal(sourceCoordinate(1, 2, 4, 2, 'tf_half_pixel_for_nn'), 0.75);
    assert.equal(sourceCoordinate(3, 2, 4, 2, 'align_corners'), 1);
    // An output of one pixel reads pixel 0 under pytorch_half_pixel and align_corners.
    assert.equal(sourceCoordinate(0, 4, 1, 0.25, 'pytorch_half_pixel'), 0);
    assert.equal(sourceCoordinate(0, 4, 1, 0.25, 'align_corners'), 0);
    assert.equal(sourceCoordinate(0, 4, 1, 0.25, 'half_pixel'), 1.5);
  });

  test('bilinear half_pixel: [0, 8] -> sources -0.25, 0.25, 0.75, 1.25 -> [0, 2, 6, 8] (clamped at the edges)', () => {
    const output = new Float64Array(4);
    resize2d(f64([0, 8]), output, widen({}));
    assertClose(output, [0, 2, 6, 8], EXACT, 'bilinear');
  });

  test('nearest: asymmetric with floor and half_pixel with round_prefer_floor both give [0, 0, 8, 8]', () => {
    const output = new Float64Array(4);
    resize2d(f64([0, 8]), output, widen({ mode: 'nearest', coordinates: 'asymmetric', nearestRounding: 'floor' }));
    assert.deepEqual([...output], [0, 0, 8, 8]);
    output.fill(-1);
    resize2d(f64([0, 8]), output, widen({ mode: 'nearest' }));
    assert.deepEqual([...output], [0, 0, 8, 8]);
  });

  test('bilinear backprop: dOut [1, 2, 3, 4] gives [1 + 1.5 + 0.75, 0.5 + 2.25 + 4] = [3.25, 6.75]', () => {
    const dInput = new Float64Array(2);
    resize2dBackprop(f64([1, 2, 3, 4]), dInput, widen({}));
    assertClose(dInput, [3.25, 6.75], EXACT, 'dInput');
  });
});
