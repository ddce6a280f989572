// Convolution filter layouts (src/io/filterLayout.ts): HWIO to OIHW on a filter whose every value names
// its own position, so each copied value shows where it came from, and the way back is the identity.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertFilterLayout } from '../../src/io/filterLayout.js';

// kH 2, kW 3, inC 2, outC 2: HWIO value 1000 ky + 100 kx + 10 ic + oc.
const SIZE = { kH: 2, kW: 3, inC: 2, outC: 2 };
const COUNT = 2 * 3 * 2 * 2;

function hwioFilter(): number[] {
  const values: number[] = [];
  for (let ky = 0; ky < SIZE.kH; ky++)
    for (let kx = 0; kx < SIZE.kW; kx++)
      for (let ic = 0; ic < SIZE.inC; ic++)
        for (let oc = 0; oc < SIZE.outC; oc++) values.push(1000 * ky + 100 * kx + 10 * ic + oc);
  return values;
}

test('HWIO -> OIHW puts [ky, kx, ic, oc] at [oc, ic, ky, kx]: the first row of output 1 input 0 is 1, 101, 201', () => {
  const oihw = new Array<number>(COUNT).fill(-1);
  convertFilterLayout(hwioFilter(), oihw, SIZE, 'HWIO->OIHW');
  // OIHW order: oc, then ic, then ky, then kx.
  const expected: number[] = [];
  for (let oc = 0; oc < SIZE.outC; oc++)
    for (let ic = 0; ic < SIZE.inC; ic++)
      for (let ky = 0; ky < SIZE.kH; ky++)
        for (let kx = 0; kx < SIZE.kW; kx++) expected.push(1000 * ky + 100 * kx + 10 * ic + oc);
  assert.deepEqual(oihw, expected);
  assert.deepEqual(oihw.slice(12, 15), [1, 101, 201]);
});

test('OIHW -> HWIO undoes it, into a typed array', () => {
  const oihw = new Float32Array(COUNT);
  convertFilterLayout(hwioFilter(), oihw, SIZE, 'HWIO->OIHW');
  const back = new Float32Array(COUNT);
  convertFilterLayout(oihw, back, SIZE, 'OIHW->HWIO');
  assert.deepEqual(Array.from(back), hwioFilter());
});

test('a 1x1 filter is a transpose of [inC, outC] into [outC, inC]', () => {
  const oihw: number[] = [];
  convertFilterLayout([1, 2, 3, 4, 5, 6], oihw, { kH: 1, kW: 1, inC: 2, outC: 3 }, 'HWIO->OIHW');
  assert.deepEqual(oihw, [1, 4, 2, 5, 3, 6]);
});
