// Color maps (src/visualize/colorMaps.ts): each map's endpoints and midpoint, the clamp of values
// outside [0, 1], and the offset at which the color is written.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ColorMap, divergingMap, grayMap, heatMap } from '../../src/visualize/colorMaps.js';
import { assertClose } from '../helpers.js';

// Float32 storage: the expected values are compared as float32 roundings.
const FLOAT32 = { atol: 1e-7, rtol: 0 };

function colorOf(map: ColorMap, t: number): number[] {
  const rgb = new Float32Array(3);
  map(t, rgb, 0);
  return Array.from(rgb);
}

test('grayMap: 0 is black, 0.5 mid gray, 1 white; values outside [0, 1] clamp', () => {
  assert.deepEqual(colorOf(grayMap, 0), [0, 0, 0]);
  assert.deepEqual(colorOf(grayMap, 0.5), [0.5, 0.5, 0.5]);
  assert.deepEqual(colorOf(grayMap, 1), [1, 1, 1]);
  assert.deepEqual(colorOf(grayMap, -3), [0, 0, 0]);
  assert.deepEqual(colorOf(grayMap, 7), [1, 1, 1]);
});

test('divergingMap: 0 full blue, 0.5 white, 1 full red; 0.25 halfway from blue to white', () => {
  assertClose(colorOf(divergingMap, 0), [0.13, 0.4, 0.8], FLOAT32, 'blue');
  assertClose(colorOf(divergingMap, 0.5), [1, 1, 1], FLOAT32, 'white');
  assertClose(colorOf(divergingMap, 1), [0.8, 0.1, 0.1], FLOAT32, 'red');
  assertClose(colorOf(divergingMap, 0.25), [0.13 + 0.435, 0.4 + 0.3, 0.8 + 0.1], FLOAT32, 'light blue');
  assertClose(colorOf(divergingMap, -1), [0.13, 0.4, 0.8], FLOAT32, 'below 0 clamps to blue');
});

test('heatMap: black, red at 1/3, yellow at 2/3, white at 1; the middle is full red and half green', () => {
  assert.deepEqual(colorOf(heatMap, 0), [0, 0, 0]);
  assertClose(colorOf(heatMap, 1 / 3), [1, 0, 0], FLOAT32, 'red');
  assertClose(colorOf(heatMap, 0.5), [1, 0.5, 0], FLOAT32, 'orange');
  assertClose(colorOf(heatMap, 2 / 3), [1, 1, 0], FLOAT32, 'yellow');
  assert.deepEqual(colorOf(heatMap, 1), [1, 1, 1]);
  assert.deepEqual(colorOf(heatMap, 2), [1, 1, 1]);
});

test('the color is written at the offset, leaving the rest of the buffer alone', () => {
  const rgb = new Float32Array(7).fill(-1);
  heatMap(1, rgb, 3);
  assert.deepEqual(Array.from(rgb), [-1, -1, -1, 1, 1, 1, -1]);
});
