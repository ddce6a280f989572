// Known values of erf, erfc and the standard normal CDF Phi (src/kernels/js/erf.ts) in float64, against mpmath
// at 30 digits (written beside each case), with their symmetries, limits and NaN. GELU's exact form rests on them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { erf, erfc, normalCdf } from '../../../src/kernels/js/erf.js';
import { assertClose } from '../../helpers.js';

/** A few float64 operations on exp: within a few units in the last place. */
const FLOAT64 = { atol: 1e-300, rtol: 5e-15 };

describe('erf, erfc and Phi in float64 against mpmath', () => {
  test('erf(0.5), erf(1), erf(3) and their complements; erfc(10) = 2.09e-45 keeps its precision', () => {
    assertClose(
      [erf(0.5), erf(1), erf(3)],
      [0.5204998778130465, 0.8427007929497149, 0.9999779095030014],
      FLOAT64,
      'erf',
    );
    assertClose(
      [erfc(0.5), erfc(1), erfc(3), erfc(10)],
      [0.4795001221869535, 0.15729920705028513, 0.00002209049699858544, 2.088487583762545e-45],
      FLOAT64,
      'erfc',
    );
  });

  test('symmetry, limits and NaN: erf(-x) = -erf(x), erfc(-x) = 2 - erfc(x), erf(inf) = 1, erfc(30) = 0', () => {
    for (const x of [0.1, 0.9, 1, 1.7, 4]) {
      assert.equal(erf(-x), -erf(x));
      assert.equal(erfc(-x), 2 - erfc(x));
    }
    assert.deepEqual(
      [erf(0), erf(Infinity), erf(-Infinity), erfc(Infinity), erfc(30), erfc(-Infinity)],
      [0, 1, -1, 0, 0, 2],
    );
    assert.ok(Number.isNaN(erf(Number.NaN)) && Number.isNaN(erfc(Number.NaN)));
  });

  test('Phi(1) = 0.8413447460685429 and Phi(-1) = 0.15865525393145705', () => {
    assertClose(
      [normalCdf(1), normalCdf(-1), normalCdf(0)],
      [0.8413447460685429, 0.15865525393145705, 0.5],
      FLOAT64,
      'Phi',
    );
  });
});
